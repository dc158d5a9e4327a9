/*
 * Walks the whole route table (api_routes) for every role and for the
 * anonymous public, against the real server: a role the route does not list
 * is refused (401 unauthenticated for the public, 403 forbidden for a signed-in
 * user), a role it lists gets past authorisation. Deny by default is checked
 * by the table itself: no route may have roles == 0 unnoticed.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

static struct it_server srv;

struct who {
    const char *username; /* NULL: anonymous */
    unsigned role;
    struct it_session sess;
};

static struct who people[] = {
    {.username = NULL, .role = HTTP_ANON},
    {.username = "admin", .role = ROLE_ADMIN},
    {.username = "agent", .role = ROLE_AGENT},
    {.username = "bidder1", .role = ROLE_BIDDER},
    {.username = "expert1", .role = ROLE_EXPERT},
    {.username = "supervisor", .role = ROLE_SUPERVISOR},
};

static int setup(void **state)
{
    it_server_start(&srv, IT_DEMO, NULL);
    for (size_t i = 1; i < sizeof(people) / sizeof(people[0]); i++)
        assert_int_equal(it_login(&srv, people[i].username, IT_DEMO_PASSWORD, 1, &people[i].sess),
                         200);
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

/* The route's pattern with ":x" parameters replaced by a real id. */
static void concrete_path(const char *pattern, int64_t id, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 24 < outlen;) {
        if (*p == ':') {
            o += (size_t)snprintf(out + o, outlen - o, "%lld", (long long)id);
            while (*p && *p != '/')
                p++;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

static void test_every_route_every_role(void **state)
{
    int checked = 0;
    for (size_t r = 0; r < api_nroutes; r++) {
        const struct http_route *rt = &api_routes[r];
        /* Skip what cannot be walked generically: streams never end, and
         * logout would end the session the walk uses (test_auth covers it). */
        if (strcmp(rt->name, "events") == 0 || strcmp(rt->name, "auth.logout") == 0)
            continue;
        assert_true(rt->roles != 0); /* deny-all routes would be dead code */
        for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
            struct who *w = &people[i];
            char path[256];
            struct it_resp resp;
            /* an id that belongs to nobody in particular: 1 (admin's org / user) */
            concrete_path(rt->pattern, 1, path, sizeof(path));
            const char *body =
                (rt->method == HTTP_M_POST || rt->method == HTTP_M_PUT) ? "{}" : NULL;
            assert_int_equal(it_request_as(&srv, w->username ? &w->sess : NULL,
                                           http_method_name(rt->method), path, body, &resp),
                             0);
            bool allowed = (rt->roles & w->role) != 0;
            if (!allowed) {
                int want = w->username ? 403 : 401;
                if (resp.status != want)
                    fail_msg("%s %s as %s: got %d, want %d: %s", http_method_name(rt->method), path,
                             w->username ? w->username : "anonymous", resp.status, want, resp.body);
                assert_non_null(
                    strstr(resp.body, w->username ? "\"forbidden\"" : "\"unauthenticated\""));
            } else if (resp.status == 401 ||
                       (resp.status == 403 && strstr(resp.body, "\"forbidden\"") != NULL)) {
                fail_msg("%s %s as %s: refused (%d) though the route allows the role: %s",
                         http_method_name(rt->method), path,
                         w->username ? w->username : "anonymous", resp.status, resp.body);
            }
            it_resp_free(&resp);
            checked++;
        }
    }
    assert_true(checked > 40);
}

static void test_ownership(void **state)
{
    struct it_resp r;
    char path[64];
    /* bidder1 belongs to organisation 4 (demo order); another org is not theirs */
    assert_int_equal(it_request_as(&srv, &people[3].sess, "GET", "/api/me", NULL, &r), 0);
    const char *p = strstr(r.body, "\"org\":{\"id\":");
    assert_non_null(p);
    long org = strtol(p + strlen("\"org\":{\"id\":"), NULL, 10);
    it_resp_free(&r);
    snprintf(path, sizeof(path), "/api/orgs/%ld", org);
    assert_int_equal(it_request_as(&srv, &people[3].sess, "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    snprintf(path, sizeof(path), "/api/orgs/%ld", org + 1);
    assert_int_equal(it_request_as(&srv, &people[3].sess, "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "\"not_owner\""));
    it_resp_free(&r);
    /* a user may change only their own password (admin any) */
    assert_int_equal(it_request_as(&srv, &people[3].sess, "PUT", "/api/users/1/password",
                                   "{\"password\":\"Another-Pass-1\"}", &r),
                     0);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "\"not_owner\""));
    it_resp_free(&r);
    /* the supervisor reads any organisation */
    assert_int_equal(it_request_as(&srv, &people[5].sess, "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_every_role),
        cmocka_unit_test(test_ownership),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
