/*
 * test_restore.c — backups end to end, with real processes: `serve` takes
 * writes through the API, `backup ship` sends them to a `pilotlight vault`
 * over HTTP and to a file:// vault, the data dir is wiped, `restore`
 * rebuilds it on a new dir and `serve` starts on it.
 *
 * Cases: every acknowledged write comes back and the audit chain verifies;
 * --at a time between two writes keeps the first and not the second; a
 * flipped byte in one vault object fails that store with the reason while
 * the others are restored; a manifest whose signature no longer verifies is
 * rejected; `drill` passes while a writer is busy and fails, naming the
 * table, after a live row is changed with sqlite3 behind the journal.
 */
#include "accounts.h"
#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
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

static struct server srv; /* serve; srv.data is the live data dir */
static struct server vs;  /* the vault process; vs.data is its dir */
static struct account admin;
static struct client admin_c;
static char token_file[400], kit[400], http_url[128], file_url[400];
static char file_vault[400];
static int serial;

static void
write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Run pilotlight with a NULL-ended list; returns the exit code, output in
 * *out and *err (caller frees). */
static int
run(char **out, char **err, ...)
{
    const char *a[32];
    int n = 0;
    va_list ap;
    va_start(ap, err);
    while (n < 31 && (a[n] = va_arg(ap, const char *)))
        n++;
    va_end(ap);
    a[n] = NULL;
    return cli_run(a, out, err);
}

static void
run_ok(const char *what, int rc, char *out, char *err)
{
    if (rc != 0)
        fail_msg("%s: exit %d\nstdout: %s\nstderr: %s", what, rc, out, err);
    free(out);
    free(err);
}

static void
vault_start(void)
{
    const char *argv[] = {bin_path(),     "vault",    "--data",
                          vs.data,        "--port",   "0",
                          "--token-file", token_file, NULL};
    vs.pid = fork();
    assert_true(vs.pid >= 0);
    if (vs.pid == 0) {
        int fd = open(vs.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        close(fd);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 400 && !vs.port; i++) {
        char *log = slurp(vs.log);
        const char *p = log ? strstr(log, "listening on port ") : NULL;
        if (p)
            vs.port = atoi(p + strlen("listening on port "));
        free(log);
        if (!vs.port)
            usleep(25000);
    }
    assert_true(vs.port > 0);
    snprintf(http_url, sizeof(http_url), "http://127.0.0.1:%d", vs.port);
}

static int
setup(void **state)
{
    (void)state;
    char *out, *err, pub[100];
    server_prepare(&srv);
    tenant_make(&srv, "0001", "別府プロパン有限会社");
    tenant_make(&srv, "0002", "大分ガス株式会社");
    account_make(&srv, "0001", "admin", "admin", &admin);
    run_ok("keys init",
           run(&out, &err, "keys", "init", "--data", srv.data, NULL), out, err);
    assert_int_equal(
        run(&out, &err, "keys", "public", "--data", srv.data, NULL), 0);
    snprintf(pub, sizeof(pub), "%.64s", out);
    free(out);
    free(err);
    snprintf(kit, sizeof(kit), "%s/kit.txt", srv.dir);
    assert_int_equal(
        run(&out, &err, "keys", "export", "--data", srv.data, NULL), 0);
    write_file(kit, out);
    free(out);
    free(err);
    /* the HTTP vault and a file:// second copy */
    server_prepare(&vs);
    snprintf(vs.data, sizeof(vs.data), "%s/vault", vs.dir);
    snprintf(vs.log, sizeof(vs.log), "%s/vault.log", vs.dir);
    snprintf(file_vault, sizeof(file_vault), "%s/vault2", vs.dir);
    snprintf(file_url, sizeof(file_url), "file://%s", file_vault);
    run_ok("vault init",
           run(&out, &err, "vault", "init", "--data", vs.data, "--signing-key",
               pub, NULL),
           out, err);
    run_ok("vault init 2",
           run(&out, &err, "vault", "init", "--data", file_vault,
               "--signing-key", pub, NULL),
           out, err);
    snprintf(token_file, sizeof(token_file), "%s/token", vs.dir);
    write_file(token_file, "0123456789abcdef0123456789abcdef0123456789abcdef");
    vault_start();
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_start(&srv, extra);
    account_enroll(&srv, &admin);
    account_sign_in(&srv, &admin_c, &admin);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&admin_c);
    server_down(&vs);
    server_down(&srv);
    return 0;
}

