/*
 * suite_intl.c — the intl suite's chunk cipher and key wrap (see suite.h).
 *
 * Everything here is chosen so a browser can do it with WebCrypto alone:
 *
 *   chunk    crypto.subtle.encrypt({name: "AES-GCM", iv: nonce}, fileKey, pt)
 *            (WebCrypto appends the 16-byte tag, as we do)
 *   wrap     e = generateKey({name: "ECDH", namedCurve: "P-256"})
 *            Z = deriveBits({name: "ECDH", public: R}, e.privateKey, 256)
 *            kek = deriveKey({name: "HKDF", hash: "SHA-256",
 *                             salt: rawE || rawR, info: "sunbid-envelope-v1 intl wrap"},
 *                            importKey("raw", Z, "HKDF"), {name: "AES-GCM", length: 256})
 *            rawE || encrypt({name: "AES-GCM", iv: 12 zero bytes}, kek, contentKey)
 *   (rawE, rawR: exportKey("raw"), the 65-byte uncompressed points.)
 *
 * The ephemeral key is fresh per wrap, so the KEK is used once and the zero
 * nonce is safe. The salt binds the wrap to both public keys, as HPKE's key
 * schedule does. An ephemeral point that is not on the curve is refused
 * when it is imported (SEAL_EBADWRAP).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "crypto/suite_internal.h"

static const char wrap_info[] = "sunbid-envelope-v1 intl wrap";

#define POINT_LEN 65

/* AES-256-GCM with a 12-byte nonce, no AAD; out gets n bytes (+ the tag on
 * sealing). Opening returns SEAL_EBADMAC when the tag does not verify. */
static int gcm(EVP_CIPHER_CTX *c, int enc, const uint8_t *key, const uint8_t nonce[12],
               const uint8_t *in, size_t n, uint8_t *out, uint8_t tag[16])
{
    const struct suite_algs *a = suite_algs();
    int len = 0;
    if (a == NULL || n > (size_t)1 << 30)
        return SEAL_ECRYPTO;
    if (EVP_CipherInit_ex2(c, a->aes_gcm, key, nonce, enc, NULL) != 1)
        return SEAL_ECRYPTO;
    if (n > 0 && (EVP_CipherUpdate(c, out, &len, in, (int)n) != 1 || (size_t)len != n))
        return SEAL_ECRYPTO;
    if (enc) {
        if (EVP_CipherFinal_ex(c, out + n, &len) != 1 ||
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
            return SEAL_ECRYPTO;
        return SEAL_OK;
    }
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1)
        return SEAL_ECRYPTO;
    /* OpenSSL compares the tag with CRYPTO_memcmp. */
    if (EVP_CipherFinal_ex(c, out + n, &len) != 1) {
        ERR_clear_error();
        return SEAL_EBADMAC;
    }
    return SEAL_OK;
}

int suite_intl_stream_seal(struct suite_stream *st, const uint8_t nonce[SUITE_NONCE_LEN],
                           const uint8_t *in, size_t n, uint8_t *out)
{
    return gcm(st->cipher, 1, st->key, nonce, in, n, out, out + n);
}

int suite_intl_stream_open(struct suite_stream *st, const uint8_t nonce[SUITE_NONCE_LEN],
                           const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t tag[16];
    size_t ct = n - 16;
    memcpy(tag, in + ct, 16); /* in may be out */
    return gcm(st->cipher, 0, st->key, nonce, in, ct, out, tag);
}

/* The uncompressed point of an EC key (65 bytes). */
static int point_of(EVP_PKEY *k, uint8_t out[POINT_LEN])
{
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, POINT_LEN,
                                        &len) != 1 ||
        len != POINT_LEN || out[0] != 0x04)
        return SEAL_ECRYPTO;
    return SEAL_OK;
}

/* A P-256 public key from an uncompressed point; NULL if not on the curve. */
static EVP_PKEY *point_key(const uint8_t p[POINT_LEN])
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *k = NULL;
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
    params[1] =
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)p, POINT_LEN);
    params[2] = OSSL_PARAM_construct_end();
    if (c == NULL || EVP_PKEY_fromdata_init(c) != 1 ||
        EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
        k = NULL;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return k;
}

