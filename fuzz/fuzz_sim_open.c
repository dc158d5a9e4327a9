/*
 * fuzz_sim_open.c — libFuzzer target for taking the documents out of an
 * opened envelope with its kept content key (domain/risk_sim.h
 * risk_sim_open_envelope), the first step of the live similarity. The
 * first 32 bytes are the key, the rest the envelope. It checks that every
 * input ends in a seal code, that documents come only with SEAL_OK, each
 * named .docx, .pdf or .txt and within DOCTEXT_MAX_INPUT, and then passes
 * each through the text extraction (analytics/doctext.h); and that nothing
 * leaks (ASan).
 *
 * Seeds: fuzz/corpus/sim_open/ (the envelopes of fuzz/corpus/boq_open —
 * an opening form and a boq.csv behind its key, a wrong key, one cut
 * short — and one sealed by `sunbid seal` with a tech.txt document).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analytics/doctext.h"
#include "domain/risk_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_sim_open: %s (rc %d)\n", what, rc);
    abort();
}

struct seen {
    int docs;
};

static void on_doc(void *ud, const char *name, const void *data, size_t len)
{
    struct seen *s = ud;
    size_t n = strlen(name);
    bool ok = (n > 4 &&
               (strcasecmp(name + n - 4, ".pdf") == 0 || strcasecmp(name + n - 4, ".txt") == 0)) ||
              (n > 5 && strcasecmp(name + n - 5, ".docx") == 0);
    if (!ok)
        fail("not a document name", 0);
    if (len > DOCTEXT_MAX_INPUT)
        fail("a document past the limit", 0);
    if (data == NULL && len != 0)
        fail("a length without data", 0);
    s->docs++;
    if (data != NULL) {
        struct doctext dt;
        (void)doctext_extract(data, len, DOCTEXT_AUTO, &dt);
        doctext_release(&dt);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seal_error err = {0, ""};
    struct seen s = {0};
    if (size < SUITE_KEY_LEN)
        return 0;
    int rc =
        risk_sim_open_envelope(data + SUITE_KEY_LEN, size - SUITE_KEY_LEN, data, on_doc, &s, &err);
    if (rc < 0 || rc >= SEAL__COUNT)
        fail("not a seal code", rc);
    if (rc != SEAL_OK && s.docs != 0)
        fail("documents without SEAL_OK", rc);
    return 0;
}
