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

/* The whole file at path into b (bounded by b's maximum). */
static enum err
slurp(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    enum err rc = ERR_OK;
    if (!f)
        return err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(b, chunk, n))
            rc = err_fail(ERR_TOO_LARGE, "%s: larger than %zu MiB", path,
                          b->max >> 20);
    if (!rc && ferror(f))
        rc = err_fail(ERR_IO, "%s: read error", path);
    fclose(f);
    return rc;
}

/* --mapping: JSON text, or @FILE holding it. */
static enum err
mapping_arg(const char *arg, json_t **out)
{
    struct buf b;
    enum err rc = ERR_OK;
    *out = NULL;
    if (!*arg)
        return ERR_OK;
    buf_init(&b, MAPPING_MAX);
    rc = *arg == '@' ? slurp(arg + 1, &b) : buf_puts(&b, arg);
    if (!rc && (json_parse(buf_str(&b), b.len, out) || !json_is_object(*out)))
        rc =
            err_fail(ERR_CONFIG,
                     "--mapping: give a JSON object {\"heading\": \"target\"}");
    buf_free(&b);
    return rc;
}

static enum err
audit_hook(void *arg, struct store *st, json_t *detail)
{
    const char *file = arg, *base = strrchr(file, '/');
    json_object_set_new(detail, "file", json_string(base ? base + 1 : file));
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    if (!text)
        return err_fail(ERR_INTERNAL, "audit detail");
    struct audit_entry e = {
        cli_actor(), "reading.import", "readings", text, NULL, NULL};
    enum err rc = audit_append(st, &e);
    free(text);
    return rc;
}

static long long
num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void
print_errors(const char *file, const json_t *summary)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(summary, "errors"), i, e)
    {
        const char *col = json_string_value(json_object_get(e, "column"));
        fprintf(stderr, "%s:%lld: %s%s%s%s\n", file, num(e, "line"),
                col ? "column " : "", col ? col : "", col ? ": " : "",
                json_string_value(json_object_get(e, "message")));
    }
    if (json_is_true(json_object_get(summary, "errors_truncated")))
        fprintf(stderr, "%s: (%lld errors in all; the first %d are shown)\n",
                file, num(summary, "error_count"), READINGS_IMPORT_ERRORS_MAX);
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
run(const struct rcli_opts *o, const char *file, const struct buf *b,
    const json_t *mapping)
{
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
        print_errors(file, summary);
        print_summary(file, summary, o->dry_run,
                      (double)(time_mono_ns() - t0) / 1e9);
    }
    json_decref(summary);
    return rc;
}

int
readings_import_main(int argc, char **argv)
{
    struct rcli_opts o = {0};
    struct buf b;
    json_t *mapping = NULL;
    if (opt_wants_help(argc, argv) || argc < 1 || argv[0][0] == '-') {
        cli_help("pilotlight import readings FILE --tenant CODE [options]",
                 "Import meter readings (検針値) from a CSV file (UTF-8 or "
                 "Shift_JIS), matched to supply points by supply_point_id, "
                 "customer number or meter serial. All rows or none: any "
                 "error imports nothing.",
                 rcli_table);
        return argc < 1 || argv[0][0] == '-' ? 2 : 0;
    }
    const char *file = argv[0];
    enum err rc = opt_parse(rcli_table, &o, argc - 1, argv + 1);
    buf_init(&b, READINGS_IMPORT_BYTES_MAX);
    if (!rc && !(rc = mapping_arg(o.mapping, &mapping)) &&
        !(rc = slurp(file, &b)))
        rc = run(&o, file, &b, mapping);
    buf_free(&b);
    json_decref(mapping);
    if (rc == ERR_IMPORT_ROWS)
        return 1; /* the errors are printed */
    return rc ? cli_fail("import readings", rc) : 0;
}
