/*
 * simulate.c — `pilotlight simulate --data DIR --ingest URL [--mqtt
 * HOST:PORT] [--tenant CODE] [--devices N] [--speed K] [--days D]
 * [--start YYYY-MM-DD]`: realistic monitoring devices for demos and
 * benchmarks, posting to a running `pilotlight ingest`.
 *
 * Devices: the tenant's installed smart meters (meters.device_id) and
 * water-heater adapters (appliances.device_id), at most --devices. Each
 * needs its key: the first run registers it through the registry
 * functions (devices.h, audited as cli:<login>) — or re-keys it when it
 * was registered by someone else, since a key is shown only once — and
 * keeps the keys with the last sequence numbers in --keys (default
 * DIR/simulate-keys.json, mode 0600); later runs go on from there.
 *
 * Each simulated day (86400 / --speed real seconds), every device posts
 * one signed batch (docs/ingest-api.md):
 *   smart meter   a reading at 06:00 JST: the index grows by the day's
 *                 use, a household's mean monthly use (5–25 m³) shaped by
 *                 metering_season_percent() (the seed's curve: January
 *                 twice August) with ±15 % noise; a heartbeat; now and
 *                 then an event (1 in 400 days leak_warning, 1 in 1500
 *                 a shutoff with restored the next day, 1 in 600
 *                 battery_low)
 *   water heater  heater_status (an error code 1 day in 300, cleared the
 *                 next day); a heartbeat
 * Sequence numbers only grow. A batch that fails (no answer, 5xx) is
 * signed again and retried with backoff (0.2 s doubling, 5 tries), then
 * left for the next day (the device keeps its messages: the next batch
 * carries them too). With --mqtt the batches are published on
 * pl/v1/<id>/batch instead (QoS 1), in the same envelope.
 *
 * Remote operations (遠隔遮断・復帰): a smart meter carries out the
 * commands ingest hands it — in the answer to a batch over HTTP
 * ("commands"), on pl/v1/<id>/command with --mqtt — as a meter does: it
 * checks the signature under its own key, the deadline (expires_s) and
 * that it has not carried that command out before (the highest id done
 * and whether its valve is shut are kept in --keys), then
 *   shutoff  shuts its valve (no use until restored; no restore of its
 *            own the next day) and reports shutoff_remote,
 *   restore  opens it and reports restored; a meter that is not shut
 *            reports command_failed,
 * each at once in a batch of its own, its code naming the command
 * ("cmd-17"), so the operation goes sent → confirmed (or failed) in
 * serve. A command it cannot trust is ignored (logged).
 */
#include "audit/audit.h"
#include "auth/devkey.h"
#include "cli.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "metering/metering.h"
#include "monitor/devices.h"
#include "monitor/simulate.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sim_opts {
    char data[4096];
    char ingest[512];
    char mqtt[320];
    char tenant[64];
    char keys[4096];
    char start[16];
    long long devices, days, speed;
    long long seed;
};

#define O(f)  offsetof(struct sim_opts, f)
#define SZ(f) sizeof(((struct sim_opts *)0)->f)

static const struct opt sim_opts_table[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "data directory (the ledger and the device registry)"},
    {"ingest", OPT_STR, O(ingest), SZ(ingest), "http://127.0.0.1:8081", 0, 0, 0,
     "URL", "ingest's base URL"},
    {"mqtt", OPT_STR, O(mqtt), SZ(mqtt), "", 0, 0, 0, "HOST:PORT",
     "publish to this MQTT broker instead of posting over HTTP"},
    {"tenant", OPT_STR, O(tenant), SZ(tenant), "0001", 0, 0, OPT_NO_ENV, "CODE",
     "the tenant whose devices are simulated"},
    {"keys", OPT_STR, O(keys), SZ(keys), "", 0, 0, OPT_NO_ENV, "FILE",
     "device keys and sequence numbers (default DIR/simulate-keys.json)"},
    {"start", OPT_STR, O(start), SZ(start), "", 0, 0, OPT_NO_ENV, "YYYY-MM-DD",
     "the first simulated day (default today, JST)"},
    {"devices", OPT_INT, O(devices), 0, "50", 1, 100000, OPT_NO_ENV, "N",
     "devices to simulate"},
    {"days", OPT_INT, O(days), 0, "0", 0, 100000, OPT_NO_ENV, "D",
     "simulated days to run (0 = until interrupted)"},
    {"speed", OPT_INT, O(speed), 0, "86400", 1, 1000000000, OPT_NO_ENV, "K",
     "simulated seconds per real second (86400: a day per second)"},
    {"seed", OPT_INT, O(seed), 0, "1", 0, 1LL << 40, OPT_NO_ENV, "N",
     "random seed"},
    OPT_END,
};

