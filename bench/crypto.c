/*
 * crypto.c — bench_crypto: the machine's raw crypto rates from OpenSSL, and
 * sealing / opening a big envelope in both suites (crypto/envelope.h), in
 * one run so the ratios compare like with like.
 *
 * Figures, each on its own line as "bench: NAME VALUE UNIT":
 *   sm2_sign_per_s, sm2_verify_per_s        SM2 with SM3 and the default id
 *   p256_sign_per_s, p256_verify_per_s      ECDSA P-256 with SHA-256
 *                                           (over the 60-byte message an
 *                                           envelope signature covers)
 *   sm3_mbps, sha256_mbps                   hashing 64 KiB buffers
 *   sm4_ctr_mbps, hmac_sm3_mbps             the gm chunk cipher's two halves
 *   aes256_gcm_mbps                         the intl chunk cipher
 *   raw_gm_mbps                             SM4-CTR then HMAC-SM3 over the same
 *                                           bytes (1 / (1/ctr + 1/hmac))
 *   raw_intl_mbps                           = aes256_gcm_mbps
 *   seal_gm_mbps, unseal_gm_mbps            a SIZE MB envelope (default 100),
 *   seal_intl_mbps, unseal_intl_mbps        in memory, plaintext MB per second
 *                                           (unseal: verify + decrypt + hash)
 *   seal_gm_vs_raw_ratio ... unseal_intl_vs_raw_ratio
 *                                           the envelope rate over the raw
 *                                           cipher+MAC rate: below 1 because
 *                                           an envelope also hashes the
 *                                           plaintext (content hash) and the
 *                                           ciphertext (the signed chain)
 *
 * Each rate runs for about BENCH_CRYPTO_SECONDS (default 0.5) s; SIZE is
 * BENCH_CRYPTO_MB. Timing is wall-clock on a shared machine: compare runs,
 * do not assert on them. Exit status 1 when anything fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "crypto/envelope.h"

#define BUFSZ 65536

static double seconds_per_rate = 0.5;

static double now(void)
{
    return (double)clock_mono_ns() / 1e9;
}

static int failed;

static void fail(const char *what)
{
    fprintf(stderr, "bench_crypto: %s failed\n", what);
    failed = 1;
}

/* ---- signatures ---- */

static void bench_sig(const char *name, const struct suite *s, EVP_PKEY *k)
{
    uint8_t msg[60], sig[SUITE_MAX_SIG];
    size_t sl = sizeof sig;
    long n = 0;
    double t0, t;
    memset(msg, 0x42, sizeof msg);
    t0 = now();
    do {
        sl = sizeof sig;
        if (suite_sign(s, k, msg, sizeof msg, sig, &sl) != SEAL_OK) {
            fail(name);
            return;
        }
        n++;
    } while ((t = now() - t0) < seconds_per_rate);
    printf("bench: %s_sign_per_s %.0f ops/s\n", name, (double)n / t);
    n = 0;
    t0 = now();
    do {
        if (suite_verify(s, k, msg, sizeof msg, sig, sl) != SEAL_OK) {
            fail(name);
            return;
        }
        n++;
    } while ((t = now() - t0) < seconds_per_rate);
    printf("bench: %s_verify_per_s %.0f ops/s\n", name, (double)n / t);
}

/* ---- raw throughput ---- */

static double bench_md(const char *name, const char *md, uint8_t *buf)
{
    EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint8_t out[64];
    unsigned int ol;
    long n = 0;
    double t0 = now(), t;
    EVP_DigestInit_ex2(c, m, NULL);
    do {
        EVP_DigestUpdate(c, buf, BUFSZ);
        n++;
    } while ((t = now() - t0) < seconds_per_rate);
    EVP_DigestFinal_ex(c, out, &ol);
    EVP_MD_CTX_free(c);
    EVP_MD_free(m);
    double mbps = (double)n * BUFSZ / t / 1e6;
    printf("bench: %s_mbps %.1f MB/s\n", name, mbps);
    return mbps;
}

