/*
 * Unit tests for Shamir secret sharing (crypto/shamir.h): every k-subset
 * reconstructs, fewer than k do not, k-1 shares are consistent with any
 * secret (shown by forging the k-th share with an independent Lagrange
 * implementation here), damaged, wrong, foreign and repeated shares are
 * detected, and the limits hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/random.h"
#include "crypto/shamir.h"

#define L SHAMIR_SHARE_LEN

/* Combines the shares whose bit is set in mask. */
static int combine_mask(uint8_t (*sh)[L], unsigned n, uint64_t mask, uint8_t *out, size_t *olen,
                        int *status)
{
    const uint8_t *p[SHAMIR_MAX_N];
    size_t lens[SHAMIR_MAX_N];
    size_t m = 0;
    for (unsigned i = 0; i < n; i++) {
        if (mask & (1ull << i)) {
            p[m] = sh[i];
            lens[m] = L;
            m++;
        }
    }
    return shamir_combine(p, lens, m, out, SHAMIR_MAX_SECRET, olen, status);
}

static void resum(uint8_t *s)
{
    unsigned int len = 32;
    assert_int_equal(EVP_Digest(s, 123, s + 123, &len, EVP_sha256(), NULL), 1);
}

static void test_codes(void **state)
{
    assert_string_equal(shamir_code(SHAMIR_OK), "ok");
    assert_string_equal(shamir_code(SHAMIR_ECORRUPT), "shamir_corrupt");
    assert_string_equal(shamir_code(SHAMIR_EMISMATCH), "shamir_mismatch");
    assert_string_equal(shamir_code(-99), "shamir_crypto");
}

static void test_every_subset(void **state)
{
    uint8_t secret[32], out[SHAMIR_MAX_SECRET];
    uint8_t sh[6][L];
    size_t olen;
    for (unsigned n = 2; n <= 6; n++) {
        for (unsigned k = 2; k <= n; k++) {
            crypto_random(secret, sizeof secret);
            assert_int_equal(shamir_split(secret, sizeof secret, k, n, sh), SHAMIR_OK);
            for (uint64_t mask = 1; mask < (1ull << n); mask++) {
                int have = __builtin_popcountll(mask);
                memset(out, 0, sizeof out);
                int rc = combine_mask(sh, n, mask, out, &olen, NULL);
                if (have >= (int)k) {
                    assert_int_equal(rc, SHAMIR_OK);
                    assert_int_equal(olen, sizeof secret);
                    assert_memory_equal(out, secret, sizeof secret);
                } else {
                    assert_int_equal(rc, SHAMIR_ETOOFEW);
                    assert_int_equal(olen, 0);
                }
            }
            /* the header of each share */
            struct shamir_share_info info;
            for (unsigned i = 0; i < n; i++) {
                assert_int_equal(shamir_share_parse(sh[i], L, &info), SHAMIR_OK);
                assert_int_equal(info.x, i + 1);
                assert_int_equal(info.k, k);
                assert_int_equal(info.n, n);
                assert_int_equal(info.secret_len, 32);
                assert_int_equal(info.version, SHAMIR_VERSION);
            }
        }
    }
}

/* y of the polynomial through (0, s) and the points (xs[i], ys[i]), at x:
 * Lagrange over p = 2^521 - 1, written here independently of shamir.c. */
static void forge_y(const uint8_t *s, size_t slen, const unsigned *xs, uint8_t (*ys)[66],
                    unsigned npts, unsigned x, uint8_t out[66])
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p = BN_new(), *acc = BN_new(), *num = BN_new(), *den = BN_new(), *t = BN_new();
    BIGNUM *px[SHAMIR_MAX_N + 1], *py[SHAMIR_MAX_N + 1];
    BN_set_bit(p, 521);
    BN_sub_word(p, 1);
    /* points: (0, s), then the given ones */
    px[0] = BN_new();
    py[0] = BN_bin2bn(s, (int)slen, NULL);
    BN_zero(px[0]);
    for (unsigned i = 0; i < npts; i++) {
        px[i + 1] = BN_new();
        BN_set_word(px[i + 1], xs[i]);
        py[i + 1] = BN_bin2bn(ys[i], 66, NULL);
    }
    BIGNUM *bx = BN_new();
    BN_set_word(bx, x);
    BN_zero(acc);
    for (unsigned i = 0; i <= npts; i++) {
        BN_one(num);
        BN_one(den);
        for (unsigned j = 0; j <= npts; j++) {
            if (i == j)
                continue;
            BN_mod_sub(t, bx, px[j], p, ctx);
            BN_mod_mul(num, num, t, p, ctx);
            BN_mod_sub(t, px[i], px[j], p, ctx);
            BN_mod_mul(den, den, t, p, ctx);
        }
        BN_mod_inverse(den, den, p, ctx);
        BN_mod_mul(t, num, den, p, ctx);
        BN_mod_mul(t, t, py[i], p, ctx);
        BN_mod_add(acc, acc, t, p, ctx);
    }
    assert_int_equal(BN_bn2binpad(acc, out, 66), 66);
    for (unsigned i = 0; i <= npts; i++) {
        BN_free(px[i]);
        BN_free(py[i]);
    }
    BN_free(bx);
    BN_free(p);
    BN_free(acc);
    BN_free(num);
    BN_free(den);
    BN_free(t);
    BN_CTX_free(ctx);
}

