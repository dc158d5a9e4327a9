/*
 * sse_idle.c — a helper for bench/http: opens N Server-Sent Events streams to
 * one server and holds them idle, so the benchmark can read the server's
 * resident memory per idle subscriber.
 *
 *     bench_sse_idle [-c N] [-p PATH] [-t SECONDS] HOST PORT
 *
 * Every connection sends one `GET PATH HTTP/1.1` with `Accept:
 * text/event-stream` and waits for a `200` status line, a text/event-stream
 * content type and the end of the headers. When all N streams are open it
 * prints `sse_idle: N connected` on stdout (the benchmark waits for that
 * line), then keeps reading and discarding whatever arrives (heartbeats) so no
 * stream looks like a slow client, until SIGTERM/SIGINT or SECONDS pass
 * (default 300: the helper always stops by itself). On exit it prints how many
 * streams the server closed while they were held (`sse_idle: D dropped`); a
 * non-zero exit status means not all streams could be opened.
 *
 * It is a plain epoll loop, single-threaded, with at most `MAX_INFLIGHT`
 * connects in flight so the server's listen backlog is not flooded. It does
 * not use the sunbid library (it builds on its own with `cc`), though CMake
 * links it like every C file in bench/. bench/run knows it is a helper and
 * does not run it as a benchmark.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_INFLIGHT    256  /* connects not yet answered, at most */
#define HDR_MAX         4096 /* response header bytes we accept */
#define CONNECT_TIMEOUT 60   /* seconds to open every stream */

enum state { ST_FREE, ST_CONNECTING, ST_HEADERS, ST_OPEN, ST_CLOSED };

struct conn {
    int fd;         /* socket, or -1 */
    enum state st;  /* where this stream is */
    size_t req_off; /* request bytes already written */
    size_t hdr_len; /* response header bytes read so far (ST_HEADERS) */
    char *hdr;      /* header bytes, freed once the headers are complete */
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Raises RLIMIT_NOFILE so `want` descriptors fit; returns 0 or -1. */
static int raise_nofile(rlim_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur >= want)
        return 0;
    if (rl.rlim_max < want) {
        rl.rlim_max = want; /* works as root; otherwise we fail below */
    }
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
            return -1;
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        return rl.rlim_max >= want ? 0 : -1;
    }
    return 0;
}

static void conn_close(int ep, struct conn *c, enum state st)
{
    if (c->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    free(c->hdr);
    c->hdr = NULL;
    c->st = st;
}

/* Starts a non-blocking connect; returns 0 or -1 (errno set). */
static int conn_start(int ep, struct conn *c, const struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    c->fd = fd;
    c->st = ST_CONNECTING;
    c->req_off = 0;
    c->hdr_len = 0;
    c->hdr = NULL;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        int e = errno;
        close(fd);
        c->fd = -1;
        errno = e;
        return -1;
    }
    return 0;
}

/* Writes what is left of the request. Returns 1 when all is written, 0 when
 * the socket is full, -1 on error. */
static int conn_send(int ep, struct conn *c, const char *req, size_t req_len)
{
    while (c->req_off < req_len) {
        ssize_t n = send(c->fd, req + c->req_off, req_len - c->req_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            return -1;
        }
        c->req_off += (size_t)n;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->st = ST_HEADERS;
    return 1;
}

/* Reads response bytes. Returns 1 when the headers just completed with a 200,
 * 0 to wait for more, -1 when the stream failed or closed. */
static int conn_read(struct conn *c)
{
    char buf[16384];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n == 0)
            return -1;
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (c->st != ST_HEADERS)
            continue; /* an event or a heartbeat: discard */
        if (c->hdr == NULL) {
            c->hdr = malloc(HDR_MAX + 1);
            if (c->hdr == NULL)
                return -1;
        }
        size_t take = (size_t)n;
        if (take > HDR_MAX - c->hdr_len)
            take = HDR_MAX - c->hdr_len;
        memcpy(c->hdr + c->hdr_len, buf, take);
        c->hdr_len += take;
        c->hdr[c->hdr_len] = '\0';
        if (strstr(c->hdr, "\r\n\r\n") != NULL) {
            int ok = (strncmp(c->hdr, "HTTP/1.1 200", 12) == 0 ||
                      strncmp(c->hdr, "HTTP/1.0 200", 12) == 0) &&
                     strcasestr(c->hdr, "text/event-stream") != NULL;
            if (!ok) {
                char *eol = strstr(c->hdr, "\r\n");
                if (eol != NULL)
                    *eol = '\0';
                fprintf(stderr, "sse_idle: server answered \"%s\"\n", c->hdr);
                return -1;
            }
            free(c->hdr);
            c->hdr = NULL;
            c->st = ST_OPEN;
            /* keep draining whatever else is in this read: loop on */
            continue;
        }
        if (c->hdr_len >= HDR_MAX) {
            fprintf(stderr, "sse_idle: response headers over %d bytes\n", HDR_MAX);
            return -1;
        }
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_sse_idle [-c N] [-p PATH] [-t SECONDS] HOST PORT\n"
                    "  opens N (default 5000) idle SSE streams to GET PATH\n"
                    "  (default /api/events?topic=public) and holds them for SECONDS\n"
                    "  (default 300) or until SIGTERM; prints 'sse_idle: N connected'\n");
}

