/*
 * Online auctions through the real server, on SQLite (integration/auctions)
 * and PostgreSQL (auctions_pg):
 *   - the rules over HTTP on a test clock: registration, qualification,
 *     every bad bid refused with its code (not started, unqualified, not a
 *     multiple, too low, replayed, malformed, after the end), the timed
 *     period's extension, the close, the signed result (verified here with
 *     the published key), a failed auction (no bid) closed with its reason;
 *   - concurrent bidders: every acknowledged bid is in the history in the
 *     order of the SSE broadcast, then kill -9 and restart: nothing
 *     acknowledged is lost and the end moved by exactly the outage;
 *   - two nodes (PostgreSQL only): the node holding "auction.<id>" is killed,
 *     the other takes the auction over and bidding goes on, every
 *     acknowledged bid kept.
 */
#include "harness.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/receipt.h"

#define T0  ((int64_t)1767258000000) /* 2026-01-01T09:00:00Z */
#define MIN ((int64_t)60000)

static json_t *parse(const struct it_resp *r)
{
    json_error_t jerr;
    json_t *j = json_loads(r->body, 0, &jerr);
    if (j == NULL)
        fail_msg("not JSON (%d): %s", r->status, r->body);
    return j;
}

static json_t *call(struct it_server *s, const struct it_session *who, const char *method,
                    const char *path, const char *body, int status)
{
    struct it_resp r;
    if (who != NULL)
        assert_int_equal(it_request_as(s, who, method, path, body, &r), 0);
    else
        assert_int_equal(it_request(s, method, path, NULL, body, &r), 0);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    json_t *j = parse(&r);
    it_resp_free(&r);
    return j;
}

/* A refused request: its status and error code. */
static void refused(struct it_server *s, const struct it_session *who, const char *method,
                    const char *path, const char *body, int status, const char *code)
{
    json_t *j = call(s, who, method, path, body, status);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    if (c == NULL || strcmp(c, code) != 0)
        fail_msg("%s %s: code %s, want %s", method, path, c ? c : "(none)", code);
    json_decref(j);
}

static int64_t jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", k);
    return (int64_t)json_integer_value(v);
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static struct it_session token(struct it_server *s, const char *user)
{
    struct it_session t;
    assert_int_equal(it_login(s, user, IT_DEMO_PASSWORD, 1, &t), 200);
    return t;
}

static void set_clock(struct it_server *s, const struct it_session *admin, int64_t ms)
{
    char body[64];
    snprintf(body, sizeof body, "{\"now_ms\":%lld}", (long long)ms);
    json_decref(call(s, admin, "POST", "/api/test/clock", body, 200));
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls the auction until its state is `state`, up to 15 s. */
static json_t *wait_state(struct it_server *s, int64_t id, const char *state)
{
    char path[64];
    snprintf(path, sizeof path, "/api/auctions/%lld", (long long)id);
    for (int i = 0; i < 300; i++) {
        json_t *j = call(s, NULL, "GET", path, NULL, 200);
        if (strcmp(jstr(j, "state"), state) == 0)
            return j;
        json_decref(j);
        sleep_ms(50);
    }
    fail_msg("auction %lld never became %s", (long long)id, state);
    return NULL;
}

static int64_t create(struct it_server *s, const struct it_session *agent, const char *body)
{
    json_t *j = call(s, agent, "POST", "/api/auctions", body, 201);
    int64_t id = jint(j, "id");
    json_decref(j);
    return id;
}

/* Registers the bidder and has the agent confirm its deposit; the paddle. */
static void qualify(struct it_server *s, const struct it_session *agent,
                    const struct it_session *bidder, int64_t id, char *paddle, size_t plen)
{
    char path[96];
    snprintf(path, sizeof path, "/api/auctions/%lld/register", (long long)id);
    json_t *j = call(s, bidder, "POST", path, "{\"deposit_ref\":\"BOND-2026-001\"}", 201);
    int64_t reg = jint(j, "id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/auctions/%lld/registrations/%lld", (long long)id,
             (long long)reg);
    j = call(s, agent, "POST", path, "{\"qualify\":true}", 200);
    assert_string_equal(jstr(j, "state"), "qualified");
    const char *p = jstr(j, "paddle");
    assert_non_null(p);
    assert_int_equal(strlen(p), 6);
    snprintf(paddle, plen, "%s", p);
    json_decref(j);
}

static json_t *bid(struct it_server *s, const struct it_session *who, int64_t id, int64_t amount,
                   const char *ref, int status)
{
    char path[64], body[160];
    snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)id);
    if (ref != NULL)
        snprintf(body, sizeof body, "{\"amount\":%lld,\"ref\":\"%s\"}", (long long)amount, ref);
    else
        snprintf(body, sizeof body, "{\"amount\":%lld}", (long long)amount);
    return call(s, who, "POST", path, body, status);
}

static const char *errcode(json_t *j)
{
    return json_string_value(json_object_get(json_object_get(j, "error"), "code"));
}

/* ---- the rules through the server ---- */

