/*
 * tariff.c — the tariff engine (料金計算): one period's gas priced into
 * charge lines, consumption tax per rate, and the rules a tariff version
 * must follow. Pure: no I/O, no allocation; unit-tested with worked
 * examples in tests/unit/billing/test_tariff.c.
 *
 * Lines (2025 rule, 液石法施行規則): every bill shows 基本料金, 従量料金 and
 * 設備料金 as separate lines, the 設備料金 line even at ¥0. A block slide
 * (区分スライド) gives one 従量料金 line per band used, each at its own price;
 * a whole-usage table (単純スライド) one line at the price of the table the
 * total usage selects, whose base fee (when the band has one) replaces the
 * version's. Each line is rounded to the yen once, by the tenant's mode:
 *   amount = round(quantity_tenths × unit_price_cyen / 1000).
 *
 * Kinds: two_part (基本 + 従量), three_part (基本 + 従量 + 設備), minimum
 * (最低料金: minimum_charge covers usage up to minimum_usage; usage above
 * it is priced by the bands, whose edges count from zero), fixed (定額:
 * the fixed amount stands as the base line; usage shows at ¥0).
 *
 * Price changes inside a period, day-split rule (日割り): the caller cuts
 * the period into stretches (bill_stretch: a version and a month's
 * adjustment each); usage is shared out by days, each share truncated to
 * 0.1 m³ on the running total (so with one change: the part before
 * truncated, the rest after, and the shares always add up). Each version
 * prices its share with band edges, base fee, minimum and fixed amounts
 * scaled by its share of days (edges truncated to 0.1 m³); 原料費調整
 * follows the same rule, one line per month whose adjustment differs. Base by
 * days for a partial period: base × partial_days ÷ standard_days, one rounding.
 * Amounts below zero (a negative 原料費調整) round by magnitude.
 *
 * Tax (インボイス): per rate, rounded once per invoice by the tax rounding.
 * All lines of a rate tax-included (内税): tax = Σ × r/(100+r). All
 * tax-excluded (外税): tax = Σ × r/100. Both: the tax-excluded sum is
 * grossed up once, then tax = gross × r/(100+r). subtotal = Σ taxable,
 * total = subtotal + Σ tax = Σ gross.
 */
#include "billing/billing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------------
 * Rounding and money text
 * ---------------------------------------------------------------------- */

int64_t
bill_round_div(int64_t num, int64_t den, enum rounding r)
{
    if (den <= 0)
        return 0;
    int64_t sign = num < 0 ? -1 : 1;
    int64_t n = num < 0 ? -num : num;
    int64_t q;
    switch (r) {
    case ROUND_UP: /* 切り上げ */
        q = n / den + (n % den != 0);
        break;
    case ROUND_HALF_UP: /* 四捨五入 */
        q = n / den + (2 * (n % den) >= den);
        break;
    default: /* 切り捨て */
        q = n / den;
        break;
    }
    return sign * q;
}

void
tariff_cyen_format(int64_t cyen, char *out, size_t n)
{
    uint64_t a = cyen < 0 ? (uint64_t)0 - (uint64_t)cyen : (uint64_t)cyen;
    snprintf(out, n, "%s%llu.%02llu", cyen < 0 ? "-" : "",
             (unsigned long long)(a / 100), (unsigned long long)(a % 100));
}

bool
tariff_cyen_parse(const char *s, int64_t *cyen)
{
    if (s == NULL)
        return false;
    bool neg = *s == '-';
    const char *p = s + neg;
    int64_t whole = 0, frac = 0;
    int digits = 0, decimals = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        whole = whole * 10 + (*p - '0');
        if (whole > TARIFF_PRICE_MAX_CYEN / 100)
            return false;
    }
    if (digits == 0)
        return false;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (++decimals > 2)
                return false;
            frac = frac * 10 + (*p - '0');
        }
        if (decimals == 0)
            return false;
    }
    if (*p != '\0')
        return false;
    if (decimals == 1)
        frac *= 10;
    int64_t v = whole * 100 + frac;
    if (v > TARIFF_PRICE_MAX_CYEN)
        return false;
    *cyen = neg ? -v : v;
    return true;
}

static const char *const rounding_names[] = {"down", "half_up", "up"};

const char *
tariff_rounding_name(enum rounding r)
{
    return (unsigned)r < 3 ? rounding_names[r] : "down";
}

