/*
 * suite.c — what the two suites share (see suite.h): the error table, the
 * hash and HKDF with the suite's digest, the chunk-cipher dispatch, key
 * checks and ids, signatures, and loading keys and certificates. The
 * suite-specific chunk ciphers and key wraps are in suite_gm.c and
 * suite_intl.c.
 *
 * OpenSSL's algorithm objects are fetched once (pthread_once) and kept, so
 * the per-chunk path does no name look-ups. Thread-safe.
 */
#include "crypto/suite.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/suite_internal.h"

/* ---- errors ---- */

static const char *const err_codes[] = {
#define SEAL_ERR_CODE(name, code, msg) code,
    SEAL_ERRORS(SEAL_ERR_CODE)
#undef SEAL_ERR_CODE
};
static const char *const err_msgs[] = {
#define SEAL_ERR_MSG(name, code, msg) msg,
    SEAL_ERRORS(SEAL_ERR_MSG)
#undef SEAL_ERR_MSG
};

const char *seal_err_code(int e)
{
    return e >= 0 && e < SEAL__COUNT ? err_codes[e] : "unknown";
}

const char *seal_err_message(int e)
{
    return e >= 0 && e < SEAL__COUNT ? err_msgs[e] : "unknown error";
}

int seal_fail(struct seal_error *e, int code, const char *fmt, ...)
{
    if (e == NULL)
        return code;
    e->code = code;
    int n = snprintf(e->msg, sizeof e->msg, "%s: ", seal_err_code(code));
    if (n < 0 || (size_t)n >= sizeof e->msg)
        return code;
    if (fmt == NULL || fmt[0] == '\0') {
        snprintf(e->msg + n, sizeof e->msg - (size_t)n, "%s", seal_err_message(code));
    } else {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg + n, sizeof e->msg - (size_t)n, fmt, ap);
        va_end(ap);
    }
    ERR_clear_error();
    return code;
}

/* ---- suites and algorithms ---- */

const struct suite suite_gm = {
    .id = SUITE_GM,
    .name = "gm",
    .md_name = "SM3",
    .key_alg = "SM2",
    .tag_len = 32,
    .stream_key_len = 48,
    .wrap_min = 100,
    .wrap_max = 160,
};

const struct suite suite_intl = {
    .id = SUITE_INTL,
    .name = "intl",
    .md_name = "SHA256",
    .key_alg = "P-256",
    .tag_len = 16,
    .stream_key_len = 32,
    .wrap_min = 113,
    .wrap_max = 113,
};

const struct suite *suite_by_id(int id)
{
    return id == SUITE_GM ? &suite_gm : id == SUITE_INTL ? &suite_intl : NULL;
}

const struct suite *suite_by_name(const char *name)
{
    if (name == NULL)
        return NULL;
    if (strcmp(name, "gm") == 0)
        return &suite_gm;
    if (strcmp(name, "intl") == 0)
        return &suite_intl;
    return NULL;
}

static pthread_once_t algs_once = PTHREAD_ONCE_INIT;
static struct suite_algs algs;
static int algs_ok;

static void algs_fetch(void)
{
    algs.sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
    algs.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    algs.sm4_ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
    algs.aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    algs.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    algs.hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    algs_ok = algs.sm3 && algs.sha256 && algs.sm4_ctr && algs.aes_gcm && algs.hmac && algs.hkdf;
}

const struct suite_algs *suite_algs(void)
{
    pthread_once(&algs_once, algs_fetch);
    return algs_ok ? &algs : NULL;
}

const EVP_MD *suite_md(const struct suite *s)
{
    const struct suite_algs *a = suite_algs();
    if (a == NULL)
        return NULL;
    return s->id == SUITE_GM ? a->sm3 : a->sha256;
}

/* ---- hashing ---- */

int suite_hash_begin(const struct suite *s, struct suite_hash *h)
{
    const EVP_MD *md = suite_md(s);
    h->ctx = EVP_MD_CTX_new();
    if (md == NULL || h->ctx == NULL || EVP_DigestInit_ex2(h->ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(h->ctx);
        h->ctx = NULL;
        return SEAL_ECRYPTO;
    }
    return SEAL_OK;
}

int suite_hash_update(struct suite_hash *h, const void *p, size_t n)
{
    return EVP_DigestUpdate(h->ctx, p, n) == 1 ? SEAL_OK : SEAL_ECRYPTO;
}

int suite_hash_end(struct suite_hash *h, uint8_t out[SUITE_HASH_LEN])
{
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != SUITE_HASH_LEN)
        return SEAL_ECRYPTO;
    return EVP_DigestInit_ex2(h->ctx, NULL, NULL) == 1 ? SEAL_OK : SEAL_ECRYPTO;
}

