/*
 * csv.h — CSV as retailers' other systems write it (RFC 4180, leniently
 * about line ends): a reader for imports (取込) and a writer for exports
 * (出力).
 *
 * Reader. Input is UTF-8 text (charset.h converts Shift_JIS first). Fields
 * are separated by ',', rows end with CRLF, LF or a lone CR. A field may be
 * quoted: inside quotes ',' and line breaks are data and "" is one '"'; a
 * line break inside quotes becomes '\n'. Lines with nothing on them are
 * skipped. Every row knows the physical line it starts on (1-based), which
 * is what a user sees in a text editor, so messages can say "12 行目".
 *
 * Limits (bounded sizes): CSV_FIELD_MAX bytes per field, CSV_COLS_MAX fields
 * per row, CSV_ROW_MAX bytes per row. Passing one, a quote that never
 * closes, text after a closing quote, a quote inside an unquoted field or a
 * NUL byte is a fatal format error: reading stops there. A row whose field
 * count differs from the first row's ("ragged") is reported but returned,
 * and reading may go on with the next row.
 *
 * Writer. Fields are quoted when they hold ',', '"', CR or LF; rows end
 * with CRLF (what Excel writes). A cell starting with = + - @ TAB or CR
 * gets a leading "'" so a spreadsheet shows it as text instead of running
 * it as a formula (CSV injection).
 */
#ifndef PL_CUSTOMERS_CSV_H
#define PL_CUSTOMERS_CSV_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

#define CSV_FIELD_MAX 8192        /* bytes in one field */
#define CSV_COLS_MAX  128         /* fields in one row */
#define CSV_ROW_MAX   (64 * 1024) /* bytes in one row, all fields */

/* A reader over one UTF-8 text. The fields of the current row live until
 * the next csv_next(). */
struct csv {
    const char *p, *end; /* unread input */
    size_t line;         /* physical line of *p, 1-based */
    size_t width;        /* fields per row; 0 = set by the first row */
    struct buf row;      /* the current row's fields, each NUL-terminated */
    size_t off[CSV_COLS_MAX];
    const char *field[CSV_COLS_MAX]; /* the current row's fields */
    size_t len[CSV_COLS_MAX];        /* their lengths in bytes */
    size_t nfields;
    size_t row_line;     /* line the current row starts on */
    bool ragged;         /* the current row has the wrong field count */
    bool failed;         /* a fatal format error: no more rows */
    const char *message; /* Japanese text of the last problem, or NULL */
    size_t error_line;   /* the line it is on */
};

/* Read the n bytes at data (not copied: they must outlive the reader). */
void csv_init(struct csv *c, const char *data, size_t n);
void csv_free(struct csv *c);

/*
 * Read the next row into c->field[0..nfields). *got is false at the end of
 * the input. ERR_IMPORT_FORMAT with err_detail() "N 行目: ..." (and
 * c->message, c->error_line) on a problem: when c->ragged the row is there
 * and the next call goes on; otherwise c->failed is set and every later
 * call fails the same way.
 */
enum err csv_next(struct csv *c, bool *got);

/* Append one row of n fields (NULL is an empty field) to b, CRLF-ended,
 * quoted and neutralised as above. ERR_TOO_LARGE past b's maximum (b may
 * then hold part of the row). */
enum err csv_write_row(struct buf *b, const char *const *fields, size_t n);

/* True when s would be run as a formula by a spreadsheet (it starts with
 * = + - @ TAB or CR); exports prefix such cells with "'". */
bool csv_formula_like(const char *s);

#endif
