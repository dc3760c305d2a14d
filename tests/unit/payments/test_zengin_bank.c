/*
 * test_zengin_bank.c — the bank's statements of money received
 * (src/payments/zengin_bank.c: 振込入金通知 01, 入出金取引明細 03) and the
 * convenience-store barcode (cvs_barcode.c).
 *
 * Statements are built here field by field at the layout's positions
 * (put() below), so a field read from the wrong place shows: every
 * field of a 01 record and of a 03 record read back, 和暦 dates, two
 * accounts in one file, both line-end styles; then each kind of broken
 * file refused with the line and the field at fault. Barcodes: the check
 * digit of a 43-digit string worked out by hand (weights 3, 1 from the
 * right), the fields taken apart, and each kind of bad barcode refused.
 */
#include "payments/payments.h"
#include "payments/zengin_bank.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---------------------------------------------------------------------- */
/* Building files                                                         */
/* ---------------------------------------------------------------------- */

struct file {
    char b[16 * 202];
    size_t n;
    bool crlf;
};

static char rec[ZBANK_RECORD_LEN];

static void
rec_start(char type)
{
    memset(rec, ' ', sizeof(rec));
    rec[0] = type;
}

/* s at 1-based position pos, exactly its own length. */
static void
put(int pos, const char *s)
{
    memcpy(rec + pos - 1, s, strlen(s));
}

static void
rec_end(struct file *f)
{
    memcpy(f->b + f->n, rec, ZBANK_RECORD_LEN);
    f->n += ZBANK_RECORD_LEN;
    if (f->crlf) {
        memcpy(f->b + f->n, "\r\n", 2);
        f->n += 2;
    }
}

/* 振込入金通知 header: ｼｽﾞｵｶ (0149) ｱｵｲ (123), 普通 1234567, 令和 8 年
 * (2026) 11-25 to 11-26. */
static void
notice_header(struct file *f)
{
    rec_start('1');
    put(2, "01");
    put(4, "0");
    put(5, "081126");
    put(11, "081125");
    put(17, "081126");
    put(23, "0149");
    put(27, "\xBC\xBD\xDE\xB5\xB6"); /* ｼｽﾞｵｶ */
    put(42, "123");
    put(45, "\xB1\xB5\xB2"); /* ｱｵｲ */
    put(60, "1");
    put(61, "1234567");
    put(68, "\xCB\xDF\xDB\xC2\xC4"); /* ﾋﾟﾛﾂﾄ */
    rec_end(f);
}

static void
notice_data(struct file *f, const char *ref, const char *day,
            const char *amount10, const char *name, char cancel)
{
    rec_start('2');
    put(2, ref);
    put(8, day);
    put(14, day);
    put(20, amount10);
    put(30, "0000000000");
    put(40, "0000000042");
    put(50, name);
    put(98, "\xD0\xBD\xDE\xCE");      /* ﾐｽﾞﾎ */
    put(113, "\xC4\xB3\xB7\xAE\xB3"); /* ﾄｳｷｮｳ */
    rec[127] = cancel;
    put(129, "EDI0001");
    rec_end(f);
}

static void
notice_trailer(struct file *f, const char *count6, const char *amount12,
               const char *ccount6, const char *camount12)
{
    rec_start('8');
    put(2, count6);
    put(8, amount12);
    put(20, ccount6);
    put(26, camount12);
    rec_end(f);
}

static void
end_record(struct file *f)
{
    rec_start('9');
    rec_end(f);
}

/* A 01 file: two transfers and a cancellation. */
static void
notice_file(struct file *f)
{
    notice_header(f);
    notice_data(f, "000101", "081125", "0000004000",
                "\xC4\xB3\xB6\xB2 \xC0\xDB\xB3", ' '); /* ﾄｳｶｲ ﾀﾛｳ */
    notice_data(f, "000102", "081126", "0000000777",
                "\xD4\xCF\xC0\xDE \xCA\xC5\xBA", '0'); /* ﾔﾏﾀﾞ ﾊﾅｺ */
    notice_data(f, "000103", "081126", "0000001000", "\xB1", '1');
    notice_trailer(f, "000002", "000000004777", "000001", "000000001000");
    end_record(f);
}

static void
statement_header(struct file *f, const char *account10)
{
    rec_start('1');
    put(2, "03");
    put(4, "0");
    put(5, "081126");
    put(11, "081101");
    put(17, "081126");
    put(23, "0149");
    put(42, "123");
    put(60, "000");
    put(63, "1");
    put(64, account10);
    put(114, "1");
    put(115, "1");
    put(116, "00000001000000");
    rec_end(f);
}

