/*
 * ledger/merkle.c — RFC 6962 / 9162 Merkle hashing, roots, inclusion and
 * consistency proofs over a "hash at (level, index)" reader (merkle.h).
 *
 * Owns nothing but two EVP_MD handles fetched once (pthread_once) and never
 * freed; every other function is pure. Any thread may call anything here.
 *
 * Invariants:
 *   - A subtree (level, index) covers leaves [index << level, (index+1) << level)
 *     and is asked of the reader only when complete within the tree size the
 *     caller named.
 *   - Every range the RFC algorithms need is [b, b + n) with b a multiple of
 *     the largest power of two <= n, so range_root() reads one stored hash per
 *     set bit of n: O(log n) reads per range, and a proof has at most one
 *     ragged range (the right edge), so proofs cost O(log n) reads in total
 *     plus one ragged fold.
 *   - Proof verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 literally,
 *     with the size checks done first (security checks are ifs).
 */
#include "ledger/merkle.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256; /* fetched once, never freed (process lifetime) */
static EVP_MD *md_sm3;    /* NULL when the provider lacks SM3 */

static void md_fetch(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    md_sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
}

static const EVP_MD *md_for(enum merkle_alg alg)
{
    pthread_once(&md_once, md_fetch);
    switch (alg) {
    case MERKLE_SHA256:
        return md_sha256;
    case MERKLE_SM3:
        return md_sm3;
    }
    return NULL;
}

const char *merkle_alg_name(enum merkle_alg alg)
{
    switch (alg) {
    case MERKLE_SHA256:
        return "sha256";
    case MERKLE_SM3:
        return "sm3";
    }
    return NULL;
}

enum merkle_alg merkle_alg_parse(const char *name)
{
    if (name == NULL)
        return 0;
    if (strcmp(name, "sha256") == 0)
        return MERKLE_SHA256;
    if (strcmp(name, "sm3") == 0)
        return MERKLE_SM3;
    return 0;
}

/* H(p1 || p2 || p3), any of them may be empty. */
static int digest3(enum merkle_alg alg, const void *p1, size_t n1, const void *p2, size_t n2,
                   const void *p3, size_t n3, uint8_t out[MERKLE_HASH_LEN])
{
    const EVP_MD *md = md_for(alg);
    EVP_MD_CTX *ctx;
    unsigned int len = 0;
    int rc = MERKLE_ECRYPTO;

    if (md == NULL)
        return MERKLE_ECRYPTO;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return MERKLE_ECRYPTO;
    if (EVP_DigestInit_ex2(ctx, md, NULL) != 1)
        goto out;
    if (n1 > 0 && EVP_DigestUpdate(ctx, p1, n1) != 1)
        goto out;
    if (n2 > 0 && EVP_DigestUpdate(ctx, p2, n2) != 1)
        goto out;
    if (n3 > 0 && EVP_DigestUpdate(ctx, p3, n3) != 1)
        goto out;
    if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != MERKLE_HASH_LEN)
        goto out;
    rc = MERKLE_OK;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

int merkle_hash(enum merkle_alg alg, const void *data, size_t n, uint8_t out[MERKLE_HASH_LEN])
{
    return digest3(alg, data, n, NULL, 0, NULL, 0, out);
}

int merkle_leaf_hash(enum merkle_alg alg, const void *entry, size_t n, uint8_t out[MERKLE_HASH_LEN])
{
    static const uint8_t zero = 0x00;
    return digest3(alg, &zero, 1, entry, n, NULL, 0, out);
}

int merkle_node_hash(enum merkle_alg alg, const uint8_t l[MERKLE_HASH_LEN],
                     const uint8_t r[MERKLE_HASH_LEN], uint8_t out[MERKLE_HASH_LEN])
{
    static const uint8_t one = 0x01;
    return digest3(alg, &one, 1, l, MERKLE_HASH_LEN, r, MERKLE_HASH_LEN, out);
}

/* The largest power of two strictly smaller than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static bool is_pow2(uint64_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

static unsigned log2_exact(uint64_t n)
{
    unsigned l = 0;
    while ((UINT64_C(1) << l) < n)
        l++;
    return l;
}

/* MTH(D[b : b + n]), n >= 1. */
static int range_root(enum merkle_alg alg, const struct merkle_reader *rd, uint64_t b, uint64_t n,
                      uint8_t out[MERKLE_HASH_LEN])
{
    uint8_t l[MERKLE_HASH_LEN], r[MERKLE_HASH_LEN];
    uint64_t k;
    int rc;

    if (is_pow2(n) && b % n == 0) {
        unsigned level = log2_exact(n);
        return rd->read(rd->ctx, level, b >> level, out) == 0 ? MERKLE_OK : MERKLE_EREAD;
    }
    k = split_point(n);
    rc = range_root(alg, rd, b, k, l);
    if (rc != MERKLE_OK)
        return rc;
    rc = range_root(alg, rd, b + k, n - k, r);
    if (rc != MERKLE_OK)
        return rc;
    return merkle_node_hash(alg, l, r, out);
}

