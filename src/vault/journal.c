/*
 * journal.c — the local change journal: segments of checksummed frames
 * (format and rules in journal.h).
 *
 * Layout of this file: frames (encode, check, read one from a file), the
 * directory (segments by name), scanning a segment, the per-process
 * registry of open journals, the writer (lock, append, roll, resync, sync)
 * and the reader, verify and prune.
 *
 * Invariants of an open struct journal, under j->mu:
 *   - fd is the active segment (the highest name) or -1 when there is none;
 *   - end is the offset after its last good frame, and nothing after end
 *     is ever read back as a record (partial frames are truncated);
 *   - last_seq/last_ms describe the newest record in the directory.
 * written/synced serve group commit; fd changes only under both mutexes.
 */
#include "vault/journal.h"

#include "core/log.h"
#include "core/xalloc.h"

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
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static const char SEG_MAGIC[8] = {'P', 'L', 'J', 'O', 'U', 'R', 'N', '1'};
static const char FRAME_MAGIC[4] = {'P', 'L', 'J', 'R'};
#define HASH_BYTES 4  /* CRC32C */
#define HEAD_BYTES 32 /* frame header before the payload */
#define SEG_SUFFIX ".pjl"

/* ---- little-endian integers -------------------------------------------- */

static void
put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void
put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* ---- CRC32C -------------------------------------------------------------
 * Castagnoli polynomial (reflected 0x82F63B78), as in iSCSI, ext4 and
 * RocksDB's WAL. With SSE 4.2 (every x86-64 server of the last decade) the
 * crc32 instruction does 8 bytes a step; otherwise slice-by-8 tables. A
 * journal frame's check is against torn and damaged writes, not against
 * tampering: that is the signed manifests' job. */

static uint32_t crc_tab[8][256];
static bool crc_hw;
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
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc_hw = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t
crc_sw(uint32_t c, const unsigned char *p, size_t n)
{
    for (; n >= 8; p += 8, n -= 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        c = crc_tab[7][lo & 0xFF] ^ crc_tab[6][(lo >> 8) & 0xFF] ^
            crc_tab[5][(lo >> 16) & 0xFF] ^ crc_tab[4][lo >> 24] ^
            crc_tab[3][p[4]] ^ crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^
            crc_tab[0][p[7]];
    }
    while (n--)
        c = (c >> 8) ^ crc_tab[0][(c ^ *p++) & 0xFF];
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t
crc_hw8(uint32_t c, const unsigned char *p, size_t n)
{
    uint64_t c64 = c;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c64 = __builtin_ia32_crc32di(c64, v);
    }
    c = (uint32_t)c64;
    while (n--)
        c = __builtin_ia32_crc32qi(c, *p++);
    return c;
}
#endif

void
journal_test_crc_software(bool on)
{
    pthread_once(&crc_once, crc_init);
    if (on)
        crc_hw = false;
    else
        crc_init();
}

uint32_t
journal_crc32c(uint32_t crc, const void *data, size_t n)
{
    pthread_once(&crc_once, crc_init);
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (crc_hw)
        return ~crc_hw8(c, data, n);
#endif
    return ~crc_sw(c, data, n);
}

/* ---- frames ------------------------------------------------------------ */

static void
frame_head(const struct journal_record *r, unsigned char *h)
{
    memset(h, 0, HEAD_BYTES);
    memcpy(h, FRAME_MAGIC, 4);
    h[4] = (unsigned char)r->type;
    put_u64(h + 8, r->seq);
    put_u64(h + 16, (uint64_t)r->time_ms);
    put_u32(h + 24, (uint32_t)r->len);
}

static void
frame_hash(const unsigned char *head, const void *data, size_t len,
           unsigned char *out)
{
    uint32_t c = journal_crc32c(0, head, HEAD_BYTES);
    if (len)
        c = journal_crc32c(c, data, len);
    put_u32(out, c);
}

size_t
journal_frame_size(size_t len)
{
    return JOURNAL_FRAME_BYTES + len;
}

void
journal_frame_encode(const struct journal_record *r, unsigned char *out)
{
    frame_head(r, out);
    if (r->len)
        memcpy(out + HEAD_BYTES, r->data, r->len);
    frame_hash(out, r->data, r->len, out + HEAD_BYTES + r->len);
}

/* Check a frame header; fill rec's fixed fields. false when malformed. */
static bool
head_parse(const unsigned char *h, struct journal_record *rec)
{
    static const unsigned char zero[4];
    if (memcmp(h, FRAME_MAGIC, 4) != 0 || memcmp(h + 5, zero, 3) != 0 ||
        memcmp(h + 28, zero, 4) != 0)
        return false;
    if (h[4] != JOURNAL_CHANGESET && h[4] != JOURNAL_RESYNC)
        return false;
    rec->type = (enum journal_type)h[4];
    rec->seq = get_u64(h + 8);
    rec->time_ms = (int64_t)get_u64(h + 16);
    rec->len = get_u32(h + 24);
    if (rec->len > JOURNAL_RECORD_MAX || rec->seq == 0)
        return false;
    return rec->type == JOURNAL_CHANGESET || rec->len == 0;
}

