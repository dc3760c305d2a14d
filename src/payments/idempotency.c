/*
 * idempotency.c — the answers of POST /api/v1/payments sent with an
 * Idempotency-Key, in payment_idempotency (payments_migrations.c): one row
 * per user (actor) and key, with the request's hash and the answer, kept
 * IDEMPOTENCY_KEEP_S seconds. The route looks the key up before posting
 * and again inside its transaction (the store's write lock makes the
 * second look final), then saves the answer in that transaction, so a
 * retry sees either nothing or the committed answer.
 */
#include "payments/payments.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

bool
idempotency_key_valid(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n < 1 || n > IDEMPOTENCY_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)key[i] < 0x21 || (unsigned char)key[i] > 0x7E)
            return false;
    return true;
}

enum err
idempotency_find(struct store *st, const char *actor, const char *key,
                 const char *hash, int64_t now_s, struct idem_hit *hit)
{
    struct stmt *s;
    bool row = false;
    memset(hit, 0, sizeof(*hit));
    enum err rc =
        store_query(st, &s,
                    "SELECT request_hash, status, response"
                    " FROM payment_idempotency WHERE actor = $1"
                    " AND key = $2 AND created_s > $3",
                    "tti", actor, key, (int64_t)(now_s - IDEMPOTENCY_KEEP_S));
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        hit->found = true;
        hit->same = !strcmp(stmt_text(s, 0), hash);
        hit->status = (int)stmt_int(s, 1);
        hit->response = strdup(stmt_text(s, 2));
        if (!hit->response)
            rc = err_fail(ERR_INTERNAL, "out of memory");
    }
    stmt_done(s);
    return rc;
}

enum err
idempotency_save(struct store *st, const char *actor, const char *key,
                 const char *hash, int status, const char *response,
                 int64_t now_s)
{
    enum err rc = store_run(st,
                            "DELETE FROM payment_idempotency"
                            " WHERE created_s <= $1",
                            "i", (int64_t)(now_s - IDEMPOTENCY_KEEP_S));
    if (!rc)
        rc = store_run(st,
                       "INSERT INTO payment_idempotency (actor, key,"
                       " request_hash, status, response, created_s)"
                       " VALUES ($1, $2, $3, $4, $5, $6)",
                       "tttiti", actor, key, hash, (int64_t)status, response,
                       now_s);
    return rc;
}
