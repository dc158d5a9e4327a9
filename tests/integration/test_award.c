/*
 * The road from the award to the contract through the real server
 * (docs/award.md), on SQLite and (award_pg) PostgreSQL: complaints to the
 * supervisor, the contract signed online by both sides, bond refunds.
 *
 * The evaluation itself is test_evaluation's: here a tender in publicity
 * is planted in the server's store (bids of bidder1 and bidder2, the
 * evaluation with its candidates, bidder1 first). Then everything goes
 * through the API. Every refusal is checked for its status and code and
 * that it changed nothing: the supervisor's view of the tender is the
 * same bytes before and after (the server runs on a manual clock).
 *
 * Certificates are issued by a test CA (`sunbid ca`) trusted by the admin:
 * bidder1's organisation signing certificate (its USCC), the agent's
 * personal signing certificate. They are issued at the real time, so the
 * server's clock starts at the real time too.
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

#include <poll.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/base64.h"
#include "crypto/random.h"
#include "domain/workcal.h"
#include "store/store.h"

#include "tender_fixture.h"
#include "store_fixture.h"
#include "scratch_fixture.h"

static int64_t t_now;

static void clock_to(int64_t ms)
{
    t_now = ms;
    set_clock(ms);
    login_all();
}

/* ---- the fixture's store ---- */

static int64_t fx_int(const char *sql, int64_t arg)
{
    struct store *s = fixture_store();
    struct store_tx *tx;
    struct store_param p[] = {SP_I(arg)};
    int64_t v = 0;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    int rc = store_query_int(tx, sql, p, 1, &v);
    store_rollback(tx);
    store_close(s);
    return rc == STORE_OK ? v : -1;
}

/* The end of a period of n days from from_ms on the server's calendar
 * (domain/workcal.h): the deadlines docs/award.md counts. */
static int64_t due_of(int64_t from_ms, int n, bool working)
{
    struct store *s = fixture_store();
    struct store_tx *tx;
    int64_t due = 0;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    enum err e =
        workcal_due(tx, from_ms, n, working ? WORKCAL_WORKING_DAYS : WORKCAL_CALENDAR_DAYS, &due);
    store_rollback(tx);
    store_close(s);
    assert_int_equal(e, ERR_OK);
    return due;
}

/* ---- requests ---- */

static void refused(const struct it_session *who, const char *method, const char *path,
                    const char *body, int status, const char *code)
{
    json_t *j = call(who, method, path, body, status);
    const char *got = jstr(j, "error", "code");
    if (got == NULL || strcmp(got, code) != 0)
        fail_msg("%s %s: want %s, got %s", method, path, code, got ? got : "(none)");
    json_decref(j);
}

static int64_t g_tender;

/* The supervisor's view of the tender's award page, as bytes. */
static char *snapshot(void)
{
    struct it_resp r;
    char path[96];
    snprintf(path, sizeof path, "/api/tenders/%lld/award", (long long)g_tender);
    assert_int_equal(it_request_as(&srv, &supervisor, "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char *s = strdup(r.body);
    it_resp_free(&r);
    return s;
}

/* A refusal that must leave the tender's award state as it was. */
static void refused_same(const struct it_session *who, const char *method, const char *path,
                         const char *body, int status, const char *code)
{
    char *before = snapshot();
    refused(who, method, path, body, status, code);
    char *after = snapshot();
    if (strcmp(before, after) != 0)
        fail_msg("%s %s (%s) changed the state:\n%s\n%s", method, path, code, before, after);
    free(before);
    free(after);
}

static json_t *view_as(const struct it_session *who)
{
    char path[96];
    snprintf(path, sizeof path, "/api/tenders/%lld/award", (long long)g_tender);
    return call(who, "GET", path, NULL, 200);
}

static char *cpath(int64_t id, const char *step)
{
    static char p[4][96];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "/api/complaints/%lld/%s", (long long)id, step);
    return p[k];
}

static char *tpath(const char *what)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "/api/tenders/%lld/%s", (long long)g_tender, what);
    return p[k];
}

static const char *complaint_status(int64_t id)
{
    static char st[32];
    json_t *j = view_as(&supervisor);
    json_t *a = json_object_get(j, "complaints");
    st[0] = '\0';
    for (size_t i = 0; i < json_array_size(a); i++)
        if (jint(json_array_get(a, i), "id") == id)
            snprintf(st, sizeof st, "%s", jstr(json_array_get(a, i), "status", NULL));
    json_decref(j);
    return st;
}

static bool tender_paused(void)
{
    char path[64];
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)g_tender);
    json_t *j = call(&agent, "GET", path, NULL, 200);
    bool p = json_is_true(json_object_get(json_object_get(j, "tender"), "paused"));
    json_decref(j);
    return p;
}

/* ---- the supervisors' SSE topic ---- */

struct sse {
    int fd;
    char buf[65536];
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

/* Waits (bounded) until the stream holds both needles. */
static void sse_wait(struct sse *e, const char *n1, const char *n2)
{
    for (int spins = 0; spins < 600; spins++) {
        if (strstr(e->buf, n1) != NULL && (n2 == NULL || strstr(e->buf, n2) != NULL))
            return;
        struct pollfd p = {e->fd, POLLIN, 0};
        if (poll(&p, 1, 50) == 1) {
            if (e->len + 1 >= sizeof e->buf)
                e->len = 0;
            ssize_t r = read(e->fd, e->buf + e->len, sizeof(e->buf) - 1 - e->len);
            assert_true(r > 0);
            e->len += (size_t)r;
            e->buf[e->len] = '\0';
        }
    }
    fail_msg("no SSE data with %s: %s", n1, e->buf);
}

/* ---- certificates and signatures ---- */

static void pki(int64_t org1)
{
    size_t len;
    scratch_make("award");
    ca_init("Award Test CA");
    char *ca = slurp(path_in("ca/ca.crt.pem"), &len);
    struct it_resp r;
    raw_req(&admin, "POST", "/api/trust", "application/x-pem-file", ca, len, &r);
    if (r.status != 201)
        fail_msg("trust: %d %s", r.status, r.body);
    it_resp_free(&r);
    free(ca);
    bidder_certs(1, "91350000158143215N", "3650", &bidder1, org1);
    char *out = NULL;
    int rc = it_run(&out, "ca", "issue", "--dir", path_in("ca"), "--usage", "sign", "--subject-cn",
                    "agent", "--days", "3650", "--out", path_in("ag"), NULL);
    run_ok("ca issue agent", rc, out);
    char *pem = slurp(path_in("ag.crt.pem"), &len);
    json_t *jb = json_pack("{s:s}", "sign", pem);
    char *text = json_dumps(jb, JSON_COMPACT);
    json_decref(call(&agent, "POST", "/api/users/me/certs", text, 201));
    free(text);
    json_decref(jb);
    free(pem);
}

/* key ("b1s" or "ag")'s ECDSA P-256 SHA-256 signature of msg, DER, base64. */
static void sign_b64(const char *key, const char *msg, char *out, size_t outlen)
{
    char name[32];
    size_t len;
    snprintf(name, sizeof name, "%s.key.pem", key);
    char *pem = slurp(path_in(name), &len);
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
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
    BIO_free(bio);
    free(pem);
}

/* Whether sig64 (DER, base64) over msg verifies with cert64 (DER, base64). */
static bool verify_kept(const char *cert64, const char *msg, const char *sig64)
{
    unsigned char der[4096], sig[256];
    assert_non_null(cert64);
    assert_non_null(sig64);
    long cl = b64_decode(cert64, strlen(cert64), der, sizeof der, 0);
    long sl = b64_decode(sig64, strlen(sig64), sig, sizeof sig, 0);
    assert_true(cl > 0 && sl > 0);
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, cl);
    assert_non_null(x);
    EVP_PKEY *k = X509_get_pubkey(x);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
              EVP_DigestVerify(ctx, sig, (size_t)sl, (const unsigned char *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    X509_free(x);
    return ok;
}

/* ---- the planted tender in publicity ---- */

static int64_t org_of(const char *user)
{
    struct store *s = fixture_store();
    struct store_tx *tx;
    struct store_param p[] = {SP_T(user)};
    int64_t v = 0;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, "SELECT org_id FROM users WHERE username = $1", p, 1, &v),
                     STORE_OK);
    store_rollback(tx);
    store_close(s);
    return v;
}

