/*
 * periods_store.c — reading periods (検針月), the routes overview, the
 * route sheet (検針表), a point's reading history and estimates (推定検針):
 * the SQL behind periods_api.c and readings_api.c.
 *
 * Progress of a period counts the route's points that have a meter
 * installed: "read" (a live regular reading from the field, office,
 * import or remote), "estimated", "remaining" (neither), "flagged" (on
 * the review list) and open conflicts. A point without a meter is on the
 * sheet (the reader sees it) but not in the counts.
 *
 * The route sheet is two statements whatever the route's size: the period
 * with its counts, then one row per point with its occupant, meter, the
 * period's reading, the previous reading (the one the period's reading
 * was worked from, or the latest one) and last year's usage of the same
 * month, by correlated lookups on readings_point (supply_point_id,
 * read_on); "+r.period_id" keeps the planner on that index rather than
 * readings_period (which would scan the whole period for every point).
 */
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "customers/customers.h"
#include "metering/metering.h"
#include "metering/metering_int.h"
#include "metering/remote_api.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHEET_MAX "5000" /* points on one route: far above any real route */

bool
metering_month_valid(const char *s)
{
    if (!s || strlen(s) != 7 || s[4] != '-' || strspn(s, "0123456789") != 4 ||
        strspn(s + 5, "0123456789") != 2)
        return false;
    int y = (int)strtol(s, NULL, 10), m = metering_month_of(s);
    return y >= 1900 && y <= 2999 && m >= 1 && m <= 12;
}

bool
metering_route_valid(const char *s)
{
    size_t n = s ? utf8_chars(s) : SIZE_MAX;
    if (n == 0 || n > 20 || n == SIZE_MAX)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

void
metering_address(struct stmt *s, int col, char *out, size_t cap)
{
    const char *b = stmt_text(s, col + 3), *room = stmt_text(s, col + 4);
    snprintf(out, cap, "%s%s%s%s%s%s%s",
             stmt_text(s, col) ? stmt_text(s, col) : "",
             stmt_text(s, col + 1) ? stmt_text(s, col + 1) : "",
             stmt_text(s, col + 2) ? stmt_text(s, col + 2) : "", b ? " " : "",
             b ? b : "", room ? " " : "", room ? room : "");
}

/* ---------------------------------------------------------------------- */
/* Periods                                                                */
/* ---------------------------------------------------------------------- */

#define PERIOD_SELECT                                                          \
    "SELECT p.id, p.route, p.month, p.starts_on, p.ends_on, p.status,"         \
    " p.opened_at, p.opened_by, p.closed_at, p.closed_by,"                     \
    " (SELECT COUNT(*) FROM supply_points sp JOIN meters m"                    \
    "  ON m.supply_point_id = sp.id AND m.removed_date IS NULL"                \
    "  WHERE sp.route = p.route),"                                             \
    " (SELECT COUNT(*) FROM readings r WHERE r.period_id = p.id"               \
    "  AND r.kind = 'regular' AND r.status != 'corrected'"                     \
    "  AND r.source != 'estimated'),"                                          \
    " (SELECT COUNT(*) FROM readings r WHERE r.period_id = p.id"               \
    "  AND r.kind = 'regular' AND r.status != 'corrected'"                     \
    "  AND r.source = 'estimated'),"                                           \
    " (SELECT COUNT(*) FROM readings r WHERE r.period_id = p.id"               \
    "  AND r.status = 'flagged'),"                                             \
    " (SELECT COUNT(*) FROM reading_conflicts c JOIN readings r"               \
    "  ON r.id = c.reading_id WHERE r.period_id = p.id"                        \
    "  AND c.status = 'open'), p.reading_on"                                   \
    " FROM reading_periods p"

/* A PERIOD_SELECT row as JSON with its progress. */
static json_t *
period_row(struct stmt *s)
{
    int64_t points = stmt_int(s, 10), read = stmt_int(s, 11),
            est = stmt_int(s, 12), left = points - read - est;
    char day[11];
    period_reading_day(stmt_text(s, 15), stmt_text(s, 3), stmt_text(s, 4), day);
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:I, s:I,"
        " s:I, s:I, s:I, s:I}",
        "id", (json_int_t)stmt_int(s, 0), "route", stmt_text(s, 1), "month",
        stmt_text(s, 2), "starts_on", stmt_text(s, 3), "ends_on",
        stmt_text(s, 4), "reading_on", day, "status", stmt_text(s, 5),
        "opened_at", stmt_text(s, 6), "opened_by", stmt_text(s, 7), "closed_at",
        stmt_text(s, 8), "closed_by", stmt_text(s, 9), "points",
        (json_int_t)points, "read", (json_int_t)read, "remaining",
        (json_int_t)(left > 0 ? left : 0), "estimated", (json_int_t)est,
        "flagged", (json_int_t)stmt_int(s, 13), "conflicts",
        (json_int_t)stmt_int(s, 14));
}

