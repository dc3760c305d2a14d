/*
 * journal.h — the local change journal of one store: an append-only,
 * framed, checksummed sequence of records in DATA/journal/<store-id>/.
 *
 * Every committed write transaction of a store becomes one CHANGESET record
 * (a SQLite session changeset, src/store/capture.c) appended here before the
 * write is acknowledged. The shipper (`pilotlight backup`) sends records to
 * the vaults in order; a restore replays them onto a snapshot
 * (vault/replay.h).
 *
 * Records. Each has a sequence number, strictly increasing per store, the
 * commit time (UTC milliseconds since 1970, never decreasing) and a type:
 *
 *   CHANGESET  the changeset of transaction `seq`: applying it to the store
 *              as of seq - 1 gives the store as of seq.
 *   RESYNC     a break: the store reached `seq` by a path the journal
 *              cannot reproduce (a crash between COMMIT and append, a write
 *              with capture off, a schema change). Replay cannot cross it:
 *              a snapshot at or after `seq` is the base for what follows.
 *              No payload.
 *
 * Files. The directory holds
 *
 *   lock                    flock(2)ed by writers; its first 8 bytes name
 *                           the active segment (a hint to other processes
 *                           that the writer rolled; not durable)
 *   <20-digit seq>.pjl      segments; the name is the seq of the segment's
 *                           first record; the highest name is active
 *   <name>.damaged-<ms>     a copy of a segment that failed its check on
 *                           open, kept for the operator (never read)
 *
 * A segment is a 32-byte header then frames. All integers little-endian.
 *
 *   header:  0  8  magic "PLJOURN1"
 *            8  8  first seq (equals the file name)
 *           16  8  commit time of the record before this segment (ms), so
 *                  times stay monotonic across a roll
 *           24  8  zero
 *   frame:   0  4  magic "PLJR"
 *            4  1  type (1 CHANGESET, 2 RESYNC)
 *            5  3  zero
 *            8  8  seq
 *           16  8  time (ms, signed)
 *           24  4  payload length n (at most JOURNAL_RECORD_MAX)
 *           28  4  zero
 *           32  n  payload (the changeset)
 *         32+n  4  CRC32C (Castagnoli) of bytes [0, 32+n) of the frame
 *
 * Sequence rule: the first record of a segment has seq == the segment's
 * name; each later record has seq == previous + 1 and is a CHANGESET. A
 * RESYNC is always the first record of a segment (a resync rolls). A new
 * segment is started when the active one passes JOURNAL_SEGMENT_MAX bytes
 * (its first record then continues the sequence) or by a resync.
 *
 * The active segment is preallocated JOURNAL_PREALLOC bytes at a time
 * (fallocate): zeros after the last frame are free space, not damage, and
 * appends that do not grow the file make fdatasync cheaper. A segment that
 * is rolled away from is truncated to its last frame.
 *
 * Torn writes. A crash in the middle of an append leaves a partial or
 * unverifiable frame at the end of the active segment (zeros may follow).
 * journal_open() scans the active segment and truncates it after the last
 * good frame; when good-looking bytes follow the bad frame it first keeps a
 * `.damaged-` copy and logs an error. Whether records are then missing is for
 * the caller (capture compares the journal's last seq with the one the store
 * keeps). An append that fails part-way truncates its own partial frame.
 *
 * Concurrency. One struct journal per directory per process, shared by all
 * connections to the store (journal_open() returns the same object, counted).
 * journal_lock() takes a process mutex and flock(LOCK_EX) on `lock`, then
 * catches up with frames other processes appended. Appends happen under the
 * lock, in seq order; fdatasync happens after it (journal_sync(), group
 * commit: one fdatasync covers every record written before it started).
 */
#ifndef PL_VAULT_JOURNAL_H
#define PL_VAULT_JOURNAL_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOURNAL_HEADER_BYTES 32
#define JOURNAL_FRAME_BYTES  36         /* frame overhead: 32 header + 4 CRC */
#define JOURNAL_RECORD_MAX   (1u << 30) /* payload bytes: 1 GiB */
#define JOURNAL_SEGMENT_MAX  (8u << 20) /* roll past 8 MiB */
#define JOURNAL_PREALLOC     (4u << 20) /* segments grow 4 MiB at a time */

enum journal_type {
    JOURNAL_CHANGESET = 1,
    JOURNAL_RESYNC = 2,
};

/* One record. data borrows (from the caller on append, from the reader
 * until its next call on read). */
struct journal_record {
    enum journal_type type;
    uint64_t seq;
    int64_t time_ms;
    const void *data;
    size_t len;
};

struct journal;

/* DATA/journal/<store_id> into out (n bytes); false when it does not fit. */
bool journal_dir_path(const char *data_dir, const char *store_id, char *out,
                      size_t n);

/*
 * Open (creating 0700 if absent) the journal in dir: the process's shared
 * object for that directory, with its reference count raised. The active
 * segment is checked and a torn tail truncated (see above). Errors: ERR_IO;
 * ERR_JOURNAL_CORRUPT when the segment cannot be read at all. Release with
 * journal_close().
 */
enum err journal_open(const char *dir, struct journal **out);
/* Drop a reference; the last one closes the files. NULL is ok. */
void journal_close(struct journal *j);
/* The directory given to journal_open(). */
const char *journal_dir(const struct journal *j);

/*
 * Take the append lock (process mutex, then flock on `lock`) and catch up
 * with records other processes appended. Errors: ERR_IO (the lock),
 * ERR_JOURNAL_CORRUPT / ERR_JOURNAL_GAP (what another process wrote does
 * not check; the lock is then not held).
 */
