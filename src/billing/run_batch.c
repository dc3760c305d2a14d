/*
 * run_batch.c — the billing run's loop: preview (試算) or commit in
 * batches (run.h describes the guarantees).
 *
 * Commit, per batch of o->batch items not yet invoiced, in one
 * transaction: take the counter, and for each item price it and write the
 * invoice with the next number unless the unique index invoices_once says
 * another run billed it since the items were loaded; then put the
 * counter back, record progress (billing_runs.contracts_done) and one
 * audit entry (billing_run.batch). A kill between batches or inside one
 * loses at most the open batch, whose numbers were never committed, so
 * the numbers stay gapless. The pass ends with the run marked committed
 * and an audit entry (billing_run.commit) with the pass's totals.
 *
 * contracts_total counts every item of the group and month; contracts_done
 * those invoiced. Items with a problem (no tariff, no price) stay
 * unbilled, are listed, and a later run bills them once fixed.
 */
#include "billing/run_int.h"
#include "core/timeutil.h"
#include "store/capture.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pass {
    struct store *st;
    const struct run_opts *o;
    struct pricer pr;
    struct run_item *items;
    size_t n;
    int64_t run_id, total, done, created;
    int64_t subtotal, tax, sum;
    int64_t nproblems;
    char issued_on[11];
    json_t *problems, *sample;
};

static const char *
problem_code(enum err rc)
{
    switch (rc) {
    case ERR_TARIFF_NOT_FOUND:
        return "no_tariff";
    case ERR_TARIFF_NO_PRICE:
        return "no_price";
    case ERR_TARIFF_INVALID:
        return "tariff_invalid";
    default:
        return "not_priceable";
    }
}

static void
problem_add(struct pass *ps, const struct run_item *it, enum err rc,
            const char *why)
{
    if (ps->nproblems++ >= RUN_PROBLEMS_MAX)
        return;
    json_array_append_new(ps->problems,
                          json_pack("{s:I, s:I, s:I, s:s, s:s, s:s}",
                                    "contract_id", (json_int_t)it->contract_id,
                                    "supply_point_id", (json_int_t)it->point_id,
                                    "reading_id", (json_int_t)it->reading_id,
                                    "customer_number", it->cust_number, "code",
                                    problem_code(rc), "message", why));
}

static void
tally(struct pass *ps, const struct priced *p)
{
    ps->subtotal += p->bill.subtotal_yen;
    ps->tax += p->bill.total_yen - p->bill.subtotal_yen;
    ps->sum += p->bill.total_yen;
}

/* Price one item; ERR_OK with *ok false for a problem (recorded). */
static enum err
price_or_problem(struct pass *ps, const struct run_item *it, struct priced *p,
                 bool *ok)
{
    const char *why = NULL;
    enum err rc = price_item(&ps->pr, it, -1, ps->issued_on, p, &why);
    *ok = rc == ERR_OK;
    if (rc && why) {
        problem_add(ps, it, rc, why);
        rc = ERR_OK;
    }
    return rc;
}

static enum err
preview_all(struct pass *ps)
{
    enum err rc = ERR_OK;
    for (size_t i = 0; !rc && i < ps->n; i++) {
        const struct run_item *it = &ps->items[i];
        struct priced p;
        bool ok;
        if (it->invoiced)
            continue;
        if ((rc = price_or_problem(ps, it, &p, &ok)) || !ok)
            continue;
        tally(ps, &p);
        ps->created++;
        if (json_array_size(ps->sample) < RUN_SAMPLE_MAX)
            json_array_append_new(ps->sample, priced_json(it, &p, &ps->pr.set));
        priced_free(&p);
    }
    return rc;
}

static enum err
batch_audit(struct pass *ps, int64_t first, int64_t next, int64_t sum)
{
    char target[48];
    snprintf(target, sizeof(target), "billing_run:%lld", (long long)ps->run_id);
    return ps->o->audit(
        ps->o->audit_arg, ps->st, "billing_run.batch", target,
        json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I}", "billing_group",
                  (json_int_t)ps->o->group, "month", ps->o->month, "invoices",
                  (json_int_t)(next - first), "first_number", (json_int_t)first,
                  "last_number", (json_int_t)(next - 1), "total_yen",
                  (json_int_t)sum, "contracts_done", (json_int_t)ps->done));
}

/* Items [from, to) in one transaction. */
static enum err
batch_body(struct pass *ps, size_t from, size_t to)
{
    int64_t first, next, sum = 0, done0 = ps->done;
    enum err rc = invoice_counter_take(ps->st, &first);
    next = first;
    for (size_t i = from; !rc && i < to; i++) {
        const struct run_item *it = &ps->items[i];
        struct priced p;
        bool ok;
        int64_t id;
        if (it->invoiced)
            continue;
        if ((rc = price_or_problem(ps, it, &p, &ok)) || !ok)
            continue;
        rc = invoice_write(ps->st, ps->run_id, next, 0, it, &p, &id);
        if (!rc)
            ps->done++; /* billed now, or by another run since loading */
        if (!rc && id) {
            next++;
            sum += p.bill.total_yen;
            tally(ps, &p);
        }
        priced_free(&p);
    }
    if (!rc && next > first)
        rc = invoice_counter_put(ps->st, next);
    if (!rc && ps->done > done0)
        rc = run_progress(ps->st, ps->run_id, ps->total, ps->done, false);
    if (!rc && next > first)
        rc = batch_audit(ps, first, next, sum);
    ps->created += next - first;
    return rc;
}