bool
tariff_rounding_parse(const char *s, enum rounding *r)
{
    for (int i = 0; s != NULL && i < 3; i++)
        if (strcmp(s, rounding_names[i]) == 0) {
            *r = (enum rounding)i;
            return true;
        }
    return false;
}

/* ----------------------------------------------------------------------
 * Validation of a version
 * ---------------------------------------------------------------------- */

#define FAIL(f, m)                                                             \
    do {                                                                       \
        *field = (f);                                                          \
        *message = (m);                                                        \
        return ERR_TARIFF_INVALID;                                             \
    } while (0)

static bool
price_ok(int64_t v)
{
    return v >= 0 && v <= TARIFF_PRICE_MAX_CYEN;
}

/* Bands: 1..max, strictly ascending inclusive upper bounds, only the last
 * one unbounded, prices in range, band base fees for whole tables only. */
static enum err
validate_bands(const struct tariff_price *p, const char **field,
               const char **message)
{
    bool whole = strcmp(p->slide, "whole") == 0;
    size_t max = whole ? TARIFF_BANDS_MAX : TARIFF_BLOCK_BANDS_MAX;
    if (p->nbands == 0)
        FAIL("bands", "料金の段階（スライド）を1つ以上指定してください");
    if (p->nbands > max)
        FAIL("bands", "料金の段階が多すぎます");
    int64_t prev = 0;
    for (size_t i = 0; i < p->nbands; i++) {
        const struct band *b = &p->band[i];
        bool last = i + 1 == p->nbands;
        if (!price_ok(b->unit_price_cyen))
            FAIL("bands", "単位料金は0以上の金額で指定してください");
        if (b->base_fee_cyen != -1 && !whole)
            FAIL("bands", "段階ごとの基本料金は単純スライドでのみ指定できます");
        if (b->base_fee_cyen != -1 && !price_ok(b->base_fee_cyen))
            FAIL("bands", "段階の基本料金は0以上の金額で指定してください");
        if (last && b->upper_tenths != -1)
            FAIL("bands", "最後の段階は上限なしにしてください");
        if (!last && (b->upper_tenths <= prev ||
                      b->upper_tenths > TARIFF_USAGE_MAX_TENTHS))
            FAIL("bands", "段階の上限は小さい順に、重ならないように指定して"
                          "ください");
        if (!last)
            prev = b->upper_tenths;
    }
    return ERR_OK;
}

/* Fields that only some kinds use: minimum_*, fixed_amount, equipment. */
static enum err
validate_kind(const struct tariff_price *p, const char **field,
              const char **message)
{
    bool minimum = strcmp(p->kind, "minimum") == 0;
    bool fixed = strcmp(p->kind, "fixed") == 0;
    if (minimum) {
        if (!price_ok(p->minimum_charge_cyen))
            FAIL("minimum_charge", "最低料金を指定してください");
        if (p->minimum_usage_tenths < 0 ||
            p->minimum_usage_tenths > TARIFF_USAGE_MAX_TENTHS)
            FAIL("minimum_usage_m3", "最低料金に含む使用量を指定してください");
        if (p->base_fee_cyen != 0)
            FAIL("base_fee",
                 "最低料金制では基本料金を最低料金に含めてください");
    } else if (p->minimum_charge_cyen != -1 || p->minimum_usage_tenths != -1) {
        FAIL("minimum_charge",
             "最低料金は最低料金制の料金表でのみ指定できます");
    }
    if (fixed && !price_ok(p->fixed_amount_cyen))
        FAIL("fixed_amount", "定額料金を指定してください");
    if (!fixed && p->fixed_amount_cyen != -1)
        FAIL("fixed_amount", "定額料金は定額制の料金表でのみ指定できます");
    /* 2025 rule: equipment costs appear as 設備料金 (three-part), never
     * hidden in a two-part tariff's base or usage fee. */
    if (strcmp(p->kind, "two_part") == 0 && p->equipment_fee_cyen != 0)
        FAIL("equipment_fee", "二部料金制に設備料金は含められません。"
                              "三部料金制にしてください");
    return ERR_OK;
}

