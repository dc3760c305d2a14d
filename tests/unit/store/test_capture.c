/*
 * test_capture.c — tests change capture (src/store/capture.c, the hooks in
 * store_sqlite.c) with the journal, snapshots and replay (src/vault/).
 *
 * Writes through store_tx become journal records, one per transaction, in
 * seq order, also from two connections at once; a seeded tenant store
 * (thousands of rows in dozens of tables, FTS index included) with updates
 * and deletes on top is reproduced exactly by its first snapshot plus the
 * journal (equal logical checksums); replay up to a time stops there; a row
 * changed behind the journal's back makes the checksums differ, in that
 * table only. Autocommit writes are journaled in implicit transactions; a
 * hand-made transaction outside store_tx is refused. Crash cases: an
 * append that fails after COMMIT resyncs with a snapshot; when that fails
 * too the commit reports it, writes are refused until the journal heals,
 * and a reopen ("restart") resyncs; capture switched off, and a schema
 * change in a transaction, resync; a transaction too large for a changeset
 * becomes a resync with a snapshot, and the time before it stays
 * reachable. Every table of both store kinds has a
 * non-null primary key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "seed/seed.h"
#include "store/capture.h"
#include "store/migrate.h"
#include "store/pool.h"
#include "store/store.h"
#include "vault/journal.h"
#include "vault/replay.h"
#include "vault/snapshot.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct fixture {
    char dir[64];
};

static int
setup(void **state)
{
    static struct fixture f;
    snprintf(f.dir, sizeof(f.dir), "/tmp/pl-test-capture-XXXXXX");
    if (!mkdtemp(f.dir))
        return -1;
    err_clear();
    capture_set_enabled(true);
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    pool_thread_release();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    return system(cmd);
}

static void
ok(enum err rc)
{
    if (rc)
        fail_msg("%s: %s", err_code(rc), err_detail());
}

/* DATA/tenants/<id>.db under dir, opened with capture. */
static struct store *
open_tenant(const char *dir, int id)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/tenants", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/tenants/%d.db", dir, id);
    struct store *st;
    ok(store_open(path, STORE_TENANT, &st));
    assert_true(capture_attached(st));
    return st;
}

static void
put(struct store *st, const char *key, const char *value)
{
    ok(store_tx_begin(st));
    ok(store_run(st,
                 "INSERT INTO store_info (key, value) VALUES ($1, $2)"
                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 "tt", key, value));
    ok(store_tx_commit(st));
}

static uint64_t
store_seq(struct store *st)
{
    uint64_t seq;
    int64_t ms;
    ok(capture_state(st, &seq, &ms));
    return seq;
}

static void
sum_live(struct store *st, struct capture_sum *s)
{
    ok(capture_checksum_store(st, s, NULL, NULL));
}

static void
copy_file(const char *from, const char *to)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
}

/* Copy snapshot `snap` to DIR/replica.db, replay the store's journal onto
 * it up to lim and checksum the result. Returns the replay's result. */
static enum err
replay_to(const char *dir, const char *id, const char *snap,
          const struct replay_limit *lim, struct capture_sum *sum,
          struct replay_stats *rs)
{
    char replica[128], jdir[128];
    snprintf(replica, sizeof(replica), "%s/replica.db", dir);
    unlink(replica);
    copy_file(snap, replica);
    assert_true(journal_dir_path(dir, id, jdir, sizeof(jdir)));
    enum err rc = replay_journal(replica, jdir, lim, rs);
    if (!rc)
        ok(capture_checksum_file(replica, sum, NULL, NULL));
    return rc;
}

