/*
 * test_debit.c — the pure rules of direct debit (src/payments/debit.c):
 * the banks' calendar (holidays of 2026 and 2027 from the Cabinet
 * Office's list, 振替休日 and 国民の休日, weekends, the year-end days);
 * the amount of a line, min(amount due, balance − pending), worked by
 * hand for a carried balance still out on an earlier request, a payment
 * made since, a credit and two invoices of one customer; deciding the
 * candidates of a request (problems named with their reason, skips, the
 * files per bank); matching a result to its request record by record,
 * with the line and field named for each kind of difference and never a
 * value; hex round trips.
 */
#include "core/buf.h"
#include "payments/debit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* ---------------------------------------------------------------------- */
/* The calendar                                                           */
/* ---------------------------------------------------------------------- */

static void
test_holidays_of_2026_and_2027(void **state)
{
    (void)state;
    static const char *const holidays[] = {
        "2026-01-01", "2026-01-12", "2026-02-11",
        "2026-02-23", "2026-03-20", "2026-04-29",
        "2026-05-03", "2026-05-04", "2026-05-05",
        "2026-05-06", /* 振替休日: 5-3 was a Sunday */
        "2026-07-20", "2026-08-11", "2026-09-21",
        "2026-09-22", /* 国民の休日 between 敬老の日 and 秋分の日 */
        "2026-09-23", "2026-10-12", "2026-11-03",
        "2026-11-23", "2027-01-01", "2027-01-11",
        "2027-02-11", "2027-02-23", "2027-03-21",
        "2027-03-22", /* 春分の日 on a Sunday → Monday */
        "2027-04-29", "2027-05-03", "2027-05-04",
        "2027-05-05", "2027-07-19", "2027-08-11",
        "2027-09-20", "2027-09-23", "2027-10-11",
        "2027-11-03", "2027-11-23",
    };
    for (size_t i = 0; i < sizeof(holidays) / sizeof(*holidays); i++)
        if (!debit_holiday(holidays[i]))
            fail_msg("%s is a holiday", holidays[i]);
    static const char *const workdays[] = {
        "2026-01-13", "2026-05-07", "2026-09-24", "2026-10-27",
        "2026-11-24", "2027-03-23", "2027-09-21", "2027-09-22",
    };
    for (size_t i = 0; i < sizeof(workdays) / sizeof(*workdays); i++)
        if (debit_holiday(workdays[i]))
            fail_msg("%s is not a holiday", workdays[i]);
}

static void
test_business_days_leave_out_weekends_and_year_end(void **state)
{
    (void)state;
    assert_true(debit_business_day("2026-10-27"));  /* Tuesday */
    assert_false(debit_business_day("2026-10-24")); /* Saturday */
    assert_false(debit_business_day("2026-10-25")); /* Sunday */
    assert_false(debit_business_day("2026-11-23")); /* 勤労感謝の日 */
    assert_false(debit_business_day("2026-12-31"));
    assert_false(debit_business_day("2027-01-01"));
    assert_true(debit_business_day("2027-01-04"));  /* Monday */
    assert_false(debit_business_day("2028-01-03")); /* Monday */
    assert_false(debit_business_day("2026-02-30"));
    assert_false(debit_business_day("2026-1-27"));
    assert_false(debit_business_day(NULL));
    assert_false(debit_business_day("2100-03-01"));
}

/* ---------------------------------------------------------------------- */
/* Amounts                                                                */
/* ---------------------------------------------------------------------- */

static void
test_amount_is_what_is_owed_and_not_already_asked_for(void **state)
{
    (void)state;
    /* the usual case: October ¥6,000, nothing else */
    assert_int_equal(debit_amount(6000, 6000, 0), 6000);
    /* November carries October's ¥6,000 (amount due ¥10,000) while
     * October's request is still at the bank: only ¥4,000 */
    assert_int_equal(debit_amount(10000, 10000, 6000), 4000);
    /* the same after October's debit failed (no longer pending) */
    assert_int_equal(debit_amount(10000, 10000, 0), 10000);
    /* October was paid by transfer after November was issued */
    assert_int_equal(debit_amount(10000, 4000, 0), 4000);
    /* a credit (前受) larger than the invoice */
    assert_int_equal(debit_amount(-500, -500, 0), 0);
    assert_int_equal(debit_amount(3000, -500, 0), 0);
    /* paid in part */
    assert_int_equal(debit_amount(6000, 2500, 0), 2500);
}

