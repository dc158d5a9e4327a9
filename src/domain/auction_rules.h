/*
 * domain/auction_rules.h — the rules of online auctions (網絡競價), pure:
 * no store, no threads, no clock. The engine (domain/auction.c) feeds them
 * bids in server-receipt order with their receipt time, and the time now;
 * the unit tests (tests/unit/test_auction_rules.c) do the same with any
 * times they like. docs/auction.md has the rules in prose.
 *
 * One auction = its terms (fixed at creation) + its book (what has happened).
 *
 *   kind      the price moves ...                 ends ...
 *   english   up; each bid >= next valid amount   at end_ms; a bid at t >= end - window
 *             (start, then price + k*increment)   moves the end to t + window
 *   dutch     down by increment every step_ms     at the first bid (it takes the price)
 *             from start_price to the reserve     or one step after reaching the reserve
 *   sealed    hidden; one sealed envelope per     at end_ms bidding stops; then the bidders
 *             bidder (crypto/envelope.h)          release their keys for step_ms; the
 *                                                 highest valid price, earliest wins
 *   reverse   down; initial sealed offers before  after `rounds` rounds of turns; the
 *             start, then rounds of turns         lowest, earliest wins
 *
 * English presets: "land" (a free period of 1 h, then 5-minute countdowns)
 * and "judicial" (at least 24 h; a bid in the last 5 minutes extends the end
 * to 5 minutes after it) are the same rule with different numbers: the free
 * period is [start, end - window), the timed period after it, and inside the
 * timed period every accepted bid restarts the countdown.
 *
 * Reverse (ProZorro's three-round form): offers are made before the start and
 * stay sealed; at the start they are disclosed under bidders' numbers, then a
 * pause, then `rounds` rounds; in each round every bidder has one turn of
 * step_ms, in the order highest offer first (a tie: the later offer first),
 * to lower their own offer by whole steps; pause_ms between rounds.
 *
 * Times in the book already include every outage shift (auction_rules_resume).
 * Money is integer fen. Every function is deterministic.
 */
#ifndef SUNBID_DOMAIN_AUCTION_RULES_H
#define SUNBID_DOMAIN_AUCTION_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "base/errors.h"

#define AUCTION_MAX_BIDDERS  256                  /* qualified bidders per auction */
#define AUCTION_WINDOW_MS    (5 * 60 * 1000)      /* default countdown / extension window */
#define AUCTION_LAND_FREE_MS (60 * 60 * 1000)     /* land preset: free period */
#define AUCTION_JUDICIAL_MS  (24 * 3600 * 1000LL) /* judicial preset: at least this long */
#define AUCTION_TURN_MS      (2 * 60 * 1000)      /* reverse: one turn */
#define AUCTION_PAUSE_MS     (2 * 60 * 1000)      /* reverse: between rounds */
#define AUCTION_FIRST_PAUSE  (5 * 60 * 1000)      /* reverse: after disclosure */
#define AUCTION_ROUNDS       3                    /* reverse */
#define AUCTION_PRICE_MAX    (INT64_C(1) << 52)   /* fen; far above any real price */
#define AUCTION_REVEAL_MS    (30 * 60 * 1000)     /* sealed: the key release window (default) */

enum auction_kind { AUCTION_ENGLISH, AUCTION_DUTCH, AUCTION_SEALED, AUCTION_REVERSE };
enum auction_state {
    AUCTION_SCHEDULED, /* created; registration open; reverse: offers accepted */
    AUCTION_LIVE,      /* bidding */
    AUCTION_SOLD,      /* closed with a winner */
    AUCTION_FAILED,    /* closed without one (reason says why) */
    AUCTION_CANCELLED  /* stopped by the agent before the end */
};

