/*
 * router.h — match a decoded path against the route tables.
 *
 * Paths are split at '/', and each segment is percent-decoded on its own. A
 * segment that decodes to "." or "..", or holds an encoded slash ("%2F"), a
 * NUL, a backslash, a control character or invalid UTF-8 is refused (400),
 * so no encoding can change the path's shape. An empty
 * segment is allowed only at the end ("/" and "/api/v1/x/").
 *
 * Matching is by segment: literal segments compare exactly, "{name}" takes
 * any one segment. A path that matches some route with another method gets
 * 405 with the Allow list; one that matches none gets 404.
 */
#ifndef PL_HTTP_ROUTER_H
#define PL_HTTP_ROUTER_H

#include "core/err.h"
#include "http/http.h"

#include <stddef.h>

#define ROUTER_MAX_SEGS   32
#define ROUTER_MAX_PARAMS 8
#define ROUTER_MAX_PATH   2048

struct arena;
struct router;

struct router_match {
    const struct route *route; /* NULL when no route matched */
    int index;                 /* route's index in the router, -1 if none */
    size_t nparams;
    const char *names[ROUTER_MAX_PARAMS];
    const char *values[ROUTER_MAX_PARAMS];
    char allow[96]; /* for 405: "GET, HEAD, POST" */
};

/* An empty router. Owned by the caller; router_free(). */
struct router *router_new(void);
void router_free(struct router *rt);
/* Add every route of a table (ended by ROUTES_END). Aborts on a malformed
 * pattern: route tables are code, so that is a start-up bug. */
void router_add(struct router *rt, const struct route *table);
/* Number of routes, and route i (for metrics labels). */
size_t router_count(const struct router *rt);
const struct route *router_get(const struct router *rt, size_t i);

/*
 * Split the path part of a raw URI (up to '?') into decoded segments in the
 * arena. ERR_HTTP_BAD_PATH (with detail) when it cannot be decoded safely.
 */
enum err router_split(struct arena *a, const char *raw_uri, char ***segs,
                      size_t *nsegs);
/*
 * Find the route for method and segments. ERR_OK with m->route set;
 * ERR_HTTP_METHOD with m->allow; ERR_HTTP_NOT_FOUND.
 */
enum err router_match(const struct router *rt, const char *method, char **segs,
                      size_t nsegs, struct router_match *m);

#endif
