/*
 * envelope.c — sealing, verifying and opening sealed-bid envelopes (see
 * envelope.h for the API and the order in which failures are reported,
 * docs/envelope.md for the bytes).
 *
 * Three parts:
 *   - the reader: a push parser. It holds one element at a time (the
 *     preamble, the header, one chunk, the manifest, the signature) in a
 *     buffer of 64 KiB + 64, so its memory does not grow with the
 *     envelope. It keeps the hash chain
 *         h = H(preamble || header)                 (the header hash)
 *         h = H(h || chunk)                         for every chunk, in order
 *         h = H(h || manifest length || manifest)
 *     and at the end verifies the signature over
 *         "sunbid-envelope-v1 signature" || h
 *     with the public key of the certificate in the header;
 *   - the opener: reader callbacks that unwrap the content key (or take
 *     it as given: envelope_open_with_key), decrypt and authenticate each
 *     chunk, hash the plaintext, and check the manifest; failures that
 *     depend on the key are deferred until the signature has been checked
 *     (see envelope.h). Both ways of opening share these callbacks and one
 *     driver (open_run), so there is one decrypting loop in the code base;
 *   - the sealer: writes the same bytes in the same order.
 *
 * Keys: the content key K is 32 random bytes. Each file's stream key, and
 * the manifest's, is HKDF(IKM K, salt = header hash, info =
 * "sunbid-envelope-v1 file" || u32 index | "sunbid-envelope-v1 manifest")
 * with the suite's hash. Salting with the header hash binds the ciphertext
 * to this header: moving chunks under another header (another tender, lot
 * or signer), even with the wrapped keys copied along, fails their MACs.
 */
#include "crypto/envelope.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include "base/utf8.h"

static const char sig_context[] = "sunbid-envelope-v1 signature";
static const char file_info[] = "sunbid-envelope-v1 file";
static const char manifest_info[] = "sunbid-envelope-v1 manifest";

#define BUF_CAP            (ENVELOPE_CHUNK + 64) /* >= header, chunk + tag, manifest */
#define MANIFEST_ENTRY_MIN (2 + 1 + SUITE_HASH_LEN)
#define MANIFEST_ENTRY_MAX (2 + ENVELOPE_MAX_NAME + SUITE_HASH_LEN)
#define SIG_MIN            8

/* ---- signer keys remembered by certificate ----
 *
 * Every envelope carries its signer's certificate, and decoding one (DER
 * to X509 to EVP_PKEY through OpenSSL 3's decoders) cost ~13 % of the
 * server's CPU on a 10 KiB bid: the same bidder's certificate comes again
 * with each version. The public key is remembered by the SHA-256 of the
 * whole DER, so a hit is the key of exactly these bytes; a few dozen
 * entries, least recently used evicted. EVP_PKEY is reference counted and
 * safe to share for verification across threads. */

#define SIGNER_CACHE 64

struct signer_slot {
    uint8_t fp[32]; /* SHA-256 of the certificate's DER */
    EVP_PKEY *key;  /* its public key (one reference held); NULL: empty */
    uint64_t used;  /* last use, for eviction */
};

static struct signer_slot signer_cache[SIGNER_CACHE];
static uint64_t signer_tick;
static pthread_mutex_t signer_mu = PTHREAD_MUTEX_INITIALIZER;

/* The public key of certificate der (fingerprint fp) into *out (a new
 * reference), from the cache or decoded and remembered. */
static int signer_key(const uint8_t *der, size_t len, const uint8_t fp[32], EVP_PKEY **out)
{
    int i, victim = 0;
    *out = NULL;
    pthread_mutex_lock(&signer_mu);
    for (i = 0; i < SIGNER_CACHE; i++) {
        struct signer_slot *e = &signer_cache[i];
        if (e->key != NULL && memcmp(e->fp, fp, 32) == 0 && EVP_PKEY_up_ref(e->key) == 1) {
            e->used = ++signer_tick;
            *out = e->key;
            break;
        }
    }
    pthread_mutex_unlock(&signer_mu);
    if (*out != NULL)
        return SEAL_OK;
    int rc = suite_cert_public_key(der, len, out);
    if (rc != SEAL_OK)
        return rc;
    pthread_mutex_lock(&signer_mu);
    for (i = 0; i < SIGNER_CACHE; i++) {
        if (signer_cache[i].key != NULL && memcmp(signer_cache[i].fp, fp, 32) == 0)
            break; /* another thread remembered it meanwhile */
        if (signer_cache[i].used < signer_cache[victim].used)
            victim = i;
    }
    if (i == SIGNER_CACHE && EVP_PKEY_up_ref(*out) == 1) {
        struct signer_slot *e = &signer_cache[victim];
        EVP_PKEY_free(e->key);
        memcpy(e->fp, fp, 32);
        e->key = *out;
        e->used = ++signer_tick;
    }
    pthread_mutex_unlock(&signer_mu);
    return SEAL_OK;
}

/* ---- small helpers ---- */

const char *envelope_role_name(int role)
{
    switch (role) {
    case ENVELOPE_ROLE_COMMERCIAL:
        return "commercial";
    case ENVELOPE_ROLE_TECHNICAL:
        return "technical";
    case ENVELOPE_ROLE_PRICE_LIST:
        return "price-list";
    case ENVELOPE_ROLE_OTHER:
        return "other";
    default:
        return NULL;
    }
}

int envelope_role_parse(const char *name)
{
    for (int r = ENVELOPE_ROLE_COMMERCIAL; r <= ENVELOPE_ROLE_OTHER; r++)
        if (strcmp(name, envelope_role_name(r)) == 0)
            return r;
    return 0;
}

int envelope_name_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0 || n > ENVELOPE_MAX_NAME || p[0] == '.')
        return 0;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq(p + i, n - i);
        if (l == 0)
            return 0;
        if (l == 1 && (p[i] < 0x20 || p[i] == 0x7f || strchr("/\\:*?\"<>|", p[i]) != NULL))
            return 0;
        i += l;
    }
    return 1;
}

