/*
 * Organisations' relationship records and the tender graph through the
 * real server (docs/supervision.md, "Relationship records and the tender
 * graph"). Runs on SQLite and (orgrel_pg) PostgreSQL.
 *
 * test_records: a bidder enters its own organisation's key staff (source
 * "self"), cannot enter or delete another organisation's, cannot import;
 * bad records are refused with relation_invalid and the field, a repeat
 * with relation_duplicate; a supervisor enters one ("supervisor") that the
 * bidder cannot delete; the bidder deletes its own. Imports: a bad file is
 * relations_file_invalid with its line, an unknown organisation
 * relation_unknown_org, and nothing of either is stored.
 *
 * test_ring: three bidders (4, 5, 6) share a key staff member's
 * registration number (declared by one, imported for the others from a
 * people.csv of `sunbid graph`) and a bank account (imported from a
 * contacts.csv, written two ways); a fourth, clean bidder (created here)
 * shares nothing. Two tenders go through their openings to the sealed
 * record: A with all four, B with 4, 6 and the clean one. The risk rule L1
 * flags the ring in both, naming the key staff registration and the bank
 * account, and never the clean bidder; the graph of A has the bidders, the
 * shared keys, an organisation one hop out (the agency, recorded with the
 * same account), the ring as one component, the linked bidders of lot 1
 * and the bids of both tenders behind the patterns.
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

#include "tender_fixture.h"
#include "scratch_fixture.h"

static struct it_session bidder4;
static char g_uscc4[19];
static const char *g_uscc[4] = {"91350000158143215N", "91350100MA31PQ7K2T", "91350100735676503W",
                                g_uscc4};
static struct it_session *const g_bidders[4] = {&bidder1, &bidder2, &bidder3, &bidder4};
static int64_t g_org[4] = {4, 5, 6, 0};
static int64_t g_now;

/* GB 32100 check character of the first 17 characters. */
static char uscc_check(const char *s17)
{
    static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(cs, s17[i]) - cs) * w[i];
    return cs[(31 - sum % 31) % 31];
}

/* A raw request (bearer token), body as given; returns the parsed answer. */
static json_t *raw(const struct it_session *who, const char *method, const char *path,
                   const char *type, const void *body, size_t len, int status)
{
    char head[2048];
    struct it_resp r;
    int fd = it_connect(srv.port);
    assert_true(fd >= 0);
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                     method, path, who->token, type, len);
    assert_int_equal(it_send_all(fd, head, (size_t)n), 0);
    assert_int_equal(it_send_all(fd, body, len), 0);
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    close(fd);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    json_t *j = r.body && r.body[0] == '{' ? parse(&r) : NULL;
    it_resp_free(&r);
    return j;
}

static json_t *import_csv(const char *csv, int status)
{
    return raw(&supervisor, "POST", "/api/supervision/relations/import", "text/csv", csv,
               strlen(csv), status);
}

static void expect_code(const struct it_session *who, const char *method, const char *path,
                        const char *body, int status, const char *code, const char *field)
{
    json_t *j = call(who, method, path, body, status);
    assert_string_equal(jstr(j, "error", "code"), code);
    if (field != NULL)
        assert_string_equal(jstr(j, "error", "field"), field);
    json_decref(j);
}

static void clock_to(int64_t ms)
{
    set_clock(ms);
    g_now = ms;
    login_all();
    if (g_org[3] != 0)
        assert_int_equal(it_login(&srv, "bidder4", IT_DEMO_PASSWORD, 1, &bidder4), 200);
}

static size_t relations_of(int64_t org)
{
    char path[96];
    snprintf(path, sizeof path, "/api/orgs/%lld/relations", (long long)org);
    json_t *j = call(&supervisor, "GET", path, NULL, 200);
    size_t n = json_array_size(json_object_get(j, "items"));
    json_decref(j);
    return n;
}

/* ---- records and permissions ---- */

