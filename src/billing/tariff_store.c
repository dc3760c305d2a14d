/*
 * tariff_store.c — the SQL of tariffs (料金表): tariffs and their dated
 * versions with bands, the version in force on a date, monthly cost
 * adjustments (原料費調整), contracts' tariffs and equipment fees (設備料金),
 * and the tenant's billing settings.
 *
 * A price change is a new version from its effective date. A version is
 * changed in place only to correct a mistake (tariff_version_correct):
 * its revision (the ETag) goes up by one and the superseded content is
 * kept in tariff_version_corrections. An issued invoice keeps its own
 * snapshot of what priced it, so a correction never changes it; a 赤黒
 * correction of that invoice re-prices with the version as it is now.
 * Money is hundredths of a yen (…_cyen), usage tenths of a m³; NULL
 * columns load as -1 ("none").
 *
 * Settings live in the tenant's settings table under billing.* keys; an
 * absent or unreadable value falls back to its default (切り捨て for
 * charges and tax, the reading-date rule, full base fee, 20 days to pay).
 */
#include "billing/billing.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------------
 * Loading a version
 * ---------------------------------------------------------------------- */

#define VERSION_COLS                                                           \
    "v.id, t.kind, v.slide, v.tax_included, v.base_fee_cyen,"                  \
    " v.equipment_fee_cyen, COALESCE(v.minimum_charge_cyen, -1),"              \
    " COALESCE(v.minimum_usage_tenths, -1), COALESCE(v.fixed_amount_cyen, "    \
    "-1),"                                                                     \
    " v.effective_from"

/* One row of VERSION_COLS into p (bands not yet loaded). */
static void
version_row(struct stmt *s, struct tariff_price *p)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->kind, sizeof(p->kind), "%s", stmt_text(s, 1));
    snprintf(p->slide, sizeof(p->slide), "%s", stmt_text(s, 2));
    p->tax_included = stmt_int(s, 3) != 0;
    p->base_fee_cyen = stmt_int(s, 4);
    p->equipment_fee_cyen = stmt_int(s, 5);
    p->minimum_charge_cyen = stmt_int(s, 6);
    p->minimum_usage_tenths = stmt_int(s, 7);
    p->fixed_amount_cyen = stmt_int(s, 8);
    snprintf(p->effective_from, sizeof(p->effective_from), "%s",
             stmt_text(s, 9));
}

/* The bands of version vid, in position order. */
static enum err
load_bands(struct store *st, int64_t vid, struct tariff_price *p)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(st, &s,
                              "SELECT COALESCE(upper_tenths, -1),"
                              " unit_price_cyen, COALESCE(base_fee_cyen, -1)"
                              " FROM tariff_bands WHERE version_id = $1"
                              " ORDER BY position LIMIT 16",
                              "i", vid);
    p->nbands = 0;
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        struct band *b = &p->band[p->nbands++];
        b->upper_tenths = stmt_int(s, 0);
        b->unit_price_cyen = stmt_int(s, 1);
        b->base_fee_cyen = stmt_int(s, 2);
    }
    stmt_done(s);
    return rc;
}

enum err
tariff_price_history(struct store *st, int64_t tariff_id, const char *date,
                     struct tariff_price *out, size_t max, size_t *n)
{
    struct stmt *s;
    bool row;
    int64_t vid[BILL_SPLIT_MAX];
    *n = 0;
    if (max > BILL_SPLIT_MAX)
        max = BILL_SPLIT_MAX;
    enum err rc = store_query(st, &s,
                              "SELECT " VERSION_COLS " FROM tariff_versions v"
                              " JOIN tariffs t ON t.id = v.tariff_id"
                              " WHERE v.tariff_id = $1 AND v.effective_from"
                              " <= $2 ORDER BY v.effective_from DESC LIMIT $3",
                              "iti", tariff_id, date, (int64_t)max);
    while (!rc && !(rc = stmt_step(s, &row)) && row && *n < max) {
        vid[*n] = stmt_int(s, 0);
        version_row(s, &out[(*n)++]);
    }
    stmt_done(s);
    if (rc)
        return rc;
    if (*n == 0)
        return err_fail(ERR_TARIFF_NO_PRICE,
                        "%s に適用される料金表の版がありません", date);
    for (size_t i = 0; !rc && i < *n; i++)
        rc = load_bands(st, vid[i], &out[i]);
    return rc;
}

