/*
 * ledger_store.c — the receivables ledger's SQL: posting entries and debit
 * results, a customer's balance and history, and the carried balance the
 * billing run puts on new invoices (ledger.h states the rules).
 *
 * An entry naming an invoice keeps a copy of that invoice's due date
 * (invoice_due_on; an issued invoice's dates never change), so the carry
 * query can leave out payments made ahead on an invoice not yet due
 * without visiting invoices row by row. The carry reads two covering
 * indexes (invoices_receivable, receivable_entries_customer), a few
 * dozen bytes per invoice or entry, grouped by customer, once per run.
 */
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "payments/ledger.h"
#include "payments/payments_int.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Looking things up                                                      */
/* ---------------------------------------------------------------------- */

enum err
pay_customer_exists(struct store *st, int64_t id)
{
    struct stmt *s;
    bool row = false;
    enum err rc =
        store_query(st, &s, "SELECT 1 FROM customers WHERE id = $1", "i", id);
    if (!rc)
        rc = stmt_step(s, &row);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_CUSTOMER_NOT_FOUND, "顧客 %lld が見つかりません",
                      (long long)id);
    return rc;
}

enum err
pay_invoice_get(struct store *st, int64_t id, struct pay_invoice *out)
{
    struct stmt *s;
    bool row = false;
    memset(out, 0, sizeof(*out));
    enum err rc = store_query(
        st, &s,
        "SELECT id, number, customer_id, status,"
        " COALESCE(NULLIF(due_on, ''), issued_on), issued_on, total_yen,"
        " amount_due_yen, COALESCE(payment_method, '') FROM invoices"
        " WHERE id = $1",
        "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        out->id = stmt_int(s, 0);
        out->number = stmt_int(s, 1);
        out->customer_id = stmt_int(s, 2);
        out->issued = !strcmp(stmt_text(s, 3), "issued");
        snprintf(out->due_on, sizeof(out->due_on), "%s", stmt_text(s, 4));
        snprintf(out->issued_on, sizeof(out->issued_on), "%s", stmt_text(s, 5));
        out->total_yen = stmt_int(s, 6);
        out->amount_due_yen = stmt_int(s, 7);
        snprintf(out->payment_method, sizeof(out->payment_method), "%s",
                 stmt_text(s, 8));
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_INVOICE_NOT_FOUND, "請求書が見つかりません");
    return rc;
}

enum err
pay_invoice_by_number(struct store *st, int64_t number, struct pay_invoice *out)
{
    struct stmt *s;
    bool row = false;
    int64_t id = 0;
    enum err rc = store_query(
        st, &s, "SELECT id FROM invoices WHERE number = $1", "i", number);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        id = stmt_int(s, 0);
    stmt_done(s);
    if (rc)
        return rc;
    if (!row)
        return err_fail(ERR_INVOICE_NOT_FOUND,
                        "請求書番号 %lld の請求書がありません",
                        (long long)number);
    return pay_invoice_get(st, id, out);
}

/* ---------------------------------------------------------------------- */
/* Posting                                                                */
/* ---------------------------------------------------------------------- */

/* What one posting writes, resolved: the signed amount, the invoice's due
 * date, the entry reversed. */
struct resolved {
    int64_t customer_id, amount_yen, invoice_id, reverses_id;
    char due_on[11];
    bool has_due;
};

/* The entry p->reverses_id, to undo: its customer, negated amount and
 * invoice. */
