/*
 * server.c — the libuv side of the HTTP server: the loop, the listening
 * socket, TCP connections as struct http_io, the worker pool, timers, the
 * SSE hub's wake-up and graceful stop. The protocol itself is in conn.c.
 *
 * Owns: the loop and its handles, the engine, the router, the static files,
 * the hub, every connection (struct sconn: a uv_tcp_t and a struct
 * http_conn), and one shared read buffer.
 *
 *   handle         what for
 *   listener       accept; TCP_NODELAY on each connection
 *   tick_timer     idle / request / write timeouts (http_engine_tick)
 *   hb_timer       SSE heartbeats
 *   hub_async      publishers wake the loop to fan out events
 *   stop_async     http_server_stop from any thread
 *   flush_check    after each poll: write what the pool finished, so that
 *                  several responses of one connection leave in one writev
 *   pool.async     (pool.c) workers hand finished exchanges back, in batches
 *   pool.kick      (pool.c) a uv_prepare: once per iteration, just before
 *                  the poll, wakes a worker for what the iteration submitted
 *
 * Reads use one buffer for every connection: libuv calls alloc then read
 * synchronously on the loop, and conn_feed copies whatever must outlive the
 * call, so an idle connection holds no read buffer at all. Writes try
 * uv_try_write first (one writev, no request object) and queue only the
 * rest with uv_write.
 *
 * Threads: http_server_new/run/free on the owner's thread (run on the loop
 * thread it becomes); http_server_stop, http_server_ready, http_server_hub
 * and sse_publish from any thread. The pool (pool.c, cfg->workers threads,
 * started in http_server_new, joined in http_server_free after the loop has
 * finished) runs exchange_run only; conn_exchange_done runs on the loop.
 */
#include <signal.h>
#include <stdatomic.h>

#include "base/log.h"
#include "http/conn.h"
#include "http/router.h"
#include "http/sse_internal.h"
#include "http/static.h"

#define READ_BUF_SIZE  (64u << 10)
#define LISTEN_BACKLOG 1024

struct http_server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_timer_t tick_timer;
    uv_timer_t hb_timer;
    uv_async_t hub_async;
    uv_async_t stop_async;
    uv_check_t flush_check;
    struct http_pool pool; /* the worker threads; handlers run there */
    struct http_engine eng;
    struct router *router;
    struct static_files *statics;
    struct sse_hub *hub;
    char *rbuf;          /* the shared read buffer */
    int port;            /* bound port */
    atomic_bool ready;   /* /api/health says 200 */
    bool stopping;       /* stop began on the loop */
    bool handles_closed; /* the fixed handles are closing */
    bool loop_inited;    /* uv_loop_init succeeded */
    bool pool_inited;    /* http_pool_init was called (stop and release it) */
};

/* A TCP connection: the handle and the protocol state. */
struct sconn {
    uv_tcp_t tcp;          /* tcp.data = this */
    struct http_conn conn; /* conn.eng->owner = the server */
};

static struct sconn *sconn_of(struct http_conn *c)
{
    return (struct sconn *)((char *)c - offsetof(struct sconn, conn));
}

static struct http_server *server_of(struct http_engine *e)
{
    return e->owner;
}

/* ---- transport ------------------------------------------------------------ */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct sconn *sc = h->data;
    struct http_server *s = server_of(sc->conn.eng);
    buf->base = s->rbuf;
    buf->len = READ_BUF_SIZE;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct sconn *sc = st->data;
    if (nread > 0)
        conn_feed(&sc->conn, buf->base, (size_t)nread);
    else if (nread == UV_EOF)
        conn_on_eof(&sc->conn);
    else if (nread < 0)
        conn_close(&sc->conn);
}

static void on_write(uv_write_t *req, int status)
{
    struct sconn *sc = req->data;
    free(req);
    conn_on_written(&sc->conn, status);
}

static int tcp_write(struct http_conn *c, const struct iovec *iov, int n)
{
    struct sconn *sc = sconn_of(c);
    uv_buf_t bufs[CONN_MAX_IOVS];
    size_t total = 0;
    if (n > CONN_MAX_IOVS)
        return -1;
    for (int i = 0; i < n; i++) {
        bufs[i] = uv_buf_init(iov[i].iov_base, (unsigned int)iov[i].iov_len);
        total += iov[i].iov_len;
    }
    int r = uv_try_write((uv_stream_t *)&sc->tcp, bufs, (unsigned int)n);
    if (r < 0 && r != UV_EAGAIN)
        return -1;
    size_t done = r > 0 ? (size_t)r : 0;
    if (done == total)
        return 1;
    /* Queue the rest. */
    int i = 0;
    while (done >= bufs[i].len) {
        done -= bufs[i].len;
        i++;
    }
    bufs[i].base += done;
    bufs[i].len -= (unsigned int)done;
    uv_write_t *req = malloc(sizeof(*req));
    if (req == NULL)
        return -1;
    req->data = sc;
    if (uv_write(req, (uv_stream_t *)&sc->tcp, bufs + i, (unsigned int)(n - i), on_write) != 0) {
        free(req);
        return -1;
    }
    return 0;
}

