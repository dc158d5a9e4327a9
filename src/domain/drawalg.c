/*
 * domain/drawalg.c — the draw's deterministic algorithm (drawalg.h; the
 * specification is docs/draw.md, section "The algorithm").
 *
 * Canonical texts, byte for byte (each line ends with LF):
 *
 *   requests:  "sunbid-draw-requests/1"
 *              "g <n> <specialty> <region or -> <count> <reserves>"   per group, n = 1..
 *   snapshot:  "sunbid-draw-snapshot/1"
 *              "e <id> <region> <code>,<code>,..."                    per expert, ascending id
 *
 * Threads: any; pure (OpenSSL's HMAC and SHA-256 only).
 */
#include "domain/drawalg.h"

#include "base/arena.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define KEY_LABEL    "sunbid-draw/1"
#define STREAM_LABEL "sunbid-draw-stream/1"

/* ---- checks ---- */

bool drawalg_spec_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n > DRAW_SPEC_MAX || code[0] == '.' || code[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'))
            return false;
        if (c == '.' && code[i + 1] == '.')
            return false;
    }
    return true;
}

bool drawalg_region_ok(const char *region)
{
    if (region == NULL || region[0] == '\0')
        return true;
    if (strlen(region) != DRAW_REGION_LEN)
        return false;
    for (int i = 0; i < DRAW_REGION_LEN; i++)
        if (region[i] < '0' || region[i] > '9')
            return false;
    return true;
}

bool drawalg_region_match(const char *request_region, const char *expert_region)
{
    size_t n = strlen(request_region);
    if (n == 0)
        return true;
    while (n >= 2 && request_region[n - 1] == '0' && request_region[n - 2] == '0')
        n -= 2;
    return strncmp(request_region, expert_region, n) == 0;
}

bool drawalg_requests_ok(const struct draw_request *req, int n)
{
    if (n < 1 || n > DRAW_GROUPS_MAX)
        return false;
    for (int i = 0; i < n; i++) {
        if (!drawalg_spec_ok(req[i].specialty) || !drawalg_region_ok(req[i].region))
            return false;
        if (req[i].count < 1 || req[i].count > DRAW_COUNT_MAX || req[i].reserves < 0 ||
            req[i].reserves > DRAW_RESERVE_MAX)
            return false;
    }
    return true;
}

/* ---- canonical texts ---- */

int drawalg_requests_text(const struct draw_request *req, int n, struct buf *out)
{
    if (!drawalg_requests_ok(req, n))
        return DRAWALG_EINVAL;
    int rc = buf_puts(out, "sunbid-draw-requests/1\n");
    for (int i = 0; i < n && rc == BUF_OK; i++)
        rc = buf_printf(out, "g %d %s %s %d %d\n", i + 1, req[i].specialty,
                        req[i].region[0] ? req[i].region : "-", req[i].count, req[i].reserves);
    return rc;
}

static bool expert_ok(const struct draw_expert *e)
{
    if (e->id <= 0 || e->region == NULL || strlen(e->region) != DRAW_REGION_LEN ||
        !drawalg_region_ok(e->region) || e->nspecs < 0 || e->nspecs > DRAW_SPECS_MAX)
        return false;
    for (int k = 0; k < e->nspecs; k++) {
        if (!drawalg_spec_ok(e->specs[k]))
            return false;
        if (k > 0 && strcmp(e->specs[k - 1], e->specs[k]) >= 0)
            return false;
    }
    return true;
}

/* Appends the decimal of v (> 0). */
static int put_id(struct buf *out, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    return buf_append(out, tmp + i, sizeof tmp - i);
}

int drawalg_snapshot_line(const struct draw_expert *e, struct buf *out)
{
    if (!expert_ok(e))
        return DRAWALG_EINVAL;
    int rc = buf_append(out, "e ", 2);
    if (rc == BUF_OK)
        rc = put_id(out, e->id);
    if (rc == BUF_OK)
        rc = buf_putc(out, ' ');
    if (rc == BUF_OK)
        rc = buf_append(out, e->region, DRAW_REGION_LEN);
    if (rc == BUF_OK)
        rc = buf_putc(out, ' ');
    for (int k = 0; k < e->nspecs && rc == BUF_OK; k++) {
        if (k > 0)
            rc = buf_putc(out, ',');
        if (rc == BUF_OK)
            rc = buf_puts(out, e->specs[k]);
    }
    if (rc == BUF_OK)
        rc = buf_putc(out, '\n');
    return rc == BUF_OK ? DRAWALG_OK : DRAWALG_ENOMEM;
}

