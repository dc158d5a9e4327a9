/*
 * Unit tests for crypto/envelope.h: sealed-bid envelopes in both suites.
 *
 * Round trips (one file, several, empty, 3 MB, chunk-aligned), every
 * single-byte corruption of a small envelope rejected (each byte flipped,
 * with and without a key), every truncation, trailing bytes, wrong tender /
 * lot / signer, a wrong recipient key and a key of the wrong type, a
 * signature by another key, a re-signed envelope whose chunks no longer
 * authenticate (bad MAC reported only when the signature is good), a
 * header moved to another tender and re-signed, the escrow recipient
 * opening, the streaming reader fed byte by byte, and bad seal inputs.
 * Opening with the content key itself (envelope_open_with_key, as the
 * opening hall and the BoQ do): success, a wrong key, a corrupt chunk, a
 * manifest that does not match or breaks the format, every truncation;
 * and envelope_keep's limits.
 *
 * Keys are made in-process; certificates are minimal X.509 made with
 * OpenSSL's API (the envelope only needs the public key from them; chain
 * validation is crypto/x509.h's job).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "crypto/envelope.h"

/* ---- fixtures ---- */

struct party {
    EVP_PKEY *sign; /* signing key */
    uint8_t *cert;  /* its certificate DER */
    size_t cert_len;
    uint8_t fp[32]; /* SHA-256 of cert */
    EVP_PKEY *enc;  /* encryption key */
};

struct fx {
    const struct suite *s;
    struct party a, b; /* two bidders */
    EVP_PKEY *escrow;
    EVP_PKEY *foreign; /* a key of the other suite's type */
};

static EVP_PKEY *ca_key;

static EVP_PKEY *keygen(const struct suite *s)
{
    EVP_PKEY *k = s->id == SUITE_GM ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
                                    : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(k);
    return k;
}

static void make_cert(struct party *p, const char *cn)
{
    static long serial = 1;
    X509 *x = X509_new();
    unsigned char *der = NULL;
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, p->sign);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, n);
    assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
    int len = i2d_X509(x, &der);
    assert_true(len > 0);
    p->cert = malloc((size_t)len);
    memcpy(p->cert, der, (size_t)len);
    p->cert_len = (size_t)len;
    suite_sha256(p->cert, p->cert_len, p->fp);
    OPENSSL_free(der);
    X509_free(x);
}

static void party_init(struct party *p, const struct suite *s, const char *cn)
{
    p->sign = keygen(s);
    p->enc = keygen(s);
    make_cert(p, cn);
}

static void party_release(struct party *p)
{
    EVP_PKEY_free(p->sign);
    EVP_PKEY_free(p->enc);
    free(p->cert);
}

static int setup(void **state, const struct suite *s)
{
    struct fx *f = calloc(1, sizeof *f);
    if (ca_key == NULL)
        ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    f->s = s;
    party_init(&f->a, s, "投標人甲");
    party_init(&f->b, s, "bidder B");
    f->escrow = keygen(s);
    f->foreign = keygen(s->id == SUITE_GM ? &suite_intl : &suite_gm);
    *state = f;
    return 0;
}

static int setup_gm(void **state)
{
    return setup(state, &suite_gm);
}

static int setup_intl(void **state)
{
    return setup(state, &suite_intl);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    party_release(&f->a);
    party_release(&f->b);
    EVP_PKEY_free(f->escrow);
    EVP_PKEY_free(f->foreign);
    free(f);
    return 0;
}

/* ---- memory I/O ---- */

struct mem {
    uint8_t *p;
    size_t len, cap, pos;
    size_t max_read; /* 0: any */
};

static ssize_t mem_read(void *arg, void *buf, size_t n)
{
    struct mem *m = arg;
    size_t k = m->len - m->pos;
    if (k > n)
        k = n;
    if (m->max_read && k > m->max_read)
        k = m->max_read;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

static int mem_write(void *arg, const void *p, size_t n)
{
    struct mem *m = arg;
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2 + 1024;
        m->p = realloc(m->p, m->cap);
        assert_non_null(m->p);
    }
    memcpy(m->p + m->len, p, n);
    m->len += n;
    return 0;
}

/* Plaintext captured per file. */
struct outs {
    struct mem f[ENVELOPE_MAX_FILES];
    int begun[ENVELOPE_MAX_FILES];
};

static int out_begin(void *arg, int file, const struct envelope_file *ef)
{
    struct outs *o = arg;
    o->begun[file]++;
    return 0;
}

static int out_write(void *arg, int file, const void *p, size_t n)
{
    struct outs *o = arg;
    return mem_write(&o->f[file], p, n);
}

static void outs_free(struct outs *o)
{
    for (int i = 0; i < ENVELOPE_MAX_FILES; i++)
        free(o->f[i].p);
    memset(o, 0, sizeof *o);
}

