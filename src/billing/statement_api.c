/*
 * statement_api.c — statements out over HTTP (料金明細書・業者向けデータ).
 *
 *   GET /api/v1/invoices/{id}/statement.pdf       billing.read
 *       one invoice's 料金明細書 (A4), inline.
 *   GET /api/v1/billing-runs/{id}/statements.pdf  billing.read
 *       a run's issued invoices, one page each, by invoice number, in one
 *       PDF. Paged for large runs: ?after=<invoice number>&limit=1..1000
 *       (default 1000); X-Statements-Count says how many are in the file
 *       and X-Statements-Next, when more follow, the after= of the next
 *       file. Audited (billing.statements): personal data leaves in bulk.
 *   GET /api/v1/billing-runs/{id}/export.csv      customers.export and
 *       billing.read; ?charset=utf-8 (default, with BOM) | shift_jis. The
 *       print/mail vendors' CSV (export_csv.c), X-Export-Rows and, for
 *       Shift_JIS, X-Export-Substituted. Audited (billing.export) before
 *       the file is sent; if the entry cannot be written nothing is sent.
 *
 * The invoice JSON comes from invoice_json() (run.h); rendering is
 * statement_pdf.c's. One renderer per request: fonts are loaded once and
 * shared by every page of a bulk file.
 */
#include "auth/auth.h"
#include "billing/run.h"
#include "billing/statement.h"
#include "billing/statement_pdf.h"
#include "core/arena.h"
#include "customers/records_api.h"
#include "http/http.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A non-negative integer query value (absent: def) within [lo, hi]; a
 * field error on k otherwise. */
static void
query_int(struct req *r, struct jcheck *k, const char *name, int64_t def,
          int64_t lo, int64_t hi, int64_t *out)
{
    const char *s = req_query(r, name);
    char *end = NULL;
    char msg[96];
    long long v;
    *out = def;
    if (!s)
        return;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi) {
        snprintf(msg, sizeof(msg),
                 "%lld 以上 %lld 以下の整数で指定してください", (long long)lo,
                 (long long)hi);
        jcheck_add(k, name, "range", msg);
        return;
    }
    *out = v;
}

static void
send_pdf(struct req *r, const struct buf *pdf, const char *disposition,
         const char *name)
{
    char h[160];
    snprintf(h, sizeof(h), "%s; filename=\"%s\"", disposition, name);
    resp_header(r, "Content-Disposition", h);
    resp_header(r, "Cache-Control", "private, no-store");
    resp_bytes(r, 200, "application/pdf", pdf->data, pdf->len);
}

/* The invoice's JSON; a correction needs the number it corrects
 * (invoice_json adds corrects_number). */
static enum err
get_invoice_pdf(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    int64_t id;
    json_t *inv = NULL;
    struct buf pdf;
    char name[64];
    enum err rc = record_path_id(r, ERR_INVOICE_NOT_FOUND, &id);
    if (rc)
        return rc;
    if ((rc = invoice_json(a->st, id, &inv)))
        return rc;
    buf_init(&pdf, STATEMENT_ONE_MAX);
    rc = statement_pdf(inv, &pdf);
    if (!rc) {
        snprintf(name, sizeof(name), "statement-%lld.pdf",
                 (long long)json_integer_value(json_object_get(inv, "number")));
        send_pdf(r, &pdf, "inline", name);
    }
    json_decref(inv);
    buf_free(&pdf);
    return rc;
}

struct bulk {
    int64_t run, after, limit;
    int64_t ids[STATEMENT_PAGE_MAX], nums[STATEMENT_PAGE_MAX];
    size_t n;
    bool more;
};

/* Render b's invoices into pdf with one renderer. */
static enum err
render_bulk(struct store *st, const struct bulk *b, struct buf *pdf)
{
    struct statement_renderer *sr = statement_renderer_new();
    enum err rc = statement_begin(sr, pdf, STATEMENT_A4), rc2;
    for (size_t i = 0; !rc && i < b->n; i++) {
        json_t *inv = NULL;
        if (!(rc = invoice_json(st, b->ids[i], &inv)))
            rc = statement_add(sr, inv);
        json_decref(inv);
    }
    rc2 = statement_end(sr);
    statement_renderer_free(sr);
    return rc ? rc : rc2;
}

/* Headers of a bulk file: how many, where the next file starts, name. */
static void
bulk_send(struct req *r, const struct bulk *b, const struct buf *pdf)
{
    char v[32], name[96];
    snprintf(v, sizeof(v), "%zu", b->n);
    resp_header(r, "X-Statements-Count", v);
    if (b->more) {
        snprintf(v, sizeof(v), "%lld", (long long)b->nums[b->n - 1]);
        resp_header(r, "X-Statements-Next", v);
    }
    snprintf(name, sizeof(name), "statements-run%lld-%lld.pdf",
             (long long)b->run, (long long)(b->n ? b->nums[0] : 0));
    send_pdf(r, pdf, "attachment", name);
}

