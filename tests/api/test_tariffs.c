/*
 * test_tariffs.c — tariffs (料金表) over HTTP: create a tariff, add dated
 * versions (a version is immutable: the same date again is refused),
 * quote a usage with the version in force on a date and the month's
 * 原料費調整, assign a tariff to a contract (the three-part rule), the
 * contract's equipment fees, the billing settings (rounding changes the
 * quote; the registration number is T + 13 digits). Field errors name the
 * field in Japanese and change nothing; a meter reader (role reader) gets
 * 403 on every tariff route.
 *
 * Corrections (訂正): one customer is billed for October 2026 by a version
 * entered at ¥500.00/m³ instead of ¥450.00. Correcting it needs the
 * version's ETag (stale: 409 with the current one, nothing changed) and a
 * reason; bad bodies name the field and change nothing; the correction
 * leaves a history row and an audit entry, and the issued invoice is the
 * same before and after (GET), listed by ?tariff_version=; its 赤黒
 * correction re-prices at ¥450.00 with the equipment fee as corrected by
 * PATCH …/equipment-fees/{fee} (audited before/after; a three-part
 * contract may not lose its 設備料金). GET/PATCH /tariffs/{id} answer
 * ETags.
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

/* Corrections: one customer billed for October 2026 with tariff FIX,
 * whose version was entered with a mistake (¥500.00/m³ instead of
 * ¥450.00), and an equipment fee of ¥330. Made by fixture(). */
static struct {
    int64_t tariff, version, later, contract, fee, run, invoice;
    json_t *issued; /* the invoice as issued */
} fx;

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
    json_decref(fx.issued);
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

/* ----------------------------------------------------------------------
 * Correcting a version (訂正) and the invoices it priced
 * ---------------------------------------------------------------------- */

static int64_t
made(const char *path, const char *json)
{
    struct http h;
    req("POST", path, json, &h);
    if (h.status != 201)
        fail_msg("POST %s: %ld %s", path, h.status, h.body);
    int64_t id = num(h.json, "id");
    http_free(&h);
    return id;
}

static void
ok(const char *method, const char *path, const char *json, struct http *h)
{
    req(method, path, json, h);
    if (h->status != 200)
        fail_msg("%s %s: %ld %s", method, path, h->status, h->body);
}

/* Open route R09's period for month, read point at index, close it. */
static void
read_month(int64_t point, const char *month, const char *index)
{
    char body[512], path[96];
    struct http h;
    snprintf(body, sizeof(body),
             "{\"route\":\"R09\",\"month\":\"%s\",\"starts_on\":\"%s-01\","
             "\"ends_on\":\"%s-28\"}",
             month, month, month);
    int64_t period = made("/api/v1/reading-periods", body);
    snprintf(body, sizeof(body),
             "{\"items\":[{\"key\":\"fx-%s\",\"supply_point_id\":%lld,"
             "\"read_on\":\"%s-10\",\"index\":\"%s\",\"note\":null}]}",
             month, (long long)point, month, index);
    client_req(&srv, &reader_c, "POST", "/api/v1/readings", body, &h);
    if (h.status != 200)
        fail_msg("readings: %ld %s", h.status, h.body);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/close",
             (long long)period);
    ok("POST", path, NULL, &h);
    http_free(&h);
}

/* A point on route R09 (締め日 20) with a meter and an occupant; the
 * occupant's contract. */
