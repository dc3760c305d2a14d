/*
 * readings_bulk.c — many readings with reading_record()'s outcome, from
 * memory (see readings_bulk.h for what goes the fast way and what not).
 *
 * The fast way mirrors reading_record() step by step, with the data it
 * would query held in arrays sorted by supply point:
 *   point     its route (none: not fast);
 *   meter     the one installed on the day — install_date <= day <
 *             removed_date, the latest install (then id) first;
 *   period    the route's period whose month or window holds the day, an
 *             open one first, then one whose window holds it, then the
 *             latest month; it must be open;
 *   existing  no live regular reading of the point in that period;
 *   history   the point's live readings, newest first (the newest
 *             BULK_HISTORY, as hist_load loads); the new reading must
 *             come after all of them;
 *   baseline  past the estimates just before (their usage settles);
 *   exchanges those of the point dated from the baseline to the day,
 *             chained from the baseline's meter to this one;
 *   usage     reading_usage(); an error is not fast (reading_record
 *             words it, with its decimal-point hint);
 *   checks    reading_checks() with the occupant on the day (the latest
 *             move-in on or before it, not yet moved out), a contract
 *             running that day, the period's window, hist_recent() over
 *             the history and the regular reading 350–380 days before;
 *   row       the same INSERT as reading_record's.
 * Each fast reading joins its point's history, so the next one of the
 * same point (the next month of the file) follows from it.
 */
#include "metering/readings_bulk.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "customers/customers.h"
#include "metering/metering_int.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define NONE      INT32_MAX /* a date not there (no removal, no end) */
#define NOW_EVERY 1024      /* rows stamped with one time_now_iso() */
#define DAYS_MEMO 8192      /* dates kept as text: 22 years */

struct bmeter {
    int64_t id, digits, capacity;
    int32_t install, removed;
};

struct bexch {
    int64_t old_id, new_id, old_final, new_initial, old_digits;
    int32_t day;
};

struct bocc {
    int32_t in, out;
    bool active; /* the customer's status is active */
};

struct bcon {
    int32_t start, end;
};

/* One live reading of a point. */
struct bread {
    int64_t id, usage_l, meter, period;
    int32_t day, prev_day, index; /* prev_day NONE: no previous */
    bool has_usage, estimated, regular;
};

struct bpoint {
    int64_t id;
    int32_t route; /* index in routes, -1 = none */
    uint32_t m0, mn, x0, xn, o0, on, c0, cn;
    struct bread *h; /* oldest first, at most BULK_HISTORY */
    uint32_t n, cap;
    bool truncated; /* older live readings exist than h holds */
    bool dirty;     /* reading_record wrote: read h again */
};

struct bperiod {
    int64_t id;
    int32_t start, end;
    char month[8];
    bool open;
};

struct broute {
    char *name;
    struct bperiod *p;
    uint32_t n, cap;
};

struct readings_bulk {
    struct store *st;
    char now[32];     /* created_at of the rows: refreshed every NOW_EVERY */
    unsigned aged;    /* rows since */
    char (*days)[11]; /* day_text's memo, from day0 */
    int32_t day0;
    struct metering_thresholds t;
    struct bpoint *pts;
    size_t npts;
    struct bmeter *meters;
    struct bexch *ex;
    struct bocc *occ;
    struct bcon *con;
    size_t nmeters, nex, nocc, ncon, capm, capx, capo, capc;
    struct broute *routes;
    size_t nroutes;
    size_t fast, slow;
};

/* ---------------------------------------------------------------------- */
/* Lookups                                                                */
/* ---------------------------------------------------------------------- */

static int32_t
day_of(const char *text)
{
    return text && time_date_valid(text) ? (int32_t)time_date_days(text) : NONE;
}

