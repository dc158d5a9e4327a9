/*
 * fuzz_redflags.c — libFuzzer target for the red flags' two parsers of
 * outside input (analytics/redflags.h): the settings file (INI) and the
 * line-delimited OCDS releases, run through every indicator.
 *
 * An input is "SETTINGS\n%%\nRELEASES": the text before the first "\n%%\n"
 * is parsed as a settings file; when there is no separator, or the settings
 * are refused, every indicator runs with its defaults over the whole input.
 * The releases are read through redflags_read (a memory FILE) with a line
 * limit of 512 bytes, so over-long lines are exercised too, with the Maps on.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks:
 *   - a refused settings file says which line ("line N: ...");
 *   - reading never fails (bad lines are warnings), and the line counts add
 *     up: lines = blank + invalid + too long + not releases + excluded +
 *     releases;
 *   - the output, with Meta and Maps, is one valid JSON object whose groups
 *     are objects of objects of numbers (or null).
 *
 * Seeds: fuzz/corpus/redflags/. Run: fuzz/run BUILD_DIR SECONDS redflags.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/redflags.h"

#define FUZZ_MAX_LINE 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_redflags: %s (input of %zu bytes)\n", what, size);
    abort();
}

static void check_output(const char *out, size_t size)
{
    json_error_t e;
    json_t *j = json_loads(out, 0, &e);
    if (!json_is_object(j))
        fail("output is not a JSON object", size);
    const char *g;
    json_t *group;
    json_object_foreach(j, g, group)
    {
        if (!json_is_object(group))
            fail("a top-level value is not an object", size);
        if (strcmp(g, "Meta") == 0 || strcmp(g, "Maps") == 0)
            continue;
        if (strcmp(g, "OCID") != 0 && strcmp(g, "Buyer") != 0 &&
            strcmp(g, "ProcuringEntity") != 0 && strcmp(g, "Tenderer") != 0)
            fail("unknown group", size);
        const char *id;
        json_t *res;
        json_object_foreach(group, id, res)
        {
            const char *ind;
            json_t *v;
            if (!json_is_object(res) || json_object_size(res) == 0)
                fail("a result is not a non-empty object", size);
            json_object_foreach(res, ind, v)
            {
                if (!json_is_real(v) && !json_is_null(v))
                    fail("an indicator value is not a number", size);
                if (strlen(ind) != 4 || ind[0] != 'R')
                    fail("an indicator name is not Rnnn", size);
            }
        }
    }
    if (json_object_get(j, "Meta") == NULL || json_object_get(j, "Maps") == NULL)
        fail("Meta or Maps missing", size);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *jsonl = text;
    size_t jlen = size;
    struct redflags_settings set;
    redflags_settings_init(&set);

    const char *sep = memmem(text, size, "\n%%\n", 4);
    bool parsed = false;
    if (sep != NULL) {
        char err[300];
        size_t slen = (size_t)(sep - text);
        if (redflags_settings_parse(&set, text, slen, err, sizeof(err)) == 0) {
            parsed = true;
        } else if (strncmp(err, "line ", 5) != 0) {
            fail("a settings error without its line", size);
        }
        jsonl = sep + 4;
        jlen = size - slen - 4;
    }
    if (!parsed) {
        redflags_settings_release(&set);
        redflags_settings_init(&set);
        redflags_settings_enable_all(&set);
    }

    struct redflags *rf = redflags_new(&set, true);
    if (rf == NULL)
        fail("redflags_new failed", size);
    FILE *f = jlen > 0 ? fmemopen((void *)(uintptr_t)jsonl, jlen, "r") : NULL;
    if (f != NULL) {
        if (redflags_read(rf, f, FUZZ_MAX_LINE) != 0)
            fail("redflags_read failed", size);
        fclose(f);
    }
    if (redflags_finish(rf) != 0)
        fail("redflags_finish failed", size);
    const struct redflags_stats *st = redflags_stats(rf);
    if (st->lines !=
        st->blank + st->invalid + st->too_long + st->not_release + st->excluded + st->releases)
        fail("line counts do not add up", size);

    struct buf out;
    buf_init(&out, 1 << 26);
    if (redflags_write(rf, &out, REDFLAGS_OUT_META | REDFLAGS_OUT_MAPS) != BUF_OK)
        fail("redflags_write failed", size);
    check_output(out.data, size);
    buf_release(&out);
    redflags_free(rf);
    redflags_settings_release(&set);
    return 0;
}
