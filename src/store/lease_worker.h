/*
 * store/lease_worker.h — a thread that does single-writer work in rounds
 * while this node holds the work's lease (store/cluster.h): the witness
 * log's sequencer, the tender scheduler, the risk watcher.
 *
 * Every tick_ms the thread looks at the lease; when held, it calls round,
 * and calls it again at once while round says more is waiting (a backlog
 * drained in batches), at most max_rounds times and only while the lease is
 * still held, so a lost lease is seen between batches. Holding and losing
 * the lease are logged under the worker's name. The thread's store
 * connection is dropped (store_thread_done) when it ends.
 *
 * A round runs with no lock held and must continue from stored state: a new
 * holder of the lease on another node just carries on (cluster.h).
 *
 * Lease-free mode: lease NULL (and the cluster may be NULL) runs the rounds
 * on every node, always, for per-node work that needs no single writer
 * (the draw's pool warmer, domain/draw.h).
 * Threads: start and stop from one thread (serving); round on the worker's.
 */
#ifndef SUNBID_STORE_LEASE_WORKER_H
#define SUNBID_STORE_LEASE_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "store/cluster.h"
#include "store/store.h"

/* One round of work: sets *more when a full batch was done (call again).
 * Its return value is a store_rc; anything but STORE_OK and STORE_BUSY is
 * logged and ends the batch. */
typedef int (*lease_worker_fn)(void *arg, bool *more);

struct lease_worker_config {
    const char *name;  /* for logs: "scheduler", "ledger", "risk" */
    const char *lease; /* the cluster lease it needs; NULL: none (every node) */
    int64_t tick_ms;   /* pause between rounds, > 0 */
    int max_rounds;    /* batches in a row at most, >= 1 */
    lease_worker_fn round;
    void *arg; /* passed to round; borrowed */
};

struct lease_worker;

/* Wants the lease and starts the thread; NULL (logged) when it cannot.
 * s and c are borrowed and must outlive the worker. */
struct lease_worker *lease_worker_start(struct store *s, struct cluster *c,
                                        const struct lease_worker_config *cfg);
/* Ends the thread after its current round. NULL is a no-op. */
void lease_worker_stop(struct lease_worker *w);

#endif