int drawalg_snapshot_text(const struct draw_expert *e, size_t n, struct buf *out)
{
    /* hand-rolled appends: this runs over the whole pool at every draw */
    int rc = buf_puts(out, "sunbid-draw-snapshot/1\n");
    if (rc == BUF_OK && n < ((size_t)1 << 24) && out->len + n * 40 < out->max)
        rc = buf_reserve(out, n * 40); /* a guess: about 40 bytes a line */
    for (size_t i = 0; i < n && rc == BUF_OK; i++) {
        if (i > 0 && e[i - 1].id >= e[i].id)
            return DRAWALG_EINVAL;
        rc = drawalg_snapshot_line(&e[i], out);
    }
    return rc;
}

int drawalg_snapshot_parse(const char *text, size_t len, struct arena *a, struct draw_expert **out,
                           size_t *n)
{
    static const char head[] = "sunbid-draw-snapshot/1\n";
    size_t lines = 0, i;
    *out = NULL;
    *n = 0;
    if (len < sizeof head - 1 || memcmp(text, head, sizeof head - 1) != 0 || text[len - 1] != '\n')
        return DRAWALG_EINVAL;
    for (i = sizeof head - 1; i < len; i++)
        lines += text[i] == '\n';
    struct draw_expert *e = arena_calloc(a, (lines ? lines : 1) * sizeof(*e));
    if (e == NULL)
        return DRAWALG_ENOMEM;
    i = sizeof head - 1;
    for (size_t k = 0; k < lines; k++) {
        const char *line = text + i;
        const char *end = memchr(line, '\n', len - i);
        size_t ll = (size_t)(end - line);
        char *copy = arena_strndup(a, line, ll);
        char *save = NULL;
        if (copy == NULL)
            return DRAWALG_ENOMEM;
        const char *tag = strtok_r(copy, " ", &save);
        const char *id = strtok_r(NULL, " ", &save);
        const char *region = strtok_r(NULL, " ", &save);
        char *codes = strtok_r(NULL, " ", &save);
        if (tag == NULL || strcmp(tag, "e") != 0 || id == NULL || region == NULL ||
            strtok_r(NULL, " ", &save) != NULL)
            return DRAWALG_EINVAL;
        char *endp = NULL;
        long long v = strtoll(id, &endp, 10);
        if (endp == NULL || *endp != '\0' || v <= 0)
            return DRAWALG_EINVAL;
        e[k].id = v;
        e[k].region = region;
        int nc = 0;
        for (const char *c = codes; c != NULL && *c; c++)
            nc += *c == ',';
        nc = codes != NULL && *codes ? nc + 1 : 0;
        if (nc > DRAW_SPECS_MAX)
            return DRAWALG_EINVAL;
        e[k].specs = arena_alloc(a, (size_t)(nc ? nc : 1) * sizeof(char *));
        if (e[k].specs == NULL)
            return DRAWALG_ENOMEM;
        char *s2 = NULL;
        for (char *c = nc ? strtok_r(codes, ",", &s2) : NULL; c != NULL;
             c = strtok_r(NULL, ",", &s2))
            e[k].specs[e[k].nspecs++] = c;
        if (e[k].nspecs != nc)
            return DRAWALG_EINVAL;
        i += ll + 1;
    }
    /* it must be canonical: writing it again gives the same bytes */
    struct buf again;
    buf_init(&again, len + 1);
    int rc = drawalg_snapshot_text(e, lines, &again);
    bool same = rc == BUF_OK && again.len == len && memcmp(again.data, text, len) == 0;
    buf_release(&again);
    if (!same)
        return DRAWALG_EINVAL;
    *out = e;
    *n = lines;
    return DRAWALG_OK;
}

/* ---- hashing ---- */

static int sha256(const void *p, size_t n, uint8_t out[DRAW_HASH_LEN])
{
    unsigned int len = 0;
    return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == DRAW_HASH_LEN
               ? DRAWALG_OK
               : DRAWALG_ECRYPTO;
}