static struct bpoint *
point_find(struct readings_bulk *b, int64_t id)
{
    size_t lo = 0, hi = b->npts;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (b->pts[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < b->npts && b->pts[lo].id == id ? &b->pts[lo] : NULL;
}

static int32_t
route_find(const struct readings_bulk *b, const char *name)
{
    size_t lo = 0, hi = b->nroutes;
    if (!name)
        return -1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(b->routes[mid].name, name);
        if (!c)
            return (int32_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Grow *p (count n, capacity *cap, items of size) for one more. */
static void *
grow(void *p, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 1024;
    return xrealloc(p, *cap * size);
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                */
/* ---------------------------------------------------------------------- */

static enum err
load_routes(struct readings_bulk *b)
{
    struct stmt *s;
    bool row;
    size_t cap = 0;
    enum err rc = store_query(b->st, &s,
                              "SELECT DISTINCT route FROM supply_points"
                              " WHERE route IS NOT NULL ORDER BY route",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        b->routes = grow(b->routes, b->nroutes, &cap, sizeof(*b->routes));
        struct broute *r = &b->routes[b->nroutes++];
        memset(r, 0, sizeof(*r));
        r->name = xstrdup(stmt_text(s, 0));
    }
    stmt_done(s);
    return rc;
}

static enum err
load_periods(struct readings_bulk *b)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(b->st, &s,
                              "SELECT id, route, month, starts_on, ends_on,"
                              " status FROM reading_periods",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        int32_t k = route_find(b, stmt_text(s, 1));
        if (k < 0)
            continue;
        struct broute *r = &b->routes[k];
        size_t cap = r->cap;
        r->p = grow(r->p, r->n, &cap, sizeof(*r->p));
        r->cap = (uint32_t)cap;
        struct bperiod *p = &r->p[r->n++];
        p->id = stmt_int(s, 0);
        metering_copy(p->month, sizeof(p->month), stmt_text(s, 2));
        p->start = day_of(stmt_text(s, 3));
        p->end = day_of(stmt_text(s, 4));
        p->open = !strcmp(stmt_text(s, 5), "open");
    }
    stmt_done(s);
    return rc;
}

static enum err
load_points(struct readings_bulk *b)
{
    struct stmt *s;
    bool row;
    size_t cap = 0;
    enum err rc = store_query(
        b->st, &s, "SELECT id, route FROM supply_points ORDER BY id", "");
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        b->pts = grow(b->pts, b->npts, &cap, sizeof(*b->pts));
        struct bpoint *p = &b->pts[b->npts++];
        memset(p, 0, sizeof(*p));
        p->id = stmt_int(s, 0);
        p->route = route_find(b, stmt_text(s, 1));
    }
    stmt_done(s);
    return rc;
}

/* Which array a per-point query fills. */
enum part { P_METERS, P_EXCH, P_OCC, P_CON };

static void
add_row(struct readings_bulk *b, enum part k, struct stmt *s, struct bpoint *p)
{
    switch (k) {
    case P_METERS: {
        b->meters = grow(b->meters, b->nmeters, &b->capm, sizeof(*b->meters));
        const char *c = stmt_text(s, 5);
        b->meters[b->nmeters++] =
            (struct bmeter){stmt_int(s, 1), stmt_int(s, 4),
                            c ? (int64_t)(strtod(c, NULL) * 10 + 0.5) : 0,
                            day_of(stmt_text(s, 2)), day_of(stmt_text(s, 3))};
        p->mn++;
        break;
    }
    case P_EXCH:
        b->ex = grow(b->ex, b->nex, &b->capx, sizeof(*b->ex));
        b->ex[b->nex++] = (struct bexch){
            stmt_int(s, 1), stmt_int(s, 2), stmt_int(s, 4),
            stmt_int(s, 5), stmt_int(s, 6), day_of(stmt_text(s, 3))};
        p->xn++;
        break;
    case P_OCC:
        b->occ = grow(b->occ, b->nocc, &b->capo, sizeof(*b->occ));
        b->occ[b->nocc++] =
            (struct bocc){day_of(stmt_text(s, 1)), day_of(stmt_text(s, 2)),
                          !strcmp(stmt_text(s, 3), "active")};
        p->on++;
        break;
    case P_CON:
        b->con = grow(b->con, b->ncon, &b->capc, sizeof(*b->con));
        b->con[b->ncon++] =
            (struct bcon){day_of(stmt_text(s, 1)), day_of(stmt_text(s, 2))};
        p->cn++;
        break;
    }
}

/* Rows of one kind, sorted by point (column 0): each point's run. */
static enum err
load_part(struct readings_bulk *b, enum part k, const char *sql)
{
    struct stmt *s;
    bool row;
    struct bpoint *p = NULL;
    enum err rc = store_prepare(b->st, sql, &s);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        int64_t id = stmt_int(s, 0);
        if (!p || p->id != id) {
            if (!(p = point_find(b, id)))
                continue;
            size_t at = k == P_METERS ? b->nmeters
                        : k == P_EXCH ? b->nex
                        : k == P_OCC  ? b->nocc
                                      : b->ncon;
            *(k == P_METERS ? &p->m0
              : k == P_EXCH ? &p->x0
              : k == P_OCC  ? &p->o0
                            : &p->c0) = (uint32_t)at;
        }
        add_row(b, k, s, p);
    }
    stmt_done(s);
    return rc;
}

/* Append r to p's history, keeping the newest BULK_HISTORY. */
static void
history_push(struct bpoint *p, const struct bread *r)
{
    if (p->n == BULK_HISTORY) {
        memmove(p->h, p->h + 1, (BULK_HISTORY - 1) * sizeof(*p->h));
        p->n--;
        p->truncated = true;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        if (p->cap > BULK_HISTORY)
            p->cap = BULK_HISTORY;
        p->h = xrealloc(p->h, p->cap * sizeof(*p->h));
    }
    p->h[p->n++] = *r;
}

static void
history_row(struct stmt *s, struct bread *r)
{
    const char *kind = stmt_text(s, 8), *source = stmt_text(s, 9);
    r->id = stmt_int(s, 1);
    r->day = day_of(stmt_text(s, 2));
    r->prev_day = day_of(stmt_text(s, 3));
    r->index = (int32_t)stmt_int(s, 4);
    r->has_usage = !stmt_is_null(s, 5);
    r->usage_l = stmt_int(s, 5);
    r->meter = stmt_int(s, 6);
    r->period = stmt_int(s, 7);
    r->regular = !strcmp(kind, "regular");
    r->estimated = !strcmp(source, "estimated");
}

#define HISTORY_COLS                                                           \
    "SELECT r.supply_point_id, r.id, r.read_on, p.read_on, r.index_tenths,"    \
    " r.usage_l, r.meter_id, COALESCE(r.period_id, 0), r.kind, r.source"       \
    " FROM readings r LEFT JOIN readings p ON p.id = r.previous_id"

static enum err
load_history(struct readings_bulk *b)
{
    struct stmt *s;
    bool row;
    struct bpoint *p = NULL;
    struct bread r;
    enum err rc = store_query(b->st, &s,
                              HISTORY_COLS " WHERE r.status != 'corrected'"
                                           " ORDER BY r.supply_point_id,"
                                           " r.read_on, r.id",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if ((!p || p->id != stmt_int(s, 0)) &&
            !(p = point_find(b, stmt_int(s, 0))))
            continue;
        history_row(s, &r);
        history_push(p, &r);
    }
    stmt_done(s);
    return rc;
}

/* Read p's history again (after reading_record wrote). */
static enum err
reload(struct readings_bulk *b, struct bpoint *p)
{
    struct stmt *s;
    bool row;
    struct bread r;
    p->n = 0;
    p->truncated = p->dirty = false;
    enum err rc = store_query(b->st, &s,
                              HISTORY_COLS " WHERE r.supply_point_id = $1"
                                           " AND r.status != 'corrected'"
                                           " ORDER BY r.read_on, r.id",
                              "i", p->id);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        history_row(s, &r);
        history_push(p, &r);
    }
    stmt_done(s);
    if (rc)
        p->dirty = true;
    return rc;
}

enum err
readings_bulk_open(struct store *st, struct readings_bulk **out)
{
    struct readings_bulk *b = xcalloc(1, sizeof(*b));
    b->st = st;
    enum err rc = store_exec(st, "PRAGMA ignore_check_constraints = ON");
    if (!rc)
        rc = metering_thresholds_get(st, &b->t);
    if (!rc && !(rc = load_routes(b)) && !(rc = load_periods(b)))
        rc = load_points(b);
    if (!rc)
        rc = load_part(b, P_METERS,
                       "SELECT supply_point_id, id, install_date,"
                       " removed_date, digits, capacity FROM meters"
                       " ORDER BY supply_point_id, id");
    if (!rc)
        rc = load_part(b, P_EXCH,
                       "SELECT x.supply_point_id, x.old_meter_id,"
                       " x.new_meter_id, x.exchanged_on, x.old_final_index,"
                       " x.new_initial_index, m.digits FROM meter_exchanges x"
                       " JOIN meters m ON m.id = x.old_meter_id"
                       " ORDER BY x.supply_point_id, x.exchanged_on, x.id");
    if (!rc)
        rc = load_part(b, P_OCC,
                       "SELECT o.supply_point_id, o.moved_in, o.moved_out,"
                       " c.status FROM occupancy o"
                       " JOIN customers c ON c.id = o.customer_id"
                       " ORDER BY o.supply_point_id, o.moved_in DESC,"
                       " o.id DESC");
    if (!rc)
        rc = load_part(b, P_CON,
                       "SELECT supply_point_id, start_date, end_date"
                       " FROM contracts ORDER BY supply_point_id");
    if (!rc)
        rc = load_history(b);
    if (rc) {
        readings_bulk_free(b);
        b = NULL;
    }
    *out = b;
    return rc;
}

void
readings_bulk_free(struct readings_bulk *b)
{
    if (!b)
        return;
    store_exec(b->st, "PRAGMA ignore_check_constraints = OFF");
    for (size_t i = 0; i < b->npts; i++)
        free(b->pts[i].h);
    for (size_t i = 0; i < b->nroutes; i++) {
        free(b->routes[i].name);
        free(b->routes[i].p);
    }
    free(b->pts);
    free(b->routes);
    free(b->meters);
    free(b->ex);
    free(b->occ);
    free(b->con);
    free(b->days);
    free(b);
}

void
readings_bulk_counts(const struct readings_bulk *b, size_t *fast, size_t *slow)
{
    *fast = b->fast;
    *slow = b->slow;
}

/* ---------------------------------------------------------------------- */
/* The fast way                                                           */
/* ---------------------------------------------------------------------- */

/* What one reading is worked out from. */
struct job {
    const struct reading_in *in;
    struct bpoint *p;
    int32_t day;
    const struct bmeter *m;
    const struct bperiod *per;
    int64_t previous, usage_l;
    bool has_usage;
    unsigned flags;
};

/* The meter installed on day (the new one on an exchange day). */
static const struct bmeter *
meter_on(const struct readings_bulk *b, const struct bpoint *p, int32_t day)
{
    const struct bmeter *best = NULL;
    for (uint32_t i = p->m0; i < p->m0 + p->mn; i++) {
        const struct bmeter *m = &b->meters[i];
        if (m->install > day || (m->removed != NONE && m->removed <= day))
            continue;
        if (!best || m->install > best->install ||
            (m->install == best->install && m->id > best->id))
            best = m;
    }
    return best;
}

/* The route's period for day: open first, then one whose window holds
 * it, then the latest month. */
static const struct bperiod *
period_on(const struct readings_bulk *b, const struct bpoint *p, int32_t day,
          const char *month)
{
    const struct broute *r = &b->routes[p->route];
    const struct bperiod *best = NULL;
    int best_rank = -1;
    for (uint32_t i = 0; i < r->n; i++) {
        const struct bperiod *x = &r->p[i];
        bool in = day >= x->start && day <= x->end;
        if (!in && strcmp(x->month, month))
            continue;
        int rank = x->open * 2 + in;
        if (rank > best_rank ||
            (rank == best_rank && strcmp(x->month, best->month) > 0)) {
            best = x;
            best_rank = rank;
        }
    }
    return best;
}

/* Whether the point already has a live regular reading in the period. */
static bool
period_read(const struct bpoint *p, const struct bperiod *per)
{
    for (uint32_t i = 0; i < p->n; i++)
        if (p->h[i].regular && p->h[i].period == per->id)
            return true;
    return false;
}

/* The occupant and contract on day, as reading_record's load_point. */
static void
occupant_on(const struct readings_bulk *b, const struct bpoint *p, int32_t day,
            struct check_in *c)
{
    const struct bocc *o = NULL;
    int64_t contracts = 0;
    for (uint32_t i = p->o0; i < p->o0 + p->on && !o; i++)
        if (b->occ[i].in <= day &&
            (b->occ[i].out == NONE || b->occ[i].out > day))
            o = &b->occ[i];
    for (uint32_t i = p->c0; i < p->c0 + p->cn; i++)
        contracts += b->con[i].start <= day &&
                     (b->con[i].end == NONE || b->con[i].end >= day);
    c->point_inactive = !o || !o->active;
    c->contract_active = !c->point_inactive && contracts > 0;
}

/* "YYYY-MM-DD" of a day number, from a memo of DAYS_MEMO days around
 * the first one asked (time_date_from_days() prints; this runs several
 * times per reading). */
static void
day_text(struct readings_bulk *b, int32_t day, char out[11])
{
    if (!b->days) {
        b->days = xcalloc(DAYS_MEMO, sizeof(*b->days));
        b->day0 = day - DAYS_MEMO / 2;
    }
    int64_t k = (int64_t)day - b->day0;
    if (k < 0 || k >= DAYS_MEMO) {
        time_date_from_days(day, out);
        return;
    }
    if (!b->days[k][0])
        time_date_from_days(day, b->days[k]);
    memcpy(out, b->days[k], 11);
}

/* The newest (at most three) readings as the core's struct hist, for
 * hist_recent(), which looks at no more. */
static void
recent_of(struct readings_bulk *b, const struct bpoint *p,
          struct usage_ref *ref)
{
    struct hist h;
    int mid;
    h.n = p->n < 3 ? p->n : 3;
    for (size_t k = 0; k < h.n; k++) {
        const struct bread *r = &p->h[p->n - 1 - k];
        struct hist_row *x = &h.rows[k];
        memset(x, 0, sizeof(*x));
        x->id = r->id;
        x->index = r->index;
        x->meter_id = r->meter;
        x->usage_l = r->usage_l;
        x->has_usage = r->has_usage;
        day_text(b, r->day, x->read_on);
        if (r->prev_day != NONE)
            day_text(b, r->prev_day, x->prev_read_on);
    }
    hist_recent(&h, ref, &mid);
}

/* The regular reading 350–380 days before day (hist_last_year). */
static void
last_year_of(const struct bpoint *p, int32_t day, struct usage_ref *ref)
{
    const struct bread *best = NULL;
    ref->usage_l = ref->days = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        const struct bread *r = &p->h[i];
        if (!r->regular || !r->has_usage || r->prev_day == NONE ||
            r->day < day - 380 || r->day > day - 350)
            continue;
        if (!best || r->day > best->day ||
            (r->day == best->day && r->id > best->id))
            best = r;
    }
    if (best) {
        ref->usage_l = best->usage_l;
        ref->days = best->day - best->prev_day;
    }
}

