/*
 * fuzz_orgrel_csv.c — libFuzzer target for the reader of relationship
 * files that supervisors import (domain/orgrel.h, orgrel_parse_csv: the
 * orgs.csv, people.csv and contacts.csv of `sunbid graph`, over the sheet
 * CSV reader, UTF-8 or GB 18030).
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks what the
 * module promises: a failure is relations_file_invalid with a message and
 * no rows; a success names the file's kind, and every row has an
 * organisation reference, a line within the input, a valid kind, a key
 * that is what orgrel_norm gives for the record (with its class prefix,
 * or empty), a share only on a shareholder and within 0..100 %, and the
 * source "import"; a contact always has a key.
 *
 * Seeds: fuzz/corpus/orgrel_csv/. Run: fuzz/run BUILD_DIR SECONDS
 * orgrel_csv, or replay the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/orgrel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_orgrel_csv: %s (input of %zu bytes)\n", what, size);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct orgrel_import im;
    char msg[300], key[ORGREL_NORM_MAX];
    size_t lines = 1;
    if (size > 262144)
        return 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || data[i] == '\r';
    arena_init(&a, (size_t)64 << 20);
    enum err e = orgrel_parse_csv(&a, (const char *)data, size, &im, msg, sizeof msg);
    if (e != ERR_OK) {
        if (e != ERR_RELATIONS_FILE_INVALID && e != ERR_INTERNAL)
            fail("an error of another kind", size);
        if (msg[0] == '\0' || im.nrows != 0)
            fail("an error without its message, or with rows", size);
        arena_release(&a);
        return 0;
    }
    if (im.file == NULL)
        fail("a file of no kind", size);
    for (size_t i = 0; i < im.nrows; i++) {
        const struct orgrel_import_row *x = &im.rows[i];
        const struct orgrel_row *r = &x->r;
        if (x->org_ref == NULL || x->org_ref[0] == '\0')
            fail("a row without its organisation", size);
        if (x->line < 2 || x->line > lines)
            fail("a row line out of the input", size);
        if (!orgrel_kind_valid(r->kind) || r->source == NULL || strcmp(r->source, "import") != 0)
            fail("a row of no kind or source", size);
        size_t n = orgrel_norm(r->kind, r->id_number, r->value, key, sizeof key);
        if (r->norm == NULL || strcmp(r->norm, n ? key : "") != 0)
            fail("a key that is not the record's", size);
        if (!orgrel_kind_person(r->kind) && n == 0)
            fail("a contact without a key", size);
        if (r->share_bp != -1 &&
            (strcmp(r->kind, "shareholder") != 0 || r->share_bp < 0 || r->share_bp > 10000))
            fail("a share out of place", size);
    }
    arena_release(&a);
    return 0;
}
