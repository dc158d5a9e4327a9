/*
 * cli/demo.c — `sunbid demo`: seeds a store with demo organisations and one
 * account per role, so a newcomer can sign in and look around. It uses the
 * same domain calls as the API, so the seed is audited like any write.
 * Idempotent: a store that already has the demo accounts is left alone.
 *
 * Later capabilities (tenders, auctions, evaluations) add their demo data
 * here as they land.
 */
#include <getopt.h>

#include "base/roles.h"
#include "cli/cli.h"
#include "domain/accounts.h"
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
                 ").\nDoes nothing when the demo accounts exist already.");
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