/* Check the frame at buf (n bytes); 0 when good, else what is wrong. */
static const char *
frame_check(const unsigned char *p, size_t n, struct journal_record *rec)
{
    unsigned char hash[HASH_BYTES];
    if (n < JOURNAL_FRAME_BYTES || !head_parse(p, rec))
        return "not a journal frame";
    if (n - JOURNAL_FRAME_BYTES < rec->len)
        return "incomplete frame";
    rec->data = p + HEAD_BYTES;
    frame_hash(p, rec->data, rec->len, hash);
    if (memcmp(hash, p + HEAD_BYTES + rec->len, HASH_BYTES) != 0)
        return "frame fails its hash";
    return NULL;
}

enum err
journal_frame_decode(const void *buf, size_t n, struct journal_record *rec,
                     size_t *used)
{
    const char *why = frame_check(buf, n, rec);
    if (why)
        return err_fail(ERR_JOURNAL_CORRUPT, "%s", why);
    *used = journal_frame_size(rec->len);
    return ERR_OK;
}

/* How reading one frame from a file ended. */
enum frame_status {
    FRAME_OK,   /* *rec is a good frame */
    FRAME_EOF,  /* off is the end of the file */
    FRAME_TORN, /* an incomplete frame runs to the end of the file */
    FRAME_BAD,  /* a complete frame that does not check */
};

/* Bytes of one file read ahead: scanning a segment of small frames costs
 * one pread per READ_AHEAD bytes rather than two per frame. Callers call
 * fb_forget() whenever the file may have changed since. */
struct frame_buf {
    unsigned char *p;
    size_t cap;
    uint64_t off; /* file offset of p[0] */
    size_t len;   /* bytes of p that hold the file */
};

#define READ_AHEAD (1u << 20)

static void
fb_forget(struct frame_buf *b)
{
    b->len = 0;
}

static bool
pread_all(int fd, void *p, size_t n, uint64_t off)
{
    unsigned char *c = p;
    while (n) {
        ssize_t got = pread(fd, c, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        c += got, n -= (size_t)got, off += (uint64_t)got;
    }
    return true;
}

/* Bytes [off, off + n) of fd (n <= size - off) at *out, from b. */
static bool
fb_get(struct frame_buf *b, int fd, uint64_t off, size_t n, uint64_t size,
       const unsigned char **out)
{
    if (off >= b->off && off + n <= b->off + b->len) {
        *out = b->p + (off - b->off);
        return true;
    }
    size_t want = n > READ_AHEAD ? n : READ_AHEAD;
    if (want > size - off)
        want = (size_t)(size - off);
    if (b->cap < want) {
        b->cap = want;
        b->p = xrealloc(b->p, b->cap);
    }
    b->len = 0;
    if (!pread_all(fd, b->p, want, off))
        return false;
    b->off = off;
    b->len = want;
    *out = b->p;
    return true;
}

/* Read the frame at off of fd (size bytes long) through b; rec->data
 * points into b. *end is where the frame ends when its header could be
 * read, else 0. */
static enum frame_status
frame_read(int fd, uint64_t off, uint64_t size, struct frame_buf *b,
           struct journal_record *rec, uint64_t *end)
{
    *end = 0;
    if (off >= size)
        return FRAME_EOF;
    if (size - off < JOURNAL_FRAME_BYTES)
        return FRAME_TORN;
    const unsigned char *p;
    if (!fb_get(b, fd, off, HEAD_BYTES, size, &p))
        return FRAME_TORN;
    if (!head_parse(p, rec))
        return FRAME_BAD;
    size_t need = journal_frame_size(rec->len);
    *end = off + need;
    if (size - off < need)
        return FRAME_TORN;
    if (!fb_get(b, fd, off, need, size, &p))
        return FRAME_TORN;
    return frame_check(p, need, rec) ? FRAME_BAD : FRAME_OK;
}

/* True when bytes [off, size) of fd are all zero (a file extended by a
 * crash before its data reached the disk). */
static bool
all_zero(int fd, uint64_t off, uint64_t size)
{
    enum { CHUNK = 256 * 1024 };
    unsigned char *chunk = xmalloc(CHUNK);
    bool zero = true;
    while (zero && off < size) {
        size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
        /* all equal to the first byte, which is 0: memcmp is vectorised
         * (the byte loop was 1 % of a billing run's CPU, on every open) */
        zero = pread_all(fd, chunk, n, off) && chunk[0] == 0 &&
               memcmp(chunk, chunk + 1, n - 1) == 0;
        off += n;
    }
    free(chunk);
    return zero;
}

/* True when what follows the last good frame at off (the read of the next
 * one ended fs, with its end at fend, 0 if unknown) is what a crash or
 * preallocation leaves: nothing, zeros, or one frame cut short with at
 * most zeros after it. False when good-looking bytes follow a bad frame. */
static bool
tail_is_quiet(int fd, uint64_t off, uint64_t size, enum frame_status fs,
              uint64_t fend)
{
    if (fs == FRAME_EOF || fs == FRAME_TORN || all_zero(fd, off, size))
        return true;
    return fs == FRAME_BAD && fend &&
           (fend >= size || all_zero(fd, fend, size));
}

/* ---- the directory ----------------------------------------------------- */

bool
journal_dir_path(const char *data_dir, const char *store_id, char *out,
                 size_t n)
{
    int len = snprintf(out, n, "%s/journal/%s", data_dir, store_id);
    return len > 0 && (size_t)len < n;
}

static void
seg_path(const char *dir, uint64_t first, char *out, size_t n)
{
    snprintf(out, n, "%s/%020" PRIu64 SEG_SUFFIX, dir, first);
}

/* The segment number of a file name, 0 when it is not a segment. */
static uint64_t
seg_name(const char *name)
{
    size_t len = strlen(name);
    if (len != 20 + strlen(SEG_SUFFIX) || strcmp(name + 20, SEG_SUFFIX) != 0)
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    return v;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The segments of dir, ascending, into *out (caller frees). */
static enum err
seg_list(const char *dir, uint64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return err_fail(errno == ENOENT ? ERR_NOT_FOUND : ERR_IO,
                        "cannot read %s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t v = seg_name(e->d_name);
        if (!v)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = xrealloc(*out, cap * sizeof(**out));
        }
        (*out)[(*n)++] = v;
    }
    closedir(d);
    if (*n)
        qsort(*out, *n, sizeof(**out), cmp_u64);
    return ERR_OK;
}

static enum err
fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_fail(ERR_IO, "cannot open %s: %s", dir, strerror(errno));
    int rc = fsync(fd);
    close(fd);
    if (rc != 0)
        return err_fail(ERR_IO, "fsync %s: %s", dir, strerror(errno));
    return ERR_OK;
}

