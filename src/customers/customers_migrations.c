/*
 * customers_migrations.c — the customer ledger (顧客台帳) in the tenant
 * store.
 *
 * customers: one row per customer (顧客), keyed for people by the
 * retailer's own number; version counts edits for optimistic locking
 * (If-Match). customer_history: before/after of each edit. supply_points:
 * the places gas is delivered (供給地点). occupancy: who lived where and
 * when (転居・入居); moved_out is NULL for the current occupant.
 */
#include "store/migrate.h"

#include <stddef.h>

const struct migration customers_tenant_migrations[] = {
    {"customers", 1,
     "CREATE TABLE customers ("
     " id INTEGER PRIMARY KEY,"
     " number TEXT NOT NULL UNIQUE,"
     " name TEXT NOT NULL,"
     " kana TEXT NOT NULL,"
     " kind TEXT NOT NULL CHECK (kind IN ('household', 'business')),"
     " phone1 TEXT,"
     " phone2 TEXT,"
     " email TEXT,"
     " postal_code TEXT,"
     " prefecture TEXT,"
     " address TEXT,"
     " notes TEXT,"
     " status TEXT NOT NULL DEFAULT 'active'"
     "  CHECK (status IN ('active', 'suspended', 'closed')),"
     " version INTEGER NOT NULL DEFAULT 1,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE TABLE customer_history ("
     " id INTEGER PRIMARY KEY,"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " changed_at TEXT NOT NULL,"
     " actor TEXT NOT NULL,"
     " before TEXT NOT NULL,"
     " after TEXT NOT NULL);"
     "CREATE INDEX customer_history_customer"
     " ON customer_history (customer_id);"
     "CREATE TABLE supply_points ("
     " id INTEGER PRIMARY KEY,"
     " prefecture TEXT NOT NULL,"
     " city TEXT NOT NULL,"
     " street TEXT NOT NULL,"
     " building TEXT,"
     " room TEXT,"
     " lat TEXT,"
     " lng TEXT,"
     " supply_kind TEXT NOT NULL"
     "  CHECK (supply_kind IN ('individual', 'bulk', 'collective')),"
     " route TEXT,"
     " route_order INTEGER,"
     " billing_group INTEGER CHECK (billing_group BETWEEN 1 AND 31),"
     " version INTEGER NOT NULL DEFAULT 1,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE TABLE occupancy ("
     " id INTEGER PRIMARY KEY,"
     " supply_point_id INTEGER NOT NULL REFERENCES supply_points (id),"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " moved_in TEXT NOT NULL,"
     " moved_out TEXT);"
     "CREATE INDEX occupancy_point ON occupancy (supply_point_id);"
     "CREATE INDEX occupancy_customer ON occupancy (customer_id);"},
    {NULL, 0, NULL},
};
