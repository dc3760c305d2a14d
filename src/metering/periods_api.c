/*
 * periods_api.c — reading routes and periods (検針月) over HTTP.
 *
 *   GET  /api/v1/reading-routes?month=YYYY-MM        readings.read
 *   GET  /api/v1/reading-routes/{route}/sheet?month=  readings.read (検針表)
 *   POST /api/v1/reading-periods                      readings.manage → 201
 *   GET  /api/v1/reading-periods?route=&month=        readings.read
 *   GET  /api/v1/reading-periods/{id}                 readings.read
 *   POST /api/v1/reading-periods/{id}/close           readings.manage
 *   POST /api/v1/reading-periods/{id}/estimate        readings.manage
 *   GET  /api/v1/settings/reading-checks              readings.read
 *   PUT  /api/v1/settings/reading-checks              readings.manage
 *
 * A period is opened per route and month with its reading window (at most
 * 62 days, touching the month or the one before: a 25th-to-10th window
 * for November is common); windows of one route never overlap, so a
 * reading date names one period. reading_on, the reading day (検針日)
 * inside the window, defaults to the window's middle: a remote meter's
 * regular reading is its daily reading nearest that day. Closing refuses while
 * flagged readings or open conflicts remain, unless {"force": true} (the audit
 * entry says so). month defaults to the current JST month.
 */
#include "auth/auth.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "metering/metering.h"
#include "metering/metering_api.h"
#include "metering/metering_int.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERIODS_BODY_MAX  (4 * 1024)
#define ESTIMATE_BODY_MAX (64 * 1024)
#define WINDOW_DAYS_MAX   62

/* ?month=, the current JST month when absent; a field error when bad. */
static enum err
month_param(struct req *r, char month[8])
{
    const char *m = req_query(r, "month");
    char today[11];
    if (!m || !*m) {
        time_today_jst(today);
        snprintf(month, 8, "%.7s", today);
        return ERR_OK;
    }
    if (metering_month_valid(m)) {
        snprintf(month, 8, "%s", m);
        return ERR_OK;
    }
    struct jcheck k;
    jcheck_init(&k);
    jcheck_add(&k, "month", "format",
               "年月を YYYY-MM の形式で指定してください");
    return req_invalid(r, &k);
}

static enum err
answer(struct req *r, enum err rc, int status, json_t *out)
{
    if (!rc)
        resp_json(r, status, out);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Routes                                                                 */
/* ---------------------------------------------------------------------- */

static enum err
get_routes(struct req *r)
{
    char month[8];
    json_t *out = NULL;
    enum err rc = month_param(r, month);
    if (!rc)
        rc = route_list(auth_ctx(r)->st, month, &out);
    return answer(r, rc, 200, out);
}

static enum err
get_sheet(struct req *r)
{
    char month[8];
    json_t *out = NULL;
    const char *route = req_param(r, "route");
    enum err rc = month_param(r, month);
    if (!rc && !metering_route_valid(route))
        rc = err_fail(ERR_NOT_FOUND, "順路名が正しくありません");
    if (!rc)
        rc = route_sheet(auth_ctx(r)->st, route, month, &out);
    return answer(r, rc, 200, out);
}

/* ---------------------------------------------------------------------- */
/* Periods                                                                */
/* ---------------------------------------------------------------------- */

struct period_req {
    const char *route, *month, *starts_on, *ends_on, *reading_on;
};

static void
check_date(struct jcheck *k, const json_t *b, const char *key, const char **out)
{
    jcheck_str(k, b, key, 10, JSTR_REQUIRED, out);
    if (*out && !time_date_valid(*out)) {
        jcheck_add(k, key, "format",
                   "日付は YYYY-MM-DD の形式で入力してください");
        *out = NULL;
    }
}

/* The window: in order, at most WINDOW_DAYS_MAX, touching the month or
 * the month before. */
static void
check_window(struct jcheck *k, const struct period_req *p)
{
    char first[11], next[11];
    if (!p->starts_on || !p->ends_on)
        return;
    if (strcmp(p->ends_on, p->starts_on) < 0) {
        jcheck_add(k, "ends_on", "range", "終了日は開始日以降にしてください");
        return;
    }
    if (time_date_days(p->ends_on) - time_date_days(p->starts_on) >=
        WINDOW_DAYS_MAX)
        jcheck_add(k, "ends_on", "range", "検針期間は 62 日以内にしてください");
    if (p->reading_on && (strcmp(p->reading_on, p->starts_on) < 0 ||
                          strcmp(p->reading_on, p->ends_on) > 0))
        jcheck_add(k, "reading_on", "range",
                   "検針日は検針期間の中の日にしてください");
    if (!p->month)
        return;
    metering_month_add(p->month, -1, first);
    metering_month_add(p->month, 1, next);
    if (strcmp(p->ends_on, first) < 0 || strcmp(p->starts_on, next) >= 0)
        jcheck_add(k, "starts_on", "range",
                   "検針期間がその検針月（または前月）にかかっていません");
}

static enum err
read_period(struct req *r, struct period_req *p)
{
    static const char *const allowed[] = {"route",   "month",      "starts_on",
                                          "ends_on", "reading_on", NULL};
    json_t *b;
    struct jcheck k;
    int64_t n = 0;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "route", 20, JSTR_REQUIRED, &p->route);
    jcheck_str(&k, b, "month", 7, JSTR_REQUIRED, &p->month);
    if (p->month && !metering_month_valid(p->month)) {
        jcheck_add(&k, "month", "format",
                   "年月を YYYY-MM の形式で入力してください");
        p->month = NULL;
    }
    check_date(&k, b, "starts_on", &p->starts_on);
    check_date(&k, b, "ends_on", &p->ends_on);
    if (json_object_get(b, "reading_on") &&
        !json_is_null(json_object_get(b, "reading_on")))
        check_date(&k, b, "reading_on", &p->reading_on);
    check_window(&k, p);
    if (p->route && (rc = route_point_count(auth_ctx(r)->st, p->route, &n))) {
        jcheck_free(&k);
        return rc;
    }
    if (p->route && !n)
        jcheck_add(&k, "route", "unknown", "この順路の供給地点がありません");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
post_period(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct period_req p = {0};
    int64_t id = 0, remote_n = 0;
    char target[48], day[11] = "";
    json_t *out = NULL;
    enum err rc = read_period(r, &p);
    if (rc || (rc = store_tx_begin(a->st)))
        return rc;
    rc = period_create(a->st, p.route, p.month, p.starts_on, p.ends_on,
                       p.reading_on, a->actor, &id, &remote_n);
    record_target(target, sizeof(target), "reading_period", id);
    if (!rc)
        period_reading_day(p.reading_on, p.starts_on, p.ends_on, day);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "reading_period.open", target,
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "route",
                                  p.route, "month", p.month, "starts_on",
                                  p.starts_on, "ends_on", p.ends_on,
                                  "reading_on", day, "remote_readings",
                                  (json_int_t)remote_n));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    rc = period_json(a->st, id, &out);
    return answer(r, rc, 201, out);
}

