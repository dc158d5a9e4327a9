/*
 * domain/auction_rules.c — the auction rules (auction_rules.h): pure
 * functions over terms and a book. Invariants kept here:
 *   - a refused bid changes nothing (so it can never extend an auction);
 *   - bids are judged at their server receipt time, in receipt order, so of
 *     two equal offers the earlier received one ranks first;
 *   - the end is decided by stored times only (the book), never by how long
 *     something took to run.
 * Thread: any; no shared state.
 */
#include "domain/auction_rules.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {"english", "dutch", "sealed", "reverse"};
static const char *const state_names[] = {"scheduled", "live", "sold", "failed", "cancelled"};

const char *auction_kind_name(enum auction_kind k)
{
    return (unsigned)k < 4 ? kind_names[k] : "english";
}

int auction_kind_parse(const char *s, enum auction_kind *out)
{
    for (int i = 0; s != NULL && i < 4; i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum auction_kind)i;
            return 0;
        }
    return -1;
}

const char *auction_state_name(enum auction_state s)
{
    return (unsigned)s < 5 ? state_names[s] : "scheduled";
}

int auction_state_parse(const char *s, enum auction_state *out)
{
    for (int i = 0; s != NULL && i < 5; i++)
        if (strcmp(s, state_names[i]) == 0) {
            *out = (enum auction_state)i;
            return 0;
        }
    return -1;
}

bool auction_state_closed(enum auction_state s)
{
    return s == AUCTION_SOLD || s == AUCTION_FAILED || s == AUCTION_CANCELLED;
}

const char *auction_open_reason(enum auction_open o)
{
    switch (o) {
    case AUCTION_OPEN_UNREADABLE:
        return "unreadable";
    case AUCTION_OPEN_BELOW_START:
        return "below_start";
    case AUCTION_OPEN_NOT_MULTIPLE:
        return "not_multiple";
    case AUCTION_OPEN_ABOVE_MAX:
        return "above_max";
    default:
        return NULL;
    }
}

/* ---- terms ---- */

static int64_t dutch_floor(const struct auction_terms *t)
{
    return t->reserve > 0 ? t->reserve : t->increment;
}

/* dutch: steps from the start price down to the floor. */
static int64_t dutch_steps(const struct auction_terms *t)
{
    int64_t span = t->start_price - dutch_floor(t);
    return span <= 0 ? 0 : (span + t->increment - 1) / t->increment;
}

