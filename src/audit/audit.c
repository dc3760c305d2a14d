/*
 * audit.c — append entries to the hash-chained audit log, verify the chain,
 * search it.
 *
 * The chain's definition (canonical form, hash input, pre-chain entries) is
 * in audit.h; chain_hash() below is its only implementation, shared by
 * audit_append() and audit_verify() so the two cannot drift apart.
 *
 * Ids are chosen here, not by the database: the next id is the newest id
 * + 1, read inside the caller's transaction. On SQLite that transaction
 * began with BEGIN IMMEDIATE and holds the write lock, so no other writer
 * can take the same id or chain to the same prev_hash; a PostgreSQL backend
 * must lock audit_log (or an advisory lock) for the same guarantee. An
 * INSERT with a taken id fails on the primary key rather than fork the
 * chain.
 *
 * Search picks one of four statements by its most selective filter so the
 * matching index (audit schema 2) can be used; the remaining filters are
 * "$n IS NULL OR …" terms. SQL stays portable: $n placeholders, substr() and
 * length() only.
 */
#include "audit/audit.h"
#include "auth/crypto.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Largest hash input: prev_hash, "\n", and an entry whose detail is all
 * control characters (6 bytes each once escaped), with room to spare. */
#define CHAIN_INPUT_MAX (1024 * 1024)

/* The fields an entry is hashed over, in canonical order after the id. */
enum { F_TS, F_ACTOR, F_ACTION, F_TARGET, F_DETAIL, F_IP, F_UA, F_COUNT };

_Static_assert(AUDIT_HASH_HEX == CRYPTO_DIGEST_HEX, "hash buffer size");

struct fields {
    int64_t id;
    const char *v[F_COUNT]; /* NULL for SQL NULL */
};

/* ---- canonical form and hash ------------------------------------------- */

/* The two-character escapes of RFC 8785, by byte; others below 0x20 are
 * written \u00xx. */
static const char *const short_escape[0x60] = {
    ['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\t'] = "\\t",
    ['\n'] = "\\n", ['\f'] = "\\f",  ['\r'] = "\\r",
};

/* Append s as a JSON string (RFC 8785 escaping), or null. */
static enum err
canon_str(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (!s)
        return buf_puts(b, "null");
    enum err rc = buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; !rc && *p; p++) {
        const char *esc = *p < 0x60 ? short_escape[*p] : NULL;
        if (esc)
            rc = buf_puts(b, esc);
        else if (*p < 0x20)
            rc = buf_printf(b, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
        else
            rc = buf_putc(b, (char)*p);
    }
    return rc ? rc : buf_putc(b, '"');
}

/* hash = BLAKE2b-256-hex(prev "\n" [id,ts,actor,…]); b is scratch space. */
static enum err
chain_hash(struct buf *b, const char *prev, const struct fields *f,
           char out[AUDIT_HASH_HEX])
{
    buf_reset(b);
    enum err rc = buf_printf(b, "%s\n[%" PRId64, prev, f->id);
    for (int i = 0; !rc && i < F_COUNT; i++)
        if (!(rc = buf_putc(b, ',')))
            rc = canon_str(b, f->v[i]);
    if (!rc)
        rc = buf_putc(b, ']');
    if (rc)
        return err_fail(rc, "too large to hash (over %d bytes)",
                        CHAIN_INPUT_MAX);
    crypto_digest_hex(b->data, b->len, out);
    return ERR_OK;
}

/* ---- checking an entry -------------------------------------------------- */

static const char *
nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static enum err
check_text(const char *field, const char *s, bool required, size_t max)
{
    if (!s || !*s)
        return required ? err_fail(ERR_INVALID, "audit %s is required", field)
                        : ERR_OK;
    if (strlen(s) > max)
        return err_fail(ERR_TOO_LARGE, "audit %s is over %zu bytes", field,
                        max);
    if (utf8_chars(s) == SIZE_MAX)
        return err_fail(ERR_INVALID, "audit %s is not valid UTF-8", field);
    return ERR_OK;
}

