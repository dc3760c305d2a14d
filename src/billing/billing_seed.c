/*
 * billing_seed.c — seed module "billing": each retailer's tariffs and its
 * billing history (請求履歴) on top of the readings module.
 *
 * Per tenant: the tariff engineer's billing_seed_tariffs() (tariffs at the
 * prefecture's price level, every contract assigned one, a year of 原料費
 * 調整), in one transaction; then, for each closed reading month of the
 * history (--months, oldest first) and each billing group, the real billing
 * run (run.h, committed in batches, audited as "seed"), issued on the 5th
 * of the following month (or --as-of, when that is earlier). The first
 * month of the history has no usage yet (no earlier reading), so invoices
 * start with the second. The current month stays open and unbilled: a demo
 * can preview and commit it. Each month's payments are seeded before the
 * next month is billed (payments_seed_month), so invoices carry real
 * balances (前回未収/前受).
 */
#include "audit/audit.h"
#include "billing/billing.h"
#include "billing/run.h"
#include "core/timeutil.h"
#include "seed/seed.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED_BATCH 5000

static const int64_t seed_groups[] = {10, 20, 31}; /* customers_seed.c */

static enum err
seed_audit(void *arg, struct store *st, const char *action, const char *target,
           json_t *detail)
{
    (void)arg;
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    if (!text)
        return err_fail(ERR_INTERNAL, "audit detail");
    struct audit_entry e = {"seed", action, target, text, NULL, NULL};
    enum err rc = audit_append(st, &e);
    free(text);
    return rc;
}

/* "YYYY-MM" k months after month (k may be negative). */
static void
month_add(const char *month, int k, char out[8])
{
    int y = (int)strtol(month, NULL, 10);
    int m = (int)strtol(month + 5, NULL, 10) - 1 + k;
    y += m >= 0 ? m / 12 : -((11 - m) / 12);
    m = ((m % 12) + 12) % 12;
    snprintf(out, 8, "%04d-%02d", y, m + 1);
}

/* The retailer as its statements name it: its name, a made-up but
 * well-formed registration number (T + 13 digits), an address in its
 * prefecture and a phone. */
static enum err
seed_issuer(struct store *st, struct rng *r, const struct tenant *t)
{
    struct billing_settings b = billing_settings_default;
    snprintf(b.issuer_name, sizeof(b.issuer_name), "%s", t->name);
    snprintf(b.registration, sizeof(b.registration), "T%013llu",
             (unsigned long long)(1000000000000ULL +
                                  rng_below(r, 8999999999999ULL)));
    snprintf(b.issuer_address, sizeof(b.issuer_address), "%s本町1-%d",
             t->prefecture, (int)rng_below(r, 30) + 1);
    snprintf(b.issuer_phone, sizeof(b.issuer_phone), "0120-%03d-%03d",
             (int)rng_below(r, 1000), (int)rng_below(r, 1000));
    return billing_settings_put(st, &b);
}

static enum err
seed_tariffs(const struct seed_ctx *c, long long i, struct store *st)
{
    struct tenant t;
    struct rng r;
    rng_init(&r, c->seed, "billing", (uint64_t)i);
    enum err rc = tenant_find_id(c->platform, c->tenant_ids[i], &t);
    if (rc || (rc = store_tx_begin(st)))
        return rc;
    rc = billing_seed_tariffs(st, &r, t.prefecture);
    if (!rc)
        rc = seed_issuer(st, &r, &t);
    if (rc) {
        store_tx_rollback(st);
        return rc;
    }
    return store_tx_commit(st);
}

/* Bill every closed month of the history, every group; after each month,
 * its payments (payments_seed.c), so the next month's invoices carry what
 * was left unpaid or overpaid (前回未収/前受). */
static enum err
seed_runs(const struct seed_ctx *c, long long i, struct store *st,
          long long *invoices)
{
    char now_month[8], month[8], next[8], issued[11];
    enum err rc = ERR_OK;
    snprintf(now_month, sizeof(now_month), "%.7s", c->as_of);
    for (long long k = c->months; !rc && k >= 1; k--) {
        month_add(now_month, (int)-k, month);
        month_add(month, 1, next);
        snprintf(issued, sizeof(issued), "%s-05", next);
        if (strcmp(issued, c->as_of) > 0)
            snprintf(issued, sizeof(issued), "%s", c->as_of);
        for (size_t g = 0;
             !rc && g < sizeof(seed_groups) / sizeof(*seed_groups); g++) {
            struct run_opts o = {seed_groups[g], month,  false,      SEED_BATCH,
                                 "seed",         issued, seed_audit, NULL,
                                 NULL,           NULL};
            json_t *out = NULL;
            rc = billing_run(st, &o, &out);
            if (rc == ERR_BILLING_NOTHING)
                rc = ERR_OK;
            *invoices += (long long)json_integer_value(
                json_object_get(out, "invoices_created"));
            json_decref(out);
        }
        if (!rc)
            rc = payments_seed_month(c, i, st, month);
    }
    return rc;
}

enum err
billing_seed(struct seed_ctx *c)
{
    enum err rc = ERR_OK;
    long long invoices = 0;
    uint64_t t0 = time_mono_ns();
    for (long long i = 0; !rc && i < c->ntenant_ids; i++) {
        struct store *st;
        if ((rc = pool_tenant(c->tenant_ids[i], &st)))
            break;
        if (!(rc = seed_tariffs(c, i, st)))
            rc = seed_runs(c, i, st, &invoices);
        if (!c->quiet && c->ntenant_ids > 20 && (i + 1) % 100 == 0)
            fprintf(stderr, "seed: billing    %lld/%lld tenants\n", i + 1,
                    c->ntenant_ids);
    }
    double s = (double)(time_mono_ns() - t0) / 1e9;
    if (!rc && !c->quiet)
        fprintf(stderr, "seed: billing    %lld invoices (%.0f/s)\n", invoices,
                s > 0 ? (double)invoices / s : 0.0);
    return rc;
}
