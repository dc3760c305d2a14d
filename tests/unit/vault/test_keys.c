/*
 * test_keys.c — DATA/keys and the recovery kit (src/vault/keys.c): keys
 * are made once with private modes and never overwritten; the kit holds
 * the backup key and the public keys (no signing seed), reads back
 * exactly, tolerates case and spacing, and names the line of any mistyped
 * character, missing line or line from another kit; a rebuilt host adds a
 * signing key and keeps trusting the old one.
 */
#include "vault/keys.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"

static char root[] = "/tmp/pl-keys-XXXXXX";

static int
setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(root));
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    return system(cmd);
}

/* A fresh data dir with keys; its keyring into kr. */
static void
make_keys(const char *name, char *dir, size_t n, struct keyring *kr)
{
    snprintf(dir, n, "%s/%s", root, name);
    assert_int_equal(keys_init(dir, false), ERR_OK);
    assert_int_equal(keys_load(dir, kr), ERR_OK);
}

static void export(const struct keyring *kr, struct buf *kit)
{
    buf_init(kit, KEYS_KIT_MAX);
    assert_int_equal(keys_kit_export(kr, kit), ERR_OK);
}

static void
test_init_once_private(void **state)
{
    (void)state;
    char dir[256], path[300];
    struct keyring kr;
    make_keys("a", dir, sizeof(dir), &kr);
    const char *files[] = {"backup.key", "signing.key", "signing.pub"};
    for (int i = 0; i < 3; i++) {
        struct stat st;
        snprintf(path, sizeof(path), "%s/keys/%s", dir, files[i]);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    snprintf(path, sizeof(path), "%s/keys", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    struct keyring again;
    assert_int_equal(keys_init(dir, false), ERR_BACKUP_KEYS_EXIST);
    assert_int_equal(keys_load(dir, &again), ERR_OK);
    assert_memory_equal(again.backup, kr.backup, KEYS_BACKUP_BYTES);
    snprintf(path, sizeof(path), "%s/keys/backup.key", dir);
    chmod(path, 0644);
    assert_int_equal(keys_load(dir, &again), ERR_CONFIG); /* too open */
    chmod(path, 0600);
    char empty[300];
    snprintf(empty, sizeof(empty), "%s/none", root);
    assert_int_equal(keys_load(empty, &again), ERR_BACKUP_KEYS_MISSING);
    keys_wipe(&kr);
    keys_wipe(&again);
}

static void
test_kit_round_trip(void **state)
{
    (void)state;
    char dir[256], dir2[256];
    struct keyring kr, back, loaded;
    make_keys("b", dir, sizeof(dir), &kr);
    struct buf kit;
    export(&kr, &kit);
    assert_non_null(strstr(kit.data, "# pilotlight recovery kit v1"));
    assert_non_null(strstr(kit.data, "backup-key/1"));
    assert_non_null(strstr(kit.data, "signing-public-1/2"));
    assert_null(strstr(kit.data, "signing-key")); /* no seed */
    assert_int_equal(keys_kit_parse(kit.data, kit.len, &back), ERR_OK);
    assert_true(back.has_backup);
    assert_false(back.has_signing);
    assert_memory_equal(back.backup, kr.backup, KEYS_BACKUP_BYTES);
    assert_int_equal(back.ntrusted, 1);
    assert_memory_equal(back.trusted[0], kr.sign_public, KEYS_PUBLIC_BYTES);
    snprintf(dir2, sizeof(dir2), "%s/b2", root);
    assert_int_equal(keys_import(dir2, &back), ERR_OK);
    assert_int_equal(keys_import(dir2, &back), ERR_BACKUP_KEYS_EXIST);
    assert_int_equal(keys_load(dir2, &loaded), ERR_OK);
    assert_memory_equal(loaded.backup, kr.backup, KEYS_BACKUP_BYTES);
    assert_false(loaded.has_signing);
    assert_int_equal(loaded.ntrusted, 1);
    buf_free(&kit);
    keys_wipe(&kr);
    keys_wipe(&back);
    keys_wipe(&loaded);
}

static void
test_kit_tolerates_case_and_spacing(void **state)
{
    (void)state;
    char dir[256];
    struct keyring kr, back;
    make_keys("c", dir, sizeof(dir), &kr);
    struct buf kit, loose;
    export(&kr, &kit);
    buf_init(&loose, KEYS_KIT_MAX);
    size_t col = 0;
    bool prose = false;
    for (const char *p = kit.data; *p; p++, col++) {
        char c = *p;
        if (col == 0)
            prose = c == '#';
        if (!prose && col >= 20 && c >= 'a' && c <= 'f')
            c = (char)(c - 'a' + 'A'); /* hex typed back in capitals */
        if (!prose && c == ' ' && col == 20)
            buf_puts(&loose, "\t "); /* other spacing */
        if (c == '\n') {
            buf_puts(&loose, "  \r\n"); /* CRs, blank lines */
            col = (size_t)-1;
        }
        buf_putc(&loose, c);
    }
    assert_int_equal(keys_kit_parse(loose.data, loose.len, &back), ERR_OK);
    assert_memory_equal(back.backup, kr.backup, KEYS_BACKUP_BYTES);
    buf_free(&kit);
    buf_free(&loose);
    keys_wipe(&kr);
    keys_wipe(&back);
}

/* Expect the kit text to be refused with detail holding has. */
static void
expect_refused(const char *text, const char *has)
{
    struct keyring back;
    enum err rc = keys_kit_parse(text, strlen(text), &back);
    if (rc != ERR_BACKUP_KIT_INVALID)
        fail_msg("parse: %s (%s)", err_code(rc), err_detail());
    if (!strstr(err_detail(), has))
        fail_msg("detail '%s' lacks '%s'", err_detail(), has);
}

static void
test_kit_corruption_is_named(void **state)
{
    (void)state;
    char dir[256];
    struct keyring kr;
    make_keys("d", dir, sizeof(dir), &kr);
    struct buf kit;
    export(&kr, &kit);
    char *copy = strdup(kit.data);
    char *line = strstr(copy, "backup-key/2");
    char *digit = line + 27;            /* inside the second group */
    *digit = *digit == '7' ? '1' : '7'; /* a 1 read as a 7 */
    expect_refused(copy, "backup-key/2): checksum does not match");
    int lineno = 1;
    for (char *p = copy; p < line; p++)
        lineno += *p == '\n';
    char want[32];
    snprintf(want, sizeof(want), "line %d", lineno);
    expect_refused(copy, want);
    free(copy);
    /* a line left out */
    copy = strdup(kit.data);
    line = strstr(copy, "signing-public-1/2");
    char *end = strchr(line, '\n');
    memmove(line, end + 1, strlen(end + 1) + 1);
    expect_refused(copy, "signing-public-1 is incomplete");
    free(copy);
    /* a checksum mistyped */
    copy = strdup(kit.data);
    line = strstr(copy, "kit-check/1");
    end = strchr(line, '\n');
    end[-1] = end[-1] == '0' ? '9' : '0';
    expect_refused(copy, "kit-check/1): checksum");
    free(copy);
    /* no header */
    expect_refused("backup-key/1 0000 1111\n", "starts with");
    buf_free(&kit);
    keys_wipe(&kr);
}

static void
test_lines_from_two_kits_are_caught(void **state)
{
    (void)state;
    char d1[256], d2[256];
    struct keyring k1, k2;
    make_keys("e1", d1, sizeof(d1), &k1);
    make_keys("e2", d2, sizeof(d2), &k2);
    struct buf a, b;
    export(&k1, &a);
    export(&k2, &b);
    /* kit 1 with kit 2's signing-public lines: each line checks */
    struct buf mix;
    buf_init(&mix, KEYS_KIT_MAX);
    char *s1 = strstr(a.data, "signing-public-1/1");
    char *s2 = strstr(b.data, "signing-public-1/1");
    char *e2 = strstr(b.data, "kit-check/1");
    buf_append(&mix, a.data, (size_t)(s1 - a.data));
    buf_append(&mix, s2, (size_t)(e2 - s2));
    buf_puts(&mix, strstr(a.data, "kit-check/1"));
    expect_refused(mix.data, "kit-check does not match");
    buf_free(&a);
    buf_free(&b);
    buf_free(&mix);
    keys_wipe(&k1);
    keys_wipe(&k2);
}

static void
test_rebuilt_host_adds_a_signing_key(void **state)
{
    (void)state;
    char dir[256], dir2[256];
    struct keyring kr, back, now;
    make_keys("f", dir, sizeof(dir), &kr);
    struct buf kit;
    export(&kr, &kit);
    assert_int_equal(keys_kit_parse(kit.data, kit.len, &back), ERR_OK);
    snprintf(dir2, sizeof(dir2), "%s/f2", root);
    assert_int_equal(keys_import(dir2, &back), ERR_OK);
    assert_int_equal(keys_init(dir2, false), ERR_BACKUP_KEYS_EXIST);
    assert_int_equal(keys_init(dir2, true), ERR_OK);
    assert_int_equal(keys_init(dir2, true), ERR_BACKUP_KEYS_EXIST);
    assert_int_equal(keys_load(dir2, &now), ERR_OK);
    assert_true(now.has_signing);
    assert_memory_equal(now.backup, kr.backup, KEYS_BACKUP_BYTES);
    assert_int_equal(now.ntrusted, 2); /* new one first, old one kept */
    assert_memory_equal(now.trusted[0], now.sign_public, KEYS_PUBLIC_BYTES);
    assert_memory_equal(now.trusted[1], kr.sign_public, KEYS_PUBLIC_BYTES);
    assert_memory_not_equal(now.sign_public, kr.sign_public, KEYS_PUBLIC_BYTES);
    /* the new kit carries both public keys */
    struct buf kit2;
    export(&now, &kit2);
    assert_non_null(strstr(kit2.data, "signing-public-2/1"));
    struct keyring back2;
    assert_int_equal(keys_kit_parse(kit2.data, kit2.len, &back2), ERR_OK);
    assert_int_equal(back2.ntrusted, 2);
    buf_free(&kit);
    buf_free(&kit2);
    keys_wipe(&kr);
    keys_wipe(&back);
    keys_wipe(&back2);
    keys_wipe(&now);
}

static void
test_signatures(void **state)
{
    (void)state;
    char dir[256];
    struct keyring kr;
    make_keys("g", dir, sizeof(dir), &kr);
    unsigned char sig[KEYS_SIGNATURE_BYTES];
    assert_int_equal(keys_sign(&kr, "abc", 3, sig), ERR_OK);
    assert_true(keys_verify(kr.sign_public, "abc", 3, sig));
    assert_false(keys_verify(kr.sign_public, "abd", 3, sig));
    unsigned char pub[KEYS_PUBLIC_BYTES];
    char hex[KEYS_PUBLIC_HEX];
    keys_public_hex(kr.sign_public, hex);
    assert_int_equal(keys_public_parse(hex, pub), ERR_OK);
    assert_memory_equal(pub, kr.sign_public, KEYS_PUBLIC_BYTES);
    assert_int_equal(keys_public_parse("12ab", pub), ERR_INVALID);
    keys_wipe(&kr);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_once_private),
        cmocka_unit_test(test_kit_round_trip),
        cmocka_unit_test(test_kit_tolerates_case_and_spacing),
        cmocka_unit_test(test_kit_corruption_is_named),
        cmocka_unit_test(test_lines_from_two_kits_are_caught),
        cmocka_unit_test(test_rebuilt_host_adds_a_signing_key),
        cmocka_unit_test(test_signatures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
