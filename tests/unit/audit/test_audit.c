/*
 * test_audit.c — tests src/audit/audit.c: the hash-chained audit log in a
 * tenant's store (and the platform store), in a temporary data directory.
 *
 * The chain invariants (audit.h): each entry's hash is BLAKE2b-256 of the
 * previous hash, "\n" and the canonical JSON array of its fields; ids are
 * contiguous; verify names the first entry that is edited, missing before,
 * moved or unhashed. The worked examples recompute the chain here from the
 * documented canonical form, independently of audit.c. Tampering goes
 * around the triggers the way an attacker with the file would: DROP TRIGGER
 * first, then UPDATE/DELETE/INSERT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "auth/crypto.h"
#include "core/json.h"
#include "store/migrate.h"
#include "store/pool.h"
#include "store/store.h"
#include "tenants/tenants.h"

#include <ftw.h>
#include <pthread.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct fixture {
    char dir[64];
    struct store *platform;
    struct store *st; /* tenant 0001's store */
    int64_t tenant_id;
};

static int
setup(void **state)
{
    static struct fixture f;
    snprintf(f.dir, sizeof(f.dir), "/tmp/pl-test-audit-XXXXXX");
    if (!mkdtemp(f.dir))
        return -1;
    struct tenant t;
    if (pool_init(f.dir, 4) || pool_platform(&f.platform) ||
        tenant_create(f.platform, f.dir, "test", "0001", "テストガス株式会社",
                      "静岡県", &t) ||
        pool_tenant(t.id, &f.st))
        return -1;
    f.tenant_id = t.id;
    err_clear();
    *state = &f;
    return 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    pool_thread_release();
    return nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- helpers ------------------------------------------------------------- */

/* Append one entry in its own transaction; must succeed. */
static void
append_ok(struct store *st, const char *actor, const char *action,
          const char *target, const char *detail, const char *ip,
          const char *ua)
{
    const struct audit_entry e = {actor, action, target, detail, ip, ua};
    assert_int_equal(store_tx_begin(st), ERR_OK);
    enum err rc = audit_append(st, &e);
    if (rc)
        fail_msg("audit_append %s: %s: %s", action, err_code(rc), err_detail());
    assert_int_equal(store_tx_commit(st), ERR_OK);
}

/* Append in a transaction that is rolled back; returns audit_append's rc. */
static enum err
append_rc(struct store *st, const struct audit_entry *e)
{
    assert_int_equal(store_tx_begin(st), ERR_OK);
    enum err rc = audit_append(st, e);
    store_tx_rollback(st);
    return rc;
}

static void
exec_ok(struct store *st, const char *sql)
{
    enum err rc = store_exec(st, sql);
    if (rc)
        fail_msg("%s: %s", sql, err_detail());
}

static int64_t
verify_count(struct store *st, char *head)
{
    int64_t n = -1;
    enum err rc = audit_verify(st, &n, head);
    if (rc)
        fail_msg("audit_verify: %s: %s", err_code(rc), err_detail());
    return n;
}

/* verify must fail, with a detail starting with `entry` and containing
 * `what`. */
static void
verify_broken(struct store *st, const char *entry, const char *what)
{
    int64_t n = -1;
    char head[AUDIT_HASH_HEX];
    err_clear();
    assert_int_equal(audit_verify(st, &n, head), ERR_AUDIT_CHAIN);
    if (strncmp(err_detail(), entry, strlen(entry)) != 0 ||
        !strstr(err_detail(), what))
        fail_msg("detail '%s' lacks '%s' / '%s'", err_detail(), entry, what);
}

/* Five plain entries, ids 1..5. */
static void
append_five(struct store *st)
{
    static const char *const actions[] = {"auth.login", "customer.create",
                                          "customer.update", "meter.read",
                                          "auth.logout"};
    for (int i = 0; i < 5; i++)
        append_ok(st, "user:12", actions[i], "customer:1", "{\"n\":\"変更\"}",
                  "192.0.2.1", "test-agent");
}

static void
drop_triggers(struct store *st)
{
    exec_ok(st, "DROP TRIGGER audit_log_no_update;"
                "DROP TRIGGER audit_log_no_delete;");
}

/* ---- chain --------------------------------------------------------------- */

/* The canonical array after "[id,\"ts\"" for each entry of the worked
 * example, written out by hand from audit.h's definition. */
static const char *const example_tail[] = {
    ",\"user:12\",\"auth.login\",null,null,\"192.0.2.1\",\"Mozilla/5.0\"]",
    ",\"user:12\",\"customer.update\",\"customer:山田太郎\","
    "\"{\\\"before\\\":{\\\"name\\\":\\\"山田\\\"},"
    "\\\"after\\\":{\\\"name\\\":\\\"山田太郎\\\"}}\",\"2001:db8::1\",null]",
    ",\"system\",\"billing.close\",null,null,null,null]",
    ",\"cli:root\",\"tenant.note\",\"note \\\"a\\\\b\\\"\","
    "\"{\\\"memo\\\":\\\"a\\\\\\\"b\\\\\\\\c\\\\nd\\\"}\",null,"
    "\"??ua\"]",
};

static void
append_example(struct store *st)
{
    append_ok(st, "user:12", "auth.login", NULL, NULL, "192.0.2.1",
              "Mozilla/5.0");
    append_ok(st, "user:12", "customer.update", "customer:山田太郎",
              "{\"before\":{\"name\":\"山田\"},"
              "\"after\":{\"name\":\"山田太郎\"}}",
              "2001:db8::1", NULL);
    append_ok(st, "system", "billing.close", NULL, NULL, NULL, NULL);
    append_ok(st, "cli:root", "tenant.note", "note \"a\\b\"",
              "{\"memo\":\"a\\\"b\\\\c\\nd\"}", NULL, "\r\nua");
}

/* Recompute the example's chain from the stored ids and timestamps and
 * check every stored prev_hash and hash; head receives the last hash. */
static void
recompute_example(struct store *st, char head[AUDIT_HASH_HEX])
{
    static const char sql[] =
        "SELECT id, ts, prev_hash, hash FROM audit_log ORDER BY id";
    char prev[AUDIT_HASH_HEX] = "", input[2048];
    struct stmt *s;
    bool row;
    int i = 0;
    assert_int_equal(store_prepare(st, sql, &s), ERR_OK);
    while (stmt_step(s, &row) == ERR_OK && row) {
        assert_true(i < 4);
        assert_int_equal(stmt_int(s, 0), i + 1);
        assert_string_equal(stmt_text(s, 2), prev);
        int n = snprintf(input, sizeof(input), "%s\n[%d,\"%s\"%s", prev, i + 1,
                         stmt_text(s, 1), example_tail[i]);
        crypto_digest_hex(input, (size_t)n, prev);
        assert_string_equal(stmt_text(s, 3), prev);
        i++;
    }
    stmt_done(s);
    assert_int_equal(i, 4);
    memcpy(head, prev, AUDIT_HASH_HEX);
}

static void
test_append_chains_entries_as_documented(void **state)
{
    struct fixture *f = *state;
    append_example(f->st);
    char want[AUDIT_HASH_HEX], head[AUDIT_HASH_HEX];
    recompute_example(f->st, want);
    assert_int_equal(verify_count(f->st, head), 4);
    assert_string_equal(head, want);
    assert_int_equal(strlen(head), 64);
}

static void
test_verify_empty_log_is_intact_with_empty_head(void **state)
{
    struct fixture *f = *state;
    char head[AUDIT_HASH_HEX] = "x";
    assert_int_equal(verify_count(f->st, head), 0);
    assert_string_equal(head, "");
}

static void
test_platform_chain_covers_tenant_create(void **state)
{
    struct fixture *f = *state;
    char head[AUDIT_HASH_HEX];
    assert_int_equal(verify_count(f->platform, head), 1);
    struct tenant t;
    assert_int_equal(
        tenant_create(f->platform, f->dir, "test", "0002", "第二ガス", "", &t),
        ERR_OK);
    char head2[AUDIT_HASH_HEX];
    assert_int_equal(verify_count(f->platform, head2), 2);
    assert_string_not_equal(head, head2);
}

static void
test_audit_record_writes_chained_entry(void **state)
{
    struct fixture *f = *state;
    append_ok(f->st, "user:1", "auth.login", NULL, NULL, NULL, NULL);
    assert_int_equal(store_tx_begin(f->st), ERR_OK);
    assert_int_equal(audit_record(f->st, "user:1", "customer.create",
                                  "customer:9", "{\"name\":\"佐藤\"}"),
                     ERR_OK);
    assert_int_equal(store_tx_commit(f->st), ERR_OK);
    char head[AUDIT_HASH_HEX];
    assert_int_equal(verify_count(f->st, head), 2);
}

/* Insert entry 1 by hand (the triggers only ask for a 64-character hash),
 * hashed here from the documented form: control characters escaped. */
static void
test_hand_made_entry_with_control_characters_verifies(void **state)
{
    struct fixture *f = *state;
    static const char sql[] =
        "INSERT INTO audit_log (id, ts, actor, action, target, detail, ip,"
        " user_agent, prev_hash, hash) VALUES (1, '2026-04-01T00:00:00.000Z',"
        " 'system', 'x.y', $1, NULL, NULL, $2, '', $3)";
    static const char input[] =
        "\n[1,\"2026-04-01T00:00:00.000Z\",\"system\",\"x.y\","
        "\"tab\\there\\u0001\\u001f\\b\\f\",null,null,\"\\r\\n\x7f\"]";
    char want[AUDIT_HASH_HEX], head[AUDIT_HASH_HEX];
    crypto_digest_hex(input, strlen(input), want);
    struct stmt *s;
    bool row;
    assert_int_equal(store_prepare(f->st, sql, &s), ERR_OK);
    assert_int_equal(stmt_bind_text(s, 1, "tab\there\x01\x1f\b\f"), ERR_OK);
    assert_int_equal(stmt_bind_text(s, 2, "\r\n\x7f"), ERR_OK);
    assert_int_equal(stmt_bind_text(s, 3, want), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    stmt_done(s);
    assert_int_equal(verify_count(f->st, head), 1);
    assert_string_equal(head, want);
    /* audit_append itself keeps control characters out of actors. */
    const struct audit_entry e = {"user:\t1", "auth.login", NULL,
                                  NULL,       NULL,         NULL};
    assert_int_equal(append_rc(f->st, &e), ERR_INVALID);
}

struct writer {
    int64_t tenant_id;
    enum err rc;
};

/* 50 appends on this thread's own connection (no cmocka asserts here). */
static void *
write_fifty(void *arg)
{
    struct writer *w = arg;
    struct store *st;
    const struct audit_entry e = {"system", "meter.read", "meter:1",
                                  NULL,     NULL,         NULL};
    w->rc = pool_tenant(w->tenant_id, &st);
    for (int i = 0; i < 50 && !w->rc; i++) {
        if (!(w->rc = store_tx_begin(st)) && !(w->rc = audit_append(st, &e)))
            w->rc = store_tx_commit(st);
        if (w->rc)
            store_tx_rollback(st);
    }
    pool_thread_release();
    return NULL;
}

static void
test_concurrent_writers_keep_one_chain(void **state)
{
    struct fixture *f = *state;
    struct writer w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct writer){f->tenant_id, ERR_OK};
        assert_int_equal(pthread_create(&th[i], NULL, write_fifty, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].rc, ERR_OK);
    }
    char head[AUDIT_HASH_HEX];
    assert_int_equal(verify_count(f->st, head), 200);
}

