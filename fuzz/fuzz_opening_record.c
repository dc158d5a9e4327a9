/*
 * fuzz_opening_record.c — libFuzzer target for the sealed opening record
 * as `sunbid opening verify-record` reads it (domain/opening.h,
 * opening_record_verify) and for its canonical form (opening_canon_text).
 * What it checks: a record never verifies with a tender id <= 0 or a
 * draft hash that is not 64 hex digits; the canonical form of any JSON is
 * a fixed point; a record that verifies verifies again in canonical form
 * with the same counts.
 *
 * Seeds: fuzz/corpus/opening_record/ (a real sealed record with three
 * signatures, one altered, small shapes). Run: fuzz/run BUILD_DIR
 * SECONDS, or replay the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/opening.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_opening_record: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct opening_record_report r, r2;
    struct buf a, b;
    buf_init(&a, OPENING_RECORD_MAX);
    buf_init(&b, OPENING_RECORD_MAX);
    enum err e = opening_record_verify((const char *)data, size, &r);
    if (e == ERR_OK && (r.tender_id <= 0 || strlen(r.draft_sha256) != 64 || r.signatures < 0 ||
                        r.bad_signature != -1))
        fail("verified with an impossible report");
    if (opening_canon_text((const char *)data, size, OPENING_RECORD_MAX, &a) == 0) {
        if (opening_canon_text(a.data, a.len, OPENING_RECORD_MAX, &b) != 0 || a.len != b.len ||
            memcmp(a.data, b.data, a.len) != 0)
            fail("canonical form is not a fixed point");
        if (e == ERR_OK) {
            if (opening_record_verify(a.data, a.len, &r2) != ERR_OK ||
                r2.signatures != r.signatures || r2.tender_id != r.tender_id)
                fail("canonical form of a valid record does not verify alike");
        }
    }
    buf_release(&a);
    buf_release(&b);
    return 0;
}
