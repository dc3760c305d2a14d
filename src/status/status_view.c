/*
 * status_view.c — what the status page shows, built from DATA/status
 * (status.h) as one JSON document:
 *
 *   {"generated_at", "overall": "ok"|"degraded"|"outage",
 *    "components": [{"component", "state", "age_s", "last_seen",
 *                    "version", "detail"}],
 *    "notices": [...status_notices...],
 *    "restore": null | {"state", "started_at", "updated_at", "percent",
 *                       "phase", "stores_done", "stores_total", "bytes",
 *                       "bytes_total", "eta_s", "failures", "bad_lines",
 *                       "points": [{"time", "percent"}]}}
 *
 * A component's state: its heartbeat's "ok", "degraded" or "stopped"
 * (a clean shutdown); "stale" when the heartbeat is older than stale_s (the
 * process died, hangs or cannot write); "unknown" when a component
 * expected (--components) has no readable heartbeat at all. pid and host
 * are not shown: the page is public.
 *
 * A restore: the lines from the last "start" line or the line after the
 * last final one (a new restore appended to the file of an old one, as
 * `restore --progress-file` appends), "running" while lines keep
 * coming, "stalled" when the last is older than restore_stale_s,
 * "finished" (or "finished_with_errors" when a line said "failed") when
 * the last line ends it (status_point_final).
 */
#include "status/status.h"

#include "core/xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEARTBEATS_MAX 64 /* heartbeat files looked at */

struct comp {
    char name[STATUS_NAME_MAX + 1];
    int rank;
    json_t *j;
};

/* Known components first, in this order; the others by name. */
static int
rank_of(const char *name)
{
    static const char *const order[] = {"serve", "ingest", "backup", "vault"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, order[i]) == 0)
            return i;
    return 4;
}

static int
comp_cmp(const void *a, const void *b)
{
    const struct comp *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    return strcmp(x->name, y->name);
}

static json_t *
comp_json(const struct status_hb *hb, int64_t now, int64_t stale_s)
{
    char seen[32];
    int64_t age = (now - hb->time_ms) / 1000;
    if (age < 0)
        age = 0; /* a clock a little ahead of ours */
    const char *state = hb->state;
    if (strcmp(state, "stopped") != 0 && age > stale_s)
        state = "stale";
    status_time_iso(hb->time_ms, seen);
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:O}", "component",
                     hb->component, "state", state, "age_s", (json_int_t)age,
                     "last_seen", seen, "version", hb->version, "detail",
                     hb->detail);
}

static json_t *
comp_unknown(const char *name)
{
    return json_pack("{s:s, s:s, s:n, s:n, s:s, s:{}}", "component", name,
                     "state", "unknown", "age_s", "last_seen", "version", "",
                     "detail");
}

/* name is "<component>.json" with a valid component: the stem into out. */
static bool
hb_file_name(const char *name, char *out)
{
    size_t n = strlen(name);
    if (n <= 5 || n - 5 > STATUS_NAME_MAX || strcmp(name + n - 5, ".json"))
        return false;
    memcpy(out, name, n - 5);
    out[n - 5] = '\0';
    return status_name_valid(out);
}

static json_t *
read_heartbeat(const char *dir, const char *stem, int64_t now, int64_t stale_s,
               struct buf *b)
{
    char path[4400];
    struct status_hb hb;
    snprintf(path, sizeof(path), "%.4000s/%s.json", dir, stem);
    if (status_file_read(path, STATUS_FILE_MAX, b) ||
        status_hb_parse(buf_str(b), b->len, &hb))
        return comp_unknown(stem);
    json_t *j = strcmp(hb.component, stem) == 0 ? comp_json(&hb, now, stale_s)
                                                : comp_unknown(stem);
    status_hb_free(&hb);
    return j;
}

static bool
have(const struct comp *c, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0)
            return true;
    return false;
}

