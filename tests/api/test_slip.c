/*
 * test_slip.c — the reading slip (検針票) over HTTP (src/billing/slip*.c,
 * the slip page of statement_pdf.c) against a real server.
 *
 * Data, all on route R01 (締め日 20): billing settings (registration
 * number, issuer); a three-part tariff GAS (基本料金 ¥1,800, 設備料金
 * ¥300, ¥500.00/m³, tax excluded) and a tariff LATE whose only version
 * starts in 2027; October's 原料費調整 +¥5.00/m³ (tax excluded); points
 *   A 8001 口座振替, GAS          B 8002 集金, GAS (an open charge)
 *   C 8003 no tariff             D 8004 LATE (its October reading corrected)
 *   E vacant (no contract)       F 8006 GAS, moves out on 10-05 (転居時検針)
 *                                  to 8007, GAS
 * read in August (the meters' first readings), September (billed; B's
 * September invoice adjusted +¥550, a charge for the next invoice) and
 * October (periods left open while the slips are printed).
 *
 * Covers:
 *   - the slip's amounts are the gas charges computed by hand (A:
 *     1,800 + 12.3 × 500 = 6,150 + 300 + 原料費調整 12.3 × 5.00 = 61
 *     (切り捨て) → 8,311, tax 831, total 9,142), with last month's usage,
 *     the period, next reading and debit dates;
 *   - after October is closed and billed, each invoice has exactly the
 *     lines, subtotal, tax, total, period and due date the slip showed
 *     (A, the move_out reading billed to the leaving occupant, the
 *     newcomer's first regular reading), and B's invoice has the slip's
 *     lines plus the charge the slip left alone;
 *   - a meter reader gets the slip and its PDF but 403 on /invoices;
 *   - the PDF is one 80 mm page whose text (pdftotext) holds the customer
 *     number, usage and amount;
 *   - unknown or malformed ids are 404 metering.reading_not_found; the
 *     unpriceable readings answer billing.slip_* with a Japanese detail
 *     (no usage: first reading and move_in; no tariff; no price; corrected;
 *     no contract), and none of it changes invoices or readings.
 */
#include "accounts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define REGISTRATION "T7123456789012"
#define DEBIT                                                                  \
    "\"payment_method\":\"debit\",\"bank_code\":\"0177\","                     \
    "\"branch_code\":\"201\",\"account_type\":\"1\","                          \
    "\"account_number\":\"7654321\",\"account_holder\":\"スルガ ハナコ\""
#define COLLECTION "\"payment_method\":\"collection\""

static struct server srv;
static struct account admin, reader;
static struct client admin_c, reader_c;
static int64_t gas, late;
static int64_t pt_a, pt_b, pt_c, pt_d, pt_e, pt_f;
/* readings */
static int64_t a_aug, a_oct, b_oct, c_oct, d_oct, d_fixed, e_oct;
static int64_t f_out, f_in, f_oct;
static int64_t sept_invoice; /* any September invoice */
/* slips printed before October is billed */
static json_t *slip_a, *slip_b, *slip_f_out, *slip_f_oct;

static int64_t
num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static const char *
str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void
req_ok(struct client *c, const char *method, const char *path, const char *json,
       long status, struct http *h)
{
    client_req(&srv, c, method, path, json, h);
    if (h->status != status)
        fail_msg("%s %s: %ld %s", method, path, h->status, h->body);
}

static int64_t
make(const char *path, const char *json)
{
    struct http h;
    req_ok(&admin_c, "POST", path, json, 201, &h);
    int64_t id = num(h.json, "id");
    http_free(&h);
    return id;
}

/* ---------------------------------------------------------------------- */
/* Data                                                                   */
/* ---------------------------------------------------------------------- */

static void
put_tariff(int64_t contract, int64_t tariff)
{
    char path[96], body[64];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/tariff",
             (long long)contract);
    snprintf(body, sizeof(body), "{\"tariff_id\":%lld}", (long long)tariff);
    req_ok(&admin_c, "PUT", path, body, 200, &h);
    http_free(&h);
}

