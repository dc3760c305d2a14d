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
 *
 * Which invoices a tariff version priced (after a correction of that
 * version, the office puts them right with 赤黒 corrections) is read from
 * the same snapshots: they name the tariff and the version's
 * effective_from, in force or as a stretch of a day split.
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
    " b.body, iv.lines"

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

/* The values of one line at a[i…i+5] (run_store.c lines_text). */
static json_t *
line_at(const json_t *a, size_t i)
{
    return line_json(json_string_value(json_array_get(a, i)),
                     json_string_value(json_array_get(a, i + 1)),
                     json_integer_value(json_array_get(a, i + 2)),
                     json_integer_value(json_array_get(a, i + 3)),
                     json_integer_value(json_array_get(a, i + 4)),
                     (int)json_integer_value(json_array_get(a, i + 5)));
}

/* The lines of invoice id from the text its row keeps: one flat array,
 * six values a line, or (rows of billing v4) one array per line. */
static enum err
lines_from_text(int64_t id, const char *text, json_t **out)
{
    json_t *a = NULL;
    size_t i;
    if (json_parse(text, strlen(text), &a) || !json_is_array(a)) {
        json_decref(a);
        return err_fail(ERR_INTERNAL, "invoice %lld: bad lines", (long long)id);
    }
    *out = json_array();
    if (json_is_array(json_array_get(a, 0))) {
        for (i = 0; i < json_array_size(a); i++)
            json_array_append_new(*out, line_at(json_array_get(a, i), 0));
    } else {
        for (i = 0; i + 6 <= json_array_size(a); i += 6)
            json_array_append_new(*out, line_at(a, i));
    }
    json_decref(a);
    return ERR_OK;
}

/* Invoice id's lines: from its row (text, billing v4), or from
 * invoice_lines for an invoice issued before. */
