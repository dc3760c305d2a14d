/*
 * test_run.c — the billing run in a real tenant store (src/billing/run*.c,
 * correction.c), with every amount worked out by hand below.
 *
 * Ledger (billing group 20, route R1, periods September and October both
 * closed; one point of group 10 that must not be billed):
 *   point 1, customer 1, contract 1 (tariff 1): 2026-09-20 50.0 m³,
 *     2026-10-20 62.3 m³ → 12.3 m³; an open charge of ¥1,109 (10 %, tax
 *     included) dated 2026-10-05;
 *   point 2, customer 2, contract 2 without a tariff: a problem;
 *   point 3: customer 3's contract 3 ends 2026-10-09, customer 4's
 *     contract 4 starts 2026-10-10 (転居): move_out and move_in readings on
 *     10-10 at 105.0 (5.0 m³ since 09-20), regular 10-20 at 108.0 (3.0 m³).
 * Tariff 1: two-part, block slide, tax included, base ¥1,800, 0.1–5.0 m³
 * at ¥600, above at ¥500. Settings: defaults (切り捨て, tax 切り捨て).
 *
 *   contract 1: 1,800 + 5.0×600 + 7.3×500 = 8,450; + charge 1,109 = 9,559;
 *     tax once: 9,559 × 10/110 = 869.0 → 869 (per line it would be
 *     768 + 100 = 868), subtotal 8,690
 *   contract 3 (move-out): 1,800 + 5.0×600 = 4,800; tax 436
 *   contract 4 (after the move-in): 1,800 + 3.0×600 = 3,600; tax 327
 *   total 9,559 + 4,800 + 3,600 = 17,959
 */
#include "billing/run.h"
#include "core/err.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct fixture {
    char dir[64];
    struct store *st;
    int audits;
};

#define NOW "2026-01-01T00:00:00.000Z"

static void
run_sql(struct store *st, const char *sql)
{
    if (store_exec(st, sql))
        fail_msg("%s: %s", sql, err_detail());
}

