/*
 * test_shutdown.c — SIGTERM and SIGINT let in-flight requests finish, then
 * the process exits 0; start-up refuses bad configuration with a message.
 */
#include "harness.h"

#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static size_t
read_reply(int fd, char *out, size_t n)
{
    size_t got = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (got + 1 < n && poll(&p, 1, 5000) > 0) {
        ssize_t r = recv(fd, out + got, n - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    out[got] = '\0';
    return got;
}

/* Half a request is in flight when the signal comes; it still completes. */
static void
drain_on(int sig)
{
    struct server s;
    server_up(&s);
    const char *body = "{\"message\": \"sent during shutdown\"}";
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "POST /api/v1/client-errors HTTP/1.1\r\nHost: t\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     strlen(body));
    int fd = raw_connect(s.port);
    assert_true(fd >= 0);
    assert_true(send(fd, head, (size_t)n, MSG_NOSIGNAL) == n);
    assert_true(send(fd, body, 10, MSG_NOSIGNAL) == 10);
    usleep(200000);
    kill(s.pid, sig);
    usleep(300000);
    assert_true(server_alive(&s)); /* waiting for our request */
    /* no new connections are taken while draining */
    char out[2048];
    size_t got =
        raw_exchange(s.port, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 35,
                     out, sizeof(out), 500);
    assert_null(strstr(out, " 200 "));
    (void)got;
    size_t rest = strlen(body) - 10;
    assert_true(send(fd, body + 10, rest, MSG_NOSIGNAL) == (ssize_t)rest);
    read_reply(fd, out, sizeof(out));
    close(fd);
    assert_non_null(strstr(out, "HTTP/1.1 204"));
    assert_int_equal(server_signal_wait(&s, 0), 0);
    char *log = slurp(s.log);
    assert_non_null(strstr(log, "\"event\":\"serve.stopped\""));
    assert_non_null(strstr(log, "sent during shutdown"));
    free(log);
    rm_rf(s.dir);
}

static void
test_sigterm_drains_in_flight_request_and_exits_0(void **state)
{
    (void)state;
    drain_on(SIGTERM);
}

static void
test_sigint_drains_in_flight_request_and_exits_0(void **state)
{
    (void)state;
    drain_on(SIGINT);
}

static void
test_idle_server_stops_promptly(void **state)
{
    (void)state;
    struct server s;
    server_up(&s);
    struct http h;
    http_get(&s, "/healthz", &h); /* leaves a keep-alive connection */
    http_free(&h);
    assert_int_equal(server_signal_wait(&s, SIGTERM), 0);
    rm_rf(s.dir);
}

static void
test_bad_config_is_refused_with_message(void **state)
{
    (void)state;
    char *out, *err;
    const char *a1[] = {"serve", "--port", "70000", NULL};
    assert_int_equal(cli_run(a1, &out, &err), 2);
    assert_non_null(strstr(err, "--port"));
    free(out);
    free(err);
    struct server t;
    server_prepare(&t); /* only for a fresh temp dir */
    const char *a2[] = {"serve",  "--bind", "not-an-address",
                        "--data", t.data,   NULL};
    assert_int_not_equal(cli_run(a2, &out, &err), 0);
    assert_non_null(strstr(err, "--bind"));
    assert_int_not_equal(access(t.data, F_OK), 0); /* untouched */
    rm_rf(t.dir);
    free(out);
    free(err);
    const char *a3[] = {"serve", "--frobnicate", NULL};
    assert_int_equal(cli_run(a3, &out, &err), 2);
    assert_non_null(strstr(err, "unknown option '--frobnicate'"));
    free(out);
    free(err);
    setenv("PILOTLIGHT_THREADS", "lots", 1);
    const char *a4[] = {"serve", NULL};
    assert_int_equal(cli_run(a4, &out, &err), 2);
    assert_non_null(strstr(err, "PILOTLIGHT_THREADS"));
    unsetenv("PILOTLIGHT_THREADS");
    free(out);
    free(err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigterm_drains_in_flight_request_and_exits_0),
        cmocka_unit_test(test_sigint_drains_in_flight_request_and_exits_0),
        cmocka_unit_test(test_idle_server_stops_promptly),
        cmocka_unit_test(test_bad_config_is_refused_with_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
