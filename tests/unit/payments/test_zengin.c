/*
 * test_zengin.c — the Zengin direct-debit files (src/payments/zengin.c,
 * zengin_kana.c): the layout table tiles each record; names go to the
 * Zengin character set (voiced marks apart, small kana large, widths,
 * case, hiragana) and anything else is refused with its position; the
 * writer's records against bytes written out here by hand, field by
 * field, with both line-end settings; every kind of bad input named by
 * line and field; truncation only when asked; a request turned into a
 * result as a bank would and read back; and the reader refusing each
 * kind of broken file with the line (record) and field at fault.
 */
#include "core/buf.h"
#include "payments/zengin.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define SP1  " "
#define SP5  "     "
#define SP10 "          "

/* ---------------------------------------------------------------------- */
/* Expected records, by hand                                              */
/* ---------------------------------------------------------------------- */

/* The records byte by byte, field by field (clang-format off keeps the
 * columns). */
// clang-format off
static const char header_rec[] =
    "1"                                  /*   1     record type */
    "91"                                 /*   2-3   kind: 口座振替 */
    "0"                                  /*   4     code set: JIS */
    "0012345678"                         /*   5-14  requester code */
    "\xCB\xDF\xDB\xC2\xC4\xB6\xDE\xBD"   /*  15-54  ﾋﾟﾛﾂﾄｶﾞｽ */
    "(" "\xB6" SP10 SP10 SP10            /*         (ｶ + 30 spaces */
    "0527"                               /*  55-58  debit date MMDD */
    "0184"                               /*  59-62  bank code */
    "\xD0\xD4\xBB\xDE\xB7" SP10          /*  63-77  ﾐﾔｻﾞｷ + 10 */
    "001"                                /*  78-80  branch code */
    "\xCE\xDD\xC3\xDD" SP10 SP1          /*  81-95  ﾎﾝﾃﾝ + 11 */
    "1"                                  /*  96     account type */
    "1234567"                            /*  97-103 account number */
    SP10 SP5 SP1 SP1;                    /* 104-120 filler */

static const char data1_rec[] =
    "2"                                  /*   1     record type */
    "0001"                               /*   2-5   bank code */
    "\xD0\xBD\xDE\xCE" SP10 SP1          /*   6-20  ﾐｽﾞﾎ + 11 */
    "123"                                /*  21-23  branch code */
    "\xBC\xCC\xDE\xD4" SP10 SP1          /*  24-38  ｼﾌﾞﾔ + 11 */
    SP1 SP1 SP1 SP1                      /*  39-42  filler */
    "1"                                  /*  43     account type */
    "0000765"                            /*  44-50  account number */
    "\xD4\xCF\xC0\xDE" " " "\xC0\xDB\xB3" /* 51-80  ﾔﾏﾀﾞ ﾀﾛｳ */
    SP10 SP10 SP1 SP1                    /*         + 22 spaces */
    "0000005432"                         /*  81-90  amount */
    "1"                                  /*  91     new code */
    "00000000000000000042"               /*  92-111 customer number */
    "0"                                  /* 112     result code */
    SP5 SP1 SP1 SP1;                     /* 113-120 filler */

static const char data2_rec[] =
    "2"                                  /*   1     record type */
    "0005"                               /*   2-5   bank code */
    "MUFG" SP10 SP1                      /*   6-20  from ＭＵＦＧ */
    "456"                                /*  21-23  branch code */
    SP10 SP5                             /*  24-38  no branch name */
    SP1 SP1 SP1 SP1                      /*  39-42  filler */
    "2"                                  /*  43     account type */
    "1234567"                            /*  44-50  account number */
    "\xB6\xCC\xDE\xBC\xB7\xB6\xDE\xB2"   /*  51-80  ｶﾌﾞｼｷｶﾞｲ */
    "\xBC\xD4" " " "\xCA\xDF\xB2\xDB"    /*         ｼﾔ ﾊﾟｲﾛ */
    "\xC2\xC4" SP10 SP1 SP1 SP1          /*         ﾂﾄ + 13 spaces */
    "0000012000"                         /*  81-90  amount */
    "0"                                  /*  91     new code */
    "00000000000000000099"               /*  92-111 customer number */
    "0"                                  /* 112     result code */
    SP5 SP1 SP1 SP1;                     /* 113-120 filler */

static const char trailer_rec[] =
    "8"                                  /*   1     record type */
    "000002"                             /*   2-7   total count */
    "000000017432"                       /*   8-19  total amount */
    "000000"                             /*  20-25  debited count */
    "000000000000"                       /*  26-37  debited amount */
    "000000"                             /*  38-43  failed count */
    "000000000000"                       /*  44-55  failed amount */
    SP10 SP10 SP10 SP10 SP10 SP10 SP5;   /*  56-120 filler */

static const char end_rec[] =
    "9"                                  /*   1     record type */
    SP10 SP10 SP10 SP10 SP10 SP10 SP10   /*   2-120 filler */
    SP10 SP10 SP10 SP10 SP5 SP1 SP1 SP1 SP1;
// clang-format on

static const struct zengin_requester requester = {
    .requester_code = "0012345678",
    .requester_name = "ピロットガス（カ",
    .debit_date = "0527",
    .bank_code = "0184",
    .bank_name = "ミヤザキ",
    .branch_code = "001",
    .branch_name = "ほんてん",
    .account_type = 1,
    .account_number = "1234567",
};

