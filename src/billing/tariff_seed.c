/*
 * tariff_seed.c — realistic tariffs for a seeded tenant (the billing seed
 * module calls billing_seed_tariffs inside its transaction).
 *
 * Each tenant gets three tariffs at DOMAIN.md §5 price levels (base
 * ¥1,900–2,300, ¥700–900/m³ tax included around 10 m³, a 10 m³ bill near
 * ¥9,000), each with two dated versions (2020-04-01 and a revision on
 * 2025-04-02, the day the 設備料金 rule took effect):
 *   HOUSE  一般家庭用 — two-part, block slide (区分), five bands;
 *   APT    集合住宅用 — the same shape a little dearer (apartments pay
 *          more than detached houses for the same use);
 *   EQUIP  三部料金 — three-part: lower base, a ¥550 設備料金 (給湯器・
 *          ガス漏れ警報器) shown on its own line.
 * Points in a building get APT, every seventh other contract EQUIP, the
 * rest HOUSE. Cold regions (Hokkaido, Tohoku) price a little higher.
 * 原料費調整: a formula, 28 months of reference prices and the 24 months
 * up to the current one computed from them (source "formula").
 */
#include "billing/billing.h"
#include "billing/cost_formula.h"
#include "core/timeutil.h"
#include "seed/seed.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static bool
cold_region(const char *pref)
{
    static const char *const cold[] = {"北海道", "青森県", "岩手県", "宮城県",
                                       "秋田県", "山形県", "福島県", NULL};
    for (size_t i = 0; pref && cold[i]; i++)
        if (!strcmp(pref, cold[i]))
            return true;
    return false;
}

/* A block-slide version: base and first-band price (cyen), then each
 * band a little cheaper (≤5, ≤10, ≤20, ≤50 m³, above). */
static struct tariff_price
seed_price(const char *kind, int64_t base, int64_t p1, int64_t equipment,
           const char *from)
{
    static const int64_t upper[] = {50, 100, 200, 500, -1};
    static const int64_t step[] = {0, 1500, 3500, 6500, 10500};
    struct tariff_price p;
    memset(&p, 0, sizeof(p));
    snprintf(p.kind, sizeof(p.kind), "%s", kind);
    snprintf(p.slide, sizeof(p.slide), "block");
    snprintf(p.effective_from, sizeof(p.effective_from), "%s", from);
    p.tax_included = true;
    p.base_fee_cyen = base;
    p.equipment_fee_cyen = equipment;
    p.minimum_charge_cyen = p.minimum_usage_tenths = -1;
    p.fixed_amount_cyen = -1;
    for (size_t i = 0; i < 5; i++) {
        p.band[i].upper_tenths = upper[i];
        p.band[i].unit_price_cyen = p1 - step[i];
        p.band[i].base_fee_cyen = -1;
    }
    p.nbands = 5;
    return p;
}

/* One tariff with its two versions; *id receives it. */
static enum err
seed_tariff(struct store *st, const char *code, const char *name,
            const char *kind, int64_t base, int64_t p1, int64_t equipment,
            int64_t *id)
{
    int64_t vid;
    const char *field, *msg;
    enum err rc = tariff_create(st, code, name, kind, NULL, id);
    struct tariff_price a = seed_price(kind, base, p1, equipment, "2020-04-01");
    /* the 2025-04-02 revision: +¥22/m³ on every band */
    struct tariff_price b =
        seed_price(kind, base, p1 + 2200, equipment, "2025-04-02");
    if (!rc && (rc = tariff_validate(&a, &field, &msg)))
        return err_fail(rc, "seed tariff %s: %s", code, msg);
    if (!rc)
        rc = tariff_version_add(st, *id, &a, "seed", &vid);
    if (!rc)
        rc = tariff_version_add(st, *id, &b, "seed", &vid);
    return rc;
}

/* 原料費調整 by formula for the 24 months up to this one: a formula of the
 * published shape (base ¥85,000/t, CP only, 0.482, ¥5 steps, three months'
 * lag, two-month average) and reference prices wandering as CP and the
 * yen do ($520–680/t, ¥135–160/$), each month computed from them. */
static enum err
seed_adjustments(struct store *st, struct rng *r)
{
    static const struct cost_formula f = {
        .base_cyen_per_t = 8500000,
        .cp_weight = 100,
        .conversion_milli = 482,
        .step_cyen = 500,
        .rounding = ROUND_DOWN,
        .lag_months = 3,
        .period_months = 1,
        .average_months = 2,
        .tax_included = true,
    };
    char today[11], month[8];
    struct cost_reference ref = {60000, -1, 14800, 0};
    enum err rc = cost_formula_put(st, &f, "seed");
    time_today_jst(today);
    for (int k = 24 + 3 + 1; !rc && k >= 0; k--) {
        cost_month_add(today, -k, month);
        ref.cp_cusd += ((int64_t)rng_below(r, 7) - 3) * 1000;
        ref.cp_cusd = ref.cp_cusd < 52000   ? 52000
                      : ref.cp_cusd > 68000 ? 68000
                                            : ref.cp_cusd;
        ref.tts_csen += ((int64_t)rng_below(r, 5) - 2) * 100;
        ref.tts_csen = ref.tts_csen < 13500   ? 13500
                       : ref.tts_csen > 16000 ? 16000
                                              : ref.tts_csen;
        rc = cost_reference_put(st, month, &ref, "seed");
    }
    for (int k = 23; !rc && k >= 0; k--) {
        json_t *working = NULL;
        cost_month_add(today, -k, month);
        rc = cost_formula_apply(st, month, false, "seed", &working);
        json_decref(working);
    }
    return rc;
}

enum err
billing_seed_tariffs(struct store *st, struct rng *r, const char *prefecture)
{
    int64_t cold = cold_region(prefecture) ? 3000 : 0;
    int64_t base = 190000 + (int64_t)rng_below(r, 41) * 1000; /* ¥1,900–2,300 */
    int64_t p1 = 72000 + (int64_t)rng_below(r, 15) * 1000 + cold; /* ¥720–… */
    int64_t house, apt, equip;
    enum err rc = seed_tariff(st, "HOUSE", "一般家庭用（二部料金）", "two_part",
                              base, p1, 0, &house);
    if (!rc)
        rc = seed_tariff(st, "APT", "集合住宅用（二部料金）", "two_part",
                         base + 11000, p1 + 2500, 0, &apt);
    if (!rc)
        rc = seed_tariff(st, "EQUIP", "三部料金（設備料金あり）", "three_part",
                         base - 22000, p1, 55000, &equip);
    if (!rc)
        rc = store_run(st,
                       "UPDATE contracts SET tariff_id = $1"
                       " WHERE supply_point_id IN (SELECT id FROM"
                       " supply_points WHERE building IS NOT NULL"
                       " AND building <> '')",
                       "i", apt);
    if (!rc)
        rc = store_run(st,
                       "UPDATE contracts SET tariff_id = $1"
                       " WHERE tariff_id IS NULL AND id % 7 = 0",
                       "i", equip);
    if (!rc)
        rc = store_run(st,
                       "UPDATE contracts SET tariff_id = $1"
                       " WHERE tariff_id IS NULL",
                       "i", house);
    if (!rc)
        rc = seed_adjustments(st, r);
    return rc;
}
