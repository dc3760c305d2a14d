/*
 * test_journal.c — tests src/vault/journal.c: the local change journal.
 *
 * Append and reopen keep every record and its bytes; a torn final frame
 * (partial, or zeros from a crash) is truncated on open; a frame that fails
 * its hash in the middle is truncated with a `.damaged-` copy kept; a gap
 * in the sequence is refused on append and found by the reader and
 * journal_verify(); a resync starts a segment the reader may jump to;
 * segments roll by size and prune; records appended by "another process"
 * (frames written straight into the file) are picked up under the lock;
 * threads appending at once stay in order (group commit); frames decode
 * and a flipped byte is caught; CRC32C gives the standard check value in
 * hardware and in software.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vault/journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
    char dir[64];
};

static int
setup(void **state)
{
    static struct fixture f;
    snprintf(f.dir, sizeof(f.dir), "/tmp/pl-test-journal-XXXXXX");
    if (!mkdtemp(f.dir))
        return -1;
    err_clear();
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
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

/* Payload of record seq: seq-dependent bytes, len = 1 + seq * 37 % 500. */
static size_t
payload(uint64_t seq, unsigned char *buf)
{
    size_t n = 1 + (size_t)(seq * 37 % 500);
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)(seq * 131 + i * 7);
    return n;
}

static void
append_n(struct journal *j, uint64_t from, uint64_t to)
{
    unsigned char buf[512];
    for (uint64_t seq = from; seq <= to; seq++) {
        struct journal_record r = {JOURNAL_CHANGESET, seq,
                                   (int64_t)(1700000000000 + seq), buf,
                                   payload(seq, buf)};
        ok(journal_lock(j));
        ok(journal_append(j, &r));
        journal_unlock(j);
        ok(journal_sync(j, seq));
    }
}

/* Read every record after `after` and check seqs from..to and payloads. */
static void
assert_records(const char *dir, uint64_t after, uint64_t from, uint64_t to)
{
    struct journal_reader *r;
    ok(journal_reader_open(dir, after, &r));
    struct journal_record rec;
    bool have;
    unsigned char want[512];
    uint64_t seq = from;
    while (journal_reader_next(r, &rec, &have) == ERR_OK && have) {
        assert_true(seq <= to);
        assert_int_equal(rec.seq, seq);
        if (rec.type == JOURNAL_CHANGESET) {
            assert_int_equal(rec.len, payload(seq, want));
            assert_memory_equal(rec.data, want, rec.len);
        }
        seq++;
    }
    assert_int_equal(seq, to + 1);
    journal_reader_close(r);
}

static void
first_segment(const char *dir, char *path, size_t n)
{
    snprintf(path, n, "%s/%020d.pjl", dir, 1);
}

static off_t
file_size(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return sb.st_size;
}

/* Where the frames of a segment end (preallocated zeros may follow). */
static off_t
data_end(const char *path)
{
    off_t size = file_size(path);
    unsigned char *all = malloc((size_t)size);
    int fd = open(path, O_RDONLY);
    assert_int_equal(read(fd, all, (size_t)size), size);
    close(fd);
    size_t off = JOURNAL_HEADER_BYTES, used;
    struct journal_record r;
    while (journal_frame_decode(all + off, (size_t)size - off, &r, &used) ==
           ERR_OK)
        off += used;
    err_clear();
    free(all);
    return (off_t)off;
}

/* Write n bytes at the end of a segment's frames, as a writer would. */
static void
write_at_end(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY);
    assert_int_equal(pwrite(fd, p, n, data_end(path)), (ssize_t)n);
    close(fd);
}

