/*
 * test_tariff.c — the tariff engine (src/billing/tariff.c) on worked
 * examples computed by hand here: DOMAIN.md's two block-slide examples
 * (¥9,468 and ¥20,744), the whole-usage table A/B/C at its edges, the
 * minimum charge, a fixed contract, the raw-material adjustment, a price
 * change split by days, base by days, every rounding mode, tax per rate
 * rounded once (内税 and 外税 and both), extra lines at 8% and exempt; the
 * validation of a version (incl. the three-part rule); and, over many
 * random inputs, that an invoice's totals equal the sum of its lines.
 *
 * Units: prices in hundredths of a yen (¥913 = 91300), usage in tenths of
 * a m³ (8.0 m³ = 80). A usage line is round(tenths × cyen / 1000) yen.
 */
#include "billing/billing.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* ----------------------------------------------------------------------
 * Builders
 * ---------------------------------------------------------------------- */

/* A tax-included block-slide two-part version with base (cyen). */
static struct tariff_price
block(int64_t base)
{
    struct tariff_price p;
    memset(&p, 0, sizeof(p));
    strcpy(p.kind, "two_part");
    strcpy(p.slide, "block");
    p.tax_included = true;
    p.base_fee_cyen = base;
    p.minimum_charge_cyen = p.minimum_usage_tenths = -1;
    p.fixed_amount_cyen = -1;
    strcpy(p.effective_from, "2025-04-01");
    return p;
}

static void
add_band(struct tariff_price *p, int64_t upper, int64_t price, int64_t base)
{
    p->band[p->nbands].upper_tenths = upper;
    p->band[p->nbands].unit_price_cyen = price;
    p->band[p->nbands].base_fee_cyen = base;
    p->nbands++;
}

static struct bill_in
input(const struct tariff_price *p, int64_t usage, enum rounding r)
{
    struct bill_in in;
    memset(&in, 0, sizeof(in));
    in.price = p;
    in.usage_tenths = usage;
    in.rounding = r;
    in.tax_rounding = ROUND_DOWN;
    return in;
}

static int64_t
total(const struct bill_in *in)
{
    struct bill_out o;
    assert_int_equal(bill_compute(in, &o), ERR_OK);
    return o.total_yen;
}

/* DOMAIN §5 example 1: base ¥2,200, 0.1–4.7 m³ ¥913, 4.8–9.4 ¥902. */
static struct tariff_price
example1(void)
{
    struct tariff_price p = block(220000);
    add_band(&p, 47, 91300, -1);
    add_band(&p, 94, 90200, -1);
    add_band(&p, -1, 89000, -1);
    return p;
}

/* DOMAIN §5 example 2: base ¥2,090, 0.1–20.9 ¥748, 21.0–40.9 ¥737. */
static struct tariff_price
example2(void)
{
    struct tariff_price p = block(209000);
    add_band(&p, 209, 74800, -1);
    add_band(&p, 409, 73700, -1);
    add_band(&p, -1, 72000, -1);
    return p;
}

/* DOMAIN §5 whole-usage table: A 0–10 m³ base ¥1,575 at ¥512.02;
 * B 10.1–50 base ¥2,100 at ¥459.52; C 50.1+ base ¥6,825 at ¥365.02. */
static struct tariff_price
table_abc(void)
{
    struct tariff_price p = block(0);
    strcpy(p.slide, "whole");
    add_band(&p, 100, 51202, 157500);
    add_band(&p, 500, 45952, 210000);
    add_band(&p, -1, 36502, 682500);
    return p;
}

/* ----------------------------------------------------------------------
 * Worked examples
 * ---------------------------------------------------------------------- */

/* 8.0 m³ = 2,200 + 913×4.7 (4,291.1) + 902×3.3 (2,976.6) = 9,467.7: the
 * published ¥9,468 is 四捨五入 of each line (4,291 + 2,977). */
static void
test_block_example_9468(void **state)
{
    (void)state;
    struct tariff_price p = example1();
    struct bill_in in = input(&p, 80, ROUND_HALF_UP);
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.total_yen, 9468);
    /* base, two usage bands, equipment ¥0: four lines */
    assert_int_equal(o.nlines, 4);
    assert_string_equal(o.line[0].kind, "base");
    assert_int_equal(o.line[0].amount_yen, 2200);
    assert_string_equal(o.line[1].kind, "usage");
    assert_int_equal(o.line[1].quantity_tenths, 47);
    assert_int_equal(o.line[1].amount_yen, 4291);
    assert_int_equal(o.line[2].quantity_tenths, 33);
    assert_int_equal(o.line[2].amount_yen, 2977);
    assert_string_equal(o.line[3].kind, "equipment");
    assert_int_equal(o.line[3].amount_yen, 0);
    /* 内税: 9,468 × 10/110 = 860.72… → 860 (切り捨て) */
    assert_int_equal(o.tax_yen[0], 860);
    assert_int_equal(o.taxable_yen[0], 8608);
    assert_int_equal(o.subtotal_yen, 8608);
    /* 切り捨て: 4,291 + 2,976; 切り上げ: 4,292 + 2,977 */
    in.rounding = ROUND_DOWN;
    assert_int_equal(total(&in), 2200 + 4291 + 2976);
    in.rounding = ROUND_UP;
    assert_int_equal(total(&in), 2200 + 4292 + 2977);
}

