/*
 * notify_send.c — the notifier thread: delivers tenants' outboxes by
 * webhook (HTTP POST, HMAC-signed) and e-mail (SMTP), with retries.
 *
 * Tenants with something to send are kept in a small set (notify_kick);
 * at start and every 10 minutes the thread also walks every tenant once,
 * so rows left by a crash or a full set are never stranded.
 */
#include "auth/notify.h"
#include "auth/outbound.h"
#include "core/xalloc.h"
#include "core/log.h"
#include "store/pool.h"
#include "core/timeutil.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define DIRTY_MAX    256
#define MAX_ATTEMPTS 10
#define SWEEP_S      600

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
/* Tenants kicked recently. The kick comes from inside the writer's
 * transaction, before its commit, so a tenant stays in the set for
 * KEEP_S seconds and is looked at on every pass in that time. */
#define KEEP_S 5
static int64_t dirty[DIRTY_MAX], kicked_at[DIRTY_MAX];
static int ndirty;
static bool sweep = true, stopping, running;
static pthread_t thread;

/* Tenants with a retry due at a known time. */
static int64_t retry_tenant[DIRTY_MAX], retry_at[DIRTY_MAX];
static int nretry;

void
notify_retry(int64_t tenant_id, int64_t at)
{
    pthread_mutex_lock(&mu);
    int i = 0;
    while (i < nretry && retry_tenant[i] != tenant_id)
        i++;
    if (i == nretry && nretry < DIRTY_MAX) {
        retry_tenant[nretry] = tenant_id;
        retry_at[nretry++] = at;
    } else if (i < nretry && at < retry_at[i]) {
        retry_at[i] = at;
    } else if (i == nretry) {
        sweep = true; /* set full: the sweep finds it */
    }
    pthread_mutex_unlock(&mu);
}

/* Move due retries into the work list (mu held). */
static int
due_retries(int64_t *work, int n, int64_t now)
{
    int kept = 0;
    for (int i = 0; i < nretry; i++) {
        if (retry_at[i] <= now && n < DIRTY_MAX) {
            work[n++] = retry_tenant[i];
        } else {
            retry_tenant[kept] = retry_tenant[i];
            retry_at[kept++] = retry_at[i];
        }
    }
    nretry = kept;
    return n;
}

void
notify_kick(int64_t tenant_id)
{
    pthread_mutex_lock(&mu);
    int i = 0;
    while (i < ndirty && dirty[i] != tenant_id)
        i++;
    if (i == ndirty && ndirty < DIRTY_MAX)
        dirty[ndirty++] = tenant_id;
    if (i < ndirty)
        kicked_at[i] = time(NULL);
    else
        sweep = true;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

static bool
post_webhook(const char *url, const char *secret, const char *body,
             int64_t tenant_id, int64_t id, char *error, size_t n)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[2 * sizeof(mac) + 1], sig[100];
    crypto_auth_hmacsha256_state h;
    crypto_auth_hmacsha256_init(&h, (const unsigned char *)secret,
                                strlen(secret));
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)body,
                                  strlen(body));
    crypto_auth_hmacsha256_final(&h, mac);
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    snprintf(sig, sizeof(sig), "X-Pilotlight-Signature: sha256=%s", hex);
    CURL *c = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(NULL, sig);
    hd = curl_slist_append(hd, "Content-Type: application/json");
    char delivery[80]; /* at-least-once: receivers drop repeats by this */
    snprintf(delivery, sizeof(delivery), "X-Pilotlight-Delivery: %lld-%lld",
             (long long)tenant_id, (long long)id);
    hd = curl_slist_append(hd, delivery);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    struct outbound_guard g = {notify_config()->allow_private,
                               "notify.refused_address"};
    outbound_guard(c, &g); /* no private addresses (SSRF) unless allowed */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        snprintf(error, n, "%s", curl_easy_strerror(rc));
    else if (status < 200 || status > 299)
        snprintf(error, n, "HTTP %ld", status);
    return rc == CURLE_OK && status >= 200 && status <= 299;
}

/* One outbox row, copied out of the statement before any network I/O. */
struct outbox_row {
    int64_t id, attempts;
    char channel[16], destination[600], subject[200];
    char *payload; /* xmalloc'd */
};

static bool
load_row(struct store *st, int64_t id, struct outbox_row *o)
{
    struct stmt *s;
    bool row = false;
    if (store_query(st, &s,
                    "SELECT channel, destination, coalesce(subject, ''),"
                    " payload, attempts FROM notify_outbox"
                    " WHERE id = $1 AND delivered_at IS NULL",
                    "i", id))
        return false;
    if (!stmt_step(s, &row) && row) {
        o->id = id;
        snprintf(o->channel, sizeof(o->channel), "%s", stmt_text(s, 0));
        snprintf(o->destination, sizeof(o->destination), "%s", stmt_text(s, 1));
        snprintf(o->subject, sizeof(o->subject), "%s", stmt_text(s, 2));
        o->payload = xstrdup(stmt_text(s, 3));
        o->attempts = stmt_int(s, 4);
    }
    stmt_done(s);
    return row;
}