enum err
tariff_price_at(struct store *st, int64_t tariff_id, const char *date,
                struct tariff_price *out, struct tariff_price *before,
                bool *has_before)
{
    struct tariff_price h[2];
    size_t n;
    enum err rc = tariff_price_history(st, tariff_id, date, h, 2, &n);
    *has_before = !rc && n == 2;
    if (rc)
        return rc;
    *out = h[0];
    if (*has_before)
        *before = h[1];
    return ERR_OK;
}

/* ----------------------------------------------------------------------
 * Tariffs
 * ---------------------------------------------------------------------- */

/* Money (cyen, -1 = none) as "735.99" or JSON null. */
static json_t *
money_json(int64_t cyen)
{
    char b[24];
    if (cyen < 0)
        return json_null();
    tariff_cyen_format(cyen, b, sizeof(b));
    return json_string(b);
}

/* Tenths (-1 = none) as "12.3" or JSON null. */
static json_t *
m3_json(int64_t tenths)
{
    char b[32];
    if (tenths < 0)
        return json_null();
    snprintf(b, sizeof(b), "%lld.%lld", (long long)(tenths / 10),
             (long long)(tenths % 10));
    return json_string(b);
}

json_t *
tariff_price_json(const struct tariff_price *p)
{
    json_t *bands = json_array();
    for (size_t i = 0; i < p->nbands; i++)
        json_array_append_new(
            bands, json_pack("{s:o, s:o, s:o}", "upper_m3",
                             m3_json(p->band[i].upper_tenths), "unit_price",
                             money_json(p->band[i].unit_price_cyen), "base_fee",
                             money_json(p->band[i].base_fee_cyen)));
    return json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "effective_from", p->effective_from, "slide", p->slide,
                     "tax_included", p->tax_included, "base_fee",
                     money_json(p->base_fee_cyen), "equipment_fee",
                     money_json(p->equipment_fee_cyen), "minimum_charge",
                     money_json(p->minimum_charge_cyen), "minimum_usage_m3",
                     m3_json(p->minimum_usage_tenths), "fixed_amount",
                     money_json(p->fixed_amount_cyen), "bands", bands);
}

#define TARIFF_COLS                                                            \
    "id, code, name, kind, notes, version, created_at, updated_at"

static json_t *
tariff_row(struct stmt *s)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:I, s:s, s:s}", "id",
                     (json_int_t)stmt_int(s, 0), "code", stmt_text(s, 1),
                     "name", stmt_text(s, 2), "kind", stmt_text(s, 3), "notes",
                     stmt_text(s, 4), "version", (json_int_t)stmt_int(s, 5),
                     "created_at", stmt_text(s, 6), "updated_at",
                     stmt_text(s, 7));
}

enum err
tariff_list(struct store *st, json_t **out)
{
    struct stmt *s;
    bool row;
    char today[11];
    json_t *list = json_array();
    enum err rc = store_query(
        st, &s, "SELECT " TARIFF_COLS " FROM tariffs ORDER BY code LIMIT 1000",
        "");
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, tariff_row(s));
    stmt_done(s);
    time_today_jst(today);
    for (size_t i = 0; !rc && i < json_array_size(list); i++) {
        json_t *t = json_array_get(list, i);
        struct tariff_price p, b;
        bool hb;
        enum err e =
            tariff_price_at(st, json_integer_value(json_object_get(t, "id")),
                            today, &p, &b, &hb);
        if (e && e != ERR_TARIFF_NO_PRICE)
            rc = e;
        json_object_set_new(t, "current",
                            e ? json_null() : tariff_price_json(&p));
    }
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "tariffs", list);
    return ERR_OK;
}

enum err
tariff_get(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s, "SELECT " TARIFF_COLS " FROM tariffs WHERE id = $1", "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = ERR_TARIFF_NOT_FOUND;
    json_t *t = rc ? NULL : tariff_row(s);
    stmt_done(s);
    if (rc)
        return rc;
    json_t *versions = NULL;
    if ((rc = tariff_versions(st, id, &versions))) {
        json_decref(t);
        return rc;
    }
    json_object_set_new(t, "versions", versions);
    *out = t;
    return ERR_OK;
}

enum err
tariff_kind_get(struct store *st, int64_t id, char kind[16])
{
    struct stmt *s;
    bool row;
    enum err rc =
        store_query(st, &s, "SELECT kind FROM tariffs WHERE id = $1", "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = ERR_TARIFF_NOT_FOUND;
    if (!rc)
        snprintf(kind, 16, "%s", stmt_text(s, 0));
    stmt_done(s);
    return rc;
}

enum err
tariff_create(struct store *st, const char *code, const char *name,
              const char *kind, const char *notes, int64_t *id)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(st,
                            "INSERT INTO tariffs (code, name, kind, notes,"
                            " created_at, updated_at)"
                            " VALUES ($1, $2, $3, $4, $5, $5)",
                            "ttttt", code, name, kind, notes, now);
    if (rc == ERR_STORE_CONSTRAINT)
        return ERR_CONFLICT;
    *id = store_last_id(st);
    return rc;
}