enum err auction_terms_check(struct auction_terms *t, int64_t now_ms, const char **field)
{
    bool english = t->kind == AUCTION_ENGLISH;
    if (t->preset[0] == '\0')
        snprintf(t->preset, sizeof t->preset, "%s",
                 t->kind == AUCTION_REVERSE ? "procurement" : "custom");
    if (english && strcmp(t->preset, "land") != 0 && strcmp(t->preset, "judicial") != 0 &&
        strcmp(t->preset, "custom") != 0)
        goto bad_preset;
    if (!english && t->kind != AUCTION_REVERSE && strcmp(t->preset, "custom") != 0)
        goto bad_preset;
    if (t->kind == AUCTION_REVERSE && strcmp(t->preset, "procurement") != 0)
        goto bad_preset;
    *field = "start_price";
    if (t->start_price <= 0 || t->start_price > AUCTION_PRICE_MAX)
        return ERR_INVALID_FIELD;
    *field = "increment";
    if (t->increment <= 0 || t->increment > t->start_price)
        return ERR_INVALID_FIELD;
    *field = "reserve";
    if (t->reserve < 0 || t->reserve > AUCTION_PRICE_MAX)
        return ERR_INVALID_FIELD;
    if (t->kind == AUCTION_DUTCH && t->reserve > t->start_price)
        return ERR_INVALID_FIELD;
    if (t->kind == AUCTION_REVERSE && t->reserve != 0)
        return ERR_INVALID_FIELD; /* the maximum is start_price */
    *field = "max_price";
    bool capped = english || t->kind == AUCTION_SEALED; /* the kinds a cap applies to */
    if (t->max_price < 0 || (t->max_price > 0 && (!capped || t->max_price < t->start_price ||
                                                  t->max_price > AUCTION_PRICE_MAX)))
        return ERR_INVALID_FIELD;
    *field = "start_ms";
    if (t->start_ms < now_ms)
        return ERR_INVALID_FIELD;
    if (t->window_ms == 0)
        t->window_ms = AUCTION_WINDOW_MS;
    *field = "window_ms";
    if (t->window_ms < 1000 || t->window_ms > 24 * 3600 * 1000LL)
        return ERR_INVALID_FIELD;
    switch (t->kind) {
    case AUCTION_ENGLISH:
        if (strcmp(t->preset, "land") == 0 && t->end_ms == 0)
            t->end_ms = t->start_ms + AUCTION_LAND_FREE_MS + t->window_ms;
        if (strcmp(t->preset, "judicial") == 0) {
            *field = "window_ms";
            if (t->window_ms != AUCTION_WINDOW_MS)
                return ERR_INVALID_FIELD; /* the judicial rule is 5 minutes */
            if (t->end_ms == 0)
                t->end_ms = t->start_ms + AUCTION_JUDICIAL_MS;
            *field = "end_ms";
            if (t->end_ms - t->start_ms < AUCTION_JUDICIAL_MS)
                return ERR_INVALID_FIELD;
        }
        if (t->end_ms == 0)
            t->end_ms = t->start_ms + AUCTION_LAND_FREE_MS + t->window_ms;
        *field = "end_ms";
        if (t->end_ms - t->start_ms < t->window_ms)
            return ERR_INVALID_FIELD;
        break;
    case AUCTION_SEALED:
        *field = "end_ms";
        if (t->end_ms <= t->start_ms)
            return ERR_INVALID_FIELD;
        if (t->step_ms == 0)
            t->step_ms = AUCTION_REVEAL_MS;
        *field = "step_ms"; /* the key release window */
        if (t->step_ms < 1000 || t->step_ms > 24 * 3600 * 1000LL)
            return ERR_INVALID_FIELD;
        break;
    case AUCTION_DUTCH:
        if (t->step_ms == 0)
            t->step_ms = 60 * 1000;
        *field = "step_ms";
        if (t->step_ms < 1000 || t->step_ms > 24 * 3600 * 1000LL)
            return ERR_INVALID_FIELD;
        *field = "start_price";
        if (dutch_steps(t) > 100000)
            return ERR_INVALID_FIELD;
        t->end_ms = t->start_ms + (dutch_steps(t) + 1) * t->step_ms;
        break;
    case AUCTION_REVERSE:
        if (t->step_ms == 0)
            t->step_ms = AUCTION_TURN_MS;
        if (t->pause_ms == 0)
            t->pause_ms = AUCTION_PAUSE_MS;
        if (t->first_pause_ms == 0)
            t->first_pause_ms = AUCTION_FIRST_PAUSE;
        if (t->rounds == 0)
            t->rounds = AUCTION_ROUNDS;
        *field = "step_ms";
        if (t->step_ms < 1000 || t->step_ms > 3600 * 1000)
            return ERR_INVALID_FIELD;
        *field = "pause_ms";
        if (t->pause_ms < 0 || t->pause_ms > 3600 * 1000 || t->first_pause_ms < 0 ||
            t->first_pause_ms > 3600 * 1000)
            return ERR_INVALID_FIELD;
        *field = "rounds";
        if (t->rounds < 1 || t->rounds > 10)
            return ERR_INVALID_FIELD;
        t->end_ms = 0; /* depends on the number of offers */
        break;
    }
    *field = NULL;
    return ERR_OK;
bad_preset:
    *field = "preset";
    return ERR_INVALID_FIELD;
}

void auction_book_init(const struct auction_terms *t, struct auction_book *b)
{
    memset(b, 0, sizeof(*b));
    b->state = AUCTION_SCHEDULED;
    b->end_ms = t->end_ms;
}

/* ---- derived times ---- */

int64_t auction_live_from(const struct auction_terms *t, const struct auction_book *b)
{
    return t->start_ms + b->shift_ms;
}

/* reverse: where the rounds begin, and one round's length. */
static int64_t rev_rounds_from(const struct auction_terms *t, const struct auction_book *b)
{
    return auction_live_from(t, b) + t->first_pause_ms;
}

static int64_t rev_round_len(const struct auction_terms *t, const struct auction_book *b)
{
    return (int64_t)b->nstand * t->step_ms;
}

int64_t auction_end_at(const struct auction_terms *t, const struct auction_book *b)
{
    if (auction_state_closed(b->state))
        return b->closed_ms;
    switch (t->kind) {
    case AUCTION_DUTCH:
        return auction_live_from(t, b) + (dutch_steps(t) + 1) * t->step_ms;
    case AUCTION_REVERSE:
        return rev_rounds_from(t, b) + t->rounds * rev_round_len(t, b) +
               (t->rounds - 1) * t->pause_ms;
    default:
        return b->end_ms;
    }
}

