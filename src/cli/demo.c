/*
 * cli/demo.c — `sunbid demo`: seeds a store with demo organisations and one
 * account per role, so a newcomer can sign in and look around. It uses the
 * same domain calls as the API, so the seed is audited like any write.
 * Idempotent: a store that already has the demo accounts is left alone.
 *
 * Later capabilities (tenders, auctions, evaluations) add their demo data
 * here as they land: the expert pool (demo_experts.c), the test CA and the
 * bidders' certificates and key files (demo_certs.c), a tender whose
 * opening hall opens minutes after the seeding (demo_hall.c).
 */
#include <getopt.h>

#include "base/roles.h"
#include "cli/cli.h"
#include "base/clock.h"
#include "domain/accounts.h"
#include "domain/tender.h"
#include "domain/uscc.h"

#define DEMO_PASSWORD "Sunbid@2026"

static const struct actor demo_actor = {0, "demo", NULL, NULL};

struct demo_org {
    const char *name;
    const char *uscc17; /* the check digit is computed */
    const char *legal_rep;
    const char *contact;
    const char *phone;
    const char *address;
};

/* Fictitious organisations with well-formed codes. */
static const struct demo_org orgs[] = {
    {"榕城市公共资源交易中心", "12350100MB0A12345", "陈立平", "林晓", "0591-87000001",
     "榕城市鼓楼区湖东路 100 号"},
    {"榕城建设工程招标代理有限公司", "91350100MA2YK0A1X", "张建国", "张敏", "0591-87000002",
     "榕城市台江区江滨中大道 20 号"},
    {"榕城市城乡建设局", "11350100003600012", "刘志强", "王芳", "0591-87000003",
     "榕城市晋安区福新中路 8 号"},
    {"海峡建工集团有限公司", "91350000158143215", "黄海", "黄丽", "0591-88000001",
     "榕城市仓山区建新镇 1 号"},
    {"闽江路桥工程有限公司", "91350100MA31PQ7K2", "吴江", "吴倩", "0591-88000002",
     "榕城市马尾区快安路 6 号"},
    {"榕城市政建设有限公司", "91350100735676503", "郑远", "郑洁", "0591-88000003",
     "榕城市闽侯县上街镇 3 号"},
    {"榕城市发展和改革委员会", "11350100003599870", "周正", "周明", "0591-87000009",
     "榕城市鼓楼区乌山路 96 号"},
};

struct demo_user {
    const char *username;
    const char *display_name;
    unsigned roles;
    int org; /* index into orgs, or -1 */
};

static const struct demo_user users[] = {
    {"admin", "平台管理员", ROLE_ADMIN, 0},
    {"agent", "张敏（招标代理）", ROLE_AGENT, 1},
    {"bidder1", "黄丽（海峡建工）", ROLE_BIDDER, 3},
    {"bidder2", "吴倩（闽江路桥）", ROLE_BIDDER, 4},
    {"bidder3", "郑洁（榕城市政）", ROLE_BIDDER, 5},
    {"expert1", "李明远（高级工程师）", ROLE_EXPERT, -1},
    {"expert2", "王建华（造价工程师）", ROLE_EXPERT, -1},
    {"expert3", "陈静（高级会计师）", ROLE_EXPERT, -1},
    {"expert4", "林涛（结构工程师）", ROLE_EXPERT, -1},
    {"expert5", "赵文（法律专家）", ROLE_EXPERT, -1},
    {"expert6", "孙鹏（给排水工程师）", ROLE_EXPERT, -1},
    {"expert7", "钱悦（电气工程师）", ROLE_EXPERT, -1},
    {"supervisor", "周明（行政监督）", ROLE_SUPERVISOR, 6},
};

/* ---- demo tenders: one published with a document, one bidding with
 * clarifications, one draft. Seeded through the domain calls (audited and
 * logged like any write), with dates relative to now; skipped when the
 * store has tenders already. ---- */

