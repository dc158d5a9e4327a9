/*
 * Unit tests for tenders over a real store (domain/tender.h, store/tender.h)
 * with a manual clock: creation and the unified code, publication and its
 * rules, the timers and catching up, registration, downloads, questions and
 * clarifications (with the deadline moved), objections pausing and resuming,
 * cancellation, the operator's rule overrides, and the whole state x action
 * matrix: every step refused out of order, by the wrong role and by the
 * wrong owner, with nothing written when refused.
 *
 * Every case runs on each store in SUNBID_TEST_STORES (as test_accounts.c;
 * default "sqlite"), each time on an empty database.
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
#include <unistd.h>

#include "base/clock.h"
#include "base/roles.h"
#include "crypto/password.h"
#include "domain/scheduler.h"
#include "domain/tender.h"
#include "domain/uscc.h"

#include "unit_store_fixture.h"

#define DAY TENDER_DAY_MS
#define T0  ((int64_t)1767225600000) /* 2026-01-01T00:00:00Z */

struct fx {
    struct store *s;
    struct arena a;
    char dir[512];
    char schema[64];
    char url[1024];
    /* organisations */
    int64_t org_agency, org_owner, org_other_agency, org_b1, org_b2, org_b3;
    /* callers */
    struct tender_caller agent, owner_agent, other_agent, bidder1, bidder2, bidder3, owner_bidder,
        supervisor, expert, admin;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[256];
    const char *url = g_url;
    int applied;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    static int seq;
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "%s/tender-%d-%d", tmp ? tmp : "/tmp", (int)getpid(), seq++);
    password_set_cost(10);
    clock_manual(T0);
    if (is_pg(g_url)) {
        char sql[128];
        snprintf(f->schema, sizeof(f->schema), "sbt_tender_%d_%d", (int)getpid(), seq);
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
    arena_init(&f->a, 0);
    f->org_agency = make_org(f->s, "榕城招标代理有限公司", "91350100MA2YK0A1X");
    f->org_owner = make_org(f->s, "榕城市城乡建设局", "11350100003600012");
    f->org_other_agency = make_org(f->s, "另一代理公司", "91350100MA31PQ7K2");
    f->org_b1 = make_org(f->s, "海峡建工集团有限公司", "91350000158143215");
    f->org_b2 = make_org(f->s, "榕城市政建设有限公司", "91350100735676503");
    f->org_b3 = make_org(f->s, "闽江路桥工程有限公司", "91350100MA2YK0B2X");
    f->agent = make_caller(f->s, "agent", ROLE_AGENT, f->org_agency);
    f->owner_agent = make_caller(f->s, "tenderer", ROLE_AGENT, f->org_owner);
    f->other_agent = make_caller(f->s, "stranger", ROLE_AGENT, f->org_other_agency);
    f->bidder1 = make_caller(f->s, "bidder1", ROLE_BIDDER, f->org_b1);
    f->bidder2 = make_caller(f->s, "bidder2", ROLE_BIDDER, f->org_b2);
    f->bidder3 = make_caller(f->s, "bidder3", ROLE_BIDDER, f->org_b3);
    f->owner_bidder = make_caller(f->s, "insider", ROLE_BIDDER, f->org_owner);
    f->supervisor = make_caller(f->s, "supervisor", ROLE_SUPERVISOR, 0);
    f->expert = make_caller(f->s, "expert1", ROLE_EXPERT, 0);
    f->admin = make_caller(f->s, "admin", ROLE_ADMIN, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[600];
    store_close(f->s);
    arena_release(&f->a);
    if (f->schema[0] != '\0') {
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->schema);
        assert_int_equal(admin_exec(f->dir, sql), STORE_OK);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    clock_system();
    free(f);
    return 0;
}

static int64_t count(struct store *s, const char *sql, int64_t arg)
{
    struct store_tx *tx;
    struct store_param p[] = {SP_I(arg)};
    int64_t n = -1;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, sql, p, strstr(sql, "$1") ? 1 : 0, &n), STORE_OK);
    store_rollback(tx);
    return n;
}

static void exec1(struct store *s, const char *sql, struct store_param *p, int np)
{
    struct store_tx *tx;
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_exec(tx, sql, p, np, NULL), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
}

static struct tender get(struct fx *f, int64_t id)
{
    struct store_tx *tx;
    struct tender t;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_tender_get(tx, &f->a, id, &t), STORE_OK);
    store_rollback(tx);
    return t;
}

/* An open works tender whose dates pass the rules when published at now:
 * documents from now + doc_in, deadline 21 days after them. */
static struct tender_input good_input(int64_t now, int64_t doc_in)
{
    struct tender_input in = {0};
    in.title = "榕城市滨江路改造工程施工";
    in.region = "350100";
    in.category = "works";
    in.procedure = "open";
    in.has_ceiling = true;
    in.ceiling_fen = 1000000000; /* 10,000,000 yuan */
    in.has_bond = true;
    in.bond_fen = 20000000; /* 2 % */
    in.bond_form = "e_guarantee";
    in.dates.publish_at = now;
    in.dates.doc_start = now + doc_in;
    in.dates.doc_end = now + doc_in + 7 * DAY;
    in.dates.clarify_deadline = now + doc_in + 10 * DAY;
    in.dates.bid_deadline = now + doc_in + 21 * DAY;
    return in;
}

static int64_t create(struct fx *f, const struct tender_input *in)
{
    struct tender_refusal why;
    int64_t id = 0;
    assert_int_equal(tender_create(f->s, &f->agent, in, &id, &why), ERR_OK);
    assert_true(id > 0);
    return id;
}