/* Fixed at creation. Validated by auction_terms_check(). */
struct auction_terms {
    enum auction_kind kind;
    char preset[16];        /* "custom", "land", "judicial" (english), "procurement" (reverse) */
    int64_t start_price;    /* fen: english/sealed: the opening amount; dutch: the first
                             * price; reverse: the maximum (expected value) */
    int64_t increment;      /* fen: english/sealed: the raise step; dutch: the fall per
                             * step; reverse: the smallest decrease */
    int64_t reserve;        /* hidden reserve (保留價), 0: none; dutch: the floor */
    int64_t max_price;      /* english, sealed: the cap (最高限價), 0: none */
    int64_t start_ms;       /* bidding starts */
    int64_t end_ms;         /* english/sealed: the planned end; dutch/reverse: computed */
    int64_t window_ms;      /* english: countdown; also the outage window (sealed) */
    int64_t step_ms;        /* dutch: between price falls; reverse: one turn; sealed: the
                             * key release window after the end */
    int64_t pause_ms;       /* reverse: between rounds (the first pause: first_pause_ms) */
    int64_t first_pause_ms; /* reverse: after the offers are disclosed */
    int rounds;             /* reverse */
};

/* sealed: what opening a bidder's envelope gave. */
enum auction_open {
    AUCTION_OPEN_PENDING,      /* sealed; its key not released (yet) */
    AUCTION_OPEN_VALID,        /* opened: a valid price (amount) */
    AUCTION_OPEN_UNREADABLE,   /* the key opened it, but no valid price form inside */
    AUCTION_OPEN_BELOW_START,  /* the sealed price is below start_price */
    AUCTION_OPEN_NOT_MULTIPLE, /* ... not a whole number of increments above it */
    AUCTION_OPEN_ABOVE_MAX     /* ... above max_price */
};
/* NULL (pending, valid) or "unreadable", "below_start", "not_multiple", "above_max". */
const char *auction_open_reason(enum auction_open o);

/* One bidder's standing (sealed and reverse keep every bidder's offer). */
struct auction_standing {
    int64_t reg;          /* the registration id */
    int64_t amount;       /* the bidder's current offer, fen (0: none; sealed: until opened) */
    int64_t at_ms;        /* when that offer (sealed: the envelope) was received */
    int64_t seq;          /* its bid number */
    int open;             /* sealed: enum auction_open */
    uint8_t envelope[32]; /* sealed: SHA-256 of the envelope's bytes */
};

/* What has happened: rebuilt from the store after a restart. */
struct auction_book {
    enum auction_state state;
    const char *reason; /* FAILED/CANCELLED: "no_bid", "no_valid_bid" (sealed: none opened
                         * to a valid price), "reserve_not_met", "cancelled" */
    int64_t end_ms;     /* english/sealed: the current end (extensions, shifts) */
    int64_t shift_ms;   /* total outage shift of the schedule so far */
    int64_t price;      /* the best amount so far (0: none) */
    int64_t leader;     /* its registration (0: none) */
    int64_t leader_seq; /* its bid number */
    int64_t nbids;      /* accepted bids */
    int64_t seq;        /* the last bid number */
    int64_t closed_ms;  /* when it closed */
    /* sealed and reverse: every bidder's offer */
    int nstand;
    struct auction_standing stand[AUCTION_MAX_BIDDERS];
    /* reverse: the turn order of round order_round (1-based; 0: none yet) */
    int order_round;
    int norder;
    int64_t order[AUCTION_MAX_BIDDERS]; /* registration ids */
};

/* A bid as the engine hands it over. */
struct auction_bid {
    int64_t reg;         /* the bidder's registration (qualified: checked before) */
    int64_t amount;      /* fen, as offered */
    int64_t received_ms; /* server receipt */
};

/* The decision on one bid. */
struct auction_verdict {
    enum err err;     /* ERR_OK: accepted */
    int64_t amount;   /* accepted: the amount recorded (dutch: the price at receipt) */
    int64_t seq;      /* accepted: its number */
    int64_t round;    /* reverse: 0 = an initial offer, else the round */
    bool extended;    /* the end moved (english) */
    int64_t next_min; /* refusals: the next valid amount (english/sealed), 0: none */
    bool closed;      /* the bid closed the auction (dutch, cap; sealed: the last key) */
    int open;         /* sealed key release: enum auction_open */
};

