/*
 * The tender escrow key through the real server on a test clock, from the
 * draft to a signed opening record (docs/escrow.md).
 *
 * test_escrow_opening: three opening officers (the agent with an SM2
 * encryption certificate sent as JSON, the supervisor and the admin with
 * P-256 ones sent as PEM bodies, the admin's good for signing too) register
 * personal certificates from a test CA; a bidder cannot, garbage is
 * cert_malformed. A tender asks for escrow 2-of-3: publishing without
 * officers is escrow_officers_invalid, a bidder as officer too; with the
 * three it publishes and the escrow public keys are public; the officer
 * list is frozen. Five bidders (three demo, two made here) fetch the escrow
 * key of their suite with `sunbid escrow pubkey` and seal with `sunbid seal
 * --escrow` (bidder 3 with SM2, suite gm; the others intl); a bid sealed without it is
 * bid_escrow_missing. Sealed shares are not handed out before the opening
 * (GET .../escrow/share is escrow_not_opening for all three officers;
 * `sunbid escrow share`, with or without --print, exits 4); in the hall
 * they are, and once the tender is in evaluation not any more. In the hall: bidders 1 and 2 release
 * their keys and open; bidder 4 sealed a form without a price and is revoked by its own fault; a
 * damaged share is escrow_share_invalid; the supervisor submits a well-formed but wrong share, the
 * admin a good one (mismatch, not recovered: escrow-open is escrow_not_recovered), the agent a good
 * one: recovered, the supervisor's share named and set aside; the host opens bidder 3's bid with
 * the recovered key (outcome noted as escrow); bidder 5 tries after the window (refused) and is
 * revoked; the read-out shows the sealed values; two bidders sign with `sunbid opening sign`; the
 * record is sealed and the tender moves to evaluation. Runs on SQLite and (escrow_pg) PostgreSQL.
 */
#include "harness.h"

#include <jansson.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base64.h"
#include "crypto/shamir.h"

#include "tender_fixture.h"
#include "scratch_fixture.h"

static struct it_session bidder4, bidder5;

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

/* Sends the file; the answer must have status (and code, when not NULL). */
static void raw_file(const struct it_session *who, const char *method, const char *path,
                     const char *file, int status, const char *code)
{
    size_t len;
    struct it_resp r;
    char *data = slurp(path_in(file), &len);
    raw(who, method, path, data, len, &r);
    free(data);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    if (code != NULL && strstr(r.body, code) == NULL)
        fail_msg("%s %s: no %s in %s", method, path, code, r.body);
    it_resp_free(&r);
}

static void issue(const char *prefix, const char *alg, const char *usage, const char *cn,
                  const char *uscc)
{
    char *out = NULL;
    int rc =
        uscc ? it_run(&out, "ca", "issue", "--dir", path_in("ca"), "--alg", alg, "--usage", usage,
                      "--subject-cn", cn, "--uscc", uscc, "--days", "365", "--out", path_in(prefix),
                      NULL)
             : it_run(&out, "ca", "issue", "--dir", path_in("ca"), "--alg", alg, "--usage", usage,
                      "--subject-cn", cn, "--days", "365", "--out", path_in(prefix), NULL);
    run_ok("ca issue", rc, out);
}

static const char *expect_code(json_t *j, const char *code)
{
    const char *got = jstr(j, "error", "code");
    if (got == NULL || strcmp(got, code) != 0)
        fail_msg("want error %s, got %s", code, got ? got : "(none)");
    return got;
}

/* Active certificates in a GET /api/users/me/certs answer. */
static int count_active(json_t *j)
{
    int n = 0;
    json_t *items = json_object_get(j, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *st = jstr(json_array_get(items, i), "status", NULL);
        n += st != NULL && strcmp(st, "active") == 0;
    }
    return n;
}

static int64_t me_id(const struct it_session *s)
{
    json_t *j = call(s, "GET", "/api/me", NULL, 200);
    int64_t id = jint(j, "user.id");
    json_decref(j);
    return id;
}

