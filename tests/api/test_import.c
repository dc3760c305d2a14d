/*
 * test_import.c — 顧客台帳の取込・出力 over HTTP and the CLI: a Shift_JIS
 * file with half-width kana imports (kana stored full width); a dry run
 * lists every error with its line and writes nothing; one bad row imports
 * nothing; duplicate numbers (in the file, in the ledger) are errors;
 * explicit mappings; refused files; exports as CSV with a BOM, Shift_JIS
 * and XLSX, filtered; permissions (a reader can do neither); the full
 * export with bank details needs step-up; everything is audited.
 */
#include "accounts.h"

#include <curl/curl.h>
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define IMPORT "/api/v1/imports/customers"
#define EXPORT "/api/v1/exports/customers"

static struct server srv;
static struct account admin, reader, admin2;
static struct client admin_c, reader_c;

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    account_make(&srv, "0001", "suzuki", "admin", &admin2);
    const char *extra[] = {"--login-rate", "100000", "--step-up", "3", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_enroll(&srv, &admin2);
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

/* UTF-8 text as CP932 bytes (malloc'd), through iconv(3). */
static char *
sjis(const char *utf8, size_t *n)
{
    iconv_t cd = iconv_open("CP932", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t in_left = strlen(utf8), out_left = in_left * 2 + 1;
    char *out = calloc(1, out_left), *o = out, *in = (char *)utf8;
    assert_true(iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1);
    iconv_close(cd);
    *n = (size_t)(o - out);
    return out;
}

/* CP932 bytes back to UTF-8 (malloc'd, NUL-terminated). */
static char *
from_sjis(const char *p, size_t n)
{
    iconv_t cd = iconv_open("UTF-8", "CP932");
    size_t out_left = n * 3 + 1;
    char *out = calloc(1, out_left), *o = out, *in = (char *)p;
    assert_true(iconv(cd, &in, &n, &o, &out_left) != (size_t)-1);
    iconv_close(cd);
    return out;
}

static void
post_file(struct client *c, const char *query, const char *body, size_t n,
          struct http *h)
{
    char path[2048];
    snprintf(path, sizeof(path), IMPORT "%s", query);
    client_req_body(&srv, c, "POST", path, "text/csv", body, n, h);
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long
num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The customer with this number, or NULL (new ref). */
static json_t *
find_customer(const char *number)
{
    struct http h;
    char path[128];
    size_t i;
    json_t *c, *found = NULL;
    snprintf(path, sizeof(path), "/api/v1/customers?q=%s&limit=100", number);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_array_foreach(json_object_get(h.json, "customers"), i, c)
    {
        if (!strcmp(str(c, "number"), number))
            found = json_incref(c);
    }
    http_free(&h);
    return found;
}

static bool
customer_exists(const char *number)
{
    json_t *c = find_customer(number);
    json_decref(c);
    return c != NULL;
}

/* The n-th entry of a problem's or summary's errors[]. */
static json_t *
err_at(const struct http *h, size_t n)
{
    json_t *e = json_array_get(json_object_get(h->json, "errors"), n);
    if (!e)
        fail_msg("no error #%zu in %s", n, h->body);
    return e;
}

static void
test_shift_jis_file_with_half_width_kana_imports(void **state)
{
    (void)state;
    struct http h;
    size_t n;
    char *body = sjis(
        "顧客番号,氏名,フリガナ,区分,電話番号,郵便番号,都道府県,住所,"
        "供給地点都道府県,供給地点市区町村,供給地点番地,供給区分,締め日\r\n"
        "S-5001,田中ガス店,ﾀﾅｶ ｶﾞｽﾃﾝ,法人,0977-21-0001,874-0001,大分県,"
        "別府市中央町1-1,大分県,別府市,中央町1-1,バルク,末\r\n"
        "S-5002,佐藤一郎,ｻﾄｳ ｲﾁﾛｳ,個人,0977-21-0002,874-0002,大分県,"
        "別府市中央町2-2,,,,,\r\n",
        &n);
    post_file(&admin_c, "", body, n, &h);
    free(body);
    if (h.status != 200)
        fail_msg("import: %ld %s", h.status, h.body);
    assert_string_equal(str(h.json, "charset"), "shift_jis");
    assert_int_equal(num(h.json, "imported"), 2);
    assert_int_equal(num(h.json, "supply_points"), 1);
    assert_false(json_is_true(json_object_get(h.json, "dry_run")));
    http_free(&h);
    json_t *c = find_customer("S-5001");
    assert_non_null(c);
    assert_string_equal(str(c, "kana"), "タナカ ガステン"); /* full width */
    assert_string_equal(str(c, "name"), "田中ガス店");
    assert_string_equal(str(c, "kind"), "business");
    json_decref(c);
}

static void
test_dry_run_lists_errors_with_lines_and_writes_nothing(void **state)
{
    (void)state;
    struct http h;
    const char *csv = "顧客番号,氏名,フリガナ,電話番号,備考\n"
                      "D-1,一,イチ,0977-00-0001,\"二行の\n備考\"\n" /* 2-3 */
                      "D-2,二,ニ,12345,\n"                          /* 4 */
                      "D-3,三,3,,\n"                                /* 5 */
                      "D-4,四,ヨン,,\n";                            /* 6 */
    post_file(&admin_c, "?dry_run=true", csv, strlen(csv), &h);
    if (h.status != 200)
        fail_msg("dry run: %ld %s", h.status, h.body);
    assert_true(json_is_true(json_object_get(h.json, "dry_run")));
    assert_int_equal(num(h.json, "rows"), 4);
    assert_int_equal(num(h.json, "valid"), 2);
    assert_int_equal(num(h.json, "error_count"), 2);
    json_t *e = err_at(&h, 0);
    assert_int_equal(num(e, "line"), 4);
    assert_string_equal(str(e, "field"), "phone1");
    assert_string_equal(str(e, "column"), "電話番号");
    assert_true(has_japanese(str(e, "message")));
    e = err_at(&h, 1);
    assert_int_equal(num(e, "line"), 5);
    assert_string_equal(str(e, "field"), "kana");
    http_free(&h);
    assert_false(customer_exists("D-1"));
    assert_false(customer_exists("D-4"));
}

static void
test_one_bad_row_imports_nothing(void **state)
{
    (void)state;
    struct http h, before, after;
    const char *csv = "顧客番号,氏名,フリガナ,郵便番号\n"
                      "B-1,一,イチ,874-0000\n"
                      "B-2,二,ニ,874-0000\n"
                      "B-3,三,サン,8740\n"
                      "B-4,四,ヨン,874-0000\n";
    client_req(&srv, &admin_c, "GET", "/api/v1/customers?limit=100", NULL,
               &before);
    post_file(&admin_c, "?dry_run=false", csv, strlen(csv), &h);
    assert_problem(&h, 422, "import.rows_invalid");
    json_t *e = err_at(&h, 0);
    assert_int_equal(num(e, "line"), 4);
    assert_string_equal(str(e, "field"), "postal_code");
    assert_string_equal(str(e, "column"), "郵便番号");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/customers?limit=100", NULL,
               &after);
    /* rows 1 and 2 came before the bad one: rolled back with it */
    assert_string_equal(before.body, after.body);
    http_free(&before);
    http_free(&after);
    assert_false(customer_exists("B-1"));
}

static void
test_duplicate_numbers_are_errors(void **state)
{
    (void)state;
    struct http h;
    const char *csv = "顧客番号,氏名,フリガナ\n"
                      "U-1,一,イチ\n"
                      "U-2,二,ニ\n"
                      "U-1,三,サン\n"     /* line 4: line 2's number */
                      "S-5002,四,ヨン\n"; /* line 5: in the ledger */
    post_file(&admin_c, "", csv, strlen(csv), &h);
    assert_problem(&h, 422, "import.rows_invalid");
    json_t *e = err_at(&h, 0);
    assert_int_equal(num(e, "line"), 4);
    assert_string_equal(str(e, "code"), "duplicate");
    assert_non_null(strstr(str(e, "message"), "2 行目"));
    e = err_at(&h, 1);
    assert_int_equal(num(e, "line"), 5);
    assert_string_equal(str(e, "code"), "taken");
    http_free(&h);
    assert_false(customer_exists("U-1"));
    assert_false(customer_exists("U-2"));
}

static void
test_explicit_mapping_by_heading_and_by_column(void **state)
{
    (void)state;
    struct http h;
    char q[1024];
    const char *csv = "CUST,NAME,YOMI,MEMO\nM-1,松本,まつもと,x\n";
    char *m = curl_easy_escape(
        NULL, "{\"CUST\":\"number\",\"NAME\":\"name\",\"YOMI\":\"kana\"}", 0);
    snprintf(q, sizeof(q), "?mapping=%s", m);
    curl_free(m);
    post_file(&admin_c, q, csv, strlen(csv), &h);
    if (h.status != 200)
        fail_msg("mapping: %ld %s", h.status, h.body);
    assert_int_equal(num(h.json, "imported"), 1);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(h.json, "ignored_columns"), 0)),
                        "MEMO");
    http_free(&h);
    json_t *c = find_customer("M-1");
    assert_non_null(c);
    assert_string_equal(str(c, "kana"), "マツモト");
    json_decref(c);
    /* no heading row: columns by number */
    const char *rows = "M-2,松田,マツダ\n";
    m = curl_easy_escape(NULL,
                         "{\"1\":\"number\",\"2\":\"name\",\"3\":\"kana\"}", 0);
    snprintf(q, sizeof(q), "?header=false&mapping=%s", m);
    curl_free(m);
    post_file(&admin_c, q, rows, strlen(rows), &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    assert_true(customer_exists("M-2"));
}

