/*
 * devices_store.c — the device registry's SQL and its changes (devices.h
 * has the rules: two stores per change, tenant first; links from the
 * ledger).
 */
#include "core/log.h"
#include "core/timeutil.h"
#include "monitor/devices.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define DEVICE_COLUMNS                                                         \
    "SELECT d.device_id, d.tenant_id, t.code, d.kind, d.meter_id,"             \
    " d.appliance_id, d.supply_point_id, d.note, d.status, d.epoch,"           \
    " d.key_fp, d.seal_kid, d.key_sealed, d.registered_at, d.registered_by,"   \
    " d.retired_at, d.last_seen_at, d.last_seq, d.rev"                         \
    " FROM devices d JOIN tenants t ON t.id = d.tenant_id"

static void
copy(char *out, size_t n, const char *s)
{
    snprintf(out, n, "%s", s ? s : "");
}

static void
row_fill(struct stmt *s, struct device *d)
{
    memset(d, 0, sizeof(*d));
    copy(d->device_id, sizeof(d->device_id), stmt_text(s, 0));
    d->tenant_id = stmt_int(s, 1);
    copy(d->tenant, sizeof(d->tenant), stmt_text(s, 2));
    int k = device_kind_parse(stmt_text(s, 3));
    d->kind = k < 0 ? DEVICE_GATEWAY : (enum device_kind)k;
    d->meter_id = stmt_int(s, 4);
    d->appliance_id = stmt_int(s, 5);
    d->supply_point_id = stmt_int(s, 6);
    copy(d->note, sizeof(d->note), stmt_text(s, 7));
    d->active = stmt_text(s, 8) && !strcmp(stmt_text(s, 8), "active");
    d->epoch = stmt_int(s, 9);
    copy(d->key_fp, sizeof(d->key_fp), stmt_text(s, 10));
    copy(d->seal_kid, sizeof(d->seal_kid), stmt_text(s, 11));
    copy(d->key_sealed, sizeof(d->key_sealed), stmt_text(s, 12));
    copy(d->registered_at, sizeof(d->registered_at), stmt_text(s, 13));
    copy(d->registered_by, sizeof(d->registered_by), stmt_text(s, 14));
    copy(d->retired_at, sizeof(d->retired_at), stmt_text(s, 15));
    copy(d->last_seen_at, sizeof(d->last_seen_at), stmt_text(s, 16));
    d->last_seq = stmt_is_null(s, 17) ? -1 : stmt_int(s, 17);
    d->rev = stmt_int(s, 18);
}

enum err
device_get(struct store *platform, int64_t tenant_id, const char *device_id,
           struct device *out)
{
    struct stmt *s;
    bool row = false;
    enum err rc =
        store_query(platform, &s,
                    DEVICE_COLUMNS " WHERE d.device_id = $1"
                                   " AND ($2 = 0 OR d.tenant_id = $2)",
                    "ti", device_id, tenant_id);
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        row_fill(s, out);
    stmt_done(s);
    if (!rc && !row)
        rc = err_fail(ERR_DEVICE_NOT_FOUND, "機器 %s は登録されていません",
                      device_id);
    return rc;
}

static json_t *
opt_id(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

static json_t *
opt_str(const char *s)
{
    return *s ? json_string(s) : json_null();
}

json_t *
device_json(const struct device *d)
{
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:o,"
        " s:o}",
        "device_id", d->device_id, "kind", device_kind_name(d->kind),
        "kind_label", device_kind_label_ja(d->kind), "status",
        d->active ? "active" : "retired", "epoch", (json_int_t)d->epoch,
        "meter_id", opt_id(d->meter_id), "appliance_id",
        opt_id(d->appliance_id), "supply_point_id", opt_id(d->supply_point_id),
        "note", opt_str(d->note), "key_fingerprint", d->key_fp, "registered_at",
        d->registered_at, "registered_by", d->registered_by, "retired_at",
        opt_str(d->retired_at), "last_seen_at", opt_str(d->last_seen_at));
    json_object_set_new(j, "last_seq",
                        d->last_seq < 0 ? json_null()
                                        : json_integer(d->last_seq));
    return j;
}

