/*
 * ledger/tsa.c — RFC 3161 timestamp token verification over checkpoint
 * notes (tsa.h), through OpenSSL's TS API.
 *
 * Owns: the trusted certificate stack of struct tsa_trust (loaded once at
 * start from the --tsa-cert PEM file, read-only afterwards, freed by
 * tsa_trust_free). tsa_verify allocates only per call (its own X509_STORE
 * and TS_VERIFY_CTX), so any thread may call it on a shared tsa_trust.
 *
 * Invariants: input is bounded (TSA_MAX_TOKEN, TSA_MAX_PEM, TSA_MAX_CERTS)
 * and must be DER consumed exactly; a token is accepted only when its CMS
 * signature verifies with a signer chaining to a trusted certificate
 * (partial chains allowed, so the TSA certificate alone may be trusted), the
 * signer has the timeStamping key usage, and the imprint is SHA-256 of the
 * given bytes.
 */
#include "ledger/tsa.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>

int tsa_trust_load(struct tsa_trust *t, const char *file, char *err, size_t errlen)
{
    char *buf = NULL;
    STACK_OF(X509) *sk = NULL;
    BIO *bio = NULL;
    X509 *x;
    size_t n;
    int rc = TSA_ECRYPTO;

    t->certs = NULL;
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s", file);
        return TSA_ECRYPTO;
    }
    buf = OPENSSL_malloc(TSA_MAX_PEM + 1);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return TSA_ECRYPTO;
    }
    n = fread(buf, 1, TSA_MAX_PEM + 1, f);
    fclose(f);
    if (n > TSA_MAX_PEM) {
        snprintf(err, errlen, "%s is larger than %d bytes", file, TSA_MAX_PEM);
        goto out;
    }
    bio = BIO_new_mem_buf(buf, (int)n);
    sk = sk_X509_new_null();
    if (bio == NULL || sk == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (sk_X509_num(sk) == TSA_MAX_CERTS || !sk_X509_push(sk, x)) {
            X509_free(x);
            snprintf(err, errlen, "%s: more than %d certificates", file, TSA_MAX_CERTS);
            goto out;
        }
    }
    if (sk_X509_num(sk) == 0) {
        snprintf(err, errlen, "%s holds no PEM certificate", file);
        goto out;
    }
    t->certs = sk;
    sk = NULL;
    rc = TSA_OK;
out:
    sk_X509_pop_free(sk, X509_free);
    BIO_free(bio);
    OPENSSL_free(buf);
    return rc;
}

void tsa_trust_free(struct tsa_trust *t)
{
    if (t != NULL && t->certs != NULL) {
        sk_X509_pop_free((STACK_OF(X509) *)t->certs, X509_free);
        t->certs = NULL;
    }
}

/* The token of a DER TimeStampToken or granted TimeStampResp, or NULL. */
static PKCS7 *parse_token(const unsigned char *der, size_t n)
{
    const unsigned char *p = der;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)n);
    if (p7 != NULL) {
        if (p == der + n)
            return p7;
        PKCS7_free(p7);
        return NULL;
    }
    p = der;
    TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)n);
    if (resp == NULL)
        return NULL;
    p7 = NULL;
    TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
    const ASN1_INTEGER *st = si != NULL ? TS_STATUS_INFO_get0_status(si) : NULL;
    long status = st != NULL ? ASN1_INTEGER_get(st) : -1;
    if (p == der + n && (status == TS_STATUS_GRANTED || status == TS_STATUS_GRANTED_WITH_MODS) &&
        TS_RESP_get_token(resp) != NULL)
        p7 = PKCS7_dup(TS_RESP_get_token(resp));
    TS_RESP_free(resp);
    return p7;
}

