/*
 * ingest_writer.c — the group-commit writer: one thread owns the log's
 * write side and the table of each device's last sequence number.
 *
 * Request threads queue a job (a parsed, authenticated batch) and wait
 * on a condition. The writer takes every job queued so far as one group:
 * for each job, in queue order, it drops the messages whose sequence
 * number is not above the device's last (duplicates: acknowledged, not
 * logged) and appends one record with the rest; then one ilog_sync()
 * (one write, one fdatasync) makes the whole group durable and every job
 * in it is answered. While it syncs, new jobs queue up for the next
 * group, so under load many batches share one fdatasync (ARCHITECTURE
 * "Budgets": ~280 µs each).
 *
 * A job whose messages are all duplicates still waits for its group's
 * sync: the messages it repeats may be in that same group. When a sync
 * fails, the group's changes to the sequence table are undone and each
 * job fails (503): nothing of it counts.
 *
 * Sequence numbers are per device and epoch (a re-key starts a new epoch
 * at 0). A job signed in an older epoch than the table knows (the device
 * was re-keyed while its request was in flight) is refused as a bad
 * signature; the device signs again with its new key.
 *
 * The record (ilog payload, little endian):
 *   0  u8 1 (record), u8 1 (version), u16 device id length
 *   4  u32 messages in the record
 *   8  u64 epoch, 16 u64 highest seq, 24 u64 received (Unix ms)
 *   32 the device id, then JSON:
 *      {"tenant":"0001","tenant_id":1,"dkind":"smart_meter",
 *       "link":{"meter_id":12,"appliance_id":null,"supply_point_id":7},
 *       "msgs":[<canonical message>,...]}
 */
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "monitor/ingest_int.h"
#include "monitor/smap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A device's row in the sequence table. */
struct seqst {
    char device_id[DEVICE_ID_MAX + 1];
    int64_t epoch, last_seq, seen_ms;
    bool dirty_seen, dirty_snap; /* listed in W.seen / W.snapl */
};

/* What a group changed, to undo it when its sync fails. */
struct undo {
    struct seqst *s;
    int64_t epoch, last_seq;
};

static struct {
    pthread_mutex_t mu; /* the queue */
    pthread_cond_t work, done;
    struct wjob *head, *tail;
    bool stop, running;
    pthread_t th;
    struct ilog *log;
    pthread_mutex_t seq_mu; /* seqs and the dirty lists */
    struct smap seqs;
    struct seqst **seen, **snapl; /* dirty lists */
    size_t nseen, capseen, nsnapl, capsnapl;
    struct seen *snap; /* the snapshot handed over, not yet taken */
    size_t nsnap, capsnap;
    uint64_t snap_covered;
    struct undo *undo;
    size_t nundo, capundo;
    struct buf rec;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .work = PTHREAD_COND_INITIALIZER,
       .done = PTHREAD_COND_INITIALIZER,
       .seq_mu = PTHREAD_MUTEX_INITIALIZER};

static void
push(struct seqst ***list, size_t *n, size_t *cap, struct seqst *s)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *list = xrealloc(*list, *cap * sizeof(**list));
    }
    (*list)[(*n)++] = s;
}

static struct seqst *
seq_of(const char *device_id)
{
    if (!W.seqs.b)
        smap_init(&W.seqs);
    struct seqst *s = smap_get(&W.seqs, device_id);
    if (!s) {
        s = xcalloc(1, sizeof(*s));
        snprintf(s->device_id, sizeof(s->device_id), "%s", device_id);
        smap_put(&W.seqs, device_id, s);
    }
    return s;
}

static void
mark(struct seqst *s)
{
    if (!s->dirty_seen) {
        s->dirty_seen = true;
        push(&W.seen, &W.nseen, &W.capseen, s);
    }
    if (!s->dirty_snap) {
        s->dirty_snap = true;
        push(&W.snapl, &W.nsnapl, &W.capsnapl, s);
    }
}