/* k-1 shares say nothing: for ANY other secret there is a k-th share
 * consistent with them. Without the commitment that share would be
 * accepted; with it, it is caught. */
static void test_k_minus_one_reveal_nothing(void **state)
{
    uint8_t secret[32], other[32], out[SHAMIR_MAX_SECRET];
    uint8_t sh[5][L];
    size_t olen;
    int status[5];
    const unsigned k = 3, n = 5;
    crypto_random(secret, sizeof secret);
    assert_int_equal(shamir_split(secret, sizeof secret, k, n, sh), SHAMIR_OK);
    /* shares 1 and 2 alone: too few */
    assert_int_equal(combine_mask(sh, n, 0x3, out, &olen, NULL), SHAMIR_ETOOFEW);

    for (int trial = 0; trial < 4; trial++) {
        crypto_random(other, sizeof other);
        unsigned xs[2] = {1, 2};
        uint8_t ys[2][66];
        memcpy(ys[0], sh[0] + 57, 66);
        memcpy(ys[1], sh[1] + 57, 66);
        uint8_t forged[L];
        memcpy(forged, sh[2], L); /* header of share 3, x = 3 */
        forge_y(other, sizeof other, xs, ys, 2, 3, forged + 57);
        resum(forged);
        /* the forged share is well-formed ... */
        struct shamir_share_info info;
        assert_int_equal(shamir_share_parse(forged, L, &info), SHAMIR_OK);
        /* ... and consistent with shares 1, 2 and the other secret; the real
         * share 3 is consistent with the real one. The commitment decides. */
        const uint8_t *p[3] = {sh[0], sh[1], forged};
        size_t lens[3] = {L, L, L};
        assert_int_equal(shamir_combine(p, lens, 3, out, sizeof out, &olen, status),
                         SHAMIR_EMISMATCH);
        /* a forger who also rewrites every commitment to the other secret
         * gets it back: k-1 real shares did not rule it out */
        uint8_t f2[3][L];
        uint8_t commit[32];
        {
            uint8_t buf[17 + 16 + 3 + 32];
            memcpy(buf, "sunbid-shamir-v1", 17);
            memcpy(buf + 17, sh[0] + 9, 16);
            buf[33] = (uint8_t)k;
            buf[34] = (uint8_t)n;
            buf[35] = 32;
            memcpy(buf + 36, other, 32);
            unsigned int cl = 32;
            assert_int_equal(EVP_Digest(buf, sizeof buf, commit, &cl, EVP_sha256(), NULL), 1);
        }
        memcpy(f2[0], sh[0], L);
        memcpy(f2[1], sh[1], L);
        memcpy(f2[2], forged, L);
        for (int i = 0; i < 3; i++) {
            memcpy(f2[i] + 25, commit, 32);
            resum(f2[i]);
        }
        const uint8_t *q[3] = {f2[0], f2[1], f2[2]};
        assert_int_equal(shamir_combine(q, lens, 3, out, sizeof out, &olen, NULL), SHAMIR_OK);
        assert_memory_equal(out, other, 32);
    }
}

static void test_corruption_detected(void **state)
{
    uint8_t secret[32], out[SHAMIR_MAX_SECRET];
    uint8_t sh[4][L];
    size_t olen;
    int status[4];
    crypto_random(secret, sizeof secret);
    assert_int_equal(shamir_split(secret, sizeof secret, 3, 4, sh), SHAMIR_OK);
    struct shamir_share_info info;
    /* every single-byte change of a share is caught by its parser */
    for (int off = 0; off < L; off++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t c[L];
            memcpy(c, sh[1], L);
            c[off] ^= (uint8_t)(1u << bit);
            int rc = shamir_share_parse(c, L, &info);
            assert_true(rc == SHAMIR_ECORRUPT || rc == SHAMIR_EMALFORMED);
        }
    }
    /* cut or lengthened */
    assert_int_equal(shamir_share_parse(sh[0], L - 1, &info), SHAMIR_EMALFORMED);
    assert_int_equal(shamir_share_parse(NULL, 0, &info), SHAMIR_EMALFORMED);

    /* a damaged share among exactly k: too few good ones, the bad one named */
    sh[1][100] ^= 0x40;
    assert_int_equal(combine_mask(sh, 4, 0x7, out, &olen, status), SHAMIR_ETOOFEW);
    assert_int_equal(status[0], SHAMIR_OK);
    assert_int_equal(status[1], SHAMIR_ECORRUPT);
    /* with one more share the secret comes back */
    assert_int_equal(combine_mask(sh, 4, 0xF, out, &olen, status), SHAMIR_OK);
    assert_memory_equal(out, secret, 32);
    assert_int_equal(status[1], SHAMIR_ECORRUPT);
    assert_int_equal(status[3], SHAMIR_OK);
}

