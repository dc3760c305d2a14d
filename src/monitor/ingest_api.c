/*
 * ingest_api.c — what devices and operators reach on ingest's port.
 *
 *   POST /v1/batches   a device's signed batch (docs/ingest-api.md)
 *   GET  /healthz      the process answers
 *   GET  /readyz       the log is writable and platform.db answers
 *   GET  /metrics      Prometheus text: HTTP, log, forwarding counters
 *   GET  /status       the same as JSON (log positions, backlog)
 *   /alarms...         the alarm page for people (ingest_page.c)
 *
 * A batch is checked in this order, and the first failure answers
 * (problem+json, nothing stored, nothing counted as seen):
 *   1. X-Device-Id, X-Timestamp (Unix seconds), X-Signature (64 hex)
 *      present and well-formed                     400 ingest.headers
 *   2. the device is registered and active         401 unknown_device,
 *                                                  403 device_retired
 *   3. X-Signature = HMAC-SHA256(key, X-Timestamp "\n" body)
 *                                                  401 bad_signature
 *   4. X-Timestamp within --window of our clock    401 stale_timestamp
 *   5. Content-Type application/json, the body JSON and the schema
 *      (monitor/batch.h)                           415, 400, 422
 *   6. the signature not seen in the window        409 ingest.replayed
 * The body limit (1 MiB, 413 http.body_too_large) is enforced by the
 * HTTP layer before any of it. The signature is checked before the body
 * is parsed: a stranger's bytes cost an HMAC, not a JSON parse.
 *
 * Then the writer (ingest_writer.c) decides each message against the
 * device's last sequence number and makes the accepted ones durable; the
 * answer comes after the fdatasync:
 *   200 {"device_id", "accepted": n, "duplicates": n, "last_seq": n,
 *        "results": [{"seq": 17, "outcome": "accepted"|"duplicate"}]}
 * A device that does not get its 200 (timeout, 503) sends the same
 * messages again, signed anew: what was stored comes back "duplicate".
 */
#include "core/log.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "http/http.h"
#include "http/metrics.h"
#include "monitor/ingest_int.h"
#include "monitor/notify_alarm.h"
#include "monitor/remote_ops.h"
#include "monitor/replay.h"
#include "store/pool.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---------------------------------------------------------------------- */
/* POST /v1/batches                                                       */
/* ---------------------------------------------------------------------- */

struct bctx {
    const char *device_id, *ts, *sig;
    const char *ctype; /* HTTP: Content-Type; MQTT: NULL (not checked) */
    bool http;
    int64_t ts_s;
    struct reg_view v;
    unsigned char raw[32]; /* the signature, for the replay cache */
};

static enum err
headers_check(struct bctx *c)
{
    size_t tn = c->ts ? strlen(c->ts) : 0;
    if (!c->device_id || !monitor_device_id_valid(c->device_id))
        return err_fail(ERR_INGEST_HEADERS,
                        "X-Device-Id is missing or not a device id");
    if (tn < 1 || tn > 12 || strspn(c->ts, "0123456789") != tn)
        return err_fail(ERR_INGEST_HEADERS,
                        "X-Timestamp must be Unix seconds (digits)");
    if (!c->sig || strlen(c->sig) != 64 ||
        strspn(c->sig, "0123456789abcdefABCDEF") != 64)
        return err_fail(ERR_INGEST_HEADERS,
                        "X-Signature must be 64 hex digits (HMAC-SHA256)");
    c->ts_s = strtoll(c->ts, NULL, 10);
    return ERR_OK;
}

