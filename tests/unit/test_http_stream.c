/*
 * Unit tests for streamed request bodies (HTTP_ROUTE_STREAM_BODY, http.h):
 * the admission before the body (on the pool or inline), the body reaching
 * the sink piece by piece and never the exchange's buffer, refusals that
 * keep their own answer and never read the body, errors from the sink
 * half-way, 100 Continue only once admitted, the per-gap timeout, and the
 * sink released exactly once whatever happens (also when the client leaves
 * while the admission runs). Driven through the in-memory transport.
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

/* ---- a sink that records what it got ---------------------------------------- */

struct rec {
    char data[8192]; /* the body as received */
    size_t len;
    int writes;   /* write calls */
    int finishes; /* finish calls */
    int releases; /* release calls: must end at exactly 1 per admitted request */
    int fail_at;  /* write fails once len would pass this (0: never) */
    int admits;   /* admissions */
    int handled;  /* second handler calls */
    bool refuse;  /* the admission refuses */
    char digest[32];
};

static struct rec rec;

static enum err rec_write(void *ctx, const void *p, size_t n)
{
    struct rec *r = ctx;
    r->writes++;
    if (r->fail_at > 0 && r->len + n > (size_t)r->fail_at)
        return ERR_INVALID_FIELD;
    assert_true(r->len + n <= sizeof(r->data));
    memcpy(r->data + r->len, p, n);
    r->len += n;
    return ERR_OK;
}

static enum err rec_finish(void *ctx, const char **digest)
{
    struct rec *r = ctx;
    r->finishes++;
    snprintf(r->digest, sizeof(r->digest), "len-%zu", r->len);
    *digest = r->digest;
    return ERR_OK;
}

static void rec_release(void *ctx)
{
    struct rec *r = ctx;
    r->releases++;
}

static void h_upload(struct http_request *req, struct http_response *res)
{
    if (req->admitting) {
        rec.admits++;
        if (rec.refuse) {
            http_res_error_field(res, ERR_NOT_REGISTERED, "tender", "no, not you");
            return;
        }
        req->sink.write = rec_write;
        req->sink.finish = rec_finish;
        req->sink.release = rec_release;
        req->sink.ctx = &rec;
        return;
    }
    rec.handled++;
    assert_true(req->streamed);
    assert_int_equal(req->body_len, rec.len);
    buf_printf(&res->body, "{\"got\":%zu,\"digest\":\"%s\"}", req->body_len,
               req->body_digest ? req->body_digest : "");
    res->status = 201;
}

static void h_hello(struct http_request *req, struct http_response *res)
{
    (void)req;
    buf_puts(&res->body, "{\"hello\":true}");
}

static const struct http_route routes[] = {
    {HTTP_M_PUT, "/up", h_upload, HTTP_ANON, NULL, 4096, HTTP_ROUTE_STREAM_BODY, "up"},
    {HTTP_M_PUT, "/admin-up", h_upload, ROLE_ADMIN, NULL, 4096, HTTP_ROUTE_STREAM_BODY, "aup"},
    {HTTP_M_GET, "/hello", h_hello, HTTP_ANON, NULL, 0, 0, "hello"},
};

/* ---- fixture ---------------------------------------------------------------- */

