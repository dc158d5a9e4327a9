/*
 * router.h — the route table compiled for matching (internal to http/).
 *
 * Patterns are paths whose segments are literals ("tenders"), parameters
 * (":id", any one non-empty segment) or, as the last segment only, "*" (the
 * rest of the path after that '/', possibly empty, exposed as the parameter
 * "*": a pattern "/files/" + "*" matches "/files/" and "/files/a/b", not
 * "/files").
 * Literal text in a pattern is written decoded: "/api/a b" matches
 * "/api/a%20b".
 *
 * A request path is split on '/' first and each segment percent-decoded on
 * its own, so "%2F" cannot forge a separator; decoding rejects bad escapes,
 * NUL, an encoded '/', and the segments "." and ".." (raw or decoded) — such
 * a path is ROUTER_BAD_PATH (400), never matched and never served.
 *
 * When several routes match, the most specific wins: segment by segment, a
 * literal beats a parameter beats "*"; ties go to the earlier route. A path
 * that matches only routes of other methods is ROUTER_NOT_ALLOWED (405) with
 * the allowed methods in `allow`.
 *
 * Threads: router_new/router_free on one thread; router_match is read-only
 * and may run on any thread concurrently.
 */
#ifndef SUNBID_HTTP_ROUTER_H
#define SUNBID_HTTP_ROUTER_H

#include <stddef.h>

#include "http/http.h"

#define ROUTER_MAX_SEGS   64 /* path segments; more is ROUTER_BAD_PATH */
#define ROUTER_MAX_PARAMS 8  /* ":name" and "*" per pattern (= http_request's arrays) */

enum router_rc {
    ROUTER_OK = 0,      /* out->route is set */
    ROUTER_NOT_FOUND,   /* no route has this path */
    ROUTER_NOT_ALLOWED, /* the path exists for other methods: out->allow */
    ROUTER_BAD_PATH     /* malformed or forbidden path: 400 */
};

struct router_match {
    const struct http_route *route;        /* the matched route (ROUTER_OK) */
    const char *path;                      /* decoded path, in scratch (not BAD_PATH) */
    int nparams;                           /* parameters filled below */
    const char *names[ROUTER_MAX_PARAMS];  /* names, owned by the router */
    const char *values[ROUTER_MAX_PARAMS]; /* decoded values, in scratch */
    unsigned allow;                        /* bits 1u << HTTP_M_* of routes on this path */
};

struct router;

/* Compiles the table; `routes` is borrowed and must outlive the router.
 * Returns NULL with a message in err for a malformed pattern. */
struct router *router_new(const struct http_route *routes, size_t n, char *err, size_t errlen);
void router_free(struct router *r); /* NULL is a no-op */

/* Bytes of scratch router_match needs for a raw path of raw_len bytes. */
size_t router_scratch_size(size_t raw_len);

/* Matches method m (HEAD must be passed as GET) and the raw path (no query,
 * not NUL-terminated). Decoded strings go to scratch, which must hold
 * router_scratch_size(raw_len) bytes. */
enum router_rc router_match(const struct router *r, enum http_method m, const char *raw,
                            size_t raw_len, char *scratch, size_t scratch_len,
                            struct router_match *out);

/* Writes "GET, HEAD, POST" for an allow mask into out (always NUL-terminated). */
void router_format_allow(unsigned allow, char *out, size_t outlen);

/* Percent-decodes n bytes of src into dst (room for n + 1), NUL-terminates.
 * plus_space: '+' means ' ' (query strings). Returns the decoded length, or
 * -1 on a bad escape or a decoded NUL. */
long http_pct_decode(char *dst, const char *src, size_t n, int plus_space);

#endif
