/*
 * zengin_rec.c — one record of a fixed-length Zengin file: its place in
 * words, its fields read through the format's table, and the framing of
 * a whole file into records. zengin_rec.h describes the model.
 *
 * Places are counted the way people look at the file: the record number
 * is the line in a CR LF file, the n-th record otherwise, and then the
 * byte offset is given too (an editor shows no lines there). Columns are
 * the layout's 1-based positions, as in the banks' specifications.
 */
#include "payments/zengin_rec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_FIELD 0 /* the record type: row 0 of every table */

static const char *
record_name(char type)
{
    switch (type) {
    case '1':
        return "ヘッダー";
    case '8':
        return "トレーラー";
    case '9':
        return "エンド";
    default:
        return NULL; /* data records say which one */
    }
}

/* "4 行目（データ 3 件目）", "2 レコード目（先頭から 121 バイト目、…）". */
static void
place(const struct zrec *r, char *out, size_t cap)
{
    char what[64] = "";
    if (r->type == '2')
        snprintf(what, sizeof(what), "データ %zu 件目", r->index);
    else if (record_name(r->type))
        snprintf(what, sizeof(what), "%s", record_name(r->type));
    if (r->show_offset)
        snprintf(out, cap, "%zu レコード目（先頭から %zu バイト目%s%s）",
                 r->line, r->offset + 1, what[0] ? "、" : "", what);
    else if (what[0])
        snprintf(out, cap, "%zu 行目（%s）", r->line, what);
    else
        snprintf(out, cap, "%zu 行目", r->line);
}

enum err
zrec_fail(const struct zrec *r, enum err e, unsigned f, const char *fmt, ...)
{
    const struct zengin_field *d =
        f < r->fmt->n_fields ? &r->fmt->layout[f] : NULL;
    char msg[320], where[160], field[160] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    place(r, where, sizeof(where));
    if (d && d->len == 1)
        snprintf(field, sizeof(field), "の%s %s（%u 桁目）", d->label, d->name,
                 d->pos);
    else if (d)
        snprintf(field, sizeof(field), "の%s %s（%u–%u 桁目）", d->label,
                 d->name, d->pos, d->pos + d->len - 1);
    if (r->fault) {
        r->fault->line = r->line;
        r->fault->offset = r->offset;
        r->fault->field = d ? d->name : NULL;
    }
    return err_fail(e, "%s%s: %s", where, field, msg);
}

/* ---------------------------------------------------------------------- */
/* Fields                                                                 */
/* ---------------------------------------------------------------------- */

static const char *
in_at(const struct zrec *r, unsigned f)
{
    return r->in + r->fmt->layout[f].pos - 1;
}

enum err
zrec_digits(const struct zrec *r, unsigned f, char *out)
{
    const struct zengin_field *d = &r->fmt->layout[f];
    const char *p = in_at(r, f);
    for (size_t i = 0; i < d->len; i++)
        if (p[i] < '0' || p[i] > '9')
            return zrec_fail(r, r->fmt->error, f,
                             "%zu 桁目が数字ではありません（0x%02X）",
                             d->pos + i, (unsigned char)p[i]);
    memcpy(out, p, d->len);
    out[d->len] = '\0';
    return ERR_OK;
}

enum err
zrec_number(const struct zrec *r, unsigned f, int64_t *v)
{
    char tmp[24];
    enum err rc = zrec_digits(r, f, tmp);
    if (!rc)
        *v = strtoll(tmp, NULL, 10); /* at most 14 digits: fits */
    return rc;
}

enum err
zrec_text(const struct zrec *r, unsigned f, char *out)
{
    const struct zengin_field *d = &r->fmt->layout[f];
    const unsigned char *p = (const unsigned char *)in_at(r, f);
    size_t len = d->len;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 || (p[i] >= 0x7F && p[i] <= 0xA0) || p[i] > 0xDF)
            return zrec_fail(r, r->fmt->error, f,
                             "%zu 桁目が JIS 半角文字ではありません（0x%02X）",
                             d->pos + i, p[i]);
    while (len > 0 && p[len - 1] == ' ')
        len--;
    memcpy(out, p, len);
    out[len] = '\0';
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* The file                                                               */
/* ---------------------------------------------------------------------- */

void
zrec_open(struct zrec_reader *rd, const char *p, size_t n,
          const struct zrec_format *fmt, struct zengin_fault *fault)
{
    memset(rd, 0, sizeof(*rd));
    rd->p = p;
    rd->n = n;
    rd->fmt = fmt;
    rd->fault = fault;
    if (rd->n && rd->p[rd->n - 1] == 0x1A) {
        rd->n--;
        rd->eof_mark = true;
    }
    const char *lf = rd->n ? memchr(rd->p, '\n', rd->n) : NULL;
    rd->eol = ZENGIN_EOL_NONE;
    if (lf && lf == rd->p + rd->n - 1 && rd->n >= 2 && lf[-1] == '\r')
        rd->n -= 2;
    else if (lf)
        rd->eol = ZENGIN_EOL_CRLF;
}

