/*
 * test_search.c — 顧客検索: folding (kana width and script, full-width
 * letters and digits, phone punctuation, dash variants and 丁目/番地,
 * bad UTF-8, overflow), query plans, documents and "matched", and the
 * index kept by search_store.c over a real tenant store: refresh on every
 * write, meters at occupied points, moves, rebuild and deferred flush.
 */
#include "customers/customers.h"
#include "customers/import.h"
#include "store/store.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Fold in and compare with want. */
static void
fold_is(const char *in, const char *want)
{
    char out[256];
    enum err rc = search_normalize(in, out, sizeof(out));
    if (rc != ERR_OK)
        fail_msg("fold %s: %s", in, err_code(rc));
    if (strcmp(out, want))
        fail_msg("fold %s: got %s, want %s", in, out, want);
}

static void
test_kana_in_any_width_or_script_folds_to_katakana(void **state)
{
    (void)state;
    fold_is("ﾀﾅｶ", "タナカ");
    fold_is("タナカ", "タナカ");
    fold_is("たなか", "タナカ");
    fold_is("ﾀﾞｲｽｹ", "ダイスケ");              /* voiced mark composed */
    fold_is("ﾊﾟﾝﾔ", "パンヤ");                 /* semi-voiced too */
    fold_is("ゔぁ", "ヴァ");                   /* U+3094 and small kana */
    fold_is("いすゞ", "イスヾ");               /* iteration mark */
    fold_is("タナカ　タロウ", "タナカタロウ"); /* ideographic space */
    fold_is("ヤマダ・ハナコ", "ヤマダハナコ");
    fold_is("ﾔﾏﾀﾞ･ﾊﾅｺ", "ヤマダハナコ");
    fold_is("田中 太郎", "田中太郎");
}

static void
test_full_width_letters_and_digits_fold_to_ascii_lower_case(void **state)
{
    (void)state;
    fold_is("ＡＢＣ１２３", "abc123");
    fold_is("Ｔａｎａｋａ", "tanaka");
    fold_is("MK-2024-0001", "mk-2024-0001");
    fold_is("ｔａｎａｋａ＠ｅｘａｍｐｌｅ．ｊｐ", "tanaka@example.jp");
    fold_is("㈱田中商店", "(株)田中商店");
    fold_is("", "");
    fold_is(" \t\n ", "");
}

