/*
 * test_csv.c — the CSV reader and writer (src/customers/csv.c): quoting,
 * "" escapes, line breaks inside quotes, CRLF/LF/CR, the physical line each
 * row starts on, ragged rows, every fatal format error with its line, the
 * limits at and past their edge, and the writer's quoting and formula
 * guard read back by the reader.
 */
#include "core/xalloc.h"
#include "customers/csv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Read the next row, which must exist and parse. */
static void
next_ok(struct csv *c)
{
    bool got = false;
    assert_int_equal(csv_next(c, &got), ERR_OK);
    assert_true(got);
}

static void
at_end(struct csv *c)
{
    bool got = true;
    assert_int_equal(csv_next(c, &got), ERR_OK);
    assert_false(got);
}

static void
test_plain_rows_with_lf_crlf_and_cr(void **state)
{
    (void)state;
    static const char in[] = "a,b,c\nd,e,f\r\ng,h,i\rj,k,l";
    struct csv c;
    csv_init(&c, in, strlen(in));
    next_ok(&c);
    assert_int_equal(c.nfields, 3);
    assert_string_equal(c.field[0], "a");
    assert_string_equal(c.field[2], "c");
    assert_int_equal(c.row_line, 1);
    next_ok(&c);
    assert_string_equal(c.field[1], "e");
    assert_int_equal(c.row_line, 2);
    next_ok(&c);
    assert_string_equal(c.field[2], "i");
    assert_int_equal(c.row_line, 3);
    next_ok(&c); /* no line end at the end of the input */
    assert_string_equal(c.field[2], "l");
    assert_int_equal(c.row_line, 4);
    at_end(&c);
    csv_free(&c);
}

static void
test_quotes_commas_escapes_and_empty_fields(void **state)
{
    (void)state;
    static const char in[] =
        "\"a,b\",\"say \"\"hi\"\"\",,\"\"\n\"x\",y,\"\",\n";
    struct csv c;
    csv_init(&c, in, strlen(in));
    next_ok(&c);
    assert_int_equal(c.nfields, 4);
    assert_string_equal(c.field[0], "a,b");
    assert_string_equal(c.field[1], "say \"hi\"");
    assert_int_equal(c.len[1], 8);
    assert_string_equal(c.field[2], "");
    assert_string_equal(c.field[3], "");
    next_ok(&c); /* a trailing comma is one more, empty, field */
    assert_int_equal(c.nfields, 4);
    assert_string_equal(c.field[0], "x");
    assert_string_equal(c.field[3], "");
    at_end(&c);
    csv_free(&c);
}

static void
test_line_break_inside_quotes_is_data_and_counts_lines(void **state)
{
    (void)state;
    /* row 1 spans lines 1-3 (CRLF and LF inside quotes), row 2 is line 4 */
    static const char in[] = "1,\"one\r\ntwo\nthree\"\r\n2,\"x\"\r\n";
    struct csv c;
    csv_init(&c, in, strlen(in));
    next_ok(&c);
    assert_string_equal(c.field[1], "one\ntwo\nthree");
    assert_int_equal(c.row_line, 1);
    next_ok(&c);
    assert_string_equal(c.field[0], "2");
    assert_int_equal(c.row_line, 4);
    at_end(&c);
    csv_free(&c);
}

static void
test_blank_lines_are_skipped_but_counted(void **state)
{
    (void)state;
    static const char in[] = "\n\na,b\r\n\r\n\nc,d\n\n";
    struct csv c;
    csv_init(&c, in, strlen(in));
    next_ok(&c);
    assert_int_equal(c.row_line, 3);
    next_ok(&c);
    assert_int_equal(c.row_line, 6);
    assert_string_equal(c.field[1], "d");
    at_end(&c);
    csv_free(&c);
}

static void
test_ragged_row_is_reported_with_its_line_and_reading_goes_on(void **state)
{
    (void)state;
    static const char in[] = "a,b,c\n1,2\n\"x\ny\",2,3,4\n5,6,7\n";
    struct csv c;
    bool got;
    csv_init(&c, in, strlen(in));
    next_ok(&c);
    assert_int_equal(c.width, 3);
    assert_int_equal(csv_next(&c, &got), ERR_IMPORT_FORMAT);
    assert_true(got);
    assert_true(c.ragged);
    assert_false(c.failed);
    assert_int_equal(c.error_line, 2);
    assert_int_equal(c.nfields, 2);
    assert_string_equal(c.field[1], "2");
    assert_non_null(strstr(err_detail(), "2 行目"));
    assert_non_null(strstr(c.message, "3 列のはず、2 列"));
    assert_int_equal(csv_next(&c, &got), ERR_IMPORT_FORMAT);
    assert_int_equal(c.error_line, 3);
    assert_int_equal(c.nfields, 4);
    assert_string_equal(c.field[0], "x\ny"); /* fields intact after msg */
    next_ok(&c);
    assert_false(c.ragged);
    assert_int_equal(c.row_line, 5);
    assert_string_equal(c.field[2], "7");
    at_end(&c);
    csv_free(&c);
}

/* in must fail fatally on line, and keep failing. */
static void
fatal_on(const char *in, size_t n, size_t line)
{
    struct csv c;
    bool got = true;
    enum err rc = ERR_OK;
    csv_init(&c, in, n);
    for (int i = 0; i < 10 && !rc; i++)
        rc = csv_next(&c, &got);
    assert_int_equal(rc, ERR_IMPORT_FORMAT);
    assert_true(c.failed);
    assert_false(got);
    assert_int_equal(c.error_line, line);
    assert_int_equal(csv_next(&c, &got), ERR_IMPORT_FORMAT);
    assert_false(got);
    csv_free(&c);
}

