/*
 * crypto/shamir.c — k-of-n Shamir secret sharing over GF(2^521 - 1), with a
 * commitment that makes a wrong share detectable (format and reasoning in
 * shamir.h). OpenSSL BIGNUM arithmetic; no global state.
 */
#include "crypto/shamir.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>

#include "crypto/random.h"

#define OFF_MAGIC   0
#define OFF_VERSION 4
#define OFF_K       5
#define OFF_N       6
#define OFF_X       7
#define OFF_LEN     8
#define OFF_SPLIT   9
#define OFF_COMMIT  25
#define OFF_Y       57
#define Y_LEN       66 /* ceil(521 / 8) */
#define OFF_SUM     123

static const uint8_t magic[4] = {'S', 'B', 'S', 'S'};
static const char commit_label[] = "sunbid-shamir-v1"; /* hashed with its NUL */

const char *shamir_code(int rc)
{
    static const char *const names[] = {
        "ok",           "shamir_invalid",   "shamir_malformed", "shamir_corrupt",
        "shamir_mixed", "shamir_duplicate", "shamir_too_few",   "shamir_mismatch",
        "shamir_crypto"};
    if (rc > 0 || -rc >= (int)(sizeof names / sizeof names[0]))
        return "shamir_crypto";
    return names[-rc];
}

/* p = 2^521 - 1, fresh; NULL on failure. */
static BIGNUM *prime(void)
{
    BIGNUM *p = BN_new();
    if (p == NULL || !BN_set_bit(p, 521) || !BN_sub_word(p, 1)) {
        BN_free(p);
        return NULL;
    }
    return p;
}

