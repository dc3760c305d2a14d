/*
 * payments_api.c — receivables and payments over HTTP (入金・債権管理).
 *
 *   GET  /api/v1/customers/{id}/receivables   payments.read
 *        ?as_of=&limit=   the customer's ledger: balance, carry, ageing,
 *        open invoices, history with running balance (ledger.h)
 *   GET  /api/v1/receivables/ageing           payments.read
 *        ?as_of=&after=&limit=   the tenant's ageing and its customers
 *   POST /api/v1/payments                     payments.write → 201
 *        a payment (transfer, cash, cvs, other), a refund of a credit or
 *        an adjustment (payment.record); a transfer without a customer
 *        is matched or put on the review list (bank_transfers). With an
 *        Idempotency-Key header (1–255 printable ASCII) the answer is
 *        kept 24 h for the user: the same key and body again get it back
 *        (Idempotent-Replayed: true) and nothing is recorded twice; the
 *        same key with another body is payments.idempotency_key_reused
 *   GET  /api/v1/payments                     payments.read
 *        ?customer_id=&kind=&method=&from=&to=&after=&limit= newest first
 *   GET  /api/v1/payments/{id}                payments.read
 *   POST /api/v1/payments/{id}/reverse        payments.write → 201
 *        {"reason", "on"?}: a reversal entry (payment.reverse)
 *   POST /api/v1/imports/convenience-payments payments.write
 *        the collection agent's CSV (payments.h), ?dry_run=&charset=
 *        (payment.import)
 *   POST /api/v1/imports/bank-transfers       payments.write
 *        the bank's 振込入金通知 / 入出金取引明細 file (zengin_bank.h),
 *        ?dry_run= (transfer.import); the transfers are matched as
 *        those entered here
 *   GET  /api/v1/payment-followups            payments.read
 *        ?status=open|done&customer_id=&after=&limit=
 *   POST /api/v1/payment-followups/{id}/close payments.write
 *        {"note"?} (followup.close)
 *
 * Direct debits are not entered here: their results post through
 * ledger_post_debit_result() when the bank's file is imported. Bad input
 * is refused with field errors (422) before anything is written; each
 * change and its audit entry commit in one transaction.
 */
#include "auth/auth.h"
#include "core/timeutil.h"
#include "customers/import_http.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "payments/payments.h"
#include "payments/payments_http.h"
#include "payments/payments_int.h"
#include "payments/zengin_bank.h"
#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAYMENT_BODY_MAX (8 * 1024)

/* ---------------------------------------------------------------------- */
/* Reading                                                                */
/* ---------------------------------------------------------------------- */

