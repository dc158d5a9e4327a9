/*
 * fuzz_x509.c — libFuzzer target for certificate and CRL parsing and
 * validation (crypto/x509.h) against a fixed trust store.
 *
 * Each input is used twice:
 *   1. as a certificate someone registers: x509_check_bytes (PEM leaf with
 *      optional chain, or DER) for each use at a fixed time inside every
 *      fixture's validity, then x509_describe / x509_uscc on the parse;
 *   2. as trust material an operator loads: x509_trust_add into a fresh
 *      store holding the fixed roots and CRLs, then the two fixed leaves are
 *      validated against it (a fuzzed CRL or CA meets the revocation pass).
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks:
 *   - a certificate that validates has an SM2 or P-256 key, a chain of at
 *     least two (one: a trusted root checked for no particular use), a 64-hex fingerprint, a
 * non-empty root, and describes;
 *   - every result code has its stable name (never an unknown one);
 *   - a failed x509_trust_add leaves the store exactly as it was.
 *
 * The fixture and the seeds (fuzz/corpus/x509/) were made with our own CA:
 *   sunbid ca init --dir sm2 --alg sm2 --name "sunbid 模糊测试 SM2 CA" --days 36500
 *   sunbid ca init --dir p256 --alg p256 --name "sunbid fuzz P-256 CA" --days 36500
 *   sunbid ca issue --dir sm2 --usage sign|encrypt ... --days 36500 --out ...
 *   sunbid ca issue --dir p256 --usage both|tsa ... --days 36500 --out ...
 *   sunbid ca revoke --dir sm2 --reason superseded sm2-revoked.crt.pem
 *   sunbid ca crl --dir sm2|p256 --out ... --days 3650
 * (DER forms with `openssl x509|crl -outform DER`). Replayed by fuzz/replay.c
 * in ordinary builds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/x509.h"

#define AT_MS 1893456000000LL /* 2030-01-01T00:00:00Z */

