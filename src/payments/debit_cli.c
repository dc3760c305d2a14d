/*
 * debit_cli.c — `pilotlight payments …`: direct debit (口座振替) for
 * operators and batch jobs, the same functions as the API (debit.h) on the
 * tenant's store directly.
 *
 *   pilotlight payments debit-request --tenant CODE (--run ID | --month
 *       YYYY-MM [--group N]) --debit-on DATE --out FILE [--bank CODE]
 *       [--preview] [--quiet] [--data DIR]
 *   pilotlight payments debit-result --tenant CODE --request ID FILE
 *       [--file N] [--dry-run] [--quiet] [--data DIR]
 *   pilotlight payments debit-requests --tenant CODE [--data DIR]
 *   pilotlight payments bank-transfers --tenant CODE FILE [--dry-run]
 *       [--quiet] [--data DIR]
 *
 * debit-request makes and stores the request (debit_request.create) and
 * writes its file to FILE — several files (one per bank) to FILE.1,
 * FILE.2, … — each counted as a download (debit_request.download). Files
 * hold account numbers: mode 0600, written as FILE.tmp, fsync'd, renamed.
 * debit-result imports the bank's result (debit_result.import);
 * bank-transfers imports the bank's 振込入金通知 / 入出金取引明細 into the
 * transfers, matched or put on the review list (transfer.import). Audit
 * entries name the command's actor (cli:<login>); whoever can run this
 * can read the data directory, so no step-up applies.
 *
 * Progress and the outcome go to stderr as lines (stages, the summary,
 * each problem or failure as FILE:LINE: …); stdout gets the answer as
 * JSON, as the API gives it. Exit 0 done, 1 refused or failed, 2 usage.
 */
#include "audit/audit.h"
#include "cli.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "customers/import_cli.h"
#include "payments/debit.h"
#include "payments/debit_cli.h"
#include "payments/payments.h"
#include "payments/zengin_bank.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dcli_opts {
    char data[4096];
    char tenant[64];
    long long run;
    char month[8];
    long long group;
    char debit_on[11];
    char bank[8];
    char out[4000];
    bool preview;
    long long request;
    long long file;
    bool dry_run;
    bool quiet;
};

#define O(f)  offsetof(struct dcli_opts, f)
#define SZ(f) sizeof(((struct dcli_opts *)0)->f)

#define DATA_OPT                                                               \
    {                                                                          \
        "data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",          \
            "data directory"                                                   \
    }
#define TENANT_OPT                                                             \
    {                                                                          \
        "tenant", OPT_STR, O(tenant), SZ(tenant), "", 0, 0,                    \
            OPT_NO_ENV | OPT_REQUIRED, "CODE", "the tenant"                    \
    }
#define QUIET_OPT                                                              \
    {                                                                          \
        "quiet", OPT_BOOL, O(quiet), 0, "false", 0, 0, OPT_NO_ENV, NULL,       \
            "no progress or summary lines on stderr"                           \
    }

static const struct opt request_table[] = {
    DATA_OPT,
    TENANT_OPT,
    {"run", OPT_INT, O(run), 0, "0", 0, INT64_MAX, OPT_NO_ENV, "ID",
     "the billing run (pilotlight billing runs)"},
    {"month", OPT_STR, O(month), SZ(month), "", 0, 0, OPT_NO_ENV, "YYYY-MM",
     "instead of --run: every run of the month"},
    {"group", OPT_INT, O(group), 0, "0", 0, 31, OPT_NO_ENV, "N",
     "with --month: only this billing group"},
    {"debit-on", OPT_STR, O(debit_on), SZ(debit_on), "", 0, 0,
     OPT_NO_ENV | OPT_REQUIRED, "DATE", "振替日: a bank business day"},
    {"bank", OPT_STR, O(bank), SZ(bank), "", 0, 0, OPT_NO_ENV, "CODE",
     "only payers at this bank (4 digits)"},
    {"out", OPT_STR, O(out), SZ(out), "", 0, 0, OPT_NO_ENV, "FILE",
     "the Zengin file to write (FILE.1, FILE.2… for one per bank)"},
    {"preview", OPT_BOOL, O(preview), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "work it out and report; store and write nothing"},
    QUIET_OPT,
    OPT_END,
};

static const struct opt result_table[] = {
    DATA_OPT,
    TENANT_OPT,
    {"request", OPT_INT, O(request), 0, NULL, 1, INT64_MAX,
     OPT_NO_ENV | OPT_REQUIRED, "ID", "the debit request the file answers"},
    {"file", OPT_INT, O(file), 0, "0", 0, 100000, OPT_NO_ENV, "N",
     "which of the request's files (default: found from the result)"},
    {"dry-run", OPT_BOOL, O(dry_run), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "check and report; write nothing"},
    QUIET_OPT,
    OPT_END,
};

