/*
 * customers_seed.c — seed module: each retailer's customer ledger.
 *
 * Per tenant, `--customers-per-tenant` customers in reading routes of
 * about 200: customer numbers follow the route order with gaps of ten
 * (route 3, 1st house → "30010"), as retailers number them so new houses
 * can be slotted in. Each customer lives at a supply point in the tenant's
 * prefecture (individual cylinders mostly, some bulk tanks and apartment
 * blocks), with a meter of a realistic age — about one in twenty past its
 * certification expiry (検定満期), which is what the office must chase —
 * a cylinder set-up sized to the house, the usual appliances, and a
 * contract with its payment method. A few points have a previous occupant
 * who moved out (a closed customer), so history exists from the start.
 *
 * Speed: 1,100 tenants × 1,000 customers is the platform's scale, so rows
 * go in with cached prepared statements in one transaction per tenant and
 * the search index is rebuilt once at the end (customer_search_rebuild).
 * One audit entry per tenant records what the seed did.
 */
#include "audit/audit.h"
#include "core/timeutil.h"
#include "customers/customers.h"
#include "customers/customers_seed.h"
#include "seed/seed.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUTE_SIZE 200 /* households per reading route (検針順路) */

struct gen {
    struct rng r;
    struct store *st;
    size_t pref;   /* index into tenant_prefectures */
    int64_t today; /* days since the epoch (seed date) */
    char now[32];  /* created_at/updated_at */
};

/* ---------------------------------------------------------------------- */
/* Drawing                                                                */
/* ---------------------------------------------------------------------- */

static size_t
count_words(const struct kana_word *w)
{
    size_t n = 0;
    while (w[n].word)
        n++;
    return n;
}

