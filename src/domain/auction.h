/*
 * domain/auction.h — online auctions (網絡競價): the operations the API
 * calls (create, register, qualify, cancel, read) and the engine that runs
 * live auctions. The rules themselves are pure, in domain/auction_rules.h;
 * docs/auction.md is the whole story.
 *
 * The engine (domain/auction_engine.c). Every auction that is live (or
 * about to be) has ONE writer: a thread on the node that holds the cluster
 * lease "auction.<id>". A bid's HTTP handler (a worker thread) stamps it
 * with the server time under the writer's queue lock — so receipt order and
 * receipt times agree — queues it and waits. The writer drains the queue in
 * batches: each bid is judged by the rules at its receipt time against the
 * state left by the ones before it; the accepted ones, the new snapshot and
 * one witness-log event for the batch go into ONE transaction (group commit); only
 * after the commit are the waiting handlers told (acknowledged = durable),
 * and then the batch is broadcast on the SSE topic "auction.<id>" through
 * the cluster (every node's viewers see it).
 *
 *   handler: stamp + enqueue --> writer: judge batch --> COMMIT --> ack all --> publish
 *
 * Fencing. Taking a writer's place bumps auctions.epoch; every batch writes
 * the snapshot only WHERE epoch is its own, so a writer that lost its lease
 * (or an auction the agent cancelled) can never commit a bid afterwards.
 * Takeover. The new writer reads the snapshot and the bids, and applies
 * auction_rules_resume() with the old writer's last sign of life (alive_ms,
 * written with every batch and every AUCTION_HEARTBEAT_MS): an outage that
 * began before the end shifts the schedule by its length.
 *
 * Threads: auction_engine_* from any thread; the rest on worker threads.
 */
#ifndef SUNBID_DOMAIN_AUCTION_H
#define SUNBID_DOMAIN_AUCTION_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/arena.h"
#include "crypto/suite.h"
#include "domain/accounts.h"
#include "domain/auction_rules.h"
#include "store/auction.h"
#include "store/cluster.h"
#include "store/store.h"

#define AUCTION_LEASE_PREFIX  "auction."
#define AUCTION_HEARTBEAT_MS  250       /* the writer's sign of life, also its longest sleep */
#define AUCTION_HORIZON_MS    60000     /* writers start this long before the start */
#define AUCTION_MAX_WRITERS   48        /* live auctions one node runs at once */
#define AUCTION_QUEUE_MAX     8192      /* bids waiting for one writer: past it, overloaded */
#define AUCTION_BATCH_MAX     512       /* bids per transaction (default) */
#define AUCTION_TITLE_MAX     300       /* bytes */
#define AUCTION_REF_MAX       64        /* bytes of a bid reference */
#define AUCTION_PADDLE_LEN    6         /* digits of a bidder number */
#define AUCTION_KEY_DIR       "auction" /* <data-dir>/auction/receipt.key signs results */
#define AUCTION_CONFIRM_MAGIC "sunbid auction result v1"

/* ---- the operations (domain/auction.c) ---- */

struct auction_input {
    const char *title;
    struct auction_terms terms; /* kind, preset, prices, times; checked here */
    int64_t deposit;            /* fen, the deposit bidders must pay (informative) */
};

/* A loaded auction: the row, its terms and its book (with standings when
 * with_standings: sealed and reverse offers). */
struct auction_view {
    struct store_auction row;
    struct auction_terms terms;
    struct auction_book *book; /* arena */
};

enum err auction_create(struct store *s, const struct actor *who, int64_t agent_org_id,
                        const struct auction_input *in, int64_t *id, const char **field);
enum err auction_load(struct store *s, struct arena *a, int64_t id, bool with_standings,
                      struct auction_view *out);
/* Terms and book from a row (and standings, may be NULL). A sealed
 * auction's standings are in the row itself (its envelopes, below). */
void auction_from_row(const struct store_auction *row, struct auction_terms *t,
                      struct auction_book *b);
/* sealed: the envelopes' standings as the snapshot keeps them, in the
 * column round_order (unused by sealed auctions otherwise), one entry per
 * envelope: "reg:seq:received_ms:open:amount:sha256-hex", comma-joined.
 * They are written in the same transaction as the envelope is accepted,
 * so an acknowledged envelope survives any restart. 0, or -1 (memory). */
int auction_sealed_encode(const struct auction_book *b, struct buf *out);
/* A bidder applies with the reference of its deposit or guarantee. */
enum err auction_register(struct store *s, const struct actor *who, int64_t auction_id,
                          int64_t org_id, const char *deposit_ref, int64_t *reg_id);
/* The agent confirms the deposit (qualified: a bidder number is drawn) or
 * rejects the application. */
enum err auction_decide(struct store *s, const struct actor *who, int64_t auction_id,
                        int64_t reg_id, bool qualify, const char **paddle_out, struct arena *a);
/* Cancels (終止) an auction that has not closed; fences out its writer. */
enum err auction_cancel(struct store *s, const struct actor *who, int64_t auction_id,
                        const char *reason);

