/*
 * test_statements_cli.c — `pilotlight billing statements`: a billing run's
 * statements as one PDF file, with a real binary (src/billing/
 * statements_cli.c).
 *
 * Data: `pilotlight seed` as of 2026-10-28 (one retailer, 300 households,
 * three months of history: the seed's billing module committed runs); a
 * server on the same data dir answers what the file must hold (the run's
 * issued invoices, the registration number) and the audit log.
 *
 * Covers: the file is a PDF (pdfinfo) with one page per issued invoice of
 * the run, pdftotext shows the registration number and the first invoice's
 * number, it is readable by its owner only, and no FILE.tmp is left;
 * progress lines and the summary on stderr, the summary JSON on stdout;
 * the export is audited (billing.statements, via cli); an unknown run or
 * an unwritable path fails and leaves an existing FILE as it was; killed
 * in the middle, it never leaves a half file under FILE; bad usage exits 2.
 */
#include "accounts.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static struct server srv;
static struct account admin;
static struct client admin_c;
static int64_t run_id, issued, first_number;
static char registration[32], out[400], tmp[420];

static int64_t
num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static json_t *
get_json(const char *path)
{
    struct http h;
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    if (h.status != 200)
        fail_msg("GET %s: %ld %s", path, h.status, h.body);
    json_t *j = json_incref(h.json);
    http_free(&h);
    return j;
}

/* The committed run with the most invoices. */
static void
pick_run(void)
{
    json_t *l = get_json("/api/v1/billing-runs"), *r;
    size_t i;
    int64_t best = -1;
    json_array_foreach(json_object_get(l, "billing_runs"), i, r)
    {
        if (num(r, "contracts_done") > best) {
            best = num(r, "contracts_done");
            run_id = num(r, "id");
        }
    }
    json_decref(l);
    assert_true(run_id > 0);
}

/* Its issued invoices (what a statement is printed for), and the lowest
 * number among them. */
static void
count_issued(void)
{
    int64_t after = 0;
    first_number = INT64_MAX;
    for (;;) {
        char path[128];
        size_t i;
        json_t *iv;
        snprintf(path, sizeof(path),
                 "/api/v1/invoices?run_id=%lld&limit=500&after=%lld",
                 (long long)run_id, (long long)after);
        json_t *l = get_json(path);
        json_array_foreach(json_object_get(l, "invoices"), i, iv)
        {
            if (strcmp(json_string_value(json_object_get(iv, "status")),
                       "issued"))
                continue;
            issued++;
            if (num(iv, "number") < first_number)
                first_number = num(iv, "number");
        }
        json_t *next = json_object_get(l, "next_after");
        after = json_is_integer(next) ? json_integer_value(next) : 0;
        json_decref(l);
        if (!after)
            break;
    }
    assert_true(issued > 0);
}

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    const char *seed[] = {"seed",      "--data",     srv.data,
                          "--tenants", "1",          "--customers-per-tenant",
                          "300",       "--months",   "3",
                          "--as-of",   "2026-10-28", NULL};
    cli_ok(seed);
    account_make(&srv, "0001", "insatsu", "admin", &admin);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_sign_in(&srv, &admin_c, &admin);
    pick_run();
    count_issued();
    json_t *s = get_json("/api/v1/settings/billing");
    snprintf(registration, sizeof(registration), "%s",
             json_string_value(json_object_get(s, "registration")));
    json_decref(s);
    assert_int_equal(strlen(registration), 14);
    snprintf(out, sizeof(out), "%s/run.pdf", srv.dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", out);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    server_down(&srv);
    return 0;
}

/* `billing statements` for run into path (extra: one more flag or NULL);
 * returns the exit code, stdout and stderr (caller frees). */
static int
statements(int64_t run, const char *path, const char *extra, char **o, char **e)
{
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)run);
    const char *args[] = {"billing",  "statements", "--data", srv.data,
                          "--tenant", "0001",       "--run",  id,
                          "--out",    path,         extra,    NULL};
    return cli_run(args, o, e);
}

