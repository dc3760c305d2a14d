/*
 * test_customers.c — the customer ledger (顧客台帳) over HTTP: create, read
 * and update with ETag/If-Match, field errors in Japanese, kana
 * normalization, permissions by role, tenant isolation, status changes,
 * deleting only never-used customers, and 転居・入居 on supply points with
 * the occupancy history kept. Every change lands in the audit log.
 */
#include "accounts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct server srv;
static struct account admin, reader, other_admin;
static struct client admin_c, reader_c, other_c;

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    tenant_make(&srv, "0002", "別府プロパン有限会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    account_make(&srv, "0002", "admin", "admin", &other_admin);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_enroll(&srv, &other_admin);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    account_sign_in(&srv, &other_c, &other_admin);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&reader_c);
    client_free(&other_c);
    server_down(&srv);
    return 0;
}

/* A request with If-Match: "<version>" (version 0 sends none). */
static void
req_if(struct client *c, const char *method, const char *path, const char *json,
       int version, struct http *h)
{
    char hdr[64];
    snprintf(hdr, sizeof(hdr), "If-Match: \"%d\"", version);
    c->extra_header = version ? hdr : NULL;
    client_req(&srv, c, method, path, json, h);
    c->extra_header = NULL;
}

/* POST a customer; returns its id (fails the test unless 201). */
static int64_t
make_customer(const char *number, const char *kana)
{
    struct http h;
    char body[512];
    snprintf(body, sizeof(body),
             "{\"number\":\"%s\",\"name\":\"田中太郎\",\"kana\":\"%s\","
             "\"kind\":\"household\",\"phone1\":\"0977-12-3456\","
             "\"postal_code\":\"874-0000\",\"prefecture\":\"大分県\","
             "\"address\":\"別府市北浜1-2-3\"}",
             number, kana);
    client_req(&srv, &admin_c, "POST", "/api/v1/customers", body, &h);
    if (h.status != 201)
        fail_msg("create customer: %ld %s", h.status, h.body);
    assert_string_equal(http_header(&h, "ETag"), "\"1\"");
    int64_t id = json_integer_value(json_object_get(h.json, "id"));
    http_free(&h);
    return id;
}

static int64_t
make_point(void)
{
    struct http h;
    client_req(&srv, &admin_c, "POST", "/api/v1/supply-points",
               "{\"prefecture\":\"大分県\",\"city\":\"別府市\","
               "\"street\":\"北浜2-10-1\",\"building\":\"北浜ハイツ\","
               "\"room\":\"101\",\"lat\":\"33.2846\",\"lng\":\"131.4912\","
               "\"supply_kind\":\"collective\",\"route\":\"A\","
               "\"route_order\":10,\"billing_group\":20}",
               &h);
    if (h.status != 201)
        fail_msg("create supply point: %ld %s", h.status, h.body);
    int64_t id = json_integer_value(json_object_get(h.json, "id"));
    http_free(&h);
    return id;
}

static void
move(int64_t point, int64_t customer, const char *date, struct http *h)
{
    char path[64], body[128];
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/move",
             (long long)point);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"date\":\"%s\","
             "\"previous_moves_out\":true}",
             (long long)customer, date);
    client_req(&srv, &admin_c, "POST", path, body, h);
}

static void
del(const char *path, struct http *h)
{
    client_req(&srv, &admin_c, "DELETE", path, NULL, h);
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* True when the problem h names field in its errors[]. */
static bool
names_field(const struct http *h, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(h->json, "errors"), i, e)
    {
        if (!strcmp(str(e, "field"), field) && has_japanese(str(e, "message")))
            return true;
    }
    return false;
}

static void
test_create_read_update_with_etag(void **state)
{
    (void)state;
    struct http h;
    char path[64];
    int64_t id = make_customer("3010", "タナカ タロウ");
    snprintf(path, sizeof(path), "/api/v1/customers/%lld", (long long)id);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "ETag"), "\"1\"");
    assert_string_equal(str(h.json, "number"), "3010");
    assert_string_equal(str(h.json, "status"), "active");
    http_free(&h);
    req_if(&admin_c, "PATCH", path,
           "{\"name\":\"田中一郎\",\"notes\":\"犬がいます\\n裏口から\"}", 1,
           &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "ETag"), "\"2\"");
    assert_string_equal(str(h.json, "name"), "田中一郎");
    assert_string_equal(str(h.json, "phone1"), "0977-12-3456"); /* kept */
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/customers/%lld/history",
             (long long)id);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *hist = json_object_get(h.json, "history");
    assert_int_equal(json_array_size(hist), 1);
    json_t *e = json_array_get(hist, 0);
    assert_string_equal(str(json_object_get(e, "before"), "name"), "田中太郎");
    assert_string_equal(str(json_object_get(e, "after"), "name"), "田中一郎");
    assert_null(json_object_get(json_object_get(e, "after"), "phone1"));
    http_free(&h);
}

