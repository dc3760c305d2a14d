/*
 * usage.c — the arithmetic of meter reading (検針), without I/O: usage
 * between two readings, the checks that put a reading on the review list
 * (要確認), misplaced-decimal detection and estimates (推定検針).
 *
 * Usage. An index is in tenths of a m³; usage comes out in litres (one
 * tenth = 100 L). Between the last real reading and this one the gas went
 * through one or more meter segments: the old meter from the previous
 * index up to its final index at each exchange (メーター交換), each newer
 * meter from its initial index. A segment that goes backwards either
 * rolled past the register's maximum (10^digits m³: 9,999.9 → 0.0 on a
 * 4-digit meter) or is impossible. A rollover is believed only when the
 * rolled usage is under half the register and the whole usage fits the
 * meter's capacity (号数, m³/h) over the hours elapsed — otherwise the
 * reader most likely typed a smaller number. Estimated usage billed since
 * the last real reading is then taken off (the estimate settles): the
 * result is negative when the estimate overshot, which the next bill
 * credits.
 *
 * Checks (DOMAIN §4, thresholds per tenant): "high" — more than high% of
 * both references (recent months; the same month last year), compared as
 * litres per day since periods differ in length, and only when the usage
 * is at least min_l; "low" — under low% of both, only when each
 * reference's expectation is at least min_l; "zero" on an active
 * contract; "inactive" — any usage on a vacant, suspended or closed point
 * (leak or misuse); "date_outside" the period's window; "decimal" — the
 * index is off by ×10 or ÷10 (a misplaced decimal point).
 */
#include "customers/customers.h"
#include "metering/metering.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define CAPACITY_UNKNOWN_DL_H 400 /* 40 m³/h: the largest 号数 */
#define DECIMAL_SLACK_L       5000

const struct metering_thresholds metering_thresholds_default = {200, 50, 5000};

/* "12.3" from tenths of a m³, for messages. */
static void
tenths_text(int64_t tenths, char out[32])
{
    const char *sign = tenths < 0 ? "-" : "";
    int64_t v = tenths < 0 ? -tenths : tenths;
    snprintf(out, 32, "%s%" PRId64 ".%" PRId64, sign, v / 10, v % 10);
}

void
metering_m3_format(int64_t usage_l, char out[32])
{
    tenths_text(usage_l / 100, out); /* truncates toward zero */
}

/* ---------------------------------------------------------------------- */
/* Usage                                                                  */
/* ---------------------------------------------------------------------- */

/* One meter segment from..to (tenths) on a register of digits digits;
 * adds to *total. ERR_READING_IMPOSSIBLE when it goes backwards without a
 * believable rollover. */
static enum err
segment(int64_t from, int64_t to, int64_t digits, int64_t *total, bool *rolled)
{
    if (to >= from) {
        *total += to - from;
        return ERR_OK;
    }
    int64_t span = meter_index_max(digits) + 1;
    int64_t d = span - from + to;
    if (from >= span || d * 2 >= span) {
        char a[32], b[32];
        tenths_text(to, a);
        tenths_text(from, b);
        return err_fail(ERR_READING_IMPOSSIBLE,
                        "指針 %s が前回の %s より小さくなっています"
                        "（メーターの一回りとは考えられません）",
                        a, b);
    }
    *rolled = true;
    *total += d;
    return ERR_OK;
}

