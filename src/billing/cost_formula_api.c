/*
 * cost_formula_api.c — 原料費調整 by formula over HTTP, under /api/v1
 * (the model: cost_formula.h). billing.read to read and to try a month
 * (dry run), billing.write to change:
 *
 *   GET/PUT  /cost-formula                   the tenant's formula
 *   GET      /cost-references                reference prices by month
 *   PUT      /cost-references/{month}        {cp_usd_per_t, mb_usd_per_t?,
 *                                             tts_yen_per_usd,
 *                                             freight_usd_per_t?}
 *   POST     /cost-adjustments/{month}/compute   {dry_run?} → the month's
 *            adjustment and its working; stored as the month's 原料費調整
 *            (source "formula") unless dry_run
 *
 * Decimals travel as text: "620.50" ($/t), "151.23" (¥/$), "0.482"
 * (m³/kg), "5" or "5.00" (¥/m³). Every change writes its audit entry in
 * its transaction; a refused input changes nothing.
 */
#include "auth/auth.h"
#include "billing/cost_formula.h"
#include "core/timeutil.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define BODY_MAX  (4 * 1024)
#define YEN_MAX   100000000 /* hundredths: ¥1,000,000 (per t, per m³) */
#define CENTS_MAX 1000000   /* $10,000/t */

static enum err
answer(struct req *r, enum err rc, json_t *out)
{
    if (!rc)
        resp_json(r, 200, out);
    else
        json_decref(out);
    return rc;
}

/* obj[key] as a decimal with places decimals (text or a whole number);
 * absent or null → dflt, or a field error when required. */
static int64_t
decimal(struct jcheck *k, const json_t *obj, const char *key, int places,
        int64_t max, bool required, int64_t dflt)
{
    const json_t *v = json_object_get(obj, key);
    int64_t out = dflt;
    char whole[24];
    if (v == NULL || json_is_null(v)) {
        if (required)
            jcheck_add(k, key, "required", "入力してください");
        return dflt;
    }
    const char *text = json_string_value(v);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        snprintf(whole, sizeof(whole), "%lld",
                 (long long)json_integer_value(v));
        text = whole;
    }
    if (!cost_decimal_parse(text, places, max, &out)) {
        jcheck_add(k, key, "format",
                   places == 3 ? "\"0.482\" のように小数3桁までの数です"
                               : "\"620.50\" のように小数2桁までの数です");
        return dflt;
    }
    return out;
}

static const char *
month_of(struct req *r)
{
    const char *m = req_param(r, "month");
    char d[11];
    if (m == NULL || strlen(m) != 7)
        return NULL;
    snprintf(d, sizeof(d), "%s-01", m);
    return time_date_valid(d) ? m : NULL;
}

static enum err
get_formula(struct req *r)
{
    struct cost_formula f;
    enum err rc = cost_formula_get(auth_ctx(r)->st, &f);
    if (rc == ERR_COST_FORMULA_NONE) {
        resp_json(r, 200, json_pack("{s:n}", "formula"));
        return ERR_OK;
    }
    return answer(r, rc,
                  rc ? NULL
                     : json_pack("{s:o}", "formula", cost_formula_json(&f)));
}

/* The formula in body b into f; problems into k. */
static void
formula_read(struct jcheck *k, const json_t *b, struct cost_formula *f)
{
    static const char *const allowed[] = {
        "base_yen_per_t", "cp_weight",
        "mb_weight",      "conversion_m3_per_kg",
        "step",           "dead_band",
        "rounding",       "lag_months",
        "period_months",  "average_months",
        "tax_included",   NULL};
    const char *rounding = NULL;
    bool present;
    memset(f, 0, sizeof(*f));
    jcheck_only(k, b, allowed);
    f->base_cyen_per_t = decimal(k, b, "base_yen_per_t", 2, YEN_MAX, true, 0);
    jcheck_int(k, b, "cp_weight", 0, 100, false, &f->cp_weight, &present);
    if (!present)
        f->cp_weight = 100;
    jcheck_int(k, b, "mb_weight", 0, 100, false, &f->mb_weight, &present);
    f->conversion_milli =
        decimal(k, b, "conversion_m3_per_kg", 3, 9999, false, 482);
    f->step_cyen = decimal(k, b, "step", 2, YEN_MAX, false, 0);
    f->dead_band_cyen = decimal(k, b, "dead_band", 2, YEN_MAX, false, 0);
    jcheck_str(k, b, "rounding", 8, 0, &rounding);
    if (rounding && !tariff_rounding_parse(rounding, &f->rounding))
        jcheck_add(k, "rounding", "enum", "down / half_up / up のいずれかです");
    jcheck_int(k, b, "lag_months", 0, 12, false, &f->lag_months, &present);
    jcheck_int(k, b, "period_months", 1, 2, false, &f->period_months, &present);
    if (!present)
        f->period_months = 1;
    jcheck_int(k, b, "average_months", 1, 2, false, &f->average_months,
               &present);
    if (!present)
        f->average_months = 1;
    const json_t *ti = json_object_get(b, "tax_included");
    if (ti && !json_is_boolean(ti))
        jcheck_add(k, "tax_included", "format", "true か false です");
    f->tax_included = ti == NULL || json_is_true(ti);
}

