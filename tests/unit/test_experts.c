/*
 * Unit tests for the expert pool, the draw and the committee over a real
 * store (domain/expert.h, domain/draw.h, domain/committee.h) with a manual
 * clock and a real witness log (sequenced and signed here):
 *
 *   - the import (CSV and XLSX, every refusal with its row and field,
 *     nothing written on a bad row) and the export read back;
 *   - each recusal rule on its own expert: the tenderer's, the agent's and
 *     a bidder's employees (by code, by name, by account), declared
 *     relations (in force or ended), leave inside and outside the
 *     evaluation, suspension, the 30-day limit (and its end), a member of
 *     another live draw;
 *   - the draw: not ready before a checkpoint covers the commitment, too few
 *     experts, the record verifies, the order is the algorithm's;
 *   - declines: the reserve is called, then the order is extended, a
 *     candidate no longer eligible is skipped with its reason, and the
 *     draw is marked short when the order is exhausted;
 *   - secrecy: the agent and the bidders never see the list, the supervisor
 *     does; the record is refused before the reveal and public after;
 *   - the committee rules (size, odd, two thirds), forming, voting, the
 *     majority, designation;
 *   - a property test: draws on randomised pools never pick an expert a
 *     rule excludes.
 *
 * Every case runs on each store in SUNBID_TEST_STORES (default "sqlite").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/roles.h"
#include "crypto/password.h"
#include "domain/committee.h"
#include "domain/draw.h"
#include "domain/expert.h"
#include "domain/tender.h"
#include "domain/uscc.h"
#include "ledger/ledger.h"
#include "sheet/sheet.h"
#include "store/draws.h"

#define DAY        ((int64_t)86400000)
#define T0         ((int64_t)1767225600000) /* 2026-01-01T00:00:00Z */
#define MAX_STORES 8

static const char *g_urls[MAX_STORES];
static int g_nurls;
static const char *g_url;

static const struct actor setup_actor = {0, "test", "127.0.0.1", "req-1"};

struct fx {
    struct store *s;
    struct arena a;
    char dir[512];
    char schema[64];
    char url[1024];
    struct ledger_log log;
    int64_t org_agency, org_owner, org_b1, org_b2, org_other;
    char uscc_owner[USCC_LEN + 1], uscc_b1[USCC_LEN + 1], uscc_b2[USCC_LEN + 1];
    struct tender_caller agent, bidder1, bidder2, supervisor, admin, insider;
    struct tender_caller ex[10]; /* expert accounts x1..x10 */
};

static bool is_pg(const char *url)
{
    return url != NULL &&
           (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0);
}

static int admin_exec(const char *dir, const char *sql)
{
    char err[256] = "";
    struct store *s = NULL;
    struct store_tx *tx = NULL;
    int rc = store_open(&s, g_url, dir, err, sizeof(err));
    if (rc == STORE_OK)
        rc = store_begin(s, STORE_WRITE, &tx);
    if (rc == STORE_OK)
        rc = store_exec(tx, sql, NULL, 0, NULL);
    if (rc == STORE_OK)
        rc = store_commit(tx);
    else
        store_rollback(tx);
    store_close(s);
    return rc;
}

static int64_t make_org(struct store *s, const char *name, const char *first17, char *out)
{
    char code[USCC_LEN + 1];
    struct org o = {0};
    const char *field;
    int64_t id = 0;
    memcpy(code, first17, 17);
    code[17] = uscc_check_char(first17);
    code[18] = '\0';
    if (out != NULL)
        memcpy(out, code, sizeof code);
    o.name = name;
    o.uscc = code;
    o.legal_rep = "某人";
    assert_int_equal(org_create(s, &setup_actor, &o, &id, &field), ERR_OK);
    return id;
}

static struct tender_caller make_caller(struct store *s, const char *name, unsigned roles,
                                        int64_t org)
{
    struct user_input in = {0};
    struct tender_caller c = {{0}, roles, org, false};
    const char *field;
    in.username = name;
    in.display_name = name;
    in.password = "Sunbid@2026";
    in.roles = roles;
    in.org_id = org;
    assert_int_equal(user_create(s, &setup_actor, &in, &c.who.user_id, &field), ERR_OK);
    c.who.name = name;
    c.who.remote_addr = "192.0.2.7";
    c.who.request_id = "r";
    return c;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[256];
    const char *url = g_url;
    int applied;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    static int seq;
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "%s/experts-%d-%d", tmp ? tmp : "/tmp", (int)getpid(), seq++);
    password_set_cost(10);
    clock_manual(T0);
    if (is_pg(g_url)) {
        char sql[128];
        snprintf(f->schema, sizeof(f->schema), "sbt_experts_%d_%d", (int)getpid(), seq);
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
        if (admin_exec(f->dir, sql) != STORE_OK)
            fail_msg("cannot create schema %s", f->schema);
        snprintf(f->url, sizeof(f->url), "%s%soptions=-csearch_path%%3D%s", g_url,
                 strchr(g_url, '?') ? "&" : "?", f->schema);
        url = f->url;
    }
    if (store_open(&f->s, url, f->dir, err, sizeof(err)) != STORE_OK)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_migrate(f->s, &applied), STORE_OK);
    struct ledger_options lo = {.checkpoint_every = 1};
    assert_int_equal(ledger_log_open(f->s, f->dir, &lo, &f->log, err, sizeof err), STORE_OK);
    arena_init(&f->a, 0);
    f->org_agency = make_org(f->s, "榕城招标代理有限公司", "91350100MA2YK0A1X", NULL);
    f->org_owner = make_org(f->s, "榕城市城乡建设局", "11350100003600012", f->uscc_owner);
    f->org_b1 = make_org(f->s, "海峡建工集团有限公司", "91350000158143215", f->uscc_b1);
    f->org_b2 = make_org(f->s, "榕城市政建设有限公司", "91350100735676503", f->uscc_b2);
    f->org_other = make_org(f->s, "闽江路桥工程有限公司", "91350100MA2YK0B2X", NULL);
    f->agent = make_caller(f->s, "agent", ROLE_AGENT, f->org_agency);
    f->bidder1 = make_caller(f->s, "bidder1", ROLE_BIDDER, f->org_b1);
    f->bidder2 = make_caller(f->s, "bidder2", ROLE_BIDDER, f->org_b2);
    f->supervisor = make_caller(f->s, "supervisor", ROLE_SUPERVISOR, 0);
    f->admin = make_caller(f->s, "admin", ROLE_ADMIN, 0);
    f->insider = make_caller(f->s, "insider", ROLE_EXPERT, f->org_agency);
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof name, "exp%d", i + 1);
        f->ex[i] = make_caller(f->s, strdup(name), ROLE_EXPERT, 0);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[600];
    ledger_log_release(&f->log);
    store_close(f->s);
    arena_release(&f->a);
    if (f->schema[0] != '\0') {
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->schema);
        assert_int_equal(admin_exec(f->dir, sql), STORE_OK);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    for (int i = 0; i < 10; i++)
        free((char *)(uintptr_t)f->ex[i].who.name);
    clock_system();
    free(f);
    return 0;
}

