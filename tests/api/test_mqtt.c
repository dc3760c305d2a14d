/*
 * test_mqtt.c — batches over MQTT: real serve, ingest --mqtt and a
 * mosquitto broker of the test's own (a free port, a minimal config, no
 * persistence), published with Debian's mosquitto_pub.
 *
 * Data: `pilotlight seed` as of 2026-06-15 with one month of history;
 * route R02 (read on the 18th) has an open June period and smart meters.
 *
 * Cases: a signed batch published on pl/v1/<id>/batch is answered on
 * pl/v1/<id>/ack (accepted, after durability) and its reading arrives in
 * metering (source remote); a badly signed one is answered
 * ingest.bad_signature and its reading never arrives; a payload that is
 * not the envelope is answered mqtt.envelope.
 */
#include "ingest_util.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TOKEN "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"
#define SHEET "/api/v1/reading-routes/R02/sheet?month=2026-06"

static struct server srv, ing;
static struct account admin;
static struct client admin_c;
static char token_file[320];
static pid_t broker = -1;
static int broker_port;
static int64_t point_id, point_last;
static struct dev meter;

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t
tenths(const char *s)
{
    long long w = 0, t = 0;
    assert_true(sscanf(s, "%lld.%lld", &w, &t) >= 1);
    return w * 10 + t;
}

static int
port_free(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* mosquitto on a free port: a listener, anonymous, nothing on disk. */
static void
broker_start(void)
{
    char conf[400], port[16];
    broker_port = port_free();
    snprintf(conf, sizeof(conf), "%s/mosquitto.conf", srv.dir);
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f,
            "listener %d 127.0.0.1\nallow_anonymous true\n"
            "persistence false\n",
            broker_port);
    fclose(f);
    snprintf(port, sizeof(port), "%d", broker_port);
    broker = fork();
    assert_true(broker >= 0);
    if (broker == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execlp("mosquitto", "mosquitto", "-c", conf, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) { /* until it listens */
        int fd = raw_connect(broker_port);
        if (fd >= 0) {
            close(fd);
            return;
        }
        usleep(50000);
    }
    fail_msg("mosquitto did not start on port %d", broker_port);
}

/* A point of R02 with a smart meter, no June reading, and its device. */
static void
pick_point(void)
{
    struct http h;
    size_t i, k;
    json_t *p, *m;
    char path[96];
    client_req(&srv, &admin_c, "GET", SHEET, NULL, &h);
    assert_int_equal(h.status, 200);
    json_array_foreach(json_object_get(h.json, "points"), i, p)
    {
        const json_t *prev = json_object_get(p, "previous");
        if (meter.id[0] || !json_is_null(json_object_get(p, "reading")) ||
            json_is_null(prev))
            continue;
        struct http hm;
        int64_t id = json_integer_value(json_object_get(p, "supply_point_id"));
        snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/meters",
                 (long long)id);
        client_req(&srv, &admin_c, "GET", path, NULL, &hm);
        json_t *ms = json_object_get(hm.json, "meters");
        json_array_foreach(ms, k, m)
        {
            if (json_array_size(ms) == 1 && str(m, "device_id")) {
                dev_register_cli(&srv, &meter, str(m, "device_id"),
                                 "smart_meter");
                point_id = id;
                point_last = tenths(str(prev, "index"));
            }
        }
        http_free(&hm);
    }
    http_free(&h);
    assert_true(meter.id[0] != '\0');
}

