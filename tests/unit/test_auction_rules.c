/*
 * Unit tests for the auction rules (domain/auction_rules.h), with time moved
 * by hand: every type and preset — extensions at the boundary millisecond,
 * ends, the hidden reserve, increments as multiples, the cap, ties by
 * earlier receipt, refused bids that never extend, the reverse auction's
 * turns and rounds, and the outage shift.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/auction_rules.h"

#define T0  ((int64_t)1767225600000) /* 2026-01-01T00:00:00Z */
#define MIN (60 * 1000LL)
#define W   AUCTION_WINDOW_MS

static struct auction_book *book_new(void)
{
    struct auction_book *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    return b;
}

static struct auction_terms terms(enum auction_kind k, const char *preset)
{
    struct auction_terms t;
    memset(&t, 0, sizeof t);
    t.kind = k;
    if (preset != NULL)
        snprintf(t.preset, sizeof t.preset, "%s", preset);
    t.start_price = 1000000;
    t.increment = 10000;
    t.start_ms = T0;
    return t;
}

/* Advances to at, then bids; returns the verdict's error. */
static enum err bid_at(const struct auction_terms *t, struct auction_book *b, int64_t reg,
                       int64_t amount, int64_t at, struct auction_verdict *v)
{
    struct auction_bid bid = {reg, amount, at};
    auction_rules_advance(t, b, at);
    auction_rules_bid(t, b, &bid, v);
    return v->err;
}

static void test_names(void **state)
{
    (void)state;
    enum auction_kind k;
    enum auction_state s;
    assert_int_equal(auction_kind_parse("dutch", &k), 0);
    assert_int_equal(k, AUCTION_DUTCH);
    assert_int_equal(auction_kind_parse("vickrey", &k), -1);
    assert_int_equal(auction_kind_parse(NULL, &k), -1);
    assert_string_equal(auction_kind_name(AUCTION_REVERSE), "reverse");
    assert_int_equal(auction_state_parse("failed", &s), 0);
    assert_true(auction_state_closed(s));
    assert_false(auction_state_closed(AUCTION_LIVE));
    assert_int_equal(auction_state_parse("open", &s), -1);
}

static void test_terms_presets(void **state)
{
    (void)state;
    const char *f = NULL;
    struct auction_terms t = terms(AUCTION_ENGLISH, "land");
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    assert_int_equal(t.end_ms, T0 + AUCTION_LAND_FREE_MS + W); /* 1 h free, then 5 min */
    assert_int_equal(t.window_ms, W);

    t = terms(AUCTION_ENGLISH, "judicial");
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    assert_int_equal(t.end_ms, T0 + AUCTION_JUDICIAL_MS);
    t = terms(AUCTION_ENGLISH, "judicial");
    t.end_ms = T0 + AUCTION_JUDICIAL_MS - 1; /* shorter than 24 h */
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_INVALID_FIELD);
    assert_string_equal(f, "end_ms");
    t = terms(AUCTION_ENGLISH, "judicial");
    t.window_ms = 3 * MIN; /* the judicial rule is 5 minutes */
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_INVALID_FIELD);
    assert_string_equal(f, "window_ms");

    t = terms(AUCTION_ENGLISH, "bogus");
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_INVALID_FIELD);
    assert_string_equal(f, "preset");
    t = terms(AUCTION_ENGLISH, NULL);
    t.increment = 0;
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_INVALID_FIELD);
    assert_string_equal(f, "increment");
    t = terms(AUCTION_ENGLISH, NULL);
    t.start_ms = T0 - 1; /* in the past */
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_INVALID_FIELD);
    assert_string_equal(f, "start_ms");
    t = terms(AUCTION_ENGLISH, NULL);
    t.max_price = t.start_price - 1;
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_INVALID_FIELD);
    assert_string_equal(f, "max_price");
    t = terms(AUCTION_SEALED, NULL);
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_INVALID_FIELD); /* needs an end */
    t = terms(AUCTION_DUTCH, NULL);
    t.reserve = 2000000; /* floor above the start */
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_INVALID_FIELD);
    t = terms(AUCTION_REVERSE, NULL);
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    assert_string_equal(t.preset, "procurement");
    assert_int_equal(t.rounds, 3);
    assert_int_equal(t.step_ms, AUCTION_TURN_MS);
    t = terms(AUCTION_REVERSE, NULL);
    t.rounds = 11;
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_INVALID_FIELD);
}

