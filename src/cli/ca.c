/*
 * cli/ca.c — `sunbid ca`: a local test CA for the demo and the tests, and a
 * certificate checker (docs/certificates.md, "The CA tool").
 *
 *   ca init    a self-signed root in DIR (crypto/ca.h)
 *   ca issue   a key pair and a certificate signed by DIR's CA
 *   ca revoke  marks a certificate revoked in DIR's index
 *   ca crl     writes DIR's CRL
 *   ca check   validates a certificate against trusted CAs and CRLs with
 *              crypto/x509.h, exactly as the server will
 *
 * `ca check` prints one line, "ok: ..." or "CODE: message" with the stable
 * code of x509.h, and exits 0 when the certificate is valid, 5
 * (CLI_DAMAGED: "a certificate invalid") when it is not. --data-dir and --db are accepted and
 * ignored: `ca` keeps its state in --dir and never opens the store. Time is clock_now_ms(), or --at
 * for `check`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "crypto/ca.h"
#include "crypto/x509.h"

#define CA_MAX_TRUST     16 /* --ca and --crl paths of one check */
/* `ca check` found the certificate not valid: cli.h's 5, "a certificate invalid" */
#define CA_EXIT_REJECTED CLI_DAMAGED

static void ca_usage(FILE *f)
{
    fputs("usage: sunbid ca init   --dir DIR --alg sm2|p256 --name NAME [--days N]\n"
          "       sunbid ca issue  --dir DIR [--alg sm2|p256] --usage sign|encrypt|both|tsa\n"
          "                        --subject-cn NAME [--org NAME] [--uscc CODE] [--days N]\n"
          "                        --out PREFIX\n"
          "       sunbid ca revoke --dir DIR [--reason REASON] SERIAL|CERT.pem\n"
          "       sunbid ca crl    --dir DIR --out CRL.pem [--days N]\n"
          "       sunbid ca check  --ca DIR|FILE [--ca ...] [--crl FILE ...] [--require-crl]\n"
          "                        [--usage sign|encrypt] [--at UNIXTIME] CERT.pem\n"
          "\n"
          "A local test CA (SM2 with SM3, or P-256 with SHA-256) and a certificate\n"
          "checker. init writes DIR/ca.key.pem (mode 0600), DIR/ca.crt.pem and\n"
          "DIR/index.txt; issue writes PREFIX.key.pem (0600) and PREFIX.crt.pem;\n"
          "check prints 'ok: ...' or 'CODE: message' and exits 0 when the\n"
          "certificate is valid, 5 when it is not. See docs/certificates.md.\n",
          f);
}

/* Maps a ca_rc to an exit code, printing err. */
static int ca_fail(const char *sub, int rc, const char *err)
{
    fprintf(stderr, "sunbid: ca %s: %s\n", sub, err[0] ? err : "failed");
    switch (rc) {
    case CA_EINVAL:
        return CLI_INVALID;
    case CA_EEXISTS:
    case CA_ENOTFOUND:
        return CLI_CONFLICT;
    default:
        return CLI_FAIL;
    }
}

static int parse_days(const char *s, int *days)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 36500)
        return -1;
    *days = (int)v;
    return 0;
}

struct ca_opts {
    const char *dir, *name, *cn, *org, *uscc, *out, *at, *usage, *alg, *reason;
    const char *trust[CA_MAX_TRUST];
    size_t ntrust;
    const char *crl[CA_MAX_TRUST];
    size_t ncrl;
    int days; /* 0: the default of the subcommand */
    int require_crl;
};

