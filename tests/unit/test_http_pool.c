/*
 * Unit tests for the HTTP worker pool (http/pool.h), with a real libuv loop
 * and real threads: every task runs once and comes back once, run on a
 * worker and done on the loop's thread; the loop lives while tasks are in
 * flight; stop runs what is queued and waits for what runs; a storm of
 * submissions on one or two workers; a burst wakes each worker at most
 * once; and stress loops for lost wake-ups (a task submitted just as the
 * workers go to sleep must still run).
 *
 * No assertion depends on timing. A watchdog timer turns a hang (a lost
 * wake-up would be one) into a failure with the pool's state, after 60 s
 * without progress.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/pool.h"

#define WATCHDOG_MS 60000

struct job;

/* One test's world: a loop, a pool, the jobs. */
struct fx {
    uv_loop_t loop;
    struct http_pool pool;
    uv_timer_t watchdog;
    pthread_t loop_thread; /* the thread that runs uv_run */
    struct job *jobs;      /* njobs of them */
    int njobs;
    uint64_t ndone;          /* done callbacks so far (loop) */
    uint64_t nsubmitted;     /* submissions so far (loop) */
    uint64_t target;         /* resubmit from done until this many submissions */
    uint64_t last_progress;  /* ndone at the last watchdog tick */
    int idle_ticks;          /* watchdog ticks without progress */
    int spin_max;            /* busy-work iterations in run: 0..spin_max */
    atomic_int bad_thread;   /* a run on the loop thread, or a done off it */
    atomic_long nrunning;    /* runs in progress */
    atomic_long max_running; /* most runs seen at once */
    bool watchdog_on;
};

struct job {
    struct http_pool_task task; /* first: the pool's */
    struct fx *f;
    atomic_int runs;      /* times run (workers) */
    int dones;            /* times done (loop) */
    int sleep_ms;         /* run sleeps this long */
    atomic_bool started;  /* run began */
    atomic_bool finished; /* run ended */
    unsigned seed;        /* for the busy-work length */
    bool out;             /* loop: submitted and not yet done (idle test) */
};

static struct job *job_of(struct http_pool_task *t)
{
    return (struct job *)((char *)t - offsetof(struct job, task));
}

static void burn(unsigned n)
{
    volatile unsigned x = 0;
    for (unsigned i = 0; i < n; i++)
        x += i;
}

