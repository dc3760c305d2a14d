/*
 * run.c — the billing run (請求締め): pricing one item and the run loop.
 *
 * Pricing an item (price_item) is the one way an invoice's amounts come
 * to be, for the preview, the commit and a correction alike:
 *   1. the period: from the day after the previous reading (or the
 *      contract's start, whichever is later) to the reading day inclusive;
 *   2. the tariff version in force on the reading date (検針日基準); under
 *      the day-split setting (日割り) the period is cut where a version
 *      or the month changes (run_split.c), each stretch with its version
 *      and its month's 原料費調整;
 *   3. usage in tenths of a m³, truncated from litres (DOMAIN §6);
 *   4. the contract's 設備料金 in force, the month's 原料費調整 (by the
 *      reading's month, or by stretch under 日割り), the base by days for a
 * partial period (転居) when the tenant bills it so;
 *   5. bill_compute (billing.h), then the customer's open charges (once
 *      per run: a customer with two contracts gets them on the first) and
 *      tax per rate once per invoice; the balance carried from the
 *      receivables ledger (前回未収/前受, payments/ledger.h) goes on the
 *      same first invoice, outside the total: amount due = total + it;
 *   6. a snapshot of what priced it (tariff versions, settings, customer,
 *      supply point, reading, issuer, tax per rate): the invoice shows the
 *      snapshot, so later changes to the ledger or the tariff never alter
 *      it.
 *
 * The loop (billing_run) is described in run.h. Items come sorted by
 * contract and reading, so a preview and the commit that follows price
 * the same items in the same order and take the same charges.
 */
#include "billing/run_int.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TCACHE_MAX 1024

bool
run_month_valid(const char *s)
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return false;
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    return m >= 1 && m <= 12 && s[0] != '0';
}

void
cyen_text(int64_t cyen, char out[32])
{
    tariff_cyen_format(cyen, out, 32);
}

void
tenths_text(int64_t tenths, char out[32])
{
    int64_t a = tenths < 0 ? -tenths : tenths;
    snprintf(out, 32, "%s%lld.%lld", tenths < 0 ? "-" : "", (long long)(a / 10),
             (long long)(a % 10));
}

/* ---------------------------------------------------------------------- */
/* The pricer: settings and caches                                         */
/* ---------------------------------------------------------------------- */

enum err
pricer_init(struct pricer *pr, struct store *st)
{
    memset(pr, 0, sizeof(*pr));
    pr->st = st;
    pr->ccharged = 1024;
    pr->charged = xcalloc(pr->ccharged, sizeof(int64_t));
    return billing_settings_get(st, &pr->set);
}

static void
tcache_drop(struct pricer *pr)
{
    for (size_t i = 0; i < pr->ntc; i++) {
        json_decref(pr->tc[i].pj);
        for (size_t k = 0; pr->tc[i].pj_hist && k < BILL_SPLIT_MAX; k++)
            json_decref(pr->tc[i].pj_hist[k]);
        free(pr->tc[i].pj_hist);
        free(pr->tc[i].hist);
        free(pr->tc[i].head);
    }
    pr->ntc = 0;
}

void
pricer_free(struct pricer *pr)
{
    tcache_drop(pr);
    free(pr->tc);
    free(pr->charged);
    ledger_carry_free(pr->carry);
    memset(pr, 0, sizeof(*pr));
}