/* The store's oldest snapshot. */
static void
first_snapshot(const char *dir, const char *id, struct snapshot_info *si)
{
    ok(snapshot_latest(dir, id, 1, si));
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- records ----------------------------------------------------------- */

static void
test_each_transaction_is_one_record(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 5);
    uint64_t base = store_seq(st); /* the new store's resync */
    assert_int_equal(base, 1);
    put(st, "a", "1");
    put(st, "b", "2");
    ok(store_tx_begin(st)); /* a read-only transaction: no record */
    ok(store_tx_commit(st));
    ok(store_tx_begin(st));
    ok(store_run(st, "INSERT INTO store_info (key, value) VALUES ('c', '3')",
                 ""));
    store_tx_rollback(st); /* rolled back: no record */
    assert_int_equal(store_seq(st), base + 2);

    struct journal_info ji;
    char jdir[128];
    journal_dir_path(f->dir, "5", jdir, sizeof(jdir));
    ok(journal_verify(jdir, &ji));
    assert_int_equal(ji.last_seq, base + 2);
    assert_int_equal(ji.records, 3); /* RESYNC 1, then 2 and 3 */
    assert_int_equal(ji.resync_seq, 1);
    struct snapshot_info si;
    first_snapshot(f->dir, "5", &si);
    assert_int_equal(si.seq, 1);
    store_close(st);
}

/* A batch job defers the journal's sync: its commits are appended (in
 * order, readable at once) without an fdatasync each, and one flush makes
 * them all durable. */
static void
test_deferred_sync_appends_and_flushes_once(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 8);
    struct journal *j = capture_journal(st);
    uint64_t base = store_seq(st), syncs = journal_sync_count(j);
    put(st, "a", "1");
    assert_int_equal(journal_sync_count(j), syncs + 1); /* one per commit */
    capture_defer_sync(st, true);
    put(st, "b", "2");
    put(st, "c", "3");
    put(st, "d", "4");
    assert_int_equal(journal_sync_count(j), syncs + 1); /* none yet */
    struct journal_info ji;
    char jdir[128];
    journal_dir_path(f->dir, "8", jdir, sizeof(jdir));
    ok(journal_verify(jdir, &ji));
    assert_int_equal(ji.last_seq, base + 4); /* all appended */
    capture_defer_sync(st, false);
    ok(capture_flush(st));
    assert_int_equal(journal_sync_count(j), syncs + 2); /* one for three */
    ok(capture_flush(st)); /* nothing left: no sync */
    assert_int_equal(journal_sync_count(j), syncs + 2);
    put(st, "e", "5"); /* back to a sync per commit */
    assert_int_equal(journal_sync_count(j), syncs + 3);
    store_close(st);
}

/* A snapshot is the whole store whichever way it is copied: the file
 * itself when the WAL is checkpointed and the write lock can be had, the
 * online backup API when a reader keeps older frames in the WAL. */
