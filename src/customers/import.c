/*
 * import.c — 顧客台帳の取込: the job, column mapping and row checks (no
 * I/O; the SQL is in import_store.c, the run against a store in
 * import_run.c).
 *
 * Targets. A column is mapped to one target: a customer field ("number",
 * "phone1"...), a supply point field ("point.city"...; the record checked
 * with supply_point_fields), "moved_in" (入居日) or "status". Without a
 * mapping, each heading is folded (charset_fold_key: width, script, case,
 * spaces) and compared with the target's names, Japanese and English,
 * folded the same way, so "電話番号１", "でんわ番号" and "TEL" find phone1.
 * Two columns for one target is a mapping error, never a silent choice.
 *
 * A row becomes a customer record and, when any supply point column of
 * the row is filled, a supply point record; both go through cfield_check,
 * so a file is held to the same rules as the API. kind defaults to
 * household and supply_kind to individual (戸別) when the file has no such
 * column; the summary says so ("defaults").
 *
 * Duplicate numbers inside the file are found here (a hash set of the
 * numbers seen, with their lines); against the ledger in import_run.c.
 */
#include "customers/import.h"
#include "auth/crypto.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "customers/customers.h"
#include "customers/import_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Targets                                                                */
/* ---------------------------------------------------------------------- */

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct word kinds[] = {
    {"household", "household"}, {"個人", "household"},
    {"家庭", "household"},      {"家庭用", "household"},
    {"一般", "household"},      {"business", "business"},
    {"法人", "business"},       {"業務", "business"},
    {"業務用", "business"},     {"事業", "business"},
    {"事業所", "business"},     {NULL, NULL},
};

static const struct word statuses[] = {
    {"active", "active"},  {"有効", "active"},         {"契約中", "active"},
    {"使用中", "active"},  {"suspended", "suspended"}, {"休止", "suspended"},
    {"停止", "suspended"}, {"closed", "closed"},       {"解約", "closed"},
    {NULL, NULL},
};

static const struct word supply_kinds[] = {
    {"individual", "individual"},
    {"戸別", "individual"},
    {"個別", "individual"},
    {"bulk", "bulk"},
    {"バルク", "bulk"},
    {"collective", "collective"},
    {"集合", "collective"},
    {"集合住宅", "collective"},
    {NULL, NULL},
};

const struct target import_targets[] = {
    {"number", "顧客番号", T_CUSTOMER, V_CODE, NULL,
     A("顧客番号", "顧客コード", "顧客No", "顧客ID", "お客様番号",
       "得意先コード", "得意先番号", "需要家番号", "number",
       "customer_number")},
    {"name", "氏名", T_CUSTOMER, V_TEXT, NULL,
     A("氏名", "名前", "顧客名", "お客様名", "得意先名", "需要家名", "name")},
    {"kana", "フリガナ", T_CUSTOMER, V_TEXT, NULL,
     A("フリガナ", "カナ", "氏名カナ", "氏名フリガナ", "顧客名カナ", "カナ氏名",
       "得意先カナ", "kana")},
    {"kind", "区分", T_CUSTOMER, V_WORD, kinds,
     A("区分", "顧客区分", "種別", "顧客種別", "個人法人", "kind")},
    {"phone1", "電話番号", T_CUSTOMER, V_CODE, NULL,
     A("電話番号", "電話", "電話1", "電話番号1", "TEL", "TEL1", "phone",
       "phone1")},
    {"phone2", "電話番号2", T_CUSTOMER, V_CODE, NULL,
     A("電話2", "電話番号2", "携帯", "携帯電話", "携帯番号", "TEL2", "mobile",
       "phone2")},
    {"email", "メール", T_CUSTOMER, V_CODE, NULL,
     A("メール", "メールアドレス", "Eメール", "mail", "email")},
    {"postal_code", "郵便番号", T_CUSTOMER, V_POSTAL, NULL,
     A("郵便番号", "〒", "postal_code", "zip")},
    {"prefecture", "都道府県", T_CUSTOMER, V_TEXT, NULL,
     A("都道府県", "prefecture")},
    {"address", "住所", T_CUSTOMER, V_TEXT, NULL,
     A("住所", "住所1", "所在地", "請求先住所", "address")},
    {"notes", "備考", T_CUSTOMER, V_NOTE, NULL,
     A("備考", "メモ", "摘要", "notes", "note")},
    {"status", "状態", T_STATUS, V_WORD, statuses,
     A("状態", "契約状態", "顧客状態", "status")},
    {"point.prefecture", "供給地点の都道府県", T_POINT, V_TEXT, NULL,
     A("供給地点都道府県", "供給先都道府県", "point.prefecture")},
    {"point.city", "供給地点の市区町村", T_POINT, V_TEXT, NULL,
     A("供給地点市区町村", "供給先市区町村", "point.city")},
    {"point.street", "供給地点の番地", T_POINT, V_TEXT, NULL,
     A("供給地点番地", "供給地点町名番地", "供給先番地", "point.street")},
    {"point.building", "供給地点の建物", T_POINT, V_TEXT, NULL,
     A("供給地点建物", "供給地点建物名", "建物名", "point.building")},
    {"point.room", "供給地点の部屋", T_POINT, V_TEXT, NULL,
     A("供給地点部屋", "部屋番号", "号室", "point.room")},
    {"point.lat", "緯度", T_POINT, V_CODE, NULL, A("緯度", "point.lat")},
    {"point.lng", "経度", T_POINT, V_CODE, NULL, A("経度", "point.lng")},
    {"point.supply_kind", "供給区分", T_POINT, V_WORD, supply_kinds,
     A("供給区分", "供給方式", "供給形態", "point.supply_kind")},
    {"point.route", "検針順路", T_POINT, V_TEXT, NULL,
     A("検針順路", "順路", "検針コース", "point.route")},
    {"point.route_order", "順番", T_POINT, V_INT, NULL,
     A("順番", "検針順", "検針順番", "順路順", "point.route_order")},
    {"point.billing_group", "締め日", T_POINT, V_CLOSING, NULL,
     A("締め日", "締日", "検針締日", "point.billing_group")},
    {"point.notes", "検針メモ", T_POINT, V_NOTE, NULL,
     A("検針メモ", "検針注意", "注意事項", "供給地点メモ", "point.notes")},
    {"moved_in", "入居日", T_MOVED_IN, V_DATE, NULL,
     A("入居日", "使用開始日", "開始日", "moved_in")},
    {NULL, NULL, 0, 0, NULL, NULL},
};

