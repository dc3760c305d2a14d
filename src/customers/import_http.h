/*
 * import_http.h — what every file import (顧客, 検針値) reads from its
 * request and how it answers, shared by the import routes.
 *
 * The body is the file itself, as a browser's fetch(file) sends it, with a
 * CSV media type (text/csv, application/csv, text/plain,
 * text/comma-separated-values, application/vnd.ms-excel, or
 * application/octet-stream); options are query parameters:
 *
 *   dry_run   true: check and report, write nothing (default false)
 *   charset   auto (default) | utf-8 | shift_jis; else the Content-Type's
 *             charset parameter, else detected
 *   header    true (default): the first row holds the headings
 *   mapping   a JSON object {"heading or column number": "target"}
 *             (URL-encoded); absent: headings matched by name
 */
#ifndef PL_CUSTOMERS_IMPORT_HTTP_H
#define PL_CUSTOMERS_IMPORT_HTTP_H

#include "core/err.h"
#include "core/json.h"
#include "customers/charset.h"

#include <stdbool.h>

struct req;

struct import_request {
    enum charset charset;  /* CHARSET_AUTO to detect */
    bool header;           /* the first row holds the headings */
    const json_t *mapping; /* owned by the request, or NULL */
    bool dry_run;
};

/* Read the options; 415 for another media type, field errors (422) for
 * bad parameters, import.mapping for a mapping that is not an object. */
enum err import_request_read(struct req *r, struct import_request *o);

/*
 * Answer a run: 200 with the summary (a dry run answers its report even
 * when rows have errors); a real run with failed rows: import.rows_invalid
 * with the summary's error list as the problem's errors[]. Takes summary.
 */
enum err import_request_answer(struct req *r, enum err rc,
                               const struct import_request *o, json_t *summary);

#endif
