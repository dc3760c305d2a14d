/*
 * test_totp.c — tests src/auth/totp.c: one-time codes, base32, the
 * otpauth:// URI and the QR renderings.
 *
 * The codes are checked against RFC 6238 Appendix B (SHA-1); base32 against
 * RFC 4648 section 10. Verification is checked at the edges of its window
 * (steps -1..+1 accepted, -2 and +2 refused), for replays, and for every
 * shape of typed code that must be refused before any comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/totp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 6238 Appendix B: the SHA-1 seed is the ASCII string below. */
static const unsigned char rfc_secret[] = "12345678901234567890";
#define RFC_SECRET_LEN 20

/* A time in the middle of nowhere special: step 37037037, 1 s into it. */
#define NOW 1111111111LL

static void
code_for(int64_t step, char out[TOTP_DIGITS + 1])
{
    assert_int_equal(
        totp_code_at(rfc_secret, RFC_SECRET_LEN, step, TOTP_DIGITS, out),
        ERR_OK);
}

static void
test_rfc6238_sha1_vectors(void **state)
{
    (void)state;
    static const struct {
        int64_t time;
        const char *code;
    } v[] = {
        {59, "94287082"},         {1111111109, "07081804"},
        {1111111111, "14050471"}, {1234567890, "89005924"},
        {2000000000, "69279037"}, {20000000000, "65353130"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char code[9];
        assert_int_equal(totp_code_at(rfc_secret, RFC_SECRET_LEN,
                                      totp_step(v[i].time), 8, code),
                         ERR_OK);
        assert_string_equal(code, v[i].code);
    }
}

static void
test_six_digit_code_is_last_six_of_eight(void **state)
{
    (void)state;
    char six[7];
    code_for(totp_step(59), six);
    assert_string_equal(six, "287082"); /* 94287082 mod 10^6 */
}

static void
test_code_at_refuses_bad_arguments(void **state)
{
    (void)state;
    char out[9];
    assert_int_equal(totp_code_at(rfc_secret, RFC_SECRET_LEN, 1, 7, out),
                     ERR_INVALID);
    assert_int_equal(totp_code_at(rfc_secret, RFC_SECRET_LEN, -1, 6, out),
                     ERR_INVALID);
    assert_int_equal(totp_code_at(rfc_secret, 0, 1, 6, out), ERR_INVALID);
}

static void
test_step_is_floor_of_time_over_30(void **state)
{
    (void)state;
    assert_int_equal(totp_step(0), 0);
    assert_int_equal(totp_step(29), 0);
    assert_int_equal(totp_step(30), 1);
    assert_int_equal(totp_step(59), 1);
    assert_int_equal(totp_step(-1), -1);
    assert_int_equal(totp_step(-30), -1);
    assert_int_equal(totp_step(-31), -2);
    assert_int_equal(totp_step(20000000000LL), 666666666);
}

static void
test_base32_rfc4648_vectors_encode_and_decode(void **state)
{
    (void)state;
    static const char *const plain[] = {"",     "f",     "fo",    "foo",
                                        "foob", "fooba", "foobar"};
    static const char *const b32[] = {
        "", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        char enc[TOTP_B32_MAX];
        unsigned char dec[32];
        size_t n = sizeof(dec);
        assert_int_equal(totp_secret_to_base32((const unsigned char *)plain[i],
                                               strlen(plain[i]), enc,
                                               sizeof(enc)),
                         ERR_OK);
        assert_string_equal(enc, b32[i]);
        assert_int_equal(totp_secret_from_base32(b32[i], dec, &n), ERR_OK);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(dec, plain[i], n);
    }
}

static void
test_base32_round_trip_of_random_secret(void **state)
{
    (void)state;
    unsigned char secret[TOTP_SECRET_BYTES], other[TOTP_SECRET_BYTES];
    unsigned char back[TOTP_SECRET_BYTES];
    char b32[TOTP_B32_MAX];
    size_t n = sizeof(back);
    totp_secret_new(secret);
    totp_secret_new(other);
    assert_memory_not_equal(secret, other, TOTP_SECRET_BYTES);
    assert_int_equal(
        totp_secret_to_base32(secret, sizeof(secret), b32, sizeof(b32)),
        ERR_OK);
    assert_int_equal(strlen(b32), 32);
    assert_int_equal(totp_secret_from_base32(b32, back, &n), ERR_OK);
    assert_int_equal(n, TOTP_SECRET_BYTES);
    assert_memory_equal(secret, back, TOTP_SECRET_BYTES);
}

static void
test_base32_decode_ignores_case_spaces_and_padding(void **state)
{
    (void)state;
    unsigned char dec[16];
    size_t n = sizeof(dec);
    assert_int_equal(totp_secret_from_base32("mzxw 6ytb oi======", dec, &n),
                     ERR_OK);
    assert_int_equal(n, 6);
    assert_memory_equal(dec, "foobar", 6);
}

static void
test_base32_decode_refuses_malformed(void **state)
{
    (void)state;
    /* '1', '0', '8' and '!' are not in the alphabet; 1, 3 or 6 characters
     * cannot come from whole bytes; "MZ" has non-zero padding bits. */
    static const char *const bad[] = {"MZXW6YTBO1", "MZXW0", "MZX8",
                                      "MZ!W",       "M",     "MZX",
                                      "MZXW6Y",     "MZ",    "ＭＺＸＱ"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char dec[16];
        size_t n = sizeof(dec);
        assert_int_equal(totp_secret_from_base32(bad[i], dec, &n), ERR_INVALID);
        assert_int_equal(n, 0);
    }
}

static void
test_base32_bounded_by_the_callers_buffer(void **state)
{
    (void)state;
    unsigned char dec[5];
    size_t n = sizeof(dec);
    char enc[10];
    assert_int_equal(totp_secret_from_base32("MZXW6YTBOI", dec, &n),
                     ERR_TOO_LARGE);
    assert_int_equal(n, 0);
    /* "foobar" needs 10 characters and the NUL. */
    assert_int_equal(totp_secret_to_base32((const unsigned char *)"foobar", 6,
                                           enc, sizeof(enc)),
                     ERR_TOO_LARGE);
    assert_string_equal(enc, "");
}

static void
test_verify_accepts_previous_current_and_next_step(void **state)
{
    (void)state;
    int64_t base = totp_step(NOW);
    for (int64_t d = -1; d <= 1; d++) {
        char code[TOTP_DIGITS + 1];
        int64_t step = 0;
        code_for(base + d, code);
        assert_int_equal(
            totp_verify(rfc_secret, RFC_SECRET_LEN, code, NOW, -1, &step),
            ERR_OK);
        assert_int_equal(step, base + d);
    }
}

static void
test_verify_refuses_two_steps_away(void **state)
{
    (void)state;
    int64_t base = totp_step(NOW);
    for (int64_t d = -2; d <= 2; d += 4) {
        char code[TOTP_DIGITS + 1];
        int64_t step = 42;
        code_for(base + d, code);
        assert_int_equal(
            totp_verify(rfc_secret, RFC_SECRET_LEN, code, NOW, -1, &step),
            ERR_AUTH_TOTP_INVALID);
        assert_int_equal(step, 42); /* untouched on failure */
    }
}

static void
test_verify_refuses_wrong_code(void **state)
{
    (void)state;
    char code[TOTP_DIGITS + 1];
    int64_t step;
    code_for(totp_step(NOW), code);
    code[5] = (char)('0' + (code[5] - '0' + 5) % 10);
    assert_int_equal(
        totp_verify(rfc_secret, RFC_SECRET_LEN, code, NOW, -1, &step),
        ERR_AUTH_TOTP_INVALID);
}

static void
test_verify_refuses_replay_of_same_code(void **state)
{
    (void)state;
    char code[TOTP_DIGITS + 1];
    int64_t last = -1, step;
    code_for(totp_step(NOW), code);
    assert_int_equal(
        totp_verify(rfc_secret, RFC_SECRET_LEN, code, NOW, last, &last),
        ERR_OK);
    assert_int_equal(last, totp_step(NOW));
    assert_int_equal(
        totp_verify(rfc_secret, RFC_SECRET_LEN, code, NOW + 5, last, &step),
        ERR_AUTH_TOTP_REPLAY);
}

static void
test_verify_refuses_older_step_after_newer(void **state)
{
    (void)state;
    char newer[TOTP_DIGITS + 1], older[TOTP_DIGITS + 1];
    int64_t last = -1, step;
    code_for(totp_step(NOW) + 1, newer);
    code_for(totp_step(NOW), older);
    assert_int_equal(
        totp_verify(rfc_secret, RFC_SECRET_LEN, newer, NOW, last, &last),
        ERR_OK);
    assert_int_equal(
        totp_verify(rfc_secret, RFC_SECRET_LEN, older, NOW, last, &step),
        ERR_AUTH_TOTP_REPLAY);
}

static void
test_verify_refuses_malformed_codes(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "12345",  "1234567", "12a456",  "",         "１２３４５６",
        "+12345", "-12345",  "12345\n", "\t123456",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t step;
        assert_int_equal(
            totp_verify(rfc_secret, RFC_SECRET_LEN, bad[i], NOW, -1, &step),
            ERR_AUTH_TOTP_INVALID);
    }
    int64_t step;
    assert_int_equal(
        totp_verify(rfc_secret, RFC_SECRET_LEN, NULL, NOW, -1, &step),
        ERR_AUTH_TOTP_INVALID);
}

