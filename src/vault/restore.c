/*
 * restore.c — `pilotlight restore`: rebuild a data dir from a vault on a
 * fresh machine.
 *
 * Per store, in a worker thread (--jobs N, one vault client each):
 *
 *   manifest  list the store's manifests; take the newest (with --at: walk
 *             back to an older base when the newest's snapshot is after
 *             --at); manifest_open checks the signature against the kit's
 *             trusted keys; the store id and seq must be the ones listed
 *   snapshot  unwrap the data key (kit's backup key), stream the snapshot
 *             object through the hash check and seal_open into
 *             TO/.restore-tmp/<id>.db
 *   replay    each changeset object the same way into memory, its journal
 *             frames decoded and applied exactly (replay.h); with --at no
 *             record committed after it
 *   verify    PRAGMA integrity_check; audit_verify, and the head (hash,
 *             entry) must be the manifest's unless --at stopped early
 *   place     rename into TO/platform.db or TO/tenants/<id>.db
 *
 * Any failure stops THAT store (its temp file is removed, nothing is put in
 * place) with the reason; other stores go on. Progress goes to stdout as
 * JSON lines, and to --progress-file: one object per line, {"time",
 * "store", "phase", "stores_done", "stores_total", "bytes", "bytes_total",
 * "eta_s", "state"} (state "running", "ok", "failed"; store "" for the
 * overall lines). Before any download the workers size every store's
 * newest manifest's objects (HEAD, or stat for file://): the "plan" line
 * carries that bytes_total, and each store's share is corrected to what it
 * really took when it is done (an older base for --at, a failure), so
 * bytes reaches bytes_total exactly at the end; eta_s is by bytes. The
 * final report is one line per store on stderr (with the time it spent in
 * snapshot, replay and verify, and the totals), and the exit code is 1
 * when any store failed.
 */
#include "vault/restore.h"

#include "audit/audit.h"
#include "cli.h"
#include "core/buf.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/capture.h"
#include "store/store.h"
#include "vault/journal.h"
#include "vault/keys.h"
#include "vault/manifest.h"
#include "vault/replay.h"
#include "vault/seal.h"
#include "vault/ship.h"
#include "vault/vault_client.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHANGESET_OBJECT_MAX (1024u << 20)

/* ---- keys ---------------------------------------------------------------- */

enum err
restore_load_keys(const char *kit, const char *data_keys, struct keyring *kr)
{
    memset(kr, 0, sizeof(*kr));
    if (!kit[0] && !data_keys[0])
        return err_fail(ERR_CONFIG, "give --kit FILE or --data-keys DIR");
    if (!kit[0])
        return keys_load(data_keys, kr);
    FILE *f = fopen(kit, "r");
    if (!f)
        return err_fail(ERR_BACKUP_KIT_INVALID, "cannot read %s: %s", kit,
                        strerror(errno));
    char *text = xmalloc(KEYS_KIT_MAX + 1);
    size_t n = fread(text, 1, KEYS_KIT_MAX + 1, f);
    fclose(f);
    enum err rc = n > KEYS_KIT_MAX
                      ? err_fail(ERR_BACKUP_KIT_INVALID, "%s is too large", kit)
                      : keys_kit_parse(text, n, kr);
    explicit_bzero(text, KEYS_KIT_MAX + 1);
    free(text);
    return rc;
}

/* ---- one store ------------------------------------------------------------
 */

struct fd_sink {
    int fd;
    uint64_t bytes;
};

static enum err
to_fd(void *arg, const void *p, size_t n)
{
    struct fd_sink *s = arg;
    if (write(s->fd, p, n) != (ssize_t)n)
        return err_fail(ERR_IO, "cannot write the restored store: %s",
                        strerror(errno));
    return ERR_OK;
}

static enum err
to_buf(void *arg, const void *p, size_t n)
{
    return buf_append(arg, p, n);
}

/* Where download progress goes while an object streams in. */
struct progress {
    restore_progress_fn fn;
    void *arg;
    const char *store, *phase;
};

/* Progress lines at most every this many bytes of one object. */
#define PROGRESS_STEP (8u << 20)

struct opener {
    struct seal_open_ctx *o;
    uint64_t bytes, told;
    const struct progress *pg;
};

