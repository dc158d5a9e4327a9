/*
 * store_fixture.h — for the integration tests that plant rows (an opening,
 * a committee, an evaluation) straight into the running server's store:
 * the store opened beside the server (SQLite file or PostgreSQL URL of
 * srv) and a write retried while the server holds the lock. Include it
 * once, from one test program, after tender_fixture.h.
 */
#ifndef SUNBID_IT_STORE_FIXTURE_H
#define SUNBID_IT_STORE_FIXTURE_H

#include <unistd.h>

#include "harness.h"
#include "store/store.h"
#include "tender_fixture.h"

/* The server's store, opened again by the test. Caller closes it. */
static struct store *fixture_store(void)
{
    struct store *s = NULL;
    char err[256];
    if (store_open(&s, srv.db_url[0] ? srv.db_url : NULL, srv.data_dir, err, sizeof err) !=
        STORE_OK)
        fail_msg("store_open: %s", err);
    return s;
}

/* One statement in its own write transaction, retried up to 50 times
 * (2.5 s) while the store is busy; any other failure fails the test. */
static void fx_exec(struct store *s, const char *sql, const struct store_param *p, int np)
{
    struct store_tx *tx = NULL;
    int rc = STORE_BUSY;
    for (int i = 0; i < 50 && rc == STORE_BUSY; i++) {
        rc = store_begin(s, STORE_WRITE, &tx);
        if (rc == STORE_OK)
            rc = store_exec(tx, sql, p, np, NULL);
        if (rc == STORE_OK)
            rc = store_commit(tx);
        else
            store_rollback(tx);
        if (rc == STORE_BUSY)
            usleep(50 * 1000);
    }
    if (rc != STORE_OK)
        fail_msg("fixture SQL failed (%d): %s", rc, sql);
}

#endif
