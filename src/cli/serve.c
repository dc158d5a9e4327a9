/*
 * cli/serve.c — `sunbid serve`: open and migrate the store, start the HTTP
 * server, print "sunbid: listening on http://HOST:PORT" once ready, stop
 * gracefully on SIGTERM/SIGINT (finish in-flight requests, close the store).
 *
 * Signals are blocked in every thread and taken by one thread with
 * sigwait(), which calls http_server_stop(): no async-signal-safety games.
 *
 * The witness log's hash and origin are chosen once, when the log is
 * created: --ledger-hash / --ledger-origin (else $SUNBID_LEDGER_HASH /
 * $SUNBID_LEDGER_ORIGIN). A flag that disagrees with what an existing log
 * recorded stops serve (exit 2); an environment value that disagrees is
 * only logged, as it always was.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "http/proxy.h"
#include "http/sse.h"
#include "base/log.h"
#include "cli/cli.h"
#include "cli/serve_bids.h"
#include "base/clock.h"
#include "domain/auction.h"
#include "domain/draw.h"
#include "domain/risk.h"
#include "domain/scheduler.h"
#include "ledger/cosign.h"
#include "ledger/note.h"
#include "ledger/tsa.h"
#include "ledger/sequencer.h"
#include "store/ledger.h"

static void serve_usage(FILE *f)
{
    fputs("usage: sunbid serve [--listen HOST:PORT] [--data-dir DIR] [--db URL]\n"
          "                    [--web-dir DIR] [--workers N] [--no-access-log]\n"
          "                    [--secure-cookies] [--node NAME]\n"
          "                    [--request-timeout MS] [--idle-timeout MS] [--witness VKEY]...\n"
          "                    [--tsa-cert FILE] [--ledger-hash sha256|sm3]\n"
          "                    [--ledger-origin ORIGIN] [--trusted-proxy ADDR]...\n"
          "\n"
          "  --listen HOST:PORT  address to listen on (default 127.0.0.1:8080; port 0 = any)\n"
          "  --data-dir DIR      data directory (default $SUNBID_DATA_DIR or var/data)\n"
          "  --db URL            sqlite:PATH or postgres://... (default sqlite in DIR)\n"
          "  --web-dir DIR       static web UI (default: the web/ folder of the source tree)\n"
          "  --workers N         request worker threads (default 4)\n"
          "  --no-access-log     do not log one line per request\n"
          "  --secure-cookies    mark cookies Secure (when behind TLS)\n"
          "  --trusted-proxy A   a reverse proxy (IP address or ADDR/BITS; repeatable):\n"
          "                      requests from it are taken to come from its X-Real-IP\n"
          "                      (else the last X-Forwarded-For hop); from anyone else\n"
          "                      those headers are ignored\n"
          "  --request-timeout MS  a request must arrive whole within MS (default 10000)\n"
          "  --idle-timeout MS   close keep-alive connections idle for MS (default 60000)\n"
          "  --node NAME         this node's name when several share a PostgreSQL store\n"
          "                      (default HOSTNAME-PID)\n"
          "  --witness VKEY      trust this witness's cosignatures (C2SP tlog-cosignature;\n"
          "                      repeatable; also DIR/ledger/witnesses, one key a line)\n"
          "  --tsa-cert FILE     trust RFC 3161 timestamp tokens over checkpoints from the\n"
          "                      TSA whose certificate (or CA) is in this PEM file\n"
          "  --ledger-hash H     the witness log's tree hash when it is created: sha256\n"
          "                      (default) or sm3 (adds an SM2 signature); fixed after\n"
          "                      (default $SUNBID_LEDGER_HASH)\n"
          "  --ledger-origin O   the log's origin (checkpoint first line and key name) when\n"
          "                      it is created (default $SUNBID_LEDGER_ORIGIN, else\n"
          "                      sunbid.local/ledger)\n"
          "  A --ledger-* flag that disagrees with an existing log stops serve (exit 2).\n"
          "  --bid-max-mb N      largest sealed bid accepted, in MiB (default 1024)\n"
          "  --ca-dir DIR        add the CA certificates and CRLs in DIR to the trusted ones\n"
          "                      kept in the store (POST /api/trust does it at run time)\n"
          "  --test-clock MS     TESTS ONLY: run on a manual clock starting at MS (Unix ms)\n"
          "                      that POST /api/test/clock (admin) moves; refused unless\n"
          "                      SUNBID_ALLOW_TEST_CLOCK=1 is set\n"
          "\n"
          "GET /api/health answers 200 once the server is ready.\n",
          f);
}

struct sigctx {
    struct http_server *srv;
    sigset_t set;
};

static void *signal_thread(void *arg)
{
    struct sigctx *c = arg;
    int sig = 0;
    if (sigwait(&c->set, &sig) == 0) {
        log_info("signal %d: stopping", sig);
        http_server_stop(c->srv);
    }
    return NULL;
}

/* Cluster events go to this node's SSE hub: numbered by the cluster when
 * shared (the same id on every node), by the hub otherwise. */
