/*
 * customers_store.c — the customer ledger's SQL.
 *
 * Records are bound and read column by column in the order of their field
 * table (customers.h), so the column lists below must follow
 * customer_fields[] and supply_point_fields[] exactly. Writes run inside
 * the caller's transaction; a write that must see a given version says so
 * in its WHERE clause, and no change means someone else got there first.
 *
 * Search (顧客検索): every write that changes what a customer is found by
 * (the customer, a supply point, a move) refreshes the search index in the
 * same transaction (search_store.c), and a deleted customer's index rows go
 * with it. Listing and search page in ascending customer number order with
 * the number as the cursor; how a query is looked up is described above
 * the search statements below.
 */
#include "core/timeutil.h"
#include "customers/customers.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bind rec's fields to $first.. in table order (null when absent). */
static enum err
bind_rec(struct stmt *s, int first, const struct cfield *fields,
         const json_t *rec)
{
    enum err rc = ERR_OK;
    for (int i = 0; !rc && fields[i].name; i++) {
        json_t *v = json_object_get(rec, fields[i].name);
        if (json_is_integer(v))
            rc = stmt_bind_int(s, first + i, json_integer_value(v));
        else if (json_is_string(v)) /* rec outlives the statement's step */
            rc = stmt_bind_textn_ref(s, first + i, json_string_value(v),
                                     json_string_length(v));
        else
            rc = stmt_bind_null(s, first + i);
    }
    return rc;
}

/* Read the fields from column first.. of the current row into out. */
static void
read_rec(struct stmt *s, int first, const struct cfield *fields, json_t *out)
{
    for (int i = 0; fields[i].name; i++) {
        json_t *v;
        if (stmt_is_null(s, first + i))
            v = json_null();
        else if (fields[i].flags & FIELD_INT)
            v = json_integer(stmt_int(s, first + i));
        else
            v = json_string(stmt_text(s, first + i));
        json_object_set_new(out, fields[i].name, v);
    }
}

