/*
 * remote_ops_sweep.c — serve's sweeper of remote operations (遠隔遮断・
 * 復帰): states that change without anyone asking — ingest has sent the
 * command (sent), the deadline has passed (expired), the device was
 * retired before delivery (failed) — are written when they happen, with
 * their audit entries, not when somebody next opens the list.
 *
 * Every REMOTE_OP_SWEEP_MS the thread runs remote_op_sync() for each
 * tenant that has an operation in flight:
 *   - approved or sent ones: the tenants of the platform outbox's queued
 *     and sent commands (device_commands);
 *   - requested ones (not in the outbox yet): the tenants a request was
 *     stored for since start (remote_op_watch), until they have none
 *     left; and, once at start, every tenant (requests made before a
 *     restart).
 * The reads of the API still sync first, so an answer is never older
 * than the clock even between two sweeps.
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "monitor/remote_ops.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define WATCH_MAX 4096 /* tenants with requests pending */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    int64_t watch[WATCH_MAX];
    size_t nwatch;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* A growable list of tenant ids. */
struct ids {
    int64_t *v;
    size_t n, cap;
};

static void
ids_add(struct ids *l, int64_t id)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i] == id)
            return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = id;
}

void
remote_op_watch(int64_t tenant_id)
{
    pthread_mutex_lock(&W.mu);
    bool have = false;
    for (size_t i = 0; i < W.nwatch && !have; i++)
        have = W.watch[i] == tenant_id;
    if (!have && W.nwatch < WATCH_MAX)
        W.watch[W.nwatch++] = tenant_id;
    pthread_mutex_unlock(&W.mu);
}

static void
unwatch(int64_t tenant_id)
{
    pthread_mutex_lock(&W.mu);
    for (size_t i = 0; i < W.nwatch; i++)
        if (W.watch[i] == tenant_id) {
            W.watch[i] = W.watch[--W.nwatch];
            break;
        }
    pthread_mutex_unlock(&W.mu);
}

static bool
add_tenant(const struct tenant *t, void *arg)
{
    ids_add(arg, t->id);
    return true;
}

/* The tenants to sweep now: the outbox's, the watched, all when all. */
static enum err
sweep_list(struct store *platform, bool all, struct ids *l)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(platform, &s,
                              "SELECT DISTINCT tenant_id FROM device_commands"
                              " WHERE status IN ('queued', 'sent')",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        ids_add(l, stmt_int(s, 0));
    stmt_done(s);
    pthread_mutex_lock(&W.mu);
    for (size_t i = 0; i < W.nwatch; i++)
        ids_add(l, W.watch[i]);
    pthread_mutex_unlock(&W.mu);
    if (!rc && all)
        rc = tenant_each(platform, add_tenant, l);
    return rc;
}

/* The tenant's operations in flight, and those waiting for a decision. */
static enum err
in_flight(struct store *st, int64_t *flying, int64_t *waiting)
{
    struct stmt *s;
    bool row = false;
    *flying = *waiting = 0;
    enum err rc = store_query(
        st, &s,
        "SELECT count(*), coalesce(sum(CASE WHEN status = 'requested'"
        " THEN 1 ELSE 0 END), 0) FROM remote_operations"
        " WHERE status IN ('requested', 'approved', 'sent')",
        "");
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *flying = stmt_int(s, 0);
        *waiting = stmt_int(s, 1);
    }
    stmt_done(s);
    return rc;
}

/* Sync one tenant (no write transaction when nothing is in flight); stop
 * watching it once nothing waits for a decision. */
static void
sweep_tenant(struct store *platform, int64_t tenant_id)
{
    struct store *st;
    int64_t flying = 0, waiting = 1;
    enum err rc = pool_tenant(tenant_id, &st);
    if (!rc)
        rc = in_flight(st, &flying, &waiting);
    if (!rc && flying)
        rc = remote_op_sync(st, platform, tenant_id, NULL);
    if (rc)
        log_msg(LOG_WARN, "remote_op.sweep_failed", "tenant %" PRId64 ": %s",
                tenant_id, err_detail());
    else if (!waiting)
        unwatch(tenant_id);
}

static void
sweep_once(bool all)
{
    struct store *platform;
    struct ids l = {0};
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = sweep_list(platform, all, &l);
    if (rc)
        log_msg(LOG_WARN, "remote_op.sweep_failed", "platform: %s",
                err_detail());
    for (size_t i = 0; !rc && i < l.n && !W.stop; i++)
        sweep_tenant(platform, l.v[i]);
    free(l.v);
}

static void *
run(void *arg)
{
    bool all = true;
    (void)arg;
    pthread_mutex_lock(&W.mu);
    while (!W.stop) {
        pthread_mutex_unlock(&W.mu);
        sweep_once(all);
        all = false;
        pthread_mutex_lock(&W.mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long ns = ts.tv_nsec + REMOTE_OP_SWEEP_MS * 1000000LL;
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        while (!W.stop &&
               pthread_cond_timedwait(&W.cv, &W.mu, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&W.mu);
    pool_thread_release();
    return NULL;
}

enum err
remote_op_sweeper_start(void)
{
    atomic_store(&W.stop, false);
    if (pthread_create(&W.thread, NULL, run, NULL) != 0)
        return err_fail(ERR_INTERNAL, "cannot start the remote-op sweeper");
    W.started = true;
    return ERR_OK;
}

void
remote_op_sweeper_stop(void)
{
    if (!W.started)
        return;
    pthread_mutex_lock(&W.mu);
    atomic_store(&W.stop, true);
    pthread_cond_signal(&W.cv);
    pthread_mutex_unlock(&W.mu);
    pthread_join(W.thread, NULL);
    W.started = false;
    W.nwatch = 0;
}
