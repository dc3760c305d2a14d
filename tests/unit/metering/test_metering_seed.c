/*
 * test_metering_seed.c — tests src/metering/metering_seed.c through
 * seed_run(): the seeded reading history is what reading_record() would
 * have stored. For every seeded reading, its previous_id is the point's
 * previous reading and its usage_l is re-derived from the store alone —
 * the last real reading (past any estimates, whose usage settles), the
 * meter exchanges in between (meter_exchanges), the meter's register and
 * capacity — through the core's reading_usage(), and must be equal; the
 * rollover and exchange flags agree with it. Each reading's meter was the
 * installed one on its date and its period is its route's, with the date
 * in the window. The history is realistic: January's daily use about
 * twice August's, exchanges, rollovers, estimates settled by the next
 * real reading, high and zero anomalies, remote readings, the current
 * month open and partly read, closed months with nothing left flagged.
 * Finally the core itself takes the next reading of a seeded point and
 * answers a resend of a seeded reading as a duplicate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/timeutil.h"
#include "customers/customers.h"
#include "metering/metering.h"
#include "seed/seed.h"
#include "store/pool.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOUSES 600
#define AS_OF  "2026-11-19"

static char dir[64];
static struct store *st;

static int
setup(void **state)
{
    struct store *platform;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/pl-mseed-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pool_init(dir, 4), ERR_OK);
    assert_int_equal(pool_platform(&platform), ERR_OK);
    struct seed_ctx c = {
        .data_dir = dir,
        .platform = platform,
        .actor = "test",
        .seed = 7,
        .tenants = 1,
        .customers_per_tenant = HOUSES,
        .months = 14,
        .quiet = 1,
        .as_of = AS_OF,
    };
    assert_int_equal(seed_run(&c), ERR_OK);
    free(c.tenant_ids);
    assert_int_equal(pool_tenant(1, &st), ERR_OK);
    return 0;
}

static int
teardown(void **state)
{
    char cmd[128];
    (void)state;
    pool_thread_release();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static int64_t
scalar(const char *sql)
{
    struct stmt *s;
    bool row = false;
    int64_t v = -1;
    assert_int_equal(store_query(st, &s, sql, ""), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    if (row)
        v = stmt_int(s, 0);
    stmt_done(s);
    return v;
}

/* ---------------------------------------------------------------------- */
/* Re-deriving usage from the store                                       */
/* ---------------------------------------------------------------------- */

/* A reading as the re-derivation needs it. */
struct rd {
    int64_t id, point, meter, index, usage_l, previous;
    bool has_usage, estimated;
    char read_on[11], flags[128];
};

static void
rd_from(struct stmt *s, struct rd *x)
{
    memset(x, 0, sizeof(*x));
    x->id = stmt_int(s, 0);
    x->point = stmt_int(s, 1);
    x->meter = stmt_int(s, 2);
    snprintf(x->read_on, sizeof(x->read_on), "%s", stmt_text(s, 3));
    x->index = stmt_int(s, 4);
    x->has_usage = !stmt_is_null(s, 5);
    x->usage_l = stmt_int(s, 5);
    x->previous = stmt_int(s, 6);
    x->estimated = !strcmp(stmt_text(s, 7), "estimated");
    snprintf(x->flags, sizeof(x->flags), "%s",
             stmt_text(s, 8) ? stmt_text(s, 8) : "[]");
}