static int ca_init(struct ca_opts *o)
{
    char err[512] = "";
    enum ca_alg alg;
    if (o->dir == NULL || o->alg == NULL || o->name == NULL) {
        fprintf(stderr, "sunbid: ca init: --dir, --alg and --name are required\n");
        return CLI_USAGE;
    }
    if (ca_alg_parse(o->alg, &alg) != 0) {
        fprintf(stderr, "sunbid: ca init: --alg must be sm2 or p256\n");
        return CLI_INVALID;
    }
    int rc = ca_dir_init(o->dir, alg, o->name, o->days ? o->days : CA_ROOT_DAYS, clock_now_ms(),
                         err, sizeof err);
    if (rc != CA_OK)
        return ca_fail("init", rc, err);
    printf("CA %s (%s) in %s\n", o->name, o->alg, o->dir);
    return CLI_OK;
}

static int ca_issue_cmd(struct ca_opts *o)
{
    char err[512] = "", serial[41];
    enum ca_alg alg;
    enum ca_usage usage;
    struct ca_dir d;
    if (o->dir == NULL || o->usage == NULL || o->cn == NULL || o->out == NULL) {
        fprintf(stderr, "sunbid: ca issue: --dir, --usage, --subject-cn and --out are required\n");
        return CLI_USAGE;
    }
    if (ca_usage_parse(o->usage, &usage) != 0 || usage == CA_USAGE_CA) {
        fprintf(stderr, "sunbid: ca issue: --usage must be sign, encrypt, both or tsa\n");
        return CLI_INVALID;
    }
    if (o->alg != NULL && ca_alg_parse(o->alg, &alg) != 0) {
        fprintf(stderr, "sunbid: ca issue: --alg must be sm2 or p256\n");
        return CLI_INVALID;
    }
    int rc = ca_dir_open(&d, o->dir, err, sizeof err);
    if (rc != CA_OK)
        return ca_fail("issue", rc, err);
    if (o->alg == NULL)
        alg = EVP_PKEY_is_a(d.key, "SM2") ? CA_ALG_SM2 : CA_ALG_P256;
    int64_t now = clock_now_ms();
    struct ca_cert_spec spec = {
        .cn = o->cn,
        .org = o->org,
        .uscc = o->uscc,
        .usage = usage,
        .path_len = -1,
        .not_before_ms = now - CA_BACKDATE_SECS * 1000LL,
        .not_after_ms = now + (int64_t)(o->days ? o->days : CA_DEFAULT_DAYS) * 86400000LL,
    };
    rc = ca_dir_issue(&d, &spec, alg, o->out, serial, err, sizeof err);
    ca_dir_close(&d);
    if (rc != CA_OK)
        return ca_fail("issue", rc, err);
    printf("%s\n", serial);
    return CLI_OK;
}

static int ca_revoke_cmd(struct ca_opts *o, const char *what)
{
    char err[512] = "", serial[41];
    struct ca_dir d;
    int reason = -1;
    if (o->dir == NULL || what == NULL) {
        fprintf(stderr, "sunbid: ca revoke: --dir and a serial or certificate are required\n");
        return CLI_USAGE;
    }
    if (o->reason != NULL && (reason = ca_reason_parse(o->reason)) < 0) {
        fprintf(stderr,
                "sunbid: ca revoke: unknown --reason '%s' (RFC 5280 names, e.g. "
                "keyCompromise, superseded)\n",
                o->reason);
        return CLI_INVALID;
    }
    int rc = ca_dir_open(&d, o->dir, err, sizeof err);
    if (rc != CA_OK)
        return ca_fail("revoke", rc, err);
    /* a file (or what looks like one) is a certificate, anything else a serial */
    size_t wl = strlen(what);
    if (access(what, F_OK) == 0 || strchr(what, '/') != NULL ||
        (wl > 4 && strcmp(what + wl - 4, ".pem") == 0) ||
        (wl > 4 && strcmp(what + wl - 4, ".crt") == 0)) {
        rc = ca_dir_serial_of(&d, what, serial, err, sizeof err);
        what = serial;
    }
    if (rc == CA_OK)
        rc = ca_dir_revoke(&d, what, reason, clock_now_ms(), err, sizeof err);
    ca_dir_close(&d);
    if (rc != CA_OK)
        return ca_fail("revoke", rc, err);
    printf("revoked %s\n", what);
    return CLI_OK;
}

