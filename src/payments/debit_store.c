/*
 * debit_store.c — reading direct-debit requests back (the request with its
 * files, problems and results; the list; the lines), handing a stored file
 * out (counted and audited) and cancelling a request nobody has answered
 * for. Making a request is debit_request.c, importing a result
 * debit_result.c.
 *
 * Answers never hold an account number: lines and problems do not have
 * them, and a file's content is read only by debit_file_take (the
 * download) and the result import (to compare).
 */
#include "auth/crypto.h"
#include "core/timeutil.h"
#include "payments/debit.h"
#include "payments/debit_int.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Rows                                                                   */
/* ---------------------------------------------------------------------- */

enum err
debit_req_get(struct store *st, int64_t id, struct debit_req_row *out)
{
    struct stmt *s;
    bool row = false;
    memset(out, 0, sizeof(*out));
    enum err rc = store_query(st, &s,
                              "SELECT status, debit_on, requester_code FROM"
                              " debit_requests WHERE id = $1",
                              "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        out->id = id;
        snprintf(out->status, sizeof(out->status), "%s", stmt_text(s, 0));
        snprintf(out->debit_on, sizeof(out->debit_on), "%s", stmt_text(s, 1));
        snprintf(out->requester_code, sizeof(out->requester_code), "%s",
                 stmt_text(s, 2));
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_DEBIT_REQUEST_NOT_FOUND,
                      "口座振替依頼 %lld はありません", (long long)id);
    return rc;
}

enum err
debit_files_get(struct store *st, int64_t request_id,
                struct debit_file_row *rows, size_t cap, size_t *n)
{
    struct stmt *s;
    bool row;
    *n = 0;
    enum err rc = store_query(
        st, &s,
        "SELECT id, file_no, COALESCE(bank_code, ''), line_count, bytes,"
        " amount_yen, blake2b, result_at IS NOT NULL FROM debit_files"
        " WHERE request_id = $1 ORDER BY file_no",
        "i", request_id);
    while (!rc && !(rc = stmt_step(s, &row)) && row && *n < cap) {
        struct debit_file_row *f = &rows[(*n)++];
        f->id = stmt_int(s, 0);
        f->request_id = request_id;
        f->file_no = (int)stmt_int(s, 1);
        snprintf(f->bank_code, sizeof(f->bank_code), "%s", stmt_text(s, 2));
        f->lines = (size_t)stmt_int(s, 3);
        f->bytes = (size_t)stmt_int(s, 4);
        f->amount_yen = stmt_int(s, 5);
        snprintf(f->blake2b, sizeof(f->blake2b), "%s", stmt_text(s, 6));
        f->has_result = stmt_int(s, 7) != 0;
    }
    stmt_done(s);
    return rc;
}

enum err
debit_file_pick(const struct debit_file_row *rows, size_t n, int file_no,
                const struct debit_file_row **out)
{
    *out = NULL;
    if (file_no == 0 && n == 1)
        *out = &rows[0];
    for (size_t i = 0; file_no && i < n; i++)
        if (rows[i].file_no == file_no)
            *out = &rows[i];
    if (*out)
        return ERR_OK;
    if (file_no == 0)
        return err_fail(ERR_DEBIT_FILE_NOT_FOUND,
                        "この依頼にはファイルが %zu 件あります（銀行ごと）。"
                        "file に 1〜%zu を指定してください",
                        n, n);
    return err_fail(ERR_DEBIT_FILE_NOT_FOUND,
                    "ファイル %d はありません（この依頼のファイルは 1〜%zu）",
                    file_no, n);
}