/* The exchanges from meter from to j's meter between the two days;
 * false when they do not lead there (reading_record: impossible). */
static bool
exchanges_of(const struct readings_bulk *b, const struct job *j,
             int32_t from_day, int64_t from, struct usage_in *u)
{
    int rows = 0;
    u->n_exchanges = 0;
    for (uint32_t i = j->p->x0; i < j->p->x0 + j->p->xn && rows < 8; i++) {
        const struct bexch *x = &b->ex[i];
        if (x->day < from_day || x->day > j->day)
            continue;
        rows++;
        if (x->old_id != from || u->n_exchanges >= USAGE_EXCHANGES_MAX)
            continue;
        u->exchanges[u->n_exchanges++] = (struct usage_exchange){
            x->old_final, x->new_initial, x->old_digits};
        from = x->new_id;
    }
    return from == j->m->id;
}

/* Usage and flags of j, as reading_record's work_out; false when
 * reading_record must say what is wrong. */
static bool
work_out(struct readings_bulk *b, struct job *j)
{
    struct usage_in u = {0};
    struct usage_out uo;
    struct check_in c;
    int64_t est = 0;
    size_t k = 0;
    memset(&c, 0, sizeof(c));
    c.regular = true;
    c.date_outside = j->day < j->per->start || j->day > j->per->end;
    j->previous = j->p->n ? j->p->h[j->p->n - 1].id : 0;
    j->has_usage = false;
    if (!j->p->n) {
        j->flags = c.date_outside ? FLAG_DATE_OUTSIDE : 0;
        return true;
    }
    while (k + 1 < j->p->n && j->p->h[j->p->n - 1 - k].estimated)
        est += j->p->h[j->p->n - 1 - k++].usage_l;
    const struct bread *base = &j->p->h[j->p->n - 1 - k];
    u.prev_index = base->index;
    u.index = j->in->index_tenths;
    u.digits = j->m->digits;
    u.capacity_dl_h = j->m->capacity;
    u.days = j->day - base->day;
    u.estimated_l = est;
    if (base->meter != j->m->id &&
        !exchanges_of(b, j, base->day, base->meter, &u))
        return false;
    if (reading_usage(&u, &uo))
        return false;
    occupant_on(b, j->p, j->day, &c);
    c.index = u.index;
    recent_of(b, j->p, &c.recent);
    last_year_of(j->p, j->day, &c.last_year);
    c.days = u.days;
    c.usage_l = uo.usage_l + est;
    c.prev_index = base->index;
    c.has_prev = !u.n_exchanges;
    j->has_usage = true;
    j->usage_l = uo.usage_l;
    j->flags = reading_checks(&c, &b->t) | (uo.rollover ? FLAG_ROLLOVER : 0u) |
               (uo.exchange ? FLAG_EXCHANGE : 0u);
    return true;
}

