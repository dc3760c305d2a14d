/*
 * ingest_registry.c — ingest's view of the device registry, and its
 * housekeeping thread.
 *
 * The cache. Every device of platform.db, by id: tenant, kind, status,
 * epoch, links and the sealed key. A key is opened (crypto_box_seal_open
 * with ingest's secret key, ~0.1 ms) the first time its device is seen
 * and kept in memory; a change of epoch or sealed key forgets it. The
 * cache is loaded at start-up and refreshed every --refresh-ms from the
 * registry's change counter (devices.rev), so a retirement takes effect
 * within that time; a device that is not in the cache is looked up at
 * once, so a registration a moment ago works at the first batch. All of
 * it reads platform.db directly (SQLite, local): serve need not be up.
 *
 * The thread, every --refresh-ms:
 *   - refreshes the cache;
 *   - writes last_seen_at / last_seq of the devices heard from to
 *     platform.db (information for the console; one transaction every
 *     30 s and at shutdown: each is a record in the platform store's
 *     backup journal);
 *   - stores the sequence snapshot the writer handed over at a segment
 *     change into ingest.db, then publishes the LSN it covers (segments
 *     before it may be deleted once also forwarded).
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "monitor/batch.h"
#include "monitor/devices.h"
#include "monitor/ingest_int.h"
#include "monitor/smap.h"
#include "store/pool.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum key_state { KEY_SEALED = 0, KEY_READY, KEY_BAD };

struct entry {
    struct device d; /* as in the registry (key_sealed included) */
    unsigned char key[DEVKEY_BYTES];
    enum key_state ks;
};

static struct {
    pthread_rwlock_t lock;
    struct smap map;
    int64_t rev;
    pthread_mutex_t mu; /* the thread's stop flag */
    pthread_cond_t cv;
    bool stop, running;
    pthread_t th;
    struct store *state; /* the thread's ingest.db connection */
    struct seen *snap;   /* a snapshot not stored yet */
    size_t nsnap;
    uint64_t snap_covered;
} R = {.lock = PTHREAD_RWLOCK_INITIALIZER,
       .mu = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER};

/* Write lock held. */
static bool
upsert(const struct device *d, void *arg)
{
    (void)arg;
    struct entry *e = smap_get(&R.map, d->device_id);
    if (!e) {
        e = xcalloc(1, sizeof(*e));
        smap_put(&R.map, d->device_id, e);
    } else if (e->d.epoch != d->epoch ||
               strcmp(e->d.key_sealed, d->key_sealed) != 0) {
        devkey_wipe(e->key, sizeof(e->key));
        e->ks = KEY_SEALED;
    }
    e->d = *d;
    if (d->rev > R.rev)
        R.rev = d->rev;
    return true;
}

/* Count the rows a refresh pass saw (write lock held). */
static bool
upsert_count(const struct device *d, void *arg)
{
    (*(int *)arg)++;
    return upsert(d, NULL);
}

/* Read changes after R.rev until none are left. */
static enum err
refresh(void)
{
    struct store *platform;
    enum err rc = pool_platform(&platform);
    for (int n = 1000; !rc && n == 1000;) {
        n = 0;
        pthread_rwlock_wrlock(&R.lock);
        rc = device_changes(platform, R.rev, 1000, upsert_count, &n);
        pthread_rwlock_unlock(&R.lock);
    }
    return rc;
}

enum err
registry_init(void)
{
    pthread_rwlock_wrlock(&R.lock);
    if (!R.map.b)
        smap_init(&R.map);
    R.rev = 0;
    pthread_rwlock_unlock(&R.lock);
    return refresh();
}

static void
entry_free(void *p)
{
    struct entry *e = p;
    devkey_wipe(e->key, sizeof(e->key));
    free(e);
}

void
registry_free(void)
{
    pthread_rwlock_wrlock(&R.lock);
    if (R.map.b)
        smap_free(&R.map, entry_free);
    pthread_rwlock_unlock(&R.lock);
}