/* English, land preset: free hour, then every accepted bid restarts 5 min. */
static void test_english_land(void **state)
{
    (void)state;
    const char *f;
    struct auction_verdict v;
    struct auction_terms t = terms(AUCTION_ENGLISH, "land");
    struct auction_book *b = book_new();
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    auction_book_init(&t, b);
    int64_t end = t.end_ms;

    assert_int_equal(bid_at(&t, b, 1, 1000000, T0 - 1, &v), ERR_AUCTION_NOT_STARTED);
    assert_int_equal(b->state, AUCTION_SCHEDULED);
    /* first bid: at least the start price, whole increments above it */
    assert_int_equal(bid_at(&t, b, 1, 999999, T0, &v), ERR_AUCTION_BID_TOO_LOW);
    assert_int_equal(v.next_min, 1000000);
    assert_int_equal(bid_at(&t, b, 1, 1005000, T0, &v), ERR_AUCTION_BID_NOT_MULTIPLE);
    assert_int_equal(bid_at(&t, b, 1, 1000000, T0 + 10, &v), ERR_OK);
    assert_int_equal(v.seq, 1);
    assert_false(v.extended);
    /* the leader may not raise itself; a bid equal to the price is too low */
    assert_int_equal(bid_at(&t, b, 1, 1010000, T0 + 20, &v), ERR_AUCTION_ALREADY_LEADING);
    assert_int_equal(bid_at(&t, b, 2, 1000000, T0 + 20, &v), ERR_AUCTION_BID_TOO_LOW);
    assert_int_equal(v.next_min, 1010000);
    /* several increments at once are fine */
    assert_int_equal(bid_at(&t, b, 2, 1050000, T0 + 30, &v), ERR_OK);
    /* free period: the last millisecond before the timed period does not extend */
    assert_int_equal(bid_at(&t, b, 1, 1060000, end - W - 1, &v), ERR_OK);
    assert_false(v.extended);
    assert_int_equal(b->end_ms, end);
    /* the first millisecond of the timed period restarts the countdown */
    assert_int_equal(bid_at(&t, b, 2, 1070000, end - W, &v), ERR_OK);
    assert_false(v.extended); /* t + 5 min is exactly the end: nothing moves */
    assert_int_equal(bid_at(&t, b, 1, 1080000, end - W + 1, &v), ERR_OK);
    assert_true(v.extended);
    assert_int_equal(b->end_ms, end + 1);
    /* a refused bid in the countdown never extends it */
    int64_t e1 = b->end_ms;
    assert_int_equal(bid_at(&t, b, 2, 1080000, e1 - 1, &v), ERR_AUCTION_BID_TOO_LOW);
    assert_int_equal(b->end_ms, e1);
    assert_int_equal(bid_at(&t, b, 1, 1100000, e1 - 1, &v), ERR_AUCTION_ALREADY_LEADING);
    assert_int_equal(b->end_ms, e1);
    /* cycle after cycle */
    assert_int_equal(bid_at(&t, b, 2, 1090000, e1 - 1, &v), ERR_OK);
    assert_int_equal(b->end_ms, e1 - 1 + W);
    int64_t e2 = b->end_ms;
    assert_false(auction_rules_advance(&t, b, e2 - 1));
    assert_int_equal(b->state, AUCTION_LIVE);
    /* a bid received at the end is late */
    assert_int_equal(bid_at(&t, b, 1, 1200000, e2, &v), ERR_AUCTION_ENDED);
    assert_int_equal(b->state, AUCTION_SOLD);
    assert_int_equal(b->closed_ms, e2);
    assert_int_equal(b->price, 1090000);
    assert_int_equal(b->leader, 2);
    assert_int_equal(b->nbids, 6);
    free(b);
}

