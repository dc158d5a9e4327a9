/*
 * cli/witness.c — `sunbid witness`: an independent witness for a sunbid
 * witness log (docs/ledger.md, "Running a witness"), and `sunbid witness
 * keygen` for its key.
 *
 * One round:
 *
 *   GET  LOG/api/ledger/checkpoint          verify the log's signature (--log-key),
 *                                           parse the checkpoint body
 *   (state: the body it cosigned last)      same size: the same root, or REFUSE (split view)
 *                                           smaller:   REFUSE (rollback)
 *   GET  LOG/api/ledger/proof/consistency   larger:    the proof from the state's size
 *        ?from=STATE&to=NEW                            must verify, or REFUSE
 *   POST LOG/api/ledger/cosignature?size=N  its cosignature line (C2SP tlog-cosignature)
 *   state := the new body (written to FILE.tmp, fsync, rename: atomic)
 *
 * The first round without a state file trusts the log's current checkpoint
 * (trust on first use) and says so. A refusal prints why and exits 5 (also
 * in --interval mode: a log that forked or rolled back needs a person);
 * network and HTTP failures exit 1 with --once and are retried with
 * --interval. Talks plain HTTP/1.1 through cli/httpc.c. Single-threaded.
 */
#include "cli/witness.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/jsonr.h"
#include "cli/cli.h"
#include "cli/httpc.h"
#include "ledger/cosign.h"

#define STATE_MAX       4096  /* bytes of the state file */
#define KEY_FILE_MAX    4096  /* bytes of the signer key file */
#define JSON_ANSWER_MAX 65536 /* bytes of a proof or key answer */

/* ---- the pure parts (witness.h) ---- */

enum witness_verdict witness_judge(const struct checkpoint *old, const struct checkpoint *cur,
                                   enum merkle_alg alg, const uint8_t (*proof)[MERKLE_HASH_LEN],
                                   size_t n)
{
    if (old == NULL)
        return WITNESS_NEW;
    if (strcmp(old->origin, cur->origin) != 0)
        return WITNESS_OTHER_LOG;
    if (cur->size < old->size)
        return WITNESS_ROLLBACK;
    if (cur->size == old->size)
        return memcmp(old->root, cur->root, MERKLE_HASH_LEN) == 0 ? WITNESS_SAME : WITNESS_FORK;
    if (old->size == 0) { /* the empty tree: its root is H(""), and any tree extends it */
        uint8_t empty[MERKLE_HASH_LEN];
        if (merkle_hash(alg, "", 0, empty) != MERKLE_OK ||
            memcmp(empty, old->root, MERKLE_HASH_LEN) != 0 || n != 0)
            return WITNESS_INCONSISTENT;
        return WITNESS_NEW;
    }
    return merkle_consistency_verify(alg, old->size, cur->size, old->root, cur->root, proof, n) ==
                   MERKLE_OK
               ? WITNESS_NEW
               : WITNESS_INCONSISTENT;
}

const char *witness_verdict_text(enum witness_verdict v)
{
    switch (v) {
    case WITNESS_NEW:
        return "a newer checkpoint, consistent with the last one cosigned";
    case WITNESS_SAME:
        return "the checkpoint last cosigned";
    case WITNESS_ROLLBACK:
        return "the log rolled back: its checkpoint is smaller than the last one cosigned";
    case WITNESS_FORK:
        return "split view: the log shows another root for the size last cosigned";
    case WITNESS_INCONSISTENT:
        return "the consistency proof from the last checkpoint cosigned does not verify";
    case WITNESS_OTHER_LOG:
        return "the checkpoint's origin is not the one last cosigned";
    }
    return "?";
}

static json_t *parse_json(const char *json, size_t n, char *err, size_t errlen)
{
    enum err e = ERR_OK;
    const char *msg = NULL;
    json_t *j = jsonr_parse(json, n, JSON_ANSWER_MAX, 4, &e, &msg);
    if (j == NULL || !json_is_object(j)) {
        snprintf(err, errlen, "not a JSON object%s%s", msg ? ": " : "", msg ? msg : "");
        json_decref(j);
        return NULL;
    }
    return j;
}