int merkle_root(enum merkle_alg alg, const struct merkle_reader *rd, uint64_t size,
                uint8_t out[MERKLE_HASH_LEN])
{
    if (size == 0 || size > (UINT64_C(1) << 62) || rd == NULL || rd->read == NULL)
        return MERKLE_EINVAL;
    return range_root(alg, rd, 0, size, out);
}

struct proof_out {
    uint8_t (*h)[MERKLE_HASH_LEN];
    size_t n;
};

static int push_range(enum merkle_alg alg, const struct merkle_reader *rd, uint64_t b, uint64_t n,
                      struct proof_out *po)
{
    if (po->n >= MERKLE_MAX_PROOF)
        return MERKLE_EINVAL;
    int rc = range_root(alg, rd, b, n, po->h[po->n]);
    if (rc == MERKLE_OK)
        po->n++;
    return rc;
}

/* PATH(m, D[b : b + n]). */
static int path(enum merkle_alg alg, const struct merkle_reader *rd, uint64_t m, uint64_t b,
                uint64_t n, struct proof_out *po)
{
    uint64_t k;
    int rc;

    if (n == 1)
        return MERKLE_OK;
    k = split_point(n);
    if (m < k) {
        rc = path(alg, rd, m, b, k, po);
        if (rc == MERKLE_OK)
            rc = push_range(alg, rd, b + k, n - k, po);
    } else {
        rc = path(alg, rd, m - k, b + k, n - k, po);
        if (rc == MERKLE_OK)
            rc = push_range(alg, rd, b, k, po);
    }
    return rc;
}

int merkle_inclusion_proof(enum merkle_alg alg, const struct merkle_reader *rd, uint64_t index,
                           uint64_t size, uint8_t (*out)[MERKLE_HASH_LEN], size_t *count)
{
    struct proof_out po = {.h = out, .n = 0};
    int rc;

    *count = 0;
    if (index >= size || size > (UINT64_C(1) << 62) || rd == NULL || rd->read == NULL)
        return MERKLE_EINVAL;
    rc = path(alg, rd, index, 0, size, &po);
    if (rc == MERKLE_OK)
        *count = po.n;
    return rc;
}

/* SUBPROOF(m, D[b : b + n], flag). */
static int subproof(enum merkle_alg alg, const struct merkle_reader *rd, uint64_t m, uint64_t b,
                    uint64_t n, bool flag, struct proof_out *po)
{
    uint64_t k;
    int rc;

    if (m == n)
        return flag ? MERKLE_OK : push_range(alg, rd, b, m, po);
    k = split_point(n);
    if (m <= k) {
        rc = subproof(alg, rd, m, b, k, flag, po);
        if (rc == MERKLE_OK)
            rc = push_range(alg, rd, b + k, n - k, po);
    } else {
        rc = subproof(alg, rd, m - k, b + k, n - k, false, po);
        if (rc == MERKLE_OK)
            rc = push_range(alg, rd, b, k, po);
    }
    return rc;
}

int merkle_consistency_proof(enum merkle_alg alg, const struct merkle_reader *rd, uint64_t m,
                             uint64_t n, uint8_t (*out)[MERKLE_HASH_LEN], size_t *count)
{
    struct proof_out po = {.h = out, .n = 0};
    int rc;

    *count = 0;
    if (m == 0 || m > n || n > (UINT64_C(1) << 62) || rd == NULL || rd->read == NULL)
        return MERKLE_EINVAL;
    rc = subproof(alg, rd, m, 0, n, true, &po);
    if (rc == MERKLE_OK)
        *count = po.n;
    return rc;
}

