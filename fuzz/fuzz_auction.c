/*
 * fuzz_auction.c — libFuzzer target for the auction rules
 * (domain/auction_rules.h), which judge amounts and times that come from
 * outside (bid bodies, the terms an agent posts, the clock).
 *
 * The input is a program: byte 0 picks the kind and preset, the next bytes
 * the terms (prices, increment, reserve, cap, windows, within bounds), then
 * 4-byte operations: advance the clock, bid (bidder, amount near the next
 * valid one or anywhere), an outage and resume, cancel. After every
 * operation it checks what the rules promise:
 *   - a refused bid leaves the book exactly as it was;
 *   - an accepted bid takes the next number (seq + 1);
 *   - english: an accepted amount is >= the next valid amount, a whole number
 *     of increments above the start, <= the cap; the price only rises; the
 *     end never comes earlier; the end moves only on an accepted bid (or a
 *     resume);
 *   - a closed auction stays closed and accepts nothing;
 *   - standings never exceed AUCTION_MAX_BIDDERS.
 *
 * Seeds: fuzz/corpus/auction/. Run: fuzz/run BUILD_DIR SECONDS, or replay the
 * corpus through fuzz/replay.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/auction_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 ((int64_t)1767225600000)

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_auction: %s\n", what);
    abort();
}

static uint32_t u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static struct auction_book book, before;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const presets[] = {"custom", "land", "judicial", "procurement"};
    struct auction_terms t;
    const char *field;
    if (size < 17)
        return 0;
    memset(&t, 0, sizeof t);
    t.kind = (enum auction_kind)(data[0] % 4);
    snprintf(t.preset, sizeof t.preset, "%s", presets[(data[0] >> 2) % 4]);
    t.increment = 1 + u32(data + 1) % 100000;
    t.start_price = t.increment + u32(data + 5) % 100000000;
    t.reserve = data[9] & 1 ? (int64_t)(u32(data + 5) % 200000000) : 0;
    t.max_price = data[9] & 2 ? t.start_price + (int64_t)(u32(data + 13) % 1000) * t.increment : 0;
    t.start_ms = T0 + data[10] * 1000;
    t.window_ms = data[11] & 1 ? 0 : 1000 + (int64_t)data[11] * 1000;
    t.step_ms = 1000 + (int64_t)data[12] * 1000;
    if (t.kind == AUCTION_SEALED || (data[9] & 4))
        t.end_ms = t.start_ms + 1000 + (int64_t)(u32(data + 13) % 7200000);
    if (t.kind == AUCTION_REVERSE) {
        t.pause_ms = 1000 + data[12] * 10;
        t.first_pause_ms = 1000;
        t.rounds = 1 + data[11] % 3;
    }
    if (auction_terms_check(&t, T0, &field) != ERR_OK)
        return 0;
    auction_book_init(&t, &book);
    int64_t now = T0, last_end = auction_end_at(&t, &book), last_price = 0;
    for (size_t i = 17; i + 4 <= size; i += 4) {
        const uint8_t *op = data + i;
        bool was_closed = auction_state_closed(book.state);
        switch (op[0] % 8) {
        case 0:
        case 1: /* time passes */
            now += (int64_t)(op[1] | op[2] << 8) * (op[3] % 4 == 0 ? 1000 : 10);
            auction_rules_advance(&t, &book, now);
            break;
        case 2:
        case 3:
        case 4:
        case 5: { /* a bid near the next valid amount, or anywhere */
            struct auction_verdict v;
            int64_t reg = 1 + op[1] % 8;
            int64_t base = auction_next_min(&t, &book, reg, now);
            int64_t amount = op[0] % 8 == 5 ? (int64_t)(op[2] | op[3] << 8) * t.increment
                                            : base + ((int64_t)(int8_t)op[2]) * t.increment +
                                                  (op[3] % 4 == 0 ? op[3] : 0);
            auction_rules_advance(&t, &book, now);
            int64_t min = auction_next_min(&t, &book, reg, now);
            int64_t end0 = auction_end_at(&t, &book);
            memcpy(&before, &book, sizeof book);
            struct auction_bid b = {reg, amount, now};
            auction_rules_bid(&t, &book, &b, &v);
            if (v.err != ERR_OK) {
                if (memcmp(&before, &book, sizeof book) != 0)
                    fail("a refused bid changed the book");
                break;
            }
            if (was_closed || auction_state_closed(before.state))
                fail("a closed auction accepted a bid");
            if (v.seq != before.seq + 1 || book.seq != v.seq)
                fail("an accepted bid did not take the next number");
            if (t.kind == AUCTION_ENGLISH) {
                if (amount < min || (amount - t.start_price) % t.increment != 0)
                    fail("an english bid below the next valid amount or off the increments");
                if (t.max_price > 0 && amount > t.max_price)
                    fail("an english bid above the cap");
                if (amount <= last_price)
                    fail("the english price did not rise");
                last_price = amount;
                if (!auction_state_closed(book.state) && book.end_ms < end0)
                    fail("an accepted bid brought the end earlier");
            }
            break;
        }
        case 6: { /* an outage from now to later */
            int64_t back = now + (int64_t)(op[1] | op[2] << 8) * 100;
            int64_t shift = auction_rules_resume(&t, &book, now, back);
            if (shift < 0 || (was_closed && shift != 0))
                fail("a bad outage shift");
            now = back;
            last_end = auction_end_at(&t, &book);
            break;
        }
        case 7:
            if (op[1] == 0x7f)
                auction_rules_cancel(&book, now);
            break;
        }
        if (was_closed && !auction_state_closed(book.state))
            fail("a closed auction reopened");
        if (book.nstand < 0 || book.nstand > AUCTION_MAX_BIDDERS)
            fail("too many standings");
        if (auction_state_closed(book.state))
            continue;
        int64_t end = auction_end_at(&t, &book);
        if (t.kind == AUCTION_ENGLISH && end < last_end)
            fail("the english end came earlier");
        last_end = end;
    }
    return 0;
}