static void
statement_data(struct file *f, const char *ref8, char dir, const char *kind2,
               const char *amount12, const char *name)
{
    rec_start('2');
    put(2, ref8);
    put(10, "081120");
    put(16, "081120");
    rec[21] = dir;
    put(23, kind2);
    put(25, amount12);
    put(37, "000000000000");
    put(49, "00000000000000000000000"); /* 交換呈示日 … 僚店番号 */
    put(72, "0000000000");
    put(82, name);
    put(160, "\xCC\xD8\xBA\xD0"); /* ﾌﾘｺﾐ */
    rec_end(f);
}

static void
statement_trailer(struct file *f, const char *in7, const char *in13,
                  const char *out7, const char *out13, const char *n7)
{
    rec_start('8');
    put(2, in7);
    put(9, in13);
    put(22, out7);
    put(29, out13);
    put(42, "1");
    put(43, "00000001000000");
    put(57, n7);
    rec_end(f);
}

/* A 03 file for two accounts: a transfer and a withdrawal, then cash. */
static void
statement_file(struct file *f)
{
    statement_header(f, "0001234567");
    statement_data(f, "00000501", '1', "11", "000000005500",
                   "\xB7\xC0 \xBB\xCC\xDE\xDB\xB3"); /* ｷﾀ ｻﾌﾞﾛｳ */
    statement_data(f, "00000502", '2', "14", "000000002000", "");
    statement_trailer(f, "0000001", "0000000005500", "0000001", "0000000002000",
                      "0000002");
    statement_header(f, "0007654321");
    statement_data(f, "00000601", '1', "10", "000000010000", "");
    statement_trailer(f, "0000001", "0000000010000", "0000000", "0000000000000",
                      "0000001");
    end_record(f);
}

/* Read f expecting an error at line on field (NULL: none named). */
static void
refused(const struct file *f, size_t line, const char *field)
{
    struct zbank_file z;
    struct zengin_fault fault;
    enum err rc = zbank_read(f->b, f->n, &z, &fault);
    assert_int_equal(rc, ERR_BANK_STATEMENT_FORMAT);
    assert_int_equal(fault.line, line);
    if (field)
        assert_string_equal(fault.field, field);
    else
        assert_null(fault.field);
    assert_null(z.entries);
    char where[32];
    snprintf(where, sizeof(where), "%zu %s", line,
             f->crlf ? "行目" : "レコード目");
    assert_non_null(strstr(err_detail(), where));
}

/* ---------------------------------------------------------------------- */
/* Statements                                                             */
/* ---------------------------------------------------------------------- */

static void
test_deposit_notice_every_field(void **state)
{
    (void)state;
    struct file f = {.crlf = true};
    struct zbank_file z;
    notice_file(&f);
    assert_int_equal(zbank_read(f.b, f.n, &z, NULL), ERR_OK);
    assert_int_equal(z.kind, ZBANK_DEPOSIT_NOTICE);
    assert_int_equal(z.eol, ZENGIN_EOL_CRLF);
    assert_int_equal(z.n_accounts, 1);
    const struct zbank_account *a = &z.accounts[0];
    assert_string_equal(a->created_on, "2026-11-26");
    assert_string_equal(a->from, "2026-11-25");
    assert_string_equal(a->to, "2026-11-26");
    assert_string_equal(a->bank_code, "0149");
    assert_string_equal(a->bank_name, "\xBC\xBD\xDE\xB5\xB6");
    assert_string_equal(a->branch_code, "123");
    assert_string_equal(a->branch_name, "\xB1\xB5\xB2");
    assert_int_equal(a->account_type, 1);
    assert_string_equal(a->account_number, "1234567");
    assert_string_equal(a->account_name, "\xCB\xDF\xDB\xC2\xC4");
    assert_int_equal(a->first, 0);
    assert_int_equal(a->count, 3);
    assert_int_equal(z.n_entries, 3);
    const struct zbank_entry *e = &z.entries[0];
    assert_int_equal(e->line, 2);
    assert_string_equal(e->reference, "000101");
    assert_string_equal(e->booked_on, "2026-11-25");
    assert_string_equal(e->value_on, "2026-11-25");
    assert_true(e->credit);
    assert_int_equal(e->txn_kind, ZBANK_TXN_TRANSFER);
    assert_false(e->cancelled);
    assert_int_equal(e->amount_yen, 4000);
    assert_int_equal(e->other_bank_yen, 0);
    assert_string_equal(e->payer_code, "0000000042");
    assert_string_equal(e->payer_name, "\xC4\xB3\xB6\xB2 \xC0\xDB\xB3");
    assert_string_equal(e->from_bank, "\xD0\xBD\xDE\xCE");
    assert_string_equal(e->edi, "EDI0001");
    assert_false(z.entries[1].cancelled); /* "0" is not a cancellation */
    assert_int_equal(z.entries[1].amount_yen, 777);
    assert_true(z.entries[2].cancelled);
    char utf8[200];
    assert_true(zengin_text_utf8(e->payer_name, utf8, sizeof(utf8)));
    assert_string_equal(utf8, "ﾄｳｶｲ ﾀﾛｳ");
    zbank_file_free(&z);
}

