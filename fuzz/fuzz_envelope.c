/*
 * fuzz_envelope.c — libFuzzer target for the sealed-bid envelope parser and
 * opener (crypto/envelope.h): the bytes of an uploaded .sbe in, through
 *   - envelope_reader fed in one piece and again in pieces split at a point
 *     the input chooses (as a server streams an upload): the two must
 *     agree on the result, the header and the signed hash;
 *   - envelope_open with the fixed test recipient keys below (one SM2, one
 *     P-256: the seeds are sealed to them, so the fuzzer reaches the
 *     unwrap, chunk, manifest and hash paths).
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks:
 *   - a successful open returns names for every file and exactly the
 *     declared number of plaintext bytes per file;
 *   - an error code is always one of enum seal_err, with a message that
 *     starts with its code.
 *
 * Seeds: fuzz/corpus/envelope/ (made with `sunbid seal` to these keys, plus
 * a truncated one). Replayed by fuzz/replay.c in ordinary builds. The keys
 * are test keys, published here, and protect nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "crypto/envelope.h"

static const char gm_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgShRCjBLNerxdSm5H\n"
    "6rxc/aJWCKlCQl8nUptPnJ+p7oqhRANCAASkjEuTAUmaBsxRiQVe+WpXG+NbDuSX\n"
    "WFlqTP7X+fLbg10AfTpsT6UMPJPSUZL3mhpZ1ZP9Laf6fV4tPmIbd8I6\n"
    "-----END PRIVATE KEY-----\n";
static const char intl_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgpYwfMlfi05ZiwSwk\n"
    "l6aGkjVwqspoSvNrI6gsTd/kl3ehRANCAAQ215rGIfYdfySg9OU8e3KahYiBsl49\n"
    "d5cS74LfEjLWuVYEIbNYedNSAutQq0D0DISTxerpQlsC4PzX8mqejmdq\n"
    "-----END PRIVATE KEY-----\n";

static EVP_PKEY *load(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (k == NULL)
        abort();
    return k;
}

struct src {
    const uint8_t *p;
    size_t n, pos;
};

static ssize_t src_read(void *arg, void *buf, size_t n)
{
    struct src *s = arg;
    size_t k = s->n - s->pos;
    if (k > n)
        k = n;
    if (k > 4099)
        k = 4099; /* odd reads, so elements straddle them */
    memcpy(buf, s->p + s->pos, k);
    s->pos += k;
    return (ssize_t)k;
}

struct sink {
    uint64_t bytes[ENVELOPE_MAX_FILES];
    int begun[ENVELOPE_MAX_FILES];
};

static int sink_begin(void *arg, int file, const struct envelope_file *f)
{
    struct sink *s = arg;
    if (file < 0 || file >= ENVELOPE_MAX_FILES || s->begun[file])
        abort();
    s->begun[file] = 1;
    return 0;
}

static int sink_write(void *arg, int file, const void *p, size_t n)
{
    struct sink *s = arg;
    if (!s->begun[file])
        abort();
    s->bytes[file] += n;
    return 0;
}

static void check_err(int rc, const struct seal_error *e)
{
    size_t cl;
    if (rc < 0 || rc >= SEAL__COUNT)
        abort();
    if (rc == SEAL_OK)
        return;
    cl = strlen(seal_err_code(rc));
    if (e->code != rc || strncmp(e->msg, seal_err_code(rc), cl) != 0 || e->msg[cl] != ':')
        abort();
}

/* Feeds data to a reader in one piece or split at `at`; returns the result. */
static int read_all(const uint8_t *data, size_t size, size_t at, uint8_t hash[32], int *has_hash,
                    uint64_t *header_len)
{
    struct envelope_reader *r = envelope_reader_new(NULL);
    struct seal_error e = {0, ""};
    int rc;
    if (r == NULL)
        abort();
    if (at > size)
        at = size;
    rc = envelope_reader_feed(r, data, at, &e);
    if (rc == SEAL_OK)
        rc = envelope_reader_feed(r, data + at, size - at, &e);
    if (rc == SEAL_OK)
        rc = envelope_reader_finish(r, &e);
    check_err(rc, &e);
    *has_hash = envelope_reader_signed_hash(r, hash) == SEAL_OK;
    *header_len = envelope_reader_header(r) ? envelope_reader_header(r)->header_len : 0;
    envelope_reader_free(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static EVP_PKEY *keys[2];
    uint8_t h1[32], h2[32];
    int has1, has2;
    uint64_t hl1, hl2;

    if (keys[0] == NULL) {
        keys[0] = load(gm_key_pem);
        keys[1] = load(intl_key_pem);
    }
    /* one piece, then split where the input says */
    size_t at = size > 0 ? (size_t)data[size - 1] * 131 % (size + 1) : 0;
    int rc1 = read_all(data, size, size, h1, &has1, &hl1);
    int rc2 = read_all(data, size, at, h2, &has2, &hl2);
    if (rc1 != rc2 || has1 != has2 || hl1 != hl2 || (has1 && memcmp(h1, h2, 32) != 0))
        abort();

    /* open with each key; at most one can be a recipient */
    for (int k = 0; k < 2; k++) {
        struct src s = {data, size, 0};
        struct sink sk;
        struct envelope_output out = {sink_begin, sink_write, &sk};
        struct envelope_open_opts o = {keys[k], NULL, NULL, NULL};
        struct envelope_header *h = NULL;
        struct seal_error e = {0, ""};
        memset(&sk, 0, sizeof sk);
        int rc = envelope_open(&o, src_read, &s, &out, &h, &e);
        check_err(rc, &e);
        if (rc == SEAL_OK) {
            if (h == NULL || !h->have_names || rc1 != SEAL_OK)
                abort();
            for (int i = 0; i < h->n_files; i++)
                if (sk.bytes[i] != h->files[i].size || h->files[i].name[0] == '\0')
                    abort();
        }
        envelope_header_free(h);
    }
    return 0;
}
