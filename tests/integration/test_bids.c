/*
 * Sealed bids through the real server, on a test clock (serve --test-clock,
 * moved with POST /api/test/clock), with a local test CA (`sunbid ca`):
 *
 *   trusted CAs and CRLs (admin), certificate registration and its
 *   refusals (untrusted, pair mismatch, another organisation's code, wrong
 *   usage, unreadable), submission of envelopes sealed with `sunbid seal`
 *   (gm and intl) streamed to PUT /api/tenders/:id/lots/:lot/bid, the
 *   receipt checked offline with `sunbid verify-receipt`, versions,
 *   withdraw and resubmit, every refusal with its stable code (not sealed,
 *   wrong tender / lot / signer / recipient, damaged, bad signature, not
 *   registered, revoked and expired certificates), Idempotency-Key, 413
 *   over the limit, an acknowledged bid still there after SIGKILL and a
 *   restart, a walk of every route as admin, supervisor, agent, another
 *   bidder and the public that finds no trace of the bid, and finally
 *   uploads after the deadline (also one that began before it) refused.
 * Runs on SQLite and (bids_pg) PostgreSQL.
 */
#include "harness.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"

#define DAY     ((int64_t)24 * 3600 * 1000)
#define USCC_B1 "91350000158143215N" /* bidder1's organisation (4) */
#define USCC_B2 "91350100MA31PQ7K2T" /* bidder2's (5) */
#define USCC_B3 "91350100735676503W" /* bidder3's (6) */

static struct it_server srv;
static struct it_session admin, agent, bidder1, bidder2, bidder3, supervisor;
static char dir[512];  /* scratch: CAs, certificates, envelopes */
static int64_t T0;     /* the test clock's start: now, to the second */
static int64_t now_ms; /* where the test clock is */
static int64_t tender_id;
static char tender_code[64];
static char sha_v1[65]; /* bidder1's first envelope */
static int64_t bid_id_b1;

/* ---- small helpers ---- */

static json_t *parse(const struct it_resp *r)
{
    json_error_t jerr;
    json_t *j = json_loads(r->body, 0, &jerr);
    if (j == NULL)
        fail_msg("not JSON (%d): %s", r->status, r->body);
    return j;
}

static json_t *call(const struct it_session *who, const char *method, const char *path,
                    const char *body, int status)
{
    struct it_resp r;
    assert_int_equal(it_request_as(&srv, who, method, path, body, &r), 0);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    json_t *j = parse(&r);
    it_resp_free(&r);
    return j;
}

static const char *jstr(json_t *obj, const char *k1, const char *k2)
{
    json_t *v = json_object_get(obj, k1);
    if (k2 != NULL)
        v = json_object_get(v, k2);
    return json_string_value(v);
}

static int64_t jint(json_t *obj, const char *k1, const char *k2)
{
    json_t *v = json_object_get(obj, k1);
    if (k2 != NULL)
        v = json_object_get(v, k2);
    if (!json_is_integer(v))
        fail_msg("%s.%s is not an integer", k1, k2 ? k2 : "");
    return (int64_t)json_integer_value(v);
}

static void set_clock(int64_t ms)
{
    char body[64];
    snprintf(body, sizeof body, "{\"now_ms\":%lld}", (long long)ms);
    json_decref(call(&admin, "POST", "/api/test/clock", body, 200));
    now_ms = ms;
}

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

/* A certificate PREFIX.crt.pem (and key) from the CA in cadir. */
static void issue(const char *cadir, const char *usage, const char *cn, const char *uscc,
                  const char *days, const char *prefix)
{
    char *out = NULL;
    int rc = it_run(&out, "ca", "issue", "--dir", path_in(cadir), "--usage", usage, "--subject-cn",
                    cn, "--uscc", uscc, "--days", days, "--out", path_in(prefix), NULL);
    run_ok("ca issue", rc, out);
}

/* Seals one file for (tender, lot) with signer PREFIX s and recipient e. */
static void seal(const char *suite, const char *tender, const char *lot, const char *org,
                 const char *sign_prefix, const char *enc_prefix, const char *file, const char *out)
{
    char key[700], cert[700], rcpt[700], input[720];
    char *o = NULL;
    snprintf(key, sizeof key, "%s/%s.key.pem", dir, sign_prefix);
    snprintf(cert, sizeof cert, "%s/%s.crt.pem", dir, sign_prefix);
    snprintf(rcpt, sizeof rcpt, "%s/%s.crt.pem", dir, enc_prefix);
    snprintf(input, sizeof input, "%s/%s:commercial", dir, file);
    int rc = it_run(&o, "seal", "--suite", suite, "--tender", tender, "--lot", lot, "--org", org,
                    "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt, "--out",
                    path_in(out), input, NULL);
    run_ok("seal", rc, o);
}

/* Sends a raw request with a binary body (Content-Length, or chunked in
 * 64 KiB pieces) and reads the answer. The server may answer and close
 * before the body is all sent (an early refusal): sending then fails and
 * the answer is read all the same. */
