/*
 * test_remote_ops.c — remote shutoff and restore (遠隔遮断・復帰) against
 * real serve and ingest processes sharing one data dir.
 *
 * Accounts: an admin and a safety user (both devices.operate), an office
 * user (devices.read only). serve runs with --step-up 40: a sign-in's code
 * counts as step-up for 40 s, after which the last test is refused; and
 * with --remote-op-ttl 10: an operation expires 10 s after its request
 * (or approval) unless it moves on.
 *
 * Cases: the office cannot request; the requester cannot approve their own
 * request; another user's approval queues the command, ingest hands it to
 * the meter in the answer to its next batch (signed with the meter's
 * key), the operation becomes sent, and the meter's shutoff_remote event
 * (code cmd-<id>) confirms it — every step in the tenant's audit log; the
 * sixth shutoff request in an hour is refused (429 remote_op.cap_reached,
 * in Japanese); no web route changes the cap, the operator's CLI does; a
 * restore the meter cannot carry out (its command_failed event) fails the
 * operation, and "sent" is recorded by serve's sweeper without anyone
 * reading the operation; a request nobody decides expires on its own
 * (audited) within the sweep; without a fresh code, requesting and
 * approving are refused.
 */
#include "ingest_util.h"

#include <signal.h>

#define TOKEN "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"

static struct server srv, ing;
static struct account admin, safety, office;
static struct client admin_c, safety_c, office_c;
static char token_file[320];
static struct dev meter;
static long long first_op;

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

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    const char *seed[] = {"seed",      "--data",     srv.data,
                          "--tenants", "1",          "--customers-per-tenant",
                          "100",       "--months",   "1",
                          "--as-of",   "2026-06-15", NULL};
    cli_ok(seed);
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "hoan", "safety", &safety);
    account_make(&srv, "0001", "jimu", "office", &office);
    server_token_file(&srv, TOKEN, token_file, sizeof(token_file));
    const char *extra[] = {"--login-rate",
                           "100000",
                           "--step-up",
                           "40",
                           "--internal-token-file",
                           token_file,
                           "--remote-op-ttl",
                           "10",
                           NULL};
    server_start(&srv, extra);
    const char *iextra[] = {"--refresh-ms", "200", NULL};
    ingest_start(&ing, &srv, token_file, iextra);
    dev_register_cli(&srv, &meter, "NCU-REMOTE-1", "smart_meter");
    account_enroll(&srv, &admin);
    account_enroll(&srv, &safety);
    account_enroll(&srv, &office);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &safety_c, &safety);
    account_sign_in(&srv, &office_c, &office);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&safety_c);
    client_free(&office_c);
    assert_int_equal(server_signal_wait(&ing, SIGTERM), 0);
    server_down(&srv);
    return 0;
}

static void
request(struct client *c, const char *device, const char *action,
        struct http *h)
{
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/devices/%s/%s", device, action);
    client_req(&srv, c, "POST", path,
               "{\"reason\":\"ガス料金未払いによる供給停止（督促済み）\"}", h);
}

static void
decide(struct client *c, long long id, const char *what, struct http *h)
{
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/remote-operations/%lld/%s", id, what);
    client_req(&srv, c, "POST", path, "{}", h);
}

static json_t *
op_get(long long id)
{
    struct http h;
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/remote-operations/%lld", id);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *op = json_incref(json_object_get(h.json, "operation"));
    http_free(&h);
    return op;
}

/* ---------------------------------------------------------------------- */