int merkle_inclusion_verify(enum merkle_alg alg, uint64_t index, uint64_t size,
                            const uint8_t leaf_hash[MERKLE_HASH_LEN],
                            const uint8_t (*proof)[MERKLE_HASH_LEN], size_t count,
                            const uint8_t root[MERKLE_HASH_LEN])
{
    uint8_t r[MERKLE_HASH_LEN];
    uint64_t fn, sn;
    int rc;

    if (index >= size || count > MERKLE_MAX_PROOF)
        return MERKLE_EINVAL;
    fn = index;
    sn = size - 1;
    memcpy(r, leaf_hash, MERKLE_HASH_LEN);
    for (size_t i = 0; i < count; i++) {
        if (sn == 0)
            return MERKLE_EVERIFY;
        if ((fn & 1) || fn == sn) {
            rc = merkle_node_hash(alg, proof[i], r, r);
            if (rc != MERKLE_OK)
                return rc;
            if (!(fn & 1)) {
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            rc = merkle_node_hash(alg, r, proof[i], r);
            if (rc != MERKLE_OK)
                return rc;
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(r, root, MERKLE_HASH_LEN) != 0)
        return MERKLE_EVERIFY;
    return MERKLE_OK;
}

int merkle_consistency_verify(enum merkle_alg alg, uint64_t m, uint64_t n,
                              const uint8_t root_m[MERKLE_HASH_LEN],
                              const uint8_t root_n[MERKLE_HASH_LEN],
                              const uint8_t (*proof)[MERKLE_HASH_LEN], size_t count)
{
    uint8_t fr[MERKLE_HASH_LEN], sr[MERKLE_HASH_LEN];
    uint64_t fn, sn;
    size_t i = 0;
    int rc;

    if (m > n || count > MERKLE_MAX_PROOF)
        return MERKLE_EINVAL;
    if (m == 0)
        return count == 0 ? MERKLE_OK : MERKLE_EVERIFY;
    if (m == n)
        return count == 0 && memcmp(root_m, root_n, MERKLE_HASH_LEN) == 0 ? MERKLE_OK
                                                                          : MERKLE_EVERIFY;
    /* 1. an empty proof proves nothing for m < n */
    if (count == 0)
        return MERKLE_EVERIFY;
    /* 2.-5. the first node: root_m itself when m is a power of two */
    fn = m - 1;
    sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    if (is_pow2(m)) {
        memcpy(fr, root_m, MERKLE_HASH_LEN);
    } else {
        memcpy(fr, proof[0], MERKLE_HASH_LEN);
        i = 1;
    }
    memcpy(sr, fr, MERKLE_HASH_LEN);
    /* 6. */
    for (; i < count; i++) {
        if (sn == 0)
            return MERKLE_EVERIFY;
        if ((fn & 1) || fn == sn) {
            rc = merkle_node_hash(alg, proof[i], fr, fr);
            if (rc == MERKLE_OK)
                rc = merkle_node_hash(alg, proof[i], sr, sr);
            if (rc != MERKLE_OK)
                return rc;
            if (!(fn & 1)) {
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            rc = merkle_node_hash(alg, sr, proof[i], sr);
            if (rc != MERKLE_OK)
                return rc;
        }
        fn >>= 1;
        sn >>= 1;
    }
    /* 7. */
    if (sn != 0 || memcmp(fr, root_m, MERKLE_HASH_LEN) != 0 ||
        memcmp(sr, root_n, MERKLE_HASH_LEN) != 0)
        return MERKLE_EVERIFY;
    return MERKLE_OK;
}

/* ---- the frontier ---- */

void merkle_frontier_init(struct merkle_frontier *f, enum merkle_alg alg)
{
    memset(f, 0, sizeof *f);
    f->alg = alg;
}

int merkle_frontier_load(struct merkle_frontier *f, enum merkle_alg alg,
                         const struct merkle_reader *rd, uint64_t size)
{
    merkle_frontier_init(f, alg);
    if (size > (UINT64_C(1) << 62) || rd == NULL || rd->read == NULL)
        return MERKLE_EINVAL;
    for (int bit = 62; bit >= 0; bit--) {
        if (!(size & (UINT64_C(1) << bit)))
            continue;
        if (rd->read(rd->ctx, (unsigned)bit, (size >> bit) - 1, f->hash[f->n]) != 0)
            return MERKLE_EREAD;
        f->n++;
    }
    f->size = size;
    return MERKLE_OK;
}

int merkle_frontier_append(struct merkle_frontier *f, const uint8_t leaf_hash[MERKLE_HASH_LEN],
                           merkle_emit_fn emit, void *ctx)
{
    uint8_t carry[MERKLE_HASH_LEN];
    uint64_t idx = f->size;
    unsigned level = 0;
    int rc;

    if (f->size >= (UINT64_C(1) << 62))
        return MERKLE_EINVAL;
    memcpy(carry, leaf_hash, MERKLE_HASH_LEN);
    if (emit != NULL && emit(ctx, 0, idx, carry) != 0)
        return MERKLE_EREAD;
    /* Each trailing 1 bit of the old size is a complete left sibling. */
    while (idx & 1) {
        rc = merkle_node_hash(f->alg, f->hash[f->n - 1], carry, carry);
        if (rc != MERKLE_OK)
            return rc;
        f->n--;
        level++;
        idx >>= 1;
        if (emit != NULL && emit(ctx, level, idx, carry) != 0)
            return MERKLE_EREAD;
    }
    memcpy(f->hash[f->n], carry, MERKLE_HASH_LEN);
    f->n++;
    f->size++;
    return MERKLE_OK;
}

int merkle_frontier_root(const struct merkle_frontier *f, uint8_t out[MERKLE_HASH_LEN])
{
    uint8_t r[MERKLE_HASH_LEN];
    int rc;

    if (f->n == 0)
        return merkle_hash(f->alg, "", 0, out);
    memcpy(r, f->hash[f->n - 1], MERKLE_HASH_LEN);
    for (unsigned i = f->n - 1; i-- > 0;) {
        rc = merkle_node_hash(f->alg, f->hash[i], r, r);
        if (rc != MERKLE_OK)
            return rc;
    }
    memcpy(out, r, MERKLE_HASH_LEN);
    return MERKLE_OK;
}