static enum err
lines_of(struct store *st, int64_t id, const char *text, json_t **out)
{
    struct stmt *s;
    bool row;
    *out = NULL;
    if (text)
        return lines_from_text(id, text, out);
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
    if (!rc && !(rc = lines_of(st, id, stmt_text(s, 20), &lines))) {
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

#define LIST_COLS                                                              \
    "iv.id, iv.number, iv.status, iv.corrects_id, iv.issued_on,"               \
    " iv.due_on, iv.period_from, iv.period_to, iv.usage_tenths,"               \
    " iv.total_yen, iv.amount_due_yen, iv.run_id, iv.customer_id,"             \
    " cu.number, cu.name, iv.contract_id"
#define LIST_SELECT                                                            \
    "SELECT " LIST_COLS " FROM invoices iv"                                    \
    " JOIN customers cu ON cu.id = iv.customer_id"
/* LIST_COLS, then the snapshot's own part, its basis id and shared part */
#define LIST_SELECT_BASIS                                                      \
    "SELECT " LIST_COLS ", iv.snapshot, iv.basis_id, b.body FROM invoices iv"  \
    " JOIN customers cu ON cu.id = iv.customer_id"                             \
    " LEFT JOIN invoice_bases b ON b.id = iv.basis_id"

/* One invoice of a list (LIST_COLS) as its summary. */
static json_t *
list_row(struct stmt *s)
{
    char use[32];
    tenths_text(stmt_int(s, 8), use);
    return json_pack(
        "{s:I, s:I, s:I, s:s, s:o, s:s, s:o, s:{s:o, s:o}, s:s,"
        " s:I, s:I, s:o, s:{s:I, s:s, s:s}}",
        "id", (json_int_t)stmt_int(s, 0), "contract_id",
        (json_int_t)stmt_int(s, 15), "number", (json_int_t)stmt_int(s, 1),
        "status", stmt_text(s, 2), "corrects_id", int_or_null(s, 3),
        "issued_on", stmt_text(s, 4), "due_on", text_or_null(s, 5), "period",
        "from", text_or_null(s, 6), "to", text_or_null(s, 7), "usage_m3", use,
        "total_yen", (json_int_t)stmt_int(s, 9), "amount_due_yen",
        (json_int_t)stmt_int(s, 10), "run_id", int_or_null(s, 11), "customer",
        "id", (json_int_t)stmt_int(s, 12), "number", stmt_text(s, 13), "name",
        stmt_text(s, 14));
}

/* The keyset bound of a page: ids above f->after, or below it newest
 * first (after 0: from the newest). */
static int64_t
list_bound(const struct invoice_filter *f)
{
    return f->desc && !f->after ? INT64_MAX : f->after;
}

/* {"invoices": list, "next_after"} of a page of limit. */
static enum err
list_page(enum err rc, json_t *list, int64_t n, int64_t last, int64_t limit,
          json_t **out)
{
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "invoices", list, "next_after",
                     n == limit ? json_integer(last) : json_null());
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Invoices priced by a tariff version (?tariff_version=)                 */
/* ---------------------------------------------------------------------- */

/* A version as its invoices' snapshots name it: its tariff and the dates
 * it has had (a correction may have moved its effective_from). The shared
 * part of a snapshot (invoice_bases) says which version was in force; the
 * invoice's own part names the earlier versions of a day split (日割り).
 * A basis is judged once per request (bases are few). */
#define MATCH_DATES_MAX 32
#define MATCH_BASES_MAX 64

struct version_match {
    int64_t tariff_id;
    char dates[MATCH_DATES_MAX][11];
    size_t ndates;
    struct {
        int64_t id;
        int verdict; /* 1 priced by it, 0 same tariff, -1 other tariff */
    } basis[MATCH_BASES_MAX];
    size_t nbasis;
};

/* True when j holds, at any depth, an "effective_from" of m's dates (a
 * tariff version in a snapshot: in force, or a stretch of a day split). */
static bool
names_date(const json_t *j, const struct version_match *m, int depth)
{
    const char *key;
    json_t *v;
    size_t i;
    if (depth > 8)
        return false;
    if (json_is_array(j))
        json_array_foreach(j, i, v)
        {
            if (names_date(v, m, depth + 1))
                return true;
        }
    if (!json_is_object(j))
        return false;
    json_object_foreach((json_t *)j, key, v)
    {
        if (!strcmp(key, "effective_from") && json_is_string(v)) {
            for (i = 0; i < m->ndates; i++)
                if (!strcmp(json_string_value(v), m->dates[i]))
                    return true;
        } else if (names_date(v, m, depth + 1))
            return true;
    }
    return false;
}

/* 1: the (part of a) snapshot text names m's tariff and one of its dates,
 * 0: m's tariff only, -1: another tariff or none (no "tariff_id"). */
static int
snapshot_verdict(const char *text, const struct version_match *m)
{
    json_t *j = NULL;
    int verdict = -1;
    if (!text || json_parse(text, strlen(text), &j))
        return -1;
    if (json_integer_value(json_object_get(j, "tariff_id")) == m->tariff_id)
        verdict = names_date(j, m, 0) ? 1 : 0;
    json_decref(j);
    return verdict;
}

/* The verdict on basis id (body: its text), cached. */
static int
basis_verdict(struct version_match *m, int64_t id, const char *body)
{
    for (size_t i = 0; i < m->nbasis; i++)
        if (m->basis[i].id == id)
            return m->basis[i].verdict;
    int v = snapshot_verdict(body, m);
    if (m->nbasis < MATCH_BASES_MAX) {
        m->basis[m->nbasis].id = id;
        m->basis[m->nbasis++].verdict = v;
    }
    return v;
}

/* Whether the scanned row (LIST_COLS, then snapshot, basis id, body)
 * was priced by m's version. */
static bool
priced_by(struct stmt *s, struct version_match *m)
{
    const char *own = stmt_text(s, 16);
    int v = stmt_is_null(s, 17)
                ? snapshot_verdict(own, m) /* before v2: all in one */
                : basis_verdict(m, stmt_int(s, 17), stmt_text(s, 18));
    if (v != 0 || stmt_is_null(s, 17)) /* a whole snapshot: judged */
        return v > 0;
    /* same tariff, another version in force: a day split's stretch? */
    if (!own || !strstr(own, "\"effective_from\""))
        return false;
    json_t *j = NULL;
    bool hit = !json_parse(own, strlen(own), &j) && names_date(j, m, 0);
    json_decref(j);
    return hit;
}

/* The earliest of m's dates. */
static const char *
first_date(const struct version_match *m)
{
    const char *first = m->dates[0];
    for (size_t i = 1; i < m->ndates; i++)
        if (strcmp(m->dates[i], first) < 0)
            first = m->dates[i];
    return first;
}

/* Walk invoices by id from f->after, keeping those priced by m's version
 * until f->limit. Only invoices read on or after its first date can be. */
static enum err
scan_version(struct store *st, const struct invoice_filter *f,
             struct version_match *m, json_t *list, int64_t *n, int64_t *last)
{
    static const char *const sql[2] = {
        LIST_SELECT_BASIS " WHERE iv.id > $1 AND iv.period_to >= $2"
                          " AND ($3 = 0 OR iv.run_id = $3)"
                          " AND ($4 = 0 OR iv.customer_id = $4)"
                          " ORDER BY iv.id",
        LIST_SELECT_BASIS " WHERE iv.id < $1 AND iv.period_to >= $2"
                          " AND ($3 = 0 OR iv.run_id = $3)"
                          " AND ($4 = 0 OR iv.customer_id = $4)"
                          " ORDER BY iv.id DESC",
    };
    struct stmt *s;
    bool row;
    enum err rc = store_query(st, &s, sql[f->desc], "itii", list_bound(f),
                              first_date(m), f->run_id, f->customer_id);
    while (!rc && *n < f->limit && !(rc = stmt_step(s, &row)) && row) {
        if (!priced_by(s, m))
            continue;
        *last = stmt_int(s, 0);
        (*n)++;
        json_array_append_new(list, list_row(s));
    }
    stmt_done(s);
    return rc;
}

/* The page of invoices priced by tariff version f->tariff_version (none
 * when there is no such version). */
static enum err
list_by_version(struct store *st, const struct invoice_filter *f, json_t **out)
{
    struct version_match m = {0};
    int64_t last = 0, n = 0;
    json_t *list = json_array();
    enum err rc = tariff_version_dates(st, f->tariff_version, &m.tariff_id,
                                       m.dates, MATCH_DATES_MAX, &m.ndates);
    if (!rc)
        rc = scan_version(st, f, &m, list, &n, &last);
    else if (rc == ERR_NOT_FOUND)
        rc = ERR_OK;
    return list_page(rc, list, n, last, f->limit, out);
}

enum err
invoice_list(struct store *st, const struct invoice_filter *f, json_t **out)
{
    struct stmt *s;
    bool row;
    int64_t last = 0, n = 0;
    json_t *list;
    enum err rc;
    if (f->tariff_version)
        return list_by_version(st, f, out);
    list = json_array();
    /* one statement per filter, so each walks its own index; [1]: newest
     * first */
    static const char *const by_customer[2] = {
        LIST_SELECT " WHERE iv.customer_id = $2 AND iv.id > $1 AND ($3 = 0"
                    " OR iv.run_id = $3) ORDER BY iv.id LIMIT $4",
        LIST_SELECT " WHERE iv.customer_id = $2 AND iv.id < $1 AND ($3 = 0"
                    " OR iv.run_id = $3) ORDER BY iv.id DESC LIMIT $4",
    };
    static const char *const by_run[2] = {
        LIST_SELECT " WHERE iv.run_id = $2 AND iv.id > $1"
                    " ORDER BY iv.id LIMIT $3",
        LIST_SELECT " WHERE iv.run_id = $2 AND iv.id < $1"
                    " ORDER BY iv.id DESC LIMIT $3",
    };
    static const char *const all[2] = {
        LIST_SELECT " WHERE iv.id > $1 ORDER BY iv.id LIMIT $2",
        LIST_SELECT " WHERE iv.id < $1 ORDER BY iv.id DESC LIMIT $2",
    };
    int64_t bound = list_bound(f);
    if (f->customer_id)
        rc = store_query(st, &s, by_customer[f->desc], "iiii", bound,
                         f->customer_id, f->run_id, f->limit);
    else if (f->run_id)
        rc = store_query(st, &s, by_run[f->desc], "iii", bound, f->run_id,
                         f->limit);
    else
        rc = store_query(st, &s, all[f->desc], "ii", bound, f->limit);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        last = stmt_int(s, 0);
        n++;
        json_array_append_new(list, list_row(s));
    }
    stmt_done(s);
    return list_page(rc, list, n, last, f->limit, out);
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
