/*
 * Unit tests for trusted proxies (http/proxy.h): parsing --trusted-proxy
 * (addresses, networks, refusals), membership at prefix boundaries for
 * IPv4, IPv6 and IPv4-mapped peers, IP literal normalisation, and the
 * choice of client address: X-Real-IP from a trusted peer only, the last
 * X-Forwarded-For hop as fallback, anything malformed ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http/proxy.h"

static void test_add(void **state)
{
    (void)state;
    struct http_proxies p = {0};
    char err[256];
    assert_int_equal(http_proxies_add(&p, "127.0.0.1", err, sizeof err), 0);
    assert_int_equal(http_proxies_add(&p, "10.0.0.0/8", err, sizeof err), 0);
    assert_int_equal(http_proxies_add(&p, "fd00::/8", err, sizeof err), 0);
    assert_int_equal(http_proxies_add(&p, "::1", err, sizeof err), 0);
    assert_int_equal(http_proxies_add(&p, "0.0.0.0/0", err, sizeof err), 0);
    assert_int_equal(p.n, 5);
    assert_int_equal(p.nets[1].bits, 8);
    assert_int_equal(p.nets[3].bits, 128);

    static const char *const bad[] = {
        "",
        "localhost",
        "10.0.0.1/33",
        "10.0.0.0/",
        "10.0.0.0/-1",
        "10.0.0.0/8x",
        "10.0.0.1/8", /* host bits */
        "fd00::1/8",
        "::/129",
        "[::1]",
        "1.2.3",
        "1.2.3.4:80",
        "fe80::1%eth0",
        " 1.2.3.4",
        "01234567890123456789012345678901234567890123456789012345678901"
        "23456789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (http_proxies_add(&p, bad[i], err, sizeof err) != -1)
            fail_msg("accepted '%s'", bad[i]);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(p.n, 5);

    struct http_proxies full = {0};
    for (int i = 0; i < HTTP_PROXIES_MAX; i++)
        assert_int_equal(http_proxies_add(&full, "192.0.2.1", err, sizeof err), 0);
    assert_int_equal(http_proxies_add(&full, "192.0.2.1", err, sizeof err), -1);
    assert_non_null(strstr(err, "at most"));
}

static void test_trusts(void **state)
{
    (void)state;
    struct http_proxies p = {0};
    char err[128];
    assert_false(http_proxies_trusts(&p, "127.0.0.1")); /* empty */
    assert_false(http_proxies_trusts(NULL, "127.0.0.1"));
    assert_int_equal(http_proxies_add(&p, "127.0.0.1", err, sizeof err), 0);
    assert_int_equal(http_proxies_add(&p, "172.16.0.0/12", err, sizeof err), 0);
    assert_int_equal(http_proxies_add(&p, "2001:db8:ab00::/41", err, sizeof err), 0);
    assert_true(http_proxies_trusts(&p, "127.0.0.1"));
    assert_false(http_proxies_trusts(&p, "127.0.0.2"));
    assert_true(http_proxies_trusts(&p, "172.16.0.0"));
    assert_true(http_proxies_trusts(&p, "172.31.255.255"));
    assert_false(http_proxies_trusts(&p, "172.32.0.0"));
    assert_false(http_proxies_trusts(&p, "172.15.255.255"));
    assert_true(http_proxies_trusts(&p, "2001:db8:ab00::1"));
    assert_true(http_proxies_trusts(&p, "2001:db8:ab7f:ffff::1"));
    assert_false(http_proxies_trusts(&p, "2001:db8:ab80::1"));
    assert_true(http_proxies_trusts(&p, "::ffff:127.0.0.1")); /* mapped = IPv4 */
    assert_false(http_proxies_trusts(&p, "::1"));
    assert_false(http_proxies_trusts(&p, ""));
    assert_false(http_proxies_trusts(&p, NULL));
    assert_false(http_proxies_trusts(&p, "127.0.0.1 "));
    /* an IPv4-mapped network is written with an IPv6 prefix length */
    struct http_proxies m = {0};
    assert_int_equal(http_proxies_add(&m, "::ffff:10.0.0.0/104", err, sizeof err), 0);
    assert_true(http_proxies_trusts(&m, "10.255.0.1"));
    assert_true(http_proxies_trusts(&m, "::ffff:10.1.2.3"));
    assert_false(http_proxies_trusts(&m, "11.0.0.1"));
    assert_int_equal(http_proxies_add(&m, "::ffff:10.0.0.0/95", err, sizeof err), -1);
    assert_int_equal(http_proxies_add(&m, "::ffff:10.0.0.1/128", err, sizeof err), 0);
}

