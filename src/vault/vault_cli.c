/*
 * vault_cli.c — `pilotlight vault` (serve a vault), `vault init`, `vault
 * trust`, `vault prune`. Prune and trust have no HTTP counterpart on
 * purpose: changing what a vault keeps or trusts takes a shell on the vault
 * host, which a stolen app server does not have.
 */
#include "cli.h"
#include "vault/vault_cli.h"
#include "vault/vault_dir.h"
#include "vault/vault_http.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define O(f)  offsetof(struct vault_http_opts, f)
#define SZ(f) sizeof(((struct vault_http_opts *)0)->f)

static const struct opt serve_opts[] = {
    {"data", OPT_STR, O(data), SZ(data), NULL, 0, 0, OPT_REQUIRED, "DIR",
     "the vault's directory (made by pilotlight vault init)"},
    {"port", OPT_INT, O(port), 0, "8090", 0, 65535, 0, "N",
     "TCP port to listen on (0 = any free port)"},
    {"bind", OPT_STR, O(bind), SZ(bind), "127.0.0.1", 0, 0, 0, "ADDR",
     "address to listen on (IPv4 or IPv6)"},
    {"token-file", OPT_STR, O(token_file), SZ(token_file), NULL, 0, 0,
     OPT_REQUIRED, "PATH",
     "file holding the bearer token clients send (32-512 printable "
     "characters; mode o-rw)"},
    {"object-max", OPT_SIZE, O(object_max), 0, "4G", 1LL << 20, 64LL << 30, 0,
     "BYTES", "largest object accepted"},
    {"conn-timeout", OPT_INT, O(conn_timeout), 0, "60", 1, 3600, 0, "SECONDS",
     "close a connection idle this long"},
    {"conn-max", OPT_INT, O(conn_max), 0, "64", 1, 10000, 0, "N",
     "connections allowed in total (one thread each)"},
    {"per-ip", OPT_INT, O(per_ip), 0, "16", 1, 10000, 0, "N",
     "connections allowed from one IP address"},
    {"log-level", OPT_STR, O(log_level), SZ(log_level), "info", 0, 0, 0,
     "LEVEL", "debug, info, warn or error"},
    {"access-log", OPT_BOOL, O(access_log), 0, "true", 0, 0, 0, "BOOL",
     "log one line per request"},
    {"status-data", OPT_STR, O(status_data), SZ(status_data), "", 0, 0, 0,
     "DIR",
     "write the vault's heartbeat to DIR/status/heartbeats/ for pilotlight "
     "status (a pilotlight data dir on this host); empty = none"},
    OPT_END,
};

#undef O
#undef SZ

struct vault_cmd_opts {
    char data[4096];
    char signing_key[80];
    long long keep_days;
    bool dry_run;
    bool json;
};

#define O(f)  offsetof(struct vault_cmd_opts, f)
#define SZ(f) sizeof(((struct vault_cmd_opts *)0)->f)
#define OPT_VDATA                                                              \
    {                                                                          \
        "data", OPT_STR, O(data), SZ(data), NULL, 0, 0, OPT_REQUIRED, "DIR",   \
            "the vault's directory"                                            \
    }
#define OPT_SIGNING_KEY                                                        \
    {                                                                          \
        "signing-key", OPT_STR, O(signing_key), SZ(signing_key), NULL, 0, 0,   \
            OPT_REQUIRED | OPT_NO_ENV, "HEX",                                  \
            "Ed25519 public key whose manifests are accepted (pilotlight "     \
            "keys public)"                                                     \
    }

static const struct opt init_opts[] = {OPT_VDATA, OPT_SIGNING_KEY, OPT_END};

static const struct opt prune_opts[] = {
    OPT_VDATA,
    {"keep-days", OPT_INT, O(keep_days), 0, NULL, 1, 36500,
     OPT_REQUIRED | OPT_NO_ENV, "N",
     "keep every manifest received in the last N days (at least 30) and "
     "each store's newest"},
    {"dry-run", OPT_BOOL, O(dry_run), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "say what would be removed; remove nothing"},
    {"json", OPT_BOOL, O(json), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "print the report as JSON"},
    OPT_END,
};

static void
on_ready(int port, void *arg)
{
    (void)arg;
    fprintf(stderr, "pilotlight vault: listening on port %d\n", port);
}

