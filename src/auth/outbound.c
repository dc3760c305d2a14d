/*
 * outbound.c — the webhook guard and the e-mail sender both notifiers use
 * (outbound.h).
 */
#include "auth/outbound.h"

#include "auth/notify.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static curl_socket_t
open_socket(void *cls, curlsocktype purpose, struct curl_sockaddr *a)
{
    const struct outbound_guard *g = cls;
    (void)purpose;
    char ip[INET6_ADDRSTRLEN] = "";
    if (a->family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&a->addr)->sin_addr, ip,
                  sizeof(ip));
    else if (a->family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a->addr)->sin6_addr, ip,
                  sizeof(ip));
    if (!g->allow_private && notify_addr_private(ip)) {
        log_msg(LOG_WARN, g->event, "webhook address %s is private", ip);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

void
outbound_guard(CURL *c, const struct outbound_guard *g)
{
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, (void *)g);
}

static char *
base64_of(const char *s, size_t n)
{
    size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = xmalloc(cap);
    sodium_bin2base64(out, cap, (const unsigned char *)s, n,
                      sodium_base64_VARIANT_ORIGINAL);
    return out;
}

/* The whole message: headers, then the body in base64 lines of 76. */
static char *
mail_text(const char *from, const char *to, const char *subject,
          const char *body)
{
    char *s64 = base64_of(subject, strlen(subject));
    char *b64 = base64_of(body, strlen(body));
    size_t blen = strlen(b64), n = strlen(s64) + blen + blen / 76 * 2 +
                                   strlen(from) + strlen(to) + 1024;
    char *m = xmalloc(n);
    char date[64], hex[25];
    unsigned char rnd[12];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    int k = snprintf(m, n,
                     "Date: %s\r\nMessage-ID: <%s@pilotlight>\r\n"
                     "From: %s\r\nTo: %s\r\nSubject: =?UTF-8?B?%s?=\r\n"
                     "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n",
                     date, hex, from, to, s64);
    for (size_t i = 0; i < blen; i += 76) /* lines of 76, as MIME wants */
        k += snprintf(m + k, n - (size_t)k, "%.76s\r\n", b64 + i);
    free(s64);
    free(b64);
    return m;
}

struct mail {
    const char *data;
    size_t len, off;
};

static size_t
mail_read(char *p, size_t size, size_t n, void *arg)
{
    struct mail *m = arg;
    size_t left = m->len - m->off, want = size * n;
    size_t k = left < want ? left : want;
    memcpy(p, m->data + m->off, k);
    m->off += k;
    return k;
}

bool
outbound_mail(const char *smtp_url, const char *from, const char *to,
              const char *subject, const char *body, char *error, size_t n)
{
    char *text = mail_text(from, to, subject, body);
    struct mail m = {text, strlen(text), 0};
    CURL *c = curl_easy_init();
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    curl_easy_setopt(c, CURLOPT_URL, smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &m);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    free(text);
    if (rc != CURLE_OK)
        snprintf(error, n, "%s", curl_easy_strerror(rc));
    return rc == CURLE_OK;
}
