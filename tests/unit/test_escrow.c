/*
 * Unit tests for the tender escrow key's crypto (domain/escrow.h): the key
 * pairs and their 64-byte secret, private keys rebuilt from scalars that
 * open what was wrapped to the public keys, shares split k-of-n and sealed
 * to officers' SM2 and P-256 keys, opened again and combined; a share
 * opened with another officer's key, for another tender, or altered in any
 * byte is refused; too few shares, a wrong share (named), a damaged one;
 * the parser's error codes. usercert_verify on a SQLite store: DER and raw
 * r || s ECDSA signatures, SM2 ones, a wrong message, another key, no
 * certificate, an expired one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/roles.h"
#include "crypto/ca.h"
#include "crypto/random.h"
#include "crypto/shamir.h"
#include "domain/escrow.h"
#include "domain/usercert.h"

#define TENDER 4242

static EVP_PKEY *pem_pub(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    return k;
}

static void test_keypair(void **state)
{
    struct escrow_keypair kp;
    const struct suite *suites[2] = {&suite_gm, &suite_intl};
    (void)state;
    assert_int_equal(escrow_keypair_new(&kp), 0);
    for (int i = 0; i < 2; i++) {
        const struct suite *s = suites[i];
        EVP_PKEY *pub = pem_pub(i == 0 ? kp.gm_pub : kp.intl_pub);
        assert_non_null(pub);
        assert_int_equal(suite_key_check(s, pub), SEAL_OK); /* an SM2 PEM loads as SM2 */
        uint8_t id[32];
        char hex[65], want[65];
        assert_int_equal(suite_key_id(pub, id), SEAL_OK);
        assert_memory_equal(id, i == 0 ? kp.gm_key_id : kp.intl_key_id, 32);
        assert_int_equal(escrow_secret_key_id(kp.secret, s, hex), SEAL_OK);
        for (int b = 0; b < 32; b++)
            snprintf(want + 2 * b, 3, "%02x", id[b]);
        assert_string_equal(hex, want);
        /* the private key rebuilt from the scalar opens a wrap to the public one */
        uint8_t k[SUITE_KEY_LEN], back[SUITE_KEY_LEN], wrap[SUITE_MAX_WRAP];
        size_t wl = sizeof wrap;
        crypto_random(k, sizeof k);
        assert_int_equal(suite_wrap(s, pub, k, wrap, &wl), SEAL_OK);
        EVP_PKEY *priv = escrow_key_from_scalar(s, i == 0 ? kp.secret : kp.secret + 32);
        assert_non_null(priv);
        assert_int_equal(suite_unwrap(s, priv, wrap, wl, back), SEAL_OK);
        assert_memory_equal(k, back, sizeof k);
        /* the other half does not */
        EVP_PKEY *other = escrow_key_from_scalar(s, i == 0 ? kp.secret + 32 : kp.secret);
        assert_non_null(other);
        assert_int_not_equal(suite_unwrap(s, other, wrap, wl, back), SEAL_OK);
        EVP_PKEY_free(other);
        EVP_PKEY_free(priv);
        EVP_PKEY_free(pub);
    }
    /* scalars out of range are refused */
    uint8_t zero[32] = {0}, ff[32];
    memset(ff, 0xff, sizeof ff);
    assert_null(escrow_key_from_scalar(&suite_intl, zero));
    assert_null(escrow_key_from_scalar(&suite_gm, ff));
    escrow_keypair_wipe(&kp);
    for (size_t i = 0; i < sizeof kp.secret; i++)
        assert_int_equal(kp.secret[i], 0);
}

