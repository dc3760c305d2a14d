/*
 * ingest.c — `pilotlight ingest --data DIR --port N [--serve URL]
 * --token-file F`: the device gateway. It runs apart from serve (its own
 * process, port and durable storage) so that monitoring keeps working
 * when the business app does not (ARCHITECTURE "Monitoring").
 *
 * Data (DATA/ingest/, mode 0700):
 *   log/NNN.seg          the append-only log of accepted messages
 *                       (monitor/ilog.h)
 *   ingest.db           forward cursor, sequence snapshots, dead letters
 *                       (ingest_state.c)
 *   device-seal.key     the secret half of the key pair device keys are
 *                       sealed to (auth/devkey.h); made at first start,
 *                       its public half published in platform.db
 * It reads DATA/platform.db (the device registry) directly, and writes
 * only the devices' last-seen columns and its sealing public key there:
 * serve does not have to be running.
 *
 * Threads: libmicrohttpd's pool answers devices (ingest_api.c); one
 * writer makes batches durable in groups (ingest_writer.c); one thread
 * keeps the key cache fresh and writes snapshots (ingest_registry.c);
 * one forwarder delivers to serve (ingest_forward.c); with --mqtt,
 * libmosquitto's thread takes the same batches from a broker (mqtt.c);
 * one thread polls platform.db for approved remote operations and
 * hands them to devices (remote_deliver.c).
 *
 * Start-up: open the log (cutting an unacknowledged tail), rebuild every
 * device's last sequence number from ingest.db plus the log after its
 * snapshot, load the registry, start the threads, listen. SIGINT/SIGTERM:
 * stop accepting, finish in-flight batches, stop the writer, store the
 * cursor, exit 0. A SIGKILL loses nothing acknowledged: acknowledged
 * means in the log, fdatasync'd.
 */
#include "cli.h"
#include "core/log.h"
#include "http/http.h"
#include "http/server.h"
#include "monitor/devices.h"
#include "monitor/ingest.h"
#include "monitor/ingest_int.h"
#include "monitor/notify_alarm.h"
#include "monitor/remote_ops.h"
#include "monitor/replay.h"
#include "status/heartbeat.h"
#include "store/pool.h"
#include "store/store.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct ingest ingest_g;
extern const struct route *const ingest_route_tables[];

#define O(f)  offsetof(struct ingest_opts, f)
#define SZ(f) sizeof(((struct ingest_opts *)0)->f)

