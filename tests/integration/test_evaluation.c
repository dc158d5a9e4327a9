/*
 * The evaluation room through the real server (docs/evaluation.md), on
 * SQLite and (evaluation_pg) PostgreSQL.
 *
 * test_full_evaluation: seven experts with accounts and personal signing
 * certificates (a test CA made with `sunbid ca`, trusted by the admin;
 * each expert registers its certificate at /api/users/me/certs) are drawn
 * for a tender through the draw's routes, confirm, form the committee and
 * elect a chair. The opening itself is test_opening's: here the sealed
 * opening's rows (three opened bids with their forms, the hall sealed, the
 * tender in `evaluation`) are written into the server's store directly.
 * Then everything goes through the API: the agent starts the evaluation
 * with a scoring table; bidders and the public see nothing; the seven vote
 * on the qualification (one bid fails by majority, with reasons) and the
 * chair advances; they score, one expert plants a far-off score, the
 * warnings reach that expert, the chair and the supervisor but not the
 * others; the chair cannot advance until the expert confirms one warning
 * and revises the other score with a reason; the report is built, its
 * bytes hash to its announced SHA-256, every member signs it (a bad
 * signature refused with user_signature_invalid) and each signature
 * verifies against that member's certificate; the agent publishes the
 * candidates for 3 days; the public sees the candidates, no scores; a
 * bidder objects; the award is refused while the publicity runs and while
 * the objection is open; answered, the award goes to the first candidate
 * with its notice; the agent alone cannot record the contract (it is
 * signed online by both sides: test_award.c); the tender goes
 * evaluation -> publicity -> awarded.
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

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "analytics/doctext.h"
#include "base/base64.h"
#include "crypto/random.h"
#include "domain/evaluation.h"
#include "store/store.h"

#include "tender_fixture.h"
#include "store_fixture.h"
#include "scratch_fixture.h"

#define NX 7

static struct it_session xs[NX];
static int64_t t_now; /* the server's (manual) clock as the test set it */

/* A raw request with a body of the given media type; the answer into r. */
/* A refused request: its status and error code. */
static void refused(const struct it_session *who, const char *method, const char *path,
                    const char *body, int status, const char *code)
{
    json_t *j = call(who, method, path, body, status);
    const char *got = jstr(j, "error", "code");
    if (got == NULL || strcmp(got, code) != 0)
        fail_msg("%s %s: want %s, got %s", method, path, code, got ? got : "(none)");
    json_decref(j);
}

/* POST to /api/tenders/ID/evaluation/WHAT. */
static json_t *ev_post(const struct it_session *who, int64_t id, const char *what, const char *body,
                       int status)
{
    char path[512];
    snprintf(path, sizeof path, "/api/tenders/%lld/evaluation/%s", (long long)id, what);
    return call(who, "POST", path, body, status);
}

static void ev_refused(const struct it_session *who, int64_t id, const char *what, const char *body,
                       int status, const char *code)
{
    char path[512];
    snprintf(path, sizeof path, "/api/tenders/%lld/evaluation/%s", (long long)id, what);
    refused(who, "POST", path, body, status, code);
}

static json_t *ev_get(const struct it_session *who, int64_t id, int status)
{
    char path[200];
    snprintf(path, sizeof path, "/api/tenders/%lld/evaluation", (long long)id);
    return call(who, "GET", path, NULL, status);
}

/* The server's store, opened from the test (the fixture's shortcut for
 * the sealed opening). */
static int64_t fx_int(struct store *s, const char *sql, const char *arg)
{
    struct store_tx *tx;
    struct store_param p[] = {SP_T(arg)};
    int64_t v = 0;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, sql, p, 1, &v), STORE_OK);
    store_rollback(tx);
    return v;
}

static const char *const forms[3] = {"{\"duration_days\":300,\"price_fen\":9800000}",
                                     "{\"duration_days\":330,\"price_fen\":10200000}",
                                     "{\"duration_days\":360,\"price_fen\":9500000}"};

