/*
 * test_device_keys.c — tests src/auth/devkey.c: monitoring devices' keys.
 *
 * A key sealed to a key pair opens with that pair, for the same device id
 * and epoch only (a sealed key copied onto another device's row, or an old
 * epoch's key put back, does not open), and not with another pair or when
 * tampered with; the fingerprint is stable and short. Signatures are
 * HMAC-SHA256(key, ts "\n" body) — checked against a value computed with
 * libsodium directly — and verify in either hex case, fail for another
 * timestamp, body or key. The key pair file is made 0600, read back as
 * the same pair, and refused when others may read it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/devkey.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
test_sealed_key_opens_only_for_its_device_and_epoch(void **state)
{
    (void)state;
    unsigned char pk[32], sk[32], pk2[32], sk2[32], key[32], out[32];
    char sealed[DEVKEY_SEALED_MAX];
    assert_int_equal(sodium_init() >= 0, 1);
    crypto_box_keypair(pk, sk);
    crypto_box_keypair(pk2, sk2);
    devkey_generate(key);
    devkey_seal(pk, "NCU-0001A2B3", 3, key, sealed);
    assert_true(strlen(sealed) < DEVKEY_SEALED_MAX);
    assert_int_equal(devkey_open(pk, sk, sealed, "NCU-0001A2B3", 3, out),
                     ERR_OK);
    assert_memory_equal(out, key, 32);
    assert_int_equal(devkey_open(pk, sk, sealed, "NCU-0001A2B4", 3, out),
                     ERR_DEVICE_KEY_UNREADABLE);
    assert_int_equal(devkey_open(pk, sk, sealed, "NCU-0001A2B3", 2, out),
                     ERR_DEVICE_KEY_UNREADABLE);
    assert_int_equal(devkey_open(pk2, sk2, sealed, "NCU-0001A2B3", 3, out),
                     ERR_DEVICE_KEY_UNREADABLE);
    sealed[10] = sealed[10] == 'A' ? 'B' : 'A';
    assert_int_equal(devkey_open(pk, sk, sealed, "NCU-0001A2B3", 3, out),
                     ERR_DEVICE_KEY_UNREADABLE);
    assert_int_equal(devkey_open(pk, sk, "not base64!", "NCU-0001A2B3", 3, out),
                     ERR_DEVICE_KEY_UNREADABLE);
    char fp1[DEVKEY_FP_HEX], fp2[DEVKEY_FP_HEX], hex[DEVKEY_HEX];
    devkey_fingerprint(key, fp1);
    devkey_fingerprint(key, fp2);
    assert_string_equal(fp1, fp2);
    assert_int_equal(strlen(fp1), 16);
    devkey_hex(key, hex);
    assert_true(devkey_from_hex(hex, out));
    assert_memory_equal(out, key, 32);
    assert_false(devkey_from_hex("abc", out));
}

static void
test_signature_is_hmac_of_timestamp_newline_body(void **state)
{
    (void)state;
    unsigned char key[32], mac[32];
    char sig[DEVKEY_SIG_HEX], want[65];
    const char *body = "{\"device_id\":\"NCU-1\",\"messages\":[]}";
    for (int i = 0; i < 32; i++)
        key[i] = (unsigned char)i;
    unsigned char msg[256];
    size_t n =
        (size_t)snprintf((char *)msg, sizeof(msg), "1794258005\n%s", body);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, 32);
    crypto_auth_hmacsha256_update(&st, msg, n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(want, sizeof(want), mac, 32);
    devkey_sign(key, "1794258005", body, strlen(body), sig);
    assert_string_equal(sig, want);
    unsigned char raw[32];
    assert_true(devkey_verify(key, "1794258005", body, strlen(body), sig, raw));
    assert_memory_equal(raw, mac, 32);
    for (char *p = sig; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    assert_true(
        devkey_verify(key, "1794258005", body, strlen(body), sig, NULL));
    assert_false(
        devkey_verify(key, "1794258006", body, strlen(body), sig, NULL));
    assert_false(
        devkey_verify(key, "1794258005", body, strlen(body) - 1, sig, NULL));
    key[0] ^= 1;
    assert_false(
        devkey_verify(key, "1794258005", body, strlen(body), sig, NULL));
    assert_false(
        devkey_verify(key, "1794258005", body, strlen(body), "zz", NULL));
}

static void
test_key_pair_file_is_private_and_reads_back(void **state)
{
    (void)state;
    char dir[] = "/tmp/pl-devkey-XXXXXX", path[64];
    unsigned char pk[32], sk[32], pk2[32], sk2[32];
    bool created;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/seal.key", dir);
    assert_int_equal(devkey_pair_load(path, false, pk, sk, &created),
                     ERR_CONFIG); /* absent, not to be made */
    assert_int_equal(devkey_pair_load(path, true, pk, sk, &created), ERR_OK);
    assert_true(created);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(devkey_pair_load(path, true, pk2, sk2, &created), ERR_OK);
    assert_false(created);
    assert_memory_equal(pk, pk2, 32);
    assert_memory_equal(sk, sk2, 32);
    chmod(path, 0644);
    assert_int_equal(devkey_pair_load(path, true, pk2, sk2, &created),
                     ERR_CONFIG);
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sealed_key_opens_only_for_its_device_and_epoch),
        cmocka_unit_test(test_signature_is_hmac_of_timestamp_newline_body),
        cmocka_unit_test(test_key_pair_file_is_private_and_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