enum err
debit_file_content(struct store *st, const struct debit_file_row *f,
                   struct buf *out)
{
    struct stmt *s;
    bool row = false;
    char chunk[65536], hash[CRYPTO_DIGEST_HEX];
    buf_init(out, f->bytes + 1);
    enum err rc =
        store_query(st, &s, "SELECT content_hex FROM debit_files WHERE id = $1",
                    "i", f->id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        const char *hex = stmt_text(s, 0);
        size_t len = strlen(hex);
        for (size_t at = 0; !rc && at < len; at += 2 * sizeof(chunk)) {
            size_t n =
                len - at < 2 * sizeof(chunk) ? len - at : 2 * sizeof(chunk);
            if (!debit_hex_decode(hex + at, n, chunk))
                rc = err_fail(ERR_INTERNAL, "debit file %lld: bad hex",
                              (long long)f->id);
            else
                rc = buf_append(out, chunk, n / 2);
        }
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_INTERNAL, "debit file %lld vanished",
                      (long long)f->id);
    if (!rc) {
        crypto_digest_hex(out->data ? out->data : "", out->len, hash);
        if (out->len != f->bytes || strcmp(hash, f->blake2b))
            rc = err_fail(ERR_INTERNAL,
                          "debit file %lld does not match its BLAKE2b",
                          (long long)f->id);
    }
    if (rc)
        buf_free(out);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* A request as JSON                                                      */
/* ---------------------------------------------------------------------- */

static json_t *
opt_text(struct stmt *s, int col)
{
    const char *v = stmt_text(s, col);
    return v ? json_string(v) : json_null();
}

/* One file: its figures and, once imported, the result's. */
static json_t *
file_json(struct stmt *s, json_t *totals)
{
    json_t *result = json_null();
    if (!stmt_is_null(s, 9)) {
        int64_t dc = stmt_int(s, 11), dy = stmt_int(s, 12);
        int64_t fc = stmt_int(s, 13), fy = stmt_int(s, 14);
        result = json_pack("{s:o, s:o, s:I, s:I, s:I, s:I}", "imported_at",
                           opt_text(s, 9), "imported_by", opt_text(s, 10),
                           "debited_count", (json_int_t)dc, "debited_yen",
                           (json_int_t)dy, "failed_count", (json_int_t)fc,
                           "failed_yen", (json_int_t)fy);
        json_object_set_new(totals, "debited_count",
                            json_integer(json_integer_value(json_object_get(
                                             totals, "debited_count")) +
                                         dc));
        json_object_set_new(totals, "debited_yen",
                            json_integer(json_integer_value(json_object_get(
                                             totals, "debited_yen")) +
                                         dy));
        json_object_set_new(totals, "failed_count",
                            json_integer(json_integer_value(json_object_get(
                                             totals, "failed_count")) +
                                         fc));
        json_object_set_new(totals, "failed_yen",
                            json_integer(json_integer_value(json_object_get(
                                             totals, "failed_yen")) +
                                         fy));
    } else {
        json_object_set_new(totals, "pending_count",
                            json_integer(json_integer_value(json_object_get(
                                             totals, "pending_count")) +
                                         stmt_int(s, 2)));
    }
    return json_pack("{s:I, s:o, s:I, s:I, s:I, s:s, s:I, s:o, s:o}", "file_no",
                     (json_int_t)stmt_int(s, 0), "bank_code", opt_text(s, 1),
                     "lines", (json_int_t)stmt_int(s, 2), "amount_yen",
                     (json_int_t)stmt_int(s, 3), "bytes",
                     (json_int_t)stmt_int(s, 4), "blake2b", stmt_text(s, 5),
                     "downloads", (json_int_t)stmt_int(s, 6),
                     "last_download_at", opt_text(s, 7), "result", result);
}

static enum err
files_json(struct store *st, int64_t id, json_t *req)
{
    struct stmt *s;
    bool row;
    json_t *files = json_array();
    json_t *totals = json_pack("{s:i, s:i, s:i, s:i, s:i}", "debited_count", 0,
                               "debited_yen", 0, "failed_count", 0,
                               "failed_yen", 0, "pending_count", 0);
    enum err rc = store_query(
        st, &s,
        "SELECT file_no, bank_code, line_count, amount_yen, bytes, blake2b,"
        " downloads, last_download_at, request_id, result_at, result_by,"
        " debited_count, debited_yen, failed_count, failed_yen"
        " FROM debit_files WHERE request_id = $1 ORDER BY file_no",
        "i", id);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(files, file_json(s, totals));
    stmt_done(s);
    json_object_set_new(req, "files", files);
    json_object_set_new(req, "results", totals);
    return rc;
}

/* The request's problems or skips (kind), the first DEBIT_LIST_MAX. */
static enum err
left_out_json(struct store *st, int64_t id, const char *kind, json_t **out)
{
    struct stmt *s;
    bool row;
    *out = json_array();
    enum err rc = store_query(
        st, &s,
        "SELECT p.invoice_id, iv.number, p.customer_id, c.number, c.name,"
        " p.reason, p.field, p.message FROM debit_problems p"
        " JOIN invoices iv ON iv.id = p.invoice_id"
        " JOIN customers c ON c.id = p.customer_id"
        " WHERE p.request_id = $1 AND p.kind = $2 ORDER BY p.id LIMIT $3",
        "iti", id, kind, (int64_t)DEBIT_LIST_MAX);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(
            *out, json_pack("{s:I, s:I, s:{s:I, s:s, s:s}, s:s, s:o, s:s}",
                            "invoice_id", (json_int_t)stmt_int(s, 0),
                            "invoice_number", (json_int_t)stmt_int(s, 1),
                            "customer", "id", (json_int_t)stmt_int(s, 2),
                            "number", stmt_text(s, 3), "name", stmt_text(s, 4),
                            "reason", stmt_text(s, 5), "field", opt_text(s, 6),
                            "message", stmt_text(s, 7)));
    stmt_done(s);
    return rc;
}

#define REQUEST_COLS                                                           \
    "id, status, debit_on, runs, bank_code, files_mode, line_ending,"          \
    " line_count, amount_yen, problem_count, skipped_count, created_at,"       \
    " created_by, cancelled_at, cancelled_by, cancel_reason"

/* The request row of REQUEST_COLS as JSON. */
static json_t *
request_row_json(struct stmt *s)
{
    json_t *runs = NULL;
    const char *text = stmt_text(s, 3);
    if (json_parse(text, strlen(text), &runs))
        runs = json_array();
    return json_pack(
        "{s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s,"
        " s:o, s:o, s:o}",
        "id", (json_int_t)stmt_int(s, 0), "status", stmt_text(s, 1), "debit_on",
        stmt_text(s, 2), "runs", runs, "bank_code", opt_text(s, 4),
        "files_mode", stmt_text(s, 5), "line_ending", stmt_text(s, 6), "lines",
        (json_int_t)stmt_int(s, 7), "amount_yen", (json_int_t)stmt_int(s, 8),
        "problem_count", (json_int_t)stmt_int(s, 9), "skipped_count",
        (json_int_t)stmt_int(s, 10), "created_at", stmt_text(s, 11),
        "created_by", stmt_text(s, 12), "cancelled_at", opt_text(s, 13),
        "cancelled_by", opt_text(s, 14), "cancel_reason", opt_text(s, 15));
}

enum err
debit_request_json(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row = false;
    json_t *req = NULL, *problems = NULL, *skipped = NULL;
    *out = NULL;
    enum err rc = store_query(
        st, &s, "SELECT " REQUEST_COLS " FROM debit_requests WHERE id = $1",
        "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        req = request_row_json(s);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_DEBIT_REQUEST_NOT_FOUND,
                      "口座振替依頼 %lld はありません", (long long)id);
    if (!rc)
        rc = files_json(st, id, req);
    if (!rc)
        rc = left_out_json(st, id, "problem", &problems);
    if (!rc)
        rc = left_out_json(st, id, "skipped", &skipped);
    if (rc) {
        json_decref(req);
        json_decref(problems);
        json_decref(skipped);
        return rc;
    }
    json_object_set_new(req, "problems", problems);
    json_object_set_new(req, "skipped", skipped);
    *out = req;
    return ERR_OK;
}

enum err
debit_request_list(struct store *st, int64_t after, int64_t limit, json_t **out)
{
    struct stmt *s;
    bool row;
    json_t *list = json_array();
    int64_t last = 0;
    size_t n = 0;
    enum err rc =
        store_query(st, &s,
                    "SELECT " REQUEST_COLS " FROM debit_requests"
                    " WHERE $1 = 0 OR id < $1 ORDER BY id DESC LIMIT $2",
                    "ii", after, limit + 1);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (n++ == (size_t)limit)
            break;
        last = stmt_int(s, 0);
        json_array_append_new(list, request_row_json(s));
    }
    bool more = n > (size_t)limit;
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "debit_requests", list, "next_after",
                     more ? json_integer(last) : json_null());
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Lines                                                                  */
/* ---------------------------------------------------------------------- */

