/*
 * test_payments.c — receivables, payments and dunning over HTTP
 * (src/payments/): a tenant built through the API, billed with the CLI on
 * fixed issue dates, paid in every way but direct debit, then carried,
 * aged and dunned. Every amount below is worked by hand.
 *
 * Tariff: two-part, 基本料金 ¥1,000, ¥500/m³, tax included (内税), so a
 * total is 1,000 + 500 × usage. Six customers on route R01 (締め日 20),
 * read 100.0 on 2026-08-10, 110.0 on 2026-09-10 and 116.0 on 2026-10-10:
 * September bills 10.0 m³ = ¥6,000 (issued 2026-10-05, due 10-25),
 * October 6.0 m³ = ¥4,000 (issued 2026-11-05, due 11-25).
 *
 *   A 8001 スルガ ハナコ  transfer "ｽﾙｶﾞ ﾊﾅｺ" ¥6,000: a sure match
 *   B 8002 ハットリ ケン  cash ¥10,000 (receipt 1): ¥4,000 over (前受)
 *   C 8003 トウカイ タロウ cvs ¥6,000 from the agent's CSV
 *   D 8004 ミナミ イチロウ pays nothing: overdue, dunned
 *   E 8005 ハヤシ ミドリ  transfer "ﾊﾔｼ ｹﾝｲﾁ" ¥6,000: the name fits
 *                        nobody and the amount fits D and E: review,
 *                        assigned to E by hand
 *   F 8006 キタ サブロウ  cash ¥3,000 twice (receipts 2 and 3)
 *
 * Then October: B's invoice carries −4,000 (前受: amount due ¥0), D's
 * carries 6,000 (前回未収: amount due ¥10,000), the others 0; the API's
 * preview shows the same carries as the commit. Ageing as of 2026-11-10:
 * D's September ¥6,000 one month overdue, October ¥4,000 current. A pays
 * October with ¥5,000 (¥1,000 credit): a refund of ¥1,500 is refused, of
 * ¥1,000 accepted. D pays ¥7,000 on 11-20: oldest first, September is
 * settled and ¥3,000 of October stays open.
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
static struct account admin, reader;
static struct client admin_c, reader_c;

static const struct cust {
    const char *number, *name, *kana, *method;
} custs[] = {
    {"8001", "駿河 花子", "スルガ ハナコ", "transfer"},
    {"8002", "服部 健", "ハットリ ケン", "collection"},
    {"8003", "東海 太郎", "トウカイ タロウ", "cvs"},
    {"8004", "南 一郎", "ミナミ イチロウ", "transfer"},
    {"8005", "林 緑", "ハヤシ ミドリ", "transfer"},
    {"8006", "北 三郎", "キタ サブロウ", "collection"},
};
enum { A, B, C, D, E, F, NCUST };
static int64_t cust_id[NCUST], point_id[NCUST];

static int64_t
num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
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

static json_t *
get_json(const char *path)
{
    struct http h;
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    json_t *j = json_incref(h.json);
    http_free(&h);
    return j;
}

/* ---------------------------------------------------------------------- */
/* The tenant                                                             */
/* ---------------------------------------------------------------------- */

static int64_t
make_tariff(void)
{
    char path[96];
    struct http h;
    req_ok(&admin_c, "PUT", "/api/v1/settings/billing",
           "{\"registration\":\"T7123456789012\",\"issuer\":{\"name\":"
           "\"駿河プロパン株式会社\",\"address\":\"静岡県静岡市駿河区1-1\","
           "\"phone\":\"054-000-1111\"}}",
           200, &h);
    http_free(&h);
    int64_t tariff =
        make("/api/v1/tariffs", "{\"code\":\"STD\",\"name\":\"一般料金\","
                                "\"kind\":\"two_part\"}");
    snprintf(path, sizeof(path), "/api/v1/tariffs/%lld/versions",
             (long long)tariff);
    make(path,
         "{\"effective_from\":\"2025-01-01\",\"tax_included\":true,"
         "\"slide\":\"block\",\"base_fee\":\"1000\",\"equipment_fee\":"
         "\"0\",\"bands\":[{\"upper_m3\":null,\"unit_price\":\"500.00\"}]}");
    return tariff;
}

/* Customer i at its own point on route R01, with a meter and a contract
 * on tariff paid by its method. */
static void
make_customer(int i, int64_t tariff)
{
    const struct cust *c = &custs[i];
    char body[512], path[96];
    struct http h;
    snprintf(body, sizeof(body),
             "{\"prefecture\":\"静岡県\",\"city\":\"静岡市葵区\",\"street\":"
             "\"追手町%d-1\",\"supply_kind\":\"individual\",\"route\":\"R01\","
             "\"route_order\":%d,\"billing_group\":20}",
             i + 1, i + 1);
    point_id[i] = make("/api/v1/supply-points", body);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/meters",
             (long long)point_id[i]);
    snprintf(body, sizeof(body),
             "{\"serial\":\"M-%d\",\"kind\":\"E\",\"capacity\":\"2.5\","
             "\"digits\":4,\"install_date\":\"2020-06-01\","
             "\"initial_index\":\"0.0\"}",
             i + 1);
    make(path, body);
    snprintf(body, sizeof(body),
             "{\"number\":\"%s\",\"name\":\"%s\",\"kana\":\"%s\","
             "\"kind\":\"household\",\"postal_code\":\"420-0853\","
             "\"prefecture\":\"静岡県\",\"address\":\"静岡市葵区追手町%d-1\"}",
             c->number, c->name, c->kana, i + 1);
    cust_id[i] = make("/api/v1/customers", body);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/move",
             (long long)point_id[i]);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"date\":\"2025-01-01\",\"contract\":"
             "{\"payment_method\":\"%s\"}}",
             (long long)cust_id[i], c->method);
    req_ok(&admin_c, "POST", path, body, 200, &h);
    int64_t contract = json_integer_value(
        json_object_get(json_object_get(h.json, "contract"), "id"));
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/tariff",
             (long long)contract);
    snprintf(body, sizeof(body), "{\"tariff_id\":%lld}", (long long)tariff);
    req_ok(&admin_c, "PUT", path, body, 200, &h);
    http_free(&h);
}

/* Route R01's period of month: every point read at index, closed. */
static void
read_month(const char *month, const char *index)
{
    char body[2048], path[96];
    size_t n = 0;
    struct http h;
    snprintf(body, sizeof(body),
             "{\"route\":\"R01\",\"month\":\"%s\",\"starts_on\":\"%s-01\","
             "\"ends_on\":\"%s-28\"}",
             month, month, month);
    int64_t period = make("/api/v1/reading-periods", body);
    n = (size_t)snprintf(body, sizeof(body), "{\"items\":[");
    for (int i = 0; i < NCUST; i++)
        n += (size_t)snprintf(
            body + n, sizeof(body) - n,
            "%s{\"key\":\"pay-%s-%d\",\"supply_point_id\":%lld,"
            "\"read_on\":\"%s-10\",\"index\":\"%s\",\"note\":null}",
            i ? "," : "", month, i, (long long)point_id[i], month, index);
    snprintf(body + n, sizeof(body) - n, "]}");
    req_ok(&reader_c, "POST", "/api/v1/readings", body, 200, &h);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/close",
             (long long)period);
    req_ok(&admin_c, "POST", path, "{\"force\":true}", 200, &h);
    http_free(&h);
}