void
writer_seed(const char *device_id, int64_t epoch, int64_t seq)
{
    pthread_mutex_lock(&W.seq_mu);
    struct seqst *s = seq_of(device_id);
    if (epoch > s->epoch) {
        s->epoch = epoch;
        s->last_seq = seq;
    } else if (epoch == s->epoch && seq > s->last_seq) {
        s->last_seq = seq;
    }
    pthread_mutex_unlock(&W.seq_mu);
}

/* ---------------------------------------------------------------------- */
/* Records                                                                */
/* ---------------------------------------------------------------------- */

static void
put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

bool
rec_head_parse(const unsigned char *p, size_t n, struct rec_head *h)
{
    if (n < REC_HEAD || p[0] != ILOG_TYPE_RECORD || p[1] != 1)
        return false;
    size_t dl = (size_t)get_le(p + 2, 2);
    if (dl < 1 || dl > DEVICE_ID_MAX || REC_HEAD + dl > n)
        return false;
    h->nmsgs = (uint32_t)get_le(p + 4, 4);
    h->epoch = (int64_t)get_le(p + 8, 8);
    h->max_seq = (int64_t)get_le(p + 16, 8);
    h->recv_ms = (int64_t)get_le(p + 24, 8);
    memcpy(h->device_id, p + REC_HEAD, dl);
    h->device_id[dl] = '\0';
    h->json = (const char *)p + REC_HEAD + dl;
    h->json_len = n - REC_HEAD - dl;
    return true;
}

/* The record of j's accepted messages into W.rec. */
static enum err
record_build(const struct wjob *j, int64_t max_seq)
{
    unsigned char head[REC_HEAD];
    size_t dl = strlen(j->device_id);
    const struct batch *b = j->b;
    memset(head, 0, sizeof(head));
    head[0] = ILOG_TYPE_RECORD;
    head[1] = 1;
    put_le(head + 2, dl, 2);
    put_le(head + 4, j->accepted, 4);
    put_le(head + 8, (uint64_t)j->epoch, 8);
    put_le(head + 16, (uint64_t)max_seq, 8);
    put_le(head + 24, (uint64_t)j->recv_ms, 8);
    buf_reset(&W.rec);
    enum err rc = buf_append(&W.rec, head, sizeof(head));
    if (!rc)
        rc = buf_append(&W.rec, j->device_id, dl);
    if (!rc)
        rc = buf_append(&W.rec, j->prefix, j->prefix_len);
    bool first = true;
    for (size_t i = 0; !rc && i < b->n; i++) {
        if (j->outcome[i] != 1)
            continue;
        if (!first)
            rc = buf_putc(&W.rec, ',');
        if (!rc)
            rc = buf_append(&W.rec, b->text.data + b->msgs[i].off,
                            b->msgs[i].len);
        first = false;
    }
    if (!rc)
        rc = buf_puts(&W.rec, "]}");
    return rc;
}

/* ---------------------------------------------------------------------- */
/* One group                                                              */
/* ---------------------------------------------------------------------- */

static void
undo_push(struct seqst *s)
{
    if (W.nundo == W.capundo) {
        W.capundo = W.capundo ? W.capundo * 2 : 64;
        W.undo = xrealloc(W.undo, W.capundo * sizeof(*W.undo));
    }
    W.undo[W.nundo++] = (struct undo){s, s->epoch, s->last_seq};
}

