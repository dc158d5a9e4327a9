/*
 * What the experts read beside the bids, through the real server, on
 * SQLite and (boq_pg) PostgreSQL, with the demo data on the test clock:
 *
 *   the agent uploads the tender's bill of quantities (a bad sheet refused
 *   with its row, a bidder refused); five expert accounts are drawn, all
 *   confirm, the committee is formed and the chair designated;
 *   three bidders seal their opening form and their priced BoQ with
 *   `sunbid seal` (bidder 2 prices one line three times the others,
 *   bidder 3 copies bidder 1's unit prices) and submit;
 *   a supervisor imports credit records (a bad row refused with its row
 *   and column; one record expired before the deadline, one recorded
 *   after it) and adds one as JSON;
 *   the opening opens the bids with the released keys and is sealed;
 *   the comparison (JSON and XLSX) shows the planted unbalanced price and
 *   the identical columns to the chair, the agent, the supervisor, and is
 *   refused to a bidder; the credit view shows each bidder's records that
 *   count at the deadline;
 *   the chair asks bidder 2 a question; the agent may not; bidder 1 may
 *   not answer it; a bad signature is refused, a good one (ECDSA P-256 by
 *   the organisation's signing key) accepted, a second answer refused; a
 *   question answered after its deadline (test clock) is refused
 *   clarify_late; the list shows everything to the chair and a bidder
 *   only its own.
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

#include "base/base64.h"
#include "base/buf.h"
#include "domain/clarify.h"
#include "tender_fixture.h"
#include "scratch_fixture.h"

#define NX 5

static struct it_session xs[NX];

/* A request with a raw body; the answer into r. */
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

static json_t *raw_json(const struct it_session *who, const char *path, const char *body,
                        int status)
{
    struct it_resp r;
    raw(who, "POST", path, body, strlen(body), &r);
    if (r.status != status)
        fail_msg("POST %s: got %d, want %d: %s", path, r.status, status, r.body);
    json_t *j = parse(&r);
    it_resp_free(&r);
    return j;
}

static void refused(const struct it_session *who, const char *method, const char *path,
                    const char *body, int status, const char *code)
{
    json_t *j = call(who, method, path, body, status);
    assert_string_equal(jstr(j, "error", "code"), code);
    json_decref(j);
}

/* Signs msg with the PEM private key in file: ECDSA P-256 / SHA-256, DER,
 * base64 into out. */
static void sign_b64(const char *file, const struct buf *msg, char *out, size_t outcap)
{
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[128];
    size_t sl = sizeof sig;
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &sl, (const unsigned char *)msg->data, msg->len), 1);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    assert_true(B64_LEN(sl) <= outcap);
    b64_encode(sig, sl, out);
}

static const char tender_boq[] = "滨江路改造工程 工程量清单\n"
                                 "序号,项目编码,项目名称,计量单位,工程量\n"
                                 "1,040101001001,挖一般土方,m3,1200\n"
                                 "2,040201001001,路床整形,m2,5000\n"
                                 "3,040203007001,水泥混凝土路面,m2,4800\n"
                                 "4,040204002001,人行道块料铺设,m2,1500\n"
                                 "5,040205005001,路缘石,m,900\n";

/* Unit prices of the three bidders: bidder 2 prices line 3 at 3x; bidder 3
 * copies bidder 1. */
static const double prices[3][5] = {
    {21.5, 3.2, 96.0, 55.0, 38.0}, {22.0, 3.1, 290.0, 54.0, 39.0}, {21.5, 3.2, 96.0, 55.0, 38.0}};

static void priced_boq(int b, char *out, size_t cap)
{
    static const char *codes[] = {"040101001001", "040201001001", "040203007001", "040204002001",
                                  "040205005001"};
    static const double qty[] = {1200, 5000, 4800, 1500, 900};
    size_t at = (size_t)snprintf(out, cap, "项目编码,项目名称,计量单位,工程量,综合单价,合价\n");
    for (int i = 0; i < 5; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s,,,%.0f,%.2f,%.2f\n", codes[i], qty[i],
                               prices[b][i], qty[i] * prices[b][i]);
}

