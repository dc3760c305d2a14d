/*
 * test_status.c — a real `pilotlight status` process beside real serve and
 * ingest processes on one data dir.
 *
 * Cases: serve's and ingest's heartbeats show as healthy, then serve's as
 * stale after SIGKILL and as stopped after SIGTERM; a posted notice shows
 * in the HTML (escaped) and the JSON, and resolve works (once); a progress
 * file shows as a table of time and percent, running, finished and
 * stalled; garbage in every file the page reads does not crash it; the
 * page is read-only and answers nothing but its four paths.
 */
#include "harness.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static struct server s;  /* serve; s.data is the shared DATA */
static struct server st; /* the status page; st.dir is its own */

static void
write_file(const char *path, const char *text, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

static void
status_path(const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s/status/%s", s.data, rel);
}

static void
status_start(void)
{
    char data[400];
    snprintf(data, sizeof(data), "%s", s.data);
    const char *argv[] = {bin_path(),
                          "status",
                          "--data",
                          data,
                          "--port",
                          "0",
                          "--stale",
                          "3",
                          "--restore-stale",
                          "5",
                          "--components",
                          "serve,ingest,backup",
                          NULL};
    st.port = 0;
    st.pid = fork();
    assert_true(st.pid >= 0);
    if (st.pid == 0) {
        int fd = open(st.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        close(fd);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 400 && !st.port; i++) {
        char *log = slurp(st.log);
        const char *p = log ? strstr(log, "listening on port ") : NULL;
        if (p)
            st.port = atoi(p + strlen("listening on port "));
        free(log);
        if (!st.port && !server_alive(&st))
            fail_msg("status exited during start-up");
        usleep(25000);
    }
    assert_true(st.port > 0);
}

static int
setup(void **state)
{
    (void)state;
    server_up(&s);
    server_prepare(&st);
    snprintf(st.log, sizeof(st.log), "%s/status.log", st.dir);
    status_start();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    assert_true(server_alive(&st)); /* nothing crashed it */
    server_down(&st);
    if (server_alive(&s))
        server_down(&s);
    return 0;
}

/* The JSON's component named name, from a fresh GET (caller frees h). */
static json_t *
component(struct http *h, const char *name)
{
    http_get(&st, "/status.json", h);
    assert_int_equal(h->status, 200);
    assert_non_null(h->json);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(h->json, "components"), i, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "component")), name))
            return c;
    }
    return NULL;
}

/* Wait (up to timeout_s) until component name has state; fail if not. */
static void
wait_state(const char *name, const char *want, int timeout_s)
{
    char last[32] = "absent";
    for (int i = 0; i < timeout_s * 10; i++) {
        struct http h;
        json_t *c = component(&h, name);
        const char *got =
            c ? json_string_value(json_object_get(c, "state")) : "absent";
        snprintf(last, sizeof(last), "%s", got);
        http_free(&h);
        if (!strcmp(last, want))
            return;
        usleep(100000);
    }
    fail_msg("%s: state %s, wanted %s", name, last, want);
}

static void
test_heartbeats_healthy_then_stale_then_stopped(void **state)
{
    (void)state;
    struct server g;
    memset(&g, 0, sizeof(g));
    ingest_start(&g, &s, NULL, NULL);
    wait_state("serve", "ok", 10);
    wait_state("ingest", "ok", 10);
    wait_state("backup", "unknown", 1); /* expected, never seen */
    struct http h;
    json_t *c = component(&h, "serve");
    assert_true(json_is_integer(
        json_object_get(json_object_get(c, "detail"), "tenant_stores_open")));
    assert_null(json_object_get(c, "pid")); /* public: no pid or host */
    assert_null(json_object_get(c, "host"));
    http_free(&h);
    c = component(&h, "ingest");
    assert_true(json_is_false(
        json_object_get(json_object_get(c, "detail"), "forwarding")));
    http_free(&h);

    assert_int_equal(server_signal_wait(&s, SIGKILL), 128 + SIGKILL);
    wait_state("serve", "stale", 10);
    http_get(&st, "/status.json", &h);
    assert_string_equal(json_string_value(json_object_get(h.json, "overall")),
                        "outage");
    http_free(&h);
    http_get(&st, "/", &h);
    assert_non_null(strstr(h.body, "停止中"));
    assert_non_null(strstr(h.body, "not responding"));
    http_free(&h);

    server_restart(&s, NULL);
    wait_state("serve", "ok", 10);
    assert_int_equal(server_signal_wait(&s, SIGTERM), 0);
    wait_state("serve", "stopped", 5);
    assert_int_equal(server_signal_wait(&g, SIGTERM), 0);
    wait_state("ingest", "stopped", 5);
    server_restart(&s, NULL);
}