void suite_hash_release(struct suite_hash *h)
{
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

int suite_hash(const struct suite *s, const void *p, size_t n, uint8_t out[SUITE_HASH_LEN])
{
    const EVP_MD *md = suite_md(s);
    unsigned int len = 0;
    if (md == NULL || EVP_Digest(p, n, out, &len, md, NULL) != 1 || len != SUITE_HASH_LEN)
        return SEAL_ECRYPTO;
    return SEAL_OK;
}

void suite_sha256(const void *p, size_t n, uint8_t out[32])
{
    unsigned int len = 32;
    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1)
        memset(out, 0, 32); /* cannot happen with the default provider */
}

int suite_kdf(const struct suite *s, const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
              size_t salt_len, const void *info, size_t info_len, uint8_t *out, size_t out_len)
{
    const struct suite_algs *a = suite_algs();
    EVP_KDF_CTX *k;
    OSSL_PARAM p[5], *q = p;
    int rc = SEAL_ECRYPTO;

    if (a == NULL)
        return SEAL_ECRYPTO;
    k = EVP_KDF_CTX_new(a->hkdf);
    if (k == NULL)
        return SEAL_ECRYPTO;
    *q++ =
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)(uintptr_t)s->md_name, 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)ikm, ikm_len);
    /* An empty salt means "HashLen zero bytes" (RFC 5869 2.2), which is
     * what OpenSSL does when no salt is given. */
    if (salt_len > 0)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)salt,
                                                 salt_len);
    *q++ =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(uintptr_t)info, info_len);
    *q = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(k, out, out_len, p) == 1)
        rc = SEAL_OK;
    EVP_KDF_CTX_free(k);
    return rc;
}

/* ---- chunk cipher ---- */

void suite_nonce(uint64_t counter, int last, uint8_t nonce[SUITE_NONCE_LEN])
{
    memset(nonce, 0, SUITE_NONCE_LEN);
    for (int i = 0; i < 8; i++)
        nonce[10 - i] = (uint8_t)(counter >> (8 * i));
    nonce[11] = last ? 1 : 0;
}

int suite_stream_init(struct suite_stream *st, const struct suite *s, const uint8_t *key)
{
    const struct suite_algs *a = suite_algs();
    memset(st, 0, sizeof *st);
    st->s = s;
    if (a == NULL)
        return SEAL_ECRYPTO;
    memcpy(st->key, key, s->stream_key_len);
    st->cipher = EVP_CIPHER_CTX_new();
    if (st->cipher == NULL)
        goto fail;
    if (s->id == SUITE_GM) {
        OSSL_PARAM p[2];
        p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SM3", 0);
        p[1] = OSSL_PARAM_construct_end();
        st->mac = EVP_MAC_CTX_new(a->hmac);
        if (st->mac == NULL || EVP_MAC_CTX_set_params(st->mac, p) != 1)
            goto fail;
    }
    return SEAL_OK;
fail:
    suite_stream_release(st);
    return SEAL_ECRYPTO;
}

int suite_stream_seal(struct suite_stream *st, uint64_t counter, int last, const uint8_t *in,
                      size_t n, uint8_t *out)
{
    uint8_t nonce[SUITE_NONCE_LEN];
    suite_nonce(counter, last, nonce);
    if (st->s->id == SUITE_GM)
        return suite_gm_stream_seal(st, nonce, in, n, out);
    return suite_intl_stream_seal(st, nonce, in, n, out);
}

int suite_stream_open(struct suite_stream *st, uint64_t counter, int last, const uint8_t *in,
                      size_t n, uint8_t *out)
{
    uint8_t nonce[SUITE_NONCE_LEN];
    if (n < st->s->tag_len)
        return SEAL_EMALFORMED;
    suite_nonce(counter, last, nonce);
    if (st->s->id == SUITE_GM)
        return suite_gm_stream_open(st, nonce, in, n, out);
    return suite_intl_stream_open(st, nonce, in, n, out);
}

void suite_stream_release(struct suite_stream *st)
{
    OPENSSL_cleanse(st->key, sizeof st->key);
    EVP_CIPHER_CTX_free(st->cipher);
    EVP_MAC_CTX_free(st->mac);
    st->cipher = NULL;
    st->mac = NULL;
}

/* ---- keys ---- */