/* Writes the signed result of a closed book in tx (domain/auction.c):
 * the text (docs/auction.md), its signature by key, its witness-log event. */
int auction_result_write(struct store_tx *tx, EVP_PKEY *key, const struct store_auction *row,
                         const struct auction_terms *t, const struct auction_book *b);
/* Loads (creating when absent) the platform's result-signing key of
 * data_dir. NULL on failure (logged). */
EVP_PKEY *auction_key_load(const char *data_dir);

/* ---- sealed-bid envelopes (domain/auction.c; docs/auction.md) ----
 *
 * A sealed auction's bid is an envelope (docs/envelope.md) sealed by the
 * bidder for tender id "auction-<id>", lot "1", holding the opening form
 * opening-form.json ({"price_fen": N}, docs/opening.md) of role price-list,
 * signed with its organisation's registered signing certificate. The
 * platform stores it and cannot read it; after the end the bidder releases
 * the content key K, as in the opening hall. */
#define AUCTION_ENVELOPE_TENDER "auction-"
#define AUCTION_ENVELOPE_LOT    "1"
#define AUCTION_ENVELOPE_MAX    (256u << 10) /* bytes: a price form and a certificate */

/* Checks an uploaded envelope: structure and signature, bound to this
 * auction, signed by org_id's registered signing certificate. ERR_OK with
 * its SHA-256; ERR_AUCTION_ENVELOPE_INVALID, ERR_CERT_NOT_REGISTERED. */
enum err auction_envelope_check(struct store *s, int64_t auction_id, int64_t org_id,
                                const void *env, size_t len, uint8_t sha256[32]);
/* Opens the stored envelope (the blob named by its hash) with the released
 * key: *readable and *price when it holds a valid price form; *readable
 * false when K is its key but the content is bad (the bidder's fault).
 * ERR_AUCTION_WRONG_KEY when K is not its key (nothing happens: try again);
 * ERR_INTERNAL when the stored bytes are gone or damaged. */
enum err auction_envelope_open(struct store *s, const uint8_t sha256[32],
                               const uint8_t key[SUITE_KEY_LEN], bool *readable, int64_t *price);

/* ---- the engine (domain/auction_engine.c) ---- */

struct auction_engine_config {
    const char *data_dir; /* the result-signing key lives under it */
    int batch_max;        /* bids per transaction; 0: AUCTION_BATCH_MAX; 1: one commit per bid */
};

struct auction_engine;

/* Starts the manager thread (after the cluster; stop before it). NULL on failure. */
struct auction_engine *auction_engine_start(struct store *s, struct cluster *c,
                                            const struct auction_engine_config *cfg);
void auction_engine_stop(struct auction_engine *e); /* NULL is a no-op */
/* The engine `sunbid serve` started, for the API (NULL when none), and
 * the data directory it signs results from (".": none started). */
struct auction_engine *auction_engine_current(void);
const char *auction_engine_data_dir(void);

struct auction_bid_req {
    int64_t auction_id;
    int64_t reg_id;     /* the caller's qualified registration */
    int64_t org_id;     /* its organisation */
    const char *paddle; /* its bidder number */
    int64_t user_id;    /* who */
    const char *actor;  /* username, for the witness log */
    int64_t amount;     /* fen */
    const char *ref;    /* the client's reference, or NULL */
    const char *remote_addr;
    /* sealed: an envelope (amount 0): the SHA-256 of its bytes, which the
     * caller has verified and stored as a blob */
    const uint8_t *envelope_sha256;
    /* sealed, after the end: the key release. The caller opened the
     * bidder's envelope with the key: readable and the price found. */
    bool reveal;
    bool readable;
    int64_t revealed;    /* the sealed price (fen) when readable */
    const char *key_hex; /* the released content key, recorded */
};

struct auction_bid_ack {
    enum err err;        /* ERR_OK: accepted and durable */
    int64_t seq;         /* accepted: its number */
    int64_t amount;      /* accepted: recorded amount */
    int64_t round;       /* reverse */
    int64_t received_ms; /* server receipt */
    int64_t now_ms;      /* server time at the answer */
    int64_t end_ms;      /* the auction's end after it */
    int64_t next_min;    /* the next valid amount (refusals too) */
    bool extended;       /* the bid moved the end */
    bool closed;         /* the bid closed the auction */
    int open;            /* key release: enum auction_open */
};

/* Submits a bid to this node's writer and waits for the verdict.
 * ERR_AUCTION_NOT_HERE when no writer of this auction runs on this node
 * (the caller then answers from the stored state). */
enum err auction_engine_bid(struct auction_engine *e, const struct auction_bid_req *in,
                            struct auction_bid_ack *out);
/* A qualified bidder of an auction this node runs, by organisation, from
 * the writer's memory (no store read): true with *reg and its number. */
bool auction_engine_bidder(struct auction_engine *e, int64_t auction_id, int64_t org_id,
                           int64_t *reg, char paddle[AUCTION_PADDLE_LEN + 2]);
/* True when this node runs the auction's writer now. */
bool auction_engine_runs(struct auction_engine *e, int64_t auction_id);

#endif