static int
count_files(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, part) != NULL;
    if (d)
        closedir(d);
    return n;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_append_and_reopen_keep_every_record(void **state)
{
    struct fixture *f = *state;
    struct journal *j, *again;
    ok(journal_open(f->dir, &j));
    ok(journal_open(f->dir, &again));
    assert_ptr_equal(j, again); /* one object per directory per process */
    journal_close(again);
    ok(journal_lock(j));
    assert_int_equal(journal_last_seq(j), 0);
    journal_unlock(j);
    append_n(j, 1, 50);
    journal_close(j);

    ok(journal_open(f->dir, &j));
    ok(journal_lock(j));
    assert_int_equal(journal_last_seq(j), 50);
    assert_int_equal(journal_last_time(j), 1700000000050);
    journal_unlock(j);
    append_n(j, 51, 60);
    journal_close(j);
    assert_records(f->dir, 0, 1, 60);
    assert_records(f->dir, 41, 42, 60);

    struct journal_info ji;
    ok(journal_verify(f->dir, &ji));
    assert_int_equal(ji.records, 60);
    assert_int_equal(ji.first_seq, 1);
    assert_int_equal(ji.last_seq, 60);
    assert_int_equal(ji.segments, 1);
    assert_int_equal(ji.resync_seq, 0);
}

static void
test_torn_tail_is_truncated_on_open(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    char seg[128];
    ok(journal_open(f->dir, &j));
    append_n(j, 1, 3);
    journal_close(j);
    first_segment(f->dir, seg, sizeof(seg));
    off_t good = data_end(seg);
    assert_true(file_size(seg) > good); /* preallocated */
    ok(journal_open(f->dir, &j)); /* zeros after the frames: a clean end */
    journal_close(j);
    assert_true(file_size(seg) > good);

    /* a fourth frame cut short: half its bytes reached the disk */
    unsigned char buf[512], frame[1024];
    struct journal_record r = {JOURNAL_CHANGESET, 4, 1700000000004, buf,
                               payload(4, buf)};
    journal_frame_encode(&r, frame);
    write_at_end(seg, frame, journal_frame_size(r.len) / 2);

    ok(journal_open(f->dir, &j));
    ok(journal_lock(j));
    assert_int_equal(journal_last_seq(j), 3);
    journal_unlock(j);
    assert_int_equal(file_size(seg), good);
    assert_int_equal(count_files(f->dir, ".damaged-"), 0);
    append_n(j, 4, 5); /* appends continue after the cut */
    journal_close(j);
    assert_records(f->dir, 0, 1, 5);

    /* the fourth frame whole but for its last bytes, zeros after it */
    good = data_end(seg);
    r.seq = 6;
    r.len = payload(6, buf);
    journal_frame_encode(&r, frame);
    frame[journal_frame_size(r.len) - 1] ^= 0xFF;
    write_at_end(seg, frame, journal_frame_size(r.len));
    assert_records(f->dir, 0, 1, 5); /* the reader stops quietly */
    ok(journal_open(f->dir, &j));
    journal_close(j);
    assert_int_equal(file_size(seg), good);
    assert_int_equal(count_files(f->dir, ".damaged-"), 0);
}

static void
test_bad_frame_in_the_middle_is_cut_and_kept(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    char seg[128];
    ok(journal_open(f->dir, &j));
    append_n(j, 1, 3);
    journal_close(j);
    first_segment(f->dir, seg, sizeof(seg));
    unsigned char buf[512];
    /* flip one payload byte of record 2 */
    off_t off = JOURNAL_HEADER_BYTES +
                (off_t)journal_frame_size(payload(1, buf)) + 32 + 3;
    int fd = open(seg, O_RDWR);
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, off), 1);
    c ^= 0x40;
    assert_int_equal(pwrite(fd, &c, 1, off), 1);
    close(fd);

    struct journal_info ji;
    assert_int_equal(journal_verify(f->dir, &ji), ERR_JOURNAL_CORRUPT);

    ok(journal_open(f->dir, &j));
    ok(journal_lock(j));
    assert_int_equal(journal_last_seq(j), 1);
    journal_unlock(j);
    journal_close(j);
    assert_int_equal(count_files(f->dir, ".damaged-"), 1);
    ok(journal_verify(f->dir, &ji));
    assert_int_equal(ji.last_seq, 1);
}

