/*
 * test_http_errors.c — every error path of the HTTP layer answers with a
 * problem+json document and never takes the server down.
 */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct server srv;

static int
setup(void **state)
{
    (void)state;
    server_up(&srv);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    server_down(&srv);
    return 0;
}

static void
test_unknown_api_route_is_404_problem(void **state)
{
    (void)state;
    struct http h;
    http_get(&srv, "/api/v1/no-such-thing", &h);
    assert_problem(&h, 404, "http.not_found");
    assert_non_null(http_header(&h, "x-request-id"));
    assert_string_equal(
        json_string_value(json_object_get(h.json, "request_id")),
        http_header(&h, "x-request-id"));
    http_free(&h);
}

static void
test_wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    struct http h;
    http_req(&srv, "DELETE", "/healthz", NULL, NULL, 0, &h);
    assert_problem(&h, 405, "http.method_not_allowed");
    assert_string_equal(http_header(&h, "allow"), "GET, HEAD");
    http_free(&h);
    http_req(&srv, "GET", "/api/v1/client-errors", NULL, NULL, 0, &h);
    assert_problem(&h, 405, "http.method_not_allowed");
    assert_string_equal(http_header(&h, "allow"), "POST");
    http_free(&h);
}

static void
test_malformed_json_is_400(void **state)
{
    (void)state;
    struct http h;
    const char *bad = "{\"message\": \"x\",";
    http_req(&srv, "POST", "/api/v1/client-errors", "application/json", bad,
             strlen(bad), &h);
    assert_problem(&h, 400, "http.malformed_json");
    assert_non_null(
        strstr(json_string_value(json_object_get(h.json, "detail")), "line 1"));
    http_free(&h);
}

static void
test_duplicate_keys_are_malformed(void **state)
{
    (void)state;
    struct http h;
    const char *dup = "{\"message\": \"a\", \"message\": \"b\"}";
    http_req(&srv, "POST", "/api/v1/client-errors", "application/json", dup,
             strlen(dup), &h);
    assert_problem(&h, 400, "http.malformed_json");
    http_free(&h);
}

