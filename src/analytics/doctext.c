/*
 * doctext.c — the common part of document text extraction (doctext.h):
 * sniffing, plain text in its three encodings, reading a file, the metadata
 * helpers and the error names. DOCX is doctext_docx.c, PDF doctext_pdf.c.
 *
 * Plain text: a UTF-8 BOM is dropped; a UTF-16 BOM (either order) converts
 * the rest from UTF-16; valid UTF-8 is taken as it is; anything else is
 * tried as GB18030 (a superset of GBK and GB2312, what a Chinese Windows
 * editor saves) and refused (bad_text_encoding) when that fails too.
 * Whatever the source, the text handed out is valid UTF-8 without NUL bytes
 * (a NUL becomes a space), so it is also a C string.
 */
#include "analytics/doctext.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/utf8.h"

const char *doctext_err_code(int e)
{
    switch (e) {
    case DOCTEXT_OK:
        return "ok";
    case DOCTEXT_NOMEM:
        return "out_of_memory";
    case DOCTEXT_TOO_LARGE:
        return "document_too_large";
    case DOCTEXT_UNSUPPORTED:
        return "unsupported_format";
    case DOCTEXT_MALFORMED:
        return "malformed_document";
    case DOCTEXT_ENCRYPTED:
        return "encrypted_document";
    case DOCTEXT_BAD_ENCODING:
        return "bad_text_encoding";
    case DOCTEXT_IO:
        return "io_error";
    default:
        return "unknown_error";
    }
}

const char *doctext_format_name(enum doctext_format f)
{
    switch (f) {
    case DOCTEXT_TXT:
        return "txt";
    case DOCTEXT_DOCX:
        return "docx";
    case DOCTEXT_PDF:
        return "pdf";
    case DOCTEXT_OTHER:
        return "other";
    case DOCTEXT_AUTO:
    default:
        return "auto";
    }
}

static bool has_prefix(const unsigned char *p, size_t n, const char *magic, size_t m)
{
    return n >= m && memcmp(p, magic, m) == 0;
}

enum doctext_format doctext_sniff(const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t scan = n < 1024 ? n : 1024;
    /* PDF readers accept junk before the header within the first KiB. */
    if (scan >= 5 && memmem(p, scan, "%PDF-", 5) != NULL)
        return DOCTEXT_PDF;
    if (has_prefix(p, n, "PK\x03\x04", 4))
        return DOCTEXT_DOCX;
    if (has_prefix(p, n, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) || /* OLE2: .doc .wps .xls */
        has_prefix(p, n, "{\\rtf", 5) || has_prefix(p, n, "\x89PNG", 4) ||
        has_prefix(p, n, "\xFF\xD8\xFF", 3) || has_prefix(p, n, "GIF8", 4) ||
        has_prefix(p, n, "PK\x05\x06", 4) /* an empty zip */)
        return DOCTEXT_OTHER;
    return DOCTEXT_TXT;
}

/* Appends s (n bytes) to out as valid UTF-8: invalid bytes become U+FFFD and
 * NUL a space. Returns a BUF_* code. */
static int append_clean(struct buf *out, const unsigned char *s, size_t n)
{
    size_t i = 0, run = 0;
    while (i < n) {
        size_t k = s[i] == 0 ? 0 : utf8_seq(s + i, n - i);
        if (k > 0) {
            i += k;
            continue;
        }
        int rc = buf_append(out, s + run, i - run);
        if (rc == BUF_OK)
            rc = s[i] == 0 ? buf_putc(out, ' ') : buf_append(out, "\xEF\xBF\xBD", 3);
        if (rc != BUF_OK)
            return rc;
        i++;
        run = i;
    }
    return buf_append(out, s + run, n - run);
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* Converts n bytes from `from` to UTF-8, appended to out (cleaned). */
static int convert(struct doctext *d, const char *from, const char *in, size_t n, struct buf *out)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) {
        snprintf(d->detail, sizeof d->detail, "iconv cannot convert from %s", from);
        return DOCTEXT_BAD_ENCODING;
    }
    int rc = DOCTEXT_OK;
    char chunk[16384];
    char *ip = (char *)(uintptr_t)in; /* iconv's prototype is not const-correct */
    size_t left = n;
    while (left > 0) {
        char *op = chunk;
        size_t room = sizeof chunk;
        size_t r = iconv(cd, &ip, &left, &op, &room);
        int e = errno;
        if (append_clean(out, (const unsigned char *)chunk, sizeof chunk - room) != BUF_OK) {
            rc = out->len + sizeof chunk > out->max ? DOCTEXT_TOO_LARGE : DOCTEXT_NOMEM;
            break;
        }
        if (r == (size_t)-1 && e != E2BIG) {
            snprintf(d->detail, sizeof d->detail, "not valid %s at byte %zu", from, n - left);
            rc = DOCTEXT_BAD_ENCODING;
            break;
        }
    }
    iconv_close(cd);
    return rc;
}

