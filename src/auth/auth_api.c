/*
 * auth_api.c — sign-in over HTTP.
 *
 *   POST /api/v1/auth/login     {tenant, login_id, password} → stage
 *   POST /api/v1/auth/totp      {code}   (stage mfa)    → full session
 *   POST /api/v1/auth/recovery  {code}   (stage mfa)    → full session
 *   GET  /api/v1/auth/enroll             (stage enroll) → secret, URI, QR
 *   POST /api/v1/auth/enroll    {code}   (stage enroll) → recovery codes
 *   POST /api/v1/auth/step-up   {code}   (full)         → fresh TOTP
 *   POST /api/v1/auth/logout             (any stage)
 *   GET  /api/v1/auth/me                 (full)
 *
 * Every failure answers the same way whether the tenant or the login ID
 * exists or not, after the same Argon2id work; throttled attempts never
 * reach the password check. Every outcome is audited in the tenant's log
 * when the tenant exists.
 */
#include "auth/auth.h"
#include "auth/auth_api.h"
#include "auth/login.h"
#include "auth/password.h"
#include "auth/risk.h"
#include "auth/roles.h"
#include "core/log.h"
#include "auth/throttle.h"
#include "auth/totp.h"
#include "core/arena.h"
#include "core/timeutil.h"
#include "http/http.h"
#include "store/pool.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct login_try {
    bool operator; /* the platform operators' realm (/api/v1/operator) */
    const char *tenant, *login_id, *password;
    char key[160];
    struct tenant t;
    struct store *st; /* the tenant's store, when the tenant exists */
    struct user u;
    bool user_found;
};

static enum err
read_login(struct req *r, struct login_try *l)
{
    json_t *body;
    enum err rc = req_json_object(r, &body);
    if (rc)
        return rc;
    struct jcheck c;
    jcheck_init(&c);
    static const char *const allowed[] = {"tenant", "login_id", "password",
                                          NULL};
    jcheck_only(&c, body, allowed);
    if (l->operator)
        l->tenant = "op"; /* shorter than any tenant code: keys never clash */
    else
        jcheck_str(&c, body, "tenant", 32, JSTR_REQUIRED, &l->tenant);
    jcheck_str(&c, body, "login_id", USER_LOGIN_MAX, JSTR_REQUIRED,
               &l->login_id);
    jcheck_str(&c, body, "password", PASSWORD_MAX_CHARS * 2, JSTR_REQUIRED,
               &l->password);
    if (!jcheck_ok(&c))
        return req_invalid(r, &c);
    jcheck_free(&c);
    return ERR_OK;
}

/* Password check with equal work whatever exists. True when it matches. */
static bool
check_password(struct login_try *l)
{
    char *norm = NULL;
    if (password_normalize(l->password, &norm) != ERR_OK) {
        crypto_pw_dummy_verify(l->password);
        return false;
    }
    struct store *platform;
    bool ok = false;
    if (l->operator&& !pool_platform(&l->st))
        l->user_found = !user_find_login(l->st, l->login_id, &l->u);
    else if (!l->operator&& !pool_platform(&platform) &&
             !tenant_find_code(platform, l->tenant, &l->t) &&
             !pool_tenant(l->t.id, &l->st))
        l->user_found = !user_find_login(l->st, l->login_id, &l->u);
    if (l->user_found)
        ok = crypto_pw_verify(l->u.password_hash, norm);
    else
        crypto_pw_dummy_verify(norm);
    if (ok && crypto_pw_needs_rehash(l->u.password_hash)) {
        char fresh[CRYPTO_PW_HASH_MAX];
        if (!crypto_pw_hash(norm, fresh) && !store_tx_begin(l->st)) {
            if (user_set_password(l->st, l->u.id, fresh) ||
                store_tx_commit(l->st))
                store_tx_rollback(l->st);
        }
    }
    crypto_wipe(norm, strlen(norm));
    free(norm);
    return ok && strcmp(l->u.status, "active") == 0;
}

