/*
 * test_seal.c — sealed objects (src/vault/seal.c): round trips small,
 * empty and multi-MB (fed in odd pieces, and through files), and every way
 * a sealed object can be wrong: a flipped byte in a chunk or the header,
 * the wrong key (and a wrong key wearing the right id), a truncated object,
 * a missing final chunk, bytes after the end, reordered chunks, a name that
 * does not match. Each is refused with a reason an operator can act on.
 */
#include "vault/seal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"

#define CHUNK_SEALED (SEAL_CHUNK_DEFAULT + 17)

static struct seal_key key;

static int
setup(void **state)
{
    (void)state;
    seal_key_new(&key);
    return 0;
}

/* n bytes: half text-like (compresses), half pseudo-random (does not). */
static char *
sample(size_t n)
{
    char *p = malloc(n ? n : 1);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = i % 2048 < 1024 ? "顧客台帳 meter reading "[i % 24] : (char)x;
    }
    return p;
}

static void
seal(const void *p, size_t n, struct buf *out, struct seal_info *info)
{
    buf_init(out, 64u << 20);
    assert_int_equal(seal_mem(&key, SEAL_KIND_SNAPSHOT, 0, p, n, out, info),
                     ERR_OK);
}

/* Open b (sealed) expecting rc; returns err_detail() copy. */
static void
open_expect(const struct seal_key *k, const char *name, const void *p, size_t n,
            enum err rc, const char *detail_has)
{
    struct buf out;
    buf_init(&out, 64u << 20);
    enum err got = seal_open_mem(k, name, SEAL_KIND_ANY, p, n, &out, NULL);
    if (got != rc)
        fail_msg("open: %s (want %s): %s", err_code(got), err_code(rc),
                 err_detail());
    if (detail_has && !strstr(err_detail(), detail_has))
        fail_msg("detail '%s' lacks '%s'", err_detail(), detail_has);
    buf_free(&out);
}

static void
test_small_round_trip(void **state)
{
    (void)state;
    const char msg[] = "検針 2026-05: 12.3 m3";
    struct buf sealed, plain;
    struct seal_info info, oinfo;
    seal(msg, sizeof(msg), &sealed, &info);
    assert_int_equal(info.sealed_bytes, sealed.len);
    assert_int_equal(info.plain_bytes, sizeof(msg));
    assert_memory_equal(sealed.data, "PLSO\x01\x01", 6);
    char name[SEAL_NAME_HEX];
    seal_hash_hex(sealed.data, sealed.len, name);
    assert_string_equal(info.name, name);
    assert_true(seal_name_valid(name));
    buf_init(&plain, 1024);
    assert_int_equal(seal_open_mem(&key, name, SEAL_KIND_SNAPSHOT, sealed.data,
                                   sealed.len, &plain, &oinfo),
                     ERR_OK);
    assert_int_equal(plain.len, sizeof(msg));
    assert_memory_equal(plain.data, msg, sizeof(msg));
    assert_string_equal(oinfo.name, name);
    assert_int_equal(oinfo.kind, SEAL_KIND_SNAPSHOT);
    /* sealing is randomised: the same bytes give another object */
    struct buf again;
    struct seal_info info2;
    seal(msg, sizeof(msg), &again, &info2);
    assert_string_not_equal(info.name, info2.name);
    buf_free(&again);
    buf_free(&sealed);
    buf_free(&plain);
}

static void
test_empty_round_trip(void **state)
{
    (void)state;
    struct buf sealed, plain;
    struct seal_info info;
    seal("", 0, &sealed, &info);
    buf_init(&plain, 16);
    assert_int_equal(seal_open_mem(&key, info.name, SEAL_KIND_ANY, sealed.data,
                                   sealed.len, &plain, NULL),
                     ERR_OK);
    assert_int_equal(plain.len, 0);
    buf_free(&sealed);
    buf_free(&plain);
}

