/*
 * conn.c — the HTTP/1.1 connection state machine (see conn.h): parsing with
 * llhttp, limits, the in-order response queue, response heads, the switch
 * to an event stream, timeouts and graceful stop.
 *
 * Owns: each connection's parser, its exchange queue and pending bytes; the
 * engine's free list of exchanges and its Date cache.
 *
 * Invariants:
 *   - Exchanges sit in the queue in request order; only a prefix of DONE
 *     exchanges is ever written, so responses leave in request order.
 *   - At most one write is pending per connection (c->writing); a write
 *     gathers every DONE exchange at the head of the queue (one writev).
 *   - c->cur, when set, is the queue's tail and the only exchange PARSING.
 *   - An exchange on the pool (RUNNING) is touched by the worker only; the
 *     loop takes it back in conn_exchange_done(). A connection that closes
 *     meanwhile orphans it and is released when the last one returns.
 *   - The parser pauses at a message boundary when CONN_MAX_PIPELINE
 *     requests are unanswered; the unparsed rest waits in c->pending and
 *     reading stops until the queue shrinks.
 *   - Every limit is checked before bytes are stored: header bytes and count
 *     (431), body bytes per route (413), whole-request time (408).
 *   - A STREAM_BODY request is admitted on the pool before its body is read
 *     (the parser pauses at the end of the headers, x->admitting); its body
 *     then goes piece by piece to req.sink and is never stored; the sink is
 *     released exactly once, in exchange_put (docs/internals/http.md).
 *
 * Connection lifecycle:
 *   conn_init -> (feed / written / exchange_done)* -> conn_close
 *             -> io->close ... conn_on_closed -> [pool empty] -> io->release
 *
 * Threads: the loop thread only (exchange_run is the pool's part).
 */
#include "http/conn.h"

#include <stdatomic.h>

#include <openssl/rand.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/proxy.h"
#include "http/router.h"
#include "http/sse_internal.h"
#include "http/static.h"

#define ENGINE_FREE_MAX 256         /* recycled exchanges kept */
#define X_KEEP_BUF      (64u << 10) /* bigger buffers are freed on recycle */
#define RES_HEADERS_MAX (16u << 10) /* handler-added header bytes */

static const char SEC_HEADERS[] =
    "X-Content-Type-Options: nosniff\r\n"
    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: same-origin\r\n";

static const char CONTINUE_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

static void conn_run(struct http_conn *c);
static void conn_parse(struct http_conn *c, const char *data, size_t len);

/* ---- engine ------------------------------------------------------------- */

void http_engine_init(struct http_engine *e, const struct http_config *cfg)
{
    memset(e, 0, sizeof(*e));
    e->cfg = *cfg;
    struct http_config *k = &e->cfg;
    if (k->host == NULL)
        k->host = "127.0.0.1";
    if (k->workers <= 0)
        k->workers = 4;
    if (k->max_header_bytes == 0)
        k->max_header_bytes = 16u << 10;
    if (k->max_headers <= 0)
        k->max_headers = 64;
    if (k->max_body == 0)
        k->max_body = 1u << 20;
    if (k->max_response == 0)
        k->max_response = 16u << 20;
    if (k->idle_timeout_ms == 0)
        k->idle_timeout_ms = 60000;
    if (k->request_timeout_ms == 0)
        k->request_timeout_ms = 10000;
    if (k->sse_heartbeat_ms == 0)
        k->sse_heartbeat_ms = 15000;
    if (k->sse_backlog == 0)
        k->sse_backlog = 256u << 10;
    if (k->sse_replay == 0)
        k->sse_replay = 4096;
    if (k->max_connections <= 0)
        k->max_connections = 20000;
    e->date_sec = -1;
}

static uint64_t engine_now(struct http_engine *e)
{
    if (e->now_ms != NULL)
        return e->now_ms(e);
    return (uint64_t)(clock_mono_ns() / 1000000);
}

static void exchange_free(struct http_exchange *x)
{
    arena_release(&x->arena);
    buf_release(&x->head);
    buf_release(&x->body);
    buf_release(&x->out);
    buf_release(&x->res.headers);
    buf_release(&x->res.body);
    free(x->hoff);
    free(x->hdrs);
    free(x);
}

void http_engine_release(struct http_engine *e)
{
    while (e->free_x != NULL) {
        struct http_exchange *x = e->free_x;
        e->free_x = x->next;
        exchange_free(x);
    }
    e->nfree_x = 0;
}

/* The Date header value, formatted once per second. */
static const char *engine_date(struct http_engine *e)
{
    int64_t ms = clock_now_ms();
    int64_t sec = ms / 1000;
    if (sec != e->date_sec) {
        clock_format_http(ms, e->date);
        e->date_sec = sec;
    }
    return e->date;
}

/* Request ids: a random per-process prefix and a counter, 16 hex chars. */
static void request_id_make(char out[17])
{
    static const char hex[] = "0123456789abcdef";
    static _Atomic uint32_t prefix;
    static _Atomic uint32_t counter;
    uint32_t p = atomic_load_explicit(&prefix, memory_order_relaxed);
    if (p == 0) {
        uint32_t r = 0;
        if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
            r = (uint32_t)clock_mono_ns();
        r |= 1; /* never 0, so it is set once */
        uint32_t zero = 0;
        atomic_compare_exchange_strong(&prefix, &zero, r);
        p = atomic_load(&prefix);
    }
    uint32_t n = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
    for (int i = 0; i < 8; i++) {
        out[i] = hex[(p >> (28 - 4 * i)) & 0xF];
        out[8 + i] = hex[(n >> (28 - 4 * i)) & 0xF];
    }
    out[16] = '\0';
}

