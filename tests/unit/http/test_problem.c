/*
 * test_problem.c — tests problem_body() in src/http/problem.c: the
 * application/problem+json document (RFC 9457) every error becomes.
 *
 * Members: type "urn:pilotlight:problem:<code>", the Japanese title from the
 * error table, status, detail (the caller's for 4xx; for 5xx a generic
 * sentence so internal causes never reach the client), code, request_id, and
 * errors[] only when there are field errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/internal.h"

#include <stdlib.h>
#include <string.h>

static const char *
member(const json_t *p, const char *key)
{
    json_t *v = json_object_get(p, key);
    assert_non_null(v);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static json_t *
two_field_errors(void)
{
    struct jcheck c;
    jcheck_init(&c);
    jcheck_add(&c, "name", "required", "必須項目です");
    jcheck_add(&c, "code", "too_long", "12 文字以内で入力してください");
    return c.errors; /* caller owns the reference */
}

static void
test_4xx_has_every_member_and_the_detail(void **state)
{
    (void)state;
    json_t *p = problem_body(ERR_HTTP_BAD_JSON, "line 1, column 5: oops", NULL,
                             "req-0001");
    assert_non_null(p);
    assert_string_equal(member(p, "type"),
                        "urn:pilotlight:problem:http.malformed_json");
    assert_string_equal(member(p, "title"), err_title(ERR_HTTP_BAD_JSON));
    assert_string_equal(member(p, "title"), "JSON の形式が正しくありません");
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 400);
    assert_string_equal(member(p, "detail"), "line 1, column 5: oops");
    assert_string_equal(member(p, "code"), "http.malformed_json");
    assert_string_equal(member(p, "request_id"), "req-0001");
    assert_null(json_object_get(p, "errors"));
    json_decref(p);
}

static void
test_type_and_status_follow_the_error(void **state)
{
    (void)state;
    json_t *p = problem_body(ERR_TENANT_CODE_TAKEN, "x", NULL, "r");
    assert_string_equal(member(p, "type"),
                        "urn:pilotlight:problem:tenant.code_taken");
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 409);
    assert_string_equal(member(p, "code"), err_code(ERR_TENANT_CODE_TAKEN));
    json_decref(p);
}

static void
test_5xx_replaces_detail_with_generic_sentence(void **state)
{
    (void)state;
    static const char secret[] =
        "prepare: no such table: tenants (/srv/data/platform.db)";
    const enum err errs[] = {ERR_STORE, ERR_INTERNAL, ERR_IO,
                             ERR_STORE_MISMATCH, ERR_UNAVAILABLE};
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        json_t *p = problem_body(errs[i], secret, NULL, "req-5");
        assert_true(json_integer_value(json_object_get(p, "status")) >= 500);
        const char *detail = member(p, "detail");
        assert_null(strstr(detail, "no such table"));
        assert_null(strstr(detail, "/srv/data"));
        assert_string_equal(
            detail,
            "問題が続く場合は request_id を添えて管理者にご連絡ください");
        /* Nothing else in the document carries the cause either. */
        char *text = json_dumps(p, 0);
        assert_null(strstr(text, "platform.db"));
        free(text);
        json_decref(p);
    }
}

static void
test_store_constraint_hides_the_sql(void **state)
{
    (void)state;
    json_t *p = problem_body(ERR_STORE_CONSTRAINT,
                             "step: UNIQUE constraint failed: tariffs.code",
                             NULL, "req-6");
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 409);
    char *text = json_dumps(p, 0);
    assert_null(strstr(text, "UNIQUE"));
    assert_null(strstr(text, "tariffs"));
    free(text);
    assert_string_equal(member(p, "detail"),
                        "入力内容が既存のデータと矛盾しています");
    json_decref(p);
}

static void
test_field_errors_become_errors_array(void **state)
{
    (void)state;
    json_t *fe = two_field_errors();
    json_t *p = problem_body(ERR_INVALID, "", fe, "req-7");
    json_t *errors = json_object_get(p, "errors");
    assert_true(json_is_array(errors));
    assert_int_equal(json_array_size(errors), 2);
    json_t *first = json_array_get(errors, 0);
    assert_string_equal(member(first, "field"), "name");
    assert_string_equal(member(first, "code"), "required");
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 422);
    json_decref(p);
    json_decref(fe); /* problem_body took its own reference */
}

static void
test_empty_detail_with_field_errors_counts_them(void **state)
{
    (void)state;
    json_t *fe = two_field_errors();
    json_t *p = problem_body(ERR_INVALID, "", fe, "req-8");
    assert_string_equal(member(p, "detail"), "2 件の項目を確認してください");
    json_decref(p);
    /* A detail that was given is kept. */
    p = problem_body(ERR_INVALID, "name is missing", fe, "req-8");
    assert_string_equal(member(p, "detail"), "name is missing");
    json_decref(p);
    json_decref(fe);
}

static void
test_no_errors_member_without_field_errors(void **state)
{
    (void)state;
    json_t *empty = json_array();
    json_t *p = problem_body(ERR_INVALID, "bad", empty, "r");
    assert_null(json_object_get(p, "errors"));
    json_decref(p);
    json_decref(empty);
    p = problem_body(ERR_NOT_FOUND, "", NULL, "r");
    assert_null(json_object_get(p, "errors"));
    assert_string_equal(member(p, "detail"), "");
    json_decref(p);
}

static void
test_5xx_with_field_errors_still_hides_detail(void **state)
{
    (void)state;
    json_t *fe = two_field_errors();
    json_t *p = problem_body(ERR_STORE, "", fe, "req-9");
    assert_string_equal(
        member(p, "detail"),
        "問題が続く場合は request_id を添えて管理者にご連絡ください");
    json_decref(p);
    json_decref(fe);
}

static void
test_invalid_utf8_detail_is_dropped_not_fatal(void **state)
{
    (void)state;
    json_t *p =
        problem_body(ERR_HTTP_BAD_PATH, "segment 1: \xff\xfe", NULL, "req-10");
    assert_non_null(p);
    assert_null(json_object_get(p, "detail"));
    assert_string_equal(member(p, "code"), "http.bad_path");
    assert_string_equal(member(p, "request_id"), "req-10");
    json_decref(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_4xx_has_every_member_and_the_detail),
        cmocka_unit_test(test_type_and_status_follow_the_error),
        cmocka_unit_test(test_5xx_replaces_detail_with_generic_sentence),
        cmocka_unit_test(test_store_constraint_hides_the_sql),
        cmocka_unit_test(test_field_errors_become_errors_array),
        cmocka_unit_test(test_empty_detail_with_field_errors_counts_them),
        cmocka_unit_test(test_no_errors_member_without_field_errors),
        cmocka_unit_test(test_5xx_with_field_errors_still_hides_detail),
        cmocka_unit_test(test_invalid_utf8_detail_is_dropped_not_fatal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