static int ca_crl_cmd(struct ca_opts *o)
{
    char err[512] = "";
    struct ca_dir d;
    if (o->dir == NULL || o->out == NULL) {
        fprintf(stderr, "sunbid: ca crl: --dir and --out are required\n");
        return CLI_USAGE;
    }
    int rc = ca_dir_open(&d, o->dir, err, sizeof err);
    if (rc != CA_OK)
        return ca_fail("crl", rc, err);
    rc = ca_dir_crl(&d, o->out, o->days ? o->days : CA_CRL_DAYS, clock_now_ms(), err, sizeof err);
    ca_dir_close(&d);
    if (rc != CA_OK)
        return ca_fail("crl", rc, err);
    printf("CRL written to %s\n", o->out);
    return CLI_OK;
}

static int ca_check_cmd(struct ca_opts *o, const char *cert)
{
    struct x509_trust t;
    struct x509_result r;
    enum x509_usage use = X509V_USE_ANY;
    char err[512] = "";
    int64_t at = clock_now_ms();
    int rc = CLI_OK;
    if (o->ntrust == 0 || cert == NULL) {
        fprintf(stderr, "sunbid: ca check: --ca and a certificate are required\n");
        return CLI_USAGE;
    }
    if (o->usage != NULL) {
        if (strcmp(o->usage, "sign") == 0)
            use = X509V_USE_SIGN;
        else if (strcmp(o->usage, "encrypt") == 0)
            use = X509V_USE_ENCRYPT;
        else {
            fprintf(stderr, "sunbid: ca check: --usage must be sign or encrypt\n");
            return CLI_INVALID;
        }
    }
    if (o->at != NULL) {
        char *end = NULL;
        errno = 0;
        long long s = strtoll(o->at, &end, 10);
        if (errno != 0 || end == o->at || *end != '\0' || s < 0 || s > 253402300799LL) {
            fprintf(stderr, "sunbid: ca check: --at must be unix seconds\n");
            return CLI_INVALID;
        }
        at = (int64_t)s * 1000;
    }
    if (x509_trust_init(&t) != X509V_OK) {
        fprintf(stderr, "sunbid: ca check: out of memory\n");
        return CLI_FAIL;
    }
    t.crl_policy = o->require_crl ? X509V_CRL_REQUIRED : X509V_CRL_IF_PRESENT;
    for (size_t i = 0; i < o->ntrust + o->ncrl; i++) {
        const char *path = i < o->ntrust ? o->trust[i] : o->crl[i - o->ntrust];
        int lrc = x509_trust_load(&t, path, err, sizeof err);
        if (lrc != X509V_OK) {
            fprintf(stderr, "sunbid: ca check: %s: %s\n", x509_code(lrc), err);
            rc = lrc == X509V_EINTERNAL ? CLI_FAIL : CLI_INVALID;
            goto out;
        }
    }
    if (x509_trust_nroots(&t) == 0) {
        fprintf(stderr, "sunbid: ca check: no trusted root CA in --ca\n");
        rc = CLI_INVALID;
        goto out;
    }
    unsigned char *data = NULL;
    size_t n = 0;
    FILE *f = fopen(cert, "rb");
    if (f == NULL) {
        fprintf(stderr, "sunbid: ca check: %s: %s\n", cert, strerror(errno));
        rc = CLI_FAIL;
        goto out;
    }
    data = malloc(X509V_MAX_CERT + 1);
    if (data != NULL)
        n = fread(data, 1, X509V_MAX_CERT + 1, f);
    fclose(f);
    if (data == NULL) {
        rc = CLI_FAIL;
        goto out;
    }
    x509_check_bytes(&t, data, n, use, at, &r);
    free(data);
    if (r.rc != X509V_OK) {
        printf("%s: %s\n", x509_code(r.rc), r.message);
        rc = CA_EXIT_REJECTED;
        goto out;
    }
    printf("ok: %s\n", r.message);
    printf("subject: %s\nsha256: %s\nkey: %s\n", r.subject, r.fingerprint, x509_key_name(r.key));
out:
    x509_trust_release(&t);
    return rc;
}