/* Takes an exchange from the free list (or the heap) and readies it. */
static struct http_exchange *exchange_get(struct http_conn *c)
{
    struct http_engine *e = c->eng;
    struct http_exchange *x = e->free_x;
    if (x != NULL) {
        e->free_x = x->next;
        e->nfree_x--;
    } else {
        x = calloc(1, sizeof(*x));
        if (x == NULL)
            return NULL;
        buf_init(&x->res.headers, RES_HEADERS_MAX);
    }
    x->next = NULL;
    x->conn = c;
    x->eng = e;
    x->state = X_PARSING;
    memset(&x->req, 0, sizeof(x->req));
    x->res.status = 200;
    x->res.content_type = NULL;
    buf_reset(&x->res.headers);
    x->res.headers.max = RES_HEADERS_MAX;
    buf_reset(&x->res.body);
    x->res.body.max = e->cfg.max_response;
    x->res.sse_topic = NULL;
    x->res.sse_last_id = -1;
    arena_init(&x->arena, 0);
    buf_reset(&x->head);
    /* the head holds the request head plus NULs plus routing scratch */
    x->head.max = 4 * e->cfg.max_header_bytes + 4 * (size_t)e->cfg.max_headers + 1024;
    buf_reset(&x->body);
    x->body.max = e->cfg.max_body;
    buf_reset(&x->out);
    x->out.max = 64u << 10;
    x->head_bytes = 0;
    x->body_seen = 0;
    x->max_body = e->cfg.max_body;
    x->url_len = 0;
    x->last_cb = 0;
    x->fail = ERR_OK;
    x->allow_buf[0] = '\0';
    x->ext_body = NULL;
    x->ext_len = 0;
    x->t_begin_ms = engine_now(e);
    x->t0_ns = 0;
    x->headers_done = false;
    x->discard_body = false;
    x->is_static = false;
    x->keep_alive = false;
    x->http10 = false;
    x->expect_continue = false;
    x->continue_sent = false;
    x->orphan = false;
    x->stream = false;
    x->admitting = false;
    x->admitted = false;
    x->refused = false;
    x->admit_rc = ERR_OK;
    x->req.arena = &x->arena;
    x->req.app = e->cfg.app;
    x->req.nheaders = 0;
    memcpy(x->req.remote_addr, c->remote, sizeof(x->req.remote_addr));
    request_id_make(x->req.request_id);
    return x;
}

/* Returns an exchange to the free list, dropping its big buffers. */
static void exchange_put(struct http_engine *e, struct http_exchange *x)
{
    if (x->req.sink.release != NULL)
        x->req.sink.release(x->req.sink.ctx); /* exactly once: cleared below */
    memset(&x->req.sink, 0, sizeof(x->req.sink));
    arena_release(&x->arena);
    if (x->head.cap > X_KEEP_BUF)
        buf_release(&x->head);
    if (x->body.cap > X_KEEP_BUF)
        buf_release(&x->body);
    if (x->out.cap > X_KEEP_BUF)
        buf_release(&x->out);
    if (x->res.body.cap > X_KEEP_BUF)
        buf_release(&x->res.body);
    if (x->res.headers.cap > X_KEEP_BUF)
        buf_release(&x->res.headers);
    x->conn = NULL;
    if (e->nfree_x >= ENGINE_FREE_MAX) {
        exchange_free(x);
        return;
    }
    x->next = e->free_x;
    e->free_x = x;
    e->nfree_x++;
}

/* ---- responses ---------------------------------------------------------- */

/* Replaces whatever response x has with the JSON error for err. */
static void exchange_error(struct http_exchange *x, enum err err)
{
    struct http_response *res = &x->res;
    buf_reset(&res->headers);
    res->sse_topic = NULL;
    x->ext_body = NULL;
    x->ext_len = 0;
    /* a streamed body's sink may say what exactly was wrong */
    http_res_error(res, err, x->stream ? x->req.sink.message : NULL);
    if (err == ERR_METHOD_NOT_ALLOWED && x->allow_buf[0] != '\0')
        http_res_header(res, "Allow", x->allow_buf);
}

static char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

#define PUTS(p, lit) put((p), (lit), sizeof(lit) - 1)

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