const char *const import_target_names[] = {
    "number",
    "name",
    "kana",
    "kind",
    "phone1",
    "phone2",
    "email",
    "postal_code",
    "prefecture",
    "address",
    "notes",
    "status",
    "point.prefecture",
    "point.city",
    "point.street",
    "point.building",
    "point.room",
    "point.lat",
    "point.lng",
    "point.supply_kind",
    "point.route",
    "point.route_order",
    "point.billing_group",
    "point.notes",
    "moved_in",
    NULL,
};

/* Clearer messages for a refused word than the API's (which names only
 * the codes). */
static const struct {
    const char *target, *message;
} word_messages[] = {
    {"kind", "個人・法人（household・business）のいずれかを入力してください"},
    {"point.supply_kind",
     "戸別・バルク・集合（individual・bulk・collective）のいずれかを入力して"
     "ください"},
    {"status", "有効・休止・解約（active・suspended・closed）のいずれかを入力"
               "してください"},
};

/* The message for a refused word of target. */
static const char *
word_message(const char *target, const char *fallback)
{
    for (size_t w = 0; w < sizeof(word_messages) / sizeof(word_messages[0]);
         w++)
        if (!strcmp(word_messages[w].target, target))
            return word_messages[w].message;
    return fallback;
}

int
import_target_find(const char *name)
{
    for (int i = 0; import_targets[i].name; i++)
        if (!strcmp(import_targets[i].name, name))
            return i;
    return -1;
}

/* ---------------------------------------------------------------------- */
/* Numbers seen (an open-addressing hash set)                             */
/* ---------------------------------------------------------------------- */

struct seen_slot {
    char number[CUSTOMER_NUMBER_MAX + 1]; /* "" = free */
    size_t line;
};