/* A tender created and published now by the agent (bidding from a day on). */
static int64_t published_tender(void)
{
    char body[1024], path[128];
    int64_t now = t_now;
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市图书馆设备采购\",\"region\":\"350100\",\"category\":\"goods\","
             "\"ceiling_fen\":100000000,\"bond_fen\":1000000,\"bond_form\":\"cash\","
             "\"eval_method\":\"lowest_price\",\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,"
             "\"doc_end_ms\":%lld,\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)(now + DAY), (long long)(now + 8 * DAY),
             (long long)(now + 15 * DAY), (long long)(now + 22 * DAY));
    json_t *j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.pdf", (long long)id);
    json_decref(call(&agent, "POST", path, "%PDF the documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    return id;
}

static int64_t planted_publicity(int64_t org1, int64_t org2)
{
    int64_t now = t_now;
    int64_t id = published_tender();
    /* the canonical lowest_price template, as the server writes it */
    json_t *j = call(&agent, "GET", "/api/evaluation-templates", NULL, 200);
    json_t *items = json_object_get(j, "items"), *tpl = NULL;
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(jstr(json_array_get(items, i), "name", NULL), "lowest_price") == 0)
            tpl = json_object_get(json_array_get(items, i), "template");
    assert_non_null(tpl);
    char *tpl_text = json_dumps(tpl, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    char sha[65], bidders[512], result[256];
    crypto_sha256_hex(tpl_text, strlen(tpl_text), sha);
    snprintf(bidders, sizeof bidders,
             "[{\"org_id\":%lld,\"bidder\":\"甲公司\",\"form\":{\"price_fen\":9000000}},"
             "{\"org_id\":%lld,\"bidder\":\"乙公司\",\"form\":{\"price_fen\":9500000}}]",
             (long long)org1, (long long)org2);
    snprintf(result, sizeof result, "{\"candidates\":[{\"org_id\":%lld},{\"org_id\":%lld}]}",
             (long long)org1, (long long)org2);
    struct store *s = fixture_store();
    int64_t orgs[2] = {org1, org2};
    for (int i = 0; i < 2; i++) {
        char blob[65];
        crypto_sha256_hex(&orgs[i], sizeof orgs[i], blob);
        struct store_param p[] = {SP_I(id), SP_I(orgs[i]), SP_T(blob), SP_I(now), SP_I(i + 1)};
        fx_exec(s,
                "INSERT INTO bids (tender_id, lot_no, org_id, version, state, blob_hash, size,"
                " suite, chain_hash, signer_fp, submitted_ms, seq) VALUES ($1, 1, $2, 1,"
                " 'submitted', $3, 100, 'intl', $3, $3, $4, $5)",
                p, 5);
    }
    struct store_param e[] = {SP_I(id),     SP_T(tpl_text), SP_T(sha),          SP_T(bidders),
                              SP_T(result), SP_I(now),      SP_I(now + 3 * DAY)};
    fx_exec(s,
            "INSERT INTO evaluations (tender_id, phase, method, template, template_sha, bidders,"
            " result, report, report_sha, publicity_start_ms, publicity_end_ms, created_ms,"
            " updated_ms, version) VALUES ($1, 'publicity', 'lowest_price', $2, $3, $4, $5, '{}',"
            " $3, $6, $7, $6, $6, 1)",
            e, 7);
    struct store_param t[] = {SP_I(id)};
    fx_exec(s, "UPDATE tenders SET state = 'publicity', next_due_ms = NULL WHERE id = $1", t, 1);
    store_close(s);
    free(tpl_text);
    return id;
}

static void test_award_road(void **state)
{
    char body[2048], sig[600], msg[256], sha[65];
    json_t *j;
    (void)state;
    clock_to((int64_t)time(NULL) * 1000);
    int64_t org1 = org_of("bidder1"), org2 = org_of("bidder2"), org3 = org_of("bidder3");
    pki(org1);
    g_tender = planted_publicity(org1, org2);

    /* ---- complaints: who, what, when ---- */
    refused(&agent, "POST", tpath("complaints"), "{\"subject\":\"result\",\"body\":\"x\"}", 403,
            "forbidden");
    refused_same(&bidder3, "POST", tpath("complaints"), "{\"subject\":\"opening\",\"body\":\"x\"}",
                 403, "complaint_not_bidder");
    refused_same(&bidder2, "POST", tpath("complaints"), "{\"subject\":\"price\",\"body\":\"x\"}",
                 422, "invalid_field");
    refused_same(&bidder2, "POST", tpath("complaints"), "{\"subject\":\"opening\"}", 422,
                 "missing_field");
    refused_same(&bidder2, "POST", tpath("complaints"),
                 "{\"subject\":\"opening\",\"body\":\"x\",\"extra\":1}", 422, "invalid_field");
    snprintf(body, sizeof body, "{\"subject\":\"opening\",\"body\":\"x\",\"known_ms\":%lld}",
             (long long)(t_now + DAY));
    refused_same(&bidder2, "POST", tpath("complaints"), body, 422, "invalid_field");
    /* known 15 days ago (still after the publication: the clock moves first):
     * 10 days and the end of a last day moved past a weekend are over */
    clock_to(t_now + 16 * DAY);
    snprintf(body, sizeof body,
             "{\"subject\":\"opening\",\"body\":\"开标程序违规\",\"known_ms\":%lld}",
             (long long)(t_now - 15 * DAY));
    j = call(&bidder2, "POST", tpath("complaints"), body, 409);
    assert_string_equal(jstr(j, "error", "code"), "rule_complaint_too_late");
    assert_string_equal(jstr(j, "error", "rule"), "complaint_days");
    assert_int_equal(jint(j, "error.limit"), due_of(t_now - 15 * DAY, 10, false));
    assert_true(jint(j, "error.limit") >= t_now - 5 * DAY && jint(j, "error.limit") < t_now);
    assert_non_null(jstr(j, "error", "source"));
    json_decref(j);
    /* the publicity planted at the start has ended meanwhile: plant it again */
    {
        struct store *s = fixture_store();
        struct store_param p[] = {SP_I(g_tender), SP_I(t_now), SP_I(t_now + 3 * DAY)};
        fx_exec(s,
                "UPDATE evaluations SET publicity_start_ms = $2, publicity_end_ms = $3"
                " WHERE tender_id = $1",
                p, 3);
        store_close(s);
    }
    /* the result needs an objection first */
    refused_same(&bidder2, "POST", tpath("complaints"),
                 "{\"subject\":\"result\",\"body\":\"第一名业绩造假\"}", 409,
                 "complaint_objection_first");
    json_decref(call(&bidder2, "POST", tpath("evaluation/objections"),
                     "{\"body\":\"第一名业绩造假\"}", 201));
    j = call(&bidder2, "POST", tpath("complaints"),
             "{\"subject\":\"result\",\"body\":\"第一名业绩造假，异议答复不实\"}", 201);
    int64_t c1 = jint(j, "id");
    json_decref(j);
    j = call(&bidder2, "POST", tpath("complaints"),
             "{\"subject\":\"documents\",\"body\":\"招标文件设置排他性条款\"}", 201);
    int64_t c2 = jint(j, "id");
    json_decref(j);
    j = call(&bidder2, "POST", tpath("complaints"),
             "{\"subject\":\"opening\",\"body\":\"唱标有误\"}", 201);
    int64_t c3 = jint(j, "id");
    json_decref(j);
    assert_string_equal(complaint_status(c1), "filed");
    /* no contract before the award */
    {
        char *before = snapshot();
        struct it_resp r0;
        char up0[160];
        snprintf(up0, sizeof up0,
                 "/api/tenders/%lld/award/contract?name=contract.pdf&amount_fen=9000000",
                 (long long)g_tender);
        raw_req(&agent, "POST", up0, "application/pdf", "%PDF early", 10, &r0);
        assert_int_equal(r0.status, 409);
        assert_non_null(strstr(r0.body, "\"wrong_state\""));
        it_resp_free(&r0);
        char *after = snapshot();
        assert_string_equal(before, after);
        free(before);
        free(after);
    }

    /* who sees what */
    j = view_as(&bidder3);
    assert_int_equal(json_array_size(json_object_get(j, "complaints")), 0);
    json_decref(j);
    j = view_as(&bidder2);
    assert_int_equal(json_array_size(json_object_get(j, "complaints")), 3);
    assert_non_null(json_object_get(json_array_get(json_object_get(j, "complaints"), 0), "body"));
    json_decref(j);
    j = call(&supervisor, "GET", "/api/complaints", NULL, 200);
    assert_true(json_array_size(json_object_get(j, "items")) >= 3);
    json_decref(j);
    refused(&bidder2, "GET", "/api/complaints", NULL, 403, "forbidden");

    /* ---- the supervisor's steps ---- */
    refused_same(&bidder2, "POST", cpath(c1, "accept"), NULL, 403, "forbidden");
    refused_same(&supervisor, "POST", cpath(c1, "decide"),
                 "{\"decision\":\"dismissed\",\"text\":\"x\"}", 409, "complaint_wrong_state");
    refused(&supervisor, "POST", cpath(999999, "accept"), NULL, 404, "not_found");
    j = call(&supervisor, "POST", cpath(c1, "accept"), NULL, 200);
    json_decref(j);
    assert_string_equal(complaint_status(c1), "accepted");
    refused_same(&supervisor, "POST", cpath(c1, "accept"), NULL, 409, "complaint_wrong_state");
    refused_same(&supervisor, "POST", cpath(c1, "refuse"), "{\"reason\":\"x\"}", 409,
                 "complaint_wrong_state");
    /* the suspension pauses the tender: the award waits */
    assert_false(tender_paused());
    json_decref(call(&supervisor, "POST", cpath(c1, "suspend"), NULL, 200));
    assert_true(tender_paused());
    refused_same(&supervisor, "POST", cpath(c1, "suspend"), NULL, 409, "complaint_wrong_state");
    json_decref(call(&supervisor, "POST", cpath(c1, "suspend"), "{\"suspend\":false}", 200));
    assert_false(tender_paused());
    refused_same(&supervisor, "POST", cpath(c1, "suspend"), "{\"suspend\":false}", 409,
                 "complaint_wrong_state");
    refused_same(&supervisor, "POST", cpath(c1, "suspend"), "{\"suspend\":\"yes\"}", 422,
                 "invalid_field");
    json_decref(call(&supervisor, "POST", cpath(c1, "suspend"), "{\"suspend\":true}", 200));
    assert_true(tender_paused());
    clock_to(t_now + 3 * DAY + 60000);
    /* the objection answered, the publicity over: still paused by the complaint */
    j = view_as(&agent);
    json_decref(j);
    {
        json_t *ev = call(&agent, "GET", tpath("evaluation"), NULL, 200);
        json_decref(ev);
    }
    {
        struct store *s = fixture_store();
        struct store_tx *tx;
        int64_t oid = 0;
        struct store_param p[] = {SP_I(g_tender)};
        assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
        assert_int_equal(
            store_query_int(tx, "SELECT id FROM evaluation_objections WHERE tender_id = $1", p, 1,
                            &oid),
            STORE_OK);
        store_rollback(tx);
        store_close(s);
        char ap[128];
        snprintf(ap, sizeof ap, "evaluation/objections/%lld/answer", (long long)oid);
        json_decref(call(&agent, "POST", tpath(ap), "{\"answer\":\"经核查，业绩真实。\"}", 200));
    }
    refused_same(&agent, "POST", tpath("evaluation/award"), "{}", 409, "tender_paused");
    /* the refusal of another complaint */
    refused_same(&supervisor, "POST", cpath(c2, "refuse"), "{}", 422, "missing_field");
    json_decref(call(&supervisor, "POST", cpath(c2, "refuse"),
                     "{\"reason\":\"超过投诉期限且未先提出异议\"}", 200));
    assert_string_equal(complaint_status(c2), "refused");
    refused_same(&bidder2, "POST", cpath(c2, "withdraw"), NULL, 409, "complaint_wrong_state");
    /* the decision: its checks, then dismissed; the suspension ends */
    refused_same(&supervisor, "POST", cpath(c1, "decide"),
                 "{\"decision\":\"upheld\",\"text\":\"成立\"}", 422, "missing_field");
    refused_same(&supervisor, "POST", cpath(c1, "decide"),
                 "{\"decision\":\"maybe\",\"text\":\"x\"}", 422, "invalid_field");
    refused_same(&supervisor, "POST", cpath(c1, "decide"),
                 "{\"decision\":\"dismissed\",\"remedy\":\"annul_award\",\"text\":\"x\"}", 422,
                 "invalid_field");
    refused_same(&supervisor, "POST", cpath(c1, "decide"),
                 "{\"decision\":\"upheld\",\"remedy\":\"redo\",\"text\":\"x\"}", 422,
                 "invalid_field");
    refused_same(&agent, "POST", cpath(c1, "decide"), "{\"decision\":\"dismissed\",\"text\":\"x\"}",
                 403, "forbidden");
    json_decref(call(
        &supervisor, "POST", cpath(c1, "decide"),
        "{\"decision\":\"dismissed\",\"text\":\"经调查，投诉事项缺乏事实依据，驳回投诉。\"}", 200));
    assert_string_equal(complaint_status(c1), "decided");
    assert_false(tender_paused());
    refused_same(&bidder2, "POST", cpath(c1, "withdraw"), NULL, 409, "complaint_wrong_state");
    refused_same(&supervisor, "POST", cpath(c1, "decide"),
                 "{\"decision\":\"dismissed\",\"text\":\"x\"}", 409, "complaint_wrong_state");
    refused_same(&supervisor, "POST", cpath(c2, "decide"),
                 "{\"decision\":\"dismissed\",\"text\":\"x\"}", 409, "complaint_wrong_state");
    refused_same(&supervisor, "POST", cpath(c1, "suspend"), NULL, 409, "complaint_wrong_state");
    /* the public sees the decision, not who complained */
    j = call(NULL, "GET", tpath("award"), NULL, 200);
    json_t *pc = json_object_get(j, "complaints");
    assert_int_equal(json_array_size(pc), 1);
    assert_string_equal(jstr(json_array_get(pc, 0), "decision", NULL), "dismissed");
    assert_null(json_object_get(json_array_get(pc, 0), "org_id"));
    assert_null(json_object_get(json_array_get(pc, 0), "body"));
    assert_null(json_object_get(j, "bonds"));
    json_decref(j);
    /* withdraw: only the complainant */
    refused_same(&bidder1, "POST", cpath(c3, "withdraw"), NULL, 404, "not_found");
    refused_same(&supervisor, "POST", cpath(c3, "withdraw"), NULL, 403, "forbidden");
    json_decref(call(&bidder2, "POST", cpath(c3, "withdraw"), "{\"reason\":\"已协商解决\"}", 200));
    assert_string_equal(complaint_status(c3), "withdrawn");
    /* every step audited */
    assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'complaint.file'"
                            " AND CAST(object_id AS BIGINT) >= $1",
                            c1),
                     3);
    assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action LIKE 'complaint.%'"
                            " AND CAST(object_id AS BIGINT) = $1",
                            c1),
                     6); /* file, accept, suspend, lift, suspend, decide */

    /* ---- the award, then an overdue complaint the scheduler warns about ---- */
    json_decref(call(&agent, "POST", tpath("evaluation/award"), "{}", 200));
    json_decref(wait_state(g_tender, "awarded"));
    static struct sse ev;
    sse_open(&ev, &supervisor, "/api/events?topic=supervision");
    j = call(&bidder2, "POST", tpath("complaints"),
             "{\"subject\":\"result\",\"body\":\"定标违规\"}", 201);
    int64_t c4 = jint(j, "id");
    json_decref(j);
    char needle[64];
    snprintf(needle, sizeof needle, "\"complaint_id\":%lld", (long long)c4);
    sse_wait(&ev, "event: complaint.file", needle);
    assert_null(strstr(ev.buf, "定标违规")); /* ids only, never the text */
    /* 3 working days: past them whatever the weekday (no holiday is set) */
    assert_int_equal(fx_int("SELECT accept_due_ms FROM complaints WHERE id = $1", c4),
                     due_of(t_now, 3, true));
    clock_to(t_now + 8 * DAY);
    for (int i = 0;
         i < 200 && fx_int("SELECT accept_warned_ms FROM complaints WHERE id = $1", c4) <= 0; i++)
        usleep(50 * 1000);
    assert_int_equal(fx_int("SELECT accept_warned_ms FROM complaints WHERE id = $1", c4), t_now);
    sse_wait(&ev, "event: complaint.overdue", "\"step\":\"accept\"");
    close(ev.fd);
    j = call(&supervisor, "GET", "/api/award/overdue", NULL, 200);
    json_t *oc = json_object_get(j, "complaints");
    assert_int_equal(json_array_size(oc), 1);
    assert_int_equal(jint(json_array_get(oc, 0), "complaint_id"), c4);
    assert_string_equal(jstr(json_array_get(oc, 0), "step", NULL), "accept");
    json_decref(j);
    refused(&agent, "GET", "/api/award/overdue", NULL, 403, "forbidden");
    json_decref(call(&supervisor, "POST", cpath(c4, "refuse"), "{\"reason\":\"重复投诉\"}", 200));

    /* ---- the contract ---- */
    static const char doc[] = "%PDF-1.4 政府采购合同 甲方 乙方 金额 9,000,000.00 分";
    char up[160];
    struct it_resp r;
    snprintf(up, sizeof up, "/api/tenders/%lld/award/contract?name=%s", (long long)g_tender,
             "contract.pdf");
    raw_req(&agent, "POST", up, "application/pdf", doc, sizeof doc - 1, &r);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.body, "missing_field"));
    it_resp_free(&r);
    snprintf(up, sizeof up, "/api/tenders/%lld/award/contract?name=a/b.pdf&amount_fen=9000000",
             (long long)g_tender);
    raw_req(&agent, "POST", up, "application/pdf", doc, sizeof doc - 1, &r);
    assert_int_equal(r.status, 422);
    it_resp_free(&r);
    snprintf(up, sizeof up, "/api/tenders/%lld/award/contract?name=contract.pdf&amount_fen=-5",
             (long long)g_tender);
    raw_req(&agent, "POST", up, "application/pdf", doc, sizeof doc - 1, &r);
    assert_int_equal(r.status, 422);
    it_resp_free(&r);
    refused_same(&bidder1, "POST", tpath("award/contract/sign"),
                 "{\"signature\":\"AAAA\",\"document_sha256\":"
                 "\"0000000000000000000000000000000000000000000000000000000000000000\"}",
                 409, "contract_not_uploaded");
    snprintf(up, sizeof up, "/api/tenders/%lld/award/contract?name=contract.pdf&amount_fen=9000000",
             (long long)g_tender);
    raw_req(&agent, "POST", up, "application/pdf", doc, sizeof doc - 1, &r);
    if (r.status != 201)
        fail_msg("upload: %d %s", r.status, r.body);
    j = parse(&r);
    it_resp_free(&r);
    crypto_sha256_hex(doc, sizeof doc - 1, sha);
    assert_string_equal(jstr(json_object_get(j, "contract"), "document_sha256", NULL), sha);
    snprintf(msg, sizeof msg, "%s", jstr(json_object_get(j, "contract"), "sign_message", NULL));
    json_decref(j);
    char want[256];
    snprintf(want, sizeof want, "sunbid contract v1\n%lld\n%s\n9000000\n", (long long)g_tender,
             sha);
    assert_string_equal(msg, want);
    /* the award notice planted 40 days back: the contract is overdue */
    {
        struct store *fs = fixture_store();
        struct store_param p[] = {SP_I(g_tender), SP_I(40 * DAY)};
        fx_exec(fs, "UPDATE evaluations SET award_ms = award_ms - $2 WHERE tender_id = $1", p, 2);
        store_close(fs);
    }
    j = call(&supervisor, "GET", "/api/award/overdue", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "contracts")), 1);
    assert_int_equal(jint(json_array_get(json_object_get(j, "contracts"), 0), "tender_id"),
                     g_tender);
    json_decref(j);
    j = view_as(&agent);
    assert_true(json_is_true(json_object_get(json_object_get(j, "award"), "contract_overdue")));
    json_decref(j);
    /* the loser, a stale document, a wrong key */
    sign_b64("b1s", msg, sig, sizeof sig);
    snprintf(body, sizeof body, "{\"signature\":\"%s\",\"document_sha256\":\"%s\"}", sig, sha);
    refused_same(&bidder2, "POST", tpath("award/contract/sign"), body, 403, "contract_not_winner");
    refused_same(&bidder3, "POST", tpath("award/contract/sign"), body, 403, "contract_not_winner");
    refused_same(&supervisor, "POST", tpath("award/contract/sign"), body, 403, "forbidden");
    char stale[2048];
    snprintf(stale, sizeof stale,
             "{\"signature\":\"%s\",\"document_sha256\":"
             "\"1111111111111111111111111111111111111111111111111111111111111111\"}",
             sig);
    refused_same(&bidder1, "POST", tpath("award/contract/sign"), stale, 409, "contract_changed");
    refused_same(&bidder1, "POST", tpath("award/contract/sign"),
                 "{\"signature\":\"***\",\"document_sha256\":\"x\"}", 422, "invalid_field");
    char bad[600], badbody[2048];
    sign_b64("ag", msg, bad, sizeof bad);
    snprintf(badbody, sizeof badbody, "{\"signature\":\"%s\",\"document_sha256\":\"%s\"}", bad,
             sha);
    refused_same(&bidder1, "POST", tpath("award/contract/sign"), badbody, 422,
                 "opening_bad_signature");
    j = call(&bidder1, "POST", tpath("award/contract/sign"), body, 200);
    assert_true(json_is_true(
        json_object_get(json_object_get(json_object_get(j, "contract"), "winner"), "signed")));
    json_decref(j);
    refused_same(&bidder1, "POST", tpath("award/contract/sign"), body, 409, "contract_signed");
    raw_req(&agent, "POST", up, "application/pdf", "other", 5, &r);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(r.body, "contract_signed"));
    it_resp_free(&r);
    json_decref(wait_state(g_tender, "awarded"));
    /* the tenderer's side: the agent's personal certificate */
    snprintf(badbody, sizeof badbody, "{\"signature\":\"%s\",\"document_sha256\":\"%s\"}", sig,
             sha);
    refused_same(&agent, "POST", tpath("award/contract/sign"), badbody, 422,
                 "user_signature_invalid");
    snprintf(body, sizeof body, "{\"signature\":\"%s\",\"document_sha256\":\"%s\"}", bad, sha);
    j = call(&agent, "POST", tpath("award/contract/sign"), body, 200);
    assert_true(jint(j, "contract.signed_ms") == t_now);
    assert_true(json_is_true(json_object_get(json_object_get(j, "contract"), "late")));
    /* each kept signature verifies with the certificate kept beside it */
    {
        static const char *const side[2] = {"winner", "tenderer"};
        for (int i = 0; i < 2; i++) {
            json_t *sd = json_object_get(json_object_get(j, "contract"), side[i]);
            assert_true(
                verify_kept(jstr(sd, "certificate", NULL), msg, jstr(sd, "signature", NULL)));
            assert_false(verify_kept(jstr(sd, "certificate", NULL), "sunbid contract v1\n0\n",
                                     jstr(sd, "signature", NULL)));
        }
    }
    json_decref(j);
    json_decref(wait_state(g_tender, "contracted"));
    j = call(&supervisor, "GET", "/api/award/overdue", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "contracts")), 0);
    json_decref(j);
    refused_same(&agent, "POST", tpath("award/contract/sign"), body, 409, "wrong_state");
    raw_req(&agent, "POST", up, "application/pdf", "other", 5, &r);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(r.body, "\"wrong_state\""));
    it_resp_free(&r);
    j = call(NULL, "GET", tpath("evaluation"), NULL, 200);
    assert_int_equal(jint(j, "contract.amount_fen"), 9000000);
    assert_string_equal(jstr(j, "contract", "document_sha256"), sha);
    json_decref(j);
    /* the public sees the signed contract's hash, not the signatures */
    j = call(NULL, "GET", tpath("award"), NULL, 200);
    assert_string_equal(jstr(j, "contract", "document_sha256"), sha);
    assert_null(json_object_get(json_object_get(j, "contract"), "winner"));
    json_decref(j);
    /* the document: the two sides and the supervisor */
    assert_int_equal(
        it_request_as(&srv, &bidder1, "GET", tpath("award/contract/document"), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, sizeof doc - 1);
    assert_memory_equal(r.body, doc, sizeof doc - 1);
    it_resp_free(&r);
    refused(&bidder2, "GET", tpath("award/contract/document"), NULL, 404, "not_found");

    /* ---- bonds ---- */
    snprintf(body, sizeof body, "{\"org_id\":%lld}", (long long)org3);
    refused_same(&agent, "POST", tpath("award/bonds"), body, 422, "bond_not_bidder");
    snprintf(body, sizeof body, "{\"org_id\":%lld,\"form\":\"gold\"}", (long long)org1);
    refused_same(&agent, "POST", tpath("award/bonds"), body, 422, "invalid_field");
    snprintf(body, sizeof body, "{\"org_id\":%lld,\"received_ms\":%lld}", (long long)org1,
             (long long)(t_now + DAY));
    refused_same(&agent, "POST", tpath("award/bonds"), body, 422, "invalid_field");
    refused_same(&agent, "POST", tpath("award/bonds"), "{}", 422, "missing_field");
    snprintf(body, sizeof body, "{\"org_id\":%lld}", (long long)org1);
    refused_same(&bidder1, "POST", tpath("award/bonds"), body, 403, "forbidden");
    j = call(&agent, "POST", tpath("award/bonds"), body, 200); /* the tender's: 10,000.00 cash */
    json_t *bd = json_array_get(json_object_get(j, "bonds"), 0);
    assert_int_equal(json_array_size(json_object_get(j, "bonds")), 1);
    assert_int_equal(jint(bd, "amount_fen"), 1000000);
    assert_string_equal(jstr(bd, "form", NULL), "cash");
    int64_t refund_due = due_of(t_now, 5, false); /* the contract signed now */
    assert_int_equal(jint(bd, "refund_due_ms"), refund_due);
    assert_true(refund_due >= t_now + 5 * DAY && refund_due <= t_now + 8 * DAY);
    json_decref(j);
    /* every other bidder from the tender's requirement; bidder1's kept */
    refused_same(&agent, "POST", tpath("award/bonds"), "{\"all\":false}", 422, "invalid_field");
    refused_same(&agent, "POST", tpath("award/bonds"), "{\"all\":true,\"org_id\":4}", 422,
                 "invalid_field");
    j = call(&agent, "POST", tpath("award/bonds"), "{\"all\":true}", 200);
    json_t *bl = json_object_get(j, "bonds");
    assert_int_equal(json_array_size(bl), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(jint(json_array_get(bl, i), "amount_fen"), 1000000);
        assert_int_equal(jint(json_array_get(bl, i), "org_id"), i == 0 ? org1 : org2);
    }
    json_decref(j);
    assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'bond.record'"
                            " AND object_type = 'bond' AND $1 > 0",
                            1),
                     2);
    snprintf(body, sizeof body,
             "{\"org_id\":%lld,\"amount_fen\":800000,\"form\":\"guarantee\",\"received_ms\":%lld}",
             (long long)org2, (long long)(t_now - 20 * DAY));
    json_decref(call(&agent, "POST", tpath("award/bonds"), body, 200));
    j = view_as(&bidder2); /* a bidder sees its own */
    assert_int_equal(json_array_size(json_object_get(j, "bonds")), 1);
    assert_int_equal(jint(json_array_get(json_object_get(j, "bonds"), 0), "org_id"), org2);
    json_decref(j);
    char rp[128];
    snprintf(rp, sizeof rp, "award/bonds/%lld/refund", (long long)org1);
    refused_same(&agent, "POST", tpath(rp), "{}", 422, "missing_field");
    refused_same(&agent, "POST", tpath("award/bonds/999999/refund"), "{\"reference\":\"x\"}", 404,
                 "not_found");
    json_decref(call(&agent, "POST", tpath(rp), "{\"reference\":\"BOC-20261130-0001\"}", 200));
    refused_same(&agent, "POST", tpath(rp), "{\"reference\":\"again\"}", 409, "bond_refunded");
    snprintf(body, sizeof body, "{\"org_id\":%lld,\"amount_fen\":5}", (long long)org1);
    refused_same(&agent, "POST", tpath("award/bonds"), body, 409, "bond_refunded");
    /* past the due day, bidder2's is overdue: listed and warned once */
    clock_to(refund_due + 60000);
    for (int i = 0; i < 200 && fx_int("SELECT count(*) FROM bonds WHERE warned_ms IS NOT NULL"
                                      " AND tender_id = $1",
                                      g_tender) < 1;
         i++)
        usleep(50 * 1000);
    assert_int_equal(fx_int("SELECT count(*) FROM bonds WHERE warned_ms IS NOT NULL"
                            " AND tender_id = $1",
                            g_tender),
                     1);
    j = call(&supervisor, "GET", "/api/award/overdue", NULL, 200);
    json_t *ob = json_object_get(j, "bonds");
    assert_int_equal(json_array_size(ob), 1);
    assert_int_equal(jint(json_array_get(ob, 0), "org_id"), org2);
    json_decref(j);
    snprintf(rp, sizeof rp, "award/bonds/%lld/refund", (long long)org2);
    json_decref(call(&agent, "POST", tpath(rp), "{\"reference\":\"保函原件已退回\"}", 200));
    j = call(&supervisor, "GET", "/api/award/overdue", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "bonds")), 0);
    json_decref(j);

    /* ---- the rules ---- */
    j = call(&agent, "GET", "/api/award/rules", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 5);
    json_decref(j);
    refused(&admin, "POST", "/api/award/rules", "{\"name\":\"complaint_days\",\"value\":5}", 422,
            "rule_below_statutory");
    refused(&admin, "POST", "/api/award/rules", "{\"name\":\"accept_days\",\"value\":5}", 422,
            "rule_below_statutory");
    refused(&admin, "POST", "/api/award/rules", "{\"name\":\"nope\",\"value\":5}", 422,
            "invalid_field");
    refused(&supervisor, "POST", "/api/award/rules", "{\"name\":\"accept_days\",\"value\":2}", 403,
            "forbidden");
    j = call(&admin, "POST", "/api/award/rules", "{\"name\":\"complaint_days\",\"value\":15}", 200);
    json_decref(j);
    j = view_as(&agent);
    assert_int_equal(jint(j, "rules.complaint_days"), 15);
    json_decref(j);
}

