/*
 * fuzz_csv.c — libFuzzer target for the customer import's parsers: any
 * bytes through charset detection and conversion (charset.c), the CSV
 * reader (csv.c) and the import job's mapping and row checks (import.c,
 * import_map.c; no store).
 *
 * Checks what the headers promise: conversion yields well-formed UTF-8 or
 * an error with an offset inside the input; every row the reader hands
 * out has 1..CSV_COLS_MAX fields of at most CSV_FIELD_MAX bytes without a
 * NUL, on non-decreasing lines; once failed, the reader stays failed; the
 * job never counts more valid rows than rows, and a row it calls valid has
 * a checked number and kana; the Shift_JIS written for any text reads
 * back without errors as text that is written the same way again.
 */
#include "customers/charset.h"
#include "customers/csv.h"
#include "customers/customers.h"
#include "customers/import.h"

#include <stdlib.h>
#include <string.h>

static void
check_reader(const char *text, size_t n)
{
    struct csv c;
    bool got;
    size_t last = 0;
    csv_init(&c, text, n);
    for (;;) {
        enum err rc = csv_next(&c, &got);
        if (rc && c.failed) {
            if (got || csv_next(&c, &got) != ERR_IMPORT_FORMAT || got)
                abort();
            break;
        }
        if (!got)
            break;
        if (c.nfields < 1 || c.nfields > CSV_COLS_MAX || c.row_line < last)
            abort();
        last = c.row_line;
        for (size_t i = 0; i < c.nfields; i++)
            if (c.len[i] > CSV_FIELD_MAX || strlen(c.field[i]) != c.len[i])
                abort();
    }
    csv_free(&c);
}

/* Shift_JIS we write reads back as text that writes the same bytes. (Not
 * the same text: CP932 has one code for a few pairs such as 〜 and ～, and
 * ICU drops invisible characters such as U+FEFF it cannot map.) */
static void
check_round_trip(const char *text, size_t n)
{
    struct buf sj, back, again;
    struct charset_error where;
    enum charset used;
    size_t sub = 0, sub2 = 0;
    buf_init(&sj, 1 << 22);
    buf_init(&back, 1 << 22);
    buf_init(&again, 1 << 22);
    if (charset_utf8_to_sjis(text, n, &sj, &sub) == ERR_OK) {
        if (charset_to_utf8(sj.data ? sj.data : "", sj.len, CHARSET_SJIS, &back,
                            &used, &where) ||
            charset_utf8_to_sjis(back.data ? back.data : "", back.len, &again,
                                 &sub2) ||
            sub2 || again.len != sj.len ||
            (sj.len && memcmp(again.data, sj.data, sj.len)))
            abort();
    }
    buf_free(&sj);
    buf_free(&back);
    buf_free(&again);
}

static void
check_job(const uint8_t *data, size_t size)
{
    struct import_opts o = {CHARSET_AUTO, true, NULL};
    struct import *im;
    struct import_row row = {0};
    bool got;
    if (import_open((const char *)data, size, &o, &im))
        return;
    while (!import_next(im, &row, &got) && got) {
        if (!row.ok)
            continue;
        const char *num =
            json_string_value(json_object_get(row.customer, "number"));
        const char *kana =
            json_string_value(json_object_get(row.customer, "kana"));
        char again[CUSTOMER_KANA_MAX * 3 + 1];
        if (!num || !customer_number_valid(num) || !kana ||
            customer_kana_normalize(kana, again, sizeof(again)) ||
            strcmp(again, kana))
            abort();
    }
    if (import_valid(im) > import_rows(im))
        abort();
    import_row_clear(&row);
    import_free(im);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf text;
    struct charset_error where;
    enum charset used;
    buf_init(&text, 1 << 22);
    enum err rc = charset_to_utf8((const char *)data, size, CHARSET_AUTO, &text,
                                  &used, &where);
    if (rc == ERR_OK) {
        const char *t = text.data ? text.data : "";
        check_reader(t, text.len);
        check_round_trip(t, text.len);
    } else if (rc == ERR_IMPORT_CHARSET && where.offset >= size) {
        abort();
    }
    buf_free(&text);
    check_job(data, size);
    return 0;
}
