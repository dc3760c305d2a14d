/*
 * version.c — the build's version and commit (version_gen.h is written by
 * the build from git; see cmake/version.cmake).
 */
#include "core/version.h"
#include "version_gen.h"

const char *
pl_version(void)
{
    return PILOTLIGHT_VERSION;
}

const char *
pl_commit(void)
{
    return PILOTLIGHT_COMMIT;
}