#define DEMO_DAY TENDER_DAY_MS

static const char demo_doc[] =
    "榕城市滨江大道综合改造工程施工招标文件（示例）\n"
    "第一章 招标公告\n第二章 投标人须知\n第三章 评标办法（综合评估法）\n"
    "第四章 合同条款及格式\n第五章 工程量清单\n第六章 图纸\n第七章 技术标准和要求\n"
    "第八章 投标文件格式\n";

/* A caller for a demo user by name (cli.h). */
int cli_demo_caller(struct store *s, const char *username, struct tender_caller *c)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct user u;
    int rc = store_begin(s, STORE_READ, &tx);
    arena_init(&a, 0);
    if (rc == STORE_OK)
        rc = store_user_by_name(tx, &a, username, &u);
    store_rollback(tx);
    if (rc == STORE_OK) {
        memset(c, 0, sizeof(*c));
        c->who.user_id = u.id;
        c->who.name = username; /* static */
        c->roles = u.roles;
        c->org_id = u.org_id;
    }
    arena_release(&a);
    return rc;
}

static int demo_check(const char *what, enum err e, const struct tender_refusal *why)
{
    if (e == ERR_OK)
        return CLI_OK;
    fprintf(stderr, "sunbid: demo: %s: %s%s%s%s%s\n", what, err_code(e), why->field ? " (" : "",
            why->field ? why->field : "", why->rule ? ", rule " : "", why->rule ? why->rule : "");
    return CLI_FAIL;
}