static int
run(const char *const *args, char **err)
{
    char *out;
    int rc = cli_run(args, &out, err);
    free(out);
    return rc;
}

/* The newest notice once the page shows id (the page caches 1 s). */
static void
wait_notice(long long id, bool resolved, struct http *h)
{
    for (int i = 0; i < 40; i++) {
        http_get(&st, "/status.json", h);
        json_t *n = json_array_get(json_object_get(h->json, "notices"), 0);
        if (json_integer_value(json_object_get(n, "id")) == id &&
            json_is_string(json_object_get(n, "resolved_at")) == resolved)
            return;
        http_free(h);
        usleep(100000);
    }
    fail_msg("notice %lld not shown", id);
}

static void
test_notice_post_shows_and_resolves(void **state)
{
    (void)state;
    char *err;
    const char *post[] = {"status",  "post",
                          "--data",  s.data,
                          "--level", "outage",
                          "--title", "システム障害 <script>x</script>",
                          "--body",  "復旧作業中です。\nNext update 12:00",
                          NULL};
    assert_int_equal(run(post, &err), 0);
    free(err);
    const char *post2[] = {"status", "post",    "--data", s.data, "--level",
                           "info",   "--title", "second", NULL};
    assert_int_equal(run(post2, &err), 0);
    free(err);
    struct http h;
    wait_notice(2, false, &h); /* newest first */
    json_t *n = json_array_get(json_object_get(h.json, "notices"), 1);
    assert_string_equal(json_string_value(json_object_get(n, "title")),
                        "システム障害 <script>x</script>");
    assert_string_equal(json_string_value(json_object_get(n, "level")),
                        "outage");
    assert_string_equal(json_string_value(json_object_get(h.json, "overall")),
                        "outage");
    http_free(&h);
    http_get(&st, "/", &h);
    assert_non_null(strstr(h.body, "&lt;script&gt;x&lt;/script&gt;"));
    assert_null(strstr(h.body, "<script"));
    assert_non_null(strstr(h.body, "復旧作業中です。"));
    assert_true(strstr(h.body, "second") < strstr(h.body, "システム障害"));
    http_free(&h);

    const char *res[] = {"status", "resolve",      "1", "--data", s.data,
                         "--body", "復旧しました", NULL};
    assert_int_equal(run(res, &err), 0);
    free(err);
    const char *res2[] = {"status", "resolve", "--id", "2",
                          "--data", s.data,    NULL};
    assert_int_equal(run(res2, &err), 0);
    free(err);
    wait_notice(2, true, &h);
    n = json_array_get(json_object_get(h.json, "notices"), 1);
    assert_true(json_is_string(json_object_get(n, "resolved_at")));
    assert_string_equal(json_string_value(json_object_get(n, "resolution")),
                        "復旧しました");
    http_free(&h);

    assert_int_equal(run(res, &err), 1); /* already resolved */
    assert_non_null(strstr(err, "already resolved"));
    free(err);
    const char *none[] = {"status", "resolve", "99", "--data", s.data, NULL};
    assert_int_equal(run(none, &err), 1);
    free(err);
    const char *bad[] = {"status", "post",    "--data", s.data, "--level",
                         "panic",  "--title", "x",      NULL};
    assert_int_equal(run(bad, &err), 2);
    assert_non_null(strstr(err, "--level"));
    free(err);
    const char *ctl[] = {"status", "post",    "--data", s.data, "--level",
                         "info",   "--title", "a\x01b", NULL};
    assert_int_equal(run(ctl, &err), 2);
    free(err);
}