int witness_proof_parse(const char *json, size_t n, uint64_t from, uint64_t to,
                        uint8_t (*out)[MERKLE_HASH_LEN], size_t *count, char *err, size_t errlen)
{
    char re[B64_LEN(MERKLE_HASH_LEN)];
    int rc = -1;
    *count = 0;
    json_t *j = parse_json(json, n, err, errlen);
    if (j == NULL)
        return -1;
    json_t *f = json_object_get(j, "from"), *t = json_object_get(j, "to");
    json_t *h = json_object_get(j, "hashes");
    if (!json_is_integer(f) || !json_is_integer(t) || json_integer_value(f) < 0 ||
        (uint64_t)json_integer_value(f) != from || json_integer_value(t) < 0 ||
        (uint64_t)json_integer_value(t) != to) {
        snprintf(err, errlen, "the proof is not for %llu..%llu", (unsigned long long)from,
                 (unsigned long long)to);
        goto out;
    }
    if (!json_is_array(h) || json_array_size(h) > MERKLE_MAX_PROOF) {
        snprintf(err, errlen, "\"hashes\" is not an array of at most %d hashes", MERKLE_MAX_PROOF);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(h); i++) {
        const char *s = json_string_value(json_array_get(h, i));
        size_t sl = s != NULL ? strlen(s) : 0;
        if (sl != B64_LEN(MERKLE_HASH_LEN) - 1 ||
            b64_decode(s, sl, out[i], MERKLE_HASH_LEN, 0) != MERKLE_HASH_LEN ||
            b64_encode(out[i], MERKLE_HASH_LEN, re) != sl || memcmp(re, s, sl) != 0) {
            snprintf(err, errlen, "hash %zu is not base64 of %d bytes", i, MERKLE_HASH_LEN);
            goto out;
        }
    }
    *count = json_array_size(h);
    rc = 0;
out:
    json_decref(j);
    return rc;
}

int witness_key_hash(const char *json, size_t n, enum merkle_alg *alg, char *err, size_t errlen)
{
    json_t *j = parse_json(json, n, err, errlen);
    if (j == NULL)
        return -1;
    const char *h = json_string_value(json_object_get(j, "hash"));
    *alg = h != NULL ? merkle_alg_parse(h) : 0;
    json_decref(j);
    if (*alg == 0) {
        snprintf(err, errlen, "no known \"hash\" (sha256 or sm3) in the log's key answer");
        return -1;
    }
    return 0;
}

/* ---- files ---- */

/* Reads at most cap-1 bytes of path into buf (NUL-terminated); the length,
 * -1 (errno set) when it cannot be read, -2 when it is larger. */
static long read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    if (fd < 0)
        return -1;
    for (;;) {
        ssize_t got = read(fd, buf + len, cap - 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            close(fd);
            return -1;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len == cap - 1) {
            char extra;
            got = read(fd, &extra, 1);
            close(fd);
            return got > 0 ? -2 : (long)len;
        }
    }
    close(fd);
    buf[len] = '\0';
    return (long)len;
}

/* 1: loaded into cp; 0: no state file yet; -1: unreadable or malformed. */
static int state_load(const char *path, struct checkpoint *cp, char *err, size_t errlen)
{
    char text[STATE_MAX];
    long n = read_small(path, text, sizeof text);
    if (n == -1 && errno == ENOENT)
        return 0;
    if (n < 0) {
        snprintf(err, errlen, "cannot read the state file %s: %s", path,
                 n == -2 ? "too big" : strerror(errno));
        return -1;
    }
    if (checkpoint_parse(text, (size_t)n, cp) != NOTE_OK) {
        snprintf(err, errlen, "the state file %s is not a checkpoint body", path);
        return -1;
    }
    return 1;
}

/* Writes body to path atomically: path.tmp, fsync, rename, fsync the dir. */
static int state_save(const char *path, const char *body, size_t n, char *err, size_t errlen)
{
    char tmp[4200], dir[4200];
    int fd, rc = -1;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "the state path is too long");
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (write(fd, body, n) == (ssize_t)n && fsync(fd) == 0)
            rc = 0;
        if (close(fd) != 0)
            rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        snprintf(err, errlen, "cannot write the state file %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
             slash ? path : ".");
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd); /* the rename itself; best effort */
        close(fd);
    }
    return 0;
}

/* ---- one round ---- */

