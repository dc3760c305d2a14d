/*
 * auth.h — identity and access for HTTP: configuration, the authorizer
 * every non-public route passes, and the context it leaves on the request.
 *
 * The session cookie holds "<tenant id>.<token>": the id picks the one
 * tenant store the request may open, the token (256 random bits, stored
 * only hashed) picks the session in it. A cookie naming another tenant's id
 * finds no session there, so no request can reach another tenant's data.
 */
#ifndef PL_AUTH_AUTH_H
#define PL_AUTH_AUTH_H

#include "auth/users.h"
#include "core/err.h"
#include "core/json.h"
#include "tenants/tenants.h"

#include <stdbool.h>
#include <stdint.h>

struct req;
struct route;
struct store;

struct auth_config {
    bool secure_cookies; /* TLS in front: __Host- prefix and Secure */
    int64_t idle_s;      /* session idle timeout */
    int64_t absolute_s;  /* session absolute lifetime */
    int64_t step_up_s;   /* how fresh a TOTP must be for ROUTE_STEP_UP */
    unsigned hash_slots; /* concurrent Argon2id computations */
};

/*
 * What an authenticated request carries (req_auth()). Three kinds:
 *   a tenant user      st = the tenant's store, user = the user
 *   an operator        operator = true, st = the platform store, user = the
 *                      operator (platform users), tenant.code = "op"
 *   support access     an operator acting in a tenant under a support grant:
 *                      st = the tenant's store, user.role = "admin" with
 *                      grant_access "read" (GET only) or "write"
 */
struct auth_ctx {
    struct tenant tenant;
    struct store *st; /* the store this request works in */
    struct user user;
    struct session sess;
    bool operator;        /* the signed-in person is a platform operator */
    char grant_access[8]; /* "read"/"write" under a support grant, or "" */
    int64_t grant_id;
    char actor[96];        /* for audit: "user:12", "operator:3:alice" */
    int64_t token_id;      /* an API token's request: its id, else 0 */
    char token_perms[512]; /* the token's permissions (JSON array) */
    char token_role[16];   /* its creator's role at the time of use */
};

/* Install config and the authorizer; call once at start-up. */
void auth_configure(const struct auth_config *c);
const struct auth_config *auth_config(void);
/* The authorizer (http_authorize_fn). */
enum err auth_authorize(struct req *r, const struct route *rt);
/* The context of an authorized request (never NULL inside a route with a
 * perm). */
struct auth_ctx *auth_ctx(struct req *r);
/* Set the session cookie for tenant_id/token, or clear it (token NULL).
 * max_age_s is the session's absolute lifetime (ignored when clearing). */
void auth_set_cookie(struct req *r, int64_t tenant_id, const char *token,
                     int64_t max_age_s);
/* The session timeouts for st: the tenant's own (settings
 * session.idle_minutes, session.max_hours) within bounds, else the
 * server's (--session-idle, --session-max). Operators get the server's. */
void auth_session_limits(struct store *st, bool tenant, int64_t *idle_s,
                         int64_t *absolute_s);
/* Unix time now (seconds). */
int64_t auth_now(void);
/* True when the request's user (or API token, within its scopes) holds
 * perm; for a finer decision inside a route (e.g. whether a response may
 * show bank details). Support access under a grant holds only what the
 * tenant's own people are not refused: nothing marked personal-financial
 * (customers.bank, customers.export). */
bool auth_allows(const struct auth_ctx *a, const char *perm);
/* Append an audit entry for this request (IP and user agent from the
 * request). Inside the caller's open transaction when there is one — so
 * the change and its entry commit or fail together — else in its own.
 * actor may be NULL for the context's user. Takes detail. */
enum err auth_audit(struct req *r, struct store *st, const char *actor,
                    const char *action, const char *target, json_t *detail);

#endif
