/*
 * smap.c — the string-keyed hash map of smap.h.
 */
#include "core/xalloc.h"
#include "monitor/smap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct smap_node {
    struct smap_node *next;
    uint64_t h;
    void *value;
    char key[];
};

static uint64_t
fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void
smap_init(struct smap *m)
{
    m->nb = 64;
    m->n = 0;
    m->b = xcalloc(m->nb, sizeof(*m->b));
}

void
smap_free(struct smap *m, void (*free_value)(void *))
{
    for (size_t i = 0; m->b && i < m->nb; i++) {
        struct smap_node *e = m->b[i];
        while (e) {
            struct smap_node *next = e->next;
            if (free_value)
                free_value(e->value);
            free(e);
            e = next;
        }
    }
    free(m->b);
    m->b = NULL;
    m->nb = m->n = 0;
}

static struct smap_node *
find(const struct smap *m, const char *key, uint64_t h)
{
    for (struct smap_node *e = m->b[h & (m->nb - 1)]; e; e = e->next)
        if (e->h == h && !strcmp(e->key, key))
            return e;
    return NULL;
}

void *
smap_get(const struct smap *m, const char *key)
{
    struct smap_node *e = find(m, key, fnv(key));
    return e ? e->value : NULL;
}

static void
grow(struct smap *m)
{
    size_t nb = m->nb * 2;
    struct smap_node **b = xcalloc(nb, sizeof(*b));
    for (size_t i = 0; i < m->nb; i++) {
        struct smap_node *e = m->b[i];
        while (e) {
            struct smap_node *next = e->next;
            e->next = b[e->h & (nb - 1)];
            b[e->h & (nb - 1)] = e;
            e = next;
        }
    }
    free(m->b);
    m->b = b;
    m->nb = nb;
}

void
smap_put(struct smap *m, const char *key, void *value)
{
    uint64_t h = fnv(key);
    struct smap_node *e = find(m, key, h);
    if (e) {
        e->value = value;
        return;
    }
    if (m->n >= m->nb)
        grow(m);
    size_t n = strlen(key) + 1;
    e = xmalloc(sizeof(*e) + n);
    memcpy(e->key, key, n);
    e->h = h;
    e->value = value;
    e->next = m->b[h & (m->nb - 1)];
    m->b[h & (m->nb - 1)] = e;
    m->n++;
}

void
smap_each(const struct smap *m,
          bool (*fn)(const char *key, void *value, void *arg), void *arg)
{
    for (size_t i = 0; i < m->nb; i++)
        for (struct smap_node *e = m->b[i]; e; e = e->next)
            if (!fn(e->key, e->value, arg))
                return;
}