static enum err
get_receivables(struct req *r)
{
    struct jcheck k;
    int64_t id, limit;
    char today[11], as_of[11];
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_CUSTOMER_NOT_FOUND, &id);
    if (rc)
        return rc;
    time_today_jst(today);
    jcheck_init(&k);
    pay_query_date(r, &k, "as_of", today, as_of);
    pay_query_int(r, &k, "limit", 200, 1, LEDGER_ENTRIES_MAX, &limit);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if (!(rc = ledger_customer_json(auth_ctx(r)->st, id, as_of, limit, &out)))
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_ageing(struct req *r)
{
    struct jcheck k;
    int64_t after, limit;
    char today[11], as_of[11];
    json_t *out = NULL;
    time_today_jst(today);
    jcheck_init(&k);
    pay_query_date(r, &k, "as_of", today, as_of);
    pay_query_int(r, &k, "after", 0, 0, INT64_MAX, &after);
    pay_query_int(r, &k, "limit", 100, 1, PAYMENTS_LIMIT_MAX, &limit);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    enum err rc =
        receivables_ageing(auth_ctx(r)->st, as_of, after, limit, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_payments(struct req *r)
{
    static const char *const kinds[] = {"payment", "refund", "adjustment",
                                        "reversal", NULL};
    static const char *const methods[] = {"debit", "transfer", "cash",
                                          "cvs",   "other",    NULL};
    struct payment_filter f = {0};
    struct jcheck k;
    char from[11], to[11];
    json_t *out = NULL;
    jcheck_init(&k);
    pay_query_int(r, &k, "customer_id", 0, 1, INT64_MAX, &f.customer_id);
    f.kind = pay_query_enum(r, &k, "kind", kinds);
    f.method = pay_query_enum(r, &k, "method", methods);
    pay_query_date(r, &k, "from", "", from);
    pay_query_date(r, &k, "to", "", to);
    pay_query_int(r, &k, "after", 0, 0, INT64_MAX, &f.after);
    pay_query_int(r, &k, "limit", 100, 1, PAYMENTS_LIMIT_MAX, &f.limit);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    f.from = *from ? from : NULL;
    f.to = *to ? to : NULL;
    enum err rc = payment_list(auth_ctx(r)->st, &f, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_payment(struct req *r)
{
    int64_t id;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_PAYMENT_NOT_FOUND, &id);
    if (!rc)
        rc = payment_json(auth_ctx(r)->st, id, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* POST /payments                                                         */
/* ---------------------------------------------------------------------- */

struct pay_req {
    enum ledger_kind kind;
    enum ledger_method method;
    int64_t customer_id, invoice_id, invoice_number, amount_yen;
    char on[11];
    const char *payer_name, *bank_reference, *reference, *collected_by;
    const char *note;
};

/* kind and method, and the amount's range for the kind. */
static void
read_kind(struct jcheck *k, const json_t *b, struct pay_req *q)
{
    const char *kind = NULL, *method = NULL;
    bool present;
    jcheck_str(k, b, "kind", 16, 0, &kind);
    jcheck_str(k, b, "method", 16, 0, &method);
    q->kind = LEDGER_PAYMENT;
    if (kind && !strcmp(kind, "refund"))
        q->kind = LEDGER_REFUND;
    else if (kind && !strcmp(kind, "adjustment"))
        q->kind = LEDGER_ADJUSTMENT;
    else if (kind && strcmp(kind, "payment"))
        jcheck_add(k, "kind", "unknown",
                   "payment、refund、adjustment のいずれかを指定してください");
    q->method = LEDGER_NONE;
    if (method &&
        (!ledger_method_parse(method, &q->method) || q->method == LEDGER_DEBIT))
        jcheck_add(k, "method", "unknown",
                   "transfer、cash、cvs、other のいずれかを指定してください"
                   "（口座振替は振替結果の取込で記録されます）");
    else if (!method && q->kind == LEDGER_PAYMENT)
        jcheck_add(k, "method", "required", "入金方法を指定してください");
    else if (method && q->kind == LEDGER_ADJUSTMENT)
        jcheck_add(k, "method", "not_allowed", "調整には入金方法はありません");
    int64_t lo = q->kind == LEDGER_ADJUSTMENT ? -LEDGER_AMOUNT_MAX_YEN : 1;
    jcheck_int(k, b, "amount_yen", lo, LEDGER_AMOUNT_MAX_YEN, true,
               &q->amount_yen, &present);
    if (present && q->amount_yen == 0)
        jcheck_add(k, "amount_yen", "range", "0 以外の金額を入力してください");
}

/* The fields that depend on the method or kind. */
static void
read_details(struct jcheck *k, const json_t *b, struct pay_req *q)
{
    bool transfer = q->kind == LEDGER_PAYMENT && q->method == LEDGER_TRANSFER;
    jcheck_str(k, b, "payer_name", TRANSFER_NAME_MAX,
               transfer ? JSTR_REQUIRED : 0, &q->payer_name);
    if (!transfer && q->payer_name)
        jcheck_add(k, "payer_name", "not_allowed",
                   "振込依頼人名は振込のときだけ入力します");
    jcheck_str(k, b, "bank_reference", LEDGER_REF_MAX, 0, &q->bank_reference);
    jcheck_str(k, b, "reference", LEDGER_REF_MAX, 0, &q->reference);
    jcheck_str(k, b, "collected_by", TRANSFER_NAME_MAX, 0, &q->collected_by);
    if (q->collected_by && q->method != LEDGER_CASH)
        jcheck_add(k, "collected_by", "not_allowed",
                   "集金担当者は集金のときだけ入力します");
    jcheck_str(k, b, "note", LEDGER_NOTE_MAX,
               q->kind == LEDGER_PAYMENT ? 0 : JSTR_REQUIRED, &q->note);
}

/* A refund returns at most the customer's credit (前受); ledger_post
 * checks again inside the transaction. */
static enum err
check_refund(struct store *st, struct jcheck *k, const struct pay_req *q)
{
    int64_t balance;
    char msg[128];
    enum err rc = ledger_balance(st, q->customer_id, &balance);
    if (!rc && -balance < q->amount_yen) {
        snprintf(msg, sizeof(msg),
                 "前受金の残高（%lld 円）を超えて返金できません",
                 (long long)(balance < 0 ? -balance : 0));
        jcheck_add(k, "amount_yen", "exceeds_credit", msg);
    }
    return rc;
}

static enum err
read_payment(struct req *r, struct store *st, struct pay_req *q)
{
    static const char *const allowed[] = {
        "kind",       "method",         "customer_id",
        "invoice_id", "invoice_number", "amount_yen",
        "paid_on",    "payer_name",     "bank_reference",
        "reference",  "collected_by",   "note",
        NULL};
    json_t *b;
    struct jcheck k;
    char today[11];
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    read_kind(&k, b, q);
    read_details(&k, b, q);
    pay_body_id(&k, b, "customer_id", false, &q->customer_id);
    pay_body_id(&k, b, "invoice_id", false, &q->invoice_id);
    pay_body_id(&k, b, "invoice_number", false, &q->invoice_number);
    pay_body_date(&k, b, "paid_on", false, true, q->on);
    if (!q->on[0] && !json_object_get(b, "paid_on")) {
        time_today_jst(today);
        memcpy(q->on, today, sizeof(q->on));
    }
    if (q->invoice_number && !q->invoice_id) {
        struct pay_invoice iv;
        rc = pay_invoice_by_number(st, q->invoice_number, &iv);
        if (rc == ERR_INVOICE_NOT_FOUND)
            jcheck_add(&k, "invoice_number", "not_found",
                       "この番号の請求書はありません");
        else if (!rc)
            q->invoice_id = iv.id;
        rc = rc == ERR_INVOICE_NOT_FOUND ? ERR_OK : rc;
    }
    if (!rc)
        rc = pay_check_invoice(st, &k, "invoice_id", q->invoice_id,
                               &q->customer_id);
    if (!rc)
        rc = pay_check_customer(st, &k, "customer_id", q->customer_id);
    if (!rc && q->kind == LEDGER_REFUND && q->customer_id && jcheck_ok(&k))
        rc = check_refund(st, &k, q);
    bool transfer = q->method == LEDGER_TRANSFER && q->kind == LEDGER_PAYMENT;
    if (!rc && !q->customer_id && !transfer &&
        !json_object_get(b, "invoice_number") &&
        !json_object_get(b, "invoice_id"))
        jcheck_add(&k, "customer_id", "required",
                   "顧客または請求書を指定してください");
    if (rc || !jcheck_ok(&k)) {
        if (rc)
            jcheck_free(&k);
        return rc ? rc : req_invalid(r, &k);
    }
    jcheck_free(&k);
    return ERR_OK;
}

struct pay_done {
    int64_t entry_id, transfer_id, receipt_number, customer_id;
    const char *status;
};

static enum err
post_transfer(struct req *r, const struct pay_req *q, struct pay_done *d)
{
    struct auth_ctx *a = auth_ctx(r);
    struct transfer_out out;
    struct transfer_in in = {.received_on = q->on,
                             .amount_yen = q->amount_yen,
                             .payer_name = q->payer_name,
                             .bank_reference = q->bank_reference,
                             .customer_id = q->customer_id,
                             .invoice_id = q->invoice_id,
                             .note = q->note,
                             .actor = a->actor};
    enum err rc = transfer_record(a->st, &in, &out);
    if (!rc) {
        d->entry_id = out.entry_id;
        d->transfer_id = out.transfer_id;
        d->status = out.status;
    }
    return rc;
}

static enum err
post_entry(struct req *r, const struct pay_req *q, struct pay_done *d)
{
    struct auth_ctx *a = auth_ctx(r);
    struct ledger_posted out;
    bool cash = q->kind == LEDGER_PAYMENT && q->method == LEDGER_CASH;
    struct ledger_post p = {
        .kind = q->kind,
        .method = q->method,
        .customer_id = q->customer_id,
        .invoice_id = q->invoice_id,
        .amount_yen = q->amount_yen,
        .on = q->on,
        .receipt = cash, /* 集金: a receipt number, gapless */
        .reference = cash ? q->collected_by : q->reference,
        .note = q->note,
        .actor = a->actor,
    };
    enum err rc = ledger_post(a->st, &p, &out);
    if (!rc) {
        d->entry_id = out.entry_id;
        d->receipt_number = out.receipt_number;
        d->customer_id = out.customer_id;
        d->status = "posted";
    }
    return rc;
}

static json_t *
record_detail(const struct pay_req *q, const struct pay_done *d)
{
    const char *m = ledger_method_name(q->method);
    return json_pack(
        "{s:s, s:o, s:I, s:s, s:o, s:o, s:o, s:o, s:s}", "kind",
        ledger_kind_name(q->kind), "method", m ? json_string(m) : json_null(),
        "amount_yen", (json_int_t)q->amount_yen, "on", q->on, "invoice_id",
        q->invoice_id ? json_integer(q->invoice_id) : json_null(), "entry_id",
        d->entry_id ? json_integer(d->entry_id) : json_null(), "receipt_number",
        d->receipt_number ? json_integer(d->receipt_number) : json_null(),
        "transfer_id",
        d->transfer_id ? json_integer(d->transfer_id) : json_null(), "status",
        d->status);
}

/* The answer: the entry and the transfer as stored. */
static enum err
answer_post(struct store *st, const struct pay_done *d, json_t **out)
{
    json_t *entry = NULL, *transfer = NULL;
    enum err rc = d->entry_id ? payment_json(st, d->entry_id, &entry) : ERR_OK;
    if (!rc && d->transfer_id)
        rc = transfer_json(st, d->transfer_id, &transfer);
    if (rc) {
        json_decref(entry);
        return rc;
    }
    *out = json_pack("{s:s, s:o, s:o, s:o}", "status", d->status, "entry",
                     entry ? entry : json_null(), "transfer",
                     transfer ? transfer : json_null(), "receipt_number",
                     d->receipt_number ? json_integer(d->receipt_number)
                                       : json_null());
    return ERR_OK;
}

/* The request's Idempotency-Key, checked, and the body's BLAKE2b (hex);
 * *key NULL when the header is absent. */
static enum err
read_idem(struct req *r, const char **key, char hash[65])
{
    struct jcheck k;
    unsigned char h[32];
    size_t n;
    *key = req_header(r, "Idempotency-Key");
    if (!*key)
        return ERR_OK;
    if (!idempotency_key_valid(*key)) {
        jcheck_init(&k);
        jcheck_add(&k, "Idempotency-Key", "format",
                   "Idempotency-Key は 1〜255 文字の半角英数字・記号で"
                   "指定してください");
        return req_invalid(r, &k);
    }
    const char *body = req_body(r, &n);
    crypto_generichash(h, sizeof(h), (const unsigned char *)(body ? body : ""),
                       body ? n : 0, NULL, 0);
    sodium_bin2hex(hash, 65, h, sizeof(h));
    return ERR_OK;
}

/* A stored answer for key: the same request gets it again, another is
 * refused. *done: answered (or refused); rc is the route's. */
static enum err
replay(struct req *r, const char *key, const char *hash, bool *done)
{
    struct auth_ctx *a = auth_ctx(r);
    struct idem_hit hit;
    json_t *body = NULL;
    *done = false;
    enum err rc =
        idempotency_find(a->st, a->actor, key, hash, (int64_t)time(NULL), &hit);
    if (rc || !hit.found) {
        free(hit.response);
        return rc;
    }
    *done = true;
    if (!hit.same)
        rc = err_fail(ERR_IDEMPOTENCY_KEY_REUSED,
                      "この Idempotency-Key は 24 時間以内に別の内容の入金で"
                      "使われています。新しいキーで送ってください");
    else if (json_parse(hit.response, strlen(hit.response), &body))
        rc = err_fail(ERR_INTERNAL, "stored answer unreadable");
    free(hit.response);
    if (rc)
        return rc;
    resp_header(r, "Idempotent-Replayed", "true");
    resp_json(r, hit.status, body);
    return ERR_OK;
}

static enum err
post_payment(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct pay_req q = {0};
    struct pay_done d = {0};
    char target[48], hash[65] = "";
    const char *key = NULL;
    json_t *answer = NULL;
    bool done = false;
    enum err rc = read_idem(r, &key, hash);
    if (!rc && key)
        rc = replay(r, key, hash, &done);
    if (rc || done)
        return rc;
    rc = read_payment(r, a->st, &q);
    if (rc || (rc = store_tx_begin(a->st)))
        return rc;
    if (key) { /* again under the write lock: a retry racing the first */
        if ((rc = replay(r, key, hash, &done)) || done) {
            store_tx_rollback(a->st);
            return rc;
        }
    }
    if (q.kind == LEDGER_PAYMENT && q.method == LEDGER_TRANSFER)
        rc = post_transfer(r, &q, &d);
    else
        rc = post_entry(r, &q, &d);
    if (d.transfer_id)
        record_target(target, sizeof(target), "bank_transfer", d.transfer_id);
    else
        record_target(target, sizeof(target), "customer", d.customer_id);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "payment.record", target,
                        record_detail(&q, &d));
    if (!rc)
        rc = answer_post(a->st, &d, &answer);
    if (!rc && key) {
        char *text = json_dumps(answer, JSON_COMPACT);
        rc = text ? idempotency_save(a->st, a->actor, key, hash, 201, text,
                                     (int64_t)time(NULL))
                  : err_fail(ERR_INTERNAL, "answer");
        free(text);
    }
    if ((rc = record_tx_end(a->st, rc))) {
        json_decref(answer);
        return rc;
    }
    resp_json(r, 201, answer);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Reversal, follow-ups, the convenience-store import                     */
/* ---------------------------------------------------------------------- */

static enum err
post_reverse(struct req *r)
{
    static const char *const allowed[] = {"reason", "on", NULL};
    struct auth_ctx *a = auth_ctx(r);
    struct jcheck k;
    struct ledger_posted out;
    const char *reason = NULL;
    char on[11], today[11], target[48];
    int64_t id;
    json_t *b, *entry = NULL;
    enum err rc = record_path_id(r, ERR_PAYMENT_NOT_FOUND, &id);
    if (rc || (rc = req_json_object(r, &b)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "reason", LEDGER_NOTE_MAX, JSTR_REQUIRED, &reason);
    pay_body_date(&k, b, "on", false, true, on);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    time_today_jst(today);
    struct ledger_post p = {.kind = LEDGER_REVERSAL,
                            .reverses_id = id,
                            .on = *on ? on : today,
                            .note = reason,
                            .actor = a->actor};
    if ((rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "payment", id);
    if (!(rc = ledger_post(a->st, &p, &out)))
        rc = auth_audit(r, a->st, NULL, "payment.reverse", target,
                        json_pack("{s:I, s:s, s:s}", "reversal_id",
                                  (json_int_t)out.entry_id, "reason", reason,
                                  "on", p.on));
    if ((rc = record_tx_end(a->st, rc)) ||
        (rc = payment_json(a->st, out.entry_id, &entry)))
        return rc;
    resp_json(r, 201, entry);
    return ERR_OK;
}

static enum err
get_followups(struct req *r)
{
    static const char *const statuses[] = {"open", "done", NULL};
    struct jcheck k;
    int64_t customer, after, limit;
    json_t *out = NULL;
    jcheck_init(&k);
    const char *status = pay_query_enum(r, &k, "status", statuses);
    pay_query_int(r, &k, "customer_id", 0, 1, INT64_MAX, &customer);
    pay_query_int(r, &k, "after", 0, 0, INT64_MAX, &after);
    pay_query_int(r, &k, "limit", 100, 1, PAYMENTS_LIMIT_MAX, &limit);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    enum err rc =
        followup_list(auth_ctx(r)->st, status, customer, after, limit, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
post_followup_close(struct req *r)
{
    static const char *const allowed[] = {"note", NULL};
    struct auth_ctx *a = auth_ctx(r);
    struct jcheck k;
    const char *note = NULL;
    char target[48];
    int64_t id;
    json_t *b;
    enum err rc = record_path_id(r, ERR_FOLLOWUP_NOT_FOUND, &id);
    if (rc || (rc = req_json_object(r, &b)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "note", LEDGER_NOTE_MAX, 0, &note);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "payment_followup", id);
    if (!(rc = followup_close(a->st, id, note, a->actor)))
        rc = auth_audit(
            r, a->st, NULL, "followup.close", target,
            json_pack("{s:o}", "note", note ? json_string(note) : json_null()));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    resp_json(r, 200,
              json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", "done"));
    return ERR_OK;
}

static enum err
cvs_audit(void *arg, struct store *st, json_t *detail)
{
    return auth_audit(arg, st, NULL, "payment.import", "convenience_payments",
                      detail);
}

static enum err
bank_audit(void *arg, struct store *st, json_t *detail)
{
    return auth_audit(arg, st, NULL, "transfer.import", "bank_transfers",
                      detail);
}

/* An import whose columns the format fixes (no mapping): the bank's
 * statements (全銀形式) when bank, else the convenience-store file. */
static enum err
post_fixed_import(struct req *r, bool bank)
{
    struct import_request q;
    json_t *summary = NULL;
    size_t n;
    enum err rc = import_request_read(r, &q);
    if (rc)
        return rc;
    if (q.mapping && bank)
        return err_fail(ERR_IMPORT_MAPPING,
                        "全銀形式の明細は項目の位置が決まっています（mapping "
                        "は使えません）");
    if (q.mapping)
        return err_fail(ERR_IMPORT_MAPPING,
                        "この取込は見出しで列を判断します（mapping は使え"
                        "ません）");
    const char *body = req_body(r, &n);
    struct auth_ctx *a = auth_ctx(r);
    if (bank)
        rc = bank_import_run(a->st, body, n, q.dry_run, a->actor, bank_audit, r,
                             &summary);
    else
        rc = cvs_import_run(a->st, body, n, q.charset, q.dry_run, a->actor,
                            cvs_audit, r, &summary);
    return import_request_answer(r, rc, &q, summary);
}

static enum err
post_bank_import(struct req *r)
{
    return post_fixed_import(r, true);
}

static enum err
post_cvs_import(struct req *r)
{
    return post_fixed_import(r, false);
}

#define R "payments.read"
#define W "payments.write"
#define B PAYMENT_BODY_MAX

const struct route payments_routes[] = {
    {"GET", "/api/v1/customers/{id}/receivables", get_receivables, 0, R, NULL,
     0},
    {"GET", "/api/v1/receivables/ageing", get_ageing, 0, R, NULL, 0},
    {"POST", "/api/v1/payments", post_payment, B, W, "payment.record", 0},
    {"GET", "/api/v1/payments", get_payments, 0, R, NULL, 0},
    {"GET", "/api/v1/payments/{id}", get_payment, 0, R, NULL, 0},
    {"POST", "/api/v1/payments/{id}/reverse", post_reverse, B, W,
     "payment.reverse", 0},
    {"POST", "/api/v1/imports/convenience-payments", post_cvs_import,
     CVS_IMPORT_BYTES_MAX, W, "payment.import", 0},
    {"POST", "/api/v1/imports/bank-transfers", post_bank_import, ZBANK_FILE_MAX,
     W, "transfer.import", 0},
    {"GET", "/api/v1/payment-followups", get_followups, 0, R, NULL, 0},
    {"POST", "/api/v1/payment-followups/{id}/close", post_followup_close, B, W,
     "followup.close", 0},
    ROUTES_END,
};
