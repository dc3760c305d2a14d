/*
 * test_statements.c — statements out over HTTP (src/billing/statement*.c,
 * export_csv.c): a tenant with billing settings (registration number,
 * issuer), a two-part tariff, a customer whose contract uses it, two
 * closed reading periods and a committed billing run; then
 *   - GET /invoices/{id}/statement.pdf is a PDF whose text (pdftotext)
 *     holds the registration number, the invoice number, 基本料金 /
 *     従量料金 / 設備料金 and the amounts computed by hand here;
 *   - GET /billing-runs/{id}/statements.pdf has one page per invoice,
 *     pages with after/limit, and is audited;
 *   - GET /billing-runs/{id}/export.csv (UTF-8 with BOM, Shift_JIS) has a
 *     heading row and one row per invoice, and is audited;
 *   - a meter reader gets 403 for all three; unknown ids are 404; bad
 *     query values are 422 field errors.
 */
#include "accounts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static struct server srv;
static struct account admin, reader, viewer;
static struct client admin_c, reader_c, viewer_c;
static int64_t run_id, invoice_id, invoice_number, total_yen;

#define REGISTRATION "T7123456789012"

static int64_t
num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
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

/* A point on route R01 (締め日 20) with a meter and an occupant whose
 * contract uses tariff; returns the point. */
static int64_t
occupied_point(int64_t tariff)
{
    char body[512], path[96];
    struct http h;
    int64_t point = make("/api/v1/supply-points",
                         "{\"prefecture\":\"静岡県\",\"city\":\"静岡市葵区\","
                         "\"street\":\"追手町9-6\",\"supply_kind\":"
                         "\"individual\",\"route\":\"R01\",\"route_order\":1,"
                         "\"billing_group\":20}");
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/meters",
             (long long)point);
    make(path, "{\"serial\":\"M-1\",\"kind\":\"E\",\"capacity\":\"2.5\","
               "\"digits\":4,\"install_date\":\"2020-06-01\","
               "\"initial_index\":\"0.0\"}");
    int64_t cust = make("/api/v1/customers",
                        "{\"number\":\"8001\",\"name\":\"駿河 花子\","
                        "\"kana\":\"スルガ ハナコ\",\"kind\":\"household\","
                        "\"postal_code\":\"420-0853\",\"prefecture\":"
                        "\"静岡県\",\"address\":\"静岡市葵区追手町9-6\"}");
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/move",
             (long long)point);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"date\":\"2025-01-01\",\"contract\":"
             "{\"payment_method\":\"collection\"}}",
             (long long)cust);
    req_ok(&admin_c, "POST", path, body, 200, &h);
    int64_t contract = json_integer_value(
        json_object_get(json_object_get(h.json, "contract"), "id"));
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/tariff",
             (long long)contract);
    snprintf(body, sizeof(body), "{\"tariff_id\":%lld}", (long long)tariff);
    req_ok(&admin_c, "PUT", path, body, 200, &h);
    http_free(&h);
    return point;
}

/* Open route R01's period for month, read point at index, close it. */
static void
read_month(int64_t point, const char *month, const char *day, const char *index)
{
    char body[512], path[96];
    struct http h;
    snprintf(body, sizeof(body),
             "{\"route\":\"R01\",\"month\":\"%s\",\"starts_on\":\"%s-01\","
             "\"ends_on\":\"%s-28\"}",
             month, month, month);
    int64_t period = make("/api/v1/reading-periods", body);
    snprintf(body, sizeof(body),
             "{\"items\":[{\"key\":\"st-%s\",\"supply_point_id\":%lld,"
             "\"read_on\":\"%s-%s\",\"index\":\"%s\",\"note\":null}]}",
             month, (long long)point, month, day, index);
    req_ok(&reader_c, "POST", "/api/v1/readings", body, 200, &h);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/close",
             (long long)period);
    req_ok(&admin_c, "POST", path, NULL, 200, &h);
    http_free(&h);
}

/* Settings, tariff (基本料金 ¥1,800, ¥500.00/m³, 税抜), one customer read
 * at 100.0 in September and 112.3 in October, the October run committed. */