/* The CLI's billing run of group 20 for month, issued on issued_on. */
static void
bill(const char *month, const char *issued_on)
{
    const char *args[] = {"billing",  "run",  "--data",      srv.data,
                          "--tenant", "0001", "--group",     "20",
                          "--month",  month,  "--issued-on", issued_on,
                          "--quiet",  NULL};
    cli_ok(args);
}

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "駿河プロパン株式会社");
    account_make(&srv, "0001", "keiri", "admin", &admin);
    account_make(&srv, "0001", "kenshin", "reader", &reader);
    const char *extra[] = {"--login-rate", "100000", "--step-up", "3", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    int64_t tariff = make_tariff();
    for (int i = 0; i < NCUST; i++)
        make_customer(i, tariff);
    read_month("2026-08", "100.0");
    read_month("2026-09", "110.0");
    read_month("2026-10", "116.0");
    bill("2026-09", "2026-10-05");
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

/* The customer's invoice whose period ends in month (YYYY-MM). */
static json_t *
invoice_of(int i, const char *month)
{
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/invoices?customer_id=%lld",
             (long long)cust_id[i]);
    json_t *l = get_json(path), *iv, *found = NULL;
    size_t k;
    json_array_foreach(json_object_get(l, "invoices"), k, iv)
    {
        if (!strncmp(str(json_object_get(iv, "period"), "to"), month, 7))
            found = json_incref(iv);
    }
    json_decref(l);
    if (!found)
        fail_msg("no %s invoice for customer %d", month, i);
    char one[64];
    snprintf(one, sizeof(one), "/api/v1/invoices/%lld",
             (long long)num(found, "id"));
    json_decref(found);
    return get_json(one);
}

/* The customer's receivables as of as_of. */
static json_t *
receivables(int i, const char *as_of)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/customers/%lld/receivables?as_of=%s",
             (long long)cust_id[i], as_of);
    return get_json(path);
}

static int64_t
ageing_of(const json_t *rec, const char *key)
{
    return num(json_object_get(rec, "ageing"), key);
}

static void
post_payment(const char *json, long status, struct http *h)
{
    req_ok(&admin_c, "POST", "/api/v1/payments", json, status, h);
}

/* ---------------------------------------------------------------------- */
/* The tests                                                              */
/* ---------------------------------------------------------------------- */

static void
test_september_invoices_are_6000(void **state)
{
    (void)state;
    for (int i = 0; i < NCUST; i++) {
        json_t *iv = invoice_of(i, "2026-09");
        assert_int_equal(num(iv, "total_yen"), 6000);
        assert_int_equal(num(iv, "previous_balance_yen"), 0);
        assert_int_equal(num(iv, "amount_due_yen"), 6000);
        assert_string_equal(str(iv, "due_on"), "2026-10-25");
        json_decref(iv);
    }
}

