/*
 * ingest_load.c — the load generator of bench/ingest.sh (built by the
 * script with cc; not part of the product).
 *
 *   ingest_load http URL DEVICES CONNS PER_BATCH SECONDS KIND
 *       DEVICES is a file of "device_id key_hex" lines. CONNS threads, each
 *       with its own keep-alive connection and its share of the devices,
 *       post signed batches of PER_BATCH messages (KIND reading or event;
 *       seqs increasing per device from a base that grows 10,000 a
 *       second, so above any earlier run's) for SECONDS, as fast as
 *       answers come (closed loop). Prints "batches N", "messages N"
 *       (accepted, i.e. durable), "errors N", "seconds S", "p50_ms",
 *       "p99_ms" (batch round trip).
 *   ingest_load backlog URL FILE EVENTS
 *       FILE has "device_id key_hex read_at index" lines; each device posts
 *       one batch: its reading (seq 1) and EVENTS meter events. Prints
 *       "messages N" (accepted), "errors N".
 *   ingest_load raw LOGDIR OUT CHUNK
 *       Appends the bytes of LOGDIR's segments (headers skipped: the same
 *       bytes ingest wrote) to OUT in CHUNK-byte writes, each followed by
 *       fdatasync() — ingest's policy at its measured group size. Prints
 *       "bytes N", "syncs N", "seconds S".
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct device {
    char id[72];
    unsigned char key[32];
    long long seq;
    long long index; /* tenths, rising */
};

static struct device *devs;
static size_t ndevs;
static const char *url, *kind;
static int conns, per_batch;
static double seconds;

struct worker {
    pthread_t th;
    int n;
    long long batches, messages, errors;
    double *lat; /* ms per batch */
    size_t nlat, caplat;
};

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct sink {
    char buf[1 << 16];
    size_t len;
};

static size_t
sink_write(char *p, size_t size, size_t nmemb, void *arg)
{
    struct sink *s = arg;
    size_t n = size * nmemb, room = sizeof(s->buf) - 1 - s->len;
    memcpy(s->buf + s->len, p, n < room ? n : room);
    s->len += n < room ? n : room;
    s->buf[s->len] = '\0';
    return n;
}

/* The batch of d into body; its length. */
static size_t
batch(struct device *d, char *body, size_t cap)
{
    size_t len = (size_t)snprintf(
        body, cap, "{\"device_id\":\"%s\",\"messages\":[", d->id);
    for (int i = 0; i < per_batch; i++) {
        d->seq++;
        d->index += 3;
        if (!strcmp(kind, "event"))
            len += (size_t)snprintf(
                body + len, cap - len,
                "%s{\"seq\":%lld,\"kind\":\"event\",\"at\":"
                "\"2026-06-18T06:00:00+09:00\",\"event\":\"battery_low\","
                "\"code\":\"B%d\"}",
                i ? "," : "", d->seq, i);
        else
            len += (size_t)snprintf(
                body + len, cap - len,
                "%s{\"seq\":%lld,\"kind\":\"reading\",\"at\":"
                "\"2026-06-18T06:00:00+09:00\",\"index\":\"%lld.%lld\"}",
                i ? "," : "", d->seq, d->index / 10, d->index % 10);
    }
    len += (size_t)snprintf(body + len, cap - len, "]}");
    return len;
}

static void
sign(const struct device *d, const char *ts, const char *body, size_t n,
     char sig[65])
{
    unsigned char mac[32];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, d->key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(sig, 65, mac, 32);
}

static void
lat_add(struct worker *w, double ms)
{
    if (w->nlat == w->caplat) {
        w->caplat = w->caplat ? w->caplat * 2 : 4096;
        w->lat = realloc(w->lat, w->caplat * sizeof(*w->lat));
    }
    w->lat[w->nlat++] = ms;
}

