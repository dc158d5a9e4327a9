/*
 * domain/opening.h — the opening hall (開標大廳, 不見面開標) of a tender in
 * state `opening`: the fixed flow the host (an agent of the tender's agent
 * organisation) walks the bidders through, every step checked. docs/opening.md
 * is the reference; in one picture:
 *
 *   signin --advance--> decrypt --advance--> readout --advance--> objections
 *     |  (count: fewer     (window ends or     (唱標: the opened    (raised by
 *     |   than min_bids:    nothing pending;    forms are public)    bidders, answered
 *     |   TOO_FEW_BIDS)     pending: revoked)                       by the host)
 *     +--fail--> failed (流標; tender -> failed)            --advance--> signing
 *                                                   (no open objection)   |
 *                          sealed (record hashed, logged, tender -> evaluation) <--advance--+
 *
 * The decryption window ends by itself: the tender scheduler's round calls
 * opening_run_due, which revokes what is still pending once the server
 * clock passes window_end_ms (opening_expire; idempotent, so a restarted
 * server catches up on its first round). Leaving objections fixes the
 * draft of the record (every fact but the signatures, canonical JSON,
 * opening_record.c); in phase signing the view shows it with its SHA-256,
 * each bidder signs opening_sign_message(tender, draft_sha256) with its
 * organisation's signing certificate (domain/orgsig.h), and the sealed
 * record holds the draft, its hash and every signature, so anyone can
 * check it offline (opening_record_verify).
 *
 * The hall is created by its first step once the tender is `opening`: one
 * row per current ('submitted') bid at that moment, the organisations
 * counted, the tender's min_bids and decrypt_window_min copied in.
 *
 * Roles: the host is an agent (ROLE_AGENT) of the tender's agent or
 * tenderer organisation (tender_access owner); a bidder is a caller whose
 * organisation has a bid in the hall (ERR_OPENING_NOT_BIDDER otherwise).
 * A step out of order is ERR_OPENING_WRONG_PHASE; a tender that is not in
 * `opening` (and has no hall) is ERR_WRONG_STATE.
 *
 * Decryption outcomes (art. 31 handling, docs/opening.md): a bid is opened
 * (with its opening form), revoked (撤銷: the bidder's fault — wrong key, a
 * bad MAC in its own data, the window missed) or withdrawn (撤回: the
 * platform's fault — its blob missing or corrupt on our side). The others
 * open regardless. opening_decide() records one outcome; opening_decrypt
 * (opening_open.c) is the key release that produces it.
 *
 * Every write is one transaction (domain_write) with its audit row and a
 * witness-log event "opening.<step>" carrying the tender id; the sealed
 * record's event is "opening.record" with the record's SHA-256. Each step
 * returns a struct opening_change the caller publishes on the tender's SSE
 * topic after the commit (opening_change_json): nothing secret in it.
 *
 * Time is clock_now_ms() (server time), read once per attempt. Threads: any.
 */
#ifndef SUNBID_DOMAIN_OPENING_H
#define SUNBID_DOMAIN_OPENING_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "crypto/suite.h"
#include "domain/tender.h"
#include "store/cluster.h"
#include "store/opening.h"

#define OPENING_FORM_MAX    4096 /* bytes of one opening form (JSON) */
#define OPENING_FORM_FIELDS 16   /* fields in it */
#define OPENING_TEXT_MAX    8000 /* an objection, an answer, a reason */
#define OPENING_BIDS_MAX    1000 /* bids one hall opens */
#define OPENING_RECORD_MAX  (4u << 20)

enum opening_phase {
    OP_SIGNIN,     /* bidders sign in (簽到) */
    OP_DECRYPT,    /* the decryption window runs */
    OP_READOUT,    /* the opened forms are read out (唱標) */
    OP_OBJECTIONS, /* objections raised in the hall, answered on the spot */
    OP_SIGNING,    /* bidders sign the opening record */
    OP_SEALED,     /* the record is sealed, logged and published */
    OP_FAILED,     /* the opening failed (流標) */
    OP__COUNT
};

const char *opening_phase_name(enum opening_phase p);
int opening_phase_parse(const char *s); /* -1 when unknown */

/* One thing that happened in the hall, for the live stream. */
struct opening_change {
    int64_t tender_id;
    const char *event;        /* "opening.open", "opening.phase", "opening.signin",
                               * "opening.decrypt",
                               * "opening.objection", "opening.answer", "opening.sign",
                               * "opening.record" (static strings) */
    enum opening_phase phase; /* after the step */
    int64_t window_end_ms;    /* 0: not started */
    int64_t at_ms;
    int64_t subject;      /* an objection id, a lot number; 0: none */
    char record_hash[65]; /* "opening.record": the sealed record's SHA-256 */
    /* "opening.open" only: the organisations counted and each lot's count
     * ("failed": below the minimum, it fails at the count) */
    int64_t bidders;
    int n_lots;
    struct opening_lot_count {
        int64_t lot, bidders;
        bool failed;
    } lots[TENDER_LOTS_MAX];
    bool tender_moved;         /* the step moved the tender (sealed, failed): */
    struct tender_change move; /* its "tender.state" change, for the public topic */
};