static enum err
mkdir_one(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return ERR_OK;
    return err_fail(ERR_IO, "cannot create %s: %s", path, strerror(errno));
}

/* Create dir and its parent (DATA/journal) if absent. */
static enum err
mkdir_journal(const char *dir)
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        enum err rc = mkdir_one(parent);
        if (rc)
            return rc;
    }
    return mkdir_one(dir);
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- scanning a segment ------------------------------------------------ */

struct scan {
    uint64_t first;   /* the segment's name */
    uint64_t end;     /* offset after the last good frame */
    uint64_t last;    /* seq of the last good frame (first - 1 if none) */
    int64_t last_ms;  /* its time (the header's previous time if none) */
    uint64_t records; /* good frames seen */
    uint64_t payload; /* their payload bytes */
    enum journal_type first_type;
    enum frame_status stop; /* why the scan ended */
    uint64_t stop_end;      /* where the frame it stopped at ends, or 0 */
    char why[96];           /* for a BAD stop: a broken sequence */
};

/* Check a segment header; fill s->first and s->last_ms. */
static bool
seg_header(int fd, uint64_t name, struct scan *s)
{
    unsigned char h[JOURNAL_HEADER_BYTES];
    if (!pread_all(fd, h, sizeof(h), 0) || memcmp(h, SEG_MAGIC, 8) != 0 ||
        get_u64(h + 8) != name)
        return false;
    memset(s, 0, sizeof(*s));
    s->first = name;
    s->last = name - 1;
    s->last_ms = (int64_t)get_u64(h + 16);
    s->end = JOURNAL_HEADER_BYTES;
    return true;
}

/* Read good frames from s->end to size, checking the sequence rule; stop
 * at the end or at the first frame that is torn, bad or out of order. */
static void
scan_frames(int fd, uint64_t size, struct scan *s, struct frame_buf *b)
{
    struct journal_record r;
    uint64_t fend;
    fb_forget(b); /* the file may have changed since b was filled */
    for (;;) {
        s->stop = frame_read(fd, s->end, size, b, &r, &fend);
        s->stop_end = fend;
        if (s->stop != FRAME_OK)
            return;
        bool first = s->records == 0;
        if (r.seq != s->last + 1 || (!first && r.type != JOURNAL_CHANGESET)) {
            snprintf(s->why, sizeof(s->why),
                     "seq %" PRIu64 " (%s) follows %" PRIu64, r.seq,
                     r.type == JOURNAL_RESYNC ? "resync" : "changeset",
                     s->last);
            s->stop = FRAME_BAD;
            s->stop_end = 0;
            return;
        }
        if (first)
            s->first_type = r.type;
        s->end += journal_frame_size(r.len);
        s->last = r.seq;
        s->last_ms = r.time_ms;
        s->records++;
        s->payload += r.len;
    }
}

/* ---- the registry of open journals ------------------------------------- */

struct journal {
    struct journal *next; /* registry list */
    dev_t dev;
    ino_t ino;
    int refs;
    char *dir;
    pthread_mutex_t mu;        /* the append lock within this process */
    pthread_mutex_t sync_mu;   /* one fdatasync at a time; guards fd swaps */
    pthread_mutex_t writer_mu; /* one write transaction at a time */
    int lock_fd;
    int fd;             /* active segment, -1 when none */
    uint64_t seg_first; /* its name */
    uint64_t end;
    uint64_t alloc; /* its size: end plus preallocated zeros */
    uint64_t last_seq;
    int64_t last_ms;
    uint64_t resync_seq;
    _Atomic uint64_t written; /* last seq this process appended */
    uint64_t synced;          /* under sync_mu */
    atomic_bool broken;
    atomic_uint fail_writes; /* fault injection (tests) */
    _Atomic uint64_t syncs;  /* fdatasyncs done by journal_sync() */
    _Atomic uint64_t snapshot_seq;
    struct frame_buf buf;
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct journal *registry;

static void
copy_aside(struct journal *j, uint64_t name)
{
    char from[PATH_MAX], to[PATH_MAX + 40];
    seg_path(j->dir, name, from, sizeof(from));
    snprintf(to, sizeof(to), "%s.damaged-%" PRId64, from, now_ms());
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    char chunk[65536];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, chunk, sizeof(chunk))) > 0)
        if (write(out, chunk, (size_t)n) != n)
            break;
    if (out >= 0)
        fsync(out), close(out);
    if (in >= 0)
        close(in);
}