static void
test_snapshot_is_whole_with_or_without_a_reader(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 9);
    char path[128], copy[128];
    struct capture_sum live, got;
    uint64_t seq;
    int64_t ms;
    put(st, "a", "1");
    snprintf(path, sizeof(path), "%s/tenants/9.db", f->dir);
    sqlite3 *reader; /* another connection, reading an older state */
    assert_int_equal(sqlite3_open_v2(path, &reader, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(reader,
                                  "BEGIN; SELECT COUNT(*) FROM store_info",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    put(st, "b", "2"); /* frames the reader keeps from being checkpointed */
    snprintf(copy, sizeof(copy), "%s/copy-1.db", f->dir);
    ok(capture_backup(st, copy, &seq, &ms));
    assert_int_equal(seq, store_seq(st));
    sum_live(st, &live);
    ok(capture_checksum_file(copy, &got, NULL, NULL));
    assert_string_equal(got.hex, live.hex);
    sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(reader);
    put(st, "c", "3");
    snprintf(copy, sizeof(copy), "%s/copy-2.db", f->dir);
    ok(capture_backup(st, copy, &seq, &ms));
    assert_int_equal(seq, store_seq(st));
    sum_live(st, &live);
    ok(capture_checksum_file(copy, &got, NULL, NULL));
    assert_string_equal(got.hex, live.hex);
    struct stat sb; /* readable alone: no -wal beside it, not shared */
    assert_int_equal(stat(copy, &sb), 0);
    assert_int_equal(sb.st_mode & 077, 0);
    strcat(copy, "-wal");
    assert_int_not_equal(stat(copy, &sb), 0);
    store_close(st);
}

static void
test_autocommit_writes_are_journaled(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 6);
    uint64_t seq = store_seq(st);
    ok(store_run(st, "INSERT INTO store_info (key, value) VALUES ('x', '1')",
                 ""));
    assert_int_equal(store_seq(st), seq + 1);
    ok(store_exec(st, "UPDATE store_info SET value = '2' WHERE key = 'x';"
                      "UPDATE store_info SET value = '3' WHERE key = 'x'"));
    assert_int_equal(store_seq(st), seq + 3); /* one per statement */
    struct stmt *s; /* RETURNING, left before SQLITE_DONE */
    bool row;
    ok(store_query(st, &s,
                   "INSERT INTO store_info (key, value) VALUES ('y', 'z')"
                   " RETURNING key",
                   ""));
    ok(stmt_step(s, &row));
    assert_true(row);
    stmt_done(s);
    assert_int_equal(store_seq(st), seq + 4);
    assert_false(store_in_tx(st));

    /* a transaction made by hand outside store_tx cannot be journaled */
    ok(store_exec(st, "BEGIN"));
    ok(store_exec(st, "INSERT INTO store_info (key, value) VALUES ('h', '')"));
    assert_int_equal(store_exec(st, "COMMIT"), ERR_CAPTURE_OUTSIDE_TX);
    store_exec(st, "ROLLBACK");
    ok(store_query(st, &s, "SELECT count(*) FROM store_info WHERE key = 'h'",
                   ""));
    ok(stmt_step(s, &row));
    assert_int_equal(stmt_int(s, 0), 0);
    stmt_done(s);

    struct snapshot_info si;
    struct capture_sum live, rep;
    struct replay_stats rs;
    first_snapshot(f->dir, "6", &si);
    ok(replay_to(f->dir, "6", si.path, NULL, &rep, &rs));
    sum_live(st, &live);
    assert_string_equal(rep.hex, live.hex);
    store_close(st);
}

/* ---- exact replay of a seeded store ------------------------------------ */

static struct store *
seed_one(const char *dir, long long households)
{
    struct store *platform, *st;
    pool_thread_release();
    ok(pool_init(dir, 4));
    ok(pool_platform(&platform));
    struct seed_ctx c = {
        .data_dir = dir,
        .platform = platform,
        .actor = "test",
        .seed = 7,
        .tenants = 1,
        .customers_per_tenant = households,
        .months = 2,
        .quiet = 1,
        .as_of = "2026-11-27",
    };
    ok(seed_run(&c));
    free(c.tenant_ids);
    ok(pool_tenant(1, &st));
    return st;
}

static void
churn(struct store *st)
{
    static const char *const sql[] = {
        "UPDATE customers SET kana = kana || 'ア' WHERE id % 5 = 0",
        "DELETE FROM customer_phones WHERE digits LIKE '%3'",
        "DELETE FROM appliances WHERE id % 4 = 0",
        "UPDATE meters SET digits = digits WHERE id % 2 = 0", /* no-ops */
        "INSERT INTO store_info (key, value) VALUES ('churn', 'x')",
        "UPDATE store_info SET value = 'y' WHERE key = 'churn'",
        "DELETE FROM store_info WHERE key = 'churn'",
    };
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        ok(store_tx_begin(st));
        ok(store_exec(st, sql[i]));
        ok(store_tx_commit(st));
    }
}

static void
test_snapshot_and_journal_reproduce_the_store(void **state)
{
    struct fixture *f = *state;
    struct store *st = seed_one(f->dir, 300);
    churn(st);
    struct capture_sum live, rep;
    struct replay_stats rs;
    struct snapshot_info si;
    sum_live(st, &live);
    assert_true(live.rows > 3000);
    assert_true(live.tables > 30);
    first_snapshot(f->dir, "1", &si);
    ok(replay_to(f->dir, "1", si.path, NULL, &rep, &rs));
    assert_int_equal(rs.base_seq, 1);
    assert_int_equal(rs.last_seq, live.seq);
    assert_int_equal(rep.rows, live.rows);
    assert_string_equal(rep.hex, live.hex);

    /* and from a snapshot taken half-way */
    ok(snapshot_take(st, &si));
    churn(st);
    sum_live(st, &live);
    ok(replay_to(f->dir, "1", si.path, NULL, &rep, &rs));
    assert_int_equal(rs.base_seq, si.seq);
    assert_int_equal(rs.last_seq, live.seq); /* no-op updates: no record */
    assert_true(rs.records >= 5);
    assert_string_equal(rep.hex, live.hex);

    /* the platform store too */
    struct store *platform;
    ok(pool_platform(&platform));
    sum_live(platform, &live);
    first_snapshot(f->dir, "platform", &si);
    ok(replay_to(f->dir, "platform", si.path, NULL, &rep, &rs));
    assert_string_equal(rep.hex, live.hex);
}

