/*
 * export.c — 顧客台帳の出力: rows from export_store.c written as CSV (UTF-8
 * with BOM, or Shift_JIS) or XLSX. libxlsxwriter's types stay here.
 *
 * CSV is built in one bounded buffer (EXPORT_BYTES_MAX); Shift_JIS is the
 * UTF-8 text converted once at the end (charset.h). XLSX is written by
 * libxlsxwriter in constant-memory mode (rows streamed to a temporary file
 * in tmp_dir, zipped at close) into a file made with mkstemp() under
 * tmp_dir, read back into the buffer and removed, whatever happens.
 *
 * With a search text, the customers are those the search box finds
 * (customer_search, paged in number order), so what was found is what is
 * exported; without one, a single walk over the ledger.
 */
#include "customers/export.h"
#include "customers/charset.h"
#include "customers/csv.h"
#include "customers/customers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define BANK_COLS   6
#define SEARCH_PAGE 1000

/* Headings, in export_store.c's column order; the importer knows them. */
static const char *const headings[EXPORT_COLS] = {
    "顧客番号",
    "氏名",
    "フリガナ",
    "区分",
    "状態",
    "電話番号",
    "電話番号2",
    "メール",
    "郵便番号",
    "都道府県",
    "住所",
    "備考",
    "供給地点都道府県",
    "供給地点市区町村",
    "供給地点番地",
    "供給地点建物",
    "供給地点部屋",
    "供給区分",
    "検針順路",
    "順番",
    "締め日",
    "入居日",
    "登録日時",
    "更新日時",
};

static const char *const bank_headings[BANK_COLS] = {
    "支払方法", "銀行コード", "支店コード", "預金種目", "口座番号", "口座名義",
};

/* Column widths (characters) for XLSX, headings then bank. */
static const double widths[EXPORT_COLS + BANK_COLS] = {
    12, 18, 18, 6,  6, 15, 15, 24, 10, 10, 32, 30, 10, 14, 20,
    18, 8,  8,  10, 6, 6,  12, 24, 24, 10, 10, 10, 8,  10, 24,
};

/* Codes → the words office staff use (the importer reads both). */
static const char *const words[][2] = {
    {"household", "個人"}, {"business", "法人"},   {"active", "有効"},
    {"suspended", "休止"}, {"closed", "解約"},     {"individual", "戸別"},
    {"bulk", "バルク"},    {"collective", "集合"}, {"debit", "口座振替"},
    {"transfer", "振込"},  {"collection", "集金"}, {"cvs", "コンビニ払い"},
};

static const char *
word(const char *code)
{
    for (size_t i = 0; code && i < sizeof(words) / sizeof(words[0]); i++)
        if (!strcmp(words[i][0], code))
            return words[i][1];
    return code;
}

static const char *
account_type_word(const char *t)
{
    return !t                ? NULL
           : !strcmp(t, "1") ? "普通"
           : !strcmp(t, "2") ? "当座"
           : !strcmp(t, "9") ? "その他"
                             : t;
}

bool
export_format_parse(const char *s, enum export_format *out)
{
    static const char *const names[] = {"csv", "csv_sjis", "xlsx"};
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, names[i])) {
            *out = (enum export_format)i;
            return true;
        }
    return false;
}

const char *
export_format_name(enum export_format f)
{
    return f == EXPORT_CSV_SJIS ? "csv_sjis"
           : f == EXPORT_XLSX   ? "xlsx"
                                : "csv";
}

const char *
export_content_type(enum export_format f)
{
    if (f == EXPORT_XLSX)
        return "application/"
               "vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    return f == EXPORT_CSV_SJIS ? "text/csv; charset=Shift_JIS"
                                : "text/csv; charset=utf-8";
}

void
export_filename(enum export_format f, bool bank, const char *date, char *name,
                char *ascii, size_t cap)
{
    char ymd[9];
    snprintf(ymd, sizeof(ymd), "%.4s%.2s%.2s", date, date + 5, date + 8);
    const char *ext = f == EXPORT_XLSX ? "xlsx" : "csv";
    snprintf(name, cap, "顧客台帳%s_%s.%s", bank ? "_口座情報付き" : "", ymd,
             ext);
    snprintf(ascii, cap, "customers%s_%s.%s", bank ? "_bank" : "", ymd, ext);
}

