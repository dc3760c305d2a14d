/*
 * import_map.c — which column is what (列の対応付け), and how a raw value
 * becomes the value a target wants.
 *
 * Headings. With a mapping {"heading": "target"}, a key names a column by
 * its heading exactly, else by its 1-based position ("3"), else by its
 * folded heading; only the columns the mapping names are imported, and a
 * key the file does not have is an error (a typo must not drop a column
 * silently). Without one, every heading is folded and looked up among the
 * targets' names; headings that match nothing are listed as ignored.
 *
 * The targets' names are folded once per process (pthread_once): folding
 * goes through ICU's NFKC and a job compares every heading with ~110
 * names.
 */
#include "core/xalloc.h"
#include "customers/import_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIASES_MAX 12
#define KEY_BYTES   64

static char alias_keys[IMPORT_TARGETS_MAX][ALIASES_MAX][KEY_BYTES];
static pthread_once_t alias_once = PTHREAD_ONCE_INIT;

static void
fold_aliases(void)
{
    for (int t = 0; import_targets[t].name; t++)
        for (int a = 0; a < ALIASES_MAX && import_targets[t].aliases[a]; a++)
            if (charset_fold_key(import_targets[t].aliases[a], alias_keys[t][a],
                                 KEY_BYTES))
                alias_keys[t][a][0] = '\0';
}

/* The target whose names include the folded heading key, or -1. */
static int
target_by_heading(const char *key)
{
    pthread_once(&alias_once, fold_aliases);
    for (int t = 0; *key && import_targets[t].name; t++)
        for (int a = 0; a < ALIASES_MAX && alias_keys[t][a][0]; a++)
            if (!strcmp(alias_keys[t][a], key))
                return t;
    return -1;
}

/* Give column c target t; two columns for one target is an error. */
static enum err
set_target(struct import *im, size_t c, int t)
{
    int other = im->by_target[t];
    if (other >= 0 && (size_t)other != c)
        return err_fail(ERR_IMPORT_MAPPING,
                        "列「%s」と「%s」がどちらも %s（%s）に対応しています。"
                        "mapping でどちらかを指定してください",
                        im->col[other].label, im->col[c].label,
                        import_targets[t].label, import_targets[t].name);
    im->by_target[t] = (int)c;
    im->col[c].target = t;
    return ERR_OK;
}

static enum err
map_auto(struct import *im)
{
    char key[KEY_BYTES];
    enum err rc = ERR_OK;
    for (size_t c = 0; !rc && c < im->ncols; c++) {
        if (charset_fold_key(im->col[c].label, key, sizeof(key)))
            continue; /* too long to be any of ours */
        int t = target_by_heading(key);
        if (t >= 0)
            rc = set_target(im, c, t);
    }
    return rc;
}

/* The column a mapping key names, or -1. */
static int
column_by_key(const struct import *im, const char *k, bool header)
{
    char key[KEY_BYTES], label[KEY_BYTES];
    for (size_t c = 0; header && c < im->ncols; c++)
        if (!strcmp(im->col[c].label, k))
            return (int)c;
    char *end;
    long n = strtol(k, &end, 10);
    if (*k >= '1' && *k <= '9' && !*end && n >= 1 && (size_t)n <= im->ncols)
        return (int)n - 1;
    if (!header || charset_fold_key(k, key, sizeof(key)) || !*key)
        return -1;
    for (size_t c = 0; c < im->ncols; c++)
        if (!charset_fold_key(im->col[c].label, label, sizeof(label)) &&
            !strcmp(label, key))
            return (int)c;
    return -1;
}

static enum err
map_one(struct import *im, const char *k, const json_t *v, bool header)
{
    int c = column_by_key(im, k, header);
    if (c < 0)
        return err_fail(ERR_IMPORT_MAPPING, "列「%s」がファイルにありません",
                        k);
    if (json_is_null(v))
        return ERR_OK; /* named, and left out on purpose */
    int t = json_is_string(v) ? import_target_find(json_string_value(v)) : -1;
    if (t < 0)
        return err_fail(ERR_IMPORT_MAPPING,
                        "列「%s」の対応先が取り込める項目ではありません"
                        "（number、name、kana などを指定してください）",
                        k);
    return set_target(im, (size_t)c, t);
}

static enum err
map_explicit(struct import *im, const json_t *mapping, bool header)
{
    const char *k;
    json_t *v;
    enum err rc = ERR_OK;
    if (!json_is_object(mapping) || json_object_size(mapping) > CSV_COLS_MAX)
        return err_fail(ERR_IMPORT_MAPPING,
                        "mapping は {\"見出し\": \"項目\"} の形の JSON "
                        "オブジェクトで指定してください");
    json_object_foreach((json_t *)mapping, k, v)
    {
        if (!rc)
            rc = map_one(im, k, v, header);
    }
    return rc;
}

static bool
mapped(const struct import *im, const char *target)
{
    return im->by_target[import_target_find(target)] >= 0;
}

