/*
 * Before the deadline nobody but its bidder learns a bid's content or that
 * it exists (docs/bids.md, "Who sees what before the deadline"), through
 * the real demo server, with bidder1's demo keys and the demo tender in
 * bidding. Checks that test_bids' route walk cannot make:
 *
 * test_walk_differs_only_where_documented: every GET route of the route
 * table, as admin, supervisor, agent, another bidder (bidder2) and the
 * public, is read twice before the bid (to learn which answers move by
 * themselves: clocks, sessions) and once after it. An answer that was
 * stable and changed is a leak of the bid's existence or of a count —
 * except the documented oversight channels: the witness log (its tree
 * grows for everyone: a timing signal, docs/ledger.md) and, for admin and
 * supervisor, the audit trail and the supervisor's relationship graph of
 * the tender (who bid, never what). No answer holds the envelope's hashes or the
 * receipt's signature. /api/ledger/entries over the range that holds the
 * bid's leaf gives only index, leaf hash and "public": false to the public,
 * the agent and bidder2 (the admin's answer holds the bytes: the range is
 * the right one). Event streams opened before the submission — public
 * (anonymous and bidder2), audit (admin, supervisor), supervision
 * (supervisor) — carry nothing about it (the audit stream is shown live by
 * an org.create afterwards).
 *
 * test_opening_and_escrow_writes_refused: every write route of the opening
 * hall and the escrow key, as admin, supervisor and agent, on the tender in
 * bidding and on the demo's escrow tender, is refused (never 2xx, never
 * 500); a well-formed Shamir share from an officer is escrow_not_opening;
 * the sealed share itself is escrow_not_opening too.
 *
 * test_untrusted_at_submission: with the demo CA removed from the trusted
 * ones (DELETE /api/trust/:id), bidder1's next upload is refused
 * cert_untrusted_issuer (its certificate no longer chains).
 *
 * Runs on SQLite and (bid_secrecy_pg) PostgreSQL.
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

#include "api/api.h"
#include "base/base64.h"
#include "crypto/shamir.h"

#define USCC_B1 "91350000158143215N" /* bidder1's organisation (4) */
#define ORG_B1  4

static struct it_server srv;
static struct it_session admin, supervisor, agent, bidder1, bidder2;
static int64_t tid, esc_tid; /* the demo tender in bidding, the escrow one */
static char code[64];

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static json_t *call(const struct it_session *who, const char *method, const char *path,
                    const char *body, int status)
{
    struct it_resp r;
    json_error_t jerr;
    assert_int_equal(it_request_as(&srv, who, method, path, body, &r), 0);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    json_t *j = json_loads(r.body, 0, &jerr);
    if (j == NULL)
        j = json_object();
    it_resp_free(&r);
    return j;
}