static void test_rules_over_http(void **state)
{
    (void)state;
    struct it_server s;
    char t0[32], body[512], path[96], p1[16], p2[16], p3[16];
    setenv("SUNBID_ALLOW_TEST_CLOCK", "1", 1);
    snprintf(t0, sizeof t0, "%lld", (long long)T0);
    const char *args[] = {"--test-clock", t0, NULL};
    it_server_start(&s, IT_DEMO, args);
    struct it_session agent = token(&s, "agent"), admin = token(&s, "admin");
    struct it_session b1 = token(&s, "bidder1"), b2 = token(&s, "bidder2"),
                      b3 = token(&s, "bidder3");

    /* bad terms, wrong roles */
    refused(&s, &agent, "POST", "/api/auctions",
            "{\"title\":\"x\",\"kind\":\"vickrey\",\"start_price\":1,\"increment\":1,"
            "\"start_ms\":1767258060000}",
            422, "invalid_field");
    snprintf(body, sizeof body,
             "{\"title\":\"司法拍卖\",\"kind\":\"english\",\"preset\":\"judicial\","
             "\"start_price\":100000,\"increment\":1000,\"start_ms\":%lld,\"end_ms\":%lld}",
             (long long)(T0 + MIN), (long long)(T0 + MIN + 3600000));
    refused(&s, &agent, "POST", "/api/auctions", body, 422, "invalid_field"); /* < 24 h */
    refused(&s, &b1, "POST", "/api/auctions", "{}", 403, "forbidden");
    refused(&s, NULL, "GET", "/api/auctions/999", NULL, 404, "not_found");

    /* an English auction: start T0+1min, end T0+11min, 5-minute countdown */
    int64_t start = T0 + MIN, end = T0 + 11 * MIN;
    snprintf(body, sizeof body,
             "{\"title\":\"国有建设用地使用权 2026-01\",\"kind\":\"english\",\"start_price\":"
             "1000000,\"increment\":10000,\"reserve\":1020000,\"deposit\":200000,\"start_ms\":%lld,"
             "\"end_ms\":%lld,\"window_ms\":300000}",
             (long long)start, (long long)end);
    int64_t id = create(&s, &agent, body);
    /* a second one that nobody bids in */
    snprintf(body, sizeof body,
             "{\"title\":\"排污权 2026-02\",\"kind\":\"english\",\"start_price\":50000,"
             "\"increment\":1000,\"start_ms\":%lld,\"end_ms\":%lld,\"window_ms\":60000}",
             (long long)start, (long long)(start + 2 * MIN));
    int64_t idle = create(&s, &agent, body);

    qualify(&s, &agent, &b1, id, p1, sizeof p1);
    qualify(&s, &agent, &b2, id, p2, sizeof p2);
    assert_string_not_equal(p1, p2);
    /* bidder3 applies but its deposit is never confirmed */
    snprintf(path, sizeof path, "/api/auctions/%lld/register", (long long)id);
    json_decref(call(&s, &b3, "POST", path, "{\"deposit_ref\":\"BOND-3\"}", 201));
    refused(&s, &b3, "POST", path, "{\"deposit_ref\":\"BOND-3\"}", 409, "already_exists");
    refused(&s, &b1, "POST", path, "{}", 422, "missing_field");
    snprintf(path, sizeof path, "/api/auctions/%lld/registrations", (long long)id);
    refused(&s, &b1, "GET", path, NULL, 403, "forbidden");
    json_t *regs = call(&s, &agent, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(regs, "items")), 3);
    json_decref(regs);
    (void)p3;

    /* before the start */
    json_t *j = bid(&s, &b1, id, 1000000, NULL, 409);
    assert_string_equal(errcode(j), "auction_not_started");
    json_decref(j);

    set_clock(&s, &admin, start);
    json_decref(wait_state(&s, id, "live"));
    snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)id);
    refused(&s, &b3, "POST", path, "{\"amount\":1000000}", 403, "auction_not_qualified");
    refused(&s, &agent, "POST", path, "{\"amount\":1000000}", 403, "forbidden");
    refused(&s, &b1, "POST", path, "{\"amount\":\"1000000\"}", 422, "invalid_field");
    refused(&s, &b1, "POST", path, "{\"amount\":-5}", 422, "invalid_field");
    refused(&s, &b1, "POST", path, "{\"ref\":\"x\"}", 422, "missing_field");
    refused(&s, &b1, "POST", path, "{\"amount\":1000000", 400, "malformed_json");
    j = bid(&s, &b1, id, 1005000, NULL, 422);
    assert_string_equal(errcode(j), "auction_bid_not_multiple");
    json_decref(j);
    j = bid(&s, &b1, id, 990000, NULL, 422);
    assert_string_equal(errcode(j), "auction_bid_too_low");
    assert_int_equal(jint(json_object_get(j, "error"), "next_min"), 1000000);
    json_decref(j);

    j = bid(&s, &b1, id, 1000000, "r1", 201);
    assert_int_equal(jint(j, "seq"), 1);
    assert_string_equal(jstr(j, "bidder"), p1);
    assert_int_equal(jint(j, "end_ms"), end);
    assert_int_equal(jint(j, "received_ms"), start);
    json_decref(j);
    j = bid(&s, &b1, id, 1010000, NULL, 409);
    assert_string_equal(errcode(j), "auction_already_leading");
    json_decref(j);
    j = bid(&s, &b2, id, 1000000, NULL, 422);
    assert_string_equal(errcode(j), "auction_bid_too_low");
    json_decref(j);
    j = bid(&s, &b2, id, 1010000, "r1", 201); /* another bidder's r1 is its own */
    json_decref(j);
    j = bid(&s, &b1, id, 1020000, "r1", 409); /* a replay */
    assert_string_equal(errcode(j), "auction_bid_replayed");
    json_decref(j);

    /* the bidder's view: leading or outbid, the next valid amount, server times */
    snprintf(path, sizeof path, "/api/auctions/%lld", (long long)id);
    j = call(&s, &b1, "GET", path, NULL, 200);
    assert_false(json_is_true(json_object_get(json_object_get(j, "me"), "leading")));
    assert_int_equal(jint(json_object_get(j, "me"), "next_min"), 1020000);
    assert_int_equal(jint(j, "now_ms"), start);
    assert_int_equal(jint(j, "end_ms"), end);
    assert_null(json_object_get(j, "reserve")); /* hidden from bidders */
    assert_string_equal(jstr(j, "leader"), p2);
    json_decref(j);
    j = call(&s, &agent, "GET", path, NULL, 200);
    assert_int_equal(jint(j, "reserve"), 1020000); /* the agent that runs it sees it */
    json_decref(j);

    /* the timed period: a bid 1 s before the end restarts the 5-minute countdown */
    set_clock(&s, &admin, end - 1000);
    j = bid(&s, &b1, id, 1020000, "r2", 201);
    assert_true(json_is_true(json_object_get(j, "extended")));
    int64_t end2 = end - 1000 + 5 * MIN;
    assert_int_equal(jint(j, "end_ms"), end2);
    json_decref(j);
    /* a refused bid changes nothing */
    j = bid(&s, &b2, id, 1020000, NULL, 422);
    assert_int_equal(jint(json_object_get(j, "error"), "end_ms"), end2);
    json_decref(j);

    /* the end: a bid received at the end is late */
    set_clock(&s, &admin, end2);
    j = wait_state(&s, id, "sold");
    assert_int_equal(jint(j, "price"), 1020000);
    assert_string_equal(jstr(j, "leader"), p1);
    assert_true(json_is_true(json_object_get(j, "reserve_met")));
    json_decref(j);
    j = bid(&s, &b2, id, 1100000, NULL, 409);
    assert_string_equal(errcode(j), "auction_ended");
    json_decref(j);

    /* the signed result (成交確認書) */
    snprintf(path, sizeof path, "/api/auctions/%lld/result", (long long)id);
    j = call(&s, NULL, "GET", path, NULL, 200);
    assert_string_equal(jstr(j, "outcome"), "sold");
    assert_string_equal(jstr(j, "winner"), p1);
    assert_int_equal(jint(j, "price"), 1020000);
    const char *text = jstr(j, "body"), *pem = jstr(j, "public_key");
    assert_non_null(strstr(text, "price_fen: 1020000\n"));
    assert_non_null(strstr(text, "bids: 3\n"));
    EVP_PKEY *key = receipt_key_parse(pem, strlen(pem));
    assert_non_null(key);
    assert_true(receipt_verify(key, text, strlen(text), jstr(j, "signature")));
    char *forged = strdup(text);
    forged[strlen(forged) - 3] ^= 1;
    assert_false(receipt_verify(key, forged, strlen(forged), jstr(j, "signature")));
    free(forged);
    EVP_PKEY_free(key);
    json_decref(j);

    /* the idle auction failed: no bid */
    j = wait_state(&s, idle, "failed");
    assert_string_equal(jstr(j, "reason"), "no_bid");
    json_decref(j);
    snprintf(path, sizeof path, "/api/auctions/%lld/result", (long long)idle);
    j = call(&s, NULL, "GET", path, NULL, 200);
    assert_string_equal(jstr(j, "outcome"), "failed");
    assert_string_equal(jstr(j, "reason"), "no_bid");
    json_decref(j);
    /* a closed auction cannot be cancelled; registration is closed */
    snprintf(path, sizeof path, "/api/auctions/%lld/cancel", (long long)id);
    refused(&s, &agent, "POST", path, "{\"reason\":\"x\"}", 409, "wrong_state");
    snprintf(path, sizeof path, "/api/auctions/%lld/register", (long long)id);
    refused(&s, &b3, "POST", path, "{\"deposit_ref\":\"late\"}", 409,
            "auction_registration_closed");
    assert_int_equal(it_server_stop(&s), 0);
}