/* Pseudo-random bytes (xorshift), reproducible. */
static uint8_t *bytes(size_t n, uint32_t seed)
{
    uint8_t *p = malloc(n ? n : 1);
    uint32_t x = seed ? seed : 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

/* ---- sealing helper ---- */

struct spec {
    const char *name;
    int role;
    size_t size;
};

struct sealed {
    struct mem env;                     /* the envelope */
    uint8_t *plain[ENVELOPE_MAX_FILES]; /* the inputs */
    size_t size[ENVELOPE_MAX_FILES];
    int n;
};

static void sealed_free(struct sealed *s)
{
    free(s->env.p);
    for (int i = 0; i < s->n; i++)
        free(s->plain[i]);
    memset(s, 0, sizeof *s);
}

/* Seals files per spec for tender T-2026-001 lot 1 by party p (signer) to
 * p's own key (+ escrow). Returns the seal result. */
static int seal_with(struct fx *f, const struct party *signer, EVP_PKEY *sign_key,
                     EVP_PKEY *bidder_key, int with_escrow, const struct spec *spec, int n,
                     const char *tender, struct sealed *out, struct seal_error *err)
{
    struct envelope_source src[ENVELOPE_MAX_FILES];
    struct mem in[ENVELOPE_MAX_FILES];
    struct envelope_machine m;
    EVP_PKEY *esc[1] = {f->escrow};
    memset(out, 0, sizeof *out);
    memset(in, 0, sizeof in);
    memset(&m, 0, sizeof m);
    suite_sha256("host", 4, m.host_hash);
    snprintf(m.tool, sizeof m.tool, "sunbid test");
    out->n = n;
    for (int i = 0; i < n; i++) {
        out->plain[i] = bytes(spec[i].size, (uint32_t)(i + 1) * 7919u);
        out->size[i] = spec[i].size;
        in[i].p = out->plain[i];
        in[i].len = spec[i].size;
        in[i].max_read = 1000 + (size_t)i * 777; /* short reads */
        src[i] =
            (struct envelope_source){spec[i].name, spec[i].role, spec[i].size, mem_read, &in[i]};
    }
    struct envelope_seal_opts o = {
        .suite = f->s,
        .tender = tender,
        .lot = "1",
        .org = "91330100799655058B",
        .created_ms = 1764400000000ULL,
        .machine = &m,
        .sign_key = sign_key,
        .cert = signer->cert,
        .cert_len = signer->cert_len,
        .bidder_key = bidder_key,
        .escrow_keys = esc,
        .n_escrow = with_escrow ? 1 : 0,
        .files = src,
        .n_files = n,
    };
    return envelope_seal(&o, mem_write, &out->env, err);
}

static void seal_ok(struct fx *f, const struct spec *spec, int n, int with_escrow,
                    struct sealed *out)
{
    struct seal_error err = {0, ""};
    int rc =
        seal_with(f, &f->a, f->a.sign, f->a.enc, with_escrow, spec, n, "T-2026-001", out, &err);
    if (rc != SEAL_OK)
        fail_msg("seal: %s", err.msg);
}

/* Opens env (a copy of bytes) with key and expectations. */
static int open_mem(const uint8_t *p, size_t len, EVP_PKEY *key, const char *tender,
                    const char *lot, const uint8_t *signer, struct outs *o,
                    struct envelope_header **hdr, struct seal_error *err)
{
    struct mem m = {(uint8_t *)(uintptr_t)p, len, len, 0, 0};
    struct envelope_open_opts opts = {key, tender, lot, signer};
    struct envelope_output out = {out_begin, out_write, o};
    return envelope_open(&opts, mem_read, &m, o ? &out : NULL, hdr, err);
}

static void check_round_trip(struct fx *f, const struct spec *spec, int n)
{
    struct sealed s;
    struct outs o;
    struct envelope_header *h = NULL;
    struct seal_error err = {0, ""};
    uint8_t want[32];
    memset(&o, 0, sizeof o);
    seal_ok(f, spec, n, 0, &s);
    int rc = open_mem(s.env.p, s.env.len, f->a.enc, "T-2026-001", "1", f->a.fp, &o, &h, &err);
    if (rc != SEAL_OK)
        fail_msg("open: %s", err.msg);
    assert_non_null(h);
    assert_true(h->have_names);
    assert_ptr_equal(h->suite, f->s);
    assert_string_equal(h->tender, "T-2026-001");
    assert_string_equal(h->lot, "1");
    assert_string_equal(h->org, "91330100799655058B");
    assert_string_equal(h->machine.tool, "sunbid test");
    assert_int_equal(h->created_ms, 1764400000000ULL);
    assert_int_equal(h->n_files, n);
    assert_int_equal(h->n_recipients, 1);
    assert_memory_equal(h->signer_fp, f->a.fp, 32);
    uint64_t body = 0;
    for (int i = 0; i < n; i++) {
        assert_string_equal(h->files[i].name, spec[i].name);
        assert_int_equal(h->files[i].role, spec[i].role);
        assert_int_equal(h->files[i].size, spec[i].size);
        assert_int_equal(o.begun[i], 1);
        assert_int_equal(o.f[i].len, spec[i].size);
        if (spec[i].size)
            assert_memory_equal(o.f[i].p, s.plain[i], spec[i].size);
        assert_int_equal(suite_hash(f->s, s.plain[i], spec[i].size, want), SEAL_OK);
        assert_memory_equal(h->files[i].hash, want, 32);
        uint64_t chunks = spec[i].size == 0 ? 1 : (spec[i].size + 65535) / 65536;
        body += spec[i].size + chunks * f->s->tag_len;
    }
    assert_int_equal(h->body_len, body);
    /* the envelope is header + body + manifest + signature, no more */
    assert_true(s.env.len > h->header_len + body);
    assert_true(s.env.len < h->header_len + body + 4 + 20000 + 2 + 80);
    envelope_header_free(h);
    outs_free(&o);

    /* verify only (no key): OK, no names */
    rc = open_mem(s.env.p, s.env.len, NULL, NULL, NULL, NULL, NULL, &h, &err);
    assert_int_equal(rc, SEAL_OK);
    assert_false(h->have_names);
    envelope_header_free(h);
    sealed_free(&s);
}

/* ---- tests ---- */

static void test_round_trip_one(void **state)
{
    const struct spec spec[] = {{"報價函.pdf", ENVELOPE_ROLE_COMMERCIAL, 1234}};
    check_round_trip(*state, spec, 1);
}

static void test_round_trip_several(void **state)
{
    const struct spec spec[] = {
        {"commercial.pdf", ENVELOPE_ROLE_COMMERCIAL, 70000},
        {"technical.docx", ENVELOPE_ROLE_TECHNICAL, 131072}, /* exactly 2 chunks */
        {"工程量清單.xlsx", ENVELOPE_ROLE_PRICE_LIST, 65535},
        {"empty.txt", ENVELOPE_ROLE_OTHER, 0},
        {"one.bin", ENVELOPE_ROLE_OTHER, 1},
    };
    check_round_trip(*state, spec, 5);
}

static void test_round_trip_empty(void **state)
{
    const struct spec spec[] = {{"empty", ENVELOPE_ROLE_OTHER, 0}};
    check_round_trip(*state, spec, 1);
}

static void test_round_trip_3mb(void **state)
{
    const struct spec spec[] = {{"big.pdf", ENVELOPE_ROLE_TECHNICAL, 3 * 1000 * 1000 + 17}};
    check_round_trip(*state, spec, 1);
}

/* Every byte of a small two-file envelope, flipped, is rejected: with the
 * key (open) and without (verify, as a server does). */
static void test_every_byte_corruption(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 100},
                                {"b.xlsx", ENVELOPE_ROLE_PRICE_LIST, 5}};
    struct sealed s;
    struct seal_error err;
    int counts[SEAL__COUNT] = {0};
    seal_ok(f, spec, 2, 1, &s);
    uint8_t *p = malloc(s.env.len);
    for (size_t i = 0; i < s.env.len; i++) {
        memcpy(p, s.env.p, s.env.len);
        p[i] ^= 0x01;
        int rc = open_mem(p, s.env.len, f->a.enc, "T-2026-001", "1", NULL, NULL, NULL, &err);
        if (rc == SEAL_OK)
            fail_msg("byte %zu flipped (0x01) was accepted", i);
        counts[rc]++;
        p[i] ^= 0x81; /* now flipped by 0x80 */
        rc = open_mem(p, s.env.len, NULL, NULL, NULL, NULL, NULL, NULL, &err);
        if (rc == SEAL_OK)
            fail_msg("byte %zu flipped (0x80) was accepted without a key", i);
    }
    /* a flip in content is a bad signature, never a silent success */
    assert_true(counts[SEAL_EBADSIG] > 0);
    assert_int_equal(counts[SEAL_EBADMAC], 0); /* the signature is checked first */
    free(p);
    sealed_free(&s);
}

