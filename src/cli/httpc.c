/*
 * cli/httpc.c — a minimal blocking HTTP/1.1 client (httpc.h).
 *
 * One request per TCP connection: the request says "Connection: close",
 * the whole answer is read until the server closes (at most
 * HTTPC_MAX_RESPONSE bytes) and then parsed in one go. The parser trusts
 * nothing: the status line must be "HTTP/1.0" or "HTTP/1.1", three digits;
 * header lines end in CRLF within HTTPC_MAX_HEADER bytes; Content-Length is
 * plain decimal, not repeated with another value, and not combined with
 * Transfer-Encoding; chunk sizes are hex within the bytes received, and
 * trailers are skipped. Connecting waits at most CONNECT_MS per address;
 * every read and write at most IO_MS.
 */
#include "cli/httpc.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/base64.h"

#define CONNECT_MS 10000
#define IO_MS      30000

int httpc_url_parse(const char *url, struct httpc_url *u, char *err, size_t errlen)
{
    static const char scheme[] = "http://";
    const char *h, *end, *p;
    size_t hl;

    memset(u, 0, sizeof *u);
    if (strncasecmp(url, "https://", 8) == 0) {
        snprintf(err, errlen, "https:// is not spoken here; use http:// (a local TLS proxy)");
        return -1;
    }
    if (strncasecmp(url, scheme, sizeof scheme - 1) != 0) {
        snprintf(err, errlen, "the URL must start with http://");
        return -1;
    }
    h = url + sizeof scheme - 1;
    p = strchr(h, '/');
    end = p != NULL ? p : h + strlen(h);
    if (*h == '[') { /* [v6]:port */
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (rb == NULL) {
            snprintf(err, errlen, "unclosed '[' in the URL");
            return -1;
        }
        hl = (size_t)(rb - h - 1);
        if (hl == 0 || hl > HTTPC_MAX_HOST)
            goto bad_host;
        memcpy(u->host, h + 1, hl);
        h = rb + 1;
        if (h != end && *h != ':')
            goto bad_host;
    } else {
        const char *colon = memchr(h, ':', (size_t)(end - h));
        const char *he = colon != NULL ? colon : end;
        hl = (size_t)(he - h);
        if (hl == 0 || hl > HTTPC_MAX_HOST)
            goto bad_host;
        for (size_t i = 0; i < hl; i++)
            if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
                  (h[i] >= '0' && h[i] <= '9') || h[i] == '.' || h[i] == '-'))
                goto bad_host;
        memcpy(u->host, h, hl);
        h = he;
    }
    if (h != end) { /* ":port" */
        size_t pl = (size_t)(end - h - 1);
        long v = 0;
        if (pl == 0 || pl > 5)
            goto bad_port;
        for (size_t i = 1; i <= pl; i++) {
            if (h[i] < '0' || h[i] > '9')
                goto bad_port;
            v = v * 10 + (h[i] - '0');
        }
        if (v < 1 || v > 65535)
            goto bad_port;
        snprintf(u->port, sizeof u->port, "%ld", v);
    } else {
        memcpy(u->port, "80", 3);
    }
    if (p != NULL) {
        size_t pl = strlen(p);
        while (pl > 0 && p[pl - 1] == '/')
            pl--;
        if (pl >= sizeof u->prefix) {
            snprintf(err, errlen, "the URL's path is too long");
            return -1;
        }
        for (size_t i = 0; i < pl; i++)
            if ((unsigned char)p[i] <= 0x20 || p[i] == '?' || p[i] == '#' || p[i] == 0x7f) {
                snprintf(err, errlen, "the URL's path may not hold spaces, '?' or '#'");
                return -1;
            }
        memcpy(u->prefix, p, pl);
    }
    return 0;
bad_host:
    snprintf(err, errlen, "bad host in the URL");
    return -1;
bad_port:
    snprintf(err, errlen, "bad port in the URL");
    return -1;
}

void httpc_resp_release(struct httpc_resp *r)
{
    if (r == NULL)
        return;
    buf_release(&r->body);
    r->status = 0;
}