static void
cand(struct debit_cand *c, int64_t inv, int64_t cust, const char *bank,
     int64_t due, int64_t balance)
{
    memset(c, 0, sizeof(*c));
    c->invoice_id = inv;
    c->invoice_number = inv;
    c->customer_id = cust;
    c->contract_id = cust;
    c->amount_due_yen = due;
    c->balance_yen = balance;
    snprintf(c->customer_number, sizeof(c->customer_number), "%lld",
             (long long)(1000 + cust));
    snprintf(c->bank_code, sizeof(c->bank_code), "%s", bank);
    snprintf(c->branch_code, sizeof(c->branch_code), "123");
    snprintf(c->account_type, sizeof(c->account_type), "1");
    snprintf(c->account_number, sizeof(c->account_number), "0012345");
    snprintf(c->holder, sizeof(c->holder), "ﾔﾏﾀﾞ ﾀﾛｳ");
}

static const struct debit_cand *
by_invoice(const struct debit_cand *c, size_t n, int64_t inv)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].invoice_id == inv)
            return &c[i];
    fail_msg("no invoice %lld", (long long)inv);
    return NULL;
}

static void
test_plan_names_problems_and_skips(void **state)
{
    (void)state;
    struct debit_cand c[7];
    size_t files;
    cand(&c[0], 1, 1, "0005", 6000, 6000);
    cand(&c[1], 2, 2, "0005", 6000, 6000);
    c[1].account_number[0] = '\0'; /* no account */
    cand(&c[2], 3, 3, "0005", 6000, 6000);
    snprintf(c[2].holder, sizeof(c[2].holder), "山田"); /* not kana */
    cand(&c[3], 4, 4, "0005", 6000, 6000);
    snprintf(c[3].customer_number, sizeof(c[3].customer_number), "C-4");
    cand(&c[4], 5, 5, "0005", 6000, 0);   /* paid already */
    cand(&c[5], 6, 6, "005", 6000, 6000); /* bank code malformed */
    /* customer 7: two invoices; the second asks only what is left */
    cand(&c[6], 7, 7, "0005", 7000, 9000);
    debit_plan(c, 7, false, &files);
    assert_int_equal(files, 1);
    assert_null(by_invoice(c, 7, 1)->reason);
    assert_int_equal(by_invoice(c, 7, 1)->amount_yen, 6000);
    assert_string_equal(by_invoice(c, 7, 2)->reason, "no_account");
    assert_string_equal(by_invoice(c, 7, 3)->reason, "kana");
    assert_string_equal(by_invoice(c, 7, 3)->field, "account_holder");
    assert_non_null(strstr(by_invoice(c, 7, 3)->message, "1 文字目"));
    assert_string_equal(by_invoice(c, 7, 4)->reason, "customer_number");
    assert_string_equal(by_invoice(c, 7, 5)->reason, "nothing_owed");
    assert_string_equal(by_invoice(c, 7, 6)->reason, "account");
    assert_int_equal(by_invoice(c, 7, 7)->amount_yen, 7000);
    for (size_t i = 0; i < 7; i++)
        if (c[i].reason) {
            assert_int_equal(c[i].amount_yen, 0);
            assert_int_equal(c[i].file, -1);
            assert_null(strstr(c[i].message, "0012345"));
        }
}

static void
test_plan_asks_a_customers_second_invoice_only_for_the_rest(void **state)
{
    (void)state;
    struct debit_cand c[3];
    size_t files;
    /* one customer, two contracts billed together: ¥5,000 carrying a
     * ¥2,000 arrear (due ¥7,000) and ¥3,000; the balance is ¥10,000 but
     * ¥1,500 is still out on an earlier request */
    cand(&c[0], 12, 9, "0005", 3000, 10000);
    cand(&c[1], 11, 9, "0005", 7000, 10000);
    c[0].pending_yen = c[1].pending_yen = 1500;
    cand(&c[2], 10, 8, "0001", 4000, 4000);
    debit_plan(c, 3, false, &files);
    assert_int_equal(by_invoice(c, 3, 11)->amount_yen, 7000);
    assert_int_equal(by_invoice(c, 3, 12)->amount_yen, 1500);
    assert_int_equal(by_invoice(c, 3, 10)->amount_yen, 4000);
    /* a combined file, by invoice number */
    assert_int_equal(c[0].invoice_id, 10);
    assert_int_equal(c[1].invoice_id, 11);
    assert_int_equal(c[2].invoice_id, 12);
}

