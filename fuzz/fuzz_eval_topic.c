/*
 * fuzz_eval_topic.c — libFuzzer target for the evaluation room's topic
 * name (domain/evaluation_live.h), which arrives from outside as
 * GET /api/events?topic=... The input is the topic's bytes (cut at the
 * first NUL, as the query decoder would hand it over).
 *
 * It checks what the follow rule relies on:
 *   - an id is 0 or in 1 .. 10^15 - 1;
 *   - a non-zero id is canonical: evaluation_live_topic(id) spells the
 *     input exactly, so each room has one topic name and no alias
 *     ("evaluation.01", "evaluation.+1") reaches another;
 *   - the canonical name of any id parses back to it.
 *
 * Seeds: fuzz/corpus/eval_topic/. Run: fuzz/run BUILD_DIR SECONDS, or replay
 * the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/evaluation_live.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOPIC_IN_MAX 256

static void fail(const char *what, const char *topic)
{
    fprintf(stderr, "fuzz_eval_topic: %s: %s\n", what, topic);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[TOPIC_IN_MAX + 1], name[EVALUATION_LIVE_TOPIC_MAX];
    size_t n = size < TOPIC_IN_MAX ? size : TOPIC_IN_MAX;
    memcpy(in, data, n);
    in[n] = '\0';
    int64_t id = evaluation_live_topic_id(in);
    if (id < 0 || id >= 1000000000000000LL)
        fail("id out of range", in);
    if (id != 0) {
        evaluation_live_topic(id, name);
        if (strcmp(name, in) != 0)
            fail("not canonical", in);
    }
    /* the other way: whatever number the bytes make, its name parses back */
    uint64_t u = 0;
    for (size_t i = 0; i < n && i < 8; i++)
        u = (u << 8) | data[i];
    int64_t k = (int64_t)(u % 1000000000000000ULL);
    if (k > 0) {
        evaluation_live_topic(k, name);
        if (evaluation_live_topic_id(name) != k)
            fail("round trip", name);
    }
    if (evaluation_live_topic_id(NULL) != 0)
        fail("NULL", "");
    return 0;
}