static enum err
to_opener(void *arg, const void *p, size_t n)
{
    struct opener *op = arg;
    op->bytes += n;
    if (op->bytes - op->told >= PROGRESS_STEP) {
        op->pg->fn(op->pg->arg, op->pg->store, op->pg->phase,
                   op->bytes - op->told);
        op->told = op->bytes;
    }
    return seal_open_update(op->o, p, n);
}

/* Say what failed: "<what> <name>: <detail>" (the detail copied first:
 * err_fail writes the same buffer). */
static enum err
err_with_context(enum err rc, const char *what, const char *name)
{
    char d[400];
    snprintf(d, sizeof(d), "%s", *err_detail() ? err_detail() : err_code(rc));
    return err_fail(rc, "%s %s: %s", what, name, d);
}

/* Download object name of kind through the checks into sink; its bytes
 * are added to *bytes and told to pg as they come. */
static enum err
fetch_object(struct vault_client *c, const struct seal_key *dk,
             const char *name, enum seal_kind kind, seal_sink_fn sink,
             void *arg, uint64_t *bytes, const struct progress *pg)
{
    struct opener op = {NULL, 0, 0, pg};
    seal_open_begin(dk, name, kind, sink, arg, &op.o);
    enum err rc = vault_client_get_object(c, name, to_opener, &op);
    if (!rc)
        rc = seal_open_finish(op.o, NULL);
    else
        seal_open_abort(op.o);
    *bytes += op.bytes;
    pg->fn(pg->arg, pg->store, pg->phase, op.bytes - op.told);
    if (rc)
        rc = err_with_context(rc, "object", name);
    return rc;
}

/* Remove path and its -wal/-shm/-journal companions. */
static void
unlink_db(const char *path)
{
    char p[PATH_MAX + 16];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-journal", path);
    unlink(p);
}

/* Apply the frames in a changeset object's plaintext. *stop when a record
 * is past lim. */
static enum err
apply_frames(struct replay *r, const struct replay_limit *lim,
             const struct buf *plain, bool *stop)
{
    size_t off = 0, used;
    struct journal_record rec;
    enum err rc = ERR_OK;
    while (!rc && off < plain->len && !*stop) {
        rc = journal_frame_decode(plain->data + off, plain->len - off, &rec,
                                  &used);
        if (rc)
            break;
        off += used;
        if (!replay_wants(lim, &rec))
            *stop = true;
        else
            rc = replay_apply(r, &rec);
    }
    return rc;
}

/* The snapshot and changesets of m into path; *base_too_new when --at is
 * before the snapshot. */
static enum err
rebuild(struct vault_client *c, const struct manifest *m,
        const struct seal_key *dk, const struct replay_limit *lim,
        const char *path, restore_progress_fn fn, void *arg,
        struct restore_result *res, bool *base_too_new)
{
    struct fd_sink fs;
    struct replay *r = NULL;
    struct replay_stats st;
    bool stop = false;
    unlink_db(path);
    if (!m->snapshot[0])
        return err_fail(ERR_RESTORE_NO_BACKUP,
                        "manifest %" PRId64 " has no snapshot", m->seq);
    fs.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fs.fd < 0)
        return err_fail(ERR_IO, "cannot create %s: %s", path, strerror(errno));
    struct progress pg = {fn, arg, m->store, "snapshot"};
    fn(arg, m->store, "snapshot", 0);
    uint64_t t0 = time_mono_ns();
    /* no fsync here: replay_close() commits and fsyncs the file once */
    enum err rc = fetch_object(c, dk, m->snapshot, SEAL_KIND_SNAPSHOT, to_fd,
                               &fs, &res->bytes, &pg);
    if (close(fs.fd) != 0 && !rc)
        rc = err_fail(ERR_IO, "cannot write %s: %s", path, strerror(errno));
    uint64_t t1 = time_mono_ns();
    res->snapshot_ns += t1 - t0;
    pg.phase = "replay";
    if (!rc)
        rc = replay_open(path, &r);
    if (!rc && lim->until_ms && replay_time(r) > lim->until_ms) {
        *base_too_new = true;
        rc = err_fail(ERR_RESTORE_NO_BACKUP,
                      "every snapshot of %s is after --at", m->store);
    }
    struct buf plain;
    buf_init(&plain, CHANGESET_OBJECT_MAX);
    for (size_t i = 0; !rc && !stop && i < m->nchangesets; i++) {
        buf_reset(&plain);
        rc = fetch_object(c, dk, m->changesets[i], SEAL_KIND_CHANGESET, to_buf,
                          &plain, &res->bytes, &pg);
        if (!rc)
            rc = apply_frames(r, lim, &plain, &stop);
    }
    buf_free(&plain);
    enum err crc = replay_close(r, !rc, &st);
    if (!rc && crc)
        rc = crc;
    res->replay_ns += time_mono_ns() - t1;
    if (!rc) {
        res->seq = st.last_seq;
        res->time_ms = st.last_ms;
        res->records = st.records;
        res->at_limited = stop;
    }
    return rc;
}

