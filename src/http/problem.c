/*
 * problem.c — the one mapping from enum err to an HTTP response:
 * application/problem+json (RFC 9457).
 *
 *   type    "urn:pilotlight:problem:<code>" (stable, one per error code)
 *   title   Japanese, from the error table
 *   status  the HTTP status
 *   detail  the human detail for 4xx; a generic sentence for 5xx and for
 *           any store error (SQL text such as a constraint's name): the
 *           real cause is logged with the request id, never sent
 *   code    the stable string code, e.g. "http.body_too_large"
 *   errors  field problems [{field, code, message}] when there are any
 *   request_id  to quote when contacting support
 */
#include "core/log.h"
#include "http/internal.h"

#include <stdio.h>

json_t *
problem_body(enum err e, const char *detail, json_t *field_errors,
             const char *req_id)
{
    int status = err_http_status(e);
    char count[96];
    if (!*detail && json_array_size(field_errors) > 0) {
        snprintf(count, sizeof(count), "%zu 件の項目を確認してください",
                 json_array_size(field_errors));
        detail = count;
    }
    if (status >= 500)
        detail = "問題が続く場合は request_id を添えて管理者にご連絡ください";
    else if (e >= ERR_STORE && e < 300) /* SQL text */
        detail = "入力内容が既存のデータと矛盾しています";
    char type[96];
    snprintf(type, sizeof(type), "urn:pilotlight:problem:%s", err_code(e));
    json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", type,
                          "title", err_title(e), "status", status, "detail",
                          detail, "code", err_code(e), "request_id", req_id);
    if (!p) /* detail was not valid UTF-8: drop it rather than fail */
        p = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title",
                      err_title(e), "status", status, "code", err_code(e),
                      "request_id", req_id);
    if (field_errors && json_array_size(field_errors))
        json_object_set(p, "errors", field_errors);
    return p;
}

void
problem_respond(struct req *r, enum err e)
{
    int status = err_http_status(e);
    if (status >= 500 || (e >= ERR_STORE && e < 300))
        /* the cause goes to the log, never to the client */
        log_fields(LOG_ERROR, "http.error",
                   json_pack("{s:s, s:i, s:s}", "code", err_code(e), "status",
                             status, "detail", err_detail()));
    json_t *p = problem_body(e, err_detail(), r->field_errors, r->id);
    resp_json_typed(r, status, p, "application/problem+json; charset=utf-8");
    if (e == ERR_HTTP_METHOD)
        resp_header(r, MHD_HTTP_HEADER_ALLOW, r->match.allow);
}
