/*
 * The opening hall through the real server on a test clock.
 *
 * test_failed_opening: a tender whose deadline passes with fewer bids than
 * the minimum (here none) opens its hall by itself; the public sees it;
 * sign-in, decrypt and the host's steps are refused with stable codes (not
 * a bidder, too few bids, wrong role, wrong phase, bad key); the host ends
 * the opening as failed (流標), the tender is failed; the change is seen on
 * the tender's SSE topic "opening.<id>" and again after a reconnect with
 * Last-Event-ID.
 *
 * test_full_flow: three bidders with certificates from a test CA
 * (`sunbid ca`) seal their opening forms with `sunbid seal` and submit;
 * the deadline (test clock) opens the hall; 200 viewers follow its stream
 * (raw sockets, poll-driven); all sign in; the host starts the window;
 * bidder 1 releases its key with `sunbid opening decrypt` (after the
 * encryption key of another was refused locally), bidder 2 with the K of
 * `sunbid unseal --release-key` (first a wrong one: 422, retried); bidder
 * 3 never does and is revoked by the scheduler when the moved clock ends
 * the window, before the host moves on; the read-out shows the sealed
 * values; an objection is raised and answered; the draft is shown with
 * draft_sha256; bad signatures (garbage, another organisation's key, a
 * stale draft) are refused with their codes; bidders 1 and 2 sign with
 * `sunbid opening sign`, bidder 3 with a raw r || s signature; the record
 * is sealed, its hash the same in the answer, the stream and GET record,
 * and it verifies with `sunbid opening verify-record` (an altered copy
 * does not); the tender is in evaluation. Every viewer received all 16
 * events once and in order, one of them after a reconnect with
 * Last-Event-ID half-way.
 *
 * test_out_of_order: every later step refused in phase signin with
 * opening_wrong_phase (and 流標 refused with enough bids).
 *
 * test_restart: the server killed with SIGKILL in phase decrypt after one
 * bid opened and restarted on the same data dir: same phase, window end
 * and outcomes, and the next key release works; killed again and
 * restarted after the window's end: the scheduler catches up and revokes
 * the pending bid by itself.
 *
 * All run on SQLite and (opening_pg) PostgreSQL.
 */
#include "harness.h"

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include "base/base64.h"
#include "crypto/envelope.h"
#include "crypto/suite.h"
#include "domain/opening.h"

#include "tender_fixture.h"
#include "scratch_fixture.h"

/* ---- the public event stream ---- */

struct sse {
    int fd;
    char buf[262144];
    size_t len;
};

/* Opens an SSE stream on path (with a Last-Event-ID header when last > 0). */
static void sse_open(struct sse *e, const char *path, long long last)
{
    char req[512], hdr[64] = "";
    e->len = 0;
    e->fd = it_connect(srv.port);
    assert_true(e->fd >= 0);
    if (last > 0)
        snprintf(hdr, sizeof hdr, "Last-Event-ID: %lld\r\n", last);
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: x\r\n%s"
                     "Accept: text/event-stream\r\n\r\n",
                     path, hdr);
    assert_int_equal(it_send_all(e->fd, req, (size_t)n), 0);
}

/* Waits for an event named `event` whose data contains both needles. */
static void sse_wait(struct sse *e, const char *event, const char *n1, const char *n2)
{
    char want[96];
    snprintf(want, sizeof want, "event: %s\n", event);
    for (int spins = 0; spins < 400; spins++) {
        /* complete events in the buffer */
        char *start = e->buf;
        char *end;
        while ((end = strstr(start, "\n\n")) != NULL) {
            *end = '\0';
            bool hit = strstr(start, want) != NULL && strstr(start, n1) != NULL &&
                       (n2 == NULL || strstr(start, n2) != NULL);
            start = end + 2;
            if (hit) {
                size_t rest = e->len - (size_t)(start - e->buf);
                memmove(e->buf, start, rest);
                e->len = rest;
                e->buf[e->len] = '\0';
                return;
            }
        }
        size_t rest = e->len - (size_t)(start - e->buf);
        memmove(e->buf, start, rest);
        e->len = rest;
        e->buf[e->len] = '\0';
        struct pollfd p = {e->fd, POLLIN, 0};
        if (poll(&p, 1, 50) == 1) {
            ssize_t r = read(e->fd, e->buf + e->len, sizeof(e->buf) - 1 - e->len);
            assert_true(r > 0);
            e->len += (size_t)r;
            e->buf[e->len] = '\0';
        }
    }
    fail_msg("no SSE event %s with %s", event, n1);
}

/* ---- the tests ---- */

