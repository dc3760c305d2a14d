/*
 * reminder_pdf.c — the reminder letter (督促状・催告書・供給停止予告通知書)
 * as one A4 page, drawn with cairo's PDF surface and pango (IPAex Gothic)
 * from dunning_letter_json()'s JSON, like the statements of
 * billing/statement_pdf.c.
 *
 * The page, top to bottom: the date; the customer's address, name and
 * number (left, for a window envelope) and the retailer with its phone
 * and registration number (right); the title; the letter's text; "記";
 * the overdue invoices (number, issue date, due date, billed, unpaid);
 * the unpaid total; the date to pay by and, for a stop notice, the
 * planned stop date in red; whom to call; "以上". At most ROWS_MAX
 * invoices are listed, the rest summed in one line (the total always
 * covers all).
 *
 * Values are read defensively (a missing field prints empty); the PDF
 * bytes go through a write callback into the caller's bounded buf.
 */
#include "billing/statement_pdf.h"
#include "payments/payments.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#define PAGE_W   595.28
#define PAGE_H   841.89
#define MARGIN   50.0
#define ROW_H    16.0
#define ROWS_MAX 18

enum font { F_SMALL, F_BODY, F_BOLD, F_LARGE, F_TITLE, F_COUNT };

struct letter {
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoFontMap *fontmap; /* its own, like a statement renderer's */
    PangoContext *ctx;
    PangoLayout *layout;
    PangoFontDescription *font[F_COUNT];
    struct buf *out;
    bool overflow;
};

enum align { AL_LEFT, AL_CENTER, AL_RIGHT };

