/*
 * test_search.c — 顧客検索 over HTTP (GET /api/v1/customers?q=…): kana in
 * any width or script, phone numbers however they are written, address
 * fragments of the supply points a customer occupies (and not of those
 * they left), the billing address, meter serials, prefixes of short
 * queries, paging with the cursor, tenant isolation, edits found at once,
 * and q's field errors. Each test makes its own customers with names no
 * other test uses, so one test's data cannot answer another's query.
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
#include <curl/curl.h>

static struct server srv;
static struct account admin, other_admin;
static struct client admin_c, other_c;

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    tenant_make(&srv, "0002", "別府プロパン有限会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0002", "admin", "admin", &other_admin);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &other_admin);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &other_c, &other_admin);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&other_c);
    server_down(&srv);
    return 0;
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* POST body to path as c; returns the new record's id (201 or fail). */
static int64_t
create(struct client *c, const char *path, const char *body)
{
    struct http h;
    client_req(&srv, c, "POST", path, body, &h);
    if (h.status != 201)
        fail_msg("POST %s: %ld %s", path, h.status, h.body);
    int64_t id = json_integer_value(json_object_get(h.json, "id"));
    http_free(&h);
    return id;
}

/* A household customer; phone and address may be NULL. */
static int64_t
customer(struct client *c, const char *number, const char *name,
         const char *kana, const char *phone, const char *address)
{
    char body[1024], ph[64] = "", ad[512] = "";
    if (phone)
        snprintf(ph, sizeof(ph), ",\"phone1\":\"%s\"", phone);
    if (address)
        snprintf(ad, sizeof(ad),
                 ",\"prefecture\":\"大分県\",\"address\":\"%s\"", address);
    snprintf(body, sizeof(body),
             "{\"number\":\"%s\",\"name\":\"%s\",\"kana\":\"%s\","
             "\"kind\":\"household\"%s%s}",
             number, name, kana, ph, ad);
    return create(c, "/api/v1/customers", body);
}

static int64_t
point(const char *street, const char *building, const char *room)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"prefecture\":\"大分県\",\"city\":\"大分市\",\"street\":\"%s\","
             "\"building\":\"%s\",\"room\":\"%s\","
             "\"supply_kind\":\"collective\"}",
             street, building, room);
    return create(&admin_c, "/api/v1/supply-points", body);
}

static void
move_in(int64_t pt, int64_t cust, const char *date)
{
    char path[64], body[128];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/move",
             (long long)pt);
    snprintf(body, sizeof(body), "{\"customer_id\":%lld,\"date\":\"%s\"}",
             (long long)cust, date);
    client_req(&srv, &admin_c, "POST", path, body, &h);
    if (h.status != 200)
        fail_msg("move: %ld %s", h.status, h.body);
    http_free(&h);
}

/* GET the list with query string qs as c; the answer stays in h. */
static void
list(struct client *c, const char *qs, struct http *h)
{
    char path[1024];
    snprintf(path, sizeof(path), "/api/v1/customers?%s", qs);
    client_req(&srv, c, "GET", path, NULL, h);
    if (h->status != 200)
        fail_msg("GET %s: %ld %s", path, h->status, h->body);
}

/* The numbers found for q (URL-encoded here) as c, comma-separated, and
 * the "matched" of the first one into why (when not NULL). */
static const char *
found_as(struct client *c, const char *q, const char **why)
{
    static char out[1024], first_why[32];
    char qs[600];
    struct http h;
    CURL *e = curl_easy_init();
    char *enc = curl_easy_escape(e, q, 0);
    snprintf(qs, sizeof(qs), "limit=100&q=%s", enc);
    curl_free(enc);
    curl_easy_cleanup(e);
    list(c, qs, &h);
    size_t i;
    json_t *row;
    out[0] = first_why[0] = '\0';
    json_array_foreach(json_object_get(h.json, "customers"), i, row)
    {
        if (i)
            strncat(out, ",", sizeof(out) - strlen(out) - 1);
        strncat(out, str(row, "number"), sizeof(out) - strlen(out) - 1);
        if (i == 0 && str(row, "matched"))
            snprintf(first_why, sizeof(first_why), "%s", str(row, "matched"));
    }
    http_free(&h);
    if (why)
        *why = first_why;
    return out;
}