static void
test_plan_per_bank_makes_one_file_per_bank(void **state)
{
    (void)state;
    struct debit_cand c[5];
    size_t files;
    cand(&c[0], 1, 1, "0177", 1000, 1000);
    cand(&c[1], 2, 2, "0005", 1000, 1000);
    cand(&c[2], 3, 3, "0177", 1000, 1000);
    cand(&c[3], 4, 4, "0001", 1000, 0); /* skipped: no file for 0001 */
    cand(&c[4], 5, 5, "0005", 1000, 1000);
    debit_plan(c, 5, true, &files);
    assert_int_equal(files, 2);
    assert_int_equal(by_invoice(c, 5, 2)->file, 0);
    assert_int_equal(by_invoice(c, 5, 5)->file, 0);
    assert_int_equal(by_invoice(c, 5, 1)->file, 1);
    assert_int_equal(by_invoice(c, 5, 3)->file, 1);
    assert_int_equal(by_invoice(c, 5, 4)->file, -1);
}

/* ---------------------------------------------------------------------- */
/* Matching                                                               */
/* ---------------------------------------------------------------------- */

static const struct zengin_requester requester = {
    "0012345678", "ﾋﾟﾛﾂﾄｶﾞｽ", "1027", "0184", NULL, "001", NULL, 1, "1234567"};

static const struct zengin_debit debits[] = {
    {"0001", NULL, "123", NULL, 1, "765", "ﾔﾏﾀﾞ ﾀﾛｳ", 5400, 1, "10010"},
    {"0005", NULL, "456", NULL, 1, "1234567", "ｽｽﾞｷ ﾊﾅｺ", 12000, 0, "10020"},
    {"0177", NULL, "001", NULL, 2, "7654321", "ﾀﾅｶ ｲﾁﾛｳ", 800, 0, "10030"},
};

/* The request, and a result made from it as a bank would: codes set
 * and the trailer's split filled in; then mutate() tampers with it. */
static void
files_make(struct zengin_file *req, struct zengin_file *res,
           void (*mutate)(char *rec, size_t n))
{
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(zengin_write_request(&requester, debits, 3,
                                          ZENGIN_EOL_NONE, 0, &b, NULL, NULL),
                     ERR_OK);
    assert_int_equal(zengin_read(b.data, b.len, ZENGIN_REQUEST, req, NULL),
                     ERR_OK);
    b.data[2 * 120 + 111] = '1'; /* the second debit: 資金不足 */
    memcpy(b.data + 4 * 120 + 19, "000002000000006200000001000000012000", 36);
    if (mutate)
        mutate(b.data, b.len);
    enum err rc = zengin_read(b.data, b.len, ZENGIN_RESULT, res, NULL);
    if (rc)
        fail_msg("result: %s", err_detail());
    buf_free(&b);
}

static void
check_mismatch(void (*mutate)(char *, size_t), size_t line, const char *field,
               const char *words)
{
    struct zengin_file req, res;
    struct zengin_fault f;
    files_make(&req, &res, mutate);
    enum err rc = debit_match(&req, &res, &f);
    if (rc != ERR_DEBIT_RESULT_MISMATCH)
        fail_msg("%s: matched", field);
    assert_int_equal(f.line, line);
    assert_string_equal(f.field, field);
    if (!strstr(err_detail(), words))
        fail_msg("detail: %s", err_detail());
    assert_null(strstr(err_detail(), "1234567")); /* never a value */
    zengin_file_free(&req);
    zengin_file_free(&res);
}

