/*
 * domain/opening_open.c — opening a stored envelope with the content key a
 * bidder releases at the opening (opening.h, opening_envelope_form).
 *
 * The envelope's own reader (crypto/envelope.h) parses the bytes and checks
 * the signature; its callbacks decrypt here with stream keys derived from
 * the released content key K exactly as docs/envelope.md "Keys" says. The
 * manifest decides whose fault a failure is: it is the last element and
 * authenticates under K, so
 *   - manifest does not authenticate: K is not this envelope's key
 *     (SEAL_EWRONGKEY: the bidder may try again within the window);
 *   - manifest authenticates but a chunk does not, or a file's content hash
 *     differs: the bidder sealed bad data (SEAL_EBADMAC / SEAL_EBADHASH);
 *   - structure or signature fails: the bytes we stored are not the bytes
 *     we verified at upload (the platform's fault).
 * Only files of role price-list no larger than OPENING_FORM_MAX are kept
 * in memory (the form is one of them); the rest is decrypted, hashed and
 * dropped chunk by chunk.
 */
#include "domain/opening.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/roles.h"
#include "crypto/envelope.h"
#include "domain/boq.h"

#define FORM_NAME "opening-form.json"

struct opener {
    const uint8_t *key;              /* K, borrowed */
    const struct envelope_header *h; /* borrowed from the reader */
    struct suite_stream st;          /* the current file's stream */
    bool st_live;
    int st_file;          /* whose key st has; -1: none */
    struct suite_hash fh; /* the current file's content hash */
    bool fh_live;
    uint8_t hashes[ENVELOPE_MAX_FILES][SUITE_HASH_LEN];
    struct buf keep[ENVELOPE_MAX_FILES]; /* small price-list files */
    uint8_t plain[ENVELOPE_CHUNK + SUITE_MAX_TAG];
    int chunk_err;   /* first chunk failure (SEAL_EBADMAC) */
    int manifest_rc; /* SEAL_OK once the manifest opened */
    uint8_t mplain[ENVELOPE_MAX_MANIFEST];
    size_t mlen;
};

static int derive(const struct opener *o, int index, uint8_t out[SUITE_MAX_STREAM_KEY])
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
    struct opener *o = arg;
    (void)err;
    o->h = h;
    return SEAL_OK;
}

static int on_chunk(void *arg, int file, uint64_t index, int last, const uint8_t *ct, size_t n,
                    struct seal_error *err)
{
    struct opener *o = arg;
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
        if (!o->fh_live && suite_hash_begin(s, &o->fh) != SEAL_OK)
            return seal_fail(err, SEAL_ECRYPTO, "hash");
        o->fh_live = true;
    }
    if (n < s->tag_len || n > sizeof o->plain)
        return seal_fail(err, SEAL_EMALFORMED, "chunk size");
    if (o->chunk_err != SEAL_OK)
        return SEAL_OK; /* read on: the signature and the manifest still decide */
    if (suite_stream_open(&o->st, index, last, ct, n, o->plain) != SEAL_OK) {
        o->chunk_err = SEAL_EBADMAC;
        return SEAL_OK;
    }
    size_t pn = n - s->tag_len;
    if (suite_hash_update(&o->fh, o->plain, pn) != SEAL_OK)
        return seal_fail(err, SEAL_ECRYPTO, "hash");
    if (o->h->files[file].role == ENVELOPE_ROLE_PRICE_LIST &&
        o->h->files[file].size <= OPENING_FORM_MAX && buf_append(&o->keep[file], o->plain, pn) != 0)
        return seal_fail(err, SEAL_ECRYPTO, "memory");
    if (last && suite_hash_end(&o->fh, o->hashes[file]) != SEAL_OK)
        return seal_fail(err, SEAL_ECRYPTO, "hash");
    return SEAL_OK;
}