/* Three officers: SM2, P-256, P-256. */
static EVP_PKEY *officer_key(int i)
{
    return i == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
                  : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

struct sealed {
    uint8_t b[ESCROW_SEALED_MAX];
    size_t n;
};

static void test_split_seal_open_combine(void **state)
{
    struct escrow_keypair kp;
    uint8_t shares[3][SHAMIR_SHARE_LEN], opened[3][SHAMIR_SHARE_LEN];
    EVP_PKEY *off[3];
    struct sealed sl[3];
    (void)state;
    assert_int_equal(escrow_keypair_new(&kp), 0);
    assert_int_equal(shamir_split(kp.secret, ESCROW_SECRET_LEN, 2, 3, shares), SHAMIR_OK);
    for (int i = 0; i < 3; i++) {
        off[i] = officer_key(i);
        assert_non_null(off[i]);
        sl[i].n = sizeof sl[i].b;
        assert_int_equal(
            escrow_share_seal(off[i], TENDER, (unsigned)i + 1, shares[i], sl[i].b, &sl[i].n),
            SEAL_OK);
        struct escrow_sealed es;
        assert_int_equal(escrow_share_parse(sl[i].b, sl[i].n, &es), SEAL_OK);
        assert_int_equal(es.x, i + 1);
        assert_int_equal(es.tender_id, TENDER);
        assert_int_equal(es.suite->id, i == 0 ? SUITE_GM : SUITE_INTL);
        if (i > 0)
            assert_int_equal(es.wrap_len, 113); /* the envelope's intl wrap, byte for byte */
        unsigned x = 0;
        assert_int_equal(escrow_share_open(off[i], sl[i].b, sl[i].n, TENDER, opened[i], &x),
                         SEAL_OK);
        assert_int_equal(x, i + 1);
        assert_memory_equal(opened[i], shares[i], SHAMIR_SHARE_LEN);
    }
    /* every pair recovers the secret */
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++) {
            const uint8_t *p[2] = {opened[a], opened[b]};
            size_t lens[2] = {SHAMIR_SHARE_LEN, SHAMIR_SHARE_LEN}, olen = 0;
            uint8_t secret[64];
            assert_int_equal(shamir_combine(p, lens, 2, secret, sizeof secret, &olen, NULL),
                             SHAMIR_OK);
            assert_int_equal(olen, 64);
            assert_memory_equal(secret, kp.secret, 64);
        }
    /* too few */
    {
        const uint8_t *p[1] = {opened[1]};
        size_t lens[1] = {SHAMIR_SHARE_LEN}, olen = 0;
        uint8_t secret[64];
        assert_int_equal(shamir_combine(p, lens, 1, secret, sizeof secret, &olen, NULL),
                         SHAMIR_ETOOFEW);
    }
    /* a wrong but well-formed share (checksum recomputed) is named among three */
    {
        uint8_t bad[SHAMIR_SHARE_LEN];
        memcpy(bad, opened[1], sizeof bad);
        bad[100] ^= 0x01;
        SHA256(bad, 123, bad + 123);
        struct shamir_share_info info;
        assert_int_equal(shamir_share_parse(bad, sizeof bad, &info), SHAMIR_OK);
        const uint8_t *p[3] = {opened[0], bad, opened[2]};
        size_t lens[3] = {SHAMIR_SHARE_LEN, SHAMIR_SHARE_LEN, SHAMIR_SHARE_LEN}, olen = 0;
        int status[3];
        uint8_t secret[64];
        assert_int_equal(shamir_combine(p, lens, 3, secret, sizeof secret, &olen, status),
                         SHAMIR_OK);
        assert_memory_equal(secret, kp.secret, 64);
        assert_int_equal(status[0], SHAMIR_OK);
        assert_int_equal(status[1], SHAMIR_EMISMATCH);
        assert_int_equal(status[2], SHAMIR_OK);
        /* with only k, the bad one makes the combine fail, never a wrong secret */
        const uint8_t *q[2] = {opened[0], bad};
        assert_int_equal(shamir_combine(q, lens, 2, secret, sizeof secret, &olen, NULL),
                         SHAMIR_EMISMATCH);
        /* damaged (checksum not fixed) */
        bad[100] ^= 0x02;
        assert_int_equal(shamir_share_parse(bad, sizeof bad, &info), SHAMIR_ECORRUPT);
    }
    /* another officer's key, another tender */
    unsigned x;
    uint8_t out[SHAMIR_SHARE_LEN];
    assert_int_equal(escrow_share_open(off[2], sl[1].b, sl[1].n, TENDER, out, &x), SEAL_EWRONGKEY);
    assert_int_equal(escrow_share_open(off[1], sl[0].b, sl[0].n, TENDER, out, &x), SEAL_EKEYTYPE);
    assert_int_equal(escrow_share_open(off[1], sl[1].b, sl[1].n, TENDER + 1, out, &x),
                     SEAL_EWRONGTENDER);
    /* every single-byte change is refused, in both suites */
    for (int i = 0; i < 2; i++) {
        for (size_t at = 0; at < sl[i].n; at++) {
            uint8_t copy[ESCROW_SEALED_MAX];
            memcpy(copy, sl[i].b, sl[i].n);
            copy[at] ^= 0x20;
            int rc = escrow_share_open(off[i], copy, sl[i].n, TENDER, out, &x);
            if (rc == SEAL_OK)
                fail_msg("suite %d: byte %zu changed, still opens", i, at);
        }
    }
    /* the parser's codes */
    struct escrow_sealed es;
    uint8_t c[ESCROW_SEALED_MAX + 1];
    memcpy(c, sl[1].b, sl[1].n);
    assert_int_equal(escrow_share_parse(c, 3, &es), SEAL_ETRUNCATED);
    assert_int_equal(escrow_share_parse(c, sl[1].n - 1, &es), SEAL_ETRUNCATED);
    c[sl[1].n] = 0;
    assert_int_equal(escrow_share_parse(c, sl[1].n + 1, &es), SEAL_ETRAILING);
    c[4] = 2;
    assert_int_equal(escrow_share_parse(c, sl[1].n, &es), SEAL_EVERSION);
    c[4] = 1;
    c[5] = 9;
    assert_int_equal(escrow_share_parse(c, sl[1].n, &es), SEAL_ESUITE);
    c[5] = 2;
    c[0] = 'X';
    assert_int_equal(escrow_share_parse(c, sl[1].n, &es), SEAL_EMALFORMED);
    c[0] = 'S';
    c[6] = 0;
    assert_int_equal(escrow_share_parse(c, sl[1].n, &es), SEAL_EMALFORMED);
    /* an RSA-less world: a key of neither suite cannot be an officer */
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    size_t n = ESCROW_SEALED_MAX;
    assert_null(escrow_officer_suite(ed));
    assert_int_equal(escrow_share_seal(ed, TENDER, 1, shares[0], c, &n), SEAL_EKEYTYPE);
    EVP_PKEY_free(ed);
    for (int i = 0; i < 3; i++)
        EVP_PKEY_free(off[i]);
    escrow_keypair_wipe(&kp);
}

