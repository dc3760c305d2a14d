/*
 * version.h — what build this is: the release version and the git commit.
 */
#ifndef PL_CORE_VERSION_H
#define PL_CORE_VERSION_H

/* "0.1.0" */
const char *pl_version(void);
/* Short git commit, "-dirty" when built from uncommitted changes. */
const char *pl_commit(void);

#endif
