/*
 * capture.c — change capture: each committed write transaction of a store
 * becomes one session changeset in the store's journal before
 * store_tx_commit() returns (the design is in capture.h).
 *
 * The commit protocol, and why in this order:
 *
 *   1. (BEGIN IMMEDIATE was taken by store_tx_begin: the SQLite write lock
 *      is held, so no other connection, in any process, can commit.)
 *   2. journal_lock(): the process mutex and flock. A committer that has
 *      released the SQLite lock but not yet appended still holds this, so
 *      records reach the journal in seq order. Lock order, in commits and
 *      resyncs alike: the store's writer turn (this process), SQLite's
 *      write lock, the journal lock; the check on open reads under the
 *      journal lock alone (a WAL read never waits for the write lock).
 *   3. Compare store_capture.seq with the journal's last seq and the schema
 *      cookie with the one recorded. Unequal: commit, then resync (below).
 *   4. store_capture.seq := N = seq + 1, committed_ms := t. The session
 *      records this row too, so a replayed changeset moves the replica's
 *      seq from N - 1 to N, and applies only onto the exact predecessor.
 *   5. Take the changeset (sessions read current rows while the write lock
 *      still holds them stable), COMMIT.
 *   6. Append the record; unlock; leave the writer turn (the next writer
 *      starts); journal_sync() (group commit: one fdatasync for every
 *      thread that waits at once); return.
 *
 * Crash cases:
 *   - killed before COMMIT: SQLite rolls the transaction back; nothing was
 *     appended; store and journal still agree.
 *   - killed between COMMIT and the append (or the append is torn): the
 *     store's seq is ahead of the journal's. The next open (or commit, in
 *     any process) sees it and resyncs: store_capture.seq := S = max(store,
 *     journal) + 1, a new segment starting with RESYNC S, and a snapshot,
 *     which holds the lost transaction. Logged as "capture.resync".
 *   - the append or the fdatasync fails: the write is committed but not
 *     journaled, so it is not acknowledged as such: the capture resyncs at
 *     once (a snapshot then holds it) and returns OK only if that worked;
 *     otherwise ERR_CAPTURE_FAILED, the journal is marked broken and every
 *     later transaction first tries to heal it and is refused
 *     (ERR_CAPTURE_UNAVAILABLE) until that works.
 *   - schema changes (migrations on open, DDL in a transaction) are not in
 *     changesets: the recorded schema cookie differs, so a resync and a
 *     snapshot follow.
 *   - capture switched off: attaching marks the store (schema_cookie -2);
 *     the next open with capture on resyncs.
 */
#include "store/capture.h"

#include "core/log.h"
#include "core/xalloc.h"
#include "store/migrate.h"
#include "store/sqlite_int.h"
#include "vault/journal.h"
#include "vault/snapshot.h"

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COOKIE_NEW -1 /* store_capture's first value: never journaled */
#define COOKIE_OFF -2 /* opened with capture off: writes may be missing */

/* A transaction stops recording (and is journaled as a resync with a
 * snapshot) once its changeset would be larger than 1/SPILL_DB_SHARE of
 * the store's size (and SPILL_MIN_BYTES), or its session takes more than
 * SPILL_MEM_MAX of memory. Measured here (release build): writing a
 * changeset costs ~12-17 ms per MB of changeset (generating, journaling),
 * a snapshot ~0.7-3 ms per MB of store (a file copy when the WAL is
 * checkpointed, else the online backup API; capture_copy.c), so past ~1/8
 * the snapshot is cheaper. A 100,000-customer import into a new store
 * (changeset 76 MB, store 84 MB): 0.06 s as a snapshot, ~1.3 s as a
 * changeset; 100,000 debit results in a 400 MB store (changeset 21 MB):
 * ~0.35 s as a changeset, 0.6-1.3 s as a snapshot through the backup API.
 * Session memory is a poor measure of either: an UPDATE keeps the whole old
 * row, an INSERT only its key. */