/* Step s to its end into list; releases s. */
static enum err
period_rows(struct stmt *s, enum err rc, json_t *list)
{
    bool row;
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, period_row(s));
    stmt_done(s);
    return rc;
}

enum err
route_point_count(struct store *st, const char *route, int64_t *n)
{
    struct stmt *s;
    enum err rc = store_query(
        st, &s, "SELECT COUNT(*) FROM supply_points WHERE route = $1", "t",
        route);
    return metering_scalar(s, rc, n);
}

void
period_reading_day(const char *reading_on, const char *starts_on,
                   const char *ends_on, char out[11])
{
    int64_t from = time_date_days(starts_on), to = time_date_days(ends_on);
    if (reading_on && time_date_valid(reading_on))
        metering_copy(out, 11, reading_on);
    else
        time_date_from_days(from + (to - from) / 2, out);
}

enum err
period_create(struct store *st, const char *route, const char *month,
              const char *starts_on, const char *ends_on,
              const char *reading_on, const char *actor, int64_t *id,
              int64_t *remote_n)
{
    struct stmt *s;
    char now[32];
    int64_t clash;
    enum err rc = store_query(
        st, &s,
        "SELECT id FROM reading_periods WHERE route = $1"
        " AND (month = $2 OR (starts_on <= $4 AND ends_on >= $3)) LIMIT 1",
        "tttt", route, month, starts_on, ends_on);
    if ((rc = metering_scalar(s, rc, &clash)))
        return rc;
    if (clash)
        return err_fail(ERR_PERIOD_EXISTS,
                        "順路 %s には %s の検針月、または期間の重なる検針月が"
                        "あります",
                        route, month);
    time_now_iso(now);
    char day[11];
    period_reading_day(reading_on, starts_on, ends_on, day);
    rc = store_query(st, &s,
                     "INSERT INTO reading_periods (route, month, starts_on,"
                     " ends_on, reading_on, opened_at, opened_by)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                     "ttttttt", route, month, starts_on, ends_on, day, now,
                     actor);
    if ((rc = metering_scalar(s, rc, id)))
        return rc;
    int64_t filled = 0;
    rc = remote_period_fill(st, *id, &filled);
    if (remote_n)
        *remote_n = filled;
    return rc;
}

enum err
period_json(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    json_t *list = json_array();
    enum err rc =
        store_query(st, &s, PERIOD_SELECT " WHERE p.id = $1", "i", id);
    rc = period_rows(s, rc, list);
    if (!rc && !json_array_size(list))
        rc = err_fail(ERR_PERIOD_NOT_FOUND, "検針月 %" PRId64 " がありません",
                      id);
    *out = rc ? NULL : json_incref(json_array_get(list, 0));
    json_decref(list);
    return rc;
}

enum err
period_list(struct store *st, const char *route, const char *month,
            json_t **out)
{
    struct stmt *s;
    json_t *list = json_array();
    enum err rc =
        store_query(st, &s,
                    PERIOD_SELECT " WHERE ($1 IS NULL OR p.route = $1)"
                                  " AND ($2 IS NULL OR p.month = $2)"
                                  " ORDER BY p.month DESC, p.route LIMIT 500",
                    "tt", route, month);
    if ((rc = period_rows(s, rc, list))) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "periods", list);
    return ERR_OK;
}

enum err
period_close(struct store *st, int64_t id, bool force, const char *actor)
{
    json_t *p;
    char now[32];
    enum err rc = period_json(st, id, &p);
    if (rc)
        return rc;
    int64_t flagged = json_integer_value(json_object_get(p, "flagged"));
    int64_t open = json_integer_value(json_object_get(p, "conflicts"));
    bool closed =
        strcmp(json_string_value(json_object_get(p, "status")), "open");
    json_decref(p);
    if (closed)
        return err_fail(ERR_PERIOD_CLOSED, "この検針月は既に締め済みです");
    if (!force && (flagged || open))
        return err_fail(ERR_CONFLICT,
                        "要確認の検針が %" PRId64
                        " 件、確認待ちの指針が %" PRId64
                        " 件残っています。確認してから締めてください",
                        flagged, open);
    time_now_iso(now);
    return store_run(st,
                     "UPDATE reading_periods SET status = 'closed',"
                     " closed_at = $1, closed_by = $2"
                     " WHERE id = $3 AND status = 'open'",
                     "tti", now, actor, id);
}

