/*
 * test_tariffs.c — tariffs (料金表) over HTTP: create a tariff, add dated
 * versions (a version is immutable: the same date again is refused),
 * quote a usage with the version in force on a date and the month's
 * 原料費調整, assign a tariff to a contract (the three-part rule), the
 * contract's equipment fees, the billing settings (rounding changes the
 * quote; the registration number is T + 13 digits). Field errors name the
 * field in Japanese and change nothing; a meter reader (role reader) gets
 * 403 on every tariff route.
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
static struct account admin, reader;
static struct client admin_c, reader_c;

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&reader_c);
    server_down(&srv);
    return 0;
}

static void
req(const char *method, const char *path, const char *json, struct http *h)
{
    client_req(&srv, &admin_c, method, path, json, h);
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t
num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* True when the problem h names field in its errors[] (in Japanese). */
static bool
names_field(const struct http *h, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(h->json, "errors"), i, e)
    {
        const char *f = json_string_value(json_object_get(e, "field"));
        if (f && !strcmp(f, field) &&
            has_japanese(json_string_value(json_object_get(e, "message"))))
            return true;
    }
    return false;
}

/* DOMAIN §5 example 1 as a version from date. */
static void
version_body(char *out, size_t n, const char *date, const char *base)
{
    snprintf(out, n,
             "{\"effective_from\":\"%s\",\"tax_included\":true,"
             "\"slide\":\"block\",\"base_fee\":\"%s\",\"bands\":["
             "{\"upper_m3\":\"4.7\",\"unit_price\":\"913\"},"
             "{\"upper_m3\":\"9.4\",\"unit_price\":\"902.00\"},"
             "{\"upper_m3\":null,\"unit_price\":890}]}",
             date, base);
}

static int64_t
make_tariff(const char *code, const char *kind)
{
    char body[256];
    struct http h;
    snprintf(body, sizeof(body),
             "{\"code\":\"%s\",\"name\":\"一般家庭用\",\"kind\":\"%s\"}", code,
             kind);
    req("POST", "/api/v1/tariffs", body, &h);
    if (h.status != 201)
        fail_msg("POST /tariffs: %ld %s", h.status, h.body);
    int64_t id = num(h.json, "id");
    http_free(&h);
    return id;
}

static int64_t
quote(int64_t id, const char *usage, const char *date)
{
    char path[64], body[128];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/quote", (long long)id);
    snprintf(body, sizeof(body), "{\"usage_m3\":\"%s\",\"date\":\"%s\"}", usage,
             date);
    req("POST", path, body, &h);
    if (h.status != 200)
        fail_msg("quote: %ld %s", h.status, h.body);
    int64_t total = num(h.json, "total_yen");
    http_free(&h);
    return total;
}

static void
test_tariff_version_quote(void **state)
{
    (void)state;
    int64_t id = make_tariff("HOUSE", "two_part");
    char path[64], body[512];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/versions",
             (long long)id);
    version_body(body, sizeof(body), "2025-04-01", "2200");
    req("POST", path, body, &h);
    if (h.status != 201)
        fail_msg("POST version: %ld %s", h.status, h.body);
    http_free(&h);
    /* before the first version: no price */
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/quote", (long long)id);
    req("POST", path, "{\"usage_m3\":\"8.0\",\"date\":\"2025-03-31\"}", &h);
    assert_problem(&h, 422, "billing.no_price");
    http_free(&h);
    /* 8.0 m³, 切り捨て: 2,200 + 4,291 + 2,976 = 9,467 */
    assert_int_equal(quote(id, "8.0", "2025-05-10"), 9467);
    /* 四捨五入 (tenant setting): the published ¥9,468 */
    req("PUT", "/api/v1/settings/billing", "{\"rounding\":\"half_up\"}", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    assert_int_equal(quote(id, "8.0", "2025-05-10"), 9468);
    /* a price change is a new version: the old date is refused */
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/versions",
             (long long)id);
    version_body(body, sizeof(body), "2025-04-01", "2300");
    req("POST", path, body, &h);
    assert_int_equal(h.status, 422);
    assert_true(names_field(&h, "effective_from"));
    http_free(&h);
    version_body(body, sizeof(body), "2025-10-01", "2300");
    req("POST", path, body, &h);
    assert_int_equal(h.status, 201);
    http_free(&h);
    assert_int_equal(quote(id, "8.0", "2025-09-30"), 9468);
    assert_int_equal(quote(id, "8.0", "2025-10-01"), 9568);
    /* 原料費調整 for October: +¥5.00/m³ → + ¥40 */
    req("PUT", "/api/v1/cost-adjustments/2025-10",
        "{\"per_m3\":\"5.00\",\"tax_included\":true}", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    assert_int_equal(quote(id, "8.0", "2025-10-15"), 9608);
    req("GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(json_array_size(json_object_get(h.json, "versions")), 2);
    http_free(&h);
    req("PUT", "/api/v1/settings/billing", "{\"rounding\":\"down\"}", &h);
    http_free(&h);
    /* rename with If-Match; a stale version is refused */
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld", (long long)id);
    admin_c.extra_header = "If-Match: \"1\"";
    req("PATCH", path,
        "{\"name\":\"一般家庭用（改）\",\"notes\":\"2025年改定\"}", &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "version"), 2);
    http_free(&h);
    req("PATCH", path, "{\"name\":\"x\"}", &h);
    assert_int_equal(h.status, 409);
    http_free(&h);
    admin_c.extra_header = "If-Match: \"2\"";
    req("PATCH", path, "{\"name\":\"\"}", &h); /* a tariff keeps a name */
    assert_int_equal(h.status, 422);
    assert_true(names_field(&h, "name"));
    http_free(&h);
    admin_c.extra_header = NULL;
}

