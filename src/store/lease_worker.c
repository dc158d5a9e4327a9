/*
 * store/lease_worker.c — the lease-held round thread (lease_worker.h).
 *
 * Owns: one thread, its mutex and condition variable (on CLOCK_MONOTONIC,
 * so a moved wall clock neither stalls nor hurries it). stop sets stopping
 * under the mutex and signals, so the thread leaves its wait at once.
 */
#include "store/lease_worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/log.h"

struct lease_worker {
    struct store *store;     /* borrowed */
    struct cluster *cluster; /* borrowed */
    struct lease_worker_config cfg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled by stop */
    bool stopping;     /* under mu */
};

/* Whether this node may run a round: always in lease-free mode. */
static bool may_run(struct lease_worker *w)
{
    return w->cfg.lease == NULL || cluster_lease_held(w->cluster, w->cfg.lease);
}

static void drain(struct lease_worker *w)
{
    int rounds = 0, rc;
    bool more;
    do {
        more = false;
        rc = w->cfg.round(w->cfg.arg, &more);
        if (rc != STORE_OK && rc != STORE_BUSY)
            log_error("%s: round failed: %s (%s)", w->cfg.name, store_rc_name(rc),
                      store_errmsg(w->store));
    } while (rc == STORE_OK && more && ++rounds < w->cfg.max_rounds && may_run(w));
}

static void *worker_main(void *arg)
{
    struct lease_worker *w = arg;
    bool held = false;

    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        pthread_mutex_unlock(&w->mu);
        bool now_held = may_run(w);
        if (now_held != held && w->cfg.lease != NULL)
            log_info("%s: %s the lease %s", w->cfg.name, now_held ? "holding" : "lost",
                     w->cfg.lease);
        held = now_held;
        if (held)
            drain(w);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += w->cfg.tick_ms / 1000;
        ts.tv_nsec += (long)(w->cfg.tick_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&w->mu);
        if (!w->stopping)
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    store_thread_done(w->store);
    return NULL;
}

struct lease_worker *lease_worker_start(struct store *s, struct cluster *c,
                                        const struct lease_worker_config *cfg)
{
    struct lease_worker *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->store = s;
    w->cluster = c;
    w->cfg = *cfg;
    if (w->cfg.tick_ms <= 0)
        w->cfg.tick_ms = 1000;
    if (w->cfg.max_rounds < 1)
        w->cfg.max_rounds = 1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (w->cfg.lease != NULL)
        cluster_lease_want(c, w->cfg.lease);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        log_error("%s: cannot start the thread", w->cfg.name);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    return w;
}

void lease_worker_stop(struct lease_worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
