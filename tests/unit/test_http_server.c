/*
 * Tests the HTTP server end to end in-process: a server on port 0 runs in a
 * thread, the test talks to it over real loopback sockets. Inline and pool
 * routes, pipelined responses in order around a slow handler, an event
 * stream fed from another thread, the connection limit, and a graceful stop
 * that lets an in-flight request finish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "http/sse.h"

static struct http_server *g_server; /* for the health handler */

static void h_health(struct http_request *req, struct http_response *res)
{
    (void)req;
    if (!http_server_ready(g_server)) {
        http_res_error(res, ERR_SHUTTING_DOWN, "not ready");
        return;
    }
    buf_puts(&res->body, "{\"status\":\"ok\"}");
}

static void h_work(struct http_request *req, struct http_response *res)
{
    buf_printf(&res->body, "{\"work\":\"%s\"}", req->query ? req->query : "");
}

static void h_sleep(struct http_request *req, struct http_response *res)
{
    (void)req;
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    buf_puts(&res->body, "{\"slept\":true}");
}

static void h_echo(struct http_request *req, struct http_response *res)
{
    buf_append(&res->body, req->body, req->body_len);
}

static void h_events(struct http_request *req, struct http_response *res)
{
    res->sse_topic = arena_strdup(req->arena, http_param(req, "topic"));
}

static const struct http_route routes[] = {
    {HTTP_M_GET, "/api/health", h_health, HTTP_ANON, NULL, 0, HTTP_ROUTE_INLINE, "health"},
    {HTTP_M_GET, "/api/work", h_work, HTTP_ANON, NULL, 0, 0, "work"},
    {HTTP_M_GET, "/api/sleep", h_sleep, HTTP_ANON, NULL, 0, 0, "sleep"},
    {HTTP_M_POST, "/api/echo", h_echo, HTTP_ANON, NULL, 0, 0, "echo"},
    {HTTP_M_GET, "/api/events/:topic", h_events, HTTP_ANON, NULL, 0, 0, "events"},
};

struct fx {
    struct http_server *s;
    pthread_t th;
    int rc;
    int port;
};

static void *run_server(void *p)
{
    struct fx *f = p;
    f->rc = http_server_run(f->s);
    return NULL;
}

static struct fx *start(int max_connections)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[256];
    struct http_config cfg = {0};
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.workers = 4;
    cfg.max_connections = max_connections;
    cfg.sse_heartbeat_ms = 100;
    cfg.access_log = false;
    f->s = http_server_new(&cfg, routes, sizeof(routes) / sizeof(routes[0]), err, sizeof(err));
    if (f->s == NULL)
        fail_msg("http_server_new: %s", err);
    g_server = f->s;
    f->port = http_server_port(f->s);
    assert_true(f->port > 0);
    f->rc = -1;
    pthread_create(&f->th, NULL, run_server, f);
    return f;
}

static void stop(struct fx *f)
{
    http_server_stop(f->s);
    pthread_join(f->th, NULL);
    assert_int_equal(f->rc, 0);
    http_server_free(f->s);
    g_server = NULL;
    free(f);
}

/* ---- a blocking client ------------------------------------------------------ */

struct client {
    int fd;
    char buf[65536]; /* bytes read, not yet consumed */
    size_t len;
};

static void client_open(struct client *c, int port)
{
    memset(c, 0, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof(a)), 0);
}

static void client_send(struct client *c, const char *s)
{
    size_t n = strlen(s), off = 0;
    while (off < n) {
        ssize_t w = send(c->fd, s + off, n - off, MSG_NOSIGNAL);
        assert_true(w > 0);
        off += (size_t)w;
    }
}

/* Reads more; returns bytes read, 0 on EOF, -1 on error/timeout. */
static ssize_t client_fill(struct client *c)
{
    if (c->len >= sizeof(c->buf) - 1)
        return -1;
    ssize_t r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
    if (r > 0) {
        c->len += (size_t)r;
        c->buf[c->len] = '\0';
    }
    return r;
}

struct resp {
    int status;
    char head[4096];
    char body[8192];
};

