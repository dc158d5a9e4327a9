/*
 * domain/boq_open.c — taking the priced bill of quantities out of an
 * opened envelope with its content key K (boq.h, boq_envelope_file).
 *
 * The same walk as domain/opening_open.c (which takes the opening form):
 * the envelope reader checks structure and signature and hands over each
 * chunk; here each chunk is decrypted with the stream key derived from K
 * (docs/envelope.md "Keys"), its content hashed, and the plaintext of
 * price-list files kept (at most BOQ_FILE_MAX bytes in all); names come
 * last, in the manifest, which authenticates under K. The first kept file
 * whose name ends in .csv or .xlsx (ASCII case ignored) and is not the
 * opening form is the BoQ. The two walks keep different files; merging
 * them into one opener with a file filter is a follow-up.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/envelope.h"
#include "domain/boq.h"

#define FORM_NAME "opening-form.json"

struct bopener {
    const uint8_t *key;              /* K, borrowed */
    const struct envelope_header *h; /* borrowed from the reader */
    struct suite_stream st;
    bool st_live;
    int st_file;
    struct suite_hash fh;
    bool fh_live;
    uint8_t hashes[ENVELOPE_MAX_FILES][SUITE_HASH_LEN];
    struct buf keep[ENVELOPE_MAX_FILES]; /* price-list files */
    size_t kept;                         /* bytes kept in all */
    uint8_t plain[ENVELOPE_CHUNK + SUITE_MAX_TAG];
    int chunk_err;
    int manifest_rc;
    uint8_t mplain[ENVELOPE_MAX_MANIFEST];
    size_t mlen;
};

static int derive(const struct bopener *o, int index, uint8_t out[SUITE_MAX_STREAM_KEY])
{
    static const char file_info[] = "sunbid-envelope-v1 file";
    static const char manifest_info[] = "sunbid-envelope-v1 manifest";
    const struct suite *s = o->h->suite;
    uint8_t info[sizeof file_info - 1 + 4];
    if (index < 0)
        return suite_kdf(s, o->key, SUITE_KEY_LEN, o->h->header_hash, SUITE_HASH_LEN, manifest_info,
                         sizeof manifest_info - 1, out, s->stream_key_len);
    memcpy(info, file_info, sizeof file_info - 1);
    info[sizeof file_info - 1] = (uint8_t)((uint32_t)index >> 24);
    info[sizeof file_info] = (uint8_t)((uint32_t)index >> 16);
    info[sizeof file_info + 1] = (uint8_t)((uint32_t)index >> 8);
    info[sizeof file_info + 2] = (uint8_t)index;
    return suite_kdf(s, o->key, SUITE_KEY_LEN, o->h->header_hash, SUITE_HASH_LEN, info, sizeof info,
                     out, s->stream_key_len);
}

static int on_header(void *arg, const struct envelope_header *h, struct seal_error *err)
{
    struct bopener *o = arg;
    (void)err;
    o->h = h;
    return SEAL_OK;
}

static int on_chunk(void *arg, int file, uint64_t index, int last, const uint8_t *ct, size_t n,
                    struct seal_error *err)
{
    struct bopener *o = arg;
    const struct suite *s = o->h->suite;
    uint8_t k[SUITE_MAX_STREAM_KEY];
    if (o->st_file != file) {
        if (o->st_live)
            suite_stream_release(&o->st);
        o->st_live = false;
        if (derive(o, file, k) != SEAL_OK || suite_stream_init(&o->st, s, k) != SEAL_OK) {
            memset(k, 0, sizeof k);
            return seal_fail(err, SEAL_ECRYPTO, "stream key");
        }
        memset(k, 0, sizeof k);
        o->st_live = true;
        o->st_file = file;
        if (o->fh_live)
            suite_hash_release(&o->fh);
        o->fh_live = false;
        if (suite_hash_begin(s, &o->fh) != SEAL_OK)
            return seal_fail(err, SEAL_ECRYPTO, "hash");
        o->fh_live = true;
    }
    if (n < s->tag_len || n > sizeof o->plain)
        return seal_fail(err, SEAL_EMALFORMED, "chunk size");
    if (o->chunk_err != SEAL_OK)
        return SEAL_OK;
    if (suite_stream_open(&o->st, index, last, ct, n, o->plain) != SEAL_OK) {
        o->chunk_err = SEAL_EBADMAC;
        return SEAL_OK;
    }
    size_t pn = n - s->tag_len;
    if (suite_hash_update(&o->fh, o->plain, pn) != SEAL_OK)
        return seal_fail(err, SEAL_ECRYPTO, "hash");
    if (o->h->files[file].role == ENVELOPE_ROLE_PRICE_LIST &&
        o->h->files[file].size <= BOQ_FILE_MAX && o->kept + pn <= BOQ_FILE_MAX) {
        if (buf_append(&o->keep[file], o->plain, pn) != 0)
            return seal_fail(err, SEAL_ECRYPTO, "memory");
        o->kept += pn;
    }
    if (last && suite_hash_end(&o->fh, o->hashes[file]) != SEAL_OK)
        return seal_fail(err, SEAL_ECRYPTO, "hash");
    return SEAL_OK;
}

