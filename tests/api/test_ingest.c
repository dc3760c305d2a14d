/*
 * test_ingest.c — monitoring devices and `pilotlight ingest`, against real
 * serve and ingest processes sharing one data dir.
 *
 * Data: `pilotlight seed` as of 2026-06-15 with one month of history:
 * route R02 (read on the 18th) has an open June period nobody has read;
 * two of its points have smart meters (device ids NCU-…).
 *
 * Devices: a meter reader may not register devices, a read-only user may
 * list them; registering shows the key once (never again in GET or the
 * list), links the device to the meter that carries its id in the
 * ledger, and is audited; the same id again is device.exists.
 *
 * Batches: a reading posted to ingest appears in metering (the point's
 * readings, source remote); a leak warning is stored as a device event
 * with its supply point and customer; a reading for a month whose period
 * is not open yet is kept as an interval reading, not lost, and becomes
 * the regular reading once the office opens the period; a seq already
 * accepted is
 * acknowledged as a duplicate and dropped; bad signature, stale
 * timestamp, replayed batch, oversized body, malformed JSON, schema
 * errors, missing headers, unknown and retired devices are refused with
 * their codes and change nothing (ingest's log does not grow, serve gets
 * nothing); serve's internal endpoint wants the internal token.
 */
#include "ingest_util.h"

#include <signal.h>

#define TOKEN "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"
#define SHEET "/api/v1/reading-routes/R02/sheet?month=2026-06"

static struct server srv, ing;
static struct account admin, reader, viewer;
static struct client admin_c, reader_c, viewer_c;
static char token_file[320];

/* The two smart-meter points of R02 we use. */
struct pt {
    int64_t id, last;
    char device[72];
};
static struct pt smart[2];
static struct dev meter_a, meter_b;

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
pick_points(void)
{
    struct http h;
    size_t i, ns = 0;
    json_t *p;
    client_req(&srv, &admin_c, "GET", SHEET, NULL, &h);
    assert_int_equal(h.status, 200);
    json_array_foreach(json_object_get(h.json, "points"), i, p)
    {
        const json_t *prev = json_object_get(p, "previous");
        if (ns == 2)
            break;
        if (!json_is_null(json_object_get(p, "reading")) ||
            json_is_null(prev) || tenths(str(prev, "index")) < 1000 ||
            tenths(str(prev, "index")) > 90000)
            continue;
        struct pt x = {.id = num(p, "supply_point_id"),
                       .last = tenths(str(prev, "index"))};
        if (device_of(&srv, &admin_c, x.id, x.device, sizeof(x.device)) == 1 &&
            x.device[0])
            smart[ns++] = x;
    }
    http_free(&h);
    assert_int_equal(ns, 2);
}

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    const char *seed[] = {"seed",      "--data",     srv.data,
                          "--tenants", "1",          "--customers-per-tenant",
                          "400",       "--months",   "1",
                          "--as-of",   "2026-06-15", NULL};
    cli_ok(seed);
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    account_make(&srv, "0001", "viewer", "readonly", &viewer);
    server_token_file(&srv, TOKEN, token_file, sizeof(token_file));
    const char *extra[] = {"--login-rate", "100000", "--internal-token-file",
                           token_file, NULL};
    server_start(&srv, extra);
    /* ingest first: it publishes the key device keys are sealed to */
    const char *iextra[] = {"--refresh-ms", "200", "--park-retry", "1", NULL};
    ingest_start(&ing, &srv, token_file, iextra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_enroll(&srv, &viewer);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    account_sign_in(&srv, &viewer_c, &viewer);
    pick_points();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&reader_c);
    client_free(&viewer_c);
    assert_int_equal(server_signal_wait(&ing, SIGTERM), 0);
    server_down(&srv);
    return 0;
}

/* Register d (smart meter of point p) through the API as admin. */
static json_t *
register_api(struct dev *d, const char *id, const char *kind)
{
    struct http h;
    char body[256];
    snprintf(body, sizeof(body), "{\"device_id\":\"%s\",\"kind\":\"%s\"}", id,
             kind);
    client_req(&srv, &admin_c, "POST", "/api/v1/devices", body, &h);
    if (h.status != 201)
        fail_msg("register %s: %ld %s", id, h.status, h.body);
    memset(d, 0, sizeof(*d));
    snprintf(d->id, sizeof(d->id), "%s", id);
    dev_key(d, str(h.json, "key"));
    json_t *j = json_incref(h.json);
    http_free(&h);
    return j;
}

