/*
 * remote_store.c — the SQL of remote readings (遠隔検針): which supply
 * point a monitoring device (NCU, LTE-M terminal) reads, its daily
 * interval readings, and the period's regular reading made from them.
 *
 * A device id belongs to the meter it is wired to (meters.device_id), so
 * a meter exchange moves the reading to the new meter only when the new
 * meter carries the id. The lookup uses the partial index meters_device
 * (metering migration 2).
 *
 * Interval readings (remote_intervals, metering migration 5): a smart
 * meter reports its index every day (or more often). Each report is kept
 * as the meter's reading of that day; two different values for one day
 * keep the higher (the later one: an index only goes up). They never
 * enter `readings` themselves, so usage and the checks still run from
 * one regular reading to the next.
 *
 * The regular reading (the billing one) of a remote meter is the
 * interval reading nearest the period's reading day (検針日, the
 * period's reading_on), inside the period's window; on a tie the earlier
 * day. While the period is open a nearer reading replaces it (a
 * correction of the remote reading, reading_correct_as: the old row stays
 * as history). A reading that no open period's window holds is kept as an
 * interval only; opening a period later picks the nearest one already
 * there (remote_period_fill). A person's regular reading (field, office,
 * import) is never replaced by the meter: a remote value of the same day
 * that differs from it is a conflict for the office (reading_record),
 * one of another day is an interval only.
 *
 * Everything runs inside the caller's transaction; nothing here audits.
 */
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "metering/metering.h"
#include "metering/metering_int.h"
#include "metering/remote_api.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The open period whose window holds a day (id 0: none). */
struct rperiod {
    int64_t id;
    char starts_on[11], ends_on[11], day[11]; /* day: the reading day */
};

/* The live regular reading of a point in a period (id 0: none). */
struct rregular {
    int64_t id, index;
    char read_on[11], source[12];
};

enum err
remote_point_by_device(struct store *st, const char *device_id,
                       const char *read_on, int64_t *point)
{
    struct stmt *s;
    bool row = false;
    int n = 0;
    *point = 0;
    enum err rc =
        store_query(st, &s,
                    "SELECT DISTINCT supply_point_id FROM meters"
                    " WHERE device_id = $1 AND install_date <= $2"
                    " AND (removed_date IS NULL OR removed_date >= $2) LIMIT 2",
                    "tt", device_id, read_on);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        *point = stmt_int(s, 0);
        n++;
    }
    stmt_done(s);
    if (rc)
        return rc;
    if (n == 0)
        return err_fail(ERR_READING_NO_METER,
                        "機器ID %s のメーターは %s に設置されていません",
                        device_id, read_on);
    if (n > 1)
        return err_fail(ERR_CONFLICT,
                        "機器ID %s が複数の供給地点のメーターに登録されて"
                        "います",
                        device_id);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Interval readings                                                      */
/* ---------------------------------------------------------------------- */

enum err
remote_interval_of(struct store *st, int64_t meter_id, const char *read_on,
                   int64_t *index)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT index_tenths FROM remote_intervals"
                              " WHERE meter_id = $1 AND read_on = $2",
                              "it", meter_id, read_on);
    *index = -1;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *index = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

/* The meter of point carrying the device on the day (the newest). */
static enum err
device_meter(struct store *st, const struct remote_reading *in, int64_t *id)
{
    struct stmt *s;
    enum err rc = store_query(
        st, &s,
        "SELECT id FROM meters WHERE supply_point_id = $1 AND device_id = $2"
        " AND install_date <= $3"
        " AND (removed_date IS NULL OR removed_date >= $3)"
        " ORDER BY install_date DESC, id DESC LIMIT 1",
        "itt", in->point, in->device_id, in->read_on);
    if ((rc = metering_scalar(s, rc, id)))
        return rc;
    return *id ? ERR_OK
               : err_fail(ERR_READING_NO_METER,
                          "機器ID %s のメーターは %s に設置されていません",
                          in->device_id, in->read_on);
}

/* Keep in as the meter's reading of its day. *changed: the day's value
 * is now in's index (new, or higher than the one held). */