static void on_tcp_closed(uv_handle_t *h)
{
    struct sconn *sc = h->data;
    conn_on_closed(&sc->conn);
}

static void tcp_close(struct http_conn *c)
{
    struct sconn *sc = sconn_of(c);
    uv_close((uv_handle_t *)&sc->tcp, on_tcp_closed);
}

static void tcp_read_stop(struct http_conn *c)
{
    uv_read_stop((uv_stream_t *)&sconn_of(c)->tcp);
}

static void tcp_read_start(struct http_conn *c)
{
    uv_read_start((uv_stream_t *)&sconn_of(c)->tcp, on_alloc, on_read);
}

static void tcp_release(struct http_conn *c)
{
    free(sconn_of(c));
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    free(req); /* the connection closes on EOF or when lingering ends */
}

static void tcp_shutdown(struct http_conn *c)
{
    struct sconn *sc = sconn_of(c);
    uv_shutdown_t *req = malloc(sizeof(*req));
    if (req == NULL || uv_shutdown(req, (uv_stream_t *)&sc->tcp, on_shutdown) != 0) {
        free(req);
        conn_close(c);
    }
}

static const struct http_io tcp_io = {tcp_write,      tcp_close,   tcp_read_stop,
                                      tcp_read_start, tcp_release, tcp_shutdown};

/* ---- accept --------------------------------------------------------------- */

static void on_refused_closed(uv_handle_t *h)
{
    free(h);
}

static void peer_name(uv_tcp_t *t, char *out, size_t outlen)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    out[0] = '\0';
    if (uv_tcp_getpeername(t, (struct sockaddr *)&ss, &len) != 0)
        return;
    if (ss.ss_family == AF_INET) {
        uv_ip4_name((struct sockaddr_in *)&ss, out, outlen);
    } else if (ss.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, out, outlen);
        if (strncmp(out, "::ffff:", 7) == 0 && strchr(out + 7, '.') != NULL)
            memmove(out, out + 7, strlen(out + 7) + 1); /* mapped IPv4 */
    }
}

static void on_connection(uv_stream_t *ls, int status)
{
    struct http_server *s = ls->data;
    if (status < 0)
        return;
    struct sconn *sc = malloc(sizeof(*sc));
    if (sc == NULL)
        return;
    uv_tcp_init(&s->loop, &sc->tcp);
    sc->tcp.data = sc;
    if (uv_accept(ls, (uv_stream_t *)&sc->tcp) != 0 || s->stopping ||
        s->eng.nconns >= (size_t)s->eng.cfg.max_connections) {
        /* Over the limit: accept and close at once rather than leave it
         * in the backlog. */
        uv_close((uv_handle_t *)&sc->tcp, on_refused_closed);
        return;
    }
    uv_tcp_nodelay(&sc->tcp, 1);
    char remote[64];
    peer_name(&sc->tcp, remote, sizeof(remote));
    conn_init(&sc->conn, &s->eng, &tcp_io, remote);
    if (uv_read_start((uv_stream_t *)&sc->tcp, on_alloc, on_read) != 0)
        conn_close(&sc->conn);
}

/* ---- pool ----------------------------------------------------------------- */

static struct http_exchange *exchange_of(struct http_pool_task *t)
{
    return (struct http_exchange *)((char *)t - offsetof(struct http_exchange, task));
}

static void on_task_run(struct http_pool_task *t)
{
    exchange_run(exchange_of(t));
}

static void on_task_done(struct http_pool_task *t)
{
    conn_exchange_done(exchange_of(t));
}

static void engine_submit(struct http_engine *e, struct http_exchange *x)
{
    struct http_server *s = server_of(e);
    x->task.run = on_task_run;
    x->task.done = on_task_done;
    if (http_pool_submit(&s->pool, &x->task) != 0) {
        exchange_run(x); /* the pool is stopped (freeing the server): stay correct */
        conn_exchange_done(x);
    }
}

static uint64_t engine_now_uv(struct http_engine *e)
{
    return uv_now(&server_of(e)->loop);
}