struct simdev {
    char id[DEVICE_ID_MAX + 1];
    enum device_kind kind;
    unsigned char key[DEVKEY_BYTES];
    int64_t seq;
    int64_t index_tenths, litres_frac; /* meter counter */
    int64_t mean_month_l;
    int64_t last_cmd; /* the highest command id carried out */
    bool shut, heater_error;
    bool remote_shut; /* shut by a remote command: only one restores it */
};

/* Commands heard on MQTT, waiting for the main thread (JSON texts). */
struct cmdq {
    pthread_mutex_t mu;
    char **text;
    size_t n;
};

struct sim {
    const struct sim_opts *o;
    struct simdev *d;
    size_t n;
    uint64_t rng;
    CURL *curl;
    struct mosquitto *mq;
    struct cmdq q;
    char day[11]; /* the simulated day being run */
    int64_t posted, failed, messages, commands;
};

static uint64_t
rnd(struct sim *s)
{
    s->rng ^= s->rng << 13; /* xorshift64 */
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

static bool
chance(struct sim *s, unsigned one_in)
{
    return rnd(s) % one_in == 0;
}

/* ---------------------------------------------------------------------- */
/* Devices and keys                                                       */
/* ---------------------------------------------------------------------- */

static enum err
load_ledger(struct sim *s, struct store *st)
{
    struct stmt *q;
    bool row;
    s->d = xcalloc((size_t)s->o->devices, sizeof(*s->d));
    enum err rc = store_query(
        st, &q,
        "SELECT device_id, 0, coalesce((SELECT r.index_tenths FROM readings r"
        " WHERE r.meter_id = m.id ORDER BY r.read_on DESC, r.id DESC LIMIT 1),"
        " m.initial_index) FROM meters m WHERE m.device_id IS NOT NULL"
        " AND m.removed_date IS NULL"
        " UNION ALL SELECT device_id, 1, 0 FROM appliances"
        " WHERE device_id IS NOT NULL ORDER BY 1 LIMIT $1",
        "i", (int64_t)s->o->devices);
    while (!rc && !(rc = stmt_step(q, &row)) && row) {
        struct simdev *v = &s->d[s->n++];
        snprintf(v->id, sizeof(v->id), "%s", stmt_text(q, 0));
        v->kind = stmt_int(q, 1) ? DEVICE_WATER_HEATER : DEVICE_SMART_METER;
        v->index_tenths = stmt_int(q, 2);
        v->mean_month_l = 5000 + (int64_t)(rnd(s) % 20001);
    }
    stmt_done(q);
    return rc;
}

static enum err
sim_audit(void *arg, struct store *tenant, const char *action,
          const char *target, json_t *detail)
{
    (void)arg;
    char *text = json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(detail);
    enum err rc = audit_record(tenant, cli_actor(), action, target, text);
    free(text);
    return rc;
}

/* A key for v: from the file, else register (or re-key) it now. */
static enum err
key_for(struct sim *s, struct simdev *v, json_t *keys, struct store *platform,
        struct store *tenant, int64_t tenant_id)
{
    json_t *k = json_object_get(keys, v->id);
    char hex[DEVKEY_HEX], warning[256];
    struct device out;
    (void)s;
    if (k &&
        devkey_from_hex(json_string_value(json_object_get(k, "key")), v->key)) {
        v->seq = json_integer_value(json_object_get(k, "seq"));
        v->last_cmd = json_integer_value(json_object_get(k, "cmd"));
        v->remote_shut = json_is_true(json_object_get(k, "remote_shut"));
        return ERR_OK;
    }
    struct device_in in = {v->id, v->kind, 0, 0, "pilotlight simulate"};
    enum err rc = device_register(platform, tenant, tenant_id, &in, cli_actor(),
                                  sim_audit, NULL, &out, hex, warning);
    if (rc == ERR_DEVICE_EXISTS)
        rc = device_rekey(platform, tenant, tenant_id, v->id, cli_actor(),
                          sim_audit, NULL, &out, hex);
    if (!rc && !devkey_from_hex(hex, v->key))
        rc = err_fail(ERR_INTERNAL, "a new key did not parse");
    v->seq = 0;
    devkey_wipe(hex, sizeof(hex));
    return rc;
}

static enum err
keys_save(const struct sim *s, const char *path)
{
    char tmp[4200], hex[DEVKEY_HEX];
    json_t *all = json_object();
    for (size_t i = 0; i < s->n; i++) {
        devkey_hex(s->d[i].key, hex);
        json_object_set_new(all, s->d[i].id,
                            json_pack("{s:s, s:I, s:I, s:b}", "key", hex, "seq",
                                      (json_int_t)s->d[i].seq, "cmd",
                                      (json_int_t)s->d[i].last_cmd,
                                      "remote_shut", s->d[i].remote_shut));
    }
    devkey_wipe(hex, sizeof(hex));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int rc = json_dump_file(all, tmp, JSON_INDENT(1) | JSON_SORT_KEYS);
    json_decref(all);
    if (rc != 0 || chmod(tmp, 0600) != 0 || rename(tmp, path) != 0)
        return err_fail(ERR_CONFIG, "%s: cannot write the keys", path);
    return ERR_OK;
}

static enum err
devices_load(struct sim *s, const char *keys_path)
{
    struct store *platform, *tenant;
    struct tenant t;
    json_t *keys = json_load_file(keys_path, 0, NULL);
    enum err rc = cli_open_platform(s->o->data, &platform);
    if (!rc)
        rc = tenant_find_code(platform, s->o->tenant, &t);
    if (!rc)
        rc = pool_tenant(t.id, &tenant);
    if (!rc)
        rc = load_ledger(s, tenant);
    for (size_t i = 0; !rc && i < s->n; i++)
        rc = key_for(s, &s->d[i], keys, platform, tenant, t.id);
    json_decref(keys);
    if (!rc && !s->n)
        rc = err_fail(ERR_CONFIG,
                      "tenant %s has no meters or appliances with a device "
                      "id (seed it first)",
                      s->o->tenant);
    return rc ? rc : keys_save(s, keys_path);
}

/* ---------------------------------------------------------------------- */
/* One day of one device                                                  */
/* ---------------------------------------------------------------------- */

static void
msg(struct buf *b, struct simdev *v, const char *at, const char *rest)
{
    buf_printf(b, "%s{\"seq\":%" PRId64 ",\"at\":\"%s\",%s}",
               b->data[b->len - 1] == '[' ? "" : ",", ++v->seq, at, rest);
}

static void
meter_day(struct sim *s, struct simdev *v, int month, const char *day,
          struct buf *b)
{
    char at[40], rest[160];
    int64_t use_l = v->mean_month_l * metering_season_percent(month) / 100 / 30;
    use_l = use_l * (85 + (int64_t)(rnd(s) % 31)) / 100; /* ±15 % */
    if (v->shut || v->remote_shut)
        use_l = 0;
    v->litres_frac += use_l;
    v->index_tenths += v->litres_frac / 100; /* tenths of a m³ = 100 L */
    v->litres_frac %= 100;
    snprintf(at, sizeof(at), "%sT06:00:00+09:00", day);
    snprintf(rest, sizeof(rest),
             "\"kind\":\"reading\",\"index\":\"%" PRId64 ".%" PRId64 "\"",
             v->index_tenths / 10 % 100000000, v->index_tenths % 10);
    msg(b, v, at, rest);
    snprintf(at, sizeof(at), "%sT12:%02d:00+09:00", day, (int)(rnd(s) % 60));
    const char *ev = v->remote_shut    ? NULL
                     : v->shut         ? "restored"
                     : chance(s, 1500) ? "shutoff_total_flow"
                     : chance(s, 400)  ? "leak_warning"
                     : chance(s, 600)  ? "battery_low"
                                       : NULL;
    if (ev) {
        snprintf(rest, sizeof(rest), "\"kind\":\"event\",\"event\":\"%s\"", ev);
        msg(b, v, at, rest);
        v->shut = !strcmp(ev, "shutoff_total_flow");
    }
    snprintf(at, sizeof(at), "%sT18:00:00+09:00", day);
    snprintf(rest, sizeof(rest),
             "\"kind\":\"heartbeat\",\"battery_mv\":%d,\"rssi\":%d",
             2900 + (int)(rnd(s) % 300), -60 - (int)(rnd(s) % 40));
    msg(b, v, at, rest);
}

static void
heater_day(struct sim *s, struct simdev *v, const char *day, struct buf *b)
{
    static const char *const codes[] = {"111", "121", "632",
                                        "140", "901", "290"};
    char at[40], rest[120];
    snprintf(at, sizeof(at), "%sT07:%02d:00+09:00", day, (int)(rnd(s) % 60));
    bool err = !v->heater_error && chance(s, 300);
    if (err)
        snprintf(rest, sizeof(rest),
                 "\"kind\":\"heater_status\",\"error\":\"%s\",\"hours\":%d",
                 codes[rnd(s) % 6], 1000 + (int)(rnd(s) % 9000));
    else
        snprintf(rest, sizeof(rest),
                 "\"kind\":\"heater_status\",\"error\":null");
    v->heater_error = err;
    msg(b, v, at, rest);
    snprintf(at, sizeof(at), "%sT18:00:00+09:00", day);
    msg(b, v, at, "\"kind\":\"heartbeat\"");
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                */
/* ---------------------------------------------------------------------- */

/* curl's write callback: the answer into a struct buf (capped). */
static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
    struct buf *b = arg;
    (void)buf_append(b, p, size * n); /* past b->max: the rest is dropped */
    return size * n;
}

/* Post body as v over HTTP, signed anew for each try; true on a 200, with
 * the answer in ans. */
static bool
post_http(struct sim *s, const struct simdev *v, const struct buf *body,
          struct buf *ans)
{
    char url[600], ts[24], sig[DEVKEY_SIG_HEX], h[3][120];
    snprintf(url, sizeof(url), "%s/v1/batches", s->o->ingest);
    for (int attempt = 0; attempt < 5; attempt++) {
        long status = 0;
        snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
        devkey_sign(v->key, ts, body->data, body->len, sig);
        snprintf(h[0], sizeof(h[0]), "X-Device-Id: %s", v->id);
        snprintf(h[1], sizeof(h[1]), "X-Timestamp: %s", ts);
        snprintf(h[2], sizeof(h[2]), "X-Signature: %s", sig);
        struct curl_slist *l =
            curl_slist_append(NULL, "Content-Type: application/json");
        for (int i = 0; i < 3; i++)
            l = curl_slist_append(l, h[i]);
        l = curl_slist_append(l, "Expect:");
        buf_reset(ans);
        curl_easy_setopt(s->curl, CURLOPT_URL, url);
        curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, l);
        curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body->data);
        curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)body->len);
        curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, ans);
        curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 10L);
        if (curl_easy_perform(s->curl) == CURLE_OK)
            curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(l);
        if (status == 200)
            return true;
        if (status >= 400 && status < 500 && status != 409)
            return false; /* refused for good: retrying cannot help */
        usleep((useconds_t)(200000 << attempt));
    }
    return false;
}

