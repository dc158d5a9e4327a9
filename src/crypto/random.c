/*
 * random.c — CSPRNG tokens and SHA-256 via OpenSSL 3 (see random.h).
 */
#include "crypto/random.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/base64.h"
#include "base/log.h"

void crypto_random(void *out, size_t n)
{
    if (RAND_bytes(out, (int)n) != 1)
        BUG("RAND_bytes failed");
}

void crypto_random_token(size_t n, char *out)
{
    unsigned char raw[64];
    if (n > sizeof(raw))
        BUG("token too long: %zu", n);
    crypto_random(raw, n);
    b64url_encode(raw, n, out);
    OPENSSL_cleanse(raw, sizeof(raw));
}

void crypto_sha256(const void *data, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    if (EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) != 1)
        BUG("EVP_Digest(sha256) failed");
}

void crypto_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[32];
    crypto_sha256(data, n, md);
    hex_encode(md, 32, out);
}

int crypto_streq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}