static void
test_replay_up_to_a_time_stops_there(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 7);
    put(st, "k1", "before");
    uint64_t seq1 = store_seq(st);
    struct snapshot_info mid, first;
    ok(snapshot_take(st, &mid));
    sleep_ms(20);
    int64_t t = now_ms();
    sleep_ms(20);
    put(st, "k2", "after");
    put(st, "k1", "changed");

    struct capture_sum rep, want;
    struct replay_stats rs;
    struct replay_limit lim = {0, t};
    first_snapshot(f->dir, "7", &first);
    ok(replay_to(f->dir, "7", first.path, &lim, &rep, &rs));
    assert_int_equal(rs.last_seq, seq1);
    assert_true(rs.limit_reached);
    ok(capture_checksum_file(mid.path, &want, NULL, NULL));
    assert_string_equal(rep.hex, want.hex);

    struct replay_limit by_seq = {seq1, 0};
    ok(replay_to(f->dir, "7", first.path, &by_seq, &rep, &rs));
    assert_string_equal(rep.hex, want.hex);

    /* a point before the snapshot, or past the journal's end */
    struct replay_limit early = {0, mid.time_ms - 1};
    assert_int_equal(replay_to(f->dir, "7", mid.path, &early, &rep, &rs),
                     ERR_REPLAY_BASE);
    struct replay_limit late = {store_seq(st) + 5, 0};
    assert_int_equal(replay_to(f->dir, "7", first.path, &late, &rep, &rs),
                     ERR_JOURNAL_GAP);
    store_close(st);
}

static void
per_table(const char *table, uint64_t rows, const char *hex, void *arg)
{
    (void)rows;
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 4096 - n, "%s=%.16s\n", table, hex);
}

static void
test_a_row_changed_behind_the_journals_back_is_seen(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 8);
    put(st, "a", "1");
    put(st, "b", "2");
    char path[128];
    snprintf(path, sizeof(path), "%s/tenants/8.db", f->dir);
    store_close(st);
    /* opened without capture: the write never reaches the journal */
    struct store *raw;
    ok(store_open_with(path, schema_tenant, &raw));
    assert_false(capture_attached(raw));
    ok(store_exec(raw, "UPDATE store_info SET value = '9' WHERE key = 'a'"));
    store_close(raw);

    char live_tables[4096] = "", rep_tables[4096] = "";
    struct capture_sum live, rep;
    struct replay_stats rs;
    struct snapshot_info si;
    ok(capture_checksum_file(path, &live, per_table, live_tables));
    first_snapshot(f->dir, "8", &si);
    ok(replay_to(f->dir, "8", si.path, NULL, &rep, &rs));
    char replica[128];
    snprintf(replica, sizeof(replica), "%s/replica.db", f->dir);
    ok(capture_checksum_file(replica, &rep, per_table, rep_tables));
    assert_int_equal(rep.seq, live.seq); /* same seq, different rows */
    assert_string_not_equal(rep.hex, live.hex);
    /* only store_info differs */
    char *a = live_tables, *b = rep_tables;
    int differ = 0;
    while (*a && *b) {
        char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        if ((ea - a) != (eb - b) || strncmp(a, b, (size_t)(ea - a)) != 0) {
            differ++;
            assert_memory_equal(a, "store_info=", 11);
        }
        a = ea + 1, b = eb + 1;
    }
    assert_int_equal(differ, 1);
}

/* ---- crash cases ------------------------------------------------------- */

