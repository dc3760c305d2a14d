/*
 * search.c — 顧客検索: how text is folded for the one search box, what a
 * customer's search document holds, and how a typed query becomes index
 * lookups. No I/O here (the SQL is in search_store.c); ICU's types stay in
 * this file.
 *
 * Folding (search_normalize). Office staff type the same thing many ways:
 * ﾀﾅｶ, タナカ or たなか for the kana of 田中; ０３－１２３４ or 03-1234;
 * 1-2-3, １－２－３, 1ー2ー3 or 1丁目2番3号 for an address. Both the
 * documents and the queries go through the same fold, so they meet:
 *   - NFKC with case folding (全角 ＡＢ１ → ab1, ﾀﾞ → ダ, ㈱ → (株));
 *   - hiragana → katakana (ぁ–ゖ, ゝゞ shift by 0x60);
 *   - whitespace, control characters, noncharacters and the middle dot ・
 *     are dropped (ヤマダ・ハナコ = ヤマダ ハナコ = ヤマダハナコ);
 *   - dash variants ‐ ‑ ‒ – — ― − ﹣ － become '-'; the long-vowel mark ー
 *     and the box-drawing ─ become '-' after a digit only (1ー2 is a
 *     hyphen, センター keeps its ー);
 *   - after a digit, 丁目 番地 番 become '-' and 号 is dropped, so
 *     1丁目2番3号 folds to 1-2-3 like the short form.
 *
 * The document. One string per customer in the FTS5 trigram table
 * customer_search: sections, each a tag byte (enum search_field) followed
 * by folded text. Folded text never holds a control character, so a query
 * cannot match across two sections, and the tag of the section a match
 * falls in tells which field matched ("matched": "phone").
 *
 * Keys. The name and kana keys (customers.name_key, kana_key) are the
 * folded name and kana without a leading legal form (株式会社, (有),
 * カブシキガイシャ…), so that 田中 finds 株式会社田中工務店 by its start.
 *
 * The plan (search_plan). A query of 3 or more folded characters is a
 * quoted FTS5 phrase: the trigram index finds it anywhere in the document
 * (name, kana, number, phone digits, addresses, meter serials). A shorter
 * query cannot use trigrams; it matches prefixes of the number, the name
 * key and the kana key through ordinary indexes. A query of digits and
 * phone punctuation (03(1234)5678, 03-1234-5678) with at least 6 digits
 * is phone-shaped: its bare digits are searched too, since documents hold
 * phone numbers as digits.
 */
#include "customers/customers.h"

#include <stdio.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#define FOLD_IN_MAX      2048 /* bytes of one input */
#define FOLD_BUF_MAX     8192 /* UTF-16 units after NFKC (it can expand) */
#define PHONE_DIGITS_MIN 6

/* ---------------------------------------------------------------------- */
/* Folding                                                                */
/* ---------------------------------------------------------------------- */

/* Where the folded code points go: out, cap bytes, UTF-8. */
struct fold {
    char *out;
    size_t cap, len;
    UChar32 last; /* last code point written, 0 at the start */
    bool full;
};

static void
put(struct fold *f, UChar32 c)
{
    uint8_t tmp[4];
    int32_t n = 0;
    UBool err = false;
    U8_APPEND((uint8_t *)tmp, n, 4, c, err);
    if (err || f->len + (size_t)n + 1 > f->cap) {
        f->full = true;
        return;
    }
    memcpy(f->out + f->len, tmp, (size_t)n);
    f->len += (size_t)n;
    f->last = c;
}

static bool
is_dash(UChar32 c)
{
    return c == '-' || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 ||
           c == 0xFE58 || c == 0xFE63 || c == 0xFF0D;
}

static bool
dropped(UChar32 c)
{
    return u_isUWhiteSpace(c) || u_charType(c) == U_CONTROL_CHAR ||
           c == 0x30FB /* ・ */ || (c & 0xFFFE) == 0xFFFE ||
           (c >= 0xFDD0 && c <= 0xFDEF);
}

/* After a digit: 丁目, 番地 and 番 read as '-', 号 as nothing. Returns how
 * many UTF-16 units of s[i..] it consumed (0: not an address word). */
