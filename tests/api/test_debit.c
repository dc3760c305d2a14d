/*
 * test_debit.c — direct debit (口座振替) over HTTP (src/payments/debit*.c):
 * a tenant built through the API with debit customers and their bank
 * accounts, billed with the CLI, a request made, its file downloaded
 * (only by an accountant or admin, only with a fresh one-time code) and
 * read back here by position, the bank's result built here from the
 * request's bytes, tampered results refused with the line named and
 * nothing changed, the result imported, balances and follow-ups checked,
 * the import repeated (a no-op), and the next month requested without
 * debiting a carried balance twice.
 *
 * Tariff: two-part, 基本料金 ¥1,000, ¥500/m³, tax included, so a total is
 * 1,000 + 500 × usage. Route R01 (締め日 20) read 100.0 on 2026-08-10,
 * 110.0 on 09-10 and 116.0 on 10-10: September bills ¥6,000 (issued
 * 2026-10-05, due 10-25), October ¥4,000 (issued 11-05, due 11-25).
 *
 *   A 9001 ﾔﾏﾀﾞ ﾀﾛｳ   0005-123 普通 1234567   result 0 振替済
 *   B 9002 ｽｽﾞｷ ﾊﾅｺ   0005-123 普通 2345678   result 1 資金不足 → redebit
 *   C 9003 ﾀﾅｶ ｲﾁﾛｳ   0177-001 普通 3456789   result 2 預金取引なし
 *   D 9004 ｻﾄｳ ｼﾞﾛｳ   0177-001 当座 4567890   result 3 預金者の都合
 *   E 9005 ﾀｶﾊｼ ﾐｷ    0001-010 普通 5678901   result 0 振替済
 *   F 9006 pays by transfer in September; switched to debit after the
 *          first request, its September invoice requested alone and
 *          still at the bank when October is requested
 *   G K-9007 with an account, but a number that is not digits: a problem
 *   H 9008 pays by transfer: never selected
 *
 * September's request: 5 debits, ¥30,000, one problem: G
 * (customer_number). (A debit contract cannot lack its account through
 * the API; no_account and the other reasons are unit-tested.) October: A
 * ¥4,000, B ¥10,000 (its failed ¥6,000 carried), C and D ¥10,000, E ¥4,000, and
 * F ¥4,000 — F's invoice carries ¥6,000 (amount due ¥10,000) but that ¥6,000 is
 * already on request 2 at the bank, so it is not asked for twice.
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
static struct account admin, accountant, office, reader;
static struct client admin_c, accountant_c, office_c, reader_c;

static const struct cust {
    const char *number, *name, *kana, *method, *bank;
} custs[] = {
    {"9001", "山田 太郎", "ヤマダ タロウ", "debit",
     "\"bank_code\":\"0005\",\"branch_code\":\"123\",\"account_type\":\"1\","
     "\"account_number\":\"1234567\",\"account_holder\":\"ヤマダ タロウ\""},
    {"9002", "鈴木 花子", "スズキ ハナコ", "debit",
     "\"bank_code\":\"0005\",\"branch_code\":\"123\",\"account_type\":\"1\","
     "\"account_number\":\"2345678\",\"account_holder\":\"スズキ ハナコ\""},
    {"9003", "田中 一郎", "タナカ イチロウ", "debit",
     "\"bank_code\":\"0177\",\"branch_code\":\"001\",\"account_type\":\"1\","
     "\"account_number\":\"3456789\",\"account_holder\":\"タナカ イチロウ\""},
    {"9004", "佐藤 次郎", "サトウ ジロウ", "debit",
     "\"bank_code\":\"0177\",\"branch_code\":\"001\",\"account_type\":\"2\","
     "\"account_number\":\"4567890\",\"account_holder\":\"サトウ ジロウ\""},
    {"9005", "高橋 美紀", "タカハシ ミキ", "debit",
     "\"bank_code\":\"0001\",\"branch_code\":\"010\",\"account_type\":\"1\","
     "\"account_number\":\"5678901\",\"account_holder\":\"タカハシ ミキ\""},
    {"9006", "伊藤 三郎", "イトウ サブロウ", "transfer", NULL},
    {"K-9007", "渡辺 四郎", "ワタナベ シロウ", "debit",
     "\"bank_code\":\"0005\",\"branch_code\":\"123\",\"account_type\":\"1\","
     "\"account_number\":\"7890123\",\"account_holder\":\"ワタナベ シロウ\""},
    {"9008", "小林 五郎", "コバヤシ ゴロウ", "transfer", NULL},
};
enum { A, B, C, D, E, F, G, H, NCUST };
static int64_t cust_id[NCUST], point_id[NCUST], contract_id[NCUST];

/* The September request's file as downloaded, and its result. */
static char *req_file;
static size_t req_len;
static char result_path[400];

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

