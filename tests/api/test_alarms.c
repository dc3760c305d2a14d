/*
 * test_alarms.c — gas alarms end to end, against real serve and ingest
 * processes sharing one data dir (seed as in test_ingest.c), with a
 * webhook receiver and an SMTP listener in this process.
 *
 * A leak warning posted to ingest reaches the tenant's webhook within a
 * bound, signed (HMAC over timestamp and body with the secret serve showed
 * once), with the tenant, the supply point and the customer; the same
 * alarm is mailed through the SMTP relay; it appears in serve's
 * /api/v1/alarms; acknowledge → dispatch → resolve with the response
 * record works, illegal moves are alarm.state, a meter reader gets 403.
 * With serve stopped a shut-off is still notified, and after serve
 * restarts it appears in /alarms exactly once. A receiver that fails is
 * retried until it answers. A water-heater error opens one repair request
 * (a repeat counts, no second request), which moves received → scheduled
 * → done.
 */
#include "ingest_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>

#define TOKEN "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"
#define SHEET "/api/v1/reading-routes/R02/sheet?month=2026-06"

static struct server srv, ing;
static struct account admin, reader;
static struct client admin_c, reader_c;
static char token_file[320], secret[80];
static struct dev meter, heater;
static int64_t point_id;

/* ---- a webhook receiver ------------------------------------------------ */

#define HOOK_MAX 64
static struct {
    pthread_mutex_t mu;
    int fd, port;
    atomic_int fail; /* answer 503 while set */
    atomic_int refused;
    int n;
    char *body[HOOK_MAX], *head[HOOK_MAX];
    struct timespec at[HOOK_MAX];
} hook = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int
listen_any(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 64), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static void *
hook_main(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(hook.fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char *req = calloc(1, 1 << 20);
        size_t len = 0;
        char *end = NULL;
        long want = -1;
        while (len < (1 << 20) - 1) {
            ssize_t k = read(c, req + len, (1 << 20) - 1 - len);
            if (k <= 0)
                break;
            len += (size_t)k;
            req[len] = '\0';
            if (!end && (end = strstr(req, "\r\n\r\n"))) {
                char *cl = strcasestr(req, "Content-Length:");
                want = cl ? strtol(cl + 15, NULL, 10) : 0;
            }
            if (end && (long)(len - (size_t)(end + 4 - req)) >= want)
                break;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        bool fail = atomic_load(&hook.fail);
        if (fail) {
            atomic_fetch_add(&hook.refused, 1);
        } else if (end) {
            pthread_mutex_lock(&hook.mu);
            if (hook.n < HOOK_MAX) {
                *end = '\0';
                hook.head[hook.n] = strdup(req);
                hook.body[hook.n] = strdup(end + 4);
                hook.at[hook.n++] = now;
            }
            pthread_mutex_unlock(&hook.mu);
        }
        const char *ans = fail ? "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n"
                               : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n";
        if (write(c, ans, strlen(ans)) < 0)
            fail_msg("write");
        close(c);
        free(req);
    }
}

/* ---- an SMTP listener -------------------------------------------------- */

static struct {
    pthread_mutex_t mu;
    int fd, port, n;
    char *mail[16];
} smtp = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void
say(int c, const char *s)
{
    if (write(c, s, strlen(s)) < 0)
        return;
}

static void *
smtp_main(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(smtp.fd, NULL, NULL);
        if (c < 0)
            return NULL;
        FILE *in = fdopen(dup(c), "r");
        char line[4096];
        char *data = calloc(1, 1 << 18);
        size_t dl = 0;
        bool in_data = false;
        say(c, "220 test ESMTP\r\n");
        while (fgets(line, sizeof(line), in)) {
            if (in_data) {
                if (!strcmp(line, ".\r\n")) {
                    in_data = false;
                    pthread_mutex_lock(&smtp.mu);
                    if (smtp.n < 16)
                        smtp.mail[smtp.n++] = strdup(data);
                    pthread_mutex_unlock(&smtp.mu);
                    say(c, "250 ok\r\n");
                } else if (dl + strlen(line) < (1 << 18) - 1) {
                    memcpy(data + dl, line, strlen(line));
                    dl += strlen(line);
                }
            } else if (!strncasecmp(line, "DATA", 4)) {
                in_data = true;
                say(c, "354 go\r\n");
            } else if (!strncasecmp(line, "QUIT", 4)) {
                say(c, "221 bye\r\n");
                break;
            } else {
                say(c, "250 ok\r\n");
            }
        }
        fclose(in);
        close(c);
        free(data);
    }
}

/* ---- set-up ------------------------------------------------------------ */

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

