/*
 * Unit tests for the HTTP connection state machine (http/conn.h), driven
 * through the in-memory transport (http/memconn.h): no sockets, no loop.
 * Pipelining and order, chunked bodies, the 431/413/400/408 limits, HEAD,
 * keep-alive and close, 404/405, security headers, back-pressure, 100
 * Continue, event streams and graceful stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/conn.h"
#include "http/memconn.h"
#include "http/router.h"
#include "http/sse_internal.h"

/* ---- handlers ------------------------------------------------------------- */

static void h_hello(struct http_request *req, struct http_response *res)
{
    (void)req;
    buf_puts(&res->body, "{\"hello\":true}");
}

static void h_echo(struct http_request *req, struct http_response *res)
{
    res->content_type = "application/octet-stream";
    buf_append(&res->body, req->body, req->body_len);
}

static void h_item(struct http_request *req, struct http_response *res)
{
    buf_printf(&res->body, "item=%s", http_param(req, "id"));
}

static void h_stream(struct http_request *req, struct http_response *res)
{
    res->sse_topic = arena_strdup(req->arena, http_param(req, "topic"));
}

static void h_json(struct http_request *req, struct http_response *res)
{
    buf_printf(&res->body, "{\"len\":%zu}", req->body_len);
}

static const struct http_route routes[] = {
    {HTTP_M_GET, "/hello", h_hello, HTTP_ANON, NULL, 0, HTTP_ROUTE_INLINE, "hello"},
    {HTTP_M_POST, "/echo", h_echo, HTTP_ANON, NULL, 100, HTTP_ROUTE_RAW_BODY, "echo"},
    {HTTP_M_GET, "/items/:id", h_item, HTTP_ANON, NULL, 0, 0, "item"},
    {HTTP_M_DELETE, "/items/:id", h_item, HTTP_ANON, NULL, 0, 0, "item.del"},
    {HTTP_M_GET, "/api/events/:topic", h_stream, HTTP_ANON, NULL, 0, 0, "events"},
    {HTTP_M_POST, "/api/json", h_json, HTTP_ANON, NULL, 0, 0, "json"},
    {HTTP_M_GET, "/api/private", h_hello, ROLE_ADMIN, NULL, 0, 0, "private"},
};

/* ---- fixture: an engine with a fake clock and an optional fake pool ------- */

struct fx {
    struct http_engine e;
    struct router *r;
    struct sse_hub *hub;
    struct memconn m;
    uint64_t now;                    /* the engine's clock */
    struct http_exchange *pool[128]; /* submitted, not yet run */
    int npool;
    bool use_pool;
};

static struct fx *the_fx;

static uint64_t fake_now(struct http_engine *e)
{
    (void)e;
    return the_fx->now;
}

static void fake_submit(struct http_engine *e, struct http_exchange *x)
{
    (void)e;
    the_fx->pool[the_fx->npool++] = x;
}

/* Runs the submitted exchange i (as a worker would) and hands it back. */
static void pool_finish(struct fx *f, int i)
{
    struct http_exchange *x = f->pool[i];
    assert_non_null(x);
    f->pool[i] = NULL;
    exchange_run(x);
    conn_exchange_done(x);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[128];
    struct http_config cfg = {0};
    cfg.max_header_bytes = 1024;
    cfg.max_headers = 10;
    cfg.max_body = 1000;
    cfg.idle_timeout_ms = 5000;
    cfg.request_timeout_ms = 1000;
    the_fx = f;
    http_engine_init(&f->e, &cfg);
    f->r = router_new(routes, sizeof(routes) / sizeof(routes[0]), err, sizeof(err));
    assert_non_null(f->r);
    f->hub = sse_hub_new(4096, 16, NULL, NULL);
    assert_non_null(f->hub);
    f->e.router = f->r;
    f->e.hub = f->hub;
    f->e.now_ms = fake_now;
    f->now = 1000;
    memconn_open(&f->m, &f->e, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < f->npool; i++) {
        if (f->pool[i] != NULL)
            pool_finish(f, i);
    }
    memconn_finish(&f->m);
    assert_true(f->m.released);
    memconn_release(&f->m);
    assert_int_equal(f->e.nconns, 0);
    http_engine_release(&f->e);
    sse_hub_free(f->hub);
    router_free(f->r);
    free(f);
    return 0;
}

