/*
 * metering_store.c — recording a reading (reading_record), its
 * correction and the restating of later readings: the SQL side of
 * metering.h's top comment.
 *
 * One reading is worked out in a struct rec: what was read (in), the
 * point's state on that day (route, occupant, contract), the meter, the
 * period, the point's history before it, and then the results (previous
 * reading, usage, flags). The same working-out serves a new reading, a
 * correction (a new row that names the old one in corrects_id) and the
 * restating of the readings after a back-dated or corrected one, so
 * usage always follows the live timeline of the point.
 *
 * Every write runs inside the caller's transaction; nothing here audits.
 */
#include "core/timeutil.h"
#include "customers/customers.h"
#include "metering/metering.h"
#include "metering/metering_int.h"
#include "metering/remote_api.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESTATE_MAX 32 /* readings re-worked after one change */

/* One reading being worked out. */
struct rec {
    int64_t point, index, self_id; /* self_id: INT64_MAX for a new row */
    char read_on[11];
    const char *kind, *source;
    /* the point on read_on */
    char route[96];
    bool has_route, occupied, contract_active, point_inactive;
    /* the meter */
    int64_t meter_id, digits, capacity_dl_h;
    /* the period (id 0: none) */
    int64_t period_id;
    char period_status[8], starts_on[11], ends_on[11];
    /* results */
    int64_t previous_id, usage_l;
    bool has_usage;
    unsigned flags;
};

static const char *const kinds[] = {"regular", "move_in", "move_out", "extra",
                                    NULL};
static const char *const sources[] = {"field",  "office",    "import",
                                      "remote", "estimated", NULL};

static bool
listed(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

/* ---------------------------------------------------------------------- */
/* Shared helpers                                                         */
/* ---------------------------------------------------------------------- */

enum err
metering_scalar(struct stmt *s, enum err rc, int64_t *v)
{
    bool row = false;
    *v = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *v = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

void
metering_copy(char *out, size_t cap, const char *text)
{
    snprintf(out, cap, "%s", text ? text : "");
}

int
metering_month_of(const char *date)
{
    return (date[5] - '0') * 10 + (date[6] - '0');
}

void
metering_month_add(const char *month, int n, char out[11])
{
    int y = (int)strtol(month, NULL, 10);
    int m = metering_month_of(month) - 1 + n;
    y += m >= 0 ? m / 12 : -((11 - m) / 12);
    m = ((m % 12) + 12) % 12;
    snprintf(out, 11, "%04u-%02u-01", (unsigned)y % 10000u,
             (unsigned)(m + 1) % 100u);
}

static json_t *
opt_int(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col));
}

json_t *
reading_row_json(struct stmt *s)
{
    char idx[24], m3[32];
    equipment_tenths_format(stmt_int(s, 6), idx);
    metering_m3_format(stmt_int(s, 7), m3);
    json_t *flags = NULL;
    const char *ft = stmt_text(s, 11);
    if (ft)
        json_parse(ft, strlen(ft), &flags);
    return json_pack(
        "{s:I, s:I, s:I, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:o,"
        " s:o, s:s?, s:s, s:I, s:s, s:s}",
        "id", (json_int_t)stmt_int(s, 0), "supply_point_id",
        (json_int_t)stmt_int(s, 1), "meter_id", (json_int_t)stmt_int(s, 2),
        "period_id", opt_int(s, 3), "kind", stmt_text(s, 4), "read_on",
        stmt_text(s, 5), "index", idx, "usage_l", opt_int(s, 7), "usage_m3",
        stmt_is_null(s, 7) ? json_null() : json_string(m3), "previous_id",
        opt_int(s, 8), "source", stmt_text(s, 9), "status", stmt_text(s, 10),
        "flags", json_is_array(flags) ? flags : json_array(), "corrects_id",
        opt_int(s, 12), "note", stmt_text(s, 13), "entered_by",
        stmt_text(s, 14), "version", (json_int_t)stmt_int(s, 15), "created_at",
        stmt_text(s, 16), "updated_at", stmt_text(s, 17));
}

enum err
reading_rows(struct stmt *s, enum err rc, json_t *list)
{
    bool row;
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, reading_row_json(s));
    stmt_done(s);
    return rc;
}

enum err
reading_json(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    json_t *list = json_array();
    enum err rc = store_query(
        st, &s, "SELECT " READING_COLS " FROM readings r WHERE r.id = $1", "i",
        id);
    rc = reading_rows(s, rc, list);
    if (!rc && !json_array_size(list))
        rc = err_fail(ERR_READING_NOT_FOUND, "no reading %" PRId64, id);
    *out = rc ? NULL : json_incref(json_array_get(list, 0));
    json_decref(list);
    return rc;
}

