/*
 * test_tenants.c — tests src/tenants/: validation of code, name and
 * prefecture (tenants.c), and the registry with its store files
 * (tenants_store.c over store/pool.c) in a temporary data directory.
 *
 * The registry invariants: codes are unique regardless of case; creating a
 * tenant adds its row, its audit entry and DATA/tenants/<id>.db together or
 * not at all; a store file records its tenant id and a file copied into
 * another tenant's place is refused (ERR_STORE_MISMATCH); the audit log is
 * append-only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- validation ---------------------------------------------------------- */

static void
test_code_accepts_letters_digits_inner_hyphens(void **state)
{
    (void)state;
    const char *ok[] = {"0001",  "ABCD-12",      "abcd",
                        "a-b-c", "123456789012", "Ab1-9z"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (tenant_check_code(ok[i]) != ERR_OK)
            fail_msg("'%s' refused: %s", ok[i], err_detail());
}

static void
test_code_refuses_bad_length_and_characters(void **state)
{
    (void)state;
    const char *bad[] =
        {
            "",       "abc",      "1234567890123", "-ab1", "ab1-",
            "ab/1",   "ab 1",     "ab_1",          "ab.1", "ab\n1",
            "ガス01", "０００１", /* full-width digits: 12 bytes, not ASCII */
        };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err_clear();
        if (tenant_check_code(bad[i]) != ERR_TENANT_CODE)
            fail_msg("'%s' accepted", bad[i]);
        assert_true(strlen(err_detail()) > 0);
    }
}

/* n copies of the 3-byte character "ガ". */
static void
repeat_ga(char *out, size_t size, int n)
{
    size_t len = 0;
    for (int i = 0; i < n && len + 4 <= size; i++)
        len += (size_t)snprintf(out + len, size - len, "ガ");
}

static void
test_name_length_is_counted_in_characters(void **state)
{
    (void)state;
    char name[512];
    repeat_ga(name, sizeof(name), 100); /* 300 bytes, 100 characters */
    assert_int_equal(tenant_check_name(name), ERR_OK);
    repeat_ga(name, sizeof(name), 101);
    assert_int_equal(tenant_check_name(name), ERR_TENANT_NAME);
    assert_int_equal(tenant_check_name(""), ERR_TENANT_NAME);
    assert_int_equal(tenant_check_name("テストガス株式会社"), ERR_OK);
    assert_int_equal(tenant_check_name("A"), ERR_OK);
}

static void
test_name_refuses_control_characters(void **state)
{
    (void)state;
    assert_int_equal(tenant_check_name("テスト\tガス"), ERR_TENANT_NAME);
    assert_int_equal(tenant_check_name("テスト\nガス"), ERR_TENANT_NAME);
    assert_int_equal(tenant_check_name("テスト\x7fガス"), ERR_TENANT_NAME);
}

