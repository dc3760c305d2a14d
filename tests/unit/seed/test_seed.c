/*
 * test_seed.c — tests the random streams in src/seed/seed.c (rng_*).
 *
 * Seeded data must be reproducible and independent per module: the same
 * (seed, name, index) gives the same sequence, and changing any one of them
 * gives a different one. rng_below(n) must stay below n and, over enough
 * draws, reach every value for small n.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "seed/seed.h"

#include <stdbool.h>
#include <string.h>

#define DRAWS 64

static void
draw(uint64_t seed, const char *name, uint64_t index, uint64_t out[DRAWS])
{
    struct rng r;
    rng_init(&r, seed, name, index);
    for (int i = 0; i < DRAWS; i++)
        out[i] = rng_next(&r);
}

static bool
same(const uint64_t a[DRAWS], const uint64_t b[DRAWS])
{
    return memcmp(a, b, sizeof(uint64_t) * DRAWS) == 0;
}

static void
test_same_seed_name_index_gives_same_sequence(void **state)
{
    (void)state;
    uint64_t a[DRAWS], b[DRAWS];
    draw(42, "tenants", 3, a);
    draw(42, "tenants", 3, b);
    assert_true(same(a, b));
    /* And the stream is not stuck: consecutive values differ. */
    int repeats = 0;
    for (int i = 1; i < DRAWS; i++)
        repeats += a[i] == a[i - 1];
    assert_int_equal(repeats, 0);
}

static void
test_different_seed_name_or_index_gives_different_sequence(void **state)
{
    (void)state;
    uint64_t base[DRAWS], other[DRAWS];
    draw(42, "tenants", 3, base);
    draw(43, "tenants", 3, other);
    assert_false(same(base, other));
    draw(42, "customers", 3, other);
    assert_false(same(base, other));
    draw(42, "tenants", 4, other);
    assert_false(same(base, other));
    draw(42, "tenant", 3, other);
    assert_false(same(base, other));
    draw(42, "", 0, other);
    assert_false(same(base, other));
}

static void
test_index_zero_and_empty_name_still_give_a_live_stream(void **state)
{
    (void)state;
    uint64_t a[DRAWS];
    draw(0, "", 0, a);
    int zeros = 0;
    for (int i = 0; i < DRAWS; i++)
        zeros += a[i] == 0;
    assert_true(zeros < 2);
}

static void
test_below_stays_below_n(void **state)
{
    (void)state;
    const uint64_t ns[] = {
        1,         2, 3, 7, 10, 47, 1000, (1ULL << 32) + 1, (1ULL << 63) + 1,
        UINT64_MAX};
    struct rng r;
    rng_init(&r, 7, "below", 0);
    for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++)
        for (int i = 0; i < 10000; i++)
            if (rng_below(&r, ns[k]) >= ns[k])
                fail_msg("rng_below(%llu) out of range",
                         (unsigned long long)ns[k]);
}

static void
test_below_reaches_every_value_for_small_n(void **state)
{
    (void)state;
    struct rng r;
    rng_init(&r, 2024, "coverage", 1);
    for (uint64_t n = 1; n <= 47; n++) {
        int hits[47] = {0};
        for (int i = 0; i < 5000; i++)
            hits[rng_below(&r, n)]++;
        for (uint64_t v = 0; v < n; v++)
            if (!hits[v])
                fail_msg("rng_below(%llu) never gave %llu",
                         (unsigned long long)n, (unsigned long long)v);
    }
}

static void
test_below_is_roughly_uniform(void **state)
{
    (void)state;
    struct rng r;
    rng_init(&r, 1, "uniform", 0);
    int hits[10] = {0};
    for (int i = 0; i < 100000; i++)
        hits[rng_below(&r, 10)]++;
    /* 10000 expected per bucket; 5 sigma is about 470. */
    for (int v = 0; v < 10; v++)
        assert_in_range(hits[v], 9500, 10500);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_name_index_gives_same_sequence),
        cmocka_unit_test(
            test_different_seed_name_or_index_gives_different_sequence),
        cmocka_unit_test(
            test_index_zero_and_empty_name_still_give_a_live_stream),
        cmocka_unit_test(test_below_stays_below_n),
        cmocka_unit_test(test_below_reaches_every_value_for_small_n),
        cmocka_unit_test(test_below_is_roughly_uniform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