/* The count of audit rows of action about the complaint kid whose detail
 * contains like (an SQL LIKE pattern). */
static int64_t audit_like(const char *action, int64_t kid, const char *like)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_log WHERE action = '%s'"
             " AND CAST(object_id AS BIGINT) = $1 AND detail LIKE '%s'",
             action, like);
    return fx_int(sql, kid);
}

static int64_t new_complaint(const struct it_session *who, const char *subject, const char *body)
{
    char b[512];
    snprintf(b, sizeof b, "{\"subject\":\"%s\",\"body\":\"%s\"}", subject, body);
    json_t *j = call(who, "POST", tpath("complaints"), b, 201);
    int64_t id = jint(j, "id");
    json_decref(j);
    return id;
}

static int64_t objection_answer(int64_t oid, bool want_resumed)
{
    char ap[128];
    snprintf(ap, sizeof ap, "objections/%lld/answer", (long long)oid);
    json_t *j = call(&agent, "POST", tpath(ap), "{\"answer\":\"已答复，维持原文件。\"}", 200);
    bool resumed = json_is_true(json_object_get(j, "resumed"));
    json_decref(j);
    if (resumed != want_resumed)
        fail_msg("objection %lld answered: resumed %d, want %d", (long long)oid, resumed,
                 want_resumed);
    return oid;
}