static const struct zengin_debit debit1 = {
    .bank_code = "0001",
    .bank_name = "ミズホ",
    .branch_code = "123",
    .branch_name = "シブヤ",
    .account_type = 1,
    .account_number = "765",
    .depositor_name = "やまだ\u3000たろう",
    .amount_yen = 5432,
    .new_code = 1,
    .customer_number = "42",
};

static const struct zengin_debit debit2 = {
    .bank_code = "0005",
    .bank_name = "ＭＵＦＧ",
    .branch_code = "456",
    .branch_name = NULL,
    .account_type = 2,
    .account_number = "1234567",
    .depositor_name = "ｶﾌﾞｼｷｶﾞｲｼｬ ﾊﾟｲﾛｯﾄ",
    .amount_yen = 12000,
    .new_code = 0,
    .customer_number = "00000000000000000099",
};

static void
test_expected_records_are_120_bytes(void **state)
{
    (void)state;
    assert_int_equal(sizeof(header_rec) - 1, ZENGIN_RECORD_LEN);
    assert_int_equal(sizeof(data1_rec) - 1, ZENGIN_RECORD_LEN);
    assert_int_equal(sizeof(data2_rec) - 1, ZENGIN_RECORD_LEN);
    assert_int_equal(sizeof(trailer_rec) - 1, ZENGIN_RECORD_LEN);
    assert_int_equal(sizeof(end_rec) - 1, ZENGIN_RECORD_LEN);
}

static void
test_layout_tiles_every_record(void **state)
{
    (void)state;
    size_t n;
    const struct zengin_field *f = zengin_layout(&n);
    const char *records = "1289";
    size_t i = 0;
    for (const char *r = records; *r; r++) {
        unsigned next = 1;
        assert_int_equal(f[i].record, *r);
        assert_string_equal(f[i].name, "record_type");
        for (; i < n && f[i].record == *r; i++) {
            assert_int_equal(f[i].pos, next);
            assert_true(f[i].len > 0);
            assert_non_null(strchr("NCF", f[i].type));
            assert_non_null(f[i].label);
            next += f[i].len;
        }
        assert_int_equal(next, ZENGIN_RECORD_LEN + 1);
    }
    assert_int_equal(i, n);
}

/* ---------------------------------------------------------------------- */
/* Characters                                                             */
/* ---------------------------------------------------------------------- */

/* Convert in to width bytes, which must be want (NUL-terminated here). */
static void
kana_is(const char *in, size_t width, const char *want)
{
    char out[64];
    struct zengin_fault fault = {0};
    bool cut = true;
    enum err rc = zengin_kana(in, 0, out, width, &cut, &fault);
    if (rc)
        fail_msg("%s: %s", in, err_detail());
    out[width] = '\0';
    assert_string_equal(out, want);
    assert_false(cut);
}

/* Convert in, which must fail with the character at pos. */
static void
kana_refused(const char *in, size_t pos, uint32_t cp)
{
    char out[64];
    struct zengin_fault fault = {0};
    assert_int_equal(zengin_kana(in, 0, out, 30, NULL, &fault),
                     ERR_ZENGIN_KANA);
    assert_int_equal(fault.pos, pos);
    assert_int_equal(fault.cp, cp);
}

static void
test_kana_voiced_marks_are_characters_of_their_own(void **state)
{
    (void)state;
    kana_is("ガ", 3, "\xB6\xDE ");                      /* ｶﾞ */
    kana_is("パ", 2, "\xCA\xDF");                       /* ﾊﾟ */
    kana_is("ヴ", 2, "\xB3\xDE");                       /* ｳﾞ */
    kana_is("が", 2, "\xB6\xDE");                       /* hiragana */
    kana_is("カ\u3099ハ\u309A", 4, "\xB6\xDE\xCA\xDF"); /* combining */
    kana_is("カ゛", 2, "\xB6\xDE");                     /* spacing ゛ */
    kana_is("ｶﾞ", 2, "\xB6\xDE");                       /* already so */
}

static void
test_kana_small_kana_become_large(void **state)
{
    (void)state;
    kana_is("ｯ", 1, "\xC2");                    /* ﾂ */
    kana_is("ッっ", 2, "\xC2\xC2");             /* ﾂﾂ */
    kana_is("キャュョ", 4, "\xB7\xD4\xD5\xD6"); /* ｷﾔﾕﾖ */
    kana_is("ｧｨｩｪｫｬｭｮ", 8, "\xB1\xB2\xB3\xB4\xB5\xD4\xD5\xD6");
    kana_is("ヶヵヮ", 3, "\xB9\xB6\xDC"); /* ｹｶﾜ */
    kana_is("ぁゎ", 2, "\xB1\xDC");       /* ｱﾜ */
}

static void
test_kana_widths_case_hiragana_and_symbols(void **state)
{
    (void)state;
    kana_is("ＡＢＣ１２３", 6, "ABC123");
    kana_is("abc xyz", 8, "ABC XYZ ");
    kana_is("ａｂｃ", 3, "ABC");
    kana_is("やまだ　はなこ", 9, "\xD4\xCF\xC0\xDE \xCA\xC5\xBA ");
    kana_is("ヤマダ ハナコ", 8, "\xD4\xCF\xC0\xDE \xCA\xC5\xBA");
    kana_is("コーヒー", 6, "\xBA\xB0\xCB\xB0  "); /* ｺｰﾋｰ */
    kana_is("（カ）．－／，", 7, "(\xB6).-/,");
    kana_is("(ｶ).-/,", 7, "(\xB6).-/,");
    kana_is("￥¥\\", 3, "\\\\\\"); /* 0x5C is ¥ */
    kana_is("「ア」", 3, "\xA2\xB1\xA3");
    kana_is("ヲ", 1, "\xA6");
    kana_is("ヰヱ", 2, "\xB2\xB4");         /* ｲｴ */
    kana_is("  ｱ  ｲ  ", 6, "\xB1  \xB2  "); /* ends trimmed */
    kana_is("", 3, "   ");
    kana_is(NULL, 2, "  ");
}

