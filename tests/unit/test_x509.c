/*
 * Unit tests for certificate validation (crypto/x509.h) over a small PKI
 * made in the test with our own CA code (crypto/ca.h):
 *
 *   SM2 root "根CA" ── SM2 intermediate (pathlen 0) ── SM2 leaves: sign, encrypt
 *   P-256 root ── P-256 leaves
 *
 * Every certificate is valid from T0 for a year; the tests move the
 * validation time instead of the clock. Covered: valid chains for both
 * algorithms, the default SM2 id (a certificate or CRL signed with
 * OpenSSL 3.0's empty id fails), tampering, expiry and not-yet-valid for the
 * leaf and an intermediate, revocation by CRL (revocation time and reason
 * rules), expired / missing / forged CRLs, untrusted issuers, invalid CAs,
 * key usage, several CAs trusted at once (mutual recognition), loading a
 * directory, USCC extraction, fingerprints, the dual-certificate pair check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/ca.h"
#include "crypto/random.h"
#include "crypto/x509.h"
#include "domain/trust.h"

#define DAY   86400000LL
#define T0    1767225600000LL /* 2026-01-01T00:00:00Z */
#define T_OK  (T0 + 10 * DAY)
#define USCC1 "91330100799655058B"
#define USCC2 "91440300708461136T"

static EVP_PKEY *k_root_s, *k_inter_s, *k_leaf_s, *k_enc_s, *k_root_p, *k_leaf_p;
static X509 *root_s, *inter_s, *leaf_s, *enc_s, *root_p, *leaf_p;

static X509 *issue(const char *cn, const char *uscc, enum ca_usage usage, int path_len,
                   EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int64_t from, int64_t to)
{
    char err[256] = "";
    struct ca_cert_spec spec = {.cn = cn,
                                .uscc = uscc,
                                .usage = usage,
                                .path_len = path_len,
                                .not_before_ms = from,
                                .not_after_ms = to};
    X509 *x = ca_issue(&spec, key, issuer, issuer_key, err, sizeof err);
    if (x == NULL)
        fail_msg("ca_issue %s: %s", cn, err);
    return x;
}

/* DER round trip: a fresh object, as certificates arrive in real life. */
static X509 *reparse(X509 *x)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    assert_true(n > 0);
    X509 *y = x509_parse(der, (size_t)n);
    OPENSSL_free(der);
    assert_non_null(y);
    return y;
}

static void add_cert(struct x509_trust *t, X509 *x)
{
    char *pem = NULL, err[256] = "";
    size_t n = 0;
    assert_int_equal(ca_pem_cert(x, &pem, &n), 0);
    int rc = x509_trust_add(t, pem, n, err, sizeof err);
    free(pem);
    if (rc != X509V_OK)
        fail_msg("x509_trust_add: %s %s", x509_code(rc), err);
}

static void add_crl(struct x509_trust *t, X509_CRL *c)
{
    char *pem = NULL, err[256] = "";
    size_t n = 0;
    assert_int_equal(ca_pem_crl(c, &pem, &n), 0);
    int rc = x509_trust_add(t, pem, n, err, sizeof err);
    free(pem);
    if (rc != X509V_OK)
        fail_msg("x509_trust_add(crl): %s %s", x509_code(rc), err);
}

/* A store with the given certificates (NULL-terminated). */
static void trust_of(struct x509_trust *t, X509 *first, ...)
{
    va_list ap;
    assert_int_equal(x509_trust_init(t), X509V_OK);
    va_start(ap, first);
    for (X509 *x = first; x != NULL; x = va_arg(ap, X509 *))
        add_cert(t, x);
    va_end(ap);
}

static int check(const struct x509_trust *t, X509 *leaf, enum x509_usage use, int64_t at,
                 struct x509_result *r)
{
    int rc = x509_check(t, leaf, NULL, use, at, r);
    assert_int_equal(rc, r->rc);
    if (rc != X509V_OK)
        printf("    %s: %s\n", x509_code(rc), r->message);
    return rc;
}

static const char *serial_of(X509 *x, char out[41])
{
    struct x509_info info;
    assert_int_equal(x509_describe(x, &info), X509V_OK);
    memcpy(out, info.serial, 41);
    return out;
}

static int setup(void **state)
{
    k_root_s = ca_keygen(CA_ALG_SM2);
    k_inter_s = ca_keygen(CA_ALG_SM2);
    k_leaf_s = ca_keygen(CA_ALG_SM2);
    k_enc_s = ca_keygen(CA_ALG_SM2);
    k_root_p = ca_keygen(CA_ALG_P256);
    k_leaf_p = ca_keygen(CA_ALG_P256);
    assert_non_null(k_leaf_p);
    int64_t to = T0 + 365 * DAY;
    root_s =
        issue("根CA SM2", NULL, CA_USAGE_CA, -1, k_root_s, NULL, k_root_s, T0, T0 + 3650 * DAY);
    inter_s = issue("中级CA SM2", NULL, CA_USAGE_CA, 0, k_inter_s, root_s, k_root_s, T0, to);
    leaf_s = issue("某公司", USCC1, CA_USAGE_SIGN, -1, k_leaf_s, inter_s, k_inter_s, T0, to);
    enc_s = issue("某公司", USCC1, CA_USAGE_ENCRYPT, -1, k_enc_s, inter_s, k_inter_s, T0, to);
    root_p = issue("Root CA P-256", NULL, CA_USAGE_CA, -1, k_root_p, NULL, k_root_p, T0,
                   T0 + 3650 * DAY);
    leaf_p = issue("Example Co", USCC2, CA_USAGE_BOTH, -1, k_leaf_p, root_p, k_root_p, T0, to);
    return 0;
}

