/*
 * slip_api.c — the reading slip (検針票) over HTTP.
 *
 *   GET /api/v1/readings/{id}/slip      readings.read → the slip's JSON
 *                                       (slip.h)
 *   GET /api/v1/readings/{id}/slip.pdf  readings.read → the slip as an
 *                                       80 mm roll PDF, inline
 *
 * Meter readers print slips in the field (and the office reprints them),
 * so the permission is readings.read, not billing.read: a slip is a quote
 * for one reading — the gas charges of that reading, priced as the
 * billing run prices them — never an invoice, and it names no invoice,
 * balance or other charge. Nothing is written and nothing is audited (a
 * single reading, like GET /readings/{id}).
 *
 * Errors: metering.reading_not_found (an unknown id, another tenant's, or
 * an id that is not a positive decimal number), the slip's own codes
 * billing.slip_* (810–814) and billing.tariff_invalid, each with a Japanese
 * detail. The renderer is statement_pdf.c's STATEMENT_SLIP format.
 */
#include "auth/auth.h"
#include "billing/slip.h"
#include "billing/statement_pdf.h"
#include "core/timeutil.h"
#include "customers/records_api.h"
#include "http/http.h"

#include <stdio.h>
#include <string.h>

#define SLIP_ID_DIGITS_MAX 18 /* fits int64_t */

/* The {id} of the path: digits only, no sign, no leading zero, at most
 * SLIP_ID_DIGITS_MAX of them; metering.reading_not_found otherwise. */
static enum err
slip_path_id(struct req *r, int64_t *id)
{
    const char *s = req_param(r, "id");
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > SLIP_ID_DIGITS_MAX || s[0] == '0' ||
        strspn(s, "0123456789") != n)
        return err_fail(ERR_READING_NOT_FOUND, "no such reading");
    return record_path_id(r, ERR_READING_NOT_FOUND, id);
}

/* The slip of the path's reading, priced as of today (JST). */
static enum err
slip_of(struct req *r, json_t **out)
{
    int64_t id;
    char today[11];
    enum err rc = slip_path_id(r, &id);
    if (rc)
        return rc;
    time_today_jst(today);
    return slip_json(auth_ctx(r)->st, id, today, out);
}

static enum err
get_slip(struct req *r)
{
    json_t *out = NULL;
    enum err rc = slip_of(r, &out);
    if (!rc) {
        resp_header(r, "Cache-Control", "private, no-store");
        resp_json(r, 200, out);
    }
    return rc;
}

/* One slip as one PDF page. */
static enum err
slip_pdf(const json_t *slip, struct buf *pdf)
{
    struct statement_renderer *sr = statement_renderer_new();
    enum err rc = statement_begin(sr, pdf, STATEMENT_SLIP), rc2;
    if (!rc)
        rc = statement_add(sr, slip);
    rc2 = statement_end(sr);
    statement_renderer_free(sr);
    return rc ? rc : rc2;
}

static enum err
get_slip_pdf(struct req *r)
{
    json_t *slip = NULL;
    struct buf pdf;
    char h[96];
    enum err rc = slip_of(r, &slip);
    if (rc)
        return rc;
    buf_init(&pdf, SLIP_PDF_MAX);
    if (!(rc = slip_pdf(slip, &pdf))) {
        snprintf(
            h, sizeof(h), "inline; filename=\"slip-%lld.pdf\"",
            (long long)json_integer_value(json_object_get(slip, "reading_id")));
        resp_header(r, "Content-Disposition", h);
        resp_header(r, "Cache-Control", "private, no-store");
        resp_bytes(r, 200, "application/pdf", pdf.data, pdf.len);
    }
    json_decref(slip);
    buf_free(&pdf);
    return rc;
}

const struct route slip_routes[] = {
    {"GET", "/api/v1/readings/{id}/slip", get_slip, 0, "readings.read", NULL,
     0},
    {"GET", "/api/v1/readings/{id}/slip.pdf", get_slip_pdf, 0, "readings.read",
     NULL, 0},
    ROUTES_END,
};