static void
test_verify_accepts_code_with_spaces(void **state)
{
    (void)state;
    char code[TOTP_DIGITS + 1], spaced[16];
    int64_t step;
    code_for(totp_step(NOW), code);
    snprintf(spaced, sizeof(spaced), " %.3s %.3s ", code, code + 3);
    assert_int_equal(
        totp_verify(rfc_secret, RFC_SECRET_LEN, spaced, NOW, -1, &step),
        ERR_OK);
    assert_int_equal(step, totp_step(NOW));
}

static void
test_verify_near_epoch_skips_negative_step(void **state)
{
    (void)state;
    char code[TOTP_DIGITS + 1];
    int64_t step = 7;
    code_for(0, code);
    assert_int_equal(
        totp_verify(rfc_secret, RFC_SECRET_LEN, code, 10, -1, &step), ERR_OK);
    assert_int_equal(step, 0);
}

static void
test_uri_percent_encodes_japanese_issuer_and_account(void **state)
{
    (void)state;
    char *uri = totp_uri("静岡ガス", "山田 太郎@example.jp",
                         "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    assert_non_null(uri);
    assert_string_equal(uri,
                        "otpauth://totp/%E9%9D%99%E5%B2%A1%E3%82%AC%E3%82%B9:"
                        "%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E%40example.jp"
                        "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                        "&issuer=%E9%9D%99%E5%B2%A1%E3%82%AC%E3%82%B9"
                        "&algorithm=SHA1&digits=6&period=30");
    free(uri);
}

static void
test_uri_encodes_separators_in_names(void **state)
{
    (void)state;
    char *uri = totp_uri("A:B&C", "x?y=z", "MZXQ");
    assert_non_null(uri);
    assert_string_equal(uri, "otpauth://totp/A%3AB%26C:x%3Fy%3Dz?secret=MZXQ"
                             "&issuer=A%3AB%26C&algorithm=SHA1&digits=6"
                             "&period=30");
    free(uri);
}

static void
test_uri_too_long_is_null(void **state)
{
    (void)state;
    char *name = malloc(TOTP_URI_MAX);
    memset(name, 'a', TOTP_URI_MAX - 1);
    name[TOTP_URI_MAX - 1] = '\0';
    assert_null(totp_uri(name, "x", "MZXQ"));
    free(name);
}

static void
test_qr_svg_is_a_standalone_document(void **state)
{
    (void)state;
    char *svg = totp_qr_svg("otpauth://totp/A:b?secret=MZXQ");
    assert_non_null(svg);
    assert_memory_equal(svg, "<svg", 4);
    assert_non_null(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "viewBox=\"0 0 "));
    assert_non_null(strstr(svg, "shape-rendering=\"crispEdges\""));
    assert_non_null(strstr(svg, "<path"));
    assert_null(strstr(strstr(svg, "<path") + 1, "<path")); /* just one */
    assert_non_null(strstr(svg, "</svg>"));
    free(svg);
}

