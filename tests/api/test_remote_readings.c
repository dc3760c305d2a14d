/*
 * test_remote_readings.c — smart meters that report every day (遠隔検針)
 * over the internal endpoint ingest uses (POST
 * /internal/v1/remote-readings), against a real serve.
 *
 * Data: `pilotlight seed` as of 2026-06-15 with one month of history:
 * route R02 has an open June period, window 06-15..06-23, reading day
 * (検針日) 06-18; three of its points have a smart meter nobody has read.
 *
 * Covers: thirty daily readings (06-04..07-03) make exactly one regular
 * reading in the June period, the one of the reading day, with its usage
 * from May's reading, and no conflict; a July period opened afterwards
 * takes the reading nearest its own reading day at once; a reader's
 * reading of the same day that disagrees with the meter is a conflict
 * (and one that agrees a duplicate), from either side; the June billing
 * run bills the reading-day reading.
 */
#include "ingest_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define REMOTE "/internal/v1/remote-readings"
#define SHEET  "/api/v1/reading-routes/R02/sheet?month=2026-06"
#define TOKEN  "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"
#define DAY_L  400 /* litres a day: 0.4 m³ */

static struct server srv;
static struct account admin, reader;
static struct client admin_c, reader_c;

/* A smart point of R02: id, customer, device, last index (tenths). */
struct pt {
    int64_t id, customer, last;
    char device[72];
};
static struct pt smart[3];

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

static void
tenths_text(int64_t v, char out[24])
{
    snprintf(out, 24, "%lld.%lld", (long long)v / 10, (long long)v % 10);
}

static json_t *
get_json(struct client *c, const char *path)
{
    struct http h;
    client_req(&srv, c, "GET", path, NULL, &h);
    if (h.status != 200)
        fail_msg("GET %s: %ld %s", path, h.status, h.body);
    json_t *j = json_incref(h.json);
    http_free(&h);
    return j;
}

/* Three unread smart points of R02 with a customer and a previous
 * reading on their meter. */
static void
pick_points(void)
{
    json_t *s = get_json(&admin_c, SHEET), *p;
    size_t i, ns = 0;
    json_array_foreach(json_object_get(s, "points"), i, p)
    {
        const json_t *prev = json_object_get(p, "previous");
        const json_t *cust = json_object_get(p, "customer");
        if (ns == 3)
            break;
        if (!json_is_null(json_object_get(p, "reading")) ||
            json_is_null(prev) || json_is_null(cust) ||
            tenths(str(prev, "index")) > 90000)
            continue;
        struct pt x = {.id = num(p, "supply_point_id"),
                       .customer = num(cust, "id"),
                       .last = tenths(str(prev, "index"))};
        if (device_of(&srv, &admin_c, x.id, x.device, sizeof(x.device)) == 1 &&
            x.device[0])
            smart[ns++] = x;
    }
    json_decref(s);
    assert_int_equal(ns, 3);
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
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

/* Post one remote reading of p on day (06:00 JST); its outcome (static). */
static const char *
remote(const struct pt *p, const char *day, int64_t index)
{
    static char outcome[16];
    char body[512], idx[24];
    struct client c;
    struct http h;
    tenths_text(index, idx);
    snprintf(body, sizeof(body),
             "{\"readings\": [{\"tenant\": \"0001\", \"device_id\": \"%s\","
             " \"read_at\": \"%sT06:00:00+09:00\", \"index\": \"%s\"}]}",
             p->device, day, idx);
    client_init(&c);
    c.extra_header = "Authorization: Bearer " TOKEN;
    client_req(&srv, &c, "POST", REMOTE, body, &h);
    client_free(&c);
    if (h.status != 200)
        fail_msg("remote: %ld %s", h.status, h.body);
    json_t *r = json_array_get(json_object_get(h.json, "results"), 0);
    if (!strcmp(str(r, "outcome"), "error"))
        fail_msg("remote %s: %s", day, h.body);
    snprintf(outcome, sizeof(outcome), "%s", str(r, "outcome"));
    http_free(&h);
    return outcome;
}

/* A reader's reading of p on day; its outcome (static). */
static const char *
by_hand(const struct pt *p, const char *key, const char *day, int64_t index)
{
    static char outcome[16];
    char body[512], idx[24];
    struct http h;
    tenths_text(index, idx);
    snprintf(body, sizeof(body),
             "{\"items\":[{\"key\":\"%s\",\"supply_point_id\":%lld,"
             "\"read_on\":\"%s\",\"index\":\"%s\",\"note\":null}]}",
             key, (long long)p->id, day, idx);
    client_req(&srv, &reader_c, "POST", "/api/v1/readings", body, &h);
    if (h.status != 200)
        fail_msg("readings: %ld %s", h.status, h.body);
    json_t *r = json_array_get(json_object_get(h.json, "results"), 0);
    snprintf(outcome, sizeof(outcome), "%s", str(r, "outcome"));
    http_free(&h);
    return outcome;
}

/* The period of R02 for month (new ref). */
static json_t *
period_of(const char *month)
{
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/reading-periods?route=R02&month=%s",
             month);
    json_t *j = get_json(&admin_c, path);
    json_t *p = json_incref(json_array_get(json_object_get(j, "periods"), 0));
    json_decref(j);
    assert_non_null(p);
    return p;
}

