/*
 * suite_gm.c — the gm suite's chunk cipher and key wrap (see suite.h).
 *
 * Chunk: SM4-CTR then HMAC-SM3, encrypt-then-MAC. OpenSSL 3.0 has no
 * SM4-GCM, and CTR + HMAC is the combination GB/T 36624 (and TLCP's
 * CBC+HMAC suites) make from the same parts. The MAC covers the 12-byte
 * nonce, which carries the chunk counter and the last-chunk flag, so a
 * chunk cannot be moved or a stream cut short without the MAC noticing. It
 * is checked, constant-time, before a byte is decrypted.
 *
 * Wrap: SM2 public-key encryption (GM/T 0003.4) of the 32-byte content key,
 * in the DER form OpenSSL writes and reads (GM/T 0009 SM2Cipher: x, y, the
 * SM3 hash C3, the ciphertext C2). Decryption checks C3, so a changed byte
 * of a wrap fails as SEAL_EBADWRAP.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "crypto/suite_internal.h"

/* SM4-CTR over n bytes with the chunk's counter block (nonce || 0^32). */
static int gm_ctr(struct suite_stream *st, const uint8_t nonce[SUITE_NONCE_LEN], const uint8_t *in,
                  size_t n, uint8_t *out)
{
    const struct suite_algs *a = suite_algs();
    uint8_t iv[16];
    int len = 0;
    if (a == NULL || n > (size_t)1 << 30)
        return SEAL_ECRYPTO;
    memcpy(iv, nonce, SUITE_NONCE_LEN);
    memset(iv + SUITE_NONCE_LEN, 0, 4);
    if (EVP_EncryptInit_ex2(st->cipher, a->sm4_ctr, st->key, iv, NULL) != 1)
        return SEAL_ECRYPTO;
    if (n > 0 && (EVP_EncryptUpdate(st->cipher, out, &len, in, (int)n) != 1 || (size_t)len != n))
        return SEAL_ECRYPTO;
    return SEAL_OK;
}

/* HMAC-SM3(mac key, nonce || ct) into tag (32 bytes). */
static int gm_mac(struct suite_stream *st, const uint8_t nonce[SUITE_NONCE_LEN], const uint8_t *ct,
                  size_t n, uint8_t tag[32])
{
    size_t len = 0;
    if (EVP_MAC_init(st->mac, st->key + 16, 32, NULL) != 1 ||
        EVP_MAC_update(st->mac, nonce, SUITE_NONCE_LEN) != 1 ||
        EVP_MAC_update(st->mac, ct, n) != 1 || EVP_MAC_final(st->mac, tag, &len, 32) != 1 ||
        len != 32)
        return SEAL_ECRYPTO;
    return SEAL_OK;
}

int suite_gm_stream_seal(struct suite_stream *st, const uint8_t nonce[SUITE_NONCE_LEN],
                         const uint8_t *in, size_t n, uint8_t *out)
{
    int rc = gm_ctr(st, nonce, in, n, out);
    if (rc != SEAL_OK)
        return rc;
    return gm_mac(st, nonce, out, n, out + n);
}

int suite_gm_stream_open(struct suite_stream *st, const uint8_t nonce[SUITE_NONCE_LEN],
                         const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t tag[32];
    size_t ct = n - 32;
    int rc = gm_mac(st, nonce, in, ct, tag);
    if (rc != SEAL_OK)
        return rc;
    if (CRYPTO_memcmp(tag, in + ct, 32) != 0)
        return SEAL_EBADMAC;
    return gm_ctr(st, nonce, in, ct, out);
}

int suite_gm_wrap(EVP_PKEY *recipient, const uint8_t key[SUITE_KEY_LEN], uint8_t *out, size_t *len)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, recipient, NULL);
    uint8_t tmp[256];
    size_t tl = sizeof tmp;
    int rc = SEAL_ECRYPTO;
    if (c == NULL || EVP_PKEY_encrypt_init(c) != 1 ||
        EVP_PKEY_encrypt(c, tmp, &tl, key, SUITE_KEY_LEN) != 1)
        goto out;
    if (tl < suite_gm.wrap_min || tl > suite_gm.wrap_max || tl > *len)
        goto out;
    memcpy(out, tmp, tl);
    *len = tl;
    rc = SEAL_OK;
out:
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return rc;
}

int suite_gm_unwrap(EVP_PKEY *priv, const uint8_t *wrap, size_t len, uint8_t key[SUITE_KEY_LEN])
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
    uint8_t tmp[256];
    size_t tl = sizeof tmp;
    int rc = SEAL_ECRYPTO;
    if (c == NULL || EVP_PKEY_decrypt_init(c) != 1)
        goto out;
    if (EVP_PKEY_decrypt(c, tmp, &tl, wrap, len) != 1 || tl != SUITE_KEY_LEN) {
        rc = SEAL_EBADWRAP;
        goto out;
    }
    memcpy(key, tmp, SUITE_KEY_LEN);
    rc = SEAL_OK;
out:
    OPENSSL_cleanse(tmp, sizeof tmp);
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return rc;
}
