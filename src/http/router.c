/*
 * router.c — compiles the route table once and matches request paths
 * against it (see router.h for the pattern language and the rules).
 *
 * Owns: the compiled entries (one per route: its segments, each a literal,
 * a parameter or the trailing star) and copies of the parameter names.
 *
 * Invariants: every entry has 1..ROUTER_MAX_SEGS segments and at most
 * ROUTER_MAX_PARAMS parameters; a star is only ever the last segment.
 * Matching never writes outside the caller's scratch, whose size is checked
 * against router_scratch_size() on entry.
 *
 * Threads: router_new/router_free by the server's owner; router_match is
 * read-only and runs on the loop thread (for the body limit and 404/405)
 * while workers may run others — no shared mutable state.
 *
 * Matching is a linear scan over precompiled segments. With the few hundred
 * routes sunbid has, that is well under a microsecond per request; a trie
 * would pay off only for thousands.
 */
#include "http/router.h"
#include "base/base64.h"

#include <stdint.h>

enum seg_kind { SEG_LIT = 0, SEG_PARAM = 1, SEG_STAR = 2 }; /* order = specificity */

struct seg {
    enum seg_kind kind; /* literal, ":name" or "*" */
    const char *text;   /* literal text or parameter name, NUL-terminated, owned */
    size_t len;         /* strlen(text) */
};

struct entry {
    const struct http_route *route; /* borrowed */
    int nsegs;                      /* segments in the pattern */
    int nparams;                    /* ":name" and "*" segments */
    struct seg segs[ROUTER_MAX_SEGS];
};

struct router {
    struct entry *v; /* entries in table order */
    size_t n;        /* count */
};

/* Each request path segment after decoding. */
struct pseg {
    const char *s; /* NUL-terminated, in scratch */
    size_t len;
};

long http_pct_decode(char *dst, const char *src, size_t n, int plus_space)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1; /* truncated escape */
            int hi = hex_digit(src[i + 1]);
            int lo = hex_digit(src[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == '\0')
            return -1;
        dst[o++] = c;
    }
    dst[o] = '\0';
    return (long)o;
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void entry_release(struct entry *e)
{
    for (int i = 0; i < e->nsegs; i++)
        free((char *)(uintptr_t)e->segs[i].text);
    e->nsegs = 0;
}

