/*
 * test_metering.c — meter reading (検針) over HTTP: routes and periods,
 * the route sheet, readings sent by a meter reader's handheld, the review
 * list, estimates and the move-in/out reading.
 *
 * Covers: the route sheet's contents and order (検針順, previous reading,
 * last year's usage, 犬注意 notes) and the routes' progress; a resend
 * under the same idempotency key gets the same answer and changes
 * nothing; a different value for a read meter is a conflict held for the
 * office, never an overwrite; the same key with other content is refused;
 * a meter reader reaches only their own tenant's supply points; a closed
 * period refuses readings with a clear error, and closing waits for the
 * review list; impossible values are refused (with the misplaced-decimal
 * hint) without blocking the rest of the batch; confirm and correct are
 * audited; an estimate is settled by the next real reading, or replaced by
 * a late real one in its own period; a move with a reading splits the
 * period between the leaving and the arriving contract; who may do what.
 *
 * Today is whatever the clock says: every date used is in 2025–2026 and
 * not after 2026-11-10, so the handheld's "no future dates" rule holds.
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
static struct account admin, office, reader, other_admin;
static struct client admin_c, office_c, reader_c, other_c;
static int customer_seq = 7000;

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    tenant_make(&srv, "0002", "別府プロパン有限会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "suzuki", "office", &office);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    account_make(&srv, "0002", "admin", "admin", &other_admin);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &office);
    account_enroll(&srv, &reader);
    account_enroll(&srv, &other_admin);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &office_c, &office);
    account_sign_in(&srv, &reader_c, &reader);
    account_sign_in(&srv, &other_c, &other_admin);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&office_c);
    client_free(&reader_c);
    client_free(&other_c);
    server_down(&srv);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

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

/* POST json to path as c; fails the test unless status. */
static void
post_ok(struct client *c, const char *path, const char *json, long status,
        struct http *h)
{
    client_req(&srv, c, "POST", path, json, h);
    if (h->status != status)
        fail_msg("POST %s: %ld %s", path, h->status, h->body);
}

static int64_t
make(struct client *c, const char *path, const char *json)
{
    struct http h;
    post_ok(c, path, json, 201, &h);
    int64_t id = num(h.json, "id");
    http_free(&h);
    return id;
}

/* A supply point on route at order with an occupant (customer with a
 * contract since 2025-01-01) unless vacant, and a 4-digit 2.5 m³/h meter
 * installed at 0.0 in 2020. *customer gets the occupant (0 when vacant). */
static int64_t
point_on(const char *route, int order, const char *notes, bool vacant,
         int64_t *customer)
{
    char body[512], path[96];
    struct http h;
    snprintf(body, sizeof(body),
             "{\"prefecture\":\"大分県\",\"city\":\"別府市\","
             "\"street\":\"鉄輪%d-1\",\"supply_kind\":\"individual\","
             "\"route\":\"%s\",\"route_order\":%d%s%s%s}",
             order, route, order, notes ? ",\"notes\":\"" : "",
             notes ? notes : "", notes ? "\"" : "");
    int64_t point = make(&admin_c, "/api/v1/supply-points", body);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/meters",
             (long long)point);
    snprintf(body, sizeof(body),
             "{\"serial\":\"M-%lld\",\"kind\":\"E\",\"capacity\":\"2.5\","
             "\"digits\":4,\"install_date\":\"2020-06-01\","
             "\"initial_index\":\"0.0\"}",
             (long long)point);
    make(&admin_c, path, body);
    *customer = 0;
    if (vacant)
        return point;
    snprintf(
        body, sizeof(body),
        "{\"number\":\"%d\",\"name\":\"別府太郎%d\",\"kana\":\"ベップタロウ\","
        "\"kind\":\"household\"}",
        customer_seq, customer_seq);
    customer_seq++;
    *customer = make(&admin_c, "/api/v1/customers", body);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/move",
             (long long)point);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"date\":\"2025-01-01\",\"contract\":"
             "{\"payment_method\":\"collection\"}}",
             (long long)*customer);
    post_ok(&admin_c, path, body, 200, &h);
    http_free(&h);
    return point;
}

/* Open route's period for month "YYYY-MM" over the whole month. */
static int64_t
open_period(const char *route, const char *month)
{
    char body[256];
    static const char *const last[] = {"31", "28", "31", "30", "31", "30",
                                       "31", "31", "30", "31", "30", "31"};
    int m = atoi(month + 5);
    snprintf(body, sizeof(body),
             "{\"route\":\"%s\",\"month\":\"%s\",\"starts_on\":\"%s-01\","
             "\"ends_on\":\"%s-%s\"}",
             route, month, month, month, last[m - 1]);
    return make(&office_c, "/api/v1/reading-periods", body);
}

