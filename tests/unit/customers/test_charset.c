/*
 * test_charset.c — charset detection and conversion (src/customers/
 * charset.c): Shift_JIS (CP932) bytes written out by hand, half-width
 * kana kept, NEC/IBM extensions, BOM handling, invalid bytes refused with
 * their offset and line, output to Shift_JIS with 〓 for what CP932 lacks,
 * chunk boundaries, and the folding of headings.
 */
#include "core/xalloc.h"
#include "customers/charset.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* in (n bytes, cs) as UTF-8; the conversion must succeed. */
static char *
to_utf8(const char *in, size_t n, enum charset cs, enum charset *used)
{
    struct buf b;
    struct charset_error where;
    buf_init(&b, 1 << 20);
    assert_int_equal(charset_to_utf8(in, n, cs, &b, used, &where), ERR_OK);
    buf_putc(&b, '\0'); /* an empty result still gets a buffer */
    return buf_steal(&b);
}

static void
test_names(void **state)
{
    (void)state;
    enum charset cs = CHARSET_UTF8;
    assert_true(charset_parse("auto", &cs));
    assert_int_equal(cs, CHARSET_AUTO);
    assert_true(charset_parse("Shift_JIS", &cs));
    assert_int_equal(cs, CHARSET_SJIS);
    assert_true(charset_parse("CP932", &cs));
    assert_int_equal(cs, CHARSET_SJIS);
    assert_true(charset_parse("UTF-8", &cs));
    assert_int_equal(cs, CHARSET_UTF8);
    assert_false(charset_parse("euc-jp", &cs));
    assert_false(charset_parse(NULL, &cs));
    assert_string_equal(charset_name(CHARSET_SJIS), "shift_jis");
}

static void
test_detection(void **state)
{
    (void)state;
    assert_int_equal(charset_detect("\xEF\xBB\xBF\x82\xa0", 5), CHARSET_UTF8);
    assert_int_equal(charset_detect("number,name\n", 12), CHARSET_UTF8);
    assert_int_equal(charset_detect("田中", strlen("田中")), CHARSET_UTF8);
    /* 田中 in Shift_JIS */
    assert_int_equal(charset_detect("\x93\x63\x92\x86", 4), CHARSET_SJIS);
    assert_int_equal(charset_detect("", 0), CHARSET_UTF8);
}

static void
test_shift_jis_with_half_width_kana_to_utf8(void **state)
{
    (void)state;
    enum charset used;
    /* 田中,ｶﾞｽ,①,ﾀﾞ\ (CP932: NEC ① 0x8740, half-width kana 1 byte) */
    static const char in[] = "\x93\x63\x92\x86,\xb6\xde\xbd,\x87\x40,"
                             "\xc0\xde\x5c\r\n";
    char *s = to_utf8(in, strlen(in), CHARSET_AUTO, &used);
    assert_int_equal(used, CHARSET_SJIS);
    /* half-width kana stay half-width: ｶﾞ is two characters */
    assert_string_equal(s, "田中,ｶﾞｽ,①,ﾀﾞ\\\r\n");
    free(s);
    /* IBM extension 0xFA40 (ⅰ) and ～ 0x8160 */
    s = to_utf8("\xfa\x40\x81\x60", 4, CHARSET_SJIS, &used);
    assert_string_equal(s, "ⅰ～");
    free(s);
}

static void
test_bom_is_dropped(void **state)
{
    (void)state;
    enum charset used;
    char *s = to_utf8("\xEF\xBB\xBF顧客番号\n", 3 + strlen("顧客番号\n"),
                      CHARSET_AUTO, &used);
    assert_int_equal(used, CHARSET_UTF8);
    assert_string_equal(s, "顧客番号\n");
    free(s);
    s = to_utf8("\xEF\xBB\xBF", 3, CHARSET_UTF8, &used);
    assert_string_equal(s, "");
    free(s);
}

/* Converting in must fail with ERR_IMPORT_CHARSET at offset, line. */
static void
refused(const char *in, size_t n, enum charset cs, size_t offset, size_t line)
{
    struct buf b;
    struct charset_error where;
    enum charset used;
    buf_init(&b, 1 << 20);
    assert_int_equal(charset_to_utf8(in, n, cs, &b, &used, &where),
                     ERR_IMPORT_CHARSET);
    assert_int_equal(where.offset, offset);
    assert_int_equal(where.line, line);
    buf_free(&b);
}

static void
test_invalid_bytes_are_refused_with_offset_and_line(void **state)
{
    (void)state;
    /* Shift_JIS: 0xA0 is no character; line 3 (CRLF, then LF) */
    refused("a,b\r\n\x93\x63\n1,\xa0\n", 12, CHARSET_AUTO, 10, 3);
    assert_non_null(strstr(err_detail(), "3 行目"));
    assert_non_null(strstr(err_detail(), "0xA0"));
    /* a lead byte cut off by the end of the file */
    refused("ab\n\x82", 4, CHARSET_SJIS, 3, 2);
    /* a lead byte followed by a byte that cannot trail it */
    refused("\x82\x20x", 3, CHARSET_SJIS, 0, 1);
    /* UTF-8 asked for, Shift_JIS given */
    refused("ok\n\x93\x63", 5, CHARSET_UTF8, 3, 2);
    /* overlong and surrogate forms are not UTF-8 */
    refused("\xC0\xAF", 2, CHARSET_UTF8, 0, 1);
    refused("x\xED\xA0\x80", 4, CHARSET_UTF8, 1, 1);
    /* a lone CR ends a line too */
    refused("a\rb\r\xff", 5, CHARSET_UTF8, 4, 3);
}