/* Step a bound write to its end; *id gets the new rowid of an INSERT. */
static enum err
finish(struct store *st, struct stmt *s, enum err rc, int64_t *id)
{
    bool row = false;
    if (!rc)
        rc = stmt_step(s, &row);
    stmt_done(s);
    if (!rc && id)
        *id = store_last_id(st);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Customers                                                              */
/* ---------------------------------------------------------------------- */

#define CUSTOMER_COLS                                                          \
    "id, status, version, created_at, updated_at, number, name, kana,"         \
    " kind, phone1, phone2, email, postal_code, prefecture, address, notes"

static json_t *
customer_row(struct stmt *s)
{
    json_t *c = json_pack("{s:I, s:s, s:I, s:s, s:s}", "id",
                          (json_int_t)stmt_int(s, 0), "status", stmt_text(s, 1),
                          "version", (json_int_t)stmt_int(s, 2), "created_at",
                          stmt_text(s, 3), "updated_at", stmt_text(s, 4));
    read_rec(s, 5, customer_fields, c);
    return c;
}

enum err
customer_insert_keyed(struct store *st, const json_t *rec, const char *name_key,
                      const char *kana_key, int64_t *id)
{
    struct stmt *s;
    char now[32];
    time_now_iso(now);
    enum err rc = store_prepare(
        st,
        "INSERT INTO customers (number, name, kana, kind, phone1, phone2,"
        " email, postal_code, prefecture, address, notes, created_at,"
        " updated_at, name_key, kana_key) VALUES ($1, $2, $3, $4, $5, $6, $7,"
        " $8, $9, $10, $11, $12, $12, $13, $14)",
        &s);
    if (rc)
        return rc;
    rc = bind_rec(s, 1, customer_fields, rec);
    if (!rc && !(rc = stmt_bind_text(s, 12, now)) &&
        !(rc = stmt_bind_text(s, 13, name_key)))
        rc = stmt_bind_text(s, 14, kana_key);
    rc = finish(st, s, rc, id);
    if (rc == ERR_STORE_CONSTRAINT)
        return err_fail(ERR_CUSTOMER_NUMBER_TAKEN, "number %s is taken",
                        json_string_value(json_object_get(rec, "number")));
    return rc ? rc : customer_search_refresh(st, *id);
}

enum err
customer_insert(struct store *st, const json_t *rec, int64_t *id)
{
    char name_key[SEARCH_KEY_MAX], kana_key[SEARCH_KEY_MAX];
    search_key_of(json_string_value(json_object_get(rec, "name")), name_key,
                  sizeof(name_key));
    search_key_of(json_string_value(json_object_get(rec, "kana")), kana_key,
                  sizeof(kana_key));
    return customer_insert_keyed(st, rec, name_key, kana_key, id);
}

enum err
customer_get(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row = false;
    *out = NULL;
    enum err rc = store_query(
        st, &s, "SELECT " CUSTOMER_COLS " FROM customers WHERE id = $1", "i",
        id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *out = customer_row(s);
    stmt_done(s);
    if (!rc && !row)
        rc =
            err_fail(ERR_CUSTOMER_NOT_FOUND, "no customer %lld", (long long)id);
    return rc;
}

enum err
customer_update(struct store *st, int64_t id, int64_t version,
                const json_t *rec)
{
    struct stmt *s;
    char now[32];
    time_now_iso(now);
    enum err rc = store_prepare(
        st,
        "UPDATE customers SET number = $1, name = $2, kana = $3, kind = $4,"
        " phone1 = $5, phone2 = $6, email = $7, postal_code = $8,"
        " prefecture = $9, address = $10, notes = $11, updated_at = $12,"
        " version = version + 1 WHERE id = $13 AND version = $14",
        &s);
    if (rc)
        return rc;
    rc = bind_rec(s, 1, customer_fields, rec);
    if (!rc && !(rc = stmt_bind_text(s, 12, now)) &&
        !(rc = stmt_bind_int(s, 13, id)))
        rc = stmt_bind_int(s, 14, version);
    rc = finish(st, s, rc, NULL);
    if (rc == ERR_STORE_CONSTRAINT)
        return err_fail(ERR_CUSTOMER_NUMBER_TAKEN, "number is taken");
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_CUSTOMER_VERSION_CONFLICT, "customer changed");
    return rc ? rc : customer_search_refresh(st, id);
}

enum err
customer_set_status(struct store *st, int64_t id, const char *status)
{
    char now[32];
    time_now_iso(now);
    enum err rc = store_run(st,
                            "UPDATE customers SET status = $1, updated_at = $2,"
                            " version = version + 1 WHERE id = $3",
                            "tti", status, now, id);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_CUSTOMER_NOT_FOUND, "no such customer");
    return rc;
}

enum err
customer_history_add(struct store *st, int64_t id, const char *actor,
                     const json_t *before, const json_t *after)
{
    char now[32];
    time_now_iso(now);
    char *b = json_dumps(before, JSON_COMPACT);
    char *a = json_dumps(after, JSON_COMPACT);
    enum err rc = ERR_INTERNAL;
    if (b && a)
        rc = store_run(st,
                       "INSERT INTO customer_history (customer_id, changed_at,"
                       " actor, before, after) VALUES ($1, $2, $3, $4, $5)",
                       "itttt", id, now, actor, b, a);
    free(b);
    free(a);
    return rc;
}