/* integrity_check and the audit chain. */
static enum err
verify_file(const char *path, const struct manifest *m,
            struct restore_result *res)
{
    static const char q_check[] = "PRAGMA integrity_check";
    struct store *st;
    struct stmt *s = NULL;
    bool row = false;
    int64_t count = 0;
    char head[AUDIT_HASH_HEX] = "";
    enum err rc = store_open_readonly(path, &st);
    if (rc)
        return rc;
    /* the file was just written: read it through the page cache mapped,
     * not copied a page at a time by read(2) */
    if (!(rc = store_exec(st, "PRAGMA mmap_size=1073741824")) &&
        !(rc = store_exec(st, "PRAGMA cache_size=-65536")) &&
        !(rc = store_prepare(st, q_check, &s)) && !(rc = stmt_step(s, &row)) &&
        (!row || !stmt_text(s, 0) || strcmp(stmt_text(s, 0), "ok") != 0))
        rc = err_fail(ERR_RESTORE_INTEGRITY, "%s: integrity_check: %s",
                      m->store, row && stmt_text(s, 0) ? stmt_text(s, 0) : "");
    stmt_done(s);
    if (!rc && (rc = audit_verify(st, &count, head)) == ERR_AUDIT_CHAIN)
        rc = err_with_context(ERR_RESTORE_AUDIT, m->store, "audit chain");
    store_close(st);
    if (rc || res->at_limited)
        return rc;
    res->audit_entry = count;
    if (strcmp(head, m->audit_hash) != 0)
        return err_fail(ERR_RESTORE_AUDIT,
                        "%s: audit head %s is not the manifest's %s", m->store,
                        head[0] ? head : "(none)",
                        m->audit_hash[0] ? m->audit_hash : "(none)");
    return ERR_OK;
}

/* Fetch and verify manifest seq of id. */
static enum err
open_manifest(struct vault_client *c, const struct keyring *trust,
              const char *id, int64_t seq, struct manifest *m)
{
    struct buf doc;
    buf_init(&doc, MANIFEST_MAX_BYTES);
    enum err rc = vault_client_get_manifest(c, id, seq, &doc);
    if (!rc)
        rc = manifest_open(doc.data, doc.len, trust, m);
    else
        manifest_init(m);
    buf_free(&doc);
    if (rc) {
        char what[VAULT_STORE_MAX + 32];
        snprintf(what, sizeof(what), "%s manifest", id);
        char num[24];
        snprintf(num, sizeof(num), "%" PRId64, seq);
        return err_with_context(rc, what, num);
    }
    if (strcmp(m->store, id) != 0 || m->seq != seq)
        return err_fail(ERR_VAULT_MANIFEST_INVALID,
                        "%s manifest %" PRId64 " names %s/%" PRId64, id, seq,
                        m->store, m->seq);
    return ERR_OK;
}

