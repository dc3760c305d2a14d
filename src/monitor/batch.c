/*
 * batch.c — parsing and validating a device's batch (batch.h has the
 * format), and rendering each message canonically.
 *
 * The parser walks the JSON once. Field errors name the place
 * ("messages[12].at") and are capped at BATCH_ERRORS_MAX, so a bad batch
 * of 5,000 messages gets a short answer; the count of the others is given
 * in one last error. Strings are checked against narrow character sets
 * before they are written into the canonical text, so nothing in it
 * needs escaping.
 */
#include "core/xalloc.h"
#include "monitor/batch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Time and index                                                         */
/* ---------------------------------------------------------------------- */

/* n decimal digits at s into *v; false unless all are digits. */
static bool
digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int
month_days(int y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : md[m - 1];
}

/* "±HH:MM" or "Z" at p (the end of the string): minutes east of UTC. */
static bool
offset_parse(const char *p, int *minutes)
{
    int oh, om;
    if (p[0] == 'Z' && p[1] == '\0') {
        *minutes = 0;
        return true;
    }
    if ((p[0] != '+' && p[0] != '-') || !digits(p + 1, 2, &oh) || p[3] != ':' ||
        !digits(p + 4, 2, &om) || p[6] != '\0' || oh > 14 || om > 59)
        return false;
    *minutes = (p[0] == '-' ? -1 : 1) * (oh * 60 + om);
    return true;
}

bool
batch_time_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, frac = 0, off;
    if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
        !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
        (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
        s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 3)
                frac = frac * 10 + (*p - '0');
        if (n == 0 || n > 9)
            return false;
        for (; n < 3; n++)
            frac *= 10;
    }
    if (!offset_parse(p, &off) || y < 2000 || y > 2999 || mo < 1 || mo > 12 ||
        d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || sec > 59)
        return false;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
                (int64_t)off * 60;
    *ms = t * 1000 + frac;
    return true;
}

void
batch_time_format(int64_t ms, char out[32])
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    /* civil_from_days (H. Hinnant) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y, (int)m,
             (int)d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60),
             (int)(ms - secs * 1000));
}

bool
batch_index_parse(const char *s, int64_t *tenths)
{
    size_t whole = s ? strspn(s, "0123456789") : 0;
    if (whole < 1 || whole > 8)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < whole; i++)
        v = v * 10 + (s[i] - '0');
    v *= 10;
    const char *p = s + whole;
    if (*p == '.') {
        if (p[1] < '0' || p[1] > '9' || p[2] != '\0')
            return false;
        v += p[1] - '0';
    } else if (*p) {
        return false;
    }
    *tenths = v;
    return true;
}

/* ---------------------------------------------------------------------- */
/* Field errors                                                           */
/* ---------------------------------------------------------------------- */

struct pctx {
    struct jcheck *k;
    size_t nerr;   /* errors found, including those not reported */
    size_t msg;    /* the message being checked */
    bool in_msg;   /* field names are messages[msg].key */
    bool overflow; /* the canonical text passed its maximum */
    struct batch *b;
    enum device_kind dk;
};

