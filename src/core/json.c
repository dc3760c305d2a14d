/*
 * json.c — jansson wrappers and field validation.
 */
#include "core/json.h"

#include <stdint.h>
#include <string.h>

enum err
json_parse(const char *p, size_t n, json_t **out)
{
    json_error_t je;
    *out = json_loadb(p, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!*out)
        return err_fail(ERR_HTTP_BAD_JSON, "line %d, column %d: %s", je.line,
                        je.column, je.text);
    return ERR_OK;
}

static int
dump_cb(const char *p, size_t n, void *data)
{
    return buf_append(data, p, n) == ERR_OK ? 0 : -1;
}

enum err
json_to_buf(const json_t *v, struct buf *b)
{
    if (json_dump_callback(v, dump_cb, b, JSON_COMPACT | JSON_PRESERVE_ORDER))
        return ERR_TOO_LARGE;
    return ERR_OK;
}

void
jcheck_init(struct jcheck *c)
{
    c->errors = json_array();
}

void
jcheck_free(struct jcheck *c)
{
    json_decref(c->errors);
    c->errors = NULL;
}

void
jcheck_add(struct jcheck *c, const char *field, const char *code,
           const char *message_ja)
{
    json_array_append_new(c->errors,
                          json_pack("{s:s, s:s, s:s}", "field", field, "code",
                                    code, "message", message_ja));
}

bool
jcheck_ok(const struct jcheck *c)
{
    return json_array_size(c->errors) == 0;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 when ill-formed. */
static size_t
utf8_seq(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

size_t
utf8_chars(const char *s)
{
    size_t chars = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_seq(p);
        if (!n)
            return SIZE_MAX;
        p += n;
        chars++;
    }
    return chars;
}

static bool
has_control(const char *s, bool multiline)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (multiline && (*p == '\n' || *p == '\t'))
            continue;
        if (*p < 0x20 || *p == 0x7F)
            return true;
    }
    return false;
}

void
jcheck_str(struct jcheck *c, const json_t *obj, const char *key,
           size_t max_chars, unsigned flags, const char **out)
{
    *out = NULL;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (flags & JSTR_REQUIRED)
            jcheck_add(c, key, "required", "必須項目です");
        return;
    }
    if (!json_is_string(v)) {
        jcheck_add(c, key, "type", "文字列で指定してください");
        return;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v) ||
        has_control(s, flags & JSTR_MULTILINE)) {
        jcheck_add(c, key, "control_char",
                   "使用できない制御文字が含まれています");
        return;
    }
    if (utf8_chars(s) > max_chars) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%zu 文字以内で入力してください", max_chars);
        jcheck_add(c, key, "too_long", msg);
        return;
    }
    if ((flags & JSTR_REQUIRED) && !*s) {
        jcheck_add(c, key, "required", "必須項目です");
        return;
    }
    *out = s;
}

void
jcheck_int(struct jcheck *c, const json_t *obj, const char *key, int64_t min,
           int64_t max, bool required, int64_t *out, bool *present)
{
    *present = false;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required)
            jcheck_add(c, key, "required", "必須項目です");
        return;
    }
    if (!json_is_integer(v)) {
        jcheck_add(c, key, "type", "整数で指定してください");
        return;
    }
    json_int_t i = json_integer_value(v);
    if (i < min || i > max) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%lld から %lld の範囲で指定してください",
                 (long long)min, (long long)max);
        jcheck_add(c, key, "range", msg);
        return;
    }
    *out = i;
    *present = true;
}

void
jcheck_only(struct jcheck *c, const json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        if (!ok)
            jcheck_add(c, key, "unknown_field", "不明な項目です");
    }
}