static int hmac(const uint8_t *key, size_t klen, const uint8_t *msg, size_t n,
                uint8_t out[DRAW_HASH_LEN])
{
    unsigned int len = 0;
    return HMAC(EVP_sha256(), key, (int)klen, msg, n, out, &len) != NULL && len == DRAW_HASH_LEN
               ? DRAWALG_OK
               : DRAWALG_ECRYPTO;
}

void drawalg_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool drawalg_unhex(const char *hex, uint8_t *out, size_t n)
{
    if (hex == NULL || strlen(hex) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void drawalg_commitment(const uint8_t seed[DRAW_SEED_LEN], char out[2 * DRAW_HASH_LEN + 1])
{
    uint8_t h[DRAW_HASH_LEN];
    if (sha256(seed, DRAW_SEED_LEN, h) != DRAWALG_OK)
        memset(h, 0, sizeof h);
    drawalg_hex(h, DRAW_HASH_LEN, out);
}

/* ---- the stream and the shuffle ---- */

static int next_block(const struct draw_run *r, int g, struct draw_group *gr)
{
    uint8_t msg[sizeof STREAM_LABEL + 4 + 8];
    size_t o = sizeof STREAM_LABEL; /* the label and its NUL */
    memcpy(msg, STREAM_LABEL, sizeof STREAM_LABEL);
    uint32_t gn = (uint32_t)(g + 1);
    for (int i = 0; i < 4; i++)
        msg[o++] = (uint8_t)(gn >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        msg[o++] = (uint8_t)(gr->t >> (56 - 8 * i));
    gr->t++;
    gr->used = 0;
    return hmac(r->key, DRAW_HASH_LEN, msg, o, gr->block);
}

/* A uniform integer in [0, bound) from group g's stream. */
static int uniform(const struct draw_run *r, int g, struct draw_group *gr, uint64_t bound,
                   uint64_t *out)
{
    /* accept x < 2^64 - (2^64 mod bound), a multiple of bound: x <= limit */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % bound + 1) % bound;
    for (;;) {
        if (gr->used >= DRAW_HASH_LEN) {
            int rc = next_block(r, g, gr);
            if (rc != DRAWALG_OK)
                return rc;
        }
        uint64_t x = 0;
        for (int i = 0; i < 8; i++)
            x = x << 8 | gr->block[gr->used + (unsigned)i];
        gr->used += 8;
        if (x <= limit) {
            *out = x % bound;
            return DRAWALG_OK;
        }
    }
}

int drawalg_extend(struct draw_run *r, int g, size_t m)
{
    if (g < 0 || g >= r->ngroups)
        return DRAWALG_EINVAL;
    struct draw_group *gr = &r->g[g];
    if (m > gr->n)
        m = gr->n;
    while (gr->m < m) {
        size_t i = gr->m;
        uint64_t j;
        int rc = uniform(r, g, gr, (uint64_t)(gr->n - i), &j);
        if (rc != DRAWALG_OK)
            return rc;
        int64_t tmp = gr->a[i];
        gr->a[i] = gr->a[i + (size_t)j];
        gr->a[i + (size_t)j] = tmp;
        gr->m++;
    }
    return DRAWALG_OK;
}

static bool has_spec(const struct draw_expert *e, const char *code)
{
    int lo = 0, hi = e->nspecs - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(e->specs[mid], code);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return false;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void drawalg_run_release(struct draw_run *r)
{
    for (int g = 0; g < DRAW_GROUPS_MAX; g++) {
        free(r->g[g].a);
        r->g[g].a = NULL;
    }
    r->ngroups = 0;
}

int drawalg_run(struct draw_run *r, const uint8_t seed[DRAW_SEED_LEN], const char *checkpoint,
                size_t checkpoint_len, const struct draw_request *req, int nreq,
                const struct draw_expert *e, size_t n)
{
    struct buf text;
    uint8_t snap[DRAW_HASH_LEN];
    memset(r, 0, sizeof(*r));
    if (!drawalg_requests_ok(req, nreq))
        return DRAWALG_EINVAL;
    buf_init(&text, (size_t)1 << 30);
    int rc = drawalg_snapshot_text(e, n, &text);
    if (rc == DRAWALG_OK)
        rc = sha256(text.data, text.len, snap);
    else if (rc != DRAWALG_EINVAL)
        rc = DRAWALG_ENOMEM;
    buf_release(&text);
    if (rc != DRAWALG_OK)
        return rc;
    return drawalg_run_hashed(r, seed, checkpoint, checkpoint_len, req, nreq, e, n, snap);
}

int drawalg_run_hashed(struct draw_run *r, const uint8_t seed[DRAW_SEED_LEN],
                       const char *checkpoint, size_t checkpoint_len,
                       const struct draw_request *req, int nreq, const struct draw_expert *e,
                       size_t n, const uint8_t snapshot_sha[DRAW_HASH_LEN])
{
    struct buf text;
    int rc = DRAWALG_OK;
    int64_t *taken = NULL; /* ids fixed by earlier groups, sorted */
    size_t ntaken = 0;
    memset(r, 0, sizeof(*r));
    if (!drawalg_requests_ok(req, nreq))
        return DRAWALG_EINVAL;
    memcpy(r->snapshot_sha, snapshot_sha, DRAW_HASH_LEN);
    buf_init(&text, (size_t)1 << 20);
    if (rc == DRAWALG_OK)
        rc = drawalg_requests_text(req, nreq, &text) == BUF_OK ? DRAWALG_OK : DRAWALG_ENOMEM;
    if (rc == DRAWALG_OK)
        rc = sha256(text.data, text.len, r->requests_sha);
    if (rc == DRAWALG_OK)
        rc = sha256(checkpoint, checkpoint_len, r->checkpoint_sha);
    buf_release(&text);
    if (rc != DRAWALG_OK)
        return rc;
    {
        uint8_t msg[sizeof KEY_LABEL + 3 * DRAW_HASH_LEN];
        memcpy(msg, KEY_LABEL, sizeof KEY_LABEL);
        memcpy(msg + sizeof KEY_LABEL, r->checkpoint_sha, DRAW_HASH_LEN);
        memcpy(msg + sizeof KEY_LABEL + DRAW_HASH_LEN, r->snapshot_sha, DRAW_HASH_LEN);
        memcpy(msg + sizeof KEY_LABEL + 2 * DRAW_HASH_LEN, r->requests_sha, DRAW_HASH_LEN);
        rc = hmac(seed, DRAW_SEED_LEN, msg, sizeof msg, r->key);
        if (rc != DRAWALG_OK)
            return rc;
    }
    size_t taken_cap = 0;
    for (int g = 0; g < nreq; g++)
        taken_cap += (size_t)req[g].count + (size_t)req[g].reserves;
    taken = malloc((taken_cap ? taken_cap : 1) * sizeof(int64_t));
    if (taken == NULL)
        return DRAWALG_ENOMEM;
    r->ngroups = nreq;
    for (int g = 0; g < nreq && rc == DRAWALG_OK; g++) {
        struct draw_group *gr = &r->g[g];
        gr->used = DRAW_HASH_LEN;
        gr->a = malloc((n ? n : 1) * sizeof(int64_t));
        if (gr->a == NULL) {
            rc = DRAWALG_ENOMEM;
            break;
        }
        /* the region's prefix: "350100" -> "3501" */
        size_t plen = strlen(req[g].region);
        while (plen >= 2 && req[g].region[plen - 1] == '0' && req[g].region[plen - 2] == '0')
            plen -= 2;
        for (size_t i = 0; i < n; i++) {
            if (strncmp(req[g].region, e[i].region, plen) != 0 ||
                !has_spec(&e[i], req[g].specialty))
                continue;
            if (ntaken > 0 && bsearch(&e[i].id, taken, ntaken, sizeof(int64_t), cmp_i64) != NULL)
                continue;
            gr->a[gr->n++] = e[i].id;
        }
        rc = drawalg_extend(r, g, (size_t)req[g].count + (size_t)req[g].reserves);
        if (rc != DRAWALG_OK)
            break;
        for (size_t i = 0; i < gr->m; i++)
            taken[ntaken++] = gr->a[i];
        qsort(taken, ntaken, sizeof(int64_t), cmp_i64);
    }
    free(taken);
    if (rc != DRAWALG_OK)
        drawalg_run_release(r);
    return rc;
}