static void on_cluster_event(void *arg, int64_t id, const char *topic, const char *event,
                             const char *data, size_t len)
{
    struct http_server *srv = arg;
    if (id > 0)
        sse_publish_id(http_server_hub(srv), id, topic, event, data, len);
    else
        sse_publish(http_server_hub(srv), topic, event, data, len);
}

static int parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
    const char *colon = strrchr(s, ':');
    char *end;
    if (colon == NULL || (size_t)(colon - s) >= hostlen)
        return -1;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end != '\0' || p < 0 || p > 65535)
        return -1;
    size_t n = (size_t)(colon - s);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') { /* [::1]:8080 */
        s++;
        n -= 2;
    }
    memcpy(host, s, n);
    host[n] = '\0';
    *port = (int)p;
    return 0;
}

/* The new log's hash and origin from the flags, else the environment
 * (flags win). *from_flag_* say which were flags. CLI_OK or CLI_USAGE
 * (message printed). */
static int ledger_choice(const char *hash_flag, const char *origin_flag, struct ledger_options *opt,
                         bool *from_flag_hash, bool *from_flag_origin)
{
    const char *hash = hash_flag != NULL ? hash_flag : getenv("SUNBID_LEDGER_HASH");
    const char *origin = origin_flag != NULL ? origin_flag : getenv("SUNBID_LEDGER_ORIGIN");
    const char *hsrc = hash_flag != NULL ? "--ledger-hash" : "SUNBID_LEDGER_HASH";
    const char *osrc = origin_flag != NULL ? "--ledger-origin" : "SUNBID_LEDGER_ORIGIN";

    *from_flag_hash = hash_flag != NULL;
    *from_flag_origin = origin_flag != NULL;
    if (hash != NULL && (hash[0] != '\0' || hash_flag != NULL)) {
        opt->alg = merkle_alg_parse(hash);
        if (opt->alg == 0) {
            fprintf(stderr, "sunbid: serve: %s must be sha256 or sm3, not '%s'\n", hsrc, hash);
            return CLI_USAGE;
        }
    }
    if (origin != NULL && (origin[0] != '\0' || origin_flag != NULL)) {
        /* the origin is also the log's key name: the same rules */
        if (strlen(origin) > CHECKPOINT_MAX_ORIGIN || !note_name_ok(origin, strlen(origin))) {
            fprintf(stderr,
                    "sunbid: serve: %s '%s' is not a valid origin (1-%d bytes of UTF-8, no "
                    "spaces, no '+')\n",
                    osrc, origin, CHECKPOINT_MAX_ORIGIN);
            return CLI_USAGE;
        }
        opt->origin = origin;
    }
    return CLI_OK;
}

/* Compares the chosen hash and origin with an existing log's. A mismatch
 * from a flag: CLI_USAGE with a message; from the environment: a warning
 * (when warn_env). No log yet: CLI_OK. */