static void test_records(void **state)
{
    (void)state;
    const char *p4 = "/api/orgs/4/relations", *p5 = "/api/orgs/5/relations";
    json_t *j = call(&bidder1, "POST", p4,
                     "{\"kind\":\"manager\",\"name\":\"黄海\",\"id_number\":\"350102196501011234\","
                     "\"role\":\"总经理\"}",
                     201);
    int64_t own = jint(j, "relation.id");
    assert_string_equal(jstr(j, "relation", "source"), "self");
    assert_string_equal(jstr(j, "relation", "key"), "p:350102196501011234");
    json_decref(j);
    /* another organisation's records: not the bidder's to touch */
    expect_code(&bidder1, "POST", p5, "{\"kind\":\"phone\",\"value\":\"0591-88000009\"}", 403,
                "not_owner", NULL);
    expect_code(&agent, "POST", p4, "{\"kind\":\"phone\",\"value\":\"0591-88000009\"}", 403,
                "forbidden", NULL);
    expect_code(&agent, "GET", p4, NULL, 403, "not_owner", NULL);
    expect_code(&bidder1, "GET", "/api/supervision/tenders/1/graph", NULL, 403, "forbidden", NULL);
    json_decref(raw(&bidder1, "POST", "/api/supervision/relations/import", "text/csv",
                    "org_id,kind,value\n4,phone,059188000001\n", 38, 403));
    /* bad records */
    expect_code(&bidder1, "POST", p4, "{\"kind\":\"cousin\",\"name\":\"x\"}", 422,
                "relation_invalid", "kind");
    expect_code(&bidder1, "POST", p4, "{\"kind\":\"phone\",\"value\":\"12-34\"}", 422,
                "relation_invalid", "value");
    expect_code(&bidder1, "POST", p4, "{\"kind\":\"bank_account\"}", 422, "relation_invalid",
                "value");
    expect_code(&bidder1, "POST", p4, "{\"kind\":\"key_staff\",\"name\":\"陈工\"}", 422,
                "relation_invalid", "id_number");
    expect_code(&bidder1, "POST", p4,
                "{\"kind\":\"shareholder\",\"name\":\"甲\",\"id_number\":\"35010219650101\","
                "\"share_pct\":120}",
                422, "relation_invalid", "share_pct");
    expect_code(&bidder1, "POST", p4, "{\"kind\":\"email\",\"value\":\"a@b@c\"}", 422,
                "relation_invalid", "value");
    /* the same person again (the number written otherwise) */
    expect_code(&bidder1, "POST", p4,
                "{\"kind\":\"manager\",\"name\":\"黄海\",\"id_number\":\"3501 0219 6501 0112 34\"}",
                409, "relation_duplicate", NULL);
    /* a supervisor's record: the bidder sees it, cannot delete it */
    j = call(&supervisor, "POST", p4,
             "{\"kind\":\"shareholder\",\"name\":\"海峡投资有限公司\","
             "\"id_number\":\"91350000158143215N\",\"share_pct\":51.5}",
             201);
    int64_t sup = jint(j, "relation.id");
    assert_string_equal(jstr(j, "relation", "source"), "supervisor");
    assert_true(json_real_value(json_object_get(json_object_get(j, "relation"), "share_pct")) ==
                51.5);
    json_decref(j);
    char path[128];
    snprintf(path, sizeof path, "/api/orgs/4/relations/%lld", (long long)sup);
    expect_code(&bidder1, "DELETE", path, NULL, 404, "not_found", NULL);
    expect_code(&bidder2, "DELETE", path, NULL, 403, "not_owner", NULL);
    json_decref(call(&supervisor, "DELETE", path, NULL, 200));
    snprintf(path, sizeof path, "/api/orgs/4/relations/%lld", (long long)own);
    json_decref(call(&bidder1, "DELETE", path, NULL, 200));
    expect_code(&bidder1, "DELETE", path, NULL, 404, "not_found", NULL);
    j = call(&bidder1, "GET", p4, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);

    /* imports refused whole */
    size_t before = relations_of(5);
    j = import_csv("org_id,kind,value\n5,phone,0591-88000002\n5,\"bank_account,6222\n", 422);
    assert_string_equal(jstr(j, "error", "code"), "relations_file_invalid");
    json_decref(j);
    j = import_csv("org_id,kind,value\n5,phone,0591-88000002\n5,fax machine,1\n", 422);
    assert_string_equal(jstr(j, "error", "code"), "relations_file_invalid");
    assert_non_null(strstr(jstr(j, "error", "message"), "line 3"));
    json_decref(j);
    j = import_csv("kind,value\nphone,0591-88000002\n", 422);
    assert_string_equal(jstr(j, "error", "code"), "relations_file_invalid");
    json_decref(j);
    j = import_csv("org_id,kind,value\n5,phone,0591-88000002\n91350100MA31PQ7K2X,phone,"
                   "0591-88000003\n",
                   422);
    assert_string_equal(jstr(j, "error", "code"), "relation_unknown_org");
    assert_non_null(strstr(jstr(j, "error", "message"), "line 3"));
    json_decref(j);
    assert_int_equal(relations_of(5), before);
}

