/*
 * ingest_page_auth.c — sign-in, sessions and attempt limits of ingest's
 * alarm page (ingest_page.h has the design).
 *
 * Attempt limits: a small table in memory of failed attempts, keyed
 * "ip:<address>" and "acct:<tenant>/<login>" (lower case, typed as is, so
 * unknown accounts count like real ones). A key with PAGE_TRY_MAX
 * failures in the last PAGE_TRY_WINDOW_S refuses further attempts until
 * the oldest of them leaves the window. A success clears its account's
 * key, not its address's. When the table is full the least recently
 * failed key is dropped.
 *
 * Sessions: PAGE_SESSIONS_MAX slots in memory; a slot keeps the BLAKE2b
 * digest of the session token, never the token. When every slot is in
 * use the one that expires first is dropped.
 */
#include "monitor/ingest_page.h"
#include "auth/password.h"
#include "auth/roles.h"
#include "auth/totp.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "monitor/ingest_int.h"
#include "store/pool.h"
#include "store/store.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TRY_KEYS 4096

const struct migration alarm_page_migrations[] = {
    {"alarm_page", 1,
     "CREATE TABLE alarm_page_steps ("
     " tenant_id INTEGER NOT NULL,"
     " user_id INTEGER NOT NULL,"
     " last_step INTEGER NOT NULL,"
     " updated_at TEXT NOT NULL,"
     " PRIMARY KEY (tenant_id, user_id));"},
    {NULL, 0, NULL},
};

/* ---------------------------------------------------------------------- */
/* Attempt limits                                                         */
/* ---------------------------------------------------------------------- */

struct tries {
    char key[TENANT_CODE_MAX + USER_LOGIN_MAX + 72];
    int64_t at[PAGE_TRY_MAX]; /* failure times, oldest first */
    int n;
};

static struct {
    pthread_mutex_t mu;
    struct tries t[TRY_KEYS];
} T = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Drop failures older than the window. */
static void
tries_age(struct tries *e, int64_t now)
{
    int keep = 0;
    for (int i = 0; i < e->n; i++)
        if (e->at[i] > now - PAGE_TRY_WINDOW_S)
            e->at[keep++] = e->at[i];
    e->n = keep;
}

/* key's entry; with make, a new (or the stalest) one. Under T.mu. */
static struct tries *
tries_find(const char *key, int64_t now, bool make)
{
    struct tries *spare = NULL;
    for (size_t i = 0; i < TRY_KEYS; i++) {
        struct tries *e = &T.t[i];
        tries_age(e, now);
        if (e->key[0] && !strcmp(e->key, key))
            return e;
        if (!e->n) { /* free, or its failures have aged out */
            if (!spare || spare->n)
                spare = e;
        } else if (!spare ||
                   (spare->n && e->at[e->n - 1] < spare->at[spare->n - 1])) {
            spare = e;
        }
    }
    if (!make)
        return NULL;
    memset(spare, 0, sizeof(*spare));
    snprintf(spare->key, sizeof(spare->key), "%s", key);
    return spare;
}

/* Seconds until key may try again; 0 when it may now. Under T.mu. */
static int64_t
tries_wait(const char *key, int64_t now)
{
    struct tries *e = tries_find(key, now, false);
    if (!e || e->n < PAGE_TRY_MAX)
        return 0;
    return e->at[0] + PAGE_TRY_WINDOW_S - now;
}

static void
tries_fail(const char *key, int64_t now)
{
    struct tries *e = tries_find(key, now, true);
    if (e->n == PAGE_TRY_MAX) { /* keep the newest PAGE_TRY_MAX */
        memmove(e->at, e->at + 1, sizeof(e->at[0]) * (PAGE_TRY_MAX - 1));
        e->n--;
    }
    e->at[e->n++] = now;
}

static void
tries_clear(const char *key, int64_t now)
{
    struct tries *e = tries_find(key, now, false);
    if (e)
        memset(e, 0, sizeof(*e));
}

