/*
 * auth_http.c — the authorizer: cookie → tenant store → session → user →
 * stage → CSRF → permission → step-up, in that order, deny by default.
 */
#include "audit/audit.h"
#include "auth/auth.h"
#include "auth/grants.h"
#include "auth/notify.h"
#include "auth/roles.h"
#include "auth/tokens.h"
#include "core/arena.h"
#include "core/log.h"
#include "http/http.h"
#include "store/pool.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static struct auth_config cfg = {false, 30 * 60, 12 * 3600, 5 * 60, 2};

void
auth_configure(const struct auth_config *c)
{
    cfg = *c;
    crypto_init(cfg.hash_slots);
    http_set_authorizer(auth_authorize);
}

const struct auth_config *
auth_config(void)
{
    return &cfg;
}

int64_t
auth_now(void)
{
    return (int64_t)time(NULL);
}

struct auth_ctx *
auth_ctx(struct req *r)
{
    return req_auth(r);
}

static const char *
cookie_name(bool operator)
{
    if (operator)
        return cfg.secure_cookies ? "__Host-pl_op" : "pl_op";
    return cfg.secure_cookies ? "__Host-pl_session" : "pl_session";
}

void
auth_set_cookie(struct req *r, int64_t tenant_id, const char *token,
                int64_t max_age_s)
{
    /* tenant_id 0: the operator realm's cookie, with no tenant prefix */
    char v[256], value[96];
    const char *secure = cfg.secure_cookies ? "; Secure" : "";
    if (token && tenant_id)
        snprintf(value, sizeof(value), "%" PRId64 ".%s", tenant_id, token);
    else
        snprintf(value, sizeof(value), "%s", token ? token : "");
    snprintf(v, sizeof(v),
             "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%" PRId64 "%s",
             cookie_name(tenant_id == 0), value, token ? max_age_s : 0, secure);
    resp_header(r, "Set-Cookie", v);
}

enum err
auth_audit(struct req *r, struct store *st, const char *actor,
           const char *action, const char *target, json_t *detail)
{
    struct auth_ctx *a = auth_ctx(r);
    char *text =
        detail ? json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(detail);
    struct audit_entry e = {actor ? actor : (a ? a->actor : "anonymous"),
                            action,
                            target,
                            text,
                            req_client_ip(r),
                            req_header(r, "User-Agent")};
    enum err rc;
    if (store_in_tx(st)) { /* part of the caller's change: same fate */
        rc = audit_append(st, &e);
    } else {
        rc = store_tx_begin(st);
        if (!rc && !(rc = audit_append(st, &e)))
            rc = store_tx_commit(st);
        if (rc)
            store_tx_rollback(st);
    }
    if (rc)
        log_msg(LOG_ERROR, "audit.write_failed", "%s: %s", action,
                err_detail());
    free(text);
    return rc;
}

/* "<tenant id>.<token>" from the cookie. */
static bool
parse_cookie(const char *v, int64_t *tenant_id, const char **token)
{
    char *end;
    if (!v || !(*v >= '1' && *v <= '9'))
        return false;
    long long id = strtoll(v, &end, 10);
    if (*end != '.' || strlen(end + 1) != CRYPTO_TOKEN_CHARS)
        return false;
    *tenant_id = id;
    *token = end + 1;
    return true;
}

/* An operator route's marker as the matching tenant-realm marker. */
static const char *
stage_marker(const char *perm)
{
    static const char *const map[][2] = {{PERM_OP_SESSION, PERM_SESSION},
                                         {PERM_OP_MFA, PERM_MFA},
                                         {PERM_OP_ENROLL, PERM_ENROLL},
                                         {PERM_OP_ANY, PERM_ANY}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(perm, map[i][0]))
            return map[i][1];
    return perm;
}

static bool
is_operator_route(const char *perm)
{
    return !strncmp(perm, "op.", 3);
}