struct witness {
    struct httpc_url url;
    struct note_key key;    /* the witness's signer key (NOTE_COSIGN_V1) */
    struct note_key logkey; /* the log's verifier key */
    const char *state;      /* the state file's path */
    enum merkle_alg alg;    /* the log's tree hash; 0 until asked */
};

/* GET path; 0 with a 200 answer in r, else -1 with the reason printed. */
static int get(struct witness *w, const char *path, struct httpc_resp *r)
{
    char err[512];
    if (httpc_request(&w->url, "GET", path, NULL, NULL, 0, r, err, sizeof err) != 0) {
        fprintf(stderr, "sunbid: witness: GET %s: %s\n", path, err);
        return -1;
    }
    if (r->status != 200) {
        fprintf(stderr, "sunbid: witness: GET %s: HTTP %d %.200s\n", path, r->status,
                r->body.data ? r->body.data : "");
        return -1;
    }
    return 0;
}

__attribute__((format(printf, 1, 2))) static int refuse(const char *fmt, ...)
{
    va_list ap;
    fputs("sunbid: witness: REFUSED: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_DAMAGED;
}

static int witness_round(struct witness *w)
{
    struct httpc_resp cpr = {0}, r = {0};
    struct checkpoint old, cur;
    uint8_t(*proof)[MERKLE_HASH_LEN] = NULL;
    struct buf line;
    char err[512], path[128];
    size_t tl = 0, nproof = 0;
    int good = 0, have_old, rc = CLI_FAIL;

    buf_init(&line, 2048);
    have_old = state_load(w->state, &old, err, sizeof err);
    if (have_old < 0) {
        fprintf(stderr, "sunbid: witness: %s\n", err);
        goto out;
    }
    if (w->alg == 0) {
        if (get(w, "/api/ledger/key", &r) != 0)
            goto out;
        if (witness_key_hash(r.body.data, r.body.len, &w->alg, err, sizeof err) != 0) {
            fprintf(stderr, "sunbid: witness: GET /api/ledger/key: %s\n", err);
            goto out;
        }
        httpc_resp_release(&r);
    }
    if (get(w, "/api/ledger/checkpoint", &cpr) != 0)
        goto out;
    int nrc = note_open(cpr.body.data, cpr.body.len, &w->logkey, 1, &tl, &good);
    if (nrc != NOTE_OK) {
        rc = refuse("the served checkpoint %s", nrc == NOTE_EMALFORMED
                                                    ? "is not a signed note"
                                                    : "is not signed by the log key (--log-key)");
        goto out;
    }
    if (checkpoint_parse(cpr.body.data, tl, &cur) != NOTE_OK) {
        rc = refuse("the served checkpoint's body is malformed");
        goto out;
    }
    if (strcmp(cur.origin, w->logkey.name) != 0) {
        rc = refuse("the checkpoint's origin %s is not the log key's name %s", cur.origin,
                    w->logkey.name);
        goto out;
    }
    if (have_old && cur.size > old.size && old.size > 0) {
        proof = malloc(MERKLE_MAX_PROOF * sizeof *proof);
        if (proof == NULL)
            goto out;
        snprintf(path, sizeof path, "/api/ledger/proof/consistency?from=%llu&to=%llu",
                 (unsigned long long)old.size, (unsigned long long)cur.size);
        if (get(w, path, &r) != 0)
            goto out;
        if (witness_proof_parse(r.body.data, r.body.len, old.size, cur.size, proof, &nproof, err,
                                sizeof err) != 0) {
            rc = refuse("GET %s: %s", path, err);
            goto out;
        }
    }
    enum witness_verdict v = witness_judge(have_old ? &old : NULL, &cur, w->alg,
                                           (const uint8_t(*)[MERKLE_HASH_LEN])proof, nproof);
    if (v < 0) {
        rc = refuse("%s (cosigned: %s size %llu; served: %s size %llu)", witness_verdict_text(v),
                    old.origin, (unsigned long long)old.size, cur.origin,
                    (unsigned long long)cur.size);
        goto out;
    }
    if (v == WITNESS_SAME) {
        printf("witness: %s size %llu: already cosigned, nothing new\n", cur.origin,
               (unsigned long long)cur.size);
        rc = CLI_OK;
        goto out;
    }
    if (cosign_sign(&w->key, cpr.body.data, tl, (uint64_t)(clock_now_ms() / 1000), &line) !=
        NOTE_OK) {
        fprintf(stderr, "sunbid: witness: cannot cosign\n");
        goto out;
    }
    httpc_resp_release(&r);
    snprintf(path, sizeof path, "/api/ledger/cosignature?size=%llu", (unsigned long long)cur.size);
    if (httpc_request(&w->url, "POST", path, "text/plain; charset=utf-8", line.data, line.len, &r,
                      err, sizeof err) != 0) {
        fprintf(stderr, "sunbid: witness: POST %s: %s\n", path, err);
        goto out;
    }
    if (r.status != 201 && r.status != 200) {
        fprintf(stderr, "sunbid: witness: the log did not take the cosignature: HTTP %d %.300s\n",
                r.status, r.body.data ? r.body.data : "");
        goto out;
    }
    if (state_save(w->state, cpr.body.data, tl, err, sizeof err) != 0) {
        fprintf(stderr, "sunbid: witness: %s\n", err);
        goto out;
    }
    if (have_old)
        printf("witness: cosigned %s size %llu as %s (consistent with size %llu)\n", cur.origin,
               (unsigned long long)cur.size, w->key.name, (unsigned long long)old.size);
    else
        printf("witness: cosigned %s size %llu as %s (no state yet: trusted on first use)\n",
               cur.origin, (unsigned long long)cur.size, w->key.name);
    rc = CLI_OK;
out:
    fflush(stdout);
    httpc_resp_release(&cpr);
    httpc_resp_release(&r);
    buf_release(&line);
    free(proof);
    return rc;
}

/* ---- the command ---- */

static void witness_usage(FILE *f)
{
    fputs("usage: sunbid witness --log URL --log-key VKEY --key SKEY_FILE --state FILE\n"
          "                      [--once | --interval SECONDS]\n"
          "       sunbid witness keygen NAME [--out FILE]\n"
          "\n"
          "Witnesses a sunbid witness log: fetches its latest checkpoint, checks the\n"
          "log's signature and that the log is consistent with the checkpoint cosigned\n"
          "last (kept in the state file), cosigns it (C2SP tlog-cosignature) and posts\n"
          "the cosignature to the log. Refuses (exit 5) a rollback, a split view or a\n"
          "failed consistency proof.\n"
          "\n"
          "  --log URL          the log, http://HOST[:PORT] (plain HTTP only)\n"
          "  --log-key VKEY     the log's verifier key (GET /api/ledger/key, the first)\n"
          "  --key FILE         this witness's signer key (from `sunbid witness keygen`)\n"
          "  --state FILE       the last cosigned checkpoint (created on first use)\n"
          "  --once             one round (the default)\n"
          "  --interval S       a round every S seconds (1..86400) until stopped\n"
          "\n"
          "keygen NAME makes a witness key pair: the signer key goes to --out FILE\n"
          "(mode 0600, never overwritten) or stdout, the verifier key to stdout (give\n"
          "it to the log: serve --witness VKEY).\n"
          "\n"
          "Exit: 0 cosigned or nothing new, 1 failure (network, HTTP, files),\n"
          "2 usage, 3 invalid key or name, 4 --out exists, 5 refused.\n",
          f);
}

static int witness_keygen(int argc, char **argv)
{
    static const struct option longopts[] = {{"out", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *out = NULL;
    struct note_key k;
    struct buf sk, vk;
    int opt, rc = CLI_FAIL;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'o') {
            out = optarg;
        } else if (opt == 'h') {
            witness_usage(stdout);
            return CLI_OK;
        } else {
            return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "sunbid: witness keygen: give exactly one NAME\n");
        return CLI_USAGE;
    }
    if (note_key_generate(&k, argv[optind], NOTE_COSIGN_V1) != NOTE_OK) {
        fprintf(stderr,
                "sunbid: witness keygen: '%s' is not a valid key name (1-255 bytes, no spaces, "
                "no '+')\n",
                argv[optind]);
        return CLI_INVALID;
    }
    buf_init(&sk, 4096);
    buf_init(&vk, 4096);
    if (note_key_skey(&k, &sk) != NOTE_OK || note_key_vkey(&k, &vk) != NOTE_OK ||
        buf_putc(&sk, '\n') != BUF_OK) {
        fprintf(stderr, "sunbid: witness keygen: cannot format the key\n");
        goto out;
    }
    if (out != NULL) {
        int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            fprintf(stderr, "sunbid: witness keygen: %s: %s\n", out, strerror(errno));
            rc = errno == EEXIST ? CLI_CONFLICT : CLI_FAIL;
            goto out;
        }
        bool ok = write(fd, sk.data, sk.len) == (ssize_t)sk.len && fsync(fd) == 0;
        if (close(fd) != 0 || !ok) {
            fprintf(stderr, "sunbid: witness keygen: cannot write %s\n", out);
            unlink(out);
            goto out;
        }
    } else {
        fputs(sk.data, stdout);
    }
    printf("%s\n", vk.data);
    rc = CLI_OK;
out:
    if (sk.data != NULL)
        OPENSSL_cleanse(sk.data, sk.len);
    buf_release(&sk);
    buf_release(&vk);
    note_key_release(&k);
    return rc;
}