int64_t auction_reveal_end(const struct auction_terms *t, const struct auction_book *b)
{
    /* sealed auctions never extend: every shift is an outage, before the
     * end (which moved b->end_ms too) or during the release window */
    return t->end_ms + b->shift_ms + t->step_ms;
}

int64_t auction_dutch_price(const struct auction_terms *t, const struct auction_book *b,
                            int64_t now)
{
    int64_t from = auction_live_from(t, b);
    int64_t k = now <= from ? 0 : (now - from) / t->step_ms;
    int64_t floor = dutch_floor(t);
    if (k >= dutch_steps(t))
        return floor;
    int64_t p = t->start_price - k * t->increment;
    return p < floor ? floor : p;
}

void auction_reverse_turn(const struct auction_terms *t, const struct auction_book *b, int64_t now,
                          int *round, int64_t *reg, int64_t *turn_end)
{
    *round = 0;
    *reg = 0;
    *turn_end = 0;
    if (t->kind != AUCTION_REVERSE || b->state != AUCTION_LIVE || b->nstand == 0)
        return;
    int64_t from = rev_rounds_from(t, b);
    if (now < from) {
        *turn_end = from;
        return;
    }
    int64_t len = rev_round_len(t, b), span = len + t->pause_ms;
    int64_t r = (now - from) / span, in = (now - from) % span;
    if (r >= t->rounds)
        return;
    if (in >= len) { /* the pause after round r */
        *turn_end = from + r * span + span;
        return;
    }
    int64_t i = in / t->step_ms;
    *round = (int)r + 1;
    *turn_end = from + r * span + (i + 1) * t->step_ms;
    if (b->order_round == *round && i < b->norder)
        *reg = b->order[i];
}

int64_t auction_next_event(const struct auction_terms *t, const struct auction_book *b, int64_t now)
{
    if (auction_state_closed(b->state))
        return INT64_MAX;
    int64_t from = auction_live_from(t, b);
    if (b->state == AUCTION_SCHEDULED)
        return from;
    int64_t end = auction_end_at(t, b);
    if (t->kind == AUCTION_SEALED && now >= end)
        return auction_reveal_end(t, b);
    if (t->kind == AUCTION_DUTCH) {
        int64_t next = from + ((now - from) / t->step_ms + 1) * t->step_ms;
        return next < end ? next : end;
    }
    if (t->kind == AUCTION_REVERSE) {
        int round;
        int64_t reg, turn_end;
        auction_reverse_turn(t, b, now, &round, &reg, &turn_end);
        if (turn_end > now && turn_end < end)
            return turn_end;
    }
    return end;
}

/* ---- standings (sealed, reverse) ---- */

static struct auction_standing *standing(struct auction_book *b, int64_t reg)
{
    for (int i = 0; i < b->nstand; i++)
        if (b->stand[i].reg == reg)
            return &b->stand[i];
    return NULL;
}

/* a ranks before b: sealed (higher amount), reverse (lower); then earlier. */
static bool ranks_before(const struct auction_terms *t, const struct auction_standing *a,
                         const struct auction_standing *b)
{
    if (a->amount != b->amount)
        return t->kind == AUCTION_REVERSE ? a->amount < b->amount : a->amount > b->amount;
    return a->seq < b->seq;
}

static void best_standing(const struct auction_terms *t, struct auction_book *b)
{
    const struct auction_standing *best = NULL;
    for (int i = 0; i < b->nstand; i++)
        if (b->stand[i].amount > 0 && (best == NULL || ranks_before(t, &b->stand[i], best)))
            best = &b->stand[i];
    b->price = best ? best->amount : 0;
    b->leader = best ? best->reg : 0;
    b->leader_seq = best ? best->seq : 0;
}

/* reverse: the order of a round: the highest offer first; a tie: the later
 * offer first (ProZorro). Insertion sort: at most AUCTION_MAX_BIDDERS. */
static void reverse_order(struct auction_book *b, int round)
{
    b->norder = 0;
    for (int i = 0; i < b->nstand; i++) {
        const struct auction_standing *s = &b->stand[i];
        int j = b->norder;
        while (j > 0) {
            const struct auction_standing *p = standing(b, b->order[j - 1]);
            bool after = p->amount > s->amount || (p->amount == s->amount && p->seq > s->seq);
            if (after)
                break;
            b->order[j] = b->order[j - 1];
            j--;
        }
        b->order[j] = s->reg;
        b->norder++;
    }
    b->order_round = round;
}