static void test_failed_opening(void **state)
{
    char path[160], body[1024], needle[64];
    struct sse ev;
    json_t *j;
    (void)state;
    int64_t now = T0;
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市公园照明改造\",\"region\":\"350100\",\"category\":\"works\","
             "\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,"
             "\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)now, (long long)(now + 7 * DAY),
             (long long)(now + 10 * DAY), (long long)(now + 21 * DAY));
    j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.txt", (long long)id);
    json_decref(call(&agent, "POST", path, "documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));

    /* before the deadline there is no hall */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening", (long long)id);
    j = call(NULL, "GET", path, NULL, 409);
    assert_string_equal(jstr(j, "error", "code"), "wrong_state");
    json_decref(j);

    set_clock(now + 21 * DAY + 1);
    json_decref(wait_state(id, "opening"));
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/events", (long long)id);
    sse_open(&ev, path, 1);
    /* nobody acted: the scheduler opened the hall, with no bid */
    snprintf(needle, sizeof needle, "\"tender_id\":%lld", (long long)id);
    sse_wait(&ev, "opening.open", needle, "\"bidders\":0,\"lots\":[]");

    /* the public view */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_string_equal(jstr(j, "phase", NULL), "signin");
    assert_int_equal(jint(j, "min_bids"), 3);
    assert_true(jint(j, "server_ms") >= now + 21 * DAY + 1);
    json_decref(j);

    /* refusals */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/signin", (long long)id);
    j = call(&bidder1, "POST", path, NULL, 403);
    assert_string_equal(jstr(j, "error", "code"), "opening_not_bidder");
    json_decref(j);
    json_decref(call(NULL, "POST", path, NULL, 401));
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    j = call(&agent, "POST", path, "{\"from\":\"signin\"}", 409);
    assert_string_equal(jstr(j, "error", "code"), "opening_too_few_bids");
    json_decref(j);
    j = call(&agent, "POST", path, "{\"from\":\"decrypt\"}", 409);
    assert_string_equal(jstr(j, "error", "code"), "opening_wrong_phase");
    json_decref(j);
    j = call(&agent, "POST", path, "{\"from\":\"nope\"}", 422);
    json_decref(j);
    json_decref(call(&bidder1, "POST", path, NULL, 403));
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/objections", (long long)id);
    j = call(&bidder1, "POST", path, "{\"body\":\"异议\"}", 403);
    assert_string_equal(jstr(j, "error", "code"), "opening_not_bidder");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/decrypt", (long long)id);
    j = call(&bidder1, "POST", path, "{\"key\":\"zz\"}", 422);
    assert_string_equal(jstr(j, "error", "code"), "invalid_field");
    json_decref(j);
    j = call(&bidder1, "POST", path,
             "{\"lot_no\":1,\"key\":"
             "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}",
             409);
    assert_string_equal(jstr(j, "error", "code"), "opening_wrong_phase");
    json_decref(j);
    json_decref(call(&agent, "POST", path, "{\"key\":\"00\"}", 403));
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/record", (long long)id);
    j = call(NULL, "GET", path, NULL, 409);
    assert_string_equal(jstr(j, "error", "code"), "opening_wrong_phase");
    json_decref(j);

    /* 流標 */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/fail", (long long)id);
    j = call(&agent, "POST", path, "{\"reason\":\"投标人不足三家\"}", 200);
    assert_string_equal(jstr(j, "change", "phase"), "failed");
    json_decref(j);
    json_decref(wait_state(id, "failed"));
    snprintf(needle, sizeof needle, "\"tender_id\":%lld", (long long)id);
    sse_wait(&ev, "opening.phase", needle, "\"phase\":\"failed\"");
    close(ev.fd);
    j = call(&agent, "POST", path, NULL, 409);
    assert_string_equal(jstr(j, "error", "code"), "opening_wrong_phase");
    json_decref(j);

    /* a reconnect from before the event replays it */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/events", (long long)id);
    sse_open(&ev, path, 1);
    sse_wait(&ev, "opening.phase", needle, "\"phase\":\"failed\"");
    close(ev.fd);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_string_equal(jstr(j, "phase", NULL), "failed");
    assert_string_equal(jstr(j, "tender_state", NULL), "failed");
    json_decref(j);
    json_decref(call(NULL, "GET", "/api/tenders/999999/opening", NULL, 404));
}

/* ---- the whole flow with sealed bids ---- */

/* A raw request with a binary body; the answer into r. */
static void raw(const struct it_session *who, const char *method, const char *path,
                const void *body, size_t len, struct it_resp *r)
{
    char head[1024];
    int fd = it_connect(srv.port);
    assert_true(fd >= 0);
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/octet-stream\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     method, path, who->token, len);
    assert_int_equal(it_send_all(fd, head, (size_t)n), 0);
    assert_int_equal(it_send_all(fd, body, len), 0);
    assert_int_equal(it_read_response(fd, r, 0), 0);
    close(fd);
}

