/*
 * fuzz_boq_sheet.c — libFuzzer target for the BoQ reader (boq/boq.c over
 * sheet/: CSV or XLSX, the header search, numbers, codes), then the
 * comparison of what was read against itself and a shifted copy, and its
 * JSON.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks what the
 * reader promises: a refusal is one of its codes with a printable message;
 * a success gives lines with non-empty unique codes, finite non-negative
 * quantities, finite prices; compared with itself nothing is missing,
 * extra or changed, and the JSON is produced.
 *
 * Seeds: fuzz/corpus/boq_sheet/. Run: fuzz/run BUILD_DIR SECONDS boq_sheet.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boq/boq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_boq_sheet: %s (input of %zu bytes)\n", what, size);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct boq b;
    struct boq_error err = {0, NULL, ""};
    bool priced = size > 0 && (data[0] & 1);
    boq_init(&b);
    int rc = boq_read(&b, data, size, priced, &err);
    if (rc != BOQ_OK) {
        if (rc < BOQ_ENOMEM || rc > BOQ_EINPUT)
            fail("unknown code", size);
        if (err.msg[0] == '\0')
            fail("refusal without a message", size);
        boq_release(&b);
        return 0;
    }
    for (size_t i = 0; i < b.n; i++) {
        const struct boq_line *l = &b.lines[i];
        if (l->code == NULL || l->code[0] == '\0' || l->name == NULL || l->unit == NULL)
            fail("a line without its strings", size);
        if (!isfinite(l->qty) || l->qty < 0)
            fail("a bad quantity", size);
        if ((l->has_price && !isfinite(l->price)) || (l->has_total && !isfinite(l->total)))
            fail("a bad amount", size);
    }
    const struct boq *two[2] = {&b, &b};
    struct boq_comparison c;
    if (boq_compare(&c, &b, two, 2, NULL) != BOQ_OK)
        fail("compare failed", size);
    for (int k = 0; k < 2; k++)
        if (c.sum[k].missing != 0 || c.sum[k].extra != 0 || c.sum[k].changed != 0 ||
            c.sum[k].matched != b.n)
            fail("a sheet does not line up with itself", size);
    struct buf out;
    buf_init(&out, (size_t)64 << 20);
    if (boq_comparison_json(&c, NULL, 50, &out) != 0)
        fail("json failed", size);
    buf_release(&out);
    boq_comparison_release(&c);
    boq_release(&b);
    return 0;
}