static void raw(const struct it_session *who, const char *method, const char *path,
                const void *body, size_t len, const char *extra, bool chunked, struct it_resp *r)
{
    char head[2048];
    int fd = it_connect(srv.port);
    assert_true(fd >= 0);
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%s%s"
                     "Content-Type: application/octet-stream\r\n",
                     method, path, who ? "Authorization: Bearer " : "", who ? who->token : "",
                     who ? "\r\n" : "");
    n += snprintf(head + n, sizeof head - (size_t)n, "%s", extra ? extra : "");
    if (chunked)
        n += snprintf(head + n, sizeof head - (size_t)n, "Transfer-Encoding: chunked\r\n\r\n");
    else
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n\r\n", len);
    bool ok = it_send_all(fd, head, (size_t)n) == 0;
    const char *p = body;
    for (size_t off = 0; ok && off < len;) {
        size_t k = len - off < 65536 ? len - off : 65536;
        if (chunked) {
            char ch[32];
            int cn = snprintf(ch, sizeof ch, "%zx\r\n", k);
            ok = it_send_all(fd, ch, (size_t)cn) == 0;
        }
        ok = ok && it_send_all(fd, p + off, k) == 0;
        if (chunked)
            ok = ok && it_send_all(fd, "\r\n", 2) == 0;
        off += k;
    }
    if (ok && chunked)
        it_send_all(fd, "0\r\n\r\n", 5);
    assert_int_equal(it_read_response(fd, r, 0), 0);
    close(fd);
}

static void bid_path(char *out, size_t cap, int64_t tid, int lot)
{
    snprintf(out, cap, "/api/tenders/%lld/lots/%d/bid", (long long)tid, lot);
}

/* Uploads file `name` as who to lot 1; expects status, returns the JSON. */
static json_t *upload(const struct it_session *who, const char *name, int status)
{
    char path[128];
    size_t len;
    struct it_resp r;
    char *data = slurp(path_in(name), &len);
    bid_path(path, sizeof path, tender_id, 1);
    raw(who, "PUT", path, data, len, NULL, false, &r);
    free(data);
    if (r.status != status)
        fail_msg("upload %s: got %d, want %d: %s", name, r.status, status, r.body);
    json_t *j = parse(&r);
    it_resp_free(&r);
    return j;
}

static void expect_code(json_t *j, const char *code)
{
    const char *got = jstr(j, "error", "code");
    if (got == NULL || strcmp(got, code) != 0)
        fail_msg("want error %s, got %s", code, got ? got : "(none)");
    json_decref(j);
}

/* POST /api/orgs/:org/certs with the PEM files of two prefixes. */
static json_t *register_certs(const struct it_session *who, int64_t org, const char *sign,
                              const char *enc, int status)
{
    char p1[700], p2[700], path[64];
    size_t l1, l2;
    snprintf(p1, sizeof p1, "%s/%s.crt.pem", dir, sign);
    snprintf(p2, sizeof p2, "%s/%s.crt.pem", dir, enc);
    char *a = slurp(p1, &l1), *b = slurp(p2, &l2);
    json_t *body = json_pack("{s:s,s:s}", "sign", a, "encrypt", b);
    char *text = json_dumps(body, JSON_COMPACT);
    snprintf(path, sizeof path, "/api/orgs/%lld/certs", (long long)org);
    json_t *j = call(who, "POST", path, text, status);
    free(text);
    json_decref(body);
    free(a);
    free(b);
    return j;
}

static json_t *trust_add_file(const char *file, int status)
{
    size_t len;
    struct it_resp r;
    char *data = slurp(path_in(file), &len);
    raw(&admin, "POST", "/api/trust", data, len, NULL, false, &r);
    free(data);
    if (r.status != status)
        fail_msg("trust add %s: got %d, want %d: %s", file, r.status, status, r.body);
    json_t *j = parse(&r);
    it_resp_free(&r);
    return j;
}

static void login_all(void)
{
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    assert_int_equal(it_login(&srv, "agent", IT_DEMO_PASSWORD, 1, &agent), 200);
    assert_int_equal(it_login(&srv, "bidder1", IT_DEMO_PASSWORD, 1, &bidder1), 200);
    assert_int_equal(it_login(&srv, "bidder2", IT_DEMO_PASSWORD, 1, &bidder2), 200);
    assert_int_equal(it_login(&srv, "bidder3", IT_DEMO_PASSWORD, 1, &bidder3), 200);
    assert_int_equal(it_login(&srv, "supervisor", IT_DEMO_PASSWORD, 1, &supervisor), 200);
}

static const char **server_args(void)
{
    static char t[32];
    static const char *args[] = {"--test-clock", t, "--bid-max-mb", "1", NULL};
    snprintf(t, sizeof t, "%lld", (long long)now_ms);
    return args;
}

/* A tender in bidding: created, documents, published, bidders registered,
 * the clock at doc_start. */