static const char *key_path(const char *user, const char *name)
{
    static char p[4][800];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/demo-keys/%s/%s", srv.data_dir, user, name);
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

/* Seals a bid for the tender in bidding with bidder1's demo keys into out. */
static void seal_b1(const char *out, const char *text)
{
    char input[900], *o = NULL;
    snprintf(input, sizeof input, "%s/plain.txt", srv.data_dir);
    FILE *f = fopen(input, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    snprintf(input + strlen(input), sizeof input - strlen(input), ":commercial");
    int rc = it_run(&o, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org", USCC_B1,
                    "--sign-key", key_path("bidder1", "sign.key.pem"), "--sign-cert",
                    key_path("bidder1", "sign.crt.pem"), "--recipient",
                    key_path("bidder1", "encrypt.crt.pem"), "--out", out, input, NULL);
    if (rc != 0)
        fail_msg("seal failed (%d): %s", rc, o ? o : "");
    free(o);
}

static void put_bid(const char *file, struct it_resp *r)
{
    char head[1024];
    size_t len;
    char *data = slurp(file, &len);
    int fd = it_connect(srv.port);
    assert_true(fd >= 0);
    int n = snprintf(head, sizeof head,
                     "PUT /api/tenders/%lld/lots/1/bid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/octet-stream\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     (long long)tid, bidder1.token, len);
    assert_int_equal(it_send_all(fd, head, (size_t)n), 0);
    assert_int_equal(it_send_all(fd, data, len), 0);
    assert_int_equal(it_read_response(fd, r, 0), 0);
    close(fd);
    free(data);
}

/* The first tender in state whose title holds needle (NULL: any). */
static int64_t find_tender(const char *state, const char *needle, char *code_out, size_t codelen)
{
    char path[96];
    snprintf(path, sizeof path, "/api/tenders?state=%s&limit=100", state);
    for (int tries = 0; tries < 300; tries++) {
        json_t *list = call(NULL, "GET", path, NULL, 200);
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(list, "items"), i, t)
        {
            const char *title = json_string_value(json_object_get(t, "title"));
            if (needle != NULL && (title == NULL || strstr(title, needle) == NULL))
                continue;
            int64_t id = (int64_t)json_integer_value(json_object_get(t, "id"));
            const char *c = json_string_value(json_object_get(t, "code"));
            if (code_out != NULL)
                snprintf(code_out, codelen, "%s", c != NULL ? c : "");
            json_decref(list);
            return id;
        }
        json_decref(list);
        pause_ms(50);
    }
    return 0;
}

static int setup(void **state)
{
    (void)state;
    it_server_start(&srv, IT_DEMO, NULL);
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    assert_int_equal(it_login(&srv, "supervisor", IT_DEMO_PASSWORD, 1, &supervisor), 200);
    assert_int_equal(it_login(&srv, "agent", IT_DEMO_PASSWORD, 1, &agent), 200);
    assert_int_equal(it_login(&srv, "bidder1", IT_DEMO_PASSWORD, 1, &bidder1), 200);
    assert_int_equal(it_login(&srv, "bidder2", IT_DEMO_PASSWORD, 1, &bidder2), 200);
    /* the goods tender: the hall demo tender's deadline is minutes away */
    tid = find_tender("bidding", "多媒体设备采购", code, sizeof code);
    if (tid == 0 || code[0] == '\0')
        fail_msg("no demo tender in bidding");
    esc_tid = find_tender("published", "托管", NULL, 0);
    if (esc_tid == 0)
        fail_msg("no demo escrow tender");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

/* ---- the walk ---- */

struct person {
    const struct it_session *who;
    const char *name;
    bool oversight; /* admin, supervisor: the audit trail is theirs */
};

static const struct person people[] = {{&admin, "admin", true},
                                       {&supervisor, "supervisor", true},
                                       {&agent, "agent", false},
                                       {&bidder2, "bidder2", false},
                                       {NULL, "public", false}};
#define NPEOPLE (sizeof people / sizeof people[0])
#define NIDS    2

static bool volatile_key(const char *k)
{
    size_t n = strlen(k);
    static const char *const names[] = {"now",      "request_id", "csrf_token", "token",
                                        "time_utc", "uptime_s",   "expires",    "last_seen"};
    if (n > 3 && strcmp(k + n - 3, "_ms") == 0)
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(k, names[i]) == 0)
            return true;
    return false;
}

static void scrub(json_t *j)
{
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(j, tmp, k, v)
        {
            if (volatile_key(k))
                json_object_del(j, k);
            else
                scrub(v);
        }
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            scrub(v);
        }
    }
}

/* "STATUS body" with volatile JSON fields removed (heap). */
static char *normal(const struct it_resp *r)
{
    json_error_t jerr;
    json_t *j = r->body != NULL ? json_loads(r->body, 0, &jerr) : NULL;
    char *body = NULL;
    if (j != NULL) {
        scrub(j);
        body = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        json_decref(j);
    }
    const char *b = body != NULL ? body : (r->body != NULL ? r->body : "");
    size_t n = strlen(b) + 16;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%d %s", r->status, b);
    free(body);
    return out;
}

static void route_path(const char *pattern, int64_t id, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *c = pattern; *c && o + 24 < outlen;) {
        if (*c == ':') {
            bool lot = strncmp(c, ":lot", 4) == 0;
            o += (size_t)snprintf(out + o, outlen - o, "%lld", lot ? 1LL : (long long)id);
            while (*c && *c != '/')
                c++;
        } else {
            out[o++] = *c++;
        }
    }
    out[o] = '\0';
    if (strstr(out, "/api/ledger/") == NULL && o + 12 < outlen)
        snprintf(out + o, outlen - o, "?limit=100");
}

static bool walked_route(const struct http_route *rt)
{
    return rt->method == HTTP_M_GET && strcmp(rt->name, "events") != 0 &&
           strcmp(rt->name, "health") != 0;
}

/* Every answer of the walk into snap[(p * api_nroutes + r) * NIDS + k]. */
static void walk(char **snap)
{
    const int64_t ids[NIDS] = {tid, ORG_B1};
    char path[256];
    for (size_t p = 0; p < NPEOPLE; p++)
        for (size_t r = 0; r < api_nroutes; r++) {
            const struct http_route *rt = &api_routes[r];
            if (!walked_route(rt))
                continue;
            for (size_t k = 0; k < NIDS; k++) {
                if (strchr(rt->pattern, ':') == NULL && k > 0)
                    continue;
                struct it_resp resp;
                route_path(rt->pattern, ids[k], path, sizeof path);
                assert_int_equal(it_request_as(&srv, people[p].who, "GET", path, NULL, &resp), 0);
                snap[(p * api_nroutes + r) * NIDS + k] = normal(&resp);
                it_resp_free(&resp);
            }
        }
}

