/*
 * test_migrate.c — tests src/store/migrate.c and the SQLite store
 * (src/store/store_sqlite.c) through store_open_with() on a temporary file
 * with migration lists made up here.
 *
 * Migrations: applied once and recorded in schema_migrations; only missing
 * versions run; a store from a newer binary (higher version or unknown
 * module) is refused with ERR_STORE_NEWER; a failure rolls back everything
 * applied in the same open; tables need a non-null primary key; lists must
 * be numbered 1..n. Store basics: $n binding by number, stepping rows, the
 * statement cache, transactions, constraint errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/migrate.h"
#include "store/store.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- migration lists ---------------------------------------------------- */

#define A1                                                                     \
    {                                                                          \
        "a", 1, "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)"              \
    }
#define A2                                                                     \
    {                                                                          \
        "a", 2, "CREATE TABLE a2 (k TEXT NOT NULL PRIMARY KEY)"                \
    }
#define B1                                                                     \
    {                                                                          \
        "b", 1, "CREATE TABLE b (id INTEGER PRIMARY KEY)"                      \
    }
#define END                                                                    \
    {                                                                          \
        NULL, 0, NULL                                                          \
    }

static const struct migration list_a1[] = {A1, END};
static const struct migration list_a12[] = {A1, A2, END};
static const struct migration list_b1[] = {B1, END};
static const struct migration *const sets_a1[] = {list_a1, NULL};
static const struct migration *const sets_a12[] = {list_a12, NULL};
static const struct migration *const sets_a1_b1[] = {list_a1, list_b1, NULL};

/* ---- fixture: a temporary directory holding db.sqlite ------------------- */

struct fixture {
    char dir[64];
    char path[128];
};