/* POST a customer with number; the answer in *h (http_free it). */
static void
post_customer(const char *number, struct http *h)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"number\":\"%s\",\"name\":\"田中太郎\",\"kana\":\"タナカ"
             "タロウ\",\"kind\":\"household\",\"phone1\":\"0977-12-3456\","
             "\"postal_code\":\"874-0000\",\"prefecture\":\"大分県\","
             "\"address\":\"別府市北浜1-2-3\"}",
             number);
    client_req(&srv, &admin_c, "POST", "/api/v1/customers", body, h);
}

/* POST a customer with number; fails the test unless acknowledged. */
static void
make_customer(const char *number)
{
    struct http h;
    post_customer(number, &h);
    if (h.status != 201)
        fail_msg("create customer: %ld %s", h.status, h.body);
    http_free(&h);
}

static void
ship(const char *data)
{
    char *out, *err;
    run_ok("backup ship",
           run(&out, &err, "backup", "ship", "--data", data, "--vault",
               http_url, "--vault", file_url, "--token-file", token_file,
               "--once", NULL),
           out, err);
}

/* A fresh restore target under srv.dir. */
static void
target(char *out, size_t n)
{
    snprintf(out, n, "%s/restored-%d", srv.dir, ++serial);
}

/* Rows of the customers table with number in a tenant db (sqlite3 CLI). */
static int
count_customer(const char *db, const char *number)
{
    char cmd[1200], line[64] = "";
    snprintf(cmd, sizeof(cmd),
             "sqlite3 '%s' \"SELECT count(*) FROM customers WHERE "
             "number = '%s'\"",
             db, number);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (!fgets(line, sizeof(line), p))
        line[0] = '\0';
    pclose(p);
    return atoi(line);
}

/* Progress lines: bytes_total is known from the "plan" line on (before
 * any download), bytes never passes it nor goes back, and the last line
 * has every byte: the status page's percent goes 0 → 100 by bytes. */
static void
check_progress_bytes(char *p)
{
    json_int_t total = -1, last = 0;
    bool planned = false;
    for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        assert_non_null(j);
        const char *phase = json_string_value(json_object_get(j, "phase"));
        json_int_t b = json_integer_value(json_object_get(j, "bytes"));
        json_int_t t = json_integer_value(json_object_get(j, "bytes_total"));
        if (phase && strcmp(phase, "plan") == 0) {
            planned = true;
            assert_true(t > 0);
            assert_int_equal(b, 0);
            total = t;
        }
        if (planned) {
            assert_true(t > 0);
            assert_true(b <= t);
        }
        assert_true(b >= last);
        last = b;
        if (phase && strcmp(phase, "report") == 0)
            assert_int_equal(b, t);
        json_decref(j);
    }
    assert_true(planned && total > 0 && last > 0);
}