static void
test_dash_variants_and_address_words_fold_to_one_hyphen(void **state)
{
    (void)state;
    static const char *const forms[] = {
        "1-2-3",       "１－２－３",  "1ー2ー3",     "1−2−3", "1‐2‐3",
        "1–2–3",       "1—2—3",       "1―2―3",       "1ｰ2ｰ3", "1─2─3",
        "1丁目2番3号", "1丁目2番地3", "１丁目２−３",
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
        fold_is(forms[i], "1-2-3");
    fold_is("北浜２丁目１０−１", "北浜2-10-1");
    /* ー stays a long vowel where it is one */
    fold_is("センター", "センター");
    fold_is("コーポ1ー2", "コーポ1-2");
    fold_is("ｾﾝﾀｰ2号館", "センター2館");
    /* 番 and 号 only after a digit */
    fold_is("番場", "番場");
    fold_is("号外", "号外");
}

static void
test_bad_utf8_is_refused(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(search_normalize("\xff", out, sizeof(out)), ERR_INVALID);
    assert_int_equal(search_normalize("ab\xe3\x81", out, sizeof(out)),
                     ERR_INVALID); /* cut short */
    assert_int_equal(search_normalize("\xc0\xaf", out, sizeof(out)),
                     ERR_INVALID); /* overlong '/' */
    assert_int_equal(search_normalize("\xed\xa0\x80", out, sizeof(out)),
                     ERR_INVALID); /* a surrogate */
    struct search_plan p;
    assert_int_equal(search_plan("ﾀ\xff", &p), ERR_INVALID);
}

static void
test_overflow_is_refused(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(search_normalize("1234567", out, sizeof(out)), ERR_OK);
    assert_int_equal(search_normalize("12345678", out, sizeof(out)),
                     ERR_TOO_LARGE);
    assert_int_equal(search_normalize("タナカ", out, sizeof(out)),
                     ERR_TOO_LARGE); /* 9 bytes */
    assert_int_equal(search_normalize("a", out, 0), ERR_TOO_LARGE);
    char *big = calloc(1, 3000);
    memset(big, 'a', 2999);
    char *wide = calloc(1, 4000);
    assert_int_equal(search_normalize(big, wide, 4000), ERR_TOO_LARGE);
    /* U+FDFA folds to 18 characters: 100 of them are still a query */
    char q[301] = "";
    for (int i = 0; i < 100; i++)
        memcpy(q + 3 * i, "\xef\xb7\xba", 3);
    struct search_plan p;
    assert_int_equal(search_plan(q, &p), ERR_INVALID);
    free(big);
    free(wide);
}

static void
test_plan_short_queries_use_prefixes(void **state)
{
    (void)state;
    struct search_plan p;
    assert_int_equal(search_plan("田中", &p), ERR_OK);
    assert_true(p.prefix_only);
    assert_string_equal(p.norm, "田中");
    assert_string_equal(p.fts, "");
    assert_int_equal(search_plan("ﾀﾅ", &p), ERR_OK);
    assert_true(p.prefix_only);
    assert_string_equal(p.norm, "タナ");
    assert_int_equal(search_plan("　", &p), ERR_OK);
    assert_string_equal(p.norm, "");
    assert_int_equal(search_plan(NULL, &p), ERR_OK);
    assert_string_equal(p.norm, "");
}

static void
test_plan_long_queries_are_quoted_phrases(void **state)
{
    (void)state;
    struct search_plan p;
    assert_int_equal(search_plan("たなか", &p), ERR_OK);
    assert_false(p.prefix_only);
    assert_string_equal(p.fts, "\"タナカ\"");
    assert_string_equal(p.digits, "");
    assert_int_equal(search_plan("a\"b OR c*", &p), ERR_OK);
    assert_string_equal(p.fts, "\"a\"\"borc*\"");
    assert_int_equal(search_plan("北浜1-2-3", &p), ERR_OK);
    assert_string_equal(p.digits, ""); /* not phone-shaped */
    assert_int_equal(search_plan("1-2-3", &p), ERR_OK);
    assert_string_equal(p.digits, ""); /* too few digits for a phone */
    assert_string_equal(p.fts, "\"1-2-3\"");
}

static void
test_plan_phone_punctuation_adds_the_bare_digits(void **state)
{
    (void)state;
    static const char *const forms[] = {
        "03-1234-5678",
        "03(1234)5678",
        "０３（１２３４）５６７８",
        "０３－１２３４－５６７８",
        "03 1234 5678",
        "03ー1234ー5678",
    };
    struct search_plan p;
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        assert_int_equal(search_plan(forms[i], &p), ERR_OK);
        assert_string_equal(p.digits, "0312345678");
        assert_non_null(strstr(p.fts, "\"0312345678\""));
    }
    assert_int_equal(search_plan("0312345678", &p), ERR_OK);
    assert_string_equal(p.digits, "0312345678");
    assert_string_equal(p.fts, "\"0312345678\""); /* once */
    assert_int_equal(search_plan("5678", &p), ERR_OK);
    assert_string_equal(p.digits, "5678"); /* 下4桁 */
}

