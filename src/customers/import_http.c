/*
 * import_http.c — the request side of every file import (see
 * import_http.h): media type, query options, the mapping, and the answer.
 */
#include "core/arena.h"
#include "customers/import_http.h"
#include "http/http.h"

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
mapping_param(struct req *r, struct import_request *o)
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

enum err
import_request_read(struct req *r, struct import_request *o)
{
    struct jcheck k;
    const char *cs = req_query(r, "charset");
    memset(o, 0, sizeof(*o));
    if (!csv_media(req_header(r, "Content-Type"), &o->charset))
        return err_fail(ERR_HTTP_MEDIA_TYPE,
                        "send the file as text/csv (the body is the file)");
    jcheck_init(&k);
    flag_param(r, &k, "dry_run", false, &o->dry_run);
    flag_param(r, &k, "header", true, &o->header);
    if (cs && !charset_parse(cs, &o->charset))
        jcheck_add(&k, "charset", "unknown",
                   "auto、utf-8、shift_jis のいずれかを指定してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return mapping_param(r, o);
}

enum err
import_request_answer(struct req *r, enum err rc,
                      const struct import_request *o, json_t *summary)
{
    if (rc == ERR_IMPORT_ROWS && o->dry_run)
        rc = ERR_OK; /* the report is the answer */
    if (!rc) {
        resp_json(r, 200, summary);
        return ERR_OK;
    }
    if (!summary)
        return rc;
    char detail[256];
    struct jcheck k; /* the run's error list as the problem's errors[] */
    snprintf(detail, sizeof(detail), "%s", err_detail());
    k.errors = json_incref(json_object_get(summary, "errors"));
    json_decref(summary);
    req_invalid(r, &k);
    return err_fail(rc, "%s", detail);
}