/* The sealed opening of tender id with one opened bid of each demo bidder:
 * bids, hall and tender rows written into the server's store. Returns the
 * bidders' organisation ids in org[3]. */
static void sealed_opening(int64_t id, int64_t org[3])
{
    static const char *const users[3] = {"bidder1", "bidder2", "bidder3"};
    struct store *s = fixture_store();
    int64_t now = (int64_t)time(NULL) * 1000;
    for (int i = 0; i < 3; i++) {
        char blob[65];
        org[i] = fx_int(s, "SELECT org_id FROM users WHERE username = $1", users[i]);
        crypto_sha256_hex(forms[i], strlen(forms[i]), blob);
        struct store_param p[] = {SP_I(id), SP_I(org[i]), SP_T(blob), SP_I(now), SP_I(i + 1)};
        fx_exec(s,
                "INSERT INTO bids (tender_id, lot_no, org_id, version, state, blob_hash, size,"
                " suite, chain_hash, signer_fp, submitted_ms, seq) VALUES ($1, 1, $2, 1,"
                " 'submitted', $3, 100, 'intl', $3, $3, $4, $5)",
                p, 5);
        struct store_param q[] = {SP_I(id), SP_I(org[i]), SP_T(forms[i]), SP_I(now)};
        fx_exec(s,
                "INSERT INTO opening_bids (bid_id, tender_id, lot_no, org_id, status, form,"
                " decided_ms) SELECT id, tender_id, 1, org_id, 'opened', $3, $4 FROM bids"
                " WHERE tender_id = $1 AND org_id = $2",
                q, 4);
    }
    struct store_param h[] = {SP_I(id), SP_I(now)};
    fx_exec(s,
            "INSERT INTO opening_halls (tender_id, phase, bidders, min_bids, record, record_hash,"
            " created_ms, updated_ms) VALUES ($1, 'sealed', 3, 3, '{}',"
            " '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', $2, $2)",
            h, 2);
    struct store_param t[] = {SP_I(id)};
    fx_exec(s, "UPDATE tenders SET state = 'evaluation', next_due_ms = NULL WHERE id = $1", t, 1);
    store_close(s);
}