/* The columns every row needs, and the supply point's when it has any. */
static enum err
map_required(struct import *im)
{
    static const char *const needed[] = {"number", "name", "kana", NULL};
    static const char *const point[] = {"point.prefecture", "point.city",
                                        "point.street", NULL};
    bool any_point = false;
    for (int i = 0; needed[i]; i++)
        if (!mapped(im, needed[i]))
            return err_fail(ERR_IMPORT_MAPPING, "%s（%s）の列がありません",
                            import_targets[import_target_find(needed[i])].label,
                            needed[i]);
    for (int t = 0; import_targets[t].name; t++)
        any_point |=
            im->by_target[t] >= 0 && (import_targets[t].kind == T_POINT ||
                                      import_targets[t].kind == T_MOVED_IN);
    for (int i = 0; any_point && point[i]; i++)
        if (!mapped(im, point[i]))
            return err_fail(
                ERR_IMPORT_MAPPING,
                "供給地点を取り込むには供給地点の都道府県・市区町村・"
                "番地の列が必要です（%s がありません）",
                point[i]);
    im->defaulted_kind = !mapped(im, "kind");
    im->defaulted_supply_kind = any_point && !mapped(im, "point.supply_kind");
    return ERR_OK;
}

/* Heading labels: the heading row's text, or "3列目". */
static void
label_columns(struct import *im, bool header)
{
    im->ncols = im->csv.nfields;
    for (size_t c = 0; c < im->ncols; c++) {
        const char *f = im->csv.field[c];
        im->col[c].target = -1;
        if (header && f[strspn(f, " \t")])
            im->col[c].label = xstrdup(f);
        else {
            char n[24];
            snprintf(n, sizeof(n), "%zu列目", c + 1);
            im->col[c].label = xstrdup(n);
        }
    }
}

enum err
import_map(struct import *im, const struct import_opts *o)
{
    bool got = false;
    enum err rc;
    if ((rc = csv_next(&im->csv, &got)))
        return rc;
    if (!got)
        return err_fail(ERR_IMPORT_FORMAT, "ファイルに行がありません");
    label_columns(im, o->header);
    im->pending = !o->header;
    if (o->mapping)
        rc = map_explicit(im, o->mapping, o->header);
    else if (!o->header)
        return err_fail(ERR_IMPORT_MAPPING,
                        "見出し行のないファイルには列の対応付け（mapping）を"
                        "指定してください");
    else
        rc = map_auto(im);
    return rc ? rc : map_required(im);
}

/* ---------------------------------------------------------------------- */
/* Values                                                                 */
/* ---------------------------------------------------------------------- */

/* The ASCII character a code point stands for in a code, or 0. */
static char
ascii_of(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E) /* full-width ASCII */
        return (char)(cp - 0xFEE0);
    if (cp == 0x3000)
        return ' ';
    if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0x30FC ||
        cp == 0xFF70 || cp == 0xFE63 || cp == 0x2500)
        return '-'; /* dashes, ー, ─ typed for a hyphen */
    return 0;
}

/* s (n bytes of UTF-8) with full-width ASCII and dashes folded, into out
 * (cap bytes, NUL-terminated; never longer than s). */
static void
fold_code(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        uint32_t cp = c;
        if (len == 3 && i + 2 < n)
            cp = (uint32_t)(c & 0x0F) << 12 |
                 (uint32_t)((unsigned char)s[i + 1] & 0x3F) << 6 |
                 ((unsigned char)s[i + 2] & 0x3F);
        char a = len == 3 ? ascii_of(cp) : 0;
        if (o + len >= cap || i + len > n)
            break;
        if (a)
            out[o++] = a;
        else
            memcpy(out + o, s + i, len), o += len;
        i += len;
    }
    out[o] = '\0';
}

/* Up to max digits at *p as a number (-1 when there is none). */
static int
digits(const char **p, int max)
{
    int v = 0, n = 0;
    while (n < max && **p >= '0' && **p <= '9')
        v = v * 10 + (*(*p)++ - '0'), n++;
    return n ? v : -1;
}

/* Skip one date separator: - / . or the given kanji (年, 月). */
static bool
date_sep(const char **p, const char *kanji)
{
    if (**p == '-' || **p == '/' || **p == '.') {
        (*p)++;
        return true;
    }
    if (!strncmp(*p, kanji, strlen(kanji))) {
        *p += strlen(kanji);
        return true;
    }
    return false;
}

/* A Japanese era (和暦) year at *p: 令和6, R6, 平成元, H31… as the
 * Gregorian year (-1 when *p has no era). */
static int
era_year(const char **p)
{
    static const struct {
        const char *name;
        int base;
    } eras[] = {{"令和", 2018}, {"平成", 1988}, {"昭和", 1925},
                {"R", 2018},    {"H", 1988},    {"S", 1925}};
    for (size_t i = 0; i < sizeof(eras) / sizeof(eras[0]); i++) {
        size_t n = strlen(eras[i].name);
        if (strncmp(*p, eras[i].name, n))
            continue;
        *p += n;
        if (!strncmp(*p, "元", strlen("元"))) {
            *p += strlen("元");
            return eras[i].base + 1;
        }
        int y = digits(p, 2);
        return y > 0 ? eras[i].base + y : -1;
    }
    return -1;
}

