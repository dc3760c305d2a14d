/*
 * risk.c — credential-stuffing signals in memory.
 *
 * Two small hash tables of fixed size (collisions replace the older entry:
 * the tables forget, they never grow), one mutex.
 */
#include "auth/crypto.h"
#include "auth/risk.h"
#include "core/log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define SLOTS 4096
#define SEEN  16 /* distinct partners remembered per entry */

struct entry {
    uint64_t key;        /* hash of the IP or the account; 0 = empty */
    int64_t since;       /* window start */
    uint64_t seen[SEEN]; /* hashes of distinct partners in the window */
    int nseen;
    int64_t flagged_until; /* penalty (IPs) or report quiet time (accounts) */
};

static struct entry by_ip[SLOTS], by_account[SLOTS];
static int64_t minute, minute_failures;
static double average = 1.0; /* failures a minute, exponentially smoothed */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t hash_key; /* random per process: collisions cannot be planned */
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void
make_key(void)
{
    crypto_random(&hash_key, sizeof(hash_key));
}

static uint64_t
hash(const char *s)
{
    pthread_once(&key_once, make_key);
    uint64_t h = 0xCBF29CE484222325ULL ^ hash_key;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ULL;
    return h ? h : 1;
}

static struct entry *
slot(struct entry *table, uint64_t key, int64_t now)
{
    struct entry *e = &table[key % SLOTS];
    if (e->key != key) {
        memset(e, 0, sizeof(*e));
        e->key = key;
        e->since = now;
    }
    if (now - e->since > RISK_WINDOW_S) {
        e->nseen = 0;
        e->since = now;
    }
    return e;
}

/* Add partner to e; returns the number of distinct partners now. */
static int
note(struct entry *e, uint64_t partner)
{
    for (int i = 0; i < e->nseen; i++)
        if (e->seen[i] == partner)
            return e->nseen;
    if (e->nseen < SEEN)
        e->seen[e->nseen++] = partner;
    return e->nseen;
}

static void
count_minute(int64_t now)
{
    int64_t m = now / 60;
    if (m != minute) {
        average = 0.9 * average + 0.1 * (double)minute_failures;
        minute = m;
        minute_failures = 0;
    }
    if (++minute_failures == RISK_SPIKE_MIN + 1 ||
        (minute_failures > RISK_SPIKE_MIN &&
         minute_failures == (int64_t)(10 * average) + 1))
        log_msg(LOG_WARN, "auth.failure_spike",
                "%lld failed sign-ins this minute (running average %.1f)",
                (long long)minute_failures, average);
}

bool
risk_failure(const char *ip, const char *account, int64_t now)
{
    uint64_t hip = hash(ip), hacc = hash(account);
    bool report = false;
    pthread_mutex_lock(&mu);
    count_minute(now);
    struct entry *e = slot(by_ip, hip, now);
    if (note(e, hacc) >= RISK_SPRAY_ACCOUNTS && e->flagged_until <= now) {
        e->flagged_until = now + RISK_PENALTY_S;
        log_msg(LOG_WARN, "auth.stuffing_suspected",
                "%s failed on %d accounts in %d minutes: slowed for an hour",
                ip, e->nseen, RISK_WINDOW_S / 60);
    }
    struct entry *a = slot(by_account, hacc, now);
    if (note(a, hip) >= RISK_ACCOUNT_IPS && a->flagged_until <= now) {
        a->flagged_until = now + RISK_PENALTY_S;
        report = true;
    }
    pthread_mutex_unlock(&mu);
    return report;
}

bool
risk_penalized(const char *ip, int64_t now)
{
    uint64_t h = hash(ip);
    pthread_mutex_lock(&mu);
    struct entry *e = &by_ip[h % SLOTS];
    bool p = e->key == h && e->flagged_until > now;
    pthread_mutex_unlock(&mu);
    return p;
}
