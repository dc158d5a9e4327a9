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
 * The hall opens by itself at the deadline: the scheduler's round
 * (opening_run_due) creates it for every tender in `opening` without one
 * (a restarted server catches up); a step that finds none creates it too.
 * Bidders are counted per lot (opening_lots): at the count (leaving
 * signin) a lot with fewer organisations than the minimum fails on its
 * own (流标 of the lot: its bids withdrawn unopened) while the others go
 * on; a tender whose every lot is below the minimum can only be failed.
 *
 * The record: leaving objections fixes the draft, stored canonical in
 * opening_halls.record with its SHA-256 in record_hash (everybody signs
 * that hash); the view serves those bytes as they are. Each signature is
 * its own row (opening_signatures, migration 29), so a signature costs
 * the same whatever the number of bidders; sealing reads the draft and
 * the rows once and builds the record (draft, draft_sha256, not_signed,
 * sealed_ms, signatures, type). A hall that entered signing before
 * migration 29 holds the old sheet {"draft", "signatures"}: its first step
 * moves the signatures into rows and keeps the draft alone (legacy_sheet).
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
    if (c->event != NULL && strcmp(c->event, "opening.open") == 0) {
        jsonw_kint(&w, "bidders", c->bidders);
        jsonw_key(&w, "lots");
        jsonw_arr_begin(&w);
        for (int i = 0; i < c->n_lots; i++) {
            jsonw_obj_begin(&w);
            jsonw_kint(&w, "lot", c->lots[i].lot);
            jsonw_kint(&w, "bidders", c->lots[i].bidders);
            jsonw_kbool(&w, "failed", c->lots[i].failed);
            jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
    }
    if (c->record_hash[0] != '\0')
        jsonw_kstr(&w, "record_hash", c->record_hash);
    jsonw_kint(&w, "at_ms", c->at_ms);
    jsonw_obj_end(&w);
    return jsonw_finish(&w) == JSONW_OK ? 0 : -1;
}

/* ---- the opening form ---- */

/* Whether name is one of the comma list fields. */
static bool field_named(const char *fields, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = fields; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t l = end != NULL ? (size_t)(end - p) : strlen(p);
        if (l == n && memcmp(p, name, n) == 0)
            return true;
        p = end != NULL ? end + 1 : NULL;
    }
    return false;
}

/* Whether the form key k is read out under fields. */
static bool key_read_out(const char *fields, const char *k)
{
    if (strcmp(k, "price_fen") == 0)
        return true;
    if (strcmp(k, "duration_days") == 0)
        return field_named(fields, "duration");
    if (strcmp(k, "bidder") == 0 || strcmp(k, "price") == 0 || strcmp(k, "duration") == 0)
        return false;
    return field_named(fields, k);
}

/* The read-out of a stored form under the tender's fields (NULL: every
 * key): a new object with only the keys read out (price always, duration
 * and the tender's own fields when named); NULL if the form does not parse. */
static json_t *form_read_out(const char *fields, const char *form)
{
    json_t *o = json_loads(form, JSON_REJECT_DUPLICATES, NULL), *v;
    const char *key;
    void *tmp;
    if (!json_is_object(o) || fields == NULL)
        return o;
    json_object_foreach_safe(o, tmp, key, v)
    {
        (void)v;
        if (!key_read_out(fields, key))
            json_object_del(o, key);
    }
    return o;
}

enum err opening_form_check(const char *json, size_t len, struct buf *canon)
{
    return opening_form_check_fields(json, len, NULL, canon);
}

enum err opening_form_check_fields(const char *json, size_t len, const char *fields,
                                   struct buf *canon)
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
    /* Every key is checked, named or not: the whole form is kept, for the
     * evaluation reads its fields (price, duration, others) from it. A
     * field the tender names but the form lacks is read out as not stated:
     * the opening reads out, it does not judge (the committee does). */
    (void)fields;
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

enum step_kind {
    K_SIGNIN,
    K_ADVANCE,
    K_FAIL,
    K_DECIDE,
    K_OBJECT,
    K_ANSWER,
    K_SIGN,
    K_EXPIRE,
    K_OPEN
};

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