static int demo_tenders(struct store *s)
{
    struct tender_caller agent, b1, b2;
    struct tender_refusal why = {0};
    struct store_tx *tx = NULL;
    char hash[BLOB_HASH_HEX + 1];
    int64_t n = 0, id = 0, x = 0, q = 0, owner = 0;
    int64_t now = clock_now_ms();
    int rc = store_begin(s, STORE_READ, &tx);
    struct store_param p[] = {SP_T("11350100003600012%")};
    if (rc == STORE_OK)
        rc = store_query_int(tx, "SELECT count(*) FROM tenders", NULL, 0, &n);
    if (rc == STORE_OK) /* the tenderer: 榕城市城乡建设局 */
        rc = store_query_int(tx, "SELECT id FROM orgs WHERE uscc LIKE $1", p, 1, &owner);
    store_rollback(tx);
    if (rc != STORE_OK || n > 0)
        return CLI_OK;
    if (cli_demo_caller(s, "agent", &agent) != STORE_OK ||
        cli_demo_caller(s, "bidder1", &b1) != STORE_OK ||
        cli_demo_caller(s, "bidder2", &b2) != STORE_OK)
        return CLI_OK; /* not the demo accounts: nothing to seed for */

    /* 1. a works tender, published, documents out in two days */
    struct tender_input in = {0};
    in.title = "榕城市滨江大道综合改造工程施工";
    in.description = "滨江大道（江滨路至南江滨西大道段）道路、排水、照明及绿化综合改造，"
                     "计划工期 540 日历天。";
    in.region = "350100";
    in.category = "works";
    in.procedure = "open";
    in.has_owner_org = true;
    in.owner_org_id = owner;
    in.has_ceiling = true;
    in.ceiling_fen = 8650000000; /* 86,500,000.00 yuan */
    in.has_bond = true;
    in.bond_fen = 100000000; /* 1,000,000.00 yuan */
    in.bond_form = "e_guarantee";
    in.eval_method = "comprehensive";
    in.readout_fields = "bidder,price,duration,quality";
    in.dates.publish_at = now;
    in.dates.doc_start = now + 2 * DEMO_DAY;
    in.dates.doc_end = now + 9 * DEMO_DAY;
    in.dates.clarify_deadline = now + 12 * DEMO_DAY;
    in.dates.bid_deadline = now + 25 * DEMO_DAY;
    rc = demo_check("works tender", tender_create(s, &agent, &in, &id, &why), &why);
    if (rc == CLI_OK)
        rc = demo_check(
            "lot",
            tender_lot_add(s, &agent, id, "第一标段：道路及排水", 5200000000, 60000000, &x, &why),
            &why);
    if (rc == CLI_OK)
        rc = demo_check(
            "lot",
            tender_lot_add(s, &agent, id, "第二标段：照明及绿化", 3450000000, 40000000, &x, &why),
            &why);
    if (rc == CLI_OK)
        rc = demo_check("document",
                        tender_document_add(s, &agent, id, "招标文件.txt", "text/plain", demo_doc,
                                            sizeof demo_doc - 1, &x, hash, NULL, &why),
                        &why);
    if (rc == CLI_OK)
        rc = demo_check("publish", tender_publish(s, &agent, id, NULL, &why), &why);
    if (rc != CLI_OK)
        return rc;

    /* 2. a goods purchase in bidding, with questions and clarifications */
    memset(&in, 0, sizeof in);
    in.title = "榕城第一中学教学楼多媒体设备采购";
    in.region = "350100";
    in.category = "goods";
    in.procedure = "open";
    in.has_ceiling = true;
    in.ceiling_fen = 386000000; /* 3,860,000.00 yuan */
    in.has_bond = true;
    in.bond_fen = 7000000;
    in.bond_form = "guarantee";
    in.eval_method = "lowest_price";
    in.dates.publish_at = now;
    in.dates.doc_start = now;
    in.dates.doc_end = now + 7 * DEMO_DAY;
    in.dates.clarify_deadline = now + 10 * DEMO_DAY;
    in.dates.bid_deadline = now + 22 * DEMO_DAY;
    rc = demo_check("goods tender", tender_create(s, &agent, &in, &id, &why), &why);
    if (rc == CLI_OK)
        rc = demo_check("document",
                        tender_document_add(s, &agent, id, "采购文件.txt", "text/plain", demo_doc,
                                            sizeof demo_doc - 1, &x, hash, NULL, &why),
                        &why);
    if (rc == CLI_OK)
        rc = demo_check("publish", tender_publish(s, &agent, id, NULL, &why), &why);
    if (rc == CLI_OK)
        rc = demo_check("register", tender_register(s, &b1, id, &why), &why);
    if (rc == CLI_OK)
        rc = demo_check("register", tender_register(s, &b2, id, &why), &why);
    if (rc == CLI_OK)
        rc = demo_check(
            "question",
            tender_ask(s, &b1, id, "交互式触控一体机的屏幕尺寸是否接受 86 英寸？", &q, &why), &why);
    if (rc == CLI_OK)
        rc = demo_check("clarification",
                        tender_clarify(s, &agent, id, "接受 86 英寸及以上屏幕，其余技术参数不变。",
                                       &q, 1, 0, &x, NULL, &why),
                        &why);
    if (rc == CLI_OK)
        rc = demo_check("clarification",
                        tender_clarify(s, &agent, id,
                                       "更正：第四章技术参数表第 12 项“质保期”应为 3 年。", NULL, 0,
                                       0, &x, NULL, &why),
                        &why);
    if (rc != CLI_OK)
        return rc;

    /* 3. a land-use right transfer, still a draft */
    memset(&in, 0, sizeof in);
    in.title = "榕城市仓山区 2026-05 号地块国有建设用地使用权出让";
    in.region = "350100";
    in.category = "land";
    in.procedure = "open";
    in.has_owner_org = true;
    in.owner_org_id = owner;
    in.eval_method = "highest_price";
    in.has_bond = true;
    in.bond_fen = 2000000000;
    in.bond_form = "cash";
    rc = demo_check("land tender", tender_create(s, &agent, &in, &id, &why), &why);
    if (rc == CLI_OK)
        printf("demo tenders seeded: 3 (published, bidding, draft)\n");
    return rc;
}

