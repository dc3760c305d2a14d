/*
 * test_snapshot.c — tests src/vault/snapshot.c and replay_parse_time():
 * the policy that says when the shipper takes a snapshot (worked cases
 * at each boundary), snapshots found by seq and by time, pruning, and the
 * `--at` time parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/capture.h"
#include "store/store.h"
#include "vault/replay.h"
#include "vault/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
ok(enum err rc)
{
    if (rc)
        fail_msg("%s: %s", err_code(rc), err_detail());
}

#define HOUR (3600LL * 1000)

static void
test_policy_cases(void **state)
{
    (void)state;
    struct snapshot_policy p = SNAPSHOT_POLICY_DEFAULT;
    assert_int_equal(p.every_records, 10000);
    assert_int_equal(p.every_ms, 24 * HOUR);
    int64_t now = 1000 * HOUR;
    struct snapshot_facts f = {false, 0, 0, 5, 1};
    assert_int_equal(snapshot_policy_check(&p, &f, now), SNAPSHOT_NONE_YET);
    /* a snapshot at 100, taken an hour ago */
    f = (struct snapshot_facts){true, 100, now - HOUR, 100, 1};
    assert_int_equal(snapshot_policy_check(&p, &f, now), SNAPSHOT_NOT_DUE);
    f.resync_seq = 101; /* a resync after it */
    f.last_seq = 101;
    assert_int_equal(snapshot_policy_check(&p, &f, now), SNAPSHOT_AFTER_RESYNC);
    f.resync_seq = 100; /* the snapshot is the resync's */
    f.last_seq = 100 + 9999;
    assert_int_equal(snapshot_policy_check(&p, &f, now), SNAPSHOT_NOT_DUE);
    f.last_seq = 100 + 10000;
    assert_int_equal(snapshot_policy_check(&p, &f, now), SNAPSHOT_RECORDS);
    f.last_seq = 101;
    f.snap_ms = now - 24 * HOUR + 1;
    assert_int_equal(snapshot_policy_check(&p, &f, now), SNAPSHOT_NOT_DUE);
    f.snap_ms = now - 24 * HOUR;
    assert_int_equal(snapshot_policy_check(&p, &f, now), SNAPSHOT_AGE);
    f.last_seq = 100; /* old, but nothing since: a new one is the same */
    assert_int_equal(snapshot_policy_check(&p, &f, now), SNAPSHOT_NOT_DUE);
    struct snapshot_policy never = {0, 0};
    f.last_seq = 1000000;
    assert_int_equal(snapshot_policy_check(&never, &f, now), SNAPSHOT_NOT_DUE);
    assert_string_equal(snapshot_why_name(SNAPSHOT_AGE), "age");
    assert_string_equal(snapshot_why_name(SNAPSHOT_AFTER_RESYNC),
                        "after_resync");
}

static void
put(struct store *st, const char *key)
{
    ok(store_tx_begin(st));
    ok(store_run(st, "INSERT INTO store_info (key, value) VALUES ($1, '')", "t",
                 key));
    ok(store_tx_commit(st));
}

static void
test_snapshots_by_seq_and_time_and_prune(void **state)
{
    (void)state;
    char dir[64], path[128];
    snprintf(dir, sizeof(dir), "/tmp/pl-test-snapshot-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/tenants", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/tenants/3.db", dir);
    capture_set_enabled(true);
    struct store *st;
    ok(store_open(path, STORE_TENANT, &st));

    struct snapshot_info s1, s2, s3, got;
    ok(snapshot_latest(dir, "3", UINT64_MAX, &s1)); /* the new store's */
    assert_int_equal(s1.seq, 1);
    put(st, "a");
    ok(snapshot_take(st, &s2));
    assert_int_equal(s2.seq, 2);
    ok(snapshot_take(st, &got)); /* nothing new: the same file */
    assert_string_equal(got.path, s2.path);
    struct timespec gap = {0, 20000000};
    nanosleep(&gap, NULL);
    put(st, "b");
    ok(snapshot_take(st, &s3));
    assert_true(s3.time_ms > s2.time_ms);

    enum snapshot_why why;
    struct snapshot_policy p = {1, 0};
    ok(snapshot_due(st, &p, s3.taken_ms, &why));
    assert_int_equal(why, SNAPSHOT_NOT_DUE);
    put(st, "c");
    ok(snapshot_due(st, &p, s3.taken_ms, &why));
    assert_int_equal(why, SNAPSHOT_RECORDS);

    ok(snapshot_latest(dir, "3", 2, &got));
    assert_int_equal(got.seq, 2);
    ok(snapshot_before_time(dir, "3", s3.time_ms - 1, &got));
    assert_int_equal(got.seq, 2);
    assert_int_equal(snapshot_before_time(dir, "3", 0, &got),
                     ERR_SNAPSHOT_NOT_FOUND);
    assert_int_equal(snapshot_latest(dir, "nope", UINT64_MAX, &got),
                     ERR_SNAPSHOT_NOT_FOUND);
    unsigned removed;
    ok(snapshot_prune(dir, "3", 2, &removed));
    assert_int_equal(removed, 1);
    assert_int_equal(snapshot_latest(dir, "3", 1, &got),
                     ERR_SNAPSHOT_NOT_FOUND);
    /* before a seq: older ones go, that one stays; never the newest */
    ok(snapshot_prune_before(dir, "3", s3.seq, &removed));
    assert_int_equal(removed, 1); /* seq 2 */
    ok(snapshot_latest(dir, "3", UINT64_MAX, &got));
    assert_int_equal(got.seq, s3.seq);
    assert_int_equal(snapshot_latest(dir, "3", s3.seq - 1, &got),
                     ERR_SNAPSHOT_NOT_FOUND);
    ok(snapshot_prune_before(dir, "3", UINT64_MAX, &removed));
    assert_int_equal(removed, 0);
    ok(snapshot_latest(dir, "3", UINT64_MAX, &got));
    assert_int_equal(got.seq, s3.seq);
    ok(snapshot_prune_before(dir, "nope", 10, &removed)); /* no dir: none */
    assert_int_equal(removed, 0);
    store_close(st);

    /* capture off: no snapshot without a journal */
    capture_set_enabled(false);
    ok(store_open(path, STORE_TENANT, &st));
    assert_int_equal(snapshot_take(st, &got), ERR_CONFIG);
    store_close(st);
    capture_set_enabled(true);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void
test_times_parse(void **state)
{
    (void)state;
    int64_t ms;
    ok(replay_parse_time("1970-01-01T00:00:00Z", &ms));
    assert_int_equal(ms, 0);
    ok(replay_parse_time("2026-04-01T09:30:00.250Z", &ms));
    assert_int_equal(ms, 1775035800250LL);
    ok(replay_parse_time("2026-04-01T18:30:00.25+09:00", &ms));
    assert_int_equal(ms, 1775035800250LL);
    ok(replay_parse_time("2024-02-29T23:59:59-01:00", &ms));
    assert_int_equal(ms, 1709254799000LL);
    assert_int_equal(replay_parse_time("2026-04-01 09:30:00Z", &ms),
                     ERR_INVALID);
    assert_int_equal(replay_parse_time("2026-04-01T09:30:00", &ms),
                     ERR_INVALID);
    assert_int_equal(replay_parse_time("2026-13-01T09:30:00Z", &ms),
                     ERR_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_cases),
        cmocka_unit_test(test_snapshots_by_seq_and_time_and_prune),
        cmocka_unit_test(test_times_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
