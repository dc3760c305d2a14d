/*
 * debit_settings.c — the tenant's collection contract for direct debit
 * (口座振替の委託者情報), kept in the settings table under payments.debit.*
 * keys like billing's settings (billing.*):
 *
 *   payments.debit.requester_code   委託者コード, 10 digits from the bank
 *   payments.debit.requester_name   委託者名 as typed (UTF-8); it must
 *                                   convert to ≤ 40 half-width characters
 *   payments.debit.bank_code/_name  取引銀行: where the money goes
 *   payments.debit.branch_code/_name
 *   payments.debit.account_type     1 普通, 2 当座, 9 その他
 *   payments.debit.account_number   the requester's account, 1–7 digits
 *   payments.debit.line_ending      crlf (default) | none
 *   payments.debit.files            combined (default) | per_bank
 *
 * The names are stored as typed and converted when a file is written
 * (zengin_kana); a value that would not convert is refused when it is
 * set, so a stored contract always writes. The requester's account is
 * the retailer's own, not personal data: the settings show it whole.
 */
#include "payments/debit.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_PREFIX "payments.debit."

static const char *const keys[] = {
    "payments.debit.requester_code", "payments.debit.requester_name",
    "payments.debit.bank_code",      "payments.debit.bank_name",
    "payments.debit.branch_code",    "payments.debit.branch_name",
    "payments.debit.account_type",   "payments.debit.account_number",
    "payments.debit.line_ending",    "payments.debit.files",
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void
copy(char *out, size_t n, const char *v)
{
    snprintf(out, n, "%s", v ? v : "");
}

/* One stored key/value onto s; unknown keys are ignored. */
static void
apply(struct debit_settings *s, const char *key, const char *v)
{
    const char *k = key + strlen(KEY_PREFIX);
    if (!strcmp(k, "requester_code"))
        copy(s->requester_code, sizeof(s->requester_code), v);
    else if (!strcmp(k, "requester_name"))
        copy(s->requester_name, sizeof(s->requester_name), v);
    else if (!strcmp(k, "bank_code"))
        copy(s->bank_code, sizeof(s->bank_code), v);
    else if (!strcmp(k, "bank_name"))
        copy(s->bank_name, sizeof(s->bank_name), v);
    else if (!strcmp(k, "branch_code"))
        copy(s->branch_code, sizeof(s->branch_code), v);
    else if (!strcmp(k, "branch_name"))
        copy(s->branch_name, sizeof(s->branch_name), v);
    else if (!strcmp(k, "account_type"))
        s->account_type = (int)strtol(v, NULL, 10);
    else if (!strcmp(k, "account_number"))
        copy(s->account_number, sizeof(s->account_number), v);
    else if (!strcmp(k, "line_ending"))
        s->eol = strcmp(v, "none") ? ZENGIN_EOL_CRLF : ZENGIN_EOL_NONE;
    else if (!strcmp(k, "files"))
        s->per_bank = !strcmp(v, "per_bank");
}

enum err
debit_settings_get(struct store *st, struct debit_settings *out)
{
    struct stmt *s;
    bool row;
    memset(out, 0, sizeof(*out));
    out->eol = ZENGIN_EOL_CRLF;
    enum err rc = store_query(st, &s,
                              "SELECT key, value FROM settings"
                              " WHERE key LIKE 'payments.debit.%'",
                              "");
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        apply(out, stmt_text(s, 0), stmt_text(s, 1));
    stmt_done(s);
    return rc;
}

enum err
debit_settings_put(struct store *st, const struct debit_settings *s)
{
    char type[4];
    snprintf(type, sizeof(type), "%d", s->account_type);
    const char *v[NKEYS] = {
        s->requester_code,
        s->requester_name,
        s->bank_code,
        s->bank_name,
        s->branch_code,
        s->branch_name,
        s->account_type ? type : "",
        s->account_number,
        s->eol == ZENGIN_EOL_NONE ? "none" : "crlf",
        s->per_bank ? "per_bank" : "combined",
    };
    enum err rc = ERR_OK;
    for (size_t i = 0; i < NKEYS && !rc; i++)
        rc = store_run(st,
                       "INSERT INTO settings (key, value) VALUES ($1, $2)"
                       " ON CONFLICT (key) DO UPDATE SET value = $2",
                       "tt", keys[i], v[i]);
    return rc;
}

static bool
digits(const char *s, size_t lo, size_t hi)
{
    size_t n = strlen(s);
    return n >= lo && n <= hi && strspn(s, "0123456789") == n;
}

bool
debit_settings_complete(const struct debit_settings *s)
{
    return digits(s->requester_code, 10, 10) && s->requester_name[0] &&
           digits(s->bank_code, 4, 4) && digits(s->branch_code, 3, 3) &&
           (s->account_type == 1 || s->account_type == 2 ||
            s->account_type == 9) &&
           digits(s->account_number, 1, 7);
}

/* A name that must convert into width Zengin bytes. */
static void
check_kana(struct jcheck *k, const char *field, const char *v, size_t width)
{
    char out[ZENGIN_REQUESTER_NAME_LEN];
    struct zengin_fault f;
    char msg[200];
    if (!v[0] || !zengin_kana(v, 0, out, width, NULL, &f))
        return;
    snprintf(msg, sizeof(msg),
             "%zu 文字目が全銀ファイルで使えない文字か、半角 %zu 文字を超えて"
             "います（カナ・英大文字・数字・空白・( ) . - / が使えます）",
             f.pos, width);
    jcheck_add(k, field, "kana", msg);
}

void
debit_settings_check(const struct debit_settings *s, struct jcheck *k)
{
    if (s->requester_code[0] && !digits(s->requester_code, 10, 10))
        jcheck_add(k, "debit.requester_code", "format",
                   "委託者コードは数字 10 桁です（銀行から通知されます）");
    check_kana(k, "debit.requester_name", s->requester_name,
               ZENGIN_REQUESTER_NAME_LEN);
    if (s->bank_code[0] && !digits(s->bank_code, 4, 4))
        jcheck_add(k, "debit.bank.code", "format", "銀行コードは数字 4 桁です");
    check_kana(k, "debit.bank.name", s->bank_name, ZENGIN_BANK_NAME_LEN);
    if (s->branch_code[0] && !digits(s->branch_code, 3, 3))
        jcheck_add(k, "debit.branch.code", "format",
                   "支店コードは数字 3 桁です");
    check_kana(k, "debit.branch.name", s->branch_name, ZENGIN_BRANCH_NAME_LEN);
    if (s->account_type && s->account_type != 1 && s->account_type != 2 &&
        s->account_type != 9)
        jcheck_add(k, "debit.account_type", "enum",
                   "預金種目は 1（普通）、2（当座）、9（その他）です");
    if (s->account_number[0] && !digits(s->account_number, 1, 7))
        jcheck_add(k, "debit.account_number", "format",
                   "口座番号は数字 1〜7 桁です");
}

json_t *
debit_settings_json(const struct debit_settings *s)
{
    return json_pack(
        "{s:{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:s, s:s, s:s, s:b}}",
        "debit", "requester_code", s->requester_code, "requester_name",
        s->requester_name, "bank", "code", s->bank_code, "name", s->bank_name,
        "branch", "code", s->branch_code, "name", s->branch_name,
        "account_type",
        s->account_type ? json_integer(s->account_type) : json_null(),
        "account_number", s->account_number, "line_ending",
        s->eol == ZENGIN_EOL_NONE ? "none" : "crlf", "files",
        s->per_bank ? "per_bank" : "combined", "complete",
        debit_settings_complete(s));
}

/* A text member of o (≤ max characters) into out, when present. */
static void
read_text(struct jcheck *k, const json_t *o, const char *key, const char *field,
          size_t max, char *out, size_t n)
{
    struct jcheck sub;
    const char *v = NULL;
    jcheck_init(&sub);
    jcheck_str(&sub, o, key, max, 0, &v);
    if (!jcheck_ok(&sub))
        jcheck_add(k, field, "format",
                   json_string_value(json_object_get(
                       json_array_get(sub.errors, 0), "message")));
    else if (v && strlen(v) >= n)
        jcheck_add(k, field, "format", "長すぎます");
    else if (json_object_get(o, key))
        copy(out, n, v);
    jcheck_free(&sub);
}

/* {"code", "name"} of the bank or the branch. */
static void
read_place(struct jcheck *k, const json_t *d, const char *key, char *code,
           size_t code_n, char *name, size_t name_n)
{
    static const char *const allowed[] = {"code", "name", NULL};
    char field[32];
    const json_t *o = json_object_get(d, key);
    if (!o)
        return;
    if (!json_is_object(o)) {
        snprintf(field, sizeof(field), "debit.%s", key);
        jcheck_add(k, field, "format", "オブジェクトで指定してください");
        return;
    }
    jcheck_only(k, o, allowed);
    snprintf(field, sizeof(field), "debit.%s.code", key);
    read_text(k, o, "code", field, 8, code, code_n);
    snprintf(field, sizeof(field), "debit.%s.name", key);
    read_text(k, o, "name", field, DEBIT_BANK_NAME_MAX, name, name_n);
}

/* line_ending and files. */
static void
read_choices(struct jcheck *k, const json_t *d, struct debit_settings *s)
{
    char v[16] = "";
    read_text(k, d, "line_ending", "debit.line_ending", 8, v, sizeof(v));
    if (!strcmp(v, "crlf") || !strcmp(v, "none"))
        s->eol = v[0] == 'c' ? ZENGIN_EOL_CRLF : ZENGIN_EOL_NONE;
    else if (json_object_get(d, "line_ending"))
        jcheck_add(k, "debit.line_ending", "enum",
                   "crlf（改行あり）か none（改行なし）を指定してください");
    v[0] = '\0';
    read_text(k, d, "files", "debit.files", 16, v, sizeof(v));
    if (!strcmp(v, "combined") || !strcmp(v, "per_bank"))
        s->per_bank = v[0] == 'p';
    else if (json_object_get(d, "files"))
        jcheck_add(k, "debit.files", "enum",
                   "combined（1 ファイル）か per_bank（銀行ごと）を指定して"
                   "ください");
}

void
debit_settings_read(struct jcheck *k, const json_t *body,
                    struct debit_settings *s)
{
    static const char *const top[] = {"debit", NULL};
    static const char *const allowed[] = {
        "requester_code", "requester_name", "bank",  "branch", "account_type",
        "account_number", "line_ending",    "files", NULL};
    jcheck_only(k, body, top);
    const json_t *d = json_object_get(body, "debit");
    if (!d)
        return;
    if (!json_is_object(d)) {
        jcheck_add(k, "debit", "format", "オブジェクトで指定してください");
        return;
    }
    jcheck_only(k, d, allowed);
    read_text(k, d, "requester_code", "debit.requester_code", 10,
              s->requester_code, sizeof(s->requester_code));
    read_text(k, d, "requester_name", "debit.requester_name",
              DEBIT_REQUESTER_NAME_MAX, s->requester_name,
              sizeof(s->requester_name));
    read_place(k, d, "bank", s->bank_code, sizeof(s->bank_code), s->bank_name,
               sizeof(s->bank_name));
    read_place(k, d, "branch", s->branch_code, sizeof(s->branch_code),
               s->branch_name, sizeof(s->branch_name));
    const json_t *type = json_object_get(d, "account_type");
    if (json_is_null(type))
        s->account_type = 0;
    else if (json_is_integer(type) && json_integer_value(type) >= 1 &&
             json_integer_value(type) <= 9)
        s->account_type = (int)json_integer_value(type);
    else if (type)
        jcheck_add(k, "debit.account_type", "enum",
                   "預金種目は 1（普通）、2（当座）、9（その他）です");
    read_text(k, d, "account_number", "debit.account_number", 7,
              s->account_number, sizeof(s->account_number));
    read_choices(k, d, s);
    debit_settings_check(s, k);
}