static void make_tender(void)
{
    char body[1024], path[96];
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市滨江路改造工程\",\"region\":\"350100\",\"category\":\"works\","
             "\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,"
             "\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now_ms, (long long)(now_ms + DAY), (long long)(now_ms + 8 * DAY),
             (long long)(now_ms + 15 * DAY), (long long)(now_ms + 22 * DAY));
    json_t *j = call(&agent, "POST", "/api/tenders", body, 201);
    tender_id = jint(j, "tender", "id");
    snprintf(tender_code, sizeof tender_code, "%s", jstr(j, "tender", "code"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.pdf", (long long)tender_id);
    json_decref(call(&agent, "POST", path, "%PDF the documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)tender_id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)tender_id);
    json_decref(call(&bidder1, "POST", path, NULL, 201));
    json_decref(call(&bidder2, "POST", path, NULL, 201));
    set_clock(now_ms + DAY + 1000);
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)tender_id);
    for (int i = 0; i < 300; i++) {
        j = call(NULL, "GET", path, NULL, 200);
        bool bidding = strcmp(jstr(j, "tender", "state"), "bidding") == 0;
        json_decref(j);
        if (bidding)
            return;
        usleep(50 * 1000);
    }
    fail_msg("the tender never reached bidding");
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/bids-XXXXXX", tmp ? tmp : "/tmp");
    mkdir(tmp ? tmp : "/tmp", 0755);
    assert_non_null(mkdtemp(dir));
    T0 = (int64_t)time(NULL) * 1000;
    now_ms = T0;
    setenv("SUNBID_ALLOW_TEST_CLOCK", "1", 1);
    it_server_start(&srv, IT_DEMO, server_args());
    login_all();

    /* two trusted CAs (SM2, P-256) and one that is not trusted */
    static const char *const cas[3][3] = {{"ca", "sm2", "榕城数字认证测试CA"},
                                          {"cap", "p256", "P-256 Test CA"},
                                          {"rogue", "sm2", "Rogue CA"}};
    for (int i = 0; i < 3; i++) {
        char *out = NULL; /* it_run sets it: call first, then check */
        int rc = it_run(&out, "ca", "init", "--dir", path_in(cas[i][0]), "--alg", cas[i][1],
                        "--name", cas[i][2], NULL);
        run_ok("ca init", rc, out);
    }
    issue("ca", "sign", "海峡建工集团有限公司", USCC_B1, "365", "b1s");
    issue("ca", "encrypt", "海峡建工集团有限公司", USCC_B1, "365", "b1e");
    issue("ca", "sign", "闽江路桥工程有限公司", USCC_B2, "365", "b2s");
    issue("ca", "encrypt", "闽江路桥工程有限公司", USCC_B2, "365", "b2e");
    issue("cap", "sign", "榕城市政建设有限公司", USCC_B3, "365", "b3s");
    issue("cap", "encrypt", "榕城市政建设有限公司", USCC_B3, "365", "b3e");
    issue("rogue", "both", "海峡建工集团有限公司", USCC_B1, "365", "rogue");
    spit(path_in("plain.txt"), "商务标：报价 12,345,678.00 元\n",
         strlen("商务标：报价 12,345,678.00 元\n"));
    char big[70000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7 + 3);
    spit(path_in("tech.bin"), big, sizeof big);
    make_tender();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

/* ---- the tests ---- */

static void test_trust_and_registration(void **state)
{
    char path[700];
    (void)state;
    /* nobody trusted yet: registration refused */
    expect_code(register_certs(&bidder1, 4, "b1s", "b1e", 422), "cert_untrusted_issuer");
    /* only the admin manages the trusted CAs; a leaf is not a CA */
    snprintf(path, sizeof path, "%s/ca/ca.crt.pem", dir);
    json_decref(call(&supervisor, "POST", "/api/trust", "x", 403));
    expect_code(trust_add_file("b1s.crt.pem", 422), "cert_invalid_ca");
    expect_code(trust_add_file("b1s.key.pem", 422), "cert_malformed"); /* a private key: never */
    json_t *j = trust_add_file("ca/ca.crt.pem", 201);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    j = trust_add_file("ca/ca.crt.pem", 200); /* again: nothing new */
    assert_true(
        json_is_true(json_object_get(json_array_get(json_object_get(j, "items"), 0), "existed")));
    json_decref(j);
    json_decref(trust_add_file("cap/ca.crt.pem", 201));
    j = call(NULL, "GET", "/api/trust", NULL, 200); /* public: bidders see which CAs count */
    assert_int_equal(json_array_size(json_object_get(j, "items")), 3); /* and the demo CA */
    json_decref(j);

    /* refusals, each with its code */
    expect_code(register_certs(&bidder1, 5, "b2s", "b2e", 403), "not_owner");
    expect_code(register_certs(&bidder1, 4, "rogue", "rogue", 422), "cert_untrusted_issuer");
    expect_code(register_certs(&bidder1, 4, "b1s", "b2e", 422), "cert_pair_mismatch");
    expect_code(register_certs(&bidder1, 4, "b1e", "b1e", 422), "cert_wrong_usage");
    expect_code(register_certs(&bidder2, 5, "b1s", "b1e", 422), "cert_uscc_mismatch");
    j = call(&bidder1, "POST", "/api/orgs/4/certs", "{\"sign\":\"x\",\"encrypt\":\"y\"}", 422);
    expect_code(j, "cert_malformed");
    /* and the good ones */
    j = register_certs(&bidder1, 4, "b1s", "b1e", 201);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 4); /* + the demo's, replaced */
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "uscc", NULL),
                        USCC_B1);
    json_decref(j);
    json_decref(register_certs(&bidder2, 5, "b2s", "b2e", 201));
    json_decref(register_certs(&bidder3, 6, "b3s", "b3e", 201));
    /* who may read an organisation's certificates */
    json_decref(call(&bidder2, "GET", "/api/orgs/4/certs", NULL, 403));
    json_decref(call(&supervisor, "GET", "/api/orgs/4/certs", NULL, 200));
}