/* The next line in [p, end): its length without CRLF; -1 when no CRLF. */
static long line_len(const char *p, const char *end)
{
    for (const char *q = p; q + 1 < end; q++) {
        if (q[0] == '\r' && q[1] == '\n')
            return q - p;
        if (*q == '\n' || *q == '\0')
            return -1; /* bare LF or NUL: not HTTP */
    }
    return -1;
}

/* Decodes a chunked body in [p, end) into out. */
static int dechunk(const char *p, const char *end, struct buf *out, char *err, size_t errlen)
{
    for (;;) {
        long ll = line_len(p, end);
        uint64_t size = 0;
        size_t i = 0;
        if (ll <= 0) {
            snprintf(err, errlen, "truncated chunked body");
            return -1;
        }
        for (; i < (size_t)ll && p[i] != ';'; i++) {
            int d = hex_digit(p[i]);
            if (d < 0 || i >= 8) {
                snprintf(err, errlen, "bad chunk size");
                return -1;
            }
            size = size << 4 | (uint64_t)d;
        }
        if (i == 0) {
            snprintf(err, errlen, "bad chunk size");
            return -1;
        }
        p += ll + 2;
        if (size == 0)
            return 0; /* trailers, if any, are ignored */
        if (size > (uint64_t)(end - p) || (uint64_t)(end - p) - size < 2 || p[size] != '\r' ||
            p[size + 1] != '\n') {
            snprintf(err, errlen, "truncated chunk");
            return -1;
        }
        if (buf_append(out, p, (size_t)size) != BUF_OK) {
            snprintf(err, errlen, "the body is too big");
            return -1;
        }
        p += size + 2;
    }
}

int httpc_parse_response(const char *raw, size_t n, struct httpc_resp *r, char *err, size_t errlen)
{
    const char *p = raw, *end = raw + n;
    long ll;
    bool chunked = false, have_cl = false;
    uint64_t cl = 0;

    buf_init(&r->body, HTTPC_MAX_RESPONSE);
    r->status = 0;
    ll = line_len(p, end);
    if (ll < 12 || ll > 1024 ||
        (memcmp(p, "HTTP/1.1 ", 9) != 0 && memcmp(p, "HTTP/1.0 ", 9) != 0) ||
        (ll > 12 && p[12] != ' ')) {
        snprintf(err, errlen, "not an HTTP/1.x response");
        return -1;
    }
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9') {
            snprintf(err, errlen, "bad status code");
            return -1;
        }
        r->status = r->status * 10 + (p[i] - '0');
    }
    if (r->status < 100) {
        snprintf(err, errlen, "bad status code");
        return -1;
    }
    p += ll + 2;
    for (;;) {
        ll = line_len(p, end);
        if (ll < 0 || p + ll - raw > HTTPC_MAX_HEADER) {
            snprintf(err, errlen, "truncated or oversized headers");
            return -1;
        }
        if (ll == 0) {
            p += 2;
            break;
        }
        const char *colon = memchr(p, ':', (size_t)ll);
        if (colon == NULL || colon == p) {
            snprintf(err, errlen, "malformed header line");
            return -1;
        }
        size_t nl = (size_t)(colon - p);
        const char *v = colon + 1, *ve = p + ll;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        if (nl == 14 && strncasecmp(p, "content-length", 14) == 0) {
            uint64_t val = 0;
            if (ve == v || ve - v > 15) {
                snprintf(err, errlen, "bad Content-Length");
                return -1;
            }
            for (const char *q = v; q < ve; q++) {
                if (*q < '0' || *q > '9') {
                    snprintf(err, errlen, "bad Content-Length");
                    return -1;
                }
                val = val * 10 + (uint64_t)(*q - '0');
            }
            if (have_cl && val != cl) {
                snprintf(err, errlen, "conflicting Content-Length headers");
                return -1;
            }
            have_cl = true;
            cl = val;
        } else if (nl == 17 && strncasecmp(p, "transfer-encoding", 17) == 0) {
            if ((size_t)(ve - v) != 7 || strncasecmp(v, "chunked", 7) != 0) {
                snprintf(err, errlen, "unsupported Transfer-Encoding");
                return -1;
            }
            chunked = true;
        }
        p += ll + 2;
    }
    if (chunked && have_cl) {
        snprintf(err, errlen, "both Content-Length and chunked");
        return -1;
    }
    if (chunked && dechunk(p, end, &r->body, err, errlen) != 0)
        return -1;
    if (chunked) /* body.data non-NULL even when empty */
        return buf_append(&r->body, "", 0) == BUF_OK ? 0 : -1;
    size_t avail = (size_t)(end - p);
    if (have_cl) {
        if (cl > avail) {
            snprintf(err, errlen, "the body is shorter than its Content-Length");
            return -1;
        }
        avail = (size_t)cl;
    }
    if (buf_append(&r->body, p, avail) != BUF_OK) {
        snprintf(err, errlen, "the body is too big");
        return -1;
    }
    return 0;
}