static void job_run(struct http_pool_task *t)
{
    struct job *j = job_of(t);
    struct fx *f = j->f;
    if (pthread_equal(pthread_self(), f->loop_thread))
        atomic_store(&f->bad_thread, 1);
    long now = atomic_fetch_add(&f->nrunning, 1) + 1;
    long seen = atomic_load(&f->max_running);
    while (now > seen && !atomic_compare_exchange_weak(&f->max_running, &seen, now))
        ;
    atomic_store(&j->started, true);
    atomic_fetch_add(&j->runs, 1);
    if (j->sleep_ms > 0) {
        struct timespec ts = {0, (long)j->sleep_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (f->spin_max > 0)
        burn((unsigned)rand_r(&j->seed) % (unsigned)f->spin_max);
    atomic_store(&j->finished, true);
    atomic_fetch_sub(&f->nrunning, 1);
}

static void submit(struct fx *f, struct job *j)
{
    f->nsubmitted++;
    assert_int_equal(http_pool_submit(&f->pool, &j->task), 0);
}

static void job_done(struct http_pool_task *t)
{
    struct job *j = job_of(t);
    struct fx *f = j->f;
    if (!pthread_equal(pthread_self(), f->loop_thread))
        atomic_store(&f->bad_thread, 1);
    j->dones++;
    f->ndone++;
    if (f->nsubmitted < f->target)
        submit(f, j); /* at once, from the done callback: races the workers' sleep */
    if (f->watchdog_on && f->ndone == f->target)
        uv_timer_stop(&f->watchdog);
}

static void on_watchdog(uv_timer_t *t)
{
    struct fx *f = t->data;
    if (f->ndone != f->last_progress) {
        f->last_progress = f->ndone;
        f->idle_ticks = 0;
        return;
    }
    if (++f->idle_ticks * 1000 < WATCHDOG_MS)
        return;
    struct http_pool_stats st;
    http_pool_stats(&f->pool, &st);
    fail_msg("no progress for %d s: %llu of %llu done; pool: submitted %llu, wakeups %llu, "
             "async %llu, searching %d, idle %d, queued %d",
             WATCHDOG_MS / 1000, (unsigned long long)f->ndone, (unsigned long long)f->target,
             (unsigned long long)st.submitted, (unsigned long long)st.wakeups,
             (unsigned long long)st.async_sends, st.searching, st.idle, st.queued);
}

static struct fx *fx_new(int nworkers, int njobs)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[128];
    assert_non_null(f);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    f->loop_thread = pthread_self();
    assert_int_equal(http_pool_init(&f->pool, &f->loop, nworkers, err, sizeof(err)), 0);
    f->jobs = calloc((size_t)njobs, sizeof(*f->jobs));
    assert_non_null(f->jobs);
    f->njobs = njobs;
    for (int i = 0; i < njobs; i++) {
        f->jobs[i].f = f;
        f->jobs[i].task.run = job_run;
        f->jobs[i].task.done = job_done;
        f->jobs[i].seed = (unsigned)i * 2654435761u;
    }
    uv_timer_init(&f->loop, &f->watchdog);
    f->watchdog.data = f;
    return f;
}

static void watchdog_start(struct fx *f)
{
    f->watchdog_on = true;
    uv_timer_start(&f->watchdog, on_watchdog, 1000, 1000);
}

static void fx_free(struct fx *f)
{
    http_pool_stop(&f->pool);
    uv_close((uv_handle_t *)&f->watchdog, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT); /* finishes the closes */
    http_pool_release(&f->pool);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    free(f->jobs);
    free(f);
}

/* Each job ran exactly once per submission and came back exactly once. */
static void check_exactly_once(struct fx *f, int per_job)
{
    for (int i = 0; i < f->njobs; i++) {
        assert_int_equal(atomic_load(&f->jobs[i].runs), per_job);
        assert_int_equal(f->jobs[i].dones, per_job);
    }
    assert_int_equal(atomic_load(&f->bad_thread), 0);
}

/* ---- tests --------------------------------------------------------------- */

/* 20,000 tasks submitted before the loop runs: uv_run returns only once all
 * of them came back (the pool keeps the loop alive while tasks are out), and
 * each ran on a worker once and was done on the loop once. */
static void test_many_tasks_exactly_once(void **state)
{
    (void)state;
    struct fx *f = fx_new(4, 20000);
    f->target = (uint64_t)f->njobs;
    for (int i = 0; i < f->njobs; i++)
        submit(f, &f->jobs[i]);
    watchdog_start(f);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(f->ndone, 20000);
    check_exactly_once(f, 1);
    struct http_pool_stats st;
    http_pool_stats(&f->pool, &st);
    assert_int_equal(st.submitted, 20000);
    assert_true(st.drains >= 1);
    fx_free(f);
}

/* The loop runs on another thread than the one that made the pool (as in the
 * server): done callbacks run on the loop's thread, runs elsewhere. */
struct loop_arg {
    struct fx *f;
};

static void on_start_timer(uv_timer_t *t)
{
    struct fx *f = t->data;
    for (int i = 0; i < f->njobs; i++)
        submit(f, &f->jobs[i]);
    uv_close((uv_handle_t *)t, NULL);
}

static void *loop_main(void *p)
{
    struct fx *f = p;
    f->loop_thread = pthread_self();
    uv_run(&f->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void test_done_on_loop_thread(void **state)
{
    (void)state;
    struct fx *f = fx_new(3, 5000);
    uv_timer_t start;
    f->target = (uint64_t)f->njobs * 3; /* jobs go round about three times */
    uv_timer_init(&f->loop, &start);
    start.data = f;
    uv_timer_start(&start, on_start_timer, 0, 0);
    watchdog_start(f);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, loop_main, f), 0);
    pthread_join(th, NULL);
    assert_int_equal(f->ndone, f->target);
    uint64_t runs = 0;
    for (int i = 0; i < f->njobs; i++) {
        assert_int_equal(atomic_load(&f->jobs[i].runs), f->jobs[i].dones);
        runs += (uint64_t)f->jobs[i].dones;
    }
    assert_int_equal(runs, f->target);
    assert_int_equal(atomic_load(&f->bad_thread), 0);
    f->loop_thread = pthread_self(); /* stop's last done callbacks run here */
    fx_free(f);
}

/* Stop runs what is still queued and waits for what is running; the done
 * callbacks have all run when it returns. */
static void test_stop_waits_for_running(void **state)
{
    (void)state;
    struct fx *f = fx_new(2, 8);
    f->target = 0; /* no resubmission */
    for (int i = 0; i < f->njobs; i++) {
        f->jobs[i].sleep_ms = 30;
        submit(f, &f->jobs[i]);
    }
    /* One loop iteration kicks a worker; wait until a task is running. */
    uv_run(&f->loop, UV_RUN_NOWAIT);
    while (!atomic_load(&f->jobs[0].started))
        sched_yield();
    http_pool_stop(&f->pool);
    for (int i = 0; i < f->njobs; i++)
        assert_true(atomic_load(&f->jobs[i].finished));
    assert_int_equal(f->ndone, (uint64_t)f->njobs);
    check_exactly_once(f, 1);
    /* Stopped: submit refuses, the caller runs the task itself. */
    assert_int_equal(http_pool_submit(&f->pool, &f->jobs[0].task), -1);
    fx_free(f);
}

/* Stop with nothing ever submitted, and with the loop never run. */
static void test_stop_idle(void **state)
{
    (void)state;
    struct fx *f = fx_new(4, 1);
    fx_free(f);
}

/* A storm: 2,000 jobs resubmitted from their done callbacks until 400,000
 * tasks ran, on one worker and then on two, with work of varying length. */
static void storm(int nworkers)
{
    struct fx *f = fx_new(nworkers, 2000);
    f->target = 400000;
    f->spin_max = 2000;
    for (int i = 0; i < f->njobs; i++)
        submit(f, &f->jobs[i]);
    watchdog_start(f);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(f->ndone, f->target);
    uint64_t runs = 0;
    for (int i = 0; i < f->njobs; i++) {
        assert_int_equal(atomic_load(&f->jobs[i].runs), f->jobs[i].dones);
        runs += (uint64_t)f->jobs[i].dones;
    }
    assert_int_equal(runs, f->target);
    assert_int_equal(atomic_load(&f->bad_thread), 0);
    assert_true(atomic_load(&f->max_running) <= nworkers);
    fx_free(f);
}

static void test_storm_one_worker(void **state)
{
    (void)state;
    storm(1);
}

static void test_storm_two_workers(void **state)
{
    (void)state;
    storm(2);
}

/* Waits until every worker sleeps. */
static void wait_all_idle(struct fx *f)
{
    for (;;) {
        struct http_pool_stats st;
        http_pool_stats(&f->pool, &st);
        if (st.idle == f->pool.nworkers)
            return;
        sched_yield();
    }
}

/* One burst submitted in one loop iteration to sleeping workers wakes each
 * at most once: the loop wakes one at the end of the iteration, a worker
 * that finds more queued wakes the next, and nobody sleeps before the queue
 * is empty. */
static void test_burst_wakes_each_worker_at_most_once(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        struct fx *f = fx_new(4, 1000);
        f->target = (uint64_t)f->njobs;
        wait_all_idle(f);
        for (int i = 0; i < f->njobs; i++)
            submit(f, &f->jobs[i]);
        watchdog_start(f);
        uv_run(&f->loop, UV_RUN_DEFAULT);
        check_exactly_once(f, 1);
        struct http_pool_stats st;
        http_pool_stats(&f->pool, &st);
        assert_true(st.wakeups <= 4);
        assert_true(st.async_sends <= 1000);
        fx_free(f);
    }
}