/* An SSE stream as who on topic; returns the socket after the 200 head. */
static int sse_open(const struct it_session *who, const char *topic)
{
    char head[512];
    int fd = it_connect(srv.port);
    assert_true(fd >= 0);
    int n = snprintf(head, sizeof head,
                     "GET /api/events?topic=%s HTTP/1.1\r\nHost: x\r\n%s%s%s\r\n", topic,
                     who ? "Authorization: Bearer " : "", who ? who->token : "", who ? "\r\n" : "");
    assert_int_equal(it_send_all(fd, head, (size_t)n), 0);
    return fd;
}

/* Appends what arrives on fd within ms to acc (bounded). */
static void sse_drain(int fd, char *acc, size_t cap, int ms)
{
    size_t len = strlen(acc);
    for (int waited = 0; waited < ms;) {
        struct pollfd pf = {fd, POLLIN, 0};
        int rc = poll(&pf, 1, 50);
        waited += 50;
        if (rc <= 0)
            continue;
        if (len + 1 >= cap)
            return;
        ssize_t got = read(fd, acc + len, cap - len - 1);
        if (got <= 0)
            return;
        len += (size_t)got;
        acc[len] = '\0';
    }
}

static int64_t checkpoint_size(void)
{
    struct it_resp r;
    assert_int_equal(it_request(&srv, "GET", "/api/ledger/checkpoint", NULL, NULL, &r), 0);
    int64_t size = 0;
    if (r.status == 200) {
        const char *nl = strchr(r.body, '\n');
        if (nl != NULL)
            size = strtoll(nl + 1, NULL, 10);
    }
    it_resp_free(&r);
    return size;
}

static const char *leak(const char *body, const char *const *needles, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (needles[i] != NULL && needles[i][0] != '\0' && strstr(body, needles[i]) != NULL)
            return needles[i];
    return NULL;
}