/* A self-signed signing certificate's DER for key k (the store does not
 * check the chain: registration did). */
static unsigned char *self_cert(EVP_PKEY *k, int64_t not_after, int *len)
{
    char err[256];
    struct ca_cert_spec spec = {.cn = "officer",
                                .usage = CA_USAGE_SIGN,
                                .path_len = -1,
                                .not_before_ms = clock_now_ms() - 60000,
                                .not_after_ms = not_after};
    X509 *x = ca_issue(&spec, k, NULL, k, err, sizeof err);
    assert_non_null(x);
    unsigned char *der = NULL;
    *len = i2d_X509(x, &der);
    assert_true(*len > 0);
    X509_free(x);
    return der;
}

static void put_cert(struct store *s, int64_t uid, const unsigned char *der, int len,
                     int64_t not_after)
{
    struct store_tx *tx = NULL;
    int64_t id;
    struct user_cert c = {.user_id = uid,
                          .usage = "sign",
                          .der = der,
                          .der_len = (size_t)len,
                          .fingerprint = "00",
                          .subject = "CN=officer",
                          .issuer = "CN=officer",
                          .serial = "1",
                          .key_alg = "p256",
                          .not_before_ms = 1,
                          .not_after_ms = not_after,
                          .registered_ms = clock_now_ms()};
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_user_cert_retire(tx, uid, "sign", clock_now_ms()), STORE_OK);
    assert_int_equal(store_user_cert_insert(tx, &c, &id), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
}