/* A fresh one-time code for c's session (the server's step-up window is
 * 3 s). */
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

/* ---------------------------------------------------------------------- */
/* The tenant                                                             */
/* ---------------------------------------------------------------------- */

static int64_t
make_tariff(void)
{
    char path[96];
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

static void
make_customer(int i, int64_t tariff)
{
    const struct cust *c = &custs[i];
    char body[1024], path[96];
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
             "{\"serial\":\"D-%d\",\"kind\":\"E\",\"capacity\":\"2.5\","
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
             "{\"payment_method\":\"%s\"%s%s}}",
             (long long)cust_id[i], c->method, c->bank ? "," : "",
             c->bank ? c->bank : "");
    req_ok(&admin_c, "POST", path, body, 200, &h);
    contract_id[i] = json_integer_value(
        json_object_get(json_object_get(h.json, "contract"), "id"));
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld/tariff",
             (long long)contract_id[i]);
    snprintf(body, sizeof(body), "{\"tariff_id\":%lld}", (long long)tariff);
    req_ok(&admin_c, "PUT", path, body, 200, &h);
    http_free(&h);
}

static void
read_month(const char *month, const char *index)
{
    char body[4096], path[96];
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
            "%s{\"key\":\"dbt-%s-%d\",\"supply_point_id\":%lld,"
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
    account_make(&srv, "0001", "kanri", "admin", &admin);
    account_make(&srv, "0001", "keiri", "accountant", &accountant);
    account_make(&srv, "0001", "jimu", "office", &office);
    account_make(&srv, "0001", "kenshin", "reader", &reader);
    const char *extra[] = {"--login-rate", "100000", "--step-up", "3", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &accountant);
    account_enroll(&srv, &office);
    account_enroll(&srv, &reader);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &accountant_c, &accountant);
    account_sign_in(&srv, &office_c, &office);
    account_sign_in(&srv, &reader_c, &reader);
    int64_t tariff = make_tariff();
    for (int i = 0; i < NCUST; i++)
        make_customer(i, tariff);
    read_month("2026-08", "100.0");
    read_month("2026-09", "110.0");
    read_month("2026-10", "116.0");
    bill("2026-09", "2026-10-05");
    snprintf(result_path, sizeof(result_path), "%s/result.txt", srv.dir);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    free(req_file);
    client_free(&admin_c);
    client_free(&accountant_c);
    client_free(&office_c);
    client_free(&reader_c);
    server_down(&srv);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Helpers on the ledger                                                  */
/* ---------------------------------------------------------------------- */

static int64_t
balance(int i)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/customers/%lld/receivables",
             (long long)cust_id[i]);
    json_t *r = get_json(path);
    int64_t b = num(r, "balance_yen");
    json_decref(r);
    return b;
}

static json_t *
followups(void)
{
    return get_json("/api/v1/payment-followups?status=open");
}

static size_t
debit_payments(void)
{
    json_t *p = get_json("/api/v1/payments?method=debit");
    size_t n = json_array_size(json_object_get(p, "payments"));
    json_decref(p);
    return n;
}

static void
post_request(struct client *c, const char *body, long status, struct http *h)
{
    req_ok(c, "POST", "/api/v1/debit-requests", body, status, h);
}

/* ---------------------------------------------------------------------- */
/* Settings and the request                                               */
/* ---------------------------------------------------------------------- */

#define SETTINGS                                                                 \
    "{\"debit\":{\"requester_code\":\"0098765432\",\"requester_name\":"          \
    "\"スルガプロパン（カ\",\"bank\":{\"code\":\"0149\",\"name\":"      \
    "\"シズオカ\"},\"branch\":{\"code\":\"001\",\"name\":\"ホンテン\"}," \
    "\"account_type\":1,\"account_number\":\"7654321\",\"line_ending\":"         \
    "\"crlf\",\"files\":\"combined\"}}"

