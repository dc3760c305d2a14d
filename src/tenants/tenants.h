/*
 * tenants.h — the tenant registry (事業者): one LP gas retailer each.
 *
 * A tenant has an internal id (the registry's, used for its store file) and
 * a code, the retailer's short code typed at login ("0001"). Codes are
 * 4–12 ASCII letters, digits or inner hyphens, unique regardless of case.
 * Names are 1–100 characters of valid UTF-8 without control characters or
 * surrounding spaces ("〇〇ガス株式会社"). Prefecture, when given, is one of
 * the 47 (都道府県) written in full ("北海道", "東京都", "大阪府", "静岡県").
 */
#ifndef PL_TENANTS_TENANTS_H
#define PL_TENANTS_TENANTS_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define TENANT_CODE_MAX       12
#define TENANT_NAME_MAX_CHARS 100

struct tenant {
    int64_t id;
    char code[TENANT_CODE_MAX + 1];
    char name[TENANT_NAME_MAX_CHARS * 4 + 1];
    char prefecture[16]; /* "" when not set */
    char status[16];     /* "active" or "suspended" */
    char created_at[32];
};

/* Validation (no I/O). Each returns ERR_OK or its ERR_TENANT_* code with a
 * detail naming the problem. */
enum err tenant_check_code(const char *code);
enum err tenant_check_name(const char *name);
enum err tenant_check_prefecture(const char *pref);
/* The 47 prefectures in JIS order (JIS X 0401), index 0 = 北海道. */
extern const char *const tenant_prefectures[47];

/*
 * Register a tenant and create its store under data_dir, atomically: if the
 * store cannot be made, the registry row is rolled back. actor goes to the
 * audit entry. *out receives the new tenant.
 */
enum err tenant_create(struct store *platform, const char *data_dir,
                       const char *actor, const char *code, const char *name,
                       const char *prefecture, struct tenant *out);
/* Look a tenant up by code (case-insensitive). ERR_TENANT_NOT_FOUND. */
enum err tenant_find_code(struct store *platform, const char *code,
                          struct tenant *out);
/* Look a tenant up by registry id. ERR_TENANT_NOT_FOUND. */
enum err tenant_find_id(struct store *platform, int64_t id, struct tenant *out);
/* Call fn for every tenant in code order; stops early if fn returns false. */
enum err tenant_each(struct store *platform,
                     bool (*fn)(const struct tenant *t, void *arg), void *arg);
/* Number of tenants. */
enum err tenant_count(struct store *platform, int64_t *out);

#endif
