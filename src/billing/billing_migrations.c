/*
 * billing_migrations.c — tariffs and the billing run (料金計算・請求) in the
 * tenant store.
 *
 * Money: charges and totals are integer yen (amount_yen); unit prices and
 * fees are integer hundredths of a yen (…_cyen: ¥735.99 = 73599), so a
 * published price is held exactly and only a line is rounded to the yen,
 * by the tenant's rounding mode. Usage is integer tenths of a m³, as every
 * index in the ledger.
 *
 * tariffs: a retailer's price table (料金表) by code; its prices live in
 * tariff_versions, each effective from a date (a price change is a new
 * version; issued invoices keep a snapshot, so nothing here ever changes
 * them). tariff_bands: a version's usage brackets (スライド), inclusive
 * upper bounds in tenths (NULL = no upper bound), each with a unit price
 * and, for whole-usage tables (単純スライド), its own base fee.
 * cost_adjustments: 原料費調整 per month (¥/m³ in hundredths), entered or
 * computed from the tenant's formula. equipment_fees: 設備料金 of a
 * contract, tied to the appliance it pays for. charges: other open items
 * (sales, work, fees) waiting for an invoice, with their tax rate.
 *
 * billing_runs: one per billing group (締め日) and month; invoices: one per
 * contract and reading, numbered without gaps per tenant (invoice_counter,
 * taken in the same transaction as the invoice), with lines
 * (invoice_lines) and a JSON snapshot of what priced them; a correction
 * (赤黒訂正) voids an invoice and issues one that names it.
 *
 * v2: the part of a snapshot that thousands of invoices share (the tariff
 * version, the billing settings, the issuer: about 800 bytes) is stored
 * once in invoice_bases, named by its BLAKE2b digest, and an invoice's
 * snapshot keeps only what is its own (basis_id NULL: an older invoice
 * whose snapshot holds everything). invoice_lines is clustered on
 * (invoice_id, position) (WITHOUT ROWID): one b-tree instead of a table
 * and its unique index. Together about 40% less written per invoice.
 * Its checks are OR chains: SQLite builds a throwaway index for a CHECK's
 * IN list on every row it inserts.
 *
 * v3: a version entered with a mistake can be corrected in place
 * (PUT /tariffs/{id}/versions/{vid}); tariff_versions.revision is its ETag
 * and tariff_version_corrections keeps each superseded content (before and
 * after as JSON, who, when, why; effective_from_before lets the invoices
 * priced under an earlier date of the version be found). Issued invoices
 * are untouched: their snapshots keep what priced them.
 */
#include "store/migrate.h"

#include <stddef.h>