static int64_t doc_objection(void)
{
    json_t *j = call(&bidder2, "POST", tpath("objections"),
                     "{\"body\":\"资格条件设置过高，排斥潜在投标人。\"}", 201);
    int64_t id = jint(j, "id");
    json_decref(j);
    return id;
}

/* The pause's one rule (award_pause_holds): an objection to the documents
 * and a complaint's suspension each hold it; neither the answer nor the
 * lift resumes while the other still holds. */
static void test_pause_rule(void **state)
{
    (void)state;
    clock_to((int64_t)time(NULL) * 1000);
    g_tender = published_tender();
    json_decref(call(&bidder2, "POST", tpath("register"), NULL, 201));
    int64_t o1 = doc_objection();
    assert_true(tender_paused());
    int64_t k = new_complaint(&bidder2, "documents", "招标文件设置排他性条款");
    json_decref(call(&supervisor, "POST", cpath(k, "suspend"), NULL, 200));
    assert_true(tender_paused());
    /* the objection answered: the complaint still suspends */
    objection_answer(o1, false);
    assert_true(tender_paused());
    assert_int_equal(fx_int("SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                            " AND action = 'resume'",
                            g_tender),
                     0);
    refused(&bidder3, "POST", tpath("register"), NULL, 409, "tender_paused");
    /* the lift resumes: nothing else holds */
    json_decref(call(&supervisor, "POST", cpath(k, "suspend"), "{\"suspend\":false}", 200));
    assert_false(tender_paused());
    json_decref(call(&bidder3, "POST", tpath("register"), NULL, 201));
    /* the other way round: the lift while an objection is open keeps it */
    int64_t o2 = doc_objection();
    assert_true(tender_paused());
    json_decref(call(&supervisor, "POST", cpath(k, "suspend"), NULL, 200));
    json_decref(call(&supervisor, "POST", cpath(k, "suspend"), "{\"suspend\":false}", 200));
    assert_true(tender_paused());
    objection_answer(o2, true);
    assert_false(tender_paused());
    /* a withdrawal ends a suspension too */
    json_decref(call(&supervisor, "POST", cpath(k, "suspend"), NULL, 200));
    assert_true(tender_paused());
    json_decref(call(&bidder2, "POST", cpath(k, "withdraw"), NULL, 200));
    assert_false(tender_paused());
    assert_int_equal(fx_int("SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                            " AND action = 'resume'",
                            g_tender),
                     3);
}

