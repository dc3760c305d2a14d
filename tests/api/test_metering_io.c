/*
 * test_metering_io.c — readings that arrive in bulk, over HTTP and the
 * CLI: the CSV import (POST /api/v1/imports/readings, `pilotlight import
 * readings`) and the remote readings of ingest (POST
 * /internal/v1/remote-readings).
 *
 * Data: `pilotlight seed` as of 2026-06-15 with one month of history, so
 * route R02 (read on the 18th) has an open June period nobody has read
 * yet. Import: a dry run lists every error with its line and writes
 * nothing; one bad row imports nothing (422 with the list); a Shift_JIS
 * file imports; a vendor's file finds points by meter serial and
 * timestamp; a reader may not import; the CLI prints errors by line.
 * Remote: without a token configured the endpoint does not exist (404);
 * a missing or wrong token is 401 internal.unauthorized; an unknown
 * device or tenant is an error for that reading only; an accepted reading
 * shows in the route sheet (source remote); the same reading again is a
 * duplicate, a higher index of the same day replaces it (a lower one is a
 * duplicate); everything is audited. test_remote_readings.c covers daily
 * readings and the reading day.
 */
#include "ingest_util.h"

#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define IMPORT "/api/v1/imports/readings"
#define REMOTE "/internal/v1/remote-readings"
#define SHEET  "/api/v1/reading-routes/R02/sheet?month=2026-06"
#define TOKEN  "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"

static struct server srv;
static struct account admin, reader;
static struct client admin_c, reader_c;

/* A point of R02: id, meter serial, device (smart meters), last index. */
struct pt {
    int64_t id, last;
    char serial[32], device[72];
};
static struct pt plain[6], smart[2];

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

/* The sheet of R02 for June 2026 (new ref). */
static json_t *
sheet(void)
{
    struct http h;
    client_req(&srv, &admin_c, "GET", SHEET, NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *s = json_incref(h.json);
    http_free(&h);
    return s;
}

/* The sheet's row for point id (borrowed from s). */
static json_t *
row_of(json_t *s, int64_t id)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(s, "points"), i, p)
    {
        if (num(p, "supply_point_id") == id)
            return p;
    }
    fail_msg("point %lld not on the sheet", (long long)id);
    return NULL;
}

/* Unread points of R02 with a previous reading on their meter (never
 * exchanged): six with a plain meter, two smart ones. */
static void
pick_points(void)
{
    json_t *s = sheet(), *p;
    size_t i, np = 0, ns = 0;
    assert_false(json_is_null(json_object_get(s, "period")));
    json_array_foreach(json_object_get(s, "points"), i, p)
    {
        const json_t *prev = json_object_get(p, "previous");
        if (np == 6 && ns == 2)
            break;
        if (!json_is_null(json_object_get(p, "reading")) ||
            json_is_null(prev) || tenths(str(prev, "index")) < 1000 ||
            tenths(str(prev, "index")) > 90000)
            continue;
        struct pt x = {.id = num(p, "supply_point_id"),
                       .last = tenths(str(prev, "index"))};
        snprintf(x.serial, sizeof(x.serial), "%s",
                 str(json_object_get(p, "meter"), "serial"));
        if (device_of(&srv, &admin_c, x.id, x.device, sizeof(x.device)) != 1)
            continue; /* an exchange: the previous index is the old meter's */
        if (x.device[0] && ns < 2)
            smart[ns++] = x;
        else if (!x.device[0] && np < 6)
            plain[np++] = x;
    }
    json_decref(s);
    assert_int_equal(np, 6);
    assert_int_equal(ns, 2);
}

