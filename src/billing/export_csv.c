/*
 * export_csv.c — a billing run's CSV for print and mail vendors (印刷・
 * 封入封緘業者向けデータ): one row per issued invoice, by invoice number,
 * with the headings below; amounts in whole yen without separators, dates
 * as YYYY-MM-DD, usage in m³ with one decimal, the payment method in
 * words. Rows end with CRLF; cells that a spreadsheet would run as a
 * formula are neutralised by the writer (csv.h).
 *
 * UTF-8 files start with a BOM (what Excel needs to read them as UTF-8);
 * Shift_JIS (CP932) is the UTF-8 text converted once at the end, with
 * characters CP932 lacks written as 〓 and counted (charset.h).
 */
#include "billing/statement.h"
#include "customers/csv.h"

#include <string.h>

static const char *const headings[] = {
    "請求書番号",       "発行日",       "お客様番号", "氏名",
    "フリガナ",         "郵便番号",     "送付先住所", "供給地点",
    "使用期間開始",     "使用期間終了", "使用量(m3)", "小計(税抜)",
    "消費税",           "今回請求額",   "前回繰越額", "ご請求金額",
    "支払期限・振替日", "支払方法",
};
#define NCOLS (sizeof(headings) / sizeof(headings[0]))

/* Contracts' payment method codes in words (as the ledger export). */
static const char *
method_word(const char *code)
{
    static const char *const map[][2] = {
        {"debit", "口座振替"},
        {"transfer", "振込"},
        {"collection", "集金"},
        {"cvs", "コンビニ払い"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(code, map[i][0]) == 0)
            return map[i][1];
    return code;
}

struct csv_out {
    struct buf *b;
    size_t rows;
};

static enum err
put_row(void *arg, const char *const *cols, size_t n)
{
    struct csv_out *o = arg;
    const char *v[NCOLS];
    if (n != NCOLS)
        return err_fail(ERR_INTERNAL, "export: %zu columns", n);
    memcpy(v, cols, sizeof(v));
    v[NCOLS - 1] = method_word(cols[NCOLS - 1]);
    o->rows++;
    return csv_write_row(o->b, v, NCOLS);
}

enum err
export_run_csv(struct store *st, int64_t run_id, enum charset cs,
               struct export_csv_result *res)
{
    struct buf utf8;
    struct csv_out o = {&utf8, 0};
    enum err rc;
    memset(res, 0, sizeof(*res));
    buf_init(&res->data, EXPORT_CSV_MAX);
    buf_init(&utf8, EXPORT_CSV_MAX);
    if (cs != CHARSET_SJIS)
        rc = buf_append(&utf8, "\xEF\xBB\xBF", 3);
    else
        rc = ERR_OK;
    if (!rc)
        rc = csv_write_row(&utf8, headings, NCOLS);
    if (!rc)
        rc = statement_export_walk(st, run_id, put_row, &o);
    if (!rc && cs == CHARSET_SJIS)
        rc = charset_utf8_to_sjis(utf8.data, utf8.len, &res->data,
                                  &res->substituted);
    else if (!rc)
        rc = buf_append(&res->data, utf8.data, utf8.len);
    res->rows = o.rows;
    buf_free(&utf8);
    if (rc)
        buf_free(&res->data);
    return rc;
}