/* Whether in is a reading the fast way takes as it is. */
static bool
plain(const struct reading_in *in)
{
    return (!in->kind || !strcmp(in->kind, "regular")) && in->source &&
           strcmp(in->source, "estimated") && in->actor && in->read_on &&
           time_date_valid(in->read_on) && in->index_tenths >= 0 &&
           in->index_tenths <= METER_INDEX_MAX &&
           (!in->note || utf8_chars(in->note) <= READING_NOTE_MAX);
}

/* Point, meter and period of j; false when it is not the plain case. */
static bool
prepare(struct readings_bulk *b, struct job *j, enum err *rc)
{
    char month[8];
    const struct reading_in *in = j->in;
    if (!plain(in) || !(j->p = point_find(b, in->supply_point_id)))
        return false;
    if (j->p->dirty && (*rc = reload(b, j->p)))
        return false;
    j->day = (int32_t)time_date_days(in->read_on);
    snprintf(month, sizeof(month), "%.7s", in->read_on);
    const struct bpoint *p = j->p;
    if (p->route < 0 || (p->n && j->day < p->h[p->n - 1].day))
        return false; /* no route (an error), or back-dated */
    if (p->truncated && p->h[0].day >= j->day - 380)
        return false; /* last year's reading may be older than h */
    if (!(j->m = meter_on(b, p, j->day)) ||
        !(j->per = period_on(b, p, j->day, month)) || !j->per->open)
        return false;
    if (p->truncated && p->h[0].day >= j->per->start)
        return false;
    return !period_read(p, j->per);
}

