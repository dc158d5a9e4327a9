/*
 * Unit tests of the draw's pool cache and snapshot storage (domain/draw.c,
 * docs/draw.md "Storage") over a real store, with a manual clock and a
 * real witness log:
 *
 *   - a draw stores its pool blob and excluded list; its record rebuilds
 *     the snapshot from them and `draw verify`'s checks all pass; the same
 *     draw stored the old way (the snapshot's own blob, no pool) gives the
 *     same record and verifies too; a pool blob that does not give the
 *     recorded snapshot is refused;
 *   - the pool cache never serves a stale pool: between two draws an
 *     expert is suspended, moved to another region, given another
 *     specialty and linked to a bidder's relation, each through a second
 *     store handle on the same database (another process or node), and the
 *     second draw sees every change; a draw through that second handle
 *     sees them too;
 *   - the warmer (draw_pool_warm, one round at a time, no sleeping): after
 *     an edit one round builds the base and writes its blob, so the next
 *     draw does neither (draw_pool_stats counts them); two rounds at once
 *     build once.
 *
 * Every case runs on each store in SUNBID_TEST_STORES (default "sqlite").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/roles.h"
#include "crypto/password.h"
#include "domain/draw.h"
#include "domain/expert.h"
#include "domain/tender.h"
#include "domain/uscc.h"
#include "ledger/ledger.h"
#include "store/draws.h"

#include "unit_store_fixture.h"

#define DAY      ((int64_t)86400000)
#define T0       ((int64_t)1767225600000) /* 2026-01-01T00:00:00Z */
#define NEXPERTS 24

struct fx {
    struct store *s;
    struct arena a;
    char dir[512];
    char schema[64];
    char url[1024];
    const char *open_url; /* what store_open took (NULL: SQLite in dir) */
    struct ledger_log log;
    int64_t org_agency, org_owner, org_b1;
    struct tender_caller agent, bidder1, supervisor;
    int64_t ex[NEXPERTS];
};

/* Experts E1..E24 in 350102, A01.02, active; E1 works for the tenderer. */
static void make_pool(struct fx *f)
{
    struct store_tx *tx;
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    for (int i = 0; i < NEXPERTS; i++) {
        char code[16];
        const char *spec = "A01.02";
        struct expert e = {0};
        snprintf(code, sizeof code, "E%d", i + 1);
        e.code = code;
        e.name = "专家";
        e.region = "350102";
        e.employer = i == 0 ? "榕城市城乡建设局" : "某单位";
        e.title = "高级工程师";
        e.title_level = "senior";
        e.years = 10;
        e.status = "active";
        e.created_ms = e.updated_ms = T0;
        e.version = 1;
        assert_int_equal(store_expert_insert(tx, &e, &f->ex[i]), STORE_OK);
        assert_int_equal(store_expert_specs_set(tx, f->ex[i], &spec, 1), STORE_OK);
    }
    assert_int_equal(store_commit(tx), STORE_OK);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[256];
    int applied;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    static int seq;
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "%s/drawpool-%d-%d", tmp ? tmp : "/tmp", (int)getpid(), seq++);
    password_set_cost(10);
    clock_manual(T0);
    f->open_url = g_url;
    if (is_pg(g_url)) {
        char sql[128];
        snprintf(f->schema, sizeof(f->schema), "sbt_drawpool_%d_%d", (int)getpid(), seq);
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
        if (admin_exec(f->dir, sql) != STORE_OK)
            fail_msg("cannot create schema %s", f->schema);
        snprintf(f->url, sizeof(f->url), "%s%soptions=-csearch_path%%3D%s", g_url,
                 strchr(g_url, '?') ? "&" : "?", f->schema);
        f->open_url = f->url;
    }
    if (store_open(&f->s, f->open_url, f->dir, err, sizeof(err)) != STORE_OK)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_migrate(f->s, &applied), STORE_OK);
    struct ledger_options lo = {.checkpoint_every = 1};
    assert_int_equal(ledger_log_open(f->s, f->dir, &lo, &f->log, err, sizeof err), STORE_OK);
    arena_init(&f->a, 0);
    f->org_agency = make_org(f->s, "榕城招标代理有限公司", "91350100MA2YK0A1X");
    f->org_owner = make_org(f->s, "榕城市城乡建设局", "11350100003600012");
    f->org_b1 = make_org(f->s, "海峡建工集团有限公司", "91350000158143215");
    f->agent = make_caller(f->s, "agent", ROLE_AGENT, f->org_agency);
    f->bidder1 = make_caller(f->s, "bidder1", ROLE_BIDDER, f->org_b1);
    f->supervisor = make_caller(f->s, "supervisor", ROLE_SUPERVISOR, 0);
    make_pool(f);
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
    clock_system();
    free(f);
    return 0;
}

