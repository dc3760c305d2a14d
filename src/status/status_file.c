/*
 * status_file.c — files under DATA/status and the clock (status.h).
 *
 * Writes are whole-file replacements: a temp file in the same directory
 * (a dot name readers skip), then rename(2) — or link(2) for an exclusive
 * write, which fails instead of replacing. No fsync: a heartbeat or a
 * notice lost to a power cut is rewritten by the next tick or post, and
 * a component's main work must never wait on this disk.
 */
#include "status/status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static enum err
make_dir(const char *p)
{
    if (mkdir(p, 0750) == 0 || errno == EEXIST)
        return ERR_OK;
    return err_fail(ERR_IO, "%s: %s", p, strerror(errno));
}

enum err
status_dir(const char *data, const char *sub, bool make, char *out, size_t n)
{
    int len = snprintf(out, n, "%s/status", data);
    if (len < 0 || (size_t)len >= n)
        return err_fail(ERR_TOO_LARGE, "data dir path too long");
    enum err rc = make ? make_dir(data) : ERR_OK;
    if (!rc && make)
        rc = make_dir(out);
    if (rc || !sub)
        return rc;
    len = snprintf(out, n, "%s/status/%s", data, sub);
    if (len < 0 || (size_t)len >= n)
        return err_fail(ERR_TOO_LARGE, "data dir path too long");
    return make ? make_dir(out) : ERR_OK;
}

static enum err
write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return err_fail(ERR_IO, "write: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return ERR_OK;
}

enum err
status_file_write(const char *dir, const char *name, const char *p, size_t n,
                  bool exclusive)
{
    char tmp[4200], dst[4200];
    static _Atomic unsigned seq;
    snprintf(tmp, sizeof(tmp), "%.4000s/.%.64s.%ld.%u.tmp", dir, name,
             (long)getpid(), seq++);
    snprintf(dst, sizeof(dst), "%.4000s/%.64s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return err_fail(ERR_IO, "%s: %s", tmp, strerror(errno));
    enum err rc = write_all(fd, p, n);
    if (!rc && fchmod(fd, 0640) != 0) /* umask 077 would hide it */
        rc = err_fail(ERR_IO, "%s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = err_fail(ERR_IO, "%s: %s", tmp, strerror(errno));
    if (!rc && exclusive && link(tmp, dst) != 0)
        rc = errno == EEXIST ? ERR_CONFLICT
                             : err_fail(ERR_IO, "%s: %s", dst, strerror(errno));
    if (!rc && !exclusive && rename(tmp, dst) != 0)
        rc = err_fail(ERR_IO, "%s: %s", dst, strerror(errno));
    if (rc || exclusive)
        unlink(tmp);
    return rc;
}

enum err
status_file_read(const char *path, size_t max, struct buf *b)
{
    struct stat st;
    char chunk[4096];
    buf_reset(b);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT
                   ? ERR_NOT_FOUND
                   : err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    enum err rc = ERR_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = err_fail(ERR_IO, "%s: not a regular file", path);
    else if ((size_t)st.st_size > max)
        rc = err_fail(ERR_TOO_LARGE, "%s: larger than %zu bytes", path, max);
    while (!rc) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = err_fail(ERR_IO, "%s: %s", path, strerror(errno));
        if (r <= 0)
            break;
        if (b->len + (size_t)r > max)
            rc = err_fail(ERR_TOO_LARGE, "%s: grew past %zu bytes", path, max);
        else
            rc = buf_append(b, chunk, (size_t)r);
    }
    close(fd);
    return rc;
}

bool
status_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > STATUS_NAME_MAX || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-'))
            return false;
    return true;
}

int64_t
status_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* n digits at p as a number; -1 when any is not a digit. */
static int
digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* Days from 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool
status_time_parse(const char *s, int64_t *ms)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t n = strlen(s);
    if (n != 20 && n != 24)
        return false;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    int frac = n == 24 ? digits(s + 20, 3) : 0;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[n - 1] != 'Z' || (n == 24 && s[19] != '.'))
        return false;
    if (y < 2000 || y > 2999 || mo < 1 || mo > 12 || d < 1 ||
        d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
        se > 59 || frac < 0)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return false;
    int64_t days = days_from_civil(y, mo, d);
    *ms = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)se * 1000 + frac;
    return true;
}

static void
format(int64_t ms, bool jst, char out[32])
{
    time_t t = (time_t)(ms / 1000) + (jst ? 9 * 3600 : 0);
    struct tm tm;
    char tmp[96];
    gmtime_r(&t, &tm);
    if (jst)
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d %02d:%02d",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min);
    else
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    snprintf(out, 32, "%s", tmp);
}

void
status_time_iso(int64_t ms, char out[32])
{
    format(ms, false, out);
}

void
status_time_jst(int64_t ms, char out[32])
{
    format(ms, true, out);
}