/* Send one reading as c under key; h holds the answer; returns the
 * result object (borrowed from h). */
static json_t *
send_one(struct client *c, const char *key, int64_t point, const char *date,
         const char *index, struct http *h)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"items\":[{\"key\":\"%s\",\"supply_point_id\":%lld,"
             "\"read_on\":\"%s\",\"index\":\"%s\",\"note\":null}]}",
             key, (long long)point, date, index);
    post_ok(c, "/api/v1/readings", body, 200, h);
    json_t *results = json_object_get(h->json, "results");
    assert_int_equal(json_array_size(results), 1);
    return json_array_get(results, 0);
}

/* Send one reading that must be taken in with outcome; returns its id. */
static int64_t
read_ok(const char *key, int64_t point, const char *date, const char *index,
        const char *outcome)
{
    struct http h;
    json_t *res = send_one(&reader_c, key, point, date, index, &h);
    if (strcmp(str(res, "outcome"), outcome))
        fail_msg("%s: %s", key, h.body);
    int64_t id = num(json_object_get(res, "reading"), "id");
    http_free(&h);
    return id;
}

/* The error code of the only result in h. */
static const char *
result_code(const struct http *h)
{
    json_t *res = json_array_get(json_object_get(h->json, "results"), 0);
    assert_string_equal(str(res, "outcome"), "error");
    assert_true(json_is_null(json_object_get(res, "reading")));
    json_t *e = json_object_get(res, "error");
    assert_true(has_japanese(str(e, "title")));
    return str(e, "code");
}

/* The point's readings (newest first) into h; returns the array. */
static json_t *
point_readings(struct client *c, int64_t point, struct http *h)
{
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/readings",
             (long long)point);
    client_req(&srv, c, "GET", path, NULL, h);
    assert_int_equal(h->status, 200);
    return json_object_get(h->json, "readings");
}

static size_t
reading_count(int64_t point)
{
    struct http h;
    size_t n = json_array_size(point_readings(&office_c, point, &h));
    http_free(&h);
    return n;
}

/* The newest audit entry with action and target, or fail. */
static json_t *
audit_entry(const char *action, const char *target, struct http *h)
{
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/audit?action=%s&target=%s", action,
             target);
    client_req(&srv, &admin_c, "GET", path, NULL, h);
    assert_int_equal(h->status, 200);
    json_t *e = json_array_get(json_object_get(h->json, "entries"), 0);
    if (!e)
        fail_msg("no audit entry %s %s", action, target);
    return e;
}

static void
reading_target(char *out, size_t n, int64_t id)
{
    snprintf(out, n, "reading:%lld", (long long)id);
}

/* ---------------------------------------------------------------------- */
/* The route sheet                                                        */
/* ---------------------------------------------------------------------- */