/* Experts Y001..Y005 with accounts, drawn for tender id, all confirmed; the
 * committee formed, the member of xs[0] designated chair. */
static void committee(int64_t id, int64_t now)
{
    char body[2048], path[160];
    struct it_resp r;
    json_t *j;
    for (int i = 0; i < NX; i++) {
        snprintf(body, sizeof body,
                 "{\"username\":\"yexpert%d\",\"display_name\":\"评委%d\",\"password\":\"%s\","
                 "\"roles\":[\"expert\"]}",
                 i + 1, i + 1, IT_DEMO_PASSWORD);
        json_decref(call(&admin, "POST", "/api/users", body, 201));
        snprintf(body, sizeof body, "yexpert%d", i + 1);
        assert_int_equal(it_login(&srv, body, IT_DEMO_PASSWORD, 1, &xs[i]), 200);
    }
    json_decref(raw_json(&admin, "/api/expert-specialties/import",
                         "code,parent,name,name_en\nY,,清单测试,BoQ test\nY01,Y,市政,Works\n",
                         200));
    size_t at = (size_t)snprintf(body, sizeof body,
                                 "code,name,region,employer,title,title_level,years,"
                                 "specialties,username\n");
    for (int i = 0; i < NX; i++)
        at += (size_t)snprintf(body + at, sizeof body - at,
                               "Y%03d,评委%d,350102,某研究院,高工,senior,12,Y01,yexpert%d\n", i + 1,
                               i + 1, i + 1);
    json_decref(raw_json(&admin, "/api/experts/import", body, 200));
    snprintf(body, sizeof body,
             "{\"eval_start_ms\":%lld,\"eval_end_ms\":%lld,\"reps\":0,"
             "\"requests\":[{\"specialty\":\"Y01\",\"count\":5,\"reserves\":0}]}",
             (long long)(now + 23 * DAY), (long long)(now + 24 * DAY));
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
            usleep(100 * 1000);
            set_clock(now + 2000 * (i + 1)); /* the log checkpoints on the test clock */
        }
    }
    assert_int_equal(status, 200);
    snprintf(path, sizeof path, "/api/draws/%lld", (long long)draw);
    j = call(&supervisor, "GET", path, NULL, 200);
    json_t *members = json_object_get(json_object_get(j, "draw"), "members");
    if (json_array_size(members) != NX) {
        char *d = json_dumps(j, JSON_COMPACT);
        fail_msg("draw: %s", d);
    }
    for (size_t i = 0; i < NX; i++) {
        json_t *m = json_array_get(members, i);
        int who = atoi(json_string_value(json_object_get(m, "expert_code")) + 1) - 1;
        snprintf(path, sizeof path, "/api/invitations/%lld/confirm", (long long)jint(m, "id"));
        json_decref(call(&xs[who], "POST", path, "", 200));
    }
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/committee/form", (long long)id);
    json_decref(call(&agent, "POST", path, "", 200));
    snprintf(path, sizeof path, "/api/tenders/%lld/committee", (long long)id);
    j = call(&xs[0], "GET", path, NULL, 200);
    int64_t mine = jint(j, "you");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/committee/designate", (long long)id);
    snprintf(body, sizeof body, "{\"member_id\":%lld}", (long long)mine);
    json_decref(call(&agent, "POST", path, body, 200));
}

/* The content key of an envelope, as the bidder's tool releases it. */
static void content_key(const char *env_file, const char *enc_prefix, char hex[65])
{
    char *out = NULL, kp[700];
    snprintf(kp, sizeof kp, "%s/%s.key.pem", dir, enc_prefix);
    int rc = it_run(&out, "unseal", "--release-key", "--key", kp, path_in(env_file), NULL);
    if (rc != 0)
        fail_msg("unseal --release-key %s: exit %d: %s", env_file, rc, out ? out : "");
    snprintf(hex, 65, "%.64s", out);
    free(out);
}

