/*
 * fuzz_manifest.c — libFuzzer target for src/vault/manifest.c: any bytes
 * through manifest_parse() (what a restore and the vault read from a
 * vault they do not trust). A document it accepts must serialize
 * (manifest_to_json) into one that parses again to the same document,
 * and its signed bytes must be computable; nothing may crash or leak.
 */
#include "core/buf.h"
#include "vault/manifest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct manifest m, again;
    struct buf a, b, s;
    if (size > 1 << 20)
        return 0;
    if (manifest_parse((const char *)data, size, &m) != ERR_OK) {
        manifest_free(&m);
        return 0;
    }
    buf_init(&a, 4 << 20);
    buf_init(&b, 4 << 20);
    buf_init(&s, 4 << 20);
    if (manifest_to_json(&m, &a) || manifest_signed_bytes(&m, &s))
        abort(); /* an accepted document always serializes */
    if (manifest_parse(a.data, a.len, &again) != ERR_OK)
        abort(); /* and what it writes reads back */
    if (manifest_to_json(&again, &b) || a.len != b.len ||
        memcmp(a.data, b.data, a.len) != 0)
        abort(); /* to the same document */
    manifest_free(&again);
    manifest_free(&m);
    buf_free(&a);
    buf_free(&b);
    buf_free(&s);
    return 0;
}