static void
test_route_sheet_in_route_order(void **state)
{
    (void)state;
    struct http h;
    int64_t c1, c2, c3, c4;
    int64_t third = point_on("R01", 30, "犬注意", false, &c3);
    int64_t first = point_on("R01", 10, "鍵は郵便受け", false, &c1);
    int64_t second = point_on("R01", 20, NULL, false, &c2);
    point_on("R01X", 10, NULL, false, &c4); /* another route */
    /* last November for the second point: 20.0 m³ */
    open_period("R01", "2025-10");
    open_period("R01", "2025-11");
    read_ok("sheet-ly-1", second, "2025-10-10", "500.0", "accepted");
    read_ok("sheet-ly-2", second, "2025-11-10", "520.0", "accepted");
    open_period("R01", "2026-10");
    int64_t period = open_period("R01", "2026-11");
    read_ok("sheet-0001", first, "2026-10-10", "1000.0", "accepted");
    read_ok("sheet-0002", first, "2026-11-10", "1030.0", "accepted");

    client_req(&srv, &reader_c, "GET",
               "/api/v1/reading-routes/R01/sheet?month=2026-11", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "route"), "R01");
    json_t *p = json_object_get(h.json, "period");
    assert_int_equal(num(p, "id"), period);
    assert_string_equal(str(p, "status"), "open");
    json_t *points = json_object_get(h.json, "points");
    assert_int_equal(json_array_size(points), 3);
    json_t *a = json_array_get(points, 0), *b = json_array_get(points, 1),
           *c = json_array_get(points, 2);
    assert_int_equal(num(a, "supply_point_id"), first); /* 検針順 */
    assert_int_equal(num(b, "supply_point_id"), second);
    assert_int_equal(num(c, "supply_point_id"), third);
    assert_int_equal(num(a, "route_order"), 10);
    assert_non_null(strstr(str(a, "address"), "別府市鉄輪10-1"));
    assert_string_equal(str(a, "notes"), "鍵は郵便受け");
    assert_string_equal(str(c, "notes"), "犬注意");
    json_t *cust = json_object_get(a, "customer");
    assert_int_equal(num(cust, "id"), c1);
    assert_non_null(strstr(str(cust, "name"), "別府太郎"));
    assert_string_equal(str(cust, "kana"), "ベップタロウ");
    char serial[32];
    snprintf(serial, sizeof(serial), "M-%lld", (long long)first);
    assert_string_equal(str(json_object_get(a, "meter"), "serial"), serial);
    assert_int_equal(num(json_object_get(a, "meter"), "digits"), 4);
    /* the period's reading and the one it was worked from */
    json_t *prev = json_object_get(a, "previous");
    assert_string_equal(str(prev, "index"), "1000.0");
    assert_string_equal(str(prev, "read_on"), "2026-10-10");
    json_t *rd = json_object_get(a, "reading");
    assert_string_equal(str(rd, "index"), "1030.0");
    assert_string_equal(str(rd, "usage_m3"), "30.0");
    assert_string_equal(str(rd, "status"), "accepted");
    assert_string_equal(str(rd, "source"), "field");
    assert_int_equal(json_array_size(json_object_get(rd, "flags")), 0);
    assert_true(json_is_null(json_object_get(a, "last_year_usage_m3")));
    /* unread: the latest reading is the previous one; last year's usage */
    assert_true(json_is_null(json_object_get(b, "reading")));
    assert_string_equal(str(json_object_get(b, "previous"), "index"), "520.0");
    assert_string_equal(str(b, "last_year_usage_m3"), "20.0");
    assert_true(json_is_null(json_object_get(c, "previous")));
    http_free(&h);

    /* progress per route */
    client_req(&srv, &reader_c, "GET", "/api/v1/reading-routes?month=2026-11",
               NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *routes = json_object_get(h.json, "routes"), *r01 = NULL, *x;
    size_t i;
    json_array_foreach(routes, i, x)
    {
        if (!strcmp(str(x, "route"), "R01"))
            r01 = x;
    }
    assert_non_null(r01);
    assert_int_equal(num(r01, "points"), 3);
    assert_int_equal(num(r01, "read"), 1);
    assert_int_equal(num(r01, "remaining"), 2);
    assert_int_equal(num(r01, "flagged"), 0);
    assert_int_equal(num(json_object_get(r01, "period"), "id"), period);
    http_free(&h);
    /* a month nobody opened */
    client_req(&srv, &reader_c, "GET",
               "/api/v1/reading-routes/R01/sheet?month=2024-01", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_true(json_is_null(json_object_get(h.json, "period")));
    assert_int_equal(json_array_size(json_object_get(h.json, "points")), 3);
    http_free(&h);
    client_req(&srv, &reader_c, "GET",
               "/api/v1/reading-routes/R01/sheet?month=2026-13", NULL, &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
}

/* ---------------------------------------------------------------------- */
/* Resends and conflicts                                                  */
/* ---------------------------------------------------------------------- */

static void
test_resend_is_idempotent(void **state)
{
    (void)state;
    struct http h1, h2, h3;
    int64_t cust;
    int64_t point = point_on("R03", 10, NULL, false, &cust);
    open_period("R03", "2026-11");
    json_t *a = send_one(&reader_c, "resend-key-01", point, "2026-11-10",
                         "1000.0", &h1);
    assert_string_equal(str(a, "outcome"), "accepted");
    assert_string_equal(str(a, "key"), "resend-key-01");
    /* the handheld never heard back and sends again */
    json_t *b = send_one(&reader_c, "resend-key-01", point, "2026-11-10",
                         "1000.0", &h2);
    assert_true(json_equal(a, b));
    assert_int_equal(reading_count(point), 1);
    /* the same value under another key: a duplicate, nothing new */
    json_t *c = send_one(&reader_c, "resend-key-02", point, "2026-11-10",
                         "1000.0", &h3);
    assert_string_equal(str(c, "outcome"), "duplicate");
    assert_int_equal(num(json_object_get(c, "reading"), "id"),
                     num(json_object_get(a, "reading"), "id"));
    assert_int_equal(reading_count(point), 1);
    http_free(&h1);
    http_free(&h2);
    http_free(&h3);
    /* the same key with other content is refused */
    send_one(&reader_c, "resend-key-01", point, "2026-11-10", "1001.0", &h1);
    assert_string_equal(result_code(&h1), "metering.idempotency_mismatch");
    http_free(&h1);
    assert_int_equal(reading_count(point), 1);
}

static void
test_conflicting_resend_is_held_for_the_office(void **state)
{
    (void)state;
    struct http h;
    char target[48];
    int64_t cust;
    int64_t point = point_on("R04", 10, NULL, false, &cust);
    open_period("R04", "2026-11");
    int64_t first =
        read_ok("conflict-0001", point, "2026-11-10", "1000.0", "accepted");
    json_t *res =
        send_one(&reader_c, "conflict-0002", point, "2026-11-10", "1005.0", &h);
    assert_string_equal(str(res, "outcome"), "conflict");
    assert_string_equal(str(json_object_get(res, "error"), "code"),
                        "metering.reading_conflict");
    /* the stored reading is unchanged */
    assert_string_equal(str(json_object_get(res, "reading"), "index"),
                        "1000.0");
    http_free(&h);
    assert_int_equal(reading_count(point), 1);

    /* on the review list, with the value already there */
    client_req(&srv, &office_c, "GET", "/api/v1/readings/review", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *list = json_object_get(h.json, "conflicts"), *x, *mine = NULL;
    size_t i;
    json_array_foreach(list, i, x)
    {
        if (num(x, "reading_id") == first)
            mine = x;
    }
    assert_non_null(mine);
    assert_string_equal(str(mine, "index"), "1005.0");
    assert_string_equal(str(json_object_get(mine, "reading"), "index"),
                        "1000.0");
    assert_int_equal(num(json_object_get(mine, "supply_point"), "id"), point);
    int64_t conflict = num(mine, "id");
    http_free(&h);

    /* the reader cannot decide; the office accepts the second value */
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/reading-conflicts/%lld/resolve",
             (long long)conflict);
    client_req(&srv, &reader_c, "POST", path, "{\"accept\":true}", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    post_ok(&office_c, path, "{\"accept\":true}", 200, &h);
    json_t *rd = json_object_get(h.json, "reading");
    assert_string_equal(str(h.json, "status"), "accepted");
    assert_string_equal(str(rd, "index"), "1005.0");
    assert_int_equal(num(rd, "corrects_id"), first);
    http_free(&h);
    snprintf(target, sizeof(target), "reading_conflict:%lld",
             (long long)conflict);
    audit_entry("reading_conflict.resolve", target, &h);
    http_free(&h);
    /* decided once */
    client_req(&srv, &office_c, "POST", path, "{\"accept\":false}", &h);
    assert_problem(&h, 404, "metering.conflict_not_found");
    http_free(&h);
    assert_int_equal(reading_count(point), 1);
}

/* ---------------------------------------------------------------------- */
/* Tenants, periods, impossible values                                    */
/* ---------------------------------------------------------------------- */

static void
test_reader_reaches_only_their_tenants_points(void **state)
{
    (void)state;
    struct http h;
    int64_t last = 0;
    /* the other tenant's ids run past ours */
    for (int i = 0; i < 60; i++)
        last = make(&other_c, "/api/v1/supply-points",
                    "{\"prefecture\":\"大分県\",\"city\":\"別府市\","
                    "\"street\":\"北浜1-1\",\"supply_kind\":\"individual\","
                    "\"route\":\"B01\",\"route_order\":1}");
    send_one(&reader_c, "tenant-0001", last, "2026-11-10", "1000.0", &h);
    assert_string_equal(result_code(&h), "customers.supply_point_not_found");
    http_free(&h);
    json_t *list = point_readings(&other_c, last, &h);
    assert_int_equal(json_array_size(list), 0);
    http_free(&h);
    /* nor their routes */
    client_req(&srv, &reader_c, "GET",
               "/api/v1/reading-routes/B01/sheet?month=2026-11", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(json_array_size(json_object_get(h.json, "points")), 0);
    http_free(&h);
}

static void
test_closed_period_refuses_readings(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    int64_t cust;
    int64_t point = point_on("R05", 10, NULL, false, &cust);
    int64_t period = open_period("R05", "2026-10");
    read_ok("closed-0001", point, "2026-10-10", "1000.0", "accepted");
    snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/close",
             (long long)period);
    client_req(&srv, &reader_c, "POST", path, NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    post_ok(&office_c, path, NULL, 200, &h);
    assert_string_equal(str(h.json, "status"), "closed");
    assert_int_equal(num(h.json, "read"), 1);
    http_free(&h);
    /* a late reading for the billed month */
    send_one(&reader_c, "closed-0002", point, "2026-10-20", "1003.0", &h);
    assert_string_equal(result_code(&h), "metering.period_closed");
    json_t *e = json_object_get(
        json_array_get(json_object_get(h.json, "results"), 0), "error");
    assert_true(has_japanese(str(e, "detail")));
    http_free(&h);
    assert_int_equal(reading_count(point), 1);
    client_req(&srv, &office_c, "POST", path, NULL, &h);
    assert_problem(&h, 409, "metering.period_closed");
    http_free(&h);
    /* no period at all */
    send_one(&reader_c, "closed-0003", point, "2026-09-10", "990.0", &h);
    assert_string_equal(result_code(&h), "metering.period_not_found");
    http_free(&h);
}

static void
test_impossible_values_do_not_block_the_batch(void **state)
{
    (void)state;
    struct http h;
    char body[1024];
    int64_t c1, c2;
    int64_t p1 = point_on("R06", 10, NULL, false, &c1);
    int64_t p2 = point_on("R06", 20, NULL, false, &c2);
    open_period("R06", "2026-10");
    open_period("R06", "2026-11");
    read_ok("batch-0001", p2, "2026-10-10", "1000.0", "accepted");
    snprintf(body, sizeof(body),
             "{\"items\":["
             "{\"key\":\"batch-0002\",\"supply_point_id\":%lld,"
             "\"read_on\":\"2026-11-10\",\"index\":\"500.0\"},"
             "{\"key\":\"bad key!\",\"supply_point_id\":%lld,"
             "\"read_on\":\"2026-11-10\",\"index\":\"1.0\"},"
             "{\"key\":\"batch-0003\",\"supply_point_id\":%lld,"
             "\"read_on\":\"2026-11-10\",\"index\":\"990.0\"},"
             "{\"key\":\"batch-0004\",\"supply_point_id\":%lld,"
             "\"read_on\":\"2026-11-10\",\"index\":\"10300.0\"}]}",
             (long long)p1, (long long)p1, (long long)p2, (long long)p2);
    post_ok(&reader_c, "/api/v1/readings", body, 200, &h);
    json_t *r = json_object_get(h.json, "results");
    assert_int_equal(json_array_size(r), 4);
    assert_string_equal(str(json_array_get(r, 0), "outcome"), "accepted");
    json_t *bad = json_array_get(r, 1);
    assert_string_equal(str(bad, "outcome"), "error");
    assert_string_equal(str(json_object_get(bad, "error"), "code"), "invalid");
    /* backwards without a meter exchange */
    json_t *back = json_object_get(json_array_get(r, 2), "error");
    assert_string_equal(str(back, "code"), "metering.reading_impossible");
    assert_true(has_japanese(str(back, "detail")));
    /* 1030.0 typed as 10300.0: beyond the meter, and said so */
    json_t *dec = json_object_get(json_array_get(r, 3), "error");
    assert_string_equal(str(dec, "code"), "metering.reading_impossible");
    assert_non_null(strstr(str(dec, "detail"), "小数点"));
    http_free(&h);
    assert_int_equal(reading_count(p1), 1);
    assert_int_equal(reading_count(p2), 1);
    /* the batch's own shape */
    client_req(&srv, &reader_c, "POST", "/api/v1/readings", "{\"items\":[]}",
               &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
}

/* ---------------------------------------------------------------------- */
/* Review                                                                 */
/* ---------------------------------------------------------------------- */

static void
test_close_waits_for_the_review_and_confirm_is_audited(void **state)
{
    (void)state;
    struct http h;
    char path[96], target[48];
    int64_t cust;
    int64_t point = point_on("R07", 10, NULL, false, &cust);
    open_period("R07", "2026-10");
    int64_t period = open_period("R07", "2026-11");
    read_ok("review-0001", point, "2026-10-10", "1000.0", "accepted");
    /* nothing used in a month on an active contract: 要確認 */
    json_t *res =
        send_one(&reader_c, "review-0002", point, "2026-11-10", "1000.0", &h);
    assert_string_equal(str(res, "outcome"), "flagged");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(res, "flags"), 0)),
        "zero");
    int64_t id = num(json_object_get(res, "reading"), "id");
    http_free(&h);

    snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/close",
             (long long)period);
    client_req(&srv, &office_c, "POST", path, NULL, &h);
    assert_problem(&h, 409, "conflict");
    assert_true(has_japanese(str(h.json, "detail")));
    http_free(&h);

    client_req(&srv, &office_c, "GET", "/api/v1/readings/review", NULL, &h);
    json_t *x, *mine = NULL;
    size_t i;
    json_array_foreach(json_object_get(h.json, "readings"), i, x)
    {
        if (num(x, "id") == id)
            mine = x;
    }
    assert_non_null(mine);
    assert_string_equal(str(json_object_get(mine, "previous"), "index"),
                        "1000.0");
    assert_int_equal(num(json_object_get(mine, "customer"), "id"), cust);
    http_free(&h);

    snprintf(path, sizeof(path), "/api/v1/readings/%lld/confirm",
             (long long)id);
    client_req(&srv, &reader_c, "POST", path, NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    post_ok(&office_c, path, NULL, 200, &h);
    assert_string_equal(str(h.json, "status"), "confirmed");
    http_free(&h);
    reading_target(target, sizeof(target), id);
    json_t *e = audit_entry("reading.confirm", target, &h);
    assert_non_null(strstr(str(e, "actor"), "user:"));
    http_free(&h);
    client_req(&srv, &office_c, "POST", path, NULL, &h);
    assert_problem(&h, 409, "conflict"); /* not flagged any more */
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/close",
             (long long)period);
    post_ok(&office_c, path, NULL, 200, &h);
    http_free(&h);
}

static void
test_correct_makes_a_new_row_and_is_audited(void **state)
{
    (void)state;
    struct http h;
    char path[96], target[48];
    int64_t cust;
    int64_t point = point_on("R08", 10, NULL, false, &cust);
    open_period("R08", "2026-09");
    open_period("R08", "2026-10");
    open_period("R08", "2026-11");
    read_ok("correct-0001", point, "2026-09-10", "1000.0", "accepted");
    read_ok("correct-0002", point, "2026-10-10", "1030.0", "accepted");
    /* 100 m³ after 30: more than twice the usual */
    json_t *res =
        send_one(&reader_c, "correct-0003", point, "2026-11-10", "1130.0", &h);
    assert_string_equal(str(res, "outcome"), "flagged");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(res, "flags"), 0)),
        "high");
    int64_t id = num(json_object_get(res, "reading"), "id");
    http_free(&h);

    snprintf(path, sizeof(path), "/api/v1/readings/%lld/correct",
             (long long)id);
    client_req(&srv, &reader_c, "POST", path, "{\"index\":\"1060.0\"}", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &office_c, "POST", path, "{\"index\":\"10.60.0\"}", &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    post_ok(&office_c, path,
            "{\"index\":\"1060.0\",\"note\":\"検針員に確認: 1060.0\"}", 200,
            &h);
    int64_t fixed = num(h.json, "id");
    assert_int_equal(num(h.json, "corrects_id"), id);
    assert_string_equal(str(h.json, "index"), "1060.0");
    assert_string_equal(str(h.json, "usage_m3"), "30.0");
    assert_string_equal(str(h.json, "status"), "accepted");
    assert_string_equal(str(h.json, "read_on"), "2026-11-10");
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/readings/%lld", (long long)id);
    client_req(&srv, &reader_c, "GET", path, NULL, &h);
    assert_string_equal(str(h.json, "status"), "corrected");
    http_free(&h);
    reading_target(target, sizeof(target), id);
    json_t *e = audit_entry("reading.correct", target, &h);
    json_t *d = json_object_get(e, "detail");
    assert_string_equal(str(json_object_get(d, "before"), "index"), "1130.0");
    assert_string_equal(str(json_object_get(d, "after"), "index"), "1060.0");
    assert_int_equal(num(d, "new_id"), fixed);
    http_free(&h);
    /* a corrected row is not corrected twice */
    snprintf(path, sizeof(path), "/api/v1/readings/%lld/correct",
             (long long)id);
    client_req(&srv, &office_c, "POST", path, "{\"index\":\"1061.0\"}", &h);
    assert_problem(&h, 409, "conflict");
    http_free(&h);
    /* the chart sees the live rows only */
    json_t *list = point_readings(&reader_c, point, &h);
    assert_int_equal(json_array_size(list), 3);
    assert_int_equal(num(json_array_get(list, 0), "id"), fixed);
    http_free(&h);
}