static int
setup(void **state)
{
    char token[320];
    (void)state;
    server_prepare(&srv);
    const char *seed[] = {"seed",      "--data",     srv.data,
                          "--tenants", "1",          "--customers-per-tenant",
                          "400",       "--months",   "1",
                          "--as-of",   "2026-06-15", NULL};
    cli_ok(seed);
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    server_token_file(&srv, TOKEN, token, sizeof(token));
    const char *extra[] = {"--login-rate", "100000", "--internal-token-file",
                           token, NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    pick_points();
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

/* ---------------------------------------------------------------------- */
/* Import                                                                 */
/* ---------------------------------------------------------------------- */

static void
post_csv(struct client *c, const char *query, const char *body, size_t n,
         struct http *h)
{
    char path[256];
    snprintf(path, sizeof(path), IMPORT "%s", query);
    client_req_body(&srv, c, "POST", path, "text/csv", body, n, h);
}

static const json_t *
err_at(const struct http *h, size_t i)
{
    return json_array_get(json_object_get(h->json, "errors"), i);
}

/* Rows 2 and 3 good, row 4 a bad date, row 5 an unknown point. */
static void
mixed_file(char *out, size_t cap)
{
    snprintf(out, cap,
             "供給地点ID,検針日,指針\r\n"
             "%lld,2026-06-18,%lld.%lld\r\n"
             "%lld,2026-06-18,%lld.%lld\r\n"
             "%lld,2026-06-31,1.0\r\n"
             "999999,2026-06-18,1.0\r\n",
             (long long)plain[0].id, (long long)(plain[0].last + 120) / 10,
             (long long)(plain[0].last + 120) % 10, (long long)plain[1].id,
             (long long)(plain[1].last + 95) / 10,
             (long long)(plain[1].last + 95) % 10, (long long)plain[2].id);
}

static void
assert_unread(int64_t id)
{
    json_t *s = sheet();
    assert_true(json_is_null(json_object_get(row_of(s, id), "reading")));
    json_decref(s);
}

static void
test_dry_run_lists_errors_with_line_numbers(void **state)
{
    char csv[512];
    struct http h;
    (void)state;
    mixed_file(csv, sizeof(csv));
    post_csv(&admin_c, "?dry_run=true", csv, strlen(csv), &h);
    assert_int_equal(h.status, 200);
    assert_true(json_is_true(json_object_get(h.json, "dry_run")));
    assert_int_equal(num(h.json, "rows"), 4);
    assert_int_equal(num(h.json, "valid"), 2);
    assert_int_equal(num(h.json, "error_count"), 2);
    assert_int_equal(num(h.json, "accepted") + num(h.json, "flagged"), 2);
    assert_int_equal(num(err_at(&h, 0), "line"), 4);
    assert_string_equal(str(err_at(&h, 0), "field"), "read_on");
    assert_string_equal(str(err_at(&h, 0), "column"), "検針日");
    assert_true(has_japanese(str(err_at(&h, 0), "message")));
    assert_int_equal(num(err_at(&h, 1), "line"), 5);
    assert_string_equal(str(err_at(&h, 1), "code"),
                        "customers.supply_point_not_found");
    http_free(&h);
    assert_unread(plain[0].id);
}

static void
test_one_bad_row_imports_nothing(void **state)
{
    char csv[512];
    struct http h;
    (void)state;
    mixed_file(csv, sizeof(csv));
    post_csv(&admin_c, "", csv, strlen(csv), &h);
    assert_problem(&h, 422, "import.rows_invalid");
    assert_int_equal(json_array_size(json_object_get(h.json, "errors")), 2);
    assert_int_equal(num(err_at(&h, 0), "line"), 4);
    http_free(&h);
    assert_unread(plain[0].id);
    assert_unread(plain[1].id);
}

/* UTF-8 text as CP932 bytes (malloc'd). */
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

static void
test_shift_jis_file_imports(void **state)
{
    char csv[512];
    struct http h;
    size_t n;
    (void)state;
    snprintf(csv, sizeof(csv),
             "供給地点ID,検針年月日,今回指針,備考\r\n"
             "%lld,令和8年6月18日,%lld.%lld,ｶｷﾞは玄関横\r\n",
             (long long)plain[3].id, (long long)(plain[3].last + 110) / 10,
             (long long)(plain[3].last + 110) % 10);
    char *body = sjis(csv, &n);
    post_csv(&admin_c, "", body, n, &h);
    free(body);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "charset"), "shift_jis");
    assert_int_equal(num(h.json, "imported"), 1);
    http_free(&h);
    json_t *s = sheet();
    json_t *r = json_object_get(row_of(s, plain[3].id), "reading");
    assert_int_equal(tenths(str(r, "index")), plain[3].last + 110);
    assert_string_equal(str(r, "source"), "import");
    assert_string_equal(str(r, "usage_m3"), "11.0");
    json_decref(s);
}

