/*
 * ilog.h — ingest's append-only log (DATA/ingest/log/): what makes a
 * device's batch durable before ingest acknowledges it.
 *
 * Positions. Every byte ever appended has a log sequence number (LSN):
 * its offset in the log as if all segments were one file without their
 * headers. A record is named by the LSN of its frame. LSNs only grow;
 * compaction removes whole segments from the front.
 *
 * Segments. DATA/ingest/log/<base LSN, 20 digits>.seg, each up to about
 * --segment-size bytes; a new one is started (written under a .tmp name,
 * fsynced, renamed, the directory fsynced) before the group that would
 * pass the size. A segment starts with a 32-byte header:
 *
 *   0  "PLINGLG1"     magic (8 bytes)
 *   8  u32 version    1
 *   12 u32 0          reserved
 *   16 u64 base       the LSN of the segment's first frame
 *   24 u32 crc32c     of bytes 0–23
 *   28 u32 0          reserved
 *
 * Frames (all integers little endian):
 *
 *   0  "PLR1"         magic (4 bytes)
 *   4  u32 len        payload length (1 .. ILOG_RECORD_MAX)
 *   8  u32 crc32c     of bytes 4–7 and the payload
 *   12 payload        payload[0] is the frame type
 *
 * Type 1 is a record (what the caller appended). Type 2 ends a group:
 *
 *   0  u8 2, 7 bytes 0
 *   8  u64 start      LSN of the group's first frame
 *   16 u64 end        LSN of this commit frame (the group's data end)
 *   24 u32 crc32c     of every byte of the group's frames [start, end)
 *
 * Group commit. The writer appends any number of records to a buffer
 * (ilog_append), then ilog_sync() adds the commit frame, writes the lot
 * with one write and makes it durable with one fdatasync(). Only then is
 * anything in the group acknowledged; groups are written one after the
 * other, never two at once.
 *
 * Recovery (ilog_open). Segments before the last must be contiguous
 * (each ends where the next begins). The last one is scanned frame by
 * frame; the log ends after the last commit frame whose group checksum
 * verifies. What follows it was never acknowledged (a crash before the
 * group's fdatasync returned; after a power loss its pages may even be
 * persisted out of order, leaving holes) and is truncated. But if a
 * verified commit frame lies beyond the first damaged frame, a group
 * that was acknowledged after the damage exists: that is corruption of
 * durable data, and ilog_open refuses (ERR_INGEST_LOG_CORRUPT) rather
 * than cut acknowledged messages away.
 *
 * Threads: one writer (append/sync), any number of readers each with its
 * own struct ilog_reader, one compactor. The segment list is guarded
 * inside; the durable end is published atomically after each sync.
 */
#ifndef PL_MONITOR_ILOG_H
#define PL_MONITOR_ILOG_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ILOG_SEGMENT_HEADER 32
#define ILOG_FRAME_HEADER   12
#define ILOG_COMMIT_PAYLOAD 28
#define ILOG_RECORD_MAX     (16u << 20) /* payload bytes of one frame */
#define ILOG_TYPE_RECORD    1
#define ILOG_TYPE_COMMIT    2

struct ilog;

/* What ilog_open found. */
struct ilog_open_info {
    uint64_t start;     /* first LSN still in the log */
    uint64_t end;       /* durable end */
    size_t segments;    /* segment files */
    uint64_t truncated; /* bytes cut from the last segment's tail */
};

/*
 * Open (creating if needed) the log in dir, recovering as described
 * above. segment_max: start a new segment past this many bytes.
 * ERR_INGEST_LOG_CORRUPT (detail names the file and offset), ERR_IO.
 */
enum err ilog_open(const char *dir, uint64_t segment_max, struct ilog **out,
                   struct ilog_open_info *info);
/* Close the files; pending (unsynced) records are dropped. NULL ok. */
void ilog_close(struct ilog *l);

/* ---- the writer ------------------------------------------------------ */

/*
 * Add a record (payload, n bytes; the caller's payload[0] must be
 * ILOG_TYPE_RECORD) to the pending group. *lsn receives the LSN it will
 * have. ERR_TOO_LARGE past ILOG_RECORD_MAX.
 */
enum err ilog_append(struct ilog *l, const void *payload, size_t n,
                     uint64_t *lsn);
/* Bytes pending (0: nothing to sync). */
size_t ilog_pending(const struct ilog *l);
/*
 * Make the pending group durable: start a new segment if the head is
 * full, add the commit frame, write, fdatasync. On failure nothing of the
 * group counts (the file is cut back where it can be) and the pending
 * group is dropped: ERR_INGEST_LOG_UNAVAILABLE. A failed fdatasync leaves
 * the log broken (the kernel may have dropped the pages): every later
 * sync fails until the process restarts and recovers.
 */
enum err ilog_sync(struct ilog *l);
/* Drop the pending group. */
void ilog_discard(struct ilog *l);
/* True after a failed fdatasync. */
bool ilog_broken(const struct ilog *l);

/* The durable end (any thread). */
uint64_t ilog_end(const struct ilog *l);
/* The first LSN still kept. */
uint64_t ilog_start(struct ilog *l);
/* The base LSN of the segment being written. */
uint64_t ilog_head_base(struct ilog *l);

/* ---- readers --------------------------------------------------------- */

struct ilog_reader {
    struct ilog *l;
    int fd;                 /* the segment open for reading, -1 none */
    uint64_t base;          /* its base LSN */
    unsigned char *scratch; /* the last frame's payload */
    size_t cap;
};

void ilog_reader_init(struct ilog_reader *r, struct ilog *l);
void ilog_reader_close(struct ilog_reader *r);
/*
 * The first record at or after lsn (commit frames are skipped): *payload
 * points at its payload (payload[0] is ILOG_TYPE_RECORD; valid until the
 * next read), *len its length, *at its LSN and *next the LSN after it.
 * ERR_NOT_FOUND when the durable end comes first (*next is then the end,
 * so a cursor may move past commit frames); ERR_INVALID when lsn is
 * outside the log; ERR_INGEST_LOG_CORRUPT when a frame does not check.
 */
enum err ilog_read(struct ilog_reader *r, uint64_t lsn,
                   const unsigned char **payload, size_t *len, uint64_t *at,
                   uint64_t *next);

/* ---- compaction ------------------------------------------------------ */

/*
 * Delete every segment that ends at or before upto (never the one being
 * written). *removed receives how many. Errors: ERR_IO.
 */
enum err ilog_compact(struct ilog *l, uint64_t upto, size_t *removed);

/* CRC-32C (Castagnoli) of n bytes, continuing from crc (0 to start). */
uint32_t ilog_crc32c(uint32_t crc, const void *p, size_t n);

#endif
