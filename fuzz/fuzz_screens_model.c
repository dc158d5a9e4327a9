/*
 * fuzz_screens_model.c — libFuzzer target for the screens model loader
 * (analytics/model.h, model_from_json): a model file is outside input (a
 * supervisor may be handed one), so any bytes must either be refused with a
 * message or give a model that scores every row to a number in [0, 1] in
 * bounded time (tree links only point forward).
 *
 * The input is read as `sunbid screens score` reads a model: jsonr_parse
 * (size, UTF-8, depth limits) and then model_from_json. A loaded model is
 * scored on rows of NaN, zeros, and extreme values, and written back to JSON
 * and loaded again, which must succeed.
 *
 * Seeds: fuzz/corpus/screens_model/. Run: fuzz/run BUILD_DIR SECONDS
 * screens_model, or replay the corpus through fuzz/replay.c.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/model.h"
#include "base/jsonr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_screens_model: %s (input of %zu bytes)\n", what, size);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum err e;
    const char *msg = NULL;
    char err[256];
    json_t *j = jsonr_parse((const char *)data, size, 1 << 20, 8, &e, &msg);
    if (j == NULL)
        return 0;
    struct model *m = NULL;
    int rc = model_from_json(j, &m, err, sizeof(err));
    json_decref(j);
    if (rc != MODEL_OK) {
        if (m != NULL || err[0] == '\0')
            fail("refused without a message, or with a model", size);
        return 0;
    }
    double *row = malloc(m->p * sizeof(double));
    static const double fill[] = {NAN, 0.0, -1e308, 1e308, 0.5};
    for (size_t f = 0; f < sizeof(fill) / sizeof(fill[0]); f++) {
        for (size_t i = 0; i < m->p; i++)
            row[i] = fill[f];
        double s = model_score(m, row, f % 2 ? "m0" : NULL);
        if (!(s >= 0.0 && s <= 1.0))
            fail("score outside [0, 1]", size);
    }
    free(row);
    json_t *again = model_to_json(m);
    struct model *m2 = NULL;
    if (again == NULL || model_from_json(again, &m2, err, sizeof(err)) != MODEL_OK)
        fail("a loaded model does not load again", size);
    json_decref(again);
    model_free(m2);
    model_free(m);
    return 0;
}