#define SPILL_MIN_BYTES (512LL << 10)
#define SPILL_DB_SHARE  8
#define SPILL_MEM_MAX   (512LL << 20)

const struct migration capture_migrations[] = {
    {"capture", 1,
     "CREATE TABLE store_capture ("
     " id INTEGER PRIMARY KEY CHECK (id = 1),"
     " seq INTEGER NOT NULL,"
     " committed_ms INTEGER NOT NULL,"
     " schema_cookie INTEGER NOT NULL);"
     "INSERT INTO store_capture (id, seq, committed_ms, schema_cookie)"
     " VALUES (1, 0, 0, -1)"},
    {NULL, 0, NULL},
};

struct capture {
    struct store *st;
    struct journal *j;
    sqlite3_session *sess; /* while a transaction is open */
    bool internal;         /* a resync's own write is committing */
    bool writer;           /* holds the journal's writer turn */
    bool spilled;          /* too large for a changeset: resync at commit */
    bool committing;       /* inside capture_commit: no spill now */
    bool defer_sync;       /* a batch job: commits do not wait for sync */
    uint64_t unsynced;     /* last seq appended and not yet synced */
    int64_t spill_check;   /* session bytes at which to look again */
    char id[CAPTURE_ID_MAX];
    char data_dir[PATH_MAX];
};

/* ---- the switch -------------------------------------------------------- */

static pthread_once_t enabled_once = PTHREAD_ONCE_INIT;
static bool enabled = true;
static bool enabled_set;

static void
enabled_read(void)
{
    const char *v = getenv("PILOTLIGHT_CAPTURE");
    if (enabled_set || !v || !*v)
        return;
    if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "false"))
        enabled = false;
    else if (strcmp(v, "on") && strcmp(v, "1") && strcmp(v, "true"))
        log_msg(LOG_ERROR, "capture.config",
                "PILOTLIGHT_CAPTURE='%s' is not on or off: capture stays on",
                v);
}

bool
capture_enabled(void)
{
    pthread_once(&enabled_once, enabled_read);
    return enabled;
}

void
capture_set_enabled(bool on)
{
    pthread_once(&enabled_once, enabled_read);
    enabled_set = true;
    enabled = on;
}

/* ---- store_capture ----------------------------------------------------- */

struct row {
    uint64_t seq;
    int64_t ms;
    int64_t cookie; /* recorded */
    int64_t live;   /* PRAGMA schema_version now */
};

static enum err
row_read(struct store *st, struct row *r)
{
    static const char sql[] =
        "SELECT seq, committed_ms, schema_cookie,"
        " (SELECT schema_version FROM pragma_schema_version)"
        " FROM store_capture WHERE id = 1";
    struct stmt *s;
    bool have = false;
    enum err rc = store_prepare(st, sql, &s);
    if (!rc && !(rc = stmt_step(s, &have)) && have) {
        r->seq = (uint64_t)stmt_int(s, 0);
        r->ms = stmt_int(s, 1);
        r->cookie = stmt_int(s, 2);
        r->live = stmt_int(s, 3);
    }
    stmt_done(s);
    if (!rc && !have)
        rc =
            err_fail(ERR_STORE, "%s: store_capture has no row", store_path(st));
    return rc;
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

#define WRITER_TIMEOUT_MS 5000 /* as the store's busy timeout */

static enum err
writer_enter(struct capture *c)
{
    if (c->writer)
        return ERR_OK;
    enum err rc = journal_writer_enter(c->j, WRITER_TIMEOUT_MS);
    c->writer = rc == ERR_OK;
    return rc;
}

static void
writer_leave(struct capture *c)
{
    if (c->writer)
        journal_writer_leave(c->j);
    c->writer = false;
}

/* ---- ids and directories ----------------------------------------------- */

static bool
id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CAPTURE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '_' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

/* The store id and data dir of the store at path (see capture.h). */
static enum err
derive(const char *path, enum store_kind kind, struct capture *c)
{
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return err_fail(ERR_CONFIG, "store path too long");
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : dir;
    char name[CAPTURE_ID_MAX + 8];
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(base, "."), base);
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    char *up = strrchr(dir, '/');
    if (kind == STORE_TENANT && strcmp(up ? up + 1 : dir, "tenants") == 0)
        up ? (void)(*up = '\0') : (void)snprintf(dir, sizeof(dir), ".");
    snprintf(c->id, sizeof(c->id), "%s",
             kind == STORE_PLATFORM ? "platform" : name);
    snprintf(c->data_dir, sizeof(c->data_dir), "%s", dir);
    if (!id_valid(c->id))
        return err_fail(ERR_CONFIG,
                        "%s: '%s' cannot name a journal (a store id is 1-64 "
                        "of a-z, 0-9, '_', '-')",
                        path, c->id);
    return ERR_OK;
}