static void raw_ok(const struct it_session *who, const char *method, const char *path,
                   const char *file, int status)
{
    size_t len;
    struct it_resp r;
    char *data = slurp(path_in(file), &len);
    raw(who, method, path, data, len, &r);
    free(data);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    it_resp_free(&r);
}

/* The content key K of an envelope file as the bidder releases it: the
 * real tool, `sunbid unseal --release-key` with the encryption key
 * (PREFIX.key.pem), which verifies the envelope and prints K as the hex the
 * decrypt endpoint takes. */
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

/* ---- sealed tenders ---- */

static const char *const g_uscc[3] = {"91350000158143215N", "91350100MA31PQ7K2T",
                                      "91350100735676503W"};
static const char *const g_forms[3] = {"{\"price_fen\":987654300,\"duration_days\":365}",
                                       "{\"price_fen\":912345600,\"duration_days\":300}",
                                       "{\"price_fen\":955555500,\"duration_days\":330}"};
static struct it_session *const g_bidders[3] = {&bidder1, &bidder2, &bidder3};
static int64_t g_now; /* the server's test clock as last set */

/* Once: a CA (trusted) and each bidder's sign and encrypt certificates,
 * registered. */
static void pki_once(void)
{
    static bool done;
    if (done)
        return;
    scratch_make("opening");
    ca_init("Opening Test CA");
    raw_ok(&admin, "POST", "/api/trust", "ca/ca.crt.pem", 201);
    for (int i = 0; i < 3; i++)
        bidder_certs(i + 1, g_uscc[i], "3650", g_bidders[i], 4 + i);
    done = true;
}

static void clock_to(int64_t ms)
{
    set_clock(ms);
    g_now = ms;
    login_all(); /* sessions from before a jump of days have expired */
}

/* A tender with one sealed bid of each of the three bidders (envelopes
 * t<id>b<i>.sbe, each with its opening form), its deadline passed: the
 * hall is open. */
