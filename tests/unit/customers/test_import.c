/*
 * test_import.c — the import job without a store (src/customers/import.c,
 * import_map.c): headings matched by name in any width or script, explicit
 * mappings by heading or column number, mapping errors, values folded the
 * way other systems write them, row errors with their line and column,
 * duplicates inside the file, ragged rows, fatal errors, and the capped
 * error list.
 */
#include "core/xalloc.h"
#include "customers/import_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct import *
open_ok(const char *text, const json_t *mapping, bool header)
{
    struct import_opts o = {CHARSET_AUTO, header, mapping};
    struct import *im = NULL;
    enum err rc = import_open(text, strlen(text), &o, &im);
    if (rc)
        fail_msg("import_open: %s", err_detail());
    return im;
}

static enum err
open_fails(const char *text, const char *mapping_json)
{
    json_t *m = mapping_json ? json_loads(mapping_json, 0, NULL) : NULL;
    struct import_opts o = {CHARSET_AUTO, true, m};
    struct import *im = (struct import *)1;
    enum err rc = import_open(text, strlen(text), &o, &im);
    assert_null(im);
    json_decref(m);
    return rc;
}

static void
next_row(struct import *im, struct import_row *row)
{
    bool got = false;
    assert_int_equal(import_next(im, row, &got), ERR_OK);
    assert_true(got);
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The n-th error of the job's list. */
static json_t *
error_at(struct import *im, size_t n)
{
    json_t *s = import_summary(im, true);
    json_t *e = json_incref(json_array_get(json_object_get(s, "errors"), n));
    json_decref(s);
    if (!e)
        fail_msg("no error #%zu", n);
    return e;
}

static void
test_headings_found_by_name_and_values_folded(void **state)
{
    (void)state;
    struct import_row row = {0};
    struct import *im = open_ok(
        "お客様番号,氏名,ﾌﾘｶﾞﾅ,区分,ＴＥＬ,郵便番号,入居日,供給地点都道府県,"
        "供給地点市区町村,供給地点番地,締め日,順番,備考,社内メモ\n"
        "'-1001,田中　太郎 ,ﾀﾅｶ ﾀﾛｳ,法人,０９７７－１２－３４５６,〒8740000,"
        "2024年4月1日,大分県,別府市,北浜1-2-3,末,１２,\" 二行\n備考 \",x\n",
        NULL, true);
    next_row(im, &row);
    assert_true(row.ok);
    assert_int_equal(row.line, 2);
    /* formula guard taken off, full width folded, spaces trimmed */
    assert_string_equal(str(row.customer, "number"), "-1001");
    assert_string_equal(str(row.customer, "name"), "田中　太郎");
    assert_string_equal(str(row.customer, "kana"), "タナカ タロウ");
    assert_string_equal(str(row.customer, "kind"), "business");
    assert_string_equal(str(row.customer, "phone1"), "0977-12-3456");
    assert_string_equal(str(row.customer, "postal_code"), "874-0000");
    assert_string_equal(str(row.customer, "notes"), "二行\n備考");
    assert_string_equal(row.moved_in, "2024-04-01");
    assert_non_null(row.point);
    assert_string_equal(str(row.point, "city"), "別府市");
    assert_string_equal(str(row.point, "supply_kind"), "individual");
    assert_int_equal(
        json_integer_value(json_object_get(row.point, "billing_group")), 31);
    assert_int_equal(
        json_integer_value(json_object_get(row.point, "route_order")), 12);
    json_t *s = import_summary(im, true);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(s, "ignored_columns"), 0)),
                        "社内メモ");
    assert_string_equal(
        str(json_object_get(s, "defaults"), "point.supply_kind"), "individual");
    json_decref(s);
    import_row_clear(&row);
    import_free(im);
}