/* ---------------------------------------------------------------------- */
/* Estimates, moves                                                       */
/* ---------------------------------------------------------------------- */

static void
test_estimate_then_real_reading_settles(void **state)
{
    (void)state;
    struct http h;
    char path[96], body[128];
    int64_t c1, c2, c3;
    int64_t point = point_on("R09", 10, NULL, false, &c1);
    int64_t late = point_on("R09", 20, NULL, false, &c2);
    int64_t fresh = point_on("R09", 30, NULL, false, &c3);
    open_period("R09", "2026-08");
    open_period("R09", "2026-09");
    read_ok("estimate-0001", point, "2026-08-10", "1000.0", "accepted");
    read_ok("estimate-0002", point, "2026-09-10", "1030.0", "accepted");
    read_ok("estimate-0003", late, "2026-08-10", "2000.0", "accepted");
    read_ok("estimate-0004", late, "2026-09-10", "2030.0", "accepted");
    int64_t october = open_period("R09", "2026-10");
    snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/estimate",
             (long long)october);
    client_req(&srv, &reader_c, "POST", path, "{}", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    post_ok(&office_c, path, "{}", 200, &h);
    json_t *est = json_object_get(h.json, "estimated");
    assert_int_equal(json_array_size(est), 2);
    json_t *e = json_array_get(est, 0);
    /* 30 m³ over the 31 days around August (100%), 51 days to 10-31 in
     * October (120%): 30 × 51/31 × 1.2 = 59.2 m³ */
    assert_int_equal(num(e, "supply_point_id"), point);
    assert_string_equal(str(e, "source"), "estimated");
    assert_string_equal(str(e, "read_on"), "2026-10-31");
    assert_string_equal(str(e, "usage_m3"), "59.2");
    assert_string_equal(str(e, "index"), "1089.2");
    json_t *skipped = json_array_get(json_object_get(h.json, "skipped"), 0);
    assert_int_equal(num(skipped, "supply_point_id"), fresh);
    assert_string_equal(str(skipped, "reason"), "no_history");
    http_free(&h);
    /* the run is audited */
    char target[48];
    snprintf(target, sizeof(target), "reading_period:%lld", (long long)october);
    audit_entry("reading.estimate", target, &h);
    http_free(&h);

    /* the late point is read after all, within October: it replaces the
     * estimate */
    int64_t real =
        read_ok("estimate-0005", late, "2026-10-30", "2070.0", "accepted");
    json_t *list = point_readings(&reader_c, late, &h);
    assert_int_equal(json_array_size(list), 3); /* the estimate is gone */
    assert_int_equal(num(json_array_get(list, 0), "id"), real);
    assert_string_equal(str(json_array_get(list, 0), "usage_m3"), "40.0");
    http_free(&h);

    /* November's real reading settles the estimate: 70 m³ used since
     * September, 59.2 billed → 10.8 */
    open_period("R09", "2026-11");
    snprintf(body, sizeof(body), "estimate-0006");
    int64_t nov = read_ok(body, point, "2026-11-10", "1100.0", "accepted");
    snprintf(path, sizeof(path), "/api/v1/readings/%lld", (long long)nov);
    client_req(&srv, &reader_c, "GET", path, NULL, &h);
    assert_string_equal(str(h.json, "usage_m3"), "10.8");
    assert_int_equal(num(h.json, "usage_l"), 10800);
    assert_string_equal(str(h.json, "source"), "field");
    http_free(&h);
}

