/*
 * test_billing_run.c — the billing run (請求締め) with real processes: the
 * CLI `pilotlight billing run` on a seeded tenant, killed with SIGKILL in
 * the middle of its commit, run again, and checked over HTTP.
 *
 * Data: `pilotlight seed` as of 2026-10-28 (one retailer, 3,000
 * households, two months of history: September's invoices are issued by
 * the seed's billing module, October's periods are open). The test closes
 * October's periods over the API, so group 20's October is billable.
 *
 * Covers: a preview writes nothing; kill -9 during a commit (twice, at
 * different points) leaves whole batches, and re-running bills every
 * billable contract exactly once (invoice count = billable contracts,
 * numbers 1..N without gaps or duplicates across the tenant); preview
 * equals commit (same totals, same lines for the same contract); a
 * further run creates nothing.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define MONTH "2026-10"
#define GROUP "20"

static struct server srv;
static struct account admin;
static struct client admin_c;
static json_t *preview; /* the preview's answer */

static int64_t
num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* Close every period of MONTH (forced: the seed leaves some flagged). */
static void
close_month(void)
{
    struct http h, c;
    size_t i;
    json_t *p;
    client_req(&srv, &admin_c, "GET", "/api/v1/reading-periods?month=" MONTH,
               NULL, &h);
    assert_int_equal(h.status, 200);
    json_array_foreach(json_object_get(h.json, "periods"), i, p)
    {
        char path[96];
        snprintf(path, sizeof(path), "/api/v1/reading-periods/%lld/close",
                 (long long)num(p, "id"));
        client_req(&srv, &admin_c, "POST", path, "{\"force\":true}", &c);
        if (c.status != 200)
            fail_msg("close %s: %ld %s", path, c.status, c.body);
        http_free(&c);
    }
    assert_true(i > 0);
    http_free(&h);
}

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    const char *seed[] = {"seed",      "--data",     srv.data,
                          "--tenants", "1",          "--customers-per-tenant",
                          "3000",      "--months",   "2",
                          "--as-of",   "2026-10-28", NULL};
    cli_ok(seed);
    account_make(&srv, "0001", "billtest", "admin", &admin);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_sign_in(&srv, &admin_c, &admin);
    close_month();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    json_decref(preview);
    client_free(&admin_c);
    server_down(&srv);
    return 0;
}

/* Every invoice of the tenant (run_id 0: all), paged by the API. */
static json_t *
all_invoices(int64_t run_id)
{
    json_t *all = json_array();
    int64_t after = 0;
    for (;;) {
        char path[128];
        struct http h;
        snprintf(
            path, sizeof(path), "/api/v1/invoices?limit=500&after=%lld%s%lld",
            (long long)after, run_id ? "&run_id=" : "&x=", (long long)run_id);
        client_req(&srv, &admin_c, "GET", path, NULL, &h);
        assert_int_equal(h.status, 200);
        json_array_extend(all, json_object_get(h.json, "invoices"));
        json_t *next = json_object_get(h.json, "next_after");
        after = json_is_integer(next) ? json_integer_value(next) : 0;
        http_free(&h);
        if (!after)
            return all;
    }
}

/* Start the CLI commit; SIGKILL it once it has printed `lines` progress
 * lines. Returns true when it was killed before finishing. */
