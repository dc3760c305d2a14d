/*
 * customers.c — validation of customers and supply points (no I/O).
 *
 * The field tables below are the single description of each record's
 * editable columns; customers_store.c binds and reads columns in this
 * order and customers_api.c validates request bodies against them.
 *
 * Kana (フリガナ) is normalized with ICU: NFKC folds half-width katakana
 * (ﾀﾞ → ダ) and the ideographic space, then hiragana U+3041–U+3096 are
 * shifted by 0x60 to their katakana. ICU's types stay in this file (and
 * in equipment.c, which makes the half-width 口座名義).
 *
 * cfield_check() also serves the equipment kinds (equipment.c): volumes
 * (FIELD_TENTHS) are brought to "1234.5" there, so a record compares equal
 * whatever form the client sent.
 */
#include "customers/customers.h"
#include "core/xalloc.h"
#include "tenants/tenants.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

static bool
kind_valid(const char *s)
{
    return !strcmp(s, "household") || !strcmp(s, "business");
}

static bool
supply_kind_valid(const char *s)
{
    return !strcmp(s, "individual") || !strcmp(s, "bulk") ||
           !strcmp(s, "collective");
}

/* A plausible e-mail address: something@something.something. */
static bool
email_valid(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at != s && !strchr(at + 1, '@') && strchr(at + 1, '.') &&
           !strchr(s, ' ');
}

#define REQ FIELD_REQUIRED

const struct cfield customer_fields[] = {
    {"number", CUSTOMER_NUMBER_MAX, REQ, 0, 0, customer_number_valid,
     "半角英数字とハイフンの1〜20文字で入力してください"},
    {"name", 100, REQ, 0, 0, NULL, NULL},
    {"kana", CUSTOMER_KANA_MAX, REQ, 0, 0, NULL, NULL},
    {"kind", 16, REQ, 0, 0, kind_valid,
     "household か business を指定してください"},
    {"phone1", 20, 0, 0, 0, customer_phone_valid,
     "電話番号は数字とハイフンで10〜13桁を入力してください"},
    {"phone2", 20, 0, 0, 0, customer_phone_valid,
     "電話番号は数字とハイフンで10〜13桁を入力してください"},
    {"email", 254, 0, 0, 0, email_valid, "メールアドレスが正しくありません"},
    {"postal_code", 8, 0, 0, 0, customer_postal_valid,
     "郵便番号は 123-4567 の形式で入力してください"},
    {"prefecture", 4, 0, 0, 0, customer_prefecture_valid,
     "都道府県名が正しくありません"},
    {"address", 200, 0, 0, 0, NULL, NULL},
    {"notes", 1000, FIELD_MULTILINE, 0, 0, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

const struct cfield supply_point_fields[] = {
    {"prefecture", 4, REQ, 0, 0, customer_prefecture_valid,
     "都道府県名が正しくありません"},
    {"city", 50, REQ, 0, 0, NULL, NULL},
    {"street", 100, REQ, 0, 0, NULL, NULL},
    {"building", 100, 0, 0, 0, NULL, NULL},
    {"room", 20, 0, 0, 0, NULL, NULL},
    {"lat", 16, 0, 0, 0, customer_coord_valid, "緯度が正しくありません"},
    {"lng", 16, 0, 0, 0, customer_coord_valid, "経度が正しくありません"},
    {"supply_kind", 16, REQ, 0, 0, supply_kind_valid,
     "individual、bulk、collective のいずれかを指定してください"},
    {"route", 20, 0, 0, 0, NULL, NULL},
    {"route_order", 0, FIELD_INT, 0, 999999, NULL, NULL},
    {"billing_group", 0, FIELD_INT, 1, 31, NULL, NULL},
    {"notes", 500, FIELD_MULTILINE, 0, 0, NULL, NULL}, /* 犬注意, 鍵の場所 */
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

bool
customer_number_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > CUSTOMER_NUMBER_MAX)
        return false;
    return strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}

bool
customer_phone_valid(const char *s)
{
    int digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p != '-' || p == s || p[1] == '\0' || p[1] == '-')
            return false; /* hyphens only between digits */
    }
    return digits >= 10 && digits <= 13;
}