/* Open segment name as the active one: scan it, repair a bad tail. An
 * empty segment (no good frame) that is not the journal's only one is
 * removed; *empty says so and the caller takes the one before it. */
static enum err
activate(struct journal *j, uint64_t name, bool only, bool *empty)
{
    char path[PATH_MAX];
    seg_path(j->dir, name, path, sizeof(path));
    *empty = false;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return err_fail(ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    struct scan s;
    if (fstat(fd, &sb) != 0 || !seg_header(fd, name, &s)) {
        close(fd);
        if (!only && unlink(path) == 0) { /* a roll that did not finish */
            *empty = true;
            return ERR_OK;
        }
        return err_fail(ERR_JOURNAL_CORRUPT, "%s: bad segment header", path);
    }
    uint64_t size = (uint64_t)sb.st_size;
    scan_frames(fd, size, &s, &j->buf);
    /* zeros after the last frame are preallocated space: a clean end */
    bool clean =
        s.stop == FRAME_EOF || (!s.why[0] && all_zero(fd, s.end, size));
    if (!clean && !s.why[0] &&
        tail_is_quiet(fd, s.end, size, s.stop, s.stop_end))
        s.stop = FRAME_TORN; /* the last frame, half on disk */
    else if (!clean)
        s.stop = FRAME_BAD;
    if (clean) {
        /* nothing to repair */
    } else if (s.stop == FRAME_BAD) {
        log_msg(LOG_ERROR, "journal.damaged",
                "%s: frame at offset %" PRIu64 " does not check%s%s; kept a "
                "copy, truncated after seq %" PRIu64,
                path, s.end, s.why[0] ? ": " : "", s.why, s.last);
        copy_aside(j, name);
    } else if (s.stop == FRAME_TORN) {
        log_msg(LOG_WARN, "journal.torn_tail",
                "%s: partial frame at offset %" PRIu64 " (%" PRIu64
                " bytes) truncated",
                path, s.end, size - s.end);
    }
    if (!clean && ftruncate(fd, (off_t)s.end) != 0) {
        close(fd);
        return err_fail(ERR_IO, "truncate %s: %s", path, strerror(errno));
    }
    if (s.records == 0 && !only) {
        close(fd);
        unlink(path);
        *empty = true;
        return ERR_OK;
    }
    if (j->fd >= 0)
        close(j->fd);
    j->fd = fd;
    j->seg_first = name;
    j->end = s.end;
    j->alloc = clean ? size : s.end;
    j->last_seq = s.last;
    j->last_ms = s.last_ms;
    if (s.records && s.first_type == JOURNAL_RESYNC && name > j->resync_seq)
        j->resync_seq = name;
    return ERR_OK;
}

/* The type of the first record of segment name (0 when none). */
static enum journal_type
seg_first_type(const char *dir, uint64_t name)
{
    char path[PATH_MAX];
    seg_path(dir, name, path, sizeof(path));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    unsigned char h[HEAD_BYTES];
    struct journal_record r;
    enum journal_type t = 0;
    if (fd >= 0 && pread_all(fd, h, sizeof(h), JOURNAL_HEADER_BYTES) &&
        head_parse(h, &r))
        t = r.type;
    if (fd >= 0)
        close(fd);
    return t;
}

static uint64_t lock_hint(struct journal *j);
static bool set_lock_hint(struct journal *j, uint64_t first);

/* (Re)pick the active segment: the highest non-empty one. Under the lock. */
static enum err
pick_active(struct journal *j)
{
    uint64_t *segs;
    size_t n;
    enum err rc = seg_list(j->dir, &segs, &n);
    if (rc)
        return rc;
    j->resync_seq = 0;
    for (size_t i = 0; i < n; i++)
        if (seg_first_type(j->dir, segs[i]) == JOURNAL_RESYNC)
            j->resync_seq = segs[i];
    bool empty = true;
    while (!rc && n && empty) {
        n--;
        rc = activate(j, segs[n], n == 0, &empty);
    }
    if (!rc && empty && j->fd >= 0) { /* every segment was removed */
        close(j->fd);
        j->fd = -1;
    }
    if (!rc && j->fd < 0) {
        j->seg_first = 0;
        j->end = 0;
        j->last_seq = 0;
        j->last_ms = 0;
    }
    free(segs);
    if (!rc && lock_hint(j) != j->seg_first && !set_lock_hint(j, j->seg_first))
        log_msg(LOG_WARN, "journal.lock_hint", "%s: %s", j->dir,
                strerror(errno));
    return rc;
}

static uint64_t
lock_hint(struct journal *j)
{
    unsigned char b[8];
    return pread_all(j->lock_fd, b, 8, 0) ? get_u64(b) : 0;
}

static bool
set_lock_hint(struct journal *j, uint64_t first)
{
    unsigned char b[8];
    put_u64(b, first);
    return pwrite(j->lock_fd, b, 8, 0) == 8;
}

static enum err
flock_ex(struct journal *j)
{
    while (flock(j->lock_fd, LOCK_EX) != 0)
        if (errno != EINTR)
            return err_fail(ERR_IO, "flock %s/lock: %s", j->dir,
                            strerror(errno));
    return ERR_OK;
}

static struct journal *
journal_new(const char *dir, const struct stat *sb, int lock_fd)
{
    struct journal *j = xcalloc(1, sizeof(*j));
    j->dev = sb->st_dev;
    j->ino = sb->st_ino;
    j->refs = 1;
    j->dir = xstrdup(dir);
    j->lock_fd = lock_fd;
    j->fd = -1;
    pthread_mutex_init(&j->mu, NULL);
    pthread_mutex_init(&j->sync_mu, NULL);
    pthread_mutex_init(&j->writer_mu, NULL);
    atomic_init(&j->snapshot_seq, UINT64_MAX);
    return j;
}

static void
journal_free(struct journal *j)
{
    if (j->fd >= 0)
        close(j->fd);
    close(j->lock_fd);
    pthread_mutex_destroy(&j->mu);
    pthread_mutex_destroy(&j->sync_mu);
    pthread_mutex_destroy(&j->writer_mu);
    free(j->buf.p);
    free(j->dir);
    free(j);
}

/* A new journal object for dir: lock file, active segment. */
static enum err
journal_load(const char *dir, const struct stat *sb, struct journal **out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/lock", dir);
    int lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0)
        return err_fail(ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct journal *j = journal_new(dir, sb, lfd);
    enum err rc = flock_ex(j);
    if (!rc) {
        rc = pick_active(j);
        flock(lfd, LOCK_UN);
    }
    atomic_store(&j->written, j->last_seq);
    j->synced = j->last_seq;
    if (rc)
        journal_free(j);
    else
        *out = j;
    return rc;
}

enum err
journal_open(const char *dir, struct journal **out)
{
    *out = NULL;
    enum err rc = mkdir_journal(dir);
    struct stat sb;
    if (!rc && stat(dir, &sb) != 0)
        rc = err_fail(ERR_IO, "cannot stat %s: %s", dir, strerror(errno));
    if (rc)
        return rc;
    pthread_mutex_lock(&registry_mu);
    for (struct journal *j = registry; j; j = j->next) {
        if (j->dev == sb.st_dev && j->ino == sb.st_ino) {
            j->refs++;
            *out = j;
            pthread_mutex_unlock(&registry_mu);
            return ERR_OK;
        }
    }
    rc = journal_load(dir, &sb, out);
    if (!rc) {
        (*out)->next = registry;
        registry = *out;
    }
    pthread_mutex_unlock(&registry_mu);
    return rc;
}

void
journal_close(struct journal *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&registry_mu);
    if (--j->refs > 0) {
        pthread_mutex_unlock(&registry_mu);
        return;
    }
    for (struct journal **p = &registry; *p; p = &(*p)->next) {
        if (*p == j) {
            *p = j->next;
            break;
        }
    }
    pthread_mutex_unlock(&registry_mu);
    journal_free(j);
}

