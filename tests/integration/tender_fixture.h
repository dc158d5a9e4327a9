/*
 * tender_fixture.h — what the tender and opening integration tests share:
 * a demo server on a manual clock starting at T0 (serve --test-clock, with
 * SUNBID_ALLOW_TEST_CLOCK=1), the demo users signed in with bearer tokens,
 * and small JSON request helpers. Include it once, from one test program,
 * after harness.h and <jansson.h>.
 */
#ifndef SUNBID_IT_TENDER_FIXTURE_H
#define SUNBID_IT_TENDER_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"

#define DAY ((int64_t)24 * 3600 * 1000)
#define T0  ((int64_t)1767258000000) /* 2026-01-01T09:00:00Z */

static struct it_server srv;
static struct it_session agent, bidder1, bidder2, bidder3, admin, supervisor;

static void login_all(void)
{
    assert_int_equal(it_login(&srv, "agent", IT_DEMO_PASSWORD, 1, &agent), 200);
    assert_int_equal(it_login(&srv, "bidder1", IT_DEMO_PASSWORD, 1, &bidder1), 200);
    assert_int_equal(it_login(&srv, "bidder2", IT_DEMO_PASSWORD, 1, &bidder2), 200);
    assert_int_equal(it_login(&srv, "bidder3", IT_DEMO_PASSWORD, 1, &bidder3), 200);
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    assert_int_equal(it_login(&srv, "supervisor", IT_DEMO_PASSWORD, 1, &supervisor), 200);
}

static int setup(void **state)
{
    char t0[32];
    (void)state;
    setenv("SUNBID_ALLOW_TEST_CLOCK", "1", 1);
    snprintf(t0, sizeof t0, "%lld", (long long)T0);
    const char *args[] = {"--test-clock", t0, NULL};
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

/* ---- small helpers ---- */

static json_t *parse(const struct it_resp *r)
{
    json_error_t jerr;
    json_t *j = json_loads(r->body, 0, &jerr);
    if (j == NULL)
        fail_msg("not JSON (%d): %s", r->status, r->body);
    return j;
}

/* A request that must answer `status`; returns the parsed body (or NULL
 * when it is not JSON and want_json is 0). */
static json_t *call(const struct it_session *who, const char *method, const char *path,
                    const char *body, int status)
{
    struct it_resp r;
    assert_int_equal(it_request_as(&srv, who, method, path, body, &r), 0);
    if (r.status != status)
        fail_msg("%s %s: got %d, want %d: %s", method, path, r.status, status, r.body);
    json_t *j = parse(&r);
    it_resp_free(&r);
    return j;
}

static int64_t jint(json_t *obj, const char *path)
{
    /* "a.b.c" */
    char key[128];
    const char *p = path;
    json_t *cur = obj;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        memcpy(key, p, n);
        key[n] = '\0';
        cur = json_object_get(cur, key);
        if (cur == NULL)
            fail_msg("no %s", path);
        p += n + (dot ? 1 : 0);
    }
    if (!json_is_integer(cur))
        fail_msg("%s is not an integer", path);
    return (int64_t)json_integer_value(cur);
}

static const char *jstr(json_t *obj, const char *k1, const char *k2)
{
    json_t *v = json_object_get(obj, k1);
    if (k2 != NULL)
        v = json_object_get(v, k2);
    return json_string_value(v);
}

static void set_clock(int64_t ms)
{
    char body[64];
    snprintf(body, sizeof body, "{\"now_ms\":%lld}", (long long)ms);
    json_t *j = call(&admin, "POST", "/api/test/clock", body, 200);
    assert_int_equal(jint(j, "now_ms"), ms);
    json_decref(j);
}

/* Polls the tender (as the public) until it is in state, up to 15 s. */
static json_t *wait_state(int64_t id, const char *state)
{
    char path[64];
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)id);
    for (int i = 0; i < 300; i++) {
        struct it_resp r;
        assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, &r), 0);
        if (r.status == 200) {
            json_t *j = parse(&r);
            it_resp_free(&r);
            const char *s = jstr(j, "tender", "state");
            if (s != NULL && strcmp(s, state) == 0)
                return j;
            json_decref(j);
        } else {
            it_resp_free(&r);
        }
        usleep(50 * 1000);
    }
    fail_msg("tender %lld never reached %s", (long long)id, state);
    return NULL;
}

#endif