/* ---- timers, wake-ups, stop ------------------------------------------------ */

static void on_tick(uv_timer_t *t)
{
    struct http_server *s = t->data;
    http_engine_tick(&s->eng);
}

static void on_heartbeat(uv_timer_t *t)
{
    struct http_server *s = t->data;
    sse_hub_heartbeat(s->hub);
}

static void on_hub_async(uv_async_t *a)
{
    struct http_server *s = a->data;
    sse_hub_drain(s->hub);
}

static void hub_wake(void *ctx)
{
    struct http_server *s = ctx;
    uv_async_send(&s->hub_async);
}

static void on_flush_check(uv_check_t *c)
{
    struct http_server *s = c->data;
    http_engine_flush(&s->eng);
}

static void on_handle_closed(uv_handle_t *h)
{
    (void)h; /* the handles live inside the server; nothing to free */
}

static void close_if_open(uv_handle_t *h, uv_close_cb cb)
{
    if (h->type != UV_UNKNOWN_HANDLE && !uv_is_closing(h))
        uv_close(h, cb);
}

/* Closes the server's own handles; uv_run returns once pool work is done. */
static void server_close_handles(struct http_server *s)
{
    if (s->handles_closed)
        return;
    s->handles_closed = true;
    close_if_open((uv_handle_t *)&s->tick_timer, on_handle_closed);
    close_if_open((uv_handle_t *)&s->hb_timer, on_handle_closed);
    close_if_open((uv_handle_t *)&s->hub_async, on_handle_closed);
    close_if_open((uv_handle_t *)&s->stop_async, on_handle_closed);
    close_if_open((uv_handle_t *)&s->flush_check, on_handle_closed);
}

static void on_drained(struct http_engine *e)
{
    struct http_server *s = server_of(e);
    /* Deliver what publishers queued before the hub stopped, then close. */
    server_close_handles(s);
}

static void server_stop_on_loop(struct http_server *s)
{
    if (s->stopping)
        return;
    s->stopping = true;
    close_if_open((uv_handle_t *)&s->listener, on_handle_closed);
    sse_hub_stop(s->hub); /* drops every stream */
    http_engine_stop(&s->eng);
}

static void on_stop_async(uv_async_t *a)
{
    server_stop_on_loop(a->data);
}

/* ---- public --------------------------------------------------------------- */

static int init_handles(struct http_server *s, char *err, size_t errlen)
{
    int r = 0;
    uv_timer_init(&s->loop, &s->tick_timer);
    uv_timer_init(&s->loop, &s->hb_timer);
    uv_check_init(&s->loop, &s->flush_check);
    r = uv_async_init(&s->loop, &s->hub_async, on_hub_async);
    if (r == 0)
        r = uv_async_init(&s->loop, &s->stop_async, on_stop_async);
    s->tick_timer.data = s->hb_timer.data = s->flush_check.data = s;
    s->hub_async.data = s->stop_async.data = s;
    if (r != 0) {
        snprintf(err, errlen, "uv_async_init: %s", uv_strerror(r));
        return -1;
    }
    const struct http_config *k = &s->eng.cfg;
    uint64_t period =
        k->idle_timeout_ms < k->request_timeout_ms ? k->idle_timeout_ms : k->request_timeout_ms;
    period /= 4;
    if (period < 10)
        period = 10;
    if (period > 1000)
        period = 1000;
    uv_timer_start(&s->tick_timer, on_tick, period, period);
    uv_timer_start(&s->hb_timer, on_heartbeat, k->sse_heartbeat_ms, k->sse_heartbeat_ms);
    uv_check_start(&s->flush_check, on_flush_check);
    uv_unref((uv_handle_t *)&s->flush_check);
    return 0;
}

static int bind_listener(struct http_server *s, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    const struct http_config *k = &s->eng.cfg;
    int r;
    if (strchr(k->host, ':') != NULL)
        r = uv_ip6_addr(k->host, k->port, (struct sockaddr_in6 *)&ss);
    else
        r = uv_ip4_addr(k->host, k->port, (struct sockaddr_in *)&ss);
    if (r != 0) {
        snprintf(err, errlen, "bad listen address %s: %s", k->host, uv_strerror(r));
        return -1;
    }
    uv_tcp_init(&s->loop, &s->listener);
    s->listener.data = s;
    r = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0);
    if (r == 0)
        r = uv_listen((uv_stream_t *)&s->listener, LISTEN_BACKLOG, on_connection);
    if (r != 0) {
        snprintf(err, errlen, "listen on %s:%d: %s", k->host, k->port, uv_strerror(r));
        return -1;
    }
    int len = sizeof(ss);
    if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET)
            s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else
            s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return 0;
}

