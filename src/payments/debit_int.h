/*
 * debit_int.h — what the direct-debit files share among themselves
 * (debit_store.c, debit_result.c); other code uses debit.h.
 */
#ifndef PL_PAYMENTS_DEBIT_INT_H
#define PL_PAYMENTS_DEBIT_INT_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define DEBIT_FILES_MAX 512 /* files of one request (per bank) */

/* A request's row. */
struct debit_req_row {
    int64_t id;
    char status[12];
    char debit_on[11];
    char requester_code[11];
};

/* A stored file's row (without its content). */
struct debit_file_row {
    int64_t id, request_id;
    int file_no;
    char bank_code[5];
    size_t lines, bytes;
    int64_t amount_yen;
    char blake2b[65];
    bool has_result;
};

/* ERR_DEBIT_REQUEST_NOT_FOUND unless request id exists. */
enum err debit_req_get(struct store *st, int64_t id, struct debit_req_row *out);
/* The request's files by number into rows[0..cap); *n gets the count. */
enum err debit_files_get(struct store *st, int64_t request_id,
                         struct debit_file_row *rows, size_t cap, size_t *n);
/* The file file_no of rows[0..n) (0: the only one); ERR_DEBIT_FILE_NOT_FOUND
 * naming the numbers there are. */
enum err debit_file_pick(const struct debit_file_row *rows, size_t n,
                         int file_no, const struct debit_file_row **out);
/* The stored bytes of file f into out (initialised here; caller frees),
 * checked against their BLAKE2b (ERR_INTERNAL when they differ). */
enum err debit_file_content(struct store *st, const struct debit_file_row *f,
                            struct buf *out);

#endif
