/*
 * Unit tests for the SSE hub (http/sse_internal.h) with fake subscribers:
 * wire format, id order, replay after Last-Event-ID, the replay window, the
 * bounded backlog dropping a slow subscriber, heartbeats, stop, and
 * publishing from several threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "http/sse_internal.h"

struct fake {
    struct sse_sub sub; /* first: the hub hands us &sub */
    struct buf got;     /* bytes "written" */
    bool async;         /* writes stay pending until fake_complete */
    bool pending;
    bool dropped;
    int writes;
};

static int fake_write(struct sse_sub *sub, const struct iovec *iov, int n)
{
    struct fake *f = (struct fake *)sub;
    f->writes++;
    for (int i = 0; i < n; i++)
        buf_append(&f->got, iov[i].iov_base, iov[i].iov_len);
    if (f->async) {
        f->pending = true;
        return 0;
    }
    return 1;
}

static void fake_drop(struct sse_sub *sub)
{
    ((struct fake *)sub)->dropped = true;
}

static const struct sse_sub_ops fake_ops = {fake_write, fake_drop};

static void fake_init(struct fake *f, bool async)
{
    memset(f, 0, sizeof(*f));
    buf_init(&f->got, 64u << 20);
    f->sub.ops = &fake_ops;
    f->sub.owner = f;
    f->async = async;
}

static void fake_complete(struct fake *f)
{
    if (!f->pending)
        return;
    f->pending = false;
    sse_sub_on_written(&f->sub, 0);
}

static void fake_release(struct fake *f)
{
    sse_sub_detach(&f->sub);
    buf_release(&f->got);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void test_wire_format_and_ids(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 0, NULL, NULL);
    struct fake a;
    fake_init(&a, false);
    assert_int_equal(sse_last_id(hub), 0);
    assert_int_equal(sse_sub_attach(hub, &a.sub, "tender.7", -1, "HEAD\r\n\r\n", 8), 0);
    assert_string_equal(a.got.data, "HEAD\r\n\r\n"); /* preamble first */
    assert_int_equal(sse_subscriber_count(hub), 1);

    assert_int_equal(sse_publish(hub, "tender.7", "bid.received", "{\"n\":1}", 7), 1);
    assert_int_equal(sse_publish(hub, "tender.7", NULL, "l1\r\nl2\rl3\n", 10), 2);
    assert_int_equal(sse_publish(hub, "tender.8", "x", "y", 1), 3);
    assert_int_equal(sse_publish(hub, "tender.7", "empty", NULL, 0), 4);
    assert_int_equal(sse_last_id(hub), 4);
    assert_string_equal(a.got.data, "HEAD\r\n\r\n"); /* nothing before the drain */
    sse_hub_drain(hub);
    assert_string_equal(a.got.data, "HEAD\r\n\r\n"
                                    "id: 1\nevent: bid.received\ndata: {\"n\":1}\n\n"
                                    "id: 2\ndata: l1\ndata: l2\ndata: l3\ndata: \n\n"
                                    "id: 4\nevent: empty\ndata: \n\n");
    /* names with line breaks would forge fields */
    assert_int_equal(sse_publish(hub, "a\nb", "x", "y", 1), -1);
    assert_int_equal(sse_publish(hub, "t", "x\ny", "y", 1), -1);
    assert_int_equal(sse_publish(hub, "", "x", "y", 1), -1);
    assert_int_equal(sse_publish(hub, "t", "x", "y", SSE_MAX_DATA + 1), -1);
    fake_release(&a);
    assert_int_equal(sse_subscriber_count(hub), 0);
    sse_hub_free(hub);
}