static enum err
auth_check(struct bctx *c, const char *body, size_t len)
{
    enum err rc = registry_lookup(c->device_id, &c->v);
    if (rc)
        return rc;
    bool ok = devkey_verify(c->v.key, c->ts, body, len, c->sig, c->raw);
    int64_t epoch = c->v.epoch;
    devkey_wipe(c->v.key, sizeof(c->v.key));
    if (!ok && !(rc = registry_reload(c->device_id, &c->v)) &&
        c->v.epoch != epoch) /* re-keyed since the cache was filled */
        ok = devkey_verify(c->v.key, c->ts, body, len, c->sig, c->raw);
    devkey_wipe(c->v.key, sizeof(c->v.key));
    if (rc)
        return rc;
    if (!ok)
        return err_fail(ERR_INGEST_SIGNATURE,
                        "X-Signature is not HMAC-SHA256(key, X-Timestamp "
                        "\"\\n\" body) under device %s's current key",
                        c->device_id);
    int64_t now = (int64_t)time(NULL), w = ingest_g.o->window;
    if (c->ts_s < now - w || c->ts_s > now + w)
        return err_fail(ERR_INGEST_TIMESTAMP,
                        "X-Timestamp %s is %+" PRId64 " s from the server's "
                        "clock; at most ±%" PRId64 " s is accepted",
                        c->ts, c->ts_s - now, w);
    const char *ct = c->ctype;
    if (c->http && (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
                    (ct[16] && ct[16] != ';' && ct[16] != ' ')))
        return err_fail(ERR_HTTP_MEDIA_TYPE,
                        "send the batch as application/json");
    return ERR_OK;
}

/* {"tenant":…,"tenant_id":…,"dkind":…,"link":{…},"msgs":[ into b. */
static void
prefix_make(const struct reg_view *v, struct buf *b)
{
    buf_printf(b,
               "{\"tenant\":\"%s\",\"tenant_id\":%" PRId64
               ",\"dkind\":\"%s\",\"link\":{",
               v->tenant, v->tenant_id, device_kind_name(v->kind));
    const int64_t ids[] = {v->meter_id, v->appliance_id, v->supply_point_id};
    const char *const names[] = {"meter_id", "appliance_id", "supply_point_id"};
    for (int i = 0; i < 3; i++) {
        if (ids[i])
            buf_printf(b, "\"%s\":%" PRId64 ",", names[i], ids[i]);
        else
            buf_printf(b, "\"%s\":null,", names[i]);
    }
    b->data[--b->len] = '\0'; /* the last comma */
    buf_puts(b, "},\"msgs\":[");
}

static enum err
answer(struct buf *out, const struct wjob *j)
{
    struct buf b = *out;
    const struct batch *bt = j->b;
    buf_printf(&b,
               "{\"device_id\":\"%s\",\"accepted\":%zu,\"duplicates\":%zu,"
               "\"last_seq\":%" PRId64 ",\"results\":[",
               j->device_id, j->accepted, j->duplicates, j->last_seq);
    for (size_t i = 0; i < bt->n; i++)
        buf_printf(&b, "%s{\"seq\":%" PRId64 ",\"outcome\":\"%s\"}",
                   i ? "," : "", bt->msgs[i].seq,
                   j->outcome[i] == 1 ? "accepted" : "duplicate");
    buf_puts(&b, "]");
    remote_deliver_answer(j->device_id, &b); /* ,"commands":[…] if any */
    buf_puts(&b, "}");
    *out = b;
    return ERR_OK;
}

/* Queue the parsed batch and wait for the log. */
static enum err
store_batch(struct buf *out, struct bctx *c, struct batch *bt)
{
    struct buf prefix;
    struct wjob j;
    memset(&j, 0, sizeof(j));
    buf_init(&prefix, 4096);
    prefix_make(&c->v, &prefix);
    j.device_id = c->device_id;
    j.epoch = c->v.epoch;
    j.b = bt;
    j.prefix = prefix.data;
    j.prefix_len = prefix.len;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    j.recv_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    j.outcome = xcalloc(bt->n ? bt->n : 1, 1);
    enum err rc = writer_submit(&j);
    /* durable: record its alarms before the answer (notify_alarm.c); a
     * failure is a 503, the device sends again and the alarm is made then */
    if (!rc && alarm_on_batch(&c->v, c->device_id, bt, j.recv_ms))
        rc = err_fail(ERR_UNAVAILABLE, "alarms could not be recorded");
    if (!rc) {
        atomic_fetch_add(&ingest_g.st.accepted, j.accepted);
        atomic_fetch_add(&ingest_g.st.duplicates, j.duplicates);
        rc = answer(out, &j);
    }
    free(j.outcome);
    buf_free(&prefix);
    return rc;
}

