/*
 * status_cli.c — `pilotlight status` (serve the page), `status post`,
 * `status resolve`, `status show`.
 *
 * Notices are posted on the host, by someone with write access to
 * DATA/status/notices: there is no network call that posts (the page is
 * public and has no sign-in, on purpose).
 */
#include "cli.h"
#include "status/status.h"
#include "status/status_cli.h"
#include "status/status_http.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define O(f)  offsetof(struct status_http_opts, f)
#define SZ(f) sizeof(((struct status_http_opts *)0)->f)

static const struct opt serve_opts[] = {
    {"data", OPT_STR, O(data), SZ(data), NULL, 0, 0, OPT_REQUIRED, "DIR",
     "data directory; only DIR/status is read"},
    {"port", OPT_INT, O(port), 0, "8082", 0, 65535, 0, "N",
     "TCP port to listen on (0 = any free port)"},
    {"bind", OPT_STR, O(bind), SZ(bind), "127.0.0.1", 0, 0, 0, "ADDR",
     "address to listen on (IPv4 or IPv6)"},
    {"stale", OPT_INT, O(stale), 0, "15", 3, 3600, 0, "SECONDS",
     "a heartbeat older than this shows its component as not responding"},
    {"restore-stale", OPT_INT, O(restore_stale), 0, "120", 5, 86400, 0,
     "SECONDS", "restore progress older than this shows as stalled"},
    {"refresh", OPT_INT, O(refresh), 0, "30", 5, 3600, 0, "SECONDS",
     "the page reloads itself this often"},
    {"components", OPT_STR, O(components), SZ(components), "serve,ingest", 0, 0,
     0, "LIST",
     "components listed even before their first heartbeat (comma list)"},
    {"conn-max", OPT_INT, O(conn_max), 0, "256", 1, 100000, 0, "N",
     "connections allowed in total"},
    {"per-ip", OPT_INT, O(per_ip), 0, "16", 1, 100000, 0, "N",
     "connections allowed from one IP address"},
    {"conn-timeout", OPT_INT, O(conn_timeout), 0, "10", 1, 600, 0, "SECONDS",
     "close a connection idle this long"},
    {"log-level", OPT_STR, O(log_level), SZ(log_level), "info", 0, 0, 0,
     "LEVEL", "debug, info, warn or error"},
    OPT_END,
};

#undef O
#undef SZ

struct notice_opts {
    char data[4096];
    char level[16];
    char title[STATUS_TITLE_MAX + 1];
    char body[STATUS_BODY_MAX + 1];
    long long id;
    long long stale, restore_stale;
    char components[256];
};

#define O(f)  offsetof(struct notice_opts, f)
#define SZ(f) sizeof(((struct notice_opts *)0)->f)
#define OPT_NDATA                                                              \
    {                                                                          \
        "data", OPT_STR, O(data), SZ(data), NULL, 0, 0, OPT_REQUIRED, "DIR",   \
            "data directory (notices go to DIR/status/notices)"                \
    }

static const struct opt post_opts[] = {
    OPT_NDATA,
    {"level", OPT_STR, O(level), SZ(level), NULL, 0, 0,
     OPT_REQUIRED | OPT_NO_ENV, "LEVEL", "info, warning or outage"},
    {"title", OPT_STR, O(title), SZ(title), NULL, 0, 0,
     OPT_REQUIRED | OPT_NO_ENV, "TEXT",
     "one line, shown publicly (no customer or tenant names)"},
    {"body", OPT_STR, O(body), SZ(body), "", 0, 0, OPT_NO_ENV, "TEXT",
     "the message, shown publicly"},
    OPT_END,
};

static const struct opt resolve_opts[] = {
    OPT_NDATA,
    {"id", OPT_INT, O(id), 0, NULL, 1, 999999999, OPT_REQUIRED | OPT_NO_ENV,
     "ID", "the notice (its id was printed by status post)"},
    {"body", OPT_STR, O(body), SZ(body), "", 0, 0, OPT_NO_ENV, "TEXT",
     "a closing note, shown publicly"},
    OPT_END,
};

static const struct opt show_opts[] = {
    OPT_NDATA,
    {"stale", OPT_INT, O(stale), 0, "15", 3, 3600, 0, "SECONDS",
     "as status --stale"},
    {"restore-stale", OPT_INT, O(restore_stale), 0, "120", 5, 86400, 0,
     "SECONDS", "as status --restore-stale"},
    {"components", OPT_STR, O(components), SZ(components), "serve,ingest", 0, 0,
     0, "LIST", "as status --components"},
    OPT_END,
};

