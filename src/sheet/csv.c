/*
 * sheet/csv.c — the sheet itself (rows of cells in an arena) and the CSV
 * reader and writer (sheet.h).
 *
 * The reader is a small state machine over the whole input in memory:
 *
 *   field start --'"'--> quoted --'"'--> quote seen --'"'--> quoted (a literal ")
 *        |                  |                 |--','--> next field
 *        |                  '-- any byte      |--CR/LF--> end of record
 *        '-- other --> unquoted --','/CR/LF--> ...   (a '"' inside is an error)
 *
 * A record whose every cell is empty is a blank row and is not kept. Cells
 * are checked for UTF-8 (after the GB 18030 conversion when that was
 * needed) and NUL bytes, and bounded by the limits as they are read.
 *
 * Threads: any; no shared state.
 */
#include "sheet/sheet_internal.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"

#define ROWS_INITIAL 64

const struct sheet_limits sheet_default_limits = {
    .max_rows = 20000,
    .max_cols = 64,
    .max_cell = 4096,
    .max_part = 64u << 20,
    .max_bytes = 32u << 20,
};

void sheet_init(struct sheet *s)
{
    memset(s, 0, sizeof(*s));
    arena_init(&s->a, (size_t)256 << 20);
    s->utf8_input = true;
}

void sheet_release(struct sheet *s)
{
    free(s->rows);
    arena_release(&s->a);
    s->rows = NULL;
    s->nrows = 0;
    s->cap = 0;
    s->bytes = 0;
}

const char *sheet_cell(const struct sheet *s, size_t row, size_t col)
{
    if (row >= s->nrows || col >= s->rows[row].ncells)
        return "";
    return s->rows[row].cells[col];
}

bool sheet_is_zip(const void *data, size_t len)
{
    return len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
}

int sheet_read(struct sheet *s, const void *data, size_t len, const struct sheet_limits *lim,
               struct sheet_error *err)
{
    if (sheet_is_zip(data, len))
        return sheet_read_xlsx(s, data, len, lim, err);
    return sheet_read_csv(s, data, len, lim, err);
}

/* ---- shared with xlsx.c (sheet_internal.h) ---- */

int sheet_fail(struct sheet_error *err, size_t row, int rc, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL)
        return rc;
    err->row = row;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* keep the message printable */
    for (char *p = err->msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = '?';
    return rc;
}

/* True when s[0..n) is valid UTF-8 without NUL. */
static bool utf8_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq((const unsigned char *)s + i, n - i);
        if (l == 0 || s[i] == '\0')
            return false;
        i += l;
    }
    return true;
}

int sheet_add_row(struct sheet *s, const struct sheet_limits *lim, size_t line, char **cells,
                  const size_t *lens, size_t n, struct sheet_error *err)
{
    bool blank = true;
    for (size_t i = 0; i < n; i++)
        if (lens[i] > 0)
            blank = false;
    if (blank)
        return SHEET_OK;
    if (s->nrows >= lim->max_rows)
        return sheet_fail(err, line, SHEET_ETOOBIG, "more than %zu rows", lim->max_rows);
    if (s->nrows == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : ROWS_INITIAL;
        if (cap > lim->max_rows)
            cap = lim->max_rows;
        struct sheet_row *r = realloc(s->rows, cap * sizeof(*r));
        if (r == NULL)
            return sheet_fail(err, line, SHEET_ENOMEM, "out of memory");
        s->rows = r;
        s->cap = cap;
    }
    struct sheet_row *row = &s->rows[s->nrows];
    row->line = line;
    row->ncells = n;
    row->cells = arena_alloc(&s->a, (n ? n : 1) * sizeof(char *));
    if (row->cells == NULL)
        return sheet_fail(err, line, SHEET_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!utf8_ok(cells[i], lens[i]))
            return sheet_fail(err, line, SHEET_EINPUT, "column %zu is not valid UTF-8 text", i + 1);
        s->bytes += lens[i];
        if (s->bytes > lim->max_bytes)
            return sheet_fail(err, line, SHEET_ETOOBIG, "more than %zu bytes of text",
                              lim->max_bytes);
        row->cells[i] = arena_strndup(&s->a, cells[i], lens[i]);
        if (row->cells[i] == NULL)
            return sheet_fail(err, line, SHEET_ENOMEM, "out of memory");
    }
    s->nrows++;
    return SHEET_OK;
}

