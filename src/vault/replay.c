/*
 * replay.c — applying journal records to a snapshot copy (see replay.h).
 */
#include "vault/replay.h"

#include "core/xalloc.h"
#include "store/capture.h"
#include "vault/journal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct replay {
    struct replica *rep;
    struct replay_stats stats;
    uint64_t seq;
    int64_t ms;
};

enum err
replay_open(const char *path, struct replay **out)
{
    *out = NULL;
    struct replica *rep;
    enum err rc = replica_open(path, &rep);
    if (rc)
        return rc;
    struct replay *r = xcalloc(1, sizeof(*r));
    r->rep = rep;
    rc = replica_state(rep, &r->seq, &r->ms);
    if (rc) {
        replica_close(rep, false);
        free(r);
        return rc;
    }
    r->stats.base_seq = r->stats.last_seq = r->seq;
    r->stats.last_ms = r->ms;
    *out = r;
    return ERR_OK;
}

uint64_t
replay_seq(const struct replay *r)
{
    return r->seq;
}

int64_t
replay_time(const struct replay *r)
{
    return r->ms;
}

bool
replay_wants(const struct replay_limit *lim, const struct journal_record *rec)
{
    if (!lim)
        return true;
    if (lim->until_seq && rec->seq > lim->until_seq)
        return false;
    return !(lim->until_ms && rec->time_ms > lim->until_ms);
}

enum err
replay_apply(struct replay *r, const struct journal_record *rec)
{
    if (rec->seq <= r->seq)
        return ERR_OK;
    if (rec->type == JOURNAL_RESYNC)
        return err_fail(ERR_REPLAY_BASE,
                        "record %" PRIu64 " is a resync: replay from a "
                        "snapshot at or after it (this one is at %" PRIu64 ")",
                        rec->seq, r->seq);
    if (rec->seq != r->seq + 1)
        return err_fail(ERR_JOURNAL_GAP,
                        "the replica is at seq %" PRIu64
                        " but the next record is %" PRIu64,
                        r->seq, rec->seq);
    enum err rc = replica_apply(r->rep, rec->data, rec->len);
    if (rc)
        return err_fail(rc, "seq %" PRIu64 ": %s", rec->seq, err_detail());
    uint64_t seq;
    int64_t ms;
    if ((rc = replica_state(r->rep, &seq, &ms)))
        return rc;
    if (seq != rec->seq || ms != rec->time_ms) /* the record's own row */
        return err_fail(ERR_REPLAY_CONFLICT,
                        "seq %" PRIu64 " left the replica at seq %" PRIu64,
                        rec->seq, seq);
    r->seq = seq;
    r->ms = ms;
    r->stats.records++;
    r->stats.bytes += rec->len;
    r->stats.last_seq = seq;
    r->stats.last_ms = ms;
    return ERR_OK;
}

enum err
replay_close(struct replay *r, bool keep, struct replay_stats *stats)
{
    if (!r)
        return ERR_OK;
    enum err rc = replica_close(r->rep, keep);
    if (stats)
        *stats = r->stats;
    free(r);
    return rc;
}

/* Check the limit against the base before reading anything. */
static enum err
check_base(const struct replay *r, const struct replay_limit *lim)
{
    if (lim && lim->until_seq && lim->until_seq < r->seq)
        return err_fail(ERR_REPLAY_BASE,
                        "the snapshot is at seq %" PRIu64
                        ", after the seq asked (%" PRIu64 ")",
                        r->seq, lim->until_seq);
    if (lim && lim->until_ms && lim->until_ms < r->ms)
        return err_fail(ERR_REPLAY_BASE,
                        "the snapshot is newer than the time asked");
    return ERR_OK;
}

enum err
replay_journal(const char *path, const char *journal_dir,
               const struct replay_limit *lim, struct replay_stats *stats)
{
    struct replay *r;
    struct journal_reader *jr = NULL;
    enum err rc = replay_open(path, &r);
    if (rc)
        return rc;
    if (!(rc = check_base(r, lim)))
        rc = journal_reader_open(journal_dir, r->seq, &jr);
    struct journal_record rec;
    bool have;
    while (!rc && !(rc = journal_reader_next(jr, &rec, &have)) && have) {
        if (!replay_wants(lim, &rec)) {
            r->stats.limit_reached = true;
            break;
        }
        rc = replay_apply(r, &rec);
    }
    journal_reader_close(jr);
    if (!rc && lim && lim->until_seq && r->seq < lim->until_seq)
        rc = err_fail(ERR_JOURNAL_GAP,
                      "the journal ends at seq %" PRIu64
                      ", before the seq asked (%" PRIu64 ")",
                      r->seq, lim->until_seq);
    enum err crc = replay_close(r, rc == ERR_OK, stats);
    return rc ? rc : crc;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

enum err
replay_parse_time(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
               &n) != 6 ||
        n != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return err_fail(ERR_INVALID,
                        "'%s' is not a time like 2026-04-01T09:30:00Z", s);
    const char *p = s + 19;
    int frac = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3)
                frac = frac * 10 + (*p - '0');
        for (; digits < 3; digits++)
            frac *= 10;
    }
    int off_min = 0;
    if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh = (p[1] - '0') * 10 + (p[2] - '0');
        int om = (p[4] - '0') * 10 + (p[5] - '0');
        off_min = (*p == '-' ? -1 : 1) * (oh * 60 + om);
    } else if (strcmp(p, "Z") != 0) {
        return err_fail(ERR_INVALID, "'%s': end the time with Z or +09:00", s);
    }
    int64_t days = days_from_civil(y, mo, d);
    *ms = ((days * 86400 + h * 3600 + mi * 60 + sec) - off_min * 60) * 1000 +
          frac;
    return ERR_OK;
}
