/*
 * capture.h — change capture for backups, and the SQLite-level tools the
 * backup, restore and drill build on: consistent copies (snapshots),
 * replicas that changesets are replayed onto, logical checksums.
 *
 * Change capture. Every store opened with store_open() (the platform store
 * and every tenant store) has capture attached unless it is switched off
 * (PILOTLIGHT_CAPTURE=off, for benches). Then every committed write
 * transaction (store_tx_begin … store_tx_commit) becomes one SQLite
 * session changeset, appended to the store's journal (vault/journal.h) and
 * made durable before store_tx_commit() returns:
 *
 *   store_tx_begin   [heal a broken journal or refuse]; take the store's
 *                    writer turn (one write transaction per store per
 *                    process at a time, FIFO-ish, instead of SQLite's
 *                    sleeping busy handler); BEGIN IMMEDIATE; a session
 *                    records every table ("main", all tables)
 *   store_tx_commit  journal lock (process mutex + flock);
 *                    store_capture.seq := seq + 1 (recorded too);
 *                    take the changeset; COMMIT; append it to the journal;
 *                    unlock; leave the writer turn; fdatasync (group
 *                    commit: one for every thread that waits at once);
 *                    return
 *
 * The store keeps its own sequence in store_capture (one row: seq,
 * committed_ms, schema_cookie), written in the same transaction as the
 * data, so a store and its journal can always be compared: the journal's
 * last seq must equal the store's. When they differ (a crash between COMMIT
 * and the append, a failed append, writes made with capture off) or the
 * schema changed (migrations, any DDL: sessions do not record schema
 * changes), the capture resyncs: it sets store_capture.seq past both,
 * starts a new journal segment with a RESYNC record at that seq, and takes
 * a snapshot (vault/snapshot.h), which the records after it build on. It
 * logs "capture.resync" with the reason. This happens on open, at commit
 * and before a transaction begins.
 *
 * Large transactions. A transaction whose changeset would pass 1/8 of the
 * store's size (and 512 KiB) stops recording and is journaled as a resync
 * with a snapshot at commit: a snapshot costs ~0.7-3 ms per MB of store, a
 * changeset ~15 ms per MB of changeset (a 100,000-row import into a new
 * store: 0.06 s instead of 1.3 s; 100,000 debit results in a 400 MB
 * store stay a changeset, 0.35 s instead of ~1 s). The time before it
 * stays reachable by replay.
 *
 * Writes outside a transaction. A statement that writes while no
 * transaction is open (store_run, stmt_step, store_exec outside
 * store_tx_begin) runs in an implicit transaction of its own and is
 * journaled like any other (the throttle's login_failures and the notice
 * outbox do this). A transaction begun by hand (store_exec("BEGIN")) is
 * refused at COMMIT by a commit hook, ERR_CAPTURE_OUTSIDE_TX.
 *
 * Store ids and directories. A store at D/platform.db has id "platform"
 * and data dir D; one at D/tenants/<id>.db has id <id> (the tenant's
 * registry id) and data dir D. Any other path D/<name>.<ext> (tests) has
 * id <name> and data dir D. The journal is DATA/journal/<id>/, snapshots
 * DATA/snapshots/<id>/.
 *
 * Every table must have a non-null primary key (src/store/migrate.c
 * enforces it): the session extension silently skips tables without one.
 */
#ifndef PL_STORE_CAPTURE_H
#define PL_STORE_CAPTURE_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct journal;

#define CAPTURE_ID_MAX 65 /* store id: 1-64 of [a-z0-9_-] + NUL */

/* Whether stores opened from now on capture: PILOTLIGHT_CAPTURE ("on"
 * default, or "off"), read once; capture_set_enabled() overrides it
 * (tests, benches). */
bool capture_enabled(void);
void capture_set_enabled(bool on);

/* True when st has capture attached. */
bool capture_attached(struct store *st);
/* The store id ("platform", "12"), its data dir and its journal, or NULL
 * when st has no capture. Borrowed from st. */
const char *capture_store_id(struct store *st);
const char *capture_data_dir(struct store *st);
struct journal *capture_journal(struct store *st);

/* The store's own sequence: the last committed write transaction's seq
 * and commit time, as stored in store_capture. */