static void with_pool(struct fx *f)
{
    f->e.submit = fake_submit;
}

static void feed(struct fx *f, const char *s)
{
    memconn_feed(&f->m, s, strlen(s));
}

/* ---- a small response reader ---------------------------------------------- */

struct resp {
    int status;
    char head[2048];
    char body[2048];
    size_t body_len;
};

/* Reads responses out of the output; returns how many (up to max). */
static int parse_responses(const struct buf *out, struct resp *rs, int max, bool head_only)
{
    size_t off = 0;
    int n = 0;
    while (n < max && off < out->len) {
        const char *p = out->data + off;
        const char *end = strstr(p, "\r\n\r\n");
        if (end == NULL)
            break;
        size_t hl = (size_t)(end - p) + 4;
        struct resp *r = &rs[n];
        memset(r, 0, sizeof(*r));
        assert_true(hl < sizeof(r->head));
        memcpy(r->head, p, hl);
        r->status = (int)strtol(p + 9, NULL, 10);
        off += hl;
        if (r->status == 100)
            continue; /* interim: not counted */
        const char *cl = strcasestr(r->head, "\r\nContent-Length: ");
        size_t len = cl ? (size_t)strtoul(cl + 18, NULL, 10) : 0;
        if (!head_only) {
            assert_true(off + len <= out->len);
            assert_true(len < sizeof(r->body));
            memcpy(r->body, out->data + off, len);
            r->body_len = len;
            off += len;
        }
        n++;
    }
    return n;
}

static bool has_header(const struct resp *r, const char *line)
{
    return strcasestr(r->head, line) != NULL;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_simple_get(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    feed(f, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 200);
    assert_string_equal(r[0].body, "{\"hello\":true}");
    assert_true(has_header(&r[0], "Content-Length: 14\r\n"));
    assert_true(has_header(&r[0], "Content-Type: application/json; charset=utf-8\r\n"));
    assert_true(has_header(&r[0], "X-Content-Type-Options: nosniff\r\n"));
    assert_true(has_header(&r[0], "X-Frame-Options: DENY\r\n"));
    assert_true(has_header(&r[0], "Referrer-Policy: same-origin\r\n"));
    assert_true(has_header(&r[0], "frame-ancestors 'none'"));
    assert_true(has_header(&r[0], "\r\nDate: "));
    assert_false(has_header(&r[0], "Connection:"));
    const char *rid = strcasestr(r[0].head, "X-Request-Id: ");
    assert_non_null(rid);
    for (int i = 0; i < 16; i++)
        assert_non_null(strchr("0123456789abcdef", rid[14 + i]));
    assert_int_equal(rid[30], '\r');
    assert_false(f->m.closing);
}

static void test_pipelined_in_order_one_write(void **state)
{
    struct fx *f = *state;
    struct resp r[4];
    feed(f, "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /items/%E4%B8%80 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 4, false), 3);
    assert_string_equal(r[0].body, "item=1");
    assert_string_equal(r[1].body, "{\"hello\":true}");
    assert_string_equal(r[2].body, "item=\xe4\xb8\x80");
    assert_int_equal(f->m.nwrites, 1); /* one writev for the whole read */
    /* the api path gets no-store, the others too (not static) */
    assert_true(has_header(&r[0], "Cache-Control: no-store"));
}

static void test_pool_order_kept(void **state)
{
    struct fx *f = *state;
    struct resp r[4];
    with_pool(f);
    feed(f, "GET /items/a HTTP/1.1\r\n\r\n"
            "GET /items/b HTTP/1.1\r\n\r\n"
            "GET /hello HTTP/1.1\r\n\r\n" /* inline: done at once */
            "GET /items/c HTTP/1.1\r\n\r\n");
    assert_int_equal(f->npool, 3);
    assert_int_equal(f->m.out.len, 0); /* nothing may jump the queue */
    pool_finish(f, 2);                 /* c finishes first */
    assert_int_equal(f->m.out.len, 0);
    pool_finish(f, 1); /* then b */
    assert_int_equal(f->m.out.len, 0);
    pool_finish(f, 0); /* a: now all four go, in order */
    assert_int_equal(parse_responses(&f->m.out, r, 4, false), 4);
    assert_string_equal(r[0].body, "item=a");
    assert_string_equal(r[1].body, "item=b");
    assert_string_equal(r[2].body, "{\"hello\":true}");
    assert_string_equal(r[3].body, "item=c");
    assert_int_equal(f->m.nwrites, 1);
}

static void test_byte_by_byte(void **state)
{
    struct fx *f = *state;
    struct resp r[3];
    const char *req = "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                      "GET /items/z HTTP/1.1\r\n\r\n";
    for (const char *p = req; *p; p++)
        memconn_feed(&f->m, p, 1);
    assert_int_equal(parse_responses(&f->m.out, r, 3, false), 2);
    assert_string_equal(r[0].body, "hello");
    assert_string_equal(r[1].body, "item=z");
}

static void test_chunked_body(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    feed(f, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
            "GET /hello HTTP/1.1\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 2);
    assert_int_equal(r[0].status, 200);
    assert_string_equal(r[0].body, "hello world");
    assert_int_equal(r[1].status, 200);
}

static void test_header_too_large(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    char req[2048];
    char big[1100];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    snprintf(req, sizeof(req), "GET /hello HTTP/1.1\r\nX-Big: %s\r\n\r\n", big);
    feed(f, req);
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 431);
    assert_non_null(strstr(r[0].body, "\"code\":\"headers_too_large\""));
    assert_true(has_header(&r[0], "Connection: close"));
    assert_true(f->m.closing);
}

static void test_long_url_too_large(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    char req[2048];
    char big[1100];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    snprintf(req, sizeof(req), "GET /items/%s HTTP/1.1\r\n\r\n", big);
    feed(f, req);
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 431);
    assert_true(f->m.closing);
}

static void test_too_many_headers(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    char req[1024] = "GET /hello HTTP/1.1\r\n";
    for (int i = 0; i < 11; i++) {
        char line[32];
        snprintf(line, sizeof(line), "X-H%d: v\r\n", i);
        strncat(req, line, sizeof(req) - strlen(req) - 1);
    }
    strncat(req, "\r\n", sizeof(req) - strlen(req) - 1);
    feed(f, req);
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 431);
    assert_true(f->m.closing);
}

