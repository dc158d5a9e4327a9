/*
 * Unit tests for organisations, users, sign-in, throttling, sessions and the
 * audit trail (domain/accounts.h) on a real store, with a manual clock.
 *
 * Every case runs on each store listed in SUNBID_TEST_STORES (space-
 * separated, as in test_store.c; default "sqlite"), each time on an empty
 * database: a fresh SQLite file in a new directory, or on PostgreSQL a fresh
 * schema (search_path set through the URL's options) dropped afterwards.
 * tests/pg/run-with-pg sets the list to "sqlite postgres://...".
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
#include "domain/accounts.h"

static const struct actor tester = {0, "test", "127.0.0.1", "req-1"};

#define MAX_STORES 8

static const char *g_urls[MAX_STORES]; /* NULL: a fresh default SQLite */
static int g_nurls;
static const char *g_url; /* the store under test, as listed */

struct fx {
    struct store *s; /* open and migrated, on an empty database */
    struct arena a;  /* per-test allocations */
    char dir[512];   /* this test's data directory */
    char schema[64]; /* PostgreSQL: this test's schema, dropped at teardown */
    char url[1024];  /* PostgreSQL: g_url choosing that schema */
};

static bool is_pg(const char *url)
{
    return url != NULL &&
           (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0);
}

/* Runs one statement (CREATE / DROP SCHEMA) in its own transaction on a
 * store opened on g_url itself. */
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
    if (rc != STORE_OK)
        print_error("'%s': %s %s\n", sql, err, s ? store_errmsg(s) : "");
    store_close(s);
    return rc;
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
    snprintf(f->dir, sizeof(f->dir), "%s/accounts-%d-%d", tmp ? tmp : "/tmp", (int)getpid(), seq++);
    password_set_cost(10);
    clock_manual(1764400000000); /* 2025-11-29 */
    if (is_pg(g_url)) {
        char sql[128];
        snprintf(f->schema, sizeof(f->schema), "sbt_accounts_%d_%d", (int)getpid(), seq);
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

static int64_t count(struct store *s, const char *sql)
{
    struct store_tx *tx;
    int64_t n = -1;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, sql, NULL, 0, &n), STORE_OK);
    store_rollback(tx);
    return n;
}

static int64_t make_org(struct store *s, const char *uscc)
{
    struct org o = {0};
    const char *field;
    int64_t id = 0;
    o.name = "海峡建工集团有限公司";
    o.uscc = uscc;
    o.legal_rep = "黄海";
    assert_int_equal(org_create(s, &tester, &o, &id, &field), ERR_OK);
    return id;
}

static int64_t make_user(struct store *s, const char *name, unsigned roles, int64_t org)
{
    struct user_input in = {0};
    const char *field;
    int64_t id = 0;
    in.username = name;
    in.display_name = "测试用户";
    in.password = "Sunbid@2026";
    in.roles = roles;
    in.org_id = org;
    assert_int_equal(user_create(s, &tester, &in, &id, &field), ERR_OK);
    return id;
}

static void test_org_validation_changes_nothing(void **state)
{
    struct fx *f = *state;
    struct org o = {0};
    const char *field = NULL;
    int64_t id = 0;
    o.name = "某公司";
    o.uscc = "91330100799655058C"; /* wrong check digit */
    o.legal_rep = "某人";
    assert_int_equal(org_create(f->s, &tester, &o, &id, &field), ERR_INVALID_USCC);
    assert_string_equal(field, "uscc");
    o.uscc = "91330100799655058b";
    o.legal_rep = "";
    assert_int_equal(org_create(f->s, &tester, &o, &id, &field), ERR_INVALID_FIELD);
    assert_string_equal(field, "legal_rep");
    o.legal_rep = "某人";
    o.contact_email = "not-an-email";
    assert_int_equal(org_create(f->s, &tester, &o, &id, &field), ERR_INVALID_FIELD);
    assert_string_equal(field, "contact_email");
    assert_int_equal(count(f->s, "SELECT count(*) FROM orgs"), 0);
    assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log"), 0);

    o.contact_email = NULL;
    assert_int_equal(org_create(f->s, &tester, &o, &id, &field), ERR_OK);
    assert_true(id > 0);
    /* same code again (upper case this time) */
    o.uscc = "91330100799655058B";
    assert_int_equal(org_create(f->s, &tester, &o, &id, &field), ERR_ALREADY_EXISTS);
    assert_int_equal(count(f->s, "SELECT count(*) FROM orgs"), 1);
    assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log WHERE action = 'org.create'"), 1);
}