/* p's live regular readings in period (new ref: an array). */
static json_t *
regulars(const struct pt *p, int64_t period)
{
    char path[96];
    size_t i;
    json_t *r, *out = json_array();
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/readings",
             (long long)p->id);
    json_t *j = get_json(&admin_c, path);
    json_array_foreach(json_object_get(j, "readings"), i, r)
    {
        if (!strcmp(str(r, "kind"), "regular") &&
            strcmp(str(r, "status"), "corrected") &&
            num(r, "period_id") == period)
            json_array_append(out, r);
    }
    json_decref(j);
    return out;
}

/* Open conflicts on the review list for reading id. */
static int
conflicts_of(int64_t reading)
{
    size_t i;
    json_t *c;
    int n = 0;
    json_t *j = get_json(&admin_c, "/api/v1/readings/review");
    json_array_foreach(json_object_get(j, "conflicts"), i, c)
    {
        json_t *rd = json_object_get(c, "reading");
        if (num(c, "reading_id") == reading ||
            (json_is_object(rd) && num(rd, "id") == reading))
            n++;
    }
    json_decref(j);
    return n;
}

/* Smart point 0's index on day k after 06-04 (0.4 m³ a day). */
static int64_t
index_on(int k)
{
    return smart[0].last + 20 + (int64_t)k * DAY_L / 100;
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */
/* ---------------------------------------------------------------------- */

static void
test_thirty_daily_readings_make_one_regular_reading_at_the_reading_day(
    void **state)
{
    (void)state;
    char day[11];
    int accepted = 0, conflicts = 0;
    json_t *june = period_of("2026-06");
    assert_string_equal(str(june, "reading_on"), "2026-06-18");
    for (int k = 0; k < 30; k++) {
        /* 2026-06-04 + k */
        snprintf(day, sizeof(day), "2026-%02d-%02d", k < 27 ? 6 : 7,
                 k < 27 ? 4 + k : k - 26);
        const char *o = remote(&smart[0], day, index_on(k));
        accepted += !strcmp(o, "accepted") || !strcmp(o, "flagged");
        conflicts += !strcmp(o, "conflict");
        if (strcmp(day, "2026-06-15") < 0 || strcmp(day, "2026-06-18") > 0)
            assert_string_equal(o, "interval");
    }
    assert_int_equal(accepted, 4); /* 06-15, then each day nearer: 16–18 */
    assert_int_equal(conflicts, 0);
    json_t *regs = regulars(&smart[0], num(june, "id"));
    assert_int_equal(json_array_size(regs), 1);
    json_t *r = json_array_get(regs, 0);
    assert_string_equal(str(r, "read_on"), "2026-06-18");
    assert_string_equal(str(r, "source"), "remote");
    assert_int_equal(tenths(str(r, "index")), index_on(14));
    /* usage from May's reading, not from yesterday's */
    assert_int_equal(num(r, "usage_l"), (index_on(14) - smart[0].last) * 100);
    assert_int_equal(conflicts_of(num(r, "id")), 0);
    json_decref(regs);
    json_decref(june);
    june = period_of("2026-06");
    assert_int_equal(num(june, "conflicts"), 0);
    json_decref(june);
    /* resending a day changes nothing */
    assert_string_equal(remote(&smart[0], "2026-06-18", index_on(14)),
                        "duplicate");
    assert_string_equal(remote(&smart[0], "2026-06-20", index_on(16)),
                        "duplicate");
}

static void
test_a_period_opened_later_takes_the_reading_nearest_its_reading_day(
    void **state)
{
    (void)state;
    struct http h;
    /* the July readings (07-01..07-03) arrived before the period */
    client_req(&srv, &admin_c, "POST", "/api/v1/reading-periods",
               "{\"route\":\"R02\",\"month\":\"2026-07\","
               "\"starts_on\":\"2026-07-01\",\"ends_on\":\"2026-07-09\","
               "\"reading_on\":\"2026-07-02\"}",
               &h);
    if (h.status != 201)
        fail_msg("period: %ld %s", h.status, h.body);
    int64_t july = num(h.json, "id");
    assert_string_equal(str(h.json, "reading_on"), "2026-07-02");
    assert_true(num(h.json, "read") >= 1);
    http_free(&h);
    json_t *regs = regulars(&smart[0], july);
    assert_int_equal(json_array_size(regs), 1);
    json_t *r = json_array_get(regs, 0);
    assert_string_equal(str(r, "read_on"), "2026-07-02");
    assert_int_equal(tenths(str(r, "index")), index_on(28));
    assert_int_equal(num(r, "usage_l"), 14 * DAY_L); /* since 06-18 */
    json_decref(regs);
    /* a reading day outside the window is refused */
    client_req(&srv, &admin_c, "POST", "/api/v1/reading-periods",
               "{\"route\":\"R02\",\"month\":\"2026-08\","
               "\"starts_on\":\"2026-08-01\",\"ends_on\":\"2026-08-09\","
               "\"reading_on\":\"2026-08-10\"}",
               &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
}

static void
test_a_reading_by_hand_that_disagrees_on_the_same_day_is_a_conflict(
    void **state)
{
    (void)state;
    json_t *june = period_of("2026-06");
    int64_t x = smart[1].last + 60;
    /* the meter first, then the reader */
    assert_string_equal(remote(&smart[1], "2026-06-17", x - 4), "accepted");
    assert_string_equal(remote(&smart[1], "2026-06-18", x), "accepted");
    assert_string_equal(by_hand(&smart[1], "hand-0001", "2026-06-18", x),
                        "duplicate");
    assert_string_equal(by_hand(&smart[1], "hand-0002", "2026-06-18", x + 9),
                        "conflict");
    json_t *regs = regulars(&smart[1], num(june, "id"));
    assert_int_equal(json_array_size(regs), 1);
    json_t *r = json_array_get(regs, 0);
    assert_int_equal(tenths(str(r, "index")), x); /* held, not overwritten */
    assert_int_equal(conflicts_of(num(r, "id")), 1);
    json_decref(regs);
    /* the reader first, then the meter */
    int64_t y = smart[2].last + 50;
    assert_string_equal(by_hand(&smart[2], "hand-0003", "2026-06-18", y),
                        "accepted");
    assert_string_equal(remote(&smart[2], "2026-06-17", y - 4), "interval");
    assert_string_equal(remote(&smart[2], "2026-06-18", y), "duplicate");
    assert_string_equal(remote(&smart[2], "2026-06-18", y + 7), "conflict");
    regs = regulars(&smart[2], num(june, "id"));
    assert_int_equal(json_array_size(regs), 1);
    r = json_array_get(regs, 0);
    assert_string_equal(str(r, "source"), "field");
    assert_int_equal(tenths(str(r, "index")), y);
    assert_int_equal(conflicts_of(num(r, "id")), 1);
    json_decref(regs);
    json_decref(june);
}

static void
test_the_june_billing_run_bills_the_reading_day_reading(void **state)
{
    (void)state;
    struct http h;
    char path[128], *out, *err, group[8];
    json_t *june = period_of("2026-06");
    snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/close",
             num(june, "id"));
    client_req(&srv, &admin_c, "POST", path, "{\"force\":true}", &h);
    if (h.status != 200)
        fail_msg("close: %ld %s", h.status, h.body);
    http_free(&h);
    json_decref(june);
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld",
             (long long)smart[0].id);
    json_t *sp = get_json(&admin_c, path);
    json_t *bg = json_object_get(sp, "billing_group");
    if (!bg)
        bg = json_object_get(json_object_get(sp, "supply_point"),
                             "billing_group");
    assert_true(json_is_integer(bg));
    snprintf(group, sizeof(group), "%lld", (long long)json_integer_value(bg));
    json_decref(sp);
    const char *args[] = {"billing",  "run",     "--data",  srv.data,
                          "--tenant", "0001",    "--group", group,
                          "--month",  "2026-06", "--quiet", NULL};
    if (cli_run(args, &out, &err) != 0)
        fail_msg("billing run: %s %s", out, err);
    free(out);
    free(err);
    snprintf(path, sizeof(path), "/api/v1/invoices?customer_id=%lld",
             (long long)smart[0].customer);
    json_t *list = get_json(&admin_c, path), *iv;
    size_t i;
    int found = 0;
    json_array_foreach(json_object_get(list, "invoices"), i, iv)
    {
        snprintf(path, sizeof(path), "/api/v1/invoices/%lld", num(iv, "id"));
        json_t *doc = get_json(&admin_c, path);
        json_t *rd = json_object_get(doc, "reading");
        if (!json_is_object(rd))
            rd = json_object_get(json_object_get(doc, "invoice"), "reading");
        if (rd && str(rd, "current_on") &&
            !strcmp(str(rd, "current_on"), "2026-06-18")) {
            char want[24];
            tenths_text(index_on(14), want);
            assert_string_equal(str(rd, "current_index"), want);
            found++;
        }
        json_decref(doc);
    }
    json_decref(list);
    assert_int_equal(found, 1);
}

