/*
 * zengin.h — 全銀協 (Zengin) files for bank direct debit (口座振替): the
 * request file a retailer sends its bank (口座振替依頼データ) and the result
 * file the bank sends back (振替結果データ). Pure code: bytes in, bytes
 * out; no store, no HTTP, no file I/O.
 *
 * Records. Every record is 120 bytes of JIS X 0201 8-bit text (コード区分 0,
 * "JIS"): in practice the single-byte range of Shift_JIS — ASCII digits,
 * upper-case letters, a few symbols, and half-width katakana 0xA1–0xDF. A
 * file is one header (1), the data records (2), one trailer (8) and one
 * end record (9), in that order: one requester and one debit date per
 * file (files with several header…trailer groups are refused). Numeric
 * fields (N) are right-aligned and zero-filled, text fields (C) are
 * left-aligned and space-filled. We write fillers as spaces and never look
 * at them when reading (banks put spaces or zeros there).
 *
 *   header (1)              pos len    data (2)                pos len
 *   record_type "1"      N    1   1    record_type "2"      N    1   1
 *   kind_code "91"       N    2   2    bank_code            N    2   4
 *   code_set "0"         N    4   1    bank_name            C    6  15
 *   requester_code       N    5  10    branch_code          N   21   3
 *   requester_name       C   15  40    branch_name          C   24  15
 *   debit_date MMDD      N   55   4    filler                   39   4
 *   bank_code            N   59   4    account_type         N   43   1
 *   bank_name            C   63  15    account_number       N   44   7
 *   branch_code          N   78   3    depositor_name       C   51  30
 *   branch_name          C   81  15    amount               N   81  10
 *   account_type         N   96   1    new_code             N   91   1
 *   account_number       N   97   7    customer_number      N   92  20
 *   filler                  104  17    result_code          N  112   1
 *                                      filler                  113   8
 *
 *   trailer (8)             pos len    end (9)                 pos len
 *   record_type "8"      N    1   1    record_type "9"      N    1   1
 *   total_count          N    2   6    filler                    2 119
 *   total_amount         N    8  12
 *   debited_count        N   20   6
 *   debited_amount       N   26  12
 *   failed_count         N   38   6
 *   failed_amount        N   44  12
 *   filler                   56  65
 *
 * Kind code 91 is 口座振替, code set 0 is JIS; the header's bank and
 * account are the requester's (取引銀行, where the money goes), the data
 * record's the payer's (引落口座). The Japanese names are in the table.
 * This is the standard layout as banks reproduce it. Their spec sheets
 * differ in details (顧客番号 numeric or not, which account types they
 * take): the layout is one table in zengin.c, zengin_layout() hands it
 * out, and a change goes there. In a request the result code is 0 and the
 * trailer's debited/failed counts and amounts are zero.
 *
 * Characters (zengin_kana). Names — 委託者名, bank and branch names,
 * 預金者名 — go from UTF-8 into the Zengin character set:
 *
 *   0–9  A–Z  space  ( ) , - . /  ¥ (0x5C)
 *   ｱ–ﾝ ｦ (0xB1–0xDD, 0xA6)  ﾞ ﾟ (0xDE 0xDF)  ｰ (0xB0)  ｢ ｣ (0xA2 0xA3)
 *
 * Not in it: small kana ｧ–ｯ, ｡ ､ ･, lower case, & and every other
 * symbol. The conversion, per character:
 *   - hiragana → katakana → half width, by ICU's transliterators
 *     "Hiragana-Katakana; Fullwidth-Halfwidth": ガ → ｶﾞ and パ → ﾊﾟ (the
 *     voiced marks as characters of their own), ヴ → ｳﾞ, ー → ｰ,
 *     （）．－／，→ ().-/, and ￥ → ¥, 「」 → ｢｣, ＡＢ１ → AB1, the
 *     ideographic space U+3000 → space; then a–z → A–Z ("[a-z] Any-Upper";
 *     é or ß stay outside the set);
 *   - small kana are made large first, as bank specs want: ァ ぁ ｧ → ｱ,
 *     ッ っ ｯ → ﾂ, ャ → ﾔ, ヮ → ﾜ, ヵ → ｶ, ヶ → ｹ; also ヰ ヱ → ｲ ｴ and the
 *     spacing marks ゛ ゜ → ﾞ ﾟ (ICU does none of these);
 *   - U+005C (what the ¥ key types on Japanese Windows) and ¥ → 0x5C;
 *   - spaces at both ends are dropped; the rest is padded with spaces.
 * Anything else (漢字, ・, 、, ～, &, é, emoji, control characters,
 * malformed UTF-8) is ERR_ZENGIN_KANA naming the character and its
 * 1-based position: nothing is dropped or replaced silently. Some banks
 * take less (no comma, no ｰ): check the bank's sheet. The customer
 * ledger's 口座名義 (contract_holder_normalize) keeps to a subset of this
 * set, so a stored 口座名義 always converts.
 *
 * Too long. A name longer than its field (after conversion, in bytes:
 * ｶﾞ is two) is ERR_ZENGIN_KANA unless the caller passes
 * ZENGIN_KANA_TRUNCATE — depositor names are often cut to 30, but that is
 * the caller's choice, and it is told (truncated). Cutting drops whole
 * characters (never ｶ without its ﾞ); the characters past the cut are
 * still checked.
 *
 * Line endings. Records are written back to back (ZENGIN_EOL_NONE) or
 * each followed by CR LF (ZENGIN_EOL_CRLF); banks differ, so it is the
 * caller's setting. The reader takes either, decided by the file: CR LF
 * mode when it holds an LF anywhere but in a final CR LF. In CR LF mode
 * every line must be 120 bytes and end with CR LF (the last may end
 * without); LF alone, CR alone or a line break inside a record of a file
 * without line breaks is an error. One 0x1A (the MS-DOS end-of-file mark
 * some bank systems still append) as the very last byte is ignored, and
 * so is a CR LF after the end record of a file without line breaks.
 *
 * Errors name the place. err_detail() says it in Japanese, e.g.
 *   4 行目（データ 3 件目）の引落金額 amount（81–90 桁目）: 85 桁目が...
 * and struct zengin_fault gives it to code: the 1-based record number —
 * the line number in a CR LF file, the n-th 120 bytes otherwise (with
 * the byte offset) — the field's name from the layout, and for a name
 * the character at fault. Messages never repeat a value the caller gave
 * (account numbers are personal data).
 *
 * Limits. The trailer counts in 6 digits, so a file holds at most
 * ZENGIN_MAX_RECORDS data records; the reader refuses larger input
 * (ZENGIN_FILE_MAX, about 122 MB) before looking at it, and keeps about
 * 140 bytes per record read. A file without debits is well-formed.
 */
