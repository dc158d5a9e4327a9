/*
 * The evaluation per lot, with rounds (docs/evaluation.md, "Lots and
 * rounds") through the real server, on SQLite and (eval_lots_pg)
 * PostgreSQL.
 *
 * The demo works tender has two lots; a third lot without any bid is added.
 * The sealed opening (lot 1: bidder1 and bidder2; lot 2: bidder2 and
 * bidder3) and a committee of expert1 ... expert3 (expert1 chair) are
 * written into the server's store, as test_evaluation_live's fixture does.
 *
 * test_lots: a lot the tender does not have is 404 lot_not_found on GET
 * and POST, a malformed ?lot= 422; lot 3 fails at its start (no opened
 * bid); lots 1 and 2 start with different templates and are evaluated one
 * after the other by the same committee: reports, signatures with the demo
 * keys, publicity; the tender stays in `evaluation` until the last lot is
 * published, then moves to `publicity`; GET /api/results lists one item
 * per lot the public may see, the published lot already while the tender
 * is still in `evaluation`. A re-evaluation of lot 2 (evaluation_reevaluate_tx, as an
 * upheld complaint calls it) sends the tender back to `evaluation`
 * (transition `reevaluate`), keeps round 1 in the history, and round 2's
 * report names round 1's hash; round 1's signatures do not count in round
 * 2. The agent then ends lot 2 as failed (the bidder may not; no reason,
 * or a second time, refused) and the tender follows lot 1 to `publicity`.
 * `sunbid evaluation verify --lot` checks which lot a report is of.
 */
#include "harness.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/base64.h"
#include "base/clock.h"
#include "crypto/random.h"
#include "domain/evaluation.h"
#include "store/store.h"
#include "store/tender.h"

#include "tender_fixture.h"
#include "store_fixture.h"
#include "scratch_fixture.h"

#define NM     3 /* committee members: expert1 ... expert3 */
#define TENDER 1 /* the demo works tender: two lots */

static struct it_session ex[NM];

/* ---- the fixture ---- */

struct planted_bid {
    int lot;
    const char *user;
    const char *form;
};

static const struct planted_bid bids[4] = {
    {1, "bidder1", "{\"duration_days\":500,\"price_fen\":5000000000}"},
    {1, "bidder2", "{\"duration_days\":520,\"price_fen\":5100000000}"},
    {2, "bidder2", "{\"duration_days\":300,\"price_fen\":3300000000}"},
    {2, "bidder3", "{\"duration_days\":280,\"price_fen\":3400000000}"},
};

static int64_t q_int(const char *sql, int64_t arg)
{
    struct store *s = fixture_store();
    struct store_tx *tx;
    struct store_param p[] = {SP_I(arg)};
    int64_t v = 0;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, sql, p, 1, &v), STORE_OK);
    store_rollback(tx);
    store_close(s);
    return v;
}

