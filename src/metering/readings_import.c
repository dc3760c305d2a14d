/*
 * readings_import.c — 検針値の取込: the job, its column mapping and the
 * row checks (no I/O; the run against a store is readings_import_run.c).
 *
 * Targets. A column is mapped to one of six targets (readings_import.h).
 * Without a mapping each heading is folded (charset_fold_key: width,
 * script, case, spaces, '_' and '-') and compared with the targets' names,
 * Japanese and English, folded the same way, so "メーター製造番号",
 * "ﾒｰﾀｰ番号" and "meter_serial" all find the meter serial. Vendors' files
 * call the same things by many names; the alias lists hold the common
 * ones and a mapping covers the rest. Two columns for one target is a
 * mapping error, never a silent choice.
 *
 * With a mapping {"heading": "target"}, a key names a column by its
 * heading exactly, else by its 1-based position ("3"), else by its folded
 * heading; only the columns it names are imported, and a key the file
 * lacks is an error (a typo must not drop a column silently).
 *
 * The CSV reader (customers/csv.h) and the charset conversion
 * (customers/charset.h) are the ledger import's; this file adds only what
 * readings need: dates with times and offsets, indexes with a dropped
 * second decimal, the three ways to name a supply point.
 */
#include "metering/readings_import.h"
#include "auth/crypto.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "customers/csv.h"
#include "customers/customers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIASES_MAX 14
#define KEY_BYTES   64

struct readings_import {
    char *text; /* the file as UTF-8 (owned) */
    size_t len;
    size_t bytes; /* the file's size as received */
    enum charset charset;
    char digest[CRYPTO_DIGEST_HEX];
    struct csv csv;
    bool pending; /* the first row is data (no heading): not yet used */
    bool done;
    size_t ncols;
    int target[CSV_COLS_MAX];  /* each column's target, or -1 */
    char *label[CSV_COLS_MAX]; /* heading, or "3列目" (owned) */
    int by_target[RT_COUNT];   /* each target's column, or -1 */
    size_t rows, failed, nerrors;
    int bulk;        /* the opts' bulk */
    size_t cur_line; /* the row being checked or stored */
    bool cur_failed;
    json_t *errors; /* the first READINGS_IMPORT_ERRORS_MAX */
};

/* ---------------------------------------------------------------------- */
/* Targets                                                                */
/* ---------------------------------------------------------------------- */

const char *const readings_target_names[] = {
    "supply_point_id", "customer_number", "meter_serial",
    "read_on",         "index",           "note",
};

/* Japanese labels, for messages. */
static const char *const target_labels[] = {
    "供給地点ID", "顧客番号", "メーター番号", "検針日", "指針", "備考",
};

/* Headings that mean each target (folded when compared). */
static const char *const aliases[RT_COUNT][ALIASES_MAX] = {
    {"供給地点ID", "供給地点番号", "供給地点", "地点ID", "地点番号",
     "supply_point_id", "supply_point", "point_id", NULL},
    {"顧客番号", "需要家番号", "お客様番号", "顧客コード", "顧客No",
     "需要家コード", "得意先コード", "得意先番号", "customer_number",
     "customer", "number", NULL},
    {"メーター番号", "メーター製造番号", "メーターNo", "メーター",
     "メーターシリアル", "計器番号", "製造番号", "meter_serial", "meter",
     "serial", NULL},
    {"検針日", "検針年月日", "検針日時", "計測日時", "計量日時", "指針日時",
     "取得日時", "読取日時", "日付", "read_on", "read_at", "date", NULL},
    {"指針", "今回指針", "指針値", "今回指針値", "検針値", "今回検針値",
     "メーター指針", "積算値", "積算指針", "index", "reading", NULL},
    {"備考", "メモ", "コメント", "note", "notes", NULL},
};

static char alias_keys[RT_COUNT][ALIASES_MAX][KEY_BYTES];
static pthread_once_t alias_once = PTHREAD_ONCE_INIT;

static void
fold_aliases(void)
{
    for (int t = 0; t < RT_COUNT; t++)
        for (int a = 0; a < ALIASES_MAX && aliases[t][a]; a++)
            if (charset_fold_key(aliases[t][a], alias_keys[t][a], KEY_BYTES))
                alias_keys[t][a][0] = '\0';
}

