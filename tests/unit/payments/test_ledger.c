/*
 * test_ledger.c — the receivables ledger's pure logic: ageing buckets,
 * the oldest-first allocation (src/payments/ledger.c), the name folding
 * and the sure-match rule of transfer matching (transfer.c), the follow-up
 * a failed debit asks for, and the order of the dunning steps
 * (dunning.c). Every figure is worked by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "payments/payments.h"

#include <stdio.h>
#include <string.h>

static void
test_bucket_is_calendar_months_past_due(void **state)
{
    (void)state;
    /* paid on the due date is on time */
    assert_int_equal(ledger_bucket("2026-10-25", "2026-10-25"), 0);
    assert_int_equal(ledger_bucket("2026-10-25", "2026-10-01"), 0);
    /* a day late, the same month: still 1 */
    assert_int_equal(ledger_bucket("2026-10-25", "2026-10-26"), 1);
    assert_int_equal(ledger_bucket("2026-09-30", "2026-10-01"), 1);
    assert_int_equal(ledger_bucket("2026-09-25", "2026-10-28"), 1);
    assert_int_equal(ledger_bucket("2026-08-31", "2026-10-01"), 2);
    assert_int_equal(ledger_bucket("2026-07-31", "2026-10-01"), 3);
    assert_int_equal(ledger_bucket("2025-06-01", "2026-10-01"), 3);
    /* across the year */
    assert_int_equal(ledger_bucket("2025-12-25", "2026-01-05"), 1);
    assert_int_equal(ledger_bucket("2025-11-25", "2026-01-05"), 2);
}

static struct ledger_item
item(int64_t amount, const char *due, int64_t seq, int64_t invoice)
{
    struct ledger_item x = {
        .amount_yen = amount, .seq = seq, .invoice_id = invoice};
    snprintf(x.due_on, sizeof(x.due_on), "%s", due);
    return x;
}

/*
 * Invoices of 6,000 (due 08-25), 5,000 (09-25) and 4,000 (10-25), a
 * refund of 500 (10-01) and payments of 3,000 and 4,000, given out of
 * order. The 7,000 paid settles the oldest first: 6,000 of August, then
 * 1,000 of September, leaving 4,000 of it, the 500 and all of October:
 *   as of 2026-10-28: all three are overdue by less than two months
 *     (Sept → 1, the refund and October → 0 months but overdue → 1):
 *     bucket 1 = 4,000 + 500 + 4,000 = 8,500;
 *   as of 2026-12-31: September 3 (12 − 9), the refund and October 2:
 *     bucket 2 = 4,500, bucket 3 = 4,000.
 * Balance 6,000 + 5,000 + 4,000 + 500 − 7,000 = 8,500 either way.
 */
static void
test_payments_settle_the_oldest_debts_first(void **state)
{
    (void)state;
    struct ledger_item v[6] = {
        item(4000, "2026-10-25", 3, 3),  item(-3000, "2026-09-01", 4, 0),
        item(6000, "2026-08-25", 1, 1),  item(500, "2026-10-01", 6, 0),
        item(-4000, "2026-10-20", 5, 0), item(5000, "2026-09-25", 2, 2)};
    struct ledger_ageing a;
    ledger_age(v, 6, "2026-10-28", &a);
    assert_int_equal(a.balance_yen, 8500);
    assert_int_equal(a.bucket_yen[0], 0);
    assert_int_equal(a.bucket_yen[1], 8500);
    assert_int_equal(a.overdue_yen, 8500);
    assert_int_equal(a.credit_yen, 0);
    assert_string_equal(a.oldest_overdue_on, "2026-09-25");
    assert_int_equal(a.worst_bucket, 1);
    /* sorted: the debits by due date, open amounts after allocation */
    assert_int_equal(v[0].invoice_id, 1);
    assert_int_equal(v[0].open_yen, 0);
    assert_int_equal(v[1].invoice_id, 2);
    assert_int_equal(v[1].open_yen, 4000);
    assert_int_equal(v[2].open_yen, 500);
    assert_int_equal(v[3].invoice_id, 3);
    assert_int_equal(v[3].open_yen, 4000);
    assert_int_equal(v[4].bucket, -1); /* a credit */
    ledger_age(v, 6, "2026-12-31", &a);
    assert_int_equal(a.bucket_yen[1], 0);
    assert_int_equal(a.bucket_yen[2], 4500);
    assert_int_equal(a.bucket_yen[3], 4000);
    assert_int_equal(a.worst_bucket, 3);
}