/* Moves the tender by action (TA_FAIL, TA_END_OPENING), with its row;
 * mv gets the change for the public topic. */
static enum err tender_move(struct store_tx *tx, const struct tender_caller *c, struct tender *t,
                            enum tender_action act, int64_t now, struct opening_change *mv)
{
    int st = tender_state_parse(t->state);
    if (st < 0)
        return ERR_INTERNAL;
    enum err e = tender_action_check(act, (enum tender_state)st, t->paused);
    if (e != ERR_OK)
        return e;
    const char *from = t->state;
    t->state = tender_state_name((enum tender_state)tender_action_defs[act].to);
    memset(&mv->move, 0, sizeof(mv->move));
    mv->tender_moved = true;
    mv->move.tender_id = t->id;
    snprintf(mv->move.code, sizeof mv->move.code, "%s", t->code ? t->code : "");
    mv->move.event = "tender.state";
    mv->move.from = (enum tender_state)st;
    mv->move.to = (enum tender_state)tender_action_defs[act].to;
    mv->move.paused = t->paused;
    mv->move.at_ms = now;
    mv->move.bid_deadline_ms = t->bid_deadline_ms;
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

/* The lots of the hall (opening_lots) into the page; rows are seeded first
 * for a hall opened before migration 29. */
static enum err lots_load(struct store_tx *tx, struct job *j, int64_t tender_id, struct page *lots)
{
    int rc = store_opening_lots_seed(tx, tender_id);
    if (rc == STORE_OK)
        rc = store_opening_lot_list(tx, &j->a, tender_id, TENDER_LOTS_MAX, lots);
    return domain_store_err(rc);
}

/* Lots (not failed) that reach the minimum. */
static int lots_enough(const struct page *lots, int64_t min)
{
    int n = 0;
    for (int i = 0; i < lots->n; i++) {
        const struct opening_lot *l = (const struct opening_lot *)lots->items + i;
        n += l->failed_ms == 0 && l->bidders >= min;
    }
    return n;
}

/* The hall of t, created on first use while the tender is `opening`: the
 * bids seeded, the lots counted, "opening.open" logged and (j->ch) the
 * change with the counts. *created says whether it was. */
static enum err hall_load(struct store_tx *tx, struct job *j, const struct tender *t,
                          struct opening_hall *h, int64_t now, bool *created)
{
    int64_t n = 0, orgs = 0;
    struct page lots;
    *created = false;
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
    enum err e = lots_load(tx, j, t->id, &lots);
    if (e != ERR_OK)
        return e;
    memset(h, 0, sizeof(*h));
    h->tender_id = t->id;
    h->phase = "signin";
    h->bidders = orgs;
    h->min_bids = t->min_bids > 0 ? t->min_bids : 3;
    h->created_ms = h->updated_ms = now;
    h->version = 1;
    rc = store_opening_hall_insert(tx, h);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    struct jsonw w;
    buf_reset(&j->tmp);
    jsonw_init(&w, &j->tmp);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "bidders", orgs);
    jsonw_kint(&w, "min_bids", h->min_bids);
    jsonw_key(&w, "lots");
    jsonw_arr_begin(&w);
    j->ch->bidders = orgs;
    j->ch->n_lots = 0;
    for (int i = 0; i < lots.n; i++) {
        const struct opening_lot *l = (const struct opening_lot *)lots.items + i;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "lot", l->lot_no);
        jsonw_kint(&w, "bidders", l->bidders);
        jsonw_obj_end(&w);
        if (j->ch->n_lots < TENDER_LOTS_MAX) {
            struct opening_lot_count *c = &j->ch->lots[j->ch->n_lots++];
            c->lot = l->lot_no;
            c->bidders = l->bidders;
            c->failed = l->bidders < h->min_bids;
        }
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) != JSONW_OK)
        return ERR_INTERNAL;
    *created = true;
    return domain_store_err(
        record(tx, &tender_system_caller, "opening.open", t->id, j->tmp.data, NULL));
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

/* The draft as the objections end, in canonical form into j->tmp, its
 * SHA-256 into hash: every fact of the hall but the signatures. It is
 * fixed from here on: the record seals exactly these bytes, whatever
 * changes elsewhere (an organisation renamed). A hall of several lots
 * adds "lots" (each lot's count and whether it failed). */
