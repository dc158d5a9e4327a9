/*
 * The evaluation room's live topic (docs/evaluation.md, "Live updates";
 * domain/evaluation_live.h) through the real server, on SQLite and
 * (evaluation_live_pg) PostgreSQL.
 *
 * The sealed opening of the demo works tender (three opened bids) and a
 * committee of expert1 ... expert5 (expert1 elected chair) are written
 * into the server's store, as test_evaluation's fixture does.
 *
 * test_follow_rule: GET /api/events?topic=evaluation.N opens for the
 * members, the supervisor and the tender's agent; it is refused to the
 * anonymous (unauthenticated), to a bidder, an expert outside the
 * committee and the admin (not_committee_member), and for topics that are
 * not canonical or name no visible tender (not_found).
 *
 * test_live_flow: a member and the supervisor follow the room while the
 * agent starts it, the five submit their qualification sheets, the chair
 * advances, the five score (expert5 plants a far-off score), the warned
 * members confirm their warnings, the chair builds the report and two members sign
 * it with the demo keys (a signature by another member's key refused).
 * Each step arrives as its event with the phase, the sheet counts, the
 * open warnings' ids and the signature count; no event ever carries a
 * score, a median or a member's name.
 */
#include "harness.h"

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/base64.h"
#include "crypto/random.h"
#include "domain/evaluation.h"
#include "store/store.h"

#include "tender_fixture.h"
#include "store_fixture.h"

#define NM     5 /* committee members: expert1 ... expert5 */
#define TENDER 1 /* the demo works tender */

static struct it_session ex[7]; /* expert1 ... expert7 */

/* ---- the fixture ---- */

static const char *const forms[3] = {"{\"duration_days\":500,\"price_fen\":4800000000}",
                                     "{\"duration_days\":520,\"price_fen\":4920000000}",
                                     "{\"duration_days\":540,\"price_fen\":4740000000}"};

/* The sealed opening and the committee of expert1 ... expert5. */
static void plant(void)
{
    static const char *const users[3] = {"bidder1", "bidder2", "bidder3"};
    struct store *s = fixture_store();
    int64_t now = (int64_t)time(NULL) * 1000;
    for (int i = 0; i < 3; i++) {
        char blob[65];
        crypto_sha256_hex(forms[i], strlen(forms[i]), blob);
        struct store_param p[] = {SP_I(TENDER), SP_T(users[i]), SP_T(blob), SP_I(now), SP_I(i + 1)};
        fx_exec(s,
                "INSERT INTO bids (tender_id, lot_no, org_id, version, state, blob_hash, size,"
                " suite, chain_hash, signer_fp, submitted_ms, seq) SELECT $1, 1, org_id, 1,"
                " 'submitted', $3, 100, 'intl', $3, $3, $4, $5 FROM users WHERE username = $2",
                p, 5);
        struct store_param q[] = {SP_I(TENDER), SP_T(users[i]), SP_T(forms[i]), SP_I(now)};
        fx_exec(s,
                "INSERT INTO opening_bids (bid_id, tender_id, lot_no, org_id, status, form,"
                " decided_ms) SELECT b.id, b.tender_id, 1, b.org_id, 'opened', $3, $4 FROM bids b"
                " JOIN users u ON u.org_id = b.org_id WHERE b.tender_id = $1 AND u.username = $2",
                q, 4);
    }
    struct store_param h[] = {SP_I(TENDER), SP_I(now)};
    fx_exec(s,
            "INSERT INTO opening_halls (tender_id, phase, bidders, min_bids, record, record_hash,"
            " created_ms, updated_ms) VALUES ($1, 'sealed', 3, 3, '{}',"
            " '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', $2, $2)",
            h, 2);
    struct store_param t[] = {SP_I(TENDER)};
    fx_exec(s, "UPDATE tenders SET state = 'evaluation', next_due_ms = NULL WHERE id = $1", t, 1);
    for (int i = 0; i < NM; i++) {
        char name[24];
        snprintf(name, sizeof name, "expert%d", i + 1);
        struct store_param m[] = {SP_I(TENDER), SP_I(now), SP_T(name)};
        fx_exec(s,
                "INSERT INTO committee_members (tender_id, kind, name, user_id, added_ms)"
                " SELECT $1, 'expert', display_name, id, $2 FROM users WHERE username = $3",
                m, 3);
    }
    fx_exec(s,
            "INSERT INTO committees (tender_id, size, experts, reps, chair_member_id, chair_how,"
            " formed_ms, chair_ms) SELECT $1, 5, 5, 0, min(id), 'elected', $2, $2"
            " FROM committee_members WHERE tender_id = $1",
            h, 2);
    store_close(s);
}

