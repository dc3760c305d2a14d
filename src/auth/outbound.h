/*
 * outbound.h — what the two notifiers (auth/notify_send.c: account notices;
 * monitor/notify_alarm.c: gas alarms, in ingest) share when they reach
 * out: a connection guard against private addresses for webhooks (SSRF),
 * and sending one plain-text e-mail through the SMTP relay.
 */
#ifndef PL_AUTH_OUTBOUND_H
#define PL_AUTH_OUTBOUND_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

/* The guard's settings (CURLOPT_OPENSOCKETDATA); event names the log line
 * of a refusal. */
struct outbound_guard {
    bool allow_private;
    const char *event;
};

/* Set c's socket opener to refuse private addresses unless g allows them
 * (g must outlive the transfer). */
void outbound_guard(CURL *c, const struct outbound_guard *g);

/* Send a text/plain UTF-8 message (subject and body base64, as MIME wants
 * for Japanese) from `from` to `to` through smtp_url (smtp:// upgrades
 * with STARTTLS when offered). False with the reason in error. */
bool outbound_mail(const char *smtp_url, const char *from, const char *to,
                   const char *subject, const char *body, char *error,
                   size_t n);

#endif
