/*
 * backup_bench.c — `pilotlight backup bench-commit` (bench builds only,
 * PL_BENCH): the latency of small write transactions on one tenant store,
 * with change capture on or off, for bench/capture.sh.
 *
 * Each transaction is what an API write does: BEGIN IMMEDIATE, one row
 * written (store_info), one audit entry (hash-chained), COMMIT. --threads
 * connections (as serve's worker threads have) share the store, so with
 * capture on they share its journal and its fdatasyncs (group commit).
 * Prints one JSON line: transactions, seconds, p50/p90/p99/max in
 * microseconds, and the journal bytes per transaction.
 */
#include "vault/backup_cli.h"

#include "audit/audit.h"
#include "cli.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/capture.h"
#include "store/store.h"
#include "vault/journal.h"

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bench_opts {
    char data[4096];
    char tenant[64];
    long long tx;
    long long threads;
    bool capture;
};

#define O(f) offsetof(struct bench_opts, f)

const struct opt backup_bench_opts[] = {
    {"data", OPT_STR, O(data), sizeof(((struct bench_opts *)0)->data), "./data",
     0, 0, 0, "DIR", "data directory"},
    {"tenant", OPT_STR, O(tenant), sizeof(((struct bench_opts *)0)->tenant),
     NULL, 0, 0, OPT_REQUIRED | OPT_NO_ENV, "CODE", "the tenant to write to"},
    {"tx", OPT_INT, O(tx), 0, "2000", 1, 10000000, OPT_NO_ENV, "N",
     "transactions in all"},
    {"threads", OPT_INT, O(threads), 0, "1", 1, 64, OPT_NO_ENV, "N",
     "connections writing at once"},
    {"capture", OPT_BOOL, O(capture), 0, "true", 0, 0, OPT_NO_ENV, "BOOL",
     "change capture on or off"},
    OPT_END,
};

struct worker {
    const char *path;
    int id;
    long long n;
    uint64_t *lat_ns; /* n entries */
    uint64_t t0, t1;  /* the loop's start and end */
    enum err rc;
};

static enum err
one_tx(struct store *st, int id, long long i)
{
    static uint64_t run; /* keys unique across runs on the same store */
    if (!run)
        run = time_mono_ns();
    char key[64];
    snprintf(key, sizeof(key), "bench-%llu-%d-%lld", (unsigned long long)run,
             id, i);
    enum err rc = store_tx_begin(st);
    if (!rc)
        rc =
            store_run(st, "INSERT INTO store_info (key, value) VALUES ($1, $2)",
                      "tt", key, "a value of about the size of a field");
    if (!rc)
        rc = audit_record(st, "bench", "bench.write", key, NULL);
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

static void *
worker_run(void *arg)
{
    struct worker *w = arg;
    struct store *st;
    if ((w->rc = store_open(w->path, STORE_TENANT, &st)))
        return NULL;
    w->t0 = time_mono_ns();
    for (long long i = 0; i < w->n && !w->rc; i++) {
        uint64_t t0 = time_mono_ns();
        w->rc = one_tx(st, w->id, i);
        w->lat_ns[i] = time_mono_ns() - t0;
    }
    w->t1 = time_mono_ns();
    store_close(st);
    return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double
pct_us(const uint64_t *v, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

static uint64_t
journal_bytes(struct store *st)
{
    struct journal_info ji;
    struct journal *j = capture_journal(st);
    if (!j || journal_verify(journal_dir(j), &ji))
        return 0;
    return ji.bytes;
}

/* Run the workers; lat holds every transaction's latency, *secs the time
 * from the first transaction's start to the last one's end. */
static enum err
run_workers(const char *path, const struct bench_opts *o, uint64_t *lat,
            double *secs)
{
    size_t nt = (size_t)o->threads;
    struct worker *w = xcalloc(nt, sizeof(*w));
    pthread_t *t = xcalloc(nt, sizeof(*t));
    long long done = 0;
    for (size_t i = 0; i < nt; i++) {
        long long n = o->tx / o->threads + ((long long)i < o->tx % o->threads);
        w[i] = (struct worker){path, (int)i, n, lat + done, 0, 0, ERR_OK};
        done += n;
        pthread_create(&t[i], NULL, worker_run, &w[i]);
    }
    enum err rc = ERR_OK;
    uint64_t first = UINT64_MAX, last = 0;
    for (size_t i = 0; i < nt; i++) {
        pthread_join(t[i], NULL);
        if (w[i].rc && !rc)
            rc = w[i].rc;
        first = w[i].t0 < first ? w[i].t0 : first;
        last = w[i].t1 > last ? w[i].t1 : last;
    }
    *secs = last > first ? (double)(last - first) / 1e9 : 1e-9;
    free(t);
    free(w);
    return rc;
}

int
backup_bench_main(int argc, char **argv)
{
    struct bench_opts o;
    struct store *st;
    enum err rc = opt_parse(backup_bench_opts, &o, argc, argv);
    if (rc)
        return cli_fail("backup bench-commit", rc);
    capture_set_enabled(o.capture);
    if ((rc = cli_open_tenant(o.data, o.tenant, &st)))
        return cli_fail("backup bench-commit", rc);
    uint64_t bytes0 = journal_bytes(st);
    struct journal *jr = capture_journal(st);
    uint64_t syncs0 = jr ? journal_sync_count(jr) : 0;
    uint64_t *lat = xcalloc((size_t)o.tx, sizeof(*lat));
    double secs;
    rc = run_workers(store_path(st), &o, lat, &secs);
    if (rc) {
        free(lat);
        return cli_fail("backup bench-commit", rc);
    }
    uint64_t bytes1 = journal_bytes(st);
    uint64_t syncs = jr ? journal_sync_count(jr) - syncs0 : 0;
    size_t n = (size_t)o.tx;
    qsort(lat, n, sizeof(*lat), cmp_u64);
    /* a shipper pruning the journal meanwhile makes the difference
     * meaningless: then null */
    json_t *jb = bytes1 >= bytes0
                     ? json_integer((json_int_t)((bytes1 - bytes0) / n))
                     : json_null();
    json_t *j =
        json_pack("{s:b, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:o, s:f}",
                  "capture", o.capture, "threads", (json_int_t)o.threads, "tx",
                  (json_int_t)o.tx, "seconds", secs, "tx_per_s",
                  (double)o.tx / secs, "p50_us", pct_us(lat, n, 0.50), "p90_us",
                  pct_us(lat, n, 0.90), "p99_us", pct_us(lat, n, 0.99),
                  "max_us", pct_us(lat, n, 1.0), "journal_bytes_per_tx", jb,
                  "fdatasyncs_per_tx", (double)syncs / (double)n);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    puts(s);
    free(s);
    json_decref(j);
    free(lat);
    return 0;
}
