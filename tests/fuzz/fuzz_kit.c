/*
 * fuzz_kit.c — libFuzzer target for the recovery kit reader
 * (keys_kit_parse in src/vault/keys.c): the kit is typed back in by a
 * person after a disaster, so any text must give a clear error or a
 * keyring. A keyring it accepts must export (keys_kit_export) to a kit
 * that reads back to the same keys.
 */
#include "core/buf.h"
#include "vault/keys.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct keyring kr, again;
    struct buf out;
    if (size > 1 << 16)
        return 0;
    memset(&kr, 0, sizeof(kr));
    if (keys_kit_parse((const char *)data, size, &kr) != ERR_OK) {
        keys_wipe(&kr);
        return 0;
    }
    buf_init(&out, 1 << 20);
    if (keys_kit_export(&kr, &out))
        abort(); /* an accepted kit always exports */
    memset(&again, 0, sizeof(again));
    if (keys_kit_parse(out.data, out.len, &again) != ERR_OK)
        abort();
    if (memcmp(kr.backup, again.backup, sizeof(kr.backup)) != 0 ||
        kr.ntrusted != again.ntrusted ||
        memcmp(kr.trusted, again.trusted,
               kr.ntrusted * sizeof(kr.trusted[0])) != 0)
        abort(); /* to the same keys */
    keys_wipe(&kr);
    keys_wipe(&again);
    buf_free(&out);
    return 0;
}