static void
test_vendor_file_by_meter_serial_and_timestamp(void **state)
{
    char csv[512];
    struct http h;
    (void)state;
    /* a monitoring vendor's export: serial, timestamp, two decimals */
    snprintf(csv, sizeof(csv),
             "メーター製造番号,計測日時,指針値,電池\n"
             "%s,2026/06/18 06:00,%lld.%lld9,OK\n",
             plain[4].serial, (long long)(plain[4].last + 87) / 10,
             (long long)(plain[4].last + 87) % 10);
    post_csv(&admin_c, "", csv, strlen(csv), &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "imported"), 1);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(h.json, "ignored_columns"), 0)),
                        "電池");
    http_free(&h);
    json_t *s = sheet();
    json_t *r = json_object_get(row_of(s, plain[4].id), "reading");
    assert_int_equal(tenths(str(r, "index")), plain[4].last + 87);
    assert_string_equal(str(r, "read_on"), "2026-06-18");
    json_decref(s);
    /* the same file again: a duplicate, nothing changes */
    post_csv(&admin_c, "", csv, strlen(csv), &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "duplicates"), 1);
    assert_int_equal(num(h.json, "imported"), 0);
    http_free(&h);
}

static void
test_reader_may_not_import(void **state)
{
    struct http h;
    const char *csv = "供給地点ID,検針日,指針\n1,2026-06-18,1\n";
    (void)state;
    post_csv(&reader_c, "?dry_run=true", csv, strlen(csv), &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
}

static void
test_cli_import_prints_errors_by_line(void **state)
{
    char path[320], csv[256], *out, *err;
    (void)state;
    snprintf(path, sizeof(path), "%s/readings.csv", srv.dir);
    snprintf(csv, sizeof(csv), "供給地点ID,検針日,指針\n%lld,2026-06-18,abc\n",
             (long long)plain[5].id);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(csv, f);
    fclose(f);
    const char *args[] = {"import", "readings", path,   "--data",
                          srv.data, "--tenant", "0001", NULL};
    assert_int_equal(cli_run(args, &out, &err), 1);
    assert_non_null(strstr(err, "readings.csv:2: column 指針: "));
    assert_non_null(strstr(out, "nothing imported"));
    free(out);
    free(err);
    assert_unread(plain[5].id);
}

/* ---------------------------------------------------------------------- */
/* Remote readings                                                        */
/* ---------------------------------------------------------------------- */

/* POST body to the internal endpoint with the Authorization header auth
 * (NULL: none). */
static void
post_remote(const char *auth, const char *body, struct http *h)
{
    struct client c;
    client_init(&c);
    c.extra_header = auth;
    client_req(&srv, &c, "POST", REMOTE, body, h);
    client_free(&c);
}

static char *
one_reading(const char *tenant, const char *device, int64_t index)
{
    json_t *b = json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "readings", "tenant",
                          tenant, "device_id", device, "read_at",
                          "2026-06-18T06:00:00+09:00", "index", "0.0");
    char idx[24];
    snprintf(idx, sizeof(idx), "%lld.%lld", (long long)index / 10,
             (long long)index % 10);
    json_object_set_new(json_array_get(json_object_get(b, "readings"), 0),
                        "index", json_string(idx));
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return text;
}

static void
test_remote_wrong_token_is_401(void **state)
{
    struct http h;
    char *body = one_reading("0001", smart[0].device, smart[0].last + 100);
    (void)state;
    post_remote(NULL, body, &h);
    assert_problem(&h, 401, "internal.unauthorized");
    http_free(&h);
    post_remote("Authorization: Bearer not-the-token-but-long-enough-1234567",
                body, &h);
    assert_problem(&h, 401, "internal.unauthorized");
    http_free(&h);
    post_remote("Authorization: Basic " TOKEN, body, &h);
    assert_problem(&h, 401, "internal.unauthorized");
    http_free(&h);
    /* a user's session is no way in either */
    client_req(&srv, &admin_c, "POST", REMOTE, body, &h);
    assert_problem(&h, 401, "internal.unauthorized");
    http_free(&h);
    free(body);
    assert_unread(smart[0].id);
}