static void
test_stale_if_match_conflicts_and_changes_nothing(void **state)
{
    (void)state;
    struct http h;
    char path[64];
    int64_t id = make_customer("3020", "スズキ");
    snprintf(path, sizeof(path), "/api/v1/customers/%lld", (long long)id);
    req_if(&admin_c, "PATCH", path, "{\"name\":\"鈴木花子\"}", 1, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    req_if(&admin_c, "PATCH", path, "{\"name\":\"鈴木次郎\"}", 1, &h);
    assert_problem(&h, 409, "customers.version_conflict");
    assert_string_equal(http_header(&h, "ETag"), "\"2\"");
    assert_non_null(strstr(str(h.json, "detail"), "2"));
    http_free(&h);
    req_if(&admin_c, "PATCH", path, "{\"name\":\"鈴木次郎\"}", 0, &h);
    assert_problem(&h, 422, "invalid");
    assert_true(names_field(&h, "If-Match"));
    http_free(&h);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_string_equal(str(h.json, "name"), "鈴木花子");
    assert_int_equal(json_integer_value(json_object_get(h.json, "version")), 2);
    http_free(&h);
}

static void
test_validation_errors_name_fields(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &admin_c, "POST", "/api/v1/customers",
               "{\"number\":\"30 30\",\"name\":\"佐藤\",\"kana\":\"佐藤\","
               "\"kind\":\"shop\",\"phone1\":\"0977-12\","
               "\"postal_code\":\"8740000\",\"prefecture\":\"大分\"}",
               &h);
    assert_problem(&h, 422, "invalid");
    const char *fields[] = {"number", "kana",        "kind",
                            "phone1", "postal_code", "prefecture"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (!names_field(&h, fields[i]))
            fail_msg("no error for %s: %s", fields[i], h.body);
    http_free(&h);
    client_req(&srv, &admin_c, "POST", "/api/v1/customers",
               "{\"number\":\"3010\",\"name\":\"二重\",\"kana\":\"ニジュウ\","
               "\"kind\":\"business\"}",
               &h);
    assert_problem(&h, 409, "customers.number_taken");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/customers?q=%E4%BD%90%E8%97%A4",
               NULL, &h); /* 佐藤 */
    assert_int_equal(h.status, 200);
    assert_int_equal(json_array_size(json_object_get(h.json, "customers")), 0);
    http_free(&h);
}

static void
test_kana_hiragana_and_half_width_stored_as_katakana(void **state)
{
    (void)state;
    struct http h;
    char path[64];
    const char *inputs[] = {"たなか", "ﾀﾅｶ"};
    const char *numbers[] = {"3040", "3050"};
    for (int i = 0; i < 2; i++) {
        int64_t id = make_customer(numbers[i], inputs[i]);
        snprintf(path, sizeof(path), "/api/v1/customers/%lld", (long long)id);
        client_req(&srv, &admin_c, "GET", path, NULL, &h);
        assert_string_equal(str(h.json, "kana"), "タナカ");
        http_free(&h);
    }
}

static void
test_list_pages_by_number_ascending(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &admin_c, "GET", "/api/v1/customers?limit=2", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *list = json_object_get(h.json, "customers");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(str(json_array_get(list, 0), "number"), "3010");
    assert_string_equal(str(h.json, "next"), "3020");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/customers?after=3020&limit=2",
               NULL, &h);
    list = json_object_get(h.json, "customers");
    assert_string_equal(str(json_array_get(list, 0), "number"), "3040");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/customers?limit=101", NULL, &h);
    assert_problem(&h, 422, "invalid");
    assert_true(names_field(&h, "limit"));
    http_free(&h);
}