static enum err
to_buf(void *arg, const void *p, size_t n)
{
    return buf_append(arg, p, n);
}

static void
test_multi_mb_in_odd_pieces(void **state)
{
    (void)state;
    size_t n = 6u << 20;
    char *p = sample(n);
    struct buf sealed, plain;
    buf_init(&sealed, 16u << 20);
    struct seal_ctx *s;
    assert_int_equal(
        seal_begin(&key, SEAL_KIND_CHANGESET, 1, to_buf, &sealed, &s), ERR_OK);
    for (size_t off = 0; off < n; off += 7777)
        assert_int_equal(
            seal_update(s, p + off, n - off < 7777 ? n - off : 7777), ERR_OK);
    struct seal_info info;
    assert_int_equal(seal_finish(s, &info), ERR_OK);
    assert_true(sealed.len > 2 * CHUNK_SEALED); /* several chunks */
    assert_true(sealed.len < n);                /* half of it compresses */
    buf_init(&plain, 8u << 20);
    struct seal_open_ctx *o;
    seal_open_begin(&key, info.name, SEAL_KIND_CHANGESET, to_buf, &plain, &o);
    for (size_t off = 0; off < sealed.len; off += 4099) {
        size_t k = sealed.len - off < 4099 ? sealed.len - off : 4099;
        assert_int_equal(seal_open_update(o, sealed.data + off, k), ERR_OK);
    }
    struct seal_info oinfo;
    assert_int_equal(seal_open_finish(o, &oinfo), ERR_OK);
    assert_int_equal(plain.len, n);
    assert_memory_equal(plain.data, p, n);
    assert_int_equal(oinfo.plain_bytes, n);
    assert_int_equal(oinfo.sealed_bytes, sealed.len);
    buf_free(&sealed);
    buf_free(&plain);
    free(p);
}

static void
test_zeros_compress(void **state)
{
    (void)state;
    size_t n = 8u << 20;
    char *p = calloc(1, n);
    struct buf sealed;
    struct seal_info info;
    seal(p, n, &sealed, &info);
    assert_true(sealed.len < 64 * 1024);
    open_expect(&key, info.name, sealed.data, sealed.len, ERR_OK, NULL);
    buf_free(&sealed);
    free(p);
}