static void
test_meter_reader_gets_403_everywhere(void **state)
{
    (void)state;
    char cust[64];
    snprintf(cust, sizeof(cust), "/api/v1/customers/%lld",
             (long long)cust_id[D]);
    static const char *const gets[] = {"/receivables", "/contact-notes",
                                       "/dunning-steps", "/reminder.pdf"};
    struct http h;
    for (size_t k = 0; k < sizeof(gets) / sizeof(*gets); k++) {
        char path[128];
        snprintf(path, sizeof(path), "%s%s", cust, gets[k]);
        client_req(&srv, &reader_c, "GET", path, NULL, &h);
        assert_problem(&h, 403, "auth.forbidden");
        http_free(&h);
    }
    static const char *const plain[] = {
        "/api/v1/receivables/ageing", "/api/v1/payments",
        "/api/v1/payments/1",         "/api/v1/bank-transfers",
        "/api/v1/bank-transfers/1",   "/api/v1/payment-followups",
        "/api/v1/dunning/overdue"};
    for (size_t k = 0; k < sizeof(plain) / sizeof(*plain); k++) {
        client_req(&srv, &reader_c, "GET", plain[k], NULL, &h);
        assert_problem(&h, 403, "auth.forbidden");
        http_free(&h);
    }
    static const char *const posts[] = {"/api/v1/payments",
                                        "/api/v1/payments/1/reverse",
                                        "/api/v1/bank-transfers/1/assign",
                                        "/api/v1/bank-transfers/1/dismiss",
                                        "/api/v1/payment-followups/1/close",
                                        "/api/v1/imports/convenience-payments"};
    for (size_t k = 0; k < sizeof(posts) / sizeof(*posts); k++) {
        client_req(&srv, &reader_c, "POST", posts[k], "{}", &h);
        assert_problem(&h, 403, "auth.forbidden");
        http_free(&h);
    }
    char path[128];
    snprintf(path, sizeof(path), "%s/contact-notes", cust);
    client_req(&srv, &reader_c, "POST", path, "{}", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    snprintf(path, sizeof(path), "%s/dunning-steps", cust);
    client_req(&srv, &reader_c, "POST", path, "{}", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
}

static void
test_transfer_with_one_fit_is_matched(void **state)
{
    (void)state;
    struct http h;
    json_t *iv = invoice_of(A, "2026-09");
    post_payment("{\"method\":\"transfer\",\"amount_yen\":6000,"
                 "\"paid_on\":\"2026-10-20\",\"payer_name\":\"ｽﾙｶﾞ ﾊﾅｺ\","
                 "\"bank_reference\":\"B-0001\"}",
                 201, &h);
    assert_string_equal(str(h.json, "status"), "matched");
    json_t *e = json_object_get(h.json, "entry");
    assert_int_equal(num(e, "invoice_id"), num(iv, "id"));
    assert_int_equal(num(json_object_get(e, "customer"), "id"), cust_id[A]);
    assert_int_equal(num(e, "amount_yen"), -6000);
    assert_string_equal(str(e, "method"), "transfer");
    http_free(&h);
    json_decref(iv);
    json_t *rec = receivables(A, "2026-11-01");
    assert_int_equal(num(rec, "balance_yen"), 0);
    json_decref(rec);
}

static void
test_uncertain_transfer_goes_to_review_and_is_assigned(void **state)
{
    (void)state;
    struct http h;
    char path[96], body[160];
    post_payment("{\"method\":\"transfer\",\"amount_yen\":6000,"
                 "\"paid_on\":\"2026-10-21\",\"payer_name\":\"ﾊﾔｼ ｹﾝｲﾁ\"}",
                 201, &h);
    assert_string_equal(str(h.json, "status"), "review");
    assert_true(json_is_null(json_object_get(h.json, "entry")));
    json_t *t = json_object_get(h.json, "transfer");
    int64_t tid = num(t, "id");
    /* by amount: D's and E's (and C's) September invoices, no name */
    json_t *cands = json_object_get(t, "candidates"), *c;
    size_t k;
    bool saw_d = false, saw_e = false;
    json_array_foreach(cands, k, c)
    {
        int64_t who = num(json_object_get(c, "customer"), "id");
        assert_true(json_is_true(json_object_get(c, "amount")));
        assert_true(json_is_false(json_object_get(c, "name")));
        saw_d |= who == cust_id[D];
        saw_e |= who == cust_id[E];
    }
    assert_true(saw_d && saw_e);
    http_free(&h);
    json_t *l = get_json("/api/v1/bank-transfers?status=review");
    assert_int_equal(json_array_size(json_object_get(l, "transfers")), 1);
    assert_int_equal(
        num(json_array_get(json_object_get(l, "transfers"), 0), "id"), tid);
    json_decref(l);
    /* nothing posted yet: E still owes September */
    json_t *rec = receivables(E, "2026-11-01");
    assert_int_equal(num(rec, "balance_yen"), 6000);
    json_decref(rec);
    json_t *iv = invoice_of(E, "2026-09");
    snprintf(path, sizeof(path), "/api/v1/bank-transfers/%lld/assign",
             (long long)tid);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"invoice_id\":%lld,\"note\":\"夫名義\"}",
             (long long)cust_id[E], (long long)num(iv, "id"));
    req_ok(&admin_c, "POST", path, body, 200, &h);
    assert_string_equal(str(h.json, "status"), "assigned");
    assert_true(num(h.json, "entry_id") > 0);
    http_free(&h);
    json_decref(iv);
    req_ok(&admin_c, "POST", path, body, 409, &h);
    assert_problem(&h, 409, "payments.transfer_resolved");
    http_free(&h);
    rec = receivables(E, "2026-11-01");
    assert_int_equal(num(rec, "balance_yen"), 0);
    json_decref(rec);
    l = get_json("/api/v1/bank-transfers?status=review");
    assert_int_equal(json_array_size(json_object_get(l, "transfers")), 0);
    json_decref(l);
}

static void
test_cash_receipt_numbers_are_gapless(void **state)
{
    (void)state;
    struct http h;
    char body[256];
    snprintf(body, sizeof(body),
             "{\"method\":\"cash\",\"customer_id\":%lld,\"amount_yen\":10000,"
             "\"paid_on\":\"2026-10-15\",\"collected_by\":\"佐藤\"}",
             (long long)cust_id[B]);
    post_payment(body, 201, &h);
    assert_int_equal(num(h.json, "receipt_number"), 1);
    http_free(&h);
    /* refused: nothing written, no number taken */
    snprintf(body, sizeof(body),
             "{\"method\":\"cash\",\"customer_id\":%lld,\"amount_yen\":0,"
             "\"paid_on\":\"2026-10-16\"}",
             (long long)cust_id[F]);
    client_req(&srv, &admin_c, "POST", "/api/v1/payments", body, &h);
    assert_problem(&h, 422, "invalid");
    assert_true(has_japanese(h.body));
    assert_non_null(strstr(h.body, "\"amount_yen\""));
    http_free(&h);
    client_req(&srv, &admin_c, "POST", "/api/v1/payments",
               "{\"method\":\"debit\",\"customer_id\":1,\"amount_yen\":10}",
               &h);
    assert_problem(&h, 422, "invalid");
    assert_non_null(strstr(h.body, "\"method\""));
    http_free(&h);
    for (int k = 0; k < 2; k++) {
        snprintf(body, sizeof(body),
                 "{\"method\":\"cash\",\"customer_id\":%lld,"
                 "\"amount_yen\":3000,\"paid_on\":\"2026-10-1%d\"}",
                 (long long)cust_id[F], 6 + k);
        post_payment(body, 201, &h);
        assert_int_equal(num(h.json, "receipt_number"), 2 + k);
        http_free(&h);
    }
    json_t *l = get_json("/api/v1/payments?method=cash"), *p;
    size_t i;
    int64_t seen = 0;
    json_array_foreach(json_object_get(l, "payments"), i, p)
    {
        seen |= 1 << num(p, "receipt_number");
    }
    assert_int_equal(seen, (1 << 1) | (1 << 2) | (1 << 3));
    json_decref(l);
}

static void
upload(const char *csv, const char *query, struct http *h)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/imports/convenience-payments%s",
             query);
    client_req_body(&srv, &admin_c, "POST", path, "text/csv", csv, strlen(csv),
                    h);
}

static void
test_convenience_csv_with_a_bad_line_imports_nothing(void **state)
{
    (void)state;
    struct http h;
    char csv[512];
    json_t *iv = invoice_of(C, "2026-09");
    int64_t number = num(iv, "number");
    json_decref(iv);
    snprintf(csv, sizeof(csv),
             "請求書番号,金額,入金日,店舗\r\n"
             "%lld,\"6,000\",2026/10/18,静岡駅前店\r\n"
             "99999999,1200,2026-10-18,静岡駅前店\r\n",
             (long long)number);
    upload(csv, "", &h);
    assert_problem(&h, 422, "import.rows_invalid");
    json_t *errs = json_object_get(h.json, "errors");
    assert_int_equal(json_array_size(errs), 1);
    assert_int_equal(num(json_array_get(errs, 0), "line"), 3);
    assert_string_equal(str(json_array_get(errs, 0), "field"),
                        "invoice_number");
    http_free(&h);
    json_t *rec = receivables(C, "2026-11-01");
    assert_int_equal(num(rec, "balance_yen"), 6000); /* nothing imported */
    json_decref(rec);
    /* the good line alone: a dry run changes nothing, then it imports */
    csv[strlen(csv) - strlen("99999999,1200,2026-10-18,静岡駅前店\r\n")] = 0;
    upload(csv, "?dry_run=true", &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "valid"), 1);
    http_free(&h);
    rec = receivables(C, "2026-11-01");
    assert_int_equal(num(rec, "balance_yen"), 6000);
    json_decref(rec);
    upload(csv, "", &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "imported"), 1);
    assert_int_equal(num(h.json, "total_yen"), 6000);
    http_free(&h);
    upload(csv, "", &h); /* the agent sends the file again */
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "imported"), 0);
    assert_int_equal(num(h.json, "duplicates"), 1);
    http_free(&h);
    rec = receivables(C, "2026-11-01");
    assert_int_equal(num(rec, "balance_yen"), 0);
    json_decref(rec);
}

