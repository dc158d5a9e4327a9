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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "base/base64.h"
#include "base/hash.h"
#include "crypto/random.h"
#include "crypto/receipt.h"
#include "store/pg/pg.h"

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

/* 1 when the node lists the lease (wanted or held), 0 when not, -1 on error. */
static int lease_listed(struct it_server *s, const struct it_session *admin, const char *lease)
{
    struct it_resp r;
    char pat[160];
    if (it_request_as(s, admin, "GET", "/api/cluster", NULL, &r) != 0)
        return -1;
    snprintf(pat, sizeof pat, "{\"name\":\"%s\",", lease);
    int listed = r.status != 200 ? -1 : strstr(r.body, pat) != NULL;
    it_resp_free(&r);
    return listed;
}

/* PostgreSQL: how many sessions hold the lease's advisory lock (-1: error). */
static int pg_lease_locks(const struct it_server *s, const char *lease)
{
    char cls[24], key[24];
    int n = -1;
    PGconn *pq = PQconnectdb(s->db_url);
    snprintf(cls, sizeof cls, "%lld", (long long)PG_LOCK_LEASE);
    snprintf(key, sizeof key, "%lld", (long long)(uint32_t)hash_fnv1a32(lease));
    const char *vals[] = {cls, key};
    PGresult *res = PQexecParams(pq,
                                 "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                                 " AND classid = $1::int8::oid AND objid = $2::int8::oid"
                                 " AND granted",
                                 2, NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        n = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    PQfinish(pq);
    return n;
}

/* Waits up to 10 s for the node to give the auction's lease up (and on
 * PostgreSQL for the advisory lock to be released). */
static void wait_lease_dropped(struct it_server *s, const struct it_session *admin, int64_t id)
{
    char lease[48];
    snprintf(lease, sizeof lease, "auction.%lld", (long long)id);
    for (int i = 0; i < 200; i++) {
        int l = lease_listed(s, admin, lease);
        assert_true(l >= 0);
        if (l == 0 && (!it_on_postgres() || pg_lease_locks(s, lease) == 0))
            return;
        sleep_ms(50);
    }
    fail_msg("lease %s never given up", lease);
}

/* Waits up to 20 s for the witness log to hold an event of `type` naming
 * `hash` (auction events are private: admin reads their bytes). */
static void ledger_wait_doc(struct it_server *s, const struct it_session *admin, const char *type,
                            const char *hash)
{
    char want_type[64];
    static char last[1024];
    last[0] = '\0';
    snprintf(want_type, sizeof want_type, "\"type\":\"%s\"", type);
    for (int tries = 0; tries < 100; tries++) {
        struct it_resp r;
        assert_int_equal(it_request_as(s, admin, "GET", "/api/ledger/checkpoint", NULL, &r), 0);
        const char *nl = r.status == 200 ? strchr(r.body, '\n') : NULL;
        long long size = nl ? strtoll(nl + 1, NULL, 10) : 0;
        it_resp_free(&r);
        for (long long start = 0; start < size;) {
            char path[128];
            snprintf(path, sizeof path, "/api/ledger/entries?start=%lld&end=%lld", start, size);
            json_t *j = call(s, admin, "GET", path, NULL, 200);
            json_t *arr = json_object_get(j, "entries");
            size_t n = json_array_size(arr);
            for (size_t i = 0; i < n; i++) {
                const char *eb = jstr(json_array_get(arr, i), "entry");
                static char entry[16384];
                long m = eb ? b64_decode(eb, strlen(eb), entry, sizeof entry - 1, 0) : -1;
                if (m <= 0)
                    continue;
                entry[m] = '\0';
                if (strstr(entry, want_type) != NULL && strstr(entry, hash) != NULL) {
                    json_decref(j);
                    return;
                }
                if (strstr(entry, want_type) != NULL)
                    snprintf(last, sizeof last, "%.900s", entry);
            }
            json_decref(j);
            if (n == 0)
                break;
            start += (long long)n;
        }
        sleep_ms(200);
    }
    fail_msg("no %s event with %s in the witness log (the last: %s)", type, hash, last);
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
    /* both writers run before the clock moves on (a writer that starts
     * later would count the time as an outage and shift the idle one) */
    json_decref(wait_state(&s, idle, "live"));
    snprintf(path, sizeof path, "auction.%lld", (long long)id);
    assert_int_equal(lease_listed(&s, &admin, path), 1); /* its writer's lease */
    if (it_on_postgres())
        assert_int_equal(pg_lease_locks(&s, path), 1); /* the check below can fail */
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
    /* the closed auction's lease is given up (its slot freed) */
    wait_lease_dropped(&s, &admin, id);

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
    /* the witness log's last batch event pins the same history */
    const char *bh = strstr(text, "bids_sha256: ");
    assert_non_null(bh);
    char hist[65];
    snprintf(hist, sizeof hist, "%.64s", bh + 13);
    ledger_wait_doc(&s, &admin, "auction.bids", hist);
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

    /* sealed: a price in the open is refused (test_sealed_envelopes does the rest) */
    j = bid(&s, &b1, sealed, 120000, NULL, 409);
    assert_string_equal(errcode(j), "auction_envelope_required");
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

    /* the ends: sealed without an envelope fails; reverse to the lowest */
    set_clock(&s, &admin, start + 10 * MIN);
    j = wait_state(&s, sealed, "failed");
    assert_string_equal(jstr(j, "reason"), "no_bid");
    json_decref(j);
    j = wait_state(&s, rev, "sold");
    assert_string_equal(jstr(j, "leader"), p1);
    assert_int_equal(jint(j, "price"), 420000);
    json_decref(j);
    (void)s1;
    (void)s2;
    (void)d2;
    (void)p2;
    assert_int_equal(it_server_stop(&s), 0);
}

/* ---- sealed bids in envelopes ---- */

static char dir[512]; /* scratch: CA, certificates, envelopes */

static char *path_in(const char *name)
{
    static char p[8][700];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    assert_non_null(d);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    d[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return d;
}

static void spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void run_ok(const char *what, int rc, char *out)
{
    if (rc != 0)
        fail_msg("%s failed (%d): %s", what, rc, out ? out : "");
    free(out);
}

/* POSTs a file's bytes as the body; the parsed answer (status checked). */
static json_t *post_file(struct it_server *s, const struct it_session *who, const char *path,
                         const char *file, int status)
{
    char head[1024];
    size_t len;
    struct it_resp r;
    char *data = slurp(path_in(file), &len);
    int fd = it_connect(s->port);
    assert_true(fd >= 0);
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/octet-stream\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     path, who->token, len);
    assert_int_equal(it_send_all(fd, head, (size_t)n), 0);
    assert_int_equal(it_send_all(fd, data, len), 0);
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    close(fd);
    free(data);
    if (status >= 0 && r.status != status) /* -1: any */
        fail_msg("POST %s: got %d, want %d: %s", path, r.status, status, r.body);
    json_t *j = parse(&r);
    it_resp_free(&r);
    return j;
}

/* K of an envelope as the bidder's tool releases it (sunbid unseal --release-key). */
static void content_key(const char *env_file, const char *enc_prefix, char hex[65])
{
    char kp[700];
    char *out = NULL;
    snprintf(kp, sizeof kp, "%s/%s.key.pem", dir, enc_prefix);
    int rc = it_run(&out, "unseal", "--release-key", "--key", kp, path_in(env_file), NULL);
    if (rc != 0 || out == NULL || strlen(out) != 65 || out[64] != '\n')
        fail_msg("unseal --release-key %s: exit %d: %s", env_file, rc, out ? out : "");
    memcpy(hex, out, 64);
    hex[64] = '\0';
    free(out);
}

/* Seals {"price_fen": price} for bidder i (1-based) to `tender` into NAME.sbe. */
static void seal_price(int i, const char *uscc, const char *tender, int64_t price, const char *name)
{
    char form[96], fpath[64], key[700], cert[700], rcpt[700], in[720], out_name[64];
    char *out = NULL;
    snprintf(fpath, sizeof fpath, "b%d", i);
    mkdir(path_in(fpath), 0755);
    snprintf(fpath, sizeof fpath, "b%d/opening-form.json", i);
    int n = snprintf(form, sizeof form, "{\"price_fen\":%lld}", (long long)price);
    spit(path_in(fpath), form, (size_t)n);
    snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i);
    snprintf(cert, sizeof cert, "%s/b%ds.crt.pem", dir, i);
    snprintf(rcpt, sizeof rcpt, "%s/b%de.crt.pem", dir, i);
    snprintf(in, sizeof in, "%s/b%d/opening-form.json:price-list", dir, i);
    snprintf(out_name, sizeof out_name, "%s.sbe", name);
    int rc = it_run(&out, "seal", "--suite", "intl", "--tender", tender, "--lot", "1", "--org",
                    uscc, "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt, "--out",
                    path_in(out_name), in, NULL);
    run_ok("seal", rc, out);
}