int main(int argc, char **argv)
{
    long n_conns = 5000;
    double hold = 300;
    const char *path = "/api/events?topic=public";
    int opt;
    while ((opt = getopt(argc, argv, "c:p:t:h")) != -1) {
        switch (opt) {
        case 'c':
            n_conns = strtol(optarg, NULL, 10);
            break;
        case 'p':
            path = optarg;
            break;
        case 't':
            hold = strtod(optarg, NULL);
            break;
        default:
            usage();
            return 2;
        }
    }
    if (argc - optind != 2 || n_conns <= 0 || n_conns > 1000000) {
        usage();
        return 2;
    }
    const char *host = argv[optind];
    long port = strtol(argv[optind + 1], NULL, 10);
    if (port <= 0 || port > 65535) {
        usage();
        return 2;
    }

    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "sse_idle: HOST must be an IPv4 address, got %s\n", host);
        return 2;
    }
    if (raise_nofile((rlim_t)n_conns + 64) != 0) {
        fprintf(stderr, "sse_idle: cannot raise the open-file limit to %ld\n", n_conns + 64);
        return 1;
    }

    char req[1024];
    int req_len = snprintf(req, sizeof req,
                           "GET %s HTTP/1.1\r\nHost: %s:%ld\r\nAccept: text/event-stream\r\n"
                           "Cache-Control: no-cache\r\nUser-Agent: sunbid-bench-sse-idle\r\n\r\n",
                           path, host, port);
    if (req_len < 0 || (size_t)req_len >= sizeof req) {
        fprintf(stderr, "sse_idle: PATH too long\n");
        return 2;
    }

    struct sigaction sact;
    memset(&sact, 0, sizeof sact);
    sact.sa_handler = on_signal;
    sigaction(SIGTERM, &sact, NULL);
    sigaction(SIGINT, &sact, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct conn *conns = calloc((size_t)n_conns, sizeof *conns);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (conns == NULL || ep < 0) {
        perror("sse_idle");
        return 1;
    }
    for (long i = 0; i < n_conns; i++)
        conns[i].fd = -1;

    long next = 0, inflight = 0, open_n = 0, failed = 0, dropped = 0;
    int all_open = 0;
    double t0 = now_s(), t_open = 0;
    struct epoll_event evs[512];

    while (!stop_flag) {
        /* Keep up to MAX_INFLIGHT connects going until all are started. */
        while (!all_open && next < n_conns && inflight < MAX_INFLIGHT) {
            if (conn_start(ep, &conns[next], &sa) != 0) {
                fprintf(stderr, "sse_idle: connect #%ld: %s\n", next, strerror(errno));
                failed++;
                conns[next].st = ST_CLOSED;
            } else {
                inflight++;
            }
            next++;
        }
        if (!all_open && open_n + failed >= n_conns) {
            if (failed > 0) {
                fprintf(stderr, "sse_idle: %ld of %ld streams failed to open\n", failed, n_conns);
                break;
            }
            all_open = 1;
            t_open = now_s();
            printf("sse_idle: %ld connected in %.2f s\n", open_n, t_open - t0);
            fflush(stdout);
        }
        if (!all_open && now_s() - t0 > CONNECT_TIMEOUT) {
            fprintf(stderr, "sse_idle: only %ld of %ld streams open after %d s\n", open_n, n_conns,
                    CONNECT_TIMEOUT);
            failed = n_conns - open_n;
            break;
        }
        if (all_open && now_s() - t_open > hold)
            break;

        int n = epoll_wait(ep, evs, (int)(sizeof evs / sizeof evs[0]), 200);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("sse_idle: epoll_wait");
            break;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            uint32_t e = evs[i].events;
            if (c->st == ST_CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0) {
                    fprintf(stderr, "sse_idle: connect: %s\n", strerror(err));
                    conn_close(ep, c, ST_CLOSED);
                    inflight--;
                    failed++;
                    continue;
                }
                if (e & EPOLLOUT) {
                    int rc = conn_send(ep, c, req, (size_t)req_len);
                    if (rc < 0) {
                        conn_close(ep, c, ST_CLOSED);
                        inflight--;
                        failed++;
                    }
                    continue;
                }
            }
            if (c->st == ST_HEADERS || c->st == ST_OPEN) {
                enum state before = c->st;
                int rc = conn_read(c);
                if (before == ST_HEADERS && c->st == ST_OPEN) {
                    inflight--;
                    open_n++;
                }
                if (rc < 0 || (e & (EPOLLERR | EPOLLHUP))) {
                    if (c->st == ST_OPEN) {
                        open_n--;
                        if (all_open)
                            dropped++;
                        else
                            failed++;
                    } else {
                        inflight--;
                        failed++;
                    }
                    conn_close(ep, c, ST_CLOSED);
                }
            }
        }
    }

    for (long i = 0; i < n_conns; i++)
        if (conns[i].fd >= 0)
            conn_close(ep, &conns[i], ST_CLOSED);
    close(ep);
    free(conns);
    printf("sse_idle: %ld dropped\n", dropped);
    fflush(stdout);
    return failed > 0 ? 1 : 0;
}
