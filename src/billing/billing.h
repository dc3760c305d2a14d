/*
 * billing.h — tariffs and the billing run (料金計算・請求): the interface
 * shared by the tariff engine (tariff.c, tariff_store.c, tariff_api.c),
 * the billing run and the PDF statements.
 *
 * Units (see billing_migrations.c): money on invoices is integer yen
 * (amount_yen); unit prices and fees are integer hundredths of a yen
 * (…_cyen: ¥735.99 = 73599); usage is integer tenths of a m³
 * (…_tenths: 12.3 m³ = 123). Only a charge line is rounded to the yen, by
 * the tenant's rounding mode (端数処理); consumption tax is computed once
 * per invoice per rate (インボイス制度: 税率ごとに1回の端数処理).
 *
 * bill_compute is a pure function (no I/O): given the price in force, the
 * usage and the extras it returns the lines and the totals. Invariant: an
 * invoice's totals always equal the sum of its lines —
 *   subtotal_yen = Σ taxable_yen[i],  total_yen = subtotal_yen + Σ tax_yen[i],
 *   and Σ line amounts = Σ taxable_yen (tax excluded) or Σ (taxable + tax)
 *   for tax-included (内税) lines.
 */
#ifndef PL_BILLING_BILLING_H
#define PL_BILLING_BILLING_H

#include "core/err.h"
#include "core/json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct rng;

enum rounding {
    ROUND_DOWN,
    ROUND_HALF_UP,
    ROUND_UP
}; /* 切り捨て 四捨五入 切り上げ */

struct band {
    int64_t upper_tenths; /* -1 = no upper bound */
    int64_t unit_price_cyen;
    int64_t base_fee_cyen; /* -1 = none */
};

struct tariff_price { /* one tariff version, loaded */
    char kind[16];    /* two_part | three_part | minimum | fixed */
    char slide[8];    /* block | whole */
    bool tax_included;
    int64_t base_fee_cyen, equipment_fee_cyen;
    int64_t minimum_charge_cyen, minimum_usage_tenths; /* -1 = none */
    int64_t fixed_amount_cyen;                         /* -1 = none */
    size_t nbands;
    struct band band[16];
    char effective_from[11];
};

struct charge_line {
    char kind[16]; /* base usage equipment adjustment charge */
    char description[96];
    int64_t quantity_tenths;
    int64_t unit_price_cyen;
    int64_t amount_yen;
    int tax_rate;
    bool tax_included; /* amount_yen includes the tax (内税) */
};

/* 日割り (the day-split rule): one stretch of a period, consecutive days
 * priced by one tariff version and one month's 原料費調整. */
#define BILL_SPLIT_MAX 8
struct bill_stretch {
    const struct tariff_price *price;
    int64_t days;
    int64_t adjustment_cyen_per_m3;
    bool adjustment_tax_included;
    char month[8]; /* the adjustment's month, YYYY-MM (its line says so) */
};

struct bill_in {
    const struct tariff_price *price; /* in force on the reading date */
    /* The day-split rule: nsplit (2..BILL_SPLIT_MAX) stretches, oldest
     * first, covering the period's days_total days; usage is shared out by
     * days, stretches with the same version are priced together, and each
     * month's adjustment applies to its share. 0: the reading-date rule
     * (price and the adjustment below price the whole period). */
    size_t nsplit;
    struct bill_stretch split[BILL_SPLIT_MAX];
    int64_t days_total;
    int64_t usage_tenths;
    int64_t adjustment_cyen_per_m3; /* 原料費調整, 0 when none */
    bool adjustment_tax_included;
    int64_t equipment_fees_cyen; /* sum of the contract's equipment_fees in
                                    force */
    bool partial_base;
    int64_t partial_days, standard_days; /* base by days (日割り) when
                                            partial_base */
    enum rounding rounding;
    enum rounding tax_rounding; /* consumption tax; 0 = ROUND_DOWN */
};