static void test_truncation_and_trailing(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 70000}};
    struct sealed s;
    struct seal_error err;
    seal_ok(f, spec, 1, 0, &s);
    /* every prefix in the first and last 2 KiB, and a sample in between */
    for (size_t n = 0; n < s.env.len; n += (n < 2048 || n > s.env.len - 2048) ? 1 : 997) {
        int rc = open_mem(s.env.p, n, f->a.enc, NULL, NULL, NULL, NULL, NULL, &err);
        if (rc != SEAL_ETRUNCATED)
            fail_msg("prefix of %zu bytes: %s", n, err.msg);
    }
    uint8_t *p = malloc(s.env.len + 1);
    memcpy(p, s.env.p, s.env.len);
    p[s.env.len] = 0;
    assert_int_equal(open_mem(p, s.env.len + 1, f->a.enc, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_ETRAILING);
    free(p);
    sealed_free(&s);
}

static void test_binding(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 10}};
    struct sealed s;
    struct seal_error err;
    struct outs o;
    memset(&o, 0, sizeof o);
    seal_ok(f, spec, 1, 0, &s);
    assert_int_equal(
        open_mem(s.env.p, s.env.len, f->a.enc, "T-2026-002", "1", NULL, &o, NULL, &err),
        SEAL_EWRONGTENDER);
    assert_non_null(strstr(err.msg, "T-2026-001"));
    assert_int_equal(o.f[0].len, 0); /* nothing decrypted */
    assert_int_equal(
        open_mem(s.env.p, s.env.len, f->a.enc, "T-2026-001", "2", NULL, &o, NULL, &err),
        SEAL_EWRONGLOT);
    assert_int_equal(open_mem(s.env.p, s.env.len, NULL, NULL, "2", NULL, NULL, NULL, &err),
                     SEAL_EWRONGLOT);
    assert_int_equal(open_mem(s.env.p, s.env.len, f->a.enc, NULL, NULL, f->b.fp, NULL, NULL, &err),
                     SEAL_EWRONGSIGNER);
    outs_free(&o);
    sealed_free(&s);
}