/* Integrates the log and signs a checkpoint. */
static void sequence(struct fx *f)
{
    int n = 0;
    int64_t signed_size = -1;
    clock_manual_advance(10);
    assert_int_equal(ledger_sequencer_run_once(f->s, &f->log, &n, &signed_size), STORE_OK);
}

/* A tender in bidding with bidder1 and bidder2 registered. */
static int64_t bidding_tender(struct fx *f)
{
    struct tender_input in = {0};
    struct tender_refusal why;
    int64_t id = 0, version = 0, now = clock_now_ms();
    char hash[BLOB_HASH_HEX + 1];
    static const char doc[] = "招标文件 (test)";
    in.title = "榕城市滨江路改造工程施工";
    in.region = "350100";
    in.category = "works";
    in.procedure = "open";
    in.has_owner_org = true;
    in.owner_org_id = f->org_owner;
    in.dates.publish_at = now;
    in.dates.doc_start = now;
    in.dates.doc_end = now + 7 * DAY;
    in.dates.clarify_deadline = now + 10 * DAY;
    in.dates.bid_deadline = now + 21 * DAY;
    assert_int_equal(tender_create(f->s, &f->agent, &in, &id, &why), ERR_OK);
    assert_int_equal(tender_document_add(f->s, &f->agent, id, "doc.txt", "text/plain", doc,
                                         sizeof doc - 1, &version, hash, NULL, &why),
                     ERR_OK);
    assert_int_equal(tender_publish(f->s, &f->agent, id, NULL, &why), ERR_OK);
    assert_int_equal(tender_register(f->s, &f->bidder1, id, &why), ERR_OK);
    assert_int_equal(tender_register(f->s, &f->bidder2, id, &why), ERR_OK);
    return id;
}

static void import_ok(struct fx *f, const char *csv, int created, int updated)
{
    struct expert_import_result r;
    struct expert_refusal why;
    enum err e = expert_import(f->s, &f->admin, csv, strlen(csv), &r, &why);
    if (e != ERR_OK)
        fail_msg("import: %s row %lld %s: %s", err_code(e), (long long)why.row,
                 why.field ? why.field : "-", why.detail);
    assert_int_equal(r.created, created);
    assert_int_equal(r.updated, updated);
}

static int64_t expert_id(struct fx *f, const char *code)
{
    struct store_tx *tx;
    struct expert e;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_expert_by_code(tx, &f->a, code, &e), STORE_OK);
    store_rollback(tx);
    return e.id;
}

static int64_t count(struct store *s, const char *sql)
{
    struct store_tx *tx;
    int64_t n = -1;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, sql, NULL, 0, &n), STORE_OK);
    store_rollback(tx);
    return n;
}

/* A draw of `count` A01.02 experts (+reserves), ready to run. */
static int64_t request(struct fx *f, int64_t tender, const char *spec, int cnt, int reserves,
                       int reps, enum err want)
{
    struct draw_input in = {0};
    struct expert_refusal why;
    int64_t id = 0;
    in.eval_start_ms = clock_now_ms() + 22 * DAY;
    in.eval_end_ms = in.eval_start_ms + DAY;
    in.reps = reps;
    in.nreq = 1;
    snprintf(in.req[0].specialty, sizeof in.req[0].specialty, "%s", spec);
    in.req[0].count = cnt;
    in.req[0].reserves = reserves;
    enum err e = draw_create(f->s, &f->agent, tender, &in, &id, &why);
    if (e != want)
        fail_msg("draw_create: %s (%s), want %s", err_code(e), why.detail, err_code(want));
    return id;
}

static void run_ok(struct fx *f, int64_t draw)
{
    struct expert_refusal why;
    sequence(f);
    enum err e = draw_run(f->s, &f->supervisor, draw, &why);
    if (e != ERR_OK)
        fail_msg("draw_run: %s %s", err_code(e), why.detail);
}

/* The parsed record of a draw (as the supervisor gets it) into r. */
static void record_of(struct fx *f, int64_t draw, struct draw_record *r)
{
    struct buf b;
    char why[256];
    buf_init(&b, (size_t)64 << 20);
    sequence(f); /* so the record carries the run entry */
    assert_int_equal(draw_record_export(f->s, &f->supervisor, draw, &b), ERR_OK);
    const char *copy = arena_strndup(&f->a, b.data, b.len);
    buf_release(&b);
    if (!draw_record_parse(copy, strlen(copy), &f->a, r, why, sizeof why))
        fail_msg("record: %s", why);
    struct draw_check ch[DRAW_CHECKS_MAX];
    int n = 0;
    bool ok = draw_record_verify(r, &f->log.keys[0], 1, ch, &n);
    for (int i = 0; i < n; i++)
        if (!ch[i].ok)
            fail_msg("check %s: %s", ch[i].name, ch[i].why);
    assert_true(ok);
}

static const char *reason_of(const struct draw_record *r, int64_t id)
{
    for (size_t i = 0; i < r->nexcluded; i++)
        if (r->excluded[i].id == id)
            return r->excluded[i].reason;
    return NULL;
}

static bool drawn(const struct draw_record *r, int64_t id)
{
    for (size_t i = 0; i < r->nmembers; i++)
        if (r->members[i].expert == id && strcmp(r->members[i].status, "skipped") != 0)
            return true;
    return false;
}

/* A member of draw d by expert id (0: none). */
static struct draw_member member_of(struct fx *f, int64_t draw, int64_t expert)
{
    struct store_tx *tx;
    struct page pg;
    struct draw_member none = {0};
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_draw_members(tx, &f->a, draw, 100, &pg), STORE_OK);
    store_rollback(tx);
    for (int i = 0; i < pg.n; i++)
        if (((struct draw_member *)pg.items)[i].expert_id == expert)
            return ((struct draw_member *)pg.items)[i];
    return none;
}

