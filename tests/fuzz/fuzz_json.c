/*
 * fuzz_json.c — libFuzzer target for src/core/json.c: any bytes through
 * json_parse(); when the result is an object, through the field checks
 * (jcheck_str, jcheck_int, jcheck_only) and back out with json_to_buf().
 *
 * Checks what json.h promises: a string jcheck_str hands out is valid UTF-8,
 * within its length in characters and free of control characters (except
 * \n and \t when multiline); an integer jcheck_int hands out is in range.
 */
#include "core/json.h"

#include <stdlib.h>

/* A control byte that the checks should have refused. */
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

static void
check_str(const char *s, size_t max, bool multiline)
{
    if (!s)
        return;
    size_t chars = utf8_chars(s);
    if (chars == SIZE_MAX || chars > max)
        abort();
    if (has_control(s, multiline))
        abort();
}

static void
check_object(const json_t *obj)
{
    static const char *const allowed[] = {"name", "note", "n", NULL};
    struct jcheck c;
    const char *name, *note;
    int64_t n = 0;
    bool present;
    jcheck_init(&c);
    jcheck_only(&c, obj, allowed);
    jcheck_str(&c, obj, "name", 20, JSTR_REQUIRED, &name);
    jcheck_str(&c, obj, "note", 200, JSTR_MULTILINE, &note);
    jcheck_int(&c, obj, "n", -1000, 1000, false, &n, &present);
    check_str(name, 20, false);
    if (name && !*name)
        abort(); /* required means non-empty */
    check_str(note, 200, true);
    if (present && (n < -1000 || n > 1000))
        abort();
    if (jcheck_ok(&c) != (json_array_size(c.errors) == 0))
        abort();
    jcheck_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    if (json_parse((const char *)data, size, &v) != ERR_OK) {
        if (v)
            abort();
        return 0;
    }
    if (json_is_object(v))
        check_object(v);
    struct buf b;
    buf_init(&b, 1 << 20);
    if (json_to_buf(v, &b) == ERR_OK) {
        /* What we write, we can read back. */
        json_t *again = NULL;
        if (json_parse(b.data, b.len, &again) != ERR_OK)
            abort();
        json_decref(again);
    }
    buf_free(&b);
    json_decref(v);
    return 0;
}