static void
test_move_with_reading_splits_the_period(void **state)
{
    (void)state;
    struct http h;
    char path[96], body[256];
    int64_t leaving;
    int64_t point = point_on("R10", 10, NULL, false, &leaving);
    open_period("R10", "2026-10");
    open_period("R10", "2026-11");
    read_ok("move-0001", point, "2026-10-10", "1000.0", "accepted");
    snprintf(body, sizeof(body),
             "{\"number\":\"%d\",\"name\":\"湯布院花子\",\"kana\":\"ユフイン\","
             "\"kind\":\"household\"}",
             customer_seq++);
    int64_t arriving = make(&admin_c, "/api/v1/customers", body);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/move",
             (long long)point);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"date\":\"2026-10-20\","
             "\"reading\":{\"index\":\"10x\"}}",
             (long long)arriving);
    client_req(&srv, &office_c, "POST", path, body, &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    snprintf(body, sizeof(body),
             "{\"customer_id\":%lld,\"date\":\"2026-10-20\","
             "\"reading\":{\"index\":\"1008.0\"},"
             "\"contract\":{\"payment_method\":\"collection\"}}",
             (long long)arriving);
    post_ok(&office_c, path, body, 200, &h);
    http_free(&h);
    read_ok("move-0002", point, "2026-11-10", "1030.0", "accepted");
    json_t *list = point_readings(&reader_c, point, &h);
    assert_int_equal(json_array_size(list), 4);
    json_t *nov = json_array_get(list, 0), *in = json_array_get(list, 1),
           *out = json_array_get(list, 2);
    assert_string_equal(str(nov, "usage_m3"), "22.0"); /* the newcomer's */
    assert_string_equal(str(in, "kind"), "move_in");
    assert_string_equal(str(in, "usage_m3"), "0.0");
    assert_string_equal(str(out, "kind"), "move_out");
    assert_string_equal(str(out, "usage_m3"), "8.0"); /* the leaver's */
    assert_string_equal(str(out, "read_on"), "2026-10-20");
    assert_int_equal(num(in, "previous_id"), num(out, "id"));
    char target[48];
    reading_target(target, sizeof(target), num(out, "id"));
    http_free(&h);
    audit_entry("reading.record", target, &h);
    http_free(&h);
}