#ifndef PL_PAYMENTS_ZENGIN_H
#define PL_PAYMENTS_ZENGIN_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZENGIN_RECORD_LEN  120
#define ZENGIN_MAX_RECORDS 999999         /* data records per file */
#define ZENGIN_AMOUNT_MAX  9999999999LL   /* one debit: 10 digits */
#define ZENGIN_TOTAL_MAX   999999999999LL /* trailer sums: 12 digits */
#define ZENGIN_FILE_MAX    ((ZENGIN_MAX_RECORDS + 3) * 122 + 3)

/* Widths of the name fields, in bytes (= half-width characters). */
#define ZENGIN_REQUESTER_NAME_LEN 40
#define ZENGIN_BANK_NAME_LEN      15
#define ZENGIN_BRANCH_NAME_LEN    15
#define ZENGIN_DEPOSITOR_NAME_LEN 30

/* ---------------------------------------------------------------------- */
/* Layout and places                                                      */
/* ---------------------------------------------------------------------- */

/* One field of the layout table. */
struct zengin_field {
    char record;       /* '1' header, '2' data, '8' trailer, '9' end */
    char type;         /* 'N' numeric, 'C' text, 'F' filler */
    unsigned char pos; /* first byte, 1-based */
    unsigned char len; /* bytes */
    const char *name;  /* "depositor_name": what zengin_fault names */
    const char *label; /* "預金者名": what err_detail() says */
};

/* The layout, all four records in file order; *n gets the count. */
const struct zengin_field *zengin_layout(size_t *n);

/* Where a problem is. Every member is 0/NULL when it does not apply. */
struct zengin_fault {
    size_t line;       /* record number, 1-based (= line with CR LF) */
    size_t offset;     /* reader: byte offset of that record, 0-based */
    const char *field; /* the layout's name ("amount"), NULL for none */
    size_t pos;        /* a name: the character's position, 1-based */
    uint32_t cp;       /* a name: the character (code point) */
};

/* ---------------------------------------------------------------------- */
/* Characters                                                             */
/* ---------------------------------------------------------------------- */

#define ZENGIN_KANA_TRUNCATE 1u /* cut a name that is too long */

/*
 * Convert the UTF-8 text utf8 (NULL is "") to the Zengin character set
 * (above) into out: exactly width bytes, left-aligned, space-padded, no
 * NUL. *truncated (may be NULL) says whether ZENGIN_KANA_TRUNCATE cut it.
 * ERR_ZENGIN_KANA for a character outside the set or malformed UTF-8
 * (fault->pos/cp name it) and for text longer than width without the flag
 * (fault->pos names the first character that does not fit); out is then
 * undefined. fault may be NULL; its line and field are left alone.
 */
