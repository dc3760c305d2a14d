/*
 * test_ingest_log.c — tests src/monitor/ilog.c: ingest's append-only log.
 *
 * Records appended and synced read back in order after a reopen, across
 * segments; nothing is durable before ilog_sync; a torn tail (a group cut
 * short, garbage after the last commit, a group whose bytes are partly
 * missing) is cut on reopen and the log continues after it; damage
 * followed by an acknowledged group is corruption and refused; compaction
 * deletes only whole segments before the given LSN, never the head; the
 * CRC-32C matches the standard check value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "monitor/ilog.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/pl-ilog-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char logdir[96];

static struct ilog *
open_log(uint64_t seg, struct ilog_open_info *info)
{
    struct ilog *l;
    struct ilog_open_info dummy;
    snprintf(logdir, sizeof(logdir), "%s/log", dir);
    assert_int_equal(ilog_open(logdir, seg, &l, info ? info : &dummy), ERR_OK);
    return l;
}

/* A record payload "<type 1>rec-<n>" padded to len bytes. */
static void
rec(unsigned char *p, size_t len, int n)
{
    memset(p, 'x', len);
    p[0] = ILOG_TYPE_RECORD;
    snprintf((char *)p + 1, len - 1, "rec-%d", n);
}

static void
append(struct ilog *l, int n, size_t len)
{
    unsigned char p[4096];
    uint64_t lsn;
    rec(p, len, n);
    assert_int_equal(ilog_append(l, p, len, &lsn), ERR_OK);
}

/* Read every record from the start: their numbers into out. */
static size_t
read_all_recs(struct ilog *l, int *out, size_t max)
{
    struct ilog_reader r;
    const unsigned char *p;
    size_t n, count = 0;
    uint64_t lsn = ilog_start(l), at, next;
    ilog_reader_init(&r, l);
    enum err rc;
    while ((rc = ilog_read(&r, lsn, &p, &n, &at, &next)) == ERR_OK) {
        assert_true(count < max);
        assert_int_equal(p[0], ILOG_TYPE_RECORD);
        out[count++] = atoi((const char *)p + 5);
        lsn = next;
    }
    /* stopped at the end (past the last commit frame), not an error */
    assert_int_equal(rc, ERR_NOT_FOUND);
    assert_int_equal(next, ilog_end(l));
    ilog_reader_close(&r);
    return count;
}

static char *
head_path(void)
{
    static char path[256];
    DIR *d = opendir(logdir);
    struct dirent *e;
    char best[64] = "";
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".seg") && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof(best), "%s", e->d_name);
    closedir(d);
    snprintf(path, sizeof(path), "%s/%s", logdir, best);
    return path;
}

static size_t
segments(void)
{
    DIR *d = opendir(logdir);
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".seg") != NULL;
    closedir(d);
    return n;
}

static off_t
file_size(const char *p)
{
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    return sb.st_size;
}

static void
test_crc32c_check_value(void **state)
{
    (void)state;
    assert_int_equal(ilog_crc32c(0, "123456789", 9), 0xE3069283u);
    /* in pieces gives the same */
    assert_int_equal(ilog_crc32c(ilog_crc32c(0, "1234", 4), "56789", 5),
                     0xE3069283u);
}

static void
test_synced_records_survive_reopen_in_order(void **state)
{
    (void)state;
    int got[64];
    struct ilog_open_info info;
    struct ilog *l = open_log(1 << 20, NULL);
    for (int i = 0; i < 10; i++)
        append(l, i, 100);
    assert_true(ilog_pending(l) > 0);
    assert_int_equal(ilog_end(l), 0); /* nothing durable before the sync */
    assert_int_equal(ilog_sync(l), ERR_OK);
    for (int i = 10; i < 15; i++)
        append(l, i, 50);
    assert_int_equal(ilog_sync(l), ERR_OK);
    append(l, 99, 50); /* never synced: gone on close */
    uint64_t end = ilog_end(l);
    ilog_close(l);
    l = open_log(1 << 20, &info);
    assert_int_equal(info.end, end);
    assert_int_equal(info.truncated, 0);
    assert_int_equal(read_all_recs(l, got, 64), 15);
    for (int i = 0; i < 15; i++)
        assert_int_equal(got[i], i);
    /* appending continues after the reopen */
    append(l, 15, 60);
    assert_int_equal(ilog_sync(l), ERR_OK);
    assert_int_equal(read_all_recs(l, got, 64), 16);
    ilog_close(l);
}