static size_t
count_strings(const char *const *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static const struct kana_word *
pick_word(struct gen *g, const struct kana_word *list)
{
    return &list[rng_below(&g->r, count_words(list))];
}

static const char *
pick_string(struct gen *g, const char *const *list)
{
    return list[rng_below(&g->r, count_strings(list))];
}

/* True with probability percent/100. */
static bool
chance(struct gen *g, unsigned percent)
{
    return rng_below(&g->r, 100) < percent;
}

static int
between(struct gen *g, int lo, int hi)
{
    return lo + (int)rng_below(&g->r, (uint64_t)(hi - lo + 1));
}

static void
date_back(struct gen *g, int days_ago, char out[11])
{
    time_date_from_days(g->today - days_ago, out);
}

/* ---------------------------------------------------------------------- */
/* People, phones and places                                              */
/* ---------------------------------------------------------------------- */

struct person {
    char name[160], kana[200], phone1[24], phone2[24], email[64];
    bool business;
};

static void
make_person(struct gen *g, struct person *p)
{
    const struct kana_word *f = pick_word(g, seed_families);
    p->business = chance(g, 5);
    if (p->business) {
        size_t n = 0;
        while (seed_business[n].before)
            n++;
        const struct business_shape *b = &seed_business[rng_below(&g->r, n)];
        snprintf(p->name, sizeof(p->name), "%s%s%s", b->before, f->word,
                 b->after);
        snprintf(p->kana, sizeof(p->kana), "%s%s%s", b->before_kana, f->kana,
                 b->after_kana);
        return;
    }
    const struct kana_word *given =
        pick_word(g, chance(g, 50) ? seed_given_male : seed_given_female);
    snprintf(p->name, sizeof(p->name), "%s\u3000%s", f->word, given->word);
    snprintf(p->kana, sizeof(p->kana), "%s %s", f->kana, given->kana);
}

/* A landline in the prefecture's area (10 digits) or a mobile (11). */
static void
make_phone(struct gen *g, bool mobile, char out[24])
{
    if (mobile) {
        static const char *const pre[] = {"090", "080", "070"};
        snprintf(out, 24, "%s-%04d-%04d", pre[rng_below(&g->r, 3)],
                 between(g, 1000, 9999), between(g, 0, 9999));
        return;
    }
    const char *area = seed_area_codes[g->pref];
    size_t n = strlen(area); /* 6 digits after it in all */
    if (n == 4)
        snprintf(out, 24, "%s-%02d-%04d", area, between(g, 20, 99),
                 between(g, 0, 9999));
    else
        snprintf(out, 24, "%s-%03d-%04d", area, between(g, 200, 999),
                 between(g, 0, 9999));
}

static void
add_contacts(struct gen *g, struct person *p, const char *number)
{
    make_phone(g, p->business ? false : chance(g, 35), p->phone1);
    p->phone2[0] = '\0';
    if (!p->business && chance(g, 40))
        make_phone(g, true, p->phone2);
    p->email[0] = '\0';
    if (chance(g, 15))
        snprintf(p->email, sizeof(p->email), "c%s@example.jp", number);
}

struct place {
    char city[64], street[96], building[96], room[16], postal[9];
    const char *kind; /* individual | bulk | collective */
};

static void
make_place(struct gen *g, struct place *pl, const struct person *p)
{
    const char *town = pick_string(g, seed_towns);
    snprintf(pl->city, sizeof(pl->city), "%s",
             seed_cities[g->pref][rng_below(&g->r, 4)]);
    if (chance(g, 30))
        snprintf(pl->street, sizeof(pl->street), "大字%s%d番地%d", town,
                 between(g, 1, 2999), between(g, 1, 9));
    else
        snprintf(pl->street, sizeof(pl->street), "%s%d丁目%d-%d", town,
                 between(g, 1, 5), between(g, 1, 30), between(g, 1, 25));
    snprintf(pl->postal, sizeof(pl->postal), "%s%d-%04d",
             seed_postal_prefix[g->pref], between(g, 0, 9),
             between(g, 0, 9999));
    pl->building[0] = pl->room[0] = '\0';
    int k = between(g, 0, 99);
    pl->kind = p->business ? (k < 20 ? "bulk" : "individual")
               : k < 88    ? "individual"
               : k < 97    ? "collective"
                           : "bulk";
    if (!strcmp(pl->kind, "collective")) {
        static const char *const shapes[] = {"コーポ", "ハイツ", "メゾン"};
        snprintf(pl->building, sizeof(pl->building), "%s%s",
                 shapes[rng_below(&g->r, 3)], town);
        snprintf(pl->room, sizeof(pl->room), "%d%02d", between(g, 1, 3),
                 between(g, 1, 6));
    }
}

/* ---------------------------------------------------------------------- */
/* Rows                                                                   */
/* ---------------------------------------------------------------------- */

/* Step a prepared INSERT … RETURNING id; *id = the new row. */
static enum err
returning_id(struct stmt *s, enum err rc, int64_t *id)
{
    bool row = false;
    if (!rc)
        rc = stmt_step(s, &row);
    *id = row ? stmt_int(s, 0) : 0;
    stmt_done(s);
    return rc ? rc : row ? ERR_OK : err_fail(ERR_INTERNAL, "no id returned");
}

static enum err
put_customer(struct gen *g, const char *number, const struct person *p,
             const struct place *pl, const char *status, int64_t *id)
{
    static const char *const notes[] = {"請求書は勤務先へ", "日中不在が多い",
                                        "連絡は携帯へ"};
    char address[300];
    snprintf(address, sizeof(address), "%s%s%s%s%s", pl->city, pl->street,
             pl->building[0] ? " " : "", pl->building, pl->room);
    const char *note = chance(g, 5) ? notes[rng_below(&g->r, 3)] : NULL;
    struct stmt *s;
    enum err rc = store_query(
        g->st, &s,
        "INSERT INTO customers (number, name, kana, kind, phone1, phone2,"
        " email, postal_code, prefecture, address, notes, status, created_at,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
        " $12, $13, $13) RETURNING id",
        "ttttttttttttt", number, p->name, p->kana,
        p->business ? "business" : "household", p->phone1,
        p->phone2[0] ? p->phone2 : NULL, p->email[0] ? p->email : NULL,
        pl->postal, tenant_prefectures[g->pref], address, note, status, g->now);
    return returning_id(s, rc, id);
}

static enum err
put_point(struct gen *g, const struct place *pl, long long route,
          long long order, int64_t *id)
{
    static const int groups[] = {10, 20, 31}; /* 締め日 by route */
    static const char *const notes[] = {
        "犬注意",         "鍵は玄関横のボックス", "メーターは裏手",
        "訪問時は声掛け", "駐車場なし",           "門扉は閉めること",
    };
    const char *note = chance(g, 12) ? notes[rng_below(&g->r, 6)] : NULL;
    char code[16];
    snprintf(code, sizeof(code), "R%02lld", route);
    struct stmt *s;
    enum err rc = store_query(
        g->st, &s,
        "INSERT INTO supply_points (prefecture, city, street, building, room,"
        " supply_kind, route, route_order, billing_group, notes, created_at,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
        " $11) RETURNING id",
        "tttttttiitt", tenant_prefectures[g->pref], pl->city, pl->street,
        pl->building[0] ? pl->building : NULL, pl->room[0] ? pl->room : NULL,
        pl->kind, code, (int64_t)(order * 10), (int64_t)groups[route % 3], note,
        g->now);
    return returning_id(s, rc, id);
}

static enum err
put_occupancy(struct gen *g, int64_t point, int64_t customer,
              const char *moved_in, const char *moved_out)
{
    return store_run(g->st,
                     "INSERT INTO occupancy (supply_point_id, customer_id,"
                     " moved_in, moved_out) VALUES ($1, $2, $3, $4)",
                     "iitt", point, customer, moved_in, moved_out);
}

/* The meter: E型 mostly, S型 on larger flows, smart meters on about one
 * in five (those carry a device id for remote reading). Installed within
 * the last ten years and a bit, so some are past expiry. */
static enum err
put_meter(struct gen *g, int64_t point, bool business)
{
    char installed[11], serial[24], device[24], expiry[8];
    int age = between(g, 0, 3650 + 190);
    date_back(g, age, installed);
    snprintf(expiry, sizeof(expiry), "%04d-%.2s",
             (int)strtol(installed, NULL, 10) + 10, installed + 5);
    bool smart = chance(g, 20);
    const char *kind = smart ? "smart" : business ? "S" : "E";
    snprintf(serial, sizeof(serial), "%c%02d%06d", "EASP"[rng_below(&g->r, 4)],
             between(g, 10, 26), between(g, 0, 999999));
    snprintf(device, sizeof(device), "NCU-%08llX",
             (unsigned long long)(rng_next(&g->r) & 0xFFFFFFFFu));
    return store_run(
        g->st,
        "INSERT INTO meters (supply_point_id, serial, maker, model, kind,"
        " capacity, digits, install_date, initial_index,"
        " certification_expiry, device_id, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, 4, $7, $8, $9, $10, $11, $11)",
        "itttttti"
        "ttt",
        point, serial, pick_string(g, seed_meter_makers),
        business ? "S6" : "E4", kind, business ? "6" : "2.5", installed,
        (int64_t)between(g, 0, 500), expiry, smart ? device : NULL, g->now);
}

/* Cylinders (容器): two 50 kg on an automatic change-over for most houses,
 * 20 kg pairs for small users, a bulk tank, or a bank for a block. */
static enum err
put_cylinders(struct gen *g, int64_t point, const char *kind, bool business)
{
    int size = 50, supply = 1, reserve = 1, usage = between(g, 60, 220);
    const char *sw = "auto";
    if (!strcmp(kind, "bulk")) {
        static const int tanks[] = {300, 500, 1000};
        size = tanks[rng_below(&g->r, 3)], reserve = 0, sw = "none";
        usage = between(g, 300, 2500);
    } else if (!strcmp(kind, "collective")) {
        supply = reserve = between(g, 2, 4);
        usage = between(g, 400, 1500);
    } else if (!business && chance(g, 20)) {
        size = 20, supply = reserve = 2, usage = between(g, 40, 120);
    } else if (chance(g, 3)) {
        sw = "manual";
    }
    return store_run(g->st,
                     "INSERT INTO cylinders (supply_point_id, size_kg,"
                     " supply_count, reserve_count, switch_kind, usage_30d,"
                     " created_at, updated_at)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                     "iiiitit", point, (int64_t)size, (int64_t)supply,
                     (int64_t)reserve, sw, (int64_t)usage, g->now);
}

static enum err
put_appliance(struct gen *g, int64_t point, const char *kind, const char *maker,
              const char *model, const char *ownership, bool monitored)
{
    char installed[11], serial[24], device[24];
    date_back(g, between(g, 30, 15 * 365), installed);
    snprintf(serial, sizeof(serial), "%07d", between(g, 0, 9999999));
    snprintf(device, sizeof(device), "WH-%08llX",
             (unsigned long long)(rng_next(&g->r) & 0xFFFFFFFFu));
    return store_run(g->st,
                     "INSERT INTO appliances (supply_point_id, kind, maker,"
                     " model, serial, install_date, ownership, device_id,"
                     " created_at, updated_at)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                     "ittttttt"
                     "t",
                     point, kind, maker, model, serial, installed, ownership,
                     monitored ? device : NULL, g->now);
}

/* The usual appliances: a water heater (給湯器; some leased or ours, a
 * few remotely monitored), a stove, sometimes a fan heater or a dryer. */
static enum err
put_appliances(struct gen *g, int64_t point)
{
    static const char *const heaters[] = {"RUF-A2405SAW", "GT-C2462SAWX",
                                          "PH-2425AW", "GX-H2402W"};
    int own = between(g, 0, 99);
    enum err rc = ERR_OK;
    if (chance(g, 92))
        rc = put_appliance(g, point, "water_heater",
                           pick_string(g, seed_heater_makers),
                           heaters[rng_below(&g->r, 4)],
                           own < 12   ? "leased"
                           : own < 20 ? "ours"
                                      : "customer",
                           chance(g, 10));
    if (!rc && chance(g, 80))
        rc = put_appliance(g, point, "stove", "リンナイ", "RT64JH", "customer",
                           false);
    if (!rc && chance(g, 20))
        rc = put_appliance(g, point, "heater", "リンナイ", "SRC-365E",
                           "customer", false);
    if (!rc && chance(g, 3))
        rc = put_appliance(g, point, "dryer", "リンナイ", "RDT-54S",
                           own < 50 ? "leased" : "customer", false);
    return rc;
}

/* The contract (契約) of customer at point from start (to end, or open):
 * about 70 % pay by 口座振替 with an account at a local or city bank in
 * the depositor's name (口座名義, half-width kana), the rest by transfer,
 * collection (集金) or convenience-store slip. */
static enum err
put_contract(struct gen *g, int64_t point, int64_t customer,
             const struct person *p, const char *start, const char *end)
{
    static const char *const methods[] = {"debit", "transfer", "collection",
                                          "cvs"};
    int m = between(g, 0, 99);
    const char *method = methods[m < 70 ? 0 : m < 80 ? 1 : m < 92 ? 2 : 3];
    char branch[8], number[8], holder[CONTRACT_HOLDER_MAX * 3 + 1];
    const char *bank = NULL, *type = NULL;
    bool debit = !strcmp(method, "debit");
    if (debit) {
        bank = pick_string(g, seed_bank_codes);
        type = chance(g, 95) || !p->business ? "1" : "2";
        snprintf(branch, sizeof(branch), "%03d", between(g, 1, 899));
        snprintf(number, sizeof(number), "%07d", between(g, 0, 9999999));
        enum err rc =
            contract_holder_normalize(p->kana, holder, sizeof(holder));
        if (rc)
            return rc;
    }
    return store_run(g->st,
                     "INSERT INTO contracts (supply_point_id, customer_id,"
                     " start_date, end_date, payment_method, bank_code,"
                     " branch_code, account_type, account_number,"
                     " account_holder, created_at, updated_at) VALUES ($1, $2,"
                     " $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
                     "iittttttttt", point, customer, start, end, method, bank,
                     debit ? branch : NULL, type, debit ? number : NULL,
                     debit ? holder : NULL, g->now);
}

/* A household that moved out before the current one moved in: a closed
 * customer with a finished occupancy, so the point has history. */
static enum err
previous_occupant(struct gen *g, int64_t point, const struct place *pl,
                  const char *number, int64_t moved_in_days)
{
    struct person p;
    char prev_number[24], in[11], out[11];
    int64_t id;
    snprintf(prev_number, sizeof(prev_number), "%s-1", number);
    make_person(g, &p);
    add_contacts(g, &p, prev_number);
    time_date_from_days(moved_in_days - between(g, 400, 8000), in);
    time_date_from_days(moved_in_days - between(g, 1, 60), out);
    enum err rc = put_customer(g, prev_number, &p, pl, "closed", &id);
    if (!rc)
        rc = put_occupancy(g, point, id, in, out);
    return rc ? rc : put_contract(g, point, id, &p, in, out);
}

/* One house on route at order: point, customer, occupancy, equipment. */
static enum err
household(struct gen *g, long long route, long long order)
{
    char number[24], moved_in[11];
    struct person p;
    struct place pl;
    int64_t point, id;
    snprintf(number, sizeof(number), "%lld%04lld", route, order * 10);
    make_person(g, &p);
    add_contacts(g, &p, number);
    make_place(g, &pl, &p);
    int64_t in_days = g->today - between(g, 30, 30 * 365);
    time_date_from_days(in_days, moved_in);
    enum err rc = put_point(g, &pl, route, order, &point);
    if (!rc && chance(g, 4))
        rc = previous_occupant(g, point, &pl, number, in_days);
    if (!rc)
        rc = put_customer(g, number, &p, &pl,
                          chance(g, 2) ? "suspended" : "active", &id);
    if (!rc)
        rc = put_occupancy(g, point, id, moved_in, NULL);
    if (!rc)
        rc = put_contract(g, point, id, &p, moved_in, NULL);
    if (!rc)
        rc = put_meter(g, point, p.business);
    if (!rc)
        rc = put_cylinders(g, point, pl.kind, p.business);
    if (!rc)
        rc = put_appliances(g, point);
    return rc;
}

static size_t
prefecture_index(const char *name)
{
    for (size_t i = 0; i < 47; i++)
        if (!strcmp(tenant_prefectures[i], name))
            return i;
    return 21; /* a tenant without a prefecture gets 静岡県's places */
}

static enum err
audit_seed(struct store *st, long long n)
{
    char detail[64];
    snprintf(detail, sizeof(detail), "{\"customers\":%lld}", n);
    struct audit_entry e = {"seed", "customer.seed", "customers", detail, NULL,
                            NULL};
    return audit_append(st, &e);
}

/* Fill tenant index i (id) in one transaction. */
static enum err
seed_tenant(const struct seed_ctx *c, long long i, int64_t id)
{
    struct gen g;
    struct tenant t;
    rng_init(&g.r, c->seed, "customers", (uint64_t)i);
    g.today = time_date_days(c->as_of);
    time_now_iso(g.now);
    enum err rc = tenant_find_id(c->platform, id, &t);
    if (!rc)
        rc = pool_tenant(id, &g.st);
    if (rc || (rc = store_tx_begin(g.st)))
        return rc;
    g.pref = prefecture_index(t.prefecture);
    for (long long k = 0; !rc && k < c->customers_per_tenant; k++)
        rc = household(&g, 1 + k / ROUTE_SIZE, 1 + k % ROUTE_SIZE);
    if (!rc)
        rc = customer_search_rebuild(g.st);
    if (!rc)
        rc = audit_seed(g.st, c->customers_per_tenant);
    if (!rc)
        rc = store_tx_commit(g.st);
    if (rc)
        store_tx_rollback(g.st);
    return rc;
}

enum err
customers_seed(struct seed_ctx *c)
{
    enum err rc = ERR_OK;
    for (long long i = 0; !rc && i < c->ntenant_ids; i++) {
        rc = seed_tenant(c, i, c->tenant_ids[i]);
        if (!c->quiet && c->ntenant_ids > 20 && (i + 1) % 100 == 0)
            fprintf(stderr, "seed: customers  %lld/%lld tenants\n", i + 1,
                    c->ntenant_ids);
    }
    return rc;
}