enum err
tariff_validate(const struct tariff_price *p, const char **field,
                const char **message)
{
    static const char *const kinds[] = {"two_part", "three_part", "minimum",
                                        "fixed"};
    bool known = false;
    for (size_t i = 0; i < 4; i++)
        known = known || strcmp(p->kind, kinds[i]) == 0;
    if (!known)
        FAIL("kind", "料金制の種類が正しくありません");
    if (strcmp(p->slide, "block") != 0 && strcmp(p->slide, "whole") != 0)
        FAIL("slide", "スライドは block（区分）か whole（単純）です");
    if (!price_ok(p->base_fee_cyen))
        FAIL("base_fee", "基本料金は0以上の金額で指定してください");
    if (!price_ok(p->equipment_fee_cyen))
        FAIL("equipment_fee", "設備料金は0以上の金額で指定してください");
    enum err rc = validate_kind(p, field, message);
    if (rc == ERR_OK && strcmp(p->kind, "fixed") != 0)
        rc = validate_bands(p, field, message);
    return rc;
}

enum err
tariff_check_equipment(const struct tariff_price *p, int64_t fees_cyen,
                       const char **message)
{
    if (strcmp(p->kind, "three_part") == 0 && p->equipment_fee_cyen <= 0 &&
        fees_cyen <= 0) {
        *message = "三部料金制の契約には設備料金（料金表または契約の設備料金）"
                   "が必要です";
        return ERR_TARIFF_INVALID;
    }
    return ERR_OK;
}

#undef FAIL

/* ----------------------------------------------------------------------
 * Pricing
 * ---------------------------------------------------------------------- */

/* One part of a period: a version, its usage and its share of days. */
struct part {
    const struct tariff_price *p;
    int64_t usage;    /* tenths */
    int64_t num, den; /* share of days: num/den (1/1 without a split) */
    const char *tag; /* "" or "（改定前）", "（改定後）", "（M/D改定後）" */
};

static enum err
add_line(struct bill_out *o, const char *kind, const char *desc, int64_t qty,
         int64_t price, int64_t amount, bool incl)
{
    if (o->nlines >= sizeof(o->line) / sizeof(o->line[0]))
        return ERR_TOO_LARGE;
    struct charge_line *l = &o->line[o->nlines++];
    memset(l, 0, sizeof(*l));
    snprintf(l->kind, sizeof(l->kind), "%s", kind);
    snprintf(l->description, sizeof(l->description), "%s", desc);
    l->quantity_tenths = qty;
    l->unit_price_cyen = price;
    l->amount_yen = amount;
    l->tax_rate = 10;
    l->tax_included = incl;
    return ERR_OK;
}

/* A band edge or usage scaled by the part's share of days (truncated to
 * 0.1 m³); -1 (unbounded) stays -1. */
static int64_t
scaled(const struct part *pt, int64_t tenths)
{
    return tenths < 0 ? -1 : tenths * pt->num / pt->den;
}

/* Yen from cyen × the part's share of days × the partial-base share,
 * rounded once by the tenant's mode. */
static int64_t
base_amount(const struct bill_in *in, const struct part *pt, int64_t cyen,
            bool partial)
{
    int64_t num = cyen * pt->num, den = pt->den * 100;
    if (partial && in->partial_base && in->standard_days > 0) {
        num *= in->partial_days;
        den *= in->standard_days;
    }
    return bill_round_div(num, den, in->rounding);
}

/* Yen for quantity (tenths) at unit price (cyen per m³). */
static int64_t
usage_amount(const struct bill_in *in, int64_t tenths, int64_t cyen)
{
    return bill_round_div(tenths * cyen, 1000, in->rounding);
}

/* "12.3" from 123 tenths. */
static void
m3_text(int64_t tenths, char *out, size_t n)
{
    snprintf(out, n, "%lld.%lld", (long long)(tenths / 10),
             (long long)(tenths % 10));
}

/* The base line: 基本料金 (by days when partial), 最低料金 or 定額料金;
 * cyen is the fee before scaling. */
static enum err
price_base(const struct bill_in *in, struct bill_out *o, const struct part *pt,
           int64_t cyen)
{
    const struct tariff_price *p = pt->p;
    char d[96], m3[24];
    bool partial = in->partial_base && in->standard_days > 0;
    if (strcmp(p->kind, "minimum") == 0) {
        m3_text(scaled(pt, p->minimum_usage_tenths), m3, sizeof(m3));
        snprintf(d, sizeof(d), "最低料金（%sm³まで）%s", m3, pt->tag);
    } else if (partial) {
        snprintf(d, sizeof(d), "%s（日割り %lld/%lld日）%s",
                 strcmp(p->kind, "fixed") == 0 ? "定額料金" : "基本料金",
                 (long long)in->partial_days, (long long)in->standard_days,
                 pt->tag);
    } else {
        snprintf(d, sizeof(d), "%s%s",
                 strcmp(p->kind, "fixed") == 0 ? "定額料金" : "基本料金",
                 pt->tag);
    }
    return add_line(o, "base", d, 0, cyen, base_amount(in, pt, cyen, true),
                    p->tax_included);
}