/* The target whose names include the folded heading key, or -1. */
static int
target_by_key(const char *key)
{
    pthread_once(&alias_once, fold_aliases);
    for (int t = 0; *key && t < RT_COUNT; t++)
        for (int a = 0; a < ALIASES_MAX && aliases[t][a]; a++)
            if (alias_keys[t][a][0] && !strcmp(alias_keys[t][a], key))
                return t;
    return -1;
}

static int
target_by_name(const char *name)
{
    for (int t = 0; t < RT_COUNT; t++)
        if (!strcmp(readings_target_names[t], name))
            return t;
    return -1;
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

void
readings_import_error(struct readings_import *im, size_t line,
                      enum readings_target target, const char *code,
                      const char *message)
{
    im->nerrors++;
    if (line == im->cur_line && !im->cur_failed) {
        im->cur_failed = true;
        im->failed++;
    }
    if (json_array_size(im->errors) >= READINGS_IMPORT_ERRORS_MAX)
        return;
    bool t = target < RT_COUNT;
    const char *column = t && im->by_target[target] >= 0
                             ? im->label[im->by_target[target]]
                             : NULL;
    json_array_append_new(
        im->errors,
        json_pack("{s:I, s:s?, s:s?, s:s, s:s}", "line", (json_int_t)line,
                  "field", t ? readings_target_names[target] : NULL, "column",
                  column, "code", code, "message", message));
}

/* ---------------------------------------------------------------------- */
/* Mapping                                                                */
/* ---------------------------------------------------------------------- */

/* Give column c target t; two columns for one target is an error. */
static enum err
set_target(struct readings_import *im, size_t c, int t)
{
    int other = im->by_target[t];
    if (other >= 0 && (size_t)other != c)
        return err_fail(ERR_IMPORT_MAPPING,
                        "列「%s」と「%s」がどちらも%s（%s）に対応しています。"
                        "mapping でどちらかを指定してください",
                        im->label[other], im->label[c], target_labels[t],
                        readings_target_names[t]);
    im->by_target[t] = (int)c;
    im->target[c] = t;
    return ERR_OK;
}

static enum err
map_auto(struct readings_import *im)
{
    char key[KEY_BYTES];
    enum err rc = ERR_OK;
    for (size_t c = 0; !rc && c < im->ncols; c++) {
        if (charset_fold_key(im->label[c], key, sizeof(key)))
            continue; /* too long to be any of ours */
        int t = target_by_key(key);
        if (t >= 0)
            rc = set_target(im, c, t);
    }
    return rc;
}

/* The column a mapping key names, or -1. */
static int
column_by_key(const struct readings_import *im, const char *k, bool header)
{
    char key[KEY_BYTES], label[KEY_BYTES];
    for (size_t c = 0; header && c < im->ncols; c++)
        if (!strcmp(im->label[c], k))
            return (int)c;
    char *end;
    long n = strtol(k, &end, 10);
    if (*k >= '1' && *k <= '9' && !*end && n >= 1 && (size_t)n <= im->ncols)
        return (int)n - 1;
    if (!header || charset_fold_key(k, key, sizeof(key)) || !*key)
        return -1;
    for (size_t c = 0; c < im->ncols; c++)
        if (!charset_fold_key(im->label[c], label, sizeof(label)) &&
            !strcmp(label, key))
            return (int)c;
    return -1;
}

static enum err
map_explicit(struct readings_import *im, const json_t *mapping, bool header)
{
    const char *k;
    json_t *v;
    if (!json_is_object(mapping) || json_object_size(mapping) > CSV_COLS_MAX)
        return err_fail(ERR_IMPORT_MAPPING,
                        "mapping は {\"見出し\": \"項目\"} の形の JSON "
                        "オブジェクトで指定してください");
    json_object_foreach((json_t *)mapping, k, v)
    {
        int c = column_by_key(im, k, header);
        if (c < 0)
            return err_fail(ERR_IMPORT_MAPPING,
                            "列「%s」がファイルにありません", k);
        if (json_is_null(v))
            continue; /* named, and left out on purpose */
        int t = json_is_string(v) ? target_by_name(json_string_value(v)) : -1;
        if (t < 0)
            return err_fail(ERR_IMPORT_MAPPING,
                            "列「%s」の対応先が取り込める項目ではありません"
                            "（supply_point_id、customer_number、"
                            "meter_serial、read_on、index、note のいずれか）",
                            k);
        enum err rc = set_target(im, (size_t)c, t);
        if (rc)
            return rc;
    }
    return ERR_OK;
}

/* A date and an index, and something naming the supply point. */
static enum err
map_required(struct readings_import *im)
{
    static const int needed[] = {RT_READ_ON, RT_INDEX};
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
        if (im->by_target[needed[i]] < 0)
            return err_fail(ERR_IMPORT_MAPPING, "%s（%s）の列がありません",
                            target_labels[needed[i]],
                            readings_target_names[needed[i]]);
    if (im->by_target[RT_POINT] < 0 && im->by_target[RT_NUMBER] < 0 &&
        im->by_target[RT_SERIAL] < 0)
        return err_fail(ERR_IMPORT_MAPPING,
                        "供給地点を特定する列（供給地点ID・顧客番号・"
                        "メーター番号のいずれか）がありません");
    return ERR_OK;
}

/* Heading labels: the heading row's text, or "3列目". */
static void
label_columns(struct readings_import *im, bool header)
{
    im->ncols = im->csv.nfields;
    for (size_t c = 0; c < im->ncols; c++) {
        const char *f = im->csv.field[c];
        im->target[c] = -1;
        if (header && f[strspn(f, " \t")])
            im->label[c] = xstrdup(f);
        else {
            char n[24];
            snprintf(n, sizeof(n), "%zu列目", c + 1);
            im->label[c] = xstrdup(n);
        }
    }
}

static enum err
map_columns(struct readings_import *im, const struct readings_import_opts *o)
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
/* The job                                                                */
/* ---------------------------------------------------------------------- */

static enum err
decode(struct readings_import *im, const char *data, size_t n, enum charset cs)
{
    crypto_digest_hex(data, n, im->digest);
    im->bytes = n;
    return charset_decode_file(data, n, READINGS_IMPORT_BYTES_MAX, cs,
                               &im->text, &im->len, &im->charset);
}

enum err
readings_import_open(const char *data, size_t n,
                     const struct readings_import_opts *o,
                     struct readings_import **out)
{
    struct readings_import *im = xcalloc(1, sizeof(*im));
    im->errors = json_array();
    im->bulk = o->bulk;
    for (int t = 0; t < RT_COUNT; t++)
        im->by_target[t] = -1;
    enum err rc = decode(im, data, n, o->charset);
    if (!rc) {
        csv_init(&im->csv, im->text, im->len);
        rc = map_columns(im, o);
    }
    if (rc) {
        readings_import_free(im);
        im = NULL;
    }
    *out = im;
    return rc;
}

void
readings_import_free(struct readings_import *im)
{
    if (!im)
        return;
    csv_free(&im->csv);
    for (size_t i = 0; i < im->ncols; i++)
        free(im->label[i]);
    json_decref(im->errors);
    free(im->text);
    free(im);
}

/* ---------------------------------------------------------------------- */
/* Values                                                                 */
/* ---------------------------------------------------------------------- */

/* The ASCII character a three-byte UTF-8 code point stands for, or 0:
 * full-width ASCII (０-９, ．, ／, ：), the ideographic space, dashes. */
static char
ascii_of(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return (char)(cp - 0xFEE0);
    if (cp == 0x3000)
        return ' ';
    if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xFF70)
        return '-';
    return 0;
}

