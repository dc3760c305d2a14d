/*
 * debit_result.c — importing the bank's result file (振替結果) of a
 * direct-debit request (debit.h states the rules).
 *
 * Everything is checked before anything is written: the file is read as a
 * result (zengin_read checks the layout and the trailer's totals), the
 * request file it answers is chosen (the only one, the one named, or the
 * one of the result's bank) and read back from the store, the two are
 * matched record by record (debit_match), and the lines say which invoice
 * each record collects. Only then, in one transaction: each record's
 * result through ledger_post_debit_result (0 a payment, else a follow-up;
 * source key "debit:<request>:<file>:<record>"), its line marked, the
 * file's figures, the request's status and the one audit entry
 * debit_result.import. A file whose records were answered already is a
 * no-op when it says the same (already_imported) and refused when it
 * says otherwise (ERR_DEBIT_RESULT_IMPORTED); a dry run stops before
 * writing.
 */
#include "auth/crypto.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "payments/debit.h"
#include "payments/debit_int.h"
#include "payments/ledger.h"
#include "payments/payments_int.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODES 10 /* result codes 0…9 */

/* A line of the request file: what its record collects. */
struct iline {
    int64_t id, invoice_id, invoice_number, customer_id, amount_yen;
    int result; /* -1 until imported */
    char customer_number[24];
};

struct imp {
    struct store *st;
    const struct debit_result_in *in;
    struct debit_req_row req;
    struct debit_file_row files[DEBIT_FILES_MAX];
    size_t n_files;
    const struct debit_file_row *file;
    struct zengin_file res, rq;
    struct iline *lines;
    size_t n_lines;
    bool already;
    size_t count[CODES];
    int64_t yen[CODES];
    size_t followups;
    json_t *failures;
};

static void
imp_free(struct imp *m)
{
    zengin_file_free(&m->res);
    zengin_file_free(&m->rq);
    free(m->lines);
    json_decref(m->failures);
}

/* ---------------------------------------------------------------------- */
/* Checks                                                                 */
/* ---------------------------------------------------------------------- */

/* The request file the result answers. */
static enum err
pick_file(struct imp *m)
{
    if (m->in->file_no || m->n_files == 1 || !m->res.n_records)
        return debit_file_pick(m->files, m->n_files, m->in->file_no, &m->file);
    for (size_t i = 0; i < m->n_files; i++)
        if (!strcmp(m->files[i].bank_code, m->res.records[0].bank_code))
            m->file = &m->files[i];
    if (!m->file)
        return err_fail(ERR_DEBIT_RESULT_MISMATCH,
                        "2 行目（データ 1 件目）の引落銀行番号 bank_code"
                        "（2–5 桁目）: この依頼のどのファイルの銀行とも"
                        "違います");
    return ERR_OK;
}

/* The stored request file, read back. */
static enum err
read_request(struct imp *m)
{
    struct buf b;
    enum err rc = debit_file_content(m->st, m->file, &b);
    if (rc)
        return rc;
    rc = zengin_read(b.data, b.len, ZENGIN_REQUEST, &m->rq, NULL);
    buf_free(&b);
    if (rc)
        rc = err_fail(ERR_INTERNAL, "stored debit file %lld does not read",
                      (long long)m->file->id);
    return rc;
}

