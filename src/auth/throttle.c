/*
 * throttle.c — per-account failure counters (platform store) and per-IP
 * token buckets (memory).
 */
#include "auth/crypto.h"
#include "auth/risk.h"
#include "auth/throttle.h"
#include "store/store.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

void
throttle_key(const char *tenant_code, const char *login_id, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", tenant_code, login_id);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

/* Seconds an attempt must wait after the last failure, given n failures. */
static int64_t
backoff_s(int64_t n)
{
    if (n < THROTTLE_FREE)
        return 0;
    int64_t shift = n - THROTTLE_FREE;
    return shift > 10 ? 1024 : (int64_t)1 << shift;
}

enum err
throttle_check(struct store *platform, const char *key, int64_t now,
               int64_t *retry_after)
{
    struct stmt *s;
    enum err rc = store_query(platform, &s,
                              "SELECT failures, last_failure, locked_until"
                              " FROM login_failures WHERE account = $1",
                              "t", key);
    bool row = false;
    int64_t wait = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        int64_t n = stmt_int(s, 0), last = stmt_int(s, 1);
        int64_t until = stmt_int(s, 2);
        if (until > now)
            wait = until - now;
        else if (last + backoff_s(n) > now)
            wait = last + backoff_s(n) - now;
    }
    stmt_done(s);
    *retry_after = wait;
    if (!rc && wait > 0)
        rc = err_fail(ERR_AUTH_LOCKED, "try again in %lld seconds",
                      (long long)wait);
    return rc;
}

enum err
throttle_fail(struct store *platform, const char *key, int64_t now)
{
    /* the 10th failure locks; the count then restarts at the backoff zone
     * so the next failures after the lock keep growing delays */
    return store_run(
        platform,
        "INSERT INTO login_failures (account, failures, last_failure)"
        " VALUES ($1, 1, $2) ON CONFLICT (account) DO UPDATE SET"
        " failures = CASE WHEN failures + 1 >= $3 THEN $4"
        "  ELSE failures + 1 END,"
        " last_failure = $2,"
        " locked_until = CASE WHEN failures + 1 >= $3 THEN $2 + $5"
        "  ELSE locked_until END",
        "tiiii", key, now, (int64_t)THROTTLE_LOCK_AT, (int64_t)THROTTLE_FREE,
        (int64_t)THROTTLE_LOCK_S);
}

enum err
throttle_clear(struct store *platform, const char *key)
{
    return store_run(platform, "DELETE FROM login_failures WHERE account = $1",
                     "t", key);
}

/* ---- per-IP token buckets ------------------------------------------- */

#define BUCKETS 4096
#define PROBES  8 /* slots tried per address before the oldest is reused */

static int64_t bucket_cap = 20; /* attempts per minute, and the burst */

void
throttle_ip_configure(int per_minute)
{
    bucket_cap = per_minute > 0 ? per_minute : 1;
}

struct bucket {
    char ip[48];
    int64_t tokens_milli; /* tokens × 1000 */
    int64_t at_ms;        /* time up to which refill is accounted */
};

static struct bucket buckets[BUCKETS];
static pthread_mutex_t bucket_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t hash_key; /* random per process: no collisions to plan */
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void
make_key(void)
{
    crypto_random(&hash_key, sizeof(hash_key));
}

static size_t
slot_of(const char *ip)
{
    uint64_t h = 0xCBF29CE484222325ULL ^ hash_key;
    for (const char *p = ip; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001B3ULL;
    return (size_t)(h % BUCKETS);
}

/* The address's own bucket; a new one replaces the least recently used of
 * the probed slots (an idle bucket is full anyway, so nothing is lost). */
static struct bucket *
bucket_for(const char *ip, int64_t cap, int64_t now_ms)
{
    size_t first = slot_of(ip);
    struct bucket *oldest = &buckets[first];
    for (size_t k = 0; k < PROBES; k++) {
        struct bucket *b = &buckets[(first + k) % BUCKETS];
        if (!strcmp(b->ip, ip))
            return b;
        if (b->at_ms < oldest->at_ms)
            oldest = b;
    }
    snprintf(oldest->ip, sizeof(oldest->ip), "%s", ip);
    oldest->tokens_milli = cap * 1000;
    oldest->at_ms = now_ms;
    return oldest;
}

enum err
throttle_ip(const char *ip, int64_t now_ms)
{
    pthread_once(&key_once, make_key);
    int64_t cap =
        risk_penalized(ip, now_ms / 1000) && bucket_cap > RISK_PENALTY_PER_MIN
            ? RISK_PENALTY_PER_MIN
            : bucket_cap;
    pthread_mutex_lock(&bucket_mu);
    struct bucket *b = bucket_for(ip, cap, now_ms);
    /* cap tokens a minute = cap milli-tokens every 60 ms; account only
     * whole milli-tokens so no fraction of the refill is thrown away */
    int64_t refill = (now_ms - b->at_ms) * cap / 60;
    if (refill > 0) {
        b->tokens_milli += refill;
        b->at_ms += refill * 60 / cap;
    }
    if (b->tokens_milli >= cap * 1000) {
        b->tokens_milli = cap * 1000;
        b->at_ms = now_ms;
    }
    bool ok = b->tokens_milli >= 1000;
    if (ok)
        b->tokens_milli -= 1000;
    pthread_mutex_unlock(&bucket_mu);
    return ok ? ERR_OK
              : err_fail(ERR_AUTH_RATE_LIMITED,
                         "too many sign-in attempts from this address");
}
