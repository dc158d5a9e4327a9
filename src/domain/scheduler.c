/*
 * domain/scheduler.c — the tender scheduler thread (scheduler.h).
 *
 * Owns: its lease worker (store/lease_worker.h: the thread and its store
 * connection, dropped when it ends).
 * Invariants: a round runs only while this node holds the "scheduler"
 * lease; everything a round does is decided from stored rows at the time
 * it reads them (tender_advance re-reads each tender in its own write
 * transaction), so a round that races another node's — during a lease
 * hand-over — applies nothing twice: the second finds nothing due.
 * Time is clock_now_ms(), so tests and `serve --test-clock` move it; the
 * thread's own sleeping uses the monotonic clock.
 * Threads: start/stop from the serving thread; run_once from any one thread.
 */
#include "domain/scheduler.h"

#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "domain/bond.h"
#include "domain/opening.h"
#include "domain/tender.h"
#include "store/lease_worker.h"

struct tender_scheduler {
    struct store *store;     /* borrowed */
    struct cluster *cluster; /* borrowed */
    struct lease_worker *worker;
};

static void publish(struct cluster *c, const struct tender_changes *ch)
{
    for (int i = 0; c != NULL && i < ch->n; i++) {
        struct buf b;
        buf_init(&b, 4096);
        if (tender_change_json(&ch->c[i], &b) == 0) {
            int rc = cluster_publish(c, "public", ch->c[i].event, b.data, b.len);
            if (rc != STORE_OK)
                log_warn("scheduler: event %s not published: %s", ch->c[i].event,
                         store_rc_name(rc));
        }
        buf_release(&b);
    }
}

int tender_scheduler_run_once(struct store *s, struct cluster *c, int *moved)
{
    int64_t ids[TENDER_SCHEDULER_BATCH];
    int n = 0;
    *moved = 0;
    int rc = tender_due(s, clock_now_ms(), ids, TENDER_SCHEDULER_BATCH, &n);
    if (rc != STORE_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        struct tender_changes ch = {0};
        enum err e = tender_advance(s, ids[i], &ch);
        if (e != ERR_OK) {
            log_error("scheduler: tender %lld not advanced: %s", (long long)ids[i], err_code(e));
            continue;
        }
        for (int k = 0; k < ch.n; k++)
            log_info("scheduler: tender %s %s -> %s (due %lld, at %lld)", ch.c[k].code,
                     tender_state_name(ch.c[k].from), tender_state_name(ch.c[k].to),
                     (long long)ch.c[k].due_ms, (long long)ch.c[k].at_ms);
        *moved += ch.n;
        publish(c, &ch);
    }
    /* opening halls whose decryption window ended (domain/opening.h) */
    int ended = 0;
    rc = opening_run_due(s, c, &ended);
    *moved += ended;
    /* overdue complaint steps, bond refunds and lots' contracts: warned once
     * (domain/bond.h) */
    int warned = 0;
    if (rc == STORE_OK)
        rc = award_run_due(s, c, &warned);
    return rc;
}

/* One batch; a full batch means more may be due (lease_worker goes on,
 * looking at the lease between batches). */
static int sched_round(void *arg, bool *more)
{
    struct tender_scheduler *q = arg;
    int moved = 0;
    int rc = tender_scheduler_run_once(q->store, q->cluster, &moved);
    *more = moved >= TENDER_SCHEDULER_BATCH;
    return rc;
}

struct tender_scheduler *tender_scheduler_start(struct store *s, struct cluster *c, int64_t tick_ms)
{
    struct tender_scheduler *q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->store = s;
    q->cluster = c;
    struct lease_worker_config cfg = {.name = "scheduler",
                                      .lease = TENDER_SCHEDULER_LEASE,
                                      .tick_ms = tick_ms > 0 ? tick_ms : TENDER_SCHEDULER_TICK_MS,
                                      .max_rounds = 16,
                                      .round = sched_round,
                                      .arg = q};
    q->worker = lease_worker_start(s, c, &cfg);
    if (q->worker == NULL) {
        free(q);
        return NULL;
    }
    return q;
}

void tender_scheduler_stop(struct tender_scheduler *q)
{
    if (q == NULL)
        return;
    lease_worker_stop(q->worker);
    free(q);
}