/* ---- the commit hook: no write commits outside a store transaction ----- */

static int
commit_hook(void *arg)
{
    struct capture *c = arg;
    if (c->internal || store_in_tx(c->st))
        return 0;
    sqlite3 *db = store_sqlite_db(c->st);
    return sqlite3_txn_state(db, "main") == SQLITE_TXN_WRITE;
}

/* ---- resync and heal --------------------------------------------------- */

/* Why the store and its journal disagree, or NULL when they agree. */
static const char *
disagreement(const struct row *r, uint64_t journal_seq, bool broken)
{
    if (r->cookie == COOKIE_NEW && r->seq == 0 && journal_seq == 0)
        return "new store";
    if (broken)
        return "journal write failed";
    if (r->cookie == COOKIE_OFF)
        return "written with capture off";
    if (r->seq > journal_seq)
        return "journal behind the store";
    if (r->seq < journal_seq)
        return "journal ahead of the store";
    if (r->cookie != r->live)
        return "schema changed";
    return NULL;
}

static void
log_resync(struct capture *c, const char *why, const struct row *r,
           uint64_t journal_seq, uint64_t seq, enum err rc)
{
    bool quiet = !rc && (strcmp(why, "new store") == 0 ||
                         strcmp(why, "large transaction") == 0);
    log_fields(rc      ? LOG_ERROR
               : quiet ? LOG_INFO
                       : LOG_WARN,
               "capture.resync",
               json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "store", c->id,
                         "reason", why, "store_seq", (json_int_t)r->seq,
                         "journal_seq", (json_int_t)journal_seq, "seq",
                         (json_int_t)seq, "result",
                         rc ? err_detail() : "a snapshot follows"));
}

/* Under the SQLite write lock and the journal lock: move store_capture and
 * the journal to a new seq past both, with a RESYNC record. */
static enum err
resync_locked(struct capture *c, const struct row *r, const char *why)
{
    static const char sql[] = "UPDATE store_capture SET seq = $1,"
                              " committed_ms = $2, schema_cookie = $3"
                              " WHERE id = 1";
    uint64_t jl = journal_last_seq(c->j);
    uint64_t seq = (r->seq > jl ? r->seq : jl) + 1;
    int64_t t = max64(max64(now_ms(), journal_last_time(c->j)), r->ms);
    enum err rc = store_run(c->st, sql, "iii", (int64_t)seq, t, r->live);
    if (!rc)
        rc = store_exec(c->st, "COMMIT");
    if (!rc)
        rc = journal_resync(c->j, seq, t);
    journal_set_broken(c->j, rc != ERR_OK);
    log_resync(c, why, r, jl, seq, rc);
    return rc;
}

/* True when the store and its journal agree now (read under the journal
 * lock, which every committer holds from before COMMIT to after the
 * append; a read does not wait for SQLite's write lock in WAL mode). */
static bool
agree(struct capture *c)
{
    struct row r;
    if (journal_broken(c->j) || journal_lock(c->j))
        return false;
    bool ok = !row_read(c->st, &r) &&
              !disagreement(&r, journal_last_seq(c->j), false);
    journal_unlock(c->j);
    err_clear();
    return ok;
}