static void
test_kana_refuses_what_banks_do_not_take_naming_it(void **state)
{
    (void)state;
    kana_refused("ヤマダ太郎", 4, 0x592A);
    assert_non_null(strstr(err_detail(), "4 文字目"));
    assert_non_null(strstr(err_detail(), "「太」(U+592A)"));
    kana_refused("ﾀﾛｳ😀", 4, 0x1F600);
    kana_refused("ヤマダ・ハナコ", 4, 0x30FB);
    kana_refused("ア、イ", 2, 0x3001);
    kana_refused("ア。", 2, 0x3002);
    kana_refused("A&B", 2, '&');
    kana_refused("CAFÉ", 4, 0xC9);
    kana_refused("café", 4, 0xE9);
    kana_refused("ヤ\tマ", 2, '\t');
    assert_null(strstr(err_detail(), "\t")); /* not printed raw */
    kana_refused("〜", 1, 0x301C);
    kana_refused("ヽ", 1, 0x30FD);
    kana_refused("ア\xFF", 2, 0xFFFD); /* malformed UTF-8 */
    assert_non_null(strstr(err_detail(), "4 バイト目"));
}

static void
test_kana_too_long_unless_truncation_is_asked_for(void **state)
{
    (void)state;
    char out[8];
    struct zengin_fault fault = {0};
    bool cut = false;
    /* ｱｲｳｴｶﾞ is 6 bytes: ｶﾞ does not fit in 5 and is not split */
    assert_int_equal(zengin_kana("アイウエガ", 0, out, 5, &cut, &fault),
                     ERR_ZENGIN_KANA);
    assert_int_equal(fault.pos, 5);
    assert_int_equal(fault.cp, 0x30AC);
    assert_non_null(strstr(err_detail(), "半角 6 文字"));
    assert_int_equal(
        zengin_kana("アイウエガ", ZENGIN_KANA_TRUNCATE, out, 5, &cut, &fault),
        ERR_OK);
    assert_true(cut);
    assert_memory_equal(out, "\xB1\xB2\xB3\xB4 ", 5);
    /* past the cut is still checked */
    assert_int_equal(
        zengin_kana("アイウエオ漢", ZENGIN_KANA_TRUNCATE, out, 5, &cut, &fault),
        ERR_ZENGIN_KANA);
    assert_int_equal(fault.pos, 6);
    /* trailing spaces are not length */
    assert_int_equal(zengin_kana("アイウエオ   ", 0, out, 5, &cut, NULL),
                     ERR_OK);
    assert_false(cut);
    assert_memory_equal(out, "\xB1\xB2\xB3\xB4\xB5", 5);
}

static void
test_text_back_to_utf8(void **state)
{
    (void)state;
    char out[64];
    assert_true(zengin_text_utf8("\xD4\xCF\xC0\xDE A1(\\)", out, sizeof(out)));
    assert_string_equal(out, "ﾔﾏﾀﾞ A1(¥)");
    assert_true(zengin_text_utf8("", out, 1));
    assert_string_equal(out, "");
    assert_false(zengin_text_utf8("\xD4\xCF", out, 6));
    assert_string_equal(out, "");
    assert_true(zengin_text_utf8("\xD4\xCF", out, 7));
}

static void
test_result_names(void **state)
{
    (void)state;
    assert_string_equal(zengin_result_name(0), "振替済");
    assert_string_equal(zengin_result_name(1), "資金不足");
    assert_string_equal(zengin_result_name(8), "委託者の都合による振替停止");
    assert_null(zengin_result_name(5));
    assert_null(zengin_result_name(-1));
}

/* ---------------------------------------------------------------------- */
/* Writer                                                                 */
/* ---------------------------------------------------------------------- */

static void
test_writer_header_bytes(void **state)
{
    (void)state;
    struct buf out;
    struct zengin_writer w;
    buf_init(&out, 1 << 20);
    zengin_writer_init(&w, &out, ZENGIN_EOL_NONE, 0);
    assert_int_equal(zengin_write_header(&w, &requester, NULL), ERR_OK);
    assert_int_equal(out.len, ZENGIN_RECORD_LEN);
    assert_memory_equal(out.data, header_rec, ZENGIN_RECORD_LEN);
    buf_free(&out);
}

/* The whole two-debit request, with records separated by sep. */
static void
request_is(enum zengin_eol eol, const char *sep)
{
    struct buf out, want;
    struct zengin_totals t;
    const struct zengin_debit d[] = {debit1, debit2};
    buf_init(&out, 1 << 20);
    buf_init(&want, 1 << 20);
    const char *recs[] = {header_rec, data1_rec, data2_rec, trailer_rec,
                          end_rec};
    for (size_t i = 0; i < 5; i++) {
        buf_puts(&want, recs[i]);
        buf_puts(&want, sep);
    }
    assert_int_equal(
        zengin_write_request(&requester, d, 2, eol, 0, &out, &t, NULL), ERR_OK);
    assert_int_equal(out.len, want.len);
    assert_memory_equal(out.data, want.data, want.len);
    assert_int_equal(t.count, 2);
    assert_int_equal(t.amount_yen, 17432);
    assert_int_equal(t.debited_count + t.failed_count, 0);
    buf_free(&out);
    buf_free(&want);
}