static int32_t
address_word(const UChar *s, int32_t i, int32_t n, struct fold *f)
{
    static const struct {
        UChar a, b; /* b = 0: one character */
        UChar32 to; /* 0: dropped */
    } words[] = {
        {0x4E01, 0x76EE, '-'}, /* 丁目 */
        {0x756A, 0x5730, '-'}, /* 番地 */
        {0x756A, 0, '-'},      /* 番 */
        {0x53F7, 0, 0},        /* 号 */
    };
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
        if (s[i] != words[k].a ||
            (words[k].b && (i + 1 >= n || s[i + 1] != words[k].b)))
            continue;
        if (words[k].to)
            put(f, words[k].to);
        return words[k].b ? 2 : 1;
    }
    return 0;
}

/* Fold the NFKC-casefolded s[0..n) into f. */
static void
fold_chars(const UChar *s, int32_t n, struct fold *f)
{
    int32_t i = 0;
    while (i < n && !f->full) {
        bool after_digit = f->last >= '0' && f->last <= '9';
        int32_t used = after_digit ? address_word(s, i, n, f) : 0;
        if (used) {
            i += used;
            continue;
        }
        UChar32 c;
        U16_NEXT(s, i, n, c);
        if (dropped(c))
            continue;
        if ((c >= 0x3041 && c <= 0x3096) || c == 0x309D || c == 0x309E)
            c += 0x60; /* ひらがな → カタカナ */
        else if (is_dash(c) || (after_digit && (c == 0x30FC || c == 0x2500)))
            c = '-';
        put(f, c);
    }
}

enum err
search_normalize(const char *in, char *out, size_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar src[FOLD_IN_MAX + 1], nf[FOLD_BUF_MAX];
    int32_t n = 0;
    if (cap == 0)
        return err_fail(ERR_TOO_LARGE, "no room for the folded text");
    if (strlen(in) > FOLD_IN_MAX)
        return err_fail(ERR_TOO_LARGE, "text over %d bytes", FOLD_IN_MAX);
    u_strFromUTF8(src, FOLD_IN_MAX + 1, &n, in, -1, &st);
    if (U_FAILURE(st))
        return err_fail(ERR_INVALID, "text is not valid UTF-8");
    const UNormalizer2 *norm = unorm2_getNFKCCasefoldInstance(&st);
    int32_t m = U_SUCCESS(st)
                    ? unorm2_normalize(norm, src, n, nf, FOLD_BUF_MAX, &st)
                    : 0;
    if (st == U_BUFFER_OVERFLOW_ERROR || st == U_STRING_NOT_TERMINATED_WARNING)
        return err_fail(ERR_TOO_LARGE, "text too long once folded");
    if (U_FAILURE(st))
        return err_fail(ERR_INTERNAL, "ICU: %s", u_errorName(st));
    struct fold f = {out, cap, 0, 0, false};
    fold_chars(nf, m, &f);
    out[f.len] = '\0';
    if (f.full)
        return err_fail(ERR_TOO_LARGE, "folded text over %zu bytes", cap - 1);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Documents                                                              */
/* ---------------------------------------------------------------------- */

enum err
search_doc_add(struct buf *doc, enum search_field field, const char *text)
{
    char folded[FOLD_BUF_MAX];
    if (!text || !*text)
        return ERR_OK;
    enum err rc = search_normalize(text, folded, sizeof(folded));
    if (rc == ERR_TOO_LARGE) /* absurd text: not searchable, still saved */
        return ERR_OK;
    if (rc || !*folded)
        return rc;
    if (field == SEARCH_PHONE) /* phones are kept as bare digits */
        search_digits(folded, folded, sizeof(folded));
    if ((rc = buf_putc(doc, (char)field)))
        return rc;
    return buf_puts(doc, folded);
}

size_t
search_digits(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        if (*in >= '0' && *in <= '9')
            out[n++] = *in;
    if (cap)
        out[n] = '\0';
    return n;
}

static const char *const field_names[] = {
    [SEARCH_NUMBER] = "number", [SEARCH_NAME] = "name",
    [SEARCH_KANA] = "kana",     [SEARCH_PHONE] = "phone",
    [SEARCH_EMAIL] = "email",   [SEARCH_ADDRESS] = "address",
    [SEARCH_METER] = "meter",
};

const char *
search_field_name(enum search_field f)
{
    if (f < SEARCH_NUMBER || f > SEARCH_METER)
        return NULL;
    return field_names[f];
}

/* Legal forms that may open a business name (folded: （株） is "(株)"). */
static const char *const legal_forms[] = {
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "(株)",
    "(有)",
    "(同)",
    "(資)",
    "(名)",
    "医療法人社団",
    "医療法人",
    "社会福祉法人",
    "一般社団法人",
    "一般財団法人",
    "カブシキガイシャ",
    "カブシキカイシャ",
    "ユウゲンガイシャ",
    "ユウゲンカイシャ",
    "ゴウドウガイシャ",
    "ゴウドウカイシャ",
};

/* Bytes of s (n bytes) taken by a leading legal form; 0 when none or
 * when nothing would be left. */
static size_t
legal_form_len(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof(legal_forms) / sizeof(legal_forms[0]); i++) {
        size_t l = strlen(legal_forms[i]);
        if (l < n && !memcmp(s, legal_forms[i], l))
            return l;
    }
    return 0;
}