static void
test_remote_unknown_device_or_tenant_is_an_error_for_that_reading(void **state)
{
    struct http h;
    char body[1024];
    (void)state;
    snprintf(body, sizeof(body),
             "{\"readings\": ["
             "{\"tenant\": \"0001\", \"device_id\": \"NCU-00000000X\","
             " \"read_at\": \"2026-06-18T06:00:00+09:00\", \"index\": \"1.0\"},"
             "{\"tenant\": \"9999\", \"device_id\": \"%s\","
             " \"read_at\": \"2026-06-18T06:00:00+09:00\", \"index\": \"1.0\"},"
             "{\"tenant\": \"0001\", \"device_id\": \"%s\","
             " \"read_at\": \"2026-06-18\", \"index\": \"1.0.0\"},"
             "{\"tenant\": \"0001\", \"device_id\": \"%s\","
             " \"read_at\": \"2026-06-18T06:00:00+09:00\","
             " \"index\": \"%lld.%lld\"}]}",
             smart[1].device, smart[1].device, smart[1].device,
             (long long)(smart[1].last + 130) / 10,
             (long long)(smart[1].last + 130) % 10);
    post_remote("Authorization: Bearer " TOKEN, body, &h);
    assert_int_equal(h.status, 200);
    json_t *res = json_object_get(h.json, "results");
    assert_int_equal(json_array_size(res), 4);
    json_t *r = json_array_get(res, 0);
    assert_string_equal(str(r, "outcome"), "error");
    assert_string_equal(str(json_object_get(r, "error"), "code"),
                        "metering.no_meter");
    assert_true(has_japanese(str(json_object_get(r, "error"), "detail")));
    r = json_array_get(res, 1);
    assert_string_equal(str(json_object_get(r, "error"), "code"),
                        "tenant.not_found");
    r = json_array_get(res, 2);
    assert_string_equal(str(json_object_get(r, "error"), "code"), "invalid");
    r = json_array_get(res, 3);
    assert_true(!strcmp(str(r, "outcome"), "accepted") ||
                !strcmp(str(r, "outcome"), "flagged"));
    assert_string_equal(str(json_object_get(r, "reading"), "source"), "remote");
    assert_int_equal(num(json_object_get(h.json, "counts"), "error"), 3);
    http_free(&h);
}

static void
test_remote_reading_appears_in_sheet_and_resend_is_duplicate(void **state)
{
    struct http h;
    int64_t index = smart[0].last + 100;
    char *body = one_reading("0001", smart[0].device, index);
    (void)state;
    post_remote("Authorization: Bearer " TOKEN, body, &h);
    assert_int_equal(h.status, 200);
    json_t *r = json_array_get(json_object_get(h.json, "results"), 0);
    assert_true(!strcmp(str(r, "outcome"), "accepted") ||
                !strcmp(str(r, "outcome"), "flagged"));
    assert_true(json_is_array(json_object_get(r, "flags")));
    assert_true(json_is_null(json_object_get(r, "error")));
    int64_t id = num(json_object_get(r, "reading"), "id");
    http_free(&h);
    json_t *s = sheet();
    json_t *sr = json_object_get(row_of(s, smart[0].id), "reading");
    assert_int_equal(num(sr, "id"), id);
    assert_int_equal(tenths(str(sr, "index")), index);
    assert_string_equal(str(sr, "source"), "remote");
    assert_string_equal(str(sr, "usage_m3"), "10.0");
    json_decref(s);
    /* sent again (ingest retrying): a duplicate, nothing changes */
    post_remote("Authorization: Bearer " TOKEN, body, &h);
    assert_int_equal(h.status, 200);
    r = json_array_get(json_object_get(h.json, "results"), 0);
    assert_string_equal(str(r, "outcome"), "duplicate");
    assert_int_equal(num(json_object_get(r, "reading"), "id"), id);
    http_free(&h);
    free(body);
    /* a higher index of the same day (a later report) becomes the
     * reading, as a correction; a lower one changes nothing */
    body = one_reading("0001", smart[0].device, index + 7);
    post_remote("Authorization: Bearer " TOKEN, body, &h);
    r = json_array_get(json_object_get(h.json, "results"), 0);
    assert_true(!strcmp(str(r, "outcome"), "accepted") ||
                !strcmp(str(r, "outcome"), "flagged"));
    assert_int_equal(num(json_object_get(r, "reading"), "corrects_id"), id);
    id = num(json_object_get(r, "reading"), "id");
    http_free(&h);
    free(body);
    body = one_reading("0001", smart[0].device, index + 3);
    post_remote("Authorization: Bearer " TOKEN, body, &h);
    r = json_array_get(json_object_get(h.json, "results"), 0);
    assert_string_equal(str(r, "outcome"), "duplicate");
    assert_int_equal(num(json_object_get(r, "reading"), "id"), id);
    http_free(&h);
    free(body);
    s = sheet();
    sr = json_object_get(row_of(s, smart[0].id), "reading");
    assert_int_equal(num(sr, "id"), id);
    assert_int_equal(tenths(str(sr, "index")), index + 7);
    json_decref(s);
}