struct bill_out {
    size_t nlines;
    struct charge_line line[64]; /* 日割り: up to 3 versions × 17 + extras */
    int64_t subtotal_yen;        /* tax-excluded amounts by rate follow */
    int64_t taxable_yen[3], tax_yen[3]; /* index 0: 10%, 1: 8%, 2: exempt */
    int64_t total_yen;
};

/* Price one period's gas: base, usage (block or whole slide, minimum,
 * fixed), equipment (設備料金 line always present, ¥0 allowed),
 * adjustment; then tax per rate rounded once (ROUND_DOWN for tax unless
 * the tenant says otherwise). Pure function, no I/O. */
enum err bill_compute(const struct bill_in *in, struct bill_out *out);

/* Add tax for extra lines (charges) and recompute totals: for runs that add
 * open charges to the gas lines. */
enum err bill_add_line(struct bill_out *out, const struct charge_line *l,
                       bool tax_included, enum rounding r);

/* Load the version of tariff_id in force on date (YYYY-MM-DD) and the one
 * before it (for day split); ERR_TARIFF_NO_PRICE when none. */
enum err tariff_price_at(struct store *st, int64_t tariff_id, const char *date,
                         struct tariff_price *out, struct tariff_price *before,
                         bool *has_before);
/* The versions of tariff_id in force on date and before it, newest first,
 * at most max (out[0] is the one in force); ERR_TARIFF_NO_PRICE when none. */
enum err tariff_price_history(struct store *st, int64_t tariff_id,
                              const char *date, struct tariff_price *out,
                              size_t max, size_t *n);

/* Tenant billing settings: rounding, tax rounding, price-change rule
 * ("reading_date"|"day_split"), partial base ("full"|"days"), registration
 * number (T+13), due days, retailer display name/address/phone for
 * statements. */
struct billing_settings {
    enum rounding rounding, tax_rounding;
    bool day_split;
    bool partial_base_by_days;
    char registration[16];
    int due_days;
    char issuer_name[128], issuer_address[256], issuer_phone[32];
};

enum err billing_settings_get(struct store *st, struct billing_settings *out);

/* ----------------------------------------------------------------------
 * Beyond the shared interface: limits, checks, helpers (tariff.c)
 * ---------------------------------------------------------------------- */

#define TARIFF_BANDS_MAX        16 /* whole-usage tables (単純スライド) */
#define TARIFF_BLOCK_BANDS_MAX  10 /* block bands (区分): lines stay < 32 */
#define TARIFF_PRICE_MAX_CYEN   100000000 /* ¥1,000,000 per item */
#define TARIFF_USAGE_MAX_TENTHS 100000000 /* 10,000,000 m³ */
#define TARIFF_ADJUST_MAX_CYEN  100000    /* ±¥1,000/m³ 原料費調整 */

/* Divide num by den (den > 0) to a whole number by r; a negative num is
 * rounded by its magnitude (a credit rounds as the charge would). */
int64_t bill_round_div(int64_t num, int64_t den, enum rounding r);

/* Check one tariff version against the tariff rules: kind and slide
 * known, bands ascending with the last one unbounded, prices and fees
 * within 0..TARIFF_PRICE_MAX_CYEN, band base fees only for whole-usage
 * tables, minimum fields exactly for kind minimum, the fixed amount
 * exactly for kind fixed, and the 2025 rule as far as a version shows
 * it: a two-part tariff carries no equipment fee (three-part instead).
 * ERR_TARIFF_INVALID with *field (JSON name) and *message (Japanese). */
enum err tariff_validate(const struct tariff_price *p, const char **field,
                         const char **message);

/* Three-part rule for one contract (三部料金制): a three_part tariff must
 * bill a 設備料金, from the version's equipment_fee_cyen or the contract's
 * equipment_fees (fees_cyen, their sum). ERR_TARIFF_INVALID with a
 * Japanese *message otherwise. */
enum err tariff_check_equipment(const struct tariff_price *p, int64_t fees_cyen,
                                const char **message);

/* "735.99" from 73599 ("-5.00" for negatives); out ≥ 24 bytes. */
void tariff_cyen_format(int64_t cyen, char *out, size_t n);
/* Parse "735.99", "735.9", "735" or "-5" (at most two decimals, within
 * ±TARIFF_PRICE_MAX_CYEN) into hundredths of a yen; false on bad text. */
