/*
 * Unit tests for the router (http/router.h): literal and parameter matching,
 * specificity, percent-decoding, 404 vs 405 with Allow, trailing '*', and
 * rejection of traversal and forged separators.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"

static void h(struct http_request *req, struct http_response *res)
{
    (void)req;
    (void)res;
}

static const struct http_route routes[] = {
    {HTTP_M_GET, "/api/tenders", h, HTTP_ANON, NULL, 0, 0, "tender.list"},
    {HTTP_M_POST, "/api/tenders", h, ROLE_AGENT, NULL, 0, 0, "tender.create"},
    {HTTP_M_GET, "/api/tenders/:id", h, HTTP_ANON, NULL, 0, 0, "tender.get"},
    {HTTP_M_GET, "/api/tenders/mine", h, ROLE_AGENT, NULL, 0, 0, "tender.mine"},
    {HTTP_M_DELETE, "/api/tenders/:id", h, ROLE_ADMIN, NULL, 0, 0, "tender.delete"},
    {HTTP_M_GET, "/api/tenders/:id/bids/:bid", h, ROLE_ALL, NULL, 0, 0, "bid.get"},
    {HTTP_M_GET, "/api/files/*", h, HTTP_ANON, NULL, 0, 0, "files"},
    {HTTP_M_GET, "/api/files/special", h, HTTP_ANON, NULL, 0, 0, "files.special"},
    {HTTP_M_GET, "/api/a b", h, HTTP_ANON, NULL, 0, 0, "space"},
    {HTTP_M_GET, "/", h, HTTP_ANON, NULL, 0, 0, "root"},
    {HTTP_M_GET, "/api/slash/", h, HTTP_ANON, NULL, 0, 0, "slash"},
};

struct fx {
    struct router *r;
    char scratch[4096];
    struct router_match m;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[128];
    f->r = router_new(routes, sizeof(routes) / sizeof(routes[0]), err, sizeof(err));
    if (f->r == NULL)
        fail_msg("router_new: %s", err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    router_free(f->r);
    free(f);
    return 0;
}

static enum router_rc match(struct fx *f, enum http_method m, const char *path)
{
    return router_match(f->r, m, path, strlen(path), f->scratch, sizeof(f->scratch), &f->m);
}

static void test_literal_and_params(void **state)
{
    struct fx *f = *state;
    assert_int_equal(match(f, HTTP_M_GET, "/api/tenders"), ROUTER_OK);
    assert_string_equal(f->m.route->name, "tender.list");
    assert_int_equal(f->m.nparams, 0);

    assert_int_equal(match(f, HTTP_M_POST, "/api/tenders"), ROUTER_OK);
    assert_string_equal(f->m.route->name, "tender.create");

    assert_int_equal(match(f, HTTP_M_GET, "/api/tenders/42"), ROUTER_OK);
    assert_string_equal(f->m.route->name, "tender.get");
    assert_int_equal(f->m.nparams, 1);
    assert_string_equal(f->m.names[0], "id");
    assert_string_equal(f->m.values[0], "42");

    assert_int_equal(match(f, HTTP_M_GET, "/api/tenders/7/bids/9"), ROUTER_OK);
    assert_string_equal(f->m.route->name, "bid.get");
    assert_int_equal(f->m.nparams, 2);
    assert_string_equal(f->m.names[1], "bid");
    assert_string_equal(f->m.values[0], "7");
    assert_string_equal(f->m.values[1], "9");

    assert_int_equal(match(f, HTTP_M_GET, "/"), ROUTER_OK);
    assert_string_equal(f->m.route->name, "root");
    assert_int_equal(match(f, HTTP_M_GET, "/api/slash/"), ROUTER_OK);
    assert_int_equal(match(f, HTTP_M_GET, "/api/slash"), ROUTER_NOT_FOUND);
}

static void test_specificity(void **state)
{
    struct fx *f = *state;
    /* "mine" is a literal: it beats ":id" although ":id" comes first */
    assert_int_equal(match(f, HTTP_M_GET, "/api/tenders/mine"), ROUTER_OK);
    assert_string_equal(f->m.route->name, "tender.mine");
    /* and a literal beats the star */
    assert_int_equal(match(f, HTTP_M_GET, "/api/files/special"), ROUTER_OK);
    assert_string_equal(f->m.route->name, "files.special");
}

static void test_percent_decoding(void **state)
{
    struct fx *f = *state;
    assert_int_equal(match(f, HTTP_M_GET, "/api/tenders/%E6%8B%9B%20x"), ROUTER_OK);
    assert_string_equal(f->m.values[0], "\xe6\x8b\x9b x");
    assert_string_equal(f->m.path, "/api/tenders/\xe6\x8b\x9b x");
    /* literal segments match their decoded form */
    assert_int_equal(match(f, HTTP_M_GET, "/api/a%20b"), ROUTER_OK);
    assert_string_equal(f->m.route->name, "space");
    assert_int_equal(match(f, HTTP_M_GET, "/api/%74enders"), ROUTER_OK);
    assert_string_equal(f->m.route->name, "tender.list");
    /* '+' is not a space in a path */
    assert_int_equal(match(f, HTTP_M_GET, "/api/tenders/a+b"), ROUTER_OK);
    assert_string_equal(f->m.values[0], "a+b");

    char dst[32];
    assert_int_equal(http_pct_decode(dst, "a+b%41", 6, 1), 4);
    assert_string_equal(dst, "a bA");
    assert_int_equal(http_pct_decode(dst, "%4", 2, 0), -1);
    assert_int_equal(http_pct_decode(dst, "%zz", 3, 0), -1);
    assert_int_equal(http_pct_decode(dst, "a%00", 4, 0), -1);
}