static int
setup(void **state)
{
    static struct fixture f;
    snprintf(f.dir, sizeof(f.dir), "/tmp/pl-test-migrate-XXXXXX");
    if (!mkdtemp(f.dir))
        return -1;
    snprintf(f.path, sizeof(f.path), "%s/db.sqlite", f.dir);
    err_clear();
    *state = &f;
    return 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    return nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Open path with sets, which must succeed. */
static struct store *
open_ok(const char *path, const struct migration *const *sets)
{
    struct store *st = NULL;
    enum err rc = store_open_with(path, sets, &st);
    if (rc)
        fail_msg("store_open_with: %s: %s", err_code(rc), err_detail());
    assert_non_null(st);
    return st;
}

/* The single integer a query returns. */
static int64_t
query_int(struct store *st, const char *sql)
{
    struct stmt *s;
    bool row = false;
    assert_int_equal(store_prepare(st, sql, &s), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    int64_t v = stmt_int(s, 0);
    stmt_done(s);
    return v;
}

/* schema_migrations as "module:version,..." in order. */
static void
assert_applied(struct store *st, const char *want)
{
    static const char sql[] = "SELECT module, version FROM schema_migrations"
                              " ORDER BY module, version";
    struct stmt *s;
    bool row;
    char got[256] = "";
    size_t len = 0;
    assert_int_equal(store_prepare(st, sql, &s), ERR_OK);
    while (stmt_step(s, &row) == ERR_OK && row && len < sizeof(got))
        len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s:%lld",
                                len ? "," : "", stmt_text(s, 0),
                                (long long)stmt_int(s, 1));
    stmt_done(s);
    assert_string_equal(got, want);
}

static int64_t
table_exists(struct store *st, const char *name)
{
    static const char sql[] =
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = $1";
    struct stmt *s;
    bool row = false;
    assert_int_equal(store_prepare(st, sql, &s), ERR_OK);
    assert_int_equal(stmt_bind_text(s, 1, name), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    int64_t n = stmt_int(s, 0);
    stmt_done(s);
    return n;
}

/* Open path with a one-list set, which must fail with want. */
static void
assert_open_fails(const char *path, const struct migration *list, enum err want)
{
    const struct migration *const sets[] = {list, NULL};
    struct store *st = (struct store *)1;
    err_clear();
    enum err rc = store_open_with(path, sets, &st);
    if (rc != want)
        fail_msg("got %s (%s), want %s", err_code(rc), err_detail(),
                 err_code(want));
    assert_null(st);
}

/* ---- migrations ---------------------------------------------------------- */

static void
test_fresh_store_applies_and_records_migrations(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_ok(f->path, sets_a12);
    assert_applied(st, "a:1,a:2");
    assert_int_equal(table_exists(st, "a"), 1);
    assert_int_equal(table_exists(st, "a2"), 1);
    assert_string_equal(store_path(st), f->path);
    assert_false(store_in_tx(st));
    store_close(st);
}

static void
test_reopening_is_a_no_op(void **state)
{
    struct fixture *f = *state;
    store_close(open_ok(f->path, sets_a1));
    /* Were v1 run again, CREATE TABLE a would fail and the open with it. */
    struct store *st = open_ok(f->path, sets_a1);
    assert_applied(st, "a:1");
    store_close(st);
}

static void
test_added_version_applies_only_that_version(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_ok(f->path, sets_a1);
    assert_int_equal(store_exec(st, "INSERT INTO a (v) VALUES ('kept')"),
                     ERR_OK);
    store_close(st);
    st = open_ok(f->path, sets_a12);
    assert_applied(st, "a:1,a:2");
    assert_int_equal(table_exists(st, "a2"), 1);
    assert_int_equal(query_int(st, "SELECT count(*) FROM a"), 1);
    store_close(st);
}

static void
test_store_with_higher_version_is_newer(void **state)
{
    struct fixture *f = *state;
    store_close(open_ok(f->path, sets_a12));
    assert_open_fails(f->path, list_a1, ERR_STORE_NEWER);
    assert_non_null(strstr(err_detail(), "newer"));
    assert_non_null(strstr(err_detail(), "'a'"));
}

static void
test_store_with_unknown_module_is_newer(void **state)
{
    struct fixture *f = *state;
    store_close(open_ok(f->path, sets_a1_b1));
    assert_open_fails(f->path, list_a1, ERR_STORE_NEWER);
    assert_non_null(strstr(err_detail(), "newer"));
    assert_non_null(strstr(err_detail(), "'b'"));
}

static void
test_failed_migration_rolls_back_everything(void **state)
{
    struct fixture *f = *state;
    static const struct migration bad[] = {
        {"b", 1, "CREATE TABLE b (id INTEGER PRIMARY KEY)"},
        {"b", 2, "CREATE TABLEX oops"},
        END,
    };
    const struct migration *const sets[] = {list_a1, bad, NULL};
    struct store *st = (struct store *)1;
    assert_int_equal(store_open_with(f->path, sets, &st), ERR_STORE_MIGRATION);
    assert_null(st);
    assert_non_null(strstr(err_detail(), "b migration 2"));
    assert_non_null(strstr(err_detail(), "TABLEX")); /* SQLite's own words */
    assert_null(strstr(err_detail(), "migration 2: b migration"));
    /* Neither module a (earlier list) nor b v1 survived. */
    st = open_ok(f->path, sets_a1);
    assert_applied(st, "a:1");
    assert_int_equal(table_exists(st, "b"), 0);
    store_close(st);
}

static void
test_failed_migration_keeps_earlier_opens(void **state)
{
    struct fixture *f = *state;
    store_close(open_ok(f->path, sets_a1));
    static const struct migration bad[] = {
        A1, A2, {"a", 3, "INSERT INTO missing VALUES (1)"}, END};
    assert_open_fails(f->path, bad, ERR_STORE_MIGRATION);
    struct store *st = open_ok(f->path, sets_a1);
    assert_applied(st, "a:1");
    assert_int_equal(table_exists(st, "a2"), 0);
    store_close(st);
}

static void
test_table_without_primary_key_is_refused(void **state)
{
    struct fixture *f = *state;
    static const struct migration nopk[] = {
        {"c", 1, "CREATE TABLE c (x TEXT NOT NULL)"}, END};
    assert_open_fails(f->path, nopk, ERR_STORE_MIGRATION);
    assert_non_null(strstr(err_detail(), "'c'"));
}

static void
test_nullable_text_primary_key_is_refused(void **state)
{
    struct fixture *f = *state;
    static const struct migration textpk[] = {
        {"c", 1, "CREATE TABLE c (k TEXT PRIMARY KEY, v TEXT)"}, END};
    assert_open_fails(f->path, textpk, ERR_STORE_MIGRATION);
    static const struct migration compound[] = {
        {"c", 1,
         "CREATE TABLE c (x INTEGER NOT NULL, y INTEGER,"
         " PRIMARY KEY (x, y))"},
        END};
    assert_open_fails(f->path, compound, ERR_STORE_MIGRATION);
}

static void
test_integer_and_not_null_primary_keys_are_fine(void **state)
{
    struct fixture *f = *state;
    static const struct migration ok[] = {
        {"c", 1, "CREATE TABLE c1 (id INTEGER PRIMARY KEY, v TEXT)"},
        {"c", 2, "CREATE TABLE c2 (k TEXT NOT NULL PRIMARY KEY)"},
        {"c", 3,
         "CREATE TABLE c3 (x TEXT NOT NULL, y INTEGER NOT NULL,"
         " PRIMARY KEY (x, y))"},
        END};
    const struct migration *const sets[] = {ok, NULL};
    struct store *st = open_ok(f->path, sets);
    assert_applied(st, "c:1,c:2,c:3");
    store_close(st);
}

static void
test_list_with_gap_is_refused(void **state)
{
    struct fixture *f = *state;
    static const struct migration gap[] = {
        A1, {"a", 3, "CREATE TABLE a3 (id INTEGER PRIMARY KEY)"}, END};
    assert_open_fails(f->path, gap, ERR_STORE_MIGRATION);
    assert_non_null(strstr(err_detail(), "1..n"));
    static const struct migration from2[] = {
        {"a", 2, "CREATE TABLE a2 (id INTEGER PRIMARY KEY)"}, END};
    assert_open_fails(f->path, from2, ERR_STORE_MIGRATION);
}

/* ---- store basics -------------------------------------------------------- */

static const struct migration list_kv[] = {
    {"kv", 1,
     "CREATE TABLE kv (k TEXT NOT NULL PRIMARY KEY, v TEXT, n INTEGER)"},
    END};
static const struct migration *const sets_kv[] = {list_kv, NULL};

static const char SQL_PUT[] = "INSERT INTO kv (k, v, n) VALUES ($1, $2, $3)";

static enum err
put(struct store *st, const char *k, const char *v, int64_t n)
{
    struct stmt *s;
    bool row;
    enum err rc = store_prepare(st, SQL_PUT, &s);
    if (!rc && !(rc = stmt_bind_text(s, 1, k)) &&
        !(rc = stmt_bind_text(s, 2, v)) && !(rc = stmt_bind_int(s, 3, n)))
        rc = stmt_step(s, &row);
    stmt_done(s);
    return rc;
}

static void
test_bind_by_number_whatever_the_order_in_sql(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_ok(f->path, sets_kv);
    static const char sql[] = "SELECT $2 || '-' || $1, $3 + $1";
    struct stmt *s;
    bool row = false;
    assert_int_equal(store_prepare(st, sql, &s), ERR_OK);
    assert_int_equal(stmt_bind_text(s, 1, "10"), ERR_OK);
    assert_int_equal(stmt_bind_text(s, 2, "second"), ERR_OK);
    assert_int_equal(stmt_bind_int(s, 3, 5), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    assert_string_equal(stmt_text(s, 0), "second-10");
    assert_int_equal(stmt_int(s, 1), 15);
    /* A number the SQL does not have is refused. */
    assert_int_not_equal(stmt_bind_int(s, 4, 1), ERR_OK);
    stmt_done(s);
    store_close(st);
}

static void
test_step_returns_each_row_then_done(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_ok(f->path, sets_kv);
    assert_int_equal(put(st, "b", "ガス", 2), ERR_OK);
    assert_int_equal(put(st, "a", NULL, 1), ERR_OK);
    assert_int_equal(put(st, "c", "", 3), ERR_OK);
    static const char sql[] = "SELECT k, v, n FROM kv ORDER BY k";
    struct stmt *s;
    bool row;
    assert_int_equal(store_prepare(st, sql, &s), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    assert_string_equal(stmt_text(s, 0), "a");
    assert_true(stmt_is_null(s, 1));
    assert_null(stmt_text(s, 1));
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_string_equal(stmt_text(s, 1), "ガス");
    assert_int_equal(stmt_int(s, 2), 2);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_false(stmt_is_null(s, 1));
    assert_string_equal(stmt_text(s, 1), "");
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_false(row);
    stmt_done(s);
    store_close(st);
}

static void
test_done_statement_is_reused_from_cache(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_ok(f->path, sets_kv);
    static const char sql[] = "SELECT count(*) FROM kv WHERE n > $1";
    struct stmt *s1, *s2;
    bool row;
    assert_int_equal(store_prepare(st, sql, &s1), ERR_OK);
    assert_int_equal(stmt_bind_int(s1, 1, 0), ERR_OK);
    assert_int_equal(stmt_step(s1, &row), ERR_OK);
    stmt_done(s1);
    assert_int_equal(store_prepare(st, sql, &s2), ERR_OK);
    assert_ptr_equal(s1, s2);
    /* stmt_done cleared the bindings: $1 is NULL, so no row has n > NULL. */
    assert_int_equal(put(st, "x", "y", 7), ERR_OK);
    assert_int_equal(stmt_step(s2, &row), ERR_OK);
    assert_true(row);
    assert_int_equal(stmt_int(s2, 0), 0);
    stmt_done(s2);
    store_close(st);
}

static void
test_prepare_of_bad_sql_is_store_error(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_ok(f->path, sets_kv);
    struct stmt *s;
    assert_int_equal(store_prepare(st, "SELEC nothing", &s), ERR_STORE);
    assert_int_equal(store_prepare(st, "SELECT * FROM missing", &s), ERR_STORE);
    assert_non_null(strstr(err_detail(), "missing"));
    assert_int_equal(store_ping(st), ERR_OK);
    store_close(st);
}

static void
test_begin_twice_is_refused(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_ok(f->path, sets_kv);
    assert_int_equal(store_tx_begin(st), ERR_OK);
    assert_true(store_in_tx(st));
    enum err rc = store_tx_begin(st);
    assert_int_not_equal(rc, ERR_OK);
    assert_non_null(strstr(err_detail(), "already open"));
    assert_true(store_in_tx(st)); /* the first one is still open */
    assert_int_equal(store_tx_commit(st), ERR_OK);
    assert_false(store_in_tx(st));
    store_close(st);
}

static void
test_rollback_discards_and_commit_keeps(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_ok(f->path, sets_kv);
    assert_int_equal(store_tx_begin(st), ERR_OK);
    assert_int_equal(put(st, "gone", "v", 1), ERR_OK);
    store_tx_rollback(st);
    assert_false(store_in_tx(st));
    assert_int_equal(query_int(st, "SELECT count(*) FROM kv"), 0);
    store_tx_rollback(st); /* harmless without a transaction */
    assert_int_equal(store_tx_begin(st), ERR_OK);
    assert_int_equal(put(st, "kept", "v", 1), ERR_OK);
    assert_int_equal(store_tx_commit(st), ERR_OK);
    store_close(st);
    st = open_ok(f->path, sets_kv);
    assert_int_equal(query_int(st, "SELECT count(*) FROM kv"), 1);
    store_close(st);
}

static void
test_unique_violation_is_constraint_error(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_ok(f->path, sets_kv);
    assert_int_equal(put(st, "k", "1", 1), ERR_OK);
    assert_int_equal(put(st, "k", "2", 2), ERR_STORE_CONSTRAINT);
    assert_int_equal(query_int(st, "SELECT count(*) FROM kv"), 1);
    /* The cached insert statement still works after the failure. */
    assert_int_equal(put(st, "k2", "3", 3), ERR_OK);
    store_close(st);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fresh_store_applies_and_records_migrations),
        T(test_reopening_is_a_no_op),
        T(test_added_version_applies_only_that_version),
        T(test_store_with_higher_version_is_newer),
        T(test_store_with_unknown_module_is_newer),
        T(test_failed_migration_rolls_back_everything),
        T(test_failed_migration_keeps_earlier_opens),
        T(test_table_without_primary_key_is_refused),
        T(test_nullable_text_primary_key_is_refused),
        T(test_integer_and_not_null_primary_keys_are_fine),
        T(test_list_with_gap_is_refused),
        T(test_bind_by_number_whatever_the_order_in_sql),
        T(test_step_returns_each_row_then_done),
        T(test_done_statement_is_reused_from_cache),
        T(test_prepare_of_bad_sql_is_store_error),
        T(test_begin_twice_is_refused),
        T(test_rollback_discards_and_commit_keeps),
        T(test_unique_violation_is_constraint_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
