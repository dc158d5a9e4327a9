/*
 * Standard test vectors for the algorithms of the two suites (crypto/suite.h),
 * run through the same OpenSSL paths the suites use, plus known answers for
 * sunbid's own constructions.
 *
 * Sources (data only):
 *   SM3   GB/T 32905-2016 (= GM/T 0004-2012), Appendix A: example 1 "abc",
 *         example 2 the 512-bit message "abcd" x 16.
 *   SM4   GB/T 32907-2016 (= GM/T 0002-2012), Appendix A: example 1 (one
 *         encryption, key = plaintext = 0123456789abcdeffedcba9876543210)
 *         and example 2 (the same block encrypted 1,000,000 times).
 *   SM2   GB/T 32918.5-2017 (= GM/T 0003.5-2012) "Parameter definition":
 *         the recommended 256-bit curve (section 3), and its Appendix A
 *         signature example on that curve: private key 3945208F...,
 *         user id "1234567812345678", message "message digest", the
 *         intermediate e = H(Z || M) = F0B43E94..., and (r, s).
 *         Its decryption example on the same key pair: the ciphertext
 *         C1 || C3 || C2 of "encryption standard" with k = 59276E27...
 *         (as also reproduced by the gmalg test suite, test_encrypt3).
 *         OpenSSL refuses SM2 keys on the example curves of GB/T 32918.2/.4
 *         (explicit parameters), so those examples are not run here.
 *   AES-GCM  McGrew and Viega, "The Galois/Counter Mode of Operation
 *         (GCM)", revised 2005, Appendix B, test cases 13-16 (AES-256);
 *         the same vectors NIST SP 800-38D's validation suite starts from.
 *   HKDF  RFC 5869 Appendix A, test cases 1-3 (SHA-256).
 *   WebCrypto  the intl suite's chunk and key wrap, computed independently
 *         with Node's WebCrypto (crypto.subtle, the browser API) exactly as
 *         docs/envelope.md describes: deriveBits HKDF-SHA-256, AES-GCM
 *         encrypt, ECDH P-256 deriveBits + HKDF + AES-GCM. Our C must open
 *         what WebCrypto sealed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "crypto/suite.h"

/* Hex (spaces allowed) into out; returns the byte count. */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *h; h++) {
        int v = 0;
        if (*h == ' ')
            continue;
        if (*h >= '0' && *h <= '9')
            v = *h - '0';
        else if (*h >= 'a' && *h <= 'f')
            v = *h - 'a' + 10;
        else if (*h >= 'A' && *h <= 'F')
            v = *h - 'A' + 10;
        else
            fail_msg("bad hex char %c", *h);
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
    return n;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    uint8_t w[512];
    size_t wn = unhex(want, w, sizeof w);
    assert_int_equal(n, wn);
    assert_memory_equal(got, w, n);
}

/* ---- SM3 ---- */

static void test_sm3(void **state)
{
    uint8_t h[32];
    char m[65];
    assert_int_equal(suite_hash(&suite_gm, "abc", 3, h), SEAL_OK);
    assert_hex(h, 32, "66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0");
    for (int i = 0; i < 16; i++)
        memcpy(m + 4 * i, "abcd", 4);
    assert_int_equal(suite_hash(&suite_gm, m, 64, h), SEAL_OK);
    assert_hex(h, 32, "debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732");
    /* the streaming interface agrees, split anywhere */
    struct suite_hash sh;
    assert_int_equal(suite_hash_begin(&suite_gm, &sh), SEAL_OK);
    suite_hash_update(&sh, m, 7);
    suite_hash_update(&sh, m + 7, 57);
    assert_int_equal(suite_hash_end(&sh, h), SEAL_OK);
    assert_hex(h, 32, "debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732");
    /* and starts over after end */
    suite_hash_update(&sh, "abc", 3);
    assert_int_equal(suite_hash_end(&sh, h), SEAL_OK);
    assert_hex(h, 32, "66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0");
    suite_hash_release(&sh);
}

