/*
 * fuzz_eval_report.c — libFuzzer target for the offline check of an
 * evaluation report (domain/evaluation_verify.h), what `sunbid evaluation
 * verify` reads from a file: the report answer's JSON, the report's span
 * found by brace matching, base64 certificates and signatures. It checks
 * that the check never crashes and that what it says is consistent: a text
 * it takes gets at least its report-hash and committee lines, and it
 * counts as failed exactly the lines it wrote as FAIL.
 *
 * Seeds: fuzz/corpus/eval_report/. Run: fuzz/run BUILD_DIR SECONDS, or
 * replay the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/evaluation_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_eval_report: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf out;
    int failed = -1;
    if (size > (1u << 20))
        return 0;
    buf_init(&out, 1 << 22);
    if (evaluation_report_verify((const char *)data, size, NULL, 0, &out, &failed) == 0) {
        if (out.data == NULL || strstr(out.data, "report-hash") == NULL ||
            strstr(out.data, "committee") == NULL)
            fail("a report checked without its lines");
        int n = 0;
        for (const char *p = out.data; (p = strstr(p, "FAIL  ")) != NULL; p += 6)
            n++;
        if (n != failed)
            fail("failed count differs from the FAIL lines");
    } else if (out.len != 0) {
        fail("refused text got check lines");
    }
    buf_release(&out);
    return 0;
}
