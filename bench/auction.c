/*
 * bench/auction.c — one English auction through the real server (issue 8):
 *
 *   auction_fsync_rate          the machine's raw fsync rate (4 KiB write +
 *                               fdatasync in the data directory): the ceiling
 *                               of one commit per bid
 *   auction_group_*             C bidders on keep-alive connections as fast as
 *                               they can: accepted (durable) bids/s, all
 *                               answers/s, acknowledgement latency p50/p99
 *   auction_single_*            the same with SUNBID_AUCTION_BATCH_MAX=1 (one
 *                               commit per bid), same machine, same run
 *   auction_steady_*            bids at a steady BENCH_AUCTION_RATE (2,000/s):
 *                               achieved rate, acknowledgement p50/p99
 *   auction_fanout_*            W SSE watchers of the auction; bids at 20/s;
 *                               bid-sent-to-event-received latency p50/p99
 *                               over every (watcher, bid), streams dropped
 *   auction_pg_group_*,         the same group commit and steady rate on
 *   auction_pg_steady_*         PostgreSQL, in the same run (its fsync rate:
 *                               auction_pg_fsync_rate, measured in the same
 *                               file system as the cluster when it is ours)
 *
 * Every bid has an amount from one shared counter (start + k * increment),
 * so bids that arrive out of order are refused as too low: "accepted" counts
 * durable acknowledged bids only, "answered" every answer. The server runs
 * with --workers = connections so that many bids can wait for one commit.
 *
 * Knobs: BENCH_AUCTION_SECONDS (5), BENCH_AUCTION_CONNS (64),
 * BENCH_AUCTION_RATE (2000), BENCH_AUCTION_WATCHERS (2000; the goal is
 * 10000), BENCH_AUCTION_STORES ("sqlite pg": which stores), BENCH_AUCTION_DB
 * (a postgres:// URL for the PostgreSQL part, an empty database; without it
 * a throw-away cluster is started with scripts/pg-local, found through
 * SUNBID_SOURCE_DIR or up from the executable, and stopped at the end; when
 * there is none the PostgreSQL figures are skipped, said on stderr).
 * SUNBID_BIN is the server (bench/run sets it).
 * Output: `bench: NAME VALUE UNIT` lines. Runs on loopback only, bounded in
 * time; stops its servers itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PASSWORD    "Sunbid@2026"
#define START_PRICE 1000000LL
#define INCREMENT   100LL
#define MAX_SAMPLES (1 << 21)

static const char *bin;
static const char *db_url;
static char data_dir[256];
static int port;
static pid_t server_pid;

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return def;
    long x = strtol(v, NULL, 10);
    return x > 0 ? x : def;
}

static void die(const char *msg)
{
    fprintf(stderr, "bench/auction: %s\n", msg);
    if (server_pid > 0)
        kill(server_pid, SIGKILL);
    exit(1);
}

/* ---- processes ---- */