static void test_wrong_key(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 10}};
    struct sealed s;
    struct seal_error err;
    seal_ok(f, spec, 1, 0, &s);
    assert_int_equal(open_mem(s.env.p, s.env.len, f->b.enc, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_EWRONGKEY);
    /* the signing key is not an encryption recipient either */
    assert_int_equal(open_mem(s.env.p, s.env.len, f->a.sign, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_EWRONGKEY);
    /* not sealed to the escrow key this time */
    assert_int_equal(open_mem(s.env.p, s.env.len, f->escrow, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_EWRONGKEY);
    assert_int_equal(open_mem(s.env.p, s.env.len, f->foreign, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_EKEYTYPE);
    sealed_free(&s);
}

static void test_escrow_opens(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 200000},
                                {"b.pdf", ENVELOPE_ROLE_TECHNICAL, 3}};
    struct sealed s;
    struct seal_error err;
    struct outs o;
    struct envelope_header *h = NULL;
    memset(&o, 0, sizeof o);
    seal_ok(f, spec, 2, 1, &s);
    assert_int_equal(
        open_mem(s.env.p, s.env.len, f->escrow, "T-2026-001", "1", f->a.fp, &o, &h, &err), SEAL_OK);
    assert_int_equal(h->n_recipients, 2);
    assert_int_equal(h->rcpt[0].kind, ENVELOPE_RCPT_BIDDER);
    assert_int_equal(h->rcpt[1].kind, ENVELOPE_RCPT_ESCROW);
    assert_memory_equal(o.f[0].p, s.plain[0], 200000);
    assert_memory_equal(o.f[1].p, s.plain[1], 3);
    envelope_header_free(h);
    outs_free(&o);
    assert_int_equal(open_mem(s.env.p, s.env.len, f->a.enc, NULL, NULL, NULL, &o, NULL, &err),
                     SEAL_OK);
    outs_free(&o);
    sealed_free(&s);
}

/* The hash the signature covers, from a reader fed all but the signature. */
static void signed_hash(const uint8_t *p, size_t len, size_t sig_part, uint8_t out[32])
{
    struct envelope_reader *r = envelope_reader_new(NULL);
    struct seal_error err;
    assert_int_equal(envelope_reader_feed(r, p, len - sig_part, &err), SEAL_OK);
    assert_int_equal(envelope_reader_signed_hash(r, out), SEAL_OK);
    envelope_reader_free(r);
}

/* Replaces the envelope's signature with one by key k over its content. */
static void resign(const struct suite *s, struct mem *env, EVP_PKEY *k)
{
    /* the signature is the last sig_len bytes, preceded by its u16 length:
     * find it by trying lengths (DER ECDSA is 8..72 bytes) */
    size_t slen = 0;
    for (size_t l = 8; l <= 80; l++) {
        size_t at = env->len - l - 2;
        if (((size_t)env->p[at] << 8 | env->p[at + 1]) == l && env->p[at + 2] == 0x30) {
            slen = l;
            break;
        }
    }
    assert_true(slen > 0);
    uint8_t h[32], msg[28 + 32], sig[SUITE_MAX_SIG];
    size_t sl = sizeof sig;
    signed_hash(env->p, env->len, slen + 2, h);
    memcpy(msg, "sunbid-envelope-v1 signature", 28);
    memcpy(msg + 28, h, 32);
    assert_int_equal(suite_sign(s, k, msg, sizeof msg, sig, &sl), SEAL_OK);
    env->len -= slen + 2;
    uint8_t lb[2] = {(uint8_t)(sl >> 8), (uint8_t)sl};
    mem_write(env, lb, 2);
    mem_write(env, sig, sl);
}

static void test_signature_by_other_key(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 10}};
    struct sealed s;
    struct seal_error err;
    seal_ok(f, spec, 1, 0, &s);
    /* a re-sign by the same key is still valid (the helper is right) */
    resign(f->s, &s.env, f->a.sign);
    assert_int_equal(open_mem(s.env.p, s.env.len, f->a.enc, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_OK);
    /* signed by B's key, but carrying A's certificate */
    resign(f->s, &s.env, f->b.sign);
    assert_int_equal(open_mem(s.env.p, s.env.len, f->a.enc, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_EBADSIG);
    assert_int_equal(open_mem(s.env.p, s.env.len, NULL, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_EBADSIG);
    sealed_free(&s);
    /* and the sealer refuses a key that is not the certificate's */
    assert_int_equal(seal_with(f, &f->a, f->b.sign, f->a.enc, 0, spec, 1, "T-2026-001", &s, &err),
                     SEAL_EKEYMISMATCH);
    sealed_free(&s);
}

/* A signer who signs a broken chunk: the signature verifies, so the
 * failure is the content's (bad MAC), pinned to file and chunk. */
static void test_bad_mac_after_good_signature(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 70000},
                                {"b.pdf", ENVELOPE_ROLE_TECHNICAL, 100}};
    struct sealed s;
    struct seal_error err;
    struct envelope_header *h = NULL;
    seal_ok(f, spec, 2, 0, &s);
    assert_int_equal(open_mem(s.env.p, s.env.len, NULL, NULL, NULL, NULL, NULL, &h, &err), SEAL_OK);
    /* a byte of file 1, chunk 1 */
    size_t at = h->header_len + 65536 + f->s->tag_len + 10;
    envelope_header_free(h);
    s.env.p[at] ^= 0x20;
    assert_int_equal(open_mem(s.env.p, s.env.len, f->a.enc, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_EBADSIG);
    resign(f->s, &s.env, f->a.sign);
    assert_int_equal(open_mem(s.env.p, s.env.len, NULL, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_OK); /* a server cannot tell: it has no key */
    assert_int_equal(open_mem(s.env.p, s.env.len, f->a.enc, NULL, NULL, NULL, NULL, NULL, &err),
                     SEAL_EBADMAC);
    assert_non_null(strstr(err.msg, "file 1"));
    assert_non_null(strstr(err.msg, "chunk 1"));
    sealed_free(&s);
}

/* The tender id rewritten in the header and the envelope re-signed (by
 * someone holding a signing key): the chunks were keyed to the old header,
 * so they no longer authenticate. */
static void test_header_moved_to_other_tender(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 10}};
    struct sealed s;
    struct seal_error err;
    seal_ok(f, spec, 1, 0, &s);
    uint8_t *t = memmem(s.env.p, 100, "T-2026-001", 10);
    assert_non_null(t);
    t[9] = '9';
    resign(f->s, &s.env, f->a.sign);
    assert_int_equal(open_mem(s.env.p, s.env.len, NULL, "T-2026-009", NULL, NULL, NULL, NULL, &err),
                     SEAL_OK);
    assert_int_equal(
        open_mem(s.env.p, s.env.len, f->a.enc, "T-2026-009", NULL, NULL, NULL, NULL, &err),
        SEAL_EBADMAC);
    sealed_free(&s);
}

/* ---- opening with the content key (envelope_open_with_key) ---- */

/* K as the bidder's side gets it: unwrapped from its own recipient block. */
static void content_key(struct fx *f, const struct mem *env, uint8_t k[SUITE_KEY_LEN],
                        struct envelope_header **hdr)
{
    struct seal_error err;
    assert_int_equal(open_mem(env->p, env->len, NULL, NULL, NULL, NULL, NULL, hdr, &err), SEAL_OK);
    const struct envelope_header *h = *hdr;
    assert_int_equal(suite_unwrap(f->s, f->a.enc, h->rcpt[0].wrap, h->rcpt[0].wrap_len, k),
                     SEAL_OK);
}

