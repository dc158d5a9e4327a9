/*
 * pool.c — the worker pool of the HTTP server (see pool.h): a FIFO queue
 * of tasks filled by the loop, a fixed set of long-lived threads that run
 * them, and a done list the loop drains in batches.
 *
 * Why not uv_queue_work. libuv's pool signals a condition variable once per
 * task, under the pool's single mutex. With the loop and the workers on one
 * core (bench/http pins them so), each request cost about 2.3 context
 * switches: the signalled worker preempted the loop in the middle of its
 * iteration, then blocked on the mutex the loop still held, and each
 * completion woke the loop again. Here the loop wakes at most one worker
 * per loop iteration, and only when none is already awake to find the work;
 * workers wake the loop once per batch of completions. Measured with wrk,
 * GET /api/orgs, 50 connections, server pinned to one core: about 0.12
 * context switches per request instead of 2.3, and about 10% more requests
 * per second (the switches cost less than perf suggested: perf itself makes
 * every switch dearer). At one connection the latency is unchanged.
 *
 * Owns: the queue, the done list, the workers (threads and condition
 * variables), and two handles on the loop:
 *
 *   async   workers -> loop: "the done list is not empty". Ref'd while tasks
 *           are in flight (the loop lives until every done callback ran, as
 *           with uv_queue_work), unref'd otherwise.
 *   kick    a uv_prepare: runs once per iteration just before the loop
 *           polls, i.e. after everything the iteration submitted. Unref'd.
 *
 * Waking, on the submission side (all under mu):
 *   - A worker is *searching* when it is awake and not running a task: it
 *     was just woken, finished a task, or has just started. It takes tasks
 *     from the queue until it is empty, then puts itself on the idle stack
 *     (LIFO: the warmest thread is woken next) and sleeps on its own
 *     condition variable.
 *   - http_pool_submit only queues. The kick wakes the top idle worker if
 *     the queue is not empty and nobody is searching. A worker that takes a
 *     task and leaves more behind with nobody searching wakes one more: a
 *     backlog (or handlers blocked on the database) spreads over the
 *     workers one wake-up at a time, and a burst wakes each worker at most
 *     once.
 *   - The waker takes the worker off the idle stack and counts it as
 *     searching under mu, and signals after unlocking: a woken worker never
 *     blocks at once on the lock of the thread that woke it, and two kicks
 *     never wake two workers for one task.
 *   Invariant (no lost wake-up): while the queue is not empty, a worker is
 *   searching, or none is idle (the running ones come back for the work),
 *   or the loop has a kick due (p->submitted) before it next polls.
 *
 * Completions (under done_mu): a worker appends its task to the done list
 * and sends the async only when none is pending (async_pending); the loop
 * clears async_pending as it takes the whole list, then calls the done
 * callbacks in order; conn.c writes what they finished once, in its
 * uv_check. Since the flag and the list change together under done_mu, a
 * completion is always either taken by a drain or announced by a send.
 *
 * Tried and not kept (same benchmark): spinning before sleeping (up to 50
 * sched_yield polls) - no gain at 50 connections, and at one connection
 * latency got worse (126 us vs 102 us), since on a shared core the spinner
 * takes the loop's time; deferring the loop's wake-up until the worker found
 * the queue empty - no measurable gain, and it would hold finished responses
 * back behind a slow handler.
 *
 * Stop: http_pool_stop sets stop and wakes everyone; workers take what is
 * still queued, finish, and exit; stop joins them and calls the last done
 * callbacks itself (the loop is not running then). Workers are long-lived:
 * per-thread state of handlers (the store's connection) lives as long as
 * the server and is freed by its thread-key destructors at join.
 *
 * Threads: see pool.h. Workers run with every signal blocked. A task
 * submitted from a uv_prepare callback that runs after the kick is not
 * announced until the loop next wakes for another reason: the server
 * submits only from I/O, async and check callbacks, which the kick follows.
 */
#include "http/pool.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

struct http_pool_worker {
    struct http_pool *p;                /* the pool */
    pthread_t th;                       /* the thread */
    pthread_cond_t cv;                  /* signalled when woken or stopping */
    struct http_pool_worker *next_idle; /* in p->idle while sleeping */
    bool woken;                         /* mu: taken off p->idle by a waker */
    bool cv_inited;                     /* cv is initialised */
    int index;                          /* 0.., for the thread's name */
};

/* ---- submission side (mu) -------------------------------------------------- */