/* Expert i's signature (ECDSA P-256 with SHA-256, DER, base64) of msg. */
static void sign_b64(int i, const char *msg, char *out, size_t outlen)
{
    char name[32];
    size_t len;
    snprintf(name, sizeof name, "x%d.key.pem", i + 1);
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

/* Whether the base64 signature verifies with expert i's certificate. */
static bool verify_b64(int i, const char *msg, const char *b64)
{
    char name[32];
    size_t len;
    unsigned char sig[256];
    snprintf(name, sizeof name, "x%d.crt.pem", i + 1);
    char *pem = slurp(path_in(name), &len);
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    assert_non_null(x);
    EVP_PKEY *k = X509_get_pubkey(x);
    long sl = b64_decode(b64, strlen(b64), sig, sizeof sig, 0);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = sl > 0 && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
              EVP_DigestVerify(ctx, sig, (size_t)sl, (const unsigned char *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    X509_free(x);
    BIO_free(bio);
    free(pem);
    return ok;
}

/* Experts with accounts, certificates and pool entries of specialty Z01. */
static void experts_setup(void)
{
    char body[1024], name[64];
    struct it_resp r;
    scratch_make("evaluation");
    ca_init("Evaluation Test CA");
    char *out;
    int rc;
    size_t len;
    char *ca = slurp(path_in("ca/ca.crt.pem"), &len);
    raw_req(&admin, "POST", "/api/trust", "application/x-pem-file", ca, len, &r);
    if (r.status != 201)
        fail_msg("trust: %d %s", r.status, r.body);
    it_resp_free(&r);
    free(ca);
    char csv[4096] = "code,name,region,employer,title,title_level,years,specialties,username\n";
    for (int i = 0; i < NX; i++) {
        snprintf(body, sizeof body,
                 "{\"username\":\"eexpert%d\",\"display_name\":\"评委%d\",\"password\":\"%s\","
                 "\"roles\":[\"expert\"]}",
                 i + 1, i + 1, IT_DEMO_PASSWORD);
        json_decref(call(&admin, "POST", "/api/users", body, 201));
        snprintf(name, sizeof name, "eexpert%d", i + 1);
        assert_int_equal(it_login(&srv, name, IT_DEMO_PASSWORD, 1, &xs[i]), 200);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "x%d", i + 1);
        out = NULL;
        rc = it_run(&out, "ca", "issue", "--dir", path_in("ca"), "--usage", "sign", "--subject-cn",
                    name, "--days", "3650", "--out", path_in(prefix), NULL);
        run_ok("ca issue", rc, out);
        snprintf(name, sizeof name, "x%d.crt.pem", i + 1);
        char *pem = slurp(path_in(name), &len);
        json_t *jb = json_pack("{s:s}", "sign", pem);
        char *text = json_dumps(jb, JSON_COMPACT);
        json_decref(call(&xs[i], "POST", "/api/users/me/certs", text, 201));
        free(text);
        json_decref(jb);
        free(pem);
        size_t n = strlen(csv);
        snprintf(csv + n, sizeof csv - n,
                 "E%03d,评标专家%d,350102,榕城某设计院,高级工程师,"
                 "senior,12,Z01,eexpert%d\n",
                 i + 1, i + 1, i + 1);
    }
    const char *spec = "code,parent,name,name_en\nZ,,测试大类,Test\nZ01,Z,测试专业,Test one\n";
    raw_req(&admin, "POST", "/api/expert-specialties/import", "text/csv", spec, strlen(spec), &r);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    raw_req(&admin, "POST", "/api/experts/import", "text/csv", csv, strlen(csv), &r);
    if (r.status != 200)
        fail_msg("expert import: %d %s", r.status, r.body);
    it_resp_free(&r);
}

/* A tender with its committee of the seven, member `chair` elected. Returns
 * the tender; member ids into mid[] by expert. */
static int64_t tender_with_committee(int64_t mid[NX])
{
    char path[200], body[1024];
    struct it_resp r;
    json_t *j;
    int64_t now = t_now;
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市滨江路改造工程施工\",\"region\":\"350100\",\"category\":\"works\","
             "\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,"
             "\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)(now + DAY), (long long)(now + 8 * DAY),
             (long long)(now + 15 * DAY), (long long)(now + 22 * DAY));
    j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.pdf", (long long)id);
    json_decref(call(&agent, "POST", path, "%PDF the documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    /* the draw: the seven of Z01 */
    snprintf(body, sizeof body,
             "{\"eval_start_ms\":%lld,\"eval_end_ms\":%lld,\"reps\":0,"
             "\"requests\":[{\"specialty\":\"Z01\",\"count\":7,\"reserves\":0}]}",
             (long long)(now + 22 * DAY), (long long)(now + 24 * DAY));
    snprintf(path, sizeof path, "/api/tenders/%lld/draws", (long long)id);
    j = call(&agent, "POST", path, body, 201);
    int64_t draw = jint(j, "draw.id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/draws/%lld/run", (long long)draw);
    int status = 0;
    for (int i = 0; i < 300 && status != 200; i++) {
        assert_int_equal(it_request_as(&srv, &agent, "POST", path, "", &r), 0);
        status = r.status;
        if (status != 200 && (status != 409 || strstr(r.body, "draw_not_ready") == NULL))
            fail_msg("run: %d %s", r.status, r.body);
        it_resp_free(&r);
        if (status != 200) {
            /* the sequencer signs checkpoints on the server's (manual) clock */
            t_now += 1000;
            set_clock(t_now);
            usleep(100 * 1000);
        }
    }
    assert_int_equal(status, 200);
    for (int i = 0; i < NX; i++) {
        j = call(&xs[i], "GET", "/api/experts/me/invitations", NULL, 200);
        json_t *items = json_object_get(j, "items");
        assert_int_equal(json_array_size(items), 1);
        snprintf(path, sizeof path, "/api/invitations/%lld/confirm",
                 (long long)jint(json_array_get(items, 0), "id"));
        json_decref(j);
        json_decref(call(&xs[i], "POST", path, "", 200));
    }
    snprintf(path, sizeof path, "/api/tenders/%lld/committee/form", (long long)id);
    json_decref(call(&agent, "POST", path, "", 200));
    /* each member's id, as each sees itself */
    snprintf(path, sizeof path, "/api/tenders/%lld/committee", (long long)id);
    for (int i = 0; i < NX; i++) {
        j = call(&xs[i], "GET", path, NULL, 200);
        mid[i] = jint(j, "you");
        json_decref(j);
    }
    snprintf(body, sizeof body, "{\"member_id\":%lld}", (long long)mid[0]);
    snprintf(path, sizeof path, "/api/tenders/%lld/committee/vote", (long long)id);
    for (int i = 0; i < 4; i++)
        json_decref(call(&xs[i], "POST", path, body, 200));
    return id;
}

static const char tpl[] =
    "{\"template\":{\"method\":\"comprehensive\","
    "\"qualification\":[{\"code\":\"Q1\",\"name\":\"资质\"},{\"code\":\"Q2\",\"name\":\"签章\"}],"
    "\"items\":["
    "{\"code\":\"T1\",\"name\":\"施工组织设计\",\"kind\":\"subjective\",\"points\":20,\"min\":8},"
    "{\"code\":\"T2\",\"name\":\"质量保证\",\"kind\":\"subjective\",\"points\":10},"
    "{\"code\":\"O1\",\"name\":\"工期\",\"kind\":\"objective\",\"points\":10,"
    "\"field\":\"duration_days\"},"
    "{\"code\":\"P\",\"name\":\"报价\",\"kind\":\"price\",\"points\":60}],"
    "\"price\":{\"formula\":\"avg_base\",\"k\":0.97,\"above\":2,\"below\":1},"
    "\"aggregate\":\"trimmed_mean\"}}";

/* Member m's clean score of bid b, item i, centi. */
static int64_t clean(int m, int b, int i)
{
    static const int64_t base[3][2] = {{1700, 800}, {1500, 700}, {1400, 650}};
    return base[b][i] + ((m * 3 + b * 5 + i) % 7) * 7;
}

static void test_full_evaluation(void **state)
{
    char body[4096], path[200];
    int64_t mid[NX], org[3];
    json_t *j;
    (void)state;
    t_now = (int64_t)time(NULL) * 1000; /* certificates are issued at the real time */
    set_clock(t_now);
    login_all();
    experts_setup();
    int64_t id = tender_with_committee(mid);
    sealed_opening(id, org);

    /* ---- start ---- */
    j = call(&agent, "GET", "/api/evaluation-templates", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 4);
    json_decref(j);
    refused(NULL, "GET", "/api/evaluation-templates", NULL, 401, "unauthenticated");
    ev_refused(&bidder1, id, "start", tpl, 403, "forbidden");
    ev_refused(&agent, id, "start", "{\"template\":\"nope\"}", 422, "eval_template_invalid");
    ev_refused(&agent, id, "start", "{\"template\":{\"method\":\"comprehensive\"}}", 422,
               "eval_template_invalid");
    ev_refused(&agent, id, "start", "{\"template\":\"lowest_price\",\"x\":1}", 422,
               "invalid_field");
    refused(&xs[0], "GET", "/api/tenders/0/evaluation", NULL, 404, "not_found");
    j = ev_post(&agent, id, "start", tpl, 201);
    assert_string_equal(jstr(j, "phase", NULL), "qualification");
    assert_null(json_object_get(j, "bidders")); /* the agent: logistics only */
    json_decref(j);
    ev_refused(&agent, id, "start", tpl, 409, "eval_wrong_phase");
    refused(&bidder1, "GET", "/api/tenders/0/evaluation", NULL, 404, "not_found");
    snprintf(path, sizeof path, "/api/tenders/%lld/evaluation", (long long)id);
    refused(&bidder1, "GET", path, NULL, 404, "not_found");
    refused(NULL, "GET", path, NULL, 404, "not_found");
    j = ev_get(&xs[3], id, 200);
    assert_int_equal(json_array_size(json_object_get(j, "bidders")), 3);
    assert_false(json_is_true(json_object_get(j, "chair")));
    json_decref(j);

    /* ---- qualification: bid 3 fails Q2 by four of seven ---- */
    for (int m = 0; m < NX; m++) {
        size_t n = (size_t)snprintf(body, sizeof body, "{\"submit\":true,\"votes\":[");
        for (int b = 0; b < 3; b++)
            for (int c = 0; c < 2; c++) {
                bool fail = b == 2 && c == 1 && m < 4;
                n += (size_t)snprintf(body + n, sizeof body - n,
                                      "%s{\"org_id\":%lld,\"criterion\":\"Q%d\",\"pass\":%s%s}",
                                      b + c ? "," : "", (long long)org[b], c + 1,
                                      fail ? "false" : "true",
                                      fail ? ",\"reason\":\"投标函未加盖公章\"" : "");
            }
        snprintf(body + n, sizeof body - n, "]}");
        if (m == 0) {
            ev_refused(&bidder1, id, "qualification", body, 403, "not_committee_member");
            ev_refused(&xs[0], id, "qualification",
                       "{\"submit\":true,\"votes\":[{\"org_id\":1,\"criterion\":\"Q1\","
                       "\"pass\":false}]}",
                       422, "invalid_field");
            ev_refused(&xs[0], id, "qualification", "{\"submit\":true,\"votes\":[]}", 422,
                       "eval_sheet_incomplete");
        }
        json_decref(ev_post(&xs[m], id, "qualification", body, 200));
        if (m == 2)
            ev_refused(&xs[0], id, "advance", "{\"from\":\"qualification\"}", 409,
                       "eval_sheets_missing");
    }
    ev_refused(&xs[1], id, "advance", "{\"from\":\"qualification\"}", 403, "forbidden");
    ev_refused(&agent, id, "advance", "{\"from\":\"qualification\"}", 403, "not_committee_member");
    j = ev_post(&xs[0], id, "advance", "{\"from\":\"qualification\"}", 200);
    assert_string_equal(jstr(j, "phase", NULL), "scoring");
    json_decref(j);

    /* ---- scoring: member 6 plants 3.00 on bid 2's T1 ---- */
    snprintf(body, sizeof body, "{\"scores\":[{\"org_id\":%lld,\"item\":\"T1\",\"score\":15}]}",
             (long long)org[2]);
    ev_refused(&xs[0], id, "scores", body, 422, "invalid_field"); /* failed the review */
    snprintf(body, sizeof body, "{\"scores\":[{\"org_id\":%lld,\"item\":\"T2\",\"score\":10.5}]}",
             (long long)org[0]);
    ev_refused(&xs[0], id, "scores", body, 422, "eval_score_out_of_range");
    snprintf(body, sizeof body, "{\"scores\":[{\"org_id\":%lld,\"item\":\"T2\",\"score\":9.125}]}",
             (long long)org[0]);
    ev_refused(&xs[0], id, "scores", body, 422, "eval_score_out_of_range");
    for (int m = 0; m < NX; m++) {
        size_t n = (size_t)snprintf(body, sizeof body, "{\"submit\":true,\"scores\":[");
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 2; i++) {
                int64_t v = m == 6 && b == 1 && i == 0 ? 300 : clean(m, b, i);
                n += (size_t)snprintf(body + n, sizeof body - n,
                                      "%s{\"org_id\":%lld,\"item\":\"T%d\",\"score\":%lld.%02lld}",
                                      b + i ? "," : "", (long long)org[b], i + 1,
                                      (long long)(v / 100), (long long)(v % 100));
            }
        snprintf(body + n, sizeof body - n, "]}");
        json_decref(ev_post(&xs[m], id, "scores", body, 200));
    }
    /* the warnings: the expert, the chair and the supervisor see them */
    j = ev_get(&xs[6], id, 200);
    json_t *ws = json_object_get(j, "warnings");
    assert_int_equal(json_array_size(ws), 3); /* range, outlier on T1, outlier on the sum */
    int64_t w_range = 0;
    for (size_t k = 0; k < json_array_size(ws); k++) {
        json_t *w = json_array_get(ws, k);
        assert_int_equal(jint(w, "org_id"), org[1]);
        if (strcmp(jstr(w, "kind", NULL), "range") == 0)
            w_range = jint(w, "id");
    }
    assert_true(w_range > 0);
    json_decref(j);
    j = ev_get(&xs[0], id, 200);
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 3);
    json_decref(j);
    j = ev_get(&supervisor, id, 200);
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 3);
    json_decref(j);
    j = ev_get(&xs[2], id, 200);
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "entries")), 6 + 4); /* its own */
    json_decref(j);
    ev_refused(&xs[0], id, "advance", "{\"from\":\"scoring\"}", 409, "eval_warnings_open");
    /* confirm the range warning; revise the score, with a reason */
    snprintf(path, sizeof path, "warnings/%lld/confirm", (long long)w_range);
    ev_refused(&xs[2], id, path, "{\"reason\":\"x\"}", 404, "not_found");
    ev_refused(&xs[6], id, path, "{}", 422, "missing_field");
    json_decref(ev_post(&xs[6], id, path, "{\"reason\":\"施工组织设计缺少关键工序\"}", 200));
    snprintf(body, sizeof body, "{\"scores\":[{\"org_id\":%lld,\"item\":\"T1\",\"score\":15}]}",
             (long long)org[1]);
    ev_refused(&xs[6], id, "scores", body, 422, "eval_sheet_incomplete");
    snprintf(body, sizeof body,
             "{\"reason\":\"复核后更正\",\"scores\":[{\"org_id\":%lld,\"item\":\"T1\","
             "\"score\":15}]}",
             (long long)org[1]);
    json_decref(ev_post(&xs[6], id, "scores", body, 200));
    j = ev_post(&xs[0], id, "advance", "{\"from\":\"scoring\"}", 200);
    assert_string_equal(jstr(j, "phase", NULL), "signing");
    json_decref(j);

    /* ---- the report and its signatures ---- */
    snprintf(path, sizeof path, "/api/tenders/%lld/evaluation/report", (long long)id);
    refused(&bidder1, "GET", path, NULL, 404, "not_found");
    struct it_resp r;
    assert_int_equal(it_request_as(&srv, &xs[1], "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    const char *start = strstr(r.body, "\"report\":") + 9;
    const char *end = strstr(r.body, ",\"signatures\":");
    char sha[65], report_sha[65], msg[128];
    crypto_sha256_hex(start, (size_t)(end - start), sha);
    j = parse(&r);
    it_resp_free(&r);
    snprintf(report_sha, sizeof report_sha, "%s", jstr(j, "report_sha256", NULL));
    assert_string_equal(sha, report_sha);
    json_t *cands = json_object_get(json_object_get(j, "report"), "candidates");
    assert_int_equal(json_array_size(cands), 2);
    assert_int_equal(jint(json_array_get(cands, 0), "org_id"), org[0]);
    json_decref(j);
    evaluation_sign_message(report_sha, msg);
    char sig[600], b[700];
    sign_b64(1, msg, sig, sizeof sig); /* member 1's key for member 0 */
    snprintf(b, sizeof b, "{\"signature\":\"%s\"}", sig);
    ev_refused(&xs[0], id, "sign", b, 422, "user_signature_invalid");
    ev_refused(&xs[0], id, "sign", "{\"signature\":\"***\"}", 422, "invalid_field");
    ev_refused(&agent, id, "publish", "{\"days\":3}", 409, "eval_wrong_phase");
    for (int m = 0; m < NX; m++) {
        sign_b64(m, msg, sig, sizeof sig);
        snprintf(b, sizeof b, "{\"signature\":\"%s\"}", sig);
        j = ev_post(&xs[m], id, "sign", b, 200);
        assert_string_equal(jstr(j, "phase", NULL), m + 1 < NX ? "signing" : "signed");
        json_decref(j);
    }
    ev_refused(&xs[0], id, "sign", b, 409, "eval_wrong_phase");
    j = call(&supervisor, "GET", path, NULL, 200);
    json_t *sigs = json_object_get(j, "signatures");
    assert_int_equal(json_array_size(sigs), NX);
    for (int m = 0; m < NX; m++) {
        json_t *sg = NULL;
        for (size_t k = 0; k < NX; k++)
            if (jint(json_array_get(sigs, k), "member_id") == mid[m])
                sg = json_array_get(sigs, k);
        assert_non_null(sg);
        assert_true(verify_b64(m, msg, jstr(sg, "signature", NULL)));
        assert_false(verify_b64((m + 1) % NX, msg, jstr(sg, "signature", NULL)));
    }
    json_decref(j);

    /* offline: `sunbid evaluation verify` checks the hash, every signature
     * with the certificate kept beside it, the committee, the issuer */
    snprintf(path, sizeof path, "/api/tenders/%lld/evaluation/report", (long long)id);
    assert_int_equal(it_request_as(&srv, &agent, "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char *rfile = path_in("report.json");
    FILE *rf = fopen(rfile, "wb");
    assert_non_null(rf);
    assert_int_equal(fwrite(r.body, 1, r.body_len, rf), r.body_len);
    fclose(rf);
    char *vout = NULL;
    int vrc = it_run(&vout, "evaluation", "verify", rfile, "--ca", path_in("ca/ca.crt.pem"), NULL);
    if (vrc != 0 || strstr(vout, "verified") == NULL)
        fail_msg("evaluation verify: %d\n%s", vrc, vout ? vout : "");
    assert_non_null(strstr(vout, "ok    issuer #"));
    free(vout);
    /* a changed score breaks the hash; a changed signature its check */
    char *bad = strdup(r.body);
    char *sc = strstr(bad, "\"score\":15.");
    assert_non_null(sc);
    sc[9] = '6';
    rf = fopen(rfile, "wb");
    fputs(bad, rf);
    fclose(rf);
    vout = NULL;
    assert_int_equal(it_run(&vout, "evaluation", "verify", rfile, NULL), 5);
    assert_non_null(strstr(vout, "FAIL  report-hash"));
    free(vout);
    free(bad);
    bad = strdup(r.body);
    char *sg = strstr(bad, "\"signature\":\"");
    assert_non_null(sg);
    sg[14] = sg[14] == 'M' ? 'N' : 'M';
    rf = fopen(rfile, "wb");
    fputs(bad, rf);
    fclose(rf);
    vout = NULL;
    assert_int_equal(it_run(&vout, "evaluation", "verify", rfile, NULL), 5);
    assert_non_null(strstr(vout, "FAIL  signature #"));
    free(vout);
    free(bad);
    it_resp_free(&r);

    /* the printable report: a PDF whose text carries the report's hash */
    snprintf(path, sizeof path, "/api/tenders/%lld/evaluation/report?format=pdf", (long long)id);
    refused(&bidder1, "GET", path, NULL, 404, "not_found");
    assert_int_equal(it_request_as(&srv, &supervisor, "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.body_len > 1000 && memcmp(r.body, "%PDF-", 5) == 0);
    struct doctext dt = {0};
    assert_int_equal(doctext_pdf(r.body, r.body_len, &dt), 0);
    if (strstr(dt.text, report_sha) == NULL)
        fail_msg("the PDF's text lacks the report hash: %.400s", dt.text);
    assert_non_null(strstr(dt.text, "评标报告"));
    doctext_release(&dt);
    it_resp_free(&r);
    snprintf(path, sizeof path, "/api/tenders/%lld/evaluation/report?format=xml", (long long)id);
    refused(&supervisor, "GET", path, NULL, 422, "invalid_field");

    /* ---- publicity, an objection, the award, the contract ---- */
    ev_refused(&agent, id, "publish", "{\"days\":2}", 422, "invalid_field");
    ev_refused(&xs[0], id, "publish", "{\"days\":3}", 403, "forbidden");
    json_decref(ev_post(&agent, id, "publish", "{\"days\":3}", 200));
    json_decref(wait_state(id, "publicity"));
    j = ev_get(NULL, id, 200);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "result"), "candidates")),
                     2);
    assert_null(json_object_get(j, "entries"));
    assert_null(json_object_get(j, "warnings"));
    assert_null(json_object_get(j, "bidders"));
    json_decref(j);
    ev_refused(&agent, id, "objections", "{\"body\":\"x\"}", 403, "forbidden");
    j = ev_post(&bidder2, id, "objections", "{\"body\":\"第一名业绩造假\"}", 201);
    int64_t oid = jint(j, "id");
    json_decref(j);
    ev_refused(&agent, id, "award", "{}", 409, "eval_publicity_running");
    set_clock(t_now + 3 * DAY + 60000);
    login_all();
    ev_refused(&bidder3, id, "objections", "{\"body\":\"迟到\"}", 409, "eval_publicity_over");
    ev_refused(&agent, id, "award", "{}", 409, "eval_objections_open");
    snprintf(path, sizeof path, "objections/%lld/answer", (long long)oid);
    json_decref(ev_post(&agent, id, path, "{\"answer\":\"经核查，业绩真实有效。\"}", 200));
    snprintf(body, sizeof body, "{\"org_id\":%lld}", (long long)org[1]);
    ev_refused(&agent, id, "award", body, 422, "missing_field"); /* the second needs a reason */
    snprintf(body, sizeof body, "{\"org_id\":%lld}", (long long)org[2]);
    ev_refused(&agent, id, "award", body, 422, "eval_not_candidate");
    j = ev_post(&agent, id, "award", "{}", 200);
    assert_int_equal(jint(j, "award.org_id"), org[0]);
    char notice_sha[65];
    snprintf(notice_sha, sizeof notice_sha, "%s",
             jstr(json_object_get(j, "award"), "notice_sha256", NULL));
    json_decref(j);
    json_decref(wait_state(id, "awarded"));
    snprintf(path, sizeof path, "/api/tenders/%lld/evaluation/notice", (long long)id);
    assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    start = strstr(r.body, "\"notice\":") + 9;
    crypto_sha256_hex(start, strlen(start) - 1, sha);
    assert_string_equal(sha, notice_sha);
    it_resp_free(&r);
    /* the contract is signed online by both sides (tests/integration/test_award.c);
     * the agent alone can no longer record one */
    snprintf(body, sizeof body, "{\"amount_fen\":9800000,\"document_sha256\":\"%s\"}", notice_sha);
    ev_refused(&agent, id, "contract", "{\"amount_fen\":0}", 422, "invalid_field");
    ev_refused(&xs[0], id, "contract", body, 403, "forbidden");
    ev_refused(&agent, id, "contract", body, 409, "contract_unsigned");
    json_decref(wait_state(id, "awarded"));
    j = ev_get(NULL, id, 200);
    assert_null(json_object_get(j, "contract"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_evaluation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