static int teardown(void **state)
{
    X509 *xs[] = {root_s, inter_s, leaf_s, enc_s, root_p, leaf_p};
    EVP_PKEY *ks[] = {k_root_s, k_inter_s, k_leaf_s, k_enc_s, k_root_p, k_leaf_p};
    for (size_t i = 0; i < 6; i++) {
        X509_free(xs[i]);
        EVP_PKEY_free(ks[i]);
    }
    return 0;
}

static void test_codes_are_stable(void **state)
{
    assert_string_equal(x509_code(X509V_OK), "ok");
    assert_string_equal(x509_code(X509V_EEXPIRED), "cert_expired");
    assert_string_equal(x509_code(X509V_ENOT_YET_VALID), "cert_not_yet_valid");
    assert_string_equal(x509_code(X509V_EREVOKED), "cert_revoked");
    assert_string_equal(x509_code(X509V_EUNTRUSTED_ISSUER), "cert_untrusted_issuer");
    assert_string_equal(x509_code(X509V_EBAD_SIGNATURE), "cert_bad_signature");
    assert_string_equal(x509_code(X509V_EWRONG_USAGE), "cert_wrong_usage");
    assert_string_equal(x509_code(X509V_ECRL_EXPIRED), "cert_crl_expired");
    assert_string_equal(x509_code(X509V_EMALFORMED), "cert_malformed");
    assert_string_equal(x509_code(X509V_EINTERNAL), "cert_internal");
    assert_string_equal(x509_code(42), "cert_internal");
    for (int i = 0; i < X509V_NCODES; i++)
        for (int j = i + 1; j < X509V_NCODES; j++)
            assert_string_not_equal(x509_code(-i), x509_code(-j));
}

static void test_sm2_chain_valid(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    trust_of(&t, root_s, inter_s, NULL);
    assert_int_equal(x509_trust_nroots(&t), 1);
    X509 *leaf = reparse(leaf_s);
    assert_int_equal(check(&t, leaf, X509V_USE_SIGN, T_OK, &r), X509V_OK);
    assert_int_equal(r.chain_len, 3);
    assert_int_equal(r.key, X509V_KEY_SM2);
    assert_false(r.revocation_checked);
    assert_non_null(strstr(r.root, "根CA SM2"));
    assert_non_null(strstr(r.subject, "某公司"));
    X509_free(leaf);
    x509_trust_release(&t);
    x509_trust_release(&t); /* twice is safe */

    /* the intermediate supplied with the leaf instead of in the store */
    trust_of(&t, root_s, NULL);
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(ca_pem_cert(leaf_s, &a, &na), 0);
    assert_int_equal(ca_pem_cert(inter_s, &b, &nb), 0);
    char *both = malloc(na + nb);
    memcpy(both, a, na);
    memcpy(both + na, b, nb);
    assert_int_equal(x509_check_bytes(&t, both, na + nb, X509V_USE_SIGN, T_OK, &r), X509V_OK);
    /* the leaf alone does not reach the root */
    assert_int_equal(x509_check_bytes(&t, a, na, X509V_USE_SIGN, T_OK, &r),
                     X509V_EUNTRUSTED_ISSUER);
    free(a);
    free(b);
    free(both);
    x509_trust_release(&t);
}

/* OpenSSL 3.0's X509_sign() signs SM2 with an empty id; GM/T 0015 says the
 * default id. A certificate signed the OpenSSL way must not verify. */
static void test_sm2_default_id_is_required(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    trust_of(&t, root_s, inter_s, NULL);
    X509 *x = X509_dup(leaf_s);
    assert_true(X509_sign(x, k_inter_s, EVP_sm3()) > 0);
    X509 *y = reparse(x);
    assert_int_equal(check(&t, y, X509V_USE_SIGN, T_OK, &r), X509V_EBAD_SIGNATURE);
    assert_int_equal(r.depth, 0);
    /* and re-signed with the default id, it verifies again */
    assert_int_equal(ca_sign_cert(x, k_inter_s), 0);
    X509_free(y);
    y = reparse(x);
    assert_int_equal(check(&t, y, X509V_USE_SIGN, T_OK, &r), X509V_OK);
    /* the id is really used: a certificate verified with another id fails */
    X509 *z = reparse(x);
    ASN1_OCTET_STRING *other = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(other, (const unsigned char *)"1234567812345679", 16);
    X509_set0_distinguishing_id(z, other);
    assert_int_equal(check(&t, z, X509V_USE_SIGN, T_OK, &r), X509V_EBAD_SIGNATURE);
    X509_free(x);
    X509_free(y);
    X509_free(z);
    x509_trust_release(&t);
}