static int open_key(const uint8_t *p, size_t len, const uint8_t k[SUITE_KEY_LEN], int known,
                    struct outs *o, struct envelope_header **hdr, struct seal_error *err)
{
    struct envelope_mem m = {p, len, 0};
    struct envelope_output out = {out_begin, out_write, o};
    return envelope_open_with_key(k, known, envelope_mem_read, &m, o ? &out : NULL, hdr, err);
}

/* Rewrites the manifest: decrypts it with K, lets edit() change the
 * plaintext, encrypts it again and re-signs, as a signer holding K could. */
static void remanifest(struct fx *f, struct mem *env, const uint8_t k[SUITE_KEY_LEN],
                       const struct envelope_header *h, void (*edit)(uint8_t *pt, size_t n))
{
    static const char info[] = "sunbid-envelope-v1 manifest";
    uint8_t mk[SUITE_MAX_STREAM_KEY];
    struct suite_stream st;
    uint8_t *at = env->p + h->header_len + h->body_len;
    size_t ml = (size_t)at[0] << 24 | (size_t)at[1] << 16 | (size_t)at[2] << 8 | at[3];
    uint8_t *pt = malloc(ml);
    assert_int_equal(suite_kdf(f->s, k, SUITE_KEY_LEN, h->header_hash, SUITE_HASH_LEN, info,
                               sizeof info - 1, mk, f->s->stream_key_len),
                     SEAL_OK);
    assert_int_equal(suite_stream_init(&st, f->s, mk), SEAL_OK);
    assert_int_equal(suite_stream_open(&st, 0, 1, at + 4, ml, pt), SEAL_OK);
    edit(pt, ml - f->s->tag_len);
    assert_int_equal(suite_stream_seal(&st, 0, 1, pt, ml - f->s->tag_len, at + 4), SEAL_OK);
    suite_stream_release(&st);
    free(pt);
    resign(f->s, env, f->a.sign);
}

static void edit_first_hash(uint8_t *pt, size_t n)
{
    size_t nl = (size_t)pt[0] << 8 | pt[1];
    assert_true(2 + nl + SUITE_HASH_LEN <= n);
    pt[2 + nl] ^= 0x01;
}

static void edit_first_name(uint8_t *pt, size_t n)
{
    assert_true(n > 3);
    pt[2] = '/'; /* not a base name */
}

/* The right K opens: every file's plaintext streams out, names and hashes
 * arrive in the header, known bytes give the same; envelope_keep keeps only
 * the role asked for. */
static void test_with_key_opens(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 140000},
                                {"報價.xlsx", ENVELOPE_ROLE_PRICE_LIST, 5000},
                                {"empty.txt", ENVELOPE_ROLE_PRICE_LIST, 0}};
    struct sealed s;
    struct seal_error err;
    struct envelope_header *h = NULL;
    uint8_t k[SUITE_KEY_LEN], want[SUITE_HASH_LEN];
    struct outs o;
    seal_ok(f, spec, 3, 1, &s);
    content_key(f, &s.env, k, &h);
    envelope_header_free(h);
    for (int known = 0; known <= 1; known++) {
        memset(&o, 0, sizeof o);
        h = NULL;
        int rc = open_key(s.env.p, s.env.len, k, known, &o, &h, &err);
        if (rc != SEAL_OK)
            fail_msg("open with K: %s", err.msg);
        assert_non_null(h);
        assert_true(h->have_names);
        for (int i = 0; i < 3; i++) {
            assert_string_equal(h->files[i].name, spec[i].name);
            assert_int_equal(o.begun[i], 1);
            assert_int_equal(o.f[i].len, spec[i].size);
            if (spec[i].size > 0)
                assert_memory_equal(o.f[i].p, s.plain[i], spec[i].size);
            assert_int_equal(suite_hash(f->s, s.plain[i], spec[i].size, want), SEAL_OK);
            assert_memory_equal(h->files[i].hash, want, SUITE_HASH_LEN);
        }
        envelope_header_free(h);
        outs_free(&o);
    }
    /* no output, no header: still verified and decrypted */
    assert_int_equal(open_key(s.env.p, s.env.len, k, 0, NULL, NULL, &err), SEAL_OK);

    /* envelope_keep: price-list files only, within both limits */
    struct envelope_keep *kp = envelope_keep_new(ENVELOPE_ROLE_PRICE_LIST, 1 << 20, 1 << 20);
    assert_non_null(kp);
    struct envelope_output out = envelope_keep_output(kp);
    struct envelope_mem m = {s.env.p, s.env.len, 0};
    assert_int_equal(envelope_open_with_key(k, 1, envelope_mem_read, &m, &out, NULL, &err),
                     SEAL_OK);
    assert_int_equal(kp->file[0].len, 0);
    assert_int_equal(kp->file[1].len, 5000);
    assert_memory_equal(kp->file[1].data, s.plain[1], 5000);
    assert_int_equal(kp->file[2].len, 0);
    envelope_keep_free(kp);
    /* ENVELOPE_KEEP_ANY: every file, whatever its role */
    kp = envelope_keep_new(ENVELOPE_KEEP_ANY, 1 << 20, 1 << 20);
    out = envelope_keep_output(kp);
    m.at = 0;
    assert_int_equal(envelope_open_with_key(k, 1, envelope_mem_read, &m, &out, NULL, &err),
                     SEAL_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kp->file[i].len, spec[i].size);
        if (spec[i].size > 0)
            assert_memory_equal(kp->file[i].data, s.plain[i], spec[i].size);
    }
    envelope_keep_free(kp);
    /* a file over file_max is not kept; a total cut short shows in len */
    kp = envelope_keep_new(ENVELOPE_ROLE_PRICE_LIST, 4999, 1 << 20);
    out = envelope_keep_output(kp);
    m.at = 0;
    assert_int_equal(envelope_open_with_key(k, 1, envelope_mem_read, &m, &out, NULL, &err),
                     SEAL_OK);
    assert_int_equal(kp->file[1].len, 0);
    envelope_keep_free(kp);
    kp = envelope_keep_new(ENVELOPE_ROLE_COMMERCIAL, 1 << 20, 70000);
    out = envelope_keep_output(kp);
    m.at = 0;
    assert_int_equal(envelope_open_with_key(k, 1, envelope_mem_read, &m, &out, NULL, &err),
                     SEAL_OK);
    assert_true(kp->file[0].len < 140000);
    assert_true(kp->kept <= 70000);
    envelope_keep_free(kp);
    envelope_keep_free(NULL);
    sealed_free(&s);
}