/* Customer number moves in on date with contract (its fields); the new
 * contract's id. */
static int64_t
move_in(int64_t point, const char *number, const char *date,
        const char *contract, const char *reading)
{
    char body[768], path[96];
    struct http h;
    snprintf(body, sizeof(body),
             "{\"number\":\"%s\",\"name\":\"駿河 %s\",\"kana\":\"スルガ\","
             "\"kind\":\"household\"}",
             number, number);
    int64_t cust = make("/api/v1/customers", body);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/move",
             (long long)point);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"date\":\"%s\",\"contract\":{%s}%s%s%s}",
             (long long)cust, date, contract,
             reading ? ",\"reading\":{\"index\":\"" : "",
             reading ? reading : "", reading ? "\"}" : "");
    req_ok(&admin_c, "POST", path, body, 200, &h);
    int64_t id = num(json_object_get(h.json, "contract"), "id");
    http_free(&h);
    return id;
}

/* A point on R01 with a meter; occupied by number under tariff (0: none)
 * unless number is NULL. */
static int64_t
point(int order, const char *number, const char *contract, int64_t tariff)
{
    char body[512], path[96];
    snprintf(body, sizeof(body),
             "{\"prefecture\":\"静岡県\",\"city\":\"静岡市葵区\","
             "\"street\":\"追手町%d\",\"supply_kind\":\"individual\","
             "\"route\":\"R01\",\"route_order\":%d,\"billing_group\":20}",
             order, order);
    int64_t pt = make("/api/v1/supply-points", body);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/meters",
             (long long)pt);
    snprintf(body, sizeof(body),
             "{\"serial\":\"M-%d\",\"kind\":\"E\",\"capacity\":\"2.5\","
             "\"digits\":4,\"install_date\":\"2020-06-01\","
             "\"initial_index\":\"0.0\"}",
             order);
    make(path, body);
    if (number) {
        int64_t c = move_in(pt, number, "2025-01-01", contract, NULL);
        if (tariff)
            put_tariff(c, tariff);
    }
    return pt;
}

static int64_t
tariff(const char *code, const char *kind, const char *version)
{
    char body[256], path[96];
    snprintf(body, sizeof(body),
             "{\"code\":\"%s\",\"name\":\"%s\",\"kind\":\"%s\"}", code, code,
             kind);
    int64_t id = make("/api/v1/tariffs", body);
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/versions",
             (long long)id);
    make(path, version);
    return id;
}

static int64_t
open_period(const char *month)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"route\":\"R01\",\"month\":\"%s\",\"starts_on\":\"%s-01\","
             "\"ends_on\":\"%s-28\"}",
             month, month, month);
    return make("/api/v1/reading-periods", body);
}

static void
close_period(int64_t period)
{
    char path[96];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/close",
             (long long)period);
    req_ok(&admin_c, "POST", path, "{\"force\":true}", 200, &h);
    http_free(&h);
}

/* The meter reader reads pt on date; the reading's id. */
static int64_t
read_pt(int64_t pt, const char *date, const char *index)
{
    char body[512];
    struct http h;
    snprintf(body, sizeof(body),
             "{\"items\":[{\"key\":\"slip-%lld-%s\",\"supply_point_id\":%lld,"
             "\"read_on\":\"%s\",\"index\":\"%s\",\"note\":null}]}",
             (long long)pt, date, (long long)pt, date, index);
    req_ok(&reader_c, "POST", "/api/v1/readings", body, 200, &h);
    json_t *res = json_array_get(json_object_get(h.json, "results"), 0);
    if (strcmp(str(res, "outcome"), "accepted") &&
        strcmp(str(res, "outcome"), "flagged"))
        fail_msg("reading %s: %s", index, h.body);
    int64_t id = num(json_object_get(res, "reading"), "id");
    http_free(&h);
    return id;
}