static void test_replay_after_last_event_id(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 0, NULL, NULL);
    for (int i = 0; i < 5; i++) {
        char d[16];
        snprintf(d, sizeof(d), "a%d", i);
        sse_publish(hub, "a", NULL, d, strlen(d)); /* ids 1,3,5,7,9 */
        sse_publish(hub, "b", NULL, "b", 1);       /* ids 2,4,6,8,10 */
    }
    sse_hub_drain(hub);

    struct fake f;
    fake_init(&f, false);
    assert_int_equal(sse_sub_attach(hub, &f.sub, "a", 4, NULL, 0), 0);
    assert_string_equal(f.got.data, "id: 5\ndata: a2\n\nid: 7\ndata: a3\n\nid: 9\ndata: a4\n\n");
    fake_release(&f);

    /* no Last-Event-ID: live only */
    fake_init(&f, false);
    assert_int_equal(sse_sub_attach(hub, &f.sub, "a", -1, NULL, 0), 0);
    assert_int_equal(f.got.len, 0);
    sse_publish(hub, "a", NULL, "live", 4);
    sse_hub_drain(hub);
    assert_string_equal(f.got.data, "id: 11\ndata: live\n\n");
    fake_release(&f);

    /* an id from a previous run of the server (above all ours): everything */
    fake_init(&f, false);
    assert_int_equal(sse_sub_attach(hub, &f.sub, "a", 999999, NULL, 0), 0);
    assert_int_equal(count(f.got.data, "id: "), 6);
    fake_release(&f);

    /* events queued but not yet drained arrive live, not twice */
    sse_publish(hub, "a", NULL, "q", 1); /* id 12, not drained */
    fake_init(&f, false);
    assert_int_equal(sse_sub_attach(hub, &f.sub, "a", 10, NULL, 0), 0);
    assert_string_equal(f.got.data, "id: 11\ndata: live\n\n");
    sse_hub_drain(hub);
    assert_string_equal(f.got.data, "id: 11\ndata: live\n\nid: 12\ndata: q\n\n");
    fake_release(&f);
    sse_hub_free(hub);
}

static void test_replay_window(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 4, NULL, NULL); /* keeps 4 events */
    for (int i = 1; i <= 10; i++)
        sse_publish(hub, "t", NULL, "x", 1);
    sse_hub_drain(hub);
    struct fake f;
    fake_init(&f, false);
    assert_int_equal(sse_sub_attach(hub, &f.sub, "t", 0, NULL, 0), 0);
    assert_int_equal(count(f.got.data, "id: "), 4);
    assert_non_null(strstr(f.got.data, "id: 7\n"));
    assert_null(strstr(f.got.data, "id: 6\n"));
    fake_release(&f);
    sse_hub_free(hub);
}

static void test_backlog_drops_slow_subscriber(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(200, 0, NULL, NULL);
    struct fake slow, fast;
    fake_init(&slow, true); /* never completes its writes */
    fake_init(&fast, false);
    assert_int_equal(sse_sub_attach(hub, &slow.sub, "t", -1, NULL, 0), 0);
    assert_int_equal(sse_sub_attach(hub, &fast.sub, "t", -1, NULL, 0), 0);
    char d[30];
    memset(d, 'z', sizeof(d));
    /* each event is "id: N\ndata: " + 30 + "\n\n" = ~45 bytes */
    for (int i = 0; i < 4; i++) {
        sse_publish(hub, "t", NULL, d, sizeof(d));
        sse_hub_drain(hub);
    }
    assert_false(slow.dropped);
    assert_true(slow.sub.backlog > 150 && slow.sub.backlog <= 200);
    sse_publish(hub, "t", NULL, d, sizeof(d));
    sse_hub_drain(hub);
    assert_true(slow.dropped); /* would pass 200 bytes */
    assert_false(fast.dropped);
    size_t before = slow.sub.backlog;
    sse_publish(hub, "t", NULL, d, sizeof(d));
    sse_hub_drain(hub);
    assert_int_equal(slow.sub.backlog, before); /* a dropped sub gets nothing */
    assert_int_equal(count(fast.got.data, "id: "), 6);
    fake_release(&slow); /* releases its queued references */
    fake_release(&fast);
    sse_hub_free(hub);
}

static void test_slow_subscriber_that_catches_up(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(200, 0, NULL, NULL);
    struct fake f;
    fake_init(&f, true);
    assert_int_equal(sse_sub_attach(hub, &f.sub, "t", -1, NULL, 0), 0);
    for (int i = 0; i < 20; i++) {
        sse_publish(hub, "t", NULL, "0123456789", 10);
        sse_hub_drain(hub);
        fake_complete(&f); /* reads as fast as events come */
    }
    assert_false(f.dropped);
    assert_int_equal(count(f.got.data, "id: "), 20);
    assert_int_equal(f.sub.backlog, 0);
    fake_release(&f);
    sse_hub_free(hub);
}

