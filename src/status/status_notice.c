/*
 * status_notice.c — incident notices (`pilotlight status post` and
 * `status resolve`), one file each: DATA/status/notices/<id>.json.
 *
 * Ids count up from 1. A post takes the next free id with an exclusive
 * write (link(2) refuses an existing name), so two operators posting at
 * once get two ids rather than one overwritten notice. A resolve rewrites
 * the file with "resolved_at" and an optional closing note; notices are
 * never deleted by pilotlight (they are the incident's public record).
 * Posting is local only: there is no network call that writes here.
 */
#include "status/status.h"

#include "core/xalloc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTICES_SCANNED 10000 /* directory entries looked at */

static bool
text_ok(const char *s, bool multiline)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))) ||
            *p == 0x7f)
            return false;
    return true;
}

static enum err
check(const char *level, const char *title, const char *body)
{
    if (strcmp(level, "info") && strcmp(level, "warning") &&
        strcmp(level, "outage"))
        return err_fail(ERR_CONFIG,
                        "--level: '%s' is not info, warning or outage", level);
    if (!title[0] || strlen(title) > STATUS_TITLE_MAX || !text_ok(title, false))
        return err_fail(ERR_CONFIG, "--title: 1-%d bytes of text on one line",
                        STATUS_TITLE_MAX);
    if (strlen(body) > STATUS_BODY_MAX || !text_ok(body, true))
        return err_fail(ERR_CONFIG, "--body: at most %d bytes of text",
                        STATUS_BODY_MAX);
    return ERR_OK;
}

/* "<digits>.json" with 1-9 digits, no leading zero: the id; else 0. */
static long long
id_of(const char *name)
{
    size_t n = strspn(name, "0123456789");
    if (n == 0 || n > 9 || name[0] == '0' || strcmp(name + n, ".json"))
        return 0;
    return strtoll(name, NULL, 10);
}

/* The ids present, newest first, into *ids (caller frees). */
static size_t
ids_list(const char *dir, long long **ids)
{
    size_t n = 0, cap = 0;
    *ids = NULL;
    DIR *d = opendir(dir);
    struct dirent *e;
    for (size_t seen = 0; d && seen < NOTICES_SCANNED && (e = readdir(d));
         seen++) {
        long long id = id_of(e->d_name);
        if (!id)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            *ids = xrealloc(*ids, cap * sizeof(**ids));
        }
        (*ids)[n++] = id;
    }
    if (d)
        closedir(d);
    return n;
}

static int
newest_first(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static enum err
write_notice(const char *dir, const json_t *j, long long id, bool exclusive)
{
    char name[32];
    struct buf b;
    buf_init(&b, STATUS_FILE_MAX);
    snprintf(name, sizeof(name), "%lld.json", id);
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    enum err rc = s ? buf_puts(&b, s) : ERR_INVALID;
    free(s);
    if (!rc)
        rc = buf_putc(&b, '\n');
    if (!rc)
        rc = status_file_write(dir, name, b.data, b.len, exclusive);
    buf_free(&b);
    return rc;
}

enum err
status_notice_post(const char *data, const char *level, const char *title,
                   const char *body, long long *id)
{
    char dir[4200], now[32];
    long long *ids;
    enum err rc = check(level, title, body);
    if (!rc)
        rc = status_dir(data, "notices", true, dir, sizeof(dir));
    if (rc)
        return rc;
    size_t n = ids_list(dir, &ids);
    long long next = 1;
    for (size_t i = 0; i < n; i++)
        next = ids[i] >= next ? ids[i] + 1 : next;
    free(ids);
    status_time_iso(status_now_ms(), now);
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:n, s:s}", "id", (json_int_t)next,
                  "level", level, "title", title, "body", body, "posted_at",
                  now, "resolved_at", "resolution", "");
    if (!j)
        return err_fail(ERR_CONFIG, "--title and --body must be UTF-8 text");
    for (int tries = 0; tries < 100; tries++) {
        json_object_set_new(j, "id", json_integer((json_int_t)next));
        rc = write_notice(dir, j, next, true);
        if (rc != ERR_CONFLICT)
            break;
        next++; /* someone posted at the same moment */
    }
    json_decref(j);
    *id = next;
    return rc;
}

static enum err
read_notice(const char *dir, long long id, json_t **out)
{
    char path[4300];
    struct buf b;
    json_error_t je;
    snprintf(path, sizeof(path), "%.4000s/%lld.json", dir, id);
    buf_init(&b, STATUS_FILE_MAX);
    enum err rc = status_file_read(path, STATUS_FILE_MAX, &b);
    *out =
        rc ? NULL : json_loadb(buf_str(&b), b.len, JSON_REJECT_DUPLICATES, &je);
    buf_free(&b);
    if (rc == ERR_NOT_FOUND)
        return err_fail(ERR_NOT_FOUND, "no notice %lld", id);
    if (!rc && (!json_is_object(*out) ||
                !json_is_string(json_object_get(*out, "title")))) {
        json_decref(*out);
        *out = NULL;
        rc = err_fail(ERR_INVALID, "%s is not a notice", path);
    }
    return rc;
}

enum err
status_notice_resolve(const char *data, long long id, const char *note)
{
    char dir[4200], now[32];
    json_t *j;
    enum err rc = status_dir(data, "notices", false, dir, sizeof(dir));
    if (!rc && (strlen(note) > STATUS_BODY_MAX || !text_ok(note, true)))
        rc = err_fail(ERR_CONFIG, "--body: at most %d bytes of text",
                      STATUS_BODY_MAX);
    if (!rc)
        rc = read_notice(dir, id, &j);
    if (rc)
        return rc;
    if (json_is_string(json_object_get(j, "resolved_at"))) {
        json_decref(j);
        return err_fail(ERR_CONFLICT, "notice %lld is already resolved", id);
    }
    status_time_iso(status_now_ms(), now);
    json_t *res = json_string(note);
    if (!res)
        rc = err_fail(ERR_CONFIG, "--body must be UTF-8 text");
    if (!rc) {
        json_object_set_new(j, "resolved_at", json_string(now));
        json_object_set_new(j, "resolution", res);
        rc = write_notice(dir, j, id, false);
    }
    json_decref(j);
    return rc;
}

/* The fields the page shows, copied (a file may carry more). */
static json_t *
public_notice(const json_t *n, long long id)
{
    json_t *j = json_pack("{s:I}", "id", (json_int_t)id);
    static const char *const keys[] = {
        "level", "title", "body", "posted_at", "resolved_at", "resolution"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(n, keys[i]);
        json_object_set_new(j, keys[i],
                            json_is_string(v) ? json_copy(v) : json_null());
    }
    return j;
}

json_t *
status_notices(const char *data, size_t max)
{
    char dir[4200];
    long long *ids = NULL;
    json_t *a = json_array();
    if (status_dir(data, "notices", false, dir, sizeof(dir)))
        return a;
    size_t n = ids_list(dir, &ids);
    if (n)
        qsort(ids, n, sizeof(ids[0]), newest_first);
    for (size_t i = 0; i < n && json_array_size(a) < max; i++) {
        json_t *j;
        if (read_notice(dir, ids[i], &j) == ERR_OK) {
            json_array_append_new(a, public_notice(j, ids[i]));
            json_decref(j);
        }
    }
    free(ids);
    return a;
}