/* Reads one response with a Content-Length body. Returns 0 or -1. */
static int client_read(struct client *c, struct resp *r)
{
    char *end;
    memset(r, 0, sizeof(*r));
    while ((end = strstr(c->buf, "\r\n\r\n")) == NULL) {
        if (client_fill(c) <= 0)
            return -1;
    }
    size_t hl = (size_t)(end - c->buf) + 4;
    memcpy(r->head, c->buf, hl < sizeof(r->head) ? hl : sizeof(r->head) - 1);
    r->status = (int)strtol(c->buf + 9, NULL, 10);
    const char *cl = strcasestr(r->head, "\r\nContent-Length: ");
    size_t bl = cl ? (size_t)strtoul(cl + 18, NULL, 10) : 0;
    while (c->len < hl + bl) {
        if (client_fill(c) <= 0)
            return -1;
    }
    memcpy(r->body, c->buf + hl, bl < sizeof(r->body) ? bl : sizeof(r->body) - 1);
    memmove(c->buf, c->buf + hl + bl, c->len - hl - bl);
    c->len -= hl + bl;
    c->buf[c->len] = '\0';
    return 0;
}

/* Waits until the server closes: 1 if it did, 0 on timeout. */
static int client_wait_close(struct client *c)
{
    for (;;) {
        ssize_t r = client_fill(c);
        if (r == 0)
            return 1;
        if (r < 0)
            return errno == ECONNRESET ? 1 : 0;
    }
}

static void client_close(struct client *c)
{
    close(c->fd);
}

/* ---- tests ------------------------------------------------------------------- */

