/*
 * alarm_stream.c — GET /api/v1/alarms/stream (alarms.read): the console's
 * live alarms as Server-Sent Events (http/sse.h has the mechanics).
 *
 *   event: alarm
 *   id: <the alarm's change seq>
 *   data: <the alarm as GET /api/v1/alarms/{id} shows it>
 *
 * Every alarm made or moved in the caller's tenant after the stream
 * began is sent once per change, oldest change first. Each change of an
 * alarm takes the next seq of the tenant (alarm_store.c, updated_seq), so
 * "after seq n" is exact: a client reconnecting with Last-Event-ID: n (or
 * ?last_event_id=n, for clients that cannot set headers) misses nothing
 * and sees nothing twice. Without it the stream starts at the present.
 *
 * The stream keeps only its tenant id and its last seq. Each poll takes
 * the worker thread's connection to the tenant store for one indexed
 * read and leaves it; nothing is held in between. A stream ends after
 * STREAM_LIFETIME_S: the browser's EventSource reconnects by itself with
 * Last-Event-ID and passes the authorizer again, so a revoked session or
 * a changed role stops the feed within that time.
 */
#include "auth/auth.h"
#include "core/xalloc.h"
#include "http/http.h"
#include "http/sse.h"
#include "monitor/alarm_store.h"
#include "store/pool.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_LIFETIME_S (10 * 60)
#define STREAM_BATCH      50 /* changes per poll */

struct alarm_feed {
    int64_t tenant_id;
    int64_t seq; /* the last change sent */
};

/* The changes after f->seq as events into out. */
static enum err
feed_poll(void *ctx, struct buf *out, bool *more)
{
    struct alarm_feed *f = ctx;
    struct store *st;
    json_t *list = NULL, *a;
    size_t i;
    struct alarm_query q = {
        .after_seq = f->seq, .live = true, .limit = STREAM_BATCH};
    enum err rc = pool_tenant(f->tenant_id, &st);
    if (!rc)
        rc = alarm_list(st, &q, &list);
    if (rc)
        return rc;
    json_t *alarms = json_object_get(list, "alarms");
    *more = json_array_size(alarms) == STREAM_BATCH;
    json_array_foreach(alarms, i, a)
    {
        int64_t seq = json_integer_value(json_object_get(a, "seq"));
        char *text = json_dumps(a, JSON_COMPACT);
        size_t need = strlen(text) + 64;
        bool fits = out->len + need <= out->max;
        if (fits)
            buf_printf(out, "event: alarm\nid: %" PRId64 "\ndata: %s\n\n", seq,
                       text);
        free(text);
        if (!fits) { /* the rest at the next call */
            *more = true;
            break;
        }
        f->seq = seq;
    }
    json_decref(list);
    return ERR_OK;
}

static void
feed_free(void *ctx)
{
    free(ctx);
}

static const struct sse_source feed_source = {feed_poll, feed_free};

/* Last-Event-ID (or ?last_event_id=): a change seq, or -1 when absent. */
static enum err
resume_from(struct req *r, int64_t *seq)
{
    const char *v = req_header(r, "Last-Event-ID");
    char *end;
    if (!v)
        v = req_query(r, "last_event_id");
    *seq = -1;
    if (!v)
        return ERR_OK;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < 0) {
        struct jcheck k;
        jcheck_init(&k);
        jcheck_add(&k, "Last-Event-ID", "format",
                   "直前に受け取ったイベントの id（0以上の整数）です");
        return req_invalid(r, &k);
    }
    *seq = n;
    return ERR_OK;
}

enum err
get_alarm_stream(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    int64_t seq;
    char key[160];
    enum err rc = resume_from(r, &seq);
    if (!rc && seq < 0)
        rc = alarm_last_seq(a->st, &seq);
    if (rc)
        return rc;
    struct alarm_feed *f = xcalloc(1, sizeof(*f));
    f->tenant_id = a->tenant.id;
    f->seq = seq;
    snprintf(key, sizeof(key), "%" PRId64 "/%s", a->tenant.id, a->actor);
    return resp_sse(r, key, &feed_source, f, STREAM_LIFETIME_S);
}