/* ---------------------------------------------------------------------- */
/* Periods and permissions                                                */
/* ---------------------------------------------------------------------- */

static void
test_periods_are_checked_and_managed_by_the_office(void **state)
{
    (void)state;
    struct http h;
    int64_t cust;
    point_on("R11", 10, NULL, false, &cust);
    const char *ok = "{\"route\":\"R11\",\"month\":\"2026-11\","
                     "\"starts_on\":\"2026-10-25\",\"ends_on\":\"2026-11-10\"}";
    client_req(&srv, &reader_c, "POST", "/api/v1/reading-periods", ok, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &reader_c, "GET", "/api/v1/readings/review", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &office_c, "POST", "/api/v1/reading-periods",
               "{\"route\":\"NOPE\",\"month\":\"2026-13\","
               "\"starts_on\":\"2026-11-10\",\"ends_on\":\"2026-11-01\"}",
               &h);
    assert_problem(&h, 422, "invalid");
    assert_non_null(strstr(h.body, "\"route\""));
    assert_non_null(strstr(h.body, "\"month\""));
    assert_non_null(strstr(h.body, "\"ends_on\""));
    http_free(&h);
    post_ok(&office_c, "/api/v1/reading-periods", ok, 201, &h);
    int64_t id = num(h.json, "id");
    assert_string_equal(str(h.json, "status"), "open");
    assert_int_equal(num(h.json, "points"), 1);
    assert_int_equal(num(h.json, "remaining"), 1);
    http_free(&h);
    char target[48];
    snprintf(target, sizeof(target), "reading_period:%lld", (long long)id);
    audit_entry("reading_period.open", target, &h);
    http_free(&h);
    client_req(&srv, &office_c, "POST", "/api/v1/reading-periods", ok, &h);
    assert_problem(&h, 409, "metering.period_exists");
    http_free(&h);
    /* an overlapping window for the next month */
    client_req(&srv, &office_c, "POST", "/api/v1/reading-periods",
               "{\"route\":\"R11\",\"month\":\"2026-12\","
               "\"starts_on\":\"2026-11-05\",\"ends_on\":\"2026-12-10\"}",
               &h);
    assert_problem(&h, 409, "metering.period_exists");
    http_free(&h);
    client_req(&srv, &reader_c, "GET",
               "/api/v1/reading-periods?route=R11&month=2026-11", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *list = json_object_get(h.json, "periods");
    assert_int_equal(json_array_size(list), 1);
    assert_int_equal(num(json_array_get(list, 0), "id"), id);
    http_free(&h);
    client_req(&srv, &reader_c, "GET", "/api/v1/reading-periods/999999", NULL,
               &h);
    assert_problem(&h, 404, "metering.period_not_found");
    http_free(&h);
}

static void
test_check_thresholds_per_tenant(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &other_c, "GET", "/api/v1/settings/reading-checks", NULL,
               &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "high_percent"), 200);
    assert_int_equal(num(h.json, "low_percent"), 50);
    assert_string_equal(str(h.json, "min_usage_m3"), "5.0");
    http_free(&h);
    client_req(&srv, &other_c, "PUT", "/api/v1/settings/reading-checks",
               "{\"high_percent\":50,\"low_percent\":50,"
               "\"min_usage_m3\":\"5\"}",
               &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    client_req(&srv, &other_c, "PUT", "/api/v1/settings/reading-checks",
               "{\"high_percent\":300,\"low_percent\":30,"
               "\"min_usage_m3\":\"3.0\"}",
               &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    client_req(&srv, &other_c, "GET", "/api/v1/settings/reading-checks", NULL,
               &h);
    assert_int_equal(num(h.json, "high_percent"), 300);
    assert_string_equal(str(h.json, "min_usage_m3"), "3.0");
    http_free(&h);
    /* the first tenant keeps its own */
    client_req(&srv, &office_c, "GET", "/api/v1/settings/reading-checks", NULL,
               &h);
    assert_int_equal(num(h.json, "high_percent"), 200);
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_sheet_in_route_order),
        cmocka_unit_test(test_resend_is_idempotent),
        cmocka_unit_test(test_conflicting_resend_is_held_for_the_office),
        cmocka_unit_test(test_reader_reaches_only_their_tenants_points),
        cmocka_unit_test(test_closed_period_refuses_readings),
        cmocka_unit_test(test_impossible_values_do_not_block_the_batch),
        cmocka_unit_test(
            test_close_waits_for_the_review_and_confirm_is_audited),
        cmocka_unit_test(test_correct_makes_a_new_row_and_is_audited),
        cmocka_unit_test(test_estimate_then_real_reading_settles),
        cmocka_unit_test(test_move_with_reading_splits_the_period),
        cmocka_unit_test(test_periods_are_checked_and_managed_by_the_office),
        cmocka_unit_test(test_check_thresholds_per_tenant),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