static size_t
slot_of(int64_t id, size_t cap)
{
    return (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (cap - 1);
}

/* Add id to the set of customers whose charges were taken; false when it
 * was there already. */
static bool
charged_add(struct pricer *pr, int64_t id)
{
    if (2 * (pr->ncharged + 1) > pr->ccharged) {
        int64_t *old = pr->charged;
        size_t oc = pr->ccharged;
        pr->ccharged *= 2;
        pr->charged = xcalloc(pr->ccharged, sizeof(int64_t));
        pr->ncharged = 0;
        for (size_t i = 0; i < oc; i++)
            if (old[i])
                charged_add(pr, old[i]);
        free(old);
    }
    size_t i = slot_of(id, pr->ccharged);
    while (pr->charged[i] && pr->charged[i] != id)
        i = (i + 1) & (pr->ccharged - 1);
    if (pr->charged[i])
        return false;
    pr->charged[i] = id;
    pr->ncharged++;
    return true;
}

void
pricer_skip_charges(struct pricer *pr, int64_t customer_id)
{
    charged_add(pr, customer_id);
}

void
pricer_forget_bases(struct pricer *pr)
{
    for (size_t i = 0; i < pr->ntc; i++)
        pr->tc[i].basis_id = 0;
}

/* The tariff versions for (tariff, date), loaded once per run. */
static struct tcache_entry *
tariff_lookup(struct pricer *pr, int64_t tariff_id, const char *date)
{
    for (size_t i = 0; i < pr->ntc; i++)
        if (pr->tc[i].tariff_id == tariff_id && !strcmp(pr->tc[i].date, date))
            return &pr->tc[i];
    if (pr->ntc == TCACHE_MAX)
        tcache_drop(pr);
    if (pr->ntc == pr->ctc) {
        pr->ctc = pr->ctc ? pr->ctc * 2 : 32;
        pr->tc = xrealloc(pr->tc, pr->ctc * sizeof(*pr->tc));
    }
    struct tcache_entry *e = &pr->tc[pr->ntc++];
    memset(e, 0, sizeof(*e));
    e->tariff_id = tariff_id;
    snprintf(e->date, sizeof(e->date), "%s", date);
    if (!pr->set.day_split) {
        struct tariff_price before;
        bool has_before;
        e->rc = tariff_price_at(pr->st, tariff_id, date, &e->p, &before,
                                &has_before);
    } else if (!(e->rc = pricer_load_history(pr, e)))
        e->p = e->hist[0];
    return e;
}

/* ---------------------------------------------------------------------- */
/* Snapshot and JSON                                                      */
/* ---------------------------------------------------------------------- */

static json_t *
money_or_null(int64_t cyen)
{
    char t[32];
    if (cyen < 0)
        return json_null();
    cyen_text(cyen, t);
    return json_string(t);
}

static json_t *
price_json(const struct tariff_price *p)
{
    json_t *bands = json_array();
    char t[32];
    for (size_t i = 0; i < p->nbands; i++) {
        const struct band *b = &p->band[i];
        tenths_text(b->upper_tenths, t);
        json_array_append_new(
            bands, json_pack("{s:o, s:o, s:o}", "upper_m3",
                             b->upper_tenths < 0 ? json_null() : json_string(t),
                             "unit_price", money_or_null(b->unit_price_cyen),
                             "base_fee", money_or_null(b->base_fee_cyen)));
    }
    tenths_text(p->minimum_usage_tenths, t);
    return json_pack(
        "{s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o}", "effective_from",
        p->effective_from, "kind", p->kind, "slide", p->slide, "tax_included",
        p->tax_included, "base_fee", money_or_null(p->base_fee_cyen),
        "equipment_fee", money_or_null(p->equipment_fee_cyen), "minimum_charge",
        money_or_null(p->minimum_charge_cyen), "minimum_usage_m3",
        p->minimum_usage_tenths < 0 ? json_null() : json_string(t),
        "fixed_amount", money_or_null(p->fixed_amount_cyen), "bands", bands);
}

json_t *
invoice_tax_json(const struct bill_out *b)
{
    static const int rates[3] = {10, 8, 0};
    json_t *a = json_array();
    for (int k = 0; k < 3; k++)
        json_array_append_new(
            a, json_pack("{s:i, s:I, s:I}", "rate", rates[k], "taxable_yen",
                         (json_int_t)b->taxable_yen[k], "tax_yen",
                         (json_int_t)b->tax_yen[k]));
    return a;
}

static json_t *
reading_json_of(const struct run_item *it, const struct priced *p)
{
    char prev[32], cur[32], use[32], ly[32];
    tenths_text(it->prev_index, prev);
    tenths_text(it->index, cur);
    tenths_text(p->usage_tenths, use);
    tenths_text(p->last_year_l / 100, ly);
    return json_pack(
        "{s:o, s:o, s:s, s:s, s:s, s:o}", "previous_index",
        it->has_prev ? json_string(prev) : json_null(), "previous_on",
        it->has_prev ? json_string(it->prev_on) : json_null(), "current_index",
        cur, "current_on", it->read_on, "usage_m3", use, "last_year_usage_m3",
        p->last_year_l < 0 ? json_null() : json_string(ly));
}

static json_t *
issuer_json(const struct billing_settings *s)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "name", s->issuer_name,
                     "registration", s->registration, "address",
                     s->issuer_address, "phone", s->issuer_phone);
}

/* The snapshot's shared part for tariff version e: {"tariff_id", "tariff",
 * "settings", "issuer"} (text, made once; stored once per tenant). */
static enum err
snapshot_head(const struct pricer *pr, int64_t tariff_id,
              struct tcache_entry *e)
{
    const struct billing_settings *s = &pr->set;
    if (e->head)
        return ERR_OK;
    if (!e->pj)
        e->pj = price_json(&e->p);
    json_t *h =
        json_pack("{s:I, s:O, s:{s:s, s:s, s:b, s:b, s:i}, s:o}", "tariff_id",
                  (json_int_t)tariff_id, "tariff", e->pj, "settings",
                  "rounding", tariff_rounding_name(s->rounding), "tax_rounding",
                  tariff_rounding_name(s->tax_rounding), "day_split",
                  s->day_split, "partial_base_by_days", s->partial_base_by_days,
                  "due_days", s->due_days, "issuer", issuer_json(s));
    e->head = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    if (!e->head)
        return err_fail(ERR_INTERNAL, "invoice snapshot");
    return ERR_OK;
}