/* A bad version names its fields and adds nothing. */
static void
test_version_errors_change_nothing(void **state)
{
    (void)state;
    int64_t id = make_tariff("BAD", "two_part");
    char path[64];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/versions",
             (long long)id);
    req("POST", path,
        "{\"effective_from\":\"2025-13-01\",\"base_fee\":\"1.234\","
        "\"bands\":[{\"upper_m3\":null,\"unit_price\":\"700\"}]}",
        &h);
    assert_problem(&h, 422, "invalid");
    assert_true(names_field(&h, "effective_from"));
    assert_true(names_field(&h, "tax_included"));
    assert_true(names_field(&h, "base_fee"));
    http_free(&h);
    /* bands out of order: the tariff rule, naming bands */
    req("POST", path,
        "{\"effective_from\":\"2025-04-01\",\"tax_included\":true,"
        "\"bands\":[{\"upper_m3\":\"10\",\"unit_price\":\"700\"},"
        "{\"upper_m3\":\"5\",\"unit_price\":\"690\"},"
        "{\"upper_m3\":null,\"unit_price\":\"680\"}]}",
        &h);
    assert_problem(&h, 422, "billing.tariff_invalid");
    assert_true(names_field(&h, "bands"));
    http_free(&h);
    /* equipment fee in a two-part tariff: the 2025 rule */
    req("POST", path,
        "{\"effective_from\":\"2025-04-01\",\"tax_included\":true,"
        "\"equipment_fee\":\"550\","
        "\"bands\":[{\"upper_m3\":null,\"unit_price\":\"700\"}]}",
        &h);
    assert_problem(&h, 422, "billing.tariff_invalid");
    assert_true(names_field(&h, "equipment_fee"));
    http_free(&h);
    req("GET", path, NULL, &h);
    assert_int_equal(json_array_size(json_object_get(h.json, "versions")), 0);
    http_free(&h);
    req("POST", "/api/v1/tariffs",
        "{\"code\":\"BAD\",\"name\":\"x\","
        "\"kind\":\"two_part\"}",
        &h);
    assert_int_equal(h.status, 422);
    assert_true(names_field(&h, "code"));
    http_free(&h);
}

/* A contract at a new point, for the occupant. */
static int64_t
make_contract(const char *number)
{
    char body[256], path[96];
    struct http h;
    snprintf(body, sizeof(body),
             "{\"number\":\"%s\",\"name\":\"山田花子\",\"kana\":\"ヤマダ\","
             "\"kind\":\"household\"}",
             number);
    req("POST", "/api/v1/customers", body, &h);
    assert_int_equal(h.status, 201);
    int64_t customer = num(h.json, "id");
    http_free(&h);
    req("POST", "/api/v1/supply-points",
        "{\"prefecture\":\"大分県\",\"city\":\"別府市\","
        "\"street\":\"鉄輪3-1\",\"supply_kind\":\"individual\"}",
        &h);
    assert_int_equal(h.status, 201);
    int64_t point = num(h.json, "id");
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/move",
             (long long)point);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"date\":\"2025-01-10\",\"contract\":"
             "{\"payment_method\":\"transfer\"}}",
             (long long)customer);
    req("POST", path, body, &h);
    if (h.status != 200)
        fail_msg("move: %ld %s", h.status, h.body);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/contracts",
             (long long)point);
    req("GET", path, NULL, &h);
    json_t *list = json_object_get(h.json, "contracts");
    int64_t id = num(json_array_get(list, 0), "id");
    http_free(&h);
    assert_true(id > 0);
    return id;
}

