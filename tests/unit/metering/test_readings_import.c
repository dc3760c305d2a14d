/*
 * test_readings_import.c — tests src/metering/readings_import.c (dates,
 * indexes, headings, rows with line numbers; no I/O) and
 * readings_import_run.c against a seeded tenant store: a dry run writes
 * nothing and reports what a real run would do; a real run writes every
 * row with one audit entry; the same file again is all duplicates; one
 * bad row (an index below the previous one, a closed month, a supply
 * point that cannot be found, a date in the future) imports nothing and names
 * its line; two different indexes for one meter and month in a file name each
 * other's lines; a vendor's file by meter serial and timestamp, and an office
 * file by customer number, find their supply points; Shift_JIS works.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "metering/metering.h"
#include "metering/readings_import.h"
#include "seed/seed.h"
#include "store/pool.h"
#include "store/store.h"

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* Values                                                                 */
/* ---------------------------------------------------------------------- */

static void
date_is(const char *in, const char *want)
{
    char out[11] = "";
    bool ok = readings_import_date(in, out);
    if (!want) {
        if (ok)
            fail_msg("%s: accepted as %s", in, out);
        return;
    }
    if (!ok || strcmp(out, want))
        fail_msg("%s: got %s, want %s", in, ok ? out : "(refused)", want);
}

static void
test_dates_as_files_write_them(void **state)
{
    (void)state;
    date_is("2026-11-10", "2026-11-10");
    date_is("2026/11/10", "2026-11-10");
    date_is("2026/1/5", "2026-01-05");
    date_is("2026.11.10", "2026-11-10");
    date_is("20261110", "2026-11-10");
    date_is("2026年11月10日", "2026-11-10");
    date_is("令和8年11月10日", "2026-11-10");
    date_is("R8.11.10", "2026-11-10");
    date_is("令和元年5月1日", "2019-05-01");
    date_is("H31.4.30", "2019-04-30");
    /* vendors' timestamps: the JST date */
    date_is("2026/11/10 06:00", "2026-11-10");
    date_is("2026/11/10 6:00:00", "2026-11-10");
    date_is("2026-11-10T06:00:00+09:00", "2026-11-10");
    date_is("2026-11-10T06:00:00.250+0900", "2026-11-10");
    date_is("2026-11-09T22:00:00Z", "2026-11-10"); /* 07:00 JST */
    date_is("2026-11-09T14:59:59Z", "2026-11-09"); /* 23:59 JST */
    date_is("2026-11-10T00:30:00+10:00", "2026-11-09");
    date_is("2026-12-31T15:00:00Z", "2027-01-01");
    /* not dates */
    date_is("2026-02-30", NULL);
    date_is("2026/13/01", NULL);
    date_is("2026/11/10 24:00", NULL);
    date_is("2026/11/10 06:00 x", NULL);
    date_is("10/11/2026", NULL);
    date_is("2026-11", NULL);
    date_is("", NULL);
    date_is("R0.1.1", NULL);
    date_is("1899-12-31", NULL);
}

static void
index_is(const char *in, int64_t want)
{
    int64_t t = -1;
    bool ok = readings_import_index(in, &t);
    if (want < 0 && ok)
        fail_msg("%s: accepted as %lld", in, (long long)t);
    if (want >= 0 && (!ok || t != want))
        fail_msg("%s: got %lld, want %lld", in, ok ? (long long)t : -1LL,
                 (long long)want);
}

static void
test_indexes_in_tenths_truncated(void **state)
{
    (void)state;
    index_is("1234.5", 12345);
    index_is("1234", 12340);
    index_is("01234.5", 12345);
    index_is("1234.56", 12345); /* 0.1 m³ is the last digit: truncated */
    index_is("1234.59", 12345);
    index_is("1234.", 12340);
    index_is("1,234.5", 12345);
    index_is("12.3m3", 123);
    index_is("12.3 m\u00b3", 123);
    index_is("12.3\u33a5", 123);
    index_is("0", 0);
    index_is("99999999.9", 999999999);
    index_is("100000000", -1);
    index_is("-1.0", -1);
    index_is(".5", -1);
    index_is("1.2.3", -1);
    index_is("12a", -1);
    index_is(",123", -1);
    index_is("123,", -1);
    index_is("", -1);
}

