/*
 * login.h — the sign-in steps as domain functions (used by the HTTP API and
 * by tests): password, then second factor; enrolment; recovery codes.
 */
#ifndef PL_AUTH_LOGIN_H
#define PL_AUTH_LOGIN_H

#include "auth/auth.h"

#define RECOVERY_CODES      10
#define RECOVERY_CODE_CHARS 11 /* "xxxxx-xxxxx" */

/* Hash a recovery code as typed (case, spaces and hyphens ignored). */
void recovery_hash(const char *typed, char out[CRYPTO_DIGEST_HEX]);
/* Make RECOVERY_CODES new codes for user_id (inside a transaction): codes
 * receives the plain text, shown once; only hashes are stored. */
enum err recovery_issue(struct store *st, int64_t user_id,
                        char codes[][RECOVERY_CODE_CHARS + 1]);

/*
 * Check a TOTP code for the user (±1 step, no replay) and, when right,
 * record the accepted step. Inside the caller's transaction.
 */
enum err login_check_totp(struct store *st, struct user *u, const char *code,
                          int64_t now);

/*
 * Remember the device (user agent) and network (IPv4 /24, IPv6 /48) of a
 * completed sign-in. The first time a known user signs in from a pair never
 * seen before, the user and every tenant admin get an in-app notice
 * (新しい端末からのログイン). *is_new tells whether it was new. Inside the
 * caller's transaction.
 */
enum err login_note_device(struct store *st, const struct user *u,
                           const char *ip, const char *user_agent,
                           bool *is_new);

#endif