static enum err
put_formula(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct cost_formula f;
    const char *field, *msg;
    json_t *b;
    struct jcheck k;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    formula_read(&k, b, &f);
    if (jcheck_ok(&k) && !cost_formula_valid(&f, &field, &msg))
        jcheck_add(&k, field, "range", msg);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    rc = cost_formula_put(a->st, &f, a->actor);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "cost_formula.set", "cost_formula",
                        cost_formula_json(&f));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    resp_json(r, 200, json_pack("{s:o}", "formula", cost_formula_json(&f)));
    return ERR_OK;
}

static enum err
get_references(struct req *r)
{
    json_t *out = NULL;
    enum err rc = cost_reference_list(auth_ctx(r)->st, &out);
    return answer(r, rc, out);
}

static enum err
put_reference(struct req *r)
{
    static const char *const allowed[] = {"cp_usd_per_t", "mb_usd_per_t",
                                          "tts_yen_per_usd",
                                          "freight_usd_per_t", NULL};
    struct auth_ctx *a = auth_ctx(r);
    const char *month = month_of(r);
    struct cost_reference ref;
    char target[40];
    json_t *b;
    struct jcheck k;
    if (!month)
        return err_fail(ERR_NOT_FOUND, "年月は YYYY-MM の形式です");
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    ref.cp_cusd = decimal(&k, b, "cp_usd_per_t", 2, CENTS_MAX, true, 0);
    ref.mb_cusd = decimal(&k, b, "mb_usd_per_t", 2, CENTS_MAX, false, -1);
    ref.tts_csen = decimal(&k, b, "tts_yen_per_usd", 2, 100000, true, 0);
    ref.freight_cusd =
        decimal(&k, b, "freight_usd_per_t", 2, CENTS_MAX, false, 0);
    if (jcheck_ok(&k) && ref.tts_csen == 0)
        jcheck_add(&k, "tts_yen_per_usd", "range", "0 より大きい値です");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    snprintf(target, sizeof(target), "cost_reference:%s", month);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    rc = cost_reference_put(a->st, month, &ref, a->actor);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "cost_reference.set", target,
                        cost_reference_json(month, &ref));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    resp_json(r, 200, cost_reference_json(month, &ref));
    return ERR_OK;
}

static enum err
post_compute(struct req *r)
{
    static const char *const allowed[] = {"dry_run", NULL};
    struct auth_ctx *a = auth_ctx(r);
    const char *month = month_of(r);
    char target[40];
    json_t *b = NULL, *out = NULL;
    struct jcheck k;
    if (!month)
        return err_fail(ERR_NOT_FOUND, "年月は YYYY-MM の形式です");
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    const json_t *dr = json_object_get(b, "dry_run");
    if (dr && !json_is_boolean(dr))
        jcheck_add(&k, "dry_run", "format", "true か false です");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    bool dry = json_is_true(dr);
    if (!dry && !auth_allows(a, "billing.write"))
        return err_fail(ERR_AUTH_FORBIDDEN, "storing needs billing.write");
    if (dry) {
        if (!(rc = cost_formula_apply(a->st, month, true, a->actor, &out)))
            json_object_set_new(out, "stored", json_false());
        return answer(r, rc, out);
    }
    snprintf(target, sizeof(target), "cost_adjustment:%s", month);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    rc = cost_formula_apply(a->st, month, false, a->actor, &out);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "cost_adjustment.compute", target,
                        json_incref(out));
    if ((rc = record_tx_end(a->st, rc))) {
        json_decref(out);
        return rc;
    }
    json_object_set_new(out, "stored", json_true());
    return answer(r, ERR_OK, out);
}

#define READ  "billing.read"
#define WRITE "billing.write"

const struct route cost_formula_routes[] = {
    {"GET", "/api/v1/cost-formula", get_formula, 0, READ, NULL, 0},
    {"PUT", "/api/v1/cost-formula", put_formula, BODY_MAX, WRITE,
     "cost_formula.set", 0},
    {"GET", "/api/v1/cost-references", get_references, 0, READ, NULL, 0},
    {"PUT", "/api/v1/cost-references/{month}", put_reference, BODY_MAX, WRITE,
     "cost_reference.set", 0},
    {"POST", "/api/v1/cost-adjustments/{month}/compute", post_compute, BODY_MAX,
     READ, "cost_adjustment.compute", 0},
    ROUTES_END,
};