/* One account failing from many addresses: tell the tenant's admins. */
static void
report_many_sources(struct store *st, const struct login_try *l)
{
    char msg[256], detail[160];
    if (user_check_login_id(l->login_id) != ERR_OK)
        return; /* not even a well-formed id: nothing to tell admins */
    snprintf(msg, sizeof(msg),
             "ログインID「%.64s」に対して、多数の場所からログインの失敗が"
             "続いています。パスワードが漏れていないか確認してください。",
             l->login_id);
    json_t *d = json_pack("{s:s}", "login_id", l->login_id);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    snprintf(detail, sizeof(detail), "%s", text ? text : "{}");
    free(text);
    if (store_tx_begin(st))
        return;
    if (notice_admins(st, 0, "login_attack", msg, detail) ||
        store_tx_commit(st))
        store_tx_rollback(st);
    log_msg(LOG_WARN, "auth.account_targeted",
            "tenant %s: one account failing "
            "from %d or more addresses",
            l->tenant, RISK_ACCOUNT_IPS);
}

static enum err
locked(struct req *r, int64_t retry_after)
{
    char v[24];
    snprintf(v, sizeof(v), "%" PRId64, retry_after);
    resp_header(r, "Retry-After", v);
    return ERR_AUTH_LOCKED;
}

enum err
auth_start_session(struct req *r, struct store *st, const struct user *u,
                   int64_t tenant_id, const char *stage, json_t *extra)
{
    char token[CRYPTO_TOKEN_CHARS + 1];
    struct session s;
    int64_t idle, absolute;
    auth_session_limits(st, tenant_id != 0, &idle, &absolute);
    enum err rc = store_tx_begin(st);
    if (!rc)
        rc = session_create(st, u->id, stage, auth_now(), absolute,
                            req_client_ip(r), req_header(r, "User-Agent"),
                            token, &s);
    if (!rc && !strcmp(stage, "full"))
        rc = session_mfa_done(st, s.token_hash, auth_now());
    if (!rc)
        rc = store_tx_commit(st);
    if (rc) {
        store_tx_rollback(st);
        json_decref(extra);
        return rc;
    }
    json_t *body = json_pack("{s:s, s:s}", "stage", stage, "csrf", s.csrf);
    if (extra)
        json_object_update(body, extra);
    json_decref(extra);
    resp_json(r, 200, body);
    auth_set_cookie(r, tenant_id, token, absolute);
    crypto_wipe(token, sizeof(token));
    return ERR_OK;
}

static enum err
do_login(struct req *r, bool operator)
{
    struct login_try l;
    memset(&l, 0, sizeof(l));
    l.operator= operator;
    enum err rc = read_login(r, &l);
    if (rc)
        return rc;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* risk.c keys on wall time */
    if ((rc = throttle_ip(req_client_ip(r),
                          (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000))) {
        resp_header(r, "Retry-After", "30");
        return rc;
    }
    struct store *platform;
    int64_t retry = 0;
    throttle_key(l.tenant, l.login_id, l.key, sizeof(l.key));
    if ((rc = pool_platform(&platform)))
        return rc;
    if ((rc = throttle_check(platform, l.key, auth_now(), &retry)))
        return rc == ERR_AUTH_LOCKED ? locked(r, retry) : rc;
    if (!check_password(&l)) {
        throttle_fail(platform, l.key, auth_now());
        if (risk_failure(req_client_ip(r), l.key, auth_now()) && l.st)
            report_many_sources(l.st, &l);
        if (l.st)
            auth_audit(r, l.st, "anonymous", "auth.login_failed",
                       l.user_found ? l.u.login_id : l.login_id,
                       json_pack("{s:b}", "known_user", l.user_found));
        return err_fail(ERR_AUTH_FAILED, "sign-in failed");
    }
    char actor[96];
    snprintf(
        actor,
        sizeof(actor), operator? "operator:%" PRId64 ":%s" : "user:%" PRId64,
        l.u.id, l.u.login_id);
    auth_audit(r, l.st, actor, "auth.password_ok", l.u.login_id, NULL);
    const char *stage = l.u.totp_secret[0] ? "mfa" : "enroll";
    return auth_start_session(r, l.st, &l.u, operator? 0 : l.t.id, stage, NULL);
}

static enum err
post_login(struct req *r)
{
    return do_login(r, false);
}

static enum err
post_op_login(struct req *r)
{
    return do_login(r, true);
}

enum err
auth_read_code(struct req *r, const char **code)
{
    json_t *body;
    enum err rc = req_json_object(r, &body);
    if (rc)
        return rc;
    struct jcheck c;
    jcheck_init(&c);
    static const char *const allowed[] = {"code", NULL};
    jcheck_only(&c, body, allowed);
    jcheck_str(&c, body, "code", 32, JSTR_REQUIRED, code);
    if (!jcheck_ok(&c))
        return req_invalid(r, &c);
    jcheck_free(&c);
    return ERR_OK;
}

static enum err
post_logout(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    enum err rc = store_tx_begin(a->st);
    if (!rc && !(rc = session_delete(a->st, a->sess.token_hash)) &&
        !(rc = auth_audit(r, a->st, NULL, "auth.logout", a->user.login_id,
                          NULL)))
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        return rc;
    }
    resp_empty(r, 204);
    auth_set_cookie(r, a->operator? 0 : a->tenant.id, NULL, 0);
    return ERR_OK;
}