static void
test_writer_request_bytes_with_and_without_crlf(void **state)
{
    (void)state;
    request_is(ZENGIN_EOL_NONE, "");
    request_is(ZENGIN_EOL_CRLF, "\r\n");
}

/* Write the header and d as the second debit: it must fail with e on
 * line 3 in field. */
static void
debit_refused(const struct zengin_debit *d, enum err e, const char *field)
{
    struct buf out;
    struct zengin_writer w;
    struct zengin_fault fault;
    buf_init(&out, 1 << 20);
    zengin_writer_init(&w, &out, ZENGIN_EOL_CRLF, 0);
    assert_int_equal(zengin_write_header(&w, &requester, &fault), ERR_OK);
    assert_int_equal(zengin_write_debit(&w, &debit1, &fault), ERR_OK);
    size_t len = out.len;
    if (zengin_write_debit(&w, d, &fault) != e)
        fail_msg("%s: got %s", field, err_detail());
    assert_int_equal(fault.line, 3);
    assert_string_equal(fault.field, field);
    assert_non_null(strstr(err_detail(), "3 行目（データ 2 件目）"));
    assert_int_equal(out.len, len); /* nothing written */
    assert_int_equal(w.totals.count, 1);
    buf_free(&out);
}

static void
test_writer_refuses_bad_debits_naming_line_and_field(void **state)
{
    (void)state;
    struct zengin_debit d = debit2;
    d.bank_code = "01A1";
    debit_refused(&d, ERR_ZENGIN_FIELD, "bank_code");
    d = debit2, d.bank_code = "184"; /* codes are exact */
    debit_refused(&d, ERR_ZENGIN_FIELD, "bank_code");
    d = debit2, d.branch_code = NULL;
    debit_refused(&d, ERR_ZENGIN_FIELD, "branch_code");
    d = debit2, d.account_type = 4;
    debit_refused(&d, ERR_ZENGIN_FIELD, "account_type");
    d = debit2, d.account_number = "12345678";
    debit_refused(&d, ERR_ZENGIN_FIELD, "account_number");
    d = debit2, d.account_number = "12-4567";
    debit_refused(&d, ERR_ZENGIN_FIELD, "account_number");
    d = debit2, d.depositor_name = "  ";
    debit_refused(&d, ERR_ZENGIN_FIELD, "depositor_name");
    d = debit2, d.depositor_name = "山田 太郎";
    debit_refused(&d, ERR_ZENGIN_KANA, "depositor_name");
    assert_non_null(strstr(err_detail(), "1 文字目の「山」"));
    d = debit2, d.bank_name = "みずほ銀行";
    debit_refused(&d, ERR_ZENGIN_KANA, "bank_name");
    d = debit2, d.amount_yen = 0;
    debit_refused(&d, ERR_ZENGIN_FIELD, "amount");
    d = debit2, d.amount_yen = ZENGIN_AMOUNT_MAX + 1;
    debit_refused(&d, ERR_ZENGIN_FIELD, "amount");
    d = debit2, d.new_code = 3;
    debit_refused(&d, ERR_ZENGIN_FIELD, "new_code");
    d = debit2, d.customer_number = "123456789012345678901";
    debit_refused(&d, ERR_ZENGIN_FIELD, "customer_number");
    d = debit2, d.customer_number = "A-12";
    debit_refused(&d, ERR_ZENGIN_FIELD, "customer_number");
    d = debit2, d.customer_number = "";
    debit_refused(&d, ERR_ZENGIN_FIELD, "customer_number");
}

static void
header_refused(const struct zengin_requester *r, enum err e, const char *field)
{
    struct buf out;
    struct zengin_writer w;
    struct zengin_fault fault;
    buf_init(&out, 1 << 20);
    zengin_writer_init(&w, &out, ZENGIN_EOL_NONE, 0);
    if (zengin_write_header(&w, r, &fault) != e)
        fail_msg("%s: got %s", field, err_detail());
    assert_int_equal(fault.line, 1);
    assert_string_equal(fault.field, field);
    assert_non_null(strstr(err_detail(), "1 行目（ヘッダー）"));
    assert_int_equal(out.len, 0);
    buf_free(&out);
}

static void
test_writer_refuses_a_bad_header(void **state)
{
    (void)state;
    struct zengin_requester r = requester;
    r.requester_code = "123456789";
    header_refused(&r, ERR_ZENGIN_FIELD, "requester_code");
    r = requester, r.requester_name = NULL;
    header_refused(&r, ERR_ZENGIN_FIELD, "requester_name");
    r = requester, r.requester_name = "ピロット瓦斯";
    header_refused(&r, ERR_ZENGIN_KANA, "requester_name");
    r = requester, r.debit_date = "0230";
    header_refused(&r, ERR_ZENGIN_FIELD, "debit_date");
    r = requester, r.debit_date = "1301";
    header_refused(&r, ERR_ZENGIN_FIELD, "debit_date");
    r = requester, r.debit_date = "527";
    header_refused(&r, ERR_ZENGIN_FIELD, "debit_date");
    r = requester, r.account_type = 0;
    header_refused(&r, ERR_ZENGIN_FIELD, "account_type");
    r = requester, r.account_number = "";
    header_refused(&r, ERR_ZENGIN_FIELD, "account_number");
    r = requester, r.debit_date = "0229"; /* some year has it */
    struct buf out;
    struct zengin_writer w;
    buf_init(&out, 1 << 20);
    zengin_writer_init(&w, &out, ZENGIN_EOL_NONE, 0);
    assert_int_equal(zengin_write_header(&w, &r, NULL), ERR_OK);
    buf_free(&out);
}

