/*
 * statement_pdf.h — 料金明細書 (the customer's statement) and 検針票 (the
 * reading slip) as PDF, rendered in memory from JSON.
 *
 * Input is the invoice JSON of GET /api/v1/invoices/{id} (billing.h, the
 * shared contract): issuer, registration number (適格請求書発行事業者の登録
 * 番号, T + 13 digits), invoice number and dates, customer, supply point,
 * meter indexes and usage, the charge lines, totals per tax rate, amount
 * due, due date and payment method. A statement that corrects another
 * (corrects_id set) carries a red 訂正 mark naming the original
 * ("corrects_number" when the caller added it, else the id); a void one is
 * marked 無効.
 *
 * A renderer owns the font map, the pango context and one layout, made
 * once and reused for every page, so a bulk render (a billing run: one
 * document, one page per invoice) pays for font set-up and font embedding
 * once. cairo and pango types stay in statement_pdf.c. A renderer belongs to
 * one thread at a time.
 *
 * Output goes into a struct buf whose maximum bounds the file; passing it
 * fails the document with ERR_TOO_LARGE.
 */
#ifndef PL_BILLING_STATEMENT_PDF_H
#define PL_BILLING_STATEMENT_PDF_H

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"

#include <stddef.h>

struct statement_renderer;

/* Page formats: A4 statement, or an 80 mm roll slip for field printers. */
enum statement_format {
    STATEMENT_A4,
    STATEMENT_SLIP,
};

/* A renderer with its fonts loaded (IPAex Gothic). Never NULL (aborts on
 * allocation failure); free with statement_renderer_free(). */
struct statement_renderer *statement_renderer_new(void);
void statement_renderer_free(struct statement_renderer *sr);

/* Start a document in format f written into out (appended; out's maximum
 * bounds it). One document at a time per renderer. */
enum err statement_begin(struct statement_renderer *sr, struct buf *out,
                         enum statement_format f);
/* Add one invoice (A4: one page, more when its lines do not fit) or one
 * reading slip (STATEMENT_SLIP: slip.h's JSON, one 80 mm page cut to the
 * slip's length). */
enum err statement_add(struct statement_renderer *sr, const json_t *doc);
/* Finish the document and flush it into out. ERR_TOO_LARGE when out's
 * maximum was passed, ERR_INTERNAL when cairo failed. Always ends the
 * document, even after an error in statement_add. */
enum err statement_end(struct statement_renderer *sr);
/* Pages written so far in the current (or last) document. */
size_t statement_pages(const struct statement_renderer *sr);

/* One invoice as one A4 PDF into out, with a renderer of its own. */
enum err statement_pdf(const json_t *invoice, struct buf *out);

/* "12,345" / "-1,200" (no currency sign) into out (at least 32 bytes). */
void statement_fmt_yen(long long v, char *out, size_t n);

#endif