static void sequence(struct fx *f)
{
    int n = 0;
    int64_t signed_size = -1;
    clock_manual_advance(10);
    assert_int_equal(ledger_sequencer_run_once(f->s, &f->log, &n, &signed_size), STORE_OK);
}

/* A tender in bidding with bidder1 registered. */
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
    return id;
}

/* Creates and runs (through store s) a draw of 5 A01 experts in 3501
 * with 2 reserves. */
static int64_t draw_on(struct fx *f, struct store *s, int64_t tender)
{
    struct draw_input in = {0};
    struct expert_refusal why;
    int64_t id = 0;
    in.eval_start_ms = clock_now_ms() + 22 * DAY;
    in.eval_end_ms = in.eval_start_ms + DAY;
    in.nreq = 1;
    snprintf(in.req[0].specialty, sizeof in.req[0].specialty, "A01");
    snprintf(in.req[0].region, sizeof in.req[0].region, "350100");
    in.req[0].count = 5;
    in.req[0].reserves = 2;
    enum err e = draw_create(s, &f->agent, tender, &in, &id, &why);
    if (e != ERR_OK)
        fail_msg("draw_create: %s (%s)", err_code(e), why.detail);
    sequence(f);
    e = draw_run(s, &f->supervisor, id, &why);
    if (e != ERR_OK)
        fail_msg("draw_run: %s %s", err_code(e), why.detail);
    return id;
}

/* The record of a draw, parsed and verified (every check passes). */
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

static const struct draw_expert *snap_expert(const struct draw_record *r, int64_t id)
{
    for (size_t i = 0; i < r->nexperts; i++)
        if (r->experts[i].id == id)
            return &r->experts[i];
    return NULL;
}

static const char *reason_of(const struct draw_record *r, int64_t id)
{
    for (size_t i = 0; i < r->nexcluded; i++)
        if (r->excluded[i].id == id)
            return r->excluded[i].reason;
    return NULL;
}

static void get_draw(struct fx *f, int64_t id, struct draw_row *d)
{
    struct store_tx *tx;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_draw_get(tx, &f->a, id, d), STORE_OK);
    store_rollback(tx);
}

static void put_draw(struct fx *f, struct draw_row *d)
{
    struct store_tx *tx;
    int64_t ver = d->version++;
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_draw_update(tx, d, ver), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
}

static void cancel(struct fx *f, int64_t draw)
{
    assert_int_equal(draw_cancel(f->s, &f->agent, draw, "next"), ERR_OK);
    clock_manual_advance(31 * DAY); /* past the 30-day limit of its members */
}

