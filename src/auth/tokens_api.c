/*
 * tokens_api.c — tenant admins manage API tokens.
 *
 *   GET  /api/v1/api-tokens               users.read
 *   POST /api/v1/api-tokens               users.write, step-up
 *        {name, permissions: [...], days: 1–365} → 201 {id, token, …}
 *        (the token is shown this once)
 *   POST /api/v1/api-tokens/{id}/revoke   users.write
 */
#include "auth/auth.h"
#include "auth/auth_api.h"
#include "auth/roles.h"
#include "auth/tokens.h"
#include "http/http.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum err
get_tokens(struct req *r)
{
    struct stmt *s;
    enum err rc = store_query(auth_ctx(r)->st, &s,
                              "SELECT id, name, permissions, created_by,"
                              " created_at, expires_at, revoked_at"
                              " FROM api_tokens ORDER BY id DESC",
                              "");
    json_t *list = json_array();
    bool row;
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(
            list,
            json_pack("{s:I, s:s, s:o, s:I, s:s, s:I, s:s?, s:b}", "id",
                      (json_int_t)stmt_int(s, 0), "name", stmt_text(s, 1),
                      "permissions", json_loads(stmt_text(s, 2), 0, NULL),
                      "created_by", (json_int_t)stmt_int(s, 3), "created_at",
                      stmt_text(s, 4), "expires_at", (json_int_t)stmt_int(s, 5),
                      "revoked_at", stmt_text(s, 6), "active",
                      stmt_is_null(s, 6) && stmt_int(s, 5) > auth_now()));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    resp_json(r, 200, json_pack("{s:o}", "tokens", list));
    return ERR_OK;
}

/* Permissions must be known and held by the creator. */
static void
check_perms(struct jcheck *c, json_t *perms, const char *role)
{
    if (!json_is_array(perms) || !json_array_size(perms) ||
        json_array_size(perms) > 32) {
        jcheck_add(c, "permissions", "type",
                   "権限を1つ以上、配列で指定してください");
        return;
    }
    for (size_t i = 0; i < json_array_size(perms); i++) {
        const char *p = json_string_value(json_array_get(perms, i));
        if (!p || !perm_known(p) || !role_allows(role, p)) {
            jcheck_add(c, "permissions", "unknown",
                       "指定できない権限が含まれています");
            return;
        }
    }
}

static enum err
post_token(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *b;
    const char *name;
    int64_t days = 0, id = 0;
    bool has;
    char text[96];
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    struct jcheck c;
    jcheck_init(&c);
    static const char *const allowed[] = {"name", "permissions", "days", NULL};
    jcheck_only(&c, b, allowed);
    jcheck_str(&c, b, "name", 60, JSTR_REQUIRED, &name);
    jcheck_int(&c, b, "days", 1, TOKEN_MAX_DAYS, true, &days, &has);
    check_perms(&c, json_object_get(b, "permissions"), a->user.role);
    if (!jcheck_ok(&c))
        return req_invalid(r, &c);
    jcheck_free(&c);
    char *perms = json_dumps(json_object_get(b, "permissions"), JSON_COMPACT);
    if (!(rc = store_tx_begin(a->st))) {
        char target[40];
        rc = token_create(a->st, a->tenant.id, name, perms, (int)days,
                          a->user.id, auth_now(), &id, text, sizeof(text));
        snprintf(target, sizeof(target), "token:%" PRId64, id);
        if (!rc)
            rc = auth_audit(r, a->st, NULL, "token.create", target,
                            json_pack("{s:s, s:O, s:I}", "name", name,
                                      "permissions",
                                      json_object_get(b, "permissions"), "days",
                                      (json_int_t)days));
        if (!rc)
            rc = store_tx_commit(a->st);
        if (rc)
            store_tx_rollback(a->st);
    }
    if (!rc) {
        resp_json(r, 201,
                  json_pack("{s:I, s:s, s:s, s:O}", "id", (json_int_t)id,
                            "name", name, "token", text, "permissions",
                            json_object_get(b, "permissions")));
    }
    free(perms);
    return rc;
}

static enum err
post_revoke(struct req *r)
{
    return auth_change_by_id(r, "token.revoke", "token", token_revoke);
}

const struct route tokens_routes[] = {
    {"GET", "/api/v1/api-tokens", get_tokens, 0, "users.read", NULL, 0},
    {"POST", "/api/v1/api-tokens", post_token, 4096, "users.write",
     "token.create", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    {"POST", "/api/v1/api-tokens/{id}/revoke", post_revoke, 1024, "users.write",
     "token.revoke", ROUTE_NO_SUPPORT},
    ROUTES_END,
};