static void test_submit_versions_withdraw(void **state)
{
    char path[128], out[100];
    (void)state;
    seal("gm", tender_code, "1", USCC_B1, "b1s", "b1e", "plain.txt", "v1.sbe");
    json_t *j = upload(&bidder1, "v1.sbe", 201);
    assert_int_equal(jint(j, "bid", "version"), 1);
    assert_string_equal(jstr(j, "bid", "state"), "submitted");
    assert_string_equal(jstr(j, "bid", "suite"), "gm");
    assert_string_equal(jstr(j, "bid", "remote_addr"), "127.0.0.1");
    assert_int_equal(jint(j, "bid", "submitted_ms"), now_ms); /* server time */
    int64_t seq1 = jint(j, "receipt", "seq");
    bid_id_b1 = jint(j, "bid", "id");
    snprintf(sha_v1, sizeof sha_v1, "%s", jstr(j, "bid", "sha256"));
    const char *text = jstr(j, "receipt", "text");
    assert_non_null(strstr(text, "sunbid bid receipt v1\nkind: submit\n"));
    assert_non_null(strstr(text, tender_code));
    assert_non_null(strstr(text, USCC_B1));
    /* the receipt checks offline, against the published key, with the file */
    char *dump = json_dumps(j, 0);
    spit(path_in("r1.json"), dump, strlen(dump));
    free(dump);
    json_decref(j);
    j = call(NULL, "GET", "/api/receipt-keys", NULL, 200);
    const char *pem = jstr(json_array_get(json_object_get(j, "items"), 0), "public_key", NULL);
    spit(path_in("platform.pem"), pem, strlen(pem));
    json_decref(j);
    char *o = NULL;
    int rc = it_run(&o, "verify-receipt", "--key", path_in("platform.pem"), "--envelope",
                    path_in("v1.sbe"), path_in("r1.json"), NULL);
    if (rc != 0)
        fail_msg("verify-receipt: %s", o);
    assert_non_null(strstr(o, "VALID"));
    free(o);
    /* a receipt altered by one character fails */
    size_t rl;
    char *r1 = slurp(path_in("r1.json"), &rl);
    char *v = strstr(r1, "version: 1");
    assert_non_null(v);
    v[9] = '2';
    spit(path_in("r1bad.json"), r1, rl);
    free(r1);
    rc =
        it_run(&o, "verify-receipt", "--key", path_in("platform.pem"), path_in("r1bad.json"), NULL);
    assert_int_equal(rc, 5);
    free(o);
    rc = it_run(&o, "verify-receipt", "--key", path_in("platform.pem"), "--envelope",
                path_in("plain.txt"), path_in("r1.json"), NULL);
    assert_int_equal(rc, 5);
    free(o);

    /* the same bytes again: no new version, the same receipt */
    j = upload(&bidder1, "v1.sbe", 200);
    assert_true(json_is_true(json_object_get(j, "unchanged")));
    assert_int_equal(jint(j, "bid", "version"), 1);
    assert_int_equal(jint(j, "receipt", "seq"), seq1);
    json_decref(j);
    /* a new version supersedes */
    seal("gm", tender_code, "1", USCC_B1, "b1s", "b1e", "tech.bin", "v2.sbe");
    j = upload(&bidder1, "v2.sbe", 201);
    assert_int_equal(jint(j, "bid", "version"), 2);
    assert_true(jint(j, "receipt", "seq") > seq1);
    json_decref(j);
    /* withdraw, with a receipt of its own */
    bid_path(path, sizeof path, tender_id, 1);
    j = call(&bidder1, "DELETE", path, NULL, 200);
    assert_string_equal(jstr(j, "bid", "state"), "withdrawn");
    assert_string_equal(jstr(j, "receipt", "kind"), "withdraw");
    assert_non_null(strstr(jstr(j, "receipt", "text"), "kind: withdraw\n"));
    json_decref(j);
    expect_code(call(&bidder1, "DELETE", path, NULL, 404), "not_found"); /* nothing current */
    /* and resubmit */
    j = upload(&bidder1, "v1.sbe", 201);
    assert_int_equal(jint(j, "bid", "version"), 3);
    json_decref(j);
    /* every version kept and listed, with every receipt */
    snprintf(path, sizeof path, "/api/tenders/%lld/bids", (long long)tender_id);
    j = call(&bidder1, "GET", path, NULL, 200);
    json_t *bids = json_object_get(j, "bids");
    assert_int_equal(json_array_size(bids), 3);
    assert_string_equal(jstr(json_array_get(bids, 0), "state", NULL), "superseded");
    assert_string_equal(jstr(json_array_get(bids, 1), "state", NULL), "withdrawn");
    assert_string_equal(jstr(json_array_get(bids, 2), "state", NULL), "submitted");
    assert_int_equal(json_array_size(json_object_get(j, "receipts")), 4);
    snprintf(out, sizeof out, "%s", jstr(json_array_get(bids, 2), "sha256", NULL));
    assert_string_equal(out, sha_v1);
    json_decref(j);
}

