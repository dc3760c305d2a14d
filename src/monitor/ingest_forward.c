/*
 * ingest_forward.c — the forwarder: reads the log in order from the
 * durable cursor and delivers each message to serve, retrying until serve
 * has it.
 *
 * Chunks. From the cursor (a record's LSN and the next message in it) the
 * forwarder gathers messages in log order until it has --forward-max
 * readings or events, or ~768 KiB of either, or reaches the durable end:
 *   reading                → POST /internal/v1/remote-readings
 *                            {tenant, device_id, read_at, index}
 *   event, heater_status   → POST /internal/v1/device-events
 *                            {tenant, device_id, device_kind, epoch,
 *                             received_at, link, message}
 *   heartbeat              → nothing (ingest keeps last-seen itself)
 * Each list is ordered by tenant with a stable sort (serve commits one
 * transaction per run of one tenant), which keeps every device's messages
 * in log order; readings and events go to different tables, so their
 * relative order does not matter.
 *
 * Outcomes. For readings, accepted / flagged / duplicate / conflict are
 * done (a conflict is held in metering for the office); for events,
 * stored / duplicate. An error is sorted by its code's HTTP status:
 *   5xx (store busy, commit failed, internal)  transient: the whole chunk
 *        is sent again after a backoff (what was stored comes back as a
 *        duplicate: serve is idempotent for both endpoints);
 *   4xx (no meter carries the device on that date, no open period,
 *        impossible index, unknown tenant, invalid)  permanent: sending
 *        again cannot help, and waiting would hold back every device
 *        behind it, so the message is set aside in ingest.db's
 *        dead_letters with the error (counted in /metrics) and the
 *        cursor moves on. One of them the office can still cure — no
 *        meter carrying the device id in the ledger yet
 *        (metering.no_meter; metering.period_not_found from an older
 *        serve) — so those readings are parked instead: sent again every
 *        --park-retry seconds while the forwarder is idle, for
 *        --park-days, then dead. (serve keeps a reading without an open
 *        period as an interval reading: outcome "interval", done.)
 * A failure of the whole request (serve down, timeout, 401 token, 404
 * endpoint off, any non-200) is transient: retried with exponential
 * backoff (100 ms doubling, ±25 % jitter, capped at --retry-max) for as
 * long as it takes. Nothing is skipped while serve is away.
 *
 * The cursor moves only after serve has answered for the whole chunk, and
 * is stored in ingest.db with the chunk's dead letters in one
 * transaction: a restart resumes there, and at worst sends a chunk again.
 * Then segments wholly before both the cursor and the stored sequence
 * snapshot are deleted (compaction).
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "monitor/ingest_int.h"
#include "store/store.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK_BYTES (768u * 1024)

/* Where a forwarded message came from (for dead letters). */
struct origin {
    uint64_t lsn;
    int64_t msg;
    char device_id[DEVICE_ID_MAX + 1];
    char tenant[TENANT_CODE_MAX + 1];
    char kind[16];
    char *message; /* its JSON (owned) */
};

/* One list of items for one endpoint. */
struct list {
    json_t *items;    /* array of objects */
    struct origin *o; /* parallel to items */
    size_t n, cap, bytes;
};

struct chunk {
    struct list readings, events;
    uint64_t end_lsn; /* the cursor after this chunk */
    int64_t end_msg;
    size_t skipped; /* heartbeats */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, running, kicked;
    pthread_t th;
    uint64_t lsn;
    int64_t msg;
    struct ilog_reader rd;
    struct store *state;
    CURL *curl;
    struct curl_slist *hdrs;
    unsigned attempt;
} F = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* ---------------------------------------------------------------------- */
/* Error codes → transient or permanent                                  */
/* ---------------------------------------------------------------------- */

/* Every stable code with its HTTP status, gathered once from the error
 * table (the same binary as serve's). */
static struct {
    const char *code;
    int status;
} codes[1200];
static size_t ncodes;
static pthread_once_t codes_once = PTHREAD_ONCE_INIT;

