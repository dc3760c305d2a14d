/*
 * import_run.c — an import job against a tenant store: all or nothing.
 *
 * A real run opens one write transaction and inserts each row as soon as
 * it is checked (customer, status when not active, supply point and the
 * move-in), while no error has been seen. The first error (a bad row, or a
 * number the ledger already has) stops the writing; the rest of the file
 * is still read and checked against the ledger, so the answer lists every
 * error, and the transaction is rolled back. Search-index refreshes are
 * deferred while rows go in (customer_search_defer) and done once per
 * customer before the commit. A dry run does the same checks without a
 * transaction and writes nothing.
 */
#include "core/xalloc.h"
#include "customers/customers.h"
#include "customers/import_int.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run {
    struct store *st;
    struct import *im;
    pthread_mutex_t *job_mu; /* held while touching im (see all_rows) */
    bool writing;            /* a real run with no error so far */
    size_t customers, points;
};

/* The row's number is in the ledger already. */
static void
row_taken(struct run *r, struct import_row *row)
{
    pthread_mutex_lock(r->job_mu);
    import_error(r->im, row->line, "number", "taken",
                 "この顧客番号は既に台帳に登録されています");
    import_row_failed(r->im, row);
    pthread_mutex_unlock(r->job_mu);
    r->writing = false;
}

/* Write one checked row (inside the transaction). A row whose search
 * entry the reader worked out stores it directly; others are refreshed
 * (noted, then flushed before the commit). */
static enum err
row_insert(struct run *r, struct import_row *row)
{
    int64_t id = 0, point = 0;
    struct search_entry *se = row->search;
    bool was = customer_search_mute(se != NULL);
    enum err rc = se ? customer_insert_keyed(r->st, row->customer, se->name_key,
                                             se->kana_key, &id)
                     : customer_insert(r->st, row->customer, &id);
    if (rc == ERR_CUSTOMER_NUMBER_TAKEN) {
        customer_search_mute(was);
        row_taken(r, row);
        return ERR_OK;
    }
    if (!rc && row->status)
        rc = customer_set_status(r->st, id, row->status);
    if (!rc && row->point &&
        !(rc = supply_point_insert(r->st, row->point, &point))) {
        rc = supply_point_first_move_in(r->st, point, id, row->moved_in);
        r->points++;
    }
    customer_search_mute(was);
    if (!rc && se) {
        se->id = id;
        rc = customer_search_put_new(r->st, se);
    }
    r->customers++;
    return rc;
}

static enum err
row_store(struct run *r, struct import_row *row)
{
    bool taken = false;
    if (!row->ok) {
        r->writing = false;
        return ERR_OK;
    }
    if (r->writing)
        return row_insert(r, row);
    enum err rc = import_number_taken(
        r->st, json_string_value(json_object_get(row->customer, "number")),
        &taken);
    if (!rc && taken)
        row_taken(r, row);
    return rc;
}

/*
 * The rows go through two threads on a real run: a reader (parse, fold,
 * check: no store) fills a ring of PIPE_SLOTS rows ahead of the writer
 * (this thread: the inserts), so on a machine with two cores the checks
 * cost no wall time. The job (struct import: counters, error list) is
 * touched by both, always under job_mu; a row belongs to one thread at a
 * time, handed over under ring_mu.
 */
#define PIPE_SLOTS 256

struct pipe {
    pthread_mutex_t ring_mu, job_mu;
    pthread_cond_t changed;
    struct import *im;
    struct import_row slot[PIPE_SLOTS];
    size_t head, count; /* the writer takes slot[head] */
    bool eof, stop;     /* reader done; writer gave up */
    enum err rc;        /* the reader's failure */
    char detail[256];   /* its err_detail(), for the writer's thread */
};

static void *
pipe_reader(void *arg)
{
    struct pipe *p = arg;
    size_t tail = 0;
    for (;;) {
        bool got = false;
        pthread_mutex_lock(&p->ring_mu);
        while (p->count == PIPE_SLOTS && !p->stop)
            pthread_cond_wait(&p->changed, &p->ring_mu);
        bool stop = p->stop;
        pthread_mutex_unlock(&p->ring_mu);
        if (stop)
            break;
        pthread_mutex_lock(&p->job_mu);
        enum err rc = import_next(p->im, &p->slot[tail], &got);
        if (rc)
            snprintf(p->detail, sizeof(p->detail), "%s", err_detail());
        pthread_mutex_unlock(&p->job_mu);
        pthread_mutex_lock(&p->ring_mu);
        p->rc = rc;
        p->eof = rc || !got;
        p->count += got && !rc;
        if (p->count <= 1 || p->eof) /* the writer may be waiting */
            pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->ring_mu);
        if (rc || !got)
            break;
        tail = (tail + 1) % PIPE_SLOTS;
    }
    return NULL;
}

/* Wait for checked rows: how many are ready from head (0 at the end).
 * They are the writer's until it gives them back. */
static size_t
pipe_wait(struct pipe *p)
{
    pthread_mutex_lock(&p->ring_mu);
    while (!p->count && !p->eof)
        pthread_cond_wait(&p->changed, &p->ring_mu);
    size_t n = p->count;
    pthread_mutex_unlock(&p->ring_mu);
    return n;
}

/* The writer is done with n rows from head: back to the reader (one lock
 * per batch, not per row). */
static void
pipe_give_back(struct pipe *p, size_t n)
{
    pthread_mutex_lock(&p->ring_mu);
    p->head = (p->head + n) % PIPE_SLOTS;
    if (p->count == PIPE_SLOTS) /* the reader may be waiting */
        pthread_cond_broadcast(&p->changed);
    p->count -= n;
    pthread_mutex_unlock(&p->ring_mu);
}

