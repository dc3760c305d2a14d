/*
 * routes.h — the registry of every module's route table.
 */
#ifndef PL_HTTP_ROUTES_H
#define PL_HTTP_ROUTES_H

struct router;

/* A router holding every module's routes. Owned by the caller. */
struct router *routes_build(void);

#endif
