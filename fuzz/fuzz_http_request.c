/*
 * fuzz_http_request.c — libFuzzer target for the HTTP/1.1 request parser and
 * connection state machine (http/conn.h), fed straight through the
 * in-memory transport (http/memconn.h): no sockets, no threads, handlers run
 * synchronously.
 *
 * The input is the byte stream a client sends on one connection. It is fed
 * three times, to three connections:
 *   A. in one piece, then the client half-closes;
 *   B. in small pieces (1..7 bytes, from the input's length), then half-closes;
 *   C. in one piece over a transport that can half-close (so an error answer
 *      lingers), then an event is published and the clock jumps past every
 *      timeout.
 * Besides "does not crash, leak or trip a sanitizer", it checks that:
 *   - whatever the server writes starts with a status line "HTTP/1.1 NNN ";
 *   - A and B wrote the same bytes, once request ids, dates and interim
 *     "100 Continue" lines are masked: how bytes are split into reads never
 *     changes the answers — except which of 400/413/431 ends a broken
 *     request (a limit may trip on a partial header before the parser meets
 *     the bad byte), so both are compared up to that final error;
 *   - every connection ends released, with nothing left on the engine.
 *
 * Seeds: fuzz/corpus/http_request/ (realistic requests: pipelined, chunked,
 * malformed). Dictionary: fuzz/dict/http_request.dict.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/conn.h"
#include "http/memconn.h"
#include "http/router.h"
#include "http/sse_internal.h"
#include "http/static.h"

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
    const char *id = http_param(req, "id");
    const char *q = http_query(req, "q");
    const char *c = http_cookie(req, "s");
    buf_printf(&res->body, "%s|%s|%s|%s", id ? id : "", q ? q : "", c ? c : "",
               req->who ? req->who->username : "-");
    http_res_header(res, "X-Item", id ? id : "");
}

static void h_stream(struct http_request *req, struct http_response *res)
{
    res->sse_topic = "t";
    (void)req;
}

static void h_rest(struct http_request *req, struct http_response *res)
{
    const char *rest = http_param(req, "*");
    buf_puts(&res->body, rest ? rest : "");
}

static void h_status(struct http_request *req, struct http_response *res)
{
    const char *code = http_param(req, "code");
    res->status = (int)strtol(code ? code : "200", NULL, 10);
    if (res->status == 418)
        http_res_error_field(res, ERR_INVALID_FIELD, "code", "teapot");
    else
        buf_puts(&res->body, "status");
}

/* A streamed upload (HTTP_ROUTE_STREAM_BODY): /api/upload/no is refused at
 * admission; otherwise the body goes to a heap sink that refuses a '!' byte
 * (an early refusal half-way), and must be released exactly once (LeakSanitizer
 * finds a missed release, ASan a double one). */
struct up_sink {
    size_t n;
};

static enum err up_write(void *ctx, const void *p, size_t n)
{
    struct up_sink *u = ctx;
    if (memchr(p, '!', n) != NULL)
        return ERR_INVALID_FIELD;
    u->n += n;
    return ERR_OK;
}

static void up_release(void *ctx)
{
    free(ctx);
}

static void h_upload(struct http_request *req, struct http_response *res)
{
    if (req->admitting) {
        const char *mode = http_param(req, "mode");
        if (mode != NULL && strcmp(mode, "no") == 0) {
            http_res_error_field(res, ERR_NOT_REGISTERED, "mode", "refused before the body");
            return;
        }
        struct up_sink *u = calloc(1, sizeof(*u));
        if (u == NULL) {
            http_res_error(res, ERR_OVERLOADED, NULL);
            return;
        }
        req->sink.write = up_write;
        req->sink.release = up_release;
        req->sink.ctx = u;
        return;
    }
    const struct up_sink *u = req->sink.ctx;
    buf_printf(&res->body, "{\"got\":%zu}", u ? u->n : (size_t)0);
}

