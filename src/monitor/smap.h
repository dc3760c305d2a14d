/*
 * smap.h — a string-keyed hash map (device id → the caller's entry), for
 * ingest's key cache and sequence table. Chained buckets, doubled when
 * full; FNV-1a. Keys are ids the registry holds (not chosen by strangers
 * at will), so a keyed hash is not needed. Not thread-safe: the owner
 * locks.
 */
#ifndef PL_MONITOR_SMAP_H
#define PL_MONITOR_SMAP_H

#include <stdbool.h>
#include <stddef.h>

struct smap_node;

struct smap {
    struct smap_node **b;
    size_t nb, n;
};

/* An empty map. */
void smap_init(struct smap *m);
/* Free the map's nodes; free_value (may be NULL) is called on each value. */
void smap_free(struct smap *m, void (*free_value)(void *));
/* The value under key, NULL when absent. */
void *smap_get(const struct smap *m, const char *key);
/* Set key's value (the map copies key). */
void smap_put(struct smap *m, const char *key, void *value);
/* Call fn on each (key, value); stops when fn returns false. */
void smap_each(const struct smap *m,
               bool (*fn)(const char *key, void *value, void *arg), void *arg);

#endif
