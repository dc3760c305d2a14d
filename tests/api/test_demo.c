/*
 * test_demo.c — `pilotlight demo` seeds an empty data dir, serves it,
 * prints the URL and the demo retailers, answers /healthz at that URL, and
 * stops cleanly on Ctrl-C (SIGINT) with exit code 0. A second start reuses
 * the data instead of seeding again.
 */
#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

/* Start demo with stdout on a pipe; read until the banner is complete (or
 * the process ends). */
static pid_t
start_demo(const char *data, const char *web, char *out, size_t n)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        close(p[0]);
        execl(bin_path(), bin_path(), "demo", "--data", data, "--port", "0",
              "--web", web, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    size_t got = 0;
    out[0] = '\0';
    struct pollfd pf = {.fd = p[0], .events = POLLIN};
    while (got + 1 < n && !strstr(out, "Ctrl-C") && poll(&pf, 1, 20000) > 0) {
        ssize_t r = read(p[0], out + got, n - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        out[got] = '\0';
    }
    close(p[0]);
    return pid;
}

static void
test_demo_refuses_missing_console_files(void **state)
{
    (void)state;
    struct server s;
    server_prepare(&s);
    char out[8192];
    pid_t pid = start_demo(s.data, "/nonexistent/web", out, sizeof(out));
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
    assert_int_not_equal(access(s.data, F_OK), 0); /* nothing was seeded */
    rm_rf(s.dir);
}

static void
check_running_demo(pid_t pid, const char *out)
{
    const char *url = strstr(out, "http://127.0.0.1:");
    assert_non_null(url);
    struct server s = {.pid = pid};
    s.port = atoi(url + strlen("http://127.0.0.1:"));
    assert_true(s.port > 0);
    struct http h;
    http_get(&s, "/healthz", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    assert_non_null(strstr(out, "0001"));
    assert_non_null(strstr(out, "0003"));
    assert_int_equal(server_signal_wait(&s, SIGINT), 0);
}

static void
test_demo_seeds_serves_and_stops_on_ctrl_c(void **state)
{
    (void)state;
    struct server s;
    server_prepare(&s);
    char out[8192], web[4096];
    snprintf(web, sizeof(web), "%s/web", src_path());
    pid_t pid = start_demo(s.data, web, out, sizeof(out));
    assert_non_null(strstr(out, "Seeding demo data"));
    check_running_demo(pid, out);
    /* second start: same data, no seeding */
    pid = start_demo(s.data, web, out, sizeof(out));
    assert_null(strstr(out, "Seeding demo data"));
    check_running_demo(pid, out);
    rm_rf(s.dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_refuses_missing_console_files),
        cmocka_unit_test(test_demo_seeds_serves_and_stops_on_ctrl_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
