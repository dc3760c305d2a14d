/*
 * run_int.h — what run.c (pricing and the run loop), run_store.c (its SQL),
 * invoice_store.c and correction.c share. Not for other modules: they use
 * run.h.
 *
 * A run item is one (contract, reading) to bill, loaded with everything
 * the invoice shows about the customer and the supply point, so an issued
 * invoice keeps them in its snapshot and never changes when the ledger
 * does. The pricer holds the tenant's billing settings and caches what
 * many items share (tariff versions by tariff and date, the month's
 * adjustment) and which customers' open charges a run already took.
 */
#ifndef PL_BILLING_RUN_INT_H
#define PL_BILLING_RUN_INT_H

#include "billing/billing.h"
#include "billing/run.h"
#include "payments/ledger.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct run_item {
    int64_t contract_id, customer_id, point_id, reading_id, tariff_id;
    int64_t usage_l, prev_index, index;
    bool invoiced, has_prev, prev_move_in;
    char kind[12], read_on[11], prev_on[11], payment[16], start_date[11];
    char cust_number[32], cust_name[128], address[400];
};

struct tcache_entry {
    int64_t tariff_id;
    char date[11];
    enum err rc;
    struct tariff_price p;     /* in force on date */
    struct tariff_price *hist; /* day split only: the versions in force on
                                  date and before, newest first (hist[0] is
                                  p), nhist of them */
    size_t nhist;
    json_t *pj;       /* p's snapshot JSON, built once */
    json_t **pj_hist; /* hist's, built when a split first needs them */
    char *head;       /* the snapshot's shared part: {tariff_id, tariff,
                         settings, issuer} as text (json_dumps) */
    int64_t basis_id; /* its invoice_bases row, once written (0: not yet) */
};

struct pricer {
    struct store *st;
    struct billing_settings set;
    struct tcache_entry *tc;
    size_t ntc, ctc;
    struct adj_cache { /* 原料費調整 of the months last asked for */
        char month[8];
        int64_t cyen;
        bool tax_included;
    } adj[4];
    size_t adj_next;
    int64_t *charged; /* open-addressing set of customer ids */
    size_t ccharged, ncharged;
    /* 前回未収/前受: each customer's balance carried into the run's first
     * invoice for them (payments/ledger.h); NULL: none (corrections,
     * slips). Loaded by billing_run, freed by pricer_free. */
    struct ledger_carry *carry;
};

struct priced {
    struct bill_out bill;
    char period_from[11], issued_on[11], due_on[11];
    int64_t usage_tenths, days_total, last_year_l; /* -1: none */
    int64_t previous_yen; /* carried balance: amount due = total + it */
    size_t ncharges;
    int64_t charge_id[32];
    json_t *snapshot;  /* owned: the parts that vary by invoice */
    const char *head;  /* the shared parts, as text: the pricer's */
    int64_t *basis_id; /* the pricer's id of head's invoice_bases row */
};

/*
 * The run item's columns 0–16 (readings r, supply_points sp, contracts c,
 * customers cu, the previous reading p), read by run_item_from; and the
 * contract a reading bills, as a subquery on r (see run_store.c): the
 * contracts of one point never overlap, so a regular or move_in reading
 * bills the contract in force on its date, a move_out reading the latest
 * contract that started before it — the leaving occupant's.
 */
#define RUN_ITEM_COLS                                                          \
    "c.id, c.customer_id, r.supply_point_id, r.id, COALESCE(c.tariff_id, 0),"  \
    " r.usage_l, p.index_tenths, r.index_tenths, r.kind, r.read_on,"           \
    " p.read_on, p.kind, c.payment_method, c.start_date, cu.number, cu.name,"  \
    " sp.prefecture || sp.city || sp.street ||"                                \
    " COALESCE(' ' || sp.building, '') || COALESCE(' ' || sp.room, '')"
#define RUN_CONTRACT_OF_READING                                                \
    "(SELECT k.id FROM contracts k"                                            \
    "  WHERE k.supply_point_id = r.supply_point_id"                            \
    "  AND (k.start_date < r.read_on"                                          \
    "   OR (r.kind != 'move_out' AND k.start_date = r.read_on))"               \
    "  AND (r.kind = 'move_out' OR k.end_date IS NULL"                         \
    "   OR k.end_date >= r.read_on)"                                           \
    "  ORDER BY k.start_date DESC, k.id DESC LIMIT 1)"

