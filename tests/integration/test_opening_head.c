/*
 * GET /api/tenders/:id/opening/envelope-head through the real server on a
 * test clock (api/opening_head.c).
 *
 * Three bidders seal with `sunbid seal --suite intl` (bidder1 also to an
 * escrow key, so its head has two recipient blocks) and submit. Before
 * the hall's decrypt phase the route answers 409 opening_wrong_phase;
 * anonymous 401, an agent or a supervisor 403 forbidden, a bad lot_no 422
 * invalid_field, a lot without the caller's bid 403 opening_not_bidder. In phase decrypt each
 * bidder gets exactly its own envelope's bytes up to the end of its
 * recipient blocks (the end found here by walking docs/envelope.md's
 * header independently of the server's reader), octet-stream; after the
 * window's end (the test clock) 409 opening_window_closed. Unit part:
 * api_opening_head_end on cut and altered bytes gives 0.
 */
#include "harness.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/opening_head.h"

#include "tender_fixture.h"
#include "scratch_fixture.h"

/* A raw request (bearer token or none, binary body or none); answer in r. */
static void raw(const struct it_session *who, const char *method, const char *path,
                const void *body, size_t len, struct it_resp *r)
{
    char head[1024], auth[600] = "";
    int fd = it_connect(srv.port);
    assert_true(fd >= 0);
    if (who != NULL)
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", who->token);
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s"
                     "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n",
                     method, path, auth, len);
    assert_int_equal(it_send_all(fd, head, (size_t)n), 0);
    if (len > 0)
        assert_int_equal(it_send_all(fd, body, len), 0);
    assert_int_equal(it_read_response(fd, r, 0), 0);
    close(fd);
}

/* GET the head as who for lot (NULL: no lot_no); wants status and, for
 * an error, the code. */
static void head_refused(const struct it_session *who, int64_t id, const char *lot, int status,
                         const char *code)
{
    char path[160];
    struct it_resp r;
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/envelope-head%s%s", (long long)id,
             lot ? "?lot_no=" : "", lot ? lot : "");
    raw(who, "GET", path, NULL, 0, &r);
    if (r.status != status)
        fail_msg("GET %s: got %d, want %d: %s", path, r.status, status, r.body);
    if (code != NULL) {
        json_t *j = parse(&r);
        assert_string_equal(jstr(j, "error", "code"), code);
        json_decref(j);
    }
    it_resp_free(&r);
}

/* The end of the recipient blocks, walking the format of docs/envelope.md. */
static size_t walk_head(const uint8_t *b, size_t len)
{
    size_t p = 16 + 8;          /* preamble, created */
    for (int i = 0; i < 3; i++) /* tender, lot, org */
        p += 1 + b[p];
    p += 64;                                   /* host and MAC hashes */
    p += 1 + b[p];                             /* tool */
    p += 2 + (((size_t)b[p] << 8) | b[p + 1]); /* certificate */
    int n = b[p++];
    for (int i = 0; i < n; i++)
        p += 35 + (((size_t)b[p + 33] << 8) | b[p + 34]);
    assert_true(p < len);
    return p;
}