static void
test_writer_goes_on_after_a_bad_debit_and_keeps_order(void **state)
{
    (void)state;
    struct buf out;
    struct zengin_writer w;
    struct zengin_debit bad = debit2;
    struct zengin_file f;
    bad.amount_yen = -5;
    buf_init(&out, 1 << 20);
    zengin_writer_init(&w, &out, ZENGIN_EOL_NONE, 0);
    /* out of order is a bug in the caller */
    assert_int_equal(zengin_write_debit(&w, &debit1, NULL), ERR_INTERNAL);
    assert_int_equal(zengin_write_end(&w, NULL), ERR_INTERNAL);
    assert_int_equal(zengin_write_header(&w, &requester, NULL), ERR_OK);
    assert_int_equal(zengin_write_header(&w, &requester, NULL), ERR_INTERNAL);
    assert_int_equal(zengin_write_debit(&w, &debit1, NULL), ERR_OK);
    assert_int_equal(zengin_write_debit(&w, &bad, NULL), ERR_ZENGIN_FIELD);
    assert_int_equal(zengin_write_debit(&w, &debit2, NULL), ERR_OK);
    assert_int_equal(zengin_write_end(&w, NULL), ERR_OK);
    assert_int_equal(zengin_write_debit(&w, &debit1, NULL), ERR_INTERNAL);
    assert_int_equal(out.len, 5 * ZENGIN_RECORD_LEN);
    assert_memory_equal(out.data + 2 * ZENGIN_RECORD_LEN, data2_rec,
                        ZENGIN_RECORD_LEN);
    assert_memory_equal(out.data + 3 * ZENGIN_RECORD_LEN, trailer_rec,
                        ZENGIN_RECORD_LEN);
    assert_int_equal(zengin_read(out.data, out.len, ZENGIN_REQUEST, &f, NULL),
                     ERR_OK);
    assert_int_equal(f.n_records, 2);
    zengin_file_free(&f);
    buf_free(&out);
}

static void
test_writer_truncates_names_only_when_asked(void **state)
{
    (void)state;
    struct buf out;
    struct zengin_writer w;
    struct zengin_fault fault;
    struct zengin_debit d = debit1;
    /* 35 half-width characters */
    d.depositor_name = "アイウエオカキクケコサシスセソタチツテトナニヌネノ"
                       "ハヒフヘホマミムメモ";
    buf_init(&out, 1 << 20);
    zengin_writer_init(&w, &out, ZENGIN_EOL_NONE, 0);
    assert_int_equal(zengin_write_header(&w, &requester, NULL), ERR_OK);
    assert_int_equal(zengin_write_debit(&w, &d, &fault), ERR_ZENGIN_KANA);
    assert_string_equal(fault.field, "depositor_name");
    assert_int_equal(fault.pos, 31);
    buf_free(&out);

    buf_init(&out, 1 << 20);
    zengin_writer_init(&w, &out, ZENGIN_EOL_NONE, ZENGIN_KANA_TRUNCATE);
    assert_int_equal(zengin_write_header(&w, &requester, NULL), ERR_OK);
    assert_int_equal(w.truncated, 0);
    assert_int_equal(zengin_write_debit(&w, &d, &fault), ERR_OK);
    assert_int_equal(w.truncated, 1);
    assert_memory_equal(out.data + ZENGIN_RECORD_LEN + 50,
                        "\xB1\xB2\xB3\xB4\xB5\xB6\xB7\xB8\xB9\xBA"
                        "\xBB\xBC\xBD\xBE\xBF\xC0\xC1\xC2\xC3\xC4"
                        "\xC5\xC6\xC7\xC8\xC9\xCA\xCB\xCC\xCD\xCE"
                        "0000005432",
                        40);
    buf_free(&out);
}

static void
test_writer_respects_the_buffer_maximum(void **state)
{
    (void)state;
    struct buf out;
    struct zengin_fault fault;
    const struct zengin_debit d[] = {debit1, debit2};
    buf_init(&out, 3 * ZENGIN_RECORD_LEN + 10);
    assert_int_equal(zengin_write_request(&requester, d, 2, ZENGIN_EOL_NONE, 0,
                                          &out, NULL, &fault),
                     ERR_TOO_LARGE);
    assert_int_equal(fault.line, 4);
    buf_free(&out);
}

/* ---------------------------------------------------------------------- */
/* Reader                                                                 */
/* ---------------------------------------------------------------------- */

static const struct zengin_debit five[] = {
    {"0001", "ミズホ", "123", "シブヤ", 1, "765", "ヤマダ タロウ", 3000, 1,
     "1001"},
    {"0005", NULL, "456", NULL, 1, "1111111", "スズキ ハナコ", 4500, 0, "1002"},
    {"0009", "ミツイスミトモ", "789", "ナゴヤ", 2, "2222222", "サトウ ジロウ",
     1200, 0, "1003"},
    {"0184", "ミヤザキ", "001", "ホンテン", 1, "3333333",
     "カ) パイロット ショウジ", ZENGIN_AMOUNT_MAX, 2, "1004"},
    {"0001", "ミズホ", "123", "シブヤ", 9, "4444444", "タナカ イチロウ", 1, 0,
     "1005"},
};

