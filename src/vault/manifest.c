/*
 * manifest.c — build, sign, parse and verify manifests (format: manifest.h).
 *
 * The struct is the source of truth: the canonical form is always built
 * from it, never from the bytes received, and parsing accepts only what it
 * can represent exactly, so sign(parse(doc)) covers every value of doc.
 */
#include "vault/manifest.h"

#include "core/json.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGN_PREFIX "pilotlight manifest v1\n"

void
manifest_init(struct manifest *m)
{
    memset(m, 0, sizeof(*m));
}

void
manifest_free(struct manifest *m)
{
    free(m->changesets);
    manifest_init(m);
}

enum err
manifest_add_changeset(struct manifest *m, const char *name)
{
    if (!seal_name_valid(name))
        return err_fail(ERR_INVALID, "'%.80s' is not an object name", name);
    if (m->nchangesets >= MANIFEST_CHANGESETS_MAX)
        return err_fail(ERR_TOO_LARGE,
                        "a manifest lists at most %d changesets: take a "
                        "snapshot",
                        MANIFEST_CHANGESETS_MAX);
    if (m->nchangesets == m->changesets_cap) {
        m->changesets_cap = m->changesets_cap ? 2 * m->changesets_cap : 64;
        m->changesets =
            xrealloc(m->changesets, m->changesets_cap * sizeof(*m->changesets));
    }
    memcpy(m->changesets[m->nchangesets++], name, SEAL_NAME_HEX);
    return ERR_OK;
}

static bool
schema_name_valid(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n < MANIFEST_SCHEMA_NAME &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

enum err
manifest_set_schema(struct manifest *m, const char *name, int64_t version)
{
    if (!schema_name_valid(name) || version < 0)
        return err_fail(ERR_INVALID, "schema '%.40s' version %lld: malformed",
                        name, (long long)version);
    for (size_t i = 0; i < m->nschema; i++)
        if (strcmp(m->schema[i].name, name) == 0) {
            m->schema[i].version = version;
            return ERR_OK;
        }
    if (m->nschema == MANIFEST_SCHEMA_MAX)
        return err_fail(ERR_TOO_LARGE, "more than %d schema entries",
                        MANIFEST_SCHEMA_MAX);
    snprintf(m->schema[m->nschema].name, MANIFEST_SCHEMA_NAME, "%s", name);
    m->schema[m->nschema++].version = version;
    return ERR_OK;
}

/* ------------------------------------------------------------ validation */

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" with digits where digits go. */
static bool
time_valid(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (strlen(s) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return false;
    return true;
}

static bool
hex_valid(const char *s, size_t len)
{
    if (strlen(s) != len)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static enum err
invalid(const char *field, const char *why)
{
    return err_fail(ERR_VAULT_MANIFEST_INVALID, "manifest %s: %s", field, why);
}

/* Everything but the signature: what signing needs and parsing checks. */
static enum err
check_fields(const struct manifest *m)
{
    if (!vault_store_id_valid(m->store))
        return invalid("store", "1-64 of a-z 0-9 _ -, starting with a "
                                "letter or digit");
    if (m->seq < 1 || m->seq > VAULT_SEQ_MAX)
        return invalid("seq", "must be 1 or more");
    if (!time_valid(m->time))
        return invalid("time", "must be UTC like 2026-05-01T03:00:00.000Z");
    if (m->snapshot[0] && !seal_name_valid(m->snapshot))
        return invalid("snapshot", "not an object name");
    for (size_t i = 0; i < m->nchangesets; i++)
        if (!seal_name_valid(m->changesets[i]))
            return invalid("changesets", "not an object name");
    if (m->audit_hash[0] && !hex_valid(m->audit_hash, 64))
        return invalid("audit.hash", "must be 64 lowercase hex digits");
    if (m->audit_entry < 0 || (!m->audit_hash[0] && m->audit_entry))
        return invalid("audit.entry", "must be 0 or more, with a hash");
    for (size_t i = 0; i < m->nschema; i++)
        if (!schema_name_valid(m->schema[i].name) || m->schema[i].version < 0)
            return invalid("schema", "names [a-z0-9_]{1,32}, versions >= 0");
    if (!hex_valid(m->data_key.id, 16) || !hex_valid(m->data_key.wrapped, 144))
        return invalid("data_key", "id 16 and wrapped 144 hex digits");
    if (!hex_valid(m->signer, 64))
        return invalid("signer", "must be 64 lowercase hex digits");
    return ERR_OK;
}

/* ------------------------------------------------------------ serialize */

static json_t *
to_json(const struct manifest *m, bool with_signature)
{
    json_t *cs = json_array();
    for (size_t i = 0; i < m->nchangesets; i++)
        json_array_append_new(cs, json_string(m->changesets[i]));
    json_t *schema = json_object();
    for (size_t i = 0; i < m->nschema; i++)
        json_object_set_new(schema, m->schema[i].name,
                            json_integer(m->schema[i].version));
    json_t *audit = m->audit_hash[0]
                        ? json_pack("{s:s, s:I}", "hash", m->audit_hash,
                                    "entry", (json_int_t)m->audit_entry)
                        : json_null();
    json_t *j = json_pack(
        "{s:s, s:i, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:{s:s, s:s}, s:s}",
        "format", MANIFEST_FORMAT, "version", MANIFEST_VERSION, "store",
        m->store, "seq", (json_int_t)m->seq, "time", m->time, "snapshot",
        m->snapshot[0] ? json_string(m->snapshot) : json_null(), "changesets",
        cs, "audit", audit, "schema", schema, "data_key", "id", m->data_key.id,
        "wrapped", m->data_key.wrapped, "signer", m->signer);
    if (j && with_signature)
        json_object_set_new(j, "signature", json_string(m->signature));
    return j;
}

static enum err
dump(const struct manifest *m, bool with_signature, struct buf *out)
{
    json_t *j = to_json(m, with_signature);
    if (!j)
        return err_fail(ERR_VAULT_MANIFEST_INVALID,
                        "manifest: a field is not valid UTF-8");
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (!s)
        abort(); /* allocation failure */
    enum err rc = buf_puts(out, s);
    free(s);
    return rc;
}

enum err
manifest_signed_bytes(const struct manifest *m, struct buf *out)
{
    enum err rc = buf_puts(out, SIGN_PREFIX);
    return rc ? rc : dump(m, false, out);
}

enum err
manifest_to_json(const struct manifest *m, struct buf *out)
{
    return dump(m, true, out);
}

enum err
manifest_sign(struct manifest *m, const struct keyring *kr, struct buf *out)
{
    if (!kr->has_signing)
        return err_fail(ERR_BACKUP_KEYS_MISSING,
                        "no signing key (pilotlight keys init)");
    keys_public_hex(kr->sign_public, m->signer);
    enum err rc = check_fields(m);
    if (rc)
        return rc;
    struct buf b;
    buf_init(&b, MANIFEST_MAX_BYTES);
    unsigned char sig[KEYS_SIGNATURE_BYTES];
    rc = manifest_signed_bytes(m, &b);
    if (!rc)
        rc = keys_sign(kr, b.data, b.len, sig);
    buf_free(&b);
    if (rc)
        return rc;
    sodium_bin2hex(m->signature, sizeof(m->signature), sig, sizeof(sig));
    return manifest_to_json(m, out);
}

/* ---------------------------------------------------------------- parse */

/* obj[key] as a string into out[n] (strictly shorter). */
static enum err
get_str(const json_t *obj, const char *key, char *out, size_t n)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || json_string_length(v) >= n ||
        strlen(json_string_value(v)) != json_string_length(v))
        return invalid(key, "missing, not a string, or too long");
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return ERR_OK;
}

/* obj[key] as a name, or null (out = ""). */
static enum err
get_name_or_null(const json_t *obj, const char *key, char *out)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_null(v)) {
        out[0] = '\0';
        return ERR_OK;
    }
    return get_str(obj, key, out, SEAL_NAME_HEX);
}