static void
test_a_request_needs_the_collection_contract(void **state)
{
    (void)state;
    struct http h;
    post_request(&admin_c,
                 "{\"month\":\"2026-09\",\"debit_on\":\"2026-10-27\"}", 409,
                 &h);
    assert_problem(&h, 409, "payments.debit_settings_missing");
    http_free(&h);
    sleep(4); /* the sign-in's code is older than the server's 3 s */
    client_req(&srv, &admin_c, "PUT", "/api/v1/settings/payments", SETTINGS,
               &h);
    assert_problem(&h, 403, "auth.step_up_required");
    http_free(&h);
    step_up(&admin_c, &admin);
    /* a requester name no bank takes, a short requester code */
    client_req(&srv, &admin_c, "PUT", "/api/v1/settings/payments",
               "{\"debit\":{\"requester_code\":\"12345\",\"requester_name\":"
               "\"駿河プロパン\"}}",
               &h);
    assert_problem(&h, 422, "invalid");
    assert_non_null(strstr(h.body, "debit.requester_code"));
    assert_non_null(strstr(h.body, "debit.requester_name"));
    http_free(&h);
    req_ok(&admin_c, "PUT", "/api/v1/settings/payments", SETTINGS, 200, &h);
    http_free(&h);
    json_t *s = get_json("/api/v1/settings/payments");
    json_t *d = json_object_get(s, "debit");
    assert_true(json_is_true(json_object_get(d, "complete")));
    assert_string_equal(str(d, "requester_code"), "0098765432");
    assert_string_equal(str(d, "line_ending"), "crlf");
    json_decref(s);
}

static void
test_debit_on_must_be_a_business_day(void **state)
{
    (void)state;
    struct http h;
    post_request(&admin_c,
                 "{\"month\":\"2026-09\",\"debit_on\":\"2026-10-25\"}", 422,
                 &h); /* a Sunday */
    assert_non_null(strstr(h.body, "not_business_day"));
    http_free(&h);
    post_request(&admin_c,
                 "{\"month\":\"2026-09\",\"debit_on\":\"2026-11-23\"}", 422,
                 &h); /* 勤労感謝の日 */
    http_free(&h);
    post_request(&admin_c, "{\"debit_on\":\"2026-10-27\"}", 422, &h);
    assert_non_null(strstr(h.body, "run_id"));
    http_free(&h);
}

static void
test_a_preview_lists_problems_and_stores_nothing(void **state)
{
    (void)state;
    struct http h;
    /* the office may prepare a request (but not download it) */
    post_request(&office_c,
                 "{\"month\":\"2026-09\",\"groups\":[20],\"debit_on\":"
                 "\"2026-10-27\",\"preview\":true}",
                 200, &h);
    assert_true(json_is_true(json_object_get(h.json, "preview")));
    assert_int_equal(num(h.json, "lines"), 5);
    assert_int_equal(num(h.json, "amount_yen"), 30000);
    assert_int_equal(num(h.json, "problem_count"), 1);
    http_free(&h);
    json_t *l = get_json("/api/v1/debit-requests");
    assert_int_equal(json_array_size(json_object_get(l, "debit_requests")), 0);
    json_decref(l);
}

static void
test_the_request_keeps_its_problems(void **state)
{
    (void)state;
    struct http h;
    post_request(&admin_c,
                 "{\"month\":\"2026-09\",\"debit_on\":\"2026-10-27\"}", 201,
                 &h);
    json_t *r = h.json;
    assert_int_equal(num(r, "id"), 1);
    assert_string_equal(str(r, "status"), "created");
    assert_int_equal(num(r, "lines"), 5);
    assert_int_equal(num(r, "amount_yen"), 30000);
    json_t *files = json_object_get(r, "files");
    assert_int_equal(json_array_size(files), 1);
    assert_int_equal(num(json_array_get(files, 0), "lines"), 5);
    assert_int_equal(num(json_array_get(files, 0), "bytes"), 8 * 122);
    json_t *p = json_object_get(r, "problems");
    assert_int_equal(json_array_size(p), 1);
    const json_t *one = json_array_get(p, 0);
    assert_string_equal(str(json_object_get(one, "customer"), "number"),
                        "K-9007");
    assert_string_equal(str(one, "reason"), "customer_number");
    assert_true(has_japanese(str(one, "message")));
    assert_null(strstr(h.body, "1234567")); /* no account number */
    http_free(&h);
    /* everything requestable is on a live request now */
    post_request(&admin_c,
                 "{\"month\":\"2026-09\",\"debit_on\":\"2026-10-27\"}", 409,
                 &h);
    assert_problem(&h, 409, "payments.debit_nothing_to_request");
    http_free(&h);
}

