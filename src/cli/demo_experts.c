/*
 * cli/demo_experts.c — the demo's expert pool: 240 fictitious experts of
 * the 榕城 region, generated deterministically (the same pool every time)
 * and loaded the way an operator would, as one CSV import through
 * expert_import(). The demo accounts expert1 ... expert7 are linked to the
 * experts E0001 ... E0007 of their display names. A few experts work for
 * the demo bidders or declare relations to them, some are on leave, one is
 * suspended, so a draw for a demo tender shows the recusal rules at work.
 * Skipped when the pool is not empty. Called by `sunbid demo` (demo.c).
 *
 * cli_demo_expert_certs, run after the demo CA exists (cli/demo_certs.c),
 * gives each of expert1 ... expert7 a personal P-256 signing certificate
 * from the demo CA, registered as POST /api/users/me/certs would
 * (usercert_register), so they sign the evaluation report in the browser
 * (docs/evaluation.md, "Signing the report"):
 *
 *   DATA/demo-keys/expertN/sign.key.pem   the key (PKCS#8 PEM, mode 0600)
 *   DATA/demo-keys/expertN/sign.crt.pem   its certificate
 *
 * Idempotent like the officers' (cli/demo_escrow.c): files that exist are
 * kept, a user with an active signing certificate is left alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/roles.h"
#include "cli/cli.h"
#include "crypto/ca.h"
#include "domain/expert.h"
#include "domain/usercert.h"
#include "domain/uscc.h"
#include "sheet/sheet.h"

#define DEMO_POOL 240
#define DAY       ((int64_t)86400000)

static const char *const family[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                     "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高",
                                     "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"};
static const char *const given[] = {"建国", "志强", "晓东", "丽华", "海涛", "文静", "明辉", "秀英",
                                    "俊杰", "雪梅", "国庆", "立新", "春燕", "永红", "振华", "雅琴",
                                    "德明", "慧敏", "宏伟", "少杰", "爱民", "玉兰", "勇",   "敏",
                                    "磊",   "静怡", "晨",   "家豪", "思远", "婉清"};
static const char *const regions[] = {"350102", "350103", "350104", "350105", "350111", "350121",
                                      "350181", "350200", "350300", "350500", "350600"};

struct employer {
    const char *name;
    const char *uscc17; /* a demo organisation's code (the check digit is computed), or NULL */
    const char *specs[3];
    const char *titles[2]; /* deputy_senior, senior */
};

static const struct employer employers[] = {
    {"福建省建筑设计研究院有限公司",
     NULL,
     {"A01.01", "A01.02", "C01.01"},
     {"高级工程师", "教授级高级工程师"}},
    {"榕城大学土木工程学院", NULL, {"A01.02", "A01.04", "A03.01"}, {"副教授", "教授"}},
    {"榕城市市政工程设计院", NULL, {"A02.01", "A02.02", "A02.03"}, {"高级工程师", "正高级工程师"}},
    {"福建省交通规划设计院", NULL, {"A03.01", "A03.02", "A02.01"}, {"高级工程师", "正高级工程师"}},
    {"福建省水利水电勘测设计研究院",
     NULL,
     {"A04", "A02.02", "C01.01"},
     {"高级工程师", "教授级高级工程师"}},
    {"福建省电力勘测设计院", NULL, {"A05.01", "A05.02", "B02"}, {"高级工程师", "正高级工程师"}},
    {"榕城信息工程学院", NULL, {"A06", "B03.01", "C02"}, {"副教授", "教授"}},
    {"福建省工程造价咨询有限公司",
     NULL,
     {"C01.03", "C01.04", "C06"},
     {"高级工程师", "正高级工程师"}},
    {"榕城建设监理有限公司", NULL, {"C01.02", "A01.01", "A02.01"}, {"高级工程师", "正高级工程师"}},
    {"榕城第一医院设备科", NULL, {"B04", "B01", "C03"}, {"高级工程师", "正高级工程师"}},
    {"闽都会计师事务所", NULL, {"C05", "C06", "C01.03"}, {"高级会计师", "正高级会计师"}},
    {"闽都律师事务所", NULL, {"C04", "C06", "C05"}, {"二级律师", "一级律师"}},
    {"榕城师范学院教育技术中心", NULL, {"B03.02", "B03.01", "B06"}, {"副教授", "教授"}},
    {"榕城园林科学研究所", NULL, {"A02.03", "A01.03", "C03"}, {"高级工程师", "正高级工程师"}},
    /* the demo bidders: their experts are left out of their tenders' draws */
    {"海峡建工集团有限公司",
     "91350000158143215",
     {"A01.01", "A01.02", "C01.04"},
     {"高级工程师", "正高级工程师"}},
    {"闽江路桥工程有限公司",
     "91350100MA31PQ7K2",
     {"A03.01", "A02.01", "C01.03"},
     {"高级工程师", "正高级工程师"}},
};