/* ---- sealed, Dutch and reverse through the server ---- */

static void test_other_kinds_over_http(void **state)
{
    (void)state;
    struct it_server s;
    char t0[32], body[512], path[96], s1[16], s2[16], d1[16], d2[16], p1[16], p2[16], p3[16];
    setenv("SUNBID_ALLOW_TEST_CLOCK", "1", 1);
    snprintf(t0, sizeof t0, "%lld", (long long)T0);
    const char *args[] = {"--test-clock", t0, NULL};
    it_server_start(&s, IT_DEMO, args);
    struct it_session agent = token(&s, "agent"), admin = token(&s, "admin");
    struct it_session b1 = token(&s, "bidder1"), b2 = token(&s, "bidder2"),
                      b3 = token(&s, "bidder3");
    int64_t start = T0 + MIN;

    /* sealed: one bid each, nothing disclosed until the end */
    snprintf(body, sizeof body,
             "{\"title\":\"股权转让（密封）\",\"kind\":\"sealed\",\"start_price\":100000,"
             "\"increment\":1000,\"start_ms\":%lld,\"end_ms\":%lld}",
             (long long)start, (long long)(start + 10 * MIN));
    int64_t sealed = create(&s, &agent, body);
    /* Dutch: 100000 falling by 10000 a minute to a floor of 70000 */
    snprintf(body, sizeof body,
             "{\"title\":\"设备处置（减价）\",\"kind\":\"dutch\",\"start_price\":100000,"
             "\"increment\":10000,\"reserve\":70000,\"step_ms\":60000,\"start_ms\":%lld}",
             (long long)start);
    int64_t dutch = create(&s, &agent, body);
    /* reverse: offers before the start, then 1 round of 2-minute turns */
    snprintf(body, sizeof body,
             "{\"title\":\"办公设备采购（反向）\",\"kind\":\"reverse\",\"start_price\":500000,"
             "\"increment\":1000,\"start_ms\":%lld,\"rounds\":1,\"step_ms\":120000,"
             "\"first_pause_ms\":180000,\"pause_ms\":60000}",
             (long long)start);
    int64_t rev = create(&s, &agent, body);
    qualify(&s, &agent, &b1, sealed, s1, sizeof s1);
    qualify(&s, &agent, &b2, sealed, s2, sizeof s2);
    qualify(&s, &agent, &b1, dutch, d1, sizeof d1);
    qualify(&s, &agent, &b2, dutch, d2, sizeof d2);
    qualify(&s, &agent, &b1, rev, p1, sizeof p1);
    qualify(&s, &agent, &b2, rev, p2, sizeof p2);
    qualify(&s, &agent, &b3, rev, p3, sizeof p3);

    /* reverse offers before the start (sealed), one above the maximum refused */
    json_t *j = NULL;
    for (int i = 0; i < 100; i++) { /* the writer takes offers from creation */
        struct it_resp r;
        snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)rev);
        assert_int_equal(it_request_as(&s, &b1, "POST", path, "{\"amount\":450000}", &r), 0);
        int st = r.status;
        it_resp_free(&r);
        if (st == 201)
            break;
        assert_int_equal(st, 503);
        sleep_ms(50);
    }
    j = bid(&s, &b2, rev, 500001, NULL, 422);
    assert_string_equal(errcode(j), "auction_bid_above_max");
    json_decref(j);
    json_decref(bid(&s, &b2, rev, 440000, NULL, 201));
    json_decref(bid(&s, &b3, rev, 450000, NULL, 201));
    snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)rev);
    j = call(&s, NULL, "GET", path, NULL, 200);
    assert_null(json_object_get(json_array_get(json_object_get(j, "items"), 0), "amount"));
    json_decref(j);

    set_clock(&s, &admin, start);
    json_decref(wait_state(&s, sealed, "live"));
    json_decref(wait_state(&s, dutch, "live"));
    j = wait_state(&s, rev, "live");
    assert_int_equal(jint(j, "price"), 440000); /* disclosed at the start */
    json_decref(j);

    /* sealed */
    json_decref(bid(&s, &b1, sealed, 120000, NULL, 201));
    j = bid(&s, &b1, sealed, 130000, NULL, 409);
    assert_string_equal(errcode(j), "auction_sealed_once");
    json_decref(j);
    json_decref(bid(&s, &b2, sealed, 120000, NULL, 201)); /* a tie, received later */
    snprintf(path, sizeof path, "/api/auctions/%lld", (long long)sealed);
    j = call(&s, &b2, "GET", path, NULL, 200);
    assert_null(json_object_get(j, "price"));
    assert_null(json_object_get(j, "leader"));
    assert_int_equal(jint(json_object_get(j, "me"), "my_amount"), 120000);
    json_decref(j);
    snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)sealed);
    j = call(&s, NULL, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
    assert_null(json_object_get(json_array_get(json_object_get(j, "items"), 0), "amount"));
    assert_null(json_object_get(json_array_get(json_object_get(j, "items"), 0), "bidder"));
    json_decref(j);

    /* Dutch: two minutes in, the price is 80000; an offer below it is refused */
    set_clock(&s, &admin, start + 2 * MIN + 500);
    snprintf(path, sizeof path, "/api/auctions/%lld", (long long)dutch);
    for (int i = 0; i < 100; i++) {
        j = call(&s, NULL, "GET", path, NULL, 200);
        if (jint(j, "current_price") == 80000)
            break;
        json_decref(j);
        j = NULL;
        sleep_ms(20);
    }
    assert_non_null(j);
    json_decref(j);
    j = bid(&s, &b2, dutch, 70000, NULL, 422);
    assert_string_equal(errcode(j), "auction_bid_too_low");
    assert_int_equal(jint(json_object_get(j, "error"), "next_min"), 80000);
    json_decref(j);
    j = bid(&s, &b1, dutch, 80000, NULL, 201);
    assert_true(json_is_true(json_object_get(j, "closed")));
    json_decref(j);
    j = bid(&s, &b2, dutch, 80000, NULL, 409);
    assert_string_equal(errcode(j), "auction_ended");
    json_decref(j);
    j = wait_state(&s, dutch, "sold");
    assert_string_equal(jstr(j, "leader"), d1);
    assert_int_equal(jint(j, "price"), 80000);
    json_decref(j);

    /* reverse: after the 3-minute pause, round 1: turns highest offer first;
     * of 450000 (b1, earlier) and 450000 (b3, later) the later goes first */
    int64_t r1 = start + 3 * MIN;
    set_clock(&s, &admin, r1 + 1000);
    snprintf(path, sizeof path, "/api/auctions/%lld", (long long)rev);
    for (int i = 0; i < 100; i++) {
        j = call(&s, NULL, "GET", path, NULL, 200);
        if (jint(j, "round") == 1 && jstr(j, "turn") != NULL) /* the writer set the order */
            break;
        json_decref(j);
        j = NULL;
        sleep_ms(20);
    }
    assert_non_null(j);
    assert_string_equal(jstr(j, "turn"), p3);
    assert_int_equal(jint(j, "turn_end_ms"), r1 + 2 * MIN);
    json_decref(j);
    j = bid(&s, &b1, rev, 400000, NULL, 409);
    assert_string_equal(errcode(j), "auction_not_your_turn");
    json_decref(j);
    j = bid(&s, &b3, rev, 449500, NULL, 422);
    assert_string_equal(errcode(j), "auction_bid_not_lower");
    json_decref(j);
    json_decref(bid(&s, &b3, rev, 430000, NULL, 201));
    set_clock(&s, &admin, r1 + 2 * MIN + 1000); /* b1's turn */
    for (int i = 0; i < 100; i++) {
        j = call(&s, NULL, "GET", path, NULL, 200);
        const char *turn = jstr(j, "turn");
        bool mine = turn != NULL && strcmp(turn, p1) == 0;
        json_decref(j);
        if (mine)
            break;
        sleep_ms(20);
    }
    json_decref(bid(&s, &b1, rev, 420000, NULL, 201));

    /* the ends: sealed to the earlier of the tie; reverse to the lowest */
    set_clock(&s, &admin, start + 10 * MIN);
    j = wait_state(&s, sealed, "sold");
    assert_string_equal(jstr(j, "leader"), s1);
    assert_int_equal(jint(j, "price"), 120000);
    json_decref(j);
    snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)sealed);
    j = call(&s, NULL, "GET", path, NULL, 200);
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 1), "amount"), 120000);
    json_decref(j);
    j = wait_state(&s, rev, "sold");
    assert_string_equal(jstr(j, "leader"), p1);
    assert_int_equal(jint(j, "price"), 420000);
    json_decref(j);
    (void)s2;
    (void)d2;
    (void)p2;
    assert_int_equal(it_server_stop(&s), 0);
}