json_t *
auth_user_json(const struct user *u)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:b, s:s, s:s}", "id",
                     (json_int_t)u->id, "login_id", u->login_id, "display_name",
                     u->display_name, "role", u->role, "role_label",
                     role_label_ja(u->role), "email",
                     u->email[0] ? u->email : NULL, "mfa_enrolled",
                     u->totp_secret[0] != '\0', "status", u->status,
                     "created_at", u->created_at);
}

/* The permissions role holds, in perm_names order (the console builds its
 * menu from these; the server still checks every route). */
static json_t *
role_perms_json(const char *role)
{
    json_t *out = json_array();
    for (const char *const *p = perm_names; *p; p++)
        if (role_allows(role, *p))
            json_array_append_new(out, json_string(*p));
    return out;
}

static enum err
get_me(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    if (a->operator) {
        resp_json(r, 200,
                  json_pack("{s:o, s:s, s:s, s:I}", "operator",
                            auth_user_json(&a->user), "realm", "operator",
                            "csrf", a->sess.csrf, "session_expires_at",
                            (json_int_t)a->sess.expires_at));
        return ERR_OK;
    }
    resp_json(r, 200,
              json_pack("{s:o, s:o, s:{s:s, s:s}, s:s, s:I}", "user",
                        auth_user_json(&a->user), "permissions",
                        role_perms_json(a->user.role), "tenant", "code",
                        a->tenant.code, "name", a->tenant.name, "csrf",
                        a->sess.csrf, "session_expires_at",
                        (json_int_t)a->sess.expires_at));
    return ERR_OK;
}

enum err
auth_path_id(struct req *r, int64_t *id)
{
    char *end;
    const char *v = req_param(r, "id");
    long long n = v ? strtoll(v, &end, 10) : 0;
    if (!v || *end || n <= 0)
        return err_fail(ERR_NOT_FOUND, "no such item");
    *id = n;
    return ERR_OK;
}

enum err
auth_change_by_id(struct req *r, const char *action, const char *kind,
                  enum err (*fn)(struct store *, int64_t))
{
    struct auth_ctx *a = auth_ctx(r);
    int64_t id = 0;
    char target[48];
    enum err rc = auth_path_id(r, &id);
    if (rc || (rc = store_tx_begin(a->st)))
        return rc;
    snprintf(target, sizeof(target), "%s:%" PRId64, kind, id);
    if (!(rc = fn(a->st, id)) &&
        !(rc = auth_audit(r, a->st, NULL, action, target, NULL)))
        rc = store_tx_commit(a->st);
    if (rc) {
        store_tx_rollback(a->st);
        return rc;
    }
    resp_empty(r, 204);
    return ERR_OK;
}

#define AUTH_BODY_MAX (4 * 1024)

const struct route auth_routes[] = {
    {"POST", "/api/v1/auth/login", post_login, AUTH_BODY_MAX, NULL,
     "auth.login", 0},
    {"POST", "/api/v1/auth/logout", post_logout, AUTH_BODY_MAX, PERM_ANY,
     "auth.logout", 0},
    {"GET", "/api/v1/auth/me", get_me, 0, PERM_SESSION, NULL, ROUTE_NO_SUPPORT},
    {"POST", "/api/v1/operator/login", post_op_login, AUTH_BODY_MAX, NULL,
     "auth.login", 0},
    {"POST", "/api/v1/operator/logout", post_logout, AUTH_BODY_MAX, PERM_OP_ANY,
     "auth.logout", 0},
    {"GET", "/api/v1/operator/me", get_me, 0, PERM_OP_SESSION, NULL, 0},
    ROUTES_END,
};