static int setup_live(void **state)
{
    setup(state);
    /* the demo certificates were issued now, not at the fixture's T0: the
     * clock moves to now, and everyone signs in again */
    set_clock((int64_t)time(NULL) * 1000);
    login_all();
    for (int i = 0; i < 7; i++) {
        char name[24];
        snprintf(name, sizeof name, "expert%d", i + 1);
        assert_int_equal(it_login(&srv, name, IT_DEMO_PASSWORD, 1, &ex[i]), 200);
    }
    plant();
    return 0;
}

/* ---- SSE ---- */

struct sse {
    int fd;
    char buf[1 << 17];
    size_t len;
};

static void sse_open(struct sse *e, const struct it_session *who, const char *path)
{
    char req[1024];
    e->len = 0;
    e->buf[0] = '\0';
    e->fd = it_connect(srv.port);
    assert_true(e->fd >= 0);
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                     "Accept: text/event-stream\r\n\r\n",
                     path, who->token);
    assert_int_equal(it_send_all(e->fd, req, (size_t)n), 0);
}

/* Waits (bounded) until the stream holds n1 and n2 in one event after
 * offset *from; *from moves past that event, which is returned. */
static const char *sse_wait(struct sse *e, size_t *from, const char *n1, const char *n2)
{
    for (int spins = 0; spins < 600; spins++) {
        for (const char *at = strstr(e->buf + *from, n1); at != NULL; at = strstr(at + 1, n1)) {
            const char *end = strstr(at, "\n\n"), *crlf = strstr(at, "\r\n\r\n");
            if (end == NULL || (crlf != NULL && crlf < end))
                end = crlf;
            if (end == NULL)
                break;
            const char *m2 = n2 != NULL ? strstr(at, n2) : at;
            if (m2 != NULL && m2 < end) {
                *from = (size_t)(end - e->buf);
                return at;
            }
        }
        struct pollfd p = {e->fd, POLLIN, 0};
        if (poll(&p, 1, 50) == 1) {
            assert_true(e->len + 1 < sizeof e->buf);
            ssize_t r = read(e->fd, e->buf + e->len, sizeof(e->buf) - 1 - e->len);
            assert_true(r > 0);
            e->len += (size_t)r;
            e->buf[e->len] = '\0';
        }
    }
    fail_msg("no SSE event with %s and %s after %zu: ...%s", n1, n2 ? n2 : "-", *from,
             e->buf + (e->len > 1200 ? e->len - 1200 : 0));
    return NULL;
}

/* The data of the event at ev (as sse_wait returned it), parsed. */
static json_t *sse_data(const char *ev)
{
    json_error_t jerr;
    const char *d = strstr(ev, "data: ");
    assert_non_null(d);
    d += 6;
    json_t *j = json_loadb(d, strcspn(d, "\r\n"), 0, &jerr);
    if (j == NULL)
        fail_msg("event data is not JSON: %s", d);
    return j;
}

/* The stream never carried what only the experts may see. */
static void no_secrets(const struct sse *e)
{
    static const char *const bad[] = {"\"score\"", "\"median\"",    "17.37",     "1737",
                                      "\"name\"",  "\"member_id\"", "\"org_id\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strstr(e->buf, bad[i]) != NULL)
            fail_msg("the room's stream carries %s: %s", bad[i], e->buf);
}

/* ---- helpers ---- */

static void refused(const struct it_session *who, const char *path, int status, const char *code)
{
    struct it_resp r;
    if (who != NULL)
        assert_int_equal(it_request_as(&srv, who, "GET", path, NULL, &r), 0);
    else
        assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, &r), 0);
    if (r.status != status || strstr(r.body, code) == NULL)
        fail_msg("GET %s: want %d %s, got %d %s", path, status, code, r.status, r.body);
    it_resp_free(&r);
}

static json_t *ev_post(const struct it_session *who, const char *what, const char *body, int status)
{
    char path[2200]; /* what: up to 2 KiB, as far as GCC -O1 can tell */
    snprintf(path, sizeof path, "/api/tenders/%d/evaluation/%s", TENDER, what);
    return call(who, "POST", path, body, status);
}

static json_t *ev_get(const struct it_session *who)
{
    char path[128];
    snprintf(path, sizeof path, "/api/tenders/%d/evaluation", TENDER);
    return call(who, "GET", path, NULL, 200);
}

/* The signature of msg by the demo key of expertN (1-based), base64 DER. */
static void demo_sign(int n, const char *msg, char *out, size_t outlen)
{
    char path[700];
    snprintf(path, sizeof path, "%s/demo-keys/expert%d/sign.key.pem", srv.data_dir, n);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("no demo key %s", path);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[256];
    size_t sl = sizeof sig;
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &sl, (const unsigned char *)msg, strlen(msg)), 1);
    assert_true(B64_LEN(sl) <= outlen);
    b64_encode(sig, sl, out);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
}