/* Judicial: a bid in the last 5 minutes extends the end to 5 min after it. */
static void test_english_judicial(void **state)
{
    (void)state;
    const char *f;
    struct auction_verdict v;
    struct auction_terms t = terms(AUCTION_ENGLISH, "judicial");
    struct auction_book *b = book_new();
    t.end_ms = T0 + 2 * AUCTION_JUDICIAL_MS;
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    auction_book_init(&t, b);
    assert_int_equal(bid_at(&t, b, 1, 1000000, t.end_ms - W - 1, &v), ERR_OK);
    assert_false(v.extended);
    assert_int_equal(bid_at(&t, b, 2, 1010000, t.end_ms - 1, &v), ERR_OK);
    assert_true(v.extended);
    assert_int_equal(b->end_ms, t.end_ms - 1 + W);
    assert_int_equal(auction_end_at(&t, b), t.end_ms - 1 + W);
    /* the extension does not stack: the end is 5 min after the last bid */
    assert_int_equal(bid_at(&t, b, 1, 1020000, t.end_ms + 1000, &v), ERR_OK);
    assert_int_equal(b->end_ms, t.end_ms + 1000 + W);
    assert_true(auction_rules_advance(&t, b, b->end_ms));
    assert_int_equal(b->state, AUCTION_SOLD);
    free(b);
}

static void test_english_reserve_and_no_bid(void **state)
{
    (void)state;
    const char *f;
    struct auction_verdict v;
    struct auction_terms t = terms(AUCTION_ENGLISH, NULL);
    struct auction_book *b = book_new();
    t.reserve = 1050000; /* hidden */
    t.end_ms = T0 + 10 * MIN;
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    auction_book_init(&t, b);
    assert_int_equal(bid_at(&t, b, 1, 1000000, T0, &v), ERR_OK); /* below the reserve: accepted */
    assert_int_equal(bid_at(&t, b, 2, 1040000, T0 + 1, &v), ERR_OK);
    assert_true(auction_rules_advance(&t, b, t.end_ms));
    assert_int_equal(b->state, AUCTION_FAILED);
    assert_string_equal(b->reason, "reserve_not_met");
    /* exactly the reserve sells */
    auction_book_init(&t, b);
    assert_int_equal(bid_at(&t, b, 1, 1050000, T0, &v), ERR_OK);
    auction_rules_advance(&t, b, t.end_ms);
    assert_int_equal(b->state, AUCTION_SOLD);
    /* no bid at all */
    auction_book_init(&t, b);
    auction_rules_advance(&t, b, t.end_ms + 5);
    assert_int_equal(b->state, AUCTION_FAILED);
    assert_string_equal(b->reason, "no_bid");
    assert_int_equal(b->closed_ms, t.end_ms);
    free(b);
}

static void test_english_cap(void **state)
{
    (void)state;
    const char *f;
    struct auction_verdict v;
    struct auction_terms t = terms(AUCTION_ENGLISH, NULL);
    struct auction_book *b = book_new();
    t.max_price = 1100000;
    t.end_ms = T0 + 10 * MIN;
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    auction_book_init(&t, b);
    assert_int_equal(bid_at(&t, b, 1, 1110000, T0, &v), ERR_AUCTION_BID_ABOVE_MAX);
    assert_int_equal(b->nbids, 0);
    assert_int_equal(bid_at(&t, b, 1, 1090000, T0 + 1, &v), ERR_OK);
    /* the cap: the first to reach it wins at once; the next is too late */
    assert_int_equal(bid_at(&t, b, 2, 1100000, T0 + 2, &v), ERR_OK);
    assert_true(v.closed);
    assert_int_equal(b->state, AUCTION_SOLD);
    assert_int_equal(bid_at(&t, b, 3, 1100000, T0 + 2, &v), ERR_AUCTION_ENDED);
    assert_int_equal(b->leader, 2);
    assert_int_equal(b->closed_ms, T0 + 2);
    free(b);
}