static const struct opt ingest_opts_table[] = {
    {"data", OPT_STR, O(data), SZ(data), "./data", 0, 0, 0, "DIR",
     "data directory (platform.db; ingest's own files in DIR/ingest)"},
    {"port", OPT_INT, O(port), 0, "8081", 0, 65535, 0, "N",
     "TCP port devices post to (0 = any free port)"},
    {"bind", OPT_STR, O(bind), SZ(bind), "127.0.0.1", 0, 0, 0, "ADDR",
     "address to listen on (IPv4 or IPv6)"},
    {"serve", OPT_STR, O(serve), SZ(serve), "http://127.0.0.1:8080", 0, 0, 0,
     "URL",
     "serve's base URL to forward to; empty = keep everything in the "
     "log"},
    {"token-file", OPT_STR, O(token_file), SZ(token_file), "", 0, 0, 0, "PATH",
     "file with the internal token serve expects (its "
     "--internal-token-file; mode o-rw)"},
    {"threads", OPT_INT, O(threads), 0, "4", 1, 256, 0, "N",
     "HTTP worker threads"},
    {"conn-timeout", OPT_INT, O(conn_timeout), 0, "30", 1, 3600, 0, "SECONDS",
     "close a connection idle this long"},
    {"per-ip", OPT_INT, O(per_ip), 0, "1000", 1, 100000, 0, "N",
     "connections from one address (gateways share one)"},
    {"conn-max", OPT_INT, O(conn_max), 0, "10000", 1, 1000000, 0, "N",
     "connections in total"},
    {"drain-timeout", OPT_INT, O(drain_timeout), 0, "10", 0, 600, 0, "SECONDS",
     "on SIGTERM, wait this long for in-flight batches"},
    {"window", OPT_INT, O(window), 0, "300", 30, 3600, 0, "SECONDS",
     "accepted distance between X-Timestamp and our clock"},
    {"replay-cache", OPT_INT, O(replay_cache), 0, "262144", 1024, 16777216, 0,
     "N", "signatures remembered against replays"},
    {"segment-size", OPT_SIZE, O(segment_size), 0, "64M", 1 << 16, 4LL << 30, 0,
     "BYTES", "log segment size (compaction deletes whole segments)"},
    {"refresh-ms", OPT_INT, O(refresh_ms), 0, "2000", 50, 60000, 0, "MS",
     "how often the device registry is re-read"},
    {"retry-max", OPT_INT, O(retry_max), 0, "30", 1, 3600, 0, "SECONDS",
     "longest wait between attempts while serve is away"},
    {"forward-max", OPT_INT, O(forward_max), 0, "5000", 1, 5000, 0, "N",
     "readings or events per request to serve"},
    {"park-retry", OPT_INT, O(park_retry), 0, "600", 1, 86400, 0, "SECONDS",
     "how often a parked reading (no open period, meter not in the ledger "
     "yet) is sent again"},
    {"park-days", OPT_INT, O(park_days), 0, "14", 1, 365, 0, "DAYS",
     "how long a reading stays parked before it is set aside for good"},
    {"log-level", OPT_STR, O(log_level), SZ(log_level), "info", 0, 0, 0,
     "LEVEL", "debug, info, warn or error"},
    {"mqtt", OPT_STR, O(mqtt), SZ(mqtt), "", 0, 0, 0, "HOST:PORT",
     "also take batches from this MQTT broker (mosquitto): topic "
     "pl/v1/<device>/batch, answers on pl/v1/<device>/ack"},
    {"mqtt-client", OPT_STR, O(mqtt_client), SZ(mqtt_client),
     "pilotlight-ingest", 0, 0, 0, "ID",
     "our MQTT client id (the broker keeps its session across reconnects)"},
    {"access-log", OPT_BOOL, O(access_log), 0, "true", 0, 0, 0, "BOOL",
     "log one line per request"},
    {"trust-proxy", OPT_BOOL, O(trust_proxy), 0, "false", 0, 0, 0, "BOOL",
     "behind nginx: the client address is the last X-Forwarded-For entry"},
    {"smtp-url", OPT_STR, O(smtp_url), SZ(smtp_url), "", 0, 0, 0, "URL",
     "SMTP relay for alarm e-mail (smtp://host:25); empty = no e-mail"},
    {"mail-from", OPT_STR, O(mail_from), SZ(mail_from),
     "pilotlight-alarm@localhost", 0, 0, 0, "ADDR", "sender of alarm e-mail"},
    {"webhook-allow-private", OPT_BOOL, O(webhook_allow_private), 0, "false", 0,
     0, 0, "BOOL",
     "let alarm webhooks reach loopback and private addresses (labs, tests)"},
    {"page-secure-cookies", OPT_BOOL, O(page_secure_cookies), 0, "false", 0, 0,
     0, "BOOL",
     "the alarm page (/alarms) is reached over HTTPS (a TLS proxy in "
     "front): its cookies get Secure and the __Host- prefix"},
    OPT_END,
};

/* ---------------------------------------------------------------------- */
/* Start-up                                                               */
/* ---------------------------------------------------------------------- */

/* The internal token: one line of 32–512 printable characters in a file
 * others cannot read or write (the rules of serve's token file). */
static enum err
token_load(const char *path, char *out, size_t cap)
{
    struct stat sb;
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_fail(ERR_CONFIG, "--token-file %s: %s", path,
                        strerror(errno));
    size_t n = 0;
    enum err rc = ERR_OK;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (sb.st_mode & (S_IROTH | S_IWOTH)))
        rc = err_fail(ERR_CONFIG,
                      "--token-file %s: not a regular file, or readable or "
                      "writable by others (chmod o-rw)",
                      path);
    else
        n = fread(out, 1, cap - 1, f);
    fclose(f);
    out[n] = '\0';
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    if (!rc && (n < 32 || n > 512 || strlen(out) != n))
        rc = err_fail(ERR_CONFIG,
                      "--token-file %s: the token must be 32–512 "
                      "characters",
                      path);
    for (size_t i = 0; !rc && i < n; i++)
        if (out[i] <= ' ' || out[i] > '~')
            rc = err_fail(ERR_CONFIG,
                          "--token-file %s: printable ASCII without spaces",
                          path);
    if (rc)
        devkey_wipe(out, cap);
    return rc;
}

static enum err
dirs_make(const struct ingest_opts *o)
{
    snprintf(ingest_g.dir, sizeof(ingest_g.dir), "%.4000s/ingest", o->data);
    snprintf(ingest_g.state_path, sizeof(ingest_g.state_path),
             "%.4000s/ingest.db", ingest_g.dir);
    if (mkdir(o->data, 0700) != 0 && errno != EEXIST)
        return err_fail(ERR_CONFIG, "--data %s: %s", o->data, strerror(errno));
    if (mkdir(ingest_g.dir, 0700) != 0 && errno != EEXIST)
        return err_fail(ERR_CONFIG, "%s: %s", ingest_g.dir, strerror(errno));
    return ERR_OK;
}

