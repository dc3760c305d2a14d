/*
 * zengin_kana.c — names into the Zengin character set (zengin.h says which
 * characters and how); ICU's types stay in this file.
 *
 * ICU does the transform: the transliterators "Hiragana-Katakana;
 * Fullwidth-Halfwidth; [a-z] Any-Upper". What ICU has no transform for is
 * a small table here (premap): small kana made large, ヰ ヱ → イ エ, the
 * spacing voiced marks ゛ ゜ → their combining forms, which
 * Fullwidth-Halfwidth knows.
 *
 * Opening a transliterator is slow (it compiles rules) and sharing one
 * between request threads would need a lock; and every character this
 * conversion accepts lies in three
 * small blocks (Latin-1, CJK symbols + kana U+3000–U+30FF, the half- and
 * full-width forms U+FF00–U+FFEF). So the transform runs once per code
 * point of those blocks, at first use (pthread_once), into a read-only
 * table of Zengin bytes; a conversion is then table lookups, safe from
 * any thread, and knows which input character each byte came from, which
 * is what an error has to name. Outside the blocks nothing is accepted.
 * The transforms used act on each character alone, so converting
 * character by character gives what converting the whole string would.
 */
#include "payments/zengin.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>

#define TRANSFORM "Hiragana-Katakana; Fullwidth-Halfwidth; [a-z] Any-Upper"

/* The Zengin bytes of one input character; len 0: not accepted. */
struct kana_map {
    unsigned char len;
    unsigned char b[3];
};

/* The blocks converted ahead of time. */
static const struct {
    UChar32 first, last;
} blocks[] = {{0x0000, 0x00FF}, {0x3000, 0x30FF}, {0xFF00, 0xFFEF}};

#define BLOCK_CHARS (0x100 + 0x100 + 0xF0)

static struct kana_map table[BLOCK_CHARS];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static bool table_ok;

/* Index of c in table, or -1 when outside the blocks. */
static int
table_index(UChar32 c)
{
    int base = 0;
    for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
        if (c >= blocks[i].first && c <= blocks[i].last)
            return base + (int)(c - blocks[i].first);
        base += (int)(blocks[i].last - blocks[i].first + 1);
    }
    return -1;
}

/* What ICU has no transform for: small kana → large (hiragana, katakana,
 * half-width), ゐゑヰヱ → いえイエ, ゛゜ → the combining marks. */
static UChar32
premap(UChar32 c)
{
    static const struct {
        UChar32 from, to;
    } map[] = {
        {0x3041, 0x3042}, {0x3043, 0x3044}, {0x3045, 0x3046}, /* ぁぃぅ */
        {0x3047, 0x3048}, {0x3049, 0x304A}, {0x3063, 0x3064}, /* ぇぉっ */
        {0x3083, 0x3084}, {0x3085, 0x3086}, {0x3087, 0x3088}, /* ゃゅょ */
        {0x308E, 0x308F}, {0x3095, 0x304B}, {0x3096, 0x3051}, /* ゎゕゖ */
        {0x3090, 0x3044}, {0x3091, 0x3048},                   /* ゐゑ */
        {0x30A1, 0x30A2}, {0x30A3, 0x30A4}, {0x30A5, 0x30A6}, /* ァィゥ */
        {0x30A7, 0x30A8}, {0x30A9, 0x30AA}, {0x30C3, 0x30C4}, /* ェォッ */
        {0x30E3, 0x30E4}, {0x30E5, 0x30E6}, {0x30E7, 0x30E8}, /* ャュョ */
        {0x30EE, 0x30EF}, {0x30F5, 0x30AB}, {0x30F6, 0x30B1}, /* ヮヵヶ */
        {0x30F0, 0x30A4}, {0x30F1, 0x30A8},                   /* ヰヱ */
        {0xFF67, 0xFF71}, {0xFF68, 0xFF72}, {0xFF69, 0xFF73}, /* ｧｨｩ */
        {0xFF6A, 0xFF74}, {0xFF6B, 0xFF75}, {0xFF6C, 0xFF94}, /* ｪｫｬ */
        {0xFF6D, 0xFF95}, {0xFF6E, 0xFF96}, {0xFF6F, 0xFF82}, /* ｭｮｯ */
        {0x309B, 0x3099}, {0x309C, 0x309A},                   /* ゛゜ */
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].from == c)
            return map[i].to;
    return c;
}

/* The Zengin byte of one character after the transform, or 0. */
static unsigned char
zengin_byte(UChar c)
{
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
        return (unsigned char)c;
    if (c < 0x80 && c && strchr(" (),-./", c))
        return (unsigned char)c;
    if (c == 0x5C || c == 0xA5) /* \ and ¥: JIS X 0201 0x5C is ¥ */
        return 0x5C;
    if (c == 0xFF62 || c == 0xFF63 || c == 0xFF66 || c == 0xFF70 ||
        (c >= 0xFF71 && c <= 0xFF9F)) /* ｢ ｣ ｦ ｰ ｱ–ﾝ ﾞ ﾟ */
        return (unsigned char)(c - 0xFF61 + 0xA1);
    return 0;
}

/* Run the transform on one code point and store its Zengin bytes. */
static void
table_fill(UTransliterator *t, UChar32 c)
{
    UChar u[8];
    int32_t len = 0, limit;
    UBool bad = false;
    UErrorCode st = U_ZERO_ERROR;
    U16_APPEND(u, len, 8, premap(c), bad);
    limit = len;
    utrans_transUChars(t, u, &len, 8, 0, &limit, &st);
    if (bad || U_FAILURE(st) || len < 1 || len > 3)
        return;
    struct kana_map *m = &table[table_index(c)];
    for (int32_t i = 0; i < len; i++) {
        unsigned char b = zengin_byte(u[i]);
        if (!b)
            return;
        m->b[i] = b;
    }
    m->len = (unsigned char)len;
}