/* Another K: the manifest does not open, so it is the key, not the
 * content (the holder may try again), even though the chunks fail first. */
static void test_with_key_wrong_key(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 70000}};
    struct sealed s;
    struct seal_error err;
    struct envelope_header *h = NULL;
    uint8_t k[SUITE_KEY_LEN];
    struct outs o;
    memset(&o, 0, sizeof o);
    seal_ok(f, spec, 1, 0, &s);
    content_key(f, &s.env, k, &h);
    envelope_header_free(h);
    for (int bit = 0; bit < 256; bit += 37) {
        k[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        h = NULL;
        assert_int_equal(open_key(s.env.p, s.env.len, k, 0, &o, &h, &err), SEAL_EWRONGKEY);
        assert_int_equal(err.code, SEAL_EWRONGKEY);
        assert_non_null(strstr(err.msg, "manifest"));
        assert_non_null(h); /* the header parsed; no names */
        assert_false(h->have_names);
        envelope_header_free(h);
        assert_int_equal(o.f[0].len, 0); /* nothing authenticated, nothing written */
        assert_int_equal(open_key(s.env.p, s.env.len, k, 1, NULL, NULL, &err), SEAL_EWRONGKEY);
        k[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    outs_free(&o);
    sealed_free(&s);
}

/* A chunk changed: the signature catches it; bytes taken as known (or an
 * envelope re-signed by its signer) get to the MAC, and with the right K
 * that is the content's fault, pinned to file and chunk; with a wrong K
 * still the key. A changed manifest under known bytes reads as a wrong key
 * (K alone cannot tell them apart). */
static void test_with_key_corrupt_chunk(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 70000},
                                {"b.pdf", ENVELOPE_ROLE_TECHNICAL, 100}};
    struct sealed s;
    struct seal_error err;
    struct envelope_header *h = NULL;
    uint8_t k[SUITE_KEY_LEN];
    seal_ok(f, spec, 2, 0, &s);
    content_key(f, &s.env, k, &h);
    size_t at = h->header_len + 65536 + f->s->tag_len + 10; /* file 1, chunk 1 */
    size_t mat = h->header_len + h->body_len + 4 + 3;       /* in the manifest */
    envelope_header_free(h);
    s.env.p[at] ^= 0x20;
    assert_int_equal(open_key(s.env.p, s.env.len, k, 0, NULL, NULL, &err), SEAL_EBADSIG);
    assert_int_equal(open_key(s.env.p, s.env.len, k, 1, NULL, NULL, &err), SEAL_EBADMAC);
    assert_non_null(strstr(err.msg, "file 1"));
    assert_non_null(strstr(err.msg, "chunk 1"));
    resign(f->s, &s.env, f->a.sign);
    assert_int_equal(open_key(s.env.p, s.env.len, k, 0, NULL, NULL, &err), SEAL_EBADMAC);
    k[0] ^= 1;
    assert_int_equal(open_key(s.env.p, s.env.len, k, 0, NULL, NULL, &err), SEAL_EWRONGKEY);
    k[0] ^= 1;
    s.env.p[at] ^= 0x20;
    resign(f->s, &s.env, f->a.sign);
    assert_int_equal(open_key(s.env.p, s.env.len, k, 0, NULL, NULL, &err), SEAL_OK);
    s.env.p[mat] ^= 0x04;
    assert_int_equal(open_key(s.env.p, s.env.len, k, 0, NULL, NULL, &err), SEAL_EBADSIG);
    assert_int_equal(open_key(s.env.p, s.env.len, k, 1, NULL, NULL, &err), SEAL_EWRONGKEY);
    sealed_free(&s);
}

/* A manifest that opens under K but does not match the content, or breaks
 * the format: the signer's fault, each with its own code. */
static void test_with_key_bad_manifest(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 1000},
                                {"b.csv", ENVELOPE_ROLE_PRICE_LIST, 10}};
    struct sealed s;
    struct seal_error err;
    struct envelope_header *h = NULL;
    uint8_t k[SUITE_KEY_LEN];
    seal_ok(f, spec, 2, 0, &s);
    content_key(f, &s.env, k, &h);
    remanifest(f, &s.env, k, h, edit_first_hash);
    assert_int_equal(open_key(s.env.p, s.env.len, k, 0, NULL, NULL, &err), SEAL_EBADHASH);
    assert_non_null(strstr(err.msg, "file 1"));
    remanifest(f, &s.env, k, h, edit_first_hash); /* back */
    assert_int_equal(open_key(s.env.p, s.env.len, k, 0, NULL, NULL, &err), SEAL_OK);
    remanifest(f, &s.env, k, h, edit_first_name);
    assert_int_equal(open_key(s.env.p, s.env.len, k, 0, NULL, NULL, &err), SEAL_EMALFORMED);
    envelope_header_free(h);
    sealed_free(&s);
}