enum err
tariff_update(struct store *st, int64_t id, int64_t version, const char *name,
              const char *notes, bool set_notes)
{
    char now[32];
    time_now_iso(now);
    enum err rc =
        store_run(st,
                  "UPDATE tariffs SET name = COALESCE($3, name),"
                  " notes = CASE WHEN $4 = 1 THEN $5 ELSE notes END,"
                  " version = version + 1, updated_at = $6"
                  " WHERE id = $1 AND version = $2",
                  "iititt", id, version, name, (int64_t)set_notes, notes, now);
    if (!rc && store_changes(st) == 0)
        rc = ERR_CUSTOMER_VERSION_CONFLICT;
    return rc;
}

/* ----------------------------------------------------------------------
 * Versions
 * ---------------------------------------------------------------------- */

/* Version vid with its bands; *meta: id, tariff_id, revision (its ETag),
 * when and by whom it was made. ERR_NOT_FOUND. */
static enum err
version_load(struct store *st, int64_t vid, struct tariff_price *p,
             json_t **meta)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(st, &s,
                              "SELECT " VERSION_COLS ", v.created_at,"
                              " v.created_by, v.revision, v.tariff_id"
                              " FROM tariff_versions v"
                              " JOIN tariffs t ON t.id = v.tariff_id"
                              " WHERE v.id = $1",
                              "i", vid);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = ERR_NOT_FOUND;
    if (!rc) {
        version_row(s, p);
        *meta = json_pack("{s:I, s:I, s:I, s:s, s:s}", "id", (json_int_t)vid,
                          "tariff_id", (json_int_t)stmt_int(s, 13), "revision",
                          (json_int_t)stmt_int(s, 12), "created_at",
                          stmt_text(s, 10), "created_by", stmt_text(s, 11));
    }
    stmt_done(s);
    if (!rc && (rc = load_bands(st, vid, p)))
        json_decref(*meta);
    return rc;
}

enum err
tariff_versions(struct store *st, int64_t tariff_id, json_t **out)
{
    struct stmt *s;
    bool row;
    int64_t vid[200];
    size_t n = 0;
    enum err rc = store_query(st, &s,
                              "SELECT id FROM tariff_versions"
                              " WHERE tariff_id = $1"
                              " ORDER BY effective_from DESC LIMIT 200",
                              "i", tariff_id);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        vid[n++] = stmt_int(s, 0);
    stmt_done(s);
    json_t *list = json_array();
    for (size_t i = 0; !rc && i < n; i++) {
        struct tariff_price p;
        json_t *v;
        if (!(rc = version_load(st, vid[i], &p, &v))) {
            json_t *pj = tariff_price_json(&p);
            json_object_update(v, pj);
            json_decref(pj);
            json_array_append_new(list, v);
        }
    }
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return ERR_OK;
}

/* p's bands as version vid's, positions 0.. */
static enum err
bands_write(struct store *st, int64_t vid, const struct tariff_price *p)
{
    enum err rc = ERR_OK;
    for (size_t i = 0; !rc && i < p->nbands; i++)
        rc = store_run(st,
                       "INSERT INTO tariff_bands (version_id, position,"
                       " upper_tenths, unit_price_cyen, base_fee_cyen)"
                       " VALUES ($1, $2, NULLIF($3, -1), $4, NULLIF($5, -1))",
                       "iiiii", vid, (int64_t)i, p->band[i].upper_tenths,
                       p->band[i].unit_price_cyen, p->band[i].base_fee_cyen);
    return rc;
}

enum err
tariff_version_add(struct store *st, int64_t tariff_id,
                   const struct tariff_price *p, const char *actor,
                   int64_t *vid)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(
        st,
        "INSERT INTO tariff_versions (tariff_id, effective_from,"
        " tax_included, slide, base_fee_cyen, equipment_fee_cyen,"
        " minimum_charge_cyen, minimum_usage_tenths, fixed_amount_cyen,"
        " created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6,"
        " NULLIF($7, -1), NULLIF($8, -1), NULLIF($9, -1), $10, $11)",
        "ititiiiiitt", tariff_id, p->effective_from, (int64_t)p->tax_included,
        p->slide, p->base_fee_cyen, p->equipment_fee_cyen,
        p->minimum_charge_cyen, p->minimum_usage_tenths, p->fixed_amount_cyen,
        now, actor);
    if (rc == ERR_STORE_CONSTRAINT)
        return ERR_CONFLICT;
    *vid = store_last_id(st);
    return rc ? rc : bands_write(st, *vid, p);
}