static void
iso(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* A progress file of n lines, 10 s apart, ending at now - ago seconds. */
static void
write_progress(int n, int ago, const char *last_state)
{
    char path[512], when[32], line[512];
    struct buf_s {
        char *p;
        size_t len;
    } b = {calloc(1, 1 << 16), 0};
    time_t now = time(NULL);
    for (int i = 0; i < n; i++) {
        iso(now - ago - (n - 1 - i) * 10, when);
        int done = i + 1 == n && last_state ? 4 : i * 4 / n;
        snprintf(line, sizeof(line),
                 "{\"time\":\"%s\",\"store\":\"tenant-%d\",\"phase\":"
                 "\"replay\",\"stores_done\":%d,\"stores_total\":4,"
                 "\"bytes\":%d,\"bytes_total\":%d,\"eta_s\":%d,"
                 "\"state\":\"%s\"}\n",
                 when, i, done, (i + 1) * 100,
                 last_state ? n * 100 : n * 100 + 100, (n - 1 - i) * 10,
                 i + 1 == n && last_state ? last_state : "running");
        memcpy(b.p + b.len, line, strlen(line));
        b.len += strlen(line);
    }
    status_path("restore-progress.jsonl", path, sizeof(path));
    write_file(path, b.p, b.len);
    free(b.p);
}

static json_t *
wait_restore(const char *want, struct http *h)
{
    for (int i = 0; i < 40; i++) {
        http_get(&st, "/status.json", h);
        json_t *r = json_object_get(h->json, "restore");
        const char *got = json_string_value(json_object_get(r, "state"));
        if (got && !strcmp(got, want))
            return r;
        http_free(h);
        usleep(100000);
    }
    fail_msg("restore never %s", want);
    return NULL;
}

static void
test_progress_file_shows_percent_table(void **state)
{
    (void)state;
    char dir[512];
    status_path("", dir, sizeof(dir));
    mkdir(dir, 0750);
    write_progress(10, 0, NULL); /* 1/11, 2/11 … 10/11 of bytes, running */
    struct http h;
    json_t *r = wait_restore("running", &h);
    json_t *pts = json_object_get(r, "points");
    assert_int_equal(json_array_size(pts), 10);
    assert_true(json_real_value(
                    json_object_get(json_array_get(pts, 0), "percent")) == 9.0);
    assert_true(json_real_value(json_object_get(json_array_get(pts, 4),
                                                "percent")) == 45.4);
    assert_null(json_object_get(r, "store")); /* may name a tenant */
    assert_string_equal(json_string_value(json_object_get(h.json, "overall")),
                        "outage");
    http_free(&h);
    http_get(&st, "/", &h);
    assert_non_null(strstr(h.body, "復旧の進捗"));
    assert_non_null(strstr(h.body, "<td>45.4%</td>"));
    assert_null(strstr(h.body, "tenant-"));
    http_free(&h);

    write_progress(60, 0, "done"); /* sampled down, finished */
    r = wait_restore("finished", &h);
    assert_int_equal(json_array_size(json_object_get(r, "points")), 24);
    assert_true(json_real_value(json_object_get(r, "percent")) == 100.0);
    http_free(&h);

    /* the shape restore.c writes: bytes_total follows bytes, per-store
     * lines say "ok"/"failed", a closing "report" line */
    char path[512], when[32], text[2048];
    iso(time(NULL), when);
    snprintf(text, sizeof(text),
             "{\"time\":\"%s\",\"store\":\"\",\"phase\":\"start\","
             "\"stores_done\":0,\"stores_total\":2,\"bytes\":0,"
             "\"bytes_total\":0,\"eta_s\":null,\"state\":\"running\"}\n"
             "{\"time\":\"%s\",\"store\":\"platform\",\"phase\":"
             "\"snapshot\",\"stores_done\":0,\"stores_total\":2,"
             "\"bytes\":500,\"bytes_total\":500,\"eta_s\":null,"
             "\"state\":\"running\"}\n"
             "{\"time\":\"%s\",\"store\":\"platform\",\"phase\":"
             "\"done\",\"stores_done\":1,\"stores_total\":2,\"bytes\":500,"
             "\"bytes_total\":500,\"eta_s\":3,\"state\":\"ok\"}\n",
             when, when, when);
    status_path("restore-progress.jsonl", path, sizeof(path));
    write_file(path, text, strlen(text));
    r = wait_restore("running", &h);
    assert_true(json_real_value(json_object_get(r, "percent")) == 50.0);
    http_free(&h);
    size_t len = strlen(text);
    snprintf(text + len, sizeof(text) - len,
             "{\"time\":\"%s\",\"store\":\"7\",\"phase\":\"done\","
             "\"stores_done\":1,\"stores_total\":2,\"bytes\":500,"
             "\"bytes_total\":500,\"eta_s\":null,\"state\":\"failed\"}\n"
             "{\"time\":\"%s\",\"store\":\"\",\"phase\":\"report\","
             "\"stores_done\":1,\"stores_total\":2,\"bytes\":500,"
             "\"bytes_total\":500,\"eta_s\":null,\"state\":\"failed\"}\n",
             when, when);
    write_file(path, text, strlen(text));
    r = wait_restore("finished_with_errors", &h);
    assert_true(json_is_true(json_object_get(r, "failures")));
    http_free(&h);

    write_progress(3, 600, NULL); /* last line 10 min ago: stalled */
    wait_restore("stalled", &h);
    http_free(&h);
    http_get(&st, "/", &h);
    assert_non_null(strstr(h.body, "停滞"));
    http_free(&h);
}

static void
test_garbage_does_not_crash_it(void **state)
{
    (void)state;
    char path[512], big[40000];
    status_path("heartbeats", path, sizeof(path));
    mkdir(path, 0750);
    static const char *const junk[] = {
        "",
        "{",
        "[]",
        "null",
        "{\"component\":\"backup\",\"state\":\"ok\",\"time\":\"yesterday\"}",
        "{\"component\":\"other\",\"state\":\"ok\",\"time\":"
        "\"2026-01-01T00:00:00Z\"}",
        "{\"component\":\"backup\",\"state\":\"ok\",\"time\":"
        "\"2026-02-30T00:00:00Z\"}",
        "{\"component\":\"backup\",\"state\":\"ok\",\"state\":\"ok\"}",
        "\xff\xfe\x00\x01",
    };
    status_path("heartbeats/backup.json", path, sizeof(path));
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        write_file(path, junk[i], i == 8 ? 4 : strlen(junk[i]));
        wait_state("backup", "unknown", 3);
    }
    memset(big, ' ', sizeof(big));
    write_file(path, big, sizeof(big)); /* over the size limit */
    status_path("heartbeats/Bad..json", path, sizeof(path));
    write_file(path, "{}", 2);
    status_path("heartbeats/dir.json", path, sizeof(path));
    mkdir(path, 0750);
    status_path("heartbeats/link.json", path, sizeof(path));
    assert_int_equal(symlink("/etc/passwd", path), 0);
    status_path("restore-progress.jsonl", path, sizeof(path));
    memset(big, 'x', sizeof(big));
    static const char lines[] = "\n{\"time\":1}\n\x00\n[]\n";
    memcpy(big + 100, lines, sizeof(lines) - 1);
    write_file(path, big, sizeof(big));
    status_path("notices", path, sizeof(path));
    mkdir(path, 0750);
    status_path("notices/7.json", path, sizeof(path));
    write_file(path, "{\"title\":", 9);
    status_path("notices/007.json", path, sizeof(path));
    write_file(path, "{}", 2);
    struct http h;
    usleep(1100000); /* past the page's cache */
    http_get(&st, "/status.json", &h);
    assert_int_equal(h.status, 200);
    assert_non_null(h.json);
    assert_true(json_is_null(json_object_get(h.json, "restore")));
    http_free(&h);
    http_get(&st, "/", &h);
    assert_int_equal(h.status, 200);
    assert_null(strstr(h.body, "root:"));
    http_free(&h);
    wait_state("backup", "unknown", 1);
    wait_state("link", "unknown", 1); /* not followed */
}