size_t
registry_size(void)
{
    pthread_rwlock_rdlock(&R.lock);
    size_t n = R.map.n;
    pthread_rwlock_unlock(&R.lock);
    return n;
}

static void
view_fill(const struct entry *e, struct reg_view *v)
{
    snprintf(v->tenant, sizeof(v->tenant), "%s", e->d.tenant);
    v->tenant_id = e->d.tenant_id;
    v->kind = e->d.kind;
    v->epoch = e->d.epoch;
    v->meter_id = e->d.meter_id;
    v->appliance_id = e->d.appliance_id;
    v->supply_point_id = e->d.supply_point_id;
    memcpy(v->key, e->key, sizeof(v->key));
}

/* From the cache: ERR_NOT_FOUND when absent; *sealed when the key must
 * still be opened (nothing copied then). */
static enum err
cached(const char *device_id, struct reg_view *v, bool *sealed)
{
    enum err rc = ERR_OK;
    *sealed = false;
    pthread_rwlock_rdlock(&R.lock);
    struct entry *e = smap_get(&R.map, device_id);
    if (!e)
        rc = ERR_NOT_FOUND;
    else if (!e->d.active)
        rc = err_fail(ERR_INGEST_DEVICE_RETIRED, "device %s was retired on %s",
                      device_id, e->d.retired_at);
    else if (e->ks == KEY_BAD)
        rc = err_fail(ERR_DEVICE_KEY_UNREADABLE,
                      "the key of device %s does not open", device_id);
    else if (e->ks == KEY_SEALED)
        *sealed = true;
    else
        view_fill(e, v);
    pthread_rwlock_unlock(&R.lock);
    return rc;
}

/* Open e's key (write lock held). */
static void
key_open(struct entry *e)
{
    if (e->ks != KEY_SEALED)
        return;
    enum err rc =
        devkey_open(ingest_g.seal_pk, ingest_g.seal_sk, e->d.key_sealed,
                    e->d.device_id, e->d.epoch, e->key);
    e->ks = rc ? KEY_BAD : KEY_READY;
    if (rc)
        log_msg(LOG_ERROR, "ingest.device_key", "%s (sealed to %s, ours %s)",
                err_detail(), e->d.seal_kid, ingest_g.seal_kid);
}

enum err
registry_lookup(const char *device_id, struct reg_view *out)
{
    bool sealed;
    for (int pass = 0; pass < 2; pass++) {
        enum err rc = cached(device_id, out, &sealed);
        if (rc == ERR_OK && sealed) {
            pthread_rwlock_wrlock(&R.lock);
            struct entry *e = smap_get(&R.map, device_id);
            if (e)
                key_open(e);
            pthread_rwlock_unlock(&R.lock);
            rc = cached(device_id, out, &sealed);
        }
        if (rc != ERR_NOT_FOUND || pass == 1)
            return rc == ERR_NOT_FOUND
                       ? err_fail(ERR_INGEST_UNKNOWN_DEVICE,
                                  "device %s is not registered", device_id)
                       : rc;
        /* not cached: registered a moment ago? */
        struct store *platform;
        struct device d;
        if (pool_platform(&platform) || device_get(platform, 0, device_id, &d))
            continue;
        pthread_rwlock_wrlock(&R.lock);
        upsert(&d, NULL);
        pthread_rwlock_unlock(&R.lock);
    }
    return err_fail(ERR_INGEST_UNKNOWN_DEVICE, "device %s is not registered",
                    device_id);
}

enum err
registry_reload(const char *device_id, struct reg_view *out)
{
    struct store *platform;
    struct device d;
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = device_get(platform, 0, device_id, &d);
    if (rc == ERR_DEVICE_NOT_FOUND)
        return err_fail(ERR_INGEST_UNKNOWN_DEVICE,
                        "device %s is not registered", device_id);
    if (rc)
        return rc;
    pthread_rwlock_wrlock(&R.lock);
    upsert(&d, NULL);
    pthread_rwlock_unlock(&R.lock);
    return registry_lookup(device_id, out);
}

