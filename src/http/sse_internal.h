/*
 * sse_internal.h — the SSE hub's loop-side interface (internal to http/,
 * and to tests that drive the hub with fake subscribers, no sockets).
 *
 * A subscriber (struct sse_sub) is a stream the hub writes events into. Its
 * owner — an HTTP connection in the server, a fake in tests — provides two
 * operations: write (send some bytes) and drop (close, because the hub gave
 * up on it). The hub keeps, per subscriber, a queue of references to shared,
 * immutable, pre-formatted events; `backlog` is the sum of their wire bytes
 * (including the write in flight). Adding an event that would take backlog
 * past the hub's limit drops the subscriber instead: a slow client costs at
 * most `backlog` bytes of references to events that exist anyway.
 *
 * Lifecycle of a subscriber, all on the loop thread:
 *     sse_sub_attach()      subscribe; queues the preamble and the replay
 *     ... ops->write() / sse_sub_on_written() ... as events arrive
 *     ops->drop()           the hub wants it gone (at most once)
 *     sse_sub_detach()      the owner is done (after its transport closed and
 *                           no write still references the events)
 * ops->drop must not call sse_sub_detach itself; the owner detaches later.
 */
#ifndef SUNBID_HTTP_SSE_INTERNAL_H
#define SUNBID_HTTP_SSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "http/sse.h"

#define SSE_MAX_NAME       200        /* topic and event name bytes */
#define SSE_MAX_DATA       (1u << 20) /* data bytes per event */
#define SSE_QUEUE_EVENTS   65536      /* events waiting for the loop */
#define SSE_QUEUE_BYTES    (64u << 20)
#define SSE_WRITE_MAX_IOVS 64 /* events gathered into one write */
/* Coalescing: a fan-out pass over a big topic (SSE_COALESCE_MIN or more
 * subscribers) starts at most once per SSE_COALESCE_MS; its events drained
 * meanwhile wait (at most that long) and leave with the next pass, several
 * in one write. Only for hubs with a wake function (the server's). The
 * environment variable SUNBID_SSE_COALESCE_MS (0..10000; 0: off) changes
 * the interval. */
#define SSE_COALESCE_MIN   512
#define SSE_COALESCE_MS    100

struct sse_sub;
struct sse_topic;

struct sse_sub_ops {
    /* Writes the buffers, which stay valid until the write completes.
     * Returns 1 when all was written at once, 0 when the write is pending
     * (the owner then calls sse_sub_on_written), -1 on error. */
    int (*write)(struct sse_sub *sub, const struct iovec *iov, int n);
    /* The hub drops the subscriber: close the transport, detach later. */
    void (*drop)(struct sse_sub *sub);
};

struct sse_sub {
    const struct sse_sub_ops *ops; /* the owner's operations */
    void *owner;                   /* the owner's object (conn, test fake) */
    struct sse_hub *hub;           /* set by attach */
    struct sse_topic *topic;       /* the topic subscribed to */
    struct sse_sub *prev, *next;   /* in the topic's list */
    struct sse_sub *dirty_prev;    /* on the hub's list of subscribers with */
    struct sse_sub *dirty_next;    /*   events queued and no write started */
    struct sse_event **q;          /* ring of queued events (references) */
    uint32_t qhead, qlen, qcap;    /* ring state; qcap a power of two or 0 */
    uint32_t inflight;             /* the first `inflight` queued events are being written */
    size_t backlog;                /* wire bytes queued, in flight included */
    bool writing;                  /* a write is pending */
    bool dropped;                  /* ops->drop was called */
    bool dirty;                    /* on the hub's dirty list */
};

/* Creates a hub. backlog: bytes per subscriber (0 = 256 KiB); replay: events
 * kept for resume (0 = 4096); wake(ctx) is called from the publishing thread
 * after an event is queued, and from the hub's pacer thread when a deferred
 * pass is due (NULL: the caller drains by hand, as tests do, and nothing is
 * ever deferred). */
struct sse_hub *sse_hub_new(size_t backlog, size_t replay, void (*wake)(void *), void *wake_ctx);
/* Before the first publish: the hub sends "event: reset" to a resuming
 * client that may have missed events (sse.c, "Resets"); with clock_ids it
 * also numbers its events from its start time in microseconds, so that a
 * previous run's ids are recognised. The server's hub does both. */
void sse_hub_resets(struct sse_hub *hub, bool clock_ids);
/* Frees the hub; every subscriber must have been detached. NULL is a no-op. */
void sse_hub_free(struct sse_hub *hub);
/* Loop: moves queued events into the replay ring and to subscribers, and
 * starts their writes, unless a big pass ran less than SSE_COALESCE_MS ago:
 * then the writes wait for the pacer's wake-up (the next drain). */
void sse_hub_drain(struct sse_hub *hub);
/* Loop: queues ": hb\n\n" to every subscriber with nothing queued. */
void sse_hub_heartbeat(struct sse_hub *hub);
/* Loop: refuse further publishes and drop every subscriber. */
void sse_hub_stop(struct sse_hub *hub);

/* Loop: subscribes sub (caller's storage, zeroed, ops/owner set) to topic.
 * The preamble (the HTTP response head, may be NULL) is written first, then
 * events of the topic still in the ring with id > last_id (no replay when
 * last_id < 0; a last_id above every id the hub has handed out is from a
 * previous run of the server and replays the whole ring), preceded by the
 * private event "reset" when events after last_id may be lost to it and the
 * hub sends resets (sse_hub_resets). Returns 0, or -1
 * (out of memory, hub stopping, bad topic) with sub not attached. */
int sse_sub_attach(struct sse_hub *hub, struct sse_sub *sub, const char *topic, int64_t last_id,
                   const char *preamble, size_t preamble_len);
/* Loop: the pending write finished (status < 0: failed, the sub is dropped). */
void sse_sub_on_written(struct sse_sub *sub, int status);
/* Loop: unsubscribes and releases the queue. No-op if never attached. */
void sse_sub_detach(struct sse_sub *sub);

#endif