/* Every cut of the envelope is truncated, with and without known bytes,
 * before any key question; trailing bytes likewise refused. */
static void test_with_key_truncated(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 70000}};
    struct sealed s;
    struct seal_error err;
    struct envelope_header *h = NULL;
    uint8_t k[SUITE_KEY_LEN];
    seal_ok(f, spec, 1, 0, &s);
    content_key(f, &s.env, k, &h);
    envelope_header_free(h);
    for (size_t n = 0; n < s.env.len; n += (n < 1024 || n > s.env.len - 1024) ? 1 : 1499) {
        int rc = open_key(s.env.p, n, k, (int)(n & 1), NULL, NULL, &err);
        if (rc != SEAL_ETRUNCATED)
            fail_msg("prefix of %zu bytes: %s", n, err.msg);
    }
    k[3] ^= 1; /* a wrong key does not change it */
    assert_int_equal(open_key(s.env.p, s.env.len - 1, k, 1, NULL, NULL, &err), SEAL_ETRUNCATED);
    k[3] ^= 1;
    uint8_t *p = malloc(s.env.len + 1);
    memcpy(p, s.env.p, s.env.len);
    p[s.env.len] = 0;
    assert_int_equal(open_key(p, s.env.len + 1, k, 0, NULL, NULL, &err), SEAL_ETRAILING);
    free(p);
    sealed_free(&s);
}

static void test_reader_streaming(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 140000},
                                {"b.pdf", ENVELOPE_ROLE_OTHER, 0}};
    struct sealed s;
    struct seal_error err;
    uint8_t h1[32], h2[32];
    seal_ok(f, spec, 2, 1, &s);
    /* one byte at a time */
    struct envelope_reader *r = envelope_reader_new(NULL);
    for (size_t i = 0; i < s.env.len; i++) {
        assert_int_equal(envelope_reader_feed(r, s.env.p + i, 1, &err), SEAL_OK);
        if (i + 1 < s.env.len - 1000)
            assert_int_equal(envelope_reader_signed_hash(r, h1), SEAL_ETRUNCATED);
        if (i == 100)
            assert_null(envelope_reader_header(r));
    }
    assert_int_equal(envelope_reader_finish(r, &err), SEAL_OK);
    const struct envelope_header *h = envelope_reader_header(r);
    assert_non_null(h);
    assert_string_equal(h->tender, "T-2026-001");
    assert_int_equal(envelope_reader_offset(r), s.env.len);
    assert_int_equal(envelope_reader_signed_hash(r, h1), SEAL_OK);
    envelope_reader_free(r);
    /* in odd pieces */
    r = envelope_reader_new(NULL);
    for (size_t i = 0, k = 1; i < s.env.len; i += k, k = k * 3 % 70001 + 1) {
        size_t n = k < s.env.len - i ? k : s.env.len - i;
        assert_int_equal(envelope_reader_feed(r, s.env.p + i, n, &err), SEAL_OK);
    }
    assert_int_equal(envelope_reader_finish(r, &err), SEAL_OK);
    assert_int_equal(envelope_reader_signed_hash(r, h2), SEAL_OK);
    assert_memory_equal(h1, h2, 32);
    /* errors stick */
    assert_int_equal(envelope_reader_feed(r, "x", 1, &err), SEAL_ETRAILING);
    assert_int_equal(envelope_reader_feed(r, "", 0, &err), SEAL_ETRAILING);
    assert_int_equal(envelope_reader_finish(r, &err), SEAL_ETRAILING);
    envelope_reader_free(r);
    sealed_free(&s);
}

static void test_preamble_errors(void **state)
{
    struct fx *f = *state;
    const struct spec spec[] = {{"a.pdf", ENVELOPE_ROLE_COMMERCIAL, 10}};
    struct sealed s;
    struct seal_error err;
    seal_ok(f, spec, 1, 0, &s);
    uint8_t *p = s.env.p;
    size_t n = s.env.len;
    p[8] = 2;
    assert_int_equal(open_mem(p, n, NULL, NULL, NULL, NULL, NULL, NULL, &err), SEAL_EVERSION);
    p[8] = 1;
    p[9] = 3;
    assert_int_equal(open_mem(p, n, NULL, NULL, NULL, NULL, NULL, NULL, &err), SEAL_ESUITE);
    p[9] = (uint8_t)f->s->id;
    p[0] = 'P';
    assert_int_equal(open_mem(p, n, NULL, NULL, NULL, NULL, NULL, NULL, &err), SEAL_EMALFORMED);
    assert_non_null(strstr(err.msg, "magic"));
    p[0] = 0x89;
    p[12] = 0x01; /* header length 16 MiB + ... */
    assert_int_equal(open_mem(p, n, NULL, NULL, NULL, NULL, NULL, NULL, &err), SEAL_ELIMIT);
    p[12] = 0;
    p[11] = 1;
    assert_int_equal(open_mem(p, n, NULL, NULL, NULL, NULL, NULL, NULL, &err), SEAL_EMALFORMED);
    p[11] = 0;
    assert_int_equal(open_mem(p, n, NULL, NULL, NULL, NULL, NULL, NULL, &err), SEAL_OK);
    /* the suite byte of the other suite: the certificate's key is wrong for it */
    p[9] = (uint8_t)(f->s->id == SUITE_GM ? SUITE_INTL : SUITE_GM);
    assert_int_not_equal(open_mem(p, n, NULL, NULL, NULL, NULL, NULL, NULL, &err), SEAL_OK);
    sealed_free(&s);
}

static ssize_t short_read(void *arg, void *buf, size_t n)
{
    struct mem *m = arg;
    if (m->pos >= m->len)
        return 0;
    return mem_read(arg, buf, n);
}