static void test_not_found_vs_not_allowed(void **state)
{
    struct fx *f = *state;
    char allow[64];
    assert_int_equal(match(f, HTTP_M_GET, "/api/nothing"), ROUTER_NOT_FOUND);
    assert_non_null(f->m.path);
    assert_string_equal(f->m.path, "/api/nothing");
    assert_int_equal(match(f, HTTP_M_PUT, "/api/tenders/5"), ROUTER_NOT_ALLOWED);
    router_format_allow(f->m.allow, allow, sizeof(allow));
    assert_string_equal(allow, "GET, HEAD, DELETE");
    assert_int_equal(match(f, HTTP_M_DELETE, "/api/tenders"), ROUTER_NOT_ALLOWED);
    router_format_allow(f->m.allow, allow, sizeof(allow));
    assert_string_equal(allow, "GET, HEAD, POST");
    /* a parameter never matches an empty segment */
    assert_int_equal(match(f, HTTP_M_GET, "/api/tenders/"), ROUTER_NOT_FOUND);
}

static void test_star(void **state)
{
    struct fx *f = *state;
    assert_int_equal(match(f, HTTP_M_GET, "/api/files/a/b%20c/d.txt"), ROUTER_OK);
    assert_string_equal(f->m.route->name, "files");
    assert_int_equal(f->m.nparams, 1);
    assert_string_equal(f->m.names[0], "*");
    assert_string_equal(f->m.values[0], "a/b c/d.txt");
    assert_int_equal(match(f, HTTP_M_GET, "/api/files/"), ROUTER_OK);
    assert_string_equal(f->m.values[0], "");
    assert_int_equal(match(f, HTTP_M_GET, "/api/files"), ROUTER_NOT_FOUND);
}

static void test_traversal_rejected(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {
        "/api/files/../etc/passwd",
        "/api/files/%2e%2e/x",
        "/api/files/.%2E/x",
        "/api/files/a/%2E",
        "/api/files/./a",
        "/api/files/a%2Fb",
        "/api/files/a%2f..%2fb",
        "/api/tenders/%00",
        "/api/tenders/%",
        "/api/tenders/%G1",
        "api/tenders",
        "",
        "/..",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (match(f, HTTP_M_GET, bad[i]) != ROUTER_BAD_PATH)
            fail_msg("path %s was not rejected", bad[i]);
    }
    /* dots inside a name are fine */
    assert_int_equal(match(f, HTTP_M_GET, "/api/files/a..b/.c"), ROUTER_OK);
    assert_string_equal(f->m.values[0], "a..b/.c");
}

static void test_bad_patterns(void **state)
{
    (void)state;
    char err[128];
    struct http_route r1[] = {{HTTP_M_GET, "api/x", h, HTTP_ANON, NULL, 0, 0, "x"}};
    assert_null(router_new(r1, 1, err, sizeof(err)));
    struct http_route r2[] = {{HTTP_M_GET, "/a/*/b", h, HTTP_ANON, NULL, 0, 0, "x"}};
    assert_null(router_new(r2, 1, err, sizeof(err)));
    struct http_route r3[] = {{HTTP_M_GET, "/a/:", h, HTTP_ANON, NULL, 0, 0, "x"}};
    assert_null(router_new(r3, 1, err, sizeof(err)));
    struct http_route r4[] = {
        {HTTP_M_GET, "/:a/:b/:c/:d/:e/:f/:g/:h/:i", h, HTTP_ANON, NULL, 0, 0, "x"}};
    assert_null(router_new(r4, 1, err, sizeof(err)));
    struct http_route r5[] = {{HTTP_M_GET, "/a", NULL, HTTP_ANON, NULL, 0, 0, "x"}};
    assert_null(router_new(r5, 1, err, sizeof(err)));
    struct router *empty = router_new(NULL, 0, err, sizeof(err));
    assert_non_null(empty);
    char scratch[256];
    struct router_match m;
    assert_int_equal(router_match(empty, HTTP_M_GET, "/x", 2, scratch, sizeof(scratch), &m),
                     ROUTER_NOT_FOUND);
    router_free(empty);
}

static void test_scratch_too_small(void **state)
{
    struct fx *f = *state;
    char small[8];
    assert_int_equal(
        router_match(f->r, HTTP_M_GET, "/api/tenders/1", 14, small, sizeof(small), &f->m),
        ROUTER_BAD_PATH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_literal_and_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_specificity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percent_decoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_vs_not_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_star, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traversal_rejected, setup, teardown),
        cmocka_unit_test(test_bad_patterns),
        cmocka_unit_test_setup_teardown(test_scratch_too_small, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
