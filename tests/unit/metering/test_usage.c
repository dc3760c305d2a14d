/*
 * test_usage.c — usage between two readings (src/metering/usage.c): a
 * plain difference, rollover past the register's maximum (and where a
 * backwards index stops being a believable rollover), meter exchanges,
 * the meter's capacity over the days elapsed, a move-in/move-out split of
 * a period, estimates settled by the next real reading, the estimate
 * itself with its season factor, and how usage is shown in m³.
 *
 * Indexes are tenths of a m³ (1234.5 m³ = 12345); usage is litres.
 */
#include "core/err.h"
#include "metering/metering.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* A 4-digit meter of 号数 2.5 (25 tenths of m³/h), read 30 days apart. */
static struct usage_in
plain(int64_t prev, int64_t index)
{
    struct usage_in u = {0};
    u.prev_index = prev;
    u.index = index;
    u.digits = 4;
    u.capacity_dl_h = 25;
    u.days = 30;
    return u;
}

/* Usage in litres, or -1 when refused as impossible. */
static int64_t
usage(const struct usage_in *u)
{
    struct usage_out o;
    enum err rc = reading_usage(u, &o);
    if (rc) {
        assert_int_equal(rc, ERR_READING_IMPOSSIBLE);
        assert_true(strlen(err_detail()) > 0); /* a Japanese reason */
        return -1;
    }
    return o.usage_l;
}

static void
test_plain_difference_in_litres(void **state)
{
    (void)state;
    struct usage_in u = plain(10000, 10123); /* 1000.0 → 1012.3 m³ */
    struct usage_out o;
    assert_int_equal(reading_usage(&u, &o), ERR_OK);
    assert_int_equal(o.usage_l, 12300);
    assert_false(o.rollover);
    assert_false(o.exchange);
    u = plain(10000, 10000);
    assert_int_equal(usage(&u), 0);
}

static void
test_rollover_past_the_register(void **state)
{
    (void)state;
    /* 9,990.0 → 0,005.0 on a 4-digit register (rolls at 9,999.9) */
    struct usage_in u = plain(99900, 50);
    struct usage_out o;
    assert_int_equal(reading_usage(&u, &o), ERR_OK);
    assert_int_equal(o.usage_l, 15000);
    assert_true(o.rollover);
    /* a 3-digit register rolls at 999.9 */
    u = plain(9950, 30);
    u.digits = 3;
    assert_int_equal(usage(&u), 8000);
}

static void
test_backwards_without_rollover_is_impossible(void **state)
{
    (void)state;
    /* 5,000.0 → 4,990.0: "rolled" would be 9,990 m³ — a typo, not a roll */
    struct usage_in u = plain(50000, 49900);
    assert_int_equal(usage(&u), -1);
    /* the half-register boundary, with capacity out of the way (40 m³/h
     * for a year): 4,999.9 m³ rolled is believed, 5,000.0 is not */
    u = plain(50001, 0);
    u.capacity_dl_h = 0;
    u.days = 365;
    assert_int_equal(usage(&u), 49999 * 100);
    u.prev_index = 50000;
    assert_int_equal(usage(&u), -1);
}

static void
test_capacity_over_days_elapsed(void **state)
{
    (void)state;
    /* 2.5 m³/h for one day: at most 60.0 m³ */
    struct usage_in u = plain(10000, 10600);
    u.days = 1;
    assert_int_equal(usage(&u), 60000);
    u.index = 10601;
    assert_int_equal(usage(&u), -1);
    /* read twice the same day counts as one day */
    u.days = 0;
    u.index = 10600;
    assert_int_equal(usage(&u), 60000);
    /* 30 days at 2.5 m³/h: 1,800 m³ */
    u = plain(0, 18000);
    assert_int_equal(usage(&u), 1800000);
    u.index = 18001;
    assert_int_equal(usage(&u), -1);
}

static void
test_exchange_adds_both_meters(void **state)
{
    (void)state;
    /* previous 1,000.0 on the old meter, removed at 1,010.0; the new one
     * installed at 0.0 reads 5.5: 10.0 + 5.5 m³ */
    struct usage_in u = plain(10000, 55);
    u.n_exchanges = 1;
    u.exchanges[0] = (struct usage_exchange){10100, 0, 4};
    struct usage_out o;
    assert_int_equal(reading_usage(&u, &o), ERR_OK);
    assert_int_equal(o.usage_l, 15500);
    assert_true(o.exchange);
    assert_false(o.rollover);
    /* a new meter installed at 12.0 (not zero) */
    u.exchanges[0].new_initial = 120;
    u.index = 175;
    assert_int_equal(usage(&u), 15500);
    /* the old meter's final index below the previous one: impossible */
    u.exchanges[0].old_final = 9000;
    assert_int_equal(usage(&u), -1);
}

