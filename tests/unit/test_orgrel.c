/*
 * test_orgrel.c — organisations' relationship records (domain/orgrel.h):
 * the keys (normalised as the offline graph does, one person whatever the
 * role), the record rules, the reader of the three CSV formats of `sunbid
 * graph` with each refusal and its line, the L1 rule over stored keys
 * (domain/risk.h: a planted ring flagged with the shared key named, a
 * clean bidder never), and the tender graph built from store rows (SQLite):
 * bidders, keys (records and the register's phone), one hop out,
 * components, a hub of 22 firms left out, linked bidders of the lot, and
 * co-bidding across three planted tenders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/clock.h"
#include "domain/orgrel.h"
#include "domain/risk.h"
#include "domain/uscc.h"
#include "store/store.h"

/* ---- keys and records ---- */

static const char *norm(const char *kind, const char *id, const char *value)
{
    static char out[ORGREL_NORM_MAX];
    return orgrel_norm(kind, id, value, out, sizeof out) ? out : "";
}

static void test_norm(void **state)
{
    (void)state;
    assert_string_equal(norm("key_staff", "闽 135070800-1234", NULL), "p:1350708001234");
    assert_string_equal(norm("shareholder", "350102197001011234", NULL), "p:350102197001011234");
    /* one person whatever the role; x and X are one ID */
    assert_string_equal(norm("manager", "35010219700101123x", NULL),
                        norm("legal_rep", "35010219700101123X", NULL));
    assert_string_equal(norm("key_staff", "12345", NULL), ""); /* too short */
    assert_string_equal(norm("phone", NULL, "+86 591 8765 4321"), "t:059187654321");
    assert_string_equal(norm("phone", NULL, "0591-87654321"), "t:059187654321");
    assert_string_equal(norm("phone", NULL, "138 0000 1111"), "t:13800001111");
    assert_string_equal(norm("phone", NULL, "12-34"), "");
    assert_string_equal(norm("email", NULL, " Zhang@Example.COM "), "e:zhang@example.com");
    assert_string_equal(norm("email", NULL, "a@b@c"), "");
    assert_string_equal(norm("address", NULL, "榕城市鼓楼区 湖东路１２８号"),
                        norm("address", NULL, "榕城市鼓楼区湖东路128号。"));
    assert_string_equal(norm("bank_account", NULL, "6222 0202-0011"), "b:622202020011");
    assert_string_equal(norm("bank_account", NULL, "1234567"), "");
    assert_string_equal(norm("cousin", "350102197001011234", "x"), "");
    assert_true(orgrel_kind_valid("bank_account") && !orgrel_kind_valid("fax"));
}

static const char *check(struct arena *a, struct orgrel_row r)
{
    const char *field = NULL;
    enum err e = orgrel_check(a, &r, &field);
    if (e == ERR_OK)
        return r.norm;
    assert_int_equal(e, ERR_RELATION_INVALID);
    return field;
}

static void test_check(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 1 << 20);
    struct orgrel_row base = {.share_bp = -1, .source = "self"};
    struct orgrel_row r = base;
    r.kind = "key_staff";
    r.name = "陈建";
    r.id_number = "闽1350708001234";
    assert_string_equal(check(&a, r), "p:1350708001234");
    r.id_number = NULL;
    assert_string_equal(check(&a, r), "id_number"); /* key staff by registration */
    r.id_number = "ab-12";
    assert_string_equal(check(&a, r), "id_number");
    r = base;
    r.kind = "manager";
    r.name = "王伟"; /* a person without a number: recorded, no key */
    assert_string_equal(check(&a, r), "");
    r.name = NULL;
    assert_string_equal(check(&a, r), "name");
    r = base;
    r.kind = "shareholder";
    r.name = "海峡投资";
    r.share_bp = 10001;
    assert_string_equal(check(&a, r), "share_pct");
    r.kind = "manager";
    r.share_bp = 5000; /* a share is a shareholder's */
    assert_string_equal(check(&a, r), "share_pct");
    r = base;
    r.kind = "phone";
    r.value = "  ";
    assert_string_equal(check(&a, r), "value");
    r.value = "0591-88000001";
    r.name = "ignored";
    assert_string_equal(check(&a, r), "t:059188000001");
    r.kind = "fax";
    assert_string_equal(check(&a, r), "kind");
    r.kind = NULL;
    assert_string_equal(check(&a, r), "kind");
    arena_release(&a);
}