/* found(q) must be want, and the first hit matched on field. */
static void
finds(const char *q, const char *want, const char *field)
{
    const char *why;
    const char *got = found_as(&admin_c, q, &why);
    if (strcmp(got, want))
        fail_msg("q=%s: found [%s], want [%s]", q, got, want);
    if (field && strcmp(why, field))
        fail_msg("q=%s: matched %s, want %s", q, why, field);
}

static void
test_kana_in_any_width_or_script_finds_the_customer(void **state)
{
    (void)state;
    customer(&admin_c, "5001", "鷲尾太郎", "ワシオ タロウ", NULL, NULL);
    customer(&admin_c, "5002", "鷲見花子", "ﾜｼﾐ ﾊﾅｺ", NULL, NULL);
    customer(&admin_c, "5003", "尾鷲次郎", "おわせ じろう", NULL, NULL);
    static const char *const forms[] = {"ﾜｼｵ", "ワシオ", "わしお",
                                        "ワシオ　タロウ", "ﾜｼｵﾀﾛｳ"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
        finds(forms[i], "5001", "kana");
    finds("鷲尾", "5001", "name");
    finds("わしみ", "5002", "kana"); /* stored from half-width kana */
    finds("ｵﾜｾｼﾞﾛｳ", "5003", "kana");
    /* one or two characters: prefixes of the name, kana and number */
    finds("鷲", "5001,5002", "name");
    finds("わし", "5001,5002", "kana");
    finds("50", "5001,5002,5003", "number");
    finds("見", "", NULL); /* not a prefix of any name or kana */
}

static void
test_business_found_by_its_name_after_the_legal_form(void **state)
{
    (void)state;
    customer(&admin_c, "5051", "株式会社鷺沼建設",
             "カブシキガイシャ サギヌマケンセツ", NULL, NULL);
    customer(&admin_c, "5052", "（有）鷺沼商店", "ﾕｳｹﾞﾝｶﾞｲｼｬ ｻｷﾞﾇﾏｼｮｳﾃﾝ", NULL,
             NULL);
    finds("鷺沼", "5051,5052", "name");
    finds("さぎ", "5051,5052", "kana");
    finds("鷺沼建設", "5051", "name");
    finds("株式会社", "5051", "name");
}

static void
test_phone_found_with_or_without_hyphens(void **state)
{
    (void)state;
    customer(&admin_c, "5101", "電話一郎", "デンワ イチロウ", "03-1234-5678",
             NULL);
    customer(&admin_c, "5102", "電話二郎", "デンワ ジロウ", "0312345679", NULL);
    static const char *const forms[] = {
        "03-1234-5678",
        "0312345678",
        "03(1234)5678",
        "03 1234 5678",
        "０３－１２３４－５６７８",
        "０３（１２３４）５６７８",
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
        finds(forms[i], "5101", "phone");
    finds("5678", "5101", "phone"); /* 下4桁 */
    finds("03-1234-567", "5101,5102", "phone");
    finds("0312345679", "5102", "phone");
}

static void
test_address_of_occupied_points_and_billing_address(void **state)
{
    (void)state;
    int64_t a = customer(&admin_c, "5201", "住所一郎", "ジュウショ イチロウ",
                         NULL, "大分市舞鶴町1丁目2番3号");
    int64_t b =
        customer(&admin_c, "5202", "住所二郎", "ジュウショ ジロウ", NULL, NULL);
    int64_t pt = point("港町3丁目4-5", "グランメゾン港", "302");
    finds("港町3-4-5", "", NULL);
    move_in(pt, a, "2026-04-01");
    static const char *const forms[] = {
        "港町3-4-5",    "港町３丁目４番５号", "港町3ー4ー5",
        "ぐらんめぞん", "ｸﾞﾗﾝﾒｿﾞﾝ港302",      "大分県大分市港町",
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
        finds(forms[i], "5201", "address");
    finds("舞鶴町1-2-3", "5201", "address"); /* billing address */
    /* 転居: the point now belongs to the new occupant's search */
    move_in(pt, b, "2026-06-01");
    finds("グランメゾン港", "5202", "address");
    finds("舞鶴町1-2-3", "5201", "address");
    /* an edit of the point is found at once, for its occupant */
    char path[64];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld", (long long)pt);
    admin_c.extra_header = "If-Match: \"1\"";
    client_req(&srv, &admin_c, "PATCH", path, "{\"building\":\"シーサイド港\"}",
               &h);
    admin_c.extra_header = NULL;
    assert_int_equal(h.status, 200);
    http_free(&h);
    finds("しーさいど", "5202", "address");
    finds("グランメゾン", "", NULL);
}

static void
test_meter_serial_of_an_installed_meter(void **state)
{
    (void)state;
    int64_t c =
        customer(&admin_c, "5301", "計器一郎", "ケイキ イチロウ", NULL, NULL);
    int64_t pt = point("計器町1-1", "メーター荘", "101");
    move_in(pt, c, "2026-04-01");
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/meters",
             (long long)pt);
    create(&admin_c, path,
           "{\"serial\":\"ZX-90817263\",\"kind\":\"E\","
           "\"install_date\":\"2026-04-01\"}");
    finds("ZX-90817263", "5301", "meter");
    finds("ｚｘ－９０８１７２６３", "5301", "meter");
    finds("90817263", "5301", "meter");
    finds("ZX-90817264", "", NULL);
}

static void
test_paging_returns_every_match_exactly_once(void **state)
{
    (void)state;
    char number[16], seen[16][16];
    int n = 0;
    for (int i = 7; i >= 1; i--) { /* created out of order */
        snprintf(number, sizeof(number), "54%02d", i);
        customer(&admin_c, number, "頁山", "ペイジヤマ", NULL, NULL);
    }
    customer(&admin_c, "5499", "頁谷", "ペイジタニ", NULL, NULL);
    char qs[256] = "limit=3&q=%E3%81%BA%E3%81%84%E3%81%98%E3%82%84%E3%81%BE";
    for (int pages = 0;; pages++) { /* q=ぺいじやま */
        struct http h;
        assert_true(pages < 5);
        list(&admin_c, qs, &h);
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(h.json, "customers"), i, row)
        {
            assert_true(n < 16);
            snprintf(seen[n++], sizeof(seen[0]), "%s", str(row, "number"));
        }
        json_t *next = json_object_get(h.json, "next");
        if (json_is_null(next)) {
            http_free(&h);
            break;
        }
        snprintf(
            qs, sizeof(qs),
            "limit=3&after=%s"
            "&q=%%E3%%81%%BA%%E3%%81%%84%%E3%%81%%98%%E3%%82%%84%%E3%%81%%BE",
            json_string_value(next));
        http_free(&h);
    }
    assert_int_equal(n, 7);
    for (int i = 0; i < n; i++) {
        snprintf(number, sizeof(number), "54%02d", i + 1);
        assert_string_equal(seen[i], number); /* ascending, once each */
    }
}

static void
test_status_filter_applies_to_search(void **state)
{
    (void)state;
    char path[64];
    struct http h;
    int64_t id =
        customer(&admin_c, "5501", "休止一郎", "キュウシ イチロウ", NULL, NULL);
    customer(&admin_c, "5502", "休止二郎", "キュウシ ジロウ", NULL, NULL);
    snprintf(path, sizeof(path), "/api/v1/customers/%lld/status",
             (long long)id);
    client_req(&srv, &admin_c, "POST", path, "{\"status\":\"suspended\"}", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    list(&admin_c, "status=suspended&q=%E3%82%AD%E3%83%A5%E3%82%A6%E3%82%B7",
         &h); /* キュウシ */
    json_t *rows = json_object_get(h.json, "customers");
    assert_int_equal(json_array_size(rows), 1);
    assert_string_equal(str(json_array_get(rows, 0), "number"), "5501");
    http_free(&h);
}

static void
test_another_tenant_finds_nothing(void **state)
{
    (void)state;
    customer(&other_c, "5601", "鷲尾別人", "ワシオ ベツジン", "097-700-0001",
             NULL);
    assert_string_equal(found_as(&other_c, "ﾜｼｵ", NULL), "5601");
    assert_string_equal(found_as(&other_c, "港町3-4-5", NULL), "");
    assert_string_equal(found_as(&other_c, "0312345678", NULL), "");
    finds("ワシオ", "5001", "kana"); /* tenant 0001 sees only its own */
    finds("0977000001", "", NULL);
}

static void
test_edit_is_searchable_at_once(void **state)
{
    (void)state;
    char path[64];
    struct http h;
    int64_t id = customer(&admin_c, "5701", "改名前子", "カイメイマエ コ",
                          "092-111-2222", NULL);
    finds("改名前子", "5701", "name");
    snprintf(path, sizeof(path), "/api/v1/customers/%lld", (long long)id);
    admin_c.extra_header = "If-Match: \"1\"";
    client_req(&srv, &admin_c, "PATCH", path,
               "{\"name\":\"改名後子\",\"kana\":\"かいめいあと こ\","
               "\"phone1\":\"092-333-4444\"}",
               &h);
    admin_c.extra_header = NULL;
    assert_int_equal(h.status, 200);
    http_free(&h);
    finds("改名後子", "5701", "name");
    finds("ｶｲﾒｲｱﾄ", "5701", "kana");
    finds("0923334444", "5701", "phone");
    finds("改名前子", "", NULL);
    finds("カイメイマエ", "", NULL);
    finds("0921112222", "", NULL);
}

/* True when h is a 422 naming field q. */
static bool
q_error(const struct http *h)
{
    size_t i;
    json_t *e;
    if (h->status != 422)
        return false;
    json_array_foreach(json_object_get(h->json, "errors"), i, e)
    {
        if (!strcmp(str(e, "field"), "q") && has_japanese(str(e, "message")))
            return true;
    }
    return false;
}

static void
test_q_over_100_characters_is_a_field_error(void **state)
{
    (void)state;
    char path[1400] = "/api/v1/customers?q=";
    size_t n = strlen(path);
    struct http h;
    for (int i = 0; i < 100; i++, n += 9) /* あ × 100 */
        memcpy(path + n, "%E3%81%82", 10);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200); /* 100 characters: fine */
    http_free(&h);
    memcpy(path + n, "%E3%81%82", 10); /* 101 */
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_problem(&h, 422, "invalid");
    assert_true(q_error(&h));
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/customers?q=%FF%FE", NULL, &h);
    assert_problem(&h, 422, "invalid");
    assert_true(q_error(&h));
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kana_in_any_width_or_script_finds_the_customer),
        cmocka_unit_test(test_business_found_by_its_name_after_the_legal_form),
        cmocka_unit_test(test_phone_found_with_or_without_hyphens),
        cmocka_unit_test(test_address_of_occupied_points_and_billing_address),
        cmocka_unit_test(test_meter_serial_of_an_installed_meter),
        cmocka_unit_test(test_paging_returns_every_match_exactly_once),
        cmocka_unit_test(test_status_filter_applies_to_search),
        cmocka_unit_test(test_another_tenant_finds_nothing),
        cmocka_unit_test(test_edit_is_searchable_at_once),
        cmocka_unit_test(test_q_over_100_characters_is_a_field_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
