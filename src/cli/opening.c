/*
 * cli/opening.c — `sunbid opening`: a bidder's steps in the opening hall
 * without a browser, and the offline check of a sealed record
 * (docs/opening.md, docs/cli.md).
 *
 *   sunbid opening sign --server URL --tender N --key SIGN_KEY.pem AUTH
 *       GET  /api/tenders/N/opening       phase signing: draft, draft_sha256
 *       (the draft re-hashed here must be draft_sha256: what is signed is
 *        what was shown)
 *       sign opening_sign_message(N, draft_sha256) with the key (SM2 with
 *       SM3 for an SM2 key, ECDSA P-256 with SHA-256 for a P-256 key; DER)
 *       POST /api/tenders/N/opening/sign  {"signature", "draft_sha256"}
 *
 *   sunbid opening decrypt --server URL --tender N [--lot L] --key ENC_KEY.pem
 *                          --envelope BID.sbe AUTH
 *       verifies the envelope completely with the encryption key, exactly
 *       as `sunbid unseal --release-key` (nothing written), unwraps this
 *       key's recipient block to the content key K and
 *       POST /api/tenders/N/opening/decrypt {"lot_no", "key": K hex}
 *
 *   sunbid opening verify-record FILE
 *       opening_record_verify on FILE: the record, or GET .../record's
 *       answer {"record_sha256", "record"} (then the hash is compared too)
 *
 * AUTH: --user NAME with --password PW or --password-stdin (signs in with
 * POST /api/auth/login for a bearer token), or --token TOKEN (or
 * $SUNBID_TOKEN). Plain HTTP through cli/httpc.c (an https:// server
 * through a local TLS proxy). Exit codes (cli.h): 0 done; 1 network, I/O
 * or server failure; 2 usage; 3 refused (a 4xx other than 409, a bad key
 * or envelope); 4 conflict (409: wrong phase, stale draft ...); 5 the
 * draft shown does not hash to draft_sha256, or the record fails its check.
 * Single-threaded.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "base/base64.h"
#include "base/jsonr.h"
#include "cli/cli.h"
#include "cli/httpc.h"
#include "crypto/envelope.h"
#include "crypto/random.h"
#include "crypto/suite.h"
#include "domain/opening.h"

#define CMD             "opening"
#define TOKEN_MAX       512
#define PASSWORD_MAX    1024
#define RECORD_FILE_MAX (OPENING_RECORD_MAX + 65536)

static void usage(FILE *f)
{
    fputs("usage: sunbid opening sign --server URL --tender N --key SIGN_KEY.pem AUTH\n"
          "       sunbid opening decrypt --server URL --tender N [--lot L] --key ENC_KEY.pem\n"
          "                              --envelope BID.sbe AUTH\n"
          "       sunbid opening verify-record FILE\n"
          "AUTH:  --user NAME (--password PW | --password-stdin) | --token TOKEN\n"
          "       ($SUNBID_TOKEN is used when none is given)\n"
          "\n"
          "sign     signs the opening record's draft (phase signing) with the\n"
          "         organisation's signing key, after checking the draft shown\n"
          "         hashes to draft_sha256\n"
          "decrypt  verifies the envelope with the encryption key and releases\n"
          "         its content key K to the hall (phase decrypt)\n"
          "verify-record  checks a sealed record offline: the draft's hash and\n"
          "         every signature\n",
          f);
}

struct conn {
    struct httpc_url url;
    char auth[TOKEN_MAX + 32]; /* "Authorization: Bearer ...\r\n" */
};

/* Prints the server's error ({"error":{"code","message"}}) and maps the
 * status to an exit code. */
static int server_error(const struct httpc_resp *r)
{
    json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
    const char *code = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    fprintf(stderr, "sunbid: " CMD ": %s: %s (HTTP %d)\n", code ? code : "error",
            msg ? msg : "the server refused", r->status);
    json_decref(j);
    if (r->status == 409)
        return CLI_CONFLICT;
    return r->status >= 400 && r->status < 500 ? CLI_INVALID : CLI_FAIL;
}

