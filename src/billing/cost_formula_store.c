/*
 * cost_formula_store.c — the SQL of 原料費調整 by formula: the tenant's
 * formula, the reference prices by month, and applying the formula to a
 * month (cost_formula.h).
 */
#include "billing/cost_formula.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define FORMULA_COLS                                                           \
    "base_cyen_per_t, cp_weight, mb_weight, conversion_milli, step_cyen,"      \
    " dead_band_cyen, rounding, lag_months, period_months, average_months,"    \
    " tax_included"

enum err
cost_formula_get(struct store *st, struct cost_formula *f)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s, "SELECT " FORMULA_COLS " FROM cost_formula WHERE id = 1", "");
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = ERR_COST_FORMULA_NONE;
    if (!rc) {
        f->base_cyen_per_t = stmt_int(s, 0);
        f->cp_weight = stmt_int(s, 1);
        f->mb_weight = stmt_int(s, 2);
        f->conversion_milli = stmt_int(s, 3);
        f->step_cyen = stmt_int(s, 4);
        f->dead_band_cyen = stmt_int(s, 5);
        if (!tariff_rounding_parse(stmt_text(s, 6), &f->rounding))
            f->rounding = ROUND_DOWN;
        f->lag_months = stmt_int(s, 7);
        f->period_months = stmt_int(s, 8);
        f->average_months = stmt_int(s, 9);
        f->tax_included = stmt_int(s, 10) != 0;
    }
    stmt_done(s);
    return rc;
}

enum err
cost_formula_put(struct store *st, const struct cost_formula *f,
                 const char *actor)
{
    char now[32];
    time_now_iso(now);
    return store_run(
        st,
        "INSERT INTO cost_formula (id, " FORMULA_COLS ", updated_at,"
        " updated_by) VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
        " $12, $13) ON CONFLICT (id) DO UPDATE SET base_cyen_per_t = $1,"
        " cp_weight = $2, mb_weight = $3, conversion_milli = $4,"
        " step_cyen = $5, dead_band_cyen = $6, rounding = $7,"
        " lag_months = $8, period_months = $9, average_months = $10,"
        " tax_included = $11, updated_at = $12, updated_by = $13",
        "iiiiiitiiiitt", f->base_cyen_per_t, f->cp_weight, f->mb_weight,
        f->conversion_milli, f->step_cyen, f->dead_band_cyen,
        tariff_rounding_name(f->rounding), f->lag_months, f->period_months,
        f->average_months, (int64_t)f->tax_included, now, actor);
}

/* Hundredths as "735.99" (or null when negative: not entered). */
static json_t *
hundredths(int64_t v)
{
    char b[32];
    if (v < 0)
        return json_null();
    tariff_cyen_format(v, b, sizeof(b));
    return json_string(b);
}

/* Signed hundredths as "-5.00". */
static json_t *
signed_hundredths(int64_t v)
{
    char b[32];
    tariff_cyen_format(v, b, sizeof(b));
    return json_string(b);
}

json_t *
cost_formula_json(const struct cost_formula *f)
{
    char conv[16];
    snprintf(conv, sizeof(conv), "%lld.%03lld",
             (long long)(f->conversion_milli / 1000),
             (long long)(f->conversion_milli % 1000));
    return json_pack(
        "{s:o, s:I, s:I, s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:b}",
        "base_yen_per_t", hundredths(f->base_cyen_per_t), "cp_weight",
        (json_int_t)f->cp_weight, "mb_weight", (json_int_t)f->mb_weight,
        "conversion_m3_per_kg", conv, "step", hundredths(f->step_cyen),
        "dead_band", hundredths(f->dead_band_cyen), "rounding",
        tariff_rounding_name(f->rounding), "lag_months",
        (json_int_t)f->lag_months, "period_months",
        (json_int_t)f->period_months, "average_months",
        (json_int_t)f->average_months, "tax_included", f->tax_included);
}

enum err
cost_reference_get(struct store *st, const char *month,
                   struct cost_reference *out)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(st, &s,
                              "SELECT cp_cusd, COALESCE(mb_cusd, -1),"
                              " tts_csen, freight_cusd FROM cost_references"
                              " WHERE month = $1",
                              "t", month);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = err_fail(ERR_COST_REFERENCE_MISSING,
                      "%s の参照価格（CP・TTS）が登録されていません", month);
    if (!rc) {
        out->cp_cusd = stmt_int(s, 0);
        out->mb_cusd = stmt_int(s, 1);
        out->tts_csen = stmt_int(s, 2);
        out->freight_cusd = stmt_int(s, 3);
    }
    stmt_done(s);
    return rc;
}