static void
codes_init(void)
{
    for (int e = 1; e < 1200; e++) {
        const char *c = err_code((enum err)e);
        if (e != ERR_INTERNAL && !strcmp(c, "internal"))
            continue; /* no such value */
        codes[ncodes].code = c;
        codes[ncodes++].status = err_http_status((enum err)e);
    }
}

/* The HTTP status of a stable code string; 500 when unknown (so an
 * unknown code is retried, never dropped). */
static int
code_status(const char *code)
{
    pthread_once(&codes_once, codes_init);
    for (size_t i = 0; code && i < ncodes; i++)
        if (!strcmp(codes[i].code, code))
            return codes[i].status;
    return 500;
}

/* ---------------------------------------------------------------------- */
/* Building a chunk                                                       */
/* ---------------------------------------------------------------------- */

static void
list_init(struct list *l)
{
    memset(l, 0, sizeof(*l));
    l->items = json_array();
}

static void
list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->o[i].message);
    free(l->o);
    json_decref(l->items);
    memset(l, 0, sizeof(*l));
}

static void
chunk_free(struct chunk *c)
{
    list_free(&c->readings);
    list_free(&c->events);
}

static bool
chunk_full(const struct chunk *c)
{
    size_t max = (size_t)ingest_g.o->forward_max;
    return c->readings.n >= max || c->events.n >= max ||
           c->readings.bytes >= CHUNK_BYTES || c->events.bytes >= CHUNK_BYTES;
}

static void
list_add(struct list *l, json_t *item, const struct rec_head *h,
         const char *tenant, uint64_t lsn, int64_t msg, json_t *m)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->o = xrealloc(l->o, l->cap * sizeof(*l->o));
    }
    struct origin *o = &l->o[l->n++];
    o->lsn = lsn;
    o->msg = msg;
    snprintf(o->device_id, sizeof(o->device_id), "%s", h->device_id);
    snprintf(o->tenant, sizeof(o->tenant), "%s", tenant);
    snprintf(o->kind, sizeof(o->kind), "%s",
             json_string_value(json_object_get(m, "kind")));
    o->message = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
    l->bytes += strlen(o->message) + 96;
    json_array_append_new(l->items, item);
}

/* Add message i of a record to the chunk. */
static void
message_add(struct chunk *c, const struct rec_head *h, json_t *rec, json_t *m,
            uint64_t lsn, int64_t i)
{
    const char *tenant = json_string_value(json_object_get(rec, "tenant"));
    const char *kind = json_string_value(json_object_get(m, "kind"));
    char recv[32];
    if (!tenant || !kind)
        return;
    if (!strcmp(kind, "reading")) {
        json_t *it =
            json_pack("{s:s, s:s, s:O, s:O}", "tenant", tenant, "device_id",
                      h->device_id, "read_at", json_object_get(m, "at"),
                      "index", json_object_get(m, "index"));
        if (it)
            list_add(&c->readings, it, h, tenant, lsn, i, m);
    } else if (!strcmp(kind, "event") || !strcmp(kind, "heater_status")) {
        batch_time_format(h->recv_ms, recv);
        json_t *it =
            json_pack("{s:s, s:s, s:O, s:I, s:s, s:O, s:O}", "tenant", tenant,
                      "device_id", h->device_id, "device_kind",
                      json_object_get(rec, "dkind"), "epoch",
                      (json_int_t)h->epoch, "received_at", recv, "link",
                      json_object_get(rec, "link"), "message", m);
        if (it)
            list_add(&c->events, it, h, tenant, lsn, i, m);
    } else {
        c->skipped++;
    }
}

/* Messages of the record at lsn from index first: false when the chunk
 * filled before its end (c->end_* then points inside it). */