/* ---------------------------------------------------------------------- */
/* Writing rows                                                           */
/* ---------------------------------------------------------------------- */

struct job {
    struct store *st;
    const struct export_opts *o;
    struct buf *out; /* CSV text (UTF-8) */
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *text;
    size_t rows; /* data rows written */
};

static enum err
xlsx_err(lxw_error e)
{
    return err_fail(ERR_IO, "xlsx: %s", lxw_strerror(e));
}

static enum err
emit(struct job *j, const char *const *v, size_t n, bool heading)
{
    if (!j->wb)
        return csv_write_row(j->out, v, n);
    lxw_row_t r = (lxw_row_t)(heading ? 0 : j->rows);
    for (size_t c = 0; c < n; c++) {
        if (!v[c] || !*v[c])
            continue;
        lxw_error e = worksheet_write_string(j->ws, r, (lxw_col_t)c, v[c],
                                             heading ? j->bold : j->text);
        if (e)
            return xlsx_err(e);
    }
    return ERR_OK;
}

/* The bank columns of the customer's open contract at point. *held keeps
 * the contract (the texts borrow from it) for the caller to release. */
static enum err
bank_cols(struct job *j, const struct export_row *row, const char **v,
          json_t **held)
{
    json_t *open = NULL, *c = NULL;
    *held = NULL;
    enum err rc =
        row->point_id ? contract_open(j->st, row->point_id, &open) : ERR_OK;
    int64_t id = json_integer_value(json_object_get(open, "id"));
    int64_t who = json_integer_value(json_object_get(open, "customer_id"));
    if (!rc && open && who == row->customer_id)
        rc = contract_get_for_export(j->st, id, &c);
    json_decref(open);
    if (rc || !c)
        return rc;
    static const char *const keys[BANK_COLS] = {
        "payment_method", "bank_code",      "branch_code",
        "account_type",   "account_number", "account_holder"};
    for (int i = 0; i < BANK_COLS; i++)
        v[i] = json_string_value(json_object_get(c, keys[i]));
    v[0] = word(v[0]);
    v[3] = account_type_word(v[3]);
    *held = c;
    return ERR_OK;
}

static enum err
on_row(void *arg, const struct export_row *row)
{
    struct job *j = arg;
    const char *v[EXPORT_COLS + BANK_COLS] = {0};
    json_t *held = NULL;
    enum err rc = ERR_OK;
    if (j->rows >= EXPORT_ROWS_MAX)
        return err_fail(
            ERR_TOO_LARGE,
            "一度に出力できるのは %d 件までです。絞り込んでください",
            EXPORT_ROWS_MAX);
    memcpy(v, row->v, sizeof(row->v));
    v[3] = word(v[3]);   /* 区分 */
    v[4] = word(v[4]);   /* 状態 */
    v[17] = word(v[17]); /* 供給区分 */
    if (j->o->bank)
        rc = bank_cols(j, row, v + EXPORT_COLS, &held);
    j->rows++;
    if (!rc)
        rc = emit(j, v, EXPORT_COLS + (j->o->bank ? BANK_COLS : 0), false);
    json_decref(held);
    if (rc == ERR_TOO_LARGE)
        rc = err_fail(ERR_TOO_LARGE,
                      "ファイルが大きすぎます。絞り込んでください");
    return rc;
}

static enum err
heading_row(struct job *j)
{
    const char *v[EXPORT_COLS + BANK_COLS];
    memcpy(v, headings, sizeof(headings));
    memcpy(v + EXPORT_COLS, bank_headings, sizeof(bank_headings));
    return emit(j, v, EXPORT_COLS + (j->o->bank ? BANK_COLS : 0), true);
}

/* The customers the search box finds for q, page by page. */
static enum err
walk_search(struct job *j)
{
    char after[CUSTOMER_NUMBER_MAX + 1] = "";
    enum err rc;
    for (;;) {
        json_t *page, *c;
        size_t i;
        rc = customer_search(j->st, j->o->q, j->o->status,
                             after[0] ? after : NULL, SEARCH_PAGE, &page);
        if (rc)
            return rc;
        json_array_foreach(json_object_get(page, "customers"), i, c)
        {
            if (!rc)
                rc = export_walk_one(
                    j->st, json_integer_value(json_object_get(c, "id")), on_row,
                    j);
        }
        const char *next = json_string_value(json_object_get(page, "next"));
        snprintf(after, sizeof(after), "%s", next ? next : "");
        json_decref(page);
        if (rc || !next)
            return rc;
    }
}

