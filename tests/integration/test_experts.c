/*
 * The expert pool, the draw and the committee through the real server, on
 * SQLite and (experts_pg) PostgreSQL, over the demo data:
 *
 *   the admin makes expert accounts, imports a specialty (CSV) and experts
 *   (an XLSX made here with libxlsxwriter, and a CSV with experts that the
 *   recusal rules must leave out); a bad file is refused with its row;
 *   the agent asks for a draw for the demo tender in bidding, runs it once
 *   the witness log has checkpointed the commitment;
 *   the list is hidden from the agent, the bidders, other experts and the
 *   public, and shown to the supervisor; the record is secret but for him;
 *   an expert declines and the reserve is invited; the others confirm;
 *   `sunbid draw verify` checks the exported record (ok), then a tampered
 *   seed, snapshot and checkpoint (each fails with its check named);
 *   the agent forms the committee, three members elect a chair;
 *   the pool is exported as CSV and XLSX and the XLSX imported back;
 *   the tender is cancelled, the draw revealed, and the record becomes
 *   public and still verifies.
 */
#include "harness.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/uscc.h"
#include "sheet/sheet.h"

#define DAY ((int64_t)86400000)
#define NX  8 /* expert accounts made here */

static struct it_server srv;
static struct it_session admin, agent, bidder1, supervisor, expert1;
static struct it_session xs[NX];

static json_t *parse(const struct it_resp *r)
{
    json_error_t jerr;
    json_t *j = json_loadb(r->body, r->body_len, 0, &jerr);
    if (j == NULL)
        fail_msg("not JSON (%d): %.300s", r->status, r->body);
    return j;
}

static json_t *call(const struct it_session *who, const char *method, const char *path,
                    const char *body, int status)
{
    struct it_resp r;
    assert_int_equal(it_request_as(&srv, who, method, path, body, &r), 0);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %.400s", method, path, r.status, status, r.body);
    json_t *j = parse(&r);
    it_resp_free(&r);
    return j;
}

/* The error code of a refused call. */
static void refused(const struct it_session *who, const char *method, const char *path,
                    const char *body, int status, const char *code)
{
    json_t *j = call(who, method, path, body, status);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    if (c == NULL || strcmp(c, code) != 0)
        fail_msg("%s %s: code %s, want %s", method, path, c ? c : "(none)", code);
    json_decref(j);
}

/* A request with a raw body of len bytes (binary safe). */
static int raw(const struct it_session *who, const char *method, const char *path, const char *type,
               const void *body, size_t len, struct it_resp *r)
{
    char head[2048];
    int fd = it_connect(srv.port);
    if (fd < 0)
        return -1;
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                     method, path, who->token, type, len);
    int rc = -1;
    if (it_send_all(fd, head, (size_t)n) == 0 && it_send_all(fd, body, len) == 0)
        rc = it_read_response(fd, r, 0);
    close(fd);
    return rc;
}

static int64_t jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", key);
    return (int64_t)json_integer_value(v);
}