static void test_seal_input_errors(void **state)
{
    struct fx *f = *state;
    struct sealed s;
    struct seal_error err;
    const struct spec slash[] = {{"../x.pdf", ENVELOPE_ROLE_COMMERCIAL, 1}};
    const struct spec dot[] = {{".hidden", ENVELOPE_ROLE_COMMERCIAL, 1}};
    const struct spec dup[] = {{"x", ENVELOPE_ROLE_COMMERCIAL, 1}, {"x", ENVELOPE_ROLE_OTHER, 1}};
    const struct spec role[] = {{"x", 9, 1}};
    const struct spec ok[] = {{"x", ENVELOPE_ROLE_OTHER, 1}};
    assert_int_equal(seal_with(f, &f->a, f->a.sign, f->a.enc, 0, slash, 1, "T", &s, &err),
                     SEAL_EINPUT);
    sealed_free(&s);
    assert_int_equal(seal_with(f, &f->a, f->a.sign, f->a.enc, 0, dot, 1, "T", &s, &err),
                     SEAL_EINPUT);
    sealed_free(&s);
    assert_int_equal(seal_with(f, &f->a, f->a.sign, f->a.enc, 0, dup, 2, "T", &s, &err),
                     SEAL_EINPUT);
    sealed_free(&s);
    assert_int_equal(seal_with(f, &f->a, f->a.sign, f->a.enc, 0, role, 1, "T", &s, &err),
                     SEAL_EINPUT);
    sealed_free(&s);
    assert_int_equal(seal_with(f, &f->a, f->a.sign, f->a.enc, 0, ok, 1, "has space", &s, &err),
                     SEAL_EINPUT);
    sealed_free(&s);
    assert_int_equal(seal_with(f, &f->a, f->a.sign, f->a.enc, 0, ok, 0, "T", &s, &err),
                     SEAL_ELIMIT);
    sealed_free(&s);
    assert_int_equal(seal_with(f, &f->a, f->a.sign, f->foreign, 0, ok, 1, "T", &s, &err),
                     SEAL_EKEYTYPE);
    sealed_free(&s);
    assert_int_equal(seal_with(f, &f->a, f->a.sign, f->escrow, 1, ok, 1, "T", &s, &err),
                     SEAL_EINPUT); /* the escrow key twice */
    sealed_free(&s);

    /* a file shorter or longer than declared */
    struct mem in = {(uint8_t *)(uintptr_t) "hello", 5, 5, 0, 0};
    struct envelope_source src = {"x", ENVELOPE_ROLE_OTHER, 6, short_read, &in};
    struct mem env;
    memset(&env, 0, sizeof env);
    struct envelope_seal_opts o = {.suite = f->s,
                                   .tender = "T",
                                   .lot = "L",
                                   .sign_key = f->a.sign,
                                   .cert = f->a.cert,
                                   .cert_len = f->a.cert_len,
                                   .bidder_key = f->a.enc,
                                   .files = &src,
                                   .n_files = 1};
    assert_int_equal(envelope_seal(&o, mem_write, &env, &err), SEAL_EIO);
    assert_non_null(strstr(err.msg, "shorter"));
    in.pos = 0;
    src.size = 4;
    env.len = 0;
    assert_int_equal(envelope_seal(&o, mem_write, &env, &err), SEAL_EIO);
    assert_non_null(strstr(err.msg, "longer"));
    in.pos = 0;
    src.size = 5;
    env.len = 0;
    assert_int_equal(envelope_seal(&o, mem_write, &env, &err), SEAL_OK);
    /* no machine, no org: still opens */
    assert_int_equal(open_mem(env.p, env.len, f->a.enc, "T", "L", NULL, NULL, NULL, &err), SEAL_OK);
    free(env.p);
}

static void test_names_and_ids(void **state)
{
    assert_true(envelope_name_ok("標書.pdf", strlen("標書.pdf")));
    assert_true(envelope_name_ok("a b (1).pdf", 11));
    assert_false(envelope_name_ok("", 0));
    assert_false(envelope_name_ok("a/b", 3));
    assert_false(envelope_name_ok("a\\b", 3));
    assert_false(envelope_name_ok("..", 2));
    assert_false(envelope_name_ok("a\nb", 3));
    assert_false(envelope_name_ok("a:b", 3));
    assert_false(envelope_name_ok("\xff", 1));
    assert_true(envelope_id_ok("T-2026/001"));
    assert_false(envelope_id_ok(""));
    assert_false(envelope_id_ok("a b"));
    assert_int_equal(envelope_role_parse("price-list"), ENVELOPE_ROLE_PRICE_LIST);
    assert_int_equal(envelope_role_parse("pricelist"), 0);
    assert_string_equal(envelope_role_name(ENVELOPE_ROLE_TECHNICAL), "technical");
}

#define BOTH(t)                                                                                    \
    cmocka_unit_test_setup_teardown(t, setup_gm, teardown),                                        \
        cmocka_unit_test_setup_teardown(t, setup_intl, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_round_trip_one),
        BOTH(test_round_trip_several),
        BOTH(test_round_trip_empty),
        BOTH(test_round_trip_3mb),
        BOTH(test_every_byte_corruption),
        BOTH(test_truncation_and_trailing),
        BOTH(test_binding),
        BOTH(test_wrong_key),
        BOTH(test_escrow_opens),
        BOTH(test_signature_by_other_key),
        BOTH(test_bad_mac_after_good_signature),
        BOTH(test_header_moved_to_other_tender),
        BOTH(test_with_key_opens),
        BOTH(test_with_key_wrong_key),
        BOTH(test_with_key_corrupt_chunk),
        BOTH(test_with_key_bad_manifest),
        BOTH(test_with_key_truncated),
        BOTH(test_reader_streaming),
        BOTH(test_preamble_errors),
        BOTH(test_seal_input_errors),
        cmocka_unit_test(test_names_and_ids),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    EVP_PKEY_free(ca_key);
    return rc;
}