static void
test_balances_and_ageing_before_october(void **state)
{
    (void)state;
    static const int64_t balance[NCUST] = {0, -4000, 0, 6000, 0, 0};
    for (int i = 0; i < NCUST; i++) {
        json_t *rec = receivables(i, "2026-11-01");
        assert_int_equal(num(rec, "balance_yen"), balance[i]);
        json_decref(rec);
    }
    json_t *rec = receivables(B, "2026-11-01");
    assert_int_equal(ageing_of(rec, "credit_yen"), 4000);
    assert_int_equal(ageing_of(rec, "overdue_yen"), 0);
    json_decref(rec);
    rec = receivables(D, "2026-11-01"); /* due 10-25: 1 month overdue */
    assert_int_equal(ageing_of(rec, "overdue_1_yen"), 6000);
    assert_int_equal(ageing_of(rec, "current_yen"), 0);
    json_t *open = json_object_get(rec, "open_invoices");
    assert_int_equal(json_array_size(open), 1);
    assert_int_equal(num(json_array_get(open, 0), "open_yen"), 6000);
    json_decref(rec);
    rec = receivables(D, "2026-10-20"); /* not due yet */
    assert_int_equal(ageing_of(rec, "current_yen"), 6000);
    assert_int_equal(ageing_of(rec, "overdue_yen"), 0);
    json_decref(rec);
    json_t *t = get_json("/api/v1/receivables/ageing?as_of=2026-11-01");
    json_t *tot = json_object_get(t, "totals");
    assert_int_equal(num(tot, "overdue_1_yen"), 6000);
    assert_int_equal(num(tot, "credit_yen"), 4000);
    assert_int_equal(num(tot, "balance_yen"), 2000);
    assert_int_equal(num(tot, "customers"), 2);
    assert_int_equal(num(tot, "customers_overdue"), 1);
    assert_int_equal(json_array_size(json_object_get(t, "customers")), 2);
    json_decref(t);
}

/* The API's preview (issued today) and the CLI's commit (2026-11-05) of
 * October: the same carries, since nothing was paid in between. */
static void
test_october_invoices_carry_the_balance(void **state)
{
    (void)state;
    static const int64_t prev[NCUST] = {0, -4000, 0, 6000, 0, 0};
    struct http h;
    req_ok(&admin_c, "POST", "/api/v1/billing-runs",
           "{\"billing_group\":20,\"month\":\"2026-10\",\"preview\":true}", 200,
           &h);
    json_t *sample = json_incref(json_object_get(h.json, "sample"));
    http_free(&h);
    assert_int_equal(json_array_size(sample), NCUST);
    bill("2026-10", "2026-11-05");
    for (int i = 0; i < NCUST; i++) {
        json_t *iv = invoice_of(i, "2026-10");
        assert_int_equal(num(iv, "total_yen"), 4000);
        assert_int_equal(num(iv, "previous_balance_yen"), prev[i]);
        assert_int_equal(num(iv, "amount_due_yen"), 4000 + prev[i]);
        json_t *s;
        size_t k;
        int matched = 0;
        json_array_foreach(sample, k, s)
        {
            if (num(s, "contract_id") != num(iv, "contract_id"))
                continue;
            matched++;
            assert_int_equal(num(s, "previous_balance_yen"), prev[i]);
            assert_int_equal(num(s, "amount_due_yen"), 4000 + prev[i]);
        }
        assert_int_equal(matched, 1);
        json_decref(iv);
    }
    json_decref(sample);
    /* the ledger counts totals only: B is settled, D owes both months */
    json_t *rec = receivables(B, "2026-11-10");
    assert_int_equal(num(rec, "balance_yen"), 0);
    json_decref(rec);
    rec = receivables(D, "2026-11-10");
    assert_int_equal(num(rec, "balance_yen"), 10000);
    assert_int_equal(ageing_of(rec, "overdue_1_yen"), 6000);
    assert_int_equal(ageing_of(rec, "current_yen"), 4000);
    json_decref(rec);
}

static void
test_refund_is_limited_to_the_credit(void **state)
{
    (void)state;
    struct http h;
    char body[256];
    snprintf(
        body, sizeof(body),
        "{\"method\":\"transfer\",\"customer_id\":%lld,\"amount_yen\":5000,"
        "\"paid_on\":\"2026-11-10\",\"payer_name\":\"ｽﾙｶﾞ ﾊﾅｺ\"}",
        (long long)cust_id[A]);
    post_payment(body, 201, &h);
    assert_string_equal(str(h.json, "status"), "assigned");
    http_free(&h);
    json_t *rec = receivables(A, "2026-11-10");
    assert_int_equal(num(rec, "balance_yen"), -1000);
    assert_int_equal(ageing_of(rec, "credit_yen"), 1000);
    json_decref(rec);
    snprintf(body, sizeof(body),
             "{\"kind\":\"refund\",\"method\":\"transfer\",\"customer_id\":"
             "%lld,\"amount_yen\":1500,\"paid_on\":\"2026-11-12\","
             "\"note\":\"過入金の返金\"}",
             (long long)cust_id[A]);
    client_req(&srv, &admin_c, "POST", "/api/v1/payments", body, &h);
    assert_problem(&h, 422, "invalid");
    assert_non_null(strstr(h.body, "exceeds_credit"));
    http_free(&h);
    snprintf(body, sizeof(body),
             "{\"kind\":\"refund\",\"method\":\"transfer\",\"customer_id\":"
             "%lld,\"amount_yen\":1000,\"paid_on\":\"2026-11-12\","
             "\"note\":\"過入金の返金\"}",
             (long long)cust_id[A]);
    post_payment(body, 201, &h);
    assert_int_equal(num(json_object_get(h.json, "entry"), "amount_yen"), 1000);
    http_free(&h);
    rec = receivables(A, "2026-11-12");
    assert_int_equal(num(rec, "balance_yen"), 0);
    json_decref(rec);
}

static void
test_a_reversal_undoes_an_entry_once(void **state)
{
    (void)state;
    struct http h;
    json_t *l = get_json("/api/v1/payments?method=cash&limit=1");
    int64_t id = num(json_array_get(json_object_get(l, "payments"), 0), "id");
    json_decref(l);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/payments/%lld/reverse",
             (long long)id);
    req_ok(&admin_c, "POST", path,
           "{\"reason\":\"二重計上\",\"on\":\"2026-11-12\"}", 201, &h);
    assert_string_equal(str(h.json, "kind"), "reversal");
    assert_int_equal(num(h.json, "amount_yen"), 3000);
    assert_int_equal(num(h.json, "reverses_id"), id);
    int64_t rev = num(h.json, "id");
    http_free(&h);
    json_t *rec = receivables(F, "2026-11-12"); /* 6,000 − 3,000 + 4,000 */
    assert_int_equal(num(rec, "balance_yen"), 7000);
    json_decref(rec);
    client_req(&srv, &admin_c, "POST", path, "{\"reason\":\"再取消\"}", &h);
    assert_problem(&h, 409, "payments.entry_reversed");
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/payments/%lld/reverse",
             (long long)rev);
    client_req(&srv, &admin_c, "POST", path, "{\"reason\":\"取消の取消\"}", &h);
    assert_problem(&h, 409, "payments.entry_reversed");
    http_free(&h);
}