/* Case-insensitive: does the raw header block contain the header `name`? */
static bool headers_have(const struct buf *h, const char *name)
{
    size_t n = strlen(name);
    const char *p = h->data;
    const char *end = h->data ? h->data + h->len : NULL;
    while (p != NULL && p < end) {
        if ((size_t)(end - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':')
            return true;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : NULL;
    }
    return false;
}

static bool status_has_body(int status)
{
    return !(status < 200 || status == 204 || status == 304);
}

/* Builds the response head of x into x->out. sse: an event-stream head. */
static int exchange_build_head(struct http_exchange *x, bool keep_alive, bool sse)
{
    struct http_engine *e = x->eng;
    struct http_response *res = &x->res;
    int status = res->status;
    if (status < 100 || status > 999)
        status = res->status = 500;
    const char *reason = http_status_reason(status);
    const char *ctype = res->content_type ? res->content_type : "application/json; charset=utf-8";
    if (sse)
        ctype = "text/event-stream; charset=utf-8";
    size_t rlen = strlen(reason);
    size_t clen = strlen(ctype);
    size_t need = 256 + sizeof(SEC_HEADERS) + rlen + clen + res->headers.len;

    buf_reset(&x->out);
    if (buf_reserve(&x->out, need) != BUF_OK)
        return -1;
    char *p = x->out.data;
    p = PUTS(p, "HTTP/1.1 ");
    *p++ = (char)('0' + status / 100);
    *p++ = (char)('0' + status / 10 % 10);
    *p++ = (char)('0' + status % 10);
    *p++ = ' ';
    p = put(p, reason, rlen);
    p = PUTS(p, "\r\nDate: ");
    p = put(p, engine_date(e), 29);
    p = PUTS(p, "\r\n");
    if (sse || status_has_body(status)) {
        p = PUTS(p, "Content-Type: ");
        p = put(p, ctype, clen);
        p = PUTS(p, "\r\n");
    }
    if (!sse && status_has_body(status)) {
        p = PUTS(p, "Content-Length: ");
        p = put_u64(p, x->ext_body ? x->ext_len : res->body.len);
        p = PUTS(p, "\r\n");
    }
    if (sse) {
        p = PUTS(p, "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n");
    } else if (!keep_alive) {
        p = PUTS(p, "Connection: close\r\n");
    } else if (x->http10) {
        p = PUTS(p, "Connection: keep-alive\r\n");
    }
    p = PUTS(p, "X-Request-Id: ");
    p = put(p, x->req.request_id, 16);
    p = PUTS(p, "\r\n");
    p = put(p, SEC_HEADERS, sizeof(SEC_HEADERS) - 1);
    if (!sse && !x->is_static && !headers_have(&res->headers, "cache-control"))
        p = PUTS(p, "Cache-Control: no-store\r\n");
    if (res->headers.len > 0)
        p = put(p, res->headers.data, res->headers.len);
    p = PUTS(p, "\r\n");
    x->out.len = (size_t)(p - x->out.data);
    x->out.data[x->out.len] = '\0';
    return 0;
}

static void exchange_log(struct http_exchange *x, size_t bytes)
{
    struct http_engine *e = x->eng;
    if (!e->cfg.access_log || !log_access_enabled())
        return;
    double ms = x->t0_ns ? (double)(clock_mono_ns() - x->t0_ns) / 1e6 : 0.0;
    log_info("access %s %s %s %s %d %zu %.3fms", x->req.request_id, x->req.remote_addr,
             x->req.method_str ? x->req.method_str : "-", x->req.target ? x->req.target : "-",
             x->res.status, bytes, ms);
}

/* ---- queue -------------------------------------------------------------- */

static void queue_push(struct http_conn *c, struct http_exchange *x)
{
    if (c->qtail != NULL)
        c->qtail->next = x;
    else
        c->qhead = x;
    c->qtail = x;
    c->nqueued++;
}

static struct http_exchange *queue_pop(struct http_conn *c)
{
    struct http_exchange *x = c->qhead;
    if (x == NULL)
        return NULL;
    c->qhead = x->next;
    if (c->qhead == NULL)
        c->qtail = NULL;
    c->nqueued--;
    x->next = NULL;
    return x;
}

/* Drops every queued exchange: recycled, or orphaned if on the pool. */
static void queue_drop_all(struct http_conn *c)
{
    struct http_exchange *x;
    while ((x = queue_pop(c)) != NULL) {
        if (x == c->cur)
            c->cur = NULL;
        if (x->state == X_RUNNING)
            x->orphan = true; /* conn_exchange_done frees it */
        else
            exchange_put(c->eng, x);
    }
    c->cur = NULL;
}

/* ---- dispatch ----------------------------------------------------------- */

static void engine_mark_dirty(struct http_engine *e, struct http_conn *c)
{
    if (c->dirty)
        return;
    c->dirty = true;
    c->dirty_next = e->dirty;
    e->dirty = c;
}

static void engine_unmark_dirty(struct http_engine *e, struct http_conn *c)
{
    if (!c->dirty)
        return;
    struct http_conn **pp = &e->dirty;
    while (*pp != NULL && *pp != c)
        pp = &(*pp)->dirty_next;
    if (*pp == c)
        *pp = c->dirty_next;
    c->dirty = false;
    c->dirty_next = NULL;
}

void http_engine_flush(struct http_engine *e)
{
    while (e->dirty != NULL) {
        struct http_conn *c = e->dirty;
        e->dirty = c->dirty_next;
        c->dirty = false;
        c->dirty_next = NULL;
        conn_run(c);
    }
}

/* An exchange has its response: checks what only the loop can. */
static void exchange_finish(struct http_exchange *x)
{
    x->state = X_DONE;
    if (x->res.sse_topic != NULL && !x->req.is_head && x->eng->hub == NULL) {
        log_error("route %s opened an event stream but the server has no hub",
                  x->req.route && x->req.route->name ? x->req.route->name : "?");
        exchange_error(x, ERR_INTERNAL);
    }
}

void exchange_run(struct http_exchange *x)
{
    if (x->admitting) {
        x->admit_rc = http_request_admit(&x->eng->cfg, &x->req, &x->res);
        return;
    }
    http_request_process(&x->eng->cfg, &x->req, &x->res);
}

/* A complete request: answer errors and static files here, run inline
 * routes here, hand the rest to the pool. */
static void exchange_dispatch(struct http_exchange *x)
{
    struct http_engine *e = x->eng;
    struct http_conn *c = x->conn;
    x->state = X_READY;
    x->req.body = x->body.data ? x->body.data : "";
    x->req.body_len = x->body.len;
    if (x->stream && x->fail == ERR_OK) {
        x->req.body_len = x->body_seen;
        if (x->req.sink.finish != NULL) {
            const char *digest = NULL;
            enum err fe = x->req.sink.finish(x->req.sink.ctx, &digest);
            if (fe != ERR_OK)
                x->fail = fe;
            x->req.body_digest = digest;
        }
    }
    if (x->fail != ERR_OK) {
        exchange_error(x, x->fail);
        exchange_finish(x);
        return;
    }
    if (x->is_static) {
        if (!static_serve(e->statics, &x->req, &x->res, &x->ext_body, &x->ext_len))
            exchange_error(x, ERR_NOT_FOUND);
        exchange_finish(x);
        return;
    }
    if ((x->req.route->flags & HTTP_ROUTE_INLINE) || e->submit == NULL) {
        exchange_run(x);
        exchange_finish(x);
        return;
    }
    x->state = X_RUNNING;
    c->nrunning++;
    e->submit(e, x);
}

/* Conn release: once closed and nothing is on the pool. */
static void conn_finish(struct http_conn *c)
{
    struct http_engine *e = c->eng;
    if (c->released || !c->closed || c->nrunning > 0)
        return;
    c->released = true;
    engine_unmark_dirty(e, c);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else if (e->conns == c)
        e->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    e->nconns--;
    c->io->release(c);
    if (e->stopping && e->nconns == 0 && e->on_drained != NULL)
        e->on_drained(e);
}

/* Ends parsing with x (the request being parsed) answered by what its
 * response holds: an admission refused the body, which is never read. */
static void conn_refuse(struct http_conn *c, struct http_exchange *x)
{
    c->parse_dead = true;
    if (c->cur == x)
        c->cur = NULL;
    x->refused = true;
    x->keep_alive = false;
    x->expect_continue = false;
    c->linger = true; /* the client may be sending the body */
    exchange_finish(x);
    if (!c->read_stopped && !c->closing) {
        c->read_stopped = true;
        c->io->read_stop(c);
    }
}

/* Loop: an admission came back from the pool. */
static void admit_done(struct http_conn *c, struct http_exchange *x)
{
    x->admitting = false;
    if (x->admit_rc == ERR_OK && (c->parse_dead || c->draining)) {
        exchange_error(x, ERR_SHUTTING_DOWN); /* stopping meanwhile: do not start a body */
        x->admit_rc = ERR_SHUTTING_DOWN;
    }
    if (x->admit_rc != ERR_OK) {
        conn_refuse(c, x);
        return;
    }
    x->admitted = true;
    x->state = X_PARSING;
    x->t_begin_ms = engine_now(c->eng); /* the body's own time starts now */
}

void conn_exchange_done(struct http_exchange *x)
{
    struct http_conn *c = x->conn;
    struct http_engine *e = x->eng;
    c->nrunning--;
    if (x->orphan) {
        exchange_put(e, x);
        conn_finish(c);
        return;
    }
    if (x->admitting)
        admit_done(c, x);
    else
        exchange_finish(x);
    if (e->defer_flush)
        engine_mark_dirty(e, c);
    else
        conn_run(c);
}

/* ---- parsing ------------------------------------------------------------ */

static struct http_conn *pconn(llhttp_t *p)
{
    return p->data;
}

/* Stops the parser with a fatal error answered by the loop. */
static int parse_fail(struct http_conn *c, enum err e)
{
    if (c->fatal == ERR_OK)
        c->fatal = e;
    return -1;
}

static int head_count(struct http_conn *c, struct http_exchange *x, size_t n)
{
    x->head_bytes += n;
    if (x->head_bytes > c->eng->cfg.max_header_bytes)
        return parse_fail(c, ERR_HEADERS_TOO_LARGE);
    return 0;
}

static int head_append(struct http_conn *c, struct http_exchange *x, const char *at, size_t n)
{
    if (buf_append(&x->head, at, n) != BUF_OK)
        return parse_fail(c, ERR_HEADERS_TOO_LARGE);
    return 0;
}

static int on_message_begin(llhttp_t *p)
{
    struct http_conn *c = pconn(p);
    struct http_exchange *x = exchange_get(c);
    if (x == NULL)
        return parse_fail(c, ERR_OVERLOADED);
    if (c->eng->cfg.access_log)
        x->t0_ns = clock_mono_ns();
    x->head_bytes = 16; /* method, version, CRLF: roughly */
    queue_push(c, x);
    c->cur = x;
    c->started = true;
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t n)
{
    struct http_conn *c = pconn(p);
    struct http_exchange *x = c->cur;
    x->last_cb = 1;
    if (head_count(c, x, n) != 0)
        return -1;
    return head_append(c, x, at, n);
}

static int on_url_complete(llhttp_t *p)
{
    struct http_conn *c = pconn(p);
    struct http_exchange *x = c->cur;
    x->url_len = (uint32_t)x->head.len;
    return head_append(c, x, "", 1);
}

static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
    struct http_conn *c = pconn(p);
    struct http_exchange *x = c->cur;
    if (head_count(c, x, n) != 0)
        return -1;
    if (x->headers_done)
        return 0; /* trailers: counted, not kept */
    if (x->last_cb != 2) {
        if (x->req.nheaders >= c->eng->cfg.max_headers)
            return parse_fail(c, ERR_HEADERS_TOO_LARGE); /* one too many */
        if (x->req.nheaders == x->hcap) {
            int ncap = x->hcap ? x->hcap * 2 : 16;
            if (ncap > c->eng->cfg.max_headers)
                ncap = c->eng->cfg.max_headers;
            struct hdr_off *no = realloc(x->hoff, (size_t)ncap * sizeof(*no));
            if (no == NULL)
                return parse_fail(c, ERR_OVERLOADED);
            x->hoff = no;
            struct http_header *nh = realloc(x->hdrs, (size_t)ncap * sizeof(*nh));
            if (nh == NULL)
                return parse_fail(c, ERR_OVERLOADED);
            x->hdrs = nh;
            x->hcap = ncap;
        }
        x->hoff[x->req.nheaders].name = (uint32_t)x->head.len;
        x->hoff[x->req.nheaders].value = (uint32_t)x->head.len;
        x->last_cb = 2;
        if (head_count(c, x, 4) != 0) /* ": " and CRLF */
            return -1;
    }
    return head_append(c, x, at, n);
}