enum err
restore_store_file(struct vault_client *c, const struct keyring *trust,
                   const char *id, int64_t at_ms, const char *path,
                   restore_progress_fn fn, void *arg,
                   struct restore_result *res)
{
    struct vault_manifest_ref *refs = NULL;
    size_t n = 0;
    struct replay_limit lim = {0, at_ms};
    char tried[SEAL_NAME_HEX] = "";
    memset(res, 0, sizeof(*res));
    fn(arg, id, "manifest", 0);
    enum err rc = vault_client_list_manifests(c, id, &refs, &n);
    if (rc == ERR_VAULT_MANIFEST_NOT_FOUND)
        rc = err_fail(ERR_RESTORE_NO_BACKUP, "the vault has no backup of %s",
                      id);
    for (size_t i = n; !rc && i > 0; i--) {
        struct manifest m;
        struct seal_key dk;
        bool too_new = false;
        rc = open_manifest(c, trust, id, refs[i - 1].seq, &m);
        if (!rc && strcmp(m.snapshot, tried) == 0) {
            manifest_free(&m); /* an older manifest on a base tried */
            continue;
        }
        if (!rc)
            rc = keys_unwrap(trust, id, &m.data_key, &dk);
        if (!rc) {
            snprintf(tried, sizeof(tried), "%s", m.snapshot);
            res->manifest_seq = m.seq;
            rc = rebuild(c, &m, &dk, &lim, path, fn, arg, res, &too_new);
            seal_key_wipe(&dk);
        }
        if (!rc) {
            fn(arg, id, "verify", 0);
            uint64_t t0 = time_mono_ns();
            rc = verify_file(path, &m, res);
            res->verify_ns += time_mono_ns() - t0;
        }
        manifest_free(&m);
        if (rc)
            unlink_db(path);
        if (too_new && i > 1) {
            err_clear();
            rc = ERR_OK;
            continue;
        }
        break;
    }
    if (!rc && n == 0)
        rc = err_fail(ERR_RESTORE_NO_BACKUP, "the vault has no backup of %s",
                      id);
    free(refs);
    return rc;
}

/* ---- the command -----------------------------------------------------------
 */

struct restore_opts {
    char token_file[4096];
    char kit[4096];
    char data_keys[4096];
    char to[4096];
    char at[64];
    char tenant[128];
    long long jobs;
    char progress[4096];
};

#define O(f)  offsetof(struct restore_opts, f)
#define SZ(f) sizeof(((struct restore_opts *)0)->f)

static const struct opt restore_opts[] = {
    {"token-file", OPT_STR, O(token_file), SZ(token_file), "", 0, 0, 0, "FILE",
     "the vault token (http:// vaults)"},
    {"kit", OPT_STR, O(kit), SZ(kit), "", 0, 0, OPT_NO_ENV, "FILE",
     "the recovery kit (`pilotlight keys export`)"},
    {"data-keys", OPT_STR, O(data_keys), SZ(data_keys), "", 0, 0, OPT_NO_ENV,
     "DIR", "or a data dir whose keys/ to use instead of a kit"},
    {"to", OPT_STR, O(to), SZ(to), NULL, 0, 0, OPT_REQUIRED | OPT_NO_ENV, "DIR",
     "the data dir to build (new or empty)"},
    {"at", OPT_STR, O(at), SZ(at), "", 0, 0, OPT_NO_ENV, "TIME",
     "as of this time (2026-04-01T09:30:00+09:00): no later commit"},
    {"tenant", OPT_STR, O(tenant), SZ(tenant), "", 0, 0, OPT_NO_ENV, "ID",
     "only this store (\"platform\" or a tenant's registry id)"},
    {"jobs", OPT_INT, O(jobs), 0, "4", 1, 64, 0, "N", "stores in parallel"},
    {"progress-file", OPT_STR, O(progress), SZ(progress), "", 0, 0, OPT_NO_ENV,
     "FILE", "also append progress JSON lines here (the status page)"},
    OPT_END,
};

struct job {
    char id[VAULT_STORE_MAX];
    uint64_t planned; /* bytes its newest manifest's objects take */
    enum err rc;
    char reason[512];
    struct restore_result res;
};

struct run {
    const struct restore_opts *o;
    const char *url;
    char token[VAULT_TOKEN_MAX + 1];
    struct keyring kr;
    int64_t at_ms;
    struct job *jobs;
    size_t njobs, next, done, next_plan;
    pthread_barrier_t planned; /* every job planned: bytes_total known */
    uint64_t bytes, bytes_total;
    struct timespec start;
    pthread_mutex_t mu;
    FILE *progress;
};

static double
elapsed_s(const struct run *r)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - r->start.tv_sec) +
           (double)(t.tv_nsec - r->start.tv_nsec) / 1e9;
}

