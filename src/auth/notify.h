/*
 * notify.h — notices leave the building: webhook and e-mail.
 *
 * Every in-app notice (notice_add) of a tenant user is also queued, in the
 * same transaction, in the tenant's outbox for
 *   - the tenant's webhook, when its admin configured one: a JSON POST
 *     signed with HMAC-SHA256 (X-Pilotlight-Signature: sha256=<hex>) using
 *     the secret shown once when the webhook was set;
 *   - the user's e-mail address, when the platform has an SMTP relay
 *     (--smtp-url, --mail-from) and the user has an address.
 * A notifier thread in serve delivers the outbox, retrying with backoff
 * (1 min doubling to 1 h, 10 attempts). A webhook may not point at
 * loopback, private or link-local addresses unless the operator allows it
 * (--webhook-allow-private): a tenant admin must not make the server probe
 * the platform's own network.
 */
#ifndef PL_AUTH_NOTIFY_H
#define PL_AUTH_NOTIFY_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct user;

struct notify_config {
    char smtp_url[256]; /* "" = no e-mail */
    char mail_from[256];
    bool allow_private; /* webhooks to private addresses (tests, labs) */
};

/* Configure; start the delivery thread (serve only). */
void notify_configure(const struct notify_config *c);
enum err notify_start(void);
void notify_stop(void);

/* Queue a notice for delivery (inside the caller's transaction). */
enum err notify_queue(struct store *st, const struct user *u, const char *kind,
                      const char *message_ja, const char *detail_json);

/* A tenant setting ("" when unset). */
enum err notify_setting(struct store *st, const char *key, char *out, size_t n);
/* The configuration given to notify_configure(). */
const struct notify_config *notify_config(void);
/* Look at tenant_id's outbox again at unix time at (a retry). */
void notify_retry(int64_t tenant_id, int64_t at);
/* Wake the notifier for tenant_id's outbox. */
void notify_kick(int64_t tenant_id);

/* True for loopback, private, link-local, CGNAT and unspecified addresses
 * (IPv4 or IPv6 text). */
bool notify_addr_private(const char *ip);

/* The tenant's webhook: set (returns the signing secret, shown once),
 * clear, read. Inside the caller's transaction for set/clear. */
enum err notify_webhook_set(struct store *st, const char *url, char *secret,
                            size_t n);
enum err notify_webhook_clear(struct store *st);
enum err notify_webhook_get(struct store *st, char *url, size_t n);

#endif