static enum err
interval_put(struct store *st, const struct remote_reading *in, bool *changed)
{
    int64_t meter = 0, held = -1;
    char now[32];
    enum err rc = device_meter(st, in, &meter);
    if (!rc)
        rc = remote_interval_of(st, meter, in->read_on, &held);
    *changed = !rc && in->index > held;
    if (rc || !*changed)
        return rc;
    time_now_iso(now);
    if (held < 0)
        return store_run(st,
                         "INSERT INTO remote_intervals (supply_point_id,"
                         " meter_id, device_id, read_on, index_tenths,"
                         " created_at, updated_at)"
                         " VALUES ($1, $2, $3, $4, $5, $6, $6)",
                         "iittit", in->point, meter, in->device_id, in->read_on,
                         in->index, now);
    return store_run(st,
                     "UPDATE remote_intervals SET index_tenths = $1,"
                     " updated_at = $2 WHERE meter_id = $3 AND read_on = $4",
                     "itit", in->index, now, meter, in->read_on);
}

/* ---------------------------------------------------------------------- */
/* The period and its regular reading                                     */
/* ---------------------------------------------------------------------- */

/* The open period of point's route whose window holds day. */
static enum err
open_period(struct store *st, int64_t point, const char *day, struct rperiod *p)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s,
        "SELECT p.id, p.starts_on, p.ends_on, p.reading_on"
        " FROM reading_periods p JOIN supply_points sp ON sp.route = p.route"
        " WHERE sp.id = $1 AND p.status = 'open'"
        " AND p.starts_on <= $2 AND p.ends_on >= $2"
        " ORDER BY p.month DESC LIMIT 1",
        "it", point, day);
    memset(p, 0, sizeof(*p));
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        p->id = stmt_int(s, 0);
        metering_copy(p->starts_on, sizeof(p->starts_on), stmt_text(s, 1));
        metering_copy(p->ends_on, sizeof(p->ends_on), stmt_text(s, 2));
        period_reading_day(stmt_text(s, 3), p->starts_on, p->ends_on, p->day);
    }
    stmt_done(s);
    return rc;
}

static enum err
regular_of(struct store *st, int64_t point, int64_t period, struct rregular *g)
{
    struct stmt *s;
    bool row = false;
    enum err rc =
        store_query(st, &s,
                    "SELECT id, index_tenths, read_on, source FROM readings"
                    " WHERE supply_point_id = $1 AND +period_id = $2"
                    " AND kind = 'regular' AND status != 'corrected'",
                    "ii", point, period);
    memset(g, 0, sizeof(*g));
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        g->id = stmt_int(s, 0);
        g->index = stmt_int(s, 1);
        metering_copy(g->read_on, sizeof(g->read_on), stmt_text(s, 2));
        metering_copy(g->source, sizeof(g->source), stmt_text(s, 3));
    }
    stmt_done(s);
    return rc;
}

/* Whether day a is a better regular reading than day b: nearer the
 * reading day, the earlier on a tie. */
static bool
nearer(const char *a, const char *b, const char *day)
{
    int64_t d = time_date_days(day);
    int64_t da = llabs(time_date_days(a) - d),
            db = llabs(time_date_days(b) - d);
    return da < db || (da == db && strcmp(a, b) < 0);
}

/* out for stored reading id (0: none) with outcome; ACCEPTED becomes
 * FLAGGED when the row is flagged. */
static enum err
finish(struct store *st, int64_t id, int outcome, struct reading_out *out)
{
    struct stmt *s;
    bool row = false;
    memset(out, 0, sizeof(*out));
    out->id = id;
    out->outcome = outcome;
    metering_copy(out->flags, sizeof(out->flags), "[]");
    if (!id)
        return ERR_OK;
    enum err rc = store_query(
        st, &s, "SELECT usage_l, status, flags FROM readings WHERE id = $1",
        "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        out->usage_l = stmt_int(s, 0);
        metering_copy(out->status, sizeof(out->status), stmt_text(s, 1));
        metering_copy(out->flags, sizeof(out->flags),
                      stmt_text(s, 2) ? stmt_text(s, 2) : "[]");
    }
    stmt_done(s);
    if (outcome == READING_ACCEPTED && !strcmp(out->status, "flagged"))
        out->outcome = READING_FLAGGED;
    return rc;
}

/* Record in as the period's regular reading (reading_record: new, over
 * an estimate, or against a person's reading of the same day). */
static enum err
record_regular(struct store *st, const struct remote_reading *in,
               struct reading_out *out)
{
    struct reading_in r = {in->point, in->read_on, in->index, "regular",
                           "remote",  NULL,        in->actor};
    return reading_record(st, &r, out);
}

