/*
 * serve.c — `pilotlight serve`: options, start-up, signals, shutdown.
 */
#include "auth/auth.h"
#include "auth/notify.h"
#include "auth/throttle.h"
#include "cli.h"
#include "core/log.h"
#include "http/server.h"
#include "http/server_int.h"
#include "metering/remote_api.h"
#include "monitor/remote_ops.h"
#include "status/heartbeat.h"
#include "store/pool.h"
#include "store/store.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define O(f) offsetof(struct serve_opts, f)

const struct opt serve_opts_table[] = {
    {"data", OPT_STR, O(data), sizeof(((struct serve_opts *)0)->data), "./data",
     0, 0, 0, "DIR", "data directory (platform.db, tenants/)"},
    {"port", OPT_INT, O(port), 0, "8080", 0, 65535, 0, "N",
     "TCP port to listen on (0 = any free port)"},
    {"bind", OPT_STR, O(bind), sizeof(((struct serve_opts *)0)->bind),
     "127.0.0.1", 0, 0, 0, "ADDR", "address to listen on (IPv4 or IPv6)"},
    {"web", OPT_STR, O(web), sizeof(((struct serve_opts *)0)->web), "", 0, 0, 0,
     "DIR", "console files (default: ./web, else next to the binary)"},
    {"threads", OPT_INT, O(threads), 0, "4", 1, 256, 0, "N",
     "HTTP worker threads"},
    {"body-max", OPT_SIZE, O(body_max), 0, "1M", 1024, 64LL << 20, 0, "BYTES",
     "default request body limit (routes may set their own)"},
    {"conn-memory", OPT_SIZE, O(conn_memory), 0, "64K", 8192, 1LL << 20, 0,
     "BYTES", "memory per connection for request line and headers"},
    {"conn-timeout", OPT_INT, O(conn_timeout), 0, "15", 1, 3600, 0, "SECONDS",
     "close a connection idle this long"},
    {"per-ip", OPT_INT, O(per_ip), 0, "32", 1, 100000, 0, "N",
     "connections allowed from one IP address"},
    {"conn-max", OPT_INT, O(conn_max), 0, "1024", 1, 1000000, 0, "N",
     "connections allowed in total"},
    {"drain-timeout", OPT_INT, O(drain_timeout), 0, "10", 0, 600, 0, "SECONDS",
     "on SIGTERM, wait this long for in-flight requests"},
    {"tenant-cache", OPT_INT, O(tenant_cache), 0, "64", 1, 10000, 0, "N",
     "tenant stores kept open per worker thread"},
    {"log-level", OPT_STR, O(log_level),
     sizeof(((struct serve_opts *)0)->log_level), "info", 0, 0, 0, "LEVEL",
     "debug, info, warn or error"},
    {"access-log", OPT_BOOL, O(access_log), 0, "true", 0, 0, 0, "BOOL",
     "log one line per request"},
    {"secure-cookies", OPT_BOOL, O(secure_cookies), 0, "false", 0, 0, 0, "BOOL",
     "TLS in front: __Host- session cookie with Secure"},
    {"session-idle", OPT_INT, O(session_idle), 0, "30", 5, 240, 0, "MINUTES",
     "sign out after this long without activity"},
    {"session-max", OPT_INT, O(session_max), 0, "12", 1, 24, 0, "HOURS",
     "sign out this long after sign-in, active or not"},
    {"hash-slots", OPT_INT, O(hash_slots), 0, "2", 1, 64, 0, "N",
     "password hashes computed at once (19 MiB each)"},
    {"step-up", OPT_INT, O(step_up), 0, "300", 1, 3600, 0, "SECONDS",
     "how long a one-time code counts as fresh for dangerous actions"},
    {"login-rate", OPT_INT, O(login_rate), 0, "20", 1, 100000, 0, "N",
     "sign-in attempts allowed per client address per minute"},
    {"smtp-url", OPT_STR, O(smtp_url),
     sizeof(((struct serve_opts *)0)->smtp_url), "", 0, 0, 0, "URL",
     "SMTP relay for notices: smtps://host:465 (TLS), or smtp://host:587 "
     "(STARTTLS if offered); empty = none"},
    {"mail-from", OPT_STR, O(mail_from),
     sizeof(((struct serve_opts *)0)->mail_from), "pilotlight@localhost", 0, 0,
     0, "ADDR", "sender address of e-mailed notices"},
    {"trust-proxy", OPT_BOOL, O(trust_proxy), 0, "false", 0, 0, 0, "BOOL",
     "behind nginx: the client address is the last X-Forwarded-For entry"},
    {"webhook-allow-private", OPT_BOOL, O(webhook_private), 0, "false", 0, 0, 0,
     "BOOL", "let tenants' webhooks reach private/loopback addresses"},
    {"internal-token-file", OPT_STR, O(internal_token_file),
     sizeof(((struct serve_opts *)0)->internal_token_file), "", 0, 0, 0, "PATH",
     "file holding the token ingest sends to /internal/v1/ (mode o-rw); "
     "empty = internal endpoints off"},
    {"remote-op-ttl", OPT_INT, O(remote_op_ttl), 0, "3600", 10, 86400, 0,
     "SECONDS",
     "time to approve a remote shutoff/restore, then for the meter to confirm "
     "it"},
    OPT_END,
};