/* ---- time ---- */

static void close_book(const struct auction_terms *t, struct auction_book *b, int64_t at)
{
    if (t->kind == AUCTION_SEALED || t->kind == AUCTION_REVERSE)
        best_standing(t, b);
    b->closed_ms = at;
    if (b->nbids == 0 || b->leader == 0) {
        b->state = AUCTION_FAILED;
        b->reason = b->nbids == 0 ? "no_bid" : "no_valid_bid";
    } else if (t->reserve > 0 && t->kind != AUCTION_REVERSE && b->price < t->reserve) {
        b->state = AUCTION_FAILED;
        b->reason = "reserve_not_met";
    } else {
        b->state = AUCTION_SOLD;
        b->reason = NULL;
    }
}

bool auction_rules_advance(const struct auction_terms *t, struct auction_book *b, int64_t now)
{
    bool changed = false;
    if (auction_state_closed(b->state))
        return false;
    if (b->state == AUCTION_SCHEDULED) {
        if (now < auction_live_from(t, b))
            return false;
        b->state = AUCTION_LIVE;
        changed = true;
        if (t->kind == AUCTION_REVERSE)
            best_standing(t, b); /* the offers are disclosed */
    }
    int64_t end = auction_end_at(t, b);
    if (t->kind == AUCTION_SEALED && b->nstand > 0) {
        /* bidding stops at the end; the keys are released until the window's end */
        int64_t rend = auction_reveal_end(t, b);
        if (now < rend)
            return changed;
        close_book(t, b, rend);
        return true;
    }
    if (t->kind == AUCTION_REVERSE && b->nstand == 0)
        end = auction_live_from(t, b); /* no offer: nothing to run */
    if (now >= end) {
        close_book(t, b, end);
        return true;
    }
    if (t->kind == AUCTION_REVERSE) {
        int round;
        int64_t reg, turn_end;
        auction_reverse_turn(t, b, now, &round, &reg, &turn_end);
        if (round > 0 && b->order_round != round) {
            reverse_order(b, round);
            changed = true;
        }
    }
    return changed;
}

int64_t auction_rules_resume(const struct auction_terms *t, struct auction_book *b,
                             int64_t alive_ms, int64_t now)
{
    if (auction_state_closed(b->state))
        return 0;
    int64_t from = auction_live_from(t, b);
    int64_t since = alive_ms > from ? alive_ms : from; /* bids were possible from here */
    int64_t end = auction_end_at(t, b);
    if (t->kind == AUCTION_REVERSE && b->nstand == 0)
        return 0;
    if (t->kind == AUCTION_SEALED && b->nstand > 0) {
        /* the key release window is bidding time too: an outage in it
         * moves its end; one before the end moves both */
        int64_t rend = auction_reveal_end(t, b);
        if (now <= since || since >= rend)
            return 0;
        b->shift_ms += now - since;
        if (since < b->end_ms)
            b->end_ms += now - since;
        return now - since;
    }
    if (now <= since || since >= end)
        return 0; /* nothing was missed, or the writer lived through the end */
    int64_t gap = now - since;
    b->shift_ms += gap;
    if (t->kind == AUCTION_ENGLISH || t->kind == AUCTION_SEALED)
        b->end_ms += gap;
    return gap;
}

void auction_rules_cancel(struct auction_book *b, int64_t now)
{
    if (auction_state_closed(b->state))
        return;
    b->state = AUCTION_CANCELLED;
    b->reason = "cancelled";
    b->closed_ms = now;
}

/* ---- bids ---- */

int64_t auction_next_min(const struct auction_terms *t, const struct auction_book *b, int64_t reg,
                         int64_t now)
{
    switch (t->kind) {
    case AUCTION_ENGLISH: {
        int64_t m = b->nbids == 0 ? t->start_price : b->price + t->increment;
        return t->max_price > 0 && m > t->max_price ? 0 : m;
    }
    case AUCTION_SEALED:
        return t->start_price;
    case AUCTION_DUTCH:
        return auction_dutch_price(t, b, now);
    case AUCTION_REVERSE: {
        for (int i = 0; i < b->nstand; i++)
            if (b->stand[i].reg == reg)
                return b->stand[i].amount - t->increment > 0 ? b->stand[i].amount - t->increment
                                                             : 0;
        return t->start_price;
    }
    }
    return 0;
}