static enum err
get_periods(struct req *r)
{
    const char *route = req_query(r, "route"), *month = req_query(r, "month");
    json_t *out = NULL;
    struct jcheck k;
    route = route && *route ? route : NULL;
    month = month && *month ? month : NULL;
    jcheck_init(&k);
    if (route && !metering_route_valid(route))
        jcheck_add(&k, "route", "format", "20 文字以内で指定してください");
    if (month && !metering_month_valid(month))
        jcheck_add(&k, "month", "format",
                   "年月を YYYY-MM の形式で指定してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    enum err rc = period_list(auth_ctx(r)->st, route, month, &out);
    return answer(r, rc, 200, out);
}

static enum err
get_period(struct req *r)
{
    int64_t id;
    json_t *out = NULL;
    enum err rc = metering_path_id(r, ERR_PERIOD_NOT_FOUND, &id);
    if (!rc)
        rc = period_json(auth_ctx(r)->st, id, &out);
    return answer(r, rc, 200, out);
}

/* {"force": bool} or no body. */
static enum err
read_force(struct req *r, bool *force)
{
    static const char *const allowed[] = {"force", NULL};
    json_t *b, *f;
    struct jcheck k;
    enum err rc = metering_body(r, &b);
    *force = false;
    if (rc || !b)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    f = json_object_get(b, "force");
    if (f && !json_is_boolean(f))
        jcheck_add(&k, "force", "type", "true か false を指定してください");
    *force = json_is_true(f);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
post_close(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    int64_t id;
    bool force;
    char target[48];
    json_t *before = NULL, *out = NULL;
    enum err rc = metering_path_id(r, ERR_PERIOD_NOT_FOUND, &id);
    if (rc || (rc = read_force(r, &force)) || (rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "reading_period", id);
    if (!(rc = period_json(a->st, id, &before)) &&
        !(rc = period_close(a->st, id, force, a->actor)))
        rc = auth_audit(
            r, a->st, NULL, "reading_period.close", target,
            json_pack("{s:b, s:O, s:O, s:O, s:O}", "force", force, "read",
                      json_object_get(before, "read"), "estimated",
                      json_object_get(before, "estimated"), "flagged",
                      json_object_get(before, "flagged"), "conflicts",
                      json_object_get(before, "conflicts")));
    json_decref(before);
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    rc = period_json(a->st, id, &out);
    return answer(r, rc, 200, out);
}

/* {"supply_point_ids": [...]} (at most 5,000 positive ids) or {} / none. */
static enum err
read_estimate(struct req *r, json_t **ids)
{
    static const char *const allowed[] = {"supply_point_ids", NULL};
    json_t *b, *v;
    struct jcheck k;
    size_t i;
    enum err rc = metering_body(r, &b);
    *ids = NULL;
    if (rc || !b)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    *ids = json_object_get(b, "supply_point_ids");
    if (*ids && (!json_is_array(*ids) || json_array_size(*ids) > 5000))
        jcheck_add(&k, "supply_point_ids", "type",
                   "供給地点IDの配列（5,000 件以内）で指定してください");
    else
        json_array_foreach(*ids, i, v)
        {
            if (!json_is_integer(v) || json_integer_value(v) < 1) {
                jcheck_add(&k, "supply_point_ids", "type",
                           "供給地点IDは正の整数で指定してください");
                break;
            }
        }
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
post_estimate(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    int64_t id;
    char target[48];
    json_t *ids, *out = NULL;
    enum err rc = metering_path_id(r, ERR_PERIOD_NOT_FOUND, &id);
    if (rc || (rc = read_estimate(r, &ids)) || (rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "reading_period", id);
    if (!(rc = period_estimate(a->st, id, ids, a->actor, &out)))
        rc = auth_audit(
            r, a->st, NULL, "reading.estimate", target,
            json_pack(
                "{s:I, s:I}", "estimated",
                (json_int_t)json_array_size(json_object_get(out, "estimated")),
                "skipped",
                (json_int_t)json_array_size(json_object_get(out, "skipped"))));
    if ((rc = record_tx_end(a->st, rc))) {
        json_decref(out);
        return rc;
    }
    return answer(r, rc, 200, out);
}

/* ---------------------------------------------------------------------- */
/* Check thresholds (要確認の基準)                                         */
/* ---------------------------------------------------------------------- */

static json_t *
thresholds_json(const struct metering_thresholds *t)
{
    char m3[24];
    equipment_tenths_format(t->min_l / 100, m3);
    return json_pack("{s:I, s:I, s:s}", "high_percent",
                     (json_int_t)t->high_percent, "low_percent",
                     (json_int_t)t->low_percent, "min_usage_m3", m3);
}

static enum err
get_checks(struct req *r)
{
    struct metering_thresholds t;
    enum err rc = metering_thresholds_get(auth_ctx(r)->st, &t);
    return answer(r, rc, 200, rc ? NULL : thresholds_json(&t));
}

static enum err
read_checks(struct req *r, struct metering_thresholds *t)
{
    static const char *const allowed[] = {"high_percent", "low_percent",
                                          "min_usage_m3", NULL};
    json_t *b;
    struct jcheck k;
    bool present;
    int64_t tenths = 0;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_int(&k, b, "high_percent", 101, 1000, true, &t->high_percent,
               &present);
    jcheck_int(&k, b, "low_percent", 0, 99, true, &t->low_percent, &present);
    if (equipment_tenths_parse(json_object_get(b, "min_usage_m3"), &tenths) ||
        tenths > 10000)
        jcheck_add(&k, "min_usage_m3", "range",
                   "0〜1000 m³ の範囲で、0.1 m³ 単位で指定してください");
    t->min_l = tenths * 100;
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
put_checks(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct metering_thresholds t;
    enum err rc = read_checks(r, &t);
    if (rc || (rc = store_tx_begin(a->st)))
        return rc;
    if (!(rc = metering_thresholds_put(a->st, &t)))
        rc = auth_audit(r, a->st, NULL, "settings.reading_checks",
                        "reading_checks", thresholds_json(&t));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    return answer(r, rc, 200, thresholds_json(&t));
}

#define READ   "readings.read"
#define MANAGE "readings.manage"

const struct route periods_routes[] = {
    {"GET", "/api/v1/reading-routes", get_routes, 0, READ, NULL, 0},
    {"GET", "/api/v1/reading-routes/{route}/sheet", get_sheet, 0, READ, NULL,
     0},
    {"POST", "/api/v1/reading-periods", post_period, PERIODS_BODY_MAX, MANAGE,
     "reading_period.open", 0},
    {"GET", "/api/v1/reading-periods", get_periods, 0, READ, NULL, 0},
    {"GET", "/api/v1/reading-periods/{id}", get_period, 0, READ, NULL, 0},
    {"POST", "/api/v1/reading-periods/{id}/close", post_close, PERIODS_BODY_MAX,
     MANAGE, "reading_period.close", 0},
    {"POST", "/api/v1/reading-periods/{id}/estimate", post_estimate,
     ESTIMATE_BODY_MAX, MANAGE, "reading.estimate", 0},
    {"GET", "/api/v1/settings/reading-checks", get_checks, 0, READ, NULL, 0},
    {"PUT", "/api/v1/settings/reading-checks", put_checks, PERIODS_BODY_MAX,
     MANAGE, "settings.reading_checks", 0},
    ROUTES_END,
};