static void
test_failed_append_resyncs_with_a_snapshot(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 9);
    put(st, "a", "1");
    uint64_t seq = store_seq(st);
    journal_test_fail_writes(capture_journal(st), 1);
    put(st, "b", "2"); /* committed; its append fails; a resync covers it */
    assert_int_equal(store_seq(st), seq + 2);
    struct snapshot_info si;
    ok(snapshot_latest(f->dir, "9", UINT64_MAX, &si));
    assert_int_equal(si.seq, seq + 2);
    put(st, "c", "3");

    struct capture_sum live, rep;
    struct replay_stats rs;
    sum_live(st, &live);
    ok(replay_to(f->dir, "9", si.path, NULL, &rep, &rs));
    assert_string_equal(rep.hex, live.hex);
    /* the old snapshot cannot cross the resync */
    first_snapshot(f->dir, "9", &si);
    assert_int_equal(replay_to(f->dir, "9", si.path, NULL, &rep, &rs),
                     ERR_REPLAY_BASE);
    store_close(st);
}

static void
test_unjournaled_commit_refuses_writes_until_healed(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 10);
    put(st, "a", "1");
    /* the append fails, and so does the resync's RESYNC record */
    journal_test_fail_writes(capture_journal(st), 2);
    ok(store_tx_begin(st));
    ok(store_run(st, "INSERT INTO store_info (key, value) VALUES ('b', '2')",
                 ""));
    assert_int_equal(store_tx_commit(st), ERR_CAPTURE_FAILED);
    assert_true(journal_broken(capture_journal(st)));
    /* still failing: the next transaction is refused */
    journal_test_fail_writes(capture_journal(st), 1);
    assert_int_equal(store_tx_begin(st), ERR_CAPTURE_UNAVAILABLE);
    /* the disk is back: it heals itself and goes on */
    put(st, "c", "3");
    assert_false(journal_broken(capture_journal(st)));

    struct capture_sum live, rep;
    struct replay_stats rs;
    struct snapshot_info si;
    sum_live(st, &live);
    ok(snapshot_latest(f->dir, "10", UINT64_MAX, &si));
    ok(replay_to(f->dir, "10", si.path, NULL, &rep, &rs));
    assert_string_equal(rep.hex, live.hex);
    store_close(st);
}

static void
test_restart_after_a_lost_append_resyncs(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 11);
    put(st, "a", "1");
    journal_test_fail_writes(capture_journal(st), 2);
    ok(store_tx_begin(st));
    ok(store_run(st, "INSERT INTO store_info (key, value) VALUES ('b', '2')",
                 ""));
    assert_int_equal(store_tx_commit(st), ERR_CAPTURE_FAILED);
    store_close(st); /* the process dies with the journal behind */

    char jdir[128];
    journal_dir_path(f->dir, "11", jdir, sizeof(jdir));
    struct journal_info before, after;
    ok(journal_verify(jdir, &before));
    st = open_tenant(f->dir, 11); /* restart: resync and snapshot */
    ok(journal_verify(jdir, &after));
    assert_true(after.resync_seq > before.last_seq);
    assert_int_equal(store_seq(st), after.last_seq);
    struct snapshot_info si;
    ok(snapshot_latest(f->dir, "11", UINT64_MAX, &si));
    assert_int_equal(si.seq, after.resync_seq);
    put(st, "c", "3");
    struct capture_sum live, rep;
    struct replay_stats rs;
    sum_live(st, &live);
    ok(replay_to(f->dir, "11", si.path, NULL, &rep, &rs));
    assert_string_equal(rep.hex, live.hex);
    store_close(st);
}

static void
test_truncated_journal_is_caught_on_open(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 12);
    put(st, "a", "1");
    char seg[160], jdir[128];
    snprintf(seg, sizeof(seg), "%s/journal/12/%020d.pjl", f->dir, 1);
    journal_dir_path(f->dir, "12", jdir, sizeof(jdir));
    struct journal_info ji;
    ok(journal_verify(jdir, &ji)); /* one segment: its frames end here */
    off_t keep = (off_t)ji.bytes;
    put(st, "b", "2");
    uint64_t seq = store_seq(st);
    store_close(st);
    /* killed after COMMIT, before the append reached the file */
    assert_int_equal(truncate(seg, keep), 0);
    st = open_tenant(f->dir, 12);
    assert_int_equal(store_seq(st), seq + 1);
    struct snapshot_info si;
    ok(snapshot_latest(f->dir, "12", UINT64_MAX, &si));
    assert_int_equal(si.seq, seq + 1);
    store_close(st);
}