static struct http_pool_task *queue_pop(struct http_pool *p)
{
    struct http_pool_task *t = p->head;
    if (t == NULL)
        return NULL;
    p->head = t->next;
    if (p->head == NULL)
        p->tail = NULL;
    t->next = NULL;
    p->nqueued--;
    return t;
}

/* Takes the most recently idle worker off the stack and counts it as
 * searching; the caller signals it after dropping mu. NULL: none sleeps. */
static struct http_pool_worker *take_idle(struct http_pool *p)
{
    struct http_pool_worker *w = p->idle;
    if (w == NULL)
        return NULL;
    p->idle = w->next_idle;
    p->nidle--;
    w->next_idle = NULL;
    w->woken = true;
    p->nsearching++;
    p->nwakeups++;
    return w;
}

/* ---- completion side (done_mu) --------------------------------------------- */

static void complete(struct http_pool *p, struct http_pool_task *t)
{
    bool send = false;
    t->next = NULL;
    pthread_mutex_lock(&p->done_mu);
    if (p->done_tail != NULL)
        p->done_tail->next = t;
    else
        p->done_head = t;
    p->done_tail = t;
    if (!p->async_pending) {
        p->async_pending = true;
        p->nasync++;
        send = true;
    }
    pthread_mutex_unlock(&p->done_mu);
    if (send)
        uv_async_send(&p->async);
}

/* Loop: runs the done callbacks of everything finished so far. */
static void drain(struct http_pool *p)
{
    pthread_mutex_lock(&p->done_mu);
    struct http_pool_task *t = p->done_head;
    p->done_head = p->done_tail = NULL;
    p->async_pending = false;
    if (t != NULL)
        p->ndrains++;
    pthread_mutex_unlock(&p->done_mu);
    while (t != NULL) {
        struct http_pool_task *next = t->next;
        p->inflight--;
        t->done(t); /* may submit t or others again */
        t = next;
    }
    if (p->inflight == 0 && p->async_inited)
        uv_unref((uv_handle_t *)&p->async);
}

static void on_async(uv_async_t *a)
{
    drain(a->data);
}

/* ---- workers ----------------------------------------------------------------- */

