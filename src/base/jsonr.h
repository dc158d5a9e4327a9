/*
 * jsonr.h — reading JSON request bodies (jansson underneath).
 *
 * Outside input is checked before jansson sees it: the size limit, UTF-8
 * validity (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF) and
 * the nesting depth (jansson's own limit is a compile-time 2048). jansson then
 * parses with JSON_REJECT_DUPLICATES; "\u0000" in strings is refused. Each
 * failure maps to one error code of base/errors.h. Thread-safe.
 */
#ifndef SUNBID_JSONR_H
#define SUNBID_JSONR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/errors.h"

#define JSONR_MAX_DEPTH 32

/* Parses body. Returns a new reference (caller json_decref) or NULL with *err
 * set and *msg pointing at a static description (may be NULL). */
json_t *jsonr_parse(const char *body, size_t len, size_t max_bytes, int max_depth, enum err *err,
                    const char **msg);

/* True when s (n bytes) is valid UTF-8 with no NUL byte. */
bool jsonr_utf8_valid(const char *s, size_t n);

#endif
