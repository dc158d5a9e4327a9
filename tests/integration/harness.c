/*
 * harness.c — start the real sunbid binary and talk HTTP to it (harness.h).
 * Single-threaded test code: plain blocking sockets with receive timeouts.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

/* Servers started and not yet stopped: killed at exit, so a failed
 * assertion (which leaves its test early) never leaves a server behind. */
#define IT_MAX_LIVE 64
static pid_t live[IT_MAX_LIVE];

static void live_kill_all(void)
{
    for (int i = 0; i < IT_MAX_LIVE; i++)
        if (live[i] > 0) {
            kill(live[i], SIGKILL);
            waitpid(live[i], NULL, 0);
            live[i] = 0;
        }
}

static void live_add(pid_t pid)
{
    static int registered;
    if (!registered) {
        atexit(live_kill_all);
        registered = 1;
    }
    for (int i = 0; i < IT_MAX_LIVE; i++)
        if (live[i] == 0) {
            live[i] = pid;
            return;
        }
}

static void live_remove(pid_t pid)
{
    for (int i = 0; i < IT_MAX_LIVE; i++)
        if (live[i] == pid)
            live[i] = 0;
}

static const char *bin(void)
{
    const char *b = getenv("SUNBID_BIN");
    if (b == NULL)
        fail_msg("SUNBID_BIN is not set (run through ctest)");
    return b;
}

static void make_data_dir(struct it_server *s)
{
    const char *tmp = getenv("SUNBID_TEST_TMP");
    static unsigned seq;
    char base[400];
    snprintf(base, sizeof(base), "%s", tmp ? tmp : "/tmp/sunbid-test");
    mkdir(base, 0755);
    snprintf(s->data_dir, sizeof(s->data_dir), "%s/it-%d-%u-%ld", base, (int)getpid(), seq++,
             (long)time(NULL));
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->data_dir);
    if (system(cmd) != 0)
        fail_msg("cannot clear %s", s->data_dir);
    if (mkdir(s->data_dir, 0755) != 0)
        fail_msg("mkdir %s: %s", s->data_dir, strerror(errno));
    snprintf(s->log_path, sizeof(s->log_path), "%s/server.log", s->data_dir);
}

/* Runs argv with stdout (or, with fd 2, stderr; with fd -1, both)
 * captured; returns the exit code. */