static bool
record_add(struct chunk *c, const unsigned char *p, size_t n, uint64_t lsn,
           uint64_t next, int64_t first)
{
    struct rec_head h;
    json_t *rec = NULL;
    if (!rec_head_parse(p, n, &h) || json_parse(h.json, h.json_len, &rec)) {
        log_msg(LOG_ERROR, "ingest.forward_record",
                "record at LSN %llu does not parse; skipped",
                (unsigned long long)lsn);
        c->end_lsn = next;
        c->end_msg = 0;
        return true;
    }
    json_t *msgs = json_object_get(rec, "msgs");
    size_t count = json_array_size(msgs);
    for (size_t i = (size_t)first; i < count; i++) {
        if (chunk_full(c)) {
            c->end_lsn = lsn;
            c->end_msg = (int64_t)i;
            json_decref(rec);
            return false;
        }
        message_add(c, &h, rec, json_array_get(msgs, i), lsn, (int64_t)i);
    }
    json_decref(rec);
    c->end_lsn = next;
    c->end_msg = 0;
    return true;
}

/* Gather the chunk at the cursor. ERR_INGEST_LOG_CORRUPT and the like
 * stop the forwarder's progress (logged by the caller). */
static enum err
chunk_build(struct chunk *c)
{
    const unsigned char *p;
    size_t n;
    uint64_t at, next, lsn = F.lsn;
    int64_t first = F.msg;
    list_init(&c->readings);
    list_init(&c->events);
    c->skipped = 0;
    c->end_lsn = F.lsn;
    c->end_msg = F.msg;
    while (!chunk_full(c)) {
        enum err rc = ilog_read(&F.rd, lsn, &p, &n, &at, &next);
        if (rc == ERR_NOT_FOUND) {
            if (first == 0) /* past commit frames to the end */
                c->end_lsn = next, c->end_msg = 0;
            return ERR_OK;
        }
        if (rc)
            return rc;
        if (at != lsn)
            first = 0; /* commit frames were skipped to reach it */
        if (!record_add(c, p, n, at, next, first))
            return ERR_OK;
        lsn = next;
        first = 0;
    }
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Posting                                                                */
/* ---------------------------------------------------------------------- */

struct sink {
    struct buf b;
};

static size_t
sink_write(char *p, size_t size, size_t nmemb, void *arg)
{
    struct sink *k = arg;
    return buf_append(&k->b, p, size * nmemb) ? 0 : size * nmemb;
}

static int
progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)arg, (void)a, (void)b, (void)c, (void)d;
    return atomic_load(&ingest_g.stopping) ? 1 : 0; /* abort at shutdown */
}

struct order {
    const char *tenant;
    size_t i;
};

static int
order_cmp(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    int c = strcmp(x->tenant, y->tenant);
    return c ? c : (x->i > y->i) - (x->i < y->i); /* stable: log order */
}

/* Items sorted by tenant, stably (device order kept): an index order. */
static size_t *
tenant_order(const struct list *l)
{
    struct order *o = xmalloc((l->n ? l->n : 1) * sizeof(*o));
    size_t *ix = xmalloc((l->n ? l->n : 1) * sizeof(*ix));
    for (size_t i = 0; i < l->n; i++)
        o[i] = (struct order){l->o[i].tenant, i};
    qsort(o, l->n, sizeof(*o), order_cmp);
    for (size_t i = 0; i < l->n; i++)
        ix[i] = o[i].i;
    free(o);
    return ix;
}

/* POST {key: arr} to path (arr stolen): the parsed answer or NULL
 * (transport failure or not 200, logged). */
