/*
 * test_readings_bulk.c — tests src/metering/readings_bulk.c: recording a
 * large file from memory gives exactly what reading_record() gives row by
 * row. Two identical copies of a seeded tenant (exchanges, rollovers,
 * estimates awaiting their real reading, suspended and vacant points)
 * take the same three months of readings: one by readings_import_run()
 * one row at a time, the other in bulk. The file mixes what goes the fast
 * way (the plain monthly reading, zero and triple usage, a date outside
 * the window, a rollover, a reading across a meter exchange, the real
 * reading after an estimate) with what must not (a reading already
 * stored, a back-dated month, rows found by meter serial). Every stored
 * reading — previous, usage, flags, status, period, meter — must be
 * equal in both, and a dry run of the same file with errors added must
 * report the same errors. Both ways must have been taken, and CHECK
 * constraints must be back on afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "metering/metering.h"
#include "metering/readings_import.h"
#include "seed/seed.h"
#include "store/pool.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], path_a[128], path_b[128];
static struct store *st_a, *st_b;
static struct buf csv;

static int64_t
scalar(struct store *st, const char *sql)
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

/* Open the months of October and November on every route; estimate
 * September where it is unread. */
static void
open_months(struct store *st)
{
    struct stmt *s;
    bool row;
    char routes[64][24];
    int n = 0;
    int64_t id;
    assert_int_equal(store_query(st, &s,
                                 "SELECT DISTINCT route FROM supply_points"
                                 " ORDER BY route",
                                 ""),
                     ERR_OK);
    while (stmt_step(s, &row) == ERR_OK && row && n < 64)
        snprintf(routes[n++], 24, "%s", stmt_text(s, 0));
    stmt_done(s);
    assert_int_equal(store_tx_begin(st), ERR_OK);
    for (int i = 0; i < n; i++) {
        assert_int_equal(period_create(st, routes[i], "2026-10", "2026-10-01",
                                       "2026-10-20", NULL, "test", &id, NULL),
                         ERR_OK);
        assert_int_equal(period_create(st, routes[i], "2026-11", "2026-11-01",
                                       "2026-11-20", NULL, "test", &id, NULL),
                         ERR_OK);
    }
    /* September's unread points are estimated (推定検針): the file's
     * real readings replace or settle them */
    assert_int_equal(store_query(st, &s,
                                 "SELECT id FROM reading_periods"
                                 " WHERE month = '2026-09'",
                                 ""),
                     ERR_OK);
    int64_t sep[64];
    int m = 0;
    while (stmt_step(s, &row) == ERR_OK && row && m < 64)
        sep[m++] = stmt_int(s, 0);
    stmt_done(s);
    for (int i = 0; i < m; i++) {
        json_t *out;
        assert_int_equal(period_estimate(st, sep[i], NULL, "test", &out),
                         ERR_OK);
        json_decref(out);
    }
    assert_int_equal(store_tx_commit(st), ERR_OK);
    assert_true(scalar(st, "SELECT count(*) FROM readings"
                           " WHERE source = 'estimated'"
                           " AND read_on >= '2026-09-01'") > 0);
}

/* ---------------------------------------------------------------------- */
/* The file                                                               */
/* ---------------------------------------------------------------------- */

/* What a point looks like before the import. */
struct pt {
    int64_t id, base, sep_index;
    char serial[32], sep_day[11];
    bool read_in_sep;
};