/* Stage gate: which session stages a route's perm accepts. */
static enum err
check_stage(const char *perm, const char *stage)
{
    perm = stage_marker(perm);
    if (strcmp(perm, PERM_ANY) == 0)
        return ERR_OK;
    if (strcmp(perm, PERM_MFA) == 0)
        return strcmp(stage, "mfa") == 0
                   ? ERR_OK
                   : err_fail(ERR_AUTH_REQUIRED, "not awaiting a code");
    if (strcmp(perm, PERM_ENROLL) == 0)
        return strcmp(stage, "enroll") == 0
                   ? ERR_OK
                   : err_fail(ERR_AUTH_REQUIRED, "not enrolling");
    if (strcmp(stage, "mfa") == 0)
        return err_fail(ERR_AUTH_MFA_REQUIRED, "enter the one-time code");
    if (strcmp(stage, "enroll") == 0)
        return err_fail(ERR_AUTH_ENROLL_REQUIRED, "set up the second factor");
    return ERR_OK;
}

/* State-changing requests need the session's CSRF token in X-CSRF-Token
 * and, when the browser says where it comes from, the same origin. */
static enum err
check_csrf(struct req *r, const struct session *s)
{
    const char *m = req_method(r);
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD"))
        return ERR_OK;
    const char *tok = req_header(r, "X-CSRF-Token");
    if (!tok || !crypto_streq(tok, s->csrf))
        return err_fail(ERR_AUTH_CSRF, "missing or wrong X-CSRF-Token");
    const char *site = req_header(r, "Sec-Fetch-Site");
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        return err_fail(ERR_AUTH_CSRF, "cross-site request refused");
    return ERR_OK;
}

void
auth_session_limits(struct store *st, bool tenant, int64_t *idle_s,
                    int64_t *absolute_s)
{
    char v[32];
    *idle_s = cfg.idle_s;
    *absolute_s = cfg.absolute_s;
    if (!tenant)
        return;
    if (!notify_setting(st, "session.idle_minutes", v, sizeof(v)) && v[0])
        *idle_s = strtoll(v, NULL, 10) * 60;
    if (!notify_setting(st, "session.max_hours", v, sizeof(v)) && v[0])
        *absolute_s = strtoll(v, NULL, 10) * 3600;
}

/* The session and account of a cookie in store st. */
static enum err
load_account(struct store *st, const char *token, struct auth_ctx *a,
             bool tenant)
{
    int64_t idle, absolute;
    auth_session_limits(st, tenant, &idle, &absolute);
    enum err rc = session_find(st, token, auth_now(), idle, &a->sess);
    if (!rc)
        rc = user_find_id(st, a->sess.user_id, &a->user);
    if (rc == ERR_AUTH_USER_NOT_FOUND ||
        (!rc && strcmp(a->user.status, "active") != 0))
        return err_fail(ERR_AUTH_REQUIRED, "account no longer active");
    return rc;
}

static enum err
load_tenant_user(struct req *r, struct auth_ctx *a, const char *cookie)
{
    int64_t tid;
    const char *token;
    struct store *platform;
    if (!parse_cookie(cookie, &tid, &token))
        return err_fail(ERR_AUTH_REQUIRED, "no session");
    enum err rc = pool_tenant(tid, &a->st);
    if (rc == ERR_TENANT_NOT_FOUND)
        return err_fail(ERR_AUTH_REQUIRED, "no session");
    if (!rc)
        rc = load_account(a->st, token, a, true);
    if (!rc && !(rc = pool_platform(&platform)))
        rc = tenant_find_id(platform, tid, &a->tenant);
    snprintf(a->actor, sizeof(a->actor), "user:%" PRId64, a->user.id);
    (void)r;
    return rc;
}

static enum err
load_operator(struct auth_ctx *a, const char *cookie)
{
    if (!cookie || strlen(cookie) != CRYPTO_TOKEN_CHARS)
        return err_fail(ERR_AUTH_REQUIRED, "no operator session");
    enum err rc = pool_platform(&a->st);
    if (!rc)
        rc = load_account(a->st, cookie, a, false);
    a->operator= true;
    snprintf(a->tenant.code, sizeof(a->tenant.code), "op");
    snprintf(a->actor, sizeof(a->actor), "operator:%" PRId64 ":%s", a->user.id,
             a->user.login_id);
    return rc;
}