static int64_t award_org(void)
{
    return fx_int("SELECT COALESCE(award_org_id, 0) FROM evaluations WHERE tender_id = $1",
                  g_tender);
}

/* An upheld complaint's remedy: annul_award carried out while the contract
 * is unsigned (the next candidate, then none: termination); recorded only
 * once it is signed, and re_evaluation recorded only. */
static void test_remedy(void **state)
{
    struct it_resp r;
    char up[160], body[256];
    json_t *j;
    (void)state;
    clock_to((int64_t)time(NULL) * 1000);
    int64_t org1 = org_of("bidder1"), org2 = org_of("bidder2");
    g_tender = planted_publicity(org1, org2);
    json_decref(call(&bidder2, "POST", tpath("evaluation/objections"),
                     "{\"body\":\"第一名业绩造假\"}", 201));
    int64_t oid = fx_int("SELECT id FROM evaluation_objections WHERE tender_id = $1", g_tender);
    snprintf(body, sizeof body, "evaluation/objections/%lld/answer", (long long)oid);
    json_decref(call(&agent, "POST", tpath(body), "{\"answer\":\"经核查，业绩真实。\"}", 200));
    clock_to(t_now + 3 * DAY + 60000);
    json_decref(call(&agent, "POST", tpath("evaluation/award"), "{}", 200));
    json_decref(wait_state(g_tender, "awarded"));
    assert_int_equal(award_org(), org1);
    snprintf(up, sizeof up, "/api/tenders/%lld/award/contract?name=c.pdf&amount_fen=9000000",
             (long long)g_tender);
    raw_req(&agent, "POST", up, "application/pdf", "%PDF draft", 10, &r);
    assert_int_equal(r.status, 201);
    it_resp_free(&r);

    /* ---- annul_award while awarded: carried out ---- */
    int64_t k1 = new_complaint(&bidder2, "result", "第一名业绩造假，异议答复不实");
    json_decref(call(&supervisor, "POST", cpath(k1, "accept"), NULL, 200));
    json_decref(call(&supervisor, "POST", cpath(k1, "suspend"), NULL, 200));
    assert_true(tender_paused());
    j = call(&supervisor, "POST", cpath(k1, "decide"),
             "{\"decision\":\"upheld\",\"remedy\":\"annul_award\",\"text\":"
             "\"中标人业绩造假，中标无效。\"}",
             200);
    json_decref(j);
    json_decref(wait_state(g_tender, "publicity"));
    assert_false(tender_paused());
    assert_int_equal(award_org(), 0);
    assert_int_equal(fx_int("SELECT count(*) FROM evaluations WHERE tender_id = $1"
                            " AND phase = 'publicity' AND notice_sha IS NULL",
                            g_tender),
                     1);
    assert_int_equal(fx_int("SELECT count(*) FROM award_contracts WHERE tender_id = $1", g_tender),
                     0);
    assert_int_equal(fx_int("SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                            " AND action = 'annul_award' AND from_state = 'awarded'"
                            " AND to_state = 'publicity'",
                            g_tender),
                     1);
    assert_int_equal(audit_like("complaint.decide", k1, "%\"carried_out\":true%"), 1);
    assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = "
                            "'evaluation.award_revoked' AND CAST(object_id AS BIGINT) = $1",
                            g_tender),
                     1);
    refused(NULL, "GET", tpath("evaluation/notice"), NULL, 409, "eval_wrong_phase");
    /* the room shows the annulled candidate */
    j = call(NULL, "GET", tpath("evaluation"), NULL, 200);
    json_t *c0 = json_array_get(json_object_get(json_object_get(j, "result"), "candidates"), 0);
    assert_true(json_is_true(json_object_get(c0, "annulled")));
    assert_int_equal(jint(c0, "annulled_by"), k1);
    json_decref(j);
    /* the annulled winner is no candidate any more; the contract waits */
    snprintf(body, sizeof body, "{\"org_id\":%lld,\"reason\":\"x\"}", (long long)org1);
    refused_same(&agent, "POST", tpath("evaluation/award"), body, 422, "eval_not_candidate");
    raw_req(&agent, "POST", up, "application/pdf", "%PDF draft", 10, &r);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(r.body, "\"wrong_state\""));
    it_resp_free(&r);
    /* a suspension holds the next award */
    int64_t k2 = new_complaint(&bidder2, "result", "定标程序违规");
    json_decref(call(&supervisor, "POST", cpath(k2, "suspend"), NULL, 200));
    refused_same(&agent, "POST", tpath("evaluation/award"), "{}", 409, "tender_paused");
    json_decref(call(&supervisor, "POST", cpath(k2, "refuse"), "{\"reason\":\"重复投诉\"}", 200));
    assert_false(tender_paused());
    /* the next-ranked candidate, no reason needed (实施条例 art. 55) */
    json_decref(call(&agent, "POST", tpath("evaluation/award"), "{}", 200));
    json_decref(wait_state(g_tender, "awarded"));
    assert_int_equal(award_org(), org2);
    j = call(NULL, "GET", tpath("evaluation/notice"), NULL, 200);
    assert_int_equal(jint(j, "notice.org_id"), org2);
    json_decref(j);

    /* ---- annulled again: no candidate left; the agent terminates ---- */
    int64_t k3 = new_complaint(&bidder2, "result", "第二名报价异常");
    json_decref(call(&supervisor, "POST", cpath(k3, "accept"), NULL, 200));
    json_decref(call(&supervisor, "POST", cpath(k3, "decide"),
                     "{\"decision\":\"upheld\",\"remedy\":\"annul_award\",\"text\":\"中标无效。\"}",
                     200));
    json_decref(wait_state(g_tender, "publicity"));
    refused_same(&agent, "POST", tpath("evaluation/award"), "{}", 409, "eval_no_candidate");
    json_decref(call(&agent, "POST", tpath("cancel"), "{\"reason\":\"中标无效，重新招标\"}", 200));
    json_decref(wait_state(g_tender, "cancelled"));

    /* ---- once the contract is signed: recorded only ---- */
    g_tender = planted_publicity(org1, org2);
    json_decref(call(&bidder2, "POST", tpath("evaluation/objections"),
                     "{\"body\":\"第一名业绩造假\"}", 201));
    {
        struct store *s = fixture_store();
        struct store_param p[] = {SP_I(g_tender), SP_I(org1), SP_I(t_now)};
        fx_exec(s,
                "UPDATE evaluations SET phase = 'contracted', award_org_id = $2, award_ms = $3,"
                " notice_sha = 'ab', contract_ms = $3, contract_fen = 9000000 WHERE tender_id = $1",
                p, 3);
        fx_exec(s, "UPDATE tenders SET state = 'contracted' WHERE id = $1", p, 1);
        store_close(s);
    }
    int64_t k4 = new_complaint(&bidder2, "result", "第一名业绩造假");
    json_decref(call(&supervisor, "POST", cpath(k4, "accept"), NULL, 200));
    json_decref(call(&supervisor, "POST", cpath(k4, "decide"),
                     "{\"decision\":\"upheld\",\"remedy\":\"annul_award\",\"text\":\"中标无效。\"}",
                     200));
    assert_string_equal(complaint_status(k4), "decided");
    json_decref(wait_state(g_tender, "contracted"));
    assert_int_equal(award_org(), org1);
    assert_int_equal(
        audit_like("complaint.decide", k4, "%\"carried_out\":false,\"why\":\"contracted\"%"), 1);
    assert_int_equal(fx_int("SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                            " AND action = 'annul_award'",
                            g_tender),
                     0);
    /* re_evaluation: recorded, not carried out (docs/award.md) */
    int64_t k5 = new_complaint(&bidder2, "result", "评分错误");
    json_decref(call(&supervisor, "POST", cpath(k5, "accept"), NULL, 200));
    json_decref(call(
        &supervisor, "POST", cpath(k5, "decide"),
        "{\"decision\":\"upheld\",\"remedy\":\"re_evaluation\",\"text\":\"责令重新评标。\"}", 200));
    assert_int_equal(audit_like("complaint.decide", k5, "%\"carried_out\":false%"), 1);
    json_decref(wait_state(g_tender, "contracted"));
    /* a dismissal carries nothing */
    int64_t k6 = new_complaint(&bidder2, "result", "再次投诉");
    json_decref(call(&supervisor, "POST", cpath(k6, "accept"), NULL, 200));
    json_decref(call(&supervisor, "POST", cpath(k6, "decide"),
                     "{\"decision\":\"dismissed\",\"text\":\"驳回。\"}", 200));
    assert_int_equal(audit_like("complaint.decide", k6, "%carried_out%"), 0);
}

