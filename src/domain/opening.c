/*
 * domain/opening.c — the opening hall (opening.h).
 *
 * Every step runs step_tx in one write transaction: it loads the tender
 * (visibility through tender_access_check), creates the hall on the first
 * step once the tender is `opening`, checks the role and the phase, then
 * does the step's work and writes its audit row and witness-log event.
 * The tender's own state moves (failed, evaluation) are written here with
 * their tender_transitions rows, checked by tender_action_check.
 *
 * The signing sheet: from phase signing on, opening_halls.record holds
 * {"draft", "signatures"} in canonical form and record_hash the draft's
 * SHA-256 (everybody signs that hash); each good signature is appended
 * there; sealing adds draft_sha256, sealed_ms and type, and then record
 * and record_hash are the sealed record's. Keeping the sheet in the hall
 * row needs no table of its own: the draft cannot drift (it is stored, not
 * recomputed) and a signature commits with its audit row and log event.
 *
 * Threads: any; no shared state.
 */
#include "domain/opening.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/jsonr.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/roles.h"
#include "base/utf8.h"
#include "crypto/random.h"
#include "domain/orgsig.h"
#include "ledger/ledger.h"
#include "store/bids.h"

/* Why a bid still pending at the window's end is revoked (art. 31). */
#define WINDOW_REASON "not decrypted within the window"

static const char *const phase_names[OP__COUNT] = {"signin",  "decrypt", "readout", "objections",
                                                   "signing", "sealed",  "failed"};

const char *opening_phase_name(enum opening_phase p)
{
    return (unsigned)p < OP__COUNT ? phase_names[p] : "?";
}

int opening_phase_parse(const char *s)
{
    for (int i = 0; s != NULL && i < OP__COUNT; i++)
        if (strcmp(s, phase_names[i]) == 0)
            return i;
    return -1;
}

int opening_change_json(const struct opening_change *c, struct buf *out)
{
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", c->tender_id);
    jsonw_kstr(&w, "event", c->event);
    jsonw_kstr(&w, "phase", opening_phase_name(c->phase));
    jsonw_key(&w, "window_end_ms");
    if (c->window_end_ms > 0)
        jsonw_int(&w, c->window_end_ms);
    else
        jsonw_null(&w);
    if (c->subject != 0)
        jsonw_kint(&w, "subject", c->subject);
    if (c->record_hash[0] != '\0')
        jsonw_kstr(&w, "record_hash", c->record_hash);
    jsonw_kint(&w, "at_ms", c->at_ms);
    jsonw_obj_end(&w);
    return jsonw_finish(&w) == JSONW_OK ? 0 : -1;
}

/* ---- the opening form ---- */

enum err opening_form_check(const char *json, size_t len, struct buf *canon)
{
    enum err e = ERR_OK;
    const char *msg = NULL;
    const char *key;
    json_t *v;
    char *dump = NULL;
    if (json == NULL || len == 0 || len > OPENING_FORM_MAX)
        return ERR_OPENING_FORM_INVALID;
    json_t *root = jsonr_parse(json, len, OPENING_FORM_MAX, 4, &e, &msg);
    if (root == NULL)
        return ERR_OPENING_FORM_INVALID;
    e = ERR_OPENING_FORM_INVALID;
    if (!json_is_object(root) || json_object_size(root) > OPENING_FORM_FIELDS)
        goto out;
    v = json_object_get(root, "price_fen");
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > TENDER_MONEY_MAX)
        goto out;
    json_object_foreach(root, key, v)
    {
        size_t kl = strlen(key);
        if (kl == 0 || kl > 64)
            goto out;
        for (size_t i = 0; i < kl; i++)
            if (!((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= '0' && key[i] <= '9') ||
                  key[i] == '_'))
                goto out;
        if (strcmp(key, "duration_days") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 36500)
                goto out;
        } else if (json_is_string(v)) {
            if (json_string_length(v) > 512)
                goto out;
        } else if (!json_is_integer(v)) {
            goto out;
        }
    }
    dump = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    if (dump == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    buf_reset(canon);
    e = buf_puts(canon, dump) == 0 ? ERR_OK : ERR_OPENING_FORM_INVALID;
out:
    free(dump);
    json_decref(root);
    return e;
}

/* ---- the step runner ---- */

enum step_kind { K_SIGNIN, K_ADVANCE, K_FAIL, K_DECIDE, K_OBJECT, K_ANSWER, K_SIGN, K_EXPIRE };

struct job {
    enum step_kind kind;
    const struct tender_caller *c;
    int64_t tender_id;
    enum opening_phase expect; /* advance */
    int64_t org_id, lot_no;    /* decide */
    const char *status;        /* decide */
    const char *text;          /* form, reason, objection, answer */
    int64_t id;                /* objection: in (answer), out (object) */
    const uint8_t *sig;        /* sign: the signature as sent, borrowed */
    size_t sig_len;
    const char *draft; /* sign: the draft hash the bidder signed, or NULL */
    struct opening_change *ch;
    struct arena a;
    struct buf tmp; /* the canonical form; the record */
};