static void
load(struct store *st, struct pt *pts, size_t *n, size_t max)
{
    struct stmt *s;
    bool row;
    /* base: the index the meter shows now (the installed meter's initial
     * index after an exchange; the last real index when an estimate is
     * higher); the September period and whether it is read */
    assert_int_equal(
        store_query(
            st, &s,
            "SELECT sp.id, m.serial,"
            " CASE WHEN m.install_date > r.read_on THEN m.initial_index"
            "  WHEN r.source = 'estimated' THEN (SELECT MAX(x.index_tenths)"
            "   FROM readings x WHERE x.supply_point_id = sp.id"
            "   AND x.meter_id = m.id AND x.source != 'estimated')"
            "  ELSE r.index_tenths END,"
            " y.index_tenths, y.read_on"
            " FROM supply_points sp"
            " JOIN meters m ON m.supply_point_id = sp.id"
            "  AND m.removed_date IS NULL"
            " JOIN readings r ON r.id = (SELECT z.id FROM readings z"
            "  WHERE z.supply_point_id = sp.id"
            "  ORDER BY z.read_on DESC, z.id DESC LIMIT 1)"
            " JOIN reading_periods q ON q.route = sp.route"
            "  AND q.month = '2026-09'"
            " LEFT JOIN readings y ON y.supply_point_id = sp.id"
            "  AND y.period_id = q.id AND y.source != 'estimated'"
            " WHERE NOT EXISTS (SELECT 1 FROM meters d"
            "  WHERE d.serial = m.serial AND d.id != m.id)"
            " ORDER BY sp.id",
            ""),
        ERR_OK);
    *n = 0;
    while (stmt_step(s, &row) == ERR_OK && row && *n < max) {
        struct pt *p = &pts[(*n)++];
        p->id = stmt_int(s, 0);
        snprintf(p->serial, sizeof(p->serial), "%s", stmt_text(s, 1));
        p->base = stmt_int(s, 2);
        p->read_in_sep = !stmt_is_null(s, 3);
        p->sep_index = stmt_int(s, 3);
        snprintf(p->sep_day, sizeof(p->sep_day), "%s",
                 p->read_in_sep ? stmt_text(s, 4) : "");
    }
    stmt_done(s);
}

/* One row: by id, or by serial for every 19th point. */
static void
row(const struct pt *p, size_t i, const char *day, int64_t index)
{
    index %= 100000; /* 4-digit registers roll over */
    if (i % 19 == 0)
        buf_printf(&csv, ",%s,%s,%lld.%lld\r\n", p->serial, day,
                   (long long)index / 10, (long long)index % 10);
    else
        buf_printf(&csv, "%lld,,%s,%lld.%lld\r\n", (long long)p->id, day,
                   (long long)index / 10, (long long)index % 10);
}

/* This month's use (tenths) of point i: mostly 8–30 m³, some none, some
 * three times as much. */
static int64_t
use(size_t i, int month)
{
    int64_t u = 80 + (int64_t)((i * 37 + (size_t)month * 11) % 220);
    if ((i + (size_t)month) % 23 == 0)
        return 0;
    if ((i + (size_t)month) % 29 == 0)
        return u * 3;
    return u;
}

static void
make_file(struct pt *pts, size_t n)
{
    buf_init(&csv, 1 << 22);
    buf_puts(&csv, "供給地点ID,メーター番号,検針日,指針\r\n");
    for (size_t i = 0; i < n; i++) { /* September, open since the seed */
        struct pt *p = &pts[i];
        if (p->read_in_sep) {
            if (i % 5 == 0) /* the stored one again: a duplicate */
                buf_printf(&csv, "%lld,,%s,%lld.%lld\r\n", (long long)p->id,
                           p->sep_day, (long long)p->sep_index / 10,
                           (long long)p->sep_index % 10);
            continue;
        }
        p->base += use(i, 9);
        if (i % 17 != 0) /* else sent late, after November */
            row(p, i, "2026-09-28", p->base);
    }
    for (size_t i = 0; i < n; i++) {
        pts[i].base += use(i, 10);
        row(&pts[i], i, i % 13 == 0 ? "2026-10-25" : "2026-10-10", pts[i].base);
    }
    for (size_t i = 0; i < n; i++) {
        pts[i].base += use(i, 11);
        row(&pts[i], i, "2026-11-10", pts[i].base);
    }
    for (size_t i = 0; i < n; i += 17) /* back-dated: the rest restate */
        if (!pts[i].read_in_sep)
            row(&pts[i], i, "2026-09-28",
                pts[i].base - use(i, 11) - use(i, 10));
}

/* ---------------------------------------------------------------------- */
/* Set-up: one seeded tenant, two copies                                  */
/* ---------------------------------------------------------------------- */

static void
copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char chunk[65536];
    size_t n;
    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        assert_int_equal(fwrite(chunk, 1, n, out), n);
    fclose(in);
    fclose(out);
}

