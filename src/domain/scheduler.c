/*
 * domain/scheduler.c — the tender scheduler thread (scheduler.h).
 *
 * Owns: one thread and its store connection (dropped when it ends).
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

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "domain/bond.h"
#include "domain/opening.h"
#include "domain/tender.h"

struct tender_scheduler {
    struct store *store;     /* borrowed */
    struct cluster *cluster; /* borrowed */
    int64_t tick_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled by stop */
    bool stopping;     /* under mu */
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
    /* overdue complaint steps and bond refunds: warned once (domain/bond.h) */
    int warned = 0;
    if (rc == STORE_OK)
        rc = award_run_due(s, c, &warned);
    return rc;
}

static void *sched_main(void *arg)
{
    struct tender_scheduler *q = arg;
    bool held = false;

    pthread_mutex_lock(&q->mu);
    while (!q->stopping) {
        pthread_mutex_unlock(&q->mu);
        bool now_held = cluster_lease_held(q->cluster, TENDER_SCHEDULER_LEASE);
        if (now_held != held)
            log_info("scheduler: %s the scheduler lease", now_held ? "holding" : "lost");
        held = now_held;
        if (held) {
            int moved = 0, rounds = 0, rc;
            /* a full batch means more may be due: go on, looking at the lease */
            do {
                rc = tender_scheduler_run_once(q->store, q->cluster, &moved);
                if (rc != STORE_OK && rc != STORE_BUSY)
                    log_error("scheduler: round failed: %s (%s)", store_rc_name(rc),
                              store_errmsg(q->store));
            } while (rc == STORE_OK && moved >= TENDER_SCHEDULER_BATCH && ++rounds < 16 &&
                     cluster_lease_held(q->cluster, TENDER_SCHEDULER_LEASE));
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts); /* the cv waits on CLOCK_MONOTONIC */
        ts.tv_sec += q->tick_ms / 1000;
        ts.tv_nsec += (long)(q->tick_ms % 1000) * 1000000L;
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

struct tender_scheduler *tender_scheduler_start(struct store *s, struct cluster *c, int64_t tick_ms)
{
    struct tender_scheduler *q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->store = s;
    q->cluster = c;
    q->tick_ms = tick_ms > 0 ? tick_ms : TENDER_SCHEDULER_TICK_MS;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    cluster_lease_want(c, TENDER_SCHEDULER_LEASE);
    if (pthread_create(&q->thread, NULL, sched_main, q) != 0) {
        log_error("scheduler: cannot start the thread");
        pthread_mutex_destroy(&q->mu);
        pthread_cond_destroy(&q->cv);
        free(q);
        return NULL;
    }
    return q;
}

void tender_scheduler_stop(struct tender_scheduler *q)
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
    free(q);
}
