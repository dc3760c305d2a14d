/*
 * search_cli.c — `pilotlight search rebuild --tenant CODE`.
 *
 * The search index (name/kana keys, phone digits, the FTS5 trigram table)
 * is derived from the ledger, so a restore or a copy that skipped it, or a
 * change to the folding rules in a new release, is mended by rebuilding it
 * from the tables. The rebuild runs in one transaction with an audit entry
 * ("customer.search_rebuild"); the server may keep running (its writers
 * wait for the lock, readers see the old index until the commit).
 */
#include "audit/audit.h"
#include "cli.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "customers/search_cli.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct search_opts {
    char data[4096];
    char tenant[64];
};

#define O(f)  offsetof(struct search_opts, f)
#define SZ(f) sizeof(((struct search_opts *)0)->f)

static const struct opt rebuild_opts[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "data directory"},
    {"tenant", OPT_STR, O(tenant), SZ(tenant), "", 0, 0, OPT_NO_ENV, "CODE",
     "the tenant whose index to rebuild"},
    OPT_END,
};

/* Rebuild in one transaction with its audit entry. */
static enum err
rebuild(struct store *st, const char *code)
{
    char target[96];
    snprintf(target, sizeof(target), "tenant:%s", code);
    struct audit_entry e = {
        cli_actor(), "customer.search_rebuild", target, NULL, NULL, NULL};
    enum err rc = store_tx_begin(st);
    if (rc)
        return rc;
    if (!(rc = customer_search_rebuild(st)) && !(rc = audit_append(st, &e)))
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

static int
cmd_rebuild(int argc, char **argv)
{
    struct search_opts o = {0};
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight search rebuild --tenant CODE [options]",
                 "Rebuild a tenant's customer search index from its ledger.",
                 rebuild_opts);
        return 0;
    }
    struct store *platform, *st;
    struct tenant t;
    enum err rc = opt_parse(rebuild_opts, &o, argc, argv);
    if (!rc && !o.tenant[0])
        rc = err_fail(ERR_CONFIG, "give --tenant CODE");
    if (!rc && !(rc = cli_open_platform(o.data, &platform)) &&
        !(rc = tenant_find_code(platform, o.tenant, &t)))
        rc = pool_tenant(t.id, &st);
    uint64_t t0 = time_mono_ns();
    if (!rc)
        rc = rebuild(st, o.tenant);
    if (rc)
        return cli_fail("search rebuild", rc);
    printf("search index of tenant %s rebuilt in %.3f s\n", o.tenant,
           (double)(time_mono_ns() - t0) / 1e9);
    return 0;
}

static void
search_usage(FILE *f)
{
    fprintf(f,
            "usage: pilotlight search rebuild --tenant CODE [options]\n\n"
            "  rebuild  rebuild a tenant's customer search index (顧客検索)\n"
            "           from its ledger, e.g. after a restore\n");
}

int
search_main(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        search_usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    if (!strcmp(argv[0], "rebuild"))
        return cmd_rebuild(argc - 1, argv + 1);
    fprintf(stderr, "pilotlight search: unknown command '%s'\n\n", argv[0]);
    search_usage(stderr);
    return 2;
}
