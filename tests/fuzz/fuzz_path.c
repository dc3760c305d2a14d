/*
 * fuzz_path.c — libFuzzer target for src/http/router.c: the raw request URI
 * through router_split() and, when it splits, router_match() against a small
 * table with literal and {param} routes.
 *
 * Beyond "no crash, no leak" it checks what router.h promises of every
 * accepted path: at most ROUTER_MAX_SEGS segments, none holding '/', '\',
 * a control byte or invalid UTF-8, none "." or "..", only the last one empty;
 * and that a match's parameters are non-empty.
 */
#include "core/arena.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "http/router.h"

#include <string.h>

#include <stdint.h>
#include <stdlib.h>

static enum err
dummy(struct req *r)
{
    (void)r;
    return ERR_OK;
}

static const struct route fuzz_routes[] = {
    {"GET", "/", dummy, 0, NULL, NULL, 0},
    {"GET", "/api/v1/customers", dummy, 0, NULL, NULL, 0},
    {"POST", "/api/v1/customers", dummy, 0, NULL, NULL, 0},
    {"GET", "/api/v1/customers/{id}", dummy, 0, NULL, NULL, 0},
    {"PUT", "/api/v1/customers/{id}/readings/{rid}", dummy, 0, NULL, NULL, 0},
    {"GET", "/api/v1/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", dummy, 0, NULL, NULL, 0},
    ROUTES_END,
};

static void
check_segment(const char *s, bool last)
{
    if (!*s && !last)
        abort(); /* empty inner segment accepted */
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        abort();
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7F || *p == '/' || *p == '\\')
            abort();
    if (utf8_chars(s) == SIZE_MAX)
        abort();
}

static void
check_match(const struct router *rt, char **segs, size_t n)
{
    static const char *const methods[] = {"GET", "HEAD", "POST", "PUT"};
    for (size_t k = 0; k < sizeof(methods) / sizeof(methods[0]); k++) {
        struct router_match m;
        enum err rc = router_match(rt, methods[k], segs, n, &m);
        if (rc == ERR_OK) {
            if (!m.route || m.nparams > ROUTER_MAX_PARAMS)
                abort();
            for (size_t i = 0; i < m.nparams; i++)
                if (!m.values[i][0])
                    abort();
        } else if (rc == ERR_HTTP_METHOD) {
            if (m.route || !m.allow[0])
                abort();
        } else if (rc != ERR_HTTP_NOT_FOUND) {
            abort();
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct router *rt;
    if (!rt) {
        rt = router_new();
        router_add(rt, fuzz_routes);
    }
    char *uri = xmalloc(size + 1);
    memcpy(uri, data, size);
    uri[size] = '\0';
    struct arena *a = arena_new();
    char **segs = NULL;
    size_t n = 0;
    if (router_split(a, uri, &segs, &n) == ERR_OK) {
        if (n == 0 || n > ROUTER_MAX_SEGS)
            abort();
        for (size_t i = 0; i < n; i++)
            check_segment(segs[i], i + 1 == n);
        check_match(rt, segs, n);
    }
    arena_free(a);
    free(uri);
    return 0;
}