/* ----------------------------------------------------------------------
 * Correcting a version (料金表の版の訂正)
 * ---------------------------------------------------------------------- */

static enum err
version_missing(int64_t tariff_id, int64_t vid)
{
    return err_fail(ERR_NOT_FOUND, "料金表 %lld に版 %lld はありません",
                    (long long)tariff_id, (long long)vid);
}

/* Version vid of tariff_id loaded into p, as JSON (meta and prices). */
static enum err
version_of(struct store *st, int64_t tariff_id, int64_t vid,
           struct tariff_price *p, json_t **out)
{
    enum err rc = version_load(st, vid, p, out);
    if (rc == ERR_NOT_FOUND)
        return version_missing(tariff_id, vid);
    if (rc)
        return rc;
    if (json_integer_value(json_object_get(*out, "tariff_id")) != tariff_id) {
        json_decref(*out);
        *out = NULL;
        return version_missing(tariff_id, vid);
    }
    json_t *pj = tariff_price_json(p);
    json_object_update(*out, pj);
    json_decref(pj);
    return ERR_OK;
}

enum err
tariff_version_get(struct store *st, int64_t tariff_id, int64_t vid,
                   json_t **out)
{
    struct tariff_price p;
    return version_of(st, tariff_id, vid, &p, out);
}

/* The stored prices of c's version become c->price's, revision + 1. */
static enum err
version_rewrite(struct store *st, const struct tariff_correction *c)
{
    const struct tariff_price *p = c->price;
    enum err rc = store_run(
        st,
        "UPDATE tariff_versions SET effective_from = $3, tax_included = $4,"
        " slide = $5, base_fee_cyen = $6, equipment_fee_cyen = $7,"
        " minimum_charge_cyen = NULLIF($8, -1),"
        " minimum_usage_tenths = NULLIF($9, -1),"
        " fixed_amount_cyen = NULLIF($10, -1), revision = revision + 1"
        " WHERE id = $1 AND revision = $2",
        "iititiiiii", c->version_id, c->revision, p->effective_from,
        (int64_t)p->tax_included, p->slide, p->base_fee_cyen,
        p->equipment_fee_cyen, p->minimum_charge_cyen, p->minimum_usage_tenths,
        p->fixed_amount_cyen);
    if (rc == ERR_STORE_CONSTRAINT) /* another version has that date */
        return ERR_CONFLICT;
    if (!rc && store_changes(st) == 0)
        return ERR_CUSTOMER_VERSION_CONFLICT;
    if (!rc)
        rc = store_run(st, "DELETE FROM tariff_bands WHERE version_id = $1",
                       "i", c->version_id);
    return rc ? rc : bands_write(st, c->version_id, p);
}

/* The history row of correction c (revision: the one it made). */
static enum err
correction_insert(struct store *st, const struct tariff_correction *c,
                  const char *from_before)
{
    char now[32];
    char *before = json_dumps(c->before, JSON_COMPACT);
    char *after = json_dumps(c->after, JSON_COMPACT);
    enum err rc = ERR_INTERNAL;
    time_now_iso(now);
    if (before && after)
        rc = store_run(st,
                       "INSERT INTO tariff_version_corrections (version_id,"
                       " revision, reason, effective_from_before, before,"
                       " after, corrected_at, corrected_by)"
                       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                       "iittttt"
                       "t",
                       c->version_id, c->current, c->reason, from_before,
                       before, after, now, c->actor);
    free(before);
    free(after);
    return rc;
}

enum err
tariff_version_correct(struct store *st, struct tariff_correction *c)
{
    struct tariff_price old;
    json_t *cur = NULL;
    c->before = c->after = NULL;
    c->changed = false;
    enum err rc = version_of(st, c->tariff_id, c->version_id, &old, &cur);
    if (rc)
        return rc;
    c->current = json_integer_value(json_object_get(cur, "revision"));
    json_decref(cur);
    if (c->current != c->revision)
        return ERR_CUSTOMER_VERSION_CONFLICT;
    c->before = tariff_price_json(&old);
    c->after = tariff_price_json(c->price);
    if (json_equal(c->before, c->after)) /* nothing to correct */
        return ERR_OK;
    if ((rc = version_rewrite(st, c)))
        return rc;
    c->current = c->revision + 1;
    c->changed = true;
    return correction_insert(st, c, old.effective_from);
}