/* Poll fn until it is true or seconds pass. */
static bool
eventually(bool (*fn)(void *), void *arg, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        if (fn(arg))
            return true;
        usleep(100000);
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* Devices                                                                */
/* ---------------------------------------------------------------------- */

static void
test_meter_reader_cannot_register_devices(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &reader_c, "POST", "/api/v1/devices",
               "{\"device_id\":\"NCU-X\",\"kind\":\"smart_meter\"}", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &reader_c, "GET", "/api/v1/devices", NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &viewer_c, "POST", "/api/v1/devices",
               "{\"device_id\":\"NCU-X\",\"kind\":\"smart_meter\"}", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &viewer_c, "GET", "/api/v1/devices", NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
}

static void
test_register_shows_key_once_and_links_meter(void **state)
{
    (void)state;
    struct http h;
    char path[160];
    json_t *j = register_api(&meter_a, smart[0].device, "smart_meter");
    json_t *d = json_object_get(j, "device");
    assert_string_equal(str(d, "status"), "active");
    assert_int_equal(num(d, "epoch"), 1);
    assert_int_equal(num(d, "supply_point_id"), smart[0].id);
    assert_true(num(d, "meter_id") > 0);
    assert_int_equal(strlen(str(d, "key_fingerprint")), 16);
    assert_true(json_is_null(json_object_get(j, "warning")));
    json_decref(j);
    snprintf(path, sizeof(path), "/api/v1/devices/%s", smart[0].device);
    client_req(&srv, &viewer_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_null(strstr(h.body, "\"key\""));
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/devices?status=active", NULL,
               &h);
    assert_int_equal(h.status, 200);
    assert_null(strstr(h.body, "\"key\""));
    assert_non_null(strstr(h.body, smart[0].device));
    http_free(&h);
    /* the same id again */
    snprintf(path, sizeof(path),
             "{\"device_id\":\"%s\",\"kind\":\"smart_meter\"}",
             smart[0].device);
    client_req(&srv, &admin_c, "POST", "/api/v1/devices", path, &h);
    assert_problem(&h, 409, "device.exists");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/audit?action=device.register",
               NULL, &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(h.body, smart[0].device));
    http_free(&h);
    json_decref(register_api(&meter_b, smart[1].device, "smart_meter"));
}

/* ---------------------------------------------------------------------- */
/* Batches                                                                */
/* ---------------------------------------------------------------------- */

static bool
reading_arrived(void *arg)
{
    const struct pt *p = arg;
    struct http h;
    char path[96];
    size_t i;
    json_t *r;
    bool found = false;
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/readings",
             (long long)p->id);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_array_foreach(json_object_get(h.json, "readings"), i, r)
    {
        if (!strcmp(str(r, "read_on"), "2026-06-18") &&
            !strcmp(str(r, "source"), "remote") &&
            tenths(str(r, "index")) == p->last + 123)
            found = true;
    }
    http_free(&h);
    return found;
}

static void
test_reading_via_ingest_appears_in_metering(void **state)
{
    (void)state;
    struct http h;
    char body[512];
    int64_t ix = smart[0].last + 123;
    snprintf(body, sizeof(body),
             "{\"device_id\":\"%s\",\"messages\":[{\"seq\":1,\"kind\":"
             "\"reading\",\"at\":\"2026-06-18T06:00:00+09:00\",\"index\":"
             "\"%lld.%lld\"},{\"seq\":2,\"kind\":\"heartbeat\",\"at\":"
             "\"2026-06-18T06:00:01+09:00\",\"battery_mv\":3100}]}",
             meter_a.id, (long long)ix / 10, (long long)ix % 10);
    dev_post(&ing, &meter_a, body, &h);
    if (h.status != 200)
        fail_msg("%ld %s", h.status, h.body);
    assert_int_equal(num(h.json, "accepted"), 2);
    assert_int_equal(num(h.json, "last_seq"), 2);
    http_free(&h);
    meter_a.seq = 2;
    assert_true(eventually(reading_arrived, &smart[0], 15));
}

