/*
 * readings_import_run.c — a 検針値の取込 job against a tenant store: all
 * or nothing.
 *
 * Every row goes through reading_record() inside ONE write transaction,
 * in file order, so a file holding several months of a point works
 * month after month exactly as if they had been entered one by one
 * (usage from the previous row, checks against the months before). At
 * the end the transaction commits only for a real run in which no row
 * failed; a dry run, or any error (a bad row, a supply point that cannot
 * be found, a closed or missing period, an impossible value, a conflict
 * with a different stored index), rolls everything back. After the first
 * error the rows are still recorded (and rolled back with the rest), so
 * the answer lists every error with its line, not only the first.
 *
 * A row identical to a stored reading is a duplicate (nothing changes):
 * sending the same file twice imports it once. Two rows of the file for
 * the same meter and period with different indexes are a conflict, and
 * the message names the other line.
 *
 * While the job runs the connection gets a 64 MiB page cache
 * (import_cache_grow, the ledger import's): a large file touches the
 * readings table and its indexes all over.
 */
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "customers/customers.h"
#include "customers/import.h"
#include "metering/metering.h"
#include "metering/readings_bulk.h"
#include "metering/readings_import.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLAG_KINDS 8

struct line_slot {
    int64_t reading; /* 0 = free */
    size_t line;
};

struct run {
    struct store *st;
    struct readings_import *im;
    const char *actor;
    char latest[11]; /* tomorrow (JST): a later reading date is a typo */
    struct readings_bulk *bulk; /* large files: recorded from memory */
    size_t accepted, flagged, duplicates;
    size_t flags[FLAG_KINDS];
    struct line_slot *lines; /* reading id → the line that stored it */
    size_t lines_cap, lines_used;
};

/* ---------------------------------------------------------------------- */
/* Which line stored which reading (open addressing)                      */
/* ---------------------------------------------------------------------- */