/* The change as one JSON object appended to out; 0 or -1. */
int opening_change_json(const struct opening_change *c, struct buf *out);

/* Checks an opening form (docs/opening.md): a JSON object of at most
 * OPENING_FORM_FIELDS fields, "price_fen" an integer 0..TENDER_MONEY_MAX,
 * "duration_days" (if any) an integer 0..36500, the others strings of at
 * most 512 bytes or integers. *canon gets the form re-serialised compactly
 * with sorted keys. ERR_OK or ERR_OPENING_FORM_INVALID. */
enum err opening_form_check(const char *json, size_t len, struct buf *canon);
/* As opening_form_check against the tender's read-out fields (its
 * readout_fields, a comma list; docs/opening.md "The opening form"): a named
 * field missing or malformed is ERR_OPENING_FORM_INVALID ("bidder" is the
 * organisation's name, not in the form; "price" is price_fen, "duration"
 * duration_days, any other name the key of that name, a string or an
 * integer); price_fen is always required; fields the tender does not name
 * are dropped from *canon (not read out). fields NULL: every valid field is
 * kept (opening_form_check). */
enum err opening_form_check_fields(const char *json, size_t len, const char *fields,
                                   struct buf *canon);

/* Opens envelope bytes with their content key K (opening_open.c): checks
 * the structure and signature, decrypts and authenticates every chunk and
 * the manifest, compares every content hash, and puts the file named
 * "opening-form.json" of role price-list (if any, at most OPENING_FORM_MAX
 * bytes) into form (empty when there is none). SEAL_OK, or:
 * SEAL_EWRONGKEY (K opens nothing: the bidder may try again),
 * SEAL_EBADMAC / SEAL_EBADHASH (K is right but the sealed data is bad: the
 * bidder's fault), anything else (structure, signature: the stored bytes
 * are not what was verified at upload: the platform's fault). */
int opening_envelope_form(const void *env, size_t len, const uint8_t key[SUITE_KEY_LEN],
                          struct buf *form, struct seal_error *err);

#define OPENING_ENVELOPE_MAX ((size_t)1 << 30) /* bytes of an envelope read to open it */

/* The decryption outcome of one key release. */
struct opening_outcome {
    const char *status; /* "opened", "revoked" or "withdrawn" (static) */
    const char *reason; /* the seal error's code or why; NULL when opened */
};

/* Bidder: releases the content key K of its bid for lot_no (phase
 * decrypt, before the window's end). The server reads the envelope's blob,
 * opens it with K (opening_envelope_form) and records the outcome (art. 31):
 * opened with its form; revoked when K is right but the sealed data or
 * the form is bad; withdrawn when the blob is missing or no longer what was
 * verified at upload. A K that opens nothing is ERR_OPENING_WRONG_KEY and
 * changes nothing: the bidder may try again until the window ends. */
enum err opening_decrypt(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         int64_t lot_no, const uint8_t key[SUITE_KEY_LEN],
                         struct opening_outcome *out, struct opening_change *ch);

/* Bidder: signs in (phases signin and decrypt). Idempotent. */
enum err opening_sign_in(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         struct opening_change *ch);
/* Host: the next step of the flow (see the picture). expect: the phase the
 * host sees (OP__COUNT: any) — a stale console gets ERR_OPENING_WRONG_PHASE. */
enum err opening_advance(struct store *s, const struct tender_caller *c, int64_t tender_id,
                         enum opening_phase expect, struct opening_change *ch);
/* Host: ends the opening as failed (流標) at the count; only with fewer
 * bidders than the minimum (ERR_OPENING_ENOUGH_BIDS otherwise). */
enum err opening_fail(struct store *s, const struct tender_caller *c, int64_t tender_id,
                      const char *reason, struct opening_change *ch);
/* Records the decryption outcome of the bidder c's bid for lot_no (the
 * bidder itself, or the system on its behalf): status "opened" with the
 * form (checked by opening_form_check), or "revoked" / "withdrawn" with a
 * reason. In phase decrypt before the window's end only. */
enum err opening_decide(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        int64_t org_id, int64_t lot_no, const char *status, const char *form,
                        const char *reason, struct opening_change *ch);
/* Bidder: raises an objection in the hall (phase objections). */
enum err opening_object(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        const char *body, int64_t *id, struct opening_change *ch);
/* Host: answers an open objection (phase objections). */
enum err opening_answer(struct store *s, const struct tender_caller *c, int64_t tender_id,
                        int64_t objection_id, const char *answer, struct opening_change *ch);
/* ---- signing the record (opening_record.c; docs/opening.md) ---- */

