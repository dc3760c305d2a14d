/*
 * json.h — JSON helpers over jansson: parsing request bodies, writing
 * responses, and validating fields with errors collected per field.
 *
 * Validation collects every problem in one pass (a user fixing a form wants
 * all of them at once). Each problem is {"field", "code", "message"} where
 * message is Japanese; http/problem.c puts them in the problem's errors[].
 */
#ifndef PL_CORE_JSON_H
#define PL_CORE_JSON_H

#include "core/buf.h"
#include "core/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Parse n bytes as one JSON value. ERR_HTTP_BAD_JSON with the line/column in
 * err_detail() when malformed or with duplicate keys. *out is a new ref. */
enum err json_parse(const char *p, size_t n, json_t **out);
/* Serialize v (compact, key order kept) onto b. */
enum err json_to_buf(const json_t *v, struct buf *b);

/* Collected field errors for one validation pass. */
struct jcheck {
    json_t *errors; /* array; owned */
};

void jcheck_init(struct jcheck *c);
void jcheck_free(struct jcheck *c);
/* Add a problem with a field (JSON pointer-ish name), stable code, message. */
void jcheck_add(struct jcheck *c, const char *field, const char *code,
                const char *message_ja);
/* True when no problem was added. */
bool jcheck_ok(const struct jcheck *c);

enum jstr_flags {
    JSTR_REQUIRED = 1 << 0,  /* missing or null is an error */
    JSTR_MULTILINE = 1 << 1, /* allow \n and \t */
};

/*
 * Read obj[key] as a string of at most max_chars characters (code points),
 * without control characters (unless JSTR_MULTILINE). On a problem, adds a
 * field error and sets *out to NULL. *out borrows from obj.
 */
void jcheck_str(struct jcheck *c, const json_t *obj, const char *key,
                size_t max_chars, unsigned flags, const char **out);
/* Read obj[key] as an integer in [min, max]; *present tells if it was set. */
void jcheck_int(struct jcheck *c, const json_t *obj, const char *key,
                int64_t min, int64_t max, bool required, int64_t *out,
                bool *present);
/* Add an error for every key of obj not listed in allowed (NULL-ended). */
void jcheck_only(struct jcheck *c, const json_t *obj,
                 const char *const *allowed);

/* Number of code points in valid UTF-8 s; SIZE_MAX when s is invalid. */
size_t utf8_chars(const char *s);

#endif