static void
test_without_point_columns_a_row_has_no_point(void **state)
{
    (void)state;
    struct import_row row = {0};
    bool got;
    struct import *im =
        open_ok("number,name,kana\n1,山田,ヤマダ\n\n,,\n", NULL, true);
    next_row(im, &row);
    assert_true(row.ok);
    assert_null(row.point);
    assert_string_equal(str(row.customer, "kind"), "household");
    /* the blank line and the row of empty fields are skipped */
    assert_int_equal(import_next(im, &row, &got), ERR_OK);
    assert_false(got);
    assert_int_equal(import_rows(im), 1);
    import_row_clear(&row);
    import_free(im);
}

static void
test_explicit_mapping_by_heading_and_by_number(void **state)
{
    (void)state;
    struct import_row row = {0};
    json_t *m = json_pack("{s:s, s:s, s:s, s:n}", "CUST", "number", "3", "kana",
                          "名前", "name", "電話");
    struct import *im =
        open_ok("CUST,名前,読み,電話\nA-1,佐藤,さとう,0977-00-0000\n", m, true);
    next_row(im, &row);
    assert_true(row.ok);
    assert_string_equal(str(row.customer, "number"), "A-1");
    assert_string_equal(str(row.customer, "kana"), "サトウ");
    assert_null(json_object_get(row.customer, "phone1")); /* left out */
    import_row_clear(&row);
    import_free(im);
    json_decref(m);
    /* no heading row: columns by number, and the first row is data */
    m = json_pack("{s:s, s:s, s:s}", "1", "number", "2", "name", "3", "kana");
    im = open_ok("7,伊藤,イトウ\n8,加藤,カトウ\n", m, false);
    next_row(im, &row);
    assert_int_equal(row.line, 1);
    assert_string_equal(str(row.customer, "number"), "7");
    next_row(im, &row);
    assert_int_equal(row.line, 2);
    import_row_clear(&row);
    import_free(im);
    json_decref(m);
}

static void
test_mapping_errors(void **state)
{
    (void)state;
    static const char f[] = "番号,氏名,カナ,電話,電話番号\n1,a,ア,,\n";
    /* two headings mean phone1 */
    assert_int_equal(open_fails(f, NULL), ERR_IMPORT_MAPPING);
    assert_non_null(strstr(err_detail(), "電話"));
    /* a column the file does not have */
    assert_int_equal(
        open_fails(f, "{\"顧客番号\":\"number\",\"氏名\":\"name\"}"),
        ERR_IMPORT_MAPPING);
    assert_non_null(strstr(err_detail(), "顧客番号"));
    /* a target that does not exist */
    assert_int_equal(open_fails(f, "{\"番号\":\"nummer\"}"),
                     ERR_IMPORT_MAPPING);
    /* no kana column */
    assert_int_equal(open_fails(f, "{\"番号\":\"number\",\"氏名\":\"name\"}"),
                     ERR_IMPORT_MAPPING);
    assert_non_null(strstr(err_detail(), "kana"));
    /* supply point columns without the point's street */
    assert_int_equal(open_fails("顧客番号,氏名,カナ,供給地点市区町村\n", NULL),
                     ERR_IMPORT_MAPPING);
    /* no heading row and no mapping */
    struct import_opts o = {CHARSET_AUTO, false, NULL};
    struct import *im;
    assert_int_equal(import_open("1,a,ア\n", strlen("1,a,ア\n"), &o, &im),
                     ERR_IMPORT_MAPPING);
    /* nothing at all */
    assert_int_equal(open_fails("\n\n", NULL), ERR_IMPORT_FORMAT);
}

static void
test_row_errors_name_line_field_and_column(void **state)
{
    (void)state;
    struct import_row row = {0};
    struct import *im = open_ok("顧客番号,氏名,フリガナ,電話番号,区分,備考\n"
                                "1,a,ア,0977,個人,\"複数\n行\"\n" /* line 2-3 */
                                "2,b,アイ,,宇宙人,\n"             /* line 4 */
                                "1,c,ウ,,,\n", /* line 5; 区分 blank */
                                NULL, true);
    next_row(im, &row);
    assert_false(row.ok);
    json_t *e = error_at(im, 0);
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 2);
    assert_string_equal(str(e, "field"), "phone1");
    assert_string_equal(str(e, "column"), "電話番号");
    assert_string_equal(str(e, "code"), "format");
    json_decref(e);
    next_row(im, &row);
    e = error_at(im, 1);
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 4);
    assert_string_equal(str(e, "field"), "kind");
    assert_non_null(strstr(str(e, "message"), "個人"));
    json_decref(e);
    next_row(im, &row); /* number 1 again */
    e = error_at(im, 2);
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 5);
    assert_string_equal(str(e, "code"), "duplicate");
    assert_non_null(strstr(str(e, "message"), "2 行目"));
    json_decref(e);
    assert_int_equal(import_rows(im), 3);
    assert_int_equal(import_valid(im), 0);
    assert_int_equal(import_error_count(im), 3);
    import_row_clear(&row);
    import_free(im);
}

