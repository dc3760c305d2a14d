/*
 * devices.h — the device registry (devices_migrations.c has the table):
 * registering, re-keying and retiring monitoring devices, for serve's API
 * (devices_api.c) and the CLI (devices_cli.c) alike, and the reads ingest
 * needs for its key cache.
 *
 * A change touches two stores: the registry row in the platform store and
 * the audit entry in the tenant's store (the tenant's admins read their
 * own audit log). Both transactions are opened, the change and the entry
 * written, and the tenant's committed first: if the registry's commit
 * then fails, the audit log holds an entry for a change that did not
 * happen (and the caller reports the failure); the other order could
 * leave a change without its entry, which is worse.
 *
 * Links. A smart meter's device id is carried by its meter in the ledger
 * (meters.device_id), a water heater adapter's by its appliance
 * (appliances.device_id). Registration records the link: the meter or
 * appliance named in the request, which must carry the id
 * (ERR_DEVICE_LINK otherwise: the ledger is the authority), or, when none
 * is named, the installed one that carries it (none: registered without a
 * link, and the answer says so).
 */
#ifndef PL_MONITOR_DEVICES_H
#define PL_MONITOR_DEVICES_H

#include "auth/devkey.h"
#include "core/err.h"
#include "core/json.h"
#include "monitor/monitor.h"
#include "tenants/tenants.h"

#include <stdbool.h>
#include <stdint.h>

struct store;

#define DEVICE_NOTE_MAX  100 /* characters */
#define DEVICE_LIST_MAX  500
#define DEVICE_ACTOR_MAX 96

struct device {
    char device_id[DEVICE_ID_MAX + 1];
    int64_t tenant_id;
    char tenant[TENANT_CODE_MAX + 1]; /* the tenant's code */
    enum device_kind kind;
    int64_t meter_id, appliance_id, supply_point_id; /* 0: none */
    char note[DEVICE_NOTE_MAX * 4 + 1];
    bool active; /* status "active" (else "retired") */
    int64_t epoch;
    char key_fp[DEVKEY_FP_HEX];
    char seal_kid[DEVKEY_FP_HEX];
    char key_sealed[DEVKEY_SEALED_MAX];
    char registered_at[32], registered_by[DEVICE_ACTOR_MAX];
    char retired_at[32], last_seen_at[32]; /* "" when none */
    int64_t last_seq;                      /* -1 when none */
    int64_t rev;
};

/* What a registration asks for. */
struct device_in {
    const char *device_id;
    enum device_kind kind;
    int64_t meter_id, appliance_id; /* 0: find it in the ledger */
    const char *note;               /* NULL or ≤ DEVICE_NOTE_MAX chars */
};

/* Writes the audit entry of a change into the tenant's store, inside its
 * open transaction. Takes detail. */
typedef enum err (*device_audit_fn)(void *arg, struct store *tenant,
                                    const char *action, const char *target,
                                    json_t *detail);

/*
 * Register in->device_id for tenant_id (tenant: its store), or register a
 * retired device of the same tenant again (a new epoch). A new key is
 * made, sealed to ingest's newest key, and returned in key_hex (shown
 * once: nothing can show it again). *out is the registered device;
 * *warning is a Japanese note or "" (e.g. no ledger record carries the
 * id). Errors: ERR_INVALID (detail), ERR_DEVICE_EXISTS, ERR_DEVICE_LINK,
 * ERR_DEVICE_SEAL_KEY_MISSING, store errors.
 */
enum err device_register(struct store *platform, struct store *tenant,
                         int64_t tenant_id, const struct device_in *in,
                         const char *actor, device_audit_fn audit, void *arg,
                         struct device *out, char key_hex[DEVKEY_HEX],
                         char warning[256]);
/* A new key (and epoch) for an active device. ERR_DEVICE_NOT_FOUND,
 * ERR_DEVICE_RETIRED, ERR_DEVICE_SEAL_KEY_MISSING. */
enum err device_rekey(struct store *platform, struct store *tenant,
                      int64_t tenant_id, const char *device_id,
                      const char *actor, device_audit_fn audit, void *arg,
                      struct device *out, char key_hex[DEVKEY_HEX]);
/* Retire an active device: ingest refuses it from then on.
 * ERR_DEVICE_NOT_FOUND, ERR_DEVICE_RETIRED. */
enum err device_retire(struct store *platform, struct store *tenant,
                       int64_t tenant_id, const char *device_id,
                       const char *actor, device_audit_fn audit, void *arg,
                       struct device *out);

/* The device of tenant_id (0: of any tenant). ERR_DEVICE_NOT_FOUND. */
enum err device_get(struct store *platform, int64_t tenant_id,
                    const char *device_id, struct device *out);
/* d as the API shows it (new ref; never the key). */
json_t *device_json(const struct device *d);
/*
 * {"devices": [...], "next": id|null}: tenant_id's devices in id order
 * after `after` (NULL: from the start), filtered by status ("active",
 * "retired", NULL any) and kind (-1 any), at most limit (≤
 * DEVICE_LIST_MAX). New ref.
 */
enum err device_list(struct store *platform, int64_t tenant_id,
                     const char *status, int kind, const char *after, int limit,
                     json_t **out);

/* ---- for ingest ------------------------------------------------------ */

/* Call fn for each device changed after rev (rev order, at most limit);
 * stops early when fn returns false. */
enum err device_changes(struct store *platform, int64_t after_rev, int limit,
                        bool (*fn)(const struct device *d, void *arg),
                        void *arg);
/* Record when a device was last heard from (no rev change). */
enum err device_touch(struct store *platform, const char *device_id,
                      int64_t epoch, const char *seen_at, int64_t last_seq);
/* Publish a sealing public key (kept when it is there already). */
enum err device_seal_key_publish(struct store *platform,
                                 const unsigned char pk[DEVKEY_SEAL_PK]);
/* The newest sealing public key and its id.
 * ERR_DEVICE_SEAL_KEY_MISSING when ingest has never started. */
enum err device_seal_key(struct store *platform,
                         unsigned char pk[DEVKEY_SEAL_PK],
                         char kid[DEVKEY_FP_HEX]);

#endif