/* ---- per lot (docs/award.md "Per lot") ---- */

static int64_t fx_int2(const char *sql, int64_t a1, int64_t a2)
{
    struct store *s = fixture_store();
    struct store_tx *tx;
    struct store_param p[] = {SP_I(a1), SP_I(a2)};
    int64_t v = 0;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    int rc = store_query_int(tx, sql, p, 2, &v);
    store_rollback(tx);
    store_close(s);
    return rc == STORE_OK ? v : -1;
}

/* A tender of two lots, published now. */
static int64_t published_two_lots(void)
{
    char body[1024], path[128];
    int64_t now = t_now;
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市学校设备采购（两个标段）\",\"region\":\"350100\","
             "\"category\":\"goods\",\"ceiling_fen\":100000000,\"bond_fen\":1000000,"
             "\"bond_form\":\"cash\",\"eval_method\":\"lowest_price\",\"publish_at_ms\":%lld,"
             "\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,\"clarify_deadline_ms\":%lld,"
             "\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)(now + DAY), (long long)(now + 8 * DAY),
             (long long)(now + 15 * DAY), (long long)(now + 22 * DAY));
    json_t *j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/lots", (long long)id);
    json_decref(call(&agent, "POST", path, "{\"title\":\"第一标段 计算机\"}", 201));
    json_decref(call(&agent, "POST", path, "{\"title\":\"第二标段 课桌椅\"}", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.pdf", (long long)id);
    json_decref(call(&agent, "POST", path, "%PDF the documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    return id;
}

/* Plants the bids of o1 and o2 for lot and the lot's evaluation in
 * publicity from now for 3 days, o1 first. */
static void plant_lot(int64_t id, int64_t lot, int64_t o1, int64_t o2)
{
    int64_t now = t_now;
    json_t *j = call(&agent, "GET", "/api/evaluation-templates", NULL, 200);
    json_t *items = json_object_get(j, "items"), *tpl = NULL;
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(jstr(json_array_get(items, i), "name", NULL), "lowest_price") == 0)
            tpl = json_object_get(json_array_get(items, i), "template");
    assert_non_null(tpl);
    char *tpl_text = json_dumps(tpl, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    char sha[65], bidders[512], result[256];
    crypto_sha256_hex(tpl_text, strlen(tpl_text), sha);
    snprintf(bidders, sizeof bidders,
             "[{\"org_id\":%lld,\"bidder\":\"甲%lld\",\"form\":{\"price_fen\":9000000}},"
             "{\"org_id\":%lld,\"bidder\":\"乙%lld\",\"form\":{\"price_fen\":9500000}}]",
             (long long)o1, (long long)lot, (long long)o2, (long long)lot);
    snprintf(result, sizeof result, "{\"candidates\":[{\"org_id\":%lld},{\"org_id\":%lld}]}",
             (long long)o1, (long long)o2);
    struct store *s = fixture_store();
    int64_t orgs[2] = {o1, o2};
    for (int i = 0; i < 2; i++) {
        char blob[65];
        int64_t seed[2] = {orgs[i], lot};
        crypto_sha256_hex(seed, sizeof seed, blob);
        struct store_param p[] = {SP_I(id),  SP_I(orgs[i]),          SP_T(blob),
                                  SP_I(now), SP_I(lot * 10 + i + 1), SP_I(lot)};
        fx_exec(s,
                "INSERT INTO bids (tender_id, lot_no, org_id, version, state, blob_hash, size,"
                " suite, chain_hash, signer_fp, submitted_ms, seq) VALUES ($1, $6, $2, 1,"
                " 'submitted', $3, 100, 'intl', $3, $3, $4, $5)",
                p, 6);
    }
    struct store_param e[] = {SP_I(id),     SP_T(tpl_text), SP_T(sha),           SP_T(bidders),
                              SP_T(result), SP_I(now),      SP_I(now + 3 * DAY), SP_I(lot)};
    fx_exec(s,
            "INSERT INTO evaluations (tender_id, lot_no, phase, method, template, template_sha,"
            " bidders, result, report, report_sha, publicity_start_ms, publicity_end_ms,"
            " created_ms, updated_ms, version) VALUES ($1, $8, 'publicity', 'lowest_price', $2,"
            " $3, $4, $5, '{}', $3, $6, $7, $6, $6, 1)",
            e, 8);
    struct store_param t[] = {SP_I(id)};
    fx_exec(s, "UPDATE tenders SET state = 'publicity', next_due_ms = NULL WHERE id = $1", t, 1);
    store_close(s);
    free(tpl_text);
}

static char *lpath(const char *what, int64_t lot)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "/api/tenders/%lld/%s%slot=%lld", (long long)g_tender, what,
             strchr(what, '?') ? "&" : "?", (long long)lot);
    return p[k];
}

static int64_t lot_award_org(int64_t lot)
{
    return fx_int2("SELECT COALESCE(award_org_id, 0) FROM evaluations WHERE tender_id = $1"
                   " AND lot_no = $2",
                   g_tender, lot);
}

static int64_t lot_complaint(const struct it_session *who, int64_t lot, const char *text)
{
    char b[512];
    snprintf(b, sizeof b, "{\"subject\":\"result\",\"lot\":%lld,\"body\":\"%s\"}", (long long)lot,
             text);
    json_t *j = call(who, "POST", tpath("complaints"), b, 201);
    int64_t id = jint(j, "id");
    json_decref(j);
    return id;
}

static void object_and_answer(const struct it_session *who, int64_t org, int64_t lot)
{
    char ap[128];
    json_decref(call(who, "POST", lpath("evaluation/objections", lot),
                     "{\"body\":\"第一名业绩造假\"}", 201));
    int64_t oid = fx_int2("SELECT max(id) FROM evaluation_objections WHERE tender_id = $1"
                          " AND org_id = $2",
                          g_tender, org);
    snprintf(ap, sizeof ap, "evaluation/objections/%lld/answer", (long long)oid);
    json_decref(call(&agent, "POST", lpath(ap, lot), "{\"answer\":\"经核查，业绩真实。\"}", 200));
}

/* The complaint kid as the supervisor's view of its lot shows it. */
static json_t *complaint_view(int64_t lot, int64_t kid)
{
    json_t *j = call(&supervisor, "GET", lpath("award", lot), NULL, 200);
    json_t *a = json_object_get(j, "complaints"), *out = NULL;
    for (size_t i = 0; i < json_array_size(a); i++)
        if (jint(json_array_get(a, i), "id") == kid)
            out = json_incref(json_array_get(a, i));
    json_decref(j);
    assert_non_null(out);
    return out;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Two lots: each awarded, lot 2 annulled and re-evaluated while lot 1 stays
 * awarded, lot 2 then failed; lot 1's late contract warned once, then
 * signed; bonds due after the bidder's lots; a contracted lot's
 * re-evaluation recorded only; lots the tender lacks refused. */
static void test_lots(void **state)
{
    char body[2048], sig[600], bad[600], msg[256], sha[65], up[200];
    struct it_resp r;
    json_t *j;
    (void)state;
    clock_to((int64_t)time(NULL) * 1000);
    int64_t org1 = org_of("bidder1"), org2 = org_of("bidder2"), org3 = org_of("bidder3");
    pki(org1);
    g_tender = published_two_lots();
    plant_lot(g_tender, 1, org1, org2);
    plant_lot(g_tender, 2, org2, org3);

    /* ---- lots the tender lacks ---- */
    refused(NULL, "GET", lpath("award", 3), NULL, 404, "lot_not_found");
    refused(NULL, "GET", tpath("award?lot=x"), NULL, 422, "invalid_field");
    refused(NULL, "GET", tpath("award?lot=0"), NULL, 422, "invalid_field");
    refused_same(&agent, "POST", lpath("award/bonds", 3), "{\"all\":true}", 404, "lot_not_found");
    refused_same(&bidder3, "POST", tpath("complaints"),
                 "{\"subject\":\"result\",\"lot\":3,\"body\":\"x\"}", 404, "lot_not_found");
    refused_same(&bidder1, "GET", lpath("award/contract/document", 3), NULL, 404, "lot_not_found");
    snprintf(up, sizeof up, "/api/tenders/%lld/award/contract?name=c.pdf&amount_fen=9&lot=3",
             (long long)g_tender);
    raw_req(&agent, "POST", up, "application/pdf", "%PDF", 4, &r);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "\"lot_not_found\""));
    it_resp_free(&r);
    j = call(NULL, "GET", lpath("award", 2), NULL, 200);
    assert_int_equal(jint(j, "lot"), 2);
    assert_int_equal(json_array_size(json_object_get(j, "lots")), 2);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "lots"), 1), "name", NULL),
                        "第二标段 课桌椅");
    json_decref(j);

    /* ---- objections per lot; the result's complaint needs its lot's ---- */
    object_and_answer(&bidder3, org3, 2);
    object_and_answer(&bidder2, org2, 2);
    object_and_answer(&bidder2, org2, 1);
    refused_same(&bidder3, "POST", tpath("complaints"),
                 "{\"subject\":\"result\",\"lot\":1,\"body\":\"第一标段评审违规\"}", 409,
                 "complaint_objection_first");
    /* two lots: a result complaint must say which */
    refused_same(&bidder2, "POST", tpath("complaints"),
                 "{\"subject\":\"result\",\"body\":\"评审违规\"}", 422, "invalid_field");
    clock_to(t_now + 3 * DAY + 60000);
    json_decref(call(&agent, "POST", lpath("evaluation/award", 1), "{}", 200));
    json_decref(call(&agent, "POST", lpath("evaluation/award", 2), "{}", 200));
    /* an awarded lot is not failed over its notice: annulled first */
    refused_same(&agent, "POST", lpath("evaluation/fail", 1), "{\"reason\":\"x\"}", 409,
                 "eval_wrong_phase");
    json_decref(wait_state(g_tender, "awarded"));
    assert_int_equal(lot_award_org(1), org1);
    assert_int_equal(lot_award_org(2), org2);
    j = call(&bidder2, "GET", lpath("award", 2), NULL, 200);
    assert_true(json_is_true(json_object_get(json_object_get(j, "you"), "winner")));
    assert_int_equal(jint(j, "award.org_id"), org2);
    json_decref(j);
    j = call(&bidder2, "GET", lpath("award", 1), NULL, 200);
    assert_false(json_is_true(json_object_get(json_object_get(j, "you"), "winner")));
    json_decref(j);

    /* ---- lot 2 annulled: back to publicity, lot 1 stays awarded ---- */
    int64_t k1 = lot_complaint(&bidder3, 2, "第一名业绩造假，异议答复不实");
    json_decref(call(&supervisor, "POST", cpath(k1, "accept"), NULL, 200));
    j = call(&supervisor, "POST", cpath(k1, "decide"),
             "{\"decision\":\"upheld\",\"remedy\":\"annul_award\",\"text\":\"中标无效。\"}", 200);
    assert_int_equal(jint(j, "lot"), 2); /* the view of the complaint's lot */
    json_decref(j);
    json_decref(wait_state(g_tender, "publicity"));
    assert_int_equal(lot_award_org(1), org1);
    assert_int_equal(lot_award_org(2), 0);
    assert_int_equal(fx_int("SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                            " AND action = 'annul_award' AND from_state = 'awarded'"
                            " AND to_state = 'publicity'",
                            g_tender),
                     1);
    j = complaint_view(2, k1);
    assert_int_equal(jint(j, "lot"), 2);
    assert_true(json_is_true(json_object_get(j, "carried_out")));
    json_decref(j);
    json_decref(call(&agent, "POST", lpath("evaluation/award", 2), "{}", 200));
    json_decref(wait_state(g_tender, "awarded"));
    assert_int_equal(lot_award_org(2), org3);

    /* ---- lot 2 re-evaluated: the tender back to evaluation ---- */
    int64_t k2 = lot_complaint(&bidder2, 2, "评分错误");
    json_decref(call(&supervisor, "POST", cpath(k2, "accept"), NULL, 200));
    json_decref(call(
        &supervisor, "POST", cpath(k2, "decide"),
        "{\"decision\":\"upheld\",\"remedy\":\"re_evaluation\",\"text\":\"责令重新评标。\"}", 200));
    json_decref(wait_state(g_tender, "evaluation"));
    assert_int_equal(lot_award_org(1), org1);
    assert_int_equal(lot_award_org(2), 0);
    assert_int_equal(
        fx_int2("SELECT round FROM evaluations WHERE tender_id = $1 AND lot_no = $2", g_tender, 2),
        2);
    assert_int_equal(fx_int("SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                            " AND action = 'reevaluate' AND to_state = 'evaluation'",
                            g_tender),
                     1);
    assert_int_equal(audit_like("complaint.decide", k2, "%\"carried_out\":true%"), 1);
    j = complaint_view(2, k2);
    assert_true(json_is_true(json_object_get(j, "carried_out")));
    json_decref(j);
    /* forward again: the agent ends lot 2 as failed; lot 1 carries the tender */
    json_decref(call(&agent, "POST", lpath("evaluation/fail", 2),
                     "{\"reason\":\"重新评审后有效投标不足\"}", 200));
    json_decref(wait_state(g_tender, "awarded"));
    int64_t failed_ms = fx_int2("SELECT updated_ms FROM evaluations WHERE tender_id = $1"
                                " AND lot_no = $2 AND phase = 'failed'",
                                g_tender, 2);
    assert_true(failed_ms > 0);
    snprintf(up, sizeof up, "/api/tenders/%lld/award/contract?name=c.pdf&amount_fen=9&lot=2",
             (long long)g_tender);
    raw_req(&agent, "POST", up, "application/pdf", "%PDF", 4, &r);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(r.body, "\"wrong_state\""));
    it_resp_free(&r);

    /* ---- bonds: org3 bid on the failed lot only: due from its failure ---- */
    j = call(&agent, "POST", lpath("award/bonds", 2), "{\"all\":true}", 200);
    json_t *bl = json_object_get(j, "bonds");
    assert_int_equal(json_array_size(bl), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *b = json_array_get(bl, i);
        if (jint(b, "org_id") == org3)
            assert_int_equal(jint(b, "refund_due_ms"), due_of(failed_ms, 5, false));
        else
            assert_null(json_object_get(b, "refund_due_ms")); /* lot 1 not contracted */
    }
    json_decref(j);

    /* ---- lot 1's contract late: warned once on the supervision stream ---- */
    static struct sse ev;
    sse_open(&ev, &supervisor, "/api/events?topic=supervision");
    sse_wait(&ev, "text/event-stream", NULL); /* subscribed before anything is due */
    {
        struct store *fs = fixture_store();
        struct store_param p[] = {SP_I(g_tender), SP_I(40 * DAY)};
        fx_exec(fs,
                "UPDATE evaluations SET award_ms = award_ms - $2 WHERE tender_id = $1"
                " AND lot_no = 1",
                p, 2);
        store_close(fs);
    }
    char needle[96];
    snprintf(needle, sizeof needle, "\"tender_id\":%lld,\"lot\":1", (long long)g_tender);
    sse_wait(&ev, "event: contract.overdue", needle);
    /* four more rounds of the scheduler (500 ms each): nothing again */
    for (int i = 0; i < 40; i++) {
        struct pollfd pf = {ev.fd, POLLIN, 0};
        if (poll(&pf, 1, 50) == 1 && ev.len + 1 < sizeof ev.buf) {
            ssize_t n = read(ev.fd, ev.buf + ev.len, sizeof(ev.buf) - 1 - ev.len);
            assert_true(n > 0);
            ev.len += (size_t)n;
            ev.buf[ev.len] = '\0';
        }
    }
    assert_int_equal(count_of(ev.buf, "event: contract.overdue"), 1);
    close(ev.fd);
    assert_int_equal(
        fx_int("SELECT count(*) FROM award_late_warnings WHERE tender_id = $1", g_tender), 1);
    j = call(&supervisor, "GET", "/api/award/overdue", NULL, 200);
    json_t *oc = json_object_get(j, "contracts");
    assert_int_equal(json_array_size(oc), 1);
    assert_int_equal(jint(json_array_get(oc, 0), "tender_id"), g_tender);
    assert_int_equal(jint(json_array_get(oc, 0), "lot"), 1);
    assert_true(json_is_true(json_object_get(json_array_get(oc, 0), "warned")));
    json_decref(j);

    /* ---- lot 1's contract: the tender contracted (lot 2 failed) ---- */
    static const char doc[] = "%PDF-1.4 第一标段合同";
    snprintf(up, sizeof up, "/api/tenders/%lld/award/contract?name=c1.pdf&amount_fen=9000000&lot=1",
             (long long)g_tender);
    raw_req(&agent, "POST", up, "application/pdf", doc, sizeof doc - 1, &r);
    if (r.status != 201)
        fail_msg("upload: %d %s", r.status, r.body);
    j = parse(&r);
    it_resp_free(&r);
    crypto_sha256_hex(doc, sizeof doc - 1, sha);
    snprintf(msg, sizeof msg, "%s", jstr(json_object_get(j, "contract"), "sign_message", NULL));
    json_decref(j);
    sign_b64("b1s", msg, sig, sizeof sig);
    sign_b64("ag", msg, bad, sizeof bad);
    snprintf(body, sizeof body, "{\"signature\":\"%s\",\"document_sha256\":\"%s\"}", sig, sha);
    /* lot 2's winner it is not (lot 2 failed) */
    refused_same(&bidder1, "POST", lpath("award/contract/sign", 2), body, 403,
                 "contract_not_winner");
    json_decref(call(&bidder1, "POST", lpath("award/contract/sign", 1), body, 200));
    snprintf(body, sizeof body, "{\"signature\":\"%s\",\"document_sha256\":\"%s\"}", bad, sha);
    j = call(&agent, "POST", lpath("award/contract/sign", 1), body, 200);
    assert_true(json_is_true(json_object_get(json_object_get(j, "contract"), "late")));
    int64_t signed_ms = jint(j, "contract.signed_ms");
    json_decref(j);
    json_decref(wait_state(g_tender, "contracted"));
    j = call(&supervisor, "GET", "/api/award/overdue", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "contracts")), 0);
    json_decref(j);
    j = call(&agent, "GET", lpath("award", 1), NULL, 200);
    bl = json_object_get(j, "bonds");
    for (size_t i = 0; i < json_array_size(bl); i++) {
        json_t *b = json_array_get(bl, i);
        int64_t want =
            jint(b, "org_id") == org3 ? due_of(failed_ms, 5, false) : due_of(signed_ms, 5, false);
        assert_int_equal(jint(b, "refund_due_ms"), want);
    }
    json_decref(j);

    /* ---- a contracted lot: re-evaluation recorded only ---- */
    int64_t k3 = lot_complaint(&bidder2, 1, "第一标段评分错误");
    json_decref(call(&supervisor, "POST", cpath(k3, "accept"), NULL, 200));
    json_decref(call(
        &supervisor, "POST", cpath(k3, "decide"),
        "{\"decision\":\"upheld\",\"remedy\":\"re_evaluation\",\"text\":\"责令重新评标。\"}", 200));
    assert_int_equal(
        audit_like("complaint.decide", k3, "%\"carried_out\":false,\"why\":\"contracted\"%"), 1);
    j = complaint_view(1, k3);
    assert_false(json_is_true(json_object_get(j, "carried_out")));
    assert_string_equal(jstr(j, "carried_why", NULL), "contracted");
    json_decref(j);
    json_decref(wait_state(g_tender, "contracted"));
    assert_int_equal(lot_award_org(1), org1);
}