static int setup(void **state)
{
    (void)state;
    it_server_start(&srv, IT_DEMO, NULL);
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    assert_int_equal(it_login(&srv, "agent", IT_DEMO_PASSWORD, 1, &agent), 200);
    assert_int_equal(it_login(&srv, "bidder1", IT_DEMO_PASSWORD, 1, &bidder1), 200);
    assert_int_equal(it_login(&srv, "supervisor", IT_DEMO_PASSWORD, 1, &supervisor), 200);
    assert_int_equal(it_login(&srv, "expert1", IT_DEMO_PASSWORD, 1, &expert1), 200);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Replaces the first `from` in s by `to` (new heap string). */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    if (p == NULL)
        fail_msg("'%s' not found", from);
    size_t pre = (size_t)(p - s), n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    memcpy(out, s, pre);
    memcpy(out + pre, to, strlen(to));
    memcpy(out + pre + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
    return out;
}

/* Runs `sunbid draw verify` on text; returns the exit code, output in *out. */
static int verify(const char *text, bool with_key, char **out)
{
    char path[700], key[700];
    snprintf(path, sizeof path, "%s/record.json", srv.data_dir);
    snprintf(key, sizeof key, "%s/ledger-key.json", srv.data_dir);
    write_file(path, text);
    if (with_key) {
        json_t *k = call(NULL, "GET", "/api/ledger/key", NULL, 200);
        char *s = json_dumps(k, 0);
        write_file(key, s);
        free(s);
        json_decref(k);
        return it_run(out, "draw", "verify", path, "--key", key, NULL);
    }
    return it_run(out, "draw", "verify", path, NULL);
}

static void test_pool_draw_committee(void **state)
{
    (void)state;
    char body[1024], path[128];
    struct it_resp r;
    json_t *j;

    /* ---- accounts for the experts, a specialty, the pool ---- */
    for (int i = 0; i < NX; i++) {
        snprintf(body, sizeof body,
                 "{\"username\":\"zexpert%d\",\"display_name\":\"专家%d\",\"password\":\"%s\","
                 "\"roles\":[\"expert\"]}",
                 i + 1, i + 1, IT_DEMO_PASSWORD);
        json_decref(call(&admin, "POST", "/api/users", body, 201));
        snprintf(body, sizeof body, "zexpert%d", i + 1);
        assert_int_equal(it_login(&srv, body, IT_DEMO_PASSWORD, 1, &xs[i]), 200);
    }
    const char *spec = "code,parent,name,name_en\nZ,,测试大类,Test\nZ01,Z,测试专业,Test one\n";
    assert_int_equal(
        raw(&admin, "POST", "/api/expert-specialties/import", "text/csv", spec, strlen(spec), &r),
        0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    /* eight experts of Z01 with accounts, as an XLSX file */
    struct sheet_xlsx *x = sheet_xlsx_new("专家");
    const char *head[] = {"专家编号", "姓名",     "地区",     "工作单位", "职称",
                          "职称级别", "从业年限", "评标专业", "账号"};
    assert_int_equal(sheet_xlsx_row(x, 0, head, 9), 0);
    for (int i = 0; i < NX; i++) {
        char code[16], name[32], user[32];
        snprintf(code, sizeof code, "Z%03d", i + 1);
        snprintf(name, sizeof name, "测试专家%d", i + 1);
        snprintf(user, sizeof user, "zexpert%d", i + 1);
        const char *row[] = {code, name,  "350102", "榕城某研究院", "高级工程师", "副高级",
                             "12", "Z01", user};
        assert_int_equal(sheet_xlsx_row(x, (size_t)i + 1, row, 9), 0);
    }
    struct buf xl;
    buf_init(&xl, 1 << 20);
    assert_int_equal(sheet_xlsx_finish(x, &xl), SHEET_OK);
    assert_int_equal(
        raw(&admin, "POST", "/api/experts/import", SHEET_XLSX_MEDIA, xl.data, xl.len, &r), 0);
    if (r.status != 200)
        fail_msg("xlsx import: %d %s", r.status, r.body);
    j = parse(&r);
    assert_int_equal(jint(j, "created"), NX);
    json_decref(j);
    it_resp_free(&r);
    /* and three the rules leave out: a bidder's employee, a relation, leave */
    char csv[2048], b1[USCC_LEN + 1];
    memcpy(b1, "91350000158143215", 17);
    b1[17] = uscc_check_char(b1);
    b1[18] = '\0';
    time_t t = time(NULL) + 23 * 86400 + 8 * 3600;
    struct tm tm;
    char eval_day[16];
    gmtime_r(&t, &tm);
    strftime(eval_day, sizeof eval_day, "%Y-%m-%d", &tm);
    snprintf(csv, sizeof csv,
             "code,name,region,employer,employer_uscc,title,title_level,years,specialties,"
             "relations,unavailable\n"
             "Z101,员工,350102,海峡建工集团有限公司,%s,高工,senior,10,Z01,,\n"
             "Z102,亲属,350102,某单位,,高工,senior,10,Z01,relative::闽江路桥工程有限公司,\n"
             "Z103,休假,350102,某单位,,高工,senior,10,Z01,,%s:leave\n",
             b1, eval_day);
    assert_int_equal(raw(&admin, "POST", "/api/experts/import", "text/csv", csv, strlen(csv), &r),
                     0);
    if (r.status != 200)
        fail_msg("csv import: %d %s", r.status, r.body);
    it_resp_free(&r);
    /* a bad row: its row and field, nothing imported */
    const char *bad = "code,name,region,employer,title,title_level,years,specialties\n"
                      "Z201,甲,350102,某单位,高工,senior,10,Z01\n"
                      "Z202,乙,350102,某单位,高工,senior,10,NOPE\n";
    assert_int_equal(raw(&admin, "POST", "/api/experts/import", "text/csv", bad, strlen(bad), &r),
                     0);
    assert_int_equal(r.status, 422);
    j = parse(&r);
    json_t *err = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "import_row_invalid");
    assert_int_equal(jint(err, "row"), 3);
    assert_string_equal(json_string_value(json_object_get(err, "field")), "specialties");
    json_decref(j);
    it_resp_free(&r);
    j = call(&admin, "GET", "/api/experts?specialty=Z&limit=100", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), NX + 3);
    json_decref(j);
    refused(&bidder1, "GET", "/api/experts", NULL, 403, "forbidden");

    /* ---- the draw: tender 2 of the demo is in bidding, bidders 1 and 2 registered ---- */
    int64_t now = (int64_t)time(NULL) * 1000;
    snprintf(body, sizeof body,
             "{\"eval_start_ms\":%lld,\"eval_end_ms\":%lld,\"reps\":0,"
             "\"requests\":[{\"specialty\":\"Z01\",\"count\":5,\"reserves\":1}]}",
             (long long)(now + 22 * DAY), (long long)(now + 24 * DAY));
    refused(&bidder1, "POST", "/api/tenders/2/draws", body, 403, "forbidden");
    j = call(&agent, "POST", "/api/tenders/2/draws", body, 201);
    json_t *d = json_object_get(j, "draw");
    int64_t draw = jint(d, "id");
    char commitment[80];
    snprintf(commitment, sizeof commitment, "%s",
             json_string_value(json_object_get(d, "commitment")));
    assert_string_equal(json_string_value(json_object_get(d, "state")), "committed");
    json_decref(j);
    /* run: the commitment must first be in a signed checkpoint */
    snprintf(path, sizeof path, "/api/draws/%lld/run", (long long)draw);
    int status = 0;
    for (int i = 0; i < 200 && status != 200; i++) {
        assert_int_equal(it_request_as(&srv, &agent, "POST", path, "", &r), 0);
        status = r.status;
        if (status != 200 && (status != 409 || strstr(r.body, "draw_not_ready") == NULL))
            fail_msg("run: %d %s", r.status, r.body);
        it_resp_free(&r);
        if (status != 200)
            usleep(100 * 1000);
    }
    assert_int_equal(status, 200);

    /* ---- who sees the list ---- */
    snprintf(path, sizeof path, "/api/draws/%lld", (long long)draw);
    j = call(&agent, "GET", path, NULL, 200);
    d = json_object_get(j, "draw");
    assert_string_equal(json_string_value(json_object_get(d, "state")), "drawn");
    assert_null(json_object_get(d, "members")); /* counts only */
    assert_int_equal(jint(json_object_get(d, "counts"), "notified"), 5);
    json_decref(j);
    refused(&bidder1, "GET", path, NULL, 404, "not_found");
    refused(&expert1, "GET", path, NULL, 404, "not_found");
    refused(&admin, "GET", path, NULL, 404, "not_found");
    refused(NULL, "GET", path, NULL, 404, "not_found");
    j = call(&bidder1, "GET", "/api/tenders/2/draws", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    j = call(&supervisor, "GET", path, NULL, 200);
    json_t *members = json_incref(json_object_get(json_object_get(j, "draw"), "members"));
    json_decref(j);
    assert_int_equal(json_array_size(members), 6);
    char rpath[128];
    snprintf(rpath, sizeof rpath, "/api/draws/%lld/record", (long long)draw);
    refused(&agent, "GET", rpath, NULL, 403, "draw_secret");
    refused(NULL, "GET", rpath, NULL, 404, "not_found");
    /* the recusal rules left Z101..Z103 out: none is a member */
    for (size_t i = 0; i < json_array_size(members); i++) {
        const char *code =
            json_string_value(json_object_get(json_array_get(members, i), "expert_code"));
        assert_true(strcmp(code, "Z101") < 0);
    }

    /* ---- invitations: the one at position 1 declines, the rest confirm ---- */
    int who[6];
    int64_t mid[6];
    for (size_t i = 0; i < 6; i++) {
        json_t *m = json_array_get(members, i);
        who[i] = atoi(json_string_value(json_object_get(m, "expert_code")) + 1) - 1;
        mid[i] = jint(m, "id");
    }
    j = call(&xs[who[0]], "GET", "/api/experts/me/invitations", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "items"), 0), "status")),
                        "notified");
    json_decref(j);
    /* the reserve has no invitation yet, and nobody answers another's */
    j = call(&xs[who[5]], "GET", "/api/experts/me/invitations", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    snprintf(path, sizeof path, "/api/invitations/%lld/confirm", (long long)mid[0]);
    refused(&xs[who[1]], "POST", path, "{}", 404, "not_found");
    snprintf(path, sizeof path, "/api/invitations/%lld/decline", (long long)mid[1]);
    json_decref(call(&xs[who[1]], "POST", path, "{\"reason\":\"出差在外\"}", 200));
    refused(&xs[who[1]], "POST", path, "{}", 409, "invitation_closed");
    j = call(&xs[who[5]], "GET", "/api/experts/me/invitations", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    int confirm[] = {0, 2, 3, 4, 5};
    for (int k = 0; k < 5; k++) {
        snprintf(path, sizeof path, "/api/invitations/%lld/confirm", (long long)mid[confirm[k]]);
        json_decref(call(&xs[who[confirm[k]]], "POST", path, "", 200));
    }
    json_decref(members);

    /* ---- the record verifies; tampering is named ---- */
    char *out = NULL;
    sleep(2); /* a checkpoint after the run, so the record proves the run entry too */
    assert_int_equal(it_request_as(&srv, &supervisor, "GET", rpath, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    char *rec = strdup(r.body);
    it_resp_free(&r);
    int rc = verify(rec, true, &out);
    if (rc != 0)
        fail_msg("verify: %d\n%s", rc, out);
    assert_non_null(strstr(out, "ok    checkpoint-key"));
    assert_non_null(strstr(out, "ok    run-entry"));
    assert_non_null(strstr(out, "verified"));
    free(out);
    json_error_t jerr;
    json_t *rj = json_loads(rec, 0, &jerr);
    char seed[80];
    assert_non_null(json_string_value(json_object_get(rj, "seed")));
    snprintf(seed, sizeof seed, "%s", json_string_value(json_object_get(rj, "seed")));
    char seed_q[100], other_q[100];
    snprintf(seed_q, sizeof seed_q, "\"%s\"", seed);
    snprintf(other_q, sizeof other_q, "\"%c%s\"", seed[0] == 'a' ? 'b' : 'a', seed + 1);
    char *bad_seed = replace(rec, seed_q, other_q);
    assert_int_equal(verify(bad_seed, false, &out), 5);
    assert_non_null(strstr(out, "FAIL  commitment"));
    assert_non_null(strstr(out, "FAIL  order"));
    free(out);
    free(bad_seed);
    char *bad_snap = replace(rec, "\"350102\",[\"Z\",\"Z01\"]", "\"350103\",[\"Z\",\"Z01\"]");
    assert_int_equal(verify(bad_snap, false, &out), 5);
    assert_non_null(strstr(out, "FAIL  snapshot"));
    free(out);
    free(bad_snap);
    const char *cp = json_string_value(json_object_get(rj, "checkpoint"));
    char size_line[64];
    const char *nl = strchr(cp, '\n');
    snprintf(size_line, sizeof size_line, "\\n%.*s\\n", (int)(strchr(nl + 1, '\n') - nl - 1),
             nl + 1);
    char *bad_cp = replace(rec, size_line, "\\n999999\\n");
    assert_int_equal(verify(bad_cp, false, &out), 5);
    assert_non_null(strstr(out, "FAIL  commit-inclusion"));
    assert_non_null(strstr(out, "FAIL  order"));
    free(out);
    free(bad_cp);
    assert_int_equal(verify("{\"format\":\"nope\"}", false, &out), 3);
    free(out);
    json_decref(rj);

    /* ---- the committee ---- */
    refused(&bidder1, "GET", "/api/tenders/2/committee", NULL, 404, "not_found");
    json_decref(call(&agent, "POST", "/api/tenders/2/committee/form", "", 200));
    refused(&agent, "POST", "/api/tenders/2/committee/form", "", 409, "wrong_state");
    j = call(&agent, "GET", "/api/tenders/2/committee", NULL, 200);
    assert_true(json_is_true(json_object_get(j, "formed")));
    assert_int_equal(jint(j, "size"), 5);
    assert_int_equal(json_array_size(json_object_get(j, "members")), 0); /* names stay secret */
    json_decref(j);
    j = call(&supervisor, "GET", "/api/tenders/2/committee", NULL, 200);
    json_t *cms = json_object_get(j, "members");
    assert_int_equal(json_array_size(cms), 5);
    int64_t cand = jint(json_array_get(cms, 0), "id");
    json_decref(j);
    snprintf(body, sizeof body, "{\"member_id\":%lld}", (long long)cand);
    refused(&bidder1, "POST", "/api/tenders/2/committee/vote", body, 403, "not_committee_member");
    for (int k = 0; k < 3; k++) {
        j = call(&xs[who[confirm[k]]], "POST", "/api/tenders/2/committee/vote", body, 200);
        bool chosen = json_is_integer(json_object_get(j, "chair"));
        assert_true(chosen == (k == 2)); /* three of five */
        json_decref(j);
    }
    j = call(&xs[who[confirm[0]]], "GET", "/api/tenders/2/committee", NULL, 200);
    assert_int_equal(jint(j, "chair"), cand);
    assert_string_equal(json_string_value(json_object_get(j, "chair_how")), "elected");
    json_decref(j);

    /* ---- export and import back ---- */
    assert_int_equal(it_request_as(&srv, &supervisor, "GET", "/api/experts/export", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "Z001,测试专家1,350102"));
    assert_non_null(strstr(r.body, "relative::闽江路桥工程有限公司"));
    it_resp_free(&r);
    assert_int_equal(
        it_request_as(&srv, &admin, "GET", "/api/experts/export?format=xlsx", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(sheet_is_zip(r.body, r.body_len));
    struct it_resp r2;
    assert_int_equal(
        raw(&admin, "POST", "/api/experts/import", SHEET_XLSX_MEDIA, r.body, r.body_len, &r2), 0);
    if (r2.status != 200)
        fail_msg("re-import: %d %s", r2.status, r2.body);
    j = parse(&r2);
    assert_int_equal(jint(j, "created"), 0);
    assert_true(jint(j, "updated") >= 240 + NX + 3);
    json_decref(j);
    it_resp_free(&r2);
    it_resp_free(&r);
    refused(&agent, "GET", "/api/experts/export", NULL, 403, "forbidden");

    /* ---- after the evaluation: revealed, public, still verified ---- */
    snprintf(path, sizeof path, "/api/draws/%lld/reveal", (long long)draw);
    refused(&agent, "POST", path, "", 409, "wrong_state");
    json_decref(
        call(&agent, "POST", "/api/tenders/2/cancel", "{\"reason\":\"采购需求变更\"}", 200));
    json_decref(call(&agent, "POST", path, "", 200));
    assert_int_equal(it_request(&srv, "GET", rpath, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"state\":\"revealed\""));
    assert_non_null(strstr(r.body, seed));
    rc = verify(r.body, true, &out);
    if (rc != 0)
        fail_msg("verify after reveal: %d\n%s", rc, out);
    free(out);
    it_resp_free(&r);
    snprintf(path, sizeof path, "/api/draws/%lld", (long long)draw);
    j = call(NULL, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "draw"), "members")), 6);
    json_decref(j);
    free(rec);
    buf_release(&xl);
    (void)commitment;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pool_draw_committee, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
