/*
 * invoice_api.c — invoices (請求書) and their corrections over HTTP.
 *
 *   GET  /api/v1/invoices?customer_id=&run_id=&after=&limit=  billing.read
 *        &tariff_version= (those a tariff version priced: what to correct
 *        after the version was corrected) &order=asc|desc (by id; desc:
 *        newest first, next_after then pages towards older ones)
 *   GET  /api/v1/invoices/{id}                 billing.read (billing.h JSON)
 *   POST /api/v1/invoices/{id}/correct         billing.write → 201, the new
 *        {"reason", "usage_m3"?}               invoice (赤黒訂正)
 *   POST /api/v1/invoices/{id}/adjust          billing.write → 201, the
 *        {"amount_yen", "reason", "tax_rate"?} charge for the next invoice
 *
 * Issued invoices are otherwise immutable: there is no PATCH or DELETE.
 * Meter readers, delivery and safety staff hold no billing permission and
 * see none of this.
 */
#include "auth/auth.h"
#include "billing/run.h"
#include "customers/customers.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INVOICE_BODY_MAX (4 * 1024)
#define ADJUST_MAX_YEN   10000000 /* ±¥10,000,000 */

/* A positive integer query parameter (0 when absent). */
static void
query_id(struct req *r, struct jcheck *k, const char *name, int64_t min,
         int64_t max, int64_t *out)
{
    const char *v = req_query(r, name);
    char *end;
    if (!v || !*v)
        return;
    long long n = strtoll(v, &end, 10);
    if (*end || n < min || n > max || v[0] == '+' || v[0] == '-')
        jcheck_add(k, name, "range", "正しい範囲の整数で指定してください");
    else
        *out = n;
}

static enum err
get_invoices(struct req *r)
{
    struct invoice_filter f = {.limit = 100};
    struct jcheck k;
    json_t *out = NULL;
    jcheck_init(&k);
    query_id(r, &k, "customer_id", 1, INT64_MAX, &f.customer_id);
    query_id(r, &k, "run_id", 1, INT64_MAX, &f.run_id);
    query_id(r, &k, "tariff_version", 1, INT64_MAX, &f.tariff_version);
    query_id(r, &k, "after", 0, INT64_MAX, &f.after);
    query_id(r, &k, "limit", 1, INVOICE_LIMIT_MAX, &f.limit);
    const char *order = req_query(r, "order");
    if (order && *order && strcmp(order, "asc") && strcmp(order, "desc"))
        jcheck_add(&k, "order", "enum", "asc か desc を指定してください");
    f.desc = order && !strcmp(order, "desc");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    enum err rc = invoice_list(auth_ctx(r)->st, &f, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_invoice(struct req *r)
{
    int64_t id;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_INVOICE_NOT_FOUND, &id);
    if (!rc)
        rc = invoice_json(auth_ctx(r)->st, id, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

/* {"reason" (required, ≤ 200 chars), "usage_m3" (optional, 0.1 m³)}. */
static enum err
read_correct(struct req *r, const char **reason, int64_t *tenths)
{
    static const char *const allowed[] = {"reason", "usage_m3", NULL};
    json_t *b, *u;
    struct jcheck k;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "reason", CORRECT_REASON_MAX, JSTR_REQUIRED, reason);
    *tenths = -1;
    u = json_object_get(b, "usage_m3");
    if (u && !json_is_null(u) && equipment_tenths_parse(u, tenths))
        jcheck_add(&k, "usage_m3", "format",
                   "使用量は 0 以上、0.1 m³ 単位で入力してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
post_correct(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    const char *reason = NULL;
    int64_t id, tenths, new_id = 0;
    char target[48];
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_INVOICE_NOT_FOUND, &id);
    if (rc || (rc = read_correct(r, &reason, &tenths)) ||
        (rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "invoice", id);
    if (!(rc = invoice_correct(a->st, id, tenths, reason, &new_id)))
        rc = auth_audit(
            r, a->st, NULL, "invoice.correct", target,
            json_pack("{s:I, s:s, s:o}", "new_invoice_id", (json_int_t)new_id,
                      "reason", reason, "usage_tenths",
                      tenths < 0 ? json_null() : json_integer(tenths)));
    if ((rc = record_tx_end(a->st, rc)) ||
        (rc = invoice_json(a->st, new_id, &out)))
        return rc;
    resp_json(r, 201, out);
    return ERR_OK;
}

struct adjust_req {
    int64_t amount_yen, tax_rate;
    const char *reason;
};

static enum err
read_adjust(struct req *r, struct adjust_req *q)
{
    static const char *const allowed[] = {"amount_yen", "reason", "tax_rate",
                                          NULL};
    json_t *b;
    struct jcheck k;
    bool present;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_int(&k, b, "amount_yen", -ADJUST_MAX_YEN, ADJUST_MAX_YEN, true,
               &q->amount_yen, &present);
    if (present && q->amount_yen == 0)
        jcheck_add(&k, "amount_yen", "range",
                   "0 以外の金額を入力してください（負の値は返金・値引き）");
    q->tax_rate = 10;
    jcheck_int(&k, b, "tax_rate", 0, 10, false, &q->tax_rate, &present);
    if (q->tax_rate != 10 && q->tax_rate != 8 && q->tax_rate != 0)
        jcheck_add(&k, "tax_rate", "range",
                   "税率は 10、8、0 のいずれかを指定してください");
    jcheck_str(&k, b, "reason", CORRECT_REASON_MAX, JSTR_REQUIRED, &q->reason);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

static enum err
post_adjust(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct adjust_req q = {0};
    int64_t id, charge = 0;
    char target[48];
    enum err rc = record_path_id(r, ERR_INVOICE_NOT_FOUND, &id);
    if (rc || (rc = read_adjust(r, &q)) || (rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "invoice", id);
    if (!(rc = invoice_adjust(a->st, id, q.amount_yen, (int)q.tax_rate,
                              q.reason, a->actor, &charge)))
        rc = auth_audit(r, a->st, NULL, "invoice.adjust", target,
                        json_pack("{s:I, s:I, s:I, s:s}", "charge_id",
                                  (json_int_t)charge, "amount_yen",
                                  (json_int_t)q.amount_yen, "tax_rate",
                                  (json_int_t)q.tax_rate, "reason", q.reason));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    resp_json(r, 201,
              json_pack("{s:I, s:I, s:I, s:I, s:s}", "charge_id",
                        (json_int_t)charge, "invoice_id", (json_int_t)id,
                        "amount_yen", (json_int_t)q.amount_yen, "tax_rate",
                        (json_int_t)q.tax_rate, "reason", q.reason));
    return ERR_OK;
}

const struct route invoices_routes[] = {
    {"GET", "/api/v1/invoices", get_invoices, 0, "billing.read", NULL, 0},
    {"GET", "/api/v1/invoices/{id}", get_invoice, 0, "billing.read", NULL, 0},
    {"POST", "/api/v1/invoices/{id}/correct", post_correct, INVOICE_BODY_MAX,
     "billing.write", "invoice.correct", 0},
    {"POST", "/api/v1/invoices/{id}/adjust", post_adjust, INVOICE_BODY_MAX,
     "billing.write", "invoice.adjust", 0},
    ROUTES_END,
};
