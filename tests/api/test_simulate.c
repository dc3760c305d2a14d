/*
 * test_simulate.c — `pilotlight simulate` against real serve and ingest:
 * a short run at high speed (three simulated days in well under a second
 * each) registers the seeded devices, keeps their keys in a 0600 file,
 * and its readings arrive in metering (source remote); a second run goes
 * on with higher sequence numbers (nothing is refused as a duplicate).
 */
#include "ingest_util.h"

#include <signal.h>
#include <sys/stat.h>

#define TOKEN "k3mpx7qwta9Vb2cDe5FgH8jKm4NpQr6StUvWx1YzA0B"

static struct server srv, ing;
static struct account admin;
static struct client admin_c;
static char token_file[320];

static int
setup(void **state)
{
    (void)state;
    server_prepare(&srv);
    const char *seed[] = {"seed",      "--data",     srv.data,
                          "--tenants", "1",          "--customers-per-tenant",
                          "300",       "--months",   "1",
                          "--as-of",   "2026-06-15", NULL};
    cli_ok(seed);
    account_make(&srv, "0001", "admin", "admin", &admin);
    snprintf(token_file, sizeof(token_file), "%s/token", srv.dir);
    FILE *f = fopen(token_file, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", TOKEN);
    fclose(f);
    chmod(token_file, 0600);
    const char *extra[] = {"--login-rate", "100000", "--internal-token-file",
                           token_file, NULL};
    server_start(&srv, extra);
    const char *iextra[] = {"--refresh-ms", "200", NULL};
    ingest_start(&ing, &srv, token_file, iextra);
    account_enroll(&srv, &admin);
    account_sign_in(&srv, &admin_c, &admin);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    assert_int_equal(server_signal_wait(&ing, SIGTERM), 0);
    server_down(&srv);
    return 0;
}

static void
simulate(const char *start)
{
    char url[64], *out, *err;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", ing.port);
    const char *args[] = {"simulate", "--data",    srv.data,  "--ingest",
                          url,        "--devices", "8",       "--days",
                          "3",        "--speed",   "2000000", "--start",
                          start,      NULL};
    if (cli_run(args, &out, &err) != 0)
        fail_msg("simulate: %s %s", out, err);
    assert_non_null(strstr(out, "failed 0"));
    free(out);
    free(err);
}

/* Remote readings of the supply point of device id on June 16–18. */
static int
remote_readings(const char *id)
{
    struct http h;
    char path[128];
    size_t i;
    json_t *r;
    int n = 0;
    snprintf(path, sizeof(path), "/api/v1/devices/%s", id);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *d = json_object_get(h.json, "device");
    long long sp = (long long)json_integer_value(
        json_object_get(d ? d : h.json, "supply_point_id"));
    http_free(&h);
    if (!sp)
        return -1;
    snprintf(path, sizeof(path), "/api/v1/supply-points/%lld/readings", sp);
    client_req(&srv, &admin_c, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    json_array_foreach(json_object_get(h.json, "readings"), i, r)
    {
        const char *on = json_string_value(json_object_get(r, "read_on"));
        const char *src = json_string_value(json_object_get(r, "source"));
        if (on && src && !strcmp(src, "remote") &&
            strcmp(on, "2026-06-16") >= 0 && strcmp(on, "2026-06-18") <= 0)
            n++;
    }
    http_free(&h);
    return n;
}

static void
test_short_simulation_produces_readings_in_metering(void **state)
{
    (void)state;
    char path[400];
    struct stat sb;
    simulate("2026-06-16");
    snprintf(path, sizeof(path), "%s/simulate-keys.json", srv.data);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    wait_forwarded(&ing, 30);
    json_t *st = ingest_get(&ing, "/status");
    assert_true(jint(st, "batches", "accepted") >= 24);
    assert_int_equal(jint(st, "batches", "duplicates"), 0);
    assert_true(jint(st, "forward", "readings") >= 3);
    json_decref(st);
    json_t *keys = json_load_file(path, 0, NULL);
    const char *id;
    json_t *v;
    int found = 0;
    json_object_foreach(keys, id, v)
    {
        int n = remote_readings(id);
        if (n > 0)
            found += n;
    }
    json_decref(keys);
    assert_true(found >= 1);
}

static void
test_second_run_continues_the_sequence_numbers(void **state)
{
    (void)state;
    simulate("2026-06-19");
    json_t *st = ingest_get(&ing, "/status");
    assert_true(jint(st, "batches", "accepted") >= 48);
    assert_int_equal(jint(st, "batches", "duplicates"), 0);
    assert_int_equal(jint(st, "batches", "refused"), 0);
    json_decref(st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_simulation_produces_readings_in_metering),
        cmocka_unit_test(test_second_run_continues_the_sequence_numbers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