static void
amount_up(char *p, size_t n)
{
    (void)n; /* the second debit ¥12,000 → ¥12,001; trailer to match */
    memcpy(p + 2 * 120 + 80, "0000012001", 10);
    memcpy(p + 4 * 120 + 7, "000000018201", 12);
    memcpy(p + 4 * 120 + 43, "000000012001", 12);
}

static void
account_other(char *p, size_t n)
{
    (void)n;
    memcpy(p + 3 * 120 + 43, "7654320", 7);
}

static void
requester_other(char *p, size_t n)
{
    (void)n;
    memcpy(p + 4, "0012345679", 10);
}

static void
date_other(char *p, size_t n)
{
    (void)n;
    memcpy(p + 54, "1028", 4);
}

static void
test_result_matches_its_request(void **state)
{
    (void)state;
    struct zengin_file req, res;
    files_make(&req, &res, NULL);
    assert_int_equal(debit_match(&req, &res, NULL), ERR_OK);
    assert_int_equal(res.records[1].result, 1);
    zengin_file_free(&req);
    zengin_file_free(&res);
}

static void
test_mismatches_name_the_line_and_the_field(void **state)
{
    (void)state;
    check_mismatch(amount_up, 3, "amount", "3 行目（データ 2 件目）の引落金額");
    check_mismatch(account_other, 4, "account_number", "4 行目");
    check_mismatch(requester_other, 1, "requester_code", "委託者コード");
    check_mismatch(date_other, 1, "debit_date", "引落日");
}

static void
test_a_missing_last_line_is_named(void **state)
{
    (void)state;
    struct zengin_file req, res;
    struct zengin_fault f;
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(zengin_write_request(&requester, debits, 3,
                                          ZENGIN_EOL_NONE, 0, &b, NULL, NULL),
                     ERR_OK);
    assert_int_equal(zengin_read(b.data, b.len, ZENGIN_REQUEST, &req, NULL),
                     ERR_OK);
    b.data[2 * 120 + 111] = '1';
    memcpy(b.data + 4 * 120 + 19, "000002000000006200000001000000012000", 36);
    /* drop the third debit: the result reads, but has 2 records */
    memmove(b.data + 3 * 120, b.data + 4 * 120, 2 * 120);
    b.len -= 120;
    memcpy(b.data + 3 * 120 + 1, "000002000000017400", 18);
    memcpy(b.data + 3 * 120 + 19, "000001000000005400000001000000012000", 36);
    assert_int_equal(zengin_read(b.data, b.len, ZENGIN_RESULT, &res, NULL),
                     ERR_OK);
    assert_int_equal(debit_match(&req, &res, &f), ERR_DEBIT_RESULT_MISMATCH);
    assert_int_equal(f.line, 4);
    assert_non_null(strstr(err_detail(), "足りない"));
    buf_free(&b);
    zengin_file_free(&req);
    zengin_file_free(&res);
}

/* ---------------------------------------------------------------------- */
/* Hex                                                                    */
/* ---------------------------------------------------------------------- */

static void
test_hex_round_trips_every_byte(void **state)
{
    (void)state;
    char bytes[256], hex[513], back[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (char)i;
    debit_hex_encode(bytes, 256, hex);
    assert_int_equal(strlen(hex), 512);
    assert_memory_equal(hex, "000102", 6);
    assert_true(debit_hex_decode(hex, 512, back));
    assert_memory_equal(bytes, back, 256);
    assert_false(debit_hex_decode("0g", 2, back));
    assert_false(debit_hex_decode("abc", 3, back));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holidays_of_2026_and_2027),
        cmocka_unit_test(test_business_days_leave_out_weekends_and_year_end),
        cmocka_unit_test(test_amount_is_what_is_owed_and_not_already_asked_for),
        cmocka_unit_test(test_plan_names_problems_and_skips),
        cmocka_unit_test(
            test_plan_asks_a_customers_second_invoice_only_for_the_rest),
        cmocka_unit_test(test_plan_per_bank_makes_one_file_per_bank),
        cmocka_unit_test(test_result_matches_its_request),
        cmocka_unit_test(test_mismatches_name_the_line_and_the_field),
        cmocka_unit_test(test_a_missing_last_line_is_named),
        cmocka_unit_test(test_hex_round_trips_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
