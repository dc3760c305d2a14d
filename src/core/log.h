/*
 * log.h — structured logging: one JSON object per line on stderr.
 *
 * Each line has "ts" (UTC, ms), "level", "event" (a dotted name such as
 * "http.request"), "req" (the request id, when the thread is serving one)
 * and the caller's fields. Lines are written with one write(2) so lines from
 * different threads never interleave.
 *
 * Never pass secrets, tokens, passwords or full account numbers: the log is
 * read by operators and shipped off the box.
 */
#ifndef PL_CORE_LOG_H
#define PL_CORE_LOG_H

#include <jansson.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

/* Lines below this level are dropped. Default LOG_INFO. */
void log_set_level(enum log_level lvl);
/* Parse "debug"/"info"/"warn"/"error"; -1 when unknown. */
int log_level_parse(const char *s);
/* The request id attached to this thread's lines (NULL clears it). */
void log_set_request(const char *req_id);
/* A line with a "msg" string made from fmt. */
void log_msg(enum log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A line with the given fields; takes ownership of fields (may be NULL). */
void log_fields(enum log_level lvl, const char *event, json_t *fields);

#endif