enum err
device_list(struct store *platform, int64_t tenant_id, const char *status,
            int kind, const char *after, int limit, json_t **out)
{
    struct stmt *s;
    struct device d;
    bool row = false;
    int n = 0;
    const char *kname = kind >= 0 ? device_kind_name(kind) : NULL;
    json_t *list = json_array(), *next = json_null();
    enum err rc =
        store_query(platform, &s,
                    DEVICE_COLUMNS " WHERE d.tenant_id = $1"
                                   " AND d.device_id > $2"
                                   " AND ($3 IS NULL OR d.status = $3)"
                                   " AND ($4 IS NULL OR d.kind = $4)"
                                   " ORDER BY d.device_id LIMIT $5",
                    "ittti", tenant_id, after ? after : "", status, kname,
                    (int64_t)limit + 1);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        row_fill(s, &d);
        if (++n > limit) {
            json_decref(next);
            next = json_string(json_string_value(json_object_get(
                json_array_get(list, json_array_size(list) - 1), "device_id")));
            break;
        }
        json_array_append_new(list, device_json(&d));
    }
    stmt_done(s);
    if (rc) {
        json_decref(list);
        json_decref(next);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "devices", list, "next", next);
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Sealing keys                                                           */
/* ---------------------------------------------------------------------- */

enum err
device_seal_key_publish(struct store *platform,
                        const unsigned char pk[DEVKEY_SEAL_PK])
{
    char kid[DEVKEY_FP_HEX], hex[65], now[32];
    devkey_pk_id(pk, kid);
    devkey_pk_hex(pk, hex);
    time_now_iso(now);
    enum err rc = store_tx_begin(platform);
    if (!rc)
        rc = store_run(platform,
                       "INSERT INTO device_seal_keys (kid, public_key,"
                       " created_at) VALUES ($1, $2, $3)"
                       " ON CONFLICT (kid) DO NOTHING",
                       "ttt", kid, hex, now);
    if (!rc)
        rc = store_tx_commit(platform);
    if (rc)
        store_tx_rollback(platform);
    return rc;
}

enum err
device_seal_key(struct store *platform, unsigned char pk[DEVKEY_SEAL_PK],
                char kid[DEVKEY_FP_HEX])
{
    struct stmt *s;
    bool row = false, ok = false;
    enum err rc = store_query(platform, &s,
                              "SELECT kid, public_key FROM device_seal_keys"
                              " ORDER BY created_at DESC, kid LIMIT 1",
                              "");
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        copy(kid, DEVKEY_FP_HEX, stmt_text(s, 0));
        ok = devkey_pk_from_hex(stmt_text(s, 1), pk);
    }
    stmt_done(s);
    if (!rc && !ok)
        rc = err_fail(ERR_DEVICE_SEAL_KEY_MISSING,
                      "ingest has not published its sealing key yet: start "
                      "`pilotlight ingest` once on this data directory");
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Links from the ledger                                                  */
/* ---------------------------------------------------------------------- */

/* The record named by id in table (meters/appliances): its point, the
 * device id it carries, and for appliances whether it is a water heater. */
static enum err
link_by_id(struct store *t, bool meter, int64_t id, const char *device_id,
           int64_t *point)
{
    struct stmt *s;
    bool row = false, heater = true;
    char carried[DEVICE_ID_MAX + 1] = "";
    enum err rc =
        meter ? store_query(t, &s,
                            "SELECT supply_point_id, device_id, 'water_heater'"
                            " FROM meters WHERE id = $1",
                            "i", id)
              : store_query(t, &s,
                            "SELECT supply_point_id, device_id, kind"
                            " FROM appliances WHERE id = $1",
                            "i", id);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *point = stmt_int(s, 0);
        copy(carried, sizeof(carried), stmt_text(s, 1));
        heater = stmt_text(s, 2) && !strcmp(stmt_text(s, 2), "water_heater");
    }
    stmt_done(s);
    const char *what = meter ? "メーター" : "給湯器";
    if (!rc && !row)
        rc = err_fail(ERR_DEVICE_LINK, "%s %" PRId64 " は台帳にありません",
                      what, id);
    else if (!rc && !heater)
        rc = err_fail(ERR_DEVICE_LINK,
                      "消費機器 %" PRId64 " は給湯器ではあり"
                      "ません",
                      id);
    else if (!rc && strcmp(carried, device_id) != 0)
        rc = err_fail(ERR_DEVICE_LINK,
                      "%s %" PRId64 " の機器IDが %s ではありません（台帳で"
                      "機器IDを登録してから登録してください）",
                      what, id, device_id);
    return rc;
}

