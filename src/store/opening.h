/*
 * store/opening.h — rows of the opening hall (migration 12) and the queries
 * on them: the hall of a tender, the bids it opens and the objections
 * raised in it. All SQL for these tables lives in store/opening.c; the
 * rules that decide what may be written are in domain/opening.c.
 *
 * Strings in returned rows are copied into the caller's arena. Every
 * function runs inside the caller's transaction and returns a store_rc.
 * A 0 in an optional integer field means SQL NULL.
 */
#ifndef SUNBID_STORE_OPENING_H
#define SUNBID_STORE_OPENING_H

#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct opening_hall {
    int64_t tender_id;
    const char *phase;       /* signin decrypt readout objections signing sealed failed */
    int64_t bidders;         /* organisations with a bid at the deadline */
    int64_t min_bids;        /* the tender's minimum when the hall opened */
    int64_t window_end_ms;   /* the decryption window's end; 0: not started */
    const char *record;      /* sealed: the record (JSON); signing: the draft (canonical
                              * JSON; a hall from before migration 29 may still hold
                              * the sheet {"draft", "signatures"}); else NULL */
    const char *record_hash; /* sealed: the record's SHA-256; signing: the draft's; hex */
    int64_t signing_end_ms;  /* the signing window's end; 0: not started (or older) */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t version; /* 1, then +1 per write */
};

/* A lot (标段) of the hall: its bidders at the deadline, failed (流标) at
 * the count when fewer than the minimum. */
struct opening_lot {
    int64_t tender_id;
    int64_t lot_no;
    int64_t bidders;    /* organisations with a bid on the lot */
    int64_t failed_ms;  /* 0: goes on */
    const char *reason; /* why it failed, or NULL */
};

/* One bidder's signature of the draft (its own row: a signature does not
 * rewrite the hall). */
struct opening_signature {
    int64_t tender_id;
    int64_t org_id;
    const char *bidder;             /* the organisation's name when it signed */
    const char *certificate;        /* base64 DER */
    const char *certificate_sha256; /* hex */
    const char *key_alg;            /* p256 sm2 */
    const char *signature;          /* base64 DER */
    int64_t signed_ms;
};

struct opening_bid {
    int64_t bid_id; /* the bids row opened */
    int64_t tender_id;
    int64_t lot_no;
    int64_t org_id;
    const char *org_name;  /* joined from orgs */
    const char *blob_hash; /* joined from bids: the envelope */
    const char *status;    /* pending opened revoked withdrawn */
    const char *form;      /* the opening form (JSON) once opened, or NULL */
    const char *reason;    /* why revoked / withdrawn, or NULL */
    int64_t signed_in_ms;  /* 0: not signed in */
    int64_t decided_ms;    /* 0: pending */
    int64_t signed_ms;     /* 0: has not signed the record */
};

struct opening_objection {
    int64_t id;
    int64_t tender_id;
    int64_t org_id;
    int64_t user_id;
    const char *body;
    int64_t raised_ms;
    const char *answer; /* NULL: open */
    int64_t answered_by;
    int64_t answered_ms; /* 0: open */
};

int store_opening_hall_insert(struct store_tx *tx, const struct opening_hall *h);
int store_opening_hall_get(struct store_tx *tx, struct arena *a, int64_t tender_id,
                           struct opening_hall *out);
/* Writes phase, window_end_ms, record, record_hash, signing_end_ms,
 * updated_ms and version
 * (by tender_id); STORE_NOTFOUND when there is no hall. */
int store_opening_hall_update(struct store_tx *tx, const struct opening_hall *h);
/* Tenders whose hall is in phase decrypt with its window ended by now_ms
 * and a bid still pending, earliest window first: up to max ids into ids,
 * *n gets how many. */
int store_opening_halls_due(struct store_tx *tx, int64_t now_ms, int64_t *ids, int max, int *n);
/* Revokes every pending bid of the tender with reason (the window's end);
 * *n gets how many. */
int store_opening_bids_revoke_pending(struct store_tx *tx, int64_t tender_id, const char *reason,
                                      int64_t at_ms, int64_t *n);

/* One pending row per current ('submitted') bid of the tender; *n gets how
 * many. */
int store_opening_bids_seed(struct store_tx *tx, int64_t tender_id, int64_t *n);
/* By lot, organisation. */
int store_opening_bid_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                           struct page *out);
/* Decides a pending bid: status opened (with form), revoked or withdrawn
 * (with reason). STORE_NOTFOUND unless it is pending. */
int store_opening_bid_decide(struct store_tx *tx, int64_t bid_id, const char *status,
                             const char *form, const char *reason, int64_t at_ms);
/* Stamps signed_in_ms (what = 0) or signed_ms (what = 1) on every row of the
 * organisation that has none; *changes gets how many. */
int store_opening_bid_stamp(struct store_tx *tx, int64_t tender_id, int64_t org_id, int what,
                            int64_t at_ms, int64_t *changes);

/* Tenders in state opening without a hall (the deadline passed, the hall
 * not yet opened), by id: up to max ids, *n gets how many. */
int store_opening_tenders_unopened(struct store_tx *tx, int64_t *ids, int max, int *n);

/* One row per lot of the tender: every lot with a bid in opening_bids
 * (its organisations counted) and every tender_lots lot without (0);
 * rows that exist are kept. */
int store_opening_lots_seed(struct store_tx *tx, int64_t tender_id);
/* By lot number. */
int store_opening_lot_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                           struct page *out);
/* Marks the lot failed (if it is not) and withdraws its pending bids with
 * reason; *n gets how many bids. */
int store_opening_lot_fail(struct store_tx *tx, int64_t tender_id, int64_t lot_no,
                           const char *reason, int64_t at_ms, int64_t *n);

/* Inserts the signature unless the organisation signed already: *added
 * gets 1 or 0. */
int store_opening_signature_insert(struct store_tx *tx, const struct opening_signature *s,
                                   int64_t *added);
/* In order of signing. */
int store_opening_signature_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                                 struct page *out);

int store_opening_objection_insert(struct store_tx *tx, const struct opening_objection *o,
                                   int64_t *id);
/* STORE_NOTFOUND unless it is an open objection of the tender. */
int store_opening_objection_answer(struct store_tx *tx, int64_t tender_id, int64_t id,
                                   const char *answer, int64_t by, int64_t at_ms);
int store_opening_objection_open_count(struct store_tx *tx, int64_t tender_id, int64_t *n);
/* In order of raising. */
int store_opening_objection_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                                 struct page *out);

#endif