const char *
reading_outcome_name(int outcome)
{
    static const char *const names[] = {"accepted", "flagged", "duplicate",
                                        "conflict", "interval"};
    return outcome >= 0 && outcome <= READING_INTERVAL ? names[outcome]
                                                       : "error";
}

/* ---------------------------------------------------------------------- */
/* History                                                                */
/* ---------------------------------------------------------------------- */

enum err
hist_load(struct store *st, int64_t point, const char *read_on,
          int64_t before_id, struct hist *h)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s,
        "SELECT r.id, r.index_tenths, r.meter_id, r.usage_l, r.read_on,"
        " p.read_on, r.source FROM readings r"
        " LEFT JOIN readings p ON p.id = r.previous_id"
        " WHERE r.supply_point_id = $1 AND r.status != 'corrected'"
        " AND (r.read_on < $2 OR (r.read_on = $2 AND r.id < $3))"
        " ORDER BY r.read_on DESC, r.id DESC LIMIT 24",
        "iti", point, read_on, before_id);
    h->n = 0;
    while (!rc && !(rc = stmt_step(s, &row)) && row && h->n < HIST_MAX) {
        struct hist_row *x = &h->rows[h->n++];
        x->id = stmt_int(s, 0);
        x->index = stmt_int(s, 1);
        x->meter_id = stmt_int(s, 2);
        x->has_usage = !stmt_is_null(s, 3);
        x->usage_l = stmt_int(s, 3);
        metering_copy(x->read_on, sizeof(x->read_on), stmt_text(s, 4));
        metering_copy(x->prev_read_on, sizeof(x->prev_read_on),
                      stmt_text(s, 5));
        metering_copy(x->source, sizeof(x->source), stmt_text(s, 6));
    }
    stmt_done(s);
    return rc;
}

void
hist_recent(const struct hist *h, struct usage_ref *ref, int *mid_month)
{
    size_t k = 0;
    int64_t sum = 0;
    ref->usage_l = ref->days = 0;
    *mid_month = 0;
    if (!h->n)
        return;
    int64_t newest = time_date_days(h->rows[0].read_on);
    for (; k < h->n && k < 3; k++) {
        const struct hist_row *x = &h->rows[k];
        if (!x->has_usage || !x->prev_read_on[0] ||
            newest - time_date_days(x->prev_read_on) > 100)
            break;
        sum += x->usage_l;
    }
    if (!k)
        return;
    int64_t start = time_date_days(h->rows[k - 1].prev_read_on);
    char mid[11];
    ref->usage_l = sum > 0 ? sum : 0;
    ref->days = newest - start;
    time_date_from_days((newest + start) / 2, mid);
    *mid_month = metering_month_of(mid);
}

enum err
hist_last_year(struct store *st, int64_t point, const char *read_on,
               struct usage_ref *ref)
{
    struct stmt *s;
    bool row = false;
    char from[11], to[11];
    time_date_add(read_on, -380, from);
    time_date_add(read_on, -350, to);
    enum err rc =
        store_query(st, &s,
                    "SELECT r.usage_l, r.read_on, p.read_on FROM readings r"
                    " JOIN readings p ON p.id = r.previous_id"
                    " WHERE r.supply_point_id = $1 AND r.status != 'corrected'"
                    " AND r.kind = 'regular' AND r.usage_l IS NOT NULL"
                    " AND r.read_on BETWEEN $2 AND $3"
                    " ORDER BY r.read_on DESC, r.id DESC LIMIT 1",
                    "itt", point, from, to);
    ref->usage_l = ref->days = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        ref->usage_l = stmt_int(s, 0);
        ref->days =
            time_date_days(stmt_text(s, 1)) - time_date_days(stmt_text(s, 2));
    }
    stmt_done(s);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* What the reading is about: point, meter, period                        */
/* ---------------------------------------------------------------------- */

