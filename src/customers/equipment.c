/*
 * equipment.c — validation of contracts (契約), meters (メーター), cylinder
 * set-ups (容器設置) and appliances (消費機器); no I/O.
 *
 * The field tables are the single description of each kind's editable
 * columns: equipment_store.c binds and reads them in this order and the
 * API validates bodies against them (cfield_check, then the kind's own
 * cross-field check here).
 *
 * Volumes (meter indexes 指針, usage per 30 days, ガス切指針) are integer
 * tenths of a m³: a meter reads to 0.1 m³ and anything finer is dropped.
 * The API shows them as "1234.5".
 *
 * Bank accounts for 口座振替 follow the 全銀 direct-debit record: bank code
 * 4 digits, branch 3, account type 1/2/9, account number 7 (zero-filled),
 * depositor name (口座名義) in half-width katakana and upper-case
 * alphanumerics. contract_holder_normalize() turns what office staff type
 * (ヤマダ タロウ, やまだ, ﾔﾏﾀﾞ, ＡＢＣ) into that form with its own table;
 * ICU only folds widths first (NFKC). Characters a bank would refuse are
 * reported, never dropped.
 */
#include "core/timeutil.h"
#include "customers/customers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

/* ---------------------------------------------------------------------- */
/* Small format checks                                                    */
/* ---------------------------------------------------------------------- */

/* s is exactly n ASCII digits (n = 0: one or more). */
static bool
all_digits(const char *s, size_t n)
{
    size_t len = strlen(s);
    return len > 0 && (n == 0 || len == n) && strspn(s, "0123456789") == len;
}