static void test_envelope_head(void **state)
{
    static const char *const uscc[3] = {"91350000158143215N", "91350100MA31PQ7K2T",
                                        "91350100735676503W"};
    struct it_session *bidders[3] = {&bidder1, &bidder2, &bidder3};
    char path[200], body[1024], code[64];
    (void)state;
    scratch_make("opening-head");
    int64_t now = (int64_t)time(NULL) * 1000;
    set_clock(now);
    login_all();

    /* a CA, trusted; the bidders' certificates; an escrow key */
    ca_init("Head Test CA");
    char *out;
    int rc;
    size_t len;
    char *pem = slurp(path_in("ca/ca.crt.pem"), &len);
    struct it_resp r;
    raw(&admin, "POST", "/api/trust", pem, len, &r);
    free(pem);
    assert_int_equal(r.status, 201);
    it_resp_free(&r);
    out = NULL;
    rc = it_run(&out, "ca", "issue", "--dir", path_in("ca"), "--usage", "encrypt", "--subject-cn",
                "escrow", "--days", "365", "--out", path_in("escrow"), NULL);
    run_ok("ca issue escrow", rc, out);
    for (int i = 0; i < 3; i++)
        bidder_certs(i + 1, uscc[i], "365", bidders[i], 4 + i);

    /* a tender for two bids */
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市东湖引水工程\",\"region\":\"350100\",\"category\":\"works\","
             "\"min_bids\":3,\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,"
             "\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)now, (long long)(now + 8 * DAY),
             (long long)(now + 15 * DAY), (long long)(now + 22 * DAY));
    json_t *j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    snprintf(code, sizeof code, "%s", jstr(j, "tender", "code"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.pdf", (long long)id);
    json_decref(call(&agent, "POST", path, "%PDF the documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    json_decref(wait_state(id, "bidding"));

    /* before there is a hall */
    head_refused(&bidder1, id, "1", 409, "opening_wrong_phase");

    spit(path_in("form.json"), "{\"price_fen\":100}", strlen("{\"price_fen\":100}"));
    for (int i = 0; i < 3; i++) {
        char key[700], cert[700], rcpt[700], in1[720], env[64];
        snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)id);
        json_decref(call(bidders[i], "POST", path, NULL, 201));
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        snprintf(cert, sizeof cert, "%s/b%ds.crt.pem", dir, i + 1);
        snprintf(rcpt, sizeof rcpt, "%s/b%de.crt.pem", dir, i + 1);
        snprintf(in1, sizeof in1, "%s/form.json:price-list", dir);
        snprintf(env, sizeof env, "b%d.sbe", i + 1);
        out = NULL;
        if (i == 0)
            rc = it_run(&out, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org",
                        uscc[i], "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt,
                        "--escrow", path_in("escrow.crt.pem"), "--out", path_in(env), in1, NULL);
        else
            rc = it_run(&out, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org",
                        uscc[i], "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt,
                        "--out", path_in(env), in1, NULL);
        run_ok("seal", rc, out);
        char *data = slurp(path_in(env), &len);
        snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/bid", (long long)id);
        raw(bidders[i], "PUT", path, data, len, &r);
        free(data);
        if (r.status != 201)
            fail_msg("PUT bid: %d %s", r.status, r.body);
        it_resp_free(&r);
    }

    /* the deadline: the hall in signin */
    set_clock(now + 22 * DAY + 1);
    login_all();
    json_decref(wait_state(id, "opening"));
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/api/tenders/%lld/opening/signin", (long long)id);
        json_decref(call(bidders[i], "POST", path, NULL, 200));
    }
    head_refused(&bidder1, id, "1", 409, "opening_wrong_phase");
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    json_decref(call(&agent, "POST", path, "{\"from\":\"signin\"}", 200));

    /* refusals in phase decrypt */
    head_refused(NULL, id, "1", 401, NULL);
    head_refused(&agent, id, "1", 403, "forbidden");
    head_refused(&supervisor, id, "1", 403, "forbidden");
    head_refused(&bidder1, id, "abc", 422, "invalid_field");
    head_refused(&bidder1, id, "0", 422, "invalid_field");
    head_refused(&bidder1, id, "1x", 422, "invalid_field");
    head_refused(&bidder1, id, "99999999999", 422, "invalid_field");
    head_refused(&bidder1, id, "2", 403, "opening_not_bidder");
    head_refused(&bidder1, 999999, "1", 404, "not_found");

    /* each bidder gets its own head */
    for (int i = 0; i < 3; i++) {
        char env[64];
        snprintf(env, sizeof env, "b%d.sbe", i + 1);
        char *data = slurp(path_in(env), &len);
        size_t want = walk_head((const uint8_t *)data, len);
        assert_int_equal(api_opening_head_end((const uint8_t *)data, len), want);
        snprintf(path, sizeof path, "/api/tenders/%lld/opening/envelope-head%s", (long long)id,
                 i == 0 ? "?lot_no=1" : "");
        raw(bidders[i], "GET", path, NULL, 0, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.headers, "application/octet-stream"));
        assert_int_equal(r.body_len, want);
        assert_memory_equal(r.body, data, want);
        /* bidder1's has the escrow block too: two recipients */
        const uint8_t *hb = (const uint8_t *)r.body;
        size_t p = 16 + 8;
        for (int k = 0; k < 3; k++)
            p += 1 + hb[p];
        p += 64;
        p += 1 + hb[p];
        p += 2 + (((size_t)hb[p] << 8) | hb[p + 1]);
        assert_int_equal(hb[p], i == 0 ? 2 : 1);
        it_resp_free(&r);

        /* the parser refuses cut and altered bytes */
        assert_int_equal(api_opening_head_end((const uint8_t *)data, 15), 0);
        assert_int_equal(api_opening_head_end((const uint8_t *)data, want - 1), 0);
        data[0] ^= 1;
        assert_int_equal(api_opening_head_end((const uint8_t *)data, len), 0);
        data[0] ^= 1;
        data[12] = 0x7f; /* a header length past the end */
        assert_int_equal(api_opening_head_end((const uint8_t *)data, len), 0);
        free(data);
    }

    /* the window's end */
    set_clock(now + 22 * DAY + 1 + 30 * 60000);
    login_all();
    head_refused(&bidder1, id, "1", 409, "opening_window_closed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_head),
    };
    return cmocka_run_group_tests_name("opening_head", tests, setup, teardown);
}
