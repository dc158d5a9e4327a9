/*
 * domain/opening_open.c — opening a stored envelope with the content key a
 * bidder releases at the opening (opening.h, opening_envelope_form).
 *
 * The crypto layer does the opening (envelope_open_with_key: structure,
 * signature, stream keys derived from K as docs/envelope.md "Keys" says,
 * chunk MACs, content hashes); this file keeps the opening form and says
 * whose fault a failure is. The manifest decides: it is the last element
 * and authenticates under K, so
 *   - manifest does not authenticate: K is not this envelope's key
 *     (SEAL_EWRONGKEY: the bidder may try again within the window);
 *   - manifest authenticates but a chunk does not, or a file's content hash
 *     differs: the bidder sealed bad data (SEAL_EBADMAC / SEAL_EBADHASH);
 *   - structure or signature fails: the bytes we stored are not the bytes
 *     we verified at upload (the platform's fault).
 * Only files of role price-list no larger than OPENING_FORM_MAX are kept
 * in memory (the form is one of them; names arrive last, so every such
 * file is a candidate until then); the rest is decrypted, hashed and
 * dropped chunk by chunk.
 */
#include "domain/opening.h"

#include <string.h>

#include "base/clock.h"
#include "base/roles.h"
#include "crypto/envelope.h"
#include "domain/boq.h"

#define FORM_NAME "opening-form.json"

/* opening_envelope_form; known: the bytes are a stored blob that blob_get
 * checked against its SHA-256 name, i.e. exactly the bytes whose structure
 * and signature were verified at upload, so the reader skips the hash chain
 * and the signature (envelope_reader_known_bytes): one pass of SM3 / SHA-256
 * over the envelope fewer, the same outcome. */
static int open_form(const void *env, size_t len, const uint8_t key[SUITE_KEY_LEN], bool known,
                     struct buf *form, struct seal_error *err)
{
    struct envelope_keep *k = envelope_keep_new(ENVELOPE_ROLE_PRICE_LIST, OPENING_FORM_MAX,
                                                ENVELOPE_MAX_FILES * OPENING_FORM_MAX);
    struct envelope_mem in = {env, len, 0};
    struct envelope_header *h = NULL;
    int rc;
    buf_reset(form);
    if (k == NULL)
        return seal_fail(err, SEAL_ECRYPTO, "memory");
    struct envelope_output out = envelope_keep_output(k);
    rc = envelope_open_with_key(key, known, envelope_mem_read, &in, &out, &h, err);
    for (int i = 0; rc == SEAL_OK && i < h->n_files; i++) {
        const struct envelope_file *f = &h->files[i];
        if (f->role == ENVELOPE_ROLE_PRICE_LIST && strcmp(f->name, FORM_NAME) == 0 &&
            f->size <= OPENING_FORM_MAX && k->file[i].len > 0 &&
            buf_append(form, k->file[i].data, k->file[i].len) != 0)
            rc = seal_fail(err, SEAL_ECRYPTO, "memory");
    }
    envelope_header_free(h);
    envelope_keep_free(k);
    if (rc != SEAL_OK)
        buf_reset(form);
    return rc;
}

int opening_envelope_form(const void *env, size_t len, const uint8_t key[SUITE_KEY_LEN],
                          struct buf *form, struct seal_error *err)
{
    return open_form(env, len, key, false, form, err);
}

/* The blob of c's bid for lot_no while the window is open. */
static enum err find_bid(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         int64_t lot_no, struct buf *hash, struct buf *fields)
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
    if (e == ERR_OK) { /* the tender's read-out fields: the form is checked against them */
        struct store_param p[] = {SP_I(tender_id)};
        rc = store_query_text(tx, "SELECT readout_fields FROM tenders WHERE id = $1", p, 1, fields);
        e = domain_store_err(rc);
    }
    store_rollback(tx);
    arena_release(&a);
    return e;
}

enum err opening_decrypt(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         int64_t lot_no, const uint8_t key[SUITE_KEY_LEN],
                         struct opening_outcome *out, struct opening_change *ch)
{
    struct buf hash, env, form, fields;
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
    buf_init(&fields, 4096);
    e = find_bid(s, c, tender_id, lot_no, &hash, &fields);
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
            opening_form_check_fields(form.data, form.len, fields.data, &env) == ERR_OK) {
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
    buf_release(&fields);
    return e;
}
