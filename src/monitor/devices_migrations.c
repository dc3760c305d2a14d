/*
 * devices_migrations.c — the device registry (機器台帳 of 集中監視) in the
 * platform store, module "devices".
 *
 * devices: one row per monitoring device, keyed by its id (unique on the
 * platform: ingest learns nothing but the id from a request). tenant_id
 * says whose it is; kind what it is; meter_id / appliance_id /
 * supply_point_id the ledger records it was linked to when registered
 * (ids in the tenant's store; serve resolves links again from the
 * ledger for each event). The key is stored only sealed to ingest's key
 * pair (key_sealed, base64; see auth/devkey.h) with its fingerprint
 * (key_fp) and the sealing key's id (seal_kid). epoch counts keys: it is
 * 1 at registration and grows at each re-key or re-registration;
 * sequence numbers start again with each epoch. last_seen_at and
 * last_seq are written by ingest now and then (information only: ingest's
 * own store is authoritative for sequences). rev orders changes for
 * ingest's key cache: every change a person makes takes the next rev;
 * ingest's last-seen writes do not.
 *
 * device_seal_keys: the public halves of ingest's sealing key pairs
 * (kid: first 8 bytes of BLAKE2b-256, hex). ingest publishes its key at
 * start-up; a registration seals to the newest.
 */
#include "store/migrate.h"

#include <stddef.h>

const struct migration devices_platform_migrations[] = {
    {"devices", 1,
     "CREATE TABLE devices ("
     " device_id TEXT NOT NULL PRIMARY KEY,"
     " tenant_id INTEGER NOT NULL REFERENCES tenants (id),"
     " kind TEXT NOT NULL"
     "  CHECK (kind IN ('smart_meter', 'water_heater', 'gateway')),"
     " meter_id INTEGER,"
     " appliance_id INTEGER,"
     " supply_point_id INTEGER,"
     " note TEXT,"
     " status TEXT NOT NULL DEFAULT 'active'"
     "  CHECK (status IN ('active', 'retired')),"
     " epoch INTEGER NOT NULL DEFAULT 1 CHECK (epoch >= 1),"
     " key_sealed TEXT NOT NULL,"
     " key_fp TEXT NOT NULL,"
     " seal_kid TEXT NOT NULL,"
     " registered_at TEXT NOT NULL,"
     " registered_by TEXT NOT NULL,"
     " retired_at TEXT,"
     " retired_by TEXT,"
     " last_seen_at TEXT,"
     " last_seq INTEGER,"
     " rev INTEGER NOT NULL);"
     "CREATE INDEX devices_tenant ON devices (tenant_id, device_id);"
     "CREATE UNIQUE INDEX devices_rev ON devices (rev);"
     "CREATE TABLE device_seal_keys ("
     " kid TEXT NOT NULL PRIMARY KEY,"
     " public_key TEXT NOT NULL,"
     " created_at TEXT NOT NULL);"},
    {NULL, 0, NULL},
};