/* The sealing key pair: made at first start, published in platform.db. */
static enum err
seal_keys(void)
{
    char path[PATH_MAX + 32];
    struct store *platform;
    bool created;
    snprintf(path, sizeof(path), "%.4000s/device-seal.key", ingest_g.dir);
    enum err rc = devkey_pair_load(path, true, ingest_g.seal_pk,
                                   ingest_g.seal_sk, &created);
    if (rc)
        return rc;
    devkey_pk_id(ingest_g.seal_pk, ingest_g.seal_kid);
    if (created)
        log_msg(LOG_WARN, "ingest.seal_key_created",
                "new device sealing key %s in %s: back it up (device keys "
                "cannot be opened without it)",
                ingest_g.seal_kid, path);
    rc = pool_platform(&platform);
    if (!rc)
        rc = device_seal_key_publish(platform, ingest_g.seal_pk);
    return rc;
}

/* Every device's last sequence: the snapshot, then the log after it. */
static enum err
recover(uint64_t *cursor, int64_t *cursor_msg)
{
    struct store *st;
    struct ilog_reader rd;
    uint64_t covered = 0, at, next;
    const unsigned char *p;
    size_t n, records = 0;
    enum err rc = state_open(&st);
    if (!rc)
        rc = state_load_seqs(st, &covered);
    if (!rc)
        rc = state_cursor(st, cursor, cursor_msg);
    store_close(st);
    if (rc)
        return rc;
    uint64_t start = ilog_start(ingest_g.log), end = ilog_end(ingest_g.log);
    uint64_t lsn = covered > start ? covered : start;
    ilog_reader_init(&rd, ingest_g.log);
    while (lsn < end && !(rc = ilog_read(&rd, lsn, &p, &n, &at, &next))) {
        struct rec_head h;
        if (rec_head_parse(p, n, &h))
            writer_seed(h.device_id, h.epoch, h.max_seq);
        records++;
        lsn = next;
    }
    ilog_reader_close(&rd);
    if (rc == ERR_NOT_FOUND)
        rc = ERR_OK;
    if (*cursor < start || *cursor > end) {
        log_msg(LOG_WARN, "ingest.cursor_reset",
                "forward cursor %llu outside the log [%llu, %llu]: reset",
                (unsigned long long)*cursor, (unsigned long long)start,
                (unsigned long long)end);
        *cursor = *cursor < start ? start : end;
        *cursor_msg = 0;
    }
    atomic_store(&ingest_g.seq_covered, covered);
    log_fields(LOG_INFO, "ingest.recovered",
               json_pack("{s:I, s:I, s:I, s:I, s:I}", "log_start",
                         (json_int_t)start, "log_end", (json_int_t)end,
                         "seq_covered", (json_int_t)covered, "records_scanned",
                         (json_int_t)records, "cursor", (json_int_t)*cursor));
    return rc;
}

static enum err
log_open(const struct ingest_opts *o)
{
    char dir[PATH_MAX + 8];
    struct ilog_open_info info;
    snprintf(dir, sizeof(dir), "%.4000s/log", ingest_g.dir);
    enum err rc = ilog_open(dir, o->segment_size, &ingest_g.log, &info);
    if (!rc && info.truncated)
        log_msg(LOG_WARN, "ingest.torn_tail",
                "cut %llu byte(s) never acknowledged from the log's end",
                (unsigned long long)info.truncated);
    return rc;
}

/* serve's HTTP plumbing, with ingest's limits. */
static void
http_opts(const struct ingest_opts *o, struct serve_opts *so)
{
    memset(so, 0, sizeof(*so));
    snprintf(so->data, sizeof(so->data), "%s", o->data);
    snprintf(so->bind, sizeof(so->bind), "%s", o->bind);
    snprintf(so->log_level, sizeof(so->log_level), "%s", o->log_level);
    so->port = o->port;
    so->threads = o->threads;
    so->body_max = BATCH_BODY_MAX;
    so->conn_memory = 64 * 1024;
    so->conn_timeout = o->conn_timeout;
    so->per_ip = o->per_ip;
    so->conn_max = o->conn_max;
    so->drain_timeout = o->drain_timeout;
    so->tenant_cache = 1;
    so->access_log = o->access_log;
    so->trust_proxy = o->trust_proxy;
}

