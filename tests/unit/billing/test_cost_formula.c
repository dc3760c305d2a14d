/*
 * test_cost_formula.c — 原料費調整 by formula (src/billing/cost_formula.c),
 * every figure worked out by hand below.
 */
#include "billing/cost_formula.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* DOMAIN §5's published shape: CP only, (raw − base) ÷ 0.482 ÷ 1,000,
 * ¥5/m³ steps, a three-month lag, the source month averaged with the one
 * before. Base ¥80,000/t. */
static struct cost_formula
published(void)
{
    struct cost_formula f = {
        .base_cyen_per_t = 8000000,
        .cp_weight = 100,
        .conversion_milli = 482,
        .step_cyen = 500,
        .rounding = ROUND_DOWN,
        .lag_months = 3,
        .period_months = 1,
        .average_months = 2,
        .tax_included = true,
    };
    return f;
}

static void
test_months(void **state)
{
    (void)state;
    char m[8];
    cost_month_add("2026-10", -3, m);
    assert_string_equal(m, "2026-07");
    cost_month_add("2026-02", -3, m);
    assert_string_equal(m, "2025-11");
    cost_month_add("2026-12", 1, m);
    assert_string_equal(m, "2027-01");
    cost_month_add("2026-01", -13, m);
    assert_string_equal(m, "2024-12");
    struct cost_formula f = published();
    struct cost_result r;
    /* October, lag 3, averaged: July and June */
    cost_formula_sources(&f, "2026-10", &r);
    assert_int_equal(r.nsource, 2);
    assert_string_equal(r.source[0], "2026-07");
    assert_string_equal(r.source[1], "2026-06");
    /* bimonthly: September–October is one period, from September's */
    f.period_months = 2;
    f.average_months = 1;
    cost_formula_sources(&f, "2026-10", &r);
    assert_string_equal(r.period_month, "2026-09");
    assert_string_equal(r.source[0], "2026-06");
    cost_formula_sources(&f, "2026-11", &r);
    assert_string_equal(r.period_month, "2026-11");
    assert_string_equal(r.source[0], "2026-08");
}

/* July CP $620.00 at ¥152.00 = ¥94,240/t; June $600.00 at ¥150.00 =
 * ¥90,000/t. Average ¥92,120/t, 12,120 over the base: 12,120 ÷ 0.482 ÷
 * 1,000 = ¥25.1452…/m³. Steps of ¥5: 切り捨て ¥25, 四捨五入 ¥25 (5.03
 * steps), 切り上げ ¥30. */
static void
test_published_example(void **state)
{
    (void)state;
    struct cost_formula f = published();
    struct cost_reference refs[2] = {{62000, -1, 15200, 0},
                                     {60000, -1, 15000, 0}};
    struct cost_result r;
    cost_formula_sources(&f, "2026-10", &r);
    assert_int_equal(cost_formula_compute(&f, refs, &r), ERR_OK);
    assert_int_equal(r.raw_cyen_per_t, 9212000);
    assert_int_equal(r.exact_cyen_per_m3, 2515); /* ¥25.1452 → 25.15 */
    assert_false(r.dead_band);
    assert_int_equal(r.cyen_per_m3, 2500);
    f.rounding = ROUND_HALF_UP;
    assert_int_equal(cost_formula_compute(&f, refs, &r), ERR_OK);
    assert_int_equal(r.cyen_per_m3, 2500);
    f.rounding = ROUND_UP;
    assert_int_equal(cost_formula_compute(&f, refs, &r), ERR_OK);
    assert_int_equal(r.cyen_per_m3, 3000);
    /* without steps: to the hundredth, 切り上げ 25.15 */
    f.step_cyen = 0;
    assert_int_equal(cost_formula_compute(&f, refs, &r), ERR_OK);
    assert_int_equal(r.cyen_per_m3, 2515);
    /* a raw price below the base moves it down, rounded by magnitude:
     * base ¥100,000: −7,880 ÷ 0.482 = −¥16.348…; ¥5 steps 切り捨て −15 */
    f = published();
    f.base_cyen_per_t = 10000000;
    assert_int_equal(cost_formula_compute(&f, refs, &r), ERR_OK);
    assert_int_equal(r.exact_cyen_per_m3, -1635);
    assert_int_equal(r.cyen_per_m3, -1500);
}