static const int five_results[] = {0, 1, 0, 2, 9};

/* The five-debit request, written with eol. */
static void
make_request(enum zengin_eol eol, struct buf *out)
{
    buf_init(out, 1 << 20);
    assert_int_equal(
        zengin_write_request(&requester, five, 5, eol, 0, out, NULL, NULL),
        ERR_OK);
}

static size_t
stride(enum zengin_eol eol)
{
    return ZENGIN_RECORD_LEN + (eol == ZENGIN_EOL_CRLF ? 2 : 0);
}

/* Put the number v zero-filled into the len bytes at 1-based pos. */
static void
poke(char *rec, size_t pos, size_t len, long long v)
{
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%0*lld", (int)len, v);
    memcpy(rec + pos - 1, tmp, len);
}

/* What a bank sends back for the request in b: result codes in the data
 * records (codes[i] for debit i) and the debited/failed trailer parts. */
static void
make_result(struct buf *b, enum zengin_eol eol, size_t n, const int *codes)
{
    long long ok_n = 0, ok_yen = 0, bad_n = 0, bad_yen = 0;
    for (size_t i = 0; i < n; i++) {
        char *rec = b->data + (i + 1) * stride(eol);
        rec[111] = (char)('0' + codes[i]);
        long long yen = five[i].amount_yen;
        if (codes[i] == 0)
            ok_n++, ok_yen += yen;
        else
            bad_n++, bad_yen += yen;
    }
    char *t = b->data + (n + 1) * stride(eol);
    poke(t, 20, 6, ok_n);
    poke(t, 26, 12, ok_yen);
    poke(t, 38, 6, bad_n);
    poke(t, 44, 12, bad_yen);
}

static void
check_five(const struct zengin_file *f)
{
    assert_string_equal(f->header.requester_code, "0012345678");
    assert_string_equal(f->header.requester_name,
                        "\xCB\xDF\xDB\xC2\xC4\xB6\xDE\xBD(\xB6");
    assert_string_equal(f->header.debit_date, "0527");
    assert_string_equal(f->header.bank_code, "0184");
    assert_string_equal(f->header.branch_code, "001");
    assert_int_equal(f->header.account_type, 1);
    assert_string_equal(f->header.account_number, "1234567");
    assert_int_equal(f->n_records, 5);
    for (size_t i = 0; i < 5; i++) {
        const struct zengin_record *r = &f->records[i];
        char want[21];
        snprintf(want, sizeof(want), "%020d", 1001 + (int)i);
        assert_int_equal(r->line, i + 2);
        assert_string_equal(r->customer_number, want);
        assert_string_equal(r->bank_code, five[i].bank_code);
        assert_string_equal(r->branch_code, five[i].branch_code);
        assert_int_equal(r->account_type, five[i].account_type);
        assert_int_equal(r->amount_yen, five[i].amount_yen);
        assert_int_equal(r->new_code, five[i].new_code);
    }
    assert_string_equal(f->records[0].account_number, "0000765");
    assert_string_equal(f->records[0].depositor_name,
                        "\xD4\xCF\xC0\xDE \xC0\xDB\xB3"); /* ﾔﾏﾀﾞ ﾀﾛｳ */
    assert_string_equal(f->records[1].bank_name, "");
    char name[100];
    assert_true(
        zengin_text_utf8(f->records[3].depositor_name, name, sizeof(name)));
    assert_string_equal(name, "ｶ) ﾊﾟｲﾛﾂﾄ ｼﾖｳｼﾞ");
}

static void
round_trip(enum zengin_eol eol, const char *tail)
{
    struct buf b;
    struct zengin_file f;
    struct zengin_fault fault;
    make_request(eol, &b);
    make_result(&b, eol, 5, five_results);
    buf_puts(&b, tail);
    if (zengin_read(b.data, b.len, ZENGIN_RESULT, &f, &fault))
        fail_msg("%s", err_detail());
    check_five(&f);
    assert_int_equal(f.eol, eol);
    assert_int_equal(f.eof_mark, strchr(tail, 0x1A) != NULL);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(f.records[i].result, five_results[i]);
    assert_int_equal(f.totals.count, 5);
    assert_int_equal(f.totals.amount_yen,
                     3000 + 4500 + 1200 + 1 + ZENGIN_AMOUNT_MAX);
    assert_int_equal(f.totals.debited_count, 2);
    assert_int_equal(f.totals.debited_yen, 4200);
    assert_int_equal(f.totals.failed_count, 3);
    assert_int_equal(f.totals.failed_yen, 4501 + ZENGIN_AMOUNT_MAX);
    zengin_file_free(&f);
    assert_null(f.records);
    buf_free(&b);
}

static void
test_reader_round_trip_request_to_result(void **state)
{
    (void)state;
    round_trip(ZENGIN_EOL_CRLF, "");
    round_trip(ZENGIN_EOL_NONE, "");
    round_trip(ZENGIN_EOL_CRLF, "\x1A"); /* MS-DOS end of file */
    round_trip(ZENGIN_EOL_NONE, "\x1A");
    round_trip(ZENGIN_EOL_NONE, "\r\n"); /* one CR LF at the very end */
    round_trip(ZENGIN_EOL_NONE, "\r\n\x1A");
}