static void test_refusals(void **state)
{
    char path[128];
    struct it_resp r;
    size_t len;
    (void)state;
    /* an unencrypted file */
    expect_code(upload(&bidder1, "plain.txt", 422), "bid_not_sealed");
    /* bound elsewhere */
    seal("gm", "350100-GC-2026-99999", "1", USCC_B1, "b1s", "b1e", "plain.txt", "other.sbe");
    expect_code(upload(&bidder1, "other.sbe", 422), "bid_wrong_tender");
    seal("gm", tender_code, "2", USCC_B1, "b1s", "b1e", "plain.txt", "lot2.sbe");
    expect_code(upload(&bidder1, "lot2.sbe", 422), "bid_wrong_lot");
    bid_path(path, sizeof path, tender_id, 2); /* a lot the tender does not have */
    char *d = slurp(path_in("lot2.sbe"), &len);
    raw(&bidder1, "PUT", path, d, len, NULL, false, &r);
    assert_int_equal(r.status, 404);
    it_resp_free(&r);
    free(d);
    /* signed by a certificate that is not the bidder's */
    seal("gm", tender_code, "1", USCC_B1, "b2s", "b1e", "plain.txt", "signer.sbe");
    expect_code(upload(&bidder1, "signer.sbe", 422), "bid_wrong_signer");
    seal("gm", tender_code, "1", USCC_B2, "b1s", "b1e", "plain.txt", "org.sbe");
    expect_code(upload(&bidder1, "org.sbe", 422), "bid_wrong_bidder");
    /* sealed to someone else's key: the bidder could not open it */
    seal("gm", tender_code, "1", USCC_B1, "b1s", "b2e", "plain.txt", "rcpt.sbe");
    expect_code(upload(&bidder1, "rcpt.sbe", 422), "bid_wrong_recipient");
    /* damaged: cut short, or a byte changed inside */
    d = slurp(path_in("v2.sbe"), &len);
    spit(path_in("cut.sbe"), d, len - 10);
    expect_code(upload(&bidder1, "cut.sbe", 422), "bid_malformed");
    d[len / 2] ^= 0x01;
    spit(path_in("flip.sbe"), d, len);
    expect_code(upload(&bidder1, "flip.sbe", 422), "bid_bad_signature");
    free(d);
    /* not registered for the tender; no certificates; not a bidder */
    seal("intl", tender_code, "1", USCC_B3, "b3s", "b3e", "plain.txt", "b3.sbe");
    expect_code(upload(&bidder3, "b3.sbe", 403), "not_registered");
    expect_code(upload(&agent, "v1.sbe", 403), "forbidden");
    expect_code(upload(NULL, "v1.sbe", 401), "unauthenticated");
    /* nothing of it changed bidder1's current bid */
    snprintf(path, sizeof path, "/api/tenders/%lld/bids", (long long)tender_id);
    json_t *j = call(&bidder1, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "bids")), 3);
    json_decref(j);
}

static void test_intl_suite(void **state)
{
    char path[96];
    (void)state;
    snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)tender_id);
    json_decref(call(&bidder3, "POST", path, NULL, 201));
    json_t *j = upload(&bidder3, "b3.sbe", 201);
    assert_string_equal(jstr(j, "bid", "suite"), "intl");
    json_decref(j);
}