/* The installed meter or appliance carrying device_id, if any. */
static enum err
link_by_device(struct store *t, bool meter, const char *device_id, int64_t *id,
               int64_t *point)
{
    struct stmt *s;
    bool row = false;
    enum err rc =
        meter ? store_query(t, &s,
                            "SELECT id, supply_point_id FROM meters"
                            " WHERE device_id = $1 AND removed_date IS NULL"
                            " ORDER BY id DESC LIMIT 1",
                            "t", device_id)
              : store_query(t, &s,
                            "SELECT id, supply_point_id FROM appliances"
                            " WHERE device_id = $1 AND removed_date IS NULL"
                            " ORDER BY id DESC LIMIT 1",
                            "t", device_id);
    *id = *point = 0;
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *id = stmt_int(s, 0);
        *point = stmt_int(s, 1);
    }
    stmt_done(s);
    return rc;
}

/* Fill d's links for in; a note in warning when nothing carries the id. */
static enum err
link_resolve(struct store *t, const struct device_in *in, struct device *d,
             char warning[256])
{
    bool meter = in->kind == DEVICE_SMART_METER;
    int64_t given = meter ? in->meter_id : in->appliance_id, id = 0, pt = 0;
    enum err rc = ERR_OK;
    warning[0] = '\0';
    if (in->kind == DEVICE_GATEWAY)
        return ERR_OK;
    if (given) {
        rc = link_by_id(t, meter, given, in->device_id, &pt);
        id = given;
    } else {
        rc = link_by_device(t, meter, in->device_id, &id, &pt);
        if (!rc && !id)
            snprintf(warning, 256,
                     "台帳に機器ID %s の%sがありません。台帳に登録するまで"
                     "、この機器のデータは供給地点に結び付きません",
                     in->device_id, meter ? "メーター" : "給湯器");
    }
    d->meter_id = meter ? id : 0;
    d->appliance_id = meter ? 0 : id;
    d->supply_point_id = pt;
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Changes                                                                */
/* ---------------------------------------------------------------------- */

static enum err
invalid(const char *detail)
{
    return err_fail(ERR_INVALID, "%s", detail);
}

static enum err
in_check(const struct device_in *in)
{
    if (!monitor_device_id_valid(in->device_id))
        return invalid("機器IDは半角英数字と - _ . : の1〜64文字です");
    if ((unsigned)in->kind >= DEVICE_KIND_COUNT)
        return invalid("機器の種類は smart_meter、water_heater、gateway の"
                       "いずれかです");
    if (in->meter_id < 0 || in->appliance_id < 0 ||
        (in->meter_id && in->kind != DEVICE_SMART_METER) ||
        (in->appliance_id && in->kind != DEVICE_WATER_HEATER))
        return invalid("meter_id はスマートメーターに、appliance_id は給湯器"
                       "アダプターにだけ指定できます");
    size_t chars = in->note ? utf8_chars(in->note) : 0;
    if (chars > DEVICE_NOTE_MAX)
        return invalid("メモは100文字までです");
    for (const char *p = in->note; p && *p; p++)
        if ((unsigned char)*p < 0x20)
            return invalid("メモに制御文字は使えません");
    return ERR_OK;
}

/* The two open transactions of a change. */
struct change {
    struct store *platform, *tenant;
    bool open;
};

static enum err
change_begin(struct change *c)
{
    enum err rc = store_tx_begin(c->tenant);
    if (rc)
        return rc;
    if ((rc = store_tx_begin(c->platform))) {
        store_tx_rollback(c->tenant);
        return rc;
    }
    c->open = true;
    return ERR_OK;
}

/* Commit (tenant first, see devices.h) or, after rc, roll back. */
static enum err
change_end(struct change *c, enum err rc)
{
    if (!c->open)
        return rc;
    c->open = false;
    if (!rc && (rc = store_tx_commit(c->tenant)))
        store_tx_rollback(c->tenant);
    else if (rc)
        store_tx_rollback(c->tenant);
    else if ((rc = store_tx_commit(c->platform)))
        log_msg(LOG_ERROR, "device.registry_commit_failed",
                "the audit entry was written but the registry change was "
                "not: %s",
                err_detail());
    if (rc)
        store_tx_rollback(c->platform);
    return rc;
}

static enum err
next_rev(struct store *platform, int64_t *rev)
{
    struct stmt *s;
    bool row = false;
    enum err rc = store_query(
        platform, &s, "SELECT COALESCE(MAX(rev), 0) + 1 FROM devices", "");
    if (!rc && !(rc = stmt_step(s, &row)) && row)
        *rev = stmt_int(s, 0);
    stmt_done(s);
    return rc;
}

/* A new key for d at its epoch: sealed into d, plain into key_hex. */
static enum err
key_make(struct store *platform, struct device *d, char key_hex[DEVKEY_HEX])
{
    unsigned char pk[DEVKEY_SEAL_PK], key[DEVKEY_BYTES];
    enum err rc = device_seal_key(platform, pk, d->seal_kid);
    if (rc)
        return rc;
    devkey_generate(key);
    devkey_seal(pk, d->device_id, d->epoch, key, d->key_sealed);
    devkey_fingerprint(key, d->key_fp);
    devkey_hex(key, key_hex);
    devkey_wipe(key, sizeof(key));
    return ERR_OK;
}

static json_t *
audit_detail(const struct device *d)
{
    json_t *j = json_pack("{s:s, s:s, s:I, s:s}", "device_id", d->device_id,
                          "kind", device_kind_name(d->kind), "epoch",
                          (json_int_t)d->epoch, "key_fingerprint", d->key_fp);
    if (d->meter_id)
        json_object_set_new(j, "meter_id", json_integer(d->meter_id));
    if (d->appliance_id)
        json_object_set_new(j, "appliance_id", json_integer(d->appliance_id));
    return j;
}

static enum err
audit_write(device_audit_fn audit, void *arg, struct store *tenant,
            const char *action, const struct device *d)
{
    char target[DEVICE_ID_MAX + 16];
    snprintf(target, sizeof(target), "device:%s", d->device_id);
    return audit(arg, tenant, action, target, audit_detail(d));
}

/* Insert d, or rewrite the retired row of the same id. */
static enum err
row_write(struct store *platform, const struct device *d, bool update)
{
    int64_t rev = 0;
    enum err rc = next_rev(platform, &rev);
    if (rc)
        return rc;
    if (update)
        return store_run(
            platform,
            "UPDATE devices SET kind = $2, meter_id = NULLIF($3, 0),"
            " appliance_id = NULLIF($4, 0), supply_point_id = NULLIF($5, 0),"
            " note = $6, status = 'active', epoch = $7, key_sealed = $8,"
            " key_fp = $9, seal_kid = $10, registered_at = $11,"
            " registered_by = $12, retired_at = NULL, retired_by = NULL,"
            " rev = $13 WHERE device_id = $1",
            "ttiiitittttti", d->device_id, device_kind_name(d->kind),
            d->meter_id, d->appliance_id, d->supply_point_id,
            d->note[0] ? d->note : NULL, d->epoch, d->key_sealed, d->key_fp,
            d->seal_kid, d->registered_at, d->registered_by, rev);
    return store_run(
        platform,
        "INSERT INTO devices (device_id, tenant_id, kind, meter_id,"
        " appliance_id, supply_point_id, note, epoch, key_sealed, key_fp,"
        " seal_kid, registered_at, registered_by, rev)"
        " VALUES ($1, $2, $3, NULLIF($4, 0), NULLIF($5, 0), NULLIF($6, 0),"
        " $7, $8, $9, $10, $11, $12, $13, $14)",
        "titiiitittttti", d->device_id, d->tenant_id, device_kind_name(d->kind),
        d->meter_id, d->appliance_id, d->supply_point_id,
        d->note[0] ? d->note : NULL, d->epoch, d->key_sealed, d->key_fp,
        d->seal_kid, d->registered_at, d->registered_by, rev);
}

/* The body of a registration inside the open change. */
static enum err
register_in(struct change *c, int64_t tenant_id, const struct device_in *in,
            const char *actor, struct device *d, char key_hex[DEVKEY_HEX],
            char warning[256])
{
    struct device old;
    enum err rc = device_get(c->platform, 0, in->device_id, &old);
    bool again = !rc;
    if (rc && rc != ERR_DEVICE_NOT_FOUND)
        return rc;
    if (again && (old.tenant_id != tenant_id || old.active))
        return err_fail(ERR_DEVICE_EXISTS, "機器ID %s は登録済みです",
                        in->device_id);
    memset(d, 0, sizeof(*d));
    copy(d->device_id, sizeof(d->device_id), in->device_id);
    copy(d->note, sizeof(d->note), in->note);
    copy(d->registered_by, sizeof(d->registered_by), actor);
    time_now_iso(d->registered_at);
    d->tenant_id = tenant_id;
    d->kind = in->kind;
    d->active = true;
    d->epoch = again ? old.epoch + 1 : 1;
    if ((rc = link_resolve(c->tenant, in, d, warning)))
        return rc;
    if ((rc = key_make(c->platform, d, key_hex)))
        return rc;
    return row_write(c->platform, d, again);
}

enum err
device_register(struct store *platform, struct store *tenant, int64_t tenant_id,
                const struct device_in *in, const char *actor,
                device_audit_fn audit, void *arg, struct device *out,
                char key_hex[DEVKEY_HEX], char warning[256])
{
    struct change c = {platform, tenant, false};
    struct device d;
    enum err rc = in_check(in);
    warning[0] = key_hex[0] = '\0';
    if (!rc)
        rc = change_begin(&c);
    if (!rc)
        rc = register_in(&c, tenant_id, in, actor, &d, key_hex, warning);
    if (!rc)
        rc = audit_write(audit, arg, tenant, "device.register", &d);
    rc = change_end(&c, rc);
    if (!rc)
        rc = device_get(platform, tenant_id, in->device_id, out);
    if (rc)
        devkey_wipe(key_hex, DEVKEY_HEX);
    return rc;
}

enum err
device_rekey(struct store *platform, struct store *tenant, int64_t tenant_id,
             const char *device_id, const char *actor, device_audit_fn audit,
             void *arg, struct device *out, char key_hex[DEVKEY_HEX])
{
    struct change c = {platform, tenant, false};
    struct device d;
    int64_t rev = 0;
    (void)actor; /* the audit entry names who */
    key_hex[0] = '\0';
    enum err rc = change_begin(&c);
    if (!rc)
        rc = device_get(platform, tenant_id, device_id, &d);
    if (!rc && !d.active)
        rc = err_fail(ERR_DEVICE_RETIRED, "機器 %s は使用停止済みです",
                      device_id);
    if (!rc) {
        d.epoch++;
        rc = key_make(platform, &d, key_hex);
    }
    if (!rc)
        rc = next_rev(platform, &rev);
    if (!rc)
        rc = store_run(platform,
                       "UPDATE devices SET epoch = $2, key_sealed = $3,"
                       " key_fp = $4, seal_kid = $5, rev = $6"
                       " WHERE device_id = $1",
                       "tittti", device_id, d.epoch, d.key_sealed, d.key_fp,
                       d.seal_kid, rev);
    if (!rc)
        rc = audit_write(audit, arg, tenant, "device.rekey", &d);
    rc = change_end(&c, rc);
    if (!rc)
        rc = device_get(platform, tenant_id, device_id, out);
    if (rc)
        devkey_wipe(key_hex, DEVKEY_HEX);
    return rc;
}

enum err
device_retire(struct store *platform, struct store *tenant, int64_t tenant_id,
              const char *device_id, const char *actor, device_audit_fn audit,
              void *arg, struct device *out)
{
    struct change c = {platform, tenant, false};
    struct device d;
    char now[32];
    int64_t rev = 0;
    time_now_iso(now);
    enum err rc = change_begin(&c);
    if (!rc)
        rc = device_get(platform, tenant_id, device_id, &d);
    if (!rc && !d.active)
        rc = err_fail(ERR_DEVICE_RETIRED, "機器 %s は使用停止済みです",
                      device_id);
    if (!rc)
        rc = next_rev(platform, &rev);
    if (!rc)
        rc = store_run(platform,
                       "UPDATE devices SET status = 'retired',"
                       " retired_at = $2, retired_by = $3, rev = $4"
                       " WHERE device_id = $1",
                       "ttti", device_id, now, actor, rev);
    if (!rc)
        rc = audit_write(audit, arg, tenant, "device.retire", &d);
    rc = change_end(&c, rc);
    if (!rc)
        rc = device_get(platform, tenant_id, device_id, out);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* For ingest                                                             */
/* ---------------------------------------------------------------------- */

enum err
device_changes(struct store *platform, int64_t after_rev, int limit,
               bool (*fn)(const struct device *d, void *arg), void *arg)
{
    struct stmt *s;
    struct device d;
    bool row = false;
    enum err rc = store_query(platform, &s,
                              DEVICE_COLUMNS " WHERE d.rev > $1"
                                             " ORDER BY d.rev LIMIT $2",
                              "ii", after_rev, (int64_t)limit);
    while (!rc && !(rc = stmt_step(s, &row)) && row) {
        row_fill(s, &d);
        if (!fn(&d, arg))
            break;
    }
    stmt_done(s);
    return rc;
}

enum err
device_touch(struct store *platform, const char *device_id, int64_t epoch,
             const char *seen_at, int64_t last_seq)
{
    return store_run(platform,
                     "UPDATE devices SET last_seen_at = $3, last_seq = $4"
                     " WHERE device_id = $1 AND epoch = $2"
                     " AND (last_seen_at IS NULL OR last_seen_at < $3)",
                     "titi", device_id, epoch, seen_at, last_seq);
}