/* 区分スライド: each band's tranche of (from, usage] at its own price, one
 * line per band used; a single ¥0 line when nothing is above from. */
static enum err
price_block(const struct bill_in *in, struct bill_out *o, const struct part *pt,
            int64_t from)
{
    const struct tariff_price *p = pt->p;
    enum err rc = ERR_OK;
    int64_t lo = 0;
    bool any = false;
    for (size_t i = 0; i < p->nbands && rc == ERR_OK; i++) {
        int64_t hi = scaled(pt, p->band[i].upper_tenths);
        int64_t a = lo > from ? lo : from;
        int64_t b = hi < 0 || hi > pt->usage ? pt->usage : hi;
        if (b > a) {
            char d[96], l[24], h[24];
            m3_text(lo + 1, l, sizeof(l));
            m3_text(hi, h, sizeof(h));
            snprintf(d, sizeof(d), "従量料金 %sm³〜%s%s%s", l, hi < 0 ? "" : h,
                     hi < 0 ? "" : "m³", pt->tag);
            int64_t c = p->band[i].unit_price_cyen;
            rc = add_line(o, "usage", d, b - a, c, usage_amount(in, b - a, c),
                          p->tax_included);
            any = true;
        }
        if (hi >= 0)
            lo = hi;
    }
    if (rc == ERR_OK && !any) {
        char d[96];
        snprintf(d, sizeof(d), "従量料金%s", pt->tag);
        rc = add_line(o, "usage", d, 0, p->band[0].unit_price_cyen, 0,
                      p->tax_included);
    }
    return rc;
}

/* The whole-usage table (単純スライド) the part's usage selects. */
static const struct band *
whole_band(const struct part *pt)
{
    const struct tariff_price *p = pt->p;
    for (size_t i = 0; i < p->nbands; i++) {
        int64_t hi = scaled(pt, p->band[i].upper_tenths);
        if (hi < 0 || pt->usage <= hi)
            return &p->band[i];
    }
    return &p->band[p->nbands - 1];
}

/* Base and usage lines of one part of the period. */
static enum err
price_part(const struct bill_in *in, struct bill_out *o, const struct part *pt)
{
    const struct tariff_price *p = pt->p;
    if (strcmp(p->kind, "fixed") == 0) {
        enum err rc = price_base(in, o, pt, p->fixed_amount_cyen);
        char d[96];
        snprintf(d, sizeof(d), "従量料金（定額に含む）%s", pt->tag);
        return rc ? rc
                  : add_line(o, "usage", d, pt->usage, 0, 0, p->tax_included);
    }
    bool minimum = strcmp(p->kind, "minimum") == 0;
    int64_t from = minimum ? scaled(pt, p->minimum_usage_tenths) : 0;
    if (strcmp(p->slide, "block") == 0) {
        enum err rc = price_base(
            in, o, pt, minimum ? p->minimum_charge_cyen : p->base_fee_cyen);
        return rc ? rc : price_block(in, o, pt, from);
    }
    const struct band *b = whole_band(pt);
    int64_t base = minimum                 ? p->minimum_charge_cyen
                   : b->base_fee_cyen >= 0 ? b->base_fee_cyen
                                           : p->base_fee_cyen;
    enum err rc = price_base(in, o, pt, base);
    if (rc != ERR_OK)
        return rc;
    int64_t q = pt->usage > from ? pt->usage - from : 0;
    char d[96];
    snprintf(d, sizeof(d), "従量料金%s", pt->tag);
    return add_line(o, "usage", d, q, b->unit_price_cyen,
                    usage_amount(in, q, b->unit_price_cyen), p->tax_included);
}

static int
rate_index(int rate)
{
    return rate == 10 ? 0 : rate == 8 ? 1 : rate == 0 ? 2 : -1;
}

