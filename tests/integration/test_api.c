/*
 * Organisations and users through the API of the real server: creation,
 * validation errors that change nothing, malformed and hostile bodies,
 * pagination, and the live audit stream.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct it_server srv;
static struct it_session admin;

static int setup(void **state)
{
    it_server_start(&srv, IT_DEMO, NULL);
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

static int count_items(const char *body)
{
    int n = 0;
    for (const char *p = body; (p = strstr(p, "\"created_ms\"")) != NULL; p++)
        n++;
    return n;
}

static int org_count(void)
{
    struct it_resp r;
    assert_int_equal(it_request_as(&srv, &admin, "GET", "/api/orgs?limit=100", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    int n = count_items(r.body);
    it_resp_free(&r);
    return n;
}

static void expect(const char *method, const char *path, const char *headers, const char *body,
                   int status, const char *code)
{
    struct it_resp r;
    char hdr[1024];
    snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\n%s", admin.token,
             headers ? headers : "");
    assert_int_equal(it_request(&srv, method, path, hdr, body, &r), 0);
    if (r.status != status || (code && !strstr(r.body, code)))
        fail_msg("%s %s: got %d %s, want %d %s", method, path, r.status, r.body, status,
                 code ? code : "");
    assert_non_null(strstr(r.headers, "application/json"));
    it_resp_free(&r);
}

static void test_create_org_and_user(void **state)
{
    struct it_resp r;
    int before = org_count();
    assert_int_equal(
        it_request_as(&srv, &admin, "POST", "/api/orgs",
                      "{\"name\":\"阿里巴巴（中国）有限公司\",\"uscc\":\"91330100799655058b\","
                      "\"legal_rep\":\"蒋芳\",\"contact_email\":\"bid@example.com\"}",
                      &r),
        0);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.body, "\"uscc\":\"91330100799655058B\""));
    const char *p = strstr(r.body, "\"id\":");
    long org = strtol(p + 5, NULL, 10);
    it_resp_free(&r);
    assert_int_equal(org_count(), before + 1);

    char body[512];
    snprintf(
        body, sizeof(body),
        "{\"username\":\"alibidder\",\"display_name\":\"投标专员\",\"password\":\"Bid-2026-ok\","
        "\"roles\":[\"bidder\"],\"org_id\":%ld}",
        org);
    assert_int_equal(it_request_as(&srv, &admin, "POST", "/api/users", body, &r), 0);
    assert_int_equal(r.status, 201);
    assert_null(strstr(r.body, "password"));
    assert_non_null(strstr(r.body, "\"roles\":[\"bidder\"]"));
    it_resp_free(&r);
    struct it_session s;
    assert_int_equal(it_login(&srv, "alibidder", "Bid-2026-ok", 1, &s), 200);
    /* the same username again */
    expect("POST", "/api/users", NULL, body, 409, "\"already_exists\"");
}

static void test_validation_changes_nothing(void **state)
{
    int before = org_count();
    expect("POST", "/api/orgs", NULL,
           "{\"name\":\"某公司\",\"uscc\":\"91330100799655058C\",\"legal_rep\":\"某人\"}", 422,
           "\"field\":\"uscc\"");
    expect("POST", "/api/orgs", NULL, "{\"name\":\"某公司\",\"uscc\":\"91330100799655058B\"}", 422,
           "\"missing_field\"");
    expect("POST", "/api/orgs", NULL,
           "{\"name\":\"某公司\",\"uscc\":\"91440300708461136T\",\"legal_rep\":5}", 422,
           "\"invalid_field\"");
    expect("POST", "/api/users", NULL,
           "{\"username\":\"x1\",\"display_name\":\"x\",\"password\":\"Bid-2026-ok\",\"roles\":["
           "\"bidder\"]}",
           422, "\"field\":\"username\"");
    expect("POST", "/api/users", NULL,
           "{\"username\":\"good1\",\"display_name\":\"x\",\"password\":\"Bid-2026-ok\",\"roles\":["
           "\"king\"]}",
           422, "\"field\":\"roles\"");
    expect("POST", "/api/users", NULL,
           "{\"username\":\"good1\",\"display_name\":\"x\",\"password\":\"weak\",\"roles\":["
           "\"bidder\"]}",
           422, "\"weak_password\"");
    assert_int_equal(org_count(), before);
}

static void test_hostile_bodies(void **state)
{
    expect("POST", "/api/orgs", NULL, "{\"name\":", 400, "\"malformed_json\"");
    expect("POST", "/api/orgs", NULL, "[1,2,3]", 400, "\"malformed_json\"");
    expect("POST", "/api/orgs", NULL, "{\"name\":\"a\",\"name\":\"b\"}", 400, "\"duplicate_key\"");
    expect("POST", "/api/orgs", NULL, "{\"name\":\"\xff\xfe\"}", 400, "\"invalid_utf8\"");
    expect(
        "POST", "/api/orgs", NULL,
        "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
        400, "\"json_too_deep\"");
    expect("POST", "/api/orgs", "Content-Type: text/plain\r\n", "{}", 415,
           "\"unsupported_media_type\"");
    /* a body larger than the route's limit (16 KiB for orgs) */
    size_t n = 40000;
    char *big = malloc(n + 32);
    memcpy(big, "{\"name\":\"", 9);
    memset(big + 9, 'a', n);
    memcpy(big + 9 + n, "\"}", 3);
    expect("POST", "/api/orgs", NULL, big, 413, "\"body_too_large\"");
    free(big);
}