static void
test_sequence_gaps_are_refused_and_found(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    ok(journal_open(f->dir, &j));
    append_n(j, 1, 2);
    unsigned char buf[512];
    struct journal_record r = {JOURNAL_CHANGESET, 4, 1700000000004, buf,
                               payload(4, buf)};
    ok(journal_lock(j));
    assert_int_equal(journal_append(j, &r), ERR_JOURNAL_GAP);
    r.seq = 2; /* a repeat */
    assert_int_equal(journal_append(j, &r), ERR_JOURNAL_GAP);
    r.seq = 3;
    r.type = JOURNAL_RESYNC; /* only journal_resync() writes those */
    r.len = 0;
    assert_int_equal(journal_append(j, &r), ERR_JOURNAL_GAP);
    journal_unlock(j);
    journal_close(j);

    /* a gap written behind the journal's back: 1, 2, then 4 */
    char seg[128];
    first_segment(f->dir, seg, sizeof(seg));
    unsigned char frame[1024];
    r.type = JOURNAL_CHANGESET;
    r.seq = 4;
    r.len = payload(4, buf);
    journal_frame_encode(&r, frame);
    write_at_end(seg, frame, journal_frame_size(r.len));

    struct journal_info ji;
    assert_int_equal(journal_verify(f->dir, &ji), ERR_JOURNAL_GAP);
    assert_non_null(strstr(err_detail(), "seq 4 follows 2"));
    struct journal_reader *rd;
    struct journal_record rec;
    bool have;
    ok(journal_reader_open(f->dir, 0, &rd));
    ok(journal_reader_next(rd, &rec, &have));
    ok(journal_reader_next(rd, &rec, &have));
    assert_int_equal(journal_reader_next(rd, &rec, &have), ERR_JOURNAL_GAP);
    journal_reader_close(rd);

    /* open cuts it away (and keeps a copy): the journal ends at 2 */
    ok(journal_open(f->dir, &j));
    ok(journal_lock(j));
    assert_int_equal(journal_last_seq(j), 2);
    journal_unlock(j);
    journal_close(j);
    assert_int_equal(count_files(f->dir, ".damaged-"), 1);
}

static void
test_resync_starts_a_segment_the_reader_may_jump_to(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    ok(journal_open(f->dir, &j));
    append_n(j, 1, 3);
    ok(journal_lock(j));
    assert_int_equal(journal_resync(j, 3, 1700000000010), ERR_JOURNAL_GAP);
    ok(journal_resync(j, 10, 1700000000010));
    assert_int_equal(journal_resync_seq(j), 10);
    journal_unlock(j);
    append_n(j, 11, 12);
    journal_close(j);
    assert_int_equal(count_files(f->dir, ".pjl"), 2);

    struct journal_reader *rd;
    struct journal_record rec;
    bool have;
    uint64_t want[] = {1, 2, 3, 10, 11, 12};
    ok(journal_reader_open(f->dir, 0, &rd));
    for (size_t i = 0; i < 6; i++) {
        ok(journal_reader_next(rd, &rec, &have));
        assert_true(have);
        assert_int_equal(rec.seq, want[i]);
        assert_int_equal(rec.type, i == 3 ? JOURNAL_RESYNC : JOURNAL_CHANGESET);
    }
    ok(journal_reader_next(rd, &rec, &have));
    assert_false(have);
    journal_reader_close(rd);

    ok(journal_open(f->dir, &j));
    ok(journal_lock(j));
    assert_int_equal(journal_last_seq(j), 12);
    assert_int_equal(journal_resync_seq(j), 10);
    journal_unlock(j);
    journal_close(j);
    struct journal_info ji;
    ok(journal_verify(f->dir, &ji));
    assert_int_equal(ji.resync_seq, 10);
    assert_int_equal(ji.records, 6);

    unsigned removed;
    ok(journal_prune(f->dir, 9, &removed));
    assert_int_equal(removed, 1);
    assert_records(f->dir, 0, 10, 12);
}

