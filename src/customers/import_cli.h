/*
 * import_cli.h — `pilotlight import customers|readings FILE --tenant CODE`,
 * and what every import command shares (reading the file and the mapping,
 * printing errors, the audit entry).
 */
#ifndef PL_CUSTOMERS_IMPORT_CLI_H
#define PL_CUSTOMERS_IMPORT_CLI_H

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"

struct store;

/*
 * argv starts after "import". Returns the exit code: 0 imported (or a dry
 * run without errors), 1 errors (each printed as FILE:LINE: column X:
 * message; nothing imported) or failure, 2 bad usage.
 */
int import_main(int argc, char **argv);

struct opt;

/* One import command: its help, options and the job on the file's bytes.
 * import_cli_command parses argv (FILE then options into opts), reads the
 * file (at most bytes_max) and the mapping, runs, and gives the exit code
 * (see import_main). */
struct import_cli_cmd {
    const char *name; /* for error messages: "import readings" */
    const char *usage, *what;
    const struct opt *table;
    size_t bytes_max;
    void *opts;
    const char *(*mapping)(const void *opts); /* the --mapping text */
    enum err (*run)(const void *opts, const char *file, const struct buf *b,
                    const json_t *mapping);
};
int import_cli_command(const struct import_cli_cmd *c, int argc, char **argv);

/* The whole file at path into b (bounded by b's maximum). */
enum err import_cli_read_file(const char *path, struct buf *b);
/* --mapping: JSON text, or @FILE holding it; *out NULL when arg is "". */
enum err import_cli_mapping(const char *arg, json_t **out);
/* Print each error as FILE:LINE: column X: message (stderr); shown is how
 * many a summary lists at most. */
void import_cli_print_errors(const char *file, const json_t *summary,
                             int shown);
/* Audit an import by the CLI's user, the file's base name in detail
 * (taken). */
enum err import_cli_audit(struct store *st, const char *file,
                          const char *action, const char *target,
                          json_t *detail);

#endif
