/*
 * demo.c — `pilotlight demo`: a running service with demo data, one command.
 *
 * Seeds ./demo-data (3 retailers, fixed seed) the first time, then serves it
 * exactly as `pilotlight serve` would and prints where to go. Ctrl-C stops
 * it cleanly; the data stays for next time (delete demo-data to start over).
 */
#include "cli.h"
#include "demo/demo.h"
#include "http/server.h"
#include "seed/seed.h"
#include "store/pool.h"
#include "tenants/tenants.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEMO_TENANTS 3
#define DEMO_SEED    20260401

static enum err
seed_if_absent(const char *data)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/platform.db", data);
    bool fresh = access(path, F_OK) != 0;
    struct store *platform;
    enum err rc = cli_open_platform(data, &platform);
    int64_t n = 0;
    if (!rc)
        rc = tenant_count(platform, &n);
    if (rc || (!fresh && n > 0))
        return rc;
    printf("Seeding demo data into %s ...\n", data);
    fflush(stdout);
    struct seed_ctx c = {data, platform, "demo", DEMO_SEED, DEMO_TENANTS,
                         50,   12,       NULL,   0,         1};
    rc = seed_run(&c);
    free(c.tenant_ids);
    return rc;
}

static bool
print_tenant(const struct tenant *t, void *arg)
{
    (void)arg;
    printf("    %s  %s（%s）\n", t->code, t->name, t->prefecture);
    return true;
}

static void
on_ready(const struct serve_opts *o, int port, void *arg)
{
    (void)arg;
    const char *host = o->bind;
    bool v6 = strchr(host, ':') != NULL;
    char url[128];
    snprintf(url, sizeof(url), "http://%s%s%s:%d", v6 ? "[" : "", host,
             v6 ? "]" : "", port);
    printf("\npilotlight demo is running.\n\n"
           "  Console (browser):  %s/\n"
           "  Health check:       %s/healthz\n"
           "  API (JSON):         %s/api/v1/meta\n"
           "  Data directory:     %s\n\n"
           "  Demo retailers (事業者コード):\n",
           url, url, url, o->data);
    struct store *platform;
    if (!pool_platform(&platform))
        tenant_each(platform, print_tenant, NULL);
    printf("\nPress Ctrl-C to stop. Delete %s to start again from fresh demo "
           "data.\n",
           o->data);
    fflush(stdout);
}

/* serve's option table with ./demo-data as the data directory. */
static const struct opt *
demo_opts(void)
{
    static struct opt table[64];
    size_t n = 0;
    while (serve_opts_table[n].name && n + 1 < 64) {
        table[n] = serve_opts_table[n];
        if (strcmp(table[n].name, "data") == 0)
            table[n].def = "./demo-data";
        n++;
    }
    table[n] = (struct opt)OPT_END;
    return table;
}

int
demo_main(int argc, char **argv)
{
    const struct opt *opts = demo_opts();
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight demo [options]",
                 "Seed demo data (3 retailers) into the data directory if it "
                 "is empty, then serve it.\nTakes every option of `pilotlight "
                 "serve`.",
                 opts);
        return 0;
    }
    struct serve_opts o;
    enum err rc = opt_parse(opts, &o, argc, argv);
    if (!rc) /* check before seeding: a wrong --bind or --web changes nothing */
        rc = serve_check(&o);
    if (!rc)
        rc = seed_if_absent(o.data);
    if (!rc)
        rc = serve_run(&o, on_ready, NULL);
    if (rc)
        return cli_fail("demo", rc);
    printf("pilotlight demo stopped.\n");
    return 0;
}