static int64_t
bill(const char *month)
{
    char body[128];
    struct http h;
    snprintf(body, sizeof(body),
             "{\"billing_group\":20,\"month\":\"%s\",\"preview\":false}",
             month);
    req_ok(&admin_c, "POST", "/api/v1/billing-runs", body, 200, &h);
    int64_t run = num(h.json, "run_id");
    http_free(&h);
    return run;
}

/* The run's invoice for contract_id and reading date (full JSON). */
static json_t *
invoice_of(int64_t run, int64_t contract_id, const char *read_on)
{
    char path[128];
    struct http h;
    json_t *inv, *found = NULL;
    size_t i;
    snprintf(path, sizeof(path), "/api/v1/invoices?run_id=%lld&limit=500",
             (long long)run);
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    json_array_foreach(json_object_get(h.json, "invoices"), i, inv)
    {
        if (num(inv, "contract_id") == contract_id &&
            !strcmp(str(json_object_get(inv, "period"), "to"), read_on)) {
            snprintf(path, sizeof(path), "/api/v1/invoices/%lld",
                     (long long)num(inv, "id"));
            struct http one;
            req_ok(&admin_c, "GET", path, NULL, 200, &one);
            found = json_incref(one.json);
            http_free(&one);
        }
    }
    http_free(&h);
    if (!found)
        fail_msg("no invoice for contract %lld on %s", (long long)contract_id,
                 read_on);
    return found;
}

/* The newest readings of pt: its move_out, move_in (by kind). */
static void
move_readings(int64_t pt, int64_t *out, int64_t *in)
{
    char path[96];
    struct http h;
    json_t *r;
    size_t i;
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/readings",
             (long long)pt);
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    json_array_foreach(json_object_get(h.json, "readings"), i, r)
    {
        if (!strcmp(str(r, "kind"), "move_out"))
            *out = num(r, "id");
        if (!strcmp(str(r, "kind"), "move_in") &&
            !strcmp(str(r, "read_on"), "2026-10-05"))
            *in = num(r, "id");
    }
    http_free(&h);
    assert_true(*out > 0 && *in > 0);
}

static void
settings_and_tariffs(void)
{
    struct http h;
    req_ok(&admin_c, "PUT", "/api/v1/settings/billing",
           "{\"registration\":\"" REGISTRATION "\",\"due_days\":20,"
           "\"issuer\":{\"name\":\"駿河プロパン株式会社\",\"address\":"
           "\"静岡県静岡市駿河区1-1\",\"phone\":\"054-000-1111\"}}",
           200, &h);
    http_free(&h);
    gas = tariff("GAS", "three_part",
                 "{\"effective_from\":\"2025-01-01\",\"tax_included\":false,"
                 "\"slide\":\"block\",\"base_fee\":\"1800\","
                 "\"equipment_fee\":\"300\",\"bands\":"
                 "[{\"upper_m3\":null,\"unit_price\":\"500.00\"}]}");
    late = tariff("LATE", "two_part",
                  "{\"effective_from\":\"2027-01-01\",\"tax_included\":false,"
                  "\"slide\":\"block\",\"base_fee\":\"1000\",\"bands\":"
                  "[{\"upper_m3\":null,\"unit_price\":\"400.00\"}]}");
    req_ok(&admin_c, "PUT", "/api/v1/cost-adjustments/2026-10",
           "{\"per_m3\":\"5.00\",\"tax_included\":false}", 200, &h);
    http_free(&h);
}

/* August (first readings) and September, closed; September billed; B's
 * September invoice adjusted by +¥550 (a charge for its next invoice). */
