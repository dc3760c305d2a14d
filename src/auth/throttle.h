/*
 * throttle.h — slowing down password guessing.
 *
 * Per account (what was typed: tenant code + login id, whether or not it
 * exists, so unknown accounts behave exactly like real ones): the first 5
 * failures are free; after that each attempt must wait 2^(n-5) seconds after
 * the last failure (1, 2, 4, 8, 16 s); the 10th failure locks the account
 * for 15 minutes. Attempts refused by the throttle never reach the password
 * check, so at most ~40 guesses an hour reach Argon2id per account (the
 * issue's bound is 100). A success or an admin's unlock clears the count.
 * State lives in the platform store, shared by every serve process.
 *
 * Per source IP: a token bucket in memory (20 attempts, refilled at one per
 * 3 s) bounds how fast one address can try any accounts.
 */
#ifndef PL_AUTH_THROTTLE_H
#define PL_AUTH_THROTTLE_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

struct store;

#define THROTTLE_FREE    5
#define THROTTLE_LOCK_AT 10
#define THROTTLE_LOCK_S  (15 * 60)

/* The account key "tenantcode/loginid", lower-cased, into out. */
void throttle_key(const char *tenant_code, const char *login_id, char *out,
                  size_t n);
/* ERR_AUTH_LOCKED (with *retry_after seconds) when an attempt must not be
 * made now; ERR_OK otherwise. */
enum err throttle_check(struct store *platform, const char *key, int64_t now,
                        int64_t *retry_after);
/* Count a failure at now. */
enum err throttle_fail(struct store *platform, const char *key, int64_t now);
/* Clear the account's failures (success, or an admin's unlock). */
enum err throttle_clear(struct store *platform, const char *key);
/* Allow per_minute attempts per IP (burst and refill). Default 20. */
void throttle_ip_configure(int per_minute);
/* Take a token for ip at now; ERR_AUTH_RATE_LIMITED when none is left. */
enum err throttle_ip(const char *ip, int64_t now_ms);

#endif
