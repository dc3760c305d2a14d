/*
 * entries_store.c — the ledger's entries (入金・返金・調整・取消) and the
 * follow-ups of failed debits, as lists and one by one.
 */
#include "core/timeutil.h"
#include "payments/payments.h"
#include "payments/payments_int.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static json_t *
text_or_null(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_string(stmt_text(s, col));
}

static json_t *
int_or_null(struct stmt *s, int col)
{
    return stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col));
}

#define ENTRY_COLS                                                             \
    "e.id, e.customer_id, cu.number, cu.name, e.kind, e.method,"               \
    " e.amount_yen, e.entry_on, e.invoice_id, iv.number, e.receipt_number,"    \
    " e.transfer_id, e.reverses_id, (SELECT r.id FROM receivable_entries r"    \
    "  WHERE r.reverses_id = e.id), e.reference, e.note, e.created_at,"        \
    " e.created_by"
#define ENTRY_FROM                                                             \
    " FROM receivable_entries e JOIN customers cu ON cu.id = e.customer_id"    \
    " LEFT JOIN invoices iv ON iv.id = e.invoice_id"

static json_t *
entry_row(struct stmt *s)
{
    return json_pack(
        "{s:I, s:{s:I, s:s, s:s}, s:s, s:o, s:I, s:s, s:o, s:o, s:o, s:o,"
        " s:o, s:o, s:o, s:o, s:s, s:s}",
        "id", (json_int_t)stmt_int(s, 0), "customer", "id",
        (json_int_t)stmt_int(s, 1), "number", stmt_text(s, 2), "name",
        stmt_text(s, 3), "kind", stmt_text(s, 4), "method", text_or_null(s, 5),
        "amount_yen", (json_int_t)stmt_int(s, 6), "on", stmt_text(s, 7),
        "invoice_id", int_or_null(s, 8), "invoice_number", int_or_null(s, 9),
        "receipt_number", int_or_null(s, 10), "transfer_id", int_or_null(s, 11),
        "reverses_id", int_or_null(s, 12), "reversed_by", int_or_null(s, 13),
        "reference", text_or_null(s, 14), "note", text_or_null(s, 15),
        "created_at", stmt_text(s, 16), "created_by", stmt_text(s, 17));
}

enum err
payment_json(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        st, &s, "SELECT " ENTRY_COLS ENTRY_FROM " WHERE e.id = $1", "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = entry_row(s);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_PAYMENT_NOT_FOUND, "記録 %lld が見つかりません",
                      (long long)id);
    return rc;
}

/* {key: list, "next_after": last id or null} once a page is read. */
static enum err
page_end(enum err rc, const char *key, json_t *list, int64_t n, int64_t last,
         int64_t limit, json_t **out)
{
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", key, list, "next_after",
                     n == limit ? json_integer(last) : json_null());
    return ERR_OK;
}

enum err
payment_list(struct store *st, const struct payment_filter *f, json_t **out)
{
    struct stmt *s;
    bool row;
    int64_t n = 0, last = 0;
    json_t *list = json_array();
    enum err rc;
    /* newest first: ids below after (0: from the newest); one statement
     * per shape, so a customer's page walks the customer's index */
    if (f->customer_id)
        rc = store_query(
            st, &s,
            "SELECT " ENTRY_COLS ENTRY_FROM
            " WHERE e.customer_id = $2 AND ($1 = 0 OR e.id < $1)"
            " AND ($3 IS NULL OR e.kind = $3) AND ($4 IS NULL OR e.method = $4)"
            " AND ($5 IS NULL OR e.entry_on >= $5)"
            " AND ($6 IS NULL OR e.entry_on <= $6) ORDER BY e.id DESC LIMIT $7",
            "iitttti", f->after, f->customer_id, f->kind, f->method, f->from,
            f->to, f->limit);
    else
        rc = store_query(
            st, &s,
            "SELECT " ENTRY_COLS ENTRY_FROM " WHERE ($1 = 0 OR e.id < $1)"
            " AND ($2 IS NULL OR e.kind = $2) AND ($3 IS NULL OR e.method = $3)"
            " AND ($4 IS NULL OR e.entry_on >= $4)"
            " AND ($5 IS NULL OR e.entry_on <= $5) ORDER BY e.id DESC LIMIT $6",
            "itttti", f->after, f->kind, f->method, f->from, f->to, f->limit);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        last = stmt_int(s, 0);
        n++;
        json_array_append_new(list, entry_row(s));
    }
    stmt_done(s);
    return page_end(rc, "payments", list, n, last, f->limit, out);
}