static void
test_capture_off_then_on_resyncs(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 13);
    put(st, "a", "1");
    uint64_t seq = store_seq(st);
    store_close(st);
    capture_set_enabled(false);
    char path[128];
    snprintf(path, sizeof(path), "%s/tenants/13.db", f->dir);
    ok(store_open(path, STORE_TENANT, &st));
    assert_false(capture_attached(st));
    put(st, "b", "2"); /* not journaled */
    store_close(st);
    capture_set_enabled(true);
    st = open_tenant(f->dir, 13);
    assert_int_equal(store_seq(st), seq + 1);
    struct snapshot_info si;
    ok(snapshot_latest(f->dir, "13", UINT64_MAX, &si));
    assert_int_equal(si.seq, seq + 1);
    store_close(st);
}

static void
test_schema_change_in_a_transaction_resyncs(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 14);
    put(st, "a", "1");
    uint64_t seq = store_seq(st);
    ok(store_tx_begin(st));
    ok(store_exec(st, "CREATE TABLE extra (id INTEGER PRIMARY KEY, v TEXT);"
                      "INSERT INTO extra (id, v) VALUES (1, 'x')"));
    ok(store_tx_commit(st));
    assert_int_equal(store_seq(st), seq + 1); /* a resync, no record */
    struct snapshot_info si;
    ok(snapshot_latest(f->dir, "14", UINT64_MAX, &si));
    assert_int_equal(si.seq, seq + 1);
    put(st, "b", "2");
    struct capture_sum live, rep;
    struct replay_stats rs;
    sum_live(st, &live);
    ok(replay_to(f->dir, "14", si.path, NULL, &rep, &rs));
    assert_string_equal(rep.hex, live.hex);
    store_close(st);
}

static void
test_a_large_transaction_becomes_a_snapshot(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 17);
    put(st, "a", "1");
    uint64_t before = store_seq(st);
    char key[32], value[128];
    memset(value, 'x', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    ok(store_tx_begin(st)); /* ~4 MB of rows into a store of ~0.5 MB */
    for (int i = 0; i < 30000; i++) {
        snprintf(key, sizeof(key), "bulk-%d", i);
        ok(store_run(st, "INSERT INTO store_info (key, value) VALUES ($1, $2)",
                     "tt", key, value));
    }
    ok(store_tx_commit(st));
    uint64_t resync = store_seq(st);
    assert_int_equal(resync, before + 1); /* a resync, not a record */
    struct journal_info ji;
    char jdir[128];
    journal_dir_path(f->dir, "17", jdir, sizeof(jdir));
    ok(journal_verify(jdir, &ji));
    assert_int_equal(ji.resync_seq, resync);
    assert_true(ji.payload < 100000); /* the rows are in the snapshot */
    struct snapshot_info si, first;
    ok(snapshot_latest(f->dir, "17", UINT64_MAX, &si));
    assert_int_equal(si.seq, resync);
    put(st, "b", "2");

    struct capture_sum live, rep;
    struct replay_stats rs;
    sum_live(st, &live);
    ok(replay_to(f->dir, "17", si.path, NULL, &rep, &rs));
    assert_string_equal(rep.hex, live.hex);
    /* the time before it is still reachable from the first snapshot */
    first_snapshot(f->dir, "17", &first);
    struct replay_limit lim = {before, 0};
    ok(replay_to(f->dir, "17", first.path, &lim, &rep, &rs));
    assert_int_equal(rs.last_seq, before);
    assert_int_equal(replay_to(f->dir, "17", first.path, NULL, &rep, &rs),
                     ERR_REPLAY_BASE);
    store_close(st);
}

/* ---- two connections, one journal (group commit) ----------------------- */

struct writer {
    const char *path;
    int id;
    enum err rc;
};

static void *
writer_run(void *arg)
{
    struct writer *w = arg;
    struct store *st;
    if ((w->rc = store_open(w->path, STORE_TENANT, &st)))
        return NULL;
    char key[32];
    for (int i = 0; i < 100 && !w->rc; i++) {
        snprintf(key, sizeof(key), "w%d-%d", w->id, i);
        if (!(w->rc = store_tx_begin(st)) &&
            !(w->rc = store_run(st,
                                "INSERT INTO store_info (key, value)"
                                " VALUES ($1, 'v')",
                                "t", key)))
            w->rc = store_tx_commit(st);
        if (w->rc)
            store_tx_rollback(st);
    }
    store_close(st);
    return NULL;
}