/* The file's lines, in record order. */
static enum err
lines_load(struct imp *m)
{
    struct stmt *s;
    bool row;
    m->lines = xcalloc(m->file->lines ? m->file->lines : 1, sizeof(*m->lines));
    enum err rc = store_query(
        m->st, &s,
        "SELECT l.id, l.line, l.invoice_id, iv.number, l.customer_id,"
        " l.amount_yen, COALESCE(l.result_code, -1), l.customer_number"
        " FROM debit_lines l JOIN invoices iv ON iv.id = l.invoice_id"
        " WHERE l.file_id = $1 ORDER BY l.line",
        "i", m->file->id);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        size_t at = (size_t)stmt_int(s, 1) - 2; /* the header is line 1 */
        if (at >= m->file->lines || at != m->n_lines) {
            rc = err_fail(ERR_INTERNAL, "debit file %lld: line %zu",
                          (long long)m->file->id, at + 2);
            break;
        }
        struct iline *l = &m->lines[m->n_lines++];
        l->id = stmt_int(s, 0);
        l->invoice_id = stmt_int(s, 2);
        l->invoice_number = stmt_int(s, 3);
        l->customer_id = stmt_int(s, 4);
        l->amount_yen = stmt_int(s, 5);
        l->result = (int)stmt_int(s, 6);
        snprintf(l->customer_number, sizeof(l->customer_number), "%s",
                 stmt_text(s, 7));
    }
    stmt_done(s);
    if (!rc && m->n_lines != m->rq.n_records)
        rc = err_fail(ERR_INTERNAL, "debit file %lld: %zu lines, %zu records",
                      (long long)m->file->id, m->n_lines, m->rq.n_records);
    return rc;
}

/* Results there already: the same codes are a no-op, others refused. */
static enum err
check_answered(struct imp *m)
{
    if (!m->file->has_result)
        return ERR_OK;
    for (size_t i = 0; i < m->n_lines; i++)
        if (m->lines[i].result != m->res.records[i].result)
            return err_fail(ERR_DEBIT_RESULT_IMPORTED,
                            "ファイル %d の振替結果は取込済みで、%zu 行目"
                            "（データ %zu 件目）の振替結果コードが取込済みの"
                            "ものと違います",
                            m->file->file_no, i + 2, i + 1);
    m->already = true;
    return ERR_OK;
}