struct http_server *http_server_new(const struct http_config *cfg, const struct http_route *routes,
                                    size_t nroutes, char *err, size_t errlen)
{
    struct http_server *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    http_engine_init(&s->eng, cfg);
    s->eng.owner = s;
    s->eng.submit = engine_submit;
    s->eng.now_ms = engine_now_uv;
    s->eng.on_drained = on_drained;
    s->eng.defer_flush = true;

    signal(SIGPIPE, SIG_IGN); /* a peer that left is an EPIPE, not a signal */

    int r = uv_loop_init(&s->loop);
    if (r != 0) {
        snprintf(err, errlen, "uv_loop_init: %s", uv_strerror(r));
        free(s);
        return NULL;
    }
    s->loop_inited = true;
    s->rbuf = malloc(READ_BUF_SIZE);
    if (s->rbuf == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    s->router = router_new(routes, nroutes, err, errlen);
    if (s->router == NULL)
        goto fail;
    s->eng.router = s->router;
    for (size_t i = 0; i < nroutes; i++) {
        if ((routes[i].flags & HTTP_ROUTE_INLINE) && !(routes[i].roles & HTTP_ANON))
            log_warn("inline route %s is not HTTP_ANON: it will always answer 403",
                     routes[i].pattern);
    }
    if (cfg->static_dir != NULL) {
        s->statics = static_load(cfg->static_dir, err, errlen);
        if (s->statics == NULL)
            goto fail;
        s->eng.statics = s->statics;
    }
    s->hub = sse_hub_new(s->eng.cfg.sse_backlog, s->eng.cfg.sse_replay, hub_wake, s);
    if (s->hub == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    sse_hub_resets(s->hub, true); /* resumes that may miss events reload (sse.c) */
    s->eng.hub = s->hub;
    if (init_handles(s, err, errlen) != 0)
        goto fail;
    if (bind_listener(s, err, errlen) != 0)
        goto fail;
    s->pool_inited = true;
    if (http_pool_init(&s->pool, &s->loop, s->eng.cfg.workers, err, errlen) != 0)
        goto fail;
    return s;
fail:
    http_server_free(s);
    return NULL;
}

int http_server_port(const struct http_server *s)
{
    return s->port;
}

int http_server_run(struct http_server *s)
{
    uv_run(&s->loop, UV_RUN_DEFAULT);
    return 0;
}

void http_server_stop(struct http_server *s)
{
    uv_async_send(&s->stop_async);
}

void http_server_free(struct http_server *s)
{
    if (s == NULL)
        return;
    if (s->loop_inited) {
        /* After a clean run everything is closed already; otherwise (run
         * never called, or a failed new) close what is open here and let
         * the loop finish the closes. */
        s->stopping = true;
        close_if_open((uv_handle_t *)&s->listener, on_handle_closed);
        if (s->hub != NULL)
            sse_hub_stop(s->hub);
        s->eng.stopping = true;
        for (struct http_conn *c = s->eng.conns; c != NULL; c = c->next)
            conn_close(c);
        s->handles_closed = true;
        close_if_open((uv_handle_t *)&s->tick_timer, on_handle_closed);
        close_if_open((uv_handle_t *)&s->hb_timer, on_handle_closed);
        close_if_open((uv_handle_t *)&s->hub_async, on_handle_closed);
        close_if_open((uv_handle_t *)&s->stop_async, on_handle_closed);
        close_if_open((uv_handle_t *)&s->flush_check, on_handle_closed);
        uv_run(&s->loop, UV_RUN_DEFAULT); /* in-flight handlers finish here */
        if (s->pool_inited) {
            http_pool_stop(&s->pool); /* joins the workers; closes its handles */
            uv_run(&s->loop, UV_RUN_DEFAULT);
        }
        if (uv_loop_close(&s->loop) != 0)
            log_warn("http server: loop still busy at free");
    }
    if (s->pool_inited)
        http_pool_release(&s->pool);
    http_engine_release(&s->eng);
    sse_hub_free(s->hub);
    static_free(s->statics);
    router_free(s->router);
    free(s->rbuf);
    free(s);
}

struct sse_hub *http_server_hub(struct http_server *s)
{
    return s->hub;
}

void http_server_set_ready(struct http_server *s, bool ready)
{
    atomic_store(&s->ready, ready);
}

bool http_server_ready(const struct http_server *s)
{
    return atomic_load(&((struct http_server *)(uintptr_t)s)->ready);
}