static void
test_document_sections_say_what_matched(void **state)
{
    (void)state;
    struct buf doc;
    struct search_plan p;
    buf_init(&doc, 4096);
    assert_int_equal(search_doc_add(&doc, SEARCH_NUMBER, "K-1001"), ERR_OK);
    assert_int_equal(search_doc_add(&doc, SEARCH_NAME, "田中 太郎"), ERR_OK);
    assert_int_equal(search_doc_add(&doc, SEARCH_KANA, "タナカ タロウ"),
                     ERR_OK);
    assert_int_equal(search_doc_add(&doc, SEARCH_PHONE, "0977-12-3456"),
                     ERR_OK);
    assert_int_equal(search_doc_add(&doc, SEARCH_EMAIL, NULL), ERR_OK);
    assert_int_equal(
        search_doc_add(&doc, SEARCH_ADDRESS, "大分県別府市北浜1-2-3"), ERR_OK);
    assert_int_equal(search_doc_add(&doc, SEARCH_METER, "SN-778899"), ERR_OK);
    assert_string_equal(buf_str(&doc), "\x01k-1001\x02田中太郎\x03タナカタロウ"
                                       "\x04"
                                       "0977123456\x06大分県別府市北浜1-2-3"
                                       "\x07sn-778899");
    static const struct {
        const char *q, *field;
    } cases[] = {
        {"たなか", "kana"},
        {"田中太郎", "name"},
        {"田中", "name"},
        {"k-1", "number"},
        {"ｋ－１００１", "number"},
        {"0977-12-3456", "phone"},
        {"3456", "phone"},
        {"北浜１丁目２番３号", "address"},
        {"778899", "meter"},
        {"ロウ0977", NULL}, /* across two fields */
        {"太郎", NULL},     /* short: prefixes only */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(search_plan(cases[i].q, &p), ERR_OK);
        const char *got = search_matched(buf_str(&doc), &p);
        if (cases[i].field ? !got || strcmp(got, cases[i].field) : got != NULL)
            fail_msg("%s: matched %s, want %s", cases[i].q, got ? got : "none",
                     cases[i].field ? cases[i].field : "none");
    }
    assert_null(search_field_name(0));
    assert_string_equal(search_field_name(SEARCH_METER), "meter");
    buf_free(&doc);
}

static void
test_keys_skip_a_leading_legal_form(void **state)
{
    (void)state;
    char f[256];
    assert_int_equal(search_normalize("株式会社 田中工務店", f, sizeof(f)),
                     ERR_OK);
    assert_string_equal(search_key(f), "田中工務店");
    assert_int_equal(search_normalize("㈲サギヌマ", f, sizeof(f)), ERR_OK);
    assert_string_equal(search_key(f), "サギヌマ");
    assert_int_equal(search_normalize("かぶしきがいしゃ たなか", f, sizeof(f)),
                     ERR_OK);
    assert_string_equal(search_key(f), "タナカ");
    assert_string_equal(search_key("株式会社"), "株式会社"); /* all of it */
    assert_string_equal(search_key("田中株式会社"), "田中株式会社");
    /* a short query matches the start of the key, and says so */
    struct buf doc;
    struct search_plan p;
    buf_init(&doc, 1024);
    assert_int_equal(search_doc_add(&doc, SEARCH_NAME, "（株）田中建設"),
                     ERR_OK);
    assert_int_equal(search_plan("田中", &p), ERR_OK);
    assert_string_equal(search_matched(buf_str(&doc), &p), "name");
    assert_int_equal(search_plan("(株", &p), ERR_OK); /* 2: the key's start */
    assert_null(search_matched(buf_str(&doc), &p));
    assert_int_equal(search_plan("(株)", &p), ERR_OK); /* 3: anywhere */
    assert_string_equal(search_matched(buf_str(&doc), &p), "name");
    buf_free(&doc);
}

/* ---------------------------------------------------------------------- */
/* The index over a tenant store                                          */
/* ---------------------------------------------------------------------- */

struct fixture {
    char dir[64];
    struct store *st;
};

static int
store_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char path[128];
    snprintf(f->dir, sizeof(f->dir), "/tmp/pl-test-search-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(path, sizeof(path), "%s/t.db", f->dir);
    if (store_open(path, STORE_TENANT, &f->st))
        return -1;
    *state = f;
    return 0;
}

static int
store_teardown(void **state)
{
    struct fixture *f = *state;
    char path[128];
    store_close(f->st);
    snprintf(path, sizeof(path), "%s/t.db", f->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/t.db-wal", f->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/t.db-shm", f->dir);
    unlink(path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int64_t
add_customer(struct store *st, const char *number, const char *name,
             const char *kana, const char *phone)
{
    json_t *rec =
        json_pack("{s:s, s:s, s:s, s:s, s:s?}", "number", number, "name", name,
                  "kana", kana, "kind", "household", "phone1", phone);
    int64_t id = 0;
    assert_int_equal(customer_insert(st, rec, &id), ERR_OK);
    json_decref(rec);
    return id;
}

static int64_t
add_point(struct store *st, const char *street, const char *building)
{
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s?, s:s}", "prefecture",
                            "大分県", "city", "別府市", "street", street,
                            "building", building, "supply_kind", "individual");
    int64_t id = 0;
    assert_int_equal(supply_point_insert(st, rec, &id), ERR_OK);
    json_decref(rec);
    return id;
}