/* One history row: revision, reason, who, when, before and after. */
static json_t *
correction_row(struct stmt *s)
{
    json_t *before = NULL, *after = NULL;
    const char *b = stmt_text(s, 3), *a = stmt_text(s, 4);
    if (json_parse(b, strlen(b), &before))
        before = json_null();
    if (json_parse(a, strlen(a), &after))
        after = json_null();
    return json_pack("{s:I, s:I, s:s, s:o, s:o, s:s, s:s}", "id",
                     (json_int_t)stmt_int(s, 0), "revision",
                     (json_int_t)stmt_int(s, 1), "reason", stmt_text(s, 2),
                     "before", before, "after", after, "corrected_at",
                     stmt_text(s, 5), "corrected_by", stmt_text(s, 6));
}

enum err
tariff_version_history(struct store *st, int64_t tariff_id, int64_t vid,
                       json_t **out)
{
    struct stmt *s;
    bool row;
    json_t *v = NULL, *list;
    enum err rc = tariff_version_get(st, tariff_id, vid, &v);
    if (rc)
        return rc;
    list = json_array();
    rc = store_query(st, &s,
                     "SELECT id, revision, reason, before, after,"
                     " corrected_at, corrected_by"
                     " FROM tariff_version_corrections WHERE version_id = $1"
                     " ORDER BY revision DESC LIMIT 500",
                     "i", vid);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, correction_row(s));
    stmt_done(s);
    if (rc) {
        json_decref(v);
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:I, s:I, s:O, s:o, s:o}", "tariff_id",
                     (json_int_t)tariff_id, "version_id", (json_int_t)vid,
                     "revision", json_object_get(v, "revision"), "version", v,
                     "corrections", list);
    return ERR_OK;
}

/* Add date to dates (no duplicates, at most cap). */
static void
date_add(char (*dates)[11], size_t cap, size_t *n, const char *date)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(dates[i], date))
            return;
    if (*n < cap)
        snprintf(dates[(*n)++], 11, "%s", date);
}

enum err
tariff_version_dates(struct store *st, int64_t vid, int64_t *tariff_id,
                     char (*dates)[11], size_t cap, size_t *n)
{
    struct stmt *s;
    bool row = false;
    *n = 0;
    *tariff_id = 0;
    enum err rc = store_query(st, &s,
                              "SELECT tariff_id, effective_from"
                              " FROM tariff_versions WHERE id = $1",
                              "i", vid);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *tariff_id = stmt_int(s, 0);
        date_add(dates, cap, n, stmt_text(s, 1));
    }
    stmt_done(s);
    if (rc || !row)
        return rc ? rc : ERR_NOT_FOUND;
    rc = store_query(st, &s,
                     "SELECT effective_from_before"
                     " FROM tariff_version_corrections WHERE version_id = $1"
                     " ORDER BY revision LIMIT 500",
                     "i", vid);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        date_add(dates, cap, n, stmt_text(s, 0));
    stmt_done(s);
    return rc;
}

/* The day whose contracts a three-part check of version vid (from, as
 * corrected) looks at: today while it is in force; its first day when it
 * starts later; its last day when a later version has replaced it. */
static enum err
three_part_day(struct store *st, int64_t tariff_id, int64_t vid,
               const char *from, char day[11])
{
    struct stmt *s;
    bool row = false;
    time_today_jst(day);
    if (strcmp(from, day) > 0) {
        snprintf(day, 11, "%s", from);
        return ERR_OK;
    }
    enum err rc = store_query(st, &s,
                              "SELECT MIN(effective_from) FROM tariff_versions"
                              " WHERE tariff_id = $1 AND id <> $2"
                              " AND effective_from > $3",
                              "iit", tariff_id, vid, from);
    if (!rc && !(rc = stmt_step(s, &row)) && row && !stmt_is_null(s, 0) &&
        strcmp(stmt_text(s, 0), day) <= 0)
        time_date_add(stmt_text(s, 0), -1, day);
    stmt_done(s);
    return rc;
}