static const char ledger[] =
    "INSERT INTO customers (id, number, name, kana, kind, created_at,"
    " updated_at) VALUES"
    " (1, '101', '別府一郎', 'ベップイチロウ', 'household', '" NOW "', '" NOW
    "'),"
    " (2, '102', '別府二郎', 'ベップジロウ', 'household', '" NOW "', '" NOW
    "'),"
    " (3, '103', '別府三郎', 'ベップサブロウ', 'household', '" NOW "', '" NOW
    "'),"
    " (4, '104', '別府四郎', 'ベップシロウ', 'household', '" NOW "', '" NOW
    "'),"
    " (5, '105', '別府五郎', 'ベップゴロウ', 'household', '" NOW "', '" NOW
    "');"
    "INSERT INTO supply_points (id, prefecture, city, street, supply_kind,"
    " route, route_order, billing_group, created_at, updated_at) VALUES"
    " (1, '大分県', '別府市', '鉄輪1-1', 'individual', 'R1', 1, 20, '" NOW
    "', '" NOW "'),"
    " (2, '大分県', '別府市', '鉄輪1-2', 'individual', 'R1', 2, 20, '" NOW
    "', '" NOW "'),"
    " (3, '大分県', '別府市', '鉄輪1-3', 'individual', 'R1', 3, 20, '" NOW
    "', '" NOW "'),"
    " (4, '大分県', '別府市', '鉄輪1-4', 'individual', 'R1', 4, 10, '" NOW
    "', '" NOW "');"
    "INSERT INTO tariffs (id, code, name, kind, created_at, updated_at)"
    " VALUES (1, 'H1', '家庭用', 'two_part', '" NOW "', '" NOW "');"
    "INSERT INTO tariff_versions (id, tariff_id, effective_from, tax_included,"
    " slide, base_fee_cyen, equipment_fee_cyen, created_at, created_by)"
    " VALUES (1, 1, '2025-01-01', 1, 'block', 180000, 0, '" NOW "', 't');"
    "INSERT INTO tariff_bands (version_id, position, upper_tenths,"
    " unit_price_cyen) VALUES (1, 0, 50, 60000), (1, 1, NULL, 50000);"
    "INSERT INTO contracts (id, supply_point_id, customer_id, tariff_id,"
    " start_date, end_date, payment_method, created_at, updated_at) VALUES"
    " (1, 1, 1, 1, '2025-01-01', NULL, 'debit', '" NOW "', '" NOW "'),"
    " (2, 2, 2, NULL, '2025-01-01', NULL, 'transfer', '" NOW "', '" NOW "'),"
    " (3, 3, 3, 1, '2025-01-01', '2026-10-09', 'collection', '" NOW "', '" NOW
    "'),"
    " (4, 3, 4, 1, '2026-10-10', NULL, 'debit', '" NOW "', '" NOW "'),"
    " (5, 4, 5, 1, '2025-01-01', NULL, 'debit', '" NOW "', '" NOW "');"
    "INSERT INTO meters (id, supply_point_id, serial, kind, digits,"
    " install_date, created_at, updated_at) VALUES"
    " (1, 1, 'A-1', 'E', 4, '2020-01-01', '" NOW "', '" NOW "'),"
    " (2, 2, 'A-2', 'E', 4, '2020-01-01', '" NOW "', '" NOW "'),"
    " (3, 3, 'A-3', 'E', 4, '2020-01-01', '" NOW "', '" NOW "'),"
    " (4, 4, 'A-4', 'E', 4, '2020-01-01', '" NOW "', '" NOW "');"
    "INSERT INTO reading_periods (id, route, month, starts_on, ends_on, status,"
    " opened_at, opened_by) VALUES"
    " (1, 'R1', '2026-09', '2026-09-15', '2026-09-25', 'closed', '" NOW
    "', 't'),"
    " (2, 'R1', '2026-10', '2026-10-15', '2026-10-25', 'closed', '" NOW
    "', 't');"
    "INSERT INTO readings (id, supply_point_id, meter_id, period_id, kind,"
    " read_on, index_tenths, usage_l, previous_id, source, entered_by,"
    " created_at, updated_at) VALUES"
    " (1, 1, 1, 1, 'regular', '2026-09-20', 500, 9000, NULL, 'field', 't', "
    "'" NOW "', '" NOW "'),"
    " (2, 1, 1, 2, 'regular', '2026-10-20', 623, 12300, 1, 'field', 't', '" NOW
    "', '" NOW "'),"
    " (3, 2, 2, 1, 'regular', '2026-09-20', 100, 8000, NULL, 'field', 't', "
    "'" NOW "', '" NOW "'),"
    " (4, 2, 2, 2, 'regular', '2026-10-20', 200, 10000, 3, 'field', 't', '" NOW
    "', '" NOW "'),"
    " (5, 3, 3, 1, 'regular', '2026-09-20', 1000, 7000, NULL, 'field', 't', "
    "'" NOW "', '" NOW "'),"
    " (6, 3, 3, NULL, 'move_out', '2026-10-10', 1050, 5000, 5, 'office', 't', "
    "'" NOW "', '" NOW "'),"
    " (7, 3, 3, NULL, 'move_in', '2026-10-10', 1050, 0, 6, 'office', 't', '" NOW
    "', '" NOW "'),"
    " (8, 3, 3, 2, 'regular', '2026-10-20', 1080, 3000, 7, 'field', 't', '" NOW
    "', '" NOW "'),"
    " (9, 4, 4, 2, 'regular', '2026-10-20', 300, 9900, NULL, 'field', 't', "
    "'" NOW "', '" NOW "');"
    "INSERT INTO charges (id, customer_id, contract_id, description,"
    " amount_yen, tax_rate, tax_included, charge_date, created_at,"
    " created_by) VALUES (1, 1, 1, 'ガス警報器交換', 1109, 10, 1,"
    " '2026-10-05', '" NOW "', 't');";

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char path[128];
    snprintf(f->dir, sizeof(f->dir), "/tmp/pl-test-run-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(path, sizeof(path), "%s/t.db", f->dir);
    if (store_open(path, STORE_TENANT, &f->st))
        return -1;
    run_sql(f->st, ledger);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[160];
    store_close(f->st);
    const char *const files[] = {"t.db", "t.db-wal", "t.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static enum err
count_audit(void *arg, struct store *st, const char *action, const char *target,
            json_t *detail)
{
    (void)st;
    (void)action;
    (void)target;
    json_decref(detail);
    ((struct fixture *)arg)->audits++;
    return ERR_OK;
}

static json_t *
bill(struct fixture *f, bool preview, int64_t group)
{
    struct run_opts o = {group,        "2026-10",   preview, 2,    "test",
                         "2026-11-01", count_audit, f,       NULL, NULL};
    json_t *out = NULL;
    enum err rc = billing_run(f->st, &o, &out);
    if (rc)
        fail_msg("billing_run: %d %s", (int)rc, err_detail());
    return out;
}

static int64_t
num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static int64_t
scalar(struct fixture *f, const char *sql)
{
    struct stmt *s;
    bool row;
    int64_t v = -1;
    assert_int_equal(store_query(f->st, &s, sql, ""), ERR_OK);
    if (!stmt_step(s, &row) && row)
        v = stmt_int(s, 0);
    stmt_done(s);
    return v;
}

static json_t *
invoice_of_number(struct fixture *f, int64_t number)
{
    json_t *iv = NULL;
    for (int64_t id = 1; id < 20 && !iv; id++) {
        json_t *j;
        if (!invoice_json(f->st, id, &j)) {
            if (num(j, "number") == number)
                iv = j;
            else
                json_decref(j);
        }
    }
    assert_non_null(iv);
    return iv;
}

static void
test_month_valid(void **state)
{
    (void)state;
    assert_true(run_month_valid("2026-11"));
    assert_true(run_month_valid("2026-01"));
    assert_false(run_month_valid("2026-13"));
    assert_false(run_month_valid("2026-00"));
    assert_false(run_month_valid("2026-1"));
    assert_false(run_month_valid("20261-1"));
    assert_false(run_month_valid(NULL));
}

static void
test_preview_prices_by_hand_and_writes_nothing(void **state)
{
    struct fixture *f = *state;
    json_t *p = bill(f, true, 20), *t = json_object_get(p, "totals");
    assert_int_equal(num(p, "contracts_total"), 4); /* 1, 2, 3, 4 */
    assert_int_equal(num(p, "problems_count"), 1);
    assert_int_equal(
        num(json_array_get(json_object_get(p, "problems"), 0), "contract_id"),
        2);
    assert_int_equal(num(t, "invoices"), 3);
    assert_int_equal(num(t, "total_yen"), 17959);
    assert_int_equal(num(t, "tax_yen"), 869 + 436 + 327);
    json_t *first = json_array_get(json_object_get(p, "sample"), 0);
    assert_int_equal(num(first, "total_yen"), 9559);
    assert_int_equal(num(first, "subtotal_yen"), 8690);
    assert_int_equal(json_array_size(json_object_get(first, "lines")), 5);
    json_decref(p);
    assert_int_equal(scalar(f, "SELECT COUNT(*) FROM invoices"), 0);
    assert_int_equal(scalar(f, "SELECT next_number FROM invoice_counter"), 1);
    assert_int_equal(f->audits, 0);
}

static void
test_commit_equals_preview_and_splits_the_move(void **state)
{
    struct fixture *f = *state;
    json_t *c = bill(f, false, 20);
    assert_int_equal(num(c, "invoices_created"), 3);
    assert_int_equal(num(c, "contracts_done"), 3);
    assert_int_equal(num(json_object_get(c, "totals"), "total_yen"), 17959);
    json_decref(c);
    assert_int_equal(scalar(f, "SELECT next_number FROM invoice_counter"), 4);
    assert_int_equal(scalar(f, "SELECT SUM(number) FROM invoices"), 1 + 2 + 3);
    json_t *a = invoice_of_number(f, 1), *b = invoice_of_number(f, 2),
           *d = invoice_of_number(f, 3);
    assert_int_equal(num(a, "contract_id"), 1);
    assert_int_equal(num(a, "total_yen"), 9559);
    assert_int_equal(num(a, "tax_yen"), 869);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(a, "reading"), "usage_m3")),
                        "12.3");
    /* 転居: the leaving customer to the move-out, the newcomer after it */
    assert_int_equal(num(b, "contract_id"), 3);
    assert_int_equal(num(b, "total_yen"), 4800);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(b, "period"), "to")),
        "2026-10-10");
    assert_int_equal(num(d, "contract_id"), 4);
    assert_int_equal(num(d, "total_yen"), 3600);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(d, "period"), "from")),
                        "2026-10-11");
    /* the charge was taken once and marked billed */
    assert_int_equal(scalar(f, "SELECT invoice_id FROM charges WHERE id = 1"),
                     num(a, "id"));
    json_decref(a);
    json_decref(b);
    json_decref(d);
    assert_true(f->audits >= 3); /* batches of 2 and the end of the pass */
}