/* The sealed opening of lots 1 and 2, lot 3 without a bid, the committee. */
static void plant(void)
{
    struct store *s = fixture_store();
    int64_t now = (int64_t)time(NULL) * 1000;
    struct store_param l3[] = {SP_I(TENDER), SP_I(now)};
    fx_exec(s,
            "INSERT INTO tender_lots (tender_id, lot_no, title, ceiling_fen, bond_fen, created_ms)"
            " VALUES ($1, 3, '第三标段：附属设施', NULL, 0, $2)",
            l3, 2);
    for (int i = 0; i < 4; i++) {
        char blob[65];
        crypto_sha256_hex(bids[i].form, strlen(bids[i].form), blob);
        struct store_param p[] = {SP_I(TENDER), SP_T(bids[i].user), SP_T(blob),
                                  SP_I(now),    SP_I(i + 1),        SP_I(bids[i].lot)};
        fx_exec(s,
                "INSERT INTO bids (tender_id, lot_no, org_id, version, state, blob_hash, size,"
                " suite, chain_hash, signer_fp, submitted_ms, seq) SELECT $1, $6, org_id, 1,"
                " 'submitted', $3, 100, 'intl', $3, $3, $4, $5 FROM users WHERE username = $2",
                p, 6);
        struct store_param q[] = {SP_I(TENDER), SP_T(bids[i].user), SP_T(bids[i].form), SP_I(now),
                                  SP_I(bids[i].lot)};
        fx_exec(s,
                "INSERT INTO opening_bids (bid_id, tender_id, lot_no, org_id, status, form,"
                " decided_ms) SELECT b.id, b.tender_id, b.lot_no, b.org_id, 'opened', $3, $4"
                " FROM bids b JOIN users u ON u.org_id = b.org_id WHERE b.tender_id = $1"
                " AND u.username = $2 AND b.lot_no = $5",
                q, 5);
    }
    struct store_param h[] = {SP_I(TENDER), SP_I(now)};
    fx_exec(s,
            "INSERT INTO opening_halls (tender_id, phase, bidders, min_bids, record, record_hash,"
            " created_ms, updated_ms) VALUES ($1, 'sealed', 3, 2, '{}',"
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
            " formed_ms, chair_ms) SELECT $1, 3, 3, 0, min(id), 'elected', $2, $2"
            " FROM committee_members WHERE tender_id = $1",
            h, 2);
    store_close(s);
}

static int setup_lots(void **state)
{
    setup(state);
    /* the demo certificates were issued now, not at the fixture's T0 */
    set_clock((int64_t)time(NULL) * 1000);
    login_all();
    for (int i = 0; i < NM; i++) {
        char name[24];
        snprintf(name, sizeof name, "expert%d", i + 1);
        assert_int_equal(it_login(&srv, name, IT_DEMO_PASSWORD, 1, &ex[i]), 200);
    }
    scratch_make("eval-lots");
    plant();
    return 0;
}

/* ---- requests ---- */

static json_t *ev(const struct it_session *who, const char *method, const char *what, int lot,
                  const char *body, int status)
{
    char path[256];
    snprintf(path, sizeof path, "/api/tenders/%d/evaluation%s?lot=%d", TENDER, what, lot);
    return call(who, method, path, body, status);
}

static void ev_refused(const struct it_session *who, const char *method, const char *path,
                       const char *body, int status, const char *code)
{
    json_t *j = call(who, method, path, body, status);
    const char *got = jstr(j, "error", "code");
    if (got == NULL || strcmp(got, code) != 0)
        fail_msg("%s %s: want %s, got %s", method, path, code, got ? got : "(none)");
    json_decref(j);
}