static enum err
resolve_reversal(struct store *st, const struct ledger_post *p,
                 struct resolved *r)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s,
        "SELECT e.customer_id, e.kind, e.amount_yen, COALESCE(e.invoice_id, 0),"
        " e.invoice_due_on, (SELECT COUNT(*) FROM receivable_entries x"
        "  WHERE x.reverses_id = e.id)"
        " FROM receivable_entries e WHERE e.id = $1",
        "i", p->reverses_id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (!strcmp(stmt_text(s, 1), "reversal") || stmt_int(s, 5) > 0)
            rc = err_fail(ERR_PAYMENT_REVERSED,
                          "記録 %lld は取消済みか、取消の記録です",
                          (long long)p->reverses_id);
        r->customer_id = stmt_int(s, 0);
        r->amount_yen = -stmt_int(s, 2);
        r->invoice_id = stmt_int(s, 3);
        r->reverses_id = p->reverses_id;
        if ((r->has_due = !stmt_is_null(s, 4)))
            snprintf(r->due_on, sizeof(r->due_on), "%s", stmt_text(s, 4));
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_PAYMENT_NOT_FOUND, "記録 %lld が見つかりません",
                      (long long)p->reverses_id);
    return rc;
}

/* Amount and date in range, method where a payment needs one. */
static enum err
check_post(const struct ledger_post *p)
{
    int64_t a = p->amount_yen < 0 ? -p->amount_yen : p->amount_yen;
    if (!p->on || !time_date_valid(p->on))
        return err_fail(ERR_INVALID, "日付が正しくありません");
    if (p->kind == LEDGER_REVERSAL)
        return ERR_OK;
    if (a < 1 || a > LEDGER_AMOUNT_MAX_YEN ||
        (p->kind != LEDGER_ADJUSTMENT && p->amount_yen < 0))
        return err_fail(ERR_INVALID, "金額は 1 円以上 %d 円以下です",
                        LEDGER_AMOUNT_MAX_YEN);
    if (p->kind == LEDGER_PAYMENT && p->method == LEDGER_NONE)
        return err_fail(ERR_INVALID, "入金方法がありません");
    return ERR_OK;
}

/* Customer, signed amount and invoice of a posting. */
static enum err
resolve(struct store *st, const struct ledger_post *p, struct resolved *r)
{
    struct pay_invoice iv;
    enum err rc = check_post(p);
    memset(r, 0, sizeof(*r));
    if (rc)
        return rc;
    if (p->kind == LEDGER_REVERSAL)
        return resolve_reversal(st, p, r);
    r->customer_id = p->customer_id;
    r->amount_yen = p->kind == LEDGER_PAYMENT ? -p->amount_yen : p->amount_yen;
    if (p->invoice_id) {
        if ((rc = pay_invoice_get(st, p->invoice_id, &iv)))
            return rc;
        if (!r->customer_id)
            r->customer_id = iv.customer_id;
        if (iv.customer_id != r->customer_id)
            return err_fail(ERR_PAYMENT_INVOICE_MISMATCH,
                            "請求書番号 %lld は別の顧客の請求書です",
                            (long long)iv.number);
        r->invoice_id = iv.id;
        r->has_due = true;
        memcpy(r->due_on, iv.due_on, sizeof(r->due_on));
    }
    if (!r->customer_id)
        return err_fail(ERR_INVALID, "顧客または請求書を指定してください");
    return pay_customer_exists(st, r->customer_id);
}

/* An earlier posting with p's source key: the same content is a
 * duplicate (*id set), other content ERR_PAYMENT_DUPLICATE. */
static enum err
seen_before(struct store *st, const struct ledger_post *p,
            const struct resolved *r, int64_t *id)
{
    struct stmt *s;
    bool row = false;
    const char *m = ledger_method_name(p->method);
    *id = 0;
    enum err rc = store_query(
        st, &s,
        "SELECT id, customer_id, kind, COALESCE(method, ''), amount_yen,"
        " COALESCE(invoice_id, 0), entry_on FROM receivable_entries"
        " WHERE source_key = $1",
        "t", p->source_key);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        bool same = stmt_int(s, 1) == r->customer_id &&
                    !strcmp(stmt_text(s, 2), ledger_kind_name(p->kind)) &&
                    !strcmp(stmt_text(s, 3), m ? m : "") &&
                    stmt_int(s, 4) == r->amount_yen &&
                    stmt_int(s, 5) == r->invoice_id &&
                    !strcmp(stmt_text(s, 6), p->on);
        if (same)
            *id = stmt_int(s, 0);
        else
            rc =
                err_fail(ERR_PAYMENT_DUPLICATE,
                         "識別番号 %s は別の内容で記録済みです", p->source_key);
    }
    stmt_done(s);
    return rc;
}

