/*
 * Unit tests for the SSE hub's resets (sse.c, "Resets"): a client resuming
 * with a Last-Event-ID the hub cannot serve in full gets "event: reset"
 * before what the ring still holds — after the ring evicted an event it
 * did not see, with an id of a previous run (above every id, or below a
 * server hub's start-time base), or below the first id a restarted node
 * drained; and no reset when nothing can be lost. Fake subscribers, no
 * sockets (as test_sse_hub.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "http/sse_internal.h"

#define RESET_GAP     "event: reset\ndata: {\"reason\":\"gap\"}\n\n"
#define RESET_RESTART "event: reset\ndata: {\"reason\":\"restart\"}\n\n"

struct fake {
    struct sse_sub sub; /* first: the hub hands us &sub */
    struct buf got;     /* bytes "written" */
};

static int fake_write(struct sse_sub *sub, const struct iovec *iov, int n)
{
    struct fake *f = (struct fake *)sub;
    for (int i = 0; i < n; i++)
        buf_append(&f->got, iov[i].iov_base, iov[i].iov_len);
    return 1;
}

static void fake_drop(struct sse_sub *sub)
{
    (void)sub;
}

static const struct sse_sub_ops fake_ops = {fake_write, fake_drop};

/* Attaches a fresh fake to topic with last_id; returns what it got at once
 * (malloc'd) and detaches it. */
static char *attach_got(struct sse_hub *hub, const char *topic, int64_t last_id)
{
    struct fake f;
    memset(&f, 0, sizeof(f));
    buf_init(&f.got, 1u << 20);
    f.sub.ops = &fake_ops;
    f.sub.owner = &f;
    assert_int_equal(sse_sub_attach(hub, &f.sub, topic, last_id, "HEAD\n", 5), 0);
    char *out = strndup(f.got.data ? f.got.data : "", f.got.len);
    assert_non_null(out);
    sse_sub_detach(&f.sub);
    buf_release(&f.got);
    return out;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void no_wake(void *ctx)
{
    (void)ctx;
}

/* A hub without sse_hub_resets (tests, tools) replays as before. */
static void test_off_by_default(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 2, NULL, NULL);
    for (int i = 0; i < 5; i++)
        sse_publish(hub, "t", NULL, "x", 1);
    sse_hub_drain(hub);
    char *g = attach_got(hub, "t", 0);
    assert_string_equal(g, "HEAD\nid: 4\ndata: x\n\nid: 5\ndata: x\n\n");
    free(g);
    g = attach_got(hub, "t", 99);
    assert_int_equal(count(g, "reset"), 0);
    free(g);
    assert_int_equal(sse_last_id(hub), 5);
    sse_hub_free(hub);
}

static void test_gap_after_eviction(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 4, NULL, NULL); /* keeps 4 events */
    sse_hub_resets(hub, false);
    for (int i = 1; i <= 10; i++)
        assert_int_equal(sse_publish(hub, i % 2 ? "a" : "b", "x", "y", 1), i);
    sse_hub_drain(hub); /* ring: 7..10; 1..6 evicted */

    /* saw 5, 6 is gone: reset, then what the ring holds of the topic */
    char *g = attach_got(hub, "b", 5);
    assert_string_equal(g, "HEAD\n" RESET_GAP "id: 8\nevent: x\ndata: y\n\n"
                           "id: 10\nevent: x\ndata: y\n\n");
    free(g);
    /* from the start: reset too */
    g = attach_got(hub, "a", 0);
    assert_int_equal(count(g, "event: reset"), 1);
    assert_int_equal(count(g, "id: "), 2);
    free(g);
    /* saw 6, the last evicted: nothing lost, no reset */
    g = attach_got(hub, "a", 6);
    assert_string_equal(g, "HEAD\nid: 7\nevent: x\ndata: y\n\nid: 9\nevent: x\ndata: y\n\n");
    free(g);
    /* up to date: nothing at all */
    g = attach_got(hub, "a", 10);
    assert_string_equal(g, "HEAD\n");
    free(g);
    /* no Last-Event-ID: live only, never a reset */
    g = attach_got(hub, "a", -1);
    assert_string_equal(g, "HEAD\n");
    free(g);
    sse_hub_free(hub);
}