static int on_header_field_complete(llhttp_t *p)
{
    struct http_conn *c = pconn(p);
    struct http_exchange *x = c->cur;
    if (x->headers_done)
        return 0;
    return head_append(c, x, "", 1);
}

static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
    struct http_conn *c = pconn(p);
    struct http_exchange *x = c->cur;
    if (head_count(c, x, n) != 0)
        return -1;
    if (x->headers_done)
        return 0;
    if (x->last_cb != 3) {
        x->hoff[x->req.nheaders].value = (uint32_t)x->head.len;
        x->last_cb = 3;
    }
    return head_append(c, x, at, n);
}

static int on_header_value_complete(llhttp_t *p)
{
    struct http_conn *c = pconn(p);
    struct http_exchange *x = c->cur;
    if (x->headers_done)
        return 0;
    if (x->last_cb != 3) /* empty value: no on_header_value */
        x->hoff[x->req.nheaders].value = (uint32_t)x->head.len;
    size_t start = x->hoff[x->req.nheaders].value;
    while (x->head.len > start &&
           (x->head.data[x->head.len - 1] == ' ' || x->head.data[x->head.len - 1] == '\t'))
        x->head.len--;
    x->req.nheaders++;
    x->last_cb = 3;
    return head_append(c, x, "", 1);
}

