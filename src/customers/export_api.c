/*
 * export_api.c — 顧客台帳の出力 over HTTP.
 *
 *   GET /api/v1/exports/customers        customers.export
 *   GET /api/v1/exports/customers/full   customers.export + customers.bank,
 *                                        step-up, the tenant's own people
 *                                        only (口座情報付き: full account
 *                                        numbers)
 *
 * Query: format csv (UTF-8 with BOM, default) | csv_sjis | xlsx; q (the
 * search box's text, as GET /api/v1/customers?q=) and status narrow the
 * customers. The file comes as an attachment named 顧客台帳_YYYYMMDD.csv
 * (RFC 5987 filename* with an ASCII fallback), with X-Export-Rows (and,
 * for Shift_JIS, X-Export-Substituted: characters written as 〓). Every
 * export is audited (customer.export: format, rows, filters, whether bank
 * details were in it) before the file is sent; if the entry cannot be
 * written, no file is sent.
 */
#include "auth/auth.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "customers/export.h"
#include "http/http.h"
#include "store/pool.h"

#include <stdio.h>
#include <string.h>

static enum err
read_opts(struct req *r, struct export_opts *o)
{
    struct jcheck k;
    const char *f = req_query(r, "format");
    memset(o, 0, sizeof(*o));
    o->q = req_query(r, "q");
    o->status = req_query(r, "status");
    if (o->q && !*o->q)
        o->q = NULL;
    if (o->status && !*o->status)
        o->status = NULL;
    jcheck_init(&k);
    if (f && *f && !export_format_parse(f, &o->format))
        jcheck_add(&k, "format", "unknown",
                   "csv、csv_sjis、xlsx のいずれかを指定してください");
    if (o->q && utf8_chars(o->q) > 100)
        jcheck_add(&k, "q", "format", "100 文字以内で入力してください");
    if (o->status && !customer_status_valid(o->status))
        jcheck_add(&k, "status", "unknown",
                   "active、suspended、closed のいずれかを指定してください");
    if (!jcheck_ok(&k))
        return req_invalid(r, &k);
    jcheck_free(&k);
    return ERR_OK;
}

/* attachment; filename="customers_….csv"; filename*=UTF-8''%E9%A1%A7… */
static void
disposition(struct req *r, const char *name, const char *ascii)
{
    static const char hex[] = "0123456789ABCDEF";
    char enc[512], hdr[768];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name;
         *p && n + 4 < sizeof(enc); p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || strchr("-._", *p)) {
            enc[n++] = (char)*p;
        } else {
            enc[n++] = '%';
            enc[n++] = hex[*p >> 4];
            enc[n++] = hex[*p & 15];
        }
    }
    enc[n] = '\0';
    snprintf(hdr, sizeof(hdr),
             "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
    resp_header(r, "Content-Disposition", hdr);
}

static void
send_file(struct req *r, const struct export_opts *o,
          const struct export_result *res)
{
    char name[128], ascii[128], today[11], n[32];
    time_today_jst(today);
    export_filename(o->format, o->bank, today, name, ascii, sizeof(name));
    disposition(r, name, ascii);
    snprintf(n, sizeof(n), "%zu", res->rows);
    resp_header(r, "X-Export-Rows", n);
    if (o->format == EXPORT_CSV_SJIS) {
        snprintf(n, sizeof(n), "%zu", res->substituted);
        resp_header(r, "X-Export-Substituted", n);
    }
    resp_bytes(r, 200, export_content_type(o->format), res->data.data,
               res->data.len);
}

static enum err export(struct req *r, bool bank) {
    struct auth_ctx *a = auth_ctx(r); struct export_opts o;
    struct export_result res;
    char tmp[4096];
    if (bank && !auth_allows(a, "customers.bank")) return err_fail(
        ERR_AUTH_FORBIDDEN, "bank details need customers.bank");
    enum err rc = read_opts(r, &o);
    if (rc) return rc;
    o.bank = bank;
    snprintf(tmp, sizeof(tmp), "%s/tmp", pool_data_dir());
    o.tmp_dir = tmp;
    if ((rc = export_customers(a->st, &o, &res))) return rc;
    rc = auth_audit(r, a->st, NULL, "customer.export", "customers",
                    json_pack("{s:s, s:I, s:b, s:s?, s:s?, s:I}", "format",
                              export_format_name(o.format), "rows",
                              (json_int_t)res.rows, "bank", bank, "q", o.q,
                              "status", o.status, "substituted",
                              (json_int_t)res.substituted));
    if (!rc) send_file(r, &o, &res);
    buf_free(&res.data);
    return rc;
}

static enum err
get_export(struct req *r)
{
    return export(r, false);
}

static enum err
get_export_full(struct req *r)
{
    return export(r, true);
}

const struct route export_routes[] = {
    {"GET", "/api/v1/exports/customers", get_export, 0, "customers.export",
     "customer.export", 0},
    {"GET", "/api/v1/exports/customers/full", get_export_full, 0,
     "customers.export", "customer.export", ROUTE_STEP_UP | ROUTE_NO_SUPPORT},
    ROUTES_END,
};
