/*
 * metering_seed.c — seed module "readings": each retailer's meter reading
 * (検針) history on top of the customers module's ledger.
 *
 * Per tenant, --months closed reading months (検針月) per route and the
 * current month open and read as far as --as-of: each route has its
 * reading day (1st–26th, spread over the routes), is read over three
 * days in route order, and its window runs from three days before to
 * five days after that day. --months 0 seeds no readings at all.
 *
 * Consumption model. Each household has a mean monthly use (5–25 m³,
 * most around 10–14; businesses 30–150 m³, bulk supplies 60–400 m³),
 * shaped by the season exactly as metering_season_percent() says (January
 * twice August, DOMAIN §4), with ±15 % noise per reading, never more
 * than 80 % of what the meter can pass (号数 × hours). A meter is a
 * counter of litres; its index is that counter in tenths of a m³,
 * truncated, modulo its register (10^digits m³). Gas is not used while a
 * point is vacant (the month before the current occupant moved in) or
 * since a suspended customer's suspension (the last 90 days).
 *
 * Events, realistic in kind and rate:
 *   - meter exchanges (メーター交換, 検定満期): a point whose meter was
 *     installed during the history had an older meter before it: that
 *     meter (removed on the install date, its final index recorded) and
 *     the meter_exchanges row are written, so the readings cross it;
 *   - rollovers: about 1 in 200 meters starts the history just below
 *     9,999.9 m³ and rolls past it;
 *   - estimated readings (推定検針): about 1 in 200 closed readings, the
 *     previous period's usage; the next real reading settles it;
 *   - anomalies: about 0.3 % of readings three times the usual use (a
 *     leak), 0.2 % with no use at all on an active contract (長期不在);
 *   - smart meters (device_id) are read remotely (source "remote").
 *
 * Every row is worked out the way reading_record() would work it out —
 * previous_id (the point's previous reading), usage_l through
 * reading_usage() from the last real reading (rollover, exchanges,
 * estimates settled), flags through reading_checks() with the same
 * references (recent months, the same month last year) and the default
 * thresholds — then written with direct SQL: the seed must make about
 * 13 million readings for the platform. Flags in closed months were
 * confirmed by the office (status confirmed); in the open month they wait
 * on the review list (flagged). tests/unit/metering/test_metering_seed.c
 * re-derives the usage of every seeded reading from the store.
 */
#include "audit/audit.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "customers/customers.h"
#include "customers/import.h"
#include "metering/metering.h"
#include "seed/seed.h"
#include "store/pool.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAST_MAX  128 /* readings of one point: months + 1, and some */
#define VACANT_D  30  /* days empty before the current occupant moved in */
#define SUSPEND_D 90  /* a suspended customer's days without gas */

/* One seeded reading of the point, as the checks see its history. */
struct past {
    int64_t id, day, prev_day, usage_l, index, meter;
    bool has_usage, has_prev, estimated;
};

struct route {
    char name[24];
    int day;          /* reading day of the month (1–26) */
    int64_t npoints;  /* houses on it */
    int64_t *periods; /* period id per month */
};

/* A supply point to read, with its installed meter and occupant. */
struct point {
    int64_t id, meter, install, initial, digits, capacity, moved_in;
    size_t route;
    int64_t order; /* 0-based position on the route */
    bool business, bulk, suspended, smart;
    char meter_kind[8];
};

struct gen {
    struct rng r;
    struct store *st;
    int64_t today;      /* --as-of, days since the epoch */
    int months;         /* closed months; month index months = current */
    int64_t *mstart;    /* first day of each month, and of the next */
    int64_t day0;       /* the day before the first month */
    int64_t *season;    /* season[k] = Σ percent of days day0+1..day0+k */
    int64_t season_avg; /* mean percent over a year ×100 */
    struct route *routes;
    size_t nroutes;
    struct point *points;
    size_t npoints;
    long long readings;
};

/* ---------------------------------------------------------------------- */
/* Drawing and calendar                                                   */
/* ---------------------------------------------------------------------- */

static bool
chance_per_mille(struct gen *g, unsigned per_mille)
{
    return rng_below(&g->r, 1000) < per_mille;
}

