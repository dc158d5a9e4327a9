/*
 * The client address behind a reverse proxy (`serve --trusted-proxy`,
 * http/proxy.h), and the warning of a demo install, through the real
 * server.
 *
 * test_trusted_proxy: a demo server started with --trusted-proxy 127.0.0.1
 * (the test's own address, standing in for nginx). Admin sign-ins carry
 * X-Real-IP / X-Forwarded-For; each one's audit row (matched by its
 * X-Request-Id) and access-log line show the client: the X-Real-IP literal
 * (IPv6 in its one printed form, an IPv4-mapped one as IPv4), else the last
 * X-Forwarded-For hop; a malformed X-Real-IP (a list, a name, with a port)
 * or none gives 127.0.0.1. Its log warns that the demo install is not
 * sealed against its operator.
 *
 * test_untrusted: a server started without the flag (and an empty data
 * directory: no demo warning) logs 127.0.0.1 for a request that sends
 * X-Real-IP and X-Forwarded-For; another trusting only 10.0.0.0/8 does too.
 * A malformed --trusted-proxy stops serve with exit 2.
 *
 * IT_STORE_NEUTRAL: the address is settled in the HTTP layer, above the
 * store; this runs on SQLite only (tests/CMakeLists.txt).
 */
#include "harness.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WARNING "DEMO INSTALL, NOT SEALED"

/* The whole file at path (caller frees), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    size_t got;
    while (s != NULL && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *t = realloc(s, cap * 2);
            if (t == NULL) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
            cap *= 2;
        }
    }
    fclose(f);
    if (s != NULL)
        s[n] = '\0';
    return s;
}

/* Waits (up to ~10 s) for the server's log to hold needle. */
static bool log_has(const struct it_server *s, const char *needle)
{
    for (int i = 0; i < 200; i++) {
        char *log = slurp(s->log_path);
        bool found = log != NULL && strstr(log, needle) != NULL;
        free(log);
        if (found)
            return true;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

/* A request with extra headers; its X-Request-Id into rid. */
static void send_with(struct it_server *s, const char *method, const char *path,
                      const char *headers, const char *body, int want, char rid[32])
{
    struct it_resp r;
    assert_int_equal(it_request(s, method, path, headers, body, &r), 0);
    if (r.status != want)
        fail_msg("%s %s with %s: %d %s", method, path, headers, r.status, r.body);
    assert_int_equal(it_resp_header(&r, "X-Request-Id", rid, 32), 0);
    it_resp_free(&r);
}

static void test_trusted_proxy(void **state)
{
    (void)state;
    static const char *const args[] = {"--trusted-proxy", "127.0.0.1", "--trusted-proxy",
                                       "10.0.0.0/8", NULL};
    static const struct {
        const char *headers;
        const char *addr;
    } cases[] = {
        {"X-Real-IP: 203.0.113.7\r\n", "203.0.113.7"},
        {"X-Real-IP: 2001:DB8:0::1\r\n", "2001:db8::1"},
        {"X-Real-IP: ::ffff:198.51.100.3\r\n", "198.51.100.3"},
        {"X-Forwarded-For: 198.51.100.1, 192.0.2.44\r\n", "192.0.2.44"},
        {"X-Real-IP: 203.0.113.9\r\nX-Forwarded-For: 192.0.2.50\r\n", "203.0.113.9"},
        {"X-Real-IP: 203.0.113.7, 10.0.0.1\r\n", "127.0.0.1"},
        {"X-Real-IP: evil.example\r\n", "127.0.0.1"},
        {"X-Real-IP: 203.0.113.7:8080\r\n", "127.0.0.1"},
        {"X-Real-IP: [::1]\r\n", "127.0.0.1"},
        {NULL, "127.0.0.1"},
    };
    enum { NCASES = sizeof cases / sizeof cases[0] };
    char rid[NCASES][32];
    struct it_server s;
    struct it_session admin;
    char body[128];

    it_server_start(&s, IT_DEMO, args);
    assert_true(log_has(&s, WARNING));
    assert_true(log_has(&s, "demo-keys"));
    snprintf(body, sizeof body, "{\"username\":\"admin\",\"password\":\"%s\",\"token\":true}",
             IT_DEMO_PASSWORD);
    for (int i = 0; i < NCASES; i++)
        send_with(&s, "POST", "/api/auth/login", cases[i].headers, body, 200, rid[i]);

    assert_int_equal(it_login(&s, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    struct it_resp r;
    assert_int_equal(it_request_as(&s, &admin, "GET", "/api/audit?limit=100", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    json_error_t jerr;
    json_t *j = json_loads(r.body, 0, &jerr);
    assert_non_null(j);
    json_t *items = json_object_get(j, "items");
    for (int i = 0; i < NCASES; i++) {
        const char *got = NULL;
        size_t k;
        json_t *it;
        json_array_foreach(items, k, it)
        {
            const char *ri = json_string_value(json_object_get(it, "request_id"));
            if (ri != NULL && strcmp(ri, rid[i]) == 0)
                got = json_string_value(json_object_get(it, "remote_addr"));
        }
        if (got == NULL || strcmp(got, cases[i].addr) != 0)
            fail_msg("case %d (%s): audit remote_addr %s, want %s", i,
                     cases[i].headers ? cases[i].headers : "none", got ? got : "(no row)",
                     cases[i].addr);
        char line[512];
        snprintf(line, sizeof line, "access %s %s POST /api/auth/login", rid[i], cases[i].addr);
        if (!log_has(&s, line))
            fail_msg("case %d: no access line '%s'", i, line);
    }
    json_decref(j);
    it_resp_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
}

static void test_untrusted(void **state)
{
    (void)state;
    static const char *const hdr =
        "X-Real-IP: 203.0.113.7\r\nX-Forwarded-For: 198.51.100.1, 192.0.2.44\r\n";
    static const char *const other[] = {"--trusted-proxy", "10.0.0.0/8", NULL};
    const char *const *argsets[2] = {NULL, other};
    for (int i = 0; i < 2; i++) {
        struct it_server s;
        char rid[32], line[128];
        it_server_start(&s, IT_EMPTY, argsets[i]);
        send_with(&s, "GET", "/api/health", hdr, NULL, 200, rid);
        snprintf(line, sizeof line, "access %s 127.0.0.1 GET /api/health", rid);
        if (!log_has(&s, line))
            fail_msg("server %d: no access line '%s'", i, line);
        char *log = slurp(s.log_path);
        assert_non_null(log);
        assert_null(strstr(log, "203.0.113.7"));
        assert_null(strstr(log, "192.0.2.44"));
        assert_null(strstr(log, WARNING)); /* not a demo */
        free(log);
        assert_int_equal(it_server_stop(&s), 0);
    }

    static const char *const bad[] = {"localhost", "10.0.0.1/8", "1.2.3.4/40", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = NULL;
        int rc = it_run(&out, "serve", "--trusted-proxy", bad[i], "--listen", "127.0.0.1:0", NULL);
        if (rc != 2 || out == NULL || strstr(out, "--trusted-proxy") == NULL)
            fail_msg("serve --trusted-proxy '%s': exit %d: %s", bad[i], rc, out ? out : "");
        free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trusted_proxy),
        cmocka_unit_test(test_untrusted),
    };
    return cmocka_run_group_tests_name("proxy", tests, NULL, NULL);
}
