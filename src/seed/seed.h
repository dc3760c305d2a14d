/*
 * seed.h — deterministic, realistic data for demos, tests and benchmarks.
 *
 * `pilotlight seed` runs every registered module in order over one context.
 * Each module draws from its own random stream, derived from the seed, the
 * module's name and (for per-tenant data) the tenant's index, so that
 *   - the same --seed gives the same data, byte for byte in content;
 *   - adding a module, or data to one, never changes what another produces;
 *   - per-tenant work can later run in parallel without changing results.
 * Dates are relative to seed_ctx.as_of (default today, JST), so the same
 * seed and --as-of give the same data on any day.
 * Modules register in seed_modules[] (seed.c).
 */
#ifndef PL_SEED_SEED_H
#define PL_SEED_SEED_H

#include "core/err.h"

#include <stdint.h>

struct store;

/* xoshiro256** — fast, small state, good statistical quality. */
struct rng {
    uint64_t s[4];
};

/* A stream for (seed, name, index). */
void rng_init(struct rng *r, uint64_t seed, const char *name, uint64_t index);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

struct seed_ctx {
    const char *data_dir;
    struct store *platform;
    const char *actor;
    uint64_t seed;
    long long tenants;
    long long customers_per_tenant; /* used by the customers module */
    long long months;               /* history depth for readings/billing */
    int64_t *tenant_ids;            /* filled by the tenants module */
    long long ntenant_ids;
    int quiet;         /* no progress lines */
    const char *as_of; /* "YYYY-MM-DD": the date the data is as of */
};

struct seed_module {
    const char *name;
    const char *what;
    enum err (*run)(struct seed_ctx *c);
};

/* Run every module. ERR_CONFLICT if the data dir already has tenants. */
enum err seed_run(struct seed_ctx *c);
/* `pilotlight seed` entry point. */
int seed_main(int argc, char **argv);

/* Modules (each in its domain's folder). */
enum err tenants_seed(struct seed_ctx *c);
enum err customers_seed(struct seed_ctx *c);
enum err metering_seed(struct seed_ctx *c);
enum err billing_seed(struct seed_ctx *c);  /* src/billing/billing_seed.c */
enum err payments_seed(struct seed_ctx *c); /* src/payments/payments_seed.c */
/* A month's payments for the invoices billing_seed just issued (tenant:
 * its index in c->tenant_ids), in their own transaction: called by
 * billing_seed after each month's runs, so the next month carries what is
 * left unpaid (前回未収) or overpaid (前受). */
enum err payments_seed_month(const struct seed_ctx *c, long long tenant,
                             struct store *st, const char *month);

#endif
