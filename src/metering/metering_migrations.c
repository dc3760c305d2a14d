/*
 * metering_migrations.c — meter reading (検針) in the tenant store.
 *
 * reading_periods: one 検針月 per reading route (supply_points.route),
 * with its reading window; open while readers work it, closed once billed
 * (later corrections go through billing's correction flow).
 *
 * readings: one meter index (指針) read on a date, in integer tenths of a
 * m³ like every index in the ledger. kind says why it was read: the
 * period's regular reading, a move-in or move-out (転居・入居: splits a
 * period between two contracts), or an extra reading (開栓, meter
 * exchange). usage_l is the usage in litres since previous_id (the
 * point's previous counted reading), worked out when the reading is
 * stored (rollover and meter exchanges included); NULL for a point's
 * first reading. source: who produced it — a reader in the field, the
 * office, a CSV import, a remote (集中監視) reading, or an estimate
 * (推定検針; the next real reading settles the difference). status:
 * accepted, flagged (on the review list 要確認, flags says why),
 * confirmed (flagged, then accepted by the office) or corrected (replaced
 * by a newer row, which names it in corrects_id). A meter has at most one
 * live regular reading per period.
 *
 * reading_conflicts: a second, different value for a meter and period
 * that already has one — held for an office decision, never overwritten.
 * reading_submissions: idempotency keys of handheld submissions, with the
 * answer given, so a resend gets the same answer and changes nothing.
 *
 * Version 2 indexes meters by device_id: a remote reading (集中監視)
 * names only its device, and finds its meter through it.
 *
 * Version 5 gives a period its reading day (reading_on, 検針日) and
 * keeps the daily index readings of remote meters (remote_intervals, one
 * per meter and day, the day's highest): the period's regular reading of
 * a remote meter is the interval reading nearest the reading day inside
 * the window, replaced while the period is open (remote_store.c).
 *
 * Version 3 indexes supply points by route and order (検針順): a route
 * sheet and a route's progress read one route's points, never the whole
 * ledger; and readings by the reading they correct (a decision on a
 * conflict follows a reading to its live correction).
 */
#include "store/migrate.h"

#include <stddef.h>

const struct migration metering_tenant_migrations[] = {
    {"metering", 1,
     "CREATE TABLE reading_periods ("
     " id INTEGER PRIMARY KEY,"
     " route TEXT NOT NULL,"
     " month TEXT NOT NULL,"
     " starts_on TEXT NOT NULL,"
     " ends_on TEXT NOT NULL,"
     " status TEXT NOT NULL DEFAULT 'open'"
     "  CHECK (status IN ('open', 'closed')),"
     " opened_at TEXT NOT NULL,"
     " opened_by TEXT NOT NULL,"
     " closed_at TEXT,"
     " closed_by TEXT,"
     " CHECK (ends_on >= starts_on),"
     " UNIQUE (route, month));"
     "CREATE TABLE readings ("
     " id INTEGER PRIMARY KEY,"
     " supply_point_id INTEGER NOT NULL REFERENCES supply_points (id),"
     " meter_id INTEGER NOT NULL REFERENCES meters (id),"
     " period_id INTEGER REFERENCES reading_periods (id),"
     " kind TEXT NOT NULL"
     "  CHECK (kind IN ('regular', 'move_in', 'move_out', 'extra')),"
     " read_on TEXT NOT NULL,"
     " index_tenths INTEGER NOT NULL CHECK (index_tenths >= 0),"
     " usage_l INTEGER,"
     " previous_id INTEGER REFERENCES readings (id),"
     " source TEXT NOT NULL CHECK (source IN ('field', 'office', 'import',"
     "  'remote', 'estimated')),"
     " status TEXT NOT NULL DEFAULT 'accepted' CHECK (status IN"
     "  ('accepted', 'flagged', 'confirmed', 'corrected')),"
     " flags TEXT,"
     " corrects_id INTEGER REFERENCES readings (id),"
     " note TEXT,"
     " entered_by TEXT NOT NULL,"
     " version INTEGER NOT NULL DEFAULT 1,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE INDEX readings_point ON readings (supply_point_id, read_on);"
     "CREATE INDEX readings_period ON readings (period_id);"
     "CREATE INDEX readings_flagged ON readings (status)"
     " WHERE status = 'flagged';"
     "CREATE UNIQUE INDEX readings_regular ON readings (meter_id, period_id)"
     " WHERE kind = 'regular' AND status != 'corrected';"
     "CREATE TABLE reading_conflicts ("
     " id INTEGER PRIMARY KEY,"
     " reading_id INTEGER NOT NULL REFERENCES readings (id),"
     " index_tenths INTEGER NOT NULL,"
     " read_on TEXT NOT NULL,"
     " source TEXT NOT NULL,"
     " entered_by TEXT NOT NULL,"
     " status TEXT NOT NULL DEFAULT 'open'"
     "  CHECK (status IN ('open', 'accepted', 'rejected')),"
     " resolved_by TEXT,"
     " resolved_at TEXT,"
     " created_at TEXT NOT NULL);"
     "CREATE INDEX reading_conflicts_open ON reading_conflicts (status)"
     " WHERE status = 'open';"
     "CREATE TABLE reading_submissions ("
     " key TEXT NOT NULL PRIMARY KEY,"
     " request_hash TEXT NOT NULL,"
     " status INTEGER NOT NULL,"
     " response TEXT NOT NULL,"
     " created_at TEXT NOT NULL);"},
    {"metering", 2,
     "CREATE INDEX meters_device ON meters (device_id)"
     " WHERE device_id IS NOT NULL;"},
    {"metering", 3,
     "CREATE INDEX supply_points_route ON supply_points (route, route_order)"
     " WHERE route IS NOT NULL;"
     "CREATE INDEX readings_corrects ON readings (corrects_id)"
     " WHERE corrects_id IS NOT NULL;"},
    /* the billing run's move readings of a month, without walking every
     * reading ever taken (run_store.c names the same kinds) */
    {"metering", 4,
     "CREATE INDEX readings_moves ON readings (read_on)"
     " WHERE kind IN ('move_out', 'move_in');"},
    /* the period's reading day (検針日; NULL: the window's middle) and
     * the remote meters' interval readings (remote_store.c) */
    {"metering", 5,
     "ALTER TABLE reading_periods ADD COLUMN reading_on TEXT;"
     "CREATE TABLE remote_intervals ("
     " id INTEGER PRIMARY KEY,"
     " supply_point_id INTEGER NOT NULL REFERENCES supply_points (id),"
     " meter_id INTEGER NOT NULL REFERENCES meters (id),"
     " device_id TEXT NOT NULL,"
     " read_on TEXT NOT NULL,"
     " index_tenths INTEGER NOT NULL CHECK (index_tenths >= 0),"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL,"
     " UNIQUE (meter_id, read_on));"
     "CREATE INDEX remote_intervals_point ON remote_intervals"
     " (supply_point_id, read_on);"},
    {NULL, 0, NULL},
};