static void test_walk_differs_only_where_documented(void **state)
{
    (void)state;
    size_t nsnap = NPEOPLE * api_nroutes * NIDS;
    char **a1 = calloc(nsnap, sizeof *a1), **a2 = calloc(nsnap, sizeof *a2),
         **b = calloc(nsnap, sizeof *b);
    assert_true(a1 && a2 && b);
    static const struct {
        int person;
        const char *topic;
    } streams[] = {{4, "public"}, {3, "public"}, {0, "audit"}, {1, "audit"}, {1, "supervision"}};
    enum { NSTREAMS = sizeof streams / sizeof streams[0] };
    int fds[NSTREAMS];
    static char seen[NSTREAMS][65536];

    walk(a1);
    walk(a2);
    for (int i = 0; i < NSTREAMS; i++) {
        fds[i] = sse_open(people[streams[i].person].who, streams[i].topic);
        seen[i][0] = '\0';
        sse_drain(fds[i], seen[i], sizeof seen[i], 100);
        if (strncmp(seen[i], "HTTP/1.1 200", 12) != 0)
            fail_msg("events %s as %s: %.200s", streams[i].topic, people[streams[i].person].name,
                     seen[i]);
    }
    int64_t size0 = checkpoint_size();

    /* the bid */
    char env[700];
    struct it_resp r;
    snprintf(env, sizeof env, "%s/secret.sbe", srv.data_dir);
    seal_b1(env, "投标报价：1,234,567.00 元\n");
    put_bid(env, &r);
    if (r.status != 201)
        fail_msg("submit: %d %s", r.status, r.body);
    json_error_t jerr;
    json_t *j = json_loads(r.body, 0, &jerr);
    assert_non_null(j);
    char sha[65], chain[65], sig[200], seqs[48];
    json_t *bid = json_object_get(j, "bid"), *rc = json_object_get(j, "receipt");
    snprintf(sha, sizeof sha, "%s", json_string_value(json_object_get(bid, "sha256")));
    snprintf(chain, sizeof chain, "%s", json_string_value(json_object_get(bid, "chain")));
    snprintf(sig, sizeof sig, "%s", json_string_value(json_object_get(rc, "signature")));
    snprintf(seqs, sizeof seqs, "seq: %lld",
             (long long)json_integer_value(json_object_get(rc, "seq")));
    assert_int_equal(strlen(sha), 64);
    json_decref(j);
    it_resp_free(&r);
    const char *const secrets[] = {sha, chain, sig, seqs, USCC_B1 "\\nbidder_org_id"};

    /* the log signs a checkpoint over the bid's leaf */
    int64_t size1 = size0;
    for (int i = 0; i < 400 && size1 <= size0; i++) {
        pause_ms(50);
        size1 = checkpoint_size();
    }
    assert_true(size1 > size0);

    /* streams: nothing about the bid; the audit stream is live */
    for (int i = 0; i < NSTREAMS; i++)
        sse_drain(fds[i], seen[i], sizeof seen[i], 300);
    for (int i = 0; i < NSTREAMS; i++) {
        const char *hit = leak(seen[i], secrets, 5);
        if (hit == NULL && strstr(seen[i], "bid.") != NULL)
            hit = "bid.";
        if (hit == NULL && strstr(seen[i], "\"org_id\":4") != NULL)
            hit = "org_id 4";
        if (hit != NULL)
            fail_msg("events %s as %s carry %s: %.400s", streams[i].topic,
                     people[streams[i].person].name, hit, seen[i]);
    }

    /* the log's entries over the bid's leaf: bytes withheld */
    char path[128];
    snprintf(path, sizeof path, "/api/ledger/entries?start=%lld&end=%lld", (long long)size0,
             (long long)size1);
    for (size_t p = 0; p < NPEOPLE; p++) {
        j = call(people[p].who, "GET", path, NULL, 200);
        json_t *es = json_object_get(j, "entries");
        assert_int_equal(json_array_size(es), (size_t)(size1 - size0));
        bool any_private = false, bytes_of_private = false;
        size_t i;
        json_t *e;
        json_array_foreach(es, i, e)
        {
            assert_non_null(json_object_get(e, "leaf_hash"));
            if (json_is_true(json_object_get(e, "public")))
                continue;
            any_private = true;
            if (json_object_get(e, "entry") != NULL)
                bytes_of_private = true;
        }
        assert_true(any_private); /* the bid's leaf */
        if (bytes_of_private != people[p].oversight)
            fail_msg("ledger entries as %s: private bytes %s", people[p].name,
                     bytes_of_private ? "shown" : "withheld");
        char *dump = json_dumps(j, JSON_COMPACT);
        const char *hit = leak(dump, secrets, 5);
        if (hit != NULL)
            fail_msg("ledger entries as %s show %s", people[p].name, hit);
        free(dump);
        json_decref(j);
    }

    /* the walk after it */
    walk(b);
    char report[8192] = "";
    size_t rl = 0;
    int stable = 0;
    for (size_t p = 0; p < NPEOPLE; p++)
        for (size_t ri = 0; ri < api_nroutes; ri++)
            for (size_t k = 0; k < NIDS; k++) {
                size_t x = (p * api_nroutes + ri) * NIDS + k;
                if (b[x] == NULL)
                    continue;
                const struct http_route *rt = &api_routes[ri];
                const char *hit = leak(b[x], secrets, 4);
                if (hit != NULL)
                    fail_msg("GET %s as %s shows %s: %.300s", rt->pattern, people[p].name, hit,
                             b[x]);
                if (strcmp(a1[x], a2[x]) != 0)
                    continue; /* moves by itself */
                stable++;
                if (strcmp(a1[x], b[x]) == 0)
                    continue;
                bool documented = strncmp(rt->pattern, "/api/ledger/", 12) == 0 ||
                                  (people[p].oversight && (strcmp(rt->name, "audit.list") == 0 ||
                                                           strcmp(rt->name, "sup.graph") == 0));
                if (!documented && rl + 400 < sizeof report)
                    rl += (size_t)snprintf(
                        report + rl, sizeof report - rl, "\n  %s as %s (id %lld): %.160s -> %.160s",
                        rt->pattern, people[p].name, (long long)(k ? ORG_B1 : tid), a1[x], b[x]);
            }
    if (rl > 0)
        fail_msg("answers that changed with the bid:%s", report);
    assert_true(stable > 200);

    /* the audit stream was live all along: an org.create comes through */
    json_decref(call(&admin, "POST", "/api/orgs",
                     "{\"name\":\"阿里巴巴（中国）有限公司\",\"uscc\":\"91330100799655058B\","
                     "\"legal_rep\":\"某人\"}",
                     201));
    char live[65536] = "";
    for (int i = 0; i < 60 && strstr(live, "org.create") == NULL; i++)
        sse_drain(fds[2], live, sizeof live, 50);
    assert_non_null(strstr(live, "org.create"));
    for (int i = 0; i < NSTREAMS; i++)
        close(fds[i]);
    for (size_t i = 0; i < nsnap; i++) {
        free(a1[i]);
        free(a2[i]);
        free(b[i]);
    }
    free(a1);
    free(a2);
    free(b);
}