/* 25.0 m³ = 2,090 + 20.9×748 (15,633.2) + 4.1×737 (3,021.7) = 20,744.9:
 * the published ¥20,744 is 切り捨て (15,633 + 3,021). */
static void
test_block_example_20744(void **state)
{
    (void)state;
    struct tariff_price p = example2();
    struct bill_in in = input(&p, 250, ROUND_DOWN);
    assert_int_equal(total(&in), 20744);
    in.rounding = ROUND_HALF_UP; /* 15,633 + 3,022 */
    assert_int_equal(total(&in), 20745);
    /* the band edge itself: 20.9 m³ all in the first band */
    in = input(&p, 209, ROUND_DOWN); /* 15,633.2 */
    assert_int_equal(total(&in), 2090 + 15633);
    in = input(&p, 210, ROUND_DOWN); /* + 0.1 × 737 = 73.7 */
    assert_int_equal(total(&in), 2090 + 15633 + 73);
    /* past the second band: 41.0 = 20.9 + 20.0 + 0.1 */
    in = input(&p, 410, ROUND_DOWN); /* 15,633.2 + 14,740 + 72 */
    assert_int_equal(total(&in), 2090 + 15633 + 14740 + 72);
}

/* Whole-usage table at its edges, 切り捨て:
 * 10.0 → A: 1,575 + 10.0×512.02 (5,120.2) = 6,695
 * 10.1 → B: 2,100 + 10.1×459.52 (4,641.152) = 6,741
 * 50.0 → B: 2,100 + 50.0×459.52 (22,976) = 25,076
 * 50.1 → C: 6,825 + 50.1×365.02 (18,287.502) = 25,112 */
static void
test_whole_table_edges(void **state)
{
    (void)state;
    struct tariff_price p = table_abc();
    struct bill_in in = input(&p, 100, ROUND_DOWN);
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.total_yen, 6695);
    assert_int_equal(o.line[0].amount_yen, 1575);
    assert_int_equal(o.line[1].unit_price_cyen, 51202);
    assert_int_equal(o.line[1].quantity_tenths, 100);
    in.usage_tenths = 101;
    assert_int_equal(total(&in), 6741);
    in.usage_tenths = 500;
    assert_int_equal(total(&in), 25076);
    in.usage_tenths = 501;
    assert_int_equal(total(&in), 25112);
    /* 切り上げ at 10.0: 5,120.2 → 5,121; 四捨五入 at 50.1: 18,287.502 → 18,288
     */
    in = input(&p, 100, ROUND_UP);
    assert_int_equal(total(&in), 1575 + 5121);
    in = input(&p, 501, ROUND_HALF_UP);
    assert_int_equal(total(&in), 6825 + 18288);
    /* no usage: table A's base alone */
    in = input(&p, 0, ROUND_DOWN);
    assert_int_equal(total(&in), 1575);
}

/* 最低料金: ¥1,500 covers 2.0 m³; above, 2.1–10.0 at ¥600, 10.1+ at ¥550.
 * 1.5 m³ → 1,500; 12.3 m³ → 1,500 + 8.0×600 + 2.3×550 = 7,565. */
static void
test_minimum_charge(void **state)
{
    (void)state;
    struct tariff_price p = block(0);
    strcpy(p.kind, "minimum");
    p.minimum_charge_cyen = 150000;
    p.minimum_usage_tenths = 20;
    add_band(&p, 100, 60000, -1);
    add_band(&p, -1, 55000, -1);
    const char *f, *m;
    assert_int_equal(tariff_validate(&p, &f, &m), ERR_OK);
    struct bill_in in = input(&p, 15, ROUND_DOWN);
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.total_yen, 1500);
    assert_int_equal(o.line[1].amount_yen, 0); /* usage line still shown */
    in.usage_tenths = 20;
    assert_int_equal(total(&in), 1500);
    in.usage_tenths = 21; /* 0.1 × 600 */
    assert_int_equal(total(&in), 1560);
    in.usage_tenths = 123;
    assert_int_equal(total(&in), 7565);
}

/* 定額: ¥3,000 whatever the usage; the usage line shows the m³ at ¥0. */
static void
test_fixed_amount(void **state)
{
    (void)state;
    struct tariff_price p = block(0);
    strcpy(p.kind, "fixed");
    p.fixed_amount_cyen = 300000;
    const char *f, *m;
    assert_int_equal(tariff_validate(&p, &f, &m), ERR_OK);
    struct bill_in in = input(&p, 250, ROUND_DOWN);
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.total_yen, 3000);
    assert_int_equal(o.line[1].quantity_tenths, 250);
    assert_int_equal(o.line[1].amount_yen, 0);
}