static bool
event_arrived(void *arg)
{
    json_t **out = arg;
    struct http h;
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/device-events?device_id=%s",
             meter_a.id);
    client_req(&srv, &viewer_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *e = json_array_get(json_object_get(h.json, "events"), 0);
    *out = e ? json_incref(e) : NULL;
    http_free(&h);
    return *out != NULL;
}

static void
test_leak_warning_is_stored_with_point_and_customer(void **state)
{
    (void)state;
    struct http h;
    json_t *e = NULL;
    char *body = events_body(meter_a.id, 3, 1, "leak_warning");
    dev_post(&ing, &meter_a, body, &h);
    free(body);
    assert_int_equal(h.status, 200);
    http_free(&h);
    meter_a.seq = 3;
    assert_true(eventually(event_arrived, &e, 15));
    assert_string_equal(str(e, "kind"), "leak_warning");
    assert_string_equal(str(e, "category"), "meter_event");
    assert_string_equal(str(e, "severity"), "warning");
    assert_string_equal(str(e, "label"), "微少漏洩警告");
    assert_string_equal(str(e, "vendor_code"), "T0");
    assert_int_equal(num(e, "seq"), 3);
    assert_int_equal(num(e, "supply_point_id"), smart[0].id);
    assert_true(num(e, "meter_id") > 0);
    assert_true(num(e, "customer_id") > 0);
    assert_string_equal(str(e, "device_at"), "2026-06-17T21:00:00.000Z");
    json_decref(e);
}

static bool
july_reading_arrived(void *arg)
{
    const struct pt *p = arg;
    struct http h;
    char path[96];
    size_t i;
    json_t *r;
    bool found = false;
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/readings",
             (long long)p->id);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_array_foreach(json_object_get(h.json, "readings"), i, r)
    {
        found = found || !strcmp(str(r, "read_on"), "2026-07-18");
    }
    http_free(&h);
    return found;
}

