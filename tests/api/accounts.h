/*
 * accounts.h — test accounts for API tests: made with `pilotlight user
 * create` (or `operator create`), second factor set up through the
 * enrolment API, codes from `pilotlight totp`.
 */
#ifndef PL_TESTS_ACCOUNTS_H
#define PL_TESTS_ACCOUNTS_H

#include "harness.h"

#include <stdint.h>

struct account {
    bool operator;      /* platform operator (no tenant) */
    const char *tenant; /* tenant code, for tenant users */
    char login[64];
    char password[64];
    char secret[64];
    int64_t last_step; /* last TOTP step used, to avoid replays */
};

/* Create a tenant with the CLI (`pilotlight tenant create`). */
void tenant_make(struct server *s, const char *code, const char *name);
/* Create a tenant user with the CLI; the printed password is kept. */
void account_make(struct server *s, const char *tenant, const char *login,
                  const char *role, struct account *a);
/* Create a platform operator with the CLI. */
void account_make_operator(struct server *s, const char *login,
                           struct account *a);
/* A code for the next unused step (waits for a new step when needed). */
void account_code(struct account *a, char code[8]);
/* POST the password step with password (the account's own or another). */
void account_post_login(struct server *s, struct client *c,
                        const struct account *a, const char *password,
                        struct http *h);
/* POST {"code": code} to path. */
void account_post_code(struct server *s, struct client *c, const char *path,
                       const char *code, struct http *h);
/* First sign-in: password, enrolment (fills a->secret). */
void account_enroll(struct server *s, struct account *a);
/* Password + code: c holds a full session (client_init is done here). */
void account_sign_in(struct server *s, struct client *c, struct account *a);
/* Run a pilotlight command that must succeed. */
void cli_ok(const char *const *args);

#endif
