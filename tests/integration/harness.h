/*
 * harness.h — integration tests start the real `sunbid` binary on a free
 * port with a fresh data directory and talk to it over real sockets.
 *
 *   struct it_server s;
 *   it_server_start(&s, IT_DEMO, NULL);       // seeds demo data first
 *   struct it_resp r;
 *   it_request(&s, "GET", "/api/health", NULL, NULL, &r);
 *   assert_int_equal(r.status, 200);
 *   it_resp_free(&r);
 *   it_server_stop(&s);                       // SIGTERM, waits, checks exit 0
 *
 * The binary comes from $SUNBID_BIN, scratch space from $SUNBID_TEST_TMP.
 * With SUNBID_TEST_DB=postgres (the *_pg variants of the tests, run through
 * tests/pg/run-with-pg) each started server gets a fresh database on the
 * cluster at $SUNBID_TEST_PG_URL instead of SQLite.
 */
#ifndef SUNBID_IT_HARNESS_H
#define SUNBID_IT_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

#define IT_DEMO_PASSWORD "Sunbid@2026"

enum { IT_EMPTY = 0, IT_DEMO = 1 };

struct it_server {
    pid_t pid;          /* the sunbid serve process */
    int port;           /* where it listens */
    char data_dir[512]; /* fresh per start */
    char log_path[600]; /* its stderr */
    char db_url[512];   /* --db for every command; empty: SQLite in data_dir */
};

struct it_resp {
    int status;
    char *headers; /* raw header block, NUL-terminated */
    char *body;    /* NUL-terminated */
    size_t body_len;
};

/* Makes a fresh data dir, optionally seeds demo data, starts serve with the
 * extra args (NULL-terminated array, may be NULL), waits for /api/health. */
void it_server_start(struct it_server *s, int seed, const char *const *extra_args);
/* Starts a second node on the same store as peer (PostgreSQL), with its own
 * data dir. */
void it_server_start_peer(struct it_server *s, const struct it_server *peer,
                          const char *const *extra_args);
/* Like it_server_start_peer, but first copies peer's witness-log signing
 * keys (<data-dir>/ledger/ed25519.key and sm2.key, mode 0600) into the new data dir, so this
 * node may run the sequencer too (docs/ledger.md, "Keys"). */
void it_server_start_peer_with_keys(struct it_server *s, const struct it_server *peer,
                                    const char *const *extra_args);
/* Kills the server with SIGKILL (no drain), and waits for it. */
void it_server_kill(struct it_server *s);
/* True when the tests run on PostgreSQL (SUNBID_TEST_DB=postgres). */
int it_on_postgres(void);
/* Starts again on the same data dir (after a stop). */
void it_server_restart(struct it_server *s, const char *const *extra_args);
/* Sends SIGTERM and waits; returns the exit status (or 128+signal). */
int it_server_stop(struct it_server *s);
/* Runs `sunbid ARGS...` (NULL-terminated) with --data-dir of s; returns exit code,
 * output (stdout) into out if not NULL (caller frees). */
int it_cli(struct it_server *s, char **out, const char *arg, ...);
/* `sunbid ARGS...` (NULL-terminated) without store options, stdout and
 * stderr together into out (caller frees); returns the exit code. */
int it_run(char **out, const char *arg, ...);
/* it_cli with stderr captured into err instead (stdout inherited). */
int it_cli_stderr(struct it_server *s, char **err, const char *arg, ...);

int it_connect(int port); /* a blocking TCP socket to 127.0.0.1:port */
int it_send_all(int fd, const void *p, size_t n);
/* Reads one response from fd (Content-Length, chunked or until close).
 * head_only: the request was HEAD. Returns 0, or -1 on EOF/timeout/parse error. */
int it_read_response(int fd, struct it_resp *r, int head_only);
/* One request on a new connection. headers: "Name: value\r\n..." or NULL. */
int it_request(struct it_server *s, const char *method, const char *path, const char *headers,
               const char *body, struct it_resp *r);
void it_resp_free(struct it_resp *r);
/* Header value from a response (case-insensitive), copied into out; 0 if found. */
int it_resp_header(const struct it_resp *r, const char *name, char *out, size_t outlen);

/* Logs in; fills the bearer token or the cookie+csrf pair. Returns HTTP status. */
struct it_session {
    char cookie[256]; /* "sunbid_session=..." */
    char csrf[128];
    char token[128]; /* bearer, when asked for */
};
int it_login(struct it_server *s, const char *user, const char *password, int bearer,
             struct it_session *out);
/* Request with the session's credentials (cookie + CSRF, or bearer). */
int it_request_as(struct it_server *s, const struct it_session *who, const char *method,
                  const char *path, const char *body, struct it_resp *r);

/* A throw-away RFC 3161 time-stamping authority made with the `openssl`
 * command in dir: PREFIXca.pem (a CA), PREFIXtsa.pem (its TSA, critical
 * extendedKeyUsage timeStamping), their keys and tsa.cnf. 0 on success, -1
 * when there is no `openssl` command or it failed. */
int it_tsa_make(const char *dir, const char *prefix);
/* The DER TimeStampToken of TSA PREFIX (made in dir) over data[0..n),
 * heap (caller frees), its length in *len; NULL on failure. */
char *it_tsa_stamp(const char *dir, const char *prefix, const void *data, size_t n, size_t *len);

#endif
