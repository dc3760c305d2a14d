/*
 * test_equipment.c — validation of contracts, meters, cylinder set-ups and
 * appliances (src/customers/equipment.c): bank fields, the half-width
 * 口座名義 conversion, volumes in tenths of a m³, meter capacity (号数),
 * certification expiry (検定満期), masking, and the cross-field rules run
 * through cfield_check and the kinds' checks.
 */
#include "customers/customers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* The holder name normalized, or "!" + the error's number. */
static const char *
holder(const char *in)
{
    static char out[256];
    enum err rc = contract_holder_normalize(in, out, sizeof(out));
    if (rc)
        snprintf(out, sizeof(out), "!%d", (int)rc);
    return out;
}

static void
test_holder_becomes_half_width_katakana(void **state)
{
    (void)state;
    assert_string_equal(holder("ヤマダ タロウ"), "ﾔﾏﾀﾞ ﾀﾛｳ");
    assert_string_equal(holder("やまだ たろう"), "ﾔﾏﾀﾞ ﾀﾛｳ"); /* hiragana */
    assert_string_equal(holder("ﾔﾏﾀﾞ ﾀﾛｳ"), "ﾔﾏﾀﾞ ﾀﾛｳ");      /* already */
    assert_string_equal(holder("ガス"), "ｶﾞｽ");               /* ガ→ｶﾞ */
    assert_string_equal(holder("パン"), "ﾊﾟﾝ");               /* パ→ﾊﾟ */
    assert_string_equal(holder("ぱぴぷぺぽ"), "ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ");
    assert_string_equal(holder("ヴィ"), "ｳﾞｲ"); /* ヴ, small ィ made large */
    assert_string_equal(holder("キッチャ"), "ｷﾂﾁﾔ"); /* ッ→ﾂ ャ→ﾔ */
    assert_string_equal(holder("オーノ"), "ｵｰﾉ");    /* ー→ｰ */
}

static void
test_holder_takes_zengin_ascii_and_full_width(void **state)
{
    (void)state;
    assert_string_equal(holder("ＡＢＣ（カ）"), "ABC(ｶ)");
    assert_string_equal(holder("abc co."), "ABC CO.");
    assert_string_equal(holder("ﾀﾅｶ-1/2"), "ﾀﾅｶ-1/2");
    assert_string_equal(holder("　ヤマダ　"), "ﾔﾏﾀﾞ"); /* trimmed */
}

static void
test_holder_refuses_other_characters(void **state)
{
    (void)state;
    char e_invalid[8], e_large[8];
    snprintf(e_invalid, sizeof(e_invalid), "!%d", (int)ERR_INVALID);
    snprintf(e_large, sizeof(e_large), "!%d", (int)ERR_TOO_LARGE);
    assert_string_equal(holder("山田太郎"), e_invalid); /* kanji */
    assert_string_equal(holder("ヤマダ・タロウ"), e_invalid);
    assert_string_equal(holder("ﾀﾅｶ@"), e_invalid);
    assert_string_equal(holder("   "), e_invalid);
    assert_string_equal(holder(""), e_invalid);
    /* 30 half-width characters fit; 31 do not (ガ counts as two) */
    char in[128] = "", want[128] = "";
    for (int i = 0; i < 29; i++) {
        strcat(in, "ア");
        strcat(want, "ｱ");
    }
    strcat(want, "ｱ");
    assert_string_equal(holder(strcat(in, "ア")), want);
    in[strlen(in) - strlen("ア")] = '\0';
    assert_string_equal(holder(strcat(in, "ガ")), e_large);
}

static void
test_bank_codes(void **state)
{
    (void)state;
    assert_true(contract_bank_code_valid("0001"));
    assert_false(contract_bank_code_valid("001"));
    assert_false(contract_bank_code_valid("00011"));
    assert_false(contract_bank_code_valid("00a1"));
    assert_true(contract_branch_code_valid("123"));
    assert_false(contract_branch_code_valid("12"));
    assert_false(contract_branch_code_valid("1234"));
    assert_true(contract_account_type_valid("1"));
    assert_true(contract_account_type_valid("2"));
    assert_true(contract_account_type_valid("9"));
    assert_false(contract_account_type_valid("3"));
    assert_false(contract_account_type_valid("12"));
    assert_true(contract_account_number_valid("1"));
    assert_true(contract_account_number_valid("1234567"));
    assert_false(contract_account_number_valid("12345678"));
    assert_false(contract_account_number_valid(""));
    assert_false(contract_account_number_valid("12-345"));
}

/* A contract record checked as on create: field errors in k. */
static json_t *
checked_contract(const char *json, struct jcheck *k)
{
    json_t *rec = json_loads(json, 0, NULL);
    assert_non_null(rec);
    jcheck_init(k);
    cfield_check(contract_fields, rec, k);
    contract_check(rec, NULL, k);
    return rec;
}