static enum err
get_run_pdf(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct bulk *b = arena_alloc(req_arena(r), sizeof(*b));
    struct jcheck k;
    struct buf pdf;
    char target[48];
    enum err rc = record_path_id(r, ERR_BILLING_RUN_NOT_FOUND, &b->run);
    if (rc)
        return rc;
    jcheck_init(&k);
    query_int(r, &k, "after", 0, 0, INT64_MAX, &b->after);
    query_int(r, &k, "limit", STATEMENT_PAGE_MAX, 1, STATEMENT_PAGE_MAX,
              &b->limit);
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    if ((rc = statement_run_check(a->st, b->run)) ||
        (rc = statement_run_invoices(a->st, b->run, b->after, (size_t)b->limit,
                                     b->ids, b->nums, &b->n, &b->more)))
        return rc;
    buf_init(&pdf, STATEMENT_PDF_MAX);
    rc = render_bulk(a->st, b, &pdf);
    record_target(target, sizeof(target), "billing_run", b->run);
    if (!rc)
        rc = auth_audit(r, a->st, NULL, "billing.statements", target,
                        json_pack("{s:I, s:I, s:b}", "statements",
                                  (json_int_t)b->n, "after",
                                  (json_int_t)b->after, "more", b->more));
    if (!rc)
        bulk_send(r, b, &pdf);
    buf_free(&pdf);
    return rc;
}

/* ?charset= of the CSV: utf-8 (default) or shift_jis. */
static enum err
csv_charset(struct req *r, enum charset *cs)
{
    const char *c = req_query(r, "charset");
    struct jcheck k;
    *cs = CHARSET_UTF8;
    if (!c || !*c)
        return ERR_OK;
    if (charset_parse(c, cs) && *cs != CHARSET_AUTO)
        return ERR_OK;
    jcheck_init(&k);
    jcheck_add(&k, "charset", "unknown",
               "utf-8 または shift_jis を指定してください");
    return req_invalid(r, &k);
}

static enum err
get_run_csv(struct req *r)
{
    struct auth_ctx *a = auth_ctx(r);
    struct export_csv_result res;
    enum charset cs;
    int64_t run;
    char target[48], h[128];
    enum err rc = record_path_id(r, ERR_BILLING_RUN_NOT_FOUND, &run);
    if (rc)
        return rc;
    if (!auth_allows(a, "billing.read"))
        return err_fail(ERR_AUTH_FORBIDDEN, "export needs billing.read");
    if ((rc = csv_charset(r, &cs)) || (rc = statement_run_check(a->st, run)))
        return rc;
    if ((rc = export_run_csv(a->st, run, cs, &res)))
        return rc;
    record_target(target, sizeof(target), "billing_run", run);
    rc = auth_audit(r, a->st, NULL, "billing.export", target,
                    json_pack("{s:s, s:I, s:I}", "charset", charset_name(cs),
                              "rows", (json_int_t)res.rows, "substituted",
                              (json_int_t)res.substituted));
    if (!rc) {
        snprintf(h, sizeof(h), "attachment; filename=\"run%lld-%s.csv\"",
                 (long long)run, cs == CHARSET_SJIS ? "sjis" : "utf8");
        resp_header(r, "Content-Disposition", h);
        snprintf(h, sizeof(h), "%zu", res.rows);
        resp_header(r, "X-Export-Rows", h);
        if (cs == CHARSET_SJIS) {
            snprintf(h, sizeof(h), "%zu", res.substituted);
            resp_header(r, "X-Export-Substituted", h);
        }
        resp_bytes(r, 200,
                   cs == CHARSET_SJIS ? "text/csv; charset=Shift_JIS"
                                      : "text/csv; charset=utf-8",
                   res.data.data, res.data.len);
    }
    buf_free(&res.data);
    return rc;
}

const struct route statement_routes[] = {
    {"GET", "/api/v1/invoices/{id}/statement.pdf", get_invoice_pdf, 0,
     "billing.read", NULL, 0},
    {"GET", "/api/v1/billing-runs/{id}/statements.pdf", get_run_pdf, 0,
     "billing.read", "billing.statements", 0},
    {"GET", "/api/v1/billing-runs/{id}/export.csv", get_run_csv, 0,
     "customers.export", "billing.export", 0},
    ROUTES_END,
};