static void
test_segments_roll_by_size_and_prune(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    size_t big = JOURNAL_SEGMENT_MAX / 16 * 3; /* six pass the limit */
    unsigned char *buf = calloc(1, big);
    ok(journal_open(f->dir, &j));
    for (uint64_t seq = 1; seq <= 8; seq++) {
        buf[0] = (unsigned char)seq;
        struct journal_record r = {JOURNAL_CHANGESET, seq, (int64_t)seq, buf,
                                   big};
        ok(journal_lock(j));
        ok(journal_append(j, &r));
        journal_unlock(j);
    }
    ok(journal_sync(j, 8));
    journal_close(j);
    assert_int_equal(count_files(f->dir, ".pjl"), 2); /* 6 + 2 records */
    struct journal_info ji;
    ok(journal_verify(f->dir, &ji));
    assert_int_equal(ji.records, 8);
    assert_int_equal(ji.payload, 8 * (uint64_t)big);
    unsigned removed;
    ok(journal_prune(f->dir, 5, &removed)); /* segment 1 holds 1..6 */
    assert_int_equal(removed, 0);
    ok(journal_prune(f->dir, 6, &removed));
    assert_int_equal(removed, 1);
    ok(journal_prune(f->dir, 100, &removed)); /* never the active one */
    assert_int_equal(removed, 0);
    ok(journal_verify(f->dir, &ji));
    assert_int_equal(ji.first_seq, 7);
    free(buf);
}

static void
test_records_another_process_wrote_are_seen_under_the_lock(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    ok(journal_open(f->dir, &j));
    append_n(j, 1, 2);
    /* "another process": its own open file description, its own flock */
    char path[128], seg[128];
    snprintf(path, sizeof(path), "%s/lock", f->dir);
    int lfd = open(path, O_RDWR);
    assert_int_equal(flock(lfd, LOCK_EX), 0);
    first_segment(f->dir, seg, sizeof(seg));
    unsigned char buf[512], frame[1024];
    for (uint64_t seq = 3; seq <= 4; seq++) {
        struct journal_record r = {JOURNAL_CHANGESET, seq,
                                   (int64_t)(1700000000000 + seq), buf,
                                   payload(seq, buf)};
        journal_frame_encode(&r, frame);
        write_at_end(seg, frame, journal_frame_size(r.len));
    }
    flock(lfd, LOCK_UN);
    close(lfd);

    ok(journal_lock(j));
    assert_int_equal(journal_last_seq(j), 4);
    journal_unlock(j);
    append_n(j, 5, 6);
    journal_close(j);
    assert_records(f->dir, 0, 1, 6);
}

struct writer {
    struct journal *j;
    int n;
};

/* Append n records, each the next seq, syncing after each (group commit). */
static void *
writer_run(void *arg)
{
    struct writer *w = arg;
    unsigned char buf[512];
    for (int i = 0; i < w->n; i++) {
        if (journal_lock(w->j))
            return (void *)1;
        uint64_t seq = journal_last_seq(w->j) + 1;
        struct journal_record r = {JOURNAL_CHANGESET, seq,
                                   (int64_t)(1700000000000 + seq), buf,
                                   payload(seq, buf)};
        enum err rc = journal_append(w->j, &r);
        journal_unlock(w->j);
        if (rc || journal_sync(w->j, seq))
            return (void *)1;
    }
    return NULL;
}

static void
test_threads_appending_at_once_stay_in_order(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    ok(journal_open(f->dir, &j));
    pthread_t t[4];
    struct writer w = {j, 100};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, writer_run, &w), 0);
    for (int i = 0; i < 4; i++) {
        void *res;
        pthread_join(t[i], &res);
        assert_null(res);
    }
    journal_close(j);
    assert_records(f->dir, 0, 1, 400);
}

