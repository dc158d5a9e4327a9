/*
 * cli/escrow.c — `sunbid escrow`: a tender's escrow key from the bidder's
 * and the opening officer's side (docs/escrow.md, docs/cli.md).
 *
 *   sunbid escrow pubkey --server URL --tender N [--suite gm|intl] [--out FILE]
 *       GET /api/tenders/N/escrow (public): the escrow public key of the
 *       suite as PEM, for `sunbid seal --escrow FILE`
 *
 *   sunbid escrow share --server URL --tender N --key OFFICER_ENC.pem [--print] AUTH
 *       GET /api/tenders/N/escrow/share: the officer's sealed share; it is
 *       opened here with the officer's encryption private key (which never
 *       leaves this machine) and checked (form, checksum, tender, x);
 *       then POST /api/tenders/N/escrow/shares {"share": base64}, or with
 *       --print the share's base64 on stdout instead
 *
 * AUTH: --user NAME with --password PW or --password-stdin (a bearer token
 * from POST /api/auth/login), or --token TOKEN (or $SUNBID_TOKEN). Plain
 * HTTP through cli/httpc.c. Exit codes (cli.h): 0 done; 1 network, I/O or
 * server failure; 2 usage; 3 refused (a 4xx other than 409, a key that
 * does not open the share); 4 conflict (409: the opening has not started,
 * no escrow). Single-threaded.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "base/base64.h"
#include "cli/cli.h"
#include "cli/httpc.h"
#include "crypto/shamir.h"
#include "crypto/suite.h"
#include "domain/escrow.h"

#define CMD          "escrow"
#define TOKEN_MAX    512
#define PASSWORD_MAX 1024

static void usage(FILE *f)
{
    fputs("usage: sunbid escrow pubkey --server URL --tender N [--suite gm|intl] [--out FILE]\n"
          "       sunbid escrow share --server URL --tender N --key OFFICER_ENC.pem [--print]"
          " AUTH\n"
          "AUTH:  --user NAME (--password PW | --password-stdin) | --token TOKEN\n"
          "       ($SUNBID_TOKEN is used when none is given)\n"
          "\n"
          "pubkey  the tender's escrow public key (PEM) of a suite (default intl),\n"
          "        for `sunbid seal --escrow FILE`\n"
          "share   an opening officer's share: fetched sealed, opened here with the\n"
          "        officer's encryption key, submitted (or printed with --print);\n"
          "        accepted once the opening has started\n",
          f);
}

struct conn {
    struct httpc_url url;
    char auth[TOKEN_MAX + 32]; /* "Authorization: Bearer ...\r\n" or "" */
};

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
        if (fgets(pw, (int)sizeof pw, stdin) == NULL) {
            fprintf(stderr, "sunbid: " CMD ": no password on stdin\n");
            return CLI_USAGE;
        }
        pw[strcspn(pw, "\r\n")] = '\0';
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