static void test_heartbeat(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 0, NULL, NULL);
    struct fake idle, busy;
    fake_init(&idle, false);
    fake_init(&busy, true);
    sse_sub_attach(hub, &idle.sub, "t", -1, NULL, 0);
    sse_sub_attach(hub, &busy.sub, "u", -1, "P", 1); /* preamble pending */
    sse_hub_heartbeat(hub);
    assert_string_equal(idle.got.data, ": hb\n\n");
    assert_string_equal(busy.got.data, "P");
    fake_complete(&busy);
    sse_hub_heartbeat(hub);
    assert_string_equal(busy.got.data, "P: hb\n\n");
    fake_release(&idle);
    fake_release(&busy);
    sse_hub_free(hub);
}

static void test_publish_id_and_stop(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 0, NULL, NULL);
    struct fake f;
    fake_init(&f, false);
    sse_sub_attach(hub, &f.sub, "t", -1, NULL, 0);
    assert_int_equal(sse_publish_id(hub, 100, "t", NULL, "a", 1), 0);
    assert_int_equal(sse_publish_id(hub, 100, "t", NULL, "b", 1), -1); /* not increasing */
    assert_int_equal(sse_publish_id(hub, 50, "t", NULL, "c", 1), -1);
    assert_int_equal(sse_publish(hub, "t", NULL, "d", 1), 101);
    sse_hub_drain(hub);
    assert_string_equal(f.got.data, "id: 100\ndata: a\n\nid: 101\ndata: d\n\n");
    sse_hub_stop(hub);
    assert_true(f.dropped);
    assert_int_equal(sse_publish(hub, "t", NULL, "e", 1), -1);
    struct fake g;
    fake_init(&g, false);
    assert_int_equal(sse_sub_attach(hub, &g.sub, "t", -1, NULL, 0), -1);
    buf_release(&g.got);
    fake_release(&f);
    sse_hub_free(hub);
}

static int wakes;
static void count_wake(void *ctx)
{
    (void)ctx;
    __atomic_add_fetch(&wakes, 1, __ATOMIC_RELAXED);
}

#define NTHREADS   4
#define PER_THREAD 3000

struct pub_arg {
    struct sse_hub *hub;
    int thread;
};

static void *publisher(void *p)
{
    struct pub_arg *a = p;
    for (int i = 0; i < PER_THREAD; i++) {
        char d[32];
        int n = snprintf(d, sizeof(d), "%d:%d", a->thread, i);
        while (sse_publish(a->hub, "t", "e", d, (size_t)n) < 0)
            ; /* queue full: the drainer catches up */
    }
    return NULL;
}

static void test_publish_from_threads(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(64u << 20, 100000, count_wake, NULL);
    struct fake f;
    fake_init(&f, false);
    sse_sub_attach(hub, &f.sub, "t", -1, NULL, 0);
    pthread_t th[NTHREADS];
    struct pub_arg args[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        args[i].hub = hub;
        args[i].thread = i;
        pthread_create(&th[i], NULL, publisher, &args[i]);
    }
    for (int i = 0; i < 50; i++)
        sse_hub_drain(hub); /* the loop drains while they publish */
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    sse_hub_drain(hub);
    assert_true(wakes >= 1);

    /* Every event once, ids strictly increasing, each thread's in order. */
    int64_t last = 0;
    int next[NTHREADS] = {0};
    int total = 0;
    const char *p = f.got.data;
    while (p != NULL && *p != '\0') {
        long long id;
        int t, seq;
        int used = 0;
        assert_int_equal(sscanf(p, "id: %lld\nevent: e\ndata: %d:%d\n\n%n", &id, &t, &seq, &used),
                         3);
        assert_true(used > 0);
        assert_true(id > last);
        last = id;
        assert_true(t >= 0 && t < NTHREADS);
        assert_int_equal(seq, next[t]);
        next[t]++;
        total++;
        p += used;
    }
    assert_int_equal(total, NTHREADS * PER_THREAD);
    assert_int_equal(last, NTHREADS * PER_THREAD);
    fake_release(&f);
    sse_hub_free(hub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_format_and_ids),
        cmocka_unit_test(test_replay_after_last_event_id),
        cmocka_unit_test(test_replay_window),
        cmocka_unit_test(test_backlog_drops_slow_subscriber),
        cmocka_unit_test(test_slow_subscriber_that_catches_up),
        cmocka_unit_test(test_heartbeat),
        cmocka_unit_test(test_publish_id_and_stop),
        cmocka_unit_test(test_publish_from_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