static void upload(struct fx *f, int64_t id)
{
    static const char pdf[] = "%PDF-1.4 招标文件 (test)";
    char hash[BLOB_HASH_HEX + 1];
    int64_t version = 0;
    assert_int_equal(tender_document_add(f->s, &f->agent, id, "招标文件.pdf", "application/pdf",
                                         pdf, sizeof pdf - 1, &version, hash, NULL, NULL),
                     ERR_OK);
    assert_true(version >= 1);
}

/* A published tender (documents out in doc_in ms) with one document. */
static int64_t published(struct fx *f, int64_t doc_in)
{
    struct tender_input in = good_input(clock_now_ms(), doc_in);
    int64_t id = create(f, &in);
    upload(f, id);
    assert_int_equal(tender_publish(f->s, &f->agent, id, NULL, NULL), ERR_OK);
    return id;
}

static void test_create_and_code(void **state)
{
    struct fx *f = *state;
    struct tender_input in = good_input(T0, DAY);
    struct tender_refusal why;
    int64_t a, b, c, id = 0;
    a = create(f, &in);
    b = create(f, &in);
    in.category = "goods";
    c = create(f, &in);
    assert_string_equal(get(f, a).code, "350100-GC-2026-00001");
    assert_string_equal(get(f, b).code, "350100-GC-2026-00002");
    assert_string_equal(get(f, c).code, "350100-HW-2026-00001");
    struct tender t = get(f, a);
    assert_string_equal(t.state, "draft");
    assert_int_equal(t.owner_org_id, f->org_agency);
    assert_int_equal(t.agent_org_id, f->org_agency);
    assert_int_equal(t.decrypt_window_min, 30);
    assert_int_equal(t.min_bids, 3);
    assert_string_equal(t.readout_fields, "bidder,price,duration");
    assert_int_equal(t.version, 1);
    assert_int_equal(t.next_due_ms, 0);
    /* Beijing new year: 2026-12-31T16:00Z is 2027 */
    clock_manual_set(T0 + 364 * DAY + 16 * 3600 * 1000);
    in.category = "works";
    assert_string_equal(get(f, create(f, &in)).code, "350100-GC-2027-00001");

    int64_t tenders = count(f->s, "SELECT count(*) FROM tenders", 0);
    int64_t audits = count(f->s, "SELECT count(*) FROM audit_log", 0);
    int64_t events = count(f->s, "SELECT count(*) FROM ledger_queue", 0);
    static const struct {
        const char *field;
        enum err e;
    } cases[] = {{"title", ERR_MISSING_FIELD},        {"region", ERR_INVALID_FIELD},
                 {"category", ERR_INVALID_FIELD},     {"procedure", ERR_INVALID_FIELD},
                 {"bond_form", ERR_INVALID_FIELD},    {"decrypt_window_min", ERR_INVALID_FIELD},
                 {"escrow_k", ERR_INVALID_FIELD},     {"readout_fields", ERR_INVALID_FIELD},
                 {"owner_org_id", ERR_INVALID_FIELD}, {"ceiling_fen", ERR_INVALID_FIELD},
                 {"min_bids", ERR_INVALID_FIELD},     {"bid_deadline", ERR_INVALID_FIELD}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tender_input bad = good_input(T0, DAY);
        const char *fl = cases[i].field;
        if (strcmp(fl, "title") == 0)
            bad.title = NULL;
        else if (strcmp(fl, "region") == 0)
            bad.region = "35010";
        else if (strcmp(fl, "category") == 0)
            bad.category = "procurement";
        else if (strcmp(fl, "procedure") == 0)
            bad.procedure = "auction";
        else if (strcmp(fl, "bond_form") == 0)
            bad.bond_form = "none"; /* a bond needs a form */
        else if (strcmp(fl, "decrypt_window_min") == 0) {
            bad.has_decrypt_window = true;
            bad.decrypt_window_min = 0;
        } else if (strcmp(fl, "escrow_k") == 0) {
            bad.has_escrow = true;
            bad.escrow_k = 3;
            bad.escrow_n = 2;
        } else if (strcmp(fl, "readout_fields") == 0)
            bad.readout_fields = "price,,bidder";
        else if (strcmp(fl, "owner_org_id") == 0) {
            bad.has_owner_org = true;
            bad.owner_org_id = 999999;
        } else if (strcmp(fl, "ceiling_fen") == 0)
            bad.ceiling_fen = -1;
        else if (strcmp(fl, "min_bids") == 0) {
            bad.has_min_bids = true;
            bad.min_bids = 0;
        } else
            bad.dates.bid_deadline = -5;
        assert_int_equal(tender_create(f->s, &f->agent, &bad, &id, &why), cases[i].e);
        assert_string_equal(why.field, cases[i].field);
    }
    /* an agent without an organisation, and other roles, may not create */
    struct tender_caller orphan = f->agent;
    orphan.org_id = 0;
    assert_int_equal(tender_create(f->s, &orphan, &in, &id, &why), ERR_FORBIDDEN);
    assert_int_equal(tender_create(f->s, &f->bidder1, &in, &id, &why), ERR_FORBIDDEN);
    assert_int_equal(tender_create(f->s, &f->supervisor, &in, &id, &why), ERR_FORBIDDEN);
    /* nothing was written by any refusal */
    assert_int_equal(count(f->s, "SELECT count(*) FROM tenders", 0), tenders);
    assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log", 0), audits);
    assert_int_equal(count(f->s, "SELECT count(*) FROM ledger_queue", 0), events);

    /* the tenderer named as owner, a lot, an edit with the version check */
    in.has_owner_org = true;
    in.owner_org_id = f->org_owner;
    id = create(f, &in);
    assert_int_equal(get(f, id).owner_org_id, f->org_owner);
    int64_t lot = 0;
    assert_int_equal(
        tender_lot_add(f->s, &f->agent, id, "第一标段", 500000000, 10000000, &lot, &why), ERR_OK);
    assert_int_equal(lot, 1);
    assert_int_equal(tender_lot_add(f->s, &f->owner_agent, id, "第二标段", 0, 0, &lot, &why),
                     ERR_OK);
    assert_int_equal(lot, 2);
    struct tender_input edit = {0};
    edit.title = "新标题";
    assert_int_equal(tender_edit(f->s, &f->agent, id, 1, &edit, &why), ERR_CONFLICT);
    assert_int_equal(tender_edit(f->s, &f->agent, id, get(f, id).version, &edit, &why), ERR_OK);
    assert_string_equal(get(f, id).title, "新标题");
    edit.title = NULL;
    edit.category = "goods"; /* part of the code: fixed */
    assert_int_equal(tender_edit(f->s, &f->agent, id, 0, &edit, &why), ERR_INVALID_FIELD);
    assert_string_equal(why.field, "category");
    /* each write left its audit row and witness-log event */
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM audit_log WHERE object_type = 'tender'"
                           " AND action = 'tender.create'",
                           0),
                     tenders + 1);
    assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log WHERE action = 'tender.lot'", 0),
                     2);
}

