/*
 * debit_request.c — making a direct-debit request (口座振替依頼データ):
 * which invoices, how much, the Zengin file(s), and storing it all with
 * its audit entry in one transaction (debit.h states the rules).
 *
 * The steps: the runs the request covers (one run, or the month's runs of
 * some groups; each must be committed); the candidates — every issued
 * invoice of those runs whose contract is paid by debit today and that
 * is on no live line — each with the customer's balance and pending
 * amount, read in one query per run; debit_plan() decides amounts,
 * problems and the files; the writer streams each file from the plan;
 * the files, lines and problems are stored. The selection runs inside
 * the write transaction (BEGIN IMMEDIATE), so two requests made at the
 * same moment cannot both take an invoice (and the unique index on live
 * lines would refuse it anyway). A preview takes no lock and writes
 * nothing.
 */
#include "auth/crypto.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "payments/debit.h"
#include "payments/debit_int.h"
#include "payments/payments_int.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANDS_FIRST 4096

/* One file in the making. */
struct pfile {
    struct buf data;
    char bank_code[5]; /* per bank: the payers' bank, else "" */
    size_t lines;
    int64_t amount_yen;
    char blake2b[CRYPTO_DIGEST_HEX];
    int64_t id; /* debit_files.id once stored */
};

struct plan {
    struct store *st;
    const struct debit_request_in *in;
    struct debit_settings set;
    int64_t runs[DEBIT_GROUPS_MAX];
    size_t n_runs;
    struct debit_cand *c;
    size_t n, cap;
    struct pfile *files;
    size_t n_files;
    size_t lines, problems, skipped;
    int64_t amount_yen;
    int64_t id; /* the request, once stored */
};

static void
plan_free(struct plan *p)
{
    for (size_t i = 0; i < p->n_files; i++)
        buf_free(&p->files[i].data);
    free(p->files);
    free(p->c);
}

/* ---------------------------------------------------------------------- */
/* What the request covers                                                */
/* ---------------------------------------------------------------------- */

static enum err
run_add(struct plan *p, int64_t id, const char *status)
{
    if (strcmp(status, "committed"))
        return err_fail(ERR_CONFLICT, "請求締め（実行 %lld）が完了していません",
                        (long long)id);
    if (p->n_runs >= DEBIT_GROUPS_MAX)
        return err_fail(ERR_TOO_LARGE, "1 回の依頼は %d 回の請求締めまでです",
                        DEBIT_GROUPS_MAX);
    p->runs[p->n_runs++] = id;
    return ERR_OK;
}

static bool
group_wanted(const struct debit_request_in *in, int64_t group)
{
    if (!in->n_groups)
        return true;
    for (size_t i = 0; i < in->n_groups; i++)
        if (in->groups[i] == group)
            return true;
    return false;
}