static int
setup(void **state)
{
    struct store *platform, *st;
    static struct pt pts[1000];
    size_t n;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/pl-bulk-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pool_init(dir, 4), ERR_OK);
    assert_int_equal(pool_platform(&platform), ERR_OK);
    struct seed_ctx c = {
        .data_dir = dir,
        .platform = platform,
        .actor = "test",
        .seed = 11,
        .tenants = 1,
        .customers_per_tenant = 800,
        .months = 14,
        .quiet = 1,
        .as_of = "2026-09-27",
    };
    assert_int_equal(seed_run(&c), ERR_OK);
    free(c.tenant_ids);
    assert_int_equal(pool_tenant(1, &st), ERR_OK);
    open_months(st);
    load(st, pts, &n, 1000);
    assert_true(n > 700);
    make_file(pts, n);
    pool_thread_release(); /* closes: the WAL goes into the file */
    pool_tenant_path(dir, 1, path_a, sizeof(path_a));
    snprintf(path_b, sizeof(path_b), "%s/b.db", dir);
    copy_file(path_a, path_b);
    assert_int_equal(store_open(path_a, STORE_TENANT, &st_a), ERR_OK);
    assert_int_equal(store_open(path_b, STORE_TENANT, &st_b), ERR_OK);
    return 0;
}