static enum err
get_int(const json_t *obj, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return invalid(key, "missing or not an integer");
    *out = json_integer_value(v);
    return ERR_OK;
}

static enum err
parse_changesets(const json_t *doc, struct manifest *m)
{
    const json_t *a = json_object_get(doc, "changesets");
    if (!json_is_array(a))
        return invalid("changesets", "missing or not an array");
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            return invalid("changesets", "an item is not a string");
        enum err rc = manifest_add_changeset(m, json_string_value(v));
        if (rc)
            return invalid("changesets", err_detail());
    }
    return ERR_OK;
}

static enum err
parse_audit_schema(const json_t *doc, struct manifest *m)
{
    const json_t *a = json_object_get(doc, "audit");
    enum err rc = ERR_OK;
    if (json_is_object(a) && json_object_size(a) == 2) {
        rc = get_str(a, "hash", m->audit_hash, sizeof(m->audit_hash));
        if (!rc)
            rc = get_int(a, "entry", &m->audit_entry);
        if (!rc && !m->audit_hash[0])
            rc = invalid("audit.hash", "empty");
    } else if (!json_is_null(a)) {
        rc = invalid("audit", "must be {hash, entry} or null");
    }
    const json_t *s = json_object_get(doc, "schema");
    if (!rc && !json_is_object(s))
        rc = invalid("schema", "missing or not an object");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)s, k, v)
    {
        if (rc)
            break;
        if (!json_is_integer(v))
            rc = invalid("schema", "versions are integers");
        else if (manifest_set_schema(m, k, json_integer_value(v)))
            rc = invalid("schema", err_detail());
    }
    return rc;
}

