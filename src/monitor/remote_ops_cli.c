/*
 * remote_ops_cli.c — `pilotlight remote-ops cap --tenant CODE
 * [--per-hour N]`: show or set a tenant's cap on remote shutoffs per hour
 * (遠隔遮断の上限). This command, run by the operator on the host, is the
 * only way to change the cap: serve has no route for it (remote_ops.h,
 * docs/security.md). A change is audited in the tenant's log
 * (remote_op.cap, actor cli:<login name>) so the tenant's admins see it.
 */
#include "audit/audit.h"
#include "cli.h"
#include "monitor/remote_ops.h"
#include "monitor/remote_ops_cli.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct cap_opts {
    char data[4096];
    char tenant[64];
    long long per_hour; /* -1: show only */
};

#define O(f)  offsetof(struct cap_opts, f)
#define SZ(f) sizeof(((struct cap_opts *)0)->f)

static const struct opt cap_opts_table[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "data directory"},
    {"tenant", OPT_STR, O(tenant), SZ(tenant), NULL, 0, 0,
     OPT_REQUIRED | OPT_NO_ENV, "CODE", "the tenant's code"},
    {"per-hour", OPT_INT, O(per_hour), 0, "-1", -1, REMOTE_OP_CAP_MAX,
     OPT_NO_ENV, "N",
     "set the cap: remote shutoffs per rolling hour (0 = none allowed); "
     "without it, show the cap"},
    OPT_END,
};

/* The audit entry first (tenant), then the cap (platform), then the
 * entry commits: never a change without its entry (devices.h's order). */
static enum err
cap_change(struct store *platform, const struct tenant *t, int64_t old,
           int64_t cap)
{
    struct store *st;
    char detail[128];
    snprintf(detail, sizeof(detail),
             "{\"shutoffs_per_hour\":%" PRId64 ",\"was\":%" PRId64 "}", cap,
             old);
    enum err rc = pool_tenant(t->id, &st);
    if (rc || (rc = store_tx_begin(st)))
        return rc;
    rc =
        audit_record(st, cli_actor(), "remote_op.cap", "remote_op_cap", detail);
    if (!rc)
        rc = remote_op_cap_set(platform, t->id, cap, cli_actor());
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

static int
cmd_cap(int argc, char **argv)
{
    struct cap_opts o;
    struct store *platform;
    struct tenant t;
    int64_t old = 0;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight remote-ops cap --tenant CODE [--per-hour N]",
                 "Show or set a tenant's cap on remote shutoffs per hour "
                 "(遠隔遮断の上限). Only this command changes it.",
                 cap_opts_table);
        return 0;
    }
    enum err rc = opt_parse(cap_opts_table, &o, argc, argv);
    if (!rc)
        rc = cli_open_platform(o.data, &platform);
    if (!rc)
        rc = tenant_find_code(platform, o.tenant, &t);
    if (!rc)
        rc = remote_op_cap_get(platform, t.id, &old);
    if (!rc && o.per_hour >= 0)
        rc = cap_change(platform, &t, old, o.per_hour);
    if (rc)
        return cli_fail("remote-ops cap", rc);
    printf("tenant %s: %lld remote shutoff(s) per hour%s\n", o.tenant,
           o.per_hour >= 0 ? o.per_hour : (long long)old,
           o.per_hour >= 0 ? " (set)" : "");
    return 0;
}

int
remote_ops_main(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        fprintf(argc < 1 ? stderr : stdout,
                "usage: pilotlight remote-ops cap --tenant CODE "
                "[--per-hour N]\n\n"
                "  cap   show or set the tenant's cap on remote shutoffs per "
                "hour\n");
        return argc < 1 ? 2 : 0;
    }
    if (!strcmp(argv[0], "cap"))
        return cmd_cap(argc - 1, argv + 1);
    fprintf(stderr, "pilotlight remote-ops: unknown command '%s'\n", argv[0]);
    return 2;
}