enum err
customer_delete(struct store *st, int64_t id)
{
    struct stmt *s;
    bool row = false;
    int64_t used = 0;
    enum err rc = store_query(
        st, &s,
        "SELECT (SELECT count(*) FROM customer_history WHERE customer_id = $1)"
        " + (SELECT count(*) FROM occupancy WHERE customer_id = $1)",
        "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        used = stmt_int(s, 0);
    stmt_done(s);
    if (!rc && used)
        return err_fail(ERR_CUSTOMER_HAS_HISTORY,
                        "the customer has %lld history entries",
                        (long long)used);
    if (!rc) /* its search rows go first (customer_phones refers to it) */
        rc = store_run(st, "DELETE FROM customer_phones WHERE customer_id = $1",
                       "i", id);
    if (!rc)
        rc = store_run(st, "DELETE FROM customer_search WHERE rowid = $1", "i",
                       id);
    if (!rc)
        rc = store_run(st, "DELETE FROM customers WHERE id = $1", "i", id);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_CUSTOMER_NOT_FOUND, "no such customer");
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Listing and search (顧客検索)                                          */
/* ---------------------------------------------------------------------- */

/* The rows of a listing query (CUSTOMER_COLS, then the search document)
 * into list, each with "matched" when p names a query. */
static enum err
collect(struct stmt *s, const struct search_plan *p, json_t *list)
{
    bool row;
    enum err rc;
    while (!(rc = stmt_step(s, &row)) && row) {
        json_t *c = customer_row(s);
        const char *why = p ? search_matched(stmt_text(s, 16), p) : NULL;
        if (why)
            json_object_set_new(c, "matched", json_string(why));
        json_array_append_new(list, c);
    }
    return rc;
}

/* {"customers": list (stolen), "next": the last number when the page is
 * full, else null}. */
static json_t *
page(json_t *list, int64_t limit)
{
    json_t *last = json_array_get(list, json_array_size(list) - 1);
    json_t *out = json_pack("{s:O?}", "next",
                            (int64_t)json_array_size(list) == limit
                                ? json_object_get(last, "number")
                                : NULL);
    json_object_set_new(out, "customers", list);
    return out;
}

/*
 * The search statements. A query's hits (the ids it matches) are found
 * by one of two subqueries: HITS_SHORT for 1–2 characters (prefixes of
 * the name key, the kana key and the number, as folded and in upper case:
 * numbers keep the case they were typed in), HITS_FTS for longer ones
 * (the trigram index, and the phone digits of a phone-shaped query).
 * PROBE counts them up to SEARCH_SCAN, and the page is read in number
 * order after the cursor in one of three ways:
 *   NARROW  under SEARCH_BROAD hits: look each up by id and sort them;
 *   BROAD   up to SEARCH_SCAN (a town, a surname's first kanji): collect
 *           the hits, then walk the number index from the cursor keeping
 *           the rows among them, so the page fills early;
 *   SCAN    more (an area code, a prefecture): collecting them would cost
 *           more than the page, so walk the number index and test each
 *           row (ROW_SHORT, ROW_FTS: the index probed by rowid).
 * In every case the document ("matched") is read for the page's rows only.
 */
#define SEARCH_BROAD 1000
#define SEARCH_SCAN  10000
#define STR_(x)      #x
#define STR(x)       STR_(x)
#define HITS_SHORT                                                             \
    "SELECT id FROM customers WHERE name_key >= $1 AND name_key < $2"          \
    " UNION ALL SELECT id FROM customers WHERE kana_key >= $1"                 \
    " AND kana_key < $2"                                                       \
    " UNION ALL SELECT id FROM customers WHERE number >= $1 AND number < $2"   \
    " UNION ALL SELECT id FROM customers WHERE number >= $3 AND number < $4"
#define ROW_SHORT                                                              \
    "((+name_key >= $1 AND +name_key < $2)"                                    \
    " OR (+kana_key >= $1 AND +kana_key < $2)"                                 \
    " OR (+number >= $1 AND +number < $2)"                                     \
    " OR (+number >= $3 AND +number < $4))"
#define HITS_FTS_ONLY                                                          \
    "SELECT rowid FROM customer_search WHERE customer_search MATCH $1"
#define HITS_FTS                                                               \
    HITS_FTS_ONLY " UNION ALL SELECT customer_id FROM customer_phones"         \
                  " WHERE digits >= $2 AND digits < $3"
#define ROW_FTS                                                                \
    "(EXISTS (SELECT 1 FROM customer_search WHERE customer_search MATCH $1"    \
    "  AND rowid = customers.id)"                                              \
    " OR EXISTS (SELECT 1 FROM customer_phones"                                \
    "  WHERE customer_id = customers.id AND digits >= $2 AND digits < $3))"
#define PROBE(hits) "SELECT count(*) FROM (" hits " LIMIT " STR(SEARCH_SCAN) ")"
#define DOC_COL     ", (SELECT doc FROM customer_search WHERE rowid = customers.id)"
#define FILTER(status, after)                                                  \
    " AND (" status " IS NULL OR status = " status ")"                         \
    " AND number > coalesce(" after ", '')"
#define NARROW(hits, status, after, limit)                                     \
    "SELECT " CUSTOMER_COLS DOC_COL " FROM customers WHERE id IN ("            \
    " SELECT id FROM customers WHERE id IN (" hits ")"                         \
    " AND (" status " IS NULL OR status = " status ")"                         \
    " AND (" after " IS NULL OR number > " after ")"                           \
    " ORDER BY number LIMIT " limit ") ORDER BY number"
#define BROAD(hits, status, after, limit)                                      \
    "SELECT " CUSTOMER_COLS DOC_COL " FROM customers WHERE +id IN (" hits      \
    ")" FILTER(status, after) " ORDER BY number LIMIT " limit
#define SCAN(row, status, after, limit)                                        \
    "SELECT " CUSTOMER_COLS DOC_COL " FROM customers WHERE " row FILTER(       \
        status, after) " ORDER BY number LIMIT " limit

enum search_tier { TIER_NARROW, TIER_BROAD, TIER_SCAN };

static const char *const short_sql[] = {
    NARROW(HITS_SHORT, "$5", "$6", "$7"),
    BROAD(HITS_SHORT, "$5", "$6", "$7"),
    SCAN(ROW_SHORT, "$5", "$6", "$7"),
};

static const char *const fts_sql[] = {
    NARROW(HITS_FTS, "$4", "$5", "$6"),
    BROAD(HITS_FTS, "$4", "$5", "$6"),
    SCAN(ROW_FTS, "$4", "$5", "$6"),
};

/* s followed by U+10FFFF: every text that starts with s sorts between s
 * and this (folded text never holds U+10FFFF, a noncharacter). */
static void
prefix_end(const char *s, char *out, size_t cap)
{
    snprintf(out, cap, "%s\xf4\x8f\xbf\xbf", s);
}

/* The bound values of a search: hits parameters, then the filters. */
struct search_args {
    const struct search_plan *p;
    char hi[SEARCH_QUERY_MAX + 4], up[SEARCH_QUERY_MAX],
        up_hi[SEARCH_QUERY_MAX + 4], digits_hi[SEARCH_QUERY_MAX + 4];
    const char *status, *after;
    int64_t limit;
};

/* How many hits, roughly: which way to read the page. */
static enum err
search_tier(struct store *st, struct search_args *a, enum search_tier *tier)
{
    struct stmt *s;
    bool row = false;
    const struct search_plan *p = a->p;
    enum err rc = p->prefix_only
                      ? store_query(st, &s, PROBE(HITS_SHORT), "tttt", p->norm,
                                    a->hi, a->up, a->up_hi)
                      : store_query(st, &s, PROBE(HITS_FTS_ONLY), "t", p->fts);
    int64_t n = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        n = stmt_int(s, 0);
    *tier = n >= SEARCH_SCAN    ? TIER_SCAN
            : n >= SEARCH_BROAD ? TIER_BROAD
                                : TIER_NARROW;
    stmt_done(s);
    return rc;
}

/* The page's statement, bound: short or long query, by tier. */
static enum err
search_page(struct store *st, const struct search_args *a,
            enum search_tier tier, struct stmt **s)
{
    const struct search_plan *p = a->p;
    if (p->prefix_only)
        return store_query(st, s, short_sql[tier], "tttttti", p->norm, a->hi,
                           a->up, a->up_hi, a->status, a->after, a->limit);
    bool phone = *p->digits != '\0';
    return store_query(st, s, fts_sql[tier], "ttttti", p->fts,
                       phone ? p->digits : NULL, phone ? a->digits_hi : NULL,
                       a->status, a->after, a->limit);
}

/* Fill a's derived bounds from its plan. */
static void
search_bounds(struct search_args *a)
{
    const struct search_plan *p = a->p;
    size_t i;
    for (i = 0; p->norm[i] && i + 1 < sizeof(a->up); i++)
        a->up[i] = p->norm[i] >= 'a' && p->norm[i] <= 'z' ? p->norm[i] - 32
                                                          : p->norm[i];
    a->up[i] = '\0';
    prefix_end(p->norm, a->hi, sizeof(a->hi));
    prefix_end(a->up, a->up_hi, sizeof(a->up_hi));
    prefix_end(p->digits, a->digits_hi, sizeof(a->digits_hi));
}

enum err
customer_search(struct store *st, const char *q, const char *status,
                const char *after, int64_t limit, json_t **out)
{
    struct search_plan p;
    struct search_args a = {
        .p = &p, .status = status, .after = after, .limit = limit};
    struct stmt *s = NULL;
    enum search_tier tier = TIER_NARROW;
    *out = NULL;
    enum err rc = search_plan(q, &p);
    if (rc)
        return rc;
    if (!*p.norm)
        return customer_list(st, NULL, status, after, limit, out);
    search_bounds(&a);
    if (!(rc = search_tier(st, &a, &tier)))
        rc = search_page(st, &a, tier, &s);
    json_t *list = json_array();
    if (!rc)
        rc = collect(s, &p, list);
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = page(list, limit);
    return ERR_OK;
}

enum err
customer_list(struct store *st, const char *q, const char *status,
              const char *after, int64_t limit, json_t **out)
{
    struct stmt *s;
    *out = NULL;
    if (q)
        return customer_search(st, q, status, after, limit, out);
    enum err rc = store_query(
        st, &s,
        "SELECT " CUSTOMER_COLS ", NULL FROM customers"
        " WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR number > $2)"
        " ORDER BY number LIMIT $3",
        "tti", status, after, limit);
    json_t *list = json_array();
    if (!rc)
        rc = collect(s, NULL, list);
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = page(list, limit);
    return ERR_OK;
}

enum err
customer_history(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    enum err rc = store_query(
        st, &s,
        "SELECT id, changed_at, actor, before, after FROM customer_history"
        " WHERE customer_id = $1 ORDER BY id DESC LIMIT 1000",
        "i", id);
    return record_history_rows(s, rc, out);
}

/* ---------------------------------------------------------------------- */
/* Supply points and occupancy                                            */
/* ---------------------------------------------------------------------- */

#define POINT_COLS                                                             \
    "id, version, created_at, updated_at, prefecture, city, street,"           \
    " building, room, lat, lng, supply_kind, route, route_order,"              \
    " billing_group, notes"

enum err
supply_point_insert(struct store *st, const json_t *rec, int64_t *id)
{
    struct stmt *s;
    char now[32];
    time_now_iso(now);
    enum err rc = store_prepare(
        st,
        "INSERT INTO supply_points (prefecture, city, street, building, room,"
        " lat, lng, supply_kind, route, route_order, billing_group, notes,"
        " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
        " $9, $10, $11, $12, $13, $13)",
        &s);
    if (rc)
        return rc;
    rc = bind_rec(s, 1, supply_point_fields, rec);
    if (!rc)
        rc = stmt_bind_text(s, 13, now);
    return finish(st, s, rc, id);
}

/* The point's occupancies, newest move-in first. */
static enum err
occupants(struct store *st, int64_t id, json_t *point)
{
    struct stmt *s;
    bool row;
    enum err rc =
        store_query(st, &s,
                    "SELECT o.id, o.customer_id, c.number, c.name, o.moved_in,"
                    " o.moved_out FROM occupancy o JOIN customers c ON c.id ="
                    " o.customer_id WHERE o.supply_point_id = $1"
                    " ORDER BY o.moved_in DESC, o.id DESC",
                    "i", id);
    json_t *list = json_array();
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(
            list,
            json_pack("{s:I, s:I, s:s, s:s, s:s, s:s?}", "id",
                      (json_int_t)stmt_int(s, 0), "customer_id",
                      (json_int_t)stmt_int(s, 1), "number", stmt_text(s, 2),
                      "name", stmt_text(s, 3), "moved_in", stmt_text(s, 4),
                      "moved_out", stmt_text(s, 5)));
    stmt_done(s);
    json_object_set_new(point, "occupants", list);
    return rc;
}

enum err
supply_point_get(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row = false;
    json_t *p = NULL;
    enum err rc = store_query(
        st, &s, "SELECT " POINT_COLS " FROM supply_points WHERE id = $1", "i",
        id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        p = json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)stmt_int(s, 0),
                      "version", (json_int_t)stmt_int(s, 1), "created_at",
                      stmt_text(s, 2), "updated_at", stmt_text(s, 3));
        read_rec(s, 4, supply_point_fields, p);
    }
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_SUPPLY_POINT_NOT_FOUND, "no supply point %lld",
                      (long long)id);
    if (!rc)
        rc = occupants(st, id, p);
    if (rc)
        json_decref(p);
    *out = rc ? NULL : p;
    return rc;
}