static int
cmd_serve(int argc, char **argv)
{
    struct vault_http_opts o;
    enum err rc = opt_parse(serve_opts, &o, argc, argv);
    if (!rc)
        rc = vault_http_run(&o, on_ready, NULL);
    return rc ? cli_fail("vault", rc) : 0;
}

static int
cmd_init(int argc, char **argv, bool trust)
{
    struct vault_cmd_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help(trust ? "pilotlight vault trust --data DIR --signing-key HEX"
                       : "pilotlight vault init --data DIR --signing-key HEX",
                 trust ? "Trust one more signing key (after a rebuilt host "
                         "made a new one). Runs only on the vault host."
                       : "Make a vault directory and pin the signing public "
                         "key whose manifests it accepts.",
                 init_opts);
        return 0;
    }
    enum err rc = opt_parse(init_opts, &o, argc, argv);
    if (!rc)
        rc = trust ? vault_dir_trust(o.data, o.signing_key)
                   : vault_dir_init(o.data, o.signing_key);
    if (rc)
        return cli_fail(trust ? "vault trust" : "vault init", rc);
    printf("%s %s: manifests signed by %.16s… are accepted\n",
           trust ? "trusted in" : "made vault", o.data, o.signing_key);
    return 0;
}

static void
print_report(const struct vault_prune_report *r, bool dry, bool json)
{
    if (json) {
        json_t *j =
            json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "dry_run",
                      dry, "stores", (json_int_t)r->stores, "manifests_kept",
                      (json_int_t)r->manifests_kept, "manifests_removed",
                      (json_int_t)r->manifests_removed, "objects_kept",
                      (json_int_t)r->objects_kept, "objects_removed",
                      (json_int_t)r->objects_removed, "bytes_removed",
                      (json_int_t)r->bytes_removed, "temp_removed",
                      (json_int_t)r->temp_removed);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        return;
    }
    printf("%s%llu stores: manifests kept %llu, removed %llu; objects kept "
           "%llu, removed %llu (%llu bytes); abandoned uploads %llu\n",
           dry ? "dry run (nothing removed): " : "",
           (unsigned long long)r->stores, (unsigned long long)r->manifests_kept,
           (unsigned long long)r->manifests_removed,
           (unsigned long long)r->objects_kept,
           (unsigned long long)r->objects_removed,
           (unsigned long long)r->bytes_removed,
           (unsigned long long)r->temp_removed);
}

static int
cmd_prune(int argc, char **argv)
{
    struct vault_cmd_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight vault prune --data DIR --keep-days N",
                 "Remove manifests received more than N days ago (never a "
                 "store's newest) and objects no kept manifest refers to. "
                 "Local only: there is no way to prune over the network.",
                 prune_opts);
        return 0;
    }
    struct vault_prune_report r;
    enum err rc = opt_parse(prune_opts, &o, argc, argv);
    if (!rc)
        rc = vault_dir_prune(o.data, o.keep_days, o.dry_run, &r);
    if (rc)
        return cli_fail("vault prune", rc);
    print_report(&r, o.dry_run, o.json);
    return 0;
}

static void
vault_usage(FILE *f)
{
    fprintf(f, "usage: pilotlight vault --data DIR --token-file F [options]\n"
               "       pilotlight vault <init|trust|prune> [options]\n\n"
               "The append-only backup vault: objects and signed manifests "
               "over HTTP,\nnever overwritten or deleted over the wire. Run it "
               "on another host,\nunder its own user.\n\n"
               "  init     make a vault directory and pin the signing key\n"
               "  trust    trust one more signing key (vault host only)\n"
               "  prune    remove old backups (vault host only)\n\n"
               "`pilotlight vault <cmd> --help` lists each command's options.\n"
               "\nserve options:\n");
    opt_print_help(f, serve_opts);
}

int
vault_main(int argc, char **argv)
{
    if (argc < 1) {
        vault_usage(stderr);
        return 2;
    }
    if (strcmp(argv[0], "init") == 0)
        return cmd_init(argc - 1, argv + 1, false);
    if (strcmp(argv[0], "trust") == 0)
        return cmd_init(argc - 1, argv + 1, true);
    if (strcmp(argv[0], "prune") == 0)
        return cmd_prune(argc - 1, argv + 1);
    if (opt_wants_help(argc, argv)) {
        vault_usage(stdout);
        return 0;
    }
    if (argv[0][0] != '-') {
        fprintf(stderr, "pilotlight vault: unknown command '%s'\n\n", argv[0]);
        vault_usage(stderr);
        return 2;
    }
    return cmd_serve(argc, argv);
}