static const struct opt list_table[] = {DATA_OPT, TENANT_OPT, OPT_END};

static const struct opt bank_table[] = {
    DATA_OPT,
    TENANT_OPT,
    {"dry-run", OPT_BOOL, O(dry_run), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "check and report; write nothing"},
    QUIET_OPT,
    OPT_END,
};

static enum err
cli_audit(void *arg, struct store *st, const char *action, const char *target,
          json_t *detail)
{
    (void)arg;
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    if (!text)
        return err_fail(ERR_INTERNAL, "audit detail");
    struct audit_entry e = {cli_actor(), action, target, text, NULL, NULL};
    enum err rc = audit_append(st, &e);
    free(text);
    return rc;
}

static void
print_json(const json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2));
    if (text)
        printf("%s\n", text);
    free(text);
}

static double
since(uint64_t t0)
{
    return (double)(time_mono_ns() - t0) / 1e9;
}

static long long
num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* ---------------------------------------------------------------------- */
/* Writing a file                                                         */
/* ---------------------------------------------------------------------- */

static enum err
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return err_fail(ERR_IO, "write: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return ERR_OK;
}

/* path.tmp (0600: account numbers), fsync'd, renamed over path. */
static enum err
file_save(const char *path, const struct buf *b)
{
    char tmp[4100];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return err_fail(ERR_CONFIG, "--out: path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_fail(ERR_IO, "%s: %s", tmp, strerror(errno));
    enum err rc = write_all(fd, b->data ? b->data : "", b->len);
    if (!rc && fsync(fd))
        rc = err_fail(ERR_IO, "fsync %s: %s", tmp, strerror(errno));
    if (close(fd) && !rc)
        rc = err_fail(ERR_IO, "close %s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path))
        rc = err_fail(ERR_IO, "rename %s: %s", path, strerror(errno));
    if (rc)
        unlink(tmp);
    return rc;
}

/* Every file of request id to --out (FILE, or FILE.n when several). */
static enum err
files_save(struct store *st, const struct dcli_opts *o, int64_t id,
           const json_t *req)
{
    size_t n = json_array_size(json_object_get(req, "files"));
    enum err rc = ERR_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        struct debit_file_out f;
        char path[4100];
        if (n == 1)
            snprintf(path, sizeof(path), "%s", o->out);
        else
            snprintf(path, sizeof(path), "%s.%zu", o->out, i + 1);
        rc = debit_file_take(st, id, (int)i + 1, cli_audit, NULL, &f);
        if (!rc)
            rc = file_save(path, &f.data);
        if (!rc && !o->quiet)
            fprintf(stderr, "wrote %s: %zu debits, %zu bytes, BLAKE2b %s\n",
                    path, f.records, f.data.len, f.blake2b);
        buf_free(&f.data);
    }
    return rc;
}

/* ---------------------------------------------------------------------- */
/* debit-request                                                          */
/* ---------------------------------------------------------------------- */

static void
print_left_out(const json_t *req, const char *key)
{
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(req, key), i, p)
    {
        const json_t *c = json_object_get(p, "customer");
        fprintf(stderr, "%s: invoice %lld, customer %s %s: %s: %s\n", key,
                num(p, "invoice_number"),
                json_string_value(json_object_get(c, "number")),
                json_string_value(json_object_get(c, "name")),
                json_string_value(json_object_get(p, "reason")),
                json_string_value(json_object_get(p, "message")));
    }
}

