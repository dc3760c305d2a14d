/*
 * replay.c — the replay cache of replay.h: a ring of signatures in
 * arrival order, indexed by a chained hash table.
 */
#include "core/xalloc.h"
#include "monitor/replay.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    unsigned char sig[32];
    int64_t t;    /* when claimed */
    int64_t next; /* next slot in the bucket's chain, -1 at the end */
    bool live;    /* in a chain (a released claim is dead) */
};

struct replay {
    pthread_mutex_t mu;
    struct slot *ring;
    size_t cap, head, count; /* oldest at head */
    int64_t *buckets;        /* first slot of each chain, -1 none */
    size_t nb;
    int64_t retain_s;
    uint64_t evicted_early;
};

struct replay *
replay_new(size_t capacity, int64_t retain_s)
{
    struct replay *r = xcalloc(1, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    r->cap = capacity ? capacity : 1;
    r->ring = xcalloc(r->cap, sizeof(*r->ring));
    for (r->nb = 16; r->nb < r->cap; r->nb *= 2)
        ;
    r->buckets = xmalloc(r->nb * sizeof(*r->buckets));
    for (size_t i = 0; i < r->nb; i++)
        r->buckets[i] = -1;
    r->retain_s = retain_s;
    return r;
}

void
replay_free(struct replay *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r->ring);
    free(r->buckets);
    free(r);
}

static size_t
bucket_of(const struct replay *r, const unsigned char sig[32])
{
    uint64_t h;
    memcpy(&h, sig, sizeof(h));
    return (size_t)(h & (r->nb - 1));
}

/* Unlink slot i from its chain. */
static void
unlink_slot(struct replay *r, size_t i)
{
    int64_t *p = &r->buckets[bucket_of(r, r->ring[i].sig)];
    while (*p >= 0 && (size_t)*p != i)
        p = &r->ring[*p].next;
    if (*p >= 0)
        *p = r->ring[i].next;
    r->ring[i].live = false;
}

static int64_t
find(const struct replay *r, const unsigned char sig[32])
{
    for (int64_t i = r->buckets[bucket_of(r, sig)]; i >= 0; i = r->ring[i].next)
        if (memcmp(r->ring[i].sig, sig, 32) == 0)
            return i;
    return -1;
}

/* Drop slots past their time, and the oldest while full. */
static void
evict(struct replay *r, int64_t now_s)
{
    while (r->count) {
        struct slot *s = &r->ring[r->head];
        bool old = s->t + r->retain_s < now_s;
        if (!old && r->count < r->cap)
            break;
        if (s->live) {
            if (!old)
                r->evicted_early++;
            unlink_slot(r, r->head);
        }
        r->head = (r->head + 1) % r->cap;
        r->count--;
    }
}

bool
replay_claim(struct replay *r, const unsigned char sig[32], int64_t now_s)
{
    pthread_mutex_lock(&r->mu);
    evict(r, now_s);
    bool fresh = find(r, sig) < 0;
    if (fresh) {
        size_t i = (r->head + r->count) % r->cap;
        size_t b = bucket_of(r, sig);
        memcpy(r->ring[i].sig, sig, 32);
        r->ring[i].t = now_s;
        r->ring[i].live = true;
        r->ring[i].next = r->buckets[b];
        r->buckets[b] = (int64_t)i;
        r->count++;
    }
    pthread_mutex_unlock(&r->mu);
    return fresh;
}

void
replay_release(struct replay *r, const unsigned char sig[32])
{
    pthread_mutex_lock(&r->mu);
    int64_t i = find(r, sig);
    if (i >= 0)
        unlink_slot(r, (size_t)i);
    pthread_mutex_unlock(&r->mu);
}

uint64_t
replay_evicted_early(struct replay *r)
{
    pthread_mutex_lock(&r->mu);
    uint64_t n = r->evicted_early;
    pthread_mutex_unlock(&r->mu);
    return n;
}

size_t
replay_size(struct replay *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->count;
    pthread_mutex_unlock(&r->mu);
    return n;
}
