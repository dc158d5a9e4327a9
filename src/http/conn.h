/*
 * conn.h — one HTTP/1.1 connection as a state machine over bytes (internal
 * to http/, and used by tests and the fuzzer without any socket).
 *
 * The transport is a small vtable (struct http_io): the server implements
 * it on a libuv TCP handle, tests and the fuzzer on memory (memconn.h). The
 * connection gets bytes with conn_feed(), parses them with llhttp, turns each
 * request into an exchange, runs it (inline, or on the worker pool through
 * the engine's submit hook), and writes responses strictly in request order,
 * gathering every finished response at the head of the queue into one write.
 *
 *   bytes -> conn_feed -> llhttp -> exchange queue (request order)
 *                                    |  PARSING -> READY -> RUNNING -> DONE
 *                                    v
 *                        conn_flush: DONE exchanges at the head, one writev
 *
 * The engine (struct http_engine) is what all connections of one server
 * share: the resolved config, the router, static files, the SSE hub, the
 * submit hook, the clock, the date cache, and a free list of exchanges so
 * that a busy keep-alive connection allocates nothing per request.
 *
 * Threads: everything here runs on the loop thread, except that an exchange
 * handed to engine->submit belongs to the worker until conn_exchange_done().
 */
#ifndef SUNBID_HTTP_CONN_H
#define SUNBID_HTTP_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <llhttp.h>
#include <uv.h>

#include "http/http.h"
#include "http/pool.h"

#define CONN_MAX_PIPELINE 32   /* parsed, unanswered requests per connection */
#define CONN_MAX_IOVS     64   /* buffers gathered into one write */
#define CONN_LINGER_MS    2000 /* reading and dropping after an error answer */

struct http_conn;
struct http_exchange;
struct router;
struct static_files;

/* The transport under a connection. */
struct http_io {
    /* Writes the buffers (valid until completion). Returns 1 when all bytes
     * were written at once, 0 when pending (the owner then calls
     * conn_on_written), -1 on error. */
    int (*write)(struct http_conn *c, const struct iovec *iov, int n);
    /* Starts closing the transport. Must not call conn_on_closed() before
     * returning; the owner calls it once the transport is closed. */
    void (*close)(struct http_conn *c);
    void (*read_stop)(struct http_conn *c);  /* back-pressure: deliver no bytes */
    void (*read_start)(struct http_conn *c); /* resume delivering bytes */
    /* The connection is finished with: free the owner's storage. Called once,
     * after conn_on_closed and after every exchange came back from the pool. */
    void (*release)(struct http_conn *c);
    /* Optional (NULL: close instead). Shuts down the sending side and keeps
     * delivering bytes: after an error answer the connection lingers a
     * little, reading and dropping what the client still sends, so that the
     * client reads the answer instead of a reset. */
    void (*shutdown)(struct http_conn *c);
};

struct http_engine {
    struct http_config cfg;             /* the caller's config, defaults resolved */
    const struct router *router;        /* borrowed */
    const struct static_files *statics; /* borrowed; NULL: no static files */
    struct sse_hub *hub;                /* borrowed; NULL: SSE routes fail with 500 */
    /* Runs exchange_run(x) off the loop and then conn_exchange_done(x) on it.
     * NULL: run every handler synchronously on the caller (tests, fuzzer). */
    void (*submit)(struct http_engine *e, struct http_exchange *x);
    uint64_t (*now_ms)(struct http_engine *e); /* monotonic ms; NULL: clock_mono_ns */
    void (*on_drained)(struct http_engine *e); /* stopping and no connection left */
    void *owner;                               /* the server (or test) */
    bool defer_flush;        /* pool completions mark conns dirty, flushed by http_engine_flush */
    bool stopping;           /* graceful stop in progress */
    size_t nconns;           /* open connections */
    struct http_conn *conns; /* every connection, doubly linked */
    struct http_conn *dirty; /* connections with finished work to flush */
    struct http_exchange *free_x; /* recycled exchanges */
    size_t nfree_x;               /* bounded by ENGINE_FREE_MAX */
    int64_t date_sec;             /* second of the cached Date */
    char date[30];                /* IMF-fixdate of date_sec */
};

enum xstate {
    X_PARSING, /* request still arriving */
    X_READY,   /* parsed, about to run */
    X_RUNNING, /* on the worker pool */
    X_DONE     /* response ready to write */
};

/* Header offsets into exchange->head while parsing (pointers come later). */
struct hdr_off {
    uint32_t name;  /* offset of the NUL-terminated name */
    uint32_t value; /* offset of the NUL-terminated value */
};

