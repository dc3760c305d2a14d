/*
 * listen.c — the parts of a libmicrohttpd daemon serve, the vault and the
 * status page share (listen.h).
 */
#include "http/listen.h"

#include "core/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum err
http_listen_addr(const char *bind, int port, struct sockaddr_storage *ss,
                 bool *v6)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    *v6 = false;
    if (inet_pton(AF_INET, bind, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return ERR_OK;
    }
    if (inet_pton(AF_INET6, bind, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *v6 = true;
        return ERR_OK;
    }
    return err_fail(ERR_CONFIG, "--bind: '%s' is not an IPv4 or IPv6 address",
                    bind);
}

void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_msg(LOG_WARN, cls ? (const char *)cls : "http.library", "%s", msg);
}

size_t
http_no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}
