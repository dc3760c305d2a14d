/*
 * test_json.c — tests src/core/json.c: parsing request bodies and field
 * validation (jcheck_*), plus utf8_chars.
 *
 * Malformed input and duplicate keys are ERR_HTTP_BAD_JSON with the line in
 * err_detail(). Validation collects {field, code, message} per problem;
 * lengths are counted in code points (a Japanese name of 2 characters is 6
 * bytes) and control characters are refused unless the field is multiline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/json.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool
has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* Parse a literal that must be a valid object. */
static json_t *
obj(const char *text)
{
    json_t *v = NULL;
    assert_int_equal(json_parse(text, strlen(text), &v), ERR_OK);
    assert_true(json_is_object(v));
    return v;
}

/* The code of the only field error in c, for field. */
static const char *
only_error(const struct jcheck *c, const char *field)
{
    assert_int_equal(json_array_size(c->errors), 1);
    json_t *e = json_array_get(c->errors, 0);
    assert_string_equal(json_string_value(json_object_get(e, "field")), field);
    const char *msg = json_string_value(json_object_get(e, "message"));
    assert_non_null(msg);
    assert_true(has_non_ascii(msg)); /* the message is Japanese */
    return json_string_value(json_object_get(e, "code"));
}

static void
test_parse_malformed_reports_line(void **state)
{
    (void)state;
    static const char text[] = "{\n  \"a\": 1,\n  \"b\": ]\n}";
    json_t *v = (json_t *)1;
    err_clear();
    assert_int_equal(json_parse(text, strlen(text), &v), ERR_HTTP_BAD_JSON);
    assert_null(v);
    assert_non_null(strstr(err_detail(), "line 3"));
}

static void
test_parse_refuses_truncated_and_empty_input(void **state)
{
    (void)state;
    const char *bad[] = {"", "{", "{\"a\":", "nul", "{\"a\":1}x", "'a'"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *v = NULL;
        err_clear();
        assert_int_equal(json_parse(bad[i], strlen(bad[i]), &v),
                         ERR_HTTP_BAD_JSON);
        assert_null(v);
        assert_non_null(strstr(err_detail(), "line"));
    }
}

static void
test_parse_refuses_duplicate_keys(void **state)
{
    (void)state;
    static const char text[] = "{\"code\": \"A\", \"code\": \"B\"}";
    json_t *v = NULL;
    err_clear();
    assert_int_equal(json_parse(text, strlen(text), &v), ERR_HTTP_BAD_JSON);
    assert_null(v);
    assert_non_null(strstr(err_detail(), "line 1"));
}

static void
test_parse_reads_only_n_bytes(void **state)
{
    (void)state;
    static const char text[] = "{\"a\": 1}garbage";
    json_t *v = NULL;
    assert_int_equal(json_parse(text, 8, &v), ERR_OK);
    assert_int_equal(json_integer_value(json_object_get(v, "a")), 1);
    json_decref(v);
}

static void
test_to_buf_is_compact_and_respects_max(void **state)
{
    (void)state;
    json_t *v = obj("{\"b\": [1, 2], \"a\": \"ガス\"}");
    struct buf b;
    buf_init(&b, 64);
    assert_int_equal(json_to_buf(v, &b), ERR_OK);
    assert_string_equal(buf_str(&b), "{\"b\":[1,2],\"a\":\"ガス\"}");
    buf_free(&b);
    buf_init(&b, 10);
    assert_int_equal(json_to_buf(v, &b), ERR_TOO_LARGE);
    buf_free(&b);
    json_decref(v);
}

static void
test_str_required_missing_or_null_is_error(void **state)
{
    (void)state;
    json_t *v = obj("{\"a\": null}");
    const char *out = "x";
    struct jcheck c;
    jcheck_init(&c);
    jcheck_str(&c, v, "name", 10, JSTR_REQUIRED, &out);
    assert_null(out);
    assert_string_equal(only_error(&c, "name"), "required");
    jcheck_free(&c);
    jcheck_init(&c);
    jcheck_str(&c, v, "a", 10, JSTR_REQUIRED, &out);
    assert_string_equal(only_error(&c, "a"), "required");
    jcheck_free(&c);
    jcheck_init(&c);
    jcheck_str(&c, v, "name", 10, 0, &out); /* optional: fine, NULL */
    assert_null(out);
    assert_true(jcheck_ok(&c));
    jcheck_free(&c);
    json_decref(v);
}

