/*
 * ilog.c — ingest's append-only log: segments, frames, group commit,
 * recovery, readers, compaction (ilog.h has the format and the rules).
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "monitor/ilog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEG_MAGIC    "PLINGLG1"
#define FRAME_MAGIC  "PLR1"
#define PENDING_MAX  (1u << 30)
#define SEG_NAME_LEN 20

struct ilog {
    char dir[PATH_MAX];
    uint64_t seg_max;
    pthread_mutex_t mu; /* guards segs */
    uint64_t *segs;     /* base LSNs, ascending */
    size_t nsegs, capsegs;
    /* the writer's */
    int head_fd;
    uint64_t head_base, head_size; /* head_size: bytes in the file */
    struct buf pending;
    _Atomic uint64_t end;
    atomic_bool broken;
};

/* ---------------------------------------------------------------------- */
/* CRC-32C, slice by 8                                                    */
/* ---------------------------------------------------------------------- */

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_tab[0][i] = c;
    }
    for (int t = 1; t < 8; t++)
        for (int i = 0; i < 256; i++)
            crc_tab[t][i] =
                (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xFF];
}

uint32_t
ilog_crc32c(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;
    pthread_once(&crc_once, crc_init);
    crc = ~crc;
    while (n >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                             (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        crc = crc_tab[7][lo & 0xFF] ^ crc_tab[6][(lo >> 8) & 0xFF] ^
              crc_tab[5][(lo >> 16) & 0xFF] ^ crc_tab[4][lo >> 24] ^
              crc_tab[3][p[4]] ^ crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^
              crc_tab[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xFF];
    return ~crc;
}

/* ---------------------------------------------------------------------- */
/* Little-endian fields                                                   */
/* ---------------------------------------------------------------------- */

static void
put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void
put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t
get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* crc32c of a frame: its length field, then the payload. */
static uint32_t
frame_crc(const unsigned char *lenfield, const unsigned char *payload, size_t n)
{
    return ilog_crc32c(ilog_crc32c(0, lenfield, 4), payload, n);
}

/* ---------------------------------------------------------------------- */
/* Files                                                                  */
/* ---------------------------------------------------------------------- */

static void
seg_path(const struct ilog *l, uint64_t base, const char *suffix, char *out,
         size_t n)
{
    snprintf(out, n, "%s/%020" PRIu64 ".seg%s", l->dir, base, suffix);
}

static enum err
io_fail(const char *what, const char *path)
{
    return err_fail(ERR_IO, "%s %s: %s", what, path, strerror(errno));
}

static enum err
dir_sync(const struct ilog *l)
{
    int fd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return io_fail("open", l->dir);
    int rc = fsync(fd);
    close(fd);
    return rc ? io_fail("fsync", l->dir) : ERR_OK;
}

/* Write all n bytes at off. */
static bool
write_all(int fd, const unsigned char *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w, n -= (size_t)w, off += (uint64_t)w;
    }
    return true;
}

/* Read exactly n bytes at off; false on a short read or error. */
static bool
read_all(int fd, unsigned char *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r, n -= (size_t)r, off += (uint64_t)r;
    }
    return true;
}

static void
header_make(unsigned char h[ILOG_SEGMENT_HEADER], uint64_t base)
{
    memset(h, 0, ILOG_SEGMENT_HEADER);
    memcpy(h, SEG_MAGIC, 8);
    put32(h + 8, 1);
    put64(h + 16, base);
    put32(h + 24, ilog_crc32c(0, h, 24));
}

static bool
header_ok(const unsigned char h[ILOG_SEGMENT_HEADER], uint64_t base)
{
    return memcmp(h, SEG_MAGIC, 8) == 0 && get32(h + 8) == 1 &&
           get64(h + 16) == base && get32(h + 24) == ilog_crc32c(0, h, 24);
}

static void
segs_push(struct ilog *l, uint64_t base)
{
    pthread_mutex_lock(&l->mu);
    if (l->nsegs == l->capsegs) {
        l->capsegs = l->capsegs ? l->capsegs * 2 : 16;
        l->segs = xrealloc(l->segs, l->capsegs * sizeof(*l->segs));
    }
    l->segs[l->nsegs++] = base;
    pthread_mutex_unlock(&l->mu);
}

/* Start the segment whose first LSN is the current end: header under a
 * temporary name, fsync, rename, fsync the directory; then it is the
 * head. */