static void
test_reading_without_open_period_is_kept_and_fills_the_period(void **state)
{
    (void)state;
    struct http h;
    char body[512];
    int64_t ix = smart[0].last + 123 + 150;
    snprintf(body, sizeof(body),
             "{\"device_id\":\"%s\",\"messages\":[{\"seq\":4,\"kind\":"
             "\"reading\",\"at\":\"2026-07-18T06:00:00+09:00\",\"index\":"
             "\"%lld.%lld\"}]}",
             meter_a.id, (long long)ix / 10, (long long)ix % 10);
    dev_post(&ing, &meter_a, body, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    meter_a.seq = 4;
    /* no July period for R02 yet: serve keeps it as the meter's interval
     * reading of that day (nothing parked, nothing lost) */
    wait_forwarded(&ing, 15);
    json_t *st = ingest_get(&ing, "/status");
    assert_int_equal(jint(st, "forward", "parked"), 0);
    json_decref(st);
    assert_false(july_reading_arrived(&smart[0]));
    /* opening the period makes it the regular reading at once */
    client_req(&srv, &admin_c, "POST", "/api/v1/reading-periods",
               "{\"route\":\"R02\",\"month\":\"2026-07\","
               "\"starts_on\":\"2026-07-15\",\"ends_on\":\"2026-07-23\"}",
               &h);
    if (h.status != 201)
        fail_msg("period: %ld %s", h.status, h.body);
    assert_int_equal(num(h.json, "read"), 1);
    http_free(&h);
    assert_true(july_reading_arrived(&smart[0]));
    st = ingest_get(&ing, "/status");
    assert_int_equal(jint(st, "forward", "dead_letters"), 0);
    json_decref(st);
}

static void
test_duplicate_seq_is_acknowledged_and_dropped(void **state)
{
    (void)state;
    struct http h;
    json_t *before = ingest_get(&ing, "/status");
    char *body = events_body(meter_b.id, 5, 1, "battery_low");
    dev_post(&ing, &meter_b, body, &h);
    free(body);
    assert_int_equal(h.status, 200);
    http_free(&h);
    sleep(1); /* a new X-Timestamp: not a replay */
    body = events_body(meter_b.id, 5, 2, "battery_low"); /* seq 5 and 6 */
    dev_post(&ing, &meter_b, body, &h);
    free(body);
    assert_int_equal(h.status, 200);
    json_t *res = json_object_get(h.json, "results");
    assert_string_equal(str(json_array_get(res, 0), "outcome"), "duplicate");
    assert_string_equal(str(json_array_get(res, 1), "outcome"), "accepted");
    assert_int_equal(num(h.json, "duplicates"), 1);
    assert_int_equal(num(h.json, "last_seq"), 6);
    http_free(&h);
    json_t *after = ingest_get(&ing, "/status");
    assert_int_equal(jint(after, "batches", "messages"),
                     jint(before, "batches", "messages") + 2);
    assert_int_equal(jint(after, "batches", "duplicates"),
                     jint(before, "batches", "duplicates") + 1);
    json_decref(before);
    json_decref(after);
    meter_b.seq = 6;
    wait_forwarded(&ing, 15);
    int seen[8] = {0};
    assert_int_equal(events_count(&srv, &admin_c, meter_b.id, seen, 7), 2);
    assert_int_equal(seen[5], 1);
    assert_int_equal(seen[6], 1);
}

/* Refused with status/code; nothing logged, nothing counted. */
static void
expect_refused(struct http *h, long status, const char *code)
{
    assert_problem(h, status, code);
    assert_true(has_japanese(str(h->json, "title")));
    http_free(h);
}

static void
test_refused_batches_change_nothing(void **state)
{
    (void)state;
    struct http h;
    struct dev stranger = meter_b, wrong_key = meter_b;
    snprintf(stranger.id, sizeof(stranger.id), "NCU-NOBODY01");
    wrong_key.key[0] ^= 1;
    char *good = events_body(meter_b.id, 7, 3, "shutoff_total_flow");
    /* a replay: the same signed bytes twice (the first one counts) */
    char ts[24], sig[65], hdev[100], hts[48], hsig[100];
    unsigned char mac[32];
    snprintf(ts, sizeof(ts), "%ld", (long)time(NULL));
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, meter_b.key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)good,
                                  strlen(good));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(sig, sizeof(sig), mac, 32);
    snprintf(hdev, sizeof(hdev), "X-Device-Id: %s", meter_b.id);
    snprintf(hts, sizeof(hts), "X-Timestamp: %s", ts);
    snprintf(hsig, sizeof(hsig), "X-Signature: %s", sig);
    const char *hdrs[] = {"Content-Type: application/json", hdev, hts, hsig,
                          NULL};
    http_req_headers(&ing, "POST", "/v1/batches", hdrs, good, strlen(good), &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    meter_b.seq = 9;
    wait_forwarded(&ing, 15);
    json_t *before = ingest_get(&ing, "/status");
    size_t events_before = events_count(&srv, &admin_c, meter_b.id, NULL, 0);

    http_req_headers(&ing, "POST", "/v1/batches", hdrs, good, strlen(good), &h);
    expect_refused(&h, 409, "ingest.replayed");
    char *next = events_body(meter_b.id, 10, 2, "shutoff_total_flow");
    dev_post(&ing, &wrong_key, next, &h);
    expect_refused(&h, 401, "ingest.bad_signature");
    dev_post_raw(&ing, &meter_b, next, strlen(next), -400, NULL, &h);
    expect_refused(&h, 401, "ingest.stale_timestamp");
    dev_post_raw(&ing, &meter_b, next, strlen(next), 400, NULL, &h);
    expect_refused(&h, 401, "ingest.stale_timestamp");
    dev_post(&ing, &stranger, next, &h);
    expect_refused(&h, 401, "ingest.unknown_device");
    dev_post(&ing, &meter_b, "{\"device_id\": \"", &h);
    expect_refused(&h, 400, "http.malformed_json");
    char bad[256];
    snprintf(bad, sizeof(bad),
             "{\"device_id\":\"%s\",\"messages\":[{\"seq\":10,\"kind\":"
             "\"event\",\"at\":\"2026-06-18T06:00:00+09:00\",\"event\":"
             "\"fire\"}]}",
             meter_b.id);
    dev_post(&ing, &meter_b, bad, &h);
    assert_int_equal(h.status, 422);
    assert_string_equal(
        str(json_array_get(json_object_get(h.json, "errors"), 0), "field"),
        "messages[0].event");
    expect_refused(&h, 422, "ingest.batch_invalid");
    size_t big = (1u << 20) + 1;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[big] = '\0';
    memcpy(huge, next, strlen(next));
    dev_post_raw(&ing, &meter_b, huge, big, 0, NULL, &h);
    expect_refused(&h, 413, "http.body_too_large");
    free(huge);
    const char *nohdr[] = {"Content-Type: application/json", NULL};
    http_req_headers(&ing, "POST", "/v1/batches", nohdr, next, strlen(next),
                     &h);
    expect_refused(&h, 400, "ingest.headers");

    /* nothing reached the log, nothing reached serve (the 413 is answered
     * by the HTTP layer before ingest counts anything) */
    sleep(1);
    json_t *after = ingest_get(&ing, "/status");
    assert_int_equal(jint(after, "log", "end"), jint(before, "log", "end"));
    assert_int_equal(jint(after, "batches", "messages"),
                     jint(before, "batches", "messages"));
    assert_int_equal(jint(after, "batches", "refused"),
                     jint(before, "batches", "refused") + 8);
    assert_int_equal(events_count(&srv, &admin_c, meter_b.id, NULL, 0),
                     events_before);
    json_decref(before);
    json_decref(after);
    free(good);
    free(next);
}

