/*
 * ledger.h — the receivables ledger (債権管理): posting movements, the
 * balance and its ageing, and the balance carried into the next invoice.
 * Shared by the payments routes, the billing run (the carried balance),
 * the seed and the direct-debit result import (口座振替結果).
 *
 * Movements (payments_migrations.c): invoices come from billing's table
 * as they are; everything else is a receivable_entries row written by
 * ledger_post() and never changed. Sign: + the customer owes more, − the
 * customer paid or was credited. Balance = Σ movements: > 0 未収 (owed),
 * < 0 前受 (credit, an overpayment).
 *
 * Ageing (年齢調べ) — the allocation rule. Per customer, the debits are
 * the issued (not void) invoices, each due on its due_on (its issue date
 * when it has none), and the positive entries (refunds, positive
 * adjustments and reversals of payments), each due on its date; the
 * credits are the negative movements. All credits are pooled and applied
 * to the debits OLDEST FIRST (by due date, then issue order), whatever
 * invoice a payment named: a payment always settles the oldest debt
 * first (the usual 先入先出 of 売掛金 ageing, and what the customer's
 * statement of account shows). What is left of a debit is open; an open
 * debit due on or after the as-of date is current (当月: not overdue),
 * otherwise it is 1, 2 or 3+ months overdue by calendar months between
 * its due month and the as-of month (at least 1: overdue since the 26th
 * of last month is 1; since July, as of October, is 3+). Credit left over
 * is 前受. A void invoice and its reversal are left out (they net to 0).
 *
 * The carried balance (前回未収/前受) of a new invoice issued on D is
 *     Σ totals of the customer's issued invoices due before D
 *   + Σ entries dated on or before D, except those naming an issued
 *     invoice not yet due on D
 *   − Σ previous_balance_yen of issued invoices not yet due on D
 * i.e. what was owed and is due, less what was paid, less what another
 * invoice still being collected already carries (a customer with two
 * contracts billed on the same day, or a second run in the month, is not
 * asked twice). The billing run loads the map once per run
 * (ledger_carry_load) and gives each customer's carry to the customer's
 * first invoice of the run (ledger_carry_take); the invoice then shows
 * previous_balance_yen = the carry and amount_due_yen = total + carry,
 * while the ledger itself counts only total_yen (no double counting).
 */
#ifndef PL_PAYMENTS_LEDGER_H
#define PL_PAYMENTS_LEDGER_H

#include "core/err.h"
#include "core/json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define LEDGER_AMOUNT_MAX_YEN 100000000 /* ¥100,000,000 per movement */
#define LEDGER_NOTE_MAX       200       /* characters of a note */
#define LEDGER_REF_MAX        64        /* characters of a reference */
#define LEDGER_ENTRIES_MAX    2000      /* a customer's history shown */

enum ledger_kind {
    LEDGER_PAYMENT,    /* 入金: amount < 0 */
    LEDGER_REFUND,     /* 返金 of a credit: amount > 0 */
    LEDGER_ADJUSTMENT, /* 調整 (±): write-off, small differences */
    LEDGER_REVERSAL,   /* 取消: the negative of one earlier entry */
};

enum ledger_method {
    LEDGER_NONE,     /* refunds, adjustments, reversals */
    LEDGER_DEBIT,    /* 口座振替 */
    LEDGER_TRANSFER, /* 振込 */
    LEDGER_CASH,     /* 集金 (receipt numbers) */
    LEDGER_CVS,      /* コンビニ収納 */
    LEDGER_OTHER,
};

/* "payment"/"refund"/"adjustment"/"reversal"; "debit"/"transfer"/"cash"/
 * "cvs"/"other" (NULL for LEDGER_NONE). */
const char *ledger_kind_name(enum ledger_kind k);
const char *ledger_method_name(enum ledger_method m);
/* Parse a method name (not "none"); false when unknown. */
bool ledger_method_parse(const char *s, enum ledger_method *m);

/* ---------------------------------------------------------------------- */
/* Posting (ledger_store.c)                                               */
/* ---------------------------------------------------------------------- */