/* An officer who hands in a wrong y with a fresh checksum. */
static void test_wrong_share_detected_and_named(void **state)
{
    uint8_t secret[48], out[SHAMIR_MAX_SECRET];
    uint8_t sh[5][L];
    size_t olen;
    int status[5];
    crypto_random(secret, sizeof secret);
    assert_int_equal(shamir_split(secret, sizeof secret, 2, 5, sh), SHAMIR_OK);
    sh[0][120] ^= 0x01; /* y of share 1 */
    resum(sh[0]);
    sh[3][90] ^= 0x80; /* y of share 4 */
    resum(sh[3]);
    /* exactly k with a bad one: refused, never a wrong secret */
    assert_int_equal(combine_mask(sh, 5, 0x3, out, &olen, status), SHAMIR_EMISMATCH);
    assert_int_equal(olen, 0);
    /* all five: the good subset is found and both bad shares are named */
    assert_int_equal(combine_mask(sh, 5, 0x1F, out, &olen, status), SHAMIR_OK);
    assert_int_equal(olen, 48);
    assert_memory_equal(out, secret, 48);
    int want[5] = {SHAMIR_EMISMATCH, SHAMIR_OK, SHAMIR_OK, SHAMIR_EMISMATCH, SHAMIR_OK};
    for (int i = 0; i < 5; i++)
        assert_int_equal(status[i], want[i]);
    /* a bad share whose header changed (k lowered to 1 would be malformed; a
     * different n is a different commitment): set aside as foreign */
    uint8_t a[L];
    memcpy(a, sh[2], L);
    a[6] = 6; /* n */
    resum(a);
    const uint8_t *p[3] = {a, sh[1], sh[4]};
    size_t lens[3] = {L, L, L};
    assert_int_equal(shamir_combine(p, lens, 3, out, sizeof out, &olen, status), SHAMIR_OK);
    assert_int_equal(status[0], SHAMIR_EMIXED);
}

static void test_mixed_and_duplicate(void **state)
{
    uint8_t secret[32], out[SHAMIR_MAX_SECRET];
    uint8_t a[3][L], b[3][L];
    size_t olen;
    int status[4];
    crypto_random(secret, sizeof secret);
    assert_int_equal(shamir_split(secret, sizeof secret, 2, 3, a), SHAMIR_OK);
    assert_int_equal(shamir_split(secret, sizeof secret, 2, 3, b), SHAMIR_OK);
    size_t lens[4] = {L, L, L, L};
    /* one share of each split: two splits, one share each */
    const uint8_t *p1[2] = {a[0], b[1]};
    assert_int_equal(shamir_combine(p1, lens, 2, out, sizeof out, &olen, status), SHAMIR_EMIXED);
    assert_int_equal(status[1], SHAMIR_EMIXED);
    /* foreign share first, then two of a's: a's group wins */
    const uint8_t *p2[3] = {b[0], a[1], a[2]};
    assert_int_equal(shamir_combine(p2, lens, 3, out, sizeof out, &olen, status), SHAMIR_OK);
    assert_memory_equal(out, secret, 32);
    assert_int_equal(status[0], SHAMIR_EMIXED);
    /* the same share twice does not count twice */
    const uint8_t *p3[2] = {a[0], a[0]};
    assert_int_equal(shamir_combine(p3, lens, 2, out, sizeof out, &olen, status), SHAMIR_ETOOFEW);
    assert_int_equal(status[1], SHAMIR_EDUPLICATE);
    const uint8_t *p4[3] = {a[0], a[0], a[2]};
    assert_int_equal(shamir_combine(p4, lens, 3, out, sizeof out, &olen, status), SHAMIR_OK);
    assert_memory_equal(out, secret, 32);
}