static void
test_utf8_to_shift_jis(void **state)
{
    (void)state;
    struct buf b;
    size_t sub = 0;
    buf_init(&b, 1024);
    /* 田中ｶﾞ, then the Unicode forms of CP932's 〜 − — and ¥ */
    const char *s = "田中ｶﾞ〜−—¥";
    assert_int_equal(charset_utf8_to_sjis(s, strlen(s), &b, &sub), ERR_OK);
    assert_int_equal(sub, 0);
    assert_int_equal(b.len, 4 + 2 + 2 + 2 + 2 + 2);
    assert_memory_equal(b.data,
                        "\x93\x63\x92\x86\xb6\xde\x81\x60\x81\x7c\x81\x5c"
                        "\x81\x8f",
                        b.len);
    buf_free(&b);
}

static void
test_what_shift_jis_lacks_becomes_geta_and_is_counted(void **state)
{
    (void)state;
    struct buf b;
    size_t sub = 0;
    buf_init(&b, 1024);
    /* 𠮷 (outside the BMP), é, and an emoji between kept characters */
    const char *s = "a𠮷béc😀d";
    assert_int_equal(charset_utf8_to_sjis(s, strlen(s), &b, &sub), ERR_OK);
    assert_int_equal(sub, 3);
    assert_int_equal(b.len, 4 + 3 * 2);
    assert_memory_equal(b.data,
                        "a\x81\xac"
                        "b\x81\xac"
                        "c\x81\xac"
                        "d",
                        b.len);
    buf_free(&b);
    buf_init(&b, 1024);
    assert_int_equal(charset_utf8_to_sjis("\xff", 1, &b, &sub), ERR_INVALID);
    buf_free(&b);
}

static void
test_long_text_round_trips_across_chunks(void **state)
{
    (void)state;
    /* 3-byte characters, an odd ASCII byte first: chunk ends fall inside
     * characters and must be moved to a boundary */
    struct buf u8, sj;
    size_t sub = 0;
    enum charset used;
    buf_init(&u8, 1 << 20);
    buf_init(&sj, 1 << 20);
    buf_putc(&u8, 'x');
    for (int i = 0; i < 5000; i++)
        buf_puts(&u8, i % 7 ? "あ" : "ｱ");
    assert_int_equal(charset_utf8_to_sjis(u8.data, u8.len, &sj, &sub), ERR_OK);
    assert_int_equal(sub, 0);
    char *back = to_utf8(sj.data, sj.len, CHARSET_SJIS, &used);
    assert_string_equal(back, u8.data);
    free(back);
    buf_free(&u8);
    buf_free(&sj);
}

static void
test_output_bounded_by_the_buffer(void **state)
{
    (void)state;
    struct buf b;
    size_t sub = 0;
    buf_init(&b, 3);
    assert_int_equal(charset_utf8_to_sjis("田中", strlen("田中"), &b, &sub),
                     ERR_TOO_LARGE);
    buf_free(&b);
}

/* The folded form of in. */
static void
folds_to(const char *in, const char *want)
{
    char out[128];
    assert_int_equal(charset_fold_key(in, out, sizeof(out)), ERR_OK);
    assert_string_equal(out, want);
}

static void
test_headings_fold_width_script_case_and_spaces(void **state)
{
    (void)state;
    folds_to("電話番号１", "電話番号1");
    folds_to("ふりがな", "フリガナ");
    folds_to("ﾌﾘｶﾞﾅ", "フリガナ");
    folds_to("E-Mail", "email");
    folds_to(" 顧客　番号 ", "顧客番号");
    folds_to("供給地点・都道府県", "供給地点都道府県");
    folds_to("point.city", "pointcity");
    char small[4];
    assert_int_equal(charset_fold_key("フリガナ", small, sizeof(small)),
                     ERR_TOO_LARGE);
    assert_int_equal(charset_fold_key("\xff", small, sizeof(small)),
                     ERR_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_detection),
        cmocka_unit_test(test_shift_jis_with_half_width_kana_to_utf8),
        cmocka_unit_test(test_bom_is_dropped),
        cmocka_unit_test(test_invalid_bytes_are_refused_with_offset_and_line),
        cmocka_unit_test(test_utf8_to_shift_jis),
        cmocka_unit_test(test_what_shift_jis_lacks_becomes_geta_and_is_counted),
        cmocka_unit_test(test_long_text_round_trips_across_chunks),
        cmocka_unit_test(test_output_bounded_by_the_buffer),
        cmocka_unit_test(test_headings_fold_width_script_case_and_spaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
