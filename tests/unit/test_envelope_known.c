/*
 * Unit tests for envelope_reader_known_bytes (crypto/envelope.h): a reader
 * told that its bytes are ones verified before still parses every element
 * and hands the same chunks to its callbacks, still refuses a cut envelope,
 * but keeps no hash chain and does not check the signature (a changed
 * signature byte passes; envelope_reader_signed_hash fails). Called after
 * the first feed it changes nothing. Both suites.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "crypto/envelope.h"

struct src {
    const uint8_t *p;
    size_t len, at;
};

static ssize_t src_read(void *arg, void *buf, size_t n)
{
    struct src *s = arg;
    size_t k = s->len - s->at < n ? s->len - s->at : n;
    memcpy(buf, s->p + s->at, k);
    s->at += k;
    return (ssize_t)k;
}

static int out_write(void *arg, const void *p, size_t n)
{
    return buf_append(arg, p, n) == 0 ? 0 : -1;
}

static EVP_PKEY *keygen(const struct suite *s)
{
    EVP_PKEY *k = s->id == SUITE_GM ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
                                    : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(k);
    return k;
}

/* Seals 200,000 bytes (four chunks) into env. */
static void seal(const struct suite *s, struct buf *env)
{
    EVP_PKEY *sign = keygen(s), *enc = keygen(s);
    X509 *x = X509_new();
    unsigned char *der = NULL;
    static uint8_t data[200000];
    struct seal_error err = {0, ""};
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13u + 5u);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, sign);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"bidder", -1, -1, 0);
    X509_set_issuer_name(x, n);
    assert_true(X509_sign(x, sign, s->id == SUITE_GM ? EVP_sm3() : EVP_sha256()) > 0);
    int len = i2d_X509(x, &der);
    assert_true(len > 0);
    struct src in = {data, sizeof data, 0};
    struct envelope_source file = {"commercial.bin", ENVELOPE_ROLE_COMMERCIAL, sizeof data,
                                   src_read, &in};
    struct envelope_seal_opts o = {.suite = s,
                                   .tender = "7",
                                   .lot = "1",
                                   .org = "4",
                                   .created_ms = 1764400000000ULL,
                                   .sign_key = sign,
                                   .cert = der,
                                   .cert_len = (size_t)len,
                                   .bidder_key = enc,
                                   .files = &file,
                                   .n_files = 1};
    buf_init(env, 1 << 20);
    assert_int_equal(envelope_seal(&o, out_write, env, &err), SEAL_OK);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(sign);
    EVP_PKEY_free(enc);
}

struct count {
    int chunks;
    int manifests;
    size_t bytes;
};

static int count_chunk(void *arg, int file, uint64_t index, int last, const uint8_t *ct, size_t n,
                       struct seal_error *err)
{
    struct count *c = arg;
    (void)file, (void)index, (void)last, (void)ct, (void)err;
    c->chunks++;
    c->bytes += n;
    return SEAL_OK;
}

static int count_manifest(void *arg, const uint8_t *ct, size_t n, struct seal_error *err)
{
    struct count *c = arg;
    (void)ct, (void)n, (void)err;
    c->manifests++;
    return SEAL_OK;
}

/* Reads env (known: before the first feed, or after it when late) in two
 * pieces; returns finish's result, the callbacks' counts in *c and whether
 * the signed hash was available. */
static int read_env(const void *data, size_t len, bool known, bool late, struct count *c,
                    bool *have_hash)
{
    struct envelope_reader_cb cb = {NULL, count_chunk, count_manifest, c};
    struct seal_error err = {0, ""};
    uint8_t h[SUITE_HASH_LEN];
    const uint8_t *p = data;
    memset(c, 0, sizeof(*c));
    struct envelope_reader *r = envelope_reader_new(&cb);
    assert_non_null(r);
    if (known && !late)
        envelope_reader_known_bytes(r);
    int rc = envelope_reader_feed(r, p, len / 3, &err);
    if (known && late)
        envelope_reader_known_bytes(r);
    if (rc == SEAL_OK)
        rc = envelope_reader_feed(r, p + len / 3, len - len / 3, &err);
    if (rc == SEAL_OK)
        rc = envelope_reader_finish(r, &err);
    *have_hash = envelope_reader_signed_hash(r, h) == SEAL_OK;
    envelope_reader_free(r);
    return rc;
}

static void check_suite(const struct suite *s)
{
    struct buf env;
    struct count plain, known;
    bool hv;
    seal(s, &env);

    /* intact: the same parts either way; the chain only when not known */
    assert_int_equal(read_env(env.data, env.len, false, false, &plain, &hv), SEAL_OK);
    assert_true(hv);
    assert_int_equal(read_env(env.data, env.len, true, false, &known, &hv), SEAL_OK);
    assert_false(hv);
    assert_int_equal(plain.chunks, 4);
    assert_int_equal(known.chunks, plain.chunks);
    assert_int_equal(known.bytes, plain.bytes);
    assert_int_equal(known.manifests, 1);

    /* a content byte changed: the signature catches it, unless told the
     * bytes are known (the blob's own hash is what catches it then) */
    env.data[env.len / 2] ^= 0x10;
    assert_int_equal(read_env(env.data, env.len, false, false, &plain, &hv), SEAL_EBADSIG);
    assert_int_equal(read_env(env.data, env.len, true, false, &known, &hv), SEAL_OK);
    /* too late to say so: still verified */
    assert_int_equal(read_env(env.data, env.len, true, true, &known, &hv), SEAL_EBADSIG);
    env.data[env.len / 2] ^= 0x10;

    /* structure is still checked: cut, and trailing bytes */
    assert_int_equal(read_env(env.data, env.len - 5, true, false, &known, &hv), SEAL_ETRUNCATED);
    assert_int_equal(buf_append(&env, "x", 1), 0);
    assert_int_equal(read_env(env.data, env.len, true, false, &known, &hv), SEAL_ETRAILING);
    buf_release(&env);
}

static void test_gm(void **state)
{
    (void)state;
    check_suite(&suite_gm);
}

static void test_intl(void **state)
{
    (void)state;
    check_suite(&suite_intl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gm),
        cmocka_unit_test(test_intl),
    };
    return cmocka_run_group_tests_name("envelope_known", tests, NULL, NULL);
}