/* The next record_len bytes (or line) into r->in. */
static enum err
cut(struct zrec_reader *rd, struct zrec *r)
{
    enum err e = rd->fmt->error;
    const char *s = rd->p + rd->off;
    size_t rest = rd->n - rd->off, len = rest, want = rd->fmt->record_len;
    const char *lf = rd->eol == ZENGIN_EOL_CRLF ? memchr(s, '\n', rest) : NULL;
    if (rd->eol == ZENGIN_EOL_NONE && len > want)
        len = want;
    if (lf)
        len = (size_t)(lf - s);
    rd->off += lf ? len + 1 : len;
    if (lf && (!len || s[len - 1] != '\r'))
        return zrec_fail(r, e, ZREC_NO_FIELD,
                         "LF だけで改行されています（CR LF のはず）");
    len -= lf ? 1 : 0;
    const char *cr = memchr(s, '\r', len);
    if (cr)
        return zrec_fail(r, e, ZREC_NO_FIELD,
                         "%zu 桁目に CR があります（改行は CR LF か、なし）",
                         (size_t)(cr - s) + 1);
    if (len != want)
        return zrec_fail(r, e, ZREC_NO_FIELD,
                         "%zu バイトです（レコードは %zu バイト）", len, want);
    r->in = s;
    return ERR_OK;
}

/* The error for r out of order, by what it follows. */
static enum err
out_of_order(const struct zrec_reader *rd, const struct zrec *r)
{
    enum err e = rd->fmt->error;
    char t = r->type;
    if (rd->state == ZREC_HEADER_NEXT)
        return zrec_fail(r, e, TYPE_FIELD,
                         "先頭はヘッダー (1) のはずです（%c）", t);
    if (rd->state == ZREC_IN_GROUP && t == '1' && rd->fmt->groups)
        return zrec_fail(r, e, TYPE_FIELD,
                         "トレーラー (8) がないまま次のヘッダーです");
    if (rd->state == ZREC_IN_GROUP && t == '1')
        return zrec_fail(r, e, TYPE_FIELD,
                         "2 つ目のヘッダーです（1 ファイルに 1 グループだけ）");
    if (rd->state == ZREC_IN_GROUP)
        return zrec_fail(r, e, TYPE_FIELD,
                         "トレーラー (8) がないままエンド (9) です");
    if (rd->fmt->groups)
        return zrec_fail(r, e, TYPE_FIELD,
                         "トレーラーの次はヘッダー (1) かエンド (9) のはずです"
                         "（%c）",
                         t);
    return zrec_fail(r, e, TYPE_FIELD,
                     "トレーラーの次はエンド (9) のはずです（%c）", t);
}

/* Advance the state by r's type in the order 1, 2…, 8 (1, 2…, 8 again
 * with groups), 9; the error when r is out of that order. */
static enum err
order(struct zrec_reader *rd, const struct zrec *r)
{
    enum zrec_state s = rd->state;
    bool header_ok =
        s == ZREC_HEADER_NEXT || (rd->fmt->groups && s == ZREC_END_NEXT);
    if (r->type == '1' && header_ok)
        rd->state = ZREC_IN_GROUP;
    else if (r->type == '8' && s == ZREC_IN_GROUP)
        rd->state = ZREC_END_NEXT;
    else if (r->type == '9' && s == ZREC_END_NEXT)
        rd->state = ZREC_DONE;
    else if (r->type != '2' || s != ZREC_IN_GROUP)
        return out_of_order(rd, r);
    return ERR_OK;
}

/* The input ended: after the end record, or it is missing something. */
static enum err
at_end(const struct zrec_reader *rd, const struct zrec *r)
{
    static const char *const missing[] = {
        [ZREC_HEADER_NEXT] = "ヘッダー (1) がありません（空のファイル）",
        [ZREC_IN_GROUP] = "トレーラー (8) がありません",
        [ZREC_END_NEXT] = "エンド (9) がありません",
    };
    if (rd->state == ZREC_DONE)
        return ERR_OK;
    return zrec_fail(r, rd->fmt->error, ZREC_NO_FIELD, "%s",
                     missing[rd->state]);
}

enum err
zrec_next(struct zrec_reader *rd, struct zrec *r, bool *got)
{
    memset(r, 0, sizeof(*r));
    r->fmt = rd->fmt;
    r->line = ++rd->line;
    r->offset = rd->off;
    r->show_offset = rd->eol == ZENGIN_EOL_NONE;
    r->fault = rd->fault;
    *got = rd->off < rd->n;
    if (!*got)
        return at_end(rd, r);
    enum err rc = cut(rd, r);
    if (rc)
        return rc;
    char t = r->in[0];
    if (!t || !strchr("1289", t))
        return zrec_fail(r, rd->fmt->error, TYPE_FIELD,
                         "0x%02X は 1, 2, 8, 9 のどれでもありません",
                         (unsigned char)t);
    if (rd->state == ZREC_DONE)
        return zrec_fail(r, rd->fmt->error, ZREC_NO_FIELD,
                         "エンドレコードの後にデータがあります");
    r->type = t;
    r->index = t == '2' ? ++rd->n_data : 0;
    return order(rd, r);
}
