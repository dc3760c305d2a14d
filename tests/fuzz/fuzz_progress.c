/*
 * fuzz_progress.c — libFuzzer target for src/status/status_parse.c and the
 * restore view: any bytes as a heartbeat document, as one progress line,
 * and as a whole progress file (status_restore_view). What the parsers
 * accept must hold their promises (a valid component name, a known state,
 * a percent in 0-100); nothing may crash or leak.
 */
#include "status/status.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct status_hb hb;
    struct status_point pt;
    if (size > 1 << 20)
        return 0;
    if (status_hb_parse(p, size, &hb) == ERR_OK) {
        if (!status_name_valid(hb.component) || !hb.detail ||
            json_object_size(hb.detail) > STATUS_DETAIL_KEYS)
            abort();
        status_hb_free(&hb);
    }
    if (status_point_parse(p, size, &pt) == ERR_OK) {
        int pm = status_point_permille(&pt);
        if (pm < -1 || pm > 1000)
            abort();
        (void)status_point_final(&pt);
    }
    json_t *r = status_restore_view(p, size, 1800000000000LL, 120);
    if (!json_is_null(r) &&
        json_array_size(json_object_get(r, "points")) > STATUS_POINTS_SHOWN)
        abort();
    json_decref(r);
    return 0;
}