static void
test_wrong_content_type_is_415(void **state)
{
    (void)state;
    struct http h;
    const char *body = "{\"message\": \"x\"}";
    http_req(&srv, "POST", "/api/v1/client-errors", "text/plain", body,
             strlen(body), &h);
    assert_problem(&h, 415, "http.unsupported_media_type");
    http_free(&h);
    http_req(&srv, "POST", "/api/v1/client-errors", NULL, body, strlen(body),
             &h);
    assert_int_equal(h.status, 415);
    http_free(&h);
    http_req(&srv, "POST", "/api/v1/client-errors",
             "application/json; charset=utf-8", body, strlen(body), &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
}

static void
test_oversized_body_is_413(void **state)
{
    (void)state;
    /* the route's own limit is 16 KiB: 20 KiB with Content-Length */
    size_t n = 20 * 1024;
    char *big = malloc(n);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    struct http h;
    http_req(&srv, "POST", "/api/v1/client-errors", "application/json", big, n,
             &h);
    assert_problem(&h, 413, "http.body_too_large");
    http_free(&h);
    free(big);
}

static void
test_oversized_chunked_body_is_413(void **state)
{
    (void)state;
    /* no Content-Length: the limit must hold while the body streams in */
    char head[] = "POST /api/v1/client-errors HTTP/1.1\r\nHost: t\r\n"
                  "Content-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n";
    size_t chunk = 4096, count = 8;
    size_t cap = sizeof(head) + count * (chunk + 16) + 16;
    char *req = malloc(cap);
    size_t n = (size_t)snprintf(req, cap, "%s", head);
    for (size_t i = 0; i < count; i++) {
        n += (size_t)snprintf(req + n, cap - n, "%zx\r\n", chunk);
        memset(req + n, ' ', chunk);
        n += chunk;
        n += (size_t)snprintf(req + n, cap - n, "\r\n");
    }
    n += (size_t)snprintf(req + n, cap - n, "0\r\n\r\n");
    char out[4096];
    raw_exchange(srv.port, req, n, out, sizeof(out), 3000);
    free(req);
    assert_non_null(strstr(out, "413"));
    assert_non_null(strstr(out, "http.body_too_large"));
}

static void
test_invalid_fields_are_422_with_errors(void **state)
{
    (void)state;
    struct http h;
    const char *body = "{\"message\": \"\", \"line\": -1, \"extra\": true}";
    http_req(&srv, "POST", "/api/v1/client-errors", "application/json", body,
             strlen(body), &h);
    assert_problem(&h, 422, "invalid");
    json_t *errs = json_object_get(h.json, "errors");
    assert_int_equal(json_array_size(errs), 3);
    int seen = 0;
    for (size_t i = 0; i < json_array_size(errs); i++) {
        json_t *e = json_array_get(errs, i);
        const char *f = json_string_value(json_object_get(e, "field"));
        const char *m = json_string_value(json_object_get(e, "message"));
        assert_non_null(m);
        assert_true(has_japanese(m));
        seen |= strcmp(f, "message") == 0 ? 1
                : strcmp(f, "line") == 0  ? 2
                : strcmp(f, "extra") == 0 ? 4
                                          : 0;
    }
    assert_int_equal(seen, 7);
    http_free(&h);
}

static void
test_json_array_body_is_422(void **state)
{
    (void)state;
    struct http h;
    http_req(&srv, "POST", "/api/v1/client-errors", "application/json", "[]", 2,
             &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
}

static void
test_bad_paths_are_400(void **state)
{
    (void)state;
    static const char *const paths[] = {"/api/v1/%zz", "/api/v1/a%00b",
                                        "/api/v1/%ff", "/api//v1"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct http h;
        http_get(&srv, paths[i], &h);
        assert_problem(&h, 400, "http.bad_path");
        http_free(&h);
    }
}

static void
test_garbage_request_does_not_crash(void **state)
{
    (void)state;
    static const char *const junk[] = {
        "GARBAGE\r\n\r\n",
        "GET /healthz HTTP/9.9\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nBad Header Line\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS hello */
        ("POST /api/v1/client-errors HTTP/1.1\r\nHost: t\r\n"
         "Content-Length: -5\r\n\r\n"),
    };
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        char out[2048];
        raw_exchange(srv.port, junk[i], strlen(junk[i]), out, sizeof(out),
                     2000);
        assert_null(strstr(out, " 200 "));
    }
    struct http h;
    http_get(&srv, "/healthz", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
}

static void
test_oversized_headers_are_refused(void **state)
{
    (void)state;
    size_t n = 100 * 1024; /* over the 64 KiB connection memory */
    char *req = malloc(n + 128);
    size_t k = (size_t)snprintf(req, n + 128,
                                "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ");
    memset(req + k, 'a', n);
    k += n;
    k += (size_t)snprintf(req + k, 128, "\r\n\r\n");
    char out[2048];
    raw_exchange(srv.port, req, k, out, sizeof(out), 3000);
    free(req);
    assert_null(strstr(out, " 200 "));
    assert_true(server_alive(&srv));
}

static void
test_health_ready_meta(void **state)
{
    (void)state;
    struct http h;
    http_get(&srv, "/healthz", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(json_string_value(json_object_get(h.json, "status")),
                        "ok");
    http_free(&h);
    http_get(&srv, "/readyz", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(json_string_value(json_object_get(h.json, "status")),
                        "ready");
    http_free(&h);
    http_get(&srv, "/api/v1/meta", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(json_string_value(json_object_get(h.json, "name")),
                        "pilotlight");
    assert_int_equal(
        strlen(json_string_value(json_object_get(h.json, "date_jst"))), 10);
    assert_string_equal(http_header(&h, "cache-control"), "no-store");
    http_free(&h);
}

static void
test_metrics_count_requests_by_route_and_status(void **state)
{
    (void)state;
    struct http h;
    http_get(&srv, "/api/v1/definitely-missing", &h);
    http_free(&h);
    http_get(&srv, "/metrics", &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(http_header(&h, "content-type"), "text/plain"));
    assert_non_null(strstr(h.body, "pilotlight_http_requests_total{method=\""
                                   "GET\",route=\"/healthz\",status=\"200\"}"));
    assert_non_null(strstr(h.body, "route=\"unmatched\",status=\"404\"}"));
    assert_non_null(
        strstr(h.body, "pilotlight_http_request_duration_seconds_bucket{"));
    assert_non_null(strstr(h.body, "pilotlight_tenant_stores_open "));
    assert_non_null(strstr(h.body, "pilotlight_build_info{version=\""));
    http_free(&h);
}

static void
test_client_error_report_is_logged(void **state)
{
    (void)state;
    struct http h;
    const char *body = "{\"message\": \"TypeError: x is undefined\\n  at "
                       "render\", \"page\": \"/#/customers\", \"line\": 12}";
    http_req(&srv, "POST", "/api/v1/client-errors", "application/json", body,
             strlen(body), &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
    char *log = slurp(srv.log);
    assert_non_null(strstr(log, "\"event\":\"client.error\""));
    assert_non_null(strstr(log, "TypeError: x is undefined\\n  at render"));
    assert_non_null(strstr(log, "\"line\":12"));
    assert_null(strstr(log, "\"column\":")); /* absent stays absent */
    free(log);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_api_route_is_404_problem),
        cmocka_unit_test(test_wrong_method_is_405_with_allow),
        cmocka_unit_test(test_malformed_json_is_400),
        cmocka_unit_test(test_duplicate_keys_are_malformed),
        cmocka_unit_test(test_wrong_content_type_is_415),
        cmocka_unit_test(test_oversized_body_is_413),
        cmocka_unit_test(test_oversized_chunked_body_is_413),
        cmocka_unit_test(test_invalid_fields_are_422_with_errors),
        cmocka_unit_test(test_json_array_body_is_422),
        cmocka_unit_test(test_bad_paths_are_400),
        cmocka_unit_test(test_garbage_request_does_not_crash),
        cmocka_unit_test(test_oversized_headers_are_refused),
        cmocka_unit_test(test_health_ready_meta),
        cmocka_unit_test(test_metrics_count_requests_by_route_and_status),
        cmocka_unit_test(test_client_error_report_is_logged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