/* ---- the CSV formats ---- */

static enum err parse(struct arena *a, const char *csv, struct orgrel_import *im, char *msg)
{
    return orgrel_parse_csv(a, csv, strlen(csv), im, msg, 300);
}

static void test_parse(void **state)
{
    struct arena a;
    struct orgrel_import im;
    char msg[300];
    (void)state;
    arena_init(&a, 16 << 20);
    /* people.csv: roles mapped, "other" skipped, title and share kept */
    assert_int_equal(parse(&a,
                           "\xEF\xBB\xBF"
                           "Org_ID,person_id,name,role,title,share\r\n"
                           "91350000158143215N,350102197001011234,张三,股东,,30%\r\n"
                           "5,\"闽1350708001234\",陈建,项目经理,一级建造师,\r\n"
                           "\r\n"
                           "6,,王五,other,,\r\n"
                           "6,,李四,director,,\r\n",
                           &im, msg),
                     ERR_OK);
    assert_string_equal(im.file, "people");
    assert_int_equal(im.nrows, 3);
    assert_int_equal(im.skipped, 1);
    assert_string_equal(im.rows[0].org_ref, "91350000158143215N");
    assert_string_equal(im.rows[0].r.kind, "shareholder");
    assert_int_equal(im.rows[0].r.share_bp, 3000);
    assert_string_equal(im.rows[0].r.source, "import");
    assert_string_equal(im.rows[1].r.kind, "key_staff");
    assert_string_equal(im.rows[1].r.role, "一级建造师");
    assert_string_equal(im.rows[1].r.norm, "p:1350708001234");
    assert_int_equal(im.rows[1].line, 3);
    assert_string_equal(im.rows[2].r.kind, "manager");
    assert_string_equal(im.rows[2].r.norm, "");
    assert_int_equal(im.rows[2].line, 6);
    /* contacts.csv: kinds and their aliases; a value that is no key skipped */
    assert_int_equal(parse(&a,
                           "org_id,kind,value\n4,电话,0591-88000001\n4,e-mail,A@B.cn\n"
                           "5,银行账号,6222 0202 0011 2233\n5,address,\"榕城市, 湖东路1号\"\n"
                           "5,tel,12\n",
                           &im, msg),
                     ERR_OK);
    assert_string_equal(im.file, "contacts");
    assert_int_equal(im.nrows, 4);
    assert_int_equal(im.skipped, 1);
    assert_string_equal(im.rows[2].r.kind, "bank_account");
    assert_string_equal(im.rows[3].r.value, "榕城市, 湖东路1号");
    /* orgs.csv: each key column a record, the legal representative a person */
    assert_int_equal(parse(&a,
                           "org_id,name,phone,email,address,bank_account,legal_rep,legal_rep_id\n"
                           "4,甲,0591-1234567,,,62220202001122,黄海,350102196501011234\n",
                           &im, msg),
                     ERR_OK);
    assert_string_equal(im.file, "orgs");
    assert_int_equal(im.nrows, 3);
    assert_string_equal(im.rows[2].r.kind, "legal_rep");
    assert_string_equal(im.rows[2].r.norm, "p:350102196501011234");

    /* refusals, with the line */
    static const struct {
        const char *csv, *want;
    } bad[] = {
        {"", "empty"},
        {"kind,value\nphone,0591-88000001\n", "org_id"},
        {"org_id,foo\n4,1\n", "none of"},
        {"org_id,kind,value\n4,phone,059188000001\n4,fax machine,1\n", "line 3"},
        {"org_id,kind,value\n,phone,059188000001\n", "line 2"},
        {"org_id,kind,value\n4,phone,\"0591\n", "line 2"},
        {"org_id,role\n4,股东\n", "person_id nor name"},
        {"org_id,person_id,name,role\n4,,,股东\n", "line 2"},
        {"org_id,person_id,name,role,share\n4,350102197001011234,张三,股东,120\n", "line 2"},
        {"org_id,person_id,name,role\n4,12,张三,股东\n", "line 2: id_number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum err e = parse(&a, bad[i].csv, &im, msg);
        if (e != ERR_RELATIONS_FILE_INVALID || strstr(msg, bad[i].want) == NULL)
            fail_msg("bad[%zu]: %d %s", i, e, msg);
        assert_int_equal(im.nrows, 0);
    }
    arena_release(&a);
}

/* ---- L1 over stored keys ---- */

static struct risk_bid_in bid(int64_t org, const char *name, int64_t price)
{
    struct risk_bid_in b;
    memset(&b, 0, sizeof b);
    b.lot_no = 1;
    b.org_id = org;
    b.org_name = name;
    b.status = "opened";
    b.price_fen = price;
    return b;
}

static void test_risk_rule(void **state)
{
    (void)state;
    struct orgrel_key k4[] = {{"key_staff", "p:1350708001234", "陈建", "self"},
                              {"bank_account", "b:6222020200112233445", "6222 0202", "import"}};
    struct orgrel_key k5[] = {{"shareholder", "p:1350708001234", "陈建", "import"},
                              {"bank_account", "b:6222020200112233445", "6222-0202", "import"},
                              {"bank_account", "b:6222020200112233445", "again", "import"}};
    struct orgrel_key k6[] = {{"bank_account", "b:6222020200112233445", "x", "supervisor"}};
    struct orgrel_key k7[] = {{"key_staff", "p:1350708009999", "林工", "self"},
                              {"phone", "t:059188000007", "0591-88000007", "self"}};
    struct orgrel_keys s4 = {k4, 2}, s5 = {k5, 3}, s6 = {k6, 1}, s7 = {k7, 2};
    struct risk_bid_in b[4] = {bid(4, "甲", 100000000), bid(5, "乙", 130000000),
                               bid(6, "丙", 170000000), bid(7, "丁", 220000000)};
    b[0].rel = &s4;
    b[1].rel = &s5;
    b[2].rel = &s6;
    b[3].rel = &s7;
    struct risk_input in = {9, b, 4, 0, NULL, 0};
    struct buf out;
    int score = 0;
    const char *level = NULL;
    buf_init(&out, 1 << 20);
    assert_int_equal(risk_evaluate(&in, &out, &score, &level), 0);
    json_error_t jerr;
    json_t *j = json_loadb(out.data, out.len, 0, &jerr);
    assert_non_null(j);
    size_t i, nl = 0;
    json_t *f;
    bool staff = false, bank = false;
    json_array_foreach(json_object_get(j, "flags"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "rule")), "L1") != 0)
            continue;
        nl++;
        json_t *ev = json_object_get(f, "evidence"), *orgs = json_object_get(f, "orgs");
        const char *key = json_string_value(json_object_get(ev, "key"));
        for (size_t k = 0; k < json_array_size(orgs); k++)
            assert_true(json_integer_value(json_object_get(json_array_get(orgs, k), "id")) != 7);
        if (strcmp(key, "key_staff") == 0) {
            staff = true;
            assert_string_equal(json_string_value(json_object_get(ev, "key_staff")), "陈建");
            assert_string_equal(json_string_value(json_object_get(ev, "value")), "1350708001234");
            assert_int_equal(json_array_size(orgs), 2);
            assert_non_null(
                strstr(json_string_value(json_array_get(json_object_get(ev, "holders"), 1)),
                       "shareholder (import)"));
        } else {
            assert_string_equal(key, "bank_account");
            bank = true;
            assert_int_equal(json_array_size(orgs), 3); /* 5's repeat counted once */
            assert_int_equal(json_array_size(json_object_get(ev, "holders")), 3);
        }
    }
    assert_int_equal(nl, 2);
    assert_true(staff && bank);
    assert_int_equal(score, 25);
    json_decref(j);
    /* without the records: nothing */
    for (int k = 0; k < 4; k++)
        b[k].rel = NULL;
    buf_reset(&out);
    assert_int_equal(risk_evaluate(&in, &out, &score, &level), 0);
    assert_int_equal(score, 0);
    buf_release(&out);
}