/* A refund may return at most the credit (前受) the customer has. */
static enum err
check_refund(struct store *st, const struct resolved *r)
{
    int64_t balance;
    enum err rc = ledger_balance(st, r->customer_id, &balance);
    if (!rc && -balance < r->amount_yen)
        rc = err_fail(ERR_REFUND_EXCEEDS_CREDIT,
                      "前受金の残高は %lld 円です（返金 %lld 円）",
                      (long long)(balance < 0 ? -balance : 0),
                      (long long)r->amount_yen);
    return rc;
}

/* The next receipt number (領収書番号), taken in the open transaction. */
static enum err
receipt_take(struct store *st, int64_t *number)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s, "SELECT next_number FROM receipt_counter WHERE id = 1", "");
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *number = stmt_int(s, 0);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_INTERNAL, "receipt_counter has no row");
    if (!rc)
        rc = store_run(st,
                       "UPDATE receipt_counter SET next_number = $1"
                       " WHERE id = 1",
                       "i", *number + 1);
    return rc;
}

static enum err
entry_insert(struct store *st, const struct ledger_post *p,
             const struct resolved *r, int64_t receipt)
{
    char now[32];
    time_now_iso(now);
    return store_run(
        st,
        "INSERT INTO receivable_entries (customer_id, kind, method,"
        " amount_yen, entry_on, invoice_id, invoice_due_on, receipt_number,"
        " transfer_id, reverses_id, reference, source_key, note, created_at,"
        " created_by) VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0), $7,"
        " NULLIF($8, 0), NULLIF($9, 0), NULLIF($10, 0), $11, $12, $13, $14,"
        " $15)",
        "ittititiiittttt", r->customer_id, ledger_kind_name(p->kind),
        ledger_method_name(p->method), r->amount_yen, p->on, r->invoice_id,
        r->has_due ? r->due_on : NULL, receipt, p->transfer_id, r->reverses_id,
        p->reference, p->source_key, p->note, now,
        p->actor ? p->actor : "system");
}

enum err
ledger_post(struct store *st, const struct ledger_post *p,
            struct ledger_posted *out)
{
    struct resolved r;
    int64_t earlier = 0;
    memset(out, 0, sizeof(*out));
    enum err rc = resolve(st, p, &r);
    if (!rc && p->source_key)
        rc = seen_before(st, p, &r, &earlier);
    if (rc)
        return rc;
    out->customer_id = r.customer_id;
    if (earlier) {
        out->entry_id = earlier;
        out->duplicate = true;
        return ERR_OK;
    }
    if (p->kind == LEDGER_REFUND && (rc = check_refund(st, &r)))
        return rc;
    if (p->receipt && (rc = receipt_take(st, &out->receipt_number)))
        return rc;
    if (!(rc = entry_insert(st, p, &r, out->receipt_number)))
        out->entry_id = store_last_id(st);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Direct-debit results                                                   */
/* ---------------------------------------------------------------------- */

/* A failure's follow-up, once per source key. */
static enum err
followup_add(struct store *st, const struct ledger_debit_result *d,
             const struct pay_invoice *iv, const char *action,
             struct ledger_debit_posted *out)
{
    struct stmt *s;
    bool row = false;
    char now[32];
    enum err rc = store_query(
        st, &s, "SELECT id FROM payment_followups WHERE source_key = $1", "t",
        d->source_key);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        out->followup_id = stmt_int(s, 0);
        out->duplicate = true;
    }
    stmt_done(s);
    if (rc || row)
        return rc;
    time_now_iso(now);
    rc = store_run(st,
                   "INSERT INTO payment_followups (customer_id, invoice_id,"
                   " source, result_code, action, status, amount_yen,"
                   " reference, source_key, created_at, created_by)"
                   " VALUES ($1, $2, 'debit', $3, $4, 'open', $5, $6, $7, $8,"
                   " $9)",
                   "iiititttt", iv->customer_id, iv->id,
                   (int64_t)d->result_code, action, d->amount_yen, d->reference,
                   d->source_key, now, d->actor ? d->actor : "system");
    if (!rc)
        out->followup_id = store_last_id(st);
    return rc;
}

