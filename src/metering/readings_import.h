/*
 * readings_import.h — 検針値の取込: meter readings from a CSV file: the
 * office's own sheet, another system's export, or a central monitoring
 * vendor's (集中監視) export, which often carries only the meter serial
 * and a timestamp ("2026/11/10 06:00").
 *
 * A job goes through three steps, shared by the HTTP API and the CLI:
 *
 *   readings_import_open  the file's bytes → UTF-8 (charset.h: UTF-8 or
 *                         Shift_JIS), the heading row read, each column
 *                         given a target by the caller's mapping or by the
 *                         built-in Japanese and English headings;
 *   readings_import_next  one row → a checked struct readings_row (dates,
 *                         index, which supply point it names); problems go
 *                         to the job's error list with the row's line. No
 *                         I/O, so the fuzz target runs it;
 *   readings_import_run   every row against a tenant store
 *                         (readings_import_run.c): the supply point found,
 *                         then reading_record() as for any reading (usage,
 *                         checks, duplicates, conflicts), ALL IN ONE
 *                         TRANSACTION. A real run without any error commits
 *                         (with one audit entry); anything else — a dry
 *                         run, a bad row, a conflict with a stored reading,
 *                         an impossible value — rolls back, so nothing is
 *                         written and the answer lists every error with its
 *                         line. A dry run therefore reports exactly what a
 *                         real run would do (usage, flags), also for a file
 *                         holding several months of one point.
 *
 * Which supply point a row is for: supply_point_id (供給地点ID), else the
 * customer number's current supply point (顧客番号/需要家番号: the
 * customer living there now), else the meter serial (メーター番号) of the
 * meter installed there on the reading date. When a row names more than
 * one, they must agree. Flags (high, zero, …) are not errors: such rows
 * import with status flagged (要確認). A row identical to a stored reading
 * (same meter, period and index) is a duplicate and changes nothing, so
 * a file can be sent again.
 *
 * Values are trimmed; full-width digits and punctuation are folded
 * (１２３４．５ → 1234.5); an index may have a second decimal, which is
 * dropped (meters count 0.1 m³: truncated, never rounded) and a unit
 * (m3, m³, ㎥). Dates take 2026-11-10, 2026/11/10, 2026.11.10, 20261110,
 * 2026年11月10日 and the eras (令和8年11月10日, R8.11.10), with an
 * optional time (2026/11/10 06:00, 2026-11-10T06:00:00+09:00); a time
 * with an offset is taken to the JST date. Rows whose fields are all
 * empty are skipped.
 */
#ifndef PL_METERING_READINGS_IMPORT_H
#define PL_METERING_READINGS_IMPORT_H

#include "core/err.h"
#include "core/json.h"
#include "customers/charset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define READINGS_IMPORT_BYTES_MAX  (64u << 20)  /* file size */
#define READINGS_IMPORT_ROWS_MAX   2000000      /* data rows */
#define READINGS_IMPORT_ERRORS_MAX 1000         /* listed (all are counted) */
#define READINGS_NOTE_MAX          200          /* characters of a note */
#define READINGS_BULK_BYTES        (256u << 10) /* see readings_bulk.h */

/* What a column may hold. */
enum readings_target {
    RT_POINT,   /* supply_point_id 供給地点ID */
    RT_NUMBER,  /* customer_number 顧客番号 */
    RT_SERIAL,  /* meter_serial メーター番号 */
    RT_READ_ON, /* read_on 検針日 (a date, or a date and time) */
    RT_INDEX,   /* index 指針 */
    RT_NOTE,    /* note 備考 */
    RT_COUNT,
};

/* The targets' names ("supply_point_id", …), RT_COUNT of them. */
extern const char *const readings_target_names[];

struct readings_import_opts {
    enum charset charset;  /* CHARSET_AUTO to detect */
    bool header;           /* the first row holds the headings */
    const json_t *mapping; /* {"heading" or "3": "target" or null}; NULL =
                              match the headings against known names */
    int bulk; /* 0: bulk recording (readings_bulk.h) for files of at least
                 READINGS_BULK_BYTES; 1: always; -1: never */
};

/* The job (opaque outside readings_import*.c). */
struct readings_import;

/* One checked row. Strings are "" when the file gives none. */
struct readings_row {
    size_t line;      /* physical line it starts on */
    bool ok;          /* no problem found in it */
    int64_t point_id; /* 0: not given */
    char number[21];  /* customer number */
    char serial[31];  /* meter serial */
    char read_on[11]; /* JST date */
    int64_t index_tenths;
    char note[READINGS_NOTE_MAX * 4 + 1];
};