/* flags as JSON text (the usual "[]" without printf). */
static void
flags_text(unsigned flags, char out[128])
{
    if (flags)
        reading_flags_text(flags, out, 128);
    else
        memcpy(out, "[]", 3);
}

static enum err
insert(struct readings_bulk *b, const struct job *j, int64_t *id)
{
    char flags[128];
    if (!b->aged++ || b->aged >= NOW_EVERY) {
        time_now_iso(b->now);
        b->aged = 1;
    }
    flags_text(j->flags, flags);
    enum err rc = store_run(
        b->st,
        "INSERT INTO readings (supply_point_id, meter_id, period_id, kind,"
        " read_on, index_tenths, usage_l, previous_id, source, status, flags,"
        " note, entered_by, created_at, updated_at)"
        " VALUES ($1, $2, $3, 'regular', $4, $5,"
        " CASE WHEN $6 = 1 THEN $7 END, NULLIF($8, 0), $9, $10, $11, $12,"
        " $13, $14, $14)",
        "iiitiiiitttttt", j->p->id, j->m->id, j->per->id, j->in->read_on,
        j->in->index_tenths, (int64_t)j->has_usage, j->usage_l, j->previous,
        j->in->source, j->flags & FLAGS_REVIEW ? "flagged" : "accepted", flags,
        j->in->note, j->in->actor, b->now);
    *id = store_last_id(b->st);
    return rc;
}