/* ---------------------------------------------------------------------- */
/* The file                                                               */
/* ---------------------------------------------------------------------- */

#define FILE_PATH "/api/v1/debit-requests/1/file"

/* The 120 bytes of record i (CR LF after each). */
static const char *
rec(const char *file, size_t i)
{
    return file + i * 122;
}

static void
test_only_accountants_and_admins_download_with_step_up(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &reader_c, "GET", FILE_PATH, NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &office_c, "GET", FILE_PATH, NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    sleep(4); /* the accountant's sign-in code is no longer fresh */
    client_req(&srv, &accountant_c, "GET", FILE_PATH, NULL, &h);
    assert_problem(&h, 403, "auth.step_up_required");
    http_free(&h);
    step_up(&accountant_c, &accountant);
    client_req(&srv, &accountant_c, "GET", FILE_PATH, NULL, &h);
    if (h.status != 200)
        fail_msg("download: %ld %s", h.status, h.body);
    assert_int_equal(h.len, 8 * 122);
    assert_non_null(
        strstr(http_header(&h, "Content-Disposition"), "debit-1-1-1027.txt"));
    assert_string_equal(http_header(&h, "Cache-Control"), "no-store");
    assert_string_equal(http_header(&h, "X-Debit-Records"), "5");
    req_file = malloc(h.len);
    memcpy(req_file, h.body, h.len);
    req_len = h.len;
    http_free(&h);
}

/* The customer number (positions 92–111, zero-filled) of data record r. */
static int
customer_of(const char *r)
{
    char last8[9];
    memcpy(last8, r + 91 + 12, 8);
    last8[8] = '\0';
    return atoi(last8);
}

static void
test_the_file_holds_the_debits_by_position(void **state)
{
    (void)state;
    assert_non_null(req_file);
    const char *h = rec(req_file, 0);
    assert_memory_equal(h, "1910", 4);
    assert_memory_equal(h + 4, "0098765432", 10); /* 委託者コード */
    assert_memory_equal(h + 14, "\xBD\xD9\xB6\xDE\xCC\xDF\xDB\xCA\xDF\xDD(\xB6",
                        12); /* ｽﾙｶﾞﾌﾟﾛﾊﾟﾝ(ｶ */
    assert_memory_equal(h + 54, "1027", 4);     /* 引落日 */
    assert_memory_equal(h + 58, "0149", 4);     /* 取引銀行 */
    assert_memory_equal(h + 95, "17654321", 8); /* 普通 7654321 */
    for (size_t i = 0; i < 8; i++)
        assert_memory_equal(rec(req_file, i) + 120, "\r\n", 2);
    int seen = 0;
    for (size_t i = 1; i <= 5; i++) {
        const char *d = rec(req_file, i);
        assert_int_equal(d[0], '2');
        assert_memory_equal(d + 80, "0000006000", 10); /* 引落金額 */
        assert_int_equal(d[111], '0');                 /* 結果: 0 */
        int n = customer_of(d);
        seen |= 1 << (n - 9001);
        if (n == 9001) {
            assert_memory_equal(d + 1, "0005", 4);
            assert_memory_equal(d + 20, "123", 3);
            assert_int_equal(d[42], '1');
            assert_memory_equal(d + 43, "1234567", 7);
            assert_memory_equal(d + 50, "\xD4\xCF\xC0\xDE \xC0\xDB\xB3 ", 9);
            assert_int_equal(d[90], '1'); /* 新規: the first debit */
            assert_memory_equal(d + 91, "00000000000000009001", 20);
        }
        if (n == 9004) {
            assert_int_equal(d[42], '2'); /* 当座 */
            assert_memory_equal(d + 43, "4567890", 7);
        }
    }
    assert_int_equal(seen, 0x1F);
    const char *t = rec(req_file, 6);
    assert_memory_equal(t, "8000005000000030000", 19);
    assert_memory_equal(t + 19, "000000000000000000000000000000000000", 36);
    assert_int_equal(rec(req_file, 7)[0], '9');
}

