/*
 * run_store.c — the billing run's SQL: what to bill (run items), what
 * prices an item (equipment fees, the month's adjustment, open charges,
 * last year's usage), the run row and its progress, the invoice counter
 * and the invoice with its lines.
 *
 * Which contract a reading bills: the contracts of one supply point never
 * overlap (a move ends the old one the day before the new one starts), so
 * a regular or move_in reading bills the contract in force on its date,
 * and a move_out reading (taken on the move date) the latest contract that
 * started before that date — the leaving occupant's.
 */
#include "billing/run_int.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_COLS                                                              \
    RUN_ITEM_COLS                                                              \
    ","                                                                        \
    " EXISTS (SELECT 1 FROM invoices i WHERE i.contract_id = c.id"             \
    "  AND i.reading_id IN (r.id, r.corrects_id) AND i.corrects_id IS "        \
    "NULL)"

/* The contract a reading bills (see the top of this file). */
#define ITEM_JOINS                                                             \
    " JOIN supply_points sp ON sp.id = r.supply_point_id"                      \
    " JOIN contracts c ON c.id = " RUN_CONTRACT_OF_READING                     \
    " JOIN customers cu ON cu.id = c.customer_id"                              \
    " LEFT JOIN readings p ON p.id = r.previous_id"

void
run_copy(char *dst, size_t n, const char *src)
{
    size_t len = (size_t)snprintf(dst, n, "%s", src ? src : "");
    if (len < n)
        return;
    len = n - 1;
    while (len > 0 && ((unsigned char)dst[len] & 0xC0) == 0x80)
        len--;
    dst[len] = '\0';
}

void
run_item_from(struct stmt *s, struct run_item *it)
{
    memset(it, 0, sizeof(*it));
    it->contract_id = stmt_int(s, 0);
    it->customer_id = stmt_int(s, 1);
    it->point_id = stmt_int(s, 2);
    it->reading_id = stmt_int(s, 3);
    it->tariff_id = stmt_int(s, 4);
    it->usage_l = stmt_int(s, 5);
    it->has_prev = !stmt_is_null(s, 6);
    it->prev_index = it->has_prev ? stmt_int(s, 6) : -1;
    it->index = stmt_int(s, 7);
    run_copy(it->kind, sizeof(it->kind), stmt_text(s, 8));
    run_copy(it->read_on, sizeof(it->read_on), stmt_text(s, 9));
    run_copy(it->prev_on, sizeof(it->prev_on), stmt_text(s, 10));
    it->prev_move_in = stmt_text(s, 11) && !strcmp(stmt_text(s, 11), "move_in");
    run_copy(it->payment, sizeof(it->payment), stmt_text(s, 12));
    run_copy(it->start_date, sizeof(it->start_date), stmt_text(s, 13));
    run_copy(it->cust_number, sizeof(it->cust_number), stmt_text(s, 14));
    run_copy(it->cust_name, sizeof(it->cust_name), stmt_text(s, 15));
    run_copy(it->address, sizeof(it->address), stmt_text(s, 16));
}

/*
 * Every (contract, reading) of group and month with a known usage,
 * invoiced or not, ordered by contract then reading: regular readings of
 * the month's closed periods, move_out readings dated in the month and
 * move_in readings with usage. Caller frees *items.
 */
enum err
run_items_load(struct store *st, int64_t group, const char *month,
               struct run_item **items, size_t *n)
{
    struct stmt *s;
    bool row;
    size_t cap = 0;
    char first[11], next[11];
    snprintf(first, sizeof(first), "%.7s-01", month);
    time_date_add(first, 31, next);
    snprintf(next + 8, 3, "01");
    *items = NULL;
    *n = 0;
    enum err rc = store_query(
        st, &s,
        "SELECT " ITEM_COLS " FROM ("
        " SELECT r.id AS rid FROM readings r WHERE r.kind = 'regular'"
        "  AND r.status != 'corrected' AND r.usage_l IS NOT NULL"
        "  AND r.period_id IN (SELECT id FROM reading_periods"
        "   WHERE month = $2 AND status = 'closed')"
        " UNION ALL"
        " SELECT r.id FROM readings r WHERE r.kind IN ('move_out', 'move_in')"
        "  AND r.read_on >= $3 AND r.read_on < $4"
        "  AND r.status != 'corrected' AND r.usage_l IS NOT NULL"
        "  AND (r.kind = 'move_out' OR r.usage_l > 0)) sel"
        " JOIN readings r ON r.id = sel.rid" ITEM_JOINS
        " WHERE sp.billing_group = $1 ORDER BY c.id, r.id",
        "ittt", group, month, first, next);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            *items = xrealloc(*items, cap * sizeof(**items));
        }
        run_item_from(s, &(*items)[*n]);
        (*items)[(*n)++].invoiced = stmt_int(s, 17) != 0;
    }
    stmt_done(s);
    return rc;
}

