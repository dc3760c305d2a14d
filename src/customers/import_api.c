/*
 * import_api.c — 顧客台帳の取込 over HTTP.
 *
 *   POST /api/v1/imports/customers    customers.write, audit
 *                                     customer.import
 *
 * The body is the file itself, at most IMPORT_BYTES_MAX bytes; the media
 * types and query options (dry_run, charset, header, mapping) are every
 * import's (import_http.h).
 *
 * Answers: 200 with the summary (import.h) for a dry run, also when rows
 * have errors; 200 with "imported" for a real run that wrote everything;
 * 422 import.rows_invalid with the same error list (problem errors[],
 * each with line, field, column, code, message) when any row failed and
 * nothing was written; 422 import.charset / import.format /
 * import.mapping when the file cannot be read as described.
 */
#include "auth/auth.h"
#include "customers/import.h"
#include "customers/import_http.h"
#include "http/http.h"

static enum err
audit_hook(void *arg, struct store *st, json_t *detail)
{
    return auth_audit(arg, st, NULL, "customer.import", "customers", detail);
}

static enum err
post_import(struct req *r)
{
    struct import_request q;
    struct import *im;
    json_t *summary = NULL;
    size_t n;
    enum err rc = import_request_read(r, &q);
    if (rc)
        return rc;
    struct import_opts o = {q.charset, q.header, q.mapping};
    const char *body = req_body(r, &n);
    if ((rc = import_open(body, n, &o, &im)))
        return rc;
    rc = import_run(auth_ctx(r)->st, im, q.dry_run, audit_hook, r, &summary);
    import_free(im);
    return import_request_answer(r, rc, &q, summary);
}

const struct route import_routes[] = {
    {"POST", "/api/v1/imports/customers", post_import, IMPORT_BYTES_MAX,
     "customers.write", "customer.import", 0},
    ROUTES_END,
};