int suite_key_check(const struct suite *s, EVP_PKEY *k)
{
    if (k == NULL)
        return SEAL_EKEYTYPE;
    if (s->id == SUITE_GM)
        return EVP_PKEY_is_a(k, "SM2") ? SEAL_OK : SEAL_EKEYTYPE;
    char group[64];
    size_t glen = 0;
    if (!EVP_PKEY_is_a(k, "EC") ||
        EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) !=
            1) {
        ERR_clear_error();
        return SEAL_EKEYTYPE;
    }
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0 ? SEAL_OK
                                                                           : SEAL_EKEYTYPE;
}

int suite_key_id(EVP_PKEY *k, uint8_t id[32])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);
    if (n <= 0)
        return SEAL_ECRYPTO;
    suite_sha256(der, (size_t)n, id);
    OPENSSL_free(der);
    return SEAL_OK;
}

int suite_wrap(const struct suite *s, EVP_PKEY *recipient, const uint8_t key[SUITE_KEY_LEN],
               uint8_t *out, size_t *len)
{
    if (suite_key_check(s, recipient) != SEAL_OK)
        return SEAL_EKEYTYPE;
    if (s->id == SUITE_GM)
        return suite_gm_wrap(recipient, key, out, len);
    return suite_intl_wrap(recipient, key, out, len);
}

int suite_unwrap(const struct suite *s, EVP_PKEY *priv, const uint8_t *wrap, size_t len,
                 uint8_t key[SUITE_KEY_LEN])
{
    if (suite_key_check(s, priv) != SEAL_OK)
        return SEAL_EKEYTYPE;
    if (len < s->wrap_min || len > s->wrap_max)
        return SEAL_EMALFORMED;
    if (s->id == SUITE_GM)
        return suite_gm_unwrap(priv, wrap, len, key);
    return suite_intl_unwrap(priv, wrap, len, key);
}

/* ---- signatures ---- */

/* Sets up ctx for signing or verifying with k under s (SM2: SM3 and the
 * default user id; ECDSA: SHA-256). *pctx is freed by the caller. */
static int sig_init(const struct suite *s, EVP_MD_CTX *ctx, EVP_PKEY *k, int sign,
                    EVP_PKEY_CTX **pctx)
{
    int ok;
    *pctx = NULL;
    if (suite_key_check(s, k) != SEAL_OK)
        return SEAL_EKEYTYPE;
    if (s->id == SUITE_GM) {
        *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
        if (*pctx == NULL || EVP_PKEY_CTX_set1_id(*pctx, SUITE_SM2_USER_ID,
                                                  (int)(sizeof SUITE_SM2_USER_ID - 1)) != 1)
            return SEAL_ECRYPTO;
        EVP_MD_CTX_set_pkey_ctx(ctx, *pctx);
    }
    ok = sign ? EVP_DigestSignInit_ex(ctx, NULL, s->md_name, NULL, NULL, k, NULL)
              : EVP_DigestVerifyInit_ex(ctx, NULL, s->md_name, NULL, NULL, k, NULL);
    return ok == 1 ? SEAL_OK : SEAL_ECRYPTO;
}

int suite_sign(const struct suite *s, EVP_PKEY *priv, const void *msg, size_t n, uint8_t *sig,
               size_t *len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int rc = SEAL_ECRYPTO;
    if (ctx == NULL)
        return SEAL_ECRYPTO;
    rc = sig_init(s, ctx, priv, 1, &pctx);
    if (rc != SEAL_OK)
        goto out;
    rc = EVP_DigestSign(ctx, sig, len, msg, n) == 1 ? SEAL_OK : SEAL_ECRYPTO;
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
    return rc;
}

int suite_verify(const struct suite *s, EVP_PKEY *pub, const void *msg, size_t n,
                 const uint8_t *sig, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int rc;
    if (ctx == NULL)
        return SEAL_ECRYPTO;
    rc = sig_init(s, ctx, pub, 0, &pctx);
    if (rc != SEAL_OK)
        goto out;
    /* OpenSSL re-encodes the parsed DER and refuses any difference, so a
     * signature has exactly one accepted encoding. */
    rc = EVP_DigestVerify(ctx, sig, len, msg, n) == 1 ? SEAL_OK : SEAL_EBADSIG;
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
    return rc;
}

/* ---- loading ---- */

/* A private key file is small; anything larger is not one. */
#define PRIVATE_KEY_FILE_MAX (64u << 10)

/* The file is read whole into a buffer of our own, parsed from memory and
 * the buffer wiped: stdio's FILE buffer (which PEM_read_PrivateKey would
 * read through) is freed by fclose without being cleared, leaving the key's
 * PEM in the heap. */