/* raw, trimmed, with full-width ASCII folded (fold) and the export's "'"
 * before = + - @ taken off, into out (cap bytes, NUL-terminated). */
static void
prepare(const char *raw, bool fold, char *out, size_t cap)
{
    size_t o = 0, n = strlen(raw);
    for (size_t i = 0; i < n && o + 4 < cap;) {
        unsigned char c = (unsigned char)raw[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        char a = 0;
        if (len == 3 && i + 2 < n)
            a = ascii_of((uint32_t)(c & 0x0F) << 12 |
                         (uint32_t)((unsigned char)raw[i + 1] & 0x3F) << 6 |
                         ((unsigned char)raw[i + 2] & 0x3F));
        if (a && (fold || a == ' '))
            out[o++] = a;
        else
            for (size_t k = 0; k < len && i + k < n; k++)
                out[o++] = raw[i + k];
        i += len;
    }
    while (o && strchr(" \t\r\n", out[o - 1]))
        o--;
    out[o] = '\0';
    size_t lead = strspn(out, " \t\r\n");
    if (out[lead] == '\'' && out[lead + 1] && strchr("=+-@", out[lead + 1]))
        lead++;
    memmove(out, out + lead, o - lead + 1);
}

/* Up to max digits at *p (at least one) into *v. */
static bool
digits(const char **p, int max, int *v)
{
    int n = 0;
    *v = 0;
    while (n < max && **p >= '0' && **p <= '9')
        *v = *v * 10 + (*(*p)++ - '0'), n++;
    return n > 0;
}

/* Skip one of - / . or the given kanji (年, 月). */
static bool
date_sep(const char **p, const char *kanji)
{
    if (**p == '-' || **p == '/' || **p == '.') {
        (*p)++;
        return true;
    }
    size_t k = strlen(kanji);
    if (!strncmp(*p, kanji, k)) {
        *p += k;
        return true;
    }
    return false;
}

/* A Japanese era year (令和8, R8, 平成元…) as the Gregorian year; 0 when
 * *p has no era, -1 when it is malformed. */
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
        int y;
        if (strncmp(*p, eras[i].name, n))
            continue;
        *p += n;
        if (!strncmp(*p, "元", strlen("元"))) {
            *p += strlen("元");
            return eras[i].base + 1;
        }
        return digits(p, 2, &y) && y > 0 ? eras[i].base + y : -1;
    }
    return 0;
}