/* Record the outcome; a failure is retried (1 min doubling to 1 h, 10
 * tries) and the tenant is scheduled for that time. */
static void
record(struct store *st, int64_t tenant_id, const struct outbox_row *o, bool ok,
       bool give_up, const char *error)
{
    int64_t wait = o->attempts >= 6 ? 3600 : (int64_t)60 << o->attempts;
    bool last = give_up || o->attempts + 1 >= MAX_ATTEMPTS;
    int64_t next = last ? INT64_MAX : (int64_t)time(NULL) + wait;
    char now[32];
    time_now_iso(now);
    store_run(st,
              "UPDATE notify_outbox SET attempts = attempts + 1,"
              " delivered_at = $1, last_error = $2, next_at = $3"
              " WHERE id = $4",
              "ttii", ok ? now : NULL, ok ? NULL : error, next, o->id);
    if (!ok) {
        log_msg(LOG_WARN, "notify.failed", "tenant %lld outbox %lld: %s",
                (long long)tenant_id, (long long)o->id, error);
        if (!last)
            notify_retry(tenant_id, next);
    }
}

/* Deliver what is due in one tenant's outbox (at most 50 rows a pass).
 * Webhook rows go only to the webhook configured now: rows queued for a
 * URL since removed or changed are dropped, never sent elsewhere. */
static void
deliver_tenant(int64_t tenant_id)
{
    struct store *st;
    char secret[128], url[600];
    int64_t ids[50];
    int n = 0;
    struct stmt *s;
    bool row;
    if (pool_tenant(tenant_id, &st) ||
        notify_setting(st, "notify.webhook_secret", secret, sizeof(secret)) ||
        notify_setting(st, "notify.webhook_url", url, sizeof(url)) ||
        store_query(st, &s,
                    "SELECT id FROM notify_outbox WHERE delivered_at IS NULL"
                    " AND next_at <= $1 ORDER BY id LIMIT 50",
                    "i", (int64_t)time(NULL)))
        return;
    while (n < 50 && !stmt_step(s, &row) && row)
        ids[n++] = stmt_int(s, 0);
    stmt_done(s);
    for (int i = 0; i < n && !stopping; i++) {
        struct outbox_row o = {0};
        char error[256] = "";
        if (!load_row(st, ids[i], &o))
            continue;
        bool web = !strcmp(o.channel, "webhook"), ok = false, drop = false;
        if (web && (!url[0] || strcmp(url, o.destination))) {
            drop = true;
            snprintf(error, sizeof(error), "webhook removed or changed");
        } else if (web) {
            ok = post_webhook(o.destination, secret, o.payload, tenant_id, o.id,
                              error, sizeof(error));
        } else {
            ok = outbound_mail(notify_config()->smtp_url,
                               notify_config()->mail_from, o.destination,
                               o.subject, o.payload, error, sizeof(error));
        }
        record(st, tenant_id, &o, ok, drop, error);
        free(o.payload);
    }
}

static bool
add_tenant(const struct tenant *t, void *arg)
{
    (void)arg;
    deliver_tenant(t->id);
    return !stopping;
}

static void *
loop(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!stopping) {
        int64_t work[DIRTY_MAX];
        int n = ndirty, kept = 0;
        bool all = sweep;
        memcpy(work, dirty, sizeof(int64_t) * (size_t)n);
        for (int i = 0; i < ndirty; i++) /* keep the recent ones */
            if (time(NULL) - kicked_at[i] <= KEEP_S) {
                dirty[kept] = dirty[i];
                kicked_at[kept++] = kicked_at[i];
            }
        ndirty = kept;
        n = due_retries(work, n, time(NULL));
        sweep = false;
        pthread_mutex_unlock(&mu);
        struct store *platform;
        if (all && !pool_platform(&platform))
            tenant_each(platform, add_tenant, NULL);
        for (int i = 0; i < n && !stopping; i++)
            deliver_tenant(work[i]);
        pthread_mutex_lock(&mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 2;
        until.tv_sec -= ndirty ? 1 : 0; /* recent kicks: look again soon */
        if (!stopping)
            pthread_cond_timedwait(&cv, &mu, &until);
        static time_t last_sweep;
        if (time(NULL) - last_sweep >= SWEEP_S) {
            last_sweep = time(NULL);
            sweep = true;
        }
    }
    pthread_mutex_unlock(&mu);
    pool_thread_release();
    return NULL;
}

enum err
notify_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    stopping = false;
    sweep = true;
    if (pthread_create(&thread, NULL, loop, NULL) != 0)
        return err_fail(ERR_INTERNAL, "cannot start the notifier");
    running = true;
    return ERR_OK;
}

void
notify_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&mu);
    stopping = true;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    running = false;
    curl_global_cleanup();
}
