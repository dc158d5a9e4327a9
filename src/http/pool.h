/*
 * pool.h — the HTTP server's worker pool (internal to http/): long-lived
 * threads that run tasks handed over by one libuv loop and hand each one
 * back to that loop when it has run. It replaces uv_queue_work for request
 * handlers; see pool.c for the design and why.
 *
 *     loop: http_pool_submit(t) ... [end of iteration: wake one worker]
 *     worker: t->run(t)          (a plain synchronous function)
 *     loop: t->done(t)           (from the pool's uv_async, in batches)
 *
 * Lifecycle (git's verbs, caller's storage):
 *     http_pool_init(&p, loop, n)   starts n threads; on failure the caller
 *                                   still calls stop and release
 *     http_pool_submit(&p, t) ...   on the loop thread
 *     http_pool_stop(&p)            runs what is queued, joins the threads,
 *                                   calls the last done callbacks, and starts
 *                                   closing the pool's two handles: the caller
 *                                   runs the loop once more to finish them
 *     http_pool_release(&p)         after that loop run
 *
 * Threads: init, submit, stop, release and every done callback on the loop's
 * thread (or, before and after uv_run, the thread that owns the loop); run
 * callbacks on the pool's threads; http_pool_stats from any thread.
 */
#ifndef SUNBID_HTTP_POOL_H
#define SUNBID_HTTP_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define HTTP_POOL_MAX_WORKERS 256

/* A unit of work, embedded in the caller's object (find it with offsetof).
 * From http_pool_submit until done is called, the pool owns `next`; run and
 * done must not be changed meanwhile. */
struct http_pool_task {
    struct http_pool_task *next;            /* in the queue or the done list */
    void (*run)(struct http_pool_task *t);  /* on a worker thread */
    void (*done)(struct http_pool_task *t); /* then on the loop thread; may submit again */
};

/* Counters, for tests and benchmarks. */
struct http_pool_stats {
    uint64_t submitted;   /* tasks submitted */
    uint64_t wakeups;     /* times a sleeping worker was signalled */
    uint64_t async_sends; /* times a worker woke the loop (uv_async_send) */
    uint64_t drains;      /* completion batches the loop took */
    int queued;           /* tasks waiting now */
    int idle;             /* workers asleep now */
    int searching;        /* workers awake and not running a task now */
};

struct http_pool_worker;

struct http_pool {
    uv_loop_t *loop;                  /* borrowed; the loop that submits and takes completions */
    uv_async_t async;                 /* workers -> loop: the done list is not empty */
    uv_prepare_t kick;                /* just before the loop polls: wake a worker if needed */
    bool async_inited;                /* async is a live handle (close it in stop) */
    bool kick_inited;                 /* kick likewise */
    bool locks_inited;                /* mu, done_mu are initialised */
    bool stopped;                     /* http_pool_stop ran */
    int nworkers;                     /* entries of workers[] */
    int nstarted;                     /* threads created (joined in stop) */
    struct http_pool_worker *workers; /* one per thread */

    /* Submission side, under mu. */
    pthread_mutex_t mu;
    struct http_pool_task *head;   /* oldest queued task (FIFO) */
    struct http_pool_task *tail;   /* newest */
    struct http_pool_worker *idle; /* sleeping workers, most recent first */
    int nidle;                     /* entries of idle */
    int nqueued;                   /* entries of the queue */
    int nsearching;                /* awake workers not running a task */
    bool stop;                     /* threads exit once the queue is empty */
    uint64_t nsubmitted;           /* stats */
    uint64_t nwakeups;             /* stats */

    /* Completion side, under done_mu. */
    pthread_mutex_t done_mu;
    struct http_pool_task *done_head; /* finished tasks, oldest first */
    struct http_pool_task *done_tail;
    bool async_pending; /* a wake-up is sent and not yet drained */
    uint64_t nasync;    /* stats */
    uint64_t ndrains;   /* stats */

    /* Loop thread only. */
    size_t inflight; /* submitted, done not yet called: while > 0 async is ref'd */
    bool submitted;  /* something was submitted since the last kick */
};

/* Starts nworkers threads (clamped to 1..HTTP_POOL_MAX_WORKERS) and the
 * pool's handles on loop. Returns 0, or -1 with err filled. */
int http_pool_init(struct http_pool *p, uv_loop_t *loop, int nworkers, char *err, size_t errlen);
/* Queues t (borrowed until its done callback). The workers are woken at the
 * end of the loop iteration, not here. Returns 0, or -1 once the pool is
 * stopped (t untouched: run it yourself). */
int http_pool_submit(struct http_pool *p, struct http_pool_task *t);
/* Runs every queued task, waits for running ones, joins the threads, calls
 * the remaining done callbacks, and starts closing the handles. Idempotent. */
void http_pool_stop(struct http_pool *p);
/* Frees what init allocated. After stop and a loop run that closed the
 * handles (uv_run returned). */
void http_pool_release(struct http_pool *p);
void http_pool_stats(struct http_pool *p, struct http_pool_stats *out);

#endif