/* A batch that is not {"readings": [1..5000]} is refused whole, with the
 * field at fault. */
static void
test_malformed_batches_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *body, *code;
    } cases[] = {
        {"{\"readings\": []}", "required"},
        {"{\"readings\": {}}", "required"},
        {"{\"readings\": [{}], \"extra\": 1}", "unknown_field"},
    };
    struct client c;
    struct http h;
    client_init(&c);
    c.extra_header = "Authorization: Bearer " TOKEN;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        client_req(&srv, &c, "POST", REMOTE, cases[i].body, &h);
        assert_problem(&h, 422, "invalid");
        json_t *e = json_array_get(json_object_get(h.json, "errors"), 0);
        assert_string_equal(str(e, "code"), cases[i].code);
        http_free(&h);
    }
    /* 5,001 readings: too many, nothing read */
    size_t cap = 32 + 5001 * 3, n = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    n += (size_t)snprintf(big + n, cap - n, "{\"readings\": [");
    for (int i = 0; i < 5001; i++)
        n += (size_t)snprintf(big + n, cap - n, i ? ",{}" : "{}");
    snprintf(big + n, cap - n, "]}");
    client_req(&srv, &c, "POST", REMOTE, big, &h);
    assert_problem(&h, 422, "invalid");
    json_t *e = json_array_get(json_object_get(h.json, "errors"), 0);
    assert_string_equal(str(e, "code"), "too_many");
    assert_string_equal(str(e, "field"), "readings");
    http_free(&h);
    free(big);
    client_free(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_thirty_daily_readings_make_one_regular_reading_at_the_reading_day),
        cmocka_unit_test(
            test_a_period_opened_later_takes_the_reading_nearest_its_reading_day),
        cmocka_unit_test(
            test_a_reading_by_hand_that_disagrees_on_the_same_day_is_a_conflict),
        cmocka_unit_test(
            test_the_june_billing_run_bills_the_reading_day_reading),
        cmocka_unit_test(test_malformed_batches_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