static enum err
commit_all(struct pass *ps)
{
    size_t batch =
        (size_t)(ps->o->batch > 0 ? ps->o->batch : RUN_BATCH_DEFAULT);
    enum err rc = ERR_OK;
    for (size_t from = 0; !rc && from < ps->n; from += batch) {
        size_t to = from + batch < ps->n ? from + batch : ps->n;
        int64_t created = ps->created;
        if ((rc = store_tx_begin(ps->st)))
            break;
        rc = batch_body(ps, from, to);
        if (rc) {
            store_tx_rollback(ps->st);
            pricer_forget_bases(&ps->pr);
            ps->created = created;
        } else
            rc = store_tx_commit(ps->st);
        if (!rc && ps->o->progress)
            ps->o->progress(ps->o->progress_arg, ps->done, ps->total);
    }
    return rc;
}

/* The run row (created or set running), in its own transaction. */
static enum err
commit_begin(struct pass *ps)
{
    enum err rc = store_tx_begin(ps->st);
    if (!rc)
        rc = run_begin(ps->st, ps->o->group, ps->o->month, ps->o->actor,
                       &ps->run_id);
    if (!rc)
        rc = run_progress(ps->st, ps->run_id, ps->total, ps->done, false);
    if (rc) {
        store_tx_rollback(ps->st);
        return rc;
    }
    return store_tx_commit(ps->st);
}

static enum err
commit_end(struct pass *ps)
{
    char target[48];
    enum err rc = store_tx_begin(ps->st);
    snprintf(target, sizeof(target), "billing_run:%lld", (long long)ps->run_id);
    if (!rc)
        rc = run_progress(ps->st, ps->run_id, ps->total, ps->done, true);
    if (!rc)
        rc = ps->o->audit(
            ps->o->audit_arg, ps->st, "billing_run.commit", target,
            json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I}", "billing_group",
                      (json_int_t)ps->o->group, "month", ps->o->month,
                      "invoices_created", (json_int_t)ps->created,
                      "contracts_total", (json_int_t)ps->total,
                      "contracts_done", (json_int_t)ps->done, "problems",
                      (json_int_t)ps->nproblems, "total_yen",
                      (json_int_t)ps->sum));
    if (rc) {
        store_tx_rollback(ps->st);
        return rc;
    }
    return store_tx_commit(ps->st);
}

static json_t *
pass_json(const struct pass *ps)
{
    json_t *o = json_pack(
        "{s:I, s:s, s:b, s:I, s:I, s:I, s:I, s:O, s:{s:I, s:I, s:I, s:I}}",
        "billing_group", (json_int_t)ps->o->group, "month", ps->o->month,
        "preview", ps->o->preview, "contracts_total", (json_int_t)ps->total,
        "contracts_done", (json_int_t)ps->done, "invoices_created",
        (json_int_t)(ps->o->preview ? 0 : ps->created), "problems_count",
        (json_int_t)ps->nproblems, "problems", ps->problems, "totals",
        "invoices", (json_int_t)ps->created, "subtotal_yen",
        (json_int_t)ps->subtotal, "tax_yen", (json_int_t)ps->tax, "total_yen",
        (json_int_t)ps->sum);
    if (ps->o->preview)
        json_object_set(o, "sample", ps->sample);
    else
        json_object_set_new(o, "run_id", json_integer(ps->run_id));
    return o;
}

enum err
billing_run(struct store *st, const struct run_opts *o, json_t **out)
{
    struct pass ps = {.st = st, .o = o};
    enum err rc;
    *out = NULL;
    if (!o->preview && !o->audit)
        return err_fail(ERR_INTERNAL, "billing run without an audit hook");
    if (o->issued_on)
        snprintf(ps.issued_on, sizeof(ps.issued_on), "%s", o->issued_on);
    else
        time_today_jst(ps.issued_on);
    if ((rc = run_items_load(st, o->group, o->month, &ps.items, &ps.n)))
        goto out;
    if (ps.n == 0) {
        rc = err_fail(ERR_BILLING_NOTHING,
                      "締め日 %lld の %s に請求できる検針がありません",
                      (long long)o->group, o->month);
        goto out;
    }
    ps.total = (int64_t)ps.n;
    for (size_t i = 0; i < ps.n; i++)
        ps.done += ps.items[i].invoiced;
    ps.problems = json_array();
    ps.sample = json_array();
    if ((rc = pricer_init(&ps.pr, st)))
        goto out;
    /* 前回未収/前受: every customer's carried balance as of the issue date,
     * in one query for the whole run (preview and commit alike) */
    if ((rc = ledger_carry_load(st, ps.issued_on, &ps.pr.carry)))
        goto out;
    if (o->preview)
        rc = preview_all(&ps);
    else {
        /* the batches' journal records are made durable once, at the end
         * (capture.h): what the run acknowledges comes after the flush */
        capture_defer_sync(st, true);
        if (!(rc = commit_begin(&ps)) && !(rc = commit_all(&ps)))
            rc = commit_end(&ps);
        capture_defer_sync(st, false);
        enum err frc = capture_flush(st);
        rc = rc ? rc : frc;
    }
    if (!rc)
        *out = pass_json(&ps);
out:
    pricer_free(&ps.pr);
    free(ps.items);
    json_decref(ps.problems);
    json_decref(ps.sample);
    return rc;
}
