/*
 * domain/opening_escrow.c — the escrow fallback of the opening hall
 * (escrow.h, opening_escrow_open; docs/escrow.md, docs/opening.md).
 *
 * A bidder that cannot release its content key (a lost certificate key, a
 * broken machine) is not revoked when the tender has an escrow key and k
 * officers have recovered it: the host opens the bid with it during the
 * decryption window. The content key K comes from the envelope's escrow
 * recipient block, unwrapped with the recovered private key of the
 * envelope's suite; from there the path is the key release's
 * (opening_envelope_form, then opening_decide), so the outcome follows the
 * same art. 31 rules:
 *
 *   K opens the envelope, the form is valid          opened
 *   the escrow wrap does not decrypt, K opens nothing revoked (the bidder
 *   (the bidder wrapped a bad or another key), a     sealed it so)
 *   bad MAC or hash, a missing or invalid form
 *   the stored bytes are missing or altered          withdrawn (ours)
 *
 * The outcome is then noted as an escrow opening (escrow_opens, an audit
 * row and an "escrow.open" witness-log event) in a second transaction:
 * the hall's own event "opening.decrypt" is in the first.
 *
 * The private key exists only inside opening_escrow_open, recombined from
 * the stored shares (escrow_recovered_key) and freed before it returns; K
 * is wiped. Threads: any worker.
 */
#include "domain/escrow.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/roles.h"
#include "crypto/envelope.h"
#include "domain/boq.h"
#include "ledger/ledger.h"
#include "store/opening.h"

/* What the read transaction learned. */
struct target {
    int64_t bid_id;
    char blob_hash[65];
    const struct suite *suite;
    EVP_PKEY *key;    /* the recovered private key of the bid's suite */
    char fields[640]; /* the tender's readout_fields (the form is checked against them) */
    uint8_t key_id[32];
};

static enum err find_target(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            int64_t org_id, int64_t lot_no, struct target *tg)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct tender t;
    struct tender_access acc;
    struct opening_hall h;
    const char *status = NULL, *hash = NULL, *suite = NULL;
    arena_init(&a, 0);
    int rc = store_begin(s, STORE_READ, &tx);
    enum err e = domain_store_err(rc);
    if (e == ERR_OK)
        e = domain_store_err(store_tender_get(tx, &a, tender_id, &t));
    if (e == ERR_OK)
        e = tender_access_check(tx, c, &t, &acc);
    if (e != ERR_OK)
        goto out;
    snprintf(tg->fields, sizeof tg->fields, "%s",
             t.readout_fields != NULL ? t.readout_fields : "bidder,price,duration");
    if (!acc.owner || !(c->roles & ROLE_AGENT)) {
        e = ERR_FORBIDDEN;
        goto out;
    }
    rc = store_opening_hall_get(tx, &a, tender_id, &h);
    if (rc == STORE_NOTFOUND)
        e = strcmp(t.state, "opening") == 0 ? ERR_OPENING_WRONG_PHASE : ERR_WRONG_STATE;
    else if (rc != STORE_OK)
        e = domain_store_err(rc);
    else if (strcmp(h.phase, "decrypt") != 0)
        e = ERR_OPENING_WRONG_PHASE;
    else if (clock_now_ms() >= h.window_end_ms)
        e = ERR_OPENING_WINDOW_CLOSED;
    if (e != ERR_OK)
        goto out;
    rc = store_escrow_bid_find(tx, &a, tender_id, org_id, lot_no, &tg->bid_id, &status, &hash,
                               &suite);
    if (rc != STORE_OK) {
        e = rc == STORE_NOTFOUND ? ERR_NOT_FOUND : domain_store_err(rc);
        goto out;
    }
    if (strcmp(status, "pending") != 0) {
        e = ERR_OPENING_WRONG_PHASE; /* decided already */
        goto out;
    }
    tg->suite = suite_by_name(suite);
    if (tg->suite == NULL || hash == NULL || strlen(hash) != 64) {
        e = ERR_INTERNAL;
        goto out;
    }
    memcpy(tg->blob_hash, hash, 65);
    e = escrow_recovered_key(tx, tender_id, tg->suite, &tg->key, tg->key_id);
out:
    store_rollback(tx);
    arena_release(&a);
    return e;
}

/* K from the envelope's escrow block for our key: SEAL_OK, SEAL_EWRONGKEY
 * (no such block), SEAL_EBADWRAP, or a structure error (the stored bytes). */
static int escrow_content_key(const struct buf *env, const struct target *tg,
                              uint8_t k[SUITE_KEY_LEN])
{
    struct seal_error err;
    struct envelope_reader *r = envelope_reader_new(NULL);
    int rc;
    if (r == NULL)
        return SEAL_ECRYPTO;
    /* the header is all we need; the rest is checked by the opener */
    rc = envelope_reader_feed(r, env->data, env->len, &err);
    const struct envelope_header *h = envelope_reader_header(r);
    if (h == NULL) {
        rc = rc != SEAL_OK ? rc : SEAL_ETRUNCATED;
        goto out;
    }
    rc = SEAL_EWRONGKEY;
    for (int i = 0; i < h->n_recipients; i++) {
        if (h->rcpt[i].kind != ENVELOPE_RCPT_ESCROW || memcmp(h->rcpt[i].key_id, tg->key_id, 32))
            continue;
        rc = suite_unwrap(h->suite, tg->key, h->rcpt[i].wrap, h->rcpt[i].wrap_len, k);
        if (rc == SEAL_EMALFORMED)
            rc = SEAL_EBADWRAP;
        break;
    }
out:
    envelope_reader_free(r);
    return rc;
}

