/*
 * test_idempotency.c — the Idempotency-Key answers of POST /payments in a
 * real tenant store (src/payments/idempotency.c): which keys are taken,
 * an answer found again with its status and body, another body told
 * apart, one user's key never another's, an answer forgotten after 24
 * hours (and its key free again), and the keys held per user.
 */
#include "payments/payments.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct fixture {
    char dir[64];
    struct store *st;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char path[128];
    snprintf(f->dir, sizeof(f->dir), "/tmp/pl-test-idem-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(path, sizeof(path), "%s/t.db", f->dir);
    if (store_open(path, STORE_TENANT, &f->st))
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[160];
    store_close(f->st);
    const char *const files[] = {"t.db", "t.db-wal", "t.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

#define T0 1795000000LL /* 2026-11 */

static void
test_keys_taken(void **state)
{
    (void)state;
    char long_key[IDEMPOTENCY_KEY_MAX + 2];
    assert_true(idempotency_key_valid("a"));
    assert_true(idempotency_key_valid("3f2b8c1e-0d4a-4c1b-9e7f-5a6b7c8d9e0f"));
    assert_false(idempotency_key_valid(""));
    assert_false(idempotency_key_valid(NULL));
    assert_false(idempotency_key_valid("with space"));
    assert_false(idempotency_key_valid("tab\tkey"));
    assert_false(idempotency_key_valid("日本語"));
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0'; /* 256 */
    assert_false(idempotency_key_valid(long_key));
    long_key[IDEMPOTENCY_KEY_MAX] = '\0'; /* 255 */
    assert_true(idempotency_key_valid(long_key));
}

static void
test_answer_found_again_for_one_user_for_24_hours(void **state)
{
    struct fixture *f = *state;
    struct idem_hit hit;
    assert_int_equal(idempotency_find(f->st, "user:1", "k1", "h1", T0, &hit),
                     ERR_OK);
    assert_false(hit.found);
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(idempotency_save(f->st, "user:1", "k1", "h1", 201,
                                      "{\"status\":\"posted\"}", T0),
                     ERR_OK);
    assert_int_equal(store_tx_commit(f->st), ERR_OK);
    /* the same request an hour later */
    assert_int_equal(
        idempotency_find(f->st, "user:1", "k1", "h1", T0 + 3600, &hit), ERR_OK);
    assert_true(hit.found);
    assert_true(hit.same);
    assert_int_equal(hit.status, 201);
    assert_string_equal(hit.response, "{\"status\":\"posted\"}");
    free(hit.response);
    /* another body under the same key */
    assert_int_equal(idempotency_find(f->st, "user:1", "k1", "h2", T0, &hit),
                     ERR_OK);
    assert_true(hit.found);
    assert_false(hit.same);
    free(hit.response);
    /* another user's key of the same name is theirs */
    assert_int_equal(idempotency_find(f->st, "user:2", "k1", "h1", T0, &hit),
                     ERR_OK);
    assert_false(hit.found);
    /* a day later it is forgotten, and the key can be used again */
    assert_int_equal(idempotency_find(f->st, "user:1", "k1", "h1",
                                      T0 + IDEMPOTENCY_KEEP_S, &hit),
                     ERR_OK);
    assert_false(hit.found);
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(idempotency_save(f->st, "user:1", "k1", "h3", 201, "{}",
                                      T0 + IDEMPOTENCY_KEEP_S),
                     ERR_OK);
    assert_int_equal(store_tx_commit(f->st), ERR_OK);
    assert_int_equal(idempotency_find(f->st, "user:1", "k1", "h3",
                                      T0 + IDEMPOTENCY_KEEP_S + 1, &hit),
                     ERR_OK);
    assert_true(hit.found && hit.same);
    free(hit.response);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_taken),
        cmocka_unit_test_setup_teardown(
            test_answer_found_again_for_one_user_for_24_hours, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
