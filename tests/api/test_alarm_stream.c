/*
 * test_alarm_stream.c — GET /api/v1/alarms/stream (Server-Sent Events)
 * against real serve and ingest processes sharing one data dir.
 *
 * A console stream opened with libcurl receives the alarm of a leak
 * warning posted to ingest within seconds (event: alarm, id: the change
 * seq), then the acknowledgement made through the API as another event;
 * a stream resumed with Last-Event-ID gets only what came after; a meter
 * reader (no alarms.read) is refused; a ninth stream of one user is 503;
 * SIGTERM with streams open still drains and exits 0 at once.
 */
#include "ingest_util.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>

#define TOKEN "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"
#define SHEET "/api/v1/reading-routes/R02/sheet?month=2026-06"

static struct server srv, ing;
static struct account admin, reader;
static struct client admin_c, reader_c;
static char token_file[320];
static struct dev meter;
static long long first_id, alarm_id;

static const char *const serve_extra[] = {
    "--login-rate", "100000", "--internal-token-file", token_file, NULL};

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

/* ---- a stream read by libcurl in a thread ------------------------------ */

struct stream {
    pthread_t th;
    pthread_mutex_t mu;
    char url[128], cookie[256], last_id[64];
    char *text;
    size_t len;
    long status;
    atomic_int stop, done;
};

static size_t
stream_sink(char *p, size_t size, size_t n, void *arg)
{
    struct stream *s = arg;
    pthread_mutex_lock(&s->mu);
    s->text = realloc(s->text, s->len + size * n + 1);
    memcpy(s->text + s->len, p, size * n);
    s->len += size * n;
    s->text[s->len] = '\0';
    pthread_mutex_unlock(&s->mu);
    return size * n;
}

static int
stream_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
                curl_off_t d)
{
    struct stream *s = arg;
    (void)a, (void)b, (void)c, (void)d;
    return atomic_load(&s->stop);
}

static void *
stream_main(void *arg)
{
    struct stream *s = arg;
    struct curl_slist *l = curl_slist_append(NULL, s->cookie);
    if (s->last_id[0])
        l = curl_slist_append(l, s->last_id);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, s->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, l);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, stream_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_perform(c);
    long st = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    pthread_mutex_lock(&s->mu);
    s->status = st;
    pthread_mutex_unlock(&s->mu);
    curl_easy_cleanup(c);
    curl_slist_free_all(l);
    atomic_store(&s->done, 1);
    return NULL;
}

/* The Cookie header of client c's serve session. */
static void
session_header(struct client *c, char *out, size_t n)
{
    char v[200];
    assert_true(client_cookie(c, "pl_session", v, sizeof(v)));
    snprintf(out, n, "Cookie: pl_session=%s", v);
}

static void
stream_open(struct stream *s, struct client *c, long long last_id)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/api/v1/alarms/stream",
             srv.port);
    session_header(c, s->cookie, sizeof(s->cookie));
    if (last_id >= 0)
        snprintf(s->last_id, sizeof(s->last_id), "Last-Event-ID: %lld",
                 last_id);
    pthread_create(&s->th, NULL, stream_main, s);
}

static void
stream_close(struct stream *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->th, NULL);
    free(s->text);
    pthread_mutex_destroy(&s->mu);
}

/* Wait until the stream's text holds needle after offset from; the
 * offset of the match, or -1 after seconds. */
static long
stream_wait(struct stream *s, const char *needle, size_t from, int seconds)
{
    for (int i = 0; i < seconds * 20; i++) {
        pthread_mutex_lock(&s->mu);
        const char *p =
            s->text && s->len > from ? strstr(s->text + from, needle) : NULL;
        long at = p ? (long)(p - s->text) : -1;
        pthread_mutex_unlock(&s->mu);
        if (at >= 0)
            return at;
        if (atomic_load(&s->done))
            return -1;
        usleep(50000);
    }
    return -1;
}

/* The event (id and data) that starts at or before offset at. */
static json_t *
event_at(struct stream *s, long at, long long *id)
{
    pthread_mutex_lock(&s->mu);
    char *start = s->text + at;
    while (start > s->text && strncmp(start, "event: alarm\n", 13))
        start--;
    const char *i = strstr(start, "\nid: ");
    const char *d = strstr(start, "\ndata: ");
    assert_non_null(i);
    assert_non_null(d);
    *id = strtoll(i + 5, NULL, 10);
    json_t *j = json_loadb(d + 7, strcspn(d + 7, "\n"), 0, NULL);
    pthread_mutex_unlock(&s->mu);
    assert_non_null(j);
    return j;
}

/* ---- set-up ------------------------------------------------------------ */

static void
pick_device(char *device, size_t n)
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
                str(x, "device_id") && !device[0])
                snprintf(device, n, "%s", str(x, "device_id"));
        }
        http_free(&m);
        if (device[0])
            break;
    }
    http_free(&h);
    assert_true(device[0] != '\0');
}

