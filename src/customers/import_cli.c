/*
 * import_cli.c — `pilotlight import customers FILE --tenant CODE`: the
 * same job as POST /api/v1/imports/customers, run on the tenant's store
 * directly (for a retailer's first migration, done by the operator).
 *
 * Errors go to stderr one per line, as compilers print them, so an editor
 * can jump to each:
 *
 *   customers.csv:12: column 電話番号: 電話番号は数字とハイフンで…
 *
 * then a summary on stdout. The audit entry (customer.import) names the
 * command's actor (cli:<login>) and the file's base name.
 */
#include "audit/audit.h"
#include "cli.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "customers/import.h"
#include "customers/import_cli.h"
#include "metering/readings_import_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAPPING_MAX 16384

struct import_cli_opts {
    char data[4096];
    char tenant[64];
    bool dry_run;
    char charset[16];
    bool header;
    char mapping[MAPPING_MAX];
};

#define O(f)  offsetof(struct import_cli_opts, f)
#define SZ(f) sizeof(((struct import_cli_opts *)0)->f)

static const struct opt import_opts[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "data directory"},
    {"tenant", OPT_STR, O(tenant), SZ(tenant), "", 0, 0,
     OPT_NO_ENV | OPT_REQUIRED, "CODE", "the tenant to import into"},
    {"dry-run", OPT_BOOL, O(dry_run), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "check every row and report; write nothing"},
    {"charset", OPT_STR, O(charset), SZ(charset), "auto", 0, 0, OPT_NO_ENV,
     "CS", "auto, utf-8 or shift_jis"},
    {"header", OPT_BOOL, O(header), 0, "true", 0, 0, OPT_NO_ENV, NULL,
     "the first row holds the headings (--header false: it does not)"},
    {"mapping", OPT_STR, O(mapping), SZ(mapping), "", 0, 0, OPT_NO_ENV,
     "JSON|@FILE",
     "{\"heading or column number\": \"target\"}; default: by heading"},
    OPT_END,
};

enum err
import_cli_read_file(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    enum err rc = ERR_OK;
    if (!f)
        return err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if ((rc = buf_append(b, chunk, n)))
            rc = err_fail(ERR_TOO_LARGE, "%s: larger than %zu MiB", path,
                          b->max >> 20);
    if (!rc && ferror(f))
        rc = err_fail(ERR_IO, "%s: read error", path);
    fclose(f);
    return rc;
}

enum err
import_cli_mapping(const char *arg, json_t **out)
{
    struct buf b;
    enum err rc = ERR_OK;
    *out = NULL;
    if (!*arg)
        return ERR_OK;
    buf_init(&b, MAPPING_MAX);
    if (*arg == '@')
        rc = import_cli_read_file(arg + 1, &b);
    else
        rc = buf_puts(&b, arg);
    if (!rc && (json_parse(buf_str(&b), b.len, out) || !json_is_object(*out)))
        rc =
            err_fail(ERR_CONFIG,
                     "--mapping: give a JSON object {\"heading\": \"target\"}");
    buf_free(&b);
    return rc;
}

enum err
import_cli_audit(struct store *st, const char *file, const char *action,
                 const char *target, json_t *detail)
{
    const char *base = strrchr(file, '/');
    json_object_set_new(detail, "file", json_string(base ? base + 1 : file));
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    if (!text)
        return err_fail(ERR_INTERNAL, "audit detail");
    struct audit_entry e = {cli_actor(), action, target, text, NULL, NULL};
    enum err rc = audit_append(st, &e);
    free(text);
    return rc;
}

static enum err
audit_hook(void *arg, struct store *st, json_t *detail)
{
    return import_cli_audit(st, arg, "customer.import", "customers", detail);
}

void
import_cli_print_errors(const char *file, const json_t *summary, int shown)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(summary, "errors"), i, e)
    {
        const char *col = json_string_value(json_object_get(e, "column"));
        fprintf(stderr, "%s:%lld: %s%s%s%s\n", file,
                (long long)json_integer_value(json_object_get(e, "line")),
                col ? "column " : "", col ? col : "", col ? ": " : "",
                json_string_value(json_object_get(e, "message")));
    }
    if (json_is_true(json_object_get(summary, "errors_truncated")))
        fprintf(stderr, "%s: (%lld errors in all; the first %d are shown)\n",
                file,
                (long long)json_integer_value(
                    json_object_get(summary, "error_count")),
                shown);
}

