/*
 * jsonw.h — a small streaming JSON writer on a bounded struct buf.
 *
 * Responses are written straight into the response buffer, with commas and
 * nesting tracked here, so handlers never build a tree. Strings are escaped
 * per RFC 8259: '"', '\\' and control characters; '<', '>', '&' and U+2028/9
 * are escaped too so a JSON body can be embedded in HTML safely. Invalid UTF-8
 * in a string is replaced by U+FFFD, so the output is always valid JSON.
 *
 * Errors are sticky: after the first failure (buffer full, nesting past
 * JSONW_MAX_DEPTH, a value where a key is due) every call is a no-op and
 * jsonw_finish() returns the error. Not thread-safe.
 *
 *     struct jsonw w; jsonw_init(&w, &res->body);
 *     jsonw_obj_begin(&w);
 *       jsonw_key(&w, "id"); jsonw_int(&w, 42);
 *       jsonw_key(&w, "tags"); jsonw_arr_begin(&w); jsonw_str(&w, "a"); jsonw_arr_end(&w);
 *     jsonw_obj_end(&w);
 *     if (jsonw_finish(&w) != 0) ...
 */
#ifndef SUNBID_JSONW_H
#define SUNBID_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define JSONW_MAX_DEPTH 32

enum { JSONW_OK = 0, JSONW_FULL = -1, JSONW_MISUSE = -2 };

struct jsonw {
    struct buf *out;             /* borrowed; bytes are appended here */
    int err;                     /* first error, sticky */
    int depth;                   /* open containers */
    char kind[JSONW_MAX_DEPTH];  /* '{' or '[' per open container */
    bool first[JSONW_MAX_DEPTH]; /* nothing written yet at this level */
    bool want_value;             /* a key was written, its value is due */
};

void jsonw_init(struct jsonw *w, struct buf *out);
void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_str(struct jsonw *w, const char *s); /* NULL writes null */
void jsonw_strn(struct jsonw *w, const char *s, size_t n);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* Writes pre-serialised JSON as one value; the caller vouches for it. */
void jsonw_raw(struct jsonw *w, const char *json, size_t n);
/* Key + value shorthands. */
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_kint(struct jsonw *w, const char *key, int64_t v);
void jsonw_kbool(struct jsonw *w, const char *key, bool v);
/* Returns JSONW_OK when the document is complete and nothing failed. */
int jsonw_finish(struct jsonw *w);

/* Appends s (n bytes) escaped, without quotes. Returns a BUF_* code. */
int json_escape(struct buf *out, const char *s, size_t n);

#endif