static void test_idempotency_key(void **state)
{
    char path[128];
    struct it_resp r;
    size_t la, lb;
    (void)state;
    seal("gm", tender_code, "1", USCC_B2, "b2s", "b2e", "plain.txt", "b2a.sbe");
    seal("gm", tender_code, "1", USCC_B2, "b2s", "b2e", "tech.bin", "b2b.sbe");
    char *a = slurp(path_in("b2a.sbe"), &la), *b = slurp(path_in("b2b.sbe"), &lb);
    bid_path(path, sizeof path, tender_id, 1);
    raw(&bidder2, "PUT", path, a, la, "Idempotency-Key: bid-b2-1\r\n", false, &r);
    assert_int_equal(r.status, 201);
    char first[4096];
    snprintf(first, sizeof first, "%s", r.body);
    /* bidder1 submitted and withdrew before: bidder2's first receipt is
     * still its number 1, telling it nothing of others' bids */
    json_t *fj = parse(&r);
    assert_int_equal(jint(fj, "receipt", "seq"), 1);
    json_decref(fj);
    it_resp_free(&r);
    /* a retry after a lost answer: the same answer, nothing written */
    raw(&bidder2, "PUT", path, a, la, "Idempotency-Key: bid-b2-1\r\n", true, &r);
    assert_int_equal(r.status, 201);
    char hv[16];
    assert_int_equal(it_resp_header(&r, "Idempotent-Replayed", hv, sizeof hv), 0);
    assert_string_equal(r.body, first);
    it_resp_free(&r);
    /* the key with another body */
    raw(&bidder2, "PUT", path, b, lb, "Idempotency-Key: bid-b2-1\r\n", false, &r);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.body, "idempotency_mismatch"));
    it_resp_free(&r);
    free(a);
    free(b);
    snprintf(path, sizeof path, "/api/tenders/%lld/bids", (long long)tender_id);
    json_t *j = call(&bidder2, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "bids")), 1);
    json_decref(j);
}

static void test_too_large(void **state)
{
    char path[128];
    struct it_resp r;
    (void)state;
    /* serve --bid-max-mb 1: declared too large, refused before the body */
    size_t n = (1u << 20) + 4096;
    char *big = malloc(n);
    assert_non_null(big);
    memcpy(big, "\x89SBE\r\n\x1a\n", 8);
    memset(big + 8, 0, n - 8);
    bid_path(path, sizeof path, tender_id, 1);
    raw(&bidder1, "PUT", path, big, n, NULL, false, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "body_too_large"));
    it_resp_free(&r);
    /* chunked: refused once the bytes pass the limit (or earlier, when the
     * envelope's header is already wrong) */
    raw(&bidder1, "PUT", path, big, n, NULL, true, &r);
    assert_true(r.status == 413 || r.status == 422);
    it_resp_free(&r);
    free(big);
}

static void test_revoked_then_expired(void **state)
{
    char *o = NULL;
    (void)state;
    /* bidder2's signing certificate is revoked: its CRL reaches the platform */
    int rc = it_run(&o, "ca", "revoke", "--dir", path_in("ca"), path_in("b2s.crt.pem"), NULL);
    run_ok("ca revoke", rc, o);
    rc = it_run(&o, "ca", "crl", "--dir", path_in("ca"), "--out", path_in("crl.pem"), NULL);
    run_ok("ca crl", rc, o);
    json_t *j = trust_add_file("crl.pem", 201);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 0), "kind", NULL), "crl");
    json_decref(j);
    expect_code(upload(&bidder2, "b2b.sbe", 422), "cert_revoked");
    /* new certificates valid for one day; two days later they have expired */
    issue("ca", "sign", "闽江路桥工程有限公司", USCC_B2, "1", "b2s1");
    issue("ca", "encrypt", "闽江路桥工程有限公司", USCC_B2, "1", "b2e1");
    json_decref(register_certs(&bidder2, 5, "b2s1", "b2e1", 201));
    seal("gm", tender_code, "1", USCC_B2, "b2s1", "b2e1", "plain.txt", "b2c.sbe");
    expect_code(upload(&bidder2, "b2b.sbe", 422), "bid_wrong_signer"); /* old certificate */
    json_decref(upload(&bidder2, "b2c.sbe", 201));
    set_clock(now_ms + 2 * DAY);
    expect_code(upload(&bidder2, "b2b.sbe", 422), "cert_expired"); /* refused at admission */
}

/* One of several uploads sent at once (test_concurrent_uploads). */
struct conc {
    char *data; /* the envelope */
    size_t len;
    struct it_resp r;
};

static void *conc_upload(void *arg)
{
    struct conc *c = arg;
    char path[128];
    bid_path(path, sizeof path, tender_id, 1);
    raw(&bidder1, "PUT", path, c->data, c->len, NULL, false, &c->r);
    return NULL;
}

/* Uploads that end together share one commit (domain/bids.c, group
 * commit): each is still its own version with its own receipt number, and
 * exactly one stays current. */
