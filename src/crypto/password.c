/*
 * password.c — scrypt password hashes (see password.h). The KDF comes from
 * OpenSSL 3's EVP_KDF "SCRYPT"; we only format, parse and compare.
 */
#include "crypto/password.h"

#include <ctype.h>
#include <stdatomic.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "base/base64.h"
#include "crypto/random.h"

#define SALT_LEN 16
#define KEY_LEN  32

static atomic_int cost_ln = 15;

void password_set_cost(int ln)
{
    if (ln >= 10 && ln <= 20)
        atomic_store(&cost_ln, ln);
}

static int scrypt(const char *pw, const unsigned char *salt, size_t saltlen, int ln, int r, int p,
                  unsigned char *key, size_t keylen)
{
    int rc = -1;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *ctx = NULL;
    uint64_t n = (uint64_t)1 << ln;
    uint32_t rr = (uint32_t)r, pp = (uint32_t)p;
    /* N * r * 128 bytes of memory, plus slack. */
    uint64_t maxmem = n * (uint64_t)r * 128u * 2u + (1u << 20);
    OSSL_PARAM params[7];
    if (kdf == NULL)
        goto out;
    ctx = EVP_KDF_CTX_new(kdf);
    if (ctx == NULL)
        goto out;
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)(uintptr_t)pw,
                                                  strlen(pw));
    params[1] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)salt, saltlen);
    params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
    params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &rr);
    params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &pp);
    params[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
    params[6] = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(ctx, key, keylen, params) != 1)
        goto out;
    rc = 0;
out:
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return rc;
}

int password_hash(const char *pw, char out[PASSWORD_HASH_MAX])
{
    unsigned char salt[SALT_LEN], key[KEY_LEN];
    char salt_b64[B64_LEN(SALT_LEN)], key_b64[B64_LEN(KEY_LEN)];
    int ln = atomic_load(&cost_ln);
    crypto_random(salt, sizeof(salt));
    if (scrypt(pw, salt, sizeof(salt), ln, 8, 1, key, sizeof(key)) != 0)
        return -1;
    b64_encode(salt, sizeof(salt), salt_b64);
    b64_encode(key, sizeof(key), key_b64);
    /* Unpadded standard base64 (PHC string format). */
    salt_b64[strcspn(salt_b64, "=")] = '\0';
    key_b64[strcspn(key_b64, "=")] = '\0';
    OPENSSL_cleanse(key, sizeof(key));
    int n = snprintf(out, PASSWORD_HASH_MAX, "$scrypt$ln=%d,r=8,p=1$%s$%s", ln, salt_b64, key_b64);
    return (n > 0 && n < PASSWORD_HASH_MAX) ? 0 : -1;
}

/* Parses "$scrypt$ln=L,r=R,p=P$SALT$KEY". Returns 0 on success. */
static int parse(const char *stored, int *ln, int *r, int *p, unsigned char *salt, size_t *saltlen,
                 unsigned char *key, size_t *keylen)
{
    const char *s = stored;
    char *end;
    if (strncmp(s, "$scrypt$ln=", 11) != 0)
        return -1;
    s += 11;
    long v = strtol(s, &end, 10);
    if (end == s || v < 1 || v > 24 || strncmp(end, ",r=", 3) != 0)
        return -1;
    *ln = (int)v;
    s = end + 3;
    v = strtol(s, &end, 10);
    if (end == s || v < 1 || v > 32 || strncmp(end, ",p=", 3) != 0)
        return -1;
    *r = (int)v;
    s = end + 3;
    v = strtol(s, &end, 10);
    if (end == s || v < 1 || v > 16 || *end != '$')
        return -1;
    *p = (int)v;
    s = end + 1;
    const char *dollar = strchr(s, '$');
    if (dollar == NULL)
        return -1;
    long n = b64_decode(s, (size_t)(dollar - s), salt, SALT_LEN * 2, 0);
    if (n < 8)
        return -1;
    *saltlen = (size_t)n;
    s = dollar + 1;
    n = b64_decode(s, strlen(s), key, KEY_LEN * 2, 0);
    if (n < 16)
        return -1;
    *keylen = (size_t)n;
    return 0;
}

bool password_verify(const char *pw, const char *stored)
{
    unsigned char salt[SALT_LEN * 2], want[KEY_LEN * 2], got[KEY_LEN * 2];
    size_t saltlen, keylen;
    int ln, r, p;
    bool ok;
    if (pw == NULL || stored == NULL)
        return false;
    if (parse(stored, &ln, &r, &p, salt, &saltlen, want, &keylen) != 0)
        return false;
    if (scrypt(pw, salt, saltlen, ln, r, p, got, keylen) != 0)
        return false;
    ok = CRYPTO_memcmp(got, want, keylen) == 0;
    OPENSSL_cleanse(got, sizeof(got));
    return ok;
}

bool password_needs_rehash(const char *stored)
{
    unsigned char salt[SALT_LEN * 2], key[KEY_LEN * 2];
    size_t saltlen, keylen;
    int ln, r, p;
    if (parse(stored, &ln, &r, &p, salt, &saltlen, key, &keylen) != 0)
        return true;
    return ln < atomic_load(&cost_ln) || r < 8;
}

const char *password_weakness(const char *pw)
{
    size_t n = strlen(pw);
    int classes = 0, lower = 0, upper = 0, digit = 0, other = 0;
    if (n < 8)
        return "at least 8 characters";
    if (n > 256)
        return "at most 256 bytes";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)pw[i];
        if (islower(c))
            lower = 1;
        else if (isupper(c))
            upper = 1;
        else if (isdigit(c))
            digit = 1;
        else
            other = 1;
    }
    classes = lower + upper + digit + other;
    if (classes < 2)
        return "mix at least two kinds of characters (letters, digits, symbols)";
    return NULL;
}
