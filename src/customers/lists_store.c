/*
 * lists_store.c — the ledger's cross-record lists, SQL side.
 *
 *   customer_points()   where a customer lives and lived (供給地点), for
 *                       the customer page's 供給地点・契約 tab;
 *   meter_expiry_list() installed meters whose certification (検定満期)
 *                       ends by a month, with where they are and who lives
 *                       there: the office's meter-exchange worklist.
 *
 * The expiry list pages with a keyset cursor on (expiry month, meter id),
 * so a page is one index-ordered read however deep the office scrolls.
 */
#include "customers/customers.h"
#include "store/store.h"

#include <stdio.h>

enum err
customer_points(struct store *st, int64_t customer_id, json_t **out)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s,
        "SELECT o.id, o.moved_in, o.moved_out, p.id, p.prefecture, p.city,"
        " p.street, p.building, p.room, p.supply_kind, p.route,"
        " p.route_order, p.billing_group FROM occupancy o JOIN supply_points"
        " p ON p.id = o.supply_point_id WHERE o.customer_id = $1"
        " ORDER BY o.moved_out IS NULL DESC, o.moved_in DESC, o.id DESC",
        "i", customer_id);
    json_t *list = json_array();
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        json_t *p = json_pack(
            "{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:o?, s:o?}", "id",
            (json_int_t)stmt_int(s, 3), "prefecture", stmt_text(s, 4), "city",
            stmt_text(s, 5), "street", stmt_text(s, 6), "building",
            stmt_text(s, 7), "room", stmt_text(s, 8), "supply_kind",
            stmt_text(s, 9), "route", stmt_text(s, 10), "route_order",
            stmt_is_null(s, 11) ? NULL : json_integer(stmt_int(s, 11)),
            "billing_group",
            stmt_is_null(s, 12) ? NULL : json_integer(stmt_int(s, 12)));
        json_array_append_new(list,
                              json_pack("{s:I, s:s, s:s?, s:o}", "occupancy_id",
                                        (json_int_t)stmt_int(s, 0), "moved_in",
                                        stmt_text(s, 1), "moved_out",
                                        stmt_text(s, 2), "supply_point", p));
    }
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "supply_points", list);
    return ERR_OK;
}

static json_t *
expiry_row(struct stmt *s)
{
    json_t *m = json_pack(
        "{s:I, s:s, s:s?, s:s?, s:s, s:s, s:s, s:{s:I, s:s, s:s, s:s,"
        " s:s?, s:s?, s:s?, s:o?}}",
        "id", (json_int_t)stmt_int(s, 0), "serial", stmt_text(s, 1), "maker",
        stmt_text(s, 2), "model", stmt_text(s, 3), "kind", stmt_text(s, 4),
        "certification_expiry", stmt_text(s, 5), "install_date",
        stmt_text(s, 6), "supply_point", "id", (json_int_t)stmt_int(s, 7),
        "prefecture", stmt_text(s, 8), "city", stmt_text(s, 9), "street",
        stmt_text(s, 10), "building", stmt_text(s, 11), "room",
        stmt_text(s, 12), "route", stmt_text(s, 13), "route_order",
        stmt_is_null(s, 14) ? NULL : json_integer(stmt_int(s, 14)));
    json_object_set_new(
        m, "customer",
        stmt_is_null(s, 15)
            ? json_null()
            : json_pack("{s:I, s:s, s:s}", "id", (json_int_t)stmt_int(s, 15),
                        "number", stmt_text(s, 16), "name", stmt_text(s, 17)));
    return m;
}

enum err
meter_expiry_list(struct store *st, const struct expiry_query *q, json_t **out)
{
    struct stmt *s;
    bool row;
    enum err rc = store_query(
        st, &s,
        "SELECT m.id, m.serial, m.maker, m.model, m.kind,"
        " m.certification_expiry, m.install_date, p.id, p.prefecture, p.city,"
        " p.street, p.building, p.room, p.route, p.route_order, c.id,"
        " c.number, c.name FROM meters m JOIN supply_points p"
        " ON p.id = m.supply_point_id LEFT JOIN occupancy o"
        " ON o.supply_point_id = p.id AND o.moved_out IS NULL"
        " LEFT JOIN customers c ON c.id = o.customer_id"
        " WHERE m.removed_date IS NULL AND m.certification_expiry <= $1"
        " AND ($2 IS NULL OR p.route = $2)"
        " AND (m.certification_expiry, m.id) > ($3, $4)"
        " ORDER BY m.certification_expiry, m.id LIMIT $5",
        "tttii", q->by, q->route, q->after_month, q->after_id, q->limit);
    json_t *list = json_array();
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        json_array_append_new(list, expiry_row(s));
    stmt_done(s);
    if (rc) {
        json_decref(list);
        return rc;
    }
    json_t *last = json_array_get(list, json_array_size(list) - 1);
    char next[32];
    snprintf(next, sizeof(next), "%s.%" JSON_INTEGER_FORMAT,
             json_string_value(json_object_get(last, "certification_expiry")),
             json_integer_value(json_object_get(last, "id")));
    *out = json_pack("{s:o, s:s?}", "meters", list, "next",
                     (int64_t)json_array_size(list) == q->limit ? next : NULL);
    return ERR_OK;
}