/* The point's route and, on read_on, its occupant and contract. */
static enum err
load_point(struct store *st, struct rec *x)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s,
        "SELECT sp.route,"
        " (SELECT c.status FROM occupancy o"
        "  JOIN customers c ON c.id = o.customer_id"
        "  WHERE o.supply_point_id = sp.id AND o.moved_in <= $2"
        "  AND (o.moved_out IS NULL OR o.moved_out > $2)"
        "  ORDER BY o.moved_in DESC LIMIT 1),"
        " (SELECT COUNT(*) FROM contracts k WHERE k.supply_point_id = sp.id"
        "  AND k.start_date <= $2"
        "  AND (k.end_date IS NULL OR k.end_date >= $2))"
        " FROM supply_points sp WHERE sp.id = $1",
        "it", x->point, x->read_on);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        const char *status = stmt_text(s, 1);
        x->has_route = stmt_text(s, 0) != NULL;
        metering_copy(x->route, sizeof(x->route), stmt_text(s, 0));
        x->occupied = status != NULL;
        x->point_inactive = !status || strcmp(status, "active");
        x->contract_active = !x->point_inactive && stmt_int(s, 2) > 0;
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_SUPPLY_POINT_NOT_FOUND,
                      "供給地点 %" PRId64 " が見つかりません", x->point);
    return rc;
}

/* 号数 "2.5" → 25 (tenths of m³/h); 0 when unknown. */
static int64_t
capacity_tenths(const char *c)
{
    char *end;
    if (!c)
        return 0;
    long whole = strtol(c, &end, 10);
    long tenth = *end == '.' ? end[1] - '0' : 0;
    return whole * 10 + (tenth >= 0 && tenth <= 9 ? tenth : 0);
}

/* Fill the meter columns from s (id, digits, capacity). */
static enum err
meter_from(struct stmt *s, enum err rc, struct rec *x)
{
    bool row = false;
    x->meter_id = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        x->meter_id = stmt_int(s, 0);
        x->digits = stmt_int(s, 1);
        x->capacity_dl_h = capacity_tenths(stmt_text(s, 2));
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_READING_NO_METER,
                      "%s に設置されていたメーターがありません", x->read_on);
    return rc;
}

/* The meter installed at the point on read_on (the new one on the day of
 * an exchange). */
static enum err
load_meter(struct store *st, struct rec *x)
{
    struct stmt *s;
    enum err rc = store_query(
        st, &s,
        "SELECT id, digits, capacity FROM meters WHERE supply_point_id = $1"
        " AND install_date <= $2"
        " AND (removed_date IS NULL OR removed_date > $2)"
        " ORDER BY install_date DESC, id DESC LIMIT 1",
        "it", x->point, x->read_on);
    return meter_from(s, rc, x);
}

static enum err
load_meter_id(struct store *st, struct rec *x, int64_t id)
{
    struct stmt *s;
    enum err rc = store_query(
        st, &s, "SELECT id, digits, capacity FROM meters WHERE id = $1", "i",
        id);
    return meter_from(s, rc, x);
}

/* Copy a period row (id, status, starts_on, ends_on) from s. */
static enum err
period_from(struct stmt *s, enum err rc, struct rec *x)
{
    bool row = false;
    x->period_id = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        x->period_id = stmt_int(s, 0);
        metering_copy(x->period_status, sizeof(x->period_status),
                      stmt_text(s, 1));
        metering_copy(x->starts_on, sizeof(x->starts_on), stmt_text(s, 2));
        metering_copy(x->ends_on, sizeof(x->ends_on), stmt_text(s, 3));
    }
    stmt_done(s);
    return rc;
}

static enum err
load_period_id(struct store *st, struct rec *x, int64_t id)
{
    struct stmt *s;
    if (!id) {
        x->period_id = 0;
        return ERR_OK;
    }
    enum err rc = store_query(st, &s,
                              "SELECT id, status, starts_on, ends_on"
                              " FROM reading_periods WHERE id = $1",
                              "i", id);
    return period_from(s, rc, x);
}

/* The route's period holding read_on in its window or month: an open one
 * first. A regular reading needs an open one; others join it if any. */
