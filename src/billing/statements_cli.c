/*
 * statements_cli.c — `pilotlight billing statements`: every issued invoice
 * of a billing run, by invoice number, as ONE PDF file (料金明細書の一括
 * 印刷), for the print shop or the office printer.
 *
 *   pilotlight billing statements --tenant CODE --run ID --out FILE.pdf
 *       [--every N] [--quiet] [--data DIR]
 *
 * The same invoices and pages as GET /api/v1/billing-runs/{id}/statements.pdf
 * (statement_api.c), without its 1,000-per-file paging: one renderer draws
 * every page, fonts are embedded once. The PDF is not held in memory:
 * cairo hands over each page's bytes as it is finished, and they go to
 * FILE.tmp at once (the renderer's buffer is emptied after every page;
 * only its maximum per page is bounded).
 *
 * Nothing half-written ever bears the real name: the file is written as
 * FILE.tmp, fsync'd, audited (billing.statements, as the HTTP route: the
 * personal data of a whole run leaves), then renamed over FILE and the
 * directory fsync'd. A kill leaves at most FILE.tmp, which the next run
 * overwrites; a failure removes it. If the audit entry cannot be written,
 * no file is produced.
 *
 * Progress goes to stderr, one line per --every statements or per second,
 * whichever comes first ("progress DONE/TOTAL N%, R statements/s, ETA"),
 * then a summary line; stdout gets the summary as JSON (run_id,
 * statements, pages, bytes, file, seconds, per_second).
 */
#include "audit/audit.h"
#include "billing/billing_cli.h"
#include "billing/run.h"
#include "billing/statement.h"
#include "billing/statement_pdf.h"
#include "cli.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_MAX (64u << 20) /* bytes cairo may hand over at once */
#define IDS_PAGE  1000        /* invoice ids read per query */
#define NS_PER_S  1000000000ull

struct scli_opts {
    char data[4096];
    char tenant[64];
    long long run;
    char out[4000];
    long long every;
    bool quiet;
};

#define O(f)  offsetof(struct scli_opts, f)
#define SZ(f) sizeof(((struct scli_opts *)0)->f)

static const struct opt scli_table[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "data directory"},
    {"tenant", OPT_STR, O(tenant), SZ(tenant), "", 0, 0,
     OPT_NO_ENV | OPT_REQUIRED, "CODE", "the tenant"},
    {"run", OPT_INT, O(run), 0, NULL, 1, INT64_MAX, OPT_NO_ENV | OPT_REQUIRED,
     "ID", "the billing run (pilotlight billing runs)"},
    {"out", OPT_STR, O(out), SZ(out), "", 0, 0, OPT_NO_ENV | OPT_REQUIRED,
     "FILE.pdf", "the PDF to write (replaced whole, never half-written)"},
    {"every", OPT_INT, O(every), 0, "100", 1, 1000000, OPT_NO_ENV, "N",
     "a progress line every N statements (and at least every second)"},
    {"quiet", OPT_BOOL, O(quiet), 0, "false", 0, 0, OPT_NO_ENV, NULL,
     "no progress or summary lines on stderr"},
    OPT_END,
};

/* One bulk file in the making. */
struct bulk_file {
    const struct scli_opts *o;
    struct store *st;
    int64_t *ids; /* the run's issued invoices, by number */
    size_t n;
    char tmp[4100];
    int fd;
    struct buf chunk; /* what cairo handed over since the last drain */
    uint64_t bytes;
    size_t pages;
    uint64_t t0, last_line; /* time_mono_ns */
};

/* ---------------------------------------------------------------------- */
/* The invoices                                                           */
/* ---------------------------------------------------------------------- */

