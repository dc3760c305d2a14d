/*
 * test_metering_store.c — recording readings in a real tenant store
 * (src/metering/metering_store.c): the period a reading joins, usage from
 * the previous live reading, a meter exchange between two readings,
 * duplicates and conflicts, an estimate replaced by a late real reading,
 * a back-dated reading restating the one after it, a correction, the
 * tenant's thresholds, and the route sheet's size in statements.
 */
#include "core/err.h"
#include "metering/metering.h"
#include "metering/metering_int.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct fixture {
    char dir[64];
    struct store *st;
    int64_t point, meter, customer;
};

#define NOW "2026-01-01T00:00:00.000Z"

static void
run(struct store *st, const char *sql)
{
    if (store_exec(st, sql))
        fail_msg("%s: %s", sql, err_detail());
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char path[128];
    snprintf(f->dir, sizeof(f->dir), "/tmp/pl-test-metering-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(path, sizeof(path), "%s/t.db", f->dir);
    if (store_open(path, STORE_TENANT, &f->st))
        return -1;
    /* one occupied point on route R1 with a 4-digit 2.5 m³/h meter */
    run(f->st,
        "INSERT INTO customers (id, number, name, kana, kind, created_at,"
        " updated_at) VALUES (1, '100', '別府太郎', 'ベップタロウ',"
        " 'household', '" NOW "', '" NOW "');"
        "INSERT INTO supply_points (id, prefecture, city, street,"
        " supply_kind, route, route_order, created_at, updated_at)"
        " VALUES (1, '大分県', '別府市', '鉄輪1-1', 'individual', 'R1', 10,"
        " '" NOW "', '" NOW "');"
        "INSERT INTO occupancy (supply_point_id, customer_id, moved_in)"
        " VALUES (1, 1, '2025-01-01');"
        "INSERT INTO contracts (supply_point_id, customer_id, start_date,"
        " payment_method, created_at, updated_at) VALUES (1, 1,"
        " '2025-01-01', 'collection', '" NOW "', '" NOW "');"
        "INSERT INTO meters (id, supply_point_id, serial, kind, capacity,"
        " digits, install_date, initial_index, created_at, updated_at)"
        " VALUES (1, 1, 'A-1', 'E', '2.5', 4, '2020-01-01', 0, '" NOW "',"
        " '" NOW "');"
        "INSERT INTO reading_periods (route, month, starts_on, ends_on,"
        " opened_at, opened_by) VALUES"
        " ('R1', '2026-08', '2026-08-01', '2026-08-31', '" NOW "', 't'),"
        " ('R1', '2026-09', '2026-09-01', '2026-09-30', '" NOW "', 't'),"
        " ('R1', '2026-10', '2026-10-01', '2026-10-31', '" NOW "', 't'),"
        " ('R1', '2026-11', '2026-11-01', '2026-11-30', '" NOW "', 't');");
    f->point = f->meter = f->customer = 1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[160];
    store_close(f->st);
    const char *const files[] = {"t.db", "t.db-wal", "t.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Record a reading in its own transaction; returns rc, fills out. */
static enum err
rec(struct fixture *f, const char *date, int64_t index, const char *source,
    struct reading_out *out)
{
    struct reading_in in = {f->point, date, index, "regular",
                            source,   NULL, "test"};
    enum err rc = store_tx_begin(f->st);
    assert_int_equal(rc, ERR_OK);
    rc = reading_record(f->st, &in, out);
    if (rc)
        store_tx_rollback(f->st);
    else
        assert_int_equal(store_tx_commit(f->st), ERR_OK);
    return rc;
}

static int64_t
rec_ok(struct fixture *f, const char *date, int64_t index, int outcome)
{
    struct reading_out o;
    enum err rc = rec(f, date, index, "field", &o);
    if (rc)
        fail_msg("%s %lld: %d %s", date, (long long)index, (int)rc,
                 err_detail());
    if (o.outcome != outcome)
        fail_msg("%s: outcome %d (%s)", date, o.outcome, o.flags);
    return o.id;
}

/* usage_l of reading id (-1 when NULL) and its status. */
static int64_t
usage_of(struct fixture *f, int64_t id, char *status)
{
    json_t *j;
    assert_int_equal(reading_json(f->st, id, &j), ERR_OK);
    json_t *u = json_object_get(j, "usage_l");
    int64_t v = json_is_null(u) ? -1 : json_integer_value(u);
    if (status)
        snprintf(status, 12, "%s",
                 json_string_value(json_object_get(j, "status")));
    json_decref(j);
    return v;
}

static void
test_first_reading_then_usage(void **state)
{
    struct fixture *f = *state;
    char status[12];
    int64_t a = rec_ok(f, "2026-08-10", 10000, READING_ACCEPTED);
    assert_int_equal(usage_of(f, a, status), -1); /* nothing before it */
    assert_string_equal(status, "accepted");
    int64_t b = rec_ok(f, "2026-09-10", 10300, READING_ACCEPTED);
    assert_int_equal(usage_of(f, b, NULL), 30000);
    json_t *j;
    assert_int_equal(reading_json(f->st, b, &j), ERR_OK);
    assert_int_equal(json_integer_value(json_object_get(j, "previous_id")), a);
    assert_string_equal(json_string_value(json_object_get(j, "usage_m3")),
                        "30.0");
    assert_string_equal(json_string_value(json_object_get(j, "index")),
                        "1030.0");
    json_decref(j);
}

static void
test_no_period_no_meter(void **state)
{
    struct fixture *f = *state;
    struct reading_out o;
    assert_int_equal(rec(f, "2026-07-10", 10000, "field", &o),
                     ERR_PERIOD_NOT_FOUND);
    assert_int_equal(rec(f, "2019-12-10", 10000, "field", &o),
                     ERR_READING_NO_METER);
    run(f->st, "UPDATE reading_periods SET status = 'closed'"
               " WHERE month = '2026-08'");
    assert_int_equal(rec(f, "2026-08-10", 10000, "field", &o),
                     ERR_PERIOD_CLOSED);
    f->point = 99;
    assert_int_equal(rec(f, "2026-08-10", 10000, "field", &o),
                     ERR_SUPPLY_POINT_NOT_FOUND);
}

static void
test_duplicate_and_conflict(void **state)
{
    struct fixture *f = *state;
    struct reading_out o;
    int64_t a = rec_ok(f, "2026-08-10", 10000, READING_ACCEPTED);
    int64_t d = rec_ok(f, "2026-08-11", 10000, READING_DUPLICATE);
    assert_int_equal(d, a);
    assert_int_equal(rec(f, "2026-08-12", 10050, "field", &o), ERR_OK);
    assert_int_equal(o.outcome, READING_CONFLICT);
    assert_int_equal(o.id, a);
    assert_true(o.conflict_id > 0);
    /* the same second value again: the same conflict, not a new one */
    int64_t first = o.conflict_id;
    assert_int_equal(rec(f, "2026-08-12", 10050, "field", &o), ERR_OK);
    assert_int_equal(o.conflict_id, first);
    json_t *review;
    assert_int_equal(review_list(f->st, &review), ERR_OK);
    assert_int_equal(json_array_size(json_object_get(review, "conflicts")), 1);
    json_decref(review);
}

static void
test_exchange_between_readings(void **state)
{
    struct fixture *f = *state;
    rec_ok(f, "2026-08-10", 10000, READING_ACCEPTED);
    /* the old meter removed at 1,010.0 on 08-20, a new one at 0.0 */
    run(f->st,
        "UPDATE meters SET removed_date = '2026-08-20', final_index = 10100"
        " WHERE id = 1;"
        "INSERT INTO meters (id, supply_point_id, serial, kind, capacity,"
        " digits, install_date, initial_index, created_at, updated_at)"
        " VALUES (2, 1, 'B-2', 'E', '2.5', 5, '2026-08-20', 0, '" NOW "',"
        " '" NOW "');"
        "INSERT INTO meter_exchanges (supply_point_id, old_meter_id,"
        " new_meter_id, exchanged_on, old_final_index, new_initial_index,"
        " actor, created_at) VALUES (1, 1, 2, '2026-08-20', 10100, 0, 't',"
        " '" NOW "');");
    struct reading_out o;
    assert_int_equal(rec(f, "2026-09-10", 205, "field", &o), ERR_OK);
    assert_int_equal(o.usage_l, (100 + 205) * 100);
    assert_non_null(strstr(o.flags, "exchange"));
}

static void
test_estimate_replaced_by_a_late_real_reading(void **state)
{
    struct fixture *f = *state;
    char status[12];
    rec_ok(f, "2026-08-10", 10000, READING_ACCEPTED);
    rec_ok(f, "2026-09-10", 10300, READING_ACCEPTED);
    json_t *out;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(period_estimate(f->st, 3, NULL, "test", &out), ERR_OK);
    assert_int_equal(store_tx_commit(f->st), ERR_OK);
    json_t *e = json_array_get(json_object_get(out, "estimated"), 0);
    int64_t est = json_integer_value(json_object_get(e, "id"));
    assert_string_equal(json_string_value(json_object_get(e, "source")),
                        "estimated");
    json_decref(out);
    int64_t real = rec_ok(f, "2026-10-28", 10700, READING_ACCEPTED);
    usage_of(f, est, status);
    assert_string_equal(status, "corrected");
    assert_int_equal(usage_of(f, real, NULL), 40000);
    json_t *j;
    assert_int_equal(reading_json(f->st, real, &j), ERR_OK);
    assert_int_equal(json_integer_value(json_object_get(j, "corrects_id")),
                     est);
    json_decref(j);
}

static void
test_back_dated_reading_restates_the_next(void **state)
{
    struct fixture *f = *state;
    rec_ok(f, "2026-08-10", 10000, READING_ACCEPTED);
    int64_t oct = rec_ok(f, "2026-10-10", 10600, READING_ACCEPTED);
    assert_int_equal(usage_of(f, oct, NULL), 60000);
    /* September's reading arrives late */
    int64_t sep = rec_ok(f, "2026-09-10", 10300, READING_ACCEPTED);
    assert_int_equal(usage_of(f, sep, NULL), 30000);
    assert_int_equal(usage_of(f, oct, NULL), 30000);
    /* a correction of September moves October's usage again */
    int64_t fixed = 0;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(
        reading_correct(f->st, sep, 10200, NULL, NULL, "test", &fixed), ERR_OK);
    assert_int_equal(store_tx_commit(f->st), ERR_OK);
    assert_int_equal(usage_of(f, fixed, NULL), 20000);
    assert_int_equal(usage_of(f, oct, NULL), 40000);
    /* a correction October cannot follow is refused, nothing changed */
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(
        reading_correct(f->st, fixed, 10700, NULL, NULL, "test", &fixed),
        ERR_READING_IMPOSSIBLE);
    store_tx_rollback(f->st);
    assert_non_null(strstr(err_detail(), "後続"));
    assert_int_equal(usage_of(f, oct, NULL), 40000);
}

static void
test_thresholds_from_settings(void **state)
{
    struct fixture *f = *state;
    struct metering_thresholds t;
    assert_int_equal(metering_thresholds_get(f->st, &t), ERR_OK);
    assert_int_equal(t.high_percent, 200);
    t.high_percent = 400;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(metering_thresholds_put(f->st, &t), ERR_OK);
    assert_int_equal(store_tx_commit(f->st), ERR_OK);
    /* 30, then 90 m³: 3× — flagged at 200 %, not at 400 % */
    rec_ok(f, "2026-08-10", 10000, READING_ACCEPTED);
    rec_ok(f, "2026-09-10", 10300, READING_ACCEPTED);
    rec_ok(f, "2026-10-10", 11200, READING_ACCEPTED);
    run(f->st, "DELETE FROM settings");
    rec_ok(f, "2026-11-10", 14000, READING_FLAGGED);
}

static void
test_month_arithmetic(void **state)
{
    (void)state;
    char out[11];
    metering_month_add("2026-01", -1, out);
    assert_string_equal(out, "2025-12-01");
    metering_month_add("2026-11", -12, out);
    assert_string_equal(out, "2025-11-01");
    metering_month_add("2026-12", 1, out);
    assert_string_equal(out, "2027-01-01");
    metering_month_add("2026-03", -27, out);
    assert_string_equal(out, "2023-12-01");
    assert_true(metering_month_valid("2026-11"));
    assert_false(metering_month_valid("2026-13"));
    assert_false(metering_month_valid("2026-1"));
    assert_true(metering_route_valid("北ルート"));
    assert_false(metering_route_valid(""));
    assert_false(metering_route_valid("123456789012345678901"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_reading_then_usage, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_no_period_no_meter, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_and_conflict, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exchange_between_readings, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_estimate_replaced_by_a_late_real_reading, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_back_dated_reading_restates_the_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thresholds_from_settings, setup,
                                        teardown),
        cmocka_unit_test(test_month_arithmetic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