/* ---------------------------------------------------------------------- */
/* Jobs without a store                                                   */
/* ---------------------------------------------------------------------- */

static struct readings_import *
open_ok(const char *csv, const json_t *mapping, bool header)
{
    struct readings_import_opts o = {CHARSET_AUTO, header, mapping, 0};
    struct readings_import *im = NULL;
    enum err rc = readings_import_open(csv, strlen(csv), &o, &im);
    if (rc)
        fail_msg("open: %s", err_detail());
    return im;
}

static enum err
open_fails(const char *csv, const json_t *mapping)
{
    struct readings_import_opts o = {CHARSET_AUTO, true, mapping, 0};
    struct readings_import *im = NULL;
    enum err rc = readings_import_open(csv, strlen(csv), &o, &im);
    assert_null(im);
    return rc;
}

static void
test_headings_japanese_english_and_vendor(void **state)
{
    (void)state;
    struct readings_import *im =
        open_ok("供給地点ID,検針年月日,今回指針,備考,担当\r\n"
                "12,2026/11/10,1234.5,犬注意,山田\r\n",
                NULL, true);
    json_t *s = readings_import_summary(im, true);
    json_t *cols = json_object_get(s, "columns");
    assert_int_equal(json_array_size(cols), 4);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(cols, 2), "field")),
        "index");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(s, "ignored_columns"), 0)),
                        "担当");
    json_decref(s);
    readings_import_free(im);
    /* half-width kana and full-width letters fold */
    im = open_ok("ﾒｰﾀｰ製造番号,計測日時,指針値\n"
                 "A21-123456,2026/11/10 06:00,812.3\n",
                 NULL, true);
    readings_import_free(im);
    im = open_ok("meter_serial,read_at,reading\nA1,2026-11-10,1\n", NULL, true);
    readings_import_free(im);
}

static void
test_mapping_problems_are_refused(void **state)
{
    (void)state;
    assert_int_equal(open_fails("供給地点ID,指針\n1,2\n", NULL),
                     ERR_IMPORT_MAPPING); /* no date */
    assert_int_equal(open_fails("検針日,指針\n2026-11-10,2\n", NULL),
                     ERR_IMPORT_MAPPING); /* nothing names the point */
    assert_int_equal(open_fails("顧客番号,検針日,指針,指針値\n1,2,3,4\n", NULL),
                     ERR_IMPORT_MAPPING); /* two index columns */
    json_t *m = json_pack("{s:s}", "3", "idx");
    assert_int_equal(open_fails("a,b,c\n1,2,3\n", m), ERR_IMPORT_MAPPING);
    json_decref(m);
    m = json_pack("{s:s}", "no such", "index");
    assert_int_equal(open_fails("a,b,c\n1,2,3\n", m), ERR_IMPORT_MAPPING);
    json_decref(m);
    assert_int_equal(open_fails("", NULL), ERR_IMPORT_FORMAT);
    struct readings_import_opts o = {CHARSET_AUTO, false, NULL, 0};
    struct readings_import *im;
    assert_int_equal(readings_import_open("1,2,3\n", 6, &o, &im),
                     ERR_IMPORT_MAPPING); /* no heading, no mapping */
}

/* The rows of a job: the lines of the good ones into good[]. */
static size_t
read_all(struct readings_import *im, struct readings_row *rows, size_t max)
{
    struct readings_row row;
    bool got;
    size_t n = 0;
    while (readings_import_next(im, &row, &got) == ERR_OK && got)
        if (n < max)
            rows[n++] = row;
    return n;
}

static const json_t *
error_at(const json_t *summary, size_t i)
{
    return json_array_get(json_object_get(summary, "errors"), i);
}