static void
test_ragged_row_and_fatal_error(void **state)
{
    (void)state;
    struct import_row row = {0};
    bool got;
    struct import *im =
        open_ok("number,name,kana\n1,a\n2,b,イ\n3,\"c,ウ\n", NULL, true);
    next_row(im, &row);
    assert_false(row.ok);
    json_t *e = error_at(im, 0);
    assert_string_equal(str(e, "code"), "columns");
    assert_true(json_is_null(json_object_get(e, "field")));
    json_decref(e);
    next_row(im, &row);
    assert_true(row.ok);
    assert_int_equal(import_next(im, &row, &got), ERR_IMPORT_FORMAT);
    assert_false(got);
    e = error_at(im, 1);
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 4);
    assert_string_equal(str(e, "code"), "format");
    json_decref(e);
    assert_int_equal(import_next(im, &row, &got), ERR_OK); /* done */
    assert_false(got);
    import_row_clear(&row);
    import_free(im);
}

static void
test_error_list_is_capped_and_every_error_counted(void **state)
{
    (void)state;
    struct buf b;
    struct import_row row = {0};
    bool got;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "number,name,kana\n");
    for (int i = 0; i < IMPORT_ERRORS_MAX + 10; i++)
        buf_printf(&b, "%d,n,not kana\n", i + 1);
    struct import *im = open_ok(b.data, NULL, true);
    while (!import_next(im, &row, &got) && got)
        ;
    json_t *s = import_summary(im, true);
    assert_int_equal(json_array_size(json_object_get(s, "errors")),
                     IMPORT_ERRORS_MAX);
    assert_int_equal(json_integer_value(json_object_get(s, "error_count")),
                     IMPORT_ERRORS_MAX + 10);
    assert_true(json_is_true(json_object_get(s, "errors_truncated")));
    json_decref(s);
    import_row_clear(&row);
    import_free(im);
    buf_free(&b);
}

static void
test_shift_jis_file_and_bad_bytes(void **state)
{
    (void)state;
    struct import_row row = {0};
    /* 顧客番号,氏名,フリガナ / 1,田中,ﾀﾅｶ in Shift_JIS */
    static const char sjis[] = "\x8c\xda\x8b\x71\x94\xd4\x8d\x86,\x8e\x81"
                               "\x96\xbc,\x83\x74\x83\x8a\x83\x4b\x83\x69\r\n"
                               "1,\x93\x63\x92\x86,\xc0\xc5\xb6\r\n";
    struct import *im = open_ok(sjis, NULL, true);
    assert_int_equal(import_charset(im), CHARSET_SJIS);
    assert_int_equal(strlen(import_digest(im)), 64);
    next_row(im, &row);
    assert_true(row.ok);
    assert_string_equal(str(row.customer, "name"), "田中");
    assert_string_equal(str(row.customer, "kana"), "タナカ");
    import_row_clear(&row);
    import_free(im);
    assert_int_equal(open_fails("a,b\n\x82", NULL), ERR_IMPORT_CHARSET);
    assert_non_null(strstr(err_detail(), "2 行目"));
}