static void test_dutch(void **state)
{
    (void)state;
    const char *f;
    struct auction_verdict v;
    struct auction_terms t = terms(AUCTION_DUTCH, NULL);
    struct auction_book *b = book_new();
    t.start_price = 100000;
    t.increment = 10000;
    t.reserve = 75000; /* the floor */
    t.step_ms = MIN;
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    /* 100k, 90k, 80k, then the floor 75k for one step: 4 steps */
    assert_int_equal(t.end_ms, T0 + 4 * MIN);
    auction_book_init(&t, b);
    assert_int_equal(auction_dutch_price(&t, b, T0), 100000);
    assert_int_equal(auction_dutch_price(&t, b, T0 + MIN - 1), 100000);
    assert_int_equal(auction_dutch_price(&t, b, T0 + MIN), 90000);
    assert_int_equal(auction_dutch_price(&t, b, T0 + 3 * MIN), 75000);
    assert_int_equal(auction_next_event(&t, b, T0 - 5), T0);
    auction_rules_advance(&t, b, T0);
    assert_int_equal(auction_next_event(&t, b, T0 + 5), T0 + MIN);
    /* an offer below the current price is refused and changes nothing */
    assert_int_equal(bid_at(&t, b, 1, 80000, T0 + MIN, &v), ERR_AUCTION_BID_TOO_LOW);
    assert_int_equal(v.next_min, 90000);
    /* two takers in the same millisecond: the first received wins at the price */
    assert_int_equal(bid_at(&t, b, 2, 95000, T0 + MIN + 5, &v), ERR_OK);
    assert_int_equal(v.amount, 90000);
    assert_true(v.closed);
    assert_int_equal(bid_at(&t, b, 3, 90000, T0 + MIN + 5, &v), ERR_AUCTION_ENDED);
    assert_int_equal(b->state, AUCTION_SOLD);
    assert_int_equal(b->leader, 2);
    assert_int_equal(b->price, 90000);
    /* nobody takes it: it fails one step after reaching the floor */
    auction_book_init(&t, b);
    assert_false(auction_rules_advance(&t, b, T0 - 1));
    auction_rules_advance(&t, b, T0 + 4 * MIN - 1);
    assert_int_equal(b->state, AUCTION_LIVE);
    auction_rules_advance(&t, b, T0 + 4 * MIN);
    assert_int_equal(b->state, AUCTION_FAILED);
    assert_string_equal(b->reason, "no_bid");
    free(b);
}

/* sealed: key release at `at`, outcome readable/amount; returns the error. */
static enum err reveal_at(const struct auction_terms *t, struct auction_book *b, int64_t reg,
                          bool readable, int64_t amount, int64_t at, struct auction_verdict *v)
{
    auction_rules_advance(t, b, at);
    auction_rules_reveal(t, b, reg, readable, amount, at, v);
    return v->err;
}