static void
test_files_round_trip(void **state)
{
    (void)state;
    char dir[] = "/tmp/pl-seal-XXXXXX", in[64], sealed[64], out[64];
    assert_non_null(mkdtemp(dir));
    snprintf(in, sizeof(in), "%s/in", dir);
    snprintf(sealed, sizeof(sealed), "%s/sealed", dir);
    snprintf(out, sizeof(out), "%s/out", dir);
    size_t n = 3u << 20;
    char *p = sample(n);
    FILE *f = fopen(in, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
    struct seal_info info;
    assert_int_equal(seal_file(&key, SEAL_KIND_SNAPSHOT, 0, in, sealed, &info),
                     ERR_OK);
    char name[SEAL_NAME_HEX];
    assert_int_equal(seal_hash_file(sealed, name), ERR_OK);
    assert_string_equal(name, info.name);
    /* never overwrites */
    assert_int_equal(seal_file(&key, SEAL_KIND_SNAPSHOT, 0, in, sealed, NULL),
                     ERR_CONFLICT);
    assert_int_equal(
        seal_open_file(&key, name, SEAL_KIND_SNAPSHOT, sealed, out, NULL),
        ERR_OK);
    f = fopen(out, "rb");
    char *q = malloc(n + 1);
    assert_int_equal(fread(q, 1, n + 1, f), n);
    fclose(f);
    assert_memory_equal(p, q, n);
    /* a failed open leaves no output file */
    unlink(out);
    assert_int_equal(
        seal_open_file(&key, name, SEAL_KIND_CHANGESET, sealed, out, NULL),
        ERR_BACKUP_FORMAT);
    assert_int_not_equal(access(out, F_OK), 0);
    unlink(in);
    unlink(sealed);
    rmdir(dir);
    free(p);
    free(q);
}

/* A sealed sample of n bytes (several chunks when n is large). */
static void
sealed_sample(size_t n, struct buf *sealed, struct seal_info *info)
{
    char *p = sample(n);
    seal(p, n, sealed, info);
    free(p);
}

static void
test_flipped_byte_is_refused(void **state)
{
    (void)state;
    struct buf s;
    struct seal_info info;
    sealed_sample(1u << 20, &s, &info);
    size_t at[] = {SEAL_HEADER_BYTES + 10,                /* chunk 1 */
                   SEAL_HEADER_BYTES + CHUNK_SEALED + 99, /* chunk 2 */
                   s.len - 1};                            /* last tag */
    for (int i = 0; i < 3; i++) {
        s.data[at[i]] ^= 0x01;
        open_expect(&key, info.name, s.data, s.len, ERR_BACKUP_DECRYPT,
                    "does not authenticate");
        open_expect(&key, NULL, s.data, s.len, ERR_BACKUP_DECRYPT, "altered");
        s.data[at[i]] ^= 0x01;
    }
    s.data[SEAL_HEADER_BYTES + CHUNK_SEALED + 99] ^= 0x80;
    open_expect(&key, NULL, s.data, s.len, ERR_BACKUP_DECRYPT, "chunk 2");
    s.data[SEAL_HEADER_BYTES + CHUNK_SEALED + 99] ^= 0x80;
    s.data[0] ^= 0x20; /* magic */
    open_expect(&key, NULL, s.data, s.len, ERR_BACKUP_FORMAT, "magic");
    s.data[0] ^= 0x20;
    s.data[4] = 2; /* version */
    open_expect(&key, NULL, s.data, s.len, ERR_BACKUP_FORMAT, "version");
    s.data[4] = 1;
    s.data[5] = SEAL_KIND_CHANGESET; /* kind: authenticated */
    open_expect(&key, NULL, s.data, s.len, ERR_BACKUP_DECRYPT, "chunk 1");
    s.data[5] = SEAL_KIND_SNAPSHOT;
    s.data[9] ^= 0x7f; /* chunk size: bounded before anything else */
    open_expect(&key, NULL, s.data, s.len, ERR_BACKUP_FORMAT, "chunk size");
    s.data[9] ^= 0x7f;
    s.data[25] ^= 0x04; /* secretstream header */
    open_expect(&key, NULL, s.data, s.len, ERR_BACKUP_DECRYPT, NULL);
    s.data[25] ^= 0x04;
    open_expect(&key, info.name, s.data, s.len, ERR_OK, NULL);
    buf_free(&s);
}

static void
test_wrong_key_is_refused(void **state)
{
    (void)state;
    struct buf s;
    struct seal_info info;
    sealed_sample(200000, &s, &info);
    struct seal_key other;
    seal_key_new(&other);
    open_expect(&other, info.name, s.data, s.len, ERR_BACKUP_WRONG_KEY,
                "sealed under data key");
    memcpy(other.id, key.id, sizeof(key.id)); /* a forged id */
    open_expect(&other, info.name, s.data, s.len, ERR_BACKUP_DECRYPT,
                "does not authenticate");
    seal_key_wipe(&other);
    buf_free(&s);
}

static void
test_truncated_and_extended_are_refused(void **state)
{
    (void)state;
    struct buf s;
    struct seal_info info;
    sealed_sample(1u << 20, &s, &info);
    open_expect(&key, NULL, s.data, 30, ERR_BACKUP_FORMAT, "header");
    /* cut right after chunk 2: every chunk there is whole and authentic */
    open_expect(&key, NULL, s.data, SEAL_HEADER_BYTES + 2 * CHUNK_SEALED,
                ERR_BACKUP_FORMAT, "before its final chunk");
    struct buf out;
    buf_init(&out, 4u << 20);
    enum err rc =
        seal_open_mem(&key, NULL, SEAL_KIND_ANY, s.data, s.len - 5, &out, NULL);
    assert_true(rc == ERR_BACKUP_DECRYPT || rc == ERR_BACKUP_FORMAT);
    /* bytes added at the end become part of the last chunk, which then
     * fails to authenticate; after a full final chunk they are extra */
    char *longer = malloc(s.len + 3);
    memcpy(longer, s.data, s.len);
    memcpy(longer + s.len, "xyz", 3);
    buf_reset(&out);
    rc =
        seal_open_mem(&key, NULL, SEAL_KIND_ANY, longer, s.len + 3, &out, NULL);
    assert_true(rc == ERR_BACKUP_DECRYPT || rc == ERR_BACKUP_FORMAT);
    free(longer);
    buf_free(&out);
    buf_free(&s);
}

static void
test_reordered_chunks_are_refused(void **state)
{
    (void)state;
    struct buf s;
    struct seal_info info;
    sealed_sample(1u << 20, &s, &info);
    assert_true(s.len > SEAL_HEADER_BYTES + 3 * CHUNK_SEALED);
    char *tmp = malloc(CHUNK_SEALED);
    char *c1 = s.data + SEAL_HEADER_BYTES, *c2 = c1 + CHUNK_SEALED;
    memcpy(tmp, c1, CHUNK_SEALED);
    memcpy(c1, c2, CHUNK_SEALED);
    memcpy(c2, tmp, CHUNK_SEALED);
    open_expect(&key, NULL, s.data, s.len, ERR_BACKUP_DECRYPT, "chunk 1");
    free(tmp);
    buf_free(&s);
}

static void
test_name_must_match(void **state)
{
    (void)state;
    struct buf s;
    struct seal_info info;
    sealed_sample(5000, &s, &info);
    char wrong[SEAL_NAME_HEX];
    memcpy(wrong, info.name, sizeof(wrong));
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    open_expect(&key, wrong, s.data, s.len, ERR_VAULT_HASH_MISMATCH,
                "not to its name");
    buf_free(&s);
}

static void
test_names_and_ids(void **state)
{
    (void)state;
    assert_true(seal_name_valid(
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(seal_name_valid(
        "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(seal_name_valid("0123"));
    assert_false(seal_name_valid(
        "../456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(seal_name_valid(NULL));
    struct seal_key k = key;
    char a[SEAL_KEY_ID_HEX], b[SEAL_KEY_ID_HEX];
    seal_key_id_hex(&k, a);
    seal_key_id(&k); /* derived, stable */
    seal_key_id_hex(&k, b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 16);
    /* BLAKE2b-256("abc"), from the reference implementation */
    char h[SEAL_NAME_HEX];
    seal_hash_hex("abc", 3, h);
    assert_string_equal(
        h, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

static void
test_bad_parameters(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 1024);
    assert_int_equal(seal_mem(&key, SEAL_KIND_ANY, 0, "x", 1, &out, NULL),
                     ERR_INVALID);
    assert_int_equal(
        seal_mem(&key, SEAL_KIND_BLOB, SEAL_LEVEL_MAX + 1, "x", 1, &out, NULL),
        ERR_INVALID);
    buf_free(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_round_trip),
        cmocka_unit_test(test_empty_round_trip),
        cmocka_unit_test(test_multi_mb_in_odd_pieces),
        cmocka_unit_test(test_zeros_compress),
        cmocka_unit_test(test_files_round_trip),
        cmocka_unit_test(test_flipped_byte_is_refused),
        cmocka_unit_test(test_wrong_key_is_refused),
        cmocka_unit_test(test_truncated_and_extended_are_refused),
        cmocka_unit_test(test_reordered_chunks_are_refused),
        cmocka_unit_test(test_name_must_match),
        cmocka_unit_test(test_names_and_ids),
        cmocka_unit_test(test_bad_parameters),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