static enum err
do_request(const struct dcli_opts *o)
{
    struct store *st;
    json_t *out = NULL;
    uint64_t t0 = time_mono_ns();
    int64_t group = o->group;
    if (!o->run == !o->month[0])
        return err_fail(ERR_CONFIG, "give --run ID or --month YYYY-MM");
    if (!o->preview && !o->out[0])
        return err_fail(ERR_CONFIG, "--out FILE is required (or --preview)");
    struct debit_request_in in = {
        .run_id = o->run,
        .month = o->month[0] ? o->month : NULL,
        .groups = &group,
        .n_groups = o->group ? 1 : 0,
        .debit_on = o->debit_on,
        .bank_code = o->bank[0] ? o->bank : NULL,
        .preview = o->preview,
        .actor = cli_actor(),
    };
    enum err rc = cli_open_tenant(o->data, o->tenant, &st);
    if (rc)
        return rc;
    if (!o->quiet)
        fprintf(stderr, "selecting invoices and writing the request…\n");
    if ((rc = debit_request_create(st, &in, cli_audit, NULL, &out)))
        return rc;
    if (!o->quiet) {
        print_left_out(out, "problems");
        fprintf(stderr,
                "debit request %s: %lld debits, ¥%lld, %zu file(s); %lld "
                "problems, %lld skipped (nothing owed); %.2f s\n",
                o->preview ? "(preview)" : "made", num(out, "lines"),
                num(out, "amount_yen"),
                json_array_size(json_object_get(out, "files")),
                num(out, "problem_count"), num(out, "skipped_count"),
                since(t0));
    }
    if (!o->preview)
        rc = files_save(st, o, num(out, "id"), out);
    if (!rc)
        print_json(out);
    json_decref(out);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* debit-result                                                           */
/* ---------------------------------------------------------------------- */

static void
print_result(const char *file, const json_t *s, double secs)
{
    size_t i;
    const json_t *c;
    fprintf(stderr, "%s: request %lld, file %lld: %lld records%s%s (%.2f s)\n",
            file, num(s, "request_id"), num(s, "file_no"), num(s, "records"),
            json_is_true(json_object_get(s, "already_imported"))
                ? ", imported before: nothing changed"
                : "",
            json_is_true(json_object_get(s, "dry_run"))
                ? " (dry run: nothing written)"
                : "",
            secs);
    json_array_foreach(json_object_get(s, "by_code"), i, c)
        fprintf(stderr, "  %lld %s: %lld, ¥%lld\n", num(c, "code"),
                json_string_value(json_object_get(c, "name")), num(c, "count"),
                num(c, "amount_yen"));
    json_array_foreach(json_object_get(s, "failures"), i, c)
    {
        const json_t *cu = json_object_get(c, "customer");
        fprintf(stderr, "%s:%lld: customer %s %s: %lld %s, ¥%lld → %s\n", file,
                num(c, "line"),
                json_string_value(json_object_get(cu, "number")),
                json_string_value(json_object_get(cu, "name")),
                num(c, "result_code"),
                json_string_value(json_object_get(c, "result_name")),
                num(c, "amount_yen"),
                json_string_value(json_object_get(c, "action")));
    }
}

static enum err
do_result(const struct dcli_opts *o, const char *file)
{
    struct store *st;
    struct buf b;
    json_t *out = NULL;
    uint64_t t0 = time_mono_ns();
    buf_init(&b, ZENGIN_FILE_MAX);
    enum err rc = import_cli_read_file(file, &b);
    if (!rc)
        rc = cli_open_tenant(o->data, o->tenant, &st);
    if (!rc) {
        struct debit_result_in in = {
            .request_id = o->request,
            .file_no = (int)o->file,
            .data = b.data,
            .n = b.len,
            .dry_run = o->dry_run,
            .actor = cli_actor(),
        };
        rc = debit_result_import(st, &in, cli_audit, NULL, &out);
    }
    if (!rc && !o->quiet)
        print_result(file, out, since(t0));
    if (!rc)
        print_json(out);
    json_decref(out);
    buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* bank-transfers                                                         */
/* ---------------------------------------------------------------------- */

static enum err
bank_audit(void *arg, struct store *st, json_t *detail)
{
    return cli_audit(arg, st, "transfer.import", "bank_transfers", detail);
}

static void
print_bank(const char *file, const json_t *s, double secs)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(s, "errors"), i, e)
        fprintf(stderr, "%s:%lld: %s: %s\n", file, num(e, "line"),
                json_string_value(json_object_get(e, "field")),
                json_string_value(json_object_get(e, "message")));
    if (json_object_get(s, "records"))
        fprintf(stderr,
                "%s: %lld records: %lld transfers imported (%lld matched, "
                "%lld to review), %lld imported before, %lld skipped, "
                "¥%lld%s (%.2f s)\n",
                file, num(s, "records"), num(s, "imported"), num(s, "matched"),
                num(s, "review"), num(s, "duplicates"), num(s, "skipped"),
                num(s, "total_yen"),
                json_is_true(json_object_get(s, "dry_run"))
                    ? " (dry run: nothing written)"
                    : "",
                secs);
}

static enum err
do_bank(const struct dcli_opts *o, const char *file)
{
    struct store *st;
    struct buf b;
    json_t *out = NULL;
    uint64_t t0 = time_mono_ns();
    buf_init(&b, ZBANK_FILE_MAX);
    enum err rc = import_cli_read_file(file, &b);
    if (!rc)
        rc = cli_open_tenant(o->data, o->tenant, &st);
    if (!rc)
        rc = bank_import_run(st, b.data, b.len, o->dry_run, cli_actor(),
                             bank_audit, NULL, &out);
    if (out && !o->quiet)
        print_bank(file, out, since(t0));
    if (!rc)
        print_json(out);
    json_decref(out);
    buf_free(&b);
    return rc;
}