static void
on_ready(int port, void *arg)
{
    (void)arg;
    fprintf(stderr, "pilotlight status: listening on port %d\n", port);
}

static int
cmd_serve(int argc, char **argv)
{
    struct status_http_opts o;
    enum err rc = opt_parse(serve_opts, &o, argc, argv);
    if (!rc)
        rc = status_http_run(&o, on_ready, NULL);
    return rc ? cli_fail("status", rc) : 0;
}

static int
cmd_post(int argc, char **argv)
{
    struct notice_opts o;
    long long id = 0;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight status post --data DIR --level LEVEL --title T "
                 "[--body B]",
                 "Post an incident notice on the status page (public).",
                 post_opts);
        return 0;
    }
    enum err rc = opt_parse(post_opts, &o, argc, argv);
    if (!rc)
        rc = status_notice_post(o.data, o.level, o.title, o.body, &id);
    if (rc)
        return cli_fail("status post", rc);
    printf("posted notice %lld\n", id);
    return 0;
}

/* `status resolve ID ...` or `status resolve --id ID ...`. */
static int
cmd_resolve(int argc, char **argv)
{
    struct notice_opts o;
    char *args[64];
    int n = 0;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight status resolve ID --data DIR [--body NOTE]",
                 "Mark a notice resolved (it stays on the page, marked so).",
                 resolve_opts);
        return 0;
    }
    if (argc > 60)
        return cli_fail("status resolve",
                        err_fail(ERR_CONFIG, "too many arguments"));
    if (argc > 0 && argv[0][0] != '-') { /* the id, positionally */
        args[n++] = "--id";
        args[n++] = argv[0];
        argc--;
        argv++;
    }
    for (int i = 0; i < argc; i++)
        args[n++] = argv[i];
    enum err rc = opt_parse(resolve_opts, &o, n, args);
    if (!rc)
        rc = status_notice_resolve(o.data, o.id, o.body);
    if (rc)
        return cli_fail("status resolve", rc);
    printf("resolved notice %lld\n", o.id);
    return 0;
}

static int
cmd_show(int argc, char **argv)
{
    struct notice_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight status show --data DIR",
                 "Print what the status page shows, as JSON (the same as "
                 "GET /status.json), without a server.",
                 show_opts);
        return 0;
    }
    enum err rc = opt_parse(show_opts, &o, argc, argv);
    if (rc)
        return cli_fail("status show", rc);
    struct status_view_opts vo = {o.data, o.stale, o.restore_stale,
                                  o.components};
    json_t *snap = status_snapshot(&vo);
    json_dumpf(snap, stdout,
               JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    putchar('\n');
    json_decref(snap);
    return 0;
}

static void
status_usage(FILE *f)
{
    fprintf(f,
            "usage: pilotlight status --data DIR --port N [--bind ADDR]\n"
            "       pilotlight status <post|resolve|show> [options]\n\n"
            "The public status page (稼働状況): each component's health from "
            "its\nheartbeat, incident notices, a restore's progress. Its own "
            "process;\nit reads only DIR/status.\n\n"
            "  post     post an incident notice (local only)\n"
            "  resolve  mark a notice resolved\n"
            "  show     print the page's content as JSON\n\n"
            "`pilotlight status <cmd> --help` lists each command's options.\n"
            "\nserver options:\n");
    opt_print_help(f, serve_opts);
}

int
status_main(int argc, char **argv)
{
    if (argc < 1) {
        status_usage(stderr);
        return 2;
    }
    if (strcmp(argv[0], "post") == 0)
        return cmd_post(argc - 1, argv + 1);
    if (strcmp(argv[0], "resolve") == 0)
        return cmd_resolve(argc - 1, argv + 1);
    if (strcmp(argv[0], "show") == 0)
        return cmd_show(argc - 1, argv + 1);
    if (opt_wants_help(argc, argv)) {
        status_usage(stdout);
        return 0;
    }
    if (argv[0][0] != '-') {
        fprintf(stderr, "pilotlight status: unknown command '%s'\n\n", argv[0]);
        status_usage(stderr);
        return 2;
    }
    return cmd_serve(argc, argv);
}
