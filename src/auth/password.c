/*
 * password.c — the password policy: NFKC normalization, length in code
 * points, the common-password list, and the login ID / tenant code rule.
 *
 * ICU works in UTF-16 (UChar); those types stay inside this file. Every
 * buffer that held a password is wiped (sodium_memzero) before it is freed.
 * Worst cases are bounded: the input is at most PASSWORD_MAX_BYTES, NFKC
 * expands a code point to at most 18 UTF-16 units (U+FDFA), and ICU is asked
 * for the exact output size first (preflight) rather than guessed.
 *
 * Caseless comparison with the login ID and tenant code uses ICU's
 * NFKC_Casefold on both sides (Unicode's "compatibility caseless match"), so
 * "ＡＤＭＩＮ" matches "admin" and "STRASSE" matches "straße".
 *
 * The common list is the embedded pl_common_passwords (share/common-passwords
 * .txt): lower-case entries, one per line. On first use it is indexed once:
 * (pointer, length) spans into the embedded bytes, sorted in ASCII-caseless
 * byte order, so a lookup is a binary search with no copying. The index
 * lives for the life of the process.
 */
#include "auth/password.h"

#include "core/json.h"
#include "core/xalloc.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

/* Generated from share/common-passwords.txt by share/embed.cmake. */
extern const char pl_common_passwords[];
extern const size_t pl_common_passwords_len;

#define STR_(x) #x
#define STR(x)  STR_(x)

#define U16_MAX_BYTES (1u << 20)

/* ---------------------------------------------------------------------- */
/* UTF-16 buffers                                                         */
/* ---------------------------------------------------------------------- */

/* A UTF-16 string owned by this file: len units used of cap allocated. */
struct u16 {
    UChar *s;
    int32_t len;
    int32_t cap;
};

static void
u16_wipe(struct u16 *u)
{
    if (u->s) {
        sodium_memzero(u->s, (size_t)u->cap * sizeof(UChar));
        free(u->s);
    }
    u->s = NULL;
    u->len = u->cap = 0;
}

/* Decode n bytes of UTF-8. False when they are not well-formed UTF-8
 * (ICU refuses overlong forms, surrogates and truncated sequences) or are
 * absurdly long (U16_MAX_BYTES keeps every ICU length inside int32_t, even
 * after NFKC's 18-fold worst case). */
static bool
u16_from_utf8(const char *in, size_t n, struct u16 *out)
{
    UErrorCode st = U_ZERO_ERROR;
    if (n > U16_MAX_BYTES)
        return false;
    out->cap = (int32_t)n + 1; /* UTF-16 never needs more units than bytes */
    out->s = xmalloc((size_t)out->cap * sizeof(UChar));
    u_strFromUTF8(out->s, out->cap, &out->len, in, (int32_t)n, &st);
    if (U_FAILURE(st)) {
        u16_wipe(out);
        return false;
    }
    return true;
}

/* Encode as a NUL-terminated, xmalloc'd UTF-8 string. */
static bool
u16_to_utf8(const struct u16 *in, char **out)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t cap = in->len * 3 + 1; /* at most 3 bytes per UTF-16 unit */
    int32_t n = 0;
    char *s = xmalloc((size_t)cap);
    u_strToUTF8(s, cap, &n, in->s, in->len, &st);
    if (U_FAILURE(st)) {
        sodium_memzero(s, (size_t)cap);
        free(s);
        return false;
    }
    s[n] = '\0';
    *out = s;
    return true;
}

/* Apply a normalizer (NFKC or NFKC_Casefold) into a new buffer. */
static bool
u16_normalize(const UNormalizer2 *nf, const struct u16 *in, struct u16 *out)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t need = unorm2_normalize(nf, in->s, in->len, NULL, 0, &st);
    if (U_FAILURE(st) && st != U_BUFFER_OVERFLOW_ERROR)
        return false;
    out->cap = need + 1;
    out->s = xmalloc((size_t)out->cap * sizeof(UChar));
    st = U_ZERO_ERROR;
    out->len = unorm2_normalize(nf, in->s, in->len, out->s, out->cap, &st);
    if (U_FAILURE(st)) {
        u16_wipe(out);
        return false;
    }
    return true;
}