static void
test_page_is_read_only(void **state)
{
    (void)state;
    struct http h;
    http_req(&st, "POST", "/", "application/json", "{}", 2, &h);
    assert_true(h.status == 405 || h.status == 413);
    http_free(&h);
    http_req(&st, "DELETE", "/status.json", NULL, NULL, 0, &h);
    assert_int_equal(h.status, 405);
    assert_non_null(http_header(&h, "Allow"));
    http_free(&h);
    static const char *const paths[] = {"/status", "/../status.json",
                                        "/%2e%2e/", "/status.json/",
                                        "/heartbeats/serve.json"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        http_get(&st, paths[i], &h);
        assert_int_equal(h.status, 404);
        http_free(&h);
    }
    http_get(&st, "/", &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(http_header(&h, "Content-Type"), "text/html"));
    assert_non_null(
        strstr(http_header(&h, "Content-Security-Policy"), "default-src"));
    assert_non_null(strstr(h.body, "http-equiv=\"refresh\""));
    assert_non_null(strstr(h.body, "稼働状況"));
    assert_non_null(strstr(h.body, "Service status"));
    http_free(&h);
    http_get(&st, "/style.css", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
    http_get(&st, "/healthz", &h);
    assert_int_equal(h.status, 200);
    http_free(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heartbeats_healthy_then_stale_then_stopped),
        cmocka_unit_test(test_notice_post_shows_and_resolves),
        cmocka_unit_test(test_progress_file_shows_percent_table),
        cmocka_unit_test(test_garbage_does_not_crash_it),
        cmocka_unit_test(test_page_is_read_only),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