static void
august_september(void)
{
    struct http h;
    char path[96];
    int64_t p = open_period("2026-08");
    a_aug = read_pt(pt_a, "2026-08-10", "90.0");
    read_pt(pt_b, "2026-08-10", "190.0");
    read_pt(pt_c, "2026-08-10", "50.0");
    read_pt(pt_d, "2026-08-10", "70.0");
    read_pt(pt_f, "2026-08-10", "290.0");
    close_period(p);
    p = open_period("2026-09");
    read_pt(pt_a, "2026-09-10", "100.0");
    read_pt(pt_b, "2026-09-10", "200.0");
    read_pt(pt_c, "2026-09-10", "60.0");
    read_pt(pt_d, "2026-09-10", "80.0");
    read_pt(pt_f, "2026-09-10", "300.0");
    close_period(p);
    int64_t run = bill("2026-09");
    snprintf(path, sizeof(path), "/api/v1/invoices?run_id=%lld",
             (long long)run);
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    json_t *inv;
    size_t i;
    json_array_foreach(json_object_get(h.json, "invoices"), i, inv)
    {
        sept_invoice = num(inv, "id");
        if (strcmp(str(json_object_get(inv, "customer"), "number"), "8002"))
            continue;
        struct http a;
        snprintf(path, sizeof(path), "/api/v1/invoices/%lld/adjust",
                 (long long)num(inv, "id"));
        req_ok(&admin_c, "POST", path,
               "{\"amount_yen\":550,\"reason\":\"点検費用の請求漏れ\"}", 201,
               &a);
        http_free(&a);
    }
    http_free(&h);
    assert_true(sept_invoice > 0);
}

/* October, left open: F moves out on 10-05 with a reading, everyone is
 * read on 10-10, D's reading is corrected. */
static void
october(void)
{
    char path[96];
    struct http h;
    open_period("2026-10");
    int64_t c = move_in(pt_f, "8007", "2026-10-05", COLLECTION, "305.0");
    put_tariff(c, gas);
    move_readings(pt_f, &f_out, &f_in);
    a_oct = read_pt(pt_a, "2026-10-10", "112.3");
    b_oct = read_pt(pt_b, "2026-10-10", "210.0");
    c_oct = read_pt(pt_c, "2026-10-10", "70.0");
    d_oct = read_pt(pt_d, "2026-10-10", "90.0");
    e_oct = read_pt(pt_e, "2026-10-10", "10.0");
    f_oct = read_pt(pt_f, "2026-10-10", "310.0");
    snprintf(path, sizeof(path), "/api/v1/readings/%lld/correct",
             (long long)d_oct);
    req_ok(&admin_c, "POST", path, "{\"index\":\"91.0\"}", 200, &h);
    d_fixed = num(h.json, "id");
    http_free(&h);
    assert_true(d_fixed > d_oct);
}

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "駿河プロパン株式会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    settings_and_tariffs();
    pt_a = point(1, "8001", DEBIT, gas);
    pt_b = point(2, "8002", COLLECTION, gas);
    pt_c = point(3, "8003", COLLECTION, 0);
    pt_d = point(4, "8004", COLLECTION, late);
    pt_e = point(5, NULL, NULL, 0);
    pt_f = point(6, "8006", COLLECTION, gas);
    august_september();
    october();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    json_decref(slip_a);
    json_decref(slip_b);
    json_decref(slip_f_out);
    json_decref(slip_f_oct);
    client_free(&admin_c);
    client_free(&reader_c);
    server_down(&srv);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Helpers for the checks                                                 */
/* ---------------------------------------------------------------------- */

/* GET the slip of reading id as the meter reader (200). */
static json_t *
slip(int64_t id)
{
    char path[96];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/readings/%lld/slip", (long long)id);
    req_ok(&reader_c, "GET", path, NULL, 200, &h);
    json_t *j = json_incref(h.json);
    http_free(&h);
    return j;
}

static char *
pdf_text(const struct http *h)
{
    char in[] = "/tmp/pl_api_slip_XXXXXX", out[64], cmd[160];
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, h->body, h->len), (ssize_t)h->len);
    close(fd);
    snprintf(out, sizeof(out), "%s.txt", in);
    snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 %s %s", in, out);
    assert_int_equal(system(cmd), 0);
    char *text = slurp(out);
    assert_non_null(text);
    unlink(in);
    unlink(out);
    return text;
}

