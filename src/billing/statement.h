/*
 * statement.h — statements out (明細書・出力): what statement_api.c needs
 * from statement_store.c (the invoices of a billing run) and export_csv.c
 * (the CSV for print/mail vendors, 印刷・封入封緘業者向け).
 *
 * Only issued invoices go out: a void one (corrected, 赤黒訂正) is left
 * out of a run's bulk PDF and CSV; its correction is printed instead when
 * it belongs to a run, or one by one (GET /invoices/{id}/statement.pdf).
 */
#ifndef PL_BILLING_STATEMENT_H
#define PL_BILLING_STATEMENT_H

#include "core/buf.h"
#include "core/err.h"
#include "customers/charset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define STATEMENT_PAGE_MAX 1000         /* invoices per bulk request */
#define STATEMENT_PDF_MAX  (128u << 20) /* bytes of one bulk PDF */
#define STATEMENT_ONE_MAX  (4u << 20)   /* bytes of one statement */
#define EXPORT_CSV_MAX     (64u << 20)  /* bytes of one run's CSV */

/* ERR_BILLING_RUN_NOT_FOUND unless billing run id exists. */
enum err statement_run_check(struct store *st, int64_t run_id);

/*
 * Up to cap ids of the run's issued invoices with numbers greater than
 * after, by number, into ids (numbers into nums); *n receives how many,
 * *more whether others follow.
 */
enum err statement_run_invoices(struct store *st, int64_t run_id, int64_t after,
                                size_t cap, int64_t *ids, int64_t *nums,
                                size_t *n, bool *more);

/* The CSV of a run: one row per issued invoice, by number. */
struct export_csv_result {
    struct buf data;    /* the file; caller frees with buf_free */
    size_t rows;        /* invoices written */
    size_t substituted; /* Shift_JIS: characters written as 〓 */
};

/*
 * Write the run's vendor CSV in cs (CHARSET_UTF8: with a BOM, as Excel
 * wants; CHARSET_SJIS: CP932) into res (initialised here). Columns:
 * export_csv.c. ERR_TOO_LARGE past EXPORT_CSV_MAX.
 */
enum err export_run_csv(struct store *st, int64_t run_id, enum charset cs,
                        struct export_csv_result *res);

/* Row callback of statement_export_walk: NULL for an empty value. */
typedef enum err (*export_csv_row_fn)(void *arg, const char *const *cols,
                                      size_t n);
/* Call fn for every issued invoice of the run, by number, with the
 * columns of export_csv.c's headings. */
enum err statement_export_walk(struct store *st, int64_t run_id,
                               export_csv_row_fn fn, void *arg);

#endif