/* Invoices priced by one tariff version share one stored basis (tariff,
 * settings, issuer) and keep their lines in their row; an invoice from
 * before (its snapshot whole, no basis, its lines in invoice_lines) reads
 * exactly the same. */
static void
test_invoices_share_a_basis_and_old_ones_read_the_same(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(scalar(f, "SELECT COUNT(*) FROM invoice_bases"), 1);
    assert_int_equal(
        scalar(f, "SELECT COUNT(*) FROM invoices WHERE basis_id IS NULL"), 0);
    json_t *before = invoice_of_number(f, 2);
    assert_non_null(json_object_get(json_object_get(before, "issuer"), "name"));
    /* the old layout: the shared part and the own part in one object */
    run_sql(f->st, "UPDATE invoices SET snapshot = (SELECT substr(b.body, 1,"
                   " length(b.body) - 1) FROM invoice_bases b"
                   " WHERE b.id = basis_id) || ',' || substr(snapshot, 2),"
                   " basis_id = NULL WHERE number = 2");
    /* and its lines a row each in invoice_lines (before billing v4); the
     * row keeps them as one flat array, six values a line */
    run_sql(f->st,
            "INSERT INTO invoice_lines (invoice_id, position, kind,"
            " description, quantity_tenths, unit_price_cyen, amount_yen,"
            " tax_rate) SELECT iv.id, j.key / 6 + 1,"
            " json_extract(iv.lines, '$[' || j.key || ']'),"
            " json_extract(iv.lines, '$[' || (j.key + 1) || ']'),"
            " NULLIF(json_extract(iv.lines, '$[' || (j.key + 2) || ']'), 0),"
            " NULLIF(json_extract(iv.lines, '$[' || (j.key + 3) || ']'), 0),"
            " json_extract(iv.lines, '$[' || (j.key + 4) || ']'),"
            " json_extract(iv.lines, '$[' || (j.key + 5) || ']')"
            " FROM invoices iv, json_each(iv.lines) j"
            " WHERE iv.number = 2 AND j.key % 6 = 0;"
            "UPDATE invoices SET lines = NULL WHERE number = 2");
    /* base, usage (one band), equipment */
    assert_int_equal(scalar(f, "SELECT COUNT(*) FROM invoice_lines"), 3);
    json_t *after = invoice_of_number(f, 2);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    /* billing v4 kept one array per line in the row: read the same too */
    before = invoice_of_number(f, 1);
    assert_int_equal(scalar(f, "SELECT json_array_length(lines) % 6 FROM"
                               " invoices WHERE number = 1"),
                     0);
    run_sql(f->st,
            "UPDATE invoices SET lines = (SELECT json_group_array(json_array("
            " json_extract(iv.lines, '$[' || j.key || ']'),"
            " json_extract(iv.lines, '$[' || (j.key + 1) || ']'),"
            " json_extract(iv.lines, '$[' || (j.key + 2) || ']'),"
            " json_extract(iv.lines, '$[' || (j.key + 3) || ']'),"
            " json_extract(iv.lines, '$[' || (j.key + 4) || ']'),"
            " json_extract(iv.lines, '$[' || (j.key + 5) || ']')))"
            " FROM invoices iv, json_each(iv.lines) j"
            " WHERE iv.number = 1 AND j.key % 6 = 0) WHERE number = 1");
    assert_int_equal(scalar(f, "SELECT json_type(lines, '$[0]') = 'array'"
                               " FROM invoices WHERE number = 1"),
                     1);
    after = invoice_of_number(f, 1);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
}