/* The objection of lot 2 as jv's array holds it, or NULL. */
static json_t *objection_in(json_t *jv, int64_t oid)
{
    json_t *a = json_object_get(jv, "objections");
    for (size_t i = 0; i < json_array_size(a); i++)
        if (jint(json_array_get(a, i), "id") == oid)
            return json_array_get(a, i);
    return NULL;
}

/* Objections belong to the round whose result they object to (docs/award.md
 * "Objection first"): lot 2's round 1 ends by an upheld complaint while
 * bidder3's second objection is still open; it is closed at once with the
 * system's "superseded" answer (404 to answer it again), shown so to
 * bidder3, and neither blocks round 2's award nor counts for a complaint
 * about round 2's result: that needs an objection raised in round 2, which
 * itself blocks the award until answered. */
static void test_rounds(void **state)
{
    char ap[128], b[256];
    json_t *j;
    (void)state;
    clock_to((int64_t)time(NULL) * 1000);
    int64_t org1 = org_of("bidder1"), org2 = org_of("bidder2"), org3 = org_of("bidder3");
    g_tender = published_two_lots();
    plant_lot(g_tender, 1, org1, org2);
    plant_lot(g_tender, 2, org2, org3);

    /* round 1: bidder3 objects (answered), objects again (left open), complains */
    object_and_answer(&bidder3, org3, 2);
    json_decref(call(&bidder3, "POST", lpath("evaluation/objections", 2),
                     "{\"body\":\"第一名报价计算有误\"}", 201));
    int64_t open1 = fx_int2("SELECT max(id) FROM evaluation_objections WHERE tender_id = $1"
                            " AND org_id = $2",
                            g_tender, org3);
    assert_int_equal(fx_int2("SELECT round FROM evaluation_objections WHERE tender_id = $1"
                             " AND id = $2 AND answered_ms IS NULL",
                             g_tender, open1),
                     1);
    int64_t k1 = lot_complaint(&bidder3, 2, "第一名报价计算有误，异议未获答复");
    json_decref(call(&supervisor, "POST", cpath(k1, "accept"), NULL, 200));
    json_decref(call(
        &supervisor, "POST", cpath(k1, "decide"),
        "{\"decision\":\"upheld\",\"remedy\":\"re_evaluation\",\"text\":\"责令重新评标。\"}", 200));
    json_decref(wait_state(g_tender, "evaluation"));
    assert_int_equal(
        fx_int2("SELECT round FROM evaluations WHERE tender_id = $1 AND lot_no = $2", g_tender, 2),
        2);
    /* the open one closed by the system in the re-evaluation's transaction */
    assert_int_equal(fx_int2("SELECT count(*) FROM evaluation_objections WHERE tender_id = $1"
                             " AND id = $2 AND answered_ms IS NOT NULL AND answered_by IS NULL"
                             " AND answer = 'superseded: re-evaluation round 2 started'",
                             g_tender, open1),
                     1);
    assert_int_equal(fx_int2("SELECT count(*) FROM evaluation_objections WHERE tender_id = $1"
                             " AND lot_no = $2 AND answered_ms IS NULL",
                             g_tender, 2),
                     0);
    assert_int_equal(fx_int("SELECT count(*) FROM audit_log WHERE action = 'evaluation.reevaluate'"
                            " AND detail LIKE '%\"objections_superseded\":1%' AND $1 > 0",
                            g_tender),
                     1);
    j = call(&supervisor, "GET", lpath("evaluation", 2), NULL, 200);
    assert_non_null(objection_in(j, open1)); /* shown while round 2 is evaluated */
    assert_int_equal(jint(objection_in(j, open1), "round"), 1);
    json_decref(j);

    /* round 2's result in publicity (planted): org2 first again */
    {
        char result[160];
        snprintf(result, sizeof result,
                 "{\"candidates\":[{\"org_id\":%lld},{\"org_id\":%lld}],\"round\":2}",
                 (long long)org2, (long long)org3);
        struct store *fs = fixture_store();
        struct store_param p[] = {SP_I(g_tender), SP_T(result), SP_I(t_now), SP_I(t_now + 3 * DAY)};
        fx_exec(fs,
                "UPDATE evaluations SET phase = 'publicity', result = $2, report = '{}',"
                " report_sha = template_sha, publicity_start_ms = $3, publicity_end_ms = $4"
                " WHERE tender_id = $1 AND lot_no = 2",
                p, 4);
        fx_exec(fs, "UPDATE tenders SET state = 'publicity', next_due_ms = NULL WHERE id = $1", p,
                1);
        store_close(fs);
    }
    /* the superseded objection as bidder3 sees it; answering it is over */
    j = call(&bidder3, "GET", lpath("evaluation", 2), NULL, 200);
    json_t *o = objection_in(j, open1);
    assert_non_null(o);
    assert_int_equal(jint(o, "round"), 1);
    assert_string_equal(jstr(o, "answer", NULL), "superseded: re-evaluation round 2 started");
    assert_true(jint(o, "answered_ms") > 0);
    json_decref(j);
    snprintf(ap, sizeof ap, "evaluation/objections/%lld/answer", (long long)open1);
    refused_same(&agent, "POST", lpath(ap, 2), "{\"answer\":\"迟到的答复\"}", 404, "not_found");

    /* round 1's objections do not found a complaint about round 2's result */
    snprintf(b, sizeof b, "{\"subject\":\"result\",\"lot\":2,\"body\":\"重新评审结果有误\"}");
    refused_same(&bidder3, "POST", tpath("complaints"), b, 409, "complaint_objection_first");

    /* a round-2 objection: stamped round 2, it blocks the award until answered */
    json_decref(call(&bidder3, "POST", lpath("evaluation/objections", 2),
                     "{\"body\":\"重新评审仍未核实第一名业绩\"}", 201));
    int64_t open2 = fx_int2("SELECT max(id) FROM evaluation_objections WHERE tender_id = $1"
                            " AND org_id = $2",
                            g_tender, org3);
    assert_true(open2 > open1);
    j = call(&bidder3, "GET", lpath("evaluation", 2), NULL, 200);
    assert_int_equal(jint(objection_in(j, open2), "round"), 2);
    json_decref(j);
    clock_to(t_now + 3 * DAY + 60000);
    refused_same(&agent, "POST", lpath("evaluation/award", 2), "{}", 409, "eval_objections_open");
    snprintf(ap, sizeof ap, "evaluation/objections/%lld/answer", (long long)open2);
    json_decref(call(&agent, "POST", lpath(ap, 2), "{\"answer\":\"经重新核查，业绩真实。\"}", 200));
    /* round 1's objection (closed) blocks nothing: round 2 is awarded */
    json_decref(call(&agent, "POST", lpath("evaluation/award", 1), "{}", 200));
    json_decref(call(&agent, "POST", lpath("evaluation/award", 2), "{}", 200));
    json_decref(wait_state(g_tender, "awarded"));
    assert_int_equal(lot_award_org(2), org2);
    /* with its round-2 objection, bidder3's complaint about round 2 is filed */
    j = call(&bidder3, "POST", tpath("complaints"), b, 201);
    assert_true(jint(j, "id") > k1);
    json_decref(j);
}

