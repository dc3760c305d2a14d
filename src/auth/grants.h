/*
 * grants.h — support grants: a tenant admin lets a named platform operator
 * into the tenant's data for a bounded time.
 *
 * Operators cannot see tenant data otherwise. A grant names the operator's
 * login, read or write access, a reason, and an expiry (1–72 hours); the
 * tenant can revoke it at any time. Every request made under a grant is
 * written to the tenant's audit log (support.access) with the operator's
 * identity, so the tenant sees exactly what support looked at.
 */
#ifndef PL_AUTH_GRANTS_H
#define PL_AUTH_GRANTS_H

#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>

struct req;
struct store;
struct auth_ctx;

#define GRANT_MAX_HOURS 72

struct grant {
    int64_t id;
    char operator_login[65];
    char access[8]; /* "read" or "write" */
    char reason[600];
    int64_t granted_by; /* tenant user id */
    char created_at[32];
    int64_t expires_at;  /* unix seconds */
    char revoked_at[32]; /* "" while not revoked */
};

/* Insert a grant (inside the caller's transaction). */
enum err grant_create(struct store *st, const char *operator_login,
                      const char *access, int hours, const char *reason,
                      int64_t granted_by, int64_t now, struct grant *out);
/* The newest unexpired, unrevoked grant for operator_login at now;
 * ERR_AUTH_FORBIDDEN when there is none. */
enum err grant_find_active(struct store *st, const char *operator_login,
                           int64_t now, struct grant *out);
/* Revoke grant id (inside the caller's transaction). ERR_NOT_FOUND. */
enum err grant_revoke(struct store *st, int64_t id);
/* Every grant, newest first. */
enum err grant_each(struct store *st, bool (*fn)(const struct grant *, void *),
                    void *arg);
/* Audit one request made under a grant (called by the authorizer). */
void grant_audit_access(struct req *r, struct auth_ctx *a);

#endif