static void
test_rerun_creates_nothing(void **state)
{
    struct fixture *f = *state;
    int audits = f->audits;
    json_t *c = bill(f, false, 20);
    assert_int_equal(num(c, "invoices_created"), 0);
    assert_int_equal(num(c, "contracts_done"), 3);
    json_decref(c);
    assert_int_equal(scalar(f, "SELECT COUNT(*) FROM invoices"), 3);
    assert_int_equal(scalar(f, "SELECT next_number FROM invoice_counter"), 4);
    assert_int_equal(f->audits, audits + 1); /* the pass, no batch */
}

static void
test_correction_voids_and_reissues(void **state)
{
    struct fixture *f = *state;
    int64_t id = scalar(f, "SELECT id FROM invoices WHERE number = 1"), nid;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(invoice_correct(f->st, id, 100, "検針値の誤り", &nid),
                     ERR_OK);
    assert_int_equal(store_tx_commit(f->st), ERR_OK);
    json_t *n = invoice_of_number(f, 4), *o = invoice_of_number(f, 1);
    assert_int_equal(num(n, "id"), nid);
    assert_int_equal(num(n, "corrects_id"), id);
    /* 1,800 + 5.0×600 + 5.0×500 = 7,300; + the charge 1,109 = 8,409 */
    assert_int_equal(num(n, "total_yen"), 8409);
    assert_int_equal(num(n, "tax_yen"), 764);
    assert_string_equal(json_string_value(json_object_get(o, "status")),
                        "void");
    assert_int_equal(num(o, "total_yen"), 9559);
    assert_int_equal(scalar(f, "SELECT invoice_id FROM charges WHERE id = 1"),
                     nid);
    json_decref(n);
    json_decref(o);
    /* a void invoice is corrected once only */
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(invoice_correct(f->st, id, -1, "again", &nid),
                     ERR_INVOICE_VOID);
    store_tx_rollback(f->st);
    /* and the run still bills nothing new for that reading */
    json_t *c = bill(f, false, 20);
    assert_int_equal(num(c, "invoices_created"), 0);
    json_decref(c);
}

