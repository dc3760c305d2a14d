/*
 * test_router.c — tests src/http/router.c: splitting a raw URI into decoded
 * segments (router_split) and matching them against route tables
 * (router_match).
 *
 * router_split is the security boundary for paths: each segment is decoded
 * on its own and refused when it could change the path's meaning — a decoded
 * '/' or '\', ".", "..", NUL or control bytes, invalid UTF-8, malformed
 * percent escapes, empty inner segments, too many segments or too long a
 * path. router_match: literal and {param} segments, 405 with an Allow list
 * (GET implies HEAD), HEAD served by GET routes, 404 otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"
#include "http/router.h"

#include <stdio.h>
#include <string.h>

static enum err
dummy(struct req *r)
{
    (void)r;
    return ERR_OK;
}

static const struct route routes[] = {
    {"GET", "/", dummy, 0, NULL, NULL, 0},
    {"GET", "/healthz", dummy, 0, NULL, NULL, 0},
    {"GET", "/api/v1/customers", dummy, 0, NULL, NULL, 0},
    {"POST", "/api/v1/customers", dummy, 0, NULL, NULL, 0},
    {"GET", "/api/v1/customers/export", dummy, 0, NULL, NULL, 0},
    {"GET", "/api/v1/customers/{id}", dummy, 0, NULL, NULL, 0},
    {"PUT", "/api/v1/customers/{id}", dummy, 0, NULL, NULL, 0},
    {"DELETE", "/api/v1/customers/{id}/readings/{rid}", dummy, 0, NULL, NULL,
     0},
    ROUTES_END,
};

struct fixture {
    struct arena *a;
    struct router *rt;
};

static int
setup(void **state)
{
    static struct fixture f;
    f.a = arena_new();
    f.rt = router_new();
    router_add(f.rt, routes);
    err_clear();
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    router_free(f->rt);
    arena_free(f->a);
    return 0;
}

/* Split uri; on success also match method. */
static enum err
lookup(struct fixture *f, const char *method, const char *uri,
       struct router_match *m)
{
    char **segs;
    size_t n;
    enum err rc = router_split(f->a, uri, &segs, &n);
    if (rc)
        return rc;
    return router_match(f->rt, method, segs, n, m);
}

/* Split uri, which must succeed, into segs joined by '|'. */
static void
assert_split(struct fixture *f, const char *uri, const char *want)
{
    char **segs;
    size_t n;
    enum err rc = router_split(f->a, uri, &segs, &n);
    if (rc)
        fail_msg("%s: refused (%s)", uri, err_detail());
    char got[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof(got); i++)
        len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s",
                                i ? "|" : "", segs[i]);
    assert_string_equal(got, want);
}

static void
assert_refused(struct fixture *f, const char *uri)
{
    char **segs = NULL;
    size_t n = 0;
    err_clear();
    enum err rc = router_split(f->a, uri, &segs, &n);
    if (rc != ERR_HTTP_BAD_PATH)
        fail_msg("%s: got %d, want ERR_HTTP_BAD_PATH", uri, (int)rc);
    assert_true(strlen(err_detail()) > 0);
}

static void
test_split_decodes_each_segment(void **state)
{
    struct fixture *f = *state;
    assert_split(f, "/api/v1/customers", "api|v1|customers");
    assert_split(f, "/a%41/%e3%82%ac%E3%82%B9", "aA|ガス");
    assert_split(f, "/ガス/x", "ガス|x"); /* raw UTF-8 is fine */
    assert_split(f, "/a+b/%20", "a+b| "); /* '+' is not a space in paths */
    assert_split(f, "/.../.a/a.", "...|.a|a.");
}

static void
test_split_keeps_trailing_slash_as_empty_segment(void **state)
{
    struct fixture *f = *state;
    assert_split(f, "/a/", "a|");
    assert_split(f, "/", "");
}

static void
test_split_ignores_query_and_fragment(void **state)
{
    struct fixture *f = *state;
    assert_split(f, "/a/b?x=1/../%zz", "a|b");
    assert_split(f, "/a?", "a");
    assert_split(f, "/a#frag/..", "a");
}

static void
test_split_refuses_encoded_slash_and_backslash(void **state)
{
    struct fixture *f = *state;
    /* The code refuses a decoded '/' outright (router.h's comment says it
     * "stays inside its segment"); either way it never makes a new one. */
    assert_refused(f, "/a%2Fb");
    assert_refused(f, "/a%2fb");
    assert_refused(f, "/a\\b");
    assert_refused(f, "/a%5Cb");
    assert_refused(f, "/a%5cb");
}

