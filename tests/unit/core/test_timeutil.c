/*
 * test_timeutil.c — calendar arithmetic: day numbers, month and year ends,
 * leap years (2000 yes, 2100 no), and the round trip over two centuries.
 */
#include "core/timeutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

static void
known_day_numbers(void **state)
{
    (void)state;
    assert_int_equal(time_date_days("1970-01-01"), 0);
    assert_int_equal(time_date_days("1970-01-02"), 1);
    assert_int_equal(time_date_days("1969-12-31"), -1);
    assert_int_equal(time_date_days("2000-03-01"), 11017);
    assert_int_equal(time_date_days("2026-11-27"), 20784);
}

static void
adding_days_crosses_months_and_leap_days(void **state)
{
    (void)state;
    char out[11];
    time_date_add("2024-02-28", 1, out);
    assert_string_equal(out, "2024-02-29");
    time_date_add("2023-02-28", 1, out);
    assert_string_equal(out, "2023-03-01");
    time_date_add("2100-02-28", 1, out);
    assert_string_equal(out, "2100-03-01");
    time_date_add("2000-02-28", 1, out);
    assert_string_equal(out, "2000-02-29");
    time_date_add("2026-01-01", -1, out);
    assert_string_equal(out, "2025-12-31");
    time_date_add("2026-04-02", 365, out);
    assert_string_equal(out, "2027-04-02");
    /* the day before: a contract ending as the next one starts */
    time_date_add("2026-04-01", -1, out);
    assert_string_equal(out, "2026-03-31");
    time_date_add("2024-03-01", -1, out);
    assert_string_equal(out, "2024-02-29");
    time_date_add("2100-03-01", -1, out);
    assert_string_equal(out, "2100-02-28");
}

static void
round_trip_over_two_centuries(void **state)
{
    (void)state;
    char out[11];
    int64_t first = time_date_days("1900-01-01");
    int64_t last = time_date_days("2100-12-31");
    for (int64_t d = first; d <= last; d++) {
        time_date_from_days(d, out);
        assert_true(time_date_valid(out));
        assert_int_equal(time_date_days(out), d);
    }
    assert_int_equal(last - first + 1, 73414);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_day_numbers),
        cmocka_unit_test(adding_days_crosses_months_and_leap_days),
        cmocka_unit_test(round_trip_over_two_centuries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
