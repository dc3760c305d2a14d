/*
 * remote_deliver.c — ingest's half of remote shutoff and restore (遠隔遮
 * 断・復帰): hand the commands serve has approved to the meters.
 *
 * Path: serve writes an approved operation into the platform store's
 * device_commands (status queued; remote_ops.c). A thread here reads the
 * queued, unexpired rows every --refresh-ms into a small table of
 * pending commands. Then:
 *   - HTTP: the answer to the device's next accepted batch carries them
 *     ("commands": [...], ingest_api.c calls remote_deliver_answer);
 *   - MQTT: for a device that has posted over MQTT since ingest started,
 *     the thread publishes each at once on pl/v1/<device>/command (QoS 1).
 * Either way the row becomes sent (sent_at, sent_via "http" or "mqtt");
 * the UPDATE is conditional on status queued, so a command goes out once
 * even with several ingest threads. serve sees "sent" in the outbox and
 * the meter's shutoff_remote / restored event confirms the operation.
 *
 * A command as the device gets it:
 *   {"id": 17, "device_id": "NCU-…", "action": "shutoff",
 *    "expires_s": 1794261605, "ts": "1794258005", "sig": "…64 hex…"}
 * sig = HMAC-SHA256(device key, ts "\n" id "\n" device_id "\n" action
 * "\n" expires_s) — the batch signature's construction, under the
 * device's own key, so a meter obeys only its platform; a device refuses
 * a command past expires_s and one whose id it has already carried out.
 */
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "monitor/ingest_int.h"
#include "monitor/remote_ops.h"
#include "store/pool.h"
#include "store/store.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PENDING_MAX   1024
#define MQTT_SEEN_MAX 4096

struct pending {
    int64_t id, expires_s;
    char device_id[DEVICE_ID_MAX + 1];
    char action[16];
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool started, stop;
    struct pending p[PENDING_MAX];
    size_t n;
    char (*mqtt_seen)[DEVICE_ID_MAX + 1]; /* devices heard on MQTT */
    size_t nseen;
} D = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* The command c as JSON text signed with the device's key into b.
 * False when the device's key is not at hand. */
static bool
command_render(const struct pending *c, struct buf *b)
{
    struct reg_view v;
    char ts[24], sig[DEVKEY_SIG_HEX], line[160];
    if (registry_lookup(c->device_id, &v) != ERR_OK)
        return false;
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    int n = snprintf(line, sizeof(line), "%" PRId64 "\n%s\n%s\n%" PRId64, c->id,
                     c->device_id, c->action, c->expires_s);
    devkey_sign(v.key, ts, line, (size_t)n, sig);
    devkey_wipe(v.key, sizeof(v.key));
    buf_printf(b,
               "{\"id\":%" PRId64 ",\"device_id\":\"%s\",\"action\":\"%s\","
               "\"expires_s\":%" PRId64 ",\"ts\":\"%s\",\"sig\":\"%s\"}",
               c->id, c->device_id, c->action, c->expires_s, ts, sig);
    return true;
}

/* Mark command id sent via via; false when it was not queued any more. */
static bool
mark_sent(int64_t id, const char *via)
{
    struct store *platform;
    char ts[32];
    time_now_iso(ts);
    if (pool_platform(&platform) != ERR_OK ||
        store_run(platform,
                  "UPDATE device_commands SET status = 'sent', sent_at = $1,"
                  " sent_via = $2 WHERE id = $3 AND status = 'queued'",
                  "tti", ts, via, id) != ERR_OK)
        return false;
    bool ok = store_changes(platform) == 1;
    if (ok)
        log_msg(LOG_INFO, "remote_op.sent", "command %" PRId64 " via %s", id,
                via);
    return ok;
}

/* Take device_id's pending commands out of the table (at most max). */
static size_t
take(const char *device_id, struct pending *out, size_t max)
{
    size_t k = 0;
    pthread_mutex_lock(&D.mu);
    for (size_t i = 0; i < D.n;) {
        if (k < max && !strcmp(D.p[i].device_id, device_id)) {
            out[k++] = D.p[i];
            D.p[i] = D.p[--D.n];
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&D.mu);
    return k;
}

void
remote_deliver_answer(const char *device_id, struct buf *b)
{
    struct pending c[8];
    size_t n = take(device_id, c, 8), shown = 0;
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < n; i++) {
        if (c[i].expires_s <= now)
            continue;
        struct buf one;
        buf_init(&one, 4096);
        if (command_render(&c[i], &one) && mark_sent(c[i].id, "http")) {
            buf_puts(b, shown++ ? "," : ",\"commands\":[");
            buf_puts(b, one.data);
        }
        buf_free(&one);
    }
    if (shown)
        buf_puts(b, "]");
}

