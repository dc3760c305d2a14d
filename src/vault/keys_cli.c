/*
 * keys_cli.c — `pilotlight keys init|export|import|public`: the backup and
 * signing keys in DATA/keys and the printable recovery kit (keys.h says
 * what each holds and why the kit has no signing seed).
 */
#include "cli.h"
#include "core/xalloc.h"
#include "vault/keys.h"
#include "vault/vault_cli.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct keys_opts {
    char data[4096];
    char file[4096];
    bool signing_only;
};

#define O(f)  offsetof(struct keys_opts, f)
#define SZ(f) sizeof(((struct keys_opts *)0)->f)
#define OPT_KDATA                                                              \
    {                                                                          \
        "data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",          \
            "data directory (keys live in DIR/keys)"                           \
    }

static const struct opt init_opts[] = {
    OPT_KDATA,
    {"signing-only", OPT_BOOL, O(signing_only), 0, "false", 0, 0, OPT_NO_ENV,
     NULL,
     "only a new signing key (after keys import on a rebuilt host); the "
     "backup key stays"},
    OPT_END,
};

static const struct opt data_opts[] = {OPT_KDATA, OPT_END};

static const struct opt import_opts[] = {
    OPT_KDATA,
    {"file", OPT_STR, O(file), SZ(file), "-", 0, 0, OPT_NO_ENV, "PATH",
     "the kit as text ('-' = standard input)"},
    OPT_END,
};

static int
cmd_init(int argc, char **argv)
{
    struct keys_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight keys init [--data DIR] [--signing-only]",
                 "Make the backup key and the manifest signing key in "
                 "DIR/keys (never overwrites). Then print the recovery kit "
                 "with keys export and keep it offline.",
                 init_opts);
        return 0;
    }
    enum err rc = opt_parse(init_opts, &o, argc, argv);
    if (!rc)
        rc = keys_init(o.data, o.signing_only);
    if (rc)
        return cli_fail("keys init", rc);
    printf("made %s in %s/keys\nnext: pilotlight keys export --data %s "
           "(print it, keep it offline)\n",
           o.signing_only ? "a new signing key" : "the backup and signing keys",
           o.data, o.data);
    return 0;
}

static int
cmd_export(int argc, char **argv)
{
    struct keys_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight keys export [--data DIR] > kit.txt",
                 "Print the recovery kit: the backup key and the signing "
                 "public keys, with a checksum per line. Whoever holds it "
                 "can read every backup: print it, store it offline, do "
                 "not leave a copy on this host.",
                 data_opts);
        return 0;
    }
    struct keyring kr;
    struct buf b;
    buf_init(&b, KEYS_KIT_MAX);
    enum err rc = opt_parse(data_opts, &o, argc, argv);
    if (!rc && !(rc = keys_load(o.data, &kr))) {
        rc = keys_kit_export(&kr, &b);
        keys_wipe(&kr);
    }
    if (!rc)
        fwrite(b.data, 1, b.len, stdout);
    if (b.data)
        explicit_bzero(b.data, b.len);
    buf_free(&b);
    return rc ? cli_fail("keys export", rc) : 0;
}

/* Read the kit text from path ("-" = stdin) into b. */
static enum err
read_kit(const char *path, struct buf *b)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f)
        return err_fail(ERR_CONFIG, "--file %s: %s", path, strerror(errno));
    char chunk[4096];
    size_t n;
    enum err rc = ERR_OK;
    while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(b, chunk, n))
            rc = err_fail(ERR_BACKUP_KIT_INVALID, "the kit is over %d bytes",
                          KEYS_KIT_MAX);
    if (f != stdin)
        fclose(f);
    explicit_bzero(chunk, sizeof(chunk));
    return rc;
}

static int
cmd_import(int argc, char **argv)
{
    struct keys_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight keys import [--data DIR] [--file PATH] < kit.txt",
                 "Read a recovery kit (checking every line's checksum) and "
                 "write the backup key and the signing public keys into "
                 "DIR/keys, for a restore on a new host.",
                 import_opts);
        return 0;
    }
    struct keyring kr;
    struct buf b;
    buf_init(&b, KEYS_KIT_MAX);
    enum err rc = opt_parse(import_opts, &o, argc, argv);
    if (!rc)
        rc = read_kit(o.file, &b);
    if (!rc)
        rc = keys_kit_parse(b.data ? b.data : "", b.len, &kr);
    if (b.data)
        explicit_bzero(b.data, b.len);
    buf_free(&b);
    if (rc)
        return cli_fail("keys import", rc);
    rc = keys_import(o.data, &kr);
    size_t ntrusted = kr.ntrusted;
    keys_wipe(&kr);
    if (rc)
        return cli_fail("keys import", rc);
    printf("imported the backup key and %zu signing public key%s into "
           "%s/keys\n",
           ntrusted, ntrusted == 1 ? "" : "s", o.data);
    return 0;
}

static int
cmd_public(int argc, char **argv)
{
    struct keys_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight keys public [--data DIR]",
                 "Print the signing public key (64 hex digits) for "
                 "pilotlight vault init --signing-key.",
                 data_opts);
        return 0;
    }
    struct keyring kr;
    enum err rc = opt_parse(data_opts, &o, argc, argv);
    if (!rc)
        rc = keys_load(o.data, &kr);
    if (rc)
        return cli_fail("keys public", rc);
    char hex[KEYS_PUBLIC_HEX];
    if (kr.has_signing)
        keys_public_hex(kr.sign_public, hex);
    else if (kr.ntrusted)
        keys_public_hex(kr.trusted[0], hex);
    bool any = kr.has_signing || kr.ntrusted;
    keys_wipe(&kr);
    if (!any)
        return cli_fail("keys public",
                        err_fail(ERR_BACKUP_KEYS_MISSING,
                                 "no signing key in %s/keys", o.data));
    printf("%s\n", hex);
    return 0;
}

static void
keys_usage(FILE *f)
{
    fprintf(f, "usage: pilotlight keys <init|export|import|public> "
               "[options]\n\n"
               "  init     make the backup key and the signing key\n"
               "  export   print the recovery kit (keep it offline)\n"
               "  import   read a recovery kit back (new host, restore)\n"
               "  public   print the signing public key (for the vault)\n\n"
               "`pilotlight keys <cmd> --help` lists each command's "
               "options.\n");
}

int
keys_main(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 ||
        strcmp(argv[0], "-h") == 0) {
        keys_usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    if (strcmp(argv[0], "init") == 0)
        return cmd_init(argc - 1, argv + 1);
    if (strcmp(argv[0], "export") == 0)
        return cmd_export(argc - 1, argv + 1);
    if (strcmp(argv[0], "import") == 0)
        return cmd_import(argc - 1, argv + 1);
    if (strcmp(argv[0], "public") == 0)
        return cmd_public(argc - 1, argv + 1);
    fprintf(stderr, "pilotlight keys: unknown command '%s'\n\n", argv[0]);
    keys_usage(stderr);
    return 2;
}
