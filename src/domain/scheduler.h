/*
 * domain/scheduler.h — the tender scheduler: the one thread that applies
 * timed transitions (publication at publish_at, bidding at doc_start,
 * opening at the bid deadline) for `sunbid serve`.
 *
 * It runs where the cluster lease "scheduler" is held, so on a shared
 * PostgreSQL only one node acts; on SQLite the one node holds it. There is
 * no job table: each tender carries next_due_ms (kept by every write, see
 * domain/tender.c), and a round asks the store for the tenders due at
 * clock_now_ms(), then advances each (tender_advance: idempotent, each
 * transition with its nominal time and the actual time recorded). A server
 * that was down catches up on its first round; a node that takes the lease
 * over carries on from the same rows. Every transition is published on the
 * "public" SSE topic through the cluster (so every node's viewers see it).
 *
 *     struct tender_scheduler *sch = tender_scheduler_start(store, cluster, 0);
 *     ...
 *     tender_scheduler_stop(sch);       (NULL is a no-op)
 *
 * Start it after the cluster, stop it before the cluster and the store.
 */
#ifndef SUNBID_DOMAIN_SCHEDULER_H
#define SUNBID_DOMAIN_SCHEDULER_H

#include <stdint.h>

#include "store/cluster.h"
#include "store/store.h"

#define TENDER_SCHEDULER_LEASE   "scheduler"
#define TENDER_SCHEDULER_TICK_MS 500 /* how often due work is looked for */
#define TENDER_SCHEDULER_BATCH   64  /* tenders per round */

struct tender_scheduler;

/* tick_ms 0: TENDER_SCHEDULER_TICK_MS. NULL when the thread cannot start. */
struct tender_scheduler *tender_scheduler_start(struct store *s, struct cluster *c,
                                                int64_t tick_ms);
void tender_scheduler_stop(struct tender_scheduler *q);

/* One round on the calling thread, whatever the lease (tests; the thread
 * checks the lease itself). c may be NULL (no events). *moved gets how many
 * transitions were applied. Returns a store_rc of the due query. */
int tender_scheduler_run_once(struct store *s, struct cluster *c, int *moved);

#endif