enum err
tariff_contracts_lacking_equipment(struct store *st, int64_t tariff_id,
                                   int64_t vid, const char *from, int64_t *n)
{
    struct stmt *s;
    bool row = false;
    char day[11];
    *n = 0;
    enum err rc = three_part_day(st, tariff_id, vid, from, day);
    if (!rc)
        rc = store_query(
            st, &s,
            "SELECT COUNT(*) FROM contracts c WHERE c.tariff_id = $1"
            " AND c.start_date <= $2"
            " AND (c.end_date IS NULL OR c.end_date >= $2)"
            " AND NOT EXISTS (SELECT 1 FROM equipment_fees f"
            "  WHERE f.contract_id = c.id AND f.fee_cyen > 0"
            "  AND f.starts_on <= $2"
            "  AND (f.ends_on IS NULL OR f.ends_on >= $2))",
            "it", tariff_id, day);
    if (rc)
        return rc;
    if (!(rc = stmt_step(s, &row)) && row)
        *n = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

/* ----------------------------------------------------------------------
 * Cost adjustments (原料費調整)
 * ---------------------------------------------------------------------- */

static json_t *
adjustment_row(struct stmt *s)
{
    char b[24];
    tariff_cyen_format(stmt_int(s, 1), b, sizeof(b));
    return json_pack("{s:s, s:s, s:b, s:s, s:s, s:s}", "month", stmt_text(s, 0),
                     "per_m3", b, "tax_included", stmt_int(s, 2) != 0, "source",
                     stmt_text(s, 3), "created_at", stmt_text(s, 4),
                     "created_by", stmt_text(s, 5));
}

#define ADJUST_COLS                                                            \
    "month, cyen_per_m3, tax_included, source, created_at, created_by"

enum err
cost_adjustment_list(struct store *st, json_t **out)
{
    struct stmt *s;
    bool row;
    json_t *list = json_array();
    enum err rc = store_query(st, &s,
                              "SELECT " ADJUST_COLS " FROM cost_adjustments"
                              " ORDER BY month DESC LIMIT 240",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, adjustment_row(s));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "adjustments", list);
    return ERR_OK;
}

enum err
cost_adjustment_get(struct store *st, const char *month, json_t **out)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(st, &s,
                              "SELECT " ADJUST_COLS " FROM cost_adjustments"
                              " WHERE month = $1",
                              "t", month);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = err_fail(ERR_NOT_FOUND, "%s の原料費調整は登録されていません",
                      month);
    if (!rc)
        *out = adjustment_row(s);
    stmt_done(s);
    return rc;
}

enum err
cost_adjustment_at(struct store *st, const char *date, int64_t *cyen,
                   bool *tax_included)
{
    struct stmt *s;
    bool row;
    char month[8];
    snprintf(month, sizeof(month), "%.7s", date);
    *cyen = 0;
    *tax_included = true;
    enum err rc = store_query(st, &s,
                              "SELECT cyen_per_m3, tax_included"
                              " FROM cost_adjustments WHERE month = $1",
                              "t", month);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *cyen = stmt_int(s, 0);
        *tax_included = stmt_int(s, 1) != 0;
    }
    stmt_done(s);
    return rc;
}

enum err
cost_adjustment_put(struct store *st, const char *month, int64_t cyen,
                    bool tax_included, const char *source, const char *actor)
{
    char now[32];
    time_now_iso(now);
    return store_run(st,
                     "INSERT INTO cost_adjustments (month, cyen_per_m3,"
                     " tax_included, source, created_at, created_by)"
                     " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (month)"
                     " DO UPDATE SET cyen_per_m3 = $2, tax_included = $3,"
                     " source = $4, created_at = $5, created_by = $6",
                     "tiitt"
                     "t",
                     month, cyen, (int64_t)tax_included, source, now, actor);
}

/* ----------------------------------------------------------------------
 * Contracts: tariff and equipment fees (設備料金)
 * ---------------------------------------------------------------------- */

enum err
contract_equipment_sum(struct store *st, int64_t contract_id, const char *date,
                       int64_t *cyen)
{
    struct stmt *s;
    bool row;
    *cyen = 0;
    enum err rc = store_query(st, &s,
                              "SELECT COALESCE(SUM(fee_cyen), 0)"
                              " FROM equipment_fees WHERE contract_id = $1"
                              " AND starts_on <= $2"
                              " AND (ends_on IS NULL OR ends_on >= $2)",
                              "it", contract_id, date);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *cyen = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

enum err
contract_point_get(struct store *st, int64_t contract_id, int64_t *point,
                   int64_t *tariff_id)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(st, &s,
                              "SELECT supply_point_id, COALESCE(tariff_id, 0)"
                              " FROM contracts WHERE id = $1",
                              "i", contract_id);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = ERR_CONTRACT_NOT_FOUND;
    if (!rc) {
        *point = stmt_int(s, 0);
        *tariff_id = stmt_int(s, 1);
    }
    stmt_done(s);
    return rc;
}