/* True when u holds a control character (category Cc: C0, DEL, C1). */
static bool
u16_has_control(const struct u16 *u)
{
    int32_t i = 0;
    while (i < u->len) {
        UChar32 c;
        U16_NEXT(u->s, i, u->len, c);
        if (u_charType(c) == U_CONTROL_CHAR)
            return true;
    }
    return false;
}

/* NFKC_Casefold of UTF-8 s into out. False if s is not valid UTF-8 or ICU
 * fails. */
static bool
u16_fold_utf8(const char *s, struct u16 *out)
{
    UErrorCode st = U_ZERO_ERROR;
    struct u16 src = {0};
    const UNormalizer2 *nf = unorm2_getNFKCCasefoldInstance(&st);
    bool ok = U_SUCCESS(st) && u16_from_utf8(s, strlen(s), &src) &&
              u16_normalize(nf, &src, out);
    u16_wipe(&src);
    return ok;
}

static bool
u16_equal(const struct u16 *a, const struct u16 *b)
{
    return a->len == b->len &&
           memcmp(a->s, b->s, (size_t)a->len * sizeof(UChar)) == 0;
}

/* ---------------------------------------------------------------------- */
/* Normalization                                                          */
/* ---------------------------------------------------------------------- */

enum err
password_normalize(const char *in, char **out)
{
    UErrorCode st = U_ZERO_ERROR;
    struct u16 src = {0}, nfkc = {0};
    enum err rc = ERR_OK;
    *out = NULL;
    if (!in)
        return err_fail(ERR_INVALID, "password is missing");
    size_t n = strnlen(in, PASSWORD_MAX_BYTES + 1);
    if (n > PASSWORD_MAX_BYTES)
        return err_fail(ERR_INVALID, "password is longer than %d bytes",
                        PASSWORD_MAX_BYTES);
    if (!u16_from_utf8(in, n, &src))
        return err_fail(ERR_INVALID, "password is not valid UTF-8");
    if (u16_has_control(&src)) {
        rc = err_fail(ERR_INVALID, "password contains a control character");
        goto out;
    }
    const UNormalizer2 *nf = unorm2_getNFKCInstance(&st);
    if (U_FAILURE(st) || !u16_normalize(nf, &src, &nfkc) ||
        !u16_to_utf8(&nfkc, out))
        rc = err_fail(ERR_INTERNAL, "Unicode normalization (NFKC) failed");
out:
    u16_wipe(&src);
    u16_wipe(&nfkc);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The common list                                                        */
/* ---------------------------------------------------------------------- */

/* One entry: n bytes at s inside the embedded list (not NUL-terminated). */
struct span {
    const char *s;
    size_t n;
};

static struct span *common;
static size_t common_count;
static pthread_once_t common_once = PTHREAD_ONCE_INIT;

static int
ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Byte order with ASCII letters folded to lower case; shorter first on a
 * common prefix. Sorting and searching both use it, so they agree. */
static int
span_cmp(const void *va, const void *vb)
{
    const struct span *a = va, *b = vb;
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        int d = ascii_lower((unsigned char)a->s[i]) -
                ascii_lower((unsigned char)b->s[i]);
        if (d)
            return d;
    }
    return (a->n > b->n) - (a->n < b->n);
}

/* Split the embedded list at '\n' (dropping a '\r' before it and empty
 * lines) and sort the spans. */
static void
common_build(void)
{
    const char *p = pl_common_passwords;
    const char *end = p + pl_common_passwords_len;
    size_t lines = 1;
    for (const char *q = p; (q = memchr(q, '\n', (size_t)(end - q))); q++)
        lines++;
    common = xcalloc(lines, sizeof(*common));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n)
            common[common_count++] = (struct span){p, n};
        p = eol + 1;
    }
    qsort(common, common_count, sizeof(*common), span_cmp);
}

