/*
 * test_ledger_store.c — the receivables ledger in a real tenant store
 * (src/payments/ledger_store.c, ageing_store.c): posting and its checks,
 * receipt numbers, direct-debit results (the interface of the Zengin
 * result import), and the balance carried into new invoices.
 *
 * Ledger (invoices written directly; amounts by hand):
 *   customer 1, contract 1 (group 20) and contract 2 (group 10):
 *     X  no. 101, contract 1, issued 09-05, due 09-25, total 6,000
 *     Y  no. 102, contract 2, issued 10-03, due 10-23, total 4,000,
 *        carrying X's 6,000 (previous_balance 6,000, amount due 10,000)
 *   customer 2, contract 3:
 *     Z  no. 103, issued 09-05, due 09-25, total 2,000, VOID
 *     Z' no. 104, issued 10-01, due 10-21, total 1,500, corrects Z
 *
 * The carry of a run issued on 10-05 (ledger.h):
 *   customer 1: X is due (6,000) and Y, still being collected, carries it
 *     already (− 6,000): 0 — not asked twice;
 *   customer 2: Z is void, Z' not yet due: 0.
 * Issued on 10-24 (everything due): customer 1 owes 6,000 + 4,000 =
 * 10,000; customer 2 owes 1,500.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/err.h"
#include "payments/ledger.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW "2026-01-01T00:00:00.000Z"

struct fixture {
    char dir[64];
    struct store *st;
};

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
    "');"
    "INSERT INTO supply_points (id, prefecture, city, street, supply_kind,"
    " billing_group, created_at, updated_at) VALUES"
    " (1, '大分県', '別府市', '鉄輪1-1', 'individual', 20, '" NOW "', '" NOW
    "'),"
    " (2, '大分県', '別府市', '鉄輪1-2', 'individual', 10, '" NOW "', '" NOW
    "'),"
    " (3, '大分県', '別府市', '鉄輪1-3', 'individual', 20, '" NOW "', '" NOW
    "');"
    "INSERT INTO contracts (id, supply_point_id, customer_id, start_date,"
    " payment_method, created_at, updated_at) VALUES"
    " (1, 1, 1, '2025-01-01', 'debit', '" NOW "', '" NOW "'),"
    " (2, 2, 1, '2025-01-01', 'debit', '" NOW "', '" NOW "'),"
    " (3, 3, 2, '2025-01-01', 'transfer', '" NOW "', '" NOW "');"
    "INSERT INTO invoices (id, number, customer_id, contract_id,"
    " supply_point_id, issued_on, subtotal_yen, tax_yen, total_yen,"
    " previous_balance_yen, amount_due_yen, due_on, payment_method, status,"
    " corrects_id, snapshot, created_at) VALUES"
    " (1, 101, 1, 1, 1, '2026-09-05', 5455, 545, 6000, 0, 6000,"
    "  '2026-09-25', 'debit', 'issued', NULL, '{}', '" NOW "'),"
    " (2, 102, 1, 2, 2, '2026-10-03', 3637, 363, 4000, 6000, 10000,"
    "  '2026-10-23', 'debit', 'issued', NULL, '{}', '" NOW "'),"
    " (3, 103, 2, 3, 3, '2026-09-05', 1819, 181, 2000, 0, 2000,"
    "  '2026-09-25', 'transfer', 'void', NULL, '{}', '" NOW "'),"
    " (4, 104, 2, 3, 3, '2026-10-01', 1364, 136, 1500, 0, 1500,"
    "  '2026-10-21', 'transfer', 'issued', 3, '{}', '" NOW "');";

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char path[128];
    snprintf(f->dir, sizeof(f->dir), "/tmp/pl-test-ledger-XXXXXX");
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

static int64_t
carry_of(struct store *st, const char *on, int64_t customer)
{
    struct ledger_carry *c = NULL;
    assert_int_equal(ledger_carry_load(st, on, &c), ERR_OK);
    int64_t yen = ledger_carry_take(c, customer), one = -1;
    assert_int_equal(ledger_carry_take(c, customer), 0); /* once */
    ledger_carry_free(c);
    /* one customer's query says the same as the run's map */
    assert_int_equal(ledger_carry_of(st, customer, on, &one), ERR_OK);
    assert_int_equal(one, yen);
    return yen;
}

static int64_t
count(struct store *st, const char *sql)
{
    struct stmt *s;
    bool row;
    int64_t n = -1;
    assert_int_equal(store_query(st, &s, sql, ""), ERR_OK);
    if (!stmt_step(s, &row) && row)
        n = stmt_int(s, 0);
    stmt_done(s);
    return n;
}

static void
test_a_customer_is_not_asked_twice(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(carry_of(f->st, "2026-10-05", 1), 0);
    assert_int_equal(carry_of(f->st, "2026-10-05", 2), 0);
    assert_int_equal(carry_of(f->st, "2026-10-24", 1), 10000);
    assert_int_equal(carry_of(f->st, "2026-10-24", 2), 1500);
    /* before Y was issued: X alone */
    assert_int_equal(carry_of(f->st, "2026-10-01", 1), 6000);
    int64_t bal;
    assert_int_equal(ledger_balance(f->st, 2, &bal), ERR_OK);
    assert_int_equal(bal, 1500); /* Z and its reversal net out */
}

