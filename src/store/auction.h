/*
 * store/auction.h — rows of the auction schema (migration 10) and the
 * queries on them: auctions (terms + the writer's snapshot), registrations
 * (applications, deposits, bidder numbers), accepted bids and signed
 * results. All SQL for these tables is in store/auction.c; the rules are in
 * domain/auction_rules.c and the single writer in domain/auction.c.
 *
 * Strings in returned rows are copied into the caller's arena. Every function
 * runs in the caller's transaction and returns a store_rc. A 0 in an optional
 * integer means SQL NULL.
 */
#ifndef SUNBID_STORE_AUCTION_H
#define SUNBID_STORE_AUCTION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/store.h"

struct store_auction {
    int64_t id;
    const char *title;
    const char *kind;   /* english dutch sealed reverse */
    const char *preset; /* custom land judicial procurement */
    int64_t agent_org_id;
    int64_t created_by;
    int64_t start_price, increment, reserve, max_price, deposit; /* fen */
    int64_t start_ms, end_ms, window_ms, step_ms, pause_ms, first_pause_ms, rounds;
    /* the writer's snapshot */
    const char *state; /* scheduled live sold failed cancelled */
    const char *reason;
    int64_t cur_end_ms, shift_ms, price, leader_reg, leader_seq, nbids, seq;
    int64_t order_round;
    const char *round_order; /* comma list of registration ids, or NULL */
    int64_t epoch;           /* fencing: the writer's claim */
    const char *owner_node;
    int64_t alive_ms; /* the writer's last sign of life */
    int64_t closed_ms;
    int64_t created_ms;
};

struct store_auction_reg {
    int64_t id;
    int64_t auction_id;
    int64_t org_id;
    int64_t user_id;
    const char *state; /* applied qualified rejected */
    const char *deposit_ref;
    const char *paddle; /* 競買號, NULL until qualified */
    int64_t applied_ms;
    int64_t decided_ms;
    int64_t decided_by;
    const char *org_name; /* joined from orgs */
    const char *org_uscc;
};

struct store_auction_bid {
    int64_t id;
    int64_t auction_id;
    int64_t seq;
    int64_t reg_id;
    int64_t user_id;
    int64_t amount;
    int64_t offered;
    int64_t round;
    int64_t received_ms;
    const char *ref;         /* may be NULL */
    const char *remote_addr; /* may be NULL */
    const char *paddle;      /* joined */
};

struct store_auction_result {
    int64_t auction_id;
    const char *outcome; /* sold failed cancelled */
    const char *reason;
    int64_t winner_reg;
    int64_t price;
    const char *body;
    const char *key_id;
    const char *public_pem;
    const char *signature;
    int64_t created_ms;
};

/* The writer's snapshot, written with every batch (fenced by epoch). */
struct store_auction_snap {
    const char *state;
    const char *reason;
    int64_t cur_end_ms, shift_ms, price, leader_reg, leader_seq, nbids, seq, order_round;
    const char *round_order;
    int64_t alive_ms;
    int64_t closed_ms;
};

int store_auction_insert(struct store_tx *tx, const struct store_auction *a, int64_t *id);
int store_auction_get(struct store_tx *tx, struct arena *ar, int64_t id, struct store_auction *a);
/* Newest first, ids below before_id (0: from the top). */
int store_auction_list(struct store_tx *tx, struct arena *ar, int64_t before_id, int limit,
                       struct store_auction **out, int *n, bool *more);
/* Auctions a node should run: not closed, and live or starting by horizon_ms
 * (reverse auctions from creation: they take sealed offers). */
int store_auction_active(struct store_tx *tx, int64_t horizon_ms, int64_t *ids, int max, int *n);
/* Takes over as the writer: epoch + 1, owner = node; *epoch gets the new one. */
int store_auction_claim(struct store_tx *tx, int64_t id, const char *node, int64_t *epoch);
/* Writes the snapshot if epoch is still the auction's: STORE_NOTFOUND when
 * another writer has claimed it since (the caller must stop). */
int store_auction_snap(struct store_tx *tx, int64_t id, int64_t epoch,
                       const struct store_auction_snap *s);
/* The state alone (cancel by the agent when no writer runs). */
int store_auction_set_state(struct store_tx *tx, int64_t id, const char *state, const char *reason,
                            int64_t closed_ms);

int store_auction_reg_insert(struct store_tx *tx, const struct store_auction_reg *r, int64_t *id);
int store_auction_reg_get(struct store_tx *tx, struct arena *ar, int64_t id,
                          struct store_auction_reg *r);
int store_auction_reg_by_org(struct store_tx *tx, struct arena *ar, int64_t auction_id,
                             int64_t org_id, struct store_auction_reg *r);
int store_auction_reg_list(struct store_tx *tx, struct arena *ar, int64_t auction_id, int max,
                           struct store_auction_reg **out, int *n);
/* Sets state (qualified with paddle, or rejected). STORE_CONSTRAINT when the
 * paddle is taken. */
int store_auction_reg_decide(struct store_tx *tx, int64_t id, const char *state, const char *paddle,
                             int64_t at_ms, int64_t by);

int store_auction_bid_insert(struct store_tx *tx, const struct store_auction_bid *b, int64_t *id);
/* n bids (the writer's batch), at most per_stmt (<= 64) rows per statement. */
int store_auction_bids_insert(struct store_tx *tx, const struct store_auction_bid *b, int n,
                              int per_stmt);
/* Bids with seq > after_seq in seq order, at most limit (+1 read for more). */
int store_auction_bids(struct store_tx *tx, struct arena *ar, int64_t auction_id, int64_t after_seq,
                       int limit, struct store_auction_bid **out, int *n, bool *more);
/* Every bidder's latest bid, in seq order (for sealed and reverse standings). */
int store_auction_latest(struct store_tx *tx, struct arena *ar, int64_t auction_id, int max,
                         struct store_auction_bid **out, int *n);
/* Calls fn for every (reg_id, ref) of the auction's bids that have a ref. */
int store_auction_refs(struct store_tx *tx, int64_t auction_id,
                       void (*fn)(void *arg, int64_t reg, const char *ref), void *arg);

int store_auction_result_insert(struct store_tx *tx, const struct store_auction_result *r);
int store_auction_result_get(struct store_tx *tx, struct arena *ar, int64_t auction_id,
                             struct store_auction_result *r);

#endif