/* Flips one byte of the DER at offset off, returns the re-parsed cert (or
 * NULL when it no longer parses). */
static X509 *flip(X509 *x, int off)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    assert_true(off < n);
    der[off] ^= 0x01;
    X509 *y = x509_parse(der, (size_t)n);
    OPENSSL_free(der);
    return y;
}

static void test_tampered_fails(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    trust_of(&t, root_s, inter_s, root_p, NULL);
    X509 *leaves[] = {leaf_s, leaf_p};
    for (int i = 0; i < 2; i++) {
        unsigned char *der = NULL;
        int n = i2d_X509(leaves[i], &der);
        /* a byte of the subject name ("公司" / "Co") and the last signature byte */
        const char *needle = i == 0 ? "公司" : "Example";
        unsigned char *p = memmem(der, (size_t)n, needle, strlen(needle));
        assert_non_null(p);
        int offs[] = {(int)(p - der), n - 1};
        OPENSSL_free(der);
        for (int j = 0; j < 2; j++) {
            X509 *y = flip(leaves[i], offs[j]);
            if (y == NULL)
                continue; /* no longer DER: also refused */
            assert_int_equal(check(&t, y, X509V_USE_SIGN, T_OK, &r), X509V_EBAD_SIGNATURE);
            X509_free(y);
        }
    }
    x509_trust_release(&t);
}

static void test_p256_chain_and_both_usages(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    trust_of(&t, root_p, NULL);
    assert_int_equal(check(&t, leaf_p, X509V_USE_SIGN, T_OK, &r), X509V_OK);
    assert_int_equal(r.key, X509V_KEY_P256);
    assert_int_equal(r.chain_len, 2);
    assert_int_equal(check(&t, leaf_p, X509V_USE_ENCRYPT, T_OK, &r), X509V_OK);
    x509_trust_release(&t);
}

static void test_time(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    trust_of(&t, root_s, inter_s, NULL);
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T0 - 1000, &r), X509V_ENOT_YET_VALID);
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T0, &r), X509V_OK);
    assert_int_equal(r.valid_until_ms, T0 + 365 * DAY); /* leaf and intermediate */
    /* OpenSSL counts the notAfter second itself as expired */
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T0 + 365 * DAY - 1000, &r), X509V_OK);
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T0 + 365 * DAY + 1000, &r), X509V_EEXPIRED);
    x509_trust_release(&t);
    /* the leaf outlives nothing else here: a leaf that expires first */
    X509 *early =
        issue("某公司", USCC1, CA_USAGE_SIGN, -1, k_leaf_s, inter_s, k_inter_s, T0, T0 + 100 * DAY);
    trust_of(&t, root_s, inter_s, NULL);
    assert_int_equal(check(&t, early, X509V_USE_SIGN, T0 + 99 * DAY, &r), X509V_OK);
    assert_int_equal(r.valid_until_ms, T0 + 100 * DAY);
    assert_int_equal(check(&t, early, X509V_USE_SIGN, T0 + 101 * DAY, &r), X509V_EEXPIRED);
    assert_int_equal(r.depth, 0);
    X509_free(early);
    x509_trust_release(&t);

    /* an intermediate that expires before its leaf */
    X509 *short_inter =
        issue("短期中级CA", NULL, CA_USAGE_CA, 0, k_inter_s, root_s, k_root_s, T0, T0 + 30 * DAY);
    X509 *leaf = issue("某公司", USCC1, CA_USAGE_SIGN, -1, k_leaf_s, short_inter, k_inter_s, T0,
                       T0 + 365 * DAY);
    trust_of(&t, root_s, short_inter, NULL);
    assert_int_equal(check(&t, leaf, X509V_USE_SIGN, T0 + 20 * DAY, &r), X509V_OK);
    assert_int_equal(r.valid_until_ms, T0 + 30 * DAY); /* the intermediate's end */
    assert_int_equal(check(&t, leaf, X509V_USE_SIGN, T0 + 40 * DAY, &r), X509V_EEXPIRED);
    assert_int_equal(r.depth, 1);
    X509_free(short_inter);
    X509_free(leaf);
    x509_trust_release(&t);
}

static X509_CRL *crl_of(X509 *issuer, EVP_PKEY *key, X509 *revoked, int64_t when, int reason,
                        int64_t this_ms, int64_t next_ms)
{
    char serial[41], err[256] = "";
    struct ca_revoked rv = {NULL, when, reason};
    if (revoked != NULL)
        rv.serial_hex = serial_of(revoked, serial);
    X509_CRL *c =
        ca_crl(issuer, key, &rv, revoked != NULL ? 1 : 0, this_ms, next_ms, 1, err, sizeof err);
    if (c == NULL)
        fail_msg("ca_crl: %s", err);
    return c;
}

