/*
 * GET /api/results, the public list of evaluation results (api/results.c),
 * through the real server, on SQLite and (results_pg) PostgreSQL.
 *
 * The evaluation itself is test_evaluation's: here the rows it leaves are
 * written into the demo store directly — tender 1 in the candidates'
 * publicity (two candidates, two objections of which one is answered),
 * tender 2 awarded with its notice's hash, tender 3 contracted without an
 * evaluation (the fields are null), tender 4 still being scored (not a
 * result). Then, without signing in: the list holds 2 and 1 and 3, newest
 * first, with the candidates exactly as the tender's public evaluation view
 * shows them, the objections only counted (their text and who raised them
 * never appear), the award; the state filter, the cursor pages and the
 * refusals (an unknown state, a bad cursor, a bad limit).
 */
#include "harness.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eval/eval.h"
#include "store/store.h"

#include "tender_fixture.h"
#include "store_fixture.h"

#define SECRET "秘密的异议正文"

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

/* An evaluation row of tender id in phase, the lowest-price template, the
 * two bidders and, from the publicity on, the result. */
static void plant_eval(struct store *s, int64_t id, const char *phase, const int64_t org[2],
                       int64_t now, bool awarded)
{
    char bidders[512], result[1024];
    const char *tpl = eval_template_builtin("lowest_price");
    assert_non_null(tpl);
    snprintf(bidders, sizeof bidders,
             "[{\"org_id\":%lld,\"bidder\":\"海峡建工集团有限公司\",\"form\":{\"price_fen\":"
             "9500000}},{\"org_id\":%lld,\"bidder\":\"闽江路桥工程有限公司\",\"form\":{"
             "\"price_fen\":9800000}}]",
             (long long)org[0], (long long)org[1]);
    snprintf(result, sizeof result,
             "{\"candidates\":[{\"rank\":1,\"org_id\":%lld,\"bidder\":\"海峡建工集团有限公司\","
             "\"price_fen\":9500000},{\"rank\":2,\"org_id\":%lld,\"bidder\":"
             "\"闽江路桥工程有限公司\",\"price_fen\":9800000}],\"tie_at_cutoff\":false,"
             "\"not_valid\":[]}",
             (long long)org[0], (long long)org[1]);
    struct store_param p[] = {SP_I(id),     SP_T(phase),     SP_T(tpl),           SP_T(bidders),
                              SP_T(result), SP_I(now - DAY), SP_I(now + 2 * DAY), SP_I(now)};
    fx_exec(s,
            "INSERT INTO evaluations (tender_id, phase, method, template, template_sha, bidders,"
            " result, report_sha, publicity_start_ms, publicity_end_ms, created_ms, updated_ms)"
            " VALUES ($1, $2, 'lowest_price', $3, 'aa', $4, $5, 'bb', $6, $7, $8, $8)",
            p, 8);
    if (awarded) {
        struct store_param q[] = {SP_I(id), SP_I(org[0]), SP_I(now)};
        fx_exec(s,
                "UPDATE evaluations SET award_org_id = $2, award_ms = $3, notice_sha ="
                " 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00'"
                " WHERE tender_id = $1",
                q, 3);
    }
}

static void set_state(struct store *s, int64_t id, const char *state)
{
    struct store_param p[] = {SP_I(id), SP_T(state)};
    fx_exec(s, "UPDATE tenders SET state = $2, next_due_ms = NULL WHERE id = $1", p, 2);
}

static void plant(void)
{
    struct store *s = fixture_store();
    int64_t now = T0;
    int64_t org[2] = {fx_int(s, "SELECT org_id FROM users WHERE username = $1", "bidder1"),
                      fx_int(s, "SELECT org_id FROM users WHERE username = $1", "bidder2")};
    set_state(s, 1, "publicity");
    plant_eval(s, 1, "publicity", org, now, false);
    struct store_param o1[] = {SP_I(org[1]), SP_I(now), SP_I(now + 3 * DAY)};
    fx_exec(s,
            "INSERT INTO evaluation_objections (tender_id, org_id, body, raised_ms, due_ms)"
            " VALUES (1, $1, '" SECRET "', $2, $3)",
            o1, 3);
    fx_exec(s,
            "INSERT INTO evaluation_objections (tender_id, org_id, body, raised_ms, due_ms,"
            " answer, answered_ms) VALUES (1, $1, '" SECRET "', $2, $3, '已答复', $2)",
            o1, 3);
    set_state(s, 2, "awarded");
    plant_eval(s, 2, "awarded", org, now, true);
    set_state(s, 3, "contracted");
    set_state(s, 4, "evaluation");
    plant_eval(s, 4, "signing", org, now, false);
    store_close(s);
}

static json_t *get_public(const char *path, int status)
{
    return call(NULL, "GET", path, NULL, status);
}

static void refused(const char *path, int status, const char *code)
{
    json_t *j = get_public(path, status);
    const char *got = jstr(j, "error", "code");
    if (got == NULL || strcmp(got, code) != 0)
        fail_msg("%s: want %s, got %s", path, code, got ? got : "(none)");
    json_decref(j);
}