/* ---------------------------------------------------------------------- */
/* Routes and the route sheet                                             */
/* ---------------------------------------------------------------------- */

enum err
route_list(struct store *st, const char *month, json_t **out)
{
    struct stmt *s;
    bool row;
    json_t *list = json_array();
    enum err rc = store_query(
        st, &s,
        "SELECT sp.route, p.id, p.month, p.starts_on, p.ends_on, p.status,"
        " SUM(CASE WHEN m.id IS NOT NULL THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN r.id IS NOT NULL AND r.source != 'estimated'"
        "  THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN r.source = 'estimated' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN r.status = 'flagged' THEN 1 ELSE 0 END)"
        " FROM supply_points sp"
        " LEFT JOIN meters m ON m.supply_point_id = sp.id"
        "  AND m.removed_date IS NULL"
        " LEFT JOIN reading_periods p ON p.route = sp.route AND p.month = $1"
        " LEFT JOIN readings r ON r.supply_point_id = sp.id"
        "  AND +r.period_id = p.id AND r.kind = 'regular'"
        "  AND r.status != 'corrected'"
        " WHERE sp.route IS NOT NULL"
        " GROUP BY sp.route, p.id, p.month, p.starts_on, p.ends_on, p.status"
        " ORDER BY sp.route LIMIT 1000",
        "t", month);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        int64_t n = stmt_int(s, 6), rd = stmt_int(s, 7), est = stmt_int(s, 8);
        json_t *period =
            stmt_is_null(s, 1)
                ? json_null()
                : json_pack("{s:I, s:s, s:s, s:s, s:s}", "id",
                            (json_int_t)stmt_int(s, 1), "month",
                            stmt_text(s, 2), "starts_on", stmt_text(s, 3),
                            "ends_on", stmt_text(s, 4), "status",
                            stmt_text(s, 5));
        json_array_append_new(
            list, json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:I}", "route",
                            stmt_text(s, 0), "period", period, "points",
                            (json_int_t)n, "read", (json_int_t)rd, "remaining",
                            (json_int_t)(n - rd - est > 0 ? n - rd - est : 0),
                            "estimated", (json_int_t)est, "flagged",
                            (json_int_t)stmt_int(s, 9)));
    }
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "routes", list);
    return ERR_OK;
}

/* The period of route for month (new ref) or JSON null. */
static enum err
sheet_period(struct store *st, const char *route, const char *month,
             json_t **out)
{
    struct stmt *s;
    json_t *list = json_array();
    enum err rc = store_query(
        st, &s, PERIOD_SELECT " WHERE p.route = $1 AND p.month = $2", "tt",
        route, month);
    rc = period_rows(s, rc, list);
    *out = json_array_size(list) ? json_incref(json_array_get(list, 0))
                                 : json_null();
    json_decref(list);
    return rc;
}

/* A nested object, or null when its first column is NULL. */
static json_t *
sheet_customer(struct stmt *s)
{
    if (stmt_is_null(s, 8))
        return json_null();
    return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)stmt_int(s, 8),
                     "number", stmt_text(s, 9), "name", stmt_text(s, 10),
                     "kana", stmt_text(s, 11));
}

static json_t *
sheet_meter(struct stmt *s)
{
    if (stmt_is_null(s, 12))
        return json_null();
    return json_pack("{s:I, s:s, s:I}", "id", (json_int_t)stmt_int(s, 12),
                     "serial", stmt_text(s, 13), "digits",
                     (json_int_t)stmt_int(s, 14));
}

static json_t *
sheet_reading(struct stmt *s)
{
    char idx[24], m3[32];
    json_t *flags = NULL;
    if (stmt_is_null(s, 15))
        return json_null();
    equipment_tenths_format(stmt_int(s, 16), idx);
    metering_m3_format(stmt_int(s, 18), m3);
    if (stmt_text(s, 20))
        json_parse(stmt_text(s, 20), strlen(stmt_text(s, 20)), &flags);
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:s}", "id",
                     (json_int_t)stmt_int(s, 15), "index", idx, "read_on",
                     stmt_text(s, 17), "usage_m3",
                     stmt_is_null(s, 18) ? json_null() : json_string(m3),
                     "status", stmt_text(s, 19), "flags",
                     json_is_array(flags) ? flags : json_array(), "source",
                     stmt_text(s, 21));
}