static void *
work(void *arg)
{
    struct worker *w = arg;
    size_t cap = (size_t)per_batch * 160 + 256, k = 0;
    char *body = malloc(cap), ts[24], sig[65], h1[100], h2[48], h3[100];
    char u[512];
    struct sink s;
    CURL *c = curl_easy_init();
    snprintf(u, sizeof(u), "%s/v1/batches", url);
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    double end = now_s() + seconds;
    while (now_s() < end) {
        /* this worker's devices: n, n + conns, n + 2 conns, … (never
         * another worker's: sequence numbers are per device) */
        size_t mine = (ndevs - (size_t)w->n + (size_t)conns - 1) / conns;
        struct device *d = &devs[(size_t)w->n + (k++ % mine) * conns];
        size_t n = batch(d, body, cap);
        snprintf(ts, sizeof(ts), "%ld", (long)time(NULL));
        sign(d, ts, body, n, sig);
        snprintf(h1, sizeof(h1), "X-Device-Id: %s", d->id);
        snprintf(h2, sizeof(h2), "X-Timestamp: %s", ts);
        snprintf(h3, sizeof(h3), "X-Signature: %s", sig);
        struct curl_slist *l = curl_slist_append(NULL, "Expect:");
        l = curl_slist_append(l, "Content-Type: application/json");
        l = curl_slist_append(l, h1);
        l = curl_slist_append(l, h2);
        l = curl_slist_append(l, h3);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, l);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)n);
        s.len = 0;
        s.buf[0] = '\0';
        double t0 = now_s();
        long status = 0;
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        lat_add(w, (now_s() - t0) * 1000);
        curl_slist_free_all(l);
        const char *a = strstr(s.buf, "\"accepted\":");
        if (status == 200 && a) {
            w->batches++;
            w->messages += atoll(a + 11);
        } else {
            w->errors++;
            if (w->errors < 5)
                fprintf(stderr, "HTTP %ld: %.200s\n", status, s.buf);
        }
    }
    curl_easy_cleanup(c);
    free(body);
    return NULL;
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void
devices_load(const char *path)
{
    FILE *f = fopen(path, "r");
    char id[72], hex[80];
    size_t cap = 0;
    if (!f) {
        perror(path);
        exit(1);
    }
    while (fscanf(f, "%71s %79s", id, hex) == 2) {
        if (ndevs == cap) {
            cap = cap ? cap * 2 : 256;
            devs = realloc(devs, cap * sizeof(*devs));
        }
        struct device *d = &devs[ndevs++];
        memset(d, 0, sizeof(*d));
        snprintf(d->id, sizeof(d->id), "%s", id);
        d->index = 10000;
        /* above any earlier run's seqs (fewer than 10,000 messages per
         * device a second), and short like a real device's */
        d->seq = ((long long)time(NULL) - 1700000000LL) * 10000LL;
        if (sodium_hex2bin(d->key, 32, hex, 64, NULL, NULL, NULL) != 0) {
            fprintf(stderr, "bad key for %s\n", id);
            exit(1);
        }
    }
    fclose(f);
}

static int
http_main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: ingest_load http URL DEVICES CONNS PER_BATCH "
                        "SECONDS KIND\n");
        return 2;
    }
    url = argv[2];
    devices_load(argv[3]);
    conns = atoi(argv[4]);
    per_batch = atoi(argv[5]);
    seconds = atof(argv[6]);
    kind = argv[7];
    if (ndevs < (size_t)conns || conns < 1 || per_batch < 1) {
        fprintf(stderr, "need at least one device per connection\n");
        return 2;
    }
    struct worker *w = calloc((size_t)conns, sizeof(*w));
    double t0 = now_s();
    for (int i = 0; i < conns; i++) {
        w[i].n = i;
        pthread_create(&w[i].th, NULL, work, &w[i]);
    }
    long long b = 0, m = 0, e = 0;
    size_t nl = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(w[i].th, NULL);
        b += w[i].batches, m += w[i].messages, e += w[i].errors;
        nl += w[i].nlat;
    }
    double el = now_s() - t0;
    double *all = malloc((nl ? nl : 1) * sizeof(*all));
    size_t k = 0;
    for (int i = 0; i < conns; i++)
        for (size_t j = 0; j < w[i].nlat; j++)
            all[k++] = w[i].lat[j];
    qsort(all, nl, sizeof(*all), cmp_d);
    printf("batches %lld\nmessages %lld\nerrors %lld\nseconds %.3f\n"
           "p50_ms %.2f\np99_ms %.2f\n",
           b, m, e, el, nl ? all[nl / 2] : 0.0,
           nl ? all[(size_t)(nl * 0.99)] : 0.0);
    return 0;
}

/* ---- backlog: one batch per device, a reading and events ------------- */

/* FILE lines "device_id key_hex read_at index": each device posts one
 * batch: its reading (seq 1) and EVENTS events (seqs 2..). */
