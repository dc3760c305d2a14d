/*
 * notify_alarm.c — gas alarms on ingest's side: they must reach people
 * while serve is down (the 2023 incident), so ingest keeps them itself.
 *
 * Recording. When a batch is durable, the request thread (ingest_api.c)
 * calls alarm_on_batch before it answers: every event that is an alarm
 * (alarm_classify, the same rule serve uses) becomes a row of ingest.db's
 * alarms, UNIQUE by device, epoch and seq. Duplicates are looked at too:
 * if ingest died between the log's fdatasync and this insert, the device
 * got no 200, sends again, and the resent (duplicate) message makes the
 * alarm then. So an acknowledged alarm is always in ingest.db.
 *
 * Fan-out. The notifier thread takes alarms not yet fanned out, reads the
 * tenant's targets and the alarm's place (supply point address, customer)
 * from the tenant's store DATA/tenants/<id>.db — opened read only
 * (store_open_readonly), never written — and writes one outbox row per target.
 * The targets read are kept in ingest.db's alarm_targets: when the tenant store
 * cannot be read, the last known targets are used.
 *
 * Delivery. Outbox rows are sent oldest first; a failure is retried with
 * backoff (0.5 s doubling to --retry-max), for 24 hours. Delivered rows
 * keep delivered_at; nothing is lost on a restart (the outbox is in
 * ingest.db, synchronous=FULL). Delivery is at least once: receivers drop
 * repeats by X-Pilotlight-Delivery.
 *
 * Webhook: POST JSON (docs/ingest-api.md "Alarm webhooks") with
 *   X-Pilotlight-Event: gas_alarm
 *   X-Pilotlight-Delivery: alarm-<ingest alarm id>
 *   X-Pilotlight-Timestamp: <Unix seconds>
 *   X-Pilotlight-Signature: sha256=hex(HMAC-SHA256(secret, ts "\n" body))
 * where secret is the 32 bytes whose hex serve showed once. E-mail: SMTP
 * through --smtp-url (libcurl), text/plain UTF-8.
 *
 * Acknowledgements made on ingest's own page are outbox rows too (channel
 * serve_ack), posted to serve's /internal/v1/alarm-acks until serve
 * answers acknowledged or already.
 */
#include "monitor/notify_alarm.h"
#include "auth/devkey.h"
#include "auth/notify.h"
#include "auth/outbound.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "monitor/alarm.h"
#include "monitor/ingest_int.h"
#include "store/migrate.h"
#include "store/pool.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GIVE_UP_MS  (24LL * 3600 * 1000)
#define FIRST_RETRY 500 /* ms */
#define PASS_MAX    50

const struct migration alarms_ingest_migrations[] = {
    {"alarms", 1,
     "CREATE TABLE alarms ("
     " id INTEGER PRIMARY KEY,"
     " tenant TEXT NOT NULL,"
     " tenant_id INTEGER NOT NULL,"
     " device_id TEXT NOT NULL,"
     " epoch INTEGER NOT NULL,"
     " seq INTEGER NOT NULL,"
     " category TEXT NOT NULL,"
     " kind TEXT NOT NULL,"
     " severity TEXT NOT NULL,"
     " shutoff INTEGER NOT NULL,"
     " vendor_code TEXT,"
     " error_code TEXT,"
     " device_at TEXT NOT NULL,"
     " received_ms INTEGER NOT NULL,"
     " meter_id INTEGER,"
     " appliance_id INTEGER,"
     " supply_point_id INTEGER,"
     " customer_id INTEGER,"
     " customer_name TEXT,"
     " address TEXT,"
     " state TEXT NOT NULL DEFAULT 'open'"
     "  CHECK (state IN ('open', 'acknowledged')),"
     " acked_by TEXT,"
     " acked_at TEXT,"
     " fanned INTEGER NOT NULL DEFAULT 0,"
     " UNIQUE (device_id, epoch, seq));"
     "CREATE INDEX alarms_fan ON alarms (fanned, id);"
     "CREATE INDEX alarms_tenant ON alarms (tenant_id, state, id);"
     "CREATE TABLE alarm_outbox ("
     " id INTEGER PRIMARY KEY,"
     " alarm_id INTEGER NOT NULL REFERENCES alarms (id),"
     " channel TEXT NOT NULL"
     "  CHECK (channel IN ('webhook', 'email', 'serve_ack')),"
     " destination TEXT NOT NULL,"
     " attempts INTEGER NOT NULL DEFAULT 0,"
     " created_ms INTEGER NOT NULL,"
     " next_ms INTEGER NOT NULL,"
     " delivered_at TEXT,"
     " last_error TEXT,"
     " UNIQUE (alarm_id, channel, destination));"
     "CREATE INDEX alarm_outbox_due ON alarm_outbox (delivered_at, next_ms);"
     "CREATE TABLE alarm_targets ("
     " tenant_id INTEGER NOT NULL PRIMARY KEY,"
     " webhook_url TEXT,"
     " webhook_secret TEXT,"
     " emails TEXT,"
     " synced_at TEXT NOT NULL);"},
    {NULL, 0, NULL},
};