static void
test_split_refuses_dot_segments(void **state)
{
    struct fixture *f = *state;
    assert_refused(f, "/.");
    assert_refused(f, "/..");
    assert_refused(f, "/a/../b");
    assert_refused(f, "/a/./b");
    assert_refused(f, "/%2e%2e/etc");
    assert_refused(f, "/%2E%2E");
    assert_refused(f, "/%2e");
    assert_refused(f, "/.%2e/x");
}

static void
test_split_refuses_bad_percent_encoding(void **state)
{
    struct fixture *f = *state;
    assert_refused(f, "/%zz");
    assert_refused(f, "/%4");
    assert_refused(f, "/%");
    assert_refused(f, "/a%4g");
    assert_refused(f, "/%%41");
    assert_refused(f, "/%4/b"); /* the escape may not borrow the '/' */
}

static void
test_split_refuses_nul_and_control_bytes(void **state)
{
    struct fixture *f = *state;
    assert_refused(f, "/a%00b");
    assert_refused(f, "/%00");
    assert_refused(f, "/a%0Ab");
    assert_refused(f, "/a%7Fb");
    assert_refused(f, "/a\x01z");
    assert_refused(f, "/a\tz");
}

static void
test_split_refuses_invalid_utf8(void **state)
{
    struct fixture *f = *state;
    assert_refused(f, "/%ff");
    assert_refused(f, "/%e3%82");
    assert_refused(f, "/%80abc");
    assert_refused(f, "/a\xff");
}

static void
test_split_refuses_empty_inner_segment(void **state)
{
    struct fixture *f = *state;
    assert_refused(f, "//");
    assert_refused(f, "/a//b");
    assert_refused(f, "//a");
}

static void
test_split_refuses_path_not_starting_with_slash(void **state)
{
    struct fixture *f = *state;
    assert_refused(f, "");
    assert_refused(f, "a/b");
    assert_refused(f, "*");
    assert_refused(f, "?x=/");
    assert_refused(f, "http://host/a");
}

static void
test_split_allows_32_segments_refuses_33(void **state)
{
    struct fixture *f = *state;
    char uri[128] = "";
    size_t len = 0;
    for (int i = 0; i < 32; i++)
        len += (size_t)snprintf(uri + len, sizeof(uri) - len, "/s");
    char **segs;
    size_t n;
    assert_int_equal(router_split(f->a, uri, &segs, &n), ERR_OK);
    assert_int_equal(n, 32);
    snprintf(uri + len, sizeof(uri) - len, "/s");
    assert_refused(f, uri);
    /* A trailing slash makes an empty 33rd segment: also too many. */
    snprintf(uri + len, sizeof(uri) - len, "/");
    assert_refused(f, uri);
}

static void
test_split_allows_2048_byte_path_refuses_2049(void **state)
{
    struct fixture *f = *state;
    static char uri[ROUTER_MAX_PATH + 64];
    memset(uri, 'a', ROUTER_MAX_PATH);
    uri[0] = '/';
    uri[ROUTER_MAX_PATH] = '\0';
    char **segs;
    size_t n;
    assert_int_equal(router_split(f->a, uri, &segs, &n), ERR_OK);
    assert_int_equal(strlen(segs[0]), ROUTER_MAX_PATH - 1);
    /* A long query string does not count against the path. */
    memset(uri + ROUTER_MAX_PATH, 'q', 40);
    uri[ROUTER_MAX_PATH] = '?';
    uri[ROUTER_MAX_PATH + 40] = '\0';
    assert_int_equal(router_split(f->a, uri, &segs, &n), ERR_OK);
    uri[ROUTER_MAX_PATH] = 'a';
    uri[ROUTER_MAX_PATH + 1] = '\0';
    assert_refused(f, uri);
}

static void
test_match_literal_route(void **state)
{
    struct fixture *f = *state;
    struct router_match m;
    assert_int_equal(lookup(f, "GET", "/healthz", &m), ERR_OK);
    assert_ptr_equal(m.route, &routes[1]);
    assert_int_equal(m.index, 1);
    assert_int_equal(m.nparams, 0);
    assert_int_equal(lookup(f, "GET", "/", &m), ERR_OK);
    assert_ptr_equal(m.route, &routes[0]);
    assert_int_equal(router_count(f->rt), 8);
    assert_ptr_equal(router_get(f->rt, 4), &routes[4]);
    assert_null(router_get(f->rt, 8));
}

