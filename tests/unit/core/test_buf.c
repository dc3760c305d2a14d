/*
 * test_buf.c — tests src/core/buf.c: the growable buffer with a maximum.
 *
 * The maximum is the point of the type: an append or printf that would pass
 * it fails with ERR_TOO_LARGE and leaves the contents exactly as they were.
 * Also: the data is always NUL-terminated, steal hands the memory over, and
 * reset empties without freeing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

static void
test_empty_buffer_reads_as_empty_string(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 16);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    buf_free(&b);
}

static void
test_append_up_to_max_succeeds(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_append(&b, "abcd", 4), ERR_OK);
    assert_int_equal(buf_append(&b, "efgh", 4), ERR_OK);
    assert_int_equal(b.len, 8);
    assert_string_equal(buf_str(&b), "abcdefgh");
    buf_free(&b);
}

static void
test_append_past_max_leaves_buffer_unchanged(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "abcdef"), ERR_OK);
    assert_int_equal(buf_append(&b, "xyz", 3), ERR_TOO_LARGE);
    assert_int_equal(b.len, 6);
    assert_string_equal(buf_str(&b), "abcdef");
    assert_int_equal(buf_putc(&b, 'g'), ERR_OK);
    assert_int_equal(buf_putc(&b, 'h'), ERR_OK);
    assert_int_equal(buf_putc(&b, 'i'), ERR_TOO_LARGE);
    assert_string_equal(buf_str(&b), "abcdefgh");
    /* A length that would overflow len + n is refused, not wrapped. */
    assert_int_equal(buf_append(&b, "x", SIZE_MAX), ERR_TOO_LARGE);
    assert_string_equal(buf_str(&b), "abcdefgh");
    buf_free(&b);
}

static void
test_append_to_zero_max_buffer_is_refused(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_putc(&b, 'a'), ERR_TOO_LARGE);
    assert_int_equal(buf_append(&b, "", 0), ERR_OK);
    assert_string_equal(buf_str(&b), "");
    buf_free(&b);
}

static void
test_growth_past_first_allocation_keeps_contents(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100000);
    char chunk[1000];
    for (int i = 0; i < 50; i++) {
        memset(chunk, 'a' + i % 26, sizeof(chunk));
        assert_int_equal(buf_append(&b, chunk, sizeof(chunk)), ERR_OK);
    }
    assert_int_equal(b.len, 50000);
    assert_int_equal(strlen(buf_str(&b)), 50000);
    for (int i = 0; i < 50; i++)
        assert_int_equal(b.data[i * 1000 + 999], 'a' + i % 26);
    assert_true(b.cap <= b.max + 1);
    buf_free(&b);
}

static void
test_printf_appends_formatted_text(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 64);
    assert_int_equal(buf_puts(&b, "n="), ERR_OK);
    assert_int_equal(buf_printf(&b, "%d,%s,%03u", -5, "ガス", 7u), ERR_OK);
    assert_string_equal(buf_str(&b), "n=-5,ガス,007");
    assert_int_equal(b.len, strlen("n=-5,ガス,007"));
    buf_free(&b);
}

static void
test_printf_past_max_leaves_buffer_unchanged(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_printf(&b, "%s", "12345"), ERR_OK);
    assert_int_equal(buf_printf(&b, "%d", 123456), ERR_TOO_LARGE);
    assert_int_equal(b.len, 5);
    assert_string_equal(buf_str(&b), "12345");
    assert_int_equal(buf_printf(&b, "%d", 12345), ERR_OK);
    assert_string_equal(buf_str(&b), "1234512345");
    buf_free(&b);
}

static void
test_steal_hands_over_data_and_resets(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 32);
    assert_int_equal(buf_puts(&b, "stolen"), ERR_OK);
    char *p = buf_steal(&b);
    assert_string_equal(p, "stolen");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 32);
    free(p);
    /* Reusable after the steal. */
    assert_int_equal(buf_puts(&b, "again"), ERR_OK);
    assert_string_equal(buf_str(&b), "again");
    buf_free(&b);
}

static void
test_steal_of_empty_buffer_gives_freeable_empty_string(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 32);
    char *p = buf_steal(&b);
    assert_non_null(p);
    assert_string_equal(p, "");
    free(p);
}

static void
test_reset_empties_but_keeps_memory(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "abcdefgh"), ERR_OK);
    char *mem = b.data;
    size_t cap = b.cap;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_str(&b), "");
    assert_ptr_equal(b.data, mem);
    assert_int_equal(b.cap, cap);
    /* The whole maximum is available again. */
    assert_int_equal(buf_puts(&b, "12345678"), ERR_OK);
    assert_string_equal(buf_str(&b), "12345678");
    buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_buffer_reads_as_empty_string),
        cmocka_unit_test(test_append_up_to_max_succeeds),
        cmocka_unit_test(test_append_past_max_leaves_buffer_unchanged),
        cmocka_unit_test(test_append_to_zero_max_buffer_is_refused),
        cmocka_unit_test(test_growth_past_first_allocation_keeps_contents),
        cmocka_unit_test(test_printf_appends_formatted_text),
        cmocka_unit_test(test_printf_past_max_leaves_buffer_unchanged),
        cmocka_unit_test(test_steal_hands_over_data_and_resets),
        cmocka_unit_test(
            test_steal_of_empty_buffer_gives_freeable_empty_string),
        cmocka_unit_test(test_reset_empties_but_keeps_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