enum err
cost_reference_put(struct store *st, const char *month,
                   const struct cost_reference *ref, const char *actor)
{
    char now[32];
    time_now_iso(now);
    return store_run(st,
                     "INSERT INTO cost_references (month, cp_cusd, mb_cusd,"
                     " tts_csen, freight_cusd, updated_at, updated_by) VALUES"
                     " ($1, $2, NULLIF($3, -1), $4, $5, $6, $7)"
                     " ON CONFLICT (month) DO UPDATE SET cp_cusd = $2,"
                     " mb_cusd = NULLIF($3, -1), tts_csen = $4,"
                     " freight_cusd = $5, updated_at = $6, updated_by = $7",
                     "tiiiitt", month, ref->cp_cusd, ref->mb_cusd,
                     ref->tts_csen, ref->freight_cusd, now, actor);
}

json_t *
cost_reference_json(const char *month, const struct cost_reference *r)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:o}", "month", month,
                     "cp_usd_per_t", hundredths(r->cp_cusd), "mb_usd_per_t",
                     hundredths(r->mb_cusd), "tts_yen_per_usd",
                     hundredths(r->tts_csen), "freight_usd_per_t",
                     hundredths(r->freight_cusd));
}

enum err
cost_reference_list(struct store *st, json_t **out)
{
    struct stmt *s;
    bool row;
    json_t *list = json_array();
    enum err rc = store_query(st, &s,
                              "SELECT month, cp_cusd, COALESCE(mb_cusd, -1),"
                              " tts_csen, freight_cusd, updated_at, updated_by"
                              " FROM cost_references ORDER BY month DESC"
                              " LIMIT 240",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        struct cost_reference r = {stmt_int(s, 1), stmt_int(s, 2),
                                   stmt_int(s, 3), stmt_int(s, 4)};
        json_t *o = cost_reference_json(stmt_text(s, 0), &r);
        json_object_set_new(o, "updated_at", json_string(stmt_text(s, 5)));
        json_object_set_new(o, "updated_by", json_string(stmt_text(s, 6)));
        json_array_append_new(list, o);
    }
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "references", list);
    return ERR_OK;
}

/* The working of a computation, for the answer and the audit entry. */
static json_t *
working_json(const char *month, const struct cost_formula *f,
             const struct cost_result *res, const struct cost_reference *refs)
{
    json_t *src = json_array();
    for (int i = 0; i < res->nsource; i++)
        json_array_append_new(src,
                              cost_reference_json(res->source[i], &refs[i]));
    return json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:b, s:o}", "month", month,
        "period_month", res->period_month, "sources", src, "raw_yen_per_t",
        hundredths(res->raw_cyen_per_t), "exact_per_m3",
        signed_hundredths(res->exact_cyen_per_m3), "per_m3",
        signed_hundredths(res->cyen_per_m3), "dead_band_applied",
        res->dead_band, "formula", cost_formula_json(f), "tax_included",
        f->tax_included, "base_yen_per_t", hundredths(f->base_cyen_per_t));
}

enum err
cost_formula_apply(struct store *st, const char *month, bool dry_run,
                   const char *actor, json_t **out)
{
    struct cost_formula f;
    struct cost_result res;
    struct cost_reference refs[COST_SOURCES_MAX];
    *out = NULL;
    enum err rc = cost_formula_get(st, &f);
    if (rc == ERR_COST_FORMULA_NONE)
        return err_fail(rc,
                        "PUT /api/v1/cost-formula で計算式を設定してください");
    if (rc)
        return rc;
    cost_formula_sources(&f, month, &res);
    for (int i = 0; !rc && i < res.nsource; i++)
        rc = cost_reference_get(st, res.source[i], &refs[i]);
    if (!rc)
        rc = cost_formula_compute(&f, refs, &res);
    if (!rc && !dry_run)
        rc = cost_adjustment_put(st, month, res.cyen_per_m3, f.tax_included,
                                 "formula", actor);
    if (!rc)
        *out = working_json(month, &f, &res, refs);
    return rc;
}
