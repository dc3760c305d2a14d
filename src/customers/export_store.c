/*
 * export_store.c — the ledger read for an export: each customer with the
 * supply point it currently occupies (the open occupancy with the latest
 * move-in; ties go to the newest occupancy).
 *
 * The columns are those of export.c's headings, in order (EXPORT_COLS),
 * then the customer's id and the point's id.
 */
#include "customers/export.h"
#include "store/store.h"

#define EXPORT_SELECT                                                          \
    "SELECT c.number, c.name, c.kana, c.kind, c.status, c.phone1,"             \
    " c.phone2, c.email, c.postal_code, c.prefecture, c.address, c.notes,"     \
    " p.prefecture, p.city, p.street, p.building, p.room, p.supply_kind,"      \
    " p.route, p.route_order, p.billing_group, o.moved_in, c.created_at,"      \
    " c.updated_at, c.id, p.id"                                                \
    " FROM customers c"                                                        \
    " LEFT JOIN occupancy o ON o.id = (SELECT o2.id FROM occupancy o2"         \
    "  WHERE o2.customer_id = c.id AND o2.moved_out IS NULL"                   \
    "  ORDER BY o2.moved_in DESC, o2.id DESC LIMIT 1)"                         \
    " LEFT JOIN supply_points p ON p.id = o.supply_point_id"

/* Hand every row of s to fn. */
static enum err
each(struct stmt *s, export_row_fn fn, void *arg)
{
    struct export_row row;
    bool more;
    enum err rc;
    while (!(rc = stmt_step(s, &more)) && more) {
        for (int i = 0; i < EXPORT_COLS; i++)
            row.v[i] = stmt_text(s, i);
        row.customer_id = stmt_int(s, EXPORT_COLS);
        row.point_id =
            stmt_is_null(s, EXPORT_COLS + 1) ? 0 : stmt_int(s, EXPORT_COLS + 1);
        if ((rc = fn(arg, &row)))
            break;
    }
    return rc;
}

enum err
export_walk(struct store *st, const char *status, export_row_fn fn, void *arg)
{
    struct stmt *s;
    enum err rc =
        store_query(st, &s,
                    EXPORT_SELECT " WHERE ($1 IS NULL OR c.status = $1)"
                                  " ORDER BY c.number",
                    "t", status);
    if (!rc)
        rc = each(s, fn, arg);
    stmt_done(s);
    return rc;
}

enum err
export_walk_one(struct store *st, int64_t id, export_row_fn fn, void *arg)
{
    struct stmt *s;
    enum err rc =
        store_query(st, &s, EXPORT_SELECT " WHERE c.id = $1", "i", id);
    if (!rc)
        rc = each(s, fn, arg);
    stmt_done(s);
    return rc;
}