static void
test_adjust_is_an_open_charge(void **state)
{
    struct fixture *f = *state;
    int64_t id = scalar(f, "SELECT id FROM invoices WHERE number = 4"), ch;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(invoice_adjust(f->st, id, -500, 10, "返金", "t", &ch),
                     ERR_OK);
    assert_int_equal(store_tx_commit(f->st), ERR_OK);
    assert_int_equal(scalar(f, "SELECT COUNT(*) FROM charges WHERE"
                               " invoice_id IS NULL AND customer_id = 1"
                               " AND amount_yen = -500"),
                     1);
}

static void
test_other_group_and_empty_month(void **state)
{
    struct fixture *f = *state;
    json_t *c = bill(f, true, 10);
    assert_int_equal(num(json_object_get(c, "totals"), "invoices"), 1);
    json_decref(c);
    struct run_opts o = {5,      "2026-10",    true,        0,
                         "test", "2026-11-01", count_audit, f,
                         NULL,   NULL};
    json_t *out = NULL;
    assert_int_equal(billing_run(f->st, &o, &out), ERR_BILLING_NOTHING);
    assert_null(out);
}

/* 日割り in a real store: tariff 1 gets a version from 2026-10-06 (base
 * ¥2,100, ≤5.0 ¥700, above ¥600), September's 原料費調整 is +¥2.00 and
 * October's −¥1.00, and the tenant switches to the day-split rule. A
 * correction of contract 1's invoice (2026-09-21..10-20, 30 days, 12.3
 * m³) re-prices it in three stretches: 9/21–9/30 (old, September),
 * 10/1–10/5 (old, October), 10/6–10/20 (new, October).
 *   old version, 15 days: 6.1 m³ (12.3 × 15/30), edge 2.5:
 *     900 + 2.5×600 = 1,500 + 3.6×500 = 1,800            4,200
 *   new version, 15 days: 6.2 m³: 1,050 + 2.5×700 = 1,750 + 3.7×600 = 2,220
 *                                                         5,020
 *   September 4.1 m³ (10 days) × 2.00 = 8; October 8.2 m³ × −1.00 = −8 */