static enum err
rotate(struct ilog *l)
{
    char tmp[PATH_MAX + 32], path[PATH_MAX + 32];
    unsigned char h[ILOG_SEGMENT_HEADER];
    uint64_t base = atomic_load(&l->end);
    seg_path(l, base, ".tmp", tmp, sizeof(tmp));
    seg_path(l, base, "", path, sizeof(path));
    header_make(h, base);
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return io_fail("create", tmp);
    if (!write_all(fd, h, sizeof(h), 0) || fdatasync(fd) != 0 ||
        rename(tmp, path) != 0) {
        enum err rc = io_fail("write", tmp);
        close(fd);
        unlink(tmp);
        return rc;
    }
    enum err rc = dir_sync(l);
    if (rc) {
        close(fd);
        return rc;
    }
    if (l->head_fd >= 0)
        close(l->head_fd);
    l->head_fd = fd;
    l->head_base = base;
    l->head_size = ILOG_SEGMENT_HEADER;
    segs_push(l, base);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Recovery                                                               */
/* ---------------------------------------------------------------------- */

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Gather the segments' base LSNs (sorted); remove leftover .tmp files. */
static enum err
segs_list(struct ilog *l)
{
    DIR *d = opendir(l->dir);
    struct dirent *e;
    if (!d)
        return io_fail("open", l->dir);
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n == SEG_NAME_LEN + 8 &&
            !strcmp(e->d_name + SEG_NAME_LEN, ".seg.tmp")) {
            char p[PATH_MAX + 64];
            snprintf(p, sizeof(p), "%s/%s", l->dir, e->d_name);
            unlink(p); /* a rotation cut short: never held data */
            continue;
        }
        if (n != SEG_NAME_LEN + 4 || strcmp(e->d_name + SEG_NAME_LEN, ".seg") ||
            strspn(e->d_name, "0123456789") != SEG_NAME_LEN)
            continue;
        segs_push(l, strtoull(e->d_name, NULL, 10));
    }
    closedir(d);
    if (l->nsegs)
        qsort(l->segs, l->nsegs, sizeof(*l->segs), cmp_u64);
    return ERR_OK;
}

static enum err
corrupt(const struct ilog *l, uint64_t base, uint64_t off, const char *what)
{
    return err_fail(ERR_INGEST_LOG_CORRUPT,
                    "%s/%020" PRIu64 ".seg at byte %" PRIu64 ": %s", l->dir,
                    base, off, what);
}

/* Older segments: a good header, and the size that ends where the next
 * segment begins. */
static enum err
seg_check(struct ilog *l, size_t i)
{
    char path[PATH_MAX + 32];
    unsigned char h[ILOG_SEGMENT_HEADER];
    struct stat sb;
    uint64_t base = l->segs[i];
    seg_path(l, base, "", path, sizeof(path));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return io_fail("open", path);
    bool ok = fstat(fd, &sb) == 0 && read_all(fd, h, sizeof(h), 0) &&
              header_ok(h, base);
    close(fd);
    if (!ok)
        return corrupt(l, base, 0, "bad segment header");
    if (base + (uint64_t)sb.st_size - ILOG_SEGMENT_HEADER != l->segs[i + 1])
        return corrupt(l, base, (uint64_t)sb.st_size,
                       "the segment does not end where the next begins");
    return ERR_OK;
}

/* The frame at off in map[0..size): its payload length, or 0 when it is
 * not a whole, checked frame. */
static size_t
frame_at(const unsigned char *map, uint64_t size, uint64_t off)
{
    if (off + ILOG_FRAME_HEADER > size ||
        memcmp(map + off, FRAME_MAGIC, 4) != 0)
        return 0;
    uint32_t n = get32(map + off + 4);
    if (n < 1 || n > ILOG_RECORD_MAX || off + ILOG_FRAME_HEADER + n > size)
        return 0;
    const unsigned char *p = map + off + ILOG_FRAME_HEADER;
    if (get32(map + off + 8) != frame_crc(map + off + 4, p, n) ||
        (p[0] != ILOG_TYPE_RECORD && p[0] != ILOG_TYPE_COMMIT))
        return 0;
    return n;
}

/* True when the frame at off (n payload bytes) is a commit whose group,
 * inside this segment, checks. */