/* Every issued invoice of the run, by number, into f->ids. */
static enum err
load_ids(struct bulk_file *f)
{
    int64_t after = 0, nums[IDS_PAGE];
    size_t got, cap = 0;
    bool more = true;
    enum err rc = statement_run_check(f->st, f->o->run);
    while (!rc && more) {
        if (f->n + IDS_PAGE > cap) {
            cap = cap ? cap * 2 : IDS_PAGE;
            f->ids = xrealloc(f->ids, cap * sizeof(*f->ids));
        }
        rc = statement_run_invoices(f->st, f->o->run, after, IDS_PAGE,
                                    f->ids + f->n, nums, &got, &more);
        f->n += got;
        if (got)
            after = nums[got - 1];
    }
    if (!rc && f->n == 0)
        rc = err_fail(ERR_NOT_FOUND, "billing run %lld has no issued invoice",
                      f->o->run);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The file                                                               */
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

/* What cairo handed over goes to the file; the buffer starts again. */
static enum err
drain(struct bulk_file *f)
{
    enum err rc = write_all(f->fd, f->chunk.data, f->chunk.len);
    f->bytes += f->chunk.len;
    buf_reset(&f->chunk);
    return rc;
}

static enum err
tmp_open(struct bulk_file *f)
{
    int n = snprintf(f->tmp, sizeof(f->tmp), "%s.tmp", f->o->out);
    if (n < 0 || (size_t)n >= sizeof(f->tmp))
        return err_fail(ERR_CONFIG, "--out: path too long");
    /* statements hold personal data: the owner only */
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (f->fd < 0)
        return err_fail(ERR_IO, "%s: %s", f->tmp, strerror(errno));
    return ERR_OK;
}

/* fsync the directory holding path, so a rename in it is durable. */
static enum err
dir_sync(const char *path)
{
    char copy[4100];
    snprintf(copy, sizeof(copy), "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_fail(ERR_IO, "%s: %s", copy, strerror(errno));
    int r = fsync(fd);
    close(fd);
    return r ? err_fail(ERR_IO, "fsync %s: %s", copy, strerror(errno)) : ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Progress                                                               */
/* ---------------------------------------------------------------------- */

static double
seconds_since(uint64_t t0)
{
    return (double)(time_mono_ns() - t0) / 1e9;
}

/* A progress line after done statements: per --every, or a second on. */
static void
progress(struct bulk_file *f, size_t done)
{
    uint64_t now = time_mono_ns();
    if (f->o->quiet || (done % (size_t)f->o->every != 0 && done != f->n &&
                        now - f->last_line < NS_PER_S))
        return;
    f->last_line = now;
    double s = (double)(now - f->t0) / 1e9, rate = s > 0 ? done / s : 0;
    long long eta = rate > 0 ? (long long)((f->n - done) / rate + 0.5) : 0;
    fprintf(stderr,
            "progress %zu/%zu %d%%, %.1f statements/s, ETA %lld:%02lld\n", done,
            f->n, (int)(done * 100 / f->n), rate, eta / 60, eta % 60);
}

/* ---------------------------------------------------------------------- */
/* Rendering                                                              */
/* ---------------------------------------------------------------------- */

/* Every invoice as its page(s), drained to the file page by page. */
static enum err
render_all(struct bulk_file *f)
{
    struct statement_renderer *sr = statement_renderer_new();
    enum err rc = statement_begin(sr, &f->chunk, STATEMENT_A4), rc2;
    for (size_t i = 0; !rc && i < f->n; i++) {
        json_t *inv = NULL;
        if (!(rc = invoice_json(f->st, f->ids[i], &inv)))
            rc = statement_add(sr, inv);
        json_decref(inv);
        if (!rc)
            rc = drain(f);
        if (!rc)
            progress(f, i + 1);
    }
    rc2 = statement_end(sr); /* fonts and the trailer */
    f->pages = statement_pages(sr);
    statement_renderer_free(sr);
    if (!rc)
        rc = rc2;
    return rc ? rc : drain(f);
}

static enum err
audit_entry(struct bulk_file *f)
{
    char target[48];
    json_t *d = json_pack(
        "{s:I, s:I, s:b, s:I, s:I, s:s, s:s}", "statements", (json_int_t)f->n,
        "after", (json_int_t)0, "more", false, "pages", (json_int_t)f->pages,
        "bytes", (json_int_t)f->bytes, "via", "cli", "file", f->o->out);
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    if (!text)
        return err_fail(ERR_INTERNAL, "audit detail");
    snprintf(target, sizeof(target), "billing_run:%lld", f->o->run);
    struct audit_entry e = {
        cli_actor(), "billing.statements", target, text, NULL, NULL};
    enum err rc = store_tx_begin(f->st);
    if (!rc && !(rc = audit_append(f->st, &e)))
        rc = store_tx_commit(f->st);
    if (rc)
        store_tx_rollback(f->st);
    free(text);
    return rc;
}

/* Render into FILE.tmp, make it durable, audit, rename over FILE. */
static enum err
write_file(struct bulk_file *f)
{
    enum err rc = tmp_open(f);
    if (rc)
        return rc;
    rc = render_all(f);
    if (!rc && fsync(f->fd))
        rc = err_fail(ERR_IO, "fsync %s: %s", f->tmp, strerror(errno));
    if (close(f->fd) && !rc)
        rc = err_fail(ERR_IO, "close %s: %s", f->tmp, strerror(errno));
    if (!rc)
        rc = audit_entry(f);
    if (!rc && rename(f->tmp, f->o->out))
        rc = err_fail(ERR_IO, "rename %s: %s", f->o->out, strerror(errno));
    if (rc)
        unlink(f->tmp);
    return rc ? rc : dir_sync(f->o->out);
}

static void
summary(const struct bulk_file *f)
{
    double s = seconds_since(f->t0), rate = s > 0 ? f->n / s : 0;
    if (!f->o->quiet)
        fprintf(stderr,
                "wrote %zu statements (%zu pages, %.1f MiB) to %s in %.1f s, "
                "%.1f statements/s\n",
                f->n, f->pages, (double)f->bytes / (1 << 20), f->o->out, s,
                rate);
    json_t *j =
        json_pack("{s:I, s:I, s:I, s:I, s:s, s:f, s:f}", "run_id",
                  (json_int_t)f->o->run, "statements", (json_int_t)f->n,
                  "pages", (json_int_t)f->pages, "bytes", (json_int_t)f->bytes,
                  "file", f->o->out, "seconds", s, "per_second", rate);
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(j);
}

static enum err
do_statements(const struct scli_opts *o)
{
    struct bulk_file f = {.o = o, .fd = -1};
    f.t0 = f.last_line = time_mono_ns();
    buf_init(&f.chunk, CHUNK_MAX);
    enum err rc = cli_open_tenant(o->data, o->tenant, &f.st);
    if (!rc)
        rc = load_ids(&f);
    if (!rc)
        rc = write_file(&f);
    if (!rc)
        summary(&f);
    buf_free(&f.chunk);
    free(f.ids);
    return rc;
}

int
billing_statements_main(int argc, char **argv)
{
    struct scli_opts o = {0};
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight billing statements --tenant CODE --run ID "
                 "--out FILE.pdf [options]",
                 "Write every issued invoice of a billing run, by invoice "
                 "number, into one PDF (料金明細書, one A4 page each). The "
                 "file is written as FILE.tmp and renamed when complete, so "
                 "an interruption never leaves a half file under FILE. "
                 "Progress on stderr; the summary as JSON on stdout. "
                 "Audited (billing.statements).",
                 scli_table);
        return 0;
    }
    enum err rc = opt_parse(scli_table, &o, argc, argv);
    if (!rc)
        rc = do_statements(&o);
    return rc ? cli_fail("billing statements", rc) : 0;
}
