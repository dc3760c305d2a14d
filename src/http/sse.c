/*
 * sse.c — event streams over libmicrohttpd (sse.h has the design).
 *
 * The states of one stream:
 *
 *   reading    the library called stream_read on the worker thread; the
 *              stream polls its source when due and hands out bytes
 *   suspended  nothing to send: stream_read suspended the connection
 *              (under H.mu) and returned 0; only the ticker resumes it
 *   ended      lifetime over, source error or sse_shutdown: stream_read
 *              answers end-of-stream once its bytes are out
 *
 * Invariants: a stream is in H's list from resp_sse until the library
 * frees the response (stream_free); a suspended connection cannot be
 * closed by the library, so the ticker may resume it after dropping H.mu
 * once it has cleared s->suspended under it (nobody else resumes it). The
 * library forbids stopping a daemon with suspended connections: drain
 * calls sse_shutdown first, which resumes them all and lets them end.
 */
#include "http/sse.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/xalloc.h"
#include "http/internal.h"
#include "http/server_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define SSE_OUT_MAX (256u * 1024) /* bytes one poll may queue */
#define MS          1000000ULL    /* ns */

struct sse_stream {
    struct sse_stream *next, *prev;
    struct MHD_Connection *conn;
    int fd; /* the connection's socket, to notice a client that left */
    const struct sse_source *src;
    void *ctx;
    char key[128];
    struct buf out; /* bytes not yet handed to the library */
    size_t off;     /* of them, already handed */
    uint64_t last_poll_ns, last_write_ns, end_ns, heartbeat_ns;
    unsigned kick_seen;
    bool suspended, ended, more;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sse_stream *head;
    unsigned n;
    bool ticker, stopping;
    atomic_uint kicks;
} H = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* ---------------------------------------------------------------------- */
/* The ticker                                                             */
/* ---------------------------------------------------------------------- */

/* Take the suspended streams' connections (clearing their flag) into
 * conns; under H.mu. */
static size_t
take_suspended(struct MHD_Connection **conns, size_t cap)
{
    size_t n = 0;
    for (struct sse_stream *s = H.head; s && n < cap; s = s->next) {
        if (!s->suspended)
            continue;
        s->suspended = false;
        conns[n++] = s->conn;
    }
    return n;
}

static void *
ticker_main(void *arg)
{
    struct MHD_Connection *conns[SSE_STREAMS_MAX];
    (void)arg;
    pthread_mutex_lock(&H.mu);
    for (;;) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)SSE_POLL_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&H.cv, &H.mu, &until);
        size_t n = take_suspended(conns, SSE_STREAMS_MAX);
        pthread_mutex_unlock(&H.mu);
        for (size_t i = 0; i < n; i++) /* still suspended: still alive */
            MHD_resume_connection(conns[i]);
        pthread_mutex_lock(&H.mu);
    }
    return NULL;
}

/* Start the ticker with the first stream; under H.mu. It runs for the
 * life of the process and holds nothing between ticks. */
static enum err
ticker_start(void)
{
    pthread_t th;
    if (H.ticker)
        return ERR_OK;
    if (pthread_create(&th, NULL, ticker_main, NULL) != 0)
        return err_fail(ERR_UNAVAILABLE, "cannot start the stream ticker");
    pthread_detach(th);
    H.ticker = true;
    return ERR_OK;
}

void
sse_kick(void)
{
    atomic_fetch_add(&H.kicks, 1);
    pthread_mutex_lock(&H.mu);
    pthread_cond_signal(&H.cv);
    pthread_mutex_unlock(&H.mu);
}

void
sse_shutdown(void)
{
    pthread_mutex_lock(&H.mu);
    H.stopping = true;
    for (struct sse_stream *s = H.head; s; s = s->next)
        s->ended = true;
    pthread_cond_signal(&H.cv);
    pthread_mutex_unlock(&H.mu);
}

unsigned
sse_open_streams(void)
{
    pthread_mutex_lock(&H.mu);
    unsigned n = H.n;
    pthread_mutex_unlock(&H.mu);
    return n;
}

/* ---------------------------------------------------------------------- */
/* One stream                                                             */
/* ---------------------------------------------------------------------- */

/* True when the client closed its end. The library does not watch a
 * suspended connection, and an event-stream client sends nothing after
 * its request, so a peek that reads end-of-file means it left: the slot
 * is freed within a tick rather than at the next failed heartbeat. */
