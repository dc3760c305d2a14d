/*
 * invoice_store.c — issued invoices and billing runs as JSON.
 *
 * An invoice's JSON (billing.h's shared contract) comes from three places,
 * all written when it was issued and never changed since: the invoices row
 * (number, dates, amounts, status — the one field a correction changes),
 * its invoice_lines, and its snapshot (customer, supply point, reading,
 * tax per rate, issuer, and what priced it; the part many invoices share
 * is in invoice_bases, merged back here). Nothing is re-read from the
 * ledger or the tariff, so a later change there never alters an invoice.
 */
#include "billing/run_int.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define INVOICE_COLS                                                           \
    "iv.id, iv.number, iv.status, iv.corrects_id, iv.issued_on, iv.due_on,"    \
    " iv.payment_method, iv.period_from, iv.period_to, iv.subtotal_yen,"       \
    " iv.tax_yen, iv.total_yen, iv.previous_balance_yen, iv.amount_due_yen,"   \
    " iv.snapshot, iv.run_id, iv.contract_id, co.number, iv.customer_id,"      \
    " b.body"

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

static enum err
lines_of(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s,
        "SELECT kind, description, COALESCE(quantity_tenths, 0),"
        " COALESCE(unit_price_cyen, 0), amount_yen, tax_rate"
        " FROM invoice_lines WHERE invoice_id = $1 ORDER BY position",
        "i", id);
    *out = json_array();
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(*out,
                              line_json(stmt_text(s, 0), stmt_text(s, 1),
                                        stmt_int(s, 2), stmt_int(s, 3),
                                        stmt_int(s, 4), (int)stmt_int(s, 5)));
    stmt_done(s);
    return rc;
}

/* The row's own fields onto doc. */
static void
row_fields(struct stmt *s, json_t *doc)
{
    json_object_set_new(doc, "id", json_integer(stmt_int(s, 0)));
    json_object_set_new(doc, "number", json_integer(stmt_int(s, 1)));
    json_object_set_new(doc, "status", json_string(stmt_text(s, 2)));
    json_object_set_new(doc, "corrects_id", int_or_null(s, 3));
    json_object_set_new(doc, "corrects_number", int_or_null(s, 17));
    json_object_set_new(doc, "issued_on", json_string(stmt_text(s, 4)));
    json_object_set_new(doc, "due_on", text_or_null(s, 5));
    json_object_set_new(doc, "payment_method", text_or_null(s, 6));
    json_object_set_new(doc, "period",
                        json_pack("{s:o, s:o}", "from", text_or_null(s, 7),
                                  "to", text_or_null(s, 8)));
    json_object_set_new(doc, "run_id", int_or_null(s, 15));
    json_object_set_new(doc, "contract_id", json_integer(stmt_int(s, 16)));
}

/* The row's snapshot: its own part over the shared one (basis), if any.
 * Non-zero when either does not parse. */
static int
snapshot_of(struct stmt *s, json_t **out)
{
    const char *own = stmt_text(s, 14), *shared = stmt_text(s, 19);
    json_t *basis = NULL;
    *out = NULL;
    if (!own || json_parse(own, strlen(own), out))
        return -1;
    if (!shared)
        return 0;
    if (json_parse(shared, strlen(shared), &basis) ||
        json_object_update_missing(*out, basis)) {
        json_decref(basis);
        return -1;
    }
    json_decref(basis);
    return 0;
}

