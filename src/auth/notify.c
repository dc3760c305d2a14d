/*
 * notify.c — the outbox side: queueing notices, the webhook setting, and
 * the address check.
 */
#include "auth/crypto.h"
#include "auth/notify.h"
#include "auth/users.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct notify_config ncfg;

void
notify_configure(const struct notify_config *c)
{
    ncfg = *c;
}

const struct notify_config *
notify_config(void)
{
    return &ncfg;
}

enum err
notify_setting(struct store *st, const char *key, char *out, size_t n)
{
    struct stmt *s;
    bool row = false;
    out[0] = '\0';
    enum err rc = store_query(
        st, &s, "SELECT value FROM settings WHERE key = $1", "t", key);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        snprintf(out, n, "%s", stmt_text(s, 0));
    stmt_done(s);
    return rc;
}

/* store_info value, "" when the store has no such table or key. */
static enum err
info_get(struct store *st, const char *key, char *out, size_t n)
{
    struct stmt *s;
    bool row = false;
    out[0] = '\0';
    if (store_query(st, &s, "SELECT value FROM store_info WHERE key = $1", "t",
                    key) != ERR_OK)
        return ERR_OK; /* the platform store has no store_info */
    enum err rc = stmt_step(s, &row);
    if (!rc && row)
        snprintf(out, n, "%s", stmt_text(s, 0));
    stmt_done(s);
    return rc;
}

static enum err
queue_row(struct store *st, const char *channel, const char *dest,
          const char *subject, const char *payload)
{
    char now[32];
    time_now_iso(now);
    return store_run(st,
                     "INSERT INTO notify_outbox (channel, destination,"
                     " subject, payload, created_at, next_at)"
                     " VALUES ($1, $2, $3, $4, $5, $6)",
                     "ttttti", channel, dest, subject, payload, now,
                     (int64_t)time(NULL));
}

enum err
notify_queue(struct store *st, const struct user *u, const char *kind,
             const char *message_ja, const char *detail_json)
{
    char url[600], code[64], tid[32], now[32];
    /* only tenant stores have an outbox: the platform store (operators)
     * has no store_info tenant code */
    enum err rc = info_get(st, "tenant_code", code, sizeof(code));
    if (rc || !code[0])
        return ERR_OK;
    if ((rc = info_get(st, "tenant_id", tid, sizeof(tid))) ||
        (rc = notify_setting(st, "notify.webhook_url", url, sizeof(url))))
        return rc;
    time_now_iso(now);
    json_t *detail = detail_json ? json_loads(detail_json, 0, NULL) : NULL;
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o?}", "kind", kind,
                             "tenant", code, "login_id", u->login_id, "message",
                             message_ja, "created_at", now, "detail", detail);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return ERR_OK;
    if (url[0])
        rc = queue_row(st, "webhook", url, NULL, text);
    if (!rc && ncfg.smtp_url[0] && u->email[0])
        rc = queue_row(st, "email", u->email, "pilotlight からのお知らせ",
                       message_ja);
    free(text);
    if (!rc && (url[0] || (ncfg.smtp_url[0] && u->email[0])))
        notify_kick(strtoll(tid, NULL, 10));
    return rc;
}

bool
notify_addr_private(const char *ip)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, ip, a) == 1)
        return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
               (a[0] == 169 && a[1] == 254) ||
               (a[0] == 172 && (a[1] & 0xF0) == 16) ||
               (a[0] == 192 && a[1] == 168) ||
               (a[0] == 100 && (a[1] & 0xC0) == 64) || a[0] >= 224;
    if (inet_pton(AF_INET6, ip, a) != 1)
        return true; /* not an address we understand: refuse */
    static const unsigned char zero[10] = {0};
    bool mapped = !memcmp(a, zero, 10) && a[10] == 0xFF && a[11] == 0xFF;
    if (mapped) {
        char v4[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, a + 12, v4, sizeof(v4));
        return notify_addr_private(v4);
    }
    static const unsigned char loop[16] = {[15] = 1};
    return !memcmp(a, loop, 16) || !memcmp(a, (unsigned char[16]){0}, 16) ||
           (a[0] & 0xFE) == 0xFC ||                   /* unique local */
           (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) || /* link-local */
           a[0] == 0xFF;                              /* multicast */
}

enum err
notify_webhook_set(struct store *st, const char *url, char *secret, size_t n)
{
    char raw[CRYPTO_TOKEN_CHARS + 1];
    crypto_token(raw);
    snprintf(secret, n, "%s", raw);
    crypto_wipe(raw, sizeof(raw));
    static const char sql[] =
        "INSERT INTO settings (key, value) VALUES ($1, $2)"
        " ON CONFLICT (key) DO UPDATE SET value = $2";
    enum err rc = store_run(st, sql, "tt", "notify.webhook_url", url);
    if (!rc)
        rc = store_run(st, sql, "tt", "notify.webhook_secret", secret);
    return rc;
}

enum err
notify_webhook_clear(struct store *st)
{
    return store_run(st,
                     "DELETE FROM settings WHERE key IN"
                     " ('notify.webhook_url', 'notify.webhook_secret')",
                     "");
}

enum err
notify_webhook_get(struct store *st, char *url, size_t n)
{
    return notify_setting(st, "notify.webhook_url", url, n);
}
