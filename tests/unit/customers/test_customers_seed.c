/*
 * test_customers_seed.c — tests src/customers/customers_seed.c through
 * seed_run(): the seeded ledger is valid by the ledger's own rules (every
 * number, kana, phone, postal code and account holder passes the same
 * validation the API applies), structurally sound (one current occupant
 * and one installed meter per point, closed customers live nowhere, bank
 * fields exactly on 口座振替 contracts), realistic where it matters (some
 * meters past expiry, some previous occupants) and reproducible: the same
 * seed and --as-of give the same content in another data directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "customers/customers.h"
#include "seed/seed.h"
#include "store/pool.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOUSES 400

/* Seed a fresh dir (2 tenants × HOUSES); returns tenant 1's store. */
static struct store *
seed_into(char dir[64], uint64_t seed)
{
    struct store *platform, *st;
    snprintf(dir, 64, "/tmp/pl-seedtest-XXXXXX");
    assert_non_null(mkdtemp(dir));
    pool_thread_release();
    assert_int_equal(pool_init(dir, 4), ERR_OK);
    assert_int_equal(pool_platform(&platform), ERR_OK);
    struct seed_ctx c = {
        .data_dir = dir,
        .platform = platform,
        .actor = "test",
        .seed = seed,
        .tenants = 2,
        .customers_per_tenant = HOUSES,
        .months = 0,
        .quiet = 1,
        .as_of = "2026-11-27",
    };
    assert_int_equal(seed_run(&c), ERR_OK);
    free(c.tenant_ids);
    assert_int_equal(pool_tenant(1, &st), ERR_OK);
    return st;
}

