/*
 * test_operator_console.c — what the platform console reads: the tenant
 * registry, the status page's snapshot and the backup shipper's state, for
 * signed-in platform operators only (GET /api/v1/operator/tenants,
 * /status, /backup; src/tenants/operator_api.c).
 */
#include "accounts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

static struct server srv;
static struct account admin, alice;
static struct client admin_c, op_c;

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    tenant_make(&srv, "0002", "別府プロパン有限会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make_operator(&srv, "alice", &alice);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &alice);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &op_c, &alice);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&op_c);
    server_down(&srv);
    return 0;
}

static void
test_tenants_listed_for_operators_only(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &op_c, "GET", "/api/v1/operator/tenants", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *list = json_object_get(h.json, "tenants");
    assert_int_equal(json_array_size(list), 2);
    assert_int_equal(json_integer_value(json_object_get(h.json, "count")), 2);
    json_t *first = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(first, "code")),
                        "0001");
    assert_string_equal(json_string_value(json_object_get(first, "name")),
                        "テストガス株式会社");
    assert_string_equal(json_string_value(json_object_get(first, "status")),
                        "active");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(list, 1), "code")),
        "0002");
    http_free(&h);

    /* a tenant's admin is no operator: the same three routes are closed */
    static const char *const paths[] = {"/api/v1/operator/tenants",
                                        "/api/v1/operator/status",
                                        "/api/v1/operator/backup"};
    for (size_t i = 0; i < 3; i++) {
        client_req(&srv, &admin_c, "GET", paths[i], NULL, &h);
        assert_problem(&h, 401, "auth.required");
        http_free(&h);
        http_get(&srv, paths[i], &h); /* nobody signed in */
        assert_problem(&h, 401, "auth.required");
        http_free(&h);
    }
}

static void
test_status_shows_notices_and_components(void **state)
{
    (void)state;
    const char *post[] = {
        "status",  "post",    "--data",  srv.data,
        "--level", "warning", "--title", "検針データの取込が遅れています",
        NULL};
    cli_ok(post);
    struct http h;
    client_req(&srv, &op_c, "GET", "/api/v1/operator/status", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(json_string_value(json_object_get(h.json, "overall")),
                        "degraded");
    json_t *n = json_array_get(json_object_get(h.json, "notices"), 0);
    assert_string_equal(json_string_value(json_object_get(n, "title")),
                        "検針データの取込が遅れています");
    assert_string_equal(json_string_value(json_object_get(n, "level")),
                        "warning");
    /* serve writes its heartbeat, so it is listed and alive */
    json_t *comps = json_object_get(h.json, "components");
    bool serve_ok = false;
    for (size_t i = 0; i < json_array_size(comps); i++) {
        json_t *c = json_array_get(comps, i);
        if (!strcmp(json_string_value(json_object_get(c, "component")),
                    "serve"))
            serve_ok =
                !strcmp(json_string_value(json_object_get(c, "state")), "ok");
    }
    assert_true(serve_ok);
    http_free(&h);
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
test_backup_state_from_the_shipper(void **state)
{
    (void)state;
    struct http h;
    /* before the first pass: no state yet */
    client_req(&srv, &op_c, "GET", "/api/v1/operator/backup", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_true(json_is_null(json_object_get(h.json, "ship")));
    http_free(&h);

    char dir[400], path[450], now[32], text[1024];
    snprintf(dir, sizeof(dir), "%s/backup", srv.data);
    mkdir(dir, 0750);
    snprintf(dir, sizeof(dir), "%s/backup/ship", srv.data);
    mkdir(dir, 0750);
    snprintf(path, sizeof(path), "%s/heartbeat.json", dir);
    time_t t = time(NULL) - 5;
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S.000Z", gmtime(&t));
    snprintf(text, sizeof(text),
             "{\"component\":\"backup-ship\",\"time\":\"%s\",\"state\":"
             "\"degraded\",\"stores\":3,\"failed\":1,\"rpo_lag_records\":"
             "12,\"rpo_lag_ms\":4000,\"vaults\":[{\"url\":"
             "\"http://u:secret@vault.internal:8090/v?k=1\","
             "\"rpo_lag_records\":12,\"rpo_lag_ms\":4000,\"failed\":1}]}",
             now);
    write_file(path, text);
    client_req(&srv, &op_c, "GET", "/api/v1/operator/backup", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *ship = json_object_get(h.json, "ship");
    assert_string_equal(json_string_value(json_object_get(ship, "state")),
                        "degraded");
    assert_int_equal(json_integer_value(json_object_get(ship, "stores")), 3);
    assert_int_equal(json_integer_value(json_object_get(ship, "failed")), 1);
    assert_int_equal(json_integer_value(json_object_get(ship, "rpo_lag_ms")),
                     4000);
    json_int_t age = json_integer_value(json_object_get(ship, "age_s"));
    assert_true(age >= 4 && age < 120);
    json_t *v = json_array_get(json_object_get(ship, "vaults"), 0);
    /* never the credentials or the query of a vault URL */
    assert_string_equal(json_string_value(json_object_get(v, "url")),
                        "http://vault.internal:8090/v");
    assert_true(json_is_true(json_object_get(v, "failed")));
    assert_null(strstr(h.body, "secret"));
    http_free(&h);

    /* a file that does not parse is reported, not an error */
    write_file(path, "{not json");
    client_req(&srv, &op_c, "GET", "/api/v1/operator/backup", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(h.json, "ship"), "state")),
                        "unreadable");
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tenants_listed_for_operators_only),
        cmocka_unit_test(test_status_shows_notices_and_components),
        cmocka_unit_test(test_backup_state_from_the_shipper),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
