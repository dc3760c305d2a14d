/*
 * schema.c — which migration lists make up each kind of store.
 *
 * A module adds its list here, at the end of the kind it belongs to. Order
 * matters only between modules whose tables reference each other.
 */
#include "store/migrate.h"

#include <stddef.h>

/* store_info: facts about the store itself (which tenant it belongs to). */
static const struct migration store_tenant_migrations[] = {
    {"store", 1,
     "CREATE TABLE store_info (key TEXT NOT NULL PRIMARY KEY,"
     " value TEXT NOT NULL)"},
    {NULL, 0, NULL},
};

/* store_capture: the store's journal sequence (store/capture.c). */
extern const struct migration capture_migrations[];
extern const struct migration tenants_platform_migrations[];
extern const struct migration audit_platform_migrations[];
extern const struct migration audit_tenant_migrations[];
extern const struct migration auth_platform_migrations[];
extern const struct migration auth_tenant_migrations[];
extern const struct migration customers_tenant_migrations[];
extern const struct migration metering_tenant_migrations[];
extern const struct migration billing_tenant_migrations[];
extern const struct migration cost_formula_tenant_migrations[];
extern const struct migration payments_tenant_migrations[];
extern const struct migration devices_platform_migrations[];
extern const struct migration monitor_tenant_migrations[];
extern const struct migration alarms_tenant_migrations[];
extern const struct migration remote_ops_platform_migrations[];
extern const struct migration remote_ops_tenant_migrations[];

/* One list per line (clang-format off keeps it so). */
// clang-format off
const struct migration *const schema_platform[] = {
    capture_migrations,
    tenants_platform_migrations,
    audit_platform_migrations,
    auth_platform_migrations,
    devices_platform_migrations,
    remote_ops_platform_migrations,
    NULL,
};

const struct migration *const schema_tenant[] = {
    store_tenant_migrations,
    capture_migrations,
    audit_tenant_migrations,
    auth_tenant_migrations,
    customers_tenant_migrations,
    metering_tenant_migrations,
    billing_tenant_migrations,
    cost_formula_tenant_migrations,
    payments_tenant_migrations,
    monitor_tenant_migrations,
    remote_ops_tenant_migrations,
    alarms_tenant_migrations,
    NULL,
};
// clang-format on