enum err
contract_tariff_set(struct store *st, int64_t contract_id, int64_t tariff_id)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(st,
                            "UPDATE contracts SET tariff_id = $2,"
                            " version = version + 1, updated_at = $3"
                            " WHERE id = $1",
                            "iit", contract_id, tariff_id, now);
    if (!rc && store_changes(st) == 0)
        rc = ERR_CONTRACT_NOT_FOUND;
    return rc;
}

#define FEE_SELECT                                                             \
    "SELECT f.id, f.appliance_id, a.kind, f.description, f.fee_cyen,"          \
    " f.starts_on, f.ends_on, f.created_at FROM equipment_fees f"              \
    " LEFT JOIN appliances a ON a.id = f.appliance_id"

/* One row of FEE_SELECT as JSON. */
static json_t *
fee_row(struct stmt *s)
{
    char b[24];
    tariff_cyen_format(stmt_int(s, 4), b, sizeof(b));
    return json_pack("{s:I, s:o, s:s?, s:s, s:s, s:s, s:s?, s:s}", "id",
                     (json_int_t)stmt_int(s, 0), "appliance_id",
                     stmt_is_null(s, 1) ? json_null()
                                        : json_integer(stmt_int(s, 1)),
                     "appliance_kind", stmt_text(s, 2), "description",
                     stmt_text(s, 3), "fee", b, "starts_on", stmt_text(s, 5),
                     "ends_on", stmt_text(s, 6), "created_at", stmt_text(s, 7));
}

enum err
equipment_fee_list(struct store *st, int64_t contract_id, json_t **out)
{
    struct stmt *s;
    bool row;
    json_t *list = json_array();
    enum err rc =
        store_query(st, &s,
                    FEE_SELECT " WHERE f.contract_id = $1"
                               " ORDER BY f.starts_on, f.id LIMIT 200",
                    "i", contract_id);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, fee_row(s));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:I, s:o}", "contract_id", (json_int_t)contract_id,
                     "equipment_fees", list);
    return ERR_OK;
}

enum err
equipment_fee_get(struct store *st, int64_t contract_id, int64_t fee_id,
                  json_t **out)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              FEE_SELECT " WHERE f.id = $1"
                                         " AND f.contract_id = $2",
                              "ii", fee_id, contract_id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = fee_row(s);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_NOT_FOUND, "no equipment fee %lld on contract",
                      (long long)fee_id);
    return rc;
}

enum err
equipment_fee_update(struct store *st, int64_t contract_id, int64_t fee_id,
                     int64_t appliance_id, const char *description,
                     int64_t fee_cyen)
{
    enum err rc = store_run(
        st,
        "UPDATE equipment_fees SET appliance_id = CASE WHEN $3 = -1"
        " THEN appliance_id ELSE NULLIF($3, 0) END,"
        " description = COALESCE($4, description),"
        " fee_cyen = CASE WHEN $5 = -1 THEN fee_cyen ELSE $5 END"
        " WHERE id = $1 AND contract_id = $2",
        "iiiti", fee_id, contract_id, appliance_id, description, fee_cyen);
    if (!rc && store_changes(st) == 0)
        rc = err_fail(ERR_NOT_FOUND, "no equipment fee %lld on contract",
                      (long long)fee_id);
    return rc;
}

enum err
appliance_for_fee(struct store *st, int64_t appliance_id, int64_t *point,
                  char ownership[16], bool *removed)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(st, &s,
                              "SELECT supply_point_id, ownership,"
                              " removed_date IS NOT NULL"
                              " FROM appliances WHERE id = $1",
                              "i", appliance_id);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = ERR_APPLIANCE_NOT_FOUND;
    if (!rc) {
        *point = stmt_int(s, 0);
        snprintf(ownership, 16, "%s", stmt_text(s, 1));
        *removed = stmt_int(s, 2) != 0;
    }
    stmt_done(s);
    return rc;
}

enum err
equipment_fee_add(struct store *st, int64_t contract_id, int64_t appliance_id,
                  const char *description, int64_t fee_cyen,
                  const char *starts_on, const char *ends_on, int64_t *id)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(st,
                            "INSERT INTO equipment_fees (contract_id,"
                            " appliance_id, description, fee_cyen, starts_on,"
                            " ends_on, created_at)"
                            " VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6, $7)",
                            "iitittt", contract_id, appliance_id, description,
                            fee_cyen, starts_on, ends_on, now);
    *id = store_last_id(st);
    return rc;
}