static int run_fd(char *const argv[], char **out, int fd)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], fd < 0 ? 1 : fd);
        if (fd < 0)
            dup2(pfd[1], 2);
        close(pfd[0]);
        close(pfd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ssize_t n;
    while ((n = read(pfd[0], buf + len, cap - len - 1)) > 0) {
        len += (size_t)n;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[len] = '\0';
    close(pfd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `sunbid ARG... --data-dir D [--db U]` with fd captured into out. */
static int cli_va(struct it_server *s, char **out, int fd, const char *arg, va_list ap)
{
    char *argv[40];
    int n = 0;
    argv[n++] = (char *)bin();
    argv[n++] = (char *)arg;
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 36)
        argv[n++] = (char *)a;
    argv[n++] = "--data-dir";
    argv[n++] = s->data_dir;
    if (s->db_url[0]) {
        argv[n++] = "--db";
        argv[n++] = s->db_url;
    }
    argv[n] = NULL;
    return run_fd(argv, out, fd);
}

int it_cli(struct it_server *s, char **out, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = cli_va(s, out, 1, arg, ap);
    va_end(ap);
    return rc;
}

int it_run(char **out, const char *arg, ...)
{
    char *argv[40];
    int n = 0;
    va_list ap;
    argv[n++] = (char *)bin();
    argv[n++] = (char *)arg;
    va_start(ap, arg);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 38)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    return run_fd(argv, out, -1);
}

int it_cli_stderr(struct it_server *s, char **err, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = cli_va(s, err, 2, arg, ap);
    va_end(ap);
    return rc;
}

static void spawn(struct it_server *s, const char *const *extra)
{
    char *argv[40];
    int n = 0, pfd[2];
    char src_web[600];
    const char *src = getenv("SUNBID_SOURCE_DIR");
    argv[n++] = (char *)bin();
    argv[n++] = "serve";
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--data-dir";
    argv[n++] = s->data_dir;
    if (s->db_url[0]) {
        argv[n++] = "--db";
        argv[n++] = s->db_url;
    }
    if (src != NULL) {
        snprintf(src_web, sizeof(src_web), "%s/web", src);
        argv[n++] = "--web-dir";
        argv[n++] = src_web;
    }
    for (int i = 0; extra && extra[i] && n < 38; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    if (pipe(pfd) != 0)
        fail_msg("pipe");
    pid_t pid = fork();
    if (pid == 0) {
        int logfd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(pfd[1], 1);
        if (logfd >= 0)
            dup2(logfd, 2);
        close(pfd[0]);
        close(pfd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    s->pid = pid;
    live_add(pid);
    /* Wait for "sunbid: listening on http://127.0.0.1:PORT". */
    char line[512];
    size_t len = 0;
    struct timeval tv = {30, 0};
    fd_set rf;
    s->port = 0;
    while (len < sizeof(line) - 1) {
        FD_ZERO(&rf);
        FD_SET(pfd[0], &rf);
        if (select(pfd[0] + 1, &rf, NULL, NULL, &tv) <= 0)
            break;
        ssize_t r = read(pfd[0], line + len, sizeof(line) - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        line[len] = '\0';
        char *p = strstr(line, "listening on http://");
        if (p != NULL && strchr(p, '\n') != NULL) {
            char *colon = strrchr(p, ':');
            s->port = (int)strtol(colon + 1, NULL, 10);
            break;
        }
    }
    close(pfd[0]);
    if (s->port == 0) {
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "cat '%s' >&2", s->log_path);
        if (system(cmd) != 0) {
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        live_remove(pid);
        s->pid = 0;
        fail_msg("sunbid serve did not start");
    }
}

int it_on_postgres(void)
{
    const char *db = getenv("SUNBID_TEST_DB");
    return db != NULL && strcmp(db, "postgres") == 0;
}

/* A fresh database on the test cluster; its URL into s->db_url. */
static void make_database(struct it_server *s)
{
    const char *base = getenv("SUNBID_TEST_PG_URL");
    static unsigned seq;
    char name[64], sql[128];
    if (base == NULL)
        fail_msg("SUNBID_TEST_DB=postgres needs SUNBID_TEST_PG_URL (tests/pg/run-with-pg)");
    snprintf(name, sizeof(name), "it_%d_%u", (int)getpid(), seq++);
    PGconn *pq = PQconnectdb(base);
    if (PQstatus(pq) != CONNECTION_OK)
        fail_msg("cannot connect to %s: %s", base, PQerrorMessage(pq));
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
    PQclear(PQexec(pq, sql));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    PGresult *res = PQexec(pq, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(pq));
    PQclear(res);
    PQfinish(pq);
    /* postgres://ROLE@HOST:PORT/sunbid -> .../NAME */
    const char *slash = strrchr(base, '/');
    snprintf(s->db_url, sizeof(s->db_url), "%.*s/%s", (int)(slash - base), base, name);
}

void it_server_start(struct it_server *s, int seed, const char *const *extra_args)
{
    memset(s, 0, sizeof(*s));
    signal(SIGPIPE, SIG_IGN);
    make_data_dir(s);
    if (it_on_postgres())
        make_database(s);
    if (seed == IT_DEMO) {
        int rc = it_cli(s, NULL, "demo", NULL);
        if (rc != 0)
            fail_msg("sunbid demo failed: %d", rc);
    }
    spawn(s, extra_args);
}

void it_server_start_peer(struct it_server *s, const struct it_server *peer,
                          const char *const *extra_args)
{
    memset(s, 0, sizeof(*s));
    signal(SIGPIPE, SIG_IGN);
    make_data_dir(s);
    memcpy(s->db_url, peer->db_url, sizeof(s->db_url));
    spawn(s, extra_args);
}

/* Copies one file with mode 0600; 0 or -1. */
static int copy_file(const char *from, const char *to)
{
    char buf[8192];
    ssize_t n;
    int rc = 0;
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return -1;
    }
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            rc = -1;
    if (n < 0)
        rc = -1;
    close(in);
    close(out);
    return rc;
}

void it_server_start_peer_with_keys(struct it_server *s, const struct it_server *peer,
                                    const char *const *extra_args)
{
    static const char *const files[] = {"ed25519.key", "sm2.key"};
    char from[700], to[700];
    int copied = 0;
    memset(s, 0, sizeof(*s));
    signal(SIGPIPE, SIG_IGN);
    make_data_dir(s);
    memcpy(s->db_url, peer->db_url, sizeof(s->db_url));
    snprintf(to, sizeof(to), "%s/ledger", s->data_dir);
    if (mkdir(to, 0700) != 0)
        fail_msg("mkdir %s: %s", to, strerror(errno));
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(from, sizeof(from), "%s/ledger/%s", peer->data_dir, files[i]);
        snprintf(to, sizeof(to), "%s/ledger/%s", s->data_dir, files[i]);
        if (access(from, F_OK) != 0)
            continue; /* sm2.key exists only for SM3 logs */
        if (copy_file(from, to) != 0)
            fail_msg("cannot copy %s to %s", from, to);
        copied++;
    }
    if (copied == 0)
        fail_msg("no key files in %s/ledger", peer->data_dir);
    spawn(s, extra_args);
}

void it_server_kill(struct it_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    live_remove(s->pid);
    s->pid = 0;
}

void it_server_restart(struct it_server *s, const char *const *extra_args)
{
    spawn(s, extra_args);
}

int it_server_stop(struct it_server *s)
{
    int status = 0;
    if (s->pid <= 0)
        return 0;
    kill(s->pid, SIGTERM);
    for (int i = 0; i < 300; i++) {
        pid_t r = waitpid(s->pid, &status, WNOHANG);
        if (r == s->pid) {
            live_remove(s->pid);
            s->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        usleep(50 * 1000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    live_remove(s->pid);
    s->pid = 0;
    return 255;
}

int it_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    struct timeval tv = {20, 0};
    int one = 1;
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int it_send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Buffered reader over fd, kept per call (responses are read one at a time,
 * and leftover bytes of a pipelined batch are kept in a small per-fd stash). */
struct stash {
    int fd;
    char buf[1 << 16];
    size_t len;
};
static struct stash stashes[8];

static struct stash *stash_for(int fd)
{
    for (int i = 0; i < 8; i++)
        if (stashes[i].fd == fd && stashes[i].len > 0)
            return &stashes[i];
    for (int i = 0; i < 8; i++)
        if (stashes[i].len == 0) {
            stashes[i].fd = fd;
            return &stashes[i];
        }
    return &stashes[0];
}

struct rd {
    int fd;
    char *data;
    size_t len, cap, pos;
};

static int rd_fill(struct rd *r)
{
    if (r->cap - r->len < 4096) {
        r->cap = r->cap * 2 + 8192;
        r->data = realloc(r->data, r->cap);
    }
    ssize_t n = recv(r->fd, r->data + r->len, r->cap - r->len - 1, 0);
    if (n <= 0)
        return -1;
    r->len += (size_t)n;
    r->data[r->len] = '\0';
    return 0;
}

int it_read_response(int fd, struct it_resp *out, int head_only)
{
    struct rd r = {fd, NULL, 0, 0, 0};
    struct stash *st = stash_for(fd);
    memset(out, 0, sizeof(*out));
    r.cap = 8192 + st->len;
    r.data = malloc(r.cap);
    memcpy(r.data, st->buf, st->len);
    r.len = st->len;
    r.data[r.len] = '\0';
    st->len = 0;
    char *end;
    while ((end = strstr(r.data, "\r\n\r\n")) == NULL)
        if (rd_fill(&r) != 0)
            goto fail;
    size_t hlen = (size_t)(end - r.data) + 4;
    out->headers = strndup(r.data, hlen);
    if (sscanf(r.data, "HTTP/1.%*d %d", &out->status) != 1)
        goto fail;
    char val[64];
    long clen = -1;
    int chunked = 0;
    if (it_resp_header(out, "Content-Length", val, sizeof(val)) == 0)
        clen = strtol(val, NULL, 10);
    if (it_resp_header(out, "Transfer-Encoding", val, sizeof(val)) == 0 &&
        strcasestr(val, "chunked"))
        chunked = 1;
    size_t pos = hlen, body_end;
    if (head_only || out->status == 204 || out->status == 304) {
        out->body = strdup("");
        body_end = pos;
    } else if (clen >= 0) {
        while (r.len < pos + (size_t)clen)
            if (rd_fill(&r) != 0)
                goto fail;
        out->body = malloc((size_t)clen + 1); /* binary-safe: bodies may hold NULs */
        if (out->body == NULL)
            goto fail;
        memcpy(out->body, r.data + pos, (size_t)clen);
        out->body[clen] = '\0';
        out->body_len = (size_t)clen;
        body_end = pos + (size_t)clen;
    } else if (chunked) {
        size_t cap = 4096, blen = 0;
        char *body = malloc(cap);
        for (;;) {
            char *crlf;
            while ((crlf = strstr(r.data + pos, "\r\n")) == NULL)
                if (rd_fill(&r) != 0) {
                    free(body);
                    goto fail;
                }
            long sz = strtol(r.data + pos, NULL, 16);
            pos = (size_t)(crlf - r.data) + 2;
            while (r.len < pos + (size_t)sz + 2)
                if (rd_fill(&r) != 0) {
                    free(body);
                    goto fail;
                }
            if (blen + (size_t)sz + 1 > cap) {
                cap = blen + (size_t)sz + 4096;
                body = realloc(body, cap);
            }
            memcpy(body + blen, r.data + pos, (size_t)sz);
            blen += (size_t)sz;
            pos += (size_t)sz + 2;
            if (sz == 0)
                break;
        }
        body[blen] = '\0';
        out->body = body;
        out->body_len = blen;
        body_end = pos;
    } else {
        while (rd_fill(&r) == 0) {
        }
        out->body = strndup(r.data + pos, r.len - pos);
        out->body_len = r.len - pos;
        body_end = r.len;
    }
    if (r.len > body_end && r.len - body_end <= sizeof(st->buf)) {
        st->fd = fd;
        memcpy(st->buf, r.data + body_end, r.len - body_end);
        st->len = r.len - body_end;
    }
    free(r.data);
    return 0;
fail:
    free(r.data);
    return -1;
}

int it_request(struct it_server *s, const char *method, const char *path, const char *headers,
               const char *body, struct it_resp *r)
{
    char head[4096];
    int fd = it_connect(s->port);
    if (fd < 0)
        return -1;
    size_t blen = body ? strlen(body) : 0;
    int n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s"
                     "Content-Length: %zu\r\n\r\n",
                     method, path, headers ? headers : "",
                     body && (!headers || !strcasestr(headers, "content-type"))
                         ? "Content-Type: application/json\r\n"
                         : "",
                     blen);
    int rc = -1;
    if (it_send_all(fd, head, (size_t)n) == 0 && (blen == 0 || it_send_all(fd, body, blen) == 0))
        rc = it_read_response(fd, r, strcmp(method, "HEAD") == 0);
    close(fd);
    return rc;
}

void it_resp_free(struct it_resp *r)
{
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int it_resp_header(const struct it_resp *r, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    const char *p = r->headers;
    if (p == NULL)
        return -1;
    p = strstr(p, "\r\n");
    while (p != NULL && p[2] != '\r') {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t n = e ? (size_t)(e - v) : strlen(v);
            if (n >= outlen)
                n = outlen - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return 0;
        }
        p = strstr(p, "\r\n");
    }
    return -1;
}

/* Copies the value of "key":"value" from a JSON text (test helper only). */
static int json_str(const char *json, const char *key, char *out, size_t outlen)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
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

int it_login(struct it_server *s, const char *user, const char *password, int bearer,
             struct it_session *out)
{
    char body[512], cookie[512];
    struct it_resp r;
    memset(out, 0, sizeof(*out));
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"%s}", user, password,
             bearer ? ",\"token\":true" : "");
    if (it_request(s, "POST", "/api/auth/login", NULL, body, &r) != 0)
        return -1;
    int status = r.status;
    if (status == 200) {
        if (bearer) {
            json_str(r.body, "token", out->token, sizeof(out->token));
        } else {
            json_str(r.body, "csrf_token", out->csrf, sizeof(out->csrf));
            if (it_resp_header(&r, "Set-Cookie", cookie, sizeof(cookie)) == 0) {
                size_t n = strcspn(cookie, ";");
                if (n >= sizeof(out->cookie))
                    n = sizeof(out->cookie) - 1;
                memcpy(out->cookie, cookie, n);
                out->cookie[n] = '\0';
            }
        }
    }
    it_resp_free(&r);
    return status;
}

int it_request_as(struct it_server *s, const struct it_session *who, const char *method,
                  const char *path, const char *body, struct it_resp *r)
{
    char headers[1024];
    if (who == NULL)
        headers[0] = '\0';
    else if (who->token[0])
        snprintf(headers, sizeof(headers), "Authorization: Bearer %s\r\n", who->token);
    else
        snprintf(headers, sizeof(headers), "Cookie: %s\r\nX-CSRF-Token: %s\r\n", who->cookie,
                 who->csrf);
    return it_request(s, method, path, headers, body, r);
}

/* ---- a local RFC 3161 TSA (the `openssl` command) ---- */

__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(cmd))
        return -1;
    return system(cmd);
}

int it_tsa_make(const char *dir, const char *prefix)
{
    if (system("openssl version >/dev/null 2>&1") != 0)
        return -1;
    return sh("(cd '%s' && P='%s' && "
              "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
              "-keyout ${P}ca.key -out ${P}ca.pem -days 2 -subj /CN=${P}CA && "
              "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
              "-keyout ${P}tsa.key -out ${P}tsa.csr -subj /CN=${P}TSA && "
              "printf '[e]\\nbasicConstraints=CA:FALSE\\n"
              "extendedKeyUsage=critical,timeStamping\\n' > ext.cnf && "
              "openssl x509 -req -in ${P}tsa.csr -CA ${P}ca.pem -CAkey ${P}ca.key "
              "-CAcreateserial -out ${P}tsa.pem -days 2 -extfile ext.cnf -extensions e && "
              "printf '[tsa]\\ndefault_tsa=t\\n[t]\\nserial=serial\\nsigner_digest=sha256\\n"
              "default_policy=1.2.3.4.1\\ndigests=sha256\\ness_cert_id_alg=sha256\\n' > tsa.cnf) "
              ">/dev/null 2>&1",
              dir, prefix) == 0
               ? 0
               : -1;
}

char *it_tsa_stamp(const char *dir, const char *prefix, const void *data, size_t n, size_t *len)
{
    char path[600];
    FILE *f;
    snprintf(path, sizeof(path), "%s/stamp.dat", dir);
    f = fopen(path, "wb");
    if (f == NULL)
        return NULL;
    if (fwrite(data, 1, n, f) != n) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    if (sh("(cd '%s' && P='%s' && "
           "openssl ts -query -data stamp.dat -sha256 -cert -out stamp.tsq && "
           "openssl ts -reply -queryfile stamp.tsq -signer ${P}tsa.pem -inkey ${P}tsa.key "
           "-chain ${P}ca.pem -config tsa.cnf -token_out -out stamp.der) >/dev/null 2>&1",
           dir, prefix) != 0)
        return NULL;
    snprintf(path, sizeof(path), "%s/stamp.der", dir);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *p = malloc(70000);
    *len = p != NULL ? fread(p, 1, 70000, f) : 0;
    fclose(f);
    return p;
}
