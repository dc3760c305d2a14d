/*
 * seed.c — the seed framework: random streams, module registry, CLI.
 */
#include "cli.h"
#include "core/timeutil.h"
#include "seed/seed.h"
#include "tenants/tenants.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct seed_module seed_modules[] = {
    {"tenants", "retailers (事業者) across the prefectures", tenants_seed},
    {"customers", "households: supply points, meters, cylinders, appliances",
     customers_seed},
    {"readings", "meter readings: periods, winter peaks, exchanges, anomalies",
     metering_seed},
    {"billing", "tariffs and 12 months of invoices (請求履歴)", billing_seed},
    {"payments", "payments, debit failures, overdue accounts (入金・督促)",
     payments_seed},
};

static uint64_t
splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void
rng_init(struct rng *r, uint64_t seed, const char *name, uint64_t index)
{
    uint64_t h = 0xCBF29CE484222325ULL; /* FNV-1a of the stream name */
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001B3ULL;
    uint64_t x = seed ^ h ^ (index * 0xD1B54A32D192ED03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t
rng_below(struct rng *r, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = rng_next(r);
    while (v >= limit);
    return v % n;
}

enum err
seed_run(struct seed_ctx *c)
{
    int64_t existing = 0;
    enum err rc = tenant_count(c->platform, &existing);
    if (rc)
        return rc;
    if (existing)
        return err_fail(ERR_CONFLICT,
                        "%s already holds %lld tenant(s); seed into an empty "
                        "data directory",
                        c->data_dir, (long long)existing);
    for (size_t i = 0; i < sizeof(seed_modules) / sizeof(seed_modules[0]);
         i++) {
        uint64_t t0 = time_mono_ns();
        if ((rc = seed_modules[i].run(c)))
            return rc;
        if (!c->quiet)
            fprintf(stderr, "seed: %-10s %s (%.1f s)\n", seed_modules[i].name,
                    seed_modules[i].what, (double)(time_mono_ns() - t0) / 1e9);
    }
    return ERR_OK;
}

struct seed_opts {
    char data[4096];
    char as_of[11];
    long long tenants, customers, months, seed;
};

#define O(f) offsetof(struct seed_opts, f)

static const struct opt seed_opts_table[] = {
    {"data", OPT_STR, O(data), sizeof(((struct seed_opts *)0)->data), "./data",
     0, 0, 0, "DIR", "data directory to fill (must hold no tenants)"},
    {"tenants", OPT_INT, O(tenants), 0, "3", 1, 9999, OPT_NO_ENV, "N",
     "number of retailers (the platform's scale is about 1,100)"},
    {"customers-per-tenant", OPT_INT, O(customers), 0, "100", 0, 1000000,
     OPT_NO_ENV, "M", "households per retailer (customers module)"},
    {"months", OPT_INT, O(months), 0, "12", 0, 120, OPT_NO_ENV, "K",
     "months of history (metering and billing modules)"},
    {"seed", OPT_INT, O(seed), 0, "1", 0, INT64_MAX, OPT_NO_ENV, "S",
     "random seed: the same seed gives the same data"},
    {"as-of", OPT_STR, O(as_of), sizeof(((struct seed_opts *)0)->as_of), "", 0,
     0, OPT_NO_ENV, "DATE",
     "date the data is as of (YYYY-MM-DD; default today, JST)"},
    OPT_END,
};

int
seed_main(int argc, char **argv)
{
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight seed [options]",
                 "Fill an empty data directory with a deterministic, realistic "
                 "dataset.",
                 seed_opts_table);
        return 0;
    }
    struct seed_opts o;
    enum err rc = opt_parse(seed_opts_table, &o, argc, argv);
    struct store *platform = NULL;
    if (!rc)
        rc = cli_open_platform(o.data, &platform);
    char today[11];
    time_today_jst(today);
    if (!rc && o.as_of[0] && !time_date_valid(o.as_of))
        rc = err_fail(ERR_INVALID, "--as-of: %s is not a date (YYYY-MM-DD)",
                      o.as_of);
    struct seed_ctx c = {
        .data_dir = o.data,
        .platform = platform,
        .actor = cli_actor(),
        .seed = (uint64_t)o.seed,
        .tenants = o.tenants,
        .customers_per_tenant = o.customers,
        .months = o.months,
        .as_of = o.as_of[0] ? o.as_of : today,
    };
    uint64_t t0 = time_mono_ns();
    if (!rc)
        rc = seed_run(&c);
    free(c.tenant_ids);
    if (rc)
        return cli_fail("seed", rc);
    fprintf(stderr, "seed: done in %.1f s (%lld tenants)\n",
            (double)(time_mono_ns() - t0) / 1e9, c.ntenant_ids);
    return 0;
}