static void
test_fatal_errors_name_their_line(void **state)
{
    (void)state;
    /* a quote that never closes: the line where it opened */
    fatal_on("a,b\n1,\"open\n2,3\n", 15, 2);
    /* text after the closing quote */
    fatal_on("a,b\n1,2\n\"x\"y,2\n", 15, 3);
    /* a quote inside an unquoted field */
    fatal_on("a,b\nab\"c,2\n", 11, 2);
    /* a NUL byte, quoted or not */
    fatal_on("a,b\n1,2\n3,x\0y\n", 14, 3);
    fatal_on("a,b\n\"x\0\",1\n", 11, 2);
}

static void
test_field_limit_at_and_past_the_edge(void **state)
{
    (void)state;
    char *in = xmalloc(CSV_FIELD_MAX + 8);
    struct csv c;
    memset(in, 'x', CSV_FIELD_MAX);
    memcpy(in + CSV_FIELD_MAX, ",1\n", 3);
    csv_init(&c, in, CSV_FIELD_MAX + 3);
    next_ok(&c);
    assert_int_equal(c.len[0], CSV_FIELD_MAX);
    csv_free(&c);
    memset(in, 'x', CSV_FIELD_MAX + 1);
    memcpy(in + CSV_FIELD_MAX + 1, ",1\n", 3);
    fatal_on(in, CSV_FIELD_MAX + 4, 1);
    free(in);
}

static void
test_column_limit_at_and_past_the_edge(void **state)
{
    (void)state;
    char in[2 * CSV_COLS_MAX + 8];
    struct csv c;
    size_t n = 0;
    for (int i = 0; i < CSV_COLS_MAX; i++) {
        in[n++] = 'a';
        in[n++] = ',';
    }
    in[n - 1] = '\n'; /* exactly CSV_COLS_MAX fields */
    csv_init(&c, in, n);
    next_ok(&c);
    assert_int_equal(c.nfields, CSV_COLS_MAX);
    csv_free(&c);
    in[n - 1] = ',';
    in[n++] = 'b'; /* one more */
    fatal_on(in, n, 1);
}

static void
test_row_limit_past_the_edge(void **state)
{
    (void)state;
    /* nine fields of 8 KiB: each within its limit, the row over 64 KiB */
    size_t n = 9 * (CSV_FIELD_MAX + 1);
    char *in = xmalloc(n);
    memset(in, 'y', n);
    for (int i = 1; i <= 9; i++)
        in[i * (CSV_FIELD_MAX + 1) - 1] = i == 9 ? '\n' : ',';
    fatal_on(in, n, 1);
    free(in);
}

/* The bytes csv_write_row writes for n fields. */
static char *
written(const char *const *fields, size_t n)
{
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(csv_write_row(&b, fields, n), ERR_OK);
    return buf_steal(&b);
}

static void
test_writer_quotes_only_when_needed(void **state)
{
    (void)state;
    const char *f[] = {"plain",      "a,b", "say \"hi\"",
                       "two\nlines", NULL,  "田中"};
    char *s = written(f, 6);
    assert_string_equal(s, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,"
                           "田中\r\n");
    free(s);
}

static void
test_writer_neutralises_formulas(void **state)
{
    (void)state;
    const char *f[] = {"=SUM(A1)", "+81", "-1",  "@cmd",
                       "\tx",      "\rx", "a=b", "'quoted"};
    char *s = written(f, 8);
    assert_string_equal(s, "'=SUM(A1),'+81,'-1,'@cmd,'\tx,\"'\rx\",a=b,"
                           "'quoted\r\n");
    free(s);
    assert_true(csv_formula_like("=1"));
    assert_false(csv_formula_like(""));
    assert_false(csv_formula_like(NULL));
    assert_false(csv_formula_like("0977"));
}

static void
test_what_the_writer_writes_the_reader_reads(void **state)
{
    (void)state;
    const char *f[] = {"1001",         "田中, 太郎", "\"quoted\"",
                       "line1\nline2", "",           "end"};
    char *s = written(f, 6);
    struct csv c;
    csv_init(&c, s, strlen(s));
    next_ok(&c);
    assert_int_equal(c.nfields, 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(c.field[i], f[i]);
    at_end(&c);
    csv_free(&c);
    free(s);
}

static void
test_writer_respects_the_buffer_maximum(void **state)
{
    (void)state;
    struct buf b;
    const char *f[] = {"0123456789", "0123456789"};
    buf_init(&b, 16);
    assert_int_equal(csv_write_row(&b, f, 2), ERR_TOO_LARGE);
    assert_true(b.len <= 16);
    buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_rows_with_lf_crlf_and_cr),
        cmocka_unit_test(test_quotes_commas_escapes_and_empty_fields),
        cmocka_unit_test(
            test_line_break_inside_quotes_is_data_and_counts_lines),
        cmocka_unit_test(test_blank_lines_are_skipped_but_counted),
        cmocka_unit_test(
            test_ragged_row_is_reported_with_its_line_and_reading_goes_on),
        cmocka_unit_test(test_fatal_errors_name_their_line),
        cmocka_unit_test(test_field_limit_at_and_past_the_edge),
        cmocka_unit_test(test_column_limit_at_and_past_the_edge),
        cmocka_unit_test(test_row_limit_past_the_edge),
        cmocka_unit_test(test_writer_quotes_only_when_needed),
        cmocka_unit_test(test_writer_neutralises_formulas),
        cmocka_unit_test(test_what_the_writer_writes_the_reader_reads),
        cmocka_unit_test(test_writer_respects_the_buffer_maximum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