static enum err
do_list(const struct dcli_opts *o)
{
    struct store *st;
    json_t *out = NULL;
    enum err rc = cli_open_tenant(o->data, o->tenant, &st);
    if (!rc)
        rc = debit_request_list(st, 0, 500, &out);
    if (!rc)
        print_json(out);
    json_decref(out);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Arguments                                                              */
/* ---------------------------------------------------------------------- */

/* The one argument that is neither an option nor an option's value (the
 * result FILE), taken out of argv; NULL when there is none. */
static const char *
take_file(const struct opt *table, int *argc, char **argv)
{
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i];
        if (!strncmp(a, "--", 2)) {
            const struct opt *o = table;
            size_t n = strcspn(a + 2, "=");
            while (o->name &&
                   (strlen(o->name) != n || strncmp(o->name, a + 2, n)))
                o++;
            bool valued = o->name && o->type != OPT_BOOL && !a[2 + n];
            bool flag =
                o->name && o->type == OPT_BOOL && !a[2 + n] && i + 1 < *argc &&
                (!strcmp(argv[i + 1], "true") || !strcmp(argv[i + 1], "false"));
            i += valued || flag;
            continue;
        }
        memmove(argv + i, argv + i + 1,
                (size_t)(*argc - i - 1) * sizeof(*argv));
        --*argc;
        return a;
    }
    return NULL;
}

static int
usage(void)
{
    fprintf(stderr,
            "usage: pilotlight payments debit-request|debit-result|"
            "debit-requests|bank-transfers --tenant CODE [options]\n\n"
            "  debit-request   make a direct-debit request (口座振替依頼) and "
            "write its Zengin file\n"
            "  debit-result    import the bank's result file (振替結果)\n"
            "  debit-requests  list the tenant's requests\n"
            "  bank-transfers  import the bank's 振込入金通知 / 入出金取引明細 "
            "into the transfers\n\n"
            "`pilotlight payments COMMAND --help` lists the options.\n");
    return 2;
}

int
payments_main(int argc, char **argv)
{
    struct dcli_opts o = {0};
    const char *cmd = argc >= 1 ? argv[0] : "";
    const struct opt *table = !strcmp(cmd, "debit-request")    ? request_table
                              : !strcmp(cmd, "debit-result")   ? result_table
                              : !strcmp(cmd, "debit-requests") ? list_table
                              : !strcmp(cmd, "bank-transfers") ? bank_table
                                                               : NULL;
    if (!table)
        return argc >= 1 && (!strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
                   ? (usage(), 0)
                   : usage();
    argc--;
    argv++;
    if (opt_wants_help(argc, argv)) {
        cli_help(table == request_table
                     ? "pilotlight payments debit-request --tenant CODE "
                       "--run ID --debit-on DATE --out FILE [options]"
                 : table == result_table
                     ? "pilotlight payments debit-result --tenant CODE "
                       "--request ID FILE [options]"
                 : table == bank_table
                     ? "pilotlight payments bank-transfers --tenant CODE FILE "
                       "[options]"
                     : "pilotlight payments debit-requests --tenant CODE",
                 table == request_table
                     ? "Make a direct-debit request for a billing run and "
                       "write its Zengin file (account numbers: mode 0600)."
                 : table == result_table
                     ? "Import the bank's result file for a request: checked "
                       "against the request line by line, then applied in "
                       "one transaction; the same file again changes nothing."
                 : table == bank_table
                     ? "Import the bank's statement of money received "
                       "(振込入金通知 or 入出金取引明細, Zengin 200-byte "
                       "records): each transfer matched by name and amount "
                       "or put on the review list, in one transaction; the "
                       "same file again changes nothing."
                     : "List the tenant's direct-debit requests.",
                 table);
        return 0;
    }
    bool takes_file = table == result_table || table == bank_table;
    const char *file = takes_file ? take_file(table, &argc, argv) : NULL;
    enum err rc = opt_parse(table, &o, argc, argv);
    if (!rc && takes_file && !file)
        rc = err_fail(ERR_CONFIG, "give the FILE to import");
    if (!rc)
        rc = table == request_table  ? do_request(&o)
             : table == result_table ? do_result(&o, file)
             : table == bank_table   ? do_bank(&o, file)
                                     : do_list(&o);
    if (rc) {
        char name[48];
        snprintf(name, sizeof(name), "payments %s", cmd);
        return cli_fail(name, rc);
    }
    return 0;
}