/* A connected socket to u, or -1 (reason in err). */
static int dial(const struct httpc_url *u, char *err, size_t errlen)
{
    struct addrinfo hints = {0}, *res = NULL;
    int fd = -1, rc;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(u->host, u->port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", u->host, gai_strerror(rc));
        return -1;
    }
    snprintf(err, errlen, "cannot connect to %s:%s", u->host, u->port);
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (errno != EINPROGRESS || poll(&pfd, 1, CONNECT_MS) != 1 ||
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
                if (soerr != 0)
                    snprintf(err, errlen, "cannot connect to %s:%s: %s", u->host, u->port,
                             strerror(soerr));
                close(fd);
                fd = -1;
                continue;
            }
        }
        /* blocking from here on, with timeouts */
        int fl = fcntl(fd, F_GETFL);
        struct timeval tv = {IO_MS / 1000, 0};
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static int send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int httpc_request(const struct httpc_url *u, const char *method, const char *path,
                  const char *content_type, const void *body, size_t n, struct httpc_resp *r,
                  char *err, size_t errlen)
{
    return httpc_request_h(u, method, path, NULL, content_type, body, n, r, err, errlen);
}

int httpc_request_h(const struct httpc_url *u, const char *method, const char *path,
                    const char *headers, const char *content_type, const void *body, size_t n,
                    struct httpc_resp *r, char *err, size_t errlen)
{
    struct buf req, raw;
    char chunk[16384];
    int fd, rc = -1;
    bool v6 = strchr(u->host, ':') != NULL;

    buf_init(&r->body, HTTPC_MAX_RESPONSE);
    r->status = 0;
    buf_init(&req, HTTPC_MAX_HEADER + HTTPC_MAX_RESPONSE);
    buf_init(&raw, HTTPC_MAX_RESPONSE);
    if (buf_printf(&req,
                   "%s %s%s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nUser-Agent: sunbid-witness\r\n"
                   "Accept: */*\r\nConnection: close\r\n",
                   method, u->prefix, path, v6 ? "[" : "", u->host, v6 ? "]" : "",
                   strcmp(u->port, "80") != 0 ? ":" : "",
                   strcmp(u->port, "80") != 0 ? u->port : "") != BUF_OK ||
        (headers != NULL && buf_puts(&req, headers) != BUF_OK) ||
        (body != NULL &&
         buf_printf(&req, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                    content_type ? content_type : "application/octet-stream", n) != BUF_OK) ||
        buf_puts(&req, "\r\n") != BUF_OK || (body != NULL && buf_append(&req, body, n) != BUF_OK)) {
        snprintf(err, errlen, "the request is too big");
        goto out;
    }
    fd = dial(u, err, errlen);
    if (fd < 0)
        goto out;
    if (send_all(fd, req.data, req.len) != 0) {
        snprintf(err, errlen, "cannot send to %s:%s: %s", u->host, u->port, strerror(errno));
        close(fd);
        goto out;
    }
    for (;;) {
        ssize_t got = recv(fd, chunk, sizeof chunk, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "reading from %s:%s: %s", u->host, u->port,
                     errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : strerror(errno));
            close(fd);
            goto out;
        }
        if (got == 0)
            break;
        if (buf_append(&raw, chunk, (size_t)got) != BUF_OK) {
            snprintf(err, errlen, "the response is larger than %d bytes", HTTPC_MAX_RESPONSE);
            close(fd);
            goto out;
        }
    }
    close(fd);
    buf_release(&r->body);
    rc = httpc_parse_response(raw.data != NULL ? raw.data : "", raw.len, r, err, errlen);
out:
    buf_release(&req);
    buf_release(&raw);
    return rc;
}
