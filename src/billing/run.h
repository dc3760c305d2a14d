/*
 * run.h — the billing run (請求締め), invoices and corrections: the API
 * shared by the HTTP routes (run_api.c, invoice_api.c), the CLI
 * (billing_cli.c), the seed (billing_seed.c) and the tests.
 *
 * A run bills one billing group (締め日, supply_points.billing_group) for
 * one month. What it bills, per (contract, reading):
 *   - each regular reading of a CLOSED reading period of that month,
 *   - each move_out reading dated in that month (転居: the leaving
 *     occupant's last bill) and each move_in reading with usage (vacant
 *     use between two occupants),
 * whose usage is known, priced for the contract in force on the reading
 * (move_out: the contract that ends there). A contract without a tariff, or
 * a tariff without a price on the reading date, is a problem: listed by the
 * preview, skipped by the commit, billed by a later run once fixed.
 *
 * Preview (試算) and commit price every item with the same function; the
 * preview writes nothing. Commit writes, per transaction, a batch of
 * invoices (numbers from invoice_counter in the same transaction, so they
 * are gapless), their lines, the customer's open charges marked billed,
 * the run's progress (contracts_done) and one audit entry; a kill at any
 * point leaves whole batches. The unique index invoices_once (contract,
 * reading) and a check inside each batch make a re-run bill only what is
 * not billed yet: running again creates nothing new.
 */
#ifndef PL_BILLING_RUN_H
#define PL_BILLING_RUN_H

#include "core/err.h"
#include "core/json.h"

#include <stdbool.h>
#include <stdint.h>

struct store;

#define RUN_BATCH_DEFAULT  500 /* contracts per transaction */
#define RUN_BATCH_MAX      10000
#define RUN_SAMPLE_MAX     20  /* invoices a preview shows */
#define RUN_PROBLEMS_MAX   200 /* problems listed (all are counted) */
#define INVOICE_LIMIT_MAX  500 /* invoices per list page */
#define CORRECT_REASON_MAX 200

/* Writes an audit entry inside the open transaction; steals detail. */
typedef enum err (*run_audit_fn)(void *arg, struct store *st,
                                 const char *action, const char *target,
                                 json_t *detail);

struct run_opts {
    int64_t group;         /* 1..31 */
    const char *month;     /* "YYYY-MM" */
    bool preview;          /* 試算: write nothing */
    int64_t batch;         /* contracts per transaction; 0 = default */
    const char *actor;     /* started_by */
    const char *issued_on; /* NULL: today (JST) */
    run_audit_fn audit;    /* required for a commit */
    void *audit_arg;
    /* Called after each committed batch (may be NULL). */
    void (*progress)(void *arg, int64_t done, int64_t total);
    void *progress_arg;
};

/* True for "YYYY-MM" with a month 01–12. */
bool run_month_valid(const char *s);

/*
 * Preview or commit one run (see the top of this file). *out (new ref):
 * {"run_id" (commit only), "billing_group", "month", "preview",
 * "contracts_total", "contracts_done", "invoices_created",
 * "problems_count", "problems": [{"contract_id", "supply_point_id",
 * "reading_id", "code", "message"}], "totals": {"invoices", "subtotal_yen",
 * "tax_yen", "total_yen"} (what this call priced), and for a preview
 * "sample": [invoice JSON without id/number]}. ERR_BILLING_NOTHING when the
 * group has nothing to bill that month.
 */
enum err billing_run(struct store *st, const struct run_opts *o, json_t **out);

/* A run's progress: {"id", "billing_group", "month", "status",
 * "contracts_total", "contracts_done", "started_at", "started_by",
 * "finished_at"}. ERR_BILLING_RUN_NOT_FOUND when absent. */
enum err billing_run_json(struct store *st, int64_t id, json_t **out);
/* {"billing_runs": [...]}, newest first (at most 500). */
enum err billing_run_list(struct store *st, json_t **out);

/* The invoice JSON of billing.h's shared contract (new ref), plus
 * "run_id", "contract_id" and "corrects_number".
 * ERR_INVOICE_NOT_FOUND when absent. */
enum err invoice_json(struct store *st, int64_t id, json_t **out);

struct invoice_filter {
    int64_t customer_id, run_id; /* 0 = any */
    int64_t after;               /* keyset: ids past this one in the
                                    order (0 = from the start) */
    bool desc;                   /* newest (highest id) first */
    int64_t limit;               /* 1..INVOICE_LIMIT_MAX */
    int64_t tariff_version;      /* 0 = any; else those it priced (its
                                    snapshot names the version's tariff
                                    and one of the dates it has had) */
};
/* {"invoices": [summary...], "next_after": id or null}, by id (ascending,
 * or descending with f->desc). */
enum err invoice_list(struct store *st, const struct invoice_filter *f,
                      json_t **out);

/*
 * 赤黒訂正 inside the caller's transaction: void invoice id and issue a new
 * invoice (next number, corrects_id = id) for the same contract and
 * reading, re-priced with the tariff now in force on the reading date and
 * usage_tenths (< 0: the original usage); the original's charges move to
 * it. *new_id receives it. ERR_INVOICE_NOT_FOUND, ERR_INVOICE_VOID,
 * ERR_TARIFF_NO_PRICE. Writes no audit entry (the caller does).
 */
enum err invoice_correct(struct store *st, int64_t id, int64_t usage_tenths,
                         const char *reason, int64_t *new_id);

/*
 * A credit (< 0) or debit adjustment for invoice id that lands on the
 * customer's next invoice: a charge (tax included, at tax_rate) "訂正" naming
 * the invoice. *charge_id receives it. ERR_INVOICE_NOT_FOUND,
 * ERR_INVOICE_VOID. Inside the caller's transaction; no audit entry.
 */
enum err invoice_adjust(struct store *st, int64_t id, int64_t amount_yen,
                        int tax_rate, const char *reason, const char *actor,
                        int64_t *charge_id);

#endif