enum err
ingest_batch_accept(const struct batch_in *in, struct jcheck *k,
                    struct buf *out)
{
    struct bctx c;
    struct batch bt;
    memset(&c, 0, sizeof(c));
    c.device_id = in->device_id;
    c.ts = in->ts;
    c.sig = in->sig;
    c.ctype = in->ctype;
    c.http = in->http;
    enum err rc = headers_check(&c);
    if (!rc)
        rc = auth_check(&c, in->body, in->len);
    if (rc)
        goto refused;
    batch_init(&bt);
    rc = batch_parse(in->body, in->len, c.device_id, c.v.kind, &bt, k);
    if (!rc && !replay_claim(ingest_g.replay, c.raw, (int64_t)time(NULL)))
        rc = err_fail(ERR_INGEST_REPLAY,
                      "this signed batch was received before; sign each "
                      "attempt with a new X-Timestamp");
    else if (!rc && (rc = store_batch(out, &c, &bt)))
        replay_release(ingest_g.replay, c.raw);
    batch_free(&bt);
    if (!rc) {
        atomic_fetch_add(&ingest_g.st.batches, 1);
        return ERR_OK;
    }
refused:
    atomic_fetch_add(&ingest_g.st.refused, 1);
    log_msg(LOG_INFO, "ingest.refused", "%s%s: %s", in->http ? "" : "mqtt ",
            monitor_device_id_valid(c.device_id) ? c.device_id : "-",
            err_code(rc));
    return rc;
}