struct fx {
    struct http_engine e;
    struct router *r;
    struct memconn m;
    uint64_t now;
    struct http_exchange *pool[16];
    int npool;
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

/* Runs the oldest pending pool task and hands it back. */
static void pool_run(struct fx *f)
{
    for (int i = 0; i < f->npool; i++) {
        if (f->pool[i] != NULL) {
            struct http_exchange *x = f->pool[i];
            f->pool[i] = NULL;
            exchange_run(x);
            conn_exchange_done(x);
            return;
        }
    }
    fail_msg("nothing on the pool");
}

static int pool_pending(const struct fx *f)
{
    int n = 0;
    for (int i = 0; i < f->npool; i++)
        n += f->pool[i] != NULL;
    return n;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[128];
    struct http_config cfg = {0};
    cfg.max_body = 100; /* the route's 4096 wins */
    cfg.request_timeout_ms = 1000;
    cfg.idle_timeout_ms = 5000;
    the_fx = f;
    memset(&rec, 0, sizeof(rec));
    http_engine_init(&f->e, &cfg);
    f->r = router_new(routes, sizeof(routes) / sizeof(routes[0]), err, sizeof(err));
    assert_non_null(f->r);
    f->e.router = f->r;
    f->e.now_ms = fake_now;
    f->now = 1000;
    memconn_open(&f->m, &f->e, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    while (pool_pending(f) > 0)
        pool_run(f);
    memconn_finish(&f->m);
    assert_true(f->m.released);
    memconn_release(&f->m);
    http_engine_release(&f->e);
    router_free(f->r);
    free(f);
    return 0;
}

static void feed(struct fx *f, const char *s)
{
    memconn_feed(&f->m, s, strlen(s));
}

static int status_of(const struct fx *f, int nth)
{
    const char *p = f->m.out.data;
    int seen = 0;
    while (p != NULL && (p = strstr(p, "HTTP/1.1 ")) != NULL) {
        int st = (int)strtol(p + 9, NULL, 10);
        p += 9;
        if (st == 100)
            continue;
        if (seen++ == nth)
            return st;
    }
    return -1;
}

static const char *out(const struct fx *f)
{
    return f->m.out.data ? f->m.out.data : "";
}

/* ---- tests ------------------------------------------------------------------ */

static void test_inline_pieces(void **state)
{
    struct fx *f = *state;
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 300\r\n\r\n");
    assert_int_equal(rec.admits, 1);
    char piece[100];
    for (int i = 0; i < 3; i++) {
        memset(piece, 'a' + i, sizeof(piece));
        memconn_feed(&f->m, piece, sizeof(piece));
    }
    assert_int_equal(rec.len, 300); /* more than cfg.max_body: the route's limit */
    assert_int_equal(rec.data[0], 'a');
    assert_int_equal(rec.data[299], 'c');
    assert_int_equal(rec.finishes, 1);
    assert_int_equal(rec.handled, 1);
    assert_int_equal(status_of(f, 0), 201);
    assert_non_null(strstr(out(f), "{\"got\":300,\"digest\":\"len-300\"}"));
    assert_int_equal(rec.releases, 1);
    /* keep-alive: the next request on the connection works */
    feed(f, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(status_of(f, 1), 200);
    assert_int_equal(rec.releases, 1);
}

static void test_pool_admission_waits(void **state)
{
    struct fx *f = *state;
    f->e.submit = fake_submit;
    /* headers and the start of the body in one read: the body waits */
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    assert_int_equal(pool_pending(f), 1);
    assert_int_equal(rec.admits, 0);
    assert_false(f->m.reading); /* back-pressure while the worker decides */
    /* the timeout does not run while admitting */
    f->now += 5000;
    http_engine_tick(&f->e);
    assert_int_equal(f->m.out.len, 0);
    pool_run(f); /* the admission */
    assert_int_equal(rec.admits, 1);
    assert_int_equal(rec.len, 5);
    assert_true(f->m.reading);
    feed(f, "6\r\n world\r\n0\r\n\r\n");
    assert_int_equal(rec.len, 11);
    assert_memory_equal(rec.data, "hello world", 11);
    assert_int_equal(pool_pending(f), 1); /* the handler */
    pool_run(f);
    assert_int_equal(status_of(f, 0), 201);
    assert_int_equal(rec.handled, 1);
    assert_int_equal(rec.releases, 1);
}

static void test_refused_keeps_answer(void **state)
{
    struct fx *f = *state;
    f->e.submit = fake_submit;
    rec.refuse = true;
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
    pool_run(f);
    assert_int_equal(status_of(f, 0), 403);
    assert_non_null(strstr(out(f), "\"code\":\"not_registered\""));
    assert_non_null(strstr(out(f), "no, not you"));
    assert_non_null(strcasestr(out(f), "Connection: close"));
    assert_int_equal(rec.writes, 0); /* the body was never read into anything */
    assert_int_equal(rec.handled, 0);
    assert_int_equal(rec.releases, 0); /* no sink was set up */
}

static void test_refused_inline(void **state)
{
    struct fx *f = *state;
    rec.refuse = true;
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
    assert_int_equal(status_of(f, 0), 403);
    assert_non_null(strstr(out(f), "no, not you"));
    assert_int_equal(rec.writes, 0);
}

static void test_roles_before_admission(void **state)
{
    struct fx *f = *state;
    f->e.submit = fake_submit;
    feed(f, "PUT /admin-up HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    pool_run(f);
    assert_int_equal(status_of(f, 0), 401); /* anonymous */
    assert_int_equal(rec.admits, 0);
    assert_int_equal(rec.writes, 0);
}

static void test_sink_error_midway(void **state)
{
    struct fx *f = *state;
    rec.fail_at = 150;
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 300\r\n\r\n");
    char piece[100];
    memset(piece, 'z', sizeof(piece));
    memconn_feed(&f->m, piece, sizeof(piece));
    memconn_feed(&f->m, piece, sizeof(piece));
    assert_int_equal(status_of(f, 0), 422);
    assert_non_null(strstr(out(f), "\"code\":\"invalid_field\""));
    assert_int_equal(rec.handled, 0);
    assert_int_equal(rec.finishes, 0);
    memconn_finish(&f->m);
    assert_int_equal(rec.releases, 1);
}

static void test_too_large(void **state)
{
    struct fx *f = *state;
    f->e.submit = fake_submit;
    /* declared too large: 413 before any admission */
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    assert_int_equal(pool_pending(f), 0);
    assert_int_equal(status_of(f, 0), 413);
    assert_int_equal(rec.admits, 0);
}

static void test_too_large_chunked(void **state)
{
    struct fx *f = *state;
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    char line[16];
    char piece[1000];
    memset(piece, 'q', sizeof(piece));
    for (int i = 0; i < 5 && status_of(f, 0) < 0; i++) {
        snprintf(line, sizeof(line), "%zx\r\n", sizeof(piece));
        feed(f, line);
        memconn_feed(&f->m, piece, sizeof(piece));
        feed(f, "\r\n");
    }
    assert_int_equal(status_of(f, 0), 413);
    assert_true(rec.len <= 4096);
    memconn_finish(&f->m);
    assert_int_equal(rec.releases, 1);
}

static void test_continue_after_admission(void **state)
{
    struct fx *f = *state;
    f->e.submit = fake_submit;
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    assert_null(strstr(out(f), "100 Continue")); /* not before the worker said yes */
    pool_run(f);
    assert_non_null(strstr(out(f), "HTTP/1.1 100 Continue"));
    feed(f, "abcd");
    pool_run(f);
    assert_int_equal(status_of(f, 0), 201);
}

static void test_refused_no_continue(void **state)
{
    struct fx *f = *state;
    f->e.submit = fake_submit;
    rec.refuse = true;
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    pool_run(f);
    assert_null(strstr(out(f), "100 Continue"));
    assert_int_equal(status_of(f, 0), 403);
}

static void test_client_leaves_while_admitting(void **state)
{
    struct fx *f = *state;
    f->e.submit = fake_submit;
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab");
    memconn_finish(&f->m); /* closed while the worker admits */
    assert_false(f->m.released);
    pool_run(f); /* the admission sets the sink up; the exchange is an orphan */
    assert_true(f->m.released);
    assert_int_equal(rec.admits, 1);
    assert_int_equal(rec.writes, 0);
    assert_int_equal(rec.releases, 1);
}

static void test_gap_timeout(void **state)
{
    struct fx *f = *state;
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n");
    /* slow but steady: 8 pieces 900 ms apart pass a 1000 ms timeout */
    for (int i = 0; i < 4; i++) {
        f->now += 900;
        http_engine_tick(&f->e);
        feed(f, "0123456789");
    }
    assert_int_equal(status_of(f, 0), 201);
    assert_int_equal(rec.len, 40);
    /* a stall is not */
    feed(f, "PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n0123");
    f->now += 1500;
    http_engine_tick(&f->e);
    assert_int_equal(status_of(f, 1), 408);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_inline_pieces),
        T(test_pool_admission_waits),
        T(test_refused_keeps_answer),
        T(test_refused_inline),
        T(test_roles_before_admission),
        T(test_sink_error_midway),
        T(test_too_large),
        T(test_too_large_chunked),
        T(test_continue_after_admission),
        T(test_refused_no_continue),
        T(test_client_leaves_while_admitting),
        T(test_gap_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