static struct {
    pthread_mutex_t mu; /* rec and the wake flag */
    pthread_cond_t cv;
    struct store *rec; /* request threads' connection (under mu) */
    bool wake, stop, running;
    pthread_t th;
} N = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int64_t
now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------------- */
/* Recording (request threads)                                            */
/* ---------------------------------------------------------------------- */

static enum err
record_one(struct store *st, const struct reg_view *v, const char *device_id,
           json_t *m, int64_t recv_ms)
{
    const char *kind = json_string_value(json_object_get(m, "kind"));
    bool meter = kind && !strcmp(kind, "event");
    const char *cat = meter ? "meter_event" : "heater_status";
    const char *ev = json_string_value(json_object_get(m, "event"));
    const char *code = json_string_value(json_object_get(m, "error"));
    enum severity sev;
    if (!alarm_classify(cat, meter ? ev : "heater_error", code, &sev))
        return ERR_OK;
    const struct meter_event *me = meter ? meter_event_find(ev) : NULL;
    return store_run(
        st,
        "INSERT INTO alarms (tenant, tenant_id, device_id, epoch, seq,"
        " category, kind, severity, shutoff, vendor_code, error_code,"
        " device_at, received_ms, meter_id, appliance_id, supply_point_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
        " NULLIF($14, 0), NULLIF($15, 0), NULLIF($16, 0))"
        " ON CONFLICT DO NOTHING",
        "titiitttitttiiii", v->tenant, v->tenant_id, device_id, v->epoch,
        (int64_t)json_integer_value(json_object_get(m, "seq")), cat,
        meter ? ev : "heater_error", severity_name(sev),
        (int64_t)(me && me->shutoff),
        json_string_value(json_object_get(m, "code")), code,
        json_string_value(json_object_get(m, "at")), recv_ms, v->meter_id,
        v->appliance_id, v->supply_point_id);
}