/* The date at *p: year, month, day. */
static bool
date_part(const char **p, int *y, int *m, int *d)
{
    const char *s = *p;
    size_t n = strspn(s, "0123456789");
    if (n == 8) { /* YYYYMMDD */
        *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
             (s[3] - '0');
        *m = (s[4] - '0') * 10 + (s[5] - '0');
        *d = (s[6] - '0') * 10 + (s[7] - '0');
        *p += 8;
        return true;
    }
    *y = era_year(p);
    if (*y < 0 || (!*y && (n != 4 || !digits(p, 4, y))))
        return false;
    if (!date_sep(p, "年") || !digits(p, 2, m) || !date_sep(p, "月") ||
        !digits(p, 2, d))
        return false;
    if (!strncmp(*p, "日", strlen("日")))
        *p += strlen("日");
    return true;
}

/* A UTC offset at *p: "+09:00", "+0900", "+09" or "-05:00". */
static bool
offset_part(const char **p, int *offset)
{
    int sign = **p == '-' ? -1 : 1, oh, om = 0;
    ++*p;
    if (!digits(p, 2, &oh) || oh > 14)
        return false;
    if (**p == ':')
        ++*p;
    if (**p >= '0' && **p <= '9' && (!digits(p, 2, &om) || om > 59))
        return false;
    *offset = sign * (oh * 60 + om);
    return true;
}

/* The time at *p: "06:00", "6:00:00.000", then Z or an offset.
 * *minutes from midnight; *offset in minutes east of UTC when given. */
static bool
time_part(const char **p, int *minutes, int *offset, bool *has_offset)
{
    int h, mi, sec;
    if (!digits(p, 2, &h) || **p != ':')
        return false;
    ++*p;
    if (!digits(p, 2, &mi) || h > 23 || mi > 59)
        return false;
    if (**p == ':') {
        ++*p;
        if (!digits(p, 2, &sec) || sec > 60)
            return false;
        if (**p == '.' || **p == ',')
            for (++*p; **p >= '0' && **p <= '9';)
                ++*p;
    }
    *minutes = h * 60 + mi;
    if (**p == 'Z') {
        ++*p;
        *offset = 0, *has_offset = true;
    } else if (**p == '+' || **p == '-') {
        if (!offset_part(p, offset))
            return false;
        *has_offset = true;
    }
    return true;
}

bool
readings_import_date(const char *s, char out[11])
{
    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') { /* the usual */
        if (!time_date_valid(s))
            return false;
        memcpy(out, s, 11);
        return true;
    }
    const char *p = s;
    int y, m, d, minutes = 0, offset = 540;
    bool has_offset = false;
    char date[16];
    if (!date_part(&p, &y, &m, &d))
        return false;
    if (*p == ' ' || *p == 'T') {
        while (*++p == ' ')
            ;
        if (!time_part(&p, &minutes, &offset, &has_offset))
            return false;
    }
    if (*p || y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
    if (!time_date_valid(date))
        return false;
    if (minutes - offset + 540 >= 0 && minutes - offset + 540 < 1440) {
        memcpy(out, date, 11); /* the same day in JST */
        return true;
    }
    /* local time at offset → JST (UTC+9): the day may move by one */
    int shifted = minutes - offset + 540;
    int64_t days = time_date_days(date) + (shifted < 0       ? -1
                                           : shifted >= 1440 ? 1
                                                             : 0);
    time_date_from_days(days, out);
    return time_date_valid(out);
}