/* ---- SM4 ---- */

static void test_sm4(void **state)
{
    uint8_t key[16], blk[16];
    int len = 0;
    unhex("0123456789abcdeffedcba9876543210", key, 16);
    memcpy(blk, key, 16);
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    assert_non_null(c);
    assert_int_equal(EVP_EncryptInit_ex2(ctx, c, key, NULL, NULL), 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    assert_int_equal(EVP_EncryptUpdate(ctx, blk, &len, blk, 16), 1);
    assert_hex(blk, 16, "681edf34d206965e86b3e94f536e4246");
    /* Example 2: 1,000,000 encryptions (999,999 more); about 0.3 s. */
    for (int i = 1; i < 1000000; i++)
        EVP_EncryptUpdate(ctx, blk, &len, blk, 16);
    assert_hex(blk, 16, "595298c7c6fd271f0402f804c33d3f66");
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
}

/* ---- SM2 ---- */

static const char sm2_d[] = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
static const char sm2_px[] = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
static const char sm2_py[] = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";

/* An SM2 key on the recommended curve from the example's numbers. */
static EVP_PKEY *sm2_example_key(int with_private)
{
    uint8_t pub[65];
    BIGNUM *d = NULL;
    EVP_PKEY *k = NULL;
    pub[0] = 4;
    unhex(sm2_px, pub + 1, 32);
    unhex(sm2_py, pub + 33, 32);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0);
    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub);
    if (with_private) {
        BN_hex2bn(&d, sm2_d);
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d);
    }
    OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
    assert_int_equal(
        EVP_PKEY_fromdata(c, &k, with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, p), 1);
    EVP_PKEY_CTX_free(c);
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(b);
    BN_free(d);
    return k;
}

static void bn_is(const BIGNUM *x, const char *want)
{
    char *h = BN_bn2hex(x);
    assert_string_equal(h, want);
    OPENSSL_free(h);
}

static void test_sm2_curve(void **state)
{
    /* OpenSSL's SM2 group has the parameters of GB/T 32918.5 section 3. */
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_sm2);
    BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new(), *x = BN_new(), *y = BN_new();
    assert_non_null(g);
    assert_int_equal(EC_GROUP_get_curve(g, p, a, b, NULL), 1);
    bn_is(p, "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF");
    bn_is(a, "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC");
    bn_is(b, "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
    bn_is(EC_GROUP_get0_order(g),
          "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
    bn_is(EC_GROUP_get0_cofactor(g), "01");
    assert_int_equal(EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g), x, y, NULL), 1);
    bn_is(x, "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
    bn_is(y, "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");
    BN_free(p);
    BN_free(a);
    BN_free(b);
    BN_free(x);
    BN_free(y);
    EC_GROUP_free(g);
}