static enum err
pipe_write_all(struct run *r, struct pipe *p)
{
    enum err rc = ERR_OK;
    size_t n;
    while (!rc && (n = pipe_wait(p))) {
        for (size_t i = 0; !rc && i < n; i++) /* head moves only here */
            rc = row_store(r, &p->slot[(p->head + i) % PIPE_SLOTS]);
        pipe_give_back(p, n);
    }
    pthread_mutex_lock(&p->ring_mu);
    p->stop = true; /* on a store failure the reader must not wait */
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->ring_mu);
    return rc;
}

/* Every row through the checks (and, while writing, into the store). */
static enum err
all_rows(struct run *r)
{
    struct pipe *p = xcalloc(1, sizeof(*p));
    pthread_t reader;
    p->im = r->im;
    r->job_mu = &p->job_mu;
    pthread_mutex_init(&p->ring_mu, NULL);
    pthread_mutex_init(&p->job_mu, NULL);
    pthread_cond_init(&p->changed, NULL);
    if (pthread_create(&reader, NULL, pipe_reader, p) != 0)
        abort(); /* out of threads: as out of memory */
    enum err rc = pipe_write_all(r, p);
    pthread_join(reader, NULL);
    if (!rc && p->rc)
        rc = err_fail(p->rc, "%s", p->detail);
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        import_row_clear(&p->slot[i]);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->job_mu);
    pthread_mutex_destroy(&p->ring_mu);
    free(p);
    if (rc == ERR_IMPORT_FORMAT) /* fatal CSV error, in the list too */
        r->writing = false;
    return rc;
}

json_t *
import_summary(const struct import *im, bool dry_run)
{
    json_t *cols = json_array(), *ignored = json_array(),
           *defaults = json_object();
    for (size_t c = 0; c < im->ncols; c++) {
        if (im->col[c].target < 0)
            json_array_append_new(ignored, json_string(im->col[c].label));
        else
            json_array_append_new(
                cols,
                json_pack("{s:s, s:s}", "column", im->col[c].label, "field",
                          import_targets[im->col[c].target].name));
    }
    if (im->defaulted_kind)
        json_object_set_new(defaults, "kind", json_string("household"));
    if (im->defaulted_supply_kind)
        json_object_set_new(defaults, "point.supply_kind",
                            json_string("individual"));
    return json_pack(
        "{s:b, s:s, s:I, s:I, s:I, s:O, s:b, s:o, s:o, s:o}", "dry_run",
        dry_run, "charset", charset_name(im->charset), "rows",
        (json_int_t)im->rows, "valid", (json_int_t)im->valid, "error_count",
        (json_int_t)im->nerrors, "errors", im->errors, "errors_truncated",
        im->nerrors > json_array_size(im->errors), "columns", cols,
        "ignored_columns", ignored, "defaults", defaults);
}

/* The audit entry's detail: counts and the file's hash, never rows. */
static json_t *
audit_detail(const struct run *r)
{
    return json_pack(
        "{s:I, s:I, s:I, s:s, s:I, s:s}", "rows", (json_int_t)r->im->rows,
        "customers", (json_int_t)r->customers, "supply_points",
        (json_int_t)r->points, "charset", charset_name(r->im->charset), "bytes",
        (json_int_t)r->im->bytes, "blake2b", r->im->digest);
}

/* Commit a clean real run: index, audit, commit. */
static enum err
finish_writing(struct run *r, import_audit_fn audit, void *arg)
{
    enum err rc = customer_search_flush(r->st);
    if (!rc)
        rc = customer_search_bulk(r->st, false);
    if (!rc)
        rc = audit(arg, r->st, audit_detail(r));
    if (!rc)
        rc = store_tx_commit(r->st);
    return rc;
}

enum err
import_run(struct store *st, struct import *im, bool dry_run,
           import_audit_fn audit, void *arg, json_t **summary)
{
    struct run r = {.st = st, .im = im, .writing = !dry_run};
    enum err rc = ERR_OK;
    *summary = NULL;
    if (!dry_run &&
        ((rc = import_cache_grow(st)) || (rc = store_tx_begin(st)) ||
         (rc = customer_search_bulk(st, true)))) {
        if (store_in_tx(st))
            store_tx_rollback(st);
        import_cache_restore(st);
        return rc;
    }
    if (!dry_run)
        customer_search_defer(true); /* every row is a new customer */
    rc = all_rows(&r);
    bool clean = !rc && im->nerrors == 0 && im->rows > 0;
    if (!dry_run && clean)
        rc = finish_writing(&r, audit, arg);
    if (!dry_run && (!clean || rc)) {
        customer_search_discard();
        store_tx_rollback(st);
    }
    if (!dry_run)
        import_cache_restore(st);
    if (rc && rc != ERR_IMPORT_FORMAT)
        return rc; /* a store failure: no summary */
    *summary = import_summary(im, dry_run);
    if (!dry_run && clean)
        json_object_update_new(*summary, json_pack("{s:I, s:I}", "imported",
                                                   (json_int_t)r.customers,
                                                   "supply_points",
                                                   (json_int_t)r.points));
    if (rc)
        return rc;
    if (im->rows == 0)
        return err_fail(ERR_IMPORT_FORMAT, "取り込むデータ行がありません");
    if (im->nerrors)
        return err_fail(ERR_IMPORT_ROWS,
                        "%zu 行中 %zu 行にエラーがあります（%zu 件）", im->rows,
                        im->rows - im->valid, im->nerrors);
    return ERR_OK;
}