static int do_pubkey(const struct conn *c, long long tender, const char *suite, const char *out)
{
    char path[96];
    json_t *ans = NULL;
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow", tender);
    int rc = call(c, "GET", path, NULL, &ans);
    if (rc != CLI_OK)
        return rc;
    const char *pem =
        json_string_value(json_object_get(json_object_get(ans, "public_keys"), suite));
    if (pem == NULL) {
        fprintf(stderr, "sunbid: " CMD ": tender %lld has no escrow key (yet)\n", tender);
        json_decref(ans);
        return CLI_CONFLICT;
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    if (f == NULL) {
        fprintf(stderr, "sunbid: " CMD ": cannot write %s\n", out);
        json_decref(ans);
        return CLI_FAIL;
    }
    rc = fputs(pem, f) < 0 ? CLI_FAIL : CLI_OK;
    if (out != NULL && fclose(f) != 0)
        rc = CLI_FAIL;
    json_decref(ans);
    return rc;
}

static int do_share(const struct conn *c, long long tender, const char *key_path, bool print)
{
    char path[96];
    struct seal_error err = {0, ""};
    EVP_PKEY *key = NULL;
    json_t *ans = NULL;
    uint8_t sealed[ESCROW_SEALED_MAX + 4], share[SHAMIR_SHARE_LEN];
    char b64[B64_LEN(SHAMIR_SHARE_LEN)];
    unsigned x = 0;
    int rc;
    if (suite_load_private_key(key_path, &key, &err) != SEAL_OK) {
        fprintf(stderr, "sunbid: " CMD ": %s\n", err.msg);
        return err.code == SEAL_EIO ? CLI_FAIL : CLI_INVALID;
    }
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow/share", tender);
    rc = call(c, "GET", path, NULL, &ans);
    if (rc != CLI_OK)
        goto out;
    const char *enc = json_string_value(json_object_get(ans, "encrypted_share"));
    long n = enc ? b64_decode(enc, strlen(enc), sealed, sizeof sealed, 0) : -1;
    if (n <= 0) {
        fprintf(stderr, "sunbid: " CMD ": the server's sealed share is not base64\n");
        rc = CLI_FAIL;
        goto out;
    }
    int src = escrow_share_open(key, sealed, (size_t)n, tender, share, &x);
    struct shamir_share_info info;
    if (src == SEAL_OK && shamir_share_parse(share, sizeof share, &info) != SHAMIR_OK)
        src = SEAL_EMALFORMED;
    if (src != SEAL_OK) {
        fprintf(stderr, "sunbid: " CMD ": the share does not open with this key: %s\n",
                seal_err_code(src));
        rc = CLI_INVALID;
        goto out;
    }
    b64_encode(share, sizeof share, b64);
    if (print) {
        printf("%s\n", b64);
        rc = CLI_OK;
        goto out;
    }
    json_decref(ans);
    ans = NULL;
    char body[B64_LEN(SHAMIR_SHARE_LEN) + 32];
    snprintf(body, sizeof body, "{\"share\":\"%s\"}", b64);
    snprintf(path, sizeof path, "/api/tenders/%lld/escrow/shares", tender);
    rc = call(c, "POST", path, body, &ans);
    OPENSSL_cleanse(body, sizeof body);
    if (rc == CLI_OK) {
        json_t *bad = json_object_get(ans, "bad_shares");
        printf("share %u submitted; %lld in, recovered: %s%s\n", x,
               (long long)json_integer_value(json_object_get(ans, "submitted")),
               json_is_true(json_object_get(ans, "recovered")) ? "yes" : "no",
               json_is_true(json_object_get(ans, "mismatch")) ? " (the shares disagree)" : "");
        for (size_t i = 0; i < json_array_size(bad); i++)
            printf("share %lld is wrong and was set aside\n",
                   (long long)json_integer_value(json_array_get(bad, i)));
    }
out:
    OPENSSL_cleanse(share, sizeof share);
    OPENSSL_cleanse(b64, sizeof b64);
    json_decref(ans);
    EVP_PKEY_free(key);
    return rc;
}

int cli_escrow(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'},   {"tender", required_argument, NULL, 't'},
        {"suite", required_argument, NULL, 'S'},    {"out", required_argument, NULL, 'o'},
        {"key", required_argument, NULL, 'k'},      {"print", no_argument, NULL, 'P'},
        {"user", required_argument, NULL, 'u'},     {"password", required_argument, NULL, 'p'},
        {"password-stdin", no_argument, NULL, 'I'}, {"token", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *server = NULL, *suite = "intl", *out = NULL, *key = NULL, *user = NULL,
               *password = NULL, *token = NULL;
    long long tender = 0;
    bool print = false, pw_stdin = false;
    char err[256];
    struct conn c = {0};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "pubkey") != 0 && strcmp(sub, "share") != 0) {
        fprintf(stderr, "sunbid: " CMD ": unknown subcommand '%s'\n", sub);
        usage(stderr);
        return CLI_USAGE;
    }
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
        char *end = NULL;
        switch (ch) {
        case 's':
            server = optarg;
            break;
        case 't':
            tender = strtoll(optarg, &end, 10);
            if (end == optarg || *end != '\0' || tender <= 0) {
                fprintf(stderr, "sunbid: " CMD ": --tender must be a tender id\n");
                return CLI_USAGE;
            }
            break;
        case 'S':
            suite = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'P':
            print = true;
            break;
        case 'u':
            user = optarg;
            break;
        case 'p':
            password = optarg;
            break;
        case 'I':
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
    if (optind != argc - 1 || server == NULL || tender == 0) {
        fprintf(stderr, "sunbid: " CMD ": give --server URL and --tender N\n");
        return CLI_USAGE;
    }
    if (httpc_url_parse(server, &c.url, err, sizeof err) != 0) {
        fprintf(stderr, "sunbid: " CMD ": --server: %s\n", err);
        return CLI_USAGE;
    }
    if (strcmp(sub, "pubkey") == 0) {
        if (strcmp(suite, "gm") != 0 && strcmp(suite, "intl") != 0) {
            fprintf(stderr, "sunbid: " CMD ": --suite is gm or intl\n");
            return CLI_USAGE;
        }
        return do_pubkey(&c, tender, suite, out);
    }
    if (key == NULL) {
        fprintf(stderr, "sunbid: " CMD ": share needs --key OFFICER_ENC.pem\n");
        return CLI_USAGE;
    }
    int rc = authenticate(&c, user, password, pw_stdin, token);
    if (rc != CLI_OK)
        return rc;
    return do_share(&c, tender, key, print);
}