static int
teardown(void **state)
{
    char cmd[128];
    (void)state;
    store_close(st_a);
    store_close(st_b);
    buf_free(&csv);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Comparing                                                              */
/* ---------------------------------------------------------------------- */

static json_t *last_detail; /* the last run's audit detail */

static enum err
keep_audit(void *arg, struct store *st, json_t *detail)
{
    (void)arg;
    (void)st;
    json_decref(last_detail);
    last_detail = detail;
    return ERR_OK;
}

/* Import text into st, one by one (bulk -1) or in bulk (1). */
static enum err
import(struct store *st, const char *text, size_t n, int bulk, bool dry_run,
       json_t **summary)
{
    struct readings_import_opts o = {CHARSET_AUTO, true, NULL, bulk};
    struct readings_import *im;
    assert_int_equal(readings_import_open(text, n, &o, &im), ERR_OK);
    enum err rc =
        readings_import_run(st, im, dry_run, "test", keep_audit, NULL, summary);
    readings_import_free(im);
    return rc;
}

/* Every reading of st as one text (no timestamps). */
static char *
dump(struct store *st)
{
    struct stmt *s;
    bool row;
    struct buf b;
    buf_init(&b, 1 << 26);
    assert_int_equal(
        store_query(st, &s,
                    "SELECT id || '|' || supply_point_id || '|' || meter_id"
                    " || '|' || quote(period_id) || '|' || kind || '|' ||"
                    " read_on || '|' || index_tenths || '|' ||"
                    " quote(usage_l) || '|' || quote(previous_id) || '|' ||"
                    " source || '|' || status || '|' || quote(flags) || '|'"
                    " || quote(corrects_id) || '|' || quote(note) || '|' ||"
                    " entered_by || '|' || version FROM readings ORDER BY id",
                    ""),
        ERR_OK);
    while (stmt_step(s, &row) == ERR_OK && row) {
        assert_int_equal(buf_puts(&b, stmt_text(s, 0)), ERR_OK);
        assert_int_equal(buf_putc(&b, '\n'), ERR_OK);
    }
    stmt_done(s);
    return buf_steal(&b);
}

/* The first line where a and b differ (for the failure message). */
static void
assert_same_text(const char *a, const char *b)
{
    size_t line = 1;
    const char *p = a, *q = b;
    while (*p && *p == *q) {
        line += *p == '\n';
        p++, q++;
    }
    if (*p || *q) {
        const char *la = p, *lb = q;
        while (la > a && la[-1] != '\n')
            la--;
        while (lb > b && lb[-1] != '\n')
            lb--;
        fail_msg("line %zu differs:\n  row by row: %.*s\n  bulk:       %.*s",
                 line, (int)strcspn(la, "\n"), la, (int)strcspn(lb, "\n"), lb);
    }
}

static void
test_dry_run_with_errors_reports_the_same(void **state)
{
    json_t *sa, *sb;
    struct buf bad;
    (void)state;
    buf_init(&bad, 1 << 22);
    buf_append(&bad, csv.data, csv.len);
    buf_puts(&bad, "999999,,2026-11-10,1.0\r\n"); /* no such point */
    buf_puts(&bad, "1,,2026-08-10,1.0\r\n");      /* a closed month */
    buf_puts(&bad, "2,,2026-11-11,0.0\r\n");      /* below: impossible */
    assert_int_equal(import(st_a, bad.data, bad.len, -1, true, &sa),
                     ERR_IMPORT_ROWS);
    assert_int_equal(import(st_b, bad.data, bad.len, 1, true, &sb),
                     ERR_IMPORT_ROWS);
    char *ta = json_dumps(sa, JSON_SORT_KEYS | JSON_INDENT(1));
    char *tb = json_dumps(sb, JSON_SORT_KEYS | JSON_INDENT(1));
    assert_same_text(ta, tb);
    assert_true(json_integer_value(json_object_get(sa, "error_count")) >= 3);
    free(ta);
    free(tb);
    json_decref(sa);
    json_decref(sb);
    buf_free(&bad);
}

static void
test_bulk_stores_what_reading_record_stores(void **state)
{
    json_t *sa, *sb;
    (void)state;
    int64_t before = scalar(st_a, "SELECT count(*) FROM readings");
    assert_int_equal(import(st_a, csv.data, csv.len, -1, false, &sa), ERR_OK);
    assert_int_equal(import(st_b, csv.data, csv.len, 1, false, &sb), ERR_OK);
    assert_true(scalar(st_a, "SELECT count(*) FROM readings") > before + 1400);
    char *a = dump(st_a), *b = dump(st_b);
    assert_same_text(a, b);
    free(a);
    free(b);
    /* the summaries agree too */
    char *ta = json_dumps(sa, JSON_SORT_KEYS),
         *tb = json_dumps(sb, JSON_SORT_KEYS);
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
    /* the file had something of everything */
    json_t *flags = json_object_get(sa, "flags");
    assert_true(json_integer_value(json_object_get(flags, "zero")) > 0);
    assert_true(json_integer_value(json_object_get(flags, "high")) > 0);
    assert_true(json_integer_value(json_object_get(flags, "date_outside")) > 0);
    assert_true(json_integer_value(json_object_get(sa, "duplicates")) > 0);
    assert_true(scalar(st_b, "SELECT count(*) FROM readings"
                             " WHERE source = 'import'"
                             " AND flags LIKE '%exchange%'") > 0);
    assert_true(scalar(st_b, "SELECT count(*) FROM readings r"
                             " JOIN readings p ON p.id = r.previous_id"
                             " WHERE r.source = 'import'"
                             " AND p.source = 'estimated'") > 0);
    json_decref(sa);
    json_decref(sb);
}

static void
test_both_ways_were_taken_and_checks_are_back(void **state)
{
    (void)state;
    /* the bulk run of the previous test (its audit detail) */
    json_t *bulk = json_object_get(last_detail, "bulk");
    json_int_t fast = json_integer_value(json_object_get(bulk, "fast"));
    json_int_t slow = json_integer_value(json_object_get(bulk, "one_by_one"));
    if (slow <= 0 || fast < 4 * slow)
        fail_msg("fast %lld, one by one %lld", (long long)fast,
                 (long long)slow);
    json_decref(last_detail);
    last_detail = NULL;
    /* CHECK constraints apply again on this connection */
    assert_int_equal(store_tx_begin(st_b), ERR_OK);
    enum err rc = store_run(
        st_b,
        "INSERT INTO readings (supply_point_id, meter_id, kind, read_on,"
        " index_tenths, source, entered_by, created_at, updated_at)"
        " SELECT supply_point_id, id, 'bogus', '2026-11-11', 1, 'import',"
        " 't', 'n', 'n' FROM meters LIMIT 1",
        "");
    store_tx_rollback(st_b);
    assert_int_equal(rc, ERR_STORE_CONSTRAINT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dry_run_with_errors_reports_the_same),
        cmocka_unit_test(test_bulk_stores_what_reading_record_stores),
        cmocka_unit_test(test_both_ways_were_taken_and_checks_are_back),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
