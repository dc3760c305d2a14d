/*
 * internal.h — the request as the HTTP layer sees it. Only src/http/.
 */
#ifndef PL_HTTP_INTERNAL_H
#define PL_HTTP_INTERNAL_H

#include "core/buf.h"
#include "http/http.h"
#include "http/router.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

struct server;

struct pending_header {
    struct pending_header *next;
    const char *name, *value;
};

struct req {
    struct arena *arena;
    struct server *srv;
    struct MHD_Connection *conn;
    char id[33];
    const char *raw_uri; /* exactly as received, query included */
    const char *method;
    struct router_match match;
    size_t body_max;
    struct buf body;
    uint64_t start_ns;
    bool started;
    bool queued;
    enum err early; /* error found with the headers, answered at the end */
    const char *early_detail;
    size_t discarded; /* body bytes dropped after the limit was passed */
    bool is_static;   /* no route matched a GET: try web/ */
    char **segs;      /* decoded path segments (for static files) */
    size_t nsegs;
    /* response being built */
    int status;
    struct MHD_Response *resp;
    json_t *field_errors;
    void *auth; /* set by the authorizer; lives in the arena */
    struct pending_header *headers; /* resp_header(), applied at queue */
    char ip[64];                    /* client address, filled on first use */
};

/* The problem+json document for e (new reference). detail is shown for
 * 4xx only; field_errors (may be NULL) becomes errors[]. */
json_t *problem_body(enum err e, const char *detail, json_t *field_errors,
                     const char *req_id);
/* Build the problem+json response for e on r (status from the error). */
void problem_respond(struct req *r, enum err e);
/* Serve a file under the web root for GET/HEAD of path segments. */
enum err static_serve(struct req *r, const char *web_root, char **segs,
                      size_t nsegs);
/* resp_json with another Content-Type (problem+json). */
void resp_json_typed(struct req *r, int status, json_t *body,
                     const char *ctype);
/* Add the headers given with resp_header(). */
void resp_apply_headers(struct req *r, struct MHD_Response *resp);
/* Add the headers every response carries. */
void resp_common_headers(struct req *r, struct MHD_Response *resp);

#endif
