/*
 * users_api.c — tenant admins manage their own users.
 *
 *   GET  /api/v1/users                      users.read
 *   POST /api/v1/users                      users.write, step-up
 *   GET  /api/v1/users/{id}                 users.read
 *   PATCH /api/v1/users/{id}                users.write, step-up
 *   POST /api/v1/users/{id}/reset-mfa       users.write, step-up
 *   POST /api/v1/users/{id}/unlock          users.write
 *   POST /api/v1/users/{id}/revoke-sessions users.write
 *   POST /api/v1/sessions/revoke-all        users.write, step-up
 *   GET  /api/v1/notices                    session (one's own)
 *
 * Every lookup runs in the caller's tenant store, so an id from another
 * tenant is simply not found (404), never "forbidden".
 */
#include "auth/approvals.h"
#include "auth/auth.h"
#include "auth/auth_api.h"
#include "auth/password.h"
#include "auth/roles.h"
#include "auth/throttle.h"
#include "store/pool.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USERS_BODY_MAX (8 * 1024)

static bool
collect(const struct user *u, void *arg)
{
    json_array_append_new(arg, auth_user_json(u));
    return true;
}

static enum err
get_users(struct req *r)
{
    json_t *list = json_array();
    enum err rc = user_each(auth_ctx(r)->st, collect, list);
    if (rc) {
        json_decref(list);
        return rc;
    }
    resp_json(r, 200, json_pack("{s:o}", "users", list));
    return ERR_OK;
}

enum err
users_path_user(struct req *r, struct user *u)
{
    const char *p = req_param(r, "id");
    char *end;
    long long id = strtoll(p, &end, 10);
    if (*end || id <= 0)
        return err_fail(ERR_AUTH_USER_NOT_FOUND, "no such user");
    return user_find_id(auth_ctx(r)->st, id, u);
}

static enum err
get_user(struct req *r)
{
    struct user u;
    enum err rc = users_path_user(r, &u);
    if (!rc)
        resp_json(r, 200, auth_user_json(&u));
    return rc;
}

struct new_user {
    const char *login_id, *name, *role, *email, *password;
};

static enum err
read_new_user(struct req *r, struct new_user *n)
{
    json_t *b;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    static const char *const allowed[] = {"login_id", "display_name", "role",
                                          "email",    "password",     NULL};
    struct jcheck c;
    jcheck_init(&c);
    jcheck_only(&c, b, allowed);
    jcheck_str(&c, b, "login_id", USER_LOGIN_MAX, JSTR_REQUIRED, &n->login_id);
    jcheck_str(&c, b, "display_name", USER_NAME_MAX_CHARS, JSTR_REQUIRED,
               &n->name);
    jcheck_str(&c, b, "role", 16, JSTR_REQUIRED, &n->role);
    jcheck_str(&c, b, "email", 254, 0, &n->email);
    jcheck_str(&c, b, "password", PASSWORD_MAX_CHARS * 2, JSTR_REQUIRED,
               &n->password);
    if (n->login_id && user_check_login_id(n->login_id))
        jcheck_add(&c, "login_id", "format",
                   "半角英数字と . _ @ - の3〜64文字で入力してください");
    if (n->role && !role_valid(n->role))
        jcheck_add(&c, "role", "unknown", "役割が正しくありません");
    if (!jcheck_ok(&c))
        return req_invalid(r, &c);
    jcheck_free(&c);
    return ERR_OK;
}

static enum err
post_user(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct new_user n;
    char hash[CRYPTO_PW_HASH_MAX];
    struct user u;
    enum err rc = read_new_user(r, &n);
    if (rc || (rc = auth_hash_new_password(r, "password", n.password,
                                           n.login_id, hash)))
        return rc;
    if (!strcmp(n.role, "admin") && a->grant_access[0])
        return err_fail(ERR_AUTH_FORBIDDEN,
                        "support cannot create administrators");
    if ((rc = store_tx_begin(a->st)))
        return rc;
    /* a new admin is made read-only first; becoming admin is a role change
     * under dual control like any other */
    bool admin = !strcmp(n.role, "admin") && approval_required(a->st);
    rc = user_insert(a->st, n.login_id, n.name, admin ? "readonly" : n.role,
                     n.email, hash, &u);
    char target[48];
    snprintf(target, sizeof(target), "user:%" PRId64, u.id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "user.create", target,
                        json_pack("{s:s, s:s, s:s}", "login_id", u.login_id,
                                  "role", u.role, "display_name",
                                  u.display_name));
    if (!rc)
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        return rc;
    }
    if (admin) {
        bool pending;
        json_t *p = json_pack("{s:s, s:s}", "role", "admin", "before", u.role);
        rc = approval_or_apply(r, "user.role", &u, p, &pending);
        json_decref(p);
        return rc; /* 202 with the approval */
    }
    resp_json(r, 201, auth_user_json(&u));
    return ERR_OK;
}

const struct route users_routes[] = {
    {"GET", "/api/v1/users", get_users, 0, "users.read", NULL, 0},
    {"POST", "/api/v1/users", post_user, USERS_BODY_MAX, "users.write",
     "user.create", ROUTE_STEP_UP},
    {"GET", "/api/v1/users/{id}", get_user, 0, "users.read", NULL, 0},
    {"PATCH", "/api/v1/users/{id}", users_patch, USERS_BODY_MAX, "users.write",
     "user.update", ROUTE_STEP_UP},
    {"POST", "/api/v1/users/{id}/reset-mfa", users_reset_mfa, 1024,
     "users.write", "user.reset_mfa", ROUTE_STEP_UP},
    {"POST", "/api/v1/users/{id}/unlock", users_unlock, 1024, "users.write",
     "user.unlock", 0},
    {"POST", "/api/v1/users/{id}/revoke-sessions", users_revoke, 1024,
     "users.write", "user.revoke_sessions", 0},
    {"POST", "/api/v1/sessions/revoke-all", users_revoke_all, 1024,
     "users.write", "session.revoke_all", ROUTE_STEP_UP},
    {"GET", "/api/v1/notices", notices_get, 0, PERM_SESSION, NULL, 0},
    {"POST", "/api/v1/notices/{id}/read", notices_read, 1024, PERM_SESSION,
     NULL, ROUTE_NO_SUPPORT},
    ROUTES_END,
};
