/*
 * fuzz_eval_template.c — libFuzzer target for the evaluation's scoring-table
 * template (eval/eval.h eval_template_parse), the JSON an agent posts to
 * start an evaluation. It checks what the parser promises: an accepted
 * template has a canonical form that is accepted again and is a fixed point
 * (same bytes); its points add to 100 for the comprehensive method; and the
 * engine runs on it (three bids, five experts, scores and form fields taken
 * from the input's bytes) with every anomaly check, without a crash and
 * with ranks that are a valid ranking.
 *
 * Seeds: fuzz/corpus/eval_template/. Run: fuzz/run BUILD_DIR SECONDS, or
 * replay the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_eval_template: %s\n", what);
    abort();
}

enum { NB = 3, NE = 5 };

static void run_engine(const struct eval_template *t, const uint8_t *data, size_t size)
{
    int ni = t->nitems;
    int64_t price[NB], field[NB * EVAL_ITEMS_MAX], adj[NB];
    bool q[NB];
    static int64_t sc[NE * NB * EVAL_ITEMS_MAX];
    struct eval_result r;
    struct eval_warning w[64];
    int nw = 0;
    size_t k = 0;
#define BYTE() (size > 0 ? data[(k++) % size] : 0)
    for (int b = 0; b < NB; b++) {
        price[b] = 1000 + BYTE() * 37;
        q[b] = BYTE() % 8 != 0;
        adj[b] = (int64_t)BYTE() - 128;
        for (int i = 0; i < ni; i++)
            field[b * ni + i] = BYTE() % 5 == 0 ? EVAL_FIELD_ABSENT : (int64_t)BYTE() - 20;
    }
    for (int e = 0; e < NE; e++)
        for (int b = 0; b < NB; b++)
            for (int i = 0; i < ni; i++)
                sc[(e * NB + b) * ni + i] = t->items[i].kind == EK_SUBJECTIVE
                                                ? (int64_t)(BYTE() * t->items[i].points / 255)
                                                : EVAL_ABSENT;
#undef BYTE
    struct eval_input in = {.t = t,
                            .nb = NB,
                            .ne = NE,
                            .price_fen = price,
                            .qualified = q,
                            .field = field,
                            .scores = sc,
                            .adjust_fen = adj,
                            .ceiling_fen = 1000 + 200 * 37};
    if (eval_result_init(&r, NB, ni) != EVAL_OK)
        fail("result init");
    if (eval_compute(&in, NULL, &r) != EVAL_OK)
        fail("compute refused a complete input");
    for (int k2 = 0; k2 < r.nvalid; k2++) {
        int b = r.order[k2];
        if (!r.valid[b] || r.rank[b] < 1 || r.rank[b] > k2 + 1)
            fail("bad ranking");
        if (t->method == EM_COMPREHENSIVE && (r.total[b] < 0 || r.total[b] > EVAL_POINTS_MAX))
            fail("total out of 0..100");
    }
    if (eval_anomalies(&in, &r, w, 64, &nw) != EVAL_OK)
        fail("anomalies");
    eval_result_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct eval_template t, t2;
    struct buf a, b;
    const char *field = NULL;
    buf_init(&a, 1 << 18);
    buf_init(&b, 1 << 18);
    if (eval_template_parse((const char *)data, size, &t, &a, &field) == EVAL_OK) {
        if (field != NULL || a.len == 0)
            fail("accepted template: no canonical form");
        if (eval_template_parse(a.data, a.len, &t2, &b, &field) != EVAL_OK)
            fail("canonical form refused");
        if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
            fail("canonical form is not a fixed point");
        if (t.method == EM_COMPREHENSIVE) {
            int64_t sum = 0;
            for (int i = 0; i < t.nitems; i++)
                sum += t.items[i].points;
            if (sum != EVAL_POINTS_MAX)
                fail("points do not add to 100");
        }
        run_engine(&t, data, size);
    } else if (field == NULL) {
        fail("refused without naming a field");
    }
    buf_release(&a);
    buf_release(&b);
    return 0;
}
