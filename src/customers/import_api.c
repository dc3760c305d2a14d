/*
 * import_api.c — 顧客台帳の取込 over HTTP.
 *
 *   POST /api/v1/imports/customers    customers.write, audit
 *                                     customer.import
 *
 * The body is the file itself, as a browser's fetch(file) sends it:
 * Content-Type text/csv (also application/csv, text/plain,
 * application/vnd.ms-excel — what Windows calls a .csv — and
 * application/octet-stream), at most IMPORT_BYTES_MAX bytes. Options are
 * query parameters, so any client can send them with the file:
 *
 *   dry_run   true: check and report, write nothing (default false)
 *   charset   auto (default) | utf-8 | shift_jis; else the Content-Type's
 *             charset parameter, else detected
 *   header    true (default): the first row holds the headings
 *   mapping   a JSON object {"heading or column number": "target"}
 *             (URL-encoded); absent: headings matched by name
 *
 * Answers: 200 with the summary (import.h) for a dry run, also when rows
 * have errors; 200 with "imported" for a real run that wrote everything;
 * 422 import.rows_invalid with the same error list (problem errors[],
 * each with line, field, column, code, message) when any row failed and
 * nothing was written; 422 import.charset / import.format /
 * import.mapping when the file cannot be read as described.
 */
#include "auth/auth.h"
#include "core/arena.h"
#include "customers/import.h"
#include "http/http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAPPING_QUERY_MAX 16384 /* bytes of the mapping parameter */

/* Media types a CSV file arrives with; the charset parameter, if any,
 * into *cs. */
static bool
media_ok(const char *ct, enum charset *cs)
{
    static const char *const types[] = {"text/csv",
                                        "application/csv",
                                        "text/plain",
                                        "text/comma-separated-values",
                                        "application/vnd.ms-excel",
                                        "application/octet-stream",
                                        NULL};
    if (!ct)
        return false;
    size_t n = strcspn(ct, "; \t");
    bool ok = false;
    for (int i = 0; types[i] && !ok; i++)
        ok = strlen(types[i]) == n && !strncasecmp(ct, types[i], n);
    const char *p = strcasestr(ct, "charset=");
    char name[32];
    if (ok && p) {
        p += strlen("charset=");
        p += *p == '"';
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(p, "; \t\""), p);
        charset_parse(name, cs); /* an unknown one: detect */
    }
    return ok;
}

/* A true/false query parameter (absent: def). */
static void
bool_param(struct req *r, struct jcheck *k, const char *name, bool def,
           bool *out)
{
    const char *v = req_query(r, name);
    *out = def;
    if (!v)
        return;
    if (!strcmp(v, "true") || !strcmp(v, "1"))
        *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "0"))
        *out = false;
    else
        jcheck_add(k, name, "type", "true か false を指定してください");
}

static void
decref_cleanup(void *p)
{
    json_decref(p);
}

static enum err
read_mapping(struct req *r, struct import_opts *o)
{
    const char *m = req_query(r, "mapping");
    json_t *v = NULL;
    if (!m || !*m)
        return ERR_OK;
    if (strlen(m) > MAPPING_QUERY_MAX || json_parse(m, strlen(m), &v) ||
        !json_is_object(v)) {
        json_decref(v);
        return err_fail(ERR_IMPORT_MAPPING,
                        "mapping は {\"見出し\": \"項目\"} の形の JSON "
                        "オブジェクトで指定してください");
    }
    arena_defer(req_arena(r), decref_cleanup, v);
    o->mapping = v;
    return ERR_OK;
}

static enum err
read_opts(struct req *r, struct import_opts *o, bool *dry_run)
{
    struct jcheck k;
    const char *cs = req_query(r, "charset");
    memset(o, 0, sizeof(*o));
    if (!media_ok(req_header(r, "Content-Type"), &o->charset))
        return err_fail(ERR_HTTP_MEDIA_TYPE,
                        "send the file as text/csv (the body is the file)");
    jcheck_init(&k);
    bool_param(r, &k, "dry_run", false, dry_run);
    bool_param(r, &k, "header", true, &o->header);
    if (cs && !charset_parse(cs, &o->charset))
        jcheck_add(&k, "charset", "unknown",
                   "auto、utf-8、shift_jis のいずれかを指定してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return read_mapping(r, o);
}

static enum err
audit_hook(void *arg, struct store *st, json_t *detail)
{
    return auth_audit(arg, st, NULL, "customer.import", "customers", detail);
}

/* A failed run: its error list as the problem's errors[]. */
static enum err
rows_problem(struct req *r, enum err rc, json_t *summary)
{
    char detail[256];
    struct jcheck k;
    snprintf(detail, sizeof(detail), "%s", err_detail());
    k.errors = json_incref(json_object_get(summary, "errors"));
    json_decref(summary);
    req_invalid(r, &k);
    return err_fail(rc, "%s", detail);
}

static enum err
post_import(struct req *r)
{
    struct import_opts o;
    struct import *im;
    json_t *summary = NULL;
    bool dry_run;
    size_t n;
    enum err rc = read_opts(r, &o, &dry_run);
    if (rc)
        return rc;
    const char *body = req_body(r, &n);
    if ((rc = import_open(body, n, &o, &im)))
        return rc;
    rc = import_run(auth_ctx(r)->st, im, dry_run, audit_hook, r, &summary);
    import_free(im);
    if (rc == ERR_IMPORT_ROWS && dry_run)
        rc = ERR_OK; /* the report is the answer */
    if (rc && summary)
        return rows_problem(r, rc, summary);
    if (rc)
        return rc;
    resp_json(r, 200, summary);
    return ERR_OK;
}

const struct route import_routes[] = {
    {"POST", "/api/v1/imports/customers", post_import, IMPORT_BYTES_MAX,
     "customers.write", "customer.import", 0},
    ROUTES_END,
};