/* Compiles one pattern. Returns 0, or -1 with a message in err. */
static int entry_compile(struct entry *e, const struct http_route *rt, char *err, size_t errlen)
{
    const char *p = rt->pattern;
    e->route = rt;
    e->nsegs = 0;
    e->nparams = 0;
    if (p == NULL || p[0] != '/') {
        snprintf(err, errlen, "route pattern %s must start with '/'", p ? p : "(null)");
        return -1;
    }
    if (rt->handler == NULL) {
        snprintf(err, errlen, "route %s has no handler", p);
        return -1;
    }
    p++;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (e->nsegs >= ROUTER_MAX_SEGS) {
            snprintf(err, errlen, "route pattern %s has too many segments", rt->pattern);
            return -1;
        }
        struct seg *s = &e->segs[e->nsegs];
        if (len >= 1 && p[0] == ':') {
            if (len == 1) {
                snprintf(err, errlen, "route pattern %s has an unnamed parameter", rt->pattern);
                return -1;
            }
            s->kind = SEG_PARAM;
            s->text = dup_n(p + 1, len - 1);
            s->len = len - 1;
        } else if (len == 1 && p[0] == '*') {
            if (slash != NULL) {
                snprintf(err, errlen, "route pattern %s: '*' must be last", rt->pattern);
                return -1;
            }
            s->kind = SEG_STAR;
            s->text = dup_n("*", 1);
            s->len = 1;
        } else {
            s->kind = SEG_LIT;
            s->text = dup_n(p, len);
            s->len = len;
        }
        if (s->text == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        e->nsegs++;
        if (s->kind != SEG_LIT && ++e->nparams > ROUTER_MAX_PARAMS) {
            snprintf(err, errlen, "route pattern %s has too many parameters", rt->pattern);
            return -1;
        }
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    return 0;
}

struct router *router_new(const struct http_route *routes, size_t n, char *err, size_t errlen)
{
    struct router *r = calloc(1, sizeof(*r));
    if (r == NULL)
        goto oom;
    if (n > 0) {
        r->v = calloc(n, sizeof(*r->v));
        if (r->v == NULL)
            goto oom;
    }
    for (size_t i = 0; i < n; i++) {
        r->n = i + 1;
        if (entry_compile(&r->v[i], &routes[i], err, errlen) != 0) {
            router_free(r);
            return NULL;
        }
    }
    return r;
oom:
    snprintf(err, errlen, "out of memory");
    router_free(r);
    return NULL;
}

void router_free(struct router *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        entry_release(&r->v[i]);
    free(r->v);
    free(r);
}

size_t router_scratch_size(size_t raw_len)
{
    /* decoded segments + NULs, the decoded path, the star remainder */
    return 3 * raw_len + ROUTER_MAX_SEGS + 8;
}

/* Does entry e match the decoded segments? Fills params when it does. */
static int entry_match(const struct entry *e, const struct pseg *ps, int nps)
{
    for (int i = 0; i < e->nsegs; i++) {
        const struct seg *s = &e->segs[i];
        if (i >= nps)
            return 0;
        if (s->kind == SEG_STAR)
            return 1; /* the rest, from a segment that exists (maybe empty) */
        if (s->kind == SEG_PARAM) {
            if (ps[i].len == 0)
                return 0;
            continue;
        }
        if (s->len != ps[i].len || memcmp(s->text, ps[i].s, s->len) != 0)
            return 0;
    }
    return e->nsegs == nps;
}

/* Negative when a is more specific than b, positive when less, 0 if equal. */
static int entry_cmp(const struct entry *a, const struct entry *b)
{
    int n = a->nsegs < b->nsegs ? a->nsegs : b->nsegs;
    for (int i = 0; i < n; i++) {
        if (a->segs[i].kind != b->segs[i].kind)
            return (int)a->segs[i].kind - (int)b->segs[i].kind;
    }
    return 0;
}

enum router_rc router_match(const struct router *r, enum http_method m, const char *raw,
                            size_t raw_len, char *scratch, size_t scratch_len,
                            struct router_match *out)
{
    struct pseg ps[ROUTER_MAX_SEGS];
    int nps = 0;
    size_t off = 0;

    memset(out, 0, sizeof(*out));
    if (scratch_len < router_scratch_size(raw_len))
        return ROUTER_BAD_PATH;
    if (raw_len == 0 || raw[0] != '/')
        return ROUTER_BAD_PATH;

    /* Split on '/' and decode each segment on its own. */
    size_t i = 1;
    for (;;) {
        size_t j = i;
        while (j < raw_len && raw[j] != '/')
            j++;
        if (nps >= ROUTER_MAX_SEGS)
            return ROUTER_BAD_PATH;
        char *dst = scratch + off;
        long dl = http_pct_decode(dst, raw + i, j - i, 0);
        if (dl < 0)
            return ROUTER_BAD_PATH;
        if (memchr(dst, '/', (size_t)dl) != NULL)
            return ROUTER_BAD_PATH; /* "%2F" would forge a separator */
        if ((dl == 1 && dst[0] == '.') || (dl == 2 && dst[0] == '.' && dst[1] == '.'))
            return ROUTER_BAD_PATH; /* dot segments: traversal */
        ps[nps].s = dst;
        ps[nps].len = (size_t)dl;
        nps++;
        off += (size_t)dl + 1;
        if (j >= raw_len)
            break;
        i = j + 1;
    }

    /* The decoded path: "/" + segments joined with "/". */
    char *path = scratch + off;
    size_t pl = 0;
    for (int k = 0; k < nps; k++) {
        path[pl++] = '/';
        memcpy(path + pl, ps[k].s, ps[k].len);
        pl += ps[k].len;
    }
    path[pl] = '\0';
    off += pl + 1;
    out->path = path;

    const struct entry *best = NULL;
    for (size_t k = 0; k < r->n; k++) {
        const struct entry *e = &r->v[k];
        if (!entry_match(e, ps, nps))
            continue;
        if ((unsigned)e->route->method < 32)
            out->allow |= 1u << (unsigned)e->route->method;
        if (e->route->method != m)
            continue;
        if (best == NULL || entry_cmp(e, best) < 0)
            best = e;
    }
    if (best == NULL)
        return out->allow != 0 ? ROUTER_NOT_ALLOWED : ROUTER_NOT_FOUND;

    out->route = best->route;
    for (int k = 0; k < best->nsegs; k++) {
        const struct seg *s = &best->segs[k];
        if (s->kind == SEG_LIT)
            continue;
        out->names[out->nparams] = s->text;
        if (s->kind == SEG_PARAM) {
            out->values[out->nparams] = ps[k].s;
        } else {
            /* The rest of the decoded path, without the leading '/'. */
            char *rest = scratch + off;
            size_t rl = 0;
            for (int q = k; q < nps; q++) {
                if (q > k)
                    rest[rl++] = '/';
                memcpy(rest + rl, ps[q].s, ps[q].len);
                rl += ps[q].len;
            }
            rest[rl] = '\0';
            off += rl + 1;
            out->values[out->nparams] = rest;
        }
        out->nparams++;
    }
    return ROUTER_OK;
}

void router_format_allow(unsigned allow, char *out, size_t outlen)
{
    static const enum http_method order[] = {HTTP_M_GET,   HTTP_M_HEAD,   HTTP_M_POST,   HTTP_M_PUT,
                                             HTTP_M_PATCH, HTTP_M_DELETE, HTTP_M_OPTIONS};
    size_t o = 0;
    if (outlen == 0)
        return;
    out[0] = '\0';
    if (allow & (1u << HTTP_M_GET))
        allow |= 1u << HTTP_M_HEAD; /* HEAD is served by GET routes */
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!(allow & (1u << order[i])))
            continue;
        const char *name = http_method_name(order[i]);
        size_t n = strlen(name);
        size_t sep = o > 0 ? 2 : 0;
        if (o + sep + n + 1 > outlen)
            break;
        if (sep) {
            out[o++] = ',';
            out[o++] = ' ';
        }
        memcpy(out + o, name, n);
        o += n;
        out[o] = '\0';
    }
}