static void
test_retired_device_is_refused(void **state)
{
    (void)state;
    struct http h;
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/devices/%s/retire", meter_b.id);
    client_req(&srv, &reader_c, "POST", path, NULL, &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &admin_c, "POST", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(json_object_get(h.json, "device"), "status"),
                        "retired");
    http_free(&h);
    client_req(&srv, &admin_c, "POST", path, NULL, &h);
    assert_problem(&h, 409, "device.retired");
    http_free(&h);
    usleep(600000); /* ingest re-reads the registry every 200 ms here */
    json_t *before = ingest_get(&ing, "/status");
    char *body = events_body(meter_b.id, 20, 1, "restored");
    dev_post(&ing, &meter_b, body, &h);
    free(body);
    expect_refused(&h, 403, "ingest.device_retired");
    json_t *after = ingest_get(&ing, "/status");
    assert_int_equal(jint(after, "log", "end"), jint(before, "log", "end"));
    json_decref(before);
    json_decref(after);
}

static void
test_internal_device_events_need_the_token(void **state)
{
    (void)state;
    struct http h;
    const char *body = "{\"events\":[]}";
    const char *none[] = {"Content-Type: application/json", NULL};
    http_req_headers(&srv, "POST", "/internal/v1/device-events", none, body,
                     strlen(body), &h);
    assert_problem(&h, 401, "internal.unauthorized");
    http_free(&h);
    const char *wrong[] = {"Content-Type: application/json",
                           "Authorization: Bearer "
                           "not-the-token-but-long-enough-1234567",
                           NULL};
    http_req_headers(&srv, "POST", "/internal/v1/device-events", wrong, body,
                     strlen(body), &h);
    assert_problem(&h, 401, "internal.unauthorized");
    http_free(&h);
    const char *right[] = {"Content-Type: application/json",
                           "Authorization: Bearer " TOKEN, NULL};
    http_req_headers(&srv, "POST", "/internal/v1/device-events", right, body,
                     strlen(body), &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meter_reader_cannot_register_devices),
        cmocka_unit_test(test_register_shows_key_once_and_links_meter),
        cmocka_unit_test(test_reading_via_ingest_appears_in_metering),
        cmocka_unit_test(test_leak_warning_is_stored_with_point_and_customer),
        cmocka_unit_test(
            test_reading_without_open_period_is_kept_and_fills_the_period),
        cmocka_unit_test(test_duplicate_seq_is_acknowledged_and_dropped),
        cmocka_unit_test(test_refused_batches_change_nothing),
        cmocka_unit_test(test_retired_device_is_refused),
        cmocka_unit_test(test_internal_device_events_need_the_token),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