/* What varies by invoice in the snapshot: the stretches of a day split
 * (versions, days, months' adjustments), days, adjustment, fees, and what
 * the invoice shows of the ledger then (price_item adds the tax per rate
 * once the charges are in). */
static json_t *
snapshot_make(const struct run_item *it, const struct priced *p,
              struct tcache_entry *e, const struct bill_in *in)
{
    return json_pack(
        "{s:o, s:I, s:I, s:b, s:I, s:{s:I, s:s, s:s}, s:{s:I, s:s}, s:o}",
        "split", pricer_split_json(e, in, price_json), "days_total",
        (json_int_t)in->days_total, "adjustment_cyen_per_m3",
        (json_int_t)in->adjustment_cyen_per_m3, "adjustment_tax_included",
        in->adjustment_tax_included, "equipment_fees_cyen",
        (json_int_t)in->equipment_fees_cyen, "customer", "id",
        (json_int_t)it->customer_id, "number", it->cust_number, "name",
        it->cust_name, "supply_point", "id", (json_int_t)it->point_id,
        "address", it->address, "reading", reading_json_of(it, p));
}

/* One line as the invoice JSON shows it: quantity for usage-like lines,
 * the unit price where there is one. */
json_t *
line_json(const char *kind, const char *desc, int64_t qty, int64_t unit,
          int64_t amount, int rate)
{
    char q[32], u[32];
    bool has_q = qty != 0 || !strcmp(kind, "usage");
    tenths_text(qty, q);
    cyen_text(unit, u);
    return json_pack("{s:s, s:s, s:o, s:o, s:I, s:i}", "kind", kind,
                     "description", desc, "quantity_m3",
                     has_q ? json_string(q) : json_null(), "unit_price",
                     unit || has_q ? json_string(u) : json_null(), "amount_yen",
                     (json_int_t)amount, "tax_rate", rate);
}

/* The invoice JSON common part from a snapshot (borrowed), lines (stolen)
 * and the amounts. */
json_t *
invoice_doc(const json_t *snap, json_t *lines, int64_t subtotal, int64_t tax,
            int64_t total, int64_t previous)
{
    return json_pack("{s:O, s:O, s:O, s:o, s:O, s:I, s:I, s:I, s:I, s:I, s:O}",
                     "customer", json_object_get(snap, "customer"),
                     "supply_point", json_object_get(snap, "supply_point"),
                     "reading", json_object_get(snap, "reading"), "lines",
                     lines, "tax", json_object_get(snap, "tax"), "subtotal_yen",
                     (json_int_t)subtotal, "tax_yen", (json_int_t)tax,
                     "total_yen", (json_int_t)total, "previous_balance_yen",
                     (json_int_t)previous, "amount_due_yen",
                     (json_int_t)(total + previous), "issuer",
                     json_object_get(snap, "issuer"));
}

json_t *
priced_json(const struct run_item *it, const struct priced *p,
            const struct billing_settings *set)
{
    json_t *lines = json_array(), *snap = json_copy(p->snapshot);
    json_object_set_new(snap, "issuer", issuer_json(set));
    for (size_t i = 0; i < p->bill.nlines; i++) {
        const struct charge_line *l = &p->bill.line[i];
        json_array_append_new(
            lines, line_json(l->kind, l->description, l->quantity_tenths,
                             l->unit_price_cyen, l->amount_yen, l->tax_rate));
    }
    json_t *o = invoice_doc(snap, lines, p->bill.subtotal_yen,
                            p->bill.total_yen - p->bill.subtotal_yen,
                            p->bill.total_yen, p->previous_yen);
    json_decref(snap);
    json_object_set_new(o, "contract_id", json_integer(it->contract_id));
    json_object_set_new(o, "issued_on", json_string(p->issued_on));
    json_object_set_new(o, "due_on",
                        p->due_on[0] ? json_string(p->due_on) : json_null());
    json_object_set_new(o, "payment_method", json_string(it->payment));
    json_object_set_new(
        o, "period",
        json_pack("{s:s, s:s}", "from", p->period_from, "to", it->read_on));
    return o;
}

void
priced_free(struct priced *p)
{
    json_decref(p->snapshot);
    p->snapshot = NULL;
}

/* ---------------------------------------------------------------------- */
/* Pricing one item                                                       */
/* ---------------------------------------------------------------------- */