/* The item an invoice billed, as the ledger has it now (corrections). */
enum err
run_item_of_invoice(struct store *st, int64_t invoice_id, struct run_item *it,
                    int64_t *run_id, char status[8])
{
    struct stmt *s;
    bool row;
    enum err rc =
        store_query(st, &s,
                    "SELECT " ITEM_COLS ", COALESCE(iv.run_id, 0), iv.status"
                    " FROM invoices iv"
                    " JOIN readings r ON r.id = iv.reading_id" ITEM_JOINS
                    " WHERE iv.id = $1 AND c.id = iv.contract_id",
                    "i", invoice_id);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = ERR_INVOICE_NOT_FOUND;
    if (!rc) {
        run_item_from(s, it);
        it->invoiced = stmt_int(s, 17) != 0;
        *run_id = stmt_int(s, 18);
        run_copy(status, 8, stmt_text(s, 19));
    }
    stmt_done(s);
    return rc;
}

/* The live reading after metering corrections of reading id (訂正: a
 * corrected reading points to the one it replaced): its index and usage
 * into it. */
enum err
run_item_follow(struct store *st, struct run_item *it)
{
    int64_t id = it->reading_id;
    enum err rc = ERR_OK;
    for (int hop = 0; !rc && hop < 16; hop++) {
        struct stmt *s;
        bool row = false;
        rc = store_query(st, &s,
                         "SELECT id, index_tenths, usage_l FROM readings"
                         " WHERE corrects_id = $1 ORDER BY id DESC LIMIT 1",
                         "i", id);
        if (!rc && !(rc = stmt_step(s, &row)) && row) {
            id = stmt_int(s, 0);
            it->index = stmt_int(s, 1);
            it->usage_l = stmt_is_null(s, 2) ? 0 : stmt_int(s, 2);
        }
        stmt_done(s);
        if (!row)
            break;
    }
    return rc;
}

/* Σ 設備料金 of the contract in force on date. */
enum err
run_equipment_cyen(struct store *st, int64_t contract_id, const char *date,
                   int64_t *cyen)
{
    struct stmt *s;
    bool row;
    enum err rc =
        store_query(st, &s,
                    "SELECT COALESCE(SUM(fee_cyen), 0) FROM equipment_fees"
                    " WHERE contract_id = $1 AND starts_on <= $2"
                    " AND (ends_on IS NULL OR ends_on >= $2)",
                    "it", contract_id, date);
    *cyen = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *cyen = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

/* 原料費調整 of month ("YYYY-MM"); 0 when none was entered. */
enum err
run_adjustment(struct store *st, const char *month, int64_t *cyen,
               bool *tax_included)
{
    struct stmt *s;
    bool row;
    enum err rc =
        store_query(st, &s,
                    "SELECT cyen_per_m3, tax_included FROM cost_adjustments"
                    " WHERE month = $1",
                    "t", month);
    *cyen = 0;
    *tax_included = true;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *cyen = stmt_int(s, 0);
        *tax_included = stmt_int(s, 1) != 0;
    }
    stmt_done(s);
    return rc;
}

