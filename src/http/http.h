/*
 * http.h — the HTTP server's public face: requests, responses, the route
 * table, the server's configuration and lifecycle.
 *
 * Threads. One I/O loop thread (libuv) owns every socket, parses requests
 * with llhttp and writes responses. A matched request runs its handler on the
 * worker pool (http/pool.c) as a plain synchronous function; the
 * handler fills a struct http_response and returns, and the loop writes it.
 * Routes flagged HTTP_ROUTE_INLINE run on the loop thread itself and must not
 * block (health, static files).
 *
 * Layering. http/ knows nothing of the store or of tenders: the application
 * registers routes and an authenticate hook, and passes an opaque `app`
 * pointer that reaches every handler as req->app.
 *
 * Authorisation is declared on the route: `roles` is the set of roles that
 * may call it (0 = nobody: deny by default; HTTP_ANON = anyone, signed in or
 * not), `owner` an optional ownership check run after the role check. Cookie
 * sessions must send X-CSRF-Token on unsafe methods; bearer tokens need not.
 *
 * Memory. Everything a request points to lives in req->arena, freed after
 * the response is written. The response body is a bounded struct buf.
 */
#ifndef SUNBID_HTTP_H
#define SUNBID_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/errors.h"
#include "base/roles.h"

enum http_method {
    HTTP_M_GET,
    HTTP_M_HEAD,
    HTTP_M_POST,
    HTTP_M_PUT,
    HTTP_M_PATCH,
    HTTP_M_DELETE,
    HTTP_M_OPTIONS,
    HTTP_M_OTHER
};

/* Anyone, signed in or not (public routes); combine with ROLE_* of base/roles.h. */
#define HTTP_ANON (1u << 31)

/* Route flags. */
enum {
    HTTP_ROUTE_INLINE = 1u << 0,   /* run on the loop thread: must not block */
    HTTP_ROUTE_NO_CSRF = 1u << 1,  /* unsafe method that needs no CSRF token (login) */
    HTTP_ROUTE_RAW_BODY = 1u << 2, /* body is not JSON (uploads); skip the content-type check */
    /* The body is not held: the handler is called a first time on a worker
     * once the headers are in (after authorisation, before any body byte is
     * read) with req->admitting set, to refuse (an error in res) or to set
     * up req->sink; the body then flows chunk by chunk into the sink, and
     * the handler is called again as usual (see struct http_body_sink).
     * Implies RAW_BODY. */
    HTTP_ROUTE_STREAM_BODY = 1u << 3
};

struct http_header {
    const char *name;  /* as received; compare case-insensitively */
    const char *value; /* leading/trailing whitespace trimmed */
};

/* Who is asking, set by the authenticate hook; NULL when anonymous. */
struct http_principal {
    int64_t user_id;
    int64_t org_id;         /* 0 when the user has no organisation */
    unsigned roles;         /* ROLE_* bits */
    const char *username;   /* arena */
    const char *csrf_token; /* arena; the session's CSRF token */
    bool via_cookie;        /* session cookie (CSRF applies) vs bearer token */
    int64_t session_id;     /* the session row, for logout */
};

struct http_route;

/*
 * Where a streamed body goes (HTTP_ROUTE_STREAM_BODY routes). The handler
 * fills it on a worker thread when called with req->admitting; the loop
 * thread then calls write
 * for every piece of the body in order, and finish at its end; the handler
 * runs on a worker afterwards with the sink in req->sink. Ownership of ctx
 * passes from thread to thread with the exchange, never shared at once.
 *
 *   headers -> [worker] auth, roles, CSRF, owner, handler (req->admitting)
 *           -> [loop]   100 Continue, write(ctx, piece)* , finish(ctx, ...)
 *           -> [worker] around + handler (req->streamed, req->sink)
 *           -> release(ctx), exactly once, whatever happened (also when the
 *              client went away half-way, or the admission refused after
 *              filling it)
 *
 * The loop must not wait: write may append to a file and hash, nothing
 * slower. An error from write or finish stops the upload and is the answer
 * (the connection is closed after it, since the rest of the body is not
 * read). While a request is admitted the whole-request timeout does not run;
 * during the body it applies to each gap between pieces instead of the whole.
 */