static void test_inline_and_pool(void **state)
{
    (void)state;
    struct fx *f = start(0);
    struct client c;
    struct resp r;
    client_open(&c, f->port);
    client_send(&c, "GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(client_read(&c, &r), 0);
    assert_int_equal(r.status, 503);
    http_server_set_ready(f->s, true);
    assert_true(http_server_ready(f->s));
    client_send(&c, "GET /api/health HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(client_read(&c, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    assert_non_null(strcasestr(r.head, "Cache-Control: no-store"));
    client_send(&c, "GET /api/work?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(client_read(&c, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"work\":\"x=1\"}");
    client_send(&c, "POST /api/echo HTTP/1.1\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    assert_int_equal(client_read(&c, &r), 0);
    assert_string_equal(r.body, "{}");
    client_send(&c, "GET /nowhere HTTP/1.1\r\n\r\n");
    assert_int_equal(client_read(&c, &r), 0);
    assert_int_equal(r.status, 404);
    client_close(&c);
    stop(f);
}

static void test_pipelined_order_around_slow_handler(void **state)
{
    (void)state;
    struct fx *f = start(0);
    struct client c;
    struct resp r;
    http_server_set_ready(f->s, true);
    client_open(&c, f->port);
    client_send(&c, "GET /api/sleep HTTP/1.1\r\n\r\n"
                    "GET /api/work?n=2 HTTP/1.1\r\n\r\n"
                    "GET /api/health HTTP/1.1\r\n\r\n"
                    "HEAD /api/work?n=4 HTTP/1.1\r\n\r\n"
                    "GET /api/work?n=5 HTTP/1.1\r\n\r\n");
    assert_int_equal(client_read(&c, &r), 0);
    assert_string_equal(r.body, "{\"slept\":true}");
    assert_int_equal(client_read(&c, &r), 0);
    assert_string_equal(r.body, "{\"work\":\"n=2\"}");
    assert_int_equal(client_read(&c, &r), 0);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    /* HEAD: a Content-Length, no body; the next response follows at once */
    char *end;
    while ((end = strstr(c.buf, "\r\n\r\n")) == NULL)
        assert_true(client_fill(&c) > 0);
    assert_non_null(strcasestr(c.buf, "Content-Length: 14\r\n"));
    size_t hl = (size_t)(end - c.buf) + 4;
    memmove(c.buf, c.buf + hl, c.len - hl);
    c.len -= hl;
    c.buf[c.len] = '\0';
    assert_int_equal(client_read(&c, &r), 0);
    assert_string_equal(r.body, "{\"work\":\"n=5\"}");
    client_close(&c);
    stop(f);
}

static void test_many_clients_concurrently(void **state)
{
    (void)state;
    struct fx *f = start(0);
    struct client cs[20];
    struct resp r;
    for (int i = 0; i < 20; i++) {
        client_open(&cs[i], f->port);
        char req[128];
        snprintf(req, sizeof(req), "GET /api/work?i=%d HTTP/1.1\r\n\r\n", i);
        client_send(&cs[i], req);
    }
    for (int i = 0; i < 20; i++) {
        char want[64];
        snprintf(want, sizeof(want), "{\"work\":\"i=%d\"}", i);
        assert_int_equal(client_read(&cs[i], &r), 0);
        assert_string_equal(r.body, want);
        client_close(&cs[i]);
    }
    stop(f);
}

static void test_event_stream_from_another_thread(void **state)
{
    (void)state;
    struct fx *f = start(0);
    struct client c;
    client_open(&c, f->port);
    client_send(&c, "GET /api/events/tender.1 HTTP/1.1\r\n\r\n");
    while (strstr(c.buf, "\r\n\r\n") == NULL)
        assert_true(client_fill(&c) > 0);
    assert_non_null(strstr(c.buf, "Content-Type: text/event-stream"));
    struct sse_hub *hub = http_server_hub(f->s);
    for (int i = 0; i < 100 && sse_subscriber_count(hub) == 0; i++)
        usleep(10000);
    assert_int_equal(sse_subscriber_count(hub), 1);
    assert_true(sse_publish(hub, "tender.1", "bid", "{\"n\":1}", 7) > 0);
    while (strstr(c.buf, "data: {\"n\":1}\n\n") == NULL)
        assert_true(client_fill(&c) > 0);
    /* heartbeats every 100 ms */
    while (strstr(c.buf, ": hb\n\n") == NULL)
        assert_true(client_fill(&c) > 0);

    /* resume: a second client asks for what came after id 0 */
    struct client d;
    client_open(&d, f->port);
    client_send(&d, "GET /api/events/tender.1?last_event_id=0 HTTP/1.1\r\n\r\n");
    while (strstr(d.buf, "data: {\"n\":1}\n\n") == NULL)
        assert_true(client_fill(&d) > 0);
    client_close(&d);

    /* the stop closes the stream */
    http_server_stop(f->s);
    assert_int_equal(client_wait_close(&c), 1);
    pthread_join(f->th, NULL);
    assert_int_equal(f->rc, 0);
    assert_int_equal(sse_publish(hub, "tender.1", "bid", "x", 1), -1);
    http_server_free(f->s);
    free(f);
    client_close(&c);
}

static void test_graceful_stop_drains(void **state)
{
    (void)state;
    struct fx *f = start(0);
    struct client busy, idle;
    struct resp r;
    client_open(&idle, f->port);
    client_send(&idle, "GET /api/work HTTP/1.1\r\n\r\n");
    assert_int_equal(client_read(&idle, &r), 0); /* now idle, kept alive */
    client_open(&busy, f->port);
    client_send(&busy, "GET /api/sleep HTTP/1.1\r\n\r\n");
    usleep(100000); /* the handler is sleeping on a worker */
    http_server_stop(f->s);
    assert_int_equal(client_wait_close(&idle), 1); /* idle: closed at once */
    assert_int_equal(client_read(&busy, &r), 0);   /* in flight: finished */
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"slept\":true}");
    assert_non_null(strcasestr(r.head, "Connection: close"));
    assert_int_equal(client_wait_close(&busy), 1);
    pthread_join(f->th, NULL);
    assert_int_equal(f->rc, 0);
    /* nothing listens any more */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)f->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_not_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    close(fd);
    http_server_free(f->s);
    free(f);
    client_close(&busy);
    client_close(&idle);
}

static void test_connection_limit(void **state)
{
    (void)state;
    struct fx *f = start(2);
    struct client a, b, c;
    struct resp r;
    client_open(&a, f->port);
    client_open(&b, f->port);
    client_send(&a, "GET /api/work HTTP/1.1\r\n\r\n");
    client_send(&b, "GET /api/work HTTP/1.1\r\n\r\n");
    assert_int_equal(client_read(&a, &r), 0);
    assert_int_equal(client_read(&b, &r), 0);
    client_open(&c, f->port); /* the third: accepted and closed */
    assert_int_equal(client_wait_close(&c), 1);
    client_close(&c);
    client_close(&a);
    client_close(&b);
    stop(f);
}

static void test_free_without_run(void **state)
{
    (void)state;
    char err[256];
    struct http_config cfg = {0};
    struct http_server *s = http_server_new(&cfg, routes, 1, err, sizeof(err));
    assert_non_null(s);
    http_server_free(s);
    /* a bad pattern fails cleanly */
    struct http_route bad[] = {{HTTP_M_GET, "nope", h_work, HTTP_ANON, NULL, 0, 0, "bad"}};
    assert_null(http_server_new(&cfg, bad, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "nope"));
    cfg.static_dir = "/nonexistent/dir";
    assert_null(http_server_new(&cfg, routes, 1, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inline_and_pool),
        cmocka_unit_test(test_pipelined_order_around_slow_handler),
        cmocka_unit_test(test_many_clients_concurrently),
        cmocka_unit_test(test_event_stream_from_another_thread),
        cmocka_unit_test(test_graceful_stop_drains),
        cmocka_unit_test(test_connection_limit),
        cmocka_unit_test(test_free_without_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
