/*
 * test_statement.c — 料金明細書 PDF (src/billing/statement_pdf.c): a
 * hand-made invoice JSON renders to a complete PDF (%PDF- … %%EOF) whose
 * text (read back with pdftotext, from poppler-utils in scripts/bootstrap)
 * holds the registration number, invoice number, the three charge names,
 * amounts and the 訂正 mark; bulk documents have one page per invoice; long
 * invoices continue on a second page; the buffer maximum is enforced; yen
 * amounts are grouped by thousands.
 */
#include "billing/statement_pdf.h"
#include "core/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* An invoice as GET /api/v1/invoices/{id} returns it (billing.h). */
static const char invoice_text[] =
    "{\"id\": 7, \"number\": 1234, \"status\": \"issued\","
    " \"corrects_id\": null, \"issued_on\": \"2025-05-01\","
    " \"due_on\": \"2025-05-27\", \"payment_method\": \"debit\","
    " \"customer\": {\"id\": 3, \"number\": \"C-000123\","
    "  \"name\": \"山田 太郎\"},"
    " \"supply_point\": {\"id\": 4, \"address\":"
    "  \"静岡県静岡市葵区追手町9-6\"},"
    " \"period\": {\"from\": \"2025-04-01\", \"to\": \"2025-04-30\"},"
    " \"reading\": {\"previous_index\": \"1234.5\", \"previous_on\":"
    "  \"2025-03-31\", \"current_index\": \"1246.8\", \"current_on\":"
    "  \"2025-04-30\", \"usage_m3\": \"12.3\", \"last_year_usage_m3\":"
    "  \"14.1\"},"
    " \"lines\": ["
    "  {\"kind\": \"base\", \"description\": \"基本料金\","
    "   \"quantity_m3\": null, \"unit_price\": null, \"amount_yen\": 1800,"
    "   \"tax_rate\": 10},"
    "  {\"kind\": \"usage\", \"description\": \"従量料金\","
    "   \"quantity_m3\": \"12.3\", \"unit_price\": \"735.99\","
    "   \"amount_yen\": 9052, \"tax_rate\": 10},"
    "  {\"kind\": \"equipment\", \"description\": \"設備料金（給湯器）\","
    "   \"quantity_m3\": null, \"unit_price\": null, \"amount_yen\": 550,"
    "   \"tax_rate\": 10},"
    "  {\"kind\": \"adjustment\", \"description\": \"原料費調整\","
    "   \"quantity_m3\": \"12.3\", \"unit_price\": \"-12.50\","
    "   \"amount_yen\": -153, \"tax_rate\": 10}],"
    " \"tax\": [{\"rate\": 10, \"taxable_yen\": 11249, \"tax_yen\": 1124},"
    "  {\"rate\": 8, \"taxable_yen\": 0, \"tax_yen\": 0},"
    "  {\"rate\": 0, \"taxable_yen\": 0, \"tax_yen\": 0}],"
    " \"subtotal_yen\": 11249, \"tax_yen\": 1124, \"total_yen\": 12373,"
    " \"previous_balance_yen\": 0, \"amount_due_yen\": 12373,"
    " \"issuer\": {\"name\": \"静岡ガス販売株式会社\","
    "  \"registration\": \"T1234567890123\","
    "  \"address\": \"静岡県静岡市駿河区1-1\","
    "  \"phone\": \"054-000-0000\"}}";

static json_t *
invoice(void)
{
    json_error_t e;
    json_t *j = json_loads(invoice_text, 0, &e);
    assert_non_null(j);
    return j;
}

/* A complete PDF: header first, %%EOF (and a line end) last. */
static void
assert_pdf(const struct buf *b)
{
    size_t n = b->len;
    assert_true(n > 1000);
    assert_memory_equal(b->data, "%PDF-", 5);
    while (n > 0 && (b->data[n - 1] == '\n' || b->data[n - 1] == '\r'))
        n--;
    assert_true(n >= 5);
    assert_memory_equal(b->data + n - 5, "%%EOF", 5);
}