/* ---- concurrent bidders, SSE order, kill -9 ---- */

#define THREADS  6
#define BIDS_PER 40
#define MAX_ACKS (THREADS * BIDS_PER)

struct acks {
    pthread_mutex_t mu;
    int n;
    int64_t seq[MAX_ACKS], amount[MAX_ACKS];
    char who[MAX_ACKS][16];
    atomic_long next; /* the increment count handed to the next bid */
    int other;        /* responses other than 201 and the expected refusals */
};

struct worker {
    struct it_server *s;
    struct it_session who;
    int64_t id;
    const char *paddle;
    struct acks *acks;
};

/* One POST on its own connection, read to the close: the harness's reader
 * keeps state shared between calls, so threads use this instead. Returns the
 * status (body in out, NUL-terminated), or -1. */
static int post_alone(int port, const char *tokenv, const char *path, const char *body, char *out,
                      size_t outlen)
{
    char req[1024];
    int fd = it_connect(port);
    out[0] = '\0';
    if (fd < 0) {
        snprintf(out, outlen, "connect: %s", strerror(errno));
        return -1;
    }
    int n = snprintf(req, sizeof req,
                     "POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     path, tokenv, strlen(body), body);
    if (it_send_all(fd, req, (size_t)n) != 0) {
        close(fd);
        return -1;
    }
    size_t len = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 20000) != 1 || len + 1 >= outlen)
            break;
        ssize_t r = read(fd, out + len, outlen - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    out[len] = '\0';
    int status = -1;
    if (sscanf(out, "HTTP/1.1 %d", &status) != 1)
        return -1;
    char *b = strstr(out, "\r\n\r\n");
    if (b != NULL)
        memmove(out, b + 4, strlen(b + 4) + 1);
    return status;
}