static bool
run_and_kill(int lines)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        execl(bin_path(), bin_path(), "billing", "run", "--data", srv.data,
              "--tenant", "0001", "--group", GROUP, "--month", MONTH, "--batch",
              "20", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    char line[256];
    int seen = 0;
    while (seen < lines && fgets(line, sizeof(line), f))
        if (!strncmp(line, "progress ", 9))
            seen++;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    fclose(f);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

static json_t *
cli_commit(void)
{
    char *out, *err;
    json_error_t je;
    const char *args[] = {"billing",  "run",  "--data",  srv.data,
                          "--tenant", "0001", "--group", GROUP,
                          "--month",  MONTH,  "--quiet", NULL};
    if (cli_run(args, &out, &err) != 0)
        fail_msg("billing run: %s", err);
    json_t *j = json_loads(out, 0, &je);
    assert_non_null(j);
    free(out);
    free(err);
    return j;
}

static json_t *
run_status(void)
{
    struct http h;
    client_req(&srv, &admin_c, "GET", "/api/v1/billing-runs", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *r, *found = NULL;
    size_t i;
    json_array_foreach(json_object_get(h.json, "billing_runs"), i, r)
    {
        if (!strcmp(json_string_value(json_object_get(r, "month")), MONTH) &&
            num(r, "billing_group") == 20)
            found = json_incref(r);
    }
    http_free(&h);
    assert_non_null(found);
    return found;
}

static void
test_preview_writes_nothing(void **state)
{
    (void)state;
    struct http h;
    json_t *before = all_invoices(0);
    client_req(&srv, &admin_c, "POST", "/api/v1/billing-runs",
               "{\"billing_group\":" GROUP ",\"month\":\"" MONTH
               "\",\"preview\":true}",
               &h);
    if (h.status != 200)
        fail_msg("preview: %ld %s", h.status, h.body);
    preview = json_incref(h.json);
    http_free(&h);
    json_t *totals = json_object_get(preview, "totals");
    assert_true(num(preview, "contracts_total") > 200);
    assert_int_equal(num(preview, "contracts_done"), 0);
    assert_int_equal(num(totals, "invoices"),
                     num(preview, "contracts_total") -
                         num(preview, "problems_count"));
    assert_true(num(totals, "total_yen") > 0);
    assert_int_equal(json_array_size(json_object_get(preview, "sample")), 20);
    json_t *after = all_invoices(0);
    assert_int_equal(json_array_size(after), json_array_size(before));
    json_decref(before);
    json_decref(after);
}

static void
test_kill_9_then_rerun_bills_each_contract_once(void **state)
{
    (void)state;
    assert_non_null(preview);
    int64_t billable = num(json_object_get(preview, "totals"), "invoices");
    assert_true(run_and_kill(1));
    json_t *st = run_status();
    int64_t done1 = num(st, "contracts_done");
    assert_string_equal(json_string_value(json_object_get(st, "status")),
                        "running");
    assert_true(done1 >= 20 && done1 < billable);
    assert_int_equal(done1 % 20, 0); /* whole batches only */
    json_decref(st);
    assert_true(run_and_kill(3)); /* killed again, further on */
    st = run_status();
    assert_true(num(st, "contracts_done") >= done1);
    json_decref(st);
    json_t *res = cli_commit();
    assert_int_equal(num(res, "contracts_done"), billable);
    json_decref(res);
    st = run_status();
    assert_string_equal(json_string_value(json_object_get(st, "status")),
                        "committed");
    int64_t run_id = num(st, "id");
    json_decref(st);

    json_t *mine = all_invoices(run_id), *all = all_invoices(0), *iv;
    assert_int_equal(json_array_size(mine), billable);
    /* numbers 1..N across the tenant: no gap, no duplicate */
    size_t n = json_array_size(all), i;
    char *seen = calloc(n + 2, 1);
    json_array_foreach(all, i, iv)
    {
        int64_t k = num(iv, "number");
        assert_true(k >= 1 && k <= (int64_t)n);
        assert_int_equal(seen[k], 0);
        seen[k] = 1;
    }
    /* one invoice per contract in the run */
    json_t *contracts = json_object();
    json_array_foreach(mine, i, iv)
    {
        char key[32];
        snprintf(key, sizeof(key), "%lld", (long long)num(iv, "contract_id"));
        assert_null(json_object_get(contracts, key));
        json_object_set_new(contracts, key, json_true());
    }
    free(seen);
    json_decref(contracts);
    json_decref(mine);
    json_decref(all);
}

static void
test_preview_equals_commit(void **state)
{
    (void)state;
    json_t *st = run_status(), *iv;
    json_t *mine = all_invoices(num(st, "id"));
    int64_t sum = 0;
    size_t i, j;
    json_array_foreach(mine, i, iv) sum += num(iv, "total_yen");
    assert_int_equal(sum, num(json_object_get(preview, "totals"), "total_yen"));
    /* each sampled invoice: the same lines and amounts once issued */
    json_t *s;
    json_array_foreach(json_object_get(preview, "sample"), j, s)
    {
        int64_t id = 0;
        json_array_foreach(mine, i, iv) if (num(iv, "contract_id") ==
                                            num(s, "contract_id")) id =
            num(iv, "id");
        assert_true(id > 0);
        char path[64];
        struct http h;
        snprintf(path, sizeof(path), "/api/v1/invoices/%lld", (long long)id);
        client_req(&srv, &admin_c, "GET", path, NULL, &h);
        assert_int_equal(h.status, 200);
        assert_true(json_equal(json_object_get(h.json, "lines"),
                               json_object_get(s, "lines")));
        assert_true(json_equal(json_object_get(h.json, "tax"),
                               json_object_get(s, "tax")));
        assert_true(json_equal(json_object_get(h.json, "reading"),
                               json_object_get(s, "reading")));
        assert_int_equal(num(h.json, "total_yen"), num(s, "total_yen"));
        http_free(&h);
    }
    json_decref(mine);
    json_decref(st);
}

static void
test_rerun_creates_nothing(void **state)
{
    (void)state;
    json_t *before = all_invoices(0);
    json_t *res = cli_commit();
    assert_int_equal(num(res, "invoices_created"), 0);
    json_decref(res);
    struct http h;
    client_req(&srv, &admin_c, "POST", "/api/v1/billing-runs",
               "{\"billing_group\":" GROUP ",\"month\":\"" MONTH
               "\",\"preview\":false}",
               &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(num(h.json, "invoices_created"), 0);
    http_free(&h);
    json_t *after = all_invoices(0);
    assert_int_equal(json_array_size(after), json_array_size(before));
    json_decref(before);
    json_decref(after);
}

/* Month-end close of several groups in one process (--groups): each group's
 * summary under "runs", one already billed (nothing new), one without
 * readings (reported, not an error); a malformed list changes nothing. */
static void
test_groups_in_one_process(void **state)
{
    (void)state;
    char *out, *err;
    json_error_t je;
    json_t *before = all_invoices(0);
    const char *args[] = {"billing",  "run",  "--data",   srv.data,
                          "--tenant", "0001", "--groups", GROUP ",7",
                          "--month",  MONTH,  "--quiet",  NULL};
    if (cli_run(args, &out, &err) != 0)
        fail_msg("billing run --groups: %s", err);
    json_t *j = json_loads(out, 0, &je), *runs = json_object_get(j, "runs");
    free(out);
    free(err);
    assert_int_equal(json_array_size(runs), 2);
    json_t *a = json_array_get(runs, 0), *b = json_array_get(runs, 1);
    assert_int_equal(num(a, "billing_group"), 20);
    assert_int_equal(num(a, "invoices_created"), 0);
    assert_true(num(a, "contracts_done") > 200);
    assert_int_equal(num(b, "billing_group"), 7);
    assert_true(json_is_true(json_object_get(b, "nothing_to_bill")));
    json_decref(j);
    const char *bad[] = {"billing",  "run",  "--data",   srv.data,
                         "--tenant", "0001", "--groups", GROUP "," GROUP,
                         "--month",  MONTH,  NULL};
    assert_int_not_equal(cli_run(bad, &out, &err), 0);
    assert_non_null(strstr(err, "--groups"));
    free(out);
    free(err);
    json_t *after = all_invoices(0);
    assert_int_equal(json_array_size(after), json_array_size(before));
    json_decref(before);
    json_decref(after);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preview_writes_nothing),
        cmocka_unit_test(test_kill_9_then_rerun_bills_each_contract_once),
        cmocka_unit_test(test_preview_equals_commit),
        cmocka_unit_test(test_rerun_creates_nothing),
        cmocka_unit_test(test_groups_in_one_process),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