static void test_publish_rules(void **state)
{
    struct fx *f = *state;
    struct tender_input in = good_input(T0, DAY);
    struct tender_refusal why;
    struct tender_changes ch;
    in.dates.bid_deadline = in.dates.doc_start + 20 * DAY - 1;
    int64_t id = create(f, &in);
    assert_int_equal(tender_publish(f->s, &f->agent, id, &ch, &why), ERR_MISSING_FIELD);
    assert_string_equal(why.field, "documents");
    /* documents: a name, a media type, a size limit (checked before any write) */
    char hash[BLOB_HASH_HEX + 1];
    int64_t v = 0;
    static const char big[1];
    assert_int_equal(
        tender_document_add(f->s, &f->agent, id, "../x.pdf", NULL, "x", 1, &v, hash, NULL, &why),
        ERR_INVALID_FIELD);
    assert_string_equal(why.field, "name");
    assert_int_equal(
        tender_document_add(f->s, &f->agent, id, "x.pdf", "pdf", "x", 1, &v, hash, NULL, &why),
        ERR_INVALID_FIELD);
    assert_string_equal(why.field, "media_type");
    assert_int_equal(tender_document_add(f->s, &f->agent, id, "x.pdf", NULL, big,
                                         (size_t)TENDER_DOC_MAX + 1, &v, hash, NULL, &why),
                     ERR_BODY_TOO_LARGE);
    assert_int_equal(
        tender_document_add(f->s, &f->agent, id, "x.pdf", NULL, "", 0, &v, hash, NULL, &why),
        ERR_MISSING_FIELD);
    assert_int_equal(
        tender_document_add(f->s, &f->bidder1, id, "x.pdf", NULL, "x", 1, &v, hash, NULL, &why),
        ERR_NOT_FOUND); /* a draft: invisible to bidders */
    assert_int_equal(count(f->s, "SELECT count(*) FROM tender_documents", 0), 0);
    upload(f, id);
    int64_t events = count(f->s, "SELECT count(*) FROM ledger_queue", 0);
    assert_int_equal(tender_publish(f->s, &f->agent, id, &ch, &why), ERR_RULE_DEADLINE_TOO_SOON);
    assert_string_equal(why.rule, "min_bid_days");
    assert_string_equal(why.field, "bid_deadline");
    assert_int_equal(why.limit, in.dates.doc_start + 20 * DAY);
    assert_int_equal(ch.n, 0);
    assert_string_equal(get(f, id).state, "draft");
    assert_int_equal(count(f->s, "SELECT count(*) FROM ledger_queue", 0), events);
    assert_int_equal(count(f->s, "SELECT count(*) FROM notices", 0), 0);

    struct tender_input fix = {0};
    fix.dates.bid_deadline = in.dates.doc_start + 20 * DAY;
    fix.has_bond = true;
    fix.bond_fen = 20000001; /* over 2 % */
    assert_int_equal(tender_edit(f->s, &f->agent, id, 0, &fix, &why), ERR_OK);
    assert_int_equal(tender_publish(f->s, &f->agent, id, &ch, &why), ERR_RULE_BOND_TOO_HIGH);
    assert_string_equal(why.field, "bond_fen");
    assert_int_equal(why.limit, 20000000);
    fix.bond_fen = 20000000;
    fix.has_min_bids = true;
    fix.min_bids = 2;
    assert_int_equal(tender_edit(f->s, &f->agent, id, 0, &fix, &why), ERR_OK);
    assert_int_equal(tender_publish(f->s, &f->agent, id, &ch, &why), ERR_RULE_MIN_BIDS_TOO_LOW);
    fix.min_bids = 3;
    assert_int_equal(tender_edit(f->s, &f->agent, id, 0, &fix, &why), ERR_OK);
    int64_t lot;
    assert_int_equal(tender_lot_add(f->s, &f->agent, id, "标段", 100000, 2001, &lot, &why), ERR_OK);
    assert_int_equal(tender_publish(f->s, &f->agent, id, &ch, &why), ERR_RULE_BOND_TOO_HIGH);
    assert_string_equal(why.field, "lots.bond_fen");

    /* a fresh one that passes */
    id = published(f, DAY);
    struct tender t = get(f, id);
    assert_string_equal(t.state, "published");
    assert_int_equal(t.published_ms, T0);
    assert_int_equal(t.original_deadline_ms, t.bid_deadline_ms);
    assert_int_equal(t.next_due_ms, t.doc_start_ms);
    assert_int_equal(
        count(f->s, "SELECT count(*) FROM notices WHERE ref_id = $1 AND kind = 'tender'", id), 1);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                           " AND action = 'publish' AND from_state = 'draft'"
                           " AND to_state = 'published'",
                           id),
                     1);
    /* documents out already: published and straight into bidding */
    id = published(f, 0);
    assert_string_equal(get(f, id).state, "bidding");
    /* editing after publication is refused */
    assert_int_equal(tender_edit(f->s, &f->agent, id, 0, &fix, &why), ERR_WRONG_STATE);
    assert_int_equal(tender_publish(f->s, &f->agent, id, &ch, &why), ERR_WRONG_STATE);
}