static int on_manifest(void *arg, const uint8_t *ct, size_t n, struct seal_error *err)
{
    struct bopener *o = arg;
    const struct suite *s = o->h->suite;
    struct suite_stream ms;
    uint8_t k[SUITE_MAX_STREAM_KEY];
    if (n < s->tag_len || n - s->tag_len > sizeof o->mplain)
        return seal_fail(err, SEAL_EMALFORMED, "manifest size");
    if (derive(o, -1, k) != SEAL_OK || suite_stream_init(&ms, s, k) != SEAL_OK) {
        memset(k, 0, sizeof k);
        return seal_fail(err, SEAL_ECRYPTO, "manifest key");
    }
    memset(k, 0, sizeof k);
    o->manifest_rc =
        suite_stream_open(&ms, 0, 1, ct, n, o->mplain) == SEAL_OK ? SEAL_OK : SEAL_EWRONGKEY;
    suite_stream_release(&ms);
    o->mlen = o->manifest_rc == SEAL_OK ? n - s->tag_len : 0;
    return SEAL_OK;
}

static bool boq_name(const char *name, size_t n)
{
    if (n == sizeof FORM_NAME - 1 && memcmp(name, FORM_NAME, n) == 0)
        return false;
    return (n > 4 && strncasecmp(name + n - 4, ".csv", 4) == 0) ||
           (n > 5 && strncasecmp(name + n - 5, ".xlsx", 5) == 0);
}

/* Checks every content hash and picks the BoQ file by name. */
static int pick(struct bopener *o, struct buf *name, struct buf *file, struct seal_error *err)
{
    size_t at = 0;
    bool found = false;
    for (int i = 0; i < o->h->n_files; i++) {
        if (at + 2 > o->mlen)
            return seal_fail(err, SEAL_EMALFORMED, "manifest");
        size_t nl = ((size_t)o->mplain[at] << 8) | o->mplain[at + 1];
        at += 2;
        if (nl == 0 || at + nl + SUITE_HASH_LEN > o->mlen)
            return seal_fail(err, SEAL_EMALFORMED, "manifest");
        const char *nm = (const char *)o->mplain + at;
        const uint8_t *hash = o->mplain + at + nl;
        at += nl + SUITE_HASH_LEN;
        if (memcmp(hash, o->hashes[i], SUITE_HASH_LEN) != 0)
            return seal_fail(err, SEAL_EBADHASH, "file %d", i);
        if (!found && o->h->files[i].role == ENVELOPE_ROLE_PRICE_LIST && boq_name(nm, nl) &&
            o->keep[i].len == o->h->files[i].size && o->keep[i].len > 0) {
            if (buf_append(name, nm, nl) != 0 ||
                buf_append(file, o->keep[i].data, o->keep[i].len) != 0)
                return seal_fail(err, SEAL_ECRYPTO, "memory");
            found = true;
        }
    }
    return at == o->mlen ? SEAL_OK : seal_fail(err, SEAL_EMALFORMED, "manifest");
}

int boq_envelope_file(const void *env, size_t len, const uint8_t key[SUITE_KEY_LEN],
                      struct buf *name, struct buf *file, struct seal_error *err)
{
    struct bopener *o = calloc(1, sizeof(*o));
    struct envelope_reader *r = NULL;
    int rc;
    buf_reset(name);
    buf_reset(file);
    if (o == NULL)
        return seal_fail(err, SEAL_ECRYPTO, "memory");
    o->key = key;
    o->st_file = -1;
    o->manifest_rc = SEAL_EMALFORMED;
    for (int i = 0; i < ENVELOPE_MAX_FILES; i++)
        buf_init(&o->keep[i], BOQ_FILE_MAX);
    struct envelope_reader_cb cb = {on_header, on_chunk, on_manifest, o};
    r = envelope_reader_new(&cb);
    if (r == NULL) {
        rc = seal_fail(err, SEAL_ECRYPTO, "memory");
        goto out;
    }
    rc = envelope_reader_feed(r, env, len, err);
    if (rc == SEAL_OK)
        rc = envelope_reader_finish(r, err);
    if (rc != SEAL_OK)
        goto out;
    if (o->manifest_rc != SEAL_OK) {
        rc = seal_fail(err, SEAL_EWRONGKEY, "the content key does not open the manifest");
        goto out;
    }
    if (o->chunk_err != SEAL_OK) {
        rc = seal_fail(err, o->chunk_err, "a chunk fails authentication under the right key");
        goto out;
    }
    rc = pick(o, name, file, err);
out:
    if (o->st_live)
        suite_stream_release(&o->st);
    if (o->fh_live)
        suite_hash_release(&o->fh);
    for (int i = 0; i < ENVELOPE_MAX_FILES; i++)
        buf_release(&o->keep[i]);
    envelope_reader_free(r);
    if (rc != SEAL_OK) {
        buf_reset(name);
        buf_reset(file);
    }
    free(o);
    return rc;
}