/* One JSON request; *out gets the parsed answer on 2xx. */
static int call(const struct conn *c, const char *method, const char *path, const char *body,
                json_t **out)
{
    struct httpc_resp r;
    char err[256];
    *out = NULL;
    if (httpc_request_h(&c->url, method, path, c->auth[0] ? c->auth : NULL,
                        body ? "application/json" : NULL, body, body ? strlen(body) : 0, &r, err,
                        sizeof err) != 0) {
        fprintf(stderr, "sunbid: " CMD ": %s\n", err);
        httpc_resp_release(&r);
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    if (r.status < 200 || r.status > 299) {
        rc = server_error(&r);
    } else {
        *out = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
        if (*out == NULL) {
            fprintf(stderr, "sunbid: " CMD ": the server's answer is not JSON\n");
            rc = CLI_FAIL;
        }
    }
    httpc_resp_release(&r);
    return rc;
}

/* Reads one line (the password) from stdin into out. */
static int read_stdin_line(char *out, size_t cap)
{
    if (fgets(out, (int)cap, stdin) == NULL)
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

/* Sets c->auth from --token / $SUNBID_TOKEN, or signs in. */
static int authenticate(struct conn *c, const char *user, const char *password, bool pw_stdin,
                        const char *token)
{
    char pw[PASSWORD_MAX];
    json_t *ans = NULL;
    if (token == NULL && user == NULL)
        token = getenv("SUNBID_TOKEN");
    if (token != NULL) {
        if (strlen(token) == 0 || strlen(token) > TOKEN_MAX || strpbrk(token, "\r\n") != NULL) {
            fprintf(stderr, "sunbid: " CMD ": the token is empty, too long or has a line break\n");
            return CLI_USAGE;
        }
        snprintf(c->auth, sizeof c->auth, "Authorization: Bearer %s\r\n", token);
        return CLI_OK;
    }
    if (user == NULL || (password == NULL) == !pw_stdin) {
        fprintf(stderr, "sunbid: " CMD ": give --user with --password or --password-stdin, or"
                        " --token\n");
        return CLI_USAGE;
    }
    if (pw_stdin) {
        if (read_stdin_line(pw, sizeof pw) != 0) {
            fprintf(stderr, "sunbid: " CMD ": no password on stdin\n");
            return CLI_USAGE;
        }
        password = pw;
    }
    json_t *body = json_pack("{s:s,s:s,s:b}", "username", user, "password", password, "token", 1);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    OPENSSL_cleanse(pw, sizeof pw);
    if (text == NULL)
        return CLI_FAIL;
    c->auth[0] = '\0';
    int rc = call(c, "POST", "/api/auth/login", text, &ans);
    OPENSSL_cleanse(text, strlen(text));
    free(text);
    if (rc != CLI_OK)
        return rc;
    const char *t = json_string_value(json_object_get(ans, "token"));
    if (t == NULL || strlen(t) > TOKEN_MAX || strpbrk(t, "\r\n") != NULL) {
        fprintf(stderr, "sunbid: " CMD ": the login answer has no usable token\n");
        rc = CLI_FAIL;
    } else {
        snprintf(c->auth, sizeof c->auth, "Authorization: Bearer %s\r\n", t);
    }
    json_decref(ans);
    return rc;
}

/* ---- sign ---- */

static int do_sign(const struct conn *c, long long tender, const char *key_path)
{
    char path[96], msg[256];
    struct seal_error err = {0, ""};
    struct buf canon;
    EVP_PKEY *key = NULL;
    json_t *hall = NULL, *ans = NULL;
    uint8_t sig[SUITE_MAX_SIG];
    size_t sig_len = sizeof sig;
    int rc;
    if (suite_load_private_key(key_path, &key, &err) != SEAL_OK) {
        fprintf(stderr, "sunbid: " CMD ": %s\n", err.msg);
        return err.code == SEAL_EIO ? CLI_FAIL : CLI_INVALID;
    }
    const struct suite *s = EVP_PKEY_is_a(key, "SM2") ? &suite_gm : &suite_intl;
    if (suite_key_check(s, key) != SEAL_OK) {
        fprintf(stderr, "sunbid: " CMD ": %s is neither an SM2 nor a P-256 key\n", key_path);
        EVP_PKEY_free(key);
        return CLI_INVALID;
    }
    buf_init(&canon, OPENING_RECORD_MAX);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening", tender);
    rc = call(c, "GET", path, NULL, &hall);
    if (rc != CLI_OK)
        goto out;
    const char *phase = json_string_value(json_object_get(hall, "phase"));
    const char *dh = json_string_value(json_object_get(hall, "draft_sha256"));
    json_t *draft = json_object_get(hall, "draft");
    if (phase == NULL || strcmp(phase, "signing") != 0 || dh == NULL || !json_is_object(draft)) {
        fprintf(stderr,
                "sunbid: " CMD ": opening_wrong_phase: the hall is in phase %s, not"
                " signing\n",
                phase ? phase : "?");
        rc = CLI_CONFLICT;
        goto out;
    }
    /* what is signed is what was shown */
    char hex[65];
    if (opening_canon(draft, &canon) != 0) {
        rc = CLI_FAIL;
        goto out;
    }
    crypto_sha256_hex(canon.data, canon.len, hex);
    if (strcmp(hex, dh) != 0) {
        fprintf(stderr,
                "sunbid: " CMD ": the draft shown hashes to %s, not to draft_sha256 %s;"
                " not signed\n",
                hex, dh);
        rc = CLI_DAMAGED;
        goto out;
    }
    int ml = opening_sign_message(tender, dh, msg, sizeof msg);
    if (ml < 0 || suite_sign(s, key, msg, (size_t)ml, sig, &sig_len) != SEAL_OK) {
        fprintf(stderr, "sunbid: " CMD ": cannot sign with %s\n", key_path);
        rc = CLI_FAIL;
        goto out;
    }
    char b64[B64_LEN(SUITE_MAX_SIG)], body[512];
    b64_encode(sig, sig_len, b64);
    snprintf(body, sizeof body, "{\"signature\":\"%s\",\"draft_sha256\":\"%s\"}", b64, dh);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/sign", tender);
    rc = call(c, "POST", path, body, &ans);
    if (rc == CLI_OK)
        printf("signed the opening record of tender %lld: draft_sha256 %s\n", tender, dh);
out:
    json_decref(hall);
    json_decref(ans);
    buf_release(&canon);
    EVP_PKEY_free(key);
    return rc;
}

/* ---- decrypt ---- */

static ssize_t file_read(void *arg, void *buf, size_t n)
{
    FILE *f = arg;
    size_t k = fread(buf, 1, n, f);
    if (k == 0 && ferror(f))
        return -1;
    return (ssize_t)k;
}

/* K of the envelope at env_path for key, after the whole envelope verified
 * and decrypted under it (the --release-key rule). CLI exit code. */
static int release(const char *env_path, EVP_PKEY *key, uint8_t k[SUITE_KEY_LEN])
{
    struct seal_error err = {0, ""};
    struct envelope_header *h = NULL;
    struct envelope_open_opts oo = {.key = key};
    uint8_t id[32];
    int rc = CLI_INVALID, i;
    FILE *in = fopen(env_path, "rb");
    if (in == NULL) {
        fprintf(stderr, "sunbid: " CMD ": io_error: cannot open %s: %s\n", env_path,
                strerror(errno));
        return CLI_FAIL;
    }
    if (envelope_open(&oo, file_read, in, NULL, &h, &err) != SEAL_OK) {
        fprintf(stderr, "sunbid: " CMD ": %s\n", err.msg);
        rc = err.code == SEAL_EIO ? CLI_FAIL : CLI_DAMAGED;
        goto out;
    }
    if (suite_key_id(key, id) != SEAL_OK)
        goto out;
    for (i = 0; i < h->n_recipients; i++)
        if (memcmp(h->rcpt[i].key_id, id, 32) == 0)
            break;
    if (i == h->n_recipients) {
        fprintf(stderr, "sunbid: " CMD ": wrong_key: none of the %d recipients has this key\n",
                h->n_recipients);
        rc = CLI_DAMAGED;
        goto out;
    }
    if (suite_unwrap(h->suite, key, h->rcpt[i].wrap, h->rcpt[i].wrap_len, k) != SEAL_OK) {
        fprintf(stderr, "sunbid: " CMD ": bad_wrap: the content key does not decrypt\n");
        rc = CLI_DAMAGED;
        goto out;
    }
    rc = CLI_OK;
out:
    envelope_header_free(h);
    fclose(in);
    return rc;
}

static int do_decrypt(const struct conn *c, long long tender, long long lot, const char *key_path,
                      const char *env_path)
{
    struct seal_error err = {0, ""};
    EVP_PKEY *key = NULL;
    uint8_t k[SUITE_KEY_LEN];
    char hex[2 * SUITE_KEY_LEN + 1], body[256], path[96];
    json_t *ans = NULL;
    if (suite_load_private_key(key_path, &key, &err) != SEAL_OK) {
        fprintf(stderr, "sunbid: " CMD ": %s\n", err.msg);
        return err.code == SEAL_EIO ? CLI_FAIL : CLI_INVALID;
    }
    int rc = release(env_path, key, k);
    EVP_PKEY_free(key);
    if (rc != CLI_OK)
        return rc;
    hex_encode(k, SUITE_KEY_LEN, hex);
    snprintf(body, sizeof body, "{\"lot_no\":%lld,\"key\":\"%s\"}", lot, hex);
    snprintf(path, sizeof path, "/api/tenders/%lld/opening/decrypt", tender);
    rc = call(c, "POST", path, body, &ans);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(hex, sizeof hex);
    OPENSSL_cleanse(body, sizeof body);
    if (rc == CLI_OK) {
        const char *st = json_string_value(json_object_get(ans, "status"));
        const char *why = json_string_value(json_object_get(ans, "reason"));
        printf("lot %lld: %s%s%s\n", lot, st ? st : "?", why ? ": " : "", why ? why : "");
    }
    json_decref(ans);
    return rc;
}

/* ---- verify-record ---- */

static int do_verify(const char *file)
{
    struct buf data, rec;
    struct opening_record_report rep;
    const char *want = NULL;
    json_t *wrap = NULL;
    int rc = CLI_FAIL;
    buf_init(&data, RECORD_FILE_MAX);
    buf_init(&rec, OPENING_RECORD_MAX);
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        fprintf(stderr, "sunbid: " CMD ": io_error: cannot open %s: %s\n", file, strerror(errno));
        goto out;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&data, chunk, n) != 0) {
            fprintf(stderr, "sunbid: " CMD ": %s is too large for a record\n", file);
            fclose(f);
            rc = CLI_INVALID;
            goto out;
        }
    }
    fclose(f);
    while (data.len > 0 && (data.data[data.len - 1] == '\n' || data.data[data.len - 1] == '\r'))
        data.data[--data.len] = '\0';
    /* GET .../record's answer: {"record_sha256", "record"} */
    enum err e = ERR_OK;
    const char *m = NULL;
    wrap = data.len > 0 ? jsonr_parse(data.data, data.len, RECORD_FILE_MAX, JSONR_MAX_DEPTH, &e, &m)
                        : NULL;
    if (wrap != NULL && json_is_object(json_object_get(wrap, "record"))) {
        want = json_string_value(json_object_get(wrap, "record_sha256"));
        if (opening_canon(json_object_get(wrap, "record"), &rec) != 0) {
            rc = CLI_FAIL;
            goto out;
        }
    } else if (data.len > 0 && buf_append(&rec, data.data, data.len) != 0) {
        rc = CLI_INVALID;
        goto out;
    }
    e = opening_record_verify(rec.data ? rec.data : "", rec.len, &rep);
    if (e == ERR_OK && want != NULL && strcmp(want, rep.record_sha256) != 0) {
        snprintf(rep.message, sizeof rep.message, "the record does not hash to record_sha256");
        e = ERR_OPENING_STALE_DRAFT;
    }
    if (e != ERR_OK) {
        printf("record: INVALID: %s: %s", err_code(e), rep.message);
        if (rep.bad_signature >= 0)
            printf(" (signature %d)", rep.bad_signature + 1);
        printf("\n");
        rc = e == ERR_INVALID_FIELD ? CLI_INVALID : CLI_DAMAGED;
        goto out;
    }
    printf("tender: %lld\nrecord_sha256: %s\ndraft_sha256: %s\nsignatures: %d valid\n"
           "record: valid\n",
           (long long)rep.tender_id, rep.record_sha256, rep.draft_sha256, rep.signatures);
    rc = CLI_OK;