int cli_ca(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'D'},      {"alg", required_argument, NULL, 'a'},
        {"name", required_argument, NULL, 'n'},     {"days", required_argument, NULL, 'y'},
        {"usage", required_argument, NULL, 'u'},    {"subject-cn", required_argument, NULL, 'c'},
        {"org", required_argument, NULL, 'o'},      {"uscc", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'O'},      {"reason", required_argument, NULL, 'r'},
        {"ca", required_argument, NULL, 'C'},       {"crl", required_argument, NULL, 'L'},
        {"require-crl", no_argument, NULL, 'R'},    {"at", required_argument, NULL, 't'},
        {"data-dir", required_argument, NULL, 'd'}, {"db", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    struct ca_opts o;
    int opt;
    memset(&o, 0, sizeof o);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        ca_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1];
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'D':
            o.dir = optarg;
            break;
        case 'a':
            o.alg = optarg;
            break;
        case 'n':
            o.name = optarg;
            break;
        case 'y':
            if (parse_days(optarg, &o.days) != 0) {
                fprintf(stderr, "sunbid: ca: --days must be 1..36500\n");
                return CLI_INVALID;
            }
            break;
        case 'u':
            o.usage = optarg;
            break;
        case 'c':
            o.cn = optarg;
            break;
        case 'o':
            o.org = optarg;
            break;
        case 's':
            o.uscc = optarg;
            break;
        case 'O':
            o.out = optarg;
            break;
        case 'r':
            o.reason = optarg;
            break;
        case 'C':
        case 'L':
            if (o.ntrust + o.ncrl == CA_MAX_TRUST) {
                fprintf(stderr, "sunbid: ca: at most %d --ca and --crl\n", CA_MAX_TRUST);
                return CLI_USAGE;
            }
            if (opt == 'C')
                o.trust[o.ntrust++] = optarg;
            else
                o.crl[o.ncrl++] = optarg;
            break;
        case 'R':
            o.require_crl = 1;
            break;
        case 't':
            o.at = optarg;
            break;
        case 'd':
        case 'b':
            break; /* accepted for uniformity; ca never opens the store */
        case 'h':
            ca_usage(stdout);
            return CLI_OK;
        default:
            ca_usage(stderr);
            return CLI_USAGE;
        }
    }
    /* positional arguments after the subcommand */
    const char *arg = optind < argc - 1 ? argv[optind + 1] : NULL;
    if (optind + 1 < argc - 1) {
        fprintf(stderr, "sunbid: ca %s: unexpected argument '%s'\n", sub, argv[optind + 2]);
        return CLI_USAGE;
    }
    bool takes_arg = strcmp(sub, "revoke") == 0 || strcmp(sub, "check") == 0;
    if (arg != NULL && !takes_arg) {
        fprintf(stderr, "sunbid: ca %s: unexpected argument '%s'\n", sub, arg);
        return CLI_USAGE;
    }
    if (strcmp(sub, "init") == 0)
        return ca_init(&o);
    if (strcmp(sub, "issue") == 0)
        return ca_issue_cmd(&o);
    if (strcmp(sub, "revoke") == 0)
        return ca_revoke_cmd(&o, arg);
    if (strcmp(sub, "crl") == 0)
        return ca_crl_cmd(&o);
    if (strcmp(sub, "check") == 0)
        return ca_check_cmd(&o, arg);
    fprintf(stderr, "sunbid: ca: unknown subcommand '%s'\n", sub);
    ca_usage(stderr);
    return CLI_USAGE;
}