static char url[64];

/* `sunbid escrow share` as an officer; stdout (and stderr) into *out. */
static int escrow_share_cli(int64_t id, const struct it_session *who, const char *key_prefix,
                            bool print, char **out)
{
    char tender[32], key[700];
    snprintf(tender, sizeof tender, "%lld", (long long)id);
    snprintf(key, sizeof key, "%s/%s.key.pem", dir, key_prefix);
    if (print)
        return it_run(out, "escrow", "share", "--server", url, "--tender", tender, "--key", key,
                      "--print", "--token", who->token, NULL);
    return it_run(out, "escrow", "share", "--server", url, "--tender", tender, "--key", key,
                  "--token", who->token, NULL);
}

/* The content key K of an envelope file as the bidder's tool releases it. */
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

static json_t *hall(int64_t id)
{
    char path[96];
    snprintf(path, sizeof path, "/api/tenders/%lld/opening", (long long)id);
    return call(&agent, "GET", path, NULL, 200);
}

/* The host advances from `from`; the scheduler may have done it already. */
static void advance_from(int64_t id, const char *from)
{
    char path[96], body[64];
    struct it_resp r;
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    snprintf(body, sizeof body, "{\"from\":\"%s\"}", from);
    assert_int_equal(it_request_as(&srv, &agent, "POST", path, body, &r), 0);
    if (r.status != 200 && !(r.status == 409 && strstr(r.body, "opening_wrong_phase")))
        fail_msg("advance from %s: %d %s", from, r.status, r.body);
    it_resp_free(&r);
}

static void wait_phase(int64_t id, const char *phase)
{
    for (int i = 0; i < 300; i++) {
        json_t *j = hall(id);
        bool hit = strcmp(jstr(j, "phase", NULL), phase) == 0;
        json_decref(j);
        if (hit)
            return;
        usleep(50 * 1000);
    }
    fail_msg("the hall never reached %s", phase);
}

