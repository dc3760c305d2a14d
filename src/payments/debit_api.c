/*
 * debit_api.c — direct debit (口座振替) over HTTP (debit.h).
 *
 *   GET  /api/v1/settings/payments            payments.read
 *        the collection contract (委託者コード, 取引銀行, line ending,
 *        combined or per-bank files)
 *   PUT  /api/v1/settings/payments            payments.write, step-up,
 *        the tenant's own people only (settings.payments): where the
 *        money goes
 *   POST /api/v1/debit-requests               payments.write → 201
 *        {"run_id" | "month" (+ "groups"), "debit_on", "bank_code"?,
 *        "preview"?} (debit_request.create; a preview answers 200 and
 *        stores nothing)
 *   GET  /api/v1/debit-requests               payments.read ?after=&limit=
 *   GET  /api/v1/debit-requests/{id}          payments.read
 *   GET  /api/v1/debit-requests/{id}/lines    payments.read
 *        ?status=pending|debited|failed&after=&limit=
 *   GET  /api/v1/debit-requests/{id}/file     payments.debit_file (and
 *        payments.write), step-up, the tenant's own people only, ?file=N:
 *        the Zengin file with the account numbers (debit_request.download)
 *   POST /api/v1/debit-requests/{id}/result   payments.write, the bank's
 *        file as the body (application/octet-stream or text/plain),
 *        ?dry_run=&file= (debit_result.import)
 *   POST /api/v1/debit-requests/{id}/cancel   payments.write {"reason"}
 *        (debit_request.cancel)
 *
 * The download is the one place account numbers leave: `accountant` and
 * `admin` hold payments.debit_file, `office` does not; API tokens and
 * support grants never reach it.
 */
#include "auth/auth.h"
#include "core/timeutil.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "payments/debit.h"
#include "payments/payments_http.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DEBIT_BODY_MAX (8 * 1024)

static enum err
api_audit(void *arg, struct store *st, const char *action, const char *target,
          json_t *detail)
{
    return auth_audit(arg, st, NULL, action, target, detail);
}

/* ---------------------------------------------------------------------- */
/* Settings                                                               */
/* ---------------------------------------------------------------------- */

static enum err
get_settings(struct req *r)
{
    struct debit_settings s;
    enum err rc = debit_settings_get(auth_ctx(r)->st, &s);
    if (!rc)
        resp_json(r, 200, debit_settings_json(&s));
    return rc;
}

static enum err
put_settings(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct debit_settings s;
    struct jcheck k;
    json_t *b;
    enum err rc = req_json_object(r, &b);
    if (rc || (rc = debit_settings_get(a->st, &s)))
        return rc;
    jcheck_init(&k);
    debit_settings_read(&k, b, &s);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = store_tx_begin(a->st)))
        return rc;
    if (!(rc = debit_settings_put(a->st, &s)))
        rc = auth_audit(r, a->st, NULL, "settings.payments", "payments",
                        debit_settings_json(&s));
    if ((rc = record_tx_end(a->st, rc)))
        return rc;
    resp_json(r, 200, debit_settings_json(&s));
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Making a request                                                       */
/* ---------------------------------------------------------------------- */

struct create_body {
    struct debit_request_in in;
    int64_t groups[DEBIT_GROUPS_MAX];
    char debit_on[11];
};

/* "groups": [20, 25] into q. */
static void
read_groups(struct jcheck *k, const json_t *b, struct create_body *q)
{
    const json_t *g = json_object_get(b, "groups"), *v;
    size_t i;
    if (!g || json_is_null(g))
        return;
    if (!json_is_array(g) || json_array_size(g) > DEBIT_GROUPS_MAX) {
        jcheck_add(k, "groups", "format",
                   "請求グループ（締め日 1〜31）の配列で指定してください");
        return;
    }
    json_array_foreach(g, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > 31) {
            jcheck_add(k, "groups", "format",
                       "請求グループは 1〜31 の整数です");
            return;
        }
        q->groups[q->in.n_groups++] = json_integer_value(v);
    }
}

