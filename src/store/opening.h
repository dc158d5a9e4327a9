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
    const char *record;      /* sealed: the record (JSON); signing: the signing sheet
                              * {"draft", "signatures"} (docs/opening.md); else NULL */
    const char *record_hash; /* sealed: the record's SHA-256; signing: the draft's; hex */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t version; /* 1, then +1 per write */
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
/* Writes phase, window_end_ms, record, record_hash, updated_ms and version
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