/* Decide each message of j against the table; log its record. */
static void
job_filter(struct wjob *j, int64_t now_ms)
{
    struct seqst *s = seq_of(j->device_id);
    if (s->epoch > j->epoch) {
        j->rc = ERR_INGEST_SIGNATURE;
        snprintf(j->detail, sizeof(j->detail),
                 "device %s was re-keyed: sign with the new key", j->device_id);
        return;
    }
    undo_push(s);
    if (s->epoch < j->epoch) {
        s->epoch = j->epoch;
        s->last_seq = 0;
    }
    int64_t max_seq = 0;
    for (size_t i = 0; i < j->b->n; i++) {
        int64_t seq = j->b->msgs[i].seq;
        bool fresh = seq > s->last_seq;
        j->outcome[i] = fresh ? 1 : 2;
        if (fresh) {
            s->last_seq = max_seq = seq;
            j->accepted++;
        } else {
            j->duplicates++;
        }
    }
    j->last_seq = s->last_seq;
    s->seen_ms = now_ms > s->seen_ms ? now_ms : s->seen_ms;
    mark(s);
    uint64_t lsn;
    if (j->accepted &&
        ((j->rc = record_build(j, max_seq)) ||
         (j->rc = ilog_append(W.log, W.rec.data, W.rec.len, &lsn)))) {
        struct undo *u = &W.undo[--W.nundo]; /* this job's */
        u->s->epoch = u->epoch;
        u->s->last_seq = u->last_seq;
        snprintf(j->detail, sizeof(j->detail), "record: %s", err_detail());
    }
}

/* The group's changes are void: put the table back. */
static void
group_undo(void)
{
    while (W.nundo) {
        struct undo *u = &W.undo[--W.nundo];
        u->s->epoch = u->epoch;
        u->s->last_seq = u->last_seq;
    }
}

/* The segment changed: hand the sequences changed so far to the registry
 * thread, which stores them as covering everything before the new one. */
static void
snapshot_handover(uint64_t covered)
{
    for (size_t i = 0; i < W.nsnapl; i++) {
        struct seqst *s = W.snapl[i];
        if (W.nsnap == W.capsnap) {
            W.capsnap = W.capsnap ? W.capsnap * 2 : 256;
            W.snap = xrealloc(W.snap, W.capsnap * sizeof(*W.snap));
        }
        struct seen *e = &W.snap[W.nsnap++];
        snprintf(e->device_id, sizeof(e->device_id), "%s", s->device_id);
        e->epoch = s->epoch;
        e->last_seq = s->last_seq;
        e->seen_ms = s->seen_ms;
        s->dirty_snap = false;
    }
    W.nsnapl = 0;
    W.snap_covered = covered;
}

static void
group_run(struct wjob *jobs)
{
    struct ingest_stats *st = &ingest_g.st;
    int64_t now_ms = (int64_t)time(NULL) * 1000;
    size_t njobs = 0;
    W.nundo = 0;
    pthread_mutex_lock(&W.seq_mu);
    for (struct wjob *j = jobs; j; j = j->next, njobs++)
        job_filter(j, now_ms);
    pthread_mutex_unlock(&W.seq_mu);
    size_t bytes = ilog_pending(W.log);
    uint64_t base = ilog_head_base(W.log), t0 = time_mono_ns();
    uint64_t end0 = ilog_end(W.log);
    enum err rc = ilog_sync(W.log);
    pthread_mutex_lock(&W.seq_mu);
    if (rc) {
        group_undo();
    } else if (bytes) {
        atomic_fetch_add(&st->syncs, 1);
        atomic_fetch_add(&st->sync_ns, time_mono_ns() - t0);
        atomic_fetch_add(&st->bytes, ilog_end(W.log) - end0);
        atomic_fetch_add(&st->groups_jobs, njobs);
        if (ilog_head_base(W.log) != base)
            snapshot_handover(ilog_head_base(W.log));
    }
    pthread_mutex_unlock(&W.seq_mu);
    for (struct wjob *j = jobs; j; j = j->next) {
        if (rc && !j->rc) {
            j->rc = rc;
            snprintf(j->detail, sizeof(j->detail), "%s", err_detail());
        }
        if (!j->rc && j->accepted)
            atomic_fetch_add(&st->records, 1);
    }
    if (!rc && bytes)
        forward_kick();
}

