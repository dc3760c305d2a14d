/*
 * charset.c — UTF-8 / Shift_JIS (CP932) detection and conversion over ICU.
 *
 * ICU's "windows-31j" is its table ibm-943_P15A-2003 (Debian 12, ICU 72):
 * CP932 as Windows has it, 0x5C ↔ U+005C and 0x7E ↔ U+007E (a yen sign
 * on a Japanese screen, a backslash in Unicode), 0x8160 ↔ U+FF5E ～. Both
 * directions run with the STOP callbacks, so nothing is replaced behind
 * our back: on input a bad byte is an error with its position; on output
 * the caller's substitution (〓) is written and counted here.
 *
 * UTF-8 is checked by hand (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF) so an error can name its byte.
 */
#include "core/xalloc.h"
#include "customers/charset.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unicode/ucnv.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define CP932   "windows-31j"
#define GETA    "\x81\xAC" /* 〓 in CP932 */
#define CHUNK   2048       /* UTF-16 units converted at a time */
#define KEY_MAX 256        /* UTF-16 units of a key to fold */

bool
charset_parse(const char *name, enum charset *out)
{
    static const struct {
        const char *name;
        enum charset cs;
    } names[] = {
        {"auto", CHARSET_AUTO},      {"utf-8", CHARSET_UTF8},
        {"utf8", CHARSET_UTF8},      {"shift_jis", CHARSET_SJIS},
        {"shift-jis", CHARSET_SJIS}, {"sjis", CHARSET_SJIS},
        {"cp932", CHARSET_SJIS},     {"windows-31j", CHARSET_SJIS},
    };
    for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcasecmp(name, names[i].name)) {
            *out = names[i].cs;
            return true;
        }
    return false;
}

const char *
charset_name(enum charset cs)
{
    return cs == CHARSET_UTF8   ? "utf-8"
           : cs == CHARSET_SJIS ? "shift_jis"
                                : "auto";
}

/* Offset of the first byte that does not start a well-formed UTF-8
 * sequence, or n when all of p is well-formed. */
static size_t
utf8_check(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (!len || n - i < len || p[i + 1] < lo || p[i + 1] > hi)
            return i;
        for (size_t k = 2; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
        i += len;
    }
    return n;
}

static bool
has_bom(const char *p, size_t n)
{
    return n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3);
}

enum charset
charset_detect(const char *p, size_t n)
{
    if (has_bom(p, n) || utf8_check((const unsigned char *)p, n) == n)
        return CHARSET_UTF8;
    return CHARSET_SJIS;
}

/* The physical line (CRLF, LF or CR ends one) of byte offset in p. */
static size_t
line_at(const char *p, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset; i++)
        if (p[i] == '\n' ||
            (p[i] == '\r' && (i + 1 >= offset || p[i + 1] != '\n')))
            line++;
    return line;
}

static enum err
bad_byte(const char *p, size_t offset, const char *what,
         struct charset_error *where)
{
    where->offset = offset;
    where->line = line_at(p, offset);
    return err_fail(
        ERR_IMPORT_CHARSET,
        "%zu 行目（先頭から %zu バイト目）に %s として読めないバイト "
        "0x%02X があります",
        where->line, offset + 1, what, (unsigned char)p[offset]);
}

static enum err
utf8_in(const char *p, size_t n, struct buf *out, struct charset_error *where)
{
    size_t skip = has_bom(p, n) ? 3 : 0;
    size_t ok = skip + utf8_check((const unsigned char *)p + skip, n - skip);
    if (ok != n)
        return bad_byte(p, ok, "UTF-8", where);
    return buf_append(out, p + skip, n - skip);
}

/* Append n UTF-16 units as UTF-8. */
static enum err
put_utf16(struct buf *out, const UChar *u, int32_t n)
{
    char u8[CHUNK * 3];
    int32_t len = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strToUTF8(u8, (int32_t)sizeof(u8), &len, u, n, &st);
    if (U_FAILURE(st))
        return err_fail(ERR_INTERNAL, "UTF-16 to UTF-8: %s", u_errorName(st));
    return buf_append(out, u8, (size_t)len);
}