static bool text_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq((const unsigned char *)s + i, n - i);
        if (l == 0 || (l == 1 && (unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t'))
            return false;
        i += l;
    }
    return true;
}

static int record(struct store_tx *tx, const struct tender_caller *c, const char *type,
                  int64_t tender_id, const char *detail, const char *doc_hash)
{
    int rc = audit_record(tx, &c->who, type, "opening", tender_id, detail);
    if (rc != STORE_OK)
        return rc;
    struct ledger_event ev = {.type = type,
                              .subject_type = "opening",
                              .subject_id = tender_id,
                              .actor_id = c->who.user_id,
                              .actor_name = c->who.name ? c->who.name : "system",
                              .doc_hash = doc_hash,
                              .tender_id = tender_id};
    return ledger_append(tx, &ev);
}

/* Moves the tender by action (TA_FAIL, TA_END_OPENING), with its row. */
static enum err tender_move(struct store_tx *tx, const struct tender_caller *c, struct tender *t,
                            enum tender_action act, int64_t now)
{
    int st = tender_state_parse(t->state);
    if (st < 0)
        return ERR_INTERNAL;
    enum err e = tender_action_check(act, (enum tender_state)st, t->paused);
    if (e != ERR_OK)
        return e;
    const char *from = t->state;
    t->state = tender_state_name((enum tender_state)tender_action_defs[act].to);
    t->next_due_ms = 0;
    t->updated_ms = now;
    t->version++;
    int rc = store_tender_update(tx, t);
    if (rc == STORE_OK) {
        struct tender_transition tr = {.tender_id = t->id,
                                       .action = tender_action_defs[act].name,
                                       .from_state = from,
                                       .to_state = t->state,
                                       .at_ms = now,
                                       .actor_user_id = c->who.user_id,
                                       .actor = c->who.name ? c->who.name : "system"};
        rc = store_tender_transition_insert(tx, &tr);
    }
    return domain_store_err(rc);
}

/* The hall of t, created on first use while the tender is `opening`. */
static enum err hall_load(struct store_tx *tx, struct job *j, const struct tender *t,
                          struct opening_hall *h, int64_t now)
{
    int64_t n = 0, orgs = 0;
    int rc = store_opening_hall_get(tx, &j->a, t->id, h);
    if (rc != STORE_NOTFOUND)
        return domain_store_err(rc);
    if (strcmp(t->state, "opening") != 0)
        return ERR_WRONG_STATE;
    rc = store_opening_bids_seed(tx, t->id, &n);
    if (rc == STORE_OK && n > OPENING_BIDS_MAX)
        return ERR_INTERNAL;
    struct store_param p[] = {SP_I(t->id)};
    if (rc == STORE_OK)
        rc = store_query_int(tx,
                             "SELECT count(DISTINCT org_id) FROM opening_bids"
                             " WHERE tender_id = $1",
                             p, 1, &orgs);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    memset(h, 0, sizeof(*h));
    h->tender_id = t->id;
    h->phase = "signin";
    h->bidders = orgs;
    h->min_bids = t->min_bids > 0 ? t->min_bids : 3;
    h->created_ms = h->updated_ms = now;
    h->version = 1;
    rc = store_opening_hall_insert(tx, h);
    if (rc == STORE_OK) {
        char d[64];
        snprintf(d, sizeof d, "{\"bidders\":%lld}", (long long)orgs);
        rc = record(tx, &tender_system_caller, "opening.open", t->id, d, NULL);
    }
    return domain_store_err(rc);
}

static enum err hall_save(struct store_tx *tx, struct opening_hall *h, enum opening_phase p,
                          int64_t now)
{
    h->phase = opening_phase_name(p);
    h->updated_ms = now;
    h->version++;
    return domain_store_err(store_opening_hall_update(tx, h));
}

/* Whether org has a bid in the hall. */
static enum err is_bidder(struct store_tx *tx, int64_t tender_id, int64_t org_id)
{
    int64_t n = 0;
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id)};
    if (org_id == 0)
        return ERR_OPENING_NOT_BIDDER;
    int rc = store_query_int(tx,
                             "SELECT count(*) FROM opening_bids WHERE tender_id = $1"
                             " AND org_id = $2",
                             p, 2, &n);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    return n > 0 ? ERR_OK : ERR_OPENING_NOT_BIDDER;
}

/* Sets o[k] = v (taking v); false when v is NULL or the set fails. */
static bool put(json_t *o, const char *k, json_t *v)
{
    return v != NULL && json_object_set_new(o, k, v) == 0;
}

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

/* The signing sheet as the objections end: {"draft": the hall's facts,
 * "signatures": []} in canonical form into j->tmp, the draft's SHA-256
 * into hash. The draft is fixed from here on: the record seals exactly
 * these bytes, whatever changes elsewhere (an organisation renamed). */