static void test_sealed(void **state)
{
    (void)state;
    const char *f;
    struct auction_verdict v;
    struct auction_terms t = terms(AUCTION_SEALED, NULL);
    struct auction_book *b = book_new();
    t.end_ms = T0 + 60 * MIN;
    t.reserve = 1020000;
    t.max_price = 2000000;
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    assert_int_equal(t.step_ms, AUCTION_REVEAL_MS); /* the key release window */
    int64_t rend = t.end_ms + AUCTION_REVEAL_MS;
    auction_book_init(&t, b);
    /* envelopes: one per bidder, amount 0 (the price is inside) */
    assert_int_equal(bid_at(&t, b, 1, 0, T0 - 1, &v), ERR_AUCTION_NOT_STARTED);
    assert_int_equal(bid_at(&t, b, 1, 1030000, T0, &v), ERR_AUCTION_ENVELOPE_REQUIRED);
    assert_int_equal(b->nbids, 0);
    assert_int_equal(bid_at(&t, b, 1, 0, T0, &v), ERR_OK);
    assert_int_equal(v.seq, 1);
    assert_int_equal(bid_at(&t, b, 1, 0, T0 + 1, &v), ERR_AUCTION_SEALED_ONCE);
    assert_int_equal(bid_at(&t, b, 2, 0, T0 + 3, &v), ERR_OK);
    assert_int_equal(bid_at(&t, b, 3, 0, T0 + 4, &v), ERR_OK);
    assert_int_equal(bid_at(&t, b, 4, 0, T0 + 5, &v), ERR_OK);
    assert_int_equal(bid_at(&t, b, 5, 0, t.end_ms - 1, &v), ERR_OK);
    assert_false(v.extended); /* sealed bids never extend */
    assert_int_equal(bid_at(&t, b, 6, 0, t.end_ms, &v), ERR_AUCTION_ENDED);
    assert_int_equal(b->leader, 0); /* nothing is ranked before the keys are in */
    /* no key before the end; then the window */
    assert_int_equal(reveal_at(&t, b, 1, true, 1030000, t.end_ms - 1, &v),
                     ERR_AUCTION_REVEAL_CLOSED);
    assert_int_equal(b->state, AUCTION_LIVE);
    assert_int_equal(auction_next_event(&t, b, t.end_ms), rend);
    assert_int_equal(reveal_at(&t, b, 1, true, 1030000, t.end_ms, &v), ERR_OK);
    assert_int_equal(v.open, AUCTION_OPEN_VALID);
    assert_int_equal(v.seq, 1);
    assert_int_equal(reveal_at(&t, b, 1, true, 1030000, t.end_ms + 1, &v),
                     ERR_AUCTION_NOTHING_TO_REVEAL); /* once */
    assert_int_equal(reveal_at(&t, b, 9, true, 1030000, t.end_ms + 1, &v),
                     ERR_AUCTION_NOTHING_TO_REVEAL); /* no envelope */
    assert_int_equal(reveal_at(&t, b, 2, true, 1035000, t.end_ms + 2, &v), ERR_OK);
    assert_int_equal(v.open, AUCTION_OPEN_NOT_MULTIPLE); /* recorded, not ranked */
    assert_string_equal(auction_open_reason(v.open), "not_multiple");
    assert_int_equal(reveal_at(&t, b, 3, true, 2010000, t.end_ms + 3, &v), ERR_OK);
    assert_int_equal(v.open, AUCTION_OPEN_ABOVE_MAX);
    assert_int_equal(reveal_at(&t, b, 4, false, 0, t.end_ms + 4, &v), ERR_OK);
    assert_int_equal(v.open, AUCTION_OPEN_UNREADABLE);
    assert_int_equal(b->state, AUCTION_LIVE); /* bidder 5's key is still awaited */
    /* bidder 5 ties bidder 1 with a later envelope; the last key closes it */
    assert_int_equal(reveal_at(&t, b, 5, true, 1030000, t.end_ms + 5, &v), ERR_OK);
    assert_true(v.closed);
    assert_int_equal(b->state, AUCTION_SOLD);
    assert_int_equal(b->closed_ms, t.end_ms + 5);
    assert_int_equal(b->leader, 1); /* the tie goes to the earlier receipt */
    assert_int_equal(b->price, 1030000);
    assert_int_equal(reveal_at(&t, b, 5, true, 1030000, t.end_ms + 6, &v), ERR_AUCTION_ENDED);

    /* reserve not met; a key never released; the window's end closes it */
    auction_book_init(&t, b);
    assert_int_equal(bid_at(&t, b, 3, 0, T0 + 5, &v), ERR_OK);
    assert_int_equal(bid_at(&t, b, 4, 0, T0 + 6, &v), ERR_OK);
    assert_int_equal(reveal_at(&t, b, 3, true, 1010000, t.end_ms, &v), ERR_OK);
    auction_rules_advance(&t, b, rend - 1);
    assert_int_equal(b->state, AUCTION_LIVE);
    assert_int_equal(reveal_at(&t, b, 4, true, 1500000, rend, &v), ERR_AUCTION_ENDED);
    assert_int_equal(b->state, AUCTION_FAILED);
    assert_int_equal(b->closed_ms, rend);
    assert_string_equal(b->reason, "reserve_not_met");

    /* envelopes but no valid price: failed, no_valid_bid; none: no_bid */
    auction_book_init(&t, b);
    assert_int_equal(bid_at(&t, b, 3, 0, T0 + 5, &v), ERR_OK);
    assert_int_equal(reveal_at(&t, b, 3, true, 900000, t.end_ms + 1, &v), ERR_OK);
    assert_int_equal(v.open, AUCTION_OPEN_BELOW_START);
    assert_int_equal(b->state, AUCTION_FAILED);
    assert_string_equal(b->reason, "no_valid_bid");
    auction_book_init(&t, b);
    auction_rules_advance(&t, b, T0);
    auction_rules_advance(&t, b, t.end_ms);
    assert_int_equal(b->state, AUCTION_FAILED);
    assert_int_equal(b->closed_ms, t.end_ms);
    assert_string_equal(b->reason, "no_bid");

    /* outages: before the end moves the end and the window; in the window,
     * only the window; after it, nothing */
    auction_book_init(&t, b);
    assert_int_equal(bid_at(&t, b, 3, 0, T0 + 5, &v), ERR_OK);
    assert_int_equal(auction_rules_resume(&t, b, t.end_ms - MIN, t.end_ms + MIN), 2 * MIN);
    assert_int_equal(b->end_ms, t.end_ms + 2 * MIN);
    assert_int_equal(auction_reveal_end(&t, b), rend + 2 * MIN);
    auction_rules_advance(&t, b, t.end_ms + 3 * MIN);
    assert_int_equal(auction_rules_resume(&t, b, t.end_ms + 3 * MIN, t.end_ms + 4 * MIN), MIN);
    assert_int_equal(b->end_ms, t.end_ms + 2 * MIN); /* bidding stays over */
    assert_int_equal(auction_reveal_end(&t, b), rend + 3 * MIN);
    assert_int_equal(auction_rules_resume(&t, b, rend + 3 * MIN, rend + 9 * MIN), 0);
    free(b);
}