static enum err build_draft(struct store_tx *tx, struct job *j, const struct tender *t,
                            const struct opening_hall *h, int64_t now, char hash[65])
{
    struct page bids, objs, lots;
    enum err e = ERR_INTERNAL;
    int rc = store_opening_bid_list(tx, &j->a, t->id, OPENING_BIDS_MAX, &bids);
    if (rc == STORE_OK)
        rc = store_opening_objection_list(tx, &j->a, t->id, OPENING_BIDS_MAX, &objs);
    if (rc == STORE_OK)
        rc = store_opening_lot_list(tx, &j->a, t->id, TENDER_LOTS_MAX, &lots);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    json_t *d = json_object(), *ab = json_array(), *ao = json_array();
    bool ok = d != NULL && ab != NULL && ao != NULL;
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
        json_t *form = b->form != NULL ? form_read_out(t->readout_fields, b->form) : json_null();
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
    if (ok && lots.n > 1) {
        json_t *al = json_array();
        ok = al != NULL && json_object_set_new(d, "lots", al) == 0;
        for (int i = 0; ok && i < lots.n; i++) {
            const struct opening_lot *l = (const struct opening_lot *)lots.items + i;
            json_t *o = json_object();
            ok = o != NULL && json_array_append_new(al, o) == 0 &&
                 put(o, "lot_no", json_integer(l->lot_no)) &&
                 put(o, "bidders", json_integer(l->bidders)) &&
                 put(o, "failed_ms", json_integer(l->failed_ms)) &&
                 put(o, "reason", str_or_null(l->reason));
        }
    }
    ok = ok && json_object_set(d, "bids", ab) == 0 && json_object_set(d, "objections", ao) == 0 &&
         opening_canon(d, &j->tmp) == 0;
    if (ok) {
        crypto_sha256_hex(j->tmp.data, j->tmp.len, hash);
        e = ERR_OK;
    }
    json_decref(ab);
    json_decref(ao);
    json_decref(d);
    return e;
}

/* Whether the hall's record is a signing sheet of before migration 29
 * ({"draft", "signatures"}: canonical, so it starts so); a draft starts
 * with its first key, "bid_deadline_ms". */
static bool legacy_sheet(const struct opening_hall *h)
{
    return h->record != NULL && strncmp(h->record, "{\"draft\":", 9) == 0;
}

/* The draft of a signing sheet, checked against the hash everybody signed
 * (record_hash), canonical into tmp; *sheet gets the parsed sheet. */
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

/* A sheet of before migration 29: its signatures into rows, the draft alone
 * into the hall (once; the next step finds a draft). */
static enum err legacy_convert(struct store_tx *tx, struct job *j, struct opening_hall *h,
                               int64_t now)
{
    json_t *sheet = NULL, *sg;
    size_t i;
    enum err e = sheet_load(h, &j->tmp, &sheet);
    if (e != ERR_OK)
        return e;
    json_array_foreach(json_object_get(sheet, "signatures"), i, sg)
    {
        struct opening_signature s = {
            .tender_id = h->tender_id,
            .org_id = json_integer_value(json_object_get(sg, "org_id")),
            .bidder = json_string_value(json_object_get(sg, "bidder")),
            .certificate = json_string_value(json_object_get(sg, "certificate")),
            .certificate_sha256 = json_string_value(json_object_get(sg, "certificate_sha256")),
            .key_alg = json_string_value(json_object_get(sg, "key_alg")),
            .signature = json_string_value(json_object_get(sg, "signature")),
            .signed_ms = json_integer_value(json_object_get(sg, "signed_ms"))};
        int64_t added = 0;
        if (s.bidder == NULL || s.certificate == NULL || s.certificate_sha256 == NULL ||
            s.key_alg == NULL || s.signature == NULL) {
            json_decref(sheet);
            return ERR_INTERNAL;
        }
        int rc = store_opening_signature_insert(tx, &s, &added);
        if (rc != STORE_OK) {
            json_decref(sheet);
            return domain_store_err(rc);
        }
    }
    json_decref(sheet);
    h->record = arena_strndup(&j->a, j->tmp.data, j->tmp.len); /* the draft, canonical */
    if (h->record == NULL)
        return ERR_INTERNAL;
    return hall_save(tx, h, OP_SIGNING, now);
}