static enum err
load_period(struct store *st, struct rec *x)
{
    struct stmt *s;
    char month[8];
    bool regular = !strcmp(x->kind, "regular");
    snprintf(month, sizeof(month), "%.7s", x->read_on);
    x->period_id = 0;
    if (!x->has_route)
        return regular
                   ? err_fail(ERR_PERIOD_NOT_FOUND,
                              "この供給地点には検針順路が設定されていません")
                   : ERR_OK;
    enum err rc = store_query(
        st, &s,
        "SELECT id, status, starts_on, ends_on FROM reading_periods"
        " WHERE route = $1 AND (month = $2"
        " OR ($3 >= starts_on AND $3 <= ends_on))"
        " ORDER BY status = 'open' DESC,"
        " ($3 >= starts_on AND $3 <= ends_on) DESC, month DESC LIMIT 1",
        "ttt", x->route, month, x->read_on);
    if ((rc = period_from(s, rc, x)))
        return rc;
    if (x->period_id && strcmp(x->period_status, "open")) {
        x->period_id = 0;
        if (regular)
            return err_fail(ERR_PERIOD_CLOSED,
                            "順路 %s の %s の検針月は締め済みです", x->route,
                            month);
    }
    if (!x->period_id && regular)
        return err_fail(ERR_PERIOD_NOT_FOUND,
                        "順路 %s で %s を含む検針月が開始されていません",
                        x->route, x->read_on);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Working out usage and flags                                            */
/* ---------------------------------------------------------------------- */

/* The meter exchanges from the baseline's meter to x's, oldest first. */
static enum err
load_exchanges(struct store *st, const struct rec *x, const struct hist_row *b,
               struct usage_in *u)
{
    struct stmt *s;
    bool row;
    int64_t want = b->meter_id;
    enum err rc = store_query(
        st, &s,
        "SELECT x.old_meter_id, x.new_meter_id, x.old_final_index,"
        " x.new_initial_index, m.digits FROM meter_exchanges x"
        " JOIN meters m ON m.id = x.old_meter_id"
        " WHERE x.supply_point_id = $1 AND x.exchanged_on >= $2"
        " AND x.exchanged_on <= $3 ORDER BY x.exchanged_on, x.id LIMIT 8",
        "itt", x->point, b->read_on, x->read_on);
    u->n_exchanges = 0;
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (stmt_int(s, 0) != want || u->n_exchanges >= USAGE_EXCHANGES_MAX)
            continue;
        struct usage_exchange *e = &u->exchanges[u->n_exchanges++];
        e->old_final = stmt_int(s, 2);
        e->new_initial = stmt_int(s, 3);
        e->old_digits = stmt_int(s, 4);
        want = stmt_int(s, 1);
    }
    stmt_done(s);
    if (!rc && want != x->meter_id)
        rc = err_fail(ERR_READING_IMPOSSIBLE,
                      "前回の検針（%s）以降のメーター交換の記録がありません",
                      b->read_on);
    return rc;
}

/* The last real reading: past the estimates just before x (推定検針),
 * whose usage settles now. *est_l gets their sum. */
static const struct hist_row *
baseline(const struct rec *x, const struct hist *h, int64_t *est_l)
{
    size_t j = 0;
    *est_l = 0;
    if (!strcmp(x->source, "estimated"))
        return &h->rows[0];
    /* A run longer than the history loaded: its oldest row is the base. */
    while (j + 1 < h->n && !strcmp(h->rows[j].source, "estimated"))
        *est_l += h->rows[j++].usage_l;
    return &h->rows[j];
}

/* What ref predicts over days (litres); -1 without a ref. */
static int64_t
expected_over(const struct usage_ref *ref, int64_t days)
{
    return ref->days > 0 ? ref->usage_l * (days > 0 ? days : 1) / ref->days
                         : -1;
}

/* Whether index c is possible after the baseline within u's capacity. */
static bool
possible(const struct usage_in *u, int64_t c)
{
    int64_t cap = u->capacity_dl_h > 0 ? u->capacity_dl_h : 400;
    return c >= u->prev_index && c <= METER_INDEX_MAX &&
           c - u->prev_index <= cap * 24 * (u->days > 0 ? u->days : 1);
}

/* An impossible value that looks like a misplaced decimal point (×10 or
 * ÷10 would be possible, and close to the usual when that is known): say
 * which value the reader probably meant. */
static enum err
decimal_hint(enum err rc, const struct usage_in *u, int64_t expected_l)
{
    char alt[24];
    int64_t tenth = u->index / 10, tenfold = u->index * 10, a;
    if (rc != ERR_READING_IMPOSSIBLE || u->n_exchanges)
        return rc;
    if (expected_l >= 0 &&
        !reading_decimal_suspect(u->prev_index, u->index, expected_l))
        return rc;
    if (possible(u, tenth))
        a = tenth;
    else if (possible(u, tenfold))
        a = tenfold;
    else
        return rc;
    equipment_tenths_format(a, alt);
    return err_fail(
        ERR_READING_IMPOSSIBLE,
        "%s 小数点の位置が違う可能性があります（%s ではありませんか）",
        err_detail(), alt);
}