/*
 * Start a job over the n bytes at data (copied). ERR_IMPORT_CHARSET (bad
 * bytes; err_detail() says where), ERR_IMPORT_FORMAT (no rows, the CSV
 * reader's fatal errors), ERR_IMPORT_MAPPING (a mapping names a column
 * the file lacks or an unknown target, two columns for one target, no
 * date or index column, or no column naming the supply point),
 * ERR_TOO_LARGE (over READINGS_IMPORT_BYTES_MAX). *out is the caller's on
 * success; free with readings_import_free().
 */
enum err readings_import_open(const char *data, size_t n,
                              const struct readings_import_opts *o,
                              struct readings_import **out);
void readings_import_free(struct readings_import *im);

/*
 * Read and check the next row into row; *got is false at the end.
 * Problems are added to the job's errors (row->ok false).
 * ERR_IMPORT_FORMAT ends the job (a fatal CSV error, or more than
 * READINGS_IMPORT_ROWS_MAX rows): the error is in the list too.
 */
enum err readings_import_next(struct readings_import *im,
                              struct readings_row *row, bool *got);

/* Add a problem on line: target (RT_COUNT for a whole-row problem), a
 * stable code and a Japanese message. Marks the current row failed. */
void readings_import_error(struct readings_import *im, size_t line,
                           enum readings_target target, const char *code,
                           const char *message);

/* The job's numbers: rows read, rows without errors, errors counted. */
size_t readings_import_rows(const struct readings_import *im);
size_t readings_import_valid(const struct readings_import *im);
size_t readings_import_error_count(const struct readings_import *im);
/* The charset the file was read in; BLAKE2b-256 hex of its bytes. */
enum charset readings_import_charset(const struct readings_import *im);
const char *readings_import_digest(const struct readings_import *im);
/* The file's size in bytes as received. */
size_t readings_import_bytes(const struct readings_import *im);
/* Whether the run should record in bulk (the opts' bulk and the size). */
bool readings_import_bulk(const struct readings_import *im);
/* {"dry_run", "charset", "rows", "valid", "error_count", "errors",
 * "errors_truncated", "columns": [{"column", "field"}],
 * "ignored_columns"} so far (new ref); errors are [{"line", "field",
 * "column", "code", "message"}]. */
json_t *readings_import_summary(const struct readings_import *im, bool dry_run);

/*
 * A date as files write it (see above) into out as "YYYY-MM-DD" (JST).
 * s is ASCII (full width already folded). False when it is not one.
 */
bool readings_import_date(const char *s, char out[11]);
/* An index "1234.5", "01234", "1234.56" (→ 12345), "1,234.5", "12.3m3"
 * (ASCII) in tenths; false when it is not one or over METER_INDEX_MAX. */
bool readings_import_index(const char *s, int64_t *tenths);

/* --- readings_import_store.c ----------------------------------------- */

/* The supply point customer number occupied on read_on.
 * ERR_CUSTOMER_NOT_FOUND when the ledger has no such number,
 * ERR_SUPPLY_POINT_NOT_FOUND when the customer lived nowhere then,
 * ERR_CONFLICT when at several points; Japanese details. */
enum err readings_import_point_by_number(struct store *st, const char *number,
                                         const char *read_on, int64_t *point);
/* The supply point whose meter serial was installed on read_on.
 * ERR_READING_NO_METER when none, ERR_CONFLICT when several points. */
enum err readings_import_point_by_serial(struct store *st, const char *serial,
                                         const char *read_on, int64_t *point);

/* --- readings_import_run.c ------------------------------------------- */

/* The audit hook: write the job's one entry (detail is the hook's) inside
 * the open transaction. */
typedef enum err (*readings_audit_fn)(void *arg, struct store *st,
                                      json_t *detail);

/*
 * Run the job against st (see above) as actor (entered_by: "user:12",
 * "cli:alice"). *summary (new ref) is the summary above with
 * "accepted", "flagged", "duplicates" (rows already stored), "flags"
 * ({"high": 3, …}) and, after a real run that wrote, "imported".
 * ERR_IMPORT_ROWS when a row failed (nothing written, *summary still
 * set), ERR_IMPORT_FORMAT for a fatal CSV error or no data rows
 * (likewise), store errors (no summary).
 */
enum err readings_import_run(struct store *st, struct readings_import *im,
                             bool dry_run, const char *actor,
                             readings_audit_fn audit, void *arg,
                             json_t **summary);

#endif