static void
table_build(void)
{
    UChar id[sizeof(TRANSFORM)];
    UErrorCode st = U_ZERO_ERROR;
    u_uastrncpy(id, TRANSFORM, (int32_t)sizeof(id));
    UTransliterator *t =
        utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
    if (U_FAILURE(st))
        return;
    for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
        for (UChar32 c = blocks[i].first; c <= blocks[i].last; c++)
            table_fill(t, c);
    utrans_close(t);
    table_ok = true;
}

/* The Zengin bytes of c, or NULL when it is not accepted. */
static const struct kana_map *
lookup(UChar32 c)
{
    int i = table_index(c);
    return i >= 0 && table[i].len ? &table[i] : NULL;
}

/* "「漢」(U+6F22)" into out, or " U+0009" for what is not printable. */
static void
describe(UChar32 c, char *out, size_t cap)
{
    char u8[5] = {0};
    int32_t n = 0;
    UBool bad = false;
    if (c >= 0x20 && !(c >= 0x7F && c <= 0x9F) && c < 0x110000)
        U8_APPEND((uint8_t *)u8, n, 4, c, bad);
    if (n > 0 && !bad)
        snprintf(out, cap, "「%s」(U+%04X)", u8, (unsigned)c);
    else
        snprintf(out, cap, " U+%04X", (unsigned)c);
}

/* Conversion state: bytes written, the bytes the whole text needs (past
 * leading spaces), the same without trailing spaces, and the first
 * character that is not a space and does not fit. */
struct kana_out {
    char *out;
    size_t width, len, need, trim, over_pos;
    UChar32 over_cp;
};

/* Add one character's bytes: written while the text so far fits, so a
 * cut never splits ｶﾞ. */
static void
put(struct kana_out *k, const struct kana_map *m, UChar32 c, size_t pos)
{
    bool space = m->len == 1 && m->b[0] == ' ';
    if (space && !k->need)
        return;
    k->need += m->len;
    if (!space)
        k->trim = k->need;
    if (k->need <= k->width) {
        memcpy(k->out + k->len, m->b, m->len);
        k->len += m->len;
    } else if (!space && !k->over_pos) {
        k->over_pos = pos;
        k->over_cp = c;
    }
}

static void
mark(struct zengin_fault *fault, size_t pos, UChar32 c)
{
    if (fault) {
        fault->pos = pos;
        fault->cp = (uint32_t)c;
    }
}

static enum err
bad_char(UChar32 c, size_t pos, struct zengin_fault *fault)
{
    char what[32];
    mark(fault, pos, c);
    describe(c, what, sizeof(what));
    return err_fail(ERR_ZENGIN_KANA,
                    "%zu 文字目の%s は全銀ファイルで使える文字にできません",
                    pos, what);
}

enum err
zengin_kana(const char *utf8, unsigned flags, char *out, size_t width,
            bool *truncated, struct zengin_fault *fault)
{
    struct kana_out k = {out, width, 0, 0, 0, 0, 0};
    const uint8_t *s = (const uint8_t *)(utf8 ? utf8 : "");
    size_t n = strlen((const char *)s), i = 0, pos = 0;
    if (truncated)
        *truncated = false;
    pthread_once(&table_once, table_build);
    if (!table_ok)
        return err_fail(ERR_INTERNAL, "ICU transliterator %s", TRANSFORM);
    while (i < n) {
        UChar32 c;
        size_t at = i;
        U8_NEXT(s, i, n, c);
        pos++;
        if (c < 0) {
            mark(fault, pos, 0xFFFD);
            return err_fail(ERR_ZENGIN_KANA,
                            "%zu 文字目（%zu バイト目）が UTF-8 として"
                            "読めません",
                            pos, at + 1);
        }
        const struct kana_map *m = lookup(c);
        if (!m)
            return bad_char(c, pos, fault);
        put(&k, m, c, pos);
    }
    if (k.trim > width && !(flags & ZENGIN_KANA_TRUNCATE)) {
        mark(fault, k.over_pos, k.over_cp);
        return err_fail(ERR_ZENGIN_KANA,
                        "半角 %zu 文字になり、%zu 文字の欄に収まりません"
                        "（%zu 文字目から）",
                        k.trim, width, k.over_pos);
    }
    if (truncated)
        *truncated = k.trim > width;
    memset(out + k.len, ' ', width - k.len);
    return ERR_OK;
}

/* A JIS X 0201 byte as the character people read. */
static UChar32
jis_char(unsigned char b)
{
    if (b == 0x5C)
        return 0xA5; /* ¥ */
    if (b == 0x7E)
        return 0x203E; /* ‾ */
    if (b < 0x80)
        return b;
    if (b >= 0xA1 && b <= 0xDF)
        return 0xFF61 + (b - 0xA1);
    return 0xFFFD;
}

bool
zengin_text_utf8(const char *jis, char *out, size_t cap)
{
    int32_t o = 0;
    if (!cap)
        return false;
    for (const unsigned char *p = (const unsigned char *)jis; *p; p++) {
        UBool bad = false;
        if ((size_t)o + 4 > cap) {
            out[0] = '\0';
            return false;
        }
        U8_APPEND((uint8_t *)out, o, (int32_t)cap, jis_char(*p), bad);
        (void)bad; /* room was checked above (gcc: set but not used) */
    }
    if ((size_t)o + 1 > cap) {
        out[0] = '\0';
        return false;
    }
    out[o] = '\0';
    return true;
}