static void
test_match_literal_registered_first_wins_over_param(void **state)
{
    struct fixture *f = *state;
    struct router_match m;
    assert_int_equal(lookup(f, "GET", "/api/v1/customers/export", &m), ERR_OK);
    assert_ptr_equal(m.route, &routes[4]);
    assert_int_equal(m.nparams, 0);
}

static void
test_match_captures_params(void **state)
{
    struct fixture *f = *state;
    struct router_match m;
    assert_int_equal(lookup(f, "GET", "/api/v1/customers/42", &m), ERR_OK);
    assert_ptr_equal(m.route, &routes[5]);
    assert_int_equal(m.nparams, 1);
    assert_string_equal(m.names[0], "id");
    assert_string_equal(m.values[0], "42");
    assert_int_equal(
        lookup(f, "DELETE", "/api/v1/customers/c%2D7/readings/r9", &m), ERR_OK);
    assert_int_equal(m.nparams, 2);
    assert_string_equal(m.names[0], "id");
    assert_string_equal(m.values[0], "c-7");
    assert_string_equal(m.names[1], "rid");
    assert_string_equal(m.values[1], "r9");
}

static void
test_match_param_never_takes_empty_segment(void **state)
{
    struct fixture *f = *state;
    struct router_match m;
    assert_int_equal(lookup(f, "GET", "/api/v1/customers/", &m),
                     ERR_HTTP_NOT_FOUND);
    assert_null(m.route);
}

static void
test_match_other_method_is_405_with_allow(void **state)
{
    struct fixture *f = *state;
    struct router_match m;
    assert_int_equal(lookup(f, "DELETE", "/api/v1/customers", &m),
                     ERR_HTTP_METHOD);
    assert_null(m.route);
    assert_int_equal(m.index, -1);
    assert_string_equal(m.allow, "GET, HEAD, POST");
    assert_int_equal(lookup(f, "POST", "/api/v1/customers/7", &m),
                     ERR_HTTP_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, PUT");
    assert_int_equal(lookup(f, "POST", "/healthz", &m), ERR_HTTP_METHOD);
    assert_string_equal(m.allow, "GET, HEAD");
    assert_int_equal(lookup(f, "GET", "/api/v1/customers/1/readings/2", &m),
                     ERR_HTTP_METHOD);
    assert_string_equal(m.allow, "DELETE");
}

static void
test_match_head_is_served_by_get(void **state)
{
    struct fixture *f = *state;
    struct router_match m;
    assert_int_equal(lookup(f, "HEAD", "/api/v1/customers/9", &m), ERR_OK);
    assert_ptr_equal(m.route, &routes[5]);
    assert_string_equal(m.values[0], "9");
    /* But not by other methods. */
    assert_int_equal(lookup(f, "HEAD", "/api/v1/customers/1/readings/2", &m),
                     ERR_HTTP_METHOD);
}

static void
test_match_unknown_path_is_404(void **state)
{
    struct fixture *f = *state;
    struct router_match m;
    assert_int_equal(lookup(f, "GET", "/nope", &m), ERR_HTTP_NOT_FOUND);
    assert_null(m.route);
    assert_int_equal(m.index, -1);
    assert_string_equal(m.allow, "");
    assert_int_equal(lookup(f, "GET", "/healthz/", &m), ERR_HTTP_NOT_FOUND);
    assert_int_equal(lookup(f, "GET", "/HEALTHZ", &m), ERR_HTTP_NOT_FOUND);
    assert_int_equal(lookup(f, "GET", "/api/v1", &m), ERR_HTTP_NOT_FOUND);
    assert_int_equal(lookup(f, "get", "/healthz", &m), ERR_HTTP_METHOD);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_split_decodes_each_segment),
        T(test_split_keeps_trailing_slash_as_empty_segment),
        T(test_split_ignores_query_and_fragment),
        T(test_split_refuses_encoded_slash_and_backslash),
        T(test_split_refuses_dot_segments),
        T(test_split_refuses_bad_percent_encoding),
        T(test_split_refuses_nul_and_control_bytes),
        T(test_split_refuses_invalid_utf8),
        T(test_split_refuses_empty_inner_segment),
        T(test_split_refuses_path_not_starting_with_slash),
        T(test_split_allows_32_segments_refuses_33),
        T(test_split_allows_2048_byte_path_refuses_2049),
        T(test_match_literal_route),
        T(test_match_literal_registered_first_wins_over_param),
        T(test_match_captures_params),
        T(test_match_param_never_takes_empty_segment),
        T(test_match_other_method_is_405_with_allow),
        T(test_match_head_is_served_by_get),
        T(test_match_unknown_path_is_404),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