enum err
invoice_json(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row;
    json_t *snap = NULL, *lines = NULL;
    *out = NULL;
    enum err rc = store_query(
        st, &s,
        "SELECT " INVOICE_COLS " FROM invoices iv"
        " LEFT JOIN invoices co ON co.id = iv.corrects_id"
        " LEFT JOIN invoice_bases b ON b.id = iv.basis_id WHERE iv.id = $1",
        "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = ERR_INVOICE_NOT_FOUND;
    if (!rc && snapshot_of(s, &snap))
        rc =
            err_fail(ERR_INTERNAL, "invoice %lld: bad snapshot", (long long)id);
    if (!rc && !(rc = lines_of(st, id, &lines))) {
        *out = invoice_doc(snap, lines, stmt_int(s, 9), stmt_int(s, 10),
                           stmt_int(s, 11), stmt_int(s, 12));
        lines = NULL;
        row_fields(s, *out);
    }
    stmt_done(s);
    json_decref(lines);
    json_decref(snap);
    return rc;
}

#define LIST_SELECT                                                            \
    "SELECT iv.id, iv.number, iv.status, iv.corrects_id, iv.issued_on,"        \
    " iv.due_on, iv.period_from, iv.period_to, iv.usage_tenths,"               \
    " iv.total_yen, iv.amount_due_yen, iv.run_id, iv.customer_id,"             \
    " cu.number, cu.name, iv.contract_id FROM invoices iv"                     \
    " JOIN customers cu ON cu.id = iv.customer_id"

enum err
invoice_list(struct store *st, const struct invoice_filter *f, json_t **out)
{
    struct stmt *s;
    bool row;
    int64_t last = 0, n = 0;
    json_t *list = json_array();
    enum err rc;
    /* one statement per filter, so each walks its own index */
    if (f->customer_id)
        rc = store_query(st, &s,
                         LIST_SELECT " WHERE iv.customer_id = $2"
                                     " AND iv.id > $1 AND ($3 = 0 OR"
                                     " iv.run_id = $3) ORDER BY iv.id LIMIT $4",
                         "iiii", f->after, f->customer_id, f->run_id, f->limit);
    else if (f->run_id)
        rc = store_query(st, &s,
                         LIST_SELECT " WHERE iv.run_id = $2 AND iv.id > $1"
                                     " ORDER BY iv.id LIMIT $3",
                         "iii", f->after, f->run_id, f->limit);
    else
        rc = store_query(
            st, &s, LIST_SELECT " WHERE iv.id > $1 ORDER BY iv.id LIMIT $2",
            "ii", f->after, f->limit);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        char use[32];
        tenths_text(stmt_int(s, 8), use);
        last = stmt_int(s, 0);
        n++;
        json_array_append_new(
            list,
            json_pack("{s:I, s:I, s:I, s:s, s:o, s:s, s:o, s:{s:o, s:o}, s:s,"
                      " s:I, s:I, s:o, s:{s:I, s:s, s:s}}",
                      "id", (json_int_t)last, "contract_id",
                      (json_int_t)stmt_int(s, 15), "number",
                      (json_int_t)stmt_int(s, 1), "status", stmt_text(s, 2),
                      "corrects_id", int_or_null(s, 3), "issued_on",
                      stmt_text(s, 4), "due_on", text_or_null(s, 5), "period",
                      "from", text_or_null(s, 6), "to", text_or_null(s, 7),
                      "usage_m3", use, "total_yen", (json_int_t)stmt_int(s, 9),
                      "amount_due_yen", (json_int_t)stmt_int(s, 10), "run_id",
                      int_or_null(s, 11), "customer", "id",
                      (json_int_t)stmt_int(s, 12), "number", stmt_text(s, 13),
                      "name", stmt_text(s, 14)));
    }
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "invoices", list, "next_after",
                     n == f->limit ? json_integer(last) : json_null());
    return ERR_OK;
}

#define RUN_COLS                                                               \
    "id, billing_group, month, status, contracts_total, contracts_done,"       \
    " started_at, started_by, finished_at"

static json_t *
run_row(struct stmt *s)
{
    return json_pack(
        "{s:I, s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:o}", "id",
        (json_int_t)stmt_int(s, 0), "billing_group", (json_int_t)stmt_int(s, 1),
        "month", stmt_text(s, 2), "status", stmt_text(s, 3), "contracts_total",
        (json_int_t)stmt_int(s, 4), "contracts_done",
        (json_int_t)stmt_int(s, 5), "started_at", stmt_text(s, 6), "started_by",
        stmt_text(s, 7), "finished_at", text_or_null(s, 8));
}

enum err
billing_run_json(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s, "SELECT " RUN_COLS " FROM billing_runs WHERE id = $1", "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = ERR_BILLING_RUN_NOT_FOUND;
    if (!rc)
        *out = run_row(s);
    stmt_done(s);
    return rc;
}

enum err
billing_run_list(struct store *st, json_t **out)
{
    struct stmt *s;
    bool row;
    json_t *list = json_array();
    enum err rc = store_query(st, &s,
                              "SELECT " RUN_COLS " FROM billing_runs"
                              " ORDER BY month DESC, billing_group, id DESC"
                              " LIMIT 500",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, run_row(s));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "billing_runs", list);
    return ERR_OK;
}