static bool
commit_ok(const unsigned char *map, uint64_t base, uint64_t off, size_t n)
{
    const unsigned char *p = map + off + ILOG_FRAME_HEADER;
    if (p[0] != ILOG_TYPE_COMMIT || n != ILOG_COMMIT_PAYLOAD)
        return false;
    uint64_t start = get64(p + 8), end = get64(p + 16);
    if (start < base || end != base + off - ILOG_SEGMENT_HEADER || end < start)
        return false;
    uint64_t s_off = start - base + ILOG_SEGMENT_HEADER;
    return get32(p + 24) == ilog_crc32c(0, map + s_off, off - s_off);
}

/* Scan the last segment: *durable is the file offset after its last
 * verified commit. ERR_INGEST_LOG_CORRUPT when a verified commit lies
 * beyond damage. */
static enum err
tail_scan(struct ilog *l, const unsigned char *map, uint64_t size,
          uint64_t *durable)
{
    uint64_t off = ILOG_SEGMENT_HEADER;
    size_t n;
    *durable = off;
    while ((n = frame_at(map, size, off))) {
        if (map[off + ILOG_FRAME_HEADER] == ILOG_TYPE_COMMIT) {
            if (!commit_ok(map, l->head_base, off, n))
                break;
            *durable = off + ILOG_FRAME_HEADER + n;
        }
        off += ILOG_FRAME_HEADER + n;
    }
    /* past the first damage: is any later group whole and verified? */
    for (uint64_t q = off + 1; q + ILOG_FRAME_HEADER < size; q++) {
        if (map[q] != 'P' || (n = frame_at(map, size, q)) == 0)
            continue;
        if (commit_ok(map, l->head_base, q, n))
            return corrupt(l, l->head_base, off,
                           "damaged frame before an acknowledged group");
    }
    return ERR_OK;
}

/* Open the last segment, verify and cut its unacknowledged tail. */
static enum err
head_open(struct ilog *l, struct ilog_open_info *info)
{
    char path[PATH_MAX + 32];
    unsigned char h[ILOG_SEGMENT_HEADER];
    struct stat sb;
    l->head_base = l->segs[l->nsegs - 1];
    seg_path(l, l->head_base, "", path, sizeof(path));
    l->head_fd = open(path, O_RDWR | O_CLOEXEC);
    if (l->head_fd < 0)
        return io_fail("open", path);
    if (fstat(l->head_fd, &sb) != 0)
        return io_fail("stat", path);
    uint64_t size = (uint64_t)sb.st_size, durable = ILOG_SEGMENT_HEADER;
    if (!read_all(l->head_fd, h, sizeof(h), 0) || !header_ok(h, l->head_base))
        return corrupt(l, l->head_base, 0, "bad segment header");
    enum err rc = ERR_OK;
    if (size > ILOG_SEGMENT_HEADER) {
        void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, l->head_fd, 0);
        if (map == MAP_FAILED)
            return io_fail("mmap", path);
        rc = tail_scan(l, map, size, &durable);
        munmap(map, size);
    }
    if (!rc && durable < size) {
        if (ftruncate(l->head_fd, (off_t)durable) != 0 ||
            fdatasync(l->head_fd) != 0)
            return io_fail("truncate", path);
        info->truncated = size - durable;
        log_msg(LOG_WARN, "ingest.log_truncated",
                "%s: cut %" PRIu64 " unacknowledged byte(s) after offset "
                "%" PRIu64,
                path, size - durable, durable);
    }
    l->head_size = durable;
    atomic_store(&l->end, l->head_base + durable - ILOG_SEGMENT_HEADER);
    return rc;
}

enum err
ilog_open(const char *dir, uint64_t segment_max, struct ilog **out,
          struct ilog_open_info *info)
{
    struct ilog *l = xcalloc(1, sizeof(*l));
    enum err rc = ERR_OK;
    memset(info, 0, sizeof(*info));
    snprintf(l->dir, sizeof(l->dir), "%s", dir);
    l->seg_max = segment_max;
    l->head_fd = -1;
    pthread_mutex_init(&l->mu, NULL);
    buf_init(&l->pending, PENDING_MAX);
    *out = NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = io_fail("mkdir", dir);
        goto out;
    }
    if ((rc = segs_list(l)))
        goto out;
    if (l->nsegs == 0) {
        rc = rotate(l); /* a new log: LSN 0 */
        goto out;
    }
    for (size_t i = 0; !rc && i + 1 < l->nsegs; i++)
        rc = seg_check(l, i);
    if (!rc)
        rc = head_open(l, info);
out:
    if (rc) {
        ilog_close(l);
        return rc;
    }
    info->start = l->segs[0];
    info->end = atomic_load(&l->end);
    info->segments = l->nsegs;
    *out = l;
    return ERR_OK;
}