static int64_t
between(struct gen *g, int64_t lo, int64_t hi)
{
    return lo + (int64_t)rng_below(&g->r, (uint64_t)(hi - lo + 1));
}

static void
day_text(int64_t day, char out[11])
{
    time_date_from_days(day, out);
}

static int64_t
day_of(const char *date)
{
    return date && time_date_valid(date) ? time_date_days(date) : 0;
}

/* Month starts: months + 2 of them (the current month's end too). */
static void
calendar(struct gen *g, const char *as_of)
{
    int y = (int)strtol(as_of, NULL, 10);
    int m = (int)strtol(as_of + 5, NULL, 10) - 1 - g->months;
    g->mstart = xcalloc((size_t)g->months + 2, sizeof(int64_t));
    for (int i = 0; i < g->months + 2; i++, m++) {
        char d[11];
        int yy = y + (m >= 0 ? m / 12 : -((11 - m) / 12));
        int mm = ((m % 12) + 12) % 12;
        snprintf(d, sizeof(d), "%04d-%02d-01", yy, mm + 1);
        g->mstart[i] = time_date_days(d);
    }
    g->day0 = g->mstart[0] - 1;
}

/* Prefix sums of the season percent per day, day0+1 .. the month end. */
static void
season_table(struct gen *g)
{
    int64_t n = g->mstart[g->months + 1] - g->day0, sum = 0;
    g->season = xcalloc((size_t)n + 1, sizeof(int64_t));
    for (int64_t k = 1; k <= n; k++) {
        char d[11];
        day_text(g->day0 + k, d);
        sum += metering_season_percent((int)strtol(d + 5, NULL, 10));
        g->season[k] = sum;
    }
    for (int month = 1; month <= 12; month++)
        g->season_avg += metering_season_percent(month) * 100;
    g->season_avg /= 12;
}

/* Σ season percent over the days (a, b], clipped to the table. */
static int64_t
season_between(const struct gen *g, int64_t a, int64_t b)
{
    int64_t n = g->mstart[g->months + 1] - g->day0;
    int64_t lo = a - g->day0, hi = b - g->day0;
    lo = lo < 0 ? 0 : lo > n ? n : lo;
    hi = hi < 0 ? 0 : hi > n ? n : hi;
    return hi > lo ? g->season[hi] - g->season[lo] : 0;
}

/* ---------------------------------------------------------------------- */
/* Loading the ledger                                                     */
/* ---------------------------------------------------------------------- */

/* The route named name (added when new); its index. */
static size_t
route_index(struct gen *g, const char *name, size_t *cap)
{
    if (g->nroutes && !strcmp(g->routes[g->nroutes - 1].name, name))
        return g->nroutes - 1; /* points come in route order */
    if (g->nroutes == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        g->routes = xrealloc(g->routes, *cap * sizeof(*g->routes));
    }
    struct route *r = &g->routes[g->nroutes];
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    uint64_t h = 0xCBF29CE484222325ULL; /* FNV-1a: a day per route */
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001B3ULL;
    r->day = 1 + (int)(h % 26);
    return g->nroutes++;
}

static void
point_from(struct gen *g, struct stmt *s, struct point *p, size_t *cap)
{
    const char *cap_text = stmt_text(s, 8);
    memset(p, 0, sizeof(*p));
    p->id = stmt_int(s, 0);
    p->route = route_index(g, stmt_text(s, 1), cap);
    p->order = g->routes[p->route].npoints++;
    p->bulk = !strcmp(stmt_text(s, 2), "bulk");
    p->meter = stmt_int(s, 3);
    p->install = day_of(stmt_text(s, 4));
    p->initial = stmt_int(s, 5);
    p->digits = stmt_int(s, 6);
    snprintf(p->meter_kind, sizeof(p->meter_kind), "%s", stmt_text(s, 7));
    p->capacity = cap_text ? (int64_t)(strtod(cap_text, NULL) * 10 + 0.5) : 0;
    p->smart = !stmt_is_null(s, 9);
    p->business = stmt_text(s, 10) && !strcmp(stmt_text(s, 10), "business");
    p->suspended = stmt_text(s, 11) && !strcmp(stmt_text(s, 11), "suspended");
    p->moved_in = day_of(stmt_text(s, 12));
}