/* ---------------------------------------------------------------------- */
/* The poller                                                             */
/* ---------------------------------------------------------------------- */

static bool
mqtt_seen(const char *device_id)
{
    for (size_t i = 0; i < D.nseen; i++)
        if (!strcmp(D.mqtt_seen[i], device_id))
            return true;
    return false;
}

void
remote_deliver_mqtt_seen(const char *device_id)
{
    pthread_mutex_lock(&D.mu);
    if (!mqtt_seen(device_id) && D.nseen < MQTT_SEEN_MAX) {
        if (!D.mqtt_seen)
            D.mqtt_seen = xcalloc(MQTT_SEEN_MAX, sizeof(*D.mqtt_seen));
        snprintf(D.mqtt_seen[D.nseen++], DEVICE_ID_MAX + 1, "%s", device_id);
    }
    pthread_mutex_unlock(&D.mu);
}

/* Publish c on its device's command topic (the caller holds no lock). */
static void
publish(const struct pending *c)
{
    char topic[DEVICE_ID_MAX + 20];
    struct buf b;
    buf_init(&b, 4096);
    snprintf(topic, sizeof(topic), "pl/v1/%s/command", c->device_id);
    if (command_render(c, &b) && mqtt_publish(topic, b.data, b.len))
        mark_sent(c->id, "mqtt");
    buf_free(&b);
}

/* Read the queued commands into the table; publish those for MQTT
 * devices. */
static void
poll_once(void)
{
    struct store *platform;
    struct stmt *s = NULL;
    bool row;
    struct pending *fresh = xcalloc(PENDING_MAX, sizeof(*fresh));
    size_t n = 0;
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = store_query(platform, &s,
                         "SELECT id, device_id, action, expires_s"
                         " FROM device_commands WHERE status = 'queued'"
                         " AND expires_s > $1 ORDER BY id LIMIT $2",
                         "ii", (int64_t)time(NULL), (int64_t)PENDING_MAX);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        fresh[n].id = stmt_int(s, 0);
        snprintf(fresh[n].device_id, sizeof(fresh[n].device_id), "%s",
                 stmt_text(s, 1));
        snprintf(fresh[n].action, sizeof(fresh[n].action), "%s",
                 stmt_text(s, 2));
        fresh[n++].expires_s = stmt_int(s, 3);
    }
    stmt_done(s);
    pthread_mutex_lock(&D.mu);
    memcpy(D.p, fresh, n * sizeof(*fresh));
    D.n = n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (mqtt_seen(fresh[i].device_id))
            fresh[k++] = fresh[i];
    pthread_mutex_unlock(&D.mu);
    for (size_t i = 0; i < k; i++)
        publish(&fresh[i]);
    free(fresh);
}

static void *
run(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&D.mu);
    while (!D.stop) {
        pthread_mutex_unlock(&D.mu);
        poll_once();
        pthread_mutex_lock(&D.mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long ns = ts.tv_nsec + ingest_g.o->refresh_ms * 1000000LL;
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        if (!D.stop)
            pthread_cond_timedwait(&D.cv, &D.mu, &ts);
    }
    pthread_mutex_unlock(&D.mu);
    pool_thread_release();
    return NULL;
}

enum err
remote_deliver_start(void)
{
    D.stop = false;
    if (pthread_create(&D.thread, NULL, run, NULL) != 0)
        return err_fail(ERR_INTERNAL, "cannot start the command thread");
    D.started = true;
    return ERR_OK;
}

void
remote_deliver_stop(void)
{
    if (!D.started)
        return;
    pthread_mutex_lock(&D.mu);
    D.stop = true;
    pthread_cond_signal(&D.cv);
    pthread_mutex_unlock(&D.mu);
    pthread_join(D.thread, NULL);
    D.started = false;
    free(D.mqtt_seen);
    D.mqtt_seen = NULL;
    D.nseen = 0;
    D.n = 0;
}