/* 2024/4/1, 2024.04.01, 2024年4月1日, 20240401, 令和6年4月1日, R6.4.1 →
 * "2024-04-01" in s (11+ bytes); anything else is left for the date check
 * to refuse. */
static void
date_fix(char *s)
{
    const char *p = s;
    int y = era_year(&p), m = -1, d = -1;
    if (strlen(s) == 8 && strspn(s, "0123456789") == 8) {
        memmove(s + 8, s + 6, 3); /* YYYYMMDD: 2 and 2 digits moved on */
        memmove(s + 5, s + 4, 2);
        s[4] = s[7] = '-';
        return;
    }
    if (y < 0 && p == s && (y = digits(&p, 4)) < 1000)
        return;
    if (y > 0 && date_sep(&p, "年"))
        m = digits(&p, 2);
    if (m >= 0 && date_sep(&p, "月"))
        d = digits(&p, 2);
    if (d >= 0 && !strncmp(p, "日", strlen("日")))
        p += strlen("日");
    if (d >= 0 && !*p)
        snprintf(s, 11, "%04d-%02d-%02d", y, m, d);
}

/* 〒874-0000 → 874-0000, 8740000 → 874-0000. */
static void
postal_fix(char *s)
{
    if (!strncmp(s, "〒", strlen("〒")))
        memmove(s, s + strlen("〒"), strlen(s) - strlen("〒") + 1);
    s += strspn(s, " ");
    if (strlen(s) == 7 && strspn(s, "0123456789") == 7) {
        memmove(s + 4, s + 3, 5);
        s[3] = '-';
    }
}

/* Digits → an integer; 締め日 words first. Anything else stays a string
 * for jcheck_int to refuse ("整数で指定してください"). */
static json_t *
int_value(char *s, bool closing)
{
    size_t n = strlen(s);
    if (closing &&
        (!strcmp(s, "末") || !strcmp(s, "末日") || !strcmp(s, "月末")))
        return json_integer(31);
    if (closing && n > strlen("日") && !strcmp(s + n - strlen("日"), "日"))
        s[n -= strlen("日")] = '\0';
    if (n >= 1 && n <= 9 && strspn(s, "0123456789") == n)
        return json_integer(strtoll(s, NULL, 10));
    return json_string(s);
}

/* A word of t's table → its code; unknown words stay for the check. */
static json_t *
word_value(const struct target *t, const char *s, size_t n)
{
    char key[KEY_BYTES], w[KEY_BYTES];
    for (const struct word *x = t->words; x->word; x++) /* the usual case */
        if (strlen(x->word) == n && !memcmp(x->word, s, n))
            return json_string(x->code);
    char *v = xstrndup(s, n);
    bool folded = !charset_fold_key(v, key, sizeof(key));
    for (const struct word *x = t->words; folded && x->word; x++)
        if (!charset_fold_key(x->word, w, sizeof(w)) && !strcmp(w, key)) {
            free(v);
            return json_string(x->code);
        }
    json_t *out = json_string(v);
    free(v);
    return out;
}

/* Trim spaces, tabs and U+3000 (and, but for notes, line breaks). */
static void
trim(const char **s, size_t *n, bool note)
{
    const char *ws = note ? " \t" : " \t\r\n";
    for (;;) {
        if (*n && strchr(ws, **s))
            (*s)++, (*n)--;
        else if (*n >= 3 && !memcmp(*s, "\u3000", 3))
            *s += 3, *n -= 3;
        else if (*n && strchr(ws, (*s)[*n - 1]))
            (*n)--;
        else if (*n >= 3 && !memcmp(*s + *n - 3, "\u3000", 3))
            *n -= 3;
        else
            break;
    }
}

json_t *
import_value(const struct target *t, const char *raw, char *tmp, size_t cap)
{
    const char *s = raw;
    size_t n = strlen(raw);
    trim(&s, &n, t->value == V_NOTE);
    if (n >= 2 && *s == '\'' && strchr("=+-@\t\r", s[1]))
        s++, n--; /* the export's guard against formulas */
    if (!n)
        return NULL;
    if (t->value == V_TEXT || t->value == V_NOTE)
        return json_stringn(s, n);
    if (t->value == V_WORD)
        return word_value(t, s, n);
    fold_code(s, n, tmp, cap);
    if (t->value == V_POSTAL)
        postal_fix(tmp);
    else if (t->value == V_DATE && cap > 11)
        date_fix(tmp);
    else if (t->value == V_INT || t->value == V_CLOSING)
        return int_value(tmp, t->value == V_CLOSING);
    return json_string(tmp);
}