const char *
journal_dir(const struct journal *j)
{
    return j->dir;
}

/* ---- the writer -------------------------------------------------------- */

/* Catch up with what other processes did since we last held the lock. */
static enum err
refresh(struct journal *j)
{
    uint64_t hint = lock_hint(j);
    if (hint != j->seg_first || (j->fd < 0 && hint))
        return pick_active(j);
    if (j->fd < 0)
        return ERR_OK;
    /* a frame where ours end is one another process appended */
    unsigned char peek[4];
    ssize_t got = pread(j->fd, peek, sizeof(peek), (off_t)j->end);
    if (got <= 0 || memcmp(peek, FRAME_MAGIC, (size_t)got) != 0)
        return ERR_OK; /* the end of the file, or preallocated zeros */
    struct stat sb;
    if (fstat(j->fd, &sb) != 0)
        return err_fail(ERR_IO, "fstat %s: %s", j->dir, strerror(errno));
    struct scan s = {.first = j->seg_first,
                     .end = j->end,
                     .last = j->last_seq,
                     .last_ms = j->last_ms,
                     .records = j->end > JOURNAL_HEADER_BYTES};
    scan_frames(j->fd, (uint64_t)sb.st_size, &s, &j->buf);
    if (s.stop != FRAME_EOF && !all_zero(j->fd, s.end, (uint64_t)sb.st_size))
        return pick_active(j); /* another writer died mid-frame: repair */
    j->alloc = (uint64_t)sb.st_size;
    if (s.first_type == JOURNAL_RESYNC && j->seg_first > j->resync_seq)
        j->resync_seq = j->seg_first;
    j->end = s.end;
    j->last_seq = s.last;
    j->last_ms = s.last_ms;
    return ERR_OK;
}