static void
test_segments_roll_and_read_across(void **state)
{
    (void)state;
    int got[256];
    struct ilog *l = open_log(1 << 16, NULL); /* 64 KiB segments */
    for (int g = 0; g < 20; g++) {
        for (int i = 0; i < 5; i++)
            append(l, g * 5 + i, 2000);
        assert_int_equal(ilog_sync(l), ERR_OK);
    }
    assert_true(segments() > 1);
    assert_true(ilog_head_base(l) > 0);
    ilog_close(l);
    l = open_log(1 << 16, NULL);
    assert_int_equal(read_all_recs(l, got, 256), 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(got[i], i);
    ilog_close(l);
}

static void
test_torn_tail_is_cut_and_log_continues(void **state)
{
    (void)state;
    int got[64];
    struct ilog_open_info info;
    struct ilog *l = open_log(1 << 20, NULL);
    for (int i = 0; i < 4; i++)
        append(l, i, 300);
    assert_int_equal(ilog_sync(l), ERR_OK);
    uint64_t good = ilog_end(l);
    for (int i = 4; i < 8; i++)
        append(l, i, 300);
    assert_int_equal(ilog_sync(l), ERR_OK);
    ilog_close(l);
    /* the second group was cut in the middle of its third record (a
     * crash before its fdatasync returned) */
    char *p = head_path();
    off_t full = file_size(p);
    assert_int_equal(truncate(p, full - 500), 0);
    l = open_log(1 << 20, &info);
    assert_int_equal(info.end, good);
    assert_true(info.truncated > 0);
    assert_int_equal(read_all_recs(l, got, 64), 4);
    append(l, 4, 100);
    assert_int_equal(ilog_sync(l), ERR_OK);
    assert_int_equal(read_all_recs(l, got, 64), 5);
    ilog_close(l);
    /* garbage after the last commit (a half-written frame header) */
    int fd = open(p, O_WRONLY | O_APPEND);
    assert_true(write(fd, "PLR1\x07", 5) == 5);
    close(fd);
    l = open_log(1 << 20, &info);
    assert_int_equal(info.truncated, 5);
    assert_int_equal(read_all_recs(l, got, 64), 5);
    ilog_close(l);
}

static void
test_hole_inside_the_last_group_is_cut(void **state)
{
    (void)state;
    int got[64];
    struct ilog_open_info info;
    struct ilog *l = open_log(1 << 20, NULL);
    append(l, 0, 200);
    assert_int_equal(ilog_sync(l), ERR_OK);
    uint64_t good = ilog_end(l);
    for (int i = 1; i < 4; i++)
        append(l, i, 200);
    assert_int_equal(ilog_sync(l), ERR_OK);
    ilog_close(l);
    /* a power loss persisted the group's later pages, not its first: zero
     * its first record (the commit frame after it is intact but its group
     * checksum fails) */
    char *p = head_path();
    int fd = open(p, O_WRONLY);
    unsigned char zero[100] = {0};
    assert_true(pwrite(fd, zero, sizeof(zero),
                       (off_t)(ILOG_SEGMENT_HEADER + good)) == sizeof(zero));
    close(fd);
    l = open_log(1 << 20, &info);
    assert_int_equal(info.end, good);
    assert_int_equal(read_all_recs(l, got, 64), 1);
    ilog_close(l);
}

static void
test_damage_before_an_acknowledged_group_is_refused(void **state)
{
    (void)state;
    struct ilog *l = open_log(1 << 20, NULL);
    struct ilog_open_info info;
    for (int g = 0; g < 3; g++) {
        append(l, g, 200);
        assert_int_equal(ilog_sync(l), ERR_OK);
    }
    ilog_close(l);
    /* flip a byte in the first group's record: later groups are whole */
    char *p = head_path();
    int fd = open(p, O_RDWR);
    unsigned char c;
    off_t at = ILOG_SEGMENT_HEADER + ILOG_FRAME_HEADER + 50;
    assert_true(pread(fd, &c, 1, at) == 1);
    c ^= 0x40;
    assert_true(pwrite(fd, &c, 1, at) == 1);
    close(fd);
    off_t before = file_size(p);
    assert_int_equal(ilog_open(logdir, 1 << 20, &l, &info),
                     ERR_INGEST_LOG_CORRUPT);
    assert_int_equal(file_size(p), before); /* nothing was cut */
}

static void
test_compaction_deletes_whole_segments_only(void **state)
{
    (void)state;
    int got[256];
    size_t removed;
    struct ilog *l = open_log(1 << 16, NULL);
    for (int g = 0; g < 20; g++) {
        for (int i = 0; i < 5; i++)
            append(l, g * 5 + i, 2000);
        assert_int_equal(ilog_sync(l), ERR_OK);
    }
    size_t before = segments();
    assert_true(before >= 3);
    /* up to an LSN inside the second segment: only the first goes */
    assert_int_equal(ilog_compact(l, 70000, &removed), ERR_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(segments(), before - 1);
    assert_true(ilog_start(l) > 0);
    size_t left = read_all_recs(l, got, 256);
    assert_true(left < 100 && left > 0);
    assert_int_equal(got[left - 1], 99);
    /* everything: the head stays */
    assert_int_equal(ilog_compact(l, ilog_end(l), &removed), ERR_OK);
    assert_int_equal(segments(), 1);
    assert_int_equal(ilog_start(l), ilog_head_base(l));
    ilog_close(l);
    l = open_log(1 << 16, NULL); /* reopens from the remaining segment */
    assert_int_equal(ilog_start(l), ilog_head_base(l));
    ilog_close(l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_check_value),
        cmocka_unit_test_setup_teardown(
            test_synced_records_survive_reopen_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments_roll_and_read_across,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail_is_cut_and_log_continues,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_hole_inside_the_last_group_is_cut,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_damage_before_an_acknowledged_group_is_refused, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_compaction_deletes_whole_segments_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