/* pdfinfo's page count of path (-1 when it is no PDF). */
static long
pdf_pages(const char *path)
{
    char cmd[600], line[256];
    long pages = -1;
    snprintf(cmd, sizeof(cmd), "pdfinfo '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof(line), p))
        if (!strncmp(line, "Pages:", 6))
            pages = strtol(line + 6, NULL, 10);
    pclose(p);
    return pages;
}

static char *
pdf_text(const char *path)
{
    char cmd[900], txt[420];
    snprintf(txt, sizeof(txt), "%s.txt", path);
    snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' '%s'", path, txt);
    assert_int_equal(system(cmd), 0);
    char *text = slurp(txt);
    assert_non_null(text);
    unlink(txt);
    return text;
}

static void
write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
test_one_pdf_with_a_page_per_issued_invoice(void **state)
{
    (void)state;
    char *o, *e, want[32];
    struct stat sb;
    int rc = statements(run_id, out, "--every=50", &o, &e);
    if (rc != 0)
        fail_msg("exit %d\n%s\n%s", rc, o, e);
    json_t *sum = json_loads(o, 0, NULL);
    assert_non_null(sum);
    assert_int_equal(num(sum, "statements"), issued);
    assert_int_equal(num(sum, "pages"), issued);
    assert_int_equal(num(sum, "run_id"), run_id);
    json_decref(sum);
    assert_non_null(strstr(e, "progress "));
    assert_non_null(strstr(e, "statements/s"));
    assert_non_null(strstr(e, "ETA"));
    assert_non_null(strstr(e, "wrote "));
    free(o);
    free(e);
    assert_int_equal(pdf_pages(out), issued);
    assert_int_equal(stat(out, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(access(tmp, F_OK), -1);
    char *text = pdf_text(out);
    assert_non_null(strstr(text, registration));
    snprintf(want, sizeof(want), "%lld", (long long)first_number);
    assert_non_null(strstr(text, want));
    free(text);
}

static void
test_statements_are_audited(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof(path),
             "/api/v1/audit?action=billing.statements&target=billing_run:%lld",
             (long long)run_id);
    json_t *l = get_json(path);
    json_t *entry = json_array_get(json_object_get(l, "entries"), 0);
    assert_non_null(entry);
    json_t *d = json_object_get(entry, "detail");
    assert_string_equal(json_string_value(json_object_get(d, "via")), "cli");
    assert_int_equal(num(d, "statements"), issued);
    json_decref(l);
}

static void
test_failure_leaves_existing_file_as_it_was(void **state)
{
    (void)state;
    char *o, *e, bad[460];
    write_text(out, "old");
    assert_int_equal(statements(999999, out, NULL, &o, &e), 1);
    assert_non_null(strstr(e, "999999"));
    free(o);
    free(e);
    snprintf(bad, sizeof(bad), "%s/no-such-dir/run.pdf", srv.dir);
    assert_int_equal(statements(run_id, bad, NULL, &o, &e), 1);
    free(o);
    free(e);
    assert_int_equal(access(bad, F_OK), -1);
    char *now = slurp(out);
    assert_string_equal(now, "old");
    free(now);
    assert_int_equal(access(tmp, F_OK), -1);
}

/* SIGKILL after the first progress line: FILE is still the old one. */
static void
test_kill_never_leaves_a_half_file(void **state)
{
    (void)state;
    int fd[2], status;
    char id[24], line[256];
    write_text(out, "old");
    snprintf(id, sizeof(id), "%lld", (long long)run_id);
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        execl(bin_path(), bin_path(), "billing", "statements", "--data",
              srv.data, "--tenant", "0001", "--run", id, "--out", out,
              "--every", "5", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    while (fgets(line, sizeof(line), f) && strncmp(line, "progress ", 9))
        ;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    fclose(f);
    char *now = slurp(out);
    if (WIFSIGNALED(status)) /* killed in the middle */
        assert_string_equal(now, "old");
    else /* it finished first: then the file is whole */
        assert_int_equal(pdf_pages(out), issued);
    free(now);
    unlink(tmp);
}

static void
test_usage(void **state)
{
    (void)state;
    char *o, *e;
    const char *help[] = {"billing", "statements", "--help", NULL};
    assert_int_equal(cli_run(help, &o, &e), 0);
    assert_non_null(strstr(o, "--out"));
    assert_non_null(strstr(o, "--run"));
    free(o);
    free(e);
    const char *no_out[] = {"billing", "statements", "--data",
                            srv.data,  "--tenant",   "0001",
                            "--run",   "1",          NULL};
    assert_int_equal(cli_run(no_out, &o, &e), 2);
    assert_non_null(strstr(e, "out"));
    free(o);
    free(e);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_pdf_with_a_page_per_issued_invoice),
        cmocka_unit_test(test_statements_are_audited),
        cmocka_unit_test(test_failure_leaves_existing_file_as_it_was),
        cmocka_unit_test(test_kill_never_leaves_a_half_file),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