/* Tax once per rate and the totals, from the lines (see the top). */
static void
bill_totals(struct bill_out *o, enum rounding tr)
{
    static const int rates[3] = {10, 8, 0};
    int64_t inc[3] = {0, 0, 0}, exc[3] = {0, 0, 0};
    for (size_t i = 0; i < o->nlines; i++) {
        int k = rate_index(o->line[i].tax_rate);
        if (o->line[i].tax_included)
            inc[k] += o->line[i].amount_yen;
        else
            exc[k] += o->line[i].amount_yen;
    }
    o->subtotal_yen = o->total_yen = 0;
    for (int k = 0; k < 3; k++) {
        int64_t r = rates[k], gross, tax;
        if (r == 0) {
            gross = inc[k] + exc[k];
            tax = 0;
        } else if (exc[k] == 0) { /* 内税 */
            gross = inc[k];
            tax = bill_round_div(gross * r, 100 + r, tr);
        } else if (inc[k] == 0) { /* 外税 */
            tax = bill_round_div(exc[k] * r, 100, tr);
            gross = exc[k] + tax;
        } else { /* both: gross up the tax-excluded sum once */
            gross = inc[k] + bill_round_div(exc[k] * (100 + r), 100, tr);
            tax = bill_round_div(gross * r, 100 + r, tr);
        }
        o->taxable_yen[k] = gross - tax;
        o->tax_yen[k] = tax;
        o->subtotal_yen += gross - tax;
        o->total_yen += gross;
    }
}

/* A day split's stretches: 2..BILL_SPLIT_MAX, each with a version and days,
 * adding up to the period; or none at all. */
static bool
split_ok(const struct bill_in *in)
{
    int64_t days = 0;
    if (in->nsplit == 0)
        return true;
    if (in->nsplit < 2 || in->nsplit > BILL_SPLIT_MAX || in->days_total <= 0 ||
        in->days_total > 400)
        return false;
    for (size_t i = 0; i < in->nsplit; i++) {
        const struct bill_stretch *x = &in->split[i];
        if (x->price == NULL || x->days <= 0 ||
            (x->price->kind[0] != 'f' && x->price->nbands == 0) ||
            x->adjustment_cyen_per_m3 < -TARIFF_ADJUST_MAX_CYEN ||
            x->adjustment_cyen_per_m3 > TARIFF_ADJUST_MAX_CYEN)
            return false;
        days += x->days;
    }
    return days == in->days_total;
}

/* The checks on a bill_in that its producer (the run, the quote) may get
 * wrong: a missing price, usage or days out of range. */
static bool
bill_in_ok(const struct bill_in *in)
{
    if (in->price == NULL || in->usage_tenths < 0 ||
        in->usage_tenths > TARIFF_USAGE_MAX_TENTHS)
        return false;
    if (in->price->kind[0] != 'f' && in->price->nbands == 0)
        return false;
    if (in->adjustment_cyen_per_m3 < -TARIFF_ADJUST_MAX_CYEN ||
        in->adjustment_cyen_per_m3 > TARIFF_ADJUST_MAX_CYEN ||
        in->equipment_fees_cyen < 0 ||
        in->equipment_fees_cyen > TARIFF_PRICE_MAX_CYEN)
        return false;
    if (in->partial_base &&
        (in->standard_days <= 0 || in->standard_days > 400 ||
         in->partial_days < 0 || in->partial_days > in->standard_days))
        return false;
    return split_ok(in);
}

/* Usage of the stretches [i, j) of a split: the period's usage shared by
 * days, each share truncated to 0.1 m³ on the running total, so the shares
 * add up to the whole. */
static int64_t
split_usage(const struct bill_in *in, size_t i, size_t j)
{
    int64_t before = 0, upto;
    for (size_t k = 0; k < i; k++)
        before += in->split[k].days;
    upto = before;
    for (size_t k = i; k < j; k++)
        upto += in->split[k].days;
    return in->usage_tenths * upto / in->days_total -
           in->usage_tenths * before / in->days_total;
}

static int64_t
split_days(const struct bill_in *in, size_t i, size_t j)
{
    int64_t d = 0;
    for (size_t k = i; k < j; k++)
        d += in->split[k].days;
    return d;
}

/* The end of the run of stretches from i priced by one version. */
static size_t
same_price_end(const struct bill_in *in, size_t i)
{
    size_t j = i + 1;
    while (j < in->nsplit && in->split[j].price == in->split[i].price)
        j++;
    return j;
}

/* The end of the run of stretches from i with one adjustment. */
static size_t
same_adjustment_end(const struct bill_in *in, size_t i)
{
    const struct bill_stretch *a = &in->split[i];
    size_t j = i + 1;
    while (j < in->nsplit &&
           in->split[j].adjustment_cyen_per_m3 == a->adjustment_cyen_per_m3 &&
           in->split[j].adjustment_tax_included == a->adjustment_tax_included)
        j++;
    return j;
}