/* The numbers found for q, comma-separated ("" when none). */
static const char *
found(struct store *st, const char *q)
{
    static char out[512];
    json_t *res;
    size_t i;
    json_t *c;
    out[0] = '\0';
    enum err rc = customer_search(st, q, NULL, NULL, 100, &res);
    if (rc)
        fail_msg("search %s: %s %s", q, err_code(rc), err_detail());
    json_array_foreach(json_object_get(res, "customers"), i, c)
    {
        if (i)
            strncat(out, ",", sizeof(out) - strlen(out) - 1);
        strncat(out, json_string_value(json_object_get(c, "number")),
                sizeof(out) - strlen(out) - 1);
    }
    json_decref(res);
    return out;
}

static void
test_index_follows_customers_points_moves_and_meters(void **state)
{
    struct store *st = ((struct fixture *)*state)->st;
    assert_int_equal(store_tx_begin(st), ERR_OK);
    int64_t a =
        add_customer(st, "1001", "田中太郎", "タナカ タロウ", "03-1234-5678");
    int64_t b = add_customer(st, "1002", "田村花子", "タムラ ハナコ", NULL);
    add_customer(st, "2001", "中田一郎", "ナカタ イチロウ", "090-1111-2222");
    assert_string_equal(found(st, "ﾀﾅｶ"), "1001");
    assert_string_equal(found(st, "田"), "1001,1002");
    assert_string_equal(found(st, "10"), "1001,1002");
    assert_string_equal(found(st, "03(1234)5678"), "1001");
    assert_string_equal(found(st, "2222"), "2001");
    int64_t pt = add_point(st, "北浜2丁目10-1", "北浜ハイツ");
    assert_string_equal(found(st, "北浜2-10"), "");
    assert_int_equal(supply_point_move(st, pt, a, "2026-04-01"), ERR_OK);
    assert_string_equal(found(st, "北浜2-10"), "1001");
    assert_string_equal(found(st, "きたはまはいつ"), "");
    assert_string_equal(found(st, "北浜ハイツ"), "1001");
    /* a meter installed at the point (the meters API refreshes the point) */
    assert_int_equal(store_run(st,
                               "INSERT INTO meters (supply_point_id, serial,"
                               " kind, install_date, created_at, updated_at)"
                               " VALUES ($1, 'MT-55501', 'smart', '2026-04-01',"
                               " 'x', 'x')",
                               "i", pt),
                     ERR_OK);
    assert_int_equal(customer_search_refresh_point(st, pt), ERR_OK);
    assert_string_equal(found(st, "mt-55501"), "1001");
    /* 転居: the point and its meter go with the new occupant */
    assert_int_equal(supply_point_move(st, pt, b, "2026-06-01"), ERR_OK);
    assert_string_equal(found(st, "55501"), "1002");
    assert_string_equal(found(st, "北浜2-10-1"), "1002");
    /* an edit of the name is searchable at once, the old one is gone */
    json_t *rec;
    assert_int_equal(customer_get(st, a, &rec), ERR_OK);
    json_object_set_new(rec, "name", json_string("佐藤太郎"));
    assert_int_equal(customer_update(st, a, 1, rec), ERR_OK);
    json_decref(rec);
    assert_string_equal(found(st, "佐藤"), "1001");
    assert_string_equal(found(st, "田中太郎"), "");
    assert_int_equal(store_tx_commit(st), ERR_OK);
}