/* Resync if the store and journal disagree (or force). No transaction may
 * be open on the connection. */
static enum err
resync(struct capture *c, bool force, const char *reason)
{
    struct row r;
    if (!force && agree(c))
        return ERR_OK; /* the usual case: no write lock taken */
    bool took = !c->writer;
    enum err rc = writer_enter(c);
    if (rc)
        return rc;
    c->internal = true;
    rc = store_exec(c->st, "BEGIN IMMEDIATE");
    bool locked = !rc && !(rc = journal_lock(c->j));
    if (!rc)
        rc = row_read(c->st, &r);
    if (!rc) {
        const char *why =
            disagreement(&r, journal_last_seq(c->j), journal_broken(c->j));
        if (why || force)
            rc = resync_locked(c, &r, reason ? reason : why ? why : "forced");
    }
    if (locked)
        journal_unlock(c->j);
    if (!sqlite3_get_autocommit(store_sqlite_db(c->st)))
        store_exec(c->st, "ROLLBACK");
    c->internal = false;
    if (took)
        writer_leave(c);
    return rc;
}

/* Take a snapshot when the newest RESYNC has none at or after it. */
static enum err
snapshot_if_needed(struct capture *c)
{
    uint64_t have = journal_snapshot_seq(c->j);
    if (have == UINT64_MAX) { /* unknown in this process: look */
        struct snapshot_info si;
        enum err rc = snapshot_latest(c->data_dir, c->id, UINT64_MAX, &si);
        if (rc && rc != ERR_SNAPSHOT_NOT_FOUND)
            return rc;
        err_clear();
        journal_note_snapshot(c->j, rc ? 0 : si.seq);
        have = journal_snapshot_seq(c->j);
    }
    uint64_t need = journal_resync_seq(c->j);
    if (have >= need && have > 0)
        return ERR_OK;
    struct snapshot_info si;
    enum err rc = snapshot_take(c->st, &si);
    if (rc)
        log_msg(LOG_ERROR, "capture.snapshot_failed",
                "store %s: no snapshot after resync %" PRIu64 ": %s", c->id,
                need, err_detail());
    return rc;
}

static enum err
heal(struct capture *c, bool force, const char *reason)
{
    enum err rc = resync(c, force, reason);
    if (!rc)
        rc = snapshot_if_needed(c);
    if (rc) {
        journal_set_broken(c->j, true);
        return err_fail(ERR_CAPTURE_FAILED,
                        "store %s: the journal cannot be brought in line "
                        "with the store: %s",
                        c->id, err_detail());
    }
    return ERR_OK;
}

/* ---- hooks from store_sqlite.c ----------------------------------------- */

/* Capture off: mark the store so that the next open with capture on knows
 * that writes may have bypassed the journal. */