enum err
alarm_on_batch(const struct reg_view *v, const char *device_id,
               const struct batch *b, int64_t recv_ms)
{
    enum err rc = ERR_OK;
    bool any = false, began = false;
    for (size_t i = 0; !rc && i < b->n; i++) {
        const struct batch_msg *bm = &b->msgs[i];
        if (bm->kind != MSG_EVENT && bm->kind != MSG_HEATER_STATUS)
            continue;
        json_t *m = json_loadb(b->text.data + bm->off, bm->len, 0, NULL);
        if (!m)
            continue;
        if (!began) {
            pthread_mutex_lock(&N.mu);
            began = true;
            rc = N.rec ? store_tx_begin(N.rec)
                       : err_fail(ERR_UNAVAILABLE, "alarms not started");
        }
        if (!rc) {
            rc = record_one(N.rec, v, device_id, m, recv_ms);
            any = any || (!rc && store_changes(N.rec) > 0);
        }
        json_decref(m);
    }
    if (!began)
        return ERR_OK;
    if (!rc)
        rc = store_tx_commit(N.rec);
    else if (N.rec)
        store_tx_rollback(N.rec);
    if (any && !rc) {
        N.wake = true;
        pthread_cond_signal(&N.cv);
    }
    pthread_mutex_unlock(&N.mu);
    if (rc)
        log_msg(LOG_ERROR, "alarm.record_failed", "%s: %s", err_code(rc),
                err_detail());
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Fan-out (notifier thread)                                              */
/* ---------------------------------------------------------------------- */

struct targets {
    char url[600], secret[80], emails[4096];
};

/* The tenant's store, opened for reading only: no migrations are applied
 * (an empty list) and it must exist. NULL when it cannot be opened. */
static struct store *
tenant_open(int64_t tenant_id)
{
    char path[PATH_MAX];
    struct store *st = NULL;
    pool_tenant_path(ingest_g.o->data, tenant_id, path, sizeof(path));
    if (access(path, R_OK) != 0 || store_open_readonly(path, &st)) {
        log_msg(LOG_WARN, "alarm.tenant_store",
                "%s: %s (using the last known targets)", path, err_detail());
        return NULL;
    }
    return st;
}

static void
setting(struct store *st, const char *key, char *out, size_t n)
{
    struct stmt *s = NULL;
    bool row = false;
    out[0] = '\0';
    if (!store_query(st, &s, "SELECT value FROM settings WHERE key = $1", "t",
                     key) &&
        !stmt_step(s, &row) && row)
        snprintf(out, n, "%s", stmt_text(s, 0));
    stmt_done(s);
}

/* Targets from the tenant store (kept in ingest.db), else the last known. */
static void
targets_load(struct store *st, struct store *ts, int64_t tenant_id,
             struct targets *t)
{
    struct stmt *s = NULL;
    bool row = false;
    char now[32];
    memset(t, 0, sizeof(*t));
    if (ts) {
        setting(ts, "alarms.webhook_url", t->url, sizeof(t->url));
        setting(ts, "alarms.webhook_secret", t->secret, sizeof(t->secret));
        setting(ts, "alarms.emails", t->emails, sizeof(t->emails));
        time_now_iso(now);
        store_run(st,
                  "INSERT INTO alarm_targets (tenant_id, webhook_url,"
                  " webhook_secret, emails, synced_at)"
                  " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id)"
                  " DO UPDATE SET webhook_url = $2, webhook_secret = $3,"
                  " emails = $4, synced_at = $5",
                  "ittt"
                  "t",
                  tenant_id, t->url, t->secret, t->emails, now);
        return;
    }
    if (!store_query(st, &s,
                     "SELECT webhook_url, webhook_secret, emails"
                     " FROM alarm_targets WHERE tenant_id = $1",
                     "i", tenant_id) &&
        !stmt_step(s, &row) && row) {
        snprintf(t->url, sizeof(t->url), "%s", stmt_text(s, 0));
        snprintf(t->secret, sizeof(t->secret), "%s", stmt_text(s, 1));
        snprintf(t->emails, sizeof(t->emails), "%s", stmt_text(s, 2));
    }
    stmt_done(s);
}

/* The alarm's place from the ledger: its supply point (the registry's
 * link, else the meter or appliance carrying the device id now), the
 * address and the occupant. Stored on the alarm. */
static void
enrich(struct store *st, struct store *ts, int64_t id, const char *device_id,
       int64_t point)
{
    struct stmt *s = NULL;
    bool row = false;
    if (!ts)
        return;
    if (!store_query(
            ts, &s,
            "SELECT sp.id, sp.prefecture || sp.city || sp.street"
            " || COALESCE(' ' || sp.building, '') || COALESCE(' ' || sp.room,"
            " ''), c.id, c.name FROM supply_points sp"
            " LEFT JOIN occupancy o ON o.supply_point_id = sp.id"
            "  AND (o.moved_out IS NULL OR o.moved_out > date('now'))"
            " LEFT JOIN customers c ON c.id = o.customer_id"
            " WHERE sp.id = COALESCE(NULLIF($1, 0),"
            " (SELECT supply_point_id FROM meters WHERE device_id = $2"
            "  AND removed_date IS NULL ORDER BY id DESC LIMIT 1),"
            " (SELECT supply_point_id FROM appliances WHERE device_id = $2"
            "  AND removed_date IS NULL ORDER BY id DESC LIMIT 1))"
            " ORDER BY o.moved_in DESC LIMIT 1",
            "it", point, device_id) &&
        !stmt_step(s, &row) && row) {
        char addr[512], name[256];
        int64_t sp = stmt_int(s, 0);
        int64_t cust = stmt_is_null(s, 2) ? 0 : stmt_int(s, 2);
        snprintf(addr, sizeof(addr), "%s",
                 stmt_text(s, 1) ? stmt_text(s, 1) : "");
        snprintf(name, sizeof(name), "%s",
                 stmt_text(s, 3) ? stmt_text(s, 3) : "");
        stmt_done(s);
        s = NULL;
        store_run(st,
                  "UPDATE alarms SET supply_point_id = $2, address = $3,"
                  " customer_id = NULLIF($4, 0), customer_name = NULLIF($5, '')"
                  " WHERE id = $1",
                  "iitit", id, sp, addr, cust, name);
    }
    stmt_done(s);
}

struct fan {
    int64_t id, tenant_id, point;
    char device_id[DEVICE_ID_MAX + 1];
};

static enum err
outbox_add(struct store *st, int64_t alarm_id, const char *channel,
           const char *dest)
{
    int64_t now = now_ms();
    return store_run(st,
                     "INSERT INTO alarm_outbox (alarm_id, channel, destination,"
                     " created_ms, next_ms) VALUES ($1, $2, $3, $4, $4)"
                     " ON CONFLICT DO NOTHING",
                     "itti", alarm_id, channel, dest, now);
}

/* Targets and place of one alarm; its outbox rows. */
static enum err
fan_one(struct store *st, const struct fan *f)
{
    struct targets t;
    struct store *ts = tenant_open(f->tenant_id);
    enum err rc = store_tx_begin(st);
    if (rc) {
        store_close(ts);
        return rc;
    }
    targets_load(st, ts, f->tenant_id, &t);
    enrich(st, ts, f->id, f->device_id, f->point);
    store_close(ts);
    if (t.url[0] && t.secret[0])
        rc = outbox_add(st, f->id, "webhook", t.url);
    json_t *emails = t.emails[0] ? json_loads(t.emails, 0, NULL) : NULL;
    size_t i;
    json_t *e;
    json_array_foreach(emails, i, e)
    {
        if (!rc && json_is_string(e))
            rc = outbox_add(st, f->id, "email", json_string_value(e));
    }
    json_decref(emails);
    if (!rc)
        rc = store_run(st, "UPDATE alarms SET fanned = 1 WHERE id = $1", "i",
                       f->id);
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

static void
fan_out(struct store *st)
{
    struct fan f[PASS_MAX];
    size_t n = 0;
    struct stmt *s = NULL;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT id, tenant_id, device_id,"
                              " COALESCE(supply_point_id, 0) FROM alarms"
                              " WHERE fanned = 0 ORDER BY id LIMIT $1",
                              "i", (int64_t)PASS_MAX);
    while (!rc && n < PASS_MAX && !(rc = stmt_step(s, &row)) && row) {
        f[n].id = stmt_int(s, 0);
        f[n].tenant_id = stmt_int(s, 1);
        snprintf(f[n].device_id, sizeof(f[n].device_id), "%s", stmt_text(s, 2));
        f[n++].point = stmt_int(s, 3);
    }
    stmt_done(s);
    for (size_t i = 0; i < n; i++)
        if ((rc = fan_one(st, &f[i])))
            log_msg(LOG_ERROR, "alarm.fan_failed", "alarm %" PRId64 ": %s",
                    f[i].id, err_detail());
}

/* ---------------------------------------------------------------------- */
/* Messages                                                               */
/* ---------------------------------------------------------------------- */

static json_t *
jopt_int(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col));
}