/* Every routed supply point with an installed meter, in route order. */
static enum err
load_points(struct gen *g)
{
    struct stmt *s;
    bool row;
    size_t cap = 0, rcap = 0;
    enum err rc = store_query(
        g->st, &s,
        "SELECT sp.id, sp.route, sp.supply_kind, m.id, m.install_date,"
        " m.initial_index, m.digits, m.kind, m.capacity, m.device_id,"
        " c.kind, c.status, o.moved_in FROM supply_points sp"
        " JOIN meters m ON m.supply_point_id = sp.id"
        "  AND m.removed_date IS NULL"
        " LEFT JOIN occupancy o ON o.supply_point_id = sp.id"
        "  AND o.moved_out IS NULL"
        " LEFT JOIN customers c ON c.id = o.customer_id"
        " WHERE sp.route IS NOT NULL"
        " ORDER BY sp.route, sp.route_order, sp.id",
        "");
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (g->npoints == cap) {
            cap = cap ? cap * 2 : 1024;
            g->points = xrealloc(g->points, cap * sizeof(*g->points));
        }
        point_from(g, s, &g->points[g->npoints++], &rcap);
    }
    stmt_done(s);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Periods                                                                */
/* ---------------------------------------------------------------------- */

/* The reading day of route r in month i, for a point at order: the
 * route is read over three days, a third a day, in route order. */
static int64_t
read_day(const struct gen *g, const struct route *r, int i, int64_t order)
{
    return g->mstart[i] + r->day - 1 + order * 3 / r->npoints;
}

static enum err
put_period(struct gen *g, struct route *r, int i)
{
    char month[8], from[11], to[11], opened[32], closed[32], day[11],
        reading[11];
    int64_t d = g->mstart[i] + r->day - 1;
    int64_t start = d - 3 < g->mstart[i] ? g->mstart[i] : d - 3;
    int64_t end = d + 5 >= g->mstart[i + 1] ? g->mstart[i + 1] - 1 : d + 5;
    bool open = i == g->months;
    day_text(g->mstart[i], day);
    snprintf(month, sizeof(month), "%.7s", day);
    day_text(start, from);
    day_text(end, to);
    day_text(d, reading);
    snprintf(opened, sizeof(opened), "%sT00:00:00.000Z", from);
    day_text(end + 12, day);
    snprintf(closed, sizeof(closed), "%sT09:00:00.000Z", day);
    enum err rc = store_run(
        g->st,
        "INSERT INTO reading_periods (route, month, starts_on, ends_on,"
        " reading_on, status, opened_at, opened_by, closed_at, closed_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, 'seed', $8, $9)",
        "ttttttttt", r->name, month, from, to, reading,
        open ? "open" : "closed", opened, open ? NULL : closed,
        open ? NULL : "seed");
    r->periods[i] = store_last_id(g->st);
    return rc;
}

static enum err
put_periods(struct gen *g)
{
    enum err rc = ERR_OK;
    for (size_t k = 0; !rc && k < g->nroutes; k++) {
        g->routes[k].periods = xcalloc((size_t)g->months + 1, sizeof(int64_t));
        for (int i = 0; !rc && i <= g->months; i++)
            rc = put_period(g, &g->routes[k], i);
    }
    return rc;
}

/* ---------------------------------------------------------------------- */
/* One point's history                                                    */
/* ---------------------------------------------------------------------- */

/* What a point's readings are worked out from, as they go. */
struct life {
    struct point *p;
    int64_t base_l;  /* mean monthly use, litres */
    int64_t total_l; /* the current meter's counter, litres */
    int64_t meter, digits;
    int64_t exchange; /* day of the exchange, 0 when none */
    int64_t old_meter, old_digits, old_final;
    struct past h[PAST_MAX];
    size_t n;
};

/* The household's mean monthly use in litres. */
static int64_t
base_use(struct gen *g, const struct point *p)
{
    if (p->bulk)
        return between(g, 60, 400) * 1000;
    if (p->business)
        return between(g, 30, 150) * 1000;
    int64_t u = between(g, 0, 999); /* skewed: most around 10–14 m³ */
    return 5000 + u * u / 999 * 20;
}

/* The day a suspended customer's suspension began: 90 days ago, or on
 * moving in if that was later (so it never overlaps the vacancy). */