/* The index's three tables, as one string to compare. */
static char *
snapshot(struct store *st)
{
    struct stmt *s;
    bool row;
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(
        store_query(st, &s,
                    "SELECT 'c' || id || coalesce(name_key, '?')"
                    " || coalesce(kana_key, '?') FROM customers UNION ALL"
                    " SELECT 'p' || customer_id || digits FROM customer_phones"
                    " UNION ALL SELECT 's' || rowid || doc FROM customer_search"
                    " ORDER BY 1",
                    ""),
        ERR_OK);
    while (!stmt_step(s, &row) && row)
        buf_printf(&b, "%s\n", stmt_text(s, 0));
    stmt_done(s);
    return buf_steal(&b);
}

static void
test_rebuild_and_deferred_flush_match_refresh(void **state)
{
    struct store *st = ((struct fixture *)*state)->st;
    char *before = snapshot(st);
    assert_non_null(strstr(before, "タナカタロウ"));
    assert_int_equal(store_tx_begin(st), ERR_OK);
    assert_int_equal(store_run(st, "DELETE FROM customer_search", ""), ERR_OK);
    assert_int_equal(store_run(st, "UPDATE customers SET name_key = NULL", ""),
                     ERR_OK);
    assert_string_equal(found(st, "ﾀﾑﾗ"), "");
    assert_int_equal(customer_search_rebuild(st), ERR_OK);
    char *after = snapshot(st);
    assert_string_equal(before, after);
    assert_string_equal(found(st, "ﾀﾑﾗ"), "1002");
    /* deferred: nothing is indexed until the flush, then all of it */
    customer_search_defer(false);
    add_customer(st, "3001", "山田一", "ヤマダ ハジメ", NULL);
    add_customer(st, "3002", "山田二", "ヤマダ ジ", "0977-00-1234");
    assert_string_equal(found(st, "ヤマダ"), "");
    assert_int_equal(customer_search_flush(st), ERR_OK);
    assert_string_equal(found(st, "ヤマダ"), "3001,3002");
    assert_string_equal(found(st, "0977001234"), "3002");
    /* after a discard, refreshes happen at once again */
    customer_search_defer(false);
    customer_search_discard();
    add_customer(st, "3003", "山田三", "ヤマダ サブロウ", NULL);
    assert_string_equal(found(st, "山田三"), "3003");
    assert_int_equal(store_tx_commit(st), ERR_OK);
    free(before);
    free(after);
}

static enum err
no_audit(void *arg, struct store *st, json_t *detail)
{
    (void)arg;
    (void)st;
    json_decref(detail);
    return ERR_OK;
}

/* The index's in-memory term limit (hashsize); bulk writers raise it for
 * their transaction only. */
static int64_t
index_hashsize(struct store *st)
{
    struct stmt *s;
    bool row = false;
    int64_t v = -1;
    assert_int_equal(store_query(st, &s,
                                 "SELECT v FROM customer_search_config"
                                 " WHERE k = 'hashsize'",
                                 ""),
                     ERR_OK);
    assert_int_equal(stmt_step(s, &row), ERR_OK);
    if (row)
        v = stmt_int(s, 0);
    stmt_done(s);
    return v;
}

/* A bulk import works its search entries out on its reader thread; they
 * must be exactly what a rebuild from the store gives. Both leave the
 * index's memory limit as it was. */
static void
test_import_entries_match_a_rebuild(void **state)
{
    struct store *st = ((struct fixture *)*state)->st;
    static const char csv[] =
        "顧客番号,氏名,フリガナ,電話番号,郵便番号,都道府県,住所,"
        "供給地点都道府県,供給地点市区町村,供給地点番地,供給地点建物,"
        "供給区分,入居日\r\n"
        "8001,株式会社田中工務店,ｶﾌﾞｼｷｶﾞｲｼｬ ﾀﾅｶ,０９７７－１２－３４５６,"
        "874-0001,大分県,別府市北浜1-2-3,大分県,別府市,北浜1-2-3,コーポ北浜,"
        "戸別,2024/4/1\r\n"
        "8002,佐藤花子,さとう はなこ,,,,,大分県,大分市,府内町2丁目3番4号,,"
        "集合,令和6年5月1日\r\n";
    struct import_opts o = {CHARSET_AUTO, true, NULL};
    struct import *im;
    json_t *summary = NULL;
    assert_int_equal(import_open(csv, sizeof(csv) - 1, &o, &im), ERR_OK);
    assert_int_equal(import_run(st, im, false, no_audit, NULL, &summary),
                     ERR_OK);
    import_free(im);
    json_decref(summary);
    assert_string_equal(found(st, "田中工務店"), "8001");
    assert_string_equal(found(st, "0977123456"), "8001");
    assert_string_equal(found(st, "府内町2-3-4"), "8002");
    assert_int_equal(index_hashsize(st), 1 << 20);
    char *imported = snapshot(st);
    assert_int_equal(store_tx_begin(st), ERR_OK);
    assert_int_equal(customer_search_rebuild(st), ERR_OK);
    assert_int_equal(store_tx_commit(st), ERR_OK);
    assert_int_equal(index_hashsize(st), 1 << 20);
    char *rebuilt = snapshot(st);
    assert_string_equal(imported, rebuilt);
    free(imported);
    free(rebuilt);
}

