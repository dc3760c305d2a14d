/*
 * test_customers.c — the customer ledger's validation: customer numbers,
 * phone numbers, postal codes, coordinates, kana normalization and the
 * field table check.
 */
#include "customers/customers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void
test_number_is_1_to_20_ascii_letters_digits_hyphen(void **state)
{
    (void)state;
    assert_true(customer_number_valid("3010"));
    assert_true(customer_number_valid("A-0001"));
    assert_true(customer_number_valid("12345678901234567890")); /* 20 */
    assert_false(customer_number_valid(""));
    assert_false(customer_number_valid("123456789012345678901")); /* 21 */
    assert_false(customer_number_valid("30 10"));
    assert_false(customer_number_valid("３０１０")); /* full-width */
    assert_false(customer_number_valid("30_10"));
}

static void
test_phone_has_10_to_13_digits_and_inner_hyphens(void **state)
{
    (void)state;
    assert_true(customer_phone_valid("03-1234-5678"));  /* 10 */
    assert_true(customer_phone_valid("090-1234-5678")); /* 11 */
    assert_true(customer_phone_valid("0312345678"));
    assert_true(customer_phone_valid("0120-123-456-789")); /* 13 */
    assert_false(customer_phone_valid("03-1234-567"));     /* 9 */
    assert_false(customer_phone_valid("01234567890123"));  /* 14 */
    assert_false(customer_phone_valid("-0312345678"));
    assert_false(customer_phone_valid("0312345678-"));
    assert_false(customer_phone_valid("03--12345678"));
    assert_false(customer_phone_valid("03(1234)5678"));
    assert_false(customer_phone_valid(""));
}

static void
test_postal_code_is_nnn_dash_nnnn(void **state)
{
    (void)state;
    assert_true(customer_postal_valid("874-0000"));
    assert_false(customer_postal_valid("8740000"));
    assert_false(customer_postal_valid("874-000"));
    assert_false(customer_postal_valid("874-00000"));
    assert_false(customer_postal_valid("87a-0000"));
    assert_false(customer_postal_valid("８７４-００００"));
}

static void
test_prefecture_and_coordinates(void **state)
{
    (void)state;
    assert_true(customer_prefecture_valid("大分県"));
    assert_true(customer_prefecture_valid("東京都"));
    assert_false(customer_prefecture_valid("大分"));
    assert_true(customer_coord_valid("33.2846"));
    assert_true(customer_coord_valid("-131.4912000"));
    assert_true(customer_coord_valid("131"));
    assert_false(customer_coord_valid("181.0"));
    assert_false(customer_coord_valid("33."));
    assert_false(customer_coord_valid("33.123456789"));
    assert_false(customer_coord_valid("abc"));
}

static void
assert_kana(const char *in, const char *want)
{
    char out[400];
    assert_int_equal(customer_kana_normalize(in, out, sizeof(out)), ERR_OK);
    assert_string_equal(out, want);
}

static void
test_kana_is_stored_as_full_width_katakana(void **state)
{
    (void)state;
    assert_kana("タナカ", "タナカ");
    assert_kana("たなか", "タナカ");
    assert_kana("ﾀﾅｶ", "タナカ");
    assert_kana("ﾀﾞｲｽｹ", "ダイスケ");               /* voiced mark composes */
    assert_kana("やまだ　たろう", "ヤマダ タロウ"); /* ideographic space */
    assert_kana("ヴィーナス", "ヴィーナス");
    char out[400];
    assert_int_equal(customer_kana_normalize("田中", out, sizeof(out)),
                     ERR_INVALID);
    assert_int_equal(customer_kana_normalize("tanaka", out, sizeof(out)),
                     ERR_INVALID);
    assert_int_equal(customer_kana_normalize("　 ", out, sizeof(out)),
                     ERR_INVALID); /* blank */
    assert_int_equal(customer_kana_normalize("\xff", out, sizeof(out)),
                     ERR_INVALID);
    assert_int_equal(customer_kana_normalize("たなか", out, 4), ERR_TOO_LARGE);
}

/* True when k holds an error for field. */
static bool
has_field(const struct jcheck *k, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(k->errors, i, e)
    {
        if (!strcmp(json_string_value(json_object_get(e, "field")), field))
            return true;
    }
    return false;
}

static void
test_field_check_names_each_bad_field(void **state)
{
    (void)state;
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                            "number", "30 10", "name", "田中太郎", "kana",
                            "ﾀﾅｶ ﾀﾛｳ", "kind", "household", "phone1", "03-1234",
                            "postal_code", "8740000", "prefecture", "大分",
                            "notes", "一行目\n二行目", "color", "red");
    struct jcheck k;
    jcheck_init(&k);
    cfield_check(customer_fields, rec, &k);
    assert_true(has_field(&k, "number"));
    assert_true(has_field(&k, "phone1"));
    assert_true(has_field(&k, "postal_code"));
    assert_true(has_field(&k, "prefecture"));
    assert_true(has_field(&k, "color"));
    assert_false(has_field(&k, "name"));
    assert_false(has_field(&k, "kana"));
    assert_false(has_field(&k, "notes")); /* multi-line is fine */
    assert_int_equal(json_array_size(k.errors), 5);
    assert_string_equal(json_string_value(json_object_get(rec, "kana")),
                        "タナカ タロウ");
    jcheck_free(&k);
    json_decref(rec);
}

static void
test_supply_point_billing_group_is_1_to_31(void **state)
{
    (void)state;
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:i}", "prefecture", "大分県",
                            "city", "別府市", "street", "北浜1-1",
                            "supply_kind", "bulk", "billing_group", 32);
    struct jcheck k;
    jcheck_init(&k);
    cfield_check(supply_point_fields, rec, &k);
    assert_true(has_field(&k, "billing_group"));
    assert_int_equal(json_array_size(k.errors), 1);
    jcheck_free(&k);
    json_object_set_new(rec, "billing_group", json_integer(31));
    jcheck_init(&k);
    cfield_check(supply_point_fields, rec, &k);
    assert_true(jcheck_ok(&k));
    jcheck_free(&k);
    json_decref(rec);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_is_1_to_20_ascii_letters_digits_hyphen),
        cmocka_unit_test(test_phone_has_10_to_13_digits_and_inner_hyphens),
        cmocka_unit_test(test_postal_code_is_nnn_dash_nnnn),
        cmocka_unit_test(test_prefecture_and_coordinates),
        cmocka_unit_test(test_kana_is_stored_as_full_width_katakana),
        cmocka_unit_test(test_field_check_names_each_bad_field),
        cmocka_unit_test(test_supply_point_billing_group_is_1_to_31),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
