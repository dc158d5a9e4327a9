/*
 * cli/demo_escrow.c — the demo's opening officers and escrow tender
 * (docs/escrow.md, "In the demo"), run by `sunbid demo` after the demo CA
 * (cli/demo_certs.c):
 *
 *   DATA/demo-keys/USER/encrypt.{key,crt}.pem   for agent (SM2), supervisor
 *                              and admin (P-256): personal encryption
 *                              certificates from the demo CA, registered
 *                              (usercert_register); keys mode 0600
 *   a works tender with escrow 2 of 3, these three as its officers,
 *   published (bidding opens the next day): its escrow public keys are
 *   out, bids must be sealed to one
 *
 * Officers open their share with `sunbid escrow share --key
 * DATA/demo-keys/USER/encrypt.key.pem` once the opening has started.
 * Idempotent: files that exist are kept, a user with an active encryption
 * certificate is left alone, and the tender is made only when no tender
 * has escrow yet.
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
#include "domain/escrow.h"
#include "domain/tender.h"
#include "domain/usercert.h"

#define DEMO_PATH_MAX 768
#define DEMO_DAYS     3650

static const struct actor demo_actor = {0, "demo", NULL, NULL};

static const struct {
    const char *user;
    const char *cn;
    enum ca_alg alg;
} officers[] = {
    {"agent", "开标人员（代理）", CA_ALG_SM2},
    {"supervisor", "开标人员（监督）", CA_ALG_P256},
    {"admin", "开标人员（平台）", CA_ALG_P256},
};
#define N_OFFICERS ((int)(sizeof officers / sizeof officers[0]))

static const char demo_doc[] = "榕城市体育中心照明改造工程招标文件（托管开标示例）\n"
                               "投标文件须同时加密给本项目的托管公钥（2/3 开标人员）。\n";

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && n < (1 << 20) && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)n + 1);
            if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
                buf[n] = '\0';
                *len = (size_t)n;
            } else {
                free(buf);
                buf = NULL;
            }
        }
    }
    fclose(f);
    return buf;
}

/* Officer i: the key and certificate, registered. */
static int officer_cert(struct store *s, struct trust_cache *tc, struct ca_dir *ca,
                        const char *keys, int i, int64_t *uid)
{
    char dir[DEMO_PATH_MAX + 32], prefix[DEMO_PATH_MAX + 48], path[DEMO_PATH_MAX + 64], serial[41],
        err[512] = "";
    struct tender_caller c;
    struct store_tx *tx = NULL;
    struct arena a;
    struct user_cert uc;
    if (cli_demo_caller(s, officers[i].user, &c) != STORE_OK)
        return CLI_FAIL;
    *uid = c.who.user_id;
    snprintf(dir, sizeof dir, "%s/%s", keys, officers[i].user);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "sunbid: demo: %s: %s\n", dir, strerror(errno));
        return CLI_FAIL;
    }
    snprintf(prefix, sizeof prefix, "%s/encrypt", dir);
    snprintf(path, sizeof path, "%s.crt.pem", prefix);
    if (access(path, F_OK) != 0) {
        int64_t now = clock_now_ms();
        struct ca_cert_spec spec = {.cn = officers[i].cn,
                                    .usage = CA_USAGE_ENCRYPT,
                                    .path_len = -1,
                                    .not_before_ms = now - CA_BACKDATE_SECS * 1000LL,
                                    .not_after_ms = now + (int64_t)DEMO_DAYS * 86400000LL};
        if (ca_dir_issue(ca, &spec, officers[i].alg, prefix, serial, err, sizeof err) != CA_OK) {
            fprintf(stderr, "sunbid: demo: %s: %s\n", prefix, err[0] ? err : "cannot issue");
            return CLI_FAIL;
        }
    }
    arena_init(&a, 0);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_user_cert_active(tx, &a, c.who.user_id, "encrypt", &uc);
    store_rollback(tx);
    arena_release(&a);
    if (rc == STORE_OK)
        return CLI_OK; /* registered already */
    size_t len = 0;
    char *pem = slurp(path, &len);
    struct usercert_result res;
    enum err e = pem ? usercert_register(s, tc, &demo_actor, c.who.user_id, NULL, 0, pem, len, &res)
                     : ERR_INTERNAL;
    free(pem);
    if (e != ERR_OK) {
        fprintf(stderr, "sunbid: demo: certificate of %s: %s\n", officers[i].user, err_code(e));
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int escrow_tender(struct store *s, const int64_t *uids)
{
    struct tender_caller agent;
    struct tender_refusal why = {0};
    struct store_tx *tx = NULL;
    char hash[BLOB_HASH_HEX + 1];
    int64_t n = 0, id = 0, v = 0, bad = 0, now = clock_now_ms();
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_query_int(tx, "SELECT count(*) FROM tenders WHERE escrow_k > 0", NULL, 0, &n);
    store_rollback(tx);
    if (rc != STORE_OK || n > 0 || cli_demo_caller(s, "agent", &agent) != STORE_OK)
        return rc == STORE_OK ? CLI_OK : CLI_FAIL;
    struct tender_input in = {0};
    in.title = "榕城市体育中心照明改造工程（托管开标演示）";
    in.description = "投标文件须同时加密给本项目的托管公钥；任意 2 名开标人员可在开标时"
                     "为无法解密的投标人恢复托管密钥。";
    in.region = "350100";
    in.category = "works";
    in.procedure = "open";
    in.has_ceiling = true;
    in.ceiling_fen = 1280000000;
    in.has_escrow = true;
    in.escrow_k = 2;
    in.escrow_n = N_OFFICERS;
    in.dates.publish_at = now;
    in.dates.doc_start = now + TENDER_DAY_MS; /* bidding opens tomorrow */
    in.dates.doc_end = now + 8 * TENDER_DAY_MS;
    in.dates.clarify_deadline = now + 11 * TENDER_DAY_MS;
    in.dates.bid_deadline = now + 22 * TENDER_DAY_MS;
    enum err e = tender_create(s, &agent, &in, &id, &why);
    if (e == ERR_OK)
        e = tender_document_add(s, &agent, id, "招标文件.txt", "text/plain", demo_doc,
                                sizeof demo_doc - 1, &v, hash, NULL, &why);
    if (e == ERR_OK)
        e = escrow_officers_set(s, &agent, id, uids, N_OFFICERS, &bad);
    if (e == ERR_OK)
        e = tender_publish(s, &agent, id, NULL, &why);
    if (e != ERR_OK) {
        fprintf(stderr, "sunbid: demo: escrow tender: %s%s%s\n", err_code(e), why.field ? " " : "",
                why.field ? why.field : "");
        return CLI_FAIL;
    }
    printf("demo escrow tender seeded: 2 of 3 officers (agent, supervisor, admin)\n");
    return CLI_OK;
}

int cli_demo_escrow(struct store *s, const char *data_dir)
{
    char cadir[DEMO_PATH_MAX], keys[DEMO_PATH_MAX], err[512] = "";
    struct ca_dir ca = {.lock_fd = -1};
    struct trust_cache *tc = NULL;
    int64_t uids[N_OFFICERS];
    int rc = CLI_OK;
    snprintf(cadir, sizeof cadir, "%s/demo-ca", data_dir);
    snprintf(keys, sizeof keys, "%s/demo-keys", data_dir);
    if (ca_dir_open(&ca, cadir, err, sizeof err) != CA_OK) {
        fprintf(stderr, "sunbid: demo: %s: %s\n", cadir, err[0] ? err : "cannot open CA");
        return CLI_FAIL;
    }
    tc = trust_cache_new();
    if (tc == NULL)
        rc = CLI_FAIL;
    for (int i = 0; i < N_OFFICERS && rc == CLI_OK; i++)
        rc = officer_cert(s, tc, &ca, keys, i, &uids[i]);
    ca_dir_close(&ca);
    trust_cache_free(tc);
    if (rc == CLI_OK)
        rc = escrow_tender(s, uids);
    if (rc == CLI_OK)
        printf("demo officer keys (escrow shares): %s/{agent,supervisor,admin}/encrypt.key.pem\n",
               keys);
    return rc;
}