/* A verify context for the trusted certificates with flags f, or NULL. */
static TS_VERIFY_CTX *verify_ctx(const struct tsa_trust *t, int f)
{
    STACK_OF(X509) *trusted = t->certs;
    TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
    X509_STORE *st = X509_STORE_new();
    STACK_OF(X509) *extra = X509_chain_up_ref(trusted);
    if (ctx == NULL || st == NULL || extra == NULL)
        goto fail;
    for (int i = 0; i < sk_X509_num(trusted); i++)
        if (!X509_STORE_add_cert(st, sk_X509_value(trusted, i)))
            goto fail;
    X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
    TS_VERIFY_CTX_set_flags(ctx, f);
    TS_VERIFY_CTX_set_store(ctx, st); /* owned by ctx from here */
    TS_VERIFY_CTX_set_certs(ctx, extra);
    return ctx;
fail:
    sk_X509_pop_free(extra, X509_free);
    X509_STORE_free(st);
    TS_VERIFY_CTX_free(ctx);
    return NULL;
}

int tsa_verify(const struct tsa_trust *t, const void *token, size_t n, const void *data,
               size_t dlen, int64_t *gen_time_ms)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    TS_VERIFY_CTX *ctx = NULL;
    TS_TST_INFO *tst = NULL;
    ASN1_TIME *epoch = NULL;
    PKCS7 *p7;
    int rc;

    if (t == NULL || t->certs == NULL)
        return TSA_EUNTRUSTED;
    if (token == NULL || n == 0 || n > TSA_MAX_TOKEN)
        return TSA_EMALFORMED;
    p7 = parse_token(token, n);
    if (p7 == NULL)
        return TSA_EMALFORMED;
    tst = PKCS7_to_TS_TST_INFO(p7);
    if (tst == NULL || TS_TST_INFO_get_version(tst) != 1) {
        rc = TSA_EMALFORMED;
        goto out;
    }
    /* 1. who signed it */
    rc = TSA_ECRYPTO;
    ctx = verify_ctx(t, TS_VFY_SIGNATURE);
    if (ctx == NULL)
        goto out;
    if (TS_RESP_verify_token(ctx, p7) != 1) {
        rc = TSA_EUNTRUSTED;
        goto out;
    }
    /* 2. over what: SHA-256 of exactly these bytes */
    if (EVP_Digest(data, dlen, md, &mdlen, EVP_sha256(), NULL) != 1)
        goto out;
    TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
    X509_ALGOR *alg = mi != NULL ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
    const ASN1_OBJECT *oid = NULL;
    if (alg != NULL)
        X509_ALGOR_get0(&oid, NULL, NULL, alg);
    if (oid == NULL || OBJ_obj2nid(oid) != NID_sha256) {
        rc = TSA_EMISMATCH;
        goto out;
    }
    TS_VERIFY_CTX_free(ctx);
    ctx = verify_ctx(t, TS_VFY_VERSION | TS_VFY_IMPRINT);
    unsigned char *imp = OPENSSL_memdup(md, mdlen);
    if (ctx == NULL || imp == NULL) {
        OPENSSL_free(imp);
        goto out;
    }
    TS_VERIFY_CTX_set_imprint(ctx, imp, (long)mdlen); /* owned by ctx */
    if (TS_RESP_verify_token(ctx, p7) != 1) {
        rc = TSA_EMISMATCH;
        goto out;
    }
    /* genTime as unix milliseconds (whole seconds) */
    int days = 0, secs = 0;
    const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(tst);
    epoch = ASN1_TIME_set(NULL, 0);
    if (gt == NULL || epoch == NULL || !ASN1_TIME_diff(&days, &secs, epoch, gt) || days < 0 ||
        secs < 0) {
        rc = TSA_EMALFORMED;
        goto out;
    }
    if (gen_time_ms != NULL)
        *gen_time_ms = ((int64_t)days * 86400 + secs) * 1000;
    rc = TSA_OK;
out:
    ASN1_TIME_free(epoch);
    TS_VERIFY_CTX_free(ctx);
    TS_TST_INFO_free(tst);
    PKCS7_free(p7);
    return rc;
}