/* ---- CSV reading ---- */

/* The cells of the record being read: a window of the input for unquoted
 * cells, a copy for quoted ones (whose "" become "). */
struct rec {
    char **cell;   /* max_cols pointers */
    size_t *len;   /* their lengths */
    size_t n;      /* cells so far */
    char *scratch; /* quoted cells are unescaped here, max_cell bytes each */
};

/* Converts GB 18030 to UTF-8 into a new heap buffer (*out, *outlen). */
static int from_gb18030(const char *in, size_t len, char **out, size_t *outlen)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return -1;
    /* a GB 18030 character of 2 bytes becomes at most 3, of 4 at most 4 */
    size_t cap = len + len / 2 + 16;
    char *buf = malloc(cap);
    char *src = (char *)(uintptr_t)in, *dst = buf;
    size_t left = len, room = cap;
    int rc = -1;
    if (buf != NULL && iconv(cd, &src, &left, &dst, &room) != (size_t)-1 && left == 0) {
        *out = buf;
        *outlen = cap - room;
        buf = NULL;
        rc = 0;
    }
    free(buf);
    iconv_close(cd);
    return rc;
}

static int end_cell(struct rec *r, const struct sheet_limits *lim, size_t line, char *p, size_t n,
                    struct sheet_error *err)
{
    if (r->n >= lim->max_cols)
        return sheet_fail(err, line, SHEET_ETOOBIG, "more than %zu columns", lim->max_cols);
    if (n > lim->max_cell)
        return sheet_fail(err, line, SHEET_ETOOBIG, "column %zu is longer than %zu bytes", r->n + 1,
                          lim->max_cell);
    r->cell[r->n] = p;
    r->len[r->n] = n;
    r->n++;
    return SHEET_OK;
}

