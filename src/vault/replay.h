/*
 * replay.h — bring a copy of a snapshot forward by applying journal records
 * to it, exactly, up to a sequence number or a point in time. What `restore`
 * does after loading a snapshot, and what `drill` checks.
 *
 * Exactness. Each CHANGESET record is applied with a conflict handler that
 * treats every conflict as an error (ERR_REPLAY_CONFLICT), so a replica
 * either ends up with exactly the rows the live store had at that seq or the
 * replay fails. Each changeset also moves store_capture.seq from N - 1 to N,
 * so a record applies only onto its exact predecessor.
 *
 * Order. Records must follow the replica's seq without a gap: the first
 * applied is base + 1 (ERR_JOURNAL_GAP otherwise). A RESYNC record after the
 * base cannot be crossed (ERR_REPLAY_BASE): what happened before it is not
 * in the journal, so the base must be a snapshot at or after it.
 *
 * Use it two ways: record by record (replay_open, replay_wants and
 * replay_apply for each record, replay_close), e.g. for records that came
 * from a vault; or replay_journal() for a local journal directory.
 */
#ifndef PL_VAULT_REPLAY_H
#define PL_VAULT_REPLAY_H

#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>

struct journal_record;

/* Where to stop: records with seq > until_seq or time > until_ms are not
 * applied. 0 means no limit. Both may be given; the first reached wins. */
struct replay_limit {
    uint64_t until_seq;
    int64_t until_ms;
};

struct replay_stats {
    uint64_t base_seq;  /* the replica's seq before */
    uint64_t last_seq;  /* and after */
    int64_t last_ms;    /* commit time of last_seq */
    uint64_t records;   /* changesets applied */
    uint64_t bytes;     /* their size */
    bool limit_reached; /* a record past the limit was seen */
};

struct replay;

/* Open the database file at path (a copy of a snapshot, which replay
 * changes in place) and read its seq. Errors: ERR_STORE, ERR_IO. */
enum err replay_open(const char *path, struct replay **out);
/* The replica's current seq and time. */
uint64_t replay_seq(const struct replay *r);
int64_t replay_time(const struct replay *r);
/* False when rec is past lim (then stop: records only go up). */
bool replay_wants(const struct replay_limit *lim,
                  const struct journal_record *rec);
/*
 * Apply rec, the record after replay_seq(). A record at or below the
 * replica's seq is skipped (ERR_OK). Errors: ERR_JOURNAL_GAP (rec is not
 * seq + 1), ERR_REPLAY_BASE (a RESYNC), ERR_REPLAY_CONFLICT (the changeset
 * does not apply exactly), ERR_STORE.
 */
enum err replay_apply(struct replay *r, const struct journal_record *rec);
/* Keep (commit, fsync) or discard the changes, close, and fill *stats
 * (may be NULL). NULL r is ok. */
enum err replay_close(struct replay *r, bool keep, struct replay_stats *stats);

/*
 * Replay the journal in journal_dir onto the database at path, from its
 * seq up to lim (NULL: everything). When lim->until_seq is given and the
 * journal ends before it, ERR_JOURNAL_GAP; a limit below the base (the
 * snapshot is newer than the point asked) is ERR_REPLAY_BASE. On any error
 * nothing is kept.
 */
enum err replay_journal(const char *path, const char *journal_dir,
                        const struct replay_limit *lim,
                        struct replay_stats *stats);

/* Parse "2026-04-01T09:30:00Z", "2026-04-01T09:30:00.250Z" or with an
 * offset ("+09:00") into UTC milliseconds. ERR_INVALID when malformed. */
enum err replay_parse_time(const char *s, int64_t *ms);

#endif