static void
print_summary(const char *file, const json_t *s, bool dry_run, double secs)
{
    long long rows = json_integer_value(json_object_get(s, "rows"));
    long long errors = json_integer_value(json_object_get(s, "error_count"));
    if (dry_run)
        printf("%s: %lld rows, %lld valid, %lld errors (dry run: nothing "
               "written)\n",
               file, rows,
               (long long)json_integer_value(json_object_get(s, "valid")),
               errors);
    else if (errors)
        printf("%s: %lld errors in %lld rows: nothing imported\n", file, errors,
               rows);
    else
        printf(
            "%s: imported %lld customers and %lld supply points in %.2f s "
            "(%.0f rows/s)\n",
            file, (long long)json_integer_value(json_object_get(s, "imported")),
            (long long)json_integer_value(json_object_get(s, "supply_points")),
            secs, secs > 0 ? (double)rows / secs : 0.0);
}

/* Run the job on file's bytes; prints the outcome. */
static enum err
run(const void *opts, const char *file, const struct buf *b,
    const json_t *mapping)
{
    const struct import_cli_opts *o = opts;
    struct import_opts io = {CHARSET_AUTO, o->header, mapping};
    struct import *im;
    struct store *st;
    json_t *summary = NULL;
    uint64_t t0 = time_mono_ns();
    if (!charset_parse(o->charset, &io.charset))
        return err_fail(ERR_CONFIG, "--charset: auto, utf-8 or shift_jis");
    enum err rc = cli_open_tenant(o->data, o->tenant, &st);
    if (rc || (rc = import_open(b->data ? b->data : "", b->len, &io, &im)))
        return rc;
    rc = import_run(st, im, o->dry_run, audit_hook, (void *)file, &summary);
    import_free(im);
    if (summary) {
        import_cli_print_errors(file, summary, IMPORT_ERRORS_MAX);
        print_summary(file, summary, o->dry_run,
                      (double)(time_mono_ns() - t0) / 1e9);
    }
    json_decref(summary);
    return rc;
}

int
import_cli_command(const struct import_cli_cmd *c, int argc, char **argv)
{
    struct buf b;
    json_t *mapping = NULL;
    if (opt_wants_help(argc, argv) || argc < 1 || argv[0][0] == '-') {
        cli_help(c->usage, c->what, c->table);
        return argc < 1 || argv[0][0] == '-' ? 2 : 0;
    }
    const char *file = argv[0];
    enum err rc = opt_parse(c->table, c->opts, argc - 1, argv + 1);
    buf_init(&b, c->bytes_max);
    if (!rc && !(rc = import_cli_mapping(c->mapping(c->opts), &mapping)) &&
        !(rc = import_cli_read_file(file, &b)))
        rc = c->run(c->opts, file, &b, mapping);
    buf_free(&b);
    json_decref(mapping);
    if (rc == ERR_IMPORT_ROWS)
        return 1; /* the errors are printed */
    return rc ? cli_fail(c->name, rc) : 0;
}

static const char *
customers_mapping(const void *opts)
{
    return ((const struct import_cli_opts *)opts)->mapping;
}

static int
cmd_customers(int argc, char **argv)
{
    struct import_cli_opts o = {0};
    const struct import_cli_cmd c = {
        "import",
        "pilotlight import customers FILE --tenant CODE [options]",
        "Import customers (and their supply points) from a CSV file (UTF-8 "
        "or Shift_JIS). All rows or none: any error imports nothing.",
        import_opts,
        IMPORT_BYTES_MAX,
        &o,
        customers_mapping,
        run,
    };
    return import_cli_command(&c, argc, argv);
}

int
import_main(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        fprintf(
            argc < 1 ? stderr : stdout,
            "usage: pilotlight import customers|readings FILE --tenant CODE "
            "[options]\n\n"
            "  customers   import the customer ledger from CSV\n"
            "  readings    import meter readings (検針値) from CSV\n\n"
            "`pilotlight import KIND --help` lists the options.\n");
        return argc < 1 ? 2 : 0;
    }
    if (!strcmp(argv[0], "customers"))
        return cmd_customers(argc - 1, argv + 1);
    if (!strcmp(argv[0], "readings"))
        return readings_import_main(argc - 1, argv + 1);
    fprintf(stderr, "pilotlight import: unknown kind '%s'\n", argv[0]);
    return 2;
}
