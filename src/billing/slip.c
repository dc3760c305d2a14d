/*
 * slip.c — the reading slip (検針票): check that a reading can be priced,
 * price it with the billing run's price_item() and put the slip's JSON
 * together (slip.h describes what it shows and why it matches the
 * invoice).
 *
 * Pricing goes through a pricer of its own that skips the customer's open
 * charges (pricer_skip_charges before price_item): the slip shows the
 * reading's own charges — 基本料金, 従量料金, 設備料金, 原料費調整 and the
 * tax on them — and nothing is written. The checks run in the order a
 * person would fix them: a corrected reading first (print its correction),
 * then a vacant point, a reading with nothing to bill, the contract's
 * tariff, and last the tariff version in force.
 */
#include "billing/slip.h"
#include "billing/run_int.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* 次回検針予定日                                                          */
/* ---------------------------------------------------------------------- */

static int
days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

void
slip_next_reading(const char *read_on, const char *win_from, const char *win_to,
                  char out[11])
{
    int y = 0, m = 0, d = 0;
    (void)sscanf(read_on, "%4d-%2d-%2d", &y, &m, &d);
    if (++m > 12) {
        m = 1;
        y++;
    }
    if (d > days_in_month(y, m))
        d = days_in_month(y, m);
    snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
    if (!win_from)
        return;
    if (strcmp(out, win_from) < 0)
        snprintf(out, 11, "%s", win_from);
    else if (win_to && strcmp(out, win_to) > 0)
        snprintf(out, 11, "%s", win_to);
}

/* ---------------------------------------------------------------------- */
/* Can it be priced?                                                      */
/* ---------------------------------------------------------------------- */

static enum err
check_corrected(struct store *st, const struct run_item *it)
{
    int64_t by = 0;
    enum err rc = slip_correction_of(st, it->reading_id, &by);
    if (rc)
        return rc;
    if (by)
        return err_fail(ERR_SLIP_CORRECTED,
                        "この検針は訂正されています。訂正後の検針（ID %lld）の"
                        "検針票を発行してください",
                        (long long)by);
    return err_fail(ERR_SLIP_CORRECTED, "この検針は訂正されています");
}

/* Usage the run would bill for this reading, or ERR_SLIP_NO_USAGE. */
static enum err
check_usage(const struct run_item *it, const struct slip_facts *f)
{
    if (!strcmp(it->kind, "extra"))
        return err_fail(ERR_SLIP_NO_USAGE,
                        "臨時の検針（開栓・メーター交換など）は料金計算の"
                        "対象ではありません");
    if (!f->has_usage)
        return err_fail(ERR_SLIP_NO_USAGE,
                        "メーター設置後の最初の検針のため、使用量がありません");
    if (it->usage_l < 0)
        return err_fail(ERR_SLIP_NO_USAGE,
                        "使用量が負です（推定検針の精算を確認してください）");
    if (!strcmp(it->kind, "move_in") && it->usage_l == 0)
        return err_fail(ERR_SLIP_NO_USAGE,
                        "入居時の検針で、空室期間の使用量がありません");
    return ERR_OK;
}

static enum err
slip_check(struct store *st, const struct run_item *it,
           const struct slip_facts *f)
{
    enum err rc;
    if (f->corrected)
        return check_corrected(st, it);
    if (!f->has_contract)
        return err_fail(ERR_SLIP_NO_CONTRACT,
                        "検針日（%s）に有効な契約がありません（空室など）",
                        it->read_on);
    if ((rc = check_usage(it, f)))
        return rc;
    if (!it->tariff_id)
        return err_fail(ERR_SLIP_NO_TARIFF, "契約に料金表が設定されていません");
    return ERR_OK;
}

/* price_item's problems as the slip's errors. */
static enum err
price_problem(const struct run_item *it, enum err rc, const char *why)
{
    if (rc == ERR_TARIFF_NO_PRICE || rc == ERR_TARIFF_NOT_FOUND)
        return err_fail(ERR_SLIP_NO_PRICE,
                        "検針日（%s）に有効な料金表の版がありません",
                        it->read_on);
    if (why)
        return err_fail(rc, "%s", why);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The slip's JSON                                                        */
/* ---------------------------------------------------------------------- */

static json_t *
m3_or_null(int64_t usage_l)
{
    char t[32];
    if (usage_l < 0)
        return json_null();
    tenths_text(usage_l / 100, t);
    return json_string(t);
}

/* What the slip adds to the run's own invoice JSON, and what it drops
 * (an invoice's issue date and balance: a slip has neither). */
static void
slip_extend(json_t *o, const struct run_item *it, const struct slip_facts *f,
            const struct priced *p, int64_t last_month_l, const char *next)
{
    json_t *rd = json_object_get(o, "reading");
    json_object_set_new(o, "reading_id", json_integer(it->reading_id));
    json_object_set_new(o, "priced_on", json_string(p->issued_on));
    json_object_del(o, "issued_on");
    json_object_del(o, "previous_balance_yen");
    json_object_del(o, "amount_due_yen");
    json_object_set_new(rd, "kind", json_string(it->kind));
    json_object_set_new(rd, "estimated", json_boolean(f->estimated));
    json_object_set_new(rd, "last_month_usage_m3", m3_or_null(last_month_l));
    json_object_set_new(json_object_get(o, "period"), "days",
                        json_integer(p->days_total));
    json_object_set_new(o, "next_reading_on", json_string(next));
}

/* Price the item (no charges, nothing written) and make its JSON. */
static enum err
slip_price(struct store *st, const struct run_item *it,
           const struct slip_facts *f, const char *today, json_t **out)
{
    struct pricer pr;
    struct priced p = {0};
    const char *why = NULL;
    int64_t last_month_l = -1;
    char next[11], from[11], to[11];
    bool has_next = false;
    enum err rc = pricer_init(&pr, st);
    if (!rc)
        rc = slip_last_month_l(st, it->point_id, it->read_on, &last_month_l);
    if (!rc && f->route[0])
        rc = slip_next_period(st, f->route, it->read_on, f->period_id, from, to,
                              &has_next);
    if (!rc) {
        pricer_skip_charges(&pr, it->customer_id);
        if ((rc = price_item(&pr, it, -1, today, &p, &why)))
            rc = price_problem(it, rc, why);
    }
    if (!rc) {
        slip_next_reading(it->read_on, has_next ? from : NULL,
                          has_next ? to : NULL, next);
        *out = priced_json(it, &p, &pr.set);
        slip_extend(*out, it, f, &p, last_month_l, next);
        priced_free(&p);
    }
    pricer_free(&pr);
    return rc;
}

enum err
slip_json(struct store *st, int64_t reading_id, const char *today, json_t **out)
{
    struct run_item it;
    struct slip_facts f;
    *out = NULL;
    enum err rc = slip_item_load(st, reading_id, &it, &f);
    if (!rc)
        rc = slip_check(st, &it, &f);
    if (!rc)
        rc = slip_price(st, &it, &f, today, out);
    return rc;
}
