/*
 * grants_api.c — a tenant admin manages support grants.
 *
 *   GET  /api/v1/support-grants              users.read
 *   POST /api/v1/support-grants              users.write, step-up
 *        {operator_login, access: read|write, hours: 1-72, reason}
 *   POST /api/v1/support-grants/{id}/revoke  users.write
 *
 * None of these can be used by an operator under a grant (no extending
 * one's own access). The operator then sends requests to the tenant's
 * routes with the header X-Support-Tenant: <tenant code>, signed in to the
 * operator realm with their own password and second factor.
 */
#include "auth/auth.h"
#include "auth/auth_api.h"
#include "auth/grants.h"
#include "auth/roles.h"
#include "http/http.h"
#include "store/pool.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *
grant_json(const struct grant *g, int64_t now)
{
    bool active = !g->revoked_at[0] && g->expires_at > now;
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:s?, s:b}", "id",
                     (json_int_t)g->id, "operator_login", g->operator_login,
                     "access", g->access, "reason", g->reason, "granted_by",
                     (json_int_t)g->granted_by, "created_at", g->created_at,
                     "expires_at", (json_int_t)g->expires_at, "revoked_at",
                     g->revoked_at[0] ? g->revoked_at : NULL, "active", active);
}

static bool
collect(const struct grant *g, void *arg)
{
    json_array_append_new(arg, grant_json(g, auth_now()));
    return true;
}

static enum err
get_grants(struct req *r)
{
    json_t *list = json_array();
    enum err rc = grant_each(auth_ctx(r)->st, collect, list);
    if (rc) {
        json_decref(list);
        return rc;
    }
    resp_json(r, 200, json_pack("{s:o}", "grants", list));
    return ERR_OK;
}

struct new_grant {
    const char *operator_login, *access, *reason;
    int64_t hours;
};

static enum err
read_grant(struct req *r, struct new_grant *g)
{
    json_t *b;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    static const char *const allowed[] = {"operator_login", "access", "hours",
                                          "reason", NULL};
    struct jcheck c;
    bool has;
    struct user op;
    struct store *platform;
    jcheck_init(&c);
    jcheck_only(&c, b, allowed);
    jcheck_str(&c, b, "operator_login", USER_LOGIN_MAX, JSTR_REQUIRED,
               &g->operator_login);
    jcheck_str(&c, b, "access", 8, JSTR_REQUIRED, &g->access);
    jcheck_int(&c, b, "hours", 1, GRANT_MAX_HOURS, true, &g->hours, &has);
    jcheck_str(&c, b, "reason", 200, JSTR_REQUIRED | JSTR_MULTILINE,
               &g->reason);
    if (g->access && strcmp(g->access, "read") && strcmp(g->access, "write"))
        jcheck_add(&c, "access", "unknown", "read か write を指定してください");
    if (g->operator_login &&
        (pool_platform(&platform) ||
         user_find_login(platform, g->operator_login, &op) ||
         strcmp(op.status, "active")))
        jcheck_add(&c, "operator_login", "unknown",
                   "この名前のサポート担当者はいません");
    if (!jcheck_ok(&c))
        return req_invalid(r, &c);
    jcheck_free(&c);
    return ERR_OK;
}

static enum err
post_grant(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct new_grant n;
    struct grant g;
    enum err rc = read_grant(r, &n);
    if (rc || (rc = store_tx_begin(a->st)))
        return rc;
    rc = grant_create(a->st, n.operator_login, n.access, (int)n.hours, n.reason,
                      a->user.id, auth_now(), &g);
    char target[48];
    snprintf(target, sizeof(target), "grant:%" PRId64, g.id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "support.grant", target,
                        json_pack("{s:s, s:s, s:I, s:s}", "operator",
                                  g.operator_login, "access", g.access, "hours",
                                  (json_int_t)n.hours, "reason", g.reason));
    if (!rc)
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        return rc;
    }
    resp_json(r, 201, grant_json(&g, auth_now()));
    return ERR_OK;
}

static enum err
post_revoke(struct req *r)
{
    return auth_change_by_id(r, "support.revoke", "grant", grant_revoke);
}

const struct route grants_routes[] = {
    {"GET", "/api/v1/support-grants", get_grants, 0, "users.read", NULL,
     ROUTE_NO_SUPPORT},
    {"POST", "/api/v1/support-grants", post_grant, 4096, "users.write",
     "support.grant", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    {"POST", "/api/v1/support-grants/{id}/revoke", post_revoke, 1024,
     "users.write", "support.revoke", ROUTE_NO_SUPPORT},
    ROUTES_END,
};