/* The demo accounts and the experts they are (names as in demo.c). */
static const struct {
    const char *user;
    const char *name;
    const char *spec;
    int employer;
} linked[] = {
    {"expert1", "李明远", "A01.01;A01.02", 0},   {"expert2", "王建华", "C01.03;C06", 7},
    {"expert3", "陈静", "C05;C06", 10},          {"expert4", "林涛", "A01.02;A01.04", 1},
    {"expert5", "赵文", "C04;C06", 11},          {"expert6", "孙鹏", "A02.02;A04", 2},
    {"expert7", "钱悦", "A05.02;B02;B03.02", 5},
};

static uint32_t next(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7FFF;
}

static const char *uscc_of(const char *first17, char out[USCC_LEN + 1])
{
    if (first17 == NULL)
        return "";
    memcpy(out, first17, 17);
    out[17] = uscc_check_char(first17);
    out[18] = '\0';
    return out;
}

/* "YYYY-MM-DD" of the Beijing day at ms. */
static void day(int64_t ms, char out[16])
{
    time_t t = (time_t)((ms + 8 * 3600 * 1000LL) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

int cli_demo_experts(struct store *s)
{
    static const struct tender_caller admin = {{0, "demo", NULL, NULL}, ROLE_ADMIN, 0, false};
    struct store_tx *tx = NULL;
    int64_t n = 0;
    struct buf csv;
    uint32_t seed = 20260101u;
    int64_t now = clock_now_ms();
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_query_int(tx, "SELECT count(*) FROM experts", NULL, 0, &n);
    store_rollback(tx);
    if (rc != STORE_OK || n > 0)
        return CLI_OK;
    buf_init(&csv, 1 << 22);
    static const char *const head[] = {
        "code",  "name",        "region", "employer", "employer_uscc", "title",     "title_level",
        "years", "specialties", "phone",  "username", "status",        "relations", "unavailable"};
    sheet_csv_row(&csv, head, 14);
    char from[16], to[16];
    day(now + 3 * DAY, from);
    day(now + 10 * DAY, to);
    for (int i = 0; i < DEMO_POOL; i++) {
        char code[16], name[32], years[8], phone[24], uscc[USCC_LEN + 1], specs[64];
        char rel[160] = "", un[64] = "";
        const char *user = "", *status = "active";
        int emp;
        bool senior = next(&seed) % 3 == 0;
        snprintf(code, sizeof code, "E%04d", i + 1);
        if (i < (int)(sizeof linked / sizeof linked[0])) {
            snprintf(name, sizeof name, "%s", linked[i].name);
            emp = linked[i].employer;
            snprintf(specs, sizeof specs, "%s", linked[i].spec);
            user = linked[i].user;
        } else {
            snprintf(name, sizeof name, "%s%s", family[next(&seed) % 30], given[next(&seed) % 30]);
            emp = (int)(next(&seed) % (sizeof employers / sizeof employers[0]));
            const struct employer *e = &employers[emp];
            int a = (int)(next(&seed) % 3), b = (int)(next(&seed) % 3);
            if (a == b)
                snprintf(specs, sizeof specs, "%s", e->specs[a]);
            else
                snprintf(specs, sizeof specs, "%s;%s", e->specs[a], e->specs[b]);
        }
        const struct employer *e = &employers[emp];
        snprintf(years, sizeof years, "%u", 8 + next(&seed) % 25);
        snprintf(phone, sizeof phone, "139%08u", 10000000u + (unsigned)i * 7919u % 89999999u);
        /* relations to the demo bidders, leave, a suspension */
        if (i % 37 == 11)
            snprintf(rel, sizeof rel, "former_employer:%s:海峡建工集团有限公司",
                     uscc_of("91350000158143215", uscc));
        else if (i % 41 == 13)
            snprintf(rel, sizeof rel, "relative::闽江路桥工程有限公司");
        if (i % 23 == 5)
            snprintf(un, sizeof un, "%s..%s:leave", from, to);
        char empuscc[USCC_LEN + 1];
        const char *cells[14] = {code,
                                 name,
                                 regions[next(&seed) % (sizeof regions / sizeof regions[0])],
                                 e->name,
                                 uscc_of(e->uscc17, empuscc),
                                 e->titles[senior ? 1 : 0],
                                 senior ? "senior" : "deputy_senior",
                                 years,
                                 specs,
                                 phone,
                                 user,
                                 status,
                                 rel,
                                 un};
        if (i < (int)(sizeof linked / sizeof linked[0]))
            cells[2] = "350102";
        sheet_csv_row(&csv, cells, 14);
    }
    struct expert_import_result res;
    struct expert_refusal why;
    enum err err = expert_import(s, &admin, csv.data, csv.len, &res, &why);
    buf_release(&csv);
    if (err != ERR_OK) {
        fprintf(stderr, "sunbid: demo: expert pool: %s (row %lld, %s: %s)\n", err_code(err),
                (long long)why.row, why.field ? why.field : "-", why.detail);
        return CLI_FAIL;
    }
    /* a suspension (the status follows the credit entry) and a commendation */
    int64_t cid, ids[2] = {0, 0};
    struct arena a;
    struct expert x;
    arena_init(&a, 0);
    if (store_begin(s, STORE_READ, &tx) == STORE_OK) {
        if (store_expert_by_code(tx, &a, "E0098", &x) == STORE_OK)
            ids[0] = x.id;
        if (store_expert_by_code(tx, &a, "E0001", &x) == STORE_OK)
            ids[1] = x.id;
        store_rollback(tx);
    }
    arena_release(&a);
    if (ids[0] != 0)
        expert_credit_add(s, &admin, ids[0], "suspend", -10,
                          "评标时未按评标办法打分，暂停抽取六个月", 0, &cid, &why);
    if (ids[1] != 0)
        expert_credit_add(s, &admin, ids[1], "commend", 5, "2025 年度优秀评标专家", 0, &cid, &why);
    printf("demo expert pool seeded: %d experts (expert1..expert7 linked)\n", res.created);
    return CLI_OK;
}

/* ---- the experts' signing certificates ---- */

#define CERT_PATH_MAX 768
#define CERT_DAYS     3650
#define CERT_PEM_MAX  (64 << 10)

/* The file at path (at most CERT_PEM_MAX bytes), NUL-terminated, to free. */
static char *read_small(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    if (f == NULL)
        return NULL;
    b = malloc(CERT_PEM_MAX + 1);
    size_t n = b ? fread(b, 1, CERT_PEM_MAX + 1, f) : 0;
    fclose(f);
    if (b == NULL || n == 0 || n > CERT_PEM_MAX) {
        free(b);
        return NULL;
    }
    b[n] = '\0';
    *len = n;
    return b;
}

/* Expert account i: its key and certificate in keys/USER/sign.*, the
 * certificate registered for signing. */
static int expert_cert(struct store *s, struct trust_cache *tc, struct ca_dir *ca, const char *keys,
                       int i)
{
    static const struct actor demo = {0, "demo", NULL, NULL};
    char dir[CERT_PATH_MAX + 32], prefix[CERT_PATH_MAX + 48], path[CERT_PATH_MAX + 64], serial[41],
        cn[64], err[512] = "";
    struct store_tx *tx = NULL;
    struct arena a;
    struct user u;
    struct user_cert uc;
    const char *user = linked[i].user;
    bool have = false;
    arena_init(&a, 0);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK) {
        rc = store_user_by_name(tx, &a, user, &u);
        have = rc == STORE_OK && store_user_cert_active(tx, &a, u.id, "sign", &uc) == STORE_OK;
        store_rollback(tx);
    }
    arena_release(&a);
    if (have || rc == STORE_NOTFOUND)
        return CLI_OK; /* registered already, or no such demo account */
    if (rc != STORE_OK)
        return CLI_FAIL;
    snprintf(dir, sizeof dir, "%s/%s", keys, user);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "sunbid: demo: %s: %s\n", dir, strerror(errno));
        return CLI_FAIL;
    }
    snprintf(prefix, sizeof prefix, "%s/sign", dir);
    snprintf(path, sizeof path, "%s.crt.pem", prefix);
    if (access(path, F_OK) != 0) {
        int64_t now = clock_now_ms();
        snprintf(cn, sizeof cn, "%s（评标专家）", linked[i].name);
        struct ca_cert_spec spec = {.cn = cn,
                                    .usage = CA_USAGE_SIGN,
                                    .path_len = -1,
                                    .not_before_ms = now - CA_BACKDATE_SECS * 1000LL,
                                    .not_after_ms = now + (int64_t)CERT_DAYS * 86400000LL};
        if (ca_dir_issue(ca, &spec, CA_ALG_P256, prefix, serial, err, sizeof err) != CA_OK) {
            fprintf(stderr, "sunbid: demo: %s: %s\n", prefix, err[0] ? err : "cannot issue");
            return CLI_FAIL;
        }
    }
    size_t len = 0;
    char *pem = read_small(path, &len);
    struct usercert_result res;
    enum err e =
        pem ? usercert_register(s, tc, &demo, u.id, pem, len, NULL, 0, &res) : ERR_INTERNAL;
    free(pem);
    if (e != ERR_OK) {
        fprintf(stderr, "sunbid: demo: signing certificate of %s: %s\n", user, err_code(e));
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cli_demo_expert_certs(struct store *s, const char *data_dir)
{
    char cadir[CERT_PATH_MAX], keys[CERT_PATH_MAX], err[512] = "";
    struct ca_dir ca = {.lock_fd = -1};
    int n = (int)(sizeof linked / sizeof linked[0]);
    snprintf(cadir, sizeof cadir, "%s/demo-ca", data_dir);
    snprintf(keys, sizeof keys, "%s/demo-keys", data_dir);
    if (ca_dir_open(&ca, cadir, err, sizeof err) != CA_OK) {
        fprintf(stderr, "sunbid: demo: %s: %s\n", cadir, err[0] ? err : "cannot open CA");
        return CLI_FAIL;
    }
    struct trust_cache *tc = trust_cache_new();
    int rc = tc != NULL ? CLI_OK : CLI_FAIL;
    for (int i = 0; i < n && rc == CLI_OK; i++)
        rc = expert_cert(s, tc, &ca, keys, i);
    ca_dir_close(&ca);
    trust_cache_free(tc);
    if (rc == CLI_OK)
        printf("demo expert keys (report signing): %s/expert{1..%d}/sign.key.pem\n", keys, n);
    return rc;
}