/* The agent replaces the lot's BoQ at `at`, fewer than clarify_days (15)
 * before the deadline: the upload becomes version 2 and a change notice goes
 * out as a clarification, which a registered bidder reads, and which moves
 * the deadline to at + 15 days. Returns the new deadline. */
static int64_t replace_boq(int64_t id, int64_t at, int64_t deadline)
{
    char path[200];
    set_clock(at);
    login_all();
    snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/boq?name=boq-v2.csv", (long long)id);
    json_t *j = raw_json(&agent, path, tender_boq, 201);
    assert_int_equal(jint(j, "version"), 2);
    int64_t no = jint(j, "notice_no");
    assert_true(no >= 1);
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/clarifications", (long long)id);
    j = call(&bidder1, "GET", path, NULL, 200);
    json_t *items = json_object_get(j, "items"), *it = NULL;
    for (size_t i = 0; i < json_array_size(items); i++)
        if (jint(json_array_get(items, i), "no") == no)
            it = json_array_get(items, i);
    assert_non_null(it);
    const char *text = json_string_value(json_object_get(it, "body"));
    assert_non_null(strstr(text, "工程量清单变更公告"));
    assert_non_null(strstr(text, "version 2 (file boq-v2.csv, 5 lines"));
    assert_int_equal(jint(it, "deadline_before_ms"), deadline);
    int64_t after = jint(it, "deadline_after_ms");
    assert_int_equal(after, at + 15 * DAY);
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)id);
    j = call(&bidder1, "GET", path, NULL, 200);
    assert_int_equal(jint(j, "tender.bid_deadline_ms"), after);
    json_decref(j);
    return after;
}