static void test_new_and_old_format(void **state)
{
    struct fx *f = *state;
    struct draw_record r, old;
    struct draw_row d;
    int64_t tender = bidding_tender(f);
    int64_t draw = draw_on(f, f->s, tender);

    /* stored as a pool and an excluded list; the record rebuilds the snapshot */
    get_draw(f, draw, &d);
    assert_non_null(d.pool_sha);
    assert_non_null(d.excluded_sha);
    record_of(f, draw, &r);
    assert_string_equal(r.snapshot_sha, d.snapshot_sha);
    assert_int_equal(r.nexperts, NEXPERTS - 1);
    assert_null(snap_expert(&r, f->ex[0]));
    assert_string_equal(reason_of(&r, f->ex[0]), "employee");
    assert_non_null(snap_expert(&r, f->ex[1]));
    assert_int_equal(r.norder[0], 7);

    /* the same draw stored the old way: the snapshot's own blob */
    struct buf text;
    char hash[BLOB_HASH_HEX + 1];
    buf_init(&text, (size_t)16 << 20);
    assert_int_equal(drawalg_snapshot_text(r.experts, r.nexperts, &text), DRAWALG_OK);
    assert_int_equal(blob_put(f->s, text.data, text.len, hash), STORE_OK);
    buf_release(&text);
    assert_string_equal(hash, d.snapshot_sha);
    const char *pool_sha = d.pool_sha, *excl_sha = d.excluded_sha;
    d.pool_sha = NULL;
    put_draw(f, &d);
    record_of(f, draw, &old);
    assert_string_equal(old.snapshot_sha, r.snapshot_sha);
    assert_int_equal(old.nexperts, r.nexperts);
    for (size_t i = 0; i < r.norder[0]; i++)
        assert_int_equal(old.orders[0][i], r.orders[0][i]);

    /* a pool blob that does not give the recorded snapshot is refused */
    struct buf b;
    buf_init(&b, (size_t)16 << 20);
    d.pool_sha = excl_sha; /* a blob, but not this draw's pool */
    put_draw(f, &d);
    assert_int_not_equal(draw_record_export(f->s, &f->supervisor, draw, &b), ERR_OK);
    d.pool_sha = pool_sha;
    d.excluded_sha = hash; /* the excluded list replaced by the snapshot: malformed */
    put_draw(f, &d);
    buf_reset(&b);
    assert_int_not_equal(draw_record_export(f->s, &f->supervisor, draw, &b), ERR_OK);
    d.excluded_sha = excl_sha;
    put_draw(f, &d);
    buf_reset(&b);
    assert_int_equal(draw_record_export(f->s, &f->supervisor, draw, &b), ERR_OK);
    buf_release(&b);
}

static void edit_expert(struct store *s, struct arena *a, int64_t id, const char *status,
                        const char *region)
{
    struct store_tx *tx;
    struct expert e;
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_expert_get(tx, a, id, &e), STORE_OK);
    if (status != NULL)
        e.status = status;
    if (region != NULL)
        e.region = region;
    e.version++;
    assert_int_equal(store_expert_update(tx, &e), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
}

static void test_cache_sees_every_change(void **state)
{
    struct fx *f = *state;
    struct draw_record r1, r2, r3;
    struct store *other = NULL;
    struct store_tx *tx;
    char err[256];
    int64_t v1 = 0, v2 = 0;
    int64_t tender = bidding_tender(f);
    int64_t draw = draw_on(f, f->s, tender);
    record_of(f, draw, &r1);
    for (int i = 1; i < 6; i++)
        assert_non_null(snap_expert(&r1, f->ex[i]));
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_pool_version(tx, &v1), STORE_OK);
    store_rollback(tx);
    cancel(f, draw);

    /* a second handle on the same database changes the pool */
    if (store_open(&other, f->open_url, f->dir, err, sizeof(err)) != STORE_OK)
        fail_msg("store_open: %s", err);
    edit_expert(other, &f->a, f->ex[1], "suspended", NULL);
    edit_expert(other, &f->a, f->ex[2], NULL, "350200"); /* out of 3501 */
    {
        const char *spec = "C01.03";
        struct expert_relation rel = {0};
        rel.kind = "relative";
        rel.org_name = "海峡建工集团有限公司";
        assert_int_equal(store_begin(other, STORE_WRITE, &tx), STORE_OK);
        assert_int_equal(store_expert_specs_set(tx, f->ex[3], &spec, 1), STORE_OK);
        assert_int_equal(store_expert_relations_set(tx, f->ex[4], &rel, 1, clock_now_ms()),
                         STORE_OK);
        assert_int_equal(store_commit(tx), STORE_OK);
    }
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_pool_version(tx, &v2), STORE_OK);
    store_rollback(tx);
    assert_int_not_equal(v1, v2);

    /* the first handle's next draw sees all of it */
    draw = draw_on(f, f->s, tender);
    record_of(f, draw, &r2);
    assert_null(snap_expert(&r2, f->ex[1]));
    assert_string_equal(reason_of(&r2, f->ex[1]), "suspended");
    const struct draw_expert *x = snap_expert(&r2, f->ex[2]);
    assert_non_null(x);
    assert_string_equal(x->region, "350200");
    x = snap_expert(&r2, f->ex[3]);
    assert_non_null(x);
    assert_int_equal(x->nspecs, 3);
    assert_string_equal(x->specs[2], "C01.03");
    assert_null(snap_expert(&r2, f->ex[4]));
    assert_string_equal(reason_of(&r2, f->ex[4]), "relation");
    for (size_t i = 0; i < r2.norder[0]; i++)
        for (int k = 1; k < 5; k++)
            assert_int_not_equal(r2.orders[0][i], f->ex[k]);
    cancel(f, draw);

    /* a draw through the other handle, then an edit through the first */
    draw = draw_on(f, other, tender);
    cancel(f, draw);
    edit_expert(f->s, &f->a, f->ex[1], "active", NULL);
    draw = draw_on(f, other, tender);
    record_of(f, draw, &r3);
    assert_non_null(snap_expert(&r3, f->ex[1]));
    store_close(other);
}