/* run_id or month (+ groups). */
static void
read_scope(struct jcheck *k, const json_t *b, struct create_body *q)
{
    const char *month = NULL;
    pay_body_id(k, b, "run_id", false, &q->in.run_id);
    jcheck_str(k, b, "month", 7, 0, &month);
    read_groups(k, b, q);
    q->in.groups = q->groups;
    if (month && (strlen(month) != 7 || month[4] != '-' ||
                  strspn(month, "0123456789-") != 7)) {
        jcheck_add(k, "month", "format", "請求月は YYYY-MM で指定してください");
        month = NULL;
    }
    q->in.month = month;
    if (!q->in.run_id == !month)
        jcheck_add(k, "run_id", "required",
                   "請求締めの実行番号（run_id）か請求月（month）のどちらか"
                   "一方を指定してください");
    if (q->in.run_id && q->in.n_groups)
        jcheck_add(k, "groups", "not_allowed",
                   "groups は month と一緒に指定します");
}

static enum err
read_create(struct req *r, struct create_body *q)
{
    static const char *const allowed[] = {
        "run_id", "month", "groups", "debit_on", "bank_code", "preview", NULL};
    struct jcheck k;
    json_t *b;
    const char *bank = NULL;
    enum err rc = req_json_object(r, &b);
    if (rc)
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    read_scope(&k, b, q);
    pay_body_date(&k, b, "debit_on", true, false, q->debit_on);
    if (q->debit_on[0] && !debit_business_day(q->debit_on))
        jcheck_add(&k, "debit_on", "not_business_day",
                   "振替日は銀行の営業日を指定してください（土日・祝日・"
                   "12 月 31 日〜1 月 3 日は不可）");
    jcheck_str(&k, b, "bank_code", 4, 0, &bank);
    if (bank && (strlen(bank) != 4 || strspn(bank, "0123456789") != 4))
        jcheck_add(&k, "bank_code", "format", "銀行コードは数字 4 桁です");
    const json_t *pv = json_object_get(b, "preview");
    if (pv && !json_is_boolean(pv))
        jcheck_add(&k, "preview", "format", "true か false です");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    q->in.debit_on = q->debit_on;
    q->in.bank_code = bank;
    q->in.preview = json_is_true(pv);
    return ERR_OK;
}

