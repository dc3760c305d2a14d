/*
 * password.h — the password policy (NIST SP 800-63B style, no composition
 * rules).
 *
 *   normalize  Unicode NFKC over UTF-8, so a password typed with full-width
 *              letters (ＰＡＳＳ) or half-width kana (ｶﾞｽ) on one keyboard
 *              matches the same password typed on another (PASS, ガス).
 *              Every password is normalized before it is checked, hashed or
 *              verified.
 *   length     12 to 128 code points of the normalized text; any characters
 *              (Japanese included) count one each.
 *   common     the commonest passwords are refused: the list ships as data
 *              (share/common-passwords.txt, embedded into the binary as
 *              pl_common_passwords) and is compared case-insensitively for
 *              ASCII letters.
 *   identity   a password equal to the user's login ID or the tenant code
 *              (both caseless after NFKC) is refused.
 *
 * Refusals carry a stable reason string for clients ("too_short", ...), an
 * English detail in err_detail(), and a Japanese field message from
 * password_reason_ja(). Details never include the password.
 */
#ifndef PL_AUTH_PASSWORD_H
#define PL_AUTH_PASSWORD_H

#include "core/err.h"

#include <stdbool.h>

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_CHARS 128
#define PASSWORD_MAX_BYTES 1024 /* input bound before normalization */

/* NFKC-normalize UTF-8 `in` into an xmalloc'd string *out (the caller owns
 * it, and should wipe it with sodium_memzero before free). ERR_INVALID when
 * `in` is NULL, not valid UTF-8, longer than PASSWORD_MAX_BYTES, or contains
 * NUL/control characters (Unicode category Cc: U+0000–U+001F, U+007F,
 * U+0080–U+009F); ERR_INTERNAL if ICU fails. *out is NULL on error. */
enum err password_normalize(const char *in, char **out);

/* Check the policy on an already-normalized password. On refusal returns
 * ERR_AUTH_PASSWORD_POLICY with err_detail() set to an English explanation
 * and *reason set to a stable string: "too_short", "too_long", "common",
 * "same_as_login_id", "same_as_tenant_code" (checked in that order). On
 * success returns ERR_OK and sets *reason to NULL. ERR_INVALID when
 * `normalized` is NULL or not valid UTF-8; ERR_INTERNAL if ICU fails.
 * login_id and tenant_code may be NULL; reason may be NULL. */
enum err password_check(const char *normalized, const char *login_id,
                        const char *tenant_code, const char **reason);

/* True when the password (normalized; compared case-insensitively for ASCII
 * letters) is on the common list. O(log n): a sorted index over the embedded
 * list, built once (pthread_once) on first use and kept for the life of the
 * process. NULL is not common. */
bool password_is_common(const char *normalized);

/* A Japanese message for a reason code, for field errors ("12文字以上で
 * 入力してください" etc.). A generic message for NULL or an unknown code;
 * never NULL. The string is static. */
const char *password_reason_ja(const char *reason);

#endif