enum err
ledger_post_debit_result(struct store *st, const struct ledger_debit_result *d,
                         struct ledger_debit_posted *out)
{
    struct pay_invoice iv;
    const char *action = ledger_followup_action(d->result_code);
    memset(out, 0, sizeof(*out));
    if (d->result_code != 0 && !action)
        return err_fail(ERR_DEBIT_RESULT_CODE, "結果コード %d は使えません",
                        d->result_code);
    if (!d->source_key || !*d->source_key)
        return err_fail(ERR_INVALID, "source_key がありません");
    if (d->amount_yen < 1 || d->amount_yen > LEDGER_AMOUNT_MAX_YEN ||
        !d->debit_on || !time_date_valid(d->debit_on))
        return err_fail(ERR_INVALID, "金額または振替日が正しくありません");
    enum err rc = pay_invoice_get(st, d->invoice_id, &iv);
    if (rc)
        return rc;
    if (d->result_code)
        return followup_add(st, d, &iv, action, out);
    struct ledger_post p = {.kind = LEDGER_PAYMENT,
                            .method = LEDGER_DEBIT,
                            .invoice_id = iv.id,
                            .amount_yen = d->amount_yen,
                            .on = d->debit_on,
                            .reference = d->reference,
                            .source_key = d->source_key,
                            .actor = d->actor};
    struct ledger_posted posted;
    if (!(rc = ledger_post(st, &p, &posted))) {
        out->entry_id = posted.entry_id;
        out->duplicate = posted.duplicate;
    }
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Balances                                                               */
/* ---------------------------------------------------------------------- */

enum err
ledger_balance(struct store *st, int64_t customer_id, int64_t *balance_yen)
{
    struct stmt *s;
    bool row = false;
    *balance_yen = 0;
    enum err rc = store_query(
        st, &s,
        "SELECT (SELECT COALESCE(SUM(total_yen), 0) FROM invoices"
        "  WHERE customer_id = $1 AND status = 'issued')"
        " + (SELECT COALESCE(SUM(amount_yen), 0) FROM receivable_entries"
        "  WHERE customer_id = $1)",
        "i", customer_id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *balance_yen = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The carried balance                                                    */
/* ---------------------------------------------------------------------- */

struct carry_slot {
    int64_t customer_id; /* 0 = free */
    int64_t yen;
    bool taken;
};

struct ledger_carry {
    struct carry_slot *slot;
    size_t cap, used;
};

static struct carry_slot *
carry_slot(const struct ledger_carry *c, int64_t id)
{
    size_t i = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (c->cap - 1);
    while (c->slot[i].customer_id && c->slot[i].customer_id != id)
        i = (i + 1) & (c->cap - 1);
    return &c->slot[i];
}

static void
carry_add(struct ledger_carry *c, int64_t id, int64_t yen)
{
    if ((c->used + 1) * 10 > c->cap * 7) {
        struct ledger_carry big = {xcalloc(c->cap * 2, sizeof(*big.slot)),
                                   c->cap * 2, 0};
        for (size_t i = 0; i < c->cap; i++)
            if (c->slot[i].customer_id)
                *carry_slot(&big, c->slot[i].customer_id) = c->slot[i];
        big.used = c->used;
        free(c->slot);
        *c = big;
    }
    struct carry_slot *s = carry_slot(c, id);
    if (!s->customer_id) {
        s->customer_id = id;
        c->used++;
    }
    s->yen += yen;
}

/* Sum the rows (customer_id, yen) of one grouped statement into c. */
static enum err
carry_sum(struct ledger_carry *c, enum err rc, struct stmt *s)
{
    bool row;
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        if (stmt_int(s, 1))
            carry_add(c, stmt_int(s, 0), stmt_int(s, 1));
    stmt_done(s);
    return rc;
}

enum err
ledger_carry_load(struct store *st, const char *issued_on,
                  struct ledger_carry **out)
{
    struct ledger_carry *c = xcalloc(1, sizeof(*c));
    struct stmt *s = NULL;
    c->cap = 1024;
    c->slot = xcalloc(c->cap, sizeof(*c->slot));
    /* due invoices owe their total; one still being collected gives back
     * what it carries already (invoices_receivable covers this) */
    enum err rc = store_query(
        st, &s,
        "SELECT customer_id, SUM(CASE"
        "  WHEN COALESCE(NULLIF(due_on, ''), issued_on) < $1 THEN total_yen"
        "  ELSE -previous_balance_yen END)"
        " FROM invoices WHERE status = 'issued' AND issued_on <= $1"
        " GROUP BY customer_id",
        "t", issued_on);
    rc = carry_sum(c, rc, s);
    /* entries, but not money paid ahead on an invoice not yet due */
    if (!rc)
        rc = store_query(
            st, &s,
            "SELECT customer_id, SUM(amount_yen) FROM receivable_entries e"
            " WHERE entry_on <= $1 AND (invoice_due_on IS NULL"
            "  OR invoice_due_on < $1 OR NOT EXISTS (SELECT 1 FROM invoices i"
            "   WHERE i.id = e.invoice_id AND i.status = 'issued'))"
            " GROUP BY customer_id",
            "t", issued_on);
    if (!rc)
        rc = carry_sum(c, rc, s);
    if (rc) {
        ledger_carry_free(c);
        return rc;
    }
    *out = c;
    return ERR_OK;
}

enum err
ledger_carry_of(struct store *st, int64_t customer_id, const char *issued_on,
                int64_t *yen)
{
    struct stmt *s;
    bool row;
    *yen = 0;
    enum err rc = store_query(
        st, &s,
        "SELECT (SELECT COALESCE(SUM(CASE"
        "  WHEN COALESCE(NULLIF(due_on, ''), issued_on) < $2 THEN total_yen"
        "  ELSE -previous_balance_yen END), 0)"
        "  FROM invoices WHERE customer_id = $1 AND status = 'issued'"
        "  AND issued_on <= $2)"
        " + (SELECT COALESCE(SUM(amount_yen), 0) FROM receivable_entries e"
        "  WHERE customer_id = $1 AND entry_on <= $2"
        "  AND (invoice_due_on IS NULL OR invoice_due_on < $2"
        "   OR NOT EXISTS (SELECT 1 FROM invoices i WHERE i.id = e.invoice_id"
        "    AND i.status = 'issued')))",
        "it", customer_id, issued_on);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *yen = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

int64_t
ledger_carry_take(struct ledger_carry *c, int64_t customer_id)
{
    if (!c)
        return 0;
    struct carry_slot *s = carry_slot(c, customer_id);
    if (!s->customer_id || s->taken)
        return 0;
    s->taken = true;
    return s->yen;
}

int64_t
ledger_carry_peek(const struct ledger_carry *c, int64_t customer_id)
{
    if (!c)
        return 0;
    const struct carry_slot *s = carry_slot(c, customer_id);
    return s->customer_id && !s->taken ? s->yen : 0;
}

size_t
ledger_carry_count(const struct ledger_carry *c)
{
    size_t n = 0;
    for (size_t i = 0; c && i < c->cap; i++)
        n += c->slot[i].customer_id && c->slot[i].yen != 0;
    return n;
}

void
ledger_carry_free(struct ledger_carry *c)
{
    if (!c)
        return;
    free(c->slot);
    free(c);
}