static void test_timers_and_catch_up(void **state)
{
    struct fx *f = *state;
    struct tender_changes ch;
    int64_t ids[8];
    int n = 0, moved = 0;
    /* scheduled: published at T0 + 2 days */
    struct tender_input in = good_input(T0 + 2 * DAY, DAY);
    int64_t id = create(f, &in);
    upload(f, id);
    assert_int_equal(tender_publish(f->s, &f->agent, id, &ch, NULL), ERR_OK);
    assert_int_equal(ch.n, 0); /* nothing public yet */
    struct tender t = get(f, id);
    assert_string_equal(t.state, "draft");
    assert_true(t.scheduled);
    assert_int_equal(t.next_due_ms, T0 + 2 * DAY);
    assert_int_equal(tender_due(f->s, clock_now_ms(), ids, 8, &n), STORE_OK);
    assert_int_equal(n, 0);
    /* an edit unschedules, publish schedules again */
    struct tender_input e = {0};
    e.title = "改";
    assert_int_equal(tender_edit(f->s, &f->agent, id, 0, &e, NULL), ERR_OK);
    assert_false(get(f, id).scheduled);
    assert_int_equal(get(f, id).next_due_ms, 0);
    assert_int_equal(tender_publish(f->s, &f->agent, id, NULL, NULL), ERR_OK);

    clock_manual_set(T0 + 2 * DAY - 1);
    assert_int_equal(tender_advance(f->s, id, &ch), ERR_OK);
    assert_int_equal(ch.n, 0);
    clock_manual_set(T0 + 2 * DAY);
    assert_int_equal(tender_due(f->s, clock_now_ms(), ids, 8, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], id);
    assert_int_equal(tender_advance(f->s, id, &ch), ERR_OK);
    assert_int_equal(ch.n, 1);
    assert_int_equal(ch.c[0].from, TS_DRAFT);
    assert_int_equal(ch.c[0].to, TS_PUBLISHED);
    assert_int_equal(ch.c[0].due_ms, T0 + 2 * DAY);
    assert_string_equal(ch.c[0].event, "tender.state");
    /* idempotent */
    assert_int_equal(tender_advance(f->s, id, &ch), ERR_OK);
    assert_int_equal(ch.n, 0);

    /* the server was down past doc_start AND the deadline: one round
     * catches up, each step with its nominal time and the actual time */
    t = get(f, id);
    int64_t late = t.bid_deadline_ms + 5 * DAY;
    clock_manual_set(late);
    assert_int_equal(tender_scheduler_run_once(f->s, NULL, &moved), STORE_OK);
    assert_int_equal(moved, 2);
    assert_string_equal(get(f, id).state, "opening");
    assert_int_equal(get(f, id).next_due_ms, 0);
}

/* Catching up: every step keeps its nominal time and the actual time. */
static void test_catch_up_times(void **state)
{
    struct fx *f = *state;
    struct store_tx *tx;
    struct page pg;
    int moved = 0;
    struct tender_input in = good_input(T0 + DAY, DAY);
    int64_t id = create(f, &in);
    upload(f, id);
    assert_int_equal(tender_publish(f->s, &f->agent, id, NULL, NULL), ERR_OK);
    struct tender t = get(f, id);
    int64_t late = t.bid_deadline_ms + 3 * DAY;
    clock_manual_set(late);
    assert_int_equal(tender_scheduler_run_once(f->s, NULL, &moved), STORE_OK);
    assert_int_equal(moved, 3);
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_tender_transition_list(tx, &f->a, id, 0, 10, &pg), STORE_OK);
    store_rollback(tx);
    struct tender_transition *tr = pg.items;
    assert_int_equal(pg.n, 4); /* schedule, release, bidding, opening */
    assert_string_equal(tr[0].action, "schedule");
    assert_string_equal(tr[1].action, "release");
    assert_int_equal(tr[1].due_ms, t.publish_at_ms);
    assert_string_equal(tr[2].action, "bidding");
    assert_int_equal(tr[2].due_ms, t.doc_start_ms);
    assert_string_equal(tr[3].action, "opening");
    assert_string_equal(tr[3].to_state, "opening");
    assert_int_equal(tr[3].due_ms, t.bid_deadline_ms);
    for (int i = 1; i < 4; i++) {
        assert_int_equal(tr[i].at_ms, late);
        assert_string_equal(tr[i].actor, "system");
    }
    assert_int_equal(moved, 3);
    assert_int_equal(tender_scheduler_run_once(f->s, NULL, &moved), STORE_OK);
    assert_int_equal(moved, 0);
    /* the witness log got every step */
    assert_int_equal(count(f->s, "SELECT count(*) FROM ledger_queue", 0) > 0, 1);
}