static enum err
pay(struct store *st, enum ledger_kind kind, enum ledger_method m,
    int64_t customer, int64_t invoice, int64_t yen, const char *on,
    struct ledger_posted *out)
{
    struct ledger_post p = {.kind = kind,
                            .method = m,
                            .customer_id = customer,
                            .invoice_id = invoice,
                            .amount_yen = yen,
                            .on = on,
                            .receipt = m == LEDGER_CASH,
                            .actor = "test"};
    return ledger_post(st, &p, out);
}

/*
 * Paid ahead on Y (not yet due on 10-05): left out of the carry of 10-05
 * with Y; counted once Y is due: 6,000 + 4,000 − 4,000 = 6,000. A
 * payment naming no invoice counts at once: 0 − 1,000 = −1,000 (前受).
 */
static void
test_money_paid_ahead_waits_for_its_invoice(void **state)
{
    struct fixture *f = *state;
    struct ledger_posted out;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(pay(f->st, LEDGER_PAYMENT, LEDGER_TRANSFER, 0, 2, 4000,
                         "2026-10-04", &out),
                     ERR_OK);
    assert_int_equal(out.customer_id, 1);
    assert_int_equal(carry_of(f->st, "2026-10-05", 1), 0);
    assert_int_equal(carry_of(f->st, "2026-10-24", 1), 6000);
    assert_int_equal(pay(f->st, LEDGER_PAYMENT, LEDGER_OTHER, 1, 0, 1000,
                         "2026-10-04", &out),
                     ERR_OK);
    assert_int_equal(carry_of(f->st, "2026-10-05", 1), -1000);
    /* before Y: X alone; entries dated after the issue date wait */
    assert_int_equal(carry_of(f->st, "2026-10-02", 1), 6000);
    struct ledger_ageing a;
    assert_int_equal(ledger_customer_ageing(f->st, 1, "2026-10-24", &a),
                     ERR_OK);
    /* X 6,000 (09-25) and Y 4,000 (10-23) against 5,000 paid, oldest
     * first (the 4,000 that named Y too): X has 1,000 open, Y 4,000;
     * both 1 month overdue */
    assert_int_equal(a.balance_yen, 5000);
    assert_int_equal(a.bucket_yen[1], 5000);
    assert_string_equal(a.oldest_overdue_on, "2026-09-25");
    store_tx_rollback(f->st);
}

static void
test_posting_checks_what_it_names(void **state)
{
    struct fixture *f = *state;
    struct ledger_posted out;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(
        pay(f->st, LEDGER_PAYMENT, LEDGER_CASH, 2, 1, 100, "2026-10-04", &out),
        ERR_PAYMENT_INVOICE_MISMATCH);
    assert_int_equal(
        pay(f->st, LEDGER_PAYMENT, LEDGER_CASH, 99, 0, 100, "2026-10-04", &out),
        ERR_CUSTOMER_NOT_FOUND);
    assert_int_equal(pay(f->st, LEDGER_PAYMENT, LEDGER_CASH, 1, 999, 100,
                         "2026-10-04", &out),
                     ERR_INVOICE_NOT_FOUND);
    assert_int_equal(
        pay(f->st, LEDGER_PAYMENT, LEDGER_CASH, 1, 0, 0, "2026-10-04", &out),
        ERR_INVALID);
    assert_int_equal(
        pay(f->st, LEDGER_PAYMENT, LEDGER_NONE, 1, 0, 10, "2026-10-04", &out),
        ERR_INVALID);
    assert_int_equal(
        pay(f->st, LEDGER_PAYMENT, LEDGER_CASH, 1, 0, 10, "2026-13-04", &out),
        ERR_INVALID);
    /* customer 2 owes 1,500: nothing to refund; after 2,000 paid, 500 */
    assert_int_equal(
        pay(f->st, LEDGER_REFUND, LEDGER_NONE, 2, 0, 1, "2026-10-04", &out),
        ERR_REFUND_EXCEEDS_CREDIT);
    assert_int_equal(pay(f->st, LEDGER_PAYMENT, LEDGER_TRANSFER, 2, 0, 2000,
                         "2026-10-04", &out),
                     ERR_OK);
    assert_int_equal(
        pay(f->st, LEDGER_REFUND, LEDGER_NONE, 2, 0, 501, "2026-10-05", &out),
        ERR_REFUND_EXCEEDS_CREDIT);
    assert_int_equal(
        pay(f->st, LEDGER_REFUND, LEDGER_NONE, 2, 0, 500, "2026-10-05", &out),
        ERR_OK);
    int64_t bal;
    assert_int_equal(ledger_balance(f->st, 2, &bal), ERR_OK);
    assert_int_equal(bal, 0);
    store_tx_rollback(f->st);
}

/* Receipt numbers come from the counter in the entry's transaction: a
 * rolled back receipt gives its number back, so they stay gapless. */
