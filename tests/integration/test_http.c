/*
 * The HTTP layer against the real `sunbid serve`: pipelined requests answered
 * in order, the 431/413/400/408 limits, security and caching headers, the
 * static web shell (ETag, 304, single-page fallback), an event stream that
 * resumes after Last-Event-ID, and SIGTERM letting an in-flight request
 * finish before the process exits 0.
 */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct it_server srv;
static struct it_session admin;

static int setup(void **state)
{
    (void)state;
    static const char *const args[] = {"--request-timeout", "2000", NULL};
    it_server_start(&srv, IT_DEMO, args);
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

static void send_str(int fd, const char *s)
{
    assert_int_equal(it_send_all(fd, s, strlen(s)), 0);
}

/* Reads raw bytes until `want` shows up (or fails the test). */
static void read_until(int fd, char *buf, size_t cap, size_t *len, const char *want)
{
    while (strstr(buf, want) == NULL) {
        assert_true(*len < cap - 1);
        ssize_t r = recv(fd, buf + *len, cap - 1 - *len, 0);
        if (r <= 0)
            fail_msg("connection ended before \"%s\"; got: %s", want, buf);
        *len += (size_t)r;
        buf[*len] = '\0';
    }
}

/* 1 when the server closes the connection within the socket timeout. */
static int closed_by_server(int fd)
{
    char b[4096];
    for (;;) {
        ssize_t r = recv(fd, b, sizeof(b), 0);
        if (r == 0)
            return 1;
        if (r < 0)
            return errno == ECONNRESET;
    }
}

static void test_pipelined_in_order(void **state)
{
    (void)state;
    struct it_resp r;
    int fd = it_connect(srv.port);
    send_str(fd, "GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n"
                 "GET /api/nothing-here HTTP/1.1\r\nHost: t\r\n\r\n"
                 "HEAD /api/health HTTP/1.1\r\nHost: t\r\n\r\n"
                 "DELETE /api/health HTTP/1.1\r\nHost: t\r\n\r\n"
                 "GET /api/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "\"code\":\"not_found\""));
    it_resp_free(&r);
    assert_int_equal(it_read_response(fd, &r, 1), 0);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    assert_int_equal(r.status, 405);
    char allow[64];
    assert_int_equal(it_resp_header(&r, "Allow", allow, sizeof(allow)), 0);
    assert_string_equal(allow, "GET, HEAD");
    it_resp_free(&r);
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strcasestr(r.headers, "Connection: close"));
    it_resp_free(&r);
    assert_int_equal(closed_by_server(fd), 1);
    close(fd);
}

static void test_security_headers(void **state)
{
    (void)state;
    struct it_resp r;
    char v[512];
    assert_int_equal(it_request(&srv, "GET", "/api/health", NULL, NULL, &r), 0);
    assert_int_equal(it_resp_header(&r, "X-Content-Type-Options", v, sizeof(v)), 0);
    assert_string_equal(v, "nosniff");
    assert_int_equal(it_resp_header(&r, "X-Frame-Options", v, sizeof(v)), 0);
    assert_string_equal(v, "DENY");
    assert_int_equal(it_resp_header(&r, "Content-Security-Policy", v, sizeof(v)), 0);
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    assert_non_null(strstr(v, "default-src 'self'"));
    assert_int_equal(it_resp_header(&r, "Referrer-Policy", v, sizeof(v)), 0);
    assert_int_equal(it_resp_header(&r, "Cache-Control", v, sizeof(v)), 0);
    assert_string_equal(v, "no-store");
    assert_int_equal(it_resp_header(&r, "X-Request-Id", v, sizeof(v)), 0);
    assert_int_equal(strlen(v), 16);
    it_resp_free(&r);
}