static bool
post_mqtt(struct sim *s, const struct simdev *v, const struct buf *body)
{
    char topic[DEVICE_ID_MAX + 16], ts[24], sig[DEVKEY_SIG_HEX];
    struct buf p;
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    devkey_sign(v->key, ts, body->data, body->len, sig);
    buf_init(&p, 2u << 20);
    buf_printf(&p, "%s\n%s\n", ts, sig);
    buf_append(&p, body->data, body->len);
    snprintf(topic, sizeof(topic), "pl/v1/%s/batch", v->id);
    int rc =
        mosquitto_publish(s->mq, NULL, topic, (int)p.len, p.data, 1, false);
    buf_free(&p);
    return rc == MOSQ_ERR_SUCCESS;
}

static void commands_run(struct sim *s, struct simdev *v, const char *text);

/* Send the batch b as v (HTTP or MQTT); count it. Commands in an HTTP
 * answer are carried out at once. */
static void
batch_send(struct sim *s, struct simdev *v, int64_t seq0, struct buf *b)
{
    struct buf ans;
    buf_init(&ans, 1u << 20);
    bool ok = s->mq ? post_mqtt(s, v, b) : post_http(s, v, b, &ans);
    s->posted += ok;
    s->failed += !ok;
    s->messages += ok ? v->seq - seq0 : 0;
    if (ok && ans.len)
        commands_run(s, v, ans.data);
    buf_free(&ans);
}