/* ---- the ring ---- */

static void make_certs(void)
{
    scratch_make("orgrel");
    ca_init("Orgrel Test CA");
    size_t len;
    char *ca = slurp(path_in("ca/ca.crt.pem"), &len);
    json_decref(raw(&admin, "POST", "/api/trust", "application/octet-stream", ca, len, 201));
    free(ca);
    for (int i = 0; i < 4; i++)
        bidder_certs(i + 1, g_uscc[i], "3650", g_bidders[i], g_org[i]);
}

/* A tender through its opening to the sealed record, with bids of the
 * bidders who[0..n) at the prices given. */
static int64_t sealed_opening(const int *who, int n, const int64_t *price)
{
    char path[160], body[1024], name[96], code[64];
    char *out;
    int rc;
    int64_t now = g_now;
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市关系图测试工程\",\"region\":\"350100\",\"category\":\"works\","
             "\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,"
             "\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)now, (long long)(now + 8 * DAY),
             (long long)(now + 15 * DAY), (long long)(now + 22 * DAY));
    json_t *j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    snprintf(code, sizeof code, "%s", jstr(j, "tender", "code"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.pdf", (long long)id);
    json_decref(call(&agent, "POST", path, "%PDF the documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    json_decref(call(&agent, "POST", path, NULL, 200));
    json_decref(wait_state(id, "bidding"));
    for (int k = 0; k < n; k++) {
        int i = who[k];
        char key[700], cert[700], rcpt[700], in1[720], in2[720], form[128];
        snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)id);
        json_decref(call(g_bidders[i], "POST", path, NULL, 201));
        snprintf(name, sizeof name, "t%lldb%d", (long long)id, i + 1);
        mkdir(path_in(name), 0755);
        snprintf(form, sizeof form, "{\"price_fen\":%lld,\"duration_days\":300}",
                 (long long)price[k]);
        snprintf(name, sizeof name, "t%lldb%d/opening-form.json", (long long)id, i + 1);
        spit(path_in(name), form, strlen(form));
        snprintf(name, sizeof name, "t%lldb%d/tech.txt", (long long)id, i + 1);
        spit(path_in(name), "技术标", strlen("技术标"));
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        snprintf(cert, sizeof cert, "%s/b%ds.crt.pem", dir, i + 1);
        snprintf(rcpt, sizeof rcpt, "%s/b%de.crt.pem", dir, i + 1);
        snprintf(in1, sizeof in1, "%s/t%lldb%d/opening-form.json:price-list", dir, (long long)id,
                 i + 1);
        snprintf(in2, sizeof in2, "%s/t%lldb%d/tech.txt:technical", dir, (long long)id, i + 1);
        snprintf(name, sizeof name, "t%lldb%d.sbe", (long long)id, i + 1);
        out = NULL;
        rc = it_run(&out, "seal", "--suite", "intl", "--tender", code, "--lot", "1", "--org",
                    g_uscc[i], "--sign-key", key, "--sign-cert", cert, "--recipient", rcpt, "--out",
                    path_in(name), in1, in2, NULL);
        run_ok("seal", rc, out);
        size_t len;
        char *env = slurp(path_in(name), &len);
        snprintf(path, sizeof path, "/api/tenders/%lld/lots/1/bid", (long long)id);
        json_decref(raw(g_bidders[i], "PUT", path, "application/octet-stream", env, len, 201));
        free(env);
    }
    clock_to(now + 22 * DAY + 1);
    json_decref(wait_state(id, "opening"));
    char url[64], tender[32];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
    snprintf(tender, sizeof tender, "%lld", (long long)id);
    for (int k = 0; k < n; k++) {
        snprintf(path, sizeof path, "/api/tenders/%lld/opening/signin", (long long)id);
        json_decref(call(g_bidders[who[k]], "POST", path, NULL, 200));
    }
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/advance", (long long)id);
    json_decref(call(&agent, "POST", path, "{\"from\":\"signin\"}", 200));
    for (int k = 0; k < n; k++) {
        int i = who[k];
        char key[700], env[64];
        snprintf(key, sizeof key, "%s/b%de.key.pem", dir, i + 1);
        snprintf(env, sizeof env, "t%lldb%d.sbe", (long long)id, i + 1);
        out = NULL;
        rc = it_run(&out, "opening", "decrypt", "--server", url, "--tender", tender, "--lot", "1",
                    "--key", key, "--envelope", path_in(env), "--token", g_bidders[i]->token, NULL);
        run_ok("opening decrypt", rc, out);
    }
    json_decref(call(&agent, "POST", path, "{\"from\":\"decrypt\"}", 200));
    json_decref(call(&agent, "POST", path, "{\"from\":\"readout\"}", 200));
    json_decref(call(&agent, "POST", path, "{\"from\":\"objections\"}", 200));
    for (int k = 0; k < n; k++) {
        int i = who[k];
        char key[700];
        snprintf(key, sizeof key, "%s/b%ds.key.pem", dir, i + 1);
        out = NULL;
        rc = it_run(&out, "opening", "sign", "--server", url, "--tender", tender, "--key", key,
                    "--token", g_bidders[i]->token, NULL);
        run_ok("opening sign", rc, out);
    }
    json_decref(call(&agent, "POST", path, "{\"from\":\"signing\"}", 200));
    json_decref(wait_state(id, "evaluation"));
    return id;
}

static bool has_org(json_t *orgs, int64_t id)
{
    size_t i;
    json_t *o;
    json_array_foreach(orgs, i, o)
    {
        json_t *v = json_is_object(o) ? json_object_get(o, "id") : o;
        if (json_integer_value(v) == id)
            return true;
    }
    return false;
}

/* Checks the L1 flags of a tender's analysis: one naming key_staff and one
 * bank_account, each over exactly the ring members in `ring`, none with
 * the clean bidder. */
static void check_flags(int64_t id, const int64_t *ring, size_t nring)
{
    char path[96];
    snprintf(path, sizeof path, "/api/supervision/risks/%lld/recompute", (long long)id);
    json_decref(call(&supervisor, "POST", path, NULL, 200));
    snprintf(path, sizeof path, "/api/supervision/risks/%lld", (long long)id);
    json_t *j = call(&supervisor, "GET", path, NULL, 200);
    json_t *an = json_object_get(json_object_get(j, "risk"), "analysis"), *f;
    bool staff = false, bank = false;
    size_t i;
    json_array_foreach(json_object_get(an, "flags"), i, f)
    {
        json_t *orgs = json_object_get(f, "orgs");
        if (strcmp(json_string_value(json_object_get(f, "kind")), "linked_bidders") != 0)
            continue; /* one machine, one address: all four, not this test's point */
        if (has_org(orgs, g_org[3]))
            fail_msg("the clean bidder is flagged: %s", json_dumps(f, JSON_COMPACT));
        assert_string_equal(json_string_value(json_object_get(f, "rule")), "L1");
        json_t *ev = json_object_get(f, "evidence");
        const char *key = json_string_value(json_object_get(ev, "key"));
        if (key == NULL)
            continue; /* a register rule (legal_rep, phone, ...) */
        assert_int_equal(json_array_size(orgs), nring);
        for (size_t k = 0; k < nring; k++)
            assert_true(has_org(orgs, ring[k]));
        if (strcmp(key, "key_staff") == 0) {
            staff = true;
            assert_string_equal(json_string_value(json_object_get(ev, "value")), "1350708001234");
        } else if (strcmp(key, "bank_account") == 0) {
            bank = true;
            assert_string_equal(json_string_value(json_object_get(ev, "value")),
                                "6222020200112233445");
        }
        assert_int_equal(json_array_size(json_object_get(ev, "holders")), nring);
    }
    assert_true(staff);
    assert_true(bank);
    assert_true(json_integer_value(json_object_get(json_object_get(j, "risk"), "score")) >= 25);
    json_decref(j);
}

static json_t *node(json_t *g, const char *id)
{
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(g, "nodes"), i, n)
    {
        if (strcmp(json_string_value(json_object_get(n, "id")), id) == 0)
            return n;
    }
    return NULL;
}

