/*
 * readings_import_cli.c — `pilotlight import readings FILE --tenant CODE`:
 * the same job as POST /api/v1/imports/readings, run on the tenant's
 * store directly (a retailer's history brought over from the old system,
 * a monitoring vendor's monthly file).
 *
 * Errors go to stderr one per line, as compilers print them, so an editor
 * can jump to each:
 *
 *   readings.csv:12: column 指針: 指針 812.0 が前回の 845.3 より小さく…
 *
 * then a summary on stdout. The audit entry (reading.import) names the
 * command's actor (cli:<login>) and the file's base name; the readings
 * are entered_by that actor too.
 */
#include "audit/audit.h"
#include "cli.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "customers/import_cli.h"
#include "metering/readings_import.h"
#include "metering/readings_import_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAPPING_MAX 16384

struct rcli_opts {
    char data[4096];
    char tenant[64];
    bool dry_run;
    char charset[16];
    bool header;
    char mapping[MAPPING_MAX];
    bool one_by_one;
};

#define O(f)  offsetof(struct rcli_opts, f)
#define SZ(f) sizeof(((struct rcli_opts *)0)->f)

static const struct opt rcli_table[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "data directory"},
    {"tenant", OPT_STR, O(tenant), SZ(tenant), "", 0, 0,
     OPT_NO_ENV | OPT_REQUIRED, "CODE", "the tenant to import into"},
    {"dry-run", OPT_BOOL, O(dry_run), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "check every row against the ledger and report; write nothing"},
    {"charset", OPT_STR, O(charset), SZ(charset), "auto", 0, 0, OPT_NO_ENV,
     "CS", "auto, utf-8 or shift_jis"},
    {"header", OPT_BOOL, O(header), 0, "true", 0, 0, OPT_NO_ENV, NULL,
     "the first row holds the headings (--header false: it does not)"},
    {"mapping", OPT_STR, O(mapping), SZ(mapping), "", 0, 0, OPT_NO_ENV,
     "JSON|@FILE",
     "{\"heading or column number\": \"target\"}; targets: "
     "supply_point_id, customer_number, meter_serial, read_on, index, note"},
    {"one-by-one", OPT_BOOL, O(one_by_one), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "record every row on its own (no bulk recording; slower, the same "
     "result)"},
    OPT_END,
};

static enum err
audit_hook(void *arg, struct store *st, json_t *detail)
{
    return import_cli_audit(st, arg, "reading.import", "readings", detail);
}

static long long
num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void
print_summary(const char *file, const json_t *s, bool dry_run, double secs)
{
    long long rows = num(s, "rows"), errors = num(s, "error_count");
    char *flags = json_dumps(json_object_get(s, "flags"), JSON_COMPACT);
    if (errors)
        printf("%s: %lld errors in %lld rows: nothing imported\n", file, errors,
               rows);
    else
        printf("%s: %lld rows: %lld accepted, %lld flagged (要確認) %s, "
               "%lld already stored%s in %.2f s (%.0f rows/s)\n",
               file, rows, num(s, "accepted"), num(s, "flagged"),
               flags ? flags : "{}", num(s, "duplicates"),
               dry_run ? " (dry run: nothing written)" : "", secs,
               secs > 0 ? (double)rows / secs : 0.0);
    free(flags);
}

/* Run the job on file's bytes; prints the outcome. */
static enum err
run(const void *opts, const char *file, const struct buf *b,
    const json_t *mapping)
{
    const struct rcli_opts *o = opts;
    struct readings_import_opts io = {CHARSET_AUTO, o->header, mapping,
                                      o->one_by_one ? -1 : 0};
    struct readings_import *im;
    struct store *st;
    json_t *summary = NULL;
    uint64_t t0 = time_mono_ns();
    if (!charset_parse(o->charset, &io.charset))
        return err_fail(ERR_CONFIG, "--charset: auto, utf-8 or shift_jis");
    enum err rc = cli_open_tenant(o->data, o->tenant, &st);
    if (rc ||
        (rc = readings_import_open(b->data ? b->data : "", b->len, &io, &im)))
        return rc;
    rc = readings_import_run(st, im, o->dry_run, cli_actor(), audit_hook,
                             (void *)file, &summary);
    readings_import_free(im);
    if (summary) {
        import_cli_print_errors(file, summary, READINGS_IMPORT_ERRORS_MAX);
        print_summary(file, summary, o->dry_run,
                      (double)(time_mono_ns() - t0) / 1e9);
    }
    json_decref(summary);
    return rc;
}

static const char *
readings_mapping(const void *opts)
{
    return ((const struct rcli_opts *)opts)->mapping;
}

int
readings_import_main(int argc, char **argv)
{
    struct rcli_opts o = {0};
    const struct import_cli_cmd c = {
        "import readings",
        "pilotlight import readings FILE --tenant CODE [options]",
        "Import meter readings (検針値) from a CSV file (UTF-8 or Shift_JIS), "
        "matched to supply points by supply_point_id, customer number or "
        "meter serial. All rows or none: any error imports nothing.",
        rcli_table,
        READINGS_IMPORT_BYTES_MAX,
        &o,
        readings_mapping,
        run,
    };
    return import_cli_command(&c, argc, argv);
}