static int extract_txt(const unsigned char *p, size_t n, struct doctext *d)
{
    struct buf out;
    buf_init(&out, DOCTEXT_MAX_TEXT);
    int rc;
    if (has_prefix(p, n, "\xEF\xBB\xBF", 3)) {
        p += 3;
        n -= 3;
    }
    if (has_prefix(p, n, "\xFF\xFE", 2)) {
        rc = convert(d, "UTF-16LE", (const char *)p + 2, n - 2, &out);
    } else if (has_prefix(p, n, "\xFE\xFF", 2)) {
        rc = convert(d, "UTF-16BE", (const char *)p + 2, n - 2, &out);
    } else if (valid_utf8(p, n)) {
        if (n > DOCTEXT_MAX_TEXT) {
            rc = DOCTEXT_TOO_LARGE;
        } else {
            rc = append_clean(&out, p, n) == BUF_OK ? DOCTEXT_OK : DOCTEXT_NOMEM;
        }
    } else {
        rc = convert(d, "GB18030", (const char *)p, n, &out);
    }
    if (rc == DOCTEXT_OK && buf_putc(&out, '\0') != BUF_OK)
        rc = DOCTEXT_NOMEM;
    if (rc != DOCTEXT_OK) {
        if (rc == DOCTEXT_TOO_LARGE && d->detail[0] == '\0')
            snprintf(d->detail, sizeof d->detail, "text longer than %zu bytes", DOCTEXT_MAX_TEXT);
        buf_release(&out);
        return rc;
    }
    out.len--; /* the NUL we put so that an empty text still allocates */
    d->len = out.len;
    d->text = buf_detach(&out, NULL);
    return DOCTEXT_OK;
}

int doctext_extract(const void *data, size_t n, enum doctext_format fmt, struct doctext *out)
{
    memset(out, 0, sizeof *out);
    out->meta.created = DOCTEXT_NO_TIME;
    out->meta.modified = DOCTEXT_NO_TIME;
    if (n > DOCTEXT_MAX_INPUT) {
        snprintf(out->detail, sizeof out->detail, "file larger than %zu bytes", DOCTEXT_MAX_INPUT);
        return DOCTEXT_TOO_LARGE;
    }
    if (fmt == DOCTEXT_AUTO)
        fmt = doctext_sniff(data, n);
    out->format = fmt;
    int rc;
    switch (fmt) {
    case DOCTEXT_TXT:
        rc = extract_txt(data, n, out);
        break;
    case DOCTEXT_DOCX:
        rc = doctext_docx(data, n, out);
        break;
    case DOCTEXT_PDF:
        rc = doctext_pdf(data, n, out);
        break;
    default:
        snprintf(out->detail, sizeof out->detail,
                 "not plain text, DOCX or PDF (an old .doc/.wps, RTF or an image?)");
        rc = DOCTEXT_UNSUPPORTED;
        break;
    }
    if (rc == DOCTEXT_OK && out->text == NULL) {
        out->text = calloc(1, 1);
        if (out->text == NULL)
            rc = DOCTEXT_NOMEM;
    }
    return rc;
}

int doctext_read_file(const char *path, struct doctext *out)
{
    memset(out, 0, sizeof *out);
    out->meta.created = DOCTEXT_NO_TIME;
    out->meta.modified = DOCTEXT_NO_TIME;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(out->detail, sizeof out->detail, "%s", strerror(errno));
        return DOCTEXT_IO;
    }
    int rc = DOCTEXT_OK;
    unsigned char *data = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(out->detail, sizeof out->detail, "not a regular file");
        rc = DOCTEXT_IO;
        goto out;
    }
    if ((uint64_t)st.st_size > DOCTEXT_MAX_INPUT) {
        snprintf(out->detail, sizeof out->detail, "file larger than %zu bytes", DOCTEXT_MAX_INPUT);
        rc = DOCTEXT_TOO_LARGE;
        goto out;
    }
    size_t n = (size_t)st.st_size;
    data = malloc(n + 1);
    if (data == NULL) {
        rc = DOCTEXT_NOMEM;
        goto out;
    }
    if (fread(data, 1, n, f) != n || ferror(f)) {
        snprintf(out->detail, sizeof out->detail, "short read");
        rc = DOCTEXT_IO;
        goto out;
    }
    fclose(f);
    f = NULL;
    rc = doctext_extract(data, n, DOCTEXT_AUTO, out);