static void test_revocation(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    X509_CRL *c;

    /* superseded at T0+10d: revoked from then on, not before */
    trust_of(&t, root_s, inter_s, NULL);
    c = crl_of(inter_s, k_inter_s, leaf_s, T0 + 10 * DAY, 4, T0 + 10 * DAY, T0 + 40 * DAY);
    add_crl(&t, c);
    X509_CRL_free(c);
    /* the root has no CRL: the intermediate is not checked */
    assert_int_equal(check(&t, enc_s, X509V_USE_ENCRYPT, T0 + 20 * DAY, &r), X509V_OK);
    assert_false(r.revocation_checked);
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T0 + 20 * DAY, &r), X509V_EREVOKED);
    assert_int_equal(r.depth, 0);
    assert_non_null(strstr(r.message, "superseded"));
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T0 + 5 * DAY, &r), X509V_OK);
    assert_int_equal(r.valid_until_ms, T0 + 10 * DAY); /* listed, revoked from T0+10d */
    assert_int_equal(check(&t, enc_s, X509V_USE_ENCRYPT, T0 + 5 * DAY, &r), X509V_OK);
    assert_int_equal(r.valid_until_ms, T0 + 40 * DAY); /* the CRL's nextUpdate */
    /* revoked wins over an expired CRL; the expired CRL is its own result */
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T0 + 50 * DAY, &r), X509V_EREVOKED);
    assert_int_equal(check(&t, enc_s, X509V_USE_ENCRYPT, T0 + 50 * DAY, &r), X509V_ECRL_EXPIRED);
    assert_int_equal(r.depth, 0);
    /* a newer CRL of the same issuer is preferred */
    c = crl_of(inter_s, k_inter_s, leaf_s, T0 + 10 * DAY, 4, T0 + 45 * DAY, T0 + 90 * DAY);
    add_crl(&t, c);
    X509_CRL_free(c);
    assert_int_equal(x509_trust_ncrls(&t), 2);
    assert_int_equal(check(&t, enc_s, X509V_USE_ENCRYPT, T0 + 50 * DAY, &r), X509V_OK);
    x509_trust_release(&t);

    /* keyCompromise taints earlier times too */
    trust_of(&t, root_s, inter_s, NULL);
    c = crl_of(inter_s, k_inter_s, leaf_s, T0 + 10 * DAY, 1, T0 + 10 * DAY, T0 + 40 * DAY);
    add_crl(&t, c);
    X509_CRL_free(c);
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T0 + 5 * DAY, &r), X509V_EREVOKED);
    assert_non_null(strstr(r.message, "keyCompromise"));
    /* CRLs required: the root issued none for the intermediate */
    t.crl_policy = X509V_CRL_REQUIRED;
    assert_int_equal(check(&t, enc_s, X509V_USE_ENCRYPT, T0 + 5 * DAY, &r), X509V_ECRL_MISSING);
    assert_int_equal(r.depth, 1);
    c = crl_of(root_s, k_root_s, NULL, 0, -1, T0, T0 + 40 * DAY);
    add_crl(&t, c);
    X509_CRL_free(c);
    assert_int_equal(check(&t, enc_s, X509V_USE_ENCRYPT, T0 + 5 * DAY, &r), X509V_OK);
    assert_true(r.revocation_checked);
    x509_trust_release(&t);

    /* a revoked intermediate revokes what it issued */
    trust_of(&t, root_s, inter_s, NULL);
    c = crl_of(root_s, k_root_s, inter_s, T0 + 1 * DAY, 2, T0 + 1 * DAY, T0 + 40 * DAY);
    add_crl(&t, c);
    X509_CRL_free(c);
    assert_int_equal(check(&t, enc_s, X509V_USE_ENCRYPT, T0 + 5 * DAY, &r), X509V_EREVOKED);
    assert_int_equal(r.depth, 1);
    x509_trust_release(&t);
}

/* trust_check_der remembers a pass for its window only, per use and
 * certificate, and a later or earlier time checks afresh. */
