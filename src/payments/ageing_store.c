/*
 * ageing_store.c — reading the receivables ledger: one customer's history
 * with its running balance and ageing, and the whole tenant aged in one
 * pass (ledger.h states the allocation rule).
 *
 * One customer: the receivable_ledger view (invoices, the reversal a
 * correction brings for the invoice it voids, entries) for that customer,
 * by date. The tenant: two ordered scans merged by customer id — issued
 * invoices through invoices_receivable and entries through
 * receivable_entries_customer, both covering indexes already in customer
 * order — so no sort and no row visits, however long the history.
 */
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "payments/ledger.h"
#include "payments/payments_int.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRY_SEQ_BASE ((int64_t)1 << 40) /* entries after invoices */

struct items {
    struct ledger_item *v;
    size_t n, cap;
};

static struct ledger_item *
items_add(struct items *it)
{
    if (it->n == it->cap) {
        it->cap = it->cap ? it->cap * 2 : 64;
        it->v = xrealloc(it->v, it->cap * sizeof(*it->v));
    }
    struct ledger_item *x = &it->v[it->n++];
    memset(x, 0, sizeof(*x));
    return x;
}

static void
item_set(struct ledger_item *x, int64_t amount, const char *due, int64_t seq,
         int64_t invoice_id)
{
    x->amount_yen = amount;
    snprintf(x->due_on, sizeof(x->due_on), "%s", due ? due : "");
    x->seq = seq;
    x->invoice_id = invoice_id;
}

/* ---------------------------------------------------------------------- */
/* One customer                                                           */
/* ---------------------------------------------------------------------- */

#define CUSTOMER_ROWS                                                          \
    "SELECT kind, method, amount_yen, entry_on, due_on,"                       \
    " COALESCE(invoice_id, 0), invoice_number, COALESCE(entry_id, 0),"         \
    " reference, status FROM receivable_ledger"                                \
    " WHERE customer_id = $1 AND entry_on <= $2"                               \
    " ORDER BY entry_on, created_at, kind"

static json_t *
int_or_null(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col));
}

static json_t *
text_or_null(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_string(stmt_text(s, col));
}

/* One row of CUSTOMER_ROWS as the history shows it. */
static json_t *
history_row(struct stmt *s, int64_t balance)
{
    bool inv = !strcmp(stmt_text(s, 0), "invoice");
    return json_pack(
        "{s:s, s:o, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "kind",
        stmt_text(s, 0), "method", text_or_null(s, 1), "amount_yen",
        (json_int_t)stmt_int(s, 2), "on", stmt_text(s, 3), "due_on",
        inv ? text_or_null(s, 4) : json_null(), "invoice_id",
        stmt_int(s, 5) ? json_integer(stmt_int(s, 5)) : json_null(),
        "invoice_number", int_or_null(s, 6), "entry_id",
        stmt_int(s, 7) ? json_integer(stmt_int(s, 7)) : json_null(),
        "reference", text_or_null(s, 8), "status",
        inv ? text_or_null(s, 9) : json_null(), "balance_yen",
        (json_int_t)balance);
}

/* The customer's rows as of as_of into items (void invoices and their
 * reversals left out: they net to 0) and, when hist is set, every row
 * with the running balance into hist. */
static enum err
customer_rows(struct store *st, int64_t id, const char *as_of, struct items *it,
              json_t *hist)
{
    struct stmt *s;
    bool row;
    int64_t balance = 0, k = 0;
    enum err rc = store_query(st, &s, CUSTOMER_ROWS, "it", id, as_of);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        const char *kind = stmt_text(s, 0);
        balance += stmt_int(s, 2);
        if (hist)
            json_array_append_new(hist, history_row(s, balance));
        k++;
        if (!strcmp(kind, "invoice_void") ||
            (!strcmp(kind, "invoice") && strcmp(stmt_text(s, 9), "issued")))
            continue;
        bool inv = !strcmp(kind, "invoice");
        item_set(items_add(it), stmt_int(s, 2), stmt_text(s, 4), k - 1,
                 inv ? stmt_int(s, 5) : 0);
    }
    stmt_done(s);
    return rc;
}

enum err
ledger_customer_ageing(struct store *st, int64_t customer_id, const char *as_of,
                       struct ledger_ageing *out)
{
    struct items it = {0};
    enum err rc = customer_rows(st, customer_id, as_of, &it, NULL);
    if (!rc)
        ledger_age(it.v, it.n, as_of, out);
    free(it.v);
    return rc;
}

/* {"id", "number", "name"} of the customer; ERR_CUSTOMER_NOT_FOUND. */
enum err
pay_customer_json(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s, "SELECT number, name FROM customers WHERE id = $1", "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "number",
                         stmt_text(s, 0), "name", stmt_text(s, 1));
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_CUSTOMER_NOT_FOUND, "顧客が見つかりません");
    return rc;
}