static enum err
all_rows(struct job *j)
{
    enum err rc = heading_row(j);
    if (rc)
        return rc;
    if (j->o->q && *j->o->q)
        return walk_search(j);
    return export_walk(j->st, j->o->status, on_row, j);
}

/* ---------------------------------------------------------------------- */
/* Formats                                                                */
/* ---------------------------------------------------------------------- */

static enum err
csv_file(struct job *j, struct export_result *res)
{
    struct buf text;
    enum err rc;
    if (j->o->format == EXPORT_CSV) {
        j->out = &res->data;
        if ((rc = buf_append(&res->data, "\xEF\xBB\xBF", 3))) /* BOM */
            return rc;
        return all_rows(j);
    }
    buf_init(&text, EXPORT_BYTES_MAX);
    j->out = &text;
    rc = all_rows(j);
    if (!rc && text.len)
        rc = charset_utf8_to_sjis(text.data, text.len, &res->data,
                                  &res->substituted);
    buf_free(&text);
    return rc;
}

/* Read the file at path into out. */
static enum err
slurp(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    enum err rc = ERR_OK;
    if (!f)
        return err_fail(ERR_IO, "xlsx: %s: %s", path, strerror(errno));
    while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = buf_append(out, chunk, n);
    if (!rc && ferror(f))
        rc = err_fail(ERR_IO, "xlsx: reading %s", path);
    fclose(f);
    return rc;
}

static enum err
xlsx_sheet(struct job *j)
{
    j->ws = workbook_add_worksheet(j->wb, "顧客台帳");
    j->bold = workbook_add_format(j->wb);
    j->text = workbook_add_format(j->wb);
    if (!j->ws || !j->bold || !j->text)
        return err_fail(ERR_IO, "xlsx: cannot add the sheet");
    format_set_bold(j->bold);
    format_set_num_format(j->text, "@"); /* text: 0012 stays 0012 */
    size_t n = EXPORT_COLS + (j->o->bank ? BANK_COLS : 0);
    for (size_t c = 0; c < n; c++)
        worksheet_set_column(j->ws, (lxw_col_t)c, (lxw_col_t)c, widths[c],
                             NULL);
    worksheet_freeze_panes(j->ws, 1, 0);
    return ERR_OK;
}

static enum err
xlsx_file(struct job *j, struct export_result *res)
{
    char path[4096];
    if (mkdir(j->o->tmp_dir, 0700) && errno != EEXIST)
        return err_fail(ERR_IO, "xlsx: %s: %s", j->o->tmp_dir, strerror(errno));
    snprintf(path, sizeof(path), "%s/export-XXXXXX", j->o->tmp_dir);
    int fd = mkstemp(path);
    if (fd < 0)
        return err_fail(ERR_IO, "xlsx: mkstemp: %s", strerror(errno));
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE,
                                .tmpdir = (char *)j->o->tmp_dir};
    j->wb = workbook_new_opt(path, &opt);
    enum err rc = j->wb ? xlsx_sheet(j) : err_fail(ERR_IO, "xlsx: no book");
    if (!rc)
        rc = all_rows(j);
    lxw_error e = j->wb ? workbook_close(j->wb) : LXW_NO_ERROR;
    if (!rc && e)
        rc = xlsx_err(e);
    if (!rc)
        rc = slurp(path, &res->data);
    unlink(path);
    return rc;
}

enum err
export_customers(struct store *st, const struct export_opts *o,
                 struct export_result *res)
{
    struct job j = {.st = st, .o = o};
    memset(res, 0, sizeof(*res));
    buf_init(&res->data, EXPORT_BYTES_MAX);
    enum err rc =
        o->format == EXPORT_XLSX ? xlsx_file(&j, res) : csv_file(&j, res);
    res->rows = j.rows;
    if (rc)
        buf_free(&res->data);
    return rc;
}