static void test_memo(void **state)
{
    struct trust_snapshot s = {0};
    struct x509_result r;
    unsigned char *der = NULL;
    X509_CRL *c;
    trust_of(&s.t, root_s, inter_s, NULL);
    c = crl_of(inter_s, k_inter_s, leaf_s, T0 + 10 * DAY, 4, T0 + 1 * DAY, T0 + 40 * DAY);
    add_crl(&s.t, c);
    X509_CRL_free(c);
    assert_int_equal(trust_snapshot_memo_init(&s), 0);
    int n = i2d_X509(leaf_s, &der);
    assert_true(n > 0);
    assert_int_equal(trust_check_der(&s, der, (size_t)n, X509V_USE_SIGN, T0 + 2 * DAY, &r),
                     X509V_OK);
    assert_null(strstr(r.message, "remembered"));
    assert_int_equal(trust_check_der(&s, der, (size_t)n, X509V_USE_SIGN, T0 + 9 * DAY, &r),
                     X509V_OK);
    assert_non_null(strstr(r.message, "remembered"));
    assert_int_equal(strlen(r.fingerprint), 64);
    /* the scheduled revocation ends the window: checked again, revoked */
    assert_int_equal(trust_check_der(&s, der, (size_t)n, X509V_USE_SIGN, T0 + 10 * DAY, &r),
                     X509V_EREVOKED);
    /* before the remembered time: afresh (and fine) */
    assert_int_equal(trust_check_der(&s, der, (size_t)n, X509V_USE_SIGN, T0 + 1 * DAY, &r),
                     X509V_OK);
    assert_null(strstr(r.message, "remembered"));
    /* another use is another check: a signing certificate cannot encrypt */
    assert_int_equal(trust_check_der(&s, der, (size_t)n, X509V_USE_ENCRYPT, T0 + 2 * DAY, &r),
                     X509V_EWRONG_USAGE);
    /* one changed byte is another certificate (and not a valid one) */
    der[n - 5] ^= 1;
    assert_int_not_equal(trust_check_der(&s, der, (size_t)n, X509V_USE_SIGN, T0 + 2 * DAY, &r),
                         X509V_OK);
    OPENSSL_free(der);
    trust_snapshot_memo_free(&s);
    x509_trust_release(&s.t);
}

static void test_forged_and_empty_id_crls(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    X509_CRL *c;

    /* a CRL naming the intermediate but signed by another key: ignored, and
     * reported as invalid; the forged "revocation" does not count */
    EVP_PKEY *other = ca_keygen(CA_ALG_SM2);
    trust_of(&t, root_s, inter_s, NULL);
    c = crl_of(inter_s, other, leaf_s, T0, 4, T0, T0 + 40 * DAY);
    add_crl(&t, c);
    X509_CRL_free(c);
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T_OK, &r), X509V_ECRL_INVALID);
    x509_trust_release(&t);

    /* an SM2 CRL signed with OpenSSL's empty id is not a valid CRL */
    trust_of(&t, root_s, inter_s, NULL);
    c = crl_of(inter_s, k_inter_s, leaf_s, T0, 4, T0, T0 + 40 * DAY);
    assert_true(X509_CRL_sign(c, k_inter_s, EVP_sm3()) > 0);
    add_crl(&t, c);
    X509_CRL_free(c);
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T_OK, &r), X509V_ECRL_INVALID);
    x509_trust_release(&t);

    /* a P-256 CRL with a flipped signature byte */
    X509 *leaf2 =
        issue("Other Co", NULL, CA_USAGE_SIGN, -1, other, root_p, k_root_p, T0, T0 + 365 * DAY);
    trust_of(&t, root_p, NULL);
    c = crl_of(root_p, k_root_p, leaf2, T0, 4, T0, T0 + 40 * DAY);
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(c, &der);
    der[n - 2] ^= 0x01;
    char err[256];
    assert_int_equal(x509_trust_add(&t, der, (size_t)n, err, sizeof err), X509V_OK);
    OPENSSL_free(der);
    X509_CRL_free(c);
    assert_int_equal(check(&t, leaf2, X509V_USE_SIGN, T_OK, &r), X509V_ECRL_INVALID);
    x509_trust_release(&t);
    X509_free(leaf2);
    EVP_PKEY_free(other);
}

static void test_untrusted_and_invalid_ca(void **state)
{
    struct x509_trust t;
    struct x509_result r;

    /* only the P-256 root trusted: the SM2 chain is untrusted */
    trust_of(&t, root_p, NULL);
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T_OK, &r), X509V_EUNTRUSTED_ISSUER);
    /* a self-signed "organisation" certificate */
    X509 *self =
        issue("自签名公司", USCC1, CA_USAGE_SIGN, -1, k_leaf_s, NULL, k_leaf_s, T0, T0 + 365 * DAY);
    assert_int_equal(check(&t, self, X509V_USE_SIGN, T_OK, &r), X509V_EUNTRUSTED_ISSUER);
    x509_trust_release(&t);

    /* an organisation certificate used as a CA */
    trust_of(&t, root_s, inter_s, NULL);
    X509 *fake =
        issue("假证书", USCC1, CA_USAGE_SIGN, -1, k_enc_s, leaf_s, k_leaf_s, T0, T0 + 365 * DAY);
    STACK_OF(X509) *chain = sk_X509_new_null();
    sk_X509_push(chain, leaf_s);
    assert_int_equal(x509_check(&t, fake, chain, X509V_USE_SIGN, T_OK, &r), X509V_EINVALID_CA);
    sk_X509_free(chain);
    X509_free(fake);

    /* the intermediate's pathlen 0 forbids another CA below it */
    X509 *sub =
        issue("下级CA", NULL, CA_USAGE_CA, -1, k_enc_s, inter_s, k_inter_s, T0, T0 + 365 * DAY);
    X509 *leaf =
        issue("某公司", USCC1, CA_USAGE_SIGN, -1, k_leaf_s, sub, k_enc_s, T0, T0 + 365 * DAY);
    chain = sk_X509_new_null();
    sk_X509_push(chain, sub);
    assert_int_equal(x509_check(&t, leaf, chain, X509V_USE_SIGN, T_OK, &r), X509V_EINVALID_CA);
    sk_X509_free(chain);
    X509_free(sub);
    X509_free(leaf);
    X509_free(self);
    x509_trust_release(&t);
}