static void
test_str_required_empty_is_error_optional_empty_is_fine(void **state)
{
    (void)state;
    json_t *v = obj("{\"a\": \"\"}");
    const char *out = NULL;
    struct jcheck c;
    jcheck_init(&c);
    jcheck_str(&c, v, "a", 10, JSTR_REQUIRED, &out);
    assert_null(out);
    assert_string_equal(only_error(&c, "a"), "required");
    jcheck_free(&c);
    jcheck_init(&c);
    jcheck_str(&c, v, "a", 10, 0, &out);
    assert_true(jcheck_ok(&c));
    assert_string_equal(out, "");
    jcheck_free(&c);
    json_decref(v);
}

static void
test_str_of_wrong_type_is_error(void **state)
{
    (void)state;
    const char *texts[] = {"{\"a\": 1}", "{\"a\": true}", "{\"a\": [\"x\"]}",
                           "{\"a\": {}}"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        json_t *v = obj(texts[i]);
        const char *out = "x";
        struct jcheck c;
        jcheck_init(&c);
        jcheck_str(&c, v, "a", 10, 0, &out);
        assert_null(out);
        assert_string_equal(only_error(&c, "a"), "type");
        jcheck_free(&c);
        json_decref(v);
    }
}

/* Run jcheck_str on {"a": <json_value>} and return the error code or NULL. */
static const char *
str_check(const char *json_value, size_t max, unsigned flags, char *code,
          size_t n)
{
    char text[256];
    snprintf(text, sizeof(text), "{\"a\": %s}", json_value);
    json_t *v = obj(text);
    const char *out = NULL;
    struct jcheck c;
    jcheck_init(&c);
    jcheck_str(&c, v, "a", max, flags, &out);
    const char *result = NULL;
    if (!jcheck_ok(&c)) {
        assert_null(out);
        snprintf(code, n, "%s", only_error(&c, "a"));
        result = code;
    } else {
        assert_non_null(out);
    }
    jcheck_free(&c);
    json_decref(v);
    return result;
}

static void
test_str_too_long_counts_characters_not_bytes(void **state)
{
    (void)state;
    char code[32];
    /* "ガス" is 6 bytes but 2 characters. */
    assert_null(str_check("\"ガス\"", 2, 0, code, sizeof(code)));
    assert_string_equal(str_check("\"ガス\"", 1, 0, code, sizeof(code)),
                        "too_long");
    assert_null(str_check("\"abc\"", 3, 0, code, sizeof(code)));
    assert_string_equal(str_check("\"abcd\"", 3, 0, code, sizeof(code)),
                        "too_long");
    /* An escaped character counts once: \u30AC is ガ. */
    assert_null(str_check("\"\\u30AC\\u30B9\"", 2, 0, code, sizeof(code)));
    /* A character outside the BMP (surrogate pair in JSON) counts once. */
    assert_null(str_check("\"\\ud83d\\udd25\"", 1, 0, code, sizeof(code)));
}

static void
test_str_control_characters_are_refused(void **state)
{
    (void)state;
    char code[32];
    const char *bad[] = {"\"a\\u0001b\"", "\"a\\nb\"",     "\"a\\tb\"",
                         "\"a\\rb\"",     "\"a\\u007fb\"", "\"a\\u0000b\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *got = str_check(bad[i], 50, 0, code, sizeof(code));
        if (!got || strcmp(got, "control_char") != 0)
            fail_msg("%s: got %s", bad[i], got ? got : "(accepted)");
    }
}

static void
test_str_multiline_allows_newline_and_tab_only(void **state)
{
    (void)state;
    char code[32];
    assert_null(str_check("\"line1\\nline2\\tx\"", 50, JSTR_MULTILINE, code,
                          sizeof(code)));
    assert_string_equal(
        str_check("\"a\\rb\"", 50, JSTR_MULTILINE, code, sizeof(code)),
        "control_char");
    /* An embedded NUL would cut the string short in C: always refused. */
    assert_string_equal(
        str_check("\"a\\u0000b\"", 50, JSTR_MULTILINE, code, sizeof(code)),
        "control_char");
}

/* Run jcheck_int on {"n": <json_value>} in [-5, 10]. */
static void
int_check(const char *json_value, const char *want_code, int64_t want)
{
    char text[128];
    snprintf(text, sizeof(text), "{\"n\": %s}", json_value);
    json_t *v = obj(text);
    int64_t out = 999;
    bool present = true;
    struct jcheck c;
    jcheck_init(&c);
    jcheck_int(&c, v, "n", -5, 10, true, &out, &present);
    if (want_code) {
        assert_string_equal(only_error(&c, "n"), want_code);
        assert_false(present);
        assert_int_equal(out, 999);
    } else {
        assert_true(jcheck_ok(&c));
        assert_true(present);
        assert_int_equal(out, want);
    }
    jcheck_free(&c);
    json_decref(v);
}

static void
test_int_range_is_inclusive(void **state)
{
    (void)state;
    int_check("-5", NULL, -5);
    int_check("10", NULL, 10);
    int_check("0", NULL, 0);
    int_check("-6", "range", 0);
    int_check("11", "range", 0);
    int_check("9223372036854775807", "range", 0);
}