/* The sealed record, canonical, into j->tmp: the draft (parsed once), its
 * hash, the organisations that did not sign, the seal time, every
 * signature row, the type. */
static enum err build_record(struct store_tx *tx, struct job *j, const struct opening_hall *h,
                             const struct page *sigs, int64_t now)
{
    enum err e = ERR_OK;
    const char *msg = NULL;
    json_t *draft =
        jsonr_parse(h->record, strlen(h->record), OPENING_RECORD_MAX, JSONR_MAX_DEPTH, &e, &msg);
    if (draft == NULL || !json_is_object(draft)) {
        json_decref(draft);
        return ERR_INTERNAL;
    }
    json_t *rec = json_object(), *as = json_array(), *an = json_array();
    bool ok = rec != NULL && as != NULL && an != NULL;
    for (int i = 0; ok && i < sigs->n; i++) {
        const struct opening_signature *s = (const struct opening_signature *)sigs->items + i;
        json_t *o = json_object();
        ok = o != NULL && json_array_append_new(as, o) == 0 &&
             put(o, "org_id", json_integer(s->org_id)) &&
             put(o, "bidder", json_string(s->bidder)) &&
             put(o, "certificate", json_string(s->certificate)) &&
             put(o, "certificate_sha256", json_string(s->certificate_sha256)) &&
             put(o, "key_alg", json_string(s->key_alg)) &&
             put(o, "signature", json_string(s->signature)) &&
             put(o, "signed_ms", json_integer(s->signed_ms));
    }
    /* every organisation of the draft without a signature: "did not sign" */
    size_t i;
    json_t *b;
    int64_t last = 0;
    json_array_foreach(json_object_get(draft, "bids"), i, b)
    {
        int64_t org = json_integer_value(json_object_get(b, "org_id"));
        bool seen = org == last, signed_ = false;
        for (size_t k = 0; !seen && k < i; k++)
            seen = json_integer_value(json_object_get(
                       json_array_get(json_object_get(draft, "bids"), k), "org_id")) == org;
        last = org;
        if (!ok || seen)
            continue;
        for (int k = 0; !signed_ && k < sigs->n; k++)
            signed_ = ((const struct opening_signature *)sigs->items)[k].org_id == org;
        if (signed_)
            continue;
        json_t *o = json_object();
        ok = o != NULL && json_array_append_new(an, o) == 0 &&
             put(o, "org_id", json_integer(org)) &&
             put(o, "bidder", json_copy(json_object_get(b, "bidder"))) &&
             put(o, "signed_in",
                 json_boolean(json_integer_value(json_object_get(b, "signed_in_ms")) != 0));
    }
    (void)tx;
    ok = ok && json_object_set(rec, "draft", draft) == 0 &&
         put(rec, "draft_sha256", json_string(h->record_hash)) &&
         json_object_set(rec, "not_signed", an) == 0 && put(rec, "sealed_ms", json_integer(now)) &&
         json_object_set(rec, "signatures", as) == 0 &&
         put(rec, "type", json_string(OPENING_RECORD_TYPE)) && opening_canon(rec, &j->tmp) == 0;
    json_decref(as);
    json_decref(an);
    json_decref(rec);
    json_decref(draft);
    return ok ? ERR_OK : ERR_INTERNAL;
}

/* Leaving signin: lots below the minimum fail on their own (流标 of the
 * lot), the others go on; none reaching it is TOO_FEW_BIDS. */