/* A point of R02 whose installed meter has a device id. */
static void
pick_point(char *device, size_t n)
{
    struct http h, m;
    size_t i, k;
    json_t *p, *x;
    char path[96];
    client_req(&srv, &admin_c, "GET", SHEET, NULL, &h);
    assert_int_equal(h.status, 200);
    device[0] = '\0';
    json_array_foreach(json_object_get(h.json, "points"), i, p)
    {
        snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/meters",
                 num(p, "supply_point_id"));
        client_req(&srv, &admin_c, "GET", path, NULL, &m);
        json_array_foreach(json_object_get(m.json, "meters"), k, x)
        {
            if (json_is_null(json_object_get(x, "removed_date")) &&
                str(x, "device_id") && !device[0]) {
                snprintf(device, n, "%s", str(x, "device_id"));
                point_id = num(p, "supply_point_id");
            }
        }
        http_free(&m);
        if (device[0])
            break;
    }
    http_free(&h);
    assert_true(device[0] != '\0');
}

/* a 2-s step-up window: the settings need a fresh one-time code */
static const char *const serve_extra[] = {"--login-rate",
                                          "100000",
                                          "--internal-token-file",
                                          token_file,
                                          "--step-up",
                                          "2",
                                          NULL};

static int
setup(void **state)
{
    (void)state;
    pthread_t t;
    char smtp_url[64], device[72];
    hook.fd = listen_any(&hook.port);
    smtp.fd = listen_any(&smtp.port);
    pthread_create(&t, NULL, hook_main, NULL);
    pthread_detach(t);
    pthread_create(&t, NULL, smtp_main, NULL);
    pthread_detach(t);
    server_prepare(&srv);
    const char *seed[] = {"seed",      "--data",     srv.data,
                          "--tenants", "1",          "--customers-per-tenant",
                          "400",       "--months",   "1",
                          "--as-of",   "2026-06-15", NULL};
    cli_ok(seed);
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    server_token_file(&srv, TOKEN, token_file, sizeof(token_file));
    server_start(&srv, serve_extra);
    snprintf(smtp_url, sizeof(smtp_url), "smtp://127.0.0.1:%d", smtp.port);
    const char *iextra[] = {"--refresh-ms",
                            "200",
                            "--retry-max",
                            "1",
                            "--webhook-allow-private",
                            "true",
                            "--smtp-url",
                            smtp_url,
                            NULL};
    ingest_start(&ing, &srv, token_file, iextra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    pick_point(device, sizeof(device));
    dev_register_cli(&srv, &meter, device, "smart_meter");
    dev_register_cli(&srv, &heater, "WH-ALARM-1", "water_heater");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&reader_c);
    assert_int_equal(server_signal_wait(&ing, SIGTERM), 0);
    server_down(&srv);
    return 0;
}

/* ---- helpers ----------------------------------------------------------- */

static double
ms_since(const struct timespec *t0, const struct timespec *t1)
{
    return (double)(t1->tv_sec - t0->tv_sec) * 1e3 +
           (double)(t1->tv_nsec - t0->tv_nsec) / 1e6;
}

/* Wait until the receiver has more than n deliveries; the index of the
 * first new one, -1 after seconds. */
static int
hook_wait(int n, int seconds)
{
    for (int i = 0; i < seconds * 100; i++) {
        pthread_mutex_lock(&hook.mu);
        int got = hook.n;
        pthread_mutex_unlock(&hook.mu);
        if (got > n)
            return n;
        usleep(10000);
    }
    return -1;
}

static int
hook_count(void)
{
    pthread_mutex_lock(&hook.mu);
    int n = hook.n;
    pthread_mutex_unlock(&hook.mu);
    return n;
}

static void
post_event(struct dev *d, const char *ev)
{
    struct http h;
    char *body = events_body(d->id, ++d->seq, 1, ev);
    dev_post(&ing, d, body, &h);
    free(body);
    assert_int_equal(h.status, 200);
    http_free(&h);
}

/* A header's value in a raw header block (static buffer). */
static const char *
head_of(const char *head, const char *name)
{
    static char v[256];
    const char *p = strcasestr(head, name);
    if (!p)
        return NULL;
    p += strlen(name) + 2;
    size_t n = strcspn(p, "\r\n");
    snprintf(v, sizeof(v), "%.*s", (int)n, p);
    return v;
}

/* How many of serve's alarms are for device d's event seq; *found the
 * last of them (new ref) when found is set. */