static void
test_name_refuses_surrounding_spaces(void **state)
{
    (void)state;
    const char *bad[] = {" テスト",      "テスト ", "\u3000テスト",
                         "テスト\u3000", " ",       "\u3000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (tenant_check_name(bad[i]) != ERR_TENANT_NAME)
            fail_msg("'%s' accepted", bad[i]);
    /* Inner spaces of either kind are fine. */
    assert_int_equal(tenant_check_name("テスト ガス"), ERR_OK);
    assert_int_equal(tenant_check_name("テスト\u3000ガス"), ERR_OK);
}

static void
test_name_refuses_invalid_utf8(void **state)
{
    (void)state;
    assert_int_equal(tenant_check_name("\xff"), ERR_TENANT_NAME);
    assert_int_equal(tenant_check_name("ガス\xe3\x82"), ERR_TENANT_NAME);
    assert_non_null(strstr(err_detail(), "UTF-8"));
}

static void
test_prefecture_must_be_one_of_47_in_full(void **state)
{
    (void)state;
    assert_int_equal(tenant_check_prefecture(""), ERR_OK);
    assert_int_equal(tenant_check_prefecture("静岡県"), ERR_OK);
    assert_int_equal(tenant_check_prefecture("静岡"), ERR_TENANT_PREFECTURE);
    assert_int_equal(tenant_check_prefecture("東京"), ERR_TENANT_PREFECTURE);
    assert_int_equal(tenant_check_prefecture("Shizuoka"),
                     ERR_TENANT_PREFECTURE);
    assert_int_equal(tenant_check_prefecture("静岡県 "), ERR_TENANT_PREFECTURE);
    for (size_t i = 0; i < 47; i++) {
        assert_int_equal(tenant_check_prefecture(tenant_prefectures[i]),
                         ERR_OK);
        for (size_t k = 0; k < i; k++) /* no duplicates in the table */
            assert_string_not_equal(tenant_prefectures[i],
                                    tenant_prefectures[k]);
    }
    assert_string_equal(tenant_prefectures[0], "北海道");
    assert_string_equal(tenant_prefectures[12], "東京都");
    assert_string_equal(tenant_prefectures[46], "沖縄県");
}

/* ---- registry and stores in a temporary data directory ------------------- */

struct fixture {
    char dir[64];
    struct store *platform;
};

static int
setup(void **state)
{
    static struct fixture f;
    snprintf(f.dir, sizeof(f.dir), "/tmp/pl-test-tenants-XXXXXX");
    if (!mkdtemp(f.dir))
        return -1;
    if (pool_init(f.dir, 4) || pool_platform(&f.platform))
        return -1;
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
    pool_thread_release();
    return nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void
tenant_file(const struct fixture *f, int64_t id, char *out, size_t n)
{
    pool_tenant_path(f->dir, id, out, n);
}

static bool
file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static int64_t
count_tenants(struct store *platform)
{
    int64_t n = -1;
    assert_int_equal(tenant_count(platform, &n), ERR_OK);
    return n;
}

static int64_t
count_audit_creates(struct store *platform)
{
    static const char sql[] =
        "SELECT count(*) FROM audit_log WHERE action = 'tenant.create'";
    struct stmt *s;
    bool row = false;
    assert_int_equal(store_prepare(platform, sql, &s), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    int64_t n = stmt_int(s, 0);
    stmt_done(s);
    return n;
}

/* Create a tenant that must succeed. */
static struct tenant
create_ok(struct fixture *f, const char *code)
{
    struct tenant t;
    memset(&t, 0, sizeof(t));
    enum err rc = tenant_create(f->platform, f->dir, "test", code,
                                "テストガス株式会社", "静岡県", &t);
    if (rc)
        fail_msg("tenant_create %s: %s: %s", code, err_code(rc), err_detail());
    return t;
}

static void
test_create_registers_tenant_and_makes_store_file(void **state)
{
    struct fixture *f = *state;
    struct tenant t = create_ok(f, "0001");
    assert_int_equal(t.id, 1);
    assert_string_equal(t.code, "0001");
    assert_string_equal(t.name, "テストガス株式会社");
    assert_string_equal(t.prefecture, "静岡県");
    assert_string_equal(t.status, "active");
    assert_true(strlen(t.created_at) > 0);
    char path[PATH_MAX];
    tenant_file(f, t.id, path, sizeof(path));
    assert_true(file_exists(path));
    assert_int_equal(count_tenants(f->platform), 1);
    assert_false(store_in_tx(f->platform));
}

static void
test_create_refuses_invalid_input_without_side_effects(void **state)
{
    struct fixture *f = *state;
    struct tenant t;
    assert_int_equal(
        tenant_create(f->platform, f->dir, "test", "ab", "名前", "", &t),
        ERR_TENANT_CODE);
    assert_int_equal(
        tenant_create(f->platform, f->dir, "test", "0001", " x", "", &t),
        ERR_TENANT_NAME);
    assert_int_equal(
        tenant_create(f->platform, f->dir, "test", "0001", "x", "静岡", &t),
        ERR_TENANT_PREFECTURE);
    assert_int_equal(count_tenants(f->platform), 0);
    char path[PATH_MAX];
    tenant_file(f, 1, path, sizeof(path));
    assert_false(file_exists(path));
}

static void
test_find_code_ignores_case(void **state)
{
    struct fixture *f = *state;
    struct tenant made = create_ok(f, "ABCD");
    struct tenant t;
    memset(&t, 0, sizeof(t));
    assert_int_equal(tenant_find_code(f->platform, "abcd", &t), ERR_OK);
    assert_int_equal(t.id, made.id);
    assert_string_equal(t.code, "ABCD");
    assert_int_equal(tenant_find_code(f->platform, "AbCd", &t), ERR_OK);
    assert_int_equal(tenant_find_code(f->platform, "ABCE", &t),
                     ERR_TENANT_NOT_FOUND);
}

static void
test_duplicate_code_differing_in_case_is_taken(void **state)
{
    struct fixture *f = *state;
    create_ok(f, "ABCD");
    struct tenant t;
    assert_int_equal(
        tenant_create(f->platform, f->dir, "test", "abcd", "別のガス", "", &t),
        ERR_TENANT_CODE_TAKEN);
    assert_int_equal(count_tenants(f->platform), 1);
    assert_int_equal(count_audit_creates(f->platform), 1);
    assert_false(store_in_tx(f->platform));
    /* The next tenant still gets the next id and its own file. */
    struct tenant next = create_ok(f, "EFGH");
    assert_int_equal(next.id, 2);
}

static void
test_existing_store_file_fails_create_and_adds_no_row(void **state)
{
    struct fixture *f = *state;
    create_ok(f, "0001");
    /* A leftover file where the next tenant's store would go (next id = 2). */
    char path[PATH_MAX];
    tenant_file(f, 2, path, sizeof(path));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    struct tenant t;
    enum err rc =
        tenant_create(f->platform, f->dir, "test", "0002", "第二ガス", "", &t);
    assert_int_not_equal(rc, ERR_OK);
    assert_int_equal(count_tenants(f->platform), 1);
    assert_int_equal(count_audit_creates(f->platform), 1);
    assert_int_equal(tenant_find_code(f->platform, "0002", &t),
                     ERR_TENANT_NOT_FOUND);
    assert_false(store_in_tx(f->platform));
    /* The operator's file is left alone, untouched. */
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 0);
}

static void
test_pool_tenant_opens_store_and_caches_it(void **state)
{
    struct fixture *f = *state;
    struct tenant t = create_ok(f, "0001");
    struct store *a = NULL, *b = NULL;
    assert_int_equal(pool_tenant(t.id, &a), ERR_OK);
    assert_non_null(a);
    assert_int_equal(pool_tenant(t.id, &b), ERR_OK);
    assert_ptr_equal(a, b);
    assert_int_equal(pool_open_tenant_stores(), 1);
    static const char sql[] =
        "SELECT value FROM store_info WHERE key = 'tenant_code'";
    struct stmt *s;
    bool row = false;
    assert_int_equal(store_prepare(a, sql, &s), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    assert_string_equal(stmt_text(s, 0), "0001");
    stmt_done(s);
}

static void
test_pool_tenant_without_store_is_not_found(void **state)
{
    struct fixture *f = *state;
    (void)f;
    struct store *st = NULL;
    assert_int_equal(pool_tenant(999, &st), ERR_TENANT_NOT_FOUND);
    assert_int_equal(pool_open_tenant_stores(), 0);
}

static void
test_pool_keeps_at_most_its_size_open(void **state)
{
    struct fixture *f = *state;
    char code[8];
    for (int i = 1; i <= 5; i++) {
        snprintf(code, sizeof(code), "T%03d", i);
        create_ok(f, code);
    }
    struct store *st;
    for (int64_t id = 1; id <= 5; id++)
        assert_int_equal(pool_tenant(id, &st), ERR_OK);
    assert_int_equal(pool_open_tenant_stores(), 4);
    assert_int_equal(pool_tenant(1, &st), ERR_OK); /* evicted, reopened */
    assert_int_equal(pool_open_tenant_stores(), 4);
}

/* Copy the file at from over the file at to. */
static void
copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    FILE *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        assert_int_equal(fwrite(chunk, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void *
open_tenant_2(void *arg)
{
    struct store *st = NULL;
    *(enum err *)arg = pool_tenant(2, &st);
    return NULL;
}

static void
test_store_file_copied_over_another_is_mismatch(void **state)
{
    struct fixture *f = *state;
    create_ok(f, "0001");
    create_ok(f, "0002");
    pool_thread_release(); /* no connection may hold the files open */
    char one[PATH_MAX], two[PATH_MAX];
    tenant_file(f, 1, one, sizeof(one));
    tenant_file(f, 2, two, sizeof(two));
    copy_file(one, two);
    enum err thread_rc = ERR_OK;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, open_tenant_2, &thread_rc), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(thread_rc, ERR_STORE_MISMATCH);
    struct store *st;
    assert_int_equal(pool_tenant(2, &st), ERR_STORE_MISMATCH);
    assert_non_null(strstr(err_detail(), "tenant 2"));
    assert_int_equal(pool_tenant(1, &st), ERR_OK);
    assert_int_equal(pool_open_tenant_stores(), 1);
}

static void
test_create_writes_audit_entries(void **state)
{
    struct fixture *f = *state;
    create_ok(f, "0001");
    create_ok(f, "0002");
    assert_int_equal(count_audit_creates(f->platform), 2);
    static const char sql[] = "SELECT actor, target FROM audit_log"
                              " WHERE action = 'tenant.create' ORDER BY id";
    struct stmt *s;
    bool row = false;
    assert_int_equal(store_prepare(f->platform, sql, &s), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    assert_string_equal(stmt_text(s, 0), "test");
    assert_string_equal(stmt_text(s, 1), "tenant:0001");
    stmt_done(s);
}

static void
test_audit_log_refuses_update_and_delete(void **state)
{
    struct fixture *f = *state;
    create_ok(f, "0001");
    assert_int_not_equal(
        store_exec(f->platform, "UPDATE audit_log SET actor = 'someone'"),
        ERR_OK);
    assert_int_not_equal(store_exec(f->platform, "DELETE FROM audit_log"),
                         ERR_OK);
    assert_int_equal(count_audit_creates(f->platform), 1);
    static const char sql[] = "SELECT count(*) FROM audit_log"
                              " WHERE actor = 'test'";
    struct stmt *s;
    bool row = false;
    assert_int_equal(store_prepare(f->platform, sql, &s), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_int_equal(stmt_int(s, 0), 1);
    stmt_done(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_accepts_letters_digits_inner_hyphens),
        cmocka_unit_test(test_code_refuses_bad_length_and_characters),
        cmocka_unit_test(test_name_length_is_counted_in_characters),
        cmocka_unit_test(test_name_refuses_control_characters),
        cmocka_unit_test(test_name_refuses_surrounding_spaces),
        cmocka_unit_test(test_name_refuses_invalid_utf8),
        cmocka_unit_test(test_prefecture_must_be_one_of_47_in_full),
        T(test_create_registers_tenant_and_makes_store_file),
        T(test_create_refuses_invalid_input_without_side_effects),
        T(test_find_code_ignores_case),
        T(test_duplicate_code_differing_in_case_is_taken),
        T(test_existing_store_file_fails_create_and_adds_no_row),
        T(test_pool_tenant_opens_store_and_caches_it),
        T(test_pool_tenant_without_store_is_not_found),
        T(test_pool_keeps_at_most_its_size_open),
        T(test_store_file_copied_over_another_is_mismatch),
        T(test_create_writes_audit_entries),
        T(test_audit_log_refuses_update_and_delete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