/* Period, days, day split and partial base into in. */
static enum err
period_of(struct pricer *pr, const struct run_item *it, struct tcache_entry *e,
          struct priced *out, struct bill_in *in)
{
    enum err rc = ERR_OK;
    char from[11];
    if (it->has_prev)
        time_date_add(it->prev_on, 1, from);
    else
        snprintf(from, sizeof(from), "%s", it->start_date);
    if (strcmp(it->start_date, from) > 0 &&
        strcmp(it->start_date, it->read_on) <= 0)
        snprintf(from, sizeof(from), "%s", it->start_date);
    snprintf(out->period_from, sizeof(out->period_from), "%s", from);
    in->days_total = time_date_days(it->read_on) - time_date_days(from) + 1;
    if (in->days_total < 1)
        in->days_total = 1;
    out->days_total = in->days_total;
    /* 日割り: versions and months inside the period */
    if (pr->set.day_split)
        rc = pricer_split(pr, e, from, it->read_on, in);
    /* 転居: a partial period's base by days, when the tenant says so */
    bool partial = !strcmp(it->kind, "move_out") || it->prev_move_in ||
                   (it->has_prev && strcmp(it->start_date, it->prev_on) > 0);
    if (pr->set.partial_base_by_days && partial && in->days_total < 30) {
        in->partial_base = true;
        in->partial_days = in->days_total;
        in->standard_days = 30;
    }
    return rc;
}

static enum err
problem(const char **why, const char *text, enum err rc)
{
    *why = text;
    return rc;
}

/* Gas lines for the item into out->bill; a problem sets *why. */
static enum err
price_gas(struct pricer *pr, const struct run_item *it, int64_t usage_tenths,
          struct priced *out, const char **why)
{
    struct bill_in in = {0};
    const char *msg = NULL;
    if (!it->tariff_id)
        return problem(why, "契約に料金表が設定されていません",
                       ERR_TARIFF_NOT_FOUND);
    struct tcache_entry *e = tariff_lookup(pr, it->tariff_id, it->read_on);
    if (e->rc == ERR_TARIFF_NO_PRICE || e->rc == ERR_TARIFF_NOT_FOUND)
        return problem(why, "検針日に有効な料金表の版がありません", e->rc);
    if (e->rc)
        return e->rc;
    out->usage_tenths = usage_tenths >= 0 ? usage_tenths : it->usage_l / 100;
    if (out->usage_tenths < 0)
        return problem(why,
                       "使用量が負です（推定検針の精算を確認してください）",
                       ERR_INVALID);
    in.price = &e->p;
    in.usage_tenths = out->usage_tenths;
    in.rounding = pr->set.rounding;
    in.tax_rounding = pr->set.tax_rounding;
    enum err rc = period_of(pr, it, e, out, &in);
    if (rc == ERR_TARIFF_INVALID)
        return problem(why, "期間内の料金改定が多すぎて日割りできません", rc);
    if (!rc)
        rc = pricer_adjustment(pr, it->read_on, &in.adjustment_cyen_per_m3,
                               &in.adjustment_tax_included);
    if (!rc)
        rc = run_equipment_cyen(pr->st, it->contract_id, it->read_on,
                                &in.equipment_fees_cyen);
    if (rc)
        return rc;
    if (!strcmp(e->p.kind, "three_part") &&
        tariff_check_equipment(&e->p, in.equipment_fees_cyen, &msg))
        return problem(why, msg ? msg : "設備料金がありません",
                       ERR_TARIFF_INVALID);
    if (bill_compute(&in, &out->bill))
        return problem(why,
                       "料金を計算できません（使用量または料金表が範囲外）",
                       ERR_INVALID);
    if ((rc = snapshot_head(pr, it->tariff_id, e)))
        return rc;
    out->head = e->head;
    out->basis_id = &e->basis_id;
    out->snapshot = snapshot_make(it, out, e, &in);
    return ERR_OK;
}

enum err
price_item(struct pricer *pr, const struct run_item *it, int64_t usage_tenths,
           const char *issued_on, struct priced *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    out->last_year_l = -1;
    *why = NULL;
    snprintf(out->issued_on, sizeof(out->issued_on), "%s", issued_on);
    if (pr->set.due_days > 0)
        time_date_add(issued_on, pr->set.due_days, out->due_on);
    enum err rc =
        run_last_year_l(pr->st, it->point_id, it->read_on, &out->last_year_l);
    if (!rc)
        rc = price_gas(pr, it, usage_tenths, out, why);
    if (!rc && charged_add(pr, it->customer_id))
        rc = run_charges_add(pr->st, it->customer_id, issued_on,
                             pr->set.tax_rounding, out);
    /* 前回未収/前受 on the customer's first invoice of the run; taken only
     * once the item is priced, so a problem item leaves it for the next */
    if (!rc)
        out->previous_yen = ledger_carry_take(pr->carry, it->customer_id);
    if (!rc) /* tax per rate, after the charges */
        json_object_set_new(out->snapshot, "tax", invoice_tax_json(&out->bill));
    if (rc)
        priced_free(out);
    return rc;
}