static UConverter *
cp932_open(void)
{
    UErrorCode st = U_ZERO_ERROR;
    UConverter *cv = ucnv_open(CP932, &st);
    if (U_FAILURE(st))
        return NULL;
    ucnv_setToUCallBack(cv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
    ucnv_setFromUCallBack(cv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
    if (U_FAILURE(st)) {
        ucnv_close(cv);
        return NULL;
    }
    return cv;
}

static enum err
sjis_in(const char *p, size_t n, bool guessed, struct buf *out,
        struct charset_error *where)
{
    UConverter *cv = cp932_open();
    if (!cv)
        return err_fail(ERR_INTERNAL, "ICU has no %s converter", CP932);
    const char *src = p, *end = p + n;
    enum err rc = ERR_OK;
    UErrorCode st = U_BUFFER_OVERFLOW_ERROR;
    while (!rc && st == U_BUFFER_OVERFLOW_ERROR) {
        UChar u[CHUNK], *t = u;
        st = U_ZERO_ERROR;
        ucnv_toUnicode(cv, &t, u + CHUNK, &src, end, NULL, true, &st);
        if (U_FAILURE(st) && st != U_BUFFER_OVERFLOW_ERROR) {
            char bad[32];
            int8_t blen = (int8_t)sizeof(bad);
            UErrorCode e2 = U_ZERO_ERROR;
            ucnv_getInvalidChars(cv, bad, &blen, &e2);
            size_t at = (size_t)(src - p) - (U_SUCCESS(e2) ? (size_t)blen : 1);
            rc = bad_byte(p, at,
                          guessed ? "UTF-8 としても Shift_JIS としても"
                                  : "Shift_JIS",
                          where);
        } else {
            rc = put_utf16(out, u, (int32_t)(t - u));
        }
    }
    ucnv_close(cv);
    return rc;
}

enum err
charset_to_utf8(const char *p, size_t n, enum charset cs, struct buf *out,
                enum charset *used, struct charset_error *where)
{
    bool guessed = cs == CHARSET_AUTO;
    if (guessed)
        cs = charset_detect(p, n);
    *used = cs;
    where->offset = where->line = 0;
    if (cs == CHARSET_UTF8)
        return utf8_in(p, n, out, where);
    return sjis_in(p, n, guessed, out, where);
}

/* ---------------------------------------------------------------------- */
/* UTF-8 → Shift_JIS                                                      */
/* ---------------------------------------------------------------------- */

/* Characters UTF-8 text uses for a glyph CP932 has under another code
 * point (JIS X 0208 as mapped by Unicode vs. as mapped by Microsoft). */
static UChar
cp932_twin(UChar c)
{
    switch (c) {
    case 0x301C: /* 〜 WAVE DASH */
        return 0xFF5E;
    case 0x2016: /* ‖ DOUBLE VERTICAL LINE */
        return 0x2225;
    case 0x2212: /* − MINUS SIGN */
        return 0xFF0D;
    case 0x2014: /* — EM DASH */
        return 0x2015;
    case 0x00A2: /* ¢ */
        return 0xFFE0;
    case 0x00A3: /* £ */
        return 0xFFE1;
    case 0x00AC: /* ¬ */
        return 0xFFE2;
    case 0x00A5: /* ¥ */
        return 0xFFE5;
    default:
        return c;
    }
}

/* Convert n UTF-16 units to CP932 onto out, 〓 for what does not map. */
static enum err
sjis_out(UConverter *cv, const UChar *u, int32_t n, struct buf *out,
         size_t *substituted)
{
    const UChar *s = u, *end = u + n;
    enum err rc = ERR_OK;
    while (!rc && s < end) {
        char o[CHUNK * 2], *t = o;
        UErrorCode st = U_ZERO_ERROR;
        ucnv_fromUnicode(cv, &t, o + sizeof(o), &s, end, NULL, true, &st);
        rc = buf_append(out, o, (size_t)(t - o));
        if (rc || U_SUCCESS(st) || st == U_BUFFER_OVERFLOW_ERROR)
            continue;
        if (st != U_INVALID_CHAR_FOUND && st != U_ILLEGAL_CHAR_FOUND)
            return err_fail(ERR_INTERNAL, "to CP932: %s", u_errorName(st));
        ucnv_resetFromUnicode(cv); /* s is already past the character */
        rc = buf_append(out, GETA, 2);
        (*substituted)++;
    }
    return rc;
}

enum err
charset_utf8_to_sjis(const char *p, size_t n, struct buf *out,
                     size_t *substituted)
{
    if (utf8_check((const unsigned char *)p, n) != n)
        return err_fail(ERR_INVALID, "not UTF-8");
    UConverter *cv = cp932_open();
    if (!cv)
        return err_fail(ERR_INTERNAL, "ICU has no %s converter", CP932);
    enum err rc = ERR_OK;
    size_t i = 0;
    while (!rc && i < n) {
        size_t k = n - i > CHUNK ? i + CHUNK : n;
        while (k < n && ((unsigned char)p[k] & 0xC0) == 0x80)
            k--; /* end the chunk on a character boundary */
        UChar u[CHUNK];
        int32_t len = 0;
        UErrorCode st = U_ZERO_ERROR;
        u_strFromUTF8(u, CHUNK, &len, p + i, (int32_t)(k - i), &st);
        if (U_FAILURE(st)) {
            rc = err_fail(ERR_INTERNAL, "UTF-8 to UTF-16: %s", u_errorName(st));
            break;
        }
        for (int32_t j = 0; j < len; j++)
            u[j] = cp932_twin(u[j]);
        rc = sjis_out(cv, u, len, out, substituted);
        i = k;
    }
    ucnv_close(cv);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Keys                                                                   */
/* ---------------------------------------------------------------------- */

/* Whether a folded key keeps c (after NFKC). */
static bool
key_keeps(UChar c)
{
    return c != 0x20 && c != 0x09 && c != 0x3000 && c != '_' && c != '-' &&
           c != 0x30FB && c != '.';
}

enum err
charset_fold_key(const char *in, char *out, size_t cap)
{
    UChar src[KEY_MAX], nf[KEY_MAX * 2];
    int32_t n = 0, m, len = 0, k = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strFromUTF8(src, KEY_MAX, &n, in, -1, &st);
    if (st == U_BUFFER_OVERFLOW_ERROR || st == U_STRING_NOT_TERMINATED_WARNING)
        return err_fail(ERR_TOO_LARGE, "key too long");
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&st);
    if (U_FAILURE(st))
        return err_fail(ERR_INVALID, "key is not UTF-8");
    m = unorm2_normalize(nfkc, src, n, nf, KEY_MAX * 2, &st);
    if (U_FAILURE(st))
        return err_fail(ERR_TOO_LARGE, "key too long");
    for (int32_t i = 0; i < m; i++) {
        UChar c = nf[i];
        if (c >= 0x3041 && c <= 0x3096) /* hiragana → katakana */
            c += 0x60;
        else if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (key_keeps(c))
            nf[k++] = c;
    }
    st = U_ZERO_ERROR;
    u_strToUTF8(out, (int32_t)cap, &len, nf, k, &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING)
        return err_fail(ERR_TOO_LARGE, "key too long");
    return ERR_OK;
}

enum err
charset_decode_file(const char *p, size_t n, size_t max, enum charset cs,
                    char **text, size_t *len, enum charset *used)
{
    struct buf out;
    struct charset_error where;
    if (n > max)
        return err_fail(ERR_TOO_LARGE, "ファイルが大きすぎます（%zu MiB まで）",
                        max >> 20);
    buf_init(&out, max * 2); /* Shift_JIS kana grow to three bytes */
    enum err rc = charset_to_utf8(p, n, cs, &out, used, &where);
    if (rc) {
        buf_free(&out);
        return rc;
    }
    *len = out.len;
    *text = out.data ? buf_steal(&out) : xstrdup("");
    return ERR_OK;
}