static enum http_method method_from_llhttp(uint8_t m)
{
    switch (m) {
    case HTTP_GET:
        return HTTP_M_GET;
    case HTTP_HEAD:
        return HTTP_M_HEAD;
    case HTTP_POST:
        return HTTP_M_POST;
    case HTTP_PUT:
        return HTTP_M_PUT;
    case HTTP_PATCH:
        return HTTP_M_PATCH;
    case HTTP_DELETE:
        return HTTP_M_DELETE;
    case HTTP_OPTIONS:
        return HTTP_M_OPTIONS;
    default:
        return HTTP_M_OTHER;
    }
}

static bool is_api_path(const char *path)
{
    return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
}

/* A STREAM_BODY request's headers are in: admit it before reading its
 * body. With a pool, the exchange goes there and the parser pauses (the
 * body waits in c->pending, reading stops) until admit_done; without one
 * (tests, the fuzzer) the admission runs here. */
static int stream_admit(struct http_conn *c, struct http_exchange *x)
{
    struct http_engine *e = c->eng;
    x->stream = true;
    if (e->submit == NULL) {
        x->admit_rc = http_request_admit(&e->cfg, &x->req, &x->res);
        if (x->admit_rc != ERR_OK) {
            x->refused = true;
            return parse_fail(c, x->admit_rc); /* conn_fail keeps x->res */
        }
        x->admitted = true;
        return 0;
    }
    x->admitting = true;
    x->state = X_RUNNING;
    c->nrunning++;
    e->submit(e, x);
    return HPE_PAUSED;
}