/* Everything before writing. */
static enum err
imp_check(struct imp *m)
{
    struct zengin_fault fault;
    enum err rc = zengin_read(m->in->data ? m->in->data : "", m->in->n,
                              ZENGIN_RESULT, &m->res, &fault);
    if (!rc)
        rc = debit_req_get(m->st, m->in->request_id, &m->req);
    if (!rc && !strcmp(m->req.status, "cancelled"))
        rc = err_fail(ERR_DEBIT_REQUEST_CANCELLED,
                      "口座振替依頼 %lld は取消済みです", (long long)m->req.id);
    if (!rc)
        rc = debit_files_get(m->st, m->req.id, m->files, DEBIT_FILES_MAX,
                             &m->n_files);
    if (!rc)
        rc = pick_file(m);
    if (!rc)
        rc = read_request(m);
    if (!rc)
        rc = debit_match(&m->rq, &m->res, &fault);
    if (!rc)
        rc = lines_load(m);
    if (!rc)
        rc = check_answered(m);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Applying                                                               */
/* ---------------------------------------------------------------------- */

/* A failure for the answer (the first DEBIT_LIST_MAX). */
static enum err
failure_add(struct imp *m, size_t i, int64_t followup)
{
    const struct iline *l = &m->lines[i];
    int code = m->res.records[i].result;
    const char *action = ledger_followup_action(code);
    json_t *cust = NULL;
    if (json_array_size(m->failures) >= DEBIT_LIST_MAX)
        return ERR_OK;
    enum err rc = pay_customer_json(m->st, l->customer_id, &cust);
    if (!rc)
        json_array_append_new(
            m->failures,
            json_pack("{s:I, s:I, s:I, s:o, s:I, s:i, s:s, s:s?, s:o}", "line",
                      (json_int_t)(i + 2), "invoice_id",
                      (json_int_t)l->invoice_id, "invoice_number",
                      (json_int_t)l->invoice_number, "customer", cust,
                      "amount_yen", (json_int_t)l->amount_yen, "result_code",
                      code, "result_name", zengin_result_name(code), "action",
                      action, "followup_id",
                      followup ? json_integer(followup) : json_null()));
    return rc;
}

/* Post record i and mark its line. */
static enum err
apply_one(struct imp *m, size_t i, const char *debit_on)
{
    char key[96], ref[LEDGER_REF_MAX];
    struct ledger_debit_posted out;
    const struct iline *l = &m->lines[i];
    snprintf(key, sizeof(key), "debit:%lld:%d:%zu", (long long)m->req.id,
             m->file->file_no, i + 2);
    snprintf(ref, sizeof(ref), "debit-request %lld/%d line %zu",
             (long long)m->req.id, m->file->file_no, i + 2);
    struct ledger_debit_result d = {
        .invoice_id = l->invoice_id,
        .amount_yen = l->amount_yen,
        .result_code = m->res.records[i].result,
        .debit_on = debit_on,
        .source_key = key,
        .reference = ref,
        .actor = m->in->actor,
    };
    enum err rc = ledger_post_debit_result(m->st, &d, &out);
    if (!rc)
        rc = store_run(m->st,
                       "UPDATE debit_lines SET result_code = $2,"
                       " entry_id = NULLIF($3, 0), followup_id = NULLIF($4, 0)"
                       " WHERE id = $1",
                       "iiii", l->id, (int64_t)d.result_code, out.entry_id,
                       out.followup_id);
    if (!rc && d.result_code) {
        m->followups += out.followup_id != 0;
        rc = failure_add(m, i, out.followup_id);
    }
    return rc;
}

/* The file's figures and the request's status after the import. */
static enum err
mark_done(struct imp *m)
{
    char now[32], hash[CRYPTO_DIGEST_HEX];
    size_t failed = 0;
    int64_t failed_yen = 0;
    for (int c = 1; c < CODES; c++) {
        failed += m->count[c];
        failed_yen += m->yen[c];
    }
    time_now_iso(now);
    crypto_digest_hex(m->in->data ? m->in->data : "", m->in->n, hash);
    enum err rc = store_run(
        m->st,
        "UPDATE debit_files SET result_at = $2, result_by = $3,"
        " result_blake2b = $4, debited_count = $5, debited_yen = $6,"
        " failed_count = $7, failed_yen = $8 WHERE id = $1",
        "itttiiii", m->file->id, now, m->in->actor ? m->in->actor : "system",
        hash, (int64_t)m->count[0], m->yen[0], (int64_t)failed, failed_yen);
    if (!rc)
        rc = store_run(m->st,
                       "UPDATE debit_requests SET status = CASE WHEN EXISTS"
                       " (SELECT 1 FROM debit_files WHERE request_id = $1"
                       "  AND result_at IS NULL) THEN 'partial'"
                       " ELSE 'imported' END WHERE id = $1",
                       "i", m->req.id);
    return rc;
}

static void
tally(struct imp *m)
{
    for (size_t i = 0; i < m->res.n_records; i++) {
        int c = m->res.records[i].result;
        if (c >= 0 && c < CODES) {
            m->count[c]++;
            m->yen[c] += m->res.records[i].amount_yen;
        }
    }
}

/* The failures of a dry run or of a file imported before. */
static enum err
failures_listed(struct imp *m)
{
    struct stmt *s;
    bool row;
    enum err rc = ERR_OK;
    for (size_t i = 0; !rc && i < m->n_lines; i++) {
        int64_t followup = 0;
        if (!m->res.records[i].result)
            continue;
        if (json_array_size(m->failures) >= DEBIT_LIST_MAX)
            break;
        if (m->already) {
            rc = store_query(m->st, &s,
                             "SELECT COALESCE(followup_id, 0) FROM debit_lines"
                             " WHERE id = $1",
                             "i", m->lines[i].id);
            if (!rc && !(rc = stmt_step(s, &row)) && row)
                followup = stmt_int(s, 0);
            stmt_done(s);
        }
        if (!rc)
            rc = failure_add(m, i, followup);
    }
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The answer and the audit entry                                         */
/* ---------------------------------------------------------------------- */

static json_t *
by_code_json(const struct imp *m, bool as_object)
{
    json_t *out = as_object ? json_object() : json_array();
    for (int c = 0; c < CODES; c++) {
        const char *name = zengin_result_name(c);
        if (!m->count[c] || !name)
            continue;
        json_t *one = json_pack("{s:i, s:s, s:I, s:I}", "code", c, "name", name,
                                "count", (json_int_t)m->count[c], "amount_yen",
                                (json_int_t)m->yen[c]);
        if (as_object) {
            char key[4];
            snprintf(key, sizeof(key), "%d", c);
            json_object_set_new(out, key, one);
        } else
            json_array_append_new(out, one);
    }
    return out;
}

static json_t *
split_json(const struct imp *m, bool failed)
{
    size_t n = failed ? 0 : m->count[0];
    int64_t yen = failed ? 0 : m->yen[0];
    for (int c = 1; failed && c < CODES; c++) {
        n += m->count[c];
        yen += m->yen[c];
    }
    return json_pack("{s:I, s:I}", "count", (json_int_t)n, "amount_yen",
                     (json_int_t)yen);
}

static json_t *
audit_detail(const struct imp *m)
{
    char hash[CRYPTO_DIGEST_HEX];
    crypto_digest_hex(m->in->data ? m->in->data : "", m->in->n, hash);
    return json_pack("{s:I, s:i, s:I, s:o, s:o, s:o, s:I, s:I, s:s}",
                     "request_id", (json_int_t)m->req.id, "file_no",
                     m->file->file_no, "records", (json_int_t)m->res.n_records,
                     "by_code", by_code_json(m, true), "debited",
                     split_json(m, false), "failed", split_json(m, true),
                     "followups", (json_int_t)m->followups, "bytes",
                     (json_int_t)m->in->n, "blake2b", hash);
}

static json_t *
summary_json(struct imp *m)
{
    json_t *failures = m->failures;
    m->failures = NULL;
    return json_pack(
        "{s:I, s:i, s:b, s:b, s:I, s:s, s:o, s:o, s:o, s:o, s:b}", "request_id",
        (json_int_t)m->req.id, "file_no", m->file->file_no, "dry_run",
        m->in->dry_run, "already_imported", m->already, "records",
        (json_int_t)m->res.n_records, "debit_on", m->req.debit_on, "by_code",
        by_code_json(m, false), "debited", split_json(m, false), "failed",
        split_json(m, true), "failures", failures, "failures_truncated",
        json_array_size(failures) < m->res.n_records - m->count[0]);
}

/* Post every record, mark the file and the request, audit: one
 * transaction. */
static enum err
imp_write(struct imp *m, debit_audit_fn audit, void *arg)
{
    char target[48];
    enum err rc = store_tx_begin(m->st);
    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < m->n_lines; i++)
        rc = apply_one(m, i, m->req.debit_on);
    if (!rc)
        rc = mark_done(m);
    snprintf(target, sizeof(target), "debit_request:%lld",
             (long long)m->req.id);
    if (!rc)
        rc = audit(arg, m->st, "debit_result.import", target, audit_detail(m));
    if (!rc)
        rc = store_tx_commit(m->st);
    if (rc)
        store_tx_rollback(m->st);
    return rc;
}

enum err
debit_result_import(struct store *st, const struct debit_result_in *in,
                    debit_audit_fn audit, void *arg, json_t **summary)
{
    struct imp *m = xcalloc(1, sizeof(*m));
    m->st = st;
    m->in = in;
    m->failures = json_array();
    *summary = NULL;
    enum err rc = imp_check(m);
    if (!rc) {
        tally(m);
        if (m->already || in->dry_run)
            rc = failures_listed(m);
        else
            rc = imp_write(m, audit, arg);
    }
    if (!rc)
        *summary = summary_json(m);
    imp_free(m);
    free(m);
    return rc;
}
