/*
 * ledger/sequencer.c — the thread that runs the witness log's sequencer on
 * the node that holds the "ledger.sequencer" lease (sequencer.h).
 *
 * Owns: its lease worker (store/lease_worker.h: the thread and its store
 * connection) and the struct ledger_log with the signing keys.
 * Invariants: the thread calls ledger_sequencer_run_once only while
 * cluster_lease_held() says this node holds the lease, so at most one node
 * sequences at a time (a lost lease is seen before the next round; a round
 * already running when the lease is lost either commits before another node
 * can start, or collides on ledger_leaves' key and rolls back). Everything it
 * does continues from stored state, so a new holder just carries on.
 * Threads: start and stop from the serving thread; the rest is internal.
 */
#include "ledger/sequencer.h"

#include <stdlib.h>

#include "base/log.h"
#include "store/lease_worker.h"

#define TICK_MS 200 /* how often the queue is looked at */

struct ledger_sequencer {
    struct store *store;   /* borrowed */
    struct ledger_log log; /* owned: keys */
    struct lease_worker *worker;
};

static int seq_round(void *arg, bool *more)
{
    struct ledger_sequencer *q = arg;
    int n = 0;
    int64_t signed_size = -1;
    int rc = ledger_sequencer_run_once(q->store, &q->log, &n, &signed_size);
    *more = n == q->log.batch_max; /* a full batch: a backlog, go on */
    return rc;
}

struct ledger_sequencer *ledger_sequencer_start(struct store *s, struct cluster *c,
                                                const char *data_dir,
                                                const struct ledger_options *opt)
{
    struct ledger_sequencer *q;
    char err[512];

    if (data_dir == NULL)
        data_dir = getenv("SUNBID_DATA_DIR");
    if (data_dir == NULL)
        data_dir = "var/data";
    q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->store = s;
    if (ledger_log_open(s, data_dir, opt, &q->log, err, sizeof err) != STORE_OK) {
        log_error("ledger: %s; the witness log will not be sequenced", err);
        free(q);
        return NULL;
    }
    if (q->log.nkeys == 0) {
        /* no keys here: never take the lease from a node that has them */
        ledger_log_release(&q->log);
        free(q);
        return NULL;
    }
    struct lease_worker_config cfg = {.name = "ledger",
                                      .lease = LEDGER_SEQUENCER_LEASE,
                                      .tick_ms = TICK_MS,
                                      .max_rounds = 64,
                                      .round = seq_round,
                                      .arg = q};
    q->worker = lease_worker_start(s, c, &cfg);
    if (q->worker == NULL) {
        ledger_log_release(&q->log);
        free(q);
        return NULL;
    }
    return q;
}

void ledger_sequencer_stop(struct ledger_sequencer *q)
{
    if (q == NULL)
        return;
    lease_worker_stop(q->worker);
    ledger_log_release(&q->log);
    free(q);
}