enum err
reading_usage(const struct usage_in *in, struct usage_out *out)
{
    int64_t total = 0, from = in->prev_index;
    size_t n = in->n_exchanges;
    enum err rc = ERR_OK;
    memset(out, 0, sizeof(*out));
    if (n > USAGE_EXCHANGES_MAX)
        return err_fail(ERR_READING_IMPOSSIBLE,
                        "前回の検針以降のメーター交換が多すぎます");
    for (size_t i = 0; i < n && !rc; i++) {
        rc = segment(from, in->exchanges[i].old_final,
                     in->exchanges[i].old_digits, &total, &out->rollover);
        from = in->exchanges[i].new_initial;
    }
    if (!rc)
        rc = segment(from, in->index, in->digits, &total, &out->rollover);
    if (rc)
        return rc;
    int64_t cap =
        in->capacity_dl_h > 0 ? in->capacity_dl_h : CAPACITY_UNKNOWN_DL_H;
    int64_t days = in->days > 0 ? in->days : 1;
    if (total > cap * 24 * days) {
        char u[32], c[32];
        tenths_text(total, u);
        tenths_text(cap, c);
        return err_fail(ERR_READING_IMPOSSIBLE,
                        "使用量 %s m³ は %" PRId64 " 日間でメーターの能力"
                        "（%s m³/h）を超えています。指針を確認してください",
                        u, days, c);
    }
    out->exchange = n > 0;
    out->usage_l = total * 100 - in->estimated_l;
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Checks                                                                 */
/* ---------------------------------------------------------------------- */

/* The usage ref would predict over days (litres); -1 without a ref. */
static int64_t
expect_l(const struct usage_ref *ref, int64_t days)
{
    if (ref->days <= 0 || ref->usage_l < 0)
        return -1;
    return ref->usage_l * (days > 0 ? days : 1) / ref->days;
}

/* +1 when usage is above high% of what ref predicts, -1 when under low%
 * (and the prediction is material), 0 otherwise or without a ref. */
static int
compare(int64_t usage, int64_t days, const struct usage_ref *ref,
        const struct metering_thresholds *t)
{
    int64_t e = expect_l(ref, days);
    if (e < 0)
        return 0;
    if (usage >= t->min_l && usage * 100 > t->high_percent * e)
        return 1;
    if (e >= t->min_l && usage * 100 < t->low_percent * e)
        return -1;
    return 0;
}

/* high or low against both references (those that exist). */
static unsigned
check_level(const struct check_in *c, const struct metering_thresholds *t)
{
    const struct usage_ref *refs[] = {&c->recent, &c->last_year};
    int seen = 0, high = 0, low = 0;
    for (size_t i = 0; i < 2; i++) {
        if (refs[i]->days <= 0)
            continue;
        int v = compare(c->usage_l, c->days, refs[i], t);
        seen++;
        high += v > 0;
        low += v < 0;
    }
    if (!seen)
        return 0;
    if (high == seen)
        return FLAG_HIGH;
    if (low == seen && c->usage_l > 0)
        return FLAG_LOW;
    return 0;
}

/* True when u litres is within reach of expected: 0..2× it, or within
 * DECIMAL_SLACK_L either way when expected is small. */
static bool
plausible(int64_t u, int64_t expected)
{
    int64_t slack = expected > DECIMAL_SLACK_L ? expected : DECIMAL_SLACK_L;
    int64_t d = u - expected;
    return u >= 0 && (d < 0 ? -d : d) <= slack;
}

bool
reading_decimal_suspect(int64_t prev_index, int64_t index, int64_t expected_l)
{
    if (expected_l < 0)
        return false;
    if (plausible((index - prev_index) * 100, expected_l))
        return false;
    return plausible((index * 10 - prev_index) * 100, expected_l) ||
           plausible((index / 10 - prev_index) * 100, expected_l);
}

unsigned
reading_checks(const struct check_in *c, const struct metering_thresholds *t)
{
    unsigned f = 0;
    if (c->regular) {
        f |= check_level(c, t);
        if (c->usage_l == 0 && c->contract_active)
            f |= FLAG_ZERO;
        if (c->date_outside)
            f |= FLAG_DATE_OUTSIDE;
    }
    if (c->usage_l > 0 && c->point_inactive)
        f |= FLAG_INACTIVE;
    if (c->has_prev) {
        int64_t e = expect_l(&c->recent, c->days);
        if (e < 0)
            e = expect_l(&c->last_year, c->days);
        if (reading_decimal_suspect(c->prev_index, c->index, e))
            f |= FLAG_DECIMAL;
    }
    return f;
}

static const char *const flag_names[] = {
    "high",         "low",     "zero",     "inactive",
    "date_outside", "decimal", "rollover", "exchange",
};

void
reading_flags_text(unsigned flags, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    n += (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
        if (!(flags & (1u << i)) || n >= cap)
            continue;
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\"", n > 1 ? "," : "",
                              flag_names[i]);
    }
    if (n < cap)
        snprintf(out + n, cap - n, "]");
}

unsigned
reading_flags_parse(const char *text)
{
    unsigned f = 0;
    char q[24];
    if (!text)
        return 0;
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
        snprintf(q, sizeof(q), "\"%s\"", flag_names[i]);
        if (strstr(text, q))
            f |= 1u << i;
    }
    return f;
}

/* ---------------------------------------------------------------------- */
/* Estimates (推定検針)                                                   */
/* ---------------------------------------------------------------------- */

int64_t
metering_season_percent(int month)
{
    /* Household LP gas: January about twice August (DOMAIN §4). */
    static const int64_t pct[12] = {200, 190, 170, 140, 115, 105,
                                    100, 100, 105, 120, 145, 180};
    return month >= 1 && month <= 12 ? pct[month - 1] : 100;
}

int64_t
reading_estimate_l(const struct usage_ref *base, int base_month, int month,
                   int64_t days)
{
    if (base->days <= 0 || base->usage_l <= 0 || days <= 0)
        return 0;
    int64_t num = base->usage_l * days * metering_season_percent(month);
    int64_t den = base->days * metering_season_percent(base_month);
    int64_t l = num / den;
    return (l + 50) / 100 * 100; /* a meter shows 0.1 m³ (100 L) steps */
}