static void
rd_get(int64_t id, struct rd *x)
{
    struct stmt *s;
    bool row = false;
    assert_int_equal(store_query(st, &s,
                                 "SELECT id, supply_point_id, meter_id,"
                                 " read_on, index_tenths, usage_l,"
                                 " COALESCE(previous_id, 0), source, flags"
                                 " FROM readings WHERE id = $1",
                                 "i", id),
                     ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    rd_from(s, x);
    stmt_done(s);
}

/* The register digits and capacity (tenths of m³/h) of meter id. */
static void
meter_of(int64_t id, int64_t *digits, int64_t *capacity)
{
    struct stmt *s;
    bool row = false;
    assert_int_equal(store_query(st, &s,
                                 "SELECT digits, capacity FROM meters"
                                 " WHERE id = $1",
                                 "i", id),
                     ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    *digits = stmt_int(s, 0);
    const char *c = stmt_text(s, 1);
    *capacity = c ? (int64_t)(strtod(c, NULL) * 10 + 0.5) : 0;
    stmt_done(s);
}

/* The exchanges of point between two dates, chained from meter from. */
static void
exchanges(int64_t point, const char *from_day, const char *to_day, int64_t from,
          struct usage_in *u)
{
    struct stmt *s;
    bool row;
    assert_int_equal(
        store_query(st, &s,
                    "SELECT x.old_meter_id, x.new_meter_id, x.old_final_index,"
                    " x.new_initial_index, m.digits FROM meter_exchanges x"
                    " JOIN meters m ON m.id = x.old_meter_id"
                    " WHERE x.supply_point_id = $1 AND x.exchanged_on >= $2"
                    " AND x.exchanged_on <= $3 ORDER BY x.exchanged_on, x.id",
                    "itt", point, from_day, to_day),
        ERR_OK);
    while (stmt_step(s, &row) == ERR_OK && row) {
        if (stmt_int(s, 0) != from)
            continue;
        assert_true(u->n_exchanges < USAGE_EXCHANGES_MAX);
        struct usage_exchange *e = &u->exchanges[u->n_exchanges++];
        e->old_final = stmt_int(s, 2);
        e->new_initial = stmt_int(s, 3);
        e->old_digits = stmt_int(s, 4);
        from = stmt_int(s, 1);
    }
    stmt_done(s);
}

/* x's usage worked out again; true when x has a previous reading. */
static void
rederive(const struct rd *x)
{
    struct rd b;
    struct usage_in u = {0};
    struct usage_out uo;
    int64_t est = 0;
    rd_get(x->previous, &b);
    while (!x->estimated && b.estimated) { /* 推定検針: settles now */
        est += b.usage_l;
        assert_true(b.previous != 0);
        rd_get(b.previous, &b);
    }
    u.prev_index = b.index;
    u.index = x->index;
    meter_of(x->meter, &u.digits, &u.capacity_dl_h);
    u.days = time_date_days(x->read_on) - time_date_days(b.read_on);
    u.estimated_l = est;
    if (b.meter != x->meter)
        exchanges(x->point, b.read_on, x->read_on, b.meter, &u);
    assert_int_equal(reading_usage(&u, &uo), ERR_OK);
    if (uo.usage_l != x->usage_l)
        fail_msg("reading %lld: stored usage %lld L, re-derived %lld L",
                 (long long)x->id, (long long)x->usage_l,
                 (long long)uo.usage_l);
    assert_int_equal(uo.rollover, strstr(x->flags, "rollover") != NULL);
    assert_int_equal(uo.exchange, strstr(x->flags, "exchange") != NULL);
}

/* Every reading: previous_id and usage as reading_record would have
 * them. */
static void
test_usage_and_previous_rederive_from_the_store(void **state)
{
    struct stmt *s;
    bool row;
    int64_t point = 0, last = 0, checked = 0, firsts = 0;
    (void)state;
    assert_int_equal(store_query(st, &s,
                                 "SELECT id, supply_point_id, meter_id,"
                                 " read_on, index_tenths, usage_l,"
                                 " COALESCE(previous_id, 0), source, flags"
                                 " FROM readings ORDER BY supply_point_id,"
                                 " read_on, id",
                                 ""),
                     ERR_OK);
    /* rederive() needs the connection's other statements: collect first */
    size_t n = 0, cap = 4096;
    struct rd *all = malloc(cap * sizeof(*all));
    while (stmt_step(s, &row) == ERR_OK && row) {
        if (n == cap)
            all = realloc(all, (cap *= 2) * sizeof(*all));
        rd_from(s, &all[n++]);
    }
    stmt_done(s);
    for (size_t i = 0; i < n; i++) {
        const struct rd *x = &all[i];
        if (x->point != point) { /* a point's first reading */
            point = x->point;
            assert_int_equal(x->previous, 0);
            assert_false(x->has_usage);
            firsts++;
        } else {
            assert_int_equal(x->previous, last);
            assert_true(x->has_usage);
            rederive(x);
            checked++;
        }
        last = x->id;
    }
    free(all);
    assert_int_equal(firsts, HOUSES);
    assert_true(checked > HOUSES * 12);
}

/* ---------------------------------------------------------------------- */
/* Structure and realism                                                  */
/* ---------------------------------------------------------------------- */

static void
test_meters_and_periods_fit_each_reading(void **state)
{
    (void)state;
    /* the meter installed on the day (the new one on an exchange day) */
    assert_int_equal(scalar("SELECT count(*) FROM readings r"
                            " JOIN meters m ON m.id = r.meter_id"
                            " WHERE m.supply_point_id != r.supply_point_id"
                            " OR m.install_date > r.read_on"
                            " OR (m.removed_date IS NOT NULL"
                            "  AND m.removed_date <= r.read_on)"),
                     0);
    /* the route's period, read inside its window */
    assert_int_equal(scalar("SELECT count(*) FROM readings r"
                            " JOIN supply_points p ON p.id = r.supply_point_id"
                            " JOIN reading_periods q ON q.id = r.period_id"
                            " WHERE q.route != p.route"
                            " OR r.read_on NOT BETWEEN q.starts_on"
                            " AND q.ends_on"
                            " OR q.month != substr(r.read_on, 1, 7)"),
                     0);
    /* every exchange matches its meters */
    assert_true(scalar("SELECT count(*) FROM meter_exchanges") > 0);
    assert_int_equal(scalar("SELECT count(*) FROM meter_exchanges x"
                            " JOIN meters o ON o.id = x.old_meter_id"
                            " JOIN meters n ON n.id = x.new_meter_id"
                            " WHERE o.removed_date != x.exchanged_on"
                            " OR o.final_index != x.old_final_index"
                            " OR n.install_date != x.exchanged_on"
                            " OR n.initial_index != x.new_initial_index"),
                     0);
    assert_int_equal(scalar("SELECT count(*) FROM meters"
                            " WHERE removed_date IS NULL"),
                     HOUSES);
}

static void
test_current_month_open_and_partly_read_closed_months_reviewed(void **state)
{
    (void)state;
    assert_int_equal(scalar("SELECT count(DISTINCT month)"
                            " FROM reading_periods"),
                     15);
    assert_int_equal(scalar("SELECT count(*) FROM reading_periods"
                            " WHERE (status = 'open') != (month = '2026-11')"),
                     0);
    int64_t read = scalar("SELECT count(*) FROM readings r"
                          " JOIN reading_periods q ON q.id = r.period_id"
                          " WHERE q.status = 'open'");
    assert_true(read > 0 && read < HOUSES);
    assert_int_equal(scalar("SELECT count(*) FROM readings r"
                            " JOIN reading_periods q ON q.id = r.period_id"
                            " WHERE q.status = 'closed'"
                            " AND r.status = 'flagged'"),
                     0);
    assert_int_equal(scalar("SELECT count(*) FROM readings"
                            " WHERE read_on > '" AS_OF "'"),
                     0);
}

static void
test_winter_peak_and_household_range(void **state)
{
    (void)state;
    /* daily use of the readings of February (January's gas) and of
     * September (August's), households only, real readings */
    static const char *const q =
        "SELECT sum(r.usage_l) * 1000 / sum(julianday(r.read_on)"
        " - julianday(p.read_on)) FROM readings r"
        " JOIN readings p ON p.id = r.previous_id"
        " JOIN supply_points sp ON sp.id = r.supply_point_id"
        " WHERE sp.supply_kind = 'individual' AND r.source != 'estimated'"
        " AND p.source != 'estimated' AND r.flags = '[]'"
        " AND substr(r.read_on, 6, 2) = $1";
    struct stmt *s;
    bool row;
    int64_t v[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_query(st, &s, q, "t", i ? "09" : "02"), ERR_OK);
        assert_int_equal(stmt_step(s, &row), ERR_OK);
        v[i] = stmt_int(s, 0);
        stmt_done(s);
    }
    /* litres per 1000 days: about twice in winter */
    assert_true(v[0] * 10 > v[1] * 16 && v[0] * 10 < v[1] * 25);
    /* a household month: 5–25 m³ at the year's average */
    int64_t avg =
        scalar("SELECT avg(r.usage_l) FROM readings r"
               " JOIN supply_points sp ON sp.id = r.supply_point_id"
               " JOIN occupancy o ON o.supply_point_id = sp.id"
               "  AND o.moved_out IS NULL"
               " JOIN customers c ON c.id = o.customer_id"
               " WHERE c.kind = 'household' AND sp.supply_kind = 'individual'"
               " AND r.flags = '[]' AND r.usage_l IS NOT NULL");
    assert_true(avg > 8000 && avg < 20000);
}

static void
test_events_are_all_there(void **state)
{
    (void)state;
    assert_true(scalar("SELECT count(*) FROM readings"
                       " WHERE flags LIKE '%rollover%'") > 0);
    assert_true(scalar("SELECT count(*) FROM readings"
                       " WHERE flags LIKE '%exchange%'") > 0);
    assert_true(scalar("SELECT count(*) FROM readings"
                       " WHERE flags LIKE '%high%'") > 0);
    assert_true(scalar("SELECT count(*) FROM readings"
                       " WHERE flags LIKE '%zero%'") > 0);
    assert_true(scalar("SELECT count(*) FROM readings"
                       " WHERE source = 'remote'") > 0);
    /* estimates, each followed by the real reading that settles it (the
     * last ones wait for theirs) */
    assert_true(scalar("SELECT count(*) FROM readings"
                       " WHERE source = 'estimated'") > 0);
    assert_int_equal(scalar("SELECT count(*) FROM readings e"
                            " WHERE e.source = 'estimated' AND NOT EXISTS"
                            " (SELECT 1 FROM readings n"
                            "  WHERE n.previous_id = e.id"
                            "  AND n.source != 'estimated')"
                            " AND EXISTS (SELECT 1 FROM readings l"
                            "  WHERE l.supply_point_id = e.supply_point_id"
                            "  AND l.read_on > e.read_on)"),
                     0);
    /* only the remote readings come from smart meters */
    assert_int_equal(scalar("SELECT count(*) FROM readings r"
                            " JOIN meters m ON m.id = r.meter_id"
                            " WHERE (r.source = 'remote')"
                            " != (m.device_id IS NOT NULL)"
                            " AND r.source != 'estimated'"),
                     0);
}

/* ---------------------------------------------------------------------- */
/* The core takes it from there                                           */
/* ---------------------------------------------------------------------- */

static void
test_core_records_on_top_of_the_seed(void **state)
{
    struct stmt *s;
    bool row = false;
    struct reading_out out;
    (void)state;
    /* a seeded reading of the open month, sent again: a duplicate */
    assert_int_equal(store_query(st, &s,
                                 "SELECT r.supply_point_id, r.read_on,"
                                 " r.index_tenths FROM readings r"
                                 " JOIN reading_periods q"
                                 " ON q.id = r.period_id"
                                 " WHERE q.status = 'open'"
                                 " AND r.source = 'field' LIMIT 1",
                                 ""),
                     ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    int64_t point = stmt_int(s, 0), index = stmt_int(s, 2);
    char day[11];
    snprintf(day, sizeof(day), "%s", stmt_text(s, 1));
    stmt_done(s);
    struct reading_in in = {point,   day,  index, "regular",
                            "field", NULL, "test"};
    assert_int_equal(store_tx_begin(st), ERR_OK);
    assert_int_equal(reading_record(st, &in, &out), ERR_OK);
    assert_int_equal(out.outcome, READING_DUPLICATE);
    /* an unread point of the open month: the core works out its usage */
    assert_int_equal(store_query(st, &s,
                                 "SELECT sp.id, q.starts_on,"
                                 " (SELECT index_tenths FROM readings x"
                                 "  WHERE x.supply_point_id = sp.id"
                                 "  ORDER BY read_on DESC, id DESC LIMIT 1)"
                                 " FROM supply_points sp"
                                 " JOIN reading_periods q"
                                 " ON q.route = sp.route"
                                 " AND q.status = 'open'"
                                 " WHERE NOT EXISTS (SELECT 1 FROM readings r"
                                 "  WHERE r.supply_point_id = sp.id"
                                 "  AND r.period_id = q.id)"
                                 " AND q.starts_on <= '" AS_OF "' LIMIT 1",
                                 ""),
                     ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    if (row) {
        struct reading_in next = {stmt_int(s, 0), AS_OF,   stmt_int(s, 2) + 150,
                                  "regular",      "field", NULL,
                                  "test"};
        stmt_done(s);
        enum err rc = reading_record(st, &next, &out);
        if (rc)
            fail_msg("reading_record: %d %s", rc, err_detail());
        assert_true(out.outcome == READING_ACCEPTED ||
                    out.outcome == READING_FLAGGED);
    } else {
        stmt_done(s);
    }
    store_tx_rollback(st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_and_previous_rederive_from_the_store),
        cmocka_unit_test(test_meters_and_periods_fit_each_reading),
        cmocka_unit_test(
            test_current_month_open_and_partly_read_closed_months_reviewed),
        cmocka_unit_test(test_winter_peak_and_household_range),
        cmocka_unit_test(test_events_are_all_there),
        cmocka_unit_test(test_core_records_on_top_of_the_seed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