/* The checks' view of x (the references come from the history). */
static enum err
fill_checks(struct store *st, const struct rec *x, const struct hist *h,
            struct check_in *c)
{
    int mid;
    memset(c, 0, sizeof(*c));
    c->regular = !strcmp(x->kind, "regular");
    c->contract_active = x->contract_active;
    c->point_inactive = x->point_inactive;
    c->date_outside = c->regular && x->period_id &&
                      (strcmp(x->read_on, x->starts_on) < 0 ||
                       strcmp(x->read_on, x->ends_on) > 0);
    c->index = x->index;
    hist_recent(h, &c->recent, &mid);
    return hist_last_year(st, x->point, x->read_on, &c->last_year);
}

/* Usage since the baseline and the flags, into x. */
static enum err
work_out(struct store *st, struct rec *x, const struct metering_thresholds *t)
{
    struct hist h;
    struct check_in c;
    struct usage_in u = {0};
    struct usage_out uo;
    int64_t est;
    enum err rc = hist_load(st, x->point, x->read_on, x->self_id, &h);
    if (!rc)
        rc = fill_checks(st, x, &h, &c);
    x->has_usage = false;
    x->previous_id = h.n ? h.rows[0].id : 0;
    if (rc || !h.n) {
        x->flags = rc ? 0 : (c.date_outside ? FLAG_DATE_OUTSIDE : 0);
        return rc;
    }
    const struct hist_row *b = baseline(x, &h, &est);
    u.prev_index = b->index;
    u.index = x->index;
    u.digits = x->digits;
    u.capacity_dl_h = x->capacity_dl_h;
    u.days = time_date_days(x->read_on) - time_date_days(b->read_on);
    u.estimated_l = est;
    if (b->meter_id != x->meter_id)
        rc = load_exchanges(st, x, b, &u);
    if (!rc)
        rc = reading_usage(&u, &uo);
    c.days = u.days;
    if (rc)
        return decimal_hint(rc, &u, expected_over(&c.recent, u.days));
    x->has_usage = true;
    x->usage_l = uo.usage_l;
    c.usage_l = uo.usage_l + est; /* the gas actually used since */
    c.prev_index = b->index;
    c.has_prev = !u.n_exchanges;
    x->flags = strcmp(x->source, "estimated") ? reading_checks(&c, t) : 0;
    x->flags |=
        (uo.rollover ? FLAG_ROLLOVER : 0u) | (uo.exchange ? FLAG_EXCHANGE : 0u);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Storing                                                                */
/* ---------------------------------------------------------------------- */

static const char *
status_of(unsigned flags)
{
    return flags & FLAGS_REVIEW ? "flagged" : "accepted";
}

static enum err
insert_row(struct store *st, const struct rec *x, int64_t corrects,
           const char *note, const char *actor, int64_t *id)
{
    struct stmt *s;
    char now[32], flags[128];
    time_now_iso(now);
    reading_flags_text(x->flags, flags, sizeof(flags));
    enum err rc = store_query(
        st, &s,
        "INSERT INTO readings (supply_point_id, meter_id, period_id, kind,"
        " read_on, index_tenths, usage_l, previous_id, source, status, flags,"
        " corrects_id, note, entered_by, created_at, updated_at)"
        " VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6,"
        " CASE WHEN $7 = 1 THEN $8 END, NULLIF($9, 0), $10, $11, $12,"
        " NULLIF($13, 0), $14, $15, $16, $16) RETURNING id",
        "iiittiiiitttittt", x->point, x->meter_id, x->period_id, x->kind,
        x->read_on, x->index, (int64_t)x->has_usage, x->usage_l, x->previous_id,
        x->source, status_of(x->flags), flags, corrects, note, actor, now);
    return metering_scalar(s, rc, id);
}

static enum err
mark_corrected(struct store *st, int64_t id)
{
    char now[32];
    time_now_iso(now);
    return store_run(st,
                     "UPDATE readings SET status = 'corrected',"
                     " version = version + 1, updated_at = $1 WHERE id = $2",
                     "ti", now, id);
}

/* out from the stored reading id. */
static enum err
fill_out(struct store *st, int64_t id, int outcome, struct reading_out *out)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s, "SELECT usage_l, status, flags FROM readings WHERE id = $1",
        "i", id);
    out->id = id;
    out->outcome = outcome;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        out->usage_l = stmt_int(s, 0);
        metering_copy(out->status, sizeof(out->status), stmt_text(s, 1));
        metering_copy(out->flags, sizeof(out->flags),
                      stmt_text(s, 2) ? stmt_text(s, 2) : "[]");
    }
    stmt_done(s);
    return rc;
}