static enum err build_sheet(struct store_tx *tx, struct job *j, const struct tender *t,
                            const struct opening_hall *h, int64_t now, char hash[65])
{
    struct page bids, objs;
    enum err e = ERR_INTERNAL;
    int rc = store_opening_bid_list(tx, &j->a, t->id, OPENING_BIDS_MAX, &bids);
    if (rc == STORE_OK)
        rc = store_opening_objection_list(tx, &j->a, t->id, OPENING_BIDS_MAX, &objs);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    json_t *sheet = json_object(), *d = json_object(), *ab = json_array(), *ao = json_array();
    bool ok = sheet != NULL && d != NULL && ab != NULL && ao != NULL;
    ok = ok && put(d, "type", json_string(OPENING_DRAFT_TYPE)) &&
         put(d, "tender_id", json_integer(t->id)) && put(d, "code", str_or_null(t->code)) &&
         put(d, "title", str_or_null(t->title)) &&
         put(d, "bid_deadline_ms", json_integer(t->bid_deadline_ms)) &&
         put(d, "opened_ms", json_integer(h->created_ms)) &&
         put(d, "window_end_ms", json_integer(h->window_end_ms)) &&
         put(d, "signing_ms", json_integer(now)) && put(d, "min_bids", json_integer(h->min_bids)) &&
         put(d, "readout_fields", str_or_null(t->readout_fields));
    for (int i = 0; ok && i < bids.n; i++) {
        const struct opening_bid *b = (const struct opening_bid *)bids.items + i;
        json_t *o = json_object();
        json_t *form =
            b->form != NULL ? json_loads(b->form, JSON_REJECT_DUPLICATES, NULL) : json_null();
        ok = o != NULL && json_array_append_new(ab, o) == 0 &&
             put(o, "lot_no", json_integer(b->lot_no)) &&
             put(o, "org_id", json_integer(b->org_id)) &&
             put(o, "bidder", str_or_null(b->org_name)) &&
             put(o, "envelope_sha256", str_or_null(b->blob_hash)) &&
             put(o, "status", str_or_null(b->status)) && put(o, "form", form) &&
             put(o, "reason", str_or_null(b->reason)) &&
             put(o, "signed_in_ms", json_integer(b->signed_in_ms)) &&
             put(o, "decided_ms", json_integer(b->decided_ms));
    }
    for (int i = 0; ok && i < objs.n; i++) {
        const struct opening_objection *ob = (const struct opening_objection *)objs.items + i;
        json_t *o = json_object();
        ok = o != NULL && json_array_append_new(ao, o) == 0 && put(o, "id", json_integer(ob->id)) &&
             put(o, "body", str_or_null(ob->body)) &&
             put(o, "raised_ms", json_integer(ob->raised_ms)) &&
             put(o, "answer", str_or_null(ob->answer)) &&
             put(o, "answered_ms", json_integer(ob->answered_ms));
    }
    ok = ok && json_object_set(d, "bids", ab) == 0 && json_object_set(d, "objections", ao) == 0 &&
         opening_canon(d, &j->tmp) == 0;
    if (ok)
        crypto_sha256_hex(j->tmp.data, j->tmp.len, hash);
    ok = ok && json_object_set(sheet, "draft", d) == 0 && put(sheet, "signatures", json_array()) &&
         opening_canon(sheet, &j->tmp) == 0;
    if (ok)
        e = ERR_OK;
    json_decref(ab);
    json_decref(ao);
    json_decref(d);
    json_decref(sheet);
    return e;
}

/* The hall's signing sheet, parsed; its draft re-hashed must be the hash
 * everybody signed (record_hash), else the sheet was altered: internal. */
static enum err sheet_load(const struct opening_hall *h, struct buf *tmp, json_t **out)
{
    enum err e = ERR_OK;
    const char *msg = NULL;
    char hash[65];
    *out = NULL;
    if (h->record == NULL || h->record_hash == NULL)
        return ERR_INTERNAL;
    json_t *sheet =
        jsonr_parse(h->record, strlen(h->record), OPENING_RECORD_MAX, JSONR_MAX_DEPTH, &e, &msg);
    if (sheet == NULL || !json_is_object(json_object_get(sheet, "draft")) ||
        !json_is_array(json_object_get(sheet, "signatures")) ||
        opening_canon(json_object_get(sheet, "draft"), tmp) != 0) {
        json_decref(sheet);
        return ERR_INTERNAL;
    }
    crypto_sha256_hex(tmp->data, tmp->len, hash);
    if (strcmp(hash, h->record_hash) != 0) {
        log_error("opening: tender %lld: the signing sheet's draft is not the one signed",
                  (long long)h->tender_id);
        json_decref(sheet);
        return ERR_INTERNAL;
    }
    *out = sheet;
    return ERR_OK;
}

/* The sealed record from the sheet: draft, draft_sha256, sealed_ms,
 * signatures, type, canonical, into j->tmp. */
static enum err build_record(struct job *j, const struct opening_hall *h, int64_t now)
{
    json_t *sheet = NULL;
    enum err e = sheet_load(h, &j->tmp, &sheet);
    if (e != ERR_OK)
        return e;
    bool ok = put(sheet, "draft_sha256", json_string(h->record_hash)) &&
              put(sheet, "sealed_ms", json_integer(now)) &&
              put(sheet, "type", json_string(OPENING_RECORD_TYPE)) &&
              opening_canon(sheet, &j->tmp) == 0;
    json_decref(sheet);
    return ok ? ERR_OK : ERR_INTERNAL;
}