static enum err
start(const struct ingest_opts *o)
{
    uint64_t cursor = 0;
    int64_t cursor_msg = 0;
    enum err rc = dirs_make(o);
    if (!rc && o->serve[0] && !o->token_file[0])
        rc = err_fail(ERR_CONFIG,
                      "--token-file is needed to forward to %s "
                      "(or give --serve \"\" to keep "
                      "everything in the log)",
                      o->serve);
    if (!rc && o->serve[0])
        rc = token_load(o->token_file, ingest_g.token, sizeof(ingest_g.token));
    if (!rc)
        rc = pool_init(o->data, 1);
    if (!rc)
        rc = seal_keys();
    if (!rc)
        rc = log_open(o);
    if (!rc)
        rc = recover(&cursor, &cursor_msg);
    if (!rc)
        rc = registry_init();
    if (rc)
        return rc;
    ingest_g.replay = replay_new((size_t)o->replay_cache, 2 * o->window + 1);
    rc = writer_start(ingest_g.log);
    if (!rc)
        rc = registry_start();
    if (!rc)
        rc = forward_start(cursor, cursor_msg);
    if (!rc)
        rc = alarm_notify_start();
    if (!rc)
        rc = remote_deliver_start();
    if (!rc && o->mqtt[0])
        rc = mqtt_start(o->mqtt);
    return rc;
}

static void
stop_all(bool http)
{
    atomic_store(&ingest_g.stopping, true);
    mqtt_stop(); /* before the writer: a batch in flight finishes first */
    if (http)
        server_api_stop();
    remote_deliver_stop();
    writer_stop();
    alarm_notify_stop();
    forward_stop();
    registry_stop();
    writer_free();
    registry_free();
    ilog_close(ingest_g.log);
    ingest_g.log = NULL;
    replay_free(ingest_g.replay);
    ingest_g.replay = NULL;
    devkey_wipe(ingest_g.seal_sk, sizeof(ingest_g.seal_sk));
    devkey_wipe(ingest_g.token, sizeof(ingest_g.token));
    pool_thread_release();
}

/* ingest's heartbeat detail (status/heartbeat.h): atomics only. More
 * than 64 MiB of log not yet forwarded is "degraded" (serve is away or
 * slow; nothing is lost, it is in the log). */
static json_t *
ingest_heartbeat(void *arg, enum heartbeat_state *state)
{
    (void)arg;
    uint64_t end = ilog_end(ingest_g.log);
    uint64_t fwd = atomic_load(&ingest_g.st.forward_lsn);
    uint64_t backlog = ingest_g.o->serve[0] && end > fwd ? end - fwd : 0;
    if (backlog > (64u << 20))
        *state = HEARTBEAT_DEGRADED;
    return json_pack("{s:b, s:I, s:I, s:I}", "forwarding",
                     ingest_g.o->serve[0] != '\0', "forward_backlog_bytes",
                     (json_int_t)backlog, "dead_letters",
                     (json_int_t)atomic_load(&ingest_g.st.dead_letters),
                     "parked", (json_int_t)atomic_load(&ingest_g.st.parked));
}

static enum err
ingest_run(const struct ingest_opts *o)
{
    struct serve_opts so;
    int port = 0, sig = 0;
    int lvl = log_level_parse(o->log_level);
    if (lvl < 0)
        return err_fail(ERR_CONFIG,
                        "--log-level: '%s' is not debug, info, "
                        "warn or error",
                        o->log_level);
    log_set_level((enum log_level)lvl);
    memset(&ingest_g, 0, sizeof(ingest_g));
    ingest_g.o = o;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* signals are taken by this thread alone (the others inherit the
     * mask); a closed socket is an error return, not a death */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    http_opts(o, &so);
    enum err rc = start(o);
    if (!rc)
        rc = server_api_start(&so, ingest_route_tables, &port);
    if (rc) {
        char detail[512];
        snprintf(detail, sizeof(detail), "%s", err_detail());
        stop_all(false);
        return err_fail(rc, "%s", detail);
    }
    log_fields(LOG_INFO, "ingest.listening",
               json_pack("{s:s, s:i, s:s, s:s, s:s}", "bind", o->bind, "port",
                         port, "data", o->data, "serve", o->serve, "seal_key",
                         ingest_g.seal_kid));
    struct heartbeat *hb =
        heartbeat_start(o->data, "ingest", ingest_heartbeat, NULL);
    sigwait(&set, &sig);
    log_msg(LOG_INFO, "ingest.signal", "received %s, draining",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    heartbeat_stop(hb); /* before stop_all: it reads the log's end */
    stop_all(true);
    log_msg(LOG_INFO, "ingest.stopped", "log closed, cursor stored");
    return ERR_OK;
}

int
ingest_main(int argc, char **argv)
{
    struct ingest_opts o;
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight ingest --data DIR --port N [--serve URL] "
                 "--token-file F [options]",
                 "Accept signed batches from monitoring devices (集中監視), "
                 "make them durable in ingest's own log before answering, "
                 "and forward them to serve, retrying while it is away.",
                 ingest_opts_table);
        return 0;
    }
    enum err rc = opt_parse(ingest_opts_table, &o, argc, argv);
    if (!rc)
        rc = ingest_run(&o);
    return rc ? cli_fail("ingest", rc) : 0;
}