out:
    json_decref(wrap);
    buf_release(&data);
    buf_release(&rec);
    return rc;
}

/* ---- the command ---- */

static bool parse_id(const char *s, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = s != NULL ? strtoll(s, &end, 10) : 0;
    if (s == NULL || end == s || *end != '\0' || errno != 0 || v <= 0)
        return false;
    *out = v;
    return true;
}

int cli_opening(int argc, char **argv)
{
    static const struct option longopts[] = {{"server", required_argument, NULL, 's'},
                                             {"tender", required_argument, NULL, 't'},
                                             {"lot", required_argument, NULL, 'l'},
                                             {"key", required_argument, NULL, 'k'},
                                             {"envelope", required_argument, NULL, 'e'},
                                             {"user", required_argument, NULL, 'u'},
                                             {"password", required_argument, NULL, 'p'},
                                             {"password-stdin", no_argument, NULL, 'P'},
                                             {"token", required_argument, NULL, 'T'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *server = NULL, *tender_s = NULL, *lot_s = "1", *key = NULL, *env = NULL;
    const char *user = NULL, *password = NULL, *token = NULL;
    bool pw_stdin = false;
    int opt;
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            server = optarg;
            break;
        case 't':
            tender_s = optarg;
            break;
        case 'l':
            lot_s = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'e':
            env = optarg;
            break;
        case 'u':
            user = optarg;
            break;
        case 'p':
            password = optarg;
            break;
        case 'P':
            pw_stdin = true;
            break;
        case 'T':
            token = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_USAGE;
        }
    }
    int rest = argc - 1 - optind;
    if (strcmp(sub, "verify-record") == 0) {
        if (rest != 1) {
            usage(stderr);
            return CLI_USAGE;
        }
        return do_verify(argv[1 + optind]);
    }
    bool sign = strcmp(sub, "sign") == 0, decrypt = strcmp(sub, "decrypt") == 0;
    long long tender = 0, lot = 0;
    if ((!sign && !decrypt) || rest != 0 || server == NULL || key == NULL ||
        !parse_id(tender_s, &tender) || (decrypt && (env == NULL || !parse_id(lot_s, &lot)))) {
        usage(stderr);
        return CLI_USAGE;
    }
    struct conn c;
    char err[256];
    memset(&c, 0, sizeof c);
    if (httpc_url_parse(server, &c.url, err, sizeof err) != 0) {
        fprintf(stderr, "sunbid: " CMD ": --server: %s\n", err);
        return CLI_USAGE;
    }
    int rc = authenticate(&c, user, password, pw_stdin, token);
    if (rc != CLI_OK)
        return rc;
    rc = sign ? do_sign(&c, tender, key) : do_decrypt(&c, tender, lot, key, env);
    OPENSSL_cleanse(c.auth, sizeof c.auth);
    return rc;
}