/* pdftotext of the PDF in b, into text (NUL-terminated). */
static void
pdf_text(const struct buf *b, char *text, size_t cap)
{
    char in[] = "/tmp/pl_test_statement_XXXXXX";
    char cmd[256];
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b->data, b->len), (ssize_t)b->len);
    close(fd);
    snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 %s -", in);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t got = fread(text, 1, cap - 1, p);
    text[got] = '\0';
    assert_int_equal(pclose(p), 0);
    unlink(in);
}

static int
count_pages(const struct buf *b)
{
    int n = 0;
    const char *p = b->data, *end = b->data + b->len;
    while ((p = memmem(p, (size_t)(end - p), "/Type /Page", 11)) &&
           p + 11 < end) {
        if (p[11] != 's')
            n++;
        p += 11;
    }
    return n;
}

static void
test_one_invoice_renders_a_complete_pdf_with_its_facts(void **state)
{
    (void)state;
    static char text[65536];
    struct buf b;
    json_t *inv = invoice();
    buf_init(&b, 4 << 20);
    assert_int_equal(statement_pdf(inv, &b), ERR_OK);
    assert_pdf(&b);
    assert_int_equal(count_pages(&b), 1);
    pdf_text(&b, text, sizeof(text));
    const char *want[] = {
        "T1234567890123", "1234",      "基本料金", "従量料金", "設備料金",
        "原料費調整",     "1,800",     "9,052",    "12,373",   "1,124",
        "735.99",         "山田 太郎", "C-000123", "口座振替", "2025年5月27日",
        "12.3",           "14.1",      "10%対象"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(text, want[i]))
            fail_msg("statement text lacks %s:\n%s", want[i], text);
    assert_null(strstr(text, "訂正"));
    json_decref(inv);
    buf_free(&b);
}

static void
test_missing_equipment_line_prints_zero_equipment_fee(void **state)
{
    (void)state;
    static char text[65536];
    struct buf b;
    json_t *inv = invoice();
    json_array_remove(json_object_get(inv, "lines"), 2);
    buf_init(&b, 4 << 20);
    assert_int_equal(statement_pdf(inv, &b), ERR_OK);
    pdf_text(&b, text, sizeof(text));
    assert_non_null(strstr(text, "設備料金"));
    assert_non_null(strstr(text, "0 円"));
    json_decref(inv);
    buf_free(&b);
}

static void
test_correction_is_marked_with_the_original_number(void **state)
{
    (void)state;
    static char text[65536];
    struct buf b;
    json_t *inv = invoice();
    json_object_set_new(inv, "corrects_id", json_integer(5));
    json_object_set_new(inv, "corrects_number", json_integer(1200));
    buf_init(&b, 4 << 20);
    assert_int_equal(statement_pdf(inv, &b), ERR_OK);
    pdf_text(&b, text, sizeof(text));
    assert_non_null(strstr(text, "訂正"));
    assert_non_null(strstr(text, "1200"));
    json_decref(inv);
    buf_free(&b);
}

static void
test_bulk_document_has_one_page_per_invoice(void **state)
{
    (void)state;
    struct buf b;
    json_t *inv = invoice();
    struct statement_renderer *sr = statement_renderer_new();
    buf_init(&b, 16 << 20);
    assert_int_equal(statement_begin(sr, &b, STATEMENT_A4), ERR_OK);
    for (int i = 0; i < 5; i++) {
        json_object_set_new(inv, "number", json_integer(100 + i));
        assert_int_equal(statement_add(sr, inv), ERR_OK);
    }
    assert_int_equal(statement_end(sr), ERR_OK);
    assert_int_equal(statement_pages(sr), 5);
    assert_pdf(&b);
    assert_int_equal(count_pages(&b), 5);
    statement_renderer_free(sr);
    json_decref(inv);
    buf_free(&b);
}