/* 原料費調整: +¥5.00/m³ on 8.0 m³ = ¥40; −¥3.33/m³ = −¥26.64, rounded by
 * magnitude (切り捨て −26, 切り上げ −27, 四捨五入 −27). */
static void
test_adjustment(void **state)
{
    (void)state;
    struct tariff_price p = example1();
    struct bill_in in = input(&p, 80, ROUND_HALF_UP);
    in.adjustment_cyen_per_m3 = 500;
    in.adjustment_tax_included = true;
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.nlines, 5);
    assert_string_equal(o.line[4].kind, "adjustment");
    assert_int_equal(o.line[4].amount_yen, 40);
    assert_int_equal(o.total_yen, 9508);
    in.adjustment_cyen_per_m3 = -333;
    in.rounding = ROUND_DOWN; /* 9,467 − 26 */
    assert_int_equal(total(&in), 9467 - 26);
    in.rounding = ROUND_UP; /* 9,469 − 27 */
    assert_int_equal(total(&in), 9469 - 27);
    in.rounding = ROUND_HALF_UP; /* 9,468 − 27 */
    assert_int_equal(total(&in), 9468 - 27);
    in.adjustment_cyen_per_m3 = 0; /* no line at all */
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.nlines, 4);
}

/* A tax-excluded adjustment on a tax-included tariff: the ¥40 is grossed
 * up once (¥44), then tax once: (9,468 + 44) × 10/110 = 864.7… → 864. */
static void
test_adjustment_tax_excluded_mixed(void **state)
{
    (void)state;
    struct tariff_price p = example1();
    struct bill_in in = input(&p, 80, ROUND_HALF_UP);
    in.adjustment_cyen_per_m3 = 500;
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.total_yen, 9512);
    assert_int_equal(o.tax_yen[0], 864);
    assert_int_equal(o.taxable_yen[0], 9512 - 864);
}

/* 日割り: a change 10 days into a 30-day period, 15.0 m³. Before: base
 * ¥2,000, ≤10.0 ¥600, above ¥500; after: base ¥2,200, ≤10.0 ¥650, above
 * ¥550. Usage before = 15.0 × 10/30 = 5.0, after 10.0. Edges scaled:
 * 10.0 × 10/30 = 3.3, × 20/30 = 6.6. 切り捨て:
 *   before: 2,000×10/30 = 666 + 3.3×600 = 1,980 + 1.7×500 = 850
 *   after:  2,200×20/30 = 1,466 + 6.6×650 = 4,290 + 3.4×550 = 1,870
 *   total 11,122 */
/* A stretch of a day split: version p for days, month's adjustment. */
static void
stretch(struct bill_in *in, const struct tariff_price *p, int64_t days,
        const char *month, int64_t adj)
{
    struct bill_stretch *x = &in->split[in->nsplit++];
    x->price = p;
    x->days = days;
    x->adjustment_cyen_per_m3 = adj;
    x->adjustment_tax_included = true;
    snprintf(x->month, sizeof(x->month), "%s", month);
}

static void
test_day_split_price_change(void **state)
{
    (void)state;
    struct tariff_price a = block(200000), b = block(220000);
    add_band(&a, 100, 60000, -1);
    add_band(&a, -1, 50000, -1);
    add_band(&b, 100, 65000, -1);
    add_band(&b, -1, 55000, -1);
    strcpy(b.effective_from, "2026-10-01");
    struct bill_in in = input(&b, 150, ROUND_DOWN);
    in.days_total = 30;
    stretch(&in, &a, 10, "2026-10", 0);
    stretch(&in, &b, 20, "2026-10", 0);
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.total_yen, 11122);
    assert_int_equal(o.nlines, 7); /* 2 × (base + 2 bands) + equipment */
    assert_int_equal(o.line[0].amount_yen, 666);
    assert_int_equal(o.line[1].quantity_tenths, 33);
    assert_int_equal(o.line[2].quantity_tenths, 17);
    assert_int_equal(o.line[3].amount_yen, 1466);
    assert_int_equal(o.line[4].quantity_tenths, 66);
    assert_int_equal(o.line[5].quantity_tenths, 34);
    assert_non_null(strstr(o.line[0].description, "改定前"));
    assert_non_null(strstr(o.line[3].description, "改定後"));
    /* 検針日基準: no split → the new version for all of it:
     * 2,200 + 10.0×650 + 5.0×550 = 11,450 */
    in.nsplit = 0;
    assert_int_equal(total(&in), 11450);
}

/* Two changes and a month end in one 30-day period (10 + 10 + 10 days),
 * 30.0 m³ shared 10.0 each. Versions a, b (from 9/21), c (from 10/1), one
 * band each: base ¥1,500/1,800/2,100 at ¥500/600/700 per m³. 切り捨て:
 *   a: 1,500×10/30 = 500 + 10.0×500 = 5,000
 *   b: 1,800×10/30 = 600 + 10.0×600 = 6,000
 *   c: 2,100×10/30 = 700 + 10.0×700 = 7,000        gas 19,800
 * 原料費調整 follows the days, one line per month: September (a and b, 20
 * days) +¥3.00 on 20.0 m³ = 60; October (c, 10 days) −¥2.00 on 10.0 m³ =
 * −20. Total 19,840. */
