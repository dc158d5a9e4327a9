/*
 * fuzz_expertperm_csv.c — libFuzzer target for the expert-score reader of
 * `sunbid experts-bias` (analytics/expertperm.h) and the test that runs on
 * what it reads.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks what the
 * module promises: a failure has a stable code and a line within the
 * input's lines (LF, CR or CRLF each end one; or 0); a success analyses (or reports a duplicate)
 * and every tested pair has a p-value in (0, 1], a finite statistic and at least min_tenders
 * tenders; the report is valid JSON.
 *
 * Seeds: fuzz/corpus/expertperm_csv/. Run: fuzz/run BUILD_DIR SECONDS
 * expertperm_csv, or replay the corpus through fuzz/replay.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analytics/expertperm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_expertperm_csv: %s (input of %zu bytes)\n", what, size);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ep_params p;
    struct ep_error err = {0};
    size_t lines = 1;
    if (size > 65536)
        return 0;
    for (size_t i = 0; i < size; i++) /* the reader ends a line at LF, CR or CRLF */
        lines += data[i] == '\n' || data[i] == '\r';
    ep_params_init(&p);
    p.min_tenders = 1;
    p.perms = 199; /* speed; the logic does not depend on B */
    struct expertperm *x = ep_new(&p);
    if (x == NULL)
        fail("ep_new", size);
    int rc = ep_load_csv(x, (const char *)data, size, &err);
    if (rc == EP_OK)
        rc = ep_analyse(x, &err);
    if (rc != EP_OK) {
        if (strcmp(ep_err_code(rc), "unknown") == 0 || err.code != rc)
            fail("an error without its code", size);
        if (err.line > lines)
            fail("an error line past the input", size);
        ep_free(x);
        return 0;
    }
    struct ep_pair pr;
    for (size_t i = 0; ep_pair_get(x, i, &pr); i++) {
        if (!(pr.p > 0 && pr.p <= 1) || !isfinite(pr.stat) || pr.tenders < p.min_tenders)
            fail("a pair out of range", size);
    }
    struct buf b;
    buf_init(&b, (size_t)1 << 26);
    if (ep_write_json(x, &b) != 0)
        fail("report not written", size);
    json_error_t jerr;
    json_t *j = json_loadb(b.data, b.len, 0, &jerr);
    if (j == NULL)
        fail("report is not JSON", size);
    json_decref(j);
    buf_release(&b);
    ep_free(x);
    return 0;
}
