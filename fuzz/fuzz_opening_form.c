/*
 * fuzz_opening_form.c — libFuzzer target for the opening form check
 * (domain/opening.h opening_form_check): the JSON a bidder seals into its
 * envelope and the server reads out at the opening. It checks what the
 * check promises: an accepted form re-serialises into a canonical form
 * that is accepted again and is a fixed point (same bytes), never longer
 * than OPENING_FORM_MAX, with an integer price_fen.
 *
 * Seeds: fuzz/corpus/opening_form/. Run: fuzz/run BUILD_DIR SECONDS, or
 * replay the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/opening.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_opening_form: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf a, b;
    buf_init(&a, 1 << 16);
    buf_init(&b, 1 << 16);
    if (opening_form_check((const char *)data, size, &a) == ERR_OK) {
        if (a.len == 0 || a.len > OPENING_FORM_MAX || strstr(a.data, "\"price_fen\":") == NULL)
            fail("accepted form: bad canonical form");
        if (opening_form_check(a.data, a.len, &b) != ERR_OK)
            fail("canonical form refused");
        if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
            fail("canonical form is not a fixed point");
    }
    buf_release(&a);
    buf_release(&b);
    return 0;
}
