/*
 * simulate_demo.c — the monitoring half of `pilotlight demo`: before
 * serve starts (it is sandboxed afterwards: no exec), start
 *   - mosquitto on 127.0.0.1:DEMO_MQTT_PORT when it is installed (a
 *     minimal config in DATA/mosquitto.conf, no persistence),
 *   - `pilotlight ingest` on DEMO_INGEST_PORT forwarding to serve with a
 *     demo internal token (DATA/internal-token, 0600), --mqtt when the
 *     broker runs,
 *   - `pilotlight simulate` against it (an hour of device time per
 *     second), after ingest has made its sealing key.
 * Each child dies with the demo (PR_SET_PDEATHSIG) and logs to
 * DATA/<name>.log.
 */
#include "core/err.h"
#include "monitor/simulate.h"

#include <stdbool.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEMO_INGEST_PORT 8081
#define DEMO_MQTT_PORT   18830

static pid_t
child(const char *data, const char *name, char *const argv[], unsigned delay)
{
    char log[4200];
    snprintf(log, sizeof(log), "%s/%s.log", data, name);
    pid_t parent = getpid(), pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) /* the demo is gone already */
        _exit(0);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    sleep(delay);
    execvp(argv[0], argv);
    _exit(127);
}

static bool
on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[4200];
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
        if (access(buf, X_OK) == 0)
            return true;
        path += n + (path[n] == ':');
    }
    return false;
}

static bool
token_make(const char *path)
{
    FILE *f = fopen(path, "wx");
    if (!f)
        return access(path, R_OK) == 0; /* made by an earlier demo */
    fchmod(fileno(f), 0600);
    fprintf(f, "demo-internal-token-%08x%08x%08x\n", (unsigned)getpid(),
            (unsigned)rand(), (unsigned)time(NULL));
    fclose(f);
    return true;
}

static bool
broker_start(const char *data)
{
    char conf[4200];
    if (!on_path("mosquitto"))
        return false;
    snprintf(conf, sizeof(conf), "%s/mosquitto.conf", data);
    FILE *f = fopen(conf, "w");
    if (!f)
        return false;
    /* Started as root, mosquitto switches to its own user, and changing
     * credentials clears the death signal that ends it with the demo: keep
     * it as the demo's own user (a local broker on 127.0.0.1 only). */
    const struct passwd *pw = getpwuid(geteuid());
    fprintf(f,
            "listener %d 127.0.0.1\nallow_anonymous true\n"
            "persistence false\nuser %s\n",
            DEMO_MQTT_PORT, pw ? pw->pw_name : "mosquitto");
    fclose(f);
    char *argv[] = {"mosquitto", "-c", conf, NULL};
    return child(data, "mosquitto", argv, 0) > 0;
}

void
simulate_demo_start(const char *data, int serve_port, char *token_path,
                    size_t cap)
{
    char serve[64], mqtt[32], ingest[64], port[16], exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[len > 0 ? len : 0] = '\0';
    snprintf(token_path, cap, "%s/internal-token", data);
    if (!token_make(token_path)) {
        token_path[0] = '\0';
        return;
    }
    bool mq = broker_start(data);
    snprintf(serve, sizeof(serve), "http://127.0.0.1:%d", serve_port);
    snprintf(mqtt, sizeof(mqtt), "127.0.0.1:%d", DEMO_MQTT_PORT);
    snprintf(port, sizeof(port), "%d", DEMO_INGEST_PORT);
    snprintf(ingest, sizeof(ingest), "http://127.0.0.1:%d", DEMO_INGEST_PORT);
    char *iargv[] = {(char *)exe,
                     "ingest",
                     "--data",
                     (char *)data,
                     "--port",
                     port,
                     "--serve",
                     serve,
                     "--token-file",
                     token_path,
                     mq ? "--mqtt" : NULL,
                     mqtt,
                     NULL};
    child(data, "ingest", iargv, 1);
    char *sargv[] = {(char *)exe, "simulate", "--data",  (char *)data,
                     "--ingest",  ingest,     "--speed", "3600",
                     "--devices", "40",       NULL};
    child(data, "simulate", sargv, 4);
    printf("  Monitoring (集中監視): ingest http://127.0.0.1:%d/status, "
           "MQTT %s, simulator log %s/simulate.log\n",
           DEMO_INGEST_PORT, mq ? mqtt : "(mosquitto not installed)", data);
}
