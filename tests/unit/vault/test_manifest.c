/*
 * test_manifest.c — signed manifests (src/vault/manifest.c) and the data
 * keys they carry (src/vault/keys.c): sign and verify, the canonical form,
 * any change after signing refused, an untrusted signer refused, strict
 * parsing, data key wrapping bound to its store and backup key, and a
 * store's data key made once and found again.
 */
#include "vault/keys.h"
#include "vault/manifest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/json.h"

static char dir[] = "/tmp/pl-manifest-XXXXXX";
static struct keyring kr;

static const char *A =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char *B =
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
static const char *C =
    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

static int
setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(keys_init(dir, false), ERR_OK);
    assert_int_equal(keys_load(dir, &kr), ERR_OK);
    assert_true(kr.has_backup && kr.has_signing);
    assert_int_equal(kr.ntrusted, 1);
    assert_memory_equal(kr.trusted[0], kr.sign_public, KEYS_PUBLIC_BYTES);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    keys_wipe(&kr);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd);
}

/* A filled manifest for store t-0001, sequence seq. */
static void
fill(struct manifest *m, int64_t seq)
{
    manifest_init(m);
    snprintf(m->store, sizeof(m->store), "t-0001");
    m->seq = seq;
    snprintf(m->time, sizeof(m->time), "2026-05-01T03:00:00.000Z");
    snprintf(m->snapshot, sizeof(m->snapshot), "%s", A);
    assert_int_equal(manifest_add_changeset(m, B), ERR_OK);
    assert_int_equal(manifest_add_changeset(m, C), ERR_OK);
    snprintf(m->audit_hash, sizeof(m->audit_hash), "%s", C);
    m->audit_entry = 1234;
    assert_int_equal(manifest_set_schema(m, "tenant", 14), ERR_OK);
    assert_int_equal(manifest_set_schema(m, "audit", 2), ERR_OK);
    struct seal_key dk;
    seal_key_new(&dk);
    assert_int_equal(keys_wrap(&kr, m->store, &dk, &m->data_key), ERR_OK);
    seal_key_wipe(&dk);
}

/* Sign a filled manifest into doc (caller frees doc's buf). */
static void
signed_doc(int64_t seq, struct buf *doc)
{
    struct manifest m;
    fill(&m, seq);
    buf_init(doc, MANIFEST_MAX_BYTES);
    assert_int_equal(manifest_sign(&m, &kr, doc), ERR_OK);
    manifest_free(&m);
}

static void
test_sign_then_open(void **state)
{
    (void)state;
    struct buf doc;
    signed_doc(7, &doc);
    struct manifest m;
    assert_int_equal(manifest_open(doc.data, doc.len, &kr, &m), ERR_OK);
    assert_string_equal(m.store, "t-0001");
    assert_int_equal(m.seq, 7);
    assert_string_equal(m.snapshot, A);
    assert_int_equal(m.nchangesets, 2);
    assert_string_equal(m.changesets[0], B); /* in apply order */
    assert_string_equal(m.changesets[1], C);
    assert_int_equal(m.audit_entry, 1234);
    assert_int_equal(m.nschema, 2);
    /* serializing the parsed manifest gives the same document */
    struct buf again;
    buf_init(&again, MANIFEST_MAX_BYTES);
    assert_int_equal(manifest_to_json(&m, &again), ERR_OK);
    assert_string_equal(again.data, doc.data);
    buf_free(&again);
    manifest_free(&m);
    buf_free(&doc);
}

static void
test_canonical_form(void **state)
{
    (void)state;
    struct manifest m;
    fill(&m, 1);
    keys_public_hex(kr.sign_public, m.signer);
    struct buf b;
    buf_init(&b, MANIFEST_MAX_BYTES);
    assert_int_equal(manifest_signed_bytes(&m, &b), ERR_OK);
    const char *want = "pilotlight manifest v1\n{\"audit\":{\"entry\":1234,"
                       "\"hash\":\"cccc";
    assert_memory_equal(b.data, want, strlen(want));
    /* sorted keys, no white space, no signature */
    const char *order[] = {"\"audit\"",  "\"changesets\"", "\"data_key\"",
                           "\"format\"", "\"schema\"",     "\"seq\"",
                           "\"signer\"", "\"snapshot\"",   "\"store\"",
                           "\"time\"",   "\"version\""};
    const char *prev = b.data;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *at = strstr(b.data, order[i]);
        assert_non_null(at);
        assert_true(at >= prev);
        prev = at;
    }
    assert_null(strchr(b.data + strlen("pilotlight manifest v1\n"), ' '));
    assert_null(strstr(b.data, "signature"));
    assert_non_null(strstr(b.data, "\"schema\":{\"audit\":2,\"tenant\":14}"));
    buf_free(&b);
    manifest_free(&m);
}