static void test_bidders(void **state)
{
    struct fx *f = *state;
    struct tender_refusal why;
    struct tender_document doc;
    struct tender_changes ch;
    struct buf bytes;
    int64_t qid = 0, no = 0;
    buf_init(&bytes, TENDER_DOC_MAX);
    int64_t id = published(f, DAY);
    struct tender t = get(f, id);

    assert_int_equal(tender_register(f->s, &f->bidder1, id, &why), ERR_OK);
    assert_int_equal(tender_register(f->s, &f->bidder1, id, &why), ERR_ALREADY_EXISTS);
    struct tender_caller insider = f->bidder1; /* a bidder of the agency itself */
    insider.org_id = f->org_agency;
    assert_int_equal(tender_register(f->s, &insider, id, &why), ERR_RULE_CONFLICT_OF_INTEREST);
    assert_string_equal(why.rule, "conflict_of_interest");
    /* documents are not out yet */
    assert_int_equal(tender_document_read(f->s, &f->bidder1, &f->a, id, 0, &doc, &bytes, &why),
                     ERR_WRONG_STATE);
    /* a question before the documents are out is fine */
    assert_int_equal(tender_ask(f->s, &f->bidder1, id, "工期是否可以调整？", &qid, &why), ERR_OK);
    assert_int_equal(tender_ask(f->s, &f->bidder2, id, "问题", &qid, &why), ERR_NOT_REGISTERED);

    clock_manual_set(t.doc_start_ms);
    int moved;
    assert_int_equal(tender_scheduler_run_once(f->s, NULL, &moved), STORE_OK);
    assert_string_equal(get(f, id).state, "bidding");
    assert_int_equal(tender_document_read(f->s, &f->bidder2, &f->a, id, 0, &doc, &bytes, &why),
                     ERR_NOT_REGISTERED);
    assert_int_equal(tender_document_read(f->s, &f->expert, &f->a, id, 0, &doc, &bytes, &why),
                     ERR_FORBIDDEN);
    assert_int_equal(tender_document_read(f->s, &f->bidder1, &f->a, id, 0, &doc, &bytes, &why),
                     ERR_OK);
    assert_int_equal(doc.version, 1);
    assert_true(bytes.len > 8 && memcmp(bytes.data, "%PDF-1.4", 8) == 0);
    assert_int_equal(tender_document_read(f->s, &f->bidder1, &f->a, id, 9, &doc, &bytes, &why),
                     ERR_NOT_FOUND);
    /* the agent and the supervisor read without being logged */
    assert_int_equal(tender_document_read(f->s, &f->agent, &f->a, id, 1, &doc, &bytes, &why),
                     ERR_OK);
    assert_int_equal(tender_document_read(f->s, &f->supervisor, &f->a, id, 1, &doc, &bytes, &why),
                     ERR_OK);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM tender_downloads WHERE tender_id = $1"
                           " AND remote_addr = '192.0.2.7'",
                           id),
                     1);

    /* a clarification answering the question, in time: no move */
    assert_int_equal(
        tender_clarify(f->s, &f->agent, id, "工期不可调整。", &qid, 1, 0, &no, &ch, &why), ERR_OK);
    assert_int_equal(no, 1);
    assert_int_equal(get(f, id).bid_deadline_ms, t.bid_deadline_ms);
    assert_int_equal(ch.n, 1);
    assert_string_equal(ch.c[0].event, "tender.clarification");
    /* the same question cannot be answered twice; unknown documents refused */
    assert_int_equal(tender_clarify(f->s, &f->agent, id, "再答", &qid, 1, 0, &no, &ch, &why),
                     ERR_INVALID_FIELD);
    assert_string_equal(why.field, "question_ids");
    assert_int_equal(tender_clarify(f->s, &f->agent, id, "附件", NULL, 0, 7, &no, &ch, &why),
                     ERR_INVALID_FIELD);
    assert_string_equal(why.field, "document_version");

    /* registration closes after doc_end, questions after clarify_deadline */
    clock_manual_set(t.doc_end_ms + 1);
    assert_int_equal(tender_register(f->s, &f->bidder2, id, &why), ERR_RULE_REGISTRATION_CLOSED);
    clock_manual_set(t.clarify_deadline_ms + 1);
    assert_int_equal(tender_ask(f->s, &f->bidder1, id, "晚了", &qid, &why),
                     ERR_RULE_QUESTIONS_CLOSED);

    /* a clarification with 14 days left moves the deadline to now + 15 */
    int64_t now = t.bid_deadline_ms - 14 * DAY;
    clock_manual_set(now);
    int64_t notices = count(f->s, "SELECT count(*) FROM notices WHERE kind = 'change'", 0);
    assert_int_equal(
        tender_clarify(f->s, &f->agent, id, "修改第三章。", NULL, 0, 1, &no, &ch, &why), ERR_OK);
    assert_int_equal(no, 2);
    assert_int_equal(get(f, id).bid_deadline_ms, now + 15 * DAY);
    assert_int_equal(get(f, id).original_deadline_ms, t.bid_deadline_ms);
    assert_int_equal(count(f->s, "SELECT count(*) FROM notices WHERE kind = 'change'", 0),
                     notices + 1);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM tender_clarifications WHERE tender_id = $1"
                           " AND no = 2 AND deadline_after_ms > deadline_before_ms",
                           id),
                     1);
    /* a new document version now is an amendment too: 15 days again */
    clock_manual_advance(DAY);
    upload(f, id);
    assert_int_equal(get(f, id).bid_deadline_ms, now + DAY + 15 * DAY);
    /* the deadline passes: downloads stop even before the timer runs */
    clock_manual_set(get(f, id).bid_deadline_ms + 1);
    assert_int_equal(tender_document_read(f->s, &f->bidder1, &f->a, id, 0, &doc, &bytes, &why),
                     ERR_WRONG_STATE);
    buf_release(&bytes);
}