static void
test_receipt_numbers_are_gapless(void **state)
{
    struct fixture *f = *state;
    struct ledger_posted out;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(
        pay(f->st, LEDGER_PAYMENT, LEDGER_CASH, 1, 0, 100, "2026-10-04", &out),
        ERR_OK);
    assert_int_equal(out.receipt_number, 1);
    store_tx_rollback(f->st);
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    for (int64_t k = 1; k <= 3; k++) {
        assert_int_equal(pay(f->st, LEDGER_PAYMENT, LEDGER_CASH, 1, 0, 100,
                             "2026-10-04", &out),
                         ERR_OK);
        assert_int_equal(out.receipt_number, k);
    }
    store_tx_rollback(f->st);
}

static enum err
debit(struct store *st, int64_t invoice, int code, const char *key,
      struct ledger_debit_posted *out)
{
    struct ledger_debit_result d = {.invoice_id = invoice,
                                    .amount_yen = 6000,
                                    .result_code = code,
                                    .debit_on = "2026-09-25",
                                    .source_key = key,
                                    .reference = "request 7",
                                    .actor = "test"};
    return ledger_post_debit_result(st, &d, out);
}

/* The Zengin result import's interface: a debited record is a payment
 * naming the invoice, a failure a follow-up; the same record twice
 * changes nothing. */
static void
test_debit_results_post_once(void **state)
{
    struct fixture *f = *state;
    struct ledger_debit_posted out;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(debit(f->st, 1, 0, "zengin:7:1", &out), ERR_OK);
    assert_true(out.entry_id > 0 && !out.followup_id && !out.duplicate);
    int64_t entry = out.entry_id;
    assert_int_equal(debit(f->st, 1, 0, "zengin:7:1", &out), ERR_OK);
    assert_true(out.duplicate);
    assert_int_equal(out.entry_id, entry);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM receivable_entries"),
                     1);
    assert_int_equal(carry_of(f->st, "2026-10-24", 1), 4000);
    /* a failure: nothing moves, a follow-up opens */
    assert_int_equal(debit(f->st, 4, 1, "zengin:7:2", &out), ERR_OK);
    assert_true(out.followup_id > 0 && !out.entry_id);
    assert_int_equal(debit(f->st, 4, 1, "zengin:7:2", &out), ERR_OK);
    assert_true(out.duplicate);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM payment_followups"
                                  " WHERE action = 'redebit'"
                                  " AND status = 'open'"),
                     1);
    assert_int_equal(debit(f->st, 4, 4, "zengin:7:3", &out), ERR_OK);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM payment_followups"
                                  " WHERE action = 'transfer_slip'"),
                     1);
    assert_int_equal(debit(f->st, 4, 5, "zengin:7:4", &out),
                     ERR_DEBIT_RESULT_CODE);
    assert_int_equal(debit(f->st, 4, 0, NULL, &out), ERR_INVALID);
    /* the same key with other content is refused */
    struct ledger_debit_result d = {.invoice_id = 1,
                                    .amount_yen = 5999,
                                    .debit_on = "2026-09-25",
                                    .source_key = "zengin:7:1",
                                    .actor = "test"};
    assert_int_equal(ledger_post_debit_result(f->st, &d, &out),
                     ERR_PAYMENT_DUPLICATE);
    store_tx_rollback(f->st);
}

/* A reversal undoes one entry, once. */
static void
test_a_reversal_is_the_negative_of_one_entry(void **state)
{
    struct fixture *f = *state;
    struct ledger_posted out, rev;
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(
        pay(f->st, LEDGER_PAYMENT, LEDGER_CVS, 0, 4, 1500, "2026-10-10", &out),
        ERR_OK);
    int64_t bal;
    assert_int_equal(ledger_balance(f->st, 2, &bal), ERR_OK);
    assert_int_equal(bal, 0);
    struct ledger_post p = {.kind = LEDGER_REVERSAL,
                            .reverses_id = out.entry_id,
                            .on = "2026-10-12",
                            .note = "誤入力",
                            .actor = "test"};
    assert_int_equal(ledger_post(f->st, &p, &rev), ERR_OK);
    assert_int_equal(rev.customer_id, 2);
    assert_int_equal(ledger_balance(f->st, 2, &bal), ERR_OK);
    assert_int_equal(bal, 1500);
    assert_int_equal(ledger_post(f->st, &p, &rev), ERR_PAYMENT_REVERSED);
    p.reverses_id = 9999;
    assert_int_equal(ledger_post(f->st, &p, &rev), ERR_PAYMENT_NOT_FOUND);
    store_tx_rollback(f->st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_customer_is_not_asked_twice),
        cmocka_unit_test(test_money_paid_ahead_waits_for_its_invoice),
        cmocka_unit_test(test_posting_checks_what_it_names),
        cmocka_unit_test(test_receipt_numbers_are_gapless),
        cmocka_unit_test(test_debit_results_post_once),
        cmocka_unit_test(test_a_reversal_is_the_negative_of_one_entry),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
