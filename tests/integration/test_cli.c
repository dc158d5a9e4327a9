/*
 * The sunbid command line: commands, messages and exit codes a script can
 * rely on (0 ok, 1 failure, 2 usage, 3 invalid input, 4 conflict/not found).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct it_server srv; /* only its data dir is used until the last test */

static int setup(void **state)
{
    const char *tmp = getenv("SUNBID_TEST_TMP");
    memset(&srv, 0, sizeof(srv));
    mkdir(tmp ? tmp : "/tmp", 0755);
    snprintf(srv.data_dir, sizeof(srv.data_dir), "%s/cli-%d", tmp ? tmp : "/tmp", (int)getpid());
    snprintf(srv.log_path, sizeof(srv.log_path), "%s/server.log", srv.data_dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[700];
    if (srv.pid)
        it_server_stop(&srv);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv.data_dir);
    return system(cmd);
}

static void test_version_and_help(void **state)
{
    char *out = NULL;
    assert_int_equal(it_cli(&srv, &out, "version", NULL), 0);
    assert_non_null(strstr(out, "sunbid "));
    free(out);
    assert_int_equal(it_cli(&srv, &out, "serve", "--help", NULL), 0);
    assert_non_null(strstr(out, "--listen"));
    free(out);
    assert_int_equal(it_cli(&srv, NULL, "no-such-command", NULL), 2);
    assert_int_equal(it_cli(&srv, NULL, "serve", "--bogus", NULL), 2);
}

static void test_migrate_twice(void **state)
{
    char *out = NULL;
    assert_int_equal(it_cli(&srv, &out, "migrate", NULL), 0);
    assert_non_null(strstr(out, "schema version"));
    free(out);
    assert_int_equal(it_cli(&srv, &out, "migrate", NULL), 0);
    assert_non_null(strstr(out, "applied 0 migrations"));
    free(out);
}

static void test_org_and_user_commands(void **state)
{
    char *out = NULL;
    assert_int_equal(it_cli(&srv, NULL, "org", "add", "--name", "某公司", "--uscc",
                            "91330100799655058C", "--legal-rep", "某人", NULL),
                     3);
    assert_int_equal(it_cli(&srv, &out, "org", "add", "--name", "某公司", "--uscc",
                            "91330100799655058B", "--legal-rep", "某人", NULL),
                     0);
    long org = strtol(out, NULL, 10);
    assert_true(org > 0);
    free(out);
    assert_int_equal(it_cli(&srv, NULL, "org", "add", "--name", "又一公司", "--uscc",
                            "91330100799655058B", "--legal-rep", "某人", NULL),
                     4);
    assert_int_equal(it_cli(&srv, NULL, "org", "add", "--name", "x", NULL), 2);

    assert_int_equal(it_cli(&srv, NULL, "user", "add", "ops", "--role", "admin", "--name", "运维",
                            "--password", "short", NULL),
                     3);
    assert_int_equal(it_cli(&srv, NULL, "user", "add", "ops", "--role", "wizard", "--name", "运维",
                            "--password", "Ops-pass-2026", NULL),
                     3);
    assert_int_equal(it_cli(&srv, NULL, "user", "add", "ops", "--role", "admin,supervisor",
                            "--name", "运维", "--org", "91330100799655058B", "--password",
                            "Ops-pass-2026", NULL),
                     0);
    assert_int_equal(it_cli(&srv, NULL, "user", "add", "ops", "--role", "admin", "--name", "运维",
                            "--password", "Ops-pass-2026", NULL),
                     4);
    assert_int_equal(it_cli(&srv, NULL, "user", "add", "ghost", "--role", "bidder", "--name", "x",
                            "--org", "12345", "--password", "Ops-pass-2026", NULL),
                     4);
    assert_int_equal(it_cli(&srv, &out, "user", "list", NULL), 0);
    assert_non_null(strstr(out, "ops"));
    assert_non_null(strstr(out, "supervisor,admin"));
    free(out);
    assert_int_equal(
        it_cli(&srv, NULL, "user", "passwd", "nobody", "--password", "Ops-pass-2027", NULL), 4);
    assert_int_equal(
        it_cli(&srv, NULL, "user", "passwd", "ops", "--password", "Ops-pass-2027", NULL), 0);

    /* the new password works against the server, the audit says "cli" */
    it_server_restart(&srv, NULL);
    struct it_session s;
    struct it_resp r;
    assert_int_equal(it_login(&srv, "ops", "Ops-pass-2026", 1, &s), 401);
    assert_int_equal(it_login(&srv, "ops", "Ops-pass-2027", 1, &s), 200);
    assert_int_equal(it_request_as(&srv, &s, "GET", "/api/audit", NULL, &r), 0);
    assert_non_null(strstr(r.body, "\"actor\":\"cli\""));
    assert_non_null(strstr(r.body, "\"action\":\"user.passwd\""));
    it_resp_free(&r);
    assert_int_equal(it_server_stop(&srv), 0);
}

static void test_demo_idempotent(void **state)
{
    char *out = NULL;
    assert_int_equal(it_cli(&srv, &out, "demo", NULL), 0);
    assert_non_null(strstr(out, "seeded"));
    assert_non_null(strstr(out, "bidder1"));
    free(out);
    assert_int_equal(it_cli(&srv, &out, "demo", NULL), 0);
    assert_non_null(strstr(out, "already present"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_help),
        cmocka_unit_test(test_migrate_twice),
        cmocka_unit_test(test_org_and_user_commands),
        cmocka_unit_test(test_demo_idempotent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