static void
test_qr_svg_of_text_too_long_is_null(void **state)
{
    (void)state;
    char *big = malloc(8000); /* version 40-M holds 2331 bytes */
    memset(big, 'x', 7999);
    big[7999] = '\0';
    assert_null(totp_qr_svg(big));
    assert_null(totp_qr_terminal(big));
    free(big);
}

/* The number of UTF-8 characters in [s, end). */
static size_t
utf8_chars(const char *s, const char *end)
{
    size_t n = 0;
    for (; s < end; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void
test_qr_terminal_is_lines_of_half_blocks(void **state)
{
    (void)state;
    char *t = totp_qr_terminal("otpauth://totp/A:b?secret=MZXQ");
    assert_non_null(t);
    size_t lines = 0, width = 0, with_blocks = 0;
    for (const char *p = t, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        size_t w = utf8_chars(p, nl);
        if (lines++ == 0)
            width = w;
        assert_int_equal(w, width); /* a square, line by line */
        for (const char *c = p; c < nl; c++)
            assert_true(*c == ' ' || ((unsigned char)*c & 0x80));
        if (memchr(p, '\xe2', (size_t)(nl - p)))
            with_blocks++;
    }
    assert_true(width >= 25); /* version 1 is 21 modules, + 2 * 2 quiet */
    assert_int_equal(lines, (width + 1) / 2);
    assert_true(with_blocks >= 10);
    assert_non_null(strstr(t, "█"));
    assert_non_null(strstr(t, "▀"));
    assert_non_null(strstr(t, "▄"));
    free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6238_sha1_vectors),
        cmocka_unit_test(test_six_digit_code_is_last_six_of_eight),
        cmocka_unit_test(test_code_at_refuses_bad_arguments),
        cmocka_unit_test(test_step_is_floor_of_time_over_30),
        cmocka_unit_test(test_base32_rfc4648_vectors_encode_and_decode),
        cmocka_unit_test(test_base32_round_trip_of_random_secret),
        cmocka_unit_test(test_base32_decode_ignores_case_spaces_and_padding),
        cmocka_unit_test(test_base32_decode_refuses_malformed),
        cmocka_unit_test(test_base32_bounded_by_the_callers_buffer),
        cmocka_unit_test(test_verify_accepts_previous_current_and_next_step),
        cmocka_unit_test(test_verify_refuses_two_steps_away),
        cmocka_unit_test(test_verify_refuses_wrong_code),
        cmocka_unit_test(test_verify_refuses_replay_of_same_code),
        cmocka_unit_test(test_verify_refuses_older_step_after_newer),
        cmocka_unit_test(test_verify_refuses_malformed_codes),
        cmocka_unit_test(test_verify_accepts_code_with_spaces),
        cmocka_unit_test(test_verify_near_epoch_skips_negative_step),
        cmocka_unit_test(test_uri_percent_encodes_japanese_issuer_and_account),
        cmocka_unit_test(test_uri_encodes_separators_in_names),
        cmocka_unit_test(test_uri_too_long_is_null),
        cmocka_unit_test(test_qr_svg_is_a_standalone_document),
        cmocka_unit_test(test_qr_svg_of_text_too_long_is_null),
        cmocka_unit_test(test_qr_terminal_is_lines_of_half_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
