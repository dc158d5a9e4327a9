/*
 * fuzz/doctext_check.h — what the bid-document text extractors
 * (analytics/doctext.h: DOCX, PDF) and the similarity normaliser promise,
 * checked by the fuzz targets fuzz_docx.c and fuzz_pdftext.c, which define
 * FUZZ_NAME (for the message) before including this file and call
 * fuzz_doctext_run.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks that
 *   - the result is one of the documented codes, with a NUL-terminated
 *     detail;
 *   - on success the text is valid UTF-8 without NUL, len == strlen(text),
 *     every metadata field is valid UTF-8, trimmed and at most
 *     DOCTEXT_MAX_FIELD bytes, and the rsids are sorted and unique;
 *   - normalising the text yields no more code points than bytes, each one
 *     a code point sim_fold keeps.
 * A header of static functions: each target is its own program.
 */
#ifndef SUNBID_FUZZ_DOCTEXT_CHECK_H
#define SUNBID_FUZZ_DOCTEXT_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/doctext.h"
#include "analytics/similarity.h"
#include "base/utf8.h"

static void fail(const char *what)
{
    fprintf(stderr, "%s: %s\n", FUZZ_NAME, what);
    abort();
}

static void check_utf8(const char *s, size_t n, const char *what)
{
    for (size_t i = 0; i < n;) {
        size_t k = s[i] == 0 ? 0 : utf8_seq((const unsigned char *)s + i, n - i);
        if (k == 0)
            fail(what);
        i += k;
    }
}

static void check_field(const char *v)
{
    if (v == NULL)
        return;
    size_t n = strlen(v);
    if (n == 0 || n > DOCTEXT_MAX_FIELD || v[0] == ' ' || v[n - 1] == ' ')
        fail("a metadata field is empty, too long or not trimmed");
    check_utf8(v, n, "a metadata field is not UTF-8");
}

/* Extracts data as kind and checks the result. */
static int fuzz_doctext_run(const uint8_t *data, size_t size, enum doctext_format kind)
{
    struct doctext d;
    int rc = doctext_extract(data, size, kind, &d);
    if (rc < DOCTEXT_OK || rc > DOCTEXT_IO || memchr(d.detail, '\0', sizeof d.detail) == NULL)
        fail("bad code or detail");
    if (rc == DOCTEXT_OK) {
        if (d.text == NULL || strlen(d.text) != d.len)
            fail("text length");
        check_utf8(d.text, d.len, "text is not UTF-8");
        const struct doctext_meta *m = &d.meta;
        const char *fields[] = {m->title,       m->author,   m->last_modified_by, m->company,
                                m->application, m->producer, m->template_name,    m->build,
                                m->rsid_root,   m->pdf_id};
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            check_field(fields[i]);
        for (size_t i = 0; i < m->nrsids; i++) {
            check_field(m->rsids[i]);
            if (i > 0 && strcmp(m->rsids[i - 1], m->rsids[i]) >= 0)
                fail("rsids not sorted and unique");
        }
        uint32_t *cp = malloc((d.len + 1) * sizeof *cp);
        if (cp == NULL)
            fail("out of memory");
        size_t n = sim_normalize(d.text, d.len, cp, NULL, d.len);
        if (n > d.len)
            fail("more code points than bytes");
        for (size_t i = 0; i < n; i++)
            if (cp[i] == 0 || sim_fold(cp[i]) != cp[i])
                fail("a normalised code point is not a fixed point of sim_fold");
        free(cp);
    }
    doctext_release(&d);
    return 0;
}

#endif
