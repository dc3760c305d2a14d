/*
 * status_parse.c — read what components write into DATA/status
 * (status.h): heartbeat documents and restore progress lines.
 *
 * Input is untrusted in the plain sense: a half-written file from an old
 * version, a disk error, a person with an editor. Anything may arrive;
 * what does not fit the shape is refused (ERR_INVALID) and the caller
 * skips it. Only the fields the page shows are kept, and "store" (which
 * may name a tenant) never leaves this file.
 */
#include "status/status.h"

#include <string.h>

/* obj[key] as a string into out (at most n-1 bytes); false when absent,
 * not a string, too long or holding a NUL. */
static bool
get_str(const json_t *obj, const char *key, char *out, size_t n)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || json_string_length(v) >= n ||
        strlen(json_string_value(v)) != json_string_length(v))
        return false;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return true;
}

/* obj[key] as a non-negative integer; -1 when absent or null; false when
 * present but not one. */
static bool
get_count(const json_t *obj, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    *out = -1;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

static bool
key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') ||
              k[i] == '_'))
            return false;
    return true;
}

/* The scalar entries of detail worth showing, as a new object. */
static json_t *
detail_filter(const json_t *detail)
{
    json_t *out = json_object();
    const char *k;
    json_t *v;
    if (!json_is_object(detail))
        return out;
    json_object_foreach((json_t *)detail, k, v)
    {
        if (json_object_size(out) >= STATUS_DETAIL_KEYS)
            break;
        bool scalar = json_is_number(v) || json_is_boolean(v) ||
                      (json_is_string(v) && json_string_length(v) <= 64 &&
                       strlen(json_string_value(v)) == json_string_length(v));
        if (key_valid(k) && scalar)
            json_object_set(out, k, v);
    }
    return out;
}

static json_t *
load(const char *p, size_t n)
{
    json_error_t je;
    json_t *j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

enum err
status_hb_parse(const char *p, size_t n, struct status_hb *out)
{
    char when[32];
    memset(out, 0, sizeof(*out));
    json_t *j = load(p, n);
    if (!j)
        return ERR_INVALID;
    bool ok = get_str(j, "component", out->component, sizeof(out->component)) &&
              status_name_valid(out->component) &&
              get_str(j, "state", out->state, sizeof(out->state)) &&
              (!strcmp(out->state, "ok") || !strcmp(out->state, "degraded") ||
               !strcmp(out->state, "stopped")) &&
              get_str(j, "time", when, sizeof(when)) &&
              status_time_parse(when, &out->time_ms);
    if (ok && !get_str(j, "version", out->version, sizeof(out->version)))
        out->version[0] = '\0';
    if (ok)
        out->detail = detail_filter(json_object_get(j, "detail"));
    json_decref(j);
    return ok ? ERR_OK : ERR_INVALID;
}

void
status_hb_free(struct status_hb *hb)
{
    json_decref(hb->detail);
    hb->detail = NULL;
}

enum err
status_point_parse(const char *p, size_t n, struct status_point *out)
{
    char when[32];
    memset(out, 0, sizeof(*out));
    if (n > STATUS_LINE_MAX)
        return ERR_INVALID;
    json_t *j = load(p, n);
    if (!j)
        return ERR_INVALID;
    bool ok = get_str(j, "time", when, sizeof(when)) &&
              status_time_parse(when, &out->time_ms) &&
              get_count(j, "stores_done", &out->stores_done) &&
              get_count(j, "stores_total", &out->stores_total) &&
              get_count(j, "bytes", &out->bytes) &&
              get_count(j, "bytes_total", &out->bytes_total) &&
              get_count(j, "eta_s", &out->eta_s);
    if (ok && !get_str(j, "phase", out->phase, sizeof(out->phase)))
        out->phase[0] = '\0';
    if (ok && !get_str(j, "state", out->state, sizeof(out->state)))
        out->state[0] = '\0';
    json_decref(j);
    return ok ? ERR_OK : ERR_INVALID;
}

int
status_point_permille(const struct status_point *pt)
{
    double done, total;
    /* By bytes only while the total is known and not yet reached: a
     * restore that cannot know its total up front reports bytes_total
     * equal to bytes (100% from the first line), so then the stores
     * count is the better measure. */
    if (pt->bytes_total > 0 && pt->bytes >= 0 && pt->bytes < pt->bytes_total) {
        done = (double)pt->bytes;
        total = (double)pt->bytes_total;
    } else if (pt->stores_total > 0 && pt->stores_done >= 0) {
        done = (double)pt->stores_done;
        total = (double)pt->stores_total;
    } else if (pt->bytes_total > 0 && pt->bytes >= pt->bytes_total) {
        return 1000;
    } else {
        return -1;
    }
    double v = done * 1000.0 / total;
    return v >= 1000.0 ? 1000 : (int)v;
}

bool
status_point_final(const struct status_point *pt)
{
    /* "failed" is not here: it may be one store's failure while the
     * others go on (a restore continues past a bad store) */
    static const char *const final[] = {"done", "finished", "complete",
                                        "completed", "aborted"};
    for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
        if (strcmp(pt->state, final[i]) == 0)
            return true;
    if (strcmp(pt->phase, "report") == 0) /* restore's closing line */
        return true;
    return pt->stores_total > 0 && pt->stores_done >= pt->stores_total;
}