static void
test_reader_last_line_may_lack_its_crlf(void **state)
{
    (void)state;
    struct buf b;
    struct zengin_file f;
    make_request(ZENGIN_EOL_CRLF, &b);
    make_result(&b, ZENGIN_EOL_CRLF, 5, five_results);
    assert_int_equal(zengin_read(b.data, b.len - 2, ZENGIN_RESULT, &f, NULL),
                     ERR_OK);
    check_five(&f);
    zengin_file_free(&f);
    buf_free(&b);
}

static void
test_reader_reads_our_request_as_a_request_only(void **state)
{
    (void)state;
    struct buf b;
    struct zengin_file f;
    struct zengin_fault fault;
    make_request(ZENGIN_EOL_CRLF, &b);
    assert_int_equal(zengin_read(b.data, b.len, ZENGIN_REQUEST, &f, &fault),
                     ERR_OK);
    check_five(&f);
    assert_int_equal(f.totals.debited_count, 0);
    zengin_file_free(&f);
    /* as a result, its trailer says nothing was debited: refused */
    assert_int_equal(zengin_read(b.data, b.len, ZENGIN_RESULT, &f, &fault),
                     ERR_ZENGIN_FORMAT);
    assert_int_equal(fault.line, 7);
    assert_string_equal(fault.field, "debited_count");
    assert_null(f.records);
    /* and a result is not a request */
    make_result(&b, ZENGIN_EOL_CRLF, 5, five_results);
    assert_int_equal(zengin_read(b.data, b.len, ZENGIN_REQUEST, &f, &fault),
                     ERR_ZENGIN_FORMAT);
    assert_int_equal(fault.line, 3);
    assert_string_equal(fault.field, "result_code");
    buf_free(&b);
}

/* Read p (n bytes) as a result: refused on line, in field (NULL: none),
 * and err_detail() names the line as want does. */
static void
refused(const char *p, size_t n, size_t line, const char *field,
        const char *want)
{
    struct zengin_file f;
    struct zengin_fault fault;
    enum err rc = zengin_read(p, n, ZENGIN_RESULT, &f, &fault);
    if (rc != ERR_ZENGIN_FORMAT)
        fail_msg("expected a format error on line %zu, got %d", line, rc);
    if (fault.line != line)
        fail_msg("line %zu, expected %zu: %s", fault.line, line, err_detail());
    if (field)
        assert_string_equal(fault.field, field);
    else
        assert_null(fault.field);
    if (want && !strstr(err_detail(), want))
        fail_msg("'%s' not in '%s'", want, err_detail());
    assert_null(f.records);
    assert_int_equal(f.n_records, 0);
}

/* A fresh five-debit result with CR LF. */
static void
good(struct buf *b)
{
    make_request(ZENGIN_EOL_CRLF, b);
    make_result(b, ZENGIN_EOL_CRLF, 5, five_results);
}

/* Record line (1-based) of a CR LF file. */
static char *
line_of(struct buf *b, size_t line)
{
    return b->data + (line - 1) * 122;
}

static void
test_reader_refuses_bad_lengths_and_line_ends(void **state)
{
    (void)state;
    struct buf b;
    good(&b);
    /* line 3 one byte short: the CR LF moves up */
    memmove(line_of(&b, 3) + 119, line_of(&b, 3) + 120, b.len - 2 * 122 - 120);
    refused(b.data, b.len - 1, 3, NULL, "3 行目: 119 バイトです");
    buf_free(&b);

    good(&b);
    line_of(&b, 4)[120] = ' '; /* LF alone after line 4 */
    refused(b.data, b.len, 4, NULL, "LF だけ");
    buf_free(&b);

    good(&b);
    line_of(&b, 2)[60] = '\r';
    refused(b.data, b.len, 2, NULL, "61 桁目に CR");
    buf_free(&b);

    /* without line breaks: a record cut short at the end */
    make_request(ZENGIN_EOL_NONE, &b);
    make_result(&b, ZENGIN_EOL_NONE, 5, five_results);
    refused(b.data, b.len - 7, 8, NULL,
            "8 レコード目（先頭から 841 バイト目）");
    /* a CR inside a record, no LF anywhere */
    b.data[130] = '\r';
    refused(b.data, b.len, 2, NULL, "11 桁目に CR");
    buf_free(&b);
}

static void
test_reader_refuses_bad_order(void **state)
{
    (void)state;
    struct buf b;
    good(&b);
    refused(b.data, 0, 1, NULL, "空のファイル");
    refused(NULL, 0, 1, NULL, "空のファイル");
    /* missing trailer and end */
    refused(b.data, 6 * 122, 7, NULL, "トレーラー (8) がありません");
    /* missing end record */
    refused(b.data, 7 * 122, 8, NULL, "エンド (9) がありません");
    /* no header */
    refused(b.data + 122, b.len - 122, 1, "record_type", "ヘッダー (1)");
    /* data after the end record */
    char copy[122];
    memcpy(copy, line_of(&b, 2), sizeof(copy));
    buf_append(&b, copy, sizeof(copy));
    refused(b.data, b.len, 9, NULL, "エンドレコードの後");
    buf_free(&b);

    good(&b);
    line_of(&b, 2)[0] = 'X';
    refused(b.data, b.len, 2, "record_type", "0x58");
    line_of(&b, 2)[0] = '9'; /* end without trailer */
    refused(b.data, b.len, 2, "record_type", "トレーラー (8) がないまま");
    line_of(&b, 2)[0] = '1'; /* a second group */
    refused(b.data, b.len, 2, "record_type", "2 つ目のヘッダー");
    buf_free(&b);

    good(&b);
    line_of(&b, 8)[0] = '2'; /* trailer, then data instead of the end */
    refused(b.data, b.len, 8, "record_type", "エンド (9) のはず");
    buf_free(&b);
}