static enum err do_advance(struct store_tx *tx, struct job *j, struct tender *t,
                           struct opening_hall *h, enum opening_phase ph, int64_t now)
{
    int rc = STORE_OK;
    int64_t n = 0;
    char d[160];
    if (j->expect != OP__COUNT && j->expect != ph)
        return ERR_OPENING_WRONG_PHASE;
    switch (ph) {
    case OP_SIGNIN:
        if (h->bidders < h->min_bids)
            return ERR_OPENING_TOO_FEW_BIDS;
        h->window_end_ms = now + (t->decrypt_window_min > 0 ? t->decrypt_window_min : 30) * 60000;
        ph = OP_DECRYPT;
        break;
    case OP_DECRYPT: {
        struct store_param p[] = {SP_I(t->id)};
        rc = store_query_int(tx,
                             "SELECT count(*) FROM opening_bids WHERE tender_id = $1"
                             " AND status = 'pending'",
                             p, 1, &n);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        if (n > 0 && now < h->window_end_ms)
            return ERR_OPENING_WINDOW_OPEN;
        /* art. 31: a bid not decrypted in the window is the bidder's fault */
        rc = store_opening_bids_revoke_pending(tx, t->id, WINDOW_REASON, now, &n);
        ph = OP_READOUT;
        break;
    }
    case OP_READOUT:
        ph = OP_OBJECTIONS;
        break;
    case OP_OBJECTIONS:
        rc = store_opening_objection_open_count(tx, t->id, &n);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        if (n > 0)
            return ERR_OPENING_OBJECTIONS_OPEN;
        {
            char dh[65];
            enum err e = build_sheet(tx, j, t, h, now, dh);
            if (e != ERR_OK)
                return e;
            h->record = j->tmp.data;
            h->record_hash = arena_strndup(&j->a, dh, 64);
        }
        ph = OP_SIGNING;
        break;
    case OP_SIGNING: {
        enum err e = build_record(j, h, now);
        if (e != ERR_OK)
            return e;
        char hash[65];
        crypto_sha256_hex(j->tmp.data, j->tmp.len, hash);
        h->record = j->tmp.data;
        h->record_hash = arena_strndup(&j->a, hash, 64);
        e = tender_move(tx, j->c, t, TA_END_OPENING, now);
        if (e != ERR_OK)
            return e;
        e = hall_save(tx, h, OP_SEALED, now);
        if (e != ERR_OK)
            return e;
        snprintf(d, sizeof d, "{\"record_sha256\":\"%s\"}", hash);
        rc = record(tx, j->c, "opening.record", t->id, d, hash);
        j->ch->event = "opening.record";
        j->ch->phase = OP_SEALED;
        memcpy(j->ch->record_hash, hash, 65);
        return domain_store_err(rc);
    }
    default:
        return ERR_OPENING_WRONG_PHASE;
    }
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = hall_save(tx, h, ph, now);
    if (e != ERR_OK)
        return e;
    char type[40];
    snprintf(type, sizeof type, "opening.%s", opening_phase_name(ph));
    snprintf(d, sizeof d, "{\"phase\":\"%s\",\"window_end_ms\":%lld}", opening_phase_name(ph),
             (long long)h->window_end_ms);
    j->ch->event = "opening.phase";
    j->ch->phase = ph;
    return domain_store_err(record(tx, j->c, type, t->id, d, NULL));
}

static enum err do_decide(struct store_tx *tx, struct job *j, const struct tender *t,
                          struct opening_hall *h, int64_t now)
{
    int64_t bid_id = 0;
    const char *form = NULL, *reason = NULL;
    char d[96];
    if (now >= h->window_end_ms)
        return ERR_OPENING_WINDOW_CLOSED;
    if (strcmp(j->status, "opened") == 0) {
        enum err e = opening_form_check(j->text, j->text ? strlen(j->text) : 0, &j->tmp);
        if (e != ERR_OK)
            return e;
        form = j->tmp.data;
    } else {
        reason = j->text;
    }
    struct store_param p[] = {SP_I(t->id), SP_I(j->org_id), SP_I(j->lot_no)};
    int rc = store_query_int(tx,
                             "SELECT bid_id FROM opening_bids WHERE tender_id = $1"
                             " AND org_id = $2 AND lot_no = $3",
                             p, 3, &bid_id);
    if (rc == STORE_NOTFOUND)
        return ERR_OPENING_NOT_BIDDER;
    if (rc == STORE_OK)
        rc = store_opening_bid_decide(tx, bid_id, j->status, form, reason, now);
    if (rc == STORE_NOTFOUND)
        return ERR_OPENING_WRONG_PHASE; /* decided already */
    if (rc != STORE_OK)
        return domain_store_err(rc);
    snprintf(d, sizeof d, "{\"org_id\":%lld,\"lot_no\":%lld,\"status\":\"%s\"}",
             (long long)j->org_id, (long long)j->lot_no, j->status);
    j->ch->event = "opening.decrypt";
    j->ch->subject = j->lot_no;
    return domain_store_err(record(tx, j->c, "opening.decrypt", t->id, d, NULL));
}