static void
test_assign_three_part_rule(void **state)
{
    (void)state;
    int64_t contract = make_contract("T-100");
    int64_t tp = make_tariff("EQUIP", "three_part");
    char path[96], body[512];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/versions",
             (long long)tp);
    req("POST", path,
        "{\"effective_from\":\"2024-04-01\",\"tax_included\":true,"
        "\"base_fee\":\"1800\","
        "\"bands\":[{\"upper_m3\":null,\"unit_price\":\"700\"}]}",
        &h);
    assert_int_equal(h.status, 201);
    http_free(&h);
    /* three-part without any 設備料金: refused, nothing assigned */
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/tariff",
             (long long)contract);
    snprintf(body, sizeof(body), "{\"tariff_id\":%lld}", (long long)tp);
    req("PUT", path, body, &h);
    assert_problem(&h, 422, "billing.tariff_invalid");
    assert_true(names_field(&h, "tariff_id"));
    http_free(&h);
    /* an equipment fee for something unrelated to gas is refused */
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/equipment-fees",
             (long long)contract);
    req("POST", path,
        "{\"description\":\"エアコン\",\"fee\":\"1100\","
        "\"starts_on\":\"2025-01-10\"}",
        &h);
    assert_int_equal(h.status, 422);
    assert_true(names_field(&h, "description"));
    http_free(&h);
    req("POST", path,
        "{\"description\":\"ガス漏れ警報器\",\"fee\":\"330\","
        "\"starts_on\":\"2025-01-10\"}",
        &h);
    assert_int_equal(h.status, 201);
    assert_int_equal(json_array_size(json_object_get(h.json, "equipment_fees")),
                     1);
    int64_t fee =
        num(json_array_get(json_object_get(h.json, "equipment_fees"), 0), "id");
    http_free(&h);
    /* the fee can be given a last day: not before it starts, once */
    char end[128];
    snprintf(end, sizeof(end), "/api/v1/contracts/%lld/equipment-fees/%lld/end",
             (long long)contract, (long long)fee);
    req("POST", end, "{\"ends_on\":\"2024-12-31\"}", &h);
    assert_problem(&h, 409, "conflict");
    http_free(&h);
    req("POST", end, "{\"ends_on\":\"2035-03-31\",\"reason\":\"撤去予定\"}",
        &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(
        str(json_array_get(json_object_get(h.json, "equipment_fees"), 0),
            "ends_on"),
        "2035-03-31");
    http_free(&h);
    req("POST", end, "{\"ends_on\":\"2036-01-01\"}", &h); /* not later */
    assert_problem(&h, 409, "conflict");
    http_free(&h);
    snprintf(end, sizeof(end), "/api/v1/contracts/%lld/equipment-fees/999/end",
             (long long)contract);
    req("POST", end, "{\"ends_on\":\"2035-01-01\"}", &h);
    assert_int_equal(h.status, 404);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/tariff",
             (long long)contract);
    req("PUT", path, body, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "tariff_id"), tp);
    http_free(&h);
    req("PUT", path, "{\"tariff_id\":999999}", &h);
    assert_int_equal(h.status, 422);
    assert_true(names_field(&h, "tariff_id"));
    http_free(&h);
}

static void
test_settings(void **state)
{
    (void)state;
    struct http h;
    req("GET", "/api/v1/settings/billing", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(
        json_string_value(json_object_get(h.json, "tax_rounding")), "down");
    http_free(&h);
    req("PUT", "/api/v1/settings/billing",
        "{\"registration\":\"T123456789012\",\"due_days\":120,"
        "\"price_change\":\"monthly\"}",
        &h);
    assert_problem(&h, 422, "invalid");
    assert_true(names_field(&h, "registration"));
    assert_true(names_field(&h, "due_days"));
    assert_true(names_field(&h, "price_change"));
    http_free(&h);
    req("GET", "/api/v1/settings/billing", NULL, &h);
    assert_int_equal(num(h.json, "due_days"), 20); /* unchanged */
    http_free(&h);
    req("PUT", "/api/v1/settings/billing",
        "{\"registration\":\"T1234567890123\",\"due_days\":14,"
        "\"price_change\":\"day_split\",\"issuer\":{\"name\":\"テストガス"
        "株式会社\",\"phone\":\"0977-66-1234\"}}",
        &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    req("GET", "/api/v1/settings/billing", NULL, &h);
    assert_string_equal(
        json_string_value(json_object_get(h.json, "registration")),
        "T1234567890123");
    assert_string_equal(
        json_string_value(json_object_get(h.json, "price_change")),
        "day_split");
    http_free(&h);
}

/* A meter reader sees no tariff, price or setting, and changes none. */
static void
test_reader_forbidden(void **state)
{
    (void)state;
    static const char *const routes[][2] = {
        {"GET", "/api/v1/tariffs"},
        {"GET", "/api/v1/tariffs/1"},
        {"POST", "/api/v1/tariffs/1/quote"},
        {"GET", "/api/v1/cost-adjustments"},
        {"PUT", "/api/v1/cost-adjustments/2025-10"},
        {"GET", "/api/v1/settings/billing"},
        {"PUT", "/api/v1/contracts/1/tariff"},
        {"POST", "/api/v1/tariffs"},
    };
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        struct http h;
        client_req(&srv, &reader_c, routes[i][0], routes[i][1], "{}", &h);
        if (h.status != 403)
            fail_msg("%s %s: %ld", routes[i][0], routes[i][1], h.status);
        http_free(&h);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tariff_version_quote),
        cmocka_unit_test(test_version_errors_change_nothing),
        cmocka_unit_test(test_assign_three_part_rule),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_reader_forbidden),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
