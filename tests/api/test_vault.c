/*
 * test_vault.c — a real `pilotlight vault` process over HTTP, and the
 * `vault` and `keys` commands.
 *
 * The test signs its manifests itself with libsodium, following the format
 * in src/vault/manifest.h (canonical JSON: sorted keys, compact, after
 * "pilotlight manifest v1\n"), so the documented format is checked by an
 * independent implementation. Objects are random bytes named by their
 * BLAKE2b-256: the vault checks names, it never needs to read objects.
 *
 * Cases: store and read objects; no overwrite (409), wrong hash (422), no
 * delete or any other method (405); manifests in sequence only (overwrite
 * and gap refused), signed by the pinned key only; the token; path tricks;
 * prune's minimum and what it keeps; the recovery kit round trip.
 */
#include "harness.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static struct server vs; /* the vault process; vs.data is its dir */
static struct client cl; /* sends the right token */
static char token[80];   /* the vault's token */
static char auth[128];   /* "Authorization: Bearer <token>" */
static unsigned char pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char sk[crypto_sign_SECRETKEYBYTES];

/* ------------------------------------------------------------ helpers */

static void
hex(const unsigned char *b, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

/* BLAKE2b-256 hex of p[0..n) into out[65]. */
static void
b2(const void *p, size_t n, char *out)
{
    unsigned char d[32];
    crypto_generichash(d, sizeof(d), p, n, NULL, 0);
    hex(d, sizeof(d), out);
}

/* n random bytes (malloc'd) and their name. */
static char *
random_object(size_t n, char *name)
{
    char *p = malloc(n);
    randombytes_buf(p, n);
    b2(p, n, name);
    return p;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Start `pilotlight vault` on vs.data with --port 0; read the port from
 * its log. */
static void
vault_start(void)
{
    char tokfile[400];
    snprintf(tokfile, sizeof(tokfile), "%s/token", vs.dir);
    const char *argv[] = {
        bin_path(),     "vault", "--data",       vs.data, "--port", "0",
        "--token-file", tokfile, "--object-max", "4M",    NULL};
    vs.pid = fork();
    assert_true(vs.pid >= 0);
    if (vs.pid == 0) {
        int fd = open(vs.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        close(fd);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 400; i++) {
        char *log = slurp(vs.log);
        const char *p = log ? strstr(log, "listening on port ") : NULL;
        if (p)
            vs.port = atoi(p + strlen("listening on port "));
        free(log);
        if (vs.port)
            return;
        if (!server_alive(&vs))
            fail_msg("vault exited during start-up");
        usleep(25000);
    }
    fail_msg("vault did not start");
}

static int
setup(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    crypto_sign_keypair(pk, sk);
    server_prepare(&vs);
    snprintf(vs.data, sizeof(vs.data), "%s/vault", vs.dir);
    snprintf(vs.log, sizeof(vs.log), "%s/vault.log", vs.dir);
    char pub[65], tokfile[400];
    hex(pk, sizeof(pk), pub);
    const char *init[] = {"vault",         "init", "--data", vs.data,
                          "--signing-key", pub,    NULL};
    char *out, *err;
    int rc = cli_run(init, &out, &err);
    if (rc != 0)
        fail_msg("vault init: %s", err);
    free(out);
    free(err);
    unsigned char t[32];
    randombytes_buf(t, sizeof(t));
    hex(t, sizeof(t), token);
    snprintf(tokfile, sizeof(tokfile), "%s/token", vs.dir);
    write_file(tokfile, token, 0600);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    vault_start();
    client_init(&cl);
    cl.extra_header = auth;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    client_free(&cl);
    server_down(&vs);
    return 0;
}

static void
put_object(const char *name, const char *p, size_t n, struct http *h)
{
    char path[128];
    snprintf(path, sizeof(path), "/objects/%s", name);
    client_req_body(&vs, &cl, "PUT", path, "application/octet-stream", p, n, h);
}

/* A signed manifest document (malloc'd) for store/seq over the objects
 * named in refs (snapshot first, then changesets), signed with key. */
static char *
manifest_doc(const char *store, long long seq, const char *const *refs,
             size_t nrefs, const unsigned char *spk, const unsigned char *ssk)
{
    char signer[65], sig_hex[129], wrapped[145], id[17];
    unsigned char w[72], kid[8], sig[64];
    randombytes_buf(w, sizeof(w));
    randombytes_buf(kid, sizeof(kid));
    hex(w, sizeof(w), wrapped);
    hex(kid, sizeof(kid), id);
    hex(spk, 32, signer);
    json_t *cs = json_array();
    for (size_t i = 1; i < nrefs; i++)
        json_array_append_new(cs, json_string(refs[i]));
    json_t *doc = json_pack(
        "{s:s, s:i, s:s, s:I, s:s, s:s?, s:o, s:{s:s, s:i}, s:{s:i}, "
        "s:{s:s, s:s}, s:s}",
        "format", "pilotlight-manifest", "version", 1, "store", store, "seq",
        (json_int_t)seq, "time", "2026-05-01T03:00:00.000Z", "snapshot",
        nrefs ? refs[0] : NULL, "changesets", cs, "audit", "hash",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        "entry", 7, "schema", "platform", 3, "data_key", "id", id, "wrapped",
        wrapped, "signer", signer);
    assert_non_null(doc);
    char *canon = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    size_t n = strlen("pilotlight manifest v1\n") + strlen(canon);
    char *msg = malloc(n + 1);
    snprintf(msg, n + 1, "pilotlight manifest v1\n%s", canon);
    crypto_sign_detached(sig, NULL, (unsigned char *)msg, n, ssk);
    hex(sig, sizeof(sig), sig_hex);
    json_object_set_new(doc, "signature", json_string(sig_hex));
    char *out = json_dumps(doc, JSON_INDENT(1)); /* any layout verifies */
    free(msg);
    free(canon);
    json_decref(doc);
    return out;
}

static void
put_manifest(const char *store, long long seq, const char *doc, struct http *h)
{
    char path[160];
    snprintf(path, sizeof(path), "/manifests/%s/%lld", store, seq);
    client_req_body(&vs, &cl, "PUT", path, "application/json", doc, strlen(doc),
                    h);
}

/* Store a fresh random object; its name into name. */
static void
new_object(size_t n, char *name)
{
    struct http h;
    char *p = random_object(n, name);
    put_object(name, p, n, &h);
    assert_int_equal(h.status, 201);
    http_free(&h);
    free(p);
}

/* ---------------------------------------------------------------- tests */

static void
test_object_put_get_head(void **state)
{
    (void)state;
    char name[65], path[128];
    size_t n = 300 * 1024;
    char *p = random_object(n, name);
    struct http h;
    put_object(name, p, n, &h);
    assert_int_equal(h.status, 201);
    assert_string_equal(json_string_value(json_object_get(h.json, "name")),
                        name);
    http_free(&h);
    snprintf(path, sizeof(path), "/objects/%s", name);
    client_req(&vs, &cl, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(h.len, n);
    assert_memory_equal(h.body, p, n);
    assert_string_equal(http_header(&h, "content-type"),
                        "application/octet-stream");
    http_free(&h);
    client_req(&vs, &cl, "HEAD", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_int_equal(atol(http_header(&h, "content-length")), (long)n);
    http_free(&h);
    /* stored read-only under objects/<2 hex>/<name> */
    char file[700];
    struct stat st;
    snprintf(file, sizeof(file), "%s/objects/%.2s/%s", vs.data, name, name);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0400);
    free(p);
}

static void
test_object_overwrite_is_refused(void **state)
{
    (void)state;
    char name[65], other[65];
    char *p = random_object(4096, name);
    struct http h;
    put_object(name, p, 4096, &h);
    assert_int_equal(h.status, 201);
    http_free(&h);
    put_object(name, p, 4096, &h); /* the same bytes again */
    assert_problem(&h, 409, "vault.object_exists");
    http_free(&h);
    char *q = random_object(4096, other); /* other bytes, same name */
    put_object(name, q, 4096, &h);
    assert_problem(&h, 409, "vault.object_exists");
    http_free(&h);
    char path[128];
    snprintf(path, sizeof(path), "/objects/%s", name);
    client_req(&vs, &cl, "GET", path, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_memory_equal(h.body, p, 4096); /* unchanged */
    http_free(&h);
    free(p);
    free(q);
}

static void
test_object_with_wrong_hash_is_refused(void **state)
{
    (void)state;
    char name[65], wrong[65];
    char *p = random_object(10000, name);
    snprintf(wrong, sizeof(wrong), "%s", name);
    wrong[63] = wrong[63] == '0' ? '1' : '0';
    struct http h;
    put_object(wrong, p, 10000, &h);
    assert_problem(&h, 422, "vault.hash_mismatch");
    http_free(&h);
    char path[128];
    snprintf(path, sizeof(path), "/objects/%s", wrong);
    client_req(&vs, &cl, "GET", path, NULL, &h);
    assert_problem(&h, 404, "vault.object_not_found");
    http_free(&h);
    /* nothing left behind in tmp/ */
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s/tmp)\"", vs.data);
    assert_int_equal(system(cmd), 0);
    free(p);
}

static void
test_no_delete_or_other_methods(void **state)
{
    (void)state;
    char name[65], path[160];
    new_object(1000, name);
    const char *methods[] = {"DELETE", "POST", "PATCH"};
    snprintf(path, sizeof(path), "/objects/%s", name);
    for (int i = 0; i < 3; i++) {
        struct http h;
        client_req(&vs, &cl, methods[i], path, NULL, &h);
        assert_problem(&h, 405, "http.method_not_allowed");
        assert_string_equal(http_header(&h, "allow"), "GET, HEAD, PUT");
        http_free(&h);
    }
    const char *paths[] = {"/manifests/s-del/1", "/manifests/s-del", "/stores"};
    for (int i = 0; i < 3; i++) {
        struct http h;
        client_req(&vs, &cl, "DELETE", paths[i], NULL, &h);
        assert_problem(&h, 405, "http.method_not_allowed");
        http_free(&h);
    }
    struct http h;
    client_req(&vs, &cl, "HEAD", path, NULL, &h);
    assert_int_equal(h.status, 200); /* still there */
    http_free(&h);
}

static void
test_manifests_in_sequence_only(void **state)
{
    (void)state;
    char snap[65], c1[65], c2[65];
    new_object(5000, snap);
    new_object(700, c1);
    new_object(800, c2);
    const char *r1[] = {snap, c1};
    const char *r2[] = {snap, c1, c2};
    char *m1 = manifest_doc("t-0001", 1, r1, 2, pk, sk);
    char *m1b = manifest_doc("t-0001", 1, r2, 3, pk, sk);
    char *m2 = manifest_doc("t-0001", 2, r2, 3, pk, sk);
    char *m3 = manifest_doc("t-0001", 3, r2, 3, pk, sk);
    struct http h;
    put_manifest("t-0001", 2, m2, &h); /* a new store starts at 1 */
    assert_problem(&h, 409, "vault.manifest_gap");
    http_free(&h);
    put_manifest("t-0001", 1, m1, &h);
    assert_int_equal(h.status, 201);
    char hash1[65];
    b2(m1, strlen(m1), hash1);
    assert_string_equal(json_string_value(json_object_get(h.json, "hash")),
                        hash1);
    http_free(&h);
    put_manifest("t-0001", 1, m1b, &h); /* overwrite */
    assert_problem(&h, 409, "vault.manifest_exists");
    http_free(&h);
    put_manifest("t-0001", 3, m3, &h); /* gap */
    assert_problem(&h, 409, "vault.manifest_gap");
    assert_non_null(strstr(json_string_value(json_object_get(h.json, "detail")),
                           "next must be 2"));
    http_free(&h);
    put_manifest("t-0001", 2, m2, &h);
    assert_int_equal(h.status, 201);
    http_free(&h);
    client_req(&vs, &cl, "GET", "/manifests/t-0001", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *a = json_object_get(h.json, "manifests");
    assert_int_equal(json_array_size(a), 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(a, 0), "seq")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(a, 0), "hash")),
        hash1);
    http_free(&h);
    client_req(&vs, &cl, "GET", "/manifests/t-0001/1", NULL, &h);
    assert_int_equal(h.status, 200);
    assert_string_equal(h.body, m1); /* exactly the bytes sent */
    http_free(&h);
    client_req(&vs, &cl, "GET", "/manifests/t-0001/9", NULL, &h);
    assert_problem(&h, 404, "vault.manifest_not_found");
    http_free(&h);
    client_req(&vs, &cl, "GET", "/stores", NULL, &h);
    assert_int_equal(h.status, 200);
    json_t *s = json_array_get(json_object_get(h.json, "stores"), 0);
    assert_string_equal(json_string_value(json_object_get(s, "store")),
                        "t-0001");
    assert_int_equal(json_integer_value(json_object_get(s, "last_seq")), 2);
    http_free(&h);
    free(m1);
    free(m1b);
    free(m2);
    free(m3);
}

static void
test_manifest_signature_and_content_checked(void **state)
{
    (void)state;
    char snap[65], missing[65];
    new_object(3000, snap);
    char *gone = random_object(100, missing); /* never uploaded */
    free(gone);
    const char *refs[] = {snap};
    const char *bad_refs[] = {snap, missing};
    unsigned char opk[32], osk[64];
    crypto_sign_keypair(opk, osk);
    struct http h;
    char *other = manifest_doc("sig", 1, refs, 1, opk, osk);
    put_manifest("sig", 1, other, &h); /* not the pinned key */
    assert_problem(&h, 422, "vault.signature_invalid");
    http_free(&h);
    char *doc = manifest_doc("sig", 1, refs, 1, pk, sk);
    char *seq = strstr(doc, "\"seq\": 1");
    assert_non_null(seq);
    char *tampered = strdup(doc);
    tampered[seq - doc + 7] = '2'; /* seq 1 -> 2 after signing */
    put_manifest("sig", 2, tampered, &h);
    assert_problem(&h, 422, "vault.signature_invalid");
    http_free(&h);
    char *t2 = strdup(doc);
    char *entry = strstr(t2, "\"entry\": 7");
    assert_non_null(entry);
    entry[9] = '8'; /* audit head changed after signing */
    put_manifest("sig", 1, t2, &h);
    assert_problem(&h, 422, "vault.signature_invalid");
    http_free(&h);
    put_manifest("other-store", 1, doc, &h); /* path and body disagree */
    assert_problem(&h, 422, "vault.manifest_invalid");
    http_free(&h);
    char *dangling = manifest_doc("sig", 1, bad_refs, 2, pk, sk);
    put_manifest("sig", 1, dangling, &h); /* names an object not stored */
    assert_problem(&h, 404, "vault.object_not_found");
    http_free(&h);
    put_manifest("sig", 1, "{\"format\":1}", &h);
    assert_problem(&h, 422, "vault.manifest_invalid");
    http_free(&h);
    put_manifest("sig", 1, doc, &h);
    assert_int_equal(h.status, 201);
    http_free(&h);
    /* `vault trust` on the vault host takes effect without a restart (a
     * rebuilt host's new key, runbook step 5) */
    char opub[65], *out, *err;
    hex(opk, sizeof(opk), opub);
    const char *trust[] = {"vault",         "trust", "--data", vs.data,
                           "--signing-key", opub,    NULL};
    int rc = cli_run(trust, &out, &err);
    if (rc != 0)
        fail_msg("vault trust: %s", err);
    free(out);
    free(err);
    char *other2 = manifest_doc("sig", 2, refs, 1, opk, osk);
    put_manifest("sig", 2, other2, &h);
    assert_int_equal(h.status, 201);
    http_free(&h);
    free(other2);
    free(other);
    free(doc);
    free(tampered);
    free(t2);
    free(dangling);
}

static void
test_token_is_required(void **state)
{
    (void)state;
    struct client anon, wrong;
    client_init(&anon);
    client_init(&wrong);
    char bad[128];
    snprintf(bad, sizeof(bad), "Authorization: Bearer %.63sx", token);
    wrong.extra_header = bad;
    const char *paths[] = {"/stores", "/manifests/t-0001",
                           ("/objects/"
                            "0000000000000000000000000000000000000000000000000"
                            "000000000000000"),
                           "/no/such/path"};
    for (int i = 0; i < 4; i++) {
        struct http h;
        client_req(&vs, &anon, "GET", paths[i], NULL, &h);
        assert_problem(&h, 401, "vault.unauthorized");
        assert_non_null(http_header(&h, "www-authenticate"));
        http_free(&h);
        client_req(&vs, &wrong, "GET", paths[i], NULL, &h);
        assert_problem(&h, 401, "vault.unauthorized");
        http_free(&h);
    }
    char name[65];
    char *p = random_object(2000, name);
    char path[128];
    struct http h;
    snprintf(path, sizeof(path), "/objects/%s", name);
    client_req_body(&vs, &wrong, "PUT", path, "application/octet-stream", p,
                    2000, &h);
    assert_problem(&h, 401, "vault.unauthorized");
    http_free(&h);
    client_req(&vs, &cl, "HEAD", path, NULL, &h);
    assert_int_equal(h.status, 404); /* nothing was stored */
    http_free(&h);
    client_req(&vs, &anon, "GET", "/healthz", NULL, &h);
    assert_int_equal(h.status, 200); /* the one open call */
    http_free(&h);
    client_free(&anon);
    client_free(&wrong);
    free(p);
}

/* The status line's code of a raw request with the right token. */
static int
raw_status(const char *method, const char *path)
{
    char req[1024], out[4096];
    snprintf(req, sizeof(req),
             "%s %s HTTP/1.1\r\nHost: t\r\n%s\r\nContent-Length: 0\r\n"
             "Connection: close\r\n\r\n",
             method, path, auth);
    size_t n = raw_exchange(vs.port, req, strlen(req), out, sizeof(out), 2000);
    assert_true(n > 12);
    return atoi(out + 9);
}

static void
test_path_tricks_are_refused(void **state)
{
    (void)state;
    const char *paths[] = {
        "/objects/../../etc/passwd",
        "/objects/..%2F..%2Fetc%2Fpasswd",
        "/objects/%2e%2e",
        "/objects/.",
        "/objects/",
        "//objects/x",
        "/manifests/..%2F..%2Fobjects/1",
        "/manifests/../objects/1",
        "/manifests/a/../../x",
        "/manifests/T-0001/1",
        "/manifests/t-0001/01",
        "/manifests/t-0001/-1",
        "/manifests/t-0001/1.json",
        "/manifests/-x/1",
        "/manifests/.x",
        "/manifests/a%00b/1",
        ("/objects/"
         "ABCDEF0000000000000000000000000000000000000000000000000000000000"),
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        int get = raw_status("GET", paths[i]);
        int put = raw_status("PUT", paths[i]);
        /* 400 bad name, 404 no such call, 405 no PUT on that shape */
        if ((get != 400 && get != 404) ||
            (put != 400 && put != 404 && put != 405))
            fail_msg("%s: GET %d, PUT %d", paths[i], get, put);
    }
    /* nothing was created outside the layout */
    char cmd[800];
    snprintf(cmd, sizeof(cmd),
             "test -z \"$(find %s -mindepth 1 -maxdepth 1 ! -name objects ! "
             "-name manifests ! -name tmp ! -name lock ! -name vault.json ! "
             "-name trusted-keys)\"",
             vs.data);
    assert_int_equal(system(cmd), 0);
}

static void
test_body_limit(void **state)
{
    (void)state;
    char name[65];
    size_t n = 5u << 20; /* over --object-max 4M */
    char *p = random_object(n, name);
    struct http h;
    put_object(name, p, n, &h);
    assert_int_equal(h.status, 413);
    http_free(&h);
    free(p);
}

/* Set a file's mtime to days ago. */
static void
age(const char *path, int days)
{
    struct timespec ts[2];
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= (time_t)days * 86400;
    ts[1] = ts[0];
    if (utimensat(AT_FDCWD, path, ts, 0) != 0)
        fail_msg("utimensat %s", path);
}

static void
object_file(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/objects/%.2s/%s", vs.data, name, name);
}

static bool
exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static int
run_prune(const char *days, char **out, char **err)
{
    const char *a[] = {"vault",       "prune", "--data", vs.data,
                       "--keep-days", days,    NULL};
    return cli_run(a, out, err);
}

static void
test_prune_keeps_what_restores_need(void **state)
{
    (void)state;
    char a[65], b[65], c[65], d[65], e[65];
    new_object(1000, a); /* only in manifest 1 (old) */
    new_object(1000, b); /* in manifest 2, the newest */
    new_object(1000, c); /* in no manifest, old */
    new_object(1000, d); /* in no manifest, new: its manifest is coming */
    new_object(1000, e); /* the only manifest of another store, old */
    const char *r1[] = {a}, *r2[] = {b}, *r3[] = {e};
    char *m1 = manifest_doc("prune-1", 1, r1, 1, pk, sk);
    char *m2 = manifest_doc("prune-1", 2, r2, 1, pk, sk);
    char *m3 = manifest_doc("prune-2", 1, r3, 1, pk, sk);
    struct http h;
    put_manifest("prune-1", 1, m1, &h);
    http_free(&h);
    put_manifest("prune-1", 2, m2, &h);
    http_free(&h);
    put_manifest("prune-2", 1, m3, &h);
    http_free(&h);
    char pa[700], pb[700], pc[700], pd[700], pe[700], pm1[700], pm2[700],
        pm3[700];
    object_file(a, pa, sizeof(pa));
    object_file(b, pb, sizeof(pb));
    object_file(c, pc, sizeof(pc));
    object_file(d, pd, sizeof(pd));
    object_file(e, pe, sizeof(pe));
    snprintf(pm1, sizeof(pm1), "%s/manifests/prune-1/%015d.json", vs.data, 1);
    snprintf(pm2, sizeof(pm2), "%s/manifests/prune-1/%015d.json", vs.data, 2);
    snprintf(pm3, sizeof(pm3), "%s/manifests/prune-2/%015d.json", vs.data, 1);
    const char *old[] = {pa, pb, pc, pe, pm1, pm2, pm3};
    for (int i = 0; i < 7; i++)
        age(old[i], 40);
    char *out, *err;
    assert_int_equal(run_prune("7", &out, &err), 2); /* below the minimum */
    assert_non_null(strstr(err, "at least 30"));
    free(out);
    free(err);
    const char *dry[] = {"vault",       "prune", "--data",    vs.data,
                         "--keep-days", "30",    "--dry-run", NULL};
    assert_int_equal(cli_run(dry, &out, &err), 0);
    assert_true(exists(pa) && exists(pc) && exists(pm1));
    free(out);
    free(err);
    assert_int_equal(run_prune("30", &out, &err), 0);
    free(out);
    free(err);
    assert_false(exists(pm1)); /* old, and not the newest */
    assert_true(exists(pm2));  /* old, but the newest of its store */
    assert_true(exists(pm3));  /* the only one of its store */
    assert_false(exists(pa));  /* only the removed manifest used it */
    assert_true(exists(pb));   /* the newest manifest uses it */
    assert_false(exists(pc));  /* old and unused */
    assert_true(exists(pd));   /* unused, but recent */
    assert_true(exists(pe));
    /* the store goes on: 3 follows 2 */
    char *m4 = manifest_doc("prune-1", 3, r2, 1, pk, sk);
    put_manifest("prune-1", 3, m4, &h);
    assert_int_equal(h.status, 201);
    http_free(&h);
    free(m1);
    free(m2);
    free(m3);
    free(m4);
}

static void
test_keys_kit_round_trip(void **state)
{
    (void)state;
    char data[400], data2[400], kitpath[400], bad[400];
    snprintf(data, sizeof(data), "%s/app", vs.dir);
    snprintf(data2, sizeof(data2), "%s/app2", vs.dir);
    snprintf(kitpath, sizeof(kitpath), "%s/kit.txt", vs.dir);
    snprintf(bad, sizeof(bad), "%s/bad.txt", vs.dir);
    const char *init[] = {"keys", "init", "--data", data, NULL};
    char *out, *err;
    assert_int_equal(cli_run(init, &out, &err), 0);
    free(out);
    free(err);
    assert_int_equal(cli_run(init, &out, &err), 1); /* never overwrites */
    assert_non_null(strstr(err, "never overwritten"));
    free(out);
    free(err);
    const char *exp[] = {"keys", "export", "--data", data, NULL};
    assert_int_equal(cli_run(exp, &out, &err), 0);
    write_file(kitpath, out, 0600);
    char *line = strstr(out, "backup-key/2");
    assert_non_null(line);
    char *digit = line + 21; /* the first hex digit */
    *digit = *digit == 'a' ? 'b' : 'a';
    write_file(bad, out, 0600);
    free(out);
    free(err);
    const char *imp_bad[] = {"keys",   "import", "--data", data2,
                             "--file", bad,      NULL};
    assert_int_equal(cli_run(imp_bad, &out, &err), 1);
    assert_non_null(strstr(err, "backup-key/2"));
    assert_non_null(strstr(err, "checksum"));
    free(out);
    free(err);
    const char *imp[] = {"keys",   "import", "--data", data2,
                         "--file", kitpath,  NULL};
    assert_int_equal(cli_run(imp, &out, &err), 0);
    free(out);
    free(err);
    char k1[400], k2[400];
    snprintf(k1, sizeof(k1), "%s/keys/backup.key", data);
    snprintf(k2, sizeof(k2), "%s/keys/backup.key", data2);
    char *s1 = slurp(k1), *s2 = slurp(k2);
    assert_string_equal(s1, s2);
    free(s1);
    free(s2);
    const char *p1[] = {"keys", "public", "--data", data, NULL};
    const char *p2[] = {"keys", "public", "--data", data2, NULL};
    char *o1, *o2;
    assert_int_equal(cli_run(p1, &o1, &err), 0);
    free(err);
    assert_int_equal(cli_run(p2, &o2, &err), 0);
    free(err);
    assert_string_equal(o1, o2);
    free(o1);
    free(o2);
}

static void
test_commands_describe_their_flags(void **state)
{
    (void)state;
    const char *cmds[][4] = {
        {"vault", "--help", NULL},    {"vault", "init", "--help"},
        {"vault", "prune", "--help"}, {"vault", "trust", "--help"},
        {"keys", "--help", NULL},     {"keys", "init", "--help"},
        {"keys", "export", "--help"}, {"keys", "import", "--help"},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        const char *a[4] = {cmds[i][0], cmds[i][1], cmds[i][2], NULL};
        char *out, *err;
        assert_int_equal(cli_run(a, &out, &err), 0);
        assert_non_null(strstr(out, "usage:"));
        free(out);
        free(err);
    }
    const char *miss[] = {"vault", "--port", "0", NULL};
    char *out, *err;
    assert_int_equal(cli_run(miss, &out, &err), 2);
    assert_non_null(strstr(err, "required"));
    free(out);
    free(err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_put_get_head),
        cmocka_unit_test(test_object_overwrite_is_refused),
        cmocka_unit_test(test_object_with_wrong_hash_is_refused),
        cmocka_unit_test(test_no_delete_or_other_methods),
        cmocka_unit_test(test_manifests_in_sequence_only),
        cmocka_unit_test(test_manifest_signature_and_content_checked),
        cmocka_unit_test(test_token_is_required),
        cmocka_unit_test(test_path_tricks_are_refused),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_prune_keeps_what_restores_need),
        cmocka_unit_test(test_keys_kit_round_trip),
        cmocka_unit_test(test_commands_describe_their_flags),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