/* ---- the tests ---- */

static void test_follow_rule(void **state)
{
    char path[96];
    struct sse e;
    size_t at;
    (void)state;
    snprintf(path, sizeof path, "/api/events?topic=evaluation.%d", TENDER);
    refused(NULL, path, 401, "unauthenticated");
    refused(&bidder1, path, 403, "not_committee_member");
    refused(&ex[5], path, 403, "not_committee_member"); /* expert6: not on this committee */
    refused(&admin, path, 403, "not_committee_member");
    refused(&ex[0], "/api/events?topic=evaluation.0", 404, "not_found");
    refused(&ex[0], "/api/events?topic=evaluation.01", 404, "not_found");
    refused(&ex[0], "/api/events?topic=evaluation.1x", 404, "not_found");
    refused(&ex[0], "/api/events?topic=evaluation.", 404, "not_found");
    refused(&ex[0], "/api/events?topic=evaluation.-1", 404, "not_found");
    refused(&ex[0], "/api/events?topic=evaluation.1234567890123456", 404, "not_found");
    refused(&supervisor, "/api/events?topic=evaluation.99999", 404, "not_found");
    const struct it_session *ok[] = {&ex[0], &ex[4], &supervisor, &agent};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        sse_open(&e, ok[i], path);
        at = 0;
        sse_wait(&e, &at, "HTTP/1.1 200", "text/event-stream");
        close(e.fd);
    }
}

static const char tpl[] =
    "{\"template\":{\"method\":\"comprehensive\","
    "\"qualification\":[{\"code\":\"Q1\",\"name\":\"资质\"}],"
    "\"items\":["
    "{\"code\":\"T1\",\"name\":\"施工组织设计\",\"kind\":\"subjective\",\"points\":20,\"min\":8},"
    "{\"code\":\"T2\",\"name\":\"质量保证\",\"kind\":\"subjective\",\"points\":10},"
    "{\"code\":\"O1\",\"name\":\"工期\",\"kind\":\"objective\",\"points\":10,"
    "\"field\":\"duration_days\"},"
    "{\"code\":\"P\",\"name\":\"报价\",\"kind\":\"price\",\"points\":60}],"
    "\"price\":{\"formula\":\"low_base\"},\"aggregate\":\"mean\"}}";

