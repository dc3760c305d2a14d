/*
 * sse.h — Server-Sent Events (text/event-stream) for long-lived streams
 * such as the console's live alarms (monitor/alarm_stream.c).
 *
 * A stream holds nothing while it waits: no store connection, no lock,
 * no worker thread. Between polls its connection is suspended in the
 * HTTP library; one ticker thread resumes every suspended stream each
 * SSE_POLL_MS (sooner after sse_kick()), the library then asks the stream
 * for bytes on the connection's own worker thread, which calls the
 * source's poll (a short read, then the store is left alone again) and
 * suspends the connection again when there is nothing to send. A comment
 * line is sent when nothing was written for SSE_HEARTBEAT_MS (or half the
 * connection timeout, if shorter), so proxies keep the connection and a
 * vanished client is noticed. Streams end by themselves after their
 * lifetime (the client reconnects with Last-Event-ID and passes the
 * authorizer again) and at once when the server drains (sse_shutdown).
 */
#ifndef PL_HTTP_SSE_H
#define PL_HTTP_SSE_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>

struct req;

#define SSE_STREAMS_MAX     64    /* per process */
#define SSE_STREAMS_PER_KEY 8     /* per owner (a user) */
#define SSE_POLL_MS         1000  /* how often a stream polls its source */
#define SSE_HEARTBEAT_MS    15000 /* longest silence */

struct sse_source {
    /*
     * Append whole events to out (at most out->max bytes; an event that
     * does not fit waits for the next call). Called on the connection's
     * worker thread, at least every SSE_POLL_MS, at once after sse_kick(),
     * and again at once when *more is set. An error ends the stream.
     */
    enum err (*poll)(void *ctx, struct buf *out, bool *more);
    /* Free ctx (the stream is over, or was never started). */
    void (*free)(void *ctx);
};

/*
 * Answer r with an event stream fed by src: 200 text/event-stream,
 * ending after lifetime_s seconds. key names the owner for
 * SSE_STREAMS_PER_KEY. The stream owns ctx from here on, also on error.
 * ERR_UNAVAILABLE (503) with a detail when a bound is reached or the
 * server is draining.
 */
enum err resp_sse(struct req *r, const char *key, const struct sse_source *src,
                  void *ctx, int64_t lifetime_s);

/* Something changed: every stream polls at once rather than at its next
 * tick. Cheap; callable from any thread. */
void sse_kick(void);

/* End every stream now and refuse new ones (the server drains). */
void sse_shutdown(void);

/* Streams open now (metrics, tests). */
unsigned sse_open_streams(void);

#endif
