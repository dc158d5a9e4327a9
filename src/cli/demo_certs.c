/*
 * cli/demo_certs.c — the demo's certificates, so a newcomer can seal and
 * submit a bid right after `make demo` (docs/bids.md, "In the demo"):
 *
 *   DATA/demo-ca/                 a test CA "榕城演示 CA" (P-256; crypto/ca.h),
 *                                 trusted by the platform (trust_add, as an
 *                                 admin would through POST /api/trust);
 *   DATA/demo-keys/USER/          for bidder1 ... bidder3: sign.key.pem,
 *                                 sign.crt.pem, encrypt.key.pem,
 *                                 encrypt.crt.pem (keys mode 0600),
 *                                 registered as the organisation's
 *                                 certificates (orgcert_register).
 *
 * P-256, the intl suite: the browser's bid page seals with WebCrypto, which
 * has no SM2; `sunbid seal --suite intl` takes the same files. The subject
 * carries the organisation's USCC (serialNumber), where x509_uscc() looks.
 *
 * Idempotent, step by step: a CA directory that exists is reused, files
 * that exist are kept, a CA already trusted is not added again, an
 * organisation with active certificates is left alone. So a second run
 * writes nothing. Called by `sunbid demo` (demo.c) after the accounts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "crypto/ca.h"
#include "domain/orgcert.h"
#include "domain/trust.h"
#include "domain/uscc.h"

#define DEMO_CA_NAME   "榕城演示 CA"
#define DEMO_CERT_DAYS 3650 /* the demo's certificates outlive any demo */
#define DEMO_PATH_MAX  768

static const struct actor demo_cert_actor = {0, "demo", NULL, NULL};

/* The demo bidders (demo.c's users and organisations). */
static const struct {
    const char *user;
    const char *cn;     /* subject CN */
    const char *org;    /* subject O */
    const char *uscc17; /* the check digit is computed */
} bidders[] = {
    {"bidder1", "黄丽", "海峡建工集团有限公司", "91350000158143215"},
    {"bidder2", "吴倩", "闽江路桥工程有限公司", "91350100MA31PQ7K2"},
    {"bidder3", "郑洁", "榕城市政建设有限公司", "91350100735676503"},
};