enum err
supply_point_update(struct store *st, int64_t id, int64_t version,
                    const json_t *rec)
{
    struct stmt *s;
    char now[32];
    time_now_iso(now);
    enum err rc = store_prepare(
        st,
        "UPDATE supply_points SET prefecture = $1, city = $2, street = $3,"
        " building = $4, room = $5, lat = $6, lng = $7, supply_kind = $8,"
        " route = $9, route_order = $10, billing_group = $11, notes = $12,"
        " updated_at = $13, version = version + 1"
        " WHERE id = $14 AND version = $15",
        &s);
    if (rc)
        return rc;
    rc = bind_rec(s, 1, supply_point_fields, rec);
    if (!rc && !(rc = stmt_bind_text(s, 13, now)) &&
        !(rc = stmt_bind_int(s, 14, id)))
        rc = stmt_bind_int(s, 15, version);
    rc = finish(st, s, rc, NULL);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_CUSTOMER_VERSION_CONFLICT, "supply point changed");
    return rc ? rc : customer_search_refresh_point(st, id);
}

/* The current occupancy of point id: *occ = 0 when vacant; *occupant its
 * customer. */
static enum err
current_occupancy(struct store *st, int64_t id, int64_t *occ, int64_t *occupant,
                  char moved_in[11])
{
    struct stmt *s;
    bool row = false;
    *occ = *occupant = 0;
    enum err rc = store_query(st, &s,
                              "SELECT id, customer_id, moved_in FROM occupancy"
                              " WHERE supply_point_id = $1"
                              " AND moved_out IS NULL",
                              "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *occ = stmt_int(s, 0);
        *occupant = stmt_int(s, 1);
        snprintf(moved_in, 11, "%s", stmt_text(s, 2));
    }
    stmt_done(s);
    return rc;
}

