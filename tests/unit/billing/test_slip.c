/*
 * test_slip.c — the reading slip (検針票): the 次回検針予定日 rule of
 * src/billing/slip.c and the slip page of src/billing/statement_pdf.c.
 *
 * Next reading date, worked by hand: the same day next month (10-10 →
 * 11-10), the month's last day when it is shorter (01-31 → 02-28, 02-29 in
 * a leap year; 03-31 → 04-30), December into January, and moved into the
 * window of the route's next period (before it: its first day, as a route
 * read every two months; after it: its last day; inside: unchanged).
 *
 * The slip page is 80 mm wide and as long as its content: a slip with
 * more lines is longer, and both are shorter than the old fixed 200 mm;
 * its text holds the labels a slip must show.
 */
#include "billing/slip.h"
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

static void
next_is(const char *read_on, const char *from, const char *to, const char *want)
{
    char out[11];
    slip_next_reading(read_on, from, to, out);
    if (strcmp(out, want))
        fail_msg("%s [%s, %s]: %s, want %s", read_on, from ? from : "-",
                 to ? to : "-", out, want);
}

static void
test_next_reading_is_the_same_day_next_month(void **state)
{
    (void)state;
    next_is("2026-10-10", NULL, NULL, "2026-11-10");
    next_is("2026-12-15", NULL, NULL, "2027-01-15");
    next_is("2026-01-31", NULL, NULL, "2026-02-28");
    next_is("2028-01-31", NULL, NULL, "2028-02-29");
    next_is("2100-01-30", NULL, NULL, "2100-02-28");
    next_is("2000-01-30", NULL, NULL, "2000-02-29");
    next_is("2026-03-31", NULL, NULL, "2026-04-30");
}

static void
test_next_reading_moves_into_the_next_period(void **state)
{
    (void)state;
    next_is("2026-10-10", "2026-11-01", "2026-11-28", "2026-11-10");
    /* a route read every two months: its next period is December */
    next_is("2026-10-10", "2026-12-01", "2026-12-25", "2026-12-01");
    /* the window ends before the same day next month */
    next_is("2026-10-30", "2026-11-01", "2026-11-20", "2026-11-20");
    next_is("2026-10-10", "2026-11-10", "2026-11-10", "2026-11-10");
}

static const char slip_text[] =
    "{\"reading_id\": 9, \"contract_id\": 2, \"priced_on\": \"2026-10-10\","
    " \"customer\": {\"id\": 3, \"number\": \"8001\", \"name\": \"駿河 花子\"},"
    " \"supply_point\": {\"id\": 4, \"address\": "
    "\"静岡県静岡市葵区追手町9-6\"},"
    " \"reading\": {\"kind\": \"regular\", \"estimated\": false,"
    "  \"previous_index\": \"100.0\", \"previous_on\": \"2026-09-10\","
    "  \"current_index\": \"112.3\", \"current_on\": \"2026-10-10\","
    "  \"usage_m3\": \"12.3\", \"last_month_usage_m3\": \"10.0\","
    "  \"last_year_usage_m3\": null},"
    " \"period\": {\"from\": \"2026-09-11\", \"to\": \"2026-10-10\","
    "  \"days\": 30},"
    " \"lines\": ["
    "  {\"kind\": \"base\", \"description\": \"基本料金\", \"amount_yen\": "
    "1800,"
    "   \"tax_rate\": 10},"
    "  {\"kind\": \"usage\", \"description\": \"従量料金\","
    "   \"quantity_m3\": \"12.3\", \"unit_price\": \"500.00\","
    "   \"amount_yen\": 6150, \"tax_rate\": 10},"
    "  {\"kind\": \"equipment\", \"description\": \"設備料金\","
    "   \"amount_yen\": 300, \"tax_rate\": 10},"
    "  {\"kind\": \"adjustment\", \"description\": \"原料費調整\","
    "   \"quantity_m3\": \"12.3\", \"unit_price\": \"5.00\","
    "   \"amount_yen\": 61, \"tax_rate\": 10}],"
    " \"tax\": [{\"rate\": 10, \"taxable_yen\": 8311, \"tax_yen\": 831},"
    "  {\"rate\": 8, \"taxable_yen\": 0, \"tax_yen\": 0},"
    "  {\"rate\": 0, \"taxable_yen\": 0, \"tax_yen\": 0}],"
    " \"subtotal_yen\": 8311, \"tax_yen\": 831, \"total_yen\": 9142,"
    " \"payment_method\": \"debit\", \"due_on\": \"2026-10-30\","
    " \"next_reading_on\": \"2026-11-10\","
    " \"issuer\": {\"name\": \"駿河プロパン株式会社\","
    "  \"registration\": \"T7123456789012\", \"address\": \"静岡県\","
    "  \"phone\": \"054-000-1111\"}}";