static int on_manifest(void *arg, const uint8_t *ct, size_t n, struct seal_error *err)
{
    struct opener *o = arg;
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

/* Reads the manifest's names and hashes; the form is the price-list file
 * named FORM_NAME. */
static int check_manifest(struct opener *o, struct buf *form, struct seal_error *err)
{
    size_t at = 0;
    for (int i = 0; i < o->h->n_files; i++) {
        if (at + 2 > o->mlen)
            return seal_fail(err, SEAL_EMALFORMED, "manifest");
        size_t nl = ((size_t)o->mplain[at] << 8) | o->mplain[at + 1];
        at += 2;
        if (nl == 0 || at + nl + SUITE_HASH_LEN > o->mlen)
            return seal_fail(err, SEAL_EMALFORMED, "manifest");
        const char *name = (const char *)o->mplain + at;
        const uint8_t *hash = o->mplain + at + nl;
        at += nl + SUITE_HASH_LEN;
        if (memcmp(hash, o->hashes[i], SUITE_HASH_LEN) != 0)
            return seal_fail(err, SEAL_EBADHASH, "file %d", i);
        if (o->h->files[i].role == ENVELOPE_ROLE_PRICE_LIST && nl == sizeof FORM_NAME - 1 &&
            memcmp(name, FORM_NAME, nl) == 0 && o->h->files[i].size <= OPENING_FORM_MAX) {
            buf_reset(form);
            if (o->keep[i].len > 0 && buf_append(form, o->keep[i].data, o->keep[i].len) != 0)
                return seal_fail(err, SEAL_ECRYPTO, "memory");
        }
    }
    return at == o->mlen ? SEAL_OK : seal_fail(err, SEAL_EMALFORMED, "manifest");
}

/* opening_envelope_form; known: the bytes are a stored blob that blob_get
 * checked against its SHA-256 name, i.e. exactly the bytes whose structure
 * and signature were verified at upload, so the reader skips the hash chain
 * and the signature (envelope_reader_known_bytes): one pass of SM3 / SHA-256
 * over the envelope fewer, the same outcome. */
static int open_form(const void *env, size_t len, const uint8_t key[SUITE_KEY_LEN], bool known,
                     struct buf *form, struct seal_error *err)
{
    struct opener *o = calloc(1, sizeof(*o));
    struct envelope_reader *r = NULL;
    int rc;
    buf_reset(form);
    if (o == NULL)
        return seal_fail(err, SEAL_ECRYPTO, "memory");
    o->key = key;
    o->st_file = -1;
    o->manifest_rc = SEAL_EMALFORMED;
    for (int i = 0; i < ENVELOPE_MAX_FILES; i++)
        buf_init(&o->keep[i], OPENING_FORM_MAX);
    struct envelope_reader_cb cb = {on_header, on_chunk, on_manifest, o};
    r = envelope_reader_new(&cb);
    if (r == NULL) {
        rc = seal_fail(err, SEAL_ECRYPTO, "memory");
        goto out;
    }
    if (known)
        envelope_reader_known_bytes(r);
    rc = envelope_reader_feed(r, env, len, err);
    if (rc == SEAL_OK)
        rc = envelope_reader_finish(r, err); /* structure and signature */
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
    rc = check_manifest(o, form, err);
out:
    if (o->st_live)
        suite_stream_release(&o->st);
    if (o->fh_live)
        suite_hash_release(&o->fh);
    for (int i = 0; i < ENVELOPE_MAX_FILES; i++)
        buf_release(&o->keep[i]);
    envelope_reader_free(r);
    if (rc != SEAL_OK)
        buf_reset(form);
    free(o);
    return rc;
}

int opening_envelope_form(const void *env, size_t len, const uint8_t key[SUITE_KEY_LEN],
                          struct buf *form, struct seal_error *err)
{
    return open_form(env, len, key, false, form, err);
}

/* The blob of c's bid for lot_no while the window is open. */
static enum err find_bid(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         int64_t lot_no, struct buf *hash)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct opening_hall h;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    arena_init(&a, 0);
    enum err e = ERR_OK;
    rc = store_opening_hall_get(tx, &a, tender_id, &h);
    if (rc == STORE_NOTFOUND)
        e = ERR_OPENING_WRONG_PHASE;
    else if (rc != STORE_OK)
        e = domain_store_err(rc);
    else if (strcmp(h.phase, "decrypt") != 0)
        e = ERR_OPENING_WRONG_PHASE;
    else if (clock_now_ms() >= h.window_end_ms)
        e = ERR_OPENING_WINDOW_CLOSED;
    if (e == ERR_OK) {
        struct store_param p[] = {SP_I(tender_id), SP_I(c->org_id), SP_I(lot_no)};
        rc = store_query_text(tx,
                              "SELECT b.blob_hash FROM opening_bids ob JOIN bids b"
                              " ON b.id = ob.bid_id WHERE ob.tender_id = $1 AND ob.org_id = $2"
                              " AND ob.lot_no = $3",
                              p, 3, hash);
        e = rc == STORE_NOTFOUND ? ERR_OPENING_NOT_BIDDER : domain_store_err(rc);
    }
    store_rollback(tx);
    arena_release(&a);
    return e;
}

enum err opening_decrypt(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         int64_t lot_no, const uint8_t key[SUITE_KEY_LEN],
                         struct opening_outcome *out, struct opening_change *ch)
{
    struct buf hash, env, form;
    struct seal_error err = {SEAL_OK, ""};
    enum err e;
    memset(out, 0, sizeof(*out));
    memset(ch, 0, sizeof(*ch));
    if (!(c->roles & ROLE_BIDDER) || c->org_id == 0)
        return ERR_OPENING_NOT_BIDDER;
    if (lot_no < 1)
        return ERR_INVALID_FIELD;
    buf_init(&hash, 128);
    buf_init(&env, OPENING_ENVELOPE_MAX);
    buf_init(&form, OPENING_FORM_MAX);
    e = find_bid(s, c, tender_id, lot_no, &hash);
    if (e != ERR_OK)
        goto out;
    int rc = blob_get(s, hash.data, &env);
    if (rc == STORE_UNAVAILABLE || rc == STORE_BUSY) {
        e = domain_store_err(rc);
        goto out;
    }
    if (rc != STORE_OK) {
        /* missing, or not what its name says: our side */
        out->status = "withdrawn";
        out->reason = "the platform cannot read the stored envelope";
    } else {
        rc = open_form(env.data, env.len, key, true, &form, &err);
        if (rc == SEAL_EWRONGKEY) {
            e = ERR_OPENING_WRONG_KEY;
            goto out;
        }
        if (rc == SEAL_OK) { /* K opens it: kept for the BoQ comparison (domain/boq.h) */
            e = boq_key_keep(s, tender_id, c->org_id, lot_no, key);
            if (e != ERR_OK)
                goto out;
        }
        if (rc == SEAL_OK && form.len > 0 &&
            opening_form_check(form.data, form.len, &env) == ERR_OK) {
            out->status = "opened";
        } else if (rc == SEAL_OK) {
            out->status = "revoked";
            out->reason = "opening form missing or invalid";
        } else if (rc == SEAL_EBADMAC || rc == SEAL_EBADHASH) {
            out->status = "revoked";
            out->reason = seal_err_code(rc);
        } else {
            out->status = "withdrawn";
            out->reason = seal_err_code(rc);
        }
    }
    e = opening_decide(s, c, tender_id, c->org_id, lot_no, out->status,
                       strcmp(out->status, "opened") == 0 ? form.data : NULL, out->reason, ch);
out:
    buf_release(&hash);
    buf_release(&env);
    buf_release(&form);
    return e;
}