/* One request and its response. */
struct http_exchange {
    struct http_exchange *next; /* in the conn's queue, or the free list */
    struct http_conn *conn;     /* owning connection */
    struct http_engine *eng;    /* the engine */
    enum xstate state;
    struct http_request req;
    struct http_response res;
    struct arena arena;         /* req->arena */
    struct http_pool_task task; /* the server's pool task (pool.h) */
    struct buf head;            /* target, header names and values, routing scratch */
    struct buf body;            /* request body, bounded by max_body */
    struct buf out;             /* response head */
    struct hdr_off *hoff;       /* header offsets while parsing */
    struct http_header *hdrs;   /* req->headers */
    int hcap;                   /* capacity of hoff and hdrs */
    size_t head_bytes;          /* request line + header bytes, for the limit */
    size_t body_seen;           /* body bytes received, stored or not */
    size_t max_body;            /* the route's limit */
    uint32_t url_len;           /* bytes of the target at the start of head */
    int last_cb;                /* 0 none, 1 url, 2 field, 3 value */
    enum err fail;              /* ERR_OK, or the error to answer with */
    const char *allow;          /* Allow header value for 405, static */
    char allow_buf[64];         /* Allow header value for 405 */
    const char *ext_body;       /* borrowed body (static files), or NULL */
    size_t ext_len;             /* its length */
    uint64_t t_begin_ms;        /* first byte, engine clock */
    int64_t t0_ns;              /* first byte, for the access log */
    bool headers_done;          /* on_headers_complete seen */
    bool discard_body;          /* the body is counted, not stored */
    bool is_static;             /* served from static files */
    bool keep_alive;            /* the client allows another request after this */
    bool http10;                /* HTTP/1.0 request */
    bool expect_continue;       /* send 100 Continue before the body */
    bool continue_sent;         /* it was sent */
    bool orphan;                /* the connection closed while on the pool */
    bool stream;                /* STREAM_BODY route: the body goes to req.sink */
    bool admitting;             /* on the pool for admission (http_request_admit) */
    bool admitted;              /* admission passed: body bytes may be read */
    bool refused;               /* admission failed: res holds the answer */
    enum err admit_rc;          /* the admission's outcome (worker -> loop) */
};

struct http_conn {
    const struct http_io *io;      /* the transport */
    struct http_engine *eng;       /* shared server state */
    llhttp_t parser;               /* request parser, parser.data = this */
    struct http_conn *prev, *next; /* in eng->conns */
    struct http_conn *dirty_next;  /* in eng->dirty */
    struct http_exchange *qhead;   /* oldest unanswered exchange */
    struct http_exchange *qtail;   /* newest */
    struct http_exchange *cur;     /* being parsed, or NULL */
    int nqueued;                   /* exchanges in the queue */
    int nrunning;                  /* exchanges on the pool (orphans included) */
    int nwriting;                  /* exchanges in the pending write */
    struct buf pending;            /* bytes read but not parsed while paused */
    struct sse_sub *sub;           /* set once the connection is an event stream */
    uint64_t active_ms;            /* last read or finished write */
    uint64_t write_ms;             /* start of the pending write */
    enum err fatal;                /* error a parser callback stopped on */
    char remote[64];               /* peer address, for req->remote_addr */
    bool writing;                  /* a write is pending */
    bool close_after_write;        /* the pending write ends the connection */
    bool linger;                   /* ... and was an error: linger before closing */
    bool lingering;                /* sending side shut down, dropping input */
    uint64_t linger_ms;            /* when lingering began */
    bool paused;                   /* parser paused at a message boundary */
    bool parse_dead;               /* no more requests will be parsed */
    bool read_stopped;             /* io->read_stop in effect */
    bool peer_eof;                 /* the client shut down its side */
    bool started;                  /* a request has begun on this connection */
    bool draining;                 /* graceful stop: close when answered */
    bool closing;                  /* io->close called */
    bool closed;                   /* conn_on_closed called */
    bool released;                 /* io->release called */
    bool dirty;                    /* in eng->dirty */
    bool in_run;                   /* conn_run on the stack */
    bool run_again;                /* conn_run must loop once more */
};

/* Resolves defaults into e->cfg and clears the rest. The caller then sets
 * router, statics, hub, submit, now_ms, owner as it needs. */
void http_engine_init(struct http_engine *e, const struct http_config *cfg);
/* Frees the free list. Every connection must be released first. */
void http_engine_release(struct http_engine *e);
/* Flushes connections whose pool work finished (defer_flush). */
void http_engine_flush(struct http_engine *e);
/* Applies idle, request and write timeouts to every connection. */
void http_engine_tick(struct http_engine *e);
/* Graceful stop: idle connections close, busy ones close once answered. */
void http_engine_stop(struct http_engine *e);

/* Starts a connection on caller's storage. remote: the peer's address. */
void conn_init(struct http_conn *c, struct http_engine *e, const struct http_io *io,
               const char *remote);
/* Bytes arrived; they are parsed or copied before this returns. */
void conn_feed(struct http_conn *c, const char *data, size_t len);
/* The client shut down its side: answer what is complete, then close. */
void conn_on_eof(struct http_conn *c);
/* A pending write finished (status < 0: failed). */
void conn_on_written(struct http_conn *c, int status);
/* Begin closing (idempotent). */
void conn_close(struct http_conn *c);
/* The transport is closed; io->release follows when the pool is done. */
void conn_on_closed(struct http_conn *c);

/* Runs an exchange's pipeline (auth, checks, handler): the pool's work. */
void exchange_run(struct http_exchange *x);
/* Loop: an exchange came back from the pool. */
void conn_exchange_done(struct http_exchange *x);

/* request.c: the per-request pipeline, any thread. Authenticates, applies
 * the route's roles, CSRF, content type and owner checks, then calls the
 * handler; answers with the JSON error when a check fails. */
void http_request_process(const struct http_config *cfg, struct http_request *req,
                          struct http_response *res);
/* request.c: the admission of a STREAM_BODY request (a worker, or the
 * caller when there is no pool): the same checks as http_request_process up
 * to the owner, then the handler with req->admitting. ERR_OK: req->streamed
 * is set and req->sink filled; otherwise res holds the error answer. */
enum err http_request_admit(const struct http_config *cfg, struct http_request *req,
                            struct http_response *res);
/* request.c: reason phrase of a status ("Not Found"). */
const char *http_status_reason(int status);

#endif
