/*
 * Unit tests for opening a sealed envelope with its released content key
 * (domain/opening.h opening_envelope_form), for both suites: the right key
 * gives the opening form and verifies every file; a wrong key is
 * SEAL_EWRONGKEY (the bidder may retry); an envelope without a form opens
 * with an empty form; stored bytes altered or cut are signature / structure
 * failures (the platform's side).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/envelope.h"
#include "crypto/random.h"
#include "domain/opening.h"

static const char form_json[] = "{\"price_fen\":912345600,\"duration_days\":300}";

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

struct sealed {
    struct buf env;
    uint8_t key[SUITE_KEY_LEN];
};

static EVP_PKEY *keygen(const struct suite *s)
{
    EVP_PKEY *k = s->id == SUITE_GM ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
                                    : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(k);
    return k;
}

/* Seals a 150 KB technical file and (with_form) the opening form, then
 * unwraps K with the bidder's key as the bidder's browser or CLI would. */
static void seal(const struct suite *s, bool with_form, struct sealed *out)
{
    EVP_PKEY *sign = keygen(s), *enc = keygen(s);
    X509 *x = X509_new();
    unsigned char *der = NULL;
    static uint8_t tech[150000];
    struct src in[2];
    struct seal_error err = {0, ""};
    for (size_t i = 0; i < sizeof tech; i++)
        tech[i] = (uint8_t)(i * 31u + 7u);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, sign);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"投标人", -1, -1, 0);
    X509_set_issuer_name(x, n);
    EVP_PKEY *ca = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_true(X509_sign(x, ca, EVP_sha256()) > 0);
    int len = i2d_X509(x, &der);
    assert_true(len > 0);
    in[0] = (struct src){tech, sizeof tech, 0};
    in[1] = (struct src){(const uint8_t *)form_json, sizeof form_json - 1, 0};
    struct envelope_source files[2] = {
        {"technical.pdf", ENVELOPE_ROLE_TECHNICAL, sizeof tech, src_read, &in[0]},
        {"opening-form.json", ENVELOPE_ROLE_PRICE_LIST, sizeof form_json - 1, src_read, &in[1]},
    };
    struct envelope_seal_opts o = {.suite = s,
                                   .tender = "7",
                                   .lot = "1",
                                   .org = "4",
                                   .created_ms = 1764400000000ULL,
                                   .sign_key = sign,
                                   .cert = der,
                                   .cert_len = (size_t)len,
                                   .bidder_key = enc,
                                   .files = files,
                                   .n_files = with_form ? 2 : 1};
    buf_init(&out->env, 1 << 22);
    assert_int_equal(envelope_seal(&o, out_write, &out->env, &err), SEAL_OK);
    /* the bidder's side: unwrap its own recipient block */
    struct envelope_reader *r = envelope_reader_new(NULL);
    assert_non_null(r);
    assert_int_equal(envelope_reader_feed(r, out->env.data, out->env.len, &err), SEAL_OK);
    assert_int_equal(envelope_reader_finish(r, &err), SEAL_OK);
    const struct envelope_header *h = envelope_reader_header(r);
    assert_int_equal(suite_unwrap(s, enc, h->rcpt[0].wrap, h->rcpt[0].wrap_len, out->key), SEAL_OK);
    envelope_reader_free(r);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(ca);
    EVP_PKEY_free(sign);
    EVP_PKEY_free(enc);
}

static void check_suite(const struct suite *s)
{
    struct sealed e;
    struct buf form;
    struct seal_error err = {0, ""};
    uint8_t wrong[SUITE_KEY_LEN];
    buf_init(&form, OPENING_FORM_MAX);
    seal(s, true, &e);
    assert_int_equal(opening_envelope_form(e.env.data, e.env.len, e.key, &form, &err), SEAL_OK);
    assert_int_equal(form.len, sizeof form_json - 1);
    assert_memory_equal(form.data, form_json, form.len);
    /* and it passes the form check */
    struct buf canon;
    buf_init(&canon, OPENING_FORM_MAX);
    assert_int_equal(opening_form_check(form.data, form.len, &canon), ERR_OK);
    buf_release(&canon);

    memcpy(wrong, e.key, sizeof wrong);
    wrong[5] ^= 1;
    assert_int_equal(opening_envelope_form(e.env.data, e.env.len, wrong, &form, &err),
                     SEAL_EWRONGKEY);
    assert_int_equal(form.len, 0);
    /* a stored byte changed (in the technical file's chunks) or the tail cut */
    e.env.data[e.env.len / 2] ^= 0x40;
    assert_int_equal(opening_envelope_form(e.env.data, e.env.len, e.key, &form, &err),
                     SEAL_EBADSIG);
    e.env.data[e.env.len / 2] ^= 0x40;
    assert_int_equal(opening_envelope_form(e.env.data, e.env.len - 10, e.key, &form, &err),
                     SEAL_ETRUNCATED);
    assert_int_equal(opening_envelope_form(e.env.data, e.env.len, e.key, &form, &err), SEAL_OK);
    buf_release(&e.env);

    /* no form inside: opens, the form is empty */
    seal(s, false, &e);
    assert_int_equal(opening_envelope_form(e.env.data, e.env.len, e.key, &form, &err), SEAL_OK);
    assert_int_equal(form.len, 0);
    buf_release(&e.env);
    buf_release(&form);
}

static void test_intl(void **state)
{
    (void)state;
    check_suite(&suite_intl);
}

static void test_gm(void **state)
{
    (void)state;
    check_suite(&suite_gm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intl),
        cmocka_unit_test(test_gm),
    };
    return cmocka_run_group_tests_name("opening_open", tests, NULL, NULL);
}
