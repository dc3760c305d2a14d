/*
 * statement_pdf.c — draws 料金明細書 (A4) and 検針票 (80 mm slip) pages
 * with cairo's PDF surface and pango (IPAex Gothic), from the invoice JSON.
 *
 * Geometry is in PDF points (1/72 inch), origin top left. The A4 page, top
 * to bottom: title and 訂正/無効 marks; the customer (left) and the issuer
 * with its registration number (right); invoice number, issue date and
 * period; the meter box (前回・今回指針, usage, last year's usage); the charge
 * lines (基本料金, 従量料金, 設備料金 — always shown, ¥0 when the invoice has
 * none —, 原料費調整, other charges); totals per tax rate with the tax;
 * previous balance and the amount due; payment method and due/debit date.
 * Lines that do not fit continue on a further page ("（続き）").
 *
 * Every value is read defensively: a missing or mistyped field prints as
 * empty (or 0), never crashes; text comes from jansson, so it is valid
 * UTF-8 as pango wants it. The PDF bytes go through a cairo write callback
 * into the caller's bounded struct buf; an overflow is remembered and
 * reported by statement_end() as ERR_TOO_LARGE.
 *
 * The 検針票 (slip.h's JSON) is one 80 mm page per reading, as long as its
 * content: drawn once on a throw-away recording surface to measure it,
 * then on the page cut to that height.
 */
#include "billing/statement_pdf.h"

#include "core/xalloc.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define A4_W         595.28
#define A4_H         841.89
#define MARGIN       40.0
#define SLIP_W       226.77 /* 80 mm */
#define SLIP_H       566.93 /* 200 mm: a slip page is cut to its content */
#define LINES_BOTTOM 560.0  /* where the charge table must end on page 1 */
#define ROW_H        15.0

enum font { F_SMALL, F_BODY, F_BOLD, F_LARGE, F_TITLE, F_COUNT };

struct statement_renderer {
    PangoFontMap *fontmap;
    PangoContext *ctx;
    PangoLayout *layout;
    PangoFontDescription *font[F_COUNT];
    cairo_surface_t *surface; /* the open document, or NULL */
    cairo_t *cr;
    struct buf *out;
    enum statement_format format;
    bool overflow;
    size_t pages;
};

enum align { AL_LEFT, AL_CENTER, AL_RIGHT };

/* Sanitizer builds: fontconfig keeps one parse buffer of its configuration
 * for the life of the process without a reference LeakSanitizer can see
 * (once, however many statements are drawn). Name it so the tests' leak
 * check stays strict for our own memory. */
#if defined(__SANITIZE_ADDRESS__)
#define PL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PL_ASAN 1
#endif
#endif
#ifdef PL_ASAN
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}
#endif

/* ---- renderer life ---------------------------------------------------- */

struct statement_renderer *
statement_renderer_new(void)
{
    static const char *const fonts[F_COUNT] = {
        "IPAexGothic 7.5", "IPAexGothic 9", "IPAexGothic Bold 9",
        "IPAexGothic 12", "IPAexGothic 17"};
    struct statement_renderer *sr = xcalloc(1, sizeof(*sr));
    sr->fontmap = pango_cairo_font_map_new();
    sr->ctx = pango_font_map_create_context(sr->fontmap);
    sr->layout = pango_layout_new(sr->ctx);
    for (int i = 0; i < F_COUNT; i++)
        sr->font[i] = pango_font_description_from_string(fonts[i]);
    return sr;
}

void
statement_renderer_free(struct statement_renderer *sr)
{
    if (!sr)
        return;
    if (sr->surface)
        (void)statement_end(sr);
    for (int i = 0; i < F_COUNT; i++)
        pango_font_description_free(sr->font[i]);
    g_object_unref(sr->layout);
    g_object_unref(sr->ctx);
    g_object_unref(sr->fontmap);
    free(sr);
}