static struct page members(struct fx *f, int64_t draw)
{
    struct store_tx *tx;
    struct page pg;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_draw_members(tx, &f->a, draw, 100, &pg), STORE_OK);
    store_rollback(tx);
    return pg;
}

/* ---- the import and the export ---- */

static const char pool_head[] =
    "code,name,region,employer,employer_uscc,title,title_level,years,specialties,username,"
    "relations,unavailable,status\n";

static void test_import_export(void **state)
{
    struct fx *f = *state;
    struct expert_import_result r;
    struct expert_refusal why;
    char csv[4096];
    snprintf(csv, sizeof csv,
             "%s"
             "E1,李一,350102,榕城设计院,,高级工程师,deputy_senior,12,A01.02;C01.03,exp1,,,\n"
             "E2,王二,350200,榕城大学,,教授,正高级,20,A01,,relative:%s:海峡建工,"
             "2026-01-10..2026-01-12:leave,\n"
             "E3,张三,350102,闽都律所,,一级律师,senior,9,C04,,,2026-02-01:blocked,暂停\n",
             pool_head, f->uscc_b1);
    import_ok(f, csv, 3, 0);
    assert_int_equal(count(f->s, "SELECT count(*) FROM experts"), 3);
    assert_int_equal(count(f->s, "SELECT count(*) FROM expert_relations"), 1);
    assert_int_equal(count(f->s, "SELECT count(*) FROM expert_unavailability"), 2);
    assert_int_equal(count(f->s, "SELECT count(*) FROM experts WHERE status = 'suspended'"), 1);
    assert_int_equal(count(f->s, "SELECT count(*) FROM experts e JOIN users u ON u.id = e.user_id"),
                     1);
    /* 2026-01-10 Beijing = 2026-01-09T16:00Z; to the end of the 12th */
    assert_int_equal(count(f->s, "SELECT from_ms FROM expert_unavailability WHERE kind = 'leave'"),
                     1767974400000);
    assert_int_equal(count(f->s, "SELECT to_ms FROM expert_unavailability WHERE kind = 'leave'"),
                     1767974400000 + 3 * DAY);

    /* every refusal names its row and field, and writes nothing */
    struct {
        const char *row;
        enum err code;
        int64_t line;
        const char *field;
    } bad[] = {
        {"E9,某,350102,单位,,职称,senior,5,ZZ99,,,,\n", ERR_IMPORT_ROW_INVALID, 3, "specialties"},
        {"E9,某,35010,单位,,职称,senior,5,A01,,,,\n", ERR_IMPORT_ROW_INVALID, 3, "region"},
        {"E9,某,350102,单位,123,职称,senior,5,A01,,,,\n", ERR_IMPORT_ROW_INVALID, 3,
         "employer_uscc"},
        {"E9,某,350102,单位,,职称,boss,5,A01,,,,\n", ERR_IMPORT_ROW_INVALID, 3, "title_level"},
        {"E9,某,350102,单位,,职称,senior,x,A01,,,,\n", ERR_IMPORT_ROW_INVALID, 3, "years"},
        {"E9,某,350102,单位,,职称,senior,5,A01,nobody,,,\n", ERR_IMPORT_ROW_INVALID, 3, "username"},
        {"E9,某,350102,单位,,职称,senior,5,A01,admin,,,\n", ERR_IMPORT_ROW_INVALID, 3, "username"},
        {"E9,某,350102,单位,,职称,senior,5,A01,,friend:x:y,,\n", ERR_IMPORT_ROW_INVALID, 3,
         "relations"},
        {"E9,某,350102,单位,,职称,senior,5,A01,,,2026-02-30:leave,\n", ERR_IMPORT_ROW_INVALID, 3,
         "unavailable"},
        {"E9,某,350102,单位,,职称,senior,5,A01,,,2026-02-03:nap,\n", ERR_IMPORT_ROW_INVALID, 3,
         "unavailable"},
        {"E 9,某,350102,单位,,职称,senior,5,A01,,,,\n", ERR_IMPORT_ROW_INVALID, 3, "code"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* row 2 is valid and new, row 3 is the bad one: nothing at all is written */
        snprintf(csv, sizeof csv, "%sE8,好,350102,单位,,职称,senior,5,A01,,,,\n%s", pool_head,
                 bad[i].row);
        enum err e = expert_import(f->s, &f->admin, csv, strlen(csv), &r, &why);
        if (e != bad[i].code || why.row != bad[i].line || why.field == NULL ||
            strcmp(why.field, bad[i].field) != 0)
            fail_msg("bad row %zu: %s row %lld field %s (%s)", i, err_code(e), (long long)why.row,
                     why.field ? why.field : "-", why.detail);
        assert_int_equal(count(f->s, "SELECT count(*) FROM experts"), 3);
    }
    /* days: Beijing-time midnights; malformed ones refused (a fuzzer found
     * the overflow of a long run of digits) */
    int64_t ms = 0;
    assert_true(expert_parse_day("2026-01-01", 10, &ms));
    assert_int_equal(ms, T0 - 8 * 3600000);
    assert_true(expert_parse_day("2024-02-29", 10, &ms));
    assert_false(expert_parse_day("2026-02-29", 10, &ms));
    assert_false(expert_parse_day("2026-13-01", 10, &ms));
    assert_false(expert_parse_day("2026-1-01", 9, &ms));
    assert_false(expert_parse_day("20261111111111-01-01", 20, &ms));
    assert_false(expert_parse_day("2026-01-01x", 11, &ms));
    assert_false(expert_parse_day("", 0, &ms));
    /* a code twice in one file */
    snprintf(csv, sizeof csv,
             "%sE8,好,350102,单位,,职称,senior,5,A01,,,,\n"
             "E8,好,350102,单位,,职称,senior,5,A01,,,,\n",
             pool_head);
    assert_int_equal(expert_import(f->s, &f->admin, csv, strlen(csv), &r, &why),
                     ERR_IMPORT_ROW_INVALID);
    assert_int_equal(why.row, 3);
    /* no table at all, an unknown column, no code column */
    assert_int_equal(expert_import(f->s, &f->admin, "a,\"b\n", 5, &r, &why),
                     ERR_SPREADSHEET_INVALID);
    assert_int_equal(expert_import(f->s, &f->admin, "code,shoe\nE1,x\n", 15, &r, &why),
                     ERR_SPREADSHEET_INVALID);
    assert_non_null(strstr(why.detail, "shoe"));
    assert_int_equal(expert_import(f->s, &f->admin, "name\nx\n", 7, &r, &why),
                     ERR_SPREADSHEET_INVALID);
    /* only the admin imports */
    assert_int_equal(expert_import(f->s, &f->supervisor, csv, strlen(csv), &r, &why),
                     ERR_FORBIDDEN);

    /* a partial file updates the columns it has, keeps the rest */
    import_ok(f, "code,years\nE1,13\n", 0, 1);
    assert_int_equal(count(f->s, "SELECT years FROM experts WHERE code = 'E1'"), 13);
    assert_int_equal(count(f->s, "SELECT count(*) FROM expert_specialty_links l JOIN experts e"
                                 " ON e.id = l.expert_id WHERE e.code = 'E1'"),
                     2);

    /* the export reads back as the same pool, CSV and XLSX */
    struct buf out;
    buf_init(&out, 1 << 22);
    assert_int_equal(expert_export(f->s, &f->supervisor, false, &out), ERR_OK);
    assert_non_null(strstr(out.data, "E2,王二,350200"));
    assert_non_null(strstr(out.data, "relative:"));
    assert_non_null(strstr(out.data, "2026-01-10..2026-01-12:leave"));
    assert_non_null(strstr(out.data, "2026-02-01:blocked"));
    import_ok(f, out.data, 0, 3);
    assert_int_equal(count(f->s, "SELECT count(*) FROM expert_unavailability"), 2);
    assert_int_equal(count(f->s, "SELECT count(*) FROM expert_relations"), 1);
    buf_reset(&out);
    assert_int_equal(expert_export(f->s, &f->admin, true, &out), ERR_OK);
    assert_true(sheet_is_zip(out.data, out.len));
    struct expert_import_result r2;
    assert_int_equal(expert_import(f->s, &f->admin, out.data, out.len, &r2, &why), ERR_OK);
    assert_int_equal(r2.updated, 3);
    assert_int_equal(count(f->s, "SELECT count(*) FROM expert_unavailability"), 2);
    assert_int_equal(count(f->s, "SELECT years FROM experts WHERE code = 'E1'"), 13);
    assert_int_equal(expert_export(f->s, &f->agent, false, &out), ERR_FORBIDDEN);
    buf_release(&out);

    /* the specialty list: parents first, no cycles */
    const char *tree = "code,parent,name\nT,,测试\nT01,T,测试一\nT01.01,T01,测试细\n";
    assert_int_equal(specialty_import(f->s, &f->admin, tree, strlen(tree), &r, &why), ERR_OK);
    assert_int_equal(r.created, 3);
    const char *cyc = "code,parent,name\nT,T01.01,测试\n";
    assert_int_equal(specialty_import(f->s, &f->admin, cyc, strlen(cyc), &r, &why),
                     ERR_IMPORT_ROW_INVALID);
    assert_non_null(strstr(why.detail, "cycle"));
    const char *orphan = "code,parent,name\nU01,U,无父\n";
    assert_int_equal(specialty_import(f->s, &f->admin, orphan, strlen(orphan), &r, &why),
                     ERR_IMPORT_ROW_INVALID);
}

/* ---- the recusal rules ---- */

static void test_recusal_rules(void **state)
{
    struct fx *f = *state;
    char csv[8192];
    int64_t tender = bidding_tender(f);
    int64_t ev0 = clock_now_ms() + 22 * DAY; /* the evaluation's day, see request() */
    char in_eval[16], out_eval[16];
    time_t t = (time_t)((ev0 + 8 * 3600000) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(in_eval, sizeof in_eval, "%Y-%m-%d", &tm);
    t += 5 * 86400;
    gmtime_r(&t, &tm);
    strftime(out_eval, sizeof out_eval, "%Y-%m-%d", &tm);
    snprintf(
        csv, sizeof csv,
        "%s"
        "R1,员工甲,350102,海峡建工,%s,高工,senior,10,A01.02,,,,\n"       /* bidder, by code */
        "R2,员工乙,350102,榕城市城乡建设局,,高工,senior,10,A01.02,,,,\n" /* tenderer, by name */
        "R3,员工丙,350102,某单位,,高工,senior,10,A01.02,insider,,,\n"    /* agent, by account */
        "R4,亲属丁,350102,某单位,,高工,senior,10,A01.02,,relative:%s:市政,,\n"
        "R5,旧识戊,350102,某单位,,高工,senior,10,A01.02,,former_employer::海峡建工集团有限公司,,\n"
        "R6,休假己,350102,某单位,,高工,senior,10,A01.02,,,%s:leave,\n"
        "R7,暂停庚,350102,某单位,,高工,senior,10,A01.02,,,,suspended\n"
        "R8,可选辛,350102,某单位,,高工,senior,10,A01.02,,,%s:leave,\n" /* leave after */
        "R9,可选壬,350102,某单位,,高工,senior,10,A01,,,,\n"            /* A01 only: not A01.02 */
        "R10,可选癸,350102,某单位,,高工,senior,10,A01.02,,,,\n"
        "R11,可选子,350102,某单位,,高工,senior,10,A01.02.99,,,,\n"
        "R12,可选丑,350181,某单位,,高工,senior,10,A01.02,,,,\n"
        "R13,可选寅,350181,某单位,,高工,senior,10,A01.01,,,,\n",
        pool_head, f->uscc_b1, f->uscc_b2, in_eval, out_eval);
    /* A01.02.99 is not in the list: add it first (a child code matches its parent) */
    struct expert_import_result r;
    struct expert_refusal why;
    const char *spec = "code,parent,name\nA01.02.99,A01.02,细类\n";
    assert_int_equal(specialty_import(f->s, &f->admin, spec, strlen(spec), &r, &why), ERR_OK);
    import_ok(f, csv, 13, 0);
    /* an ended relation does not count */
    struct expert_input in = {0};
    in.has_relations = true;
    in.nrel = 1;
    in.rel[0].kind = "relative";
    in.rel[0].org_uscc = f->uscc_b1;
    in.rel[0].org_name = "海峡建工";
    in.rel[0].until_ms = clock_now_ms() - DAY;
    assert_int_equal(expert_update(f->s, &f->admin, expert_id(f, "R10"), 0, &in, &why), ERR_OK);

    /* eligible: R8, R10, R11, R12 -> asking for 4 (and a representative) */
    int64_t d = request(f, tender, "A01.02", 4, 0, 1, ERR_OK);
    struct draw_record rec;
    run_ok(f, d);
    record_of(f, d, &rec);
    static const struct {
        const char *code, *reason;
    } want[] = {{"R1", "employee"}, {"R2", "employee"},    {"R3", "employee"},  {"R4", "relation"},
                {"R5", "relation"}, {"R6", "unavailable"}, {"R7", "suspended"}, {"R8", NULL},
                {"R9", NULL},       {"R10", NULL},         {"R11", NULL}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int64_t id = expert_id(f, want[i].code);
        const char *got = reason_of(&rec, id);
        if ((got == NULL) != (want[i].reason == NULL) ||
            (got != NULL && strcmp(got, want[i].reason) != 0))
            fail_msg("%s: reason %s, want %s", want[i].code, got ? got : "none",
                     want[i].reason ? want[i].reason : "none");
        if (want[i].reason != NULL)
            assert_false(drawn(&rec, id));
    }
    assert_true(drawn(&rec, expert_id(f, "R8")));
    assert_true(drawn(&rec, expert_id(f, "R10")));
    assert_true(drawn(&rec, expert_id(f, "R11")));
    assert_false(drawn(&rec, expert_id(f, "R9")));

    /* a supplementary draw (補抽): the first draw's members are taken; one
     * draw commits at a time */
    int64_t d2 = request(f, tender, "A01", 2, 0, 1, ERR_OK); /* 4 + 2 experts, 1 rep */
    request(f, tender, "A01", 2, 0, 0, ERR_CONFLICT);
    run_ok(f, d2);
    record_of(f, d2, &rec);
    assert_string_equal(reason_of(&rec, expert_id(f, "R8")), "already_drawn");
    assert_string_equal(reason_of(&rec, expert_id(f, "R1")), "employee");
    assert_true(drawn(&rec, expert_id(f, "R9")));
    assert_true(drawn(&rec, expert_id(f, "R13")));
    /* cancelled, the first draw's members are free again */
    assert_int_equal(draw_cancel(f->s, &f->agent, d, "测试"), ERR_OK);
    assert_int_equal(draw_cancel(f->s, &f->agent, d2, "测试"), ERR_OK);
    int64_t d3 = request(f, tender, "A01.02", 4, 0, 1, ERR_OK);
    run_ok(f, d3);
    record_of(f, d3, &rec);
    assert_true(drawn(&rec, expert_id(f, "R8")));
}

static void test_30_day_limit(void **state)
{
    struct fx *f = *state;
    struct expert_refusal why;
    char csv[2048];
    snprintf(csv, sizeof csv,
             "%sL1,甲,350102,某单位,,高工,senior,10,C04,,,,\nL2,乙,350102,某单位,,高工,senior,10,"
             "C04,,,,\nL3,丙,350102,某单位,,高工,senior,10,C04,,,,\nL4,丁,350102,某单位,,高工,"
             "senior,10,C04,,,,\nL5,戊,350102,某单位,,高工,senior,10,C04,,,,\nL6,己,350102,某单位,,"
             "高工,senior,10,C04,,,,\nL7,庚,350102,某单位,,高工,senior,10,C04,,,,\nL8,辛,350102,"
             "某单位,,高工,senior,10,C04,,,,\n",
             pool_head);
    import_ok(f, csv, 8, 0);
    assert_int_equal(expert_setting_set(f->s, &f->admin, EXPERT_SET_MAX_DRAWS, 1, &why), ERR_OK);
    assert_int_equal(expert_setting_set(f->s, &f->admin, EXPERT_SET_MAX_DRAWS, 0, &why),
                     ERR_INVALID_FIELD);
    assert_int_equal(expert_setting_set(f->s, &f->agent, EXPERT_SET_MAX_DRAWS, 2, &why),
                     ERR_FORBIDDEN);
    int64_t t1 = bidding_tender(f), t2 = bidding_tender(f), t3 = bidding_tender(f);
    int64_t d1 = request(f, t1, "C04", 4, 0, 1, ERR_OK);
    run_ok(f, d1);
    /* four were notified: the other four remain for the next tender */
    int64_t d2 = request(f, t2, "C04", 4, 0, 1, ERR_OK);
    run_ok(f, d2);
    struct draw_record r1, r2;
    record_of(f, d1, &r1);
    record_of(f, d2, &r2);
    int limited = 0;
    for (size_t i = 0; i < r2.nexcluded; i++)
        limited += strcmp(r2.excluded[i].reason, "limit_30d") == 0;
    assert_int_equal(limited, 4);
    for (size_t i = 0; i < r1.nmembers; i++)
        assert_false(drawn(&r2, r1.members[i].expert));
    /* all eight were drawn once: a third tender finds nobody */
    int64_t d3 = request(f, t3, "C04", 4, 0, 1, ERR_OK);
    sequence(f);
    assert_int_equal(draw_run(f->s, &f->supervisor, d3, &why), ERR_DRAW_TOO_FEW_EXPERTS);
    assert_non_null(strstr(why.detail, "0 eligible for 4"));
    /* 31 days later the limit has passed */
    clock_manual_advance(31 * DAY);
    run_ok(f, d3);
}

static void test_not_ready_and_validation(void **state)
{
    struct fx *f = *state;
    struct expert_refusal why;
    char csv[1024];
    snprintf(csv, sizeof csv,
             "%sN1,甲,350102,某单位,,高工,senior,10,C05,,,,\nN2,乙,350102,某单位,,高工,senior,10,"
             "C05,,,,\nN3,丙,350102,某单位,,高工,senior,10,C05,,,,\nN4,丁,350102,某单位,,高工,"
             "senior,10,C05,,,,\n",
             pool_head);
    import_ok(f, csv, 4, 0);
    int64_t t = bidding_tender(f);
    int64_t d = request(f, t, "C05", 4, 0, 1, ERR_OK);
    /* the commitment is queued, not yet in a checkpoint */
    assert_int_equal(draw_run(f->s, &f->supervisor, d, &why), ERR_DRAW_NOT_READY);
    /* the wrong people */
    assert_int_equal(draw_run(f->s, &f->bidder1, d, &why), ERR_NOT_FOUND);
    struct draw_input in = {0};
    int64_t id;
    in.eval_start_ms = clock_now_ms() + DAY;
    in.eval_end_ms = in.eval_start_ms + DAY;
    in.nreq = 1;
    snprintf(in.req[0].specialty, sizeof in.req[0].specialty, "C05");
    in.req[0].count = 5;
    assert_int_equal(draw_create(f->s, &f->bidder1, t, &in, &id, &why), ERR_FORBIDDEN);
    struct tender_caller stranger = f->agent;
    stranger.org_id = f->org_other;
    assert_int_equal(draw_create(f->s, &stranger, t, &in, &id, &why), ERR_NOT_OWNER);
    snprintf(in.req[0].specialty, sizeof in.req[0].specialty, "Q9");
    assert_int_equal(draw_create(f->s, &f->agent, t, &in, &id, &why), ERR_UNKNOWN_SPECIALTY);
    snprintf(in.req[0].specialty, sizeof in.req[0].specialty, "c05");
    assert_int_equal(draw_create(f->s, &f->agent, t, &in, &id, &why), ERR_INVALID_FIELD);
    in.eval_end_ms = in.eval_start_ms;
    assert_int_equal(draw_create(f->s, &f->agent, t, &in, &id, &why), ERR_INVALID_FIELD);
    sequence(f);
    run_ok(f, d);
    /* running twice is refused */
    assert_int_equal(draw_run(f->s, &f->supervisor, d, &why), ERR_WRONG_STATE);
}

/* ---- declines and replacements ---- */

static void test_decline_and_redraw(void **state)
{
    struct fx *f = *state;
    struct expert_refusal why;
    char csv[4096];
    size_t o = (size_t)snprintf(csv, sizeof csv, "%s", pool_head);
    for (int i = 0; i < 9; i++)
        o += (size_t)snprintf(csv + o, sizeof csv - o,
                              "D%d,专家%d,350102,某单位,,高工,senior,10,C06,exp%d,,,\n", i + 1,
                              i + 1, i + 1);
    import_ok(f, csv, 9, 0);
    int64_t t = bidding_tender(f);
    int64_t d = request(f, t, "C06", 5, 1, 0, ERR_OK);
    run_ok(f, d);
    struct page pg = members(f, d);
    assert_int_equal(pg.n, 6);
    struct draw_member *m = pg.items;
    /* x_k is the account of expert D_k, whose id is k+? — find by expert code */
    int who[6];
    for (int i = 0; i < 6; i++) {
        who[i] = atoi(m[i].expert_code + 1) - 1; /* D3 -> x3 */
        assert_string_equal(m[i].role, i < 5 ? "primary" : "reserve");
        assert_string_equal(m[i].status, i < 5 ? "notified" : "reserve");
    }
    /* an expert answers only its own invitation, once */
    assert_int_equal(draw_answer(f->s, &f->ex[who[1]], m[0].id, true, NULL, &why), ERR_NOT_FOUND);
    assert_int_equal(draw_answer(f->s, &f->ex[who[0]], m[0].id, true, NULL, &why), ERR_OK);
    assert_int_equal(draw_answer(f->s, &f->ex[who[0]], m[0].id, false, NULL, &why),
                     ERR_INVITATION_CLOSED);
    /* the reserve is not invited yet */
    assert_int_equal(draw_answer(f->s, &f->ex[who[5]], m[5].id, true, NULL, &why),
                     ERR_INVITATION_CLOSED);
    /* a decline calls the reserve */
    assert_int_equal(draw_answer(f->s, &f->ex[who[1]], m[1].id, false, "出差", &why), ERR_OK);
    struct draw_member r = member_of(f, d, m[5].expert_id);
    assert_string_equal(r.status, "notified");
    assert_int_equal(r.replaces_id, m[1].id);
    /* the next decline extends the order: position 6; make one candidate
     * ineligible first (leave during the evaluation) so it is skipped */
    struct page before = members(f, d);
    int64_t ids[9];
    int nleft = 0;
    for (int k = 0; k < 9; k++) {
        char code[16];
        snprintf(code, sizeof code, "D%d", k + 1);
        int64_t id = expert_id(f, code);
        bool in = false;
        for (int i = 0; i < before.n; i++)
            in = in || ((struct draw_member *)before.items)[i].expert_id == id;
        if (!in)
            ids[nleft++] = id;
    }
    assert_int_equal(nleft, 3);
    struct expert_unavail_in leave = {clock_now_ms() + 20 * DAY, clock_now_ms() + 30 * DAY, "leave",
                                      NULL};
    int64_t uid;
    for (int k = 0; k < nleft - 1; k++) /* two of the three are away */
        assert_int_equal(expert_unavail_add(f->s, &f->admin, ids[k], &leave, &uid, &why), ERR_OK);
    assert_int_equal(draw_answer(f->s, &f->ex[who[2]], m[2].id, false, NULL, &why), ERR_OK);
    struct page after = members(f, d);
    int skipped = 0, notified_new = 0;
    for (int i = 0; i < after.n; i++) {
        struct draw_member *x = (struct draw_member *)after.items + i;
        if (x->position < 6)
            continue;
        assert_string_equal(x->role, "replacement");
        if (strcmp(x->status, "skipped") == 0) {
            assert_string_equal(x->reason, "unavailable");
            skipped++;
        } else {
            assert_string_equal(x->status, "notified");
            assert_int_equal(x->expert_id, ids[nleft - 1]);
            notified_new++;
        }
    }
    assert_int_equal(notified_new, 1);
    assert_true(skipped <= 2);
    /* the supervisor releases one more: nobody is left, the draw is short */
    struct tender_caller nobody = f->supervisor;
    assert_int_equal(draw_release(f->s, &nobody, m[3].id, "联系不上", &why), ERR_OK);
    struct store_tx *tx;
    struct draw_row dr;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_draw_get(tx, &f->a, d, &dr), STORE_OK);
    store_rollback(tx);
    assert_int_equal(dr.short_n, 1);
    /* only supervisors release */
    assert_int_equal(draw_release(f->s, &f->agent, m[4].id, "x", &why), ERR_FORBIDDEN);
    /* the record still verifies: every position used is accounted for */
    struct draw_record rec;
    record_of(f, d, &rec);
    assert_int_equal(rec.norder[0], 9);
}

/* ---- secrecy ---- */

static void test_secrecy_and_reveal(void **state)
{
    struct fx *f = *state;
    struct expert_refusal why;
    char csv[2048];
    size_t o = (size_t)snprintf(csv, sizeof csv, "%s", pool_head);
    for (int i = 0; i < 5; i++)
        o += (size_t)snprintf(csv + o, sizeof csv - o,
                              "S%d,专家%d,350102,某单位,,高工,senior,10,B04,,,,\n", i + 1, i + 1);
    import_ok(f, csv, 5, 0);
    int64_t t = bidding_tender(f);
    int64_t d = request(f, t, "B04", 5, 0, 0, ERR_OK);
    run_ok(f, d);
    struct store_tx *tx;
    struct draw_row dr;
    struct tender tn;
    struct draw_view v;
    const struct tender_caller anon = {{0, "anonymous", NULL, NULL}, 0, 0, false};
    struct {
        const struct tender_caller *c;
        enum err e;
        bool list;
    } who[] = {{&f->supervisor, ERR_OK, true},      {&f->agent, ERR_OK, false},
               {&f->bidder1, ERR_NOT_FOUND, false}, {&f->ex[0], ERR_NOT_FOUND, false},
               {&anon, ERR_NOT_FOUND, false},       {&f->admin, ERR_NOT_FOUND, false}};
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    for (size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
        enum err e = draw_load(tx, &f->a, who[i].c, d, &dr, &tn, &v);
        if (e != who[i].e || (e == ERR_OK && v.list != who[i].list))
            fail_msg("caller %zu: %s list %d", i, err_code(e), v.list);
    }
    store_rollback(tx);
    struct buf b;
    buf_init(&b, 1 << 22);
    assert_int_equal(draw_record_export(f->s, &f->agent, d, &b), ERR_DRAW_SECRET);
    assert_int_equal(draw_record_export(f->s, &f->bidder1, d, &b), ERR_NOT_FOUND);
    /* not before the evaluation ends */
    assert_int_equal(draw_reveal(f->s, &f->supervisor, d), ERR_WRONG_STATE);
    struct tender_refusal tr;
    assert_int_equal(tender_cancel(f->s, &f->agent, t, "项目取消", NULL, &tr), ERR_OK);
    assert_int_equal(draw_reveal(f->s, &f->bidder1, d), ERR_FORBIDDEN);
    assert_int_equal(draw_reveal(f->s, &f->agent, d), ERR_OK);
    assert_int_equal(draw_reveal(f->s, &f->agent, d), ERR_WRONG_STATE);
    /* now the record is public, and the seed is in the log */
    assert_int_equal(draw_record_export(f->s, &anon, d, &b), ERR_OK);
    assert_non_null(strstr(b.data, "\"state\":\"revealed\""));
    buf_release(&b);
    struct draw_record rec;
    record_of(f, d, &rec);
    assert_string_equal(rec.state, "revealed");
    (void)why;
}

/* ---- the committee ---- */

static void test_committee(void **state)
{
    struct fx *f = *state;
    struct expert_refusal why;
    /* the rules alone */
    assert_int_equal(committee_rules_check(5, 0, 5), ERR_OK);
    assert_int_equal(committee_rules_check(4, 1, 5), ERR_OK);
    assert_int_equal(committee_rules_check(4, 0, 5), ERR_COMMITTEE_TOO_SMALL);
    assert_int_equal(committee_rules_check(6, 0, 5), ERR_COMMITTEE_EVEN_SIZE);
    assert_int_equal(committee_rules_check(3, 2, 5), ERR_COMMITTEE_EXPERT_SHARE);
    assert_int_equal(committee_rules_check(5, 2, 5), ERR_OK); /* 5/7 >= 2/3 */
    assert_int_equal(committee_rules_check(6, 3, 5), ERR_OK); /* 6/9 = 2/3 */
    assert_int_equal(committee_rules_check(5, 4, 5), ERR_COMMITTEE_EXPERT_SHARE);
    assert_int_equal(committee_rules_check(7, 0, 9), ERR_COMMITTEE_TOO_SMALL);

    char csv[4096];
    size_t o = (size_t)snprintf(csv, sizeof csv, "%s", pool_head);
    for (int i = 0; i < 6; i++)
        o += (size_t)snprintf(csv + o, sizeof csv - o,
                              "C%d,专家%d,350102,某单位,,高工,senior,10,C01.02,exp%d,,,\n", i + 1,
                              i + 1, i + 1);
    import_ok(f, csv, 6, 0);
    int64_t t = bidding_tender(f);
    /* a draw is refused when its committee could not meet the rules */
    request(f, t, "C01.02", 4, 1, 0, ERR_COMMITTEE_TOO_SMALL);
    request(f, t, "C01.02", 4, 1, 2, ERR_COMMITTEE_EVEN_SIZE);
    request(f, t, "C01.02", 3, 1, 2, ERR_COMMITTEE_EXPERT_SHARE);
    int64_t d = request(f, t, "C01.02", 4, 1, 1, ERR_OK);
    run_ok(f, d);
    struct page pg = members(f, d);
    struct draw_member *m = pg.items;
    int64_t rep = 0;
    assert_int_equal(
        committee_rep_add(f->s, &f->agent, t, "招标人代表甲", "agent", "高级工程师", &rep, &why),
        ERR_OK);
    assert_int_equal(committee_rep_add(f->s, &f->bidder1, t, "x", NULL, NULL, &rep, &why),
                     ERR_FORBIDDEN);
    /* invitations pending: not yet */
    assert_int_equal(committee_form(f->s, &f->agent, t, &why), ERR_COMMITTEE_INCOMPLETE);
    for (int i = 0; i < 4; i++) {
        int x = atoi(m[i].expert_code + 1) - 1;
        assert_int_equal(draw_answer(f->s, &f->ex[x], m[i].id, true, NULL, &why), ERR_OK);
    }
    /* a member cannot vote before the committee is formed */
    bool elected = false;
    assert_int_equal(committee_vote(f->s, &f->agent, t, 1, &elected, &why),
                     ERR_COMMITTEE_INCOMPLETE);
    assert_int_equal(committee_form(f->s, &f->agent, t, &why), ERR_OK);
    assert_int_equal(committee_form(f->s, &f->agent, t, &why), ERR_WRONG_STATE);
    struct store_tx *tx;
    struct committee cm;
    struct page cms;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_committee_get(tx, t, &cm), STORE_OK);
    assert_int_equal(store_committee_members(tx, &f->a, t, 99, &cms), STORE_OK);
    struct tender tn;
    struct committee_view v;
    assert_int_equal(store_tender_get(tx, &f->a, t, &tn), STORE_OK);
    assert_int_equal(committee_view(tx, &f->a, &f->bidder1, &tn, &v), ERR_NOT_FOUND);
    assert_int_equal(committee_view(tx, &f->a, &f->agent, &tn, &v), ERR_OK);
    assert_true(v.member); /* the agent's account is its representative */
    assert_int_equal(committee_view(tx, &f->a, &f->supervisor, &tn, &v), ERR_OK);
    assert_true(v.members);
    store_rollback(tx);
    assert_int_equal(cm.size, 5);
    assert_int_equal(cm.experts, 4);
    assert_int_equal(cm.reps, 1);
    assert_int_equal(cms.n, 5);
    struct committee_member *cmm = cms.items;
    assert_string_equal(cmm[0].kind, "rep");
    int64_t candidate = cmm[1].id;
    /* votes: an outsider may not; two votes are not a majority of five, three are */
    assert_int_equal(committee_vote(f->s, &f->insider, t, candidate, &elected, &why),
                     ERR_NOT_COMMITTEE_MEMBER);
    assert_int_equal(committee_vote(f->s, &f->agent, t, candidate, &elected, &why), ERR_OK);
    assert_false(elected);
    assert_int_equal(committee_vote(f->s, &f->agent, t, candidate, &elected, &why), ERR_OK);
    assert_false(elected); /* the same voter twice is one vote */
    int voters = 0;
    for (int i = 1; i < cms.n && !elected; i++) {
        struct tender_caller c = {{cmm[i].user_id, "m", NULL, NULL}, ROLE_EXPERT, 0, false};
        assert_int_equal(committee_vote(f->s, &c, t, candidate, &elected, &why), ERR_OK);
        voters++;
    }
    assert_true(elected);
    assert_int_equal(voters, 2); /* agent + 2 = 3 of 5 */
    assert_int_equal(committee_designate(f->s, &f->agent, t, cmm[2].id, &why), ERR_WRONG_STATE);
}

