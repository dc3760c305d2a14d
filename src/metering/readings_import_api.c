/*
 * readings_import_api.c — 検針値の取込 over HTTP.
 *
 *   POST /api/v1/imports/readings     readings.manage, audit
 *                                     reading.import
 *
 * The body is the file itself, as a browser's fetch(file) sends it:
 * Content-Type text/csv (also application/csv, text/plain,
 * application/vnd.ms-excel — what Windows calls a .csv — and
 * application/octet-stream), at most READINGS_IMPORT_BYTES_MAX bytes.
 * Options are query parameters:
 *
 *   dry_run   true: check and report, write nothing (default false)
 *   charset   auto (default) | utf-8 | shift_jis; else the Content-Type's
 *             charset parameter, else detected
 *   header    true (default): the first row holds the headings
 *   mapping   a JSON object {"heading or column number": "target"}
 *             (URL-encoded); absent: headings matched by name
 *
 * Answers: 200 with the summary (readings_import.h) for a dry run, also
 * when rows have errors; 200 with "imported" for a real run that wrote
 * everything; 422 import.rows_invalid with the same list as problem
 * errors[] (line, field, column, code, message) when any row failed and
 * nothing was written; 422 import.charset / import.format /
 * import.mapping when the file cannot be read as described.
 */
#include "auth/auth.h"
#include "core/arena.h"
#include "http/http.h"
#include "metering/readings_import.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAPPING_QUERY_MAX 16384 /* bytes of the mapping parameter */

/* A CSV file's media type; its charset parameter, if any, into *cs. */
static bool
csv_media(const char *ct, enum charset *cs)
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
    if (ok && p) {
        char name[32];
        p += strlen("charset=");
        p += *p == '"';
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(p, "; \t\""), p);
        charset_parse(name, cs); /* an unknown one: detect */
    }
    return ok;
}

/* A true/false query parameter (absent: def). */
static void
flag_param(struct req *r, struct jcheck *k, const char *name, bool def,
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
mapping_param(struct req *r, struct readings_import_opts *o)
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
options(struct req *r, struct readings_import_opts *o, bool *dry_run)
{
    struct jcheck k;
    const char *cs = req_query(r, "charset");
    memset(o, 0, sizeof(*o));
    if (!csv_media(req_header(r, "Content-Type"), &o->charset))
        return err_fail(ERR_HTTP_MEDIA_TYPE,
                        "send the file as text/csv (the body is the file)");
    jcheck_init(&k);
    flag_param(r, &k, "dry_run", false, dry_run);
    flag_param(r, &k, "header", true, &o->header);
    if (cs && !charset_parse(cs, &o->charset))
        jcheck_add(&k, "charset", "unknown",
                   "auto、utf-8、shift_jis のいずれかを指定してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return mapping_param(r, o);
}

static enum err
audit_hook(void *arg, struct store *st, json_t *detail)
{
    return auth_audit(arg, st, NULL, "reading.import", "readings", detail);
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
    struct readings_import_opts o;
    struct readings_import *im;
    json_t *summary = NULL;
    bool dry_run;
    size_t n;
    enum err rc = options(r, &o, &dry_run);
    if (rc)
        return rc;
    const char *body = req_body(r, &n);
    if ((rc = readings_import_open(body, n, &o, &im)))
        return rc;
    struct auth_ctx *a = auth_ctx(r);
    rc = readings_import_run(a->st, im, dry_run, a->actor, audit_hook, r,
                             &summary);
    readings_import_free(im);
    if (rc == ERR_IMPORT_ROWS && dry_run)
        rc = ERR_OK; /* the report is the answer */
    if (rc && summary)
        return rows_problem(r, rc, summary);
    if (rc)
        return rc;
    resp_json(r, 200, summary);
    return ERR_OK;
}

const struct route readings_import_routes[] = {
    {"POST", "/api/v1/imports/readings", post_import, READINGS_IMPORT_BYTES_MAX,
     "readings.manage", "reading.import", 0},
    ROUTES_END,
};