/* Lost wake-ups: one task in flight, resubmitted from its done callback the
 * moment it comes back, 30,000 times. Each time, the worker that ran it is
 * on its way to sleep (or asleep) as the loop submits again: whichever comes
 * first, the task must run. Then the same with two and three tasks in
 * flight on more workers, and with work of varying length. */
static void ping_pong(int nworkers, int njobs, int spin_max)
{
    struct fx *f = fx_new(nworkers, njobs);
    f->target = 30000;
    f->spin_max = spin_max;
    for (int i = 0; i < njobs; i++)
        submit(f, &f->jobs[i]);
    watchdog_start(f);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(f->ndone, f->target);
    assert_int_equal(atomic_load(&f->bad_thread), 0);
    struct http_pool_stats st;
    http_pool_stats(&f->pool, &st);
    assert_int_equal(st.submitted, f->target);
    assert_true(st.wakeups <= st.submitted); /* never more than one per task */
    fx_free(f);
}

static void test_no_lost_wakeups_one_in_flight(void **state)
{
    (void)state;
    ping_pong(1, 1, 0);
    ping_pong(4, 1, 0);
    ping_pong(4, 1, 300);
}

static void test_no_lost_wakeups_few_in_flight(void **state)
{
    (void)state;
    ping_pong(2, 2, 0);
    ping_pong(4, 3, 0);
    ping_pong(3, 5, 500);
}

