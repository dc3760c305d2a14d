/*
 * ingest_int.h — what the parts of `pilotlight ingest` share (ingest.c has
 * the design). Not for other modules: they talk to ingest over HTTP.
 *
 *   ingest.c           options, start-up (recovery), signals, shutdown
 *   ingest_api.c       POST /v1/batches, health, metrics
 *   ingest_writer.c    the group-commit writer and the sequence table
 *   ingest_registry.c  the device key cache, kept fresh from platform.db;
 *                      last-seen and sequence snapshots written back
 *   ingest_forward.c   the forwarder: log → serve's internal endpoints
 *   ingest_state.c     ingest.db: cursor, sequence snapshots, dead letters
 */
#ifndef PL_MONITOR_INGEST_INT_H
#define PL_MONITOR_INGEST_INT_H

#include "auth/devkey.h"
#include "core/err.h"
#include "monitor/batch.h"
#include "monitor/ilog.h"
#include "monitor/monitor.h"
#include "tenants/tenants.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct replay;
struct store;

struct ingest_opts {
    char data[4096];
    char bind[64];
    long long port;
    char serve[512];       /* serve's base URL, "" = do not forward */
    char token_file[4096]; /* the internal token sent to serve */
    long long threads;
    long long conn_timeout;
    long long per_ip;
    long long conn_max;
    long long drain_timeout;
    long long window;       /* seconds either side of X-Timestamp */
    long long replay_cache; /* signatures remembered */
    size_t segment_size;    /* log segment size */
    long long refresh_ms;   /* registry refresh period */
    long long retry_max;    /* forwarder backoff cap, seconds */
    long long forward_max;  /* readings or events per post */
    long long park_retry;   /* seconds between tries of a parked reading */
    long long park_days;    /* days a reading stays parked, then dead */
    char log_level[8];
    char mqtt[320];       /* broker HOST:PORT, "" = no MQTT */
    char mqtt_client[64]; /* our MQTT client id (persistent session) */
    bool access_log;
    bool trust_proxy;
    char smtp_url[256];         /* alarm e-mail relay, "" = no e-mail */
    char mail_from[256];        /* alarm e-mail sender */
    bool webhook_allow_private; /* alarm webhooks to private addresses */
    bool page_secure_cookies;   /* alarm page behind TLS: Secure cookies */
};

/* Counters, for /metrics and the bench. */
struct ingest_stats {
    atomic_uint_fast64_t batches, refused, accepted, duplicates;
    atomic_uint_fast64_t records, bytes, syncs, sync_ns, groups_jobs;
    atomic_uint_fast64_t forwarded_readings, forwarded_events, skipped;
    atomic_uint_fast64_t dead_letters, parked, unparked, forward_failures;
    atomic_uint_fast64_t compacted;
    atomic_uint_fast64_t forward_lsn; /* the cursor */
};

/* The process's state (one ingest per process). */
struct ingest {
    const struct ingest_opts *o;
    char dir[PATH_MAX];             /* DATA/ingest */
    char state_path[PATH_MAX + 16]; /* DATA/ingest/ingest.db */
    struct ilog *log;
    struct replay *replay;
    unsigned char seal_pk[DEVKEY_SEAL_PK], seal_sk[DEVKEY_SEAL_SK];
    char seal_kid[DEVKEY_FP_HEX];
    char token[520]; /* internal token for serve ("" = forwarding off) */
    struct ingest_stats st;
    _Atomic uint64_t seq_covered; /* sequences persisted up to this LSN */
    atomic_bool stopping;
};

extern struct ingest ingest_g;

/* ---- ingest_registry.c ------------------------------------------------ */

/* What a request learns about its device. */
struct reg_view {
    char tenant[TENANT_CODE_MAX + 1];
    int64_t tenant_id;
    enum device_kind kind;
    int64_t epoch;
    int64_t meter_id, appliance_id, supply_point_id;
    unsigned char key[DEVKEY_BYTES];
};

/* Load every device from platform.db (start-up). */
enum err registry_init(void);
void registry_free(void);
/* The device's view. ERR_INGEST_UNKNOWN_DEVICE, ERR_INGEST_DEVICE_RETIRED,
 * ERR_DEVICE_KEY_UNREADABLE. A device missing from the cache is looked up
 * in platform.db at once (a registration a moment ago). */
enum err registry_lookup(const char *device_id, struct reg_view *out);
/* As registry_lookup, after reading the device's row again (a key
 * changed since the last refresh: a re-key a moment ago). */
enum err registry_reload(const char *device_id, struct reg_view *out);
/* Start/stop the thread that refreshes the cache, writes last-seen times
 * to platform.db and sequence snapshots to ingest.db. */
enum err registry_start(void);
void registry_stop(void);
/* Devices in the cache. */
size_t registry_size(void);

/* ---- ingest_writer.c -------------------------------------------------- */

/* One batch waiting to be made durable. */
struct wjob {
    /* in */
    const char *device_id;
    int64_t epoch;
    const struct batch *b;
    const char *prefix; /* record JSON up to the messages: {...,"msgs":[ */
    size_t prefix_len;
    int64_t recv_ms;
    /* out */
    unsigned char *outcome; /* per message: 1 accepted, 2 duplicate */
    size_t accepted, duplicates;
    int64_t last_seq; /* the device's last sequence number after it */
    enum err rc;
    char detail[256];
    bool done;
    struct wjob *next;
};