struct note_job {
    const struct tender_caller *c;
    struct escrow_open o;
};

static enum err note_tx(struct store_tx *tx, void *arg)
{
    struct note_job *j = arg;
    char detail[160];
    int rc = store_escrow_open_insert(tx, &j->o);
    if (rc == STORE_CONSTRAINT)
        return ERR_OK; /* noted already */
    snprintf(detail, sizeof detail, "{\"org_id\":%lld,\"lot_no\":%lld,\"status\":\"%s\"}",
             (long long)j->o.org_id, (long long)j->o.lot_no, j->o.status);
    if (rc == STORE_OK)
        rc = audit_record(tx, &j->c->who, "escrow.open", "tender", j->o.tender_id, detail);
    if (rc == STORE_OK) {
        struct ledger_event ev = {.type = "escrow.open",
                                  .subject_type = "bid",
                                  .subject_id = j->o.bid_id,
                                  .actor_id = j->c->who.user_id,
                                  .actor_name = j->c->who.name ? j->c->who.name : "system",
                                  .tender_id = j->o.tender_id};
        rc = ledger_append(tx, &ev);
    }
    return domain_store_err(rc);
}

enum err opening_escrow_open(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             int64_t org_id, int64_t lot_no, struct opening_outcome *out,
                             struct opening_change *ch)
{
    struct target tg = {0};
    struct buf env, form, canon;
    struct seal_error err = {SEAL_OK, ""};
    uint8_t k[SUITE_KEY_LEN];
    enum err e;
    memset(out, 0, sizeof(*out));
    memset(ch, 0, sizeof(*ch));
    if (!(c->roles & ROLE_AGENT))
        return ERR_FORBIDDEN;
    if (lot_no < 1 || org_id < 1)
        return ERR_INVALID_FIELD;
    buf_init(&env, OPENING_ENVELOPE_MAX);
    buf_init(&form, OPENING_FORM_MAX);
    buf_init(&canon, OPENING_FORM_MAX * 2);
    e = find_target(s, c, tender_id, org_id, lot_no, &tg);
    if (e != ERR_OK)
        goto out;
    int rc = blob_get(s, tg.blob_hash, &env);
    if (rc == STORE_UNAVAILABLE || rc == STORE_BUSY) {
        e = domain_store_err(rc);
        goto out;
    }
    if (rc != STORE_OK) {
        out->status = "withdrawn";
        out->reason = "the platform cannot read the stored envelope";
    } else {
        rc = escrow_content_key(&env, &tg, k);
        if (rc == SEAL_EWRONGKEY) {
            e = ERR_BID_ESCROW_MISSING; /* refused at submission: not here */
            goto out;
        }
        if (rc == SEAL_EBADWRAP) {
            out->status = "revoked";
            out->reason = "the escrow key wrap does not decrypt (bad_key_wrap)";
        } else if (rc != SEAL_OK) {
            out->status = "withdrawn";
            out->reason = seal_err_code(rc);
        } else {
            rc = opening_envelope_form(env.data, env.len, k, &form, &err);
            if (rc == SEAL_OK) { /* K opens it: kept for the BoQ comparison (domain/boq.h) */
                e = boq_key_keep(s, tender_id, org_id, lot_no, k);
                if (e != ERR_OK)
                    goto out;
            }
            if (rc == SEAL_OK && form.len > 0 &&
                opening_form_check_fields(form.data, form.len, tg.fields, &canon) == ERR_OK) {
                out->status = "opened";
            } else if (rc == SEAL_OK) {
                out->status = "revoked";
                out->reason = "opening form missing or invalid";
            } else if (rc == SEAL_EWRONGKEY) {
                out->status = "revoked";
                out->reason = "the escrow block holds a key that does not open the bid";
            } else if (rc == SEAL_EBADMAC || rc == SEAL_EBADHASH) {
                out->status = "revoked";
                out->reason = seal_err_code(rc);
            } else {
                out->status = "withdrawn";
                out->reason = seal_err_code(rc);
            }
        }
    }
    /* the hall records it as the key release would, on the bidder's
     * behalf, by the host */
    struct tender_caller sys = *c;
    sys.system = true;
    e = opening_decide(s, &sys, tender_id, org_id, lot_no, out->status,
                       strcmp(out->status, "opened") == 0 ? form.data : NULL, out->reason, ch);
    if (e == ERR_OK) {
        struct note_job j = {c,
                             {.bid_id = tg.bid_id,
                              .tender_id = tender_id,
                              .org_id = org_id,
                              .lot_no = lot_no,
                              .status = out->status,
                              .by_user = c->who.user_id,
                              .at_ms = clock_now_ms()}};
        enum err ne = domain_write(s, note_tx, &j);
        if (ne != ERR_OK) /* the hall has the outcome; the note is the extra */
            log_error("escrow: tender %lld org %lld lot %lld opened (%s), note failed: %s",
                      (long long)tender_id, (long long)org_id, (long long)lot_no, out->status,
                      err_code(ne));
    }
out:
    OPENSSL_cleanse(k, sizeof k);
    EVP_PKEY_free(tg.key);
    buf_release(&env);
    buf_release(&form);
    buf_release(&canon);
    return e;
}
