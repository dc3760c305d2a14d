/*
 * test_checks.c — the checks that put a reading on the review list
 * (要確認, src/metering/usage.c), each with values on both sides of its
 * threshold: high and low against both references (recent months and the
 * same month last year, as litres per day) with the tenant's thresholds,
 * zero on an active contract, usage on an inactive point, a date outside
 * the period, a misplaced decimal point; and the flags' JSON text.
 */
#include "metering/metering.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const struct metering_thresholds *T = &metering_thresholds_default;

/* A regular reading over 30 days on an active contract, both references
 * 30 m³ over 30 days. */
static struct check_in
base(int64_t usage_l)
{
    struct check_in c = {0};
    c.regular = true;
    c.usage_l = usage_l;
    c.days = 30;
    c.recent = (struct usage_ref){30000, 30};
    c.last_year = (struct usage_ref){30000, 30};
    c.contract_active = true;
    return c;
}

static unsigned
flags(const struct check_in *c)
{
    return reading_checks(c, T);
}

static void
test_defaults_are_the_trade_practice(void **state)
{
    (void)state;
    assert_int_equal(T->high_percent, 200);
    assert_int_equal(T->low_percent, 50);
    assert_int_equal(T->min_l, 5000);
}

static void
test_high_above_twice_both_references(void **state)
{
    (void)state;
    struct check_in c = base(60000); /* exactly 2× */
    assert_int_equal(flags(&c), 0);
    c.usage_l = 60100;
    assert_int_equal(flags(&c), FLAG_HIGH);
    /* only above one reference: not flagged */
    c.last_year = (struct usage_ref){40000, 30};
    assert_int_equal(flags(&c) & FLAG_HIGH, 0);
    /* without last year, recent alone decides */
    c.last_year = (struct usage_ref){0, 0};
    assert_int_equal(flags(&c), FLAG_HIGH);
    /* no reference at all: nothing to compare with */
    c.recent = (struct usage_ref){0, 0};
    assert_int_equal(flags(&c), 0);
}

static void
test_high_needs_five_cubic_metres(void **state)
{
    (void)state;
    struct check_in c = base(4900);
    c.recent = c.last_year = (struct usage_ref){2000, 30};
    assert_int_equal(flags(&c), 0); /* 2.45× but under 5 m³ */
    c.usage_l = 5000;
    assert_int_equal(flags(&c), FLAG_HIGH);
}

static void
test_compared_per_day(void **state)
{
    (void)state;
    /* 60 m³ over 60 days is the same rate as 30 over 30 */
    struct check_in c = base(60000);
    c.days = 60;
    assert_int_equal(flags(&c), 0);
    /* over 60 days the line is 2 × 60 m³, not 2 × 30 */
    c.usage_l = 120000;
    assert_int_equal(flags(&c), 0);
    c.usage_l = 120100;
    assert_int_equal(flags(&c), FLAG_HIGH);
    /* and low is under 30 m³, not 15 */
    c.usage_l = 29900;
    assert_int_equal(flags(&c), FLAG_LOW);
}

static void
test_low_under_half_of_both(void **state)
{
    (void)state;
    struct check_in c = base(15000); /* exactly 0.5× */
    assert_int_equal(flags(&c), 0);
    c.usage_l = 14900;
    assert_int_equal(flags(&c), FLAG_LOW);
    /* under half of one only */
    c.last_year = (struct usage_ref){20000, 30};
    assert_int_equal(flags(&c) & FLAG_LOW, 0);
    /* references under 5 m³: too little to call low */
    c = base(100);
    c.recent = c.last_year = (struct usage_ref){4900, 30};
    assert_int_equal(flags(&c), 0);
    c.recent = c.last_year = (struct usage_ref){5000, 30};
    assert_int_equal(flags(&c), FLAG_LOW);
}

static void
test_tenant_thresholds(void **state)
{
    (void)state;
    struct metering_thresholds t = {300, 20, 1000};
    struct check_in c = base(60100);
    assert_int_equal(reading_checks(&c, &t), 0); /* 2× is fine at 300% */
    c.usage_l = 90100;
    assert_int_equal(reading_checks(&c, &t), FLAG_HIGH);
    c.usage_l = 6100;
    assert_int_equal(reading_checks(&c, &t), 0);
    c.usage_l = 5900;
    assert_int_equal(reading_checks(&c, &t), FLAG_LOW);
}

static void
test_zero_on_an_active_contract(void **state)
{
    (void)state;
    struct check_in c = base(0);
    c.recent = c.last_year = (struct usage_ref){0, 0};
    assert_int_equal(flags(&c), FLAG_ZERO);
    c.usage_l = 100; /* 0.1 m³ is use */
    assert_int_equal(flags(&c), 0);
    c.usage_l = 0;
    c.contract_active = false; /* vacant: zero is expected */
    assert_int_equal(flags(&c), 0);
    /* zero is not also "low" */
    c = base(0);
    assert_int_equal(flags(&c), FLAG_ZERO);
}

