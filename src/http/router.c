/*
 * router.c — path decoding and segment matching over the route tables.
 *
 * Routes are kept in registration order and matched linearly: a few hundred
 * routes cost well under a microsecond, and order makes precedence obvious
 * (a literal route registered before a {param} one at the same place wins).
 */
#include "core/arena.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "http/router.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct compiled {
    const struct route *route;
    size_t nsegs;
    char *segs[ROUTER_MAX_SEGS]; /* literal text, or the name of a param */
    bool param[ROUTER_MAX_SEGS];
};

struct router {
    struct compiled *routes;
    size_t n, cap;
};

struct router *
router_new(void)
{
    return xcalloc(1, sizeof(struct router));
}

void
router_free(struct router *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n; i++)
        for (size_t k = 0; k < rt->routes[i].nsegs; k++)
            free(rt->routes[i].segs[k]);
    free(rt->routes);
    free(rt);
}

static void
compile(struct compiled *c, const struct route *r)
{
    const char *p = r->pattern;
    if (p[0] != '/') {
        fprintf(stderr, "route pattern must start with '/': %s\n", p);
        abort();
    }
    c->route = r;
    c->nsegs = 0;
    size_t nparams = 0;
    p++;
    while (1) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (c->nsegs == ROUTER_MAX_SEGS) {
            fprintf(stderr, "route pattern too deep: %s\n", r->pattern);
            abort();
        }
        bool is_param = len > 2 && p[0] == '{' && p[len - 1] == '}';
        c->param[c->nsegs] = is_param;
        c->segs[c->nsegs++] =
            is_param ? xstrndup(p + 1, len - 2) : xstrndup(p, len);
        if (is_param && ++nparams > ROUTER_MAX_PARAMS) {
            fprintf(stderr, "too many parameters: %s\n", r->pattern);
            abort();
        }
        if (!end)
            break;
        p = end + 1;
    }
}

void
router_add(struct router *rt, const struct route *table)
{
    for (const struct route *r = table; r->method; r++) {
        if (rt->n == rt->cap) {
            rt->cap = rt->cap ? rt->cap * 2 : 32;
            rt->routes = xrealloc(rt->routes, rt->cap * sizeof(*rt->routes));
        }
        compile(&rt->routes[rt->n++], r);
    }
}

size_t
router_count(const struct router *rt)
{
    return rt->n;
}

const struct route *
router_get(const struct router *rt, size_t i)
{
    return i < rt->n ? rt->routes[i].route : NULL;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode [p, p+len) into the arena; NULL when malformed or unsafe. */
static char *
decode_segment(struct arena *a, const char *p, size_t len, const char **why)
{
    char *out = arena_alloc(a, len + 1);
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '%') {
            int hi = i + 2 < len ? hexval(p[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(p[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return *why = "bad percent-encoding", NULL;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (c < 0x20 || c == 0x7F || c == '\\' || c == '/')
            return *why = "control character, slash or backslash in a segment",
                   NULL;
        out[j++] = (char)c;
    }
    out[j] = '\0';
    if (utf8_chars(out) == SIZE_MAX)
        return *why = "invalid UTF-8", NULL;
    if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        return *why = "dot segment", NULL;
    return out;
}

enum err
router_split(struct arena *a, const char *raw, char ***segs, size_t *nsegs)
{
    size_t plen = strcspn(raw, "?#");
    if (raw[0] != '/')
        return err_fail(ERR_HTTP_BAD_PATH, "path must start with '/'");
    if (plen > ROUTER_MAX_PATH)
        return err_fail(ERR_HTTP_BAD_PATH, "path longer than %d bytes",
                        ROUTER_MAX_PATH);
    char **out = arena_alloc(a, sizeof(char *) * ROUTER_MAX_SEGS);
    size_t n = 0;
    const char *p = raw + 1, *stop = raw + plen;
    while (1) {
        const char *end = memchr(p, '/', (size_t)(stop - p));
        size_t len = end ? (size_t)(end - p) : (size_t)(stop - p);
        if (n == ROUTER_MAX_SEGS)
            return err_fail(ERR_HTTP_BAD_PATH, "more than %d path segments",
                            ROUTER_MAX_SEGS);
        if (len == 0 && end)
            return err_fail(ERR_HTTP_BAD_PATH, "empty path segment");
        const char *why = NULL;
        out[n] = decode_segment(a, p, len, &why);
        if (!out[n])
            return err_fail(ERR_HTTP_BAD_PATH, "segment %zu: %s", n + 1, why);
        n++;
        if (!end)
            break;
        p = end + 1;
    }
    *segs = out;
    *nsegs = n;
    return ERR_OK;
}

static bool
segs_match(const struct compiled *c, char **segs, size_t nsegs,
           struct router_match *m)
{
    if (c->nsegs != nsegs)
        return false;
    size_t np = 0;
    for (size_t i = 0; i < nsegs; i++) {
        if (c->param[i]) {
            if (!segs[i][0])
                return false; /* a parameter is never empty */
            m->names[np] = c->segs[i];
            m->values[np++] = segs[i];
        } else if (strcmp(c->segs[i], segs[i]) != 0) {
            return false;
        }
    }
    m->nparams = np;
    return true;
}

static void
allow_add(struct router_match *m, const char *method)
{
    if (strstr(m->allow, method))
        return;
    size_t len = strlen(m->allow);
    snprintf(m->allow + len, sizeof(m->allow) - len, "%s%s", len ? ", " : "",
             method);
}

enum err
router_match(const struct router *rt, const char *method, char **segs,
             size_t nsegs, struct router_match *m)
{
    memset(m, 0, sizeof(*m));
    m->index = -1;
    bool head = strcmp(method, "HEAD") == 0;
    for (size_t i = 0; i < rt->n; i++) {
        const struct compiled *c = &rt->routes[i];
        struct router_match tmp;
        memset(&tmp, 0, sizeof(tmp));
        if (!segs_match(c, segs, nsegs, &tmp))
            continue;
        const char *rm = c->route->method;
        if (strcmp(rm, method) == 0 || (head && strcmp(rm, "GET") == 0)) {
            tmp.route = c->route;
            tmp.index = (int)i;
            *m = tmp;
            return ERR_OK;
        }
        allow_add(m, rm);
        if (strcmp(rm, "GET") == 0)
            allow_add(m, "HEAD");
    }
    if (m->allow[0])
        return err_fail(ERR_HTTP_METHOD, "%s is not allowed here (allowed: %s)",
                        method, m->allow);
    return err_fail(ERR_HTTP_NOT_FOUND, "no such resource");
}
