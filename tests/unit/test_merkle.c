/*
 * Unit tests for ledger/merkle.h: RFC 6962 / 9162 hashing, roots, inclusion
 * and consistency proofs, the frontier, SHA-256 and SM3.
 *
 * Reference vectors (data only) are from transparency-dev/merkle,
 * proof/verify_test.go (the RFC 6962 8-leaf reference tree that Certificate
 * Transparency and Trillian also use: `leaves`, `roots`, `inclusionProofs`,
 * `consistencyProofs`); its leaf numbers are 1-based, ours 0-based. The SM3
 * vector is GB/T 32905-2016 appendix A.1 ("abc").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "ledger/merkle.h"

#define MAXLEAVES 130

/* An in-memory store of complete subtrees, filled by the frontier's emit. */
struct memtree {
    enum merkle_alg alg;
    uint64_t size;
    uint8_t node[8][MAXLEAVES][MERKLE_HASH_LEN];
    bool have[8][MAXLEAVES];
    int reads; /* reader calls, to check the O(log n) claim */
};

static int mem_read(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    struct memtree *t = ctx;
    t->reads++;
    if (level >= 8 || index >= MAXLEAVES || !t->have[level][index])
        return -1;
    /* never ask for a subtree beyond the tree */
    if (((index + 1) << level) > t->size)
        return -1;
    memcpy(out, t->node[level][index], MERKLE_HASH_LEN);
    return 0;
}

static int mem_emit(void *ctx, unsigned level, uint64_t index, const uint8_t h[MERKLE_HASH_LEN])
{
    struct memtree *t = ctx;
    if (level >= 8 || index >= MAXLEAVES)
        return -1;
    memcpy(t->node[level][index], h, MERKLE_HASH_LEN);
    t->have[level][index] = true;
    return 0;
}

static void unhex(const char *s, uint8_t *out, size_t n)
{
    assert_int_equal(hex_decode(s, strlen(s), out, n), (long)n);
}

