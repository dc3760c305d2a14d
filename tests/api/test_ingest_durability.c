/*
 * test_ingest_durability.c — nothing ingest acknowledges is lost, and
 * nothing arrives twice, whatever happens to serve or to ingest.
 *
 * Data: one tenant (no ledger needed: device events are stored even when
 * the ledger cannot place them), two smart-meter devices registered with
 * the CLI, events counted in serve's store through GET
 * /api/v1/device-events.
 *
 *   - serve stopped: ingest keeps acknowledging (its log grows, forwarding
 *     fails and is retried); serve restarted: every message arrives
 *     exactly once;
 *   - ingest killed with SIGKILL while a device is posting, restarted: the
 *     device sends again what was not acknowledged (new timestamps), and
 *     every sequence number ends up in serve exactly once; an old seq
 *     after the restart is still a duplicate (the sequence table came
 *     back from ingest.db and the log).
 */
#include "ingest_util.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>

#define TOKEN "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"

static struct server srv, ing;
static struct account admin;
static struct client admin_c;
static char token_file[320];
static struct dev dev_a, dev_b;
static const char *const serve_extra[] = {
    "--login-rate", "100000", "--internal-token-file", token_file, NULL};
/* small segments: the runs below cross several, so compaction runs */
static const char *const ingest_extra[] = {"--segment-size", "64K",
                                           "--retry-max", "1", NULL};

static int
setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    server_prepare(&srv);
    const char *tenant[] = {"tenant", "create", "--data",   srv.data, "--code",
                            "0001",   "--name", "耐久ガス", NULL};
    cli_ok(tenant);
    account_make(&srv, "0001", "admin", "admin", &admin);
    server_token_file(&srv, TOKEN, token_file, sizeof(token_file));
    server_start(&srv, serve_extra);
    ingest_start(&ing, &srv, token_file, ingest_extra);
    dev_register_cli(&srv, &dev_a, "NCU-DURA0001", "smart_meter");
    dev_register_cli(&srv, &dev_b, "NCU-DURA0002", "smart_meter");
    account_enroll(&srv, &admin);
    account_sign_in(&srv, &admin_c, &admin);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    server_signal_wait(&ing, SIGTERM);
    server_down(&srv);
    return 0;
}

/* Post n events from d->seq + 1 on, retrying with a new timestamp until
 * acknowledged (or tries run out); the seqs then count as sent. */
static bool
send_events(struct server *g, struct dev *d, int n, int tries)
{
    char *body = events_body(d->id, d->seq + 1, n, "shutoff_flow_increase");
    bool ok = false;
    for (int t = 0; t < tries && !ok; t++) {
        struct http h;
        memset(&h, 0, sizeof(h));
        dev_post_status(g, d, body, &h);
        ok = h.status == 200;
        http_free(&h);
        if (!ok)
            usleep(100000);
    }
    free(body);
    if (ok)
        d->seq += n;
    return ok;
}

static void
assert_exactly_once(struct dev *d)
{
    int *seen = calloc((size_t)d->seq + 2, sizeof(int));
    size_t n = events_count(&srv, &admin_c, d->id, seen, d->seq + 1);
    for (int64_t s = 1; s <= d->seq; s++)
        if (seen[s] != 1)
            fail_msg("%s seq %lld stored %d times", d->id, (long long)s,
                     seen[s]);
    assert_int_equal(n, (size_t)d->seq);
    free(seen);
}

static void
test_serve_down_ingest_keeps_acknowledging(void **state)
{
    (void)state;
    assert_true(send_events(&ing, &dev_a, 10, 1));
    wait_forwarded(&ing, 20);
    assert_int_equal(server_signal_wait(&srv, SIGTERM), 0);
    for (int i = 0; i < 30; i++)
        assert_true(send_events(&ing, &dev_a, 20, 1)); /* first try */
    json_t *st = ingest_get(&ing, "/status");
    assert_true(jint(st, "forward", "backlog_bytes") > 0);
    json_decref(st);
    sleep(2); /* forwarding fails meanwhile, and is retried */
    st = ingest_get(&ing, "/status");
    assert_true(jint(st, "forward", "failures") > 0);
    json_decref(st);
    server_restart(&srv, serve_extra);
    wait_forwarded(&ing, 60);
    assert_exactly_once(&dev_a); /* 610 events, each once */
    st = ingest_get(&ing, "/status");
    assert_true(jint(st, "log", "compacted_segments") > 0 ||
                jint(st, "log", "seq_covered") > 0);
    json_decref(st);
}

/* The device, posting on its own until told to stop. */
static struct {
    pthread_mutex_t mu;
    bool stop;
    long acked; /* batches acknowledged */
} poster = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void *
poster_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&poster.mu);
        bool stop = poster.stop;
        pthread_mutex_unlock(&poster.mu);
        if (stop)
            break;
        if (send_events(&ing, &dev_b, 25, 100)) {
            pthread_mutex_lock(&poster.mu);
            poster.acked++;
            pthread_mutex_unlock(&poster.mu);
        }
    }
    return NULL;
}

static long
acked(void)
{
    pthread_mutex_lock(&poster.mu);
    long n = poster.acked;
    pthread_mutex_unlock(&poster.mu);
    return n;
}

static void
wait_acked(long n)
{
    for (int i = 0; i < 600 && acked() < n; i++)
        usleep(50000);
    assert_true(acked() >= n);
}

static void
test_kill9_mid_stream_loses_nothing_acknowledged(void **state)
{
    (void)state;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, poster_main, NULL), 0);
    wait_acked(20);
    assert_int_equal(server_signal_wait(&ing, SIGKILL), 128 + SIGKILL);
    usleep(300000); /* the device meets a closed port and retries */
    ingest_start(&ing, &srv, token_file, ingest_extra);
    long at_restart = acked();
    wait_acked(at_restart + 20);
    pthread_mutex_lock(&poster.mu);
    poster.stop = true;
    pthread_mutex_unlock(&poster.mu);
    pthread_join(th, NULL);
    /* an old sequence number is still a duplicate after the restart */
    struct dev old = dev_b;
    old.seq = 0;
    char *body = events_body(dev_b.id, 1, 1, "shutoff_flow_increase");
    struct http h;
    dev_post_status(&ing, &old, body, &h);
    free(body);
    assert_int_equal(h.status, 200);
    assert_int_equal(json_integer_value(json_object_get(h.json, "duplicates")),
                     1);
    http_free(&h);
    wait_forwarded(&ing, 60);
    assert_exactly_once(&dev_b);
    assert_exactly_once(&dev_a); /* the first test's device is untouched */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_down_ingest_keeps_acknowledging),
        cmocka_unit_test(test_kill9_mid_stream_loses_nothing_acknowledged),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
