/*
 * ingest_page.h — ingest's own alarm page (GET /alarms on ingest's port):
 * the parts ingest_page.c (routes, HTML) and ingest_page_auth.c (sign-in,
 * sessions, attempt limits) share. Part of `pilotlight ingest`; not for
 * other modules.
 *
 * Sign-in is the design of docs/security.md "Gas alarms (ingest)": tenant
 * code + login ID + password + one-time code, checked against the
 * tenant's store opened read only with auth's own verification (Argon2id,
 * RFC 6238). ingest cannot write the tenant store, so the last accepted
 * TOTP step of each user is kept in ingest.db (alarm_page_steps) and a
 * code is refused unless its step is newer than both that and the step
 * serve recorded. Only roles holding alarms.write may sign in. At most
 * PAGE_TRY_MAX failed attempts per PAGE_TRY_WINDOW_S per client address
 * and per account; an attempt over the limit is refused before any check
 * (no Argon2id run). Sessions live in ingest's memory only (a restart
 * signs everyone out) for PAGE_SESSION_S.
 */
#ifndef PL_MONITOR_INGEST_PAGE_H
#define PL_MONITOR_INGEST_PAGE_H

#include "auth/crypto.h"
#include "auth/users.h"
#include "core/err.h"
#include "store/migrate.h"
#include "tenants/tenants.h"

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SESSION_S    (8 * 3600)
#define PAGE_SESSIONS_MAX 1024
#define PAGE_TRY_MAX      5
#define PAGE_TRY_WINDOW_S 300
#define PAGE_PERM         "alarms.write"

/* ingest.db's table of accepted TOTP steps (ingest_state.c lists it). */
extern const struct migration alarm_page_migrations[];

/* Who a page session belongs to. */
struct page_user {
    int64_t tenant_id;
    char tenant[TENANT_CODE_MAX + 1];
    int64_t user_id;
    char login[USER_LOGIN_MAX + 1];
    char name[USER_NAME_MAX_CHARS * 4 + 1];
    char csrf[CRYPTO_TOKEN_CHARS + 1]; /* for the page's forms */
};

/* What the sign-in form carried (strings borrow). */
struct page_signin {
    const char *tenant, *login, *password, *code;
    const char *ip; /* the client's address */
};

/*
 * Check in and open a session: token receives its secret (the cookie's
 * value), out the user. ERR_ALARM_PAGE_THROTTLED (*retry_s set) over the
 * attempt limit; ERR_ALARM_PAGE_SIGNIN when anything typed is wrong
 * (which one is not told); ERR_AUTH_FORBIDDEN when the user's role may
 * not acknowledge alarms; store errors as they come.
 */
enum err page_signin(const struct page_signin *in,
                     char token[CRYPTO_TOKEN_CHARS + 1], struct page_user *out,
                     int64_t *retry_s);
/* The session of token: ERR_ALARM_PAGE_SESSION when none or expired. */
enum err page_session_find(const char *token, struct page_user *out);
/* End the session of token (nothing when there is none). */
void page_session_end(const char *token);

#endif