/* The point's regular usage a year before read_on's month (-1: none). */
enum err
run_last_year_l(struct store *st, int64_t point_id, const char *read_on,
                int64_t *usage_l)
{
    struct stmt *s;
    bool row;
    char from[11], to[11];
    int y = (read_on[0] - '0') * 1000 + (read_on[1] - '0') * 100 +
            (read_on[2] - '0') * 10 + (read_on[3] - '0');
    snprintf(from, sizeof(from), "%04d%.3s-01", (y - 1) % 10000, read_on + 4);
    time_date_add(from, 31, to);
    snprintf(to + 8, 3, "01");
    enum err rc = store_query(
        st, &s,
        "SELECT SUM(usage_l) FROM readings WHERE supply_point_id = $1"
        " AND read_on >= $2 AND read_on < $3 AND kind = 'regular'"
        " AND status != 'corrected' AND usage_l IS NOT NULL",
        "itt", point_id, from, to);
    *usage_l = -1;
    if (!rc && !(rc = stmt_step(s, &row)) && row && !stmt_is_null(s, 0))
        *usage_l = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

/* Add the customer's open charges dated until `until` (as many as fit on
 * the invoice; the rest wait for the next) as "charge" lines. */
enum err
run_charges_add(struct store *st, int64_t customer_id, const char *until,
                enum rounding r, struct priced *p)
{
    struct stmt *s;
    bool row;
    int64_t room = (int64_t)(32 - p->bill.nlines);
    enum err rc = store_query(
        st, &s,
        "SELECT id, description, amount_yen, tax_rate, tax_included"
        " FROM charges WHERE customer_id = $1 AND invoice_id IS NULL"
        " AND charge_date <= $2 ORDER BY id LIMIT $3",
        "iti", customer_id, until, room);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        struct charge_line l = {.kind = "charge"};
        run_copy(l.description, sizeof(l.description), stmt_text(s, 1));
        l.amount_yen = stmt_int(s, 2);
        l.tax_rate = (int)stmt_int(s, 3);
        rc = bill_add_line(&p->bill, &l, stmt_int(s, 4) != 0, r);
        if (!rc)
            p->charge_id[p->ncharges++] = stmt_int(s, 0);
    }
    stmt_done(s);
    return rc;
}

/* The run of group and month (created when absent), set running, in its
 * own transaction. */
enum err
run_begin(struct store *st, int64_t group, const char *month, const char *actor,
          int64_t *run_id)
{
    struct stmt *s;
    bool row;
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(
        st,
        "INSERT INTO billing_runs (billing_group, month, status, started_at,"
        " started_by) VALUES ($1, $2, 'running', $3, $4)"
        " ON CONFLICT (billing_group, month) DO UPDATE SET status = 'running',"
        " started_at = $3, started_by = $4, finished_at = NULL",
        "ittt", group, month, now, actor);
    if (rc || (rc = store_query(st, &s,
                                "SELECT id FROM billing_runs"
                                " WHERE billing_group = $1 AND month = $2",
                                "it", group, month)))
        return rc;
    if (!(rc = stmt_step(s, &row)) && row)
        *run_id = stmt_int(s, 0);
    stmt_done(s);
    return rc ? rc : row ? ERR_OK : ERR_INTERNAL;
}

/* Progress (contracts_total, contracts_done), and the end of a pass. */
enum err
run_progress(struct store *st, int64_t run_id, int64_t total, int64_t done,
             bool finished)
{
    char now[32];
    time_now_iso(now);
    return store_run(st,
                     "UPDATE billing_runs SET contracts_total = $2,"
                     " contracts_done = $3,"
                     " status = CASE WHEN $4 = 1 THEN 'committed'"
                     "  ELSE status END,"
                     " finished_at = CASE WHEN $4 = 1 THEN $5"
                     "  ELSE finished_at END WHERE id = $1",
                     "iiiit", run_id, total, done, (int64_t)finished, now);
}

/* The next invoice number (番号), inside the open transaction. */
enum err
invoice_counter_take(struct store *st, int64_t *next)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s, "SELECT next_number FROM invoice_counter WHERE id = 1", "");
    if (!rc && !(rc = stmt_step(s, &row)))
        rc = row ? ERR_OK : ERR_INTERNAL;
    if (!rc)
        *next = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

enum err
invoice_counter_put(struct store *st, int64_t next)
{
    return store_run(st,
                     "UPDATE invoice_counter SET next_number = $1 WHERE id = 1",
                     "i", next);
}