/* Working days on a fixed calendar: a complaint filed on Friday
 * 2026-09-25 before a holiday week (Mon 09-28 .. Fri 10-02). */
static void test_workdays(void **state)
{
    char body[512], path[96];
    json_t *j;
    (void)state;
    clock_to(1788832800000LL); /* Tue 2026-09-08 10:00 China time */
    static const char *const hol[] = {"2026-09-28", "2026-09-29", "2026-09-30", "2026-10-01",
                                      "2026-10-02"};
    for (size_t i = 0; i < sizeof hol / sizeof hol[0]; i++) {
        snprintf(path, sizeof path, "/api/calendar/days/%s", hol[i]);
        json_decref(call(&admin, "PUT", path, "{\"kind\":\"holiday\",\"name\":\"国庆节\"}", 200));
    }
    g_tender = published_tender();
    json_decref(call(&bidder2, "POST", tpath("register"), NULL, 201));
    clock_to(1790301600000LL); /* Fri 2026-09-25 10:00 China time */
    /* known Thu 09-10: the 10th day, Sun 09-20, moves to Mon 09-21 (its end) */
    snprintf(body, sizeof body,
             "{\"subject\":\"documents\",\"body\":\"排他性条款\",\"known_ms\":%lld}",
             1789005600000LL);
    j = call(&bidder2, "POST", tpath("complaints"), body, 409);
    assert_string_equal(jstr(j, "error", "code"), "rule_complaint_too_late");
    assert_int_equal(jint(j, "error.limit"), 1790006400000LL); /* 2026-09-21T16:00Z */
    json_decref(j);
    /* known Fri 09-18: the 10th day, Mon 09-28, is a holiday: Mon 10-05 */
    snprintf(body, sizeof body,
             "{\"subject\":\"documents\",\"body\":\"排他性条款\",\"known_ms\":%lld}",
             1789696800000LL);
    j = call(&bidder2, "POST", tpath("complaints"), body, 201);
    int64_t k = jint(j, "id");
    json_decref(j);
    /* accepted within 3 working days: Mon 10-05, Tue 10-06, Wed 10-07 */
    assert_int_equal(fx_int("SELECT accept_due_ms FROM complaints WHERE id = $1", k),
                     1791388800000LL); /* 2026-10-07T16:00Z */
    json_decref(call(&supervisor, "POST", cpath(k, "accept"), NULL, 200));
    /* decided within 30 working days of it: Fri 11-13 */
    assert_int_equal(fx_int("SELECT decide_due_ms FROM complaints WHERE id = $1", k),
                     1794585600000LL); /* 2026-11-13T16:00Z */
    j = call(&supervisor, "GET", "/api/complaints", NULL, 200);
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "accept_due_ms"),
                     1791388800000LL);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_award_road, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remedy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workdays, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