enum err journal_lock(struct journal *j);
void journal_unlock(struct journal *j);
/*
 * Serialize this process's write transactions on the store: store_tx_begin
 * enters before BEGIN IMMEDIATE and the capture leaves after the append.
 * Threads then queue on a mutex instead of SQLite's busy handler, which
 * sleeps 1, 2, 5, 10... ms between tries and so turns contention into long
 * tails. (Other processes still meet SQLite's lock.) ERR_STORE_BUSY after
 * timeout_ms.
 */
enum err journal_writer_enter(struct journal *j, int timeout_ms);
void journal_writer_leave(struct journal *j);

/* Under the lock: the last record's seq (0 when there is none) and time. */
uint64_t journal_last_seq(const struct journal *j);
int64_t journal_last_time(const struct journal *j);

/*
 * Under the lock: append r (a CHANGESET with seq == last + 1). The bytes
 * reach the file (page cache) before this returns; durability comes from
 * journal_sync(). A write that fails part-way is truncated away. Errors:
 * ERR_JOURNAL_GAP (wrong seq or type), ERR_TOO_LARGE (over
 * JOURNAL_RECORD_MAX), ERR_IO.
 */
enum err journal_append(struct journal *j, const struct journal_record *r);
/*
 * Under the lock: start a new segment whose first record is a RESYNC at
 * seq (> last) and time_ms, and make it durable. Errors: ERR_JOURNAL_GAP,
 * ERR_IO.
 */
enum err journal_resync(struct journal *j, uint64_t seq, int64_t time_ms);
/*
 * Make every record this process appended up to seq durable (fdatasync),
 * sharing one fdatasync between threads that wait at once. Not under the
 * lock. Errors: ERR_IO (the journal should then be treated as broken).
 */
enum err journal_sync(struct journal *j, uint64_t seq);

/* fdatasyncs journal_sync() has done in this process (fewer than records
 * when commits share them). */
uint64_t journal_sync_count(const struct journal *j);

/* CRC32C (Castagnoli) of n bytes continuing crc (0 to start), as frames
 * use it. */
uint32_t journal_crc32c(uint32_t crc, const void *data, size_t n);
/* Tests: use the table-driven CRC even where the CPU has one (both must
 * give the same answer: journals move between machines). */
void journal_test_crc_software(bool on);

/* Tests: make the next n frame writes of j fail with ERR_IO (fault
 * injection, as SQLite does; never called by pilotlight itself). */
void journal_test_fail_writes(struct journal *j, unsigned n);

/* Process-local health, set by the capture when an append, sync, resync
 * or snapshot failed and cleared when it has healed. */
void journal_set_broken(struct journal *j, bool broken);
bool journal_broken(const struct journal *j);
/* The seq of the newest RESYNC record (0 when none) and the newest
 * snapshot known to this process (UINT64_MAX while unknown). */
uint64_t journal_resync_seq(const struct journal *j);
uint64_t journal_snapshot_seq(const struct journal *j);
void journal_note_snapshot(struct journal *j, uint64_t seq);

/* ---- reading ------------------------------------------------------------
 * A reader walks the segments of a directory in order, checks every frame
 * and the sequence rule, and returns records after a given seq. It takes no
 * lock: a partial frame at the very end of the active segment (an append in
 * progress, or a crash not yet repaired) ends the walk quietly. A bad frame
 * elsewhere is ERR_JOURNAL_CORRUPT, unless the next segment begins with a
 * RESYNC (the resync is what followed the damage); a broken sequence is
 * ERR_JOURNAL_GAP. */
struct journal_reader;

/* Open a reader of dir returning records with seq > after_seq. */
enum err journal_reader_open(const char *dir, uint64_t after_seq,
                             struct journal_reader **out);
/* The next record into *rec (*have false at the end). rec->data stays
 * valid until the next call or journal_reader_close(). */
enum err journal_reader_next(struct journal_reader *r,
                             struct journal_record *rec, bool *have);
void journal_reader_close(struct journal_reader *r);

/* What journal_verify() found. */
struct journal_info {
    unsigned segments;
    uint64_t bytes;      /* segment headers and frames (not the
                            preallocated space) */
    uint64_t records;    /* CHANGESET and RESYNC records */
    uint64_t first_seq;  /* of the oldest record kept (0 when none) */
    uint64_t last_seq;   /* 0 when none */
    int64_t last_ms;     /* time of the last record */
    uint64_t resync_seq; /* newest RESYNC, 0 when none */
    uint64_t payload;    /* changeset bytes */
};

/* Read and check the whole journal in dir (every frame, every hash, the
 * sequence rule). ERR_JOURNAL_CORRUPT / ERR_JOURNAL_GAP with err_detail()
 * naming the file and offset; ERR_NOT_FOUND when dir does not exist. */
enum err journal_verify(const char *dir, struct journal_info *out);

/*
 * Delete whole segments every record of which has seq <= upto_seq (the
 * shipper calls this once a snapshot at or after upto_seq is safe in the
 * vaults). The active segment is never deleted. *removed counts files.
 */
enum err journal_prune(const char *dir, uint64_t upto_seq, unsigned *removed);

/* ---- frames in memory (the shipper sends frames as they are) ----------- */

/* Bytes a frame with a len-byte payload takes. */
size_t journal_frame_size(size_t len);
/* Encode r as one frame into out (journal_frame_size(r->len) bytes). */
void journal_frame_encode(const struct journal_record *r, unsigned char *out);
/* Decode and check the frame at buf (n bytes available): *rec borrows from
 * buf, *used is the frame's size. ERR_JOURNAL_CORRUPT when it does not
 * check or is incomplete. */
enum err journal_frame_decode(const void *buf, size_t n,
                              struct journal_record *rec, size_t *used);

#endif