/* doc with the first occurrence of from replaced by to. */
static void
replace(struct buf *doc, const char *from, const char *to)
{
    char *at = strstr(doc->data, from);
    assert_non_null(at);
    struct buf b;
    buf_init(&b, doc->max);
    buf_append(&b, doc->data, (size_t)(at - doc->data));
    buf_puts(&b, to);
    buf_puts(&b, at + strlen(from));
    buf_free(doc);
    *doc = b;
}

static void
expect_open(const struct buf *doc, enum err rc, const char *detail_has)
{
    struct manifest m;
    enum err got = manifest_open(doc->data, doc->len, &kr, &m);
    manifest_free(&m);
    if (got != rc)
        fail_msg("open: %s (want %s): %s", err_code(got), err_code(rc),
                 err_detail());
    if (detail_has && !strstr(err_detail(), detail_has))
        fail_msg("detail '%s' lacks '%s'", err_detail(), detail_has);
}

static void
test_tampered_manifest_is_refused(void **state)
{
    (void)state;
    const char *edits[][2] = {
        {"\"seq\":7", "\"seq\":8"},
        {"\"entry\":1234", "\"entry\":1235"},
        {"\"tenant\":14", "\"tenant\":15"},
        {"\"snapshot\":\"aaaa", "\"snapshot\":\"aaab"},
        {"\"changesets\":[\"bbbb", "\"changesets\":[\"cbbb"},
        {"\"time\":\"2026-05-01", "\"time\":\"2026-05-02"},
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        struct buf doc;
        signed_doc(7, &doc);
        replace(&doc, edits[i][0], edits[i][1]);
        expect_open(&doc, ERR_VAULT_SIGNATURE, "does not verify");
        buf_free(&doc);
    }
    /* changesets swapped: same set, other order */
    struct buf doc;
    signed_doc(7, &doc);
    char *b = strstr(doc.data, B),
         *c = strstr(strstr(doc.data, "\"changesets\""), C);
    memcpy(b, C, 64);
    memcpy(c, B, 64);
    expect_open(&doc, ERR_VAULT_SIGNATURE, NULL);
    buf_free(&doc);
}

static void
test_layout_does_not_matter(void **state)
{
    (void)state;
    struct buf doc;
    signed_doc(3, &doc);
    json_t *j = json_loadb(doc.data, doc.len, 0, NULL);
    char *pretty = json_dumps(j, JSON_INDENT(4)); /* insertion order */
    json_decref(j);
    struct manifest m;
    assert_int_equal(manifest_open(pretty, strlen(pretty), &kr, &m), ERR_OK);
    manifest_free(&m);
    free(pretty);
    buf_free(&doc);
}

static void
test_untrusted_signer_is_refused(void **state)
{
    (void)state;
    char other[] = "/tmp/pl-manifest-other-XXXXXX";
    assert_non_null(mkdtemp(other));
    struct keyring okr;
    assert_int_equal(keys_init(other, false), ERR_OK);
    assert_int_equal(keys_load(other, &okr), ERR_OK);
    struct manifest m;
    fill(&m, 1);
    struct buf doc;
    buf_init(&doc, MANIFEST_MAX_BYTES);
    assert_int_equal(manifest_sign(&m, &okr, &doc), ERR_OK);
    manifest_free(&m);
    expect_open(&doc, ERR_VAULT_SIGNATURE, "not trusted");
    /* the signer field swapped to ours: the signature no longer fits */
    char ours[KEYS_PUBLIC_HEX], theirs[KEYS_PUBLIC_HEX];
    keys_public_hex(kr.sign_public, ours);
    keys_public_hex(okr.sign_public, theirs);
    replace(&doc, theirs, ours);
    expect_open(&doc, ERR_VAULT_SIGNATURE, "does not verify");
    buf_free(&doc);
    keys_wipe(&okr);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", other);
    assert_int_equal(system(cmd), 0);
}