static int64_t
billed_contract(void)
{
    char body[256], path[96];
    struct http h;
    int64_t point = made("/api/v1/supply-points",
                         "{\"prefecture\":\"大分県\",\"city\":\"別府市\","
                         "\"street\":\"北浜1-1\",\"supply_kind\":"
                         "\"individual\",\"route\":\"R09\",\"route_order\":1,"
                         "\"billing_group\":20}");
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/meters",
             (long long)point);
    made(path, "{\"serial\":\"FX-1\",\"kind\":\"E\",\"capacity\":\"2.5\","
               "\"digits\":4,\"install_date\":\"2020-06-01\","
               "\"initial_index\":\"0.0\"}");
    int64_t cust = made("/api/v1/customers",
                        "{\"number\":\"FX-1\",\"name\":\"別府 一郎\","
                        "\"kana\":\"ベップ イチロウ\",\"kind\":\"household\"}");
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/move",
             (long long)point);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"date\":\"2025-01-01\",\"contract\":"
             "{\"payment_method\":\"collection\"}}",
             (long long)cust);
    ok("POST", path, body, &h);
    int64_t contract = json_integer_value(
        json_object_get(json_object_get(h.json, "contract"), "id"));
    http_free(&h);
    read_month(point, "2026-09", "100.0");
    read_month(point, "2026-10", "112.3");
    return contract;
}

static json_t *
get(const char *path)
{
    struct http h;
    ok("GET", path, NULL, &h);
    json_t *j = json_incref(h.json);
    http_free(&h);
    return j;
}

static json_t *
invoice_get(int64_t id)
{
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/invoices/%lld", (long long)id);
    return get(path);
}

/* The line of kind in invoice iv. */
static json_t *
line_of(const json_t *iv, const char *kind)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(iv, "lines"), i, l)
    {
        if (!strcmp(str(l, "kind"), kind))
            return l;
    }
    fail_msg("no %s line", kind);
    return NULL;
}

static void
fixture(void)
{
    char path[96], body[256];
    struct http h;
    if (fx.invoice)
        return;
    fx.tariff = make_tariff("FIX", "two_part");
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/versions",
             (long long)fx.tariff);
    made(path, "{\"effective_from\":\"2025-01-01\",\"tax_included\":false,"
               "\"base_fee\":\"1800\",\"bands\":"
               "[{\"upper_m3\":null,\"unit_price\":\"500.00\"}]}");
    json_t *t = get(path);
    fx.version = num(json_array_get(json_object_get(t, "versions"), 0), "id");
    json_decref(t);
    fx.contract = billed_contract();
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/tariff",
             (long long)fx.contract);
    snprintf(body, sizeof(body), "{\"tariff_id\":%lld}", (long long)fx.tariff);
    ok("PUT", path, body, &h);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/equipment-fees",
             (long long)fx.contract);
    req("POST", path,
        "{\"description\":\"ガス漏れ警報器\",\"fee\":\"330\","
        "\"starts_on\":\"2025-01-01\"}",
        &h);
    assert_int_equal(h.status, 201);
    fx.fee =
        num(json_array_get(json_object_get(h.json, "equipment_fees"), 0), "id");
    http_free(&h);
    ok("POST", "/api/v1/billing-runs",
       "{\"billing_group\":20,\"month\":\"2026-10\",\"preview\":false}", &h);
    fx.run = num(h.json, "run_id");
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/invoices?run_id=%lld",
             (long long)fx.run);
    t = get(path);
    fx.invoice = num(json_array_get(json_object_get(t, "invoices"), 0), "id");
    json_decref(t);
    assert_true(fx.invoice > 0);
    fx.issued = invoice_get(fx.invoice);
    /* 12.3 m³ × ¥500.00 = 6,150 */
    assert_int_equal(num(line_of(fx.issued, "usage"), "amount_yen"), 6150);
}

static void
version_path(char *out, size_t n, const char *suffix)
{
    snprintf(out, n, "/api/v1/tariffs/%lld/versions/%lld%s",
             (long long)fx.tariff, (long long)fx.version, suffix);
}

/* The version's unit price (first band) and its ETag. */
static void
version_now(char price[16], char etag[16])
{
    char path[128];
    struct http h;
    version_path(path, sizeof(path), "");
    ok("GET", path, NULL, &h);
    json_t *band = json_array_get(json_object_get(h.json, "bands"), 0);
    snprintf(price, 16, "%s", str(band, "unit_price"));
    snprintf(etag, 16, "%s", http_header(&h, "ETag"));
    http_free(&h);
}

