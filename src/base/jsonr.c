/*
 * jsonr.c — guarded JSON parsing of request bodies (see jsonr.h).
 *
 * The depth pre-scan walks the bytes once, tracking whether it is inside a
 * string (with backslash escapes), and counts open brackets. It does not
 * validate anything else: jansson does that next.
 */
#include "base/jsonr.h"

#include <stdint.h>

#include "base/utf8.h"

bool jsonr_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        size_t len = s[i] == 0 ? 0 : utf8_seq(s + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

/* Deepest bracket nesting of the document, stopping once past limit. */
static int depth_of(const char *s, size_t n, int limit)
{
    int depth = 0, deepest = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > limit)
                    return deepest;
            }
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return deepest;
}

json_t *jsonr_parse(const char *body, size_t len, size_t max_bytes, int max_depth, enum err *err,
                    const char **msg)
{
    json_error_t jerr;
    json_t *root;
    *msg = NULL;
    if (max_depth <= 0)
        max_depth = JSONR_MAX_DEPTH;
    if (len > max_bytes) {
        *err = ERR_BODY_TOO_LARGE;
        return NULL;
    }
    if (body == NULL || len == 0) {
        *err = ERR_MALFORMED_JSON;
        *msg = "The request body is empty.";
        return NULL;
    }
    if (!jsonr_utf8_valid(body, len)) {
        *err = ERR_INVALID_UTF8;
        return NULL;
    }
    if (depth_of(body, len, max_depth) > max_depth) {
        *err = ERR_JSON_TOO_DEEP;
        return NULL;
    }
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        enum json_error_code code = json_error_code(&jerr);
        if (code == json_error_duplicate_key) {
            *err = ERR_DUPLICATE_KEY;
        } else if (code == json_error_invalid_utf8 || code == json_error_null_character ||
                   code == json_error_null_byte_in_key) {
            *err = ERR_INVALID_UTF8;
        } else {
            *err = ERR_MALFORMED_JSON;
        }
        return NULL;
    }
    *err = ERR_OK;
    return root;
}
