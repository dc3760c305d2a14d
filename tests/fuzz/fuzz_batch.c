/*
 * fuzz_batch.c — libFuzzer target for the batch parser of ingest
 * (src/monitor/batch.c): any bytes as the body of POST /v1/batches, from a
 * device of each kind.
 *
 * Checks what batch.h promises: the answer is OK, http.malformed_json
 * (without field errors) or ingest.batch_invalid (with 1..BATCH_ERRORS_MAX
 * + 1 field errors); an accepted batch has 1..BATCH_MESSAGES_MAX messages
 * with strictly increasing seqs in 1..2^53−1, each of a kind the device
 * may send; each message's canonical text is JSON that parses again
 * (batch_message_parse) to exactly the same text.
 */
#include "monitor/batch.h"

#include <stdlib.h>
#include <string.h>

static void
check_message(const struct batch *b, size_t i, enum device_kind dk)
{
    const struct batch_msg *m = &b->msgs[i];
    json_t *v = NULL;
    struct batch again;
    struct jcheck k;
    if (m->seq < 1 || m->seq > BATCH_SEQ_MAX ||
        (i && m->seq <= b->msgs[i - 1].seq) ||
        !monitor_msg_allowed(dk, m->kind))
        abort();
    if (json_parse(b->text.data + m->off, m->len, &v) || !json_is_object(v))
        abort();
    batch_init(&again);
    jcheck_init(&k);
    if (batch_message_parse(v, dk, &again, &k) || again.n != 1 ||
        again.msgs[0].len != m->len ||
        memcmp(again.text.data, b->text.data + m->off, m->len) != 0)
        abort();
    jcheck_free(&k);
    batch_free(&again);
    json_decref(v);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    for (int dk = 0; dk < DEVICE_KIND_COUNT; dk++) {
        struct batch b;
        struct jcheck k;
        batch_init(&b);
        jcheck_init(&k);
        enum err rc = batch_parse((const char *)data, size, "NCU-0001A2B3",
                                  (enum device_kind)dk, &b, &k);
        size_t nerr = json_array_size(k.errors);
        if (rc == ERR_OK) {
            if (nerr || b.n < 1 || b.n > BATCH_MESSAGES_MAX ||
                strcmp(b.device_id, "NCU-0001A2B3") != 0)
                abort();
            for (size_t i = 0; i < b.n; i++)
                check_message(&b, i, (enum device_kind)dk);
        } else if (rc == ERR_HTTP_BAD_JSON) {
            if (nerr)
                abort();
        } else if (rc != ERR_INGEST_BATCH_INVALID || nerr < 1 ||
                   nerr > BATCH_ERRORS_MAX + 1) {
            abort();
        }
        jcheck_free(&k);
        batch_free(&b);
    }
    return 0;
}