/* The version read through tx. */
static int64_t version_in(struct store_tx *tx)
{
    int64_t v = 0;
    assert_int_equal(store_pool_version(tx, &v), STORE_OK);
    return v;
}

static int64_t version_of(struct store *s)
{
    struct store_tx *tx;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    int64_t v = version_in(tx);
    store_rollback(tx);
    return v;
}

/* One statement of plain SQL (no sunbid expert code) through s, in its own
 * transaction: when bumps, the database's triggers bump the pool's version
 * within it, visible to the writer before its commit; else it stays. */
static void plain_sql(struct store *s, const char *sql, int64_t id, bool bumps)
{
    struct store_tx *tx;
    struct store_param p[] = {SP_I(id)};
    int64_t changes = 0;
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    int64_t before = version_in(tx);
    assert_int_equal(store_exec(tx, sql, p, id != 0 ? 1 : 0, &changes), STORE_OK);
    assert_true(changes > 0);
    if (bumps)
        assert_int_not_equal(version_in(tx), before);
    else
        assert_int_equal(version_in(tx), before);
    assert_int_equal(store_commit(tx), STORE_OK);
}

/* A hand-written SQL fix (or an older binary) on another handle changes
 * experts, their specialties and the tree without any sunbid code: the
 * version changes with each statement, and the next draw through the first
 * handle rebuilds the pool and sees every change. */
static void test_plain_sql_rebuilds(void **state)
{
    struct fx *f = *state;
    struct draw_pool_stats s0, s1;
    struct draw_record r;
    struct store *other = NULL;
    char err[256];
    int64_t tender = bidding_tender(f);
    int64_t draw = draw_on(f, f->s, tender);
    cancel(f, draw);
    draw = draw_on(f, f->s, tender); /* cached: builds nothing */
    cancel(f, draw);
    draw_pool_stats(&s0);

    if (store_open(&other, f->open_url, f->dir, err, sizeof(err)) != STORE_OK)
        fail_msg("store_open: %s", err);
    int64_t v = version_of(f->s);
    plain_sql(other, "UPDATE experts SET status = 'suspended' WHERE id = $1", f->ex[1], true);
    assert_int_not_equal(version_of(f->s), v);
    v = version_of(f->s);
    plain_sql(other, "DELETE FROM expert_specialty_links WHERE expert_id = $1", f->ex[2], true);
    assert_int_not_equal(version_of(f->s), v);
    v = version_of(f->s);
    plain_sql(other, "INSERT INTO expert_specialty_links (expert_id, code) VALUES ($1, 'C01.03')",
              f->ex[3], true);
    assert_int_not_equal(version_of(f->s), v);
    v = version_of(f->s);
    plain_sql(other, "UPDATE expert_specialties SET name_en = 'renamed' WHERE code = 'A01.02'", 0,
              true);
    assert_int_not_equal(version_of(f->s), v);
    v = version_of(f->s);
    plain_sql(other, "UPDATE experts SET region = '350200' WHERE id = $1", f->ex[4], true);
    assert_int_not_equal(version_of(f->s), v);
    store_close(other);

    /* what a draw reads afresh bumps nothing */
    v = version_of(f->s);
    plain_sql(f->s,
              "INSERT INTO expert_relations (expert_id, kind, org_name, created_ms)"
              " VALUES ($1, 'relative', 'x', 0)",
              f->ex[5], false);
    assert_int_equal(version_of(f->s), v);

    draw = draw_on(f, f->s, tender);
    draw_pool_stats(&s1);
    assert_int_equal(s1.builds, s0.builds + 1);
    record_of(f, draw, &r);
    assert_null(snap_expert(&r, f->ex[1]));
    assert_string_equal(reason_of(&r, f->ex[1]), "suspended");
    assert_null(snap_expert(&r, f->ex[2]));
    assert_string_equal(reason_of(&r, f->ex[2]), "no_specialty");
    const struct draw_expert *x = snap_expert(&r, f->ex[3]);
    assert_non_null(x);
    assert_int_equal(x->nspecs, 6); /* A01.02, C01.03 and their ancestors */
    x = snap_expert(&r, f->ex[4]);
    assert_non_null(x);
    assert_string_equal(x->region, "350200");
    cancel(f, draw);
}

