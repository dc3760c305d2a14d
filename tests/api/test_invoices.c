/*
 * test_invoices.c — invoices (請求書) over HTTP: the invoice JSON,
 * who may see it, corrections (赤黒訂正) and adjustments (調整), and bad
 * input.
 *
 * Data: `pilotlight seed` as of 2026-10-28 (one retailer, 300
 * households, three months of history): the seed's billing module issued
 * September's invoices; October's periods are open until a test closes
 * them.
 *
 * Covers: the invoice JSON holds what the statement needs and its totals
 * add up (subtotal = Σ taxable, total = subtotal + tax, amount due = total
 * + previous balance); a meter reader and a delivery driver get 403 on
 * every invoice route; a correction voids the original and issues the
 * next number naming it, re-priced with the corrected usage, and a void
 * invoice cannot be corrected again; an adjustment lands on the
 * customer's next invoice as a charge line; bad input is refused with
 * field errors and changes nothing; ?order=desc lists newest first and
 * pages on towards older invoices.
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
static struct account admin, reader, driver;
static struct client admin_c, reader_c, driver_c;

static int64_t
num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static const char *
str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    const char *seed[] = {"seed",      "--data",     srv.data,
                          "--tenants", "1",          "--customers-per-tenant",
                          "300",       "--months",   "3",
                          "--as-of",   "2026-10-28", NULL};
    cli_ok(seed);
    account_make(&srv, "0001", "billtest", "admin", &admin);
    account_make(&srv, "0001", "kenshin", "reader", &reader);
    account_make(&srv, "0001", "haisou", "delivery", &driver);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &reader);
    account_enroll(&srv, &driver);
    account_sign_in(&srv, &admin_c, &admin);
    account_sign_in(&srv, &reader_c, &reader);
    account_sign_in(&srv, &driver_c, &driver);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    client_free(&reader_c);
    client_free(&driver_c);
    server_down(&srv);
    return 0;
}

static json_t *
get_json(struct client *c, const char *path)
{
    struct http h;
    client_req(&srv, c, "GET", path, NULL, &h);
    if (h.status != 200)
        fail_msg("GET %s: %ld %s", path, h.status, h.body);
    json_t *j = json_incref(h.json);
    http_free(&h);
    return j;
}

static json_t *
invoice(int64_t id)
{
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/invoices/%lld", (long long)id);
    return get_json(&admin_c, path);
}

/* The first issued invoice with usage above 3 m³ of the seeded history. */
static int64_t
some_invoice(void)
{
    json_t *l = get_json(&admin_c, "/api/v1/invoices?limit=100"), *iv;
    size_t i;
    int64_t id = 0;
    json_array_foreach(json_object_get(l, "invoices"), i, iv)
    {
        if (!id && !strcmp(str(iv, "status"), "issued") &&
            strtod(str(iv, "usage_m3"), NULL) > 3.0)
            id = num(iv, "id");
    }
    json_decref(l);
    assert_true(id > 0);
    return id;
}

static int64_t
max_number(void)
{
    int64_t after = 0, max = 0;
    for (;;) {
        char path[96];
        snprintf(path, sizeof(path), "/api/v1/invoices?limit=500&after=%lld",
                 (long long)after);
        json_t *l = get_json(&admin_c, path), *iv;
        size_t i;
        json_array_foreach(json_object_get(l, "invoices"), i, iv)
        {
            if (num(iv, "number") > max)
                max = num(iv, "number");
        }
        json_t *next = json_object_get(l, "next_after");
        after = json_is_integer(next) ? json_integer_value(next) : 0;
        json_decref(l);
        if (!after)
            return max;
    }
}

static void
test_invoice_json_adds_up(void **state)
{
    (void)state;
    json_t *iv = invoice(some_invoice()), *t, *l;
    size_t i;
    int64_t taxable = 0, tax = 0;
    assert_string_equal(str(iv, "status"), "issued");
    assert_true(num(iv, "number") >= 1);
    assert_non_null(str(json_object_get(iv, "customer"), "name"));
    assert_non_null(str(json_object_get(iv, "supply_point"), "address"));
    assert_non_null(str(json_object_get(iv, "reading"), "current_index"));
    assert_non_null(str(json_object_get(iv, "period"), "from"));
    assert_non_null(
        json_object_get(json_object_get(iv, "issuer"), "registration"));
    assert_int_equal(json_array_size(json_object_get(iv, "tax")), 3);
    json_array_foreach(json_object_get(iv, "tax"), i, t)
    {
        taxable += num(t, "taxable_yen");
        tax += num(t, "tax_yen");
    }
    assert_int_equal(num(iv, "subtotal_yen"), taxable);
    assert_int_equal(num(iv, "tax_yen"), tax);
    assert_int_equal(num(iv, "total_yen"), taxable + tax);
    assert_int_equal(num(iv, "amount_due_yen"),
                     num(iv, "total_yen") + num(iv, "previous_balance_yen"));
    /* 2025 rule: base, usage and equipment lines, equipment even at ¥0 */
    bool base = false, usage = false, equip = false;
    json_array_foreach(json_object_get(iv, "lines"), i, l)
    {
        base |= !strcmp(str(l, "kind"), "base");
        usage |= !strcmp(str(l, "kind"), "usage");
        equip |= !strcmp(str(l, "kind"), "equipment");
    }
    assert_true(base && usage && equip);
    json_decref(iv);
}

