/*
 * audit_cli.c — `pilotlight audit verify|list`.
 *
 * Both commands work on one store's log: the platform store's (--platform)
 * or one tenant's (--tenant CODE, looked up in the registry). `verify`
 * prints one line scripts can key on:
 *
 *   audit chain intact: N entries, head <hash>       exit 0
 *   audit chain BROKEN at entry N: <what is wrong>   exit 1
 *
 * The head hash is worth recording outside the machine (a ticket, a mail):
 * the chain proves the entries up to a head are untouched, but only a head
 * kept elsewhere shows that newest entries were not cut off.
 */
#include "audit/audit.h"
#include "audit/audit_cli.h"
#include "cli.h"
#include "core/json.h"
#include "store/pool.h"
#include "tenants/tenants.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct audit_opts {
    char data[4096];
    char tenant[64];
    bool platform;
    char actor[AUDIT_NAME_MAX + 1];
    char action[AUDIT_NAME_MAX + 1];
    char target[AUDIT_NAME_MAX + 1];
    char from[32];
    char to[32];
    long long before;
    long long limit;
    bool json;
};

#define O(f)  offsetof(struct audit_opts, f)
#define SZ(f) sizeof(((struct audit_opts *)0)->f)
#define OPT_DATA                                                               \
    {                                                                          \
        "data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",          \
            "data directory"                                                   \
    }
#define OPT_TENANT                                                             \
    {                                                                          \
        "tenant", OPT_STR, O(tenant), SZ(tenant), "", 0, 0, OPT_NO_ENV,        \
            "CODE", "the tenant whose log to read"                             \
    }
#define OPT_PLATFORM                                                           \
    {                                                                          \
        "platform", OPT_BOOL, O(platform), 0, "false", 0, 0, OPT_NO_ENV, NULL, \
            "read the platform store's log instead"                            \
    }

static const struct opt verify_opts[] = {OPT_DATA, OPT_TENANT, OPT_PLATFORM,
                                         OPT_END};

static const struct opt list_opts[] = {
    OPT_DATA,
    OPT_TENANT,
    OPT_PLATFORM,
    {"actor", OPT_STR, O(actor), SZ(actor), "", 0, 0, OPT_NO_ENV, "WHO",
     "only entries by this actor (user:12, cli:root)"},
    {"action", OPT_STR, O(action), SZ(action), "", 0, 0, OPT_NO_ENV, "ACTION",
     "only this action, or a prefix ending in '.' (auth.)"},
    {"target", OPT_STR, O(target), SZ(target), "", 0, 0, OPT_NO_ENV, "TARGET",
     "only entries about this target (tenant:0001)"},
    {"from", OPT_STR, O(from), SZ(from), "", 0, 0, OPT_NO_ENV, "TS",
     "from this UTC time on (2026-04-01, 2026-04-01T09:00:00Z)"},
    {"to", OPT_STR, O(to), SZ(to), "", 0, 0, OPT_NO_ENV, "TS",
     "before this UTC time"},
    {"before", OPT_INT, O(before), 0, "0", 0, INT64_MAX, OPT_NO_ENV, "ID",
     "only entries older than entry ID (paging)"},
    {"limit", OPT_INT, O(limit), 0, "50", 1, AUDIT_LIMIT_MAX, OPT_NO_ENV, "N",
     "at most N entries"},
    {"json", OPT_BOOL, O(json), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "print JSON instead of text"},
    OPT_END,
};

/* The store named by --platform or --tenant (exactly one). Borrowed. */
static enum err
open_store(const struct audit_opts *o, struct store **out)
{
    if (o->platform == (o->tenant[0] != '\0'))
        return err_fail(ERR_CONFIG, "give either --tenant CODE or --platform");
    struct store *platform;
    struct tenant t;
    enum err rc = cli_open_platform(o->data, &platform);
    if (rc || o->platform) {
        *out = platform;
        return rc;
    }
    if ((rc = tenant_find_code(platform, o->tenant, &t)))
        return rc;
    return pool_tenant(t.id, out);
}

