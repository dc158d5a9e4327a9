/*
 * Unit tests for the SSE hub's replay on attach (http/sse_internal.h): the
 * ring is searched by bisection for the first id after Last-Event-ID, and
 * topics are compared by hash first. Every Last-Event-ID from before the
 * ring to past its end is checked against a plain scan, on a ring that has
 * wrapped, with two topics interleaved unevenly and with ids that jump
 * (events numbered by another node, sse_publish_id).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "http/sse_internal.h"

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
    fail_msg("no subscriber should be dropped here");
}

static const struct sse_sub_ops fake_ops = {fake_write, fake_drop};

struct pub {
    int64_t id;
    const char *topic;
};

/* What a scan of the last `keep` events gives for (topic, last). */
static void expect(const struct pub *all, int n, int keep, const char *topic, int64_t last,
                   struct buf *out)
{
    buf_reset(out);
    if (last < 0)
        return;
    for (int i = n - keep < 0 ? 0 : n - keep; i < n; i++) {
        if (all[i].id > last && strcmp(all[i].topic, topic) == 0) {
            char line[64];
            int k = snprintf(line, sizeof line, "id: %lld\ndata: x\n\n", (long long)all[i].id);
            buf_append(out, line, (size_t)k);
        }
    }
}

static void check_all(struct sse_hub *hub, const struct pub *all, int n, int keep)
{
    static const char *const topics[] = {"t.a", "t.b", "t.none"};
    struct buf want;
    buf_init(&want, 1 << 20);
    int64_t top = all[n - 1].id;
    for (int t = 0; t < 3; t++) {
        for (int64_t last = -1; last <= top; last++) {
            struct fake f;
            memset(&f, 0, sizeof f);
            buf_init(&f.got, 1 << 20);
            f.sub.ops = &fake_ops;
            f.sub.owner = &f;
            assert_int_equal(sse_sub_attach(hub, &f.sub, topics[t], last, NULL, 0), 0);
            expect(all, n, keep, topics[t], last, &want);
            assert_int_equal(f.got.len, want.len);
            if (want.len > 0)
                assert_memory_equal(f.got.data, want.data, want.len);
            sse_sub_detach(&f.sub);
            buf_release(&f.got);
        }
    }
    buf_release(&want);
}

static void test_replay_wrapped_ring(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 8, NULL, NULL); /* keeps 8 events */
    struct pub all[30];
    int n = 0;
    for (int i = 0; i < 30; i++) {
        const char *topic = (i % 3 == 0 || i % 7 == 0) ? "t.b" : "t.a";
        int64_t id = sse_publish(hub, topic, NULL, "x", 1);
        assert_true(id > 0);
        all[n++] = (struct pub){id, topic};
        if (i % 4 == 3)
            sse_hub_drain(hub); /* drained in batches: the ring wraps */
    }
    sse_hub_drain(hub);
    check_all(hub, all, n, 8);
    sse_hub_free(hub);
}

static void test_replay_ids_that_jump(void **state)
{
    (void)state;
    struct sse_hub *hub = sse_hub_new(0, 16, NULL, NULL);
    struct pub all[12];
    int n = 0;
    for (int i = 0; i < 12; i++) {
        int64_t id = 10 + 7 * i + (i % 2) * 3; /* 10, 20, 24, 34, ... */
        const char *topic = i % 2 ? "t.a" : "t.b";
        assert_int_equal(sse_publish_id(hub, id, topic, NULL, "x", 1), 0);
        all[n++] = (struct pub){id, topic};
    }
    sse_hub_drain(hub);
    check_all(hub, all, n, 16);
    /* an id that does not increase is refused and leaves the ring as it was */
    assert_int_equal(sse_publish_id(hub, all[n - 1].id, "t.a", NULL, "x", 1), -1);
    sse_hub_drain(hub);
    check_all(hub, all, n, 16);
    sse_hub_free(hub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_wrapped_ring),
        cmocka_unit_test(test_replay_ids_that_jump),
    };
    return cmocka_run_group_tests_name("sse_replay", tests, NULL, NULL);
}