static void *bidder_main(void *arg)
{
    struct worker *w = arg;
    char path[64], body[96];
    snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)w->id);
    for (int i = 0; i < BIDS_PER; i++) {
        long k = atomic_fetch_add(&w->acks->next, 1);
        snprintf(body, sizeof body, "{\"amount\":%lld}", 1000000LL + 10000LL * k);
        char resp[8192];
        int status = post_alone(w->s->port, w->who.token, path, body, resp, sizeof resp);
        pthread_mutex_lock(&w->acks->mu);
        if (status == 201) {
            json_error_t e;
            json_t *j = json_loads(resp, 0, &e);
            int n = w->acks->n++;
            w->acks->seq[n] = j ? (int64_t)json_integer_value(json_object_get(j, "seq")) : -1;
            w->acks->amount[n] = j ? (int64_t)json_integer_value(json_object_get(j, "amount")) : -1;
            snprintf(w->acks->who[n], sizeof w->acks->who[n], "%s", w->paddle);
            json_decref(j);
        } else if (!strstr(resp, "auction_bid_too_low") &&
                   !strstr(resp, "auction_already_leading")) {
            if (w->acks->other++ == 0)
                fprintf(stderr, "unexpected bid answer %d: %s\n", status, resp);
        }
        pthread_mutex_unlock(&w->acks->mu);
    }
    return NULL;
}