const struct migration billing_tenant_migrations[] = {
    {"billing", 1,
     "CREATE TABLE tariffs ("
     " id INTEGER PRIMARY KEY,"
     " code TEXT NOT NULL UNIQUE,"
     " name TEXT NOT NULL,"
     " kind TEXT NOT NULL CHECK (kind IN ('two_part', 'three_part',"
     "  'minimum', 'fixed')),"
     " notes TEXT,"
     " version INTEGER NOT NULL DEFAULT 1,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE TABLE tariff_versions ("
     " id INTEGER PRIMARY KEY,"
     " tariff_id INTEGER NOT NULL REFERENCES tariffs (id),"
     " effective_from TEXT NOT NULL,"
     " tax_included INTEGER NOT NULL CHECK (tax_included IN (0, 1)),"
     " slide TEXT NOT NULL CHECK (slide IN ('block', 'whole')),"
     " base_fee_cyen INTEGER NOT NULL DEFAULT 0,"
     " equipment_fee_cyen INTEGER NOT NULL DEFAULT 0,"
     " minimum_charge_cyen INTEGER,"
     " minimum_usage_tenths INTEGER,"
     " fixed_amount_cyen INTEGER,"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL,"
     " UNIQUE (tariff_id, effective_from));"
     "CREATE TABLE tariff_bands ("
     " id INTEGER PRIMARY KEY,"
     " version_id INTEGER NOT NULL REFERENCES tariff_versions (id),"
     " position INTEGER NOT NULL,"
     " upper_tenths INTEGER,"
     " unit_price_cyen INTEGER NOT NULL,"
     " base_fee_cyen INTEGER,"
     " UNIQUE (version_id, position));"
     "CREATE TABLE cost_adjustments ("
     " month TEXT NOT NULL PRIMARY KEY,"
     " cyen_per_m3 INTEGER NOT NULL,"
     " tax_included INTEGER NOT NULL CHECK (tax_included IN (0, 1)),"
     " source TEXT NOT NULL CHECK (source IN ('entered', 'formula')),"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL);"
     "CREATE TABLE equipment_fees ("
     " id INTEGER PRIMARY KEY,"
     " contract_id INTEGER NOT NULL REFERENCES contracts (id),"
     " appliance_id INTEGER REFERENCES appliances (id),"
     " description TEXT NOT NULL,"
     " fee_cyen INTEGER NOT NULL CHECK (fee_cyen >= 0),"
     " starts_on TEXT NOT NULL,"
     " ends_on TEXT,"
     " created_at TEXT NOT NULL);"
     "CREATE INDEX equipment_fees_contract ON equipment_fees (contract_id);"
     "CREATE TABLE charges ("
     " id INTEGER PRIMARY KEY,"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " contract_id INTEGER REFERENCES contracts (id),"
     " description TEXT NOT NULL,"
     " amount_yen INTEGER NOT NULL,"
     " tax_rate INTEGER NOT NULL CHECK (tax_rate IN (0, 8, 10)),"
     " tax_included INTEGER NOT NULL CHECK (tax_included IN (0, 1)),"
     " charge_date TEXT NOT NULL,"
     " invoice_id INTEGER REFERENCES invoices (id),"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL);"
     "CREATE INDEX charges_open ON charges (customer_id)"
     " WHERE invoice_id IS NULL;"
     "CREATE TABLE billing_runs ("
     " id INTEGER PRIMARY KEY,"
     " billing_group INTEGER NOT NULL,"
     " month TEXT NOT NULL,"
     " status TEXT NOT NULL CHECK (status IN ('running', 'committed')),"
     " contracts_total INTEGER NOT NULL DEFAULT 0,"
     " contracts_done INTEGER NOT NULL DEFAULT 0,"
     " started_at TEXT NOT NULL,"
     " started_by TEXT NOT NULL,"
     " finished_at TEXT,"
     " UNIQUE (billing_group, month));"
     "CREATE TABLE invoice_counter ("
     " id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),"
     " next_number INTEGER NOT NULL);"
     "INSERT INTO invoice_counter (id, next_number) VALUES (1, 1);"
     "CREATE TABLE invoices ("
     " id INTEGER PRIMARY KEY,"
     " number INTEGER NOT NULL UNIQUE,"
     " run_id INTEGER REFERENCES billing_runs (id),"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " contract_id INTEGER NOT NULL REFERENCES contracts (id),"
     " supply_point_id INTEGER NOT NULL REFERENCES supply_points (id),"
     " reading_id INTEGER REFERENCES readings (id),"
     " issued_on TEXT NOT NULL,"
     " period_from TEXT,"
     " period_to TEXT,"
     " usage_tenths INTEGER,"
     " subtotal_yen INTEGER NOT NULL,"
     " tax_yen INTEGER NOT NULL,"
     " total_yen INTEGER NOT NULL,"
     " previous_balance_yen INTEGER NOT NULL DEFAULT 0,"
     " amount_due_yen INTEGER NOT NULL,"
     " due_on TEXT,"
     " payment_method TEXT,"
     " status TEXT NOT NULL DEFAULT 'issued'"
     "  CHECK (status IN ('issued', 'void')),"
     " corrects_id INTEGER REFERENCES invoices (id),"
     " snapshot TEXT NOT NULL,"
     " created_at TEXT NOT NULL);"
     "CREATE UNIQUE INDEX invoices_once ON invoices (contract_id, reading_id)"
     " WHERE corrects_id IS NULL AND reading_id IS NOT NULL;"
     "CREATE INDEX invoices_customer ON invoices (customer_id);"
     "CREATE INDEX invoices_run ON invoices (run_id);"
     "CREATE TABLE invoice_lines ("
     " id INTEGER PRIMARY KEY,"
     " invoice_id INTEGER NOT NULL REFERENCES invoices (id),"
     " position INTEGER NOT NULL,"
     " kind TEXT NOT NULL CHECK (kind IN ('base', 'usage', 'equipment',"
     "  'adjustment', 'charge', 'correction')),"
     " description TEXT NOT NULL,"
     " quantity_tenths INTEGER,"
     " unit_price_cyen INTEGER,"
     " amount_yen INTEGER NOT NULL,"
     " tax_rate INTEGER NOT NULL CHECK (tax_rate IN (0, 8, 10)),"
     " UNIQUE (invoice_id, position));"},
    {"billing", 2,
     "CREATE TABLE invoice_lines_v2 ("
     " invoice_id INTEGER NOT NULL REFERENCES invoices (id),"
     " position INTEGER NOT NULL,"
     " kind TEXT NOT NULL CHECK (kind = 'base' OR kind = 'usage'"
     "  OR kind = 'equipment' OR kind = 'adjustment' OR kind = 'charge'"
     "  OR kind = 'correction'),"
     " description TEXT NOT NULL,"
     " quantity_tenths INTEGER,"
     " unit_price_cyen INTEGER,"
     " amount_yen INTEGER NOT NULL,"
     " tax_rate INTEGER NOT NULL"
     "  CHECK (tax_rate = 10 OR tax_rate = 8 OR tax_rate = 0),"
     " PRIMARY KEY (invoice_id, position)) WITHOUT ROWID;"
     "INSERT INTO invoice_lines_v2 SELECT invoice_id, position, kind,"
     " description, quantity_tenths, unit_price_cyen, amount_yen, tax_rate"
     " FROM invoice_lines;"
     "DROP TABLE invoice_lines;"
     "ALTER TABLE invoice_lines_v2 RENAME TO invoice_lines;"
     "CREATE TABLE invoice_bases ("
     " id INTEGER PRIMARY KEY,"
     " digest TEXT NOT NULL UNIQUE,"
     " body TEXT NOT NULL,"
     " created_at TEXT NOT NULL);"
     "ALTER TABLE invoices ADD COLUMN"
     " basis_id INTEGER REFERENCES invoice_bases (id);"},
    {"billing", 3,
     "ALTER TABLE tariff_versions ADD COLUMN"
     " revision INTEGER NOT NULL DEFAULT 1;"
     "CREATE TABLE tariff_version_corrections ("
     " id INTEGER PRIMARY KEY,"
     " version_id INTEGER NOT NULL REFERENCES tariff_versions (id),"
     " revision INTEGER NOT NULL,"
     " reason TEXT NOT NULL,"
     " effective_from_before TEXT NOT NULL,"
     " before TEXT NOT NULL,"
     " after TEXT NOT NULL,"
     " corrected_at TEXT NOT NULL,"
     " corrected_by TEXT NOT NULL,"
     " UNIQUE (version_id, revision));"},
    /* v4: an invoice's lines as one JSON array in its row (invoices.lines)
     * instead of a row each: they are written once, never changed and
     * always read whole with the invoice, and every row written is a row
     * the backup's change capture records (≈2.5 µs each); six rows an
     * invoice became one. invoice_lines keeps the lines of invoices issued
     * before (lines NULL). */
    {"billing", 4, "ALTER TABLE invoices ADD COLUMN lines TEXT;"},
    {NULL, 0, NULL},
};