/* the fixed trust store: two roots and their CRLs (see the top) */
static const char trust_pem[] = "-----BEGIN CERTIFICATE-----\n"
                                "MIIBxzCCAW2gAwIBAgIQaeMc89ULaBU3eCquWT+LIzAKBggqgRzPVQGDdTAyMQsw\n"
                                "CQYDVQQGEwJDTjEjMCEGA1UEAwwac3VuYmlkIOaooeeziua1i+ivlSBTTTIgQ0Ew\n"
                                "IBcNMjYxMTI5MDg1ODE2WhgPMjEyNjExMDUwOTAzMTZaMDIxCzAJBgNVBAYTAkNO\n"
                                "MSMwIQYDVQQDDBpzdW5iaWQg5qih57OK5rWL6K+VIFNNMiBDQTBZMBMGByqGSM49\n"
                                "AgEGCCqBHM9VAYItA0IABGZE8DWqFbrf48a2Z/ZKknMK3g1JWYFkXjPp96ZoGkyx\n"
                                "3z8XsvLVRltYSs3GGyjfWfDNk2tr57f0L/wf7SRI03yjYzBhMA8GA1UdEwEB/wQF\n"
                                "MAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBRcZCK61HRlgk/VdEs3liJn\n"
                                "bmK34zAfBgNVHSMEGDAWgBRcZCK61HRlgk/VdEs3liJnbmK34zAKBggqgRzPVQGD\n"
                                "dQNIADBFAiBgFDqYhKZ7zGTka0/6aDmBoYjv/KDF8/QrnWkjkXnznQIhAJH70Rwk\n"
                                "ZnWmR3tGv03oNrZpu0zo0fLqlUPRmyS3CPF6\n"
                                "-----END CERTIFICATE-----\n"
                                "-----BEGIN CERTIFICATE-----\n"
                                "MIIBujCCAWGgAwIBAgIQTGGtfrseQ1DcoOZqMub1iDAKBggqhkjOPQQDAjAsMQsw\n"
                                "CQYDVQQGEwJDTjEdMBsGA1UEAwwUc3VuYmlkIGZ1enogUC0yNTYgQ0EwIBcNMjYx\n"
                                "MTI5MDg1ODE2WhgPMjEyNjExMDUwOTAzMTZaMCwxCzAJBgNVBAYTAkNOMR0wGwYD\n"
                                "VQQDDBRzdW5iaWQgZnV6eiBQLTI1NiBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
                                "A0IABIR97/meHNOoxgKdMd+X5XUg6KuDAy9F286o7/xTNHqcjG/gjagXsb+o2vEr\n"
                                "s3NYBnw1l7Evz+0xGXuhOY+llRujYzBhMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0P\n"
                                "AQH/BAQDAgEGMB0GA1UdDgQWBBQD5oQUiIwBk26b9muGUa3VMDR0pzAfBgNVHSME\n"
                                "GDAWgBQD5oQUiIwBk26b9muGUa3VMDR0pzAKBggqhkjOPQQDAgNHADBEAiBGbPcw\n"
                                "VT7yyDRE1Na7YBtF3o7k3MaRUTL57lmOY4/yagIgQJQsr2+O0pE2dhP5ZTn9leic\n"
                                "cHgIwrqpEdlg0pQYSAk=\n"
                                "-----END CERTIFICATE-----\n"
                                "-----BEGIN X509 CRL-----\n"
                                "MIIBHjCBxQIBATAKBggqgRzPVQGDdTAyMQswCQYDVQQGEwJDTjEjMCEGA1UEAwwa\n"
                                "c3VuYmlkIOaooeeziua1i+ivlSBTTTIgQ0EXDTI2MTEyOTA5MDMxN1oXDTM2MTEy\n"
                                "NjA5MDMxN1owMTAvAhB6ndk/7cKFzTcE9u+S/pV2Fw0yNjExMjkwOTAzMTZaMAww\n"
                                "CgYDVR0VBAMKAQSgLzAtMB8GA1UdIwQYMBaAFFxkIrrUdGWCT9V0SzeWImduYrfj\n"
                                "MAoGA1UdFAQDAgEBMAoGCCqBHM9VAYN1A0gAMEUCIQChI4auQUTmqMAIBqisYZho\n"
                                "citNhdSpLnNrF/WCTNWAbQIgNJzIHG+CpQ9mMQPTmcPl2zflNtaFVxNw8I+aFtgt\n"
                                "Yyw=\n"
                                "-----END X509 CRL-----\n"
                                "-----BEGIN X509 CRL-----\n"
                                "MIHlMIGMAgEBMAoGCCqGSM49BAMCMCwxCzAJBgNVBAYTAkNOMR0wGwYDVQQDDBRz\n"
                                "dW5iaWQgZnV6eiBQLTI1NiBDQRcNMjYxMTI5MDkwMzE3WhcNMzYxMTI2MDkwMzE3\n"
                                "WqAvMC0wHwYDVR0jBBgwFoAUA+aEFIiMAZNum/ZrhlGt1TA0dKcwCgYDVR0UBAMC\n"
                                "AQEwCgYIKoZIzj0EAwIDSAAwRQIhAIi0rgPWV2rUS2UXLIJq9yWyjIuClrzxxmoG\n"
                                "pQizMQSXAiBC7u+LDw9TuHWi7RUXpWDjxcj9OZLZjVux/6ZoqgK/9g==\n"
                                "-----END X509 CRL-----\n";