void
ilog_close(struct ilog *l)
{
    if (!l)
        return;
    if (l->head_fd >= 0)
        close(l->head_fd);
    buf_free(&l->pending);
    pthread_mutex_destroy(&l->mu);
    free(l->segs);
    free(l);
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                */
/* ---------------------------------------------------------------------- */

/* Append one frame (type in payload[0]) to the pending group. */
static enum err
frame_append(struct ilog *l, const void *payload, size_t n)
{
    unsigned char h[ILOG_FRAME_HEADER];
    memcpy(h, FRAME_MAGIC, 4);
    put32(h + 4, (uint32_t)n);
    put32(h + 8, frame_crc(h + 4, payload, n));
    size_t before = l->pending.len;
    enum err rc = buf_append(&l->pending, h, sizeof(h));
    if (!rc && (rc = buf_append(&l->pending, payload, n)))
        l->pending.len = before;
    return rc;
}

enum err
ilog_append(struct ilog *l, const void *payload, size_t n, uint64_t *lsn)
{
    if (n < 1 || n > ILOG_RECORD_MAX)
        return err_fail(ERR_TOO_LARGE, "a log record is 1..%u bytes",
                        ILOG_RECORD_MAX);
    *lsn = atomic_load(&l->end) + l->pending.len;
    return frame_append(l, payload, n);
}

size_t
ilog_pending(const struct ilog *l)
{
    return l->pending.len;
}

void
ilog_discard(struct ilog *l)
{
    buf_reset(&l->pending);
}

bool
ilog_broken(const struct ilog *l)
{
    return atomic_load(&l->broken);
}

static enum err
unavailable(struct ilog *l, const char *what)
{
    char path[PATH_MAX + 32];
    seg_path(l, l->head_base, "", path, sizeof(path));
    enum err rc = err_fail(ERR_INGEST_LOG_UNAVAILABLE, "%s %s: %s", what, path,
                           strerror(errno));
    log_msg(LOG_ERROR, "ingest.log_write_failed", "%s", err_detail());
    ilog_discard(l);
    return rc;
}

enum err
ilog_sync(struct ilog *l)
{
    unsigned char c[ILOG_COMMIT_PAYLOAD];
    if (atomic_load(&l->broken))
        return err_fail(ERR_INGEST_LOG_UNAVAILABLE,
                        "the log could not be synced earlier; restart ingest "
                        "to recover it");
    if (!l->pending.len)
        return ERR_OK;
    enum err rc;
    if (l->head_size > ILOG_SEGMENT_HEADER &&
        l->head_size + l->pending.len > l->seg_max && (rc = rotate(l))) {
        ilog_discard(l);
        return err_fail(ERR_INGEST_LOG_UNAVAILABLE, "%s", err_detail());
    }
    uint64_t start = atomic_load(&l->end);
    memset(c, 0, sizeof(c));
    c[0] = ILOG_TYPE_COMMIT;
    put64(c + 8, start);
    put64(c + 16, start + l->pending.len);
    put32(c + 24, ilog_crc32c(0, l->pending.data, l->pending.len));
    if (frame_append(l, c, sizeof(c)))
        return unavailable(l, "group too large for");
    const unsigned char *p = (const unsigned char *)l->pending.data;
    if (!write_all(l->head_fd, p, l->pending.len, l->head_size)) {
        int saved = errno;
        if (ftruncate(l->head_fd, (off_t)l->head_size) != 0)
            atomic_store(&l->broken, true); /* cannot cut it back */
        errno = saved;
        return unavailable(l, "write");
    }
    if (fdatasync(l->head_fd) != 0) {
        atomic_store(&l->broken, true);
        return unavailable(l, "fdatasync");
    }
    l->head_size += l->pending.len;
    atomic_store(&l->end, start + l->pending.len);
    buf_reset(&l->pending);
    return ERR_OK;
}

uint64_t
ilog_end(const struct ilog *l)
{
    return atomic_load(&((struct ilog *)l)->end);
}

uint64_t
ilog_start(struct ilog *l)
{
    pthread_mutex_lock(&l->mu);
    uint64_t s = l->segs[0];
    pthread_mutex_unlock(&l->mu);
    return s;
}

uint64_t
ilog_head_base(struct ilog *l)
{
    pthread_mutex_lock(&l->mu);
    uint64_t s = l->segs[l->nsegs - 1];
    pthread_mutex_unlock(&l->mu);
    return s;
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                */
/* ---------------------------------------------------------------------- */

void
ilog_reader_init(struct ilog_reader *r, struct ilog *l)
{
    memset(r, 0, sizeof(*r));
    r->l = l;
    r->fd = -1;
}

void
ilog_reader_close(struct ilog_reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    free(r->scratch);
    r->fd = -1;
    r->scratch = NULL;
    r->cap = 0;
}

/* The base of the segment holding lsn; false when lsn is before the
 * first segment. */
static bool
seg_of(struct ilog *l, uint64_t lsn, uint64_t *base)
{
    bool found = false;
    pthread_mutex_lock(&l->mu);
    size_t lo = 0, hi = l->nsegs;
    while (lo < hi) { /* the last base <= lsn */
        size_t mid = (lo + hi) / 2;
        if (l->segs[mid] <= lsn)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0) {
        *base = l->segs[lo - 1];
        found = true;
    }
    pthread_mutex_unlock(&l->mu);
    return found;
}

static enum err
reader_seek(struct ilog_reader *r, uint64_t base)
{
    char path[PATH_MAX + 32];
    if (r->fd >= 0 && r->base == base)
        return ERR_OK;
    if (r->fd >= 0)
        close(r->fd);
    seg_path(r->l, base, "", path, sizeof(path));
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    r->base = base;
    return r->fd < 0 ? io_fail("open", path) : ERR_OK;
}

/* The frame at lsn: its payload into the reader's scratch. */
static enum err
frame_read(struct ilog_reader *r, uint64_t lsn, size_t *n)
{
    unsigned char h[ILOG_FRAME_HEADER];
    uint64_t base;
    if (!seg_of(r->l, lsn, &base))
        return err_fail(ERR_INVALID, "LSN %" PRIu64 " is no longer kept", lsn);
    enum err rc = reader_seek(r, base);
    uint64_t off = lsn - base + ILOG_SEGMENT_HEADER;
    if (rc)
        return rc;
    if (!read_all(r->fd, h, sizeof(h), off) || memcmp(h, FRAME_MAGIC, 4) != 0 ||
        get32(h + 4) < 1 || get32(h + 4) > ILOG_RECORD_MAX)
        return corrupt(r->l, base, off, "no frame where one must be");
    *n = get32(h + 4);
    if (*n > r->cap) {
        r->cap = *n;
        r->scratch = xrealloc(r->scratch, r->cap);
    }
    if (!read_all(r->fd, r->scratch, *n, off + sizeof(h)) ||
        get32(h + 8) != frame_crc(h + 4, r->scratch, *n))
        return corrupt(r->l, base, off, "frame checksum mismatch");
    return ERR_OK;
}

enum err
ilog_read(struct ilog_reader *r, uint64_t lsn, const unsigned char **payload,
          size_t *len, uint64_t *at, uint64_t *next)
{
    for (;;) {
        uint64_t end = ilog_end(r->l);
        size_t n = 0;
        if (lsn == end) {
            *next = end;
            return ERR_NOT_FOUND;
        }
        if (lsn > end)
            return err_fail(ERR_INVALID,
                            "LSN %" PRIu64 " is past the log's end %" PRIu64,
                            lsn, end);
        enum err rc = frame_read(r, lsn, &n);
        if (rc)
            return rc;
        uint64_t after = lsn + ILOG_FRAME_HEADER + n;
        if (r->scratch[0] == ILOG_TYPE_RECORD) {
            *payload = r->scratch;
            *len = n;
            *at = lsn;
            *next = after;
            return ERR_OK;
        }
        lsn = after; /* a commit frame */
    }
}

/* ---------------------------------------------------------------------- */
/* Compaction                                                             */
/* ---------------------------------------------------------------------- */

enum err
ilog_compact(struct ilog *l, uint64_t upto, size_t *removed)
{
    char path[PATH_MAX + 32];
    enum err rc = ERR_OK;
    *removed = 0;
    pthread_mutex_lock(&l->mu);
    while (l->nsegs > 1 && l->segs[1] <= upto) {
        seg_path(l, l->segs[0], "", path, sizeof(path));
        if (unlink(path) != 0 && errno != ENOENT) {
            rc = io_fail("unlink", path);
            break;
        }
        memmove(l->segs, l->segs + 1, (l->nsegs - 1) * sizeof(*l->segs));
        l->nsegs--;
        (*removed)++;
    }
    pthread_mutex_unlock(&l->mu);
    if (*removed && !rc)
        rc = dir_sync(l);
    return rc;
}