/* The value of the n digits at s (the caller checked they are digits). */
static int
digits_value(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* s is one of the NULL-ended list. */
static bool
one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

static bool
payment_valid(const char *s)
{
    static const char *const m[] = {"debit", "transfer", "collection", "cvs",
                                    NULL};
    return one_of(s, m);
}

static bool
meter_kind_valid(const char *s)
{
    static const char *const k[] = {"E", "S", "smart", NULL};
    return one_of(s, k);
}

static bool
switch_kind_valid(const char *s)
{
    static const char *const k[] = {"auto", "manual", "none", NULL};
    return one_of(s, k);
}

static bool
appliance_kind_valid(const char *s)
{
    static const char *const k[] = {"water_heater", "stove", "heater", "oven",
                                    "dryer",        "other", NULL};
    return one_of(s, k);
}

static bool
ownership_valid(const char *s)
{
    static const char *const k[] = {"ours", "leased", "customer", NULL};
    return one_of(s, k);
}

/* 製造番号: 1–30 of [0-9A-Za-z-]. */
static bool
serial_valid(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 30 &&
           strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}

/* A monitoring device id (NCU, water-heater adapter): 1–64 of
 * [0-9A-Za-z-_.:]. */
static bool
device_id_valid(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 &&
           strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:") == n;
}

bool
meter_capacity_valid(const char *s)
{
    static const char *const c[] = {"1.6", "2.5", "4",  "6", "10",
                                    "16",  "25",  "40", NULL};
    return one_of(s, c);
}

bool
meter_expiry_valid(const char *s)
{
    if (strlen(s) != 7 || s[4] != '-' || strspn(s, "0123456789") != 4 ||
        strspn(s + 5, "0123456789") != 2)
        return false;
    int year = digits_value(s, 4), month = digits_value(s + 5, 2);
    return year >= 1900 && year <= 2999 && month >= 1 && month <= 12;
}

bool
meter_expired(const char *expiry, const char *today)
{
    return strncmp(today, expiry, 7) > 0;
}

bool
contract_bank_code_valid(const char *s)
{
    return all_digits(s, 4);
}

bool
contract_branch_code_valid(const char *s)
{
    return all_digits(s, 3);
}

bool
contract_account_type_valid(const char *s)
{
    return !strcmp(s, "1") || !strcmp(s, "2") || !strcmp(s, "9");
}

bool
contract_account_number_valid(const char *s)
{
    return all_digits(s, 0) && strlen(s) <= 7;
}

/* ---------------------------------------------------------------------- */
/* Field tables                                                           */
/* ---------------------------------------------------------------------- */

#define REQ      FIELD_REQUIRED
#define DATE_MSG "日付は YYYY-MM-DD の形式で入力してください"
#define NOTES                                                                  \
    {                                                                          \
        "notes", 1000, FIELD_MULTILINE, 0, 0, NULL, NULL                       \
    }
#define END                                                                    \
    {                                                                          \
        NULL, 0, 0, 0, 0, NULL, NULL                                           \
    }

const char *const contract_bank_fields[] = {"bank_code",      "branch_code",
                                            "account_type",   "account_holder",
                                            "account_number", NULL};

const struct cfield contract_fields[] = {
    {"customer_id", 0, FIELD_INT | FIELD_FIXED, 1, INT64_MAX, NULL, NULL},
    {"tariff_id", 0, FIELD_INT, 1, INT64_MAX, NULL, NULL},
    {"start_date", 10, REQ, 0, 0, time_date_valid, DATE_MSG},
    {"payment_method", 16, REQ, 0, 0, payment_valid,
     "debit（口座振替）、transfer（振込）、collection（集金）、"
     "cvs（コンビニ払い）のいずれかを指定してください"},
    {"bank_code", 8, 0, 0, 0, contract_bank_code_valid,
     "銀行コードは数字4桁で入力してください"},
    {"branch_code", 8, 0, 0, 0, contract_branch_code_valid,
     "支店コードは数字3桁で入力してください"},
    {"account_type", 4, 0, 0, 0, contract_account_type_valid,
     "預金種目は 1（普通）、2（当座）、9（その他）のいずれかです"},
    {"account_number", 16, 0, 0, 0, contract_account_number_valid,
     "口座番号は数字1〜7桁で入力してください"},
    {"account_holder", 60, 0, 0, 0, NULL, NULL}, /* contract_check */
    NOTES,
    END,
};

const struct cfield meter_fields[] = {
    {"serial", 30, REQ, 0, 0, serial_valid,
     "製造番号は半角英数字とハイフンの1〜30文字で入力してください"},
    {"maker", 50, 0, 0, 0, NULL, NULL},
    {"model", 50, 0, 0, 0, NULL, NULL},
    {"kind", 8, REQ, 0, 0, meter_kind_valid,
     "E（E型）、S（S型）、smart のいずれかを指定してください"},
    {"capacity", 8, 0, 0, 0, meter_capacity_valid,
     "号数は 1.6、2.5、4、6、10、16、25、40 のいずれかです"},
    {"digits", 0, FIELD_INT, 3, 8, NULL, NULL},
    {"install_date", 10, REQ, 0, 0, time_date_valid, DATE_MSG},
    {"initial_index", 0, FIELD_TENTHS, 0, 0, NULL, NULL},
    {"certification_expiry", 8, 0, 0, 0, meter_expiry_valid,
     "検定満期は YYYY-MM の形式で入力してください"},
    {"device_id", 64, 0, 0, 0, device_id_valid,
     "機器IDは半角英数字と - _ . : の1〜64文字で入力してください"},
    NOTES,
    END,
};

const struct cfield cylinder_fields[] = {
    {"size_kg", 0, FIELD_INT | REQ, 1, 1000, NULL, NULL},
    {"supply_count", 0, FIELD_INT | REQ, 1, 20, NULL, NULL},
    {"reserve_count", 0, FIELD_INT | REQ, 0, 20, NULL, NULL},
    {"switch_kind", 8, REQ, 0, 0, switch_kind_valid,
     "auto（自動切替）、manual（手動）、none のいずれかを指定してください"},
    {"usage_30d", 0, FIELD_TENTHS, 0, 0, NULL, NULL},
    {"gas_out_index", 0, FIELD_TENTHS, 0, 0, NULL, NULL},
    {"installed_date", 10, 0, 0, 0, time_date_valid, DATE_MSG},
    NOTES,
    END,
};

const struct cfield appliance_fields[] = {
    {"kind", 16, REQ, 0, 0, appliance_kind_valid,
     "water_heater、stove、heater、oven、dryer、other のいずれかを指定して"
     "ください"},
    {"maker", 50, 0, 0, 0, NULL, NULL},
    {"model", 50, 0, 0, 0, NULL, NULL},
    {"serial", 40, 0, 0, 0, NULL, NULL},
    {"install_date", 10, 0, 0, 0, time_date_valid, DATE_MSG},
    {"ownership", 16, REQ, 0, 0, ownership_valid,
     "ours（当社所有）、leased（貸与）、customer（お客様所有）のいずれかを"
     "指定してください"},
    {"device_id", 64, 0, 0, 0, device_id_valid,
     "機器IDは半角英数字と - _ . : の1〜64文字で入力してください"},
    NOTES,
    END,
};

/* ---------------------------------------------------------------------- */
/* Volumes in tenths of a m³                                              */
/* ---------------------------------------------------------------------- */

/* "1234.5" or "1234": digits, then at most one decimal. */
static enum err
tenths_text(const char *s, int64_t *out)
{
    size_t whole = strspn(s, "0123456789");
    const char *p = s + whole;
    int64_t v = 0;
    if (whole < 1 || whole > 9)
        return err_fail(ERR_INVALID, "not a volume");
    for (size_t i = 0; i < whole; i++)
        v = v * 10 + (s[i] - '0');
    v *= 10;
    if (*p == '.' && p[1] >= '0' && p[1] <= '9' && !p[2])
        v += p[1] - '0';
    else if (*p)
        return err_fail(ERR_INVALID, "at most one decimal");
    *out = v;
    return ERR_OK;
}

enum err
equipment_tenths_parse(const json_t *v, int64_t *tenths)
{
    int64_t t = -1;
    if (json_is_string(v)) {
        if (tenths_text(json_string_value(v), &t))
            return ERR_INVALID;
    } else if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        t = i >= 0 && i <= METER_INDEX_MAX / 10 ? i * 10 : -1;
    } else if (json_is_real(v)) {
        double d = json_real_value(v) * 10;
        if (d >= 0 && d <= METER_INDEX_MAX) {
            t = (int64_t)(d + 0.5);
            if (d - (double)t > 1e-6 || (double)t - d > 1e-6)
                t = -1; /* finer than 0.1 */
        }
    }
    if (t < 0 || t > METER_INDEX_MAX)
        return err_fail(ERR_INVALID, "not a volume to 0.1 m3");
    *tenths = t;
    return ERR_OK;
}