static void test_ring(void **state)
{
    char body[512], uscc17[18];
    (void)state;
    clock_to((int64_t)time(NULL) * 1000);
    /* the clean fourth bidder */
    memcpy(uscc17, "91350100MA8RT0A5X", 17);
    uscc17[17] = '\0';
    memcpy(g_uscc4, uscc17, 17);
    g_uscc4[17] = uscc_check(uscc17);
    g_uscc4[18] = '\0';
    snprintf(body, sizeof body,
             "{\"name\":\"清源建设有限公司\",\"uscc\":\"%s\",\"legal_rep\":\"林清\","
             "\"contact_phone\":\"0591-86000004\",\"address\":\"榕城市长乐区航城街道 9 号\"}",
             g_uscc4);
    json_t *j = call(&admin, "POST", "/api/orgs", body, 201);
    g_org[3] = jint(j, "id");
    json_decref(j);
    snprintf(body, sizeof body,
             "{\"username\":\"bidder4\",\"display_name\":\"林青（清源建设）\",\"password\":\"%s\","
             "\"roles\":[\"bidder\"],\"org_id\":%lld}",
             IT_DEMO_PASSWORD, (long long)g_org[3]);
    json_decref(call(&admin, "POST", "/api/users", body, 201));
    clock_to(g_now);

    /* the ring: one project manager registered at three firms, one account */
    json_decref(call(&bidder1, "POST", "/api/orgs/4/relations",
                     "{\"kind\":\"key_staff\",\"name\":\"陈建\",\"id_number\":\"闽1350708001234\","
                     "\"role\":\"项目经理\"}",
                     201));
    char people[512];
    snprintf(people, sizeof people,
             "org_id,person_id,name,role,title\n"
             "%s,闽 135070800-1234,陈建,项目经理,一级建造师\n"
             "6,闽1350708001234,陈建,key_staff,\n"
             "5,,王伟,other,\n",
             g_uscc[1]);
    j = import_csv(people, 200);
    assert_int_equal(jint(j, "added"), 2);
    assert_int_equal(jint(j, "skipped"), 1);
    json_decref(j);
    j = import_csv("org_id,kind,value\n"
                   "4,bank_account,6222 0202 0011 2233 445\n"
                   "5,银行账号,6222-0202-0011-2233-445\n"
                   "6,account,6222020200112233445\n"
                   "2,bank_account,6222020200112233445\n"
                   "6,phone,12\n",
                   200);
    assert_int_equal(jint(j, "added"), 4);
    assert_int_equal(jint(j, "skipped"), 1);
    json_decref(j);
    /* the same file again adds nothing */
    j = import_csv("org_id,kind,value\n4,bank_account,6222 0202 0011 2233 445\n", 200);
    assert_int_equal(jint(j, "added"), 0);
    json_decref(j);
    /* the clean bidder has records too, shared with nobody */
    snprintf(body, sizeof body, "/api/orgs/%lld/relations", (long long)g_org[3]);
    json_decref(call(&bidder4, "POST", body,
                     "{\"kind\":\"key_staff\",\"name\":\"林工\",\"id_number\":\"闽1350708009999\"}",
                     201));
    json_decref(call(&bidder4, "POST", body,
                     "{\"kind\":\"bank_account\",\"value\":\"6222 0202 0099 8877 665\"}", 201));

    make_certs();
    static const int a_who[4] = {0, 1, 2, 3}, b_who[3] = {0, 2, 3};
    static const int64_t a_price[4] = {912000000, 934500000, 957700000, 899900000};
    static const int64_t b_price[3] = {455500000, 468800000, 441100000};
    int64_t ta = sealed_opening(a_who, 4, a_price);
    int64_t tb = sealed_opening(b_who, 3, b_price);

    static const int64_t ring_a[3] = {4, 5, 6}, ring_b[2] = {4, 6};
    check_flags(ta, ring_a, 3);
    check_flags(tb, ring_b, 2);

    /* the graph of A */
    char path[96];
    snprintf(path, sizeof path, "/api/supervision/tenders/%lld/graph", (long long)ta);
    j = call(&supervisor, "GET", path, NULL, 200);
    for (int i = 0; i < 4; i++) {
        char id[32];
        snprintf(id, sizeof id, "o%lld", (long long)g_org[i]);
        json_t *n = node(j, id);
        assert_non_null(n);
        assert_string_equal(json_string_value(json_object_get(n, "type")), "bidder");
        if (i < 3)
            assert_true(json_is_integer(json_object_get(n, "component")));
        else
            assert_true(json_is_null(json_object_get(n, "component")));
    }
    json_t *agency = node(j, "o2");
    assert_non_null(agency);
    assert_string_equal(json_string_value(json_object_get(agency, "type")), "org");
    /* the key nodes and their edges */
    size_t i;
    json_t *n, *e;
    bool person = false, account = false;
    json_array_foreach(json_object_get(j, "nodes"), i, n)
    {
        const char *type = json_string_value(json_object_get(n, "type"));
        const char *value = json_string_value(json_object_get(n, "value"));
        if (strcmp(type, "person") == 0 && strcmp(value, "1350708001234") == 0)
            person = true;
        if (strcmp(type, "bank_account") == 0 && strcmp(value, "6222020200112233445") == 0)
            account = true;
        assert_true(value == NULL || strstr(value, "9999") == NULL); /* the clean one's */
    }
    assert_true(person);
    assert_true(account);
    size_t staff_edges = 0, bank_edges = 0;
    json_array_foreach(json_object_get(j, "edges"), i, e)
    {
        const char *kind = json_string_value(json_object_get(e, "kind"));
        json_t *ev = json_object_get(e, "evidence");
        assert_true(json_array_size(ev) >= 1);
        if (strcmp(kind, "key_staff") == 0) {
            staff_edges++;
            const char *src = json_string_value(json_object_get(json_array_get(ev, 0), "source"));
            const char *from = json_string_value(json_object_get(e, "from"));
            assert_string_equal(src, strcmp(from, "o4") == 0 ? "self" : "import");
        }
        if (strcmp(kind, "bank_account") == 0)
            bank_edges++;
    }
    assert_int_equal(staff_edges, 3);
    assert_int_equal(bank_edges, 4);
    json_t *comps = json_object_get(j, "components");
    assert_int_equal(json_array_size(comps), 1);
    json_t *cb = json_object_get(json_array_get(comps, 0), "bidders");
    assert_int_equal(json_array_size(cb), 3);
    assert_true(has_org(cb, 4) && has_org(cb, 5) && has_org(cb, 6));
    json_t *lb = json_object_get(j, "linked_bidders");
    assert_int_equal(json_array_size(lb), 1);
    assert_int_equal(jint(json_array_get(lb, 0), "lot_no"), 1);
    assert_int_equal(json_array_size(json_object_get(json_array_get(lb, 0), "orgs")), 3);
    assert_int_equal(jint(j, "patterns.bids"), 7);
    assert_true(json_is_array(json_object_get(json_object_get(j, "patterns"), "co_bidding")));
    json_decref(j);
    expect_code(&supervisor, "GET", "/api/supervision/tenders/999999/graph", NULL, 404, "not_found",
                NULL);
    /* the audit trail has the writes */
    j = call(&supervisor, "GET", "/api/audit?limit=100", NULL, 200);
    char *d = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(d, "\"org.relation.import\""));
    assert_non_null(strstr(d, "\"org.relation.add\""));
    free(d);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_ring),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