/* Add the expected components without a heartbeat file. */
static size_t
add_expected(const char *list, struct comp *c, size_t n, size_t cap)
{
    char name[STATUS_NAME_MAX + 1];
    const char *p = list ? list : "";
    while (*p && n < cap) {
        size_t len = strcspn(p, ",");
        if (len && len <= STATUS_NAME_MAX) {
            memcpy(name, p, len);
            name[len] = '\0';
            if (status_name_valid(name) && !have(c, n, name)) {
                snprintf(c[n].name, sizeof(c[n].name), "%s", name);
                c[n].rank = rank_of(name);
                c[n++].j = comp_unknown(name);
            }
        }
        p += len + (p[len] == ',');
    }
    return n;
}

static json_t *
components(const struct status_view_opts *o, int64_t now)
{
    char dir[4200];
    struct comp c[HEARTBEATS_MAX + 16];
    size_t n = 0;
    struct buf b;
    buf_init(&b, STATUS_FILE_MAX);
    DIR *d = status_dir(o->data, "heartbeats", false, dir, sizeof(dir))
                 ? NULL
                 : opendir(dir);
    struct dirent *e;
    while (d && n < HEARTBEATS_MAX && (e = readdir(d))) {
        char stem[STATUS_NAME_MAX + 1];
        if (!hb_file_name(e->d_name, stem))
            continue;
        snprintf(c[n].name, sizeof(c[n].name), "%s", stem);
        c[n].rank = rank_of(stem);
        c[n++].j = read_heartbeat(dir, stem, now, o->stale_s, &b);
    }
    if (d)
        closedir(d);
    buf_free(&b);
    n = add_expected(o->components, c, n, sizeof(c) / sizeof(c[0]));
    qsort(c, n, sizeof(c[0]), comp_cmp);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, c[i].j);
    return a;
}

/* ------------------------------------------------------------ restore */

struct points {
    struct status_point *p;
    size_t n, cap;
    size_t bad;
};

static void
points_add(struct points *ps, const struct status_point *pt)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 64;
        ps->p = xrealloc(ps->p, ps->cap * sizeof(ps->p[0]));
    }
    ps->p[ps->n++] = *pt;
}

/* Every line of p[0..n) that parses, in order. */
static void
points_read(const char *p, size_t n, struct points *ps)
{
    const char *end = p + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct status_point pt;
        if (len && status_point_parse(p, len, &pt) == ERR_OK)
            points_add(ps, &pt);
        else if (len)
            ps->bad++;
        p += len + (nl != NULL);
    }
}

static json_t *
percent_json(const struct status_point *pt)
{
    int pm = status_point_permille(pt);
    return pm < 0 ? json_null() : json_real(pm / 10.0);
}

static json_t *
count_json(int64_t v)
{
    return v < 0 ? json_null() : json_integer((json_int_t)v);
}

/* At most STATUS_POINTS_SHOWN rows, evenly spread, first and last kept. */
static json_t *
points_table(const struct status_point *p, size_t n)
{
    json_t *a = json_array();
    size_t k = n < STATUS_POINTS_SHOWN ? n : STATUS_POINTS_SHOWN;
    size_t last = (size_t)-1;
    for (size_t i = 0; i < k; i++) {
        size_t at = k == 1 ? n - 1 : (n - 1) * i / (k - 1);
        if (at == last)
            continue;
        last = at;
        char when[32];
        status_time_iso(p[at].time_ms, when);
        json_array_append_new(a, json_pack("{s:s, s:o}", "time", when,
                                           "percent", percent_json(&p[at])));
    }
    return a;
}

static const char *
run_state(const struct status_point *p, size_t n, int64_t now, int64_t stale_s)
{
    bool failures = false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(p[i].state, "failed") || !strcmp(p[i].state, "error"))
            failures = true;
    if (status_point_final(&p[n - 1]))
        return failures ? "finished_with_errors" : "finished";
    if (now - p[n - 1].time_ms > stale_s * 1000)
        return "stalled";
    return "running";
}