static json_t *
jopt_str(struct stmt *s, int col)
{
    return stmt_text(s, col) ? json_string(stmt_text(s, col)) : json_null();
}

/* The alarm as the webhook sends it (new ref); NULL when gone. */
static json_t *
alarm_json(struct store *st, int64_t id)
{
    struct stmt *s = NULL;
    bool row = false;
    json_t *o = NULL;
    char recv[32];
    if (store_query(st, &s,
                    "SELECT id, tenant, tenant_id, device_id, epoch, seq,"
                    " category, kind, severity, shutoff, vendor_code,"
                    " error_code, device_at, received_ms, meter_id,"
                    " appliance_id, supply_point_id, address, customer_id,"
                    " customer_name, state FROM alarms WHERE id = $1",
                    "i", id) ||
        stmt_step(s, &row) || !row) {
        stmt_done(s);
        return NULL;
    }
    batch_time_format(stmt_int(s, 13), recv);
    const char *kind = stmt_text(s, 7), *code = stmt_text(s, 11);
    json_t *a = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:I, s:I, s:o, s:o, s:s, s:s,"
        " s:o, s:o, s:{s:o, s:o}, s:{s:o, s:o}, s:s}",
        "id", (json_int_t)stmt_int(s, 0), "category", stmt_text(s, 6), "kind",
        kind, "label_ja", alarm_label_ja(kind, code), "severity",
        stmt_text(s, 8), "shutoff", (int)stmt_int(s, 9), "device_id",
        stmt_text(s, 3), "epoch", (json_int_t)stmt_int(s, 4), "seq",
        (json_int_t)stmt_int(s, 5), "vendor_code", jopt_str(s, 10),
        "error_code", jopt_str(s, 11), "device_at", stmt_text(s, 12),
        "received_at", recv, "meter_id", jopt_int(s, 14), "appliance_id",
        jopt_int(s, 15), "supply_point", "id", jopt_int(s, 16), "address",
        jopt_str(s, 17), "customer", "id", jopt_int(s, 18), "name",
        jopt_str(s, 19), "state", stmt_text(s, 20));
    o = json_pack("{s:s, s:s, s:I, s:o}", "type", "gas_alarm", "tenant",
                  stmt_text(s, 1), "tenant_id", (json_int_t)stmt_int(s, 2),
                  "alarm", a);
    stmt_done(s);
    return o;
}

