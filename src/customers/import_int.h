/*
 * import_int.h — the import job's insides, shared by import.c (rows),
 * import_map.c (headings and values) and import_run.c (the store).
 * Nothing outside those files includes it.
 */
#ifndef PL_CUSTOMERS_IMPORT_INT_H
#define PL_CUSTOMERS_IMPORT_INT_H

#include "customers/import.h"

#define IMPORT_TARGETS_MAX 32

/* Where a target's value goes. */
enum tkind {
    T_CUSTOMER, /* a field of customer_fields */
    T_POINT,    /* "point.<field of supply_point_fields>" */
    T_MOVED_IN, /* 入居日 */
    T_STATUS,   /* the customer's status */
};

/* How a raw value is prepared (import_value). */
enum tvalue {
    V_TEXT,   /* trimmed */
    V_NOTE,   /* trimmed, inner line breaks kept */
    V_CODE,   /* full-width ASCII and dashes folded: ０３－ → 03- */
    V_POSTAL, /* as V_CODE, 〒 dropped, 8740000 → 874-0000 */
    V_INT,    /* as V_CODE, digits → a JSON integer */
    V_CLOSING, /* 締め日: as V_INT, 末/末日/月末 → 31, "20日" → 20 */
    V_DATE, /* 2024/4/1, 2024年4月1日, 20240401, 令和6年4月1日, R6.4.1
               → 2024-04-01 */
    V_WORD, /* a word of the target's table → its code */
};

struct word {
    const char *word; /* as written (folded when compared) */
    const char *code;
};

struct target {
    const char *name;  /* "number", "point.city" */
    const char *label; /* Japanese, for docs */
    enum tkind kind;
    enum tvalue value;
    const struct word *words;   /* V_WORD */
    const char *const *aliases; /* headings that mean it, NULL-ended */
};

extern const struct target import_targets[];

struct column {
    int target;  /* index in import_targets, -1 = not imported */
    char *label; /* heading, or "3列目" (owned) */
};

struct seen_slot;

struct import {
    char *text; /* the file as UTF-8 (owned) */
    size_t len;
    size_t bytes; /* the file's size as received */
    enum charset charset;
    char digest[65]; /* BLAKE2b-256 hex of the bytes received */
    struct csv csv;
    bool pending; /* the first row is data (no heading): not yet used */
    bool done;
    size_t ncols;
    struct column col[CSV_COLS_MAX];
    int by_target[IMPORT_TARGETS_MAX]; /* column of each target, or -1 */
    bool defaulted_kind, defaulted_supply_kind;
    size_t rows, valid, nerrors, row_errors;
    json_t *errors; /* the first IMPORT_ERRORS_MAX */
    struct seen_slot *seen;
    size_t seen_cap, seen_used;
};

/* The index of target name, or -1. */
int import_target_find(const char *name);
/* Read the heading row (or not) and give every column its target. */
enum err import_map(struct import *im, const struct import_opts *o);
/* The JSON value for raw under t, NULL when it is empty. tmp (cap bytes)
 * is scratch space. */
json_t *import_value(const struct target *t, const char *raw, char *tmp,
                     size_t cap);
/* A row import_next passed failed later (the ledger has its number). */
void import_row_failed(struct import *im, struct import_row *row);
/* The summary of the job so far (see import_run). */
json_t *import_summary(const struct import *im, bool dry_run);

#endif