int suite_load_private_key(const char *path, EVP_PKEY **out, struct seal_error *err)
{
    FILE *f = fopen(path, "rb");
    char *pem = NULL;
    size_t n = 0;
    int rc = SEAL_OK;
    *out = NULL;
    if (f == NULL)
        return seal_fail(err, SEAL_EIO, "cannot open %s", path);
    setvbuf(f, NULL, _IONBF, 0); /* no stdio copy of the bytes */
    pem = malloc(PRIVATE_KEY_FILE_MAX + 1);
    if (pem == NULL) {
        rc = seal_fail(err, SEAL_ECRYPTO, "out of memory reading %s", path);
        goto out;
    }
    for (;;) {
        size_t got = fread(pem + n, 1, PRIVATE_KEY_FILE_MAX + 1 - n, f);
        n += got;
        if (got == 0 || n > PRIVATE_KEY_FILE_MAX)
            break;
    }
    if (ferror(f)) {
        rc = seal_fail(err, SEAL_EIO, "cannot read %s", path);
        goto out;
    }
    if (n > PRIVATE_KEY_FILE_MAX) {
        rc = seal_fail(err, SEAL_ELIMIT, "%s is too large for a private key", path);
        goto out;
    }
    BIO *b = BIO_new_mem_buf(pem, (int)n);
    *out = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    if (*out == NULL)
        rc = seal_fail(err, SEAL_EINPUT, "%s holds no PEM private key", path);
out:
    if (pem != NULL) {
        OPENSSL_cleanse(pem, PRIVATE_KEY_FILE_MAX + 1);
        free(pem);
    }
    fclose(f);
    return rc;
}

int suite_cert_public_key(const uint8_t *der, size_t len, EVP_PKEY **out)
{
    const unsigned char *p = der;
    X509 *x;
    *out = NULL;
    if (len == 0 || len > 1 << 20)
        return SEAL_EBADCERT;
    x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL || p != der + len) {
        X509_free(x);
        ERR_clear_error();
        return SEAL_EBADCERT;
    }
    *out = X509_get_pubkey(x);
    X509_free(x);
    ERR_clear_error();
    return *out != NULL ? SEAL_OK : SEAL_EBADCERT;
}

void suite_cert_subject(const uint8_t *der, size_t len, char *out, size_t outlen)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *b = BIO_new(BIO_s_mem());
    char *s = NULL;
    long n;
    snprintf(out, outlen, "?");
    if (x != NULL && b != NULL &&
        X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
                           XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        n = BIO_get_mem_data(b, &s);
        if (n > 0)
            snprintf(out, outlen, "%.*s", (int)n, s);
    }
    BIO_free(b);
    X509_free(x);
    ERR_clear_error();
}

int suite_load_cert(const char *path, uint8_t **der, size_t *der_len, EVP_PKEY **pub,
                    struct seal_error *err)
{
    FILE *f = fopen(path, "r");
    X509 *x;
    unsigned char *d = NULL;
    int n;
    *der = NULL;
    *der_len = 0;
    *pub = NULL;
    if (f == NULL)
        return seal_fail(err, SEAL_EIO, "cannot open %s", path);
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (x == NULL)
        return seal_fail(err, SEAL_EBADCERT, "%s holds no PEM certificate", path);
    n = i2d_X509(x, &d);
    *pub = X509_get_pubkey(x);
    X509_free(x);
    if (n <= 0 || *pub == NULL) {
        OPENSSL_free(d);
        EVP_PKEY_free(*pub);
        *pub = NULL;
        return seal_fail(err, SEAL_EBADCERT, "%s: cannot encode the certificate", path);
    }
    *der = malloc((size_t)n);
    if (*der == NULL) {
        OPENSSL_free(d);
        EVP_PKEY_free(*pub);
        *pub = NULL;
        return seal_fail(err, SEAL_ECRYPTO, "out of memory");
    }
    memcpy(*der, d, (size_t)n);
    *der_len = (size_t)n;
    OPENSSL_free(d);
    ERR_clear_error();
    return SEAL_OK;
}

int suite_load_public_key(const char *path, EVP_PKEY **out, struct seal_error *err)
{
    uint8_t *der = NULL;
    size_t len = 0;
    FILE *f;
    if (suite_load_cert(path, &der, &len, out, NULL) == SEAL_OK) {
        free(der);
        return SEAL_OK;
    }
    f = fopen(path, "r");
    if (f == NULL)
        return seal_fail(err, SEAL_EIO, "cannot open %s", path);
    *out = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (*out == NULL)
        return seal_fail(err, SEAL_EBADCERT, "%s holds no PEM certificate or public key", path);
    ERR_clear_error();
    return SEAL_OK;
}
