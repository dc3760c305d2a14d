/*
 * export_cli.c — `pilotlight export customers --tenant CODE`: the ledger
 * export of GET /api/v1/exports/customers, written to a file (mode 0600,
 * as everything pilotlight writes). Audited as customer.export by the
 * command's actor.
 *
 * Never with bank details: full account numbers leave only through the
 * console's full export, behind step-up and customers.bank.
 */
#include "audit/audit.h"
#include "cli.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "customers/export.h"
#include "customers/export_cli.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct export_cli_opts {
    char data[4096];
    char tenant[64];
    char format[16];
    char out[4096];
    char q[512];
    char status[16];
};

#define O(f)  offsetof(struct export_cli_opts, f)
#define SZ(f) sizeof(((struct export_cli_opts *)0)->f)

static const struct opt export_opts[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "data directory"},
    {"tenant", OPT_STR, O(tenant), SZ(tenant), "", 0, 0,
     OPT_NO_ENV | OPT_REQUIRED, "CODE", "the tenant whose ledger to export"},
    {"format", OPT_STR, O(format), SZ(format), "csv", 0, 0, OPT_NO_ENV, "F",
     "csv (UTF-8 with BOM), csv_sjis (Shift_JIS) or xlsx"},
    {"out", OPT_STR, O(out), SZ(out), "", 0, 0, OPT_NO_ENV, "FILE",
     "where to write (- for stdout); default 顧客台帳_YYYYMMDD.csv here"},
    {"q", OPT_STR, O(q), SZ(q), "", 0, 0, OPT_NO_ENV, "TEXT",
     "only customers the search box finds for TEXT"},
    {"status", OPT_STR, O(status), SZ(status), "", 0, 0, OPT_NO_ENV, "S",
     "only active, suspended or closed customers"},
    OPT_END,
};

static enum err
write_out(const char *path, const struct buf *b)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!f)
        return err_fail(ERR_IO, "%s: %s", path, strerror(errno));
    size_t n = b->len ? fwrite(b->data, 1, b->len, f) : 0;
    int bad = n != b->len || fflush(f) != 0;
    if (f != stdout)
        bad |= fclose(f) != 0;
    return bad ? err_fail(ERR_IO, "%s: write failed", path) : ERR_OK;
}

static enum err
audit(struct store *st, const struct export_opts *eo,
      const struct export_result *res, const char *out)
{
    char *text = NULL;
    json_t *d =
        json_pack("{s:s, s:I, s:b, s:s?, s:s?, s:I, s:s}", "format",
                  export_format_name(eo->format), "rows", (json_int_t)res->rows,
                  "bank", false, "q", eo->q, "status", eo->status,
                  "substituted", (json_int_t)res->substituted, "file", out);
    if (d)
        text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (!text)
        return err_fail(ERR_INVALID, "--q or --out is not UTF-8");
    struct audit_entry e = {
        cli_actor(), "customer.export", "customers", text, NULL, NULL};
    enum err rc = store_tx_begin(st);
    if (!rc && !(rc = audit_append(st, &e)))
        rc = store_tx_commit(st);
    if (rc)
        store_tx_rollback(st);
    free(text);
    return rc;
}

static enum err
check(const struct export_cli_opts *o, struct export_opts *eo)
{
    if (!export_format_parse(o->format, &eo->format))
        return err_fail(ERR_CONFIG, "--format: csv, csv_sjis or xlsx");
    if (*o->status && !customer_status_valid(o->status))
        return err_fail(ERR_CONFIG, "--status: active, suspended or closed");
    eo->q = *o->q ? o->q : NULL;
    eo->status = *o->status ? o->status : NULL;
    return ERR_OK;
}

static enum err
run(struct export_cli_opts *o)
{
    struct export_opts eo = {0};
    struct export_result res;
    struct store *st;
    char tmp[4200], name[128], ascii[128], today[11];
    enum err rc = check(o, &eo);
    if (rc || (rc = cli_open_tenant(o->data, o->tenant, &st)))
        return rc;
    snprintf(tmp, sizeof(tmp), "%s/tmp", o->data);
    eo.tmp_dir = tmp;
    if (!*o->out) {
        time_today_jst(today);
        export_filename(eo.format, false, today, name, ascii, sizeof(name));
        snprintf(o->out, sizeof(o->out), "%s", name);
    }
    if ((rc = export_customers(st, &eo, &res)))
        return rc;
    if (!(rc = audit(st, &eo, &res, o->out)) &&
        !(rc = write_out(o->out, &res.data)))
        fprintf(stderr, "wrote %zu customers to %s%s\n", res.rows, o->out,
                res.substituted ? " (some characters as 〓)" : "");
    buf_free(&res.data);
    return rc;
}

static int
cmd_customers(int argc, char **argv)
{
    struct export_cli_opts o = {0};
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight export customers --tenant CODE [options]",
                 "Export the customer ledger with each customer's current "
                 "supply point (no bank details).",
                 export_opts);
        return 0;
    }
    enum err rc = opt_parse(export_opts, &o, argc, argv);
    if (!rc)
        rc = run(&o);
    return rc ? cli_fail("export", rc) : 0;
}

int
export_main(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        fprintf(argc < 1 ? stderr : stdout,
                "usage: pilotlight export customers --tenant CODE [options]\n\n"
                "  customers   export the customer ledger (CSV, Shift_JIS "
                "CSV, XLSX)\n\n"
                "`pilotlight export customers --help` lists the options.\n");
        return argc < 1 ? 2 : 0;
    }
    if (!strcmp(argv[0], "customers"))
        return cmd_customers(argc - 1, argv + 1);
    fprintf(stderr, "pilotlight export: unknown kind '%s'\n", argv[0]);
    return 2;
}
