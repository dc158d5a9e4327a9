/*
 * fuzz_tender.c — libFuzzer target for the small parsers of outside input
 * in domain/tender_rules.h: the unified transaction code (a ?code= query),
 * the read-out field list, a document's file name (?name= of an upload) and
 * its media type (the upload's Content-Type).
 *
 * The first byte picks the parser; the rest is the input. Besides "does not
 * crash or trip a sanitizer", it checks what each promises:
 *   - a code that parses formats back to the same bytes, with its parts;
 *   - an accepted read-out list is lower-case names and commas, no empty
 *     name, at most 16 names;
 *   - an accepted file name is valid UTF-8 with no control character, '/',
 *     '\\' or '"';
 *   - an accepted media type is lower case "type/subtype", at most 100
 *     bytes, with exactly one '/', and is a fixed point (parsing it again
 *     gives itself).
 *
 * Seeds: fuzz/corpus/tender/. Run: fuzz/run BUILD_DIR SECONDS, or replay the
 * corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "domain/tender_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_tender: %s (input of %zu bytes)\n", what, size);
    abort();
}

static void check_code(const char *s, size_t n)
{
    char region[7], again[TENDER_CODE_MAX];
    int cat = -1, year = 0;
    int64_t seq = 0;
    if (tender_code_parse(s, n, region, &cat, &year, &seq) != 0)
        return;
    if (tender_code_format(again, region, (enum tender_category)cat, year, seq) != 0)
        fail("a parsed code does not format", n);
    if (strlen(again) != n || memcmp(again, s, n) != 0)
        fail("a parsed code formats differently", n);
    if (!tender_region_ok(region))
        fail("a parsed code has a bad region", n);
}

static void check_readout(const char *s, size_t n)
{
    if (!tender_readout_ok(s, n))
        return;
    int names = 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ',') {
            names++;
            if (i == 0 || i == n - 1 || s[i - 1] == ',')
                fail("an empty read-out name accepted", n);
        } else if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_')) {
            fail("a bad read-out character accepted", n);
        }
    }
    if (names > 16)
        fail("more than 16 read-out names accepted", n);
}

static void check_filename(const char *s, size_t n)
{
    if (!tender_filename_ok(s, n))
        return;
    for (size_t i = 0; i < n;) {
        const unsigned char *p = (const unsigned char *)s + i;
        size_t l = utf8_seq(p, n - i);
        if (l == 0)
            fail("invalid UTF-8 file name accepted", n);
        if (l == 1 && (*p < 0x20 || *p == 0x7F || *p == '/' || *p == '\\' || *p == '"'))
            fail("a forbidden file name character accepted", n);
        i += l;
    }
}

static void check_media(const char *s, size_t n)
{
    char out[101], again[101];
    if (!tender_media_type(s, n, out))
        return;
    size_t len = strlen(out), slashes = 0;
    if (len == 0 || len > 100)
        fail("media type length out of range", n);
    for (size_t i = 0; i < len; i++) {
        if (out[i] >= 'A' && out[i] <= 'Z')
            fail("media type not lower case", n);
        if (out[i] == '/')
            slashes++;
    }
    if (slashes != 1)
        fail("media type without exactly one slash", n);
    if (!tender_media_type(out, len, again) || strcmp(out, again) != 0)
        fail("media type is not a fixed point", n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* a NUL-terminated copy, so the parsers never read past the input */
    size_t n = size - 1;
    char *s = malloc(n + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data + 1, n);
    s[n] = '\0';
    switch (data[0] % 4) {
    case 0:
        check_code(s, n);
        break;
    case 1:
        check_readout(s, n);
        break;
    case 2:
        check_filename(s, n);
        break;
    default:
        check_media(s, n);
        break;
    }
    free(s);
    return 0;
}