/* ---- tampering ----------------------------------------------------------- */

static void
test_edited_detail_is_detected_at_that_entry(void **state)
{
    struct fixture *f = *state;
    append_five(f->st);
    char head2[AUDIT_HASH_HEX];
    exec_ok(f->st, "CREATE TEMP TABLE h AS SELECT hash FROM audit_log"
                   " WHERE id = 2");
    drop_triggers(f->st);
    exec_ok(f->st, "UPDATE audit_log SET detail = '{\"n\":\"改ざん\"}'"
                   " WHERE id = 3");
    verify_broken(f->st, "entry 3:", "edited");
    /* count and head describe the intact part before it */
    int64_t n = -1;
    assert_int_equal(audit_verify(f->st, &n, head2), ERR_AUDIT_CHAIN);
    assert_int_equal(n, 2);
    struct stmt *s;
    bool row;
    assert_int_equal(store_prepare(f->st, "SELECT hash FROM h", &s), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    assert_string_equal(stmt_text(s, 0), head2);
    stmt_done(s);
}

static void
test_edited_timestamp_or_null_field_is_detected(void **state)
{
    struct fixture *f = *state;
    append_five(f->st);
    drop_triggers(f->st);
    exec_ok(f->st, "UPDATE audit_log SET ts = '2000-01-01T00:00:00.000Z'"
                   " WHERE id = 5");
    verify_broken(f->st, "entry 5:", "edited");
    exec_ok(f->st, "DELETE FROM audit_log WHERE id = 5");
    exec_ok(f->st, "UPDATE audit_log SET ip = NULL WHERE id = 4");
    verify_broken(f->st, "entry 4:", "edited");
}

static void
test_deleted_middle_entry_is_detected_as_gap(void **state)
{
    struct fixture *f = *state;
    append_five(f->st);
    drop_triggers(f->st);
    exec_ok(f->st, "DELETE FROM audit_log WHERE id = 3");
    verify_broken(f->st, "entry 4:", "entry 3 before it is missing");
    exec_ok(f->st, "DELETE FROM audit_log WHERE id = 2");
    verify_broken(f->st, "entry 4:", "entries 2 to 3 before it are missing");
}

static void
test_deleted_first_entry_is_detected(void **state)
{
    struct fixture *f = *state;
    append_five(f->st);
    drop_triggers(f->st);
    exec_ok(f->st, "DELETE FROM audit_log WHERE id = 1");
    verify_broken(f->st, "entry 2:", "entry 1 before it is missing");
}

static void
test_renumbered_rows_after_delete_are_detected(void **state)
{
    struct fixture *f = *state;
    append_five(f->st);
    drop_triggers(f->st);
    /* Hide the gap: remove entry 3 and move 4 and 5 down by one. */
    exec_ok(f->st, "DELETE FROM audit_log WHERE id = 3;"
                   "UPDATE audit_log SET id = id - 1 WHERE id > 3;");
    verify_broken(f->st, "entry 3:", "prev_hash");
}

/* Swap the given columns of entries 2 and 3 through a temporary copy. */
static void
swap_2_and_3(struct store *st, bool with_hashes)
{
    exec_ok(st, "CREATE TEMP TABLE c AS SELECT * FROM audit_log"
                " WHERE id IN (2, 3)");
    drop_triggers(st);
    if (with_hashes)
        exec_ok(st, "UPDATE audit_log SET (ts, actor, action, target, detail,"
                    " ip, user_agent, prev_hash, hash) = (SELECT ts, actor,"
                    " action, target, detail, ip, user_agent, prev_hash, hash"
                    " FROM c WHERE c.id = 5 - audit_log.id)"
                    " WHERE id IN (2, 3)");
    else
        exec_ok(st, "UPDATE audit_log SET (ts, actor, action, target, detail,"
                    " ip, user_agent) = (SELECT ts, actor, action, target,"
                    " detail, ip, user_agent FROM c"
                    " WHERE c.id = 5 - audit_log.id) WHERE id IN (2, 3)");
}

static void
test_swapped_content_is_detected(void **state)
{
    struct fixture *f = *state;
    append_five(f->st);
    swap_2_and_3(f->st, false);
    verify_broken(f->st, "entry 2:", "edited");
}

static void
test_swapped_rows_with_their_hashes_are_detected(void **state)
{
    struct fixture *f = *state;
    append_five(f->st);
    swap_2_and_3(f->st, true);
    verify_broken(f->st, "entry 2:", "prev_hash");
}

static void
test_insert_without_hash_is_refused_by_trigger(void **state)
{
    struct fixture *f = *state;
    append_five(f->st);
    assert_int_not_equal(
        store_exec(f->st, "INSERT INTO audit_log (ts, actor, action)"
                          " VALUES ('2026-04-01T00:00:00.000Z', 'x', 'y')"),
        ERR_OK);
    char head[AUDIT_HASH_HEX];
    assert_int_equal(verify_count(f->st, head), 5);
}

static void
test_unhashed_entry_after_chain_is_detected(void **state)
{
    struct fixture *f = *state;
    append_five(f->st);
    exec_ok(f->st, "DROP TRIGGER audit_log_hashed_only;"
                   "INSERT INTO audit_log (ts, actor, action)"
                   " VALUES ('2026-04-01T00:00:00.000Z', 'x', 'y')");
    verify_broken(f->st, "entry 6:", "no hash");
}

static void
test_forged_entry_with_wrong_hash_is_detected(void **state)
{
    struct fixture *f = *state;
    append_five(f->st);
    exec_ok(f->st, "INSERT INTO audit_log (ts, actor, action, prev_hash, hash)"
                   " SELECT '2026-04-01T00:00:00.000Z', 'x', 'y.z', hash,"
                   " hash FROM audit_log WHERE id = 5");
    verify_broken(f->st, "entry 6:", "edited");
}

/* The v1 table exactly as audit schema 1 made it (released; frozen). */
static const struct migration audit_v1_only[] = {
    {"audit", 1,
     "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, ts TEXT NOT NULL,"
     " actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT, detail TEXT);"
     "CREATE INDEX audit_log_ts ON audit_log (ts);"
     "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
     " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
     "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
     " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"},
    {NULL, 0, NULL},
};

static void
test_entries_before_schema_2_are_pre_chain(void **state)
{
    struct fixture *f = *state;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/v1.db", f->dir);
    const struct migration *const sets[] = {audit_v1_only, NULL};
    struct store *st;
    assert_int_equal(store_open_with(path, sets, &st), ERR_OK);
    exec_ok(st, "INSERT INTO audit_log (ts, actor, action) VALUES"
                " ('2026-01-01T00:00:00.000Z', 'cli:root', 'tenant.create'),"
                " ('2026-01-02T00:00:00.000Z', 'cli:root', 'tenant.note')");
    store_close(st);
    assert_int_equal(store_open(path, STORE_TENANT, &st), ERR_OK);
    char head[AUDIT_HASH_HEX];
    assert_int_equal(verify_count(st, head), 0);
    append_ok(st, "user:1", "auth.login", NULL, NULL, NULL, NULL);
    append_ok(st, "user:1", "auth.logout", NULL, NULL, NULL, NULL);
    assert_int_equal(verify_count(st, head), 2);
    /* The first hashed entry follows the old ones and starts from "". */
    struct stmt *s;
    bool row;
    assert_int_equal(store_prepare(st,
                                   "SELECT prev_hash FROM audit_log"
                                   " WHERE id = 3",
                                   &s),
                     ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    assert_string_equal(stmt_text(s, 0), "");
    stmt_done(s);
    /* Removing the oldest hashed entry is still seen. */
    exec_ok(st, "DROP TRIGGER audit_log_no_delete;"
                "DELETE FROM audit_log WHERE id = 3");
    verify_broken(st, "entry 4:", "entry 3 before it is missing");
    store_close(st);
}

/* ---- append refusals ----------------------------------------------------- */

static void
test_append_outside_transaction_is_refused(void **state)
{
    struct fixture *f = *state;
    const struct audit_entry e = {"user:1", "auth.login", NULL,
                                  NULL,     NULL,         NULL};
    assert_int_equal(audit_append(f->st, &e), ERR_INTERNAL);
    assert_non_null(strstr(err_detail(), "transaction"));
    assert_int_equal(audit_record(f->st, "user:1", "auth.login", NULL, NULL),
                     ERR_INTERNAL);
    char head[AUDIT_HASH_HEX];
    assert_int_equal(verify_count(f->st, head), 0);
}

static void
test_append_refuses_malformed_entries(void **state)
{
    struct fixture *f = *state;
    static const char *const bad_actions[] = {
        "Auth.login", ".auth", "auth.", "auth..login", "auth login", "認証", "",
    };
    for (size_t i = 0; i < sizeof(bad_actions) / sizeof(bad_actions[0]); i++) {
        const struct audit_entry e = {"user:1", bad_actions[i], NULL,
                                      NULL,     NULL,           NULL};
        if (append_rc(f->st, &e) != ERR_INVALID)
            fail_msg("action '%s' accepted", bad_actions[i]);
    }
    const struct audit_entry no_actor = {NULL, "auth.login", NULL,
                                         NULL, NULL,         NULL};
    assert_int_equal(append_rc(f->st, &no_actor), ERR_INVALID);
    const struct audit_entry bad_utf8 = {"user:\xff", "auth.login", NULL,
                                         NULL,        NULL,         NULL};
    assert_int_equal(append_rc(f->st, &bad_utf8), ERR_INVALID);
    const struct audit_entry not_object = {"user:1", "auth.login", NULL,
                                           "[1]",    NULL,         NULL};
    assert_int_equal(append_rc(f->st, &not_object), ERR_INVALID);
    const struct audit_entry not_json = {"user:1",    "auth.login", NULL,
                                         "{name: 1}", NULL,         NULL};
    assert_int_equal(append_rc(f->st, &not_json), ERR_INVALID);
    char actor[AUDIT_NAME_MAX + 2];
    memset(actor, 'x', sizeof(actor) - 1);
    actor[sizeof(actor) - 1] = '\0';
    const struct audit_entry long_actor = {actor, "auth.login", NULL,
                                           NULL,  NULL,         NULL};
    assert_int_equal(append_rc(f->st, &long_actor), ERR_TOO_LARGE);
    char head[AUDIT_HASH_HEX];
    assert_int_equal(verify_count(f->st, head), 0);
}

/* Column col (0 target, 1 ip, 2 user_agent, 3 detail) of entry id. */
static void
entry_text(struct store *st, int64_t id, int col, char *out, size_t n)
{
    static const char sql[] = "SELECT target, ip, user_agent, detail"
                              " FROM audit_log WHERE id = $1";
    struct stmt *s;
    bool row;
    assert_int_equal(store_prepare(st, sql, &s), ERR_OK);
    assert_int_equal(stmt_bind_int(s, 1, id), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    snprintf(out, n, "%s", stmt_is_null(s, col) ? "(null)" : stmt_text(s, col));
    stmt_done(s);
}

/* n copies of the 3-byte character "ブ" into out. */
static void
repeat_bu(char *out, size_t size, int n)
{
    size_t len = 0;
    for (int i = 0; i < n && len + 4 <= size; i++)
        len += (size_t)snprintf(out + len, size - len, "ブ");
}

static void
test_client_text_is_kept_cleaned_and_bounded(void **state)
{
    struct fixture *f = *state;
    char ua[AUDIT_UA_MAX * 2], target[AUDIT_NAME_MAX * 2], got[1024];
    repeat_bu(ua, sizeof(ua), 300);         /* 900 bytes */
    repeat_bu(target, sizeof(target), 100); /* 300 bytes */
    append_ok(f->st, "user:1", "auth.login_failed", "ガ\xffス\x01\x7f", NULL,
              "192.0.2.1\n", ua);
    append_ok(f->st, "user:1", "auth.login_failed", target, "", "", NULL);
    entry_text(f->st, 1, 0, got, sizeof(got));
    assert_string_equal(got, "ガ?ス??");
    entry_text(f->st, 1, 1, got, sizeof(got));
    assert_string_equal(got, "192.0.2.1?");
    entry_text(f->st, 1, 2, got, sizeof(got));
    assert_int_equal(strlen(got), 510); /* 170 whole characters */
    assert_int_equal(utf8_chars(got), 170);
    entry_text(f->st, 2, 0, got, sizeof(got));
    assert_int_equal(strlen(got), 198); /* 66 whole characters */
    assert_memory_equal(got, target, 198);
    for (int col = 1; col <= 3; col++) { /* "" is stored as NULL */
        entry_text(f->st, 2, col, got, sizeof(got));
        assert_string_equal(got, "(null)");
    }
    char head[AUDIT_HASH_HEX];
    assert_int_equal(verify_count(f->st, head), 2);
}

/* ---- search -------------------------------------------------------------- */

/* The entries the search tests look through, ids 1..7, each at its own
 * millisecond so time ranges can separate them. */
static void
append_search_set(struct store *st)
{
    static const char *const rows[][3] = {
        {"user:1", "auth.login", NULL},
        {"user:2", "auth.login", NULL},
        {"user:1", "customer.create", "customer:1"},
        {"user:1", "customer.update", "customer:1"},
        {"user:2", "auth.logout", NULL},
        {"operator:3", "authz.grant", "user:2"},
        {"user:1", "auth.login_failed", NULL},
    };
    const struct timespec ms2 = {0, 2000000};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        append_ok(st, rows[i][0], rows[i][1], rows[i][2], NULL, "192.0.2.1",
                  "test-agent");
        nanosleep(&ms2, NULL);
    }
}

struct found {
    int64_t ids[16];
    int n;
    int stop_after; /* 0: never */
};

static bool
collect(const struct audit_row *r, void *arg)
{
    struct found *fd = arg;
    assert_true(fd->n < 16);
    assert_non_null(r->ts);
    assert_non_null(r->actor);
    assert_non_null(r->action);
    assert_int_equal(strlen(r->hash), 64);
    fd->ids[fd->n++] = r->id;
    return fd->stop_after == 0 || fd->n < fd->stop_after;
}

/* Run q and compare the ids found with want (newest first, 0-ended). */
static void
search_expect(struct store *st, const struct audit_query *q,
              const int64_t *want)
{
    struct found fd = {{0}, 0, 0};
    enum err rc = audit_search(st, q, collect, &fd);
    if (rc)
        fail_msg("audit_search: %s: %s", err_code(rc), err_detail());
    int n = 0;
    while (want[n])
        n++;
    assert_int_equal(fd.n, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(fd.ids[i], want[i]);
}

/* ts of entry id into out[32]. */
static void
entry_ts(struct store *st, int64_t id, char *out)
{
    struct stmt *s;
    bool row;
    assert_int_equal(store_prepare(st,
                                   "SELECT ts FROM audit_log"
                                   " WHERE id = $1",
                                   &s),
                     ERR_OK);
    assert_int_equal(stmt_bind_int(s, 1, id), ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    assert_true(row);
    snprintf(out, 32, "%s", stmt_text(s, 0));
    stmt_done(s);
}

static void
test_search_filters_by_action_exact_and_prefix(void **state)
{
    struct fixture *f = *state;
    append_search_set(f->st);
    struct audit_query q = {.action = "auth."};
    search_expect(f->st, &q, (const int64_t[]){7, 5, 2, 1, 0});
    q.action = "auth.login";
    search_expect(f->st, &q, (const int64_t[]){2, 1, 0});
    q.action = "customer.";
    search_expect(f->st, &q, (const int64_t[]){4, 3, 0});
    q.action = "nothing.";
    search_expect(f->st, &q, (const int64_t[]){0});
}

static void
test_search_filters_by_actor_and_target(void **state)
{
    struct fixture *f = *state;
    append_search_set(f->st);
    struct audit_query q = {.actor = "user:1"};
    search_expect(f->st, &q, (const int64_t[]){7, 4, 3, 1, 0});
    q.action = "customer.";
    search_expect(f->st, &q, (const int64_t[]){4, 3, 0});
    q = (struct audit_query){.target = "customer:1"};
    search_expect(f->st, &q, (const int64_t[]){4, 3, 0});
    q = (struct audit_query){
        .target = "user:2", .actor = "operator:3", .action = "authz.grant"};
    search_expect(f->st, &q, (const int64_t[]){6, 0});
    q = (struct audit_query){.actor = "", .action = "", .target = ""};
    search_expect(f->st, &q, (const int64_t[]){7, 6, 5, 4, 3, 2, 1, 0});
}

static void
test_search_filters_by_time_range(void **state)
{
    struct fixture *f = *state;
    append_search_set(f->st);
    char from[32], to[32];
    entry_ts(f->st, 3, from);
    entry_ts(f->st, 6, to);
    struct audit_query q = {.ts_from = from, .ts_to = to};
    search_expect(f->st, &q, (const int64_t[]){5, 4, 3, 0});
    q = (struct audit_query){.ts_from = from};
    search_expect(f->st, &q, (const int64_t[]){7, 6, 5, 4, 3, 0});
    q = (struct audit_query){.ts_to = "2000-01-01"};
    search_expect(f->st, &q, (const int64_t[]){0});
    q = (struct audit_query){.ts_from = "2000-01-01", .ts_to = "2999-12-31"};
    search_expect(f->st, &q, (const int64_t[]){7, 6, 5, 4, 3, 2, 1, 0});
}

static void
test_search_pages_with_before_id_and_limit(void **state)
{
    struct fixture *f = *state;
    append_search_set(f->st);
    struct audit_query q = {.limit = 3};
    search_expect(f->st, &q, (const int64_t[]){7, 6, 5, 0});
    q.before_id = 5;
    search_expect(f->st, &q, (const int64_t[]){4, 3, 2, 0});
    q.before_id = 2;
    search_expect(f->st, &q, (const int64_t[]){1, 0});
    q.before_id = 1;
    search_expect(f->st, &q, (const int64_t[]){0});
    q = (struct audit_query){.action = "auth.", .before_id = 5, .limit = 1};
    search_expect(f->st, &q, (const int64_t[]){2, 0});
}

static void
test_search_stops_when_callback_says_so(void **state)
{
    struct fixture *f = *state;
    append_search_set(f->st);
    struct audit_query q = {0};
    struct found fd = {{0}, 0, 2};
    assert_int_equal(audit_search(f->st, &q, collect, &fd), ERR_OK);
    assert_int_equal(fd.n, 2);
    assert_int_equal(fd.ids[0], 7);
}

static void
test_search_refuses_bad_filters(void **state)
{
    struct fixture *f = *state;
    struct found fd = {{0}, 0, 0};
    const struct audit_query bad[] = {
        {.limit = AUDIT_LIMIT_MAX + 1},
        {.limit = -1},
        {.before_id = -1},
        {.ts_from = "yesterday"},
        {.ts_to = "2026-02-30"},
        {.ts_from = "2026-04-01' OR 1=1"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(audit_search(f->st, &bad[i], collect, &fd),
                         ERR_INVALID);
    assert_int_equal(fd.n, 0);
    const struct audit_query ok = {.limit = AUDIT_LIMIT_MAX,
                                   .ts_from = "2026-04-01T09:00:00.000Z"};
    assert_int_equal(audit_search(f->st, &ok, collect, &fd), ERR_OK);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_append_chains_entries_as_documented),
        T(test_verify_empty_log_is_intact_with_empty_head),
        T(test_platform_chain_covers_tenant_create),
        T(test_audit_record_writes_chained_entry),
        T(test_hand_made_entry_with_control_characters_verifies),
        T(test_concurrent_writers_keep_one_chain),
        T(test_edited_detail_is_detected_at_that_entry),
        T(test_edited_timestamp_or_null_field_is_detected),
        T(test_deleted_middle_entry_is_detected_as_gap),
        T(test_deleted_first_entry_is_detected),
        T(test_renumbered_rows_after_delete_are_detected),
        T(test_swapped_content_is_detected),
        T(test_swapped_rows_with_their_hashes_are_detected),
        T(test_insert_without_hash_is_refused_by_trigger),
        T(test_unhashed_entry_after_chain_is_detected),
        T(test_forged_entry_with_wrong_hash_is_detected),
        T(test_entries_before_schema_2_are_pre_chain),
        T(test_append_outside_transaction_is_refused),
        T(test_append_refuses_malformed_entries),
        T(test_client_text_is_kept_cleaned_and_bounded),
        T(test_search_filters_by_action_exact_and_prefix),
        T(test_search_filters_by_actor_and_target),
        T(test_search_filters_by_time_range),
        T(test_search_pages_with_before_id_and_limit),
        T(test_search_stops_when_callback_says_so),
        T(test_search_refuses_bad_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