bool
readings_import_index(const char *s, int64_t *tenths)
{
    int64_t v = 0;
    int whole = 0;
    const char *p = s;
    for (; (*p >= '0' && *p <= '9') || (*p == ',' && whole); p++) {
        if (*p == ',')
            continue; /* 1,234.5 */
        v = v * 10 + (*p - '0');
        if (++whole > 12 || v > METER_INDEX_MAX)
            return false;
    }
    if (!whole || p[-1] == ',')
        return false;
    v *= 10;
    if (*p == '.') {
        if (p[1] >= '0' && p[1] <= '9')
            v += p[1] - '0'; /* tenths; finer digits are dropped */
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    }
    p += strspn(p, " ");
    if (*p && strcmp(p, "m3") && strcmp(p, "m\u00b3") && strcmp(p, "\u33a5"))
        return false;
    if (v > METER_INDEX_MAX)
        return false;
    *tenths = v;
    return true;
}

/* ---------------------------------------------------------------------- */
/* Rows                                                                   */
/* ---------------------------------------------------------------------- */

static bool
row_blank(const struct csv *c)
{
    for (size_t i = 0; i < c->nfields; i++)
        if (c->field[i][strspn(c->field[i], " \t")])
            return false;
    return true;
}

/* True when s is 1–max of [0-9A-Za-z-]. */
static bool
code_valid(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n >= 1 && n <= max &&
           strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}

/* A note: at most READINGS_NOTE_MAX characters; control characters other
 * than line breaks become spaces. */
static void
take_note(struct readings_import *im, struct readings_row *row, char *v)
{
    size_t chars = utf8_chars(v);
    if (chars == SIZE_MAX || chars > READINGS_NOTE_MAX) {
        readings_import_error(im, row->line, RT_NOTE, "length",
                              "備考は200文字以内で入力してください");
        return;
    }
    for (char *c = v; *c; c++)
        if ((unsigned char)*c < 0x20 && *c != '\n')
            *c = ' ';
    snprintf(row->note, sizeof(row->note), "%s", v);
}

/* Check one prepared value v of target t into row. */
static void
take(struct readings_import *im, struct readings_row *row, int t, char *v)
{
    size_t line = row->line;
    switch (t) {
    case RT_POINT:
        if (strspn(v, "0123456789") != strlen(v) || strlen(v) > 15 ||
            !(row->point_id = strtoll(v, NULL, 10)))
            readings_import_error(im, line, RT_POINT, "format",
                                  "供給地点IDは数字で入力してください");
        break;
    case RT_NUMBER:
        if (!customer_number_valid(v))
            readings_import_error(
                im, line, RT_NUMBER, "format",
                "顧客番号は半角英数字とハイフンの1〜20文字です");
        else
            snprintf(row->number, sizeof(row->number), "%s", v);
        break;
    case RT_SERIAL:
        if (!code_valid(v, 30))
            readings_import_error(
                im, line, RT_SERIAL, "format",
                "メーター番号は半角英数字とハイフンの1〜30文字です");
        else
            snprintf(row->serial, sizeof(row->serial), "%s", v);
        break;
    case RT_READ_ON:
        if (!readings_import_date(v, row->read_on))
            readings_import_error(im, line, RT_READ_ON, "format",
                                  "検針日は 2026-11-10、2026/11/10 または "
                                  "2026/11/10 06:00 の形式で入力してください");
        break;
    case RT_INDEX:
        if (!readings_import_index(v, &row->index_tenths))
            readings_import_error(im, line, RT_INDEX, "format",
                                  "指針は 1234.5 のように m³ の数値"
                                  "（小数1桁まで）で入力してください");
        break;
    default:
        take_note(im, row, v);
        break;
    }
}