/* The invoice's lines as its row keeps them: one flat JSON array of
 * [kind, description, quantity_tenths, unit_price_cyen, amount_yen,
 * tax_rate] repeated per line (LINE_FIELDS values each), quantity and unit
 * price 0 where they mean nothing (as invoice_lines held NULL). Flat, not
 * an array per line: jansson's dump costs a loop check per container, and
 * one array instead of ~9 halves the cost of a line list (the billing run's
 * biggest single cost after SQLite). Rows of billing v4 hold one array per
 * line; invoice_store.c reads both. Caller frees. */
static char *
lines_text(const struct bill_out *b)
{
    json_t *a = json_array();
    for (size_t i = 0; i < b->nlines; i++) {
        const struct charge_line *l = &b->line[i];
        bool q = l->quantity_tenths || l->unit_price_cyen;
        json_array_append_new(a, json_string(l->kind));
        json_array_append_new(a, json_string(l->description));
        json_array_append_new(a, json_integer(q ? l->quantity_tenths : 0));
        json_array_append_new(a, json_integer(q ? l->unit_price_cyen : 0));
        json_array_append_new(a, json_integer(l->amount_yen));
        json_array_append_new(a, json_integer(l->tax_rate));
    }
    char *t = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return t;
}

/* The invoice_bases row holding body (the shared part of snapshots),
 * written when no invoice had it yet. */
static enum err
basis_of(struct store *st, const char *body, int64_t *id)
{
    unsigned char h[32];
    char hex[65], now[32];
    struct stmt *s;
    bool row = false;
    crypto_generichash(h, sizeof(h), (const unsigned char *)body, strlen(body),
                       NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    enum err rc = store_query(
        st, &s, "SELECT id FROM invoice_bases WHERE digest = $1", "t", hex);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *id = stmt_int(s, 0);
    stmt_done(s);
    if (rc || row)
        return rc;
    time_now_iso(now);
    rc = store_run(st,
                   "INSERT INTO invoice_bases (digest, body, created_at)"
                   " VALUES ($1, $2, $3)",
                   "ttt", hex, body, now);
    if (!rc)
        *id = store_last_id(st);
    return rc;
}

enum err
invoice_write(struct store *st, int64_t run_id, int64_t number,
              int64_t corrects_id, const struct run_item *it,
              const struct priced *p, int64_t *id)
{
    char now[32];
    int64_t tax = p->bill.total_yen - p->bill.subtotal_yen;
    enum err rc = ERR_OK;
    *id = 0;
    if (!*p->basis_id)
        rc = basis_of(st, p->head, p->basis_id);
    char *snap = rc ? NULL : json_dumps(p->snapshot, JSON_COMPACT);
    char *lines = rc ? NULL : lines_text(&p->bill);
    if (!rc && (!snap || !lines)) {
        free(snap);
        free(lines);
        return err_fail(ERR_INTERNAL, "invoice snapshot");
    }
    time_now_iso(now);
    if (!rc)
        rc = store_run(
            st,
            "INSERT INTO invoices (number, run_id, customer_id, contract_id,"
            " supply_point_id, reading_id, issued_on, period_from, period_to,"
            " usage_tenths, subtotal_yen, tax_yen, total_yen,"
            " previous_balance_yen, amount_due_yen, due_on, payment_method,"
            " corrects_id, basis_id, snapshot, created_at, lines) VALUES"
            " ($1, NULLIF($2, 0), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
            " $13, $20, $13 + $20, $14, $15, NULLIF($16, 0), $17, $18, $19,"
            " $21)"
            " ON CONFLICT (contract_id, reading_id) WHERE corrects_id IS NULL"
            " AND reading_id IS NOT NULL DO NOTHING",
            "iiiiiitttiiiittiittit", number, run_id, it->customer_id,
            it->contract_id, it->point_id, it->reading_id, p->issued_on,
            p->period_from, it->read_on, p->usage_tenths, p->bill.subtotal_yen,
            tax, p->bill.total_yen, p->due_on, it->payment, corrects_id,
            *p->basis_id, snap, now, p->previous_yen, lines);
    free(snap);
    free(lines);
    if (rc || store_changes(st) == 0) /* billed by another run meanwhile */
        return rc;
    *id = store_last_id(st);
    for (size_t i = 0; !rc && i < p->ncharges; i++)
        rc = store_run(st, "UPDATE charges SET invoice_id = $1 WHERE id = $2",
                       "ii", *id, p->charge_id[i]);
    return rc;
}