static int
serve_alarms_for(const struct dev *d, int64_t seq, json_t **found)
{
    struct http h;
    size_t i;
    json_t *a;
    int n = 0;
    client_req(&srv, &admin_c, "GET", "/api/v1/alarms?limit=200", NULL, &h);
    assert_int_equal(h.status, 200);
    json_array_foreach(json_object_get(h.json, "alarms"), i, a)
    {
        if (!strcmp(str(a, "device_id"), d->id) && num(a, "event_seq") == seq) {
            n++;
            if (found) {
                json_decref(*found);
                *found = json_incref(a);
            }
        }
    }
    http_free(&h);
    return n;
}

static int64_t
wait_serve_alarm(const struct dev *d, int64_t seq, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        json_t *a = NULL;
        if (serve_alarms_for(d, seq, &a) == 1) {
            int64_t id = num(a, "id");
            json_decref(a);
            return id;
        }
        json_decref(a);
        usleep(100000);
    }
    fail_msg("alarm for %s seq %lld not in serve", d->id, (long long)seq);
    return 0;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_settings_show_the_secret_once(void **state)
{
    (void)state;
    struct http h;
    char body[256];
    snprintf(body, sizeof(body),
             "{\"webhook_url\":\"http://127.0.0.1:%d/hook\","
             "\"emails\":[\"hoan@example.jp\"]}",
             hook.port);
    client_req(&srv, &reader_c, "PUT", "/api/v1/alarm-settings", body, &h);
    assert_int_equal(h.status, 403);
    http_free(&h);
    /* where alarms (with customers' addresses) go: a fresh code only */
    sleep(3);
    client_req(&srv, &admin_c, "PUT", "/api/v1/alarm-settings", body, &h);
    assert_problem(&h, 403, "auth.step_up_required");
    http_free(&h);
    char code[8];
    account_code(&admin, code);
    account_post_code(&srv, &admin_c, "/api/v1/auth/step-up", code, &h);
    assert_int_equal(h.status, 204);
    http_free(&h);
    client_req(&srv, &admin_c, "PUT", "/api/v1/alarm-settings", body, &h);
    assert_int_equal(h.status, 200);
    assert_non_null(str(h.json, "webhook_secret"));
    assert_int_equal(strlen(str(h.json, "webhook_secret")), 64);
    snprintf(secret, sizeof(secret), "%s", str(h.json, "webhook_secret"));
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/alarm-settings", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_null(strstr(h.body, secret));
    assert_non_null(strstr(h.body, "hoan@example.jp"));
    http_free(&h);
}

static void
test_leak_alarm_triggers_signed_webhook_with_point_and_customer(void **state)
{
    (void)state;
    struct timespec t0, t1;
    int n = hook_count();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    post_event(&meter, "leak_warning");
    int i = hook_wait(n, 10);
    assert_true(i >= 0);
    pthread_mutex_lock(&hook.mu);
    t1 = hook.at[i];
    char *body = strdup(hook.body[i]), *head = strdup(hook.head[i]);
    pthread_mutex_unlock(&hook.mu);
    double ms = ms_since(&t0, &t1);
    print_message("leak warning → webhook: %.1f ms\n", ms);
    assert_true(ms < 2000); /* generous: sanitizer build, cold start */
    json_t *j = json_loads(body, 0, NULL);
    assert_non_null(j);
    json_t *a = json_object_get(j, "alarm");
    assert_string_equal(str(j, "type"), "gas_alarm");
    assert_string_equal(str(j, "tenant"), "0001");
    assert_string_equal(str(a, "kind"), "leak_warning");
    assert_string_equal(str(a, "label_ja"), "微少漏洩警告");
    assert_string_equal(str(a, "severity"), "warning");
    assert_string_equal(str(a, "device_id"), meter.id);
    assert_int_equal(num(json_object_get(a, "supply_point"), "id"), point_id);
    assert_non_null(str(json_object_get(a, "supply_point"), "address"));
    assert_true(num(json_object_get(a, "customer"), "id") > 0);
    assert_non_null(str(json_object_get(a, "customer"), "name"));
    /* the signature: HMAC-SHA256(secret, timestamp "\n" body) */
    char ts[32], sig[100], want[65];
    unsigned char key[32], mac[32];
    snprintf(ts, sizeof(ts), "%s", head_of(head, "X-Pilotlight-Timestamp"));
    snprintf(sig, sizeof(sig), "%s", head_of(head, "X-Pilotlight-Signature"));
    assert_non_null(head_of(head, "X-Pilotlight-Delivery"));
    assert_int_equal(sodium_hex2bin(key, 32, secret, 64, NULL, NULL, NULL), 0);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, 32);
    crypto_auth_hmacsha256_update(&st, (unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(want, sizeof(want), mac, 32);
    assert_string_equal(sig + 7, want);
    assert_memory_equal(sig, "sha256=", 7);
    json_decref(j);
    free(body);
    free(head);
}

/* The customer page's アラーム tab: the alarms of one customer only. */
static void
test_alarms_of_one_customer(void **state)
{
    (void)state;
    struct http h;
    char path[96];
    client_req(&srv, &admin_c, "GET", "/api/v1/alarms?limit=200", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *a;
    size_t i;
    int64_t cid = 0;
    json_array_foreach(json_object_get(h.json, "alarms"), i, a)
    {
        if (json_is_integer(json_object_get(a, "customer_id")))
            cid = num(a, "customer_id");
    }
    http_free(&h);
    assert_true(cid > 0); /* the leak warning above is at a customer's */
    snprintf(path, sizeof(path), "/api/v1/alarms?customer_id=%lld",
             (long long)cid);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *list = json_object_get(h.json, "alarms");
    assert_true(json_array_size(list) >= 1);
    json_array_foreach(list, i, a) assert_int_equal(num(a, "customer_id"), cid);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/alarms?customer_id=%lld",
             (long long)cid + 100000);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(json_array_size(json_object_get(h.json, "alarms")), 0);
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/alarms?customer_id=x", NULL, &h);
    assert_int_equal(h.status, 422);
    http_free(&h);
}

static void
test_alarm_is_mailed_through_the_relay(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&smtp.mu);
        int n = smtp.n;
        pthread_mutex_unlock(&smtp.mu);
        if (n)
            break;
        usleep(100000);
    }
    pthread_mutex_lock(&smtp.mu);
    assert_true(smtp.n >= 1);
    assert_non_null(strstr(smtp.mail[0], "To: hoan@example.jp"));
    assert_non_null(strstr(smtp.mail[0], "Subject: =?UTF-8?B?"));
    pthread_mutex_unlock(&smtp.mu);
}