static enum err
parse_fields(const json_t *doc, struct manifest *m)
{
    static const char *const keys[] = {
        "format",     "version", "store",  "seq",      "time",   "snapshot",
        "changesets", "audit",   "schema", "data_key", "signer", "signature"};
    enum { NKEYS = sizeof(keys) / sizeof(keys[0]) };
    if (json_object_size(doc) != NKEYS)
        return invalid("document", "fields missing or unknown fields");
    for (size_t i = 0; i < NKEYS; i++)
        if (!json_object_get(doc, keys[i]))
            return invalid(keys[i], "missing");
    char format[32];
    int64_t version = 0;
    enum err rc = get_str(doc, "format", format, sizeof(format));
    if (!rc && strcmp(format, MANIFEST_FORMAT) != 0)
        rc = invalid("format", "not \"" MANIFEST_FORMAT "\"");
    if (!rc && !(rc = get_int(doc, "version", &version)) &&
        version != MANIFEST_VERSION)
        rc = err_fail(ERR_VAULT_MANIFEST_INVALID,
                      "manifest version %lld; this pilotlight reads %d",
                      (long long)version, MANIFEST_VERSION);
    if (!rc)
        rc = get_str(doc, "store", m->store, sizeof(m->store));
    if (!rc)
        rc = get_int(doc, "seq", &m->seq);
    if (!rc)
        rc = get_str(doc, "time", m->time, sizeof(m->time));
    if (!rc)
        rc = get_name_or_null(doc, "snapshot", m->snapshot);
    if (!rc)
        rc = parse_changesets(doc, m);
    if (!rc)
        rc = parse_audit_schema(doc, m);
    return rc;
}

static enum err
parse_keys(const json_t *doc, struct manifest *m)
{
    const json_t *dk = json_object_get(doc, "data_key");
    if (!json_is_object(dk) || json_object_size(dk) != 2)
        return invalid("data_key", "must be {id, wrapped}");
    enum err rc = get_str(dk, "id", m->data_key.id, sizeof(m->data_key.id));
    if (!rc)
        rc = get_str(dk, "wrapped", m->data_key.wrapped,
                     sizeof(m->data_key.wrapped));
    if (!rc)
        rc = get_str(doc, "signer", m->signer, sizeof(m->signer));
    if (!rc)
        rc = get_str(doc, "signature", m->signature, sizeof(m->signature));
    if (!rc && !hex_valid(m->signature, 128))
        rc = invalid("signature", "must be 128 lowercase hex digits");
    return rc;
}

enum err
manifest_parse(const char *p, size_t n, struct manifest *m)
{
    manifest_init(m);
    if (n > MANIFEST_MAX_BYTES)
        return err_fail(ERR_VAULT_MANIFEST_INVALID,
                        "manifest is %zu bytes; at most %u", n,
                        MANIFEST_MAX_BYTES);
    json_t *doc;
    if (json_parse(p ? p : "", n, &doc))
        return err_fail(ERR_VAULT_MANIFEST_INVALID, "manifest: %s",
                        err_detail());
    enum err rc =
        json_is_object(doc) ? ERR_OK : invalid("document", "not a JSON object");
    if (!rc)
        rc = parse_fields(doc, m);
    if (!rc)
        rc = parse_keys(doc, m);
    if (!rc)
        rc = check_fields(m);
    json_decref(doc);
    return rc;
}

enum err
manifest_verify(const struct manifest *m, const struct keyring *trust)
{
    unsigned char pub[KEYS_PUBLIC_BYTES], sig[KEYS_SIGNATURE_BYTES];
    size_t got;
    if (keys_public_parse(m->signer, pub) ||
        sodium_hex2bin(sig, sizeof(sig), m->signature, strlen(m->signature),
                       NULL, &got, NULL) != 0 ||
        got != sizeof(sig))
        return err_fail(ERR_VAULT_SIGNATURE, "manifest signer or signature "
                                             "is malformed");
    bool trusted = false;
    for (size_t i = 0; i < trust->ntrusted; i++)
        if (sodium_memcmp(trust->trusted[i], pub, sizeof(pub)) == 0)
            trusted = true;
    if (!trusted)
        return err_fail(ERR_VAULT_SIGNATURE,
                        "manifest %s/%lld is signed by key %.16s…, which is "
                        "not trusted here",
                        m->store, (long long)m->seq, m->signer);
    struct buf b;
    buf_init(&b, MANIFEST_MAX_BYTES + 64);
    enum err rc = manifest_signed_bytes(m, &b);
    if (!rc && !keys_verify(pub, b.data, b.len, sig))
        rc = err_fail(ERR_VAULT_SIGNATURE,
                      "manifest %s/%lld: the signature does not verify (the "
                      "manifest was altered)",
                      m->store, (long long)m->seq);
    buf_free(&b);
    return rc;
}

enum err
manifest_open(const char *p, size_t n, const struct keyring *trust,
              struct manifest *m)
{
    enum err rc = manifest_parse(p, n, m);
    return rc ? rc : manifest_verify(m, trust);
}
