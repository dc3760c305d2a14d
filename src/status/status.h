/*
 * status.h — the status page's pieces: files under DATA/status, the
 * parsers of what components write there, the snapshot the page shows.
 *
 * DATA/status/ is the only thing `pilotlight status` reads (it never opens
 * a store), and the only thing written there is:
 *
 *   heartbeats/<component>.json   one per component (status/heartbeat.h)
 *   notices/<id>.json             incident notices (`status post`):
 *                                 {"id", "level", "title", "body",
 *                                  "posted_at", "resolved_at", "resolution"}
 *   restore-progress.jsonl        a restore's progress (`restore
 *                                 --progress-file`), one JSON object a line:
 *                                 {"time", "store", "phase", "stores_done",
 *                                  "stores_total", "bytes", "bytes_total",
 *                                  "eta_s", "state"}
 *
 * Everything read is bounded (file sizes, file counts, line counts), and a
 * file or line that does not parse is skipped and counted, never fatal:
 * the page must show something whatever state the disk is in. Names read
 * from directories are matched against strict patterns; nothing from the
 * network ever becomes a path.
 */
#ifndef PL_STATUS_STATUS_H
#define PL_STATUS_STATUS_H

#include "core/buf.h"
#include "core/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATUS_NAME_MAX      32        /* component name, bytes */
#define STATUS_FILE_MAX      16384     /* one heartbeat or notice file */
#define STATUS_PROGRESS_MAX  (1 << 20) /* tail of the progress file read */
#define STATUS_LINE_MAX      4096      /* one progress line */
#define STATUS_TITLE_MAX     200       /* notice title, bytes */
#define STATUS_BODY_MAX      4000      /* notice body, bytes */
#define STATUS_NOTICES_SHOWN 50        /* newest notices on the page */
#define STATUS_DETAIL_KEYS   16        /* heartbeat detail entries kept */
#define STATUS_POINTS_SHOWN  24        /* rows of the progress table */

/* ------------------------------------------------------------ files */

/* DATA/status[/sub] into out (sub may be NULL). With make, the
 * directories are created (0750) when absent. ERR_IO on failure,
 * ERR_TOO_LARGE when the path does not fit. */
enum err status_dir(const char *data, const char *sub, bool make, char *out,
                    size_t n);
/* Write p[0..n) to dir/name atomically (temp file in dir, then rename),
 * mode 0640. With exclusive, an existing dir/name is not replaced
 * (ERR_CONFLICT). ERR_IO with detail otherwise. */
enum err status_file_write(const char *dir, const char *name, const char *p,
                           size_t n, bool exclusive);
/* Read a regular file of at most max bytes into b (reset first).
 * ERR_NOT_FOUND when absent, ERR_TOO_LARGE when bigger, ERR_IO. */
enum err status_file_read(const char *path, size_t max, struct buf *b);
/* True for 1-STATUS_NAME_MAX of [a-z0-9-], starting with [a-z0-9]. */
bool status_name_valid(const char *s);

/* ------------------------------------------------------------ time */

/* Milliseconds since the epoch, now (UTC). */
int64_t status_now_ms(void);
/* Parse "YYYY-MM-DDTHH:MM:SS[.fff]Z" (UTC) into ms since the epoch;
 * false when malformed or out of range (years 2000-2999). */
bool status_time_parse(const char *s, int64_t *ms);
/* ms as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void status_time_iso(int64_t ms, char out[32]);
/* ms as Japan time for people: "YYYY-MM-DD HH:MM" (JST, UTC+9). */
void status_time_jst(int64_t ms, char out[32]);

/* ------------------------------------------------------------ parsers */

/* A heartbeat file, as the status page keeps it. */
struct status_hb {
    char component[STATUS_NAME_MAX + 1];
    char state[16]; /* "ok", "degraded", "stopped" */
    char version[64];
    int64_t time_ms;
    json_t *detail; /* owned; flat object of scalars, filtered */
};

/*
 * Parse one heartbeat document (n bytes, any content). Only the fields
 * above are kept; detail keeps at most STATUS_DETAIL_KEYS entries whose key
 * is [a-z0-9_]{1,32} and whose value is a number, a boolean or a string of
 * at most 64 bytes. ERR_INVALID when it is not a heartbeat (out->detail is
 * NULL then). Free with status_hb_free().
 */
enum err status_hb_parse(const char *p, size_t n, struct status_hb *out);
void status_hb_free(struct status_hb *hb);

/* One line of restore-progress.jsonl. Unknown numbers are -1. */
struct status_point {
    int64_t time_ms;
    char phase[32];
    char state[16];
    int64_t stores_done, stores_total;
    int64_t bytes, bytes_total;
    int64_t eta_s;
};

/*
 * Parse one progress line (without its newline; any bytes). "time" is
 * required; numbers must be non-negative integers (or null/absent for
 * unknown); "store" is read past and never kept (it may name a tenant).
 * ERR_INVALID when the line is not a progress object.
 */
enum err status_point_parse(const char *p, size_t n, struct status_point *out);
/* Progress in tenths of a percent (0-1000): by bytes while bytes <
 * bytes_total, else by stores; -1 when neither is known. */
int status_point_permille(const struct status_point *pt);
/* True when the line says the whole restore has ended: state "done",
 * "finished", "complete(d)" or "aborted", phase "report" (restore.c's
 * closing line), or every store done. A "failed" state is one store's. */
bool status_point_final(const struct status_point *pt);

/* ------------------------------------------------------------ the view */

struct status_view_opts {
    const char *data;        /* DATA */
    int64_t stale_s;         /* heartbeat older than this: not responding */
    int64_t restore_stale_s; /* progress older than this: stalled */
    const char *components;  /* comma list always shown ("" = none) */
};

/* The page's content as JSON (what /status.json answers); a new
 * reference. Never fails: what cannot be read is left out or counted. */
json_t *status_snapshot(const struct status_view_opts *o);
/* The restore part of a snapshot from the progress file's bytes (the
 * tail of the file); JSON null when there is no usable line. */
json_t *status_restore_view(const char *p, size_t n, int64_t now_ms,
                            int64_t stale_s);
/* Render a snapshot as the HTML page (refresh_s: auto-refresh). */
enum err status_html(const json_t *snap, int refresh_s, struct buf *out);

/* ------------------------------------------------------------ notices */

/* Post a notice; its id into *id. ERR_CONFIG for a bad level ("info",
 * "warning", "outage"), empty or long title, long body, or text that is not
 * UTF-8 or holds control characters. */
enum err status_notice_post(const char *data, const char *level,
                            const char *title, const char *body, long long *id);
/* Mark notice id resolved now, with an optional closing note.
 * ERR_NOT_FOUND for an unknown id, ERR_CONFLICT when already resolved. */
enum err status_notice_resolve(const char *data, long long id,
                               const char *note);
/* The newest notices first (at most max), as a JSON array. */
json_t *status_notices(const char *data, size_t max);

#endif