/* ---------------------------------------------------------------------- */
/* Results                                                                */
/* ---------------------------------------------------------------------- */

/* The bank's answer to the request: A, E 0; B 1; C 2; D 3 — set at
 * position 112 of each record, the trailer's split filled in. */
static char *
result_of(size_t *len)
{
    assert_non_null(req_file);
    char *r = malloc(req_len);
    long dc = 0, da = 0, fc = 0, fa = 0;
    char split[64];
    memcpy(r, req_file, req_len);
    for (size_t i = 1; i <= 5; i++) {
        char *d = r + i * 122;
        static const char codes[] = {'0', '1', '2', '3', '0'};
        char c = codes[customer_of(d) - 9001];
        d[111] = c;
        long amount = atol((char[11]){d[80], d[81], d[82], d[83], d[84], d[85],
                                      d[86], d[87], d[88], d[89], 0});
        if (c == '0') {
            dc++;
            da += amount;
        } else {
            fc++;
            fa += amount;
        }
    }
    snprintf(split, sizeof(split), "%06ld%012ld%06ld%012ld", dc, da, fc, fa);
    memcpy(r + 6 * 122 + 19, split, 36);
    *len = req_len;
    return r;
}

static void
post_result(struct client *c, const char *query, const char *body, size_t len,
            struct http *h)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/debit-requests/1/result%s", query);
    client_req_body(&srv, c, "POST", path, "application/octet-stream", body,
                    len, h);
}

/* Nothing of the import is there: no follow-up, no debit payment, the
 * request still waiting. */
static void
assert_nothing_imported(void)
{
    json_t *f = followups();
    assert_int_equal(json_array_size(json_object_get(f, "followups")), 0);
    json_decref(f);
    assert_int_equal(debit_payments(), 0);
    assert_int_equal(balance(A), 6000);
    json_t *r = get_json("/api/v1/debit-requests/1");
    assert_string_equal(str(r, "status"), "created");
    json_decref(r);
}

/* Record i (1-based data) of res gets amount + 1, the trailer follows. */
static void
tamper_amount(char *res, size_t i)
{
    char *d = res + i * 122, *t = res + 6 * 122, buf[16];
    long total = atol((char[13]){t[7], t[8], t[9], t[10], t[11], t[12], t[13],
                                 t[14], t[15], t[16], t[17], t[18], 0});
    memcpy(d + 80, "0000006001", 10);
    snprintf(buf, sizeof(buf), "%012ld", total + 1);
    memcpy(t + 7, buf, 12);
    if (d[111] == '0') {
        long da = atol((char[13]){t[25], t[26], t[27], t[28], t[29], t[30],
                                  t[31], t[32], t[33], t[34], t[35], t[36], 0});
        snprintf(buf, sizeof(buf), "%012ld", da + 1);
        memcpy(t + 25, buf, 12);
    } else {
        long fa = atol((char[13]){t[43], t[44], t[45], t[46], t[47], t[48],
                                  t[49], t[50], t[51], t[52], t[53], t[54], 0});
        snprintf(buf, sizeof(buf), "%012ld", fa + 1);
        memcpy(t + 43, buf, 12);
    }
}

static void
refused(const char *body, size_t len, const char *code, const char *words)
{
    struct http h;
    post_result(&admin_c, "", body, len, &h);
    assert_problem(&h, 422, code);
    const char *detail = str(h.json, "detail");
    if (!detail || !strstr(detail, words))
        fail_msg("detail %s lacks %s", detail ? detail : "(none)", words);
    assert_null(strstr(h.body, "1234567"));
    http_free(&h);
    assert_nothing_imported();
}