static void test_sealed_envelopes(void **state)
{
    static const char *const uscc[3] = {"91350000158143215N", "91350100MA31PQ7K2T",
                                        "91350100735676503W"};
    (void)state;
    struct it_server s;
    char t0[32], body[512], path[128], name[64], tender[32], hex[65], p[3][16];
    /* today: the certificates made below are valid from now */
    int64_t now = (int64_t)time(NULL) * 1000;
    setenv("SUNBID_ALLOW_TEST_CLOCK", "1", 1);
    snprintf(t0, sizeof t0, "%lld", (long long)now);
    const char *args[] = {"--test-clock", t0, NULL};
    it_server_start(&s, IT_DEMO, args);
    struct it_session agent = token(&s, "agent"), admin = token(&s, "admin");
    struct it_session bs[3] = {token(&s, "bidder1"), token(&s, "bidder2"), token(&s, "bidder3")};
    const char *tmp = getenv("SUNBID_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/auction-XXXXXX", tmp ? tmp : "/tmp");
    mkdir(tmp ? tmp : "/tmp", 0755);
    assert_non_null(mkdtemp(dir));

    /* a trusted CA; each bidder's signing and encryption certificates */
    char *out = NULL;
    int rc = it_run(&out, "ca", "init", "--dir", path_in("ca"), "--alg", "p256", "--name",
                    "Auction Test CA", NULL);
    run_ok("ca init", rc, out);
    json_decref(post_file(&s, &admin, "/api/trust", "ca/ca.crt.pem", 201));
    for (int i = 0; i < 3; i++) {
        static const char *const usage[2] = {"sign", "encrypt"};
        for (int u = 0; u < 2; u++) {
            snprintf(name, sizeof name, "b%d%c", i + 1, u == 0 ? 's' : 'e');
            out = NULL;
            rc = it_run(&out, "ca", "issue", "--dir", path_in("ca"), "--usage", usage[u],
                        "--subject-cn", "竞买人", "--uscc", uscc[i], "--days", "365", "--out",
                        path_in(name), NULL);
            run_ok("ca issue", rc, out);
        }
        char c1[700], c2[700];
        size_t l1, l2;
        snprintf(c1, sizeof c1, "%s/b%ds.crt.pem", dir, i + 1);
        snprintf(c2, sizeof c2, "%s/b%de.crt.pem", dir, i + 1);
        char *a = slurp(c1, &l1), *b = slurp(c2, &l2);
        json_t *jb = json_pack("{s:s,s:s}", "sign", a, "encrypt", b);
        char *text = json_dumps(jb, JSON_COMPACT);
        snprintf(path, sizeof path, "/api/orgs/%d/certs", 4 + i);
        json_decref(call(&s, &bs[i], "POST", path, text, 201));
        free(text);
        json_decref(jb);
        free(a);
        free(b);
    }

    /* the auction: bidding for 10 minutes, then 5 minutes to release keys */
    int64_t start = now + MIN, end = start + 10 * MIN, rend = end + 5 * MIN;
    snprintf(body, sizeof body,
             "{\"title\":\"股权转让（密封）\",\"kind\":\"sealed\",\"start_price\":1000000,"
             "\"increment\":10000,\"reserve\":1020000,\"start_ms\":%lld,\"end_ms\":%lld,"
             "\"step_ms\":300000}",
             (long long)start, (long long)end);
    int64_t id = create(&s, &agent, body);
    for (int i = 0; i < 3; i++)
        qualify(&s, &agent, &bs[i], id, p[i], sizeof p[i]);
    snprintf(tender, sizeof tender, "auction-%lld", (long long)id);
    /* bidders 1 and 2 seal the same price (a tie: the earlier envelope wins);
     * bidder 3 a price that is not a whole number of increments */
    seal_price(1, uscc[0], tender, 1050000, "e1");
    seal_price(2, uscc[1], tender, 1050000, "e2");
    seal_price(3, uscc[2], tender, 1085000, "e3");
    seal_price(1, uscc[0], "auction-999999", 1050000, "other");

    snprintf(path, sizeof path, "/api/auctions/%lld/envelope", (long long)id);
    json_t *j = post_file(&s, &bs[0], path, "e1.sbe", 409);
    assert_string_equal(errcode(j), "auction_not_started");
    json_decref(j);
    set_clock(&s, &admin, start);
    json_decref(wait_state(&s, id, "live"));
    j = post_file(&s, &bs[0], path, "other.sbe", 422); /* another auction's */
    assert_string_equal(errcode(j), "auction_envelope_invalid");
    json_decref(j);
    j = post_file(&s, &bs[0], path, "e2.sbe", 422); /* signed by someone else */
    assert_string_equal(errcode(j), "auction_envelope_invalid");
    json_decref(j);
    j = post_file(&s, &bs[0], path, "ca/ca.crt.pem", 422); /* not an envelope */
    assert_string_equal(errcode(j), "auction_envelope_invalid");
    json_decref(j);
    j = post_file(&s, &agent, path, "e1.sbe", 403);
    json_decref(j);
    for (int i = 0; i < 3; i++) {
        char sha[65];
        size_t len;
        snprintf(name, sizeof name, "e%d.sbe", i + 1);
        char *bytes = slurp(path_in(name), &len);
        crypto_sha256_hex(bytes, len, sha);
        free(bytes);
        j = post_file(&s, &bs[i], path, name, 201);
        assert_int_equal(jint(j, "seq"), i + 1);
        assert_string_equal(jstr(j, "envelope_sha256"), sha); /* the receipt */
        assert_string_equal(jstr(j, "bidder"), p[i]);
        json_decref(j);
    }
    j = post_file(&s, &bs[0], path, "e1.sbe", 409);
    assert_string_equal(errcode(j), "auction_sealed_once");
    json_decref(j);
    j = bid(&s, &bs[0], id, 1100000, NULL, 409);
    assert_string_equal(errcode(j), "auction_envelope_required");
    json_decref(j);
    snprintf(path, sizeof path, "/api/auctions/%lld/reveal", (long long)id);
    content_key("e1.sbe", "b1e", hex);
    snprintf(body, sizeof body, "{\"key\":\"%s\"}", hex);
    refused(&s, &bs[0], "POST", path, body, 409, "auction_reveal_closed"); /* not yet */
    refused(&s, &bs[0], "POST", path, "{\"key\":\"zz\"}", 422, "invalid_field");

    /* kill -9 and back at the same server time: the envelopes are all there
     * (the clock moves only once the new writer runs: it would count the
     * time as an outage otherwise) */
    it_server_kill(&s);
    const char *args2[] = {"--test-clock", "0", NULL};
    char t1[32];
    snprintf(t1, sizeof t1, "%lld", (long long)start);
    args2[1] = t1;
    it_server_restart(&s, args2);
    snprintf(path, sizeof path, "/api/auctions/%lld", (long long)id);
    j = call(&s, &bs[1], "GET", path, NULL, 200);
    assert_int_equal(jint(j, "nbids"), 3);
    assert_null(json_object_get(j, "price")); /* sealed */
    assert_null(json_object_get(j, "leader"));
    json_decref(j);
    for (int i = 0; i < 200; i++) { /* a price in the open: refused by the writer, not 503 */
        struct it_resp r;
        snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)id);
        assert_int_equal(it_request_as(&s, &bs[0], "POST", path, "{\"amount\":1000000}", &r), 0);
        int st = r.status;
        it_resp_free(&r);
        if (st != 503) {
            assert_int_equal(st, 409);
            break;
        }
        sleep_ms(50);
    }

    /* the end: bidding is over; keys are released in the window */
    set_clock(&s, &admin, end);
    seal_price(3, uscc[2], tender, 1100000, "e3b");
    snprintf(path, sizeof path, "/api/auctions/%lld/envelope", (long long)id);
    j = NULL;
    for (int i = 0; i < 200 && j == NULL; i++) { /* the writer takes over after the restart */
        j = post_file(&s, &bs[2], path, "e3b.sbe", -1);
        if (errcode(j) != NULL && strcmp(errcode(j), "auction_not_here") == 0) {
            json_decref(j);
            j = NULL;
            sleep_ms(50);
        }
    }
    assert_non_null(j);
    assert_string_equal(errcode(j), "auction_ended"); /* too late */
    json_decref(j);
    snprintf(path, sizeof path, "/api/auctions/%lld/reveal", (long long)id);
    /* bidder 2 tries bidder 1's key: it does not open its envelope */
    refused(&s, &bs[1], "POST", path, body, 422, "auction_wrong_key");
    j = call(&s, &bs[0], "POST", path, body, 200);
    assert_string_equal(jstr(j, "outcome"), "valid");
    assert_int_equal(jint(j, "amount"), 1050000);
    assert_false(json_is_true(json_object_get(j, "closed")));
    json_decref(j);
    refused(&s, &bs[0], "POST", path, body, 409, "auction_nothing_to_reveal");
    content_key("e3.sbe", "b3e", hex);
    snprintf(body, sizeof body, "{\"key\":\"%s\"}", hex);
    j = call(&s, &bs[2], "POST", path, body, 200);
    assert_string_equal(jstr(j, "outcome"), "not_multiple");
    json_decref(j);
    content_key("e2.sbe", "b2e", hex);
    snprintf(body, sizeof body, "{\"key\":\"%s\"}", hex);
    j = call(&s, &bs[1], "POST", path, body, 200);
    assert_true(json_is_true(json_object_get(j, "closed"))); /* the last key */
    json_decref(j);

    /* the tie goes to the earlier envelope; the reserve was met */
    j = wait_state(&s, id, "sold");
    assert_string_equal(jstr(j, "leader"), p[0]);
    assert_int_equal(jint(j, "price"), 1050000);
    assert_true(jint(j, "end_ms") < rend);
    json_decref(j);
    snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)id);
    j = call(&s, NULL, "GET", path, NULL, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2); /* the valid prices join the history */
    assert_int_equal(jint(json_array_get(items, 0), "seq"), 1);
    assert_int_equal(jint(json_array_get(items, 1), "seq"), 2);
    assert_int_equal(jint(json_array_get(items, 1), "amount"), 1050000);
    json_decref(j);
    snprintf(path, sizeof path, "/api/auctions/%lld/result", (long long)id);
    j = call(&s, NULL, "GET", path, NULL, 200);
    assert_string_equal(jstr(j, "winner"), p[0]);
    const char *text = jstr(j, "body"), *pem = jstr(j, "public_key");
    assert_non_null(strstr(text, "kind: sealed\n"));
    assert_non_null(strstr(text, "price_fen: 1050000\n"));
    EVP_PKEY *key = receipt_key_parse(pem, strlen(pem));
    assert_non_null(key);
    assert_true(receipt_verify(key, text, strlen(text), jstr(j, "signature")));
    EVP_PKEY_free(key);
    json_decref(j);
    wait_lease_dropped(&s, &admin, id);
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
    /* the new writer's history hash goes on from the stored bids: cancelled,
     * the result's bids_sha256 is in the witness log's last batch event */
    snprintf(path, sizeof path, "/api/auctions/%lld/cancel", (long long)id);
    json_decref(call(&s, &agent, "POST", path, "{\"reason\":\"测试终止\"}", 200));
    snprintf(path, sizeof path, "/api/auctions/%lld/result", (long long)id);
    j = call(&s, NULL, "GET", path, NULL, 200);
    const char *bh = strstr(jstr(j, "body"), "bids_sha256: ");
    assert_non_null(bh);
    char hist[65];
    snprintf(hist, sizeof hist, "%.64s", bh + 13);
    json_decref(j);
    set_clock(&s, &admin, start + 40000); /* the witness log checkpoints by (test) time */
    ledger_wait_doc(&s, &admin, "auction.bids", hist);
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
    /* the client's retry path: the other node's 503 says "not taken, try
     * again" (Retry-After); the same bid, same ref, then goes through on
     * the owner exactly once (docs/auction.md, "Where") */
    struct it_resp r;
    char bpath[64], bbody[96], ra[16];
    snprintf(bpath, sizeof bpath, "/api/auctions/%lld/bids", (long long)id);
    snprintf(bbody, sizeof bbody, "{\"amount\":%lld,\"ref\":\"retry-1\"}", (long long)amount);
    assert_int_equal(it_request_as(other, &b1, "POST", bpath, bbody, &r), 0);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "\"auction_not_here\""));
    assert_non_null(strstr(r.body, owner == &a ? "\"owner\":\"node-a\"" : "\"owner\":\"node-b\""));
    assert_int_equal(it_resp_header(&r, "Retry-After", ra, sizeof ra), 0);
    assert_string_equal(ra, "1");
    it_resp_free(&r);
    j = bid(owner, &b1, id, amount, "retry-1", 201); /* the retry, on the owner */
    acks.seq[acks.n] = jint(j, "seq");
    acks.amount[acks.n] = amount;
    snprintf(acks.who[acks.n], sizeof acks.who[0], "%s", p1);
    acks.n++;
    json_decref(j);
    j = bid(owner, &b1, id, amount + 10000, "retry-1", 409); /* a third try: not twice */
    assert_string_equal(errcode(j), "auction_bid_replayed");
    json_decref(j);
    amount += 10000;

    /* the owner dies; the other takes the lease and the auction over */
    it_server_kill(owner);
    for (int i = 0; i < 5; i++, amount += 10000) { /* b1 leads: b2 first */
        j = bid_retry(other, i % 2 ? &b1 : &b2, id, amount);
        acks.seq[acks.n] = jint(j, "seq");
        acks.amount[acks.n] = amount;
        snprintf(acks.who[acks.n], sizeof acks.who[0], "%s", i % 2 ? p1 : p2);
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
        cmocka_unit_test(test_sealed_envelopes),
        cmocka_unit_test(test_concurrent_bids_survive_kill),
        cmocka_unit_test(test_failover_two_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
