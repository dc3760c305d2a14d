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

struct route {
    const char *method;  /* "GET", "POST", …; GET also answers HEAD */
    const char *pattern; /* literal segments and {name} parameters */
    route_fn fn;
    size_t body_max;   /* request body limit in bytes; 0 = server default */
    const char *perm;  /* permission required; NULL = public */
    const char *audit; /* audit action written by this route, if any */
};

#define ROUTES_END                                                             \
    {                                                                          \
        NULL, NULL, NULL, 0, NULL, NULL                                        \
    }

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
/* The raw body (NUL-terminated) and its length. */
const char *req_body(const struct req *r, size_t *len);
/*
 * The body as JSON: ERR_HTTP_MEDIA_TYPE unless Content-Type is
 * application/json, ERR_HTTP_BAD_JSON when malformed, ERR_INVALID with a
 * field error when it is not an object. *out lives as long as the request.
 */
enum err req_json_object(struct req *r, json_t **out);
/* Move c's field errors onto the response and return ERR_INVALID. */
enum err req_invalid(struct req *r, struct jcheck *c);

/* Responses. The last one set wins. */
void resp_json(struct req *r, int status, json_t *body); /* steals body */
void resp_empty(struct req *r, int status);
void resp_bytes(struct req *r, int status, const char *content_type,
                const void *data, size_t len); /* copies data */
void resp_header(struct req *r, const char *name, const char *value);

#endif
