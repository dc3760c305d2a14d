/*
 * readings_import_store.c — the SQL of 検針値の取込 beyond reading_record:
 * finding the supply point a row means when the file names it by the
 * customer number (the customer living there on the reading date:
 * occupancy, 転居・入居) or by the meter serial (the meter installed
 * there on that date; an exchanged meter's old serial still finds the
 * point for readings before the exchange). Serials are unique per maker,
 * not per ledger: two points with the same serial is an error the office
 * resolves with a supply point id column.
 */
#include "metering/readings_import.h"
#include "store/store.h"

/* Step s (one column: a point id) to its end: *point and how many. */
static enum err
points(struct stmt *s, enum err rc, int64_t *point, int *n)
{
    bool row = false;
    *point = 0;
    *n = 0;
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        *point = stmt_int(s, 0);
        ++*n;
    }
    stmt_done(s);
    return rc;
}

enum err
readings_import_point_by_number(struct store *st, const char *number,
                                const char *read_on, int64_t *point)
{
    struct stmt *s;
    int n;
    enum err rc =
        store_query(st, &s,
                    "SELECT DISTINCT o.supply_point_id FROM customers c"
                    " JOIN occupancy o ON o.customer_id = c.id"
                    " WHERE c.number = $1 AND o.moved_in <= $2"
                    " AND (o.moved_out IS NULL OR o.moved_out >= $2) LIMIT 2",
                    "tt", number, read_on);
    rc = points(s, rc, point, &n);
    if (rc || n == 1)
        return rc;
    if (n > 1)
        return err_fail(ERR_CONFLICT,
                        "顧客番号 %s の顧客は %s に複数の供給地点を使用して"
                        "います。供給地点IDかメーター番号で指定してください",
                        number, read_on);
    int64_t found = 0;
    rc = store_query(st, &s, "SELECT count(*) FROM customers WHERE number = $1",
                     "t", number);
    bool row = false;
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        found = stmt_int(s, 0);
    stmt_done(s);
    if (rc)
        return rc;
    if (!found)
        return err_fail(ERR_CUSTOMER_NOT_FOUND,
                        "顧客番号 %s は台帳にありません", number);
    return err_fail(ERR_SUPPLY_POINT_NOT_FOUND,
                    "顧客番号 %s の顧客は %s に入居中の供給地点がありません",
                    number, read_on);
}

enum err
readings_import_point_by_serial(struct store *st, const char *serial,
                                const char *read_on, int64_t *point)
{
    struct stmt *s;
    int n;
    enum err rc =
        store_query(st, &s,
                    "SELECT DISTINCT supply_point_id FROM meters"
                    " WHERE serial = $1 AND install_date <= $2"
                    " AND (removed_date IS NULL OR removed_date >= $2) LIMIT 2",
                    "tt", serial, read_on);
    rc = points(s, rc, point, &n);
    if (rc || n == 1)
        return rc;
    if (n > 1)
        return err_fail(ERR_CONFLICT,
                        "メーター番号 %s は複数の供給地点に設置されています。"
                        "供給地点IDで指定してください",
                        serial);
    return err_fail(ERR_READING_NO_METER,
                    "メーター番号 %s のメーターは %s に設置されていません",
                    serial, read_on);
}