static void
check_row(struct readings_import *im, struct readings_row *row)
{
    char v[CSV_FIELD_MAX + 1];
    bool seen[RT_COUNT] = {false};
    for (size_t c = 0; c < im->ncols; c++) {
        int t = im->target[c];
        if (t < 0)
            continue;
        prepare(im->csv.field[c], t != RT_NOTE, v, sizeof(v));
        if (!*v)
            continue;
        seen[t] = true;
        take(im, row, t, v);
    }
    if (!seen[RT_READ_ON])
        readings_import_error(im, row->line, RT_READ_ON, "required",
                              "検針日がありません");
    if (!seen[RT_INDEX])
        readings_import_error(im, row->line, RT_INDEX, "required",
                              "指針がありません");
    if (!seen[RT_POINT] && !seen[RT_NUMBER] && !seen[RT_SERIAL])
        readings_import_error(im, row->line, RT_COUNT, "point_required",
                              "供給地点ID・顧客番号・メーター番号のいずれかを"
                              "入力してください");
}

/* The next row of the reader, blank ones skipped. */
static enum err
next_csv_row(struct readings_import *im, bool *got)
{
    enum err rc;
    if (im->pending) { /* the first row, when it was not a heading */
        im->pending = false;
        *got = true;
        if (!row_blank(&im->csv))
            return ERR_OK;
    }
    do {
        rc = csv_next(&im->csv, got);
    } while (*got && !rc && row_blank(&im->csv));
    return rc;
}

enum err
readings_import_next(struct readings_import *im, struct readings_row *row,
                     bool *got)
{
    row->ok = false; /* the rest is set by check_row (no memset: the note
                        buffer alone is 801 bytes, a million times) */
    row->point_id = row->index_tenths = 0;
    row->number[0] = row->serial[0] = row->read_on[0] = row->note[0] = '\0';
    *got = false;
    if (im->done)
        return ERR_OK;
    enum err rc = next_csv_row(im, got);
    if (rc && im->csv.failed) {
        *got = false;
        im->done = true;
        readings_import_error(im, im->csv.error_line, RT_COUNT, "format",
                              im->csv.message);
        return rc;
    }
    if (!*got) {
        im->done = true;
        return ERR_OK;
    }
    row->line = im->cur_line = im->csv.row_line;
    im->cur_failed = false;
    if (++im->rows > READINGS_IMPORT_ROWS_MAX) {
        im->rows--;
        im->done = true;
        *got = false;
        readings_import_error(im, row->line, RT_COUNT, "too_many_rows",
                              "行数が上限（2,000,000 行）を超えています");
        return err_fail(ERR_IMPORT_FORMAT, "行数が上限を超えています");
    }
    if (im->csv.ragged)
        readings_import_error(im, row->line, RT_COUNT, "columns",
                              im->csv.message);
    else
        check_row(im, row);
    row->ok = !im->cur_failed;
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Numbers                                                                */
/* ---------------------------------------------------------------------- */

size_t
readings_import_rows(const struct readings_import *im)
{
    return im->rows;
}

size_t
readings_import_valid(const struct readings_import *im)
{
    return im->rows - im->failed;
}

size_t
readings_import_error_count(const struct readings_import *im)
{
    return im->nerrors;
}

enum charset
readings_import_charset(const struct readings_import *im)
{
    return im->charset;
}

const char *
readings_import_digest(const struct readings_import *im)
{
    return im->digest;
}

size_t
readings_import_bytes(const struct readings_import *im)
{
    return im->bytes;
}

bool
readings_import_bulk(const struct readings_import *im)
{
    return im->bulk > 0 || (im->bulk == 0 && im->bytes >= READINGS_BULK_BYTES);
}

json_t *
readings_import_summary(const struct readings_import *im, bool dry_run)
{
    json_t *cols = json_array(), *ignored = json_array();
    for (size_t c = 0; c < im->ncols; c++) {
        if (im->target[c] < 0)
            json_array_append_new(ignored, json_string(im->label[c]));
        else
            json_array_append_new(
                cols, json_pack("{s:s, s:s}", "column", im->label[c], "field",
                                readings_target_names[im->target[c]]));
    }
    return json_pack(
        "{s:b, s:s, s:I, s:I, s:I, s:O, s:b, s:o, s:o}", "dry_run", dry_run,
        "charset", charset_name(im->charset), "rows", (json_int_t)im->rows,
        "valid", (json_int_t)(im->rows - im->failed), "error_count",
        (json_int_t)im->nerrors, "errors", im->errors, "errors_truncated",
        im->nerrors > json_array_size(im->errors), "columns", cols,
        "ignored_columns", ignored);
}
