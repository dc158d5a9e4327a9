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
 * the deadline (test clock) opens the hall; all sign in; the host starts
 * the window; two release their content keys, obtained with the bidder's
 * tool `sunbid unseal --release-key` (one first with a wrong key: 422,
 * retried), the third never does and is revoked when the moved clock
 * ends the window; the read-out shows the sealed values; an objection is
 * raised and answered; two sign; the record is sealed, its hash the same in
 * the answer, the stream, GET record; the tender is in evaluation; every
 * hall event seen on the stream in order. Runs on SQLite and (opening_pg)
 * PostgreSQL.
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

#include "crypto/envelope.h"
#include "domain/opening.h"

#include "tender_fixture.h"

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
    sse_open(&ev, path, 0);

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

static void test_full_flow(void **state)
{
    static const char *const uscc[3] = {"91350000158143215N", "91350100MA31PQ7K2T",
                                        "91350100735676503W"};
    static const char *const forms[3] = {"{\"price_fen\":987654300,\"duration_days\":365}",
                                         "{\"price_fen\":912345600,\"duration_days\":300}",
                                         "{\"price_fen\":955555500,\"duration_days\":330}"};
    struct it_session *bidders[3] = {&bidder1, &bidder2, &bidder3};
    char path[160], body[1024], name[64], needle[64], hex[65], code[64];
    struct sse ev;
    json_t *j;
    (void)state;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/opening-XXXXXX", tmp ? tmp : "/tmp");
    mkdir(tmp ? tmp : "/tmp", 0755);
    assert_non_null(mkdtemp(dir));
    int64_t now = (int64_t)time(NULL) * 1000;
    set_clock(now);
    login_all(); /* the sessions of the first test's clock have expired */

    /* a CA, trusted; each bidder's sign and encrypt certificates */
    char *out = NULL;
    int rc = it_run(&out, "ca", "init", "--dir", path_in("ca"), "--alg", "p256", "--name",
                    "Opening Test CA", NULL);
    run_ok("ca init", rc, out);
    raw_ok(&admin, "POST", "/api/trust", "ca/ca.crt.pem", 201);
    for (int i = 0; i < 3; i++) {
        static const char *const usage[2] = {"sign", "encrypt"};
        for (int u = 0; u < 2; u++) {
            snprintf(name, sizeof name, "b%d%c", i + 1, u == 0 ? 's' : 'e');
            out = NULL;
            rc = it_run(&out, "ca", "issue", "--dir", path_in("ca"), "--usage", usage[u],
                        "--subject-cn", "投标人", "--uscc", uscc[i], "--days", "365", "--out",
                        path_in(name), NULL);
            run_ok("ca issue", rc, out);
        }
        char p1[700], p2[700];
        size_t l1, l2;
        snprintf(p1, sizeof p1, "%s/b%ds.crt.pem", dir, i + 1);
        snprintf(p2, sizeof p2, "%s/b%de.crt.pem", dir, i + 1);
        char *a = slurp(p1, &l1), *b = slurp(p2, &l2);
        json_t *jb = json_pack("{s:s,s:s}", "sign", a, "encrypt", b);
        char *text = json_dumps(jb, JSON_COMPACT);
        snprintf(path, sizeof path, "/api/orgs/%d/certs", 4 + i);
        json_decref(call(bidders[i], "POST", path, text, 201));
        free(text);
        json_decref(jb);
        free(a);
        free(b);
    }

    /* the tender, registration, sealed bids with their opening forms */
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
        char org[32], key[700], cert[700], rcpt[700], in1[720], in2[720];
        snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)id);
        json_decref(call(bidders[i], "POST", path, NULL, 201));
        snprintf(name, sizeof name, "b%d", i + 1);
        mkdir(path_in(name), 0755);
        snprintf(name, sizeof name, "b%d/opening-form.json", i + 1);
        spit(path_in(name), forms[i], strlen(forms[i]));
        snprintf(name, sizeof name, "b%d/tech.txt", i + 1);
        spit(path_in(name), "技术标", strlen("技术标"));
        snprintf(org, sizeof org, "%s", uscc[i]);
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        snprintf(cert, sizeof cert, "%s/b%ds.crt.pem", dir, i + 1);
        snprintf(rcpt, sizeof rcpt, "%s/b%de.crt.pem", dir, i + 1);
        snprintf(in1, sizeof in1, "%s/b%d/opening-form.json:price-list", dir, i + 1);
        snprintf(in2, sizeof in2, "%s/b%d/tech.txt:technical", dir, i + 1);
        snprintf(name, sizeof name, "b%d.sbe", i + 1);
        out = NULL;
        rc = it_run(&out, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org", org,
                    "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt, "--out",
                    path_in(name), in1, in2, NULL);
        run_ok("seal", rc, out);
        snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/bid", (long long)id);
        raw_ok(bidders[i], "PUT", path, name, 201);
    }

    /* the deadline: the hall, followed live */
    set_clock(now + 22 * DAY + 1);
    login_all();
    json_decref(wait_state(id, "opening"));
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/events", (long long)id);
    sse_open(&ev, path, 0);
    snprintf(needle, sizeof needle, "\"tender_id\":%lld", (long long)id);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/api/tenders/%lld/opening/signin", (long long)id);
        json_decref(call(bidders[i], "POST", path, NULL, 200));
    }
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    j = call(&agent, "POST", path, "{\"from\":\"signin\"}", 200);
    assert_int_equal(jint(j, "change.window_end_ms"), now + 22 * DAY + 1 + 30 * 60000);
    json_decref(j);
    sse_wait(&ev, "opening.signin", needle, NULL);
    sse_wait(&ev, "opening.phase", needle, "\"phase\":\"decrypt\"");

    /* bidders 1 and 2 release their keys (bidder 2 first with a wrong one);
     * bidder 3 never does */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/decrypt", (long long)id);
    content_key("b1.sbe", "b1e", hex);
    snprintf(body, sizeof body, "{\"lot_no\":1,\"key\":\"%s\"}", hex);
    j = call(&bidder2, "POST", path, body, 422);
    assert_string_equal(jstr(j, "error", "code"), "opening_wrong_key");
    json_decref(j);
    j = call(&bidder1, "POST", path, body, 200);
    assert_string_equal(jstr(j, "status", NULL), "opened");
    json_decref(j);
    content_key("b2.sbe", "b2e", hex);
    snprintf(body, sizeof body, "{\"lot_no\":1,\"key\":\"%s\"}", hex);
    j = call(&bidder2, "POST", path, body, 200);
    assert_string_equal(jstr(j, "status", NULL), "opened");
    json_decref(j);
    sse_wait(&ev, "opening.decrypt", needle, NULL);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    j = call(&agent, "POST", path, "{\"from\":\"decrypt\"}", 409);
    assert_string_equal(jstr(j, "error", "code"), "opening_window_open");
    json_decref(j);
    set_clock(now + 22 * DAY + 1 + 30 * 60000);
    json_decref(call(&agent, "POST", path, "{\"from\":\"decrypt\"}", 200));
    sse_wait(&ev, "opening.phase", needle, "\"phase\":\"readout\"");

    /* the read-out, public: the values as sealed */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "\"duration_days\":365,\"price_fen\":987654300"));
    assert_non_null(strstr(dump, "\"duration_days\":300,\"price_fen\":912345600"));
    assert_null(strstr(dump, "955555500")); /* bidder 3's never opened */
    assert_non_null(strstr(dump, "not decrypted within the window"));
    free(dump);
    json_decref(j);

    /* objections, answered; signatures; the sealed record */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
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
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/api/tenders/%lld/opening/sign", (long long)id);
        json_decref(call(bidders[i], "POST", path, NULL, 200));
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
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/record", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_string_equal(jstr(j, "record_sha256", NULL), hash);
    dump = json_dumps(json_object_get(j, "record"), JSON_COMPACT);
    assert_non_null(strstr(dump, "解密时间已结束"));
    free(dump);
    json_decref(j);
    j = call(&supervisor, "GET", "/api/audit?limit=100", NULL, 200);
    dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "opening.record"));
    free(dump);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_opening),
        cmocka_unit_test(test_full_flow),
    };
    return cmocka_run_group_tests_name("opening", tests, setup, teardown);
}