#define FIXED_BODY(price, reason)                                              \
    "{\"effective_from\":\"2025-01-01\",\"tax_included\":false,"               \
    "\"base_fee\":\"1800\",\"bands\":[{\"upper_m3\":null,"                     \
    "\"unit_price\":\"" price "\"}]" reason "}"

static size_t
corrections(void)
{
    char path[128];
    version_path(path, sizeof(path), "/history");
    json_t *j = get(path);
    size_t n = json_array_size(json_object_get(j, "corrections"));
    json_decref(j);
    return n;
}

static void
test_version_correction_with_stale_etag_changes_nothing(void **state)
{
    (void)state;
    char path[128], price[16], etag[16];
    struct http h;
    fixture();
    version_now(price, etag);
    assert_string_equal(price, "500.00");
    assert_string_equal(etag, "\"1\"");
    version_path(path, sizeof(path), "");
    /* no If-Match: a field error */
    req("PUT", path, FIXED_BODY("450.00", ",\"reason\":\"単価の誤り\""), &h);
    assert_problem(&h, 422, "invalid");
    assert_true(names_field(&h, "If-Match"));
    http_free(&h);
    admin_c.extra_header = "If-Match: \"7\"";
    req("PUT", path, FIXED_BODY("450.00", ",\"reason\":\"単価の誤り\""), &h);
    admin_c.extra_header = NULL;
    assert_problem(&h, 409, "customers.version_conflict");
    assert_string_equal(http_header(&h, "ETag"), "\"1\"");
    http_free(&h);
    version_now(price, etag);
    assert_string_equal(price, "500.00");
    assert_string_equal(etag, "\"1\"");
    assert_int_equal(corrections(), 0);
}

static void
test_version_correction_errors_name_the_field_and_change_nothing(void **state)
{
    (void)state;
    char path[128], price[16], etag[16], body[512];
    struct http h;
    fixture();
    version_path(path, sizeof(path), "");
    admin_c.extra_header = "If-Match: \"1\"";
    req("PUT", path, FIXED_BODY("450.00", ""), &h); /* no reason */
    assert_problem(&h, 422, "invalid");
    assert_true(names_field(&h, "reason"));
    http_free(&h);
    req("PUT", path, FIXED_BODY("450.001", ",\"reason\":\"x\""), &h);
    assert_int_equal(h.status, 422);
    assert_true(names_field(&h, "unit_price") || names_field(&h, "bands"));
    http_free(&h);
    /* the 2025 rule: no equipment fee in a two-part tariff */
    req("PUT", path,
        "{\"effective_from\":\"2025-01-01\",\"tax_included\":false,"
        "\"base_fee\":\"1800\",\"equipment_fee\":\"330\",\"bands\":"
        "[{\"upper_m3\":null,\"unit_price\":\"450\"}],\"reason\":\"x\"}",
        &h);
    assert_problem(&h, 422, "billing.tariff_invalid");
    assert_true(names_field(&h, "equipment_fee"));
    http_free(&h);
    /* another version's date */
    snprintf(body, sizeof(body), "/api/v1/tariffs/%lld/versions",
             (long long)fx.tariff);
    admin_c.extra_header = NULL;
    made(body, "{\"effective_from\":\"2030-01-01\",\"tax_included\":false,"
               "\"base_fee\":\"1900\",\"bands\":"
               "[{\"upper_m3\":null,\"unit_price\":\"480\"}]}");
    json_t *t = get(body); /* newest first */
    fx.later = num(json_array_get(json_object_get(t, "versions"), 0), "id");
    json_decref(t);
    admin_c.extra_header = "If-Match: \"1\"";
    req("PUT", path,
        "{\"effective_from\":\"2030-01-01\",\"tax_included\":false,"
        "\"base_fee\":\"1800\",\"bands\":"
        "[{\"upper_m3\":null,\"unit_price\":\"450\"}],\"reason\":\"x\"}",
        &h);
    assert_int_equal(h.status, 422);
    assert_true(names_field(&h, "effective_from"));
    http_free(&h);
    snprintf(body, sizeof(body), "/api/v1/tariffs/%lld/versions/999999",
             (long long)fx.tariff);
    req("PUT", body, FIXED_BODY("450", ",\"reason\":\"x\""), &h);
    assert_int_equal(h.status, 404);
    http_free(&h);
    admin_c.extra_header = NULL;
    version_now(price, etag);
    assert_string_equal(price, "500.00");
    assert_string_equal(etag, "\"1\"");
    assert_int_equal(corrections(), 0);
}

