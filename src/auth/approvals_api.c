/*
 * approvals_api.c — dual control over HTTP.
 *
 *   GET  /api/v1/approvals                 users.read
 *   POST /api/v1/approvals/{id}/approve    users.write, step-up
 *   POST /api/v1/approvals/{id}/reject     users.write
 *
 * Requests are made by the routes they guard (PATCH /users/{id} with a new
 * role, POST /users/{id}/reset-mfa), which answer 202 with the pending
 * approval when a second admin exists.
 */
#include "auth/approvals.h"
#include "auth/auth.h"
#include "auth/auth_api.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *
row_json(struct stmt *s, int64_t now)
{
    const char *status = stmt_text(s, 7);
    bool expired = !strcmp(status, "pending") && stmt_int(s, 6) <= now;
    json_t *params = json_loads(stmt_text(s, 3), 0, NULL);
    return json_pack("{s:I, s:s, s:I, s:o?, s:I, s:s, s:I, s:s, s:o?, s:s?}",
                     "id", (json_int_t)stmt_int(s, 0), "action",
                     stmt_text(s, 1), "target_user", (json_int_t)stmt_int(s, 2),
                     "params", params, "requested_by",
                     (json_int_t)stmt_int(s, 4), "requested_at",
                     stmt_text(s, 5), "expires_at", (json_int_t)stmt_int(s, 6),
                     "status", expired ? "expired" : status, "decided_by",
                     stmt_is_null(s, 8) ? NULL : json_integer(stmt_int(s, 8)),
                     "decided_at", stmt_text(s, 9));
}

#define APPROVAL_COLS                                                          \
    "id, action, target_user, params, requested_by, requested_at,"             \
    " expires_at, status, decided_by, decided_at"

static enum err
get_approvals(struct req *r)
{
    struct stmt *s;
    enum err rc = store_query(auth_ctx(r)->st, &s,
                              "SELECT " APPROVAL_COLS " FROM approvals"
                              " ORDER BY id DESC LIMIT 100",
                              "");
    json_t *list = json_array();
    bool row;
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, row_json(s, auth_now()));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    resp_json(r, 200, json_pack("{s:o}", "approvals", list));
    return ERR_OK;
}

struct pending {
    int64_t id, target, requested_by, expires_at;
    char action[40];
    json_t *params;
};

/* The pending approval {id} of the path, still in time. */
static enum err
load_pending(struct req *r, struct pending *p)
{
    char *end;
    long long id = strtoll(req_param(r, "id"), &end, 10);
    struct stmt *s;
    bool row = false;
    if (*end || id <= 0)
        return err_fail(ERR_NOT_FOUND, "no such approval");
    enum err rc = store_query(auth_ctx(r)->st, &s,
                              "SELECT id, action, target_user, params,"
                              " requested_by, expires_at FROM approvals"
                              " WHERE id = $1 AND status = 'pending'",
                              "i", (int64_t)id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        p->id = stmt_int(s, 0);
        snprintf(p->action, sizeof(p->action), "%s", stmt_text(s, 1));
        p->target = stmt_int(s, 2);
        p->params = json_loads(stmt_text(s, 3), 0, NULL);
        p->requested_by = stmt_int(s, 4);
        p->expires_at = stmt_int(s, 5);
    }
    stmt_done(s);
    if (!rc && (!row || p->expires_at <= auth_now()))
        rc = err_fail(ERR_NOT_FOUND, "no such pending approval");
    return rc;
}

/* Approve or reject: approve also applies the change, in one transaction. */
static enum err
decide(struct req *r, bool approve)
{
    struct auth_ctx *a = auth_ctx(r);
    struct pending p = {0};
    enum err rc = load_pending(r, &p);
    if (!rc && (p.requested_by == a->user.id || p.target == a->user.id))
        rc = err_fail(ERR_AUTH_FORBIDDEN,
                      "neither the requester nor the user it is about can "
                      "decide a request");
    char ts[32], target[48];
    time_now_iso(ts);
    snprintf(target, sizeof(target), "user:%" PRId64, p.target);
    if (!rc && !(rc = store_tx_begin(a->st))) {
        if (approve)
            rc = approval_apply(a->st, p.action, p.target, p.params);
        if (!rc)
            rc = store_run(a->st,
                           "UPDATE approvals SET status = $1,"
                           " decided_by = $2, decided_at = $3 WHERE id = $4",
                           "titi", approve ? "approved" : "rejected",
                           a->user.id, ts, p.id);
        if (!rc)
            rc = auth_audit(
                r, a->st, NULL,
                approve ? "approval.approve" : "approval.reject", target,
                json_pack("{s:I, s:s, s:I, s:O?}", "approval", (json_int_t)p.id,
                          "action", p.action, "requested_by",
                          (json_int_t)p.requested_by, "params", p.params));
        if (!rc)
            rc = store_tx_commit(a->st);
        if (rc)
            store_tx_rollback(a->st);
    }
    if (!rc)
        resp_empty(r, 204);
    json_decref(p.params);
    return rc;
}

static enum err
post_approve(struct req *r)
{
    return decide(r, true);
}

static enum err
post_reject(struct req *r)
{
    return decide(r, false);
}

enum err
approval_or_apply(struct req *r, const char *action, const struct user *u,
                  json_t *params, bool *pending)
{
    struct auth_ctx *a = auth_ctx(r);
    if (a->grant_access[0] || a->token_id) /* people of the tenant only */
        return err_fail(ERR_AUTH_FORBIDDEN,
                        "role changes and second-factor resets are the "
                        "tenant's own admins' to make");
    *pending = approval_required(a->st);
    char *text = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
    char target[48];
    snprintf(target, sizeof(target), "user:%" PRId64, u->id);
    int64_t id = 0;
    enum err rc = store_tx_begin(a->st);
    if (!rc && *pending)
        rc = approval_request(a->st, action, u->id, text, a->user.id,
                              auth_now(), &id);
    else if (!rc)
        rc = approval_apply(a->st, action, u->id, params);
    if (!rc)
        rc = auth_audit(
            r, a->st, NULL, *pending ? "approval.request" : action, target,
            json_pack("{s:s, s:O, s:s}", "action", action, "params", params,
                      "dual_control", *pending ? "pending" : "single_admin"));
    if (!rc)
        rc = store_tx_commit(a->st);
    if (rc)
        store_tx_rollback(a->st);
    free(text);
    if (rc)
        return rc;
    if (*pending)
        resp_json(r, 202,
                  json_pack("{s:I, s:s, s:s}", "approval", (json_int_t)id,
                            "status", "pending", "action", action));
    return ERR_OK;
}

const struct route approvals_routes[] = {
    {"GET", "/api/v1/approvals", get_approvals, 0, "users.read", NULL, 0},
    {"POST", "/api/v1/approvals/{id}/approve", post_approve, 1024,
     "users.write", "approval.approve", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    {"POST", "/api/v1/approvals/{id}/reject", post_reject, 1024, "users.write",
     "approval.reject", ROUTE_NO_SUPPORT},
    ROUTES_END,
};