const char *
search_key(const char *folded)
{
    return folded + legal_form_len(folded, strlen(folded));
}

void
search_key_of(const char *text, char *key, size_t cap)
{
    if (!text || search_normalize(text, key, cap) != ERR_OK) {
        *key = '\0';
        return;
    }
    const char *k = search_key(key);
    memmove(key, k, strlen(k) + 1);
}

/* Does section s (n bytes, without its tag) hold q? */
static bool
section_has(const char *s, size_t n, const char *q, bool prefix)
{
    size_t qn = strlen(q);
    if (!qn || qn > n)
        return false;
    if (prefix)
        return !memcmp(s, q, qn);
    for (size_t i = 0; i + qn <= n; i++)
        if (!memcmp(s + i, q, qn))
            return true;
    return false;
}

const char *
search_matched(const char *doc, const struct search_plan *p)
{
    if (!doc || !*p->norm)
        return NULL;
    for (const char *s = doc; *s;) {
        enum search_field f = (enum search_field)(unsigned char)*s++;
        size_t n = strcspn(s, "\x01\x02\x03\x04\x05\x06\x07");
        bool keyed = f == SEARCH_NUMBER || f == SEARCH_NAME || f == SEARCH_KANA;
        size_t skip = f == SEARCH_NUMBER ? 0 : legal_form_len(s, n);
        if (p->prefix_only
                ? keyed && section_has(s + skip, n - skip, p->norm, true)
                : section_has(s, n, p->norm, false) ||
                      section_has(s, n, p->digits, false))
            return search_field_name(f);
        s += n;
    }
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Query plans                                                            */
/* ---------------------------------------------------------------------- */

/* Append lead and then s as an FTS5 phrase ("" inside doubled) to out
 * (cap bytes); false when it does not fit. */
static bool
phrase(char *out, size_t cap, const char *lead, const char *s)
{
    size_t n = strlen(out), l = strlen(lead);
    if (n + l + 3 > cap)
        return false;
    memcpy(out + n, lead, l);
    n += l;
    out[n++] = '"';
    for (; *s; s++) {
        if (n + 3 >= cap)
            return false;
        if (*s == '"')
            out[n++] = '"';
        out[n++] = *s;
    }
    out[n++] = '"';
    out[n] = '\0';
    return true;
}

/* The bare digits of a phone-shaped query, or "". */
static void
phone_digits(const char *q, char *out, size_t cap)
{
    size_t shape = strspn(q, "0123456789-()");
    size_t n = search_digits(q, out, cap);
    bool bare = n == strlen(q);
    if (q[shape] != '\0' || n == 0 || (!bare && n < PHONE_DIGITS_MIN))
        out[0] = '\0';
}

enum err
search_plan(const char *q, struct search_plan *p)
{
    memset(p, 0, sizeof(*p));
    enum err rc = search_normalize(q ? q : "", p->norm, sizeof(p->norm));
    if (rc == ERR_TOO_LARGE)
        return err_fail(ERR_INVALID, "q is too long once folded");
    if (rc || !*p->norm)
        return rc;
    size_t chars = 0;
    for (const char *s = p->norm; *s; s++)
        chars += ((unsigned char)*s & 0xC0) != 0x80;
    p->prefix_only = chars < 3;
    phone_digits(p->norm, p->digits, sizeof(p->digits));
    if (p->prefix_only)
        return ERR_OK;
    bool fits = phrase(p->fts, sizeof(p->fts), "", p->norm);
    if (fits && strlen(p->digits) >= 3 && strcmp(p->digits, p->norm))
        fits = phrase(p->fts, sizeof(p->fts), " OR ", p->digits);
    if (!fits)
        return err_fail(ERR_INVALID, "q is too long once folded");
    return ERR_OK;
}