static int64_t sealed_tender(void)
{
    char path[160], body[1024], name[64], code[64];
    json_t *j;
    pki_once();
    int64_t now = g_now;
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市滨江路改造工程\",\"region\":\"350100\",\"category\":\"works\","
             "\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,"
             "\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)now, (long long)(now + 8 * DAY),
             (long long)(now + 15 * DAY), (long long)(now + 22 * DAY));
    j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    snprintf(code, sizeof code, "%s", jstr(j, "tender", "code"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.pdf", (long long)id);
    json_decref(call(&agent, "POST", path, "%PDF the documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    json_decref(wait_state(id, "bidding"));
    for (int i = 0; i < 3; i++) {
        char key[700], cert[700], rcpt[700], in1[720], in2[720];
        snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)id);
        json_decref(call(g_bidders[i], "POST", path, NULL, 201));
        snprintf(name, sizeof name, "b%d", i + 1);
        mkdir(path_in(name), 0755);
        snprintf(name, sizeof name, "b%d/opening-form.json", i + 1);
        spit(path_in(name), g_forms[i], strlen(g_forms[i]));
        snprintf(name, sizeof name, "b%d/tech.txt", i + 1);
        spit(path_in(name), "技术标", strlen("技术标"));
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        snprintf(cert, sizeof cert, "%s/b%ds.crt.pem", dir, i + 1);
        snprintf(rcpt, sizeof rcpt, "%s/b%de.crt.pem", dir, i + 1);
        snprintf(in1, sizeof in1, "%s/b%d/opening-form.json:price-list", dir, i + 1);
        snprintf(in2, sizeof in2, "%s/b%d/tech.txt:technical", dir, i + 1);
        snprintf(name, sizeof name, "t%lldb%d.sbe", (long long)id, i + 1);
        char *out = NULL;
        int rc = it_run(&out, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org",
                        g_uscc[i], "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt,
                        "--out", path_in(name), in1, in2, NULL);
        run_ok("seal", rc, out);
        snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/bid", (long long)id);
        raw_ok(g_bidders[i], "PUT", path, name, 201);
    }
    clock_to(now + 22 * DAY + 1);
    json_decref(wait_state(id, "opening"));
    return id;
}

static void step(const struct it_session *who, int64_t id, const char *what, const char *body,
                 int status)
{
    char path[160];
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/%s", (long long)id, what);
    json_decref(call(who, "POST", path, body, status));
}

static json_t *hall(const struct it_session *who, int64_t id)
{
    char path[96];
    snprintf(path, sizeof path, "/api/tenders/%lld/opening", (long long)id);
    return call(who, "GET", path, NULL, 200);
}

/* Bidder i+1 releases K through `sunbid opening decrypt`; its output. */
static int cli_decrypt(int64_t id, int i, const char *enc_prefix, char **out)
{
    char url[64], tender[32], key[700], env[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    snprintf(tender, sizeof tender, "%lld", (long long)id);
    snprintf(key, sizeof key, "%s/%s.key.pem", dir, enc_prefix);
    snprintf(env, sizeof env, "t%lldb%d.sbe", (long long)id, i + 1);
    return it_run(out, "opening", "decrypt", "--server", url, "--tender", tender, "--lot", "1",
                  "--key", key, "--envelope", path_in(env), "--token", g_bidders[i]->token, NULL);
}

/* The same, signing in with --user and --password instead of a token. */
static int cli_decrypt_login(int64_t id, int i, const char *enc_prefix, char **out)
{
    char url[64], tender[32], key[700], env[64], user[32];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    snprintf(tender, sizeof tender, "%lld", (long long)id);
    snprintf(key, sizeof key, "%s/%s.key.pem", dir, enc_prefix);
    snprintf(env, sizeof env, "t%lldb%d.sbe", (long long)id, i + 1);
    snprintf(user, sizeof user, "bidder%d", i + 1);
    return it_run(out, "opening", "decrypt", "--server", url, "--tender", tender, "--key", key,
                  "--envelope", path_in(env), "--user", user, "--password", IT_DEMO_PASSWORD, NULL);
}

/* `sunbid opening sign` as bidder i+1 with the signing key of prefix. */
static int cli_sign(int64_t id, int i, const char *sign_prefix, char **out)
{
    char url[64], tender[32], key[700];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    snprintf(tender, sizeof tender, "%lld", (long long)id);
    snprintf(key, sizeof key, "%s/%s.key.pem", dir, sign_prefix);
    return it_run(out, "opening", "sign", "--server", url, "--tender", tender, "--key", key,
                  "--token", g_bidders[i]->token, NULL);
}

/* ---- many viewers of the hall's stream ---- */

#define VIEWERS 200
#define EV_MAX  48

struct viewer {
    int fd;
    bool head_done; /* the HTTP response head has been read */
    char buf[16384];
    size_t len;
    int n; /* events seen */
    long long ids[EV_MAX];
    char names[EV_MAX][24];
};

static void viewer_open(struct viewer *v, int64_t tender, long long last)
{
    char req[512];
    v->fd = it_connect(srv.port);
    assert_true(v->fd >= 0);
    v->head_done = false;
    v->len = 0;
    int n = snprintf(req, sizeof req,
                     "GET /api/tenders/%lld/opening/events HTTP/1.1\r\nHost: x\r\n"
                     "Last-Event-ID: %lld\r\nAccept: text/event-stream\r\n\r\n",
                     (long long)tender, last);
    assert_int_equal(it_send_all(v->fd, req, (size_t)n), 0);
}

/* Takes the complete events out of v->buf. */
static void viewer_parse(struct viewer *v)
{
    char *start = v->buf, *end;
    if (!v->head_done) {
        end = strstr(start, "\r\n\r\n");
        if (end == NULL)
            return;
        assert_non_null(strstr(v->buf, " 200 "));
        v->head_done = true;
        start = end + 4;
    }
    while ((end = strstr(start, "\n\n")) != NULL) {
        *end = '\0';
        const char *id = strncmp(start, "id: ", 4) == 0 ? start : strstr(start, "\nid: ");
        const char *ev = strstr(start, "event: ");
        if (id != NULL && ev != NULL) {
            assert_true(v->n < EV_MAX);
            v->ids[v->n] = strtoll(id + (id[0] == '\n' ? 5 : 4), NULL, 10);
            size_t k = strcspn(ev + 7, "\n");
            assert_true(k < sizeof v->names[0]);
            memcpy(v->names[v->n], ev + 7, k);
            v->names[v->n][k] = '\0';
            v->n++;
        }
        start = end + 2;
    }
    size_t rest = v->len - (size_t)(start - v->buf);
    memmove(v->buf, start, rest);
    v->len = rest;
    v->buf[v->len] = '\0';
}

/* Reads from every viewer, as the bytes come (poll), until each has seen
 * at least want events. Bounded by rounds of poll, not by a clock. */
static void viewers_pump(struct viewer *vs, int nv, int want)
{
    static struct pollfd p[VIEWERS];
    for (int round = 0; round < 2000; round++) {
        int lacking = 0;
        for (int i = 0; i < nv; i++) {
            p[i].fd = vs[i].fd;
            p[i].events = POLLIN;
            p[i].revents = 0;
            lacking += vs[i].n < want;
        }
        if (lacking == 0)
            return;
        int r = poll(p, (nfds_t)nv, 50);
        assert_true(r >= 0);
        for (int i = 0; i < nv && r > 0; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            struct viewer *v = &vs[i];
            ssize_t got = read(v->fd, v->buf + v->len, sizeof(v->buf) - 1 - v->len);
            if (got <= 0)
                fail_msg("viewer %d: the stream closed after %d events", i, v->n);
            v->len += (size_t)got;
            v->buf[v->len] = '\0';
            viewer_parse(v);
        }
    }
    fail_msg("viewers did not all see %d events", want);
}

/* ---- the tests ---- */

/* The whole flow; 200 viewers follow it from the start, one reconnects
 * half-way with Last-Event-ID; the window's end is applied by the
 * scheduler, not the host; bidders sign with `sunbid opening sign` (one
 * first with another organisation's key) and with a raw r || s signature;
 * a bad signature is refused; the sealed record verifies with `sunbid
 * opening verify-record`, and an altered copy does not. */
static void test_full_flow(void **state)
{
    static struct viewer vs[VIEWERS];
    static const char *const expect[] = {
        "opening.open",      "opening.signin",  "opening.signin", "opening.signin", "opening.phase",
        "opening.decrypt",   "opening.decrypt", "opening.expire", "opening.phase",  "opening.phase",
        "opening.objection", "opening.answer",  "opening.phase",  "opening.sign",   "opening.sign",
        "opening.sign",      "opening.record"};
    const int n_expect = (int)(sizeof expect / sizeof expect[0]);
    char path[160], body[1024], needle[64], hex[65], name[64];
    struct sse ev;
    json_t *j;
    (void)state;
    clock_to((int64_t)time(NULL) * 1000);
    int64_t id = sealed_tender();
    int64_t t_open = g_now;

    /* the viewers: every event of the topic from the start (replayed to a
     * late subscriber, so there is no race with the first steps) */
    for (int i = 0; i < VIEWERS; i++)
        viewer_open(&vs[i], id, 1);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/events", (long long)id);
    sse_open(&ev, path, 1);
    snprintf(needle, sizeof needle, "\"tender_id\":%lld", (long long)id);
    /* the hall opened by itself at the deadline, with its count */
    sse_wait(&ev, "opening.open", needle, "\"lots\":[{\"lot\":1,\"bidders\":3,\"failed\":false}]");
    snprintf(path, sizeof path, "/api/tenders/%lld/opening", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_string_equal(jstr(j, "phase", NULL), "signin");
    assert_int_equal(jint(j, "bidders"), 3);
    json_decref(j);
    for (int i = 0; i < 3; i++)
        step(g_bidders[i], id, "signin", NULL, 200);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    j = call(&agent, "POST", path, "{\"from\":\"signin\"}", 200);
    assert_int_equal(jint(j, "change.window_end_ms"), t_open + 30 * 60000);
    json_decref(j);
    sse_wait(&ev, "opening.signin", needle, NULL);
    sse_wait(&ev, "opening.phase", needle, "\"phase\":\"decrypt\"");

    /* bidder 2 first releases bidder 1's key (wrong: 422, retried);
     * bidder 1 through the CLI; bidder 3 never */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/decrypt", (long long)id);
    snprintf(name, sizeof name, "t%lldb1.sbe", (long long)id);
    content_key(name, "b1e", hex);
    snprintf(body, sizeof body, "{\"lot_no\":1,\"key\":\"%s\"}", hex);
    j = call(&bidder2, "POST", path, body, 422);
    assert_string_equal(jstr(j, "error", "code"), "opening_wrong_key");
    json_decref(j);
    char *out = NULL;
    int rc = cli_decrypt(id, 0, "b2e", &out); /* another's key: the envelope refuses it */
    assert_int_equal(rc, 5);
    free(out);
    out = NULL;
    rc = cli_decrypt(id, 0, "b1e", &out);
    if (rc != 0 || strstr(out, "opened") == NULL)
        fail_msg("opening decrypt: %d: %s", rc, out ? out : "");
    free(out);
    snprintf(name, sizeof name, "t%lldb2.sbe", (long long)id);
    content_key(name, "b2e", hex);
    snprintf(body, sizeof body, "{\"lot_no\":1,\"key\":\"%s\"}", hex);
    j = call(&bidder2, "POST", path, body, 200);
    assert_string_equal(jstr(j, "status", NULL), "opened");
    json_decref(j);
    sse_wait(&ev, "opening.decrypt", needle, NULL);

    /* half-way: viewer 0 drops and comes back with the last id it saw */
    viewers_pump(vs, VIEWERS, 6);
    close(vs[0].fd);
    viewer_open(&vs[0], id, vs[0].ids[vs[0].n - 1]);

    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    j = call(&agent, "POST", path, "{\"from\":\"decrypt\"}", 409);
    assert_string_equal(jstr(j, "error", "code"), "opening_window_open");
    json_decref(j);

    /* the window ends: the scheduler revokes bidder 3, nobody clicks */
    set_clock(t_open + 30 * 60000);
    g_now = t_open + 30 * 60000;
    sse_wait(&ev, "opening.expire", needle, "\"subject\":1");
    j = hall(&agent, id);
    assert_string_equal(jstr(j, "phase", NULL), "decrypt");
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "\"status\":\"revoked\""));
    assert_null(strstr(dump, "\"status\":\"pending\""));
    free(dump);
    json_decref(j);
    json_decref(call(&agent, "POST", path, "{\"from\":\"decrypt\"}", 200));
    sse_wait(&ev, "opening.phase", needle, "\"phase\":\"readout\"");

    /* the read-out, public: the values as sealed */
    j = hall(NULL, id);
    dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "\"duration_days\":365,\"price_fen\":987654300"));
    assert_non_null(strstr(dump, "\"duration_days\":300,\"price_fen\":912345600"));
    assert_null(strstr(dump, "955555500")); /* bidder 3's never opened */
    assert_non_null(strstr(dump, "not decrypted within the window"));
    free(dump);
    json_decref(j);

    /* objections, answered */
    json_decref(call(&agent, "POST", path, "{\"from\":\"readout\"}", 200));
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/objections", (long long)id);
    j = call(&bidder3, "POST", path, "{\"body\":\"我方未能及时解密，请求说明。\"}", 201);
    int64_t oid = jint(j, "id");
    json_decref(j);
    sse_wait(&ev, "opening.objection", needle, NULL);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/objections/%lld/answer", (long long)id,
             (long long)oid);
    json_decref(call(&agent, "POST", path, "{\"answer\":\"解密时间已结束，依规撤销。\"}", 200));
    sse_wait(&ev, "opening.answer", needle, NULL);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    json_decref(call(&agent, "POST", path, "{\"from\":\"objections\"}", 200));

    /* signing: the draft is shown with its hash */
    j = hall(NULL, id);
    assert_string_equal(jstr(j, "phase", NULL), "signing");
    char draft_hash[65];
    snprintf(draft_hash, sizeof draft_hash, "%s", jstr(j, "draft_sha256", NULL));
    assert_int_equal(strlen(draft_hash), 64);
    assert_true(json_is_object(json_object_get(j, "draft")));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/sign", (long long)id);
    j = call(&bidder1, "POST", path, "{\"signature\":\"MAYCAQECAQI=\"}", 422);
    assert_string_equal(jstr(j, "error", "code"), "opening_bad_signature");
    json_decref(j);
    j = call(&bidder1, "POST", path, "{\"signature\":\"***\"}", 422);
    assert_string_equal(jstr(j, "error", "code"), "opening_bad_signature");
    json_decref(j);
    j = call(&bidder1, "POST", path, "{}", 422);
    assert_string_equal(jstr(j, "error", "code"), "missing_field");
    json_decref(j);
    snprintf(body, sizeof body, "{\"signature\":\"MAYCAQECAQI=\",\"draft_sha256\":\"%064d\"}", 0);
    j = call(&bidder1, "POST", path, body, 409);
    assert_string_equal(jstr(j, "error", "code"), "opening_stale_draft");
    json_decref(j);
    j = call(&agent, "POST", path, "{\"signature\":\"MAYCAQECAQI=\"}", 403);
    json_decref(j);
    out = NULL;
    rc = cli_sign(id, 1, "b1s", &out); /* bidder 2 with bidder 1's key */
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "opening_bad_signature"));
    free(out);
    for (int i = 0; i < 2; i++) {
        char pre[16];
        snprintf(pre, sizeof pre, "b%ds", i + 1);
        out = NULL;
        rc = cli_sign(id, i, pre, &out);
        if (rc != 0)
            fail_msg("opening sign: %d: %s", rc, out ? out : "");
        assert_non_null(strstr(out, draft_hash));
        free(out);
    }
    /* bidder 3: raw r || s, as WebCrypto gives it */
    {
        struct seal_error err = {0, ""};
        EVP_PKEY *key = NULL;
        char kp[700], msg[256], b64[128];
        uint8_t sig[SUITE_MAX_SIG], rawsig[64];
        size_t sl = sizeof sig;
        snprintf(kp, sizeof kp, "%s/b3s.key.pem", dir);
        assert_int_equal(suite_load_private_key(kp, &key, &err), SEAL_OK);
        int ml = opening_sign_message(id, draft_hash, msg, sizeof msg);
        assert_int_equal(suite_sign(&suite_intl, key, msg, (size_t)ml, sig, &sl), SEAL_OK);
        const unsigned char *p = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sl);
        assert_non_null(es);
        assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), rawsig, 32), 32);
        assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), rawsig + 32, 32), 32);
        ECDSA_SIG_free(es);
        EVP_PKEY_free(key);
        b64_encode(rawsig, sizeof rawsig, b64);
        snprintf(body, sizeof body, "{\"signature\":\"%s\"}", b64);
        j = call(&bidder3, "POST", path, body, 200);
        assert_string_equal(jstr(j, "change", "event"), "opening.sign");
        json_decref(j);
    }
    sse_wait(&ev, "opening.sign", needle, NULL);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    j = call(&agent, "POST", path, "{\"from\":\"signing\"}", 200);
    char hash[65];
    snprintf(hash, sizeof hash, "%s", jstr(j, "change", "record_hash"));
    json_decref(j);
    sse_wait(&ev, "opening.record", needle, hash);
    close(ev.fd);
    json_decref(wait_state(id, "evaluation"));

    /* the record: same hash everywhere; verifies offline; altered, it does not */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/record", (long long)id);
    struct it_resp r;
    assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = parse(&r);
    assert_string_equal(jstr(j, "record_sha256", NULL), hash);
    assert_string_equal(jstr(json_object_get(j, "record"), "draft_sha256", NULL), draft_hash);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "record"), "signatures")),
                     3);
    dump = json_dumps(json_object_get(j, "record"), JSON_COMPACT);
    assert_non_null(strstr(dump, "解密时间已结束"));
    free(dump);
    json_decref(j);
    spit(path_in("record.json"), r.body, r.body_len);
    out = NULL;
    rc = it_run(&out, "opening", "verify-record", path_in("record.json"), NULL);
    if (rc != 0 || strstr(out, "signatures: 3 valid") == NULL)
        fail_msg("verify-record: %d: %s", rc, out ? out : "");
    free(out);
    char *bad = strstr(r.body, "987654300");
    assert_non_null(bad);
    bad[0] = '1';
    spit(path_in("record-bad.json"), r.body, r.body_len);
    it_resp_free(&r);
    out = NULL;
    rc = it_run(&out, "opening", "verify-record", path_in("record-bad.json"), NULL);
    assert_int_equal(rc, 5);
    assert_non_null(strstr(out, "opening_stale_draft"));
    free(out);
    j = call(&supervisor, "GET", "/api/audit?limit=100", NULL, 200);
    dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "opening.record"));
    free(dump);
    json_decref(j);

    /* every viewer saw every event, once, in order; the one that
     * reconnected missed nothing */
    viewers_pump(vs, VIEWERS, n_expect);
    for (int i = 0; i < VIEWERS; i++) {
        struct viewer *v = &vs[i];
        if (v->n != n_expect)
            fail_msg("viewer %d saw %d events, want %d", i, v->n, n_expect);
        for (int k = 0; k < n_expect; k++) {
            if (strcmp(v->names[k], expect[k]) != 0)
                fail_msg("viewer %d event %d: %s, want %s", i, k, v->names[k], expect[k]);
            if (v->ids[k] != vs[VIEWERS - 1].ids[k] || (k > 0 && v->ids[k] <= v->ids[k - 1]))
                fail_msg("viewer %d event %d: id %lld out of order", i, k, v->ids[k]);
        }
        close(v->fd);
    }
}