/* cairo's write callback: append to the bounded buffer. */
static cairo_status_t
write_out(void *closure, const unsigned char *data, unsigned int len)
{
    struct statement_renderer *sr = closure;
    if (sr->overflow || buf_append(sr->out, data, len) != ERR_OK) {
        sr->overflow = true;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

enum err
statement_begin(struct statement_renderer *sr, struct buf *out,
                enum statement_format f)
{
    double w = f == STATEMENT_SLIP ? SLIP_W : A4_W;
    double h = f == STATEMENT_SLIP ? SLIP_H : A4_H;
    if (sr->surface)
        return err_fail(ERR_INTERNAL, "statement: document already open");
    sr->out = out;
    sr->format = f;
    sr->overflow = false;
    sr->pages = 0;
    sr->surface = cairo_pdf_surface_create_for_stream(write_out, sr, w, h);
    cairo_pdf_surface_set_metadata(sr->surface, CAIRO_PDF_METADATA_CREATOR,
                                   "pilotlight");
    sr->cr = cairo_create(sr->surface);
    pango_cairo_update_context(sr->cr, sr->ctx);
    pango_layout_context_changed(sr->layout);
    if (cairo_status(sr->cr) != CAIRO_STATUS_SUCCESS)
        return err_fail(ERR_INTERNAL, "statement: cairo: %s",
                        cairo_status_to_string(cairo_status(sr->cr)));
    return ERR_OK;
}

enum err
statement_end(struct statement_renderer *sr)
{
    cairo_status_t cs;
    if (!sr->surface)
        return err_fail(ERR_INTERNAL, "statement: no open document");
    cairo_destroy(sr->cr);
    cairo_surface_finish(sr->surface);
    cs = cairo_surface_status(sr->surface);
    cairo_surface_destroy(sr->surface);
    sr->surface = NULL;
    sr->cr = NULL;
    if (sr->overflow)
        return err_fail(ERR_TOO_LARGE, "statement: PDF over %zu bytes",
                        sr->out->max);
    if (cs != CAIRO_STATUS_SUCCESS)
        return err_fail(ERR_INTERNAL, "statement: cairo: %s",
                        cairo_status_to_string(cs));
    return ERR_OK;
}

size_t
statement_pages(const struct statement_renderer *sr)
{
    return sr->pages;
}

/* ---- values from the JSON ---------------------------------------------- */

/* The string at o[k], or "" when absent or not a string. */
static const char *
jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static long long
jint(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    if (json_is_integer(v))
        return (long long)json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return 0;
}

/* A number or string as text: "12.3" stays as given, 123 → "123", a real
 * with one decimal (usage), anything else → "". */
static void
jtext(const json_t *v, char *out, size_t n)
{
    if (json_is_string(v))
        snprintf(out, n, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, n, "%.1f", json_real_value(v));
    else
        out[0] = '\0';
}

void
statement_fmt_yen(long long v, char *out, size_t n)
{
    char digits[32], grouped[48];
    unsigned long long u =
        v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int len = snprintf(digits, sizeof(digits), "%llu", u);
    size_t g = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    snprintf(out, n, "%s%s", v < 0 ? "-" : "", grouped);
}

/* "12,345 円" */
static void
yen_text(long long v, char *out, size_t n)
{
    char t[40];
    statement_fmt_yen(v, t, sizeof(t));
    snprintf(out, n, "%s 円", t);
}

/* "2025-04-15" → "2025年4月15日"; anything else as it is. */
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

/* "2025-04-15" → "2025/4/15" for narrow cells. */
static void
date_short(const char *iso, char *out, size_t n)
{
    int y, m, d;
    char tail;
    if (sscanf(iso, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3)
        snprintf(out, n, "%d/%d/%d", y, m, d);
    else
        snprintf(out, n, "%s", iso);
}

/* 支払方法 codes of contracts (customers_migrations.c) in words. */
static const char *
payment_text(const char *code)
{
    static const char *const map[][2] = {
        {"debit", "口座振替"},
        {"transfer", "銀行振込"},
        {"collection", "集金"},
        {"cvs", "コンビニ払い"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(code, map[i][0]) == 0)
            return map[i][1];
    return code;
}

/* Line kinds with their printed names; "charge" prints its description. */
static const char *
kind_label(const char *kind)
{
    static const char *const map[][2] = {
        {"base", "基本料金"},       {"usage", "従量料金"},
        {"equipment", "設備料金"},  {"adjustment", "原料費調整"},
        {"correction", "訂正調整"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(kind, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* ---- drawing primitives ------------------------------------------------ */

/* Draw s with its top left at (x, y); w > 0 aligns within w and cuts the
 * text with "…" (wrap: breaks lines instead). Returns the height drawn. */
static double
text_box(struct statement_renderer *sr, double x, double y, double w,
         enum align a, enum font f, bool wrap, const char *s)
{
    static const PangoAlignment pa[] = {PANGO_ALIGN_LEFT, PANGO_ALIGN_CENTER,
                                        PANGO_ALIGN_RIGHT};
    PangoLayout *l = sr->layout;
    int pw, ph;
    pango_layout_set_font_description(l, sr->font[f]);
    pango_layout_set_width(l, w > 0 ? pango_units_from_double(w) : -1);
    pango_layout_set_ellipsize(l, w > 0 && !wrap ? PANGO_ELLIPSIZE_END
                                                 : PANGO_ELLIPSIZE_NONE);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, pa[a]);
    pango_layout_set_text(l, s, -1);
    cairo_move_to(sr->cr, x, y);
    pango_cairo_show_layout(sr->cr, l);
    pango_layout_get_size(l, &pw, &ph);
    return pango_units_to_double(ph);
}

static void
text_at(struct statement_renderer *sr, double x, double y, double w,
        enum align a, enum font f, const char *s)
{
    (void)text_box(sr, x, y, w, a, f, false, s);
}

static void
hline(struct statement_renderer *sr, double x0, double x1, double y,
      double width)
{
    cairo_set_line_width(sr->cr, width);
    cairo_move_to(sr->cr, x0, y);
    cairo_line_to(sr->cr, x1, y);
    cairo_stroke(sr->cr);
}

static void
frame(struct statement_renderer *sr, double x, double y, double w, double h)
{
    cairo_set_line_width(sr->cr, 0.7);
    cairo_rectangle(sr->cr, x, y, w, h);
    cairo_stroke(sr->cr);
}

/* A grey header band with the column titles. */
static void
header_band(struct statement_renderer *sr, double y, const double *x,
            const double *w, const enum align *a, const char *const *title,
            size_t n)
{
    cairo_set_source_rgb(sr->cr, 0.88, 0.91, 0.95);
    cairo_rectangle(sr->cr, MARGIN, y, A4_W - 2 * MARGIN, ROW_H);
    cairo_fill(sr->cr);
    cairo_set_source_rgb(sr->cr, 0, 0, 0);
    for (size_t i = 0; i < n; i++)
        text_at(sr, x[i], y + 2.5, w[i], a[i], F_SMALL, title[i]);
}

/* A labelled cell: small grey label above, value below. */
static void
cell(struct statement_renderer *sr, double x, double y, double w,
     const char *label, const char *value, enum font f)
{
    cairo_set_source_rgb(sr->cr, 0.35, 0.35, 0.35);
    text_at(sr, x + 4, y + 3, w - 8, AL_LEFT, F_SMALL, label);
    cairo_set_source_rgb(sr->cr, 0, 0, 0);
    text_at(sr, x + 4, y + 14, w - 8, AL_RIGHT, f, value);
    frame(sr, x, y, w, 32);
}

/* ---- the A4 statement -------------------------------------------------- */

/* Title; a red 訂正 box naming the original, or 無効 for a void invoice. */
static void
draw_title(struct statement_renderer *sr, const json_t *inv, bool cont)
{
    char t[160];
    text_at(sr, MARGIN, MARGIN, A4_W - 2 * MARGIN, AL_CENTER, F_TITLE,
            cont ? "LPガス料金明細書（続き）" : "LPガス料金明細書");
    if (json_is_integer(json_object_get(inv, "corrects_id"))) {
        const char *orig = jstr(inv, "corrects_number");
        char id[32];
        jtext(json_object_get(inv, "corrects_number"), id, sizeof(id));
        if (!*orig && !*id)
            snprintf(id, sizeof(id), "ID %lld", jint(inv, "corrects_id"));
        cairo_set_source_rgb(sr->cr, 0.8, 0, 0);
        cairo_set_line_width(sr->cr, 1.5);
        cairo_rectangle(sr->cr, A4_W - MARGIN - 150, MARGIN - 6, 150, 40);
        cairo_stroke(sr->cr);
        text_at(sr, A4_W - MARGIN - 150, MARGIN - 3, 150, AL_CENTER, F_LARGE,
                "訂正");
        snprintf(t, sizeof(t), "請求書番号 %s の訂正", id);
        text_at(sr, A4_W - MARGIN - 150, MARGIN + 17, 150, AL_CENTER, F_SMALL,
                t);
        cairo_set_source_rgb(sr->cr, 0, 0, 0);
    }
    if (strcmp(jstr(inv, "status"), "void") == 0) {
        cairo_set_source_rgb(sr->cr, 0.8, 0, 0);
        text_at(sr, MARGIN, MARGIN - 3, 150, AL_LEFT, F_LARGE,
                "無効（訂正済み）");
        cairo_set_source_rgb(sr->cr, 0, 0, 0);
    }
}

/* Customer and supply point on the left, the issuer on the right. */
static void
draw_parties(struct statement_renderer *sr, const json_t *inv)
{
    const json_t *c = json_object_get(inv, "customer");
    const json_t *sp = json_object_get(inv, "supply_point");
    const json_t *is = json_object_get(inv, "issuer");
    char t[512];
    double y = 84, rx = 345, rw = A4_W - MARGIN - rx;
    snprintf(t, sizeof(t), "お客様番号  %s", jstr(c, "number"));
    text_at(sr, MARGIN, y, 290, AL_LEFT, F_BODY, t);
    snprintf(t, sizeof(t), "%s 様", jstr(c, "name"));
    text_at(sr, MARGIN, y + 16, 290, AL_LEFT, F_LARGE, t);
    hline(sr, MARGIN, MARGIN + 290, y + 35, 0.7);
    snprintf(t, sizeof(t), "供給地点  %s", jstr(sp, "address"));
    (void)text_box(sr, MARGIN, y + 42, 290, AL_LEFT, F_BODY, true, t);

    text_at(sr, rx, y, rw, AL_LEFT, F_LARGE, jstr(is, "name"));
    y += 20 + text_box(sr, rx, y + 20, rw, AL_LEFT, F_SMALL, true,
                       jstr(is, "address"));
    snprintf(t, sizeof(t), "TEL %s", jstr(is, "phone"));
    text_at(sr, rx, y + 3, rw, AL_LEFT, F_SMALL, t);
    snprintf(t, sizeof(t), "登録番号  %s", jstr(is, "registration"));
    text_at(sr, rx, y + 16, rw, AL_LEFT, F_BODY, t);
}

/* 請求書番号, 発行日, 検針期間 */
static void
draw_info(struct statement_renderer *sr, const json_t *inv, double y)
{
    const json_t *p = json_object_get(inv, "period");
    char num[32], d1[40], d2[40], t[96];
    double w = (A4_W - 2 * MARGIN) / 3;
    jtext(json_object_get(inv, "number"), num, sizeof(num));
    cell(sr, MARGIN, y, w, "請求書番号", num, F_BODY);
    date_text(jstr(inv, "issued_on"), d1, sizeof(d1));
    cell(sr, MARGIN + w, y, w, "発行日", d1, F_BODY);
    date_short(jstr(p, "from"), d1, sizeof(d1));
    date_short(jstr(p, "to"), d2, sizeof(d2));
    snprintf(t, sizeof(t), "%s 〜 %s", d1, d2);
    cell(sr, MARGIN + 2 * w, y, w, "ご使用期間", t, F_BODY);
}

/* 前回指針, 今回指針, ご使用量, 前年同月 */
static void
draw_meter(struct statement_renderer *sr, const json_t *inv, double y)
{
    const json_t *rd = json_object_get(inv, "reading");
    char v[40], d[40], t[96];
    double w = (A4_W - 2 * MARGIN) / 4;
    jtext(json_object_get(rd, "previous_index"), v, sizeof(v));
    date_short(jstr(rd, "previous_on"), d, sizeof(d));
    snprintf(t, sizeof(t), "前回指針（%s）", d);
    cell(sr, MARGIN, y, w, t, v, F_BODY);
    jtext(json_object_get(rd, "current_index"), v, sizeof(v));
    date_short(jstr(rd, "current_on"), d, sizeof(d));
    snprintf(t, sizeof(t), "今回指針（%s）", d);
    cell(sr, MARGIN + w, y, w, t, v, F_BODY);
    jtext(json_object_get(rd, "usage_m3"), v, sizeof(v));
    snprintf(t, sizeof(t), "%s m³", v);
    cell(sr, MARGIN + 2 * w, y, w, "今回ご使用量", t, F_BOLD);
    jtext(json_object_get(rd, "last_year_usage_m3"), v, sizeof(v));
    if (*v)
        snprintf(t, sizeof(t), "%s m³", v);
    else
        snprintf(t, sizeof(t), "—");
    cell(sr, MARGIN + 3 * w, y, w, "前年同月ご使用量", t, F_BODY);
}

/* Columns of the charge table: 項目 数量 単価 金額 税率 */
static const double col_x[] = {MARGIN + 4, 290, 360, 440, 505};
static const double col_w[] = {240, 60, 70, 60, 46};
static const enum align col_a[] = {AL_LEFT, AL_RIGHT, AL_RIGHT, AL_RIGHT,
                                   AL_RIGHT};

/* One charge line. Known kinds print their name (基本料金 …) and the
 * description beside it when it says more. */
static void
draw_line(struct statement_renderer *sr, const json_t *l, double y)
{
    const char *label = kind_label(jstr(l, "kind"));
    const char *desc = jstr(l, "description");
    char t[256], q[40], u[48], a[48], rate[16];
    if (!label)
        snprintf(t, sizeof(t), "%s", desc);
    else if (!*desc || strstr(desc, label) == desc)
        snprintf(t, sizeof(t), "%s", *desc ? desc : label);
    else
        snprintf(t, sizeof(t), "%s（%s）", label, desc);
    jtext(json_object_get(l, "quantity_m3"), q, sizeof(q));
    if (*q)
        snprintf(q + strlen(q), sizeof(q) - strlen(q), " m³");
    jtext(json_object_get(l, "unit_price"), u, sizeof(u));
    yen_text(jint(l, "amount_yen"), a, sizeof(a));
    snprintf(rate, sizeof(rate), "%lld%%", jint(l, "tax_rate"));
    const char *cells[] = {t, q, u, a, jint(l, "tax_rate") ? rate : "非課税"};
    for (size_t i = 0; i < 5; i++)
        text_at(sr, col_x[i], y + 2.5, col_w[i], col_a[i], F_BODY, cells[i]);
    cairo_set_source_rgb(sr->cr, 0.75, 0.75, 0.75);
    hline(sr, MARGIN, A4_W - MARGIN, y + ROW_H, 0.4);
    cairo_set_source_rgb(sr->cr, 0, 0, 0);
}

/* True when lines holds a line of kind k. */
static bool
has_kind(const json_t *lines, const char *k)
{
    size_t i;
    const json_t *l;
    json_array_foreach(lines, i,
                       l) if (strcmp(jstr(l, "kind"), k) == 0) return true;
    return false;
}

/* Rows of the charge table: the lines, and a 設備料金 ¥0 row after them
 * when the invoice has no equipment line (2025 rule: always shown). */
static size_t
row_count(const json_t *lines)
{
    return json_array_size(lines) + (has_kind(lines, "equipment") ? 0 : 1);
}

/* The charge table from row *next on, down to bottom. Returns the y below
 * the table; *next says where it stopped. */
static double
draw_lines(struct statement_renderer *sr, const json_t *lines, size_t *next,
           double y, double bottom)
{
    static const char *const titles[] = {"項目", "数量", "単価（円）", "金額",
                                         "税率"};
    size_t n = json_array_size(lines), rows = row_count(lines);
    header_band(sr, y, col_x, col_w, col_a, titles, 5);
    y += ROW_H;
    for (; *next < rows && y + ROW_H <= bottom; (*next)++, y += ROW_H) {
        if (*next < n) {
            draw_line(sr, json_array_get(lines, *next), y);
            continue;
        }
        json_t *eq = json_pack("{s:s, s:s, s:i, s:i}", "kind", "equipment",
                               "description", "設備料金", "amount_yen", 0,
                               "tax_rate", 10);
        draw_line(sr, eq, y);
        json_decref(eq);
    }
    return y;
}

/* 税率ごとの対象額と消費税 (インボイス), then subtotal, tax, total. */
static double
draw_tax(struct statement_renderer *sr, const json_t *inv, double y)
{
    const json_t *tax = json_object_get(inv, "tax"), *t;
    char a[48], b[48], line[160];
    size_t i;
    json_array_foreach(tax, i, t)
    {
        long long rate = jint(t, "rate");
        if (jint(t, "taxable_yen") == 0 && rate != 10)
            continue;
        yen_text(jint(t, "taxable_yen"), a, sizeof(a));
        yen_text(jint(t, "tax_yen"), b, sizeof(b));
        if (rate)
            snprintf(line, sizeof(line), "%lld%%対象  %s    消費税(%lld%%)  %s",
                     rate, a, rate, b);
        else
            snprintf(line, sizeof(line), "非課税対象  %s", a);
        text_at(sr, MARGIN + 4, y, 300, AL_LEFT, F_BODY, line);
        y += 13;
    }
    return y;
}

/* One "label ...... amount" row at the right of the page. */
static void
total_row(struct statement_renderer *sr, double y, const char *label,
          long long v, enum font f)
{
    char a[48];
    yen_text(v, a, sizeof(a));
    text_at(sr, 360, y, 90, AL_LEFT, f, label);
    text_at(sr, 440, y, A4_W - MARGIN - 440, AL_RIGHT, f, a);
}

static double
draw_totals(struct statement_renderer *sr, const json_t *inv, double y)
{
    double ty = draw_tax(sr, inv, y + 6);
    total_row(sr, y + 6, "小計（税抜）", jint(inv, "subtotal_yen"), F_BODY);
    total_row(sr, y + 20, "消費税等", jint(inv, "tax_yen"), F_BODY);
    total_row(sr, y + 34, "今回ご請求額", jint(inv, "total_yen"), F_BOLD);
    total_row(sr, y + 48, "前回繰越額", jint(inv, "previous_balance_yen"),
              F_BODY);
    hline(sr, 360, A4_W - MARGIN, y + 64, 1.2);
    total_row(sr, y + 70, "ご請求金額", jint(inv, "amount_due_yen"), F_LARGE);
    return (ty > y + 92 ? ty : y + 92);
}

/* お支払方法 and 振替日 / お支払期限, then the notes at the foot. */
static void
draw_payment(struct statement_renderer *sr, const json_t *inv, double y)
{
    const char *pm = jstr(inv, "payment_method");
    char d[40], t[160];
    date_text(jstr(inv, "due_on"), d, sizeof(d));
    snprintf(t, sizeof(t), "お支払方法  %s", payment_text(pm));
    text_at(sr, MARGIN + 4, y, 250, AL_LEFT, F_BODY, t);
    snprintf(t, sizeof(t), "%s  %s",
             strcmp(pm, "debit") == 0 ? "口座振替日" : "お支払期限", d);
    text_at(sr, MARGIN + 260, y, 250, AL_LEFT, F_BODY, t);
    frame(sr, MARGIN, y - 6, A4_W - 2 * MARGIN, 24);
    cairo_set_source_rgb(sr->cr, 0.35, 0.35, 0.35);
    text_at(sr, MARGIN, A4_H - MARGIN - 24, A4_W - 2 * MARGIN, AL_LEFT, F_SMALL,
            "※ 消費税額は税率ごとに合計した金額に対して計算しています"
            "（端数は請求書ごとに1回処理）。\n"
            "※ 設備料金は、消費設備等の費用として基本料金・従量料金と区分して"
            "表示しています。");
    cairo_set_source_rgb(sr->cr, 0, 0, 0);
}

static void
page_done(struct statement_renderer *sr)
{
    cairo_show_page(sr->cr);
    sr->pages++;
}

/* One invoice: the first page, continuation pages while lines remain. */
static void
draw_statement(struct statement_renderer *sr, const json_t *inv)
{
    const json_t *lines = json_object_get(inv, "lines");
    size_t next = 0, rows = row_count(lines);
    double y;
    draw_title(sr, inv, false);
    draw_parties(sr, inv);
    draw_info(sr, inv, 190);
    draw_meter(sr, inv, 232);
    y = draw_lines(sr, lines, &next, 282, LINES_BOTTOM);
    while (next < rows) {
        page_done(sr);
        draw_title(sr, inv, true);
        draw_info(sr, inv, 84);
        y = draw_lines(sr, lines, &next, 130, A4_H - 260);
    }
    y = draw_totals(sr, inv, y + 4);
    draw_payment(sr, inv, y + 16);
    page_done(sr);
}

/* ---- the 80 mm reading slip (検針票) ------------------------------------ */

#define SLIP_M  10.0 /* side margin */
#define SLIP_CW (SLIP_W - 2 * SLIP_M)

/* The width s takes in font f, on one line. */
static double
text_width(struct statement_renderer *sr, enum font f, const char *s)
{
    int pw, ph;
    pango_layout_set_font_description(sr->layout, sr->font[f]);
    pango_layout_set_width(sr->layout, -1);
    pango_layout_set_text(sr->layout, s, -1);
    pango_layout_get_size(sr->layout, &pw, &ph);
    return pango_units_to_double(pw);
}

/* "label ...... value" across the slip: the label as wide as it is (at
 * most 60%), the value right-aligned in the rest; returns the next y. */
static double
slip_row(struct statement_renderer *sr, double y, const char *label,
         const char *value, enum font f)
{
    double lw = text_width(sr, f, label) + 1;
    if (lw > SLIP_CW * 0.6)
        lw = SLIP_CW * 0.6;
    text_at(sr, SLIP_M, y, lw, AL_LEFT, f, label);
    text_at(sr, SLIP_M + lw + 4, y, SLIP_CW - lw - 4, AL_RIGHT, f, value);
    return y + (f == F_LARGE ? 17 : 12);
}

/* "9/11" from "2025-09-11" (a slip's narrow period). */
static void
date_md(const char *iso, char *out, size_t n)
{
    int y, m, d;
    char tail;
    if (sscanf(iso, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3)
        snprintf(out, n, "%d/%d", m, d);
    else
        snprintf(out, n, "%s", iso);
}

/* "12.3 m³", or "—" when v is absent or null. */
static void
slip_m3(const json_t *v, char *out, size_t n)
{
    char t[40];
    jtext(v, t, sizeof(t));
    snprintf(out, n, "%s%s", *t ? t : "—", *t ? " m³" : "");
}

/* Meter part: dates, period, indexes, usage, last month's and last year's
 * usage. */
static double
slip_meter(struct statement_renderer *sr, const json_t *doc, double y)
{
    const json_t *rd = json_object_get(doc, "reading");
    const json_t *p = json_object_get(doc, "period");
    char v[40], d[40], d2[40], t[96];
    date_short(jstr(rd, "current_on"), d, sizeof(d));
    y = slip_row(sr, y, "検針日", d, F_BODY);
    date_md(jstr(p, "from"), d, sizeof(d));
    date_md(jstr(p, "to"), d2, sizeof(d2));
    snprintf(t, sizeof(t), "%s〜%s（%lld日）", d, d2, jint(p, "days"));
    y = slip_row(sr, y, "ご使用期間", t, F_BODY);
    jtext(json_object_get(rd, "current_index"), v, sizeof(v));
    y = slip_row(sr, y,
                 json_is_true(json_object_get(rd, "estimated"))
                     ? "今回指針（推定）"
                     : "今回指針",
                 v, F_BODY);
    jtext(json_object_get(rd, "previous_index"), v, sizeof(v));
    date_md(jstr(rd, "previous_on"), d, sizeof(d));
    snprintf(t, sizeof(t), "前回指針（%s）", d);
    y = slip_row(sr, y, t, v, F_BODY);
    slip_m3(json_object_get(rd, "usage_m3"), t, sizeof(t));
    y = slip_row(sr, y, "ご使用量", t, F_BOLD);
    slip_m3(json_object_get(rd, "last_month_usage_m3"), t, sizeof(t));
    y = slip_row(sr, y, "前月のご使用量", t, F_BODY);
    slip_m3(json_object_get(rd, "last_year_usage_m3"), t, sizeof(t));
    return slip_row(sr, y, "前年同月のご使用量", t, F_BODY);
}

/* Charge part: every line (設備料金 ¥0 when absent), tax, the total. */
static double
slip_charges(struct statement_renderer *sr, const json_t *doc, double y)
{
    const json_t *lines = json_object_get(doc, "lines"), *l, *t;
    char a[48], b[48], lab[64];
    size_t i;
    json_array_foreach(lines, i, l)
    {
        const char *kind = jstr(l, "kind"), *k = kind_label(kind);
        if (strcmp(kind, "adjustment") == 0)
            k = "原料費調整額";
        yen_text(jint(l, "amount_yen"), a, sizeof(a));
        y = slip_row(sr, y, k ? k : jstr(l, "description"), a, F_BODY);
    }
    if (!has_kind(lines, "equipment"))
        y = slip_row(sr, y, "設備料金", "0 円", F_BODY);
    json_array_foreach(json_object_get(doc, "tax"), i, t)
    {
        if (jint(t, "taxable_yen") == 0)
            continue;
        yen_text(jint(t, "tax_yen"), b, sizeof(b));
        snprintf(lab, sizeof(lab), "消費税（%lld%%）", jint(t, "rate"));
        y = slip_row(sr, y, lab, b, F_BODY);
    }
    hline(sr, SLIP_M, SLIP_W - SLIP_M, y + 2, 0.8);
    yen_text(jint(doc, "total_yen"), a, sizeof(a));
    return slip_row(sr, y + 5, "ご請求予定額", a, F_LARGE);
}

/* 次回検針予定日, 口座振替日 (debit) or お支払期限, and how one pays. */
static double
slip_dates(struct statement_renderer *sr, const json_t *doc, double y)
{
    const char *pm = jstr(doc, "payment_method");
    char d[40];
    date_text(jstr(doc, "next_reading_on"), d, sizeof(d));
    y = slip_row(sr, y, "次回検針予定日", d, F_BODY);
    if (json_is_string(json_object_get(doc, "due_on"))) {
        date_text(jstr(doc, "due_on"), d, sizeof(d));
        y = slip_row(sr, y,
                     strcmp(pm, "debit") == 0 ? "口座振替日" : "お支払期限", d,
                     F_BODY);
    }
    return slip_row(sr, y, "お支払方法", payment_text(pm), F_BODY);
}

/* One slip: title, customer, meter, charges, dates, a note, the issuer.
 * Returns the height it needs (the page is cut there). */
static double
draw_slip(struct statement_renderer *sr, const json_t *doc)
{
    const json_t *is = json_object_get(doc, "issuer");
    const json_t *c = json_object_get(doc, "customer");
    char t[512];
    double y = SLIP_M;
    text_at(sr, SLIP_M, y, SLIP_CW, AL_CENTER, F_LARGE, "検針票");
    text_at(sr, SLIP_M, y + 17, SLIP_CW, AL_CENTER, F_SMALL,
            "ガスご使用量のお知らせ");
    y += 32;
    snprintf(t, sizeof(t), "%s 様", jstr(c, "name"));
    text_at(sr, SLIP_M, y, SLIP_CW, AL_LEFT, F_BOLD, t);
    snprintf(t, sizeof(t), "お客様番号 %s", jstr(c, "number"));
    text_at(sr, SLIP_M, y + 13, SLIP_CW, AL_LEFT, F_BODY, t);
    y += 26 + text_box(sr, SLIP_M, y + 26, SLIP_CW, AL_LEFT, F_SMALL, true,
                       jstr(json_object_get(doc, "supply_point"), "address"));
    hline(sr, SLIP_M, SLIP_W - SLIP_M, y + 4, 0.5);
    y = slip_meter(sr, doc, y + 8);
    hline(sr, SLIP_M, SLIP_W - SLIP_M, y + 2, 0.5);
    y = slip_charges(sr, doc, y + 6);
    y = slip_dates(sr, doc, y + 4);
    y += 6 + text_box(sr, SLIP_M, y + 6, SLIP_CW, AL_LEFT, F_SMALL, true,
                      "※ 検針時点の料金表による今回のガス料金です"
                      "（その他のご請求は含みません）。正式な金額は"
                      "料金明細書（請求書）でお知らせします。");
    text_at(sr, SLIP_M, y + 8, SLIP_CW, AL_LEFT, F_BODY, jstr(is, "name"));
    snprintf(t, sizeof(t), "TEL %s", jstr(is, "phone"));
    text_at(sr, SLIP_M, y + 21, SLIP_CW, AL_LEFT, F_SMALL, t);
    snprintf(t, sizeof(t), "登録番号 %s", jstr(is, "registration"));
    text_at(sr, SLIP_M, y + 32, SLIP_CW, AL_LEFT, F_SMALL, t);
    return y + 43 + SLIP_M;
}

/* The slip's height: drawn once on a recording surface that is thrown
 * away, so the page can be cut to fit (a roll has no fixed length). */
static double
slip_measure(struct statement_renderer *sr, const json_t *doc)
{
    cairo_t *page = sr->cr;
    cairo_surface_t *rec =
        cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
    sr->cr = cairo_create(rec);
    double h = draw_slip(sr, doc);
    cairo_destroy(sr->cr);
    cairo_surface_destroy(rec);
    sr->cr = page;
    return h;
}

/* One slip page, its height fitted to the content. */
static void
slip_page(struct statement_renderer *sr, const json_t *doc)
{
    cairo_pdf_surface_set_size(sr->surface, SLIP_W, slip_measure(sr, doc));
    (void)draw_slip(sr, doc);
    page_done(sr);
}

enum err
statement_add(struct statement_renderer *sr, const json_t *doc)
{
    if (!sr->surface)
        return err_fail(ERR_INTERNAL, "statement: no open document");
    if (!json_is_object(doc))
        return err_fail(ERR_INVALID, "statement: not an object");
    if (sr->overflow)
        return err_fail(ERR_TOO_LARGE, "statement: PDF over %zu bytes",
                        sr->out->max);
    if (sr->format == STATEMENT_SLIP)
        slip_page(sr, doc);
    else
        draw_statement(sr, doc);
    if (cairo_status(sr->cr) != CAIRO_STATUS_SUCCESS)
        return err_fail(ERR_INTERNAL, "statement: cairo: %s",
                        cairo_status_to_string(cairo_status(sr->cr)));
    return sr->overflow ? err_fail(ERR_TOO_LARGE, "statement: PDF too large")
                        : ERR_OK;
}

enum err
statement_pdf(const json_t *invoice, struct buf *out)
{
    struct statement_renderer *sr = statement_renderer_new();
    enum err rc = statement_begin(sr, out, STATEMENT_A4);
    if (!rc)
        rc = statement_add(sr, invoice);
    enum err rc2 = sr->surface ? statement_end(sr) : ERR_OK;
    statement_renderer_free(sr);
    return rc ? rc : rc2;
}