static void
fail(struct pctx *c, const char *key, const char *code, const char *msg_ja)
{
    char field[64];
    if (c->nerr++ >= BATCH_ERRORS_MAX)
        return;
    /* an unknown key is the client's text: named only when plain */
    if (key &&
        (strlen(key) > 32 ||
         strspn(key, "abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(key)))
        key = NULL;
    if (c->in_msg && key)
        snprintf(field, sizeof(field), "messages[%zu].%s", c->msg, key);
    else if (c->in_msg)
        snprintf(field, sizeof(field), "messages[%zu]", c->msg);
    else
        snprintf(field, sizeof(field), "%s", key ? key : "");
    jcheck_add(c->k, field, code, msg_ja);
}

/* obj's keys must all be in allowed (NULL-ended). */
static void
only(struct pctx *c, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        const char *const *a = allowed;
        while (*a && strcmp(*a, key))
            a++;
        if (!*a)
            fail(c, key, "unknown",
                 "仕様にない項目が含まれています（項目名を確認してください）");
    }
}

/* A string member drawn from set, 1..max bytes; NULL when absent. */
static const char *
str_of(struct pctx *c, json_t *obj, const char *key, size_t max,
       const char *set, bool required, const char *msg_ja)
{
    json_t *v = json_object_get(obj, key);
    if (!v || (json_is_null(v) && !required)) {
        if (required)
            fail(c, key, "required", "必須項目です");
        return NULL;
    }
    const char *s = json_string_value(v);
    size_t n = s ? json_string_length(v) : 0;
    if (!s || n < 1 || n > max || strlen(s) != n || strspn(s, set) != n) {
        fail(c, key, s ? "format" : "type", msg_ja);
        return NULL;
    }
    return s;
}

/* An integer member in [lo, hi]; false when absent or bad. */
static bool
int_of(struct pctx *c, json_t *obj, const char *key, int64_t lo, int64_t hi,
       bool required, int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            fail(c, key, "required", "必須項目です");
        return false;
    }
    if (!json_is_integer(v)) {
        fail(c, key, "type", "整数で指定してください");
        return false;
    }
    json_int_t i = json_integer_value(v);
    if (i < lo || i > hi) {
        char msg[96];
        snprintf(msg, sizeof(msg),
                 "%" PRId64 " から %" PRId64 " の範囲で指定してください", lo,
                 hi);
        fail(c, key, "range", msg);
        return false;
    }
    *out = i;
    return true;
}

/* ---------------------------------------------------------------------- */
/* Messages                                                               */
/* ---------------------------------------------------------------------- */

#define DIGITS "0123456789"
#define CODE_SET                                                               \
    DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.:-"
#define INDEX_SET DIGITS "."
#define INDEX_MSG                                                              \
    "指針は \"1234.5\" のように m³ の文字列（小数1桁まで）で指定してください"

/* Append "," "key":"value" etc. to the canonical text; a full buffer is
 * caught by the caller through b->text's maximum. */
static void put(struct pctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct pctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (buf_vprintf(&c->b->text, fmt, ap))
        c->overflow = true;
    va_end(ap);
}

static void
index_put(struct pctx *c, int64_t tenths)
{
    put(c, ",\"index\":\"%" PRId64 ".%" PRId64 "\"", tenths / 10, tenths % 10);
}

static void
reading_parse(struct pctx *c, json_t *m)
{
    static const char *const keys[] = {"seq", "kind", "at", "index", NULL};
    int64_t tenths;
    only(c, m, keys);
    const char *s = str_of(c, m, "index", 12, INDEX_SET, true, INDEX_MSG);
    if (s && !batch_index_parse(s, &tenths))
        fail(c, "index", "format", INDEX_MSG);
    else if (s)
        index_put(c, tenths);
}

static void
event_parse(struct pctx *c, json_t *m)
{
    static const char *const keys[] = {"seq",  "kind",  "at", "event",
                                       "code", "index", NULL};
    int64_t tenths;
    only(c, m, keys);
    const char *e = str_of(c, m, "event", 32, CODE_SET, true,
                           "警報・遮断の種類が正しくありません");
    if (e && !meter_event_find(e)) {
        fail(c, "event", "unknown", "警報・遮断の種類が正しくありません");
        e = NULL;
    }
    const char *code =
        str_of(c, m, "code", 32, CODE_SET, false,
               "メーカーコードは英数字と _ . : - の1〜32文字です");
    const char *ix = str_of(c, m, "index", 12, INDEX_SET, false, INDEX_MSG);
    if (ix && !batch_index_parse(ix, &tenths)) {
        fail(c, "index", "format", INDEX_MSG);
        ix = NULL;
    }
    if (e)
        put(c, ",\"event\":\"%s\"", e);
    if (code)
        put(c, ",\"code\":\"%s\"", code);
    if (ix)
        index_put(c, tenths);
}

static void
heater_parse(struct pctx *c, json_t *m)
{
    static const char *const keys[] = {"seq",   "kind",      "at", "error",
                                       "hours", "ignitions", NULL};
    enum severity sev;
    const char *label;
    int64_t hours, ign;
    only(c, m, keys);
    const char *code = str_of(c, m, "error", 3, DIGITS, false,
                              "エラーコードは3桁の数字（例 \"111\"）です");
    if (code && !heater_code_parse(code, &sev, &label)) {
        fail(c, "error", "format", "エラーコードは3桁の数字（例 \"111\"）です");
        code = NULL;
    }
    if (code)
        put(c, ",\"error\":\"%s\"", code);
    else
        put(c, ",\"error\":null");
    if (int_of(c, m, "hours", 0, 10000000, false, &hours))
        put(c, ",\"hours\":%" PRId64, hours);
    if (int_of(c, m, "ignitions", 0, 1000000000, false, &ign))
        put(c, ",\"ignitions\":%" PRId64, ign);
}

static void
heartbeat_parse(struct pctx *c, json_t *m)
{
    static const char *const keys[] = {"seq",        "kind", "at",
                                       "battery_mv", "rssi", NULL};
    int64_t mv, rssi;
    only(c, m, keys);
    if (int_of(c, m, "battery_mv", 0, 10000, false, &mv))
        put(c, ",\"battery_mv\":%" PRId64, mv);
    if (int_of(c, m, "rssi", -200, 0, false, &rssi))
        put(c, ",\"rssi\":%" PRId64, rssi);
}

/* The common members; false when the kind cannot be told (the rest of
 * the message is then not checked). */
static bool
common_parse(struct pctx *c, json_t *m, struct batch_msg *out, int64_t prev)
{
    int64_t seq = 0;
    bool has_seq = int_of(c, m, "seq", 1, BATCH_SEQ_MAX, true, &seq);
    if (has_seq && seq <= prev)
        fail(c, "seq", "order",
             "seq はバッチ内で前のメッセージより大きい値にしてください");
    const char *at = json_string_value(json_object_get(m, "at"));
    if (!json_object_get(m, "at"))
        fail(c, "at", "required", "必須項目です");
    else if (!at || !batch_time_parse(at, &out->at_ms))
        fail(c, "at", "format",
             "日時は 2026-11-10T06:00:00+09:00 の形式（秒・時差付き）で指定"
             "してください");
    const char *kind = json_string_value(json_object_get(m, "kind"));
    int k = msg_kind_parse(kind);
    if (k < 0) {
        fail(c, "kind", kind ? "unknown" : "required",
             "kind は reading、event、heater_status、heartbeat のいずれかです");
        return false;
    }
    if (!monitor_msg_allowed(c->dk, (enum msg_kind)k)) {
        fail(c, "kind", "not_allowed",
             "この種類の機器からは送れないメッセージです");
        return false;
    }
    out->seq = has_seq ? seq : prev;
    out->kind = (enum msg_kind)k;
    return true;
}

static void
msg_parse(struct pctx *c, json_t *m, int64_t prev)
{
    struct batch *b = c->b;
    struct batch_msg *out = &b->msgs[b->n];
    char at[32];
    if (!json_is_object(m)) {
        fail(c, NULL, "type", "メッセージはオブジェクトで指定してください");
        return;
    }
    memset(out, 0, sizeof(*out));
    size_t nerr = c->nerr, start = b->text.len;
    if (!common_parse(c, m, out, prev))
        return;
    batch_time_format(out->at_ms, at);
    put(c, "{\"seq\":%" PRId64 ",\"kind\":\"%s\",\"at\":\"%s\"", out->seq,
        msg_kind_name(out->kind), at);
    static void (*const parsers[])(struct pctx *, json_t *) = {
        reading_parse, event_parse, heater_parse, heartbeat_parse};
    parsers[out->kind](c, m);
    put(c, "}");
    if (c->nerr != nerr) {
        b->text.len = start; /* drop what was rendered of a bad message */
        return;
    }
    out->off = (uint32_t)start;
    out->len = (uint32_t)(b->text.len - start);
    b->n++;
}

enum err
batch_message_parse(json_t *m, enum device_kind dk, struct batch *b,
                    struct jcheck *k)
{
    struct pctx c = {.k = k, .b = b, .dk = dk};
    b->msgs = xrealloc(b->msgs, (b->n + 1) * sizeof(*b->msgs));
    msg_parse(&c, m, 0);
    if (c.nerr == 0 && c.overflow)
        fail(&c, "message", "too_large", "メッセージが大きすぎます");
    return c.nerr ? err_fail(ERR_INVALID, "メッセージに %zu 件の誤りがあります",
                             c.nerr)
                  : ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* The batch                                                              */
/* ---------------------------------------------------------------------- */

void
batch_init(struct batch *b)
{
    memset(b, 0, sizeof(*b));
    buf_init(&b->text, BATCH_TEXT_MAX);
}

void
batch_free(struct batch *b)
{
    free(b->msgs);
    buf_free(&b->text);
    batch_init(b);
}

static void
top_parse(struct pctx *c, json_t *root, const char *device_id,
          json_t **messages)
{
    static const char *const keys[] = {"device_id", "sent_at", "messages",
                                       NULL};
    only(c, root, keys);
    const char *dev = json_string_value(json_object_get(root, "device_id"));
    if (!dev)
        fail(c, "device_id", "required", "必須項目です");
    else if (strcmp(dev, device_id) != 0 || strlen(dev) > DEVICE_ID_MAX)
        fail(c, "device_id", "mismatch",
             "device_id が X-Device-Id ヘッダーと一致しません");
    else
        snprintf(c->b->device_id, sizeof(c->b->device_id), "%s", dev);
    json_t *sent = json_object_get(root, "sent_at");
    if (sent && !json_is_null(sent) &&
        !batch_time_parse(json_string_value(sent), &c->b->sent_ms))
        fail(c, "sent_at", "format",
             "日時は 2026-11-10T06:00:05+09:00 の形式で指定してください");
    *messages = json_object_get(root, "messages");
    size_t n = json_array_size(*messages);
    if (!json_is_array(*messages) || n == 0)
        fail(c, "messages", "required",
             "messages に1件以上のメッセージを配列で指定してください");
    else if (n > BATCH_MESSAGES_MAX)
        fail(c, "messages", "too_many",
             "1つのバッチに入れられるメッセージは5,000件までです");
}

enum err
batch_parse(const char *body, size_t len, const char *device_id,
            enum device_kind dk, struct batch *b, struct jcheck *k)
{
    json_t *root, *messages = NULL, *m;
    size_t i;
    enum err rc = json_parse(body, len, &root);
    if (rc)
        return rc;
    struct pctx c = {.k = k, .b = b, .dk = dk};
    if (!json_is_object(root))
        fail(&c, "", "type", "JSON オブジェクトで送信してください");
    else
        top_parse(&c, root, device_id, &messages);
    if (c.nerr == 0) {
        b->msgs = xcalloc(json_array_size(messages), sizeof(*b->msgs));
        c.in_msg = true;
        json_array_foreach(messages, i, m)
        {
            c.msg = i;
            msg_parse(&c, m, b->n ? b->msgs[b->n - 1].seq : 0);
        }
        c.in_msg = false;
    }
    if (c.nerr == 0 && c.overflow)
        fail(&c, "messages", "too_large", "バッチが大きすぎます");
    json_decref(root);
    if (c.nerr > BATCH_ERRORS_MAX) {
        char msg[96];
        snprintf(msg, sizeof(msg), "ほかに %zu 件の誤りがあります",
                 c.nerr - BATCH_ERRORS_MAX);
        jcheck_add(k, "messages", "more_errors", msg);
    }
    if (c.nerr == 0)
        return ERR_OK;
    return err_fail(ERR_INGEST_BATCH_INVALID, "バッチに %zu 件の誤りがあります",
                    c.nerr);
}
