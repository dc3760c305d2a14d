/*
 * run_split.c — the pricer's month adjustments (原料費調整) and, under the
 * day-split rule (日割り), the cutting of a period into stretches.
 *
 * A stretch is a run of consecutive days with one tariff version and one
 * month: a period from 09-10 to 10-09 with a price change on 10-01 is
 * 09-10..09-30 (old version, September's adjustment) and 10-01..10-09
 * (new version, October's). bill_compute (tariff.c) then shares the usage
 * out by days, prices each version's share and each month's adjustment.
 * Days before the oldest version known are priced by it (the tariff did
 * not exist yet: its first version is the best price there is).
 */
#include "billing/run_int.h"
#include "core/timeutil.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum err
pricer_adjustment(struct pricer *pr, const char *date, int64_t *cyen,
                  bool *tax_included)
{
    const size_t n = sizeof(pr->adj) / sizeof(pr->adj[0]);
    for (size_t i = 0; i < n; i++)
        if (pr->adj[i].month[0] && !strncmp(pr->adj[i].month, date, 7)) {
            *cyen = pr->adj[i].cyen;
            *tax_included = pr->adj[i].tax_included;
            return ERR_OK;
        }
    struct adj_cache *c = &pr->adj[pr->adj_next];
    snprintf(c->month, sizeof(c->month), "%.7s", date);
    enum err rc = run_adjustment(pr->st, c->month, &c->cyen, &c->tax_included);
    if (rc) {
        c->month[0] = '\0';
        return rc;
    }
    pr->adj_next = (pr->adj_next + 1) % n;
    *cyen = c->cyen;
    *tax_included = c->tax_included;
    return ERR_OK;
}

enum err
pricer_load_history(struct pricer *pr, struct tcache_entry *e)
{
    if (e->hist)
        return ERR_OK;
    e->hist = xcalloc(BILL_SPLIT_MAX, sizeof(*e->hist));
    e->pj_hist = xcalloc(BILL_SPLIT_MAX, sizeof(*e->pj_hist));
    return tariff_price_history(pr->st, e->tariff_id, e->date, e->hist,
                                BILL_SPLIT_MAX, &e->nhist);
}

/* The version of e's history in force on day (the oldest for days before
 * them all). */
static const struct tariff_price *
version_on(const struct tcache_entry *e, const char *day)
{
    for (size_t i = 0; i < e->nhist; i++)
        if (strcmp(e->hist[i].effective_from, day) <= 0)
            return &e->hist[i];
    return &e->hist[e->nhist - 1];
}

/* The first day after day on which the version or the month changes,
 * or the day after to. */
static void
next_cut(const struct tcache_entry *e, const char *day, const char *to,
         char out[11])
{
    char month_next[16];
    int y = (int)strtol(day, NULL, 10), m = (int)strtol(day + 5, NULL, 10);
    snprintf(month_next, sizeof(month_next), "%04d-%02d-01", y + (m == 12),
             m == 12 ? 1 : m + 1);
    time_date_add(to, 1, out);
    if (strcmp(month_next, out) < 0)
        memcpy(out, month_next, 11);
    for (size_t i = 0; i < e->nhist; i++) {
        const char *f = e->hist[i].effective_from;
        if (strcmp(f, day) > 0 && strcmp(f, out) < 0)
            memcpy(out, f, 11);
    }
}

enum err
pricer_split(struct pricer *pr, struct tcache_entry *e, const char *from,
             const char *to, struct bill_in *in)
{
    char day[11];
    enum err rc = pricer_load_history(pr, e);
    in->nsplit = 0;
    if (rc)
        return rc;
    snprintf(day, sizeof(day), "%s", from);
    while (!rc && strcmp(day, to) <= 0) {
        char cut[11];
        if (in->nsplit == BILL_SPLIT_MAX)
            return err_fail(ERR_TARIFF_INVALID,
                            "期間 %s〜%s に料金改定が多すぎて日割りできません",
                            from, to);
        struct bill_stretch *x = &in->split[in->nsplit++];
        next_cut(e, day, to, cut);
        x->price = version_on(e, day);
        x->days = time_date_days(cut) - time_date_days(day);
        snprintf(x->month, sizeof(x->month), "%.7s", day);
        rc = pricer_adjustment(pr, day, &x->adjustment_cyen_per_m3,
                               &x->adjustment_tax_included);
        memcpy(day, cut, 11);
    }
    if (!rc && in->nsplit == 1) /* nothing changes inside: no split */
        in->nsplit = 0;
    return rc;
}

json_t *
pricer_split_json(struct tcache_entry *e, const struct bill_in *in,
                  json_t *(*price_json)(const struct tariff_price *))
{
    if (in->nsplit == 0)
        return json_null();
    json_t *a = json_array();
    for (size_t i = 0; i < in->nsplit; i++) {
        const struct bill_stretch *x = &in->split[i];
        size_t k = (size_t)(x->price - e->hist);
        if (!e->pj_hist[k])
            e->pj_hist[k] = price_json(x->price);
        json_array_append_new(
            a,
            json_pack("{s:I, s:s, s:O, s:I, s:b}", "days", (json_int_t)x->days,
                      "month", x->month, "tariff", e->pj_hist[k],
                      "adjustment_cyen_per_m3",
                      (json_int_t)x->adjustment_cyen_per_m3,
                      "adjustment_tax_included", x->adjustment_tax_included));
    }
    return a;
}