static int id_ok(const char *s, size_t n, int may_be_empty)
{
    if ((n == 0 && !may_be_empty) || n > ENVELOPE_MAX_ID)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

int envelope_id_ok(const char *s)
{
    return s != NULL && id_ok(s, strlen(s), 0);
}

static int tool_ok(const char *s, size_t n)
{
    if (n > ENVELOPE_MAX_TOOL)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

static uint64_t chunks_of(uint64_t size)
{
    return size == 0 ? 1 : (size + ENVELOPE_CHUNK - 1) / ENVELOPE_CHUNK;
}

/* Plaintext bytes of chunk idx of a file of size bytes. */
static size_t chunk_plain(uint64_t size, uint64_t idx)
{
    uint64_t n = chunks_of(size);
    return idx + 1 < n ? ENVELOPE_CHUNK : (size_t)(size - (n - 1) * ENVELOPE_CHUNK);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* A bounds-checked cursor over bytes being parsed. */
struct cur {
    const uint8_t *p;
    size_t n;
    int bad; /* read past the end */
};

static const uint8_t *take(struct cur *c, size_t n)
{
    const uint8_t *p = c->p;
    if (c->bad || n > c->n) {
        c->bad = 1;
        return NULL;
    }
    c->p += n;
    c->n -= n;
    return p;
}

static uint64_t get_be(struct cur *c, size_t n)
{
    const uint8_t *p = take(c, n);
    uint64_t v = 0;
    for (size_t i = 0; p != NULL && i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Stream key for file index (or the manifest, index -1). */
static int stream_key(const struct suite *s, const uint8_t k[SUITE_KEY_LEN],
                      const uint8_t header_hash[SUITE_HASH_LEN], int index,
                      uint8_t out[SUITE_MAX_STREAM_KEY])
{
    uint8_t info[sizeof file_info - 1 + 4];
    if (index < 0)
        return suite_kdf(s, k, SUITE_KEY_LEN, header_hash, SUITE_HASH_LEN, manifest_info,
                         sizeof manifest_info - 1, out, s->stream_key_len);
    memcpy(info, file_info, sizeof file_info - 1);
    put32(info + sizeof file_info - 1, (uint32_t)index);
    return suite_kdf(s, k, SUITE_KEY_LEN, header_hash, SUITE_HASH_LEN, info, sizeof info, out,
                     s->stream_key_len);
}

/* h = H(h || a || b) */
static int chain_step(struct suite_hash *hc, uint8_t h[SUITE_HASH_LEN], const void *a, size_t an,
                      const void *b, size_t bn)
{
    if (suite_hash_update(hc, h, SUITE_HASH_LEN) != SEAL_OK ||
        (an > 0 && suite_hash_update(hc, a, an) != SEAL_OK) ||
        (bn > 0 && suite_hash_update(hc, b, bn) != SEAL_OK))
        return SEAL_ECRYPTO;
    return suite_hash_end(hc, h);
}

void envelope_header_free(struct envelope_header *h)
{
    if (h == NULL)
        return;
    free(h->cert);
    free(h);
}

/* ---- the reader ---- */

enum rstate { R_PREAMBLE, R_HEADER, R_CHUNK, R_MLEN, R_MANIFEST, R_SLEN, R_SIG, R_DONE };

struct envelope_reader {
    struct envelope_reader_cb cb; /* zeroed when none */
    enum rstate state;
    int err;                   /* sticky first error */
    struct seal_error errinfo; /* its message */
    uint8_t *buf;              /* BUF_CAP bytes: the element being gathered */
    size_t need, have;         /* its length, bytes gathered */
    uint64_t offset;           /* bytes consumed */
    struct envelope_header *h;
    EVP_PKEY *signer;     /* public key of h->cert */
    struct suite_hash hc; /* for the chain */
    uint8_t chain[SUITE_HASH_LEN];
    int file;        /* current file (R_CHUNK) */
    uint64_t chunk;  /* its chunk index */
    uint8_t mlen[4]; /* manifest length bytes, hashed with it */
    uint8_t sig[SUITE_MAX_SIG];
    size_t sig_len;
    int known; /* envelope_reader_known_bytes: no chain, no signature */
};

struct envelope_reader *envelope_reader_new(const struct envelope_reader_cb *cb)
{
    struct envelope_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->buf = malloc(BUF_CAP);
    if (r->buf == NULL) {
        free(r);
        return NULL;
    }
    if (cb != NULL)
        r->cb = *cb;
    r->state = R_PREAMBLE;
    r->need = ENVELOPE_PREAMBLE_LEN;
    return r;
}

void envelope_reader_free(struct envelope_reader *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    envelope_header_free(r->h);
    EVP_PKEY_free(r->signer);
    suite_hash_release(&r->hc);
    free(r);
}

const struct envelope_header *envelope_reader_header(const struct envelope_reader *r)
{
    return r->state > R_HEADER ? r->h : NULL;
}

struct envelope_header *envelope_reader_take_header(struct envelope_reader *r)
{
    struct envelope_header *h = r->state > R_HEADER ? r->h : NULL;
    if (h != NULL)
        r->h = NULL;
    return h;
}

uint64_t envelope_reader_offset(const struct envelope_reader *r)
{
    return r->offset;
}

void envelope_reader_known_bytes(struct envelope_reader *r)
{
    if (r->offset == 0)
        r->known = 1;
}

int envelope_reader_signed_hash(const struct envelope_reader *r, uint8_t out[SUITE_HASH_LEN])
{
    if (r->state < R_SLEN || r->known)
        return SEAL_ETRUNCATED;
    memcpy(out, r->chain, SUITE_HASH_LEN);
    return SEAL_OK;
}

static int rfail(struct envelope_reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int rfail(struct envelope_reader *r, int code, const char *fmt, ...)
{
    char detail[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    r->err = code;
    seal_fail(&r->errinfo, code, "%s", detail);
    return code;
}

static int parse_preamble(struct envelope_reader *r)
{
    const uint8_t *p = r->buf;
    uint32_t hl;
    const struct suite *s;
    if (memcmp(p, ENVELOPE_MAGIC, ENVELOPE_MAGIC_LEN) != 0)
        return rfail(r, SEAL_EMALFORMED, "not a sealed-bid envelope (bad magic)");
    if (p[8] != ENVELOPE_VERSION)
        return rfail(r, SEAL_EVERSION, "format version %d (this build reads %d)", p[8],
                     ENVELOPE_VERSION);
    s = suite_by_id(p[9]);
    if (s == NULL)
        return rfail(r, SEAL_ESUITE, "suite %d", p[9]);
    if (p[10] != 0 || p[11] != 0)
        return rfail(r, SEAL_EMALFORMED, "reserved flags are not zero");
    hl = (uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 | (uint32_t)p[14] << 8 | p[15];
    if (hl == 0 || hl > ENVELOPE_MAX_HEADER)
        return rfail(r, SEAL_ELIMIT, "header length %u", hl);
    r->h = calloc(1, sizeof *r->h);
    if (r->h == NULL)
        return rfail(r, SEAL_ECRYPTO, "out of memory");
    r->h->suite = s;
    if (suite_hash_begin(s, &r->hc) != SEAL_OK ||
        suite_hash_update(&r->hc, p, ENVELOPE_PREAMBLE_LEN) != SEAL_OK)
        return rfail(r, SEAL_ECRYPTO, "hash");
    r->h->header_len = ENVELOPE_PREAMBLE_LEN + (uint64_t)hl;
    r->state = R_HEADER;
    r->need = hl;
    return SEAL_OK;
}

/* A length-prefixed string field (u8 length) into out. */
static int get_str(struct cur *c, char *out, size_t max)
{
    size_t n = (size_t)get_be(c, 1);
    const uint8_t *p = take(c, n);
    if (p == NULL || n > max)
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return (int)n;
}

static int parse_header(struct envelope_reader *r)
{
    struct envelope_header *h = r->h;
    const struct suite *s = h->suite;
    struct cur c = {r->buf, r->need, 0};
    const uint8_t *p;
    uint64_t total = 0;
    int n;

    h->created_ms = get_be(&c, 8);
    n = get_str(&c, h->tender, ENVELOPE_MAX_ID);
    if (n < 0 || !id_ok(h->tender, (size_t)n, 0))
        return rfail(r, SEAL_EMALFORMED, "tender id");
    n = get_str(&c, h->lot, ENVELOPE_MAX_ID);
    if (n < 0 || !id_ok(h->lot, (size_t)n, 0))
        return rfail(r, SEAL_EMALFORMED, "lot id");
    n = get_str(&c, h->org, ENVELOPE_MAX_ID);
    if (n < 0 || !id_ok(h->org, (size_t)n, 1))
        return rfail(r, SEAL_EMALFORMED, "bidder organisation id");
    p = take(&c, 64);
    if (p == NULL)
        return rfail(r, SEAL_EMALFORMED, "machine fingerprint");
    memcpy(h->machine.host_hash, p, 32);
    memcpy(h->machine.mac_hash, p + 32, 32);
    n = get_str(&c, h->machine.tool, ENVELOPE_MAX_TOOL);
    if (n < 0 || !tool_ok(h->machine.tool, (size_t)n))
        return rfail(r, SEAL_EMALFORMED, "tool version");

    h->cert_len = (size_t)get_be(&c, 2);
    p = take(&c, h->cert_len);
    if (p == NULL || h->cert_len == 0)
        return rfail(r, SEAL_EMALFORMED, "signer certificate length");
    if (h->cert_len > ENVELOPE_MAX_CERT)
        return rfail(r, SEAL_ELIMIT, "signer certificate of %zu bytes", h->cert_len);
    h->cert = malloc(h->cert_len);
    if (h->cert == NULL)
        return rfail(r, SEAL_ECRYPTO, "out of memory");
    memcpy(h->cert, p, h->cert_len);
    suite_sha256(h->cert, h->cert_len, h->signer_fp);

    h->n_recipients = (int)get_be(&c, 1);
    if (c.bad || h->n_recipients == 0)
        return rfail(r, SEAL_EMALFORMED, "no recipients");
    if (h->n_recipients > ENVELOPE_MAX_RECIPIENTS)
        return rfail(r, SEAL_ELIMIT, "%d recipients", h->n_recipients);
    for (int i = 0; i < h->n_recipients; i++) {
        struct envelope_recipient *rc = &h->rcpt[i];
        rc->kind = (uint8_t)get_be(&c, 1);
        p = take(&c, 32);
        rc->wrap_len = (uint16_t)get_be(&c, 2);
        if (c.bad)
            return rfail(r, SEAL_EMALFORMED, "recipient %d", i + 1);
        memcpy(rc->key_id, p, 32);
        if (rc->kind != (i == 0 ? ENVELOPE_RCPT_BIDDER : ENVELOPE_RCPT_ESCROW))
            return rfail(r, SEAL_EMALFORMED, "recipient %d has kind %d", i + 1, rc->kind);
        if (rc->wrap_len < s->wrap_min || rc->wrap_len > s->wrap_max)
            return rfail(r, SEAL_EMALFORMED, "recipient %d: wrapped key of %u bytes", i + 1,
                         rc->wrap_len);
        p = take(&c, rc->wrap_len);
        if (p == NULL)
            return rfail(r, SEAL_EMALFORMED, "recipient %d", i + 1);
        memcpy(rc->wrap, p, rc->wrap_len);
        for (int j = 0; j < i; j++)
            if (memcmp(h->rcpt[j].key_id, rc->key_id, 32) == 0)
                return rfail(r, SEAL_EMALFORMED, "recipient %d repeats a key", i + 1);
    }

    h->n_files = (int)get_be(&c, 1);
    if (c.bad || h->n_files == 0)
        return rfail(r, SEAL_EMALFORMED, "no files");
    if (h->n_files > ENVELOPE_MAX_FILES)
        return rfail(r, SEAL_ELIMIT, "%d files", h->n_files);
    for (int i = 0; i < h->n_files; i++) {
        struct envelope_file *f = &h->files[i];
        f->role = (uint8_t)get_be(&c, 1);
        f->size = get_be(&c, 8);
        if (c.bad)
            return rfail(r, SEAL_EMALFORMED, "file %d", i + 1);
        if (envelope_role_name(f->role) == NULL)
            return rfail(r, SEAL_EMALFORMED, "file %d has role %d", i + 1, f->role);
        if (f->size > ENVELOPE_MAX_FILE_SIZE || total + f->size > ENVELOPE_MAX_FILE_SIZE)
            return rfail(r, SEAL_ELIMIT, "file %d of %llu bytes", i + 1,
                         (unsigned long long)f->size);
        total += f->size;
        h->body_len += f->size + chunks_of(f->size) * s->tag_len;
    }
    if (c.n != 0)
        return rfail(r, SEAL_EMALFORMED, "%zu stray bytes at the end of the header", c.n);

    if (suite_hash_update(&r->hc, r->buf, r->need) != SEAL_OK ||
        suite_hash_end(&r->hc, h->header_hash) != SEAL_OK)
        return rfail(r, SEAL_ECRYPTO, "hash");
    memcpy(r->chain, h->header_hash, SUITE_HASH_LEN);

    if (signer_key(h->cert, h->cert_len, h->signer_fp, &r->signer) != SEAL_OK)
        return rfail(r, SEAL_EBADCERT, "the signer certificate does not parse");
    if (suite_key_check(s, r->signer) != SEAL_OK)
        return rfail(r, SEAL_EBADCERT, "the signer certificate's key is not %s (suite %s)",
                     s->key_alg, s->name);
    return SEAL_OK;
}

static void to_first_chunk(struct envelope_reader *r)
{
    r->state = R_CHUNK;
    r->file = 0;
    r->chunk = 0;
    r->need = chunk_plain(r->h->files[0].size, 0) + r->h->suite->tag_len;
}

/* Handles one chunk at p (r->need bytes), then moves to the next element. */
static int on_chunk(struct envelope_reader *r, const uint8_t *p, struct seal_error *cberr)
{
    const struct envelope_file *f = &r->h->files[r->file];
    uint64_t n = chunks_of(f->size);
    int last = r->chunk + 1 == n;
    int rc;

    if (!r->known && chain_step(&r->hc, r->chain, p, r->need, NULL, 0) != SEAL_OK)
        return rfail(r, SEAL_ECRYPTO, "hash");
    if (r->cb.chunk != NULL) {
        rc = r->cb.chunk(r->cb.arg, r->file, r->chunk, last, p, r->need, cberr);
        if (rc != SEAL_OK) {
            r->err = rc;
            r->errinfo = *cberr;
            return rc;
        }
    }
    if (!last) {
        r->chunk++;
    } else if (r->file + 1 < r->h->n_files) {
        r->file++;
        r->chunk = 0;
    } else {
        r->state = R_MLEN;
        r->need = 4;
        return SEAL_OK;
    }
    r->need = chunk_plain(r->h->files[r->file].size, r->chunk) + r->h->suite->tag_len;
    return SEAL_OK;
}

/* The element in r->buf is complete: act on it and set up the next. */
static int step(struct envelope_reader *r)
{
    struct seal_error cberr = {SEAL_OK, ""};
    const struct envelope_header *h = r->h;
    int rc;
    uint32_t ml;

    switch (r->state) {
    case R_PREAMBLE:
        return parse_preamble(r);
    case R_HEADER:
        rc = parse_header(r);
        if (rc != SEAL_OK)
            return rc;
        if (r->cb.header != NULL) {
            rc = r->cb.header(r->cb.arg, r->h, &cberr);
            if (rc != SEAL_OK) {
                r->err = rc;
                r->errinfo = cberr;
                return rc;
            }
        }
        to_first_chunk(r);
        return SEAL_OK;
    case R_CHUNK:
        return on_chunk(r, r->buf, &cberr);
    case R_MLEN:
        memcpy(r->mlen, r->buf, 4);
        ml = (uint32_t)r->buf[0] << 24 | (uint32_t)r->buf[1] << 16 | (uint32_t)r->buf[2] << 8 |
             r->buf[3];
        if (ml < h->suite->tag_len + (size_t)h->n_files * MANIFEST_ENTRY_MIN ||
            ml > h->suite->tag_len + (size_t)h->n_files * MANIFEST_ENTRY_MAX ||
            ml > ENVELOPE_MAX_MANIFEST)
            return rfail(r, SEAL_EMALFORMED, "manifest length %u", ml);
        r->state = R_MANIFEST;
        r->need = ml;
        return SEAL_OK;
    case R_MANIFEST:
        if (!r->known && chain_step(&r->hc, r->chain, r->mlen, 4, r->buf, r->need) != SEAL_OK)
            return rfail(r, SEAL_ECRYPTO, "hash");
        if (r->cb.manifest != NULL) {
            rc = r->cb.manifest(r->cb.arg, r->buf, r->need, &cberr);
            if (rc != SEAL_OK) {
                r->err = rc;
                r->errinfo = cberr;
                return rc;
            }
        }
        r->state = R_SLEN;
        r->need = 2;
        return SEAL_OK;
    case R_SLEN:
        r->sig_len = (size_t)r->buf[0] << 8 | r->buf[1];
        if (r->sig_len < SIG_MIN || r->sig_len > SUITE_MAX_SIG)
            return rfail(r, SEAL_EMALFORMED, "signature length %zu", r->sig_len);
        r->state = R_SIG;
        r->need = r->sig_len;
        return SEAL_OK;
    case R_SIG:
        memcpy(r->sig, r->buf, r->sig_len);
        r->state = R_DONE;
        r->need = 0;
        return SEAL_OK;
    case R_DONE:
        break;
    }
    return rfail(r, SEAL_ECRYPTO, "reader state");
}

int envelope_reader_feed(struct envelope_reader *r, const void *data, size_t n,
                         struct seal_error *err)
{
    const uint8_t *p = data;
    int rc;
    if (r->err != SEAL_OK)
        goto out;
    while (n > 0) {
        if (r->state == R_DONE) {
            rfail(r, SEAL_ETRAILING, "%zu bytes after the signature at offset %llu", n,
                  (unsigned long long)r->offset);
            goto out;
        }
        /* A whole chunk in the input: hash and hand it over without a copy. */
        if (r->state == R_CHUNK && r->have == 0 && n >= r->need) {
            size_t len = r->need;
            struct seal_error cberr = {SEAL_OK, ""};
            rc = on_chunk(r, p, &cberr);
            if (rc != SEAL_OK)
                goto out;
            p += len;
            n -= len;
            r->offset += len;
            continue;
        }
        size_t k = r->need - r->have;
        if (k > n)
            k = n;
        memcpy(r->buf + r->have, p, k);
        r->have += k;
        p += k;
        n -= k;
        r->offset += k;
        if (r->have == r->need) {
            r->have = 0;
            rc = step(r);
            if (rc != SEAL_OK)
                goto out;
        }
    }
    return SEAL_OK;
out:
    if (err != NULL)
        *err = r->errinfo;
    return r->err;
}

static const char *state_name(enum rstate s)
{
    static const char *const names[] = {"preamble", "header",    "content",   "manifest length",
                                        "manifest", "signature", "signature", "end"};
    return names[s];
}

int envelope_reader_finish(struct envelope_reader *r, struct seal_error *err)
{
    uint8_t msg[sizeof sig_context - 1 + SUITE_HASH_LEN];
    if (r->err != SEAL_OK)
        goto out;
    if (r->state != R_DONE) {
        if (r->state == R_CHUNK)
            rfail(r, SEAL_ETRUNCATED, "ends at byte %llu, inside file %d, chunk %llu",
                  (unsigned long long)r->offset, r->file + 1, (unsigned long long)r->chunk);
        else
            rfail(r, SEAL_ETRUNCATED, "ends at byte %llu, inside the %s",
                  (unsigned long long)r->offset, state_name(r->state));
        goto out;
    }
    if (r->known)
        return SEAL_OK; /* verified when these bytes were first read */
    memcpy(msg, sig_context, sizeof sig_context - 1);
    memcpy(msg + sizeof sig_context - 1, r->chain, SUITE_HASH_LEN);
    if (suite_verify(r->h->suite, r->signer, msg, sizeof msg, r->sig, r->sig_len) != SEAL_OK) {
        rfail(r, SEAL_EBADSIG,
              "the signature does not verify: the envelope was altered, or "
              "not signed by the certificate it carries");
        goto out;
    }
    return SEAL_OK;
out:
    if (err != NULL)
        *err = r->errinfo;
    return r->err;
}

/* ---- opening ---- */

struct opener {
    const struct envelope_open_opts *o;
    const struct envelope_output *out;
    const struct envelope_header *h; /* the reader's */
    int deferred;                    /* first key/content failure, reported after the signature */
    struct seal_error derr;
    int have_key;
    int given_key;            /* k was given (envelope_open_with_key), not unwrapped */
    int chunk_err;            /* given_key: first chunk failure, held until the manifest */
    struct seal_error cerr;   /* its message */
    uint8_t k[SUITE_KEY_LEN]; /* the content key */
    struct suite_stream st;
    int st_open;          /* st is initialised */
    struct suite_hash ph; /* plaintext hash of the current file */
    uint8_t hashes[ENVELOPE_MAX_FILES][SUITE_HASH_LEN];
    char names[ENVELOPE_MAX_FILES][ENVELOPE_MAX_NAME + 1];
    int have_names;
    uint8_t *pt; /* BUF_CAP bytes of plaintext */
};

static int defer(struct opener *op, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int defer(struct opener *op, int code, const char *fmt, ...)
{
    char detail[200];
    va_list ap;
    if (op->deferred != SEAL_OK)
        return SEAL_OK;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    op->deferred = code;
    seal_fail(&op->derr, code, "%s", detail);
    return SEAL_OK;
}

static int op_header(void *arg, const struct envelope_header *h, struct seal_error *err)
{
    struct opener *op = arg;
    const struct envelope_open_opts *o = op->o;
    uint8_t id[32];
    int i, rc;

    op->h = h;
    if (op->given_key) {
        op->have_key = 1;
        return SEAL_OK;
    }
    if (o->expect_signer != NULL && CRYPTO_memcmp(o->expect_signer, h->signer_fp, 32) != 0)
        return defer(op, SEAL_EWRONGSIGNER, "signed by another certificate");
    if (o->expect_tender != NULL && strcmp(o->expect_tender, h->tender) != 0)
        return defer(op, SEAL_EWRONGTENDER, "bound to tender %s, expected %s", h->tender,
                     o->expect_tender);
    if (o->expect_lot != NULL && strcmp(o->expect_lot, h->lot) != 0)
        return defer(op, SEAL_EWRONGLOT, "bound to lot %s, expected %s", h->lot, o->expect_lot);
    if (o->key == NULL)
        return SEAL_OK;
    if (suite_key_check(h->suite, o->key) != SEAL_OK)
        return defer(op, SEAL_EKEYTYPE, "the key is not %s, which suite %s needs",
                     h->suite->key_alg, h->suite->name);
    if (suite_key_id(o->key, id) != SEAL_OK)
        return seal_fail(err, SEAL_ECRYPTO, "key id");
    for (i = 0; i < h->n_recipients; i++)
        if (memcmp(h->rcpt[i].key_id, id, 32) == 0)
            break;
    if (i == h->n_recipients)
        return defer(op, SEAL_EWRONGKEY, "none of the %d recipients has this key", h->n_recipients);
    rc = suite_unwrap(h->suite, o->key, h->rcpt[i].wrap, h->rcpt[i].wrap_len, op->k);
    if (rc != SEAL_OK)
        return defer(op, rc == SEAL_ECRYPTO ? SEAL_ECRYPTO : SEAL_EBADWRAP,
                     "recipient %d: the wrapped content key does not decrypt", i + 1);
    op->have_key = 1;
    return SEAL_OK;
}

static int op_chunk(void *arg, int file, uint64_t index, int last, const uint8_t *ct, size_t n,
                    struct seal_error *err)
{
    struct opener *op = arg;
    const struct envelope_header *h = op->h;
    uint8_t key[SUITE_MAX_STREAM_KEY];
    size_t pn = n - h->suite->tag_len;
    int rc;

    if (!op->have_key || op->deferred != SEAL_OK || op->chunk_err != SEAL_OK)
        return SEAL_OK;
    if (index == 0) {
        rc = stream_key(h->suite, op->k, h->header_hash, file, key);
        if (rc == SEAL_OK)
            rc = suite_stream_init(&op->st, h->suite, key);
        OPENSSL_cleanse(key, sizeof key);
        if (rc != SEAL_OK)
            return seal_fail(err, SEAL_ECRYPTO, "stream key");
        op->st_open = 1;
        if (suite_hash_begin(h->suite, &op->ph) != SEAL_OK)
            return seal_fail(err, SEAL_ECRYPTO, "hash");
        if (op->out != NULL && op->out->begin != NULL &&
            op->out->begin(op->out->arg, file, &h->files[file]) != 0)
            return seal_fail(err, SEAL_EIO, "cannot start output file %d", file + 1);
    }
    rc = suite_stream_open(&op->st, index, last, ct, n, op->pt);
    if (rc != SEAL_OK) {
        suite_stream_release(&op->st);
        op->st_open = 0;
        if (rc != SEAL_EBADMAC)
            return seal_fail(err, rc, "file %d, chunk %llu", file + 1, (unsigned long long)index);
        if (op->given_key) { /* the manifest tells whether K or the chunk is wrong */
            op->chunk_err = SEAL_EBADMAC;
            seal_fail(&op->cerr, SEAL_EBADMAC,
                      "file %d (%s), chunk %llu does not authenticate under the right key",
                      file + 1, envelope_role_name(h->files[file].role), (unsigned long long)index);
            return SEAL_OK;
        }
        return defer(op, SEAL_EBADMAC, "file %d (%s), chunk %llu does not authenticate", file + 1,
                     envelope_role_name(h->files[file].role), (unsigned long long)index);
    }
    if (suite_hash_update(&op->ph, op->pt, pn) != SEAL_OK)
        return seal_fail(err, SEAL_ECRYPTO, "hash");
    if (op->out != NULL && op->out->write != NULL && pn > 0 &&
        op->out->write(op->out->arg, file, op->pt, pn) != 0)
        return seal_fail(err, SEAL_EIO, "cannot write output file %d", file + 1);
    if (last) {
        suite_stream_release(&op->st);
        op->st_open = 0;
        rc = suite_hash_end(&op->ph, op->hashes[file]);
        suite_hash_release(&op->ph);
        if (rc != SEAL_OK)
            return seal_fail(err, SEAL_ECRYPTO, "hash");
    }
    return SEAL_OK;
}

static int op_manifest(void *arg, const uint8_t *ct, size_t n, struct seal_error *err)
{
    struct opener *op = arg;
    const struct envelope_header *h = op->h;
    uint8_t key[SUITE_MAX_STREAM_KEY];
    struct suite_stream st;
    struct cur c;
    int rc;

    if (!op->have_key || op->deferred != SEAL_OK)
        return SEAL_OK;
    rc = stream_key(h->suite, op->k, h->header_hash, -1, key);
    if (rc == SEAL_OK)
        rc = suite_stream_init(&st, h->suite, key);
    OPENSSL_cleanse(key, sizeof key);
    if (rc != SEAL_OK)
        return seal_fail(err, SEAL_ECRYPTO, "manifest key");
    rc = suite_stream_open(&st, 0, 1, ct, n, op->pt);
    suite_stream_release(&st);
    if (rc == SEAL_EBADMAC && op->given_key)
        return defer(op, SEAL_EWRONGKEY, "the content key does not open the manifest");
    if (rc == SEAL_EBADMAC)
        return defer(op, SEAL_EBADMAC, "the manifest does not authenticate");
    if (rc != SEAL_OK)
        return seal_fail(err, rc, "manifest");
    if (op->chunk_err != SEAL_OK) {
        op->deferred = op->chunk_err;
        op->derr = op->cerr;
        return SEAL_OK;
    }
    c.p = op->pt;
    c.n = n - h->suite->tag_len;
    c.bad = 0;
    for (int i = 0; i < h->n_files; i++) {
        size_t len = (size_t)get_be(&c, 2);
        const uint8_t *name = take(&c, len);
        const uint8_t *hash = take(&c, SUITE_HASH_LEN);
        if (c.bad || !envelope_name_ok((const char *)name, len))
            return defer(op, SEAL_EMALFORMED, "manifest: entry %d", i + 1);
        memcpy(op->names[i], name, len);
        op->names[i][len] = '\0';
        for (int j = 0; j < i; j++)
            if (strcmp(op->names[j], op->names[i]) == 0)
                return defer(op, SEAL_EMALFORMED, "manifest: two files named %s", op->names[i]);
        if (CRYPTO_memcmp(hash, op->hashes[i], SUITE_HASH_LEN) != 0)
            return defer(op, SEAL_EBADHASH, "file %d (%s) does not match its content hash", i + 1,
                         op->names[i]);
    }
    if (c.n != 0)
        return defer(op, SEAL_EMALFORMED, "manifest: %zu stray bytes", c.n);
    op->have_names = 1;
    return SEAL_OK;
}

/* Drives the reader over read() with op's callbacks; op is set up by the
 * caller (o, out, and k / given_key) and wiped here. known: as
 * envelope_reader_known_bytes. */
static int open_run(struct opener *op, int known, envelope_read_fn read, void *rarg,
                    struct envelope_header **hdr, struct seal_error *err)
{
    struct envelope_reader_cb cb = {op_header, op_chunk, op_manifest, op};
    struct envelope_reader *r = NULL;
    struct envelope_header *h;
    uint8_t *in = NULL;
    int rc;

    if (hdr != NULL)
        *hdr = NULL;
    r = envelope_reader_new(&cb);
    in = malloc(ENVELOPE_CHUNK);
    op->pt = malloc(BUF_CAP);
    if (r == NULL || in == NULL || op->pt == NULL) {
        rc = seal_fail(err, SEAL_ECRYPTO, "out of memory");
        goto out;
    }
    if (known)
        envelope_reader_known_bytes(r);
    for (;;) {
        ssize_t got = read(rarg, in, ENVELOPE_CHUNK);
        if (got < 0) {
            rc = seal_fail(err, SEAL_EIO, "cannot read the envelope at byte %llu",
                           (unsigned long long)envelope_reader_offset(r));
            goto out;
        }
        if (got == 0)
            break;
        rc = envelope_reader_feed(r, in, (size_t)got, err);
        if (rc != SEAL_OK)
            goto out;
    }
    rc = envelope_reader_finish(r, err);
    if (rc != SEAL_OK)
        goto out;
    if (op->deferred != SEAL_OK) {
        rc = op->deferred;
        if (err != NULL)
            *err = op->derr;
        goto out;
    }
    if ((op->o->key != NULL || op->given_key) && !op->have_names) {
        rc = seal_fail(err, SEAL_ECRYPTO, "the envelope was not decrypted");
        goto out;
    }
    rc = SEAL_OK;
out:
    h = r != NULL ? envelope_reader_take_header(r) : NULL;
    if (h != NULL && op->have_names) {
        for (int i = 0; i < h->n_files; i++) {
            memcpy(h->files[i].name, op->names[i], sizeof h->files[i].name);
            memcpy(h->files[i].hash, op->hashes[i], SUITE_HASH_LEN);
        }
        h->have_names = 1;
    }
    if (hdr != NULL)
        *hdr = h;
    else
        envelope_header_free(h);
    if (op->st_open)
        suite_stream_release(&op->st);
    suite_hash_release(&op->ph);
    OPENSSL_cleanse(op->k, sizeof op->k);
    if (op->pt != NULL)
        OPENSSL_cleanse(op->pt, BUF_CAP);
    free(op->pt);
    free(in);
    envelope_reader_free(r);
    return rc;
}

int envelope_open(const struct envelope_open_opts *o, envelope_read_fn read, void *rarg,
                  const struct envelope_output *out, struct envelope_header **hdr,
                  struct seal_error *err)
{
    struct opener op;
    memset(&op, 0, sizeof op);
    op.o = o;
    op.out = out;
    return open_run(&op, 0, read, rarg, hdr, err);
}

int envelope_open_with_key(const uint8_t key[SUITE_KEY_LEN], int known, envelope_read_fn read,
                           void *rarg, const struct envelope_output *out,
                           struct envelope_header **hdr, struct seal_error *err)
{
    static const struct envelope_open_opts none = {NULL, NULL, NULL, NULL};
    struct opener op;
    memset(&op, 0, sizeof op);
    op.o = &none;
    op.out = out;
    op.given_key = 1;
    memcpy(op.k, key, SUITE_KEY_LEN);
    return open_run(&op, known, read, rarg, hdr, err); /* wipes op.k */
}

static int keep_begin(void *arg, int file, const struct envelope_file *f)
{
    struct envelope_keep *k = arg;
    k->roles[file] = f->role;
    k->sizes[file] = f->size;
    return 0;
}

static int keep_write(void *arg, int file, const void *p, size_t n)
{
    struct envelope_keep *k = arg;
    if ((k->role != ENVELOPE_KEEP_ANY && k->roles[file] != k->role) ||
        k->sizes[file] > k->file_max || n > k->total_max - k->kept)
        return 0;
    if (buf_append(&k->file[file], p, n) != BUF_OK)
        return -1;
    k->kept += n;
    return 0;
}

struct envelope_keep *envelope_keep_new(int role, uint64_t file_max, size_t total_max)
{
    struct envelope_keep *k = calloc(1, sizeof *k);
    if (k == NULL)
        return NULL;
    k->role = role;
    k->file_max = file_max;
    k->total_max = total_max;
    for (int i = 0; i < ENVELOPE_MAX_FILES; i++)
        buf_init(&k->file[i], file_max < total_max ? (size_t)file_max : total_max);
    return k;
}

void envelope_keep_free(struct envelope_keep *k)
{
    if (k == NULL)
        return;
    for (int i = 0; i < ENVELOPE_MAX_FILES; i++) {
        if (k->file[i].data != NULL)
            OPENSSL_cleanse(k->file[i].data, k->file[i].len);
        buf_release(&k->file[i]);
    }
    free(k);
}

struct envelope_output envelope_keep_output(struct envelope_keep *k)
{
    struct envelope_output out = {keep_begin, keep_write, k};
    return out;
}

ssize_t envelope_mem_read(void *arg, void *buf, size_t n)
{
    struct envelope_mem *m = arg;
    size_t k = m->len - m->at < n ? m->len - m->at : n;
    if (k > 0)
        memcpy(buf, m->p + m->at, k);
    m->at += k;
    return (ssize_t)k;
}

/* ---- sealing ---- */

struct sealer {
    const struct envelope_seal_opts *o;
    envelope_write_fn write;
    void *warg;
    struct suite_hash hc;
    uint8_t chain[SUITE_HASH_LEN];
    uint8_t k[SUITE_KEY_LEN];
    uint8_t *buf; /* BUF_CAP: plaintext chunk, sealed in place */
};

static int emit(struct sealer *sl, const void *p, size_t n, struct seal_error *err)
{
    if (n > 0 && sl->write(sl->warg, p, n) != 0)
        return seal_fail(err, SEAL_EIO, "cannot write the envelope");
    return SEAL_OK;
}

/* Checks the options before anything is written. */
static int seal_check(const struct envelope_seal_opts *o, struct seal_error *err)
{
    const struct suite *s = o->suite;
    EVP_PKEY *certkey = NULL;
    uint64_t total = 0;
    uint8_t ids[ENVELOPE_MAX_RECIPIENTS][32];
    int rc;

    if (s == NULL)
        return seal_fail(err, SEAL_ESUITE, "no suite");
    if (!envelope_id_ok(o->tender))
        return seal_fail(err, SEAL_EINPUT, "tender id must be 1-64 printable ASCII characters");
    if (!envelope_id_ok(o->lot))
        return seal_fail(err, SEAL_EINPUT, "lot id must be 1-64 printable ASCII characters");
    if (o->org != NULL && !id_ok(o->org, strlen(o->org), 1))
        return seal_fail(err, SEAL_EINPUT, "organisation id must be 0-64 printable ASCII");
    if (o->machine != NULL && !tool_ok(o->machine->tool, strlen(o->machine->tool)))
        return seal_fail(err, SEAL_EINPUT, "tool version");
    if (o->n_files < 1 || o->n_files > ENVELOPE_MAX_FILES)
        return seal_fail(err, SEAL_ELIMIT, "1 to %d files, not %d", ENVELOPE_MAX_FILES, o->n_files);
    for (int i = 0; i < o->n_files; i++) {
        const struct envelope_source *f = &o->files[i];
        if (f->name == NULL || !envelope_name_ok(f->name, strlen(f->name)))
            return seal_fail(err, SEAL_EINPUT, "file name \"%s\" is not allowed in an envelope",
                             f->name ? f->name : "");
        for (int j = 0; j < i; j++)
            if (strcmp(o->files[j].name, f->name) == 0)
                return seal_fail(err, SEAL_EINPUT, "two files named %s", f->name);
        if (envelope_role_name(f->role) == NULL)
            return seal_fail(err, SEAL_EINPUT, "file %s: unknown role", f->name);
        if (f->size > ENVELOPE_MAX_FILE_SIZE || total + f->size > ENVELOPE_MAX_FILE_SIZE)
            return seal_fail(err, SEAL_ELIMIT, "the files are over 64 GiB");
        total += f->size;
    }
    if (o->n_escrow < 0 || o->n_escrow > ENVELOPE_MAX_RECIPIENTS - 1)
        return seal_fail(err, SEAL_ELIMIT, "at most %d escrow keys", ENVELOPE_MAX_RECIPIENTS - 1);
    if (o->cert == NULL || o->cert_len == 0 || o->cert_len > ENVELOPE_MAX_CERT)
        return seal_fail(err, SEAL_EBADCERT, "the signer certificate is missing or too large");
    if (suite_cert_public_key(o->cert, o->cert_len, &certkey) != SEAL_OK)
        return seal_fail(err, SEAL_EBADCERT, "the signer certificate does not parse");
    rc = suite_key_check(s, certkey);
    if (rc == SEAL_OK && EVP_PKEY_eq(certkey, o->sign_key) != 1)
        rc = SEAL_EKEYMISMATCH;
    EVP_PKEY_free(certkey);
    if (rc == SEAL_EKEYTYPE)
        return seal_fail(err, SEAL_EBADCERT, "the signer certificate is not %s (suite %s)",
                         s->key_alg, s->name);
    if (rc != SEAL_OK)
        return seal_fail(err, rc, "the signing key is not the certificate's key");
    for (int i = 0; i <= o->n_escrow; i++) {
        EVP_PKEY *k = i == 0 ? o->bidder_key : o->escrow_keys[i - 1];
        if (suite_key_check(s, k) != SEAL_OK)
            return seal_fail(err, SEAL_EKEYTYPE, "recipient %d is not a %s key", i + 1, s->key_alg);
        if (suite_key_id(k, ids[i]) != SEAL_OK)
            return seal_fail(err, SEAL_ECRYPTO, "key id");
        for (int j = 0; j < i; j++)
            if (memcmp(ids[j], ids[i], 32) == 0)
                return seal_fail(err, SEAL_EINPUT, "recipient %d repeats a key", i + 1);
    }
    return SEAL_OK;
}

/* Builds preamble + header into out (BUF_CAP bytes); returns its length. */
static int seal_header(struct sealer *sl, uint8_t *out, size_t *len, struct seal_error *err)
{
    const struct envelope_seal_opts *o = sl->o;
    const struct suite *s = o->suite;
    size_t n = ENVELOPE_PREAMBLE_LEN, l;
    const char *strs[3] = {o->tender, o->lot, o->org ? o->org : ""};
    const char *tool = o->machine ? o->machine->tool : "";
    static const uint8_t zero[32];
    int rc;

/* Every field is bounded and the total is under BUF_CAP: 8 + 3*65 + 64 +
 * 65 + 2 + 16384 + 1 + 8*(35+160) + 1 + 64*9 < 20 KiB. */
#define PUT(p, k)                                                                                  \
    do {                                                                                           \
        memcpy(out + n, (p), (k));                                                                 \
        n += (k);                                                                                  \
    } while (0)

    memcpy(out, ENVELOPE_MAGIC, ENVELOPE_MAGIC_LEN);
    out[8] = ENVELOPE_VERSION;
    out[9] = (uint8_t)s->id;
    out[10] = out[11] = 0;
    put64(out + n, o->created_ms);
    n += 8;
    for (int i = 0; i < 3; i++) {
        l = strlen(strs[i]);
        out[n++] = (uint8_t)l;
        PUT(strs[i], l);
    }
    PUT(o->machine ? o->machine->host_hash : zero, 32);
    PUT(o->machine ? o->machine->mac_hash : zero, 32);
    l = strlen(tool);
    out[n++] = (uint8_t)l;
    PUT(tool, l);
    put16(out + n, (uint16_t)o->cert_len);
    n += 2;
    PUT(o->cert, o->cert_len);
    out[n++] = (uint8_t)(1 + o->n_escrow);
    for (int i = 0; i <= o->n_escrow; i++) {
        EVP_PKEY *k = i == 0 ? o->bidder_key : o->escrow_keys[i - 1];
        size_t wl = SUITE_MAX_WRAP;
        out[n++] = i == 0 ? ENVELOPE_RCPT_BIDDER : ENVELOPE_RCPT_ESCROW;
        if (suite_key_id(k, out + n) != SEAL_OK)
            return seal_fail(err, SEAL_ECRYPTO, "key id");
        n += 32;
        rc = suite_wrap(s, k, sl->k, out + n + 2, &wl);
        if (rc != SEAL_OK)
            return seal_fail(err, rc, "cannot wrap the content key to recipient %d", i + 1);
        put16(out + n, (uint16_t)wl);
        n += 2 + wl;
    }
    out[n++] = (uint8_t)o->n_files;
    for (int i = 0; i < o->n_files; i++) {
        out[n++] = (uint8_t)o->files[i].role;
        put64(out + n, o->files[i].size);
        n += 8;
    }
#undef PUT
    put32(out + 12, (uint32_t)(n - ENVELOPE_PREAMBLE_LEN));
    *len = n;
    return SEAL_OK;
}

/* Reads exactly n bytes (n may be 0) of file f into p. */
static int read_exact(const struct envelope_source *f, uint8_t *p, size_t n, struct seal_error *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = f->read(f->arg, p + got, n - got);
        if (r < 0)
            return seal_fail(err, SEAL_EIO, "cannot read %s", f->name);
        if (r == 0)
            return seal_fail(err, SEAL_EIO,
                             "%s is shorter than its %llu bytes (changed while "
                             "sealing?)",
                             f->name, (unsigned long long)f->size);
        got += (size_t)r;
    }
    return SEAL_OK;
}

static int seal_file(struct sealer *sl, int index, uint8_t hash[SUITE_HASH_LEN],
                     const uint8_t header_hash[SUITE_HASH_LEN], struct seal_error *err)
{
    const struct envelope_source *f = &sl->o->files[index];
    const struct suite *s = sl->o->suite;
    struct suite_stream st;
    struct suite_hash ph = {NULL};
    uint8_t key[SUITE_MAX_STREAM_KEY], extra;
    uint64_t left = f->size, idx = 0;
    int rc, st_ok = 0;

    rc = stream_key(s, sl->k, header_hash, index, key);
    if (rc == SEAL_OK)
        rc = suite_stream_init(&st, s, key);
    OPENSSL_cleanse(key, sizeof key);
    if (rc != SEAL_OK)
        return seal_fail(err, SEAL_ECRYPTO, "stream key");
    st_ok = 1;
    if (suite_hash_begin(s, &ph) != SEAL_OK) {
        rc = seal_fail(err, SEAL_ECRYPTO, "hash");
        goto out;
    }
    do {
        size_t n = left < ENVELOPE_CHUNK ? (size_t)left : ENVELOPE_CHUNK;
        int last = left == n;
        rc = read_exact(f, sl->buf, n, err);
        if (rc != SEAL_OK)
            goto out;
        if (suite_hash_update(&ph, sl->buf, n) != SEAL_OK ||
            suite_stream_seal(&st, idx, last, sl->buf, n, sl->buf) != SEAL_OK ||
            chain_step(&sl->hc, sl->chain, sl->buf, n + s->tag_len, NULL, 0) != SEAL_OK) {
            rc = seal_fail(err, SEAL_ECRYPTO, "sealing %s", f->name);
            goto out;
        }
        rc = emit(sl, sl->buf, n + s->tag_len, err);
        if (rc != SEAL_OK)
            goto out;
        left -= n;
        idx++;
    } while (left > 0);
    if (f->read(f->arg, &extra, 1) != 0) {
        rc = seal_fail(err, SEAL_EIO, "%s is longer than its %llu bytes (changed while sealing?)",
                       f->name, (unsigned long long)f->size);
        goto out;
    }
    rc = suite_hash_end(&ph, hash) == SEAL_OK ? SEAL_OK : seal_fail(err, SEAL_ECRYPTO, "hash");
out:
    if (st_ok)
        suite_stream_release(&st);
    suite_hash_release(&ph);
    return rc;
}

int envelope_seal(const struct envelope_seal_opts *o, envelope_write_fn write, void *warg,
                  struct seal_error *err)
{
    struct sealer sl;
    const struct suite *s = o->suite;
    uint8_t header_hash[SUITE_HASH_LEN], key[SUITE_MAX_STREAM_KEY];
    uint8_t(*hashes)[SUITE_HASH_LEN] = NULL;
    uint8_t *man = NULL, lenbuf[4], sig[SUITE_MAX_SIG], msg[sizeof sig_context - 1 + 32];
    size_t hl = 0, mn = 0, sl_len = sizeof sig;
    struct suite_stream st;
    int rc;

    memset(&sl, 0, sizeof sl);
    rc = seal_check(o, err);
    if (rc != SEAL_OK)
        return rc;
    sl.o = o;
    sl.write = write;
    sl.warg = warg;
    sl.buf = malloc(BUF_CAP);
    man = malloc(ENVELOPE_MAX_MANIFEST + SUITE_MAX_TAG);
    hashes = calloc(ENVELOPE_MAX_FILES, sizeof *hashes);
    if (sl.buf == NULL || man == NULL || hashes == NULL) {
        rc = seal_fail(err, SEAL_ECRYPTO, "out of memory");
        goto out;
    }
    if (RAND_bytes(sl.k, sizeof sl.k) != 1 || suite_hash_begin(s, &sl.hc) != SEAL_OK) {
        rc = seal_fail(err, SEAL_ECRYPTO, "random content key");
        goto out;
    }

    /* preamble + header */
    rc = seal_header(&sl, sl.buf, &hl, err);
    if (rc != SEAL_OK)
        goto out;
    if (suite_hash(s, sl.buf, hl, header_hash) != SEAL_OK) {
        rc = seal_fail(err, SEAL_ECRYPTO, "hash");
        goto out;
    }
    memcpy(sl.chain, header_hash, SUITE_HASH_LEN);
    rc = emit(&sl, sl.buf, hl, err);
    if (rc != SEAL_OK)
        goto out;

    /* the files */
    for (int i = 0; i < o->n_files; i++) {
        rc = seal_file(&sl, i, hashes[i], header_hash, err);
        if (rc != SEAL_OK)
            goto out;
    }

    /* the manifest: per file, u16 name length, name, content hash */
    for (int i = 0; i < o->n_files; i++) {
        size_t l = strlen(o->files[i].name);
        put16(man + mn, (uint16_t)l);
        memcpy(man + mn + 2, o->files[i].name, l);
        memcpy(man + mn + 2 + l, hashes[i], SUITE_HASH_LEN);
        mn += 2 + l + SUITE_HASH_LEN;
    }
    rc = stream_key(s, sl.k, header_hash, -1, key);
    if (rc == SEAL_OK)
        rc = suite_stream_init(&st, s, key);
    OPENSSL_cleanse(key, sizeof key);
    if (rc != SEAL_OK) {
        rc = seal_fail(err, SEAL_ECRYPTO, "manifest key");
        goto out;
    }
    rc = suite_stream_seal(&st, 0, 1, man, mn, man);
    suite_stream_release(&st);
    mn += s->tag_len;
    put32(lenbuf, (uint32_t)mn);
    if (rc != SEAL_OK || chain_step(&sl.hc, sl.chain, lenbuf, 4, man, mn) != SEAL_OK) {
        rc = seal_fail(err, SEAL_ECRYPTO, "manifest");
        goto out;
    }
    rc = emit(&sl, lenbuf, 4, err);
    if (rc == SEAL_OK)
        rc = emit(&sl, man, mn, err);
    if (rc != SEAL_OK)
        goto out;

    /* the signature */
    memcpy(msg, sig_context, sizeof sig_context - 1);
    memcpy(msg + sizeof sig_context - 1, sl.chain, SUITE_HASH_LEN);
    rc = suite_sign(s, o->sign_key, msg, sizeof msg, sig, &sl_len);
    if (rc != SEAL_OK || sl_len < SIG_MIN || sl_len > SUITE_MAX_SIG) {
        rc = seal_fail(err, rc == SEAL_OK ? SEAL_ECRYPTO : rc, "cannot sign");
        goto out;
    }
    put16(lenbuf, (uint16_t)sl_len);
    rc = emit(&sl, lenbuf, 2, err);
    if (rc == SEAL_OK)
        rc = emit(&sl, sig, sl_len, err);
out:
    OPENSSL_cleanse(sl.k, sizeof sl.k);
    if (sl.buf != NULL)
        OPENSSL_cleanse(sl.buf, BUF_CAP);
    if (man != NULL)
        OPENSSL_cleanse(man, ENVELOPE_MAX_MANIFEST + SUITE_MAX_TAG);
    free(sl.buf);
    free(man);
    free(hashes);
    suite_hash_release(&sl.hc);
    return rc;
}