/* An operator in a tenant under an active support grant. */
static enum err
grant_load(struct req *r, struct auth_ctx *a, const char *tenant_code,
           const char *op_cookie)
{
    struct auth_ctx op;
    struct grant g;
    struct store *platform;
    memset(&op, 0, sizeof(op));
    enum err rc = load_operator(&op, op_cookie);
    if (!rc && strcmp(op.sess.stage, "full") != 0)
        rc = err_fail(ERR_AUTH_MFA_REQUIRED, "enter the one-time code");
    if (!rc && !(rc = pool_platform(&platform)))
        rc = tenant_find_code(platform, tenant_code, &a->tenant);
    if (rc == ERR_TENANT_NOT_FOUND)
        rc = err_fail(ERR_AUTH_FORBIDDEN, "no support grant");
    if (!rc)
        rc = pool_tenant(a->tenant.id, &a->st);
    if (!rc)
        rc = grant_find_active(a->st, op.user.login_id, auth_now(), &g);
    if (rc)
        return rc;
    session_touch(platform, &op.sess, auth_now());
    a->sess = op.sess; /* the operator's own session: CSRF, step-up */
    a->user = op.user;
    a->user.id = 0;
    snprintf(a->user.role, sizeof(a->user.role), "admin");
    snprintf(a->grant_access, sizeof(a->grant_access), "%s", g.access);
    a->grant_id = g.id;
    snprintf(a->actor, sizeof(a->actor), "%s", op.actor);
    (void)r;
    return ERR_OK;
}

void
grant_audit_access(struct req *r, struct auth_ctx *a)
{
    char target[300];
    snprintf(target, sizeof(target), "%s %s", req_method(r), req_path(r));
    auth_audit(r, a->st, NULL, "support.access", target,
               json_pack("{s:I, s:s}", "grant", (json_int_t)a->grant_id,
                         "access", a->grant_access));
}

/* A program with an API token ("Authorization: Bearer plt_…"). */
static enum err
load_token(struct auth_ctx *a, const char *bearer)
{
    int64_t tid;
    const char *secret;
    char name[128];
    int64_t creator = 0;
    struct store *platform;
    if (!token_parse(bearer, &tid, &secret))
        return err_fail(ERR_AUTH_REQUIRED, "malformed token");
    enum err rc = pool_tenant(tid, &a->st);
    if (rc == ERR_TENANT_NOT_FOUND)
        return err_fail(ERR_AUTH_REQUIRED, "no such token");
    if (!rc)
        rc = token_find(a->st, secret, auth_now(), &a->token_id, name,
                        sizeof(name), a->token_perms, sizeof(a->token_perms),
                        &creator);
    /* a token is worth no more than its creator is now */
    if (!rc && (user_find_id(a->st, creator, &a->user) ||
                strcmp(a->user.status, "active")))
        rc = err_fail(ERR_AUTH_REQUIRED, "the token's creator is inactive");
    if (!rc)
        snprintf(a->token_role, sizeof(a->token_role), "%s", a->user.role);
    if (!rc && !(rc = pool_platform(&platform)))
        rc = tenant_find_id(platform, tid, &a->tenant);
    if (rc)
        return rc;
    snprintf(a->user.login_id, sizeof(a->user.login_id), "token:%.50s", name);
    snprintf(a->user.role, sizeof(a->user.role), "token");
    snprintf(a->user.status, sizeof(a->user.status), "active");
    snprintf(a->sess.stage, sizeof(a->sess.stage), "full");
    snprintf(a->actor, sizeof(a->actor), "token:%lld:%.50s",
             (long long)a->token_id, name);
    return ERR_OK;
}