enum err capture_state(struct store *st, uint64_t *seq, int64_t *time_ms);

/*
 * Make the journal agree with the store now (see above): resync if the
 * sequences or schema differ or force is set, and take a snapshot if the
 * newest RESYNC record has none at or after it. reason goes to the log.
 * No transaction may be open on st. Errors: ERR_CAPTURE_FAILED.
 */
enum err capture_heal(struct store *st, bool force, const char *reason);

/* Batch jobs (the billing run): while deferred, a commit appends its
 * changeset to the journal but does not wait for the journal's fdatasync;
 * capture_flush() makes everything appended durable with one. Each commit
 * is still durable in the store (synchronous=FULL), so a power loss before
 * the flush leaves the store ahead of its journal, which the next open
 * repairs with a resync and a snapshot: nothing is lost for the backups,
 * and what the job acknowledges (its summary) comes after the flush.
 * Without capture both do nothing. */
void capture_defer_sync(struct store *st, bool on);
enum err capture_flush(struct store *st);

/* ---- snapshots: a consistent copy --------------------------------------
 * The online backup API copies every page of st in one read transaction
 * (in WAL mode, writers are not blocked) into a new file at dest_path, which
 * must not exist. The copy records the seq and commit time it is as of (its
 * own store_capture row), returned in *seq and *time_ms. The file is
 * fsynced; the caller renames it into place. No transaction may be open on
 * st. Errors: ERR_STORE, ERR_IO. */
enum err capture_backup(struct store *st, const char *dest_path, uint64_t *seq,
                        int64_t *time_ms);

/* The seq and commit time a database file (a snapshot, a replica) is as
 * of. ERR_STORE when it cannot be read or has no store_capture row. */
enum err capture_file_state(const char *path, uint64_t *seq, int64_t *time_ms);

/* ---- replicas: replaying changesets ------------------------------------
 * A replica is a database file (a copy of a snapshot) opened for replay:
 * no migrations, no capture, foreign keys and triggers off (the changesets
 * already hold every row that cascades and triggers wrote; running them
 * again would double them), not defensive (FTS shadow tables are written
 * like any table). Everything applied between open and close is one
 * transaction. */
struct replica;

/* Open path as a replica and begin. */
enum err replica_open(const char *path, struct replica **out);
/* The seq and time the replica is as of (its store_capture row). */
enum err replica_state(struct replica *r, uint64_t *seq, int64_t *time_ms);
/*
 * Apply one changeset exactly: any conflict (a row missing, present, or
 * different from the changeset's old values, a constraint) stops it with
 * ERR_REPLAY_CONFLICT naming the table and kind; a table the replica lacks
 * is ERR_REPLAY_CONFLICT too. Nothing of a failed changeset stays applied.
 */
enum err replica_apply(struct replica *r, const void *changeset, size_t len);
/* Commit (keep) or roll back, close, and fsync the file. NULL is ok. */
enum err replica_close(struct replica *r, bool keep);

/* ---- logical checksums -------------------------------------------------
 * A digest of a store's content that does not depend on its pages: every
 * ordinary and shadow table but sqlite_*, in name order; per table its name
 * and column names, then its rows ordered by primary key (rowid when none),
 * each value typed (NULL, integer, real, text, blob) and length-prefixed,
 * then the row count; BLAKE2b-256 over all of it. Two stores with equal
 * checksums hold the same rows in the same tables (store_capture included,
 * so the same seq). Per-table digests name the table that differs. */
struct capture_sum {
    char hex[65];    /* the whole store */
    uint64_t tables; /* tables hashed */
    uint64_t rows;   /* rows hashed */
    uint64_t seq;    /* store_capture.seq read in the same transaction */
};

/* Called once per table, in order, with its digest (hex) and row count. */
typedef void (*capture_sum_fn)(const char *table, uint64_t rows,
                               const char *hex, void *arg);

/* Checksum the database file at path (read-only, one read transaction).
 * fn may be NULL. */
enum err capture_checksum_file(const char *path, struct capture_sum *out,
                               capture_sum_fn fn, void *arg);
/* Checksum an open store in one read transaction (none may be open). */
enum err capture_checksum_store(struct store *st, struct capture_sum *out,
                                capture_sum_fn fn, void *arg);

#endif