static void test_concurrent_uploads(void **state)
{
    enum { N = 6 };
    struct conc c[N];
    pthread_t th[N];
    int64_t version[N], seq[N];
    char name[16], path[96];
    (void)state;
    memset(c, 0, sizeof c);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "c%d.sbe", i);
        seal("gm", tender_code, "1", USCC_B1, "b1s", "b1e", "plain.txt", name);
        c[i].data = slurp(path_in(name), &c[i].len);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&th[i], NULL, conc_upload, &c[i]), 0);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    int64_t top = 0;
    for (int i = 0; i < N; i++) {
        if (c[i].r.status != 201)
            fail_msg("upload %d: got %d: %s", i, c[i].r.status, c[i].r.body);
        json_t *j = parse(&c[i].r);
        version[i] = jint(j, "bid", "version");
        seq[i] = jint(j, "receipt", "seq");
        assert_int_equal(jint(j, "bid", "seq"), seq[i]);
        json_decref(j);
        it_resp_free(&c[i].r);
        free(c[i].data);
        top = version[i] > top ? version[i] : top;
        for (int k = 0; k < i; k++) {
            assert_true(version[k] != version[i]);
            assert_true(seq[k] != seq[i]);
        }
    }
    /* the versions are the last N, the newest the only one submitted */
    snprintf(path, sizeof path, "/api/tenders/%lld/bids", (long long)tender_id);
    json_t *j = call(&bidder1, "GET", path, NULL, 200);
    json_t *bids = json_object_get(j, "bids");
    int current = 0;
    for (size_t i = 0; i < json_array_size(bids); i++) {
        json_t *b = json_array_get(bids, i);
        if (strcmp(jstr(b, "state", NULL), "submitted") == 0) {
            current++;
            assert_int_equal(jint(b, "version", NULL), top);
        }
    }
    assert_int_equal(current, 1);
    for (int i = 0; i < N; i++)
        assert_true(version[i] > top - N);
    json_decref(j);
}

static void test_acknowledged_survives_kill(void **state)
{
    char path[96];
    (void)state;
    seal("gm", tender_code, "1", USCC_B1, "b1s", "b1e", "tech.bin", "v4.sbe");
    json_t *j = upload(&bidder1, "v4.sbe", 201);
    char sha[65];
    snprintf(sha, sizeof sha, "%s", jstr(j, "bid", "sha256"));
    int64_t version = jint(j, "bid", "version");
    json_decref(j);
    it_server_kill(&srv); /* SIGKILL: no drain, no checkpoint */
    it_server_restart(&srv, server_args());
    login_all();
    snprintf(path, sizeof path, "/api/tenders/%lld/bids", (long long)tender_id);
    j = call(&bidder1, "GET", path, NULL, 200);
    json_t *bids = json_object_get(j, "bids");
    json_t *last = json_array_get(bids, json_array_size(bids) - 1);
    assert_int_equal(jint(last, "version", NULL), version);
    assert_string_equal(jstr(last, "sha256", NULL), sha);
    assert_string_equal(jstr(last, "state", NULL), "submitted");
    json_decref(j);
    /* its bytes are a blob (on disk for SQLite) */
    if (!it_on_postgres()) {
        char blob[900];
        struct stat st;
        snprintf(blob, sizeof blob, "%s/blobs/%.2s/%s", srv.data_dir, sha, sha);
        assert_int_equal(stat(blob, &st), 0);
    }
}

/* Does any of the needles occur in s? */
static const char *leak(const char *s, const char *const *needles, int n)
{
    for (int i = 0; i < n; i++)
        if (needles[i] != NULL && needles[i][0] != '\0' && strstr(s, needles[i]) != NULL)
            return needles[i];
    return NULL;
}