static int sha256(const void *a, size_t alen, uint8_t out[32])
{
    unsigned int len = 32;
    return EVP_Digest(a, alen, out, &len, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

static int commitment(const uint8_t split[16], unsigned k, unsigned n, const uint8_t *secret,
                      size_t len, uint8_t out[32])
{
    uint8_t buf[sizeof commit_label + 16 + 3 + SHAMIR_MAX_SECRET];
    size_t o = 0;
    memcpy(buf, commit_label, sizeof commit_label);
    o += sizeof commit_label;
    memcpy(buf + o, split, 16);
    o += 16;
    buf[o++] = (uint8_t)k;
    buf[o++] = (uint8_t)n;
    buf[o++] = (uint8_t)len;
    memcpy(buf + o, secret, len);
    o += len;
    int rc = sha256(buf, o, out);
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

static BIGNUM *secret_bn(void)
{
    BIGNUM *b = BN_new();
    if (b != NULL)
        BN_set_flags(b, BN_FLG_CONSTTIME);
    return b;
}

int shamir_split(const uint8_t *secret, size_t len, unsigned k, unsigned n,
                 uint8_t (*shares)[SHAMIR_SHARE_LEN])
{
    BIGNUM *coef[SHAMIR_MAX_N] = {0};
    BIGNUM *p = NULL, *acc = NULL, *bx = NULL;
    BN_CTX *ctx = NULL;
    uint8_t split[16], commit[32];
    int rc = SHAMIR_ECRYPTO;

    if (secret == NULL || shares == NULL || len < SHAMIR_MIN_SECRET || len > SHAMIR_MAX_SECRET ||
        k < 2 || k > n || n > SHAMIR_MAX_N)
        return SHAMIR_EINVAL;
    memset(shares, 0, (size_t)n * SHAMIR_SHARE_LEN);
    p = prime();
    ctx = BN_CTX_new();
    acc = secret_bn();
    bx = BN_new();
    if (p == NULL || ctx == NULL || acc == NULL || bx == NULL)
        goto out;
    crypto_random(split, sizeof split); /* public: only tells splits apart */
    if (commitment(split, k, n, secret, len, commit) != 0)
        goto out;
    /* f(X) = secret + a1 X + ... + a(k-1) X^(k-1) */
    for (unsigned i = 0; i < k; i++) {
        coef[i] = secret_bn();
        if (coef[i] == NULL)
            goto out;
        if (i == 0) {
            if (BN_bin2bn(secret, (int)len, coef[0]) == NULL)
                goto out;
        } else if (BN_priv_rand_range_ex(coef[i], p, 0, ctx) != 1) {
            goto out;
        }
    }
    for (unsigned x = 1; x <= n; x++) {
        uint8_t *s = shares[x - 1];
        /* Horner: acc = ((a(k-1) x + a(k-2)) x + ...) x + a0 */
        if (!BN_set_word(bx, x) || !BN_copy(acc, coef[k - 1]))
            goto out;
        for (unsigned i = k - 1; i-- > 0;) {
            if (!BN_mod_mul(acc, acc, bx, p, ctx) || !BN_mod_add(acc, acc, coef[i], p, ctx))
                goto out;
        }
        memcpy(s + OFF_MAGIC, magic, 4);
        s[OFF_VERSION] = SHAMIR_VERSION;
        s[OFF_K] = (uint8_t)k;
        s[OFF_N] = (uint8_t)n;
        s[OFF_X] = (uint8_t)x;
        s[OFF_LEN] = (uint8_t)len;
        memcpy(s + OFF_SPLIT, split, 16);
        memcpy(s + OFF_COMMIT, commit, 32);
        if (BN_bn2binpad(acc, s + OFF_Y, Y_LEN) != Y_LEN || sha256(s, OFF_SUM, s + OFF_SUM) != 0)
            goto out;
    }
    rc = SHAMIR_OK;
out:
    for (unsigned i = 0; i < k && i < SHAMIR_MAX_N; i++)
        BN_clear_free(coef[i]);
    BN_clear_free(acc);
    BN_free(bx);
    BN_free(p);
    BN_CTX_free(ctx);
    if (rc != SHAMIR_OK)
        OPENSSL_cleanse(shares, (size_t)n * SHAMIR_SHARE_LEN);
    return rc;
}

int shamir_share_parse(const uint8_t *s, size_t len, struct shamir_share_info *info)
{
    uint8_t sum[32];
    memset(info, 0, sizeof *info);
    if (s == NULL || len != SHAMIR_SHARE_LEN || memcmp(s + OFF_MAGIC, magic, 4) != 0 ||
        s[OFF_VERSION] != SHAMIR_VERSION)
        return SHAMIR_EMALFORMED;
    if (sha256(s, OFF_SUM, sum) != 0)
        return SHAMIR_ECRYPTO;
    if (CRYPTO_memcmp(sum, s + OFF_SUM, 32) != 0)
        return SHAMIR_ECORRUPT;
    unsigned k = s[OFF_K], n = s[OFF_N], x = s[OFF_X], l = s[OFF_LEN];
    if (k < 2 || k > n || x < 1 || x > n || l < SHAMIR_MIN_SECRET || l > SHAMIR_MAX_SECRET)
        return SHAMIR_EMALFORMED;
    /* y < p: 66 bytes hold 528 bits; the top 7 must be 0 and y != p */
    if (s[OFF_Y] > 1)
        return SHAMIR_EMALFORMED;
    if (s[OFF_Y] == 1) {
        bool all_ones = true;
        for (int i = 1; i < Y_LEN && all_ones; i++)
            all_ones = s[OFF_Y + i] == 0xFF;
        if (all_ones)
            return SHAMIR_EMALFORMED;
    }
    info->version = s[OFF_VERSION];
    info->k = k;
    info->n = n;
    info->x = x;
    info->secret_len = l;
    memcpy(info->split_id, s + OFF_SPLIT, 16);
    memcpy(info->commitment, s + OFF_COMMIT, 32);
    return SHAMIR_OK;
}

static bool same_split(const struct shamir_share_info *a, const struct shamir_share_info *b)
{
    return a->k == b->k && a->n == b->n && a->secret_len == b->secret_len &&
           memcmp(a->split_id, b->split_id, 16) == 0 &&
           memcmp(a->commitment, b->commitment, 32) == 0;
}

/* f(at) from the k points (xs[i], ys[i]) by Lagrange interpolation. */
static int interpolate(BIGNUM *const *ys, const unsigned *xs, unsigned k, unsigned at,
                       const BIGNUM *p, BN_CTX *ctx, BIGNUM *out)
{
    int ok = 0;
    BN_CTX_start(ctx);
    BIGNUM *num = BN_CTX_get(ctx), *den = BN_CTX_get(ctx), *t = BN_CTX_get(ctx);
    BIGNUM *term = BN_CTX_get(ctx);
    if (term == NULL)
        goto out;
    BN_set_flags(term, BN_FLG_CONSTTIME);
    BN_zero(out);
    for (unsigned i = 0; i < k; i++) {
        /* lambda_i = prod_{j != i} (at - x_j) / (x_i - x_j) */
        if (!BN_one(num) || !BN_one(den))
            goto out;
        for (unsigned j = 0; j < k; j++) {
            if (j == i)
                continue;
            /* (at - x_j) mod p and (x_i - x_j) mod p, from small integers */
            long a = (long)at - (long)xs[j], b = (long)xs[i] - (long)xs[j];
            if (!BN_set_word(t, (BN_ULONG)(a < 0 ? -a : a)))
                goto out;
            if (a < 0 && !BN_sub(t, p, t))
                goto out;
            if (!BN_mod_mul(num, num, t, p, ctx))
                goto out;
            if (!BN_set_word(t, (BN_ULONG)(b < 0 ? -b : b)))
                goto out;
            if (b < 0 && !BN_sub(t, p, t))
                goto out;
            if (!BN_mod_mul(den, den, t, p, ctx))
                goto out;
        }
        if (BN_mod_inverse(den, den, p, ctx) == NULL || !BN_mod_mul(num, num, den, p, ctx) ||
            !BN_mod_mul(term, ys[i], num, p, ctx) || !BN_mod_add(out, out, term, p, ctx))
            goto out;
    }
    ok = 1;
out:
    if (term != NULL)
        BN_clear(term);
    BN_CTX_end(ctx);
    return ok;
}

/* Next k-subset of 0..m-1 in lexicographic order; false after the last. */
static bool next_subset(unsigned *idx, unsigned k, unsigned m)
{
    int i = (int)k - 1;
    while (i >= 0 && idx[i] == m - k + (unsigned)i)
        i--;
    if (i < 0)
        return false;
    idx[i]++;
    for (unsigned j = (unsigned)i + 1; j < k; j++)
        idx[j] = idx[j - 1] + 1;
    return true;
}

int shamir_combine(const uint8_t *const shares[], const size_t lens[], size_t m, uint8_t *secret,
                   size_t cap, size_t *secret_len, int *status)
{
    struct shamir_share_info info[SHAMIR_MAX_N];
    int st[SHAMIR_MAX_N];
    unsigned cand[SHAMIR_MAX_N]; /* indices into shares of the chosen group, distinct x */
    unsigned nc = 0;
    BIGNUM *ys[SHAMIR_MAX_N] = {0};
    unsigned xs[SHAMIR_MAX_N], sub[SHAMIR_MAX_N];
    BIGNUM *p = NULL, *s = NULL, *v = NULL;
    BN_CTX *ctx = NULL;
    uint8_t out[SHAMIR_MAX_SECRET], commit[32];
    int rc = SHAMIR_ECRYPTO;
    bool mixed = false;

    if (secret_len != NULL)
        *secret_len = 0;
    if (m > SHAMIR_MAX_N || (m > 0 && (shares == NULL || lens == NULL)) || secret == NULL)
        return SHAMIR_EINVAL;
    for (size_t i = 0; i < m; i++)
        st[i] = shamir_share_parse(shares[i], lens[i], &info[i]);

    /* the largest group of well-formed shares with one header (ties: first) */
    unsigned best = 0, best_count = 0;
    for (size_t i = 0; i < m; i++) {
        if (st[i] != SHAMIR_OK)
            continue;
        unsigned c = 0;
        for (size_t j = 0; j < m; j++)
            c += st[j] == SHAMIR_OK && same_split(&info[i], &info[j]);
        if (c > best_count) {
            best_count = c;
            best = (unsigned)i;
        }
    }
    for (size_t i = 0; i < m; i++) {
        if (st[i] != SHAMIR_OK)
            continue;
        if (!same_split(&info[i], &info[best])) {
            st[i] = SHAMIR_EMIXED;
            mixed = true;
            continue;
        }
        bool dup = false;
        for (unsigned c = 0; c < nc && !dup; c++)
            dup = info[cand[c]].x == info[i].x;
        if (dup)
            st[i] = SHAMIR_EDUPLICATE;
        else
            cand[nc++] = (unsigned)i;
    }
    const unsigned k = nc > 0 ? info[cand[0]].k : 0;
    const size_t L = nc > 0 ? info[cand[0]].secret_len : 0;
    if (nc == 0 || nc < k) {
        rc = mixed ? SHAMIR_EMIXED : SHAMIR_ETOOFEW;
        goto done;
    }
    if (cap < L) {
        rc = SHAMIR_EINVAL;
        goto done;
    }
    p = prime();
    ctx = BN_CTX_new();
    s = secret_bn();
    v = secret_bn();
    if (p == NULL || ctx == NULL || s == NULL || v == NULL)
        goto done;
    for (unsigned c = 0; c < nc; c++) {
        ys[c] = secret_bn();
        if (ys[c] == NULL || BN_bin2bn(shares[cand[c]] + OFF_Y, Y_LEN, ys[c]) == NULL)
            goto done;
        xs[c] = info[cand[c]].x;
    }
    for (unsigned i = 0; i < k; i++)
        sub[i] = i;
    rc = SHAMIR_EMISMATCH;
    for (unsigned tries = 0; tries < SHAMIR_MAX_TRIES; tries++) {
        BIGNUM *sy[SHAMIR_MAX_N];
        unsigned sx[SHAMIR_MAX_N];
        for (unsigned i = 0; i < k; i++) {
            sy[i] = ys[sub[i]];
            sx[i] = xs[sub[i]];
        }
        if (!interpolate(sy, sx, k, 0, p, ctx, s)) {
            rc = SHAMIR_ECRYPTO;
            goto done;
        }
        if (BN_num_bytes(s) <= (int)L && BN_bn2binpad(s, out, (int)L) == (int)L &&
            commitment(info[cand[0]].split_id, k, info[cand[0]].n, out, L, commit) == 0 &&
            CRYPTO_memcmp(commit, info[cand[0]].commitment, 32) == 0) {
            /* found: every other candidate must lie on the same polynomial */
            for (unsigned c = 0; c < nc; c++) {
                bool in = false;
                for (unsigned i = 0; i < k && !in; i++)
                    in = sub[i] == c;
                if (in)
                    continue;
                if (!interpolate(sy, sx, k, xs[c], p, ctx, v)) {
                    rc = SHAMIR_ECRYPTO;
                    goto done;
                }
                if (BN_cmp(v, ys[c]) != 0)
                    st[cand[c]] = SHAMIR_EMISMATCH;
            }
            memcpy(secret, out, L);
            if (secret_len != NULL)
                *secret_len = L;
            rc = SHAMIR_OK;
            break;
        }
        if (!next_subset(sub, k, nc))
            break;
    }
done:
    if (status != NULL)
        for (size_t i = 0; i < m; i++)
            status[i] = st[i];
    OPENSSL_cleanse(out, sizeof out);
    for (unsigned c = 0; c < nc; c++)
        BN_clear_free(ys[c]);
    BN_clear_free(s);
    BN_clear_free(v);
    BN_free(p);
    BN_CTX_free(ctx);
    return rc;
}