static bool
peer_gone(int fd)
{
    char c;
    if (fd < 0)
        return false;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 ||
           (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Poll the source when due, or queue a heartbeat; on the worker thread,
 * with no lock held (the source reads its store). */
static void
stream_fill(struct sse_stream *s)
{
    uint64_t now = time_mono_ns();
    unsigned kicks = atomic_load(&H.kicks);
    buf_reset(&s->out);
    s->off = 0;
    if (s->ended || now >= s->end_ns || peer_gone(s->fd)) {
        s->ended = true;
        return;
    }
    if (s->more || kicks != s->kick_seen ||
        now - s->last_poll_ns >= SSE_POLL_MS * MS) {
        s->kick_seen = kicks;
        s->last_poll_ns = now;
        s->more = false;
        enum err rc = s->src->poll(s->ctx, &s->out, &s->more);
        if (rc) {
            log_msg(LOG_WARN, "sse.poll_failed", "%s: %s (stream ended)",
                    err_code(rc), err_detail());
            s->ended = true;
        }
    }
    if (!s->out.len && now - s->last_write_ns >= s->heartbeat_ns)
        buf_puts(&s->out, ": keep-alive\n\n");
    if (s->out.len)
        s->last_write_ns = now;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *dst, size_t max)
{
    struct sse_stream *s = cls;
    (void)pos;
    if (s->off >= s->out.len)
        stream_fill(s);
    if (s->off < s->out.len) {
        size_t n = s->out.len - s->off;
        if (n > max)
            n = max;
        memcpy(dst, s->out.data + s->off, n);
        s->off += n;
        return (ssize_t)n;
    }
    pthread_mutex_lock(&H.mu);
    bool end = s->ended || H.stopping;
    if (!end) { /* nothing to say: off the event loop until the next tick */
        s->suspended = true;
        MHD_suspend_connection(s->conn);
    }
    pthread_mutex_unlock(&H.mu);
    return end ? MHD_CONTENT_READER_END_OF_STREAM : 0;
}

static void
stream_free(void *cls)
{
    struct sse_stream *s = cls;
    pthread_mutex_lock(&H.mu);
    if (s->prev)
        s->prev->next = s->next;
    else
        H.head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    H.n--;
    pthread_mutex_unlock(&H.mu);
    s->src->free(s->ctx);
    buf_free(&s->out);
    free(s);
}

/* Add s to the list unless a bound is reached; under H.mu. */
static enum err
stream_register(struct sse_stream *s)
{
    unsigned same = 0;
    if (H.stopping)
        return err_fail(ERR_UNAVAILABLE, "the server is shutting down");
    for (struct sse_stream *t = H.head; t; t = t->next)
        same += strcmp(t->key, s->key) == 0;
    if (H.n >= SSE_STREAMS_MAX)
        return err_fail(ERR_UNAVAILABLE,
                        "too many event streams are open (%d per server)",
                        SSE_STREAMS_MAX);
    if (same >= SSE_STREAMS_PER_KEY)
        return err_fail(ERR_UNAVAILABLE,
                        "you have %d event streams open already; close one",
                        SSE_STREAMS_PER_KEY);
    enum err rc = ticker_start();
    if (rc)
        return rc;
    s->next = H.head;
    if (H.head)
        H.head->prev = s;
    H.head = s;
    H.n++;
    return ERR_OK;
}

static uint64_t
heartbeat_ns(const struct req *r)
{
    uint64_t hb = SSE_HEARTBEAT_MS * MS;
    long long t = r->srv && r->srv->o ? r->srv->o->conn_timeout : 0;
    if (t > 0 && (uint64_t)t * 500 * MS < hb) /* half the idle timeout */
        hb = (uint64_t)t * 500 * MS;
    return hb;
}

enum err
resp_sse(struct req *r, const char *key, const struct sse_source *src,
         void *ctx, int64_t lifetime_s)
{
    struct sse_stream *s = xcalloc(1, sizeof(*s));
    uint64_t now = time_mono_ns();
    s->conn = r->conn;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    s->fd = ci ? (int)ci->connect_fd : -1;
    s->src = src;
    s->ctx = ctx;
    snprintf(s->key, sizeof(s->key), "%s", key);
    buf_init(&s->out, SSE_OUT_MAX);
    buf_puts(&s->out, ": pilotlight event stream\nretry: 3000\n\n");
    s->last_poll_ns = s->last_write_ns = now;
    s->more = true; /* the first read polls at once */
    s->end_ns = now + (uint64_t)lifetime_s * 1000 * MS;
    s->heartbeat_ns = heartbeat_ns(r);
    s->kick_seen = atomic_load(&H.kicks);
    pthread_mutex_lock(&H.mu);
    enum err rc = stream_register(s);
    pthread_mutex_unlock(&H.mu);
    if (rc) {
        src->free(ctx);
        buf_free(&s->out);
        free(s);
        return rc;
    }
    struct MHD_Response *resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 4096, stream_read, s, stream_free);
    if (!resp) {
        stream_free(s);
        return err_fail(ERR_INTERNAL, "cannot create the stream response");
    }
    if (r->resp)
        MHD_destroy_response(r->resp);
    r->resp = resp;
    r->status = 200;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    return ERR_OK;
}