static int ledger_compare(struct store *s, const struct ledger_options *opt, bool flag_hash,
                          bool flag_origin, bool warn_env)
{
    struct store_ledger_config *cfg = calloc(1, sizeof *cfg);
    struct store_tx *tx = NULL;
    int rc = cfg != NULL ? store_begin(s, STORE_READ, &tx) : STORE_ERROR;
    if (rc == STORE_OK)
        rc = store_ledger_config_get(tx, cfg);
    store_rollback(tx);
    if (rc == STORE_NOTFOUND) {
        free(cfg);
        return CLI_OK;
    }
    if (rc != STORE_OK) {
        fprintf(stderr, "sunbid: serve: cannot read the witness log's configuration: %s\n",
                store_rc_name(rc));
        free(cfg);
        return CLI_FAIL;
    }
    rc = CLI_OK;
    if (opt->alg != 0 && merkle_alg_parse(cfg->hash_alg) != opt->alg) {
        if (flag_hash) {
            fprintf(stderr,
                    "sunbid: serve: --ledger-hash %s disagrees with the witness log, which was "
                    "created with %s; a log's hash never changes (drop the flag or use a new "
                    "store)\n",
                    merkle_alg_name(opt->alg), cfg->hash_alg);
            rc = CLI_USAGE;
        } else if (warn_env) {
            log_warn("ledger: SUNBID_LEDGER_HASH=%s is ignored: the log was created with %s",
                     merkle_alg_name(opt->alg), cfg->hash_alg);
        }
    }
    if (opt->origin != NULL && strcmp(opt->origin, cfg->origin) != 0) {
        if (flag_origin) {
            fprintf(stderr,
                    "sunbid: serve: --ledger-origin %s disagrees with the witness log, whose "
                    "origin is %s; a log's origin never changes\n",
                    opt->origin, cfg->origin);
            rc = CLI_USAGE;
        } else if (warn_env) {
            log_warn("ledger: SUNBID_LEDGER_ORIGIN=%s is ignored: the log's origin is %s",
                     opt->origin, cfg->origin);
        }
    }
    free(cfg);
    return rc;
}

static const char *default_web_dir(void)
{
    struct stat st;
    static const char *const candidates[] = {SUNBID_SOURCE_DIR "/web", "web",
                                             "/usr/share/sunbid/web"};
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
        if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode))
            return candidates[i];
    return NULL;
}