static void
test_unreadable_files_and_bad_options_are_refused(void **state)
{
    (void)state;
    struct http h;
    const char *ok = "顧客番号,氏名,フリガナ\nR-1,一,イチ\n";
    char q[256];
    char *m = curl_easy_escape(NULL, "{\"番号\":\"number\"}", 0);
    snprintf(q, sizeof(q), "?mapping=%s", m);
    curl_free(m);
    post_file(&admin_c, q, ok, strlen(ok), &h);
    assert_problem(&h, 422, "import.mapping");
    http_free(&h);
    post_file(&admin_c, "?charset=euc-jp", ok, strlen(ok), &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    post_file(&admin_c, "?dry_run=maybe", ok, strlen(ok), &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    client_req(&srv, &admin_c, "POST", IMPORT, "{\"rows\":[]}", &h);
    assert_problem(&h, 415, "http.unsupported_media_type");
    http_free(&h);
    const char *open_quote = "顧客番号,氏名,フリガナ\nR-2,\"一,イチ\n";
    post_file(&admin_c, "", open_quote, strlen(open_quote), &h);
    assert_problem(&h, 422, "import.format");
    assert_non_null(strstr(str(h.json, "detail"), "2 行目"));
    http_free(&h);
    const char *bad = "顧客番号,氏名,フリガナ\nR-3,\x93\x63,イチ\n";
    post_file(&admin_c, "?charset=utf-8", bad, strlen(bad), &h);
    assert_problem(&h, 422, "import.charset");
    assert_non_null(strstr(str(h.json, "detail"), "2 行目"));
    http_free(&h);
    const char *heading_only = "顧客番号,氏名,フリガナ\n";
    post_file(&admin_c, "", heading_only, strlen(heading_only), &h);
    assert_problem(&h, 422, "import.format");
    http_free(&h);
    assert_false(customer_exists("R-1"));
}

static void
test_content_type_charset_is_honoured(void **state)
{
    (void)state;
    struct http h;
    /* ア in UTF-8 (E3 82 A2) is also valid Shift_JIS: a kanji and ｢ */
    const char *csv = "number,name,kana\nCT-1,x,ア\n";
    client_req_body(&srv, &admin_c, "POST", IMPORT "?dry_run=true",
                    "text/csv; charset=\"Shift_JIS\"", csv, strlen(csv), &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "charset"), "shift_jis");
    assert_int_equal(num(h.json, "valid"), 0);
    assert_string_equal(str(err_at(&h, 0), "field"), "kana");
    http_free(&h);
    post_file(&admin_c, "?dry_run=true", csv, strlen(csv), &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "charset"), "utf-8");
    assert_int_equal(num(h.json, "valid"), 1);
    http_free(&h);
}

