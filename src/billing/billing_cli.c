/*
 * billing_cli.c — `pilotlight billing run|runs`: the billing run
 * (請求締め) on a tenant's store directly, the same code as
 * POST /api/v1/billing-runs (run.h). `billing statements` (a run's
 * statements as one PDF) lives in statements_cli.c.
 *
 *   pilotlight billing run --tenant CODE --group 20 --month 2026-11
 *       [--preview] [--batch 500] [--issued-on DATE] [--data DIR]
 *   pilotlight billing run --tenant CODE --groups 10,20,31 --month …
 *       (month-end close: the groups one after another, in one process;
 *       a group with nothing to bill is reported, not an error)
 *   pilotlight billing runs --tenant CODE [--data DIR]
 *
 * A commit prints one progress line per committed batch on stdout
 * ("progress DONE/TOTAL", flushed), then the summary as JSON. Killed at
 * any point, it leaves whole batches; run it again to finish. Audit
 * entries name the command's actor (cli:<login>).
 */
#include "audit/audit.h"
#include "billing/billing_cli.h"
#include "billing/run.h"
#include "cli.h"
#include "core/json.h"
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bcli_opts {
    char data[4096];
    char tenant[64];
    long long group;
    char groups[128];
    char month[8];
    bool preview;
    long long batch;
    char issued_on[11];
    bool quiet;
};

#define O(f)  offsetof(struct bcli_opts, f)
#define SZ(f) sizeof(((struct bcli_opts *)0)->f)

static const struct opt bcli_table[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "data directory"},
    {"tenant", OPT_STR, O(tenant), SZ(tenant), "", 0, 0,
     OPT_NO_ENV | OPT_REQUIRED, "CODE", "the tenant to bill"},
    {"group", OPT_INT, O(group), 0, "0", 0, 31, OPT_NO_ENV, "N",
     "billing group (締め日, 1–31; run only)"},
    {"groups", OPT_STR, O(groups), SZ(groups), "", 0, 0, OPT_NO_ENV, "N,N,…",
     "several billing groups in turn (run only; instead of --group)"},
    {"month", OPT_STR, O(month), SZ(month), "", 0, 0, OPT_NO_ENV, "YYYY-MM",
     "the reading month to bill (run only)"},
    {"preview", OPT_BOOL, O(preview), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "試算: price everything, write nothing"},
    {"batch", OPT_INT, O(batch), 0, "500", 1, RUN_BATCH_MAX, OPT_NO_ENV, "N",
     "contracts per transaction"},
    {"issued-on", OPT_STR, O(issued_on), SZ(issued_on), "", 0, 0, OPT_NO_ENV,
     "DATE", "issue date of the invoices (default today, JST)"},
    {"quiet", OPT_BOOL, O(quiet), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "no progress lines"},
    OPT_END,
};

static enum err
cli_audit(void *arg, struct store *st, const char *action, const char *target,
          json_t *detail)
{
    (void)arg;
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    if (!text)
        return err_fail(ERR_INTERNAL, "audit detail");
    struct audit_entry e = {cli_actor(), action, target, text, NULL, NULL};
    enum err rc = audit_append(st, &e);
    free(text);
    return rc;
}

static void
progress(void *arg, int64_t done, int64_t total)
{
    (void)arg;
    printf("progress %lld/%lld\n", (long long)done, (long long)total);
    fflush(stdout);
}

static void
print_json(const json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text)
        printf("%s\n", text);
    free(text);
}

/* "10,20,31" → groups (1..31, no repeats); false when malformed. */
static bool
groups_parse(const char *text, int64_t *groups, size_t *n)
{
    *n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 31 || *n == 31 || (*end && *end != ','))
            return false;
        for (size_t i = 0; i < *n; i++)
            if (groups[i] == v)
                return false;
        groups[(*n)++] = v;
        p = *end ? end + 1 : end;
        if (*end && !*p)
            return false; /* a trailing comma */
    }
    return *n > 0;
}

/* One group's run; *out (new ref) is its summary, or for a group of a
 * --groups list with nothing to bill {"billing_group", "nothing_to_bill"}. */
