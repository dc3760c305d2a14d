/*
 * test_vault_client.c — the vault client (src/vault/vault_client.c) over
 * both transports, with the same cases: a real `pilotlight vault` process
 * (http://) and a local vault directory (file://). Each refuses the same
 * things with the same errors: an object twice, a wrong hash, a manifest
 * twice or out of sequence or signed by a stranger or naming an absent
 * object. Both hand back objects checked against their names, so a byte
 * flipped on the vault's disk is caught by the client. Also: a backup's
 * whole path (seal, put, sign, put) and a restore's (list, get, verify,
 * unwrap, stream-decrypt); retries against a dead port; a bad token.
 */
#include "vault/keys.h"
#include "vault/manifest.h"
#include "vault/seal.h"
#include "vault/vault_client.h"
#include "vault/vault_dir.h"

#include <fcntl.h>
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

#include "core/err.h"

static char root[] = "/tmp/pl-vclient-XXXXXX";
static char app[300];      /* the backed-up host's data dir (keys) */
static char http_dir[300]; /* the served vault's directory */
static char file_dir[300]; /* the file:// vault */
static char token[65];
static char http_url[64], file_url[320];
static pid_t vault_pid;
static struct keyring kr;

static const char *
bin(void)
{
    const char *b = getenv("PILOTLIGHT_BIN");
    return b ? b : "./pilotlight";
}

static void
start_vault(void)
{
    char tokfile[320], log[320], pub[KEYS_PUBLIC_HEX];
    snprintf(tokfile, sizeof(tokfile), "%s/token", root);
    snprintf(log, sizeof(log), "%s/vault.log", root);
    FILE *f = fopen(tokfile, "w");
    fputs(token, f);
    fclose(f);
    chmod(tokfile, 0600);
    keys_public_hex(kr.sign_public, pub);
    assert_int_equal(vault_dir_init(http_dir, pub), ERR_OK);
    vault_pid = fork();
    assert_true(vault_pid >= 0);
    if (vault_pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        execl(bin(), bin(), "vault", "--data", http_dir, "--port", "0",
              "--token-file", tokfile, "--access-log", "false", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 400; i++) {
        char text[4096] = "";
        FILE *l = fopen(log, "r");
        if (l) {
            size_t n = fread(text, 1, sizeof(text) - 1, l);
            text[n] = '\0';
            fclose(l);
        }
        const char *p = strstr(text, "listening on port ");
        if (p) {
            snprintf(http_url, sizeof(http_url), "http://127.0.0.1:%d",
                     atoi(p + strlen("listening on port ")));
            return;
        }
        usleep(25000);
    }
    fail_msg("vault did not start");
}

static int
setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(root));
    snprintf(app, sizeof(app), "%s/app", root);
    snprintf(http_dir, sizeof(http_dir), "%s/vault-http", root);
    snprintf(file_dir, sizeof(file_dir), "%s/vault-file", root);
    snprintf(file_url, sizeof(file_url), "file://%s", file_dir);
    assert_int_equal(keys_init(app, false), ERR_OK);
    assert_int_equal(keys_load(app, &kr), ERR_OK);
    struct seal_key t;
    seal_key_new(&t); /* 32 random bytes, as hex: a token */
    for (int i = 0; i < 32; i++)
        snprintf(token + 2 * i, 3, "%02x", t.key[i]);
    char pub[KEYS_PUBLIC_HEX];
    keys_public_hex(kr.sign_public, pub);
    assert_int_equal(vault_dir_init(file_dir, pub), ERR_OK);
    start_vault();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    if (vault_pid > 0) {
        kill(vault_pid, SIGTERM);
        int status;
        waitpid(vault_pid, &status, 0);
    }
    keys_wipe(&kr);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    return system(cmd);
}

static struct vault_client *
open_client(const char *url)
{
    struct vault_client *c;
    enum err rc = vault_client_open(url, token, &c);
    if (rc)
        fail_msg("open %s: %s", url, err_detail());
    return c;
}

static void
expect(enum err got, enum err want, const char *what)
{
    if (got != want)
        fail_msg("%s: %s (want %s): %s", what, err_code(got), err_code(want),
                 err_detail());
}

/* Seal n bytes of text under dk into a new file; name into info. */
static void
seal_sample(const struct seal_key *dk, size_t n, const char *path,
            struct seal_info *info)
{
    char in[400];
    snprintf(in, sizeof(in), "%s.in", path);
    FILE *f = fopen(in, "w");
    for (size_t i = 0; i < n; i++)
        fputc("pilotlight vault test "[i % 22] + (char)(i / 4096 % 3), f);
    fclose(f);
    unlink(path);
    assert_int_equal(seal_file(dk, SEAL_KIND_SNAPSHOT, 0, in, path, info),
                     ERR_OK);
    unlink(in);
}

