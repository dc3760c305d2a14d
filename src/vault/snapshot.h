/*
 * snapshot.h — snapshots of a store: a consistent copy made with SQLite's
 * online backup API, which a restore loads before replaying the journal
 * records after it.
 *
 * Files. DATA/snapshots/<store-id>/<20-digit seq>.db, where seq is the
 * journal seq the copy is as of: the copy's own store_capture row says so
 * (seq and commit time), so a snapshot file describes itself and replay
 * starts at seq + 1. A snapshot is written to `.tmp-<pid>-<n>.db`, fsynced,
 * renamed into place, and the directory fsynced: a snapshot file either
 * exists whole or not at all. Two snapshots at the same seq are the same
 * store; the second is dropped.
 *
 * When. The capture takes one after every resync (new store, migrations,
 * a crash between COMMIT and append...). Beyond that, snapshots bound
 * replay time: the shipper asks snapshot_due() with its policy (every N
 * journal records or M milliseconds, whichever comes first) and calls
 * snapshot_take() when it says so. `pilotlight backup snapshot` takes one
 * by hand.
 */
#ifndef PL_VAULT_SNAPSHOT_H
#define PL_VAULT_SNAPSHOT_H

#include "core/err.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

struct snapshot_info {
    uint64_t seq;     /* the store as of this journal seq */
    int64_t time_ms;  /* commit time of that seq (UTC ms) */
    int64_t taken_ms; /* when the file was written (its mtime) */
    uint64_t bytes;   /* file size */
    char path[PATH_MAX];
};

/* DATA/snapshots/<store_id> into out (n bytes); false when too long. */
bool snapshot_dir_path(const char *data_dir, const char *store_id, char *out,
                       size_t n);

/*
 * Snapshot st (which must have capture attached, and no transaction open)
 * into its snapshot directory; *out describes the file. Logs
 * "snapshot.taken". Errors: ERR_CONFIG (capture off), ERR_STORE, ERR_IO.
 */
enum err snapshot_take(struct store *st, struct snapshot_info *out);

/* The newest snapshot of store_id with seq <= max_seq (UINT64_MAX: any).
 * ERR_SNAPSHOT_NOT_FOUND when there is none. */
enum err snapshot_latest(const char *data_dir, const char *store_id,
                         uint64_t max_seq, struct snapshot_info *out);
/* The newest snapshot whose commit time is <= time_ms (a point-in-time
 * restore's base). ERR_SNAPSHOT_NOT_FOUND when there is none. */
enum err snapshot_before_time(const char *data_dir, const char *store_id,
                              int64_t time_ms, struct snapshot_info *out);
/* Call fn for each snapshot of store_id, oldest first; fn returns false
 * to stop. */
enum err snapshot_each(const char *data_dir, const char *store_id,
                       bool (*fn)(const struct snapshot_info *s, void *arg),
                       void *arg);
/* Delete all but the newest keep (>= 1) snapshots; *removed counts. */
enum err snapshot_prune(const char *data_dir, const char *store_id,
                        unsigned keep, unsigned *removed);
/* Delete the snapshots with seq < before_seq, never the newest (the
 * shipper, once every vault builds on a base at or after before_seq);
 * *removed counts. */
enum err snapshot_prune_before(const char *data_dir, const char *store_id,
                               uint64_t before_seq, unsigned *removed);

/* ---- when to take one ---------------------------------------------------- */

struct snapshot_policy {
    uint64_t every_records; /* journal records after the newest snapshot;
                               0 = no limit */
    int64_t every_ms;       /* age of the newest snapshot, when records
                               follow it; 0 = no limit */
};
/* The default: 10,000 records or 24 hours. */
#define SNAPSHOT_POLICY_DEFAULT                                                \
    {                                                                          \
        10000, 24LL * 3600 * 1000                                              \
    }

enum snapshot_why {
    SNAPSHOT_NOT_DUE = 0,
    SNAPSHOT_NONE_YET,     /* the store has no snapshot */
    SNAPSHOT_AFTER_RESYNC, /* a RESYNC record is newer than every snapshot */
    SNAPSHOT_RECORDS,      /* every_records reached */
    SNAPSHOT_AGE,          /* every_ms reached */
};

/* What the policy looks at. */
struct snapshot_facts {
    bool have;           /* a snapshot exists */
    uint64_t snap_seq;   /* the newest snapshot's seq */
    int64_t snap_ms;     /* when it was taken */
    uint64_t last_seq;   /* the journal's last seq */
    uint64_t resync_seq; /* the journal's newest RESYNC, 0 when none */
};

/* The policy itself, no I/O. */
enum snapshot_why snapshot_policy_check(const struct snapshot_policy *p,
                                        const struct snapshot_facts *f,
                                        int64_t now_ms);
/* The policy for an open store (capture attached): reads the journal's
 * position and the newest snapshot. */
enum err snapshot_due(struct store *st, const struct snapshot_policy *p,
                      int64_t now_ms, enum snapshot_why *why);
/* "not_due", "none_yet", "after_resync", "records", "age". */
const char *snapshot_why_name(enum snapshot_why why);

#endif