static void test_objections(void **state)
{
    struct fx *f = *state;
    struct tender_refusal why;
    struct tender_changes ch;
    int64_t o1 = 0, o2 = 0;
    int moved;
    int64_t id = published(f, 0);
    struct tender t = get(f, id);
    assert_string_equal(t.state, "bidding");
    assert_int_equal(tender_register(f->s, &f->bidder1, id, &why), ERR_OK);
    assert_int_equal(tender_register(f->s, &f->bidder2, id, &why), ERR_OK);

    assert_int_equal(tender_object(f->s, &f->bidder3, id, "异议", &o1, &ch, &why),
                     ERR_NOT_REGISTERED);
    int64_t p0 = T0 + 2 * DAY;
    clock_manual_set(p0);
    assert_int_equal(tender_object(f->s, &f->bidder1, id, "评分标准倾向性明显。", &o1, &ch, &why),
                     ERR_OK);
    assert_int_equal(ch.n, 1);
    assert_string_equal(ch.c[0].event, "tender.paused");
    t = get(f, id);
    assert_true(t.paused);
    assert_int_equal(t.paused_since_ms, p0);
    assert_int_equal(t.next_due_ms, 0);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM tender_objections WHERE id = $1"
                           " AND answer_due_ms = raised_ms + 259200000",
                           o1),
                     1);
    /* paused: bidders' own steps wait, a second objection is fine */
    assert_int_equal(tender_register(f->s, &f->bidder3, id, &why), ERR_TENDER_PAUSED);
    assert_int_equal(tender_ask(f->s, &f->bidder1, id, "问", NULL, &why), ERR_TENDER_PAUSED);
    clock_manual_advance(DAY);
    assert_int_equal(tender_object(f->s, &f->bidder2, id, "资格条件过高。", &o2, &ch, &why),
                     ERR_OK);
    assert_int_equal(ch.n, 0); /* already paused */
    /* the deadline passes while paused: the timer does not run */
    clock_manual_set(t.bid_deadline_ms + DAY);
    assert_int_equal(tender_scheduler_run_once(f->s, NULL, &moved), STORE_OK);
    assert_int_equal(moved, 0);
    assert_string_equal(get(f, id).state, "bidding");
    /* answering one keeps it paused; answering twice is refused */
    int64_t r = p0 + 3 * DAY;
    clock_manual_set(r);
    assert_int_equal(tender_answer(f->s, &f->agent, id, o1, "已修改评分标准。", &ch, &why), ERR_OK);
    assert_int_equal(ch.n, 0);
    assert_true(get(f, id).paused);
    assert_int_equal(tender_answer(f->s, &f->agent, id, o1, "再答", &ch, &why), ERR_WRONG_STATE);
    assert_int_equal(tender_answer(f->s, &f->agent, id, 424242, "无", &ch, &why), ERR_NOT_FOUND);
    assert_int_equal(tender_answer(f->s, &f->other_agent, id, o2, "无", &ch, &why), ERR_NOT_OWNER);
    /* the last answer resumes; the pending dates move by the paused time */
    assert_int_equal(tender_answer(f->s, &f->agent, id, o2, "维持原条件。", &ch, &why), ERR_OK);
    assert_int_equal(ch.n, 1);
    assert_string_equal(ch.c[0].event, "tender.resumed");
    struct tender after = get(f, id);
    assert_false(after.paused);
    assert_int_equal(after.paused_total_ms, 3 * DAY);
    assert_int_equal(after.bid_deadline_ms, t.bid_deadline_ms + 3 * DAY);
    assert_int_equal(after.doc_end_ms, t.doc_end_ms + 3 * DAY);
    assert_int_equal(after.doc_start_ms, t.doc_start_ms); /* had passed */
    assert_int_equal(after.next_due_ms, after.bid_deadline_ms);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM tender_transitions WHERE tender_id = $1"
                           " AND action IN ('pause', 'resume')",
                           id),
                     2);
    /* objections close 10 days before the deadline */
    clock_manual_set(after.bid_deadline_ms - 10 * DAY + 1);
    assert_int_equal(tender_object(f->s, &f->bidder1, id, "晚", &o1, &ch, &why),
                     ERR_RULE_OBJECTION_TOO_LATE);
    assert_string_equal(why.rule, "objection_days");
    clock_manual_set(after.bid_deadline_ms - 10 * DAY);
    assert_int_equal(tender_object(f->s, &f->bidder1, id, "刚好", &o1, &ch, &why), ERR_OK);
}

static void test_cancel_and_rules(void **state)
{
    struct fx *f = *state;
    struct tender_refusal why;
    struct tender_changes ch;
    struct tender_input in = good_input(T0, DAY);
    int64_t draft = create(f, &in);
    assert_int_equal(tender_cancel(f->s, &f->agent, draft, NULL, &ch, &why), ERR_MISSING_FIELD);
    assert_string_equal(why.field, "reason");
    assert_int_equal(tender_cancel(f->s, &f->agent, draft, "项目取消", &ch, &why), ERR_OK);
    assert_int_equal(ch.n, 0); /* a draft was never public */
    assert_string_equal(get(f, draft).state, "cancelled");
    int64_t id = published(f, DAY);
    assert_int_equal(tender_cancel(f->s, &f->agent, id, "资金未落实", &ch, &why), ERR_OK);
    assert_int_equal(ch.n, 1);
    assert_int_equal(ch.c[0].to, TS_CANCELLED);
    assert_int_equal(get(f, id).next_due_ms, 0);
    assert_string_equal(get(f, id).cancel_reason, "资金未落实");
    assert_int_equal(
        count(f->s, "SELECT count(*) FROM notices WHERE ref_id = $1 AND kind = 'change'", id), 1);
    assert_int_equal(tender_cancel(f->s, &f->agent, id, "again", &ch, &why), ERR_WRONG_STATE);

    /* the operator raises a rule; nobody lowers it past the law */
    assert_int_equal(tender_rule_set(f->s, &f->agent, "open", "min_bid_days", 25, &why),
                     ERR_FORBIDDEN);
    assert_int_equal(tender_rule_set(f->s, &f->admin, "open", "min_bid_days", 19, &why),
                     ERR_RULE_BELOW_STATUTORY);
    assert_string_equal(why.rule, "min_bid_days");
    assert_int_equal(tender_rule_set(f->s, &f->admin, "open", "nonsense", 19, &why), ERR_NOT_FOUND);
    assert_int_equal(tender_rule_set(f->s, &f->admin, "open", "min_bid_days", 25, &why), ERR_OK);
    assert_int_equal(tender_rule_set(f->s, &f->admin, "open", "min_bid_days", 26, &why), ERR_OK);
    id = create(f, &in); /* 21 days: enough for the law, not for 26 */
    upload(f, id);
    assert_int_equal(tender_publish(f->s, &f->agent, id, &ch, &why), ERR_RULE_DEADLINE_TOO_SOON);
    assert_int_equal(why.limit, in.dates.doc_start + 26 * DAY);
    /* another procedure keeps its own */
    struct tender_input inv = good_input(T0, DAY);
    inv.procedure = "invited";
    id = create(f, &inv);
    upload(f, id);
    /* (an invited tender invites three: 招标投标法 art. 17, docs/tenders.md) */
    assert_int_equal(tender_publish(f->s, &f->agent, id, &ch, &why), ERR_RULE_TOO_FEW_INVITEES);
    assert_string_equal(why.rule, "min_invitees");
    const int64_t invitees[] = {f->org_b1, f->org_b2, f->org_b3};
    for (int i = 0; i < 3; i++)
        assert_int_equal(tender_invitee_add(f->s, &f->agent, id, invitees[i], NULL, NULL, &why),
                         ERR_OK);
    assert_int_equal(tender_publish(f->s, &f->agent, id, &ch, &why), ERR_OK);
}

