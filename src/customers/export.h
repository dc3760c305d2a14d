/*
 * export.h — 顧客台帳の出力: the ledger as a file for spreadsheets and
 * other systems.
 *
 * One row per customer, in customer-number order: the customer's fields
 * and the address of the supply point the customer currently lives at
 * (the latest move-in still open, when there are several), with Japanese
 * headings that the importer recognises, so an exported file can be
 * imported again. Coded values are written as office staff say them
 * (個人/法人, 有効/休止/解約, 戸別/バルク/集合).
 *
 * Formats: CSV in UTF-8 with a BOM (Excel then reads it as UTF-8), CSV in
 * Shift_JIS (CP932; characters it lacks become 〓 and are counted), and
 * XLSX (every cell text, so numbers such as 0012 or 090-… keep their
 * zeros; heading row bold and frozen). CSV cells that a spreadsheet would
 * run as a formula get a leading "'" (csv.h).
 *
 * With bank (the full export, 口座情報付き), the open contract at that
 * supply point adds payment method and the bank account for 口座振替 with
 * the FULL account number: callers let only step-up-verified people with
 * customers.bank have it, and audit every export.
 */
#ifndef PL_CUSTOMERS_EXPORT_H
#define PL_CUSTOMERS_EXPORT_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define EXPORT_ROWS_MAX  500000       /* customers in one file */
#define EXPORT_BYTES_MAX (256u << 20) /* size of one file */

enum export_format {
    EXPORT_CSV,      /* UTF-8 with BOM */
    EXPORT_CSV_SJIS, /* Shift_JIS (CP932) */
    EXPORT_XLSX,
};

struct export_opts {
    enum export_format format;
    const char *q;       /* the search box's text (顧客検索), or NULL */
    const char *status;  /* active|suspended|closed, or NULL */
    bool bank;           /* add the open contract's bank account, in full */
    const char *tmp_dir; /* where an XLSX file is built (then removed) */
};

/* The file and what went into it. */
struct export_result {
    struct buf data;    /* the file; release with buf_free() */
    size_t rows;        /* customers written */
    size_t substituted; /* characters written as 〓 (Shift_JIS) */
};

/* "csv", "csv_sjis", "xlsx" into *out; false for anything else. */
bool export_format_parse(const char *s, enum export_format *out);
const char *export_format_name(enum export_format f);
/* The Content-Type of a format's file. */
const char *export_content_type(enum export_format f);
/* File names for date (JST "YYYY-MM-DD"): 顧客台帳_20260401.csv into name,
 * customers_20260401.csv into ascii (both cap bytes). */
void export_filename(enum export_format f, bool bank, const char *date,
                     char *name, char *ascii, size_t cap);

/*
 * Write the ledger (filtered by o->q and o->status) into res (initialised
 * here). ERR_TOO_LARGE past EXPORT_ROWS_MAX rows or EXPORT_BYTES_MAX
 * bytes; ERR_INVALID for a q that cannot be searched; ERR_IO when the
 * XLSX file cannot be made; store errors. res->data is freed on error.
 */
enum err export_customers(struct store *st, const struct export_opts *o,
                          struct export_result *res);

/* --- export_store.c: reading the ledger for an export ---------------- */

#define EXPORT_COLS 24 /* columns export_walk hands out (export.c) */

/* One customer as export_walk reads it; texts borrow until the callback
 * returns (NULL for SQL NULL). */
struct export_row {
    int64_t customer_id;
    int64_t point_id; /* 0 when the customer lives nowhere now */
    const char *v[EXPORT_COLS];
};

typedef enum err (*export_row_fn)(void *arg, const struct export_row *row);

/* Every customer with status (NULL = any), in number order. */
enum err export_walk(struct store *st, const char *status, export_row_fn fn,
                     void *arg);
/* One customer by id (nothing when absent). */
enum err export_walk_one(struct store *st, int64_t id, export_row_fn fn,
                         void *arg);

#endif