static void
bill_october(void)
{
    struct http h;
    char path[96];
    req_ok(&admin_c, "PUT", "/api/v1/settings/billing",
           "{\"registration\":\"" REGISTRATION "\",\"issuer\":{\"name\":"
           "\"駿河プロパン株式会社\",\"address\":\"静岡県静岡市駿河区1-1\","
           "\"phone\":\"054-000-1111\"}}",
           200, &h);
    http_free(&h);
    int64_t tariff =
        make("/api/v1/tariffs", "{\"code\":\"STD\",\"name\":\"一般料金\","
                                "\"kind\":\"two_part\"}");
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/versions",
             (long long)tariff);
    make(path, "{\"effective_from\":\"2025-01-01\",\"tax_included\":false,"
               "\"slide\":\"block\",\"base_fee\":\"1800\",\"equipment_fee\":"
               "\"0\",\"bands\":"
               "[{\"upper_m3\":null,\"unit_price\":\"500.00\"}]}");
    int64_t point = occupied_point(tariff);
    read_month(point, "2026-09", "10", "100.0");
    read_month(point, "2026-10", "10", "112.3");
    req_ok(&admin_c, "POST", "/api/v1/billing-runs",
           "{\"billing_group\":20,\"month\":\"2026-10\",\"preview\":false}",
           200, &h);
    run_id = num(h.json, "run_id");
    assert_true(run_id > 0);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/invoices?run_id=%lld",
             (long long)run_id);
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    json_t *inv = json_array_get(json_object_get(h.json, "invoices"), 0);
    if (!inv)
        fail_msg("no invoice: %s", h.body);
    invoice_id = num(inv, "id");
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/invoices/%lld",
             (long long)invoice_id);
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    invoice_number = num(h.json, "number");
    total_yen = num(h.json, "amount_due_yen");
    http_free(&h);
}

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "駿河プロパン株式会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    account_make(&srv, "0001", "etsuran", "readonly", &viewer);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_enroll(&srv, &viewer);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    account_sign_in(&srv, &viewer_c, &viewer);
    bill_october();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&reader_c);
    client_free(&viewer_c);
    server_down(&srv);
    return 0;
}

/* pdftotext of a PDF body (malloc'd text). */
static char *
pdf_text(const struct http *h)
{
    char in[] = "/tmp/pl_api_statement_XXXXXX", out[64], cmd[160];
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

static void
assert_pdf_body(const struct http *h)
{
    assert_int_equal(h->status, 200);
    assert_non_null(strstr(http_header(h, "Content-Type"), "application/pdf"));
    assert_true(h->len > 1000);
    assert_memory_equal(h->body, "%PDF-", 5);
}

/* "12,345" */
static void
grouped(int64_t v, char *out, size_t n)
{
    if (v >= 1000000)
        snprintf(out, n, "%lld,%03lld,%03lld", (long long)(v / 1000000),
                 (long long)(v / 1000 % 1000), (long long)(v % 1000));
    else if (v >= 1000)
        snprintf(out, n, "%lld,%03lld", (long long)(v / 1000),
                 (long long)(v % 1000));
    else
        snprintf(out, n, "%lld", (long long)v);
}

static void
test_statement_pdf_holds_registration_number_lines_and_amounts(void **state)
{
    (void)state;
    struct http h;
    char path[96], want[32];
    snprintf(path, sizeof(path), "/api/v1/invoices/%lld/statement.pdf",
             (long long)invoice_id);
    client_req(&srv, &viewer_c, "GET", path, NULL, &h);
    assert_pdf_body(&h);
    char *text = pdf_text(&h);
    /* 基本料金 1,800 + 従量料金 12.3 m³ × 500.00 = 6,150; 税抜 7,950,
     * 消費税 10% 795 (切り捨て), 合計 8,745 */
    const char *facts[] = {REGISTRATION, "基本料金",  "従量料金", "設備料金",
                           "1,800",      "6,150",     "7,950",    "795",
                           "8,745",      "駿河 花子", "12.3"};
    for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
        if (!strstr(text, facts[i]))
            fail_msg("statement lacks %s:\n%s", facts[i], text);
    assert_int_equal(total_yen, 8745);
    snprintf(want, sizeof(want), "%lld", (long long)invoice_number);
    assert_non_null(strstr(text, want));
    grouped(total_yen, want, sizeof(want));
    assert_non_null(strstr(text, want));
    free(text);
    http_free(&h);
}

static void
test_run_pdf_has_a_page_per_invoice_and_is_audited(void **state)
{
    (void)state;
    struct http h;
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/billing-runs/%lld/statements.pdf",
             (long long)run_id);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_pdf_body(&h);
    assert_string_equal(http_header(&h, "X-Statements-Count"), "1");
    assert_null(http_header(&h, "X-Statements-Next"));
    char *text = pdf_text(&h);
    assert_non_null(strstr(text, REGISTRATION));
    free(text);
    http_free(&h);
    /* after the last number: an empty document, still a valid PDF */
    snprintf(path, sizeof(path),
             "/api/v1/billing-runs/%lld/statements.pdf?after=%lld&limit=5",
             (long long)run_id, (long long)invoice_number);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "X-Statements-Count"), "0");
    http_free(&h);
    snprintf(path, sizeof(path),
             "/api/v1/audit?action=billing.statements&target=billing_run:%lld",
             (long long)run_id);
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    assert_true(json_array_size(json_object_get(h.json, "entries")) >= 2);
    http_free(&h);
}