/* ---- a tiny SSE reader ---- */

struct sse {
    int fd;
    char buf[262144];
    size_t len;
};

static void sse_open(struct sse *e, int port, const char *path)
{
    char req[512];
    e->len = 0;
    e->fd = it_connect(port);
    assert_true(e->fd >= 0);
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n", path);
    assert_int_equal(it_send_all(e->fd, req, (size_t)n), 0);
    for (;;) {
        struct pollfd p = {e->fd, POLLIN, 0};
        assert_true(poll(&p, 1, 10000) == 1);
        ssize_t r = read(e->fd, e->buf + e->len, sizeof(e->buf) - 1 - e->len);
        assert_true(r > 0);
        e->len += (size_t)r;
        e->buf[e->len] = '\0';
        char *end = strstr(e->buf, "\r\n\r\n");
        if (end != NULL) {
            assert_non_null(strstr(e->buf, " 200 "));
            size_t rest = e->len - (size_t)(end + 4 - e->buf);
            memmove(e->buf, end + 4, rest);
            e->len = rest;
            e->buf[e->len] = '\0';
            return;
        }
    }
}

/* The next event's name and data (heartbeats skipped); 0 on timeout. */
static int sse_next(struct sse *e, char *event, size_t evlen, char *data, size_t dlen, int ms)
{
    for (;;) {
        char *end = strstr(e->buf, "\n\n");
        if (end != NULL) {
            size_t blk = (size_t)(end + 2 - e->buf);
            int got = 0;
            event[0] = data[0] = '\0';
            for (char *line = e->buf; line < e->buf + blk;) {
                char *nl = memchr(line, '\n', (size_t)(e->buf + blk - line));
                size_t n = (size_t)(nl - line);
                if (n > 7 && strncmp(line, "event: ", 7) == 0)
                    snprintf(event, evlen, "%.*s", (int)(n - 7), line + 7);
                else if (n > 6 && strncmp(line, "data: ", 6) == 0)
                    snprintf(data, dlen, "%.*s", (int)(n - 6), line + 6);
                else if (n > 4 && strncmp(line, "id: ", 4) == 0)
                    got = 1;
                line = nl + 1;
            }
            memmove(e->buf, e->buf + blk, e->len - blk);
            e->len -= blk;
            e->buf[e->len] = '\0';
            if (got)
                return 1;
            continue;
        }
        struct pollfd p = {e->fd, POLLIN, 0};
        if (poll(&p, 1, ms) != 1)
            return 0;
        ssize_t r = read(e->fd, e->buf + e->len, sizeof(e->buf) - 1 - e->len);
        if (r <= 0)
            return 0;
        e->len += (size_t)r;
        e->buf[e->len] = '\0';
    }
}

/* Every acknowledged bid is in the stored history with its number, amount
 * and bidder; *total gets the history's length. */
static void check_history(struct it_server *s, int64_t id, const struct acks *a, int *total)
{
    static int64_t seen_amount[MAX_ACKS + 64];
    static char seen_who[MAX_ACKS + 64][16];
    int64_t after = 0, prev_amount = 0, prev_t = 0;
    int n = 0;
    for (;;) {
        char path[128];
        snprintf(path, sizeof path, "/api/auctions/%lld/bids?limit=100&cursor=%lld", (long long)id,
                 (long long)after);
        json_t *j = call(s, NULL, "GET", path, NULL, 200);
        json_t *items = json_object_get(j, "items");
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *b = json_array_get(items, i);
            int64_t seq = jint(b, "seq");
            assert_int_equal(seq, n + 1); /* no gaps */
            assert_true(jint(b, "amount") > prev_amount);
            assert_true(jint(b, "received_ms") >= prev_t);
            prev_amount = jint(b, "amount");
            prev_t = jint(b, "received_ms");
            assert_true(n < MAX_ACKS + 64);
            seen_amount[n] = prev_amount;
            snprintf(seen_who[n], sizeof seen_who[n], "%s", jstr(b, "bidder"));
            n++;
            after = seq;
        }
        bool more = !json_is_null(json_object_get(j, "next_cursor"));
        json_decref(j);
        if (!more)
            break;
    }
    for (int i = 0; i < a->n; i++) {
        assert_true(a->seq[i] >= 1 && a->seq[i] <= n);
        assert_int_equal(seen_amount[a->seq[i] - 1], a->amount[i]);
        assert_string_equal(seen_who[a->seq[i] - 1], a->who[i]);
    }
    *total = n;
}