/* 日割り: base and usage lines per version, each on its share of usage
 * with bands scaled by its share of days. Two versions are labelled 改定前
 * and 改定後; with more, each later one by its effective date. */
static enum err
price_split(const struct bill_in *in, struct bill_out *o)
{
    size_t nparts = 0;
    for (size_t i = 0; i < in->nsplit; i = same_price_end(in, i))
        nparts++;
    enum err rc = ERR_OK;
    for (size_t i = 0, n = 0; rc == ERR_OK && i < in->nsplit; n++) {
        size_t j = same_price_end(in, i);
        const struct tariff_price *p = in->split[i].price;
        char tag[40] = "";
        if (nparts > 1 && n == 0)
            snprintf(tag, sizeof(tag), "（改定前）");
        else if (nparts == 2)
            snprintf(tag, sizeof(tag), "（改定後）");
        else if (nparts > 2)
            snprintf(tag, sizeof(tag), "（%d/%d改定後）",
                     (int)strtol(p->effective_from + 5, NULL, 10),
                     (int)strtol(p->effective_from + 8, NULL, 10));
        struct part pt = {p, split_usage(in, i, j), split_days(in, i, j),
                          in->days_total, tag};
        rc = price_part(in, o, &pt);
        i = j;
    }
    return rc;
}

/* One 原料費調整 line (when not zero) on tenths at cyen per m³. */
static enum err
adjustment_line(const struct bill_in *in, struct bill_out *o, const char *desc,
                int64_t tenths, int64_t cyen, bool incl)
{
    if (cyen == 0)
        return ERR_OK;
    return add_line(o, "adjustment", desc, tenths, cyen,
                    usage_amount(in, tenths, cyen), incl);
}

/* 設備料金 (always) and 原料費調整: one line, or under a day split one per
 * month whose adjustment differs ("原料費調整額（9月分）"). */
static enum err
price_extras(const struct bill_in *in, struct bill_out *o)
{
    const struct tariff_price *p = in->price;
    int64_t eq = p->equipment_fee_cyen + in->equipment_fees_cyen;
    enum err rc =
        add_line(o, "equipment", "設備料金", 0, eq,
                 bill_round_div(eq, 100, in->rounding), p->tax_included);
    if (rc != ERR_OK || in->nsplit == 0)
        return rc ? rc
                  : adjustment_line(in, o, "原料費調整額", in->usage_tenths,
                                    in->adjustment_cyen_per_m3,
                                    in->adjustment_tax_included);
    bool several = same_adjustment_end(in, 0) < in->nsplit;
    for (size_t i = 0; rc == ERR_OK && i < in->nsplit;) {
        size_t j = same_adjustment_end(in, i);
        const struct bill_stretch *x = &in->split[i];
        char d[64] = "原料費調整額";
        if (several)
            snprintf(d, sizeof(d), "原料費調整額（%d月分）",
                     (int)strtol(x->month + 5, NULL, 10));
        rc = adjustment_line(in, o, d, split_usage(in, i, j),
                             x->adjustment_cyen_per_m3,
                             x->adjustment_tax_included);
        i = j;
    }
    return rc;
}

enum err
bill_compute(const struct bill_in *in, struct bill_out *out)
{
    memset(out, 0, sizeof(*out));
    if (!bill_in_ok(in))
        return ERR_INVALID;
    enum err rc;
    if (in->nsplit > 0) {
        rc = price_split(in, out);
    } else {
        struct part a = {in->price, in->usage_tenths, 1, 1, ""};
        rc = price_part(in, out, &a);
    }
    if (rc == ERR_OK)
        rc = price_extras(in, out);
    if (rc != ERR_OK) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    bill_totals(out, in->tax_rounding);
    return ERR_OK;
}

enum err
bill_add_line(struct bill_out *out, const struct charge_line *l,
              bool tax_included, enum rounding r)
{
    if (rate_index(l->tax_rate) < 0)
        return ERR_INVALID;
    if (out->nlines >= sizeof(out->line) / sizeof(out->line[0]))
        return ERR_TOO_LARGE;
    struct charge_line *n = &out->line[out->nlines++];
    *n = *l;
    n->kind[sizeof(n->kind) - 1] = '\0';
    n->description[sizeof(n->description) - 1] = '\0';
    n->tax_included = tax_included;
    bill_totals(out, r);
    return ERR_OK;
}