static void test_user_validation(void **state)
{
    struct fx *f = *state;
    struct user_input in = {0};
    const char *field = NULL;
    int64_t id = 0;
    in.username = "Bad Name";
    in.display_name = "x";
    in.password = "Sunbid@2026";
    in.roles = ROLE_BIDDER;
    assert_int_equal(user_create(f->s, &tester, &in, &id, &field), ERR_INVALID_FIELD);
    assert_string_equal(field, "username");
    in.username = "bidder9";
    in.password = "short";
    assert_int_equal(user_create(f->s, &tester, &in, &id, &field), ERR_WEAK_PASSWORD);
    in.password = "Sunbid@2026";
    in.org_id = 999;
    assert_int_equal(user_create(f->s, &tester, &in, &id, &field), ERR_INVALID_FIELD);
    assert_string_equal(field, "org_id");
    in.org_id = 0;
    in.roles = 0;
    assert_int_equal(user_create(f->s, &tester, &in, &id, &field), ERR_INVALID_FIELD);
    assert_string_equal(field, "roles");
    assert_int_equal(count(f->s, "SELECT count(*) FROM users"), 0);
    in.roles = ROLE_BIDDER | ROLE_EXPERT;
    assert_int_equal(user_create(f->s, &tester, &in, &id, &field), ERR_OK);
    assert_int_equal(user_create(f->s, &tester, &in, &id, &field), ERR_ALREADY_EXISTS);
    assert_string_equal(field, "username");
    assert_int_equal(count(f->s, "SELECT roles FROM users"), ROLE_BIDDER | ROLE_EXPERT);
    /* the hash is scrypt, never the password */
    assert_int_equal(count(f->s, "SELECT count(*) FROM users WHERE password_hash LIKE '$scrypt$%'"),
                     1);
}

static void test_login_resolve_logout(void **state)
{
    struct fx *f = *state;
    struct login_result lr;
    struct user u;
    struct session sess;
    int64_t org = make_org(f->s, "91440300708461136T");
    int64_t uid = make_user(f->s, "bidder1", ROLE_BIDDER, org);
    assert_int_equal(
        auth_login(f->s, &f->a, "bidder1", "Sunbid@2026", "10.0.0.1", "r1", false, &lr, &u),
        ERR_OK);
    assert_int_equal(u.id, uid);
    assert_int_equal(strlen(lr.token), 43);
    assert_int_equal(strlen(lr.csrf), 43);
    /* only the hash is stored */
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE token_hash = '%s'", lr.token);
    assert_int_equal(count(f->s, sql), 0);
    assert_int_equal(auth_resolve(f->s, &f->a, lr.token, &sess, &u), ERR_OK);
    assert_int_equal(u.org_id, org);
    assert_string_equal(sess.csrf_token, lr.csrf);
    assert_int_equal(auth_resolve(f->s, &f->a, "not-a-real-token-at-all", &sess, &u),
                     ERR_SESSION_EXPIRED);
    assert_int_equal(auth_logout(f->s, &tester, sess.id), ERR_OK);
    assert_int_equal(auth_resolve(f->s, &f->a, lr.token, &sess, &u), ERR_SESSION_EXPIRED);
}

static void test_session_expiry(void **state)
{
    struct fx *f = *state;
    struct login_result lr, lb;
    struct user u;
    struct session sess;
    make_user(f->s, "agent", ROLE_AGENT, 0);
    assert_int_equal(auth_login(f->s, &f->a, "agent", "Sunbid@2026", "a", "r", false, &lr, &u),
                     ERR_OK);
    assert_int_equal(auth_login(f->s, &f->a, "agent", "Sunbid@2026", "a", "r", true, &lb, &u),
                     ERR_OK);
    clock_manual_advance(SESSION_COOKIE_MS + 1);
    assert_int_equal(auth_resolve(f->s, &f->a, lr.token, &sess, &u), ERR_SESSION_EXPIRED);
    assert_int_equal(auth_resolve(f->s, &f->a, lb.token, &sess, &u), ERR_OK);
    assert_string_equal(sess.kind, "bearer");
    clock_manual_advance(SESSION_BEARER_MS);
    assert_int_equal(auth_resolve(f->s, &f->a, lb.token, &sess, &u), ERR_SESSION_EXPIRED);
}

static void test_account_throttle(void **state)
{
    struct fx *f = *state;
    struct login_result lr;
    struct user u;
    make_user(f->s, "expert1", ROLE_EXPERT, 0);
    for (int i = 0; i < ACCOUNT_FREE_FAILURES; i++)
        assert_int_equal(
            auth_login(f->s, &f->a, "expert1", "wrong-pass1", "10.0.0.2", "r", false, &lr, &u),
            ERR_BAD_CREDENTIALS);
    /* Locked now: even the right password is refused, with a wait. */
    assert_int_equal(
        auth_login(f->s, &f->a, "expert1", "Sunbid@2026", "10.0.0.3", "r", false, &lr, &u),
        ERR_TOO_MANY_ATTEMPTS);
    assert_int_equal(lr.retry_after_ms, 1000);
    clock_manual_advance(1001);
    /* One more failure doubles the lock. */
    assert_int_equal(
        auth_login(f->s, &f->a, "expert1", "wrong-pass1", "10.0.0.3", "r", false, &lr, &u),
        ERR_BAD_CREDENTIALS);
    assert_int_equal(
        auth_login(f->s, &f->a, "expert1", "Sunbid@2026", "10.0.0.3", "r", false, &lr, &u),
        ERR_TOO_MANY_ATTEMPTS);
    assert_int_equal(lr.retry_after_ms, 2000);
    clock_manual_advance(2001);
    assert_int_equal(
        auth_login(f->s, &f->a, "expert1", "Sunbid@2026", "10.0.0.3", "r", false, &lr, &u), ERR_OK);
    /* success cleared the account's count */
    assert_int_equal(count(f->s, "SELECT count(*) FROM login_throttle WHERE key = 'u:expert1'"), 0);
    assert_int_equal(
        count(f->s, "SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'"), 6);
}