/* One progress line (under r->mu). */
static void
emit(struct run *r, const char *store, const char *phase, const char *state)
{
    char now[32];
    time_now_iso(now);
    double el = elapsed_s(r), eta = -1;
    if (r->bytes > 0 && r->bytes_total > r->bytes)
        eta = el / (double)r->bytes * (double)(r->bytes_total - r->bytes);
    else if (r->done > 0)
        eta = el / (double)r->done * (double)(r->njobs - r->done);
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:s}", "time", now, "store",
        store, "phase", phase, "stores_done", (json_int_t)r->done,
        "stores_total", (json_int_t)r->njobs, "bytes", (json_int_t)r->bytes,
        "bytes_total",
        (json_int_t)(r->bytes_total > r->bytes ? r->bytes_total : r->bytes),
        "eta_s", eta < 0 ? json_null() : json_integer((json_int_t)(eta + 0.5)),
        "state", state);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s)
        return;
    puts(s);
    fflush(stdout);
    if (r->progress) {
        fprintf(r->progress, "%s\n", s);
        fflush(r->progress);
    }
    free(s);
}

static void
on_progress(void *arg, const char *store, const char *phase, uint64_t bytes)
{
    struct run *r = arg;
    pthread_mutex_lock(&r->mu);
    r->bytes += bytes;
    emit(r, store, phase, "running");
    pthread_mutex_unlock(&r->mu);
}

static void
final_path(const struct run *r, const char *id, char *out, size_t n)
{
    if (strcmp(id, "platform") == 0)
        snprintf(out, n, "%s/platform.db", r->o->to);
    else
        snprintf(out, n, "%s/tenants/%s.db", r->o->to, id);
}

static enum err
place(const char *tmp, const char *final)
{
    if (access(final, F_OK) == 0)
        return err_fail(ERR_RESTORE_TARGET,
                        "%s exists: restore never "
                        "overwrites a store",
                        final);
    if (rename(tmp, final) != 0)
        return err_fail(ERR_IO, "cannot move %s to %s: %s", tmp, final,
                        strerror(errno));
    return ERR_OK;
}