static void
test_two_connections_share_one_journal_in_order(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 15);
    char path[128];
    snprintf(path, sizeof(path), "%s/tenants/15.db", f->dir);
    struct writer w[2] = {{path, 0, ERR_OK}, {path, 1, ERR_OK}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, writer_run, &w[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        ok(w[i].rc);
    }
    assert_int_equal(store_seq(st), 201);
    struct capture_sum live, rep;
    struct replay_stats rs;
    struct snapshot_info si;
    sum_live(st, &live);
    first_snapshot(f->dir, "15", &si);
    ok(replay_to(f->dir, "15", si.path, NULL, &rep, &rs));
    assert_int_equal(rs.records, 200);
    assert_string_equal(rep.hex, live.hex);
    store_close(st);
}

/* ---- the primary key rule ---------------------------------------------- */

/* Tables (ordinary and FTS shadow) whose primary key is missing or may be
 * NULL: the session extension would silently skip them or their rows. */
static void
assert_every_table_has_a_key(struct store *st)
{
    static const char sql[] =
        "SELECT t.name FROM pragma_table_list t"
        " WHERE t.schema = 'main' AND t.type IN ('table', 'shadow')"
        " AND t.name NOT LIKE 'sqlite_%' AND ("
        "  NOT EXISTS (SELECT 1 FROM pragma_table_info(t.name) c"
        "              WHERE c.pk > 0)"
        "  OR (t.wr = 0 AND EXISTS (SELECT 1 FROM pragma_table_info(t.name) c"
        "      WHERE c.pk > 0 AND c.\"notnull\" = 0 AND NOT ("
        "      upper(c.type) = 'INTEGER' AND (SELECT count(*) FROM"
        "      pragma_table_info(t.name) k WHERE k.pk > 0) = 1))))";
    struct stmt *s;
    bool row;
    ok(store_query(st, &s, sql, ""));
    ok(stmt_step(s, &row));
    if (row)
        fail_msg("table %s has no non-null primary key: change capture "
                 "would skip it (give it one in its migration)",
                 stmt_text(s, 0));
    stmt_done(s);
}

static void
test_every_table_has_a_non_null_primary_key(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_tenant(f->dir, 16);
    assert_every_table_has_a_key(st);
    store_close(st);
    char path[128];
    snprintf(path, sizeof(path), "%s/platform.db", f->dir);
    ok(store_open(path, STORE_PLATFORM, &st));
    assert_every_table_has_a_key(st);
    store_close(st);

    /* and migrations refuse a table that has none */
    static const struct migration nopk[] = {
        {"x", 1, "CREATE TABLE loose (a TEXT, b TEXT)"}, {NULL, 0, NULL}};
    static const struct migration *const sets[] = {nopk, NULL};
    snprintf(path, sizeof(path), "%s/nopk.db", f->dir);
    assert_int_equal(store_open_with(path, sets, &st), ERR_STORE_MIGRATION);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_each_transaction_is_one_record),
        T(test_deferred_sync_appends_and_flushes_once),
        T(test_snapshot_is_whole_with_or_without_a_reader),
        T(test_autocommit_writes_are_journaled),
        T(test_snapshot_and_journal_reproduce_the_store),
        T(test_replay_up_to_a_time_stops_there),
        T(test_a_row_changed_behind_the_journals_back_is_seen),
        T(test_failed_append_resyncs_with_a_snapshot),
        T(test_unjournaled_commit_refuses_writes_until_healed),
        T(test_restart_after_a_lost_append_resyncs),
        T(test_truncated_journal_is_caught_on_open),
        T(test_capture_off_then_on_resyncs),
        T(test_schema_change_in_a_transaction_resyncs),
        T(test_a_large_transaction_becomes_a_snapshot),
        T(test_two_connections_share_one_journal_in_order),
        T(test_every_table_has_a_non_null_primary_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