enum err zengin_kana(const char *utf8, unsigned flags, char *out, size_t width,
                     bool *truncated, struct zengin_fault *fault);

/*
 * The Zengin text of a read record (JIS X 0201 bytes, NUL-terminated) as
 * UTF-8 for people: ASCII as is but 0x5C → ¥ and 0x7E → ‾, 0xA1–0xDF →
 * U+FF61–U+FF9F (ﾔﾏﾀﾞ stays half-width), any other byte → U+FFFD. out
 * holds cap bytes (3 per input byte + 1 is always enough); false when it
 * is too small (out is then "").
 */
bool zengin_text_utf8(const char *jis, char *out, size_t cap);

/* ---------------------------------------------------------------------- */
/* Writing a request (口座振替依頼データ)                                  */
/* ---------------------------------------------------------------------- */

enum zengin_eol {
    ZENGIN_EOL_NONE = 0, /* records back to back */
    ZENGIN_EOL_CRLF = 1, /* CR LF after every record */
};

/* The header: who asks, for which day, into which account. Names are
 * UTF-8 as people type them (converted by zengin_kana); codes are ASCII
 * digit strings. */
struct zengin_requester {
    const char *requester_code; /* 委託者コード: 10 digits, from the bank */
    const char *requester_name; /* 委託者名: required, ≤ 40 once converted */
    const char *debit_date;     /* 引落日 "MMDD" (month 01–12, real day) */
    const char *bank_code;      /* 取引銀行番号: 4 digits */
    const char *bank_name;      /* may be NULL or "" */
    const char *branch_code;    /* 取引支店番号: 3 digits */
    const char *branch_name;    /* may be NULL or "" */
    int account_type; /* 預金種目: 1 普通, 2 当座, 9 その他 */
    const char *account_number; /* 口座番号: 1–7 digits, zero-filled */
};

/* One debit. */
struct zengin_debit {
    const char *bank_code;      /* 引落銀行番号: 4 digits */
    const char *bank_name;      /* may be NULL or "" */
    const char *branch_code;    /* 3 digits */
    const char *branch_name;    /* may be NULL or "" */
    int account_type;           /* 1 普通, 2 当座, 9 その他 (3, 4: no) */
    const char *account_number; /* 1–7 digits, zero-filled */
    const char *depositor_name; /* 預金者名: required, ≤ 30 converted */
    int64_t amount_yen;         /* 1 … ZENGIN_AMOUNT_MAX */
    int new_code; /* 新規コード: 1 first, 2 changed, 0 other */
    const char *customer_number; /* 顧客番号: 1–20 digits, zero-filled */
};

/* Trailer figures: a request's debited/failed parts are zero. */
struct zengin_totals {
    size_t count;
    int64_t amount_yen;
    size_t debited_count;
    int64_t debited_yen;
    size_t failed_count;
    int64_t failed_yen;
};

/*
 * A writer appends records to out as they come, so a million debits can
 * be streamed from a query. Header first, then debits, then
 * zengin_write_end(). A debit that fails validation writes nothing and
 * does not count: the caller may go on with the next one to collect every
 * bad debit before deciding (nothing is sent with errors in it).
 */
struct zengin_writer {
    struct buf *out;
    enum zengin_eol eol;
    unsigned kana_flags;         /* ZENGIN_KANA_TRUNCATE for every name */
    int state;                   /* 0 header next, 1 debits, 2 done */
    struct zengin_totals totals; /* of the debits written so far */
    size_t truncated;            /* names cut (with ZENGIN_KANA_TRUNCATE) */
};

/* Start writing onto out (its maximum bounds the file). */
void zengin_writer_init(struct zengin_writer *w, struct buf *out,
                        enum zengin_eol eol, unsigned kana_flags);

/*
 * Validate and append the header. ERR_ZENGIN_FIELD (a code or the date
 * malformed, an account type not 1/2/9, the name blank), ERR_ZENGIN_KANA
 * (a name), ERR_TOO_LARGE (out full); fault (may be NULL) names line 1 and
 * the field. ERR_INTERNAL when called out of order.
 */
enum err zengin_write_header(struct zengin_writer *w,
                             const struct zengin_requester *r,
                             struct zengin_fault *fault);

/*
 * Validate and append one data record (line = debits so far + 2); as the
 * header, plus ERR_ZENGIN_FIELD for an amount outside 1…ZENGIN_AMOUNT_MAX
 * or a new code not 0/1/2, ERR_TOO_LARGE past ZENGIN_MAX_RECORDS debits
 * or a total past ZENGIN_TOTAL_MAX. On error nothing is appended.
 */
enum err zengin_write_debit(struct zengin_writer *w,
                            const struct zengin_debit *d,
                            struct zengin_fault *fault);