static void
run_job(struct run *r, struct vault_client *c, struct job *jb)
{
    char tmp[PATH_MAX], final[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s/.restore-tmp/%s.db", r->o->to, jb->id);
    final_path(r, jb->id, final, sizeof(final));
    jb->rc = restore_store_file(c, &r->kr, jb->id, r->at_ms, tmp, on_progress,
                                r, &jb->res);
    if (!jb->rc && (jb->rc = place(tmp, final)))
        unlink_db(tmp);
    if (jb->rc)
        snprintf(jb->reason, sizeof(jb->reason), "%s: %s", err_code(jb->rc),
                 *err_detail() ? err_detail() : err_code(jb->rc));
    err_clear();
    pthread_mutex_lock(&r->mu);
    r->done++;
    /* the store's share of the total is now what it really took */
    r->bytes_total = r->bytes_total - jb->planned + jb->res.bytes;
    emit(r, jb->id, "done", jb->rc ? "failed" : "ok");
    pthread_mutex_unlock(&r->mu);
}

/* The bytes store id's restore downloads: the objects of its newest
 * manifest (signature checked), sized by the vault without downloading
 * them. An estimate (--at may pick an older base; 0 when it cannot be
 * read: the restore itself then says why). */
static uint64_t
plan_bytes(struct run *r, struct vault_client *c, const char *id)
{
    struct vault_manifest_ref *refs = NULL;
    size_t n = 0;
    uint64_t total = 0, bytes;
    bool present;
    struct manifest m;
    if (vault_client_list_manifests(c, id, &refs, &n) || n == 0 ||
        open_manifest(c, &r->kr, id, refs[n - 1].seq, &m)) {
        free(refs);
        err_clear();
        return 0;
    }
    free(refs);
    if (m.snapshot[0] &&
        !vault_client_has_object(c, m.snapshot, &present, &bytes) && present)
        total += bytes;
    for (size_t i = 0; i < m.nchangesets; i++)
        if (!vault_client_has_object(c, m.changesets[i], &present, &bytes) &&
            present)
            total += bytes;
    manifest_free(&m);
    err_clear();
    return total;
}

/* Phase 1: size every job, in parallel, so progress has a bytes_total
 * from the first store on. */
static void
plan_jobs(struct run *r, struct vault_client *c)
{
    for (;;) {
        pthread_mutex_lock(&r->mu);
        struct job *jb =
            r->next_plan < r->njobs ? &r->jobs[r->next_plan++] : NULL;
        pthread_mutex_unlock(&r->mu);
        if (!jb)
            break;
        jb->planned = plan_bytes(r, c, jb->id);
        pthread_mutex_lock(&r->mu);
        r->bytes_total += jb->planned;
        pthread_mutex_unlock(&r->mu);
    }
}

static void *
worker(void *arg)
{
    struct run *r = arg;
    struct vault_client *c = NULL;
    enum err rc = vault_client_open(r->url, r->token, &c);
    if (!rc)
        plan_jobs(r, c);
    err_clear();
    if (pthread_barrier_wait(&r->planned) == PTHREAD_BARRIER_SERIAL_THREAD) {
        pthread_mutex_lock(&r->mu);
        emit(r, "", "plan", "running");
        pthread_mutex_unlock(&r->mu);
    }
    pthread_barrier_wait(&r->planned); /* the plan line comes first */
    for (;;) {
        pthread_mutex_lock(&r->mu);
        struct job *jb = r->next < r->njobs ? &r->jobs[r->next++] : NULL;
        pthread_mutex_unlock(&r->mu);
        if (!jb)
            break;
        if (rc) {
            jb->rc = rc;
            snprintf(jb->reason, sizeof(jb->reason), "%s", err_detail());
            continue;
        }
        run_job(r, c, jb);
    }
    vault_client_close(c);
    return NULL;
}

/* The stores to restore, platform first (the registry comes up first). */
static enum err
list_jobs(struct run *r)
{
    struct vault_client *c;
    struct vault_store_ref *refs = NULL;
    size_t n = 0;
    enum err rc = vault_client_open(r->url, r->token, &c);
    if (!rc)
        rc = vault_client_list_stores(c, &refs, &n);
    vault_client_close(c);
    if (rc)
        return rc;
    r->jobs = xcalloc(n ? n : 1, sizeof(*r->jobs));
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            bool plat = strcmp(refs[i].id, "platform") == 0;
            if ((pass == 0) != plat)
                continue;
            if (r->o->tenant[0] && strcmp(refs[i].id, r->o->tenant) != 0)
                continue;
            snprintf(r->jobs[r->njobs++].id, VAULT_STORE_MAX, "%s", refs[i].id);
        }
    free(refs);
    if (r->njobs == 0)
        return err_fail(ERR_RESTORE_NO_BACKUP, "the vault has no backup%s%s",
                        r->o->tenant[0] ? " of " : "", r->o->tenant);
    return ERR_OK;
}

static enum err
prepare_target(const char *to)
{
    char p[PATH_MAX];
    mkdir(to, 0700);
    snprintf(p, sizeof(p), "%s/platform.db", to);
    if (access(p, F_OK) == 0)
        return err_fail(ERR_RESTORE_TARGET,
                        "%s already holds a data dir: restore into a new or "
                        "empty directory",
                        to);
    snprintf(p, sizeof(p), "%s/tenants", to);
    mkdir(p, 0700);
    snprintf(p, sizeof(p), "%s/.restore-tmp", to);
    if (mkdir(p, 0700) != 0 && errno != EEXIST)
        return err_fail(ERR_IO, "cannot create %s: %s", p, strerror(errno));
    return ERR_OK;
}