/* Today (JST) plus days, as the server dates a billing run. */
static void
jst_plus(int days, char out[11])
{
    time_t t = time(NULL) + 9 * 3600 + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The invoice's lines without its "charge" lines. */
static json_t *
gas_lines(const json_t *inv)
{
    json_t *out = json_array(), *l;
    size_t i;
    json_array_foreach(json_object_get(inv, "lines"), i, l)
    {
        if (strcmp(str(l, "kind"), "charge"))
            json_array_append(out, l);
    }
    return out;
}

static void
assert_same(const json_t *a, const json_t *b, const char *what)
{
    if (!json_equal(a, b)) {
        char *x = json_dumps(a, JSON_COMPACT), *y = json_dumps(b, JSON_COMPACT);
        fail_msg("%s differ:\n slip    %s\n invoice %s", what, x, y);
    }
}

/* The slip shows what the invoice bills for the reading. */
static void
assert_slip_is_invoice(const json_t *s, const json_t *inv)
{
    json_t *lines = gas_lines(inv);
    assert_same(json_object_get(s, "lines"), lines, "lines");
    json_decref(lines);
    const char *keys[] = {"subtotal_yen", "tax_yen", "total_yen"};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(num(s, keys[i]), num(inv, keys[i]));
    assert_same(json_object_get(s, "tax"), json_object_get(inv, "tax"), "tax");
    assert_same(json_object_get(s, "customer"),
                json_object_get(inv, "customer"), "customer");
    assert_string_equal(str(s, "due_on"), str(inv, "due_on"));
    assert_string_equal(str(json_object_get(s, "period"), "from"),
                        str(json_object_get(inv, "period"), "from"));
    assert_string_equal(str(json_object_get(s, "reading"), "usage_m3"),
                        str(json_object_get(inv, "reading"), "usage_m3"));
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */
/* ---------------------------------------------------------------------- */

static void
test_slip_shows_the_readings_own_gas_charges(void **state)
{
    (void)state;
    char due[11];
    slip_a = slip(a_oct);
    slip_b = slip(b_oct);
    slip_f_out = slip(f_out);
    slip_f_oct = slip(f_oct);
    const json_t *rd = json_object_get(slip_a, "reading");
    const json_t *per = json_object_get(slip_a, "period");
    assert_int_equal(num(slip_a, "reading_id"), a_oct);
    assert_string_equal(str(json_object_get(slip_a, "customer"), "number"),
                        "8001");
    assert_string_equal(str(rd, "previous_index"), "100.0");
    assert_string_equal(str(rd, "current_index"), "112.3");
    assert_string_equal(str(rd, "usage_m3"), "12.3");
    assert_string_equal(str(rd, "last_month_usage_m3"), "10.0");
    assert_true(json_is_null(json_object_get(rd, "last_year_usage_m3")));
    assert_string_equal(str(per, "from"), "2026-09-11");
    assert_string_equal(str(per, "to"), "2026-10-10");
    assert_int_equal(num(per, "days"), 30);
    /* base, usage, equipment, adjustment; by hand */
    const json_t *lines = json_object_get(slip_a, "lines");
    const char *kinds[] = {"base", "usage", "equipment", "adjustment"};
    const int64_t yen[] = {1800, 6150, 300, 61};
    assert_int_equal(json_array_size(lines), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(str(json_array_get(lines, i), "kind"), kinds[i]);
        assert_int_equal(num(json_array_get(lines, i), "amount_yen"), yen[i]);
    }
    assert_int_equal(num(slip_a, "subtotal_yen"), 8311);
    assert_int_equal(num(slip_a, "tax_yen"), 831);
    assert_int_equal(num(slip_a, "total_yen"), 9142);
    assert_null(json_object_get(slip_a, "amount_due_yen"));
    assert_string_equal(str(slip_a, "payment_method"), "debit");
    jst_plus(20, due);
    assert_string_equal(str(slip_a, "due_on"), due);
    /* no November period yet: the same day next month */
    assert_string_equal(str(slip_a, "next_reading_on"), "2026-11-10");
    assert_string_equal(str(json_object_get(slip_a, "issuer"), "registration"),
                        REGISTRATION);
    /* B's open charge is not on its slip */
    json_t *l;
    size_t i;
    json_array_foreach(json_object_get(slip_b, "lines"), i, l)
        assert_string_not_equal(str(l, "kind"), "charge");
    /* 1,800 + 10.0 × 500 + 300 + 10.0 × 5.00 = 7,150; tax 715 */
    assert_int_equal(num(slip_b, "total_yen"), 7865);
    /* the leaving occupant's move_out reading bills her contract */
    assert_string_equal(str(json_object_get(slip_f_out, "customer"), "number"),
                        "8006");
    assert_string_equal(str(json_object_get(slip_f_out, "reading"), "usage_m3"),
                        "5.0");
    assert_string_equal(str(json_object_get(slip_f_oct, "customer"), "number"),
                        "8007");
}

static void
test_next_reading_date_follows_the_routes_next_period(void **state)
{
    (void)state;
    /* a period of the route that starts later than a month on */
    int64_t dec = open_period("2026-12");
    json_t *s = slip(a_oct);
    assert_string_equal(str(s, "next_reading_on"), "2026-12-01");
    json_decref(s);
    /* November's window holds the same day next month */
    int64_t nov = open_period("2026-11");
    s = slip(a_oct);
    assert_string_equal(str(s, "next_reading_on"), "2026-11-10");
    json_decref(s);
    assert_true(nov > dec);
}

static void
test_reader_gets_the_slip_but_not_invoices(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/readings/%lld/slip.pdf",
             (long long)a_oct);
    client_req(&srv, &reader_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    client_req(&srv, &reader_c, "GET", "/api/v1/invoices", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/invoices/%lld",
             (long long)sept_invoice);
    client_req(&srv, &reader_c, "GET", path, NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/invoices/%lld/statement.pdf",
             (long long)sept_invoice);
    client_req(&srv, &reader_c, "GET", path, NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    /* nor may it be written through */
    snprintf(path, sizeof(path), "/api/v1/readings/%lld/slip",
             (long long)a_oct);
    client_req(&srv, &reader_c, "POST", path, "{}", &h);
    assert_int_equal(h.status, 405);
    http_free(&h);
}

static void
test_slip_pdf_is_one_80mm_page_with_number_usage_and_amount(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/readings/%lld/slip.pdf",
             (long long)a_oct);
    client_req(&srv, &reader_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(http_header(&h, "Content-Type"), "application/pdf"));
    assert_true(h.len > 1000);
    assert_memory_equal(h.body, "%PDF-", 5);
    assert_non_null(memmem(h.body, h.len, "/MediaBox [ 0 0 226.7", 21));
    char *text = pdf_text(&h);
    const char *facts[] = {"検針票",       "8001",           "12.3 m³",
                           "9,142 円",     "ご請求予定額",   "口座振替日",
                           "原料費調整額", "次回検針予定日", REGISTRATION};
    for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
        if (!strstr(text, facts[i]))
            fail_msg("slip PDF lacks %s:\n%s", facts[i], text);
    free(text);
    http_free(&h);
}

/* Invoices and the readings involved, as text, to show nothing changed. */
static char *
state_text(void)
{
    const int64_t pts[] = {pt_a, pt_c, pt_d, pt_e, pt_f};
    size_t cap = 1 << 20, len = 0;
    char *all = calloc(1, cap), path[96];
    struct http h;
    assert_non_null(all);
    req_ok(&admin_c, "GET", "/api/v1/invoices?limit=500", NULL, 200, &h);
    len += (size_t)snprintf(all + len, cap - len, "%s\n", h.body);
    http_free(&h);
    for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
        snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/readings",
                 (long long)pts[i]);
        req_ok(&admin_c, "GET", path, NULL, 200, &h);
        len += (size_t)snprintf(all + len, cap - len, "%s\n", h.body);
        http_free(&h);
    }
    assert_true(len < cap);
    return all;
}

