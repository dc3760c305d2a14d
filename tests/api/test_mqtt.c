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
 * not the envelope is answered mqtt.envelope. Remote operations: an
 * approved shutoff for a meter heard over MQTT is published on
 * pl/v1/<id>/command at once, signed with the meter's key (sent_via
 * mqtt), and the meter's shutoff_remote published back confirms it.
 * mosquitto restarted: ingest reconnects by itself, subscribes again and
 * takes batches as before. Last, `pilotlight simulate --mqtt` runs as
 * the devices: a shutoff approved while it runs reaches its meter over
 * MQTT and is confirmed.
 */
#include "ingest_util.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define TOKEN "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"
#define SHEET "/api/v1/reading-routes/R02/sheet?month=2026-06"

static struct server srv, ing;
static struct account admin, safety;
static struct client admin_c, safety_c;
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

/* mosquitto on broker_port (a free one when 0): a listener, anonymous,
 * nothing on disk. */
static void
broker_start(void)
{
    char conf[400], port[16];
    if (!broker_port)
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
    account_make(&srv, "0001", "hoan", "safety", &safety);
    server_token_file(&srv, TOKEN, token_file, sizeof(token_file));
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
    account_enroll(&srv, &safety);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &safety_c, &safety);
    pick_point();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&safety_c);
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

/* ---------------------------------------------------------------------- */
/* Remote operations, reconnecting, the simulator                         */
/* ---------------------------------------------------------------------- */

/* Request action on device (admin), approve it (safety); the op id. */
static long long
operate(const char *device, const char *action)
{
    struct http h;
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/devices/%s/%s", device, action);
    client_req(&srv, &admin_c, "POST", path,
               "{\"reason\":\"MQTT経由の遠隔操作\",\"safety_confirmed\":true}",
               &h);
    if (h.status != 202)
        fail_msg("%s: %ld %s", action, h.status, h.body);
    long long op = (long long)json_integer_value(
        json_object_get(json_object_get(h.json, "operation"), "id"));
    http_free(&h);
    snprintf(path, sizeof(path), "/api/v1/remote-operations/%lld/approve", op);
    client_req(&srv, &safety_c, "POST", path, "{}", &h);
    if (h.status != 200)
        fail_msg("approve: %ld %s", h.status, h.body);
    http_free(&h);
    return op;
}

/* Operation op (new ref). */
static json_t *
op_get(long long op)
{
    struct http h;
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/remote-operations/%lld", op);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *o = json_incref(json_object_get(h.json, "operation"));
    http_free(&h);
    return o;
}

/* Wait up to seconds for op to reach status. */
static void
op_wait(long long op, const char *status, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        json_t *o = op_get(op);
        bool done = !strcmp(str(o, "status"), status);
        json_decref(o);
        if (done)
            return;
        usleep(100000);
    }
    json_t *o = op_get(op);
    fail_msg("operation %lld: %s, not %s", op, str(o, "status"), status);
}

static void
test_mqtt_command_topic_carries_an_approved_shutoff(void **state)
{
    (void)state;
    char out[400], port[16], topic[128], body[400];
    size_t len;
    snprintf(out, sizeof(out), "%s/command.json", srv.dir);
    snprintf(port, sizeof(port), "%d", broker_port);
    snprintf(topic, sizeof(topic), "pl/v1/%s/command", meter.id);
    unlink(out);
    pid_t sub = fork();
    if (sub == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        execlp("mosquitto_sub", "mosquitto_sub", "-h", "127.0.0.1", "-p", port,
               "-q", "1", "-t", topic, "-C", "1", "-W", "20", (char *)NULL);
        _exit(127);
    }
    usleep(500000); /* let it subscribe */
    /* the meter was heard over MQTT (the test before): no batch needed */
    long long op = operate(meter.id, "shutoff");
    int st;
    waitpid(sub, &st, 0);
    char *text = slurp(out);
    json_t *c = text ? json_loads(text, 0, NULL) : NULL;
    if (!c)
        fail_msg("no command on %s: %s", topic, text ? text : "");
    free(text);
    assert_string_equal(str(c, "action"), "shutoff");
    assert_string_equal(str(c, "device_id"), meter.id);
    /* signed with the meter's key: ts "\n" id "\n" device "\n" action
     * "\n" expires_s */
    char line[200], sig[65];
    unsigned char mac[32];
    crypto_auth_hmacsha256_state hs;
    long long cmd = (long long)json_integer_value(json_object_get(c, "id"));
    int n = snprintf(
        line, sizeof(line), "%lld\n%s\nshutoff\n%lld", cmd, meter.id,
        (long long)json_integer_value(json_object_get(c, "expires_s")));
    crypto_auth_hmacsha256_init(&hs, meter.key, 32);
    crypto_auth_hmacsha256_update(&hs, (const unsigned char *)str(c, "ts"),
                                  strlen(str(c, "ts")));
    crypto_auth_hmacsha256_update(&hs, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&hs, (const unsigned char *)line, (size_t)n);
    crypto_auth_hmacsha256_final(&hs, mac);
    sodium_bin2hex(sig, sizeof(sig), mac, sizeof(mac));
    assert_string_equal(sig, str(c, "sig"));
    json_decref(c);
    /* ingest marks it sent right after handing it to the broker */
    op_wait(op, "sent", 5);
    json_t *o = op_get(op);
    assert_string_equal(str(o, "sent_via"), "mqtt");
    json_decref(o);
    /* the meter shuts off and says so over MQTT */
    snprintf(body, sizeof(body),
             "{\"device_id\":\"%s\",\"messages\":[{\"seq\":2,\"kind\":"
             "\"event\",\"at\":\"2026-06-18T06:01:00+09:00\",\"event\":"
             "\"shutoff_remote\",\"code\":\"cmd-%lld\"}]}",
             meter.id, cmd);
    snprintf(topic, sizeof(topic), "pl/v1/%s/batch", meter.id);
    char *p = envelope(body, NULL, &len);
    json_t *ack = publish(topic, p, len);
    free(p);
    assert_int_equal(json_integer_value(json_object_get(ack, "accepted")), 1);
    json_decref(ack);
    op_wait(op, "confirmed", 15);
}