static void
test_remote_body_is_checked(void **state)
{
    struct http h;
    (void)state;
    post_remote("Authorization: Bearer " TOKEN, "{\"readings\": []}", &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    post_remote("Authorization: Bearer " TOKEN, "{\"readings\": [], \"x\": 1}",
                &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
}

static void
test_remote_endpoint_is_off_without_a_token(void **state)
{
    struct server bare;
    struct http h;
    (void)state;
    server_up(&bare);
    http_req(&bare, "POST", REMOTE, "application/json", "{\"readings\": []}",
             16, &h);
    assert_problem(&h, 404, "http.not_found");
    http_free(&h);
    server_down(&bare);
}

static void
test_serve_refuses_a_token_file_others_can_read(void **state)
{
    char path[320], *out, *err;
    (void)state;
    snprintf(path, sizeof(path), "%s/open-token", srv.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", TOKEN);
    fclose(f);
    chmod(path, 0644);
    const char *args[] = {"serve",  "--data", srv.data,
                          "--port", "0",      "--internal-token-file",
                          path,     NULL};
    assert_int_equal(cli_run(args, &out, &err), 2);
    assert_non_null(strstr(err, "others"));
    free(out);
    free(err);
}

static void
test_imports_and_remote_readings_are_audited(void **state)
{
    struct http h;
    (void)state;
    client_req(&srv, &admin_c, "GET", "/api/v1/audit?action=reading.import",
               NULL, &h);
    assert_int_equal(h.status, 200);
    assert_true(json_array_size(json_object_get(h.json, "entries")) >= 2);
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/audit?action=reading.remote",
               NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *e = json_array_get(json_object_get(h.json, "entries"), 0);
    assert_non_null(e);
    assert_string_equal(str(e, "actor"), "internal:ingest");
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dry_run_lists_errors_with_line_numbers),
        cmocka_unit_test(test_one_bad_row_imports_nothing),
        cmocka_unit_test(test_shift_jis_file_imports),
        cmocka_unit_test(test_vendor_file_by_meter_serial_and_timestamp),
        cmocka_unit_test(test_reader_may_not_import),
        cmocka_unit_test(test_cli_import_prints_errors_by_line),
        cmocka_unit_test(test_remote_wrong_token_is_401),
        cmocka_unit_test(
            test_remote_unknown_device_or_tenant_is_an_error_for_that_reading),
        cmocka_unit_test(
            test_remote_reading_appears_in_sheet_and_resend_is_duplicate),
        cmocka_unit_test(test_remote_body_is_checked),
        cmocka_unit_test(test_remote_endpoint_is_off_without_a_token),
        cmocka_unit_test(test_serve_refuses_a_token_file_others_can_read),
        cmocka_unit_test(test_imports_and_remote_readings_are_audited),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