/* The open invoices after allocation, oldest first. */
static json_t *
open_invoices(const struct items *it, const json_t *hist)
{
    json_t *a = json_array();
    for (size_t i = 0; i < it->n; i++) {
        const struct ledger_item *x = &it->v[i];
        if (!x->invoice_id || x->open_yen <= 0)
            continue;
        const json_t *h = json_array_get(hist, (size_t)x->seq);
        json_array_append_new(
            a, json_pack("{s:I, s:O, s:O, s:s, s:I, s:I, s:i}", "invoice_id",
                         (json_int_t)x->invoice_id, "number",
                         json_object_get(h, "invoice_number"), "issued_on",
                         json_object_get(h, "on"), "due_on", x->due_on,
                         "amount_yen", (json_int_t)x->amount_yen, "open_yen",
                         (json_int_t)x->open_yen, "bucket", x->bucket));
    }
    return a;
}

/* The last limit rows of hist (a new array). */
static json_t *
tail_of(json_t *hist, int64_t limit)
{
    size_t n = json_array_size(hist);
    size_t from = (int64_t)n > limit ? n - (size_t)limit : 0;
    json_t *a = json_array();
    for (size_t i = from; i < n; i++)
        json_array_append(a, json_array_get(hist, i));
    return a;
}

enum err
ledger_customer_json(struct store *st, int64_t customer_id, const char *as_of,
                     int64_t limit, json_t **out)
{
    struct items it = {0};
    struct ledger_ageing ag;
    int64_t carry = 0;
    json_t *cust = NULL, *hist = json_array();
    enum err rc = pay_customer_json(st, customer_id, &cust);
    if (!rc)
        rc = customer_rows(st, customer_id, as_of, &it, hist);
    if (!rc)
        rc = ledger_carry_of(st, customer_id, as_of, &carry);
    if (!rc) {
        ledger_age(it.v, it.n, as_of, &ag);
        *out = json_pack(
            "{s:o, s:s, s:I, s:I, s:o, s:o, s:o, s:I}", "customer", cust,
            "as_of", as_of, "balance_yen", (json_int_t)ag.balance_yen,
            "carry_yen", (json_int_t)carry, "ageing",
            ledger_ageing_json(&ag, as_of), "open_invoices",
            open_invoices(&it, hist), "entries", tail_of(hist, limit),
            "entries_total", (json_int_t)json_array_size(hist));
        cust = NULL;
    }
    json_decref(cust);
    json_decref(hist);
    free(it.v);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The whole tenant                                                       */
/* ---------------------------------------------------------------------- */

/* One of the two ordered streams: its statement and current row. */
struct stream {
    struct stmt *s;
    bool row;
    int64_t customer_id;
};

static enum err
stream_next(struct stream *x)
{
    enum err rc = stmt_step(x->s, &x->row);
    x->customer_id = !rc && x->row ? stmt_int(x->s, 0) : INT64_MAX;
    if (rc)
        x->row = false;
    return rc;
}

/* Take the rows of customer id from x into it. */
static enum err
stream_take(struct stream *x, int64_t id, int64_t seq_base, bool invoices,
            struct items *it)
{
    enum err rc = ERR_OK;
    while (!rc && x->row && x->customer_id == id) {
        int64_t rowid = stmt_int(x->s, 3);
        item_set(items_add(it), stmt_int(x->s, 1), stmt_text(x->s, 2),
                 seq_base + rowid, invoices ? rowid : 0);
        rc = stream_next(x);
    }
    return rc;
}

enum err
ledger_scan(struct store *st, const char *as_of, ledger_scan_fn fn, void *arg)
{
    struct stream a = {0}, b = {0};
    struct items it = {0};
    struct ledger_ageing ag;
    enum err rc = store_query(
        st, &a.s,
        "SELECT customer_id, total_yen, COALESCE(NULLIF(due_on, ''),"
        " issued_on), id FROM invoices WHERE status = 'issued'"
        " AND issued_on <= $1 ORDER BY customer_id",
        "t", as_of);
    if (!rc)
        rc = store_query(st, &b.s,
                         "SELECT customer_id, amount_yen, entry_on, id"
                         " FROM receivable_entries WHERE entry_on <= $1"
                         " ORDER BY customer_id",
                         "t", as_of);
    if (!rc && !(rc = stream_next(&a)))
        rc = stream_next(&b);
    while (!rc && (a.row || b.row)) {
        int64_t id =
            a.customer_id < b.customer_id ? a.customer_id : b.customer_id;
        it.n = 0;
        if (!(rc = stream_take(&a, id, 0, true, &it)))
            rc = stream_take(&b, id, ENTRY_SEQ_BASE, false, &it);
        if (rc)
            break;
        ledger_age(it.v, it.n, as_of, &ag);
        if (ag.balance_yen != 0 || ag.overdue_yen != 0)
            rc = fn(arg, id, &ag);
    }
    stmt_done(a.s);
    stmt_done(b.s);
    free(it.v);
    return rc;
}
