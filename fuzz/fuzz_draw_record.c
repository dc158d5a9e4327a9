/*
 * fuzz_draw_record.c — libFuzzer target for the draw record, the file
 * `sunbid draw verify` reads from anyone (domain/draw_record.h): the
 * parser, then every check on what it accepted (the commitment, the log
 * entries and their inclusion proofs, the snapshot's canonical text, the
 * algorithm rerun over the snapshot, the members).
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks that a
 * refusal has a printable reason, that the checks come in their fixed
 * order with printable reasons, and that a record that verifies still
 * verifies when written out and parsed again.
 *
 * Seeds: fuzz/corpus/draw_record/. Run: fuzz/run BUILD_DIR SECONDS
 * draw_record, or replay the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/draw_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_draw_record: %s (input of %zu bytes)\n", what, size);
    abort();
}

static void printable(const char *s, size_t size)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20)
            fail("an unprintable reason", size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"format",           "commitment",     "commit-entry",
                                        "commit-inclusion", "checkpoint-key", "snapshot",
                                        "run-entry",        "order",          "members"};
    struct arena a;
    struct draw_record r;
    char why[256] = "";
    if (size > (1u << 20))
        return 0;
    arena_init(&a, (size_t)64 << 20);
    if (!draw_record_parse((const char *)data, size, &a, &r, why, sizeof why)) {
        if (why[0] == '\0')
            fail("a refusal without a reason", size);
        printable(why, size);
        arena_release(&a);
        return 0;
    }
    /* bound the algorithm's work on absurd records */
    size_t work = r.nexperts;
    for (int g = 0; g < r.nreq; g++)
        work += r.norder[g];
    if (work > 20000) {
        arena_release(&a);
        return 0;
    }
    struct draw_check ch[DRAW_CHECKS_MAX];
    int n = 0;
    bool ok = draw_record_verify(&r, NULL, 0, ch, &n);
    if (n != (int)(sizeof names / sizeof names[0]))
        fail("a wrong number of checks", size);
    for (int i = 0; i < n; i++) {
        if (strcmp(ch[i].name, names[i]) != 0)
            fail("checks out of order", size);
        printable(ch[i].why, size);
    }
    if (ok) {
        struct buf out;
        struct draw_record back;
        buf_init(&out, (size_t)64 << 20);
        if (draw_record_write(&r, &out) != 0 ||
            !draw_record_parse(out.data, out.len, &a, &back, why, sizeof why) ||
            !draw_record_verify(&back, NULL, 0, ch, &n))
            fail("a verified record does not survive writing it again", size);
        buf_release(&out);
    }
    arena_release(&a);
    return 0;
}