static void
device_day(struct sim *s, struct simdev *v, int month, const char *day)
{
    struct buf b;
    int64_t seq0 = v->seq;
    buf_init(&b, 1u << 20);
    buf_printf(&b, "{\"device_id\":\"%s\",\"messages\":[", v->id);
    if (v->kind == DEVICE_SMART_METER)
        meter_day(s, v, month, day, &b);
    else
        heater_day(s, v, day, &b);
    buf_puts(&b, "]}");
    batch_send(s, v, seq0, &b);
    buf_free(&b);
}

/* ---------------------------------------------------------------------- */
/* Remote commands                                                        */
/* ---------------------------------------------------------------------- */

static struct simdev *
device_find(struct sim *s, const char *id)
{
    for (size_t i = 0; id && i < s->n; i++)
        if (!strcmp(s->d[i].id, id))
            return &s->d[i];
    return NULL;
}

/* Whether command c is for v, signed with v's key and still valid. */
static bool
command_trusted(const struct simdev *v, const json_t *c, int64_t id)
{
    char line[200];
    const char *dev = json_string_value(json_object_get(c, "device_id"));
    const char *action = json_string_value(json_object_get(c, "action"));
    const char *ts = json_string_value(json_object_get(c, "ts"));
    const char *sig = json_string_value(json_object_get(c, "sig"));
    int64_t expires = json_integer_value(json_object_get(c, "expires_s"));
    if (!dev || !action || !ts || !sig || strcmp(dev, v->id) || id <= 0 ||
        expires <= (int64_t)time(NULL))
        return false;
    int n = snprintf(line, sizeof(line), "%" PRId64 "\n%s\n%s\n%" PRId64, id,
                     dev, action, expires);
    return n > 0 && (size_t)n < sizeof(line) &&
           devkey_verify(v->key, ts, line, (size_t)n, sig, NULL);
}