/* ---------------------------------------------------------------------- */
/* Follow-ups of failed debits                                            */
/* ---------------------------------------------------------------------- */

#define FOLLOWUP_COLS                                                          \
    "f.id, f.customer_id, cu.number, cu.name, f.invoice_id, iv.number,"        \
    " f.result_code, f.action, f.status, f.amount_yen, f.reference,"           \
    " f.created_at, f.created_by, f.closed_at, f.closed_by, f.close_note"

static json_t *
followup_row(struct stmt *s)
{
    return json_pack(
        "{s:I, s:{s:I, s:s, s:s}, s:o, s:o, s:o, s:s, s:s, s:I, s:o, s:s,"
        " s:s, s:o, s:o, s:o}",
        "id", (json_int_t)stmt_int(s, 0), "customer", "id",
        (json_int_t)stmt_int(s, 1), "number", stmt_text(s, 2), "name",
        stmt_text(s, 3), "invoice_id", int_or_null(s, 4), "invoice_number",
        int_or_null(s, 5), "result_code", int_or_null(s, 6), "action",
        stmt_text(s, 7), "status", stmt_text(s, 8), "amount_yen",
        (json_int_t)stmt_int(s, 9), "reference", text_or_null(s, 10),
        "created_at", stmt_text(s, 11), "created_by", stmt_text(s, 12),
        "closed_at", text_or_null(s, 13), "closed_by", text_or_null(s, 14),
        "close_note", text_or_null(s, 15));
}

enum err
followup_list(struct store *st, const char *status, int64_t customer_id,
              int64_t after, int64_t limit, json_t **out)
{
    struct stmt *s;
    bool row;
    int64_t n = 0, last = 0;
    json_t *list = json_array();
    enum err rc = store_query(
        st, &s,
        "SELECT " FOLLOWUP_COLS " FROM payment_followups f"
        " JOIN customers cu ON cu.id = f.customer_id"
        " LEFT JOIN invoices iv ON iv.id = f.invoice_id"
        " WHERE f.id > $1 AND ($2 IS NULL OR f.status = $2)"
        " AND ($3 = 0 OR f.customer_id = $3) ORDER BY f.id LIMIT $4",
        "itii", after, status, customer_id, limit);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        last = stmt_int(s, 0);
        n++;
        json_array_append_new(list, followup_row(s));
    }
    stmt_done(s);
    return page_end(rc, "followups", list, n, last, limit, out);
}

enum err
followup_close(struct store *st, int64_t id, const char *note,
               const char *actor)
{
    struct stmt *s;
    bool row = false;
    char now[32], status[8] = "";
    enum err rc = store_query(
        st, &s, "SELECT status FROM payment_followups WHERE id = $1", "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        snprintf(status, sizeof(status), "%s", stmt_text(s, 0));
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_FOLLOWUP_NOT_FOUND, "対応事項 %lld が見つかりません",
                      (long long)id);
    if (!rc && strcmp(status, "open"))
        rc = err_fail(ERR_FOLLOWUP_CLOSED, "対応事項 %lld は完了済みです",
                      (long long)id);
    if (rc)
        return rc;
    time_now_iso(now);
    return store_run(st,
                     "UPDATE payment_followups SET status = 'done',"
                     " closed_at = $2, closed_by = $3, close_note = $4"
                     " WHERE id = $1",
                     "ittt", id, now, actor, note);
}