/* True when the token's permission list holds perm. */
static bool
token_allows(const struct auth_ctx *a, const char *perm)
{
    json_t *list = json_loads(a->token_perms, 0, NULL);
    bool ok = false;
    for (size_t i = 0; i < json_array_size(list) && !ok; i++)
        ok = !strcmp(json_string_value(json_array_get(list, i)) ?: "", perm);
    json_decref(list);
    return ok;
}

static enum err
load_session(struct req *r, struct auth_ctx *a, const struct route *rt)
{
    const char *authz = req_header(r, "Authorization");
    if (authz && !strncmp(authz, "Bearer ", 7) && !is_operator_route(rt->perm))
        return load_token(a, authz + 7);
    if (is_operator_route(rt->perm))
        return load_operator(a, req_cookie(r, cookie_name(true)));
    const char *tenant_cookie = req_cookie(r, cookie_name(false));
    const char *support = req_header(r, "X-Support-Tenant");
    if (tenant_cookie || !support)
        return load_tenant_user(r, a, tenant_cookie);
    return grant_load(r, a, support, req_cookie(r, cookie_name(true)));
}

bool
auth_allows(const struct auth_ctx *a, const char *perm)
{
    if (a->token_id)
        return token_allows(a, perm) && role_allows(a->token_role, perm);
    if (a->grant_access[0] &&
        (!strcmp(perm, "customers.bank") || !strcmp(perm, "customers.export")))
        return false;
    return role_allows(a->user.role, perm);
}

static enum err
check_permission(struct req *r, struct auth_ctx *a, const struct route *rt)
{
    const char *p = stage_marker(rt->perm);
    bool marker = !strcmp(p, PERM_SESSION) || !strcmp(p, PERM_MFA) ||
                  !strcmp(p, PERM_ENROLL) || !strcmp(p, PERM_ANY);
    if (a->token_id &&
        (marker || (rt->flags & (ROUTE_STEP_UP | ROUTE_NO_SUPPORT))))
        return err_fail(ERR_AUTH_FORBIDDEN,
                        "this needs a person signed in, not an API token");
    if (a->token_id) /* its scopes, and its creator's role today */
        return token_allows(a, p) && role_allows(a->token_role, p)
                   ? ERR_OK
                   : err_fail(ERR_AUTH_FORBIDDEN, "the token does not grant %s",
                              p);
    if (a->grant_access[0] &&
        (marker || rt->flags & ROUTE_NO_SUPPORT ||
         (strcmp(a->grant_access, "write") && strcmp(req_method(r), "GET") &&
          strcmp(req_method(r), "HEAD"))))
        return err_fail(ERR_AUTH_FORBIDDEN,
                        "not allowed under a %s support grant",
                        a->grant_access);
    if (!marker && !role_allows(a->user.role, p)) {
        auth_audit(r, a->st, NULL, "auth.denied", rt->pattern,
                   json_pack("{s:s, s:s, s:s}", "method", rt->method,
                             "permission", p, "role", a->user.role));
        return err_fail(ERR_AUTH_FORBIDDEN, "role %s lacks %s", a->user.role,
                        p);
    }
    if ((rt->flags & ROUTE_STEP_UP) &&
        auth_now() - a->sess.mfa_at > cfg.step_up_s)
        return err_fail(ERR_AUTH_STEP_UP, "enter a fresh one-time code (POST "
                                          "/api/v1/auth/step-up) and retry");
    return ERR_OK;
}

enum err
auth_authorize(struct req *r, const struct route *rt)
{
    struct auth_ctx *a = arena_alloc(req_arena(r), sizeof(*a));
    enum err rc = load_session(r, a, rt);
    if (!rc)
        rc = check_stage(rt->perm, a->sess.stage);
    if (!rc && !a->token_id) /* a bearer token involves no cookie */
        rc = check_csrf(r, &a->sess);
    if (rc)
        return rc;
    req_set_auth(r, a);
    if ((rc = check_permission(r, a, rt)))
        return rc;
    if (a->grant_access[0])
        grant_audit_access(r, a);
    else if (!a->token_id)
        session_touch(a->st, &a->sess, auth_now());
    return ERR_OK;
}