/* Store j and add it to its point's history; out as reading_record's. */
static enum err
store_fast(struct readings_bulk *b, const struct job *j,
           struct reading_out *out)
{
    int64_t id;
    enum err rc = insert(b, j, &id);
    if (rc)
        return rc;
    struct bread r = {id,
                      j->usage_l,
                      j->m->id,
                      j->per->id,
                      j->day,
                      j->p->n ? j->p->h[j->p->n - 1].day : NONE,
                      (int32_t)j->in->index_tenths,
                      j->has_usage,
                      false,
                      true};
    history_push(j->p, &r);
    memset(out, 0, sizeof(*out));
    out->id = id;
    out->usage_l = j->has_usage ? j->usage_l : 0;
    bool review = j->flags & FLAGS_REVIEW;
    metering_copy(out->status, sizeof(out->status),
                  review ? "flagged" : "accepted");
    flags_text(j->flags, out->flags);
    out->outcome = review ? READING_FLAGGED : READING_ACCEPTED;
    return ERR_OK;
}

enum err
readings_bulk_record(struct readings_bulk *b, const struct reading_in *in,
                     struct reading_out *out)
{
    struct job j = {.in = in};
    enum err rc = ERR_OK;
    if (prepare(b, &j, &rc) && work_out(b, &j)) {
        b->fast++;
        return store_fast(b, &j, out);
    }
    if (rc)
        return rc;
    b->slow++;
    rc = reading_record(b->st, in, out);
    if (j.p || (j.p = point_find(b, in->supply_point_id)))
        j.p->dirty = true;
    return rc;
}