static void test_limits(void **state)
{
    static uint8_t sh[SHAMIR_MAX_N][L];
    uint8_t secret[SHAMIR_MAX_SECRET + 1], out[SHAMIR_MAX_SECRET];
    size_t olen;
    crypto_random(secret, sizeof secret);
    assert_int_equal(shamir_split(secret, 32, 1, 3, sh), SHAMIR_EINVAL);
    assert_int_equal(shamir_split(secret, 32, 4, 3, sh), SHAMIR_EINVAL);
    assert_int_equal(shamir_split(secret, 32, 2, 256, sh), SHAMIR_EINVAL);
    assert_int_equal(shamir_split(secret, SHAMIR_MIN_SECRET - 1, 2, 3, sh), SHAMIR_EINVAL);
    assert_int_equal(shamir_split(secret, SHAMIR_MAX_SECRET + 1, 2, 3, sh), SHAMIR_EINVAL);
    assert_int_equal(shamir_split(NULL, 32, 2, 3, sh), SHAMIR_EINVAL);

    /* the smallest and largest secrets; leading zero bytes and all-ones kept */
    size_t sizes[] = {SHAMIR_MIN_SECRET, SHAMIR_MAX_SECRET};
    for (int v = 0; v < 3; v++) {
        for (int z = 0; z < 2; z++) {
            size_t len = sizes[z];
            if (v == 1)
                memset(secret, 0, 8); /* leading zeros */
            if (v == 2)
                memset(secret, 0xFF, len);
            assert_int_equal(shamir_split(secret, len, 2, 2, sh), SHAMIR_OK);
            assert_int_equal(combine_mask(sh, 2, 0x3, out, &olen, NULL), SHAMIR_OK);
            assert_int_equal(olen, len);
            assert_memory_equal(out, secret, len);
        }
    }

    /* 2 of 255, and 255 of 255 */
    crypto_random(secret, 32);
    assert_int_equal(shamir_split(secret, 32, 2, SHAMIR_MAX_N, sh), SHAMIR_OK);
    const uint8_t *p[SHAMIR_MAX_N];
    size_t lens[SHAMIR_MAX_N];
    p[0] = sh[254];
    p[1] = sh[17];
    lens[0] = lens[1] = L;
    assert_int_equal(shamir_combine(p, lens, 2, out, sizeof out, &olen, NULL), SHAMIR_OK);
    assert_memory_equal(out, secret, 32);
    assert_int_equal(shamir_split(secret, 32, SHAMIR_MAX_N, SHAMIR_MAX_N, sh), SHAMIR_OK);
    for (int i = 0; i < SHAMIR_MAX_N; i++) {
        p[i] = sh[i];
        lens[i] = L;
    }
    assert_int_equal(shamir_combine(p, lens, SHAMIR_MAX_N - 1, out, sizeof out, &olen, NULL),
                     SHAMIR_ETOOFEW);
    assert_int_equal(shamir_combine(p, lens, SHAMIR_MAX_N, out, sizeof out, &olen, NULL),
                     SHAMIR_OK);
    assert_memory_equal(out, secret, 32);
    /* too small an output buffer, too many shares, nothing at all */
    assert_int_equal(shamir_combine(p, lens, SHAMIR_MAX_N, out, 31, &olen, NULL), SHAMIR_EINVAL);
    assert_int_equal(shamir_combine(p, lens, SHAMIR_MAX_N + 1, out, sizeof out, &olen, NULL),
                     SHAMIR_EINVAL);
    assert_int_equal(shamir_combine(NULL, NULL, 0, out, sizeof out, &olen, NULL), SHAMIR_ETOOFEW);
}

/* A y >= p is not a field element. */
static void test_y_out_of_field(void **state)
{
    uint8_t secret[32], sh[2][L];
    struct shamir_share_info info;
    crypto_random(secret, sizeof secret);
    assert_int_equal(shamir_split(secret, 32, 2, 2, sh), SHAMIR_OK);
    memset(sh[0] + 57, 0xFF, 66);
    sh[0][57] = 0x01; /* exactly p */
    resum(sh[0]);
    assert_int_equal(shamir_share_parse(sh[0], L, &info), SHAMIR_EMALFORMED);
    sh[0][57] = 0x02;
    resum(sh[0]);
    assert_int_equal(shamir_share_parse(sh[0], L, &info), SHAMIR_EMALFORMED);
    sh[0][122] = 0xFE; /* p - 1 */
    sh[0][57] = 0x01;
    resum(sh[0]);
    assert_int_equal(shamir_share_parse(sh[0], L, &info), SHAMIR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_every_subset),
        cmocka_unit_test(test_k_minus_one_reveal_nothing),
        cmocka_unit_test(test_corruption_detected),
        cmocka_unit_test(test_wrong_share_detected_and_named),
        cmocka_unit_test(test_mixed_and_duplicate),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_y_out_of_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