static struct line_slot *
line_slot(struct line_slot *slots, size_t cap, int64_t reading)
{
    size_t i = ((uint64_t)reading * 0x9E3779B97F4A7C15ULL) & (cap - 1);
    while (slots[i].reading && slots[i].reading != reading)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static void
line_note(struct run *r, int64_t reading, size_t line)
{
    if ((r->lines_used + 1) * 10 > r->lines_cap * 7) {
        size_t cap = r->lines_cap ? r->lines_cap * 2 : 4096;
        struct line_slot *slots = xcalloc(cap, sizeof(*slots));
        for (size_t i = 0; i < r->lines_cap; i++)
            if (r->lines[i].reading)
                *line_slot(slots, cap, r->lines[i].reading) = r->lines[i];
        free(r->lines);
        r->lines = slots;
        r->lines_cap = cap;
    }
    struct line_slot *s = line_slot(r->lines, r->lines_cap, reading);
    if (!s->reading)
        r->lines_used++;
    s->reading = reading;
    s->line = line;
}

static size_t
line_of(const struct run *r, int64_t reading)
{
    if (!r->lines_cap)
        return 0;
    return line_slot(r->lines, r->lines_cap, reading)->line;
}

/* ---------------------------------------------------------------------- */
/* Rows                                                                   */
/* ---------------------------------------------------------------------- */

/* True for the errors a row can cause (the rest are the store's). */
static bool
row_error(enum err rc)
{
    switch (rc) {
    case ERR_INVALID:
    case ERR_CONFLICT:
    case ERR_CUSTOMER_NOT_FOUND:
    case ERR_SUPPLY_POINT_NOT_FOUND:
    case ERR_PERIOD_NOT_FOUND:
    case ERR_PERIOD_CLOSED:
    case ERR_READING_IMPOSSIBLE:
    case ERR_READING_NO_METER:
        return true;
    default:
        return false;
    }
}

/* The field an error of reading_record is about. */
static enum readings_target
error_target(enum err rc)
{
    switch (rc) {
    case ERR_READING_IMPOSSIBLE:
        return RT_INDEX;
    case ERR_PERIOD_NOT_FOUND:
    case ERR_PERIOD_CLOSED:
        return RT_READ_ON;
    default:
        return RT_COUNT;
    }
}

/* One more way of naming the point: it must agree with *point. */
static enum err
agree(enum err rc, int64_t found, int64_t *point, enum readings_target t)
{
    char msg[256];
    if (rc)
        return rc;
    if (*point && found != *point) {
        snprintf(msg, sizeof(msg),
                 "%sが指す供給地点（ID %lld）が他の列の供給地点（ID %lld）"
                 "と一致しません",
                 t == RT_NUMBER ? "顧客番号" : "メーター番号", (long long)found,
                 (long long)*point);
        return err_fail(ERR_CONFLICT, "%s", msg);
    }
    *point = found;
    return ERR_OK;
}

/* The supply point the row names (*point 0 after a row error). */
static enum err
resolve(struct run *r, struct readings_row *row, int64_t *point)
{
    int64_t found = 0;
    enum err rc = ERR_OK;
    enum readings_target t = RT_POINT;
    *point = row->point_id;
    /* the lookup first: found must be read after it has set it (the
     * order in which arguments are evaluated is unspecified) */
    if (row->number[0]) {
        t = RT_NUMBER;
        rc = readings_import_point_by_number(r->st, row->number, row->read_on,
                                             &found);
        rc = agree(rc, found, point, t);
    }
    if (!rc && row->serial[0]) {
        t = RT_SERIAL;
        rc = readings_import_point_by_serial(r->st, row->serial, row->read_on,
                                             &found);
        rc = agree(rc, found, point, t);
    }
    if (rc && row_error(rc)) {
        readings_import_error(r->im, row->line, t, err_code(rc), err_detail());
        *point = 0;
        return ERR_OK;
    }
    return rc;
}

/* A conflict: the meter already has another index for the period. */
static void
conflict(struct run *r, const struct readings_row *row, int64_t reading)
{
    char msg[256];
    size_t other = line_of(r, reading);
    if (other)
        snprintf(msg, sizeof(msg),
                 "同じ供給地点・検針月の指針が %zu 行目にもあり、値が"
                 "異なります",
                 other);
    else
        snprintf(msg, sizeof(msg),
                 "この供給地点の検針月には別の指針が登録済みです"
                 "（読み直しは要確認リストで処理してください）");
    readings_import_error(r->im, row->line, RT_INDEX,
                          err_code(ERR_READING_CONFLICT), msg);
}

static void
count(struct run *r, const struct readings_row *row,
      const struct reading_out *out)
{
    unsigned f = reading_flags_parse(out->flags);
    switch (out->outcome) {
    case READING_DUPLICATE:
        r->duplicates++;
        return;
    case READING_CONFLICT:
        conflict(r, row, out->id);
        return;
    case READING_FLAGGED:
        r->flagged++;
        break;
    default:
        r->accepted++;
        break;
    }
    for (int i = 0; i < FLAG_KINDS; i++)
        r->flags[i] += (f >> i) & 1;
    line_note(r, out->id, row->line);
}

static enum err
row_store(struct run *r, struct readings_row *row)
{
    int64_t point;
    struct reading_out out;
    if (!row->ok)
        return ERR_OK;
    if (strcmp(row->read_on, r->latest) > 0) {
        readings_import_error(r->im, row->line, RT_READ_ON, "future",
                              "検針日が未来の日付です");
        return ERR_OK;
    }
    enum err rc = resolve(r, row, &point);
    if (rc || !point)
        return rc;
    struct reading_in in = {
        point,     row->read_on, row->index_tenths,
        "regular", "import",     row->note[0] ? row->note : NULL,
        r->actor};
    rc = r->bulk ? readings_bulk_record(r->bulk, &in, &out)
                 : reading_record(r->st, &in, &out);
    if (rc && row_error(rc)) {
        readings_import_error(r->im, row->line, error_target(rc), err_code(rc),
                              err_detail());
        return ERR_OK;
    }
    if (!rc)
        count(r, row, &out);
    return rc;
}

/* Every row through the checks and into the store. */
static enum err
all_rows(struct run *r)
{
    struct readings_row row;
    bool got;
    enum err rc;
    while (!(rc = readings_import_next(r->im, &row, &got)) && got)
        if ((rc = row_store(r, &row)))
            break;
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The run                                                                */
/* ---------------------------------------------------------------------- */

static json_t *
flag_counts(const struct run *r)
{
    static const char *const names[FLAG_KINDS] = {
        "high",         "low",     "zero",     "inactive",
        "date_outside", "decimal", "rollover", "exchange"};
    json_t *o = json_object();
    for (int i = 0; i < FLAG_KINDS; i++)
        if (r->flags[i])
            json_object_set_new(o, names[i],
                                json_integer((json_int_t)r->flags[i]));
    return o;
}

/* The audit entry's detail: counts and the file's hash, never rows. */
static json_t *
audit_detail(const struct run *r)
{
    size_t fast = 0, slow = 0;
    if (r->bulk)
        readings_bulk_counts(r->bulk, &fast, &slow);
    json_t *d =
        json_pack("{s:I, s:I, s:I, s:I, s:s, s:I, s:s}", "rows",
                  (json_int_t)readings_import_rows(r->im), "accepted",
                  (json_int_t)r->accepted, "flagged", (json_int_t)r->flagged,
                  "duplicates", (json_int_t)r->duplicates, "charset",
                  charset_name(readings_import_charset(r->im)), "bytes",
                  (json_int_t)readings_import_bytes(r->im), "blake2b",
                  readings_import_digest(r->im));
    if (r->bulk)
        json_object_set_new(d, "bulk",
                            json_pack("{s:I, s:I}", "fast", (json_int_t)fast,
                                      "one_by_one", (json_int_t)slow));
    return d;
}

static json_t *
summary_of(const struct run *r, bool dry_run, bool written)
{
    json_t *s = readings_import_summary(r->im, dry_run);
    json_object_update_new(s, json_pack("{s:I, s:I, s:I, s:o}", "accepted",
                                        (json_int_t)r->accepted, "flagged",
                                        (json_int_t)r->flagged, "duplicates",
                                        (json_int_t)r->duplicates, "flags",
                                        flag_counts(r)));
    if (written)
        json_object_set_new(
            s, "imported",
            json_integer((json_int_t)(r->accepted + r->flagged)));
    return s;
}

/* Inside the transaction: every row, then commit (clean real run) or
 * roll back. *clean says whether the rows were all good. */
static enum err
run_tx(struct run *r, bool dry_run, readings_audit_fn audit, void *arg,
       bool *written)
{
    enum err rc = ERR_OK;
    if (readings_import_bulk(r->im))
        rc = readings_bulk_open(r->st, &r->bulk);
    if (!rc)
        rc = all_rows(r);
    bool clean = !rc && readings_import_error_count(r->im) == 0 &&
                 readings_import_rows(r->im) > 0;
    *written = false;
    if (!dry_run && clean && !(rc = audit(arg, r->st, audit_detail(r))) &&
        !(rc = store_tx_commit(r->st)))
        *written = true;
    if (!*written)
        store_tx_rollback(r->st);
    return rc;
}

enum err
readings_import_run(struct store *st, struct readings_import *im, bool dry_run,
                    const char *actor, readings_audit_fn audit, void *arg,
                    json_t **summary)
{
    struct run r = {.st = st, .im = im, .actor = actor};
    bool written = false;
    char today[11];
    *summary = NULL;
    time_today_jst(today);
    time_date_add(today, 1, r.latest);
    enum err rc = import_cache_grow(st);
    if (!rc && !(rc = store_tx_begin(st)))
        rc = run_tx(&r, dry_run, audit, arg, &written);
    import_cache_restore(st);
    readings_bulk_free(r.bulk);
    free(r.lines);
    if (rc && rc != ERR_IMPORT_FORMAT)
        return rc; /* a store failure: no summary */
    *summary = summary_of(&r, dry_run, written);
    size_t rows = readings_import_rows(im),
           errors = readings_import_error_count(im);
    if (rc)
        return rc;
    if (rows == 0)
        return err_fail(ERR_IMPORT_FORMAT, "取り込むデータ行がありません");
    if (errors)
        return err_fail(ERR_IMPORT_ROWS,
                        "%zu 行中 %zu 行にエラーがあります（%zu 件）", rows,
                        rows - readings_import_valid(im), errors);
    return ERR_OK;
}
