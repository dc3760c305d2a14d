/*
 * remote_store.c — the SQL of remote readings: which supply point a
 * monitoring device (NCU, LTE-M terminal) reads. A device id belongs to
 * the meter it is wired to (meters.device_id), so a meter exchange moves
 * the reading to the new meter only when the new meter carries the id.
 * The lookup uses the partial index meters_device (metering migration 2).
 */
#include "metering/remote_api.h"
#include "store/store.h"

enum err
remote_point_by_device(struct store *st, const char *device_id,
                       const char *read_on, int64_t *point)
{
    struct stmt *s;
    bool row = false;
    int n = 0;
    *point = 0;
    enum err rc =
        store_query(st, &s,
                    "SELECT DISTINCT supply_point_id FROM meters"
                    " WHERE device_id = $1 AND install_date <= $2"
                    " AND (removed_date IS NULL OR removed_date >= $2) LIMIT 2",
                    "tt", device_id, read_on);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        *point = stmt_int(s, 0);
        n++;
    }
    stmt_done(s);
    if (rc)
        return rc;
    if (n == 0)
        return err_fail(ERR_READING_NO_METER,
                        "機器ID %s のメーターは %s に設置されていません",
                        device_id, read_on);
    if (n > 1)
        return err_fail(ERR_CONFLICT,
                        "機器ID %s が複数の供給地点のメーターに登録されて"
                        "います",
                        device_id);
    return ERR_OK;
}
