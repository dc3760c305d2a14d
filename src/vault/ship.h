/*
 * ship.h — `pilotlight backup ship`: send each store's snapshots and
 * journal records to one or more vaults, in order, resumably (ship.c).
 */
#ifndef PL_VAULT_SHIP_H
#define PL_VAULT_SHIP_H

#include "core/config.h"
#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>

struct store;

#define SHIP_VAULTS_MAX 4

/* What one point of a store is: its seq, its audit chain head and schema
 * versions, read consistently (under the journal lock, or from a file). */
struct ship_point {
    uint64_t seq;
    int64_t time_ms;
    char audit_hash[65]; /* "" when the store has no audit entry */
    int64_t audit_entry;
    size_t nschema;
    struct {
        char name[33];
        int64_t version;
    } schema[32];
};

/* Read p from an open store (caller holds what keeps it still). */
enum err ship_point_read(struct store *st, struct ship_point *p);
/* Read p from a database file (a snapshot), read-only. */
enum err ship_point_file(const char *path, struct ship_point *p);

/*
 * Take every "--vault URL" (or --vault=URL) out of argv into urls (at most
 * SHIP_VAULTS_MAX; each a pointer into argv), compacting argv; returns the
 * new argc, or -1 when there are too many or one lacks its value.
 */
int ship_take_vaults(int argc, char **argv, const char **urls, int *nurls);

/* `pilotlight backup ship` (argv after the verb). */
int ship_main(int argc, char **argv);
extern const struct opt ship_opts[];

#endif
