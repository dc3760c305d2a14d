/*
 * heartbeat.c — write component heartbeats (heartbeat.h).
 *
 * One thread per component process wakes every HEARTBEAT_INTERVAL_S
 * seconds (a condition variable, so heartbeat_stop() does not wait for the
 * tick), asks the component for its detail and replaces the file. The
 * thread holds no lock the component uses; the component's detail
 * function reads atomics. A failing write is logged the first time for
 * that component and again when it recovers, never in between.
 */
#include "status/heartbeat.h"

#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "status/status.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct heartbeat {
    char data[4096];
    char component[STATUS_NAME_MAX + 1];
    heartbeat_detail_fn fn;
    void *arg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

/* ------------------------------------------------------- failing state */

/* Components whose last write failed (a few per process at most). */
static pthread_mutex_t failing_mu = PTHREAD_MUTEX_INITIALIZER;
static char failing[8][STATUS_NAME_MAX + 1];

/* Remember component's outcome; true when it changed (log it then). */
static bool
outcome_changed(const char *component, bool ok)
{
    bool changed = false;
    int at = -1, free_slot = -1;
    pthread_mutex_lock(&failing_mu);
    for (int i = 0; i < 8; i++) {
        if (strcmp(failing[i], component) == 0)
            at = i;
        else if (!failing[i][0] && free_slot < 0)
            free_slot = i;
    }
    if (ok && at >= 0) {
        failing[at][0] = '\0';
        changed = true;
    } else if (!ok && at < 0) {
        if (free_slot >= 0)
            snprintf(failing[free_slot], sizeof(failing[0]), "%s", component);
        changed = true;
    }
    pthread_mutex_unlock(&failing_mu);
    return changed;
}

/* ------------------------------------------------------------- writing */

static const char *
state_name(enum heartbeat_state s)
{
    switch (s) {
    case HEARTBEAT_DEGRADED:
        return "degraded";
    case HEARTBEAT_STOPPED:
        return "stopped";
    default:
        return "ok";
    }
}

/* The document, serialized onto b. detail is stolen. */
static enum err
render(const char *component, enum heartbeat_state state, json_t *detail,
       struct buf *b)
{
    char host[256] = "", when[32], version[96];
    if (gethostname(host, sizeof(host) - 1) != 0)
        host[0] = '\0';
    time_now_iso(when);
    snprintf(version, sizeof(version), "%s (%s)", pl_version(), pl_commit());
    json_t *j = json_pack(
        "{s:s, s:I, s:s, s:s, s:s, s:i, s:s, s:o}", "component", component,
        "pid", (json_int_t)getpid(), "host", host, "version", version, "time",
        when, "interval_s", HEARTBEAT_INTERVAL_S, "state", state_name(state),
        "detail", json_is_object(detail) ? detail : json_object());
    if (!json_is_object(detail))
        json_decref(detail);
    if (!j) /* a host name that is not UTF-8 */
        return err_fail(ERR_INVALID, "heartbeat does not serialize");
    enum err rc = json_to_buf(j, b);
    if (!rc)
        rc = buf_putc(b, '\n');
    json_decref(j);
    return rc;
}

enum err
heartbeat_write(const char *data_dir, const char *component,
                enum heartbeat_state state, json_t *detail)
{
    char dir[4200], name[STATUS_NAME_MAX + 8];
    struct buf b;
    if (!status_name_valid(component)) {
        json_decref(detail);
        return err_fail(ERR_CONFIG, "heartbeat: bad component name");
    }
    buf_init(&b, STATUS_FILE_MAX);
    enum err rc = render(component, state, detail, &b);
    if (!rc)
        rc = status_dir(data_dir, "heartbeats", true, dir, sizeof(dir));
    snprintf(name, sizeof(name), "%s.json", component);
    if (!rc)
        rc = status_file_write(dir, name, b.data, b.len, false);
    buf_free(&b);
    if (outcome_changed(component, rc == ERR_OK)) {
        if (rc)
            log_msg(LOG_WARN, "heartbeat.unwritable",
                    "%s heartbeat not written (the status page will show it "
                    "as not responding): %s; carrying on",
                    component, err_detail());
        else
            log_msg(LOG_INFO, "heartbeat.writable",
                    "%s heartbeat written again", component);
    }
    return rc ? ERR_IO : ERR_OK;
}

/* -------------------------------------------------------------- thread */

static void
tick(struct heartbeat *hb)
{
    enum heartbeat_state state = HEARTBEAT_OK;
    json_t *detail = hb->fn ? hb->fn(hb->arg, &state) : NULL;
    heartbeat_write(hb->data, hb->component, state, detail);
}

static void *
run(void *arg)
{
    struct heartbeat *hb = arg;
    pthread_mutex_lock(&hb->mu);
    while (!hb->stop) {
        pthread_mutex_unlock(&hb->mu);
        tick(hb);
        pthread_mutex_lock(&hb->mu);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += HEARTBEAT_INTERVAL_S;
        while (!hb->stop &&
               pthread_cond_timedwait(&hb->cv, &hb->mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&hb->mu);
    return NULL;
}

struct heartbeat *
heartbeat_start(const char *data_dir, const char *component,
                heartbeat_detail_fn fn, void *arg)
{
    struct heartbeat *hb = xcalloc(1, sizeof(*hb));
    snprintf(hb->data, sizeof(hb->data), "%s", data_dir);
    snprintf(hb->component, sizeof(hb->component), "%s", component);
    hb->fn = fn;
    hb->arg = arg;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&hb->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&hb->mu, NULL);
    if (pthread_create(&hb->thread, NULL, run, hb) != 0) {
        log_msg(LOG_WARN, "heartbeat.thread",
                "%s: no heartbeat thread; the status page will show it as "
                "not responding",
                component);
        hb->stop = true; /* heartbeat_stop only frees */
    }
    return hb;
}

void
heartbeat_stop(struct heartbeat *hb)
{
    if (!hb)
        return;
    pthread_mutex_lock(&hb->mu);
    bool running = !hb->stop;
    hb->stop = true;
    pthread_cond_signal(&hb->cv);
    pthread_mutex_unlock(&hb->mu);
    if (running) {
        pthread_join(hb->thread, NULL);
        heartbeat_write(hb->data, hb->component, HEARTBEAT_STOPPED, NULL);
    }
    pthread_cond_destroy(&hb->cv);
    pthread_mutex_destroy(&hb->mu);
    free(hb);
}