/* A signed manifest of store/seq over snapshot and changesets. */
static void
manifest_for(const char *store, int64_t seq, const char *snap,
             const char *const *cs, size_t ncs, const struct keyring *k,
             struct buf *doc)
{
    struct manifest m;
    struct seal_key dk;
    manifest_init(&m);
    snprintf(m.store, sizeof(m.store), "%s", store);
    m.seq = seq;
    snprintf(m.time, sizeof(m.time), "2026-05-01T03:00:00.000Z");
    snprintf(m.snapshot, sizeof(m.snapshot), "%s", snap);
    for (size_t i = 0; i < ncs; i++)
        assert_int_equal(manifest_add_changeset(&m, cs[i]), ERR_OK);
    assert_int_equal(keys_store_key(app, &kr, store, &dk, &m.data_key), ERR_OK);
    assert_int_equal(manifest_set_schema(&m, "tenant", 1), ERR_OK);
    buf_init(doc, MANIFEST_MAX_BYTES);
    assert_int_equal(manifest_sign(&m, k, doc), ERR_OK);
    manifest_free(&m);
    seal_key_wipe(&dk);
}

/* The same rules through a client, whatever its transport. */
static void
rules(const char *url, const char *store)
{
    struct vault_client *c = open_client(url);
    struct seal_key dk;
    struct keys_wrapped w;
    char path[400], path2[400];
    struct seal_info a, b;
    assert_int_equal(keys_store_key(app, &kr, store, &dk, &w), ERR_OK);
    snprintf(path, sizeof(path), "%s/%s-a", root, store);
    snprintf(path2, sizeof(path2), "%s/%s-b", root, store);
    seal_sample(&dk, 300000, path, &a);
    seal_sample(&dk, 1000, path2, &b);
    expect(vault_client_put_object(c, a.name, path), ERR_OK, "put a");
    expect(vault_client_put_object(c, a.name, path), ERR_VAULT_OBJECT_EXISTS,
           "put a again");
    expect(vault_client_put_object(c, a.name, path2), ERR_VAULT_OBJECT_EXISTS,
           "other bytes under a's name");
    expect(vault_client_put_object(c, b.name, path), ERR_VAULT_HASH_MISMATCH,
           "a's bytes under b's name");
    bool present;
    uint64_t bytes;
    expect(vault_client_has_object(c, a.name, &present, &bytes), ERR_OK,
           "has a");
    assert_true(present);
    assert_int_equal(bytes, a.sealed_bytes);
    expect(vault_client_has_object(c, b.name, &present, NULL), ERR_OK, "has b");
    assert_false(present);
    expect(vault_client_put_object(c, b.name, path2), ERR_OK, "put b");
    struct buf m1, m1b, m2, m3, stranger, dangling;
    const char *cs[] = {b.name};
    manifest_for(store, 1, a.name, NULL, 0, &kr, &m1);
    manifest_for(store, 1, a.name, cs, 1, &kr, &m1b);
    manifest_for(store, 2, a.name, cs, 1, &kr, &m2);
    manifest_for(store, 3, a.name, cs, 1, &kr, &m3);
    expect(vault_client_put_manifest(c, store, 2, m2.data, m2.len),
           ERR_VAULT_MANIFEST_GAP, "start at 2");
    expect(vault_client_put_manifest(c, store, 1, m1.data, m1.len), ERR_OK,
           "put 1");
    expect(vault_client_put_manifest(c, store, 1, m1.data, m1.len), ERR_OK,
           "put 1 again, same bytes (a retry)");
    expect(vault_client_put_manifest(c, store, 1, m1b.data, m1b.len),
           ERR_VAULT_MANIFEST_EXISTS, "overwrite 1");
    expect(vault_client_put_manifest(c, store, 3, m3.data, m3.len),
           ERR_VAULT_MANIFEST_GAP, "skip 2");
    char other_dir[400];
    struct keyring ok;
    snprintf(other_dir, sizeof(other_dir), "%s/%s-stranger", root, store);
    assert_int_equal(keys_init(other_dir, false), ERR_OK);
    assert_int_equal(keys_load(other_dir, &ok), ERR_OK);
    manifest_for(store, 2, a.name, cs, 1, &ok, &stranger);
    expect(vault_client_put_manifest(c, store, 2, stranger.data, stranger.len),
           ERR_VAULT_SIGNATURE, "a stranger's signature");
    const char *gone[] = {
        "0000000000000000000000000000000000000000000000000000000000000000"};
    manifest_for(store, 2, a.name, gone, 1, &kr, &dangling);
    expect(vault_client_put_manifest(c, store, 2, dangling.data, dangling.len),
           ERR_VAULT_OBJECT_NOT_FOUND, "an absent object");
    expect(vault_client_put_manifest(c, store, 2, m2.data, m2.len), ERR_OK,
           "put 2");
    struct vault_manifest_ref *refs;
    size_t n;
    expect(vault_client_list_manifests(c, store, &refs, &n), ERR_OK, "list");
    assert_int_equal(n, 2);
    assert_int_equal(refs[1].seq, 2);
    char h2[SEAL_NAME_HEX];
    seal_hash_hex(m2.data, m2.len, h2);
    assert_string_equal(refs[1].hash, h2);
    free(refs);
    expect(vault_client_list_manifests(c, "nobody", &refs, &n),
           ERR_VAULT_MANIFEST_NOT_FOUND, "list an unknown store");
    struct buf back;
    buf_init(&back, MANIFEST_MAX_BYTES);
    expect(vault_client_get_manifest(c, store, 2, &back), ERR_OK, "get 2");
    assert_int_equal(back.len, m2.len);
    assert_memory_equal(back.data, m2.data, m2.len);
    buf_reset(&back);
    expect(vault_client_get_manifest(c, store, 5, &back),
           ERR_VAULT_MANIFEST_NOT_FOUND, "get 5");
    buf_free(&back);
    struct buf *docs[] = {&m1, &m1b, &m2, &m3, &stranger, &dangling};
    for (int i = 0; i < 6; i++)
        buf_free(docs[i]);
    keys_wipe(&ok);
    seal_key_wipe(&dk);
    vault_client_close(c);
}