static void
test_delete_removes_the_index_rows(void **state)
{
    struct store *st = ((struct fixture *)*state)->st;
    assert_int_equal(store_tx_begin(st), ERR_OK);
    int64_t id = add_customer(st, "4001", "消去", "ショウキョ", "06-1234-0000");
    assert_string_equal(found(st, "ショウキョ"), "4001");
    assert_int_equal(customer_delete(st, id), ERR_OK);
    assert_string_equal(found(st, "ショウキョ"), "");
    assert_string_equal(found(st, "0612340000"), "");
    assert_int_equal(store_tx_commit(st), ERR_OK);
}

static void
test_status_cursor_and_matched_in_results(void **state)
{
    struct store *st = ((struct fixture *)*state)->st;
    json_t *res;
    assert_int_equal(customer_search(st, "ﾔﾏﾀﾞ", NULL, "3001", 1, &res),
                     ERR_OK);
    json_t *list = json_object_get(res, "customers");
    assert_int_equal(json_array_size(list), 1);
    json_t *c = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(c, "number")),
                        "3002");
    assert_string_equal(json_string_value(json_object_get(c, "matched")),
                        "kana");
    assert_string_equal(json_string_value(json_object_get(res, "next")),
                        "3002");
    json_decref(res);
    assert_int_equal(customer_search(st, "ﾔﾏﾀﾞ", "closed", NULL, 10, &res),
                     ERR_OK);
    assert_int_equal(json_array_size(json_object_get(res, "customers")), 0);
    assert_true(json_is_null(json_object_get(res, "next")));
    json_decref(res);
    /* a query that folds to nothing lists everyone, in number order */
    assert_int_equal(customer_list(st, "　", NULL, NULL, 2, &res), ERR_OK);
    list = json_object_get(res, "customers");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(list, 0), "number")),
        "1001");
    assert_null(json_object_get(json_array_get(list, 0), "matched"));
    json_decref(res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kana_in_any_width_or_script_folds_to_katakana),
        cmocka_unit_test(
            test_full_width_letters_and_digits_fold_to_ascii_lower_case),
        cmocka_unit_test(
            test_dash_variants_and_address_words_fold_to_one_hyphen),
        cmocka_unit_test(test_bad_utf8_is_refused),
        cmocka_unit_test(test_overflow_is_refused),
        cmocka_unit_test(test_plan_short_queries_use_prefixes),
        cmocka_unit_test(test_plan_long_queries_are_quoted_phrases),
        cmocka_unit_test(test_plan_phone_punctuation_adds_the_bare_digits),
        cmocka_unit_test(test_document_sections_say_what_matched),
        cmocka_unit_test(test_keys_skip_a_leading_legal_form),
    };
    const struct CMUnitTest store_tests[] = {
        cmocka_unit_test(test_index_follows_customers_points_moves_and_meters),
        cmocka_unit_test(test_rebuild_and_deferred_flush_match_refresh),
        cmocka_unit_test(test_import_entries_match_a_rebuild),
        cmocka_unit_test(test_delete_removes_the_index_rows),
        cmocka_unit_test(test_status_cursor_and_matched_in_results),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("search index", store_tests,
                                                store_setup, store_teardown);
}
