/*
 * tenant_batch.h — the internal endpoints that take items for many
 * tenants at once (POST /internal/v1/remote-readings, /device-events,
 * from ingest). Consecutive items of one tenant share one write
 * transaction with one audit entry (the outcome counts, never the items);
 * when the audit entry or the commit fails, every item of that group that
 * looked stored becomes an error (the rollback took it), so the sender
 * resends it. An item of a tenant whose group could not start fails with
 * the reason (b->rc, b->detail).
 */
#ifndef PL_AUTH_TENANT_BATCH_H
#define PL_AUTH_TENANT_BATCH_H

#include "core/err.h"
#include "tenants/tenants.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct req;
struct store;

struct tenant_batch {
    /* set by the caller */
    struct req *r;
    json_t *results;             /* each item's result, in order */
    const char *actor;           /* the audit entry's actor */
    const char *action, *target; /* and its action and target */
    const char *const *outcomes; /* outcome names counted; NULL-ended */
    void (*fail)(json_t *res, enum err rc); /* make res an error */
    void (*committed)(void);                /* after each commit, or NULL */
    /* the open group */
    struct store *st;
    char tenant[TENANT_CODE_MAX + 1];
    enum err rc;      /* the group could not start */
    char detail[256]; /* and why */
    size_t first;     /* its first result */
    bool open;        /* a transaction is open */
};

/* End the open group and start one for tenant code (a transaction on its
 * store); b->rc says when that failed. */
void tenant_batch_start(struct tenant_batch *b, const char *code);
/* Audit and commit the open group (nothing when none is open). */
void tenant_batch_end(struct tenant_batch *b);
/* The outcome counts of results[from..] as {"name": n, …} (new ref). */
json_t *tenant_batch_counts(const struct tenant_batch *b, size_t from);

#endif