static int
backlog_main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: ingest_load backlog URL FILE EVENTS\n");
        return 2;
    }
    int events = atoi(argv[4]);
    FILE *f = fopen(argv[3], "r");
    char id[72], hex[80], at[40], ix[24], ts[24], sig[65], u[512];
    char h1[100], h2[48], h3[100];
    size_t cap = (size_t)events * 200 + 512;
    char *body = malloc(cap);
    long long msgs = 0, errors = 0;
    struct sink s;
    CURL *c = curl_easy_init();
    if (!f) {
        perror(argv[3]);
        return 1;
    }
    snprintf(u, sizeof(u), "%s/v1/batches", argv[2]);
    curl_easy_setopt(c, CURLOPT_URL, u);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    while (fscanf(f, "%71s %79s %39s %23s", id, hex, at, ix) == 4) {
        struct device d;
        memset(&d, 0, sizeof(d));
        snprintf(d.id, sizeof(d.id), "%s", id);
        sodium_hex2bin(d.key, 32, hex, 64, NULL, NULL, NULL);
        size_t n = (size_t)snprintf(
            body, cap,
            "{\"device_id\":\"%s\",\"messages\":[{\"seq\":1,\"kind\":"
            "\"reading\",\"at\":\"%s\",\"index\":\"%s\"}",
            id, at, ix);
        for (int i = 0; i < events; i++)
            n += (size_t)snprintf(
                body + n, cap - n,
                ",{\"seq\":%d,\"kind\":\"event\",\"at\":\"%s\","
                "\"event\":\"%s\",\"code\":\"E%d\"}",
                i + 2, at, i % 7 ? "battery_low" : "leak_warning", i);
        n += (size_t)snprintf(body + n, cap - n, "]}");
        snprintf(ts, sizeof(ts), "%ld", (long)time(NULL));
        sign(&d, ts, body, n, sig);
        snprintf(h1, sizeof(h1), "X-Device-Id: %s", id);
        snprintf(h2, sizeof(h2), "X-Timestamp: %s", ts);
        snprintf(h3, sizeof(h3), "X-Signature: %s", sig);
        struct curl_slist *l = curl_slist_append(NULL, "Expect:");
        l = curl_slist_append(l, "Content-Type: application/json");
        l = curl_slist_append(l, h1);
        l = curl_slist_append(l, h2);
        l = curl_slist_append(l, h3);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, l);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)n);
        s.len = 0;
        long status = 0;
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(l);
        const char *a = strstr(s.buf, "\"accepted\":");
        if (status == 200 && a)
            msgs += atoll(a + 11);
        else if (errors++ < 5)
            fprintf(stderr, "HTTP %ld: %.200s\n", status, s.buf);
    }
    fclose(f);
    curl_easy_cleanup(c);
    free(body);
    printf("messages %lld\nerrors %lld\n", msgs, errors);
    return 0;
}

/* ---- raw: the same bytes, the same fsync policy ---------------------- */

static int
raw_main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: ingest_load raw LOGDIR OUT CHUNK\n");
        return 2;
    }
    size_t chunk = strtoull(argv[4], NULL, 10), len = 0, cap = 0;
    char *all = NULL;
    struct dirent **names;
    int n = scandir(argv[2], &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        char p[4096];
        struct stat sb;
        snprintf(p, sizeof(p), "%s/%s", argv[2], names[i]->d_name);
        if (strstr(names[i]->d_name, ".seg") && !stat(p, &sb) &&
            sb.st_size > 32) {
            size_t sz = (size_t)sb.st_size - 32;
            if (len + sz > cap) {
                cap = (len + sz) * 2;
                all = realloc(all, cap);
            }
            int fd = open(p, O_RDONLY);
            if (pread(fd, all + len, sz, 32) != (ssize_t)sz) {
                perror(p);
                return 1;
            }
            close(fd);
            len += sz;
        }
        free(names[i]);
    }
    free(names);
    if (!len || !chunk) {
        fprintf(stderr, "nothing to write\n");
        return 1;
    }
    int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    long long syncs = 0;
    double t0 = now_s();
    for (size_t off = 0; off < len; off += chunk) {
        size_t k = len - off < chunk ? len - off : chunk;
        if (write(fd, all + off, k) != (ssize_t)k || fdatasync(fd) != 0) {
            perror(argv[3]);
            return 1;
        }
        syncs++;
    }
    double el = now_s() - t0;
    close(fd);
    unlink(argv[3]);
    printf("bytes %zu\nsyncs %lld\nseconds %.3f\n", len, syncs, el);
    free(all);
    return 0;
}

int
main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (argc > 1 && !strcmp(argv[1], "http"))
        return http_main(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "raw"))
        return raw_main(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "backlog"))
        return backlog_main(argc, argv);
    fprintf(stderr, "usage: ingest_load http|raw ...\n");
    return 2;
}
