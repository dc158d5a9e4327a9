/*
 * tests/unit/unit_store_fixture.h — what the store-backed unit tests of the
 * domain (tender, opening, draw pool) share: the stores they run on (a
 * fresh SQLite, then each URL given on the command line, e.g. PostgreSQL
 * under tests/pg/run-with-pg), the set-up actor, and the organisations and
 * callers they create. A header of static definitions, included once by
 * each test program after cmocka.h (it calls cmocka's group runner) and the domain headers it names
 * below.
 */
#ifndef SUNBID_TESTS_UNIT_STORE_FIXTURE_H
#define SUNBID_TESTS_UNIT_STORE_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/accounts.h"
#include "domain/tender.h"
#include "domain/uscc.h"
#include "store/store.h"

#define MAX_STORES 8

static const char *g_urls[MAX_STORES]; /* NULL: a fresh default SQLite */
static int g_nurls;
static const char *g_url; /* the store of the test running */

static const struct actor setup_actor = {0, "test", "127.0.0.1", "req-1"};

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

static int64_t make_org(struct store *s, const char *name, const char *first17)
{
    char code[USCC_LEN + 1];
    struct org o = {0};
    const char *field;
    int64_t id = 0;
    memcpy(code, first17, 17);
    code[17] = uscc_check_char(first17);
    code[18] = '\0';
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

/* Runs tests (n of them) once on every store of SUNBID_TEST_STORES
 * (default "sqlite": a fresh SQLite in each case's directory; postgres://
 * URLs as given, anything else skipped with a message), each run named
 * "<what> <store>"; returns the number of failures. */
static int unit_run_on_stores(const char *what, const struct CMUnitTest *tests, size_t n)
{
    static char list[4096];
    const char *env = getenv("SUNBID_TEST_STORES");
    char *save = NULL;
    int failed = 0;

    snprintf(list, sizeof(list), "%s", env != NULL && env[0] != '\0' ? env : "sqlite");
    for (char *tok = strtok_r(list, " \t", &save); tok != NULL && g_nurls < MAX_STORES;
         tok = strtok_r(NULL, " \t", &save)) {
        bool fresh = strcmp(tok, "sqlite") == 0 || strcmp(tok, "sqlite:") == 0;
        if (!fresh && !is_pg(tok)) {
            print_error("%s: skipping '%s' (needs sqlite or postgres://)\n", what, tok);
            continue;
        }
        g_urls[g_nurls++] = fresh ? NULL : tok;
    }
    for (int i = 0; i < g_nurls; i++) {
        char name[256];
        g_url = g_urls[i];
        snprintf(name, sizeof(name), "%s %s", what, g_url != NULL ? g_url : "sqlite (fresh)");
        failed += _cmocka_run_group_tests(name, tests, n, NULL, NULL);
    }
    return failed;
}

#endif