/* ---- the matrix ---- */

enum {
    IMPL_EDIT,
    IMPL_LOT,
    IMPL_UPLOAD,
    IMPL_PUBLISH,
    IMPL_REGISTER,
    IMPL_DOWNLOAD,
    IMPL_ASK,
    IMPL_CLARIFY,
    IMPL_OBJECT,
    IMPL_ANSWER,
    IMPL_CANCEL,
    IMPL__COUNT
};

static const enum tender_action impl_action[IMPL__COUNT] = {
    TA_EDIT, TA_EDIT,    TA_UPLOAD, TA_PUBLISH, TA_REGISTER, TA_DOWNLOAD,
    TA_ASK,  TA_CLARIFY, TA_OBJECT, TA_ANSWER,  TA_CANCEL};

static enum err run_action(struct fx *f, int which, const struct tender_caller *c, int64_t id,
                           int64_t objection)
{
    struct tender_refusal why;
    struct tender_changes ch;
    struct tender_document doc;
    struct tender_input e = {0};
    static const char bytes[] = "doc";
    char hash[BLOB_HASH_HEX + 1];
    struct buf b;
    int64_t x;
    enum err r;
    switch (which) {
    case IMPL_EDIT:
        e.description = "说明";
        return tender_edit(f->s, c, id, 0, &e, &why);
    case IMPL_LOT:
        return tender_lot_add(f->s, c, id, "标段", 0, 0, &x, &why);
    case IMPL_UPLOAD:
        return tender_document_add(f->s, c, id, "a.pdf", "application/pdf", bytes, 3, &x, hash, &ch,
                                   &why);
    case IMPL_PUBLISH:
        return tender_publish(f->s, c, id, &ch, &why);
    case IMPL_REGISTER:
        return tender_register(f->s, c, id, &why);
    case IMPL_DOWNLOAD:
        buf_init(&b, 1 << 20);
        r = tender_document_read(f->s, c, &f->a, id, 0, &doc, &b, &why);
        buf_release(&b);
        return r;
    case IMPL_ASK:
        return tender_ask(f->s, c, id, "问", &x, &why);
    case IMPL_CLARIFY:
        return tender_clarify(f->s, c, id, "澄清", NULL, 0, 0, &x, &ch, &why);
    case IMPL_OBJECT:
        return tender_object(f->s, c, id, "异议", &x, &ch, &why);
    case IMPL_ANSWER:
        return tender_answer(f->s, c, id, objection, "答复", &ch, &why);
    default:
        return tender_cancel(f->s, c, id, "终止", &ch, &why);
    }
}

/* Every implemented step in every state, paused or not, by its proper
 * caller: refused with wrong_state / tender_paused exactly when the state
 * machine says so (drafts are invisible to bidders: not_found). */