static int64_t
suspended_since(const struct gen *g, const struct point *p)
{
    int64_t from = g->today - SUSPEND_D;
    return from > p->moved_in ? from : p->moved_in;
}

/* Days of (a, b] when gas could flow (occupied, not suspended). */
static int64_t
use_between(const struct gen *g, const struct point *p, int64_t a, int64_t b)
{
    int64_t s = season_between(g, a, b);
    int64_t v0 = p->moved_in - VACANT_D, v1 = p->moved_in - 1;
    int64_t lo = a > v0 - 1 ? a : v0 - 1, hi = b < v1 ? b : v1;
    if (hi > lo)
        s -= season_between(g, lo, hi);
    if (p->suspended) {
        int64_t from = suspended_since(g, p);
        if (b > from)
            s -= season_between(g, a > from ? a : from, b);
    }
    return s > 0 ? s : 0;
}

/* Litres used over (a, b] (season, occupancy, noise). */
static int64_t
litres(struct gen *g, const struct life *l, int64_t a, int64_t b)
{
    int64_t s = use_between(g, l->p, a, b);
    int64_t noise = between(g, 85, 115);
    return l->base_l * s / g->season_avg * 100 / 30 * noise / 100;
}

static bool
active_on(const struct gen *g, const struct point *p, int64_t day)
{
    if (day >= p->moved_in - VACANT_D && day < p->moved_in)
        return false;
    return !(p->suspended && day > suspended_since(g, p));
}

static int64_t
index_of(int64_t total_l, int64_t digits)
{
    return total_l / 100 % (meter_index_max(digits) + 1);
}

/* The older meter of an exchange: installed ten years before, removed on
 * the day the current one went in (its final index set later). */
static enum err
put_old_meter(struct gen *g, struct life *l)
{
    char installed[11], removed[11], serial[24], expiry[8], now[32];
    int64_t day = l->p->install - 3650 - between(g, 0, 200);
    day_text(day, installed);
    day_text(l->p->install, removed);
    snprintf(expiry, sizeof(expiry), "%04ld-%.2s",
             strtol(installed, NULL, 10) + 10, installed + 5);
    snprintf(serial, sizeof(serial), "%c%02d%06d", "EASP"[rng_below(&g->r, 4)],
             (int)between(g, 5, 16), (int)between(g, 0, 999999));
    snprintf(now, sizeof(now), "%sT00:00:00.000Z", installed);
    enum err rc = store_run(
        g->st,
        "INSERT INTO meters (supply_point_id, serial, maker, model, kind,"
        " capacity, digits, install_date, initial_index,"
        " certification_expiry, removed_date, created_at, updated_at)"
        " VALUES ($1, $2, '愛知時計電機', $3, $4, $5, 4, $6, $7, $8, $9,"
        " $10, $10)",
        "itttttittt", l->p->id, serial, l->p->business ? "S6" : "E4",
        l->p->business ? "S" : "E", l->p->business ? "6" : "2.5", installed,
        between(g, 0, 500), expiry, removed, now);
    l->old_meter = store_last_id(g->st);
    l->old_digits = 4;
    l->exchange = l->p->install;
    return rc;
}

/* The exchange on its day: old meter's final index, the exchange row,
 * and the counter moves to the new meter. */
static enum err
do_exchange(struct gen *g, struct life *l)
{
    char day[11], now[32];
    int64_t final = index_of(l->total_l, l->old_digits);
    l->old_final = final;
    day_text(l->exchange, day);
    snprintf(now, sizeof(now), "%sT03:00:00.000Z", day);
    enum err rc =
        store_run(g->st, "UPDATE meters SET final_index = $1 WHERE id = $2",
                  "ii", final, l->old_meter);
    if (!rc)
        rc = store_run(
            g->st,
            "INSERT INTO meter_exchanges (supply_point_id, old_meter_id,"
            " new_meter_id, exchanged_on, old_final_index,"
            " new_initial_index, reason, actor, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, '検定満期', 'seed', $7)",
            "iiitiit", l->p->id, l->old_meter, l->p->meter, day, final,
            l->p->initial, now);
    l->meter = l->p->meter;
    l->digits = l->p->digits;
    l->total_l = l->p->initial * 100;
    return rc;
}