static enum err
post_request(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct create_body q;
    json_t *out = NULL;
    memset(&q, 0, sizeof(q));
    enum err rc = read_create(r, &q);
    if (rc)
        return rc;
    q.in.actor = a->actor;
    rc = debit_request_create(a->st, &q.in, api_audit, r, &out);
    if (!rc)
        resp_json(r, q.in.preview ? 200 : 201, out);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Reading                                                                */
/* ---------------------------------------------------------------------- */

static enum err
get_requests(struct req *r)
{
    struct jcheck k;
    int64_t after, limit;
    json_t *out = NULL;
    jcheck_init(&k);
    pay_query_int(r, &k, "after", 0, 0, INT64_MAX, &after);
    pay_query_int(r, &k, "limit", 50, 1, 500, &limit);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    enum err rc = debit_request_list(auth_ctx(r)->st, after, limit, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_request(struct req *r)
{
    int64_t id;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_DEBIT_REQUEST_NOT_FOUND, &id);
    if (!rc)
        rc = debit_request_json(auth_ctx(r)->st, id, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
get_lines(struct req *r)
{
    static const char *const statuses[] = {"pending", "debited", "failed",
                                           NULL};
    struct jcheck k;
    int64_t id, after, limit;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_DEBIT_REQUEST_NOT_FOUND, &id);
    if (rc)
        return rc;
    jcheck_init(&k);
    const char *status = pay_query_enum(r, &k, "status", statuses);
    pay_query_int(r, &k, "after", 0, 0, INT64_MAX, &after);
    pay_query_int(r, &k, "limit", 200, 1, 1000, &limit);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    rc = debit_request_lines(auth_ctx(r)->st, id, status, after, limit, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The file                                                               */
/* ---------------------------------------------------------------------- */

static enum err
get_file(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct debit_file_out f;
    struct jcheck k;
    int64_t id, file_no;
    char hdr[160];
    enum err rc = record_path_id(r, ERR_DEBIT_REQUEST_NOT_FOUND, &id);
    if (rc)
        return rc;
    if (!auth_allows(a, "payments.write"))
        return err_fail(ERR_AUTH_FORBIDDEN,
                        "口座振替ファイルの出力には payments.write も必要です");
    jcheck_init(&k);
    pay_query_int(r, &k, "file", 0, 1, 100000, &file_no);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    rc = debit_file_take(a->st, id, (int)file_no, api_audit, r, &f);
    if (rc)
        return rc;
    snprintf(hdr, sizeof(hdr), "attachment; filename=\"%s\"", f.name);
    resp_header(r, "Content-Disposition", hdr);
    resp_header(r, "Cache-Control", "no-store");
    snprintf(hdr, sizeof(hdr), "%zu", f.records);
    resp_header(r, "X-Debit-Records", hdr);
    snprintf(hdr, sizeof(hdr), "%d", f.file_no);
    resp_header(r, "X-Debit-File", hdr);
    resp_header(r, "X-Content-BLAKE2b", f.blake2b);
    resp_bytes(r, 200, "application/octet-stream", f.data.data, f.data.len);
    buf_free(&f.data);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* The result, cancelling                                                 */
/* ---------------------------------------------------------------------- */

static bool
raw_media(const char *ct)
{
    static const char *const ok[] = {"application/octet-stream", "text/plain",
                                     NULL};
    if (!ct)
        return false;
    for (size_t i = 0; ok[i]; i++) {
        size_t n = strlen(ok[i]);
        if (!strncasecmp(ct, ok[i], n) && (ct[n] == '\0' || ct[n] == ';'))
            return true;
    }
    return false;
}

static void
read_flag(struct req *r, struct jcheck *k, const char *name, bool *out)
{
    const char *v = req_query(r, name);
    *out = false;
    if (!v)
        return;
    if (!strcmp(v, "true") || !strcmp(v, "1"))
        *out = true;
    else if (strcmp(v, "false") && strcmp(v, "0"))
        jcheck_add(k, name, "format", "true か false で指定してください");
}

static enum err
post_result(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct debit_result_in in = {0};
    struct jcheck k;
    int64_t id, file_no;
    json_t *out = NULL;
    enum err rc = record_path_id(r, ERR_DEBIT_REQUEST_NOT_FOUND, &id);
    if (rc)
        return rc;
    if (!raw_media(req_header(r, "Content-Type")))
        return err_fail(ERR_HTTP_MEDIA_TYPE,
                        "振替結果ファイルは application/octet-stream で送って"
                        "ください");
    jcheck_init(&k);
    read_flag(r, &k, "dry_run", &in.dry_run);
    pay_query_int(r, &k, "file", 0, 1, 100000, &file_no);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    in.request_id = id;
    in.file_no = (int)file_no;
    in.data = req_body(r, &in.n);
    in.actor = a->actor;
    rc = debit_result_import(a->st, &in, api_audit, r, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

static enum err
post_cancel(struct req *r)
{
    static const char *const allowed[] = {"reason", NULL};
    struct auth_ctx *a = auth_ctx(r);
    struct jcheck k;
    const char *reason = NULL;
    int64_t id;
    json_t *b, *out = NULL;
    enum err rc = record_path_id(r, ERR_DEBIT_REQUEST_NOT_FOUND, &id);
    if (rc || (rc = req_json_object(r, &b)))
        return rc;
    jcheck_init(&k);
    jcheck_only(&k, b, allowed);
    jcheck_str(&k, b, "reason", 200, JSTR_REQUIRED, &reason);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    rc = debit_request_cancel(a->st, id, reason, a->actor, api_audit, r);
    if (!rc)
        rc = debit_request_json(a->st, id, &out);
    if (!rc)
        resp_json(r, 200, out);
    return rc;
}

#define R "payments.read"
#define W "payments.write"
#define B DEBIT_BODY_MAX

const struct route debit_routes[] = {
    {"GET", "/api/v1/settings/payments", get_settings, 0, R, NULL, 0},
    {"PUT", "/api/v1/settings/payments", put_settings, B, W,
     "settings.payments", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    {"POST", "/api/v1/debit-requests", post_request, B, W,
     "debit_request.create", 0},
    {"GET", "/api/v1/debit-requests", get_requests, 0, R, NULL, 0},
    {"GET", "/api/v1/debit-requests/{id}", get_request, 0, R, NULL, 0},
    {"GET", "/api/v1/debit-requests/{id}/lines", get_lines, 0, R, NULL, 0},
    {"GET", "/api/v1/debit-requests/{id}/file", get_file, 0,
     "payments.debit_file", "debit_request.download",
     ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    {"POST", "/api/v1/debit-requests/{id}/result", post_result,
     DEBIT_RESULT_BODY_MAX, W, "debit_result.import", 0},
    {"POST", "/api/v1/debit-requests/{id}/cancel", post_cancel, B, W,
     "debit_request.cancel", 0},
    ROUTES_END,
};
