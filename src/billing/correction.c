/*
 * correction.c — corrections after billing (訂正). Issued invoices are
 * immutable; a mistake found later is put right in one of two ways:
 *
 *   赤黒訂正 (invoice_correct): the original is voided (status void, the
 *   only change an issued invoice ever sees) and a new invoice with the
 *   next number names it (corrects_id). It bills the same contract and
 *   reading, re-priced now: the reading as metering has it after its
 *   corrections (or the usage the office gives), the tariff version in
 *   force on the reading date as it stands now (a tariff mistake is fixed
 *   in the tariff first), and the original's charges, which move to it.
 *   It keeps the original's run, reading and period, and the balance it
 *   carried (previous_balance_yen, 前回未収/前受).
 *
 *   調整 (invoice_adjust): a credit or debit charge naming the invoice,
 *   tax included at its rate, that the customer's next invoice carries.
 *
 * Both run inside the caller's transaction; the caller writes the audit
 * entry.
 */
#include "billing/run_int.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

/* The original's charges onto the correction (they move with it). */
static enum err
charges_of(struct store *st, int64_t invoice_id, enum rounding r,
           struct priced *p)
{
    struct stmt *s;
    bool row;
    enum err rc =
        store_query(st, &s,
                    "SELECT id, description, amount_yen, tax_rate, tax_included"
                    " FROM charges WHERE invoice_id = $1 ORDER BY id",
                    "i", invoice_id);
    while (!rc && !(rc = stmt_step(s, &row)) && row &&
           p->ncharges < sizeof(p->charge_id) / sizeof(p->charge_id[0])) {
        struct charge_line l = {.kind = "charge"};
        snprintf(l.description, sizeof(l.description), "%s", stmt_text(s, 1));
        l.amount_yen = stmt_int(s, 2);
        l.tax_rate = (int)stmt_int(s, 3);
        if (!(rc = bill_add_line(&p->bill, &l, stmt_int(s, 4) != 0, r)))
            p->charge_id[p->ncharges++] = stmt_int(s, 0);
    }
    stmt_done(s);
    return rc;
}

/* Price the correction of the item with pr; a problem becomes its error
 * with a Japanese detail. */
static enum err
correction_price(struct pricer *pr, const struct run_item *it,
                 int64_t invoice_id, int64_t usage_tenths, struct priced *p)
{
    const char *why = NULL;
    char today[11];
    time_today_jst(today);
    pricer_skip_charges(pr, it->customer_id);
    enum err rc = price_item(pr, it, usage_tenths, today, p, &why);
    if (rc && why)
        rc = err_fail(rc, "%s", why);
    if (!rc)
        rc = charges_of(pr->st, invoice_id, pr->set.tax_rounding, p);
    return rc;
}

/* The balance the original carried (前回未収/前受): the correction carries
 * the same, since the void original no longer asks for it. */
static enum err
previous_of(struct store *st, int64_t id, int64_t *yen)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s, "SELECT previous_balance_yen FROM invoices WHERE id = $1", "i",
        id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *yen = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

/* Void id and write its correction, priced by pr (alive until written). */
static enum err
correction_write(struct pricer *pr, int64_t id, struct run_item *it,
                 int64_t run_id, int64_t usage_tenths, const char *reason,
                 int64_t *new_id)
{
    struct priced p = {0};
    int64_t number = 0;
    enum err rc = correction_price(pr, it, id, usage_tenths, &p);
    if (!rc)
        rc = previous_of(pr->st, id, &p.previous_yen);
    if (!rc) {
        json_object_set_new(p.snapshot, "tax", invoice_tax_json(&p.bill));
        json_object_set_new(
            p.snapshot, "correction",
            json_pack("{s:I, s:s}", "of", (json_int_t)id, "reason", reason));
        rc = invoice_counter_take(pr->st, &number);
    }
    if (!rc)
        rc = store_run(pr->st,
                       "UPDATE invoices SET status = 'void'"
                       " WHERE id = $1 AND status = 'issued'",
                       "i", id);
    if (!rc &&
        !(rc = invoice_write(pr->st, run_id, number, id, it, &p, new_id)))
        rc = invoice_counter_put(pr->st, number + 1);
    priced_free(&p);
    return rc;
}

enum err
invoice_correct(struct store *st, int64_t id, int64_t usage_tenths,
                const char *reason, int64_t *new_id)
{
    struct run_item it;
    struct pricer pr = {0};
    int64_t run_id = 0;
    char status[8];
    enum err rc = run_item_of_invoice(st, id, &it, &run_id, status);
    if (!rc && !strcmp(status, "void"))
        rc = err_fail(ERR_INVOICE_VOID, "訂正済みの請求書は訂正できません");
    if (!rc)
        rc = run_item_follow(st, &it);
    if (!rc)
        rc = pricer_init(&pr, st);
    if (!rc)
        rc = correction_write(&pr, id, &it, run_id, usage_tenths, reason,
                              new_id);
    pricer_free(&pr);
    return rc;
}

enum err
invoice_adjust(struct store *st, int64_t id, int64_t amount_yen, int tax_rate,
               const char *reason, const char *actor, int64_t *charge_id)
{
    struct run_item it;
    int64_t run_id;
    char status[8], today[11], now[32], desc[96];
    (void)reason; /* kept in the audit entry */
    enum err rc = run_item_of_invoice(st, id, &it, &run_id, status);
    if (!rc && !strcmp(status, "void"))
        rc = err_fail(ERR_INVOICE_VOID,
                      "訂正済みの請求書には調整できません（訂正後の請求書に"
                      "対して行ってください）");
    if (rc)
        return rc;
    time_today_jst(today);
    time_now_iso(now);
    struct stmt *s;
    bool row;
    if ((rc = store_query(st, &s, "SELECT number FROM invoices WHERE id = $1",
                          "i", id)))
        return rc;
    if (!(rc = stmt_step(s, &row)) && row)
        snprintf(desc, sizeof(desc), "%s（請求書 No.%lld）",
                 amount_yen < 0 ? "過請求分の調整" : "不足分の調整",
                 (long long)stmt_int(s, 0));
    stmt_done(s);
    if (rc)
        return rc;
    rc = store_run(st,
                   "INSERT INTO charges (customer_id, contract_id,"
                   " description, amount_yen, tax_rate, tax_included,"
                   " charge_date, created_at, created_by)"
                   " VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8)",
                   "iitiittt", it.customer_id, it.contract_id, desc, amount_yen,
                   (int64_t)tax_rate, today, now, actor);
    if (!rc)
        *charge_id = store_last_id(st);
    return rc;
}
