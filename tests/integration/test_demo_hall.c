/*
 * The demo's opening hall (cli/demo_hall.c), through the real binary and
 * server: after `sunbid demo` the hall tender exists, bidding, published
 * (stated) at least 20 days before its deadline, which is in the future;
 * each of bidder1 .. bidder3 has one sealed bid whose receipt verifies
 * offline (`sunbid verify-receipt` with the published key and the
 * envelope the demo kept in demo-keys/bidderN/hall-bid.sbe); the
 * publication's audit detail says it was back-dated. Then, on a test clock
 * moved past the deadline, the hall opens by itself with 3 bidders, the
 * three sign in, the host advances, each releases its key with
 * `sunbid opening decrypt` and the demo key file, and the read-out shows
 * the three prices; each signs the record with its demo signing key and
 * the host seals it. A second `sunbid demo` adds no second hall tender.
 * Runs on SQLite and (demo_hall_pg) PostgreSQL.
 */
#include "harness.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DAY ((int64_t)24 * 3600 * 1000)

static struct it_server srv;
static struct it_session agent, supervisor, bidders[3];
static int64_t start_ms;

static json_t *call(const struct it_session *who, const char *method, const char *path,
                    const char *body, int status)
{
    struct it_resp r;
    json_error_t jerr;
    if (who != NULL)
        assert_int_equal(it_request_as(&srv, who, method, path, body, &r), 0);
    else
        assert_int_equal(it_request(&srv, method, path, body, NULL, &r), 0);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    json_t *j = json_loads(r.body, 0, &jerr);
    if (j == NULL)
        fail_msg("not JSON: %s", r.body);
    it_resp_free(&r);
    return j;
}

static int64_t jint(json_t *o, const char *k1, const char *k2)
{
    json_t *v = json_object_get(o, k1);
    if (k2 != NULL)
        v = json_object_get(v, k2);
    if (!json_is_integer(v))
        fail_msg("%s.%s is not an integer", k1, k2 ? k2 : "");
    return (int64_t)json_integer_value(v);
}

static const char *jstr(json_t *o, const char *k1, const char *k2)
{
    json_t *v = json_object_get(o, k1);
    if (k2 != NULL)
        v = json_object_get(v, k2);
    return json_string_value(v);
}

static void login_all(void)
{
    char user[16];
    assert_int_equal(it_login(&srv, "agent", IT_DEMO_PASSWORD, 1, &agent), 200);
    assert_int_equal(it_login(&srv, "supervisor", IT_DEMO_PASSWORD, 1, &supervisor), 200);
    for (int i = 0; i < 3; i++) {
        snprintf(user, sizeof user, "bidder%d", i + 1);
        assert_int_equal(it_login(&srv, user, IT_DEMO_PASSWORD, 1, &bidders[i]), 200);
    }
}

static const char *in_dir(const char *rel)
{
    static char p[4][800];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", srv.data_dir, rel);
    return p[k];
}

static void spit(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
    fclose(f);
}

static int setup(void **state)
{
    char t[32];
    (void)state;
    setenv("SUNBID_ALLOW_TEST_CLOCK", "1", 1);
    start_ms = (int64_t)time(NULL) * 1000; /* before the seeding: the deadline is later */
    snprintf(t, sizeof t, "%lld", (long long)start_ms);
    const char *args[] = {"--test-clock", t, NULL};
    it_server_start(&srv, IT_DEMO, args);
    login_all();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

/* The hall tender's id, found by its title in the public list. */
static int64_t hall_id(int *count)
{
    json_t *j = call(NULL, "GET", "/api/tenders?limit=100", NULL, 200);
    json_t *items = json_object_get(j, "items"), *it;
    size_t i;
    int64_t id = 0;
    *count = 0;
    json_array_foreach(items, i, it)
    {
        const char *title = jstr(it, "title", NULL);
        if (title != NULL && strstr(title, "开标大厅演示") != NULL) {
            id = jint(it, "id", NULL);
            (*count)++;
        }
    }
    json_decref(j);
    return id;
}

static void set_clock(int64_t ms)
{
    char body[64];
    snprintf(body, sizeof body, "{\"now_ms\":%lld}", (long long)ms);
    struct it_session admin;
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    json_decref(call(&admin, "POST", "/api/test/clock", body, 200));
}

static void test_seeded(void **state)
{
    char path[128];
    int count = 0;
    (void)state;
    int64_t id = hall_id(&count);
    assert_int_equal(count, 1);
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)id);
    json_t *j = call(NULL, "GET", path, NULL, 200);
    assert_string_equal(jstr(j, "tender", "state"), "bidding");
    int64_t deadline = jint(j, "tender", "bid_deadline_ms");
    int64_t published = jint(j, "tender", "published_ms");
    assert_true(deadline > (int64_t)time(NULL) * 1000); /* in the future */
    assert_true(deadline > start_ms);
    assert_true(deadline - published >= 20 * DAY); /* min_bid_days holds for the stated dates */
    assert_true(published < start_ms - 20 * DAY);
    json_decref(j);

    /* the publication's audit row: appended now, saying it is back-dated */
    j = call(&supervisor, "GET", "/api/audit?limit=100", NULL, 200);
    char *d = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(d, "backdated"));
    assert_non_null(strstr(d, "stated_at_ms"));
    free(d);
    json_decref(j);

    /* the platform's receipt key */
    j = call(NULL, "GET", "/api/receipt-keys", NULL, 200);
    const char *pem = jstr(json_array_get(json_object_get(j, "items"), 0), "public_key", NULL);
    assert_non_null(pem);
    spit(in_dir("platform.pem"), pem);
    json_decref(j);

    /* each bidder: one sealed bid, its receipt valid with the kept envelope */
    snprintf(path, sizeof path, "/api/tenders/%lld/bids", (long long)id);
    for (int i = 0; i < 3; i++) {
        char env[64], rname[32], *o = NULL;
        j = call(&bidders[i], "GET", path, NULL, 200);
        json_t *bids = json_object_get(j, "bids"), *receipts = json_object_get(j, "receipts");
        assert_int_equal(json_array_size(bids), 1);
        assert_string_equal(jstr(json_array_get(bids, 0), "state", NULL), "submitted");
        assert_int_equal(json_array_size(receipts), 1);
        char *r = json_dumps(json_array_get(receipts, 0), 0);
        snprintf(rname, sizeof rname, "r%d.json", i + 1);
        spit(in_dir(rname), r);
        free(r);
        json_decref(j);
        snprintf(env, sizeof env, "demo-keys/bidder%d/hall-bid.sbe", i + 1);
        int rc = it_run(&o, "verify-receipt", "--key", in_dir("platform.pem"), "--envelope",
                        in_dir(env), in_dir(rname), NULL);
        if (rc != 0 || strstr(o, "VALID") == NULL)
            fail_msg("verify-receipt of bidder%d: %d: %s", i + 1, rc, o ? o : "");
        free(o);
    }
    /* nobody else sees a bid before the deadline */
    json_decref(call(&agent, "GET", path, NULL, 403));

    /* a second `sunbid demo`: no second hall tender, says where it stands */
    char *out = NULL;
    assert_int_equal(it_cli(&srv, &out, "demo", NULL), 0);
    assert_non_null(strstr(out, "demo opening hall tender"));
    free(out);
    (void)hall_id(&count);
    assert_int_equal(count, 1);
}