static void
test_reader_and_driver_cannot_see_invoices(void **state)
{
    (void)state;
    struct client *who[] = {&reader_c, &driver_c};
    char one[64];
    snprintf(one, sizeof(one), "/api/v1/invoices/%lld",
             (long long)some_invoice());
    for (int k = 0; k < 2; k++) {
        struct http h;
        client_req(&srv, who[k], "GET", "/api/v1/invoices", NULL, &h);
        assert_problem(&h, 403, "auth.forbidden");
        http_free(&h);
        client_req(&srv, who[k], "GET", one, NULL, &h);
        assert_problem(&h, 403, "auth.forbidden");
        http_free(&h);
        client_req(&srv, who[k], "GET", "/api/v1/billing-runs", NULL, &h);
        assert_problem(&h, 403, "auth.forbidden");
        http_free(&h);
        client_req(&srv, who[k], "POST", "/api/v1/billing-runs",
                   "{\"billing_group\":10,\"month\":\"2026-10\"}", &h);
        assert_problem(&h, 403, "auth.forbidden");
        http_free(&h);
    }
}

static void
test_correction_voids_and_reissues(void **state)
{
    (void)state;
    int64_t id = some_invoice(), top = max_number();
    json_t *orig = invoice(id);
    char path[96];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/invoices/%lld/correct",
             (long long)id);
    client_req(&srv, &admin_c, "POST", path,
               "{\"reason\":\"検針値の誤り\",\"usage_m3\":\"1.5\"}", &h);
    if (h.status != 201)
        fail_msg("correct: %ld %s", h.status, h.body);
    assert_int_equal(num(h.json, "corrects_id"), id);
    assert_int_equal(num(h.json, "corrects_number"), num(orig, "number"));
    assert_int_equal(num(h.json, "number"), top + 1);
    assert_string_equal(str(h.json, "status"), "issued");
    assert_string_equal(str(json_object_get(h.json, "reading"), "usage_m3"),
                        "1.5");
    assert_true(num(h.json, "total_yen") < num(orig, "total_yen"));
    http_free(&h);
    json_t *now = invoice(id);
    assert_string_equal(str(now, "status"), "void");
    /* nothing else about the original changed */
    assert_true(json_equal(json_object_get(now, "lines"),
                           json_object_get(orig, "lines")));
    assert_int_equal(num(now, "total_yen"), num(orig, "total_yen"));
    json_decref(now);
    json_decref(orig);
    client_req(&srv, &admin_c, "POST", path, "{\"reason\":\"再訂正\"}", &h);
    assert_problem(&h, 409, "billing.invoice_void");
    http_free(&h);
    assert_int_equal(max_number(), top + 1);
}

/* Close October and commit every group. */
static void
bill_october(void)
{
    json_t *ps = get_json(&admin_c, "/api/v1/reading-periods?month=2026-10"),
           *p;
    size_t i;
    struct http h;
    json_array_foreach(json_object_get(ps, "periods"), i, p)
    {
        char path[96];
        snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/close",
                 (long long)num(p, "id"));
        client_req(&srv, &admin_c, "POST", path, "{\"force\":true}", &h);
        assert_int_equal(h.status, 200);
        http_free(&h);
    }
    json_decref(ps);
    const char *groups[] = {"10", "20", "31"};
    for (int g = 0; g < 3; g++) {
        char body[96];
        snprintf(body, sizeof(body),
                 "{\"billing_group\":%s,\"month\":\"2026-10\","
                 "\"preview\":false}",
                 groups[g]);
        client_req(&srv, &admin_c, "POST", "/api/v1/billing-runs", body, &h);
        if (h.status == 422) /* a group this small retailer does not use */
            assert_problem(&h, 422, "billing.nothing_to_bill");
        else if (h.status != 200)
            fail_msg("run %s: %ld %s", groups[g], h.status, h.body);
        http_free(&h);
    }
}

static void
test_adjustment_lands_on_next_invoice(void **state)
{
    (void)state;
    int64_t id = some_invoice();
    json_t *iv = invoice(id);
    int64_t customer = num(json_object_get(iv, "customer"), "id");
    json_decref(iv);
    char path[96];
    struct http h;
    snprintf(path, sizeof(path), "/api/v1/invoices/%lld/adjust", (long long)id);
    client_req(&srv, &admin_c, "POST", path,
               "{\"amount_yen\":-550,\"reason\":\"過請求の返金\"}", &h);
    if (h.status != 201)
        fail_msg("adjust: %ld %s", h.status, h.body);
    http_free(&h);
    bill_october();
    snprintf(path, sizeof(path), "/api/v1/invoices?customer_id=%lld",
             (long long)customer);
    json_t *l = get_json(&admin_c, path), *s, *line;
    size_t i, j;
    int found = 0;
    json_array_foreach(json_object_get(l, "invoices"), i, s)
    {
        if (strcmp(str(json_object_get(s, "period"), "to"), "2026-10-01") < 0)
            continue;
        json_t *full = invoice(num(s, "id"));
        json_array_foreach(json_object_get(full, "lines"), j, line)
        {
            if (!strcmp(str(line, "kind"), "charge") &&
                num(line, "amount_yen") == -550)
                found++;
        }
        json_decref(full);
    }
    json_decref(l);
    assert_int_equal(found, 1);
}

