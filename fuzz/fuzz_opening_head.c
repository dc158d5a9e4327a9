/*
 * fuzz_opening_head.c — libFuzzer target for the envelope head cut that
 * GET /api/tenders/:id/opening/envelope-head answers (api/opening_head.h
 * api_opening_head_end): where an envelope's recipient blocks end. It
 * checks what the route relies on: the end is 0 (refused) or inside the
 * input, past the preamble, and the same when the input is cut right after
 * the header (the cut never reads past the header it found).
 *
 * Seeds: fuzz/corpus/opening_head/ (real envelopes). Run: fuzz/run
 * BUILD_DIR SECONDS, or replay the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/opening_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t end = api_opening_head_end(data, size);
    if (end == 0)
        return 0;
    if (end <= 16 || end > size) {
        fprintf(stderr, "fuzz_opening_head: end %zu of %zu\n", end, size);
        abort();
    }
    size_t hl = 16 + (((size_t)data[12] << 24) | ((size_t)data[13] << 16) |
                      ((size_t)data[14] << 8) | (size_t)data[15]);
    if (hl > size || end >= hl || api_opening_head_end(data, hl) != end) {
        fprintf(stderr, "fuzz_opening_head: the cut depends on bytes after the header\n");
        abort();
    }
    return 0;
}