/* Report event (code cmd-<id>) at once, in a batch of its own. */
static void
command_report(struct sim *s, struct simdev *v, int64_t id, const char *event)
{
    char at[40], rest[120], now[32];
    struct buf b;
    int64_t seq0 = v->seq;
    time_now_iso(now); /* UTC; the time of day goes on the simulated day */
    snprintf(at, sizeof(at), "%sT%.8sZ", s->day, now + 11);
    snprintf(rest, sizeof(rest),
             "\"kind\":\"event\",\"event\":\"%s\",\"code\":\"cmd-%" PRId64 "\"",
             event, id);
    buf_init(&b, 4096);
    buf_printf(&b, "{\"device_id\":\"%s\",\"messages\":[", v->id);
    msg(&b, v, at, rest);
    buf_puts(&b, "]}");
    batch_send(s, v, seq0, &b);
    buf_free(&b);
}

/* Carry out one command as meter v would. */
static void
command_one(struct sim *s, struct simdev *v, const json_t *c)
{
    int64_t id = json_integer_value(json_object_get(c, "id"));
    const char *action = json_string_value(json_object_get(c, "action"));
    const char *event = NULL;
    if (v->kind != DEVICE_SMART_METER || !command_trusted(v, c, id)) {
        log_msg(LOG_WARN, "simulate.command_refused",
                "%s: command %" PRId64 " is not signed for it, or expired",
                v->id, id);
        return;
    }
    if (id <= v->last_cmd) /* carried out already (a resend) */
        return;
    v->last_cmd = id;
    if (!strcmp(action, "shutoff")) {
        v->remote_shut = true;
        event = "shutoff_remote";
    } else if (!strcmp(action, "restore") && (v->remote_shut || v->shut)) {
        v->remote_shut = v->shut = false;
        event = "restored";
    } else {
        event = "command_failed"; /* nothing to restore, or unknown */
    }
    s->commands++;
    printf("%s  command %" PRId64 " %s → %s\n", v->id, id, action, event);
    fflush(stdout);
    command_report(s, v, id, event);
}

