/*
 * auth_api.h — helpers shared by the sign-in routes (auth_api.c,
 * auth_mfa_api.c, users_api.c). Not for other modules.
 */
#ifndef PL_AUTH_AUTH_API_H
#define PL_AUTH_AUTH_API_H

#include "auth/auth.h"
#include "http/http.h"

/* Create a session at stage for u, answer 200 {stage, csrf, ...extra} with
 * the cookie set. Takes ownership of extra (may be NULL). */
enum err auth_start_session(struct req *r, struct store *st,
                            const struct user *u, int64_t tenant_id,
                            const char *stage, json_t *extra);
/* The one-time code from the body {"code": "..."}. */
enum err auth_read_code(struct req *r, const char **code);
/* A user as JSON for responses (no secrets). */
json_t *auth_user_json(const struct user *u);

/* Normalize, check the policy and hash a new password; a field error on
 * field (with the reason's Japanese message) when refused. */
enum err auth_hash_new_password(struct req *r, const char *field,
                                const char *typed, const char *login_id,
                                char *hash);
/* The {id} path parameter as a positive id; ERR_NOT_FOUND otherwise. */
enum err auth_path_id(struct req *r, int64_t *id);
/* Run fn(store, id) for the path's {id} in a transaction, audit action on
 * "<kind>:<id>", answer 204. For revoke-style routes. */
enum err auth_change_by_id(struct req *r, const char *action, const char *kind,
                           enum err (*fn)(struct store *, int64_t));
/* The user named by the path's {id}, in the caller's tenant only. */
enum err users_path_user(struct req *r, struct user *u);
/*
 * Dual control: with a second active admin, store action on u as a pending
 * approval and answer 202 (*pending true); otherwise apply it now (the
 * caller answers). Audited either way.
 */
enum err approval_or_apply(struct req *r, const char *action,
                           const struct user *u, json_t *params, bool *pending);
/* approval_or_apply, answering 200 with the user when applied at once;
 * takes params. */
enum err guarded(struct req *r, struct user *u, const char *action,
                 json_t *params);
/* Handlers of users_admin_api.c (listed in users_api.c's table). */
enum err users_patch(struct req *r);
enum err users_reset_mfa(struct req *r);
enum err users_unlock(struct req *r);
enum err users_revoke(struct req *r);
enum err users_revoke_all(struct req *r);
enum err notices_get(struct req *r);
enum err notices_read(struct req *r);

#endif
