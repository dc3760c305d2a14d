/*
 * fuzz_readings_csv.c — libFuzzer target for the readings import's parser
 * (src/metering/readings_import.c): any bytes through charset detection,
 * the CSV reader, the column mapping (by headings, by an explicit
 * mapping, without a heading row) and the row checks; and the first line
 * of the input through the date and index parsers on their own. No store.
 *
 * Checks what the header promises: a row called ok has a real JST date,
 * an index within METER_INDEX_MAX, at least one way of naming its supply
 * point, a customer number and meter serial of the allowed characters, a
 * note of well-formed UTF-8 within READINGS_NOTE_MAX characters without
 * control characters but line breaks; lines never go backwards; the job
 * never counts more valid rows than rows nor fewer errors than failed
 * rows. A date accepted alone is a valid date; an index accepted alone
 * prints and parses back to itself.
 */
#include "core/json.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "metering/readings_import.h"

#include <stdlib.h>
#include <string.h>

static bool
code_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n <= max && strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}

static void
check_row(const struct readings_row *row)
{
    if (!row->ok)
        return;
    if (!time_date_valid(row->read_on) || row->index_tenths < 0 ||
        row->index_tenths > METER_INDEX_MAX || row->point_id < 0)
        abort();
    if (!row->point_id && !row->number[0] && !row->serial[0])
        abort();
    if (!code_ok(row->number, 20) || !code_ok(row->serial, 30))
        abort();
    if (row->number[0] && !customer_number_valid(row->number))
        abort();
    size_t chars = utf8_chars(row->note);
    if (chars == SIZE_MAX || chars > READINGS_NOTE_MAX)
        abort();
    for (const char *c = row->note; *c; c++)
        if ((unsigned char)*c < 0x20 && *c != '\n')
            abort();
}

static void
check_job(const uint8_t *data, size_t size, const json_t *mapping, bool header)
{
    struct readings_import_opts o = {CHARSET_AUTO, header, mapping, 0};
    struct readings_import *im;
    struct readings_row row;
    bool got;
    size_t last = 0, seen = 0;
    if (readings_import_open((const char *)data, size, &o, &im))
        return;
    while (!readings_import_next(im, &row, &got) && got) {
        if (row.line < last)
            abort();
        last = row.line;
        seen++;
        check_row(&row);
    }
    size_t rows = readings_import_rows(im), valid = readings_import_valid(im);
    if (valid > rows || rows != seen ||
        readings_import_error_count(im) < rows - valid)
        abort();
    json_t *s = readings_import_summary(im, true);
    if (!s || json_array_size(json_object_get(s, "errors")) >
                  READINGS_IMPORT_ERRORS_MAX)
        abort();
    json_decref(s);
    readings_import_free(im);
}

/* The first line (at most 63 bytes) as a date and as an index. */
static void
check_values(const uint8_t *data, size_t size)
{
    char text[64], out[11], back[24];
    int64_t tenths, again;
    size_t n = 0;
    while (n < size && n < sizeof(text) - 1 && data[n] != '\n' && data[n])
        n++;
    memcpy(text, data, n);
    text[n] = '\0';
    if (readings_import_date(text, out) && !time_date_valid(out))
        abort();
    if (readings_import_index(text, &tenths)) {
        if (tenths < 0 || tenths > METER_INDEX_MAX)
            abort();
        equipment_tenths_format(tenths, back);
        if (!readings_import_index(back, &again) || again != tenths)
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *mapping;
    if (!mapping)
        mapping = json_pack("{s:s, s:s, s:s, s:n}", "1", "meter_serial", "2",
                            "read_on", "3", "index", "4");
    check_values(data, size);
    check_job(data, size, NULL, true);
    check_job(data, size, mapping, false);
    return 0;
}