enum err
journal_lock(struct journal *j)
{
    pthread_mutex_lock(&j->mu);
    enum err rc = flock_ex(j);
    if (!rc) {
        rc = refresh(j);
        if (rc)
            flock(j->lock_fd, LOCK_UN);
    }
    if (rc)
        pthread_mutex_unlock(&j->mu);
    return rc;
}

void
journal_unlock(struct journal *j)
{
    flock(j->lock_fd, LOCK_UN);
    pthread_mutex_unlock(&j->mu);
}

enum err
journal_writer_enter(struct journal *j, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int rc = pthread_mutex_timedlock(&j->writer_mu, &until);
    if (rc == 0)
        return ERR_OK;
    return err_fail(ERR_STORE_BUSY,
                    "journal %s: another write transaction held the store "
                    "for %d ms",
                    j->dir, timeout_ms);
}

void
journal_writer_leave(struct journal *j)
{
    pthread_mutex_unlock(&j->writer_mu);
}

uint64_t
journal_last_seq(const struct journal *j)
{
    return j->last_seq;
}

int64_t
journal_last_time(const struct journal *j)
{
    return j->last_ms;
}

/* Write all of iov at off (no O_APPEND: pwritev keeps the offset ours). */
static bool
pwritev_all(int fd, struct iovec *iov, int n, uint64_t off)
{
    while (n > 0) {
        ssize_t w = pwritev(fd, iov, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        off += (uint64_t)w;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++, n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return true;
}

/* Preallocate room for need more bytes at the end of the active segment
 * (JOURNAL_PREALLOC at a time): an fdatasync that does not change the
 * file's size writes no metadata, which roughly halves its cost. Failure
 * only costs that gain. */
static void
prealloc(struct journal *j, uint64_t need)
{
    if (j->end + need <= j->alloc)
        return;
    uint64_t grow = need > JOURNAL_PREALLOC ? need : JOURNAL_PREALLOC;
    if (fallocate(j->fd, 0, (off_t)j->end, (off_t)grow) == 0)
        j->alloc = j->end + grow;
}

/* Write frame r at j->end of the active segment. */
static enum err
write_frame(struct journal *j, const struct journal_record *r)
{
    unsigned char head[HEAD_BYTES], hash[HASH_BYTES];
    frame_head(r, head);
    frame_hash(head, r->data, r->len, hash);
    struct iovec iov[3] = {
        {head, HEAD_BYTES}, {(void *)r->data, r->len}, {hash, HASH_BYTES}};
    prealloc(j, journal_frame_size(r->len));
    bool inject = atomic_load(&j->fail_writes) > 0;
    if (inject) { /* half a frame, as a full disk would leave it */
        atomic_fetch_sub(&j->fail_writes, 1);
        iov[1].iov_len /= 2;
        pwritev_all(j->fd, iov, 2, j->end);
        errno = ENOSPC;
    }
    if (inject || !pwritev_all(j->fd, iov, 3, j->end)) {
        int e = errno;
        if (ftruncate(j->fd, (off_t)j->end) != 0)
            log_msg(LOG_ERROR, "journal.truncate", "%s: %s", j->dir,
                    strerror(errno));
        j->alloc = j->end;
        return err_fail(ERR_IO, "journal %s: write: %s", j->dir, strerror(e));
    }
    j->end += journal_frame_size(r->len);
    j->last_seq = r->seq;
    j->last_ms = r->time_ms;
    atomic_store(&j->written, r->seq);
    return ERR_OK;
}

/* Create segment first (header only, durable) and make it the active one;
 * the old active segment is synced and closed. */
static enum err
roll(struct journal *j, uint64_t first)
{
    if (j->fd >= 0 && j->seg_first == first && j->end == JOURNAL_HEADER_BYTES)
        return ERR_OK; /* made by a roll whose first record failed */
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    seg_path(j->dir, first, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unsigned char h[JOURNAL_HEADER_BYTES] = {0};
    memcpy(h, SEG_MAGIC, 8);
    put_u64(h + 8, first);
    put_u64(h + 16, (uint64_t)j->last_ms);
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_fail(ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    bool ok = pwrite(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
              fdatasync(fd) == 0 && rename(tmp, path) == 0;
    if (!ok) {
        enum err rc =
            err_fail(ERR_IO, "cannot create %s: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        return rc;
    }
    enum err rc = fsync_dir(j->dir);
    pthread_mutex_lock(&j->sync_mu);
    if (j->fd >= 0) {
        /* a segment that is not the last one ends at its last frame */
        if (j->alloc > j->end && ftruncate(j->fd, (off_t)j->end) != 0)
            log_msg(LOG_WARN, "journal.truncate", "%s: %s", j->dir,
                    strerror(errno));
        if (fdatasync(j->fd) == 0)
            j->synced = atomic_load(&j->written);
        close(j->fd);
        if (j->end == JOURNAL_HEADER_BYTES) { /* a roll whose record failed */
            seg_path(j->dir, j->seg_first, tmp, sizeof(tmp));
            unlink(tmp);
        }
    }
    j->fd = fd;
    pthread_mutex_unlock(&j->sync_mu);
    j->seg_first = first;
    j->end = JOURNAL_HEADER_BYTES;
    j->alloc = JOURNAL_HEADER_BYTES;
    if (!set_lock_hint(j, first) && !rc)
        rc = err_fail(ERR_IO, "journal %s: cannot write lock: %s", j->dir,
                      strerror(errno));
    return rc;
}

enum err
journal_append(struct journal *j, const struct journal_record *r)
{
    if (r->type != JOURNAL_CHANGESET || r->seq != j->last_seq + 1)
        return err_fail(ERR_JOURNAL_GAP,
                        "journal %s: append of seq %" PRIu64 " after %" PRIu64,
                        j->dir, r->seq, j->last_seq);
    if (r->len > JOURNAL_RECORD_MAX)
        return err_fail(ERR_TOO_LARGE,
                        "changeset of %zu bytes is over the journal's "
                        "record limit",
                        r->len);
    if (r->time_ms < j->last_ms)
        return err_fail(ERR_INTERNAL, "journal time goes backwards");
    enum err rc = ERR_OK;
    if (j->fd < 0 || j->end >= JOURNAL_SEGMENT_MAX)
        rc = roll(j, r->seq);
    return rc ? rc : write_frame(j, r);
}

enum err
journal_resync(struct journal *j, uint64_t seq, int64_t time_ms)
{
    if (seq <= j->last_seq || time_ms < j->last_ms)
        return err_fail(ERR_JOURNAL_GAP,
                        "journal %s: resync at %" PRIu64 " after %" PRIu64,
                        j->dir, seq, j->last_seq);
    if (j->fd >= 0 && ftruncate(j->fd, (off_t)j->end) != 0)
        log_msg(LOG_WARN, "journal.truncate", "%s: %s", j->dir,
                strerror(errno));
    struct journal_record r = {JOURNAL_RESYNC, seq, time_ms, NULL, 0};
    enum err rc = roll(j, seq);
    if (!rc)
        rc = write_frame(j, &r);
    if (!rc)
        j->resync_seq = seq;
    return rc ? rc : journal_sync(j, seq);
}

enum err
journal_sync(struct journal *j, uint64_t seq)
{
    enum err rc = ERR_OK;
    pthread_mutex_lock(&j->sync_mu);
    if (j->synced < seq && j->fd >= 0) {
        uint64_t target = atomic_load(&j->written);
        atomic_fetch_add(&j->syncs, 1);
        if (fdatasync(j->fd) == 0)
            j->synced = target;
        else
            rc = err_fail(ERR_IO, "journal %s: fdatasync: %s", j->dir,
                          strerror(errno));
    }
    pthread_mutex_unlock(&j->sync_mu);
    return rc;
}

uint64_t
journal_sync_count(const struct journal *j)
{
    return atomic_load(&j->syncs);
}

void
journal_test_fail_writes(struct journal *j, unsigned n)
{
    atomic_store(&j->fail_writes, n);
}

void
journal_set_broken(struct journal *j, bool broken)
{
    atomic_store(&j->broken, broken);
}

bool
journal_broken(const struct journal *j)
{
    return atomic_load(&j->broken);
}

uint64_t
journal_resync_seq(const struct journal *j)
{
    return j->resync_seq;
}

uint64_t
journal_snapshot_seq(const struct journal *j)
{
    return atomic_load(&j->snapshot_seq);
}

void
journal_note_snapshot(struct journal *j, uint64_t seq)
{
    uint64_t cur = atomic_load(&j->snapshot_seq);
    if (cur == UINT64_MAX || seq > cur)
        atomic_store(&j->snapshot_seq, seq);
}

/* ---- the reader -------------------------------------------------------- */

struct journal_reader {
    char *dir;
    uint64_t *segs;
    size_t nsegs, i; /* i: the segment being read */
    int fd;
    uint64_t size;  /* of segs[i] when opened */
    uint64_t off;   /* next frame */
    uint64_t after; /* return records with seq > after */
    uint64_t last;  /* seq of the last frame read (0 before the first) */
    bool started;   /* a frame has been read */
    bool damaged;   /* segs[i-1] ended on a bad frame */
    struct frame_buf buf;
};

/* Open segment i; check its header. */
static enum err
reader_seg(struct journal_reader *r)
{
    char path[PATH_MAX];
    seg_path(r->dir, r->segs[r->i], path, sizeof(path));
    if (r->fd >= 0)
        close(r->fd);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    struct scan s;
    if (r->fd < 0 || fstat(r->fd, &sb) != 0)
        return err_fail(ERR_IO, "cannot open %s: %s", path, strerror(errno));
    if (!seg_header(r->fd, r->segs[r->i], &s))
        return err_fail(ERR_JOURNAL_CORRUPT, "%s: bad segment header", path);
    r->size = (uint64_t)sb.st_size;
    r->off = JOURNAL_HEADER_BYTES;
    fb_forget(&r->buf);
    return ERR_OK;
}

enum err
journal_reader_open(const char *dir, uint64_t after_seq,
                    struct journal_reader **out)
{
    struct journal_reader *r = xcalloc(1, sizeof(*r));
    r->dir = xstrdup(dir);
    r->fd = -1;
    r->after = after_seq;
    enum err rc = seg_list(dir, &r->segs, &r->nsegs);
    /* start at the last segment that can hold after_seq + 1 */
    while (!rc && r->i + 1 < r->nsegs && r->segs[r->i + 1] <= after_seq + 1)
        r->i++;
    if (!rc && r->nsegs)
        rc = reader_seg(r);
    if (rc) {
        journal_reader_close(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

/* The sequence rule between the previous frame and rec. */
static enum err
reader_check(struct journal_reader *r, const struct journal_record *rec,
             bool seg_start)
{
    char path[PATH_MAX];
    seg_path(r->dir, r->segs[r->i], path, sizeof(path));
    if (seg_start && rec->seq != r->segs[r->i])
        return err_fail(ERR_JOURNAL_CORRUPT, "%s: first record is seq %" PRIu64,
                        path, rec->seq);
    if (!seg_start && rec->type != JOURNAL_CHANGESET)
        return err_fail(ERR_JOURNAL_GAP, "%s: resync inside a segment", path);
    if (!r->started || rec->seq == r->last + 1)
        return r->damaged && rec->type != JOURNAL_RESYNC
                   ? err_fail(ERR_JOURNAL_CORRUPT,
                              "segment before %s ends on a bad frame", path)
                   : ERR_OK;
    if (rec->type == JOURNAL_RESYNC && rec->seq > r->last)
        return ERR_OK;
    return err_fail(ERR_JOURNAL_GAP,
                    "%s: seq %" PRIu64 " follows %" PRIu64
                    " (records are missing)",
                    path, rec->seq, r->last);
}

/* Read the next frame of the journal, good or not, into rec. */
static enum err
reader_frame(struct journal_reader *r, struct journal_record *rec, bool *have)
{
    for (;;) {
        *have = false;
        if (r->i >= r->nsegs || r->fd < 0)
            return ERR_OK;
        bool seg_start = r->off == JOURNAL_HEADER_BYTES;
        bool final = r->i + 1 == r->nsegs;
        uint64_t fend;
        enum frame_status fs =
            frame_read(r->fd, r->off, r->size, &r->buf, rec, &fend);
        if (fs == FRAME_OK) {
            enum err rc = reader_check(r, rec, seg_start);
            if (rc)
                return rc;
            r->off += journal_frame_size(rec->len);
            r->started = true;
            r->damaged = false;
            r->last = rec->seq;
            *have = true;
            return ERR_OK;
        }
        /* the tail of the active segment: preallocated zeros, an append
         * in progress, or a crash's leftovers not repaired yet */
        if (final && tail_is_quiet(r->fd, r->off, r->size, fs, fend)) {
            r->i = r->nsegs;
            return ERR_OK;
        }
        /* a segment rolled away from ends at its last frame; zeros there
         * are a roll cut short by a crash, before the truncation */
        r->damaged = fs != FRAME_EOF && !all_zero(r->fd, r->off, r->size);
        if (final)
            return err_fail(ERR_JOURNAL_CORRUPT,
                            "journal %s: bad frame at offset %" PRIu64
                            " of segment %" PRIu64,
                            r->dir, r->off, r->segs[r->i]);
        r->i++;
        enum err rc = reader_seg(r);
        if (rc)
            return rc;
    }
}

enum err
journal_reader_next(struct journal_reader *r, struct journal_record *rec,
                    bool *have)
{
    enum err rc;
    do
        rc = reader_frame(r, rec, have);
    while (!rc && *have && rec->seq <= r->after);
    if (!rc && r->damaged)
        rc = err_fail(ERR_JOURNAL_CORRUPT, "journal %s ends on a bad frame",
                      r->dir);
    return rc;
}

void
journal_reader_close(struct journal_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->segs);
    free(r->buf.p);
    free(r->dir);
    free(r);
}

/* ---- verify and prune -------------------------------------------------- */

enum err
journal_verify(const char *dir, struct journal_info *out)
{
    memset(out, 0, sizeof(*out));
    struct journal_reader *r;
    enum err rc = journal_reader_open(dir, 0, &r);
    if (rc)
        return rc;
    out->segments = (unsigned)r->nsegs;
    out->bytes = (uint64_t)r->nsegs * JOURNAL_HEADER_BYTES;
    struct journal_record rec;
    bool have;
    while (!(rc = journal_reader_next(r, &rec, &have)) && have) {
        if (!out->records)
            out->first_seq = rec.seq;
        out->records++;
        out->last_seq = rec.seq;
        out->last_ms = rec.time_ms;
        out->payload += rec.len;
        out->bytes += journal_frame_size(rec.len);
        if (rec.type == JOURNAL_RESYNC)
            out->resync_seq = rec.seq;
    }
    journal_reader_close(r);
    return rc;
}

enum err
journal_prune(const char *dir, uint64_t upto_seq, unsigned *removed)
{
    *removed = 0;
    uint64_t *segs;
    size_t n;
    enum err rc = seg_list(dir, &segs, &n);
    for (size_t i = 0; !rc && i + 1 < n && segs[i + 1] - 1 <= upto_seq; i++) {
        char path[PATH_MAX];
        seg_path(dir, segs[i], path, sizeof(path));
        if (unlink(path) != 0)
            rc =
                err_fail(ERR_IO, "cannot remove %s: %s", path, strerror(errno));
        else
            (*removed)++;
    }
    free(segs);
    return rc;
}