static void
test_day_split_two_changes_and_months(void **state)
{
    (void)state;
    struct tariff_price a = block(150000), b = block(180000), c = block(210000);
    add_band(&a, -1, 50000, -1);
    add_band(&b, -1, 60000, -1);
    add_band(&c, -1, 70000, -1);
    strcpy(b.effective_from, "2026-09-21");
    strcpy(c.effective_from, "2026-10-01");
    struct bill_in in = input(&c, 300, ROUND_DOWN);
    in.days_total = 30;
    stretch(&in, &a, 10, "2026-09", 300);
    stretch(&in, &b, 10, "2026-09", 300);
    stretch(&in, &c, 10, "2026-10", -200);
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.nlines, 9); /* 3 × (base + band), 設備, 2 調整 */
    assert_int_equal(o.line[0].amount_yen, 500);
    assert_int_equal(o.line[1].amount_yen, 5000);
    assert_int_equal(o.line[2].amount_yen, 600);
    assert_int_equal(o.line[3].amount_yen, 6000);
    assert_int_equal(o.line[4].amount_yen, 700);
    assert_int_equal(o.line[5].amount_yen, 7000);
    assert_non_null(strstr(o.line[0].description, "（改定前）"));
    assert_non_null(strstr(o.line[2].description, "（9/21改定後）"));
    assert_non_null(strstr(o.line[4].description, "（10/1改定後）"));
    assert_string_equal(o.line[7].description, "原料費調整額（9月分）");
    assert_int_equal(o.line[7].quantity_tenths, 200);
    assert_int_equal(o.line[7].amount_yen, 60);
    assert_string_equal(o.line[8].description, "原料費調整額（10月分）");
    assert_int_equal(o.line[8].quantity_tenths, 100);
    assert_int_equal(o.line[8].amount_yen, -20);
    assert_int_equal(o.total_yen, 19800 + 60 - 20);
    /* uneven days: shares truncated on the running total, 7/13/10 days of
     * 10.0 m³ → 2.3, 4.3 (6.6 − 2.3), 3.4: they add up to 10.0 */
    in.usage_tenths = 100;
    in.split[0].days = 7;
    in.split[1].days = 13;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.line[1].quantity_tenths, 23);
    assert_int_equal(o.line[3].quantity_tenths, 43);
    assert_int_equal(o.line[5].quantity_tenths, 34);
}

/* One version over two months with different adjustments: one unsplit
 * gas part (no 改定 tags, bands not scaled) and an adjustment per month;
 * equal adjustments make one line. Stretches must add up to the period. */
static void
test_day_split_months_only(void **state)
{
    (void)state;
    struct tariff_price p = example1(); /* 8.0 m³ = ¥9,467 (切り捨て) */
    struct bill_in in = input(&p, 80, ROUND_DOWN);
    in.days_total = 31;
    stretch(&in, &p, 21, "2026-09", 500);
    stretch(&in, &p, 10, "2026-10", 1000);
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.nlines, 6); /* base, 2 bands, 設備, 2 調整 */
    assert_null(strstr(o.line[0].description, "改定"));
    /* 8.0 × 21/31 = 5.4 at ¥5.00 = 27; 2.6 at ¥10.00 = 26 */
    assert_int_equal(o.line[4].quantity_tenths, 54);
    assert_int_equal(o.line[4].amount_yen, 27);
    assert_int_equal(o.line[5].quantity_tenths, 26);
    assert_int_equal(o.line[5].amount_yen, 26);
    assert_int_equal(o.total_yen, 9467 + 27 + 26);
    in.split[1].adjustment_cyen_per_m3 = 500; /* same both months */
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.nlines, 5);
    assert_string_equal(o.line[4].description, "原料費調整額");
    assert_int_equal(o.line[4].amount_yen, 40);
    in.split[1].days = 9; /* 21 + 9 != 31 */
    assert_int_equal(bill_compute(&in, &o), ERR_INVALID);
    in.split[1].days = 10;
    in.nsplit = 1; /* a split of one stretch is no split */
    assert_int_equal(bill_compute(&in, &o), ERR_INVALID);
}

/* Base by days: ¥2,090 × 12/31 = 809.03… (切り捨て 809, 切り上げ 810). */
static void
test_partial_base_by_days(void **state)
{
    (void)state;
    struct tariff_price p = example2();
    struct bill_in in = input(&p, 0, ROUND_DOWN);
    in.partial_base = true;
    in.partial_days = 12;
    in.standard_days = 31;
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.line[0].amount_yen, 809);
    assert_non_null(strstr(o.line[0].description, "12/31"));
    in.rounding = ROUND_UP;
    assert_int_equal(total(&in), 810);
    in.partial_days = 40; /* more days than the standard period */
    assert_int_equal(bill_compute(&in, &o), ERR_INVALID);
}