static void accept(struct auction_book *b, const struct auction_bid *bid, int64_t amount,
                   struct auction_verdict *v)
{
    b->seq++;
    b->nbids++;
    v->err = ERR_OK;
    v->amount = amount;
    v->seq = b->seq;
}

/* sealed and reverse offers: the bidder's standing. NULL when full. */
static struct auction_standing *stand_for(struct auction_book *b, int64_t reg)
{
    struct auction_standing *s = standing(b, reg);
    if (s == NULL && b->nstand < AUCTION_MAX_BIDDERS) {
        s = &b->stand[b->nstand++];
        memset(s, 0, sizeof(*s));
        s->reg = reg;
    }
    return s;
}

static void bid_english(const struct auction_terms *t, struct auction_book *b,
                        const struct auction_bid *bid, struct auction_verdict *v)
{
    int64_t now = bid->received_ms;
    int64_t min = auction_next_min(t, b, bid->reg, now);
    v->next_min = min;
    if (b->leader == bid->reg && b->nbids > 0) {
        v->err = ERR_AUCTION_ALREADY_LEADING;
        return;
    }
    if (t->max_price > 0 && bid->amount > t->max_price) {
        v->err = ERR_AUCTION_BID_ABOVE_MAX;
        return;
    }
    if (min == 0 || bid->amount < min) {
        v->err = min == 0 ? ERR_AUCTION_BID_ABOVE_MAX : ERR_AUCTION_BID_TOO_LOW;
        return;
    }
    if ((bid->amount - t->start_price) % t->increment != 0) {
        v->err = ERR_AUCTION_BID_NOT_MULTIPLE;
        return;
    }
    accept(b, bid, bid->amount, v);
    b->price = bid->amount;
    b->leader = bid->reg;
    b->leader_seq = b->seq;
    if (now >= b->end_ms - t->window_ms && now + t->window_ms > b->end_ms) {
        b->end_ms = now + t->window_ms; /* the countdown restarts */
        v->extended = true;
    }
    if (t->max_price > 0 && bid->amount == t->max_price) {
        close_book(t, b, now); /* the cap: nothing can beat it; the earliest holds it */
        v->closed = true;
    }
}

/* sealed: an envelope (the price inside is checked when it is opened). */
static void bid_sealed(const struct auction_terms *t, struct auction_book *b,
                       const struct auction_bid *bid, struct auction_verdict *v)
{
    v->next_min = t->start_price;
    if (standing(b, bid->reg) != NULL) {
        v->err = ERR_AUCTION_SEALED_ONCE;
        return;
    }
    struct auction_standing *s = stand_for(b, bid->reg);
    if (s == NULL) {
        v->err = ERR_OVERLOADED;
        return;
    }
    accept(b, bid, 0, v);
    s->amount = 0;
    s->at_ms = bid->received_ms;
    s->seq = b->seq;
    s->open = AUCTION_OPEN_PENDING;
}

void auction_rules_reveal(const struct auction_terms *t, struct auction_book *b, int64_t reg,
                          bool readable, int64_t amount, int64_t at, struct auction_verdict *v)
{
    memset(v, 0, sizeof(*v));
    if (auction_state_closed(b->state)) {
        v->err = ERR_AUCTION_ENDED;
        return;
    }
    if (t->kind != AUCTION_SEALED || b->state != AUCTION_LIVE || at < b->end_ms ||
        at >= auction_reveal_end(t, b)) {
        v->err = ERR_AUCTION_REVEAL_CLOSED;
        return;
    }
    struct auction_standing *s = standing(b, reg);
    if (s == NULL || s->open != AUCTION_OPEN_PENDING) {
        v->err = ERR_AUCTION_NOTHING_TO_REVEAL;
        return;
    }
    enum auction_open o = AUCTION_OPEN_VALID;
    if (!readable || amount <= 0 || amount > AUCTION_PRICE_MAX)
        o = AUCTION_OPEN_UNREADABLE;
    else if (amount < t->start_price)
        o = AUCTION_OPEN_BELOW_START;
    else if ((amount - t->start_price) % t->increment != 0)
        o = AUCTION_OPEN_NOT_MULTIPLE;
    else if (t->max_price > 0 && amount > t->max_price)
        o = AUCTION_OPEN_ABOVE_MAX;
    s->open = (int)o;
    s->amount = o == AUCTION_OPEN_VALID ? amount : 0;
    v->err = ERR_OK;
    v->open = (int)o;
    v->amount = readable ? amount : 0;
    v->seq = s->seq;
    for (int i = 0; i < b->nstand; i++)
        if (b->stand[i].open == AUCTION_OPEN_PENDING)
            return;
    close_book(t, b, at); /* every key is in: nothing left to wait for */
    v->closed = true;
}