static void
tries_keys(const struct page_signin *in, char *ip, size_t nip, char *acct,
           size_t nacct)
{
    snprintf(ip, nip, "ip:%s", in->ip ? in->ip : "?");
    snprintf(acct, nacct, "acct:%.32s/%.64s", in->tenant, in->login);
    for (char *p = acct; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

/* ---------------------------------------------------------------------- */
/* Verification                                                           */
/* ---------------------------------------------------------------------- */

/* The tenant's store, read only (serve is its only writer). */
static enum err
tenant_store(int64_t tenant_id, struct store **out)
{
    char path[PATH_MAX];
    pool_tenant_path(ingest_g.o->data, tenant_id, path, sizeof(path));
    if (access(path, R_OK) != 0)
        return err_fail(ERR_TENANT_NOT_FOUND, "no store for tenant");
    return store_open_readonly(path, out);
}

static enum err
step_kept(struct store *st, int64_t tenant_id, int64_t user_id, int64_t *step)
{
    struct stmt *s = NULL;
    bool row = false;
    enum err rc = store_query(st, &s,
                              "SELECT last_step FROM alarm_page_steps"
                              " WHERE tenant_id = $1 AND user_id = $2",
                              "ii", tenant_id, user_id);
    if (!rc && !(rc = stmt_step(s, &row)) && row && stmt_int(s, 0) > *step)
        *step = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

/* The code against the user's secret, newer than any step serve or this
 * page accepted; the step is kept in ingest.db. Serialised, so two
 * sign-ins cannot both spend one code. */
static enum err
totp_check(int64_t tenant_id, const struct user *u, const char *code,
           int64_t now)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    unsigned char secret[64];
    size_t n = sizeof(secret);
    int64_t last = u->totp_last_step, step = 0;
    struct store *st = NULL;
    char at[32];
    pthread_mutex_lock(&mu);
    enum err rc = state_open(&st);
    if (!rc)
        rc = step_kept(st, tenant_id, u->id, &last);
    if (!rc && totp_secret_from_base32(u->totp_secret, secret, &n))
        rc = err_fail(ERR_ALARM_PAGE_SIGNIN, "unreadable TOTP secret");
    if (!rc && totp_verify(secret, n, code, now, last, &step))
        rc = err_fail(ERR_ALARM_PAGE_SIGNIN, "one-time code refused");
    crypto_wipe(secret, sizeof(secret));
    time_now_iso(at);
    if (!rc)
        rc = store_run(st,
                       "INSERT INTO alarm_page_steps (tenant_id, user_id,"
                       " last_step, updated_at) VALUES ($1, $2, $3, $4)"
                       " ON CONFLICT (tenant_id, user_id) DO UPDATE SET"
                       " last_step = excluded.last_step,"
                       " updated_at = excluded.updated_at",
                       "iiit", tenant_id, u->id, step, at);
    store_close(st);
    pthread_mutex_unlock(&mu);
    return rc;
}

/* One Argon2id run whatever happens: the real hash when the account can
 * sign in, a dummy otherwise, so timing tells nothing. */
static bool
password_ok(const struct user *u, bool usable, const char *typed)
{
    char *norm = NULL;
    bool ok = false;
    if (password_normalize(typed, &norm))
        norm = NULL;
    if (usable && norm)
        ok = crypto_pw_verify(u->password_hash, norm);
    else
        crypto_pw_dummy_verify(norm ? norm : "");
    if (norm) {
        crypto_wipe(norm, strlen(norm));
        free(norm);
    }
    return ok;
}

/* Everything typed, against the tenant's store. */
static enum err
verify(const struct page_signin *in, int64_t now, struct page_user *out)
{
    struct store *platform, *ts = NULL;
    struct tenant t;
    struct user u;
    memset(&u, 0, sizeof(u));
    enum err rc = pool_platform(&platform);
    if (!rc)
        rc = tenant_find_code(platform, in->tenant, &t);
    if (!rc && strcmp(t.status, "active"))
        rc = ERR_TENANT_NOT_FOUND;
    if (!rc)
        rc = tenant_store(t.id, &ts);
    if (!rc)
        rc = user_find_login(ts, in->login, &u);
    if (rc && rc != ERR_TENANT_NOT_FOUND && rc != ERR_AUTH_USER_NOT_FOUND) {
        store_close(ts);
        return rc; /* the store is unwell: not the typist's fault */
    }
    bool usable = !rc && !strcmp(u.status, "active") && u.totp_secret[0];
    rc = password_ok(&u, usable, in->password) && usable
             ? totp_check(t.id, &u, in->code, now)
             : err_fail(ERR_ALARM_PAGE_SIGNIN, "password refused");
    store_close(ts);
    if (!rc && !role_allows(u.role, PAGE_PERM))
        rc = err_fail(ERR_AUTH_FORBIDDEN, "役割「%s」では警報を確認できません",
                      role_label_ja(u.role));
    if (!rc) {
        memset(out, 0, sizeof(*out));
        out->tenant_id = t.id;
        snprintf(out->tenant, sizeof(out->tenant), "%s", t.code);
        out->user_id = u.id;
        snprintf(out->login, sizeof(out->login), "%s", u.login_id);
        snprintf(out->name, sizeof(out->name), "%s", u.display_name);
    }
    crypto_wipe(u.password_hash, sizeof(u.password_hash));
    crypto_wipe(u.totp_secret, sizeof(u.totp_secret));
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Sessions                                                               */
/* ---------------------------------------------------------------------- */

struct page_sess {
    char digest[CRYPTO_DIGEST_HEX]; /* "" when the slot is free */
    int64_t expires;
    struct page_user u;
};

static struct {
    pthread_mutex_t mu;
    struct page_sess s[PAGE_SESSIONS_MAX];
} S = {.mu = PTHREAD_MUTEX_INITIALIZER};

static enum err
session_open(const struct page_user *u, int64_t now,
             char token[CRYPTO_TOKEN_CHARS + 1])
{
    struct page_sess *slot = &S.s[0];
    crypto_token(token);
    pthread_mutex_lock(&S.mu);
    for (size_t i = 0; i < PAGE_SESSIONS_MAX; i++) {
        struct page_sess *e = &S.s[i];
        if (!e->digest[0] || e->expires <= now) {
            slot = e;
            break;
        }
        if (e->expires < slot->expires)
            slot = e;
    }
    crypto_digest_hex(token, strlen(token), slot->digest);
    slot->expires = now + PAGE_SESSION_S;
    slot->u = *u;
    crypto_token(slot->u.csrf);
    pthread_mutex_unlock(&S.mu);
    return ERR_OK;
}

/* The slot of token, or NULL; under S.mu. */
static struct page_sess *
session_slot(const char *token, int64_t now)
{
    char digest[CRYPTO_DIGEST_HEX];
    if (!token || strlen(token) != CRYPTO_TOKEN_CHARS)
        return NULL;
    crypto_digest_hex(token, strlen(token), digest);
    for (size_t i = 0; i < PAGE_SESSIONS_MAX; i++) {
        struct page_sess *e = &S.s[i];
        if (e->digest[0] && e->expires > now && crypto_streq(e->digest, digest))
            return e;
    }
    return NULL;
}

enum err
page_session_find(const char *token, struct page_user *out)
{
    pthread_mutex_lock(&S.mu);
    struct page_sess *e = session_slot(token, (int64_t)time(NULL));
    if (e)
        *out = e->u;
    pthread_mutex_unlock(&S.mu);
    return e ? ERR_OK : err_fail(ERR_ALARM_PAGE_SESSION, "not signed in");
}

void
page_session_end(const char *token)
{
    pthread_mutex_lock(&S.mu);
    struct page_sess *e = session_slot(token, (int64_t)time(NULL));
    if (e)
        memset(e, 0, sizeof(*e));
    pthread_mutex_unlock(&S.mu);
}

/* ---------------------------------------------------------------------- */
/* Sign-in                                                                */
/* ---------------------------------------------------------------------- */

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

static void
crypto_start(void)
{
    crypto_init(2); /* two Argon2id at a time: sign-ins here are rare */
}

enum err
page_signin(const struct page_signin *in, char token[CRYPTO_TOKEN_CHARS + 1],
            struct page_user *out, int64_t *retry_s)
{
    char kip[96], kacct[sizeof(T.t[0].key)];
    int64_t now = (int64_t)time(NULL), wait_ip, wait_acct;
    pthread_once(&crypto_once, crypto_start);
    tries_keys(in, kip, sizeof(kip), kacct, sizeof(kacct));
    pthread_mutex_lock(&T.mu);
    wait_ip = tries_wait(kip, now);
    wait_acct = tries_wait(kacct, now);
    pthread_mutex_unlock(&T.mu);
    *retry_s = wait_ip > wait_acct ? wait_ip : wait_acct;
    if (*retry_s > 0)
        return err_fail(ERR_ALARM_PAGE_THROTTLED,
                        "too many failed attempts; try again in %lld s",
                        (long long)*retry_s);
    enum err rc = verify(in, now, out);
    pthread_mutex_lock(&T.mu);
    if (rc == ERR_ALARM_PAGE_SIGNIN) {
        tries_fail(kip, now);
        tries_fail(kacct, now);
    } else if (!rc) {
        tries_clear(kacct, now);
    }
    pthread_mutex_unlock(&T.mu);
    log_msg(rc ? LOG_WARN : LOG_INFO, "alarm_page.signin", "%s/%s from %s: %s",
            in->tenant, in->login, in->ip, rc ? err_code(rc) : "ok");
    return rc ? rc : session_open(out, now, token);
}