int cli_serve(int argc, char **argv)
{
    static const struct option longopts[] = {{"listen", required_argument, NULL, 'l'},
                                             {"data-dir", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'b'},
                                             {"web-dir", required_argument, NULL, 'w'},
                                             {"workers", required_argument, NULL, 'n'},
                                             {"no-access-log", no_argument, NULL, 'q'},
                                             {"secure-cookies", no_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"node", required_argument, NULL, 'N'},
                                             {"request-timeout", required_argument, NULL, 'R'},
                                             {"idle-timeout", required_argument, NULL, 'I'},
                                             {"witness", required_argument, NULL, 'W'},
                                             {"tsa-cert", required_argument, NULL, 'T'},
                                             {"ledger-hash", required_argument, NULL, 'H'},
                                             {"ledger-origin", required_argument, NULL, 'O'},
                                             {"test-clock", required_argument, NULL, 'C'},
                                             {"bid-max-mb", required_argument, NULL, 'B'},
                                             {"ca-dir", required_argument, NULL, 'A'},
                                             {"trusted-proxy", required_argument, NULL, 'P'},
                                             {NULL, 0, NULL, 0}};
    struct cli_store_opts so = {0};
    const char *listen = "127.0.0.1:8080";
    const char *web_dir = NULL;
    const char *node = NULL;
    uint64_t request_timeout = 0, idle_timeout = 0; /* 0: the server's defaults */
    char node_buf[128];
    char host[256], err[512];
    int port = 0, workers = 4, opt, rc = CLI_FAIL;
    bool access_log = true, secure = false;
    struct app app = {0};
    struct http_server *srv = NULL;
    struct sigctx sc;
    pthread_t sigthr;
    bool sig_started = false;
    struct ledger_sequencer *ledger_seq = NULL;
    struct tender_scheduler *scheduler = NULL;
    struct risk_watcher *risk_watch = NULL; /* supervision: domain/risk.h */
    struct draw_warmer *draw_warm = NULL;   /* the draw's pool, per node: domain/draw.h */
    struct auction_engine *auctions = NULL;
    const char *witness_args[COSIGN_MAX_WITNESSES];
    size_t nwitness_args = 0;
    struct cosign_witnesses witnesses = {0};
    const char *tsa_cert = NULL;
    struct tsa_trust tsa = {0};
    const char *ledger_hash = NULL, *ledger_origin = NULL;
    struct ledger_options lopt = {0};
    bool flag_hash = false, flag_origin = false;
    uint64_t bid_max = 0;              /* --bid-max-mb, bytes; 0: the default */
    const char *ca_dir = NULL;         /* --ca-dir */
    struct http_proxies proxies = {0}; /* --trusted-proxy */

    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'l':
            listen = optarg;
            break;
        case 'd':
            so.data_dir = optarg;
            break;
        case 'b':
            so.db = optarg;
            break;
        case 'w':
            web_dir = optarg;
            break;
        case 'n': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end != '\0' || v < 1 || v > 256) {
                fprintf(stderr, "sunbid: serve: --workers must be 1..256\n");
                return CLI_USAGE;
            }
            workers = (int)v;
            break;
        }
        case 'q':
            access_log = false;
            break;
        case 's':
            secure = true;
            break;
        case 'N':
            node = optarg;
            break;
        case 'R':
        case 'I': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end != '\0' || v < 100 || v > 3600000) {
                fprintf(stderr, "sunbid: serve: timeouts are 100..3600000 ms\n");
                return CLI_USAGE;
            }
            if (opt == 'R')
                request_timeout = (uint64_t)v;
            else
                idle_timeout = (uint64_t)v;
            break;
        }
        case 'W':
            if (nwitness_args == COSIGN_MAX_WITNESSES) {
                fprintf(stderr, "sunbid: serve: at most %d --witness keys\n", COSIGN_MAX_WITNESSES);
                return CLI_USAGE;
            }
            witness_args[nwitness_args++] = optarg;
            break;
        case 'T':
            tsa_cert = optarg;
            break;
        case 'H':
            ledger_hash = optarg;
            break;
        case 'O':
            ledger_origin = optarg;
            break;
        case 'C': {
            /* tests only: two locks, the flag and the environment */
            const char *allow = getenv("SUNBID_ALLOW_TEST_CLOCK");
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (allow == NULL || strcmp(allow, "1") != 0) {
                fprintf(stderr, "sunbid: serve: --test-clock needs SUNBID_ALLOW_TEST_CLOCK=1\n");
                return CLI_USAGE;
            }
            if (*end != '\0' || v <= 0) {
                fprintf(stderr, "sunbid: serve: --test-clock wants a time in Unix ms\n");
                return CLI_USAGE;
            }
            clock_manual((int64_t)v);
            log_warn("serve: running on a TEST clock at %lld ms", v);
            break;
        }
        case 'P':
            if (http_proxies_add(&proxies, optarg, err, sizeof(err)) != 0) {
                fprintf(stderr, "sunbid: serve: --trusted-proxy: %s\n", err);
                return CLI_USAGE;
            }
            break;
        case 'B':
        case 'A':
            if (serve_bids_opt(opt, optarg, &bid_max, &ca_dir) != 0)
                return CLI_USAGE;
            break;
        case 'h':
            serve_usage(stdout);
            return CLI_OK;
        default:
            serve_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sunbid: serve: unexpected argument '%s'\n", argv[optind]);
        return CLI_USAGE;
    }
    if (parse_listen(listen, host, sizeof(host), &port) != 0) {
        fprintf(stderr, "sunbid: serve: --listen wants HOST:PORT, got '%s'\n", listen);
        return CLI_USAGE;
    }
    if (web_dir == NULL)
        web_dir = default_web_dir();
    rc = ledger_choice(ledger_hash, ledger_origin, &lopt, &flag_hash, &flag_origin);
    if (rc != CLI_OK)
        return rc;
    rc = CLI_FAIL;

    /* Block the stop signals before any thread starts, so only sigwait sees them. */
    sigemptyset(&sc.set);
    sigaddset(&sc.set, SIGTERM);
    sigaddset(&sc.set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sc.set, NULL);
    signal(SIGPIPE, SIG_IGN);

    app.store = cli_open_store("serve", &so);
    if (app.store == NULL)
        return CLI_FAIL;
    rc = ledger_compare(app.store, &lopt, flag_hash, flag_origin, true);
    if (rc != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    api_idempotency_prune(app.store);
    app.secure_cookies = secure;
    {
        char wfile[4096];
        snprintf(wfile, sizeof(wfile), "%s/ledger/witnesses", cli_data_dir(&so));
        if (cosign_witnesses_load(&witnesses, witness_args, nwitness_args, wfile, err,
                                  sizeof(err)) != 0) {
            fprintf(stderr, "sunbid: serve: %s\n", err);
            goto out;
        }
        app.witnesses = &witnesses;
    }
    if (tsa_cert != NULL) {
        if (tsa_trust_load(&tsa, tsa_cert, err, sizeof(err)) != TSA_OK) {
            fprintf(stderr, "sunbid: serve: --tsa-cert: %s\n", err);
            goto out;
        }
        app.tsa = &tsa;
    }

    struct http_config cfg = {0};
    cfg.host = host;
    cfg.port = port;
    cfg.static_dir = web_dir;
    cfg.app = &app;
    cfg.authenticate = api_authenticate;
    cfg.around = api_around;
    cfg.workers = workers;
    cfg.access_log = access_log;
    cfg.secure_cookies = secure;
    cfg.request_timeout_ms = request_timeout;
    cfg.idle_timeout_ms = idle_timeout;
    cfg.trusted_proxies = &proxies;
    if (proxies.n > 0)
        log_info("serve: client addresses from X-Real-IP / X-Forwarded-For of %d trusted "
                 "prox%s only",
                 proxies.n, proxies.n == 1 ? "y" : "ies");
    log_set_access(access_log);
    srv = http_server_new(&cfg, api_routes, api_nroutes, err, sizeof(err));
    if (srv == NULL) {
        fprintf(stderr, "sunbid: serve: %s\n", err);
        goto out;
    }
    app.srv = srv;
    sc.srv = srv;
    if (node == NULL) {
        char host_name[64] = "node";
        gethostname(host_name, sizeof(host_name) - 1);
        snprintf(node_buf, sizeof(node_buf), "%s-%d", host_name, (int)getpid());
        node = node_buf;
    }
    struct cluster_config ccfg = {node, on_cluster_event, srv, 0, 0};
    if (cluster_start(app.store, &ccfg, &app.cluster, err, sizeof(err)) != STORE_OK) {
        fprintf(stderr, "sunbid: serve: %s\n", err);
        goto out;
    }
    if (serve_bids_open(&app, cli_data_dir(&so), node, bid_max, ca_dir) != 0)
        goto out;
    /* Single-writer work runs on the node holding its lease: the tender
     * scheduler holds "scheduler" (it catches up on its first round). */
    scheduler = tender_scheduler_start(app.store, app.cluster, 0);
    if (scheduler == NULL) {
        fprintf(stderr, "sunbid: serve: cannot start the tender scheduler\n");
        goto out;
    }
    ledger_seq = ledger_sequencer_start(app.store, app.cluster, cli_data_dir(&so), &lopt);
    /* risk flags of sealed openings, under "supervision.risk" */
    risk_watch = risk_watcher_start(app.store, app.cluster, 0);
    /* the draw's pool cache and blob kept ready on this node (no lease) */
    draw_warm = draw_warmer_start(app.store, 0);
    /* each live auction's single writer runs where "auction.<id>" is held */
    struct auction_engine_config acfg = {cli_data_dir(&so), 0};
    auctions = auction_engine_start(app.store, app.cluster, &acfg);
    if (auctions == NULL) {
        fprintf(stderr, "sunbid: serve: cannot start the auction engine\n");
        goto out;
    }
    /* another node may have created the log meanwhile, with its own choice */
    rc = ledger_compare(app.store, &lopt, flag_hash, flag_origin, false);
    if (rc != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    if (pthread_create(&sigthr, NULL, signal_thread, &sc) != 0) {
        fprintf(stderr, "sunbid: serve: cannot start the signal thread\n");
        goto out;
    }
    sig_started = true;
    http_server_set_ready(srv, true);
    log_info("sunbid %s serving on %s:%d (store %s, web %s)", SUNBID_VERSION, host,
             http_server_port(srv), store_backend(app.store), web_dir ? web_dir : "none");
    printf("sunbid: listening on http://%s%s%s:%d\n", strchr(host, ':') ? "[" : "", host,
           strchr(host, ':') ? "]" : "", http_server_port(srv));
    fflush(stdout);
    rc = http_server_run(srv) == 0 ? CLI_OK : CLI_FAIL;
    log_info("stopped");
out:
    auction_engine_stop(auctions);
    risk_watcher_stop(risk_watch);
    draw_warmer_stop(draw_warm);
    tender_scheduler_stop(scheduler);
    ledger_sequencer_stop(ledger_seq);
    cluster_stop(app.cluster);
    if (sig_started) {
        pthread_cancel(sigthr);
        pthread_join(sigthr, NULL);
    }
    http_server_free(srv);
    bid_service_close(app.bids);
    store_close(app.store);
    cosign_witnesses_free(&witnesses);
    tsa_trust_free(&tsa);
    return rc;
}