static void
test_wipe_restore_serve_has_every_acknowledged_write(void **state)
{
    (void)state;
    char to[500], *out, *err, prog[600];
    make_customer("R-0001");
    make_customer("R-0002");
    make_customer("R-0003");
    ship(srv.data);
    make_customer("R-0004"); /* acknowledged: must be there too */
    ship(srv.data);
    assert_int_equal(server_signal_wait(&srv, SIGTERM), 0);
    /* the signing key is kept for the later cases (after a real disaster
     * the rebuilt host makes a new one and the vault trusts it) */
    char keys[600];
    snprintf(keys, sizeof(keys), "cp -a %s/keys %s/keys-kept", srv.data,
             srv.dir);
    assert_int_equal(system(keys), 0);
    rm_rf(srv.data); /* the server is gone */
    target(to, sizeof(to));
    snprintf(prog, sizeof(prog), "%s/progress.jsonl", srv.dir);
    int rc = run(&out, &err, "restore", "--vault", http_url, "--token-file",
                 token_file, "--kit", kit, "--to", to, "--jobs", "3",
                 "--progress-file", prog, NULL);
    if (rc != 0)
        fail_msg("restore: %s", err);
    assert_non_null(strstr(err, "3 of 3 stores restored, 0 failed"));
    assert_non_null(strstr(out, "\"stores_total\":3"));
    free(out);
    free(err);
    char *p = slurp(prog);
    assert_non_null(p);
    assert_non_null(strstr(p, "\"phase\":\"report\""));
    assert_non_null(strstr(p, "\"eta_s\""));
    check_progress_bytes(p);
    free(p);
    run_ok("audit verify",
           run(&out, &err, "audit", "verify", "--data", to, "--tenant", "0001",
               NULL),
           out, err);
    char db[600];
    snprintf(db, sizeof(db), "%s/tenants/1.db", to);
    for (int i = 1; i <= 4; i++) {
        char num[16];
        snprintf(num, sizeof(num), "R-%04d", i);
        assert_int_equal(count_customer(db, num), 1);
    }
    snprintf(keys, sizeof(keys), "cp -a %s/keys-kept %s/keys", srv.dir, to);
    assert_int_equal(system(keys), 0);
    /* serve starts on the restored dir and takes writes */
    snprintf(srv.data, sizeof(srv.data), "%s", to);
    const char *extra[] = {"--login-rate", "100000", NULL};
    server_restart(&srv, extra);
    client_free(&admin_c);
    account_sign_in(&srv, &admin_c, &admin);
    struct http h;
    client_req(&srv, &admin_c, "GET", "/api/v1/customers", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_non_null(strstr(h.body, "R-000"));
    http_free(&h);
    make_customer("R-0005"); /* and it takes new writes */
}

static void
test_restore_at_a_time_between_two_writes(void **state)
{
    (void)state;
    char to[500], db[600], at[64], *out, *err;
    make_customer("AT-0001");
    usleep(300000);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(at, sizeof(at), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    usleep(300000);
    make_customer("AT-0002");
    ship(srv.data);
    target(to, sizeof(to));
    int rc = run(&out, &err, "restore", "--vault", file_url, "--kit", kit,
                 "--to", to, "--at", at, "--tenant", "1", NULL);
    if (rc != 0)
        fail_msg("restore --at: %s", err);
    free(out);
    free(err);
    snprintf(db, sizeof(db), "%s/tenants/1.db", to);
    assert_int_equal(count_customer(db, "AT-0001"), 1);
    assert_int_equal(count_customer(db, "AT-0002"), 0);
}

/* The path of object name in a vault dir. */
static void
object_path(const char *vault, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/objects/%.2s/%s", vault, name, name);
}

/* The snapshot object named by store's newest manifest in a vault dir. */
static void
newest_snapshot(const char *vault, const char *store, char *name)
{
    char cmd[800], line[256] = "";
    snprintf(cmd, sizeof(cmd), "ls %s/manifests/%s/ | tail -1", vault, store);
    FILE *p = popen(cmd, "r");
    assert_true(p && fgets(line, sizeof(line), p));
    pclose(p);
    line[strcspn(line, "\n")] = '\0';
    char path[800];
    snprintf(path, sizeof(path), "%s/manifests/%s/%s", vault, store, line);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    snprintf(name, 65, "%s", json_string_value(json_object_get(j, "snapshot")));
    json_decref(j);
}

static void
test_flipped_byte_fails_that_store_only(void **state)
{
    (void)state;
    char copy[500], to[500], name[65], path[800], cmd[1200], *out, *err;
    ship(srv.data);
    snprintf(copy, sizeof(copy), "%s/vault-copy", srv.dir);
    snprintf(cmd, sizeof(cmd), "cp -r %s %s && chmod -R u+w %s", file_vault,
             copy, copy);
    assert_int_equal(system(cmd), 0);
    newest_snapshot(copy, "1", name);
    object_path(copy, name, path, sizeof(path));
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char b;
    assert_int_equal(pread(fd, &b, 1, 100), 1);
    b ^= 0x01;
    assert_int_equal(pwrite(fd, &b, 1, 100), 1);
    close(fd);
    char url[600];
    snprintf(url, sizeof(url), "file://%s", copy);
    target(to, sizeof(to));
    int rc = run(&out, &err, "restore", "--vault", url, "--kit", kit, "--to",
                 to, NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "1            FAILED"));
    assert_non_null(strstr(err, name)); /* names the object */
    assert_non_null(strstr(err, "platform     ok"));
    assert_non_null(strstr(err, "2            ok"));
    free(out);
    free(err);
    char db[600];
    snprintf(db, sizeof(db), "%s/tenants/1.db", to);
    assert_int_equal(access(db, F_OK), -1); /* nothing put in place */
    snprintf(db, sizeof(db), "%s/tenants/2.db", to);
    assert_int_equal(access(db, F_OK), 0);
}

static void
test_manifest_with_bad_signature_is_rejected(void **state)
{
    (void)state;
    char copy[500], to[500], cmd[1600], *out, *err;
    snprintf(copy, sizeof(copy), "%s/vault-sig", srv.dir);
    /* change the time of platform's newest manifest after signing */
    snprintf(cmd, sizeof(cmd),
             "cp -r %s %s && chmod -R u+w %s && f=$(ls %s/manifests/platform/"
             "* | tail -1) && sed -i 's/\"time\": *\"2/\"time\":\"1/' $f",
             file_vault, copy, copy, copy);
    assert_int_equal(system(cmd), 0);
    char url[600];
    snprintf(url, sizeof(url), "file://%s", copy);
    target(to, sizeof(to));
    int rc = run(&out, &err, "restore", "--vault", url, "--kit", kit, "--to",
                 to, "--tenant", "platform", NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(err, "vault.signature_invalid"));
    free(out);
    free(err);
}

/* The seqs of the files DIR/<20 digits><suffix>, ascending, into seqs
 * (at most max); returns how many. */
static size_t
list_seqs(const char *dir, const char *suffix, unsigned long long *seqs,
          size_t max)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) && n < max) {
        size_t len = strlen(e->d_name);
        if (len == 20 + strlen(suffix) && strcmp(e->d_name + 20, suffix) == 0)
            seqs[n++] = strtoull(e->d_name, NULL, 10);
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) /* insertion sort */
        for (size_t k = i; k > 0 && seqs[k - 1] > seqs[k]; k--) {
            unsigned long long t = seqs[k];
            seqs[k] = seqs[k - 1];
            seqs[k - 1] = t;
        }
    return n;
}