json_t *
status_restore_view(const char *p, size_t n, int64_t now_ms, int64_t stale_s)
{
    struct points ps = {0};
    points_read(p, n, &ps);
    if (!ps.n) {
        free(ps.p);
        return json_null();
    }
    size_t start = 0;
    for (size_t i = 1; i < ps.n; i++)
        if (status_point_final(&ps.p[i - 1]) ||
            strcmp(ps.p[i].phase, "start") == 0)
            start = i; /* a new restore after an old one */
    const struct status_point *run = ps.p + start, *last = &ps.p[ps.n - 1];
    size_t len = ps.n - start;
    char started[32], updated[32];
    status_time_iso(run[0].time_ms, started);
    status_time_iso(last->time_ms, updated);
    const char *state = run_state(run, len, now_ms, stale_s);
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:I, s:o}",
        "state", state, "started_at", started, "updated_at", updated, "percent",
        percent_json(last), "phase", last->phase, "stores_done",
        count_json(last->stores_done), "stores_total",
        count_json(last->stores_total), "bytes", count_json(last->bytes),
        "bytes_total", count_json(last->bytes_total), "eta_s",
        count_json(last->eta_s), "failures",
        strcmp(state, "finished_with_errors") == 0, "bad_lines",
        (json_int_t)ps.bad, "points", points_table(run, len));
    free(ps.p);
    return j ? j : json_null();
}

/* The tail of the progress file (whole lines only). */
static json_t *
restore(const struct status_view_opts *o, int64_t now)
{
    char path[4400], dir[4200];
    struct stat st;
    if (status_dir(o->data, NULL, false, dir, sizeof(dir)))
        return json_null();
    snprintf(path, sizeof(path), "%.4000s/restore-progress.jsonl", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return json_null();
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return json_null();
    }
    off_t from =
        st.st_size > STATUS_PROGRESS_MAX ? st.st_size - STATUS_PROGRESS_MAX : 0;
    char *p = xmalloc(STATUS_PROGRESS_MAX + 1);
    ssize_t n = pread(fd, p, STATUS_PROGRESS_MAX, from);
    close(fd);
    size_t skip = 0;
    if (n > 0 && from > 0) { /* the first line is cut: drop it */
        const char *nl = memchr(p, '\n', (size_t)n);
        skip = nl ? (size_t)(nl - p) + 1 : (size_t)n;
    }
    json_t *j = n > 0 ? status_restore_view(p + skip, (size_t)n - skip, now,
                                            o->restore_stale_s)
                      : json_null();
    free(p);
    return j;
}

/* ------------------------------------------------------------ overall */

static int
level_of_component(const json_t *c)
{
    const char *state = json_string_value(json_object_get(c, "state"));
    const char *name = json_string_value(json_object_get(c, "component"));
    if (!state || !strcmp(state, "ok"))
        return 0;
    if (!strcmp(state, "degraded"))
        return 1;
    return name && !strcmp(name, "serve") ? 2 : 1; /* serve down = outage */
}

static const char *
overall(const json_t *comps, const json_t *notices, const json_t *rs)
{
    int lvl = 0;
    size_t i;
    json_t *v;
    json_array_foreach(comps, i, v)
    {
        int l = level_of_component(v);
        lvl = l > lvl ? l : lvl;
    }
    json_array_foreach(notices, i, v)
    {
        const char *level = json_string_value(json_object_get(v, "level"));
        if (!json_is_null(json_object_get(v, "resolved_at")) || !level)
            continue;
        int l = !strcmp(level, "outage") ? 2 : !strcmp(level, "warning");
        lvl = l > lvl ? l : lvl;
    }
    const char *rst = json_string_value(json_object_get(rs, "state"));
    if (rst && !strcmp(rst, "running"))
        lvl = 2; /* the service is being rebuilt */
    if (rst && !strcmp(rst, "stalled") && lvl < 1)
        lvl = 1;
    static const char *const names[] = {"ok", "degraded", "outage"};
    return names[lvl];
}

json_t *
status_snapshot(const struct status_view_opts *o)
{
    char now_iso[32];
    int64_t now = status_now_ms();
    status_time_iso(now, now_iso);
    json_t *comps = components(o, now);
    json_t *notices = status_notices(o->data, STATUS_NOTICES_SHOWN);
    json_t *rs = restore(o, now);
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "generated_at", now_iso,
                     "overall", overall(comps, notices, rs), "components",
                     comps, "notices", notices, "restore", rs);
}