static void
test_version_correction_keeps_issued_invoices(void **state)
{
    (void)state;
    char path[128], price[16], etag[16];
    struct http h;
    fixture();
    version_path(path, sizeof(path), "");
    admin_c.extra_header = "If-Match: \"1\"";
    req("PUT", path,
        FIXED_BODY("450.00", ",\"reason\":\"単価の入力誤り（450円）\""), &h);
    admin_c.extra_header = NULL;
    if (h.status != 200)
        fail_msg("PUT version: %ld %s", h.status, h.body);
    assert_string_equal(http_header(&h, "ETag"), "\"2\"");
    assert_int_equal(num(h.json, "revision"), 2);
    http_free(&h);
    version_now(price, etag);
    assert_string_equal(price, "450.00");
    /* the history keeps what was there, who, when and why */
    version_path(path, sizeof(path), "/history");
    json_t *hist = get(path);
    json_t *c = json_array_get(json_object_get(hist, "corrections"), 0);
    assert_int_equal(json_array_size(json_object_get(hist, "corrections")), 1);
    assert_string_equal(str(c, "reason"), "単価の入力誤り（450円）");
    assert_non_null(str(c, "corrected_by"));
    assert_non_null(str(c, "corrected_at"));
    assert_string_equal(
        str(json_array_get(
                json_object_get(json_object_get(c, "before"), "bands"), 0),
            "unit_price"),
        "500.00");
    assert_string_equal(
        str(json_array_get(
                json_object_get(json_object_get(c, "after"), "bands"), 0),
            "unit_price"),
        "450.00");
    json_decref(hist);
    snprintf(path, sizeof(path),
             "/api/v1/audit?action=tariff.version_correct&target=tariff:%lld",
             (long long)fx.tariff);
    json_t *audit = get(path);
    assert_int_equal(json_array_size(json_object_get(audit, "entries")), 1);
    json_decref(audit);
    /* the issued invoice is as it was */
    json_t *now = invoice_get(fx.invoice);
    assert_true(json_equal(now, fx.issued));
    json_decref(now);
    /* and it is listed as priced by the version */
    snprintf(path, sizeof(path), "/api/v1/invoices?tariff_version=%lld",
             (long long)fx.version);
    json_t *l = get(path);
    assert_int_equal(json_array_size(json_object_get(l, "invoices")), 1);
    assert_int_equal(
        num(json_array_get(json_object_get(l, "invoices"), 0), "id"),
        fx.invoice);
    json_decref(l);
    /* the same content again is no correction */
    version_path(path, sizeof(path), "");
    admin_c.extra_header = "If-Match: \"2\"";
    ok("PUT", path, FIXED_BODY("450.00", ",\"reason\":\"再送\""), &h);
    admin_c.extra_header = NULL;
    assert_int_equal(num(h.json, "revision"), 2);
    http_free(&h);
    assert_int_equal(corrections(), 1);
    /* another version of the tariff priced nothing */
    snprintf(path, sizeof(path), "/api/v1/invoices?tariff_version=%lld",
             (long long)fx.later);
    l = get(path);
    assert_int_equal(json_array_size(json_object_get(l, "invoices")), 0);
    json_decref(l);
}