static json_t *
post(const char *path, const char *key, json_t *arr)
{
    char url[640];
    struct sink k;
    long status = 0;
    json_t *body = json_pack("{s:o}", key, arr);
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    snprintf(url, sizeof(url), "%s%s", ingest_g.o->serve, path);
    buf_init(&k.b, 64u << 20);
    curl_easy_setopt(F.curl, CURLOPT_URL, url);
    curl_easy_setopt(F.curl, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(F.curl, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
    curl_easy_setopt(F.curl, CURLOPT_WRITEDATA, &k);
    CURLcode cc = curl_easy_perform(F.curl);
    curl_easy_getinfo(F.curl, CURLINFO_RESPONSE_CODE, &status);
    free(text);
    json_t *ans = NULL;
    if (cc == CURLE_OK && status == 200)
        json_parse(k.b.data ? k.b.data : "", k.b.len, &ans);
    if (!ans && !atomic_load(&ingest_g.stopping))
        log_msg(cc == CURLE_OK ? LOG_ERROR : LOG_WARN, "ingest.forward_failed",
                "%s: %s (HTTP %ld)", path,
                cc == CURLE_OK ? "unexpected answer" : curl_easy_strerror(cc),
                status);
    buf_free(&k.b);
    return ans;
}

/* Errors the office can still cure: the reading waits (parked). */
static bool
deferrable(const char *code)
{
    return code && (!strcmp(code, "metering.period_not_found") ||
                    !strcmp(code, "metering.no_meter"));
}

/* Sort serve's results: false when any is transient. Permanent errors
 * are appended to *dead. */
static bool
results_check(const struct list *l, const size_t *ix, json_t *ans,
              const char *const *done, struct dead **dead, size_t *ndead)
{
    json_t *results = json_object_get(ans, "results");
    if (json_array_size(results) != l->n)
        return false;
    for (size_t i = 0; i < l->n; i++) {
        json_t *r = json_array_get(results, i);
        const char *o = json_string_value(json_object_get(r, "outcome"));
        bool ok = false;
        for (const char *const *d = done; o && *d; d++)
            ok = ok || !strcmp(o, *d);
        if (ok)
            continue;
        json_t *e = json_object_get(r, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        if (code_status(code) >= 500)
            return false;
        const struct origin *g = &l->o[ix[i]];
        *dead = xrealloc(*dead, (*ndead + 1) * sizeof(**dead));
        (*dead)[(*ndead)++] =
            (struct dead){g->lsn,
                          g->msg,
                          g->device_id,
                          g->tenant,
                          g->kind,
                          g->message,
                          code ? code : "unknown",
                          json_string_value(json_object_get(e, "detail")),
                          deferrable(code)};
    }
    return true;
}

/* Deliver one list; false to retry the chunk. */
static bool
deliver(const struct list *l, const char *path, const char *key,
        const char *const *done, struct dead **dead, size_t *ndead,
        json_t **keep)
{
    if (!l->n)
        return true;
    size_t *ix = tenant_order(l);
    json_t *arr = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append(arr, json_array_get(l->items, ix[i]));
    json_t *ans = post(path, key, arr);
    bool ok = ans && results_check(l, ix, ans, done, dead, ndead);
    free(ix);
    if (ans && ok)
        *keep = ans; /* dead letters borrow its strings */
    else
        json_decref(ans);
    return ok;
}

/* ---------------------------------------------------------------------- */
/* The loop                                                               */
/* ---------------------------------------------------------------------- */

/* Wait up to ms for stop, or a kick (new records) when kick is set. */
static void
nap(long long ms, bool kick)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = ts.tv_nsec + ms * 1000000LL;
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    pthread_mutex_lock(&F.mu);
    while (!F.stop && !(kick && F.kicked) &&
           pthread_cond_timedwait(&F.cv, &F.mu, &ts) != ETIMEDOUT)
        ;
    F.kicked = false;
    pthread_mutex_unlock(&F.mu);
}

static long long
backoff_ms(void)
{
    long long cap = ingest_g.o->retry_max * 1000LL, d = 100;
    for (unsigned i = 0; i < F.attempt && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    F.attempt++;
    uint32_t r;
    memcpy(&r, &F.lsn, sizeof(r));
    r = (uint32_t)(r * 2654435761u + F.attempt * 40503u);
    return d * 3 / 4 + (long long)(r % (uint32_t)(d / 2 + 1));
}

/* Move the cursor (stored with the dead letters) and compact. */
static enum err
advance(const struct chunk *c, const struct dead *dead, size_t ndead)
{
    enum err rc = state_advance(F.state, c->end_lsn, c->end_msg, dead, ndead);
    if (rc)
        return rc;
    F.lsn = c->end_lsn;
    F.msg = c->end_msg;
    atomic_store(&ingest_g.st.forward_lsn, F.lsn);
    atomic_fetch_add(&ingest_g.st.forwarded_readings, c->readings.n);
    atomic_fetch_add(&ingest_g.st.forwarded_events, c->events.n);
    atomic_fetch_add(&ingest_g.st.skipped, c->skipped);
    for (size_t i = 0; i < ndead; i++) {
        atomic_fetch_add(dead[i].parked ? &ingest_g.st.parked
                                        : &ingest_g.st.dead_letters,
                         1);
        log_msg(LOG_WARN,
                dead[i].parked ? "ingest.parked" : "ingest.dead_letter",
                "%s %s %s: %s", dead[i].tenant, dead[i].device_id,
                dead[i].message, dead[i].code);
    }
    uint64_t covered = atomic_load(&ingest_g.seq_covered);
    size_t removed = 0;
    if (!ilog_compact(ingest_g.log, F.lsn < covered ? F.lsn : covered,
                      &removed) &&
        removed)
        atomic_fetch_add(&ingest_g.st.compacted, removed);
    return ERR_OK;
}

/* Parked readings due again, as remote-readings items. */
struct due {
    json_t *items;
    int64_t *ids;
    size_t n;
};

static bool
due_add(const struct parked *p, void *arg)
{
    struct due *d = arg;
    json_t *m = json_loads(p->message, 0, NULL);
    d->ids = xrealloc(d->ids, (d->n + 1) * sizeof(*d->ids));
    d->ids[d->n++] = p->id;
    json_array_append_new(d->items,
                          json_pack("{s:s, s:s, s:O, s:O}", "tenant", p->tenant,
                                    "device_id", p->device_id, "read_at",
                                    json_object_get(m, "at"), "index",
                                    json_object_get(m, "index")));
    json_decref(m);
    return true;
}

/* Send parked readings whose time has come (every few seconds at most):
 * done ones leave the table, the others wait again or die (4xx codes
 * that are not deferrable; too old). */
static void
parked_round(void)
{
    static const char *const done[] = {"accepted",  "flagged",  "interval",
                                       "duplicate", "conflict", NULL};
    static int64_t next_check;
    int64_t now = (int64_t)time(NULL);
    struct due d = {json_array(), NULL, 0};
    if (now < next_check)
        goto out;
    next_check = now + 5;
    if (state_parked_due(F.state, now, 1000, due_add, &d) || !d.n)
        goto out;
    json_t *ans =
        post("/internal/v1/remote-readings", "readings", json_incref(d.items));
    json_t *results = json_object_get(ans, "results");
    if (json_array_size(results) != d.n) {
        json_decref(ans);
        goto out; /* serve away: the same rows next time */
    }
    struct parked_result *r = xcalloc(d.n, sizeof(*r));
    size_t back = 0;
    for (size_t i = 0; i < d.n; i++) {
        json_t *x = json_array_get(results, i);
        const char *o = json_string_value(json_object_get(x, "outcome"));
        json_t *e = json_object_get(x, "error");
        r[i].id = d.ids[i];
        for (const char *const *k = done; o && *k; k++)
            r[i].done = r[i].done || !strcmp(o, *k);
        r[i].code = json_string_value(json_object_get(e, "code"));
        r[i].detail = json_string_value(json_object_get(e, "detail"));
        if (!r[i].done && code_status(r[i].code) >= 500)
            r[i].retry_s = 60;
        else if (!r[i].done && !deferrable(r[i].code))
            r[i].dead = true;
        if (!r[i].code)
            r[i].code = r[i].done ? "" : "unknown";
        back += r[i].done;
    }
    if (!state_parked_update(F.state, r, d.n, now))
        atomic_fetch_add(&ingest_g.st.unparked, back);
    free(r);
    json_decref(ans);
out:
    json_decref(d.items);
    free(d.ids);
}

/* One round: build, deliver, advance. False when there was nothing. */
static bool
round_run(void)
{
    static const char *const reading_done[] = {
        "accepted", "flagged", "interval", "duplicate", "conflict", NULL};
    static const char *const event_done[] = {"stored", "duplicate", NULL};
    struct chunk c;
    struct dead *dead = NULL;
    size_t ndead = 0;
    json_t *ans1 = NULL, *ans2 = NULL;
    enum err rc = chunk_build(&c);
    bool moved = c.end_lsn != F.lsn || c.end_msg != F.msg;
    bool any = c.readings.n || c.events.n;
    if (rc) {
        log_msg(LOG_ERROR, "ingest.forward_read", "%s", err_detail());
        chunk_free(&c);
        nap(5000, false);
        return true;
    }
    if (any && (!deliver(&c.readings, "/internal/v1/remote-readings",
                         "readings", reading_done, &dead, &ndead, &ans1) ||
                !deliver(&c.events, "/internal/v1/device-events", "events",
                         event_done, &dead, &ndead, &ans2))) {
        atomic_fetch_add(&ingest_g.st.forward_failures, 1);
        nap(backoff_ms(), false);
    } else if (moved && (rc = advance(&c, dead, ndead))) {
        log_msg(LOG_ERROR, "ingest.forward_cursor", "ingest.db: %s",
                err_detail());
        nap(1000, false);
    } else {
        F.attempt = 0;
    }
    free(dead);
    json_decref(ans1);
    json_decref(ans2);
    chunk_free(&c);
    return moved;
}

static void *
forward_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&ingest_g.stopping)) {
        pthread_mutex_lock(&F.mu);
        bool stop = F.stop;
        pthread_mutex_unlock(&F.mu);
        if (stop)
            break;
        if (!round_run()) {
            parked_round();
            nap(1000, true);
        }
    }
    return NULL;
}