static void
test_reader_refuses_bad_fields(void **state)
{
    (void)state;
    struct buf b;
    good(&b);
    line_of(&b, 3)[84] = 'A'; /* amount, byte 85 */
    refused(b.data, b.len, 3, "amount",
            "3 行目（データ 2 件目）の引落金額 amount（81–90 桁目）: 85 桁目");
    buf_free(&b);

    good(&b);
    line_of(&b, 4)[111] = '5';
    refused(b.data, b.len, 4, "result_code", "5 は振替結果コード");
    line_of(&b, 4)[111] = ' ';
    refused(b.data, b.len, 4, "result_code", "0x20");
    buf_free(&b);

    good(&b);
    line_of(&b, 1)[1] = '2'; /* 21: 総合振込, not ours */
    refused(b.data, b.len, 1, "kind_code", "21 は口座振替");
    buf_free(&b);

    good(&b);
    line_of(&b, 1)[3] = '1'; /* EBCDIC */
    refused(b.data, b.len, 1, "code_set", NULL);
    buf_free(&b);

    good(&b);
    memcpy(line_of(&b, 1) + 54, "0231", 4);
    refused(b.data, b.len, 1, "debit_date", "0231");
    buf_free(&b);

    good(&b);
    line_of(&b, 5)[55] = (char)0xE0; /* not JIS X 0201 */
    refused(b.data, b.len, 5, "depositor_name", "0xE0");
    line_of(&b, 5)[55] = '\t';
    refused(b.data, b.len, 5, "depositor_name", "0x09");
    buf_free(&b);

    good(&b);
    line_of(&b, 6)[45] = '/';
    refused(b.data, b.len, 6, "account_number", NULL);
    buf_free(&b);
}

static void
test_reader_refuses_trailers_that_do_not_add_up(void **state)
{
    (void)state;
    struct buf b;
    good(&b);
    poke(line_of(&b, 7), 2, 6, 6);
    refused(b.data, b.len, 7, "total_count",
            "6 ですが、データレコードからは 5");
    buf_free(&b);

    good(&b);
    poke(line_of(&b, 7), 8, 12, 1);
    refused(b.data, b.len, 7, "total_amount", NULL);
    buf_free(&b);

    good(&b);
    line_of(&b, 2)[111] = '1'; /* a debit failed, the trailer not told */
    refused(b.data, b.len, 7, "debited_count", NULL);
    buf_free(&b);

    good(&b);
    poke(line_of(&b, 7), 26, 12, 4201);
    refused(b.data, b.len, 7, "debited_amount", NULL);
    buf_free(&b);

    good(&b);
    poke(line_of(&b, 7), 44, 12, 0);
    refused(b.data, b.len, 7, "failed_amount", NULL);
    buf_free(&b);
}

static void
test_reader_refuses_oversized_input_before_reading_it(void **state)
{
    (void)state;
    struct zengin_file f;
    /* the size is checked before a byte is read */
    assert_int_equal(
        zengin_read("", (size_t)ZENGIN_FILE_MAX + 1, ZENGIN_RESULT, &f, NULL),
        ERR_TOO_LARGE);
    assert_null(f.records);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expected_records_are_120_bytes),
        cmocka_unit_test(test_layout_tiles_every_record),
        cmocka_unit_test(test_kana_voiced_marks_are_characters_of_their_own),
        cmocka_unit_test(test_kana_small_kana_become_large),
        cmocka_unit_test(test_kana_widths_case_hiragana_and_symbols),
        cmocka_unit_test(test_kana_refuses_what_banks_do_not_take_naming_it),
        cmocka_unit_test(test_kana_too_long_unless_truncation_is_asked_for),
        cmocka_unit_test(test_text_back_to_utf8),
        cmocka_unit_test(test_result_names),
        cmocka_unit_test(test_writer_header_bytes),
        cmocka_unit_test(test_writer_request_bytes_with_and_without_crlf),
        cmocka_unit_test(test_writer_refuses_bad_debits_naming_line_and_field),
        cmocka_unit_test(test_writer_refuses_a_bad_header),
        cmocka_unit_test(test_writer_goes_on_after_a_bad_debit_and_keeps_order),
        cmocka_unit_test(test_writer_truncates_names_only_when_asked),
        cmocka_unit_test(test_writer_respects_the_buffer_maximum),
        cmocka_unit_test(test_reader_round_trip_request_to_result),
        cmocka_unit_test(test_reader_last_line_may_lack_its_crlf),
        cmocka_unit_test(test_reader_reads_our_request_as_a_request_only),
        cmocka_unit_test(test_reader_refuses_bad_lengths_and_line_ends),
        cmocka_unit_test(test_reader_refuses_bad_order),
        cmocka_unit_test(test_reader_refuses_bad_fields),
        cmocka_unit_test(test_reader_refuses_trailers_that_do_not_add_up),
        cmocka_unit_test(test_reader_refuses_oversized_input_before_reading_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