static int run_cmd(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void server_start(int workers, int batch)
{
    int out[2];
    char w[16], b[16], log_path[300];
    snprintf(w, sizeof w, "%d", workers);
    snprintf(b, sizeof b, "%d", batch);
    snprintf(log_path, sizeof log_path, "%s/server.log", data_dir);
    if (pipe(out) != 0)
        die("pipe");
    server_pid = fork();
    if (server_pid < 0)
        die("fork");
    if (server_pid == 0) {
        int logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(out[1], 1);
        if (logfd >= 0)
            dup2(logfd, 2);
        close(out[0]);
        if (batch > 0)
            setenv("SUNBID_AUCTION_BATCH_MAX", b, 1);
        else
            unsetenv("SUNBID_AUCTION_BATCH_MAX");
        if (db_url != NULL)
            execl(bin, bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--db",
                  db_url, "--workers", w, "--no-access-log", (char *)NULL);
        else
            execl(bin, bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--workers",
                  w, "--no-access-log", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char line[512];
    size_t n = 0;
    double t0 = mono_ms();
    while (n < sizeof line - 1 && mono_ms() - t0 < 30000) {
        struct pollfd p = {out[0], POLLIN, 0};
        if (poll(&p, 1, 1000) != 1)
            continue;
        ssize_t r = read(out[0], line + n, 1);
        if (r <= 0)
            break;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    close(out[0]);
    const char *colon = strrchr(line, ':');
    if (strstr(line, "listening") == NULL || colon == NULL)
        die("the server did not start (see server.log in the data dir)");
    port = (int)strtol(colon + 1, NULL, 10);
}

static void server_stop(void)
{
    if (server_pid <= 0)
        return;
    kill(server_pid, SIGTERM);
    int st;
    waitpid(server_pid, &st, 0);
    server_pid = 0;
}

/* ---- a keep-alive HTTP client ---- */

struct hc {
    int fd;
    char buf[65536];
    size_t len;
};

static int hc_open(struct hc *c)
{
    struct sockaddr_in sa = {0};
    int one = 1;
    c->len = 0;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        return -1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}

static void hc_close(struct hc *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* One request; the body of the answer into out (NUL-terminated). Status or -1. */
static int hc_req(struct hc *c, const char *method, const char *path, const char *token,
                  const char *body, char *out, size_t outlen)
{
    char req[2048], auth[256] = "";
    if (token != NULL)
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", token);
    size_t blen = body ? strlen(body) : 0;
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: bench\r\n%sContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, auth, blen, body ? body : "");
    if (n <= 0 || (size_t)n >= sizeof req)
        return -1;
    for (int off = 0; off < n;) {
        ssize_t w = write(c->fd, req + off, (size_t)(n - off));
        if (w <= 0)
            return -1;
        off += (int)w;
    }
    for (;;) {
        c->buf[c->len] = '\0';
        char *end = strstr(c->buf, "\r\n\r\n");
        if (end != NULL) {
            int status = -1;
            size_t hlen = (size_t)(end + 4 - c->buf), clen = 0;
            if (sscanf(c->buf, "HTTP/1.1 %d", &status) != 1)
                return -1;
            for (char *h = c->buf; h < end; h++)
                if (strncasecmp(h, "\r\ncontent-length:", 17) == 0)
                    clen = (size_t)strtoul(h + 17, NULL, 10);
            if (hlen + clen > sizeof c->buf - 1)
                return -1;
            while (c->len < hlen + clen) {
                ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
                if (r <= 0)
                    return -1;
                c->len += (size_t)r;
            }
            if (out != NULL) {
                size_t m = clen < outlen - 1 ? clen : outlen - 1;
                memcpy(out, c->buf + hlen, m);
                out[m] = '\0';
            }
            memmove(c->buf, c->buf + hlen + clen, c->len - hlen - clen);
            c->len -= hlen + clen;
            return status;
        }
        if (c->len >= sizeof c->buf - 1)
            return -1;
        ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
        if (r <= 0)
            return -1;
        c->len += (size_t)r;
    }
}

static int64_t json_int(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

static int json_str(const char *json, const char *key, char *out, size_t outlen)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(json, pat);
    if (p == NULL)
        return -1;
    p += strlen(pat);
    const char *e = strchr(p, '"');
    if (e == NULL || (size_t)(e - p) >= outlen)
        return -1;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return 0;
}

/* ---- set-up: bidders, an auction ---- */

struct bidder {
    char token[128];
    int64_t org;
};

static struct hc ctl; /* the main thread's connection */
static char admin_tok[128], agent_tok[128];

static void login(const char *user, char *tok, size_t len)
{
    char body[256], out[4096];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\",\"token\":true}", user,
             PASSWORD);
    if (hc_req(&ctl, "POST", "/api/auth/login", NULL, body, out, sizeof out) != 200 ||
        json_str(out, "token", tok, len) != 0)
        die("login failed");
}

/* A valid unified social credit code from n (GB 32100 check digit). */
static void uscc(int n, char out[19])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int wt[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    snprintf(out, 19, "91350200%08dQ", n % 100000000);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(alphabet, out[i]) - alphabet) * wt[i];
    out[17] = alphabet[(31 - sum % 31) % 31];
    out[18] = '\0';
}

static void make_bidders(struct bidder *b, int n)
{
    char body[512], out[8192], code[19], user[32];
    int salt = (int)(getpid() % 10000) * 1000;
    for (int i = 0; i < n; i++) {
        uscc(salt + i, code);
        snprintf(body, sizeof body,
                 "{\"name\":\"竞买测试公司%d\",\"uscc\":\"%s\",\"legal_rep\":\"测试\"}", i, code);
        if (hc_req(&ctl, "POST", "/api/orgs", admin_tok, body, out, sizeof out) != 201)
            die("cannot create a bidder organisation");
        b[i].org = json_int(out, "id");
        snprintf(user, sizeof user, "bbench%d_%d", salt / 1000, i);
        snprintf(body, sizeof body,
                 "{\"username\":\"%s\",\"display_name\":\"竞买人%d\",\"password\":\"%s\","
                 "\"roles\":[\"bidder\"],\"org_id\":%lld}",
                 user, i, PASSWORD, (long long)b[i].org);
        if (hc_req(&ctl, "POST", "/api/users", admin_tok, body, out, sizeof out) != 201)
            die("cannot create a bidder user");
        login(user, b[i].token, sizeof b[i].token);
    }
}

static int64_t server_now(void)
{
    char out[65536];
    if (hc_req(&ctl, "GET", "/api/auctions?limit=1", NULL, NULL, out, sizeof out) != 200)
        die("cannot read the server's time");
    return json_int(out, "now_ms");
}

/* Creates a live English auction with every bidder qualified; its id. */
static int64_t make_auction(struct bidder *b, int n)
{
    char body[512], out[8192], path[96];
    int64_t start = server_now() + 10000 + 150LL * n; /* time to qualify everyone */
    snprintf(body, sizeof body,
             "{\"title\":\"bench\",\"kind\":\"english\",\"start_price\":%lld,\"increment\":%lld,"
             "\"start_ms\":%lld,\"end_ms\":%lld,\"window_ms\":60000}",
             START_PRICE, INCREMENT, (long long)start, (long long)(start + 3600000));
    if (hc_req(&ctl, "POST", "/api/auctions", agent_tok, body, out, sizeof out) != 201)
        die("cannot create the auction");
    int64_t id = json_int(out, "id");
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/api/auctions/%lld/register", (long long)id);
        if (hc_req(&ctl, "POST", path, b[i].token, "{\"deposit_ref\":\"bench\"}", out,
                   sizeof out) != 201) {
            fprintf(stderr, "bench/auction: %s\n", out);
            die("cannot register");
        }
        int64_t reg = json_int(out, "id");
        snprintf(path, sizeof path, "/api/auctions/%lld/registrations/%lld", (long long)id,
                 (long long)reg);
        if (hc_req(&ctl, "POST", path, agent_tok, "{\"qualify\":true}", out, sizeof out) != 200) {
            fprintf(stderr, "bench/auction: %s\n", out);
            die("cannot qualify");
        }
    }
    snprintf(path, sizeof path, "/api/auctions/%lld", (long long)id);
    for (int i = 0; i < 600; i++) {
        if (hc_req(&ctl, "GET", path, NULL, NULL, out, sizeof out) == 200 &&
            strstr(out, "\"state\":\"live\"") != NULL)
            return id;
        usleep(50000);
    }
    die("the auction never went live");
    return 0;
}

/* ---- load ---- */

struct load {
    int64_t auction;
    struct bidder *bidders;
    int conns;
    double seconds;
    double rate; /* 0: closed loop */
    atomic_llong next;
    atomic_llong accepted, refused, errors;
    pthread_mutex_t mu;
    double *lat; /* ms */
    size_t nlat;
    double t0;
};

struct load_arg {
    struct load *l;
    int i;
};

static void *load_main(void *arg)
{
    struct load_arg *a = arg;
    struct load *l = a->l;
    struct hc c;
    char path[64], body[96], out[4096];
    double mine[4096];
    int nmine = 0;
    snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)l->auction);
    if (hc_open(&c) != 0) {
        atomic_fetch_add(&l->errors, 1);
        return NULL;
    }
    for (long j = 0;; j++) {
        double now = mono_ms();
        if (now - l->t0 >= l->seconds * 1000)
            break;
        if (l->rate > 0) { /* send at t0 + (j * conns + i) / rate */
            double due = l->t0 + ((double)j * l->conns + a->i) * 1000.0 / l->rate;
            if (due - l->t0 >= l->seconds * 1000)
                break;
            if (due > now)
                usleep((useconds_t)((due - now) * 1000));
        }
        long long k = atomic_fetch_add(&l->next, 1);
        snprintf(body, sizeof body, "{\"amount\":%lld}", START_PRICE + INCREMENT * k);
        double t = mono_ms();
        int st = hc_req(&c, "POST", path, l->bidders[a->i].token, body, out, sizeof out);
        double dt = mono_ms() - t;
        if (st == 201)
            atomic_fetch_add(&l->accepted, 1);
        else if (st == 409 || st == 422)
            atomic_fetch_add(&l->refused, 1);
        else {
            atomic_fetch_add(&l->errors, 1);
            if (st < 0) {
                hc_close(&c);
                if (hc_open(&c) != 0)
                    break;
            }
        }
        mine[nmine++] = dt;
        if (nmine == (int)(sizeof mine / sizeof mine[0])) {
            pthread_mutex_lock(&l->mu);
            for (int x = 0; x < nmine && l->nlat < MAX_SAMPLES; x++)
                l->lat[l->nlat++] = mine[x];
            pthread_mutex_unlock(&l->mu);
            nmine = 0;
        }
    }
    pthread_mutex_lock(&l->mu);
    for (int x = 0; x < nmine && l->nlat < MAX_SAMPLES; x++)
        l->lat[l->nlat++] = mine[x];
    pthread_mutex_unlock(&l->mu);
    hc_close(&c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1));
    return v[i];
}