/* A fresh one-time code for c's session: step-up (the window is 3 s here,
 * --step-up 3, so that signing in does not count). */
static void
step_up(struct client *c, struct account *a)
{
    char code[8];
    struct http h;
    account_code(a, code);
    account_post_code(&srv, c, "/api/v1/auth/step-up", code, &h);
    if (h.status != 204)
        fail_msg("step-up: %ld %s", h.status, h.body);
    http_free(&h);
}

static void
post_step(int i, const char *json, long status, const char *code)
{
    char path[96];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/customers/%lld/dunning-steps",
             (long long)cust_id[i]);
    client_req(&srv, &admin_c, "POST", path, json, &h);
    if (code)
        assert_problem(&h, status, code);
    else if (h.status != status)
        fail_msg("%s: %ld %s", json, h.status, h.body);
    http_free(&h);
}

static void
test_dunning_steps_are_refused_out_of_order(void **state)
{
    (void)state;
    /* a supply-stop warning step is recorded only after a step-up */
    sleep(4); /* the sign-in's code is older than the server's 3 s */
    post_step(D, "{\"step\":\"reminder\",\"taken_on\":\"2026-11-06\"}", 403,
              "auth.step_up_required");
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/customers/%lld/dunning-steps",
             (long long)cust_id[D]);
    json_t *s = get_json(path);
    assert_int_equal(json_array_size(json_object_get(s, "steps")), 0);
    json_decref(s);
    step_up(&admin_c, &admin);
    post_step(D, "{\"step\":\"demand\",\"taken_on\":\"2026-11-06\"}", 409,
              "payments.dunning_step_order");
    post_step(D, "{\"step\":\"stopped\",\"taken_on\":\"2026-11-06\"}", 409,
              "payments.dunning_step_order");
    post_step(D, "{\"step\":\"reminder\",\"taken_on\":\"2026-11-06\"}", 201,
              NULL);
    post_step(D, "{\"step\":\"reminder\",\"taken_on\":\"2026-11-07\"}", 409,
              "payments.dunning_step_order");
    post_step(D,
              "{\"step\":\"stop_notice\",\"taken_on\":\"2026-11-08\","
              "\"stop_planned_on\":\"2026-11-30\"}",
              409, "payments.dunning_step_order");
    post_step(D, "{\"step\":\"demand\",\"taken_on\":\"2026-11-01\"}", 409,
              "payments.dunning_step_order"); /* before the reminder */
    post_step(D, "{\"step\":\"demand\",\"taken_on\":\"2026-11-16\"}", 201,
              NULL);
    post_step(D, "{\"step\":\"stop_notice\",\"taken_on\":\"2026-11-17\"}", 422,
              "invalid"); /* no planned stop date */
    post_step(D,
              "{\"step\":\"stop_notice\",\"taken_on\":\"2026-11-17\","
              "\"stop_planned_on\":\"2026-12-01\"}",
              201, NULL);
    post_step(D, "{\"step\":\"stopped\",\"taken_on\":\"2026-11-20\"}", 409,
              "payments.dunning_step_order"); /* before the announced date */
    post_step(A, "{\"step\":\"reminder\",\"taken_on\":\"2026-11-12\"}", 409,
              "payments.not_overdue");
    s = get_json(path);
    assert_int_equal(json_array_size(json_object_get(s, "steps")), 3);
    assert_true(json_is_true(json_object_get(s, "open")));
    json_t *next = json_object_get(s, "next_steps");
    assert_string_equal(json_string_value(json_array_get(next, 0)), "stopped");
    json_t *first = json_array_get(json_object_get(s, "steps"), 0);
    assert_string_equal(str(first, "label"), "督促状");
    assert_int_equal(num(first, "overdue_yen"), 6000);
    json_decref(s);
}

static void
test_contact_notes_are_kept(void **state)
{
    (void)state;
    char path[96];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/customers/%lld/contact-notes",
             (long long)cust_id[D]);
    req_ok(&admin_c, "POST", path,
           "{\"contacted_on\":\"2026-11-09\",\"channel\":\"phone\","
           "\"person\":\"ご本人\",\"summary\":\"9月分が未納である旨を伝えた\","
           "\"agreement\":\"11月20日に7,000円を振り込む\","
           "\"promised_yen\":7000,\"promised_on\":\"2026-11-20\"}",
           201, &h);
    assert_string_equal(str(h.json, "channel"), "phone");
    assert_non_null(str(h.json, "staff"));
    http_free(&h);
    client_req(&srv, &admin_c, "POST", path,
               "{\"contacted_on\":\"2026-11-09\",\"channel\":\"fax\","
               "\"summary\":\"x\"}",
               &h);
    assert_problem(&h, 422, "invalid");
    assert_non_null(strstr(h.body, "\"channel\""));
    http_free(&h);
    json_t *l = get_json(path);
    assert_int_equal(json_array_size(json_object_get(l, "contact_notes")), 1);
    json_decref(l);
}

static void
test_overdue_list_shows_d(void **state)
{
    (void)state;
    json_t *l = get_json("/api/v1/dunning/overdue?as_of=2026-11-10");
    assert_int_equal(num(l, "count"), 1);
    assert_int_equal(num(l, "overdue_yen"), 6000);
    json_t *row = json_array_get(json_object_get(l, "customers"), 0);
    assert_string_equal(str(json_object_get(row, "customer"), "number"),
                        "8004");
    assert_string_equal(str(json_object_get(row, "last_step"), "step"),
                        "stop_notice");
    assert_string_equal(str(row, "last_contact_on"), "2026-11-09");
    json_decref(l);
    l = get_json("/api/v1/dunning/overdue?as_of=2026-11-10&min_months=2");
    assert_int_equal(num(l, "count"), 0);
    json_decref(l);
    l = get_json("/api/v1/dunning/overdue?as_of=2026-11-10"
                 "&payment_method=collection");
    assert_int_equal(num(l, "count"), 0);
    json_decref(l);
}

static char *
pdf_text(const struct http *h)
{
    char in[] = "/tmp/pl_api_reminder_XXXXXX", out[64], cmd[160];
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
test_reminder_letter_is_a_pdf_with_the_amount(void **state)
{
    (void)state;
    char path[160];
    struct http h;
    snprintf(path, sizeof(path),
             "/api/v1/customers/%lld/reminder.pdf?as_of=2026-11-10"
             "&pay_by=2026-11-24",
             (long long)cust_id[D]);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "Content-Type"), "application/pdf");
    assert_memory_equal(h.body, "%PDF", 4);
    char *text = pdf_text(&h);
    assert_non_null(strstr(text, "8004"));
    assert_non_null(strstr(text, "6,000"));
    assert_non_null(strstr(text, "督促状"));
    assert_non_null(strstr(text, "054-000-1111"));
    free(text);
    http_free(&h);
    snprintf(path, sizeof(path),
             "/api/v1/customers/%lld/reminder.pdf?as_of=2026-11-10"
             "&step=stop_notice",
             (long long)cust_id[D]);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    text = pdf_text(&h);
    assert_non_null(strstr(text, "2026年12月1日")); /* the recorded date */
    free(text);
    http_free(&h);
    snprintf(path, sizeof(path),
             "/api/v1/customers/%lld/reminder.pdf?as_of=2026-11-10",
             (long long)cust_id[A]);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_problem(&h, 409, "payments.not_overdue");
    http_free(&h);
}

