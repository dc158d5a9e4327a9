/*
 * suite_internal.h — what suite.c shares with suite_gm.c and suite_intl.c:
 * the algorithms fetched once, and each suite's chunk cipher and key wrap.
 * Not for use outside src/crypto/.
 */
#ifndef SUNBID_CRYPTO_SUITE_INTERNAL_H
#define SUNBID_CRYPTO_SUITE_INTERNAL_H

#include "crypto/suite.h"

/* Fetched once (pthread_once) and kept for the life of the process. */
struct suite_algs {
    EVP_MD *sm3, *sha256;
    EVP_CIPHER *sm4_ctr, *aes_gcm;
    EVP_MAC *hmac;
    EVP_KDF *hkdf;
};
/* NULL when OpenSSL lacks one of them (then every suite call fails). */
const struct suite_algs *suite_algs(void);
const EVP_MD *suite_md(const struct suite *s);

/* The chunk nonce: counter as 11 bytes big-endian, then the last flag. */
void suite_nonce(uint64_t counter, int last, uint8_t nonce[SUITE_NONCE_LEN]);

int suite_gm_stream_seal(struct suite_stream *st, const uint8_t nonce[SUITE_NONCE_LEN],
                         const uint8_t *in, size_t n, uint8_t *out);
int suite_gm_stream_open(struct suite_stream *st, const uint8_t nonce[SUITE_NONCE_LEN],
                         const uint8_t *in, size_t n, uint8_t *out);
int suite_gm_wrap(EVP_PKEY *recipient, const uint8_t key[SUITE_KEY_LEN], uint8_t *out, size_t *len);
int suite_gm_unwrap(EVP_PKEY *priv, const uint8_t *wrap, size_t len, uint8_t key[SUITE_KEY_LEN]);

int suite_intl_stream_seal(struct suite_stream *st, const uint8_t nonce[SUITE_NONCE_LEN],
                           const uint8_t *in, size_t n, uint8_t *out);
int suite_intl_stream_open(struct suite_stream *st, const uint8_t nonce[SUITE_NONCE_LEN],
                           const uint8_t *in, size_t n, uint8_t *out);
int suite_intl_wrap(EVP_PKEY *recipient, const uint8_t key[SUITE_KEY_LEN], uint8_t *out,
                    size_t *len);
int suite_intl_unwrap(EVP_PKEY *priv, const uint8_t *wrap, size_t len, uint8_t key[SUITE_KEY_LEN]);

#endif