static json_t *
sheet_row(struct stmt *s)
{
    char addr[1024], prev[24], ly[32];
    metering_address(s, 2, addr, sizeof(addr));
    equipment_tenths_format(stmt_int(s, 22), prev);
    metering_m3_format(stmt_int(s, 24), ly);
    return json_pack(
        "{s:I, s:o, s:s, s:s?, s:o, s:o, s:o, s:o, s:o}", "supply_point_id",
        (json_int_t)stmt_int(s, 0), "route_order",
        stmt_is_null(s, 1) ? json_null() : json_integer(stmt_int(s, 1)),
        "address", addr, "notes", stmt_text(s, 7), "customer",
        sheet_customer(s), "meter", sheet_meter(s), "previous",
        stmt_is_null(s, 22) ? json_null()
                            : json_pack("{s:s, s:s}", "index", prev, "read_on",
                                        stmt_text(s, 23)),
        "last_year_usage_m3",
        stmt_is_null(s, 24) ? json_null() : json_string(ly), "reading",
        sheet_reading(s));
}

enum err
route_sheet(struct store *st, const char *route, const char *month,
            json_t **out)
{
    struct stmt *s = NULL;
    bool row;
    json_t *period, *points = json_array();
    char ly_from[11], ly_to[11];
    enum err rc = sheet_period(st, route, month, &period);
    int64_t pid = json_integer_value(json_object_get(period, "id"));
    metering_month_add(month, -12, ly_from);
    metering_month_add(month, -11, ly_to);
    if (!rc)
        rc = store_query(
            st, &s,
            "SELECT sp.id, sp.route_order, sp.prefecture, sp.city, sp.street,"
            " sp.building, sp.room, sp.notes, c.id, c.number, c.name, c.kana,"
            " m.id, m.serial, m.digits, r.id, r.index_tenths, r.read_on,"
            " r.usage_l, r.status, r.flags, r.source, pv.index_tenths,"
            " pv.read_on,"
            " (SELECT SUM(y.usage_l) FROM readings y"
            "  WHERE y.supply_point_id = sp.id AND y.kind = 'regular'"
            "  AND y.status != 'corrected' AND y.read_on >= $3"
            "  AND y.read_on < $4)"
            " FROM supply_points sp"
            " LEFT JOIN occupancy o ON o.supply_point_id = sp.id"
            "  AND o.moved_out IS NULL"
            " LEFT JOIN customers c ON c.id = o.customer_id"
            " LEFT JOIN meters m ON m.supply_point_id = sp.id"
            "  AND m.removed_date IS NULL"
            " LEFT JOIN readings r ON r.supply_point_id = sp.id"
            "  AND +r.period_id = $2 AND r.kind = 'regular'"
            "  AND r.status != 'corrected'"
            " LEFT JOIN readings pv ON pv.id = CASE WHEN r.id IS NOT NULL"
            "  THEN r.previous_id ELSE (SELECT z.id FROM readings z"
            "  WHERE z.supply_point_id = sp.id AND z.status != 'corrected'"
            "  ORDER BY z.read_on DESC, z.id DESC LIMIT 1) END"
            " WHERE sp.route = $1"
            " ORDER BY sp.route_order IS NULL, sp.route_order, sp.id"
            " LIMIT " SHEET_MAX,
            "titt", route, pid, ly_from, ly_to);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(points, sheet_row(s));
    stmt_done(s);
    if (rc) {
        json_decref(period);
        json_decref(points);
        return rc;
    }
    *out = json_pack("{s:o, s:s, s:o}", "period", period, "route", route,
                     "points", points);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* A point's readings                                                     */
/* ---------------------------------------------------------------------- */

enum err
point_readings(struct store *st, int64_t point, int64_t months, json_t **out)
{
    struct stmt *s;
    char today[11], month[8], from[11];
    json_t *list = json_array();
    enum err rc = equipment_point_exists(st, point);
    time_today_jst(today);
    snprintf(month, sizeof(month), "%.7s", today);
    metering_month_add(month, (int)-months, from);
    if (!rc)
        rc = store_query(st, &s,
                         "SELECT " READING_COLS " FROM readings r"
                         " WHERE r.supply_point_id = $1"
                         " AND r.status != 'corrected' AND r.read_on >= $2"
                         " ORDER BY r.read_on DESC, r.id DESC LIMIT 1000",
                         "it", point, from);
    if (!rc)
        rc = reading_rows(s, rc, list);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "readings", list);
    return ERR_OK;
}
