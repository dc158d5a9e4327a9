/*
 * fuzz_boq_open.c — libFuzzer target for taking the priced BoQ out of an
 * envelope with its content key (domain/boq.h boq_envelope_file). The
 * first 32 bytes are the key, the rest the envelope. It checks that every
 * input ends in a seal code, that a file and its name come only with
 * SEAL_OK, together, within BOQ_FILE_MAX, the name ending in .csv or
 * .xlsx; then the file goes through the BoQ reader; and that nothing leaks
 * (ASan).
 *
 * Seeds: fuzz/corpus/boq_open/ (an envelope sealed by `sunbid seal` with
 * an opening form and a boq.csv behind its key, the same behind a wrong
 * key and cut short, and an envelope seed of fuzz_opening_open).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/boq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_boq_open: %s (rc %d)\n", what, rc);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf name, file;
    struct seal_error err = {0, ""};
    if (size < SUITE_KEY_LEN)
        return 0;
    buf_init(&name, 256);
    buf_init(&file, BOQ_FILE_MAX);
    int rc =
        boq_envelope_file(data + SUITE_KEY_LEN, size - SUITE_KEY_LEN, data, &name, &file, &err);
    if (rc < 0 || rc >= SEAL__COUNT)
        fail("not a seal code", rc);
    if (rc != SEAL_OK && (name.len != 0 || file.len != 0))
        fail("a file without SEAL_OK", rc);
    if ((name.len == 0) != (file.len == 0) || file.len > BOQ_FILE_MAX)
        fail("a file without its name", rc);
    if (name.len > 0) {
        bool csv = name.len > 4 && strncasecmp(name.data + name.len - 4, ".csv", 4) == 0;
        bool xlsx = name.len > 5 && strncasecmp(name.data + name.len - 5, ".xlsx", 5) == 0;
        if (!csv && !xlsx)
            fail("not a BoQ file name", rc);
        struct boq b;
        struct boq_error be;
        boq_init(&b);
        (void)boq_read(&b, file.data, file.len, true, &be);
        boq_release(&b);
    }
    buf_release(&name);
    buf_release(&file);
    return 0;
}