static json_t *hall(int64_t id)
{
    char path[96];
    snprintf(path, sizeof path, "/api/tenders/%lld/opening", (long long)id);
    return call(NULL, "GET", path, NULL, 200);
}

static void step(const struct it_session *who, int64_t id, const char *what, const char *body,
                 int status)
{
    char path[160];
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/%s", (long long)id, what);
    json_decref(call(who, "POST", path, body, status));
}

static void test_hall_opens(void **state)
{
    char path[128];
    int count = 0;
    json_t *j = NULL;
    (void)state;
    int64_t id = hall_id(&count);
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    int64_t deadline = jint(j, "tender", "bid_deadline_ms");
    json_decref(j);

    set_clock(deadline + 1000);
    bool open = false;
    for (int i = 0; i < 300 && !open; i++) {
        j = call(NULL, "GET", path, NULL, 200);
        open = strcmp(jstr(j, "tender", "state"), "opening") == 0;
        json_decref(j);
        if (!open)
            usleep(50 * 1000);
    }
    assert_true(open);
    login_all(); /* the clock moved: fresh sessions */
    j = hall(id);
    assert_string_equal(jstr(j, "phase", NULL), "signin");
    assert_int_equal(jint(j, "bidders", NULL), 3);
    assert_int_equal(jint(j, "min_bids", NULL), 3);
    json_decref(j);

    for (int i = 0; i < 3; i++)
        step(&bidders[i], id, "signin", NULL, 200);
    step(&agent, id, "advance", "{\"from\":\"signin\"}", 200);
    for (int i = 0; i < 3; i++) {
        char url[64], tender[32], key[64], env[64], *o = NULL;
        snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
        snprintf(tender, sizeof tender, "%lld", (long long)id);
        snprintf(key, sizeof key, "demo-keys/bidder%d/encrypt.key.pem", i + 1);
        snprintf(env, sizeof env, "demo-keys/bidder%d/hall-bid.sbe", i + 1);
        int rc = it_run(&o, "opening", "decrypt", "--server", url, "--tender", tender, "--lot", "1",
                        "--key", in_dir(key), "--envelope", in_dir(env), "--token",
                        bidders[i].token, NULL);
        if (rc != 0)
            fail_msg("opening decrypt as bidder%d: %d: %s", i + 1, rc, o ? o : "");
        free(o);
    }
    step(&agent, id, "advance", "{\"from\":\"decrypt\"}", 200);
    j = hall(id);
    assert_string_equal(jstr(j, "phase", NULL), "readout");
    char *d = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(d, "\"price_fen\":4238650000"));
    assert_non_null(strstr(d, "\"price_fen\":4196000000"));
    assert_non_null(strstr(d, "\"price_fen\":4305120000"));
    free(d);
    json_decref(j);

    /* no objections; each signs the record with its demo signing key; sealed */
    step(&agent, id, "advance", "{\"from\":\"readout\"}", 200);
    step(&agent, id, "advance", "{\"from\":\"objections\"}", 200);
    for (int i = 0; i < 3; i++) {
        char url[64], tender[32], key[64], *o = NULL;
        snprintf(url, sizeof url, "http://127.0.0.1:%d", srv.port);
        snprintf(tender, sizeof tender, "%lld", (long long)id);
        snprintf(key, sizeof key, "demo-keys/bidder%d/sign.key.pem", i + 1);
        int rc = it_run(&o, "opening", "sign", "--server", url, "--tender", tender, "--key",
                        in_dir(key), "--token", bidders[i].token, NULL);
        if (rc != 0)
            fail_msg("opening sign as bidder%d: %d: %s", i + 1, rc, o ? o : "");
        free(o);
    }
    step(&agent, id, "advance", "{\"from\":\"signing\"}", 200);
    j = hall(id);
    assert_string_equal(jstr(j, "phase", NULL), "sealed");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/record", (long long)id);
    json_decref(call(NULL, "GET", path, NULL, 200));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeded),
        cmocka_unit_test(test_hall_opens),
    };
    return cmocka_run_group_tests_name("demo_hall", tests, setup, teardown);
}