static void
refused(const char *id, long status, const char *code)
{
    const char *tails[] = {"slip", "slip.pdf"};
    char path[96];
    struct http h;
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "/api/v1/readings/%s/%s", id, tails[i]);
        client_req(&srv, &reader_c, "GET", path, NULL, &h);
        assert_problem(&h, status, code);
        if (status != 404 && !has_japanese(str(h.json, "detail")))
            fail_msg("%s: no Japanese detail: %s", path, h.body);
        http_free(&h);
    }
}

static void
refused_id(int64_t id, long status, const char *code)
{
    char t[32];
    snprintf(t, sizeof(t), "%lld", (long long)id);
    refused(t, status, code);
}

static void
test_unpriceable_readings_answer_their_code_and_change_nothing(void **state)
{
    (void)state;
    char *before = state_text();
    refused("999999", 404, "metering.reading_not_found");
    refused("abc", 404, "metering.reading_not_found");
    refused("0", 404, "metering.reading_not_found");
    refused("-1", 404, "metering.reading_not_found");
    refused("+1", 404, "metering.reading_not_found");
    refused("01", 404, "metering.reading_not_found");
    refused("99999999999999999999", 404, "metering.reading_not_found");
    refused_id(a_aug, 422, "billing.slip_no_usage"); /* first reading */
    refused_id(f_in, 422, "billing.slip_no_usage");  /* move_in, usage 0 */
    refused_id(c_oct, 422, "billing.slip_no_tariff");
    refused_id(d_fixed, 422, "billing.slip_no_price");
    refused_id(d_oct, 409, "billing.slip_reading_corrected");
    refused_id(e_oct, 422, "billing.slip_no_contract");
    char *after = state_text();
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void
test_billing_run_invoices_what_the_slips_showed(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    client_req(&srv, &admin_c, "GET", "/api/v1/reading-periods?month=2026-10",
               NULL, &h);
    int64_t oct =
        num(json_array_get(json_object_get(h.json, "periods"), 0), "id");
    http_free(&h);
    close_period(oct);
    int64_t run = bill("2026-10");
    json_t *inv = invoice_of(run, num(slip_a, "contract_id"), "2026-10-10");
    assert_slip_is_invoice(slip_a, inv);
    assert_int_equal(json_array_size(json_object_get(inv, "lines")), 4);
    json_decref(inv);
    inv = invoice_of(run, num(slip_f_out, "contract_id"), "2026-10-05");
    assert_slip_is_invoice(slip_f_out, inv);
    json_decref(inv);
    inv = invoice_of(run, num(slip_f_oct, "contract_id"), "2026-10-10");
    assert_slip_is_invoice(slip_f_oct, inv);
    json_decref(inv);
    /* B: the slip's lines, then the ¥550 charge the slip left open */
    inv = invoice_of(run, num(slip_b, "contract_id"), "2026-10-10");
    json_t *lines = gas_lines(inv);
    assert_same(json_object_get(slip_b, "lines"), lines, "B's lines");
    assert_int_equal(json_array_size(json_object_get(inv, "lines")),
                     json_array_size(lines) + 1);
    assert_true(num(inv, "total_yen") > num(slip_b, "total_yen") + 500);
    json_decref(lines);
    json_decref(inv);
    /* reprinted after billing: the same slip */
    json_t *again = slip(a_oct);
    assert_same(json_object_get(again, "lines"),
                json_object_get(slip_a, "lines"), "reprint");
    assert_int_equal(num(again, "total_yen"), num(slip_a, "total_yen"));
    json_decref(again);
    snprintf(path, sizeof(path), "/api/v1/readings/%lld/slip.pdf",
             (long long)f_out);
    client_req(&srv, &reader_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slip_shows_the_readings_own_gas_charges),
        cmocka_unit_test(test_next_reading_date_follows_the_routes_next_period),
        cmocka_unit_test(test_reader_gets_the_slip_but_not_invoices),
        cmocka_unit_test(
            test_slip_pdf_is_one_80mm_page_with_number_usage_and_amount),
        cmocka_unit_test(
            test_unpriceable_readings_answer_their_code_and_change_nothing),
        cmocka_unit_test(test_billing_run_invoices_what_the_slips_showed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