/* A second value for a reading: one open conflict row per value. */
static enum err
add_conflict(struct store *st, int64_t reading, const struct reading_in *in,
             const char *read_on, int64_t *id)
{
    struct stmt *s;
    char now[32];
    enum err rc = store_query(st, &s,
                              "SELECT id FROM reading_conflicts"
                              " WHERE reading_id = $1 AND index_tenths = $2"
                              " AND status = 'open'",
                              "ii", reading, in->index_tenths);
    if ((rc = metering_scalar(s, rc, id)) || *id)
        return rc;
    time_now_iso(now);
    rc = store_query(st, &s,
                     "INSERT INTO reading_conflicts (reading_id, index_tenths,"
                     " read_on, source, entered_by, created_at)"
                     " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                     "iitttt", reading, in->index_tenths, read_on, in->source,
                     in->actor, now);
    return metering_scalar(s, rc, id);
}

/* The live reading x would duplicate: the period's regular reading of the
 * point, or one of the same kind on the same day. */
static enum err
find_existing(struct store *st, const struct rec *x, int64_t *id,
              int64_t *index, char source[12])
{
    struct stmt *s;
    bool row = false;
    enum err rc =
        !strcmp(x->kind, "regular")
            ? store_query(st, &s,
                          "SELECT id, index_tenths, source FROM readings"
                          " WHERE supply_point_id = $1 AND +period_id = $2"
                          " AND kind = 'regular' AND status != 'corrected'",
                          "ii", x->point, x->period_id)
            : store_query(st, &s,
                          "SELECT id, index_tenths, source FROM readings"
                          " WHERE supply_point_id = $1 AND kind = $2"
                          " AND read_on = $3 AND status != 'corrected'",
                          "itt", x->point, x->kind, x->read_on);
    *id = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *id = stmt_int(s, 0);
        *index = stmt_int(s, 1);
        metering_copy(source, 12, stmt_text(s, 2));
    }
    stmt_done(s);
    return rc;
}

static enum err
check_in_fields(const struct reading_in *in)
{
    const char *kind = in->kind ? in->kind : "regular";
    if (!listed(kind, kinds) || !listed(in->source, sources) || !in->actor)
        return err_fail(ERR_INVALID, "kind または source が正しくありません");
    if (!in->read_on || !time_date_valid(in->read_on))
        return err_fail(ERR_INVALID,
                        "検針日は YYYY-MM-DD の形式で入力してください");
    if (in->index_tenths < 0 || in->index_tenths > METER_INDEX_MAX)
        return err_fail(ERR_INVALID, "指針が範囲外です");
    if (in->note && utf8_chars(in->note) > READING_NOTE_MAX)
        return err_fail(ERR_INVALID, "メモは %d 文字以内で入力してください",
                        READING_NOTE_MAX);
    return ERR_OK;
}

/* Set up x from in: point, meter and period. */
static enum err
rec_begin(struct store *st, const struct reading_in *in, struct rec *x)
{
    enum err rc = check_in_fields(in);
    memset(x, 0, sizeof(*x));
    if (rc)
        return rc;
    x->point = in->supply_point_id;
    x->index = in->index_tenths;
    x->self_id = INT64_MAX;
    x->kind = in->kind ? in->kind : "regular";
    x->source = in->source;
    metering_copy(x->read_on, sizeof(x->read_on), in->read_on);
    if (!(rc = load_point(st, x)) && !(rc = load_meter(st, x)))
        rc = load_period(st, x);
    return rc;
}

/* Work x out and store it (corrects: the row it replaces, or 0), then
 * restate what follows. */
static enum err
rec_store(struct store *st, struct rec *x, int64_t corrects, const char *note,
          const char *actor, int64_t *id)
{
    struct metering_thresholds t;
    enum err rc = metering_thresholds_get(st, &t);
    if (!rc)
        rc = work_out(st, x, &t);
    if (!rc)
        rc = insert_row(st, x, corrects, note, actor, id);
    if (!rc)
        rc = reading_restate(st, x->point, x->read_on, *id, x->read_on, *id);
    return rc;
}

/* Whether a new reading x of in replaces the period's reading whose
 * source is have: a real reading replaces an estimate; a person's reading
 * replaces a remote one unless the remote meter's interval reading of the
 * same day says otherwise (then both values stand: a conflict). */
