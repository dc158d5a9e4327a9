/*
 * Sign-in against the real server: cookie sessions with CSRF, bearer tokens,
 * logout, throttling with Retry-After, and the audit trail of it all.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct it_server srv;

static int setup(void **state)
{
    it_server_start(&srv, IT_DEMO, NULL);
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

static void test_cookie_session_and_csrf(void **state)
{
    struct it_session s;
    struct it_resp r;
    char hdr[1024];
    assert_int_equal(it_login(&srv, "agent", IT_DEMO_PASSWORD, 0, &s), 200);
    assert_true(strncmp(s.cookie, "sunbid_session=", 15) == 0);
    assert_int_equal(strlen(s.csrf), 43);

    /* the cookie is HttpOnly and SameSite */
    assert_int_equal(it_request(&srv, "POST", "/api/auth/login", NULL,
                                "{\"username\":\"agent\",\"password\":\"" IT_DEMO_PASSWORD "\"}",
                                &r),
                     0);
    assert_int_equal(it_resp_header(&r, "Set-Cookie", hdr, sizeof(hdr)), 0);
    assert_non_null(strstr(hdr, "HttpOnly"));
    assert_non_null(strstr(hdr, "SameSite=Lax"));
    assert_null(strstr(r.body, "password"));
    it_resp_free(&r);

    assert_int_equal(it_request_as(&srv, &s, "GET", "/api/me", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"username\":\"agent\""));
    assert_non_null(strstr(r.body, "\"roles\":[\"agent\"]"));
    assert_non_null(strstr(r.body, s.csrf));
    it_resp_free(&r);

    /* an unsafe method with the cookie but no CSRF token is refused */
    snprintf(hdr, sizeof(hdr), "Cookie: %s\r\n", s.cookie);
    assert_int_equal(it_request(&srv, "POST", "/api/auth/logout", hdr, "{}", &r), 0);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "\"csrf_failed\""));
    it_resp_free(&r);
    /* a wrong token too */
    snprintf(hdr, sizeof(hdr), "Cookie: %s\r\nX-CSRF-Token: %.*sX\r\n", s.cookie, 42, s.csrf);
    assert_int_equal(it_request(&srv, "POST", "/api/auth/logout", hdr, "{}", &r), 0);
    assert_int_equal(r.status, 403);
    it_resp_free(&r);
    /* still signed in */
    assert_int_equal(it_request_as(&srv, &s, "GET", "/api/me", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);

    /* logout with the token works and clears the cookie */
    assert_int_equal(it_request_as(&srv, &s, "POST", "/api/auth/logout", "{}", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(it_resp_header(&r, "Set-Cookie", hdr, sizeof(hdr)), 0);
    assert_non_null(strstr(hdr, "Max-Age=0"));
    it_resp_free(&r);
    assert_int_equal(it_request_as(&srv, &s, "GET", "/api/me", NULL, &r), 0);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "\"session_expired\""));
    it_resp_free(&r);
    /* a stale cookie does not lock the public out of public routes */
    assert_int_equal(it_request_as(&srv, &s, "GET", "/api/notices", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
}

static void test_bearer_token(void **state)
{
    struct it_session s;
    struct it_resp r;
    assert_int_equal(it_login(&srv, "bidder2", IT_DEMO_PASSWORD, 1, &s), 200);
    assert_int_equal(strlen(s.token), 43);
    /* bearer requests need no CSRF token */
    assert_int_equal(it_request_as(&srv, &s, "GET", "/api/me", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"csrf_token\":null"));
    it_resp_free(&r);
    assert_int_equal(it_request_as(&srv, &s, "POST", "/api/auth/logout", "{}", &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    assert_int_equal(it_request_as(&srv, &s, "GET", "/api/me", NULL, &r), 0);
    assert_int_equal(r.status, 401);
    it_resp_free(&r);
    /* garbage tokens */
    assert_int_equal(
        it_request(&srv, "GET", "/api/me", "Authorization: Bearer nonsense\r\n", NULL, &r), 0);
    assert_int_equal(r.status, 401);
    it_resp_free(&r);
    assert_int_equal(it_request(&srv, "GET", "/api/me", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "\"unauthenticated\""));
    it_resp_free(&r);
}

static void test_bad_credentials_and_throttle(void **state)
{
    struct it_session s;
    struct it_resp r;
    char retry[32];
    assert_int_equal(it_login(&srv, "expert3", "wrong-password-1", 0, &s), 401);
    assert_int_equal(it_login(&srv, "no-such-user", "wrong-password-1", 0, &s), 401);
    for (int i = 1; i < 5; i++)
        assert_int_equal(it_login(&srv, "expert3", "wrong-password-1", 0, &s), 401);
    /* five failures: the account is locked for a while, even for the right password */
    assert_int_equal(it_request(&srv, "POST", "/api/auth/login", NULL,
                                "{\"username\":\"expert3\",\"password\":\"" IT_DEMO_PASSWORD "\"}",
                                &r),
                     0);
    assert_int_equal(r.status, 429);
    assert_non_null(strstr(r.body, "\"too_many_attempts\""));
    assert_int_equal(it_resp_header(&r, "Retry-After", retry, sizeof(retry)), 0);
    assert_true(strtol(retry, NULL, 10) >= 1);
    it_resp_free(&r);
    /* other accounts are unaffected */
    assert_int_equal(it_login(&srv, "expert4", IT_DEMO_PASSWORD, 0, &s), 200);
}

static void test_login_input_errors(void **state)
{
    struct it_resp r;
    assert_int_equal(
        it_request(&srv, "POST", "/api/auth/login", NULL, "{\"username\":\"admin\"}", &r), 0);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.body, "\"missing_field\""));
    assert_non_null(strstr(r.body, "\"field\":\"password\""));
    it_resp_free(&r);
    assert_int_equal(it_request(&srv, "POST", "/api/auth/login", NULL,
                                "{\"username\":7,\"password\":\"x\"}", &r),
                     0);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.body, "\"invalid_field\""));
    it_resp_free(&r);
}

static void test_audit_trail_records_sign_ins(void **state)
{
    struct it_session s;
    struct it_resp r;
    assert_int_equal(it_login(&srv, "supervisor", IT_DEMO_PASSWORD, 1, &s), 200);
    assert_int_equal(it_request_as(&srv, &s, "GET", "/api/audit?limit=100", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"action\":\"auth.login_failed\""));
    assert_non_null(strstr(r.body, "\"action\":\"auth.token\""));
    assert_non_null(strstr(r.body, "\"action\":\"auth.logout\""));
    assert_non_null(strstr(r.body, "\"remote_addr\":\"127.0.0.1\""));
    it_resp_free(&r);
    /* the audit trail has no write route at all */
    assert_int_equal(it_request_as(&srv, &s, "DELETE", "/api/audit", NULL, &r), 0);
    assert_int_equal(r.status, 405);
    it_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_session_and_csrf),
        cmocka_unit_test(test_bearer_token),
        cmocka_unit_test(test_bad_credentials_and_throttle),
        cmocka_unit_test(test_login_input_errors),
        cmocka_unit_test(test_audit_trail_records_sign_ins),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