struct ledger_post {
    enum ledger_kind kind;
    enum ledger_method method; /* payments only */
    int64_t customer_id;       /* 0: the invoice's customer */
    int64_t invoice_id;        /* 0: none; else must be the customer's */
    int64_t amount_yen;        /* payment/refund: the money, > 0 (the sign
                                  is the kind's); adjustment: signed */
    const char *on;            /* the business date, YYYY-MM-DD */
    bool receipt;              /* 集金: take the next receipt number */
    int64_t transfer_id;       /* the bank transfer it comes from, or 0 */
    int64_t reverses_id;       /* LEDGER_REVERSAL: the entry undone */
    const char *reference;     /* NULL ok: bank/agent reference */
    const char *source_key;    /* NULL ok: idempotency key (see below) */
    const char *note;          /* NULL ok */
    const char *actor;         /* created_by: "user:12", "seed" */
};

struct ledger_posted {
    int64_t entry_id;
    int64_t customer_id;
    int64_t receipt_number; /* 0 unless p->receipt */
    bool duplicate;         /* source_key seen before: nothing written */
};

/*
 * Write one movement inside the caller's transaction (no audit entry:
 * the caller writes it). A source_key already posted with the same
 * customer, kind, method, amount, invoice and date is a duplicate
 * (out->duplicate, the earlier entry's id; nothing written); with other
 * content ERR_PAYMENT_DUPLICATE. A reversal takes its customer and
 * amount from the entry it undoes (ERR_PAYMENT_NOT_FOUND,
 * ERR_PAYMENT_REVERSED when that one is a reversal or was reversed).
 * ERR_CUSTOMER_NOT_FOUND, ERR_INVOICE_NOT_FOUND, ERR_INVOICE_VOID (a
 * payment naming a void invoice), ERR_PAYMENT_INVOICE_MISMATCH (the
 * invoice is another customer's), ERR_INVALID (amount or date out of
 * range; a Japanese detail).
 */
enum err ledger_post(struct store *st, const struct ledger_post *p,
                     struct ledger_posted *out);

/*
 * One direct-debit result (口座振替結果) — the interface for the Zengin
 * result import. Inside the caller's transaction, no audit entry (the
 * import writes one per file). source_key is required and must be unique
 * per result record (e.g. "zengin:<request id>:<record no>"): posting the
 * same record again changes nothing (out->duplicate).
 *   result 0 (debited): a payment of amount_yen, method debit, naming the
 *     invoice, dated debit_on (out->entry_id);
 *   results 1 (insufficient funds), 2 (no account), 3 (stopped by the
 *     depositor), 4 (no mandate), 8 (stopped by the requester), 9
 *     (other): no money moved, so no ledger entry — the amount stays owed
 *     and the next invoice carries it (前回未収); a payment_followups row
 *     (out->followup_id) with the action ledger_followup_action() gives,
 *     open until someone closes it.
 * ERR_DEBIT_RESULT_CODE for another code, ERR_INVOICE_NOT_FOUND,
 * ERR_INVALID (amount, date, no source_key).
 */
struct ledger_debit_result {
    int64_t invoice_id;     /* the invoice the request debited */
    int64_t amount_yen;     /* the amount requested (> 0) */
    int result_code;        /* 0, 1, 2, 3, 4, 8, 9 */
    const char *debit_on;   /* 振替日, YYYY-MM-DD */
    const char *source_key; /* required, unique per result record */
    const char *reference;  /* NULL ok: e.g. the request file's number */
    const char *actor;
};
struct ledger_debit_posted {
    int64_t entry_id;    /* result 0 */
    int64_t followup_id; /* a failure */
    bool duplicate;
};
enum err ledger_post_debit_result(struct store *st,
                                  const struct ledger_debit_result *d,
                                  struct ledger_debit_posted *out);

/* What a failed debit's result code asks for: 1 → "redebit" (the next
 * invoice carries it and is debited), 2 and 4 → "transfer_slip" (the
 * account cannot be debited: send a transfer slip), 3, 8, 9 → "contact";
 * NULL for 0 and unknown codes. */
const char *ledger_followup_action(int result_code);

/* The customer's balance now (Σ movements, voids netted). */
enum err ledger_balance(struct store *st, int64_t customer_id,
                        int64_t *balance_yen);

/* ---------------------------------------------------------------------- */
/* The carried balance (billing run)                                       */
/* ---------------------------------------------------------------------- */

struct ledger_carry;

/* Every customer's non-zero carry for an invoice issued on issued_on
 * (see the top), in one query. *out is the caller's: ledger_carry_free. */
enum err ledger_carry_load(struct store *st, const char *issued_on,
                           struct ledger_carry **out);