static void
test_closing_days_dates_and_status_words(void **state)
{
    (void)state;
    struct import_row row = {0};
    struct import *im =
        open_ok("顧客番号,氏名,カナ,状態,供給地点都道府県,供給地点市区町村,"
                "供給地点番地,供給区分,締め日,入居日\n"
                "1,a,ア,休止,大分県,別府市,1,バルク,20日,2024/4/1\n"
                "2,b,イ,解約,大分県,別府市,2,集合,三十,2024/2/30\n",
                NULL, true);
    next_row(im, &row);
    assert_true(row.ok);
    assert_string_equal(row.status, "suspended");
    assert_null(json_object_get(row.customer, "status"));
    assert_string_equal(str(row.point, "supply_kind"), "bulk");
    assert_int_equal(
        json_integer_value(json_object_get(row.point, "billing_group")), 20);
    next_row(im, &row);
    assert_false(row.ok); /* 三十 is no number, Feb 30 no date */
    json_t *e0 = error_at(im, 0), *e1 = error_at(im, 1);
    assert_string_equal(str(e0, "field"), "point.billing_group");
    assert_string_equal(str(e0, "column"), "締め日");
    assert_string_equal(str(e1, "field"), "moved_in");
    json_decref(e0);
    json_decref(e1);
    import_row_clear(&row);
    import_free(im);
}

/* What import_value makes of raw for target. */
static void
value_is(const char *target, const char *raw, const char *want)
{
    char tmp[256];
    json_t *v = import_value(&import_targets[import_target_find(target)], raw,
                             tmp, sizeof(tmp));
    if (!want) {
        assert_null(v);
        return;
    }
    assert_non_null(v);
    char got[64];
    if (json_is_integer(v))
        snprintf(got, sizeof(got), "%lld", (long long)json_integer_value(v));
    else
        snprintf(got, sizeof(got), "%s", json_string_value(v));
    assert_string_equal(got, want);
    json_decref(v);
}

static void
test_values_as_other_systems_write_them(void **state)
{
    (void)state;
    value_is("moved_in", "2024-04-01", "2024-04-01");
    value_is("moved_in", "2024/4/1", "2024-04-01");
    value_is("moved_in", "２０２４／０４／０１", "2024-04-01");
    value_is("moved_in", "2024.4.1", "2024-04-01");
    value_is("moved_in", "20240401", "2024-04-01");
    value_is("moved_in", "令和6年4月1日", "2024-04-01");
    value_is("moved_in", "平成元年1月8日", "1989-01-08");
    value_is("moved_in", "H31.4.30", "2019-04-30");
    value_is("moved_in", "2024/13/1", "2024-13-01"); /* refused later */
    value_is("moved_in", "来月", "来月");
    value_is("postal_code", "〒874-0000", "874-0000");
    value_is("postal_code", "８７４００００", "874-0000");
    value_is("phone1", " 090ー1234ー5678 ", "090-1234-5678");
    value_is("point.billing_group", "末日", "31");
    value_is("point.billing_group", "２０日", "20");
    value_is("point.route_order", "0012", "12");
    value_is("kind", "ｺｼﾞﾝ", "ｺｼﾞﾝ"); /* not a word we know: refused later */
    value_is("kind", "ほうじん", "ほうじん");
    value_is("kind", "Business", "business");
    value_is("point.supply_kind", "ﾊﾞﾙｸ", "bulk");
    value_is("status", "解約", "closed");
    value_is("notes", "'=1+1", "=1+1");
    value_is("name", "'田中", "'田中"); /* only before = + - @ */
    value_is("name", "\u3000 ", NULL);
    value_is("name", "", NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headings_found_by_name_and_values_folded),
        cmocka_unit_test(test_without_point_columns_a_row_has_no_point),
        cmocka_unit_test(test_explicit_mapping_by_heading_and_by_number),
        cmocka_unit_test(test_mapping_errors),
        cmocka_unit_test(test_row_errors_name_line_field_and_column),
        cmocka_unit_test(test_ragged_row_and_fatal_error),
        cmocka_unit_test(test_error_list_is_capped_and_every_error_counted),
        cmocka_unit_test(test_shift_jis_file_and_bad_bytes),
        cmocka_unit_test(test_closing_days_dates_and_status_words),
        cmocka_unit_test(test_values_as_other_systems_write_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
