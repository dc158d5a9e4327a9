/*
 * memconn.c — in-memory transport for tests and the fuzzer (see memconn.h).
 * Owns the output buffer; the connection's storage is the caller's.
 * Threads: the caller's one thread.
 */
#include "http/memconn.h"

static struct memconn *mc(struct http_conn *c)
{
    return (struct memconn *)((char *)c - offsetof(struct memconn, conn));
}

static int mem_write(struct http_conn *c, const struct iovec *iov, int n)
{
    struct memconn *m = mc(c);
    m->nwrites++;
    if (m->fail_writes || m->closing)
        return -1;
    for (int i = 0; i < n; i++) {
        if (buf_append(&m->out, iov[i].iov_base, iov[i].iov_len) != BUF_OK)
            return -1;
    }
    if (m->async_writes) {
        m->write_pending = true;
        return 0;
    }
    return 1;
}

static void mem_close(struct http_conn *c)
{
    mc(c)->closing = true;
}

static void mem_read_stop(struct http_conn *c)
{
    mc(c)->reading = false;
}

static void mem_read_start(struct http_conn *c)
{
    mc(c)->reading = true;
}

static void mem_release(struct http_conn *c)
{
    mc(c)->released = true;
}

static void mem_shutdown(struct http_conn *c)
{
    mc(c)->shut = true;
}

static const struct http_io mem_io = {mem_write,      mem_close,   mem_read_stop,
                                      mem_read_start, mem_release, NULL};
static const struct http_io mem_io_linger = {mem_write,      mem_close,   mem_read_stop,
                                             mem_read_start, mem_release, mem_shutdown};

void memconn_allow_linger(struct memconn *m)
{
    m->conn.io = &mem_io_linger;
}

void memconn_open(struct memconn *m, struct http_engine *e, size_t out_max)
{
    memset(m, 0, sizeof(*m));
    buf_init(&m->out, out_max ? out_max : (size_t)64 << 20);
    m->reading = true;
    conn_init(&m->conn, e, &mem_io, "127.0.0.1");
}

void memconn_feed(struct memconn *m, const void *p, size_t n)
{
    conn_feed(&m->conn, p, n);
}

void memconn_complete(struct memconn *m, int status)
{
    if (!m->write_pending)
        return;
    m->write_pending = false;
    conn_on_written(&m->conn, status);
}

void memconn_eof(struct memconn *m)
{
    conn_on_eof(&m->conn);
}

void memconn_finish(struct memconn *m)
{
    if (m->released)
        return;
    conn_close(&m->conn);
    if (m->write_pending) {
        m->write_pending = false; /* a closing transport cancels its write */
        conn_on_written(&m->conn, -1);
    }
    conn_on_closed(&m->conn);
}

void memconn_release(struct memconn *m)
{
    buf_release(&m->out);
}