int cli_demo(int argc, char **argv)
{
    static const struct option longopts[] = {{"data-dir", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'b'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct cli_store_opts so = {0};
    int64_t org_ids[sizeof(orgs) / sizeof(orgs[0])] = {0};
    int opt, rc = CLI_OK;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'd')
            so.data_dir = optarg;
        else if (opt == 'b')
            so.db = optarg;
        else if (opt == 'h') {
            puts("usage: sunbid demo [--data-dir DIR] [--db URL]\n\n"
                 "Seeds demo organisations and one account per role (password " DEMO_PASSWORD
                 "),\ndemo tenders, experts, a test CA in DIR/demo-ca and the bidders' keys\n"
                 "and certificates in DIR/demo-keys. Adds only what is missing.");
            return CLI_OK;
        } else
            return CLI_USAGE;
    }
    struct store *s = cli_open_store("demo", &so);
    if (s == NULL)
        return CLI_FAIL;

    struct store_tx *tx = NULL;
    int64_t existing = 0;
    struct store_param p[] = {SP_T("admin")};
    if (store_begin(s, STORE_READ, &tx) == STORE_OK) {
        store_query_int(tx, "SELECT id FROM users WHERE username = $1", p, 1, &existing);
        store_rollback(tx);
    }
    if (existing != 0) {
        printf("demo data already present\n");
        goto accounts;
    }
    for (size_t i = 0; i < sizeof(orgs) / sizeof(orgs[0]); i++) {
        char code[USCC_LEN + 1];
        const char *field = NULL;
        memcpy(code, orgs[i].uscc17, 17);
        code[17] = uscc_check_char(orgs[i].uscc17);
        code[18] = '\0';
        struct org o = {
            0,    orgs[i].name,    code, orgs[i].legal_rep, orgs[i].contact, orgs[i].phone,
            NULL, orgs[i].address, 0};
        rc = cli_report("demo", org_create(s, &demo_actor, &o, &org_ids[i], &field), field);
        if (rc != CLI_OK)
            goto out;
    }
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        struct user_input in = {0};
        const char *field = NULL;
        int64_t id;
        in.username = users[i].username;
        in.display_name = users[i].display_name;
        in.password = DEMO_PASSWORD;
        in.roles = users[i].roles;
        in.org_id = users[i].org >= 0 ? org_ids[users[i].org] : 0;
        rc = cli_report("demo", user_create(s, &demo_actor, &in, &id, &field), field);
        if (rc != CLI_OK)
            goto out;
    }
    printf("demo data seeded: %zu organisations, %zu users\n", sizeof(orgs) / sizeof(orgs[0]),
           sizeof(users) / sizeof(users[0]));
accounts:
    rc = demo_tenders(s);
    if (rc == CLI_OK)
        rc = cli_demo_experts(s); /* the expert pool (cli/demo_experts.c) */
    if (rc == CLI_OK)             /* the CA and bidder certificates (cli/demo_certs.c) */
        rc = cli_demo_certs(s, cli_data_dir(&so));
    if (rc == CLI_OK) /* the opening officers and an escrow tender (cli/demo_escrow.c) */
        rc = cli_demo_escrow(s, cli_data_dir(&so));
    if (rc == CLI_OK) /* the experts' signing certificates (cli/demo_experts.c) */
        rc = cli_demo_expert_certs(s, cli_data_dir(&so));
    if (rc == CLI_OK) /* a tender whose hall opens minutes from now (cli/demo_hall.c) */
        rc = cli_demo_hall(s, cli_data_dir(&so));
    if (rc != CLI_OK)
        goto out;
    printf("demo accounts (password %s):\n", DEMO_PASSWORD);
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        char roles[64];
        role_format_list(users[i].roles, roles, sizeof(roles));
        printf("  %-11s %-11s %s\n", users[i].username, roles, users[i].display_name);
    }
out:
    store_close(s);
    return rc;
}