static int
setup(void **state)
{
    (void)state;
    char device[72];
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
    const char *iextra[] = {"--refresh-ms", "200", "--retry-max", "1", NULL};
    ingest_start(&ing, &srv, token_file, iextra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    pick_device(device, sizeof(device));
    dev_register_cli(&srv, &meter, device, "smart_meter");
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

/* ---- tests ------------------------------------------------------------- */

static double
secs_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
test_stream_sends_new_alarm_then_its_acknowledgement(void **state)
{
    (void)state;
    struct stream s;
    struct http h;
    struct timespec t0;
    char want[128], path[96];
    long long id2;
    stream_open(&s, &admin_c, -1);
    assert_true(stream_wait(&s, "retry: ", 0, 10) >= 0); /* it is open */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *body = events_body(meter.id, ++meter.seq, 1, "leak_warning");
    dev_post(&ing, &meter, body, &h);
    free(body);
    assert_int_equal(h.status, 200);
    http_free(&h);
    snprintf(want, sizeof(want), "\"event_seq\":%lld", (long long)meter.seq);
    long at = stream_wait(&s, want, 0, 15);
    assert_true(at >= 0);
    print_message("leak warning → console stream: %.2f s\n", secs_since(&t0));
    json_t *a = event_at(&s, at, &first_id);
    assert_string_equal(str(a, "kind"), "leak_warning");
    assert_string_equal(str(a, "state"), "open");
    assert_string_equal(str(a, "device_id"), meter.id);
    assert_int_equal(num(a, "seq"), first_id);
    alarm_id = num(a, "id");
    json_decref(a);
    /* an acknowledgement in the console is a new event of the alarm */
    snprintf(path, sizeof(path), "/api/v1/alarms/%lld/acknowledge", alarm_id);
    client_req(&srv, &admin_c, "POST", path, "{}", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    at = stream_wait(&s, "\"state\":\"acknowledged\"", (size_t)at, 10);
    assert_true(at >= 0);
    a = event_at(&s, at, &id2);
    assert_int_equal(num(a, "id"), alarm_id);
    assert_true(id2 > first_id);
    json_decref(a);
    stream_close(&s);
}

static void
test_last_event_id_resumes_after_that_change(void **state)
{
    (void)state;
    struct stream s;
    stream_open(&s, &admin_c, first_id);
    long at = stream_wait(&s, "\"state\":\"acknowledged\"", 0, 10);
    assert_true(at >= 0);
    pthread_mutex_lock(&s.mu);
    assert_null(strstr(s.text, "\"state\":\"open\"")); /* not sent again */
    pthread_mutex_unlock(&s.mu);
    stream_close(&s);
    /* a bad Last-Event-ID is refused */
    struct http h;
    char cookie[256];
    session_header(&admin_c, cookie, sizeof(cookie));
    const char *bad[] = {cookie, "Last-Event-ID: -3", NULL};
    http_req_headers(&srv, "GET", "/api/v1/alarms/stream", bad, NULL, 0, &h);
    assert_int_equal(h.status, 422);
    http_free(&h);
}

static void
test_reader_is_refused(void **state)
{
    (void)state;
    struct stream s;
    stream_open(&s, &reader_c, -1);
    for (int i = 0; i < 100 && !atomic_load(&s.done); i++)
        usleep(50000);
    assert_true(atomic_load(&s.done));
    assert_int_equal(s.status, 403);
    stream_close(&s);
}

/* Open a stream on a raw socket; the status line's code. */
static int
raw_stream(int *fd)
{
    char req[512], cookie[256], out[2048];
    size_t got = 0;
    session_header(&admin_c, cookie, sizeof(cookie));
    int n = snprintf(req, sizeof(req),
                     "GET /api/v1/alarms/stream HTTP/1.1\r\nHost: t\r\n%s\r\n"
                     "\r\n",
                     cookie);
    *fd = raw_connect(srv.port);
    assert_true(*fd >= 0);
    assert_int_equal(send(*fd, req, (size_t)n, MSG_NOSIGNAL), n);
    struct pollfd p = {.fd = *fd, .events = POLLIN};
    while (got + 1 < sizeof(out) && poll(&p, 1, 5000) > 0) {
        ssize_t r = recv(*fd, out + got, sizeof(out) - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
        out[got] = '\0';
        if (strstr(out, "\r\n\r\n"))
            break;
    }
    out[got] = '\0';
    return got > 12 ? atoi(out + 9) : 0;
}

static void
test_streams_are_bounded_and_shutdown_still_drains(void **state)
{
    (void)state;
    int fds[9];
    sleep(2); /* the streams closed before are noticed within a tick */
    for (int i = 0; i < 8; i++)
        assert_int_equal(raw_stream(&fds[i]), 200);
    assert_int_equal(raw_stream(&fds[8]), 503);
    close(fds[8]);
    /* SIGTERM with 8 streams open: they end, serve exits 0 at once */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(server_signal_wait(&srv, SIGTERM), 0);
    double took = secs_since(&t0);
    print_message("drain with 8 open streams: %.2f s\n", took);
    assert_true(took < 5.0);
    char out[4096];
    size_t got = 0;
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    while (got + 1 < sizeof(out) && poll(&p, 1, 2000) > 0) {
        ssize_t r = recv(fds[0], out + got, sizeof(out) - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    out[got] = '\0';
    assert_non_null(strstr(out, "0\r\n\r\n")); /* the stream's last chunk */
    for (int i = 0; i < 8; i++)
        close(fds[i]);
    char *log = slurp(srv.log);
    assert_non_null(strstr(log, "all requests finished"));
    free(log);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_sends_new_alarm_then_its_acknowledgement),
        cmocka_unit_test(test_last_event_id_resumes_after_that_change),
        cmocka_unit_test(test_reader_is_refused),
        cmocka_unit_test(test_streams_are_bounded_and_shutdown_still_drains),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