static void
test_http_rules(void **state)
{
    (void)state;
    rules(http_url, "t-http");
}

static void
test_file_rules(void **state)
{
    (void)state;
    rules(file_url, "t-file");
}

/* Restore side: newest manifest → verify → unwrap → stream and decrypt. */
struct opener {
    struct seal_open_ctx *o;
};

static enum err
to_opener(void *arg, const void *p, size_t n)
{
    return seal_open_update(((struct opener *)arg)->o, p, n);
}

static enum err
to_buf(void *arg, const void *p, size_t n)
{
    return buf_append(arg, p, n);
}

static void
restore_path(const char *url, const char *store)
{
    struct vault_client *c = open_client(url);
    struct vault_store_ref *stores;
    size_t ns;
    expect(vault_client_list_stores(c, &stores, &ns), ERR_OK, "stores");
    bool found = false;
    for (size_t i = 0; i < ns; i++)
        found |= strcmp(stores[i].id, store) == 0 && stores[i].last_seq == 2;
    assert_true(found);
    free(stores);
    struct buf doc;
    buf_init(&doc, MANIFEST_MAX_BYTES);
    expect(vault_client_get_manifest(c, store, 2, &doc), ERR_OK, "get");
    struct keyring restore_keys = {0};
    restore_keys.has_backup = true; /* as from a kit: no signing key */
    memcpy(restore_keys.backup, kr.backup, KEYS_BACKUP_BYTES);
    restore_keys.ntrusted = 1;
    memcpy(restore_keys.trusted[0], kr.sign_public, KEYS_PUBLIC_BYTES);
    struct manifest m;
    expect(manifest_open(doc.data, doc.len, &restore_keys, &m), ERR_OK,
           "verify");
    struct seal_key dk;
    expect(keys_unwrap(&restore_keys, store, &m.data_key, &dk), ERR_OK,
           "unwrap");
    struct buf plain;
    buf_init(&plain, 1u << 20);
    struct opener op;
    seal_open_begin(&dk, m.snapshot, SEAL_KIND_SNAPSHOT, to_buf, &plain, &op.o);
    expect(vault_client_get_object(c, m.snapshot, to_opener, &op), ERR_OK,
           "download");
    expect(seal_open_finish(op.o, NULL), ERR_OK, "decrypt");
    assert_int_equal(plain.len, 300000);
    assert_memory_equal(plain.data, "pilotlight vault test ", 22);
    char out[400];
    snprintf(out, sizeof(out), "%s/%s-restored", root, store);
    expect(vault_client_get_object_file(c, m.changesets[0], out), ERR_OK,
           "download to a file");
    char h[SEAL_NAME_HEX];
    assert_int_equal(seal_hash_file(out, h), ERR_OK);
    assert_string_equal(h, m.changesets[0]);
    buf_free(&plain);
    buf_free(&doc);
    manifest_free(&m);
    keys_wipe(&restore_keys);
    seal_key_wipe(&dk);
    vault_client_close(c);
}

static void
test_restore_path_http(void **state)
{
    (void)state;
    restore_path(http_url, "t-http");
}

static void
test_restore_path_file(void **state)
{
    (void)state;
    restore_path(file_url, "t-file");
}

