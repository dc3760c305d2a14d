/*
 * estimate_store.c — 推定検針: estimated readings for the points of a
 * period that could not be read (no access, meter hidden, absent).
 *
 * An estimate is dated the period's last day. Its usage is the point's
 * recent daily average (its last readings, up to about three months),
 * scaled by the season (usage.c: January about twice August) and by the
 * days since the last reading; without recent readings, the same month
 * last year; without that, the last reading's own usage. A point with no
 * history at all is skipped (there is nothing to estimate from). The
 * estimate is stored through reading_record as a regular reading with
 * source "estimated" and the index it implies; the next real reading
 * settles the difference (metering_store.c).
 */
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "customers/customers.h"
#include "metering/metering.h"
#include "metering/metering_int.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ESTIMATE_MAX 5000 /* points in one run */

/* The period being estimated. */
struct est_period {
    int64_t id;
    char route[96], month[8], ends_on[11];
};

static enum err
load_est_period(struct store *st, int64_t id, struct est_period *p)
{
    struct stmt *s;
    bool row = false;
    char status[8] = "";
    enum err rc = store_query(st, &s,
                              "SELECT route, month, ends_on, status"
                              " FROM reading_periods WHERE id = $1",
                              "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        metering_copy(p->route, sizeof(p->route), stmt_text(s, 0));
        metering_copy(p->month, sizeof(p->month), stmt_text(s, 1));
        metering_copy(p->ends_on, sizeof(p->ends_on), stmt_text(s, 2));
        metering_copy(status, sizeof(status), stmt_text(s, 3));
    }
    stmt_done(s);
    p->id = id;
    if (!rc && !row)
        return err_fail(ERR_PERIOD_NOT_FOUND, "検針月 %" PRId64 " がありません",
                        id);
    if (!rc && strcmp(status, "open"))
        return err_fail(ERR_PERIOD_CLOSED, "この検針月は締め済みです");
    return rc;
}

/* The period's unread points with a meter, in route order (at most n). */
static enum err
unread_points(struct store *st, const struct est_period *p, int64_t *ids,
              size_t cap, size_t *n)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s,
        "SELECT sp.id FROM supply_points sp JOIN meters m"
        " ON m.supply_point_id = sp.id AND m.removed_date IS NULL"
        " WHERE sp.route = $1 AND NOT EXISTS (SELECT 1 FROM readings r"
        "  WHERE r.supply_point_id = sp.id AND +r.period_id = $2"
        "  AND r.kind = 'regular' AND r.status != 'corrected')"
        " ORDER BY sp.route_order IS NULL, sp.route_order, sp.id",
        "ti", p->route, p->id);
    *n = 0;
    while (!rc && !(rc = stmt_step(s, &row)) && row && *n < cap)
        ids[(*n)++] = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

/* The installed meter's id, digits and initial index. */
static enum err
est_meter(struct store *st, int64_t point, int64_t *id, int64_t *digits,
          int64_t *initial)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT id, digits, initial_index FROM meters"
                              " WHERE supply_point_id = $1"
                              " AND removed_date IS NULL",
                              "i", point);
    *id = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *id = stmt_int(s, 0);
        *digits = stmt_int(s, 1);
        *initial = stmt_int(s, 2);
    }
    stmt_done(s);
    return rc;
}

/* What to estimate from: recent, last year, or the last reading. */
static enum err
est_base(struct store *st, int64_t point, const struct est_period *p,
         const struct hist *h, struct usage_ref *ref, int *month)
{
    const struct hist_row *last = &h->rows[0];
    hist_recent(h, ref, month);
    if (ref->days > 0)
        return ERR_OK;
    enum err rc = hist_last_year(st, point, p->ends_on, ref);
    *month = metering_month_of(p->month);
    if (rc || ref->days > 0)
        return rc;
    if (last->has_usage && last->prev_read_on[0]) {
        ref->usage_l = last->usage_l;
        ref->days =
            time_date_days(last->read_on) - time_date_days(last->prev_read_on);
        *month = metering_month_of(last->read_on);
    }
    return ERR_OK;
}