static void test_state_action_matrix(void **state)
{
    struct fx *f = *state;
    int64_t id = published(f, 0); /* bidding, dates far ahead */
    int64_t objection = 0;
    struct tender_changes ch;
    assert_int_equal(tender_register(f->s, &f->bidder1, id, NULL), ERR_OK);
    assert_int_equal(tender_object(f->s, &f->bidder1, id, "x", &objection, &ch, NULL), ERR_OK);
    struct tender base = get(f, id);
    int checked = 0;
    for (int st = 0; st < TS__COUNT; st++) {
        for (int paused = 0; paused < 2; paused++) {
            for (int which = 0; which < IMPL__COUNT; which++) {
                /* force the state; reopen the objection so answer is possible */
                struct store_param p[] = {SP_T(tender_state_name((enum tender_state)st)),
                                          SP_I(paused), SP_I(id), SP_I(base.bid_deadline_ms)};
                exec1(f->s,
                      "UPDATE tenders SET state = $1, paused = $2, paused_since_ms ="
                      " CASE WHEN $2 = 1 THEN 1 ELSE NULL END, scheduled = 0,"
                      " bid_deadline_ms = $4, cancel_reason = NULL WHERE id = $3",
                      p, 4);
                struct store_param q[] = {SP_I(objection)};
                exec1(f->s,
                      "UPDATE tender_objections SET answer = NULL, answered_ms = NULL"
                      " WHERE id = $1",
                      q, 1);
                enum tender_action a = impl_action[which];
                const struct tender_caller *c =
                    tender_action_defs[a].roles == ROLE_BIDDER ? &f->bidder1 : &f->agent;
                enum err want = tender_action_check(a, (enum tender_state)st, paused);
                if (st == TS_DRAFT && c == &f->bidder1)
                    want = ERR_NOT_FOUND;
                enum err got = run_action(f, which, c, id, objection);
                if (want != ERR_OK) {
                    if (got != want)
                        fail_msg("action %s in %s%s: got %s, want %s", tender_action_defs[a].name,
                                 tender_state_name((enum tender_state)st),
                                 paused ? " (paused)" : "", err_code(got), err_code(want));
                } else if (got == ERR_WRONG_STATE || got == ERR_TENDER_PAUSED ||
                           got == ERR_NOT_FOUND || got == ERR_FORBIDDEN || got == ERR_NOT_OWNER) {
                    fail_msg("action %s in %s%s: refused (%s) though allowed",
                             tender_action_defs[a].name, tender_state_name((enum tender_state)st),
                             paused ? " (paused)" : "", err_code(got));
                }
                checked++;
            }
        }
    }
    assert_int_equal(checked, TS__COUNT * 2 * IMPL__COUNT);

    /* the timers: each state with every date passed, only its own moves */
    for (int st = 0; st < TS__COUNT; st++) {
        for (int paused = 0; paused < 2; paused++) {
            struct store_param p[] = {SP_T(tender_state_name((enum tender_state)st)), SP_I(paused),
                                      SP_I(id), SP_I(clock_now_ms() - 1)};
            exec1(f->s,
                  "UPDATE tenders SET state = $1, paused = $2, scheduled = 1,"
                  " publish_at_ms = $4, doc_start_ms = $4, doc_end_ms = $4,"
                  " clarify_deadline_ms = $4, bid_deadline_ms = $4, next_due_ms = $4 WHERE id = $3",
                  p, 4);
            assert_int_equal(tender_advance(f->s, id, &ch), ERR_OK);
            const char *now_state = get(f, id).state;
            if (paused || st > TS_BIDDING) {
                assert_int_equal(ch.n, 0);
                assert_string_equal(now_state, tender_state_name((enum tender_state)st));
            } else {
                assert_int_equal(ch.n, TS_OPENING - st); /* walks on to opening */
                assert_string_equal(now_state, "opening");
            }
        }
    }
}

/* Wrong role and wrong owner for every implemented step, in a state that
 * allows it: nothing is written. */
static void test_roles_and_owners(void **state)
{
    struct fx *f = *state;
    struct tender_changes ch;
    struct tender_input in = good_input(T0, 0);
    int64_t draft = create(f, &in);
    upload(f, draft);
    int64_t live = published(f, 0);
    int64_t objection = 0;
    assert_int_equal(tender_register(f->s, &f->bidder1, live, NULL), ERR_OK);
    assert_int_equal(tender_object(f->s, &f->bidder1, live, "x", &objection, &ch, NULL), ERR_OK);
    int64_t audits = count(f->s, "SELECT count(*) FROM audit_log", 0);
    int64_t events = count(f->s, "SELECT count(*) FROM ledger_queue", 0);
    int64_t version = get(f, live).version;
    for (int which = 0; which < IMPL__COUNT; which++) {
        enum tender_action a = impl_action[which];
        bool agent_step = tender_action_defs[a].roles == ROLE_AGENT;
        int64_t id = (a == TA_EDIT || a == TA_PUBLISH) ? draft : live;
        const struct tender_caller *wrong_role[] = {agent_step ? &f->bidder1 : &f->other_agent,
                                                    &f->expert, &f->admin};
        for (size_t i = 0; i < sizeof wrong_role / sizeof wrong_role[0]; i++) {
            enum err got = run_action(f, which, wrong_role[i], id, objection);
            /* a draft does not exist for those who may not see it */
            enum err want = id == draft ? ERR_NOT_FOUND : ERR_FORBIDDEN;
            if (a == TA_DOWNLOAD && got == ERR_FORBIDDEN)
                want = ERR_FORBIDDEN;
            if (got != want)
                fail_msg("%s by %s: got %s, want %s", tender_action_defs[a].name,
                         wrong_role[i]->who.name, err_code(got), err_code(want));
        }
        /* the supervisor sees drafts but acts on nothing */
        if (a != TA_DOWNLOAD)
            assert_int_equal(run_action(f, which, &f->supervisor, id, objection), ERR_FORBIDDEN);
        if (agent_step) {
            enum err got = run_action(f, which, &f->other_agent, id, objection);
            if (got != (id == draft ? ERR_NOT_FOUND : ERR_NOT_OWNER))
                fail_msg("%s by another agency: got %s", tender_action_defs[a].name, err_code(got));
        }
    }
    assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log", 0), audits);
    assert_int_equal(count(f->s, "SELECT count(*) FROM ledger_queue", 0), events);
    assert_int_equal(get(f, live).version, version);
    /* the tenderer's own agent acts like the agency */
    assert_int_equal(run_action(f, IMPL_ANSWER, &f->owner_agent, live, objection), ERR_NOT_OWNER);
    struct tender_input own = good_input(T0, 0);
    own.has_owner_org = true;
    own.owner_org_id = f->org_owner;
    int64_t id = create(f, &own);
    assert_int_equal(run_action(f, IMPL_UPLOAD, &f->owner_agent, id, 0), ERR_OK);
    assert_int_equal(run_action(f, IMPL_PUBLISH, &f->owner_agent, id, 0), ERR_OK);
    assert_int_equal(run_action(f, IMPL_REGISTER, &f->owner_bidder, id, 0),
                     ERR_RULE_CONFLICT_OF_INTEREST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timers_and_catch_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catch_up_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bidders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_action_matrix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roles_and_owners, setup, teardown),
    };
    return unit_run_on_stores("tender", tests, sizeof tests / sizeof tests[0]) != 0;
}