static enum err
mark_uncaptured(struct store *st)
{
    static const char sql[] = "UPDATE store_capture SET schema_cookie = -2"
                              " WHERE id = 1 AND schema_cookie <> -2";
    enum err rc = store_tx_begin(st);
    if (!rc)
        rc = store_run(st, sql, "");
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

enum err
capture_attach(struct store *st, enum store_kind kind)
{
    if (!capture_enabled())
        return mark_uncaptured(st);
    struct capture *c = xcalloc(1, sizeof(*c));
    c->st = st;
    char dir[PATH_MAX];
    enum err rc = derive(store_path(st), kind, c);
    if (!rc && !journal_dir_path(c->data_dir, c->id, dir, sizeof(dir)))
        rc = err_fail(ERR_CONFIG, "journal path too long");
    if (!rc)
        rc = journal_open(dir, &c->j);
    if (rc) {
        free(c);
        return rc;
    }
    sqlite3_commit_hook(store_sqlite_db(st), commit_hook, c);
    store_capture_set(st, c); /* heal's snapshot asks st for its id */
    if (heal(c, false, NULL)) /* reads still work; writes wait for a heal */
        log_msg(LOG_ERROR, "capture.broken", "%s", err_detail());
    err_clear();
    return ERR_OK;
}

enum err
capture_before_begin(struct capture *c)
{
    if (journal_broken(c->j) && heal(c, false, NULL))
        return err_fail(ERR_CAPTURE_UNAVAILABLE, "%s", err_detail());
    return writer_enter(c);
}

/* Forget the session (the transaction's changes). */
static void
session_end(struct capture *c)
{
    if (c->sess)
        sqlite3session_delete(c->sess);
    c->sess = NULL;
}

enum err
capture_begin(struct capture *c)
{
    sqlite3 *db = store_sqlite_db(c->st);
    c->spilled = false;
    c->spill_check = SPILL_MIN_BYTES;
    int rc = sqlite3session_create(db, "main", &c->sess), on = 1;
    if (rc == SQLITE_OK) /* sqlite3session_changeset_size(), for the spill */
        rc = sqlite3session_object_config(c->sess,
                                          SQLITE_SESSION_OBJCONFIG_SIZE, &on);
    if (rc == SQLITE_OK)
        rc = sqlite3session_attach(c->sess, NULL);
    if (rc != SQLITE_OK) {
        session_end(c);
        return store_sqlite_err(c->st, rc, "session");
    }
    return ERR_OK;
}

void
capture_rollback(struct capture *c)
{
    session_end(c);
    c->spilled = false;
    writer_leave(c);
}

/* The store's size in bytes (0 when it cannot be read). */
static int64_t
db_bytes(struct capture *c)
{
    static const char sql[] = "SELECT p.page_count * s.page_size"
                              " FROM pragma_page_count p, pragma_page_size s";
    sqlite3 *db = store_sqlite_db(c->st);
    sqlite3_stmt *s;
    int64_t n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

void
capture_after_step(struct capture *c)
{
    if (!c->sess || c->committing)
        return;
    int64_t mem = sqlite3session_memory_used(c->sess);
    if (mem < c->spill_check)
        return; /* looked at again each time the session doubles */
    int64_t cs = sqlite3session_changeset_size(c->sess);
    if (mem > SPILL_MEM_MAX ||
        (cs > SPILL_MIN_BYTES && cs * SPILL_DB_SHARE > db_bytes(c))) {
        session_end(c); /* recording stops here: a snapshot takes it all */
        c->spilled = true;
        return;
    }
    c->spill_check = mem * 2;
}

/* Commit a transaction the journal cannot take as one record (the store
 * and journal disagree, or the schema changed), then resync. */
static enum err
commit_and_resync(struct capture *c, const char *why)
{
    session_end(c); /* its changes are not journaled: a snapshot takes them */
    c->spilled = false;
    enum err rc = store_exec(c->st, "COMMIT");
    if (!rc)
        rc = heal(c, true, why);
    writer_leave(c);
    return rc;
}

static enum err sync_through(struct capture *c, uint64_t seq);

/* Steps 4-6 of the protocol: under both locks, with r read. */
static enum err
commit_record(struct capture *c, const struct row *r)
{
    static const char sql[] = "UPDATE store_capture SET seq = $1,"
                              " committed_ms = $2 WHERE id = 1";
    uint64_t seq = r->seq + 1;
    int64_t t = max64(max64(now_ms(), journal_last_time(c->j)), r->ms);
    void *cs = NULL;
    int n = 0, src;
    enum err rc = store_run(c->st, sql, "ii", (int64_t)seq, t);
    if (!rc && (src = sqlite3session_changeset(c->sess, &n, &cs)) != SQLITE_OK)
        rc = store_sqlite_err(c->st, src, "changeset");
    session_end(c);
    if (!rc)
        rc = store_exec(c->st, "COMMIT");
    if (rc) { /* not committed: the caller rolls back */
        sqlite3_free(cs);
        journal_unlock(c->j);
        return rc;
    }
    struct journal_record rec = {JOURNAL_CHANGESET, seq, t, cs, (size_t)n};
    rc = journal_append(c->j, &rec);
    journal_unlock(c->j);
    sqlite3_free(cs);
    if (rc) {
        log_msg(LOG_ERROR, "capture.append_failed",
                "store %s: seq %" PRIu64 " committed but not journaled: %s",
                c->id, seq, err_detail());
        journal_set_broken(c->j, true);
        rc = heal(c, true, "journal write failed");
        writer_leave(c);
        return rc;
    }
    writer_leave(c); /* the next writer goes while this one syncs */
    if (c->defer_sync) {
        c->unsynced = seq;
        return ERR_OK;
    }
    return sync_through(c, seq);
}

/* Make the journal durable through seq; a failure is healed with a
 * resync (a snapshot then holds what the journal may have lost). */
static enum err
sync_through(struct capture *c, uint64_t seq)
{
    enum err rc = journal_sync(c->j, seq);
    c->unsynced = 0;
    if (rc) {
        log_msg(LOG_ERROR, "capture.append_failed",
                "store %s: seq %" PRIu64 " committed but not durable: %s",
                c->id, seq, err_detail());
        journal_set_broken(c->j, true);
        return heal(c, true, "journal sync failed");
    }
    return ERR_OK;
}

static enum err commit_steps(struct capture *c);

enum err
capture_commit(struct capture *c)
{
    c->committing = true; /* its own statements must not spill the session */
    enum err rc = commit_steps(c);
    c->committing = false;
    return rc;
}

static enum err
commit_steps(struct capture *c)
{
    struct row r;
    enum err rc;
    if (c->spilled)
        return commit_and_resync(c, "large transaction");
    if (!c->sess || sqlite3session_isempty(c->sess)) {
        if ((rc = row_read(c->st, &r)))
            return rc;
        if (r.cookie == r.live) { /* nothing to journal */
            session_end(c);
            rc = store_exec(c->st, "COMMIT");
            if (!rc)
                writer_leave(c);
            return rc;
        }
    }
    if ((rc = journal_lock(c->j)))
        return rc;
    if ((rc = row_read(c->st, &r))) {
        journal_unlock(c->j);
        return rc;
    }
    const char *why =
        disagreement(&r, journal_last_seq(c->j), journal_broken(c->j));
    if (why) {
        journal_unlock(c->j);
        return commit_and_resync(c, why);
    }
    return commit_record(c, &r);
}

void
capture_detach(struct capture *c)
{
    if (!c)
        return;
    capture_rollback(c); /* the session and the writer turn */
    sqlite3_commit_hook(store_sqlite_db(c->st), NULL, NULL);
    journal_close(c->j);
    free(c);
}

/* ---- the public face --------------------------------------------------- */

bool
capture_attached(struct store *st)
{
    return store_capture_of(st) != NULL;
}

const char *
capture_store_id(struct store *st)
{
    struct capture *c = store_capture_of(st);
    return c ? c->id : NULL;
}

const char *
capture_data_dir(struct store *st)
{
    struct capture *c = store_capture_of(st);
    return c ? c->data_dir : NULL;
}

struct journal *
capture_journal(struct store *st)
{
    struct capture *c = store_capture_of(st);
    return c ? c->j : NULL;
}

enum err
capture_state(struct store *st, uint64_t *seq, int64_t *time_ms)
{
    struct row r;
    enum err rc = row_read(st, &r);
    if (!rc) {
        *seq = r.seq;
        *time_ms = r.ms;
    }
    return rc;
}

void
capture_defer_sync(struct store *st, bool on)
{
    struct capture *c = store_capture_of(st);
    if (c)
        c->defer_sync = on;
}

enum err
capture_flush(struct store *st)
{
    struct capture *c = store_capture_of(st);
    return c && c->unsynced ? sync_through(c, c->unsynced) : ERR_OK;
}

enum err
capture_heal(struct store *st, bool force, const char *reason)
{
    struct capture *c = store_capture_of(st);
    if (!c)
        return err_fail(ERR_CONFIG, "%s: change capture is off",
                        store_path(st));
    return heal(c, force, reason);
}