static void
test_rows_checked_with_their_lines(void **state)
{
    (void)state;
    static struct readings_row rows[8];
    struct readings_import *im =
        open_ok("顧客番号,メーター番号,検針日,指針,備考\n"
                "１２０,,２０２６／１１／１０,１２３４．５,\"2行の\n備考\"\n"
                ",,,,\n"
                "abc$,,2026-11-10,1,\n"
                "120,,2026-11-31,-3,\n"
                ",,2026-11-10,5,\n"
                "'=1,,2026-11-10,5,\n",
                NULL, true);
    size_t n = read_all(im, rows, 8);
    assert_int_equal(n, 5); /* the blank row is skipped */
    assert_true(rows[0].ok);
    assert_int_equal(rows[0].line, 2);
    assert_string_equal(rows[0].number, "120");
    assert_string_equal(rows[0].read_on, "2026-11-10");
    assert_int_equal(rows[0].index_tenths, 12345);
    assert_string_equal(rows[0].note, "2行の\n備考");
    assert_false(rows[1].ok);
    assert_int_equal(rows[1].line, 5); /* the note took two lines */
    assert_false(rows[2].ok);
    assert_false(rows[3].ok);
    assert_false(rows[4].ok); /* "'=1": the guard goes, "=1" is no number */
    json_t *s = readings_import_summary(im, true);
    assert_int_equal(json_integer_value(json_object_get(s, "rows")), 5);
    assert_int_equal(json_integer_value(json_object_get(s, "valid")), 1);
    assert_int_equal(json_integer_value(json_object_get(s, "error_count")), 5);
    const json_t *e = error_at(s, 0);
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 5);
    assert_string_equal(json_string_value(json_object_get(e, "column")),
                        "顧客番号");
    e = error_at(s, 1);
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 6);
    assert_string_equal(json_string_value(json_object_get(e, "field")),
                        "read_on");
    e = error_at(s, 3);
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 7);
    assert_string_equal(json_string_value(json_object_get(e, "code")),
                        "point_required");
    json_decref(s);
    readings_import_free(im);
}

static void
test_fatal_csv_error_ends_the_job(void **state)
{
    (void)state;
    static struct readings_row rows[4];
    struct readings_import *im = open_ok(
        "供給地点ID,検針日,指針\n1,2026-11-10,1\n2,\"open,3\n", NULL, true);
    assert_int_equal(read_all(im, rows, 4), 1);
    assert_int_equal(readings_import_error_count(im), 1);
    readings_import_free(im);
}

/* ---------------------------------------------------------------------- */
/* Runs against a seeded store                                            */
/* ---------------------------------------------------------------------- */

static char dir[64];
static struct store *st;
static int64_t period_id;

/* A point of route R01 with its meter serial, customer number and last
 * index. */
struct pt {
    int64_t id, last;
    char serial[32], number[24], last_on[11];
};
static struct pt pts[6];

static void
load_points(void)
{
    struct stmt *s;
    bool row;
    size_t n = 0;
    /* active customers living at one point, whose last reading is a
     * real one on the installed meter (no exchange or estimate pending),
     * with room below and above the index */
    assert_int_equal(
        store_query(st, &s,
                    "SELECT sp.id, m.serial, c.number, r.index_tenths,"
                    " r.read_on FROM supply_points sp"
                    " JOIN meters m ON m.supply_point_id = sp.id"
                    "  AND m.removed_date IS NULL"
                    " JOIN occupancy o ON o.supply_point_id = sp.id"
                    "  AND o.moved_out IS NULL"
                    " JOIN customers c ON c.id = o.customer_id"
                    " JOIN readings r ON r.id = (SELECT x.id FROM readings x"
                    "  WHERE x.supply_point_id = sp.id"
                    "  ORDER BY x.read_on DESC, x.id DESC LIMIT 1)"
                    " WHERE sp.route = 'R01' AND c.status = 'active'"
                    " AND r.meter_id = m.id AND r.source != 'estimated'"
                    " AND r.index_tenths BETWEEN 1000 AND 90000"
                    " AND (SELECT count(*) FROM occupancy x"
                    "  WHERE x.customer_id = c.id) = 1"
                    " AND NOT EXISTS (SELECT 1 FROM meters y"
                    "  WHERE y.serial = m.serial AND y.id != m.id)"
                    " ORDER BY sp.route_order LIMIT 6",
                    ""),
        ERR_OK);
    while (stmt_step(s, &row) == ERR_OK && row && n < 6) {
        struct pt *p = &pts[n++];
        p->id = stmt_int(s, 0);
        snprintf(p->serial, sizeof(p->serial), "%s", stmt_text(s, 1));
        snprintf(p->number, sizeof(p->number), "%s", stmt_text(s, 2));
        p->last = stmt_int(s, 3);
        snprintf(p->last_on, sizeof(p->last_on), "%s", stmt_text(s, 4));
    }
    stmt_done(s);
    assert_int_equal(n, 6);
}

