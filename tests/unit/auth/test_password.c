/*
 * test_password.c — tests src/auth/password.c: the password policy.
 *
 * The cases follow password.h: NFKC normalization (full-width ASCII,
 * half-width katakana, ideographic space) and its refusals (bad UTF-8,
 * control characters, over PASSWORD_MAX_BYTES); length bounds counted in
 * code points after normalization; the common list (refused in any ASCII
 * case, looked up from several threads at once, and the embedded list's own
 * invariants: at least 10,000 entries, lower-case, no duplicates); the login
 * ID and tenant code rules (caseless after NFKC); Japanese messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/password.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Generated from share/common-passwords.txt (share/embed.cmake). */
extern const char pl_common_passwords[];
extern const size_t pl_common_passwords_len;

static int
reset(void **state)
{
    (void)state;
    err_clear();
    return 0;
}

/* s repeated n times, in a static buffer. */
static const char *
repeat(const char *s, size_t n)
{
    static char buf[4096];
    size_t len = strlen(s);
    assert_true(len * n < sizeof(buf));
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * len, s, len);
    buf[len * n] = '\0';
    return buf;
}

/* Normalize in, expecting success; the result must equal want. */
static void
assert_normalizes_to(const char *in, const char *want)
{
    char *out = NULL;
    assert_int_equal(password_normalize(in, &out), ERR_OK);
    assert_non_null(out);
    assert_string_equal(out, want);
    free(out);
}

static void
assert_normalize_refused(const char *in, const char *detail_has)
{
    char *out = (char *)"untouched";
    err_clear();
    assert_int_equal(password_normalize(in, &out), ERR_INVALID);
    assert_null(out);
    if (!strstr(err_detail(), detail_has))
        fail_msg("detail '%s' does not mention '%s'", err_detail(), detail_has);
}

/* Normalize, then check; returns the reason (NULL when accepted). */
static const char *
policy(const char *in, const char *login_id, const char *tenant_code)
{
    char *pw = NULL;
    const char *reason = "untouched";
    assert_int_equal(password_normalize(in, &pw), ERR_OK);
    enum err rc = password_check(pw, login_id, tenant_code, &reason);
    free(pw);
    if (reason)
        assert_int_equal(rc, ERR_AUTH_PASSWORD_POLICY);
    else
        assert_int_equal(rc, ERR_OK);
    return reason;
}

#define assert_accepted(in, login, tenant)                                     \
    assert_null(policy(in, login, tenant))
#define assert_refused(in, login, tenant, why)                                 \
    assert_string_equal(policy(in, login, tenant), why)

/* The n-th (1-based) entry of the embedded list, copied into buf. */
static const char *
list_entry(size_t n, char *buf, size_t cap)
{
    const char *p = pl_common_passwords;
    const char *end = p + pl_common_passwords_len;
    for (size_t i = 1; i < n; i++) {
        p = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(p);
        p++;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    assert_true(len > 0 && len < cap);
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

static void *
lookup_thread(void *arg)
{
    (void)arg;
    bool ok = password_is_common("qazwsxedcrfv") &&
              !password_is_common("ガスの検針は毎月二十日です");
    return ok ? arg : NULL;
}

/* First in the run, so the index is built while threads race for it. */
static void
test_common_lookup_is_safe_from_many_threads(void **state)
{
    (void)state;
    pthread_t t[8];
    static int token;
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, lookup_thread, &token), 0);
    for (size_t i = 0; i < 8; i++) {
        void *res = NULL;
        assert_int_equal(pthread_join(t[i], &res), 0);
        assert_ptr_equal(res, &token);
    }
}

static void
test_normalize_full_width_becomes_ascii(void **state)
{
    (void)state;
    assert_normalizes_to("ＰＡＳＳＷＯＲＤ１２３４", "PASSWORD1234");
}

static void
test_normalize_half_width_katakana_becomes_full_width(void **state)
{
    (void)state;
    /* ｶ + ﾞ (two code points) compose into one ガ */
    assert_normalizes_to("ｶﾞｽ", "ガス");
}

static void
test_normalize_keeps_spaces_and_maps_ideographic_space(void **state)
{
    (void)state;
    assert_normalizes_to(" correct horse ", " correct horse ");
    assert_normalizes_to("ガス　検針", "ガス 検針"); /* U+3000 → U+0020 */
    assert_normalizes_to("", "");
}

