/*
 * fuzz_orgsig.c — libFuzzer target for the signature a bidder sends when
 * it signs the opening record (domain/orgsig.h; the "signature" of POST
 * /api/tenders/:id/opening/sign): base64 decoding, the raw r || s to DER
 * conversion and verification against a certificate made once. What it
 * checks: a decoded signature is 8..ORGSIG_MAX bytes; a converted raw
 * signature parses back to the same r and s; nothing random verifies, and
 * a verified signature comes back in DER.
 *
 * Seeds: fuzz/corpus/orgsig/. Run: fuzz/run BUILD_DIR SECONDS, or replay
 * the corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "domain/orgsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_orgsig: %s\n", what);
    abort();
}

/* A P-256 certificate (DER), made once. */
static unsigned char *g_cert;
static int g_cert_len;

static void make_cert(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    if (k == NULL || x == NULL)
        fail("setup");
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, k);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                               (const unsigned char *)"fuzz", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    if (X509_sign(x, k, EVP_sha256()) <= 0)
        fail("setup sign");
    g_cert_len = i2d_X509(x, &g_cert);
    if (g_cert_len <= 0)
        fail("setup der");
    X509_free(x);
    EVP_PKEY_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char msg[] = "sunbid opening record v1\n1\n0000\n";
    uint8_t sig[ORGSIG_MAX], der[ORGSIG_MAX];
    size_t len = 0, dl = 0;
    if (g_cert == NULL)
        make_cert();
    if (orgsig_decode((const char *)data, size, sig, &len) == ERR_OK) {
        if (len < 8 || len > ORGSIG_MAX)
            fail("decoded length out of range");
    } else {
        len = size < ORGSIG_MAX ? size : ORGSIG_MAX; /* the bytes themselves */
        memcpy(sig, data, len);
    }
    if (len == ORGSIG_RAW_LEN && orgsig_raw_to_der(sig, der, &dl) == 0) {
        const unsigned char *p = der;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
        uint8_t back[ORGSIG_RAW_LEN];
        if (es == NULL || p != der + dl || BN_bn2binpad(ECDSA_SIG_get0_r(es), back, 32) != 32 ||
            BN_bn2binpad(ECDSA_SIG_get0_s(es), back + 32, 32) != 32 ||
            memcmp(back, sig, sizeof back) != 0)
            fail("raw r || s does not survive DER");
        ECDSA_SIG_free(es);
    }
    if (len > 0 && orgsig_verify(g_cert, (size_t)g_cert_len, msg, sizeof msg - 1, sig, len, der,
                                 &dl, NULL) == ERR_OK)
        fail("a random signature verified");
    return 0;
}