static void test_usage(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    trust_of(&t, root_s, inter_s, NULL);
    assert_int_equal(check(&t, leaf_s, X509V_USE_ENCRYPT, T_OK, &r), X509V_EWRONG_USAGE);
    assert_int_equal(check(&t, enc_s, X509V_USE_SIGN, T_OK, &r), X509V_EWRONG_USAGE);
    assert_int_equal(check(&t, enc_s, X509V_USE_ENCRYPT, T_OK, &r), X509V_OK);
    assert_int_equal(check(&t, leaf_s, X509V_USE_ANY, T_OK, &r), X509V_OK);
    /* a CA certificate is never an organisation's */
    assert_int_equal(check(&t, inter_s, X509V_USE_SIGN, T_OK, &r), X509V_EWRONG_USAGE);
    /* no keyUsage extension at all */
    X509 *x = X509_dup(leaf_s);
    X509_EXTENSION *e = X509_delete_ext(x, X509_get_ext_by_NID(x, NID_key_usage, -1));
    X509_EXTENSION_free(e);
    assert_int_equal(ca_sign_cert(x, k_inter_s), 0);
    X509 *y = reparse(x);
    assert_int_equal(check(&t, y, X509V_USE_SIGN, T_OK, &r), X509V_EWRONG_USAGE);
    assert_non_null(strstr(r.message, "no keyUsage"));
    X509_free(x);
    X509_free(y);
    /* a TSA certificate signs */
    X509 *tsa = issue("时间戳服务", NULL, CA_USAGE_TSA, -1, k_enc_s, inter_s, k_inter_s, T0,
                      T0 + 365 * DAY);
    assert_int_equal(check(&t, tsa, X509V_USE_SIGN, T_OK, &r), X509V_OK);
    X509_free(tsa);
    x509_trust_release(&t);
}

static void test_unsupported_key(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(rsa);
    X509 *x = issue("RSA Co", NULL, CA_USAGE_SIGN, -1, rsa, root_p, k_root_p, T0, T0 + 365 * DAY);
    trust_of(&t, root_p, NULL);
    assert_int_equal(check(&t, x, X509V_USE_SIGN, T_OK, &r), X509V_EUNSUPPORTED_KEY);
    x509_trust_release(&t);
    X509_free(x);
    EVP_PKEY_free(rsa);
}