struct stmt;
/* Columns 0–16 of RUN_ITEM_COLS into it (the rest zero). */
void run_item_from(struct stmt *s, struct run_item *it);
/* Copy src into dst, cut at a UTF-8 character boundary when too long. */
void run_copy(char *dst, size_t n, const char *src);

/* run.c */
enum err pricer_init(struct pricer *pr, struct store *st);
void pricer_free(struct pricer *pr);
/* Keep customer_id's open charges off what this pricer prices. */
void pricer_skip_charges(struct pricer *pr, int64_t customer_id);
/* run_split.c: the 原料費調整 of date's month (cached); under the day-split
 * rule, the stretches of the period from..to into in (nsplit 0 when
 * nothing changes inside it) and their snapshot JSON. */
enum err pricer_adjustment(struct pricer *pr, const char *date, int64_t *cyen,
                           bool *tax_included);
enum err pricer_load_history(struct pricer *pr, struct tcache_entry *e);
enum err pricer_split(struct pricer *pr, struct tcache_entry *e,
                      const char *from, const char *to, struct bill_in *in);
json_t *pricer_split_json(struct tcache_entry *e, const struct bill_in *in,
                          json_t *(*price_json)(const struct tariff_price *));
/* Forget which invoice_bases rows were written (after a rollback). */
void pricer_forget_bases(struct pricer *pr);
/* Price it (usage_tenths < 0: the reading's usage) as of issued_on; takes
 * the customer's open charges and carried balance (pr->carry) once per
 * pricer. ERR_TARIFF_NO_PRICE or
 * ERR_TARIFF_NOT_FOUND (a problem: *why names it in Japanese). */
enum err price_item(struct pricer *pr, const struct run_item *it,
                    int64_t usage_tenths, const char *issued_on,
                    struct priced *out, const char **why);
void priced_free(struct priced *p);
/* An invoice JSON (billing.h contract) from what was priced, without id,
 * number and status (a preview's sample). */
json_t *priced_json(const struct run_item *it, const struct priced *p,
                    const struct billing_settings *set);
/* [{"rate": 10, "taxable_yen", "tax_yen"}, 8, 0] of b. */
json_t *invoice_tax_json(const struct bill_out *b);
/* One invoice line as JSON (quantity_m3, unit_price as text or null). */
json_t *line_json(const char *kind, const char *desc, int64_t qty, int64_t unit,
                  int64_t amount, int rate);
/* The invoice JSON's common part from a snapshot (borrowed) and lines
 * (stolen): customer, supply_point, reading, lines, tax, amounts, issuer. */
json_t *invoice_doc(const json_t *snap, json_t *lines, int64_t subtotal,
                    int64_t tax, int64_t total, int64_t previous);
/* "735.99" from hundredths; "12.3" from tenths. */
void cyen_text(int64_t cyen, char out[32]);
void tenths_text(int64_t tenths, char out[32]);

/* run_store.c */
enum err run_items_load(struct store *st, int64_t group, const char *month,
                        struct run_item **items, size_t *n);
enum err run_item_of_invoice(struct store *st, int64_t invoice_id,
                             struct run_item *it, int64_t *run_id,
                             char status[8]);
enum err run_item_follow(struct store *st, struct run_item *it);
enum err run_equipment_cyen(struct store *st, int64_t contract_id,
                            const char *date, int64_t *cyen);
enum err run_adjustment(struct store *st, const char *month, int64_t *cyen,
                        bool *tax_included);
enum err run_last_year_l(struct store *st, int64_t point_id,
                         const char *read_on, int64_t *usage_l);
enum err run_charges_add(struct store *st, int64_t customer_id,
                         const char *until, enum rounding r, struct priced *p);
enum err run_begin(struct store *st, int64_t group, const char *month,
                   const char *actor, int64_t *run_id);
enum err run_progress(struct store *st, int64_t run_id, int64_t total,
                      int64_t done, bool finished);
enum err invoice_counter_take(struct store *st, int64_t *next);
enum err invoice_counter_put(struct store *st, int64_t next);
/* Insert the invoice (its snapshot: p->snapshot, with p->head stored once
 * in invoice_bases; the pricer that priced it must still be alive; its
 * previous_balance_yen p->previous_yen, amount due the total plus that), its
 * lines and mark its charges billed. *id = 0 (nothing written) when the
 * (contract, reading) has its invoice already: the unique index invoices_once
 * decides, so two runs never both bill it. */
enum err invoice_write(struct store *st, int64_t run_id, int64_t number,
                       int64_t corrects_id, const struct run_item *it,
                       const struct priced *p, int64_t *id);

#endif
