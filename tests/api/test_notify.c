/*
 * test_notify.c — notices leave the building: when a password was right
 * but the one-time code wrong, the user's notice also goes to the tenant's
 * webhook (HMAC-signed) and to the user's e-mail through the SMTP relay.
 *
 * The test plays both receivers itself: a one-shot HTTP endpoint and a
 * minimal SMTP relay, each a thread on a loopback port.
 */
#include "accounts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static struct server srv;
static struct account admin, yamada;

struct receiver {
    int listen_fd, port;
    bool smtp;
    char got[16384];
    pthread_t thread;
};

static struct receiver hook, relay;

static int
listen_any(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 4), 0);
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static size_t
read_some(int fd, char *buf, size_t off, size_t cap)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 15000) <= 0)
        return off;
    ssize_t n = recv(fd, buf + off, cap - 1 - off, 0);
    if (n > 0)
        off += (size_t)n;
    buf[off] = '\0';
    return off;
}

static void
say(int fd, const char *line)
{
    ssize_t w = send(fd, line, strlen(line), MSG_NOSIGNAL);
    (void)w;
}

/* SMTP: greet, answer each command, keep everything the client sent. */
static void
serve_smtp(struct receiver *r, int fd)
{
    size_t off = 0, done = 0;
    say(fd, "220 relay ready\r\n");
    bool data = false;
    while (off + 1 < sizeof(r->got)) {
        size_t before = off;
        off = read_some(fd, r->got, off, sizeof(r->got));
        if (off == before)
            break;
        while (done < off) {
            char *eol = strstr(r->got + done, "\r\n");
            if (!eol)
                break;
            const char *line = r->got + done;
            done = (size_t)(eol - r->got) + 2;
            if (data) {
                if (!strncmp(line, ".\r\n", 3)) {
                    data = false;
                    say(fd, "250 queued\r\n");
                }
            } else if (!strncmp(line, "DATA", 4)) {
                data = true;
                say(fd, "354 go ahead\r\n");
            } else if (!strncmp(line, "QUIT", 4)) {
                say(fd, "221 bye\r\n");
                return;
            } else {
                say(fd, "250 ok\r\n");
            }
        }
    }
}

static void *
receive(void *arg)
{
    struct receiver *r = arg;
    struct pollfd p = {.fd = r->listen_fd, .events = POLLIN};
    if (poll(&p, 1, 30000) <= 0) /* nothing came: the test will say so */
        return NULL;
    int fd = accept(r->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    if (r->smtp) {
        serve_smtp(r, fd);
    } else {
        size_t off = 0;
        for (int i = 0; i < 20 && !strstr(r->got, "\"kind\""); i++)
            off = read_some(fd, r->got, off, sizeof(r->got));
        say(fd, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    }
    close(fd);
    return NULL;
}

static void
start_receiver(struct receiver *r, bool smtp)
{
    memset(r, 0, sizeof(*r));
    r->smtp = smtp;
    r->listen_fd = listen_any(&r->port);
    pthread_create(&r->thread, NULL, receive, r);
}

static int
setup(void **state)
{
    (void)state;
    start_receiver(&hook, false);
    start_receiver(&relay, true);
    server_prepare(&srv);
    tenant_make(&srv, "0001", "テストガス株式会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    const char *u[] = {"user",     "create",
                       "--data",   srv.data,
                       "--tenant", "0001",
                       "--login",  "yamada",
                       "--name",   "山田",
                       "--role",   "reader",
                       "--email",  "yamada@example.jp",
                       NULL};
    char *out, *err;
    assert_int_equal(cli_run(u, &out, &err), 0);
    yamada.tenant = "0001";
    snprintf(yamada.login, sizeof(yamada.login), "yamada");
    sscanf(strstr(out, "initial password: ") + 18, "%63s", yamada.password);
    free(out);
    free(err);
    char smtp[64];
    snprintf(smtp, sizeof(smtp), "smtp://127.0.0.1:%d", relay.port);
    const char *extra[] = {"--login-rate",
                           "1000",
                           "--webhook-allow-private",
                           "true",
                           "--smtp-url",
                           smtp,
                           "--mail-from",
                           "notice@pilotlight.example",
                           NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_enroll(&srv, &yamada);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    server_down(&srv);
    close(hook.listen_fd);
    close(relay.listen_fd);
    return 0;
}

static void
test_wrong_code_notice_reaches_webhook_and_mail(void **state)
{
    (void)state;
    struct client c;
    struct http h;
    char url[96], body[160], secret[128];
    account_sign_in(&srv, &c, &admin);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", hook.port);
    snprintf(body, sizeof(body), "{\"url\":\"%s\"}", url);
    client_req(&srv, &c, "PUT", "/api/v1/settings/webhook", body, &h);
    assert_int_equal(h.status, 200);
    snprintf(secret, sizeof(secret), "%s",
             json_string_value(json_object_get(h.json, "secret")));
    http_free(&h);
    client_free(&c);
    /* someone with yamada's password, but not the phone */
    client_init(&c);
    account_post_login(&srv, &c, &yamada, yamada.password, &h);
    http_free(&h);
    account_post_code(&srv, &c, "/api/v1/auth/totp", "000000", &h);
    assert_int_equal(h.status, 401);
    http_free(&h);
    client_free(&c);
    pthread_join(hook.thread, NULL);
    pthread_join(relay.thread, NULL);
    /* the webhook: signed JSON naming the event and the user */
    if (!strstr(hook.got, "POST /hook")) {
        char cmd[512];
        snprintf(cmd, sizeof(cmd),
                 "sqlite3 %s/tenants/1.db 'select * from "
                 "notify_outbox; select * from notices' >&2",
                 srv.data);
        if (system(cmd)) {
        }
        char *log = slurp(srv.log);
        fail_msg("webhook got: %.500s\nrelay got: %.300s\nlog: %s", hook.got,
                 relay.got, log);
    }
    const char *json = strstr(hook.got, "\r\n\r\n");
    assert_non_null(json);
    json += 4;
    assert_non_null(strstr(json, "\"kind\":\"mfa_failed\""));
    assert_non_null(strstr(json, "\"login_id\":\"yamada\""));
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
                                strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)json,
                                  strlen(json));
    crypto_auth_hmacsha256_final(&st, mac);
    char hex[2 * sizeof(mac) + 1], want[100];
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    snprintf(want, sizeof(want), "sha256=%s", hex);
    assert_non_null(strcasestr(hook.got, want));
    /* the e-mail: to yamada, UTF-8, through the relay */
    assert_non_null(strstr(relay.got, "RCPT TO:<yamada@example.jp>"));
    assert_non_null(strstr(relay.got, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(relay.got, "charset=UTF-8"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_code_notice_reaches_webhook_and_mail),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
