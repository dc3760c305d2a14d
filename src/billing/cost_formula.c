/*
 * cost_formula.c — the arithmetic of 原料費調整 by formula (the model is in
 * cost_formula.h). Pure: no I/O.
 *
 * Exact integers all the way. For each source month i:
 *   U_i = cp_weight × CP_i + mb_weight × MB_i + 100 × freight_i
 *         ($/t in cents × percent: $/t × 10^4)
 *   Y_i = U_i × TTS_i  (TTS in hundredths: ¥/t × 10^6)
 * and over the n source months, S = Σ Y_i. The difference from the base,
 * D = S − n × base × 10^4 (base in hundredths of ¥/t), is n × (¥/t) × 10^6;
 * the adjustment in hundredths of ¥/m³ is (¥/t) × 100 ÷ conversion_milli,
 * i.e. D ÷ (10^4 × n × conversion_milli). The dead band compares that
 * exact value; the step rounds it once: round(D ÷ (10^4 × n × conv ×
 * step)) × step, by the formula's rounding mode (by magnitude for a
 * negative adjustment, as every amount here). With CP ≤ $10,000/t and TTS
 * ≤ ¥1,000/$ the products stay far inside 64 bits.
 */
#include "billing/cost_formula.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USD_MAX_CENTS   1000000 /* $10,000/t */
#define TTS_MAX_HUNDRED 100000  /* ¥1,000/$ */

bool
cost_decimal_parse(const char *s, int places, int64_t max, int64_t *out)
{
    int64_t v = 0;
    int digits = 0, decimals = 0;
    if (s == NULL)
        return false;
    for (; *s >= '0' && *s <= '9'; s++, digits++)
        if ((v = v * 10 + (*s - '0')) > max)
            return false;
    if (digits == 0)
        return false;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++) {
            if (++decimals > places)
                return false;
            v = v * 10 + (*s - '0');
        }
        if (decimals == 0)
            return false;
    }
    if (*s != '\0')
        return false;
    for (; decimals < places; decimals++)
        if ((v *= 10) > max)
            return false;
    if (v > max)
        return false;
    *out = v;
    return true;
}

void
cost_month_add(const char *month, int n, char out[8])
{
    int y = (int)strtol(month, NULL, 10),
        m = (int)strtol(month + 5, NULL, 10) - 1 + n;
    y += m >= 0 ? m / 12 : -((11 - m) / 12);
    m = ((m % 12) + 12) % 12;
    snprintf(out, 8, "%04d-%02d", y, m + 1);
}

bool
cost_formula_valid(const struct cost_formula *f, const char **field,
                   const char **msg)
{
    *field = NULL;
    if (f->base_cyen_per_t <= 0) {
        *field = "base_yen_per_t";
        *msg = "基準原料価格（円/t）は 0 より大きくしてください";
    } else if (f->cp_weight < 0 || f->mb_weight < 0 ||
               f->cp_weight + f->mb_weight != 100) {
        *field = "cp_weight";
        *msg = "CP と MB の比率は合わせて 100 にしてください";
    } else if (f->conversion_milli < 300 || f->conversion_milli > 700) {
        *field = "conversion_m3_per_kg";
        *msg = "換算係数（m³/kg）は 0.300〜0.700 の範囲です";
    } else if (f->step_cyen < 0 || f->step_cyen > TARIFF_ADJUST_MAX_CYEN) {
        *field = "step";
        *msg = "刻みは 0〜1,000 円/m³ の範囲です";
    } else if (f->dead_band_cyen < 0 ||
               f->dead_band_cyen > TARIFF_ADJUST_MAX_CYEN) {
        *field = "dead_band";
        *msg = "不感帯は 0〜1,000 円/m³ の範囲です";
    } else if (f->lag_months < 0 || f->lag_months > 12) {
        *field = "lag_months";
        *msg = "適用の遅れは 0〜12 か月です";
    } else if (f->period_months != 1 && f->period_months != 2) {
        *field = "period_months";
        *msg = "改定の周期は 1 か 2（か月）です";
    } else if (f->average_months != 1 && f->average_months != 2) {
        *field = "average_months";
        *msg = "平均する月数は 1 か 2 です";
    }
    return *field == NULL;
}

void
cost_formula_sources(const struct cost_formula *f, const char *month,
                     struct cost_result *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->period_month, sizeof(out->period_month), "%.7s", month);
    /* bimonthly periods: January–February, March–April, … */
    if (f->period_months == 2 && (int)strtol(month + 5, NULL, 10) % 2 == 0)
        cost_month_add(month, -1, out->period_month);
    cost_month_add(out->period_month, -(int)f->lag_months, out->source[0]);
    out->nsource = 1;
    if (f->average_months == 2)
        cost_month_add(out->source[0], -1, out->source[out->nsource++]);
}

/* One month's raw price, ¥/t × 10^6; -1 when an input it needs is bad. */
static int64_t
raw_price(const struct cost_formula *f, const struct cost_reference *r)
{
    if (r->cp_cusd < 0 || r->cp_cusd > USD_MAX_CENTS || r->tts_csen <= 0 ||
        r->tts_csen > TTS_MAX_HUNDRED || r->freight_cusd < 0 ||
        r->freight_cusd > USD_MAX_CENTS)
        return -1;
    if (f->mb_weight > 0 && (r->mb_cusd < 0 || r->mb_cusd > USD_MAX_CENTS))
        return -1;
    int64_t u = f->cp_weight * r->cp_cusd + 100 * r->freight_cusd;
    if (f->mb_weight > 0)
        u += f->mb_weight * r->mb_cusd;
    return u * r->tts_csen;
}

enum err
cost_formula_compute(const struct cost_formula *f,
                     const struct cost_reference *refs, struct cost_result *out)
{
    const char *field, *msg;
    int64_t sum = 0, n = out->nsource;
    if (!cost_formula_valid(f, &field, &msg) || n < 1 || n > COST_SOURCES_MAX)
        return err_fail(ERR_INVALID, "原料費調整の計算式が正しくありません");
    for (int i = 0; i < out->nsource; i++) {
        int64_t y = raw_price(f, &refs[i]);
        if (y < 0)
            return err_fail(ERR_INVALID, "%s の参照価格が足りないか範囲外です",
                            out->source[i]);
        sum += y;
    }
    int64_t d = sum - n * f->base_cyen_per_t * 10000;
    int64_t den = 10000 * n * f->conversion_milli;
    out->raw_cyen_per_t = bill_round_div(sum, 10000 * n, ROUND_HALF_UP);
    out->exact_cyen_per_m3 = bill_round_div(d, den, ROUND_HALF_UP);
    int64_t mag = d < 0 ? -d : d;
    out->dead_band = mag < f->dead_band_cyen * den;
    int64_t step = f->step_cyen > 0 ? f->step_cyen : 1;
    out->cyen_per_m3 =
        out->dead_band ? 0 : bill_round_div(d, den * step, f->rounding) * step;
    if (out->cyen_per_m3 > TARIFF_ADJUST_MAX_CYEN ||
        out->cyen_per_m3 < -TARIFF_ADJUST_MAX_CYEN)
        return err_fail(ERR_INVALID,
                        "計算結果が ±1,000 円/m³ を超えます（基準価格・参照価格"
                        "を確認してください）");
    return ERR_OK;
}