/* The committed runs named by in. */
static enum err
runs_resolve(struct plan *p)
{
    const struct debit_request_in *in = p->in;
    struct stmt *s;
    bool row;
    enum err rc;
    if (in->run_id)
        rc = store_query(p->st, &s,
                         "SELECT id, billing_group, status FROM billing_runs"
                         " WHERE id = $1",
                         "i", in->run_id);
    else
        rc = store_query(p->st, &s,
                         "SELECT id, billing_group, status FROM billing_runs"
                         " WHERE month = $1 ORDER BY billing_group",
                         "t", in->month ? in->month : "");
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        if (in->run_id || group_wanted(in, stmt_int(s, 1)))
            rc = run_add(p, stmt_int(s, 0), stmt_text(s, 2));
    stmt_done(s);
    if (!rc && !p->n_runs)
        rc = in->run_id ? err_fail(ERR_BILLING_RUN_NOT_FOUND,
                                   "請求締め（実行 %lld）がありません",
                                   (long long)in->run_id)
                        : err_fail(ERR_BILLING_RUN_NOT_FOUND,
                                   "%s の請求締めがありません",
                                   in->month ? in->month : "");
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The candidates                                                          */
/* ---------------------------------------------------------------------- */

static void
cand_read(struct stmt *s, struct debit_cand *c)
{
    memset(c, 0, sizeof(*c));
    c->invoice_id = stmt_int(s, 0);
    c->invoice_number = stmt_int(s, 1);
    c->customer_id = stmt_int(s, 2);
    c->contract_id = stmt_int(s, 3);
    c->amount_due_yen = stmt_int(s, 4);
    snprintf(c->customer_number, sizeof(c->customer_number), "%s",
             stmt_text(s, 5));
    snprintf(c->bank_code, sizeof(c->bank_code), "%s", stmt_text(s, 6));
    snprintf(c->branch_code, sizeof(c->branch_code), "%s", stmt_text(s, 7));
    snprintf(c->account_type, sizeof(c->account_type), "%s", stmt_text(s, 8));
    snprintf(c->account_number, sizeof(c->account_number), "%s",
             stmt_text(s, 9));
    snprintf(c->holder, sizeof(c->holder), "%s", stmt_text(s, 10));
    c->balance_yen = stmt_int(s, 11);
    c->pending_yen = stmt_int(s, 12);
    c->first = stmt_int(s, 13) != 0;
}

/* Every candidate invoice of run, appended to p->c. */
static enum err
cands_load(struct plan *p, int64_t run)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        p->st, &s,
        "SELECT iv.id, iv.number, iv.customer_id, iv.contract_id,"
        " iv.amount_due_yen, c.number, COALESCE(k.bank_code, ''),"
        " COALESCE(k.branch_code, ''), COALESCE(k.account_type, ''),"
        " COALESCE(k.account_number, ''), COALESCE(k.account_holder, ''),"
        " (SELECT COALESCE(SUM(x.total_yen), 0) FROM invoices x"
        "   WHERE x.customer_id = iv.customer_id AND x.status = 'issued')"
        " + (SELECT COALESCE(SUM(e.amount_yen), 0) FROM receivable_entries e"
        "   WHERE e.customer_id = iv.customer_id),"
        " (SELECT COALESCE(SUM(l.amount_yen), 0) FROM debit_lines l"
        "   WHERE l.customer_id = iv.customer_id AND l.live = 1"
        "   AND l.result_code IS NULL),"
        " NOT EXISTS (SELECT 1 FROM debit_lines l"
        "   WHERE l.contract_id = iv.contract_id AND l.live = 1)"
        " FROM invoices iv"
        " JOIN contracts k ON k.id = iv.contract_id"
        " JOIN customers c ON c.id = iv.customer_id"
        " WHERE iv.run_id = $1 AND iv.status = 'issued'"
        " AND k.payment_method = 'debit'"
        " AND ($2 IS NULL OR k.bank_code = $2)"
        " AND NOT EXISTS (SELECT 1 FROM debit_lines l"
        "   WHERE l.invoice_id = iv.id AND l.live = 1)",
        "it", run, p->in->bank_code);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        if (p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : CANDS_FIRST;
            p->c = xrealloc(p->c, p->cap * sizeof(*p->c));
        }
        cand_read(s, &p->c[p->n++]);
    }
    stmt_done(s);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Writing the files                                                      */
/* ---------------------------------------------------------------------- */

/* A debit the writer refused: a problem of the request after all. */
static void
writer_problem(struct debit_cand *c, const struct zengin_fault *f)
{
    c->reason = "zengin";
    c->field = f->field;
    c->amount_yen = 0;
    c->file = -1;
    snprintf(c->message, sizeof(c->message), "%s", err_detail());
}

static enum err
write_debit(struct zengin_writer *w, struct debit_cand *c)
{
    struct zengin_fault f;
    struct zengin_debit d = {
        .bank_code = c->bank_code,
        .branch_code = c->branch_code,
        .account_type = c->account_type[0] - '0',
        .account_number = c->account_number,
        .depositor_name = c->holder,
        .amount_yen = c->amount_yen,
        .new_code = c->first ? 1 : 0,
        .customer_number = c->customer_number,
    };
    enum err rc = zengin_write_debit(w, &d, &f);
    if (rc == ERR_ZENGIN_KANA || rc == ERR_ZENGIN_FIELD) {
        writer_problem(c, &f);
        return ERR_OK;
    }
    if (!rc)
        c->line = w->totals.count + 1; /* the header is line 1 */
    return rc;
}

/* File f: the header, its candidates [*i, …) while they are f's, the
 * trailer. */