/* The customer's carry the first time it is asked for, 0 afterwards (a
 * customer's first invoice of the run carries it). NULL c gives 0. */
int64_t ledger_carry_take(struct ledger_carry *c, int64_t customer_id);
/* One customer's carry for an invoice issued on issued_on, by the same
 * rule, through the customer's index entries only (a customer's page). */
enum err ledger_carry_of(struct store *st, int64_t customer_id,
                         const char *issued_on, int64_t *yen);
/* The customer's carry without taking it. */
int64_t ledger_carry_peek(const struct ledger_carry *c, int64_t customer_id);
/* Customers with a non-zero carry. */
size_t ledger_carry_count(const struct ledger_carry *c);
void ledger_carry_free(struct ledger_carry *c);

/* ---------------------------------------------------------------------- */
/* Ageing: the allocation rule (ledger.c, pure)                            */
/* ---------------------------------------------------------------------- */

#define LEDGER_BUCKETS 4 /* 0 current (当月), 1, 2, 3+ months overdue */

struct ledger_item {
    int64_t amount_yen; /* > 0 debit, < 0 credit */
    char due_on[11];    /* debits: when due */
    int64_t seq;        /* tie-break among equal dates (issue order) */
    int64_t invoice_id; /* 0 for an entry */
    int64_t open_yen;   /* out: unpaid part of a debit (0 for credits) */
    int bucket;         /* out: its bucket, -1 for credits */
};

struct ledger_ageing {
    int64_t bucket_yen[LEDGER_BUCKETS]; /* open debits by bucket */
    int64_t overdue_yen;                /* buckets 1..3 */
    int64_t credit_yen;                 /* 前受: credit left over, ≥ 0 */
    int64_t balance_yen;                /* Σ amounts */
    char oldest_overdue_on[11];         /* "" when nothing is overdue */
    int worst_bucket;                   /* 0 when nothing is overdue */
};

/* The bucket of a debit due on due_on as of as_of (both YYYY-MM-DD):
 * 0 when due_on >= as_of, else the calendar months from due_on's month
 * to as_of's month, at least 1, at most 3. */
int ledger_bucket(const char *due_on, const char *as_of);

/* Allocate the credits of items[0..n) to its debits oldest first (see
 * the top), setting open_yen and bucket of each, and sum them into out.
 * Reorders items (debits by due date and seq, then the credits). */
void ledger_age(struct ledger_item *items, size_t n, const char *as_of,
                struct ledger_ageing *out);

/* {"as_of", "current_yen", "overdue_1_yen", "overdue_2_yen",
 * "overdue_3plus_yen", "overdue_yen", "credit_yen", "balance_yen",
 * "oldest_overdue_on" (null when nothing is overdue)}. */
json_t *ledger_ageing_json(const struct ledger_ageing *a, const char *as_of);

/* ---------------------------------------------------------------------- */
/* Reading the ledger (ledger_store.c, ageing_store.c)                     */
/* ---------------------------------------------------------------------- */

/* A customer's receivables as of as_of: {"customer": {"id", "number",
 * "name"}, "as_of", "balance_yen", "carry_yen" (what an invoice issued
 * on as_of would carry), "ageing", "open_invoices": [{"invoice_id",
 * "number", "issued_on", "due_on", "amount_yen", "open_yen", "bucket"}],
 * "entries": [{"kind", "method", "amount_yen", "on", "invoice_id",
 * "invoice_number", "entry_id", "reference", "balance_yen"}] oldest first
 * with the running balance (the last `limit`), "entries_total"}.
 * ERR_CUSTOMER_NOT_FOUND. */
enum err ledger_customer_json(struct store *st, int64_t customer_id,
                              const char *as_of, int64_t limit, json_t **out);

/* The ageing of one customer as of as_of (0 overdue when none). */
enum err ledger_customer_ageing(struct store *st, int64_t customer_id,
                                const char *as_of, struct ledger_ageing *out);

/* Called for each customer with a non-zero balance by ledger_scan. */
typedef enum err (*ledger_scan_fn)(void *arg, int64_t customer_id,
                                   const struct ledger_ageing *a);
/* Age every customer of the tenant as of as_of in one ordered pass over
 * the ledger, calling fn for those with a non-zero balance, by customer
 * id. */
enum err ledger_scan(struct store *st, const char *as_of, ledger_scan_fn fn,
                     void *arg);

#endif