static void
remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The one integer a query returns. */
static int64_t
scalar(struct store *st, const char *sql)
{
    struct stmt *s;
    bool row = false;
    int64_t v = -1;
    assert_int_equal(store_query(st, &s, sql, ""), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    if (row)
        v = stmt_int(s, 0);
    stmt_done(s);
    return v;
}

/* FNV-1a over every row of sql (all columns as text). */
static uint64_t
digest(struct store *st, const char *sql, uint64_t h)
{
    struct stmt *s;
    bool row;
    assert_int_equal(store_query(st, &s, sql, ""), ERR_OK);
    while (stmt_step(s, &row) == ERR_OK && row) {
        const char *t = stmt_text(s, 0);
        for (const char *p = t ? t : "<null>"; *p; p++)
            h = (h ^ (unsigned char)*p) * 0x100000001B3ULL;
    }
    stmt_done(s);
    return h;
}

/* What the seed decided (not when it ran): no timestamps. */
static uint64_t
content_digest(struct store *st)
{
    uint64_t h = 0xCBF29CE484222325ULL;
    h = digest(
        st,
        "SELECT quote(number) || '|' || quote(name) || '|' || quote(kana) || "
        "'|' || quote(kind) || '|' || quote(phone1) || '|' || quote(phone2) || "
        "'|' || quote(email) || '|' || quote(postal_code) || '|' || "
        "quote(prefecture) || '|' || quote(address) || '|' || quote(notes) || "
        "'|' || quote(status) FROM customers ORDER BY id",
        h);
    h = digest(st,
               "SELECT quote(city) || quote(street) || "
               "quote(building) || '|' || quote(room) || '|' || "
               "quote(supply_kind) || '|' || quote(route) || '|' || "
               "quote(route_order) || '|' || quote(billing_group)"
               " FROM supply_points ORDER BY id",
               h);
    h = digest(st,
               "SELECT quote(serial) || quote(kind) || "
               "quote(install_date) || '|' || quote(certification_expiry) || "
               "'|' || quote(device_id) || '|' || quote(initial_index)"
               " FROM meters ORDER BY id",
               h);
    return digest(
        st,
        "SELECT quote(payment_method) || quote(bank_code) || "
        "quote(account_number) || '|' || quote(account_holder) || '|' || "
        "quote(start_date) || '|' || quote(end_date)"
        " FROM contracts ORDER BY id",
        h);
}

static void
test_seeded_customers_pass_the_ledgers_validation(void **state)
{
    (void)state;
    char dir[64], norm[400];
    struct store *st = seed_into(dir, 7);
    struct stmt *s;
    bool row;
    int n = 0;
    assert_int_equal(store_query(st, &s,
                                 "SELECT number, kana, phone1, phone2,"
                                 " postal_code FROM customers",
                                 ""),
                     ERR_OK);
    while (stmt_step(s, &row) == ERR_OK && row) {
        n++;
        assert_true(customer_number_valid(stmt_text(s, 0)));
        assert_int_equal(
            customer_kana_normalize(stmt_text(s, 1), norm, sizeof(norm)),
            ERR_OK);
        assert_string_equal(norm, stmt_text(s, 1)); /* already normal */
        assert_true(customer_phone_valid(stmt_text(s, 2)));
        assert_true(stmt_is_null(s, 3) ||
                    customer_phone_valid(stmt_text(s, 3)));
        assert_true(customer_postal_valid(stmt_text(s, 4)));
    }
    stmt_done(s);
    assert_true(n > HOUSES); /* plus previous occupants */
    remove_dir(dir);
}

static void
test_every_point_has_one_occupant_and_one_meter(void **state)
{
    (void)state;
    char dir[64];
    struct store *st = seed_into(dir, 7);
    assert_int_equal(scalar(st, "SELECT count(*) FROM supply_points"), HOUSES);
    assert_int_equal(scalar(st, "SELECT count(*) FROM supply_points p WHERE"
                                " (SELECT count(*) FROM occupancy o WHERE"
                                " o.supply_point_id = p.id AND"
                                " o.moved_out IS NULL) != 1"),
                     0);
    assert_int_equal(scalar(st, "SELECT count(*) FROM supply_points p WHERE"
                                " (SELECT count(*) FROM meters m WHERE"
                                " m.supply_point_id = p.id AND"
                                " m.removed_date IS NULL) != 1"),
                     0);
    /* Closed customers moved out before the current occupant moved in. */
    assert_true(scalar(st, "SELECT count(*) FROM customers"
                           " WHERE status = 'closed'") > 0);
    assert_int_equal(scalar(st, "SELECT count(*) FROM customers c JOIN"
                                " occupancy o ON o.customer_id = c.id WHERE"
                                " c.status = 'closed' AND o.moved_out IS NULL"),
                     0);
    assert_int_equal(scalar(st, "SELECT count(*) FROM occupancy a JOIN"
                                " occupancy b ON a.supply_point_id ="
                                " b.supply_point_id AND a.id != b.id WHERE"
                                " a.moved_out IS NOT NULL AND b.moved_out IS"
                                " NULL AND a.moved_out > b.moved_in"),
                     0);
    remove_dir(dir);
}

static void
test_meters_contracts_and_search_look_real(void **state)
{
    (void)state;
    char dir[64];
    struct store *st = seed_into(dir, 7);
    int64_t expired = scalar(st, "SELECT count(*) FROM meters WHERE"
                                 " certification_expiry < '2026-11'");
    assert_in_range(expired, HOUSES / 50, HOUSES / 8);
    assert_int_equal(scalar(st, "SELECT count(*) FROM contracts WHERE"
                                " (payment_method = 'debit') != (bank_code IS"
                                " NOT NULL AND branch_code IS NOT NULL AND"
                                " account_number IS NOT NULL AND"
                                " account_holder IS NOT NULL)"),
                     0);
    assert_true(scalar(st, "SELECT count(*) FROM contracts"
                           " WHERE payment_method = 'debit'") > HOUSES / 2);
    assert_int_equal(scalar(st, "SELECT count(*) FROM customers"),
                     scalar(st, "SELECT count(*) FROM customer_search"));
    assert_int_equal(scalar(st, "SELECT count(*) FROM audit_log"
                                " WHERE action = 'customer.seed'"),
                     1);
    remove_dir(dir);
}

static void
test_same_seed_same_content_other_seed_other_content(void **state)
{
    (void)state;
    char a[64], b[64], c[64];
    uint64_t da = content_digest(seed_into(a, 11));
    uint64_t db = content_digest(seed_into(b, 11));
    uint64_t dc = content_digest(seed_into(c, 12));
    assert_true(da == db);
    assert_true(da != dc);
    remove_dir(a);
    remove_dir(b);
    remove_dir(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeded_customers_pass_the_ledgers_validation),
        cmocka_unit_test(test_every_point_has_one_occupant_and_one_meter),
        cmocka_unit_test(test_meters_contracts_and_search_look_real),
        cmocka_unit_test(test_same_seed_same_content_other_seed_other_content),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
