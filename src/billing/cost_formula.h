/*
 * cost_formula.h — 原料費調整 by the tenant's own formula (DOMAIN §5).
 *
 * Many retailers move the unit price monthly by a published formula: the
 * raw-material price (Saudi Aramco CP, sometimes blended with Mont
 * Belvieu, plus freight, in $/t) times the TTS exchange rate (¥/$) gives
 * ¥/t; its difference from the formula's base price, ÷ 1,000 kg/t ÷ the
 * conversion factor (m³/kg, 0.482), is the adjustment in ¥/m³. Retailers
 * differ in the details, so each is a setting: the weights, averaging the
 * source month with the month before, a lag (the adjustment of October
 * comes from July's prices with a lag of 3), a period of one or two months
 * (a bimonthly adjustment holds for January–February, March–April, …: the
 * value of the period's first month), a dead band (an adjustment smaller
 * than it is zero), steps (¥5/m³) with a rounding mode, and whether the
 * adjustment is tax-included.
 *
 * The result is stored as the month's adjustment (cost_adjustments, source
 * "formula"), exactly like one entered by hand: the billing run reads only
 * that, so a month's value never changes behind an issued invoice, and
 * the audit entry of the computation keeps its working.
 */
#ifndef PL_BILLING_COST_FORMULA_H
#define PL_BILLING_COST_FORMULA_H

#include "billing/billing.h"
#include "core/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct store;

struct cost_formula {
    int64_t base_cyen_per_t; /* 基準原料価格, hundredths of ¥ per tonne */
    int64_t cp_weight;       /* % of CP in the blend */
    int64_t mb_weight;       /* % of Mont Belvieu (cp + mb = 100) */
    int64_t conversion_milli; /* 産気率, m³/kg × 1000 (482) */
    int64_t step_cyen;        /* adjustment moves in these steps (0: ¥0.01) */
    int64_t dead_band_cyen;   /* |adjustment| below it → 0 */
    enum rounding rounding;   /* to the step */
    int64_t lag_months;       /* 0..12 */
    int64_t period_months;    /* 1 or 2 */
    int64_t average_months; /* 1 or 2: the source month (and the one before) */
    bool tax_included;
};

/* One month's inputs (参照価格), as the tenant enters them. */
struct cost_reference {
    int64_t cp_cusd;      /* Saudi CP, cents of $ per tonne */
    int64_t mb_cusd;      /* Mont Belvieu, cents of $/t; -1 = not entered */
    int64_t tts_csen;     /* TTS, hundredths of ¥ per $ */
    int64_t freight_cusd; /* freight, cents of $/t (0 when none) */
};

#define COST_SOURCES_MAX 2

struct cost_result {
    char period_month[8];             /* the period's first month */
    char source[COST_SOURCES_MAX][8]; /* the months whose prices count */
    int nsource;
    int64_t raw_cyen_per_t;    /* their average raw price, ¥/t */
    int64_t exact_cyen_per_m3; /* before dead band and steps */
    bool dead_band;            /* zeroed by the dead band */
    int64_t cyen_per_m3;       /* the adjustment */
};

/* "" when f is usable, else the field at fault and a message (Japanese). */
bool cost_formula_valid(const struct cost_formula *f, const char **field,
                        const char **msg);
/* The months whose references the adjustment of month (YYYY-MM) needs. */
void cost_formula_sources(const struct cost_formula *f, const char *month,
                          struct cost_result *out);
/* The adjustment of month from refs[i] (the inputs of out->source[i], as
 * cost_formula_sources named them). ERR_INVALID when an input needed is
 * missing (mb with a weight) or the result is beyond ±¥1,000/m³. Pure. */
enum err cost_formula_compute(const struct cost_formula *f,
                              const struct cost_reference *refs,
                              struct cost_result *out);
/* month + n months (n may be negative), YYYY-MM. */
void cost_month_add(const char *month, int n, char out[8]);
/* A decimal with at most places decimals into an integer scaled by
 * 10^places, within [0, max]; false on bad text. */
bool cost_decimal_parse(const char *s, int places, int64_t max, int64_t *out);

/* cost_formula_store.c: the tenant's formula (ERR_COST_FORMULA_NONE when
 * it has none) and monthly references (ERR_COST_REFERENCE_MISSING). */
enum err cost_formula_get(struct store *st, struct cost_formula *f);
enum err cost_formula_put(struct store *st, const struct cost_formula *f,
                          const char *actor);
json_t *cost_formula_json(const struct cost_formula *f);
enum err cost_reference_get(struct store *st, const char *month,
                            struct cost_reference *out);
enum err cost_reference_put(struct store *st, const char *month,
                            const struct cost_reference *ref,
                            const char *actor);
json_t *cost_reference_json(const char *month, const struct cost_reference *r);
enum err cost_reference_list(struct store *st, json_t **out);
/* Work out month's adjustment with the tenant's formula and references;
 * unless dry_run, store it as the month's cost adjustment (inside the
 * caller's transaction). *out: the working (new ref). */
enum err cost_formula_apply(struct store *st, const char *month, bool dry_run,
                            const char *actor, json_t **out);

#endif