/* Loads the signer key file into k (a NOTE_COSIGN_V1 key). */
static int load_key(const char *path, struct note_key *k)
{
    char text[KEY_FILE_MAX];
    long n = read_small(path, text, sizeof text);
    if (n < 0) {
        fprintf(stderr, "sunbid: witness: --key %s: %s\n", path,
                n == -2 ? "too big" : strerror(errno));
        return CLI_FAIL;
    }
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        n--;
    int rc = note_key_parse_skey(k, text, (size_t)n);
    OPENSSL_cleanse(text, sizeof text);
    if (rc != NOTE_OK || k->type != NOTE_COSIGN_V1) {
        if (rc == NOTE_OK)
            note_key_release(k);
        fprintf(stderr,
                "sunbid: witness: --key %s is not a witness signer key "
                "(PRIVATE+KEY+NAME+ID+... of type cosignature/v1)\n",
                path);
        return CLI_INVALID;
    }
    return CLI_OK;
}

int cli_witness(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"log", required_argument, NULL, 'l'}, {"log-key", required_argument, NULL, 'L'},
        {"key", required_argument, NULL, 'k'}, {"state", required_argument, NULL, 's'},
        {"once", no_argument, NULL, '1'},      {"interval", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
    struct witness w;
    const char *log = NULL, *log_key = NULL, *key = NULL;
    long interval = 0; /* 0: once */
    char err[512];
    int opt, rc;

    if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
        return witness_keygen(argc - 1, argv + 1);
    memset(&w, 0, sizeof w);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'l':
            log = optarg;
            break;
        case 'L':
            log_key = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 's':
            w.state = optarg;
            break;
        case '1':
            interval = 0;
            break;
        case 'i': {
            char *end;
            interval = strtol(optarg, &end, 10);
            if (*end != '\0' || interval < 1 || interval > 86400) {
                fprintf(stderr, "sunbid: witness: --interval is 1..86400 seconds\n");
                return CLI_USAGE;
            }
            break;
        }
        case 'h':
            witness_usage(stdout);
            return CLI_OK;
        default:
            witness_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sunbid: witness: unexpected argument '%s'\n", argv[optind]);
        return CLI_USAGE;
    }
    if (log == NULL || log_key == NULL || key == NULL || w.state == NULL) {
        fprintf(stderr, "sunbid: witness: --log, --log-key, --key and --state are required\n");
        witness_usage(stderr);
        return CLI_USAGE;
    }
    if (httpc_url_parse(log, &w.url, err, sizeof err) != 0) {
        fprintf(stderr, "sunbid: witness: --log %s: %s\n", log, err);
        return CLI_USAGE;
    }
    if (note_key_parse_vkey(&w.logkey, log_key, strlen(log_key)) != NOTE_OK ||
        w.logkey.type == NOTE_COSIGN_V1) {
        note_key_release(&w.logkey);
        fprintf(stderr, "sunbid: witness: --log-key is not a log verifier key\n");
        return CLI_INVALID;
    }
    rc = load_key(key, &w.key);
    if (rc != CLI_OK) {
        note_key_release(&w.logkey);
        return rc;
    }
    for (;;) {
        rc = witness_round(&w);
        if (interval == 0 || rc == CLI_DAMAGED)
            break;
        struct timespec ts = {interval, 0};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
    note_key_release(&w.key);
    note_key_release(&w.logkey);
    return rc;
}
