/*
 * test_static.c — the console's files are served with the right types and
 * caching headers, and nothing outside web/ can be reached: dot segments in
 * any encoding, hidden files, directories and symlinks that lead out.
 */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static struct server srv;
static char web[400];

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    snprintf(web, sizeof(web), "%s/web", srv.dir);
    char sub[500], outside[500], link[600];
    mkdir(web, 0755);
    snprintf(sub, sizeof(sub), "%s/css", web);
    mkdir(sub, 0755);
    write_file(web, "index.html", "<!doctype html><title>ok</title>");
    write_file(web, "app.js", "export const x = 1;\n");
    write_file(sub, "app.css", "body{}\n");
    snprintf(sub, sizeof(sub), "%s/field", web);
    mkdir(sub, 0755);
    write_file(sub, "index.html", "<!doctype html><title>field</title>");
    write_file(web, ".env", "SECRET=1\n");
    snprintf(outside, sizeof(outside), "%s/outside.txt", srv.dir);
    write_file(srv.dir, "outside.txt", "TOP-SECRET-OUTSIDE\n");
    snprintf(link, sizeof(link), "%s/leak.txt", web);
    assert_int_equal(symlink(outside, link), 0);
    snprintf(link, sizeof(link), "%s/etc", web);
    assert_int_equal(symlink("/etc", link), 0);
    const char *extra[] = {"--web", web, NULL};
    server_start(&srv, extra);
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
test_index_is_served_with_csp(void **state)
{
    (void)state;
    struct http h;
    http_get(&srv, "/", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(h.body, "<!doctype html><title>ok</title>");
    assert_string_equal(http_header(&h, "content-type"),
                        "text/html; charset=utf-8");
    assert_non_null(strstr(http_header(&h, "content-security-policy"),
                           "script-src 'self'"));
    assert_string_equal(http_header(&h, "cache-control"), "no-cache");
    assert_non_null(http_header(&h, "etag"));
    http_free(&h);
    http_get(&srv, "/field/", &h); /* a folder's index.html */
    assert_int_equal(h.status, 200);
    assert_string_equal(h.body, "<!doctype html><title>field</title>");
    http_free(&h);
    http_get(&srv, "/field//", &h); /* an empty segment is still refused */
    assert_true(h.status == 400 || h.status == 404);
    http_free(&h);
}

static void
test_content_types(void **state)
{
    (void)state;
    struct http h;
    http_get(&srv, "/app.js", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "content-type"),
                        "text/javascript; charset=utf-8");
    http_free(&h);
    http_get(&srv, "/css/app.css", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "content-type"),
                        "text/css; charset=utf-8");
    http_free(&h);
}

static void
test_etag_revalidation_gives_304(void **state)
{
    (void)state;
    struct http h;
    http_get(&srv, "/app.js", &h);
    char etag[128];
    snprintf(etag, sizeof(etag), "%s", http_header(&h, "etag"));
    http_free(&h);
    char req[512], out[2048];
    int n = snprintf(req, sizeof(req),
                     "GET /app.js HTTP/1.1\r\nHost: t\r\nIf-None-Match: %s\r\n"
                     "Connection: close\r\n\r\n",
                     etag);
    raw_exchange(srv.port, req, (size_t)n, out, sizeof(out), 2000);
    assert_non_null(strstr(out, "HTTP/1.1 304"));
    assert_null(strstr(out, "export const"));
}

static void
test_head_has_no_body(void **state)
{
    (void)state;
    struct http h;
    http_req(&srv, "HEAD", "/app.js", NULL, NULL, 0, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(h.len, 0);
    http_free(&h);
}

/* Every way of writing "go up" must fail and never show outside files. */
static void
test_traversal_is_refused(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "/../outside.txt",
        "/css/../../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2E%2E/outside.txt",
        "/..%2foutside.txt",
        "/..%2Foutside.txt",
        "/css/..%2f..%2foutside.txt",
        "/..%5coutside.txt",
        "/%2e%2e%5coutside.txt",
        "/.%2e/outside.txt",
        "/%252e%252e/outside.txt",
        "/..;/outside.txt",
        "/css/%2e%2e/%2e%2e/etc/passwd",
        "/../../../../etc/passwd",
        "/%c0%ae%c0%ae/outside.txt",
        "/css/../index.html",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct http h;
        http_get(&srv, paths[i], &h);
        if (h.status != 400 && h.status != 404)
            fail_msg("%s answered %ld", paths[i], h.status);
        assert_null(strstr(h.body, "TOP-SECRET"));
        assert_null(strstr(h.body, "root:"));
        http_free(&h);
    }
}

static void
test_hidden_files_dirs_and_escaping_links_are_404(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "/.env", "/css", "/css/", "/leak.txt", "/etc/passwd", "/missing.js"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct http h;
        http_get(&srv, paths[i], &h);
        if (h.status != 404)
            fail_msg("%s answered %ld", paths[i], h.status);
        assert_problem(&h, 404, "http.not_found");
        assert_null(strstr(h.body, "SECRET"));
        http_free(&h);
    }
}

static void
test_static_files_refuse_writes(void **state)
{
    (void)state;
    struct http h;
    http_req(&srv, "PUT", "/index.html", "text/html", "x", 1, &h);
    assert_int_equal(h.status, 404);
    http_free(&h);
    http_get(&srv, "/", &h);
    assert_string_equal(h.body, "<!doctype html><title>ok</title>");
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_is_served_with_csp),
        cmocka_unit_test(test_content_types),
        cmocka_unit_test(test_etag_revalidation_gives_304),
        cmocka_unit_test(test_head_has_no_body),
        cmocka_unit_test(test_traversal_is_refused),
        cmocka_unit_test(test_hidden_files_dirs_and_escaping_links_are_404),
        cmocka_unit_test(test_static_files_refuse_writes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