/* 三部料金制: base ¥1,800, ¥700/m³, equipment ¥500.00 in the tariff plus
 * ¥330.50 on the contract = ¥830.50 (切り捨て 830, 四捨五入 831). */
static void
test_three_part_equipment(void **state)
{
    (void)state;
    struct tariff_price p = block(180000);
    strcpy(p.kind, "three_part");
    p.equipment_fee_cyen = 50000;
    add_band(&p, -1, 70000, -1);
    struct bill_in in = input(&p, 100, ROUND_DOWN);
    in.equipment_fees_cyen = 33050;
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.line[2].amount_yen, 830);
    assert_int_equal(o.total_yen, 1800 + 7000 + 830);
    in.rounding = ROUND_HALF_UP;
    assert_int_equal(total(&in), 1800 + 7000 + 831);
}

/* 外税 tariff: base ¥1,994 + 10.0 × ¥500 = ¥6,994; tax 699.4 →
 * 切り捨て 699, 四捨五入 699, 切り上げ 700; and ¥6,995 → 699.5 → 700. */
static void
test_tax_excluded_every_rounding(void **state)
{
    (void)state;
    struct tariff_price p = block(199400);
    p.tax_included = false;
    add_band(&p, -1, 50000, -1);
    struct bill_in in = input(&p, 100, ROUND_DOWN);
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.subtotal_yen, 6994);
    assert_int_equal(o.tax_yen[0], 699);
    assert_int_equal(o.total_yen, 7693);
    in.tax_rounding = ROUND_HALF_UP;
    assert_int_equal(total(&in), 6994 + 699);
    in.tax_rounding = ROUND_UP;
    assert_int_equal(total(&in), 6994 + 700);
    p.base_fee_cyen = 199500;
    in.tax_rounding = ROUND_HALF_UP;
    assert_int_equal(total(&in), 6995 + 700);
    in.tax_rounding = ROUND_DOWN;
    assert_int_equal(total(&in), 6995 + 699);
}

/* 内税: 9,468 × 10/110 = 860.72… → 860 / 861 / 861; the total stays. */
static void
test_tax_included_every_rounding(void **state)
{
    (void)state;
    struct tariff_price p = example1();
    struct bill_in in = input(&p, 80, ROUND_HALF_UP);
    static const enum rounding modes[3] = {ROUND_DOWN, ROUND_HALF_UP, ROUND_UP};
    static const int64_t tax[3] = {860, 861, 861};
    for (int i = 0; i < 3; i++) {
        struct bill_out o;
        in.tax_rounding = modes[i];
        assert_int_equal(bill_compute(&in, &o), ERR_OK);
        assert_int_equal(o.tax_yen[0], tax[i]);
        assert_int_equal(o.total_yen, 9468);
        assert_int_equal(o.taxable_yen[0] + o.tax_yen[0], 9468);
    }
}

/* Tax once per invoice per rate, not per line: three tax-excluded lines
 * of ¥5 each are ¥15 × 10% = 1.5 → 1, where per line it would be 0. */
static void
test_tax_rounded_once_per_rate(void **state)
{
    (void)state;
    struct tariff_price p = block(500);
    p.tax_included = false;
    add_band(&p, -1, 500, -1);
    struct bill_in in = input(&p, 10, ROUND_DOWN); /* ¥5 + ¥5 */
    in.equipment_fees_cyen = 500;                  /* ¥5 */
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    assert_int_equal(o.subtotal_yen, 15);
    assert_int_equal(o.tax_yen[0], 1);
    assert_int_equal(o.total_yen, 16);
}

/* Extra lines: 10% gas ¥9,468 (内税), food at 8% ¥1,080 (内税: 80), a
 * deposit exempt ¥500, and a 外税 ¥1,000 work charge at 10% — grossed up
 * with the gas: 9,468 + 1,100 = 10,568, tax 960.7… → 960. */
static void
test_add_lines_by_rate(void **state)
{
    (void)state;
    struct tariff_price p = example1();
    struct bill_in in = input(&p, 80, ROUND_HALF_UP);
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_OK);
    struct charge_line l;
    memset(&l, 0, sizeof(l));
    strcpy(l.kind, "charge");
    strcpy(l.description, "お米 5kg ※");
    l.amount_yen = 1080;
    l.tax_rate = 8;
    assert_int_equal(bill_add_line(&o, &l, true, ROUND_DOWN), ERR_OK);
    l.amount_yen = 500;
    l.tax_rate = 0;
    assert_int_equal(bill_add_line(&o, &l, true, ROUND_DOWN), ERR_OK);
    assert_int_equal(o.tax_yen[1], 80);
    assert_int_equal(o.taxable_yen[1], 1000);
    assert_int_equal(o.tax_yen[2], 0);
    assert_int_equal(o.taxable_yen[2], 500);
    assert_int_equal(o.total_yen, 9468 + 1080 + 500);
    l.amount_yen = 1000;
    l.tax_rate = 10;
    assert_int_equal(bill_add_line(&o, &l, false, ROUND_DOWN), ERR_OK);
    assert_int_equal(o.tax_yen[0], 960);
    assert_int_equal(o.taxable_yen[0], 10568 - 960);
    assert_int_equal(o.total_yen, 10568 + 1080 + 500);
    assert_int_equal(o.subtotal_yen + o.tax_yen[0] + o.tax_yen[1], o.total_yen);
    l.tax_rate = 5; /* no such rate */
    assert_int_equal(bill_add_line(&o, &l, false, ROUND_DOWN), ERR_INVALID);
}