static void
test_exchange_on_a_rolled_old_meter(void **state)
{
    (void)state;
    /* old 3-digit meter: 995.0 → removed at 2.0 (rolled); new at 0.0 → 3.0 */
    struct usage_in u = plain(9950, 30);
    u.n_exchanges = 1;
    u.exchanges[0] = (struct usage_exchange){20, 0, 3};
    struct usage_out o;
    assert_int_equal(reading_usage(&u, &o), ERR_OK);
    assert_int_equal(o.usage_l, (50 + 20 + 30) * 100);
    assert_true(o.rollover);
    assert_true(o.exchange);
    u.n_exchanges = USAGE_EXCHANGES_MAX + 1;
    assert_int_equal(usage(&u), -1);
}

static void
test_move_out_and_in_split_the_period(void **state)
{
    (void)state;
    /* regular 1,000.0 on 10-10; move-out 1,008.0 on 10-20 (the leaving
     * contract); move-in 1,008.0 the same day; regular 1,030.0 on 11-10
     * (the newcomer's contract) */
    struct usage_in out = plain(10000, 10080);
    out.days = 10;
    struct usage_in in = plain(10080, 10080);
    in.days = 0;
    struct usage_in next = plain(10080, 10300);
    next.days = 21;
    int64_t leaving = usage(&out), newcomer = usage(&next);
    assert_int_equal(leaving, 8000);
    assert_int_equal(usage(&in), 0);
    assert_int_equal(newcomer, 22000);
    struct usage_in whole = plain(10000, 10300);
    assert_int_equal(leaving + newcomer, usage(&whole));
}

static void
test_estimate_then_real_settles(void **state)
{
    (void)state;
    /* last real 1,000.0; an estimate of 20 m³ was billed; now 1,050.0:
     * 50 m³ used since, 30 m³ left to bill */
    struct usage_in u = plain(10000, 10500);
    u.days = 61;
    u.estimated_l = 20000;
    assert_int_equal(usage(&u), 30000);
    /* the estimate overshot: 10 m³ used, 20 billed → a 10 m³ credit */
    u.index = 10100;
    assert_int_equal(usage(&u), -10000);
    /* no estimate: the whole difference */
    u.estimated_l = 0;
    assert_int_equal(usage(&u), 10000);
}

static void
test_estimate_follows_the_season(void **state)
{
    (void)state;
    assert_int_equal(metering_season_percent(1),
                     2 * metering_season_percent(8));
    assert_true(metering_season_percent(12) > metering_season_percent(6));
    /* 30 m³ over 30 days in August → 30 days in January: 60 m³ */
    struct usage_ref base = {30000, 30};
    assert_int_equal(reading_estimate_l(&base, 8, 1, 30), 60000);
    /* same season, twice the days */
    assert_int_equal(reading_estimate_l(&base, 8, 8, 60), 60000);
    /* rounded to the meter's 0.1 m³ (100 L) */
    struct usage_ref odd = {10000, 30};
    assert_int_equal(reading_estimate_l(&odd, 8, 8, 31), 10300);
    /* nothing to go on */
    struct usage_ref none = {0, 0};
    assert_int_equal(reading_estimate_l(&none, 8, 1, 30), 0);
}

static void
test_m3_shown_truncated(void **state)
{
    (void)state;
    char out[32];
    metering_m3_format(12345, out);
    assert_string_equal(out, "12.3");
    metering_m3_format(99, out);
    assert_string_equal(out, "0.0");
    metering_m3_format(-1234, out);
    assert_string_equal(out, "-1.2");
    metering_m3_format(1800000, out);
    assert_string_equal(out, "1800.0");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_difference_in_litres),
        cmocka_unit_test(test_rollover_past_the_register),
        cmocka_unit_test(test_backwards_without_rollover_is_impossible),
        cmocka_unit_test(test_capacity_over_days_elapsed),
        cmocka_unit_test(test_exchange_adds_both_meters),
        cmocka_unit_test(test_exchange_on_a_rolled_old_meter),
        cmocka_unit_test(test_move_out_and_in_split_the_period),
        cmocka_unit_test(test_estimate_then_real_settles),
        cmocka_unit_test(test_estimate_follows_the_season),
        cmocka_unit_test(test_m3_shown_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