/* ERR_CUSTOMER_NOT_FOUND unless customer id exists. */
static enum err
customer_exists(struct store *st, int64_t id)
{
    struct stmt *s;
    bool row = false;
    enum err rc =
        store_query(st, &s, "SELECT 1 FROM customers WHERE id = $1", "i", id);
    if (!rc)
        rc = stmt_step(s, &row);
    stmt_done(s);
    if (!rc && !row)
        rc =
            err_fail(ERR_CUSTOMER_NOT_FOUND, "no customer %lld", (long long)id);
    return rc;
}

enum err
supply_point_move(struct store *st, int64_t id, int64_t customer_id,
                  const char *date)
{
    int64_t occ, prev;
    char moved_in[11];
    enum err rc = customer_exists(st, customer_id);
    if (rc || (rc = current_occupancy(st, id, &occ, &prev, moved_in)))
        return rc;
    if (occ && strcmp(date, moved_in) < 0)
        return err_fail(ERR_CUSTOMER_MOVE_DATE,
                        "the current occupant moved in on %s", moved_in);
    if (occ && (rc = store_run(st,
                               "UPDATE occupancy SET moved_out = $1"
                               " WHERE id = $2",
                               "ti", date, occ)))
        return rc;
    /* the point's address leaves the previous occupant's search document
     * and joins the newcomer's; nobody else's changes */
    if (prev && (rc = customer_search_refresh(st, prev)))
        return rc;
    return supply_point_first_move_in(st, id, customer_id, date);
}

enum err
supply_point_first_move_in(struct store *st, int64_t id, int64_t customer_id,
                           const char *date)
{
    enum err rc = store_run(st,
                            "INSERT INTO occupancy (supply_point_id,"
                            " customer_id, moved_in) VALUES ($1, $2, $3)",
                            "iit", id, customer_id, date);
    return rc ? rc : customer_search_refresh(st, customer_id);
}