/* The ids of every page of GET /api/v1/invoices?<query>, in order. */
static void
list_ids(const char *query, int64_t *ids, size_t *n, size_t cap)
{
    int64_t after = 0;
    *n = 0;
    for (;;) {
        char path[160];
        snprintf(path, sizeof(path), "/api/v1/invoices?%s&after=%lld", query,
                 (long long)after);
        json_t *l = get_json(&admin_c, path), *iv;
        size_t i;
        json_array_foreach(json_object_get(l, "invoices"), i, iv)
        {
            assert_true(*n < cap);
            ids[(*n)++] = num(iv, "id");
        }
        json_t *next = json_object_get(l, "next_after");
        after = json_is_integer(next) ? json_integer_value(next) : 0;
        json_decref(l);
        if (!after)
            return;
    }
}

/* ?order=desc: newest first, next_after pages on towards older ones, and
 * the pages together are the ascending list reversed; with customer_id
 * too. */
static void
test_newest_first(void **state)
{
    (void)state;
    enum { CAP = 4096 };
    static int64_t up[CAP], down[CAP];
    size_t nup, ndown;
    list_ids("limit=500", up, &nup, CAP);
    list_ids("limit=7&order=desc", down, &ndown, CAP);
    assert_true(nup > 14);
    assert_int_equal(ndown, nup);
    for (size_t i = 0; i < nup; i++)
        assert_int_equal(down[i], up[nup - 1 - i]);

    /* one customer's invoices, newest first, two at a time */
    json_t *iv = invoice(some_invoice());
    char q[96];
    int64_t cust = num(json_object_get(iv, "customer"), "id");
    json_decref(iv);
    snprintf(q, sizeof(q), "customer_id=%lld&limit=500", (long long)cust);
    list_ids(q, up, &nup, CAP);
    snprintf(q, sizeof(q), "customer_id=%lld&limit=2&order=desc",
             (long long)cust);
    list_ids(q, down, &ndown, CAP);
    assert_true(nup >= 2);
    assert_int_equal(ndown, nup);
    for (size_t i = 0; i < nup; i++)
        assert_int_equal(down[i], up[nup - 1 - i]);

    struct http h;
    client_req(&srv, &admin_c, "GET", "/api/v1/invoices?order=newest", NULL,
               &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
}

static void
test_bad_input_is_refused(void **state)
{
    (void)state;
    static const char *const runs[] = {
        "{\"billing_group\":10,\"month\":\"2026-13\"}",
        "{\"billing_group\":40,\"month\":\"2026-10\"}",
        "{\"month\":\"2026-10\"}",
        "{\"billing_group\":10,\"month\":\"2026-10\",\"preview\":\"yes\"}",
        "{\"billing_group\":10,\"month\":\"2026-10\",\"extra\":1}",
    };
    struct http h;
    int64_t top = max_number();
    for (size_t k = 0; k < sizeof(runs) / sizeof(*runs); k++) {
        client_req(&srv, &admin_c, "POST", "/api/v1/billing-runs", runs[k], &h);
        assert_problem(&h, 422, "invalid");
        http_free(&h);
    }
    client_req(&srv, &admin_c, "POST", "/api/v1/billing-runs",
               "{\"billing_group\":5,\"month\":\"2026-10\"}", &h);
    assert_problem(&h, 422, "billing.nothing_to_bill");
    http_free(&h);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/invoices/%lld/adjust",
             (long long)some_invoice());
    client_req(&srv, &admin_c, "POST", path,
               "{\"amount_yen\":0,\"reason\":\"x\"}", &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    client_req(&srv, &admin_c, "POST", path,
               "{\"amount_yen\":100,\"reason\":\"x\",\"tax_rate\":5}", &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    client_req(&srv, &admin_c, "POST", "/api/v1/invoices/99999999/correct",
               "{\"reason\":\"x\"}", &h);
    assert_problem(&h, 404, "billing.invoice_not_found");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/invoices?limit=0", NULL, &h);
    assert_problem(&h, 422, "invalid");
    http_free(&h);
    client_req(&srv, &admin_c, "GET", "/api/v1/billing-runs/99999", NULL, &h);
    assert_problem(&h, 404, "billing.run_not_found");
    http_free(&h);
    assert_int_equal(max_number(), top);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invoice_json_adds_up),
        cmocka_unit_test(test_reader_and_driver_cannot_see_invoices),
        cmocka_unit_test(test_correction_voids_and_reissues),
        cmocka_unit_test(test_bad_input_is_refused),
        cmocka_unit_test(test_newest_first),
        cmocka_unit_test(test_adjustment_lands_on_next_invoice),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