/* ---- writes of the opening and the escrow key before the deadline ---- */

static void test_opening_and_escrow_writes_refused(void **state)
{
    (void)state;
    uint8_t secret[64], shares[3][SHAMIR_SHARE_LEN];
    char sb[B64_LEN(SHAMIR_SHARE_LEN)], body[512], path[256];
    memset(secret, 0x5a, sizeof secret);
    assert_int_equal(shamir_split(secret, sizeof secret, 2, 3, shares), SHAMIR_OK);
    b64_encode(shares[1], SHAMIR_SHARE_LEN, sb);
    const struct it_session *who[] = {&admin, &supervisor, &agent};
    const char *names[] = {"admin", "supervisor", "agent"};
    const int64_t tenders[] = {tid, esc_tid};
    int tried = 0;
    for (size_t r = 0; r < api_nroutes; r++) {
        const struct http_route *rt = &api_routes[r];
        if (rt->method == HTTP_M_GET ||
            (strncmp(rt->name, "opening.", 8) != 0 && strncmp(rt->name, "escrow.", 7) != 0))
            continue;
        if (strcmp(rt->name, "escrow.submit") == 0)
            snprintf(body, sizeof body, "{\"share\":\"%s\"}", sb);
        else if (strcmp(rt->name, "escrow.officers") == 0)
            snprintf(body, sizeof body, "{\"officers\":[1,2,3]}");
        else
            snprintf(body, sizeof body,
                     "{\"lot_no\":1,\"org_id\":%d,\"key\":\"%064d\",\"reason\":\"x\","
                     "\"text\":\"x\",\"answer\":\"x\",\"phase\":\"decrypt\"}",
                     ORG_B1, 0);
        for (size_t t = 0; t < 2; t++)
            for (size_t w = 0; w < 3; w++) {
                struct it_resp resp;
                route_path(rt->pattern, tenders[t], path, sizeof path);
                char *q = strchr(path, '?');
                if (q != NULL)
                    *q = '\0';
                assert_int_equal(
                    it_request_as(&srv, who[w], http_method_name(rt->method), path, body, &resp),
                    0);
                if (resp.status < 400 || resp.status >= 500)
                    fail_msg("%s %s as %s before the deadline: %d %s", http_method_name(rt->method),
                             path, names[w], resp.status, resp.body);
                if (strcmp(rt->name, "escrow.submit") == 0 && t == 1 &&
                    strstr(resp.body, "escrow_not_opening") == NULL)
                    fail_msg("share from %s before the opening: %d %s", names[w], resp.status,
                             resp.body);
                it_resp_free(&resp);
                tried++;
            }
    }
    assert_true(tried >= 60);
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow/share", (long long)esc_tid);
    for (size_t w = 0; w < 3; w++) {
        json_t *j = call(who[w], "GET", path, NULL, 409);
        assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                            "escrow_not_opening");
        json_decref(j);
    }
}

/* ---- a certificate whose CA stopped being trusted ---- */

static void test_untrusted_at_submission(void **state)
{
    (void)state;
    char env[700], path[64];
    struct it_resp r;
    json_t *j = call(NULL, "GET", "/api/trust", NULL, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1); /* the demo CA */
    int64_t ca = (int64_t)json_integer_value(json_object_get(json_array_get(items, 0), "id"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/trust/%lld", (long long)ca);
    json_decref(call(&supervisor, "DELETE", path, NULL, 403));
    struct it_resp d;
    assert_int_equal(it_request_as(&srv, &admin, "DELETE", path, NULL, &d), 0);
    assert_true(d.status == 200 || d.status == 204);
    it_resp_free(&d);
    snprintf(env, sizeof env, "%s/untrusted.sbe", srv.data_dir);
    seal_b1(env, "投标报价：2,000,000.00 元\n");
    put_bid(env, &r);
    if (r.status != 422 || strstr(r.body, "\"cert_untrusted_issuer\"") == NULL)
        fail_msg("upload after the CA was removed: %d %s", r.status, r.body);
    it_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_differs_only_where_documented),
        cmocka_unit_test(test_opening_and_escrow_writes_refused),
        cmocka_unit_test(test_untrusted_at_submission),
    };
    return cmocka_run_group_tests_name("bid_secrecy", tests, setup, teardown);
}