static enum err
replaceable(struct store *st, const struct rec *x, const char *have,
            const struct reading_in *in, bool *replaces)
{
    bool by_hand =
        strcmp(in->source, "estimated") && strcmp(in->source, "remote");
    int64_t day_index = -1;
    *replaces = !strcmp(have, "estimated") && strcmp(in->source, "estimated");
    if (*replaces || !by_hand || strcmp(have, "remote"))
        return ERR_OK;
    enum err rc = remote_interval_of(st, x->meter_id, x->read_on, &day_index);
    *replaces = !rc && (day_index < 0 || day_index == in->index_tenths);
    return rc;
}

enum err
reading_record(struct store *st, const struct reading_in *in,
               struct reading_out *out)
{
    struct rec x;
    int64_t have = 0, have_index = 0, id = 0;
    char have_source[12] = "";
    memset(out, 0, sizeof(*out));
    enum err rc = rec_begin(st, in, &x);
    if (!rc)
        rc = find_existing(st, &x, &have, &have_index, have_source);
    if (rc)
        return rc;
    if (have && have_index == in->index_tenths)
        return fill_out(st, have, READING_DUPLICATE, out);
    bool replaces = false;
    if (have && (rc = replaceable(st, &x, have_source, in, &replaces)))
        return rc;
    if (have && !replaces) {
        rc = add_conflict(st, have, in, x.read_on, &out->conflict_id);
        return rc ? rc : fill_out(st, have, READING_CONFLICT, out);
    }
    if (replaces && (rc = mark_corrected(st, have)))
        return rc;
    if ((rc = rec_store(st, &x, have, in->note, in->actor, &id)))
        return rc;
    out->id = id;
    out->usage_l = x.has_usage ? x.usage_l : 0;
    out->outcome = x.flags & FLAGS_REVIEW ? READING_FLAGGED : READING_ACCEPTED;
    metering_copy(out->status, sizeof(out->status), status_of(x.flags));
    reading_flags_text(x.flags, out->flags, sizeof(out->flags));
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Restating and correcting                                               */
/* ---------------------------------------------------------------------- */

/* A stored reading as a struct rec (point, meter and period as stored). */
static enum err
rec_load(struct store *st, int64_t id, struct rec *x, char *status, char *kind,
         char *source, int64_t *meter_id, int64_t *period_id)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s,
        "SELECT supply_point_id, read_on, index_tenths, kind, source,"
        " status, meter_id, COALESCE(period_id, 0) FROM readings"
        " WHERE id = $1",
        "i", id);
    memset(x, 0, sizeof(*x));
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        x->point = stmt_int(s, 0);
        metering_copy(x->read_on, sizeof(x->read_on), stmt_text(s, 1));
        x->index = stmt_int(s, 2);
        metering_copy(kind, 12, stmt_text(s, 3));
        metering_copy(source, 12, stmt_text(s, 4));
        metering_copy(status, 12, stmt_text(s, 5));
        *meter_id = stmt_int(s, 6);
        *period_id = stmt_int(s, 7);
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_READING_NOT_FOUND, "検針 %" PRId64 " がありません",
                      id);
    x->self_id = id;
    x->kind = kind;
    x->source = source;
    return rc;
}

/* Re-work stored reading id in place: previous, usage, flags (a confirmed
 * reading stays confirmed). *estimated: whether it is an estimate. */
static enum err
restate_one(struct store *st, int64_t id, const char *after_date,
            bool *estimated)
{
    struct rec x;
    struct metering_thresholds t;
    char status[12], kind[12], source[12], now[32], flags[128];
    int64_t meter_id, period_id;
    enum err rc =
        rec_load(st, id, &x, status, kind, source, &meter_id, &period_id);
    if (!rc && !(rc = load_point(st, &x)) &&
        !(rc = load_meter_id(st, &x, meter_id)))
        rc = load_period_id(st, &x, period_id);
    if (!rc && x.period_id && strcmp(x.period_status, "open"))
        rc = err_fail(ERR_PERIOD_CLOSED,
                      "%s 以降の検針（%s）が締め済みの検針月にあります",
                      after_date, x.read_on);
    if (!rc && !(rc = metering_thresholds_get(st, &t)))
        rc = work_out(st, &x, &t);
    if (rc)
        return rc == ERR_READING_IMPOSSIBLE
                   ? err_fail(rc, "後続の検針（%s）と矛盾します: %s", x.read_on,
                              err_detail())
                   : rc;
    *estimated = !strcmp(source, "estimated");
    time_now_iso(now);
    reading_flags_text(x.flags, flags, sizeof(flags));
    return store_run(st,
                     "UPDATE readings SET previous_id = NULLIF($1, 0),"
                     " usage_l = CASE WHEN $2 = 1 THEN $3 END, flags = $4,"
                     " status = CASE WHEN status = 'confirmed' THEN status"
                     " ELSE $5 END, updated_at = $6 WHERE id = $7",
                     "iiittti", x.previous_id, (int64_t)x.has_usage, x.usage_l,
                     flags, status_of(x.flags), now, id);
}

