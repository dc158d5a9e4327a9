/*
 * Unit tests for the cluster's leases on one node (store/cluster.h, SQLite):
 * a lease wanted is held at once, cluster_lease_drop gives it up and frees
 * its slot, so a node can take far more than CLUSTER_MAX_LEASES leases over
 * its life (one per auction it runs), and dropping what is not wanted is a
 * no-op. The PostgreSQL side (the advisory lock released on the cluster
 * thread's connection) is checked by integration/auctions_pg.
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

#include "store/cluster.h"

static void on_event(void *arg, int64_t id, const char *topic, const char *event, const char *data,
                     size_t len)
{
    (void)id;
    (void)topic;
    (void)event;
    (void)data;
    (void)len;
    (*(int *)arg)++;
}

static void test_drop_frees_slots(void **state)
{
    (void)state;
    char dir[512], err[256], name[CLUSTER_LEASE_NAME];
    char names[CLUSTER_MAX_LEASES][CLUSTER_LEASE_NAME];
    bool held[CLUSTER_MAX_LEASES];
    struct store *s = NULL;
    struct cluster *c = NULL;
    int events = 0;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    mkdir(tmp ? tmp : "/tmp", 0755);
    snprintf(dir, sizeof dir, "%s/cluster-lease-XXXXXX", tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(store_open(&s, NULL, dir, err, sizeof err), STORE_OK);
    struct cluster_config cfg = {.node = "n1", .on_event = on_event, .arg = &events};
    assert_int_equal(cluster_start(s, &cfg, &c, err, sizeof err), STORE_OK);
    assert_false(cluster_shared(c));

    /* three times the table's size, one auction after another */
    for (int i = 0; i < 3 * CLUSTER_MAX_LEASES; i++) {
        snprintf(name, sizeof name, "auction.%d", i + 1);
        assert_int_equal(cluster_lease_want(c, name), STORE_OK);
        assert_true(cluster_lease_held(c, name)); /* one node: at once */
        assert_int_equal(cluster_leases(c, names, held, CLUSTER_MAX_LEASES), 1);
        cluster_lease_drop(c, name);
        assert_false(cluster_lease_held(c, name));
        assert_int_equal(cluster_leases(c, names, held, CLUSTER_MAX_LEASES), 0);
    }
    /* the table still fills up when nothing is dropped, and a drop makes room */
    for (int i = 0; i < CLUSTER_MAX_LEASES; i++) {
        snprintf(name, sizeof name, "opening.%d", i);
        assert_int_equal(cluster_lease_want(c, name), STORE_OK);
    }
    assert_int_equal(cluster_lease_want(c, "one.more"), STORE_TOOBIG);
    cluster_lease_drop(c, "opening.7");
    cluster_lease_drop(c, "never.wanted"); /* a no-op */
    assert_int_equal(cluster_leases(c, names, held, CLUSTER_MAX_LEASES), CLUSTER_MAX_LEASES - 1);
    assert_int_equal(cluster_lease_want(c, "one.more"), STORE_OK);
    assert_true(cluster_lease_held(c, "one.more"));
    assert_true(cluster_lease_held(c, "opening.63")); /* the others untouched */
    assert_false(cluster_lease_held(c, "opening.7"));
    /* wanting the same name twice takes one slot */
    assert_int_equal(cluster_lease_want(c, "one.more"), STORE_OK);
    assert_int_equal(cluster_leases(c, names, held, CLUSTER_MAX_LEASES), CLUSTER_MAX_LEASES);
    cluster_stop(c);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop_frees_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