/* True when k holds an error for field. */
static bool
has_error(const struct jcheck *k, const char *field)
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
test_debit_needs_bank_fields_and_pads_the_number(void **state)
{
    (void)state;
    struct jcheck k;
    json_t *rec = checked_contract(
        "{\"start_date\":\"2026-04-01\",\"payment_method\":\"debit\","
        "\"bank_code\":\"0001\",\"branch_code\":\"123\",\"account_type\":\"1\","
        "\"account_number\":\"4567\",\"account_holder\":\"やまだ はなこ\"}",
        &k);
    assert_true(jcheck_ok(&k));
    assert_string_equal(
        json_string_value(json_object_get(rec, "account_number")), "0004567");
    assert_string_equal(
        json_string_value(json_object_get(rec, "account_holder")), "ﾔﾏﾀﾞ ﾊﾅｺ");
    jcheck_free(&k);
    json_decref(rec);
    rec = checked_contract(
        "{\"start_date\":\"2026-04-01\",\"payment_method\":\"debit\","
        "\"bank_code\":\"01\",\"account_holder\":\"山田\"}",
        &k);
    assert_true(has_error(&k, "bank_code"));      /* format */
    assert_true(has_error(&k, "branch_code"));    /* required for debit */
    assert_true(has_error(&k, "account_number")); /* required for debit */
    assert_true(has_error(&k, "account_holder")); /* kanji */
    jcheck_free(&k);
    json_decref(rec);
}

static void
test_other_methods_refuse_bank_fields(void **state)
{
    (void)state;
    struct jcheck k;
    json_t *rec = checked_contract(
        "{\"start_date\":\"2026-04-01\",\"payment_method\":\"collection\","
        "\"bank_code\":\"0001\"}",
        &k);
    assert_true(has_error(&k, "bank_code"));
    assert_false(has_error(&k, "branch_code"));
    jcheck_free(&k);
    json_decref(rec);
    rec = checked_contract(
        "{\"start_date\":\"2026-04-01\",\"payment_method\":\"cvs\"}", &k);
    assert_true(jcheck_ok(&k));
    jcheck_free(&k);
    json_decref(rec);
    rec = checked_contract(
        "{\"start_date\":\"2026-04-01\",\"payment_method\":\"cash\"}", &k);
    assert_true(has_error(&k, "payment_method"));
    jcheck_free(&k);
    json_decref(rec);
}

static void
test_mask_keeps_last_three_digits_or_drops_all(void **state)
{
    (void)state;
    char m[16];
    contract_mask_number("0004567", m);
    assert_string_equal(m, "****567");
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "bank_code",
                            "0001", "branch_code", "123", "account_type", "1",
                            "account_number", "0004567", "account_holder",
                            "ﾔﾏﾀﾞ", "payment_method", "debit");
    json_t *copy = json_deep_copy(rec);
    contract_mask(rec, true);
    assert_null(json_object_get(rec, "account_number"));
    assert_string_equal(
        json_string_value(json_object_get(rec, "account_number_masked")),
        "****567");
    assert_string_equal(json_string_value(json_object_get(rec, "bank_code")),
                        "0001");
    contract_mask(copy, false);
    assert_int_equal(json_object_size(copy), 1); /* payment_method only */
    json_decref(rec);
    json_decref(copy);
}

/* The tenths parsed from JSON text, or -1 when refused. */
static int64_t
tenths(const char *json)
{
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    int64_t t = -1;
    assert_non_null(v);
    if (equipment_tenths_parse(v, &t))
        t = -1;
    json_decref(v);
    return t;
}

static void
test_tenths_accept_strings_and_numbers(void **state)
{
    (void)state;
    char s[24];
    assert_int_equal(tenths("\"1234.5\""), 12345);
    assert_int_equal(tenths("\"1234\""), 12340);
    assert_int_equal(tenths("\"0.1\""), 1);
    assert_int_equal(tenths("1234"), 12340);
    assert_int_equal(tenths("1234.5"), 12345);
    assert_int_equal(tenths("0.3"), 3);
    assert_int_equal(tenths("\"99999999.9\""), METER_INDEX_MAX);
    assert_int_equal(tenths("\"1234.56\""), -1); /* two decimals */
    assert_int_equal(tenths("1234.56"), -1);
    assert_int_equal(tenths("\"-1\""), -1);
    assert_int_equal(tenths("-1"), -1);
    assert_int_equal(tenths("\"1,234\""), -1);
    assert_int_equal(tenths("\"1234.\""), -1);
    assert_int_equal(tenths("\".5\""), -1);
    assert_int_equal(tenths("\"\""), -1);
    assert_int_equal(tenths("\"1000000000\""), -1); /* over 8 digits */
    assert_int_equal(tenths("true"), -1);
    equipment_tenths_format(12345, s);
    assert_string_equal(s, "1234.5");
    equipment_tenths_format(0, s);
    assert_string_equal(s, "0.0");
}