/* transparency-dev/merkle proof/verify_test.go: leaves */
static const char *ref_leaves[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
/* ... roots (for sizes 1..8) */
static const char *ref_roots[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct ref_proof {
    uint64_t a, b; /* inclusion: 1-based leaf, size; consistency: size1, size2 */
    int n;
    const char *h[3];
};

/* ... inclusionProofs (the non-trivial ones) */
static const struct ref_proof ref_incl[] = {
    {1,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {3, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {2,
     5,
     3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

/* ... consistencyProofs */
static const struct ref_proof ref_cons[] = {
    {1, 1, 0, {NULL}},
    {1,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static struct memtree *ref_tree(uint64_t size)
{
    struct memtree *t = calloc(1, sizeof *t);
    struct merkle_frontier f;
    assert_non_null(t);
    t->alg = MERKLE_SHA256;
    merkle_frontier_init(&f, MERKLE_SHA256);
    for (uint64_t i = 0; i < size; i++) {
        uint8_t data[16], lh[MERKLE_HASH_LEN];
        size_t n = strlen(ref_leaves[i]) / 2;
        if (n > 0)
            unhex(ref_leaves[i], data, n);
        assert_int_equal(merkle_leaf_hash(MERKLE_SHA256, data, n, lh), MERKLE_OK);
        assert_int_equal(merkle_frontier_append(&f, lh, mem_emit, t), MERKLE_OK);
    }
    t->size = size;
    return t;
}

/* A tree of `size` leaves "leaf i" (size <= MAXLEAVES). */
static struct memtree *gen_tree(enum merkle_alg alg, uint64_t size, struct merkle_frontier *fout)
{
    struct memtree *t = calloc(1, sizeof *t);
    struct merkle_frontier f;
    assert_non_null(t);
    t->alg = alg;
    merkle_frontier_init(&f, alg);
    for (uint64_t i = 0; i < size; i++) {
        char data[32];
        uint8_t lh[MERKLE_HASH_LEN];
        int n = snprintf(data, sizeof data, "leaf %llu", (unsigned long long)i);
        assert_int_equal(merkle_leaf_hash(alg, data, (size_t)n, lh), MERKLE_OK);
        assert_int_equal(merkle_frontier_append(&f, lh, mem_emit, t), MERKLE_OK);
    }
    t->size = size;
    if (fout != NULL)
        *fout = f;
    return t;
}

/* The RFC's MTH computed straight from leaf hashes, for cross-checking. */
static void naive_mth(enum merkle_alg alg, struct memtree *t, uint64_t b, uint64_t n, uint8_t *out)
{
    if (n == 1) {
        memcpy(out, t->node[0][b], MERKLE_HASH_LEN);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    uint8_t l[MERKLE_HASH_LEN], r[MERKLE_HASH_LEN];
    naive_mth(alg, t, b, k, l);
    naive_mth(alg, t, b + k, n - k, r);
    assert_int_equal(merkle_node_hash(alg, l, r, out), MERKLE_OK);
}

static void test_reference_roots(void **state)
{
    for (uint64_t size = 1; size <= 8; size++) {
        struct memtree *t = ref_tree(size);
        struct merkle_reader rd = {mem_read, t};
        uint8_t want[MERKLE_HASH_LEN], got[MERKLE_HASH_LEN];
        unhex(ref_roots[size - 1], want, MERKLE_HASH_LEN);
        assert_int_equal(merkle_root(MERKLE_SHA256, &rd, size, got), MERKLE_OK);
        assert_memory_equal(got, want, MERKLE_HASH_LEN);
        free(t);
    }
    /* the empty tree */
    uint8_t e[MERKLE_HASH_LEN], want[MERKLE_HASH_LEN];
    struct merkle_frontier f;
    merkle_frontier_init(&f, MERKLE_SHA256);
    assert_int_equal(merkle_frontier_root(&f, e), MERKLE_OK);
    unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, 32);
    assert_memory_equal(e, want, MERKLE_HASH_LEN);
}

static void test_reference_inclusion(void **state)
{
    struct memtree *t = ref_tree(8);
    for (size_t v = 0; v < sizeof ref_incl / sizeof ref_incl[0]; v++) {
        const struct ref_proof *p = &ref_incl[v];
        uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN], want[3][MERKLE_HASH_LEN];
        uint8_t root[MERKLE_HASH_LEN];
        size_t n;
        struct merkle_reader rd = {mem_read, t};
        t->size = p->b;
        assert_int_equal(merkle_inclusion_proof(MERKLE_SHA256, &rd, p->a - 1, p->b, proof, &n),
                         MERKLE_OK);
        assert_int_equal(n, (size_t)p->n);
        for (int i = 0; i < p->n; i++) {
            unhex(p->h[i], want[i], MERKLE_HASH_LEN);
            assert_memory_equal(proof[i], want[i], MERKLE_HASH_LEN);
        }
        unhex(ref_roots[p->b - 1], root, MERKLE_HASH_LEN);
        assert_int_equal(merkle_inclusion_verify(MERKLE_SHA256, p->a - 1, p->b,
                                                 t->node[0][p->a - 1],
                                                 (const uint8_t(*)[MERKLE_HASH_LEN])want, n, root),
                         MERKLE_OK);
        /* wrong index, wrong size, flipped bit, truncated */
        assert_int_not_equal(
            merkle_inclusion_verify(MERKLE_SHA256, p->a, p->b, t->node[0][p->a - 1],
                                    (const uint8_t(*)[MERKLE_HASH_LEN])want, n, root),
            MERKLE_OK);
        assert_int_not_equal(
            merkle_inclusion_verify(MERKLE_SHA256, p->a - 1, p->b * 2, t->node[0][p->a - 1],
                                    (const uint8_t(*)[MERKLE_HASH_LEN])want, n, root),
            MERKLE_OK);
        want[0][0] ^= 8;
        assert_int_equal(merkle_inclusion_verify(MERKLE_SHA256, p->a - 1, p->b,
                                                 t->node[0][p->a - 1],
                                                 (const uint8_t(*)[MERKLE_HASH_LEN])want, n, root),
                         MERKLE_EVERIFY);
        want[0][0] ^= 8;
        assert_int_not_equal(
            merkle_inclusion_verify(MERKLE_SHA256, p->a - 1, p->b, t->node[0][p->a - 1],
                                    (const uint8_t(*)[MERKLE_HASH_LEN])want, n - 1, root),
            MERKLE_OK);
    }
    free(t);
}

static void test_reference_consistency(void **state)
{
    struct memtree *t = ref_tree(8);
    for (size_t v = 0; v < sizeof ref_cons / sizeof ref_cons[0]; v++) {
        const struct ref_proof *p = &ref_cons[v];
        uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN], want[3][MERKLE_HASH_LEN];
        uint8_t r1[MERKLE_HASH_LEN], r2[MERKLE_HASH_LEN];
        size_t n;
        struct merkle_reader rd = {mem_read, t};
        t->size = p->b;
        assert_int_equal(merkle_consistency_proof(MERKLE_SHA256, &rd, p->a, p->b, proof, &n),
                         MERKLE_OK);
        assert_int_equal(n, (size_t)p->n);
        for (int i = 0; i < p->n; i++) {
            unhex(p->h[i], want[i], MERKLE_HASH_LEN);
            assert_memory_equal(proof[i], want[i], MERKLE_HASH_LEN);
        }
        unhex(ref_roots[p->a - 1], r1, MERKLE_HASH_LEN);
        unhex(ref_roots[p->b - 1], r2, MERKLE_HASH_LEN);
        const uint8_t(*w)[MERKLE_HASH_LEN] = (const uint8_t(*)[MERKLE_HASH_LEN])want;
        assert_int_equal(merkle_consistency_verify(MERKLE_SHA256, p->a, p->b, r1, r2, w, n),
                         MERKLE_OK);
        if (n == 0)
            continue;
        /* swapped roots, wrong sizes, flipped bit, empty, truncated */
        assert_int_not_equal(merkle_consistency_verify(MERKLE_SHA256, p->a, p->b, r2, r1, w, n),
                             MERKLE_OK);
        assert_int_not_equal(merkle_consistency_verify(MERKLE_SHA256, p->a - 1, p->b, r1, r2, w, n),
                             MERKLE_OK);
        assert_int_not_equal(merkle_consistency_verify(MERKLE_SHA256, p->a + 1, p->b, r1, r2, w, n),
                             MERKLE_OK);
        assert_int_not_equal(merkle_consistency_verify(MERKLE_SHA256, p->a, p->b * 2, r1, r2, w, n),
                             MERKLE_OK);
        assert_int_not_equal(merkle_consistency_verify(MERKLE_SHA256, p->a, p->b, r1, r2, w, 0),
                             MERKLE_OK);
        assert_int_not_equal(merkle_consistency_verify(MERKLE_SHA256, p->a, p->b, r1, r2, w, n - 1),
                             MERKLE_OK);
        want[n - 1][0] ^= 16;
        assert_int_not_equal(merkle_consistency_verify(MERKLE_SHA256, p->a, p->b, r1, r2, w, n),
                             MERKLE_OK);
    }
    free(t);
}

/* Every root 1..128 matches the naive MTH and the frontier's own root, and
 * takes O(log n) reads. */
static void check_roots(enum merkle_alg alg)
{
    for (uint64_t size = 1; size <= 128; size++) {
        struct merkle_frontier f;
        struct memtree *t = gen_tree(alg, size, &f);
        struct merkle_reader rd = {mem_read, t};
        uint8_t a[MERKLE_HASH_LEN], b[MERKLE_HASH_LEN], c[MERKLE_HASH_LEN];
        t->reads = 0;
        assert_int_equal(merkle_root(alg, &rd, size, a), MERKLE_OK);
        assert_true(t->reads <= 8);
        naive_mth(alg, t, 0, size, b);
        assert_int_equal(merkle_frontier_root(&f, c), MERKLE_OK);
        assert_memory_equal(a, b, MERKLE_HASH_LEN);
        assert_memory_equal(a, c, MERKLE_HASH_LEN);
        /* reloading the frontier from storage gives the same state */
        struct merkle_frontier g;
        assert_int_equal(merkle_frontier_load(&g, alg, &rd, size), MERKLE_OK);
        assert_int_equal(g.n, f.n);
        assert_memory_equal(g.hash, f.hash, (size_t)f.n * MERKLE_HASH_LEN);
        free(t);
    }
}

static void test_roots_sha256(void **state)
{
    check_roots(MERKLE_SHA256);
}

static void test_roots_sm3(void **state)
{
    check_roots(MERKLE_SM3);
}

/* All inclusion proofs and all consistency proofs between sizes up to 64
 * verify; wrong sizes fail. */
static void check_all_proofs(enum merkle_alg alg)
{
    enum { N = 64 };
    struct memtree *t = gen_tree(alg, N, NULL);
    struct merkle_reader rd = {mem_read, t};
    static uint8_t roots[N + 1][MERKLE_HASH_LEN];
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t n;

    for (uint64_t s = 1; s <= N; s++) {
        t->size = s;
        assert_int_equal(merkle_root(alg, &rd, s, roots[s]), MERKLE_OK);
    }
    for (uint64_t s = 1; s <= N; s++) {
        t->size = s;
        for (uint64_t i = 0; i < s; i++) {
            const uint8_t(*p)[MERKLE_HASH_LEN] = (const uint8_t(*)[MERKLE_HASH_LEN])proof;
            t->reads = 0;
            assert_int_equal(merkle_inclusion_proof(alg, &rd, i, s, proof, &n), MERKLE_OK);
            assert_true(t->reads <= 14); /* <= 2 log2(64) + 2 */
            assert_int_equal(merkle_inclusion_verify(alg, i, s, t->node[0][i], p, n, roots[s]),
                             MERKLE_OK);
            /* The proof for size s does not verify a neighbouring size
             * against that size's root. */
            if (s > i + 1)
                assert_int_not_equal(
                    merkle_inclusion_verify(alg, i, s - 1, t->node[0][i], p, n, roots[s - 1]),
                    MERKLE_OK);
            if (s < N)
                assert_int_not_equal(
                    merkle_inclusion_verify(alg, i, s + 1, t->node[0][i], p, n, roots[s + 1]),
                    MERKLE_OK);
            assert_int_not_equal(
                merkle_inclusion_verify(alg, i, s, t->node[0][i], p, n, roots[s == 1 ? 2 : s - 1]),
                MERKLE_OK);
            if (i + 1 < s)
                assert_int_not_equal(
                    merkle_inclusion_verify(alg, i + 1, s, t->node[0][i], p, n, roots[s]),
                    MERKLE_OK);
        }
        assert_int_equal(merkle_inclusion_proof(alg, &rd, s, s, proof, &n), MERKLE_EINVAL);
    }
    t->size = N;
    for (uint64_t m = 1; m <= N; m++) {
        for (uint64_t s = m; s <= N; s++) {
            const uint8_t(*p)[MERKLE_HASH_LEN] = (const uint8_t(*)[MERKLE_HASH_LEN])proof;
            t->size = s;
            t->reads = 0;
            assert_int_equal(merkle_consistency_proof(alg, &rd, m, s, proof, &n), MERKLE_OK);
            assert_true(t->reads <= 20);
            assert_int_equal(merkle_consistency_verify(alg, m, s, roots[m], roots[s], p, n),
                             MERKLE_OK);
            if (m == s) {
                assert_int_equal(n, 0);
                continue;
            }
            /* wrong sizes (with their own roots) fail */
            if (m > 1)
                assert_int_not_equal(
                    merkle_consistency_verify(alg, m - 1, s, roots[m - 1], roots[s], p, n),
                    MERKLE_OK);
            if (m + 1 < s)
                assert_int_not_equal(
                    merkle_consistency_verify(alg, m + 1, s, roots[m + 1], roots[s], p, n),
                    MERKLE_OK);
            if (s > m + 1)
                assert_int_not_equal(
                    merkle_consistency_verify(alg, m, s - 1, roots[m], roots[s - 1], p, n),
                    MERKLE_OK);
            if (s < N)
                assert_int_not_equal(
                    merkle_consistency_verify(alg, m, s + 1, roots[m], roots[s + 1], p, n),
                    MERKLE_OK);
            /* wrong roots fail */
            assert_int_not_equal(merkle_consistency_verify(alg, m, s, roots[s], roots[m], p, n),
                                 MERKLE_OK);
        }
    }
    assert_int_equal(merkle_consistency_proof(alg, &rd, 0, 5, proof, &n), MERKLE_EINVAL);
    assert_int_equal(merkle_consistency_proof(alg, &rd, 6, 5, proof, &n), MERKLE_EINVAL);
    free(t);
}

static void test_all_proofs_sha256(void **state)
{
    check_all_proofs(MERKLE_SHA256);
}

static void test_all_proofs_sm3(void **state)
{
    check_all_proofs(MERKLE_SM3);
}

static void test_sm3_vector(void **state)
{
    uint8_t got[MERKLE_HASH_LEN], want[MERKLE_HASH_LEN];
    unhex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", want, 32);
    assert_int_equal(merkle_hash(MERKLE_SM3, "abc", 3, got), MERKLE_OK);
    assert_memory_equal(got, want, MERKLE_HASH_LEN);
    /* SM3 and SHA-256 trees differ */
    uint8_t a[MERKLE_HASH_LEN], b[MERKLE_HASH_LEN];
    assert_int_equal(merkle_leaf_hash(MERKLE_SM3, "x", 1, a), MERKLE_OK);
    assert_int_equal(merkle_leaf_hash(MERKLE_SHA256, "x", 1, b), MERKLE_OK);
    assert_memory_not_equal(a, b, MERKLE_HASH_LEN);
    assert_int_equal(merkle_alg_parse("sm3"), MERKLE_SM3);
    assert_int_equal(merkle_alg_parse("sha256"), MERKLE_SHA256);
    assert_int_equal(merkle_alg_parse("md5"), 0);
    assert_string_equal(merkle_alg_name(MERKLE_SM3), "sm3");
}

static void test_bad_arguments(void **state)
{
    uint8_t h[MERKLE_HASH_LEN] = {0};
    assert_int_equal(merkle_inclusion_verify(MERKLE_SHA256, 0, 0, h, NULL, 0, h), MERKLE_EINVAL);
    assert_int_equal(merkle_inclusion_verify(MERKLE_SHA256, 2, 1, h, NULL, 0, h), MERKLE_EINVAL);
    /* a one-leaf tree: the root is the leaf hash, the proof empty */
    assert_int_equal(merkle_inclusion_verify(MERKLE_SHA256, 0, 1, h, NULL, 0, h), MERKLE_OK);
    assert_int_equal(merkle_consistency_verify(MERKLE_SHA256, 2, 1, h, h, NULL, 0), MERKLE_EINVAL);
    assert_int_equal(merkle_consistency_verify(MERKLE_SHA256, 0, 5, h, h, NULL, 0), MERKLE_OK);
    assert_int_equal(merkle_consistency_verify(MERKLE_SHA256, 0, 5, h, h,
                                               (const uint8_t(*)[MERKLE_HASH_LEN])h, 1),
                     MERKLE_EVERIFY);
    uint8_t h2[MERKLE_HASH_LEN] = {1};
    assert_int_equal(merkle_consistency_verify(MERKLE_SHA256, 3, 3, h, h2, NULL, 0),
                     MERKLE_EVERIFY);
    assert_int_equal(merkle_consistency_verify(MERKLE_SHA256, 3, 3, h, h, NULL, 0), MERKLE_OK);
    /* a reader that fails */
    struct memtree *t = gen_tree(MERKLE_SHA256, 5, NULL);
    struct merkle_reader rd = {mem_read, t};
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t n;
    t->have[0][4] = false;
    assert_int_equal(merkle_inclusion_proof(MERKLE_SHA256, &rd, 0, 5, proof, &n), MERKLE_EREAD);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_roots),
        cmocka_unit_test(test_reference_inclusion),
        cmocka_unit_test(test_reference_consistency),
        cmocka_unit_test(test_roots_sha256),
        cmocka_unit_test(test_roots_sm3),
        cmocka_unit_test(test_all_proofs_sha256),
        cmocka_unit_test(test_all_proofs_sm3),
        cmocka_unit_test(test_sm3_vector),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
