/*
 * random.h — secrets from OpenSSL's CSPRNG, and SHA-256 helpers.
 * Thread-safe. A failure of the CSPRNG is fatal (BUG): there is no safe
 * fallback for a token generator.
 */
#ifndef SUNBID_CRYPTO_RANDOM_H
#define SUNBID_CRYPTO_RANDOM_H

#include <stddef.h>

void crypto_random(void *out, size_t n);
/* A token of n random bytes as unpadded base64url into out (B64URL_LEN(n)). */
void crypto_random_token(size_t n, char *out);
/* SHA-256 of data as 64 lower-case hex chars + NUL. */
void crypto_sha256_hex(const void *data, size_t n, char out[65]);
void crypto_sha256(const void *data, size_t n, unsigned char out[32]);
/* Constant-time comparison of two strings; 1 when equal (lengths too). */
int crypto_streq(const char *a, const char *b);

#endif