static void test_static_files(void **state)
{
    (void)state;
    struct it_resp r;
    char etag[128], v[256], hdr[256];
    assert_int_equal(it_request(&srv, "GET", "/", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(it_resp_header(&r, "Content-Type", v, sizeof(v)), 0);
    assert_non_null(strstr(v, "text/html"));
    assert_int_equal(it_resp_header(&r, "Cache-Control", v, sizeof(v)), 0);
    assert_string_equal(v, "no-cache");
    assert_int_equal(it_resp_header(&r, "ETag", etag, sizeof(etag)), 0);
    assert_int_equal(etag[0], '"');
    assert_int_equal(it_resp_header(&r, "Content-Security-Policy", v, sizeof(v)), 0);
    it_resp_free(&r);

    snprintf(hdr, sizeof(hdr), "If-None-Match: %s\r\n", etag);
    assert_int_equal(it_request(&srv, "GET", "/", hdr, NULL, &r), 0);
    assert_int_equal(r.status, 304);
    it_resp_free(&r);

    /* a route of the single-page app gets index.html */
    assert_int_equal(it_request(&srv, "GET", "/tenders/42", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(it_resp_header(&r, "ETag", v, sizeof(v)), 0);
    assert_string_equal(v, etag);
    it_resp_free(&r);

    assert_int_equal(it_request(&srv, "GET", "/app.js", "Accept-Encoding: gzip\r\n", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(it_resp_header(&r, "Content-Type", v, sizeof(v)), 0);
    assert_non_null(strstr(v, "text/javascript"));
    assert_int_equal(it_resp_header(&r, "Cache-Control", v, sizeof(v)), 0);
    assert_string_equal(v, "no-cache");
    if (it_resp_header(&r, "Content-Encoding", v, sizeof(v)) == 0) {
        assert_string_equal(v, "gzip"); /* when built with zlib */
        assert_int_equal(it_resp_header(&r, "Vary", v, sizeof(v)), 0);
    }
    it_resp_free(&r);

    assert_int_equal(it_request(&srv, "GET", "/no-such-file.js", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    it_resp_free(&r);
    assert_int_equal(it_request(&srv, "GET", "/%2e%2e/CMakeLists.txt", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 400);
    it_resp_free(&r);
}

static void test_oversized_header(void **state)
{
    (void)state;
    struct it_resp r;
    size_t n = 20000; /* past the default 16 KiB */
    char *big = malloc(n + 128);
    int off = snprintf(big, 128, "GET /api/health HTTP/1.1\r\nHost: t\r\nX-Big: ");
    memset(big + off, 'a', n);
    memcpy(big + off + n, "\r\n\r\n", 5);
    int fd = it_connect(srv.port);
    it_send_all(fd, big, (size_t)off + n + 4); /* may fail part-way: the server closed */
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    assert_int_equal(r.status, 431);
    assert_non_null(strstr(r.body, "\"code\":\"headers_too_large\""));
    it_resp_free(&r);
    close(fd);
    free(big);

    /* too many headers */
    char many[8192] = "";
    for (int i = 0; i < 100; i++) {
        char line[32];
        snprintf(line, sizeof(line), "X-H%d: v\r\n", i);
        strncat(many, line, sizeof(many) - strlen(many) - 1);
    }
    assert_int_equal(it_request(&srv, "GET", "/api/health", many, NULL, &r), 0);
    assert_int_equal(r.status, 431);
    it_resp_free(&r);
}

static void test_oversized_body(void **state)
{
    (void)state;
    struct it_resp r;
    int fd = it_connect(srv.port);
    /* refused on the Content-Length alone, before any body is sent */
    send_str(fd, "POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Content-Length: 100000000\r\n\r\n");
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "\"code\":\"body_too_large\""));
    it_resp_free(&r);
    assert_int_equal(closed_by_server(fd), 1);
    close(fd);

    /* chunked: refused once the data passes the limit */
    fd = it_connect(srv.port);
    send_str(fd, "POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n");
    char *chunk = malloc(70000);
    memset(chunk, ' ', 70000);
    int got = -1;
    for (int i = 0; i < 40; i++) {
        if (it_send_all(fd, "10000\r\n", 7) != 0 || it_send_all(fd, chunk, 0x10000) != 0 ||
            it_send_all(fd, "\r\n", 2) != 0)
            break; /* the server closed on us: read its answer */
    }
    if (it_read_response(fd, &r, 0) == 0) {
        got = r.status;
        it_resp_free(&r);
    }
    free(chunk);
    close(fd);
    assert_int_equal(got, 413);
}

static void test_malformed(void **state)
{
    (void)state;
    struct it_resp r;
    int fd = it_connect(srv.port);
    send_str(fd, "GET /api/health HTTP/1.1\r\nBroken header line\r\n\r\n");
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "\"code\":\"bad_request\""));
    it_resp_free(&r);
    assert_int_equal(closed_by_server(fd), 1);
    close(fd);

    fd = it_connect(srv.port);
    send_str(fd, "POST /api/auth/login HTTP/1.1\r\nContent-Length: 4\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    assert_int_equal(r.status, 400); /* both lengths: a smuggling attempt */
    it_resp_free(&r);
    close(fd);
}

static void test_slow_client_times_out(void **state)
{
    (void)state;
    struct it_resp r;
    int fd = it_connect(srv.port);
    /* a header trickles in and never ends: the server (started with
     * --request-timeout 2000) answers 408 and closes */
    send_str(fd, "GET /api/health HTTP/1.1\r\nHost: t\r\nX-Slow: ");
    for (int i = 0; i < 3; i++) {
        usleep(200 * 1000);
        assert_int_equal(it_send_all(fd, "z", 1), 0);
    }
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    assert_int_equal(r.status, 408);
    assert_non_null(strstr(r.body, "\"code\":\"request_timeout\""));
    it_resp_free(&r);
    assert_int_equal(closed_by_server(fd), 1);
    close(fd);
}

static void test_event_stream_resume(void **state)
{
    (void)state;
    char buf[65536] = "";
    size_t len = 0;
    char req[512];
    snprintf(req, sizeof(req),
             "GET /api/events?topic=audit HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n\r\n",
             admin.token);
    int fd = it_connect(srv.port);
    send_str(fd, req);
    read_until(fd, buf, sizeof(buf), &len, "\r\n\r\n");
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_non_null(strcasestr(buf, "Content-Type: text/event-stream"));
    usleep(100000); /* subscribed on the loop */

    struct it_resp r;
    assert_int_equal(it_request_as(&srv, &admin, "POST", "/api/orgs",
                                   "{\"name\":\"事件测试有限公司\",\"uscc\":\"91330100799655058B\","
                                   "\"legal_rep\":\"张三\"}",
                                   &r),
                     0);
    assert_int_equal(r.status, 201);
    it_resp_free(&r);
    read_until(fd, buf, sizeof(buf), &len, "event: org.create\n");
    read_until(fd, buf, sizeof(buf), &len, "\n\n");
    const char *idp = strstr(buf, "\r\n\r\n");
    idp = strstr(idp, "id: ");
    assert_non_null(idp);
    long id = strtol(idp + 4, NULL, 10);
    assert_true(id > 0);
    close(fd);

    /* reconnect asking for what came after id - 1: the event is replayed */
    snprintf(req, sizeof(req),
             "GET /api/events?topic=audit HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
             "Last-Event-ID: %ld\r\n\r\n",
             admin.token, id - 1);
    fd = it_connect(srv.port);
    send_str(fd, req);
    buf[0] = '\0';
    len = 0;
    char want[64];
    snprintf(want, sizeof(want), "id: %ld\nevent: org.create\n", id);
    read_until(fd, buf, sizeof(buf), &len, want);
    close(fd);

    /* the public may not follow the audit topic */
    assert_int_equal(it_request(&srv, "GET", "/api/events?topic=audit", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    it_resp_free(&r);
}

static void test_sigterm_drains_in_flight(void **state)
{
    (void)state;
    struct it_server s2;
    struct it_resp r;
    it_server_start(&s2, IT_DEMO, NULL);
    int idle = it_connect(s2.port);
    send_str(idle, "GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(it_read_response(idle, &r, 0), 0);
    it_resp_free(&r);

    /* A request half sent when SIGTERM comes: the server waits for the rest
     * (within the request timeout), answers it, and only then exits. */
    char body[256];
    int blen = snprintf(body, sizeof(body), "{\"username\":\"admin\",\"password\":\"%s\"}",
                        IT_DEMO_PASSWORD);
    char head[256];
    snprintf(head, sizeof(head),
             "POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
             "Content-Length: %d\r\n\r\n",
             blen);
    int busy = it_connect(s2.port);
    send_str(busy, head);
    assert_int_equal(it_send_all(busy, body, 10), 0);
    usleep(200000);
    kill(s2.pid, SIGTERM);
    assert_int_equal(closed_by_server(idle), 1); /* idle keep-alive: closed at once */
    usleep(200000);
    assert_int_equal(it_send_all(busy, body + 10, (size_t)blen - 10), 0);
    assert_int_equal(it_read_response(busy, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "token"));
    assert_non_null(strcasestr(r.headers, "Connection: close"));
    it_resp_free(&r);
    assert_int_equal(closed_by_server(busy), 1);
    close(busy);
    close(idle);
    assert_int_equal(it_server_stop(&s2), 0); /* reaps it: exit status 0 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_in_order),
        cmocka_unit_test(test_security_headers),
        cmocka_unit_test(test_static_files),
        cmocka_unit_test(test_oversized_header),
        cmocka_unit_test(test_oversized_body),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_event_stream_resume),
        cmocka_unit_test(test_slow_client_times_out),
        cmocka_unit_test(test_sigterm_drains_in_flight),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
