/*
 * migrate.h — numbered schema migrations, embedded in the binary.
 *
 * Each module owns a list of migrations for a store kind, numbered 1, 2, 3…
 * without gaps, terminated by {NULL}. On open, every module's missing
 * migrations are applied in one transaction and recorded in
 * schema_migrations(module, version); either all apply or none does.
 *
 * A store that records a module this binary does not know, or a version
 * above the highest this binary has, was written by a newer pilotlight and
 * is refused (ERR_STORE_NEWER) rather than guessed at.
 *
 * Every table must declare a non-null primary key (SQLite's session
 * extension, used for backups, ignores tables without one): a migration that
 * leaves such a table is refused.
 */
#ifndef PL_STORE_MIGRATE_H
#define PL_STORE_MIGRATE_H

#include "core/err.h"

struct store;

struct migration {
    const char *module; /* e.g. "tenants"; NULL ends a list */
    int version;        /* 1-based, contiguous within a module */
    const char *sql;    /* one or more statements */
};

/* Apply sets (NULL-ended array of lists) to st. */
enum err migrate_apply(struct store *st, const struct migration *const *sets);

/* The registered lists for each store kind (src/store/schema.c). */
extern const struct migration *const schema_platform[];
extern const struct migration *const schema_tenant[];

#endif