/* Append the trailer (totals of the debits written) and the end record.
 * ERR_TOO_LARGE when out is full; ERR_INTERNAL out of order. */
enum err zengin_write_end(struct zengin_writer *w, struct zengin_fault *fault);

/*
 * A whole request in one call: header, the n debits, trailer, end,
 * appended to out. Stops at the first error (fault->line is the record's
 * line: debit i is line i + 2); out may then hold part of the file.
 * *totals (may be NULL) gets the trailer's figures.
 */
enum err zengin_write_request(const struct zengin_requester *r,
                              const struct zengin_debit *d, size_t n,
                              enum zengin_eol eol, unsigned kana_flags,
                              struct buf *out, struct zengin_totals *totals,
                              struct zengin_fault *fault);

/* ---------------------------------------------------------------------- */
/* Reading a result (振替結果データ)                                       */
/* ---------------------------------------------------------------------- */

/* 振替結果コード in a result's data records. */
enum zengin_result {
    ZENGIN_DEBITED = 0,              /* 振替済 */
    ZENGIN_NO_FUNDS = 1,             /* 資金不足 */
    ZENGIN_NO_ACCOUNT = 2,           /* 預金取引なし */
    ZENGIN_STOPPED_BY_DEPOSITOR = 3, /* 預金者の都合による振替停止 */
    ZENGIN_NO_MANDATE = 4,           /* 預金口座振替依頼書なし */
    ZENGIN_STOPPED_BY_REQUESTER = 8, /* 委託者の都合による振替停止 */
    ZENGIN_OTHER = 9,                /* その他 */
};

/* The Japanese name of a result code ("資金不足"); NULL when unknown. */
const char *zengin_result_name(int code);

/* What a file is read as: a bank's result (codes as above, debited and
 * failed parts in the trailer) or a request (codes 0, parts zero). */
enum zengin_kind {
    ZENGIN_RESULT = 0,
    ZENGIN_REQUEST = 1,
};

/* The header as read. Text is the file's JIS X 0201 bytes without the
 * padding (zengin_text_utf8() shows it); codes keep their zeros. */
struct zengin_header {
    char requester_code[11];
    char requester_name[ZENGIN_REQUESTER_NAME_LEN + 1];
    char debit_date[5]; /* "MMDD" */
    char bank_code[5];
    char bank_name[ZENGIN_BANK_NAME_LEN + 1];
    char branch_code[4];
    char branch_name[ZENGIN_BRANCH_NAME_LEN + 1];
    int account_type;
    char account_number[8];
};

/* One data record as read. */
struct zengin_record {
    size_t line; /* its record number in the file */
    char bank_code[5];
    char bank_name[ZENGIN_BANK_NAME_LEN + 1];
    char branch_code[4];
    char branch_name[ZENGIN_BRANCH_NAME_LEN + 1];
    int account_type;
    char account_number[8];
    char depositor_name[ZENGIN_DEPOSITOR_NAME_LEN + 1];
    int64_t amount_yen;
    int new_code;
    char customer_number[21]; /* 20 digits as written (zero-filled) */
    int result;               /* enum zengin_result */
};

/* A file as read. Owned by the caller: zengin_file_free(). */
struct zengin_file {
    enum zengin_eol eol; /* what the file used */
    bool eof_mark;       /* it ended in 0x1A */
    struct zengin_header header;
    struct zengin_record *records; /* in file order */
    size_t n_records;
    struct zengin_totals totals; /* the trailer (checked against records) */
};

/*
 * Parse the n bytes at p (not kept) as a file of kind into *f. Checks,
 * each failing with ERR_ZENGIN_FORMAT and the line and field in fault
 * (may be NULL) and err_detail(): every record 120 bytes with consistent
 * line ends; record types 1, 2…, 8, 9 in that order with nothing after
 * the end record and neither trailer nor end record missing; kind code 91
 * and code set 0; digits in every numeric field, a real MMDD date, text
 * in JIS X 0201 (0x20–0x7E, 0xA1–0xDF); result codes 0 1 2 3 4 8 9 (only
 * 0 in a request); the trailer's count and amount, and its debited/failed
 * split (result 0 is debited, any other failed; all zero in a request),
 * equal to the data records'. ERR_TOO_LARGE past ZENGIN_FILE_MAX bytes.
 * Records are matched to a request by the caller — by customer number,
 * then bank, branch, account and amount (banks echo the request). On
 * error *f is empty and needs no free.
 */
enum err zengin_read(const char *p, size_t n, enum zengin_kind kind,
                     struct zengin_file *f, struct zengin_fault *fault);

/* Free what zengin_read() allocated; *f is empty again. */
void zengin_file_free(struct zengin_file *f);

#endif
