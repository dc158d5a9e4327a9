/*
 * Unit tests for the SSE hub's coalescing of big fan-out passes
 * (http/sse_internal.h, SSE_COALESCE_MIN / SSE_COALESCE_MS): with a wake
 * function, a pass over SSE_COALESCE_MIN or more subscribers starts at once
 * when none ran recently; events drained within SSE_COALESCE_MS of it wait
 * for the pacer's wake-up and then leave together, several in one write, in
 * id order; a small topic is never held back; a subscriber that detaches
 * while held back is forgotten; stop silences the pacer. The loop is this
 * test's thread: wake() only counts and signals, the test drains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "http/sse_internal.h"

#define NBIG (SSE_COALESCE_MIN + 88)

struct fake {
    struct sse_sub sub; /* first: the hub hands us &sub */
    struct buf got;
    int writes;
    bool attached;
    bool dropped;
};

static int fake_write(struct sse_sub *sub, const struct iovec *iov, int n)
{
    struct fake *f = (struct fake *)sub;
    f->writes++;
    for (int i = 0; i < n; i++)
        buf_append(&f->got, iov[i].iov_base, iov[i].iov_len);
    return 1;
}

static void fake_drop(struct sse_sub *sub)
{
    ((struct fake *)sub)->dropped = true;
}

static const struct sse_sub_ops fake_ops = {fake_write, fake_drop};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wakes;
} w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void on_wake(void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&w.mu);
    w.wakes++;
    pthread_cond_broadcast(&w.cv);
    pthread_mutex_unlock(&w.mu);
}

static int wakes(void)
{
    pthread_mutex_lock(&w.mu);
    int n = w.wakes;
    pthread_mutex_unlock(&w.mu);
    return n;
}

/* Waits up to ms for the wake count to pass `than`; true when it did. */
static bool wait_wake(int than, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w.mu);
    while (w.wakes <= than && pthread_cond_timedwait(&w.cv, &w.mu, &ts) == 0)
        ;
    bool ok = w.wakes > than;
    pthread_mutex_unlock(&w.mu);
    return ok;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct fake *attach_all(struct sse_hub *hub, const char *topic, int n)
{
    struct fake *f = calloc((size_t)n, sizeof(*f));
    assert_non_null(f);
    for (int i = 0; i < n; i++) {
        buf_init(&f[i].got, 1 << 16);
        f[i].sub.ops = &fake_ops;
        f[i].sub.owner = &f[i];
        assert_int_equal(sse_sub_attach(hub, &f[i].sub, topic, -1, NULL, 0), 0);
        f[i].attached = true;
    }
    return f;
}

static void release_all(struct fake *f, int n)
{
    for (int i = 0; i < n; i++) {
        if (f[i].attached)
            sse_sub_detach(&f[i].sub);
        buf_release(&f[i].got);
    }
    free(f);
}

static void test_big_pass_coalesced(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 0, on_wake, NULL);
    assert_non_null(hub);
    struct fake *big = attach_all(hub, "big", NBIG);
    struct fake *small = attach_all(hub, "small", 3);

    /* the first pass goes at once */
    int w0 = wakes();
    assert_true(sse_publish(hub, "big", "e", "1", 1) > 0);
    sse_hub_drain(hub);
    for (int i = 0; i < NBIG; i++)
        assert_int_equal(big[i].writes, 1);

    /* right after it: held back, both events, then one write each */
    double t0 = now_ms();
    int w1 = wakes();
    assert_true(sse_publish(hub, "big", "e", "2", 1) > 0);
    assert_true(sse_publish(hub, "big", "e", "3", 1) > 0);
    sse_hub_drain(hub);
    for (int i = 0; i < NBIG; i++)
        assert_int_equal(big[i].writes, 1);
    /* a small topic is not held back meanwhile */
    assert_true(sse_publish(hub, "small", "e", "s", 1) > 0);
    sse_hub_drain(hub);
    for (int i = 0; i < 3; i++)
        assert_int_equal(small[i].writes, 1);
    /* one subscriber leaves while held back */
    sse_sub_detach(&big[7].sub);
    big[7].attached = false;
    assert_true(w1 > w0);
    int w2 = wakes();
    assert_true(wait_wake(w2, 5000)); /* the pacer's wake-up */
    assert_true(now_ms() - t0 >= SSE_COALESCE_MS * 0.5);
    sse_hub_drain(hub);
    for (int i = 0; i < NBIG; i++) {
        if (i == 7)
            continue;
        assert_int_equal(big[i].writes, 2);
        assert_non_null(strstr(big[i].got.data, "id: 1\nevent: e\ndata: 1\n\n"
                                                "id: 2\nevent: e\ndata: 2\n\n"
                                                "id: 3\nevent: e\ndata: 3\n\n"));
    }
    assert_int_equal(big[7].writes, 1);
    for (int i = 0; i < NBIG; i++)
        assert_false(big[i].dropped);

    /* stop: the pacer wakes nobody any more; free joins it */
    assert_true(sse_publish(hub, "big", "e", "4", 1) > 0);
    sse_hub_drain(hub); /* within the window again: held back */
    sse_hub_stop(hub);
    int w3 = wakes();
    struct timespec nap = {0, (long)SSE_COALESCE_MS * 3 * 1000000L};
    nanosleep(&nap, NULL);
    assert_int_equal(wakes(), w3);
    release_all(big, NBIG);
    release_all(small, 3);
    sse_hub_free(hub);
}

static void test_no_wake_no_deferral(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 0, NULL, NULL);
    struct fake *big = attach_all(hub, "big", NBIG);
    for (int k = 0; k < 3; k++) {
        assert_true(sse_publish(hub, "big", NULL, "x", 1) > 0);
        sse_hub_drain(hub);
        for (int i = 0; i < NBIG; i++)
            assert_int_equal(big[i].writes, k + 1);
    }
    release_all(big, NBIG);
    sse_hub_free(hub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_big_pass_coalesced),
        cmocka_unit_test(test_no_wake_no_deferral),
    };
    return cmocka_run_group_tests_name("sse_coalesce", tests, NULL, NULL);
}
