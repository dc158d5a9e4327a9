/*
 * fuzz_opening_open.c — libFuzzer target for opening an envelope with a
 * released content key (domain/opening.h opening_envelope_form). The first
 * 32 bytes are the key, the rest the envelope. It checks that every input
 * ends in a seal code, that a form comes only with SEAL_OK and never
 * exceeds OPENING_FORM_MAX, and that nothing leaks (ASan).
 *
 * Seeds: fuzz/corpus/opening_open/ (the envelope seeds of fuzz_envelope
 * behind a key). Run: fuzz/run BUILD_DIR SECONDS, or replay the corpus
 * through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "domain/opening.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf form;
    struct seal_error err = {0, ""};
    if (size < SUITE_KEY_LEN)
        return 0;
    buf_init(&form, OPENING_FORM_MAX);
    int rc = opening_envelope_form(data + SUITE_KEY_LEN, size - SUITE_KEY_LEN, data, &form, &err);
    if (rc < 0 || rc >= SEAL__COUNT || (rc != SEAL_OK && form.len != 0) ||
        form.len > OPENING_FORM_MAX) {
        fprintf(stderr, "fuzz_opening_open: rc %d, form %zu bytes\n", rc, form.len);
        abort();
    }
    buf_release(&form);
    return 0;
}