static void
test_statement_with_two_accounts(void **state)
{
    (void)state;
    struct file f = {.crlf = false};
    struct zbank_file z;
    statement_file(&f);
    assert_int_equal(f.n, 8 * ZBANK_RECORD_LEN);
    assert_int_equal(zbank_read(f.b, f.n, &z, NULL), ERR_OK);
    assert_int_equal(z.kind, ZBANK_STATEMENT);
    assert_int_equal(z.eol, ZENGIN_EOL_NONE);
    assert_int_equal(z.n_accounts, 2);
    assert_string_equal(z.accounts[0].account_number, "0001234567");
    assert_string_equal(z.accounts[1].account_number, "0007654321");
    assert_int_equal(z.accounts[1].first, 2);
    assert_int_equal(z.accounts[1].count, 1);
    assert_int_equal(z.n_entries, 3);
    const struct zbank_entry *e = &z.entries[0];
    assert_string_equal(e->reference, "00000501");
    assert_string_equal(e->booked_on, "2026-11-20");
    assert_true(e->credit);
    assert_int_equal(e->txn_kind, 11);
    assert_int_equal(e->amount_yen, 5500);
    assert_string_equal(e->payer_name, "\xB7\xC0 \xBB\xCC\xDE\xDB\xB3");
    assert_string_equal(e->summary, "\xCC\xD8\xBA\xD0");
    assert_false(z.entries[1].credit);
    assert_int_equal(z.entries[1].txn_kind, 14);
    assert_int_equal(z.entries[2].account, 1);
    assert_int_equal(z.entries[2].txn_kind, 10);
    assert_int_equal(z.entries[2].line, 6);
    zbank_file_free(&z);
}

static void
test_reiwa_dates(void **state)
{
    (void)state;
    char out[11];
    assert_true(zbank_date("081125", out));
    assert_string_equal(out, "2026-11-25");
    assert_true(zbank_date("010501", out)); /* 令和元年 5 月 1 日 */
    assert_string_equal(out, "2019-05-01");
    assert_true(zbank_date("060229", out)); /* 2024: leap */
    assert_false(zbank_date("070229", out));
    assert_false(zbank_date("010430", out)); /* still 平成 */
    assert_false(zbank_date("000101", out));
    assert_false(zbank_date("081301", out));
    assert_false(zbank_date("08113A", out));
}

static void
test_broken_files_name_line_and_field(void **state)
{
    (void)state;
    struct file f = {.crlf = true};
    notice_file(&f);
    f.b[2 * 202 + 22] = 'X'; /* line 3, amount, position 23 */
    refused(&f, 3, "amount");
    assert_non_null(strstr(err_detail(), "20–29 桁目"));

    f = (struct file){.crlf = true};
    notice_header(&f);
    notice_data(&f, "000101", "081125", "0000004000", "\xB1", ' ');
    notice_trailer(&f, "000001", "000000004001", "000000", "000000000000");
    end_record(&f);
    refused(&f, 3, "credit_amount"); /* the trailer's sum */

    f = (struct file){.crlf = true};
    notice_header(&f);
    notice_data(&f, "000101", "081124", "0000004000", "\xB1", ' ');
    refused(&f, 2, "booked_on"); /* before the header's period */

    f = (struct file){.crlf = true};
    notice_header(&f);
    notice_data(&f, "000101", "081125", "0000004000", "\xB1", '2');
    refused(&f, 2, "cancel");

    f = (struct file){.crlf = true};
    notice_file(&f);
    f.b[1] = '9'; /* kind code 91: a direct-debit file */
    refused(&f, 1, "kind_code");

    f = (struct file){.crlf = true};
    notice_file(&f);
    f.n -= 202; /* no end record */
    refused(&f, 6, NULL);

    f = (struct file){.crlf = true};
    notice_file(&f);
    memmove(f.b + 202 + 150, f.b + 202 + 151, f.n - 202 - 151);
    f.n--; /* line 2 is 199 bytes */
    refused(&f, 2, NULL);
    assert_non_null(strstr(err_detail(), "199 バイト"));

    f = (struct file){.crlf = false};
    statement_file(&f);
    f.b[200 + 21] = '3'; /* 入払区分 3 */
    refused(&f, 2, "direction");

    f = (struct file){.crlf = false};
    statement_file(&f);
    memcpy(f.b + 4 * 200 + 1, "01", 2); /* second group says 01 */
    refused(&f, 5, "kind_code");

    f = (struct file){.crlf = false};
    statement_file(&f);
    memcpy(f.b + 3 * 200 + 56, "0000003", 7); /* record count */
    refused(&f, 4, "record_count");
}