const char *auction_kind_name(enum auction_kind k);
int auction_kind_parse(const char *s, enum auction_kind *out); /* 0 or -1 */
const char *auction_state_name(enum auction_state s);
int auction_state_parse(const char *s, enum auction_state *out);
bool auction_state_closed(enum auction_state s);

/* Fills the defaults of a preset into t (kind, preset, start_ms, start_price
 * and increment set by the caller; 0 fields get the preset's values) and
 * checks everything. ERR_OK, or ERR_INVALID_FIELD with *field. */
enum err auction_terms_check(struct auction_terms *t, int64_t now_ms, const char **field);

/* A fresh book for terms (scheduled). */
void auction_book_init(const struct auction_terms *t, struct auction_book *b);

/* Moves the book to time now: starts it, ends it (result decided), sets the
 * reverse round order. Returns true when anything changed. */
bool auction_rules_advance(const struct auction_terms *t, struct auction_book *b, int64_t now);

/* Decides one bid received at bid->received_ms (call advance(received_ms)
 * first). Accepting changes the book; a refusal changes nothing. A sealed
 * bid is an envelope: its amount must be 0 (the price is inside). */
void auction_rules_bid(const struct auction_terms *t, struct auction_book *b,
                       const struct auction_bid *bid, struct auction_verdict *v);

/* sealed: bidder reg released the key of its envelope, received at `at`;
 * the caller opened the envelope with it: readable false when it held no
 * valid price form, else amount is the sealed price. Only from the end of
 * bidding (b->end_ms) to auction_reveal_end(); one release per envelope.
 * The outcome (v->open) is recorded whatever it is (ERR_OK): a price below
 * the start, not a multiple or above the maximum takes no part in the
 * ranking. When every envelope is opened the auction closes at once. */
void auction_rules_reveal(const struct auction_terms *t, struct auction_book *b, int64_t reg,
                          bool readable, int64_t amount, int64_t at, struct auction_verdict *v);
/* sealed: the end of the key release window. */
int64_t auction_reveal_end(const struct auction_terms *t, const struct auction_book *b);

/* The platform could not take bids from alive_ms (the writer's last sign of
 * life) until now. When that outage began before the auction's end, the
 * schedule is shifted by it: the end (and for dutch and reverse every step)
 * moves by the outage, so every bidder keeps exactly the time that was left.
 * Returns the shift applied (0: none). docs/auction.md says why. */
int64_t auction_rules_resume(const struct auction_terms *t, struct auction_book *b,
                             int64_t alive_ms, int64_t now);

/* Cancels a scheduled or live auction. */
void auction_rules_cancel(struct auction_book *b, int64_t now);

/* Derived views, for clients: the live bounds and prices at time now. */
int64_t auction_live_from(const struct auction_terms *t, const struct auction_book *b);
int64_t auction_end_at(const struct auction_terms *t, const struct auction_book *b);
/* dutch: the price at now. */
int64_t auction_dutch_price(const struct auction_terms *t, const struct auction_book *b,
                            int64_t now);
/* english/sealed: the smallest valid bid (0: none possible). reverse: the
 * highest valid offer of bidder reg. dutch: the current price. */
int64_t auction_next_min(const struct auction_terms *t, const struct auction_book *b, int64_t reg,
                         int64_t now);
/* reverse: the round (1..rounds) and the registration whose turn it is at
 * now; 0/0 outside rounds (pauses, before, after). *turn_end gets the end
 * of the current turn or pause. */
void auction_reverse_turn(const struct auction_terms *t, const struct auction_book *b, int64_t now,
                          int *round, int64_t *reg, int64_t *turn_end);
/* The next time something happens by itself (a step, a turn, the end);
 * INT64_MAX when nothing will. */
int64_t auction_next_event(const struct auction_terms *t, const struct auction_book *b,
                           int64_t now);

#endif