static void
test_normalize_refuses_invalid_utf8(void **state)
{
    (void)state;
    assert_normalize_refused("abc\xff", "UTF-8");
    assert_normalize_refused("abc\x80", "UTF-8");      /* lone continuation */
    assert_normalize_refused("abc\xe3\x81", "UTF-8");  /* truncated */
    assert_normalize_refused("\xc0\xaf", "UTF-8");     /* overlong '/' */
    assert_normalize_refused("\xed\xa0\x80", "UTF-8"); /* surrogate */
    assert_normalize_refused("\xf4\x90\x80\x80", "UTF-8"); /* > U+10FFFF */
}

static void
test_normalize_refuses_control_characters(void **state)
{
    (void)state;
    assert_normalize_refused("password\x01", "control");
    assert_normalize_refused("tab\tinside", "control");
    assert_normalize_refused("new\nline", "control");
    assert_normalize_refused("delete\x7f", "control");
    assert_normalize_refused("next\xc2\x85line", "control"); /* C1 NEL */
}

static void
test_normalize_refuses_over_max_bytes_and_null(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(password_normalize(repeat("a", PASSWORD_MAX_BYTES), &out),
                     ERR_OK);
    assert_int_equal(strlen(out), PASSWORD_MAX_BYTES);
    free(out);
    assert_normalize_refused(repeat("a", PASSWORD_MAX_BYTES + 1), "1024");
    assert_normalize_refused(NULL, "missing");
}

static void
test_length_counts_code_points_not_bytes(void **state)
{
    (void)state;
    /* 11 Japanese characters are 33 bytes, still too short */
    assert_refused("検針票を毎月発行します", NULL, NULL, "too_short");
    assert_accepted("検針票を毎月発行します。", NULL, NULL);
    assert_refused("tq7-lanter", NULL, NULL, "too_short");
    assert_refused("tq7-lantern", NULL, NULL, "too_short");
    assert_accepted("tq7-lantern!", NULL, NULL);
}

static void
test_length_upper_bound_is_128(void **state)
{
    (void)state;
    assert_accepted(repeat("ガ", PASSWORD_MAX_CHARS), NULL, NULL);
    assert_refused(repeat("ガ", PASSWORD_MAX_CHARS + 1), NULL, NULL,
                   "too_long");
}

static void
test_length_is_counted_after_normalization(void **state)
{
    (void)state;
    /* ㌀ (one code point) is アパート (four) under NFKC: 40 → 160 */
    assert_refused(repeat("㌀", 40), NULL, NULL, "too_long");
    /* ｶﾞ is two code points typed, one after NFKC: 12 typed → 6 */
    assert_refused(repeat("ｶﾞ", 6), NULL, NULL, "too_short");
}

static void
test_common_password_is_refused_in_any_case(void **state)
{
    (void)state;
    assert_refused("qazwsxedcrfv", NULL, NULL, "common");
    assert_refused("QazWsxEdcRfv", NULL, NULL, "common");
    assert_refused("1qaz2wsx3edc", NULL, NULL, "common");
    assert_refused("password1234", NULL, NULL, "common");
    assert_refused("ＰＡＳＳＷＯＲＤ１２３４", NULL, NULL, "common");
    assert_int_equal(strstr(err_detail(), "common") != NULL, 1);
}

static void
test_is_common_finds_first_and_ten_thousandth_entries(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(list_entry(1, buf, sizeof(buf)), "123456");
    assert_true(password_is_common(buf));
    list_entry(10000, buf, sizeof(buf));
    assert_true(password_is_common(buf));
    for (char *p = buf; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    assert_true(password_is_common(buf));
    assert_true(password_is_common("PASSWORD"));
    assert_false(password_is_common("ガスの検針は毎月二十日です"));
    assert_false(password_is_common("password12345678x"));
    assert_false(password_is_common(""));
    assert_false(password_is_common(NULL));
}

struct entry {
    const char *s;
    size_t n;
};

static int
entry_cmp(const void *va, const void *vb)
{
    const struct entry *a = va, *b = vb;
    size_t n = a->n < b->n ? a->n : b->n;
    int d = memcmp(a->s, b->s, n);
    return d ? d : (a->n > b->n) - (a->n < b->n);
}

static void
test_embedded_list_is_large_lower_case_and_unique(void **state)
{
    (void)state;
    const char *p = pl_common_passwords;
    const char *end = p + pl_common_passwords_len;
    size_t count = 0, cap = 64 * 1024;
    struct entry *all = calloc(cap, sizeof(*all));
    assert_non_null(all);
    assert_true(pl_common_passwords_len > 0 && end[-1] == '\n');
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(nl);
        assert_true(nl > p); /* no empty lines */
        for (const char *c = p; c < nl; c++)
            assert_false((*c >= 'A' && *c <= 'Z') || *c == '\r');
        assert_true(count < cap);
        all[count++] = (struct entry){p, (size_t)(nl - p)};
        p = nl + 1;
    }
    assert_true(count >= 10000);
    qsort(all, count, sizeof(*all), entry_cmp);
    for (size_t i = 1; i < count; i++)
        assert_int_not_equal(entry_cmp(&all[i - 1], &all[i]), 0);
    free(all);
}

