/*
 * merkle.h — RFC 6962 / RFC 9162 Merkle tree hashing and proofs.
 *
 *     leaf hash  = H(0x00 || entry)
 *     node hash  = H(0x01 || left || right)
 *     MTH(D[n])  = MTH(D[0:k]) and MTH(D[k:n]) hashed as a node, where k is
 *                  the largest power of two smaller than n
 *
 * H is SHA-256 (the default) or SM3, chosen per log and never changed. Both
 * give 32 bytes.
 *
 * Storage. A tree is read through a "hash at (level, index)" callback: the
 * hash of the COMPLETE subtree covering leaves [index << level, (index + 1)
 * << level). Level 0 is the leaf hashes. Whoever integrates leaves stores
 * every complete subtree as it is completed (merkle_frontier_append emits
 * them), so roots and proofs read O(log n) stored hashes and never reread
 * leaves: every range the RFC's algorithms ask for is a left-aligned run of
 * complete subtrees plus at most one ragged right edge, which is folded from
 * at most log2(n) complete subtrees.
 *
 * All functions are pure (no global state) and thread-safe; EVP digests are
 * fetched per call.
 */
#ifndef SUNBID_LEDGER_MERKLE_H
#define SUNBID_LEDGER_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN   32
#define MERKLE_MAX_LEVELS 64  /* tree sizes are < 2^63 */
#define MERKLE_MAX_PROOF  128 /* hashes in any inclusion or consistency proof */

enum merkle_alg {
    MERKLE_SHA256 = 1, /* default */
    MERKLE_SM3 = 2     /* GB/T 32905, through OpenSSL's EVP "SM3" */
};

enum merkle_rc {
    MERKLE_OK = 0,
    MERKLE_EINVAL = -1,  /* bad sizes or indexes (index >= size, m > n, ...) */
    MERKLE_EVERIFY = -2, /* the proof does not verify */
    MERKLE_EREAD = -3,   /* the reader failed */
    MERKLE_ECRYPTO = -4  /* OpenSSL failed (digest unavailable) */
};

/* "sha256" / "sm3" and back; 0 for an unknown name. */
const char *merkle_alg_name(enum merkle_alg alg);
enum merkle_alg merkle_alg_parse(const char *name);

/* H(data); H(0x00 || entry); H(0x01 || l || r). Return MERKLE_OK or
 * MERKLE_ECRYPTO. */
int merkle_hash(enum merkle_alg alg, const void *data, size_t n, uint8_t out[MERKLE_HASH_LEN]);
int merkle_leaf_hash(enum merkle_alg alg, const void *entry, size_t n,
                     uint8_t out[MERKLE_HASH_LEN]);
int merkle_node_hash(enum merkle_alg alg, const uint8_t l[MERKLE_HASH_LEN],
                     const uint8_t r[MERKLE_HASH_LEN], uint8_t out[MERKLE_HASH_LEN]);

/* The hash of the complete subtree (level, index) into out; 0 on success,
 * non-zero on failure (the caller's own error, reported as MERKLE_EREAD). */
typedef int (*merkle_read_fn)(void *ctx, unsigned level, uint64_t index,
                              uint8_t out[MERKLE_HASH_LEN]);

struct merkle_reader {
    merkle_read_fn read; /* required */
    void *ctx;           /* passed to read; borrowed */
};

/* MTH of the first `size` leaves (size >= 1; the empty tree's root is H("")
 * and needs no reader: use merkle_hash(alg, "", 0)). */
int merkle_root(enum merkle_alg alg, const struct merkle_reader *rd, uint64_t size,
                uint8_t out[MERKLE_HASH_LEN]);

/* PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf side first. `out` holds
 * room for MERKLE_MAX_PROOF hashes; *count gets how many. */
int merkle_inclusion_proof(enum merkle_alg alg, const struct merkle_reader *rd, uint64_t index,
                           uint64_t size, uint8_t (*out)[MERKLE_HASH_LEN], size_t *count);
/* RFC 9162 §2.1.3.2. MERKLE_OK, MERKLE_EVERIFY or MERKLE_EINVAL. */
int merkle_inclusion_verify(enum merkle_alg alg, uint64_t index, uint64_t size,
                            const uint8_t leaf_hash[MERKLE_HASH_LEN],
                            const uint8_t (*proof)[MERKLE_HASH_LEN], size_t count,
                            const uint8_t root[MERKLE_HASH_LEN]);

/* PROOF(m, D[n]) of RFC 9162 §2.1.4.1 for 0 < m <= n (m == n: empty). m == 0
 * is MERKLE_EINVAL: every tree is consistent with the empty one, nothing to
 * prove. */
int merkle_consistency_proof(enum merkle_alg alg, const struct merkle_reader *rd, uint64_t m,
                             uint64_t n, uint8_t (*out)[MERKLE_HASH_LEN], size_t *count);
/* RFC 9162 §2.1.4.2, extended as transparency-dev does: m == n needs an empty
 * proof and equal roots; m == 0 needs an empty proof. */
int merkle_consistency_verify(enum merkle_alg alg, uint64_t m, uint64_t n,
                              const uint8_t root_m[MERKLE_HASH_LEN],
                              const uint8_t root_n[MERKLE_HASH_LEN],
                              const uint8_t (*proof)[MERKLE_HASH_LEN], size_t count);

/*
 * The frontier (a "compact range" [0, size)): one complete subtree per set
 * bit of size, largest (leftmost) first. Integrating leaves only needs this,
 * and it is rebuilt from storage with log2(size) reads.
 */
struct merkle_frontier {
    enum merkle_alg alg;
    uint64_t size;                                    /* leaves integrated */
    unsigned n;                                       /* entries in hash[] = popcount(size) */
    uint8_t hash[MERKLE_MAX_LEVELS][MERKLE_HASH_LEN]; /* subtree hashes, left to right */
};

/* Called for every complete subtree that appending a leaf creates, level 0
 * (the leaf itself) upwards. Non-zero aborts the append (MERKLE_EREAD). */
typedef int (*merkle_emit_fn)(void *ctx, unsigned level, uint64_t index,
                              const uint8_t hash[MERKLE_HASH_LEN]);

void merkle_frontier_init(struct merkle_frontier *f, enum merkle_alg alg);
/* Loads the frontier of a stored tree of `size` leaves. */
int merkle_frontier_load(struct merkle_frontier *f, enum merkle_alg alg,
                         const struct merkle_reader *rd, uint64_t size);
/* Appends one leaf hash; emit (may be NULL) sees every new complete subtree. */
int merkle_frontier_append(struct merkle_frontier *f, const uint8_t leaf_hash[MERKLE_HASH_LEN],
                           merkle_emit_fn emit, void *ctx);
/* The root of the frontier's tree (H("") when empty). */
int merkle_frontier_root(const struct merkle_frontier *f, uint8_t out[MERKLE_HASH_LEN]);

#endif
