/*
 * import.h — 顧客台帳の取込: customers (and, optionally, the supply point
 * each one lives at) from a CSV file another system wrote.
 *
 * A job goes through three steps, shared by the HTTP API and the CLI:
 *
 *   import_open   the file's bytes → UTF-8 (charset.h), the heading row
 *                 read, every column given a meaning (a target such as
 *                 "number" or "point.city") by the caller's mapping or by
 *                 the built-in Japanese and English headings;
 *   import_next   one row → a checked customer record (cfield_check, the
 *                 same rules and messages as the API) and supply point
 *                 record; problems go to the job's error list with the
 *                 row's line; no I/O, so the fuzz target runs it;
 *   import_run    every row against a store: numbers already in the ledger
 *                 are errors too; a dry run only reports; a real run
 *                 writes everything in ONE transaction or nothing at all
 *                 (the first error stops writing, the rest of the file is
 *                 still checked so every error is reported, then the
 *                 transaction is rolled back). One audit entry, written by
 *                 the caller's hook inside the transaction, and the search
 *                 index refreshed for the new customers before the commit.
 *
 * Values are trimmed (spaces and U+3000 at both ends); a "'" that an
 * export put before = + - @ is taken off again; codes (customer number,
 * phones, postal code, integers, dates) are folded from full width
 * (０９７７－１２ → 0977-12); "〒" and a missing hyphen in a postal code
 * are fixed; kind, status and supply kind take Japanese words (個人, 法人,
 * 休止, 解約, 戸別, バルク, 集合); 締め日 takes 末/末日 (→ 31) and "20日";
 * dates take 2024/4/1, 2024年4月1日, 20240401 and the Japanese eras
 * (令和6年4月1日, H31.4.30) as well as 2024-04-01. Rows whose fields are
 * all empty are skipped.
 */
#ifndef PL_CUSTOMERS_IMPORT_H
#define PL_CUSTOMERS_IMPORT_H

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "customers/charset.h"
#include "customers/csv.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define IMPORT_BYTES_MAX  (32u << 20) /* file size */
#define IMPORT_ROWS_MAX   200000      /* data rows */
#define IMPORT_ERRORS_MAX 1000        /* errors listed (all are counted) */

struct import_opts {
    enum charset charset;  /* CHARSET_AUTO to detect */
    bool header;           /* the first row holds the headings */
    const json_t *mapping; /* {"heading" or "3": "target" or null}; NULL =
                              match the headings against known names */
};

/* The job (opaque outside import.c). */
struct import;

struct search_entry; /* customers.h */

/* One checked row. */
struct import_row {
    size_t line;      /* physical line it starts on */
    bool ok;          /* no problem found in it */
    json_t *customer; /* checked customer record (owned) */
    json_t *point;    /* checked supply point record, or NULL (owned) */
    char moved_in[11];
    const char *status;          /* active|suspended|closed, or NULL */
    struct search_entry *search; /* its search entry, worked out by the
                                    reader (NULL: the writer's refresh) */
};

/*
 * Start a job over the n bytes at data (copied; the caller may free them).
 * ERR_IMPORT_CHARSET (bad bytes; err_detail() says where),
 * ERR_IMPORT_FORMAT (no rows, heading problems, the CSV reader's fatal
 * errors), ERR_IMPORT_MAPPING (a mapping names a column the file lacks or
 * an unknown target, two columns for one target, or the number, name or
 * kana column is missing), ERR_TOO_LARGE (over IMPORT_BYTES_MAX). *out is
 * the caller's on success; free with import_free().
 */
enum err import_open(const char *data, size_t n, const struct import_opts *o,
                     struct import **out);
void import_free(struct import *im);

/*
 * Read and check the next row into row (cleared first); *got is false at
 * the end. Problems are added to the job's errors. ERR_IMPORT_FORMAT ends
 * the job (a fatal CSV error, or more than IMPORT_ROWS_MAX rows): the
 * error is in the list too.
 */
enum err import_next(struct import *im, struct import_row *row, bool *got);
void import_row_clear(struct import_row *row);

/* Add a problem with row line, a target (or NULL) and a Japanese message. */
void import_error(struct import *im, size_t line, const char *target,
                  const char *code, const char *message);

/* The audit hook: write the job's one entry (detail is the hook's) inside
 * the open transaction. */
typedef enum err (*import_audit_fn)(void *arg, struct store *st,
                                    json_t *detail);

/*
 * Run the job against st (see above). *summary (new ref) is
 *   {"dry_run", "charset", "rows", "valid", "error_count", "errors",
 *    "errors_truncated", "columns": [{"column", "field"}], "ignored_columns",
 *    "defaults", and after a real run "imported", "supply_points"}
 * errors: [{"line", "field", "column", "code", "message"}] (field and
 * column null for a whole-row problem). ERR_IMPORT_ROWS when a row failed
 * (nothing written, *summary still set), ERR_IMPORT_FORMAT for a fatal CSV
 * error (likewise), store errors.
 */
enum err import_run(struct store *st, struct import *im, bool dry_run,
                    import_audit_fn audit, void *arg, json_t **summary);

/* The job's numbers: rows read, rows without errors, errors counted. */
size_t import_rows(const struct import *im);
size_t import_valid(const struct import *im);
size_t import_error_count(const struct import *im);
/* The charset the file was read in. */
enum charset import_charset(const struct import *im);
/* BLAKE2b-256 of the file's bytes as received (hex, 64 characters). */
const char *import_digest(const struct import *im);

/* The targets a column may be mapped to, NULL-ended (for docs and help). */
extern const char *const import_target_names[];

/* --- import_store.c -------------------------------------------------- */

/* *taken = whether a customer has this number. */
enum err import_number_taken(struct store *st, const char *number, bool *taken);
/* A 64 MiB page cache on st's connection for a bulk write, and back to
 * SQLite's default (2 MB) after it. */
enum err import_cache_grow(struct store *st);
void import_cache_restore(struct store *st);

#endif