static void *
writer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&W.mu);
    for (;;) {
        while (!W.head && !W.stop)
            pthread_cond_wait(&W.work, &W.mu);
        if (!W.head)
            break;
        struct wjob *jobs = W.head;
        W.head = W.tail = NULL;
        pthread_mutex_unlock(&W.mu);
        group_run(jobs);
        pthread_mutex_lock(&W.mu);
        for (struct wjob *j = jobs; j; j = j->next)
            j->done = true;
        pthread_cond_broadcast(&W.done);
    }
    W.running = false;
    pthread_cond_broadcast(&W.done);
    pthread_mutex_unlock(&W.mu);
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* The interface                                                          */
/* ---------------------------------------------------------------------- */

enum err
writer_start(struct ilog *log)
{
    W.log = log;
    W.stop = false;
    buf_init(&W.rec, ILOG_RECORD_MAX);
    pthread_mutex_lock(&W.seq_mu);
    if (!W.seqs.b)
        smap_init(&W.seqs);
    pthread_mutex_unlock(&W.seq_mu);
    W.running = true;
    if (pthread_create(&W.th, NULL, writer_main, NULL) != 0) {
        W.running = false;
        return err_fail(ERR_INTERNAL, "cannot start the log writer");
    }
    return ERR_OK;
}

enum err
writer_submit(struct wjob *j)
{
    j->next = NULL;
    j->done = false;
    j->rc = ERR_OK;
    j->accepted = j->duplicates = 0;
    j->detail[0] = '\0';
    pthread_mutex_lock(&W.mu);
    if (!W.running || W.stop) {
        pthread_mutex_unlock(&W.mu);
        return err_fail(ERR_HTTP_SHUTTING_DOWN, "ingest is stopping");
    }
    if (W.tail)
        W.tail->next = j;
    else
        W.head = j;
    W.tail = j;
    pthread_cond_signal(&W.work);
    while (!j->done)
        pthread_cond_wait(&W.done, &W.mu);
    pthread_mutex_unlock(&W.mu);
    if (j->rc)
        err_fail(j->rc, "%s", j->detail);
    return j->rc;
}

static void
seq_free(void *p)
{
    free(p);
}

void
writer_stop(void)
{
    pthread_mutex_lock(&W.mu);
    bool was = W.running;
    W.stop = true;
    pthread_cond_signal(&W.work);
    pthread_mutex_unlock(&W.mu);
    if (was)
        pthread_join(W.th, NULL);
}

void
writer_free(void)
{
    buf_free(&W.rec);
    pthread_mutex_lock(&W.seq_mu);
    smap_free(&W.seqs, seq_free);
    free(W.seen);
    free(W.snapl);
    free(W.snap);
    free(W.undo);
    W.seen = W.snapl = NULL;
    W.snap = NULL;
    W.undo = NULL;
    W.nseen = W.capseen = W.nsnapl = W.capsnapl = 0;
    W.nsnap = W.capsnap = W.nundo = W.capundo = 0;
    pthread_mutex_unlock(&W.seq_mu);
}

size_t
writer_take_seen(struct seen **out)
{
    pthread_mutex_lock(&W.seq_mu);
    size_t n = W.nseen;
    *out = n ? xmalloc(n * sizeof(**out)) : NULL;
    for (size_t i = 0; i < n; i++) {
        struct seqst *s = W.seen[i];
        snprintf((*out)[i].device_id, sizeof((*out)[i].device_id), "%s",
                 s->device_id);
        (*out)[i].epoch = s->epoch;
        (*out)[i].last_seq = s->last_seq;
        (*out)[i].seen_ms = s->seen_ms;
        s->dirty_seen = false;
    }
    W.nseen = 0;
    pthread_mutex_unlock(&W.seq_mu);
    return n;
}

size_t
writer_take_snapshot(struct seen **out, uint64_t *covered)
{
    pthread_mutex_lock(&W.seq_mu);
    size_t n = W.nsnap;
    *covered = W.snap_covered;
    *out = W.snap;
    W.snap = NULL;
    W.nsnap = W.capsnap = 0;
    W.snap_covered = 0;
    pthread_mutex_unlock(&W.seq_mu);
    return n;
}