static int
cmd_verify(int argc, char **argv)
{
    struct audit_opts o = {0};
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight audit verify (--tenant CODE | --platform) "
                 "[options]",
                 "Recompute the audit log's hash chain and report whether "
                 "it is intact.",
                 verify_opts);
        return 0;
    }
    enum err rc = opt_parse(verify_opts, &o, argc, argv);
    struct store *st;
    int64_t n = 0;
    char head[AUDIT_HASH_HEX];
    if (!rc && !(rc = open_store(&o, &st)))
        rc = audit_verify(st, &n, head);
    if (rc == ERR_AUDIT_CHAIN) {
        printf("audit chain BROKEN at %s\n", err_detail());
        return 1;
    }
    if (rc)
        return cli_fail("audit verify", rc);
    printf("audit chain intact: %lld entries, head %s\n", (long long)n,
           head[0] ? head : "-");
    return 0;
}

static json_t *
row_json(const struct audit_row *r)
{
    json_t *detail = NULL;
    if (r->detail && json_parse(r->detail, strlen(r->detail), &detail))
        detail = json_string(r->detail); /* not JSON: show it as text */
    return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:o?, s:s?, s:s?, s:s}", "id",
                     (json_int_t)r->id, "ts", r->ts, "actor", r->actor,
                     "action", r->action, "target", r->target, "detail", detail,
                     "ip", r->ip, "user_agent", r->user_agent, "hash", r->hash);
}

/* s as one text column of at least width bytes; control characters (from
 * a tampered row) become '?' so they cannot drive the terminal. */
static void
print_col(const char *s, int width)
{
    int n = 0;
    for (; s && s[n]; n++)
        putchar((unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n]);
    printf("%*s", width > n ? width - n + 2 : 2, "");
}

struct list_ctx {
    bool json;
    bool header; /* text header printed (before the first row) */
    json_t *arr;
};

static bool
list_one(const struct audit_row *r, void *arg)
{
    struct list_ctx *c = arg;
    if (c->json) {
        json_array_append_new(c->arr, row_json(r));
        return true;
    }
    if (!c->header)
        printf("%6s  %-24s  %-16s  %-24s  %-16s  %s\n", "ID", "TS", "ACTOR",
               "ACTION", "TARGET", "DETAIL");
    c->header = true;
    printf("%6lld  ", (long long)r->id);
    print_col(r->ts, 24);
    print_col(r->actor, 16);
    print_col(r->action, 24);
    print_col(r->target ? r->target : "-", 16);
    print_col(r->detail, 0);
    putchar('\n');
    return true;
}

static enum err
list_rows(struct store *st, const struct audit_opts *o)
{
    const struct audit_query q = {o->actor, o->action, o->target,    o->from,
                                  o->to,    o->before, (int)o->limit};
    struct list_ctx c = {o->json, false, json_array()};
    enum err rc = audit_search(st, &q, list_one, &c);
    if (!rc && o->json) {
        json_dumpf(c.arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    }
    json_decref(c.arr);
    return rc;
}

static int
cmd_list(int argc, char **argv)
{
    struct audit_opts o = {0};
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight audit list (--tenant CODE | --platform) "
                 "[options]",
                 "List audit entries, newest first.", list_opts);
        return 0;
    }
    enum err rc = opt_parse(list_opts, &o, argc, argv);
    struct store *st;
    if (!rc && !(rc = open_store(&o, &st)))
        rc = list_rows(st, &o);
    return rc ? cli_fail("audit list", rc) : 0;
}

static void
audit_usage(FILE *f)
{
    fprintf(f, "usage: pilotlight audit <verify|list> [options]\n\n"
               "  verify   check that the audit log's hash chain is intact\n"
               "  list     list audit entries, newest first\n\n"
               "`pilotlight audit <cmd> --help` lists each command's "
               "options.\n");
}

int
audit_main(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 ||
        strcmp(argv[0], "-h") == 0) {
        audit_usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    if (strcmp(argv[0], "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return cmd_list(argc - 1, argv + 1);
    fprintf(stderr, "pilotlight audit: unknown command '%s'\n\n", argv[0]);
    audit_usage(stderr);
    return 2;
}