#define OPENING_SIGN_PREFIX "sunbid opening record v1"
#define OPENING_RECORD_TYPE "sunbid.opening-record.v1"
#define OPENING_DRAFT_TYPE  "sunbid.opening-draft.v1"
#define OPENING_CERT_MAX    (64 << 10) /* bytes of a signer certificate in a record */

/* The message a bidder signs: "sunbid opening record v1\n<tender_id>\n
 * <draft_sha256 hex>\n" (UTF-8, no NUL) into out; its length, or -1 when
 * cap is too small. */
int opening_sign_message(int64_t tender_id, const char *draft_sha256, char *out, size_t cap);
/* The canonical form (opening_record.c) of the JSON text json into out:
 * 0, or -1 when it is not JSON (duplicate keys, bad UTF-8, over max bytes). */
int opening_canon_text(const char *json, size_t len, size_t max, struct buf *out);
/* canonical(v) of a jansson value (json_t) into out (reset first): 0 or -1. */
struct json_t;
int opening_canon(const struct json_t *v, struct buf *out);

/* What opening_record_verify found. */
struct opening_record_report {
    int64_t tender_id;      /* the draft's */
    char draft_sha256[65];  /* as the record states it (checked) */
    char record_sha256[65]; /* SHA-256 of the bytes given */
    int signatures;         /* signatures that verified */
    int bad_signature;      /* index of the first that failed; -1: none */
    char message[160];      /* what failed, English, one line */
};
/* Checks a sealed record offline: its shape, draft_sha256 against the
 * canonical draft, and every signature (its certificate's fingerprint, the
 * DER signature over opening_sign_message with the certificate's key).
 * ERR_OK; ERR_INVALID_FIELD (not a record); ERR_OPENING_STALE_DRAFT (the
 * draft is not what was signed); ERR_CERT_MALFORMED,
 * ERR_CERT_UNSUPPORTED_KEY, ERR_OPENING_BAD_SIGNATURE (a signature,
 * r->bad_signature says which). Does not judge the certificates' chains:
 * that was done when they were registered. */
enum err opening_record_verify(const char *json, size_t len, struct opening_record_report *r);

/* Bidder: signs the opening record (phase signing) with its organisation's
 * current signing certificate: sig (sig_len bytes: DER, or raw r || s,
 * domain/orgsig.h) over opening_sign_message(tender_id, draft_sha256) where
 * draft_sha256 is the hall's (GET, phase signing). draft: the hash the
 * bidder signed, or NULL; one that is not the hall's is
 * ERR_OPENING_STALE_DRAFT. ERR_OPENING_NO_CERTIFICATE without an active
 * signing certificate, ERR_CERT_EXPIRED / ERR_CERT_NOT_YET_VALID outside
 * its validity, ERR_OPENING_BAD_SIGNATURE when it does not verify.
 * Idempotent: an organisation that signed already keeps its first
 * signature (ERR_OK, no new event). */
enum err opening_sign(struct store *s, const struct tender_caller *c, int64_t tender_id,
                      const uint8_t *sig, size_t sig_len, const char *draft,
                      struct opening_change *ch);

/* ---- the window's end (the scheduler, docs/opening.md) ---- */

#define OPENING_DUE_BATCH 64 /* halls one round looks at */

/* System: ends tender_id's decryption window when it is past: every
 * pending bid is revoked ("not decrypted within the window"), event
 * "opening.expire" with the number revoked as subject. ERR_OK with
 * ch->event NULL when there was nothing to do (not in decrypt, window not
 * over, nothing pending): idempotent, so a restarted server catches up
 * and two nodes racing do it once. */
enum err opening_expire(struct store *s, int64_t tender_id, struct opening_change *ch);
/* One scheduler round (domain/scheduler.c): opening_expire for every hall
 * whose window ended by clock_now_ms() with bids pending, publishing each
 * change on "opening.<id>" through the cluster (c may be NULL); before
 * that, opens the hall of every tender in `opening` without one
 * (opening_open_hall, "opening.open" on the hall's topic and "public").
 * *done gets how many windows ended (hall openings are not counted). A
 * store_rc of the due queries. */
int opening_run_due(struct store *s, struct cluster *c, int *done);
/* System: opens the hall of tender_id at its deadline (state opening, no
 * hall yet): the bids and lots counted, phase signin, event "opening.open"
 * with the counts. ERR_OK with ch->event NULL when the hall exists. */
enum err opening_open_hall(struct store *s, int64_t tender_id, struct opening_change *ch);

#define OPENING_SIGNING_WINDOW_MIN 10 /* minutes bidders have to sign the record */

/* What the caller may see of the hall, as JSON into out: the phase, the
 * window, counts; bidders' names and forms from the read-out on (their
 * own bid's status always); objections without who raised them; the
 * record once sealed. ERR_NOT_FOUND for a tender the caller may not see. */
enum err opening_view_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           struct buf *out);

#endif