static void
test_register_size_by_digits(void **state)
{
    (void)state;
    assert_int_equal(meter_index_max(3), 9999);      /* 999.9 */
    assert_int_equal(meter_index_max(4), 99999);     /* 9,999.9 */
    assert_int_equal(meter_index_max(8), 999999999); /* METER_INDEX_MAX */
}

static void
test_capacity_and_expiry(void **state)
{
    (void)state;
    const char *ok[] = {"1.6", "2.5", "4", "6", "10", "16", "25", "40"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_true(meter_capacity_valid(ok[i]));
    assert_false(meter_capacity_valid("5"));
    assert_false(meter_capacity_valid("4.0"));
    assert_false(meter_capacity_valid("E4"));
    assert_true(meter_expiry_valid("2031-03"));
    assert_false(meter_expiry_valid("2031-13"));
    assert_false(meter_expiry_valid("2031-00"));
    assert_false(meter_expiry_valid("2031-3"));
    assert_false(meter_expiry_valid("2031/03"));
    assert_false(meter_expiry_valid("2031-03-01"));
    /* usable to the end of the expiry month */
    assert_false(meter_expired("2026-03", "2026-03-31"));
    assert_true(meter_expired("2026-03", "2026-04-01"));
    assert_false(meter_expired("2031-01", "2026-04-01"));
}

static void
test_meter_defaults_and_index_fits_register(void **state)
{
    (void)state;
    struct jcheck k;
    json_t *rec = json_pack("{s:s, s:s, s:s}", "serial", "A-123", "kind", "E",
                            "install_date", "2026-04-01");
    jcheck_init(&k);
    cfield_check(meter_fields, rec, &k);
    meter_check(rec, NULL, &k);
    assert_true(jcheck_ok(&k));
    assert_int_equal(json_integer_value(json_object_get(rec, "digits")), 4);
    assert_string_equal(
        json_string_value(json_object_get(rec, "initial_index")), "0.0");
    jcheck_free(&k);
    json_object_set_new(rec, "initial_index", json_real(10000.0));
    jcheck_init(&k);
    cfield_check(meter_fields, rec, &k);
    meter_check(rec, NULL, &k);
    assert_true(has_error(&k, "initial_index")); /* 10000.0 > 9999.9 */
    jcheck_free(&k);
    json_object_set_new(rec, "digits", json_integer(5));
    json_object_set_new(rec, "capacity", json_string("3"));
    jcheck_init(&k);
    cfield_check(meter_fields, rec, &k);
    meter_check(rec, NULL, &k);
    assert_false(has_error(&k, "initial_index"));
    assert_true(has_error(&k, "capacity"));
    jcheck_free(&k);
    json_decref(rec);
}

static void
test_cylinder_volumes_are_canonical(void **state)
{
    (void)state;
    struct jcheck k;
    json_t *rec =
        json_pack("{s:i, s:i, s:i, s:s, s:f, s:s}", "size_kg", 50,
                  "supply_count", 2, "reserve_count", 2, "switch_kind", "auto",
                  "usage_30d", 12.5, "gas_out_index", "");
    jcheck_init(&k);
    cfield_check(cylinder_fields, rec, &k);
    assert_true(jcheck_ok(&k));
    assert_string_equal(json_string_value(json_object_get(rec, "usage_30d")),
                        "12.5");
    assert_true(json_is_null(json_object_get(rec, "gas_out_index")));
    jcheck_free(&k);
    json_object_set_new(rec, "size_kg", json_integer(0));
    json_object_set_new(rec, "switch_kind", json_string("sometimes"));
    jcheck_init(&k);
    cfield_check(cylinder_fields, rec, &k);
    assert_true(has_error(&k, "size_kg"));
    assert_true(has_error(&k, "switch_kind"));
    jcheck_free(&k);
    json_decref(rec);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holder_becomes_half_width_katakana),
        cmocka_unit_test(test_holder_takes_zengin_ascii_and_full_width),
        cmocka_unit_test(test_holder_refuses_other_characters),
        cmocka_unit_test(test_bank_codes),
        cmocka_unit_test(test_debit_needs_bank_fields_and_pads_the_number),
        cmocka_unit_test(test_other_methods_refuse_bank_fields),
        cmocka_unit_test(test_mask_keeps_last_three_digits_or_drops_all),
        cmocka_unit_test(test_tenths_accept_strings_and_numbers),
        cmocka_unit_test(test_register_size_by_digits),
        cmocka_unit_test(test_capacity_and_expiry),
        cmocka_unit_test(test_meter_defaults_and_index_fits_register),
        cmocka_unit_test(test_cylinder_volumes_are_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