/* Headers are in: fix pointers, route, and check the body limit early. */
static int on_headers_complete(llhttp_t *p)
{
    struct http_conn *c = pconn(p);
    struct http_engine *e = c->eng;
    struct http_exchange *x = c->cur;
    struct http_request *req = &x->req;

    x->headers_done = true;
    if (x->url_len == 0 || x->head.data == NULL)
        return parse_fail(c, ERR_BAD_REQUEST);
    size_t scratch = router_scratch_size(x->url_len);
    if (buf_reserve(&x->head, scratch + 1) != BUF_OK)
        return parse_fail(c, ERR_HEADERS_TOO_LARGE);

    /* Pointers into head are stable from here: nothing is appended. */
    char *base = x->head.data;
    for (int i = 0; i < req->nheaders; i++) {
        x->hdrs[i].name = base + x->hoff[i].name;
        x->hdrs[i].value = base + x->hoff[i].value;
    }
    req->headers = x->hdrs;
    /* the client behind a trusted proxy, for this request only: one
     * keep-alive connection from the proxy carries many clients */
    if (e->cfg.trusted_proxies != NULL && e->cfg.trusted_proxies->n > 0)
        http_proxy_client(e->cfg.trusted_proxies, c->remote, http_header(req, "x-real-ip"),
                          http_header(req, "x-forwarded-for"), req->remote_addr,
                          sizeof(req->remote_addr));
    req->target = base;
    uint8_t m = llhttp_get_method(p);
    req->method_str = llhttp_method_name((llhttp_method_t)m);
    req->method = method_from_llhttp(m);
    if (req->method == HTTP_M_HEAD) {
        req->method = HTTP_M_GET;
        req->is_head = true;
    }
    x->http10 = p->http_major == 1 && p->http_minor == 0;

    if (base[0] != '/')
        return parse_fail(c, ERR_BAD_REQUEST); /* absolute-form, "*", authority */
    const char *q = memchr(base, '?', x->url_len);
    size_t plen = q ? (size_t)(q - base) : x->url_len;
    req->query = q ? q + 1 : NULL;

    struct router_match mt;
    char *scr = base + x->head.len + 1;
    enum router_rc rc = router_match(e->router, req->method, base, plen, scr, scratch, &mt);
    req->path = mt.path;
    switch (rc) {
    case ROUTER_OK:
        req->route = mt.route;
        req->nparams = mt.nparams;
        for (int i = 0; i < mt.nparams; i++) {
            req->param_names[i] = mt.names[i];
            req->param_values[i] = mt.values[i];
        }
        if (mt.route->max_body > 0)
            x->max_body = mt.route->max_body;
        break;
    case ROUTER_NOT_FOUND:
        if (e->statics != NULL && req->method == HTTP_M_GET && !is_api_path(mt.path))
            x->is_static = true;
        else
            x->fail = ERR_NOT_FOUND;
        x->discard_body = true;
        break;
    case ROUTER_NOT_ALLOWED:
        x->fail = ERR_METHOD_NOT_ALLOWED;
        router_format_allow(mt.allow, x->allow_buf, sizeof(x->allow_buf));
        x->discard_body = true;
        break;
    case ROUTER_BAD_PATH:
    default:
        return parse_fail(c, ERR_BAD_REQUEST);
    }
    x->body.max = x->max_body;
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > x->max_body)
        return parse_fail(c, ERR_BODY_TOO_LARGE);
    if (x->fail == ERR_OK && !x->http10) {
        const char *ex = http_header(req, "expect");
        if (ex != NULL && strcasecmp(ex, "100-continue") == 0 &&
            ((p->flags & F_CHUNKED) || p->content_length > 0))
            x->expect_continue = true;
    }
    if (x->fail == ERR_OK && req->route != NULL && (req->route->flags & HTTP_ROUTE_STREAM_BODY))
        return stream_admit(c, x);
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n)
{
    struct http_conn *c = pconn(p);
    struct http_exchange *x = c->cur;
    x->body_seen += n;
    if (x->body_seen > x->max_body)
        return parse_fail(c, ERR_BODY_TOO_LARGE);
    if (x->discard_body)
        return 0;
    if (x->stream) {
        x->t_begin_ms = engine_now(c->eng); /* the timeout is per gap in a stream */
        enum err e = x->req.sink.write(x->req.sink.ctx, at, n);
        return e == ERR_OK ? 0 : parse_fail(c, e);
    }
    if (buf_append(&x->body, at, n) != BUF_OK)
        return parse_fail(c, ERR_BODY_TOO_LARGE);
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    struct http_conn *c = pconn(p);
    struct http_exchange *x = c->cur;
    c->cur = NULL;
    x->keep_alive = llhttp_should_keep_alive(p) && !p->upgrade;
    exchange_dispatch(x);
    if (!x->keep_alive || c->draining) {
        c->parse_dead = true; /* nothing after this request is read */
        return HPE_PAUSED;
    }
    if (c->nqueued >= CONN_MAX_PIPELINE)
        return HPE_PAUSED;
    return 0;
}

static const llhttp_settings_t parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_url_complete = on_url_complete,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* Ends parsing with an error answered in place of the current request. */
static void conn_fail(struct http_conn *c, enum err err)
{
    struct http_exchange *x = c->cur;
    c->parse_dead = true;
    c->cur = NULL;
    if (x == NULL) {
        x = exchange_get(c);
        if (x == NULL) {
            conn_close(c);
            return;
        }
        queue_push(c, x);
    }
    x->fail = err;
    x->keep_alive = false;
    x->expect_continue = false;
    c->linger = true; /* the client may still be sending */
    if (!x->refused)
        exchange_error(x, err); /* a refused admission wrote its own answer */
    x->state = X_DONE;
    if (!c->read_stopped && !c->closing) {
        c->read_stopped = true;
        c->io->read_stop(c);
    }
}

static void pending_keep(struct http_conn *c, const char *data, size_t len)
{
    if (len == 0)
        return;
    if (c->pending.max == 0)
        buf_init(&c->pending, c->eng->cfg.max_header_bytes + c->eng->cfg.max_body + 65536);
    if (buf_append(&c->pending, data, len) != BUF_OK)
        conn_close(c);
}

static void conn_parse(struct http_conn *c, const char *data, size_t len)
{
    enum llhttp_errno rc = llhttp_execute(&c->parser, data, len);
    if (rc == HPE_OK)
        return;
    if (rc == HPE_PAUSED) {
        const char *pos = llhttp_get_error_pos(&c->parser);
        size_t used = pos ? (size_t)(pos - data) : len;
        if (used > len)
            used = len;
        c->paused = true;
        if (!c->parse_dead) {
            pending_keep(c, data + used, len - used);
            if (!c->read_stopped && !c->closing) {
                c->read_stopped = true;
                c->io->read_stop(c);
            }
        }
        return;
    }
    if (rc == HPE_PAUSED_UPGRADE) {
        c->parse_dead = true; /* the request was answered; nothing follows */
        return;
    }
    conn_fail(c, c->fatal != ERR_OK ? c->fatal : ERR_BAD_REQUEST);
}