static bool
is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

enum err
server_resolve_web(const char *flag, char *out, size_t n)
{
    char cand[3][PATH_MAX], exe[PATH_MAX];
    int k = 0;
    if (flag[0]) {
        snprintf(cand[k++], PATH_MAX, "%s", flag);
    } else {
        snprintf(cand[k++], PATH_MAX, "web");
        ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (len > 0) {
            exe[len] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash)
                *slash = '\0';
            snprintf(cand[k++], PATH_MAX, "%.3000s/../web", exe);
            snprintf(cand[k++], PATH_MAX, "%.3000s/../share/pilotlight/web",
                     exe);
        }
    }
    for (int i = 0; i < k; i++) {
        char real[PATH_MAX];
        if (is_dir(cand[i]) && realpath(cand[i], real) && strlen(real) < n) {
            snprintf(out, n, "%s", real);
            return ERR_OK;
        }
    }
    return err_fail(ERR_CONFIG, "console files not found (%s); give --web DIR",
                    flag[0] ? flag : "looked in ./web and next to the binary");
}

/* serve's heartbeat detail (status/heartbeat.h): gauges only. */
static json_t *
serve_heartbeat(void *arg, enum heartbeat_state *state)
{
    (void)arg;
    (void)state;
    return json_pack("{s:I}", "tenant_stores_open",
                     (json_int_t)pool_open_tenant_stores());
}

enum err
serve_run(const struct serve_opts *o, serve_ready_fn ready, void *arg)
{
    int lvl = log_level_parse(o->log_level);
    if (lvl < 0)
        return err_fail(ERR_CONFIG,
                        "--log-level: '%s' is not debug, info, "
                        "warn or error",
                        o->log_level);
    log_set_level((enum log_level)lvl);
    struct auth_config ac = {o->secure_cookies, o->session_idle * 60,
                             o->session_max * 3600, o->step_up,
                             (unsigned)o->hash_slots};
    auth_configure(&ac);
    throttle_ip_configure((int)o->login_rate);
    struct notify_config nc = {"", "", o->webhook_private};
    snprintf(nc.smtp_url, sizeof(nc.smtp_url), "%s", o->smtp_url);
    snprintf(nc.mail_from, sizeof(nc.mail_from), "%s", o->mail_from);
    notify_configure(&nc);
    enum err rc = remote_configure(o->internal_token_file);
    if (rc)
        return rc;
    remote_op_configure(o->remote_op_ttl);
    /* everything that can be checked is checked before DATA is touched */
    struct server *s = server_current();
    rc = server_prepare(s, o);
    if (!rc)
        rc = pool_init(o->data, (size_t)o->tenant_cache);
    struct store *platform;
    if (!rc)
        rc = pool_platform(&platform); /* migrate before taking traffic */
    if (rc)
        return rc;
    /* Signals are taken synchronously by this thread; workers never see
     * them (they inherit the mask). SIGPIPE is ignored: a closed socket is
     * an error return, not a death. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    int port = 0;
    if ((rc = notify_start()))
        return rc;
    if ((rc = remote_op_sweeper_start())) {
        notify_stop();
        return rc;
    }
    if ((rc = server_start(s, &port))) {
        remote_op_sweeper_stop();
        notify_stop();
        return rc;
    }
    log_fields(LOG_INFO, "serve.listening",
               json_pack("{s:s, s:i, s:s, s:s}", "bind", o->bind, "port", port,
                         "data", o->data, "web", s->web_root));
    struct heartbeat *hb =
        heartbeat_start(o->data, "serve", serve_heartbeat, NULL);
    if (ready)
        ready(o, port, arg);
    int sig = 0;
    sigwait(&set, &sig);
    log_msg(LOG_INFO, "serve.signal", "received %s, draining",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    heartbeat_stop(hb);
    server_stop(s);
    remote_op_sweeper_stop();
    notify_stop();
    pool_thread_release();
    return ERR_OK;
}

enum err
serve_check(const struct serve_opts *o)
{
    return server_prepare(server_current(), o);
}

int
serve_main(int argc, char **argv)
{
    if (opt_wants_help(argc, argv)) {
        cli_help("pilotlight serve [options]",
                 "Serve the operator console and the JSON API.",
                 serve_opts_table);
        return 0;
    }
    struct serve_opts o;
    enum err rc = opt_parse(serve_opts_table, &o, argc, argv);
    if (!rc)
        rc = serve_run(&o, NULL, NULL);
    if (rc) {
        fprintf(stderr, "pilotlight serve: %s\n", err_detail());
        return rc == ERR_CONFIG ? 2 : 1;
    }
    return 0;
}
