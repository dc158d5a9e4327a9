/*
 * httpc.h — a minimal blocking HTTP/1.1 client for the CLI (`sunbid
 * witness`): one request per connection ("Connection: close"), http:// only.
 *
 * Why our own: the only client the CLI needs talks to a sunbid log, small
 * text and JSON bodies, and libcurl is not a dependency of sunbid. TLS is
 * not spoken here: reach an https:// log through a local TLS proxy (stunnel,
 * nginx) or run the witness next to it. Everything a log could send is
 * bounded: HTTPC_MAX_RESPONSE bytes in all, HTTPC_MAX_HEADER bytes of
 * status line and headers, 30 s per read or write, 10 s to connect.
 *
 *   struct httpc_url u;
 *   httpc_url_parse("http://log.example:8080/base", &u, err, sizeof err);
 *   struct httpc_resp r;
 *   httpc_request(&u, "GET", "/api/ledger/checkpoint", NULL, NULL, 0, &r, err, sizeof err);
 *   ... r.status, r.body.data, r.body.len ...
 *   httpc_resp_release(&r);
 *
 * The response parser (httpc_parse_response) is pure and is fuzzed
 * (fuzz/fuzz_witness.c). Single-threaded use; no global state.
 */
#ifndef SUNBID_CLI_HTTPC_H
#define SUNBID_CLI_HTTPC_H

#include <stddef.h>

#include "base/buf.h"

#define HTTPC_MAX_RESPONSE (4 << 20) /* bytes read from the server in all */
#define HTTPC_MAX_HEADER   65536     /* status line and headers */
#define HTTPC_MAX_HOST     255

struct httpc_url {
    char host[HTTPC_MAX_HOST + 1]; /* name or address; IPv6 without brackets */
    char port[6];                  /* decimal, default "80" */
    char prefix[512];              /* path prefix without a trailing '/', may be "" */
};

struct httpc_resp {
    int status;      /* 100..599 */
    struct buf body; /* the body, de-chunked; NUL-terminated */
};

/* Parses "http://HOST[:PORT][/PREFIX]". 0, or -1 with a reason in err. */
int httpc_url_parse(const char *url, struct httpc_url *u, char *err, size_t errlen);

/* Parses one complete response (everything the server sent before it
 * closed) in raw[0..n): the status line "HTTP/1.x DDD ...", headers, and a
 * body delimited by Content-Length, by chunked Transfer-Encoding, or by the
 * end of the input. r->body is initialised here (release it with
 * httpc_resp_release even on failure). 0, or -1 with a reason in err. */
int httpc_parse_response(const char *raw, size_t n, struct httpc_resp *r, char *err, size_t errlen);

/* Sends METHOD prefix+path (path starts with '/'; its query, if any, must
 * already be percent-encoded) with an optional body of content_type, and
 * reads and parses the answer. 0, or -1 with a reason in err (cannot
 * connect, timeout, too big, malformed); any HTTP status is a success
 * here. */
int httpc_request(const struct httpc_url *u, const char *method, const char *path,
                  const char *content_type, const void *body, size_t n, struct httpc_resp *r,
                  char *err, size_t errlen);

/* httpc_request with extra header lines ("Name: value\r\n"..., or NULL),
 * e.g. "Authorization: Bearer ...\r\n" for `sunbid opening`. */
int httpc_request_h(const struct httpc_url *u, const char *method, const char *path,
                    const char *headers, const char *content_type, const void *body, size_t n,
                    struct httpc_resp *r, char *err, size_t errlen);
void httpc_resp_release(struct httpc_resp *r); /* safe twice */

#endif