/* ---------------------------------------------------------------------- */
/* Barcodes                                                               */
/* ---------------------------------------------------------------------- */

/* 91 | 123456 | 000000 000000000001234 | 1 | 261231 | 0 | 004321, check
 * digit by hand: weights 3, 1 from the right give 135, so 5. */
static const char good[] = "91123456000000000000000001234126123100043215";

static void
test_barcode_check_digit(void **state)
{
    (void)state;
    assert_int_equal(cvs_barcode_check_digit(good), 5);
    /* 012345 instead: 150, so 0 */
    assert_int_equal(
        cvs_barcode_check_digit("9112345600000000000000000123412612310012345"),
        0);
}

static void
test_barcode_fields(void **state)
{
    (void)state;
    struct cvs_barcode b;
    assert_int_equal(cvs_barcode_parse(good, &b), ERR_OK);
    assert_string_equal(b.biller, "123456");
    assert_int_equal(b.invoice_number, 1234);
    assert_int_equal(b.reissue, 1);
    assert_string_equal(b.pay_by, "2026-12-31");
    assert_false(b.stamp);
    assert_int_equal(b.amount_yen, 4321);
    /* as printed under the bars */
    assert_int_equal(cvs_barcode_parse("(91)123456-000000000000000001234-1-"
                                       "261231-0-004321-5",
                                       &b),
                     ERR_OK);
    assert_int_equal(b.amount_yen, 4321);
}

static void
test_bad_barcodes_are_refused(void **state)
{
    (void)state;
    struct cvs_barcode b;
    char s[64];
    snprintf(s, sizeof(s), "%s", good);
    s[43] = '4'; /* check digit */
    assert_int_equal(cvs_barcode_parse(s, &b), ERR_CVS_BARCODE);
    assert_non_null(strstr(err_detail(), "チェックデジット"));
    snprintf(s, sizeof(s), "%s", good);
    s[20] = '9'; /* a digit read wrong: the check digit catches it */
    assert_int_equal(cvs_barcode_parse(s, &b), ERR_CVS_BARCODE);
    assert_int_equal(cvs_barcode_parse("9112345600000000", &b),
                     ERR_CVS_BARCODE);
    assert_non_null(strstr(err_detail(), "44 桁"));
    snprintf(s, sizeof(s), "%s0", good);
    assert_int_equal(cvs_barcode_parse(s, &b), ERR_CVS_BARCODE);
    snprintf(s, sizeof(s), "%s", good);
    s[5] = 'A';
    assert_int_equal(cvs_barcode_parse(s, &b), ERR_CVS_BARCODE);
    /* AI 92, check digit made right: still refused */
    snprintf(s, sizeof(s), "%s", good);
    s[1] = '2';
    s[43] = (char)('0' + cvs_barcode_check_digit(s));
    assert_int_equal(cvs_barcode_parse(s, &b), ERR_CVS_BARCODE);
    assert_non_null(strstr(err_detail(), "91"));
    /* deadline 2026-02-30, check digit made right */
    snprintf(s, sizeof(s), "%s", good);
    memcpy(s + 30, "260230", 6);
    s[43] = (char)('0' + cvs_barcode_check_digit(s));
    assert_int_equal(cvs_barcode_parse(s, &b), ERR_CVS_BARCODE);
    /* stamp flag 2 */
    snprintf(s, sizeof(s), "%s", good);
    s[36] = '2';
    s[43] = (char)('0' + cvs_barcode_check_digit(s));
    assert_int_equal(cvs_barcode_parse(s, &b), ERR_CVS_BARCODE);
    /* the free area holds more than an invoice number */
    snprintf(s, sizeof(s), "%s", good);
    s[8] = '7';
    s[43] = (char)('0' + cvs_barcode_check_digit(s));
    assert_int_equal(cvs_barcode_parse(s, &b), ERR_CVS_BARCODE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deposit_notice_every_field),
        cmocka_unit_test(test_statement_with_two_accounts),
        cmocka_unit_test(test_reiwa_dates),
        cmocka_unit_test(test_broken_files_name_line_and_field),
        cmocka_unit_test(test_barcode_check_digit),
        cmocka_unit_test(test_barcode_fields),
        cmocka_unit_test(test_bad_barcodes_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