static void
test_reader_reads_but_cannot_patch(void **state)
{
    (void)state;
    struct http h;
    char path[64];
    int64_t id = make_customer("3060", "ヨミテ");
    snprintf(path, sizeof(path), "/api/v1/customers/%lld", (long long)id);
    client_req(&srv, &reader_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    req_if(&reader_c, "PATCH", path, "{\"name\":\"変更\"}", 1, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
}

static void
test_other_tenants_customer_is_not_found(void **state)
{
    (void)state;
    struct http h;
    char path[64];
    int64_t id = make_customer("3070", "ベツ");
    snprintf(path, sizeof(path), "/api/v1/customers/%lld", (long long)id);
    client_req(&srv, &other_c, "GET", path, NULL, &h);
    assert_problem(&h, 404, "customers.not_found");
    http_free(&h);
    req_if(&other_c, "PATCH", path, "{\"name\":\"乗っ取り\"}", 1, &h);
    assert_problem(&h, 404, "customers.not_found");
    http_free(&h);
}

static void
test_status_change_is_recorded(void **state)
{
    (void)state;
    struct http h;
    char path[64];
    int64_t id = make_customer("3080", "テイシ");
    snprintf(path, sizeof(path), "/api/v1/customers/%lld/status",
             (long long)id);
    client_req(&srv, &admin_c, "POST", path,
               "{\"status\":\"suspended\",\"reason\":\"長期不在\"}", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "status"), "suspended");
    assert_string_equal(http_header(&h, "ETag"), "\"2\"");
    http_free(&h);
    client_req(&srv, &admin_c, "POST", path, "{\"status\":\"gone\"}", &h);
    assert_problem(&h, 422, "invalid");
    assert_true(names_field(&h, "status"));
    http_free(&h);
}

static void
test_delete_only_a_never_used_customer(void **state)
{
    (void)state;
    struct http h;
    char path[64];
    int64_t fresh = make_customer("3090", "マチガイ");
    snprintf(path, sizeof(path), "/api/v1/customers/%lld", (long long)fresh);
    del(path, &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_problem(&h, 404, "customers.not_found");
    http_free(&h);
    int64_t used = make_customer("3100", "ニュウキョ");
    move(make_point(), used, "2026-04-01", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/customers/%lld", (long long)used);
    del(path, &h);
    assert_problem(&h, 409, "customers.has_history");
    http_free(&h);
}

static void
test_move_out_and_in_keeps_history(void **state)
{
    (void)state;
    struct http h;
    char path[64];
    int64_t point = make_point();
    int64_t a = make_customer("3110", "マエノヒト");
    int64_t b = make_customer("3120", "ツギノヒト");
    move(point, a, "2026-04-01", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    move(point, b, "2026-03-31", &h); /* before a moved in */
    assert_problem(&h, 422, "customers.move_date");
    http_free(&h);
    move(point, b, "2026-02-30", &h);
    assert_problem(&h, 422, "invalid");
    assert_true(names_field(&h, "date"));
    http_free(&h);
    move(point, b, "2026-05-15", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld",
             (long long)point);
    client_req(&srv, &reader_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *occ = json_object_get(h.json, "occupants");
    assert_int_equal(json_array_size(occ), 2);
    json_t *now = json_array_get(occ, 0), *past = json_array_get(occ, 1);
    assert_int_equal(json_integer_value(json_object_get(now, "customer_id")),
                     b);
    assert_string_equal(str(now, "moved_in"), "2026-05-15");
    assert_true(json_is_null(json_object_get(now, "moved_out")));
    assert_int_equal(json_integer_value(json_object_get(past, "customer_id")),
                     a);
    assert_string_equal(str(past, "moved_in"), "2026-04-01");
    assert_string_equal(str(past, "moved_out"), "2026-05-15");
    assert_int_equal(
        json_integer_value(json_object_get(h.json, "billing_group")), 20);
    http_free(&h);
}

static void
test_supply_point_patch_needs_current_version(void **state)
{
    (void)state;
    struct http h;
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld",
             (long long)make_point());
    req_if(&admin_c, "PATCH", path, "{\"billing_group\":25}", 1, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "ETag"), "\"2\"");
    http_free(&h);
    req_if(&admin_c, "PATCH", path, "{\"billing_group\":32}", 2, &h);
    assert_problem(&h, 422, "invalid");
    assert_true(names_field(&h, "billing_group"));
    http_free(&h);
    req_if(&admin_c, "PATCH", path, "{\"room\":\"202\"}", 1, &h);
    assert_problem(&h, 409, "customers.version_conflict");
    http_free(&h);
}

static void
test_every_change_is_audited(void **state)
{
    (void)state;
    const char *list[] = {"audit", "list",   "--data",  srv.data, "--tenant",
                          "0001",  "--json", "--limit", "500",    NULL};
    char *out, *err;
    assert_int_equal(cli_run(list, &out, &err), 0);
    static const char *const actions[] = {
        "customer.create",  "customer.update",     "customer.status",
        "customer.delete",  "supply_point.create", "supply_point.update",
        "supply_point.move"};
    const char *missing = NULL;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strstr(out, actions[i]))
            missing = actions[i];
    free(out);
    free(err);
    if (missing)
        fail_msg("no %s in the audit log", missing);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_read_update_with_etag),
        cmocka_unit_test(test_stale_if_match_conflicts_and_changes_nothing),
        cmocka_unit_test(test_validation_errors_name_fields),
        cmocka_unit_test(test_kana_hiragana_and_half_width_stored_as_katakana),
        cmocka_unit_test(test_list_pages_by_number_ascending),
        cmocka_unit_test(test_reader_reads_but_cannot_patch),
        cmocka_unit_test(test_other_tenants_customer_is_not_found),
        cmocka_unit_test(test_status_change_is_recorded),
        cmocka_unit_test(test_delete_only_a_never_used_customer),
        cmocka_unit_test(test_move_out_and_in_keeps_history),
        cmocka_unit_test(test_supply_point_patch_needs_current_version),
        cmocka_unit_test(test_every_change_is_audited), /* last */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