static const char *tender_state(void)
{
    static char st[32];
    json_t *j = call(NULL, "GET", "/api/tenders/1", NULL, 200);
    snprintf(st, sizeof st, "%s", jstr(j, "tender", "state"));
    json_decref(j);
    return st;
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

/* The report's hash of lot into sha (65). */
static void report_sha(int lot, char sha[65])
{
    json_t *j = ev(&ex[0], "GET", "/report", lot, NULL, 200);
    snprintf(sha, 65, "%s", jstr(j, "report_sha256", NULL));
    json_decref(j);
}

/* Members from..to-1 sign lot's report. */
static void sign_members(int lot, int from, int to)
{
    char sha[65], msg[128], b64[512], body[700];
    report_sha(lot, sha);
    evaluation_sign_message(sha, msg);
    for (int m = from; m < to; m++) {
        demo_sign(m + 1, msg, b64, sizeof b64);
        snprintf(body, sizeof body, "{\"signature\":\"%s\"}", b64);
        json_decref(ev(&ex[m], "POST", "/sign", lot, body, 200));
    }
}

/* Every member passes lot 2's bids on Q1 and submits. */
static void qualify_lot2(void)
{
    char body[400];
    int64_t o2 = q_int("SELECT org_id FROM users WHERE username = 'bidder2' AND id > $1", 0);
    int64_t o3 = q_int("SELECT org_id FROM users WHERE username = 'bidder3' AND id > $1", 0);
    snprintf(body, sizeof body,
             "{\"votes\":[{\"org_id\":%lld,\"criterion\":\"Q1\",\"pass\":true},"
             "{\"org_id\":%lld,\"criterion\":\"Q1\",\"pass\":true}],\"submit\":true}",
             (long long)o2, (long long)o3);
    for (int m = 0; m < NM; m++)
        json_decref(ev(&ex[m], "POST", "/qualification", 2, body, 200));
    json_decref(ev(&ex[0], "POST", "/advance", 2, "{\"from\":\"qualification\"}", 200));
}

static const char tpl1[] = "{\"template\":{\"method\":\"comprehensive\",\"name\":\"一标段\","
                           "\"items\":[{\"code\":\"P\",\"name\":\"报价\",\"kind\":\"price\","
                           "\"points\":100}]}}";
static const char tpl2[] =
    "{\"template\":{\"method\":\"comprehensive\",\"name\":\"二标段\","
    "\"qualification\":[{\"code\":\"Q1\",\"name\":\"资质\"}],"
    "\"items\":[{\"code\":\"O1\",\"name\":\"工期\",\"kind\":\"objective\",\"points\":20,"
    "\"field\":\"duration_days\",\"better\":\"lower\"},"
    "{\"code\":\"P\",\"name\":\"报价\",\"kind\":\"price\",\"points\":80}]}}";

/* The re-evaluation an upheld complaint orders, in the test's own
 * transaction on the server's store. */
static void reevaluate_lot2(void)
{
    struct store *s = fixture_store();
    struct arena a;
    arena_init(&a, 0);
    enum err e = ERR_CONFLICT;
    for (int i = 0; i < 50 && e == ERR_CONFLICT; i++) {
        struct store_tx *tx = NULL;
        struct tender t;
        int rc = store_begin(s, STORE_WRITE, &tx);
        if (rc == STORE_BUSY) {
            usleep(50 * 1000);
            continue;
        }
        assert_int_equal(rc, STORE_OK);
        assert_int_equal(store_tender_get(tx, &a, TENDER, &t), STORE_OK);
        e = evaluation_reevaluate_tx(tx, &tender_system_caller, &t, 2, 0,
                                     "投诉处理决定：责令重新评审", clock_now_ms());
        if (e == ERR_OK && store_commit(tx) != STORE_OK)
            e = ERR_CONFLICT;
        else if (e != ERR_OK)
            store_rollback(tx);
    }
    assert_int_equal(e, ERR_OK);
    arena_release(&a);
    store_close(s);
}

/* The lots of TENDER in GET /api/results?limit=100QUERY, as a bit set. */
static int result_lots(const char *query)
{
    char path[128];
    int seen = 0;
    snprintf(path, sizeof path, "/api/results?limit=100%s", query);
    json_t *j = call(NULL, "GET", path, NULL, 200);
    json_t *items = json_object_get(j, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (jint(json_array_get(items, i), "id") == TENDER)
            seen |= 1 << jint(json_array_get(items, i), "lot");
    json_decref(j);
    return seen;
}

/* ---- the test ---- */

static void test_lots(void **state)
{
    char r1sha[65], r2sha[65], path[128];
    json_t *j;
    (void)state;

    /* a lot the tender does not have; a malformed lot */
    ev_refused(&agent, "GET", "/api/tenders/1/evaluation?lot=4", NULL, 404, "lot_not_found");
    ev_refused(&agent, "POST", "/api/tenders/1/evaluation/start?lot=4", tpl1, 404, "lot_not_found");
    ev_refused(&agent, "GET", "/api/tenders/1/evaluation?lot=0", NULL, 422, "invalid_field");
    ev_refused(&agent, "POST", "/api/tenders/1/evaluation/start?lot=x", tpl1, 422, "invalid_field");

    /* lot 3 has no opened bid: failed at its start */
    j = ev(&agent, "POST", "/start", 3, tpl1, 201);
    assert_string_equal(jstr(j, "phase", NULL), "failed");
    assert_string_equal(jstr(j, "failed_reason", NULL), "no opened bid");
    assert_int_equal(jint(j, "lot"), 3);
    json_decref(j);

    /* lots 1 and 2, each with its template */
    j = ev(&agent, "POST", "/start", 1, tpl1, 201);
    char sha1[65];
    snprintf(sha1, sizeof sha1, "%s", jstr(j, "template_sha256", NULL));
    assert_int_equal(jint(j, "bids"), 2);
    json_decref(j);
    j = ev(&agent, "POST", "/start", 2, tpl2, 201);
    assert_string_not_equal(jstr(j, "template_sha256", NULL), sha1);
    assert_string_equal(jstr(j, "lot_name", NULL), "第二标段：照明及绿化");
    json_t *lots = json_object_get(j, "lots");
    assert_int_equal(json_array_size(lots), 3);
    assert_string_equal(jstr(json_array_get(lots, 0), "phase", NULL), "qualification");
    assert_string_equal(jstr(json_array_get(lots, 2), "phase", NULL), "failed");
    json_decref(j);
    ev_refused(&agent, "POST", "/api/tenders/1/evaluation/start?lot=2", tpl2, 409,
               "eval_wrong_phase");

    /* lot 1: no criterion, price only: straight to the report */
    json_decref(ev(&ex[0], "POST", "/advance", 1, "{\"from\":\"qualification\"}", 200));
    sign_members(1, 0, NM);
    j = ev(&agent, "POST", "/publish", 1, "{\"days\":3}", 200);
    assert_string_equal(jstr(j, "phase", NULL), "publicity");
    json_decref(j);
    /* lot 2 is still being evaluated: so is the tender */
    assert_string_equal(tender_state(), "evaluation");
    json_decref(ev(NULL, "GET", "", 1, NULL, 200));
    ev_refused(NULL, "GET", "/api/tenders/1/evaluation?lot=2", NULL, 404, "not_found");
    /* the results list lot 1 already (and lot 3, failed), not lot 2 */
    assert_int_equal(result_lots(""), 2 | 8);
    assert_int_equal(result_lots("&state=publicity"), 0);

    /* lot 2: the qualification, the report, the signatures, the publicity */
    qualify_lot2();
    sign_members(2, 0, NM);
    report_sha(2, r1sha);
    json_decref(ev(&agent, "POST", "/publish", 2, "{\"days\":3}", 200));
    json_decref(wait_state(TENDER, "publicity"));
    assert_int_equal(q_int("SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                           " AND action = 'report'",
                           TENDER),
                     1);

    /* the results: one item per lot the public may see */
    j = call(NULL, "GET", "/api/results?limit=100", NULL, 200);
    int seen = 0;
    json_t *items = json_object_get(j, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (jint(it, "id") != TENDER)
            continue;
        int lot = (int)jint(it, "lot");
        seen |= 1 << lot;
        if (lot == 1) {
            assert_string_equal(jstr(it, "lot_name", NULL), "第一标段：道路及排水");
            assert_string_equal(jstr(it, "phase", NULL), "publicity");
            assert_int_equal(json_array_size(json_object_get(it, "candidates")), 2);
        }
        if (lot == 3)
            assert_string_equal(jstr(it, "phase", NULL), "failed");
    }
    assert_int_equal(seen, 2 | 4 | 8);
    json_decref(j);

    /* a re-evaluation of lot 2: round 2, the tender back in evaluation */
    reevaluate_lot2();
    assert_string_equal(tender_state(), "evaluation");
    assert_int_equal(q_int("SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                           " AND action = 'reevaluate' AND to_state = 'evaluation'",
                           TENDER),
                     1);
    j = ev(&supervisor, "GET", "", 2, NULL, 200);
    assert_int_equal(jint(j, "round"), 2);
    assert_string_equal(jstr(j, "phase", NULL), "qualification");
    json_t *rounds = json_object_get(j, "rounds");
    assert_int_equal(json_array_size(rounds), 1);
    assert_int_equal(jint(json_array_get(rounds, 0), "round"), 1);
    assert_string_equal(jstr(json_array_get(rounds, 0), "report_sha256", NULL), r1sha);
    assert_null(json_object_get(j, "signatures"));
    assert_null(json_object_get(j, "result"));
    json_decref(j);
    /* lot 1 is untouched */
    j = ev(NULL, "GET", "", 1, NULL, 200);
    assert_int_equal(jint(j, "round"), 1);
    assert_string_equal(jstr(j, "phase", NULL), "publicity");
    json_decref(j);

    /* round 2: a new report naming round 1's; round 1's signatures do not count */
    qualify_lot2();
    j = ev(&ex[0], "GET", "/report", 2, NULL, 200);
    snprintf(r2sha, sizeof r2sha, "%s", jstr(j, "report_sha256", NULL));
    assert_string_not_equal(r2sha, r1sha);
    assert_int_equal(jint(j, "report.round"), 2);
    /* the lot's own ceiling, not the tender's (86,500,000.00 yuan) */
    assert_int_equal(jint(j, "report.ceiling_fen"), 3450000000);
    assert_string_equal(jstr(json_object_get(j, "report"), "previous_report_sha256", NULL), r1sha);
    assert_int_equal(json_array_size(json_object_get(j, "signatures")), 0);
    json_decref(j);
    sign_members(2, 0, 1);
    j = ev(&supervisor, "GET", "", 2, NULL, 200);
    assert_string_equal(jstr(j, "phase", NULL), "signing");
    assert_int_equal(json_array_size(json_object_get(j, "signatures")), 1);
    json_decref(j);
    assert_int_equal(q_int("SELECT count(*) FROM evaluation_signatures WHERE tender_id = $1"
                           " AND lot_no = 2",
                           TENDER),
                     NM + 1);

    /* the agent ends lot 2 as failed; the tender follows lot 1 */
    ev_refused(&bidder2, "POST", "/api/tenders/1/evaluation/fail?lot=2", "{\"reason\":\"x\"}", 403,
               "forbidden");
    ev_refused(&agent, "POST", "/api/tenders/1/evaluation/fail?lot=2", "{}", 422, "missing_field");
    j = ev(&agent, "POST", "/fail", 2, "{\"reason\":\"有效投标不足三家，该标段流标\"}", 200);
    assert_string_equal(jstr(j, "phase", NULL), "failed");
    assert_string_equal(jstr(j, "failed_reason", NULL), "有效投标不足三家，该标段流标");
    json_decref(j);
    ev_refused(&agent, "POST", "/api/tenders/1/evaluation/fail?lot=2", "{\"reason\":\"x\"}", 409,
               "eval_wrong_phase");
    assert_string_equal(tender_state(), "publicity");
    assert_int_equal(q_int("SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                           " AND action = 'fail_lot' AND to_state = 'publicity'",
                           TENDER),
                     1);
    /* lot 3 at its start, lot 2 now (this server's only tender with lots failed) */
    assert_int_equal(q_int("SELECT count(*) FROM audit_log WHERE action = 'evaluation.lot_failed'"
                           " AND $1 > 0",
                           TENDER),
                     2);

    /* the CLI checks which lot a report is of */
    struct it_resp r;
    snprintf(path, sizeof path, "/api/tenders/%d/evaluation/report?lot=1", TENDER);
    assert_int_equal(it_request_as(&srv, &ex[0], "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char *rfile = path_in("lot1-report.json");
    spit(rfile, r.body, strlen(r.body));
    it_resp_free(&r);
    char *out = NULL;
    int rc = it_run(&out, "evaluation", "verify", rfile, "--lot", "1", NULL);
    if (rc != 0 || strstr(out, "ok    lot") == NULL)
        fail_msg("verify --lot 1: %d\n%s", rc, out ? out : "");
    free(out);
    out = NULL;
    assert_int_equal(it_run(&out, "evaluation", "verify", rfile, "--lot", "2", NULL), 5);
    assert_non_null(strstr(out, "FAIL  lot"));
    free(out);
    out = NULL;
    assert_int_equal(it_run(&out, "evaluation", "verify", rfile, "--lot", "0", NULL), 2);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lots, setup_lots, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