static void test_no_reset_within_window(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 100, NULL, NULL);
    sse_hub_resets(hub, false);
    for (int i = 0; i < 50; i++)
        sse_publish(hub, "t", NULL, "x", 1);
    sse_hub_drain(hub);
    for (int64_t last = 0; last <= 50; last += 7) {
        char *g = attach_got(hub, "t", last);
        assert_int_equal(count(g, "reset"), 0);
        assert_int_equal(count(g, "id: "), (int)(50 - last));
        free(g);
    }
    sse_hub_free(hub);
}

static void test_previous_run_above(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 0, NULL, NULL);
    sse_hub_resets(hub, false);
    /* before any event: an id is from another run */
    char *g = attach_got(hub, "t", 42);
    assert_string_equal(g, "HEAD\n" RESET_RESTART);
    free(g);
    sse_publish(hub, "t", "e", "1", 1);
    sse_publish(hub, "t", "e", "2", 1);
    sse_hub_drain(hub);
    g = attach_got(hub, "t", 999);
    assert_string_equal(g, "HEAD\n" RESET_RESTART "id: 1\nevent: e\ndata: 1\n\n"
                           "id: 2\nevent: e\ndata: 2\n\n");
    free(g);
    sse_hub_free(hub);
}

/* A server's hub numbers from its start in microseconds: an earlier run's
 * ids are below, and resuming with one is a reset. */
static void test_server_hub_base(void **state)
{
    (void)state;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t before = (int64_t)ts.tv_sec * 1000000 + (int64_t)ts.tv_nsec / 1000;
    struct sse_hub *hub = sse_hub_new(0, 0, no_wake, NULL);
    sse_hub_resets(hub, true);
    int64_t base = sse_last_id(hub);
    assert_true(base >= before);
    assert_true(base < ((int64_t)1 << 53)); /* exact in a browser's Number */

    /* no event yet: an earlier run's id resets */
    char *g = attach_got(hub, "t", 17);
    assert_string_equal(g, "HEAD\n" RESET_RESTART);
    free(g);
    /* the snapshot pattern (res->sse_last_id = sse_last_id()): no reset */
    g = attach_got(hub, "t", base);
    assert_string_equal(g, "HEAD\n");
    free(g);

    int64_t id1 = sse_publish(hub, "t", "e", "1", 1);
    assert_int_equal(id1, base + 1);
    sse_hub_drain(hub);
    char want[128];
    snprintf(want, sizeof want, "HEAD\n" RESET_RESTART "id: %lld\nevent: e\ndata: 1\n\n",
             (long long)id1);
    g = attach_got(hub, "t", 17);
    assert_string_equal(g, want);
    free(g);
    /* resumed in this run: as usual */
    g = attach_got(hub, "t", base);
    assert_int_equal(count(g, "reset"), 0);
    assert_int_equal(count(g, "id: "), 1);
    free(g);
    g = attach_got(hub, "t", id1);
    assert_string_equal(g, "HEAD\n");
    free(g);
    sse_hub_free(hub);
}

/* A node of a shared cluster: ids chosen by the cluster, below the hub's
 * base, are taken; resuming below the first one this node drained (it was
 * down meanwhile) is a reset. */
static void test_cluster_ids_on_server_hub(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 0, no_wake, NULL);
    sse_hub_resets(hub, true);
    assert_int_equal(sse_publish_id(hub, 100, "t", "e", "a", 1), 0);
    assert_int_equal(sse_publish_id(hub, 101, "t", "e", "b", 1), 0);
    assert_int_equal(sse_publish_id(hub, 101, "t", "e", "c", 1), -1); /* not increasing */
    sse_hub_drain(hub);
    char *g = attach_got(hub, "t", 100);
    assert_string_equal(g, "HEAD\nid: 101\nevent: e\ndata: b\n\n");
    free(g);
    g = attach_got(hub, "t", 99);
    assert_int_equal(count(g, "reset"), 0);
    assert_int_equal(count(g, "id: "), 2);
    free(g);
    g = attach_got(hub, "t", 50);
    assert_int_equal(count(g, RESET_GAP), 1);
    assert_int_equal(count(g, "id: "), 2);
    free(g);
    g = attach_got(hub, "t", 500); /* above all: another run */
    assert_int_equal(count(g, RESET_RESTART), 1);
    free(g);
    sse_hub_free(hub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_by_default),
        cmocka_unit_test(test_gap_after_eviction),
        cmocka_unit_test(test_no_reset_within_window),
        cmocka_unit_test(test_previous_run_above),
        cmocka_unit_test(test_server_hub_base),
        cmocka_unit_test(test_cluster_ids_on_server_hub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
