/*
 * slip_store.c — the reading slip's SQL (検針票, slip.h): one reading with
 * the contract it bills, the reading that corrects it, last month's usage
 * and the route's next reading period.
 *
 * The contract is found by the run's own rule (RUN_CONTRACT_OF_READING,
 * run_int.h) and the run item filled from the run's columns
 * (RUN_ITEM_COLS, run_item_from); the contract side is a LEFT JOIN here,
 * so a reading at a vacant point is found (without a contract) rather
 * than missing.
 */
#include "billing/run_int.h"
#include "billing/slip.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define SLIP_SELECT                                                            \
    "SELECT " RUN_ITEM_COLS ","                                                \
    " c.id IS NOT NULL, r.usage_l IS NOT NULL, r.status, r.source,"            \
    " COALESCE(r.period_id, 0), sp.route"                                      \
    " FROM readings r"                                                         \
    " JOIN supply_points sp ON sp.id = r.supply_point_id"                      \
    " LEFT JOIN contracts c ON c.id = " RUN_CONTRACT_OF_READING                \
    " LEFT JOIN customers cu ON cu.id = c.customer_id"                         \
    " LEFT JOIN readings p ON p.id = r.previous_id"                            \
    " WHERE r.id = $1"

enum err
slip_item_load(struct store *st, int64_t reading_id, struct run_item *it,
               struct slip_facts *f)
{
    struct stmt *s;
    bool row = false;
    const char *status, *source;
    enum err rc = store_query(st, &s, SLIP_SELECT, "i", reading_id);
    if (!rc && !(rc = stmt_step(s, &row)) && !row)
        rc = err_fail(ERR_READING_NOT_FOUND, "no such reading");
    if (!rc) {
        run_item_from(s, it);
        memset(f, 0, sizeof(*f));
        f->has_contract = stmt_int(s, 17) != 0;
        f->has_usage = stmt_int(s, 18) != 0;
        status = stmt_text(s, 19);
        source = stmt_text(s, 20);
        f->corrected = status && !strcmp(status, "corrected");
        f->estimated = source && !strcmp(source, "estimated");
        f->period_id = stmt_int(s, 21);
        run_copy(f->route, sizeof(f->route), stmt_text(s, 22));
    }
    stmt_done(s);
    return rc;
}

enum err
slip_correction_of(struct store *st, int64_t reading_id, int64_t *id)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT id FROM readings WHERE corrects_id = $1"
                              " ORDER BY id DESC LIMIT 1",
                              "i", reading_id);
    *id = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *id = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

enum err
slip_last_month_l(struct store *st, int64_t point_id, const char *read_on,
                  int64_t *usage_l)
{
    struct stmt *s;
    bool row = false;
    char to[11], from[11];
    /* [the 1st of the month before, the 1st of read_on's month) */
    snprintf(to, sizeof(to), "%.7s-01", read_on);
    time_date_add(to, -1, from);
    snprintf(from + 8, 3, "01");
    enum err rc = store_query(
        st, &s,
        "SELECT SUM(usage_l) FROM readings WHERE supply_point_id = $1"
        " AND read_on >= $2 AND read_on < $3 AND kind = 'regular'"
        " AND status != 'corrected' AND usage_l IS NOT NULL",
        "itt", point_id, from, to);
    *usage_l = -1;
    if (!rc && !(rc = stmt_step(s, &row)) && row && !stmt_is_null(s, 0))
        *usage_l = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

enum err
slip_next_period(struct store *st, const char *route, const char *read_on,
                 int64_t period_id, char from[11], char to[11], bool *found)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT starts_on, ends_on FROM reading_periods"
                              " WHERE route = $1 AND starts_on > $2"
                              " AND id != $3 ORDER BY starts_on LIMIT 1",
                              "tti", route, read_on, period_id);
    *found = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        run_copy(from, 11, stmt_text(s, 0));
        run_copy(to, 11, stmt_text(s, 1));
        *found = time_date_valid(from) && time_date_valid(to);
    }
    stmt_done(s);
    return rc;
}