static void
test_int_of_wrong_type_is_error(void **state)
{
    (void)state;
    int_check("\"5\"", "type", 0);
    int_check("1.5", "type", 0);
    int_check("5.0", "type", 0);
    int_check("true", "type", 0);
    int_check("null", "required", 0);
}

static void
test_int_optional_missing_is_not_present(void **state)
{
    (void)state;
    json_t *v = obj("{}");
    int64_t out = 7;
    bool present = true;
    struct jcheck c;
    jcheck_init(&c);
    jcheck_int(&c, v, "n", 0, 10, false, &out, &present);
    assert_true(jcheck_ok(&c));
    assert_false(present);
    assert_int_equal(out, 7);
    jcheck_int(&c, v, "n", 0, 10, true, &out, &present);
    assert_string_equal(only_error(&c, "n"), "required");
    jcheck_free(&c);
    json_decref(v);
}

static void
test_only_flags_each_unknown_field(void **state)
{
    (void)state;
    static const char *const allowed[] = {"name", "code", NULL};
    json_t *v = obj("{\"name\": 1, \"extra\": 2}");
    struct jcheck c;
    jcheck_init(&c);
    jcheck_only(&c, v, allowed);
    assert_string_equal(only_error(&c, "extra"), "unknown_field");
    jcheck_free(&c);
    json_decref(v);
    v = obj("{\"name\": 1, \"code\": 2}");
    jcheck_init(&c);
    jcheck_only(&c, v, allowed);
    assert_true(jcheck_ok(&c));
    jcheck_free(&c);
    json_decref(v);
}

static void
test_checks_collect_every_problem(void **state)
{
    (void)state;
    static const char *const allowed[] = {"a", "n", NULL};
    json_t *v = obj("{\"a\": 5, \"n\": \"x\", \"z\": 0}");
    const char *s;
    int64_t n;
    bool present;
    struct jcheck c;
    jcheck_init(&c);
    jcheck_only(&c, v, allowed);
    jcheck_str(&c, v, "a", 10, JSTR_REQUIRED, &s);
    jcheck_int(&c, v, "n", 0, 9, true, &n, &present);
    assert_false(jcheck_ok(&c));
    assert_int_equal(json_array_size(c.errors), 3);
    jcheck_free(&c);
    json_decref(v);
}

static void
test_utf8_chars_counts_code_points(void **state)
{
    (void)state;
    assert_int_equal(utf8_chars(""), 0);
    assert_int_equal(utf8_chars("abc"), 3);
    assert_int_equal(utf8_chars("ガス"), 2);
    assert_int_equal(utf8_chars("é"), 1);
    assert_int_equal(utf8_chars("\xF0\x9F\x94\xA5"), 1); /* U+1F525 */
    assert_int_equal(utf8_chars("株式会社ABC"), 7);
}

static void
test_utf8_chars_invalid_returns_size_max(void **state)
{
    (void)state;
    const char *bad[] = {
        "\xFF",                   /* never valid */
        "\x80",                   /* lone continuation byte */
        "a\xE3\x82",              /* truncated 3-byte sequence */
        "\xE3\x82\x61",           /* continuation replaced by ASCII a */
        "\xF0\x9F\x94",           /* truncated 4-byte sequence */
        "ok\xF8\x88\x80\x80\x80", /* 5-byte form */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(utf8_chars(bad[i]), SIZE_MAX);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_malformed_reports_line),
        cmocka_unit_test(test_parse_refuses_truncated_and_empty_input),
        cmocka_unit_test(test_parse_refuses_duplicate_keys),
        cmocka_unit_test(test_parse_reads_only_n_bytes),
        cmocka_unit_test(test_to_buf_is_compact_and_respects_max),
        cmocka_unit_test(test_str_required_missing_or_null_is_error),
        cmocka_unit_test(
            test_str_required_empty_is_error_optional_empty_is_fine),
        cmocka_unit_test(test_str_of_wrong_type_is_error),
        cmocka_unit_test(test_str_too_long_counts_characters_not_bytes),
        cmocka_unit_test(test_str_control_characters_are_refused),
        cmocka_unit_test(test_str_multiline_allows_newline_and_tab_only),
        cmocka_unit_test(test_int_range_is_inclusive),
        cmocka_unit_test(test_int_of_wrong_type_is_error),
        cmocka_unit_test(test_int_optional_missing_is_not_present),
        cmocka_unit_test(test_only_flags_each_unknown_field),
        cmocka_unit_test(test_checks_collect_every_problem),
        cmocka_unit_test(test_utf8_chars_counts_code_points),
        cmocka_unit_test(test_utf8_chars_invalid_returns_size_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