static void test_pagination(void **state)
{
    struct it_resp r;
    char path[128], cursor[32] = "";
    int seen = 0, pages = 0;
    for (;;) {
        snprintf(path, sizeof(path), "/api/users?limit=4%s%s", cursor[0] ? "&cursor=" : "", cursor);
        assert_int_equal(it_request_as(&srv, &admin, "GET", path, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        seen += count_items(r.body);
        pages++;
        const char *c = strstr(r.body, "\"next_cursor\":\"");
        if (c == NULL) {
            assert_non_null(strstr(r.body, "\"next_cursor\":null"));
            it_resp_free(&r);
            break;
        }
        c += strlen("\"next_cursor\":\"");
        size_t len = strcspn(c, "\"");
        memcpy(cursor, c, len);
        cursor[len] = '\0';
        it_resp_free(&r);
    }
    assert_true(seen >= 13); /* the demo's users */
    assert_true(pages >= 4);
    expect("GET", "/api/users?limit=0", NULL, NULL, 422, "\"field\":\"limit\"");
    expect("GET", "/api/users?limit=101", NULL, NULL, 422, "\"field\":\"limit\"");
    expect("GET", "/api/users?cursor=abc", NULL, NULL, 400, "\"bad_cursor\"");
    expect("GET", "/api/notices?category=nonsense", NULL, NULL, 422, "\"field\":\"category\"");
    /* the demo publishes a works tender (cli/demo.c), no emission rights */
    expect("GET", "/api/notices?category=works", NULL, NULL, 200, "\"kind\":\"tender\"");
    expect("GET", "/api/notices?category=emission", NULL, NULL, 200, "\"items\":[]");
}

static void test_unknown_routes(void **state)
{
    expect("GET", "/api/no-such-thing", NULL, NULL, 404, "\"not_found\"");
    expect("PATCH", "/api/orgs", NULL, "{}", 405, "\"method_not_allowed\"");
    expect("GET", "/api/orgs/abc", NULL, NULL, 404, "\"not_found\"");
    expect("GET", "/api/orgs/99999", NULL, NULL, 404, "\"not_found\"");
}

static void test_health_and_security_headers(void **state)
{
    struct it_resp r;
    char v[512];
    assert_int_equal(it_request(&srv, "GET", "/api/health", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"status\":\"ok\""));
    assert_int_equal(it_resp_header(&r, "X-Content-Type-Options", v, sizeof(v)), 0);
    assert_string_equal(v, "nosniff");
    assert_int_equal(it_resp_header(&r, "Content-Security-Policy", v, sizeof(v)), 0);
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    assert_int_equal(it_resp_header(&r, "X-Request-Id", v, sizeof(v)), 0);
    assert_int_equal(strlen(v), 16);
    it_resp_free(&r);
    assert_int_equal(it_request(&srv, "HEAD", "/api/health", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(it_resp_header(&r, "Content-Length", v, sizeof(v)), 0);
    assert_true(strtol(v, NULL, 10) > 0);
    it_resp_free(&r);
}

static void test_idempotency_key(void **state)
{
    struct it_resp r1, r2;
    char hdr[1024], v[64];
    const char *body = "{\"name\":\"幂等测试公司\",\"uscc\":\"91350100MA8UT4RW23\","
                       "\"legal_rep\":\"测试\"}";
    int before = org_count();
    snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\nIdempotency-Key: org-7f3a\r\n",
             admin.token);
    assert_int_equal(it_request(&srv, "POST", "/api/orgs", hdr, body, &r1), 0);
    assert_int_equal(r1.status, 201);
    /* the retry gets the same answer and writes nothing */
    assert_int_equal(it_request(&srv, "POST", "/api/orgs", hdr, body, &r2), 0);
    assert_int_equal(r2.status, 201);
    assert_string_equal(r1.body, r2.body);
    assert_int_equal(it_resp_header(&r2, "Idempotent-Replayed", v, sizeof(v)), 0);
    assert_string_equal(v, "true");
    it_resp_free(&r1);
    it_resp_free(&r2);
    assert_int_equal(org_count(), before + 1);
    /* the same key for another request */
    expect("POST", "/api/orgs", "Idempotency-Key: org-7f3a\r\n",
           "{\"name\":\"另一家\",\"uscc\":\"91350000158143215N\",\"legal_rep\":\"x\"}", 422,
           "\"idempotency_mismatch\"");
    expect("POST", "/api/orgs", "Idempotency-Key: has space\r\n", body, 400,
           "\"bad_idempotency_key\"");
    /* a refused request is replayed as refused, still writing nothing */
    const char *bad = "{\"name\":\"坏代码\",\"uscc\":\"91330100799655058C\",\"legal_rep\":\"x\"}";
    expect("POST", "/api/orgs", "Idempotency-Key: bad-1\r\n", bad, 422, "\"invalid_uscc\"");
    expect("POST", "/api/orgs", "Idempotency-Key: bad-1\r\n", bad, 422, "\"invalid_uscc\"");
    /* keys belong to their user: another user's same key is another request */
    struct it_session other;
    assert_int_equal(it_login(&srv, "supervisor", IT_DEMO_PASSWORD, 1, &other), 200);
    snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\nIdempotency-Key: org-7f3a\r\n",
             other.token);
    assert_int_equal(it_request(&srv, "POST", "/api/orgs", hdr, body, &r1), 0);
    assert_int_equal(r1.status, 403); /* supervisors may not create: not replayed from admin */
    it_resp_free(&r1);
    assert_int_equal(org_count(), before + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_org_and_user),
        cmocka_unit_test(test_validation_changes_nothing),
        cmocka_unit_test(test_hostile_bodies),
        cmocka_unit_test(test_pagination),
        cmocka_unit_test(test_unknown_routes),
        cmocka_unit_test(test_health_and_security_headers),
        cmocka_unit_test(test_idempotency_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