bool tariff_cyen_parse(const char *s, int64_t *cyen);

/* "down" / "half_up" / "up" ↔ enum rounding; parse false when unknown. */
const char *tariff_rounding_name(enum rounding r);
bool tariff_rounding_parse(const char *s, enum rounding *r);

/* Seed (tariff_seed.c): 2–3 realistic tariffs for the open tenant store
 * (a block-slide two-part household tariff, an apartment one a little
 * dearer, a three-part tariff with an equipment fee), each contract
 * assigned one, and 12 months of cost adjustments up to the current
 * month. Prices lean on the prefecture (Hokkaido/Tohoku dearer). Called
 * by the billing seed module inside its own transaction. */
enum err billing_seed_tariffs(struct store *st, struct rng *r,
                              const char *prefecture);

/* ----------------------------------------------------------------------
 * Store (tariff_store.c). JSON results are new references; money shows as
 * "735.99" strings, usage as "12.3" m³ strings, none as null.
 * ---------------------------------------------------------------------- */

extern const struct billing_settings billing_settings_default;

/* Store the settings (billing.* keys), inside the caller's transaction. */
enum err billing_settings_put(struct store *st,
                              const struct billing_settings *b);
/* A version as JSON: effective_from, slide, tax_included, fees, bands. */
json_t *tariff_price_json(const struct tariff_price *p);
/* {"tariffs": [...]}, each with the version in force today ("current"). */
enum err tariff_list(struct store *st, json_t **out);
/* One tariff with its versions, newest first; ERR_TARIFF_NOT_FOUND. */
enum err tariff_get(struct store *st, int64_t id, json_t **out);
/* The tariff's kind (two_part …); ERR_TARIFF_NOT_FOUND. */
enum err tariff_kind_get(struct store *st, int64_t id, char kind[16]);
/* New tariff; ERR_CONFLICT when the code is taken. */
enum err tariff_create(struct store *st, const char *code, const char *name,
                       const char *kind, const char *notes, int64_t *id);
/* Rename / re-note at version; ERR_CUSTOMER_VERSION_CONFLICT when stale. */
enum err tariff_update(struct store *st, int64_t id, int64_t version,
                       const char *name, const char *notes, bool set_notes);
/* Versions of a tariff as a JSON array, newest first (id, price…). */
enum err tariff_versions(struct store *st, int64_t tariff_id, json_t **out);
/* Add a checked version with its bands; ERR_CONFLICT when a version with
 * that effective date exists (a price change is a new version). */
enum err tariff_version_add(struct store *st, int64_t tariff_id,
                            const struct tariff_price *p, const char *actor,
                            int64_t *vid);
/* Version vid of tariff_id as JSON (id, tariff_id, revision — its ETag —,
 * created_at/by, prices). ERR_NOT_FOUND when the tariff has no such
 * version. */
enum err tariff_version_get(struct store *st, int64_t tariff_id, int64_t vid,
                            json_t **out);

/* A correction of a version entered with a mistake (訂正). */
struct tariff_correction {
    int64_t tariff_id, version_id;
    int64_t revision;                 /* If-Match: the revision corrected */
    const struct tariff_price *price; /* checked (tariff_validate) */
    const char *reason, *actor;
    int64_t current;        /* out: the revision now (stored one if stale) */
    json_t *before, *after; /* out: tariff_price_json, caller decrefs */
    bool changed;           /* out: false when the content was the same */
};
/* Replace the version's prices and bands with c->price inside the
 * caller's transaction, revision + 1, and keep the superseded content in
 * tariff_version_corrections (no audit entry: the caller writes it).
 * Nothing is written when the content is the same. ERR_NOT_FOUND,
 * ERR_CUSTOMER_VERSION_CONFLICT (stale revision; c->current says the
 * stored one), ERR_CONFLICT (another version has that effective date). */
enum err tariff_version_correct(struct store *st, struct tariff_correction *c);
/* {"tariff_id", "version_id", "revision", "version", "corrections":
 * [{id, revision, reason, before, after, corrected_at, corrected_by}]},
 * newest first. ERR_NOT_FOUND. */