static void test_ten_headers_ok(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    char req[1024] = "GET /hello HTTP/1.1\r\n";
    for (int i = 0; i < 10; i++) {
        char line[32];
        snprintf(line, sizeof(line), "X-H%d: v\r\n", i);
        strncat(req, line, sizeof(req) - strlen(req) - 1);
    }
    strncat(req, "\r\n", sizeof(req) - strlen(req) - 1);
    feed(f, req);
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 200);
}

static void test_body_too_large(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    /* the route's own limit is 100: refused on the Content-Length alone */
    feed(f, "POST /echo HTTP/1.1\r\nContent-Length: 101\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 413);
    assert_non_null(strstr(r[0].body, "body_too_large"));
    assert_true(f->m.closing);
}

/* Over TCP an error answer is followed by a half-close and a short linger
 * that drops input, so the client reads the answer rather than a reset. */
static void test_linger_after_error(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    memconn_allow_linger(&f->m);
    feed(f, "POST /echo HTTP/1.1\r\nContent-Length: 101\r\n\r\nxxxxxxxxxx");
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 413);
    assert_true(f->m.shut);
    assert_false(f->m.closing);
    assert_true(f->m.reading);
    size_t before = f->m.out.len;
    feed(f, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyGET /hello HTTP/1.1\r\n\r\n");
    assert_int_equal(f->m.out.len, before); /* dropped */
    f->now += CONN_LINGER_MS - 1;
    http_engine_tick(&f->e);
    assert_false(f->m.closing);
    f->now += 1;
    http_engine_tick(&f->e);
    assert_true(f->m.closing);
}

static void test_linger_ends_on_eof(void **state)
{
    struct fx *f = *state;
    memconn_allow_linger(&f->m);
    feed(f, "GET /hello HTTP/1.1\r\nBad Header\r\n\r\n");
    assert_true(f->m.shut);
    assert_false(f->m.closing);
    memconn_eof(&f->m);
    assert_true(f->m.closing);
}

static void test_chunked_body_too_large(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    char chunk[128];
    feed(f, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    memset(chunk, 'x', 60);
    feed(f, "3c\r\n");
    memconn_feed(&f->m, chunk, 60);
    feed(f, "\r\n");
    assert_int_equal(f->m.out.len, 0);
    feed(f, "3c\r\n");
    memconn_feed(&f->m, chunk, 60); /* passes 100 here */
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 413);
    assert_true(f->m.closing);
}

static void test_malformed(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    feed(f, "GET /hello HTTP/1.1\r\nBad Header\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 400);
    assert_non_null(strstr(r[0].body, "\"code\":\"bad_request\""));
    assert_true(f->m.closing);
}

static void test_garbage(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    feed(f, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03");
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 400);
    assert_true(f->m.closing);
}

static void test_bad_target_and_traversal(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    feed(f, "GET /items/..%2F..%2Fetc HTTP/1.1\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 400);
    assert_true(f->m.closing);
}

static void test_absolute_form_rejected(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    feed(f, "GET http://evil/hello HTTP/1.1\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 400);
}

static void test_head(void **state)
{
    struct fx *f = *state;
    struct resp r[3];
    feed(f, "HEAD /hello HTTP/1.1\r\n\r\nGET /items/q HTTP/1.1\r\n\r\n");
    /* the HEAD response has a Content-Length but no body */
    const char *out = f->m.out.data;
    assert_non_null(strstr(out, "Content-Length: 14\r\n"));
    assert_null(strstr(out, "hello"));
    assert_int_equal(parse_responses(&f->m.out, r, 1, true), 1);
    assert_int_equal(r[0].status, 200);
    const char *second = strstr(out, "\r\n\r\n") + 4;
    assert_memory_equal(second, "HTTP/1.1 200 OK", 15);
    assert_non_null(strstr(second, "item=q"));
}

static void test_keep_alive_and_close(void **state)
{
    struct fx *f = *state;
    struct resp r[3];
    feed(f, "GET /hello HTTP/1.1\r\n\r\n"
            "GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n"
            "GET /hello HTTP/1.1\r\n\r\n"); /* after close: never answered */
    assert_int_equal(parse_responses(&f->m.out, r, 3, false), 2);
    assert_false(has_header(&r[0], "Connection:"));
    assert_true(has_header(&r[1], "Connection: close"));
    assert_true(f->m.closing);
}

static void test_http10(void **state)
{
    struct fx *f = *state;
    struct resp r[3];
    feed(f, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 3, false), 1);
    assert_true(has_header(&r[0], "Connection: keep-alive"));
    assert_false(f->m.closing);
    feed(f, "GET /hello HTTP/1.0\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 3, false), 2);
    assert_true(has_header(&r[1], "Connection: close"));
    assert_true(f->m.closing);
}

static void test_404_405(void **state)
{
    struct fx *f = *state;
    struct resp r[3];
    feed(f, "GET /nope HTTP/1.1\r\n\r\n"
            "PUT /items/1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
            "GET /hello HTTP/1.1\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 3, false), 3);
    assert_int_equal(r[0].status, 404);
    assert_non_null(strstr(r[0].body, "not_found"));
    assert_int_equal(r[1].status, 405);
    assert_true(has_header(&r[1], "Allow: GET, HEAD, DELETE\r\n"));
    assert_non_null(strstr(r[1].body, "method_not_allowed"));
    assert_int_equal(r[2].status, 200); /* the connection lives on */
    assert_false(f->m.closing);
}

static void test_auth_and_media_type(void **state)
{
    struct fx *f = *state;
    struct resp r[4];
    feed(f, "GET /api/private HTTP/1.1\r\n\r\n"
            "POST /api/json HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}"
            "POST /api/json HTTP/1.1\r\nContent-Type: application/json; charset=utf-8\r\n"
            "Content-Length: 2\r\n\r\n{}"
            "POST /api/json HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(parse_responses(&f->m.out, r, 4, false), 4);
    assert_int_equal(r[0].status, 401);
    assert_int_equal(r[1].status, 415);
    assert_int_equal(r[2].status, 200);
    assert_string_equal(r[2].body, "{\"len\":2}");
    assert_int_equal(r[3].status, 200); /* no body: no content type needed */
}

static void test_request_timeout(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    feed(f, "GET /hello HTTP/1.1\r\nHost: sl");
    f->now += 500;
    http_engine_tick(&f->e);
    assert_int_equal(f->m.out.len, 0);
    feed(f, "ow");
    f->now += 600; /* 1100 ms after the first byte */
    http_engine_tick(&f->e);
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_int_equal(r[0].status, 408);
    assert_non_null(strstr(r[0].body, "request_timeout"));
    assert_true(f->m.closing);
}

static void test_idle_timeout(void **state)
{
    struct fx *f = *state;
    feed(f, "GET /hello HTTP/1.1\r\n\r\n");
    f->now += 4000;
    http_engine_tick(&f->e);
    assert_false(f->m.closing);
    f->now += 1001;
    http_engine_tick(&f->e);
    assert_true(f->m.closing);
}

static void test_new_connection_must_speak(void **state)
{
    struct fx *f = *state;
    f->now += 999;
    http_engine_tick(&f->e);
    assert_false(f->m.closing);
    f->now += 2;
    http_engine_tick(&f->e);
    assert_true(f->m.closing); /* request_timeout, not idle_timeout */
    assert_int_equal(f->m.out.len, 0);
}

static void test_backpressure_many_pipelined(void **state)
{
    struct fx *f = *state;
    struct resp *r = calloc(80, sizeof(*r));
    char *all = calloc(80, 64);
    f->m.async_writes = true;
    for (int i = 0; i < 70; i++) {
        char one[64];
        snprintf(one, sizeof(one), "GET /items/%d HTTP/1.1\r\n\r\n", i);
        strncat(all, one, 80 * 64 - strlen(all) - 1);
    }
    feed(f, all);
    assert_false(f->m.reading); /* paused at CONN_MAX_PIPELINE */
    for (int guard = 0; f->m.write_pending && guard < 100; guard++)
        memconn_complete(&f->m, 0);
    assert_true(f->m.reading);
    assert_int_equal(parse_responses(&f->m.out, r, 80, false), 70);
    for (int i = 0; i < 70; i++) {
        char want[32];
        snprintf(want, sizeof(want), "item=%d", i);
        assert_string_equal(r[i].body, want);
    }
    free(r);
    free(all);
}

/* Writes that complete at once must also resume the paused parser. */
static void test_backpressure_sync_writes(void **state)
{
    struct fx *f = *state;
    struct resp *r = calloc(80, sizeof(*r));
    char *all = calloc(80, 64);
    for (int i = 0; i < 70; i++) {
        char one[64];
        snprintf(one, sizeof(one), "GET /items/%d HTTP/1.1\r\n\r\n", i);
        strncat(all, one, 80 * 64 - strlen(all) - 1);
    }
    strncat(all, "GET /items/partial HTTP/1.1\r\nHo", 80 * 64 - strlen(all) - 1);
    feed(f, all);
    assert_true(f->m.reading);
    assert_int_equal(parse_responses(&f->m.out, r, 80, false), 70);
    assert_string_equal(r[69].body, "item=69");
    memconn_eof(&f->m); /* the partial one can never finish */
    assert_int_equal(parse_responses(&f->m.out, r, 80, false), 71);
    assert_int_equal(r[70].status, 400);
    assert_true(f->m.closing);
    free(r);
    free(all);
}

static void test_expect_continue(void **state)
{
    struct fx *f = *state;
    struct resp r[2];
    feed(f, "POST /echo HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    assert_int_equal(f->m.out.len, strlen("HTTP/1.1 100 Continue\r\n\r\n"));
    assert_memory_equal(f->m.out.data, "HTTP/1.1 100 Continue\r\n\r\n", f->m.out.len);
    feed(f, "abcd");
    assert_int_equal(parse_responses(&f->m.out, r, 2, false), 1);
    assert_string_equal(r[0].body, "abcd");
}

static void test_event_stream(void **state)
{
    struct fx *f = *state;
    assert_true(sse_publish(f->hub, "t1", "old", "before", 6) > 0);
    sse_hub_drain(f->hub);
    feed(f, "GET /api/events/t1 HTTP/1.1\r\nLast-Event-ID: 0\r\n\r\n");
    const char *out = f->m.out.data;
    assert_non_null(out);
    assert_memory_equal(out, "HTTP/1.1 200 OK\r\n", 17);
    assert_non_null(strstr(out, "Content-Type: text/event-stream"));
    assert_null(strstr(out, "Content-Length"));
    assert_non_null(strstr(out, "\r\n\r\nid: 1\nevent: old\ndata: before\n\n")); /* replay */
    assert_int_equal(sse_subscriber_count(f->hub), 1);
    int64_t id = sse_publish(f->hub, "t1", "tick", "a\nb", 3);
    assert_int_equal(id, 2);
    sse_publish(f->hub, "t2", "other", "x", 1);
    sse_hub_drain(f->hub);
    assert_non_null(strstr(f->m.out.data, "id: 2\nevent: tick\ndata: a\ndata: b\n\n"));
    assert_null(strstr(f->m.out.data, "other"));
    /* bytes from the client are ignored; its leaving closes the stream */
    feed(f, "GET /hello HTTP/1.1\r\n\r\n");
    assert_null(strstr(f->m.out.data, "hello"));
    memconn_eof(&f->m);
    assert_true(f->m.closing);
    memconn_finish(&f->m);
    assert_int_equal(sse_subscriber_count(f->hub), 0);
}

static void test_event_stream_slow_client_dropped(void **state)
{
    struct fx *f = *state;
    char data[1000];
    memset(data, 'x', sizeof(data));
    f->m.async_writes = true; /* the client reads nothing */
    feed(f, "GET /api/events/t HTTP/1.1\r\n\r\n");
    assert_true(f->m.write_pending);
    for (int i = 0; i < 10 && !f->m.closing; i++) {
        sse_publish(f->hub, "t", NULL, data, sizeof(data));
        sse_hub_drain(f->hub);
    }
    assert_true(f->m.closing); /* backlog 4096 passed: dropped */
}

static void test_graceful_stop(void **state)
{
    struct fx *f = *state;
    struct resp r[3];
    with_pool(f);
    feed(f, "GET /items/slow HTTP/1.1\r\n\r\n");
    assert_int_equal(f->npool, 1);
    http_engine_stop(&f->e);
    assert_false(f->m.closing); /* in flight: not cut */
    pool_finish(f, 0);
    assert_int_equal(parse_responses(&f->m.out, r, 3, false), 1);
    assert_string_equal(r[0].body, "item=slow");
    assert_true(has_header(&r[0], "Connection: close"));
    assert_true(f->m.closing);
}

static void test_close_while_on_pool(void **state)
{
    struct fx *f = *state;
    with_pool(f);
    feed(f, "GET /items/x HTTP/1.1\r\n\r\n");
    memconn_finish(&f->m);       /* the client left */
    assert_false(f->m.released); /* the handler still runs */
    pool_finish(f, 0);
    assert_true(f->m.released);
}

static void test_eof_after_pipelined(void **state)
{
    struct fx *f = *state;
    struct resp r[3];
    with_pool(f);
    feed(f, "GET /items/1 HTTP/1.1\r\n\r\nGET /items/2 HTTP/1.1\r\n\r\n");
    memconn_eof(&f->m); /* half-close: still answer both */
    assert_false(f->m.closing);
    pool_finish(f, 0);
    pool_finish(f, 1);
    assert_int_equal(parse_responses(&f->m.out, r, 3, false), 2);
    assert_true(f->m.closing);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_simple_get),
        T(test_pipelined_in_order_one_write),
        T(test_pool_order_kept),
        T(test_byte_by_byte),
        T(test_chunked_body),
        T(test_header_too_large),
        T(test_long_url_too_large),
        T(test_too_many_headers),
        T(test_ten_headers_ok),
        T(test_body_too_large),
        T(test_chunked_body_too_large),
        T(test_linger_after_error),
        T(test_linger_ends_on_eof),
        T(test_malformed),
        T(test_garbage),
        T(test_bad_target_and_traversal),
        T(test_absolute_form_rejected),
        T(test_head),
        T(test_keep_alive_and_close),
        T(test_http10),
        T(test_404_405),
        T(test_auth_and_media_type),
        T(test_request_timeout),
        T(test_idle_timeout),
        T(test_new_connection_must_speak),
        T(test_backpressure_many_pipelined),
        T(test_backpressure_sync_writes),
        T(test_expect_continue),
        T(test_event_stream),
        T(test_event_stream_slow_client_dropped),
        T(test_graceful_stop),
        T(test_close_while_on_pool),
        T(test_eof_after_pipelined),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