static void
wait_log(const char *path, const char *what, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        char *log = slurp(path);
        bool found = log && strstr(log, what);
        free(log);
        if (found)
            return;
        usleep(100000);
    }
    fail_msg("%s: no '%s' after %d s", path, what, seconds);
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
    snprintf(token_file, sizeof(token_file), "%s/token", srv.dir);
    FILE *f = fopen(token_file, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", TOKEN);
    fclose(f);
    chmod(token_file, 0600);
    const char *extra[] = {"--login-rate", "100000", "--internal-token-file",
                           token_file, NULL};
    server_start(&srv, extra);
    broker_start();
    char mq[32];
    snprintf(mq, sizeof(mq), "127.0.0.1:%d", broker_port);
    const char *iextra[] = {"--refresh-ms", "200", "--mqtt", mq, NULL};
    ingest_start(&ing, &srv, token_file, iextra);
    wait_log(ing.log, "mqtt.connected", 15);
    account_enroll(&srv, &admin);
    account_sign_in(&srv, &admin_c, &admin);
    pick_point();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    assert_int_equal(server_signal_wait(&ing, SIGTERM), 0);
    if (broker > 0) {
        kill(broker, SIGTERM);
        waitpid(broker, NULL, 0);
    }
    server_down(&srv);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Publishing                                                             */
/* ---------------------------------------------------------------------- */

/* Publish payload on topic with mosquitto_pub (QoS 1) while mosquitto_sub
 * waits for one answer on the ack topic; the answer (malloc'd JSON). */
static json_t *
publish(const char *topic, const char *payload, size_t len)
{
    char file[400], out[400], port[16], ack[128];
    snprintf(file, sizeof(file), "%s/payload", srv.dir);
    snprintf(out, sizeof(out), "%s/ack.json", srv.dir);
    snprintf(port, sizeof(port), "%d", broker_port);
    snprintf(ack, sizeof(ack), "pl/v1/%s/ack", meter.id);
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    fwrite(payload, 1, len, f);
    fclose(f);
    unlink(out);
    pid_t sub = fork();
    if (sub == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        execlp("mosquitto_sub", "mosquitto_sub", "-h", "127.0.0.1", "-p", port,
               "-q", "1", "-t", ack, "-C", "1", "-W", "20", (char *)NULL);
        _exit(127);
    }
    usleep(500000); /* let it subscribe */
    pid_t pub = fork();
    if (pub == 0) {
        execlp("mosquitto_pub", "mosquitto_pub", "-h", "127.0.0.1", "-p", port,
               "-q", "1", "-t", topic, "-f", file, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pub, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    waitpid(sub, &st, 0);
    char *text = slurp(out);
    assert_non_null(text);
    json_t *j = json_loads(text, 0, NULL);
    if (!j)
        fail_msg("ack is not JSON: %s", text);
    free(text);
    return j;
}

/* The envelope "ts\nsig\nbody"; sig_override replaces the signature. */
static char *
envelope(const char *body, const char *sig_override, size_t *len)
{
    char ts[24], sig[65];
    unsigned char mac[32];
    crypto_auth_hmacsha256_state st;
    snprintf(ts, sizeof(ts), "%ld", (long)time(NULL));
    crypto_auth_hmacsha256_init(&st, meter.key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body,
                                  strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(sig, sizeof(sig), mac, sizeof(mac));
    size_t cap = strlen(body) + 128;
    char *p = malloc(cap);
    *len = (size_t)snprintf(p, cap, "%s\n%s\n%s", ts,
                            sig_override ? sig_override : sig, body);
    return p;
}

static bool
reading_arrived(int64_t index_tenths)
{
    struct http h;
    char path[96];
    size_t i;
    json_t *r;
    bool found = false;
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/readings",
             (long long)point_id);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_array_foreach(json_object_get(h.json, "readings"), i, r)
    {
        if (!strcmp(str(r, "read_on"), "2026-06-18") &&
            !strcmp(str(r, "source"), "remote") &&
            tenths(str(r, "index")) == index_tenths)
            found = true;
    }
    http_free(&h);
    return found;
}

static char *
reading_body(int64_t seq, int64_t ix)
{
    char *b = malloc(512);
    snprintf(b, 512,
             "{\"device_id\":\"%s\",\"messages\":[{\"seq\":%lld,\"kind\":"
             "\"reading\",\"at\":\"2026-06-18T06:00:00+09:00\",\"index\":"
             "\"%lld.%lld\"}]}",
             meter.id, (long long)seq, (long long)ix / 10, (long long)ix % 10);
    return b;
}

static void
test_mqtt_badly_signed_batch_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    char topic[128];
    size_t len;
    int64_t ix = point_last + 77;
    snprintf(topic, sizeof(topic), "pl/v1/%s/batch", meter.id);
    char *body = reading_body(1, ix);
    char *p = envelope(body,
                       "00000000000000000000000000000000000000000000"
                       "00000000000000000000",
                       &len);
    json_t *ack = publish(topic, p, len);
    assert_string_equal(str(ack, "code"), "ingest.bad_signature");
    assert_int_equal(json_integer_value(json_object_get(ack, "status")), 401);
    json_decref(ack);
    free(p);
    /* not the envelope at all */
    ack = publish(topic, body, strlen(body));
    assert_string_equal(str(ack, "code"), "mqtt.envelope");
    json_decref(ack);
    free(body);
    json_t *st = ingest_get(&ing, "/status");
    assert_int_equal(jint(st, "batches", "messages"), 0);
    json_decref(st);
    sleep(1);
    assert_false(reading_arrived(ix));
}

static void
test_mqtt_publish_arrives_in_metering(void **state)
{
    (void)state;
    char topic[128];
    size_t len;
    int64_t ix = point_last + 123;
    snprintf(topic, sizeof(topic), "pl/v1/%s/batch", meter.id);
    char *body = reading_body(1, ix);
    char *p = envelope(body, NULL, &len);
    json_t *ack = publish(topic, p, len);
    if (json_integer_value(json_object_get(ack, "accepted")) != 1)
        fail_msg("ack: %s", json_dumps(ack, 0));
    assert_int_equal(json_integer_value(json_object_get(ack, "last_seq")), 1);
    json_decref(ack);
    free(p);
    free(body);
    for (int i = 0; i < 150 && !reading_arrived(ix); i++)
        usleep(100000);
    assert_true(reading_arrived(ix));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_mqtt_badly_signed_batch_is_refused_and_changes_nothing),
        cmocka_unit_test(test_mqtt_publish_arrives_in_metering),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