static enum err count_lots(struct store_tx *tx, struct job *j, const struct tender *t,
                           const struct opening_hall *h, int64_t now)
{
    struct page lots;
    char reason[160], d[160];
    enum err e = lots_load(tx, j, t->id, &lots);
    if (e != ERR_OK)
        return e;
    if (lots_enough(&lots, h->min_bids) == 0 || h->bidders < h->min_bids)
        return ERR_OPENING_TOO_FEW_BIDS;
    for (int i = 0; i < lots.n; i++) {
        const struct opening_lot *l = (const struct opening_lot *)lots.items + i;
        int64_t n = 0;
        if (l->failed_ms != 0 || l->bidders >= h->min_bids)
            continue;
        snprintf(reason, sizeof reason,
                 "lot %lld failed at the opening: %lld bidder(s), fewer than %lld",
                 (long long)l->lot_no, (long long)l->bidders, (long long)h->min_bids);
        int rc = store_opening_lot_fail(tx, t->id, l->lot_no, reason, now, &n);
        if (rc == STORE_OK) {
            snprintf(d, sizeof d, "{\"lot_no\":%lld,\"bidders\":%lld,\"min_bids\":%lld}",
                     (long long)l->lot_no, (long long)l->bidders, (long long)h->min_bids);
            rc = record(tx, j->c, "opening.lot_failed", t->id, d, NULL);
        }
        if (rc != STORE_OK)
            return domain_store_err(rc);
        log_info("opening: tender %lld lot %lld failed: %lld bidder(s), minimum %lld",
                 (long long)t->id, (long long)l->lot_no, (long long)l->bidders,
                 (long long)h->min_bids);
    }
    return ERR_OK;
}

/* Sealing may happen once every signed-in organisation has signed, or the
 * signing window is over (docs/opening.md "Sealing"). */