static void
test_many_lines_continue_on_a_second_page(void **state)
{
    (void)state;
    struct buf b;
    json_t *inv = invoice(), *lines = json_object_get(inv, "lines");
    for (int i = 0; i < 30; i++)
        json_array_append_new(lines,
                              json_pack("{s:s, s:s, s:i, s:i}", "kind",
                                        "charge", "description", "部品代",
                                        "amount_yen", 100, "tax_rate", 10));
    buf_init(&b, 4 << 20);
    assert_int_equal(statement_pdf(inv, &b), ERR_OK);
    assert_pdf(&b);
    assert_int_equal(count_pages(&b), 2);
    json_decref(inv);
    buf_free(&b);
}

static void
test_buffer_maximum_is_enforced(void **state)
{
    (void)state;
    struct buf b;
    json_t *inv = invoice();
    buf_init(&b, 2048);
    assert_int_equal(statement_pdf(inv, &b), ERR_TOO_LARGE);
    assert_true(b.len <= 2048);
    json_decref(inv);
    buf_free(&b);
}

static void
test_not_an_object_is_refused(void **state)
{
    (void)state;
    struct buf b;
    json_t *arr = json_array();
    buf_init(&b, 1 << 20);
    assert_int_equal(statement_pdf(arr, &b), ERR_INVALID);
    json_decref(arr);
    buf_free(&b);
}

static void
test_slip_is_one_narrow_page_with_usage_and_charge(void **state)
{
    (void)state;
    static char text[65536];
    struct buf b;
    json_t *inv = invoice();
    struct statement_renderer *sr = statement_renderer_new();
    buf_init(&b, 4 << 20);
    assert_int_equal(statement_begin(sr, &b, STATEMENT_SLIP), ERR_OK);
    assert_int_equal(statement_add(sr, inv), ERR_OK);
    assert_int_equal(statement_end(sr), ERR_OK);
    assert_pdf(&b);
    assert_int_equal(count_pages(&b), 1);
    /* 80 mm wide: 226.77 pt */
    assert_non_null(memmem(b.data, b.len, "/MediaBox [ 0 0 226.7", 21));
    pdf_text(&b, text, sizeof(text));
    const char *want[] = {"検針票", "12.3 m³",        "基本料金", "設備料金",
                          "12,373", "T1234567890123", "C-000123"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(text, want[i]))
            fail_msg("slip text lacks %s:\n%s", want[i], text);
    statement_renderer_free(sr);
    json_decref(inv);
    buf_free(&b);
}

static void
test_yen_grouping(void **state)
{
    (void)state;
    char t[32];
    statement_fmt_yen(0, t, sizeof(t));
    assert_string_equal(t, "0");
    statement_fmt_yen(999, t, sizeof(t));
    assert_string_equal(t, "999");
    statement_fmt_yen(1000, t, sizeof(t));
    assert_string_equal(t, "1,000");
    statement_fmt_yen(-1234567, t, sizeof(t));
    assert_string_equal(t, "-1,234,567");
    statement_fmt_yen(INT64_MIN, t, sizeof(t));
    assert_string_equal(t, "-9,223,372,036,854,775,808");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_one_invoice_renders_a_complete_pdf_with_its_facts),
        cmocka_unit_test(test_missing_equipment_line_prints_zero_equipment_fee),
        cmocka_unit_test(test_correction_is_marked_with_the_original_number),
        cmocka_unit_test(test_bulk_document_has_one_page_per_invoice),
        cmocka_unit_test(test_many_lines_continue_on_a_second_page),
        cmocka_unit_test(test_buffer_maximum_is_enforced),
        cmocka_unit_test(test_not_an_object_is_refused),
        cmocka_unit_test(test_slip_is_one_narrow_page_with_usage_and_charge),
        cmocka_unit_test(test_yen_grouping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