/* Runs the load; prints NAME_accepted, NAME_answered, NAME_p50, NAME_p99. */
static double run_load(const char *name, int64_t auction, struct bidder *b, int conns,
                       double seconds, double rate, long long first_k)
{
    static struct load l;
    pthread_t th[1024];
    struct load_arg args[1024];
    memset(&l, 0, sizeof l);
    l.auction = auction;
    l.bidders = b;
    l.conns = conns;
    l.seconds = seconds;
    l.rate = rate;
    atomic_store(&l.next, first_k);
    pthread_mutex_init(&l.mu, NULL);
    l.lat = malloc(sizeof(double) * MAX_SAMPLES);
    if (l.lat == NULL)
        die("out of memory");
    l.t0 = mono_ms();
    for (int i = 0; i < conns; i++) {
        args[i] = (struct load_arg){&l, i};
        pthread_create(&th[i], NULL, load_main, &args[i]);
    }
    for (int i = 0; i < conns; i++)
        pthread_join(th[i], NULL);
    double el = (mono_ms() - l.t0) / 1000.0;
    qsort(l.lat, l.nlat, sizeof(double), cmp_double);
    double acc = (double)atomic_load(&l.accepted) / el;
    long long answered = atomic_load(&l.accepted) + atomic_load(&l.refused);
    printf("bench: auction_%s_accepted %.0f bids/s\n", name, acc);
    printf("bench: auction_%s_answered %.0f bids/s\n", name, (double)answered / el);
    printf("bench: auction_%s_p50 %.2f ms\n", name, pct(l.lat, l.nlat, 0.50));
    printf("bench: auction_%s_p99 %.2f ms\n", name, pct(l.lat, l.nlat, 0.99));
    printf("bench: auction_%s_errors %lld count\n", name, (long long)atomic_load(&l.errors));
    fflush(stdout);
    free(l.lat);
    pthread_mutex_destroy(&l.mu);
    return acc;
}