/* The commands in text (a batch answer {"commands": [...]} or one command
 * from MQTT) for v, or for the device each names when v is NULL. */
static void
commands_run(struct sim *s, struct simdev *v, const char *text)
{
    json_t *j = json_loads(text, 0, NULL), *c;
    json_t *list = json_object_get(j, "commands");
    size_t i;
    if (!list && json_object_get(j, "action")) {
        struct simdev *to =
            v ? v
              : device_find(s,
                            json_string_value(json_object_get(j, "device_id")));
        if (to)
            command_one(s, to, j);
    }
    json_array_foreach(list, i, c)
    {
        if (v)
            command_one(s, v, c);
    }
    json_decref(j);
}

/* MQTT: a command for one of ours arrived (libmosquitto's thread): queue
 * it for the main thread, which owns the devices. */
static void
on_command(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
    struct sim *s = arg;
    (void)m;
    if (msg->payloadlen <= 0 || msg->payloadlen > 4096)
        return;
    char *text = xmalloc((size_t)msg->payloadlen + 1);
    memcpy(text, msg->payload, (size_t)msg->payloadlen);
    text[msg->payloadlen] = '\0';
    pthread_mutex_lock(&s->q.mu);
    s->q.text = xrealloc(s->q.text, (s->q.n + 1) * sizeof(*s->q.text));
    s->q.text[s->q.n++] = text;
    pthread_mutex_unlock(&s->q.mu);
}

static void
on_connect(struct mosquitto *m, void *arg, int rc)
{
    (void)arg;
    if (rc == 0) /* again after every reconnect */
        mosquitto_subscribe(m, NULL, "pl/v1/+/command", 1);
}

/* Carry out the commands MQTT brought since the last call. */
static void
commands_drain(struct sim *s)
{
    char **text;
    size_t n;
    pthread_mutex_lock(&s->q.mu);
    text = s->q.text;
    n = s->q.n;
    s->q.text = NULL;
    s->q.n = 0;
    pthread_mutex_unlock(&s->q.mu);
    for (size_t i = 0; i < n; i++) {
        commands_run(s, NULL, text[i]);
        free(text[i]);
    }
    free(text);
}

/* Wait us microseconds, carrying out MQTT commands as they come. */
static void
pause_for(struct sim *s, useconds_t us)
{
    do {
        useconds_t step = us > 50000 ? 50000 : us;
        commands_drain(s);
        usleep(step);
        us -= step;
    } while (us > 0);
    commands_drain(s);
}

