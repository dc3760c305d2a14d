/*
 * customers_migrations.c — the customer ledger (顧客台帳) in the tenant
 * store.
 *
 * customers: one row per customer (顧客), keyed for people by the
 * retailer's own number; version counts edits for optimistic locking
 * (If-Match). customer_history: before/after of each edit. supply_points:
 * the places gas is delivered (供給地点). occupancy: who lived where and
 * when (転居・入居); moved_out is NULL for the current occupant.
 *
 * Version 2 adds what hangs off a supply point: contracts (契約, with the
 * bank account for 口座振替), meters (メーター) and their exchanges,
 * cylinder set-ups (容器設置) and appliances (消費機器); record_history
 * (before/after of each edit of those and of supply points); and the
 * search keys: normalized name/kana prefixes, phone digits, and the FTS5
 * trigram index customer_search (rowid = customer id). The search index is
 * derived data: it is rebuilt from the tables (customer_search_rebuild),
 * so change capture and restore may skip it.
 *
 * Version 3 adds supply_points.notes: what a meter reader must know at
 * the door (犬注意, where the key is), shown on the route sheet.
 *
 * Meter indexes (指針) are integers in tenths of a m³ (0.1 m³ is the
 * smallest unit read); the API shows them as "1234.5".
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
    {"customers", 2,
     "CREATE TABLE contracts ("
     " id INTEGER PRIMARY KEY,"
     " supply_point_id INTEGER NOT NULL REFERENCES supply_points (id),"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " tariff_id INTEGER,"
     " start_date TEXT NOT NULL,"
     " end_date TEXT,"
     " payment_method TEXT NOT NULL"
     "  CHECK (payment_method IN ('debit', 'transfer', 'collection', 'cvs')),"
     " bank_code TEXT,"
     " branch_code TEXT,"
     " account_type TEXT CHECK (account_type IN ('1', '2', '9')),"
     " account_number TEXT,"
     " account_holder TEXT,"
     " notes TEXT,"
     " version INTEGER NOT NULL DEFAULT 1,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL,"
     " CHECK (end_date IS NULL OR end_date >= start_date));"
     "CREATE INDEX contracts_point ON contracts (supply_point_id);"
     "CREATE INDEX contracts_customer ON contracts (customer_id);"
     "CREATE TABLE meters ("
     " id INTEGER PRIMARY KEY,"
     " supply_point_id INTEGER NOT NULL REFERENCES supply_points (id),"
     " serial TEXT NOT NULL,"
     " maker TEXT,"
     " model TEXT,"
     " kind TEXT NOT NULL CHECK (kind IN ('E', 'S', 'smart')),"
     " capacity TEXT,"
     " digits INTEGER NOT NULL DEFAULT 4 CHECK (digits BETWEEN 3 AND 8),"
     " install_date TEXT NOT NULL,"
     " initial_index INTEGER NOT NULL DEFAULT 0,"
     " certification_expiry TEXT,"
     " device_id TEXT,"
     " removed_date TEXT,"
     " final_index INTEGER,"
     " notes TEXT,"
     " version INTEGER NOT NULL DEFAULT 1,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE INDEX meters_point ON meters (supply_point_id);"
     "CREATE INDEX meters_serial ON meters (serial);"
     "CREATE UNIQUE INDEX meters_installed ON meters (supply_point_id)"
     " WHERE removed_date IS NULL;"
     "CREATE TABLE meter_exchanges ("
     " id INTEGER PRIMARY KEY,"
     " supply_point_id INTEGER NOT NULL REFERENCES supply_points (id),"
     " old_meter_id INTEGER NOT NULL REFERENCES meters (id),"
     " new_meter_id INTEGER NOT NULL REFERENCES meters (id),"
     " exchanged_on TEXT NOT NULL,"
     " old_final_index INTEGER NOT NULL,"
     " new_initial_index INTEGER NOT NULL,"
     " reason TEXT,"
     " actor TEXT NOT NULL,"
     " created_at TEXT NOT NULL);"
     "CREATE INDEX meter_exchanges_point ON meter_exchanges (supply_point_id);"
     "CREATE TABLE cylinders ("
     " id INTEGER PRIMARY KEY,"
     " supply_point_id INTEGER NOT NULL REFERENCES supply_points (id),"
     " size_kg INTEGER NOT NULL CHECK (size_kg BETWEEN 1 AND 1000),"
     " supply_count INTEGER NOT NULL CHECK (supply_count BETWEEN 1 AND 20),"
     " reserve_count INTEGER NOT NULL CHECK (reserve_count BETWEEN 0 AND 20),"
     " switch_kind TEXT NOT NULL"
     "  CHECK (switch_kind IN ('auto', 'manual', 'none')),"
     " usage_30d INTEGER,"
     " gas_out_index INTEGER,"
     " installed_date TEXT,"
     " removed_date TEXT,"
     " notes TEXT,"
     " version INTEGER NOT NULL DEFAULT 1,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE INDEX cylinders_point ON cylinders (supply_point_id);"
     "CREATE TABLE appliances ("
     " id INTEGER PRIMARY KEY,"
     " supply_point_id INTEGER NOT NULL REFERENCES supply_points (id),"
     " kind TEXT NOT NULL CHECK (kind IN ('water_heater', 'stove', 'heater',"
     "  'oven', 'dryer', 'other')),"
     " maker TEXT,"
     " model TEXT,"
     " serial TEXT,"
     " install_date TEXT,"
     " ownership TEXT NOT NULL"
     "  CHECK (ownership IN ('ours', 'leased', 'customer')),"
     " device_id TEXT,"
     " removed_date TEXT,"
     " notes TEXT,"
     " version INTEGER NOT NULL DEFAULT 1,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE INDEX appliances_point ON appliances (supply_point_id);"
     "CREATE TABLE record_history ("
     " id INTEGER PRIMARY KEY,"
     " kind TEXT NOT NULL,"
     " record_id INTEGER NOT NULL,"
     " changed_at TEXT NOT NULL,"
     " actor TEXT NOT NULL,"
     " before TEXT NOT NULL,"
     " after TEXT NOT NULL);"
     "CREATE INDEX record_history_record ON record_history (kind, record_id);"
     "ALTER TABLE customers ADD COLUMN name_key TEXT;"
     "ALTER TABLE customers ADD COLUMN kana_key TEXT;"
     "CREATE INDEX customers_name_key ON customers (name_key);"
     "CREATE INDEX customers_kana_key ON customers (kana_key);"
     "CREATE TABLE customer_phones ("
     " digits TEXT NOT NULL,"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " PRIMARY KEY (digits, customer_id)) WITHOUT ROWID;"
     "CREATE INDEX customer_phones_customer ON customer_phones (customer_id);"
     "CREATE VIRTUAL TABLE customer_search USING fts5 ("
     " doc, tokenize = 'trigram');"},
    {"customers", 3, "ALTER TABLE supply_points ADD COLUMN notes TEXT;"},
    /* the contract in force at a point on a date: newest start first,
     * straight from the index (the billing run asks it per reading) */
    {"customers", 4,
     "CREATE INDEX contracts_point_start"
     " ON contracts (supply_point_id, start_date, id);"
     "DROP INDEX contracts_point;"},
    {NULL, 0, NULL},
};