/* Submissions from another loop callback phase than the done callbacks: an
 * idle handle submits one task per iteration while the loop also polls, so
 * the kick often finds a worker still awake from the last task. */
struct idle_fx {
    struct fx *f;
    int next;
};

static void on_idle(uv_idle_t *h)
{
    struct idle_fx *ix = h->data;
    struct fx *f = ix->f;
    if (f->nsubmitted >= f->target) {
        uv_idle_stop(h);
        return;
    }
    struct job *j = &f->jobs[ix->next];
    if (j->out)
        return; /* not back yet: try again next iteration */
    j->out = true;
    submit(f, j);
    ix->next = (ix->next + 1) % f->njobs;
}

static void idle_done(struct http_pool_task *t)
{
    struct job *j = job_of(t);
    struct fx *f = j->f;
    if (!pthread_equal(pthread_self(), f->loop_thread))
        atomic_store(&f->bad_thread, 1);
    j->out = false;
    j->dones++;
    f->ndone++;
    if (f->ndone == f->target)
        uv_timer_stop(&f->watchdog);
}

static void test_submit_from_idle_callback(void **state)
{
    (void)state;
    struct fx *f = fx_new(2, 64);
    struct idle_fx ix = {f, 0};
    uv_idle_t idle;
    f->target = 50000;
    for (int i = 0; i < f->njobs; i++)
        f->jobs[i].task.done = idle_done;
    uv_idle_init(&f->loop, &idle);
    idle.data = &ix;
    uv_idle_start(&idle, on_idle);
    watchdog_start(f);
    while (f->ndone < f->target)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_idle_stop(&idle);
    uv_close((uv_handle_t *)&idle, NULL);
    assert_int_equal(atomic_load(&f->bad_thread), 0);
    for (int i = 0; i < f->njobs; i++)
        assert_int_equal(atomic_load(&f->jobs[i].runs), f->jobs[i].dones);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_tasks_exactly_once),
        cmocka_unit_test(test_done_on_loop_thread),
        cmocka_unit_test(test_stop_waits_for_running),
        cmocka_unit_test(test_stop_idle),
        cmocka_unit_test(test_storm_one_worker),
        cmocka_unit_test(test_storm_two_workers),
        cmocka_unit_test(test_burst_wakes_each_worker_at_most_once),
        cmocka_unit_test(test_no_lost_wakeups_one_in_flight),
        cmocka_unit_test(test_no_lost_wakeups_few_in_flight),
        cmocka_unit_test(test_submit_from_idle_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