/* A name (actor, target): text as above, without control characters. */
static enum err
check_name(const char *field, const char *s, bool required)
{
    enum err rc = check_text(field, s, required, AUDIT_NAME_MAX);
    for (const char *p = s; !rc && p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            rc = err_fail(ERR_INVALID, "audit %s has a control character",
                          field);
    return rc;
}

/* Lowercase dotted segments of [a-z0-9_-]: "tenant.create". */
static enum err
check_action(const char *a)
{
    size_t seg = 0;
    for (const char *p = a; *p; p++) {
        bool word = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    *p == '_' || *p == '-';
        if (!word && (*p != '.' || seg == 0))
            return err_fail(ERR_INVALID, "audit action '%s' is malformed", a);
        seg = word ? seg + 1 : 0;
    }
    if (seg == 0)
        return err_fail(ERR_INVALID, "audit action '%s' is malformed", a);
    return ERR_OK;
}

static enum err
check_detail(const char *detail)
{
    enum err rc = check_text("detail", detail, false, AUDIT_DETAIL_MAX);
    if (rc || !detail || !*detail)
        return rc;
    json_t *j = NULL;
    if (json_parse(detail, strlen(detail), &j))
        return err_fail(ERR_INVALID, "audit detail is not JSON: %s",
                        err_detail());
    bool object = json_is_object(j);
    json_decref(j);
    if (!object)
        return err_fail(ERR_INVALID, "audit detail is not a JSON object");
    return ERR_OK;
}

static enum err
check_entry(const struct audit_entry *e)
{
    enum err rc;
    if ((rc = check_name("actor", e->actor, true)) ||
        (rc = check_name("action", e->action, true)) ||
        (rc = check_action(e->action)))
        return rc;
    return check_detail(e->detail_json);
}

/* Bytes of the well-formed UTF-8 character at p, 0 when ill-formed. */
static size_t
utf8_len(const char *p)
{
    unsigned char c = (unsigned char)*p;
    size_t n = c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char one[5] = {0};
    for (size_t i = 0; i < n; i++)
        if (!(one[i] = p[i]))
            return 0;
    return n && c <= 0xF4 && utf8_chars(one) == 1 ? n : 0;
}

/* Text that may come from a client, kept rather than refused: each
 * ill-formed byte or control character becomes '?', and the text is cut at
 * a character boundary to at most cap-1 bytes. NULL or "" gives NULL. */
static const char *
kept_text(const char *s, char *out, size_t cap)
{
    if (!s || !*s)
        return NULL;
    size_t n = 0;
    for (size_t i = 0, len; s[i]; i += len) {
        unsigned char c = (unsigned char)s[i];
        len = utf8_len(s + i);
        bool bad = len == 0 || c < 0x20 || c == 0x7f;
        len = bad ? 1 : len;
        if (n + len >= cap)
            break;
        memcpy(out + n, bad ? "?" : s + i, len);
        n += len;
    }
    out[n] = '\0';
    return out;
}

/* ---- append ------------------------------------------------------------- */

/* The newest entry's id and hash (0 and "" when the log is empty). */
static enum err
chain_tail(struct store *st, int64_t *id, char hash[AUDIT_HASH_HEX])
{
    static const char sql[] =
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";
    struct stmt *s = NULL;
    bool row = false;
    *id = 0;
    hash[0] = '\0';
    enum err rc = store_prepare(st, sql, &s);
    if (!rc && !(rc = stmt_step(s, &row)) && row) {
        *id = stmt_int(s, 0);
        snprintf(hash, AUDIT_HASH_HEX, "%s",
                 stmt_text(s, 1) ? stmt_text(s, 1) : "");
    }
    stmt_done(s);
    return rc;
}

static enum err
insert_entry(struct store *st, const struct fields *f, const char *prev,
             const char *hash)
{
    static const char sql[] =
        "INSERT INTO audit_log (id, ts, actor, action, target, detail, ip,"
        " user_agent, prev_hash, hash)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    struct stmt *s = NULL;
    bool row;
    enum err rc = store_prepare(st, sql, &s);
    if (!rc)
        rc = stmt_bind_int(s, 1, f->id);
    for (int i = 0; !rc && i < F_COUNT; i++)
        rc = stmt_bind_text(s, i + 2, f->v[i]);
    if (!rc && !(rc = stmt_bind_text(s, 9, prev)) &&
        !(rc = stmt_bind_text(s, 10, hash)))
        rc = stmt_step(s, &row);
    stmt_done(s);
    return rc;
}

enum err
audit_append(struct store *st, const struct audit_entry *e)
{
    if (!store_in_tx(st))
        return err_fail(ERR_INTERNAL, "audit_append outside a transaction");
    enum err rc = check_entry(e);
    if (rc)
        return rc;
    char now[32], target[AUDIT_NAME_MAX + 1], ip[AUDIT_IP_MAX + 1],
        ua[AUDIT_UA_MAX + 1];
    char prev[AUDIT_HASH_HEX], hash[AUDIT_HASH_HEX];
    time_now_iso(now);
    struct fields f = {
        0,
        {now, e->actor, e->action, kept_text(e->target, target, sizeof(target)),
         nonempty(e->detail_json), kept_text(e->ip, ip, sizeof(ip)),
         kept_text(e->user_agent, ua, sizeof(ua))}};
    if ((rc = chain_tail(st, &f.id, prev)))
        return rc;
    f.id++;
    struct buf b;
    buf_init(&b, CHAIN_INPUT_MAX);
    if (!(rc = chain_hash(&b, prev, &f, hash)))
        rc = insert_entry(st, &f, prev, hash);
    buf_free(&b);
    return rc;
}

enum err
audit_record(struct store *st, const char *actor, const char *action,
             const char *target, const char *detail_json)
{
    const struct audit_entry e = {actor,       action, target,
                                  detail_json, NULL,   NULL};
    return audit_append(st, &e);
}

/* ---- verify ------------------------------------------------------------- */

struct chain {
    struct buf scratch;
    int64_t last_id; /* id of the row before, 0 at the start */
    bool started;    /* a hashed entry has been seen */
    int64_t count;   /* hashed entries verified */
    char head[AUDIT_HASH_HEX];
};

static const char *
text_or_empty(struct stmt *s, int col)
{
    const char *t = stmt_text(s, col);
    return t ? t : "";
}

/* Where the row's id and prev_hash do not follow the verified part. */
static enum err
check_link(const struct chain *c, int64_t id, const char *prev)
{
    int64_t want = c->last_id + 1;
    if (id == want + 1)
        return err_fail(ERR_AUDIT_CHAIN,
                        "entry %" PRId64 ": entry %" PRId64
                        " before it is missing (removed)",
                        id, want);
    if (id != want)
        return err_fail(ERR_AUDIT_CHAIN,
                        "entry %" PRId64 ": entries %" PRId64 " to %" PRId64
                        " before it are missing (removed)",
                        id, want, id - 1);
    if (strcmp(prev, c->head) != 0)
        return err_fail(ERR_AUDIT_CHAIN,
                        "entry %" PRId64 ": prev_hash is not the hash of %s "
                        "(entries removed, inserted or reordered)",
                        id, c->started ? "the entry before it" : "\"\"");
    return ERR_OK;
}

/* Recompute f's hash; on a match the entry joins the verified part. */
static enum err
check_hash(struct chain *c, const struct fields *f, const char *prev,
           const char *hash)
{
    char want[AUDIT_HASH_HEX];
    if (chain_hash(&c->scratch, prev, f, want))
        return err_fail(ERR_AUDIT_CHAIN, "entry %" PRId64 ": %s", f->id,
                        err_detail());
    if (strcmp(want, hash) != 0)
        return err_fail(ERR_AUDIT_CHAIN,
                        "entry %" PRId64 ": content does not match its hash "
                        "(edited)",
                        f->id);
    memcpy(c->head, want, sizeof(c->head));
    c->last_id = f->id;
    c->started = true;
    c->count++;
    return ERR_OK;
}

/* Check the current row of s (columns as in audit_verify's query). */
static enum err
verify_row(struct chain *c, struct stmt *s)
{
    struct fields f = {stmt_int(s, 0), {NULL}};
    const char *prev = text_or_empty(s, 8), *hash = text_or_empty(s, 9);
    if (!*hash && !c->started) {
        c->last_id = f.id; /* pre-chain: written before audit schema 2 */
        return ERR_OK;
    }
    if (!*hash)
        return err_fail(ERR_AUDIT_CHAIN,
                        "entry %" PRId64 ": has no hash (written around "
                        "audit_append, or its hash was removed)",
                        f.id);
    enum err rc = check_link(c, f.id, prev);
    if (rc)
        return rc;
    for (int i = 0; i < F_COUNT; i++)
        f.v[i] = stmt_text(s, i + 1);
    return check_hash(c, &f, prev, hash);
}

enum err
audit_verify(struct store *st, int64_t *count, char *head)
{
    static const char sql[] =
        "SELECT id, ts, actor, action, target, detail, ip, user_agent,"
        " prev_hash, hash FROM audit_log ORDER BY id";
    struct chain c = {.last_id = 0};
    buf_init(&c.scratch, CHAIN_INPUT_MAX);
    struct stmt *s = NULL;
    bool row;
    enum err rc = store_prepare(st, sql, &s);
    while (!rc && !(rc = stmt_step(s, &row)) && row)
        rc = verify_row(&c, s);
    stmt_done(s);
    buf_free(&c.scratch);
    *count = c.count;
    memcpy(head, c.head, AUDIT_HASH_HEX);
    return rc;
}

/* ---- search ------------------------------------------------------------- */

#define SEARCH_HEAD                                                            \
    "SELECT id, ts, actor, action, target, detail, ip, user_agent, hash"       \
    " FROM audit_log WHERE "
#define SEARCH_TAIL                                                            \
    " AND ($1 IS NULL OR actor = $1)"                                          \
    " AND ($2 IS NULL OR action = $2)"                                         \
    " AND ($3 IS NULL OR substr(action, 1, length($3)) = $3)"                  \
    " AND ($4 IS NULL OR target = $4)"                                         \
    " AND ($5 IS NULL OR ts >= $5)"                                            \
    " AND ($6 IS NULL OR ts < $6)"                                             \
    " AND ($7 IS NULL OR id < $7)"                                             \
    " ORDER BY id DESC LIMIT $8"

static const char sql_by_target[] = SEARCH_HEAD "target = $4" SEARCH_TAIL;
static const char sql_by_actor[] = SEARCH_HEAD "actor = $1" SEARCH_TAIL;
static const char sql_by_action[] = SEARCH_HEAD "action = $2" SEARCH_TAIL;
static const char sql_any[] = SEARCH_HEAD "id > 0" SEARCH_TAIL;

/* "YYYY-MM-DD" optionally followed by a time of [0-9T:.Z]. */
static enum err
check_ts(const char *name, const char *ts)
{
    if (!nonempty(ts))
        return ERR_OK;
    char date[11];
    size_t n = strlen(ts);
    snprintf(date, sizeof(date), "%s", ts);
    bool ok = n >= 10 && n < 32 && time_date_valid(date) &&
              strspn(ts + 10, "0123456789T:.Z") == n - 10;
    return ok ? ERR_OK
              : err_fail(ERR_INVALID, "audit search: %s '%s' is not a date",
                         name, ts);
}

static enum err
check_query(const struct audit_query *q)
{
    enum err rc;
    if (q->limit < 0 || q->limit > AUDIT_LIMIT_MAX)
        return err_fail(ERR_INVALID, "audit search: limit must be 1 to %d",
                        AUDIT_LIMIT_MAX);
    if (q->before_id < 0)
        return err_fail(ERR_INVALID, "audit search: before_id is negative");
    if ((rc = check_ts("ts_from", q->ts_from)))
        return rc;
    return check_ts("ts_to", q->ts_to);
}

static bool
is_prefix(const char *action)
{
    return action && *action && action[strlen(action) - 1] == '.';
}

static const char *
search_sql(const struct audit_query *q)
{
    if (nonempty(q->target))
        return sql_by_target;
    if (nonempty(q->actor))
        return sql_by_actor;
    if (nonempty(q->action) && !is_prefix(q->action))
        return sql_by_action;
    return sql_any;
}

static enum err
search_bind(struct stmt *s, const struct audit_query *q)
{
    bool prefix = is_prefix(q->action);
    const char *text[] = {
        nonempty(q->actor),        prefix ? NULL : nonempty(q->action),
        prefix ? q->action : NULL, nonempty(q->target),
        nonempty(q->ts_from),      nonempty(q->ts_to)};
    enum err rc = ERR_OK;
    for (int i = 0; !rc && i < 6; i++)
        rc = stmt_bind_text(s, i + 1, text[i]);
    if (!rc)
        rc = q->before_id ? stmt_bind_int(s, 7, q->before_id)
                          : stmt_bind_null(s, 7);
    if (!rc)
        rc = stmt_bind_int(s, 8, q->limit ? q->limit : AUDIT_LIMIT_DEF);
    return rc;
}

static void
read_row(struct stmt *s, struct audit_row *r)
{
    r->id = stmt_int(s, 0);
    r->ts = stmt_text(s, 1);
    r->actor = stmt_text(s, 2);
    r->action = stmt_text(s, 3);
    r->target = stmt_text(s, 4);
    r->detail = stmt_text(s, 5);
    r->ip = stmt_text(s, 6);
    r->user_agent = stmt_text(s, 7);
    r->hash = stmt_text(s, 8);
}

enum err
audit_search(struct store *st, const struct audit_query *q,
             bool (*fn)(const struct audit_row *r, void *arg), void *arg)
{
    enum err rc = check_query(q);
    if (rc)
        return rc;
    struct stmt *s = NULL;
    if ((rc = store_prepare(st, search_sql(q), &s)))
        return rc;
    bool row, more = true;
    struct audit_row r;
    if (!(rc = search_bind(s, q)))
        while (more && !(rc = stmt_step(s, &row)) && row) {
            read_row(s, &r);
            more = fn(&r, arg);
        }
    stmt_done(s);
    return rc;
}