static void test_boq_credit_clarify(void **state)
{
    static const char *const uscc[3] = {"91350000158143215N", "91350100MA31PQ7K2T",
                                        "91350100735676503W"};
    struct it_session *bidders[3] = {&bidder1, &bidder2, &bidder3};
    char path[200], body[4096], name[64], code[64], hex[65];
    struct it_resp r;
    json_t *j;
    (void)state;
    scratch_make("boq");
    int64_t now = (int64_t)time(NULL) * 1000;
    set_clock(now);
    login_all();

    /* certificates for the three bidders */
    ca_init("BoQ Test CA");
    char *out;
    int rc;
    size_t cal;
    char *ca = slurp(path_in("ca/ca.crt.pem"), &cal);
    raw(&admin, "POST", "/api/trust", ca, cal, &r);
    assert_int_equal(r.status, 201);
    it_resp_free(&r);
    free(ca);
    for (int i = 0; i < 3; i++)
        bidder_certs(i + 1, uscc[i], "365", bidders[i], 4 + i);

    /* the tender and its bill of quantities */
    snprintf(body, sizeof body,
             "{\"title\":\"滨江路改造工程（清单）\",\"region\":\"350100\",\"category\":\"works\","
             "\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,"
             "\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)now, (long long)(now + 8 * DAY),
             (long long)(now + 15 * DAY), (long long)(now + 22 * DAY));
    j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    int64_t deadline = now + 22 * DAY;
    snprintf(code, sizeof code, "%s", jstr(j, "tender", "code"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/boq?name=boq.csv", (long long)id);
    j = raw_json(&agent, path, "项目编码,工程量\nA,1\nB,两\n", 422);
    assert_string_equal(jstr(j, "error", "code"), "boq_invalid");
    assert_int_equal(jint(j, "error.row"), 3);
    assert_string_equal(jstr(j, "error", "field"), "quantity");
    json_decref(j);
    j = raw_json(&bidder1, path, tender_boq, 403);
    json_decref(j);
    j = raw_json(&agent, path, tender_boq, 201);
    assert_int_equal(jint(j, "lines"), 5);
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/lots/2/boq", (long long)id);
    json_decref(raw_json(&agent, path, tender_boq, 404));
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.pdf", (long long)id);
    json_decref(call(&agent, "POST", path, "%PDF the documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    json_decref(wait_state(id, "bidding"));

    /* the committee, while bidding */
    committee(id, now);

    /* sealed bids: the opening form and the priced BoQ; bidders 1 and 2
     * bid before the BoQ is replaced (their bids priced version 1),
     * bidder 3 after the change notice */
    /* all three register while the documents are out (doc_end: day 8) */
    snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)id);
    for (int i = 0; i < 3; i++)
        json_decref(call(bidders[i], "POST", path, NULL, 201));
    for (int i = 0; i < 3; i++) {
        char key[700], cert[700], rcpt[700], in1[720], in2[720], boq[1024];
        if (i == 2)
            deadline = replace_boq(id, now + 10 * DAY, deadline);
        snprintf(name, sizeof name, "b%d", i + 1);
        mkdir(path_in(name), 0755);
        snprintf(name, sizeof name, "b%d/opening-form.json", i + 1);
        snprintf(body, sizeof body, "{\"duration_days\":365,\"price_fen\":%d}", 90000000 + i);
        spit(path_in(name), body, strlen(body));
        snprintf(name, sizeof name, "b%d/boq.csv", i + 1);
        priced_boq(i, boq, sizeof boq);
        spit(path_in(name), boq, strlen(boq));
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        snprintf(cert, sizeof cert, "%s/b%ds.crt.pem", dir, i + 1);
        snprintf(rcpt, sizeof rcpt, "%s/b%de.crt.pem", dir, i + 1);
        snprintf(in1, sizeof in1, "%s/b%d/opening-form.json:price-list", dir, i + 1);
        snprintf(in2, sizeof in2, "%s/b%d/boq.csv:price-list", dir, i + 1);
        snprintf(name, sizeof name, "b%d.sbe", i + 1);
        out = NULL;
        rc = it_run(&out, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org",
                    uscc[i], "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt, "--out",
                    path_in(name), in1, in2, NULL);
        run_ok("seal", rc, out);
        size_t el;
        char *env = slurp(path_in(name), &el);
        snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/bid", (long long)id);
        raw(bidders[i], "PUT", path, env, el, &r);
        if (r.status != 201)
            fail_msg("bid: %d %s", r.status, r.body);
        it_resp_free(&r);
        free(env);
    }

    /* credit records: a bad import, then a good one, and one by JSON */
    for (int pass = 0; pass < 2; pass++) {
        snprintf(body, sizeof body,
                 "统一社会信用代码,单位名称,来源,类别,文号,日期,有效期至,内容\n"
                 "%s,海峡建工集团有限公司,榕城市住建局,不良行为,榕建罚〔2025〕12号,2025-06-01,,"
                 "未按规定履行安全生产职责\n"
                 "%s,海峡建工集团有限公司,信用中国,行政处罚,,2024-01-01,2025-01-01,已过期的处罚\n"
                 "%s,闽江路桥工程有限公司,榕城市住建局,%s,,2025-03-01,,市级优良工程\n",
                 uscc[0], uscc[0], uscc[1], pass == 0 ? "优秀" : "良好行为");
        if (pass == 0) {
            j = raw_json(&supervisor, "/api/credit-records/import", body, 422);
            assert_string_equal(jstr(j, "error", "code"), "import_row_invalid");
            assert_int_equal(jint(j, "error.row"), 4);
            assert_string_equal(jstr(j, "error", "field"), "kind");
            json_decref(j);
            json_decref(raw_json(&bidder1, "/api/credit-records/import", body, 403));
        }
    }
    j = raw_json(&supervisor, "/api/credit-records/import", body, 200);
    assert_int_equal(jint(j, "created"), 3);
    json_decref(j);
    time_t later = (time_t)((deadline + 2 * DAY) / 1000);
    struct tm tm;
    char day[16];
    gmtime_r(&later, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    snprintf(body, sizeof body,
             "{\"org_uscc\":\"%s\",\"org_name\":\"海峡建工集团有限公司\",\"source\":\"监督站\","
             "\"kind\":\"penalty\",\"date\":\"%s\",\"text\":\"开标后的记录\"}",
             uscc[0], day);
    json_decref(call(&admin, "POST", "/api/credit-records", body, 201));
    refused(&supervisor, "POST", "/api/credit-records",
            "{\"org_uscc\":\"91350000158143215X\",\"org_name\":\"x\",\"source\":\"y\","
            "\"kind\":\"bad\",\"date\":\"2025-01-01\",\"text\":\"z\"}",
            422, "invalid_field");
    refused(&bidder1, "GET", "/api/credit-records", NULL, 403, "forbidden");
    j = call(&supervisor, "GET", "/api/credit-records?limit=2", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
    assert_true(json_is_string(json_object_get(j, "next_cursor")));
    json_decref(j);

    /* before the opening: no comparison */
    snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/boq/comparison", (long long)id);
    refused(&agent, "GET", path, NULL, 409, "wrong_state");

    /* the opening: keys released, the record sealed */
    set_clock(deadline + 1);
    login_all();
    for (int i = 0; i < NX; i++) {
        snprintf(name, sizeof name, "yexpert%d", i + 1);
        assert_int_equal(it_login(&srv, name, IT_DEMO_PASSWORD, 1, &xs[i]), 200);
    }
    json_decref(wait_state(id, "opening"));
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/api/tenders/%lld/opening/signin", (long long)id);
        json_decref(call(bidders[i], "POST", path, NULL, 200));
    }
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    json_decref(call(&agent, "POST", path, "{\"from\":\"signin\"}", 200));
    for (int i = 0; i < 3; i++) {
        char env[32], enc[32];
        snprintf(env, sizeof env, "b%d.sbe", i + 1);
        snprintf(enc, sizeof enc, "b%de", i + 1);
        content_key(env, enc, hex);
        snprintf(body, sizeof body, "{\"lot_no\":1,\"key\":\"%s\"}", hex);
        snprintf(path, sizeof path, "/api/tenders/%lld/opening/decrypt", (long long)id);
        j = call(bidders[i], "POST", path, body, 200);
        assert_string_equal(jstr(j, "status", NULL), "opened");
        json_decref(j);
    }
    set_clock(deadline + 1 + 30 * 60000);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    json_decref(call(&agent, "POST", path, "{\"from\":\"decrypt\"}", 200));
    json_decref(call(&agent, "POST", path, "{\"from\":\"readout\"}", 200));
    json_decref(call(&agent, "POST", path, "{\"from\":\"objections\"}", 200));
    /* nobody signs the record: sealing waits for the signing window */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening", (long long)id);
    j = call(&agent, "GET", path, NULL, 200);
    int64_t signing_end = jint(j, "signing_end_ms");
    json_decref(j);
    assert_true(signing_end > deadline);
    set_clock(signing_end);
    login_all();
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    json_decref(call(&agent, "POST", path, "{\"from\":\"signing\"}", 200));
    json_decref(wait_state(id, "evaluation"));

    /* the comparison */
    snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/boq/comparison", (long long)id);
    refused(&bidder1, "GET", path, NULL, 403, "not_committee_member");
    j = call(&xs[0], "GET", path, NULL, 200);
    json_t *bids = json_object_get(j, "bids");
    assert_int_equal(json_array_size(bids), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(json_string_value(json_object_get(json_array_get(bids, i), "boq")),
                            "found");
        assert_string_equal(json_string_value(json_object_get(json_array_get(bids, i), "file")),
                            "boq.csv");
        /* the version each bid priced: bidders 1 and 2 the replaced one */
        assert_int_equal(jint(json_array_get(bids, i), "boq_version"), i < 2 ? 1 : 2);
        assert_int_equal(json_is_true(json_object_get(json_array_get(bids, i), "outdated")), i < 2);
    }
    json_t *tb = json_object_get(j, "tender_boq");
    assert_int_equal(jint(tb, "version"), 2);
    assert_string_equal(json_string_value(json_object_get(tb, "name")), "boq-v2.csv");
    json_t *vs = json_object_get(tb, "versions");
    assert_int_equal(json_array_size(vs), 2);
    assert_true(json_is_null(json_object_get(json_array_get(vs, 0), "notice_no")));
    assert_true(jint(json_array_get(vs, 1), "notice_no") >= 1);
    json_t *cmp = json_object_get(j, "comparison");
    json_t *lines = json_object_get(cmp, "lines");
    assert_int_equal(json_array_size(lines), 5);
    json_t *l3 = json_array_get(lines, 2);
    assert_string_equal(json_string_value(json_object_get(l3, "code")), "040203007001");
    /* bids are listed by organisation: bidders 1, 2, 3 */
    assert_string_equal(json_string_value(json_array_get(json_object_get(l3, "marks"), 1)), "high");
    assert_string_equal(json_string_value(json_array_get(json_object_get(l3, "marks"), 0)), "");
    assert_int_equal(jint(json_array_get(json_object_get(cmp, "bidders"), 1), "unbalanced"), 1);
    json_t *pairs = json_object_get(cmp, "pairs");
    assert_int_equal(json_array_size(pairs), 1);
    assert_int_equal(jint(json_array_get(pairs, 0), "a"), 0);
    assert_int_equal(jint(json_array_get(pairs, 0), "b"), 2);
    assert_true(json_is_true(json_object_get(json_array_get(pairs, 0), "whole_column")));
    json_decref(j);
    json_decref(call(&supervisor, "GET", path, NULL, 200));
    /* a stricter threshold lets the 3x price pass */
    snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/boq/comparison?rel_min=5", (long long)id);
    j = call(&agent, "GET", path, NULL, 200);
    assert_int_equal(
        jint(json_array_get(json_object_get(json_object_get(j, "comparison"), "bidders"), 1),
             "unbalanced"),
        0);
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/boq/comparison?min_bids=1",
             (long long)id);
    refused(&agent, "GET", path, NULL, 422, "invalid_field");
    snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/boq/comparison?format=xlsx",
             (long long)id);
    assert_int_equal(it_request_as(&srv, &agent, "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.body_len > 4 && memcmp(r.body, "PK\x03\x04", 4) == 0);
    it_resp_free(&r);
    snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/boq", (long long)id);
    json_decref(raw_json(&agent, path, tender_boq, 409)); /* too late to change it */

    /* credit beside the bids */
    snprintf(path, sizeof path, "/api/tenders/%lld/credit", (long long)id);
    refused(&bidder2, "GET", path, NULL, 403, "not_committee_member");
    j = call(&xs[2], "GET", path, NULL, 200);
    assert_int_equal(jint(j, "at_ms"), deadline);
    json_t *orgs = json_object_get(j, "bidders");
    assert_int_equal(json_array_size(orgs), 3);
    json_t *recs0 = json_object_get(json_array_get(orgs, 0), "records");
    assert_int_equal(json_array_size(recs0), 1); /* the expired and the later one left out */
    assert_string_equal(json_string_value(json_object_get(json_array_get(recs0, 0), "kind")),
                        "bad");
    json_t *recs1 = json_object_get(json_array_get(orgs, 1), "records");
    assert_int_equal(json_array_size(recs1), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(recs1, 0), "kind")),
                        "good");
    assert_int_equal(json_array_size(json_object_get(json_array_get(orgs, 2), "records")), 0);
    json_decref(j);

    /* clarification */
    int64_t t_ask = signing_end; /* the clock now */
    snprintf(path, sizeof path, "/api/tenders/%lld/inquiries", (long long)id);
    snprintf(
        body, sizeof body,
        "{\"org_id\":5,\"body\":\"请说明水泥混凝土路面综合单价的组成。\",\"deadline_ms\":%lld}",
        (long long)(t_ask + 3600000));
    refused(&agent, "POST", path, body, 403, "clarify_not_chair");
    refused(&xs[1], "POST", path, body, 403, "clarify_not_chair");
    j = call(&xs[0], "POST", path, body, 201);
    int64_t q1 = jint(j, "id");
    json_decref(j);
    char bad[600];
    snprintf(bad, sizeof bad, "{\"org_id\":5,\"body\":\"x\",\"deadline_ms\":%lld}",
             (long long)(t_ask - 1));
    refused(&xs[0], "POST", path, bad, 422, "invalid_field");
    snprintf(bad, sizeof bad, "{\"org_id\":99,\"body\":\"x\",\"deadline_ms\":%lld}",
             (long long)(t_ask + 1000));
    refused(&xs[0], "POST", path, bad, 422, "invalid_field");
    const char *answer = "该单价含C30混凝土、模板及养护费用，详见综合单价分析表。";
    struct buf msg;
    char sig[200];
    buf_init(&msg, 1 << 16);
    assert_int_equal(clarify_message(id, q1, "请说明水泥混凝土路面综合单价的组成。", answer, &msg),
                     0);
    sign_b64(path_in("b2s.key.pem"), &msg, sig, sizeof sig);
    char apath[200];
    snprintf(apath, sizeof apath, "/api/tenders/%lld/inquiries/%lld/answer", (long long)id,
             (long long)q1);
    snprintf(body, sizeof body, "{\"answer\":\"%s\",\"signature\":\"%s\"}", answer, sig);
    refused(&bidder1, "POST", apath, body, 404, "not_found");
    char wrong[200];
    buf_reset(&msg);
    clarify_message(id, q1, "请说明水泥混凝土路面综合单价的组成。", "另一个答复", &msg);
    sign_b64(path_in("b2s.key.pem"), &msg, wrong, sizeof wrong);
    snprintf(bad, sizeof bad, "{\"answer\":\"%s\",\"signature\":\"%s\"}", answer, wrong);
    refused(&bidder2, "POST", apath, bad, 422, "clarify_bad_signature");
    refused(&bidder2, "POST", apath, "{\"answer\":\"a\",\"signature\":\"***\"}", 422,
            "clarify_bad_signature");
    j = call(&bidder2, "POST", apath, body, 200);
    json_decref(j);
    refused(&bidder2, "POST", apath, body, 409, "clarify_answered");
    /* a second question, answered too late */
    snprintf(body, sizeof body, "{\"org_id\":6,\"body\":\"请说明工期安排。\",\"deadline_ms\":%lld}",
             (long long)(t_ask + 600000));
    j = call(&xs[0], "POST", path, body, 201);
    int64_t q2 = jint(j, "id");
    json_decref(j);
    set_clock(t_ask + 600000);
    buf_reset(&msg);
    clarify_message(id, q2, "请说明工期安排。", "一百八十天", &msg);
    sign_b64(path_in("b3s.key.pem"), &msg, sig, sizeof sig);
    snprintf(apath, sizeof apath, "/api/tenders/%lld/inquiries/%lld/answer", (long long)id,
             (long long)q2);
    snprintf(body, sizeof body, "{\"answer\":\"一百八十天\",\"signature\":\"%s\"}", sig);
    refused(&bidder3, "POST", apath, body, 409, "clarify_late");
    buf_release(&msg);
    /* who reads what */
    j = call(&xs[3], "GET", path, NULL, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "answer")),
                        answer);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "key_alg")),
                        "p256");
    assert_true(json_is_null(json_object_get(json_array_get(items, 1), "answer")));
    json_decref(j);
    j = call(&bidder1, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    j = call(&bidder3, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    j = call(&supervisor, "GET", "/api/audit?limit=100", NULL, 200);
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "clarify.answer"));
    assert_non_null(strstr(dump, "boq.tender"));
    free(dump);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boq_credit_clarify),
    };
    return cmocka_run_group_tests_name("boq", tests, setup, teardown);
}