static void
test_acknowledge_dispatch_resolve_with_response_record(void **state)
{
    (void)state;
    struct http h;
    char path[128];
    int64_t id = wait_serve_alarm(&meter, meter.seq, 20);
    snprintf(path, sizeof(path), "/api/v1/alarms/%lld/dispatch", (long long)id);
    client_req(&srv, &admin_c, "POST", path, "{\"responder\":\"佐藤\"}", &h);
    assert_problem(&h, 409, "alarm.state"); /* not acknowledged yet */
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/alarms/%lld/acknowledge",
             (long long)id);
    client_req(&srv, &reader_c, "POST", path, "{}", &h);
    assert_int_equal(h.status, 403);
    http_free(&h);
    client_req(&srv, &reader_c, "GET", "/api/v1/alarms", NULL, &h);
    assert_int_equal(h.status, 403);
    http_free(&h);
    client_req(&srv, &admin_c, "POST", path, "{}", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(json_object_get(h.json, "alarm"), "state"),
                        "acknowledged");
    http_free(&h);
    client_req(&srv, &admin_c, "POST", path, "{}", &h);
    assert_problem(&h, 409, "alarm.state");
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/alarms/%lld/dispatch", (long long)id);
    client_req(&srv, &admin_c, "POST", path, "{\"responder\":\"佐藤\"}", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/alarms/%lld/resolve", (long long)id);
    client_req(&srv, &admin_c, "POST", path,
               "{\"findings\":\"ガス栓の閉め忘れ\",\"action\":\"閉栓\"}", &h);
    assert_int_equal(h.status, 422); /* dispatched: arrived_at needed */
    http_free(&h);
    client_req(
        &srv, &admin_c, "POST", path,
        "{\"arrived_at\":\"2026-06-18T06:25:00+09:00\","
        "\"findings\":\"ガス栓の閉め忘れ\",\"action\":\"閉栓・漏えい検査\"}",
        &h);
    assert_int_equal(h.status, 200);
    json_t *a = json_object_get(h.json, "alarm");
    assert_string_equal(str(a, "state"), "resolved");
    json_t *resp = json_object_get(a, "response");
    assert_string_equal(str(resp, "responder"), "佐藤");
    assert_string_equal(str(resp, "arrived_at"), "2026-06-17T21:25:00.000Z");
    assert_string_equal(str(resp, "findings"), "ガス栓の閉め忘れ");
    assert_non_null(json_object_get(a, "resolved"));
    http_free(&h);
    client_req(&srv, &admin_c, "POST", path,
               "{\"findings\":\"x\",\"action\":\"y\"}", &h);
    assert_problem(&h, 409, "alarm.state");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/audit?action=alarm.resolve",
               NULL, &h);
    if (h.status == 200)
        assert_non_null(strstr(h.body, "alarm.resolve"));
    http_free(&h);
}