bool
password_is_common(const char *normalized)
{
    if (!normalized)
        return false;
    pthread_once(&common_once, common_build);
    struct span key = {normalized, strlen(normalized)};
    return bsearch(&key, common, common_count, sizeof(*common), span_cmp) !=
           NULL;
}

/* ---------------------------------------------------------------------- */
/* The policy                                                             */
/* ---------------------------------------------------------------------- */

/* Each refusal: its stable code, the English detail, the Japanese field
 * message. */
static const struct refusal {
    const char *reason;
    const char *en;
    const char *ja;
} refusals[] = {
    {"too_short",
     "password must be at least " STR(PASSWORD_MIN_CHARS) " characters",
     STR(PASSWORD_MIN_CHARS) "文字以上で入力してください"},
    {"too_long",
     "password must be at most " STR(PASSWORD_MAX_CHARS) " characters",
     STR(PASSWORD_MAX_CHARS) "文字以内で入力してください"},
    {"common", "password is on the list of the most common passwords",
     "よく使われているパスワードのため使用できません"},
    {"same_as_login_id", "password must not be the same as the login ID",
     "ログインIDと同じパスワードは使用できません"},
    {"same_as_tenant_code", "password must not be the same as the tenant code",
     "事業者コードと同じパスワードは使用できません"},
};

static const struct refusal *
refusal_find(const char *reason)
{
    size_t n = sizeof(refusals) / sizeof(refusals[0]);
    for (size_t i = 0; reason && i < n; i++)
        if (strcmp(reason, refusals[i].reason) == 0)
            return &refusals[i];
    return NULL;
}

static enum err
refuse(const char **reason, const char *why)
{
    const struct refusal *r = refusal_find(why);
    if (reason)
        *reason = r->reason;
    return err_fail(ERR_AUTH_PASSWORD_POLICY, "%s", r->en);
}

/* True when UTF-8 `other` is non-empty and caselessly equal to the folded
 * password. An `other` that cannot be folded (not UTF-8) is not equal. */
static bool
same_caseless(const struct u16 *pw_folded, const char *other)
{
    struct u16 o = {0};
    if (!other || !*other || !u16_fold_utf8(other, &o))
        return false;
    bool same = u16_equal(pw_folded, &o);
    u16_wipe(&o);
    return same;
}

static enum err
check_identity(const char *pw, const char *login_id, const char *tenant_code,
               const char **reason)
{
    struct u16 folded = {0};
    enum err rc = ERR_OK;
    if ((!login_id || !*login_id) && (!tenant_code || !*tenant_code))
        return ERR_OK;
    if (!u16_fold_utf8(pw, &folded))
        return err_fail(ERR_INTERNAL, "Unicode case folding failed");
    if (same_caseless(&folded, login_id))
        rc = refuse(reason, "same_as_login_id");
    else if (same_caseless(&folded, tenant_code))
        rc = refuse(reason, "same_as_tenant_code");
    u16_wipe(&folded);
    return rc;
}

enum err
password_check(const char *normalized, const char *login_id,
               const char *tenant_code, const char **reason)
{
    if (reason)
        *reason = NULL;
    if (!normalized)
        return err_fail(ERR_INVALID, "password is missing");
    size_t chars = utf8_chars(normalized);
    if (chars == SIZE_MAX)
        return err_fail(ERR_INVALID, "password is not valid UTF-8");
    if (chars < PASSWORD_MIN_CHARS)
        return refuse(reason, "too_short");
    if (chars > PASSWORD_MAX_CHARS)
        return refuse(reason, "too_long");
    if (password_is_common(normalized))
        return refuse(reason, "common");
    return check_identity(normalized, login_id, tenant_code, reason);
}

const char *
password_reason_ja(const char *reason)
{
    const struct refusal *r = refusal_find(reason);
    return r ? r->ja : "パスワードが条件を満たしていません";
}