/* Feeds bytes kept while paused, once the queue has room again. */
/* A streamed request's admission is on the pool: parsing waits for it. */
static bool conn_admitting(const struct http_conn *c)
{
    return c->cur != NULL && c->cur->admitting;
}

static void conn_resume(struct http_conn *c)
{
    if (!c->paused || c->parse_dead || c->closing || c->nqueued >= CONN_MAX_PIPELINE ||
        conn_admitting(c))
        return;
    c->paused = false;
    llhttp_resume(&c->parser);
    if (c->pending.len > 0) {
        size_t n = 0;
        char *p = buf_detach(&c->pending, &n);
        conn_parse(c, p, n);
        free(p);
    }
    if (!c->paused && !c->parse_dead && !c->closing && c->read_stopped) {
        c->read_stopped = false;
        c->io->read_start(c);
    }
}

/* ---- writing ------------------------------------------------------------ */

static const struct sse_sub_ops conn_sse_ops;

/* Turns the connection into an event stream for x (the queue's head). */
static int conn_become_sse(struct http_conn *c, struct http_exchange *x)
{
    struct http_engine *e = c->eng;
    struct sse_sub *sub = calloc(1, sizeof(*sub));
    if (sub == NULL || exchange_build_head(x, false, true) != 0) {
        free(sub);
        return -1;
    }
    sub->ops = &conn_sse_ops;
    sub->owner = c;
    c->sub = sub;
    if (sse_sub_attach(e->hub, sub, x->res.sse_topic, x->res.sse_last_id, x->out.data,
                       x->out.len) != 0) {
        c->sub = NULL;
        free(sub);
        return -1;
    }
    c->parse_dead = true;
    exchange_log(x, 0);
    queue_drop_all(c); /* x and anything pipelined after it */
    if (c->read_stopped && !c->closing) {
        c->read_stopped = false; /* keep reading, to see the client leave */
        c->io->read_start(c);
    }
    return 0;
}

/* The pending write is done: recycle what it carried. */
static void conn_write_complete(struct http_conn *c)
{
    for (int i = 0; i < c->nwriting; i++)
        exchange_put(c->eng, queue_pop(c));
    c->nwriting = 0;
    c->writing = false;
    c->active_ms = engine_now(c->eng);
    if (!c->close_after_write)
        return;
    if (c->linger && c->io->shutdown != NULL && !c->peer_eof && !c->closing) {
        /* Half-close and drop input for a while: closing with unread bytes
         * would send a reset that can destroy the answer in flight. */
        c->lingering = true;
        c->linger_ms = c->active_ms;
        c->io->shutdown(c);
        if (c->read_stopped && !c->closing) {
            c->read_stopped = false;
            c->io->read_start(c);
        }
        return;
    }
    conn_close(c);
}

static void conn_flush(struct http_conn *c)
{
    struct http_engine *e = c->eng;
    while (!c->writing && !c->closing && c->sub == NULL) {
        struct iovec iov[CONN_MAX_IOVS];
        int n = 0;
        int nx = 0;
        struct http_exchange *x = c->qhead;

        if (x != NULL && x->state == X_PARSING && x->expect_continue && !x->continue_sent &&
            x->headers_done) {
            /* The client waits for this before sending the body. */
            x->continue_sent = true;
            iov[n].iov_base = (void *)(uintptr_t)CONTINUE_100;
            iov[n].iov_len = sizeof(CONTINUE_100) - 1;
            n++;
            x = NULL;
        }
        for (; x != NULL && x->state == X_DONE && n + 2 <= CONN_MAX_IOVS; x = x->next) {
            if (x->res.sse_topic != NULL && !x->req.is_head) {
                if (nx > 0)
                    break; /* write what precedes the stream first */
                if (conn_become_sse(c, x) == 0)
                    return;
                exchange_error(x, ERR_SHUTTING_DOWN);
                x->keep_alive = false;
            }
            bool last = x->next == NULL && c->cur == NULL;
            bool ka = x->keep_alive && !(last && (c->draining || c->peer_eof));
            if (exchange_build_head(x, ka, false) != 0) {
                exchange_error(x, ERR_INTERNAL);
                ka = false;
                if (exchange_build_head(x, ka, false) != 0) {
                    conn_close(c);
                    return;
                }
            }
            iov[n].iov_base = x->out.data;
            iov[n].iov_len = x->out.len;
            n++;
            size_t blen = x->ext_body ? x->ext_len : x->res.body.len;
            const char *body = x->ext_body ? x->ext_body : x->res.body.data;
            size_t sent = 0;
            if (!x->req.is_head && status_has_body(x->res.status) && blen > 0) {
                iov[n].iov_base = (void *)(uintptr_t)body;
                iov[n].iov_len = blen;
                n++;
                sent = blen;
            }
            exchange_log(x, sent);
            nx++;
            if (!ka) {
                c->close_after_write = true;
                break;
            }
        }
        if (n == 0)
            break;
        c->writing = true;
        c->nwriting = nx;
        c->write_ms = engine_now(e);
        int rc = c->io->write(c, iov, n);
        if (rc < 0) {
            c->writing = false;
            conn_close(c);
            return;
        }
        if (rc == 0)
            return; /* conn_on_written */
        conn_write_complete(c);
    }
    if (!c->closing && c->sub == NULL && !c->writing && c->qhead == NULL && !c->lingering &&
        (c->draining || c->parse_dead || (c->peer_eof && !c->paused)))
        conn_close(c);
}