/* A field of store's ship state for each vault (DATA/backup/ship/<vault
 * key>/<store>.json) into v; returns how many vaults have one. */
static size_t
ship_states(const char *store, const char *field, long long *v, size_t max)
{
    char dir[600], path[900];
    snprintf(dir, sizeof(dir), "%s/backup/ship", srv.data);
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) && n < max) {
        if (strlen(e->d_name) != 16)
            continue;
        snprintf(path, sizeof(path), "%s/%s/%s.json", dir, e->d_name, store);
        json_t *j = json_load_file(path, 0, NULL);
        if (!j)
            continue;
        v[n++] = json_integer_value(json_object_get(j, field));
        json_decref(j);
    }
    closedir(d);
    return n;
}

/* The component's entry in `status show`, or fail. */
static json_t *
status_component(const char *data, const char *name)
{
    char *out, *err;
    assert_int_equal(run(&out, &err, "status", "show", "--data", data, NULL),
                     0);
    json_t *j = json_loads(out, 0, NULL);
    free(out);
    free(err);
    assert_non_null(j);
    json_t *found = NULL, *c;
    size_t i;
    json_array_foreach(json_object_get(j, "components"), i, c)
    {
        const char *cn = json_string_value(json_object_get(c, "component"));
        if (cn && strcmp(cn, name) == 0)
            found = json_incref(c);
    }
    json_decref(j);
    if (!found)
        fail_msg("status show has no component %s", name);
    return found;
}

/*
 * Shipping keeps local storage bounded and says how it is doing: local
 * snapshots and journal segments are deleted only once every vault builds
 * on a newer base (a vault that refuses the manifests keeps them all); a
 * base with enough changesets on it is replaced by a new snapshot
 * (--snapshot-replay-pct), after which a restore replays nothing and
 * --at before the new base still works; the status page shows shipping as
 * a "backup" component with its lag and the platform's shipped seq.
 */