/* The answer's body into arg (a struct buf, bounded), or dropped. */
static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
    if (arg)
        buf_append(arg, p, size * n); /* over its maximum: cut, fine */
    return size * n;
}

/* POST body to url with headers hd; true on 2xx. */
static bool
http_post(const char *url, struct curl_slist *hd, const char *body, bool guard,
          struct buf *resp, char *error, size_t n)
{
    CURL *c = curl_easy_init();
    hd = curl_slist_append(hd, "Content-Type: application/json");
    hd = curl_slist_append(hd, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    struct outbound_guard g = {ingest_g.o->webhook_allow_private,
                               "alarm.refused_address"};
    if (guard) /* no private addresses (SSRF) unless allowed */
        outbound_guard(c, &g);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        snprintf(error, n, "%s", curl_easy_strerror(rc));
    else if (status < 200 || status > 299)
        snprintf(error, n, "HTTP %ld", status);
    return rc == CURLE_OK && status >= 200 && status <= 299;
}

static bool
send_webhook(const char *url, const char *secret_hex, int64_t alarm_id,
             const char *body, char *error, size_t n)
{
    unsigned char key[DEVKEY_BYTES];
    char ts[24], sig[DEVKEY_SIG_HEX], h[160];
    struct curl_slist *hd = NULL;
    if (!devkey_from_hex(secret_hex, key)) {
        snprintf(error, n, "the webhook secret is not 64 hex digits");
        return false;
    }
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    devkey_sign(key, ts, body, strlen(body), sig);
    devkey_wipe(key, sizeof(key));
    hd = curl_slist_append(hd, "X-Pilotlight-Event: gas_alarm");
    snprintf(h, sizeof(h), "X-Pilotlight-Delivery: alarm-%" PRId64, alarm_id);
    hd = curl_slist_append(hd, h);
    snprintf(h, sizeof(h), "X-Pilotlight-Timestamp: %s", ts);
    hd = curl_slist_append(hd, h);
    snprintf(h, sizeof(h), "X-Pilotlight-Signature: sha256=%s", sig);
    hd = curl_slist_append(hd, h);
    return http_post(url, hd, body, true, NULL, error, n);
}

/* ---------------------------------------------------------------------- */
/* E-mail                                                                 */
/* ---------------------------------------------------------------------- */

/* E-mail alarm o (JSON as alarm_json made it) to `to`. */
static bool
send_mail(const char *to, const json_t *o, char *error, size_t n)
{
    if (!ingest_g.o->smtp_url[0]) {
        snprintf(error, n, "no --smtp-url: e-mail is off");
        return false;
    }
    const json_t *a = json_object_get(o, "alarm");
    const char *label = json_string_value(json_object_get(a, "label_ja"));
    const char *addr = json_string_value(
        json_object_get(json_object_get(a, "supply_point"), "address"));
    const char *name = json_string_value(
        json_object_get(json_object_get(a, "customer"), "name"));
    char subject[512];
    struct buf body;
    snprintf(subject, sizeof(subject), "【ガス警報】%s %s", label,
             addr ? addr : "");
    buf_init(&body, 1u << 16);
    buf_printf(&body,
               "ガス警報を受信しました。\n\n種別: %s（%s）\n重要度: %s\n"
               "遮断: %s\n機器: %s\n発生: %s\n受信: %s\n"
               "供給地点: %s (ID %lld)\nお客様: %s (ID %lld)\n"
               "事業者: %s\n警報ID (ingest): %lld\n\n"
               "コンソールまたは ingest の警報ページで確認してください。\n",
               label, json_string_value(json_object_get(a, "kind")),
               json_string_value(json_object_get(a, "severity")),
               json_is_true(json_object_get(a, "shutoff")) ? "あり" : "なし",
               json_string_value(json_object_get(a, "device_id")),
               json_string_value(json_object_get(a, "device_at")),
               json_string_value(json_object_get(a, "received_at")),
               addr ? addr : "不明",
               (long long)json_integer_value(
                   json_object_get(json_object_get(a, "supply_point"), "id")),
               name ? name : "不明",
               (long long)json_integer_value(
                   json_object_get(json_object_get(a, "customer"), "id")),
               json_string_value(json_object_get(o, "tenant")),
               (long long)json_integer_value(json_object_get(a, "id")));
    bool ok =
        body.data && outbound_mail(ingest_g.o->smtp_url, ingest_g.o->mail_from,
                                   to, subject, body.data, error, n);
    if (!body.data)
        snprintf(error, n, "out of memory");
    buf_free(&body);
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Acknowledgements to serve                                              */
/* ---------------------------------------------------------------------- */

static bool
send_ack(struct store *st, int64_t alarm_id, char *error, size_t n)
{
    struct stmt *s = NULL;
    bool row = false, ok = false;
    char url[600], auth[600];
    json_t *body = NULL;
    if (!ingest_g.o->serve[0]) {
        snprintf(error, n, "forwarding is off (--serve \"\")");
        return false;
    }
    if (!store_query(st, &s,
                     "SELECT tenant, device_id, epoch, seq, acked_by,"
                     " acked_at FROM alarms WHERE id = $1",
                     "i", alarm_id) &&
        !stmt_step(s, &row) && row)
        body = json_pack("{s:[{s:s, s:s, s:I, s:I, s:s, s:s}]}", "acks",
                         "tenant", stmt_text(s, 0), "device_id",
                         stmt_text(s, 1), "epoch", (json_int_t)stmt_int(s, 2),
                         "seq", (json_int_t)stmt_int(s, 3), "by",
                         stmt_text(s, 4), "at", stmt_text(s, 5));
    stmt_done(s);
    if (!body)
        return false;
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    snprintf(url, sizeof(url), "%s/internal/v1/alarm-acks", ingest_g.o->serve);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", ingest_g.token);
    struct curl_slist *hd = curl_slist_append(NULL, auth);
    devkey_wipe(auth, sizeof(auth));
    /* the answer says acknowledged, already or pending; only the first two
     * end the row, so read it */
    struct buf resp;
    buf_init(&resp, 1u << 16);
    ok = http_post(url, hd, text, false, &resp, error, n);
    free(text);
    json_t *ans = ok ? json_loadb(resp.data, resp.len, 0, NULL) : NULL;
    const char *o = json_string_value(json_object_get(
        json_array_get(json_object_get(ans, "results"), 0), "outcome"));
    if (ok && (!o || (strcmp(o, "acknowledged") && strcmp(o, "already")))) {
        snprintf(error, n, "serve answered %s", o ? o : "?");
        ok = false;
    }
    json_decref(ans);
    buf_free(&resp);
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Delivery                                                               */
/* ---------------------------------------------------------------------- */

struct due {
    int64_t id, alarm_id, attempts, created_ms, tenant_id;
    char channel[16], dest[600];
};

static bool
deliver(struct store *st, const struct due *d, char *error, size_t n)
{
    if (!strcmp(d->channel, "serve_ack"))
        return send_ack(st, d->alarm_id, error, n);
    json_t *o = alarm_json(st, d->alarm_id);
    bool ok = false;
    if (!o) {
        snprintf(error, n, "alarm %" PRId64 " is gone", d->alarm_id);
    } else if (!strcmp(d->channel, "webhook")) {
        struct targets t;
        char *body = json_dumps(o, JSON_COMPACT);
        targets_load(st, NULL, d->tenant_id, &t);
        ok = send_webhook(d->dest, t.secret, d->alarm_id, body, error, n);
        devkey_wipe(t.secret, sizeof(t.secret));
        free(body);
    } else {
        ok = send_mail(d->dest, o, error, n);
    }
    json_decref(o);
    return ok;
}

static void
record(struct store *st, const struct due *d, bool ok, const char *error)
{
    char now[32];
    int64_t t = now_ms(), wait = FIRST_RETRY;
    for (int64_t i = 0; i < d->attempts && wait < ingest_g.o->retry_max * 1000;
         i++)
        wait *= 2;
    if (wait > ingest_g.o->retry_max * 1000)
        wait = ingest_g.o->retry_max * 1000;
    time_now_iso(now);
    bool give_up = !ok && t - d->created_ms > GIVE_UP_MS;
    store_run(st,
              "UPDATE alarm_outbox SET attempts = attempts + 1,"
              " next_ms = $2, delivered_at = $3, last_error = $4"
              " WHERE id = $1",
              "iitt", d->id, t + wait,
              ok        ? now
              : give_up ? "gave up"
                        : NULL,
              ok ? NULL : error);
    if (!ok)
        log_msg(give_up ? LOG_ERROR : LOG_WARN, "alarm.notify_failed",
                "%s %s, alarm %" PRId64 ", attempt %" PRId64 ": %s", d->channel,
                d->channel[0] == 'e' ? d->dest : "-", d->alarm_id,
                d->attempts + 1, error);
}

/* Send what is due; the time of the next row due (0: none). */
static int64_t
deliver_due(struct store *st)
{
    struct due d[PASS_MAX];
    size_t n = 0;
    struct stmt *s = NULL;
    bool row = false;
    int64_t now = now_ms(), next = 0;
    enum err rc = store_query(
        st, &s,
        "SELECT o.id, o.alarm_id, o.attempts, o.created_ms, a.tenant_id,"
        " o.channel, o.destination, o.next_ms FROM alarm_outbox o"
        " JOIN alarms a ON a.id = o.alarm_id WHERE o.delivered_at IS NULL"
        " ORDER BY o.next_ms, o.id LIMIT $1",
        "i", (int64_t)PASS_MAX);
    while (!rc && n < PASS_MAX && !(rc = stmt_step(s, &row)) && row) {
        if (stmt_int(s, 7) > now) {
            next = stmt_int(s, 7);
            break;
        }
        d[n] = (struct due){stmt_int(s, 0),
                            stmt_int(s, 1),
                            stmt_int(s, 2),
                            stmt_int(s, 3),
                            stmt_int(s, 4),
                            "",
                            ""};
        snprintf(d[n].channel, sizeof(d[n].channel), "%s", stmt_text(s, 5));
        snprintf(d[n].dest, sizeof(d[n].dest), "%s", stmt_text(s, 6));
        n++;
    }
    stmt_done(s);
    for (size_t i = 0; i < n && !atomic_load(&ingest_g.stopping); i++) {
        char error[256] = "";
        bool ok = deliver(st, &d[i], error, sizeof(error));
        record(st, &d[i], ok, error);
    }
    return n == PASS_MAX ? now : next;
}

static void *
notifier_main(void *arg)
{
    (void)arg;
    struct store *st = NULL;
    if (state_open(&st)) {
        log_msg(LOG_ERROR, "alarm.notifier", "ingest.db: %s", err_detail());
        return NULL;
    }
    pthread_mutex_lock(&N.mu);
    while (!N.stop) {
        N.wake = false;
        pthread_mutex_unlock(&N.mu);
        fan_out(st);
        int64_t next = deliver_due(st);
        pthread_mutex_lock(&N.mu);
        if (N.wake || N.stop)
            continue;
        int64_t until = next ? next : now_ms() + 1000;
        if (until > now_ms() + 1000)
            until = now_ms() + 1000;
        struct timespec ts = {until / 1000, (long)(until % 1000) * 1000000};
        pthread_cond_timedwait(&N.cv, &N.mu, &ts);
    }
    pthread_mutex_unlock(&N.mu);
    store_close(st);
    pool_thread_release();
    return NULL;
}

enum err
alarm_notify_start(void)
{
    enum err rc = state_open(&N.rec);
    if (rc)
        return rc;
    N.stop = false;
    if (pthread_create(&N.th, NULL, notifier_main, NULL) != 0)
        return err_fail(ERR_INTERNAL, "cannot start the alarm notifier");
    N.running = true;
    return ERR_OK;
}

void
alarm_notify_stop(void)
{
    pthread_mutex_lock(&N.mu);
    N.stop = true;
    pthread_cond_signal(&N.cv);
    pthread_mutex_unlock(&N.mu);
    if (N.running)
        pthread_join(N.th, NULL);
    N.running = false;
    pthread_mutex_lock(&N.mu);
    store_close(N.rec);
    N.rec = NULL;
    pthread_mutex_unlock(&N.mu);
}

/* ---------------------------------------------------------------------- */
/* ingest's page                                                          */
/* ---------------------------------------------------------------------- */

enum err
alarm_page_list(int64_t tenant_id, json_t **out)
{
    struct stmt *s = NULL;
    bool row = false;
    json_t *list = json_array();
    pthread_mutex_lock(&N.mu);
    enum err rc = N.rec ? ERR_OK : err_fail(ERR_UNAVAILABLE, "stopping");
    if (!rc)
        rc = store_query(N.rec, &s,
                         "SELECT id FROM alarms WHERE tenant_id = $1"
                         " ORDER BY state = 'open' DESC, id DESC LIMIT 200",
                         "i", tenant_id);
    int64_t ids[200];
    size_t n = 0;
    while (!rc && n < 200 && !(rc = stmt_step(s, &row)) && row)
        ids[n++] = stmt_int(s, 0);
    stmt_done(s);
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *o = alarm_json(N.rec, ids[i]);
        if (o)
            json_array_append(list, json_object_get(o, "alarm"));
        json_decref(o);
    }
    pthread_mutex_unlock(&N.mu);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return ERR_OK;
}

enum err
alarm_page_ack(int64_t tenant_id, int64_t id, const char *login)
{
    char now[32];
    time_now_iso(now);
    pthread_mutex_lock(&N.mu);
    enum err rc =
        N.rec ? store_tx_begin(N.rec) : err_fail(ERR_UNAVAILABLE, "stopping");
    if (!rc)
        rc = store_run(N.rec,
                       "UPDATE alarms SET state = 'acknowledged',"
                       " acked_by = $3, acked_at = $4"
                       " WHERE id = $1 AND tenant_id = $2 AND state = 'open'",
                       "iitt", id, tenant_id, login, now);
    if (!rc && !store_changes(N.rec))
        rc = err_fail(ERR_ALARM_STATE,
                      "警報 %" PRId64 " は確認済みか、ありません", id);
    if (!rc)
        rc = outbox_add(N.rec, id, "serve_ack", "serve");
    if (!rc)
        rc = store_tx_commit(N.rec);
    else if (N.rec)
        store_tx_rollback(N.rec);
    if (!rc) {
        N.wake = true;
        pthread_cond_signal(&N.cv);
    }
    pthread_mutex_unlock(&N.mu);
    return rc;
}
