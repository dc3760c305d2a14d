/*
 * remote_ops_migrations.c — remote shutoff and restore (遠隔遮断・復帰),
 * module "remote_ops" (remote_ops.h has the life of an operation).
 *
 * Tenant store, remote_operations: one row per operation. status is where
 * it is; the *_s columns are Unix seconds for the cap's window and the
 * deadlines (expires_s: first to approve, then to confirm), the *_at
 * columns UTC ISO text for people. command_id is the outbox row in the
 * platform store once approved; confirm_event_id the device_events row
 * that confirmed it (or reported that it failed: failed_at, failure).
 *
 * Platform store:
 *   remote_op_caps    the operator's shutoff cap per tenant (absent: the
 *                     default); written only by `pilotlight remote-ops
 *                     cap`, never by a route
 *   device_commands   the outbox ingest delivers from: queued → sent
 *                     (ingest) → done (serve, on confirmation) or
 *                     cancelled (expired); UNIQUE (tenant_id, op_id)
 */
#include "store/migrate.h"

#include <stddef.h>

const struct migration remote_ops_tenant_migrations[] = {
    {"remote_ops", 1,
     "CREATE TABLE remote_operations ("
     " id INTEGER PRIMARY KEY,"
     " device_id TEXT NOT NULL,"
     " action TEXT NOT NULL CHECK (action IN ('shutoff', 'restore')),"
     " reason TEXT NOT NULL,"
     " status TEXT NOT NULL DEFAULT 'requested'"
     "  CHECK (status IN ('requested', 'approved', 'sent', 'confirmed',"
     "   'rejected', 'expired', 'failed')),"
     " requested_by INTEGER NOT NULL,"
     " requested_at TEXT NOT NULL,"
     " requested_s INTEGER NOT NULL,"
     " expires_s INTEGER NOT NULL,"
     " decided_by INTEGER,"
     " decided_at TEXT,"
     " approved_s INTEGER,"
     " command_id INTEGER,"
     " sent_at TEXT,"
     " sent_via TEXT,"
     " confirmed_at TEXT,"
     " confirm_event_id INTEGER);"
     "CREATE INDEX remote_operations_device"
     " ON remote_operations (device_id, status);"
     "CREATE INDEX remote_operations_window"
     " ON remote_operations (action, requested_s);"},
    /* why an operation failed: the meter said so (device_reported) or
     * its device was retired before delivery (device_retired) */
    {"remote_ops", 2,
     "ALTER TABLE remote_operations ADD COLUMN failed_at TEXT;"
     "ALTER TABLE remote_operations ADD COLUMN failure TEXT;"},
    {NULL, 0, NULL},
};

const struct migration remote_ops_platform_migrations[] = {
    {"remote_ops", 1,
     "CREATE TABLE remote_op_caps ("
     " tenant_id INTEGER NOT NULL PRIMARY KEY REFERENCES tenants (id),"
     " shutoffs_per_hour INTEGER NOT NULL"
     "  CHECK (shutoffs_per_hour BETWEEN 0 AND 1000),"
     " set_by TEXT NOT NULL,"
     " set_at TEXT NOT NULL);"
     "CREATE TABLE device_commands ("
     " id INTEGER PRIMARY KEY,"
     " tenant_id INTEGER NOT NULL,"
     " op_id INTEGER NOT NULL,"
     " device_id TEXT NOT NULL,"
     " action TEXT NOT NULL CHECK (action IN ('shutoff', 'restore')),"
     " issued_at TEXT NOT NULL,"
     " expires_s INTEGER NOT NULL,"
     " status TEXT NOT NULL DEFAULT 'queued'"
     "  CHECK (status IN ('queued', 'sent', 'done', 'cancelled')),"
     " sent_at TEXT,"
     " sent_via TEXT,"
     " UNIQUE (tenant_id, op_id));"
     "CREATE INDEX device_commands_queue"
     " ON device_commands (status, device_id);"},
    {NULL, 0, NULL},
};