/* The server killed (SIGKILL) in phase decrypt after one bid opened:
 * restarted on the same data dir, the hall is in the same phase with the
 * same window end and outcomes, and goes on. Killed again, it restarts
 * after the window's end (as if down across it): its scheduler catches
 * up and revokes the pending bid by itself. */
static void test_restart(void **state)
{
    char t[32], *out = NULL;
    json_t *j;
    (void)state;
    int64_t id = sealed_tender();
    int64_t t_open = g_now;
    for (int i = 0; i < 3; i++)
        step(g_bidders[i], id, "signin", NULL, 200);
    step(&agent, id, "advance", "{\"from\":\"signin\"}", 200);
    int rc = cli_decrypt(id, 0, "b1e", &out);
    if (rc != 0)
        fail_msg("opening decrypt: %d: %s", rc, out ? out : "");
    free(out);
    j = hall(&agent, id);
    char *before = json_dumps(json_object_get(j, "bids"), JSON_COMPACT);
    int64_t window_end = jint(j, "window_end_ms");
    assert_int_equal(window_end, t_open + 30 * 60000);
    json_decref(j);

    it_server_kill(&srv);
    snprintf(t, sizeof t, "%lld", (long long)(g_now + 60000));
    const char *args[] = {"--test-clock", t, NULL};
    it_server_restart(&srv, args);
    g_now += 60000;
    j = hall(&agent, id);
    assert_string_equal(jstr(j, "phase", NULL), "decrypt");
    assert_int_equal(jint(j, "window_end_ms"), window_end);
    char *after = json_dumps(json_object_get(j, "bids"), JSON_COMPACT);
    assert_string_equal(after, before);
    assert_non_null(strstr(after, "\"status\":\"opened\""));
    free(after);
    free(before);
    json_decref(j);
    /* it goes on: bidder 2 opens after the restart (signing in with the CLI;
     * a wrong password first) */
    out = NULL;
    {
        char url[64], tender[32], key[700], env[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
        snprintf(tender, sizeof tender, "%lld", (long long)id);
        snprintf(key, sizeof key, "%s/b2e.key.pem", dir);
        snprintf(env, sizeof env, "t%lldb2.sbe", (long long)id);
        rc = it_run(&out, "opening", "decrypt", "--server", url, "--tender", tender, "--key", key,
                    "--envelope", path_in(env), "--user", "bidder2", "--password", "wrong", NULL);
        assert_int_equal(rc, 3);
        assert_non_null(strstr(out, "bad_credentials"));
        free(out);
        out = NULL;
    }
    rc = cli_decrypt_login(id, 1, "b2e", &out);
    if (rc != 0 || strstr(out, "opened") == NULL)
        fail_msg("opening decrypt after restart: %d: %s", rc, out ? out : "");
    free(out);
    step(&agent, id, "advance", "{\"from\":\"decrypt\"}", 409); /* bidder 3 pending, window open */

    /* down across the window's end: caught up on start, without the host */
    it_server_kill(&srv);
    snprintf(t, sizeof t, "%lld", (long long)(window_end + 5 * 60000));
    it_server_restart(&srv, args);
    g_now = window_end + 5 * 60000;
    bool caught = false;
    for (int i = 0; i < 300 && !caught; i++) {
        j = hall(&agent, id);
        char *d = json_dumps(json_object_get(j, "bids"), JSON_COMPACT);
        caught = strstr(d, "\"status\":\"pending\"") == NULL;
        if (caught) {
            assert_string_equal(jstr(j, "phase", NULL), "decrypt");
            assert_non_null(strstr(d, "\"status\":\"revoked\""));
        }
        free(d);
        json_decref(j);
        if (!caught)
            usleep(50 * 1000);
    }
    assert_true(caught);
    step(&agent, id, "advance", "{\"from\":\"decrypt\"}", 200);
    j = hall(NULL, id);
    assert_string_equal(jstr(j, "phase", NULL), "readout");
    char *ro = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(ro, "not decrypted within the window"));
    assert_non_null(strstr(ro, "\"price_fen\":912345600")); /* opened after the restart */
    free(ro);
    json_decref(j);
    j = call(&supervisor, "GET", "/api/audit?limit=100", NULL, 200);
    char *d = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(d, "opening.expire"));
    free(d);
    json_decref(j);
}