static enum err
mqtt_connect(struct sim *s)
{
    char host[256];
    const char *colon = strrchr(s->o->mqtt, ':');
    if (!colon || (size_t)(colon - s->o->mqtt) >= sizeof(host))
        return err_fail(ERR_CONFIG, "--mqtt %s: give HOST:PORT", s->o->mqtt);
    snprintf(host, sizeof(host), "%.*s", (int)(colon - s->o->mqtt), s->o->mqtt);
    mosquitto_lib_init();
    s->mq = mosquitto_new(NULL, true, s);
    if (s->mq) {
        mosquitto_connect_callback_set(s->mq, on_connect);
        mosquitto_message_callback_set(s->mq, on_command);
    }
    if (!s->mq ||
        mosquitto_connect(s->mq, host, (int)strtol(colon + 1, NULL, 10), 30) !=
            MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(s->mq) != MOSQ_ERR_SUCCESS)
        return err_fail(ERR_CONFIG, "--mqtt %s: cannot connect", s->o->mqtt);
    return ERR_OK;
}

static enum err
run(struct sim *s, const char *keys_path)
{
    char day[11];
    int64_t d0;
    if (s->o->start[0])
        snprintf(day, sizeof(day), "%s", s->o->start);
    else
        time_today_jst(day);
    if (!time_date_valid(day))
        return err_fail(ERR_CONFIG, "--start %s: give YYYY-MM-DD", day);
    d0 = time_date_days(day);
    useconds_t pause = (useconds_t)(86400LL * 1000000LL / s->o->speed);
    for (long long k = 0; !s->o->days || k < s->o->days; k++) {
        time_date_from_days(d0 + k, day);
        snprintf(s->day, sizeof(s->day), "%s", day);
        int month = (int)strtol(day + 5, NULL, 10);
        for (size_t i = 0; i < s->n; i++)
            device_day(s, &s->d[i], month, day);
        if (pause || s->mq)
            pause_for(s, pause);
        keys_save(s, keys_path); /* sequence numbers and commands, daily */
        printf("%s  batches %" PRId64 "  messages %" PRId64
               "  commands %" PRId64 "  failed %" PRId64 "\n",
               day, s->posted, s->messages, s->commands, s->failed);
        fflush(stdout);
    }
    return ERR_OK;
}

int
simulate_main(int argc, char **argv)
{
    struct sim_opts o;
    struct sim s = {0};
    pthread_mutex_init(&s.q.mu, NULL);
    char keys[4200];
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight simulate --data DIR --ingest URL [options]",
                 "Simulated smart meters and water heaters posting signed "
                 "batches to ingest, following the seed's consumption curves.",
                 sim_opts_table);
        return 0;
    }
    enum err rc = opt_parse(sim_opts_table, &o, argc, argv);
    s.o = &o;
    s.rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)o.seed;
    snprintf(keys, sizeof(keys), "%s", o.keys);
    if (!rc && !keys[0])
        snprintf(keys, sizeof(keys), "%.4000s/simulate-keys.json", o.data);
    if (!rc)
        rc = devices_load(&s, keys);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    s.curl = curl_easy_init();
    if (!rc && o.mqtt[0])
        rc = mqtt_connect(&s);
    if (!rc) {
        printf("simulating %zu device(s) of tenant %s → %s (keys in %s)\n", s.n,
               o.tenant, o.mqtt[0] ? o.mqtt : o.ingest, keys);
        rc = run(&s, keys);
    }
    if (s.mq) {
        mosquitto_disconnect(s.mq);
        mosquitto_loop_stop(s.mq, false);
        mosquitto_destroy(s.mq);
        mosquitto_lib_cleanup();
    }
    curl_easy_cleanup(s.curl);
    for (size_t i = 0; i < s.n; i++)
        devkey_wipe(s.d[i].key, sizeof(s.d[i].key));
    free(s.d);
    for (size_t i = 0; i < s.q.n; i++)
        free(s.q.text[i]);
    free(s.q.text);
    pthread_mutex_destroy(&s.q.mu);
    return rc ? cli_fail("simulate", rc) : 0;
}
