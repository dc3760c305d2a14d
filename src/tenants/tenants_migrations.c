/*
 * tenants_migrations.c — the tenant registry in the platform store.
 */
#include "store/migrate.h"

#include <stddef.h>

const struct migration tenants_platform_migrations[] = {
    {"tenants", 1,
     "CREATE TABLE tenants ("
     " id INTEGER PRIMARY KEY,"
     " code TEXT NOT NULL COLLATE NOCASE UNIQUE,"
     " name TEXT NOT NULL,"
     " prefecture TEXT NOT NULL DEFAULT '',"
     " status TEXT NOT NULL DEFAULT 'active'"
     "  CHECK (status IN ('active', 'suspended')),"
     " created_at TEXT NOT NULL)"},
    {NULL, 0, NULL},
};