/* Bidder: its organisation's signature of the draft (phase signing). */
static enum err do_sign(struct store_tx *tx, struct job *j, const struct tender *t,
                        struct opening_hall *h, int64_t now)
{
    struct org_cert cert;
    struct buf name;
    json_t *sheet = NULL, *sigs, *sg;
    uint8_t der[ORGSIG_MAX];
    size_t der_len = 0, i;
    const char *alg = NULL;
    char msg[256], d[256];
    int64_t n = 0;
    if (h->record == NULL || h->record_hash == NULL)
        return ERR_INTERNAL; /* phase signing always has its sheet */
    if (j->draft != NULL && strcmp(j->draft, h->record_hash) != 0)
        return ERR_OPENING_STALE_DRAFT;
    int rc = store_org_cert_active(tx, &j->a, j->c->org_id, "sign", &cert);
    if (rc == STORE_NOTFOUND)
        return ERR_OPENING_NO_CERTIFICATE;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (cert.not_before_ms != 0 && now < cert.not_before_ms)
        return ERR_CERT_NOT_YET_VALID;
    if (cert.not_after_ms != 0 && now > cert.not_after_ms)
        return ERR_CERT_EXPIRED;
    if (cert.der_len > OPENING_CERT_MAX)
        return ERR_CERT_MALFORMED;
    int ml = opening_sign_message(t->id, h->record_hash, msg, sizeof msg);
    if (ml < 0)
        return ERR_INTERNAL;
    enum err e = orgsig_verify(cert.der, cert.der_len, msg, (size_t)ml, j->sig, j->sig_len, der,
                               &der_len, &alg);
    if (e != ERR_OK)
        return e;
    j->ch->event = "opening.sign";
    e = sheet_load(h, &j->tmp, &sheet);
    if (e != ERR_OK)
        return e;
    sigs = json_object_get(sheet, "signatures");
    json_array_foreach(sigs, i, sg)
    {
        if (json_integer_value(json_object_get(sg, "org_id")) == j->c->org_id) {
            json_decref(sheet); /* signed already: the first signature stays */
            return ERR_OK;
        }
    }
    char *c64 = arena_alloc(&j->a, B64_LEN(cert.der_len));
    char s64[B64_LEN(ORGSIG_MAX)];
    buf_init(&name, 4096);
    struct store_param p[] = {SP_I(j->c->org_id)};
    rc = store_query_text(tx, "SELECT name FROM orgs WHERE id = $1", p, 1, &name);
    json_t *o = json_object();
    bool ok = c64 != NULL && rc == STORE_OK && o != NULL && name.data != NULL;
    if (!ok) {
        json_decref(o);
    } else {
        b64_encode(cert.der, cert.der_len, c64);
        b64_encode(der, der_len, s64);
        /* the array owns o from here, even when appending fails */
        ok = json_array_append_new(sigs, o) == 0 && put(o, "org_id", json_integer(j->c->org_id)) &&
             put(o, "bidder", json_string(name.data)) && put(o, "certificate", json_string(c64)) &&
             put(o, "certificate_sha256", json_string(cert.fingerprint)) &&
             put(o, "key_alg", json_string(alg)) && put(o, "signature", json_string(s64)) &&
             put(o, "signed_ms", json_integer(now)) && opening_canon(sheet, &j->tmp) == 0;
    }
    json_decref(sheet);
    buf_release(&name);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (!ok)
        return ERR_INTERNAL;
    h->record = j->tmp.data;
    e = hall_save(tx, h, OP_SIGNING, now);
    if (e != ERR_OK)
        return e;
    rc = store_opening_bid_stamp(tx, t->id, j->c->org_id, 1, now, &n);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    snprintf(d, sizeof d, "{\"org_id\":%lld,\"certificate_sha256\":\"%s\",\"draft_sha256\":\"%s\"}",
             (long long)j->c->org_id, cert.fingerprint, h->record_hash);
    return domain_store_err(record(tx, j->c, "opening.sign", t->id, d, h->record_hash));
}

/* System: the window's end (opening_expire). */
static enum err do_expire(struct store_tx *tx, struct job *j, const struct tender *t,
                          const struct opening_hall *h, int ph, int64_t now)
{
    int64_t n = 0;
    char d[64];
    if (ph != OP_DECRYPT || h->window_end_ms == 0 || now < h->window_end_ms)
        return ERR_OK;
    int rc = store_opening_bids_revoke_pending(tx, t->id, WINDOW_REASON, now, &n);
    if (rc != STORE_OK || n == 0)
        return domain_store_err(rc);
    j->ch->event = "opening.expire";
    j->ch->subject = n;
    snprintf(d, sizeof d, "{\"revoked\":%lld}", (long long)n);
    return domain_store_err(record(tx, j->c, "opening.expire", t->id, d, NULL));
}