/* ---- a property: random pools never break a rule ---- */

static void test_random_pools(void **state)
{
    struct fx *f = *state;
    uint32_t seed = 12345u;
    static const char *const specs[] = {"A01.01", "A01.02", "A02.01", "C01.03"};
    for (int round = 0; round < 6; round++) {
        char *csv = malloc(1 << 16);
        size_t o = (size_t)snprintf(csv, 1 << 16, "%s", pool_head);
        int n = 40;
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t r = seed >> 8;
            const char *emp_uscc = r % 7 == 0 ? f->uscc_b1 : r % 11 == 0 ? f->uscc_b2 : "";
            char rel[200] = "";
            if (r % 5 == 0)
                snprintf(rel, sizeof rel, "relative:%s:x", r % 2 ? f->uscc_b2 : f->uscc_owner);
            const char *status = r % 13 == 0 ? "suspended" : "";
            o += (size_t)snprintf(csv + o, (1 << 16) - o,
                                  "P%d_%d,某%d,3501%02u,某单位%u,%s,高工,senior,10,%s,,%s,,%s\n",
                                  round, i, i, 2 + r % 5, r % 3, emp_uscc, specs[r % 4], rel,
                                  status);
        }
        import_ok(f, csv, n, 0);
        free(csv);
        int64_t t = bidding_tender(f);
        struct draw_input in = {0};
        struct expert_refusal why;
        int64_t d;
        in.eval_start_ms = clock_now_ms() + 22 * DAY;
        in.eval_end_ms = in.eval_start_ms + DAY;
        in.nreq = 2;
        snprintf(in.req[0].specialty, sizeof in.req[0].specialty, "A01");
        in.req[0].count = 3;
        in.req[0].reserves = 1;
        snprintf(in.req[1].specialty, sizeof in.req[1].specialty, "C01.03");
        snprintf(in.req[1].region, sizeof in.req[1].region, "350100");
        in.req[1].count = 2;
        in.req[1].reserves = 1;
        assert_int_equal(draw_create(f->s, &f->agent, t, &in, &d, &why), ERR_OK);
        sequence(f);
        enum err e = draw_run(f->s, &f->supervisor, d, &why);
        if (e == ERR_DRAW_TOO_FEW_EXPERTS)
            continue; /* a legitimate outcome of an unlucky pool */
        assert_int_equal(e, ERR_OK);
        struct draw_record rec;
        record_of(f, d, &rec);
        /* every drawn expert: not excluded, active, not employed by or
         * related to a party, and of the group's specialty */
        for (size_t i = 0; i < rec.nmembers; i++) {
            int64_t id = rec.members[i].expert;
            struct store_tx *tx;
            struct expert e2;
            struct page rel;
            assert_null(reason_of(&rec, id));
            assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
            assert_int_equal(store_expert_get(tx, &f->a, id, &e2), STORE_OK);
            assert_int_equal(store_expert_relations(tx, &f->a, id, 10, &rel), STORE_OK);
            store_rollback(tx);
            assert_string_equal(e2.status, "active");
            assert_true(e2.employer_uscc == NULL || (strcmp(e2.employer_uscc, f->uscc_b1) != 0 &&
                                                     strcmp(e2.employer_uscc, f->uscc_b2) != 0));
            assert_int_equal(rel.n, 0);
            if (rec.members[i].group == 2)
                assert_int_equal(strncmp(e2.region, "3501", 4), 0);
        }
        /* end the round's draws so the next tender starts clean */
        clock_manual_advance(31 * DAY);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recusal_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_30_day_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_ready_and_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decline_and_redraw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrecy_and_reveal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_committee, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_pools, setup, teardown),
    };
    static char list[4096];
    const char *env = getenv("SUNBID_TEST_STORES");
    char *save = NULL;
    int failed = 0;
    snprintf(list, sizeof(list), "%s", env != NULL && env[0] != '\0' ? env : "sqlite");
    for (char *tok = strtok_r(list, " \t", &save); tok != NULL && g_nurls < MAX_STORES;
         tok = strtok_r(NULL, " \t", &save)) {
        bool fresh = strcmp(tok, "sqlite") == 0 || strcmp(tok, "sqlite:") == 0;
        if (!fresh && !is_pg(tok))
            continue;
        g_urls[g_nurls++] = fresh ? NULL : tok;
    }
    for (int i = 0; i < g_nurls; i++) {
        char name[256];
        g_url = g_urls[i];
        snprintf(name, sizeof(name), "experts %s", g_url != NULL ? g_url : "sqlite (fresh)");
        failed += cmocka_run_group_tests_name(name, tests, NULL, NULL);
    }
    return failed != 0;
}