static void test_escrow_opening(void **state)
{
    static const char *const uscc[5] = {"91350000158143215N", "91350100MA31PQ7K2T",
                                        "91350100735676503W", "91350203MA2XN1234Q",
                                        "91350102MA32AB567E"};
    static const char *const forms[5] = {
        "{\"price_fen\":987654300,\"duration_days\":365}",
        "{\"price_fen\":912345600,\"duration_days\":300}",
        "{\"price_fen\":955555500,\"duration_days\":330}",
        "{\"duration_days\":200}", /* no price: bidder 4's own fault */
        "{\"price_fen\":933333300,\"duration_days\":310}"};
    struct it_session *bidders[5] = {&bidder1, &bidder2, &bidder3, &bidder4, &bidder5};
    int64_t orgs[5] = {4, 5, 6, 0, 0};
    char path[200], body[2048], name[64], hex[65], code[64];
    char *out = NULL;
    json_t *j;
    int rc;
    (void)state;
    scratch_make("escrow");
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    int64_t now = (int64_t)time(NULL) * 1000;
    set_clock(now);
    login_all();

    /* a trusted CA; the officers' personal certificates */
    ca_init("Escrow Test CA");
    raw_file(&admin, "POST", "/api/trust", "ca/ca.crt.pem", 201, NULL);
    issue("agent_enc", "sm2", "encrypt", "招标代理开标人员", NULL);
    issue("sup_enc", "p256", "encrypt", "监督开标人员", NULL);
    issue("admin_both", "p256", "both", "平台开标人员", NULL);
    {
        size_t l;
        char *pem = slurp(path_in("agent_enc.crt.pem"), &l);
        json_t *jb = json_pack("{s:s}", "enc", pem);
        char *text = json_dumps(jb, JSON_COMPACT);
        j = call(&agent, "POST", "/api/users/me/certs", text, 201);
        assert_int_equal(count_active(j), 1); /* the demo's certificate is replaced */
        json_decref(j);
        free(text);
        json_decref(jb);
        free(pem);
    }
    raw_file(&supervisor, "POST", "/api/users/me/certs", "sup_enc.crt.pem", 201, "\"encrypt\"");
    raw_file(&admin, "POST", "/api/users/me/certs", "admin_both.crt.pem", 201, "\"sign\"");
    j = call(&admin, "GET", "/api/users/me/certs", NULL, 200);
    assert_int_equal(count_active(j), 2); /* sign and encrypt */
    json_decref(j);
    raw_file(&bidder1, "POST", "/api/users/me/certs", "sup_enc.crt.pem", 403, "forbidden");
    j = call(&agent, "POST", "/api/users/me/certs", "{\"enc\":\"not a certificate\"}", 422);
    expect_code(j, "cert_malformed");
    json_decref(j);
    int64_t officer_ids[3] = {me_id(&agent), me_id(&supervisor), me_id(&admin)};
    int64_t bidder1_uid = me_id(&bidder1);

    /* the editor's picker: the three with encryption certificates, no bidder */
    j = call(&agent, "GET", "/api/escrow/candidates", NULL, 200);
    {
        json_t *items = json_object_get(j, "items");
        int found = 0;
        for (size_t i = 0; i < json_array_size(items); i++) {
            int64_t uid = json_integer_value(json_object_get(json_array_get(items, i), "user_id"));
            assert_int_not_equal(uid, bidder1_uid);
            for (int k = 0; k < 3; k++)
                found += uid == officer_ids[k];
        }
        assert_int_equal(found, 3);
    }
    json_decref(j);
    json_decref(call(&bidder1, "GET", "/api/escrow/candidates", NULL, 403));

    /* two more bidders: organisations, users, sessions */
    for (int i = 3; i < 5; i++) {
        snprintf(body, sizeof body,
                 "{\"name\":\"投标测试%d有限公司\",\"uscc\":\"%s\",\"legal_rep\":\"张三\"}", i + 1,
                 uscc[i]);
        j = call(&admin, "POST", "/api/orgs", body, 201);
        orgs[i] = jint(j, "id");
        json_decref(j);
        snprintf(body, sizeof body,
                 "{\"username\":\"ebidder%d\",\"display_name\":\"投标人%d\",\"password\":\"%s\","
                 "\"roles\":[\"bidder\"],\"org_id\":%lld}",
                 i + 1, i + 1, IT_DEMO_PASSWORD, (long long)orgs[i]);
        json_decref(call(&admin, "POST", "/api/users", body, 201));
        snprintf(name, sizeof name, "ebidder%d", i + 1);
        assert_int_equal(it_login(&srv, name, IT_DEMO_PASSWORD, 1, bidders[i]), 200);
    }
    for (int i = 0; i < 5; i++) {
        char pa[32], pb[32];
        snprintf(pa, sizeof pa, "b%ds", i + 1);
        snprintf(pb, sizeof pb, "b%de", i + 1);
        /* bidder 3 seals with SM2 (suite gm): its escrow opening uses the gm half */
        issue(pa, i == 2 ? "sm2" : "p256", "sign", "投标人", uscc[i]);
        issue(pb, i == 2 ? "sm2" : "p256", "encrypt", "投标人", uscc[i]);
        size_t l1, l2;
        snprintf(name, sizeof name, "%s.crt.pem", pa);
        char *a = slurp(path_in(name), &l1);
        snprintf(name, sizeof name, "%s.crt.pem", pb);
        char *b = slurp(path_in(name), &l2);
        json_t *jb = json_pack("{s:s,s:s}", "sign", a, "encrypt", b);
        char *text = json_dumps(jb, JSON_COMPACT);
        snprintf(path, sizeof path, "/api/orgs/%lld/certs", (long long)orgs[i]);
        json_decref(call(bidders[i], "POST", path, text, 201));
        free(text);
        json_decref(jb);
        free(a);
        free(b);
    }

    /* the tender: escrow 2 of 3 */
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市江滨公园改造工程\",\"region\":\"350100\",\"category\":\"works\","
             "\"escrow_k\":2,\"escrow_n\":3,"
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
    j = call(&agent, "POST", path, NULL, 422); /* no officers yet */
    expect_code(j, "escrow_officers_invalid");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow/officers", (long long)id);
    snprintf(body, sizeof body, "{\"officers\":[%lld,%lld]}", (long long)officer_ids[0],
             (long long)bidder1_uid);
    j = call(&agent, "PUT", path, body, 422); /* a bidder cannot be an officer */
    expect_code(j, "escrow_officers_invalid");
    json_decref(j);
    snprintf(body, sizeof body, "{\"officers\":[%lld,%lld,%lld]}", (long long)officer_ids[0],
             (long long)officer_ids[1], (long long)officer_ids[1]);
    j = call(&agent, "PUT", path, body, 422); /* twice the same */
    expect_code(j, "escrow_officers_invalid");
    json_decref(j);
    json_decref(call(&bidder1, "PUT", path, "{\"officers\":[]}", 403));
    snprintf(body, sizeof body, "{\"officers\":[%lld,%lld]}", (long long)officer_ids[0],
             (long long)officer_ids[1]);
    json_decref(call(&agent, "PUT", path, body, 200));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    j = call(&agent, "POST", path, NULL, 422); /* two officers for n = 3 */
    expect_code(j, "escrow_officers_invalid");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow/officers", (long long)id);
    snprintf(body, sizeof body, "{\"officers\":[%lld,%lld,%lld]}", (long long)officer_ids[0],
             (long long)officer_ids[1], (long long)officer_ids[2]);
    j = call(&agent, "PUT", path, body, 200);
    assert_int_equal(json_array_size(json_object_get(j, "officers")), 3);
    assert_true(json_is_null(json_object_get(j, "public_keys")));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_int_equal(jint(j, "k"), 2);
    assert_int_equal(jint(j, "n"), 3);
    assert_non_null(strstr(jstr(j, "public_keys", "gm"), "BEGIN PUBLIC KEY"));
    assert_non_null(strstr(jstr(j, "public_keys", "intl"), "BEGIN PUBLIC KEY"));
    assert_false(json_is_true(json_object_get(j, "recovered")));
    assert_int_equal(jint(json_array_get(json_object_get(j, "officers"), 2), "x"), 3);
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow/officers", (long long)id);
    j = call(&agent, "PUT", path, body, 409); /* frozen once published */
    expect_code(j, "wrong_state");
    json_decref(j);
    json_decref(wait_state(id, "bidding"));

    /* the escrow key for sealing, through the CLI */
    {
        char tender[32];
        snprintf(tender, sizeof tender, "%lld", (long long)id);
        rc = it_run(&out, "escrow", "pubkey", "--server", url, "--tender", tender, "--suite",
                    "intl", "--out", path_in("escrow-intl.pem"), NULL);
        run_ok("escrow pubkey", rc, out);
        rc = it_run(&out, "escrow", "pubkey", "--server", url, "--tender", tender, "--suite", "gm",
                    "--out", path_in("escrow-gm.pem"), NULL);
        run_ok("escrow pubkey", rc, out);
    }
    for (int i = 0; i < 5; i++) {
        char key[700], cert[700], rcpt[700], in1[720], in2[720], esc[700];
        snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)id);
        json_decref(call(bidders[i], "POST", path, NULL, 201));
        snprintf(name, sizeof name, "b%d", i + 1);
        mkdir(path_in(name), 0755);
        snprintf(name, sizeof name, "b%d/opening-form.json", i + 1);
        spit(path_in(name), forms[i], strlen(forms[i]));
        snprintf(name, sizeof name, "b%d/tech.txt", i + 1);
        spit(path_in(name), "技术标", strlen("技术标"));
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        snprintf(cert, sizeof cert, "%s/b%ds.crt.pem", dir, i + 1);
        snprintf(rcpt, sizeof rcpt, "%s/b%de.crt.pem", dir, i + 1);
        snprintf(esc, sizeof esc, "%s/escrow-%s.pem", dir, i == 2 ? "gm" : "intl");
        snprintf(in1, sizeof in1, "%s/b%d/opening-form.json:price-list", dir, i + 1);
        snprintf(in2, sizeof in2, "%s/b%d/tech.txt:technical", dir, i + 1);
        snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/bid", (long long)id);
        if (i == 0) {
            /* without the escrow block: refused */
            rc = it_run(&out, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org",
                        uscc[i], "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt,
                        "--out", path_in("b1-noescrow.sbe"), in1, in2, NULL);
            run_ok("seal", rc, out);
            raw_file(bidders[i], "PUT", path, "b1-noescrow.sbe", 422, "bid_escrow_missing");
        }
        snprintf(name, sizeof name, "b%d.sbe", i + 1);
        rc = it_run(&out, "seal", "--suite", i == 2 ? "gm" : "intl", "--tender", code, "--lot", "1",
                    "--org", uscc[i], "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt,
                    "--escrow", esc, "--out", path_in(name), in1, in2, NULL);
        run_ok("seal", rc, out);
        raw_file(bidders[i], "PUT", path, name, 201, NULL);
    }

    /* before the deadline no officer gets its sealed share (k of them could
     * rebuild the escrow key), neither to print nor to submit */
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow/share", (long long)id);
    for (int i = 0; i < 3; i++) {
        const struct it_session *off[3] = {&agent, &supervisor, &admin};
        j = call(off[i], "GET", path, NULL, 409);
        expect_code(j, "escrow_not_opening");
        assert_null(json_object_get(j, "encrypted_share"));
        json_decref(j);
    }
    json_decref(call(&bidder1, "GET", path, NULL, 403));
    rc = escrow_share_cli(id, &agent, "agent_enc", false, &out);
    if (rc != 4 || strstr(out, "escrow_not_opening") == NULL)
        fail_msg("escrow share before the opening: %d: %s", rc, out ? out : "");
    free(out);
    rc = escrow_share_cli(id, &supervisor, "sup_enc", true, &out);
    if (rc != 4 || strstr(out, "escrow_not_opening") == NULL)
        fail_msg("escrow share --print before the opening: %d: %s", rc, out ? out : "");
    free(out);

    /* the deadline: the hall */
    set_clock(now + 22 * DAY + 1);
    login_all();
    assert_int_equal(it_login(&srv, "ebidder4", IT_DEMO_PASSWORD, 1, &bidder4), 200);
    assert_int_equal(it_login(&srv, "ebidder5", IT_DEMO_PASSWORD, 1, &bidder5), 200);
    json_decref(wait_state(id, "opening"));
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow/share", (long long)id);
    j = call(&supervisor, "GET", path, NULL, 200); /* in the hall: released */
    assert_int_equal(jint(j, "x"), 2);
    assert_non_null(jstr(j, "encrypted_share", NULL));
    json_decref(j);
    json_decref(call(&bidder1, "GET", path, NULL, 403));
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "/api/tenders/%lld/opening/signin", (long long)id);
        json_decref(call(bidders[i], "POST", path, NULL, 200));
    }
    advance_from(id, "signin");
    wait_phase(id, "decrypt");

    /* bidders 1, 2 open; bidder 4's own data is bad */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/decrypt", (long long)id);
    for (int i = 0; i < 4; i++) {
        if (i == 2)
            continue; /* bidder 3 never releases its key */
        snprintf(name, sizeof name, "b%d.sbe", i + 1);
        char ep[16];
        snprintf(ep, sizeof ep, "b%de", i + 1);
        content_key(name, ep, hex);
        snprintf(body, sizeof body, "{\"lot_no\":1,\"key\":\"%s\"}", hex);
        j = call(bidders[i], "POST", path, body, 200);
        assert_string_equal(jstr(j, "status", NULL), i == 3 ? "revoked" : "opened");
        json_decref(j);
    }

    /* escrow-open before the key is recovered */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/escrow-open", (long long)id);
    snprintf(body, sizeof body, "{\"lot_no\":1,\"org_id\":%lld}", (long long)orgs[2]);
    j = call(&agent, "POST", path, body, 409);
    expect_code(j, "escrow_not_recovered");
    json_decref(j);

    /* the shares: a damaged one, a wrong one, two good ones */
    char *b64 = NULL;
    rc = escrow_share_cli(id, &agent, "agent_enc", true, &b64);
    if (rc != 0 || b64 == NULL)
        fail_msg("escrow share --print: %d: %s", rc, b64 ? b64 : "");
    b64[strcspn(b64, "\n")] = '\0';
    uint8_t share[SHAMIR_SHARE_LEN + 4];
    assert_int_equal(b64_decode(b64, strlen(b64), share, sizeof share, 0), SHAMIR_SHARE_LEN);
    share[90] ^= 0x40; /* damaged: the checksum catches it */
    char sb[B64_LEN(SHAMIR_SHARE_LEN)];
    b64_encode(share, SHAMIR_SHARE_LEN, sb);
    snprintf(body, sizeof body, "{\"share\":\"%s\"}", sb);
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow/shares", (long long)id);
    j = call(&agent, "POST", path, body, 422);
    expect_code(j, "escrow_share_invalid");
    json_decref(j);
    j = call(&supervisor, "POST", path, body, 422); /* and not its x anyway */
    expect_code(j, "escrow_share_invalid");
    json_decref(j);
    json_decref(call(&bidder1, "POST", path, body, 403));
    free(b64);
    /* the supervisor: well-formed but wrong (checksum recomputed) */
    b64 = NULL;
    rc = escrow_share_cli(id, &supervisor, "sup_enc", true, &b64);
    if (rc != 0 || b64 == NULL)
        fail_msg("escrow share --print: %d: %s", rc, b64 ? b64 : "");
    b64[strcspn(b64, "\n")] = '\0';
    assert_int_equal(b64_decode(b64, strlen(b64), share, sizeof share, 0), SHAMIR_SHARE_LEN);
    free(b64);
    share[100] ^= 0x01;
    SHA256(share, 123, share + 123);
    b64_encode(share, SHAMIR_SHARE_LEN, sb);
    snprintf(body, sizeof body, "{\"share\":\"%s\"}", sb);
    j = call(&supervisor, "POST", path, body, 200);
    assert_int_equal(jint(j, "x"), 2);
    assert_false(json_is_true(json_object_get(j, "recovered")));
    json_decref(j);
    /* the admin, through the CLI: two in, but they disagree */
    rc = escrow_share_cli(id, &admin, "admin_both", false, &out);
    if (rc != 0 || strstr(out, "recovered: no (the shares disagree)") == NULL)
        fail_msg("admin's share: %d: %s", rc, out ? out : "");
    free(out);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/escrow-open", (long long)id);
    snprintf(body, sizeof body, "{\"lot_no\":1,\"org_id\":%lld}", (long long)orgs[2]);
    j = call(&agent, "POST", path, body, 409);
    expect_code(j, "escrow_not_recovered");
    json_decref(j);
    /* the agent: recovered, the supervisor's share named */
    rc = escrow_share_cli(id, &agent, "agent_enc", false, &out);
    if (rc != 0 || strstr(out, "recovered: yes") == NULL ||
        strstr(out, "share 2 is wrong and was set aside") == NULL)
        fail_msg("agent's share: %d: %s", rc, out ? out : "");
    free(out);
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_true(json_is_true(json_object_get(j, "recovered")));
    assert_true(json_is_true(
        json_object_get(json_array_get(json_object_get(j, "officers"), 1), "rejected")));
    json_decref(j);

    /* once recovered, a submission changes nothing */
    rc = escrow_share_cli(id, &supervisor, "sup_enc", false, &out);
    if (rc != 0 || strstr(out, "share 2 submitted; 2 in, recovered: yes") == NULL)
        fail_msg("supervisor's late share: %d: %s", rc, out ? out : "");
    free(out);

    /* the host opens bidder 3's bid with the recovered key */
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/escrow-open", (long long)id);
    json_decref(call(&bidder3, "POST", path, body, 403));
    j = call(&agent, "POST", path, body, 200);
    assert_string_equal(jstr(j, "status", NULL), "opened");
    assert_true(json_is_true(json_object_get(j, "escrow")));
    json_decref(j);
    j = call(&agent, "POST", path, body, 409); /* decided */
    expect_code(j, "opening_wrong_phase");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    json_t *op = json_array_get(json_object_get(j, "opened"), 0);
    assert_int_equal(jint(op, "org_id"), orgs[2]);
    assert_string_equal(jstr(op, "status", NULL), "opened");
    json_decref(j);

    /* bidder 5 is late: the window has closed */
    json_t *h = hall(id);
    int64_t window_end = jint(h, "window_end_ms");
    json_decref(h);
    set_clock(window_end);
    login_all();
    assert_int_equal(it_login(&srv, "ebidder5", IT_DEMO_PASSWORD, 1, &bidder5), 200);
    content_key("b5.sbe", "b5e", hex);
    snprintf(body, sizeof body, "{\"lot_no\":1,\"key\":\"%s\"}", hex);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/decrypt", (long long)id);
    j = call(&bidder5, "POST", path, body, 409);
    const char *c409 = jstr(j, "error", "code");
    assert_true(strcmp(c409, "opening_window_closed") == 0 ||
                strcmp(c409, "opening_wrong_phase") == 0);
    json_decref(j);
    advance_from(id, "decrypt");
    wait_phase(id, "readout");

    /* the read-out */
    j = hall(id);
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "\"duration_days\":365,\"price_fen\":987654300"));
    assert_non_null(strstr(dump, "\"duration_days\":300,\"price_fen\":912345600"));
    assert_non_null(strstr(dump, "\"duration_days\":330,\"price_fen\":955555500")); /* escrow */
    assert_null(strstr(dump, "933333300"));                                         /* late */
    assert_non_null(strstr(dump, "opening form missing or invalid"));
    assert_non_null(strstr(dump, "not decrypted within the window"));
    free(dump);
    json_decref(j);

    /* objections (none), signatures, the sealed record */
    advance_from(id, "readout");
    wait_phase(id, "objections");
    advance_from(id, "objections");
    wait_phase(id, "signing");
    for (int i = 0; i < 2; i++) {
        char tender[32], key[700];
        snprintf(tender, sizeof tender, "%lld", (long long)id);
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        rc = it_run(&out, "opening", "sign", "--server", url, "--tender", tender, "--key", key,
                    "--token", bidders[i]->token, NULL);
        run_ok("opening sign", rc, out);
    }
    /* three signed-in bidders did not sign: sealing waits for the window */
    h = hall(id);
    int64_t signing_end = jint(h, "signing_end_ms");
    json_decref(h);
    set_clock(signing_end);
    login_all();
    advance_from(id, "signing");
    json_decref(wait_state(id, "evaluation"));
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow/share", (long long)id);
    j = call(&admin, "GET", path, NULL, 409); /* the hall is over: not any more */
    expect_code(j, "escrow_not_opening");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/record", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_int_equal(strlen(jstr(j, "record_sha256", NULL)), 64);
    json_decref(j);
    j = call(&supervisor, "GET", "/api/audit?limit=100", NULL, 200);
    dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "escrow.open"));
    assert_non_null(strstr(dump, "escrow.recovered"));
    assert_non_null(strstr(dump, "escrow.share_rejected"));
    free(dump);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escrow_opening),
    };
    return cmocka_run_group_tests_name("escrow", tests, setup, teardown);
}
