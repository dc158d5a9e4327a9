/*
 * memconn.h — an in-memory transport for a connection: tests and the fuzzer
 * feed request bytes in and read response bytes out, with no socket and no
 * loop (internal to http/).
 *
 *     struct memconn m;
 *     memconn_open(&m, &engine);
 *     memconn_feed(&m, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
 *     ... m.out holds everything written; m.closing says the server closed ...
 *     memconn_finish(&m);   // closes if needed, releases the connection
 *
 * Writes complete at once unless async_writes is set; then each write stays
 * pending until memconn_complete(). Threads: one (the test's).
 */
#ifndef SUNBID_HTTP_MEMCONN_H
#define SUNBID_HTTP_MEMCONN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "http/conn.h"

struct memconn {
    struct http_conn conn; /* the connection under test */
    struct buf out;        /* every byte written, in order */
    bool async_writes;     /* writes stay pending until memconn_complete */
    bool write_pending;    /* a write waits for memconn_complete */
    bool closing;          /* the server closed the connection */
    bool reading;          /* false while the server stopped reading */
    bool released;         /* io->release was called */
    int nwrites;           /* write calls so far */
    bool fail_writes;      /* writes return -1 */
    bool shut;             /* the server shut down its sending side (lingering) */
};

/* out is bounded by out_max bytes (0 = 64 MiB); past it writes fail. */
void memconn_open(struct memconn *m, struct http_engine *e, size_t out_max);
void memconn_feed(struct memconn *m, const void *p, size_t n);
/* Gives the transport a shutdown operation, so that the connection lingers
 * after an error answer instead of closing at once (as over TCP). */
void memconn_allow_linger(struct memconn *m);
/* Completes the pending write (status < 0: as failed). */
void memconn_complete(struct memconn *m, int status);
/* The client shuts down its side. */
void memconn_eof(struct memconn *m);
/* Closes (if the server has not) and reports the transport closed. The
 * connection is released unless a handler still runs on a pool. */
void memconn_finish(struct memconn *m);
/* Frees out. */
void memconn_release(struct memconn *m);

#endif