/* The counter on the first reading day: the meter's initial index plus
 * what went through it since it was installed (or, for a few, just
 * below the register's end so it rolls over during the history). */
static void
start_counter(struct gen *g, struct life *l, int64_t first)
{
    int64_t since =
        first - (l->exchange ? l->p->install - 3650 : l->p->install);
    int64_t span = (meter_index_max(l->digits) + 1) * 100;
    l->total_l = between(g, 0, 5000) * 100 + l->base_l *
                                                 (since > 0 ? since : 0) / 30 *
                                                 between(g, 80, 120) / 100;
    l->total_l %= span;
    if (!l->exchange && chance_per_mille(g, 5))
        l->total_l = span - l->base_l * between(g, 30, 120) / 100;
}

/* ---------------------------------------------------------------------- */
/* Working out one reading (as reading_record would)                      */
/* ---------------------------------------------------------------------- */

struct one {
    int64_t day, index, usage_l;
    bool has_usage, estimated;
    unsigned flags;
    int64_t previous; /* id, 0 = none */
};

/* Recent months: up to three readings within ~100 days of the newest. */
static void
ref_recent(const struct life *l, struct usage_ref *ref)
{
    int64_t sum = 0, start = 0, newest;
    size_t k = 0;
    ref->usage_l = ref->days = 0;
    if (!l->n)
        return;
    newest = l->h[l->n - 1].day;
    for (; k < l->n && k < 3; k++) {
        const struct past *x = &l->h[l->n - 1 - k];
        if (!x->has_usage || !x->has_prev || newest - x->prev_day > 100)
            break;
        sum += x->usage_l;
        start = x->prev_day;
    }
    if (k) {
        ref->usage_l = sum > 0 ? sum : 0;
        ref->days = newest - start;
    }
}

/* The same month last year: a reading 350–380 days before day. */
static void
ref_last_year(const struct life *l, int64_t day, struct usage_ref *ref)
{
    ref->usage_l = ref->days = 0;
    for (size_t k = l->n; k-- > 0;) {
        const struct past *x = &l->h[k];
        if (x->day < day - 380)
            break;
        if (x->day <= day - 350 && x->has_usage && x->has_prev) {
            ref->usage_l = x->usage_l;
            ref->days = x->day - x->prev_day;
            return;
        }
    }
}

/* The last real reading, past the estimates just before (their usage
 * settles now) — reading_record's baseline. */
static const struct past *
base_of(const struct life *l, bool estimated, int64_t *est_l)
{
    size_t j = l->n - 1;
    *est_l = 0;
    if (estimated)
        return &l->h[j];
    while (j > 0 && l->h[j].estimated)
        *est_l += l->h[j--].usage_l;
    return &l->h[j];
}