static double bench_cipher(const char *name, const char *alg, uint8_t *buf)
{
    EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, alg, NULL);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    uint8_t key[32] = {1}, iv[16] = {2}, tag[16];
    int len;
    long n = 0;
    double t0 = now(), t;
    do {
        /* one message per 64 KiB, as the envelope's chunks */
        EVP_EncryptInit_ex2(c, ci, key, iv, NULL);
        EVP_EncryptUpdate(c, buf, &len, buf, BUFSZ);
        EVP_EncryptFinal_ex(c, buf, &len);
        if (strstr(alg, "GCM") != NULL)
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag);
        n++;
    } while ((t = now() - t0) < seconds_per_rate);
    EVP_CIPHER_CTX_free(c);
    EVP_CIPHER_free(ci);
    double mbps = (double)n * BUFSZ / t / 1e6;
    printf("bench: %s_mbps %.1f MB/s\n", name, mbps);
    return mbps;
}

static double bench_hmac_sm3(uint8_t *buf)
{
    uint8_t key[32] = {3}, out[32];
    size_t ol;
    long n = 0;
    double t0 = now(), t;
    do {
        EVP_Q_mac(NULL, "HMAC", NULL, "SM3", NULL, key, 32, buf, BUFSZ, out, sizeof out, &ol);
        n++;
    } while ((t = now() - t0) < seconds_per_rate);
    double mbps = (double)n * BUFSZ / t / 1e6;
    printf("bench: hmac_sm3_mbps %.1f MB/s\n", mbps);
    return mbps;
}

/* ---- envelopes ---- */

struct mem {
    uint8_t *p;
    size_t len, cap, pos;
};

