/*
 * listen.h — what every libmicrohttpd daemon of ours shares (serve, the
 * vault, the status page): the listening address from --bind/--port, the
 * library's error log into ours, and keeping URLs undecoded.
 */
#ifndef PL_HTTP_LISTEN_H
#define PL_HTTP_LISTEN_H

#include "core/err.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/socket.h>

/* bind (an IPv4 or IPv6 literal) and port as a socket address; *v6 says
 * which. ERR_CONFIG naming --bind otherwise. */
enum err http_listen_addr(const char *bind, int port,
                          struct sockaddr_storage *ss, bool *v6);

/* MHD_OPTION_EXTERNAL_LOGGER: the library's messages as warnings; cls is
 * the log event's name (a string that outlives the daemon). */
__attribute__((format(printf, 2, 0))) void
http_mhd_log(void *cls, const char *fmt, va_list ap);

/* MHD_OPTION_UNESCAPE_CALLBACK: leave %xx as sent (the vault and the
 * status page use paths as received). */
size_t http_no_unescape(void *cls, struct MHD_Connection *c, char *s);

#endif
