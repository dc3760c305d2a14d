/*
 * test_arena.c — tests src/core/arena.c: the per-request memory pool.
 *
 * Checks the invariants arena.h promises: every allocation is zeroed and
 * aligned for max_align_t (small ones from the shared block, large ones over
 * 2 KiB from a block of their own), deferred cleanups run newest first on
 * arena_free(), the string helpers copy exactly, and arena_used() grows with
 * each allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"

#include <stdalign.h>
#include <stdbool.h>
#include <string.h>

static bool
is_max_aligned(const void *p)
{
    return (uintptr_t)p % alignof(max_align_t) == 0;
}

static bool
is_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void
test_every_small_allocation_is_max_aligned_and_zeroed(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    /* Odd sizes push the bump pointer off alignment unless it rounds up;
     * enough of them to spill into a second 8 KiB block. */
    for (size_t n = 0; n < 300; n++) {
        unsigned char *p = arena_alloc(a, n);
        assert_non_null(p);
        assert_true(is_max_aligned(p));
        assert_true(is_zero(p, n));
        memset(p, 0xAB, n);
    }
    arena_free(a);
}

static void
test_large_allocation_is_aligned_zeroed_and_usable(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    const size_t sizes[] = {2049, 4096, 8191, 8192, 100000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *p = arena_alloc(a, sizes[i]);
        assert_true(is_max_aligned(p));
        assert_true(is_zero(p, sizes[i]));
        memset(p, 0xCD, sizes[i]); /* ASan catches a short block */
    }
    arena_free(a);
}

static void
test_large_allocation_does_not_disturb_small_ones(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    char *before = arena_strdup(a, "before");
    unsigned char *big = arena_alloc(a, 3000);
    memset(big, 0xEE, 3000);
    char *after = arena_strdup(a, "after");
    assert_string_equal(before, "before");
    assert_string_equal(after, "after");
    assert_true(is_max_aligned(after));
    /* The small allocation after the big one must not overlap it. */
    assert_true((unsigned char *)after >= big + 3000 ||
                (unsigned char *)after + 6 <= big);
    arena_free(a);
}

struct order {
    int seen[8];
    int n;
};

static struct order cleanup_order;

static void
record_cleanup(void *ptr)
{
    cleanup_order.seen[cleanup_order.n++] = *(int *)ptr;
}

static void
test_defer_cleanups_run_newest_first_on_free(void **state)
{
    (void)state;
    static int ids[] = {1, 2, 3, 4};
    memset(&cleanup_order, 0, sizeof(cleanup_order));
    struct arena *a = arena_new();
    for (int i = 0; i < 4; i++) {
        arena_defer(a, record_cleanup, &ids[i]);
        arena_alloc(a, 5000); /* cleanups survive big blocks in between */
    }
    assert_int_equal(cleanup_order.n, 0); /* nothing runs before free */
    arena_free(a);
    assert_int_equal(cleanup_order.n, 4);
    assert_int_equal(cleanup_order.seen[0], 4);
    assert_int_equal(cleanup_order.seen[1], 3);
    assert_int_equal(cleanup_order.seen[2], 2);
    assert_int_equal(cleanup_order.seen[3], 1);
}

static void
test_free_of_null_is_harmless(void **state)
{
    (void)state;
    arena_free(NULL);
}

static void
test_strdup_copies_and_null_gives_null(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    char src[] = "テストガス";
    char *copy = arena_strdup(a, src);
    assert_ptr_not_equal(copy, src);
    src[0] = 'X';
    assert_string_equal(copy, "テストガス");
    assert_null(arena_strdup(a, NULL));
    assert_string_equal(arena_strdup(a, ""), "");
    arena_free(a);
}

static void
test_strndup_copies_at_most_n_bytes(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(arena_strndup(a, "abcdef", 0), "");
    /* n past the terminator stops at the terminator. */
    assert_string_equal(arena_strndup(a, "ab", 10), "ab");
    /* Not NUL-terminated within n: only n bytes are read. */
    const char raw[4] = {'w', 'x', 'y', 'z'};
    assert_string_equal(arena_strndup(a, raw, 4), "wxyz");
    arena_free(a);
}

static void
test_printf_formats_short_and_long_text(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    assert_string_equal(arena_printf(a, "%s-%d-%05.1f", "id", 42, 3.14159),
                        "id-42-003.1");
    /* Longer than a whole block: must come from its own block, intact. */
    char *big = arena_printf(a, "%9000d|", 7);
    assert_int_equal(strlen(big), 9001);
    assert_int_equal(big[8999], '7');
    assert_int_equal(big[9000], '|');
    arena_free(a);
}

static void
test_used_grows_with_each_allocation(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    assert_int_equal(arena_used(a), 0);
    arena_alloc(a, 1);
    size_t after_one = arena_used(a);
    assert_true(after_one >= 1);
    arena_alloc(a, 100);
    size_t after_two = arena_used(a);
    assert_true(after_two >= after_one + 100);
    arena_alloc(a, 5000);
    assert_true(arena_used(a) >= after_two + 5000);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_small_allocation_is_max_aligned_and_zeroed),
        cmocka_unit_test(test_large_allocation_is_aligned_zeroed_and_usable),
        cmocka_unit_test(test_large_allocation_does_not_disturb_small_ones),
        cmocka_unit_test(test_defer_cleanups_run_newest_first_on_free),
        cmocka_unit_test(test_free_of_null_is_harmless),
        cmocka_unit_test(test_strdup_copies_and_null_gives_null),
        cmocka_unit_test(test_strndup_copies_at_most_n_bytes),
        cmocka_unit_test(test_printf_formats_short_and_long_text),
        cmocka_unit_test(test_used_grows_with_each_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