static void
test_tampered_results_are_refused_and_change_nothing(void **state)
{
    (void)state;
    size_t len;
    char *res = result_of(&len);
    char *bad = malloc(len);
    /* one amount changed (the trailer made to agree) */
    memcpy(bad, res, len);
    tamper_amount(bad, 3);
    refused(bad, len, "payments.debit_result_mismatch",
            "4 行目（データ 3 件目）の引落金額");
    /* another requester */
    memcpy(bad, res, len);
    memcpy(bad + 4, "0098765433", 10);
    refused(bad, len, "payments.debit_result_mismatch", "委託者コード");
    /* a line missing (line 4, the third debit; the trailer made to
     * agree): the record now at line 4 is not the request's */
    memcpy(bad, res, len);
    memmove(bad + 3 * 122, bad + 4 * 122, len - 4 * 122);
    char *t = bad + 5 * 122;
    char split[64];
    int dc = 0, fc = 0;
    long da = 0, fa = 0;
    for (size_t i = 1; i <= 4; i++) {
        const char *d = bad + i * 122;
        long amount = 6000;
        if (d[111] == '0') {
            dc++;
            da += amount;
        } else {
            fc++;
            fa += amount;
        }
    }
    snprintf(split, sizeof(split), "%06d%012ld%06d%012ld%06d%012ld", dc + fc,
             da + fa, dc, da, fc, fa);
    memcpy(t + 1, split, 54);
    refused(bad, len - 122, "payments.debit_result_mismatch", "4 行目");
    /* a record one byte short breaks the layout */
    memcpy(bad, res, len);
    memmove(bad + 3 * 122 + 119, bad + 3 * 122 + 120, len - 3 * 122 - 120);
    refused(bad, len - 1, "payments.zengin_format", "4 行目");
    free(bad);
    free(res);
}

static void
test_a_dry_run_reports_and_writes_nothing(void **state)
{
    (void)state;
    size_t len;
    struct http h;
    char *res = result_of(&len);
    post_result(&admin_c, "?dry_run=true", res, len, &h);
    if (h.status != 200)
        fail_msg("dry run: %ld %s", h.status, h.body);
    assert_true(json_is_true(json_object_get(h.json, "dry_run")));
    assert_int_equal(json_array_size(json_object_get(h.json, "failures")), 3);
    http_free(&h);
    free(res);
    assert_nothing_imported();
}

static int64_t
code_count(const json_t *summary, int code, int64_t *yen)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(summary, "by_code"), i, c)
    {
        if (num(c, "code") == code) {
            *yen = num(c, "amount_yen");
            return num(c, "count");
        }
    }
    *yen = 0;
    return 0;
}

static void
test_the_result_posts_payments_and_followups(void **state)
{
    (void)state;
    size_t len;
    int64_t yen;
    struct http h;
    char *res = result_of(&len);
    FILE *f = fopen(result_path, "wb");
    assert_non_null(f);
    fwrite(res, 1, len, f);
    fclose(f);
    post_result(&accountant_c, "", res, len, &h);
    if (h.status != 200)
        fail_msg("import: %ld %s", h.status, h.body);
    assert_false(json_is_true(json_object_get(h.json, "already_imported")));
    assert_int_equal(code_count(h.json, 0, &yen), 2);
    assert_int_equal(yen, 12000);
    assert_int_equal(code_count(h.json, 1, &yen), 1);
    assert_int_equal(code_count(h.json, 2, &yen), 1);
    assert_int_equal(code_count(h.json, 3, &yen), 1);
    assert_int_equal(num(json_object_get(h.json, "failed"), "amount_yen"),
                     18000);
    json_t *c0 = json_array_get(json_object_get(h.json, "by_code"), 1);
    assert_string_equal(str(c0, "name"), "資金不足");
    json_t *fails = json_object_get(h.json, "failures");
    assert_int_equal(json_array_size(fails), 3);
    size_t i;
    json_t *one;
    json_array_foreach(fails, i, one)
    {
        const char *n = str(json_object_get(one, "customer"), "number");
        const char *action = str(one, "action");
        assert_true(num(one, "followup_id") > 0);
        if (!strcmp(n, "9002"))
            assert_string_equal(action, "redebit");
        else if (!strcmp(n, "9003"))
            assert_string_equal(action, "transfer_slip");
        else
            assert_string_equal(action, "contact");
    }
    http_free(&h);
    free(res);
    assert_int_equal(balance(A), 0);
    assert_int_equal(balance(E), 0);
    assert_int_equal(balance(B), 6000);
    assert_int_equal(balance(C), 6000);
    assert_int_equal(debit_payments(), 2);
    json_t *fu = followups();
    assert_int_equal(json_array_size(json_object_get(fu, "followups")), 3);
    json_decref(fu);
    json_t *r = get_json("/api/v1/debit-requests/1");
    assert_string_equal(str(r, "status"), "imported");
    assert_int_equal(num(json_object_get(r, "results"), "debited_count"), 2);
    assert_int_equal(num(json_object_get(r, "results"), "failed_yen"), 18000);
    json_decref(r);
    r = get_json("/api/v1/debit-requests/1/lines?status=failed");
    assert_int_equal(json_array_size(json_object_get(r, "lines")), 3);
    json_decref(r);
}