static void test_mutual_recognition_dir(void **state)
{
    char dir[512], path[600], err[256] = "";
    const char *tmp = getenv("SUNBID_TEST_TMP");
    struct x509_trust t;
    struct x509_result r;
    mkdir(tmp ? tmp : "/tmp", 0755);
    snprintf(dir, sizeof dir, "%s/x509-trust-%d", tmp ? tmp : "/tmp", (int)getpid());
    assert_int_equal(mkdir(dir, 0700), 0);
    struct {
        const char *name;
        X509 *x;
    } files[] = {{"a-sm2-root.pem", root_s}, {"b-sm2-inter.crt", inter_s}, {"c-p256.pem", root_p}};
    for (size_t i = 0; i < 3; i++) {
        char *pem = NULL;
        size_t n = 0;
        assert_int_equal(ca_pem_cert(files[i].x, &pem, &n), 0);
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        FILE *f = fopen(path, "w");
        fwrite(pem, 1, n, f);
        fclose(f);
        free(pem);
    }
    /* a CRL in DER, a private key and a README beside them */
    X509_CRL *c = crl_of(inter_s, k_inter_s, leaf_s, T0, 4, T0, T0 + 40 * DAY);
    snprintf(path, sizeof path, "%s/d-inter.crl", dir);
    FILE *f = fopen(path, "wb");
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(c, &der);
    fwrite(der, 1, (size_t)n, f);
    fclose(f);
    OPENSSL_free(der);
    X509_CRL_free(c);
    snprintf(path, sizeof path, "%s/ca.key.pem", dir);
    f = fopen(path, "w");
    PEM_write_PrivateKey(f, k_root_s, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    snprintf(path, sizeof path, "%s/README", dir);
    f = fopen(path, "w");
    fputs("not a certificate\n", f);
    fclose(f);

    assert_int_equal(x509_trust_init(&t), X509V_OK);
    if (x509_trust_load(&t, dir, err, sizeof err) != X509V_OK)
        fail_msg("load dir: %s", err);
    assert_int_equal(x509_trust_nroots(&t), 2);
    assert_int_equal(x509_trust_ncrls(&t), 1);
    /* both CAs at once */
    assert_int_equal(check(&t, enc_s, X509V_USE_ENCRYPT, T_OK, &r), X509V_OK);
    assert_int_equal(check(&t, leaf_p, X509V_USE_SIGN, T_OK, &r), X509V_OK);
    assert_int_equal(check(&t, leaf_s, X509V_USE_SIGN, T_OK, &r), X509V_EREVOKED);
    /* loading the same directory again adds nothing */
    assert_int_equal(x509_trust_load(&t, dir, err, sizeof err), X509V_OK);
    assert_int_equal(x509_trust_nroots(&t), 2);
    assert_int_equal(x509_trust_ncrls(&t), 1);
    x509_trust_release(&t);

    /* a leaf certificate in the trust directory is refused, loudly */
    char *pem = NULL;
    size_t pn = 0;
    assert_int_equal(ca_pem_cert(leaf_p, &pem, &pn), 0);
    snprintf(path, sizeof path, "%s/e-leaf.pem", dir);
    f = fopen(path, "w");
    fwrite(pem, 1, pn, f);
    fclose(f);
    free(pem);
    assert_int_equal(x509_trust_init(&t), X509V_OK);
    assert_int_equal(x509_trust_load(&t, dir, err, sizeof err), X509V_EINVALID_CA);
    assert_non_null(strstr(err, "e-leaf.pem"));
    x509_trust_release(&t);

    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_trust_add_errors(void **state)
{
    struct x509_trust t;
    char err[256], *pem = NULL, *pem2 = NULL;
    size_t n = 0, n2 = 0;
    assert_int_equal(x509_trust_init(&t), X509V_OK);
    assert_int_equal(x509_trust_add(&t, "garbage", 7, err, sizeof err), X509V_EMALFORMED);
    assert_int_equal(x509_trust_add(&t, NULL, 0, err, sizeof err), X509V_EMALFORMED);
    static const char bad_pem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assert_int_equal(x509_trust_add(&t, bad_pem, sizeof bad_pem - 1, err, sizeof err),
                     X509V_EMALFORMED);
    /* a private key block */
    assert_int_equal(ca_pem_key(k_root_p, &pem, &n), 0);
    assert_int_equal(x509_trust_add(&t, pem, n, err, sizeof err), X509V_EMALFORMED);
    assert_non_null(strstr(err, "PRIVATE KEY"));
    free(pem);
    /* a good root followed by a leaf: nothing is added */
    assert_int_equal(ca_pem_cert(root_p, &pem, &n), 0);
    assert_int_equal(ca_pem_cert(leaf_p, &pem2, &n2), 0);
    char *both = malloc(n + n2);
    memcpy(both, pem, n);
    memcpy(both + n, pem2, n2);
    assert_int_equal(x509_trust_add(&t, both, n + n2, err, sizeof err), X509V_EINVALID_CA);
    assert_int_equal(x509_trust_nroots(&t), 0);
    free(both);
    free(pem2);
    /* a root whose self-signature is broken */
    X509 *x = X509_dup(root_p);
    assert_true(X509_sign(x, k_leaf_p, EVP_sha256()) > 0);
    assert_int_equal(ca_pem_cert(x, &pem2, &n2), 0);
    assert_int_equal(x509_trust_add(&t, pem2, n2, err, sizeof err), X509V_EINVALID_CA);
    free(pem2);
    X509_free(x);
    /* the good root alone, in DER */
    unsigned char *der = NULL;
    int dn = i2d_X509(root_p, &der);
    assert_int_equal(x509_trust_add(&t, der, (size_t)dn, err, sizeof err), X509V_OK);
    /* trailing bytes after DER are refused */
    unsigned char *longer = malloc((size_t)dn + 1);
    memcpy(longer, der, (size_t)dn);
    longer[dn] = 0;
    assert_int_equal(x509_trust_add(&t, longer, (size_t)dn + 1, err, sizeof err), X509V_EMALFORMED);
    assert_null(x509_parse(longer, (size_t)dn + 1));
    assert_null(x509_parse(der, (size_t)dn - 1));
    free(longer);
    OPENSSL_free(der);
    free(pem);
    assert_int_equal(x509_trust_nroots(&t), 1);
    x509_trust_release(&t);
}

static void test_malformed_leaf(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    trust_of(&t, root_p, NULL);
    assert_int_equal(x509_check_bytes(&t, "hello", 5, X509V_USE_SIGN, T_OK, &r), X509V_EMALFORMED);
    assert_string_equal(x509_code(r.rc), "cert_malformed");
    assert_int_equal(x509_check(&t, NULL, NULL, X509V_USE_SIGN, T_OK, &r), X509V_EMALFORMED);
    static const char two[] = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
    assert_int_equal(x509_check_bytes(&t, two, sizeof two - 1, X509V_USE_SIGN, T_OK, &r),
                     X509V_EMALFORMED);
    x509_trust_release(&t);
}

static void test_uscc_and_facts(void **state)
{
    char code[19];
    struct x509_info info;
    assert_int_equal(x509_uscc(leaf_s, code), X509V_OK);
    assert_string_equal(code, USCC1);
    assert_int_equal(x509_uscc(root_s, code), X509V_ENO_USCC);

    /* CFCA-style CN, organizationIdentifier, OU; a wrong check digit is no code */
    struct {
        const char *field, *value;
        int rc;
        const char *want;
    } cases[] = {
        {"CN", "041@" USCC1 "@某公司@0001", X509V_OK, USCC1},
        {"organizationIdentifier", "NTRCN-" USCC2, X509V_OK, USCC2},
        {"OU", "91330100799655058b", X509V_OK, USCC1},
        {"CN", "91330100799655058C", X509V_ENO_USCC, ""},
        {"CN", "X91330100799655058B", X509V_ENO_USCC, ""},
        {"OU", USCC1 " " USCC2, X509V_EUSCC_AMBIGUOUS, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        X509 *x = X509_dup(leaf_p);
        X509_NAME *nm = X509_NAME_new();
        X509_NAME_add_entry_by_txt(nm, cases[i].field, MBSTRING_UTF8,
                                   (const unsigned char *)cases[i].value, -1, -1, 0);
        X509_set_subject_name(x, nm);
        X509_NAME_free(nm);
        assert_int_equal(x509_uscc(x, code), cases[i].rc);
        assert_string_equal(code, cases[i].want);
        X509_free(x);
    }
    /* two different codes anywhere in the subject: ambiguous */
    X509 *x = X509_dup(leaf_p);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                               (const unsigned char *)USCC1, -1, -1, 0);
    assert_int_equal(x509_uscc(x, code), X509V_EUSCC_AMBIGUOUS);
    X509_free(x);

    /* fingerprint: SHA-256 of the DER */
    unsigned char *der = NULL, md[32], fp[32];
    int n = i2d_X509(leaf_s, &der);
    crypto_sha256(der, (size_t)n, md);
    OPENSSL_free(der);
    assert_int_equal(x509_fingerprint(leaf_s, fp), 0);
    assert_memory_equal(md, fp, 32);
    assert_int_equal(x509_describe(leaf_s, &info), X509V_OK);
    assert_int_equal(strlen(info.fingerprint), 64);
    assert_int_equal(strlen(info.serial), 32);
    assert_string_equal(info.uscc, USCC1);
    assert_int_equal(info.key, X509V_KEY_SM2);
    assert_false(info.is_ca);
    assert_false(info.self_signed);
    assert_int_equal(info.not_before_ms, T0);
    assert_int_equal(info.not_after_ms, T0 + 365 * DAY);
    assert_true(info.key_usage & KU_DIGITAL_SIGNATURE);
    assert_non_null(strstr(info.subject, "CN=某公司"));
    assert_int_equal(x509_describe(root_s, &info), X509V_OK);
    assert_true(info.is_ca);
    assert_true(info.self_signed);

    /* the public key other code needs */
    EVP_PKEY *k = x509_pubkey(leaf_s);
    assert_non_null(k);
    assert_true(EVP_PKEY_is_a(k, "SM2"));
    assert_int_equal(EVP_PKEY_eq(k, k_leaf_s), 1);
    EVP_PKEY_free(k);
    k = x509_pubkey(leaf_p);
    assert_int_equal(x509_key_type(leaf_p), X509V_KEY_P256);
    assert_int_equal(EVP_PKEY_eq(k, k_leaf_p), 1);
    EVP_PKEY_free(k);
    assert_string_equal(x509_key_name(X509V_KEY_SM2), "sm2");
}

static void test_dual_certificate_pair(void **state)
{
    struct x509_trust t;
    struct x509_result r;
    trust_of(&t, root_s, inter_s, root_p, NULL);
    assert_int_equal(x509_check_pair(&t, leaf_s, enc_s, T_OK, &r), X509V_OK);
    /* swapped: the signing slot holds the encryption certificate */
    assert_int_equal(x509_check_pair(&t, enc_s, leaf_s, T_OK, &r), X509V_EWRONG_USAGE);
    /* two entities */
    X509 *other = issue("另一公司", USCC2, CA_USAGE_ENCRYPT, -1, k_enc_s, inter_s, k_inter_s, T0,
                        T0 + 365 * DAY);
    assert_int_equal(x509_check_pair(&t, leaf_s, other, T_OK, &r), X509V_EPAIR_MISMATCH);
    X509_free(other);
    x509_trust_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_are_stable),
        cmocka_unit_test(test_sm2_chain_valid),
        cmocka_unit_test(test_sm2_default_id_is_required),
        cmocka_unit_test(test_tampered_fails),
        cmocka_unit_test(test_p256_chain_and_both_usages),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_revocation),
        cmocka_unit_test(test_forged_and_empty_id_crls),
        cmocka_unit_test(test_memo),
        cmocka_unit_test(test_untrusted_and_invalid_ca),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_unsupported_key),
        cmocka_unit_test(test_mutual_recognition_dir),
        cmocka_unit_test(test_trust_add_errors),
        cmocka_unit_test(test_malformed_leaf),
        cmocka_unit_test(test_uscc_and_facts),
        cmocka_unit_test(test_dual_certificate_pair),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