/* Record layout (ilog payload): the binary head, the device id, JSON. */
#define REC_HEAD 32

/* Before the writer starts: the device's last sequence number is at
 * least seq (recovery; the largest wins within an epoch, a newer epoch
 * replaces an older one). */
void writer_seed(const char *device_id, int64_t epoch, int64_t seq);
/* Start the writer thread on log. */
enum err writer_start(struct ilog *log);
/* Queue j and wait until it is durable (or failed): j->rc. */
enum err writer_submit(struct wjob *j);
/* Finish what is queued, stop the thread (the table stays readable). */
void writer_stop(void);
/* Free the table (after writer_stop and the registry's last pass). */
void writer_free(void);

/* A device's last sequence and when it was last heard from. */
struct seen {
    char device_id[DEVICE_ID_MAX + 1];
    int64_t epoch, last_seq, seen_ms;
};
/* The devices heard from since the last call (xmalloc'd array). */
size_t writer_take_seen(struct seen **out);
/* The sequence snapshot handed over at the last segment change: devices
 * changed before it and the LSN it covers. 0 entries and *covered 0 when
 * there is none. */
size_t writer_take_snapshot(struct seen **out, uint64_t *covered);

/* Parse a record's head. False when it is not a batch record. */
struct rec_head {
    uint32_t nmsgs;
    int64_t epoch, max_seq, recv_ms;
    char device_id[DEVICE_ID_MAX + 1];
    const char *json; /* the record's JSON text */
    size_t json_len;
};
bool rec_head_parse(const unsigned char *p, size_t n, struct rec_head *h);

/* ---- ingest_state.c --------------------------------------------------- */

/* Open ingest.db (created and migrated on first use); each thread opens
 * its own connection. */
enum err state_open(struct store **out);
/* Every stored sequence (for writer_seed) and the LSN they cover. */
enum err state_load_seqs(struct store *st, uint64_t *covered);
/* Store a snapshot: the entries and the LSN now covered. */
enum err state_save_seqs(struct store *st, const struct seen *e, size_t n,
                         uint64_t covered);
/* The forward cursor: a record's LSN and the index of the next message in
 * it. */
enum err state_cursor(struct store *st, uint64_t *lsn, int64_t *msg);
/* One set-aside message: parked (serve may take it later) or dead. */
struct dead {
    uint64_t lsn;
    int64_t msg;
    const char *device_id, *tenant, *kind, *message, *code, *detail;
    bool parked;
};
/* A parked message due for another try (strings borrow until the
 * callback returns). */
struct parked {
    int64_t id;
    const char *device_id, *tenant, *message;
    int64_t first_at;
};
/* Call fn for parked messages due at now_s (at most limit). */
enum err state_parked_due(struct store *st, int64_t now_s, int limit,
                          bool (*fn)(const struct parked *p, void *arg),
                          void *arg);
/* What another try gave: done (delete), or parked again / dead. */
struct parked_result {
    int64_t id;
    bool done, dead;
    int64_t retry_s; /* 0: --park-retry */
    const char *code, *detail;
};
enum err state_parked_update(struct store *st, const struct parked_result *r,
                             size_t n, int64_t now_s);
/* Save the cursor, with the dead letters of the chunk, in one
 * transaction. */
enum err state_advance(struct store *st, uint64_t lsn, int64_t msg,
                       const struct dead *dead, size_t ndead);

/* ---- ingest_api.c: the one batch pipeline of HTTP and MQTT ------------ */

/* A signed batch as received (strings borrow from the caller). */
struct batch_in {
    const char *device_id, *ts, *sig; /* X-Device-Id, -Timestamp, -Signature
                                         or the MQTT envelope's lines */
    const char *ctype;                /* HTTP: Content-Type */
    bool http;                        /* false: MQTT, no Content-Type */
    const char *body;
    size_t len;
};

/*
 * Check in (headers, device, signature, timestamp, body, replay), decide
 * each message against the device's last sequence number and make the
 * accepted ones durable: on success out holds the answer JSON (the 200
 * body of POST /v1/batches, with "commands" when the device has remote
 * operations waiting). Field errors of ERR_INGEST_BATCH_INVALID go into
 * k (jcheck_init'ed by the caller). Every refusal of docs/ingest-api.md.
 */
enum err ingest_batch_accept(const struct batch_in *in, struct jcheck *k,
                             struct buf *out);

/* ---- mqtt.c ------------------------------------------------------------ */

/* Start the MQTT subscriber on "HOST:PORT" (its own thread; reconnects
 * by itself). ERR_CONFIG when the address is malformed. */
enum err mqtt_start(const char *hostport);
/* Disconnect and join the thread (no-op when not started). */
void mqtt_stop(void);
/* Publish payload on topic at QoS 1 (no-op when not connected): false
 * when it could not be queued. */
bool mqtt_publish(const char *topic, const char *payload, size_t len);

/* ---- ingest_forward.c ------------------------------------------------- */

enum err forward_start(uint64_t lsn, int64_t msg);
void forward_stop(void);
/* Wake the forwarder: the log has grown. */
void forward_kick(void);

#endif