struct http_body_sink {
    enum err (*write)(void *ctx, const void *p, size_t n); /* loop */
    /* loop, at the end of the body: *digest (optional, NUL-terminated,
     * owned by ctx) names the body for Idempotency-Key fingerprints. */
    enum err (*finish)(void *ctx, const char **digest);
    void (*release)(void *ctx); /* any thread, once */
    void *ctx;
    /* Set by write or finish when they fail: the answer's message (owned by
     * ctx, valid until release), or NULL for the error table's. */
    const char *message;
};

struct http_request {
    struct arena *arena;         /* per-request memory, freed after the response */
    enum http_method method;     /* HEAD is routed as GET, body suppressed */
    bool is_head;                /* the client sent HEAD */
    const char *method_str;      /* as received */
    const char *target;          /* raw request target, "/a/b?x=1" */
    const char *path;            /* percent-decoded path, no query */
    const char *query;           /* raw query after '?', or NULL */
    struct http_header *headers; /* in order of arrival */
    int nheaders;
    const char *body;            /* NUL-terminated, body_len bytes */
    size_t body_len;             /* streamed: the bytes that went to the sink */
    bool admitting;              /* STREAM_BODY: the handler's first call, before the body */
    bool streamed;               /* STREAM_BODY: admitted, body in the sink, not in body */
    struct http_body_sink sink;  /* STREAM_BODY: what the admission set up */
    const char *body_digest;     /* STREAM_BODY: the sink's digest of the body, or NULL */
    const char *param_names[8];  /* route parameters (":id") */
    const char *param_values[8]; /* percent-decoded */
    int nparams;
    char request_id[17];  /* 16 hex chars, also in the access log */
    char remote_addr[64]; /* client: TCP peer, or what a trusted proxy says */
    const struct http_route *route;
    struct http_principal *who; /* NULL when anonymous */
    void *app;                  /* the application's context */
};

/* The response a handler fills. */
struct http_response {
    int status;               /* 200 unless set */
    const char *content_type; /* default "application/json; charset=utf-8" */
    struct buf headers;       /* extra header lines, each "Name: value\r\n" */
    struct buf body;          /* the body, bounded */
    /* Server-Sent Events: a handler that sets sse_topic turns the response
     * into an event stream on that topic; the loop replays events after
     * sse_last_id (from Last-Event-ID) and then streams live ones. */
    const char *sse_topic; /* arena or static */
    int64_t sse_last_id;   /* -1: no replay. Before the handler runs, the
                            * server sets it from the Last-Event-ID header
                            * (or ?last_event_id=), -1 when absent; the
                            * handler may change it (see sse_last_id()). */
};

typedef void (*http_handler_fn)(struct http_request *req, struct http_response *res);
/* Returns ERR_OK when req->who may act on the resource, else the error. */
typedef enum err (*http_owner_fn)(struct http_request *req);

struct http_route {
    enum http_method method;
    const char *pattern; /* "/api/orgs/:id"; a trailing "*" matches the rest */
    http_handler_fn handler;
    unsigned roles;      /* ROLE_* | HTTP_ANON; 0 = nobody */
    http_owner_fn owner; /* NULL: no ownership check */
    size_t max_body;     /* 0: the server default */
    unsigned flags;      /* HTTP_ROUTE_* */
    const char *name;    /* short name for logs and tests, e.g. "org.create" */
};

/* Looks up the principal for a request (on a worker thread). Returns ERR_OK
 * with *out NULL for an anonymous request, ERR_OK with *out set, or an error
 * (ERR_SESSION_EXPIRED, ERR_STORE_UNAVAILABLE ...) that ends the request. */