static void
test_invoice_correction_reprices_at_corrected_price(void **state)
{
    (void)state;
    char path[128];
    struct http h;
    fixture();
    snprintf(path, sizeof(path), "/api/v1/invoices/%lld/correct",
             (long long)fx.invoice);
    req("POST", path, "{\"reason\":\"料金表の訂正（単価450円）\"}", &h);
    if (h.status != 201)
        fail_msg("correct: %ld %s", h.status, h.body);
    /* 12.3 m³ × ¥450.00 = 5,535; 設備料金 as the contract has it now */
    json_t *usage = line_of(h.json, "usage");
    assert_string_equal(str(usage, "unit_price"), "450.00");
    assert_int_equal(num(usage, "amount_yen"), 5535);
    assert_int_equal(num(line_of(h.json, "equipment"), "amount_yen"), 440);
    assert_int_equal(num(h.json, "corrects_id"), fx.invoice);
    int64_t fixed = num(h.json, "id");
    http_free(&h);
    /* the original keeps its amounts and lines; only its status moved */
    json_t *orig = invoice_get(fx.invoice);
    assert_string_equal(str(orig, "status"), "void");
    json_object_set_new(orig, "status", json_string("issued"));
    assert_true(json_equal(orig, fx.issued));
    json_decref(orig);
    snprintf(path, sizeof(path), "/api/v1/invoices?tariff_version=%lld",
             (long long)fx.version);
    json_t *l = get(path);
    json_t *list = json_object_get(l, "invoices");
    assert_int_equal(json_array_size(list), 2);
    assert_int_equal(num(json_array_get(list, 1), "id"), fixed);
    json_decref(l);
}

static void
fee_path(char *out, size_t n, int64_t fee)
{
    snprintf(out, n, "/api/v1/contracts/%lld/equipment-fees/%lld",
             (long long)fx.contract, (long long)fee);
}

static const char *
fee_now(char out[16])
{
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/equipment-fees",
             (long long)fx.contract);
    json_t *j = get(path);
    snprintf(
        out, 16, "%s",
        str(json_array_get(json_object_get(j, "equipment_fees"), 0), "fee"));
    json_decref(j);
    return out;
}

static void
test_equipment_fee_correction(void **state)
{
    (void)state;
    char path[128], fee[16];
    struct http h;
    fixture();
    fee_path(path, sizeof(path), fx.fee);
    req("PATCH", path, "{\"fee\":\"440\"}", &h); /* no reason */
    assert_problem(&h, 422, "invalid");
    assert_true(names_field(&h, "reason"));
    http_free(&h);
    req("PATCH", path, "{\"description\":\"エアコン\",\"reason\":\"x\"}", &h);
    assert_int_equal(h.status, 422);
    assert_true(names_field(&h, "description"));
    http_free(&h);
    req("PATCH", path, "{\"fee\":\"4.401\",\"reason\":\"x\"}", &h);
    assert_int_equal(h.status, 422);
    assert_true(names_field(&h, "fee"));
    http_free(&h);
    req("PATCH", path, "{\"appliance_id\":999999,\"reason\":\"x\"}", &h);
    assert_int_equal(h.status, 422);
    assert_true(names_field(&h, "appliance_id"));
    http_free(&h);
    req("PATCH", path, "{\"reason\":\"x\"}", &h); /* nothing to correct */
    assert_int_equal(h.status, 422);
    http_free(&h);
    assert_string_equal(fee_now(fee), "330.00");
    fee_path(path, sizeof(path), 999999);
    req("PATCH", path, "{\"fee\":\"440\",\"reason\":\"x\"}", &h);
    assert_int_equal(h.status, 404);
    http_free(&h);
    fee_path(path, sizeof(path), fx.fee);
    ok("PATCH", path,
       "{\"fee\":\"440\",\"description\":\"ガス漏れ警報器（リース）\","
       "\"reason\":\"月額の入力誤り\"}",
       &h);
    http_free(&h);
    assert_string_equal(fee_now(fee), "440.00");
    snprintf(path, sizeof(path),
             "/api/v1/audit?action=contract.equipment_fee_correct"
             "&target=contract:%lld",
             (long long)fx.contract);
    json_t *audit = get(path);
    json_t *e = json_array_get(json_object_get(audit, "entries"), 0);
    assert_int_equal(json_array_size(json_object_get(audit, "entries")), 1);
    json_t *d = json_object_get(e, "detail");
    assert_string_equal(str(json_object_get(d, "before"), "fee"), "330.00");
    assert_string_equal(str(json_object_get(d, "after"), "fee"), "440.00");
    assert_string_equal(str(d, "reason"), "月額の入力誤り");
    json_decref(audit);
    /* the invoice issued before keeps its ¥330 */
    json_t *now = invoice_get(fx.invoice);
    assert_int_equal(num(line_of(now, "equipment"), "amount_yen"), 330);
    json_decref(now);
}