static json_t *
line_json(struct stmt *s)
{
    bool answered = !stmt_is_null(s, 9);
    int code = (int)stmt_int(s, 9);
    const char *name = answered ? zengin_result_name(code) : NULL;
    return json_pack(
        "{s:I, s:I, s:I, s:I, s:{s:I, s:s, s:s}, s:I, s:o, s:o, s:o, s:o}",
        "file_no", (json_int_t)stmt_int(s, 1), "line",
        (json_int_t)stmt_int(s, 2), "invoice_id", (json_int_t)stmt_int(s, 3),
        "invoice_number", (json_int_t)stmt_int(s, 4), "customer", "id",
        (json_int_t)stmt_int(s, 5), "number", stmt_text(s, 6), "name",
        stmt_text(s, 7), "amount_yen", (json_int_t)stmt_int(s, 8),
        "result_code", answered ? json_integer(code) : json_null(),
        "result_name", name ? json_string(name) : json_null(), "followup_id",
        stmt_is_null(s, 10) ? json_null() : json_integer(stmt_int(s, 10)),
        "entry_id",
        stmt_is_null(s, 11) ? json_null() : json_integer(stmt_int(s, 11)));
}

enum err
debit_request_lines(struct store *st, int64_t id, const char *status,
                    int64_t after, int64_t limit, json_t **out)
{
    struct debit_req_row req;
    struct stmt *s;
    bool row;
    json_t *list;
    int64_t last = 0;
    size_t n = 0;
    enum err rc = debit_req_get(st, id, &req);
    if (rc)
        return rc;
    list = json_array();
    rc = store_query(
        st, &s,
        "SELECT l.id, f.file_no, l.line, l.invoice_id, iv.number,"
        " l.customer_id, c.number, c.name, l.amount_yen, l.result_code,"
        " l.followup_id, l.entry_id FROM debit_lines l"
        " JOIN debit_files f ON f.id = l.file_id"
        " JOIN invoices iv ON iv.id = l.invoice_id"
        " JOIN customers c ON c.id = l.customer_id"
        " WHERE f.request_id = $1 AND l.id > $2"
        " AND ($3 = 'all' OR ($3 = 'pending' AND l.result_code IS NULL)"
        "  OR ($3 = 'debited' AND l.result_code = 0)"
        "  OR ($3 = 'failed' AND l.result_code > 0))"
        " ORDER BY l.id LIMIT $4",
        "iiti", id, after, status ? status : "all", limit + 1);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (n++ == (size_t)limit)
            break;
        last = stmt_int(s, 0);
        json_array_append_new(list, line_json(s));
    }
    bool more = n > (size_t)limit;
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "lines", list, "next_after",
                     more ? json_integer(last) : json_null());
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Cancelling                                                             */
/* ---------------------------------------------------------------------- */