/* Estimate one point; *reason set (and nothing stored) when skipped. */
static enum err
estimate_point(struct store *st, const struct est_period *p, int64_t point,
               const char *actor, json_t **reading, const char **reason)
{
    struct hist h;
    struct usage_ref ref;
    struct reading_out out;
    int base_month;
    int64_t meter, digits = 4, initial = 0;
    *reading = NULL;
    *reason = NULL;
    enum err rc = hist_load(st, point, p->ends_on, INT64_MAX, &h);
    if (!rc)
        rc = est_meter(st, point, &meter, &digits, &initial);
    if (rc)
        return rc;
    if (!h.n || !meter) {
        *reason = "no_history";
        return ERR_OK;
    }
    int64_t days =
        time_date_days(p->ends_on) - time_date_days(h.rows[0].read_on);
    if (days <= 0) {
        *reason = "read_recently";
        return ERR_OK;
    }
    if ((rc = est_base(st, point, p, &h, &ref, &base_month)))
        return rc;
    if (ref.days <= 0) {
        *reason = "no_history";
        return ERR_OK;
    }
    int64_t l =
        reading_estimate_l(&ref, base_month, metering_month_of(p->month), days);
    int64_t from = h.rows[0].meter_id == meter ? h.rows[0].index : initial;
    int64_t index = (from + l / 100) % (meter_index_max(digits) + 1);
    struct reading_in in = {point,       p->ends_on, index, "regular",
                            "estimated", "推定検針", actor};
    if ((rc = reading_record(st, &in, &out)))
        return rc;
    return reading_json(st, out.id, reading);
}

/* True when ids[0..n) holds id. */
static bool
has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static bool
has_id_json(const json_t *list, int64_t id)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_integer_value(v) == id)
            return true;
    }
    return false;
}

/* Estimate each of ids that is unread (want: the ids asked for, or NULL
 * for all), appending to est and skipped. */
static enum err
estimate_each(struct store *st, const struct est_period *p, const int64_t *ids,
              size_t n, const json_t *want, const char *actor, json_t *est,
              json_t *skipped)
{
    size_t i;
    json_t *v;
    enum err rc = ERR_OK;
    json_array_foreach(want, i, v)
    {
        int64_t id = json_integer_value(v);
        if (!has_id(ids, n, id))
            json_array_append_new(
                skipped, json_pack("{s:I, s:s}", "supply_point_id",
                                   (json_int_t)id, "reason", "not_unread"));
    }
    for (i = 0; i < n && !rc; i++) {
        json_t *reading;
        const char *reason;
        if (want && !has_id_json(want, ids[i]))
            continue;
        rc = estimate_point(st, p, ids[i], actor, &reading, &reason);
        if (!rc && reading)
            json_array_append_new(est, reading);
        else if (!rc)
            json_array_append_new(
                skipped, json_pack("{s:I, s:s}", "supply_point_id",
                                   (json_int_t)ids[i], "reason", reason));
    }
    return rc;
}

enum err
period_estimate(struct store *st, int64_t period_id, const json_t *points,
                const char *actor, json_t **out)
{
    struct est_period p;
    size_t n = 0;
    int64_t *ids = xcalloc(ESTIMATE_MAX, sizeof(*ids));
    json_t *est = json_array(), *skipped = json_array();
    enum err rc = load_est_period(st, period_id, &p);
    if (!rc)
        rc = unread_points(st, &p, ids, ESTIMATE_MAX, &n);
    if (!rc)
        rc = estimate_each(st, &p, ids, n, points, actor, est, skipped);
    free(ids);
    if (rc) {
        json_decref(est);
        json_decref(skipped);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "estimated", est, "skipped", skipped);
    return ERR_OK;
}
