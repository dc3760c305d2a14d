/*
 * lists_api.c — the ledger's cross-record lists over HTTP.
 *
 *   GET /api/v1/customers/{id}/supply-points   customers.read
 *       the points the customer occupies and occupied, current first
 *   GET /api/v1/meters?expiring_by=YYYY-MM[&route=R01][&after=..][&limit=]
 *       customers.read — installed meters whose certification (検定満期)
 *       ends by that month, soonest first, with address and occupant:
 *       the office's meter-exchange worklist. `next` is an opaque cursor
 *       to pass back as `after`.
 */
#include "auth/auth.h"
#include "customers/customers.h"
#include "customers/records_api.h"
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum err
customer_points_get(struct req *r)
{
    struct store *st = auth_ctx(r)->st;
    int64_t id;
    json_t *c, *out;
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc || (rc = customer_get(st, id, &c)))
        return rc;
    json_decref(c);
    if ((rc = customer_points(st, id, &out)))
        return rc;
    resp_json(r, 200, out);
    return ERR_OK;
}

/* "YYYY-MM" with a real month. */
static bool
month_valid(const char *s)
{
    return s && strlen(s) == 7 && meter_expiry_valid(s);
}

/* The cursor "YYYY-MM.<id>" into q (month copied into month[8]). */
static bool
cursor_parse(const char *s, char month[8], struct expiry_query *q)
{
    char *end;
    if (strlen(s) < 9 || s[7] != '.')
        return false;
    snprintf(month, 8, "%.7s", s);
    long long id = strtoll(s + 8, &end, 10);
    if (*end || id < 1 || !month_valid(month))
        return false;
    q->after_month = month;
    q->after_id = id;
    return true;
}

static enum err
expiry_params(struct req *r, struct expiry_query *q, char month[8])
{
    const char *l = req_query(r, "limit"), *after = req_query(r, "after");
    char *end = NULL;
    struct jcheck k;
    q->by = req_query(r, "expiring_by");
    q->route = req_query(r, "route");
    q->route = q->route && *q->route ? q->route : NULL;
    q->after_month = "";
    q->after_id = 0;
    q->limit = l ? strtoll(l, &end, 10) : 100;
    jcheck_init(&k);
    if (!month_valid(q->by))
        jcheck_add(&k, "expiring_by", "format",
                   "年月を YYYY-MM の形式で指定してください");
    if (q->route && utf8_chars(q->route) > 20)
        jcheck_add(&k, "route", "format", "20 文字以内で指定してください");
    if (after && *after && !cursor_parse(after, month, q))
        jcheck_add(&k, "after", "format", "続きの位置が正しくありません");
    if ((end && *end) || q->limit < 1 || q->limit > 500)
        jcheck_add(&k, "limit", "range", "1 から 500 の範囲で指定してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
meters_expiring(struct req *r)
{
    struct expiry_query q;
    char month[8];
    json_t *out;
    enum err rc = expiry_params(r, &q, month);
    if (rc || (rc = meter_expiry_list(auth_ctx(r)->st, &q, &out)))
        return rc;
    resp_json(r, 200, out);
    return ERR_OK;
}

const struct route lists_routes[] = {
    {"GET", "/api/v1/customers/{id}/supply-points", customer_points_get, 0,
     "customers.read", NULL, 0},
    {"GET", "/api/v1/meters", meters_expiring, 0, "customers.read", NULL, 0},
    ROUTES_END,
};
