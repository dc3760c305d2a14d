/*
 * pool.c — thread-local store connections with an LRU for tenant stores.
 */
#include "core/xalloc.h"
#include "store/pool.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct slot {
    int64_t tenant_id;
    struct store *st;
    uint64_t used; /* LRU clock value of the last use */
};

struct thread_pool {
    struct store *platform;
    struct slot *slots;
    size_t nslots; /* slots_per_thread when this thread's pool was made */
    uint64_t clock;
};

static char data_dir[PATH_MAX];
static size_t slots_per_thread = 16;
static atomic_size_t open_tenants;
static pthread_key_t tls_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static _Thread_local struct thread_pool *tp;

static void
release(void *p)
{
    struct thread_pool *t = p;
    if (!t)
        return;
    store_close(t->platform);
    for (size_t i = 0; i < t->nslots; i++) {
        if (t->slots[i].st) {
            store_close(t->slots[i].st);
            atomic_fetch_sub(&open_tenants, 1);
        }
    }
    free(t->slots);
    free(t);
}

static void
make_key(void)
{
    pthread_key_create(&tls_key, release);
}

static struct thread_pool *
thread_pool(void)
{
    if (!tp) {
        pthread_once(&key_once, make_key);
        tp = xcalloc(1, sizeof(*tp));
        tp->nslots = slots_per_thread;
        tp->slots = xcalloc(tp->nslots, sizeof(*tp->slots));
        pthread_setspecific(tls_key, tp);
    }
    return tp;
}

static enum err
mkdir_private(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return ERR_OK;
    return err_fail(ERR_IO, "cannot create %s: %s", path, strerror(errno));
}

enum err
pool_init(const char *dir, size_t tenants_per_thread)
{
    if (strlen(dir) + 32 >= sizeof(data_dir))
        return err_fail(ERR_CONFIG, "data dir path is too long");
    snprintf(data_dir, sizeof(data_dir), "%s", dir);
    slots_per_thread = tenants_per_thread ? tenants_per_thread : 1;
    enum err rc = mkdir_private(data_dir);
    if (rc)
        return rc;
    char sub[PATH_MAX];
    snprintf(sub, sizeof(sub), "%s/tenants", data_dir);
    return mkdir_private(sub);
}

const char *
pool_data_dir(void)
{
    return data_dir;
}

enum err
pool_platform(struct store **out)
{
    struct thread_pool *t = thread_pool();
    if (!t->platform) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/platform.db", data_dir);
        enum err rc = store_open(path, STORE_PLATFORM, &t->platform);
        if (rc)
            return rc;
    }
    *out = t->platform;
    return ERR_OK;
}

void
pool_tenant_path(const char *dir, int64_t tenant_id, char *out, size_t n)
{
    snprintf(out, n, "%s/tenants/%" PRId64 ".db", dir, tenant_id);
}

/* The tenant id a store file says it belongs to, or -1. */
static int64_t
recorded_tenant(struct store *st)
{
    static const char sql[] =
        "SELECT value FROM store_info WHERE key = 'tenant_id'";
    struct stmt *s;
    int64_t id = -1;
    bool row = false;
    if (store_prepare(st, sql, &s))
        return -1;
    if (!stmt_step(s, &row) && row && stmt_text(s, 0))
        id = strtoll(stmt_text(s, 0), NULL, 10);
    stmt_done(s);
    return id;
}

static enum err
open_tenant(int64_t tenant_id, struct store **out)
{
    char path[PATH_MAX];
    pool_tenant_path(data_dir, tenant_id, path, sizeof(path));
    if (access(path, F_OK) != 0)
        return err_fail(ERR_TENANT_NOT_FOUND, "no store for tenant %" PRId64,
                        tenant_id);
    enum err rc = store_open(path, STORE_TENANT, out);
    if (rc)
        return rc;
    if (recorded_tenant(*out) != tenant_id) {
        store_close(*out);
        *out = NULL;
        return err_fail(ERR_STORE_MISMATCH,
                        "%s does not belong to tenant %" PRId64, path,
                        tenant_id);
    }
    return ERR_OK;
}

enum err
pool_tenant(int64_t tenant_id, struct store **out)
{
    struct thread_pool *t = thread_pool();
    struct slot *victim = &t->slots[0];
    for (size_t i = 0; i < t->nslots; i++) {
        struct slot *s = &t->slots[i];
        if (s->st && s->tenant_id == tenant_id) {
            s->used = ++t->clock;
            *out = s->st;
            return ERR_OK;
        }
        if (!s->st || (victim->st && s->used < victim->used))
            victim = s;
    }
    struct store *st;
    enum err rc = open_tenant(tenant_id, &st);
    if (rc)
        return rc;
    if (victim->st)
        store_close(victim->st);
    else
        atomic_fetch_add(&open_tenants, 1);
    victim->st = st;
    victim->tenant_id = tenant_id;
    victim->used = ++t->clock;
    *out = st;
    return ERR_OK;
}

void
pool_thread_release(void)
{
    if (!tp)
        return;
    pthread_setspecific(tls_key, NULL);
    release(tp);
    tp = NULL;
}

size_t
pool_open_tenant_stores(void)
{
    return atomic_load(&open_tenants);
}

static enum err
write_info(struct store *st, const char *key, const char *value)
{
    static const char sql[] =
        "INSERT INTO store_info (key, value) VALUES ($1, $2)";
    struct stmt *s;
    enum err rc = store_prepare(st, sql, &s);
    bool row;
    if (!rc && !(rc = stmt_bind_text(s, 1, key)) &&
        !(rc = stmt_bind_text(s, 2, value)))
        rc = stmt_step(s, &row);
    stmt_done(s);
    return rc;
}

enum err
pool_create_tenant_store(const char *dir, int64_t tenant_id, const char *code)
{
    char path[PATH_MAX], idtext[24];
    pool_tenant_path(dir, tenant_id, path, sizeof(path));
    /* O_EXCL: a leftover file is an operator matter, never silently reused */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return err_fail(ERR_IO, "cannot create %s: %s", path, strerror(errno));
    close(fd);
    struct store *st;
    enum err rc = store_open(path, STORE_TENANT, &st);
    if (!rc) {
        snprintf(idtext, sizeof(idtext), "%" PRId64, tenant_id);
        if (!(rc = store_tx_begin(st)) &&
            !(rc = write_info(st, "tenant_id", idtext)) &&
            !(rc = write_info(st, "tenant_code", code)))
            rc = store_tx_commit(st);
        if (rc)
            store_tx_rollback(st);
        store_close(st);
    }
    if (rc) {
        unlink(path);
        char side[PATH_MAX + 8];
        snprintf(side, sizeof(side), "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", path);
        unlink(side);
    }
    return rc;
}