static void
test_office_cannot_request_a_shutoff(void **state)
{
    (void)state;
    struct http h;
    request(&office_c, meter.id, "shutoff", &h);
    assert_problem(&h, 403, "auth.forbidden");
    http_free(&h);
    client_req(&srv, &office_c, "GET", "/api/v1/remote-operations", NULL, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
}

static void
test_requester_cannot_approve_own_shutoff(void **state)
{
    (void)state;
    struct http h;
    request(&admin_c, meter.id, "shutoff", &h);
    if (h.status != 202)
        fail_msg("%ld %s", h.status, h.body);
    json_t *op = json_object_get(h.json, "operation");
    assert_string_equal(str(op, "status"), "requested");
    first_op = num(op, "id");
    http_free(&h);
    decide(&admin_c, first_op, "approve", &h);
    assert_problem(&h, 403, "remote_op.self_approval");
    assert_true(has_japanese(h.body));
    http_free(&h);
    /* a second one for the same meter while the first is in flight */
    request(&safety_c, meter.id, "shutoff", &h);
    assert_problem(&h, 409, "remote_op.in_flight");
    http_free(&h);
    json_t *o = op_get(first_op);
    assert_string_equal(str(o, "status"), "requested");
    json_decref(o);
}

/* Post a heartbeat as the meter until the answer carries a command. */
static json_t *
heartbeat_until_command(void)
{
    char body[256];
    for (int i = 0; i < 50; i++) {
        struct http h;
        snprintf(body, sizeof(body),
                 "{\"device_id\":\"%s\",\"messages\":[{\"seq\":%lld,\"kind\":"
                 "\"heartbeat\",\"at\":\"2026-06-18T06:00:00+09:00\"}]}",
                 meter.id, (long long)++meter.seq);
        dev_post(&ing, &meter, body, &h);
        assert_int_equal(h.status, 200);
        json_t *cmds = json_object_get(h.json, "commands");
        if (json_array_size(cmds) == 1) {
            json_t *c = json_incref(json_array_get(cmds, 0));
            http_free(&h);
            return c;
        }
        http_free(&h);
        usleep(200000);
    }
    fail_msg("no command reached the meter");
    return NULL;
}

static void
command_verify(const json_t *c)
{
    char line[200], sig[65];
    unsigned char mac[32];
    crypto_auth_hmacsha256_state st;
    const char *ts = str(c, "ts");
    int n =
        snprintf(line, sizeof(line), "%lld\n%s\n%s\n%lld", num(c, "id"),
                 str(c, "device_id"), str(c, "action"), num(c, "expires_s"));
    crypto_auth_hmacsha256_init(&st, meter.key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)line, (size_t)n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(sig, sizeof(sig), mac, sizeof(mac));
    assert_string_equal(sig, str(c, "sig"));
}

static void
test_approved_shutoff_reaches_meter_and_is_confirmed(void **state)
{
    (void)state;
    struct http h;
    char body[400];
    decide(&safety_c, first_op, "approve", &h);
    if (h.status != 200)
        fail_msg("%ld %s", h.status, h.body);
    assert_string_equal(str(json_object_get(h.json, "operation"), "status"),
                        "approved");
    http_free(&h);
    json_t *c = heartbeat_until_command();
    assert_string_equal(str(c, "action"), "shutoff");
    assert_string_equal(str(c, "device_id"), meter.id);
    command_verify(c);
    long long cmd = num(c, "id");
    json_decref(c);
    json_t *o = op_get(first_op);
    assert_string_equal(str(o, "status"), "sent");
    assert_string_equal(str(o, "sent_via"), "http");
    json_decref(o);
    /* the meter shuts off and says so, naming the command */
    snprintf(body, sizeof(body),
             "{\"device_id\":\"%s\",\"messages\":[{\"seq\":%lld,\"kind\":"
             "\"event\",\"at\":\"2026-06-18T06:01:00+09:00\",\"event\":"
             "\"shutoff_remote\",\"code\":\"cmd-%lld\"}]}",
             meter.id, (long long)++meter.seq, cmd);
    dev_post(&ing, &meter, body, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    wait_forwarded(&ing, 15);
    o = op_get(first_op);
    assert_string_equal(str(o, "status"), "confirmed");
    assert_true(num(o, "confirm_event_id") > 0);
    json_decref(o);
    client_req(&srv, &admin_c, "GET", "/api/v1/audit?limit=200", NULL, &h);
    assert_int_equal(h.status, 200);
    const char *steps[] = {"remote_op.request", "remote_op.approve",
                           "remote_op.sent", "remote_op.confirm", NULL};
    for (int i = 0; steps[i]; i++)
        if (!strstr(h.body, steps[i]))
            fail_msg("audit lacks %s", steps[i]);
    http_free(&h);
}

/* The tenant's audit entries of action (new ref: the answer). */
static json_t *
audit_of(const char *action)
{
    struct http h;
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/audit?action=%s&limit=200", action);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *j = json_incref(h.json);
    http_free(&h);
    return j;
}

/* Whether the audit has action for operation id. */
static bool
audited(const char *action, long long id)
{
    char target[48];
    snprintf(target, sizeof(target), "\"remote_op:%lld\"", id);
    json_t *j = audit_of(action);
    char *text = json_dumps(j, JSON_COMPACT);
    bool found = strstr(text, target) != NULL;
    free(text);
    json_decref(j);
    return found;
}

static void
test_a_restore_the_meter_cannot_do_fails_the_operation(void **state)
{
    (void)state;
    struct http h;
    char path[160], body[400];
    snprintf(path, sizeof(path), "/api/v1/devices/%s/restore", meter.id);
    client_req(&srv, &admin_c, "POST", path,
               "{\"reason\":\"支払い確認済み\",\"safety_confirmed\":true}", &h);
    if (h.status != 202)
        fail_msg("%ld %s", h.status, h.body);
    long long op = num(json_object_get(h.json, "operation"), "id");
    http_free(&h);
    decide(&safety_c, op, "approve", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    json_t *c = heartbeat_until_command();
    assert_string_equal(str(c, "action"), "restore");
    command_verify(c);
    long long cmd = num(c, "id");
    json_decref(c);
    /* nobody reads the operation: the sweeper records "sent" */
    for (int i = 0; i < 50 && !audited("remote_op.sent", op); i++)
        usleep(100000);
    assert_true(audited("remote_op.sent", op));
    /* the meter cannot restore (its valve did not open): it says so */
    snprintf(body, sizeof(body),
             "{\"device_id\":\"%s\",\"messages\":[{\"seq\":%lld,\"kind\":"
             "\"event\",\"at\":\"2026-06-18T06:05:00+09:00\",\"event\":"
             "\"command_failed\",\"code\":\"cmd-%lld\"}]}",
             meter.id, (long long)++meter.seq, cmd);
    dev_post(&ing, &meter, body, &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    wait_forwarded(&ing, 15);
    json_t *o = op_get(op);
    assert_string_equal(str(o, "status"), "failed");
    assert_string_equal(str(o, "failure"), "device_reported");
    assert_non_null(str(o, "failed_at"));
    assert_true(num(o, "confirm_event_id") > 0);
    json_decref(o);
    assert_true(audited("remote_op.fail", op));
}

static void
test_sixth_shutoff_in_an_hour_is_refused(void **state)
{
    (void)state;
    struct http h;
    struct dev d;
    char id[32];
    for (int i = 2; i <= 6; i++) { /* the first was operation 1 */
        snprintf(id, sizeof(id), "NCU-CAP-%d", i);
        dev_register_cli(&srv, &d, id, "smart_meter");
        request(i % 2 ? &admin_c : &safety_c, id, "shutoff", &h);
        if (i <= 5 && h.status != 202)
            fail_msg("shutoff %d: %ld %s", i, h.status, h.body);
        if (i == 6) {
            assert_problem(&h, 429, "remote_op.cap_reached");
            assert_true(has_japanese(h.body));
            assert_non_null(strstr(h.body, "1時間に5件"));
        }
        http_free(&h);
    }
    /* restores are not capped */
    request(&admin_c, "NCU-CAP-6", "restore", &h);
    assert_problem(&h, 422, "invalid"); /* safety_confirmed missing */
    http_free(&h);
}

static void
test_web_cannot_change_the_cap_but_the_cli_can(void **state)
{
    (void)state;
    struct http h;
    const char *methods[] = {"PUT", "PATCH", "POST", "DELETE", NULL};
    for (int i = 0; methods[i]; i++) {
        client_req(&srv, &admin_c, methods[i], "/api/v1/remote-operations/cap",
                   "{\"shutoffs_per_hour\":1000}", &h);
        assert_true(h.status == 404 || h.status == 405);
        http_free(&h);
    }
    client_req(&srv, &admin_c, "GET", "/api/v1/remote-operations/cap", NULL,
               &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "shutoffs_per_hour"), 5);
    assert_int_equal(num(h.json, "used_last_hour"), 5);
    assert_string_equal(str(h.json, "changeable"), "cli");
    http_free(&h);
    const char *cap[] = {"remote-ops", "cap",      "--data",
                         srv.data,     "--tenant", "0001",
                         "--per-hour", "6",        NULL};
    cli_ok(cap);
    request(&safety_c, "NCU-CAP-6", "shutoff", &h);
    if (h.status != 202)
        fail_msg("%ld %s", h.status, h.body);
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/audit?action=remote_op.cap",
               NULL, &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(h.body, "remote_op.cap"));
    http_free(&h);
}

static void
test_an_undecided_request_expires_on_its_own(void **state)
{
    (void)state;
    struct http h;
    struct dev d;
    dev_register_cli(&srv, &d, "NCU-EXPIRE-1", "smart_meter");
    client_req(&srv, &admin_c, "POST", "/api/v1/devices/NCU-EXPIRE-1/restore",
               "{\"reason\":\"期限切れの確認\",\"safety_confirmed\":true}", &h);
    if (h.status != 202)
        fail_msg("%ld %s", h.status, h.body);
    long long op = num(json_object_get(h.json, "operation"), "id");
    http_free(&h);
    assert_false(audited("remote_op.expire", op));
    /* 10 s to decide, then the sweep (2 s): nobody reads it meanwhile */
    sleep(10);
    for (int i = 0; i < 50 && !audited("remote_op.expire", op); i++)
        usleep(100000);
    assert_true(audited("remote_op.expire", op));
    json_t *o = op_get(op);
    assert_string_equal(str(o, "status"), "expired");
    json_decref(o);
}

static void
test_without_a_fresh_code_requests_are_refused(void **state)
{
    (void)state;
    struct http h;
    sleep(41); /* the sign-in's code is older than serve's 40 s */
    request(&admin_c, "NCU-CAP-2", "restore", &h);
    assert_problem(&h, 403, "auth.step_up_required");
    http_free(&h);
    decide(&admin_c, first_op + 1, "approve", &h);
    assert_problem(&h, 403, "auth.step_up_required");
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_office_cannot_request_a_shutoff),
        cmocka_unit_test(test_requester_cannot_approve_own_shutoff),
        cmocka_unit_test(test_approved_shutoff_reaches_meter_and_is_confirmed),
        cmocka_unit_test(
            test_a_restore_the_meter_cannot_do_fails_the_operation),
        cmocka_unit_test(test_sixth_shutoff_in_an_hour_is_refused),
        cmocka_unit_test(test_web_cannot_change_the_cap_but_the_cli_can),
        cmocka_unit_test(test_an_undecided_request_expires_on_its_own),
        cmocka_unit_test(test_without_a_fresh_code_requests_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