static void *worker_main(void *arg)
{
    struct http_pool_worker *w = arg;
    struct http_pool *p = w->p;
    char name[16];
    snprintf(name, sizeof(name), "sunbid-w%d", w->index);
    pthread_setname_np(pthread_self(), name);

    pthread_mutex_lock(&p->mu);
    /* A new worker counts as searching (init set nsearching). */
    for (;;) {
        struct http_pool_task *t = queue_pop(p);
        if (t == NULL) {
            if (p->stop) {
                p->nsearching--;
                break;
            }
            /* Nothing to do: sleep until a waker takes us off the stack. */
            p->nsearching--;
            w->woken = false;
            w->next_idle = p->idle;
            p->idle = w;
            p->nidle++;
            while (!w->woken && !p->stop)
                pthread_cond_wait(&w->cv, &p->mu);
            if (!w->woken)
                p->nsearching++; /* stopping: stop emptied p->idle; help drain */
            continue;
        }
        p->nsearching--;
        /* More waiting and nobody else looking: wake one more worker, so
         * that a backlog is worked on in parallel. */
        struct http_pool_worker *more = NULL;
        if (p->head != NULL && p->nsearching == 0)
            more = take_idle(p);
        pthread_mutex_unlock(&p->mu);
        if (more != NULL)
            pthread_cond_signal(&more->cv);
        t->run(t);
        complete(p, t);
        pthread_mutex_lock(&p->mu);
        p->nsearching++;
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- the loop's side --------------------------------------------------------- */

/* Runs just before the loop polls, i.e. once per iteration after everything
 * the iteration submitted: one wake-up for the whole batch, and only when no
 * worker is awake to find it. */
static void on_kick(uv_prepare_t *h)
{
    struct http_pool *p = h->data;
    if (!p->submitted)
        return;
    p->submitted = false;
    struct http_pool_worker *w = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->head != NULL && p->nsearching == 0)
        w = take_idle(p);
    pthread_mutex_unlock(&p->mu);
    if (w != NULL)
        pthread_cond_signal(&w->cv);
}

int http_pool_submit(struct http_pool *p, struct http_pool_task *t)
{
    if (p->stopped)
        return -1;
    t->next = NULL;
    if (p->inflight++ == 0)
        uv_ref((uv_handle_t *)&p->async);
    p->submitted = true;
    pthread_mutex_lock(&p->mu);
    if (p->tail != NULL)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    p->nqueued++;
    p->nsubmitted++;
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int http_pool_init(struct http_pool *p, uv_loop_t *loop, int nworkers, char *err, size_t errlen)
{
    int r;
    memset(p, 0, sizeof(*p));
    p->loop = loop;
    if (nworkers < 1)
        nworkers = 1;
    if (nworkers > HTTP_POOL_MAX_WORKERS)
        nworkers = HTTP_POOL_MAX_WORKERS;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        snprintf(err, errlen, "pool: mutex init failed");
        return -1;
    }
    if (pthread_mutex_init(&p->done_mu, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        snprintf(err, errlen, "pool: mutex init failed");
        return -1;
    }
    p->locks_inited = true;
    r = uv_async_init(loop, &p->async, on_async);
    if (r != 0) {
        snprintf(err, errlen, "pool: uv_async_init: %s", uv_strerror(r));
        return -1;
    }
    p->async_inited = true;
    p->async.data = p;
    uv_unref((uv_handle_t *)&p->async); /* ref'd while tasks are in flight */
    uv_prepare_init(loop, &p->kick);
    p->kick_inited = true;
    p->kick.data = p;
    uv_prepare_start(&p->kick, on_kick);
    uv_unref((uv_handle_t *)&p->kick);

    p->workers = calloc((size_t)nworkers, sizeof(*p->workers));
    if (p->workers == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->nworkers = nworkers;
    for (int i = 0; i < nworkers; i++) {
        struct http_pool_worker *w = &p->workers[i];
        w->p = p;
        w->index = i;
        if (pthread_cond_init(&w->cv, NULL) != 0) {
            snprintf(err, errlen, "pool: condvar init failed");
            return -1;
        }
        w->cv_inited = true;
    }
    /* Workers take no signals: SIGTERM and friends go to the threads that
     * wait for them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    p->nsearching = nworkers; /* each counts as searching until it sleeps */
    for (int i = 0; i < nworkers; i++) {
        r = pthread_create(&p->workers[i].th, NULL, worker_main, &p->workers[i]);
        if (r != 0) {
            snprintf(err, errlen, "pool: cannot start worker thread %d: %s", i, strerror(r));
            pthread_mutex_lock(&p->mu);
            p->nsearching -= nworkers - i;
            pthread_mutex_unlock(&p->mu);
            break;
        }
        p->nstarted++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return p->nstarted == nworkers ? 0 : -1;
}

static void on_closed(uv_handle_t *h)
{
    (void)h; /* the handles live in the pool; release frees nothing of theirs */
}

void http_pool_stop(struct http_pool *p)
{
    if (p->stopped)
        return;
    p->stopped = true;
    if (p->locks_inited) {
        pthread_mutex_lock(&p->mu);
        p->stop = true;
        p->idle = NULL; /* every sleeper wakes, sees stop, drains the queue */
        p->nidle = 0;
        pthread_mutex_unlock(&p->mu);
        for (int i = 0; i < p->nstarted; i++)
            pthread_cond_signal(&p->workers[i].cv);
        for (int i = 0; i < p->nstarted; i++)
            pthread_join(p->workers[i].th, NULL);
        p->nstarted = 0;
        /* What ran after the loop's last drain. */
        drain(p);
        if (p->inflight != 0)
            BUG("pool: %zu tasks neither queued nor done at stop", p->inflight);
    }
    if (p->async_inited)
        uv_close((uv_handle_t *)&p->async, on_closed);
    if (p->kick_inited)
        uv_close((uv_handle_t *)&p->kick, on_closed);
}

void http_pool_release(struct http_pool *p)
{
    if (p->workers != NULL) {
        for (int i = 0; i < p->nworkers; i++) {
            if (p->workers[i].cv_inited)
                pthread_cond_destroy(&p->workers[i].cv);
        }
        free(p->workers);
        p->workers = NULL;
    }
    if (p->locks_inited) {
        pthread_mutex_destroy(&p->mu);
        pthread_mutex_destroy(&p->done_mu);
        p->locks_inited = false;
    }
}

void http_pool_stats(struct http_pool *p, struct http_pool_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!p->locks_inited)
        return;
    pthread_mutex_lock(&p->mu);
    out->submitted = p->nsubmitted;
    out->wakeups = p->nwakeups;
    out->queued = p->nqueued;
    out->idle = p->nidle;
    out->searching = p->nsearching;
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_lock(&p->done_mu);
    out->async_sends = p->nasync;
    out->drains = p->ndrains;
    pthread_mutex_unlock(&p->done_mu);
}