static void test_reverse(void **state)
{
    (void)state;
    const char *f;
    struct auction_verdict v;
    struct auction_terms t = terms(AUCTION_REVERSE, NULL);
    struct auction_book *b = book_new();
    int round;
    int64_t reg, turn_end;
    t.start_price = 1000000; /* the expected value: the maximum */
    t.increment = 5000;
    assert_int_equal(auction_terms_check(&t, T0 - 10 * MIN, &f), ERR_OK);
    auction_book_init(&t, b);
    /* sealed offers before the start */
    assert_int_equal(bid_at(&t, b, 1, 1000001, T0 - 5 * MIN, &v), ERR_AUCTION_BID_ABOVE_MAX);
    assert_int_equal(bid_at(&t, b, 1, 950000, T0 - 5 * MIN, &v), ERR_OK);
    assert_int_equal(v.round, 0);
    assert_int_equal(bid_at(&t, b, 2, 900000, T0 - 4 * MIN, &v), ERR_OK);
    assert_int_equal(bid_at(&t, b, 3, 950000, T0 - 3 * MIN, &v), ERR_OK);
    assert_int_equal(b->leader, 0); /* sealed until the start */
    /* start: disclosed; 5 min pause; 3 rounds of 3 turns of 2 min, 2 min pauses */
    auction_rules_advance(&t, b, T0);
    assert_int_equal(b->state, AUCTION_LIVE);
    assert_int_equal(b->leader, 2);
    int64_t r1 = T0 + AUCTION_FIRST_PAUSE;
    int64_t rl = 3 * AUCTION_TURN_MS + AUCTION_PAUSE_MS;
    assert_int_equal(auction_end_at(&t, b), r1 + 3 * 3 * AUCTION_TURN_MS + 2 * AUCTION_PAUSE_MS);
    assert_int_equal(bid_at(&t, b, 3, 940000, T0 + 1, &v), ERR_AUCTION_NOT_YOUR_TURN);
    /* round 1: the highest first; of equal offers the later first (3, then 1), then 2 */
    auction_rules_advance(&t, b, r1);
    auction_reverse_turn(&t, b, r1, &round, &reg, &turn_end);
    assert_int_equal(round, 1);
    assert_int_equal(reg, 3);
    assert_int_equal(turn_end, r1 + AUCTION_TURN_MS);
    assert_int_equal(b->order[1], 1);
    assert_int_equal(b->order[2], 2);
    assert_int_equal(bid_at(&t, b, 1, 940000, r1 + 1, &v), ERR_AUCTION_NOT_YOUR_TURN);
    assert_int_equal(bid_at(&t, b, 3, 947000, r1 + 1, &v), ERR_AUCTION_BID_NOT_LOWER);
    assert_int_equal(bid_at(&t, b, 3, 942000, r1 + 1, &v), ERR_AUCTION_BID_NOT_MULTIPLE);
    assert_int_equal(bid_at(&t, b, 3, 900000, r1 + 2, &v), ERR_OK);
    assert_int_equal(v.round, 1);
    assert_int_equal(b->leader, 2); /* 900000 from both: 2's is older */
    assert_int_equal(bid_at(&t, b, 3, 890000, r1 + AUCTION_TURN_MS, &v),
                     ERR_AUCTION_NOT_YOUR_TURN); /* the turn passed to 1 */
    assert_int_equal(bid_at(&t, b, 1, 880000, r1 + AUCTION_TURN_MS + 5, &v), ERR_OK);
    assert_int_equal(b->leader, 1);
    /* the pause between rounds: nobody's turn */
    auction_reverse_turn(&t, b, r1 + 3 * AUCTION_TURN_MS, &round, &reg, &turn_end);
    assert_int_equal(round, 0);
    assert_int_equal(turn_end, r1 + rl);
    /* round 2's order from the offers then: 2 (900k, older), 3 (900k), 1 (880k)... the
     * highest first, of equal offers the later first: 3 then 2 */
    auction_rules_advance(&t, b, r1 + rl);
    assert_int_equal(b->order_round, 2);
    assert_int_equal(b->order[0], 3);
    assert_int_equal(b->order[1], 2);
    assert_int_equal(b->order[2], 1);
    assert_int_equal(bid_at(&t, b, 3, 870000, r1 + rl + 10, &v), ERR_OK);
    /* the end: the lowest wins */
    int64_t end = auction_end_at(&t, b);
    assert_int_equal(bid_at(&t, b, 2, 800000, end, &v), ERR_AUCTION_ENDED);
    assert_int_equal(b->state, AUCTION_SOLD);
    assert_int_equal(b->leader, 3);
    assert_int_equal(b->price, 870000);
    /* no offers: fails at the start */
    auction_book_init(&t, b);
    auction_rules_advance(&t, b, T0);
    assert_int_equal(b->state, AUCTION_FAILED);
    assert_string_equal(b->reason, "no_bid");
    free(b);
}

