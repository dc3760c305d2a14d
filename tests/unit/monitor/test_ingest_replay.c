/*
 * test_ingest_replay.c — tests src/monitor/replay.c: ingest's replay cache.
 *
 * A signature is claimed once: the second claim is a replay; a released
 * claim (its batch was refused later) may be claimed again; a signature is
 * forgotten once its retention has passed; a full cache drops its oldest
 * signature early and counts it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "monitor/replay.h"

#include <string.h>

/* A distinct signature for each n (the cache hashes the first bytes). */
static void
sig_of(unsigned char sig[32], int n)
{
    uint64_t v = (uint64_t)n * 0x9E3779B97F4A7C15ULL;
    memset(sig, 0xA5, 32);
    memcpy(sig, &v, sizeof(v));
    memcpy(sig + 8, &n, sizeof(n));
}

static void
test_second_claim_is_a_replay_until_released(void **state)
{
    (void)state;
    unsigned char a[32], b[32];
    struct replay *r = replay_new(1024, 601);
    sig_of(a, 1);
    sig_of(b, 2);
    assert_true(replay_claim(r, a, 1000));
    assert_false(replay_claim(r, a, 1001));
    assert_true(replay_claim(r, b, 1001));
    replay_release(r, a);
    assert_true(replay_claim(r, a, 1002));
    assert_false(replay_claim(r, a, 1002));
    assert_int_equal(replay_evicted_early(r), 0);
    replay_free(r);
}

static void
test_signatures_are_forgotten_after_retention(void **state)
{
    (void)state;
    unsigned char a[32];
    struct replay *r = replay_new(1024, 601);
    sig_of(a, 7);
    assert_true(replay_claim(r, a, 1000));
    assert_false(replay_claim(r, a, 1601));
    assert_true(replay_claim(r, a, 1602)); /* 1000 + 601 < 1602 */
    replay_free(r);
}

static void
test_full_cache_drops_the_oldest_early(void **state)
{
    (void)state;
    unsigned char s[32];
    struct replay *r = replay_new(1024, 601);
    for (int i = 0; i < 1024; i++) {
        sig_of(s, 100 + i);
        assert_true(replay_claim(r, s, 5000));
    }
    sig_of(s, 99999);
    assert_true(replay_claim(r, s, 5000)); /* evicts the first */
    assert_int_equal(replay_evicted_early(r), 1);
    sig_of(s, 100);
    assert_true(replay_claim(r, s, 5000)); /* forgotten: claimable */
    sig_of(s, 200);
    assert_false(replay_claim(r, s, 5000)); /* still held */
    replay_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_claim_is_a_replay_until_released),
        cmocka_unit_test(test_signatures_are_forgotten_after_retention),
        cmocka_unit_test(test_full_cache_drops_the_oldest_early),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