static void
test_same_as_login_id_is_refused_caselessly(void **state)
{
    (void)state;
    assert_refused("yamada.taro.2024", "yamada.taro.2024", NULL,
                   "same_as_login_id");
    assert_refused("Yamada.Taro.2024", "yamada.taro.2024", "KANTO-GAS-01",
                   "same_as_login_id");
    assert_refused("ｙａｍａｄａ.ｔａｒｏ.2024", "YAMADA.TARO.2024", NULL,
                   "same_as_login_id");
    /* full case folding: ß folds to ss */
    assert_refused("STRAßE-GAS-0001", "strasse-gas-0001", NULL,
                   "same_as_login_id");
    assert_accepted("yamada.taro.2024!", "yamada.taro.2024", NULL);
    assert_accepted("yamada.taro.2024", "yamada.taro", NULL);
}

static void
test_same_as_tenant_code_is_refused_caselessly(void **state)
{
    (void)state;
    assert_refused("kanto-gas-01", "yamada", "KANTO-GAS-01",
                   "same_as_tenant_code");
    assert_refused("ＫＡＮＴＯ－ＧＡＳ－０１", NULL, "kanto-gas-01",
                   "same_as_tenant_code");
    assert_accepted("kanto-gas-012", "yamada", "KANTO-GAS-01");
}

static void
test_japanese_passphrase_is_accepted(void **state)
{
    (void)state;
    assert_accepted("ガスの検針は毎月二十日です", "yamada", "KANTO-GAS-01");
    assert_accepted("ｶﾞｽﾉｹﾝｼﾝﾊﾏｲﾂｷﾊﾂｶﾃﾞｽ", NULL, NULL);
}

static void
test_check_sets_detail_without_the_password(void **state)
{
    (void)state;
    const char *reason = "untouched";
    assert_int_equal(password_check("short-pw", NULL, NULL, &reason),
                     ERR_AUTH_PASSWORD_POLICY);
    assert_string_equal(reason, "too_short");
    assert_non_null(strstr(err_detail(), "at least 12"));
    assert_null(strstr(err_detail(), "short-pw"));
    /* reason may be NULL; invalid input is not a policy refusal */
    assert_int_equal(password_check("short-pw", NULL, NULL, NULL),
                     ERR_AUTH_PASSWORD_POLICY);
    assert_int_equal(password_check("bad\xff utf-8 here", NULL, NULL, &reason),
                     ERR_INVALID);
    assert_null(reason);
    assert_int_equal(password_check(NULL, NULL, NULL, &reason), ERR_INVALID);
}

static void
test_reason_ja_has_a_message_for_every_reason(void **state)
{
    (void)state;
    assert_string_equal(password_reason_ja("too_short"),
                        "12文字以上で入力してください");
    assert_string_equal(password_reason_ja("too_long"),
                        "128文字以内で入力してください");
    assert_non_null(strstr(password_reason_ja("common"), "よく使われている"));
    assert_non_null(
        strstr(password_reason_ja("same_as_login_id"), "ログインID"));
    assert_non_null(
        strstr(password_reason_ja("same_as_tenant_code"), "事業者コード"));
    assert_string_equal(password_reason_ja("no_such_reason"),
                        password_reason_ja(NULL));
    assert_true(strlen(password_reason_ja(NULL)) > 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, reset, reset)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_common_lookup_is_safe_from_many_threads),
        T(test_normalize_full_width_becomes_ascii),
        T(test_normalize_half_width_katakana_becomes_full_width),
        T(test_normalize_keeps_spaces_and_maps_ideographic_space),
        T(test_normalize_refuses_invalid_utf8),
        T(test_normalize_refuses_control_characters),
        T(test_normalize_refuses_over_max_bytes_and_null),
        T(test_length_counts_code_points_not_bytes),
        T(test_length_upper_bound_is_128),
        T(test_length_is_counted_after_normalization),
        T(test_common_password_is_refused_in_any_case),
        T(test_is_common_finds_first_and_ten_thousandth_entries),
        T(test_embedded_list_is_large_lower_case_and_unique),
        T(test_same_as_login_id_is_refused_caselessly),
        T(test_same_as_tenant_code_is_refused_caselessly),
        T(test_japanese_passphrase_is_accepted),
        T(test_check_sets_detail_without_the_password),
        T(test_reason_ja_has_a_message_for_every_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