bool
customer_postal_valid(const char *s)
{
    static const char shape[] = "ddd-dddd";
    if (strlen(s) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
            return false;
    return true;
}

bool
customer_prefecture_valid(const char *s)
{
    return tenant_check_prefecture(s) == ERR_OK;
}

bool
customer_status_valid(const char *s)
{
    return s && (!strcmp(s, "active") || !strcmp(s, "suspended") ||
                 !strcmp(s, "closed"));
}

bool
customer_coord_valid(const char *s)
{
    const char *p = s + (*s == '-');
    size_t whole = strspn(p, "0123456789");
    if (whole < 1 || whole > 3)
        return false;
    p += whole;
    if (*p == '.' &&
        (p[1] < '0' || p[1] > '9' || strspn(p + 1, "0123456789") > 7))
        return false;
    if (*p == '.')
        p += 1 + strspn(p + 1, "0123456789");
    return *p == '\0' && strtod(s, NULL) >= -180 && strtod(s, NULL) <= 180;
}

/* Katakana after the hiragana shift: U+30A1–U+30FE, or a space. */
static bool
kana_map(UChar *c)
{
    if (*c >= 0x3041 && *c <= 0x3096)
        *c += 0x60;
    return (*c >= 0x30A1 && *c <= 0x30FE) || *c == 0x20;
}

enum err
customer_kana_normalize(const char *in, char *out, size_t cap)
{
    UErrorCode st = U_ZERO_ERROR;
    UChar src[CUSTOMER_KANA_MAX * 2 + 1], nfkc[CUSTOMER_KANA_MAX * 4 + 1];
    int32_t n = 0, m, len;
    if (strlen(in) > CUSTOMER_KANA_MAX * 4)
        return err_fail(ERR_INVALID, "kana too long");
    u_strFromUTF8(src, CUSTOMER_KANA_MAX * 2, &n, in, -1, &st);
    const UNormalizer2 *nf = unorm2_getNFKCInstance(&st);
    if (U_FAILURE(st))
        return err_fail(ERR_INVALID, "kana is not valid UTF-8");
    m = unorm2_normalize(nf, src, n, nfkc, CUSTOMER_KANA_MAX * 4, &st);
    if (U_FAILURE(st))
        return err_fail(ERR_INVALID, "kana normalization failed");
    bool any = false;
    for (int32_t i = 0; i < m; i++) {
        if (!kana_map(&nfkc[i]))
            return err_fail(ERR_INVALID, "not kana at %d", (int)i);
        any |= nfkc[i] != 0x20;
    }
    if (!any)
        return err_fail(ERR_INVALID, "kana is blank");
    st = U_ZERO_ERROR; /* drop any earlier not-terminated warning */
    u_strToUTF8(out, (int32_t)cap, &len, nfkc, m, &st);
    if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING)
        return err_fail(ERR_TOO_LARGE, "kana too long");
    return ERR_OK;
}

/* Check the kana field and store its normalized form back in rec. */
static void
check_kana(json_t *rec, const char *v, struct jcheck *k)
{
    char norm[CUSTOMER_KANA_MAX * 3 + 1];
    if (customer_kana_normalize(v, norm, sizeof(norm)))
        jcheck_add(k, "kana", "format", "フリガナはカタカナで入力してください");
    else
        json_object_set_new(rec, "kana", json_string(norm));
}

/* A FIELD_TENTHS value (string or number) in its canonical "1234.5". */
static void
check_tenths(const struct cfield *f, json_t *rec, struct jcheck *k)
{
    json_t *v = json_object_get(rec, f->name);
    const char *s = json_string_value(v);
    int64_t t;
    char canon[24];
    if (!v || json_is_null(v) || (s && !*s)) {
        if (f->flags & REQ)
            jcheck_add(k, f->name, "required", "必須項目です");
        else if (v)
            json_object_set_new(rec, f->name, json_null());
        return;
    }
    if (equipment_tenths_parse(v, &t)) {
        jcheck_add(k, f->name, "format",
                   "0 以上、小数点以下1桁までの数値で入力してください"
                   "（例 1234.5）");
        return;
    }
    equipment_tenths_format(t, canon);
    json_object_set_new(rec, f->name, json_string(canon));
}

static void
check_one(const struct cfield *f, json_t *rec, struct jcheck *k)
{
    const char *v;
    if (f->flags & FIELD_TENTHS) {
        check_tenths(f, rec, k);
        return;
    }
    if (f->flags & FIELD_INT) {
        int64_t i;
        bool present;
        jcheck_int(k, rec, f->name, f->min, f->max, f->flags & REQ, &i,
                   &present);
        return;
    }
    unsigned fl = (f->flags & REQ ? JSTR_REQUIRED : 0) |
                  (f->flags & FIELD_MULTILINE ? JSTR_MULTILINE : 0);
    jcheck_str(k, rec, f->name, f->max_chars, fl, &v);
    if (!v)
        return;
    if (!*v) /* an optional field left empty is not set */
        json_object_set_new(rec, f->name, json_null());
    else if (!strcmp(f->name, "kana"))
        check_kana(rec, v, k);
    else if (f->valid && !f->valid(v))
        jcheck_add(k, f->name, "format", f->message_ja);
}

void
cfield_check(const struct cfield *fields, json_t *rec, struct jcheck *k)
{
    const char *key;
    json_t *v;
    json_object_foreach(rec, key, v)
    {
        const struct cfield *f = fields;
        while (f->name && strcmp(f->name, key))
            f++;
        if (!f->name)
            jcheck_add(k, key, "unknown", "この項目は指定できません");
    }
    for (const struct cfield *f = fields; f->name; f++)
        check_one(f, rec, k);
}