/* The warmer, driven one round at a time: after an expert edit one round
 * builds the new base and writes its blob, and the next draw does
 * neither; a round with nothing new does nothing; two rounds at once
 * build once. */
static void *warm_thread(void *arg)
{
    struct fx *f = arg;
    bool built = false;
    return draw_pool_warm(f->s, &built) == STORE_OK ? arg : NULL;
}

static void test_warmer_ahead_of_draws(void **state)
{
    struct fx *f = *state;
    struct draw_pool_stats s0, s1, s2;
    struct draw_record r;
    struct draw_row d;
    struct buf blob;
    bool built = true;
    int64_t tender = bidding_tender(f);
    int64_t draw = draw_on(f, f->s, tender); /* builds the base itself */
    cancel(f, draw);

    /* nothing changed: a round does nothing */
    draw_pool_stats(&s0);
    assert_int_equal(draw_pool_warm(f->s, &built), STORE_OK);
    assert_false(built);
    draw_pool_stats(&s1);
    assert_int_equal(s1.builds, s0.builds);
    assert_int_equal(s1.blob_writes, s0.blob_writes);

    /* an edit: one round builds and writes the blob, a second does nothing */
    edit_expert(f->s, &f->a, f->ex[1], "suspended", NULL);
    assert_int_equal(draw_pool_warm(f->s, &built), STORE_OK);
    assert_true(built);
    draw_pool_stats(&s1);
    assert_int_equal(s1.builds, s0.builds + 1);
    assert_int_equal(s1.blob_writes, s0.blob_writes + 1);
    assert_int_equal(draw_pool_warm(f->s, &built), STORE_OK);
    assert_false(built);

    /* the draw finds both ready, and sees the edit */
    draw = draw_on(f, f->s, tender);
    draw_pool_stats(&s2);
    assert_int_equal(s2.builds, s1.builds);
    assert_int_equal(s2.blob_writes, s1.blob_writes);
    record_of(f, draw, &r);
    assert_null(snap_expert(&r, f->ex[1]));
    assert_string_equal(reason_of(&r, f->ex[1]), "suspended");
    get_draw(f, draw, &d);
    assert_non_null(d.pool_sha);
    buf_init(&blob, (size_t)1 << 20);
    assert_int_equal(blob_get(f->s, d.pool_sha, &blob), STORE_OK);
    assert_true(blob.len > 0);
    buf_release(&blob);
    cancel(f, draw);

    /* two rounds at once after an edit: one build, one blob */
    edit_expert(f->s, &f->a, f->ex[1], "active", NULL);
    pthread_t th[2];
    void *ok[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, warm_thread, f), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(th[i], &ok[i]), 0);
        assert_ptr_equal(ok[i], f);
    }
    draw_pool_stats(&s0);
    assert_int_equal(s0.builds, s2.builds + 1);
    assert_int_equal(s0.blob_writes, s2.blob_writes + 1);

    /* the thread starts and stops cleanly (its rounds are the ones above) */
    struct draw_warmer *w = draw_warmer_start(f->s, 60000);
    assert_non_null(w);
    draw_warmer_stop(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_and_old_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_sees_every_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_sql_rebuilds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warmer_ahead_of_draws, setup, teardown),
    };
    return unit_run_on_stores("draw pool", tests, sizeof tests / sizeof tests[0]) != 0;
}
