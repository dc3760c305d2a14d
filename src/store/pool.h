/*
 * pool.h — per-thread connections to the platform store and an LRU of
 * tenant stores, under one data directory.
 *
 * Layout of DATA (created 0700 on first use):
 *   DATA/platform.db          tenant registry, platform audit
 *   DATA/tenants/<id>.db      one file per tenant; <id> is the registry id
 *
 * A request opens exactly one tenant's file, found by the id the registry
 * gave; nothing user-supplied becomes a path. Each tenant file records its
 * own tenant id (store_info), and a file whose id does not match is refused
 * (ERR_STORE_MISMATCH): a file copied into the wrong place cannot serve
 * another tenant's requests.
 *
 * Connections are per thread (SQLite connections are not shared between
 * threads here); a thread's connections close when it exits, or with
 * pool_thread_release().
 */
#ifndef PL_STORE_POOL_H
#define PL_STORE_POOL_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

struct store;

/* Set the data dir (created if absent) and tenant LRU size per thread. */
enum err pool_init(const char *data_dir, size_t tenants_per_thread);
/* The data dir given to pool_init. */
const char *pool_data_dir(void);
/* This thread's platform store, opened (and migrated) on first use. */
enum err pool_platform(struct store **out);
/* This thread's connection to tenant_id's store. ERR_TENANT_NOT_FOUND when
 * the tenant has no store file. Borrowed: do not close. */
enum err pool_tenant(int64_t tenant_id, struct store **out);
/* Close this thread's connections now. */
void pool_thread_release(void);
/* Tenant stores open across all threads (a metrics gauge). */
size_t pool_open_tenant_stores(void);

/* Path of tenant_id's store under data_dir into out. */
void pool_tenant_path(const char *data_dir, int64_t tenant_id, char *out,
                      size_t n);
/* Create a new tenant store file for tenant_id/code (must not exist). */
enum err pool_create_tenant_store(const char *data_dir, int64_t tenant_id,
                                  const char *code);

#endif