void
equipment_tenths_format(int64_t tenths, char out[24])
{
    snprintf(out, 24, "%lld.%lld", (long long)(tenths / 10),
             (long long)(tenths % 10));
}

int64_t
meter_index_max(int64_t digits)
{
    int64_t m = 10;
    for (int64_t i = 0; i < digits; i++)
        m *= 10;
    return m - 1;
}

/* ---------------------------------------------------------------------- */
/* 口座名義: half-width katakana                                          */
/* ---------------------------------------------------------------------- */

/* Half-width forms of katakana U+30A1 (ァ) … U+30FA (ヺ); small kana are
 * made large as banks expect; NULL where no bank takes the letter. */
static const char *const halfwidth[] = {
    "ｱ",  "ｱ",  "ｲ", "ｲ",  "ｳ",  "ｳ",  "ｴ",  "ｴ",  "ｵ",  "ｵ",  /* ァ… */
    "ｶ",  "ｶﾞ", "ｷ", "ｷﾞ", "ｸ",  "ｸﾞ", "ｹ",  "ｹﾞ", "ｺ",  "ｺﾞ", /* カ… */
    "ｻ",  "ｻﾞ", "ｼ", "ｼﾞ", "ｽ",  "ｽﾞ", "ｾ",  "ｾﾞ", "ｿ",  "ｿﾞ", /* サ… */
    "ﾀ",  "ﾀﾞ", "ﾁ", "ﾁﾞ", "ﾂ",  "ﾂ",  "ﾂﾞ", "ﾃ",  "ﾃﾞ", "ﾄ",  /* タ… */
    "ﾄﾞ", "ﾅ",  "ﾆ", "ﾇ",  "ﾈ",  "ﾉ",  "ﾊ",  "ﾊﾞ", "ﾊﾟ", "ﾋ",  /* ド… */
    "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ", "ﾍ",  "ﾍﾞ", "ﾍﾟ", "ﾎ",  "ﾎﾞ", /* ビ… */
    "ﾎﾟ", "ﾏ",  "ﾐ", "ﾑ",  "ﾒ",  "ﾓ",  "ﾔ",  "ﾔ",  "ﾕ",  "ﾕ",  /* ポ… */
    "ﾖ",  "ﾖ",  "ﾗ", "ﾘ",  "ﾙ",  "ﾚ",  "ﾛ",  "ﾜ",  "ﾜ",  "ｲ",  /* ョ… */
    "ｴ",  "ｦ",  "ﾝ", "ｳﾞ", "ｶ",  "ｹ",  NULL, NULL, NULL, NULL, /* ヱ… */
};