typedef enum err (*http_auth_fn)(struct http_request *req, struct http_principal **out);

struct http_config {
    const char *host;            /* "127.0.0.1" */
    int port;                    /* 0 picks a free port; see http_server_port() */
    const char *static_dir;      /* web/ files served under "/", or NULL */
    void *app;                   /* reaches handlers as req->app */
    http_auth_fn authenticate;   /* NULL: everyone is anonymous */
    int workers;                 /* worker threads; 0 = 4 */
    size_t max_header_bytes;     /* request line + headers; 0 = 16 KiB -> 431 */
    int max_headers;             /* 0 = 64 -> 431 */
    size_t max_body;             /* default per route; 0 = 1 MiB -> 413 */
    size_t max_response;         /* response body cap; 0 = 16 MiB */
    uint64_t idle_timeout_ms;    /* keep-alive idle; 0 = 60 s */
    uint64_t request_timeout_ms; /* whole request must arrive within; 0 = 10 s -> 408 */
    uint64_t sse_heartbeat_ms;   /* 0 = 15 s */
    size_t sse_backlog;          /* bytes queued per SSE client before drop; 0 = 256 KiB */
    size_t sse_replay;           /* events kept for Last-Event-ID resume; 0 = 4096 */
    int max_connections;         /* 0 = 20000; past it new ones are closed */
    bool access_log;             /* one line per request on stderr */
    bool secure_cookies;         /* behind TLS: cookies get Secure */
    /* Reverse proxies whose X-Real-IP / X-Forwarded-For give the client's
     * address (http/proxy.h); borrowed; NULL or empty: headers ignored. */
    const struct http_proxies *trusted_proxies;
    /* Wraps every handler call after authorisation (NULL: the handler is
     * called directly): the application's place for rules that span all
     * routes, such as Idempotency-Key. It must call handler at most once. */
    void (*around)(struct http_request *req, struct http_response *res, http_handler_fn handler);
};

struct http_server;
struct sse_hub;

/* Creates the server and binds the listening socket. Returns NULL and fills
 * err on failure. `routes` is borrowed and must outlive the server. */
struct http_server *http_server_new(const struct http_config *cfg, const struct http_route *routes,
                                    size_t nroutes, char *err, size_t errlen);
int http_server_port(const struct http_server *s);
/* Runs the loop on the calling thread until stopped; returns 0 on a clean stop. */
int http_server_run(struct http_server *s);
/* Graceful stop from any thread or a signal handler's thread: stop accepting,
 * finish in-flight requests, close idle connections and SSE streams. */
void http_server_stop(struct http_server *s);
void http_server_free(struct http_server *s);
/* The server's SSE hub; publish to it from any thread. */
struct sse_hub *http_server_hub(struct http_server *s);
/* Marks the server ready (GET /api/health answers 200 only after this). */
void http_server_set_ready(struct http_server *s, bool ready);
bool http_server_ready(const struct http_server *s);

/* Request helpers (any thread, on the request's own data). */
const char *http_header(const struct http_request *req, const char *name); /* case-insensitive */
const char *http_param(const struct http_request *req, const char *name);
/* Percent-decoded value of a query parameter, in the arena; NULL if absent. */
const char *http_query(const struct http_request *req, const char *name);
/* Value of a cookie, in the arena; NULL if absent. */
const char *http_cookie(const struct http_request *req, const char *name);

/* Response helpers. */
void http_res_header(struct http_response *res, const char *name, const char *value);
/* Sets status and the standard JSON error body; message NULL = table default. */
void http_res_error(struct http_response *res, enum err e, const char *message);
/* Same, naming the offending field: {"error":{"code","message","field"}}. */
void http_res_error_field(struct http_response *res, enum err e, const char *field,
                          const char *message);

const char *http_method_name(enum http_method m);

#endif