static enum err owner_check(struct http_request *req)
{
    const char *id = http_param(req, "id");
    return id && strcmp(id, "mine") == 0 ? ERR_OK : ERR_NOT_OWNER;
}

static enum err authenticate(struct http_request *req, struct http_principal **out)
{
    static struct http_principal bearer = {1, 1, ROLE_ADMIN, "admin", NULL, false, 1};
    const char *auth = http_header(req, "authorization");
    const char *cookie = http_cookie(req, "s");
    *out = NULL;
    if (auth != NULL && strcmp(auth, "Bearer good") == 0) {
        *out = &bearer;
    } else if (cookie != NULL && strcmp(cookie, "good") == 0) {
        struct http_principal *p = arena_calloc(req->arena, sizeof(*p));
        if (p == NULL)
            return ERR_INTERNAL;
        p->user_id = 2;
        p->roles = ROLE_BIDDER;
        p->username = "bidder";
        p->csrf_token = "tok";
        p->via_cookie = true;
        *out = p;
    } else if (auth != NULL || cookie != NULL) {
        return ERR_SESSION_EXPIRED;
    }
    return ERR_OK;
}

static const struct http_route routes[] = {
    {HTTP_M_GET, "/api/health", h_hello, HTTP_ANON, NULL, 0, HTTP_ROUTE_INLINE, "health"},
    {HTTP_M_POST, "/api/echo", h_echo, HTTP_ANON, NULL, 256, HTTP_ROUTE_RAW_BODY, "echo"},
    {HTTP_M_POST, "/api/json", h_echo, ROLE_ALL, NULL, 0, 0, "json"},
    {HTTP_M_GET, "/api/items/:id", h_item, HTTP_ANON, NULL, 0, 0, "item"},
    {HTTP_M_PUT, "/api/items/:id", h_item, ROLE_BIDDER, owner_check, 0, 0, "item.put"},
    {HTTP_M_DELETE, "/api/items/:id", h_item, ROLE_ADMIN, NULL, 0, 0, "item.del"},
    {HTTP_M_POST, "/api/login", h_hello, HTTP_ANON, NULL, 0, HTTP_ROUTE_NO_CSRF, "login"},
    {HTTP_M_GET, "/api/nobody", h_hello, 0, NULL, 0, 0, "nobody"},
    {HTTP_M_GET, "/api/events", h_stream, HTTP_ANON, NULL, 0, 0, "events"},
    {HTTP_M_GET, "/api/files/*", h_rest, HTTP_ANON, NULL, 0, 0, "files"},
    {HTTP_M_GET, "/api/status/:code", h_status, HTTP_ANON, NULL, 0, 0, "status"},
    {HTTP_M_PUT, "/api/upload/:mode", h_upload, HTTP_ANON, NULL, 4096, HTTP_ROUTE_STREAM_BODY,
     "upload"},
};

static struct http_engine engine;
static struct router *router;
static struct sse_hub *hub;
static struct static_files *statics;
static uint64_t fake_ms;

static uint64_t fake_now(struct http_engine *e)
{
    (void)e;
    return fake_ms;
}

static void setup_once(void)
{
    char err[256];
    struct http_config cfg = {0};
    cfg.max_header_bytes = 2048;
    cfg.max_headers = 16;
    cfg.max_body = 4096;
    cfg.max_response = 65536;
    cfg.authenticate = authenticate;
    http_engine_init(&engine, &cfg);
    router = router_new(routes, sizeof(routes) / sizeof(routes[0]), err, sizeof(err));
    if (router == NULL)
        abort();
    hub = sse_hub_new(2048, 8, NULL, NULL);
    if (hub == NULL)
        abort();
#ifdef SUNBID_SOURCE_DIR
    statics = static_load(SUNBID_SOURCE_DIR "/web", err, sizeof(err));
#endif
    engine.router = router;
    engine.hub = hub;
    engine.statics = statics;
    engine.now_ms = fake_now;
    sse_publish(hub, "t", "seed", "replayed", 8);
    sse_hub_drain(hub);
}

