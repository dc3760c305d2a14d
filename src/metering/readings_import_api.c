/*
 * readings_import_api.c — 検針値の取込 over HTTP.
 *
 *   POST /api/v1/imports/readings     readings.manage, audit
 *                                     reading.import
 *
 * The body is the file itself, at most READINGS_IMPORT_BYTES_MAX bytes;
 * the media types and query options (dry_run, charset, header, mapping)
 * are every import's (import_http.h).
 *
 * Answers: 200 with the summary (readings_import.h) for a dry run, also
 * when rows have errors; 200 with "imported" for a real run that wrote
 * everything; 422 import.rows_invalid with the same list as problem
 * errors[] (line, field, column, code, message) when any row failed and
 * nothing was written; 422 import.charset / import.format /
 * import.mapping when the file cannot be read as described.
 */
#include "auth/auth.h"
#include "customers/import_http.h"
#include "http/http.h"
#include "metering/readings_import.h"

static enum err
audit_hook(void *arg, struct store *st, json_t *detail)
{
    return auth_audit(arg, st, NULL, "reading.import", "readings", detail);
}

static enum err
post_import(struct req *r)
{
    struct import_request q;
    struct readings_import *im;
    json_t *summary = NULL;
    size_t n;
    enum err rc = import_request_read(r, &q);
    if (rc)
        return rc;
    struct readings_import_opts o = {
        .charset = q.charset, .header = q.header, .mapping = q.mapping};
    const char *body = req_body(r, &n);
    if ((rc = readings_import_open(body, n, &o, &im)))
        return rc;
    struct auth_ctx *a = auth_ctx(r);
    rc = readings_import_run(a->st, im, q.dry_run, a->actor, audit_hook, r,
                             &summary);
    readings_import_free(im);
    return import_request_answer(r, rc, &q, summary);
}

const struct route readings_import_routes[] = {
    {"POST", "/api/v1/imports/readings", post_import, READINGS_IMPORT_BYTES_MAX,
     "readings.manage", "reading.import", 0},
    ROUTES_END,
};