static void
test_export_csv_has_bom_rows_and_a_japanese_file_name(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &admin_c, "GET", EXPORT, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "Content-Type"),
                        "text/csv; charset=utf-8");
    assert_memory_equal(h.body, "\xEF\xBB\xBF顧客番号,氏名,フリガナ",
                        3 + strlen("顧客番号,氏名,フリガナ"));
    assert_non_null(strstr(h.body, "\r\nS-5001,田中ガス店,タナカ ガステン,法人,"
                                   "有効,0977-21-0001"));
    assert_non_null(strstr(h.body, ",大分県,別府市,中央町1-1,,,バルク,,,31,"));
    const char *cd = http_header(&h, "Content-Disposition");
    assert_non_null(cd);
    assert_non_null(strstr(cd, "attachment; filename=\"customers_"));
    /* 顧客台帳 percent-encoded */
    assert_non_null(strstr(cd, "filename*=UTF-8''%E9%A1%A7%E5%AE%A2%E5%8F%B0"
                               "%E5%B8%B3_"));
    assert_true(atoi(http_header(&h, "X-Export-Rows")) >= 4);
    http_free(&h);
}

static void
test_export_shift_jis_decodes(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &admin_c, "GET", EXPORT "?format=csv_sjis", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(http_header(&h, "Content-Type"),
                        "text/csv; charset=Shift_JIS");
    assert_string_equal(http_header(&h, "X-Export-Substituted"), "0");
    assert_true((unsigned char)h.body[0] != 0xEF); /* no BOM */
    char *text = from_sjis(h.body, h.len);
    assert_non_null(strstr(text, "顧客番号,氏名,フリガナ"));
    assert_non_null(strstr(text, "S-5001,田中ガス店,タナカ ガステン"));
    free(text);
    http_free(&h);
}