/* Parses what waits and writes what is ready, until nothing changes. */
static void conn_run(struct http_conn *c)
{
    if (c->in_run) {
        c->run_again = true;
        return;
    }
    c->in_run = true;
    do {
        c->run_again = false;
        if (c->closing)
            break;
        conn_resume(c);
        if (c->peer_eof && !c->paused && c->cur != NULL)
            conn_fail(c, ERR_BAD_REQUEST); /* half a request, and no more coming */
        conn_flush(c);
        /* A write that completed at once may have made room for requests
         * waiting in c->pending: parse them now, no read will come. */
    } while (c->run_again || (c->paused && !c->parse_dead && !c->closing &&
                              c->nqueued < CONN_MAX_PIPELINE && !conn_admitting(c)));
    c->in_run = false;
}

/* ---- SSE operations ------------------------------------------------------ */

static int conn_sse_write(struct sse_sub *sub, const struct iovec *iov, int n)
{
    struct http_conn *c = sub->owner;
    if (c->closing)
        return -1;
    return c->io->write(c, iov, n);
}

static void conn_sse_drop(struct sse_sub *sub)
{
    conn_close(sub->owner);
}

static const struct sse_sub_ops conn_sse_ops = {conn_sse_write, conn_sse_drop};

/* ---- entry points --------------------------------------------------------- */

void conn_init(struct http_conn *c, struct http_engine *e, const struct http_io *io,
               const char *remote)
{
    memset(c, 0, sizeof(*c));
    c->io = io;
    c->eng = e;
    llhttp_init(&c->parser, HTTP_REQUEST, &parser_settings);
    c->parser.data = c;
    c->active_ms = engine_now(e);
    size_t rl = remote ? strlen(remote) : 0;
    if (rl >= sizeof(c->remote))
        rl = sizeof(c->remote) - 1;
    if (rl > 0)
        memcpy(c->remote, remote, rl);
    c->remote[rl] = '\0';
    c->next = e->conns;
    if (e->conns != NULL)
        e->conns->prev = c;
    e->conns = c;
    e->nconns++;
    if (e->stopping)
        c->draining = true;
}

void conn_feed(struct http_conn *c, const char *data, size_t len)
{
    if (c->closing || len == 0)
        return;
    c->active_ms = engine_now(c->eng);
    if (c->sub != NULL || c->parse_dead)
        return; /* an event stream, or past the last request: ignored */
    if (c->paused) {
        pending_keep(c, data, len);
        return;
    }
    c->in_run = true; /* one flush after the whole read */
    conn_parse(c, data, len);
    c->in_run = false;
    conn_run(c);
}

void conn_on_eof(struct http_conn *c)
{
    if (c->closing)
        return;
    c->peer_eof = true;
    if (c->sub != NULL || c->qhead == NULL) {
        conn_close(c);
        return;
    }
    conn_run(c);
}

void conn_on_written(struct http_conn *c, int status)
{
    if (c->sub != NULL) {
        sse_sub_on_written(c->sub, status);
        return;
    }
    if (!c->writing)
        return;
    if (status < 0) {
        c->writing = false;
        c->nwriting = 0;
        conn_close(c);
        return;
    }
    conn_write_complete(c);
    conn_run(c);
}

void conn_close(struct http_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    c->io->close(c);
}

void conn_on_closed(struct http_conn *c)
{
    if (c->closed)
        return;
    c->closed = true;
    c->closing = true;
    if (c->sub != NULL) {
        sse_sub_detach(c->sub);
        free(c->sub);
        c->sub = NULL;
    }
    queue_drop_all(c);
    buf_release(&c->pending);
    conn_finish(c);
}

/* ---- timers and stop ------------------------------------------------------ */

static void conn_tick(struct http_conn *c, uint64_t now)
{
    const struct http_config *k = &c->eng->cfg;
    if (c->closing || c->sub != NULL)
        return;
    if (c->lingering) {
        if (now - c->linger_ms >= CONN_LINGER_MS || c->draining)
            conn_close(c);
        return;
    }
    if (c->writing) {
        if (now - c->write_ms >= k->idle_timeout_ms)
            conn_close(c); /* the client stopped reading */
        return;
    }
    if (c->cur != NULL) {
        if (c->cur->admitting)
            return; /* a worker decides; the body has not begun */
        if (now - c->cur->t_begin_ms >= k->request_timeout_ms) {
            conn_fail(c, ERR_REQUEST_TIMEOUT);
            conn_run(c);
        }
        return;
    }
    if (c->qhead != NULL)
        return; /* answers are being made */
    uint64_t limit = k->idle_timeout_ms;
    if (!c->started && k->request_timeout_ms < limit)
        limit = k->request_timeout_ms; /* a new connection must speak soon */
    if (now - c->active_ms >= limit)
        conn_close(c);
}

void http_engine_tick(struct http_engine *e)
{
    uint64_t now = engine_now(e);
    for (struct http_conn *c = e->conns; c != NULL; c = c->next)
        conn_tick(c, now);
}

void http_engine_stop(struct http_engine *e)
{
    e->stopping = true;
    for (struct http_conn *c = e->conns; c != NULL; c = c->next) {
        c->draining = true;
        if (c->closing)
            continue;
        if (c->sub != NULL || (c->cur == NULL && c->qhead == NULL && !c->writing)) {
            conn_close(c);
            continue;
        }
        if (c->paused)
            c->parse_dead = true;
        conn_run(c);
    }
    if (e->nconns == 0 && e->on_drained != NULL)
        e->on_drained(e);
}