_Static_assert(sizeof(halfwidth) / sizeof(halfwidth[0]) == 0x30FA - 0x30A1 + 1,
               "one entry per katakana U+30A1..U+30FA");

/* The half-width form of one UTF-16 unit after NFKC, or NULL. ascii is
 * scratch for a one-letter answer. */
static const char *
holder_char(UChar c, char ascii[2])
{
    if (c >= 'a' && c <= 'z')
        c -= 'a' - 'A';
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        (c && c < 0x80 && strchr(" ().-/", c))) {
        ascii[0] = (char)c;
        ascii[1] = '\0';
        return ascii;
    }
    if (c >= 0x3041 && c <= 0x3096) /* hiragana → katakana */
        c += 0x60;
    if (c >= 0x30A1 && c <= 0x30FA)
        return halfwidth[c - 0x30A1];
    if (c == 0x30FC)
        return "ｰ";
    if (c == 0x3099) /* a voiced mark NFKC left uncombined */
        return "ﾞ";
    if (c == 0x309A)
        return "ﾟ";
    return NULL;
}

/* Append the half-width form of u[0..n) to out, trimming spaces at both
 * ends; counts characters (each half-width form is 1 byte ASCII or 3
 * bytes of UTF-8 per character). */
static enum err
holder_convert(const UChar *u, int32_t n, char *out, size_t cap)
{
    size_t len = 0, chars = 0;
    char ascii[2];
    while (n > 0 && u[n - 1] == ' ')
        n--;
    for (int32_t i = 0; i < n; i++) {
        const char *h = holder_char(u[i], ascii);
        if (!h)
            return err_fail(ERR_INVALID, "character %d cannot be used",
                            (int)i + 1);
        if (!len && !strcmp(h, " "))
            continue;
        size_t hl = strlen(h);
        if (len + hl + 1 > cap)
            return err_fail(ERR_TOO_LARGE, "holder name too long");
        memcpy(out + len, h, hl);
        len += hl;
        chars += h[0] & 0x80 ? hl / 3 : hl;
    }
    out[len] = '\0';
    if (!len)
        return err_fail(ERR_INVALID, "holder name is blank");
    if (chars > CONTRACT_HOLDER_MAX)
        return err_fail(ERR_TOO_LARGE, "holder name over %d characters",
                        CONTRACT_HOLDER_MAX);
    return ERR_OK;
}

enum err
contract_holder_normalize(const char *in, char *out, size_t cap)
{
    enum { MAXU = 256 };
    UErrorCode st = U_ZERO_ERROR;
    UChar src[MAXU], nfkc[MAXU];
    int32_t n = 0, m;
    if (strlen(in) >= MAXU)
        return err_fail(ERR_TOO_LARGE, "holder name too long");
    u_strFromUTF8(src, MAXU, &n, in, -1, &st);
    const UNormalizer2 *nf = unorm2_getNFKCInstance(&st);
    if (U_FAILURE(st))
        return err_fail(ERR_INVALID, "holder name is not valid UTF-8");
    m = unorm2_normalize(nf, src, n, nfkc, MAXU, &st);
    if (U_FAILURE(st))
        return err_fail(ERR_TOO_LARGE, "holder name too long");
    return holder_convert(nfkc, m, out, cap);
}

/* ---------------------------------------------------------------------- */
/* Masking and dates                                                      */
/* ---------------------------------------------------------------------- */

void
contract_mask_number(const char *number, char out[16])
{
    size_t n = strlen(number);
    snprintf(out, 16, "****%s", n >= 3 ? number + n - 3 : "");
}

