/*
 * alarm_migrations.c — gas alarms and repair requests in the tenant
 * store, module "alarms" (serve's side; ingest keeps its own alarm list
 * in ingest.db, notify_alarm.c).
 *
 * alarms: one row per device event that is an alarm (alarm.h says
 * which), made in the same transaction that stores the event
 * (UNIQUE device_event_id: ingest may resend, an alarm is made once).
 * The event's links are copied (supply point, meter, appliance,
 * customer as the ledger placed it). state follows alarm.h; each move
 * keeps who (an actor: "user:12", "ingest-page:0001:yamada") and when;
 * ack_via says where it was acknowledged ('console' or 'ingest' — ingest's
 * own page, forwarded later). The response record (出動記録): responder
 * (who went), arrived_at, findings (what was found), action (what was
 * done), note. updated_seq grows with every change (live updates read
 * changes after the last one they sent).
 *
 * repair_requests (修理受付): a water heater's error opens one; at most
 * one open request per device and error code (a water-heater adapter
 * serves one appliance): a repeat counts in occurrences and last_at.
 */
#include "store/migrate.h"

#include <stddef.h>

const struct migration alarms_tenant_migrations[] = {
    {"alarms", 1,
     "CREATE TABLE alarms ("
     " id INTEGER PRIMARY KEY,"
     " device_event_id INTEGER NOT NULL UNIQUE,"
     " device_id TEXT NOT NULL,"
     " epoch INTEGER NOT NULL,"
     " seq INTEGER NOT NULL,"
     " kind TEXT NOT NULL,"
     " severity TEXT NOT NULL"
     "  CHECK (severity IN ('info', 'warning', 'critical')),"
     " shutoff INTEGER NOT NULL DEFAULT 0 CHECK (shutoff IN (0, 1)),"
     " vendor_code TEXT,"
     " error_code TEXT,"
     " supply_point_id INTEGER,"
     " meter_id INTEGER,"
     " appliance_id INTEGER,"
     " customer_id INTEGER,"
     " device_at TEXT NOT NULL,"
     " received_at TEXT NOT NULL,"
     " created_at TEXT NOT NULL,"
     " state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open',"
     "  'acknowledged', 'dispatched', 'resolved')),"
     " acknowledged_by TEXT,"
     " acknowledged_at TEXT,"
     " ack_via TEXT CHECK (ack_via IN ('console', 'ingest')),"
     " dispatched_by TEXT,"
     " dispatched_at TEXT,"
     " resolved_by TEXT,"
     " resolved_at TEXT,"
     " responder TEXT,"
     " arrived_at TEXT,"
     " findings TEXT,"
     " action TEXT,"
     " note TEXT,"
     " updated_seq INTEGER NOT NULL DEFAULT 0,"
     " UNIQUE (device_id, epoch, seq));"
     "CREATE INDEX alarms_state ON alarms (state, id);"
     "CREATE INDEX alarms_updated ON alarms (updated_seq);"
     "CREATE TABLE repair_requests ("
     " id INTEGER PRIMARY KEY,"
     " device_event_id INTEGER NOT NULL UNIQUE,"
     " device_id TEXT NOT NULL,"
     " error_code TEXT NOT NULL,"
     " appliance_id INTEGER,"
     " supply_point_id INTEGER,"
     " customer_id INTEGER,"
     " state TEXT NOT NULL DEFAULT 'received'"
     "  CHECK (state IN ('received', 'scheduled', 'done')),"
     " occurrences INTEGER NOT NULL DEFAULT 1,"
     " first_at TEXT NOT NULL,"
     " last_at TEXT NOT NULL,"
     " scheduled_for TEXT,"
     " note TEXT,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL,"
     " updated_by TEXT);"
     "CREATE UNIQUE INDEX repair_requests_open"
     " ON repair_requests (device_id, error_code) WHERE state <> 'done';"
     "CREATE INDEX repair_requests_state ON repair_requests (state, id);"},
    {NULL, 0, NULL},
};