/* ----------------------------------------------------------------------
 * Validation
 * ---------------------------------------------------------------------- */

static const char *
invalid_field(const struct tariff_price *p)
{
    const char *f = NULL, *m = NULL;
    if (tariff_validate(p, &f, &m) != ERR_TARIFF_INVALID)
        return "(valid)";
    assert_non_null(m);
    return f;
}

static void
test_validate_bands(void **state)
{
    (void)state;
    struct tariff_price p = example1();
    const char *f, *m;
    assert_int_equal(tariff_validate(&p, &f, &m), ERR_OK);
    p.band[1].upper_tenths = 47; /* not ascending */
    assert_string_equal(invalid_field(&p), "bands");
    p = example1();
    p.band[2].upper_tenths = 200; /* last one bounded */
    assert_string_equal(invalid_field(&p), "bands");
    p = example1();
    p.band[0].upper_tenths = -1; /* unbounded before the last */
    assert_string_equal(invalid_field(&p), "bands");
    p = example1();
    p.band[1].unit_price_cyen = -1;
    assert_string_equal(invalid_field(&p), "bands");
    p = example1();
    p.band[0].base_fee_cyen = 100000; /* band base fee in a block slide */
    assert_string_equal(invalid_field(&p), "bands");
    p = example1();
    p.nbands = 0;
    assert_string_equal(invalid_field(&p), "bands");
    p = example1();
    p.base_fee_cyen = -100;
    assert_string_equal(invalid_field(&p), "base_fee");
    p = example1();
    strcpy(p.slide, "ramp");
    assert_string_equal(invalid_field(&p), "slide");
    strcpy(p.kind, "four_part");
    assert_string_equal(invalid_field(&p), "kind");
    p = table_abc(); /* band base fees are fine in a whole table */
    assert_string_equal(invalid_field(&p), "(valid)");
}

static void
test_validate_kinds(void **state)
{
    (void)state;
    struct tariff_price p = example1();
    p.minimum_charge_cyen = 100000; /* minimum on a two-part tariff */
    assert_string_equal(invalid_field(&p), "minimum_charge");
    p = example1();
    strcpy(p.kind, "minimum"); /* minimum without its charge */
    p.base_fee_cyen = 0;
    assert_string_equal(invalid_field(&p), "minimum_charge");
    p.minimum_charge_cyen = 100000;
    assert_string_equal(invalid_field(&p), "minimum_usage_m3");
    p.minimum_usage_tenths = 30;
    assert_string_equal(invalid_field(&p), "(valid)");
    p = example1();
    strcpy(p.kind, "fixed"); /* fixed without its amount */
    assert_string_equal(invalid_field(&p), "fixed_amount");
    p = example1();
    p.fixed_amount_cyen = 300000;
    assert_string_equal(invalid_field(&p), "fixed_amount");
}

/* The 2025 rule as a version shows it: no equipment fee hidden in a
 * two-part tariff; a three-part contract bills a 設備料金 from the tariff
 * or its own equipment fees. */
static void
test_validate_three_part_rule(void **state)
{
    (void)state;
    struct tariff_price p = example1();
    p.equipment_fee_cyen = 50000;
    assert_string_equal(invalid_field(&p), "equipment_fee");
    strcpy(p.kind, "three_part");
    assert_string_equal(invalid_field(&p), "(valid)");
    const char *m = NULL;
    assert_int_equal(tariff_check_equipment(&p, 0, &m), ERR_OK);
    p.equipment_fee_cyen = 0;
    assert_string_equal(invalid_field(&p), "(valid)");
    assert_int_equal(tariff_check_equipment(&p, 0, &m), ERR_TARIFF_INVALID);
    assert_non_null(m);
    assert_int_equal(tariff_check_equipment(&p, 33000, &m), ERR_OK);
    strcpy(p.kind, "two_part"); /* a two-part contract needs none */
    assert_int_equal(tariff_check_equipment(&p, 0, &m), ERR_OK);
}