static void test_nobody_else_sees_a_bid(void **state)
{
    char path[256], current[65] = "", chain[65] = "", sig[100] = "";
    (void)state;
    /* what would betray bidder1's bid: its hashes and its receipt's signature */
    snprintf(path, sizeof path, "/api/tenders/%lld/bids", (long long)tender_id);
    json_t *j = call(&bidder1, "GET", path, NULL, 200);
    json_t *bids = json_object_get(j, "bids");
    json_t *last = json_array_get(bids, json_array_size(bids) - 1);
    snprintf(current, sizeof current, "%s", jstr(last, "sha256", NULL));
    snprintf(chain, sizeof chain, "%s", jstr(last, "chain", NULL));
    json_t *rcpts = json_object_get(j, "receipts");
    snprintf(sig, sizeof sig, "%s",
             jstr(json_array_get(rcpts, json_array_size(rcpts) - 1), "signature", NULL));
    json_decref(j);
    const char *secrets[] = {current, chain, sig, sha_v1};
    const char *existence[] = {"bid.submit", "bid.withdraw", USCC_B1 "\\nbidder_org_id"};
    struct {
        const struct it_session *who;
        const char *name;
        bool may_see_events; /* admin and supervisor see that events happened (audit) */
    } people[] = {{&admin, "admin", true},
                  {&supervisor, "supervisor", true},
                  {&agent, "agent", false},
                  {&bidder2, "bidder2", false},
                  {NULL, "public", false}};
    int64_t ids[] = {tender_id, bid_id_b1, 1, 4};
    int walked = 0;
    for (size_t p = 0; p < sizeof people / sizeof people[0]; p++) {
        for (size_t r = 0; r < api_nroutes; r++) {
            const struct http_route *rt = &api_routes[r];
            if (rt->method != HTTP_M_GET || strcmp(rt->name, "events") == 0)
                continue;
            for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
                /* every :param becomes the id; :lot 1 */
                size_t o = 0;
                for (const char *c = rt->pattern; *c && o + 24 < sizeof path;) {
                    if (*c == ':') {
                        bool lot = strncmp(c, ":lot", 4) == 0;
                        o += (size_t)snprintf(path + o, sizeof path - o, "%lld",
                                              lot ? 1LL : (long long)ids[k]);
                        while (*c && *c != '/')
                            c++;
                    } else {
                        path[o++] = *c++;
                    }
                }
                path[o] = '\0';
                if (strchr(rt->pattern, ':') == NULL && k > 0)
                    continue;
                /* lists: ask for many at once */
                if (strchr(path, '?') == NULL && strstr(path, "/api/ledger/") == NULL)
                    snprintf(path + o, sizeof path - o, "?limit=100");
                struct it_resp resp;
                assert_int_equal(it_request_as(&srv, people[p].who, "GET", path, NULL, &resp), 0);
                const char *hit = leak(resp.body ? resp.body : "", secrets, 4);
                if (hit == NULL && !people[p].may_see_events)
                    hit = leak(resp.body ? resp.body : "", existence, 3);
                if (hit != NULL)
                    fail_msg("GET %s as %s shows %s: %.300s", path, people[p].name, hit, resp.body);
                if (strcmp(rt->name, "bid.mine") == 0 && people[p].who != &bidder2)
                    assert_true(resp.status == 403 || resp.status == 401);
                it_resp_free(&resp);
                walked++;
            }
        }
        /* the bid routes themselves are for bidders only */
        bid_path(path, sizeof path, tender_id, 1);
        if (people[p].who != &bidder2) {
            struct it_resp resp;
            int want = people[p].who ? 403 : 401;
            raw(people[p].who, "PUT", path, "x", 1, NULL, false, &resp);
            assert_int_equal(resp.status, want);
            it_resp_free(&resp);
            assert_int_equal(it_request_as(&srv, people[p].who, "DELETE", path, NULL, &resp), 0);
            assert_int_equal(resp.status, want);
            it_resp_free(&resp);
        }
    }
    assert_true(walked > 100);
    /* another bidder sees only its own */
    snprintf(path, sizeof path, "/api/tenders/%lld/bids", (long long)tender_id);
    j = call(&bidder2, "GET", path, NULL, 200);
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_null(strstr(dump, current));
    assert_null(strstr(dump, USCC_B1));
    free(dump);
    json_decref(j);
}

static void test_after_deadline(void **state)
{
    char path[128], head[512];
    struct it_resp r;
    size_t len;
    (void)state;
    /* an upload that begins before the deadline and ends after it */
    char *d = slurp(path_in("v2.sbe"), &len);
    int fd = it_connect(srv.port);
    bid_path(path, sizeof path, tender_id, 1);
    int n = snprintf(head, sizeof head,
                     "PUT %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n",
                     path, bidder1.token, len);
    assert_int_equal(it_send_all(fd, head, (size_t)n), 0);
    assert_int_equal(it_send_all(fd, d, len / 2), 0);
    usleep(300 * 1000); /* admitted, and half of it arrived */
    /* the deadline passes meanwhile (22 days after publication) */
    set_clock(T0 + 22 * DAY + 1);
    /* (on a slow machine the admission may come after the clock moved: the
     * server then refuses early and may close before all is sent) */
    (void)it_send_all(fd, d + len / 2, len - len / 2);
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    close(fd);
    if (r.status != 409)
        fail_msg("late upload: %d %s", r.status, r.body);
    assert_non_null(strstr(r.body, "bid_after_deadline"));
    it_resp_free(&r);
    free(d);
    /* after it: nothing is taken, nothing withdrawn */
    expect_code(upload(&bidder1, "v1.sbe", 409), "bid_after_deadline");
    expect_code(call(&bidder1, "DELETE", path, NULL, 409), "bid_after_deadline");
    /* the bidder still sees its own versions; others still nothing */
    snprintf(path, sizeof path, "/api/tenders/%lld/bids", (long long)tender_id);
    json_t *j = call(&bidder1, "GET", path, NULL, 200);
    json_t *bids = json_object_get(j, "bids");
    assert_string_equal(jstr(json_array_get(bids, json_array_size(bids) - 1), "state", NULL),
                        "submitted");
    json_decref(j);
    json_decref(call(&agent, "GET", path, NULL, 403));
    json_decref(call(&supervisor, "GET", path, NULL, 403));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trust_and_registration),
        cmocka_unit_test(test_submit_versions_withdraw),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_intl_suite),
        cmocka_unit_test(test_idempotency_key),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_revoked_then_expired),
        cmocka_unit_test(test_concurrent_uploads),
        cmocka_unit_test(test_acknowledged_survives_kill),
        cmocka_unit_test(test_nobody_else_sees_a_bid),
        cmocka_unit_test(test_after_deadline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
