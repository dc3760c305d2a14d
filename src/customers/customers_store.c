/*
 * customers_store.c — the customer ledger's SQL.
 *
 * Records are bound and read column by column in the order of their field
 * table (customers.h), so the column lists below must follow
 * customer_fields[] and supply_point_fields[] exactly. Writes run inside
 * the caller's transaction; a write that must see a given version says so
 * in its WHERE clause, and no change means someone else got there first.
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
        else if (json_is_string(v))
            rc = stmt_bind_text(s, first + i, json_string_value(v));
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

/* Step a bound write to its end; *id gets column 0 when it returns a row. */
static enum err
finish(struct stmt *s, enum err rc, int64_t *id)
{
    bool row = false;
    if (!rc)
        rc = stmt_step(s, &row);
    if (!rc && id)
        *id = row ? stmt_int(s, 0) : 0;
    stmt_done(s);
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
customer_insert(struct store *st, const json_t *rec, int64_t *id)
{
    struct stmt *s;
    char now[32];
    time_now_iso(now);
    enum err rc = store_prepare(
        st,
        "INSERT INTO customers (number, name, kana, kind, phone1, phone2,"
        " email, postal_code, prefecture, address, notes, created_at,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
        " $12, $12) RETURNING id",
        &s);
    if (rc)
        return rc;
    rc = bind_rec(s, 1, customer_fields, rec);
    if (!rc)
        rc = stmt_bind_text(s, 12, now);
    rc = finish(s, rc, id);
    if (rc == ERR_STORE_CONSTRAINT)
        return err_fail(ERR_CUSTOMER_NUMBER_TAKEN, "number %s is taken",
                        json_string_value(json_object_get(rec, "number")));
    return rc;
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
    rc = finish(s, rc, NULL);
    if (rc == ERR_STORE_CONSTRAINT)
        return err_fail(ERR_CUSTOMER_NUMBER_TAKEN, "number is taken");
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_CUSTOMER_VERSION_CONFLICT, "customer changed");
    return rc;
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
    if (!rc)
        rc = store_run(st, "DELETE FROM customers WHERE id = $1", "i", id);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_CUSTOMER_NOT_FOUND, "no such customer");
    return rc;
}

/* "%q%" for LIKE, with % _ and \ escaped; false when q does not fit. */
static bool
like_pattern(const char *q, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = '%';
    for (; *q && n + 3 < cap; q++) {
        if (*q == '%' || *q == '_' || *q == '\\')
            out[n++] = '\\';
        out[n++] = *q;
    }
    out[n++] = '%';
    out[n] = '\0';
    return *q == '\0';
}

enum err
customer_list(struct store *st, const char *q, const char *status,
              const char *after, int64_t limit, json_t **out)
{
    struct stmt *s;
    char pat[1024];
    bool row;
    if (q && !like_pattern(q, pat, sizeof(pat)))
        return err_fail(ERR_TOO_LARGE, "q is too long");
    enum err rc = store_query(
        st, &s,
        "SELECT " CUSTOMER_COLS " FROM customers"
        " WHERE ($1 IS NULL OR number LIKE $1 ESCAPE '\\'"
        "  OR name LIKE $1 ESCAPE '\\' OR kana LIKE $1 ESCAPE '\\')"
        " AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR number < $3)"
        " ORDER BY number DESC LIMIT $4",
        "ttti", q ? pat : NULL, status, after, limit);
    json_t *list = json_array();
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, customer_row(s));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    json_t *last = json_array_get(list, json_array_size(list) - 1);
    *out = json_pack("{s:O?}", "next",
                     (int64_t)json_array_size(list) == limit
                         ? json_object_get(last, "number")
                         : NULL);
    json_object_set_new(*out, "customers", list);
    return ERR_OK;
}

enum err
customer_history(struct store *st, int64_t id, json_t **out)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s,
        "SELECT id, changed_at, actor, before, after FROM customer_history"
        " WHERE customer_id = $1 ORDER BY id DESC",
        "i", id);
    json_t *list = json_array();
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:o?, s:o?}", "id",
                            (json_int_t)stmt_int(s, 0), "changed_at",
                            stmt_text(s, 1), "actor", stmt_text(s, 2), "before",
                            json_loads(stmt_text(s, 3), 0, NULL), "after",
                            json_loads(stmt_text(s, 4), 0, NULL)));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "history", list);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Supply points and occupancy                                            */
/* ---------------------------------------------------------------------- */

#define POINT_COLS                                                             \
    "id, version, created_at, updated_at, prefecture, city, street,"           \
    " building, room, lat, lng, supply_kind, route, route_order,"              \
    " billing_group"

enum err
supply_point_insert(struct store *st, const json_t *rec, int64_t *id)
{
    struct stmt *s;
    char now[32];
    time_now_iso(now);
    enum err rc = store_prepare(
        st,
        "INSERT INTO supply_points (prefecture, city, street, building, room,"
        " lat, lng, supply_kind, route, route_order, billing_group,"
        " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
        " $9, $10, $11, $12, $12) RETURNING id",
        &s);
    if (rc)
        return rc;
    rc = bind_rec(s, 1, supply_point_fields, rec);
    if (!rc)
        rc = stmt_bind_text(s, 12, now);
    return finish(s, rc, id);
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
        " route = $9, route_order = $10, billing_group = $11,"
        " updated_at = $12, version = version + 1"
        " WHERE id = $13 AND version = $14",
        &s);
    if (rc)
        return rc;
    rc = bind_rec(s, 1, supply_point_fields, rec);
    if (!rc && !(rc = stmt_bind_text(s, 12, now)) &&
        !(rc = stmt_bind_int(s, 13, id)))
        rc = stmt_bind_int(s, 14, version);
    rc = finish(s, rc, NULL);
    if (!rc && store_changes(st) != 1)
        rc = err_fail(ERR_CUSTOMER_VERSION_CONFLICT, "supply point changed");
    return rc;
}

/* The current occupancy of point id: *occ = 0 when vacant. */
static enum err
current_occupancy(struct store *st, int64_t id, int64_t *occ, char moved_in[11])
{
    struct stmt *s;
    bool row = false;
    *occ = 0;
    enum err rc = store_query(st, &s,
                              "SELECT id, moved_in FROM occupancy"
                              " WHERE supply_point_id = $1"
                              " AND moved_out IS NULL",
                              "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *occ = stmt_int(s, 0);
        snprintf(moved_in, 11, "%s", stmt_text(s, 1));
    }
    stmt_done(s);
    return rc;
}

enum err
supply_point_move(struct store *st, int64_t id, int64_t customer_id,
                  const char *date)
{
    json_t *c;
    int64_t occ;
    char moved_in[11];
    enum err rc = customer_get(st, customer_id, &c);
    json_decref(c);
    if (rc || (rc = current_occupancy(st, id, &occ, moved_in)))
        return rc;
    if (occ && strcmp(date, moved_in) < 0)
        return err_fail(ERR_CUSTOMER_MOVE_DATE,
                        "the current occupant moved in on %s", moved_in);
    if (occ && (rc = store_run(st,
                               "UPDATE occupancy SET moved_out = $1"
                               " WHERE id = $2",
                               "ti", date, occ)))
        return rc;
    return store_run(st,
                     "INSERT INTO occupancy (supply_point_id, customer_id,"
                     " moved_in) VALUES ($1, $2, $3)",
                     "iit", id, customer_id, date);
}