static enum err
post_batch(struct req *r)
{
    struct jcheck k;
    struct buf out;
    struct batch_in in = {.device_id = req_header(r, "X-Device-Id"),
                          .ts = req_header(r, "X-Timestamp"),
                          .sig = req_header(r, "X-Signature"),
                          .ctype = req_header(r, "Content-Type"),
                          .http = true};
    in.body = req_body(r, &in.len);
    jcheck_init(&k);
    buf_init(&out, 64u << 20);
    enum err rc = ingest_batch_accept(&in, &k, &out);
    if (rc == ERR_INGEST_BATCH_INVALID) {
        req_invalid(r, &k);
        rc = err_fail(ERR_INGEST_BATCH_INVALID, "%s", err_detail());
    }
    jcheck_free(&k);
    if (!rc)
        resp_bytes(r, 200, "application/json; charset=utf-8", out.data,
                   out.len);
    buf_free(&out);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Health and figures                                                     */
/* ---------------------------------------------------------------------- */

static enum err
get_healthz(struct req *r)
{
    resp_json(r, 200, json_pack("{s:s}", "status", "ok"));
    return ERR_OK;
}

static enum err
get_readyz(struct req *r)
{
    struct store *platform;
    if (ilog_broken(ingest_g.log))
        return err_fail(ERR_UNAVAILABLE, "the log could not be synced");
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = store_ping(platform);
    if (rc)
        return err_fail(ERR_UNAVAILABLE, "platform store: %s", err_detail());
    resp_json(r, 200, json_pack("{s:s}", "status", "ready"));
    return ERR_OK;
}

#define LOAD(f) ((unsigned long long)atomic_load(&ingest_g.st.f))

static json_t *
status_json(void)
{
    uint64_t end = ilog_end(ingest_g.log), fwd = LOAD(forward_lsn);
    return json_pack(
        "{s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I},"
        " s:{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:I}",
        "log", "start", (json_int_t)ilog_start(ingest_g.log), "end",
        (json_int_t)end, "seq_covered",
        (json_int_t)atomic_load(&ingest_g.seq_covered), "compacted_segments",
        (json_int_t)LOAD(compacted), "batches", "accepted",
        (json_int_t)LOAD(batches), "refused", (json_int_t)LOAD(refused),
        "messages", (json_int_t)LOAD(accepted), "duplicates",
        (json_int_t)LOAD(duplicates), "records", (json_int_t)LOAD(records),
        "syncs", (json_int_t)LOAD(syncs), "forward", "on",
        ingest_g.o->serve[0] != '\0', "cursor", (json_int_t)fwd,
        "backlog_bytes", (json_int_t)(end > fwd ? end - fwd : 0), "readings",
        (json_int_t)LOAD(forwarded_readings), "events",
        (json_int_t)LOAD(forwarded_events), "dead_letters",
        (json_int_t)LOAD(dead_letters), "parked", (json_int_t)LOAD(parked),
        "unparked", (json_int_t)LOAD(unparked), "failures",
        (json_int_t)LOAD(forward_failures), "devices",
        (json_int_t)registry_size(), "bytes_logged", (json_int_t)LOAD(bytes));
}

static enum err
get_status(struct req *r)
{
    resp_json(r, 200, status_json());
    return ERR_OK;
}

static enum err
metric(struct buf *b, const char *name, const char *type, const char *help,
       unsigned long long v)
{
    return buf_printf(b,
                      "# HELP pilotlight_ingest_%s %s\n"
                      "# TYPE pilotlight_ingest_%s %s\n"
                      "pilotlight_ingest_%s %llu\n",
                      name, help, name, type, name, v);
}

static enum err
ingest_metrics(struct buf *b)
{
    uint64_t end = ilog_end(ingest_g.log), fwd = LOAD(forward_lsn);
    enum err rc = metric(b, "batches_total", "counter", "Batches accepted.",
                         LOAD(batches));
    if (!rc)
        rc = metric(b, "batches_refused_total", "counter",
                    "Batches refused (any problem).", LOAD(refused));
    if (!rc)
        rc = metric(b, "messages_total", "counter", "Messages made durable.",
                    LOAD(accepted));
    if (!rc)
        rc = metric(b, "duplicates_total", "counter",
                    "Messages acknowledged as duplicates.", LOAD(duplicates));
    if (!rc)
        rc = metric(b, "log_bytes_total", "counter",
                    "Bytes written to the log.", LOAD(bytes));
    if (!rc)
        rc = metric(b, "log_syncs_total", "counter",
                    "fdatasync calls (groups).", LOAD(syncs));
    if (!rc)
        rc = metric(b, "log_sync_microseconds_total", "counter",
                    "Time spent writing and syncing groups.",
                    LOAD(sync_ns) / 1000);
    if (!rc)
        rc = metric(b, "log_group_jobs_total", "counter",
                    "Batches in groups (÷ syncs = batches per fdatasync).",
                    LOAD(groups_jobs));
    if (!rc)
        rc = metric(b, "backlog_bytes", "gauge",
                    "Log bytes not yet forwarded to serve.",
                    end > fwd ? end - fwd : 0);
    if (!rc)
        rc = metric(b, "forwarded_readings_total", "counter",
                    "Readings serve has answered for.",
                    LOAD(forwarded_readings));
    if (!rc)
        rc = metric(b, "forwarded_events_total", "counter",
                    "Events serve has answered for.", LOAD(forwarded_events));
    if (!rc)
        rc = metric(b, "dead_letters_total", "counter",
                    "Messages serve refused for good (set aside).",
                    LOAD(dead_letters));
    if (!rc)
        rc = metric(b, "parked_total", "counter",
                    "Readings parked until the office opens a period or "
                    "enters the meter.",
                    LOAD(parked));
    if (!rc)
        rc = metric(b, "unparked_total", "counter",
                    "Parked readings serve took on a later try.",
                    LOAD(unparked));
    if (!rc)
        rc = metric(b, "forward_failures_total", "counter",
                    "Forwarding attempts that will be retried.",
                    LOAD(forward_failures));
    return rc;
}

static enum err
get_metrics(struct req *r)
{
    struct buf b;
    buf_init(&b, 16u << 20);
    enum err rc = metrics_render(&b);
    if (!rc)
        rc = ingest_metrics(&b);
    if (rc)
        rc = err_fail(ERR_INTERNAL, "metrics larger than 16 MiB");
    if (!rc)
        resp_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8",
                   buf_str(&b), b.len);
    buf_free(&b);
    return rc;
}

static const struct route ingest_routes[] = {
    {"POST", "/v1/batches", post_batch, BATCH_BODY_MAX, NULL, NULL, 0},
    {"GET", "/healthz", get_healthz, 0, NULL, NULL, 0},
    {"GET", "/readyz", get_readyz, 0, NULL, NULL, 0},
    {"GET", "/metrics", get_metrics, 0, NULL, NULL, 0},
    {"GET", "/status", get_status, 0, NULL, NULL, 0},
    ROUTES_END,
};

extern const struct route ingest_page_routes[]; /* ingest_page.c */

const struct route *const ingest_route_tables[] = {ingest_routes,
                                                   ingest_page_routes, NULL};