static void test_concurrent_bids_survive_kill(void **state)
{
    (void)state;
    struct it_server s;
    char t0[32], t1[32], body[512], paddles[3][16], path[96];
    static struct acks acks;
    memset(&acks, 0, sizeof acks);
    pthread_mutex_init(&acks.mu, NULL);
    setenv("SUNBID_ALLOW_TEST_CLOCK", "1", 1);
    snprintf(t0, sizeof t0, "%lld", (long long)T0);
    const char *args[] = {"--test-clock", t0, "--workers", "16", NULL};
    it_server_start(&s, IT_DEMO, args);
    struct it_session agent = token(&s, "agent"), admin = token(&s, "admin");
    struct it_session bs[3] = {token(&s, "bidder1"), token(&s, "bidder2"), token(&s, "bidder3")};
    int64_t start = T0 + 1000, end = T0 + 1000 + 60 * MIN;
    snprintf(body, sizeof body,
             "{\"title\":\"国有产权转让\",\"kind\":\"english\",\"start_price\":1000000,"
             "\"increment\":10000,\"start_ms\":%lld,\"end_ms\":%lld,\"window_ms\":60000}",
             (long long)start, (long long)end);
    int64_t id = create(&s, &agent, body);
    for (int i = 0; i < 3; i++)
        qualify(&s, &agent, &bs[i], id, paddles[i], sizeof paddles[i]);
    set_clock(&s, &admin, start);
    json_decref(wait_state(&s, id, "live"));

    struct sse e;
    snprintf(path, sizeof path, "/api/auctions/%lld/events", (long long)id);
    sse_open(&e, s.port, path);

    pthread_t th[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){&s, bs[i % 3], id, paddles[i % 3], &acks};
        assert_int_equal(pthread_create(&th[i], NULL, bidder_main, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(acks.other, 0);
    assert_true(acks.n > 10);
    int64_t maxseq = 0;
    for (int i = 0; i < acks.n; i++)
        maxseq = acks.seq[i] > maxseq ? acks.seq[i] : maxseq;

    /* the broadcast: every acknowledged bid, in the order of the bids' numbers */
    static char ev[64], data[262144];
    static bool bcast[MAX_ACKS + 64];
    memset(bcast, 0, sizeof bcast);
    int64_t last = 0;
    while (last < maxseq) {
        if (!sse_next(&e, ev, sizeof ev, data, sizeof data, 10000))
            fail_msg("SSE stopped at bid %lld of %lld", (long long)last, (long long)maxseq);
        if (strcmp(ev, "bids") != 0)
            continue;
        json_error_t jerr;
        json_t *j = json_loads(data, 0, &jerr);
        assert_non_null(j);
        json_t *items = json_object_get(j, "bids");
        for (size_t i = 0; i < json_array_size(items); i++) {
            int64_t seq = jint(json_array_get(items, i), "seq");
            assert_true(seq > last);
            assert_true(seq <= MAX_ACKS + 63);
            last = seq;
            bcast[seq] = true;
        }
        json_decref(j);
    }
    close(e.fd);
    for (int i = 0; i < acks.n; i++)
        assert_true(bcast[acks.seq[i]]);

    int total = 0;
    check_history(&s, id, &acks, &total);
    assert_int_equal(total, acks.n); /* nothing accepted without an acknowledgement */

    /* kill -9, down for 30 s of server time, back: nothing acknowledged is lost
     * and the end moved by exactly the outage (the writer's last sign of life
     * was at `start`: the test clock did not move) */
    it_server_kill(&s);
    snprintf(t1, sizeof t1, "%lld", (long long)(start + 30000));
    const char *args2[] = {"--test-clock", t1, "--workers", "16", NULL};
    it_server_restart(&s, args2);
    check_history(&s, id, &acks, &total);
    assert_int_equal(total, acks.n);
    snprintf(path, sizeof path, "/api/auctions/%lld", (long long)id);
    json_t *j = NULL;
    for (int i = 0; i < 200; i++) { /* the new writer takes over */
        j = call(&s, NULL, "GET", path, NULL, 200);
        if (jint(j, "shift_ms") != 0)
            break;
        json_decref(j);
        j = NULL;
        sleep_ms(50);
    }
    assert_non_null(j);
    assert_int_equal(jint(j, "shift_ms"), 30000);
    assert_int_equal(jint(j, "end_ms"), end + 30000);
    assert_int_equal(jint(j, "nbids"), acks.n);
    int64_t price = jint(j, "price");
    const char *leader = jstr(j, "leader");
    int li = strcmp(leader, paddles[0]) == 0 ? 0 : strcmp(leader, paddles[1]) == 0 ? 1 : 2;
    json_decref(j);
    /* and bidding goes on */
    j = bid(&s, &bs[(li + 1) % 3], id, price + 10000, NULL, 201);
    assert_int_equal(jint(j, "seq"), acks.n + 1);
    json_decref(j);
    assert_int_equal(it_server_stop(&s), 0);
    pthread_mutex_destroy(&acks.mu);
}

/* ---- two nodes: the owner dies ---- */

static int holds(struct it_server *s, const struct it_session *admin, const char *lease)
{
    struct it_resp r;
    char pat[96];
    if (it_request_as(s, admin, "GET", "/api/cluster", NULL, &r) != 0)
        return -1;
    snprintf(pat, sizeof pat, "{\"name\":\"%s\",\"held\":true}", lease);
    int held = r.status == 200 && strstr(r.body, pat) != NULL;
    it_resp_free(&r);
    return held;
}

/* Bids on s until one is accepted or refused for a reason other than the
 * takeover (up to 20 s); returns the response. */
static json_t *bid_retry(struct it_server *s, const struct it_session *who, int64_t id,
                         int64_t amount)
{
    for (int i = 0; i < 400; i++) {
        char path[64], body[64];
        struct it_resp r;
        snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)id);
        snprintf(body, sizeof body, "{\"amount\":%lld}", (long long)amount);
        assert_int_equal(it_request_as(s, who, "POST", path, body, &r), 0);
        if (r.status != 503) {
            json_t *j = parse(&r);
            int st = r.status;
            it_resp_free(&r);
            if (st != 201)
                fail_msg("bid: %d %s", st, json_dumps(j, 0));
            return j;
        }
        it_resp_free(&r);
        sleep_ms(50);
    }
    fail_msg("no node took the auction over");
    return NULL;
}