static void test_usercert_verify(void **state)
{
    char dir[600], err[256];
    struct store *s = NULL;
    struct store_tx *tx = NULL;
    int applied = 0, len = 0;
    int64_t uid = 0, far = clock_now_ms() + 86400000LL * 365;
    static const char msg[] = "sunbid evaluation report v1 sha256=abc";
    uint8_t sig[SUITE_MAX_SIG], raw[64];
    size_t sl = sizeof sig;
    (void)state;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    mkdir(tmp ? tmp : "/tmp", 0755);
    snprintf(dir, sizeof dir, "%s/escrow-store-XXXXXX", tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(store_open(&s, NULL, dir, err, sizeof err), STORE_OK);
    assert_int_equal(store_migrate(s, &applied), STORE_OK);
    struct user u = {.username = "officer1",
                     .display_name = "开标人员",
                     .roles = ROLE_EXPERT,
                     .password_hash = "x",
                     .created_ms = clock_now_ms()};
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_user_insert(tx, &u, &uid), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);

    /* no certificate yet */
    assert_int_equal(usercert_verify(s, uid, msg, sizeof msg - 1, sig, 64), ERR_USER_CERT_MISSING);

    /* P-256: DER and raw r || s */
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    unsigned char *der = self_cert(k, far, &len);
    put_cert(s, uid, der, len, far);
    assert_int_equal(suite_sign(&suite_intl, k, msg, sizeof msg - 1, sig, &sl), SEAL_OK);
    assert_int_equal(usercert_verify(s, uid, msg, sizeof msg - 1, sig, sl), ERR_OK);
    assert_int_equal(usercert_verify(s, uid, msg, sizeof msg - 2, sig, sl),
                     ERR_USER_SIGNATURE_INVALID);
    {
        const unsigned char *p = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sl);
        assert_non_null(es);
        BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
        ECDSA_SIG_free(es);
    }
    assert_int_equal(usercert_verify(s, uid, msg, sizeof msg - 1, raw, 64), ERR_OK);
    raw[10] ^= 1;
    assert_int_equal(usercert_verify(s, uid, msg, sizeof msg - 1, raw, 64),
                     ERR_USER_SIGNATURE_INVALID);
    assert_int_equal(usercert_verify(s, uid, msg, sizeof msg - 1, raw, 0),
                     ERR_USER_SIGNATURE_INVALID);
    /* another key's signature */
    EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    sl = sizeof sig;
    assert_int_equal(suite_sign(&suite_intl, k2, msg, sizeof msg - 1, sig, &sl), SEAL_OK);
    assert_int_equal(usercert_verify(s, uid, msg, sizeof msg - 1, sig, sl),
                     ERR_USER_SIGNATURE_INVALID);
    OPENSSL_free(der);

    /* SM2 with SM3 and the default id */
    EVP_PKEY *g = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    der = self_cert(g, far, &len);
    put_cert(s, uid, der, len, far);
    sl = sizeof sig;
    assert_int_equal(suite_sign(&suite_gm, g, msg, sizeof msg - 1, sig, &sl), SEAL_OK);
    assert_int_equal(usercert_verify(s, uid, msg, sizeof msg - 1, sig, sl), ERR_OK);
    sl = sizeof sig;
    assert_int_equal(suite_sign(&suite_intl, k, msg, sizeof msg - 1, sig, &sl), SEAL_OK);
    assert_int_equal(usercert_verify(s, uid, msg, sizeof msg - 1, sig, sl),
                     ERR_USER_SIGNATURE_INVALID); /* the replaced key no longer counts */
    OPENSSL_free(der);

    /* expired */
    int64_t past = clock_now_ms() - 1000;
    der = self_cert(k, past, &len);
    put_cert(s, uid, der, len, past);
    sl = sizeof sig;
    assert_int_equal(suite_sign(&suite_intl, k, msg, sizeof msg - 1, sig, &sl), SEAL_OK);
    assert_int_equal(usercert_verify(s, uid, msg, sizeof msg - 1, sig, sl), ERR_CERT_EXPIRED);
    OPENSSL_free(der);
    EVP_PKEY_free(k);
    EVP_PKEY_free(k2);
    EVP_PKEY_free(g);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keypair),
        cmocka_unit_test(test_split_seal_open_combine),
        cmocka_unit_test(test_usercert_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
