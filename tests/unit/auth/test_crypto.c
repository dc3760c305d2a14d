/*
 * test_crypto.c — tokens, digests, password hashing and comparison
 * (src/auth/crypto.c).
 */
#include "auth/crypto.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void
test_tokens_are_43_base64url_chars_and_unique(void **state)
{
    (void)state;
    char a[CRYPTO_TOKEN_CHARS + 1], b[CRYPTO_TOKEN_CHARS + 1];
    crypto_token(a);
    crypto_token(b);
    assert_int_equal(strlen(a), 43);
    assert_string_not_equal(a, b);
    for (const char *p = a; *p; p++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrst"
                               "uvwxyz0123456789-_",
                               *p));
}

static void
test_digest_is_blake2b_256(void **state)
{
    (void)state;
    char hex[CRYPTO_DIGEST_HEX];
    /* BLAKE2b-256("abc"), from the reference implementation */
    crypto_digest_hex("abc", 3, hex);
    assert_string_equal(
        hex,
        "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    char other[CRYPTO_DIGEST_HEX];
    crypto_digest_hex("abd", 3, other);
    assert_string_not_equal(hex, other);
}

static void
test_token_hash_differs_from_token(void **state)
{
    (void)state;
    char t[CRYPTO_TOKEN_CHARS + 1], h1[CRYPTO_DIGEST_HEX],
        h2[CRYPTO_DIGEST_HEX];
    crypto_token(t);
    crypto_digest_hex(t, strlen(t), h1);
    crypto_digest_hex(t, strlen(t), h2);
    assert_string_equal(h1, h2); /* lookups by hash work */
    assert_null(strstr(h1, t));
}

static void
test_streq_is_exact(void **state)
{
    (void)state;
    assert_true(crypto_streq("abc", "abc"));
    assert_false(crypto_streq("abc", "abd"));
    assert_false(crypto_streq("abc", "abcd"));
    assert_false(crypto_streq("", "a"));
    assert_true(crypto_streq("", ""));
}

static void
test_password_hash_verifies_only_the_password(void **state)
{
    (void)state;
    char h[CRYPTO_PW_HASH_MAX];
    crypto_init(2);
    assert_int_equal(crypto_pw_hash("ガスの検針は毎月二十日です", h), ERR_OK);
    assert_true(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    assert_true(crypto_pw_verify(h, "ガスの検針は毎月二十日です"));
    assert_false(crypto_pw_verify(h, "ガスの検針は毎月二十一日です"));
    assert_false(crypto_pw_verify("not a hash", "anything"));
    assert_false(crypto_pw_needs_rehash(h));
    /* a hash made with a cheaper cost is flagged for rehashing */
    assert_true(crypto_pw_needs_rehash(
        "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
        "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"));
}

static void
test_readable_codes_have_groups_and_no_lookalikes(void **state)
{
    (void)state;
    char code[32];
    crypto_readable_code(code, 4, 5);
    assert_int_equal(strlen(code), 23);
    assert_int_equal(code[5], '-');
    assert_int_equal(code[17], '-');
    for (const char *p = code; *p; p++)
        assert_null(strchr("il01o", *p));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_are_43_base64url_chars_and_unique),
        cmocka_unit_test(test_digest_is_blake2b_256),
        cmocka_unit_test(test_token_hash_differs_from_token),
        cmocka_unit_test(test_streq_is_exact),
        cmocka_unit_test(test_password_hash_verifies_only_the_password),
        cmocka_unit_test(test_readable_codes_have_groups_and_no_lookalikes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