/* The slip rendered alone; its page height into *h. */
static void
render(json_t *slip, struct buf *b, double *h)
{
    struct statement_renderer *sr = statement_renderer_new();
    buf_init(b, SLIP_PDF_MAX);
    assert_int_equal(statement_begin(sr, b, STATEMENT_SLIP), ERR_OK);
    assert_int_equal(statement_add(sr, slip), ERR_OK);
    assert_int_equal(statement_end(sr), ERR_OK);
    statement_renderer_free(sr);
    const char *box = memmem(b->data, b->len, "/MediaBox [ 0 0 ", 16);
    assert_non_null(box);
    double w = 0;
    assert_int_equal(sscanf(box + 16, "%lf %lf", &w, h), 2);
    assert_true(w > 226.7 && w < 226.8); /* 80 mm */
}

static void
pdf_text(const struct buf *b, char *text, size_t cap)
{
    char in[] = "/tmp/pl_test_slip_XXXXXX";
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

static void
test_slip_page_is_as_long_as_its_content(void **state)
{
    (void)state;
    static char text[65536];
    json_error_t e;
    json_t *slip = json_loads(slip_text, 0, &e);
    struct buf b;
    double h1, h2;
    assert_non_null(slip);
    render(slip, &b, &h1);
    pdf_text(&b, text, sizeof(text));
    const char *want[] = {"検針票",
                          "お客様番号 8001",
                          "検針日",
                          "前回指針",
                          "今回指針",
                          "ご使用量",
                          "12.3 m³",
                          "基本料金",
                          "従量料金",
                          "設備料金",
                          "原料費調整額",
                          "消費税",
                          "ご請求予定額",
                          "9,142 円",
                          "次回検針予定日",
                          "2026年11月10日",
                          "口座振替日",
                          "2026年10月30日",
                          "前月のご使用量",
                          "10.0 m³",
                          "前年同月のご使用量",
                          "9/11〜10/10（30日）",
                          "T7123456789012",
                          "054-000-1111"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(text, want[i]))
            fail_msg("slip text lacks %s:\n%s", want[i], text);
    buf_free(&b);
    /* two more lines make a longer slip */
    json_t *lines = json_object_get(slip, "lines");
    json_array_append(lines, json_array_get(lines, 0));
    json_array_append(lines, json_array_get(lines, 1));
    render(slip, &b, &h2);
    assert_true(h1 > 300 && h1 < 566);
    assert_true(h2 > h1 + 20 && h2 < h1 + 30);
    buf_free(&b);
    json_decref(slip);
}

static void
test_collection_slip_shows_a_due_date(void **state)
{
    (void)state;
    static char text[65536];
    json_error_t e;
    json_t *slip = json_loads(slip_text, 0, &e);
    struct buf b;
    double h;
    json_object_set_new(slip, "payment_method", json_string("collection"));
    render(slip, &b, &h);
    pdf_text(&b, text, sizeof(text));
    assert_non_null(strstr(text, "お支払期限"));
    assert_null(strstr(text, "口座振替日"));
    assert_non_null(strstr(text, "集金"));
    buf_free(&b);
    json_decref(slip);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_reading_is_the_same_day_next_month),
        cmocka_unit_test(test_next_reading_moves_into_the_next_period),
        cmocka_unit_test(test_slip_page_is_as_long_as_its_content),
        cmocka_unit_test(test_collection_slip_shows_a_due_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