/* True when position (date, id) is after (until, until_id). */
static bool
after_pos(const char *date, int64_t id, const char *until, int64_t until_id)
{
    int c = strcmp(date, until);
    return c > 0 || (c == 0 && id > until_id);
}

enum err
reading_restate(struct store *st, int64_t point, const char *from,
                int64_t from_id, const char *until, int64_t until_id)
{
    char date[11];
    bool past = false, estimated = true;
    metering_copy(date, sizeof(date), from);
    for (int i = 0; i < RESTATE_MAX && (!past || estimated); i++) {
        struct stmt *s;
        bool row = false;
        int64_t id = 0;
        enum err rc = store_query(
            st, &s,
            "SELECT id, read_on FROM readings WHERE supply_point_id = $1"
            " AND status != 'corrected'"
            " AND (read_on > $2 OR (read_on = $2 AND id > $3))"
            " ORDER BY read_on, id LIMIT 1",
            "iti", point, date, from_id);
        if (!rc && !(rc = stmt_step(s, &row)) && row) {
            id = stmt_int(s, 0);
            metering_copy(date, sizeof(date), stmt_text(s, 1));
        }
        stmt_done(s);
        if (rc || !row)
            return rc;
        if ((rc = restate_one(st, id, from, &estimated)))
            return rc;
        past = past || after_pos(date, id, until, until_id);
        from_id = id;
    }
    return ERR_OK;
}

/* The note of reading id into out (cap bytes; "" when none). */
static enum err
old_note(struct store *st, int64_t id, char *out, size_t cap)
{
    struct stmt *s;
    bool row = false;
    enum err rc =
        store_query(st, &s, "SELECT note FROM readings WHERE id = $1", "i", id);
    out[0] = '\0';
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        metering_copy(out, cap, stmt_text(s, 0));
    stmt_done(s);
    return rc;
}

enum err
reading_correct_as(struct store *st, int64_t id, int64_t index_tenths,
                   const char *read_on, const char *note, const char *source,
                   const char *actor, int64_t *new_id)
{
    struct rec x;
    char status[12], kind[12], src[12], old_date[11];
    char kept[READING_NOTE_MAX * 4 + 1];
    int64_t meter_id, period_id;
    enum err rc =
        rec_load(st, id, &x, status, kind, src, &meter_id, &period_id);
    if (!rc && !note && !(rc = old_note(st, id, kept, sizeof(kept))))
        note = kept[0] ? kept : NULL;
    if (rc)
        return rc;
    if (!strcmp(status, "corrected"))
        return err_fail(ERR_CONFLICT, "この検針は既に訂正されています");
    if ((rc = load_period_id(st, &x, period_id)))
        return rc;
    if (x.period_id && strcmp(x.period_status, "open"))
        return err_fail(ERR_PERIOD_CLOSED, "この検針の検針月は締め済みです");
    if (read_on && !time_date_valid(read_on))
        return err_fail(ERR_INVALID, "検針日の形式が正しくありません");
    metering_copy(old_date, sizeof(old_date), x.read_on);
    if (read_on)
        metering_copy(x.read_on, sizeof(x.read_on), read_on);
    x.index = index_tenths;
    x.self_id = INT64_MAX;
    x.source = source;
    if ((rc = mark_corrected(st, id)) || (rc = load_point(st, &x)) ||
        (rc = load_meter(st, &x)) ||
        (rc = rec_store(st, &x, id, note, actor, new_id)))
        return rc;
    /* What followed the old position follows anew (the new row sorts
     * after the old one on the same day). */
    if (strcmp(old_date, x.read_on) < 0)
        return reading_restate(st, x.point, old_date, id, x.read_on, *new_id);
    return reading_restate(st, x.point, x.read_on, *new_id, old_date, id);
}

enum err
reading_correct(struct store *st, int64_t id, int64_t index_tenths,
                const char *read_on, const char *note, const char *actor,
                int64_t *new_id)
{
    return reading_correct_as(st, id, index_tenths, read_on, note, "office",
                              actor, new_id);
}