static int64_t item_id(json_t *j, size_t i)
{
    return jint(json_array_get(json_object_get(j, "items"), i), "id");
}

static size_t n_items(json_t *j)
{
    return json_array_size(json_object_get(j, "items"));
}

static void test_results(void **state)
{
    struct it_resp r;
    (void)state;
    set_clock(T0);
    plant();
    json_decref(wait_state(1, "publicity"));

    /* everything, newest first, without signing in */
    json_t *j = get_public("/api/results", 200);
    assert_int_equal(n_items(j), 3);
    assert_int_equal(item_id(j, 0), 3);
    assert_int_equal(item_id(j, 1), 2);
    assert_int_equal(item_id(j, 2), 1);
    assert_true(json_is_null(json_object_get(j, "next_cursor")));
    json_t *items = json_object_get(j, "items");

    /* contracted without an evaluation: listed, the evaluation's fields null */
    json_t *c = json_array_get(items, 0);
    assert_string_equal(jstr(c, "state", NULL), "contracted");
    assert_true(json_is_null(json_object_get(c, "candidates")));
    assert_true(json_is_null(json_object_get(c, "award")));

    /* awarded: the award and its notice's hash */
    json_t *a = json_array_get(items, 1);
    assert_string_equal(jstr(a, "state", NULL), "awarded");
    assert_string_equal(jstr(json_object_get(a, "award"), "bidder", NULL), "海峡建工集团有限公司");
    assert_string_equal(jstr(json_object_get(a, "award"), "notice_sha256", NULL),
                        "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00");
    assert_int_equal(jint(a, "award.award_ms"), T0);

    /* publicity: the candidates as the public view shows them, the dates,
     * the objections counted */
    json_t *p = json_array_get(items, 2);
    assert_string_equal(jstr(p, "state", NULL), "publicity");
    assert_string_equal(jstr(p, "method", NULL), "lowest_price");
    assert_non_null(jstr(p, "code", NULL));
    assert_int_equal(jint(p, "publicity.start_ms"), T0 - DAY);
    assert_int_equal(jint(p, "publicity.end_ms"), T0 + 2 * DAY);
    assert_int_equal(jint(p, "objections.total"), 2);
    assert_int_equal(jint(p, "objections.open"), 1);
    assert_true(json_is_null(json_object_get(p, "award")));
    json_t *cands = json_object_get(p, "candidates");
    assert_int_equal(json_array_size(cands), 2);
    assert_int_equal(jint(json_array_get(cands, 0), "rank"), 1);
    assert_int_equal(jint(json_array_get(cands, 0), "price_fen"), 9500000);
    json_t *view = get_public("/api/tenders/1/evaluation", 200);
    assert_true(json_equal(cands, json_object_get(json_object_get(view, "result"), "candidates")));
    json_decref(view);
    json_decref(j);

    /* the objections' text and who raised them never appear */
    assert_int_equal(it_request(&srv, "GET", "/api/results", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, SECRET));
    assert_null(strstr(r.body, "\"body\""));
    assert_null(strstr(r.body, "\"template\""));
    it_resp_free(&r);

    /* tender 4 is still being evaluated: not a result */
    j = get_public("/api/results?limit=100", 200);
    for (size_t i = 0; i < n_items(j); i++)
        assert_int_not_equal(item_id(j, i), 4);
    json_decref(j);

    /* one state */
    j = get_public("/api/results?state=publicity", 200);
    assert_int_equal(n_items(j), 1);
    assert_int_equal(item_id(j, 0), 1);
    json_decref(j);
    j = get_public("/api/results?state=awarded", 200);
    assert_int_equal(n_items(j), 1);
    assert_int_equal(item_id(j, 0), 2);
    json_decref(j);

    /* pages of one: 3, 2, 1, then the end */
    j = get_public("/api/results?limit=1", 200);
    assert_int_equal(n_items(j), 1);
    assert_int_equal(item_id(j, 0), 3);
    assert_string_equal(jstr(j, "next_cursor", NULL), "3");
    json_decref(j);
    j = get_public("/api/results?limit=1&cursor=3", 200);
    assert_int_equal(item_id(j, 0), 2);
    assert_string_equal(jstr(j, "next_cursor", NULL), "2");
    json_decref(j);
    j = get_public("/api/results?limit=2&cursor=2", 200);
    assert_int_equal(n_items(j), 1);
    assert_int_equal(item_id(j, 0), 1);
    assert_true(json_is_null(json_object_get(j, "next_cursor")));
    json_decref(j);
    j = get_public("/api/results?limit=2", 200);
    assert_int_equal(n_items(j), 2);
    assert_string_equal(jstr(j, "next_cursor", NULL), "2");
    json_decref(j);

    /* refusals */
    refused("/api/results?state=evaluation", 422, "invalid_field");
    refused("/api/results?state=x", 422, "invalid_field");
    refused("/api/results?cursor=abc", 400, "bad_cursor");
    refused("/api/results?limit=0", 422, "invalid_field");
    refused("/api/results?limit=101", 422, "invalid_field");

    /* signed in, the same list */
    j = call(&bidder1, "GET", "/api/results", NULL, 200);
    assert_int_equal(n_items(j), 3);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_results, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
