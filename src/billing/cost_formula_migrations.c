/*
 * cost_formula_migrations.c — 原料費調整 by formula in the tenant store
 * (cost_formula.h describes the model): the tenant's formula (one row)
 * and the reference prices by month. Money in integers: $/t in cents,
 * ¥/$ and ¥/t and ¥/m³ in hundredths, the conversion factor in
 * thousandths of a m³ per kg.
 */
#include "store/migrate.h"

#include <stddef.h>

const struct migration cost_formula_tenant_migrations[] = {
    {"cost_formula", 1,
     "CREATE TABLE cost_formula ("
     " id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),"
     " base_cyen_per_t INTEGER NOT NULL CHECK (base_cyen_per_t > 0),"
     " cp_weight INTEGER NOT NULL,"
     " mb_weight INTEGER NOT NULL,"
     " conversion_milli INTEGER NOT NULL,"
     " step_cyen INTEGER NOT NULL,"
     " dead_band_cyen INTEGER NOT NULL,"
     " rounding TEXT NOT NULL,"
     " lag_months INTEGER NOT NULL,"
     " period_months INTEGER NOT NULL,"
     " average_months INTEGER NOT NULL,"
     " tax_included INTEGER NOT NULL,"
     " updated_at TEXT NOT NULL,"
     " updated_by TEXT NOT NULL,"
     " CHECK (cp_weight + mb_weight = 100));"
     "CREATE TABLE cost_references ("
     " month TEXT NOT NULL PRIMARY KEY,"
     " cp_cusd INTEGER NOT NULL,"
     " mb_cusd INTEGER,"
     " tts_csen INTEGER NOT NULL,"
     " freight_cusd INTEGER NOT NULL DEFAULT 0,"
     " updated_at TEXT NOT NULL,"
     " updated_by TEXT NOT NULL);"},
    {NULL, 0, NULL},
};