/* 三部料金制: a fee correction may not leave the contract without one. */
static void
test_equipment_fee_correction_keeps_three_part_rule(void **state)
{
    (void)state;
    int64_t contract = make_contract("T-300");
    int64_t tp = make_tariff("EQ3", "three_part");
    char path[128], body[96];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/versions",
             (long long)tp);
    made(path, "{\"effective_from\":\"2024-04-01\",\"tax_included\":true,"
               "\"base_fee\":\"1800\",\"equipment_fee\":\"0\","
               "\"bands\":[{\"upper_m3\":null,\"unit_price\":\"700\"}]}");
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/equipment-fees",
             (long long)contract);
    req("POST", path,
        "{\"description\":\"配管\",\"fee\":\"550\","
        "\"starts_on\":\"2025-01-10\"}",
        &h);
    assert_int_equal(h.status, 201);
    int64_t fee =
        num(json_array_get(json_object_get(h.json, "equipment_fees"), 0), "id");
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/tariff",
             (long long)contract);
    snprintf(body, sizeof(body), "{\"tariff_id\":%lld}", (long long)tp);
    ok("PUT", path, body, &h);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/equipment-fees/%lld",
             (long long)contract, (long long)fee);
    req("PATCH", path, "{\"fee\":\"0\",\"reason\":\"無償化\"}", &h);
    assert_problem(&h, 422, "billing.tariff_invalid");
    assert_true(names_field(&h, "fee"));
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/equipment-fees",
             (long long)contract);
    json_t *j = get(path);
    assert_string_equal(
        str(json_array_get(json_object_get(j, "equipment_fees"), 0), "fee"),
        "550.00");
    json_decref(j);
}

/* GET answers the tariff's ETag; a stale PATCH gets the current one. */
static void
test_tariff_etag(void **state)
{
    (void)state;
    int64_t id = make_tariff("ETAG", "two_part");
    char path[64];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld", (long long)id);
    ok("GET", path, NULL, &h);
    assert_string_equal(http_header(&h, "ETag"), "\"1\"");
    http_free(&h);
    admin_c.extra_header = "If-Match: \"1\"";
    ok("PATCH", path, "{\"notes\":\"改定予定\"}", &h);
    assert_string_equal(http_header(&h, "ETag"), "\"2\"");
    http_free(&h);
    req("PATCH", path, "{\"notes\":\"古い\"}", &h);
    admin_c.extra_header = NULL;
    assert_problem(&h, 409, "customers.version_conflict");
    assert_string_equal(http_header(&h, "ETag"), "\"2\"");
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
        {"GET", "/api/v1/tariffs/1/versions/1"},
        {"PUT", "/api/v1/tariffs/1/versions/1"},
        {"GET", "/api/v1/tariffs/1/versions/1/history"},
        {"PATCH", "/api/v1/contracts/1/equipment-fees/1"},
        {"GET", "/api/v1/invoices?tariff_version=1"},
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
        cmocka_unit_test(
            test_version_correction_with_stale_etag_changes_nothing),
        cmocka_unit_test(
            test_version_correction_errors_name_the_field_and_change_nothing),
        cmocka_unit_test(test_version_correction_keeps_issued_invoices),
        cmocka_unit_test(test_equipment_fee_correction),
        cmocka_unit_test(test_invoice_correction_reprices_at_corrected_price),
        cmocka_unit_test(test_equipment_fee_correction_keeps_three_part_rule),
        cmocka_unit_test(test_tariff_etag),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_reader_forbidden),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