static uint64_t
hash_number(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct seen_slot *
seen_slot(struct seen_slot *slots, size_t cap, const char *number)
{
    size_t i = hash_number(number) & (cap - 1);
    while (slots[i].number[0] && strcmp(slots[i].number, number))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static void
seen_grow(struct import *im)
{
    size_t cap = im->seen_cap ? im->seen_cap * 2 : 1024;
    struct seen_slot *slots = xcalloc(cap, sizeof(*slots));
    for (size_t i = 0; i < im->seen_cap; i++)
        if (im->seen[i].number[0])
            *seen_slot(slots, cap, im->seen[i].number) = im->seen[i];
    free(im->seen);
    im->seen = slots;
    im->seen_cap = cap;
}

/* The line number was first seen on, or 0 after noting it on line. */
static size_t
seen_add(struct import *im, const char *number, size_t line)
{
    if ((im->seen_used + 1) * 10 > im->seen_cap * 7)
        seen_grow(im);
    struct seen_slot *s = seen_slot(im->seen, im->seen_cap, number);
    if (s->number[0])
        return s->line;
    snprintf(s->number, sizeof(s->number), "%s", number);
    s->line = line;
    im->seen_used++;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

/* The heading of the column mapped to target t, NULL when none. */
static const char *
column_of(const struct import *im, int t)
{
    return t >= 0 && im->by_target[t] >= 0 ? im->col[im->by_target[t]].label
                                           : NULL;
}

void
import_error(struct import *im, size_t line, const char *target,
             const char *code, const char *message)
{
    im->nerrors++;
    im->row_errors++;
    if (json_array_size(im->errors) >= IMPORT_ERRORS_MAX)
        return;
    const char *column =
        target ? column_of(im, import_target_find(target)) : NULL;
    json_array_append_new(im->errors,
                          json_pack("{s:I, s:s?, s:s?, s:s, s:s}", "line",
                                    (json_int_t)line, "field", target, "column",
                                    column, "code", code, "message", message));
}

/* Move the field errors of one cfield_check onto the job, the field names
 * prefixed (prefix "point." for supply point fields). */
static void
take_errors(struct import *im, size_t line, const char *prefix,
            struct jcheck *k)
{
    size_t i;
    json_t *e;
    json_array_foreach(k->errors, i, e)
    {
        char target[64];
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        snprintf(target, sizeof(target), "%s%s", prefix,
                 json_string_value(json_object_get(e, "field")));
        if (!strcmp(code, "format"))
            msg = word_message(target, msg);
        import_error(im, line, target, code, msg);
    }
    jcheck_free(k);
}

/* ---------------------------------------------------------------------- */
/* The job                                                                */
/* ---------------------------------------------------------------------- */

static enum err
decode(struct import *im, const char *data, size_t n, enum charset cs)
{
    crypto_digest_hex(data, n, im->digest);
    im->bytes = n;
    return charset_decode_file(data, n, IMPORT_BYTES_MAX, cs, &im->text,
                               &im->len, &im->charset);
}

enum err
import_open(const char *data, size_t n, const struct import_opts *o,
            struct import **out)
{
    struct import *im = xcalloc(1, sizeof(*im));
    im->errors = json_array();
    for (size_t t = 0; t < IMPORT_TARGETS_MAX; t++)
        im->by_target[t] = -1;
    enum err rc = decode(im, data, n, o->charset);
    if (!rc) {
        csv_init(&im->csv, im->text, im->len);
        rc = import_map(im, o);
    }
    if (rc) {
        import_free(im);
        im = NULL;
    }
    *out = im;
    return rc;
}

void
import_free(struct import *im)
{
    if (!im)
        return;
    csv_free(&im->csv);
    for (size_t i = 0; i < im->ncols; i++)
        free(im->col[i].label);
    json_decref(im->errors);
    free(im->seen);
    free(im->text);
    free(im);
}

void
import_row_clear(struct import_row *row)
{
    json_decref(row->customer);
    json_decref(row->point);
    if (row->search) {
        search_entry_free(row->search);
        free(row->search);
    }
    memset(row, 0, sizeof(*row));
}

static const char *
str_at(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The row's search entry, as search_store.c would build it from the
 * store: worked out here, on the reader's thread, so the writer only
 * stores it. Left NULL when anything fails (the writer then refreshes). */
static void
prepare_search(struct import_row *row)
{
    const json_t *c = row->customer, *p = row->point;
    const struct search_customer sc = {
        str_at(c, "number"),      str_at(c, "name"),       str_at(c, "kana"),
        str_at(c, "phone1"),      str_at(c, "phone2"),     str_at(c, "email"),
        str_at(c, "postal_code"), str_at(c, "prefecture"), str_at(c, "address"),
    };
    const char *const part[5] = {str_at(p, "prefecture"), str_at(p, "city"),
                                 str_at(p, "street"), str_at(p, "building"),
                                 str_at(p, "room")};
    struct search_entry *e = xmalloc(sizeof(*e));
    search_entry_init(e);
    enum err rc = search_entry_customer(e, &sc);
    if (!rc && p)
        rc = search_entry_point(e, part, NULL);
    if (!rc)
        rc = search_entry_finish(e);
    if (rc) {
        search_entry_free(e);
        free(e);
        return;
    }
    row->search = e;
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

/* Put column i's value (prepared for its target) where it belongs. */
static void
place(struct import *im, struct import_row *row, size_t i, json_t *point)
{
    const struct target *t = &import_targets[im->col[i].target];
    char tmp[CSV_FIELD_MAX + 1];
    json_t *v = import_value(t, im->csv.field[i], tmp, sizeof(tmp));
    const char *s;
    if (!v)
        return;
    switch (t->kind) {
    case T_POINT:
        json_object_set_new(point, t->name + 6, v); /* after "point." */
        break;
    case T_MOVED_IN: /* too long to be a date: refused by check_point */
        s = json_string_value(v);
        snprintf(row->moved_in, sizeof(row->moved_in), "%s",
                 strlen(s) < sizeof(row->moved_in) ? s : "invalid");
        json_decref(v);
        break;
    default: /* customer fields; status is taken out by check_status */
        json_object_set_new(row->customer, t->name, v);
        break;
    }
}

static void
check_status(struct import *im, struct import_row *row)
{
    const char *v = json_string_value(json_object_get(row->customer, "status"));
    if (!v)
        return;
    if (!strcmp(v, "suspended") || !strcmp(v, "closed"))
        row->status = !strcmp(v, "closed") ? "closed" : "suspended";
    else if (strcmp(v, "active"))
        import_error(im, row->line, "status", "format",
                     word_message("status", NULL));
    json_object_del(row->customer, "status");
}

static void
check_point(struct import *im, struct import_row *row, json_t *point)
{
    struct jcheck k;
    if (!json_object_size(point) && !row->moved_in[0]) {
        json_decref(point); /* no supply point on this row */
        return;
    }
    if (!json_object_get(point, "supply_kind")) /* no column, or blank */
        json_object_set_new(point, "supply_kind", json_string("individual"));
    jcheck_init(&k);
    cfield_check(supply_point_fields, point, &k);
    take_errors(im, row->line, "point.", &k);
    row->point = point;
    if (!row->moved_in[0])
        time_today_jst(row->moved_in);
    else if (!time_date_valid(row->moved_in))
        import_error(im, row->line, "moved_in", "format",
                     "入居日は 2024-04-01 または 2024/4/1 の形式で入力して"
                     "ください");
}

/* A number used on an earlier line of the file is an error. */
static void
check_duplicate(struct import *im, struct import_row *row)
{
    const char *number =
        json_string_value(json_object_get(row->customer, "number"));
    if (!number || !customer_number_valid(number))
        return;
    size_t first = seen_add(im, number, row->line);
    if (first) {
        char msg[128];
        snprintf(msg, sizeof(msg),
                 "この顧客番号はファイルの %zu 行目にもあります", first);
        import_error(im, row->line, "number", "duplicate", msg);
    }
}

static void
check_row(struct import *im, struct import_row *row)
{
    struct jcheck k;
    json_t *point = json_object();
    row->customer = json_object();
    for (size_t i = 0; i < im->ncols; i++)
        if (im->col[i].target >= 0)
            place(im, row, i, point);
    if (!json_object_get(row->customer, "kind")) /* no column, or blank */
        json_object_set_new(row->customer, "kind", json_string("household"));
    check_status(im, row);
    jcheck_init(&k);
    cfield_check(customer_fields, row->customer, &k);
    take_errors(im, row->line, "", &k);
    check_point(im, row, point);
    check_duplicate(im, row);
}

/* The next row of the reader, blank ones skipped. */
static enum err
next_csv_row(struct import *im, bool *got)
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
import_next(struct import *im, struct import_row *row, bool *got)
{
    import_row_clear(row);
    *got = false;
    if (im->done)
        return ERR_OK;
    enum err rc = next_csv_row(im, got);
    if (rc && im->csv.failed) {
        import_error(im, im->csv.error_line, NULL, "format", im->csv.message);
        im->done = true;
        return rc;
    }
    if (!*got) {
        im->done = true;
        return ERR_OK;
    }
    row->line = im->csv.row_line;
    if (++im->rows > IMPORT_ROWS_MAX) {
        im->rows--;
        im->done = true;
        import_error(im, row->line, NULL, "too_many_rows",
                     "行数が上限（200,000 行）を超えています");
        return err_fail(ERR_IMPORT_FORMAT, "行数が上限を超えています");
    }
    im->row_errors = 0;
    if (im->csv.ragged)
        import_error(im, row->line, NULL, "columns", im->csv.message);
    else
        check_row(im, row);
    row->ok = im->row_errors == 0;
    if (row->ok)
        prepare_search(row);
    im->valid += row->ok;
    return ERR_OK;
}

/* The row turned out to have a problem after import_next (the ledger). */
void
import_row_failed(struct import *im, struct import_row *row)
{
    if (row->ok)
        im->valid--;
    row->ok = false;
}

size_t
import_rows(const struct import *im)
{
    return im->rows;
}

size_t
import_valid(const struct import *im)
{
    return im->valid;
}

size_t
import_error_count(const struct import *im)
{
    return im->nerrors;
}

enum charset
import_charset(const struct import *im)
{
    return im->charset;
}

const char *
import_digest(const struct import *im)
{
    return im->digest;
}
