/*
 * cvs_import.c — convenience-store payments (コンビニ収納) from the
 * collection agent's CSV report, all or nothing (payments.h describes the
 * file and the answer).
 *
 * Headings are folded (charset_fold_key: width, case, spaces) and matched
 * against Japanese and English names; other columns are ignored. Values
 * are trimmed and full-width digits folded; an amount may carry "円",
 * "¥" and thousands commas; a date takes the forms the readings import
 * knows (2026-10-05, 2026/10/5, 20261005, 令和8年10月5日).
 *
 * A バーコード column holds the slip's GS1-128 data (44 digits,
 * cvs_barcode_parse: check digit verified); a row with one takes its
 * invoice number and amount from it, and a number or amount given beside
 * it must agree. Rows without one need the number and the amount.
 *
 * Each row names an invoice by its number (the slip's reference) and is
 * posted through ledger_post as a cvs payment naming that invoice, with
 * the source key "cvs:<number>:<paid_on>:<amount>:<reference>" so a file
 * sent twice is imported once. A payment on a void invoice (the customer
 * paid the old slip after a 赤黒訂正) is money received all the same and
 * is posted: the ledger allocates it oldest first.
 *
 * Every row runs inside ONE transaction whatever happens; the end decides:
 * commit for a real run without errors (with one audit entry), rollback
 * otherwise, so a dry run reports exactly what a real run would do.
 */
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "customers/csv.h"
#include "metering/readings_import.h"
#include "payments/payments.h"
#include "payments/payments_int.h"
#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum col { C_NUMBER, C_AMOUNT, C_PAID_ON, C_STORE, C_REF, C_BARCODE, C_COUNT };

static const char *const col_names[C_COUNT] = {
    "invoice_number", "amount_yen", "paid_on", "store", "reference", "barcode"};

/* Headings each column may have (folded when compared). */
static const char *const aliases[C_COUNT][6] = {
    {"invoice_number", "請求書番号", "請求番号", "invoice", "お客様番号", NULL},
    {"amount_yen", "金額", "入金額", "収納金額", "amount", NULL},
    {"paid_on", "入金日", "収納日", "支払日", "paid", NULL},
    {"store", "店舗", "店舗名", "収納店舗", NULL, NULL},
    {"reference", "受付番号", "収納番号", "ref", NULL, NULL},
    {"barcode", "バーコード", "バーコード情報", "バーコードデータ", "GS1-128",
     NULL},
};

struct posted {
    int64_t entry;
    size_t line;
};

struct job {
    struct store *st;
    struct csv csv;
    int col[C_COUNT]; /* column of each target, -1 absent */
    const char *actor;
    size_t rows, valid, duplicates, nerrors;
    int64_t total_yen;
    json_t *errors;
    struct posted *posted; /* entry → line, to name a repeated row */
    size_t nposted, cposted;
};

static void
job_error(struct job *j, size_t line, int col, const char *code,
          const char *msg)
{
    if (j->nerrors++ >= CVS_IMPORT_ERRORS_MAX)
        return;
    json_array_append_new(j->errors, json_pack("{s:I, s:s, s:s, s:s}", "line",
                                               (json_int_t)line, "field",
                                               col >= 0 ? col_names[col] : "",
                                               "code", code, "message", msg));
}

/* ---------------------------------------------------------------------- */
/* Headings                                                               */
/* ---------------------------------------------------------------------- */

static int
target_of(const char *heading)
{
    char key[128], alias[128];
    if (charset_fold_key(heading, key, sizeof(key)) || !*key)
        return -1;
    for (int t = 0; t < C_COUNT; t++)
        for (int a = 0; aliases[t][a]; a++)
            if (!charset_fold_key(aliases[t][a], alias, sizeof(alias)) &&
                !strcmp(alias, key))
                return t;
    return -1;
}

