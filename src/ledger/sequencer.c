/*
 * ledger/sequencer.c — the thread that runs the witness log's sequencer on
 * the node that holds the "ledger.sequencer" lease (sequencer.h).
 *
 * Owns: one thread, its store connection (dropped with store_thread_done
 * when it ends) and the struct ledger_log with the signing keys.
 * Invariants: the thread calls ledger_sequencer_run_once only while
 * cluster_lease_held() says this node holds the lease, so at most one node
 * sequences at a time (a lost lease is seen before the next round; a round
 * already running when the lease is lost either commits before another node
 * can start, or collides on ledger_leaves' key and rolls back). Everything it
 * does continues from stored state, so a new holder just carries on.
 * Threads: start and stop from the serving thread; the rest is internal.
 */
#include "ledger/sequencer.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/log.h"

#define TICK_MS 200 /* how often the queue is looked at */

struct ledger_sequencer {
    struct store *store;     /* borrowed */
    struct cluster *cluster; /* borrowed */
    struct ledger_log log;   /* owned: keys */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled by stop */
    bool stopping;     /* under mu */
};

static void *seq_main(void *arg)
{
    struct ledger_sequencer *q = arg;
    bool held = false;

    pthread_mutex_lock(&q->mu);
    while (!q->stopping) {
        pthread_mutex_unlock(&q->mu);
        bool now_held = cluster_lease_held(q->cluster, LEDGER_SEQUENCER_LEASE);
        if (now_held != held)
            log_info("ledger: %s the sequencer lease", now_held ? "holding" : "lost");
        held = now_held;
        if (held) {
            int n = 0, rounds = 0, rc;
            int64_t signed_size = -1;
            /* drain a backlog in batches, but look at the lease between them */
            do {
                rc = ledger_sequencer_run_once(q->store, &q->log, &n, &signed_size);
                if (rc != STORE_OK && rc != STORE_BUSY)
                    log_error("ledger: sequencing failed: %s (%s)", store_rc_name(rc),
                              store_errmsg(q->store));
            } while (rc == STORE_OK && n == q->log.batch_max && ++rounds < 64 &&
                     cluster_lease_held(q->cluster, LEDGER_SEQUENCER_LEASE));
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts); /* the cv waits on CLOCK_MONOTONIC */
        ts.tv_nsec += (long)TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&q->mu);
        if (!q->stopping)
            pthread_cond_timedwait(&q->cv, &q->mu, &ts);
    }
    pthread_mutex_unlock(&q->mu);
    store_thread_done(q->store);
    return NULL;
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
    q->cluster = c;
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
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    cluster_lease_want(c, LEDGER_SEQUENCER_LEASE);
    if (pthread_create(&q->thread, NULL, seq_main, q) != 0) {
        log_error("ledger: cannot start the sequencer thread");
        pthread_mutex_destroy(&q->mu);
        pthread_cond_destroy(&q->cv);
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
    pthread_mutex_lock(&q->mu);
    q->stopping = true;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    ledger_log_release(&q->log);
    free(q);
}
