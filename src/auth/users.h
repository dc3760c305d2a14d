/*
 * users.h — a tenant's users (事業者ユーザー) and their sessions.
 *
 * A user belongs to one tenant and lives in that tenant's store. Login IDs
 * are 3–64 characters of ASCII letters, digits and . _ @ - (so an e-mail
 * address works), unique regardless of case. The second factor is
 * mandatory: totp_secret is empty until the user has confirmed enrolment,
 * and such a user's session can reach nothing but the enrolment step.
 *
 * Sessions are stored only as the BLAKE2b hash of their token. A session has
 * a stage: "mfa" (password accepted, TOTP pending), "enroll" (password
 * accepted, second factor not set up) or "full". Idle and absolute timeouts
 * are checked on every lookup; expired sessions are deleted.
 */
#ifndef PL_AUTH_USERS_H
#define PL_AUTH_USERS_H

#include "auth/crypto.h"
#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>

struct store;

#define USER_LOGIN_MAX      64
#define USER_NAME_MAX_CHARS 50
#define USER_B32_MAX        64

struct user {
    int64_t id;
    char login_id[USER_LOGIN_MAX + 1];
    char display_name[USER_NAME_MAX_CHARS * 4 + 1];
    char role[16];
    char email[256];
    char password_hash[CRYPTO_PW_HASH_MAX];
    char totp_secret[USER_B32_MAX];  /* base32; "" until enrolled */
    char totp_pending[USER_B32_MAX]; /* base32 offered during enrolment */
    int64_t totp_last_step;          /* last accepted TOTP time step */
    char status[12];                 /* "active" or "disabled" */
    char created_at[32];
    char updated_at[32];
};

/* Validation (no I/O). */
enum err user_check_login_id(const char *login_id);
enum err user_check_name(const char *name);

/* Look up. ERR_AUTH_USER_NOT_FOUND when absent. */
enum err user_find_login(struct store *st, const char *login_id,
                         struct user *out);
enum err user_find_id(struct store *st, int64_t id, struct user *out);
/* Insert (inside the caller's transaction). password_hash is Argon2id. */
enum err user_insert(struct store *st, const char *login_id,
                     const char *display_name, const char *role,
                     const char *email, const char *password_hash,
                     struct user *out);
/* Field updates (inside the caller's transaction). */
enum err user_set_password(struct store *st, int64_t id, const char *hash);
enum err user_set_totp(struct store *st, int64_t id, const char *secret,
                       const char *pending, int64_t last_step);
enum err user_set_role(struct store *st, int64_t id, const char *role);
enum err user_set_status(struct store *st, int64_t id, const char *status);
enum err user_set_name(struct store *st, int64_t id, const char *name);
/* Change name/role/status (NULL = keep). A role change or disabling ends
 * the user's sessions. Inside the caller's transaction. */
enum err user_change(struct store *st, const struct user *u, const char *name,
                     const char *role, const char *status);
/* Clear the second factor and recovery codes; end the user's sessions. */
enum err user_reset_mfa(struct store *st, int64_t user_id);
/* Every user in login-id order; stops when fn returns false. */
enum err user_each(struct store *st, bool (*fn)(const struct user *u, void *),
                   void *arg);

/* Recovery codes: replace the user's codes with the hashes given. */
enum err recovery_replace(struct store *st, int64_t user_id,
                          char hashes[][CRYPTO_DIGEST_HEX], int n);
/* Use a code: ERR_OK and marks it used when an unused one matches. */
enum err recovery_use(struct store *st, int64_t user_id, const char *hash);

struct session {
    char token_hash[CRYPTO_DIGEST_HEX];
    int64_t user_id;
    char stage[8];
    char csrf[CRYPTO_TOKEN_CHARS + 1];
    int64_t created_at, last_seen, expires_at, mfa_at;
};

/* Create a session; *token receives the secret (CRYPTO_TOKEN_CHARS + 1)
 * that only the client keeps. Inside the caller's transaction. */
enum err session_create(struct store *st, int64_t user_id, const char *stage,
                        int64_t now, int64_t absolute_s, const char *ip,
                        const char *user_agent, char *token,
                        struct session *out);
/* Find the session for token; ERR_AUTH_REQUIRED when absent or expired
 * (idle_s since last_seen, or past expires_at). */
enum err session_find(struct store *st, const char *token, int64_t now,
                      int64_t idle_s, struct session *out);
/* Record activity (written at most once a minute to spare the disk). */
enum err session_touch(struct store *st, const struct session *s, int64_t now);
/* Mark a fresh second factor (login or step-up) at now. */
enum err session_mfa_done(struct store *st, const char *token_hash,
                          int64_t now);
/* Delete one session, all of a user's, or all of the tenant's. */
enum err session_delete(struct store *st, const char *token_hash);
enum err session_delete_user(struct store *st, int64_t user_id);
enum err session_delete_all(struct store *st);

/* The same notice for every active admin except user except_id (0 = all).
 * Inside the caller's transaction. */
enum err notice_admins(struct store *st, int64_t except_id, const char *kind,
                       const char *message_ja, const char *detail_json);
/* In-app notice for a user (新しい端末からのログイン, …). */
enum err notice_add(struct store *st, int64_t user_id, const char *kind,
                    const char *message_ja, const char *detail_json);

#endif