static void
test_day_split_by_version_and_month(void **state)
{
    struct fixture *f = *state;
    run_sql(f->st,
            "INSERT INTO settings (key, value) VALUES"
            " ('billing.price_change', 'day_split');"
            "INSERT INTO tariff_versions (id, tariff_id, effective_from,"
            " tax_included, slide, base_fee_cyen, equipment_fee_cyen,"
            " created_at, created_by) VALUES (2, 1, '2026-10-06', 1, 'block',"
            " 210000, 0, '" NOW "', 't');"
            "INSERT INTO tariff_bands (version_id, position, upper_tenths,"
            " unit_price_cyen) VALUES (2, 0, 50, 70000), (2, 1, NULL, 60000);"
            "INSERT INTO cost_adjustments (month, cyen_per_m3, tax_included,"
            " source, created_at, created_by) VALUES"
            " ('2026-09', 200, 1, 'entered', '" NOW "', 't'),"
            " ('2026-10', -100, 1, 'entered', '" NOW "', 't');");
    int64_t id = scalar(f, "SELECT id FROM invoices WHERE contract_id = 1"
                           " AND status = 'issued'"),
            nid;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(invoice_correct(f->st, id, -1, "料金改定の日割り", &nid),
                     ERR_OK);
    assert_int_equal(store_tx_commit(f->st), ERR_OK);
    json_t *iv, *lines;
    assert_int_equal(invoice_json(f->st, nid, &iv), ERR_OK);
    lines = json_object_get(iv, "lines");
    int64_t gas = 0, adj[2] = {0, 0};
    size_t nadj = 0;
    bool before = false, after = false;
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *l = json_array_get(lines, i);
        const char *kind = json_string_value(json_object_get(l, "kind")),
                   *d = json_string_value(json_object_get(l, "description"));
        if (!strcmp(kind, "base") || !strcmp(kind, "usage"))
            gas += num(l, "amount_yen");
        before |= strstr(d, "改定前") != NULL;
        after |= strstr(d, "改定後") != NULL;
        if (!strcmp(kind, "adjustment") && nadj < 2) {
            assert_non_null(strstr(d, nadj ? "10月分" : "9月分"));
            adj[nadj++] = num(l, "amount_yen");
        }
    }
    assert_true(before && after);
    assert_int_equal(gas, 4200 + 5020);
    assert_int_equal(nadj, 2);
    assert_int_equal(adj[0], 8);
    assert_int_equal(adj[1], -8);
    json_decref(iv);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_valid),
        cmocka_unit_test(test_preview_prices_by_hand_and_writes_nothing),
        cmocka_unit_test(test_commit_equals_preview_and_splits_the_move),
        cmocka_unit_test(
            test_invoices_share_a_basis_and_old_ones_read_the_same),
        cmocka_unit_test(test_rerun_creates_nothing),
        cmocka_unit_test(test_correction_voids_and_reissues),
        cmocka_unit_test(test_adjust_is_an_open_charge),
        cmocka_unit_test(test_other_group_and_empty_month),
        cmocka_unit_test(test_day_split_by_version_and_month),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