/* Steps out of order through the server, with their codes. */
static void test_out_of_order(void **state)
{
    json_t *j;
    (void)state;
    int64_t id = sealed_tender();
    char path[160];
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/", (long long)id);
    static const struct {
        const char *who, *what, *body;
    } refused[] = {
        {"b", "objections", "{\"body\":\"异议\"}"},
        {"b", "sign", "{\"signature\":\"MAYCAQECAQI=\"}"},
        {"b", "decrypt",
         "{\"lot_no\":1,\"key\":"
         "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}"},
        {"a", "objections/1/answer", "{\"answer\":\"答\"}"},
        {"a", "advance", "{\"from\":\"readout\"}"},
        {"a", "advance", "{\"from\":\"signing\"}"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char p[200];
        snprintf(p, sizeof p, "%s%s", path, refused[i].what);
        j = call(refused[i].who[0] == 'a' ? &agent : &bidder1, "POST", p, refused[i].body, 409);
        assert_string_equal(jstr(j, "error", "code"), "opening_wrong_phase");
        json_decref(j);
    }
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/record", (long long)id);
    j = call(NULL, "GET", path, NULL, 409);
    assert_string_equal(jstr(j, "error", "code"), "opening_wrong_phase");
    json_decref(j);
    step(&agent, id, "fail", NULL, 409); /* enough bids: opening_enough_bids */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_opening),
        cmocka_unit_test(test_full_flow),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_restart),
    };
    return cmocka_run_group_tests_name("opening", tests, setup, teardown);
}
