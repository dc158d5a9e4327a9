/*
 * Migration 22 (evaluation per lot, with rounds) on a SQLite database that
 * was at migration 21 with an evaluation in it: the rows of evaluations,
 * entries, sheets, warnings, signatures and objections come through as
 * lot 1, round 1, with their values and ids; the new keys then admit a
 * second lot and a second round of the same members' entries; the phase
 * `failed` is accepted; evaluation_rounds exists.
 *
 * The database at 21 is made with the SQLite library itself: the store's
 * own migration texts 1..21 (sqlite_migrations[]) and schema_migrations as
 * store.c writes it. The parent rows (a user, an organisation, a tender, a
 * committee member) are written generically from each table's columns with
 * the checks and foreign keys off, as only their ids matter here; the
 * evaluation's rows are written with their migration-14 columns. Then the
 * store opens the file and migrates it the ordinary way (foreign keys on).
 * PostgreSQL's migration 22 (ALTER TABLE) runs on every fresh PostgreSQL
 * database of the integration tests (eval_lots_pg and the others).
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
#include "store/evaluation.h"
#include "store/sqlite/sqlite.h"
#include "store/store.h"

#define AT_VERSION 21

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

/* A database at migration 21 in dir/sunbid.db, with one evaluation. */
static void make_v21(const char *dir)
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
    parent_row(db, "committee_members");
    db_exec(db, "PRAGMA ignore_check_constraints=OFF;");
    db_exec(db,
            "INSERT INTO evaluations (tender_id, phase, method, template, template_sha, bidders,"
            " result, report, report_sha, publicity_start_ms, publicity_end_ms, award_org_id,"
            " award_ms, notice_sha, created_ms, updated_ms, version) VALUES (1, 'awarded',"
            " 'lowest_price', '{\"t\":1}', 'aa', '[]', '{\"candidates\":[]}', '{\"r\":1}', 'bb',"
            " 10, 20, 1, 30, 'cc', 5, 31, 7);"
            "INSERT INTO evaluation_entries (tender_id, member_id, org_id, item, value, reason,"
            " updated_ms) VALUES (1, 1, 1, 'q:Q1', 1, NULL, 6), (1, 1, 1, 's:T1', 1750, 'why', 7);"
            "INSERT INTO evaluation_sheets (tender_id, member_id, stage, submitted_ms)"
            " VALUES (1, 1, 'qualification', 8);"
            "INSERT INTO evaluation_warnings (id, tender_id, kind, member_id, org_id, item, other,"
            " score, median, status, created_ms) VALUES (41, 1, 'outlier', 1, 1, 's:T1', 0, 1750,"
            " 900, 'open', 9);"
            "INSERT INTO evaluation_signatures (tender_id, member_id, user_id, report_sha,"
            " signature, certificate, signed_ms) VALUES (1, 1, 1, 'bb', 'c2ln', 'Y2VydA==', 11);"
            "INSERT INTO evaluation_objections (id, tender_id, org_id, user_id, body, raised_ms,"
            " due_ms) VALUES (17, 1, 1, 1, '异议', 12, 13);");
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_migrate_22(void **state)
{
    char dir[512], err[256], cmd[600];
    const char *tmp = getenv("SUNBID_TEST_TMP");
    struct store *s = NULL;
    struct store_tx *tx = NULL;
    struct arena a;
    struct evaluation e;
    struct page pg;
    int applied = 0, v = 0;
    (void)state;
    mkdir(tmp ? tmp : "/tmp", 0755);
    snprintf(dir, sizeof dir, "%s/evalmig-%d", tmp ? tmp : "/tmp", (int)getpid());
    mkdir(dir, 0755);
    make_v21(dir);

    assert_int_equal(store_open(&s, NULL, dir, err, sizeof err), STORE_OK);
    assert_int_equal(store_schema_version(s, &v), STORE_OK);
    assert_int_equal(v, AT_VERSION);
    assert_int_equal(store_migrate(s, &applied), STORE_OK);
    assert_int_equal(applied, sqlite_nmigrations - AT_VERSION);

    arena_init(&a, 0);
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    /* the evaluation: lot 1, round 1, every value kept */
    assert_int_equal(store_eval_get(tx, &a, 1, 1, &e), STORE_OK);
    assert_int_equal(e.lot_no, 1);
    assert_int_equal(e.round, 1);
    assert_string_equal(e.phase, "awarded");
    assert_string_equal(e.report_sha, "bb");
    assert_string_equal(e.notice_sha, "cc");
    assert_int_equal(e.award_org_id, 1);
    assert_int_equal(e.publicity_end_ms, 20);
    assert_int_equal(e.version, 7);
    assert_null(e.failed_reason);
    assert_int_equal(store_eval_get(tx, &a, 1, 2, &e), STORE_NOTFOUND);
    struct eval_key k1 = {1, 1, 1}, k2 = {1, 1, 2}, l2 = {1, 2, 1};
    assert_int_equal(store_eval_entries(tx, &a, &k1, 0, "", 10, &pg), STORE_OK);
    assert_int_equal(pg.n, 2);
    assert_string_equal(((const struct eval_entry *)pg.items)[1].item, "s:T1");
    assert_int_equal(((const struct eval_entry *)pg.items)[1].value, 1750);
    assert_string_equal(((const struct eval_entry *)pg.items)[1].reason, "why");
    int64_t ids[4];
    int n = 0;
    assert_int_equal(store_eval_sheets(tx, &k1, "qualification", ids, 4, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_eval_warnings(tx, &a, &k1, 10, &pg), STORE_OK);
    assert_int_equal(pg.n, 1);
    assert_int_equal(((const struct eval_warning_row *)pg.items)[0].id, 41);
    assert_int_equal(store_eval_signatures(tx, &a, &k1, 10, &pg), STORE_OK);
    assert_int_equal(pg.n, 1);
    assert_string_equal(((const struct eval_signature *)pg.items)[0].report_sha, "bb");
    assert_int_equal(store_eval_objections(tx, &a, 1, 1, 10, &pg), STORE_OK);
    assert_int_equal(pg.n, 1);
    assert_int_equal(((const struct eval_objection *)pg.items)[0].id, 17);
    assert_int_equal(((const struct eval_objection *)pg.items)[0].lot_no, 1);

    /* round 2 of lot 1 and lot 2: the same member, org and item again */
    struct eval_entry en = {
        .member_id = 1, .org_id = 1, .item = "s:T1", .value = 1600, .updated_ms = 50};
    assert_int_equal(store_eval_entry_put(tx, &k2, &en), STORE_OK);
    assert_int_equal(store_eval_entry_put(tx, &l2, &en), STORE_OK);
    assert_int_equal(store_eval_entries(tx, &a, &k1, 0, "s:", 10, &pg), STORE_OK);
    assert_int_equal(pg.n, 1);
    assert_int_equal(((const struct eval_entry *)pg.items)[0].value, 1750);
    struct eval_signature sg = {.member_id = 1,
                                .user_id = 1,
                                .report_sha = "dd",
                                .signature = "x",
                                .certificate = "y",
                                .signed_ms = 60};
    assert_int_equal(store_eval_signature_insert(tx, &k2, &sg), STORE_OK);
    assert_int_equal(store_eval_signatures(tx, &a, &k2, 10, &pg), STORE_OK);
    assert_int_equal(pg.n, 1);
    /* a second lot's evaluation, failed */
    struct evaluation f = {.tender_id = 1,
                           .lot_no = 2,
                           .round = 1,
                           .phase = "failed",
                           .method = "lowest_price",
                           .tpl = "",
                           .tpl_sha = "",
                           .bidders = "[]",
                           .failed_reason = "no opened bid",
                           .created_ms = 70,
                           .updated_ms = 70,
                           .version = 1};
    assert_int_equal(store_eval_insert(tx, &f), STORE_OK);
    assert_int_equal(store_eval_list(tx, &a, 1, 10, &pg), STORE_OK);
    assert_int_equal(pg.n, 2);
    assert_string_equal(((const struct evaluation *)pg.items)[1].failed_reason, "no opened bid");
    struct eval_round r = {.tender_id = 1,
                           .lot_no = 1,
                           .round = 1,
                           .report_sha = "bb",
                           .reason = "re-evaluation",
                           .complaint_id = 3,
                           .ended_ms = 80};
    assert_int_equal(store_eval_round_insert(tx, &r), STORE_OK);
    assert_int_equal(store_eval_rounds(tx, &a, 1, 1, 10, &pg), STORE_OK);
    assert_int_equal(pg.n, 1);
    assert_int_equal(((const struct eval_round *)pg.items)[0].complaint_id, 3);
    assert_int_equal(store_commit(tx), STORE_OK);
    arena_release(&a);
    store_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_22),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