static void test_failover_two_nodes(void **state)
{
    (void)state;
    struct it_server a, b;
    char body[512], p1[16], p2[16], lease[48];
    static struct acks acks;
    if (!it_on_postgres())
        skip();
    memset(&acks, 0, sizeof acks);
    const char *const na[] = {"--node", "node-a", NULL};
    const char *const nb[] = {"--node", "node-b", NULL};
    it_server_start(&a, IT_DEMO, na);
    it_server_start_peer(&b, &a, nb);
    struct it_session agent = token(&a, "agent"), admin = token(&a, "admin");
    struct it_session b1 = token(&a, "bidder1"), b2 = token(&a, "bidder2");
    json_t *j = call(&a, NULL, "GET", "/api/auctions", NULL, 200);
    int64_t now = jint(j, "now_ms");
    json_decref(j);
    int64_t start = now + 5000, end = start + 10 * MIN;
    snprintf(body, sizeof body,
             "{\"title\":\"矿业权出让\",\"kind\":\"english\",\"start_price\":1000000,"
             "\"increment\":10000,\"start_ms\":%lld,\"end_ms\":%lld,\"window_ms\":60000}",
             (long long)start, (long long)end);
    int64_t id = create(&a, &agent, body);
    qualify(&a, &agent, &b1, id, p1, sizeof p1);
    qualify(&a, &agent, &b2, id, p2, sizeof p2);
    snprintf(lease, sizeof lease, "auction.%lld", (long long)id);
    struct it_server *owner = NULL, *other = NULL;
    for (int i = 0; i < 200 && owner == NULL; i++) {
        if (holds(&a, &admin, lease) == 1)
            owner = &a, other = &b;
        else if (holds(&b, &admin, lease) == 1)
            owner = &b, other = &a;
        else
            sleep_ms(50);
    }
    assert_non_null(owner);
    json_decref(wait_state(owner, id, "live"));

    /* bids on the owner; the other node says where they must go */
    int64_t amount = 1000000;
    for (int i = 0; i < 10; i++, amount += 10000) {
        j = bid(owner, i % 2 ? &b2 : &b1, id, amount, NULL, 201);
        acks.seq[acks.n] = jint(j, "seq");
        acks.amount[acks.n] = amount;
        snprintf(acks.who[acks.n], sizeof acks.who[0], "%s", i % 2 ? p2 : p1);
        acks.n++;
        json_decref(j);
    }
    j = bid(other, &b1, id, amount, NULL, 503);
    assert_string_equal(errcode(j), "auction_not_here");
    json_decref(j);

    /* the owner dies; the other takes the lease and the auction over */
    it_server_kill(owner);
    for (int i = 0; i < 5; i++, amount += 10000) {
        j = bid_retry(other, i % 2 ? &b2 : &b1, id, amount);
        acks.seq[acks.n] = jint(j, "seq");
        acks.amount[acks.n] = amount;
        snprintf(acks.who[acks.n], sizeof acks.who[0], "%s", i % 2 ? p2 : p1);
        acks.n++;
        json_decref(j);
    }
    assert_int_equal(holds(other, &admin, lease), 1);
    int total = 0;
    check_history(other, id, &acks, &total);
    assert_int_equal(total, acks.n);
    char path[64];
    snprintf(path, sizeof path, "/api/auctions/%lld", (long long)id);
    j = call(other, NULL, "GET", path, NULL, 200);
    assert_true(jint(j, "shift_ms") > 0); /* the outage moved the end */
    assert_int_equal(jint(j, "end_ms"), end + jint(j, "shift_ms"));
    json_decref(j);
    assert_int_equal(it_server_stop(other), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_over_http),
        cmocka_unit_test(test_other_kinds_over_http),
        cmocka_unit_test(test_concurrent_bids_survive_kill),
        cmocka_unit_test(test_failover_two_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
