/*
 * timeutil.h — clock and calendar helpers.
 *
 * Timestamps are UTC ISO 8601 with milliseconds ("2026-04-01T00:00:00.000Z");
 * business dates are JST calendar dates ("2026-04-01"). JST has no daylight
 * saving, so it is UTC+9 always and needs no tz database.
 */
#ifndef PL_CORE_TIMEUTIL_H
#define PL_CORE_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Now, UTC, into out[32] as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void time_now_iso(char out[32]);
/* Today's JST calendar date into out[11] as "YYYY-MM-DD". */
void time_today_jst(char out[11]);
/* Monotonic clock in nanoseconds (for durations). */
uint64_t time_mono_ns(void);
/* True when s is a real calendar date "YYYY-MM-DD" (1900–2999). */
bool time_date_valid(const char *s);
/* Days since 1970-01-01 of a valid date "YYYY-MM-DD" (proleptic
 * Gregorian); the caller checks time_date_valid first. */
int64_t time_date_days(const char *s);
/* The date days after 1970-01-01 into out[11] ("YYYY-MM-DD"). */
void time_date_from_days(int64_t days, char out[11]);
/* out[11] = s plus n days (n may be negative); s must be valid. */
void time_date_add(const char *s, int64_t n, char out[11]);

#endif