static void
test_usage_on_an_inactive_point(void **state)
{
    (void)state;
    struct check_in c = base(30000);
    c.contract_active = false;
    c.point_inactive = true;
    assert_int_equal(flags(&c), FLAG_INACTIVE);
    c.usage_l = 0;
    assert_int_equal(flags(&c), 0);
    c.usage_l = 100;
    assert_int_equal(flags(&c) & FLAG_INACTIVE, FLAG_INACTIVE);
    /* a move-in reading too (gas used while vacant) */
    c.regular = false;
    assert_int_equal(flags(&c), FLAG_INACTIVE);
}

static void
test_date_outside_the_window(void **state)
{
    (void)state;
    struct check_in c = base(30000);
    assert_int_equal(flags(&c), 0);
    c.date_outside = true;
    assert_int_equal(flags(&c), FLAG_DATE_OUTSIDE);
    /* only a regular reading belongs to a window */
    c.regular = false;
    assert_int_equal(flags(&c), 0);
}

static void
test_other_kinds_skip_the_usual_checks(void **state)
{
    (void)state;
    struct check_in c = base(90000);
    c.regular = false;
    assert_int_equal(flags(&c), 0);
    c.usage_l = 0;
    assert_int_equal(flags(&c), 0);
}

static void
test_misplaced_decimal(void **state)
{
    (void)state;
    /* previous 1,000.0, about 30 m³ expected: 1,030.0 is right */
    assert_false(reading_decimal_suspect(10000, 10300, 30000));
    /* typed 10300 (m³) instead of 1030.0: ÷10 is right */
    assert_true(reading_decimal_suspect(10000, 103000, 30000));
    /* typed 103.0 instead of 1030.0: ×10 is right */
    assert_true(reading_decimal_suspect(10000, 1030, 30000));
    /* far off either way (neither ×10 nor ÷10 helps): not a decimal */
    assert_false(reading_decimal_suspect(10000, 50000, 30000));
    /* the edge of "plausible": 0–2× the expected */
    assert_false(reading_decimal_suspect(10000, 10600, 30000));
    /* no expectation: no opinion */
    assert_false(reading_decimal_suspect(10000, 103000, -1));
    /* through the checks: recent usage gives the expectation */
    struct check_in c = base((103000 - 10000) * 100);
    c.has_prev = true;
    c.prev_index = 10000;
    c.index = 103000;
    assert_true(flags(&c) & FLAG_DECIMAL);
    c.index = 10300;
    c.usage_l = 30000;
    assert_int_equal(flags(&c), 0);
}

static void
test_flags_text_round_trip(void **state)
{
    (void)state;
    char text[128];
    reading_flags_text(0, text, sizeof(text));
    assert_string_equal(text, "[]");
    reading_flags_text(FLAG_HIGH | FLAG_ROLLOVER, text, sizeof(text));
    assert_string_equal(text, "[\"high\",\"rollover\"]");
    unsigned all = 0xff;
    reading_flags_text(all, text, sizeof(text));
    assert_string_equal(text, "[\"high\",\"low\",\"zero\",\"inactive\","
                              "\"date_outside\",\"decimal\",\"rollover\","
                              "\"exchange\"]");
    assert_int_equal(reading_flags_parse(text), all);
    assert_int_equal(reading_flags_parse("[\"exchange\"]"), FLAG_EXCHANGE);
    assert_int_equal(reading_flags_parse(NULL), 0);
    /* the review flags are the first six */
    assert_int_equal(FLAGS_REVIEW & (FLAG_ROLLOVER | FLAG_EXCHANGE), 0);
    assert_int_equal(FLAGS_REVIEW & FLAG_DECIMAL, FLAG_DECIMAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_the_trade_practice),
        cmocka_unit_test(test_high_above_twice_both_references),
        cmocka_unit_test(test_high_needs_five_cubic_metres),
        cmocka_unit_test(test_compared_per_day),
        cmocka_unit_test(test_low_under_half_of_both),
        cmocka_unit_test(test_tenant_thresholds),
        cmocka_unit_test(test_zero_on_an_active_contract),
        cmocka_unit_test(test_usage_on_an_inactive_point),
        cmocka_unit_test(test_date_outside_the_window),
        cmocka_unit_test(test_other_kinds_skip_the_usual_checks),
        cmocka_unit_test(test_misplaced_decimal),
        cmocka_unit_test(test_flags_text_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
