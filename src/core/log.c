/*
 * log.c — JSON-lines logger on stderr.
 */
#include "core/log.h"
#include "core/timeutil.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int min_level = LOG_INFO;
static _Thread_local char cur_req[40];

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
log_set_level(enum log_level lvl)
{
    atomic_store(&min_level, (int)lvl);
}

int
log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

void
log_set_request(const char *req_id)
{
    if (!req_id) {
        cur_req[0] = '\0';
        return;
    }
    snprintf(cur_req, sizeof(cur_req), "%s", req_id);
}

void
log_fields(enum log_level lvl, const char *event, json_t *fields)
{
    if ((int)lvl < atomic_load(&min_level)) {
        json_decref(fields);
        return;
    }
    char ts[32];
    time_now_iso(ts);
    json_t *o = json_object();
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "level", json_string(level_names[lvl]));
    json_object_set_new(o, "event", json_string(event));
    if (cur_req[0])
        json_object_set_new(o, "req", json_string(cur_req));
    if (fields)
        json_object_update_missing(o, fields);
    json_decref(fields);
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!line)
        return;
    size_t n = strlen(line);
    line[n] = '\n'; /* replace the NUL; write n+1 bytes in one call */
    ssize_t w = write(STDERR_FILENO, line, n + 1);
    (void)w;
    free(line);
}

void
log_msg(enum log_level lvl, const char *event, const char *fmt, ...)
{
    if ((int)lvl < atomic_load(&min_level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *f = json_object();
    /* json_string rejects invalid UTF-8; keep the line rather than lose it */
    json_t *m = json_string(msg);
    json_object_set_new(f, "msg", m ? m : json_string("(invalid UTF-8)"));
    log_fields(lvl, event, f);
}
