/*
 * charset.h — the character sets of files that come and go: UTF-8 (with or
 * without a BOM) and Shift_JIS as Windows writes it (CP932, "windows-31j":
 * JIS X 0208 plus NEC and IBM extensions such as ① and ㈱, half-width
 * katakana ｶﾞ in single bytes). ICU does the conversion; its types stay in
 * charset.c.
 *
 * Input: detection takes a UTF-8 BOM or well-formed UTF-8 as UTF-8 and
 * anything else as Shift_JIS; Japanese text in Shift_JIS is practically
 * never well-formed UTF-8, and ASCII is both. Conversion is strict: a byte
 * sequence that is not valid in the charset is refused with its place (byte
 * offset and line), never replaced, so a wrong guess cannot import
 * mojibake. Half-width kana are kept as they are (U+FF61–U+FF9F); the
 * ledger's validation folds them where a field wants full width.
 *
 * Output to Shift_JIS: the characters that UTF-8 text carries for the same
 * glyph as a CP932 character (〜 U+301C, − U+2212, — U+2014, ‖ U+2016,
 * ¢ £ ¬ ¥) are written as that character; anything else CP932 cannot hold
 * (𠮷, é, emoji) becomes 〓 (the JIS geta mark, 0x81AC) and is counted.
 */
#ifndef PL_CUSTOMERS_CHARSET_H
#define PL_CUSTOMERS_CHARSET_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

enum charset {
    CHARSET_AUTO = 0, /* detect */
    CHARSET_UTF8,
    CHARSET_SJIS, /* CP932 */
};

/* Where conversion stopped: byte offset from the start (0-based) and the
 * physical line (1-based) of the first bad byte. */
struct charset_error {
    size_t offset;
    size_t line;
};

/* "auto", "utf-8"/"utf8", "shift_jis"/"sjis"/"cp932"/"windows-31j"
 * (any case) into *out; false for anything else. */
bool charset_parse(const char *name, enum charset *out);
/* "utf-8" or "shift_jis" ("auto" for CHARSET_AUTO). */
const char *charset_name(enum charset cs);

/* UTF-8 when the n bytes at p start with a UTF-8 BOM or are well-formed
 * UTF-8, else Shift_JIS. */
enum charset charset_detect(const char *p, size_t n);

/*
 * Append the n bytes at p, in cs (CHARSET_AUTO: detected), to out as UTF-8
 * without a BOM; *used receives the charset used. ERR_IMPORT_CHARSET when
 * a byte sequence is not valid in it (where says which byte; err_detail()
 * says it in Japanese), ERR_TOO_LARGE past out's maximum.
 */
enum err charset_to_utf8(const char *p, size_t n, enum charset cs,
                         struct buf *out, enum charset *used,
                         struct charset_error *where);

/*
 * A whole file as received (an import): at most max bytes (else
 * ERR_TOO_LARGE with the limit in Japanese), converted as charset_to_utf8
 * into owned text (*text, *len; "" for an empty file, free()), *used the
 * charset used.
 */
enum err charset_decode_file(const char *p, size_t n, size_t max,
                             enum charset cs, char **text, size_t *len,
                             enum charset *used);

/*
 * Append the UTF-8 text at p (n bytes) to out in Shift_JIS (CP932), with
 * the substitutions above; *substituted is increased by the number of
 * characters written as 〓. ERR_INVALID when p is not well-formed UTF-8,
 * ERR_TOO_LARGE past out's maximum.
 */
enum err charset_utf8_to_sjis(const char *p, size_t n, struct buf *out,
                              size_t *substituted);

/*
 * Fold a column heading or a coded value for matching against names:
 * NFKC (全角 ＡＢ → AB, ｶﾅ → カナ), hiragana → katakana, ASCII lower case,
 * without spaces (also U+3000), '_', '-', '・' and '.'. ERR_INVALID for
 * bad UTF-8, ERR_TOO_LARGE when out (cap bytes) is too small.
 */
enum err charset_fold_key(const char *in, char *out, size_t cap);

#endif