static void bid_dutch(const struct auction_terms *t, struct auction_book *b,
                      const struct auction_bid *bid, struct auction_verdict *v)
{
    int64_t price = auction_dutch_price(t, b, bid->received_ms);
    v->next_min = price;
    if (bid->amount < price) {
        v->err = ERR_AUCTION_BID_TOO_LOW; /* the offer is below the current price */
        return;
    }
    accept(b, bid, price, v); /* the bidder takes the price at receipt */
    b->price = price;
    b->leader = bid->reg;
    b->leader_seq = b->seq;
    close_book(t, b, bid->received_ms);
    v->closed = true;
}

static void bid_reverse(const struct auction_terms *t, struct auction_book *b,
                        const struct auction_bid *bid, struct auction_verdict *v)
{
    struct auction_standing *s = standing(b, bid->reg);
    if (b->state == AUCTION_SCHEDULED) { /* an initial, sealed offer */
        v->next_min = t->start_price;
        if (bid->amount > t->start_price) {
            v->err = ERR_AUCTION_BID_ABOVE_MAX;
            return;
        }
        s = stand_for(b, bid->reg);
        if (s == NULL) {
            v->err = ERR_OVERLOADED;
            return;
        }
        accept(b, bid, bid->amount, v);
        s->amount = bid->amount;
        s->at_ms = bid->received_ms;
        s->seq = b->seq;
        v->round = 0;
        return;
    }
    int round;
    int64_t turn_reg, turn_end;
    auction_reverse_turn(t, b, bid->received_ms, &round, &turn_reg, &turn_end);
    if (s == NULL || s->amount == 0) {
        v->err = ERR_AUCTION_NOT_QUALIFIED; /* no initial offer: not in the auction */
        return;
    }
    v->next_min = s->amount - t->increment;
    if (round == 0 || turn_reg != bid->reg) {
        v->err = ERR_AUCTION_NOT_YOUR_TURN;
        return;
    }
    if (bid->amount > s->amount - t->increment) {
        v->err = ERR_AUCTION_BID_NOT_LOWER;
        return;
    }
    if ((s->amount - bid->amount) % t->increment != 0) {
        v->err = ERR_AUCTION_BID_NOT_MULTIPLE;
        return;
    }
    accept(b, bid, bid->amount, v);
    s->amount = bid->amount;
    s->at_ms = bid->received_ms;
    s->seq = b->seq;
    v->round = round;
    best_standing(t, b);
}

void auction_rules_bid(const struct auction_terms *t, struct auction_book *b,
                       const struct auction_bid *bid, struct auction_verdict *v)
{
    memset(v, 0, sizeof(*v));
    if (auction_state_closed(b->state)) {
        v->err = ERR_AUCTION_ENDED;
        return;
    }
    if (t->kind == AUCTION_SEALED && bid->amount != 0) {
        v->err = ERR_AUCTION_ENVELOPE_REQUIRED; /* the price goes inside an envelope */
        return;
    }
    if (t->kind != AUCTION_SEALED && (bid->amount <= 0 || bid->amount > AUCTION_PRICE_MAX)) {
        v->err = ERR_INVALID_FIELD;
        return;
    }
    if (b->state == AUCTION_SCHEDULED && t->kind != AUCTION_REVERSE) {
        v->err = ERR_AUCTION_NOT_STARTED;
        return;
    }
    if (b->state == AUCTION_LIVE && bid->received_ms >= auction_end_at(t, b)) {
        v->err = ERR_AUCTION_ENDED; /* advance() was not called: still too late */
        return;
    }
    switch (t->kind) {
    case AUCTION_ENGLISH:
        bid_english(t, b, bid, v);
        break;
    case AUCTION_SEALED:
        bid_sealed(t, b, bid, v);
        break;
    case AUCTION_DUTCH:
        bid_dutch(t, b, bid, v);
        break;
    case AUCTION_REVERSE:
        bid_reverse(t, b, bid, v);
        break;
    }
}