static void
test_bad_input_refused(void **state)
{
    (void)state;
    struct tariff_price p = example1();
    struct bill_in in = input(&p, -1, ROUND_DOWN);
    struct bill_out o;
    assert_int_equal(bill_compute(&in, &o), ERR_INVALID);
    in = input(NULL, 10, ROUND_DOWN);
    assert_int_equal(bill_compute(&in, &o), ERR_INVALID);
    in = input(&p, 10, ROUND_DOWN);
    in.nsplit = 2; /* stretches without a version or days */
    in.days_total = 30;
    assert_int_equal(bill_compute(&in, &o), ERR_INVALID);
    in.nsplit = BILL_SPLIT_MAX + 1;
    assert_int_equal(bill_compute(&in, &o), ERR_INVALID);
    in = input(&p, 10, ROUND_DOWN);
    in.adjustment_cyen_per_m3 = TARIFF_ADJUST_MAX_CYEN + 1;
    assert_int_equal(bill_compute(&in, &o), ERR_INVALID);
}

/* ----------------------------------------------------------------------
 * Money text and rounding helpers
 * ---------------------------------------------------------------------- */

static void
test_cyen_text(void **state)
{
    (void)state;
    char b[24];
    int64_t v;
    tariff_cyen_format(73599, b, sizeof(b));
    assert_string_equal(b, "735.99");
    tariff_cyen_format(-500, b, sizeof(b));
    assert_string_equal(b, "-5.00");
    tariff_cyen_format(5, b, sizeof(b));
    assert_string_equal(b, "0.05");
    assert_true(tariff_cyen_parse("735.99", &v) && v == 73599);
    assert_true(tariff_cyen_parse("735.9", &v) && v == 73590);
    assert_true(tariff_cyen_parse("2200", &v) && v == 220000);
    assert_true(tariff_cyen_parse("-3.33", &v) && v == -333);
    assert_false(tariff_cyen_parse("1.234", &v));
    assert_false(tariff_cyen_parse("1.", &v));
    assert_false(tariff_cyen_parse(".5", &v));
    assert_false(tariff_cyen_parse("1e3", &v));
    assert_false(tariff_cyen_parse("", &v));
    assert_false(tariff_cyen_parse("1000000.01", &v));
    assert_false(tariff_cyen_parse("99999999999999999999", &v));
    enum rounding r;
    assert_true(tariff_rounding_parse("half_up", &r) && r == ROUND_HALF_UP);
    assert_false(tariff_rounding_parse("banker", &r));
    assert_string_equal(tariff_rounding_name(ROUND_UP), "up");
    assert_int_equal(bill_round_div(15, 10, ROUND_HALF_UP), 2);
    assert_int_equal(bill_round_div(14, 10, ROUND_HALF_UP), 1);
    assert_int_equal(bill_round_div(-15, 10, ROUND_HALF_UP), -2);
    assert_int_equal(bill_round_div(11, 10, ROUND_UP), 2);
    assert_int_equal(bill_round_div(-11, 10, ROUND_DOWN), -1);
}

/* ----------------------------------------------------------------------
 * Property: totals equal the sum of the lines
 * ---------------------------------------------------------------------- */

static uint64_t seed = 0x9e3779b97f4a7c15u;

static int64_t
rnd(int64_t n)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (int64_t)(seed % (uint64_t)n);
}

/* A random valid version of any kind and slide. */
static struct tariff_price
random_price(void)
{
    static const char *const kinds[] = {"two_part", "three_part", "minimum",
                                        "fixed"};
    struct tariff_price p = block(rnd(300000));
    strcpy(p.kind, kinds[rnd(4)]);
    strcpy(p.slide, rnd(2) ? "block" : "whole");
    p.tax_included = rnd(3) != 0;
    if (strcmp(p.kind, "three_part") == 0)
        p.equipment_fee_cyen = rnd(100000);
    if (strcmp(p.kind, "minimum") == 0) {
        p.base_fee_cyen = 0;
        p.minimum_charge_cyen = rnd(300000);
        p.minimum_usage_tenths = rnd(50);
    }
    if (strcmp(p.kind, "fixed") == 0)
        p.fixed_amount_cyen = rnd(1000000);
    size_t n = 1 + (size_t)rnd(TARIFF_BLOCK_BANDS_MAX);
    int64_t upper = 0;
    for (size_t i = 0; i < n; i++) {
        upper += 1 + rnd(200);
        bool whole = strcmp(p.slide, "whole") == 0;
        add_band(&p, i + 1 == n ? -1 : upper, rnd(100000),
                 whole && rnd(2) ? rnd(700000) : -1);
    }
    return p;
}

/* Per rate, what the lines say the totals must be. */
static void
check_totals(const struct bill_out *o)
{
    int64_t inc[3] = {0, 0, 0}, exc[3] = {0, 0, 0}, sum = 0, tax = 0;
    for (size_t i = 0; i < o->nlines; i++) {
        const struct charge_line *l = &o->line[i];
        int k = l->tax_rate == 10 ? 0 : l->tax_rate == 8 ? 1 : 2;
        (l->tax_included ? inc : exc)[k] += l->amount_yen;
    }
    for (int k = 0; k < 3; k++) {
        int64_t gross = o->taxable_yen[k] + o->tax_yen[k];
        if (exc[k] == 0) /* 内税: the lines are the gross */
            assert_int_equal(gross, inc[k]);
        else if (inc[k] == 0) /* 外税: the lines are the taxable amount */
            assert_int_equal(o->taxable_yen[k], exc[k]);
        if (k == 2)
            assert_int_equal(o->tax_yen[k], 0);
        /* tax once per rate: within a yen of the exact figure */
        int64_t r = k == 0 ? 10 : k == 1 ? 8 : 0;
        int64_t exact100 = o->taxable_yen[k] * r; /* tax × 100 */
        assert_true(o->tax_yen[k] * 100 - exact100 <= 100 + r);
        assert_true(exact100 - o->tax_yen[k] * 100 <= 100 + r);
        sum += o->taxable_yen[k];
        tax += o->tax_yen[k];
    }
    assert_int_equal(o->subtotal_yen, sum);
    assert_int_equal(o->total_yen, sum + tax);
}