/* two leaves the fuzzed trust material is checked against */
static const char leaves_pem[2][800] = {
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBzzCCAXagAwIBAgIQVdv5pNHAPC9TfSw0nI+PsTAKBggqgRzPVQGDdTAyMQsw\n"
    "CQYDVQQGEwJDTjEjMCEGA1UEAwwac3VuYmlkIOaooeeziua1i+ivlSBTTTIgQ0Ew\n"
    "IBcNMjYxMTI5MDg1ODE2WhgPMjEyNjExMDUwOTAzMTZaMD4xCzAJBgNVBAYTAkNO\n"
    "MRIwEAYDVQQDDAnmn5Dlhazlj7gxGzAZBgNVBAUTEjkxMzMwMTAwNzk5NjU1MDU4\n"
    "QjBZMBMGByqGSM49AgEGCCqBHM9VAYItA0IABAA8AcByQTK0GbIOEDAZfA8LqADZ\n"
    "gnVwEI8ZbKXSSfcZo0i9kY44WIwfLQRHCUctN2DH2wRVUZNO90a9X3zF01WjYDBe\n"
    "MAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgbAMB0GA1UdDgQWBBTyIjgDQc92\n"
    "2pqEwvatj7mTXxMKpTAfBgNVHSMEGDAWgBRcZCK61HRlgk/VdEs3liJnbmK34zAK\n"
    "BggqgRzPVQGDdQNHADBEAiA1Pn6WLAW9XqJL4vhK4qHIqki48eM3vnaAIP3t3EJR\n"
    "GAIgBV+zyoHVgGq8HC1/g8u95zmBAner9ubCWVIakyZHIsA=\n"
    "-----END CERTIFICATE-----\n",
    "-----BEGIN CERTIFICATE-----\n"
    "MIIByzCCAXGgAwIBAgIQQvMignSzNuXOMg3OkFFPpzAKBggqhkjOPQQDAjAsMQsw\n"
    "CQYDVQQGEwJDTjEdMBsGA1UEAwwUc3VuYmlkIGZ1enogUC0yNTYgQ0EwIBcNMjYx\n"
    "MTI5MDg1ODE2WhgPMjEyNjExMDUwOTAzMTZaMD8xCzAJBgNVBAYTAkNOMRMwEQYD\n"
    "VQQDDApFeGFtcGxlIENvMRswGQYDVQQFExI5MTQ0MDMwMDcwODQ2MTEzNlQwWTAT\n"
    "BgcqhkjOPQIBBggqhkjOPQMBBwNCAATL9ajf7eIdp7JYzCTQCPVdqGRdap6hyn7p\n"
    "96XU9dYssAFb6opbwMEE9i5A+2IX5g8yTjstGpkupy9HQ95EgHTbo2AwXjAMBgNV\n"
    "HRMBAf8EAjAAMA4GA1UdDwEB/wQEAwID6DAdBgNVHQ4EFgQU5RJ1mG4lxaFsDcG8\n"
    "eQzvOkqypHcwHwYDVR0jBBgwFoAUA+aEFIiMAZNum/ZrhlGt1TA0dKcwCgYIKoZI\n"
    "zj0EAwIDSAAwRQIgJ5R9KXei6uW2Jnf24EDhKpYJdFAD2kSZdEusVqjGEnECIQCU\n"
    "CDGe5OOeqiGuD+2deAC1pjBtAWqxxYQIgKK7vZuZIQ==\n"
    "-----END CERTIFICATE-----\n"};

static struct x509_trust base;
static X509 *leaves[2];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_base(struct x509_trust *t)
{
    char err[256];
    if (x509_trust_init(t) != X509V_OK ||
        x509_trust_add(t, trust_pem, sizeof trust_pem - 1, err, sizeof err) != X509V_OK)
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct x509_result r;
    load_base(&base);
    for (int i = 0; i < 2; i++) {
        leaves[i] = x509_parse(leaves_pem[i], strlen(leaves_pem[i]));
        if (leaves[i] == NULL ||
            x509_check(&base, leaves[i], NULL, X509V_USE_SIGN, AT_MS, &r) != X509V_OK)
            abort(); /* the fixture itself must be valid */
    }
    return 0;
}

static void check_result(const struct x509_result *r, enum x509_usage use)
{
    if (strcmp(x509_code(r->rc), "cert_internal") == 0 && r->rc != X509V_EINTERNAL)
        abort();
    if (r->rc != X509V_OK)
        return;
    /* a trusted root checked for no particular use is a chain of one */
    if ((r->key != X509V_KEY_SM2 && r->key != X509V_KEY_P256) ||
        r->chain_len < (use == X509V_USE_ANY ? 1 : 2) || strlen(r->fingerprint) != 64 ||
        r->root[0] == '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum x509_usage uses[] = {X509V_USE_ANY, X509V_USE_SIGN, X509V_USE_ENCRYPT};
    struct x509_result r;
    char err[256];

    /* 1. a certificate to validate */
    for (int u = 0; u < 3; u++) {
        x509_check_bytes(&base, data, size, uses[u], AT_MS, &r);
        check_result(&r, uses[u]);
    }
    X509 *x = x509_parse(data, size);
    if (x != NULL) {
        struct x509_info info;
        char code[19];
        int rc = x509_describe(x, &info);
        if (rc == X509V_OK && strlen(info.fingerprint) != 64)
            abort();
        rc = x509_uscc(x, code);
        if (rc == X509V_OK && strlen(code) != 18)
            abort();
        X509_free(x);
    }

    /* 2. trust material */
    struct x509_trust t;
    load_base(&t);
    size_t roots = x509_trust_nroots(&t), crls = x509_trust_ncrls(&t);
    int rc = x509_trust_add(&t, data, size, err, sizeof err);
    if (rc != X509V_OK && (x509_trust_nroots(&t) != roots || x509_trust_ncrls(&t) != crls))
        abort();
    for (int i = 0; i < 2; i++) {
        x509_check(&t, leaves[i], NULL, X509V_USE_SIGN, AT_MS, &r);
        check_result(&r, X509V_USE_SIGN);
    }
    x509_trust_release(&t);
    return 0;
}
