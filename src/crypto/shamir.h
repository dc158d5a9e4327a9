/*
 * shamir.h — Shamir secret sharing, k of n, for the tender escrow key: its
 * private half is split among the opening officers and never stored whole
 * (docs/certificates.md, "Escrow key shares").
 *
 * The field is GF(p) with p = 2^521 - 1, the Mersenne prime M521 (also the
 * field prime of NIST P-521): every secret of up to 64 bytes is an element,
 * so a 32-byte SM2 or P-256 private key is shared as it is. A secret s is
 * the constant term of a random polynomial f of degree k-1 whose other
 * coefficients come from the CSPRNG (BN_priv_rand_range_ex); share x
 * (1..n) is (x, f(x)). Any k shares give f(0) = s by Lagrange
 * interpolation; k-1 shares are consistent with every possible secret.
 *
 * A share is SHAMIR_SHARE_LEN bytes, integers big-endian:
 *
 *   offset  size  field
 *        0     4  magic "SBSS"
 *        4     1  version, 1
 *        5     1  k, the threshold (2..n)
 *        6     1  n, the number of shares (k..255)
 *        7     1  x, this share's index (1..n)
 *        8     1  L, the secret's length in bytes (16..64)
 *        9    16  split id: random, the same in every share of one split
 *       25    32  commitment: SHA-256("sunbid-shamir-v1" 0x00 || split id ||
 *                 k || n || L || secret)
 *       57    66  y = f(x), < p
 *      123    32  checksum: SHA-256 of bytes 0..122
 *      155        (end)
 *
 * Detection. The checksum catches a damaged share (a flipped bit, a cut
 * copy); the header must agree between shares (shares of another split are
 * set aside); the commitment catches a share that is well-formed but wrong
 * (a dishonest officer can recompute a checksum, not a commitment): combine
 * never returns a secret that does not hash to it. Given more than k shares,
 * combine looks for k of them that do (at most SHAMIR_MAX_TRIES subsets) and
 * names the shares that do not lie on the recovered polynomial. The
 * commitment is a hash of the secret, so secrets must be high-entropy keys
 * (hence L >= 16): it hides a random key, not a password.
 *
 * Arithmetic is OpenSSL BIGNUM with BN_FLG_CONSTTIME on secret values;
 * BN_mod_mul is not guaranteed constant-time. Splitting happens once per
 * tender and combining once per opening, not in reply to network queries.
 * Intermediate values are cleared (BN_clear_free, OPENSSL_cleanse).
 * Thread-safe (no shared state).
 */
#ifndef SUNBID_CRYPTO_SHAMIR_H
#define SUNBID_CRYPTO_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#define SHAMIR_SHARE_LEN  155
#define SHAMIR_MIN_SECRET 16
#define SHAMIR_MAX_SECRET 64
#define SHAMIR_MAX_N      255
#define SHAMIR_MAX_TRIES  4096 /* k-subsets combine tries before giving up */
#define SHAMIR_VERSION    1

enum shamir_rc {
    SHAMIR_OK = 0,
    SHAMIR_EINVAL = -1,     /* split: k, n or the secret's length out of range */
    SHAMIR_EMALFORMED = -2, /* not a share: length, magic, version, field out of range */
    SHAMIR_ECORRUPT = -3,   /* the checksum does not match: the share is damaged */
    SHAMIR_EMIXED = -4,     /* from another split (header differs from the others) */
    SHAMIR_EDUPLICATE = -5, /* a second share with the same x */
    SHAMIR_ETOOFEW = -6,    /* fewer than k usable shares */
    SHAMIR_EMISMATCH = -7,  /* the shares do not give the committed secret */
    SHAMIR_ECRYPTO = -8     /* OpenSSL failed */
};

/* The stable name of a code ("shamir_corrupt", ...). */
const char *shamir_code(int rc);

/* The header of one share. */
struct shamir_share_info {
    unsigned version, k, n, x, secret_len;
    uint8_t split_id[16];
    uint8_t commitment[32];
};

/* Splits secret[0..len) (SHAMIR_MIN_SECRET..SHAMIR_MAX_SECRET bytes) into
 * n shares of which any k recover it (2 <= k <= n <= 255). shares[i] gets
 * share x = i + 1. SHAMIR_OK, SHAMIR_EINVAL or SHAMIR_ECRYPTO (then the
 * shares are zeroed). */
int shamir_split(const uint8_t *secret, size_t len, unsigned k, unsigned n,
                 uint8_t (*shares)[SHAMIR_SHARE_LEN]);

/* Checks one share's form and checksum and reads its header. SHAMIR_OK,
 * SHAMIR_EMALFORMED or SHAMIR_ECORRUPT. */
int shamir_share_parse(const uint8_t *share, size_t len, struct shamir_share_info *info);

/* Recovers the secret from m shares (any order; m <= 255). The shares of
 * the largest group with one header are used; with more than k, every one
 * is checked against the recovered polynomial. On SHAMIR_OK, secret (cap
 * bytes) gets the secret and *secret_len its length. status (m ints, may be
 * NULL) gets per share: 0 when it is good (or, on failure, well-formed but
 * unproven), else why it was set aside (EMALFORMED, ECORRUPT, EMIXED,
 * EDUPLICATE, or EMISMATCH: not on the recovered polynomial). Returns
 * SHAMIR_OK, SHAMIR_ETOOFEW, SHAMIR_EMIXED (too few of one split because
 * others were foreign), SHAMIR_EMISMATCH, SHAMIR_EINVAL (cap too small,
 * m > 255) or SHAMIR_ECRYPTO. */
int shamir_combine(const uint8_t *const shares[], const size_t lens[], size_t m, uint8_t *secret,
                   size_t cap, size_t *secret_len, int *status);

#endif