enum err
remote_reading_take(struct store *st, const struct remote_reading *in,
                    struct reading_out *out)
{
    struct rperiod p;
    struct rregular g = {0};
    bool changed = false;
    int64_t id = 0;
    memset(out, 0, sizeof(*out));
    enum err rc = interval_put(st, in, &changed);
    if (!rc)
        rc = open_period(st, in->point, in->read_on, &p);
    if (!rc && p.id)
        rc = regular_of(st, in->point, p.id, &g);
    if (rc)
        return rc;
    if (!changed)
        return finish(st, g.id, READING_DUPLICATE, out);
    if (!p.id)
        return finish(st, 0, READING_INTERVAL, out);
    if (!g.id || !strcmp(g.source, "estimated"))
        return record_regular(st, in, out);
    if (strcmp(g.source, "remote")) /* a person's reading stands */
        return strcmp(g.read_on, in->read_on)
                   ? finish(st, g.id, READING_INTERVAL, out)
                   : record_regular(st, in, out);
    if (strcmp(g.read_on, in->read_on) &&
        !nearer(in->read_on, g.read_on, p.day))
        return finish(st, g.id, READING_INTERVAL, out);
    rc = reading_correct_as(st, g.id, in->index, in->read_on, NULL, "remote",
                            in->actor, &id);
    return rc ? rc : finish(st, id, READING_ACCEPTED, out);
}

/* ---------------------------------------------------------------------- */
/* A period opened after its readings arrived                             */
/* ---------------------------------------------------------------------- */

struct pick {
    int64_t point, index;
    char read_on[11];
};

/* The best interval reading of each point of period's route inside its
 * window (points in order). Caller frees *picks. */
static enum err
fill_picks(struct store *st, int64_t period, struct pick **picks, size_t *n)
{
    struct stmt *s;
    bool row;
    size_t cap = 0;
    char from[11], to[11], day[11];
    enum err rc =
        store_query(st, &s,
                    "SELECT ri.supply_point_id, ri.read_on, ri.index_tenths,"
                    " p.starts_on, p.ends_on, p.reading_on"
                    " FROM reading_periods p"
                    " JOIN supply_points sp ON sp.route = p.route"
                    " JOIN remote_intervals ri ON ri.supply_point_id = sp.id"
                    " AND ri.read_on >= p.starts_on AND ri.read_on <= p.ends_on"
                    " WHERE p.id = $1 ORDER BY ri.supply_point_id, ri.read_on",
                    "i", period);
    *picks = NULL;
    *n = 0;
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        struct pick x = {stmt_int(s, 0), stmt_int(s, 2), ""};
        metering_copy(x.read_on, sizeof(x.read_on), stmt_text(s, 1));
        if (!*n) {
            metering_copy(from, sizeof(from), stmt_text(s, 3));
            metering_copy(to, sizeof(to), stmt_text(s, 4));
            period_reading_day(stmt_text(s, 5), from, to, day);
        }
        if (*n && (*picks)[*n - 1].point == x.point) {
            if (nearer(x.read_on, (*picks)[*n - 1].read_on, day))
                (*picks)[*n - 1] = x;
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *picks = xrealloc(*picks, cap * sizeof(**picks));
        }
        (*picks)[(*n)++] = x;
    }
    stmt_done(s);
    return rc;
}

/* Record one pick in a savepoint: a reading that does not add up (an
 * impossible usage) stays an interval, for the office to read by hand. */
static enum err
fill_one(struct store *st, const struct pick *x, int64_t *count)
{
    struct reading_out out;
    struct remote_reading in = {x->point, "", x->read_on, x->index,
                                REMOTE_ACTOR};
    enum err rc = store_exec(st, "SAVEPOINT remote_fill");
    if (rc)
        return rc;
    rc = record_regular(st, &in, &out);
    if (rc == ERR_READING_IMPOSSIBLE || rc == ERR_READING_NO_METER) {
        log_msg(LOG_WARN, "remote.fill_skipped",
                "supply point %" PRId64 " %s: %s", x->point, x->read_on,
                err_detail());
        rc = store_exec(st, "ROLLBACK TO remote_fill");
    } else if (!rc) {
        *count +=
            out.outcome == READING_ACCEPTED || out.outcome == READING_FLAGGED;
    }
    enum err rc2 = store_exec(st, "RELEASE remote_fill");
    return rc ? rc : rc2;
}

enum err
remote_period_fill(struct store *st, int64_t period, int64_t *count)
{
    struct pick *picks;
    size_t n;
    *count = 0;
    enum err rc = fill_picks(st, period, &picks, &n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = fill_one(st, &picks[i], count);
    free(picks);
    return rc;
}