static int
report(struct run *r)
{
    size_t failed = 0;
    uint64_t phase[3] = {0, 0, 0};
    fprintf(stderr, "restore report (%.1f s):\n", elapsed_s(r));
    for (size_t i = 0; i < r->njobs; i++) {
        struct job *jb = &r->jobs[i];
        if (jb->rc) {
            failed++;
            fprintf(stderr, "  %-12s FAILED  %s\n", jb->id, jb->reason);
        } else {
            fprintf(stderr,
                    "  %-12s ok      manifest %" PRId64 ", seq %" PRIu64
                    ", %" PRIu64 " records replayed%s, audit entries %" PRId64
                    "; %.2f s snapshot, %.2f s replay, %.2f s verify\n",
                    jb->id, jb->res.manifest_seq, jb->res.seq, jb->res.records,
                    jb->res.at_limited ? " (--at)" : "", jb->res.audit_entry,
                    (double)jb->res.snapshot_ns / 1e9,
                    (double)jb->res.replay_ns / 1e9,
                    (double)jb->res.verify_ns / 1e9);
            phase[0] += jb->res.snapshot_ns;
            phase[1] += jb->res.replay_ns;
            phase[2] += jb->res.verify_ns;
        }
    }
    fprintf(stderr,
            "%zu of %zu stores restored, %zu failed (time in all stores: "
            "%.2f s snapshot, %.2f s replay, %.2f s verify)\n",
            r->njobs - failed, r->njobs, failed, (double)phase[0] / 1e9,
            (double)phase[1] / 1e9, (double)phase[2] / 1e9);
    pthread_mutex_lock(&r->mu);
    emit(r, "", "report", failed ? "failed" : "ok");
    pthread_mutex_unlock(&r->mu);
    return failed ? 1 : 0;
}

static enum err
run_setup(struct run *r, const char **urls, int nurls)
{
    const struct restore_opts *o = r->o;
    enum err rc = ERR_OK;
    if (nurls != 1)
        return err_fail(ERR_CONFIG, "give --vault URL once");
    r->url = urls[0];
    if (o->token_file[0])
        rc = vault_token_read(o->token_file, r->token, sizeof(r->token));
    if (!rc)
        rc = restore_load_keys(o->kit, o->data_keys, &r->kr);
    if (!rc && o->at[0])
        rc = replay_parse_time(o->at, &r->at_ms);
    if (!rc)
        rc = prepare_target(o->to);
    if (!rc && o->progress[0] && !(r->progress = fopen(o->progress, "a")))
        rc = err_fail(ERR_IO, "cannot open %s: %s", o->progress,
                      strerror(errno));
    if (!rc)
        rc = list_jobs(r);
    return rc;
}

int
restore_main(int argc, char **argv)
{
    struct restore_opts o;
    struct run r;
    const char *urls[SHIP_VAULTS_MAX];
    int nurls = 0;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight restore --vault URL (--kit FILE | --data-keys "
                 "DIR) --to DIR [--at TIME] [--tenant ID] [--jobs N] "
                 "[--progress-file F]",
                 "rebuild a data dir from a vault, verifying everything",
                 restore_opts);
        return 0;
    }
    memset(&r, 0, sizeof(r));
    argc = ship_take_vaults(argc, argv, urls, &nurls);
    enum err rc = argc < 0 ? err_fail(ERR_CONFIG, "--vault needs a URL")
                           : opt_parse(restore_opts, &o, argc, argv);
    r.o = &o;
    pthread_mutex_init(&r.mu, NULL);
    clock_gettime(CLOCK_MONOTONIC, &r.start);
    if (!rc)
        rc = run_setup(&r, urls, nurls);
    if (rc) {
        keys_wipe(&r.kr);
        free(r.jobs);
        if (r.progress)
            fclose(r.progress);
        return cli_fail("restore", rc);
    }
    pthread_mutex_lock(&r.mu);
    emit(&r, "", "start", "running");
    pthread_mutex_unlock(&r.mu);
    size_t nt = (size_t)o.jobs < r.njobs ? (size_t)o.jobs : r.njobs;
    pthread_t th[64];
    pthread_barrier_init(&r.planned, NULL, (unsigned)nt);
    for (size_t i = 0; i < nt; i++)
        pthread_create(&th[i], NULL, worker, &r);
    for (size_t i = 0; i < nt; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&r.planned);
    int code = report(&r);
    char tmpdir[PATH_MAX];
    snprintf(tmpdir, sizeof(tmpdir), "%s/.restore-tmp", o.to);
    rmdir(tmpdir);
    keys_wipe(&r.kr);
    explicit_bzero(r.token, sizeof(r.token));
    free(r.jobs);
    if (r.progress)
        fclose(r.progress);
    pthread_mutex_destroy(&r.mu);
    return code;
}
