/*
 * password_api.c — changing passwords.
 *
 *   POST /api/v1/auth/password       {current_password, new_password}
 *   POST /api/v1/operator/password   the same for platform operators
 *        The signed-in user changes their own password. A wrong current
 *        password counts as a failed sign-in. Every other session of the
 *        user ends; the user gets a notice.
 *   POST /api/v1/users/{id}/reset-password   users.write, step-up
 *        An admin sets a temporary password (shown once) for a user who
 *        forgot theirs; the user's sessions end. The second factor stays:
 *        a reset password alone still cannot sign in.
 */
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

enum err
auth_hash_new_password(struct req *r, const char *field, const char *typed,
                       const char *login_id, char *hash)
{
    char *norm = NULL;
    const char *reason = "invalid";
    struct auth_ctx *a = auth_ctx(r);
    enum err rc = password_normalize(typed, &norm);
    if (!rc)
        rc = password_check(norm, login_id, a->operator? NULL : a->tenant.code,
                            &reason);
    if (!rc)
        rc = crypto_pw_hash(norm, hash);
    if (norm) {
        crypto_wipe(norm, strlen(norm));
        free(norm);
    }
    if (rc == ERR_AUTH_PASSWORD_POLICY || rc == ERR_INVALID) {
        struct jcheck c;
        jcheck_init(&c);
        jcheck_add(&c, field, reason, password_reason_ja(reason));
        return req_invalid(r, &c);
    }
    return rc;
}

/* Set the hash, end sessions (all, or all but keep), notify, audit. */
static enum err
store_password(struct req *r, struct store *st, const struct user *u,
               const char *hash, const char *keep_session, const char *action,
               const char *target)
{
    enum err rc = store_tx_begin(st);
    if (rc)
        return rc;
    rc = user_set_password(st, u->id, hash);
    if (!rc)
        rc = store_run(st,
                       "DELETE FROM sessions WHERE user_id = $1"
                       " AND token_hash <> $2",
                       "it", u->id, keep_session ? keep_session : "");
    if (!rc)
        rc = notice_add(st, u->id, "password_changed",
                        "パスワードが変更されました。心当たりがない場合は"
                        "すぐに管理者に連絡してください。",
                        NULL);
    if (!rc)
        rc = auth_audit(r, st, NULL, action, target, NULL);
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

static enum err
post_password(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    json_t *b;
    const char *cur, *next;
    char hash[CRYPTO_PW_HASH_MAX], key[160], *norm = NULL;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    struct jcheck c;
    jcheck_init(&c);
    static const char *const allowed[] = {"current_password", "new_password",
                                          NULL};
    jcheck_only(&c, b, allowed);
    jcheck_str(&c, b, "current_password", 256, JSTR_REQUIRED, &cur);
    jcheck_str(&c, b, "new_password", 256, JSTR_REQUIRED, &next);
    if (!jcheck_ok(&c))
        return req_invalid(r, &c);
    jcheck_free(&c);
    struct store *platform;
    int64_t retry = 0;
    throttle_key(a->tenant.code, a->user.login_id, key, sizeof(key));
    if ((rc = pool_platform(&platform)) ||
        (rc = throttle_check(platform, key, auth_now(), &retry))) {
        char v[24];
        snprintf(v, sizeof(v), "%lld", (long long)retry);
        if (rc == ERR_AUTH_LOCKED)
            resp_header(r, "Retry-After", v);
        return rc; /* a live session does not buy extra guesses */
    }
    bool ok = !password_normalize(cur, &norm) &&
              crypto_pw_verify(a->user.password_hash, norm);
    if (norm) {
        crypto_wipe(norm, strlen(norm));
        free(norm);
    }
    if (!ok) {
        throttle_fail(platform, key, auth_now());
        auth_audit(r, a->st, NULL, "auth.password_change_failed",
                   a->user.login_id, NULL);
        return err_fail(ERR_AUTH_FAILED, "the current password is wrong");
    }
    if ((rc = auth_hash_new_password(r, "new_password", next, a->user.login_id,
                                     hash)) ||
        (rc = store_password(r, a->st, &a->user, hash, a->sess.token_hash,
                             "auth.password_changed", a->user.login_id)))
        return rc;
    resp_empty(r, 204);
    return ERR_OK;
}

static enum err
post_reset_password(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct user u;
    char temp[32], hash[CRYPTO_PW_HASH_MAX], target[48];
    enum err rc = users_path_user(r, &u);
    if (rc)
        return rc;
    crypto_readable_code(temp, 4, 5);
    snprintf(target, sizeof(target), "user:%" PRId64, u.id);
    if ((rc = auth_hash_new_password(r, "password", temp, u.login_id, hash)) ||
        (rc = store_password(r, a->st, &u, hash, NULL, "user.reset_password",
                             target)))
        return rc;
    resp_json(r, 200, json_pack("{s:s}", "temporary_password", temp));
    crypto_wipe(temp, sizeof(temp));
    return ERR_OK;
}

const struct route password_routes[] = {
    {"POST", "/api/v1/auth/password", post_password, 4096, PERM_SESSION,
     "auth.password_changed", ROUTE_NO_SUPPORT},
    {"POST", "/api/v1/operator/password", post_password, 4096, PERM_OP_SESSION,
     "auth.password_changed", 0},
    {"POST", "/api/v1/users/{id}/reset-password", post_reset_password, 1024,
     "users.write", "user.reset_password", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    ROUTES_END,
};