static void test_normalize(void **state)
{
    (void)state;
    char out[64];
    static const char *const good[][2] = {
        {"203.0.113.7", "203.0.113.7"},
        {" 203.0.113.7\t", "203.0.113.7"},
        {"2001:DB8:0::1", "2001:db8::1"},
        {"::ffff:198.51.100.3", "198.51.100.3"},
        {"::1", "::1"},
        {"0.0.0.0", "0.0.0.0"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_true(http_ip_normalize(good[i][0], strlen(good[i][0]), out, sizeof out));
        assert_string_equal(out, good[i][1]);
    }
    static const char *const bad[] = {"",
                                      "  ",
                                      "203.0.113.7, 10.0.0.1",
                                      "evil.host",
                                      "203.0.113.7:80",
                                      "[::1]",
                                      "1.2.3.4\n",
                                      "256.1.1.1",
                                      "1.2.3.04x",
                                      "::1%lo",
                                      "<script>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (http_ip_normalize(bad[i], strlen(bad[i]), out, sizeof out))
            fail_msg("accepted '%s'", bad[i]);
    /* the length given, not the NUL, ends the literal */
    assert_true(http_ip_normalize("10.1.2.3garbage", 8, out, sizeof out));
    assert_string_equal(out, "10.1.2.3");
    assert_false(http_ip_normalize("10.1.2.3", 8, out, 16)); /* out too small */
}

static void test_client(void **state)
{
    (void)state;
    struct http_proxies p = {0};
    char err[128], out[64];
    assert_int_equal(http_proxies_add(&p, "127.0.0.1", err, sizeof err), 0);

    /* trusted peer */
    assert_true(http_proxy_client(&p, "127.0.0.1", "203.0.113.7", NULL, out, sizeof out));
    assert_string_equal(out, "203.0.113.7");
    assert_true(http_proxy_client(&p, "127.0.0.1", "203.0.113.7", "10.9.9.9", out, sizeof out));
    assert_string_equal(out, "203.0.113.7"); /* X-Real-IP wins */
    assert_true(
        http_proxy_client(&p, "127.0.0.1", NULL, "198.51.100.1, 192.0.2.44", out, sizeof out));
    assert_string_equal(out, "192.0.2.44"); /* the hop the proxy added */
    assert_true(http_proxy_client(&p, "127.0.0.1", NULL, "192.0.2.45", out, sizeof out));
    assert_string_equal(out, "192.0.2.45");
    assert_false(http_proxy_client(&p, "127.0.0.1", NULL, "192.0.2.44, junk", out, sizeof out));
    assert_string_equal(out, "127.0.0.1");
    assert_false(http_proxy_client(&p, "127.0.0.1", "junk", "192.0.2.44", out, sizeof out));
    assert_string_equal(out, "127.0.0.1"); /* a malformed X-Real-IP: the peer */
    assert_false(http_proxy_client(&p, "127.0.0.1", NULL, NULL, out, sizeof out));
    assert_string_equal(out, "127.0.0.1");

    /* untrusted peer, or no set: headers ignored */
    assert_false(http_proxy_client(&p, "198.51.100.8", "203.0.113.7", "1.1.1.1", out, sizeof out));
    assert_string_equal(out, "198.51.100.8");
    assert_false(http_proxy_client(NULL, "127.0.0.1", "203.0.113.7", NULL, out, sizeof out));
    assert_string_equal(out, "127.0.0.1");
    struct http_proxies none = {0};
    assert_false(http_proxy_client(&none, "127.0.0.1", "203.0.113.7", NULL, out, sizeof out));
    assert_string_equal(out, "127.0.0.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_trusts),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_client),
    };
    return cmocka_run_group_tests_name("http_proxy", tests, NULL, NULL);
}