enum err
equipment_fee_end(struct store *st, int64_t contract_id, int64_t fee_id,
                  const char *ends_on)
{
    struct stmt *s;
    bool row = false;
    char starts[11] = "", ended[11] = "";
    enum err rc = store_query(st, &s,
                              "SELECT starts_on, ends_on FROM equipment_fees"
                              " WHERE id = $1 AND contract_id = $2",
                              "ii", fee_id, contract_id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        snprintf(starts, sizeof(starts), "%s", stmt_text(s, 0));
        snprintf(ended, sizeof(ended), "%s",
                 stmt_text(s, 1) ? stmt_text(s, 1) : "");
    }
    stmt_done(s);
    if (!rc && !row)
        return err_fail(ERR_NOT_FOUND, "no equipment fee %lld on contract",
                        (long long)fee_id);
    if (!rc && *ended && strcmp(ended, ends_on) <= 0)
        return err_fail(ERR_CONFLICT, "the fee already ends on %s", ended);
    if (!rc && strcmp(ends_on, starts) < 0)
        return err_fail(ERR_CONFLICT, "the fee starts on %s", starts);
    if (!rc)
        rc = store_run(st,
                       "UPDATE equipment_fees SET ends_on = $1"
                       " WHERE id = $2",
                       "ti", ends_on, fee_id);
    return rc;
}

/* ----------------------------------------------------------------------
 * Settings
 * ---------------------------------------------------------------------- */

static const char *const setting_keys[] = {
    "billing.rounding",     "billing.tax_rounding",   "billing.price_change",
    "billing.partial_base", "billing.registration",   "billing.due_days",
    "billing.issuer_name",  "billing.issuer_address", "billing.issuer_phone",
};
#define NSETTINGS (sizeof(setting_keys) / sizeof(setting_keys[0]))

const struct billing_settings billing_settings_default = {
    .rounding = ROUND_DOWN,
    .tax_rounding = ROUND_DOWN,
    .day_split = false,
    .partial_base_by_days = false,
    .due_days = 20,
};

/* Apply one stored key/value to b; unreadable values keep the default. */
static void
setting_apply(struct billing_settings *b, const char *key, const char *v)
{
    if (!strcmp(key, "billing.rounding"))
        tariff_rounding_parse(v, &b->rounding);
    else if (!strcmp(key, "billing.tax_rounding"))
        tariff_rounding_parse(v, &b->tax_rounding);
    else if (!strcmp(key, "billing.price_change"))
        b->day_split = !strcmp(v, "day_split");
    else if (!strcmp(key, "billing.partial_base"))
        b->partial_base_by_days = !strcmp(v, "days");
    else if (!strcmp(key, "billing.registration"))
        snprintf(b->registration, sizeof(b->registration), "%s", v);
    else if (!strcmp(key, "billing.due_days")) {
        char *end;
        long d = strtol(v, &end, 10);
        if (!*end && d >= 0 && d <= 90)
            b->due_days = (int)d;
    } else if (!strcmp(key, "billing.issuer_name"))
        snprintf(b->issuer_name, sizeof(b->issuer_name), "%s", v);
    else if (!strcmp(key, "billing.issuer_address"))
        snprintf(b->issuer_address, sizeof(b->issuer_address), "%s", v);
    else if (!strcmp(key, "billing.issuer_phone"))
        snprintf(b->issuer_phone, sizeof(b->issuer_phone), "%s", v);
}

enum err
billing_settings_get(struct store *st, struct billing_settings *out)
{
    struct stmt *s;
    bool row;
    *out = billing_settings_default;
    enum err rc = store_query(st, &s,
                              "SELECT key, value FROM settings"
                              " WHERE key LIKE 'billing.%'",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        setting_apply(out, stmt_text(s, 0), stmt_text(s, 1));
    stmt_done(s);
    return rc;
}

enum err
billing_settings_put(struct store *st, const struct billing_settings *b)
{
    char due[16];
    snprintf(due, sizeof(due), "%d", b->due_days);
    const char *v[NSETTINGS] = {
        tariff_rounding_name(b->rounding),
        tariff_rounding_name(b->tax_rounding),
        b->day_split ? "day_split" : "reading_date",
        b->partial_base_by_days ? "days" : "full",
        b->registration,
        due,
        b->issuer_name,
        b->issuer_address,
        b->issuer_phone,
    };
    enum err rc = ERR_OK;
    for (size_t i = 0; i < NSETTINGS && !rc; i++)
        rc = store_run(st,
                       "INSERT INTO settings (key, value) VALUES ($1, $2)"
                       " ON CONFLICT (key) DO UPDATE SET value = $2",
                       "tt", setting_keys[i], v[i]);
    return rc;
}