/* ---- fsync ---- */

static double fsync_rate(void)
{
    char path[300], block[4096];
    snprintf(path, sizeof path, "%s/fsync.bench", data_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return 0;
    memset(block, 'x', sizeof block);
    int n = 0;
    double t0 = mono_ms();
    while (mono_ms() - t0 < 1000) {
        if (pwrite(fd, block, sizeof block, 0) != (ssize_t)sizeof block || fdatasync(fd) != 0)
            break;
        n++;
    }
    double el = (mono_ms() - t0) / 1000.0;
    close(fd);
    unlink(path);
    return (double)n / el;
}

/* ---- fan-out ---- */

/* The watchers are read by a thread of their own while the main thread sends
 * the bids: a sender blocked on a bid's answer must not leave the streams
 * unread, or the latency measured is the bench's own. */
struct watcher {
    int fd;
    int state; /* 0 connecting/headers, 1 streaming, 2 closed */
    char buf[8192];
    size_t len;
};

struct fan {
    struct watcher *w;
    int n, ep;
    long long base_k;
    double sent_at[4096];   /* by bid number in the fan-out run */
    atomic_int sent;        /* bids whose sent_at is set */
    atomic_bool stop;       /* the reader ends */
    atomic_bool open_phase; /* still waiting for the heads */
    atomic_int open_n, dropped;
    double *lat; /* ms, per (watcher, bid) */
    size_t nlat;
};

static void watcher_closed(struct fan *f, struct watcher *x)
{
    if (x->state != 2) {
        x->state = 2;
        atomic_fetch_add(&f->dropped, 1);
        close(x->fd);
    }
}

static void *fan_reader(void *arg)
{
    struct fan *f = arg;
    struct epoll_event evs[256];
    while (!atomic_load(&f->stop)) {
        int n = epoll_wait(f->ep, evs, 256, 5);
        double at = mono_ms();
        for (int k = 0; k < n; k++) {
            struct watcher *x = &f->w[evs[k].data.u32];
            if (x->state == 2)
                continue;
            ssize_t r = read(x->fd, x->buf + x->len, sizeof x->buf - 1 - x->len);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                watcher_closed(f, x);
                continue;
            }
            if (r < 0)
                continue;
            x->len += (size_t)r;
            x->buf[x->len] = '\0';
            if (x->state == 0) {
                char *e = strstr(x->buf, "\r\n\r\n");
                if (e == NULL)
                    continue;
                x->state = 1;
                atomic_fetch_add(&f->open_n, 1);
                size_t rest = x->len - (size_t)(e + 4 - x->buf);
                memmove(x->buf, e + 4, rest);
                x->len = rest;
                x->buf[x->len] = '\0';
            }
            char *blk;
            int sent = atomic_load(&f->sent);
            while ((blk = strstr(x->buf, "\n\n")) != NULL) {
                *blk = '\0';
                for (char *p = strstr(x->buf, "\"amount\":"); p != NULL;
                     p = strstr(p + 9, "\"amount\":")) {
                    long long amount = strtoll(p + 9, NULL, 10);
                    long long i = (amount - START_PRICE) / INCREMENT - f->base_k;
                    if (i >= 0 && i < sent && f->nlat < MAX_SAMPLES)
                        f->lat[f->nlat++] = at - f->sent_at[i];
                }
                size_t used = (size_t)(blk + 2 - x->buf);
                memmove(x->buf, blk + 2, x->len - used);
                x->len -= used;
                x->buf[x->len] = '\0';
            }
            if (x->len >= sizeof x->buf - 1)
                x->len = 0;
        }
    }
    return NULL;
}