/* Usage and flags of o against the history. */
static enum err
work_out(struct gen *g, struct life *l, struct one *o)
{
    int64_t est;
    struct usage_in u = {0};
    struct usage_out uo;
    struct check_in c = {0};
    o->previous = l->n ? l->h[l->n - 1].id : 0;
    o->has_usage = false;
    o->flags = 0;
    if (!l->n)
        return ERR_OK;
    const struct past *b = base_of(l, o->estimated, &est);
    u.prev_index = b->index;
    u.index = o->index;
    u.digits = l->digits;
    u.capacity_dl_h = l->p->capacity;
    u.days = o->day - b->day;
    u.estimated_l = est;
    if (b->meter != l->meter) {
        u.n_exchanges = 1;
        u.exchanges[0] =
            (struct usage_exchange){l->old_final, l->p->initial, l->old_digits};
    }
    enum err rc = reading_usage(&u, &uo);
    if (rc)
        return rc;
    o->has_usage = true;
    o->usage_l = uo.usage_l;
    c.regular = true;
    c.usage_l = uo.usage_l + est;
    c.days = u.days;
    ref_recent(l, &c.recent);
    ref_last_year(l, o->day, &c.last_year);
    c.contract_active = active_on(g, l->p, o->day);
    c.point_inactive = !c.contract_active;
    c.prev_index = b->index;
    c.index = o->index;
    c.has_prev = !u.n_exchanges;
    if (!o->estimated)
        o->flags = reading_checks(&c, &metering_thresholds_default);
    o->flags |=
        (uo.rollover ? FLAG_ROLLOVER : 0u) | (uo.exchange ? FLAG_EXCHANGE : 0u);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                */
/* ---------------------------------------------------------------------- */

static enum err
put_reading(struct gen *g, struct life *l, int i, const struct one *o)
{
    char day[11], flags[128], at[32];
    bool open = i == g->months;
    const char *status = !(o->flags & FLAGS_REVIEW) ? "accepted"
                         : open                     ? "flagged"
                                                    : "confirmed";
    const char *source = o->estimated                             ? "estimated"
                         : l->p->smart && l->meter == l->p->meter ? "remote"
                         : chance_per_mille(g, 50)                ? "office"
                                                                  : "field";
    day_text(o->day, day);
    snprintf(at, sizeof(at), "%sT01:30:00.000Z", day);
    reading_flags_text(o->flags, flags, sizeof(flags));
    enum err rc = store_run(
        g->st,
        "INSERT INTO readings (supply_point_id, meter_id, period_id, kind,"
        " read_on, index_tenths, usage_l, previous_id, source, status, flags,"
        " entered_by, created_at, updated_at) VALUES ($1, $2, $3, 'regular',"
        " $4, $5, CASE WHEN $6 = 1 THEN $7 END, NULLIF($8, 0), $9, $10, $11,"
        " 'seed', $12, $12)",
        "iiitiiiitttt", l->p->id, l->meter, g->routes[l->p->route].periods[i],
        day, o->index, (int64_t)o->has_usage, o->usage_l, o->previous, source,
        status, flags, at);
    if (rc)
        return rc;
    if (l->n >= PAST_MAX) /* --months is at most 120: never */
        return err_fail(ERR_INTERNAL, "seed: too many readings per point");
    struct past *x = &l->h[l->n];
    *x = (struct past){
        store_last_id(g->st), o->day,   l->n ? l->h[l->n - 1].day : 0,
        o->usage_l,           o->index, l->meter,
        o->has_usage,         l->n > 0, o->estimated};
    l->n++;
    g->readings++;
    return ERR_OK;
}

/* An estimate instead of this reading (推定検針): the last usage again,
 * in whole 0.1 m³. Only in closed months, never next to another estimate,
 * and not on points with an exchange or a register about to roll. */
static bool
estimate(struct gen *g, struct life *l, int i, struct one *o)
{
    const struct past *last = l->n ? &l->h[l->n - 1] : NULL;
    if (i >= g->months || l->n < 2 || l->exchange || !last->has_usage ||
        last->estimated || last->usage_l <= 0 || !chance_per_mille(g, 5))
        return false;
    int64_t index = last->index + last->usage_l / 100;
    if (index > meter_index_max(l->digits))
        return false;
    o->index = index;
    o->estimated = true;
    return true;
}

/* The gas of (prev, day]: through an exchange, or with an anomaly. */
static enum err
consume(struct gen *g, struct life *l, int64_t prev, int64_t day)
{
    enum err rc = ERR_OK;
    if (l->exchange && l->meter != l->p->meter && day >= l->exchange) {
        l->total_l += litres(g, l, prev, l->exchange);
        rc = do_exchange(g, l);
        l->total_l += litres(g, l, l->exchange, day);
        return rc;
    }
    int64_t used = litres(g, l, prev, day);
    int64_t cap = l->p->capacity > 0 ? l->p->capacity : 400;
    if (l->n >= 3 && chance_per_mille(g, 3))
        used *= 3; /* a leak, or a new appliance: 要確認 */
    else if (l->n >= 3 && active_on(g, l->p, day) && chance_per_mille(g, 2))
        used = 0; /* nobody home all month */
    /* never more than the meter can pass (号数 × hours; 80 % of it) */
    if (used > cap * 100 * 24 * (day - prev) * 8 / 10)
        used = cap * 100 * 24 * (day - prev) * 8 / 10;
    l->total_l += used;
    return rc;
}

/* The reading of month i on day (the previous one on prev). */
static enum err
read_month(struct gen *g, struct life *l, int i, int64_t prev, int64_t day)
{
    struct one o = {.day = day};
    enum err rc = l->n ? consume(g, l, prev, day) : ERR_OK;
    if (!rc && !estimate(g, l, i, &o))
        o.index = index_of(l->total_l, l->digits);
    if (!rc)
        rc = work_out(g, l, &o);
    return rc ? rc : put_reading(g, l, i, &o);
}

static enum err
point_history(struct gen *g, struct life *l, struct point *p)
{
    const struct route *r = &g->routes[p->route];
    int64_t first = read_day(g, r, 0, p->order), prev = first;
    enum err rc = ERR_OK;
    memset(l, 0, sizeof(*l));
    l->p = p;
    l->base_l = base_use(g, p);
    l->meter = p->meter;
    l->digits = p->digits;
    if (p->install > first) {
        rc = put_old_meter(g, l);
        l->meter = l->old_meter;
        l->digits = l->old_digits;
    }
    start_counter(g, l, first);
    for (int i = 0; !rc && i <= g->months; i++) {
        int64_t day = read_day(g, r, i, p->order);
        if (day > g->today)
            break;
        rc = read_month(g, l, i, prev, day);
        prev = day;
    }
    if (!rc && l->exchange && l->meter != p->meter) {
        /* exchanged after the last reading: the next one will cross it */
        l->total_l += litres(g, l, prev, l->exchange);
        rc = do_exchange(g, l);
    }
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Tenants                                                                */
/* ---------------------------------------------------------------------- */

static enum err
audit_seed(struct gen *g)
{
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"readings\":%lld,\"periods\":%lld}",
             g->readings, (long long)g->nroutes * (g->months + 1));
    struct audit_entry e = {"seed", "reading.seed", "readings",
                            detail, NULL,           NULL};
    return audit_append(g->st, &e);
}

static void
gen_free(struct gen *g)
{
    for (size_t k = 0; k < g->nroutes; k++)
        free(g->routes[k].periods);
    free(g->routes);
    free(g->points);
    free(g->mstart);
    free(g->season);
}

/* Fill tenant index i (id) in one transaction. */
static enum err
seed_tenant(const struct seed_ctx *c, long long i, int64_t id,
            long long *readings)
{
    struct gen g = {0};
    struct life *l = xcalloc(1, sizeof(*l));
    rng_init(&g.r, c->seed, "readings", (uint64_t)i);
    g.today = time_date_days(c->as_of);
    g.months = (int)c->months;
    calendar(&g, c->as_of);
    season_table(&g);
    enum err rc = pool_tenant(id, &g.st);
    if (!rc)
        rc = import_cache_grow(g.st);
    if (!rc) /* see readings_bulk.h: every value below is an allowed one */
        rc = store_exec(g.st, "PRAGMA ignore_check_constraints = ON");
    if (!rc && !(rc = store_tx_begin(g.st))) {
        if (!(rc = load_points(&g)))
            rc = put_periods(&g);
        for (size_t k = 0; !rc && k < g.npoints; k++)
            rc = point_history(&g, l, &g.points[k]);
        if (!rc)
            rc = audit_seed(&g);
        if (!rc)
            rc = store_tx_commit(g.st);
        if (rc)
            store_tx_rollback(g.st);
    }
    if (g.st) {
        store_exec(g.st, "PRAGMA ignore_check_constraints = OFF");
        import_cache_restore(g.st);
    }
    *readings += g.readings;
    gen_free(&g);
    free(l);
    return rc;
}

enum err
metering_seed(struct seed_ctx *c)
{
    enum err rc = ERR_OK;
    long long readings = 0;
    uint64_t t0 = time_mono_ns();
    if (c->months <= 0)
        return ERR_OK; /* --months 0: no reading history */
    for (long long i = 0; !rc && i < c->ntenant_ids; i++) {
        rc = seed_tenant(c, i, c->tenant_ids[i], &readings);
        if (!c->quiet && c->ntenant_ids > 20 && (i + 1) % 100 == 0)
            fprintf(stderr, "seed: readings   %lld/%lld tenants\n", i + 1,
                    c->ntenant_ids);
    }
    double s = (double)(time_mono_ns() - t0) / 1e9;
    if (!rc && !c->quiet)
        fprintf(stderr, "seed: readings   %lld readings (%.0f/s)\n", readings,
                s > 0 ? (double)readings / s : 0.0);
    return rc;
}
