/*
 * payments_http.h — reading the payments routes' query parameters and
 * bodies (payments_api.c, transfers_api.c, dunning_api.c): every problem
 * becomes a field error with a Japanese message on k.
 */
#ifndef PL_PAYMENTS_PAYMENTS_HTTP_H
#define PL_PAYMENTS_PAYMENTS_HTTP_H

#include "core/json.h"

#include <stdbool.h>
#include <stdint.h>

struct req;
struct store;

/* An integer query value within [lo, hi]; def when absent. */
void pay_query_int(struct req *r, struct jcheck *k, const char *name,
                   int64_t def, int64_t lo, int64_t hi, int64_t *out);
/* A date query value (YYYY-MM-DD) into out; def ("" or a date) when
 * absent. */
void pay_query_date(struct req *r, struct jcheck *k, const char *name,
                    const char *def, char out[11]);
/* A query value that must be one of allowed (NULL-ended); NULL when
 * absent. */
const char *pay_query_enum(struct req *r, struct jcheck *k, const char *name,
                           const char *const *allowed);
/* A date in the body (YYYY-MM-DD) into out ("" when absent and not
 * required); not_future refuses dates after today (JST). */
void pay_body_date(struct jcheck *k, const json_t *b, const char *key,
                   bool required, bool not_future, char out[11]);
/* A positive id in the body (0 when absent). */
void pay_body_id(struct jcheck *k, const json_t *b, const char *key,
                 bool required, int64_t *out);
/* Field errors when the customer or the invoice named by the body does
 * not exist (the store's other failures are returned). */
enum err pay_check_customer(struct store *st, struct jcheck *k, const char *key,
                            int64_t id);
enum err pay_check_invoice(struct store *st, struct jcheck *k, const char *key,
                           int64_t id, int64_t *customer_id);

#endif