static void
test_vendor_csv_in_utf8_and_shift_jis_is_audited(void **state)
{
    (void)state;
    struct http h;
    char path[128], want[32];
    snprintf(path, sizeof(path), "/api/v1/billing-runs/%lld/export.csv",
             (long long)run_id);
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    assert_memory_equal(h.body, "\xEF\xBB\xBF", 3);
    assert_non_null(strstr(h.body, "請求書番号,発行日,お客様番号,氏名"));
    snprintf(want, sizeof(want), "\r\n%lld,", (long long)invoice_number);
    assert_non_null(strstr(h.body, want));
    assert_non_null(strstr(h.body, "駿河 花子,スルガ ハナコ,420-0853,"
                                   "静岡県静岡市葵区追手町9-6"));
    assert_non_null(strstr(h.body, ",8745,"));
    assert_non_null(strstr(h.body, ",集金\r\n"));
    assert_string_equal(http_header(&h, "X-Export-Rows"), "1");
    http_free(&h);
    snprintf(path, sizeof(path),
             "/api/v1/billing-runs/%lld/export.csv?charset=shift_jis",
             (long long)run_id);
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    /* 請 in CP932 is 0x90 0xBF; no BOM */
    assert_memory_equal(h.body, "\x90\xbf", 2);
    assert_string_equal(http_header(&h, "X-Export-Substituted"), "0");
    http_free(&h);
    snprintf(path, sizeof(path),
             "/api/v1/audit?action=billing.export&target=billing_run:%lld",
             (long long)run_id);
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    assert_int_equal(json_array_size(json_object_get(h.json, "entries")), 2);
    http_free(&h);
}

static void
test_reader_and_readonly_are_refused_where_they_must_be(void **state)
{
    (void)state;
    struct http h;
    char path[3][128];
    snprintf(path[0], sizeof(path[0]), "/api/v1/invoices/%lld/statement.pdf",
             (long long)invoice_id);
    snprintf(path[1], sizeof(path[1]),
             "/api/v1/billing-runs/%lld/statements.pdf", (long long)run_id);
    snprintf(path[2], sizeof(path[2]), "/api/v1/billing-runs/%lld/export.csv",
             (long long)run_id);
    for (int i = 0; i < 3; i++) {
        client_req(&srv, &reader_c, "GET", path[i], NULL, &h);
        assert_problem(&h, 403, "auth.forbidden");
        http_free(&h);
    }
    /* 閲覧のみ may read statements but not take the vendor file */
    client_req(&srv, &viewer_c, "GET", path[2], NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
}

static void
test_unknown_ids_and_bad_queries(void **state)
{
    (void)state;
    struct http h;
    char path[128];
    client_req(&srv, &admin_c, "GET", "/api/v1/invoices/999999/statement.pdf",
               NULL, &h);
    assert_problem(&h, 404, "billing.invoice_not_found");
    http_free(&h);
    client_req(&srv, &admin_c, "GET",
               "/api/v1/billing-runs/999999/statements.pdf", NULL, &h);
    assert_problem(&h, 404, "billing.run_not_found");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/billing-runs/abc/export.csv",
               NULL, &h);
    assert_problem(&h, 404, "billing.run_not_found");
    http_free(&h);
    snprintf(path, sizeof(path),
             "/api/v1/billing-runs/%lld/statements.pdf?limit=0",
             (long long)run_id);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_problem(&h, 422, "invalid");
    assert_non_null(strstr(h.body, "limit"));
    http_free(&h);
    snprintf(path, sizeof(path),
             "/api/v1/billing-runs/%lld/export.csv?charset=euc-jp",
             (long long)run_id);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_problem(&h, 422, "invalid");
    assert_non_null(strstr(h.body, "charset"));
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_statement_pdf_holds_registration_number_lines_and_amounts),
        cmocka_unit_test(test_run_pdf_has_a_page_per_invoice_and_is_audited),
        cmocka_unit_test(test_vendor_csv_in_utf8_and_shift_jis_is_audited),
        cmocka_unit_test(
            test_reader_and_readonly_are_refused_where_they_must_be),
        cmocka_unit_test(test_unknown_ids_and_bad_queries),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