static void
test_alarm_notified_while_serve_is_down_then_arrives_once(void **state)
{
    (void)state;
    assert_int_equal(server_signal_wait(&srv, SIGTERM), 0);
    int n = hook_count();
    post_event(&meter, "earthquake_shutoff");
    int i = hook_wait(n, 10);
    assert_true(i >= 0);
    pthread_mutex_lock(&hook.mu);
    assert_non_null(strstr(hook.body[i], "earthquake_shutoff"));
    assert_non_null(strstr(hook.body[i], "\"tenant\":\"0001\""));
    pthread_mutex_unlock(&hook.mu);
    server_restart(&srv, serve_extra);
    client_free(&admin_c);
    client_free(&reader_c);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    wait_serve_alarm(&meter, meter.seq, 30);
    wait_forwarded(&ing, 20);
    assert_int_equal(serve_alarms_for(&meter, meter.seq, NULL), 1);
}

static void
test_failing_receiver_is_retried_until_it_answers(void **state)
{
    (void)state;
    int n = hook_count();
    atomic_store(&hook.refused, 0);
    atomic_store(&hook.fail, 1);
    post_event(&meter, "pressure_drop");
    for (int i = 0; i < 100 && atomic_load(&hook.refused) < 2; i++)
        usleep(100000);
    assert_true(atomic_load(&hook.refused) >= 2);
    assert_int_equal(hook_count(), n);
    atomic_store(&hook.fail, 0);
    int i = hook_wait(n, 15);
    assert_true(i >= 0);
    pthread_mutex_lock(&hook.mu);
    assert_non_null(strstr(hook.body[i], "pressure_drop"));
    pthread_mutex_unlock(&hook.mu);
}

static void
test_info_event_is_not_an_alarm(void **state)
{
    (void)state;
    int n = hook_count();
    post_event(&meter, "gas_remaining_low");
    assert_int_equal(hook_wait(n, 2), -1);
}

static void
test_heater_error_opens_one_repair_request(void **state)
{
    (void)state;
    struct http h;
    char body[512];
    for (int k = 0; k < 2; k++) {
        snprintf(body, sizeof(body),
                 "{\"device_id\":\"%s\",\"messages\":[{\"seq\":%lld,"
                 "\"kind\":\"heater_status\",\"at\":"
                 "\"2026-06-18T07:0%d:00+09:00\",\"error\":\"111\"}]}",
                 heater.id, (long long)++heater.seq, k);
        dev_post(&ing, &heater, body, &h);
        assert_int_equal(h.status, 200);
        http_free(&h);
    }
    wait_forwarded(&ing, 20);
    client_req(&srv, &admin_c, "GET", "/api/v1/repair-requests?state=open",
               NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *list = json_object_get(h.json, "repair_requests");
    assert_int_equal(json_array_size(list), 1);
    json_t *r = json_array_get(list, 0);
    assert_string_equal(str(r, "error_code"), "111");
    assert_string_equal(str(r, "label_ja"), "点火不良");
    assert_int_equal(num(r, "occurrences"), 2);
    assert_string_equal(str(r, "state"), "received");
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/repair-requests/%lld", num(r, "id"));
    http_free(&h);
    client_req(&srv, &admin_c, "PATCH", path,
               "{\"state\":\"scheduled\",\"scheduled_for\":\"2026-06-20\"}",
               &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    client_req(&srv, &admin_c, "PATCH", path, "{\"state\":\"received\"}", &h);
    assert_problem(&h, 409, "repair.state");
    http_free(&h);
    client_req(&srv, &admin_c, "PATCH", path, "{\"state\":\"done\"}", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    client_req(&srv, &reader_c, "GET", "/api/v1/repair-requests", NULL, &h);
    assert_int_equal(h.status, 403);
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_show_the_secret_once),
        cmocka_unit_test(
            test_leak_alarm_triggers_signed_webhook_with_point_and_customer),
        cmocka_unit_test(test_alarms_of_one_customer),
        cmocka_unit_test(test_alarm_is_mailed_through_the_relay),
        cmocka_unit_test(
            test_acknowledge_dispatch_resolve_with_response_record),
        cmocka_unit_test(
            test_alarm_notified_while_serve_is_down_then_arrives_once),
        cmocka_unit_test(test_failing_receiver_is_retried_until_it_answers),
        cmocka_unit_test(test_info_event_is_not_an_alarm),
        cmocka_unit_test(test_heater_error_opens_one_repair_request),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
