/*
 * fuzz_json_body.c — libFuzzer target for the JSON request-body reader
 * (base/jsonr.h): the bytes of one request body in, jsonr_parse() over them.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks what
 * jsonr_parse() promises:
 *   - a failure sets one of the body error codes (malformed, duplicate key,
 *     invalid UTF-8, too deep, too large), all answered with a 4xx status;
 *   - a success returns a tree no deeper than the limit whose every string and
 *     key is valid UTF-8 without NUL, and that survives a round trip
 *     (json_dumps, then jsonr_parse again, gives an equal tree);
 *   - a tighter limit never accepts what a looser one refuses: parsing again
 *     with max_depth 4 and 1 KiB either fails or gives the same tree.
 * Invalid UTF-8 input is never accepted.
 *
 * Seeds: fuzz/corpus/json_body/. Run: fuzz/run BUILD_DIR SECONDS, or replay
 * the corpus without libFuzzer through fuzz/replay.c.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/jsonr.h"

#define BODY_MAX    (64 * 1024) /* the looser size limit, bytes */
#define TIGHT_DEPTH 4           /* the tighter limits of the second parse */
#define TIGHT_BYTES 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_json_body: %s (input of %zu bytes)\n", what, size);
    (void)data;
    abort();
}

/* Nesting depth of a tree: a scalar is 0, an empty container 1. */
static int tree_depth(json_t *v)
{
    int deepest = 0;
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child)
        {
            int d = tree_depth(child);
            if (d > deepest)
                deepest = d;
        }
        return deepest + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child)
        {
            int d = tree_depth(child);
            if (d > deepest)
                deepest = d;
        }
        return deepest + 1;
    }
    return 0;
}

/* True when every string and key in the tree is valid UTF-8 without NUL. */
static int tree_strings_ok(json_t *v)
{
    if (json_is_string(v))
        return jsonr_utf8_valid(json_string_value(v), json_string_length(v));
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child)
        {
            if (!jsonr_utf8_valid(key, strlen(key)) || !tree_strings_ok(child))
                return 0;
        }
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child)
        {
            if (!tree_strings_ok(child))
                return 0;
        }
    }
    return 1;
}

static int is_body_error(enum err e)
{
    return e == ERR_MALFORMED_JSON || e == ERR_DUPLICATE_KEY || e == ERR_INVALID_UTF8 ||
           e == ERR_JSON_TOO_DEEP || e == ERR_BODY_TOO_LARGE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    enum err err = ERR_INTERNAL;
    const char *msg = NULL;

    json_t *root = jsonr_parse(body, size, BODY_MAX, JSONR_MAX_DEPTH, &err, &msg);
    if (root == NULL) {
        if (!is_body_error(err))
            fail("failure without a body error code", data, size);
        if (err_status(err) < 400 || err_status(err) > 499)
            fail("body error without a 4xx status", data, size);
        if (size > BODY_MAX && err != ERR_BODY_TOO_LARGE)
            fail("oversized body not refused as too large", data, size);
    } else {
        if (err != ERR_OK)
            fail("success with an error code set", data, size);
        if (size > BODY_MAX)
            fail("oversized body accepted", data, size);
        if (!jsonr_utf8_valid(body, size))
            fail("invalid UTF-8 accepted", data, size);
        if (tree_depth(root) > JSONR_MAX_DEPTH)
            fail("tree deeper than the limit accepted", data, size);
        if (!tree_strings_ok(root))
            fail("tree holds a string that is not valid UTF-8", data, size);

        /* Round trip: what we parsed, written out, parses to the same tree.
         * Escapes can make the text longer, hence the larger limit. */
        char *text = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text == NULL)
            fail("json_dumps failed on an accepted tree", data, size);
        enum err err2 = ERR_INTERNAL;
        const char *msg2 = NULL;
        json_t *again =
            jsonr_parse(text, strlen(text), 8 * BODY_MAX, JSONR_MAX_DEPTH, &err2, &msg2);
        if (again == NULL || !json_equal(root, again))
            fail("round trip changed the tree", data, size);
        json_decref(again);
        free(text);
    }

    /* Tighter limits accept a subset, giving the same trees. */
    enum err err3 = ERR_INTERNAL;
    const char *msg3 = NULL;
    json_t *tight = jsonr_parse(body, size, TIGHT_BYTES, TIGHT_DEPTH, &err3, &msg3);
    if (tight != NULL) {
        if (root == NULL || !json_equal(root, tight))
            fail("tighter limits accepted what looser ones did not", data, size);
        if (tree_depth(tight) > TIGHT_DEPTH)
            fail("tree deeper than the tight limit accepted", data, size);
        json_decref(tight);
    } else if (!is_body_error(err3)) {
        fail("failure without a body error code (tight limits)", data, size);
    }

    json_decref(root);
    return 0;
}