static void test_sm2_signature_example(void **state)
{
    EVP_PKEY *k = sm2_example_key(0);
    uint8_t sig[80], z[32], e[32], zin[2 + 16 + 6 * 32], *p = zin;
    size_t n;

    /* Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), e = SM3(Z || M) */
    *p++ = 0x00;
    *p++ = 0x80; /* 128 bits of user id */
    memcpy(p, "1234567812345678", 16);
    p += 16;
    p += unhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC", p, 32);
    p += unhex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93", p, 32);
    p += unhex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7", p, 32);
    p += unhex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0", p, 32);
    p += unhex(sm2_px, p, 32);
    p += unhex(sm2_py, p, 32);
    assert_int_equal(suite_hash(&suite_gm, zin, sizeof zin, z), SEAL_OK);
    uint8_t zm[32 + 14];
    memcpy(zm, z, 32);
    memcpy(zm + 32, "message digest", 14);
    assert_int_equal(suite_hash(&suite_gm, zm, sizeof zm, e), SEAL_OK);
    assert_hex(e, 32, "F0B43E94 BA45ACCA ACE692ED 534382EB 17E6AB5A 19CE7B31 F4486FDF C0D28640");

    /* (r, s) as DER, verified through the gm suite (SM3, default id) */
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = NULL, *sv = NULL;
    BN_hex2bn(&r, "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3");
    BN_hex2bn(&sv, "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA");
    ECDSA_SIG_set0(s, r, sv);
    uint8_t *der = sig;
    int dl = i2d_ECDSA_SIG(s, &der);
    assert_true(dl > 0 && dl <= (int)sizeof sig);
    ECDSA_SIG_free(s);
    n = (size_t)dl;
    assert_int_equal(suite_verify(&suite_gm, k, "message digest", 14, sig, n), SEAL_OK);
    /* one bit anywhere in the message or the signature: rejected */
    assert_int_equal(suite_verify(&suite_gm, k, "message digesT", 14, sig, n), SEAL_EBADSIG);
    for (size_t i = 0; i < n; i++) {
        sig[i] ^= 0x01;
        assert_int_equal(suite_verify(&suite_gm, k, "message digest", 14, sig, n), SEAL_EBADSIG);
        sig[i] ^= 0x01;
    }
    /* a signature of ours from the private key verifies too */
    EVP_PKEY *kp = sm2_example_key(1);
    uint8_t sig2[80];
    size_t n2 = sizeof sig2;
    assert_int_equal(suite_sign(&suite_gm, kp, "message digest", 14, sig2, &n2), SEAL_OK);
    assert_int_equal(suite_verify(&suite_gm, k, "message digest", 14, sig2, n2), SEAL_OK);
    /* and not under the intl suite (a P-256 key is required there) */
    assert_int_equal(suite_verify(&suite_intl, k, "message digest", 14, sig, n), SEAL_EKEYTYPE);
    EVP_PKEY_free(kp);
    EVP_PKEY_free(k);
}

/* DER SM2Cipher { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 } */
static size_t sm2_cipher_der(const uint8_t x[32], const uint8_t y[32], const uint8_t *c3,
                             const uint8_t *c2, size_t c2n, uint8_t *out)
{
    uint8_t body[200];
    size_t n = 0;
    const uint8_t *ints[2] = {x, y};
    for (int i = 0; i < 2; i++) {
        int pad = ints[i][0] & 0x80;
        body[n++] = 0x02;
        body[n++] = (uint8_t)(32 + (pad ? 1 : 0));
        if (pad)
            body[n++] = 0;
        memcpy(body + n, ints[i], 32);
        n += 32;
    }
    body[n++] = 0x04;
    body[n++] = 32;
    memcpy(body + n, c3, 32);
    n += 32;
    body[n++] = 0x04;
    body[n++] = (uint8_t)c2n;
    memcpy(body + n, c2, c2n);
    n += c2n;
    out[0] = 0x30;
    out[1] = (uint8_t)n;
    memcpy(out + 2, body, n);
    return n + 2;
}

static void test_sm2_decrypt_example(void **state)
{
    EVP_PKEY *k = sm2_example_key(1);
    uint8_t x[32], y[32], c3[32], c2[19], der[256], pt[64];
    size_t dn, pn = sizeof pt;
    unhex("04EBFC71 8E8D1798 62043226 8E77FEB6 415E2EDE 0E073C0F 4F640ECD 2E149A73", x, 32);
    unhex("E858F9D8 1E5430A5 7B36DAAB 8F950A3C 64E6EE6A 63094D99 283AFF76 7E124DF0", y, 32);
    unhex("59983C18 F809E262 923C53AE C295D303 83B54E39 D609D160 AFCB1908 D0BD8766", c3, 32);
    unhex("21886C A989CA9C 7D580873 07CA9309 2D651EFA", c2, 19);
    dn = sm2_cipher_der(x, y, c3, c2, 19, der);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    assert_int_equal(EVP_PKEY_decrypt_init(c), 1);
    assert_int_equal(EVP_PKEY_decrypt(c, pt, &pn, der, dn), 1);
    assert_int_equal(pn, 19);
    assert_memory_equal(pt, "encryption standard", 19);
    /* C3 is checked: a changed ciphertext byte does not decrypt */
    der[dn - 1] ^= 1;
    pn = sizeof pt;
    assert_int_not_equal(EVP_PKEY_decrypt(c, pt, &pn, der, dn), 1);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(k);
}