static void test_outage(void **state)
{
    (void)state;
    const char *f;
    struct auction_verdict v;
    struct auction_terms t = terms(AUCTION_ENGLISH, NULL);
    struct auction_book *b = book_new();
    t.end_ms = T0 + 30 * MIN;
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    auction_book_init(&t, b);
    assert_int_equal(bid_at(&t, b, 1, 1000000, T0 + MIN, &v), ERR_OK);
    /* down from T0+20min to T0+40min, past the end: the clock stopped */
    int64_t shift = auction_rules_resume(&t, b, T0 + 20 * MIN, T0 + 40 * MIN);
    assert_int_equal(shift, 20 * MIN);
    assert_int_equal(b->end_ms, T0 + 50 * MIN);
    assert_false(auction_rules_advance(&t, b, T0 + 40 * MIN));
    assert_int_equal(b->state, AUCTION_LIVE);
    /* the writer lived through the end: it ends at its recorded end */
    auction_book_init(&t, b);
    assert_int_equal(bid_at(&t, b, 1, 1000000, T0 + MIN, &v), ERR_OK);
    assert_int_equal(auction_rules_resume(&t, b, t.end_ms, t.end_ms + 10 * MIN), 0);
    auction_rules_advance(&t, b, t.end_ms + 10 * MIN);
    assert_int_equal(b->state, AUCTION_SOLD);
    assert_int_equal(b->closed_ms, t.end_ms);
    /* down across the start: the start moves too */
    auction_book_init(&t, b);
    assert_int_equal(auction_rules_resume(&t, b, T0 - MIN, T0 + 2 * MIN), 2 * MIN);
    assert_int_equal(auction_live_from(&t, b), T0 + 2 * MIN);
    assert_int_equal(b->end_ms, t.end_ms + 2 * MIN);
    /* down before the start and back in time: nothing */
    auction_book_init(&t, b);
    assert_int_equal(auction_rules_resume(&t, b, T0 - 5 * MIN, T0 - MIN), 0);
    /* dutch: the price schedule stops too */
    struct auction_terms d = terms(AUCTION_DUTCH, NULL);
    d.step_ms = MIN;
    assert_int_equal(auction_terms_check(&d, T0, &f), ERR_OK);
    auction_book_init(&d, b);
    auction_rules_advance(&d, b, T0 + 2 * MIN);
    int64_t p = auction_dutch_price(&d, b, T0 + 2 * MIN + 30000);
    assert_int_equal(auction_rules_resume(&d, b, T0 + 2 * MIN + 30000, T0 + 7 * MIN + 30000),
                     5 * MIN);
    assert_int_equal(auction_dutch_price(&d, b, T0 + 7 * MIN + 30000), p);
    /* cancel */
    auction_rules_cancel(b, T0 + 8 * MIN);
    assert_int_equal(b->state, AUCTION_CANCELLED);
    assert_int_equal(bid_at(&d, b, 1, 1000000, T0 + 8 * MIN, &v), ERR_AUCTION_ENDED);
    free(b);
}

