/*
 * Migration 27 (objections belong to a round) on a SQLite database that was
 * at migration 26 with objections of a lot in its second round: each gets
 * the round it was raised in (the first ended round that ended at or after
 * it was raised, else the lot's current round, else 1), the still open ones
 * of an ended round are closed as superseded at that round's end
 * (answered_by NULL), answered ones keep their answer; the open count and
 * the "objection first" count (store_award_objections) then take only the
 * lot's current round.
 *
 * The database at 26 is made as test_eval_migrate makes its one at 21: the
 * store's own migration texts with schema_migrations, generic parent rows,
 * checks and foreign keys off; then the store migrates it the ordinary
 * way. PostgreSQL's migration 27 runs on every fresh PostgreSQL database of
 * the integration tests (award_pg and the others).
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
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/arena.h"
#include "store/award.h"
#include "store/evaluation.h"
#include "store/sqlite/sqlite.h"
#include "store/store.h"

#define AT_VERSION 26

static void db_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
}

/* One row with id 1 in table: every NOT NULL column without a default
 * gets 1 (numbers) or '1' (text). */
static void parent_row(sqlite3 *db, const char *table)
{
    char q[256], cols[4096] = "", vals[4096] = "";
    sqlite3_stmt *st = NULL;
    snprintf(q, sizeof q,
             "SELECT name, upper(type), \"notnull\", dflt_value, pk FROM pragma_table_info('%s')",
             table);
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        bool need = sqlite3_column_int(st, 2) && sqlite3_column_type(st, 3) == SQLITE_NULL;
        if (!need && sqlite3_column_int(st, 4) == 0)
            continue;
        size_t nc = strlen(cols), nv = strlen(vals);
        snprintf(cols + nc, sizeof cols - nc, "%s%s", nc ? ", " : "", name);
        snprintf(vals + nv, sizeof vals - nv, "%s%s", nv ? ", " : "",
                 type && strstr(type, "INT")    ? "1"
                 : type && strstr(type, "BLOB") ? "x'01'"
                                                : "'1'");
    }
    sqlite3_finalize(st);
    char sql[8500];
    snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES (%s)", table, cols, vals);
    db_exec(db, sql);
}

/* A database at migration 26 in dir/sunbid.db: lot 1 in round 2 (round 1
 * ended at 50), lot 2 in round 1, lot 3 without an evaluation. */
static void make_v26(const char *dir)
{
    char path[600];
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/sunbid.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    db_exec(db, "PRAGMA foreign_keys=OFF; PRAGMA ignore_check_constraints=ON;");
    db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL, applied_ms BIGINT NOT NULL)");
    assert_true(sqlite_nmigrations > AT_VERSION);
    for (int i = 0; i < AT_VERSION; i++) {
        char ins[200];
        db_exec(db, sqlite_migrations[i].sql);
        snprintf(ins, sizeof ins,
                 "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (%d, 'm', 1)",
                 sqlite_migrations[i].version);
        db_exec(db, ins);
    }
    parent_row(db, "users");
    parent_row(db, "orgs");
    parent_row(db, "tenders");
    db_exec(db, "PRAGMA ignore_check_constraints=OFF;");
    db_exec(db, "INSERT INTO evaluations (tender_id, lot_no, round, phase, method, template,"
                " template_sha, bidders, created_ms, updated_ms, version) VALUES"
                " (1, 1, 2, 'publicity', 'lowest_price', '{}', 'aa', '[]', 5, 55, 3),"
                " (1, 2, 1, 'publicity', 'lowest_price', '{}', 'aa', '[]', 5, 55, 1);"
                "INSERT INTO evaluation_rounds (tender_id, lot_no, round, reason, ended_ms)"
                " VALUES (1, 1, 1, 're-evaluation', 50);"
                "INSERT INTO evaluation_objections (id, tender_id, lot_no, org_id, user_id, body,"
                " raised_ms, due_ms, answer, answered_by, answered_ms) VALUES"
                " (17, 1, 1, 1, 1, 'open in round 1', 12, 13, NULL, NULL, NULL),"
                " (18, 1, 1, 1, 1, 'answered in round 1', 10, 13, 'ok', 1, 20),"
                " (19, 1, 1, 1, 1, 'open in round 2', 60, 70, NULL, NULL, NULL),"
                " (20, 1, 2, 1, 1, 'open, lot 2', 30, 40, NULL, NULL, NULL),"
                " (21, 1, 3, 1, 1, 'lot 3', 5, 6, NULL, NULL, NULL);");
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static const struct eval_objection *find(const struct page *pg, int64_t id)
{
    for (int k = 0; k < pg->n; k++)
        if (((const struct eval_objection *)pg->items)[k].id == id)
            return (const struct eval_objection *)pg->items + k;
    fail_msg("objection %lld missing", (long long)id);
    return NULL;
}