static void fanout(int64_t auction, struct bidder *b, int watchers, long long base_k)
{
    struct rlimit rl = {(rlim_t)watchers + 256, (rlim_t)watchers + 256};
    setrlimit(RLIMIT_NOFILE, &rl);
    static struct fan f;
    memset(&f, 0, sizeof f);
    f.w = calloc((size_t)watchers, sizeof(*f.w));
    f.lat = malloc(sizeof(double) * MAX_SAMPLES);
    f.n = watchers;
    f.base_k = base_k;
    f.ep = epoll_create1(0);
    char req[256];
    int rn = snprintf(req, sizeof req,
                      "GET /api/auctions/%lld/events HTTP/1.1\r\nHost: bench\r\n"
                      "Accept: text/event-stream\r\n\r\n",
                      (long long)auction);
    if (f.w == NULL || f.lat == NULL || f.ep < 0)
        die("out of memory");
    for (int i = 0; i < watchers; i++) {
        struct sockaddr_in sa = {0};
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        f.w[i].fd = socket(AF_INET, SOCK_STREAM, 0);
        if (f.w[i].fd < 0 || connect(f.w[i].fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
            write(f.w[i].fd, req, (size_t)rn) != rn) {
            if (f.w[i].fd >= 0)
                close(f.w[i].fd);
            f.w[i].state = 2;
            atomic_fetch_add(&f.dropped, 1);
            continue;
        }
        fcntl(f.w[i].fd, F_SETFL, O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(f.ep, EPOLL_CTL_ADD, f.w[i].fd, &ev);
    }
    pthread_t rt;
    pthread_create(&rt, NULL, fan_reader, &f);
    /* wait for every stream's headers */
    double t0 = mono_ms();
    while (atomic_load(&f.open_n) + atomic_load(&f.dropped) < watchers && mono_ms() - t0 < 60000)
        usleep(20000);
    printf("bench: auction_fanout_watchers %d streams\n", atomic_load(&f.open_n));
    fflush(stdout);
    /* the bids: 20/s from two bidders taking turns, each one accepted */
    int nbids = 100;
    struct hc c[2];
    if (hc_open(&c[0]) != 0 || hc_open(&c[1]) != 0)
        die("cannot connect");
    char path[64], body[96], out[4096];
    snprintf(path, sizeof path, "/api/auctions/%lld/bids", (long long)auction);
    int flip = 0; /* flip: the other order when the first is the leader */
    double next_send = mono_ms();
    for (int sent = 0; sent < nbids; sent++) {
        double now = mono_ms();
        if (next_send > now)
            usleep((useconds_t)((next_send - now) * 1000));
        next_send += 50;
        long long amount = START_PRICE + INCREMENT * (base_k + sent);
        snprintf(body, sizeof body, "{\"amount\":%lld}", amount);
        int who = (sent + flip) % 2;
        f.sent_at[sent] = mono_ms();
        atomic_store(&f.sent, sent + 1);
        int st = hc_req(&c[who], "POST", path, b[who].token, body, out, sizeof out);
        if (st == 409 && sent == 0 && flip == 0 && strstr(out, "already_leading")) {
            flip = 1;
            who = 1;
            f.sent_at[sent] = mono_ms();
            st = hc_req(&c[who], "POST", path, b[who].token, body, out, sizeof out);
        }
        if (st != 201)
            fprintf(stderr, "bench/auction: fan-out bid %d: %d %s\n", sent, st, out);
    }
    usleep(3000 * 1000); /* the last deliveries */
    atomic_store(&f.stop, true);
    pthread_join(rt, NULL);
    double *lat = f.lat;
    size_t nlat = f.nlat;
    qsort(lat, nlat, sizeof(double), cmp_double);
    printf("bench: auction_fanout_deliveries %zu events\n", nlat);
    printf("bench: auction_fanout_p50 %.1f ms\n", pct(lat, nlat, 0.50));
    printf("bench: auction_fanout_p90 %.1f ms\n", pct(lat, nlat, 0.90));
    printf("bench: auction_fanout_p99 %.1f ms\n", pct(lat, nlat, 0.99));
    printf("bench: auction_fanout_max %.1f ms\n", pct(lat, nlat, 1.0));
    printf("bench: auction_fanout_dropped %d streams\n", atomic_load(&f.dropped));
    fflush(stdout);
    for (int i = 0; i < watchers; i++)
        if (f.w[i].state != 2)
            close(f.w[i].fd);
    hc_close(&c[0]);
    hc_close(&c[1]);
    close(f.ep);
    free(f.w);
    free(f.lat);
}

/* ---- PostgreSQL ---- */

static char pglocal[1024]; /* scripts/pg-local, when this run started a cluster */
static char pgdir[256];    /* its folder */

/* scripts/pg-local: $SUNBID_SOURCE_DIR, then up from the executable
 * (BUILD/bench/bench_auction), then the cwd. */
static bool find_pglocal(void)
{
    const char *src = getenv("SUNBID_SOURCE_DIR");
    char exe[1024];
    if (src != NULL && *src != '\0') {
        snprintf(pglocal, sizeof pglocal, "%s/scripts/pg-local", src);
        if (access(pglocal, X_OK) == 0)
            return true;
    }
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        for (int up = 0; up < 4; up++) {
            char *slash = strrchr(exe, '/');
            if (slash == NULL)
                break;
            *slash = '\0';
            int m = snprintf(pglocal, sizeof pglocal, "%s/scripts/pg-local", exe);
            if (m > 0 && (size_t)m < sizeof pglocal && access(pglocal, X_OK) == 0)
                return true;
        }
    }
    snprintf(pglocal, sizeof pglocal, "scripts/pg-local");
    return access(pglocal, X_OK) == 0;
}

/* Starts a throw-away cluster (scripts/pg-local); its URL into url. */
static bool pg_start(char *url, size_t n)
{
    char cmd[1400];
    if (!find_pglocal()) {
        fprintf(stderr, "bench/auction: scripts/pg-local not found (set SUNBID_SOURCE_DIR)\n");
        return false;
    }
    snprintf(pgdir, sizeof pgdir, "/tmp/sunbid-auction-pg.XXXXXX");
    if (mkdtemp(pgdir) == NULL) {
        pgdir[0] = '\0';
        return false;
    }
    snprintf(cmd, sizeof cmd, "'%s' start '%s'", pglocal, pgdir);
    FILE *f = popen(cmd, "r");
    if (f == NULL || fgets(url, (int)n, f) == NULL) {
        if (f != NULL)
            pclose(f);
        return false;
    }
    if (pclose(f) != 0)
        return false;
    url[strcspn(url, "\r\n")] = '\0';
    return url[0] != '\0';
}

static void pg_stop(void)
{
    char cmd[1400];
    if (pgdir[0] == '\0')
        return;
    int n = snprintf(cmd, sizeof cmd, "'%s' stop '%s' >/dev/null 2>&1; rm -rf '%s'", pglocal, pgdir,
                     pgdir);
    if (n < 0 || (size_t)n >= sizeof cmd || system(cmd) != 0)
        fprintf(stderr, "bench/auction: stopping the PostgreSQL cluster failed\n");
    pgdir[0] = '\0';
}

/* ---- one store ---- */

static void rm_data_dir(void)
{
    static char rm_c[] = "/bin/rm", rf_c[] = "-rf";
    char *rm[] = {rm_c, rf_c, data_dir, NULL};
    run_cmd(rm);
}

/* Seeds a store (url NULL: SQLite in a new data dir) with `sunbid demo`. */
static void seed(const char *url)
{
    db_url = url;
    snprintf(data_dir, sizeof data_dir, "/tmp/sunbid-auction-bench.XXXXXX");
    if (mkdtemp(data_dir) == NULL)
        die("mkdtemp");
    static char bin_c[1024], db_c[1024], demo_c[] = "demo", dd_c[] = "--data-dir",
                                         db_flag[] = "--db";
    snprintf(bin_c, sizeof bin_c, "%s", bin);
    snprintf(db_c, sizeof db_c, "%s", db_url ? db_url : "");
    char *demo[] = {bin_c, demo_c, dd_c, data_dir, db_url ? db_flag : NULL, db_c, NULL};
    if (run_cmd(demo) != 0)
        die("sunbid demo failed");
}

/* Group commit and the steady rate on one store: names "auction_" + prefix. */
static double run_store(const char *prefix, struct bidder *b, int conns, double seconds,
                        double rate, int watchers)
{
    char name[64];
    server_start(conns + 4, 0);
    if (hc_open(&ctl) != 0)
        die("cannot connect");
    login("admin", admin_tok, sizeof admin_tok);
    login("agent", agent_tok, sizeof agent_tok);
    make_bidders(b, conns);
    int64_t a1 = make_auction(b, conns);
    snprintf(name, sizeof name, "%sgroup", prefix);
    double group = run_load(name, a1, b, conns, seconds, 0, 0);
    /* the steady rate, same auction, amounts after the ones used */
    snprintf(name, sizeof name, "%ssteady", prefix);
    run_load(name, a1, b, conns, seconds, rate, 100000000LL);
    /* fan-out to SSE watchers, same auction */
    if (watchers > 0)
        fanout(a1, b, watchers, 200000000LL);
    hc_close(&ctl);
    server_stop();
    return group;
}

int main(void)
{
    int conns = (int)env_long("BENCH_AUCTION_CONNS", 64);
    double seconds = (double)env_long("BENCH_AUCTION_SECONDS", 5);
    double rate = (double)env_long("BENCH_AUCTION_RATE", 2000);
    int watchers = (int)env_long("BENCH_AUCTION_WATCHERS", 2000);
    const char *stores = getenv("BENCH_AUCTION_STORES");
    const char *pg_url = getenv("BENCH_AUCTION_DB");
    char pg_buf[1024] = "";
    bin = getenv("SUNBID_BIN");
    if (stores == NULL || *stores == '\0')
        stores = "sqlite pg";
    if (pg_url == NULL || *pg_url == '\0')
        pg_url = NULL;
    if (bin == NULL)
        die("SUNBID_BIN is not set");
    if (conns < 2 || conns > 256)
        die("BENCH_AUCTION_CONNS is 2..256");
    signal(SIGPIPE, SIG_IGN);
    struct bidder *b = calloc((size_t)conns, sizeof(*b));
    if (b == NULL)
        die("out of memory");

    if (strstr(stores, "sqlite") != NULL) {
        seed(NULL);
        printf("bench: auction_fsync_rate %.0f fsync/s\n", fsync_rate());
        fflush(stdout);
        /* 1-3. group commit, steady rate, fan-out */
        double group = run_store("", b, conns, seconds, rate, watchers);
        /* 4. one commit per bid, a new auction */
        server_start(conns + 4, 1);
        if (hc_open(&ctl) != 0)
            die("cannot connect");
        int64_t a2 = make_auction(b, conns);
        double single = run_load("single", a2, b, conns, seconds, 0, 0);
        hc_close(&ctl);
        server_stop();
        printf("bench: auction_group_vs_single %.1f x\n", single > 0 ? group / single : 0);
        printf("bench: auction_store sqlite name\n");
        fflush(stdout);
        rm_data_dir();
    }
    if (strstr(stores, "pg") != NULL) {
        /* 5. PostgreSQL: BENCH_AUCTION_DB (an empty database), or a
         * throw-away cluster of scripts/pg-local */
        if (pg_url == NULL && pg_start(pg_buf, sizeof pg_buf))
            pg_url = pg_buf;
        if (pg_url == NULL) {
            fprintf(stderr, "bench/auction: no PostgreSQL: its figures are not measured\n");
            printf("bench: auction_pg_skipped 1 count\n");
        } else {
            seed(pg_url);
            printf("bench: auction_pg_fsync_rate %.0f fsync/s\n", fsync_rate());
            fflush(stdout);
            run_store("pg_", b, conns, seconds, rate, 0);
            rm_data_dir();
        }
        pg_stop();
    }
    free(b);
    return 0;
}