static void test_address_throttle_and_unknown_users(void **state)
{
    struct fx *f = *state;
    struct login_result lr;
    struct user u;
    char name[32];
    make_user(f->s, "supervisor", ROLE_SUPERVISOR, 0);
    for (int i = 0; i < ADDRESS_FREE_FAILURES; i++) {
        snprintf(name, sizeof(name), "nobody%d", i);
        assert_int_equal(
            auth_login(f->s, &f->a, name, "Whatever123", "10.9.9.9", "r", false, &lr, &u),
            ERR_BAD_CREDENTIALS);
    }
    assert_int_equal(
        auth_login(f->s, &f->a, "supervisor", "Sunbid@2026", "10.9.9.9", "r", false, &lr, &u),
        ERR_TOO_MANY_ATTEMPTS);
    /* another address is not affected */
    assert_int_equal(
        auth_login(f->s, &f->a, "supervisor", "Sunbid@2026", "10.9.9.8", "r", false, &lr, &u),
        ERR_OK);
    /* an hour of quiet forgets */
    clock_manual_advance(THROTTLE_FORGET_MS + 1);
    assert_int_equal(
        auth_login(f->s, &f->a, "supervisor", "Sunbid@2026", "10.9.9.9", "r", false, &lr, &u),
        ERR_OK);
}

static void test_password_change_ends_sessions(void **state)
{
    struct fx *f = *state;
    struct login_result lr;
    struct user u;
    struct session sess;
    const char *field;
    int64_t uid = make_user(f->s, "bidder2", ROLE_BIDDER, 0);
    assert_int_equal(auth_login(f->s, &f->a, "bidder2", "Sunbid@2026", "a", "r", true, &lr, &u),
                     ERR_OK);
    assert_int_equal(user_set_password(f->s, &tester, uid, "weak", &field), ERR_WEAK_PASSWORD);
    assert_int_equal(auth_resolve(f->s, &f->a, lr.token, &sess, &u), ERR_OK);
    assert_int_equal(user_set_password(f->s, &tester, uid, "New-Secret-2026", &field), ERR_OK);
    assert_int_equal(auth_resolve(f->s, &f->a, lr.token, &sess, &u), ERR_SESSION_EXPIRED);
    assert_int_equal(auth_login(f->s, &f->a, "bidder2", "Sunbid@2026", "a", "r", true, &lr, &u),
                     ERR_BAD_CREDENTIALS);
    assert_int_equal(auth_login(f->s, &f->a, "bidder2", "New-Secret-2026", "a", "r", true, &lr, &u),
                     ERR_OK);
}

static void test_audit_is_append_only(void **state)
{
    struct fx *f = *state;
    struct store_tx *tx;
    make_org(f->s, "91330100799655058B");
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    int rc = store_exec(tx, "UPDATE audit_log SET actor = 'someone-else'", NULL, 0, NULL);
    assert_int_not_equal(rc, STORE_OK);
    store_rollback(tx);
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    rc = store_exec(tx, "DELETE FROM audit_log", NULL, 0, NULL);
    assert_int_not_equal(rc, STORE_OK);
    store_rollback(tx);
    assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log WHERE actor = 'test'"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_org_validation_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_resolve_logout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_throttle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_throttle_and_unknown_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_password_change_ends_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_is_append_only, setup, teardown),
    };
    static char list[4096];
    const char *env = getenv("SUNBID_TEST_STORES");
    char *save = NULL;
    int failed = 0;

    snprintf(list, sizeof(list), "%s", env != NULL && env[0] != '\0' ? env : "sqlite");
    for (char *tok = strtok_r(list, " \t", &save); tok != NULL && g_nurls < MAX_STORES;
         tok = strtok_r(NULL, " \t", &save)) {
        bool fresh = strcmp(tok, "sqlite") == 0 || strcmp(tok, "sqlite:") == 0;
        if (!fresh && !is_pg(tok)) {
            /* The cases count whole tables: they need an empty database. */
            print_error("accounts: skipping '%s' (needs sqlite or postgres://)\n", tok);
            continue;
        }
        g_urls[g_nurls++] = fresh ? NULL : tok;
    }
    for (int i = 0; i < g_nurls; i++) {
        char name[256];
        g_url = g_urls[i];
        snprintf(name, sizeof(name), "accounts %s", g_url != NULL ? g_url : "sqlite (fresh)");
        failed += cmocka_run_group_tests_name(name, tests, NULL, NULL);
    }
    return failed != 0;
}