static void
test_ship_rebases_prunes_and_beats(void **state)
{
    (void)state;
    char other[500], pub[100], bad_vault[500], bad_url[600], dir[600];
    char jdir[600], to[500], db[600], at[64], *out, *err;
    unsigned long long snaps[64], segs[64];
    make_customer("PR-0001");
    ship(srv.data);
    /* a vault that trusts another signing key refuses these manifests */
    snprintf(other, sizeof(other), "%s/other-keys", srv.dir);
    run_ok("keys init other",
           run(&out, &err, "keys", "init", "--data", other, NULL), out, err);
    assert_int_equal(run(&out, &err, "keys", "public", "--data", other, NULL),
                     0);
    snprintf(pub, sizeof(pub), "%.64s", out);
    free(out);
    free(err);
    snprintf(bad_vault, sizeof(bad_vault), "%s/vault-other", vs.dir);
    snprintf(bad_url, sizeof(bad_url), "file://%s", bad_vault);
    run_ok("vault init other",
           run(&out, &err, "vault", "init", "--data", bad_vault,
               "--signing-key", pub, NULL),
           out, err);
    make_customer("PR-0002");
    snprintf(dir, sizeof(dir), "%s/snapshots/1", srv.data);
    size_t before = list_seqs(dir, ".db", snaps, 64);
    run_ok("backup snapshot",
           run(&out, &err, "backup", "snapshot", "--data", srv.data, "--all",
               NULL),
           out, err);
    assert_true(list_seqs(dir, ".db", snaps, 64) > before);
    int rc = run(&out, &err, "backup", "ship", "--data", srv.data, "--vault",
                 file_url, "--vault", bad_url, "--once", NULL);
    assert_int_equal(rc, 1); /* the other vault refused */
    free(out);
    free(err);
    size_t kept = list_seqs(dir, ".db", snaps, 64);
    assert_true(kept >= 2); /* nothing pruned: one vault has no base */
    /* every vault ships: the bases before the newest go */
    ship(srv.data);
    size_t n = list_seqs(dir, ".db", snaps, 64);
    assert_true(n < kept);
    assert_int_equal(n, 1);
    snprintf(jdir, sizeof(jdir), "%s/journal/1", srv.data);
    size_t ns = list_seqs(jdir, ".pjl", segs, 64);
    assert_true(ns >= 1);
    for (size_t i = 0; i + 1 < ns; i++) /* none wholly before the base */
        assert_true(segs[i + 1] - 1 > snaps[0]);
    /* a base with more changesets on it than 1 % of its size is replaced;
     * --at a time before the new base still finds its records */
    make_customer("PR-0003");
    usleep(300000);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(at, sizeof(at), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    usleep(300000);
    for (int i = 4; i <= 40; i++) {
        char num[16];
        snprintf(num, sizeof(num), "PR-%04d", i);
        make_customer(num);
    }
    run_ok("backup ship --snapshot-replay-pct",
           run(&out, &err, "backup", "ship", "--data", srv.data, "--vault",
               http_url, "--vault", file_url, "--token-file", token_file,
               "--once", "--snapshot-replay-pct", "1", "--snapshot-replay-min",
               "1", NULL),
           out, err);
    unsigned long long newest = snaps[0];
    n = list_seqs(dir, ".db", snaps, 64);
    assert_int_equal(n, 1);
    assert_true(snaps[0] > newest); /* a new base, the old one pruned */
    target(to, sizeof(to));
    rc = run(&out, &err, "restore", "--vault", file_url, "--kit", kit, "--to",
             to, "--tenant", "1", NULL);
    if (rc != 0)
        fail_msg("restore on the new base: %s", err);
    assert_non_null(strstr(err, " 0 records replayed"));
    free(out);
    free(err);
    snprintf(db, sizeof(db), "%s/tenants/1.db", to);
    assert_int_equal(count_customer(db, "PR-0040"), 1);
    target(to, sizeof(to));
    rc = run(&out, &err, "restore", "--vault", http_url, "--token-file",
             token_file, "--kit", kit, "--to", to, "--tenant", "1", "--at", at,
             NULL);
    if (rc != 0)
        fail_msg("restore --at before the new base: %s", err);
    free(out);
    free(err);
    snprintf(db, sizeof(db), "%s/tenants/1.db", to);
    assert_int_equal(count_customer(db, "PR-0003"), 1);
    assert_int_equal(count_customer(db, "PR-0004"), 0);
    /* the status page: shipping is a healthy component with its figures */
    long long plat[4], shipped = 0;
    size_t np = ship_states("platform", "last_seq", plat, 4);
    for (size_t i = 0; i < np; i++) /* the refusing vault's is older */
        shipped = plat[i] > shipped ? plat[i] : shipped;
    assert_true(shipped > 0);
    json_t *c = status_component(srv.data, "backup");
    assert_string_equal(json_string_value(json_object_get(c, "state")), "ok");
    json_t *d = json_object_get(c, "detail");
    assert_int_equal(json_integer_value(json_object_get(d, "rpo_lag_records")),
                     0);
    assert_int_equal(json_integer_value(json_object_get(d, "stores")), 3);
    assert_int_equal(json_integer_value(json_object_get(d, "stores_failed")),
                     0);
    assert_int_equal(json_integer_value(json_object_get(d, "last_shipped_seq")),
                     shipped);
    assert_true(json_integer_value(json_object_get(d, "snapshots_shipped")) >=
                2);
    json_decref(c);
}

static volatile int writer_stop;

/* What the writer thread saw (cmocka's asserts belong to the main thread
 * only: a failure raised here would jump into another thread's stack). */
struct writer_result {
    int acked, busy;
    long bad_status; /* the first answer that was neither */
    char bad_body[300];
};

static void *
writer(void *arg)
{
    struct writer_result *wr = arg;
    for (int i = 0; !writer_stop && !wr->bad_status; i++) {
        char num[32];
        struct http h;
        snprintf(num, sizeof(num), "W-%06d", i);
        post_customer(num, &h);
        if (h.status == 201) {
            wr->acked++;
        } else if (h.status == 503) { /* not acknowledged: allowed */
            wr->busy++;
        } else {
            wr->bad_status = h.status;
            snprintf(wr->bad_body, sizeof(wr->bad_body), "%s",
                     h.body ? h.body : "");
        }
        http_free(&h);
    }
    return NULL;
}

static void
test_drill_passes_busy_and_fails_behind_the_journal(void **state)
{
    (void)state;
    char *out, *err, cmd[1200];
    pthread_t th;
    struct writer_result wr = {0, 0, 0, ""};
    writer_stop = 0;
    assert_int_equal(pthread_create(&th, NULL, writer, &wr), 0);
    usleep(200000);
    char *sout, *serr;
    int src = run(&sout, &serr, "backup", "ship", "--data", srv.data, "--vault",
                  http_url, "--vault", file_url, "--token-file", token_file,
                  "--once", NULL);
    usleep(200000);
    int rc = run(&out, &err, "drill", "--data", srv.data, "--vault", http_url,
                 "--token-file", token_file, "--kit", kit, NULL);
    writer_stop = 1;
    pthread_join(th, NULL);
    if (wr.bad_status)
        fail_msg("a write while busy: %ld %s", wr.bad_status, wr.bad_body);
    assert_true(wr.acked > 0);
    run_ok("backup ship while busy", src, sout, serr);
    if (rc != 0)
        fail_msg("drill while busy: %s\n%s", out, err);
    assert_non_null(strstr(out, "drill: 3 stores, 0 failed"));
    free(out);
    free(err);
    ship(srv.data);
    /* serve still runs: wait for its write lock rather than fail */
    snprintf(cmd, sizeof(cmd),
             "sqlite3 -cmd '.timeout 10000' %s/tenants/1.db \"UPDATE customers "
             "SET name = '改ざん' WHERE number = 'R-0001'\"",
             srv.data);
    assert_int_equal(system(cmd), 0);
    rc = run(&out, &err, "drill", "--data", srv.data, "--vault", http_url,
             "--token-file", token_file, "--kit", kit, NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "store 1: table customers"));
    free(out);
    free(err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wipe_restore_serve_has_every_acknowledged_write),
        cmocka_unit_test(test_restore_at_a_time_between_two_writes),
        cmocka_unit_test(test_flipped_byte_fails_that_store_only),
        cmocka_unit_test(test_manifest_with_bad_signature_is_rejected),
        cmocka_unit_test(test_ship_rebases_prunes_and_beats),
        cmocka_unit_test(test_drill_passes_busy_and_fails_behind_the_journal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
