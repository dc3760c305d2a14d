/*
 * auth_http.c — the authorizer: cookie → tenant store → session → user →
 * stage → CSRF → permission → step-up, in that order, deny by default.
 */
#include "audit/audit.h"
#include "auth/auth.h"
#include "auth/roles.h"
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
cookie_name(void)
{
    return cfg.secure_cookies ? "__Host-pl_session" : "pl_session";
}

void
auth_set_cookie(struct req *r, int64_t tenant_id, const char *token)
{
    char v[256];
    const char *secure = cfg.secure_cookies ? "; Secure" : "";
    if (token)
        snprintf(v, sizeof(v),
                 "%s=%" PRId64 ".%s; Path=/; HttpOnly; "
                 "SameSite=Strict; Max-Age=%" PRId64 "%s",
                 cookie_name(), tenant_id, token, cfg.absolute_s, secure);
    else
        snprintf(v, sizeof(v),
                 "%s=; Path=/; HttpOnly; SameSite=Strict; "
                 "Max-Age=0%s",
                 cookie_name(), secure);
    resp_header(r, "Set-Cookie", v);
}

void
auth_audit(struct req *r, struct store *st, const char *actor,
           const char *action, const char *target, json_t *detail)
{
    struct auth_ctx *a = auth_ctx(r);
    char who[48];
    if (!actor && a)
        snprintf(who, sizeof(who), "user:%" PRId64, a->user.id);
    char *text =
        detail ? json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(detail);
    struct audit_entry e = {actor ? actor : (a ? who : "anonymous"),
                            action,
                            target,
                            text,
                            req_client_ip(r),
                            req_header(r, "User-Agent")};
    enum err rc = store_tx_begin(st);
    if (!rc && !(rc = audit_append(st, &e)))
        rc = store_tx_commit(st);
    if (rc) {
        store_tx_rollback(st);
        log_msg(LOG_ERROR, "audit.write_failed", "%s: %s", action,
                err_detail());
    }
    free(text);
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

/* Stage gate: which session stages a route's perm accepts. */
static enum err
check_stage(const char *perm, const char *stage)
{
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

static enum err
load_session(struct req *r, struct auth_ctx *a)
{
    int64_t tid;
    const char *token;
    if (!parse_cookie(req_cookie(r, cookie_name()), &tid, &token))
        return err_fail(ERR_AUTH_REQUIRED, "no session");
    enum err rc = pool_tenant(tid, &a->st);
    if (rc == ERR_TENANT_NOT_FOUND)
        return err_fail(ERR_AUTH_REQUIRED, "no session");
    if (!rc)
        rc = session_find(a->st, token, auth_now(), cfg.idle_s, &a->sess);
    if (!rc)
        rc = user_find_id(a->st, a->sess.user_id, &a->user);
    if (rc == ERR_AUTH_USER_NOT_FOUND ||
        (!rc && strcmp(a->user.status, "active") != 0))
        return err_fail(ERR_AUTH_REQUIRED, "user no longer active");
    struct store *platform;
    if (!rc && !(rc = pool_platform(&platform)))
        rc = tenant_find_id(platform, tid, &a->tenant);
    return rc;
}

static enum err
check_permission(struct req *r, struct auth_ctx *a, const struct route *rt)
{
    const char *p = rt->perm;
    bool marker = !strcmp(p, PERM_SESSION) || !strcmp(p, PERM_MFA) ||
                  !strcmp(p, PERM_ENROLL) || !strcmp(p, PERM_ANY);
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
    enum err rc = load_session(r, a);
    if (!rc)
        rc = check_stage(rt->perm, a->sess.stage);
    if (!rc)
        rc = check_csrf(r, &a->sess);
    if (rc)
        return rc;
    req_set_auth(r, a);
    if ((rc = check_permission(r, a, rt)))
        return rc;
    session_touch(a->st, &a->sess, auth_now());
    return ERR_OK;
}