static enum err
write_file(struct plan *p, const struct zengin_requester *r, int f, size_t *i)
{
    struct pfile *pf = &p->files[f];
    struct zengin_writer w;
    struct zengin_fault fault;
    buf_init(&pf->data, ZENGIN_FILE_MAX);
    zengin_writer_init(&w, &pf->data, p->set.eol, 0);
    enum err rc = zengin_write_header(&w, r, &fault);
    for (; !rc && *i < p->n && p->c[*i].file <= f; ++*i) {
        struct debit_cand *c = &p->c[*i];
        if (c->file != f)
            continue;
        if (p->set.per_bank)
            snprintf(pf->bank_code, sizeof(pf->bank_code), "%s", c->bank_code);
        rc = write_debit(&w, c);
    }
    if (!rc)
        rc = zengin_write_end(&w, &fault);
    pf->lines = w.totals.count;
    pf->amount_yen = w.totals.amount_yen;
    if (!rc)
        crypto_digest_hex(pf->data.data, pf->data.len, pf->blake2b);
    return rc;
}

/* Every file of the plan, then the counts. */
static enum err
files_write(struct plan *p, size_t n_files)
{
    char mmdd[5];
    snprintf(mmdd, sizeof(mmdd), "%.2s%.2s", p->in->debit_on + 5,
             p->in->debit_on + 8);
    struct zengin_requester r = {
        p->set.requester_code, p->set.requester_name, mmdd,
        p->set.bank_code,      p->set.bank_name,      p->set.branch_code,
        p->set.branch_name,    p->set.account_type,   p->set.account_number,
    };
    enum err rc = ERR_OK;
    size_t i = 0; /* the plan's order: file 0's lines, then file 1's… */
    p->files = xcalloc(n_files ? n_files : 1, sizeof(*p->files));
    for (size_t f = 0; !rc && f < n_files; f++) {
        p->n_files = f + 1;
        rc = write_file(p, &r, (int)f, &i);
    }
    for (size_t k = 0; k < p->n; k++) {
        const struct debit_cand *c = &p->c[k];
        if (!c->reason) {
            p->lines++;
            p->amount_yen += c->amount_yen;
        } else if (!strcmp(c->reason, "nothing_owed"))
            p->skipped++;
        else
            p->problems++;
    }
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Storing                                                                */
/* ---------------------------------------------------------------------- */

/* The runs as a JSON array text: "[12,13]". */
static void
runs_text(const struct plan *p, char *out, size_t n)
{
    size_t len = (size_t)snprintf(out, n, "[");
    for (size_t i = 0; i < p->n_runs && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%lld", i ? "," : "",
                                (long long)p->runs[i]);
    if (len < n)
        snprintf(out + len, n - len, "]");
}

static enum err
request_insert(struct plan *p)
{
    char now[32], runs[DEBIT_GROUPS_MAX * 21 + 3];
    runs_text(p, runs, sizeof(runs));
    time_now_iso(now);
    enum err rc = store_run(
        p->st,
        "INSERT INTO debit_requests (debit_on, runs, bank_code,"
        " requester_code, files_mode, line_ending, status, line_count,"
        " amount_yen, problem_count, skipped_count, created_at, created_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, 'created', $7, $8, $9, $10, $11,"
        " $12)",
        "ttttttiiiitt", p->in->debit_on, runs, p->in->bank_code,
        p->set.requester_code, p->set.per_bank ? "per_bank" : "combined",
        p->set.eol == ZENGIN_EOL_NONE ? "none" : "crlf", (int64_t)p->lines,
        p->amount_yen, (int64_t)p->problems, (int64_t)p->skipped, now,
        p->in->actor ? p->in->actor : "system");
    if (!rc)
        p->id = store_last_id(p->st);
    return rc;
}

/* File f whole (as hex text), numbered file_no. */
static enum err
file_insert(struct plan *p, struct pfile *f, int64_t file_no)
{
    char *hex = xmalloc(2 * f->data.len + 1);
    debit_hex_encode(f->data.data, f->data.len, hex);
    enum err rc = store_run(
        p->st,
        "INSERT INTO debit_files (request_id, file_no, bank_code, line_count,"
        " amount_yen, bytes, blake2b, content_hex) VALUES ($1, $2,"
        " NULLIF($3, ''), $4, $5, $6, $7, $8)",
        "iitiiitt", p->id, file_no, f->bank_code, (int64_t)f->lines,
        f->amount_yen, (int64_t)f->data.len, f->blake2b, hex);
    free(hex);
    if (!rc)
        f->id = store_last_id(p->st);
    return rc;
}

static enum err
line_insert(struct plan *p, const struct debit_cand *c)
{
    return store_run(p->st,
                     "INSERT INTO debit_lines (file_id, line, invoice_id,"
                     " customer_id, contract_id, customer_number, amount_yen)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     "iiiiiti", p->files[c->file].id, (int64_t)c->line,
                     c->invoice_id, c->customer_id, c->contract_id,
                     c->customer_number, c->amount_yen);
}

static enum err
problem_insert(struct plan *p, const struct debit_cand *c)
{
    bool skip = !strcmp(c->reason, "nothing_owed");
    return store_run(p->st,
                     "INSERT INTO debit_problems (request_id, kind,"
                     " invoice_id, customer_id, reason, field, message)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     "itiittt", p->id, skip ? "skipped" : "problem",
                     c->invoice_id, c->customer_id, c->reason, c->field,
                     c->message);
}

/* The request, its files (those with lines, numbered from 1), lines and
 * problems. */
static enum err
plan_store(struct plan *p)
{
    int64_t file_no = 0;
    enum err rc = request_insert(p);
    for (size_t f = 0; !rc && f < p->n_files; f++)
        if (p->files[f].lines)
            rc = file_insert(p, &p->files[f], ++file_no);
    for (size_t i = 0; !rc && i < p->n; i++)
        rc = p->c[i].reason ? problem_insert(p, &p->c[i])
                            : line_insert(p, &p->c[i]);
    return rc;
}

/* The audit entry's detail: counts, totals, hashes; never accounts. */
static json_t *
audit_detail(const struct plan *p)
{
    json_t *files = json_array(), *runs = json_array();
    int64_t file_no = 0;
    for (size_t f = 0; f < p->n_files; f++) {
        const struct pfile *pf = &p->files[f];
        if (!pf->lines)
            continue;
        json_array_append_new(
            files, json_pack("{s:I, s:s?, s:I, s:I, s:I, s:s}", "file_no",
                             (json_int_t)++file_no, "bank_code",
                             pf->bank_code[0] ? pf->bank_code : NULL, "lines",
                             (json_int_t)pf->lines, "amount_yen",
                             (json_int_t)pf->amount_yen, "bytes",
                             (json_int_t)pf->data.len, "blake2b", pf->blake2b));
    }
    for (size_t i = 0; i < p->n_runs; i++)
        json_array_append_new(runs, json_integer(p->runs[i]));
    return json_pack(
        "{s:I, s:s, s:o, s:s?, s:o, s:I, s:I, s:I, s:I}", "request_id",
        (json_int_t)p->id, "debit_on", p->in->debit_on, "runs", runs,
        "bank_code", p->in->bank_code, "files", files, "lines",
        (json_int_t)p->lines, "amount_yen", (json_int_t)p->amount_yen,
        "problems", (json_int_t)p->problems, "skipped", (json_int_t)p->skipped);
}

/* ---------------------------------------------------------------------- */
/* A preview's answer                                                     */
/* ---------------------------------------------------------------------- */

/* {"invoice_id", "invoice_number", "customer", "reason", "field",
 * "message"} of a candidate left out. */
static enum err
left_out_json(struct store *st, const struct debit_cand *c, json_t **out)
{
    json_t *cust = NULL;
    enum err rc = pay_customer_json(st, c->customer_id, &cust);
    if (!rc)
        *out =
            json_pack("{s:I, s:I, s:o, s:s, s:s?, s:s}", "invoice_id",
                      (json_int_t)c->invoice_id, "invoice_number",
                      (json_int_t)c->invoice_number, "customer", cust, "reason",
                      c->reason, "field", c->field, "message", c->message);
    return rc;
}

static enum err
preview_json(const struct plan *p, json_t **out)
{
    json_t *files = json_array(), *problems = json_array(),
           *skipped = json_array(), *runs = json_array(), *one;
    enum err rc = ERR_OK;
    int64_t file_no = 0;
    for (size_t f = 0; f < p->n_files; f++)
        if (p->files[f].lines)
            json_array_append_new(
                files,
                json_pack("{s:I, s:s?, s:I, s:I, s:I}", "file_no",
                          (json_int_t)++file_no, "bank_code",
                          p->files[f].bank_code[0] ? p->files[f].bank_code
                                                   : NULL,
                          "lines", (json_int_t)p->files[f].lines, "amount_yen",
                          (json_int_t)p->files[f].amount_yen, "bytes",
                          (json_int_t)p->files[f].data.len));
    for (size_t i = 0; i < p->n_runs; i++)
        json_array_append_new(runs, json_integer(p->runs[i]));
    for (size_t i = 0; !rc && i < p->n; i++) {
        const struct debit_cand *c = &p->c[i];
        bool skip = c->reason && !strcmp(c->reason, "nothing_owed");
        json_t *list = skip ? skipped : problems;
        if (!c->reason || json_array_size(list) >= DEBIT_LIST_MAX)
            continue;
        if (!(rc = left_out_json(p->st, c, &one)))
            json_array_append_new(list, one);
    }
    *out = json_pack(
        "{s:b, s:o, s:s, s:o, s:s?, s:s, s:s, s:I, s:I, s:o, s:I, s:o, s:I,"
        " s:o}",
        "preview", true, "id", json_null(), "debit_on", p->in->debit_on, "runs",
        runs, "bank_code", p->in->bank_code, "files_mode",
        p->set.per_bank ? "per_bank" : "combined", "line_ending",
        p->set.eol == ZENGIN_EOL_NONE ? "none" : "crlf", "lines",
        (json_int_t)p->lines, "amount_yen", (json_int_t)p->amount_yen, "files",
        files, "problem_count", (json_int_t)p->problems, "problems", problems,
        "skipped_count", (json_int_t)p->skipped, "skipped", skipped);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The whole                                                              */
/* ---------------------------------------------------------------------- */

static enum err
check_in(const struct debit_request_in *in)
{
    if (!in->debit_on || !debit_business_day(in->debit_on))
        return err_fail(ERR_INVALID,
                        "振替日は銀行の営業日を YYYY-MM-DD で指定してください"
                        "（土日・祝日・12 月 31 日〜1 月 3 日は不可）");
    if (!in->run_id &&
        (!in->month || strlen(in->month) != 7 || in->month[4] != '-'))
        return err_fail(ERR_INVALID,
                        "請求締めの実行番号か、請求月（YYYY-MM）を指定して"
                        "ください");
    return ERR_OK;
}

/* Select, decide and write: everything but storing. */
static enum err
plan_make(struct plan *p)
{
    size_t n_files = 0;
    enum err rc = runs_resolve(p);
    for (size_t i = 0; !rc && i < p->n_runs; i++)
        rc = cands_load(p, p->runs[i]);
    if (rc)
        return rc;
    debit_plan(p->c, p->n, p->set.per_bank, &n_files);
    if (n_files > DEBIT_FILES_MAX)
        return err_fail(ERR_TOO_LARGE,
                        "引落銀行が %zu 件あります（1 回の依頼は %d 件まで）。"
                        "bank で銀行を絞ってください",
                        n_files, DEBIT_FILES_MAX);
    rc = files_write(p, n_files);
    if (!rc && !p->lines)
        rc = err_fail(ERR_DEBIT_NOTHING,
                      "口座振替の対象になる請求がありません（口座振替で"
                      "未依頼の請求 %zu 件のうち、口座などの不備 %zu 件、"
                      "請求残高なし %zu 件）",
                      p->n, p->problems, p->skipped);
    return rc;
}

enum err
debit_request_create(struct store *st, const struct debit_request_in *in,
                     debit_audit_fn audit, void *arg, json_t **out)
{
    struct plan p = {.st = st, .in = in};
    char target[48];
    *out = NULL;
    enum err rc = check_in(in);
    if (!rc)
        rc = debit_settings_get(st, &p.set);
    if (!rc && !debit_settings_complete(&p.set))
        rc = err_fail(ERR_DEBIT_SETTINGS_MISSING,
                      "委託者コード・委託者名・取引銀行・支店・預金種目・"
                      "口座番号を設定してください（PUT /api/v1/settings/"
                      "payments）");
    if (!rc && !in->preview)
        rc = store_tx_begin(st);
    if (rc)
        return rc;
    rc = plan_make(&p);
    if (!rc && in->preview)
        rc = preview_json(&p, out);
    if (!rc && !in->preview)
        rc = plan_store(&p);
    if (!rc && !in->preview) {
        snprintf(target, sizeof(target), "debit_request:%lld", (long long)p.id);
        rc = audit(arg, st, "debit_request.create", target, audit_detail(&p));
    }
    if (!in->preview) {
        if (!rc)
            rc = store_tx_commit(st);
        if (rc)
            store_tx_rollback(st);
    }
    if (!rc && !in->preview)
        rc = debit_request_json(st, p.id, out);
    plan_free(&p);
    return rc;
}