static enum err
cancel_check(struct store *st, int64_t id)
{
    struct debit_req_row req;
    struct debit_file_row files[DEBIT_FILES_MAX];
    size_t n;
    enum err rc = debit_req_get(st, id, &req);
    if (!rc && !strcmp(req.status, "cancelled"))
        rc = err_fail(ERR_DEBIT_REQUEST_CANCELLED,
                      "口座振替依頼 %lld は取消済みです", (long long)id);
    if (!rc)
        rc = debit_files_get(st, id, files, DEBIT_FILES_MAX, &n);
    for (size_t i = 0; !rc && i < n; i++)
        if (files[i].has_result)
            rc = err_fail(ERR_DEBIT_RESULT_IMPORTED,
                          "ファイル %d の振替結果を取り込み済みのため、"
                          "取り消せません",
                          files[i].file_no);
    return rc;
}

enum err
debit_request_cancel(struct store *st, int64_t id, const char *reason,
                     const char *actor, debit_audit_fn audit, void *arg)
{
    char now[32], target[48];
    time_now_iso(now);
    snprintf(target, sizeof(target), "debit_request:%lld", (long long)id);
    enum err rc = store_tx_begin(st);
    if (rc)
        return rc;
    rc = cancel_check(st, id);
    if (!rc)
        rc = store_run(st,
                       "UPDATE debit_lines SET live = 0 WHERE file_id IN"
                       " (SELECT id FROM debit_files WHERE request_id = $1)",
                       "i", id);
    if (!rc)
        rc = store_run(st,
                       "UPDATE debit_requests SET status = 'cancelled',"
                       " cancelled_at = $2, cancelled_by = $3,"
                       " cancel_reason = $4 WHERE id = $1",
                       "ittt", id, now, actor ? actor : "system", reason);
    if (!rc)
        rc = audit(arg, st, "debit_request.cancel", target,
                   json_pack("{s:I, s:s?}", "request_id", (json_int_t)id,
                             "reason", reason));
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Handing a file out                                                     */
/* ---------------------------------------------------------------------- */

/* Count the download and write its audit entry, in one transaction. */
static enum err
count_download(struct store *st, const struct debit_file_row *f,
               debit_audit_fn audit, void *arg)
{
    char now[32], target[48];
    time_now_iso(now);
    snprintf(target, sizeof(target), "debit_request:%lld",
             (long long)f->request_id);
    enum err rc = store_tx_begin(st);
    if (rc)
        return rc;
    rc = store_run(st,
                   "UPDATE debit_files SET downloads = downloads + 1,"
                   " last_download_at = $2 WHERE id = $1",
                   "it", f->id, now);
    if (!rc)
        rc = audit(arg, st, "debit_request.download", target,
                   json_pack("{s:I, s:i, s:s?, s:I, s:I, s:I, s:s}",
                             "request_id", (json_int_t)f->request_id, "file_no",
                             f->file_no, "bank_code",
                             f->bank_code[0] ? f->bank_code : NULL, "lines",
                             (json_int_t)f->lines, "amount_yen",
                             (json_int_t)f->amount_yen, "bytes",
                             (json_int_t)f->bytes, "blake2b", f->blake2b));
    if (!rc)
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    return rc;
}

enum err
debit_file_take(struct store *st, int64_t request_id, int file_no,
                debit_audit_fn audit, void *arg, struct debit_file_out *out)
{
    struct debit_req_row req;
    struct debit_file_row files[DEBIT_FILES_MAX];
    const struct debit_file_row *f = NULL;
    size_t n = 0;
    memset(out, 0, sizeof(*out));
    enum err rc = debit_req_get(st, request_id, &req);
    if (!rc && !strcmp(req.status, "cancelled"))
        rc = err_fail(ERR_DEBIT_REQUEST_CANCELLED,
                      "取消済みの口座振替依頼のファイルは出力できません");
    if (!rc)
        rc = debit_files_get(st, request_id, files, DEBIT_FILES_MAX, &n);
    if (!rc)
        rc = debit_file_pick(files, n, file_no, &f);
    if (!rc)
        rc = debit_file_content(st, f, &out->data);
    if (!rc && (rc = count_download(st, f, audit, arg)))
        buf_free(&out->data);
    if (rc)
        return rc;
    out->file_no = f->file_no;
    out->records = f->lines;
    snprintf(out->bank_code, sizeof(out->bank_code), "%s", f->bank_code);
    snprintf(out->blake2b, sizeof(out->blake2b), "%s", f->blake2b);
    snprintf(out->name, sizeof(out->name), "debit-%lld-%d-%.2s%.2s.txt",
             (long long)request_id, f->file_no, req.debit_on + 5,
             req.debit_on + 8);
    return ERR_OK;
}