static void
test_export_xlsx_is_a_workbook(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &admin_c, "GET", EXPORT "?format=xlsx", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(
        http_header(&h, "Content-Type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_true(h.len > 1000);
    assert_memory_equal(h.body, "PK\x03\x04", 4);
    /* zip entries carry their names in clear */
    assert_non_null(memmem(h.body, h.len, "xl/worksheets/sheet1.xml",
                           strlen("xl/worksheets/sheet1.xml")));
    assert_non_null(strstr(http_header(&h, "Content-Disposition"), ".xlsx"));
    http_free(&h);
}

static void
test_export_filters_by_status_and_search(void **state)
{
    (void)state;
    struct http h;
    const char *csv = "顧客番号,氏名,フリガナ,状態\nF-1,解約済,カイヤク,解約\n";
    post_file(&admin_c, "", csv, strlen(csv), &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    client_req(&srv, &admin_c, "GET", EXPORT "?status=closed", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(h.body, "\r\nF-1,解約済,カイヤク,個人,解約,"));
    assert_null(strstr(h.body, "S-5001"));
    assert_string_equal(http_header(&h, "X-Export-Rows"), "1");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", EXPORT "?q=S-5002", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(h.body, "S-5002"));
    assert_null(strstr(h.body, "F-1"));
    http_free(&h);
    client_req(&srv, &admin_c, "GET", EXPORT "?format=pdf", NULL, &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
}

static void
test_reader_can_neither_import_nor_export(void **state)
{
    (void)state;
    struct http h;
    const char *csv = "顧客番号,氏名,フリガナ\nX-1,一,イチ\n";
    post_file(&reader_c, "", csv, strlen(csv), &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &reader_c, "GET", EXPORT, NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &reader_c, "GET", EXPORT "/full", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    assert_false(customer_exists("X-1"));
}

/* A debit contract with a bank account at S-5001's supply point (the
 * first point of the tenant: the first test's import made it). */
static void
make_contract(void)
{
    struct http h;
    char body[512];
    json_t *c = find_customer("S-5001");
    assert_non_null(c);
    client_req(&srv, &admin_c, "GET", "/api/v1/supply-points/1", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *occ = json_array_get(json_object_get(h.json, "occupants"), 0);
    assert_int_equal(num(occ, "customer_id"), num(c, "id"));
    http_free(&h);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"start_date\":\"2024-04-01\","
             "\"payment_method\":\"debit\",\"bank_code\":\"0177\","
             "\"branch_code\":\"123\",\"account_type\":\"1\","
             "\"account_number\":\"7654321\","
             "\"account_holder\":\"ﾀﾅｶｶﾞｽﾃﾝ\"}",
             num(c, "id"));
    client_req(&srv, &admin_c, "POST", "/api/v1/supply-points/1/contracts",
               body, &h);
    if (h.status != 201)
        fail_msg("contract: %ld %s", h.status, h.body);
    http_free(&h);
    json_decref(c);
}

static void
test_full_export_needs_step_up_and_has_full_numbers(void **state)
{
    (void)state;
    struct http h;
    struct client c;
    char code[8];
    make_contract();
    /* the ordinary export never has the bank columns */
    client_req(&srv, &admin_c, "GET", EXPORT, NULL, &h);
    assert_null(strstr(h.body, "7654321"));
    assert_null(strstr(h.body, "口座番号"));
    http_free(&h);
    account_sign_in(&srv, &c, &admin2);
    sleep(4); /* the server runs with --step-up 3 */
    client_req(&srv, &c, "GET", EXPORT "/full", NULL, &h);
    assert_problem(&h, 403, "auth.step_up_required");
    http_free(&h);
    account_code(&admin2, code);
    account_post_code(&srv, &c, "/api/v1/auth/step-up", code, &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
    client_req(&srv, &c, "GET", EXPORT "/full?q=S-5001", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(h.body, "口座番号,口座名義\r\n"));
    assert_non_null(strstr(h.body, ",口座振替,0177,123,普通,7654321,"
                                   "ﾀﾅｶｶﾞｽﾃﾝ\r\n"));
    assert_non_null(
        strstr(http_header(&h, "Content-Disposition"), "customers_bank_"));
    http_free(&h);
    client_free(&c);
}

static void
test_cli_import_prints_errors_by_line_and_imports(void **state)
{
    (void)state;
    char path[400], *out, *err;
    size_t n;
    snprintf(path, sizeof(path), "%s/cli.csv", srv.dir);
    char *bad = sjis("顧客番号,氏名,フリガナ,電話番号\r\n"
                     "C-1,一,ｲﾁ,0977-00-0001\r\n"
                     "C-2,二,ﾆ,03\r\n",
                     &n);
    FILE *f = fopen(path, "wb");
    fwrite(bad, 1, n, f);
    fclose(f);
    free(bad);
    const char *args[] = {"import", "customers", path,   "--data",
                          srv.data, "--tenant",  "0001", NULL};
    assert_int_equal(cli_run(args, &out, &err), 1);
    char want[512];
    snprintf(want, sizeof(want), "%s:3: column 電話番号: ", path);
    if (!strstr(err, want))
        fail_msg("stderr: %s", err);
    assert_non_null(strstr(out, "nothing imported"));
    free(out);
    free(err);
    assert_false(customer_exists("C-1"));
    char *good = sjis("顧客番号,氏名,フリガナ\r\nC-3,三,ｻﾝ\r\n", &n);
    f = fopen(path, "wb");
    fwrite(good, 1, n, f);
    fclose(f);
    free(good);
    const char *dry[] = {"import", "customers", path,
                         "--data", srv.data,    "--tenant",
                         "0001",   "--dry-run", NULL};
    assert_int_equal(cli_run(dry, &out, &err), 0);
    free(out);
    free(err);
    assert_false(customer_exists("C-3"));
    assert_int_equal(cli_run(args, &out, &err), 0);
    assert_non_null(strstr(out, "imported 1 customers"));
    free(out);
    free(err);
    json_t *c = find_customer("C-3");
    assert_non_null(c);
    assert_string_equal(str(c, "kana"), "サン");
    json_decref(c);
}

static void
test_cli_export_writes_xlsx(void **state)
{
    (void)state;
    char path[400], *out, *err;
    snprintf(path, sizeof(path), "%s/ledger.xlsx", srv.dir);
    const char *args[] = {"export",   "customers", "--data",   srv.data,
                          "--tenant", "0001",      "--format", "xlsx",
                          "--out",    path,        NULL};
    assert_int_equal(cli_run(args, &out, &err), 0);
    assert_non_null(strstr(err, "wrote"));
    free(out);
    free(err);
    char *x = slurp(path);
    assert_non_null(x);
    assert_memory_equal(x, "PK\x03\x04", 4);
    free(x);
}

static void
test_imports_and_exports_are_audited(void **state)
{
    (void)state;
    const char *list[] = {"audit", "list",   "--data",  srv.data, "--tenant",
                          "0001",  "--json", "--limit", "500",    NULL};
    char *out, *err;
    assert_int_equal(cli_run(list, &out, &err), 0);
    assert_non_null(strstr(out, "\"customer.import\""));
    assert_non_null(strstr(out, "\"customer.export\""));
    assert_non_null(strstr(out, "blake2b"));
    assert_non_null(strstr(out, "\"bank\": true"));  /* the full export */
    assert_non_null(strstr(out, "\"bank\": false")); /* and the others */
    /* counts and hashes only: no row of the files is in the log */
    assert_null(strstr(out, "田中ガス店"));
    free(out);
    free(err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shift_jis_file_with_half_width_kana_imports),
        cmocka_unit_test(
            test_dry_run_lists_errors_with_lines_and_writes_nothing),
        cmocka_unit_test(test_one_bad_row_imports_nothing),
        cmocka_unit_test(test_duplicate_numbers_are_errors),
        cmocka_unit_test(test_explicit_mapping_by_heading_and_by_column),
        cmocka_unit_test(test_unreadable_files_and_bad_options_are_refused),
        cmocka_unit_test(test_content_type_charset_is_honoured),
        cmocka_unit_test(test_export_csv_has_bom_rows_and_a_japanese_file_name),
        cmocka_unit_test(test_export_shift_jis_decodes),
        cmocka_unit_test(test_export_xlsx_is_a_workbook),
        cmocka_unit_test(test_export_filters_by_status_and_search),
        cmocka_unit_test(test_reader_can_neither_import_nor_export),
        cmocka_unit_test(test_full_export_needs_step_up_and_has_full_numbers),
        cmocka_unit_test(test_cli_import_prints_errors_by_line_and_imports),
        cmocka_unit_test(test_cli_export_writes_xlsx),
        cmocka_unit_test(test_imports_and_exports_are_audited), /* last */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
