/*
 * timeutil.c — UTC timestamps, JST dates, monotonic time.
 */
#include "core/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JST_OFFSET_S (9 * 3600)

void
time_now_iso(char out[32])
{
    /* The seconds part is formatted once per second per thread (bulk
     * writes stamp every row); the milliseconds by hand. */
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[24]; /* "YYYY-MM-DDTHH:MM:SS" */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        struct tm tm;
        char tmp[96]; /* wide enough for any int the compiler imagines */
        gmtime_r(&ts.tv_sec, &tm);
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
        snprintf(cached, sizeof(cached), "%s", tmp);
        cached_sec = ts.tv_sec;
    }
    long ms = ts.tv_nsec / 1000000;
    size_t n = strlen(cached);
    memcpy(out, cached, n);
    out[n] = '.';
    out[n + 1] = (char)('0' + ms / 100);
    out[n + 2] = (char)('0' + ms / 10 % 10);
    out[n + 3] = (char)('0' + ms % 10);
    out[n + 4] = 'Z';
    out[n + 5] = '\0';
}

void
time_today_jst(char out[11])
{
    time_t t = time(NULL) + JST_OFFSET_S;
    struct tm tm;
    gmtime_r(&t, &tm);
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday);
    snprintf(out, 11, "%s", tmp);
}

uint64_t
time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

bool
time_date_valid(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
            (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1)
        return false;
    return d <= days_in_month(y, m);
}

/* Civil-date arithmetic after Howard Hinnant's days_from_civil algorithm:
 * years start in March so the leap day is last, eras are 400 years. */
int64_t
time_date_days(const char *s)
{
    int64_t y = strtol(s, NULL, 10), m = strtol(s + 5, NULL, 10),
            d = strtol(s + 8, NULL, 10);
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
time_date_from_days(int64_t days, char out[11])
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

void
time_date_add(const char *s, int64_t n, char out[11])
{
    time_date_from_days(time_date_days(s) + n, out);
}