/* ---- the graph from store rows ---- */

struct fx {
    struct store *s;
    char dir[400];
    int64_t org[6]; /* 0..3 bidders (0..2 the ring, 3 clean), 4 one hop out, 5 a stranger */
};

static const struct actor sys_actor = {0, "test", NULL, NULL};

static void exec(struct store *s, const char *sql, const struct store_param *p, int np)
{
    struct store_tx *tx = NULL;
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    int rc = store_exec(tx, sql, p, np, NULL);
    if (rc != STORE_OK)
        fail_msg("%s: %s", sql, store_errmsg(s));
    assert_int_equal(store_commit(tx), STORE_OK);
}

/* A sealed tender with bids of orgs[0..n) at prices[0..n) in lot 1. */
static int64_t plant_tender(struct fx *f, int64_t id, const int64_t *orgs, const int64_t *prices,
                            int n)
{
    char code[40];
    snprintf(code, sizeof code, "350100-GC-2026-%05lld", (long long)id);
    struct store_param p[] = {SP_I(id), SP_T(code), SP_I(f->org[4]), SP_I(1000 * id)};
    exec(f->s,
         "INSERT INTO tenders (id, code, region, code_year, code_seq, title, category, procedure,"
         " state, eval_method, owner_org_id, agent_org_id, created_ms, updated_ms)"
         " VALUES ($1, $2, '350100', 2026, $1, 'T', 'works', 'open', 'evaluation', 'lowest',"
         " $3, $3, $4, $4)",
         p, 4);
    struct store_param h[] = {SP_I(id), SP_I(1000 * id)};
    exec(f->s,
         "INSERT INTO opening_halls (tender_id, phase, bidders, min_bids, created_ms, updated_ms)"
         " VALUES ($1, 'sealed', 3, 3, $2, $2)",
         h, 2);
    for (int i = 0; i < n; i++) {
        char form[64];
        int64_t bid = id * 100 + i;
        snprintf(form, sizeof form, "{\"price_fen\":%lld}", (long long)prices[i]);
        struct store_param b[] = {SP_I(bid), SP_I(id), SP_I(orgs[i]), SP_I(i + 1)};
        struct store_param ob[] = {SP_I(bid), SP_I(id), SP_I(orgs[i]), SP_T(form)};
        exec(f->s,
             "INSERT INTO bids (id, tender_id, lot_no, org_id, version, state, blob_hash, size,"
             " suite, chain_hash, signer_fp, submitted_ms, seq) VALUES ($1, $2, 1, $3, 1,"
             " 'submitted', 'h', 1, 'intl', 'c', 'fp', 1, $4)",
             b, 4);
        exec(f->s,
             "INSERT INTO opening_bids (bid_id, tender_id, lot_no, org_id, status, form)"
             " VALUES ($1, $2, 1, $3, 'opened', $4)",
             ob, 4);
    }
    return id;
}