/* Reads a whole small file into a malloc'ed buffer, or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (f == NULL)
        return NULL;
    buf = malloc(ORGCERT_MAX_PEM + 1);
    size_t n = buf ? fread(buf, 1, ORGCERT_MAX_PEM, f) : 0;
    fclose(f);
    if (buf == NULL || n == 0 || n == ORGCERT_MAX_PEM) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int mkdir_private(const char *path)
{
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "sunbid: demo: %s: %s\n", path, strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* Issues PREFIX.key.pem / PREFIX.crt.pem unless the certificate is there. */
static int issue_one(struct ca_dir *ca, const char *prefix, enum ca_usage usage, int i)
{
    char path[DEMO_PATH_MAX + 48], serial[41], err[512] = "", code[USCC_LEN + 1];
    snprintf(path, sizeof path, "%s.crt.pem", prefix);
    if (access(path, F_OK) == 0)
        return CLI_OK;
    memcpy(code, bidders[i].uscc17, 17);
    code[17] = uscc_check_char(bidders[i].uscc17);
    code[18] = '\0';
    int64_t now = clock_now_ms();
    struct ca_cert_spec spec = {
        .cn = bidders[i].cn,
        .org = bidders[i].org,
        .uscc = code,
        .usage = usage,
        .path_len = -1,
        .not_before_ms = now - CA_BACKDATE_SECS * 1000LL,
        .not_after_ms = now + (int64_t)DEMO_CERT_DAYS * 86400000LL,
    };
    if (ca_dir_issue(ca, &spec, CA_ALG_P256, prefix, serial, err, sizeof err) != CA_OK) {
        fprintf(stderr, "sunbid: demo: %s: %s\n", prefix, err[0] ? err : "cannot issue");
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* Registers bidder i's two certificates unless the organisation has any. */
static int register_one(struct store *s, struct trust_cache *tc, const char *keydir, int i,
                        bool *added)
{
    struct store_tx *tx = NULL;
    char code[USCC_LEN + 1], sp[DEMO_PATH_MAX + 48], ep[DEMO_PATH_MAX + 48];
    int64_t org = 0, active = 0;
    size_t sl = 0, el = 0;
    memcpy(code, bidders[i].uscc17, 17);
    code[17] = uscc_check_char(bidders[i].uscc17);
    code[18] = '\0';
    struct store_param p[] = {SP_T(code)};
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_query_int(tx, "SELECT id FROM orgs WHERE uscc = $1", p, 1, &org);
    if (rc == STORE_OK && org != 0) {
        struct store_param q[] = {SP_I(org)};
        rc = store_query_int(tx,
                             "SELECT count(*) FROM org_certs WHERE org_id = $1 AND "
                             "status = 'active'",
                             q, 1, &active);
    }
    store_rollback(tx);
    if (rc != STORE_OK || org == 0 || active > 0)
        return rc == STORE_OK ? CLI_OK : CLI_FAIL; /* not the demo orgs, or done */
    snprintf(sp, sizeof sp, "%s/sign.crt.pem", keydir);
    snprintf(ep, sizeof ep, "%s/encrypt.crt.pem", keydir);
    char *sign = slurp(sp, &sl), *enc = slurp(ep, &el);
    struct orgcert_result res;
    enum err e = ERR_INTERNAL;
    if (sign != NULL && enc != NULL)
        e = orgcert_register(s, tc, &demo_cert_actor, org, sign, sl, enc, el, &res);
    free(sign);
    free(enc);
    if (e != ERR_OK) {
        fprintf(stderr, "sunbid: demo: certificates of %s: %s\n", bidders[i].user, err_code(e));
        return CLI_FAIL;
    }
    *added = true;
    return CLI_OK;
}

int cli_demo_certs(struct store *s, const char *data_dir)
{
    char cadir[DEMO_PATH_MAX], keys[DEMO_PATH_MAX], path[DEMO_PATH_MAX + 64], err[512] = "";
    struct trust_cache *tc = NULL;
    struct ca_dir ca = {.lock_fd = -1};
    bool opened = false, changed = false;
    char *pem = NULL;
    size_t len = 0;
    int rc = CLI_OK;

    snprintf(cadir, sizeof cadir, "%s/demo-ca", data_dir);
    snprintf(keys, sizeof keys, "%s/demo-keys", data_dir);
    snprintf(path, sizeof path, "%s/ca.crt.pem", cadir);
    if (access(path, F_OK) != 0) {
        if (ca_dir_init(cadir, CA_ALG_P256, DEMO_CA_NAME, CA_ROOT_DAYS, clock_now_ms(), err,
                        sizeof err) != CA_OK) {
            fprintf(stderr, "sunbid: demo: %s: %s\n", cadir, err[0] ? err : "cannot create CA");
            return CLI_FAIL;
        }
        changed = true;
    }
    /* trusted by the platform; trust_add reports one already there */
    pem = slurp(path, &len);
    struct trust_added added[TRUST_ADD_MAX];
    int n = 0;
    char msg[300] = "";
    enum err e =
        pem ? trust_add(s, &demo_cert_actor, pem, len, added, &n, msg, sizeof msg) : ERR_INTERNAL;
    if (e != ERR_OK) {
        fprintf(stderr, "sunbid: demo: trusting %s: %s %s\n", path, err_code(e), msg);
        rc = CLI_FAIL;
        goto out;
    }
    for (int k = 0; k < n; k++)
        changed |= !added[k].existed;

    if (ca_dir_open(&ca, cadir, err, sizeof err) != CA_OK) {
        fprintf(stderr, "sunbid: demo: %s: %s\n", cadir, err[0] ? err : "cannot open CA");
        rc = CLI_FAIL;
        goto out;
    }
    opened = true;
    tc = trust_cache_new();
    if (tc == NULL || mkdir_private(keys) != CLI_OK) {
        rc = CLI_FAIL;
        goto out;
    }
    for (int i = 0; i < (int)(sizeof bidders / sizeof bidders[0]) && rc == CLI_OK; i++) {
        char dir[DEMO_PATH_MAX + 16], prefix[DEMO_PATH_MAX + 32];
        snprintf(dir, sizeof dir, "%s/%s", keys, bidders[i].user);
        rc = mkdir_private(dir);
        snprintf(prefix, sizeof prefix, "%s/sign", dir);
        if (rc == CLI_OK)
            rc = issue_one(&ca, prefix, CA_USAGE_SIGN, i);
        snprintf(prefix, sizeof prefix, "%s/encrypt", dir);
        if (rc == CLI_OK)
            rc = issue_one(&ca, prefix, CA_USAGE_ENCRYPT, i);
        if (rc == CLI_OK)
            rc = register_one(s, tc, dir, i, &changed);
    }
    if (rc == CLI_OK && changed)
        printf("demo certificates seeded: CA in %s, trusted; bidder1..3 registered\n", cadir);
    if (rc == CLI_OK)
        printf("demo bidder keys (P-256, for the bid page or `sunbid seal --suite intl`):\n"
               "  %s/bidderN/{sign,encrypt}.{key,crt}.pem\n",
               keys);
out:
    if (opened)
        ca_dir_close(&ca);
    trust_cache_free(tc);
    free(pem);
    return rc;
}
