/*
 * payments_int.h — what the payments module's files share among
 * themselves (not for other modules: they use ledger.h, payments.h).
 */
#ifndef PL_PAYMENTS_PAYMENTS_INT_H
#define PL_PAYMENTS_PAYMENTS_INT_H

#include "core/err.h"
#include "core/json.h"

#include <stdbool.h>
#include <stdint.h>

struct store;

/* An invoice as the ledger needs it. */
struct pay_invoice {
    int64_t id, number, customer_id;
    bool issued;     /* false: void (赤黒訂正) */
    char due_on[11]; /* its due date, its issue date when it has none */
    char issued_on[11];
    int64_t total_yen, amount_due_yen;
    char payment_method[16];
};

/* ERR_CUSTOMER_NOT_FOUND (with a Japanese detail) unless id exists. */
enum err pay_customer_exists(struct store *st, int64_t id);
/* {"id", "number", "name"}; ERR_CUSTOMER_NOT_FOUND. */
enum err pay_customer_json(struct store *st, int64_t id, json_t **out);
/* The invoice by id or by its number; ERR_INVOICE_NOT_FOUND. */
enum err pay_invoice_get(struct store *st, int64_t id, struct pay_invoice *out);
enum err pay_invoice_by_number(struct store *st, int64_t number,
                               struct pay_invoice *out);

#endif
