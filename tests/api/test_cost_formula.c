/*
 * test_cost_formula.c — 原料費調整 by formula over HTTP: the formula and
 * the monthly reference prices are set, a month is tried (dry run: nothing
 * stored) and then computed (stored as the month's adjustment, source
 * "formula", and a quote that month shows it); a month whose reference
 * prices are missing is refused with the month named and nothing stored;
 * field errors name the field; a meter reader gets 403; every change is
 * audited.
 *
 * Figures (worked in test_cost_formula.c too): base ¥80,000/t, CP only,
 * 0.482 m³/kg, ¥5 steps 切り捨て, lag 3 months, averaged over 2 months.
 * October uses July ($620.00 × ¥152.00 = ¥94,240/t) and June ($600.00 ×
 * ¥150.00 = ¥90,000/t): average ¥92,120, +¥25.1452…/m³ → ¥25.00.
 */
#include "accounts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct server srv;
static struct account admin, reader;
static struct client admin_c, reader_c;

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    account_make(&srv, "0001", "yamada", "reader", &reader);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&reader_c);
    server_down(&srv);
    return 0;
}

static void
req(const char *method, const char *path, const char *json, struct http *h)
{
    client_req(&srv, &admin_c, method, path, json, h);
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Status of one admin request (the body is dropped). */
static long
status_of(const char *method, const char *path, const char *json)
{
    struct http h;
    req(method, path, json, &h);
    long s = h.status;
    if (s >= 400 && s != 404 && s != 409 && s != 422)
        fail_msg("%s %s: %ld %s", method, path, s, h.body);
    http_free(&h);
    return s;
}

static const char formula[] =
    "{\"base_yen_per_t\":\"80000\",\"cp_weight\":100,\"mb_weight\":0,"
    "\"conversion_m3_per_kg\":\"0.482\",\"step\":\"5\",\"rounding\":\"down\","
    "\"lag_months\":3,\"period_months\":1,\"average_months\":2,"
    "\"tax_included\":true}";

static void
test_no_formula_yet(void **state)
{
    (void)state;
    struct http h;
    req("GET", "/api/v1/cost-formula", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_true(json_is_null(json_object_get(h.json, "formula")));
    http_free(&h);
    req("POST", "/api/v1/cost-adjustments/2026-10/compute", "{}", &h);
    assert_problem(&h, 409, "billing.cost_formula_none");
    http_free(&h);
}

static void
test_fields_are_checked(void **state)
{
    (void)state;
    struct http h;
    req("PUT", "/api/v1/cost-formula",
        "{\"base_yen_per_t\":\"80000\",\"cp_weight\":70,\"mb_weight\":20,"
        "\"conversion_m3_per_kg\":\"0.4821\",\"rounding\":\"nearest\"}",
        &h);
    assert_problem(&h, 422, "invalid");
    const char *body = h.body;
    assert_non_null(strstr(body, "conversion_m3_per_kg"));
    assert_non_null(strstr(body, "rounding"));
    http_free(&h);
    /* weights not adding up to 100, alone */
    req("PUT", "/api/v1/cost-formula",
        "{\"base_yen_per_t\":\"80000\",\"cp_weight\":70,\"mb_weight\":20}", &h);
    assert_problem(&h, 422, "invalid");
    assert_non_null(strstr(h.body, "cp_weight"));
    http_free(&h);
    req("PUT", "/api/v1/cost-references/2026-07",
        "{\"cp_usd_per_t\":\"abc\",\"tts_yen_per_usd\":\"0\"}", &h);
    assert_problem(&h, 422, "invalid");
    assert_non_null(strstr(h.body, "cp_usd_per_t"));
    http_free(&h);
    req("PUT", "/api/v1/cost-references/2026-13", "{}", &h);
    assert_int_equal(h.status, 404);
    http_free(&h);
    /* nothing was stored */
    req("GET", "/api/v1/cost-formula", NULL, &h);
    assert_true(json_is_null(json_object_get(h.json, "formula")));
    http_free(&h);
    req("GET", "/api/v1/cost-references", NULL, &h);
    assert_int_equal(json_array_size(json_object_get(h.json, "references")), 0);
    http_free(&h);
}

static void
test_formula_then_month(void **state)
{
    (void)state;
    struct http h;
    assert_int_equal(status_of("PUT", "/api/v1/cost-formula", formula), 200);
    req("GET", "/api/v1/cost-formula", NULL, &h);
    json_t *f = json_object_get(h.json, "formula");
    assert_string_equal(str(f, "conversion_m3_per_kg"), "0.482");
    assert_string_equal(str(f, "base_yen_per_t"), "80000.00");
    http_free(&h);
    assert_int_equal(status_of("PUT", "/api/v1/cost-references/2026-07",
                               "{\"cp_usd_per_t\":\"620.00\","
                               "\"tts_yen_per_usd\":\"152.00\"}"),
                     200);
    /* June missing: refused, the month named, nothing stored */
    req("POST", "/api/v1/cost-adjustments/2026-10/compute", "{}", &h);
    assert_problem(&h, 422, "billing.cost_reference_missing");
    assert_non_null(strstr(h.body, "2026-06"));
    http_free(&h);
    assert_int_equal(status_of("GET", "/api/v1/cost-adjustments/2026-10", NULL),
                     404);
    assert_int_equal(status_of("PUT", "/api/v1/cost-references/2026-06",
                               "{\"cp_usd_per_t\":600,"
                               "\"tts_yen_per_usd\":\"150\"}"),
                     200);
    /* a dry run shows the working and stores nothing */
    req("POST", "/api/v1/cost-adjustments/2026-10/compute",
        "{\"dry_run\":true}", &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "per_m3"), "25.00");
    assert_string_equal(str(h.json, "exact_per_m3"), "25.15");
    assert_string_equal(str(h.json, "raw_yen_per_t"), "92120.00");
    assert_false(json_is_true(json_object_get(h.json, "stored")));
    http_free(&h);
    assert_int_equal(status_of("GET", "/api/v1/cost-adjustments/2026-10", NULL),
                     404);
    /* computed: the month's adjustment, from the formula */
    req("POST", "/api/v1/cost-adjustments/2026-10/compute", "{}", &h);
    assert_int_equal(h.status, 200);
    assert_true(json_is_true(json_object_get(h.json, "stored")));
    http_free(&h);
    req("GET", "/api/v1/cost-adjustments/2026-10", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(str(h.json, "per_m3"), "25.00");
    assert_string_equal(str(h.json, "source"), "formula");
    http_free(&h);
}

static void
test_reader_cannot(void **state)
{
    (void)state;
    struct http h;
    client_req(&srv, &reader_c, "GET", "/api/v1/cost-formula", NULL, &h);
    assert_int_equal(h.status, 403);
    http_free(&h);
    client_req(&srv, &reader_c, "PUT", "/api/v1/cost-references/2026-08",
               "{\"cp_usd_per_t\":\"600\",\"tts_yen_per_usd\":\"150\"}", &h);
    assert_int_equal(h.status, 403);
    http_free(&h);
    client_req(&srv, &reader_c, "POST",
               "/api/v1/cost-adjustments/2026-11/compute", "{}", &h);
    assert_int_equal(h.status, 403);
    http_free(&h);
}

static void
test_every_change_is_audited(void **state)
{
    (void)state;
    const char *list[] = {"audit", "list",   "--data",  srv.data, "--tenant",
                          "0001",  "--json", "--limit", "500",    NULL};
    char *out, *err;
    assert_int_equal(cli_run(list, &out, &err), 0);
    assert_non_null(strstr(out, "cost_formula.set"));
    assert_non_null(strstr(out, "cost_reference.set"));
    assert_non_null(strstr(out, "cost_adjustment.compute"));
    free(out);
    free(err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_formula_yet),
        cmocka_unit_test(test_fields_are_checked),
        cmocka_unit_test(test_formula_then_month),
        cmocka_unit_test(test_reader_cannot),
        cmocka_unit_test(test_every_change_is_audited),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
