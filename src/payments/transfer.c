/*
 * transfer.c — bank transfer (振込) matching, the pure part: folding a
 * payer's name as the bank reports it and a customer's kana so that they
 * meet, and deciding whether a transfer is a sure match.
 *
 * Names. The bank reports the payer in half-width katakana, upper-case
 * letters, small kana written large (ｯ → ﾂ: most banks have no small
 * kana), legal forms abbreviated (ｶ)ﾀﾅｶｺｳﾑﾃﾝ for 株式会社田中工務店, ﾀﾅｶ
 * ｺｳﾑﾃﾝ(ｶ when it comes after). The ledger holds the customer's kana as
 * entered (タナカ タロウ, カブシキガイシャタナカコウムテン). Both sides go
 * through transfer_name_key: the customer search's folding
 * (search_key_of: NFKC, hiragana → katakana, no spaces, a leading legal
 * form dropped), then a bank abbreviation at either end dropped (X) or
 * (X) in front, (X or (X) behind, X one to three characters), small kana
 * made large, and the remaining punctuation ( ) . , - / dropped.
 *
 * The decision (transfer_decide). A candidate is an open invoice whose
 * customer's name key equals the payer's (name) or whose open amount
 * equals the transfer's (amount). Exactly one candidate with both is a
 * sure match, posted at once; anything else (none, several, name only,
 * amount only) goes to the review list with the candidates, for a person
 * to confirm.
 */
#include "customers/customers.h"
#include "payments/payments.h"

#include <string.h>

/* Drop a bank's legal-form abbreviation at the front: "X)" or "(X)" with
 * X of one to three characters (UTF-8, at most 9 bytes). */
static const char *
drop_front(const char *s)
{
    const char *p = s + (*s == '(');
    const char *close = strchr(p, ')');
    if (close && close > p && close - p <= 9 && close[1])
        return close + 1;
    return s;
}

/* Length of s without an abbreviation behind: "(X" or "(X)". */
static size_t
keep_before_back(const char *s, size_t n)
{
    const char *open = strrchr(s, '(');
    if (!open || open == s)
        return n;
    size_t tail = n - (size_t)(open - s);
    if (tail >= 2 && tail <= 11)
        return (size_t)(open - s);
    return n;
}

/* The large kana of a small one (U+30A1…), or c itself. */
static unsigned
large_kana(unsigned c)
{
    switch (c) {
    case 0x30A1: /* ァ */
    case 0x30A3: /* ィ */
    case 0x30A5: /* ゥ */
    case 0x30A7: /* ェ */
    case 0x30A9: /* ォ */
    case 0x30C3: /* ッ */
    case 0x30E3: /* ャ */
    case 0x30E5: /* ュ */
    case 0x30E7: /* ョ */
    case 0x30EE: /* ヮ */
        return c + 1;
    case 0x30F5: /* ヵ */
        return 0x30AB;
    case 0x30F6: /* ヶ */
        return 0x30B1;
    default:
        return c;
    }
}

/* Copy s[0..n) into out, small kana large, punctuation dropped. */
static enum err
copy_folded(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (strchr("().,-/", c) && c) {
            i++;
            continue;
        }
        size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + len > n || o + len + 1 > cap)
            return err_fail(ERR_TOO_LARGE, "name too long");
        if (len == 3 && c == 0xE3) {
            unsigned cp = ((unsigned)(c & 0x0F) << 12) |
                          ((unsigned)(s[i + 1] & 0x3F) << 6) |
                          (unsigned)(s[i + 2] & 0x3F);
            cp = large_kana(cp);
            out[o++] = (char)0xE3;
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            memcpy(out + o, s + i, len);
            o += len;
        }
        i += len;
    }
    out[o] = '\0';
    return ERR_OK;
}

enum err
transfer_name_key(const char *in, char *out, size_t cap)
{
    char folded[TRANSFER_KEY_MAX * 2];
    if (!cap)
        return ERR_TOO_LARGE;
    *out = '\0';
    search_key_of(in ? in : "", folded, sizeof(folded));
    const char *s = drop_front(folded);
    size_t n = keep_before_back(s, strlen(s));
    return copy_folded(s, n, out, cap);
}

int
transfer_decide(const struct transfer_candidate *c, size_t n)
{
    int sure = -1;
    for (size_t i = 0; i < n; i++) {
        if (!c[i].name || !c[i].amount)
            continue;
        if (sure >= 0)
            return -1; /* two fit: a person decides */
        sure = (int)i;
    }
    return sure;
}