static void
test_payments_settle_the_oldest_first(void **state)
{
    (void)state;
    struct http h;
    char body[256];
    snprintf(
        body, sizeof(body),
        "{\"method\":\"transfer\",\"customer_id\":%lld,\"amount_yen\":7000,"
        "\"paid_on\":\"2026-11-20\",\"payer_name\":\"ﾐﾅﾐ ｲﾁﾛｳ\"}",
        (long long)cust_id[D]);
    post_payment(body, 201, &h);
    http_free(&h);
    json_t *rec = receivables(D, "2026-11-20");
    assert_int_equal(num(rec, "balance_yen"), 3000);
    json_t *open = json_object_get(rec, "open_invoices");
    assert_int_equal(json_array_size(open), 1); /* September settled */
    json_t *oct = json_array_get(open, 0);
    assert_string_equal(str(oct, "due_on"), "2026-11-25");
    assert_int_equal(num(oct, "open_yen"), 3000);
    assert_int_equal(ageing_of(rec, "current_yen"), 3000);
    assert_int_equal(ageing_of(rec, "overdue_yen"), 0);
    json_decref(rec);
    rec = receivables(D, "2026-12-26"); /* October: 1 month overdue */
    assert_int_equal(ageing_of(rec, "overdue_1_yen"), 3000);
    json_decref(rec);
}

/* ---------------------------------------------------------------------- */
/* The bank's statement, the slip's barcode, a retried POST               */
/* ---------------------------------------------------------------------- */

/* A 200-byte Zengin record being built: fields put at their positions. */
static char zrec[200];

static void
zstart(char type)
{
    memset(zrec, ' ', sizeof(zrec));
    zrec[0] = type;
}

static void
zput(int pos, const char *v)
{
    memcpy(zrec + pos - 1, v, strlen(v));
}

static void
zend(char *file, size_t *n)
{
    memcpy(file + *n, zrec, sizeof(zrec));
    memcpy(file + *n + 200, "\r\n", 2);
    *n += 202;
}

/* 振込入金通知 (01) for 2026-11-25..26 (令和 8): data records as
 * {照会番号, 勘定日, amount (10 digits), payer (JIS half-width), 取消区分},
 * the trailer with credit_yen as its 入金額合計 (the records' when -1). */
struct zdata {
    const char *ref, *day, *amount, *payer;
    char cancel;
};

static size_t
notice(char *file, const struct zdata *d, size_t nd, long long credit_yen)
{
    size_t n = 0;
    long long credit = 0, cancel = 0, ncredit = 0, ncancel = 0;
    char v[16];
    zstart('1');
    zput(2, "010081126081125081126");
    zput(23, "0149");
    zput(42, "123");
    zput(60, "11234567");
    zend(file, &n);
    for (size_t i = 0; i < nd; i++) {
        zstart('2');
        zput(2, d[i].ref);
        zput(8, d[i].day);
        zput(14, d[i].day);
        zput(20, d[i].amount);
        zput(30, "00000000000000000000");
        zput(50, d[i].payer);
        zrec[127] = d[i].cancel;
        zend(file, &n);
        if (d[i].cancel == '1') {
            ncancel++;
            cancel += atoll(d[i].amount);
        } else {
            ncredit++;
            credit += atoll(d[i].amount);
        }
    }
    zstart('8');
    snprintf(v, sizeof(v), "%06lld", ncredit);
    zput(2, v);
    snprintf(v, sizeof(v), "%012lld", credit_yen < 0 ? credit : credit_yen);
    zput(8, v);
    snprintf(v, sizeof(v), "%06lld", ncancel);
    zput(20, v);
    snprintf(v, sizeof(v), "%012lld", cancel);
    zput(26, v);
    zend(file, &n);
    zstart('9');
    zend(file, &n);
    return n;
}

static void
upload_bank(const char *file, size_t n, const char *query, struct http *h)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/imports/bank-transfers%s", query);
    client_req_body(&srv, &admin_c, "POST", path, "application/octet-stream",
                    file, n, h);
}

/* Whether text parses as a JSON object (into *out). */
static int
json_loads_ok(const char *text, json_t **out)
{
    *out = json_loads(text, 0, NULL);
    return json_is_object(*out);
}

static size_t
review_count(void)
{
    json_t *l = get_json("/api/v1/bank-transfers?status=review&limit=500");
    size_t n = json_array_size(json_object_get(l, "transfers"));
    json_decref(l);
    return n;
}

static const struct zdata statement[] = {
    /* C's October ¥4,000: name and amount fit only C's invoice */
    {"000101", "081125", "0000004000", "\xC4\xB3\xB6\xB2 \xC0\xDB\xB3", ' '},
    /* ﾔﾏﾀﾞ ﾊﾅｺ ¥777: nobody's name, nobody's amount: review */
    {"000102", "081126", "0000000777", "\xD4\xCF\xC0\xDE \xCA\xC5\xBA", '0'},
    /* a cancelled notice: not a payment */
    {"000103", "081126", "0000001000", "\xB1\xB2", '1'},
    /* no 照会番号, twice the same: two transfers all the same */
    {"000000", "081126", "0000000250", "\xB6\xB7\xB8", ' '},
    {"000000", "081126", "0000000250", "\xB6\xB7\xB8", ' '},
};