static void
test_reimport_changes_nothing(void **state)
{
    (void)state;
    size_t len;
    int64_t yen;
    struct http h;
    char *res = result_of(&len);
    post_result(&admin_c, "", res, len, &h);
    if (h.status != 200)
        fail_msg("again: %ld %s", h.status, h.body);
    assert_true(json_is_true(json_object_get(h.json, "already_imported")));
    assert_int_equal(code_count(h.json, 0, &yen), 2);
    http_free(&h);
    assert_int_equal(debit_payments(), 2);
    json_t *fu = followups();
    assert_int_equal(json_array_size(json_object_get(fu, "followups")), 3);
    json_decref(fu);
    /* a file saying otherwise about an answered record is refused */
    for (size_t i = 1; i <= 5; i++)
        if (customer_of(res + i * 122) == 9001)
            res[i * 122 + 111] = '9';
    memcpy(res + 6 * 122 + 19, "000001000000006000000004000000024000", 36);
    post_result(&admin_c, "", res, len, &h);
    assert_problem(&h, 409, "payments.debit_result_imported");
    http_free(&h);
    free(res);
    assert_int_equal(balance(A), 0);
    /* and from the command line: the same file, a no-op */
    const char *args[] = {
        "payments", "debit-result", "--data", srv.data,    "--tenant",
        "0001",     "--request",    "1",      result_path, NULL};
    char *out, *err;
    assert_int_equal(cli_run(args, &out, &err), 0);
    assert_non_null(strstr(err, "imported before"));
    free(out);
    free(err);
}

static void
test_a_request_with_results_cannot_be_cancelled(void **state)
{
    (void)state;
    struct http h;
    req_ok(&admin_c, "POST", "/api/v1/debit-requests/1/cancel",
           "{\"reason\":\"誤り\"}", 409, &h);
    assert_problem(&h, 409, "payments.debit_result_imported");
    http_free(&h);
}

/* ---------------------------------------------------------------------- */
/* The next month                                                         */
/* ---------------------------------------------------------------------- */

/* F switches to debit; its September invoice goes on request 2 alone. */
static void
f_requested_alone(void)
{
    char path[96];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/contracts/%lld",
             (long long)contract_id[F]);
    req_ok(&admin_c, "GET", path, NULL, 200, &h);
    char etag[32];
    snprintf(etag, sizeof(etag), "%s", http_header(&h, "ETag"));
    http_free(&h);
    char hdr[64];
    snprintf(hdr, sizeof(hdr), "If-Match: %s", etag);
    admin_c.extra_header = hdr;
    req_ok(&admin_c, "PATCH", path,
           "{\"payment_method\":\"debit\",\"bank_code\":\"0005\","
           "\"branch_code\":\"123\","
           "\"account_type\":\"1\",\"account_number\":\"6789012\","
           "\"account_holder\":\"イトウ サブロウ\"}",
           200, &h);
    admin_c.extra_header = NULL;
    http_free(&h);
    post_request(&admin_c,
                 "{\"month\":\"2026-09\",\"debit_on\":\"2026-10-27\"}", 201,
                 &h);
    assert_int_equal(num(h.json, "id"), 2);
    assert_int_equal(num(h.json, "lines"), 1);
    assert_int_equal(num(h.json, "amount_yen"), 6000);
    http_free(&h);
}

/* The October run's id. */
static int64_t
october_run(void)
{
    json_t *l = get_json("/api/v1/billing-runs");
    size_t i;
    json_t *r;
    int64_t id = 0;
    json_array_foreach(json_object_get(l, "billing_runs"), i, r)
    {
        if (!strcmp(str(r, "month"), "2026-10"))
            id = num(r, "id");
    }
    json_decref(l);
    assert_true(id > 0);
    return id;
}

