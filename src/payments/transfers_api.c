/*
 * transfers_api.c — bank transfers (振込) and their review list over HTTP.
 *
 *   GET  /api/v1/bank-transfers                 payments.read
 *        ?status=review|matched|assigned|dismissed&after=&limit=
 *        (status=review is the review list: several candidates or none)
 *   GET  /api/v1/bank-transfers/{id}            payments.read
 *   POST /api/v1/bank-transfers/{id}/assign     payments.write
 *        {"customer_id", "invoice_id"?, "note"?}: post it as that
 *        customer's payment (transfer.assign)
 *   POST /api/v1/bank-transfers/{id}/dismiss    payments.write
 *        {"reason"}: not a customer's payment (returned, ...), nothing
 *        posted (transfer.dismiss)
 *
 * Transfers come in through POST /api/v1/payments (method transfer);
 * transfer_store.c matches them.
 */
#include "auth/auth.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "payments/payments.h"
#include "payments/payments_http.h"
#include "store/store.h"

#include <string.h>

#define TRANSFER_BODY_MAX (4 * 1024)

static enum err
get_transfers(struct req *r)
{
    static const char *const statuses[] = {"review", "matched", "assigned",
                                           "dismissed", NULL};
    struct jcheck k;
    int64_t after, limit;
    json_t *out = NULL;
    jcheck_init(&k);
    const char *status = pay_query_enum(r, &k, "status", statuses);
    pay_query_int(r, &k, "after", 0, 0, INT64_MAX, &after);
    pay_query_int(r, &k, "limit", 100, 1, PAYMENTS_LIMIT_MAX, &limit);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    enum err rc = transfer_list(auth_ctx(r)->st, status, after, limit, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_transfer(struct req *r)
{
    int64_t id;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_TRANSFER_NOT_FOUND, &id);
    if (!rc)
        rc = transfer_json(auth_ctx(r)->st, id, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

struct assign_req {
    int64_t customer_id, invoice_id;
    const char *note;
};

static enum err
read_assign(struct req *r, struct store *st, struct assign_req *q)
{
    static const char *const allowed[] = {"customer_id", "invoice_id", "note",
                                          NULL};
    json_t *b;
    struct jcheck k;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    pay_body_id(&k, b, "customer_id", true, &q->customer_id);
    pay_body_id(&k, b, "invoice_id", false, &q->invoice_id);
    jcheck_str(&k, b, "note", LEDGER_NOTE_MAX, 0, &q->note);
    int64_t owner = q->customer_id;
    rc = pay_check_customer(st, &k, "customer_id", q->customer_id);
    if (!rc)
        rc = pay_check_invoice(st, &k, "invoice_id", q->invoice_id, &owner);
    if (rc || !jcheck_ok(&k)) {
        if (rc)
            jcheck_free(&k);
        return rc ? rc : req_invalid(r, &k);
    }
    jcheck_free(&k);
    return ERR_OK;
}

/* Commit (or roll back) and answer the transfer as it is now. */
static enum err
answer(struct req *r, enum err rc, int64_t id)
{
    struct store *st = auth_ctx(r)->st;
    json_t *out = NULL;
    if ((rc = record_tx_end(st, rc)) || (rc = transfer_json(st, id, &out)))
        return rc;
    resp_json(r, 200, out);
    return ERR_OK;
}

static enum err
post_assign(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct assign_req q = {0};
    int64_t id, entry = 0;
    char target[48];
    enum err rc = record_path_id(r, ERR_TRANSFER_NOT_FOUND, &id);
    if (rc || (rc = read_assign(r, a->st, &q)) || (rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "bank_transfer", id);
    rc = transfer_assign(a->st, id, q.customer_id, q.invoice_id, q.note,
                         a->actor, &entry);
    if (!rc)
        rc = auth_audit(
            r, a->st, NULL, "transfer.assign", target,
            json_pack("{s:I, s:o, s:I}", "customer_id",
                      (json_int_t)q.customer_id, "invoice_id",
                      q.invoice_id ? json_integer(q.invoice_id) : json_null(),
                      "entry_id", (json_int_t)entry));
    return answer(r, rc, id);
}

static enum err
post_dismiss(struct req *r)
{
    static const char *const allowed[] = {"reason", NULL};
    struct auth_ctx *a = auth_ctx(r);
    struct jcheck k;
    const char *reason = NULL;
    int64_t id;
    char target[48];
    json_t *b;
    enum err rc = record_path_id(r, ERR_TRANSFER_NOT_FOUND, &id);
    if (rc || (rc = req_json_object(r, &b)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "reason", LEDGER_NOTE_MAX, JSTR_REQUIRED, &reason);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    record_target(target, sizeof(target), "bank_transfer", id);
    if (!(rc = transfer_dismiss(a->st, id, reason, a->actor)))
        rc = auth_audit(r, a->st, NULL, "transfer.dismiss", target,
                        json_pack("{s:s}", "reason", reason));
    return answer(r, rc, id);
}

const struct route transfers_routes[] = {
    {"GET", "/api/v1/bank-transfers", get_transfers, 0, "payments.read", NULL,
     0},
    {"GET", "/api/v1/bank-transfers/{id}", get_transfer, 0, "payments.read",
     NULL, 0},
    {"POST", "/api/v1/bank-transfers/{id}/assign", post_assign,
     TRANSFER_BODY_MAX, "payments.write", "transfer.assign", 0},
    {"POST", "/api/v1/bank-transfers/{id}/dismiss", post_dismiss,
     TRANSFER_BODY_MAX, "payments.write", "transfer.dismiss", 0},
    ROUTES_END,
};
