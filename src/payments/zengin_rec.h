/*
 * zengin_rec.h — the record machinery shared by the fixed-length 全銀協
 * files: the 120-byte direct-debit requests and results (zengin.c) and the
 * bank's 200-byte statements (zengin_bank.c). Internal to payments/.
 *
 * A format is a record length, a field table (struct zengin_field, one
 * per reader's enum of fields) and the error a malformed file fails with.
 * A struct zrec is one record and its place: its record number, its byte
 * offset, which data record it is. zrec_fail() is the one way a problem is
 * reported: err_detail() gets the place and the field in Japanese
 * ("4 行目（データ 3 件目）の引落金額 amount（81–90 桁目）: …") and the
 * struct zengin_fault the same for code.
 *
 * Reading: zrec_open() frames the whole file in memory (the line ends,
 * what may trail the end record), zrec_next() hands out one record at a
 * time. Both formats share the shape of a file — a header (1), data (2)…,
 * a trailer (8), then the end record (9) or, where the format has one
 * group per account, the next header — so zrec_next() enforces it: a
 * caller gets only records in that order and need only read each one.
 * Field 0 of every table is the record type.
 */
#ifndef PL_PAYMENTS_ZENGIN_REC_H
#define PL_PAYMENTS_ZENGIN_REC_H

#include "core/err.h"
#include "payments/zengin.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZREC_NO_FIELD UINT_MAX /* zrec_fail(): the record as a whole */

/* What a reader needs to know about a fixed-length format. */
struct zrec_format {
    size_t record_len;                 /* 120, 200 */
    const struct zengin_field *layout; /* indexed by the reader's fields */
    unsigned n_fields;                 /* an index ≥ this names no field */
    enum err error;                    /* what a malformed record fails with */
    bool groups;                       /* a header may follow a trailer */
};

/* One record being read (or written), and how to name its place. */
struct zrec {
    const struct zrec_format *fmt;
    const char *in;   /* reading: the record_len bytes read */
    char type;        /* '1' '2' '8' '9', 0 unknown */
    size_t line;      /* record number, 1-based */
    size_t index;     /* data records: which, 1-based */
    size_t offset;    /* reading: byte offset of the record */
    bool show_offset; /* a file without line breaks */
    struct zengin_fault *fault;
};

/* Where the reader is in the file's order of records. */
enum zrec_state {
    ZREC_HEADER_NEXT, /* nothing read yet */
    ZREC_IN_GROUP,    /* after a header: data or the trailer */
    ZREC_END_NEXT,    /* after a trailer: the end (or a next header) */
    ZREC_DONE,        /* after the end record */
};

/* A whole file in memory, handed out record by record. */
struct zrec_reader {
    const char *p;
    size_t n, off, line;
    const struct zrec_format *fmt; /* each record's; a header may change it */
    enum zengin_eol eol;
    bool eof_mark; /* the file ended with 0x1A */
    enum zrec_state state;
    size_t n_data; /* data records handed out */
    struct zengin_fault *fault;
};

/*
 * Fail with e, naming r's record, the field f (none when ≥ n_fields, as
 * ZREC_NO_FIELD is) and the message. Fills r->fault (line, offset, the
 * field's name) when there is one. Returns e.
 */
enum err zrec_fail(const struct zrec *r, enum err e, unsigned f,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The field's digits into out (its length + 1 bytes); the format's error
 * naming the first byte that is not a digit. */
enum err zrec_digits(const struct zrec *r, unsigned f, char *out);

/* The field's digits as a number (fields are at most 14 digits). */
enum err zrec_number(const struct zrec *r, unsigned f, int64_t *v);

/* Text: JIS X 0201 graphic bytes into out (length + 1 bytes), trailing
 * spaces dropped; the format's error naming any other byte. */
enum err zrec_text(const struct zrec *r, unsigned f, char *out);

/* Start reading the n bytes at p (kept, not copied): decide the line ends
 * and strip what may follow the end record (one 0x1A, and one CR LF when
 * that is the file's only line break). */
void zrec_open(struct zrec_reader *rd, const char *p, size_t n,
               const struct zrec_format *fmt, struct zengin_fault *fault);

/*
 * The next record into *r, its type and (data) index set; *got is false
 * once the input has ended after the end record. The format's error for a
 * record of the wrong length or line end, a type byte not 1 2 8 9, a
 * record out of order or after the end record, or an input that stops
 * before the end record.
 */
enum err zrec_next(struct zrec_reader *rd, struct zrec *r, bool *got);

#endif