/* 1,000 owed, 1,500 paid: 500 前受, nothing open, balance −500. */
static void
test_overpayment_is_a_credit(void **state)
{
    (void)state;
    struct ledger_item v[2] = {item(1000, "2026-10-25", 1, 1),
                               item(-1500, "2026-10-20", 2, 0)};
    struct ledger_ageing a;
    ledger_age(v, 2, "2026-11-30", &a);
    assert_int_equal(a.balance_yen, -500);
    assert_int_equal(a.credit_yen, 500);
    assert_int_equal(a.overdue_yen, 0);
    for (int b = 0; b < LEDGER_BUCKETS; b++)
        assert_int_equal(a.bucket_yen[b], 0);
    assert_string_equal(a.oldest_overdue_on, "");
    json_t *j = ledger_ageing_json(&a, "2026-11-30");
    assert_int_equal(json_integer_value(json_object_get(j, "credit_yen")), 500);
    assert_true(json_is_null(json_object_get(j, "oldest_overdue_on")));
    json_decref(j);
}

static void
test_nothing_is_all_zero(void **state)
{
    (void)state;
    struct ledger_ageing a;
    ledger_age(NULL, 0, "2026-11-30", &a);
    assert_int_equal(a.balance_yen, 0);
    assert_int_equal(a.worst_bucket, 0);
}

static void
assert_same_key(const char *a, const char *b)
{
    char ka[TRANSFER_KEY_MAX], kb[TRANSFER_KEY_MAX];
    assert_int_equal(transfer_name_key(a, ka, sizeof(ka)), ERR_OK);
    assert_int_equal(transfer_name_key(b, kb, sizeof(kb)), ERR_OK);
    if (strcmp(ka, kb))
        fail_msg("%s → %s, %s → %s", a, ka, b, kb);
}

static void
test_bank_names_meet_the_ledger_kana(void **state)
{
    (void)state;
    char k[TRANSFER_KEY_MAX];
    assert_int_equal(transfer_name_key("ﾀﾅｶ ﾀﾛｳ", k, sizeof(k)), ERR_OK);
    assert_string_equal(k, "タナカタロウ");
    assert_same_key("ﾀﾅｶ ﾀﾛｳ", "タナカ タロウ");
    assert_same_key("ﾀﾅｶ ﾀﾛｳ", "たなか　たろう");
    /* voiced marks as separate half-width characters */
    assert_same_key("ｽﾙｶﾞ ﾊﾅｺ", "スルガ ハナコ");
    /* banks write small kana large */
    assert_same_key("ﾊﾂﾄﾘ ｹﾝ", "ハットリ ケン");
    assert_same_key("ｷﾖｳﾄﾞｳ ｼﾞﾕﾝ", "キョウドウ ジュン");
    /* legal forms: abbreviated in front or behind, or spelt out */
    assert_same_key("ｶ)ﾀﾅｶｺｳﾑﾃﾝ", "カブシキガイシャ タナカコウムテン");
    assert_same_key("ﾀﾅｶｺｳﾑﾃﾝ(ｶ", "タナカコウムテン");
    assert_same_key("(ﾕ)ﾔﾏﾀﾞｼﾖｳﾃﾝ", "ヤマダショウテン");
    char a[TRANSFER_KEY_MAX], b[TRANSFER_KEY_MAX];
    transfer_name_key("ﾀﾅｶ ﾀﾛｳ", a, sizeof(a));
    transfer_name_key("タナカ ジロウ", b, sizeof(b));
    assert_string_not_equal(a, b);
    assert_int_equal(transfer_name_key("ﾀﾅｶ", k, 4), ERR_TOO_LARGE);
}

