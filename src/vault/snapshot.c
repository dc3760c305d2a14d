/*
 * snapshot.c — taking, finding and pruning snapshots, and the policy that
 * says when the shipper should take one (see snapshot.h).
 */
#include "vault/snapshot.h"

#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/capture.h"
#include "store/store.h"
#include "vault/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAP_SUFFIX ".db"

bool
snapshot_dir_path(const char *data_dir, const char *store_id, char *out,
                  size_t n)
{
    int len = snprintf(out, n, "%s/snapshots/%s", data_dir, store_id);
    return len > 0 && (size_t)len < n;
}

/* The seq a snapshot file name stands for, 0 when it is not one. */
static uint64_t
snap_name(const char *name)
{
    size_t len = strlen(name);
    if (len != 20 + strlen(SNAP_SUFFIX) || strcmp(name + 20, SNAP_SUFFIX))
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

/* The snapshot seqs of dir, ascending (caller frees *out). A missing dir
 * has none. */
static enum err
snap_list(const char *dir, uint64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return ERR_OK;
        return err_fail(ERR_IO, "cannot read %s: %s", dir, strerror(errno));
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t v = snap_name(e->d_name);
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

static void
snap_path(const char *dir, uint64_t seq, char *out, size_t n)
{
    snprintf(out, n, "%s/%020" PRIu64 SNAP_SUFFIX, dir, seq);
}

/* Fill *out for the snapshot of seq in dir (reads its store_capture). */
static enum err
snap_info(const char *dir, uint64_t seq, struct snapshot_info *out)
{
    snap_path(dir, seq, out->path, sizeof(out->path));
    struct stat sb;
    if (stat(out->path, &sb) != 0)
        return err_fail(ERR_IO, "cannot stat %s: %s", out->path,
                        strerror(errno));
    out->bytes = (uint64_t)sb.st_size;
    out->taken_ms =
        (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
    uint64_t have;
    enum err rc = capture_file_state(out->path, &have, &out->time_ms);
    if (!rc && have != seq)
        rc = err_fail(ERR_STORE, "%s holds seq %" PRIu64 ", not its name",
                      out->path, have);
    out->seq = seq;
    return rc;
}

static enum err
mkdir_snapshots(const char *data_dir, const char *dir)
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof(parent), "%s/snapshots", data_dir);
    if (mkdir(parent, 0700) != 0 && errno != EEXIST)
        return err_fail(ERR_IO, "cannot create %s: %s", parent,
                        strerror(errno));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return err_fail(ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    return ERR_OK;
}

static enum err
fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 ? fsync(fd) : -1;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        return err_fail(ERR_IO, "fsync %s: %s", dir, strerror(e));
    return ERR_OK;
}

/* Copy st into tmp, then move it to its seq's name in dir. */
static enum err
snap_write(struct store *st, const char *dir, struct snapshot_info *out)
{
    static atomic_uint counter;
    char tmp[PATH_MAX + 64];
    snprintf(tmp, sizeof(tmp), "%s/.tmp-%ld-%u" SNAP_SUFFIX, dir,
             (long)getpid(), atomic_fetch_add(&counter, 1));
    uint64_t seq;
    int64_t ms;
    enum err rc = capture_backup(st, tmp, &seq, &ms);
    if (rc) {
        unlink(tmp);
        return rc;
    }
    snap_path(dir, seq, out->path, sizeof(out->path));
    if (access(out->path, F_OK) == 0) { /* the same seq: the same store */
        unlink(tmp);
        return snap_info(dir, seq, out);
    }
    if (rename(tmp, out->path) != 0) {
        rc = err_fail(ERR_IO, "cannot rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return rc;
    }
    rc = fsync_dir(dir);
    return rc ? rc : snap_info(dir, seq, out);
}

enum err
snapshot_take(struct store *st, struct snapshot_info *out)
{
    const char *id = capture_store_id(st);
    const char *data = capture_data_dir(st);
    if (!id)
        return err_fail(ERR_CONFIG,
                        "%s: change capture is off (PILOTLIGHT_CAPTURE): a "
                        "snapshot without a journal cannot be replayed onto",
                        store_path(st));
    char dir[PATH_MAX];
    if (!snapshot_dir_path(data, id, dir, sizeof(dir)))
        return err_fail(ERR_CONFIG, "snapshot path too long");
    uint64_t t0 = time_mono_ns();
    enum err rc = mkdir_snapshots(data, dir);
    if (!rc)
        rc = snap_write(st, dir, out);
    if (rc)
        return rc;
    journal_note_snapshot(capture_journal(st), out->seq);
    log_fields(LOG_INFO, "snapshot.taken",
               json_pack("{s:s, s:I, s:I, s:f}", "store", id, "seq",
                         (json_int_t)out->seq, "bytes", (json_int_t)out->bytes,
                         "ms", (double)(time_mono_ns() - t0) / 1e6));
    return ERR_OK;
}

/* The index of the newest entry of segs (ascending) accepted by ok. */
enum err
snapshot_latest(const char *data_dir, const char *store_id, uint64_t max_seq,
                struct snapshot_info *out)
{
    char dir[PATH_MAX];
    if (!snapshot_dir_path(data_dir, store_id, dir, sizeof(dir)))
        return err_fail(ERR_CONFIG, "snapshot path too long");
    uint64_t *seqs;
    size_t n;
    enum err rc = snap_list(dir, &seqs, &n);
    while (!rc && n && seqs[n - 1] > max_seq)
        n--;
    if (!rc)
        rc = n ? snap_info(dir, seqs[n - 1], out)
               : err_fail(ERR_SNAPSHOT_NOT_FOUND,
                          "store %s has no snapshot at or before seq %" PRIu64,
                          store_id, max_seq);
    free(seqs);
    return rc;
}

enum err
snapshot_before_time(const char *data_dir, const char *store_id,
                     int64_t time_ms, struct snapshot_info *out)
{
    char dir[PATH_MAX];
    if (!snapshot_dir_path(data_dir, store_id, dir, sizeof(dir)))
        return err_fail(ERR_CONFIG, "snapshot path too long");
    uint64_t *seqs;
    size_t n;
    enum err rc = snap_list(dir, &seqs, &n);
    bool found = false;
    while (!rc && n && !found) {
        rc = snap_info(dir, seqs[--n], out);
        found = !rc && out->time_ms <= time_ms;
    }
    free(seqs);
    if (!rc && !found)
        rc = err_fail(ERR_SNAPSHOT_NOT_FOUND,
                      "store %s has no snapshot as old as the time asked",
                      store_id);
    return rc;
}

enum err
snapshot_each(const char *data_dir, const char *store_id,
              bool (*fn)(const struct snapshot_info *s, void *arg), void *arg)
{
    char dir[PATH_MAX];
    if (!snapshot_dir_path(data_dir, store_id, dir, sizeof(dir)))
        return err_fail(ERR_CONFIG, "snapshot path too long");
    uint64_t *seqs;
    size_t n;
    enum err rc = snap_list(dir, &seqs, &n);
    struct snapshot_info *si = xmalloc(sizeof(*si));
    for (size_t i = 0; !rc && i < n; i++)
        if (!(rc = snap_info(dir, seqs[i], si)) && !fn(si, arg))
            break;
    free(si);
    free(seqs);
    return rc;
}

enum err
snapshot_prune(const char *data_dir, const char *store_id, unsigned keep,
               unsigned *removed)
{
    *removed = 0;
    char dir[PATH_MAX], path[PATH_MAX];
    if (!snapshot_dir_path(data_dir, store_id, dir, sizeof(dir)))
        return err_fail(ERR_CONFIG, "snapshot path too long");
    uint64_t *seqs;
    size_t n;
    enum err rc = snap_list(dir, &seqs, &n);
    keep = keep ? keep : 1;
    for (size_t i = 0; !rc && i + keep < n; i++) {
        snap_path(dir, seqs[i], path, sizeof(path));
        if (unlink(path) != 0)
            rc =
                err_fail(ERR_IO, "cannot remove %s: %s", path, strerror(errno));
        else
            (*removed)++;
    }
    free(seqs);
    return rc;
}

enum err
snapshot_prune_before(const char *data_dir, const char *store_id,
                      uint64_t before_seq, unsigned *removed)
{
    *removed = 0;
    char dir[PATH_MAX], path[PATH_MAX];
    if (!snapshot_dir_path(data_dir, store_id, dir, sizeof(dir)))
        return err_fail(ERR_CONFIG, "snapshot path too long");
    uint64_t *seqs;
    size_t n;
    enum err rc = snap_list(dir, &seqs, &n);
    for (size_t i = 0; !rc && i + 1 < n && seqs[i] < before_seq; i++) {
        snap_path(dir, seqs[i], path, sizeof(path));
        if (unlink(path) != 0)
            rc =
                err_fail(ERR_IO, "cannot remove %s: %s", path, strerror(errno));
        else
            (*removed)++;
    }
    free(seqs);
    return rc;
}

/* ---- the policy -------------------------------------------------------- */

enum snapshot_why
snapshot_policy_check(const struct snapshot_policy *p,
                      const struct snapshot_facts *f, int64_t now_ms)
{
    if (!f->have)
        return SNAPSHOT_NONE_YET;
    if (f->resync_seq > f->snap_seq)
        return SNAPSHOT_AFTER_RESYNC;
    if (f->last_seq <= f->snap_seq)
        return SNAPSHOT_NOT_DUE; /* nothing since: a new one is the same */
    if (p->every_records && f->last_seq - f->snap_seq >= p->every_records)
        return SNAPSHOT_RECORDS;
    if (p->every_ms && now_ms - f->snap_ms >= p->every_ms)
        return SNAPSHOT_AGE;
    return SNAPSHOT_NOT_DUE;
}

enum err
snapshot_due(struct store *st, const struct snapshot_policy *p, int64_t now_ms,
             enum snapshot_why *why)
{
    struct journal *j = capture_journal(st);
    *why = SNAPSHOT_NOT_DUE;
    if (!j)
        return err_fail(ERR_CONFIG, "%s: change capture is off",
                        store_path(st));
    struct snapshot_facts f = {0};
    enum err rc = journal_lock(j);
    if (rc)
        return rc;
    f.last_seq = journal_last_seq(j);
    f.resync_seq = journal_resync_seq(j);
    journal_unlock(j);
    struct snapshot_info si;
    rc = snapshot_latest(capture_data_dir(st), capture_store_id(st), UINT64_MAX,
                         &si);
    if (rc && rc != ERR_SNAPSHOT_NOT_FOUND)
        return rc;
    err_clear();
    f.have = rc == ERR_OK;
    f.snap_seq = f.have ? si.seq : 0;
    f.snap_ms = f.have ? si.taken_ms : 0;
    *why = snapshot_policy_check(p, &f, now_ms);
    return ERR_OK;
}

const char *
snapshot_why_name(enum snapshot_why why)
{
    static const char *const names[] = {"not_due", "none_yet", "after_resync",
                                        "records", "age"};
    return (unsigned)why < sizeof(names) / sizeof(names[0]) ? names[why]
                                                            : "unknown";
}
