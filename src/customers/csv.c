/*
 * csv.c — the CSV reader and writer (see csv.h for the dialect).
 *
 * The reader copies each field's bytes into one row buffer (struct buf,
 * bounded by CSV_ROW_MAX), NUL-terminates it and remembers its offset;
 * pointers are fixed up once the row is complete because the buffer may
 * move while it grows. Unquoted text and the runs between quotes are
 * copied in spans, not byte by byte: an import of 100,000 rows spends its
 * time in validation and SQL, not here.
 *
 * Line numbers count physical lines: CRLF, LF and a lone CR each end one,
 * inside quotes too, so a field with an embedded line break moves the next
 * row's number on.
 */
#include "customers/csv.h"

#include <stdio.h>
#include <string.h>

void
csv_init(struct csv *c, const char *data, size_t n)
{
    memset(c, 0, sizeof(*c));
    c->p = data;
    c->end = data + n;
    c->line = 1;
    buf_init(&c->row, CSV_ROW_MAX);
}

void
csv_free(struct csv *c)
{
    buf_free(&c->row);
}

/* Record a problem on line; fatal ones stop the reader. */
static enum err
fail(struct csv *c, size_t line, bool fatal, const char *message)
{
    c->message = message;
    c->error_line = line;
    c->failed = fatal;
    return err_fail(ERR_IMPORT_FORMAT, "%zu 行目: %s", line, message);
}

/* Consume one line end (CRLF, LF or CR) at c->p, if there is one. */
static bool
eat_newline(struct csv *c)
{
    if (c->p < c->end && *c->p == '\r') {
        c->p++;
        if (c->p < c->end && *c->p == '\n')
            c->p++;
    } else if (c->p < c->end && *c->p == '\n') {
        c->p++;
    } else {
        return false;
    }
    c->line++;
    return true;
}

static enum err
put(struct csv *c, const char *p, size_t n)
{
    if (buf_append(&c->row, p, n))
        return fail(c, c->row_line, true, "1 行が長すぎます（64 KiB まで）");
    return ERR_OK;
}

/* An unquoted field: up to ',', a line end or the end of input. */
static enum err
unquoted(struct csv *c)
{
    const char *s = c->p;
    while (c->p < c->end && *c->p != ',' && *c->p != '\r' && *c->p != '\n') {
        if (*c->p == '"')
            return fail(c, c->line, true,
                        "引用符で囲まれていない項目の中に \" があります");
        if (*c->p == '\0')
            return fail(c, c->line, true, "NUL 文字が含まれています");
        c->p++;
    }
    return put(c, s, (size_t)(c->p - s));
}

/* The run of ordinary bytes inside quotes starting at c->p. */
static enum err
quoted_run(struct csv *c)
{
    const char *s = c->p;
    while (c->p < c->end && *c->p != '"' && *c->p != '\r' && *c->p != '\n') {
        if (*c->p == '\0')
            return fail(c, c->line, true, "NUL 文字が含まれています");
        c->p++;
    }
    return put(c, s, (size_t)(c->p - s));
}

/* A quoted field; c->p is on the opening quote. */
static enum err
quoted(struct csv *c)
{
    size_t start = c->line;
    enum err rc;
    c->p++;
    for (;;) {
        if ((rc = quoted_run(c)))
            return rc;
        if (c->p == c->end)
            return fail(c, start, true, "引用符 \" が閉じられていません");
        if (*c->p == '"' && c->p + 1 < c->end && c->p[1] == '"') {
            rc = put(c, "\"", 1);
            c->p += 2;
        } else if (*c->p == '"') {
            c->p++;
            break;
        } else { /* a line break inside the quotes is data: one '\n' */
            eat_newline(c);
            rc = put(c, "\n", 1);
        }
        if (rc)
            return rc;
    }
    if (c->p < c->end && *c->p != ',' && *c->p != '\r' && *c->p != '\n')
        return fail(c, c->line, true, "閉じた引用符 \" の後に文字があります");
    return ERR_OK;
}

/* Read one field into the row buffer and note where it starts. */
static enum err
field(struct csv *c)
{
    if (c->nfields == CSV_COLS_MAX)
        return fail(c, c->row_line, true, "列が多すぎます（128 列まで）");
    size_t start = c->row.len;
    enum err rc = c->p < c->end && *c->p == '"' ? quoted(c) : unquoted(c);
    if (rc)
        return rc;
    if (c->row.len - start > CSV_FIELD_MAX)
        return fail(c, c->row_line, true, "項目が長すぎます（8 KiB まで）");
    c->off[c->nfields] = start;
    c->len[c->nfields] = c->row.len - start;
    c->nfields++;
    return put(c, "", 1);
}

/* Point field[] into the row buffer and check the width. */
static enum err
finish_row(struct csv *c)
{
    for (size_t i = 0; i < c->nfields; i++)
        c->field[i] = c->row.data + c->off[i];
    if (!c->width)
        c->width = c->nfields;
    if (c->nfields == c->width)
        return ERR_OK;
    char msg[96];
    snprintf(msg, sizeof(msg),
             "列の数が 1 行目と違います（%zu 列のはず、%zu 列）", c->width,
             c->nfields);
    c->ragged = true;
    /* the text must outlive this call: keep it after the row's fields */
    size_t at = c->row.len;
    if (buf_append(&c->row, msg, strlen(msg) + 1))
        return fail(c, c->row_line, false, "列の数が 1 行目と違います");
    for (size_t i = 0; i < c->nfields; i++) /* the buffer may have moved */
        c->field[i] = c->row.data + c->off[i];
    return fail(c, c->row_line, false, c->row.data + at);
}

enum err
csv_next(struct csv *c, bool *got)
{
    *got = false;
    if (c->failed)
        return fail(c, c->error_line, true, c->message);
    c->ragged = false;
    c->message = NULL;
    while (eat_newline(c)) /* blank lines */
        ;
    if (c->p == c->end)
        return ERR_OK;
    buf_reset(&c->row);
    c->nfields = 0;
    c->row_line = c->line;
    for (;;) {
        enum err rc = field(c);
        if (rc)
            return rc;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        eat_newline(c);
        break;
    }
    *got = true;
    return finish_row(c);
}

/* ---------------------------------------------------------------------- */
/* Writer                                                                 */
/* ---------------------------------------------------------------------- */

bool
csv_formula_like(const char *s)
{
    return s && *s && strchr("=+-@\t\r", *s);
}

static enum err
write_field(struct buf *b, const char *s)
{
    enum err rc = ERR_OK;
    if (!s)
        return ERR_OK;
    bool quote = s[strcspn(s, ",\"\r\n")] != '\0';
    if (quote)
        rc = buf_putc(b, '"');
    if (!rc && csv_formula_like(s))
        rc = buf_putc(b, '\'');
    while (!rc && *s) {
        size_t n = strcspn(s, "\"");
        rc = buf_append(b, s, n);
        s += n;
        if (!rc && *s == '"') { /* "" for each quote */
            rc = buf_append(b, "\"\"", 2);
            s++;
        }
    }
    if (!rc && quote)
        rc = buf_putc(b, '"');
    return rc;
}

enum err
csv_write_row(struct buf *b, const char *const *fields, size_t n)
{
    enum err rc = ERR_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = buf_putc(b, ',');
        if (!rc)
            rc = write_field(b, fields[i]);
    }
    if (!rc)
        rc = buf_append(b, "\r\n", 2);
    return rc;
}