enum err tariff_version_history(struct store *st, int64_t tariff_id,
                                int64_t vid, json_t **out);
/* The tariff of version vid and every effective date it has had (now and
 * before its corrections), at most cap, for finding the invoices it
 * priced. ERR_NOT_FOUND. */
enum err tariff_version_dates(struct store *st, int64_t vid, int64_t *tariff_id,
                              char (*dates)[11], size_t cap, size_t *n);
/* Three-part rule for a corrected version vid (effective from): how many
 * contracts on tariff_id have no 設備料金 of their own on the day checked
 * (today while the version is in force, its first day when it starts
 * later, its last day when a later version replaced it). */
enum err tariff_contracts_lacking_equipment(struct store *st, int64_t tariff_id,
                                            int64_t vid, const char *from,
                                            int64_t *n);
/* 原料費調整: all months (newest first), one month ("YYYY-MM";
 * ERR_NOT_FOUND), the one applying on a date (0 when none), upsert. */
enum err cost_adjustment_list(struct store *st, json_t **out);
enum err cost_adjustment_get(struct store *st, const char *month, json_t **out);
enum err cost_adjustment_at(struct store *st, const char *date, int64_t *cyen,
                            bool *tax_included);
enum err cost_adjustment_put(struct store *st, const char *month, int64_t cyen,
                             bool tax_included, const char *source,
                             const char *actor);
/* Sum of a contract's equipment fees in force on date. */
enum err contract_equipment_sum(struct store *st, int64_t contract_id,
                                const char *date, int64_t *cyen);
/* A contract's supply point and tariff (0 = none); ERR_CONTRACT_NOT_FOUND. */
enum err contract_point_get(struct store *st, int64_t contract_id,
                            int64_t *point, int64_t *tariff_id);
/* Assign tariff_id to the contract (bumps its version). */
enum err contract_tariff_set(struct store *st, int64_t contract_id,
                             int64_t tariff_id);
/* {"contract_id", "equipment_fees": [...]}. */
enum err equipment_fee_list(struct store *st, int64_t contract_id,
                            json_t **out);
/* Where an appliance is, who owns it, whether removed;
 * ERR_APPLIANCE_NOT_FOUND. */
enum err appliance_for_fee(struct store *st, int64_t appliance_id,
                           int64_t *point, char ownership[16], bool *removed);
/* Add an equipment fee (appliance_id 0 = none; ends_on may be NULL). */
enum err equipment_fee_add(struct store *st, int64_t contract_id,
                           int64_t appliance_id, const char *description,
                           int64_t fee_cyen, const char *starts_on,
                           const char *ends_on, int64_t *id);
/* 設備料金 stops: the fee's last day becomes ends_on (earlier than a set
 * end is allowed, later is not; not before it starts: ERR_CONFLICT);
 * ERR_NOT_FOUND when the contract has no such fee. */
enum err equipment_fee_end(struct store *st, int64_t contract_id,
                           int64_t fee_id, const char *ends_on);
/* One fee of the contract as equipment_fee_list shows it; ERR_NOT_FOUND. */
enum err equipment_fee_get(struct store *st, int64_t contract_id,
                           int64_t fee_id, json_t **out);
/* Correct a fee: appliance_id -1 keeps it, 0 clears it; description NULL
 * keeps it; fee_cyen -1 keeps it. ERR_NOT_FOUND when the contract has no
 * such fee. Issued invoices keep what they billed. */
enum err equipment_fee_update(struct store *st, int64_t contract_id,
                              int64_t fee_id, int64_t appliance_id,
                              const char *description, int64_t fee_cyen);
/* The lines and totals of a bill as invoice JSON: "lines" [{kind,
 * description, quantity_m3, unit_price, amount_yen, tax_rate,
 * tax_included}], "tax" [{rate, taxable_yen, tax_yen}] ×3, subtotal_yen,
 * tax_yen, total_yen (tariff_api.c). */
json_t *bill_out_json(const struct bill_out *o);

#endif
