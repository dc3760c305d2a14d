/*
 * tokens.h — API tokens for integrations (連携用トークン).
 *
 * A tenant admin makes a token for a program (a bank-file tool, a
 * monitoring bridge): a name, a list of permissions (a subset of the
 * route permissions; never more than the admin holds), and an expiry of
 * 1–365 days. The token — "plt_<tenant id>_<43 random characters>" — is
 * shown once and stored only as its BLAKE2b hash. A program sends it as
 * "Authorization: Bearer <token>". Tokens reach only routes whose
 * permission they list; never session routes, never routes that need a
 * fresh second factor (ROUTE_STEP_UP), and need no CSRF token (no cookie
 * is involved). Every use is audited like any other change it makes.
 */
#ifndef PL_AUTH_TOKENS_H
#define PL_AUTH_TOKENS_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

struct store;

#define TOKEN_MAX_DAYS 365

/* Parse "plt_<tid>_<secret>"; false when malformed. secret borrows. */
bool token_parse(const char *bearer, int64_t *tenant_id, const char **secret);
/* Create a token (inside a transaction); *text receives the whole token
 * (shown once, at most 80 bytes). */
enum err token_create(struct store *st, int64_t tenant_id, const char *name,
                      const char *perms_json, int days, int64_t created_by,
                      int64_t now, int64_t *id, char *text, size_t n);
/* Find an unrevoked, unexpired token by its secret part: *id and its
 * permissions JSON into perms. ERR_AUTH_REQUIRED when none. */
enum err token_find(struct store *st, const char *secret, int64_t now,
                    int64_t *id, char *name, size_t name_n, char *perms,
                    size_t perms_n, int64_t *created_by);
/* Revoke. ERR_NOT_FOUND when there is no such active token. */
enum err token_revoke(struct store *st, int64_t id);

#endif