/* ---------------------------------------------------------------------- */
/* The thread                                                             */
/* ---------------------------------------------------------------------- */

/* last_seen_at / last_seq of the devices heard from, in one transaction. */
static void
flush_seen(void)
{
    struct seen *s;
    struct store *platform;
    size_t n = writer_take_seen(&s);
    enum err rc = n ? pool_platform(&platform) : ERR_OK;
    if (n && !rc && !(rc = store_tx_begin(platform))) {
        for (size_t i = 0; !rc && i < n; i++) {
            char at[32];
            batch_time_format(s[i].seen_ms, at);
            rc = device_touch(platform, s[i].device_id, s[i].epoch, at,
                              s[i].last_seq);
        }
        if (!rc)
            rc = store_tx_commit(platform);
        if (rc)
            store_tx_rollback(platform);
    }
    if (rc) /* information only: the next pass writes newer times */
        log_msg(LOG_WARN, "ingest.last_seen", "platform store: %s",
                err_detail());
    free(s);
}

/* Store the writer's sequence snapshot; keep it for the next pass when
 * that fails. */
static void
save_snapshot(void)
{
    struct seen *s;
    uint64_t covered;
    size_t n = writer_take_snapshot(&s, &covered);
    if (n || covered) {
        R.snap = xrealloc(R.snap, (R.nsnap + n + 1) * sizeof(*R.snap));
        if (n)
            memcpy(R.snap + R.nsnap, s, n * sizeof(*s));
        R.nsnap += n;
        if (covered > R.snap_covered)
            R.snap_covered = covered;
    }
    free(s);
    if (!R.snap_covered)
        return;
    enum err rc = R.state ? ERR_OK : state_open(&R.state);
    if (!rc)
        rc = state_save_seqs(R.state, R.snap, R.nsnap, R.snap_covered);
    if (rc) {
        log_msg(LOG_ERROR, "ingest.seq_snapshot", "ingest.db: %s",
                err_detail());
        return;
    }
    atomic_store(&ingest_g.seq_covered, R.snap_covered);
    free(R.snap);
    R.snap = NULL;
    R.nsnap = 0;
    R.snap_covered = 0;
}

/* Last-seen times go to platform.db at most this often (and at the
 * end): they are information for the console, and every write of the
 * platform store is also a record in its backup journal. */
#define SEEN_FLUSH_S 30

static void
pass(bool last)
{
    static time_t flushed;
    enum err rc = refresh();
    if (rc)
        log_msg(LOG_WARN, "ingest.registry_refresh", "platform store: %s",
                err_detail());
    if (last || time(NULL) - flushed >= SEEN_FLUSH_S) {
        flush_seen();
        flushed = time(NULL);
    }
    save_snapshot();
}

static void *
registry_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&R.mu);
    while (!R.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long ns = ts.tv_nsec + ingest_g.o->refresh_ms * 1000000LL;
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        int w = 0;
        while (!R.stop && w != ETIMEDOUT)
            w = pthread_cond_timedwait(&R.cv, &R.mu, &ts);
        bool last = R.stop;
        pthread_mutex_unlock(&R.mu);
        pass(last);
        pthread_mutex_lock(&R.mu);
    }
    pthread_mutex_unlock(&R.mu);
    store_close(R.state);
    R.state = NULL;
    pool_thread_release();
    return NULL;
}

enum err
registry_start(void)
{
    R.stop = false;
    if (pthread_create(&R.th, NULL, registry_main, NULL) != 0)
        return err_fail(ERR_INTERNAL, "cannot start the registry thread");
    R.running = true;
    return ERR_OK;
}

void
registry_stop(void)
{
    if (!R.running)
        return;
    pthread_mutex_lock(&R.mu);
    R.stop = true;
    pthread_cond_signal(&R.cv);
    pthread_mutex_unlock(&R.mu);
    pthread_join(R.th, NULL);
    R.running = false;
    free(R.snap);
    R.snap = NULL;
    R.nsnap = 0;
}