static void
test_only_one_fit_on_name_and_amount_is_sure(void **state)
{
    (void)state;
    struct transfer_candidate one[] = {
        {.invoice_id = 1, .amount = true},
        {.invoice_id = 2, .name = true, .amount = true},
        {.invoice_id = 3, .name = true}};
    assert_int_equal(transfer_decide(one, 3), 1);
    struct transfer_candidate two[] = {
        {.invoice_id = 1, .name = true, .amount = true},
        {.invoice_id = 2, .name = true, .amount = true}};
    assert_int_equal(transfer_decide(two, 2), -1);
    struct transfer_candidate halves[] = {{.invoice_id = 1, .amount = true},
                                          {.invoice_id = 2, .name = true}};
    assert_int_equal(transfer_decide(halves, 2), -1);
    assert_int_equal(transfer_decide(NULL, 0), -1);
}

static void
test_failed_debits_ask_for_the_right_follow_up(void **state)
{
    (void)state;
    assert_string_equal(ledger_followup_action(1), "redebit");
    assert_string_equal(ledger_followup_action(2), "transfer_slip");
    assert_string_equal(ledger_followup_action(4), "transfer_slip");
    assert_string_equal(ledger_followup_action(3), "contact");
    assert_string_equal(ledger_followup_action(8), "contact");
    assert_string_equal(ledger_followup_action(9), "contact");
    assert_null(ledger_followup_action(0));
    assert_null(ledger_followup_action(5));
    assert_null(ledger_followup_action(-1));
}

static void
test_dunning_steps_go_one_after_the_other(void **state)
{
    (void)state;
    enum dunning_step R = DUNNING_REMINDER, D = DUNNING_DEMAND,
                      N = DUNNING_STOP_NOTICE, S = DUNNING_STOPPED,
                      U = DUNNING_RESUMED, X = DUNNING_RESOLVED;
    assert_true(dunning_step_allowed(DUNNING_NONE, R));
    assert_false(dunning_step_allowed(DUNNING_NONE, D));
    assert_false(dunning_step_allowed(DUNNING_NONE, S));
    assert_false(dunning_step_allowed(DUNNING_NONE, X));
    assert_true(dunning_step_allowed(R, D));
    assert_true(dunning_step_allowed(R, X));
    assert_false(dunning_step_allowed(R, N));
    assert_false(dunning_step_allowed(R, R));
    assert_true(dunning_step_allowed(D, N));
    assert_false(dunning_step_allowed(D, S));
    assert_true(dunning_step_allowed(N, S));
    assert_true(dunning_step_allowed(N, X));
    assert_true(dunning_step_allowed(S, U));
    assert_false(dunning_step_allowed(S, X)); /* stopped: resume first */
    assert_false(dunning_step_allowed(S, R));
    assert_true(dunning_step_allowed(U, R)); /* a new case */
    assert_true(dunning_step_allowed(X, R));
    assert_true(dunning_step_ends_case(U) && dunning_step_ends_case(X));
    assert_false(dunning_step_ends_case(S));
    const char *next[4];
    dunning_next_steps(N, next);
    assert_string_equal(next[0], "stopped");
    assert_string_equal(next[1], "resolved");
    assert_null(next[2]);
    enum dunning_step p;
    assert_true(dunning_step_parse("stop_notice", &p) && p == N);
    assert_false(dunning_step_parse("none", &p));
    assert_string_equal(dunning_step_label(N), "供給停止予告");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_is_calendar_months_past_due),
        cmocka_unit_test(test_payments_settle_the_oldest_debts_first),
        cmocka_unit_test(test_overpayment_is_a_credit),
        cmocka_unit_test(test_nothing_is_all_zero),
        cmocka_unit_test(test_bank_names_meet_the_ledger_kana),
        cmocka_unit_test(test_only_one_fit_on_name_and_amount_is_sure),
        cmocka_unit_test(test_failed_debits_ask_for_the_right_follow_up),
        cmocka_unit_test(test_dunning_steps_go_one_after_the_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