/* Z = ECDH(priv, peer) (x-coordinate, 32 bytes). */
static int ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t z[32])
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
    size_t len = 32;
    int rc = SEAL_ECRYPTO;
    if (c != NULL && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, peer) == 1 &&
        EVP_PKEY_derive(c, z, &len) == 1 && len == 32)
        rc = SEAL_OK;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return rc;
}

/* KEK = HKDF-SHA-256(Z, salt E || R, info). */
static int kek_of(const uint8_t z[32], const uint8_t e[POINT_LEN], const uint8_t r[POINT_LEN],
                  uint8_t kek[32])
{
    uint8_t salt[2 * POINT_LEN];
    memcpy(salt, e, POINT_LEN);
    memcpy(salt + POINT_LEN, r, POINT_LEN);
    return suite_kdf(&suite_intl, z, 32, salt, sizeof salt, wrap_info, sizeof wrap_info - 1, kek,
                     32);
}

int suite_intl_wrap(EVP_PKEY *recipient, const uint8_t key[SUITE_KEY_LEN], uint8_t *out,
                    size_t *len)
{
    EVP_PKEY *eph = NULL;
    EVP_CIPHER_CTX *c = NULL;
    uint8_t e[POINT_LEN], r[POINT_LEN], z[32], kek[32], nonce[12] = {0};
    int rc = SEAL_ECRYPTO;

    if (*len < POINT_LEN + SUITE_KEY_LEN + 16)
        return SEAL_ECRYPTO;
    eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    c = EVP_CIPHER_CTX_new();
    if (eph == NULL || c == NULL || point_of(eph, e) != SEAL_OK ||
        point_of(recipient, r) != SEAL_OK || ecdh(eph, recipient, z) != SEAL_OK ||
        kek_of(z, e, r, kek) != SEAL_OK)
        goto out;
    memcpy(out, e, POINT_LEN);
    rc =
        gcm(c, 1, kek, nonce, key, SUITE_KEY_LEN, out + POINT_LEN, out + POINT_LEN + SUITE_KEY_LEN);
    if (rc == SEAL_OK)
        *len = POINT_LEN + SUITE_KEY_LEN + 16;
out:
    OPENSSL_cleanse(z, sizeof z);
    OPENSSL_cleanse(kek, sizeof kek);
    EVP_PKEY_free(eph);
    EVP_CIPHER_CTX_free(c);
    ERR_clear_error();
    return rc;
}

int suite_intl_unwrap(EVP_PKEY *priv, const uint8_t *wrap, size_t len, uint8_t key[SUITE_KEY_LEN])
{
    EVP_PKEY *eph = NULL;
    EVP_CIPHER_CTX *c = NULL;
    uint8_t r[POINT_LEN], z[32], kek[32], nonce[12] = {0}, tag[16], tmp[SUITE_KEY_LEN];
    int rc = SEAL_ECRYPTO;

    if (len != POINT_LEN + SUITE_KEY_LEN + 16)
        return SEAL_EMALFORMED;
    if (wrap[0] != 0x04)
        return SEAL_EBADWRAP;
    eph = point_key(wrap);
    if (eph == NULL)
        return SEAL_EBADWRAP;
    c = EVP_CIPHER_CTX_new();
    if (c == NULL || point_of(priv, r) != SEAL_OK || ecdh(priv, eph, z) != SEAL_OK ||
        kek_of(z, wrap, r, kek) != SEAL_OK)
        goto out;
    memcpy(tag, wrap + POINT_LEN + SUITE_KEY_LEN, 16);
    rc = gcm(c, 0, kek, nonce, wrap + POINT_LEN, SUITE_KEY_LEN, tmp, tag);
    if (rc == SEAL_EBADMAC)
        rc = SEAL_EBADWRAP;
    if (rc == SEAL_OK)
        memcpy(key, tmp, SUITE_KEY_LEN);
out:
    OPENSSL_cleanse(z, sizeof z);
    OPENSSL_cleanse(kek, sizeof kek);
    OPENSSL_cleanse(tmp, sizeof tmp);
    EVP_PKEY_free(eph);
    EVP_CIPHER_CTX_free(c);
    ERR_clear_error();
    return rc;
}
