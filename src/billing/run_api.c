/*
 * run_api.c — the billing run (請求締め) over HTTP.
 *
 *   POST /api/v1/billing-runs       billing.write  {"billing_group": 20,
 *                                   "month": "2026-11", "preview": true}
 *   GET  /api/v1/billing-runs       billing.read   newest first
 *   GET  /api/v1/billing-runs/{id}  billing.read   progress
 *
 * preview defaults to true: 試算 first, then the same body with
 * "preview": false commits. The commit answers when the run is done; its
 * progress (contracts_done of contracts_total) can be followed meanwhile
 * with GET /billing-runs/{id}, and the CLI (`pilotlight billing run`) runs
 * the same code. Committing again bills only what is not billed yet (a
 * late move-out, a contract whose tariff was missing): 200 each time.
 */
#include "auth/auth.h"
#include "billing/run.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "store/store.h"

#include <string.h>

#define RUN_BODY_MAX (4 * 1024)

static enum err
http_audit(void *arg, struct store *st, const char *action, const char *target,
           json_t *detail)
{
    return auth_audit(arg, st, NULL, action, target, detail);
}

/* The body: billing_group 1..31, month YYYY-MM, preview bool (default
 * true), batch 1..RUN_BATCH_MAX (optional). */
static enum err
read_run(struct req *r, struct run_opts *o)
{
    static const char *const allowed[] = {"billing_group", "month", "preview",
                                          "batch", NULL};
    json_t *b, *p;
    struct jcheck k;
    bool present;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_int(&k, b, "billing_group", 1, 31, true, &o->group, &present);
    jcheck_int(&k, b, "batch", 1, RUN_BATCH_MAX, false, &o->batch, &present);
    jcheck_str(&k, b, "month", 7, JSTR_REQUIRED, &o->month);
    if (o->month && !run_month_valid(o->month))
        jcheck_add(&k, "month", "format",
                   "年月を YYYY-MM の形式で入力してください");
    p = json_object_get(b, "preview");
    if (p && !json_is_boolean(p))
        jcheck_add(&k, "preview", "type", "true か false を指定してください");
    o->preview = !p || json_is_true(p);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
post_run(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct run_opts o = {0};
    json_t *out = NULL;
    enum err rc = read_run(r, &o);
    if (rc)
        return rc;
    o.actor = a->actor;
    o.audit = http_audit;
    o.audit_arg = r;
    if ((rc = billing_run(a->st, &o, &out)))
        return rc;
    resp_json(r, 200, out);
    return ERR_OK;
}

static enum err
get_runs(struct req *r)
{
    json_t *out = NULL;
    enum err rc = billing_run_list(auth_ctx(r)->st, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_run(struct req *r)
{
    int64_t id;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_BILLING_RUN_NOT_FOUND, &id);
    if (!rc)
        rc = billing_run_json(auth_ctx(r)->st, id, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

const struct route billing_runs_routes[] = {
    {"POST", "/api/v1/billing-runs", post_run, RUN_BODY_MAX, "billing.write",
     "billing_run.commit", 0},
    {"GET", "/api/v1/billing-runs", get_runs, 0, "billing.read", NULL, 0},
    {"GET", "/api/v1/billing-runs/{id}", get_run, 0, "billing.read", NULL, 0},
    ROUTES_END,
};