void
contract_mask(json_t *rec, bool bank)
{
    json_t *n = json_object_get(rec, "account_number");
    char masked[16];
    if (n) {
        json_t *m = json_null();
        if (json_is_string(n)) {
            contract_mask_number(json_string_value(n), masked);
            m = json_string(masked);
        }
        json_object_set_new(rec, "account_number_masked", m);
        json_object_del(rec, "account_number");
    }
    if (bank)
        return;
    for (const char *const *f = contract_bank_fields; *f; f++)
        json_object_del(rec, *f);
    json_object_del(rec, "account_number_masked");
}

/* ---------------------------------------------------------------------- */
/* Cross-field rules                                                      */
/* ---------------------------------------------------------------------- */

/* The string value of rec[key], or NULL when absent or not a string. */
static const char *
str_of(const json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

/* Store the half-width holder name and the zero-filled number back. */
static void
normalize_bank(json_t *rec, struct jcheck *k)
{
    const char *holder = str_of(rec, "account_holder");
    const char *number = str_of(rec, "account_number");
    char hw[CONTRACT_HOLDER_MAX * 6 + 1], padded[8];
    if (holder) {
        enum err rc = contract_holder_normalize(holder, hw, sizeof(hw));
        if (rc == ERR_TOO_LARGE)
            jcheck_add(k, "account_holder", "too_long",
                       "口座名義は半角30文字以内で入力してください");
        else if (rc)
            jcheck_add(k, "account_holder", "format",
                       "口座名義はカナ・英大文字・数字・空白・( ) . - / "
                       "で入力してください");
        else
            json_object_set_new(rec, "account_holder", json_string(hw));
    }
    if (number && contract_account_number_valid(number)) {
        snprintf(padded, sizeof(padded), "%.*s%s", (int)(7 - strlen(number)),
                 "0000000", number);
        json_object_set_new(rec, "account_number", json_string(padded));
    }
}

void
contract_check(json_t *rec, const json_t *cur, struct jcheck *k)
{
    /* The tariff is assigned through PUT /contracts/{id}/tariff, which
     * checks it exists and keeps the three-part rules (料金・請求). */
    json_t *tariff = json_object_get(rec, "tariff_id");
    json_t *was = cur ? json_object_get(cur, "tariff_id") : NULL;
    if (tariff && !json_is_null(tariff) && !(was && json_equal(tariff, was)))
        jcheck_add(k, "tariff_id", "not_allowed",
                   "料金表は料金表の割り当て（PUT /api/v1/contracts/{id}/"
                   "tariff）で設定してください");
    const char *method = str_of(rec, "payment_method");
    bool debit = method && !strcmp(method, "debit");
    normalize_bank(rec, k);
    if (!method)
        return;
    for (const char *const *f = contract_bank_fields; *f; f++) {
        json_t *v = json_object_get(rec, *f);
        bool set = v && !json_is_null(v);
        if (debit && !set)
            jcheck_add(k, *f, "required", "口座振替では必須です");
        else if (!debit && set)
            jcheck_add(k, *f, "not_allowed",
                       "口座振替以外では指定できません（null にしてください）");
    }
}

void
meter_check(json_t *rec, const json_t *cur, struct jcheck *k)
{
    json_t *digits = json_object_get(rec, "digits");
    if (!cur && (!digits || json_is_null(digits))) /* E4: 9,999.9 m³ */
        json_object_set_new(rec, "digits", digits = json_integer(4));
    if (!cur && !json_is_string(json_object_get(rec, "initial_index")))
        json_object_set_new(rec, "initial_index", json_string("0.0"));
    const char *initial = str_of(rec, "initial_index");
    int64_t t;
    if (!json_is_integer(digits) || !initial) {
        if (cur && json_is_null(digits))
            jcheck_add(k, "digits", "required", "必須項目です");
        if (cur && json_is_null(json_object_get(rec, "initial_index")))
            jcheck_add(k, "initial_index", "required", "必須項目です");
        return;
    }
    if (!equipment_tenths_parse(json_object_get(rec, "initial_index"), &t) &&
        t > meter_index_max(json_integer_value(digits)))
        jcheck_add(k, "initial_index", "range",
                   "指針がメーターの桁数を超えています");
}

void
meter_finish(json_t *rec)
{
    char today[11];
    const char *expiry = str_of(rec, "certification_expiry");
    time_today_jst(today);
    json_object_set_new(rec, "certification_expired",
                        json_boolean(expiry && meter_expired(expiry, today)));
}