static enum err seal_allowed(struct store_tx *tx, const struct opening_hall *h, int64_t now)
{
    int64_t n = 0;
    if (h->signing_end_ms == 0 || now >= h->signing_end_ms)
        return ERR_OK;
    struct store_param p[] = {SP_I(h->tender_id)};
    int rc = store_query_int(tx,
                             "SELECT count(DISTINCT ob.org_id) FROM opening_bids ob"
                             " WHERE ob.tender_id = $1 AND ob.signed_in_ms IS NOT NULL"
                             " AND NOT EXISTS (SELECT 1 FROM opening_signatures s"
                             " WHERE s.tender_id = ob.tender_id AND s.org_id = ob.org_id)",
                             p, 1, &n);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    return n > 0 ? ERR_OPENING_WINDOW_OPEN : ERR_OK;
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
    case OP_SIGNIN: {
        enum err e = count_lots(tx, j, t, h, now);
        if (e != ERR_OK)
            return e;
        h->window_end_ms = now + (t->decrypt_window_min > 0 ? t->decrypt_window_min : 30) * 60000;
        ph = OP_DECRYPT;
        break;
    }
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
            enum err e = build_draft(tx, j, t, h, now, dh);
            if (e != ERR_OK)
                return e;
            h->record = j->tmp.data;
            h->record_hash = arena_strndup(&j->a, dh, 64);
            h->signing_end_ms = now + (int64_t)OPENING_SIGNING_WINDOW_MIN * 60000;
        }
        ph = OP_SIGNING;
        break;
    case OP_SIGNING: {
        struct page sigs;
        enum err e = seal_allowed(tx, h, now);
        if (e != ERR_OK)
            return e;
        rc = store_opening_signature_list(tx, &j->a, t->id, OPENING_BIDS_MAX, &sigs);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        e = build_record(tx, j, h, &sigs, now);
        if (e != ERR_OK)
            return e;
        char hash[65];
        crypto_sha256_hex(j->tmp.data, j->tmp.len, hash);
        h->record = j->tmp.data;
        h->record_hash = arena_strndup(&j->a, hash, 64);
        e = tender_move(tx, j->c, t, TA_END_OPENING, now, j->ch);
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
        enum err e = opening_form_check_fields(j->text, j->text ? strlen(j->text) : 0,
                                               t->readout_fields, &j->tmp);
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

/* Bidder: its organisation's signature of the draft (phase signing), in its
 * own row: nothing else of the hall is read or written again. */
static enum err do_sign(struct store_tx *tx, struct job *j, const struct tender *t,
                        struct opening_hall *h, int64_t now)
{
    struct org_cert cert;
    struct buf name;
    uint8_t der[ORGSIG_MAX];
    size_t der_len = 0;
    const char *alg = NULL;
    char msg[256], d[256];
    int64_t n = 0, added = 0;
    if (h->record == NULL || h->record_hash == NULL)
        return ERR_INTERNAL; /* phase signing always has its draft */
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
    char *c64 = arena_alloc(&j->a, B64_LEN(cert.der_len));
    char s64[B64_LEN(ORGSIG_MAX)];
    if (c64 == NULL)
        return ERR_INTERNAL;
    buf_init(&name, 4096);
    struct store_param p[] = {SP_I(j->c->org_id)};
    rc = store_query_text(tx, "SELECT name FROM orgs WHERE id = $1", p, 1, &name);
    if (rc == STORE_OK && name.data == NULL)
        rc = STORE_NOTFOUND;
    if (rc == STORE_OK) {
        b64_encode(cert.der, cert.der_len, c64);
        b64_encode(der, der_len, s64);
        struct opening_signature s = {.tender_id = t->id,
                                      .org_id = j->c->org_id,
                                      .bidder = name.data,
                                      .certificate = c64,
                                      .certificate_sha256 = cert.fingerprint,
                                      .key_alg = alg,
                                      .signature = s64,
                                      .signed_ms = now};
        rc = store_opening_signature_insert(tx, &s, &added);
    }
    buf_release(&name);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (added == 0)
        return ERR_OK; /* signed already: the first signature stays */
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
    bool created = false;
    e = hall_load(tx, j, &t, &h, now, &created);
    if (e != ERR_OK)
        return e;
    int ph = opening_phase_parse(h.phase);
    if (ph < 0)
        return ERR_INTERNAL;
    j->ch->phase = (enum opening_phase)ph;
    j->ch->window_end_ms = h.window_end_ms;
    if (j->kind == K_OPEN) {
        if (!j->c->system)
            return ERR_FORBIDDEN;
        j->ch->event = created ? "opening.open" : NULL;
        return ERR_OK;
    }
    j->ch->n_lots = 0;
    if (ph == OP_SIGNING && legacy_sheet(&h)) {
        e = legacy_convert(tx, j, &h, now);
        if (e != ERR_OK)
            return e;
    }
    bool host = acc.owner && (j->c->roles & ROLE_AGENT);
    switch (j->kind) {
    case K_ADVANCE:
    case K_FAIL:
    case K_ANSWER:
        if (!host)
            return ERR_FORBIDDEN;
        break;
    case K_EXPIRE:
    case K_OPEN:
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
    case K_FAIL: {
        struct page lots;
        if (ph != OP_SIGNIN)
            return ERR_OPENING_WRONG_PHASE;
        e = lots_load(tx, j, t.id, &lots);
        if (e != ERR_OK)
            return e;
        if (h.bidders >= h.min_bids && lots_enough(&lots, h.min_bids) > 0)
            return ERR_OPENING_ENOUGH_BIDS;
        /* every lot fails with the tender */
        for (int i = 0; i < lots.n; i++) {
            const struct opening_lot *l = (const struct opening_lot *)lots.items + i;
            rc = store_opening_lot_fail(tx, t.id, l->lot_no, "the opening failed (流标)", now, &n);
            if (rc != STORE_OK)
                return domain_store_err(rc);
        }
        e = tender_move(tx, j->c, &t, TA_FAIL, now, j->ch);
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
    }
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
    case K_OPEN:
        break;
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

enum err opening_open_hall(struct store *s, int64_t tender_id, struct opening_change *ch)
{
    struct job j = {.kind = K_OPEN, .c = &tender_system_caller, .tender_id = tender_id, .ch = ch};
    enum err e = run(s, &j);
    if (e != ERR_OK)
        ch->event = NULL;
    return e;
}

/* Publishes ch on the hall's topic (and, for "also_public", on public). */
static void publish_change(struct cluster *c, const struct opening_change *ch, bool also_public)
{
    struct buf b;
    char topic[40];
    if (c == NULL || ch->event == NULL)
        return;
    buf_init(&b, 16384);
    snprintf(topic, sizeof topic, "opening.%lld", (long long)ch->tender_id);
    if (opening_change_json(ch, &b) == 0) {
        int rc = cluster_publish(c, topic, ch->event, b.data, b.len);
        if (rc == STORE_OK && also_public)
            rc = cluster_publish(c, "public", ch->event, b.data, b.len);
        if (rc != STORE_OK)
            log_warn("opening: event %s not published: %s", ch->event, store_rc_name(rc));
    }
    buf_release(&b);
}

int opening_run_due(struct store *s, struct cluster *c, int *done)
{
    int64_t ids[OPENING_DUE_BATCH];
    int n = 0;
    struct store_tx *tx = NULL;
    *done = 0;
    /* halls to open: the deadline passed (state opening), no hall yet */
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return rc;
    rc = store_opening_tenders_unopened(tx, ids, OPENING_DUE_BATCH, &n);
    store_rollback(tx);
    if (rc != STORE_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        struct opening_change oc;
        struct opening_change *ch = &oc;
        enum err e = opening_open_hall(s, ids[i], ch);
        if (e != ERR_OK)
            log_error("opening: tender %lld: hall not opened: %s", (long long)ids[i], err_code(e));
        else if (ch->event != NULL) {
            log_info("opening: tender %lld: hall opened, %lld bidder(s)", (long long)ids[i],
                     (long long)ch->bidders);
            publish_change(c, ch, true); /* not counted in *done: tenders moved */
        }
    }
    n = 0;
    rc = store_begin(s, STORE_READ, &tx);
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
        publish_change(c, &ch, false);
    }
    return STORE_OK;
}

/* ---- the view ---- */

static void view_write(struct jsonw *w, const struct tender *t, const struct opening_hall *h,
                       int ph, bool participant, int64_t my_org, const struct page *bids,
                       const struct page *objs, const struct page *lots, const char *draft,
                       size_t draft_len)
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
    jsonw_key(w, "lots");
    jsonw_arr_begin(w);
    for (int i = 0; i < lots->n; i++) {
        const struct opening_lot *l = (const struct opening_lot *)lots->items + i;
        jsonw_obj_begin(w);
        jsonw_kint(w, "lot", l->lot_no);
        jsonw_kint(w, "bidders", l->bidders);
        jsonw_kbool(w, "failed", l->failed_ms != 0);
        jsonw_kstr(w, "reason", l->reason);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    jsonw_key(w, "signing_end_ms");
    if (h->signing_end_ms > 0)
        jsonw_int(w, h->signing_end_ms);
    else
        jsonw_null(w);
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
            json_t *ro = b->form != NULL ? form_read_out(t->readout_fields, b->form) : NULL;
            char *txt = ro != NULL ? json_dumps(ro, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
            if (txt != NULL)
                jsonw_raw(w, txt, strlen(txt));
            else
                jsonw_null(w);
            free(txt);
            json_decref(ro);
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
    if (ph == OP_SIGNING && draft_len > 0) {
        /* what the bidders sign: opening_sign_message over draft_sha256 */
        jsonw_kstr(w, "draft_sha256", h->record_hash);
        jsonw_key(w, "draft");
        jsonw_raw(w, draft, draft_len);
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
    struct page bids = {0}, objs = {0}, lots = {0};
    struct jsonw w;
    struct buf draft;
    const char *dp = NULL;
    size_t dl = 0;
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
    if (rc == STORE_OK)
        rc = store_opening_lot_list(tx, &a, tender_id, TENDER_LOTS_MAX, &lots);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    int ph = opening_phase_parse(h.phase);
    if (ph == OP_SIGNING && legacy_sheet(&h)) {
        json_t *sheet = NULL;
        e = sheet_load(&h, &draft, &sheet); /* leaves the canonical draft in draft */
        json_decref(sheet);
        if (e != ERR_OK)
            goto out;
        dp = draft.data;
        dl = draft.len;
    } else if (ph == OP_SIGNING && h.record != NULL) {
        dp = h.record; /* the draft as stored: canonical, served as it is */
        dl = strlen(h.record);
    }
    bool participant = c->system || acc.owner || acc.supervisor;
    int64_t my_org = (c->roles & ROLE_BIDDER) ? c->org_id : 0;
    jsonw_init(&w, out);
    view_write(&w, &t, &h, ph < 0 ? 0 : ph, participant, my_org, &bids, &objs, &lots, dp, dl);
    e = jsonw_finish(&w) == JSONW_OK ? ERR_OK : ERR_INTERNAL;
out:
    store_rollback(tx);
    arena_release(&a);
    buf_release(&draft);
    return e;
}