static enum err step_tx(struct store_tx *tx, void *arg)
{
    struct job *j = arg;
    struct tender t;
    struct tender_access acc;
    struct opening_hall h;
    int64_t now = clock_now_ms(), n = 0;
    int rc;
    arena_release(&j->a);
    memset(j->ch, 0, sizeof(*j->ch));
    j->ch->tender_id = j->tender_id;
    j->ch->at_ms = now;
    rc = store_tender_get(tx, &j->a, j->tender_id, &t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = tender_access_check(tx, j->c, &t, &acc);
    if (e != ERR_OK)
        return e;
    e = hall_load(tx, j, &t, &h, now);
    if (e != ERR_OK)
        return e;
    int ph = opening_phase_parse(h.phase);
    if (ph < 0)
        return ERR_INTERNAL;
    j->ch->phase = (enum opening_phase)ph;
    j->ch->window_end_ms = h.window_end_ms;
    bool host = acc.owner && (j->c->roles & ROLE_AGENT);
    switch (j->kind) {
    case K_ADVANCE:
    case K_FAIL:
    case K_ANSWER:
        if (!host)
            return ERR_FORBIDDEN;
        break;
    case K_EXPIRE:
        if (!j->c->system)
            return ERR_FORBIDDEN;
        break;
    case K_DECIDE:
        if (!j->c->system && (j->c->org_id != j->org_id || !(j->c->roles & ROLE_BIDDER)))
            return ERR_OPENING_NOT_BIDDER;
        break;
    default:
        if (!(j->c->roles & ROLE_BIDDER))
            return ERR_OPENING_NOT_BIDDER;
        e = is_bidder(tx, t.id, j->c->org_id);
        if (e != ERR_OK)
            return e;
        break;
    }
    switch (j->kind) {
    case K_ADVANCE:
        e = do_advance(tx, j, &t, &h, (enum opening_phase)ph, now);
        j->ch->window_end_ms = h.window_end_ms;
        return e;
    case K_FAIL:
        if (ph != OP_SIGNIN)
            return ERR_OPENING_WRONG_PHASE;
        if (h.bidders >= h.min_bids)
            return ERR_OPENING_ENOUGH_BIDS;
        e = tender_move(tx, j->c, &t, TA_FAIL, now);
        if (e == ERR_OK)
            e = hall_save(tx, &h, OP_FAILED, now);
        if (e != ERR_OK)
            return e;
        j->ch->event = "opening.phase";
        j->ch->phase = OP_FAILED;
        {
            struct jsonw w;
            buf_reset(&j->tmp);
            jsonw_init(&w, &j->tmp);
            jsonw_obj_begin(&w);
            jsonw_kint(&w, "bidders", h.bidders);
            jsonw_kint(&w, "min_bids", h.min_bids);
            jsonw_kstr(&w, "reason", j->text);
            jsonw_obj_end(&w);
            if (jsonw_finish(&w) != JSONW_OK)
                return ERR_INTERNAL;
        }
        return domain_store_err(record(tx, j->c, "opening.failed", t.id, j->tmp.data, NULL));
    case K_SIGNIN:
        if (ph != OP_SIGNIN && ph != OP_DECRYPT)
            return ERR_OPENING_WRONG_PHASE;
        rc = store_opening_bid_stamp(tx, t.id, j->c->org_id, 0, now, &n);
        j->ch->event = "opening.signin";
        if (rc != STORE_OK || n == 0)
            return domain_store_err(rc);
        return domain_store_err(record(tx, j->c, "opening.signin", t.id, NULL, NULL));
    case K_DECIDE:
        if (ph != OP_DECRYPT)
            return ERR_OPENING_WRONG_PHASE;
        return do_decide(tx, j, &t, &h, now);
    case K_OBJECT: {
        if (ph != OP_OBJECTIONS)
            return ERR_OPENING_WRONG_PHASE;
        struct opening_objection o = {.tender_id = t.id,
                                      .org_id = j->c->org_id,
                                      .user_id = j->c->who.user_id,
                                      .body = j->text,
                                      .raised_ms = now};
        rc = store_opening_objection_insert(tx, &o, &j->id);
        j->ch->event = "opening.objection";
        j->ch->subject = j->id;
        if (rc == STORE_OK)
            rc = record(tx, j->c, "opening.objection", t.id, NULL, NULL);
        return domain_store_err(rc);
    }
    case K_ANSWER:
        if (ph != OP_OBJECTIONS)
            return ERR_OPENING_WRONG_PHASE;
        rc = store_opening_objection_answer(tx, t.id, j->id, j->text, j->c->who.user_id, now);
        if (rc == STORE_NOTFOUND)
            return ERR_NOT_FOUND;
        j->ch->event = "opening.answer";
        j->ch->subject = j->id;
        if (rc == STORE_OK)
            rc = record(tx, j->c, "opening.answer", t.id, NULL, NULL);
        return domain_store_err(rc);
    case K_SIGN:
        if (ph != OP_SIGNING)
            return ERR_OPENING_WRONG_PHASE;
        return do_sign(tx, j, &t, &h, now);
    case K_EXPIRE:
        return do_expire(tx, j, &t, &h, ph, now);
    }
    return ERR_INTERNAL;
}

static enum err run(struct store *s, struct job *j)
{
    arena_init(&j->a, 0);
    buf_init(&j->tmp, OPENING_RECORD_MAX);
    enum err e = domain_write(s, step_tx, j);
    arena_release(&j->a);
    buf_release(&j->tmp);
    return e;
}

enum err opening_sign_in(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         struct opening_change *ch)
{
    struct job j = {.kind = K_SIGNIN, .c = c, .tender_id = tender_id, .ch = ch};
    return run(s, &j);
}

enum err opening_advance(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         enum opening_phase expect, struct opening_change *ch)
{
    struct job j = {.kind = K_ADVANCE, .c = c, .tender_id = tender_id, .expect = expect, .ch = ch};
    return run(s, &j);
}

enum err opening_fail(struct store *s, const struct tender_caller *c, int64_t tender_id,
                      const char *reason, struct opening_change *ch)
{
    if (reason != NULL && !text_ok(reason, OPENING_TEXT_MAX))
        return ERR_INVALID_FIELD;
    struct job j = {.kind = K_FAIL, .c = c, .tender_id = tender_id, .text = reason, .ch = ch};
    return run(s, &j);
}

enum err opening_decide(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        int64_t org_id, int64_t lot_no, const char *status, const char *form,
                        const char *reason, struct opening_change *ch)
{
    bool opened = status != NULL && strcmp(status, "opened") == 0;
    if (status == NULL ||
        (!opened && strcmp(status, "revoked") != 0 && strcmp(status, "withdrawn") != 0))
        return ERR_INVALID_FIELD;
    if (!opened && !text_ok(reason, OPENING_TEXT_MAX))
        return reason == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    if (lot_no < 1)
        return ERR_INVALID_FIELD;
    struct job j = {.kind = K_DECIDE,
                    .c = c,
                    .tender_id = tender_id,
                    .org_id = org_id,
                    .lot_no = lot_no,
                    .status = status,
                    .text = opened ? form : reason,
                    .ch = ch};
    return run(s, &j);
}

enum err opening_object(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        const char *body, int64_t *id, struct opening_change *ch)
{
    if (!text_ok(body, OPENING_TEXT_MAX))
        return body == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    struct job j = {.kind = K_OBJECT, .c = c, .tender_id = tender_id, .text = body, .ch = ch};
    enum err e = run(s, &j);
    if (e == ERR_OK)
        *id = j.id;
    return e;
}

enum err opening_answer(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        int64_t objection_id, const char *answer, struct opening_change *ch)
{
    if (!text_ok(answer, OPENING_TEXT_MAX))
        return answer == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    struct job j = {.kind = K_ANSWER,
                    .c = c,
                    .tender_id = tender_id,
                    .id = objection_id,
                    .text = answer,
                    .ch = ch};
    return run(s, &j);
}

enum err opening_sign(struct store *s, const struct tender_caller *c, int64_t tender_id,
                      const uint8_t *sig, size_t sig_len, const char *draft,
                      struct opening_change *ch)
{
    if (sig == NULL || sig_len == 0 || sig_len > ORGSIG_MAX)
        return ERR_OPENING_BAD_SIGNATURE;
    if (draft != NULL && strlen(draft) != 64)
        return ERR_OPENING_STALE_DRAFT;
    struct job j = {.kind = K_SIGN,
                    .c = c,
                    .tender_id = tender_id,
                    .sig = sig,
                    .sig_len = sig_len,
                    .draft = draft,
                    .ch = ch};
    return run(s, &j);
}

enum err opening_expire(struct store *s, int64_t tender_id, struct opening_change *ch)
{
    struct job j = {.kind = K_EXPIRE, .c = &tender_system_caller, .tender_id = tender_id, .ch = ch};
    enum err e = run(s, &j);
    if (e != ERR_OK)
        ch->event = NULL;
    return e;
}

int opening_run_due(struct store *s, struct cluster *c, int *done)
{
    int64_t ids[OPENING_DUE_BATCH];
    int n = 0;
    struct store_tx *tx = NULL;
    *done = 0;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return rc;
    rc = store_opening_halls_due(tx, clock_now_ms(), ids, OPENING_DUE_BATCH, &n);
    store_rollback(tx);
    if (rc != STORE_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        struct opening_change ch;
        enum err e = opening_expire(s, ids[i], &ch);
        if (e != ERR_OK) {
            log_error("opening: tender %lld: window end not applied: %s", (long long)ids[i],
                      err_code(e));
            continue;
        }
        if (ch.event == NULL)
            continue;
        log_info("opening: tender %lld: window ended, %lld pending bid(s) revoked",
                 (long long)ids[i], (long long)ch.subject);
        (*done)++;
        struct buf b;
        char topic[40];
        buf_init(&b, 4096);
        snprintf(topic, sizeof topic, "opening.%lld", (long long)ids[i]);
        if (c != NULL && opening_change_json(&ch, &b) == 0) {
            rc = cluster_publish(c, topic, ch.event, b.data, b.len);
            if (rc != STORE_OK)
                log_warn("opening: event %s not published: %s", ch.event, store_rc_name(rc));
        }
        buf_release(&b);
    }
    return STORE_OK;
}

/* ---- the view ---- */

static void view_write(struct jsonw *w, const struct tender *t, const struct opening_hall *h,
                       int ph, bool participant, int64_t my_org, const struct page *bids,
                       const struct page *objs, const struct buf *draft)
{
    bool public_forms = ph >= OP_READOUT && ph != OP_FAILED;
    jsonw_obj_begin(w);
    jsonw_kint(w, "tender_id", t->id);
    jsonw_kstr(w, "code", t->code);
    jsonw_kstr(w, "tender_state", t->state);
    jsonw_kstr(w, "phase", opening_phase_name((enum opening_phase)ph));
    jsonw_kint(w, "server_ms", clock_now_ms());
    jsonw_key(w, "window_end_ms");
    if (h->window_end_ms > 0)
        jsonw_int(w, h->window_end_ms);
    else
        jsonw_null(w);
    jsonw_kint(w, "bidders", h->bidders);
    jsonw_kint(w, "min_bids", h->min_bids);
    jsonw_kstr(w, "readout_fields", t->readout_fields);
    jsonw_key(w, "bids");
    jsonw_arr_begin(w);
    for (int i = 0; i < bids->n; i++) {
        const struct opening_bid *b = (const struct opening_bid *)bids->items + i;
        bool mine = my_org != 0 && b->org_id == my_org;
        if (!public_forms && !participant && !mine)
            continue;
        jsonw_obj_begin(w);
        jsonw_kint(w, "lot_no", b->lot_no);
        jsonw_kint(w, "org_id", b->org_id);
        jsonw_kstr(w, "bidder", b->org_name);
        jsonw_kstr(w, "status", b->status);
        jsonw_kbool(w, "signed_in", b->signed_in_ms != 0);
        jsonw_kbool(w, "signed", b->signed_ms != 0);
        if (public_forms) {
            jsonw_key(w, "form");
            if (b->form != NULL)
                jsonw_raw(w, b->form, strlen(b->form));
            else
                jsonw_null(w);
            jsonw_kstr(w, "reason", b->reason);
        }
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    jsonw_key(w, "objections");
    jsonw_arr_begin(w);
    for (int i = 0; i < objs->n; i++) {
        const struct opening_objection *o = (const struct opening_objection *)objs->items + i;
        jsonw_obj_begin(w);
        jsonw_kint(w, "id", o->id);
        jsonw_kstr(w, "body", o->body);
        jsonw_kint(w, "raised_ms", o->raised_ms);
        jsonw_kstr(w, "answer", o->answer);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    if (ph == OP_SIGNING && draft->len > 0) {
        /* what the bidders sign: opening_sign_message over draft_sha256 */
        jsonw_kstr(w, "draft_sha256", h->record_hash);
        jsonw_key(w, "draft");
        jsonw_raw(w, draft->data, draft->len);
    }
    if (ph == OP_SEALED && h->record != NULL) {
        jsonw_kstr(w, "record_sha256", h->record_hash);
        jsonw_key(w, "record");
        jsonw_raw(w, h->record, strlen(h->record));
    }
    jsonw_obj_end(w);
}

enum err opening_view_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           struct buf *out)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct tender t;
    struct tender_access acc;
    struct opening_hall h;
    struct page bids = {0}, objs = {0};
    struct jsonw w;
    struct buf draft;
    enum err e;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    arena_init(&a, 0);
    buf_init(&draft, OPENING_RECORD_MAX);
    rc = store_tender_get(tx, &a, tender_id, &t);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    e = tender_access_check(tx, c, &t, &acc);
    if (e != ERR_OK)
        goto out;
    rc = store_opening_hall_get(tx, &a, tender_id, &h);
    if (rc == STORE_NOTFOUND) {
        /* not created yet: the tender's first hall step creates it */
        e = strcmp(t.state, "opening") == 0 ? ERR_OK : ERR_WRONG_STATE;
        if (e != ERR_OK)
            goto out;
        memset(&h, 0, sizeof h);
        h.phase = "signin";
        h.min_bids = t.min_bids > 0 ? t.min_bids : 3;
        rc = STORE_OK;
    }
    if (rc == STORE_OK)
        rc = store_opening_bid_list(tx, &a, tender_id, OPENING_BIDS_MAX, &bids);
    if (rc == STORE_OK)
        rc = store_opening_objection_list(tx, &a, tender_id, OPENING_BIDS_MAX, &objs);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    int ph = opening_phase_parse(h.phase);
    if (ph == OP_SIGNING) {
        json_t *sheet = NULL;
        e = sheet_load(&h, &draft, &sheet); /* leaves the canonical draft in draft */
        json_decref(sheet);
        if (e != ERR_OK)
            goto out;
    }
    bool participant = c->system || acc.owner || acc.supervisor;
    int64_t my_org = (c->roles & ROLE_BIDDER) ? c->org_id : 0;
    jsonw_init(&w, out);
    view_write(&w, &t, &h, ph < 0 ? 0 : ph, participant, my_org, &bids, &objs, &draft);
    e = jsonw_finish(&w) == JSONW_OK ? ERR_OK : ERR_INTERNAL;
out:
    store_rollback(tx);
    arena_release(&a);
    buf_release(&draft);
    return e;
}
