/*
 * http.h — what a module needs to serve HTTP: route tables, request
 * accessors, responses. libmicrohttpd stays behind this header (only
 * src/http/ includes microhttpd.h).
 *
 * A module declares a table of routes; each route names its method, path
 * pattern ("/api/v1/customers/{id}"), handler, body limit, the permission it
 * needs and the audit action it writes (used by the identity layer). The
 * handler validates, acts, and sets a response with resp_*(); or it returns
 * an enum err, which becomes an application/problem+json response (RFC 9457)
 * with the error's stable code, Japanese title, the err_detail() of a 4xx
 * error, and the field errors given to req_invalid().
 *
 * Everything a handler allocates comes from req_arena(): it is freed when
 * the response is done, whatever happens to the connection.
 */
#ifndef PL_HTTP_HTTP_H
#define PL_HTTP_HTTP_H

#include "core/err.h"
#include "core/json.h"

#include <stddef.h>

struct arena;
struct req;

typedef enum err (*route_fn)(struct req *r);

enum route_flags {
    ROUTE_STEP_UP = 1 << 0,    /* needs a TOTP entered in the last 5 min */
    ROUTE_NO_SUPPORT = 1 << 1, /* the tenant's own people only: never an
                                  operator under a grant, never a token */
};

struct route {
    const char *method;  /* "GET", "POST", …; GET also answers HEAD */
    const char *pattern; /* literal segments and {name} parameters */
    route_fn fn;
    size_t body_max;   /* request body limit in bytes; 0 = server default */
    const char *perm;  /* permission required; NULL = public (auth/roles.h) */
    const char *audit; /* audit action written by this route, if any */
    unsigned flags;    /* enum route_flags */
};

#define ROUTES_END                                                             \
    {                                                                          \
        NULL, NULL, NULL, 0, NULL, NULL, 0                                     \
    }

/*
 * The check run before every route with a perm: sign-in, stage, CSRF,
 * permission, step-up. Installed by the identity module at start-up; until
 * one is installed every non-public route is refused (deny by default).
 */
typedef enum err (*http_authorize_fn)(struct req *r, const struct route *rt);
void http_set_authorizer(http_authorize_fn fn);

/* Request accessors. Strings borrow from the request (arena). */
struct arena *req_arena(struct req *r);
const char *req_id(const struct req *r);
const char *req_method(const struct req *r);
/* A {name} path parameter, decoded; NULL if the pattern has no such name. */
const char *req_param(const struct req *r, const char *name);
/* A query-string value, decoded; NULL when absent. */
const char *req_query(struct req *r, const char *name);
/* A request header; NULL when absent. */
const char *req_header(struct req *r, const char *name);
/* The request path as received, without the query string. */
const char *req_path(struct req *r);
/* A cookie sent by the client; NULL when absent. */
const char *req_cookie(struct req *r, const char *name);
/* The client's address as text ("127.0.0.1", "::1"). */
const char *req_client_ip(struct req *r);
/* The authenticated context the authorizer attached (NULL when public). */
void *req_auth(const struct req *r);
void req_set_auth(struct req *r, void *ctx);
/* The raw body (NUL-terminated) and its length. */
const char *req_body(const struct req *r, size_t *len);
/*
 * The body as JSON: ERR_HTTP_MEDIA_TYPE unless Content-Type is
 * application/json, ERR_HTTP_BAD_JSON when malformed, ERR_INVALID with a
 * field error when it is not an object. *out lives as long as the request.
 */
enum err req_json_object(struct req *r, json_t **out);
/* A body that is exactly {"<key>": [1..max items]} (internal batches);
 * *list borrows from the request. what names an item in the Japanese
 * messages (イベント, 指針). */
enum err req_json_batch(struct req *r, const char *key, size_t max,
                        const char *what, json_t **list);
/* Move c's field errors onto the response and return ERR_INVALID. */
enum err req_invalid(struct req *r, struct jcheck *c);

/* Responses. The last one set wins. */
void resp_json(struct req *r, int status, json_t *body); /* steals body */
void resp_empty(struct req *r, int status);
void resp_bytes(struct req *r, int status, const char *content_type,
                const void *data, size_t len); /* copies data */
void resp_header(struct req *r, const char *name, const char *value);

#endif