/* ---- AES-256-GCM ---- */

static void gcm_case(const char *key, const char *iv, const char *pt, const char *aad,
                     const char *ct, const char *tag)
{
    uint8_t k[32], n[12], p[64], a[32], out[64], t[16];
    size_t pl = unhex(pt, p, sizeof p), al = unhex(aad, a, sizeof a);
    int len = 0;
    unhex(key, k, 32);
    assert_int_equal(unhex(iv, n, 12), 12);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_EncryptInit_ex2(c, EVP_aes_256_gcm(), k, n, NULL), 1);
    if (al)
        assert_int_equal(EVP_EncryptUpdate(c, NULL, &len, a, (int)al), 1);
    if (pl)
        assert_int_equal(EVP_EncryptUpdate(c, out, &len, p, (int)pl), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, out + pl, &len), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, t), 1);
    if (pl)
        assert_hex(out, pl, ct);
    assert_hex(t, 16, tag);
    EVP_CIPHER_CTX_free(c);
}

static void test_aes_gcm(void **state)
{
    static const char z32[] = "0000000000000000000000000000000000000000000000000000000000000000";
    static const char k15[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
    static const char p15[] = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                              "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    static const char c15[] = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                              "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
    char p16[121], c16[121];
    /* test case 13: empty */
    gcm_case(z32, "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b");
    /* test case 14: one zero block */
    gcm_case(z32, "000000000000000000000000", "00000000000000000000000000000000", "",
             "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919");
    /* test case 15 */
    gcm_case(k15, "cafebabefacedbaddecaf888", p15, "", c15, "b094dac5d93471bdec1a502270e3cc6c");
    /* test case 16: 60 bytes of case 15's plaintext, with AAD */
    memcpy(p16, p15, 120);
    p16[120] = '\0';
    memcpy(c16, c15, 120);
    c16[120] = '\0';
    gcm_case(k15, "cafebabefacedbaddecaf888", p16, "feedfacedeadbeeffeedfacedeadbeefabaddad2", c16,
             "76fc6ece0f4e1768cddf8853bb2d551b");
}

/* ---- HKDF ---- */

static void test_hkdf(void **state)
{
    uint8_t ikm[80], salt[80], info[80], okm[82];
    /* test case 1 */
    memset(ikm, 0x0b, 22);
    size_t sl = unhex("000102030405060708090a0b0c", salt, sizeof salt);
    size_t il = unhex("f0f1f2f3f4f5f6f7f8f9", info, sizeof info);
    assert_int_equal(suite_kdf(&suite_intl, ikm, 22, salt, sl, info, il, okm, 42), SEAL_OK);
    assert_hex(
        okm, 42,
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    /* test case 2: long inputs */
    for (int i = 0; i < 80; i++) {
        ikm[i] = (uint8_t)i;
        salt[i] = (uint8_t)(0x60 + i);
        info[i] = (uint8_t)(0xb0 + i);
    }
    assert_int_equal(suite_kdf(&suite_intl, ikm, 80, salt, 80, info, 80, okm, 82), SEAL_OK);
    assert_hex(okm, 82,
               "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
               "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
               "cc30c58179ec3e87c14c01d5c1f3434f1d87");
    /* test case 3: no salt, no info */
    memset(ikm, 0x0b, 22);
    assert_int_equal(suite_kdf(&suite_intl, ikm, 22, NULL, 0, "", 0, okm, 42), SEAL_OK);
    assert_hex(
        okm, 42,
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

/* ---- our constructions ---- */

/* The intl chunk, as WebCrypto computes it (see the file comment): stream
 * key = HKDF-SHA-256(IKM 00..1f, salt 20..3f, info "sunbid-envelope-v1
 * file" || 00000000), chunk 1 (last) of "sunbid chunk test". */
static void test_intl_chunk_webcrypto(void **state)
{
    uint8_t k[32], salt[32], info[27], key[32], out[64];
    struct suite_stream st;
    for (int i = 0; i < 32; i++) {
        k[i] = (uint8_t)i;
        salt[i] = (uint8_t)(0x20 + i);
    }
    memcpy(info, "sunbid-envelope-v1 file", 23);
    memset(info + 23, 0, 4);
    assert_int_equal(suite_kdf(&suite_intl, k, 32, salt, 32, info, 27, key, 32), SEAL_OK);
    assert_hex(key, 32, "1ba9ac991cedcb5f7428ac653181a55af3d533c9c39a555befd2e7a4ba7d2efc");
    assert_int_equal(suite_stream_init(&st, &suite_intl, key), SEAL_OK);
    assert_int_equal(suite_stream_seal(&st, 1, 1, (const uint8_t *)"sunbid chunk test", 17, out),
                     SEAL_OK);
    assert_hex(out, 33, "975bdf58ae5eb007543abff3aa28708a6eba1d202b3fcffa21228ee63208451116");
    assert_int_equal(suite_stream_open(&st, 1, 1, out, 33, out), SEAL_OK);
    assert_memory_equal(out, "sunbid chunk test", 17);
    /* the same bytes as another chunk number or without the last flag fail */
    assert_int_equal(suite_stream_seal(&st, 1, 1, (const uint8_t *)"sunbid chunk test", 17, out),
                     SEAL_OK);
    assert_int_equal(suite_stream_open(&st, 1, 0, out, 33, out), SEAL_EBADMAC);
    assert_int_equal(suite_stream_seal(&st, 1, 1, (const uint8_t *)"sunbid chunk test", 17, out),
                     SEAL_OK);
    assert_int_equal(suite_stream_open(&st, 2, 1, out, 33, out), SEAL_EBADMAC);
    suite_stream_release(&st);
}

static const char rk_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvzvbMHlrFUlmdjNL\n"
                             "LWrhdGTHq9uLyBp2RrlxgnC37wChRANCAARcCIeILKcq3Gep7pYDpDnpWI64IIHv\n"
                             "U7GQAWzPT/5f6CcOZe0lMRhcRlIPVmTMznlKRpF4K3R8LL2xbBdRPZk6\n"
                             "-----END PRIVATE KEY-----\n";

/* A key wrap made by WebCrypto (ephemeral ECDH P-256, HKDF, AES-GCM) to the
 * P-256 key above; the content key is 00..1f. */
static void test_intl_wrap_webcrypto(void **state)
{
    static const char wrap_hex[] =
        "04de9bd00e4cb8140d7c73871f14d9fd71fceb34562d5cb79d02eff5283beb8d895b5ace540789f8e3f9b02"
        "2dbe68cd52315a016b4c93405e6dcb2bcc814267fefb7a9bd996321fef57d838b566905c2f2db9d3aa83a858"
        "a6d15c3d834e58140a6cda77c81338bea1f9e6602a08ac6f7ae";
    uint8_t wrap[113], k[32], want[32];
    BIO *b = BIO_new_mem_buf(rk_pem, -1);
    EVP_PKEY *rk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    assert_non_null(rk);
    assert_int_equal(unhex(wrap_hex, wrap, sizeof wrap), 113);
    for (int i = 0; i < 32; i++)
        want[i] = (uint8_t)i;
    assert_int_equal(suite_unwrap(&suite_intl, rk, wrap, 113, k), SEAL_OK);
    assert_memory_equal(k, want, 32);
    /* every byte of the wrap matters */
    for (size_t i = 0; i < sizeof wrap; i++) {
        wrap[i] ^= 0x80;
        assert_int_equal(suite_unwrap(&suite_intl, rk, wrap, 113, k), SEAL_EBADWRAP);
        wrap[i] ^= 0x80;
    }
    assert_int_equal(suite_unwrap(&suite_intl, rk, wrap, 112, k), SEAL_EMALFORMED);
    /* and our own wrap round-trips */
    uint8_t w2[SUITE_MAX_WRAP];
    size_t wl = sizeof w2;
    assert_int_equal(suite_wrap(&suite_intl, rk, want, w2, &wl), SEAL_OK);
    assert_int_equal(wl, 113);
    assert_int_equal(suite_unwrap(&suite_intl, rk, w2, wl, k), SEAL_OK);
    assert_memory_equal(k, want, 32);
    EVP_PKEY_free(rk);
}

/* The gm chunk is SM4-CTR (IV = nonce || 0^32) then HMAC-SM3(nonce || ct):
 * computed here from the raw primitives and compared. */
static void test_gm_chunk_construction(void **state)
{
    uint8_t key[48], pt[100], out[200], want[200], iv[16], nonce[12], tag[32];
    struct suite_stream st;
    int len;
    size_t tl = 0;
    for (int i = 0; i < 48; i++)
        key[i] = (uint8_t)(0xa0 ^ i);
    for (int i = 0; i < 100; i++)
        pt[i] = (uint8_t)i;
    /* nonce of chunk 0x0102 (last): 00..00 01 02 | 01 */
    memset(nonce, 0, 12);
    nonce[9] = 1;
    nonce[10] = 2;
    nonce[11] = 1;
    memcpy(iv, nonce, 12);
    memset(iv + 12, 0, 4);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_EncryptInit_ex2(c, EVP_sm4_ctr(), key, iv, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(c, want, &len, pt, 100), 1);
    EVP_CIPHER_CTX_free(c);
    uint8_t macin[112];
    memcpy(macin, nonce, 12);
    memcpy(macin + 12, want, 100);
    assert_non_null(
        EVP_Q_mac(NULL, "HMAC", NULL, "SM3", NULL, key + 16, 32, macin, 112, tag, sizeof tag, &tl));
    assert_int_equal(tl, 32);
    memcpy(want + 100, tag, 32);

    assert_int_equal(suite_stream_init(&st, &suite_gm, key), SEAL_OK);
    assert_int_equal(suite_stream_seal(&st, 0x0102, 1, pt, 100, out), SEAL_OK);
    assert_memory_equal(out, want, 132);
    /* in place, and the MAC is checked before decrypting */
    assert_int_equal(suite_stream_open(&st, 0x0102, 1, out, 132, out), SEAL_OK);
    assert_memory_equal(out, pt, 100);
    memcpy(out, want, 132);
    out[131] ^= 1;
    assert_int_equal(suite_stream_open(&st, 0x0102, 1, out, 132, out), SEAL_EBADMAC);
    memcpy(out, want, 132);
    assert_int_equal(suite_stream_open(&st, 0x0102, 0, out, 132, out), SEAL_EBADMAC);
    assert_int_equal(suite_stream_open(&st, 0x0103, 1, want, 132, out), SEAL_EBADMAC);
    assert_int_equal(suite_stream_open(&st, 0x0102, 1, want, 40, out), SEAL_EBADMAC);
    assert_int_equal(suite_stream_open(&st, 0x0102, 1, want, 31, out), SEAL_EMALFORMED);
    /* a second full chunk after a partial one: the counter restarts per chunk */
    uint8_t big[65536 + 32], ref[65536];
    memset(big, 0x5a, 65536);
    assert_int_equal(suite_stream_seal(&st, 7, 0, big, 65536, big), SEAL_OK);
    memset(iv, 0, 16);
    iv[10] = 7;
    c = EVP_CIPHER_CTX_new();
    memset(ref, 0x5a, sizeof ref);
    assert_int_equal(EVP_EncryptInit_ex2(c, EVP_sm4_ctr(), key, iv, NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(c, ref, &len, ref, 65536), 1);
    EVP_CIPHER_CTX_free(c);
    assert_memory_equal(big, ref, 65536);
    suite_stream_release(&st);
}

static void test_sm2_wrap_and_keys(void **state)
{
    EVP_PKEY *sm2 = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    uint8_t k[32], k2[32], w[SUITE_MAX_WRAP], id1[32], id2[32];
    size_t wl = sizeof w;
    for (int i = 0; i < 32; i++)
        k[i] = (uint8_t)(i * 7);
    assert_int_equal(suite_key_check(&suite_gm, sm2), SEAL_OK);
    assert_int_equal(suite_key_check(&suite_gm, p256), SEAL_EKEYTYPE);
    assert_int_equal(suite_key_check(&suite_intl, p256), SEAL_OK);
    assert_int_equal(suite_key_check(&suite_intl, sm2), SEAL_EKEYTYPE);
    assert_int_equal(suite_key_check(&suite_intl, p384), SEAL_EKEYTYPE);
    assert_int_equal(suite_wrap(&suite_gm, sm2, k, w, &wl), SEAL_OK);
    assert_true(wl >= suite_gm.wrap_min && wl <= suite_gm.wrap_max);
    assert_int_equal(suite_unwrap(&suite_gm, sm2, w, wl, k2), SEAL_OK);
    assert_memory_equal(k, k2, 32);
    for (size_t i = 0; i < wl; i++) {
        w[i] ^= 0x04;
        assert_int_not_equal(suite_unwrap(&suite_gm, sm2, w, wl, k2), SEAL_OK);
        w[i] ^= 0x04;
    }
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    assert_int_equal(suite_unwrap(&suite_gm, other, w, wl, k2), SEAL_EBADWRAP);
    assert_int_equal(suite_wrap(&suite_gm, p256, k, w, &wl), SEAL_EKEYTYPE);
    /* key ids: SHA-256 of the SPKI, different per key */
    assert_int_equal(suite_key_id(sm2, id1), SEAL_OK);
    assert_int_equal(suite_key_id(other, id2), SEAL_OK);
    assert_memory_not_equal(id1, id2, 32);
    EVP_PKEY_free(other);
    EVP_PKEY_free(sm2);
    EVP_PKEY_free(p256);
    EVP_PKEY_free(p384);
}

static void test_error_codes(void **state)
{
    assert_string_equal(seal_err_code(SEAL_EBADMAC), "bad_mac");
    assert_string_equal(seal_err_code(SEAL_EBADSIG), "bad_signature");
    assert_string_equal(seal_err_code(SEAL__COUNT), "unknown");
    /* all codes distinct */
    for (int i = 0; i < SEAL__COUNT; i++)
        for (int j = i + 1; j < SEAL__COUNT; j++)
            assert_string_not_equal(seal_err_code(i), seal_err_code(j));
    struct seal_error e;
    assert_int_equal(seal_fail(&e, SEAL_EBADMAC, "file %d", 2), SEAL_EBADMAC);
    assert_string_equal(e.msg, "bad_mac: file 2");
    assert_ptr_equal(suite_by_name("gm"), &suite_gm);
    assert_ptr_equal(suite_by_id(2), &suite_intl);
    assert_null(suite_by_name("rsa"));
    assert_null(suite_by_id(3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm3),
        cmocka_unit_test(test_sm4),
        cmocka_unit_test(test_sm2_curve),
        cmocka_unit_test(test_sm2_signature_example),
        cmocka_unit_test(test_sm2_decrypt_example),
        cmocka_unit_test(test_aes_gcm),
        cmocka_unit_test(test_hkdf),
        cmocka_unit_test(test_intl_chunk_webcrypto),
        cmocka_unit_test(test_intl_wrap_webcrypto),
        cmocka_unit_test(test_gm_chunk_construction),
        cmocka_unit_test(test_sm2_wrap_and_keys),
        cmocka_unit_test(test_error_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