static enum err
run_group(struct store *st, const struct bcli_opts *o, int64_t group,
          bool listed, json_t **out)
{
    uint64_t t0 = time_mono_ns();
    struct run_opts ro = {
        group,     o->month,    o->preview,
        o->batch,  cli_actor(), o->issued_on[0] ? o->issued_on : NULL,
        cli_audit, NULL,        o->quiet ? NULL : progress,
        NULL};
    *out = NULL;
    enum err rc = billing_run(st, &ro, out);
    if (rc == ERR_BILLING_NOTHING && listed) {
        *out = json_pack("{s:I, s:b}", "billing_group", (json_int_t)group,
                         "nothing_to_bill", 1);
        return *out ? ERR_OK : err_fail(ERR_INTERNAL, "summary");
    }
    if (rc)
        return rc;
    json_object_del(*out, "sample");
    json_object_set_new(*out, "seconds",
                        json_real((double)(time_mono_ns() - t0) / 1e9));
    return ERR_OK;
}

static enum err
do_run(const struct bcli_opts *o)
{
    int64_t groups[31];
    size_t n = 1;
    bool listed = o->groups[0] != 0;
    groups[0] = o->group;
    if (listed && (o->group || !groups_parse(o->groups, groups, &n)))
        return err_fail(ERR_CONFIG, "--groups: billing groups 1..31 "
                                    "separated by commas, without --group");
    if ((!listed && o->group < 1) || !run_month_valid(o->month))
        return err_fail(ERR_CONFIG, "give --group 1..31 (or --groups) and "
                                    "--month YYYY-MM");
    if (o->issued_on[0] && !time_date_valid(o->issued_on))
        return err_fail(ERR_CONFIG, "--issued-on: YYYY-MM-DD");
    struct store *st;
    enum err rc = cli_open_tenant(o->data, o->tenant, &st);
    json_t *runs = json_array();
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *one = NULL;
        rc = run_group(st, o, groups[i], listed, &one);
        if (!rc)
            json_array_append_new(runs, one);
    }
    if (!rc && !listed)
        print_json(json_array_get(runs, 0));
    else if (!rc) {
        json_t *all = json_pack("{s:O}", "runs", runs);
        print_json(all);
        json_decref(all);
    }
    json_decref(runs);
    return rc;
}

static enum err
do_runs(const struct bcli_opts *o)
{
    struct store *st;
    json_t *out = NULL;
    enum err rc = cli_open_tenant(o->data, o->tenant, &st);
    if (rc || (rc = billing_run_list(st, &out)))
        return rc;
    print_json(out);
    json_decref(out);
    return ERR_OK;
}

int
billing_main(int argc, char **argv)
{
    struct bcli_opts o = {0};
    bool run = argc >= 1 && !strcmp(argv[0], "run");
    bool runs = argc >= 1 && !strcmp(argv[0], "runs");
    if (argc >= 1 && !strcmp(argv[0], "statements"))
        return billing_statements_main(argc - 1, argv + 1);
    if (opt_wants_help(argc, argv) || (!run && !runs)) {
        cli_help("pilotlight billing run|runs|statements --tenant CODE "
                 "[options]",
                 "run: bill one billing group (締め日) for one reading month "
                 "(請求締め), or several in turn with --groups 10,20,31 "
                 "(their summaries under \"runs\"): --preview prices "
                 "everything and writes nothing; "
                 "a commit writes invoices in batches and can be re-run "
                 "after any interruption (it bills only what is not billed "
                 "yet). runs: list the tenant's billing runs. statements: "
                 "a run's statements as one PDF (see billing statements "
                 "--help).",
                 bcli_table);
        return run || runs || opt_wants_help(argc, argv) ? 0 : 2;
    }
    enum err rc = opt_parse(bcli_table, &o, argc - 1, argv + 1);
    if (!rc)
        rc = run ? do_run(&o) : do_runs(&o);
    return rc ? cli_fail(run ? "billing run" : "billing runs", rc) : 0;
}