static int setup_store(void **state)
{
    static const char *const names[6] = {"甲建工", "乙路桥",   "丙市政",
                                         "丁建设", "招标代理", "路人"};
    static const char *const codes[6] = {"91350000158143215", "91350100MA31PQ7K2",
                                         "91350100735676503", "91350100MA8RT0A5X",
                                         "91350100MA2YK0A1X", "91350100MA2YK0C3X"};
    struct fx *f = calloc(1, sizeof *f);
    char err[256];
    int applied;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "%s/orgrel-%d", tmp ? tmp : "/tmp", (int)getpid());
    if (store_open(&f->s, NULL, f->dir, err, sizeof err) != STORE_OK)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_migrate(f->s, &applied), STORE_OK);
    for (int i = 0; i < 6; i++) {
        char code[19];
        const char *field;
        struct org o = {0};
        memcpy(code, codes[i], 17);
        code[17] = uscc_check_char(codes[i]);
        code[18] = '\0';
        o.name = names[i];
        o.uscc = code;
        o.legal_rep = "某人";
        o.contact_phone = i == 3 ? "0591-86000004" : NULL;
        assert_int_equal(org_create(f->s, &sys_actor, &o, &f->org[i], &field), ERR_OK);
    }
    *state = f;
    return 0;
}

static int teardown_store(void **state)
{
    struct fx *f = *state;
    char cmd[500];
    store_close(f->s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static json_t *node(json_t *g, const char *id)
{
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(g, "nodes"), i, n)
    {
        if (strcmp(json_string_value(json_object_get(n, "id")), id) == 0)
            return n;
    }
    return NULL;
}

static void test_graph(void **state)
{
    struct fx *f = *state;
    char csv[2048], id[32], msg[300];
    size_t added, skipped;
    int64_t rid;
    const char *field;
    /* the ring: a key staff member at 0, 1, 2 (one declared, two imported) */
    struct orgrel_row r = {.org_id = f->org[0],
                           .kind = "key_staff",
                           .name = "陈建",
                           .id_number = "闽1350708001234",
                           .share_bp = -1,
                           .source = "self"};
    assert_int_equal(orgrel_add(f->s, &sys_actor, &r, &rid, &field), ERR_OK);
    assert_int_equal(orgrel_add(f->s, &sys_actor, &r, &rid, &field), ERR_RELATION_DUPLICATE);
    snprintf(csv, sizeof csv,
             "org_id,person_id,name,role\n%lld,闽 135070800-1234,陈建,项目经理\n"
             "%lld,闽1350708001234,陈建,建造师\n",
             (long long)f->org[1], (long long)f->org[2]);
    assert_int_equal(
        orgrel_import_csv(f->s, &sys_actor, csv, strlen(csv), &added, &skipped, msg, sizeof msg),
        ERR_OK);
    assert_int_equal(added, 2);
    /* the account of 2 is held one hop out by 4 too */
    snprintf(csv, sizeof csv,
             "org_id,kind,value\n%lld,bank_account,6222020200112233445\n"
             "%lld,account,6222-0202-0011-2233-445\n",
             (long long)f->org[2], (long long)f->org[4]);
    assert_int_equal(
        orgrel_import_csv(f->s, &sys_actor, csv, strlen(csv), &added, &skipped, msg, sizeof msg),
        ERR_OK);
    /* an unknown organisation: nothing stored, the line named */
    snprintf(csv, sizeof csv,
             "org_id,kind,value\n%lld,phone,0591-80000001\n999999,phone,0591-80000002\n",
             (long long)f->org[5]);
    assert_int_equal(
        orgrel_import_csv(f->s, &sys_actor, csv, strlen(csv), &added, &skipped, msg, sizeof msg),
        ERR_RELATION_UNKNOWN_ORG);
    assert_non_null(strstr(msg, "line 3"));
    /* the stranger holds the clean bidder's registered phone (written otherwise):
     * a link from the register, the clean bidder's own component */
    r = (struct orgrel_row){.org_id = f->org[5],
                            .kind = "phone",
                            .value = "+86 591 8600 0004",
                            .share_bp = -1,
                            .source = "supervisor"};
    assert_int_equal(orgrel_add(f->s, &sys_actor, &r, &rid, &field), ERR_OK);

    /* a business centre's address: bidder 3 and 21 other firms (a hub, never a link) */
    r = (struct orgrel_row){.org_id = f->org[3],
                            .kind = "address",
                            .value = "榕城市商务中心1号楼",
                            .share_bp = -1,
                            .source = "self"};
    assert_int_equal(orgrel_add(f->s, &sys_actor, &r, &rid, &field), ERR_OK);
    for (int i = 0; i < 21; i++) {
        char first17[32], code[19], name[32];
        const char *fld;
        struct org o = {0};
        int64_t oid;
        snprintf(first17, sizeof first17, "91350100MA2Y%05d", i % 100000);
        memcpy(code, first17, 17);
        code[17] = uscc_check_char(first17);
        code[18] = '\0';
        snprintf(name, sizeof name, "商务中心企业%d", i);
        o.name = name;
        o.uscc = code;
        o.legal_rep = "某人";
        assert_int_equal(org_create(f->s, &sys_actor, &o, &oid, &fld), ERR_OK);
        r = (struct orgrel_row){.org_id = oid,
                                .kind = "address",
                                .value = "榕城市商务中心 1 号楼",
                                .share_bp = -1,
                                .source = "import"};
        assert_int_equal(orgrel_add(f->s, &sys_actor, &r, &rid, &field), ERR_OK);
    }
    int64_t all4[4] = {f->org[0], f->org[1], f->org[2], f->org[3]};
    int64_t p4[4] = {100, 120, 140, 90};
    int64_t t1 = plant_tender(f, 1, all4, p4, 4);
    plant_tender(f, 2, all4, p4, 3);
    plant_tender(f, 3, all4, p4, 3);

    struct buf out;
    buf_init(&out, ORGREL_GRAPH_MAX);
    assert_int_equal(orgrel_tender_graph(f->s, t1, &out), ERR_OK);
    json_error_t jerr;
    json_t *g = json_loadb(out.data, out.len, 0, &jerr);
    assert_non_null(g);
    for (int i = 0; i < 4; i++) {
        snprintf(id, sizeof id, "o%lld", (long long)f->org[i]);
        json_t *n = node(g, id);
        assert_non_null(n);
        assert_string_equal(json_string_value(json_object_get(n, "type")), "bidder");
    }
    snprintf(id, sizeof id, "o%lld", (long long)f->org[4]);
    assert_string_equal(json_string_value(json_object_get(node(g, id), "type")), "org");
    snprintf(id, sizeof id, "o%lld", (long long)f->org[5]);
    assert_string_equal(json_string_value(json_object_get(node(g, id), "type")), "org");
    /* two components: the ring with the agency, the clean bidder with the stranger */
    json_t *comps = json_object_get(g, "components");
    assert_int_equal(json_array_size(comps), 2);
    size_t ring = 0, clean = 0;
    for (size_t c = 0; c < 2; c++) {
        size_t nb = json_array_size(json_object_get(json_array_get(comps, c), "bidders"));
        ring += nb == 3;
        clean += nb == 1;
    }
    assert_int_equal(ring, 1);
    assert_int_equal(clean, 1);
    /* the clean bidder's link: register phone against the stranger's record */
    size_t i;
    json_t *e;
    bool reg = false;
    json_array_foreach(json_object_get(g, "edges"), i, e)
    {
        const char *src = json_string_value(
            json_object_get(json_array_get(json_object_get(e, "evidence"), 0), "source"));
        if (src != NULL && strcmp(src, "register") == 0)
            reg = true;
    }
    assert_true(reg);
    /* the hub: listed, not drawn, none of its firms drawn */
    json_t *hubs = json_object_get(g, "hubs");
    assert_int_equal(json_array_size(hubs), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hubs, 0), "kind")),
                        "address");
    assert_true(json_integer_value(json_object_get(json_array_get(hubs, 0), "orgs")) > 20);
    json_t *n;
    json_array_foreach(json_object_get(g, "nodes"), i, n)
    {
        assert_true(strcmp(json_string_value(json_object_get(n, "type")), "address") != 0);
        const char *nm = json_string_value(json_object_get(n, "name"));
        assert_true(nm == NULL || strstr(nm, "商务中心") == NULL);
    }
    /* linked bidders of lot 1: the ring only */
    json_t *lb = json_object_get(g, "linked_bidders");
    assert_int_equal(json_array_size(lb), 1);
    assert_int_equal(json_array_size(json_object_get(json_array_get(lb, 0), "orgs")), 3);
    /* across tenders: 10 bids; 0, 1, 2 met three times: frequent co-bidders */
    json_t *pat = json_object_get(g, "patterns");
    assert_int_equal(json_integer_value(json_object_get(pat, "bids")), 10);
    assert_true(json_array_size(json_object_get(pat, "co_bidding")) >= 3);
    json_decref(g);

    /* the keys the risk rules read */
    struct arena a;
    struct orgrel_keys ks[2];
    arena_init(&a, 1 << 20);
    int64_t two[2] = {f->org[2], f->org[3]};
    assert_int_equal(orgrel_keys_load(f->s, &a, two, 2, ks), STORE_OK);
    assert_int_equal(ks[0].n, 2);
    assert_non_null(orgrel_keys_find(&ks[0], "b:6222020200112233445"));
    assert_int_equal(ks[1].n, 1);
    assert_string_equal(ks[1].k[0].kind, "address");
    arena_release(&a);

    buf_reset(&out);
    assert_int_equal(orgrel_tender_graph(f->s, 999, &out), ERR_NOT_FOUND);
    buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_risk_rule),
        cmocka_unit_test_setup_teardown(test_graph, setup_store, teardown_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