static enum err
read_headings(struct job *j)
{
    bool got;
    enum err rc = csv_next(&j->csv, &got);
    for (int t = 0; t < C_COUNT; t++)
        j->col[t] = -1;
    if (rc)
        return rc;
    if (!got)
        return err_fail(ERR_IMPORT_FORMAT, "ファイルが空です");
    for (size_t c = 0; c < j->csv.nfields; c++) {
        int t = target_of(j->csv.field[c]);
        if (t >= 0 && j->col[t] < 0)
            j->col[t] = (int)c;
    }
    bool barcode = j->col[C_BARCODE] >= 0;
    if ((j->col[C_NUMBER] < 0 && !barcode) ||
        (j->col[C_AMOUNT] < 0 && !barcode) || j->col[C_PAID_ON] < 0)
        return err_fail(ERR_IMPORT_MAPPING,
                        "1 行目に「請求書番号」「金額」「入金日」（または"
                        "「バーコード」と「入金日」）の見出しが必要です");
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Values                                                                 */
/* ---------------------------------------------------------------------- */

/* Field c of the current row, trimmed, full-width ASCII folded, into out. */
static void
value(const struct job *j, int c, char *out, size_t cap)
{
    const char *raw =
        c >= 0 && (size_t)c < j->csv.nfields ? j->csv.field[c] : "";
    size_t o = 0, n = strlen(raw);
    for (size_t i = 0; i < n && o + 4 < cap;) {
        unsigned char b = (unsigned char)raw[i];
        size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        uint32_t cp = 0;
        if (len == 3 && i + 2 < n)
            cp = (uint32_t)(b & 0x0F) << 12 |
                 (uint32_t)((unsigned char)raw[i + 1] & 0x3F) << 6 |
                 ((unsigned char)raw[i + 2] & 0x3F);
        if (cp >= 0xFF01 && cp <= 0xFF5E) /* ０-９ ／ －: full width */
            out[o++] = (char)(cp - 0xFEE0);
        else if (cp == 0x3000)
            out[o++] = ' ';
        else
            for (size_t k = 0; k < len && i + k < n; k++)
                out[o++] = raw[i + k];
        i += len;
    }
    while (o && strchr(" \t", out[o - 1]))
        o--;
    out[o] = '\0';
    size_t lead = strspn(out, " \t");
    memmove(out, out + lead, o - lead + 1);
}

/* "12,345", "¥12345", "12345円" → 12345; false when not a whole amount. */
static bool
parse_amount(const char *s, int64_t *yen)
{
    int64_t v = 0;
    int digits = 0;
    if (!strncmp(s, "¥", strlen("¥")))
        s += strlen("¥");
    else if (*s == '\\')
        s++;
    for (; *s; s++) {
        if (*s == ',')
            continue;
        if (*s < '0' || *s > '9')
            break;
        if (++digits > 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    if (!strcmp(s, "円"))
        s += strlen("円");
    *yen = v;
    return digits > 0 && !*s;
}

static bool
parse_number(const char *s, int64_t *n)
{
    char *end;
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 15)
        return false;
    *n = strtoll(s, &end, 10);
    return *n > 0;
}

/* ---------------------------------------------------------------------- */
/* Rows                                                                   */
/* ---------------------------------------------------------------------- */

struct row {
    size_t line;
    int64_t number, amount_yen;
    char paid_on[11];
    char store[256], ref[256];
};

/* The row's barcode, when it has one: the invoice number and the
 * amount, checked against the columns given beside it. False (errors
 * added) when it is bad; *has says whether there was one. */
static bool
row_barcode(struct job *j, struct row *r, bool *has)
{
    char v[256], msg[160];
    struct cvs_barcode bc;
    value(j, j->col[C_BARCODE], v, sizeof(v));
    *has = v[0] != '\0';
    if (!*has)
        return true;
    if (cvs_barcode_parse(v, &bc)) {
        job_error(j, r->line, C_BARCODE, err_code(ERR_CVS_BARCODE),
                  err_detail());
        return false;
    }
    bool ok = true;
    value(j, j->col[C_NUMBER], v, sizeof(v));
    if (v[0] &&
        (!parse_number(v, &r->number) || r->number != bc.invoice_number)) {
        snprintf(msg, sizeof(msg),
                 "請求書番号がバーコードの請求書番号（%lld）と違います",
                 (long long)bc.invoice_number);
        job_error(j, r->line, C_NUMBER, "barcode_mismatch", msg);
        ok = false;
    }
    value(j, j->col[C_AMOUNT], v, sizeof(v));
    if (v[0] &&
        (!parse_amount(v, &r->amount_yen) || r->amount_yen != bc.amount_yen)) {
        snprintf(msg, sizeof(msg),
                 "金額がバーコードの金額（%lld 円）と違います",
                 (long long)bc.amount_yen);
        job_error(j, r->line, C_AMOUNT, "barcode_mismatch", msg);
        ok = false;
    }
    r->number = bc.invoice_number;
    r->amount_yen = bc.amount_yen;
    return ok;
}

/* Check the current row into r; false (errors added) when it is bad. */
static bool
row_check(struct job *j, struct row *r, const char *today)
{
    char v[256];
    bool has_barcode = false;
    bool ok = j->col[C_BARCODE] < 0 || row_barcode(j, r, &has_barcode);
    if (!has_barcode &&
        (j->col[C_NUMBER] < 0 || j->col[C_AMOUNT] < 0)) { /* needs one */
        job_error(j, r->line, C_BARCODE, "required", "バーコードがありません");
        ok = false;
    } else if (!has_barcode) {
        value(j, j->col[C_NUMBER], v, sizeof(v));
        if (!parse_number(v, &r->number)) {
            job_error(j, r->line, C_NUMBER, "format",
                      "請求書番号は数字で入力してください");
            ok = false;
        }
        value(j, j->col[C_AMOUNT], v, sizeof(v));
        if (!parse_amount(v, &r->amount_yen) || r->amount_yen < 1 ||
            r->amount_yen > LEDGER_AMOUNT_MAX_YEN) {
            job_error(j, r->line, C_AMOUNT, "format",
                      "金額は 1 円以上の整数で入力してください");
            ok = false;
        }
    }
    value(j, j->col[C_PAID_ON], v, sizeof(v));
    if (!readings_import_date(v, r->paid_on) || strcmp(r->paid_on, today) > 0) {
        job_error(j, r->line, C_PAID_ON, "format",
                  "入金日は今日までの日付で入力してください"
                  "（例: 2026-10-05）");
        ok = false;
    }
    value(j, j->col[C_STORE], r->store, sizeof(r->store));
    value(j, j->col[C_REF], r->ref, sizeof(r->ref));
    if (utf8_chars(r->ref) > LEDGER_REF_MAX) {
        job_error(j, r->line, C_REF, "length", "受付番号が長すぎます");
        ok = false;
    }
    return ok;
}

/* The line that posted entry id in this job (0: none). */
static size_t
posted_line(const struct job *j, int64_t id)
{
    for (size_t i = 0; i < j->nposted; i++)
        if (j->posted[i].entry == id)
            return j->posted[i].line;
    return 0;
}

static void
posted_note(struct job *j, int64_t id, size_t line)
{
    if (j->nposted == j->cposted) {
        j->cposted = j->cposted ? j->cposted * 2 : 256;
        j->posted = xrealloc(j->posted, j->cposted * sizeof(*j->posted));
    }
    j->posted[j->nposted].entry = id;
    j->posted[j->nposted++].line = line;
}

/* Post a checked row; a row the ledger cannot take is an error of the
 * file, a store failure ends the job. */
static enum err
row_post(struct job *j, const struct row *r)
{
    struct pay_invoice iv;
    struct ledger_posted out;
    char key[128], msg[160];
    enum err rc = pay_invoice_by_number(j->st, r->number, &iv);
    if (rc == ERR_INVOICE_NOT_FOUND) {
        snprintf(msg, sizeof(msg), "請求書番号 %lld の請求書がありません",
                 (long long)r->number);
        job_error(j, r->line, C_NUMBER, "not_found", msg);
        return ERR_OK;
    }
    if (rc)
        return rc;
    if (strcmp(r->paid_on, iv.issued_on) < 0) {
        job_error(j, r->line, C_PAID_ON, "before_issue",
                  "入金日が請求書の発行日より前です");
        return ERR_OK;
    }
    snprintf(key, sizeof(key), "cvs:%lld:%s:%lld:%s", (long long)r->number,
             r->paid_on, (long long)r->amount_yen, r->ref);
    struct ledger_post p = {.kind = LEDGER_PAYMENT,
                            .method = LEDGER_CVS,
                            .invoice_id = iv.id,
                            .amount_yen = r->amount_yen,
                            .on = r->paid_on,
                            .reference = *r->ref ? r->ref : NULL,
                            .source_key = key,
                            .note = *r->store ? r->store : NULL,
                            .actor = j->actor};
    rc = ledger_post(j->st, &p, &out);
    if (rc == ERR_STORE || rc == ERR_STORE_BUSY || rc == ERR_INTERNAL)
        return rc;
    if (rc) {
        job_error(j, r->line, -1, err_code(rc), err_detail());
        return ERR_OK;
    }
    size_t before = out.duplicate ? posted_line(j, out.entry_id) : 0;
    if (before) {
        snprintf(msg, sizeof(msg), "%zu 行目と同じ入金です", before);
        job_error(j, r->line, -1, "duplicate_row", msg);
    } else if (out.duplicate) {
        j->duplicates++;
    } else {
        posted_note(j, out.entry_id, r->line);
        j->valid++;
        j->total_yen += r->amount_yen;
    }
    return ERR_OK;
}

/* Every data row: checked, posted. */
static enum err
job_rows(struct job *j)
{
    char today[11];
    bool got;
    enum err rc = ERR_OK;
    time_today_jst(today);
    for (;;) {
        struct row r = {0};
        rc = csv_next(&j->csv, &got);
        if (rc && j->csv.failed) { /* fatal: the file stops here */
            job_error(j, j->csv.error_line, -1, "format",
                      j->csv.message ? j->csv.message : err_detail());
            return ERR_IMPORT_FORMAT;
        }
        if (!got)
            return ERR_OK;
        r.line = j->csv.row_line;
        if (++j->rows > CVS_IMPORT_ROWS_MAX) {
            job_error(j, r.line, -1, "too_many", "行数が多すぎます");
            return ERR_IMPORT_FORMAT;
        }
        if (rc) { /* ragged: reported, reading goes on */
            job_error(j, r.line, -1, "format", j->csv.message);
            continue;
        }
        if (row_check(j, &r, today) && (rc = row_post(j, &r)))
            return rc;
    }
}

static json_t *
summary_of(const struct job *j, bool dry_run, enum charset used)
{
    json_t *o = json_pack(
        "{s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:O, s:b}", "dry_run", dry_run,
        "charset", charset_name(used), "rows", (json_int_t)j->rows, "valid",
        (json_int_t)j->valid, "duplicates", (json_int_t)j->duplicates,
        "total_yen", (json_int_t)j->total_yen, "error_count",
        (json_int_t)j->nerrors, "errors", j->errors, "errors_truncated",
        j->nerrors > CVS_IMPORT_ERRORS_MAX);
    return o;
}

/* The audit entry's detail: counts and the file's BLAKE2b, never rows. */
static json_t *
audit_detail(const struct job *j, const char *data, size_t n, enum charset used)
{
    unsigned char h[32];
    char hex[65];
    crypto_generichash(h, sizeof(h), (const unsigned char *)data, n, NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    return json_pack("{s:I, s:I, s:I, s:I, s:s, s:I, s:s}", "rows",
                     (json_int_t)j->rows, "imported", (json_int_t)j->valid,
                     "duplicates", (json_int_t)j->duplicates, "total_yen",
                     (json_int_t)j->total_yen, "charset", charset_name(used),
                     "bytes", (json_int_t)n, "blake2b", hex);
}

/* The rows in the open transaction; whether to keep them is the
 * caller's. */
static enum err
job_run(struct job *j, const char *text, size_t len)
{
    csv_init(&j->csv, text, len);
    enum err rc = read_headings(j);
    if (!rc)
        rc = job_rows(j);
    if (!rc && !j->rows) {
        job_error(j, 1, -1, "empty", "データ行がありません");
        rc = ERR_IMPORT_FORMAT;
    }
    if (!rc && j->nerrors)
        rc = err_fail(ERR_IMPORT_ROWS, "%zu 件のエラーがあります", j->nerrors);
    csv_free(&j->csv);
    return rc;
}

enum err
cvs_import_run(struct store *st, const char *data, size_t n, enum charset cs,
               bool dry_run, const char *actor, cvs_audit_fn audit, void *arg,
               json_t **summary)
{
    struct job j = {.st = st, .actor = actor, .errors = json_array()};
    char *text = NULL;
    size_t len = 0;
    enum charset used = CHARSET_UTF8;
    *summary = NULL;
    enum err rc = charset_decode_file(data, n, CVS_IMPORT_BYTES_MAX, cs, &text,
                                      &len, &used);
    if (!rc)
        rc = store_tx_begin(st);
    if (rc) {
        json_decref(j.errors);
        free(text);
        return rc;
    }
    rc = job_run(&j, text, len);
    if (rc == ERR_OK || rc == ERR_IMPORT_ROWS || rc == ERR_IMPORT_FORMAT)
        *summary = summary_of(&j, dry_run, used);
    if (!rc && !dry_run)
        rc = audit(arg, st, audit_detail(&j, data, n, used));
    if (!rc && !dry_run && !(rc = store_tx_commit(st)))
        json_object_set_new(*summary, "imported", json_integer(j.valid));
    else
        store_tx_rollback(st);
    if (rc && *summary && rc != ERR_IMPORT_ROWS && rc != ERR_IMPORT_FORMAT) {
        json_decref(*summary);
        *summary = NULL;
    }
    json_decref(j.errors);
    free(j.posted);
    free(text);
    return rc;
}