/* A blend: 70% CP $600 + 30% MB $500 + freight $20 = $590/t at ¥150 =
 * ¥88,500/t. Base ¥88,000: 500 ÷ 0.482 = ¥1.037/m³, inside a ¥5 dead
 * band → 0; base ¥85,000: 3,500 ÷ 0.482 = ¥7.261 → 7.26 without steps. */
static void
test_blend_dead_band(void **state)
{
    (void)state;
    struct cost_formula f = {
        .base_cyen_per_t = 8800000,
        .cp_weight = 70,
        .mb_weight = 30,
        .conversion_milli = 482,
        .dead_band_cyen = 500,
        .rounding = ROUND_DOWN,
        .period_months = 1,
        .average_months = 1,
    };
    struct cost_reference ref = {60000, 50000, 15000, 2000};
    struct cost_result r;
    cost_formula_sources(&f, "2026-10", &r);
    assert_string_equal(r.source[0], "2026-10"); /* no lag */
    assert_int_equal(cost_formula_compute(&f, &ref, &r), ERR_OK);
    assert_int_equal(r.raw_cyen_per_t, 8850000);
    assert_int_equal(r.exact_cyen_per_m3, 104);
    assert_true(r.dead_band);
    assert_int_equal(r.cyen_per_m3, 0);
    f.base_cyen_per_t = 8500000;
    assert_int_equal(cost_formula_compute(&f, &ref, &r), ERR_OK);
    assert_false(r.dead_band);
    assert_int_equal(r.cyen_per_m3, 726);
    /* MB weighted but not entered: refused */
    ref.mb_cusd = -1;
    assert_int_equal(cost_formula_compute(&f, &ref, &r), ERR_INVALID);
}

static void
test_validation_and_limits(void **state)
{
    (void)state;
    const char *field, *msg;
    struct cost_formula f = published();
    assert_true(cost_formula_valid(&f, &field, &msg));
    f.mb_weight = 10; /* 110 */
    assert_false(cost_formula_valid(&f, &field, &msg));
    assert_string_equal(field, "cp_weight");
    f = published();
    f.conversion_milli = 1000;
    assert_false(cost_formula_valid(&f, &field, &msg));
    assert_string_equal(field, "conversion_m3_per_kg");
    f = published();
    f.period_months = 3;
    assert_false(cost_formula_valid(&f, &field, &msg));
    f = published();
    f.base_cyen_per_t = 0;
    assert_false(cost_formula_valid(&f, &field, &msg));
    /* a result beyond ±¥1,000/m³ is refused, not stored */
    f = published();
    f.base_cyen_per_t = 100;
    struct cost_reference refs[2] = {{900000, -1, 90000, 0},
                                     {900000, -1, 90000, 0}};
    struct cost_result r;
    cost_formula_sources(&f, "2026-10", &r);
    assert_int_equal(cost_formula_compute(&f, refs, &r), ERR_INVALID);
}

static void
test_decimal_parse(void **state)
{
    (void)state;
    int64_t v;
    assert_true(cost_decimal_parse("0.482", 3, 9999, &v));
    assert_int_equal(v, 482);
    assert_true(cost_decimal_parse("0.5", 3, 9999, &v));
    assert_int_equal(v, 500);
    assert_true(cost_decimal_parse("620.5", 2, 1000000, &v));
    assert_int_equal(v, 62050);
    assert_true(cost_decimal_parse("80000", 2, 100000000, &v));
    assert_int_equal(v, 8000000);
    assert_false(cost_decimal_parse("0.4821", 3, 9999, &v));
    assert_false(cost_decimal_parse("-1", 2, 100, &v));
    assert_false(cost_decimal_parse("1.", 2, 100, &v));
    assert_false(cost_decimal_parse("", 2, 100, &v));
    assert_false(cost_decimal_parse("1e3", 2, 1000000, &v));
    assert_false(cost_decimal_parse("10000.01", 2, 1000000, &v));
    assert_false(cost_decimal_parse("99999999999999999999", 2, 100, &v));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_published_example),
        cmocka_unit_test(test_blend_dead_band),
        cmocka_unit_test(test_validation_and_limits),
        cmocka_unit_test(test_decimal_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