/* Flip a byte of an object on the vault's disk; the client catches it. */
static void
tampered(const char *url, const char *dir, const char *store)
{
    struct vault_client *c = open_client(url);
    struct buf doc;
    struct manifest m;
    buf_init(&doc, MANIFEST_MAX_BYTES);
    expect(vault_client_get_manifest(c, store, 2, &doc), ERR_OK, "get");
    expect(manifest_parse(doc.data, doc.len, &m), ERR_OK, "parse");
    char path[700];
    snprintf(path, sizeof(path), "%s/objects/%.2s/%s", dir, m.snapshot,
             m.snapshot);
    chmod(path, 0600);
    int fd = open(path, O_RDWR);
    unsigned char byte;
    assert_int_equal(pread(fd, &byte, 1, 60), 1);
    byte ^= 0x10;
    assert_int_equal(pwrite(fd, &byte, 1, 60), 1);
    close(fd);
    struct buf got;
    buf_init(&got, 1u << 20);
    expect(vault_client_get_object(c, m.snapshot, to_buf, &got),
           ERR_VAULT_HASH_MISMATCH, "a flipped byte");
    assert_non_null(strstr(err_detail(), "altered"));
    buf_free(&got);
    manifest_free(&m);
    buf_free(&doc);
    vault_client_close(c);
}

static void
test_tampered_object_is_caught(void **state)
{
    (void)state;
    tampered(http_url, http_dir, "t-http");
    tampered(file_url, file_dir, "t-file");
}

/* A multi-MB object both ways; offered again, it is refused before its
 * body is sent (Expect: 100-continue over HTTP). */
static void
large(const char *url, const char *store)
{
    struct vault_client *c = open_client(url);
    struct seal_key dk;
    struct keys_wrapped w;
    char in[400], sealed[400], back[400];
    snprintf(in, sizeof(in), "%s/%s-large.in", root, store);
    snprintf(sealed, sizeof(sealed), "%s/%s-large", root, store);
    snprintf(back, sizeof(back), "%s/%s-large.back", root, store);
    FILE *f = fopen(in, "w");
    unsigned char b[4096];
    for (int i = 0; i < 768; i++) { /* 3 MiB that do not compress */
        for (size_t k = 0; k < sizeof(b); k++)
            b[k] = (unsigned char)rand();
        fwrite(b, 1, sizeof(b), f);
    }
    fclose(f);
    assert_int_equal(keys_store_key(app, &kr, store, &dk, &w), ERR_OK);
    struct seal_info info;
    assert_int_equal(seal_file(&dk, SEAL_KIND_SNAPSHOT, 0, in, sealed, &info),
                     ERR_OK);
    assert_true(info.sealed_bytes > 3u << 20);
    expect(vault_client_put_object(c, info.name, sealed), ERR_OK, "large");
    expect(vault_client_put_object(c, info.name, sealed),
           ERR_VAULT_OBJECT_EXISTS, "large again");
    expect(vault_client_get_object_file(c, info.name, back), ERR_OK,
           "large back");
    char h[SEAL_NAME_HEX];
    assert_int_equal(seal_hash_file(back, h), ERR_OK);
    assert_string_equal(h, info.name);
    unlink(in);
    seal_key_wipe(&dk);
    vault_client_close(c);
}

static void
test_large_object(void **state)
{
    (void)state;
    large(http_url, "t-http");
    large(file_url, "t-file");
}

static void
test_bad_token_and_dead_vault(void **state)
{
    (void)state;
    struct vault_client *c;
    char wrong[65];
    memcpy(wrong, token, sizeof(wrong));
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    assert_int_equal(vault_client_open(http_url, wrong, &c), ERR_OK);
    struct vault_store_ref *s;
    size_t n;
    expect(vault_client_list_stores(c, &s, &n), ERR_VAULT_UNAUTHORIZED,
           "wrong token");
    vault_client_close(c);
    /* a port nobody listens on: retried, then unavailable */
    assert_int_equal(vault_client_open("http://127.0.0.1:1", token, &c),
                     ERR_OK);
    vault_client_set_retry(c, 3, 5);
    expect(vault_client_list_stores(c, &s, &n), ERR_VAULT_UNAVAILABLE,
           "dead vault");
    vault_client_close(c);
    assert_int_equal(vault_client_open("ftp://x", token, &c), ERR_CONFIG);
    assert_int_equal(vault_client_open("file://relative", NULL, &c),
                     ERR_CONFIG);
    assert_int_equal(vault_client_open("file:///nonexistent-vault", NULL, &c),
                     ERR_CONFIG);
    assert_int_equal(vault_client_open(http_url, "short", &c), ERR_CONFIG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_rules),
        cmocka_unit_test(test_file_rules),
        cmocka_unit_test(test_restore_path_http),
        cmocka_unit_test(test_restore_path_file),
        cmocka_unit_test(test_tampered_object_is_caught),
        cmocka_unit_test(test_large_object),
        cmocka_unit_test(test_bad_token_and_dead_vault),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