static cairo_status_t
write_out(void *closure, const unsigned char *data, unsigned int len)
{
    struct letter *l = closure;
    if (l->overflow || buf_append(l->out, data, len) != ERR_OK) {
        l->overflow = true;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

static const char *
jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static long long
jint(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* "2026-12-11" → "2026年12月11日"; anything else as it is. */
static void
date_text(const char *iso, char *out, size_t n)
{
    int y, m, d;
    char tail;
    if (sscanf(iso, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3)
        snprintf(out, n, "%d年%d月%d日", y, m, d);
    else
        snprintf(out, n, "%s", iso);
}

static void
yen_text(long long v, char *out, size_t n)
{
    char t[40];
    statement_fmt_yen(v, t, sizeof(t));
    snprintf(out, n, "%s 円", t);
}

/* Draw s at (x, y) in width w (0: as wide as it is); wrap breaks lines.
 * Returns the height drawn. */
static double
text(struct letter *l, double x, double y, double w, enum align a, enum font f,
     bool wrap, const char *s)
{
    static const PangoAlignment pa[] = {PANGO_ALIGN_LEFT, PANGO_ALIGN_CENTER,
                                        PANGO_ALIGN_RIGHT};
    int pw, ph;
    pango_layout_set_font_description(l->layout, l->font[f]);
    pango_layout_set_width(l->layout, w > 0 ? pango_units_from_double(w) : -1);
    pango_layout_set_ellipsize(
        l->layout, w > 0 && !wrap ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
    pango_layout_set_wrap(l->layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l->layout, pa[a]);
    pango_layout_set_text(l->layout, s, -1);
    cairo_move_to(l->cr, x, y);
    pango_cairo_show_layout(l->cr, l->layout);
    pango_layout_get_size(l->layout, &pw, &ph);
    return pango_units_to_double(ph);
}

static void
hline(struct letter *l, double x0, double x1, double y, double width)
{
    cairo_set_line_width(l->cr, width);
    cairo_move_to(l->cr, x0, y);
    cairo_line_to(l->cr, x1, y);
    cairo_stroke(l->cr);
}

/* Date, addressee (left) and sender (right); returns the y below. */
static double
draw_head(struct letter *l, const json_t *doc)
{
    const json_t *c = json_object_get(doc, "customer");
    const json_t *is = json_object_get(doc, "issuer");
    char t[512];
    double y = MARGIN, rx = 340, rw = PAGE_W - MARGIN - rx;
    date_text(jstr(doc, "issued_on"), t, sizeof(t));
    text(l, MARGIN, y, PAGE_W - 2 * MARGIN, AL_RIGHT, F_BODY, false, t);
    y += 24;
    snprintf(t, sizeof(t), "〒%s", jstr(c, "postal_code"));
    text(l, MARGIN, y, 260, AL_LEFT, F_BODY, false, t);
    double h =
        text(l, MARGIN, y + 14, 260, AL_LEFT, F_BODY, true, jstr(c, "address"));
    snprintf(t, sizeof(t), "%s 様", jstr(c, "name"));
    text(l, MARGIN, y + 22 + h, 260, AL_LEFT, F_LARGE, false, t);
    snprintf(t, sizeof(t), "お客様番号  %s", jstr(c, "number"));
    text(l, MARGIN, y + 44 + h, 260, AL_LEFT, F_BODY, false, t);
    text(l, rx, y, rw, AL_LEFT, F_BOLD, false, jstr(is, "name"));
    double ih =
        text(l, rx, y + 14, rw, AL_LEFT, F_SMALL, true, jstr(is, "address"));
    snprintf(t, sizeof(t), "TEL %s", jstr(is, "phone"));
    text(l, rx, y + 18 + ih, rw, AL_LEFT, F_SMALL, false, t);
    snprintf(t, sizeof(t), "登録番号 %s", jstr(is, "registration"));
    text(l, rx, y + 30 + ih, rw, AL_LEFT, F_SMALL, false, t);
    return y + 70 + h;
}

static const double col_x[] = {MARGIN + 4, 150, 250, 350, 440};
static const double col_w[] = {90, 95, 95, 85, 100};
static const enum align col_a[] = {AL_LEFT, AL_LEFT, AL_LEFT, AL_RIGHT,
                                   AL_RIGHT};

static void
table_row(struct letter *l, double y, const char *const *cells, enum font f)
{
    for (size_t i = 0; i < 5; i++)
        text(l, col_x[i], y + 3, col_w[i], col_a[i], f, false, cells[i]);
    cairo_set_source_rgb(l->cr, 0.7, 0.7, 0.7);
    hline(l, MARGIN, PAGE_W - MARGIN, y + ROW_H, 0.4);
    cairo_set_source_rgb(l->cr, 0, 0, 0);
}

/* The overdue invoices and their total; returns the y below. */
static double
draw_invoices(struct letter *l, const json_t *doc, double y)
{
    static const char *const head[] = {"請求書番号", "発行日", "お支払期限",
                                       "ご請求額", "未払額"};
    const json_t *inv = json_object_get(doc, "invoices"), *x;
    char num[32], d1[40], d2[40], a[48], o[48];
    size_t i, n = json_array_size(inv);
    long long rest = 0;
    cairo_set_source_rgb(l->cr, 0.9, 0.92, 0.95);
    cairo_rectangle(l->cr, MARGIN, y, PAGE_W - 2 * MARGIN, ROW_H);
    cairo_fill(l->cr);
    cairo_set_source_rgb(l->cr, 0, 0, 0);
    table_row(l, y, head, F_SMALL);
    y += ROW_H;
    json_array_foreach(inv, i, x)
    {
        if (i >= ROWS_MAX) {
            rest += jint(x, "open_yen");
            continue;
        }
        snprintf(num, sizeof(num), "%lld", jint(x, "number"));
        date_text(jstr(x, "issued_on"), d1, sizeof(d1));
        date_text(jstr(x, "due_on"), d2, sizeof(d2));
        yen_text(jint(x, "amount_yen"), a, sizeof(a));
        yen_text(jint(x, "open_yen"), o, sizeof(o));
        const char *cells[] = {num, d1, d2, a, o};
        table_row(l, y, cells, F_BODY);
        y += ROW_H;
    }
    if (n > ROWS_MAX) {
        char t[64];
        snprintf(t, sizeof(t), "ほか %zu 件", n - ROWS_MAX);
        yen_text(rest, o, sizeof(o));
        const char *cells[] = {t, "", "", "", o};
        table_row(l, y, cells, F_BODY);
        y += ROW_H;
    }
    yen_text(jint(doc, "overdue_yen"), o, sizeof(o));
    text(l, 330, y + 8, 110, AL_LEFT, F_BOLD, false, "未払額合計");
    text(l, 400, y + 6, PAGE_W - MARGIN - 400, AL_RIGHT, F_LARGE, false, o);
    hline(l, 330, PAGE_W - MARGIN, y + 26, 1.0);
    return y + 40;
}

/* Pay-by date, the stop date of a notice, whom to call. */
static double
draw_dates(struct letter *l, const json_t *doc, double y)
{
    const json_t *is = json_object_get(doc, "issuer");
    char d[40], t[256];
    date_text(jstr(doc, "pay_by"), d, sizeof(d));
    snprintf(t, sizeof(t), "お支払期限  %s", d);
    text(l, MARGIN + 4, y, 0, AL_LEFT, F_LARGE, false, t);
    y += 24;
    if (json_is_string(json_object_get(doc, "stop_planned_on"))) {
        date_text(jstr(doc, "stop_planned_on"), d, sizeof(d));
        snprintf(t, sizeof(t), "ガス供給停止予定日  %s", d);
        cairo_set_source_rgb(l->cr, 0.8, 0, 0);
        text(l, MARGIN + 4, y, 0, AL_LEFT, F_LARGE, false, t);
        cairo_set_source_rgb(l->cr, 0, 0, 0);
        y += 24;
    }
    y += 8 + text(l, MARGIN + 4, y + 8, PAGE_W - 2 * MARGIN - 8, AL_LEFT,
                  F_BODY, true,
                  "ご不明な点や、お支払いが難しいご事情がございましたら、"
                  "お早めに下記までご連絡ください。");
    snprintf(t, sizeof(t), "お問い合わせ先  %s  TEL %s", jstr(is, "name"),
             jstr(is, "phone"));
    text(l, MARGIN + 4, y + 8, PAGE_W - 2 * MARGIN - 8, AL_LEFT, F_BOLD, false,
         t);
    text(l, MARGIN, y + 34, PAGE_W - 2 * MARGIN, AL_RIGHT, F_BODY, false,
         "以上");
    return y + 50;
}

static void
draw_letter(struct letter *l, const json_t *doc)
{
    double y = draw_head(l, doc);
    text(l, MARGIN, y, PAGE_W - 2 * MARGIN, AL_CENTER, F_TITLE, false,
         jstr(doc, "title"));
    y += 40;
    y += 12 + text(l, MARGIN, y, PAGE_W - 2 * MARGIN, AL_LEFT, F_BODY, true,
                   jstr(doc, "body"));
    text(l, MARGIN, y, PAGE_W - 2 * MARGIN, AL_CENTER, F_BODY, false, "記");
    y = draw_invoices(l, doc, y + 22);
    draw_dates(l, doc, y);
    cairo_show_page(l->cr);
}

enum err
reminder_pdf(const json_t *letter_doc, struct buf *out)
{
    static const char *const fonts[F_COUNT] = {
        "IPAexGothic 8", "IPAexGothic 10", "IPAexGothic Bold 10",
        "IPAexGothic 13", "IPAexGothic 18"};
    struct letter l = {.out = out};
    cairo_status_t cs;
    l.surface =
        cairo_pdf_surface_create_for_stream(write_out, &l, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(l.surface, CAIRO_PDF_METADATA_CREATOR,
                                   "pilotlight");
    l.cr = cairo_create(l.surface);
    l.fontmap = pango_cairo_font_map_new();
    l.ctx = pango_font_map_create_context(l.fontmap);
    pango_cairo_update_context(l.cr, l.ctx);
    l.layout = pango_layout_new(l.ctx);
    for (int i = 0; i < F_COUNT; i++)
        l.font[i] = pango_font_description_from_string(fonts[i]);
    if (cairo_status(l.cr) == CAIRO_STATUS_SUCCESS)
        draw_letter(&l, letter_doc);
    for (int i = 0; i < F_COUNT; i++)
        pango_font_description_free(l.font[i]);
    g_object_unref(l.layout);
    g_object_unref(l.ctx);
    g_object_unref(l.fontmap);
    cairo_destroy(l.cr);
    cairo_surface_finish(l.surface);
    cs = cairo_surface_status(l.surface);
    cairo_surface_destroy(l.surface);
    if (l.overflow)
        return err_fail(ERR_TOO_LARGE, "reminder: PDF over %zu bytes",
                        out->max);
    if (cs != CAIRO_STATUS_SUCCESS)
        return err_fail(ERR_INTERNAL, "reminder: cairo: %s",
                        cairo_status_to_string(cs));
    return ERR_OK;
}