/* Each usage line is its quantity at its price, rounded once. */
static void
check_lines(const struct bill_out *o, enum rounding r)
{
    for (size_t i = 0; i < o->nlines; i++) {
        const struct charge_line *l = &o->line[i];
        if (strcmp(l->kind, "usage") != 0 && strcmp(l->kind, "adjustment") != 0)
            continue;
        int64_t exact = l->quantity_tenths * l->unit_price_cyen;
        int64_t a = l->amount_yen * 1000;
        if (r == ROUND_DOWN)
            assert_true(a <= exact || exact < 0);
        assert_true(a - exact < 1000 && exact - a < 1000);
    }
}

/* 2..3 stretches alternating versions a and b (up to three priced parts:
 * with 16 bands each that is as many lines as an invoice holds), 1..15
 * days each, each month's adjustment anything in range. */
static void
random_split(struct bill_in *in, const struct tariff_price *a,
             const struct tariff_price *b)
{
    size_t n = 2 + (size_t)rnd(2);
    in->days_total = 0;
    for (size_t i = 0; i < n; i++) {
        stretch(in, i % 2 ? b : a, 1 + rnd(15), i < 2 ? "2026-09" : "2026-10",
                rnd(2001) - 1000);
        in->days_total += in->split[i].days;
    }
}

static void
test_property_totals_equal_lines(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        struct tariff_price a = random_price(), b = random_price();
        const char *f, *m;
        assert_int_equal(tariff_validate(&a, &f, &m), ERR_OK);
        struct bill_in in = input(&a, rnd(3000), (enum rounding)rnd(3));
        in.tax_rounding = (enum rounding)rnd(3);
        in.adjustment_cyen_per_m3 = rnd(2001) - 1000;
        in.adjustment_tax_included = rnd(2);
        in.equipment_fees_cyen = rnd(3) ? 0 : rnd(200000);
        if (rnd(4) == 0)
            random_split(&in, &a, &b);
        if (rnd(5) == 0) {
            in.partial_base = true;
            in.standard_days = 30;
            in.partial_days = 1 + rnd(30);
        }
        struct bill_out o;
        assert_int_equal(bill_compute(&in, &o), ERR_OK);
        check_totals(&o);
        check_lines(&o, in.rounding);
        int64_t q = 0; /* usage lines cover the usage (no minimum) */
        for (size_t j = 0; j < o.nlines; j++)
            if (strcmp(o.line[j].kind, "usage") == 0)
                q += o.line[j].quantity_tenths;
        if (strcmp(a.kind, "minimum") != 0 &&
            (in.nsplit == 0 || strcmp(b.kind, "minimum") != 0))
            assert_int_equal(q, in.usage_tenths);
        struct charge_line l;
        memset(&l, 0, sizeof(l));
        strcpy(l.kind, "charge");
        l.amount_yen = rnd(20000) - 5000;
        l.tax_rate = (int[]){10, 8, 0}[rnd(3)];
        assert_int_equal(bill_add_line(&o, &l, rnd(2), in.tax_rounding),
                         ERR_OK);
        check_totals(&o);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_example_9468),
        cmocka_unit_test(test_block_example_20744),
        cmocka_unit_test(test_whole_table_edges),
        cmocka_unit_test(test_minimum_charge),
        cmocka_unit_test(test_fixed_amount),
        cmocka_unit_test(test_adjustment),
        cmocka_unit_test(test_adjustment_tax_excluded_mixed),
        cmocka_unit_test(test_day_split_price_change),
        cmocka_unit_test(test_day_split_two_changes_and_months),
        cmocka_unit_test(test_day_split_months_only),
        cmocka_unit_test(test_partial_base_by_days),
        cmocka_unit_test(test_three_part_equipment),
        cmocka_unit_test(test_tax_excluded_every_rounding),
        cmocka_unit_test(test_tax_included_every_rounding),
        cmocka_unit_test(test_tax_rounded_once_per_rate),
        cmocka_unit_test(test_add_lines_by_rate),
        cmocka_unit_test(test_validate_bands),
        cmocka_unit_test(test_validate_kinds),
        cmocka_unit_test(test_validate_three_part_rule),
        cmocka_unit_test(test_bad_input_refused),
        cmocka_unit_test(test_cyen_text),
        cmocka_unit_test(test_property_totals_equal_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