out:
    if (f != NULL)
        fclose(f);
    free(data);
    return rc;
}

void doctext_meta_release(struct doctext_meta *m)
{
    free(m->title);
    free(m->author);
    free(m->last_modified_by);
    free(m->company);
    free(m->application);
    free(m->producer);
    free(m->template_name);
    free(m->build);
    free(m->rsid_root);
    free(m->pdf_id);
    for (size_t i = 0; i < m->nrsids; i++)
        free(m->rsids[i]);
    free(m->rsids);
    memset(m, 0, sizeof *m);
    m->created = DOCTEXT_NO_TIME;
    m->modified = DOCTEXT_NO_TIME;
}

void doctext_release(struct doctext *d)
{
    if (d == NULL)
        return;
    free(d->text);
    doctext_meta_release(&d->meta);
    d->text = NULL;
    d->len = 0;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char *doctext_field(const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    struct buf b;
    buf_init(&b, (size_t)DOCTEXT_MAX_FIELD * 4);
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0 && p[0] <= 0x20) { /* spaces and controls */
        p++;
        n--;
    }
    while (n > 0 && p[n - 1] <= 0x20)
        n--;
    size_t i = 0;
    while (i < n && b.len < DOCTEXT_MAX_FIELD) {
        size_t k = p[i] == 0 ? 0 : utf8_seq(p + i, n - i);
        int rc;
        if (k == 0) {
            rc = b.len + 3 <= DOCTEXT_MAX_FIELD ? buf_append(&b, "\xEF\xBF\xBD", 3) : BUF_TOOBIG;
            k = 1;
        } else if (k == 1 && p[i] < 0x20) {
            rc = buf_putc(&b, ' ');
        } else {
            rc = b.len + k <= DOCTEXT_MAX_FIELD ? buf_append(&b, p + i, k) : BUF_TOOBIG;
        }
        if (rc != BUF_OK)
            break;
        i += k;
    }
    while (b.len > 0 && b.data[b.len - 1] == ' ') /* a cut may end on a space */
        b.data[--b.len] = '\0';
    if (b.len == 0) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (the era
 * arithmetic of Hinnant's "chrono-compatible low-level date algorithms"). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly `digits` decimal digits at *p into *v. */
static bool take_num(const char **p, int digits, int *v)
{
    int x = 0;
    for (int i = 0; i < digits; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        x = x * 10 + (c - '0');
    }
    *p += digits;
    *v = x;
    return true;
}

int64_t doctext_parse_w3cdtf(const char *s)
{
    if (s == NULL)
        return DOCTEXT_NO_TIME;
    while (is_space((unsigned char)*s))
        s++;
    int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, oh = 0, om = 0;
    const char *p = s;
    if (!take_num(&p, 4, &y))
        return DOCTEXT_NO_TIME;
    if (*p == '-') {
        p++;
        if (!take_num(&p, 2, &mo) || mo < 1 || mo > 12)
            return DOCTEXT_NO_TIME;
        if (*p == '-') {
            p++;
            if (!take_num(&p, 2, &d) || d < 1 || d > 31)
                return DOCTEXT_NO_TIME;
        }
    }
    int sign = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!take_num(&p, 2, &h) || *p != ':' || h > 24)
            return DOCTEXT_NO_TIME;
        p++;
        if (!take_num(&p, 2, &mi) || mi > 59)
            return DOCTEXT_NO_TIME;
        if (*p == ':') {
            p++;
            if (!take_num(&p, 2, &sec) || sec > 60)
                return DOCTEXT_NO_TIME;
            if (*p == '.' || *p == ',') {
                p++;
                if (*p < '0' || *p > '9')
                    return DOCTEXT_NO_TIME;
                while (*p >= '0' && *p <= '9')
                    p++;
            }
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            sign = *p == '+' ? 1 : -1;
            p++;
            if (!take_num(&p, 2, &oh) || oh > 23)
                return DOCTEXT_NO_TIME;
            if (*p == ':')
                p++;
            if (!take_num(&p, 2, &om) || om > 59)
                return DOCTEXT_NO_TIME;
        }
    }
    while (is_space((unsigned char)*p))
        p++;
    if (*p != '\0')
        return DOCTEXT_NO_TIME;
    int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + (int64_t)h * 3600 +
                (int64_t)mi * 60 + sec;
    return t - (int64_t)sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
}
