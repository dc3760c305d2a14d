/*
 * monitor_migrations.c — device events (機器イベント) in the tenant store,
 * module "monitor": what ingest forwards besides readings.
 *
 * device_events: one row per meter event or water-heater status a device
 * sent, stored once (UNIQUE device_id, epoch, seq: ingest may resend).
 * category says which (meter_event, heater_status); kind is the
 * normalised event ("leak_warning", "shutoff_total_flow", …,
 * "heater_error" for a heater status with an error code, "heater_status"
 * without one); severity the hint from monitor.c; shutoff 1 when the
 * meter shut the gas off. vendor_code is the maker's raw code,
 * error_code a heater's 3-digit code, index_tenths the meter index sent
 * with the event. device_at is the device's clock, received_at ingest's
 * receipt (both UTC), stored_at when serve stored it. The links are what
 * the ledger said on the device's date (the meter or appliance carrying
 * the device id, its supply point and that point's occupant), else the
 * registry's; NULL when unknown — an event is stored even when the
 * ledger cannot place it, never dropped. No foreign keys: an event is a
 * record of what was received and must outlive ledger edits. payload is
 * the message as ingest logged it (canonical JSON).
 *
 * Consumers (alarms, notifications) read new rows in id order: id only
 * grows, and a consumer keeps the last id it has handled.
 */
#include "store/migrate.h"

#include <stddef.h>

const struct migration monitor_tenant_migrations[] = {
    {"monitor", 1,
     "CREATE TABLE device_events ("
     " id INTEGER PRIMARY KEY,"
     " device_id TEXT NOT NULL,"
     " device_kind TEXT NOT NULL,"
     " epoch INTEGER NOT NULL,"
     " seq INTEGER NOT NULL,"
     " category TEXT NOT NULL"
     "  CHECK (category IN ('meter_event', 'heater_status')),"
     " kind TEXT NOT NULL,"
     " severity TEXT NOT NULL"
     "  CHECK (severity IN ('info', 'warning', 'critical')),"
     " shutoff INTEGER NOT NULL DEFAULT 0 CHECK (shutoff IN (0, 1)),"
     " vendor_code TEXT,"
     " error_code TEXT,"
     " index_tenths INTEGER,"
     " device_at TEXT NOT NULL,"
     " received_at TEXT NOT NULL,"
     " stored_at TEXT NOT NULL,"
     " supply_point_id INTEGER,"
     " meter_id INTEGER,"
     " appliance_id INTEGER,"
     " customer_id INTEGER,"
     " payload TEXT NOT NULL,"
     " UNIQUE (device_id, epoch, seq));"
     "CREATE INDEX device_events_point"
     " ON device_events (supply_point_id, device_at);"
     "CREATE INDEX device_events_device ON device_events (device_id, id);"},
    {NULL, 0, NULL},
};
