/*
 * heartbeat.h — each long-running component says "I am alive, and how I
 * am" to the status page (`pilotlight status`), through a file.
 *
 * The file is DATA/status/heartbeats/<component>.json, replaced whole
 * (written to a temp file in the same directory, then renamed), so a
 * reader sees the old heartbeat or the new one, never half of one:
 *
 *   {"component": "ingest", "pid": 4242, "host": "app1",
 *    "version": "0.1.0 (abc123)", "time": "2026-04-01T00:00:00.000Z",
 *    "interval_s": 2, "state": "ok", "detail": {"backlog_bytes": 0}}
 *
 * state is "ok", "degraded" (running, but something is behind or short:
 * the detail says what) or "stopped" (written once on a clean shutdown).
 * A crashed or killed process writes nothing more: the status page calls
 * a heartbeat older than its --stale seconds "not responding". detail is a
 * flat object of numbers, booleans and short strings, and is shown to the
 * public: never put tenant names, customer data, paths or secrets in it.
 *
 * Writing a heartbeat must never hurt the component: failures (status dir
 * missing, unwritable, disk full) are logged once per component (and once
 * more when writing works again) and otherwise ignored. Files are made
 * 0640 and directories 0750, so a status process in the same group can
 * read them and nothing else.
 */
#ifndef PL_STATUS_HEARTBEAT_H
#define PL_STATUS_HEARTBEAT_H

#include "core/err.h"

#include <jansson.h>

/* How often the heartbeat thread writes. */
#define HEARTBEAT_INTERVAL_S 2

enum heartbeat_state {
    HEARTBEAT_OK,
    HEARTBEAT_DEGRADED,
    HEARTBEAT_STOPPED,
};

/*
 * Write component's heartbeat now, in one go (for a loop that has its
 * own tick, such as `backup ship`: call it every few seconds). component
 * is 1-32 of [a-z0-9-] ("serve", "ingest", "vault", "backup"); detail
 * (may be NULL) is a flat JSON object and is stolen. data_dir is the
 * pilotlight data dir (DATA). ERR_CONFIG for a bad component name,
 * ERR_IO when the file cannot be written (already logged; carry on).
 */
enum err heartbeat_write(const char *data_dir, const char *component,
                         enum heartbeat_state state, json_t *detail);

/*
 * Called by the heartbeat thread before each write: return the detail
 * object (a new reference, or NULL) and set *state (preset to
 * HEARTBEAT_OK). Runs on the heartbeat thread: read only atomics or
 * cheap, thread-safe gauges; never block.
 */
typedef json_t *(*heartbeat_detail_fn)(void *arg, enum heartbeat_state *state);

struct heartbeat;

/*
 * Start a thread that writes component's heartbeat at once and then every
 * HEARTBEAT_INTERVAL_S seconds, with fn's detail (fn may be NULL). Never
 * fails: an unwritable status dir is logged once and retried each tick.
 * Call from a thread whose signal mask the new thread may inherit.
 * Returns the handle the caller owns; free with heartbeat_stop().
 */
struct heartbeat *heartbeat_start(const char *data_dir, const char *component,
                                  heartbeat_detail_fn fn, void *arg);

/* Stop the thread, write a last "stopped" heartbeat and free hb (NULL is
 * allowed). */
void heartbeat_stop(struct heartbeat *hb);

#endif