static void test_bad_amounts(void **state)
{
    (void)state;
    const char *f;
    struct auction_verdict v;
    struct auction_terms t = terms(AUCTION_ENGLISH, NULL);
    struct auction_book *b = book_new();
    assert_int_equal(auction_terms_check(&t, T0, &f), ERR_OK);
    auction_book_init(&t, b);
    assert_int_equal(bid_at(&t, b, 1, 0, T0, &v), ERR_INVALID_FIELD);
    assert_int_equal(bid_at(&t, b, 1, -10000, T0, &v), ERR_INVALID_FIELD);
    assert_int_equal(bid_at(&t, b, 1, AUCTION_PRICE_MAX + 1, T0, &v), ERR_INVALID_FIELD);
    assert_int_equal(b->nbids, 0);
    assert_int_equal(b->seq, 0);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_terms_presets),
        cmocka_unit_test(test_english_land),
        cmocka_unit_test(test_english_judicial),
        cmocka_unit_test(test_english_reserve_and_no_bid),
        cmocka_unit_test(test_english_cap),
        cmocka_unit_test(test_dutch),
        cmocka_unit_test(test_sealed),
        cmocka_unit_test(test_reverse),
        cmocka_unit_test(test_outage),
        cmocka_unit_test(test_bad_amounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