static void test_migrate_27(void **state)
{
    char dir[512], err[256], cmd[600];
    const char *tmp = getenv("SUNBID_TEST_TMP");
    struct store *s = NULL;
    struct store_tx *tx = NULL;
    struct arena a;
    struct page pg;
    int applied = 0, v = 0;
    int64_t n = -1;
    (void)state;
    mkdir(tmp ? tmp : "/tmp", 0755);
    snprintf(dir, sizeof dir, "%s/objmig-%d", tmp ? tmp : "/tmp", (int)getpid());
    mkdir(dir, 0755);
    make_v26(dir);

    assert_int_equal(store_open(&s, NULL, dir, err, sizeof err), STORE_OK);
    assert_int_equal(store_schema_version(s, &v), STORE_OK);
    assert_int_equal(v, AT_VERSION);
    assert_int_equal(store_migrate(s, &applied), STORE_OK);
    assert_int_equal(applied, sqlite_nmigrations - AT_VERSION);

    arena_init(&a, 0);
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_eval_objections(tx, &a, 1, 1, 10, &pg), STORE_OK);
    assert_int_equal(pg.n, 3);
    const struct eval_objection *o = find(&pg, 17);
    assert_int_equal(o->round, 1); /* raised before round 1 ended */
    assert_string_equal(o->answer, "superseded: re-evaluation round 2 started");
    assert_int_equal(o->answered_ms, 50);
    assert_int_equal(o->answered_by, 0);
    o = find(&pg, 18);
    assert_int_equal(o->round, 1);
    assert_string_equal(o->answer, "ok"); /* an answer stays */
    assert_int_equal(o->answered_ms, 20);
    assert_int_equal(o->answered_by, 1);
    o = find(&pg, 19);
    assert_int_equal(o->round, 2); /* after: the current round */
    assert_null(o->answer);
    assert_int_equal(o->answered_ms, 0);
    assert_int_equal(store_eval_objections(tx, &a, 1, 2, 10, &pg), STORE_OK);
    assert_int_equal(pg.n, 1);
    assert_int_equal(find(&pg, 20)->round, 1);
    assert_int_equal(find(&pg, 20)->answered_ms, 0);
    assert_int_equal(store_eval_objections(tx, &a, 1, 3, 10, &pg), STORE_OK);
    assert_int_equal(find(&pg, 21)->round, 1); /* no evaluation: 1 */

    /* counts of the current round only */
    assert_int_equal(store_eval_objection_open_count(tx, 1, 1, 2, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_eval_objection_open_count(tx, 1, 1, 1, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_eval_objection_open_count(tx, 1, 2, 1, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_award_objections(tx, 1, 1, 1, true, &n), STORE_OK);
    assert_int_equal(n, 1); /* 19 only, not 17 and 18 of round 1 */
    assert_int_equal(store_award_objections(tx, 1, 3, 1, true, &n), STORE_OK);
    assert_int_equal(n, 0); /* no evaluation, no current round */

    /* a new one is stamped with the round given; superseding closes that round's */
    struct eval_objection no = {.tender_id = 1,
                                .lot_no = 1,
                                .round = 2,
                                .org_id = 1,
                                .user_id = 1,
                                .body = "again",
                                .raised_ms = 80,
                                .due_ms = 90};
    int64_t id = 0;
    assert_int_equal(store_eval_objection_insert(tx, &no, &id), STORE_OK);
    assert_int_equal(store_eval_objections_supersede(tx, 1, 1, 2, "superseded: x", 95, &n),
                     STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_eval_objection_open_count(tx, 1, 1, 2, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_eval_objection_open_count(tx, 1, 2, 1, &n), STORE_OK);
    assert_int_equal(n, 1); /* another lot untouched */
    assert_int_equal(store_eval_objections(tx, &a, 1, 1, 10, &pg), STORE_OK);
    assert_int_equal(find(&pg, id)->round, 2);
    assert_string_equal(find(&pg, id)->answer, "superseded: x");
    assert_string_equal(find(&pg, 17)->answer, "superseded: re-evaluation round 2 started");
    assert_int_equal(store_commit(tx), STORE_OK);
    arena_release(&a);
    store_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_27),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