/* The amount of customer i's line in request id. */
static int64_t
line_amount(int64_t id, int i)
{
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/debit-requests/%lld/lines",
             (long long)id);
    json_t *l = get_json(path);
    size_t k;
    json_t *one;
    int64_t yen = -1;
    json_array_foreach(json_object_get(l, "lines"), k, one)
    {
        if (num(json_object_get(one, "customer"), "id") == cust_id[i])
            yen = num(one, "amount_yen");
    }
    json_decref(l);
    return yen;
}

static void
test_october_carries_failures_but_never_debits_twice(void **state)
{
    (void)state;
    char body[128];
    struct http h;
    f_requested_alone();
    bill("2026-10", "2026-11-05");
    snprintf(body, sizeof(body),
             "{\"run_id\":%lld,\"debit_on\":\"2026-11-27\"}",
             (long long)october_run());
    post_request(&admin_c, body, 201, &h);
    int64_t id = num(h.json, "id");
    assert_int_equal(id, 3);
    assert_int_equal(num(h.json, "lines"), 6);
    /* A, E, F ¥4,000; B, C, D ¥4,000 + ¥6,000 carried */
    assert_int_equal(num(h.json, "amount_yen"), 42000);
    http_free(&h);
    assert_int_equal(line_amount(id, A), 4000);
    assert_int_equal(line_amount(id, B), 10000);
    assert_int_equal(line_amount(id, D), 10000);
    assert_int_equal(line_amount(id, F), 4000); /* ¥6,000 is on request 2 */
    /* cancelled, its invoices may be requested again: the same lines */
    req_ok(&admin_c, "POST", "/api/v1/debit-requests/3/cancel",
           "{\"reason\":\"振替日の誤り\"}", 200, &h);
    assert_string_equal(str(h.json, "status"), "cancelled");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/debit-requests/3/file", NULL,
               &h);
    assert_int_equal(h.status, 403); /* step-up first; then cancelled */
    http_free(&h);
    post_request(&admin_c, body, 201, &h);
    assert_int_equal(num(h.json, "id"), 4);
    assert_int_equal(num(h.json, "amount_yen"), 42000);
    http_free(&h);
}

static void
test_every_change_is_audited_without_accounts(void **state)
{
    (void)state;
    const char *list[] = {"audit", "list",   "--data",  srv.data, "--tenant",
                          "0001",  "--json", "--limit", "500",    NULL};
    char *out, *err;
    int rc = cli_run(list, &out, &err);
    if (rc)
        fail_msg("audit list: exit %d %s", rc, err);
    static const char *const actions[] = {
        "settings.payments", "debit_request.create", "debit_request.download",
        "debit_result.import", "debit_request.cancel"};
    const char *missing = NULL;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strstr(out, actions[i]))
            missing = actions[i];
    bool account = strstr(out, "1234567") || strstr(out, "2345678");
    free(out);
    free(err);
    if (missing)
        fail_msg("no %s in the audit log", missing);
    assert_false(account);
    char *log = slurp(srv.log);
    assert_non_null(log);
    assert_null(strstr(log, "1234567"));
    free(log);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_request_needs_the_collection_contract),
        cmocka_unit_test(test_debit_on_must_be_a_business_day),
        cmocka_unit_test(test_a_preview_lists_problems_and_stores_nothing),
        cmocka_unit_test(test_the_request_keeps_its_problems),
        cmocka_unit_test(
            test_only_accountants_and_admins_download_with_step_up),
        cmocka_unit_test(test_the_file_holds_the_debits_by_position),
        cmocka_unit_test(test_tampered_results_are_refused_and_change_nothing),
        cmocka_unit_test(test_a_dry_run_reports_and_writes_nothing),
        cmocka_unit_test(test_the_result_posts_payments_and_followups),
        cmocka_unit_test(test_reimport_changes_nothing),
        cmocka_unit_test(test_a_request_with_results_cannot_be_cancelled),
        cmocka_unit_test(test_october_carries_failures_but_never_debits_twice),
        cmocka_unit_test(
            test_every_change_is_audited_without_accounts), /* last */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