static void
test_bank_statement_import_matches_and_is_imported_once(void **state)
{
    (void)state;
    static char file[8 * 202];
    struct http h;
    size_t reviews = review_count();
    json_t *rec = receivables(C, "2026-11-26");
    assert_int_equal(num(rec, "balance_yen"), 4000);
    json_decref(rec);
    size_t n = notice(file, statement, 5, -1);
    /* a dry run reports and writes nothing */
    upload_bank(file, n, "?dry_run=true", &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "imported"), 4);
    http_free(&h);
    assert_int_equal(review_count(), reviews);
    upload_bank(file, n, "", &h);
    if (h.status != 200)
        fail_msg("import: %ld %s", h.status, h.body);
    assert_string_equal(str(h.json, "kind"), "deposit_notice");
    assert_int_equal(num(h.json, "records"), 5);
    assert_int_equal(num(h.json, "imported"), 4);
    assert_int_equal(num(h.json, "matched"), 1);
    assert_int_equal(num(h.json, "review"), 3);
    assert_int_equal(num(h.json, "skipped"), 1);
    assert_int_equal(num(h.json, "total_yen"), 5277);
    json_t *items = json_object_get(h.json, "items");
    assert_string_equal(str(json_array_get(items, 0), "status"), "matched");
    assert_int_equal(num(json_array_get(items, 0), "line"), 2);
    assert_string_equal(str(json_array_get(items, 0), "received_on"),
                        "2026-11-25");
    assert_string_equal(str(json_array_get(items, 0), "payer_name"),
                        "ﾄｳｶｲ ﾀﾛｳ");
    assert_string_equal(str(json_array_get(items, 1), "status"), "review");
    assert_string_equal(str(json_array_get(items, 2), "status"), "skipped");
    int64_t review_id = num(json_array_get(items, 1), "transfer_id");
    http_free(&h);
    rec = receivables(C, "2026-11-26"); /* paid by the statement */
    assert_int_equal(num(rec, "balance_yen"), 0);
    json_decref(rec);
    assert_int_equal(review_count(), reviews + 3);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/bank-transfers/%lld",
             (long long)review_id);
    json_t *t = get_json(path);
    assert_string_equal(str(t, "status"), "review");
    assert_int_equal(num(t, "amount_yen"), 777);
    assert_string_equal(str(t, "bank_reference"), "照会番号 000102");
    assert_string_equal(str(t, "received_on"), "2026-11-26");
    json_decref(t);
    /* the same file again (or the bank's next, overlapping one) */
    upload_bank(file, n, "", &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "imported"), 0);
    assert_int_equal(num(h.json, "duplicates"), 4);
    http_free(&h);
    assert_int_equal(review_count(), reviews + 3);
    rec = receivables(C, "2026-11-26");
    assert_int_equal(num(rec, "balance_yen"), 0);
    json_decref(rec);
}

static void
test_bad_bank_statement_is_refused_with_line_and_field(void **state)
{
    (void)state;
    static char file[8 * 202];
    struct http h;
    const struct zdata one[] = {
        {"000201", "081126", "0000000888", "\xB6\xB7\xB8", ' '},
    };
    size_t reviews = review_count();
    size_t n = notice(file, one, 1, 889); /* the trailer is ¥1 off */
    upload_bank(file, n, "", &h);
    assert_problem(&h, 422, "payments.bank_statement_format");
    assert_true(has_japanese(h.body));
    json_t *e = json_array_get(json_object_get(h.json, "errors"), 0);
    assert_int_equal(num(e, "line"), 3);
    assert_string_equal(str(e, "field"), "credit_amount");
    http_free(&h);
    n = notice(file, one, 1, -1);
    file[202 + 25] = 'A'; /* line 2: the amount (20–29) */
    upload_bank(file, n, "", &h);
    assert_problem(&h, 422, "payments.bank_statement_format");
    e = json_array_get(json_object_get(h.json, "errors"), 0);
    assert_int_equal(num(e, "line"), 2);
    assert_string_equal(str(e, "field"), "amount");
    http_free(&h);
    /* well-formed, but a record without the payer's name: nothing is
     * written, not even the good record before it */
    const struct zdata later[] = {
        {"000301", "081126", "0000000999", "\xB6\xB7\xB8", ' '},
        {"000302", "081126", "0000000555", "", ' '},
    };
    n = notice(file, later, 2, -1);
    upload_bank(file, n, "", &h);
    assert_problem(&h, 422, "import.rows_invalid");
    e = json_array_get(json_object_get(h.json, "errors"), 0);
    assert_int_equal(num(e, "line"), 3);
    assert_string_equal(str(e, "field"), "payer_name");
    http_free(&h);
    assert_int_equal(review_count(), reviews);
}

/* A 入出金取引明細 (03) of one account: a transfer of ¥321 from ｱｲｳ on
 * 2026-11-20, and a withdrawal. */
static size_t
statement03(char *file)
{
    size_t n = 0;
    zstart('1');
    zput(2, "030081126081101081126");
    zput(23, "0149");
    zput(42, "123");
    zput(60, "00010001234567");
    zput(114, "1100000001000000");
    zend(file, &n);
    static const char *const rows[][3] = {{"00000901", "111", "321"},
                                          {"00000902", "214", "2000"}};
    char v[16];
    for (int i = 0; i < 2; i++) {
        zstart('2');
        zput(2, rows[i][0]);
        zput(10, "081120081120");
        zput(22, rows[i][1]);
        snprintf(v, sizeof(v), "%012lld", atoll(rows[i][2]));
        zput(25, v);
        zput(37, "000000000000");
        zput(49, "00000000000000000000000");
        zput(72, "0000000000");
        if (i == 0)
            zput(82, "\xB1\xB2\xB3"); /* ｱｲｳ */
        zend(file, &n);
    }
    zstart('8');
    zput(2, "00000010000000000321000000100000000020001");
    zput(43, "000000009983210000002");
    zend(file, &n);
    zstart('9');
    zend(file, &n);
    return n;
}

static void
test_bank_statement_from_the_command_line(void **state)
{
    (void)state;
    static char file[8 * 202];
    char path[400], *out, *err;
    size_t reviews = review_count();
    size_t n = statement03(file);
    snprintf(path, sizeof(path), "%s/statement.txt", srv.dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(file, 1, n, f), n);
    fclose(f);
    const char *args[] = {"payments", "bank-transfers", "--data", srv.data,
                          "--tenant", "0001",           path,     NULL};
    for (int round = 0; round < 2; round++) {
        int rc = cli_run(args, &out, &err);
        if (rc)
            fail_msg("exit %d: %s", rc, err);
        json_t *j = NULL;
        assert_int_equal(json_loads_ok(out, &j), 1);
        assert_string_equal(str(j, "kind"), "statement");
        assert_int_equal(num(j, "records"), 2);
        assert_int_equal(num(j, "skipped"), 1); /* the withdrawal */
        assert_int_equal(num(j, "imported"), round == 0 ? 1 : 0);
        assert_int_equal(num(j, "duplicates"), round == 0 ? 0 : 1);
        json_decref(j);
        free(out);
        free(err);
    }
    assert_int_equal(review_count(), reviews + 1);
    file[202 + 30] = 'X'; /* line 2: the amount (25–36) */
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(file, 1, n, f), n);
    fclose(f);
    assert_int_equal(cli_run(args, &out, &err), 1);
    assert_non_null(strstr(err, ":2: amount:"));
    free(out);
    free(err);
}

/* The slip's 44 digits for invoice number, amount, with its check digit
 * (weights 3, 1 from the right) or a wrong one. */
static void
barcode(int64_t number, int64_t amount, bool right, char out[45])
{
    snprintf(out, 45, "91987654000000%015lld0261231%d%06lld", (long long)number,
             0, (long long)amount);
    int sum = 0;
    for (int i = 0; i < 43; i++)
        sum += (out[i] - '0') * ((42 - i) % 2 == 0 ? 3 : 1);
    int cd = (10 - sum % 10) % 10;
    out[43] = (char)('0' + (right ? cd : (cd + 1) % 10));
    out[44] = '\0';
}