static void
test_strict_parsing(void **state)
{
    (void)state;
    struct {
        const char *from, *to, *why;
    } cases[] = {
        {"\"format\":\"pilotlight-manifest\"",
         "\"format\":\"pilotlight-manifesX\"", "format"},
        {"\"version\":1", "\"version\":2", "version 2"},
        {"\"store\":\"t-0001\"", "\"store\":\"T-0001\"", "store"},
        {"\"seq\":7", "\"seq\":0", "seq"},
        {"\"time\":\"2026-05-01T", "\"time\":\"2026-05-01 ", "time"},
        {"\"snapshot\":\"aaaa", "\"snapshot\":\"AAAA", "snapshot"},
        {"\"version\":1", "\"versiox\":1", "missing"},
        {"\"seq\":7", "\"seq\":7.5", "seq"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf doc;
        signed_doc(7, &doc);
        replace(&doc, cases[i].from, cases[i].to);
        struct manifest m;
        enum err rc = manifest_parse(doc.data, doc.len, &m);
        manifest_free(&m);
        if (rc != ERR_VAULT_MANIFEST_INVALID)
            fail_msg("case %zu: %s: %s", i, err_code(rc), err_detail());
        if (!strstr(err_detail(), cases[i].why))
            fail_msg("case %zu: '%s' lacks '%s'", i, err_detail(),
                     cases[i].why);
        buf_free(&doc);
    }
    struct manifest m;
    assert_int_equal(manifest_parse("[1]", 3, &m), ERR_VAULT_MANIFEST_INVALID);
    manifest_free(&m);
    assert_int_equal(manifest_parse("{\"a\":1,\"a\":2}", 13, &m),
                     ERR_VAULT_MANIFEST_INVALID);
    manifest_free(&m);
}

static void
test_sign_checks_fields(void **state)
{
    (void)state;
    struct manifest m;
    fill(&m, 1);
    snprintf(m.store, sizeof(m.store), "../etc");
    struct buf doc;
    buf_init(&doc, MANIFEST_MAX_BYTES);
    assert_int_equal(manifest_sign(&m, &kr, &doc), ERR_VAULT_MANIFEST_INVALID);
    manifest_free(&m);
    assert_int_equal(manifest_add_changeset(&m, "nothex"), ERR_INVALID);
    manifest_free(&m);
    struct keyring pub_only = kr;
    pub_only.has_signing = false;
    fill(&m, 1);
    assert_int_equal(manifest_sign(&m, &pub_only, &doc),
                     ERR_BACKUP_KEYS_MISSING);
    manifest_free(&m);
    buf_free(&doc);
}

static void
test_data_key_wrap_is_bound(void **state)
{
    (void)state;
    struct seal_key dk, back;
    struct keys_wrapped w;
    seal_key_new(&dk);
    assert_int_equal(keys_wrap(&kr, "t-0001", &dk, &w), ERR_OK);
    assert_int_equal(strlen(w.wrapped), 144);
    assert_int_equal(keys_unwrap(&kr, "t-0001", &w, &back), ERR_OK);
    assert_memory_equal(back.key, dk.key, SEAL_KEY_BYTES);
    assert_memory_equal(back.id, dk.id, SEAL_KEY_ID_BYTES);
    assert_int_equal(keys_unwrap(&kr, "t-0002", &w, &back),
                     ERR_BACKUP_DECRYPT); /* another store's key */
    struct keyring other = kr;
    other.backup[0] ^= 1;
    assert_int_equal(keys_unwrap(&other, "t-0001", &w, &back),
                     ERR_BACKUP_DECRYPT); /* another backup key */
    w.wrapped[100] = w.wrapped[100] == '0' ? '1' : '0';
    assert_int_equal(keys_unwrap(&kr, "t-0001", &w, &back),
                     ERR_BACKUP_DECRYPT); /* altered */
    keys_wipe(&other);
    seal_key_wipe(&dk);
}

static void
test_store_key_is_made_once(void **state)
{
    (void)state;
    struct seal_key k1, k2;
    struct keys_wrapped w1, w2;
    assert_int_equal(keys_store_key(dir, &kr, "platform", &k1, &w1), ERR_OK);
    assert_int_equal(keys_store_key(dir, &kr, "platform", &k2, &w2), ERR_OK);
    assert_memory_equal(k1.key, k2.key, SEAL_KEY_BYTES);
    assert_string_equal(w1.wrapped, w2.wrapped);
    assert_int_equal(keys_store_key(dir, &kr, "t-0001", &k2, &w2), ERR_OK);
    assert_memory_not_equal(k1.key, k2.key, SEAL_KEY_BYTES);
    assert_int_equal(keys_store_key(dir, &kr, "../x", &k2, &w2), ERR_INVALID);
    seal_key_wipe(&k1);
    seal_key_wipe(&k2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_then_open),
        cmocka_unit_test(test_canonical_form),
        cmocka_unit_test(test_tampered_manifest_is_refused),
        cmocka_unit_test(test_layout_does_not_matter),
        cmocka_unit_test(test_untrusted_signer_is_refused),
        cmocka_unit_test(test_strict_parsing),
        cmocka_unit_test(test_sign_checks_fields),
        cmocka_unit_test(test_data_key_wrap_is_bound),
        cmocka_unit_test(test_store_key_is_made_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