static void
test_frames_decode_and_a_flipped_byte_is_caught(void **state)
{
    (void)state;
    unsigned char data[100], frame[200];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)i;
    struct journal_record r = {JOURNAL_CHANGESET, 77, 1234567, data, 100}, got;
    assert_int_equal(journal_frame_size(100), 136);
    journal_frame_encode(&r, frame);
    size_t used;
    ok(journal_frame_decode(frame, sizeof(frame), &got, &used));
    assert_int_equal(used, 136);
    assert_int_equal(got.seq, 77);
    assert_int_equal(got.time_ms, 1234567);
    assert_int_equal(got.len, 100);
    assert_memory_equal(got.data, data, 100);
    assert_int_equal(journal_frame_decode(frame, 135, &got, &used),
                     ERR_JOURNAL_CORRUPT);
    for (size_t at = 0; at < 136; at += 7) {
        frame[at] ^= 1;
        assert_int_equal(journal_frame_decode(frame, 136, &got, &used),
                         ERR_JOURNAL_CORRUPT);
        frame[at] ^= 1;
    }
}

static void
test_a_failed_write_leaves_no_partial_frame(void **state)
{
    struct fixture *f = *state;
    struct journal *j;
    ok(journal_open(f->dir, &j));
    append_n(j, 1, 2);
    char seg[128];
    first_segment(f->dir, seg, sizeof(seg));
    off_t good = data_end(seg);
    journal_test_fail_writes(j, 1);
    unsigned char buf[512];
    struct journal_record r = {JOURNAL_CHANGESET, 3, 1700000000003, buf,
                               payload(3, buf)};
    ok(journal_lock(j));
    assert_int_equal(journal_append(j, &r), ERR_IO);
    assert_int_equal(journal_last_seq(j), 2);
    assert_int_equal(file_size(seg), good);
    ok(journal_append(j, &r)); /* the next try succeeds */
    journal_unlock(j);
    journal_close(j);
    assert_records(f->dir, 0, 1, 3);
}

static void
test_crc32c_known_answers_in_hardware_and_software(void **state)
{
    (void)state;
    static const char check[] = "123456789";
    unsigned char big[1000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (unsigned char)(i * 7 + 3);
    uint32_t hw[3], sw[3];
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *out = pass ? sw : hw;
        journal_test_crc_software(pass == 1);
        out[0] = journal_crc32c(0, check, 9);
        out[1] = journal_crc32c(0, big + 1, sizeof(big) - 1); /* unaligned */
        out[2] = journal_crc32c(journal_crc32c(0, big, 333), big + 333,
                                sizeof(big) - 333); /* in two pieces */
    }
    journal_test_crc_software(false);
    assert_int_equal(hw[0], 0xE3069283u); /* the standard check value */
    assert_int_equal(sw[0], 0xE3069283u);
    assert_int_equal(hw[1], sw[1]);
    assert_int_equal(hw[2], sw[2]);
    assert_int_equal(hw[2], journal_crc32c(0, big, sizeof(big)));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_append_and_reopen_keep_every_record),
        T(test_torn_tail_is_truncated_on_open),
        T(test_bad_frame_in_the_middle_is_cut_and_kept),
        T(test_sequence_gaps_are_refused_and_found),
        T(test_resync_starts_a_segment_the_reader_may_jump_to),
        T(test_segments_roll_by_size_and_prune),
        T(test_records_another_process_wrote_are_seen_under_the_lock),
        T(test_threads_appending_at_once_stay_in_order),
        T(test_frames_decode_and_a_flipped_byte_is_caught),
        T(test_a_failed_write_leaves_no_partial_frame),
        cmocka_unit_test(test_crc32c_known_answers_in_hardware_and_software),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