static void
test_convenience_barcode_finds_the_invoice(void **state)
{
    (void)state;
    struct http h;
    char csv[512], bc[45];
    json_t *iv = invoice_of(E, "2026-10");
    int64_t number = num(iv, "number");
    json_decref(iv);
    barcode(number, 4000, false, bc);
    snprintf(csv, sizeof(csv),
             "バーコード,入金日,店舗\r\n%s,2026-11-21,駅前店\r\n", bc);
    upload(csv, "", &h);
    assert_problem(&h, 422, "import.rows_invalid");
    json_t *e = json_array_get(json_object_get(h.json, "errors"), 0);
    assert_int_equal(num(e, "line"), 2);
    assert_string_equal(str(e, "field"), "barcode");
    assert_string_equal(str(e, "code"), "payments.cvs_barcode");
    http_free(&h);
    barcode(number, 4000, true, bc); /* an amount beside it must agree */
    snprintf(csv, sizeof(csv),
             "バーコード,金額,入金日\r\n%s,3999,2026-11-21\r\n", bc);
    upload(csv, "", &h);
    assert_problem(&h, 422, "import.rows_invalid");
    e = json_array_get(json_object_get(h.json, "errors"), 0);
    assert_string_equal(str(e, "field"), "amount_yen");
    http_free(&h);
    json_t *rec = receivables(E, "2026-11-21");
    assert_int_equal(num(rec, "balance_yen"), 4000);
    json_decref(rec);
    snprintf(csv, sizeof(csv),
             "バーコード,入金日,店舗\r\n%s,2026-11-21,駅前店\r\n", bc);
    upload(csv, "", &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "imported"), 1);
    assert_int_equal(num(h.json, "total_yen"), 4000);
    http_free(&h);
    rec = receivables(E, "2026-11-21");
    assert_int_equal(num(rec, "balance_yen"), 0);
    json_decref(rec);
}

static void
keyed_payment(const char *key, const char *json, struct http *h)
{
    char header[320];
    snprintf(header, sizeof(header), "Idempotency-Key: %s", key);
    admin_c.extra_header = header;
    client_req(&srv, &admin_c, "POST", "/api/v1/payments", json, h);
    admin_c.extra_header = NULL;
}

static void
test_idempotency_key_records_a_payment_once(void **state)
{
    (void)state;
    struct http h;
    char body[256], other[256];
    snprintf(body, sizeof(body),
             "{\"method\":\"cash\",\"customer_id\":%lld,\"amount_yen\":1500,"
             "\"paid_on\":\"2026-11-22\",\"collected_by\":\"佐藤\"}",
             (long long)cust_id[F]);
    json_t *rec = receivables(F, "2026-11-22");
    int64_t before = num(rec, "balance_yen");
    json_decref(rec);
    keyed_payment("f-cash-2026-11-22", body, &h);
    if (h.status != 201)
        fail_msg("first: %ld %s", h.status, h.body);
    int64_t entry = num(json_object_get(h.json, "entry"), "id");
    int64_t receipt = num(h.json, "receipt_number");
    assert_null(http_header(&h, "Idempotent-Replayed"));
    http_free(&h);
    /* the network dropped the answer: the client sends it again */
    keyed_payment("f-cash-2026-11-22", body, &h);
    assert_int_equal(h.status, 201);
    assert_int_equal(num(json_object_get(h.json, "entry"), "id"), entry);
    assert_int_equal(num(h.json, "receipt_number"), receipt);
    assert_non_null(http_header(&h, "Idempotent-Replayed"));
    http_free(&h);
    rec = receivables(F, "2026-11-22");
    assert_int_equal(num(rec, "balance_yen"), before - 1500); /* once */
    json_decref(rec);
    /* the same key with another body is refused, nothing recorded */
    snprintf(other, sizeof(other),
             "{\"method\":\"cash\",\"customer_id\":%lld,\"amount_yen\":2500,"
             "\"paid_on\":\"2026-11-22\"}",
             (long long)cust_id[F]);
    keyed_payment("f-cash-2026-11-22", other, &h);
    assert_problem(&h, 422, "payments.idempotency_key_reused");
    assert_true(has_japanese(h.body));
    http_free(&h);
    keyed_payment("bad key with spaces", body, &h);
    assert_problem(&h, 422, "invalid");
    assert_non_null(strstr(h.body, "Idempotency-Key"));
    http_free(&h);
    rec = receivables(F, "2026-11-22");
    assert_int_equal(num(rec, "balance_yen"), before - 1500);
    json_decref(rec);
    /* a new key is a new payment */
    keyed_payment("f-cash-2026-11-22-b", body, &h);
    assert_int_equal(h.status, 201);
    assert_true(num(json_object_get(h.json, "entry"), "id") != entry);
    http_free(&h);
    rec = receivables(F, "2026-11-22");
    assert_int_equal(num(rec, "balance_yen"), before - 3000);
    json_decref(rec);
}

static void
test_every_change_is_audited(void **state)
{
    (void)state;
    const char *list[] = {"audit", "list",   "--data",  srv.data, "--tenant",
                          "0001",  "--json", "--limit", "500",    NULL};
    char *out, *err;
    int rc = cli_run(list, &out, &err);
    if (rc) {
        fprintf(stderr, "%s", err);
        free(out);
        free(err);
        fail_msg("audit list: exit %d", rc);
    }
    static const char *const actions[] = {
        "payment.record",  "transfer.assign",     "payment.import",
        "payment.reverse", "contact_note.create", "dunning.step",
        "transfer.import"};
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
        cmocka_unit_test(test_september_invoices_are_6000),
        cmocka_unit_test(test_meter_reader_gets_403_everywhere),
        cmocka_unit_test(test_transfer_with_one_fit_is_matched),
        cmocka_unit_test(
            test_uncertain_transfer_goes_to_review_and_is_assigned),
        cmocka_unit_test(test_cash_receipt_numbers_are_gapless),
        cmocka_unit_test(test_convenience_csv_with_a_bad_line_imports_nothing),
        cmocka_unit_test(test_balances_and_ageing_before_october),
        cmocka_unit_test(test_october_invoices_carry_the_balance),
        cmocka_unit_test(test_refund_is_limited_to_the_credit),
        cmocka_unit_test(test_a_reversal_undoes_an_entry_once),
        cmocka_unit_test(test_dunning_steps_are_refused_out_of_order),
        cmocka_unit_test(test_contact_notes_are_kept),
        cmocka_unit_test(test_overdue_list_shows_d),
        cmocka_unit_test(test_reminder_letter_is_a_pdf_with_the_amount),
        cmocka_unit_test(test_payments_settle_the_oldest_first),
        cmocka_unit_test(
            test_bank_statement_import_matches_and_is_imported_once),
        cmocka_unit_test(
            test_bad_bank_statement_is_refused_with_line_and_field),
        cmocka_unit_test(test_bank_statement_from_the_command_line),
        cmocka_unit_test(test_convenience_barcode_finds_the_invoice),
        cmocka_unit_test(test_idempotency_key_records_a_payment_once),
        cmocka_unit_test(test_every_change_is_audited), /* last */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