static void test_live_flow(void **state)
{
    char path[96], body[2048], need[96], msg[128], sig[512];
    struct sse m, sv;
    size_t am = 0, as = 0;
    json_t *j;
    (void)state;
    snprintf(path, sizeof path, "/api/events?topic=evaluation.%d", TENDER);
    sse_open(&m, &ex[2], path); /* expert3, a member */
    sse_open(&sv, &supervisor, path);
    sse_wait(&m, &am, "HTTP/1.1 200", NULL);
    sse_wait(&sv, &as, "HTTP/1.1 200", NULL);

    json_decref(ev_post(&agent, "start", tpl, 201));
    sse_wait(&m, &am, "event: evaluation.start", "\"phase\":\"qualification\"");
    sse_wait(&sv, &as, "event: evaluation.start", "\"members\":5");

    j = ev_get(&ex[0]);
    json_t *bidders = json_object_get(j, "bidders");
    assert_int_equal(json_array_size(bidders), 3);
    int64_t org[3];
    for (int b = 0; b < 3; b++)
        org[b] = json_integer_value(json_object_get(json_array_get(bidders, (size_t)b), "org_id"));
    json_decref(j);

    for (int i = 0; i < NM; i++) {
        snprintf(body, sizeof body,
                 "{\"submit\":true,\"votes\":[{\"org_id\":%lld,\"criterion\":\"Q1\",\"pass\":true},"
                 "{\"org_id\":%lld,\"criterion\":\"Q1\",\"pass\":true},"
                 "{\"org_id\":%lld,\"criterion\":\"Q1\",\"pass\":true}]}",
                 (long long)org[0], (long long)org[1], (long long)org[2]);
        json_decref(ev_post(&ex[i], "qualification", body, 200));
        snprintf(need, sizeof need, "\"qualification\":%d", i + 1);
        sse_wait(&m, &am, "event: evaluation.qualify", need);
    }
    json_decref(ev_post(&ex[0], "advance", "{\"from\":\"qualification\"}", 200));
    sse_wait(&m, &am, "event: evaluation.advance", "\"phase\":\"scoring\"");
    sse_wait(&sv, &as, "event: evaluation.advance", "\"phase\":\"scoring\"");

    for (int i = 0; i < NM; i++) {
        size_t n = 0;
        n += (size_t)snprintf(body + n, sizeof body - n, "{\"submit\":true,\"scores\":[");
        for (int b = 0; b < 3; b++) {
            double t1 = 15 + i * 0.3 + b * 0.2, t2 = 7 + i * 0.1;
            if (i == 0 && b == 0)
                t1 = 17.37; /* a score nobody else may see before the report */
            if (i == NM - 1 && b == 1)
                t1 = 3; /* below the range, far from the others */
            n += (size_t)snprintf(body + n, sizeof body - n,
                                  "%s{\"org_id\":%lld,\"item\":\"T1\",\"score\":%.2f},"
                                  "{\"org_id\":%lld,\"item\":\"T2\",\"score\":%.2f}",
                                  b ? "," : "", (long long)org[b], t1, (long long)org[b], t2);
        }
        snprintf(body + n, sizeof body - n, "]}");
        json_decref(ev_post(&ex[i], "scores", body, 200));
        snprintf(need, sizeof need, "\"scoring\":%d", i + 1);
        sse_wait(&m, &am, "event: evaluation.score", need);
    }
    /* the open warnings, as the chair sees them all: by id and member */
    j = ev_get(&ex[0]);
    json_t *ws = json_object_get(j, "warnings");
    int64_t wid[32], wmem[32], mid[NM];
    size_t nw = 0;
    for (size_t k = 0; k < json_array_size(ws) && nw < 32; k++) {
        json_t *w = json_array_get(ws, k);
        if (strcmp(json_string_value(json_object_get(w, "status")), "open") == 0) {
            wid[nw] = json_integer_value(json_object_get(w, "id"));
            wmem[nw++] = json_integer_value(json_object_get(w, "member_id"));
        }
    }
    json_decref(j);
    assert_true(nw >= 1);
    for (int i = 0; i < NM; i++) {
        j = ev_get(&ex[i]);
        mid[i] = jint(j, "you");
        json_decref(j);
    }
    /* the supervisor's stream told the warnings by id, as they were after
     * the last sheet */
    size_t back = 0;
    snprintf(need, sizeof need, "\"scoring\":%d", NM);
    json_t *d = sse_data(sse_wait(&sv, &back, "event: evaluation.score", need));
    json_t *open = json_object_get(d, "warnings_open");
    assert_int_equal(json_array_size(open), nw);
    for (size_t k = 0; k < nw; k++) {
        bool seen = false;
        for (size_t x = 0; x < json_array_size(open); x++)
            seen = seen || json_integer_value(json_array_get(open, x)) == wid[k];
        if (!seen)
            fail_msg("warning %lld not in the event's warnings_open", (long long)wid[k]);
    }
    assert_int_equal(json_integer_value(json_object_get(d, "members")), NM);
    json_decref(d);
    /* each warned member keeps its score, with a reason */
    for (size_t k = 0; k < nw; k++) {
        int who = -1;
        for (int i = 0; i < NM; i++)
            if (mid[i] == wmem[k])
                who = i;
        assert_true(who >= 0);
        snprintf(body, sizeof body, "warnings/%lld/confirm", (long long)wid[k]);
        json_decref(
            ev_post(&ex[who], body, "{\"reason\":\"评分依据施工组织设计的关键工序\"}", 200));
        sse_wait(&m, &am, "event: evaluation.confirm", k + 1 == nw ? "\"warnings_open\":[]" : NULL);
    }

    /* the report, and signatures */
    json_decref(ev_post(&ex[0], "advance", "{\"from\":\"scoring\"}", 200));
    sse_wait(&m, &am, "event: evaluation.advance", "\"phase\":\"signing\"");
    j = ev_get(&ex[0]);
    evaluation_sign_message(json_string_value(json_object_get(j, "report_sha256")), msg);
    json_decref(j);
    demo_sign(2, msg, sig, sizeof sig); /* expert2's key, sent by expert1 */
    snprintf(body, sizeof body, "{\"signature\":\"%s\"}", sig);
    j = ev_post(&ex[0], "sign", body, 422);
    assert_string_equal(jstr(j, "error", "code"), "user_signature_invalid");
    json_decref(j);
    for (int i = 0; i < 2; i++) {
        demo_sign(i + 1, msg, sig, sizeof sig);
        snprintf(body, sizeof body, "{\"signature\":\"%s\"}", sig);
        json_decref(ev_post(&ex[i], "sign", body, 200));
        snprintf(need, sizeof need, "\"signatures\":%d", i + 1);
        sse_wait(&m, &am, "event: evaluation.sign", need);
        sse_wait(&sv, &as, "event: evaluation.sign", need);
    }
    no_secrets(&m);
    no_secrets(&sv);
    close(m.fd);
    close(sv.fd);
}

int main(void)
{
    (void)wait_state; /* tender_fixture.h's, not needed here */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follow_rule),
        cmocka_unit_test(test_live_flow),
    };
    return cmocka_run_group_tests(tests, setup_live, teardown);
}