static int parse(struct sheet *s, const char *d, size_t len, const struct sheet_limits *lim,
                 struct sheet_error *err)
{
    struct rec r = {0};
    size_t i = 0, line = 1, rec_line = 1;
    int rc = SHEET_OK;
    r.cell = calloc(lim->max_cols ? lim->max_cols : 1, sizeof(char *));
    r.len = calloc(lim->max_cols ? lim->max_cols : 1, sizeof(size_t));
    /* quoted cells of one record are unescaped one after another */
    size_t scratch_cap = lim->max_cell * (lim->max_cols ? lim->max_cols : 1) + 1;
    if (scratch_cap > ((size_t)64 << 20))
        scratch_cap = (size_t)64 << 20;
    r.scratch = malloc(scratch_cap);
    if (r.cell == NULL || r.len == NULL || r.scratch == NULL) {
        rc = sheet_fail(err, 0, SHEET_ENOMEM, "out of memory");
        goto out;
    }
    if (len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    size_t used = 0; /* scratch bytes used by this record */
    while (i <= len) {
        /* at a field start */
        if (i < len && d[i] == '"') {
            size_t start_line = line;
            char *o = r.scratch + used;
            size_t n = 0;
            i++;
            for (;;) {
                if (i >= len) {
                    rc = sheet_fail(err, start_line, SHEET_EINPUT, "a quoted field is not closed");
                    goto out;
                }
                char c = d[i];
                if (c == '"') {
                    if (i + 1 < len && d[i + 1] == '"') {
                        c = '"';
                        i++;
                    } else {
                        i++;
                        break;
                    }
                }
                if (c == '\n')
                    line++;
                if (n >= lim->max_cell || used + n + 1 >= scratch_cap) {
                    rc = sheet_fail(err, rec_line, SHEET_ETOOBIG,
                                    "column %zu is longer than %zu bytes", r.n + 1, lim->max_cell);
                    goto out;
                }
                o[n++] = c;
                i++;
            }
            rc = end_cell(&r, lim, rec_line, o, n, err);
            if (rc != SHEET_OK)
                goto out;
            used += n;
            if (i < len && d[i] != ',' && d[i] != '\n' && d[i] != '\r') {
                rc = sheet_fail(err, line, SHEET_EINPUT, "text after a closing quote in column %zu",
                                r.n);
                goto out;
            }
        } else {
            size_t start = i;
            while (i < len && d[i] != ',' && d[i] != '\n' && d[i] != '\r') {
                if (d[i] == '"') {
                    rc = sheet_fail(err, line, SHEET_EINPUT,
                                    "a quote inside an unquoted field in column %zu", r.n + 1);
                    goto out;
                }
                i++;
            }
            rc = end_cell(&r, lim, rec_line, (char *)(uintptr_t)(d + start), i - start, err);
            if (rc != SHEET_OK)
                goto out;
        }
        /* after a field: ',' continues the record; CR LF / LF / end ends it */
        if (i < len && d[i] == ',') {
            i++;
            continue;
        }
        if (i < len && d[i] == '\r') {
            i++;
            if (i < len && d[i] == '\n')
                i++;
        } else if (i < len && d[i] == '\n') {
            i++;
        } else {
            i = len + 1; /* the end */
        }
        rc = sheet_add_row(s, lim, rec_line, r.cell, r.len, r.n, err);
        if (rc != SHEET_OK)
            goto out;
        line++;
        rec_line = line;
        r.n = 0;
        used = 0;
        if (i == len)
            break; /* a final line break ends the last record */
    }
out:
    free(r.cell);
    free(r.len);
    free(r.scratch);
    return rc;
}

int sheet_read_csv(struct sheet *s, const void *data, size_t len, const struct sheet_limits *lim,
                   struct sheet_error *err)
{
    const char *d = data;
    char *conv = NULL;
    size_t clen = 0;
    int rc;
    if (err != NULL)
        memset(err, 0, sizeof(*err));
    if (lim == NULL)
        lim = &sheet_default_limits;
    if (len > lim->max_bytes + lim->max_bytes / 2 + 4096)
        return sheet_fail(err, 0, SHEET_ETOOBIG, "the file is larger than %zu bytes",
                          lim->max_bytes);
    bool bom = len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0;
    if (!bom && memchr(d, '\0', len) == NULL && !utf8_ok(d, len)) {
        if (from_gb18030(d, len, &conv, &clen) != 0)
            return sheet_fail(err, 0, SHEET_EINPUT, "the file is neither UTF-8 nor GB 18030 text");
        s->utf8_input = false;
        d = conv;
        len = clen;
    }
    rc = parse(s, d, len, lim, err);
    free(conv);
    if (rc != SHEET_OK)
        sheet_release(s);
    return rc;
}

/* ---- CSV writing ---- */

static bool formula_start(const char *c)
{
    return c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@';
}

int sheet_csv_row(struct buf *out, const char *const *cells, size_t n)
{
    size_t mark = out->len;
    int rc = BUF_OK;
    for (size_t i = 0; i < n && rc == BUF_OK; i++) {
        const char *c = cells[i] ? cells[i] : "";
        size_t len = strlen(c);
        bool guard = len > 0 && formula_start(c);
        bool quote = guard || strpbrk(c, ",\"\r\n") != NULL ||
                     (len > 0 && (c[0] == ' ' || c[len - 1] == ' '));
        if (i > 0)
            rc = buf_putc(out, ',');
        if (rc == BUF_OK && quote)
            rc = buf_putc(out, '"');
        if (rc == BUF_OK && guard)
            rc = buf_putc(out, '\'');
        for (size_t k = 0; k < len && rc == BUF_OK; k++) {
            if (c[k] == '"')
                rc = buf_putc(out, '"');
            if (rc == BUF_OK)
                rc = buf_putc(out, c[k]);
        }
        if (rc == BUF_OK && quote)
            rc = buf_putc(out, '"');
    }
    if (rc == BUF_OK)
        rc = buf_append(out, "\r\n", 2);
    if (rc != BUF_OK) {
        out->len = mark; /* all or nothing */
        if (out->data != NULL)
            out->data[mark] = '\0';
    }
    return rc;
}

const char *sheet_unguard(const char *cell)
{
    if (cell[0] == '\'' && cell[1] != '\0' && formula_start(cell + 1))
        return cell + 1;
    return cell;
}