static enum err
curl_setup(void)
{
    char auth[600];
    F.curl = curl_easy_init();
    if (!F.curl)
        return err_fail(ERR_INTERNAL, "libcurl did not start");
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", ingest_g.token);
    F.hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    F.hdrs = curl_slist_append(F.hdrs, auth);
    devkey_wipe(auth, sizeof(auth));
    curl_easy_setopt(F.curl, CURLOPT_HTTPHEADER, F.hdrs);
    curl_easy_setopt(F.curl, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(F.curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(F.curl, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(F.curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(F.curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(F.curl, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(F.curl, CURLOPT_PROTOCOLS_STR, "http,https");
    return ERR_OK;
}

enum err
forward_start(uint64_t lsn, int64_t msg)
{
    F.lsn = lsn;
    F.msg = msg;
    F.stop = false;
    F.attempt = 0;
    atomic_store(&ingest_g.st.forward_lsn, lsn);
    if (!ingest_g.o->serve[0])
        return ERR_OK; /* forwarding off: the log only grows */
    ilog_reader_init(&F.rd, ingest_g.log);
    enum err rc = state_open(&F.state);
    if (!rc)
        rc = curl_setup();
    if (!rc && pthread_create(&F.th, NULL, forward_main, NULL) != 0)
        rc = err_fail(ERR_INTERNAL, "cannot start the forwarder");
    F.running = !rc;
    return rc;
}

void
forward_kick(void)
{
    pthread_mutex_lock(&F.mu);
    F.kicked = true;
    pthread_cond_signal(&F.cv);
    pthread_mutex_unlock(&F.mu);
}

void
forward_stop(void)
{
    if (!F.running)
        return;
    pthread_mutex_lock(&F.mu);
    F.stop = true;
    pthread_cond_signal(&F.cv);
    pthread_mutex_unlock(&F.mu);
    pthread_join(F.th, NULL);
    F.running = false;
    ilog_reader_close(&F.rd);
    store_close(F.state);
    F.state = NULL;
    curl_slist_free_all(F.hdrs);
    curl_easy_cleanup(F.curl);
    F.hdrs = NULL;
    F.curl = NULL;
}
