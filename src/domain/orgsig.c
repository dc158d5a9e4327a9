/*
 * domain/orgsig.c — verifying an organisation's signature with its
 * signing certificate (orgsig.h). OpenSSL does the arithmetic
 * (crypto/suite.h's suite_verify: SM2 with SM3 and the default id, or
 * ECDSA P-256 with SHA-256); this file picks the suite from the
 * certificate's key and turns the raw r || s form into DER.
 */
#include "domain/orgsig.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/x509.h>
#include <string.h>

#include "base/base64.h"
#include "crypto/suite.h"
#include "crypto/x509.h"

enum err orgsig_decode(const char *b64, size_t n, uint8_t out[ORGSIG_MAX], size_t *len)
{
    uint8_t tmp[ORGSIG_B64_MAX];
    long k;
    *len = 0;
    if (b64 == NULL || n == 0 || n > ORGSIG_B64_MAX)
        return ERR_OPENING_BAD_SIGNATURE;
    k = b64_decode(b64, n, tmp, sizeof tmp, 0);
    if (k < 0)
        k = b64_decode(b64, n, tmp, sizeof tmp, 1);
    if (k < 8 || k > ORGSIG_MAX)
        return ERR_OPENING_BAD_SIGNATURE;
    memcpy(out, tmp, (size_t)k);
    *len = (size_t)k;
    return ERR_OK;
}

int orgsig_raw_to_der(const uint8_t raw[ORGSIG_RAW_LEN], uint8_t der[ORGSIG_MAX], size_t *der_len)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL);
    BIGNUM *s = BN_bin2bn(raw + 32, 32, NULL);
    unsigned char *p = der;
    int rc = -1;
    *der_len = 0;
    if (sig == NULL || r == NULL || s == NULL || BN_is_zero(r) || BN_is_zero(s))
        goto out;
    if (ECDSA_SIG_set0(sig, r, s) != 1)
        goto out;
    r = s = NULL; /* owned by sig now */
    if (i2d_ECDSA_SIG(sig, NULL) > ORGSIG_MAX)
        goto out;
    int n = i2d_ECDSA_SIG(sig, &p);
    if (n <= 0)
        goto out;
    *der_len = (size_t)n;
    rc = 0;
out:
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return rc;
}

enum err orgsig_verify(const void *cert, size_t cert_len, const void *msg, size_t n,
                       const uint8_t *sig, size_t sig_len, uint8_t der[ORGSIG_MAX], size_t *der_len,
                       const char **key_alg)
{
    X509 *x = x509_parse(cert, cert_len);
    EVP_PKEY *pub = NULL;
    const struct suite *s;
    enum err e = ERR_OPENING_BAD_SIGNATURE;
    *der_len = 0;
    if (key_alg != NULL)
        *key_alg = NULL;
    if (x == NULL)
        return ERR_CERT_MALFORMED;
    switch (x509_key_type(x)) {
    case X509V_KEY_SM2:
        s = &suite_gm;
        break;
    case X509V_KEY_P256:
        s = &suite_intl;
        break;
    default:
        e = ERR_CERT_UNSUPPORTED_KEY;
        goto out;
    }
    if (key_alg != NULL)
        *key_alg = s == &suite_gm ? "sm2" : "p256";
    pub = x509_pubkey(x);
    if (pub == NULL) {
        e = ERR_CERT_MALFORMED;
        goto out;
    }
    if (sig == NULL || sig_len == 0 || sig_len > ORGSIG_MAX)
        goto out;
    /* DER first: a DER signature of 64 bytes exists, and wins when it
     * verifies; otherwise 64 bytes are read as r || s */
    if (suite_verify(s, pub, msg, n, sig, sig_len) == SEAL_OK) {
        memcpy(der, sig, sig_len);
        *der_len = sig_len;
        e = ERR_OK;
    } else if (sig_len == ORGSIG_RAW_LEN && orgsig_raw_to_der(sig, der, der_len) == 0 &&
               suite_verify(s, pub, msg, n, der, *der_len) == SEAL_OK) {
        e = ERR_OK;
    } else {
        *der_len = 0;
    }
out:
    EVP_PKEY_free(pub);
    X509_free(x);
    return e;
}