static ssize_t mem_read(void *arg, void *buf, size_t n)
{
    struct mem *m = arg;
    size_t k = m->len - m->pos;
    if (k > n)
        k = n;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

static int mem_write(void *arg, const void *p, size_t n)
{
    struct mem *m = arg;
    if (m->len + n > m->cap)
        return -1;
    memcpy(m->p + m->len, p, n);
    m->len += n;
    return 0;
}

static int discard(void *arg, int file, const void *p, size_t n)
{
    *(uint64_t *)arg += n;
    return 0;
}

static EVP_PKEY *keygen(const struct suite *s)
{
    return s->id == SUITE_GM ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
                             : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* A self-signed certificate DER for k (malloc'ed). */
static uint8_t *cert_for(EVP_PKEY *k, size_t *len)
{
    EVP_PKEY *ca = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    unsigned char *der = NULL;
    uint8_t *out = NULL;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, k);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"bench", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    if (X509_sign(x, ca, EVP_sha256()) > 0) {
        int n = i2d_X509(x, &der);
        if (n > 0 && (out = malloc((size_t)n)) != NULL) {
            memcpy(out, der, (size_t)n);
            *len = (size_t)n;
        }
    }
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(ca);
    return out;
}

static void bench_envelope(const struct suite *s, struct mem *plain, struct mem *env, double raw)
{
    EVP_PKEY *sk = keygen(s), *ek = keygen(s);
    size_t cl = 0;
    uint8_t *cert = sk ? cert_for(sk, &cl) : NULL;
    struct seal_error err = {0, ""};
    uint64_t got = 0;
    double t0, seal_t, open_t, mb = (double)plain->len / 1e6;

    if (cert == NULL || ek == NULL) {
        fail("keys");
        goto out;
    }
    plain->pos = 0;
    env->len = 0;
    struct envelope_source src = {"bid.pdf", ENVELOPE_ROLE_TECHNICAL, plain->len, mem_read, plain};
    struct envelope_seal_opts o = {.suite = s,
                                   .tender = "T-BENCH",
                                   .lot = "1",
                                   .created_ms = (uint64_t)clock_now_ms(),
                                   .sign_key = sk,
                                   .cert = cert,
                                   .cert_len = cl,
                                   .bidder_key = ek,
                                   .files = &src,
                                   .n_files = 1};
    t0 = now();
    if (envelope_seal(&o, mem_write, env, &err) != SEAL_OK) {
        fprintf(stderr, "bench_crypto: seal: %s\n", err.msg);
        failed = 1;
        goto out;
    }
    seal_t = now() - t0;

    struct mem in = {env->p, env->len, env->len, 0};
    struct envelope_open_opts oo = {ek, "T-BENCH", "1", NULL};
    struct envelope_output out = {NULL, discard, &got};
    t0 = now();
    if (envelope_open(&oo, mem_read, &in, &out, NULL, &err) != SEAL_OK || got != plain->len) {
        fprintf(stderr, "bench_crypto: unseal: %s\n", err.msg);
        failed = 1;
        goto out;
    }
    open_t = now() - t0;
    printf("bench: seal_%s_mbps %.1f MB/s\n", s->name, mb / seal_t);
    printf("bench: unseal_%s_mbps %.1f MB/s\n", s->name, mb / open_t);
    printf("bench: seal_%s_vs_raw_ratio %.2f x\n", s->name, mb / seal_t / raw);
    printf("bench: unseal_%s_vs_raw_ratio %.2f x\n", s->name, mb / open_t / raw);
    printf("bench: envelope_%s_overhead_bytes %zu bytes\n", s->name, env->len - plain->len);
out:
    free(cert);
    EVP_PKEY_free(sk);
    EVP_PKEY_free(ek);
}

int main(void)
{
    const char *e = getenv("BENCH_CRYPTO_SECONDS");
    const char *m = getenv("BENCH_CRYPTO_MB");
    size_t mb = m ? (size_t)strtoul(m, NULL, 10) : 100;
    uint8_t *buf = malloc(BUFSZ);
    struct mem plain = {0}, env = {0};
    EVP_PKEY *sm2 = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

    if (e != NULL && strtod(e, NULL) > 0)
        seconds_per_rate = strtod(e, NULL);
    if (mb == 0)
        mb = 100;
    if (buf == NULL || sm2 == NULL || p256 == NULL)
        return 1;
    for (size_t i = 0; i < BUFSZ; i++)
        buf[i] = (uint8_t)(i * 31 + 7);

    bench_sig("sm2", &suite_gm, sm2);
    bench_sig("p256", &suite_intl, p256);
    bench_md("sm3", "SM3", buf);
    bench_md("sha256", "SHA256", buf);
    double ctr = bench_cipher("sm4_ctr", "SM4-CTR", buf);
    double hmac = bench_hmac_sm3(buf);
    double gcm = bench_cipher("aes256_gcm", "AES-256-GCM", buf);
    double raw_gm = 1.0 / (1.0 / ctr + 1.0 / hmac);
    printf("bench: raw_gm_mbps %.1f MB/s\n", raw_gm);
    printf("bench: raw_intl_mbps %.1f MB/s\n", gcm);

    plain.len = plain.cap = mb * 1000 * 1000;
    plain.p = malloc(plain.len);
    env.cap = plain.len + plain.len / 1000 + (1 << 20);
    env.p = malloc(env.cap);
    if (plain.p == NULL || env.p == NULL)
        return 1;
    for (size_t i = 0; i < plain.len; i++)
        plain.p[i] = (uint8_t)(i ^ (i >> 9));
    printf("bench: envelope_size_mb %zu MB\n", mb);
    bench_envelope(&suite_gm, &plain, &env, raw_gm);
    bench_envelope(&suite_intl, &plain, &env, gcm);

    free(plain.p);
    free(env.p);
    free(buf);
    EVP_PKEY_free(sm2);
    EVP_PKEY_free(p256);
    return failed;
}