static int
setup_store(void **state)
{
    struct store *platform;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/pl-rimport-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pool_init(dir, 4), ERR_OK);
    assert_int_equal(pool_platform(&platform), ERR_OK);
    struct seed_ctx c = {
        .data_dir = dir,
        .platform = platform,
        .actor = "test",
        .seed = 3,
        .tenants = 1,
        .customers_per_tenant = 200,
        .months = 2,
        .quiet = 1,
        .as_of = "2026-09-28",
    };
    assert_int_equal(seed_run(&c), ERR_OK);
    free(c.tenant_ids);
    assert_int_equal(pool_tenant(1, &st), ERR_OK);
    assert_int_equal(store_tx_begin(st), ERR_OK);
    assert_int_equal(period_create(st, "R01", "2026-10", "2026-10-01",
                                   "2026-10-20", NULL, "test", &period_id,
                                   NULL),
                     ERR_OK);
    assert_int_equal(store_tx_commit(st), ERR_OK);
    load_points();
    return 0;
}

static int
teardown_store(void **state)
{
    char cmd[128];
    (void)state;
    pool_thread_release();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static int64_t
scalar(const char *sql)
{
    struct stmt *s;
    bool row = false;
    int64_t v = -1;
    assert_int_equal(store_query(st, &s, sql, ""), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    if (row)
        v = stmt_int(s, 0);
    stmt_done(s);
    return v;
}

static int audits;

static enum err
audit_hook(void *arg, struct store *s, json_t *detail)
{
    (void)arg;
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    struct audit_entry e = {"test", "reading.import", "readings", text, NULL,
                            NULL};
    enum err rc = audit_append(s, &e);
    free(text);
    audits++;
    return rc;
}

/* Run csv (n bytes) against the store; *summary for the caller. */
static enum err
run(const char *csv, size_t n, bool dry_run, json_t **summary)
{
    struct readings_import_opts o = {CHARSET_AUTO, true, NULL, 0};
    struct readings_import *im;
    enum err rc = readings_import_open(csv, n, &o, &im);
    if (rc)
        fail_msg("open: %s", err_detail());
    rc =
        readings_import_run(st, im, dry_run, "test", audit_hook, NULL, summary);
    readings_import_free(im);
    return rc;
}

static long long
num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* A file of the first three points read on 2026-10-10, 15.0 m³ on. */
static void
three_rows(char *out, size_t cap)
{
    snprintf(out, cap,
             "供給地点ID,検針日,指針\n"
             "%lld,2026-10-10,%lld.%lld\n"
             "%lld,2026-10-10,%lld.%lld\n"
             "%lld,2026-10-10,%lld.%lld\n",
             (long long)pts[0].id, (long long)(pts[0].last + 150) / 10,
             (long long)(pts[0].last + 150) % 10, (long long)pts[1].id,
             (long long)(pts[1].last + 120) / 10,
             (long long)(pts[1].last + 120) % 10, (long long)pts[2].id,
             (long long)(pts[2].last + 90) / 10,
             (long long)(pts[2].last + 90) % 10);
}

static void
test_dry_run_reports_and_writes_nothing(void **state)
{
    char csv[512];
    json_t *s;
    (void)state;
    three_rows(csv, sizeof(csv));
    int64_t before = scalar("SELECT count(*) FROM readings");
    audits = 0;
    assert_int_equal(run(csv, strlen(csv), true, &s), ERR_OK);
    assert_int_equal(num(s, "accepted") + num(s, "flagged"), 3);
    assert_true(json_is_true(json_object_get(s, "dry_run")));
    assert_null(json_object_get(s, "imported"));
    json_decref(s);
    assert_int_equal(scalar("SELECT count(*) FROM readings"), before);
    assert_int_equal(audits, 0);
}

static void
test_real_run_writes_all_then_resend_is_duplicates(void **state)
{
    char csv[512];
    json_t *s;
    (void)state;
    three_rows(csv, sizeof(csv));
    int64_t before = scalar("SELECT count(*) FROM readings");
    audits = 0;
    assert_int_equal(run(csv, strlen(csv), false, &s), ERR_OK);
    assert_int_equal(num(s, "imported"), 3);
    json_decref(s);
    assert_int_equal(scalar("SELECT count(*) FROM readings"), before + 3);
    assert_int_equal(scalar("SELECT count(*) FROM readings WHERE"
                            " source = 'import' AND entered_by = 'test'"
                            " AND usage_l = 15000"),
                     1);
    assert_int_equal(audits, 1);
    /* the same file again: nothing new */
    assert_int_equal(run(csv, strlen(csv), false, &s), ERR_OK);
    assert_int_equal(num(s, "duplicates"), 3);
    assert_int_equal(num(s, "imported"), 0);
    json_decref(s);
    assert_int_equal(scalar("SELECT count(*) FROM readings"), before + 3);
}

static void
test_one_bad_row_imports_nothing(void **state)
{
    char csv[1024];
    json_t *s;
    (void)state;
    /* row 3: below the previous index (and no rollover); row 4: a closed
     * month; row 5: an unknown point; row 6: the future */
    snprintf(csv, sizeof(csv),
             "供給地点ID,検針日,指針\n"
             "%lld,2026-10-10,%lld.0\n"
             "%lld,2026-10-10,%lld.0\n"
             "%lld,2026-08-10,1.0\n"
             "999999,2026-10-10,1.0\n"
             "%lld,2030-01-01,1.0\n",
             (long long)pts[3].id, (long long)pts[3].last / 10 + 10,
             (long long)pts[4].id, (long long)pts[4].last / 10 - 50,
             (long long)pts[5].id, (long long)pts[5].id);
    int64_t before = scalar("SELECT count(*) FROM readings");
    assert_int_equal(run(csv, strlen(csv), false, &s), ERR_IMPORT_ROWS);
    assert_int_equal(scalar("SELECT count(*) FROM readings"), before);
    assert_int_equal(num(s, "error_count"), 4);
    const json_t *e = error_at(s, 0);
    assert_int_equal(num(e, "line"), 3);
    assert_string_equal(json_string_value(json_object_get(e, "code")),
                        "metering.reading_impossible");
    e = error_at(s, 1);
    assert_int_equal(num(e, "line"), 4);
    assert_string_equal(json_string_value(json_object_get(e, "code")),
                        "metering.period_closed");
    e = error_at(s, 2);
    assert_int_equal(num(e, "line"), 5);
    assert_string_equal(json_string_value(json_object_get(e, "code")),
                        "customers.supply_point_not_found");
    e = error_at(s, 3);
    assert_int_equal(num(e, "line"), 6);
    assert_string_equal(json_string_value(json_object_get(e, "code")),
                        "future");
    json_decref(s);
    /* dry run: the same report, answered as such */
    assert_int_equal(run(csv, strlen(csv), true, &s), ERR_IMPORT_ROWS);
    assert_int_equal(num(s, "error_count"), 4);
    json_decref(s);
    assert_int_equal(scalar("SELECT count(*) FROM readings"), before);
}

static void
test_conflict_inside_the_file_names_the_other_line(void **state)
{
    char csv[512];
    json_t *s;
    (void)state;
    snprintf(csv, sizeof(csv),
             "供給地点ID,検針日,指針\n"
             "%lld,2026-10-10,%lld.0\n"
             "%lld,2026-10-11,%lld.0\n",
             (long long)pts[3].id, (long long)pts[3].last / 10 + 10,
             (long long)pts[3].id, (long long)pts[3].last / 10 + 11);
    assert_int_equal(run(csv, strlen(csv), false, &s), ERR_IMPORT_ROWS);
    const json_t *e = error_at(s, 0);
    assert_int_equal(num(e, "line"), 3);
    assert_string_equal(json_string_value(json_object_get(e, "code")),
                        "metering.reading_conflict");
    assert_non_null(
        strstr(json_string_value(json_object_get(e, "message")), "2 行目"));
    json_decref(s);
    assert_int_equal(scalar("SELECT count(*) FROM reading_conflicts"), 0);
}

static void
test_vendor_file_by_serial_and_office_file_by_number(void **state)
{
    char csv[1024];
    json_t *s;
    (void)state;
    /* 集中監視 export: serial and a timestamp, a second decimal */
    snprintf(csv, sizeof(csv),
             "メーター製造番号,計測日時,指針値\n"
             "%s,2026/10/10 06:00,%lld.%lld7\n",
             pts[3].serial, (long long)(pts[3].last + 80) / 10,
             (long long)(pts[3].last + 80) % 10);
    assert_int_equal(run(csv, strlen(csv), false, &s), ERR_OK);
    assert_int_equal(num(s, "imported"), 1);
    json_decref(s);
    /* an office sheet by customer number; a number that names another
     * point than the id beside it is an error */
    snprintf(csv, sizeof(csv),
             "顧客番号,検針日,今回指針\n%s,2026-10-10,%lld.0\n", pts[4].number,
             (long long)pts[4].last / 10 + 12);
    assert_int_equal(run(csv, strlen(csv), false, &s), ERR_OK);
    assert_int_equal(num(s, "imported"), 1);
    json_decref(s);
    snprintf(csv, sizeof(csv),
             "供給地点ID,顧客番号,検針日,指針\n%lld,%s,2026-10-10,%lld.0\n",
             (long long)pts[5].id, pts[4].number,
             (long long)pts[5].last / 10 + 12);
    assert_int_equal(run(csv, strlen(csv), false, &s), ERR_IMPORT_ROWS);
    assert_string_equal(
        json_string_value(json_object_get(error_at(s, 0), "field")),
        "customer_number");
    json_decref(s);
    snprintf(csv, sizeof(csv), "メーター番号,検針日,指針\nZZ-0,2026-10-10,1\n");
    assert_int_equal(run(csv, strlen(csv), false, &s), ERR_IMPORT_ROWS);
    assert_string_equal(
        json_string_value(json_object_get(error_at(s, 0), "code")),
        "metering.no_meter");
    json_decref(s);
}

static void
test_shift_jis_file_imports(void **state)
{
    char csv[512], sj[1024];
    json_t *s;
    (void)state;
    snprintf(csv, sizeof(csv),
             "供給地点ID,検針日,指針,備考\n%lld,2026-10-10,"
             "%lld.0,ｶｷﾞは玄関横①\n",
             (long long)pts[5].id, (long long)pts[5].last / 10 + 9);
    iconv_t cd = iconv_open("CP932", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    char *in = csv, *out = sj;
    size_t in_left = strlen(csv), out_left = sizeof(sj);
    assert_true(iconv(cd, &in, &in_left, &out, &out_left) != (size_t)-1);
    iconv_close(cd);
    assert_int_equal(run(sj, sizeof(sj) - out_left, false, &s), ERR_OK);
    assert_string_equal(json_string_value(json_object_get(s, "charset")),
                        "shift_jis");
    assert_int_equal(num(s, "imported"), 1);
    json_decref(s);
    assert_int_equal(scalar("SELECT count(*) FROM readings"
                            " WHERE note = 'ｶｷﾞは玄関横①'"),
                     1);
}

int
main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_dates_as_files_write_them),
        cmocka_unit_test(test_indexes_in_tenths_truncated),
        cmocka_unit_test(test_headings_japanese_english_and_vendor),
        cmocka_unit_test(test_mapping_problems_are_refused),
        cmocka_unit_test(test_rows_checked_with_their_lines),
        cmocka_unit_test(test_fatal_csv_error_ends_the_job),
    };
    const struct CMUnitTest stored[] = {
        cmocka_unit_test(test_dry_run_reports_and_writes_nothing),
        cmocka_unit_test(test_real_run_writes_all_then_resend_is_duplicates),
        cmocka_unit_test(test_one_bad_row_imports_nothing),
        cmocka_unit_test(test_conflict_inside_the_file_names_the_other_line),
        cmocka_unit_test(test_vendor_file_by_serial_and_office_file_by_number),
        cmocka_unit_test(test_shift_jis_file_imports),
    };
    int failed = cmocka_run_group_tests_name("values", pure, NULL, NULL);
    return failed + cmocka_run_group_tests_name("store", stored, setup_store,
                                                teardown_store);
}