/* How many times what is in the log at path. */
static int
log_count(const char *path, const char *what)
{
    char *log = slurp(path);
    int n = 0;
    for (const char *p = log; p && (p = strstr(p, what)); p += strlen(what))
        n++;
    free(log);
    return n;
}

static void
test_mqtt_ingest_reconnects_after_the_broker_restarts(void **state)
{
    (void)state;
    char topic[128];
    size_t len;
    int connected = log_count(ing.log, "\"mqtt.connected\"");
    assert_true(connected >= 1);
    kill(broker, SIGTERM);
    waitpid(broker, NULL, 0);
    broker = -1;
    wait_log(ing.log, "mqtt.disconnected", 15);
    broker_start(); /* the same port again */
    for (int i = 0; i < 400; i++) {
        if (log_count(ing.log, "\"mqtt.connected\"") > connected)
            break;
        usleep(100000);
    }
    assert_true(log_count(ing.log, "\"mqtt.connected\"") > connected);
    /* subscribed again: a batch is taken and answered as before */
    int64_t ix = point_last + 150; /* later that day: higher, it replaces */
    snprintf(topic, sizeof(topic), "pl/v1/%s/batch", meter.id);
    char *body = reading_body(3, ix);
    char *p = envelope(body, NULL, &len);
    json_t *ack = publish(topic, p, len);
    if (json_integer_value(json_object_get(ack, "accepted")) != 1)
        fail_msg("ack after reconnect: %s", json_dumps(ack, 0));
    json_decref(ack);
    free(p);
    free(body);
    for (int i = 0; i < 150 && !reading_arrived(ix); i++)
        usleep(100000);
    assert_true(reading_arrived(ix));
}

/* A smart meter among the simulator's devices (keys file at path). */
static bool
simulated_meter(const char *path, char *id, size_t n)
{
    const char *k;
    json_t *v;
    json_t *keys = json_load_file(path, 0, NULL);
    id[0] = '\0';
    json_object_foreach(keys, k, v)
    {
        if (!id[0] && !strncmp(k, "NCU-", 4))
            snprintf(id, n, "%s", k);
    }
    json_decref(keys);
    return id[0] != '\0';
}

static void
test_mqtt_simulator_carries_out_a_shutoff(void **state)
{
    (void)state;
    char mq[32], keys[400], log[400], id[72] = "";
    snprintf(mq, sizeof(mq), "127.0.0.1:%d", broker_port);
    snprintf(keys, sizeof(keys), "%s/sim-keys.json", srv.dir);
    snprintf(log, sizeof(log), "%s/sim.out", srv.dir);
    pid_t sim = fork();
    assert_true(sim >= 0);
    if (sim == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(bin_path(), bin_path(), "simulate", "--data", srv.data, "--mqtt",
              mq, "--keys", keys, "--devices", "4", "--days", "60", "--speed",
              "172800", "--start", "2026-06-25", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && !simulated_meter(keys, id, sizeof(id)); i++)
        usleep(100000);
    assert_true(id[0] != '\0');
    wait_log(log, "batches", 15); /* its meters were heard over MQTT */
    long long op = operate(id, "shutoff");
    op_wait(op, "confirmed", 20);
    json_t *o = op_get(op);
    assert_string_equal(str(o, "sent_via"), "mqtt");
    json_decref(o);
    wait_log(log, "→ shutoff_remote", 5);
    kill(sim, SIGTERM);
    waitpid(sim, NULL, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_mqtt_badly_signed_batch_is_refused_and_changes_nothing),
        cmocka_unit_test(test_mqtt_publish_arrives_in_metering),
        cmocka_unit_test(test_mqtt_command_topic_carries_an_approved_shutoff),
        cmocka_unit_test(test_mqtt_ingest_reconnects_after_the_broker_restarts),
        cmocka_unit_test(test_mqtt_simulator_carries_out_a_shutoff),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