/* Cuts the output at the first 400, 413 or 431. Which of these a broken
 * request earns may depend on where reads split it (a limit is seen on a
 * partial header before the parser meets the bad byte that ends it whole),
 * and nothing follows them. Returns 1 if it cut. */
static int cut_at_fatal(struct buf *b)
{
    static const char *const fatal[] = {"HTTP/1.1 400 ", "HTTP/1.1 413 ", "HTTP/1.1 431 "};
    size_t at = b->len;
    for (size_t f = 0; f < 3; f++) {
        const char *p = b->len ? memmem(b->data, b->len, fatal[f], 13) : NULL;
        if (p != NULL && (size_t)(p - b->data) < at)
            at = (size_t)(p - b->data);
    }
    if (at == b->len)
        return 0;
    b->len = at;
    return 1;
}

/* Masks what legitimately differs between two runs. */
static void mask(struct buf *b)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    size_t w = 0;
    for (size_t r = 0; r < b->len;) {
        if (b->len - r >= sizeof(cont) - 1 && memcmp(b->data + r, cont, sizeof(cont) - 1) == 0) {
            r += sizeof(cont) - 1;
            continue;
        }
        b->data[w++] = b->data[r++];
    }
    b->len = w;
    static const struct {
        const char *key;
        size_t n;
    } fields[] = {{"\r\nX-Request-Id: ", 16}, {"\r\nDate: ", 29}};
    for (size_t f = 0; f < 2; f++) {
        size_t kl = strlen(fields[f].key);
        for (size_t i = 0; i + kl + fields[f].n <= b->len; i++) {
            if (memcmp(b->data + i, fields[f].key, kl) == 0)
                memset(b->data + i + kl, '0', fields[f].n);
        }
    }
}

static void check_output(const struct buf *out)
{
    if (out->len > 0 && (out->len < 13 || memcmp(out->data, "HTTP/1.1 ", 9) != 0))
        abort();
}

static void finish(struct memconn *m)
{
    memconn_finish(m);
    if (!m->released)
        abort(); /* no pool here: release is immediate */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    struct memconn a, b, c;
    if (!ready) {
        setup_once();
        ready = 1;
    }
    fake_ms = 1000;

    memconn_open(&a, &engine, 1u << 20);
    memconn_feed(&a, data, size);
    memconn_eof(&a);
    check_output(&a.out);

    memconn_open(&b, &engine, 1u << 20);
    size_t step = size % 7 + 1;
    for (size_t off = 0; off < size; off += step)
        memconn_feed(&b, data + off, size - off < step ? size - off : step);
    memconn_eof(&b);
    check_output(&b.out);

    mask(&a.out);
    mask(&b.out);
    int cut_a = cut_at_fatal(&a.out);
    int cut_b = cut_at_fatal(&b.out);
    if (cut_a != cut_b || a.out.len != b.out.len ||
        (a.out.len > 0 && memcmp(a.out.data, b.out.data, a.out.len))) {
        if (getenv("FUZZ_HTTP_DEBUG") != NULL)
            fprintf(stderr, "--- whole:\n%s\n--- split by %zu:\n%s\n", a.out.data ? a.out.data : "",
                    step, b.out.data ? b.out.data : "");
        abort(); /* the split of the input changed the answers */
    }

    memconn_open(&c, &engine, 1u << 20);
    memconn_allow_linger(&c); /* an error answer half-closes, as over TCP */
    memconn_feed(&c, data, size);
    sse_publish(hub, "t", "live", "x\ny", 3); /* a stream, if C opened one, gets it */
    sse_hub_drain(hub);
    fake_ms += 120000;
    http_engine_tick(&engine);
    check_output(&c.out);

    finish(&a);
    finish(&b);
    finish(&c);
    memconn_release(&a);
    memconn_release(&b);
    memconn_release(&c);
    if (engine.nconns != 0)
        abort();
    return 0;
}
