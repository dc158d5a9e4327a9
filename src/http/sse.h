/*
 * sse.h — the Server-Sent Events hub: topics, publish from any thread, fan-out
 * on the loop, bounded backlog per client, replay window for Last-Event-ID.
 *
 * Publishing copies the event into one MPSC queue and wakes the loop
 * (uv_async); the loop assigns nothing — ids are assigned at publish time,
 * strictly increasing per hub — and appends the event to the replay ring and
 * to each subscriber of the topic. A subscriber whose queued bytes would pass
 * the configured backlog is dropped (its connection closed), never buffered
 * without bound. Heartbeats (": hb\n\n") keep idle streams open through
 * proxies.
 *
 * Wire format (one event):   id: 42\nevent: bid.received\ndata: {...}\n\n
 * A client resuming with a Last-Event-ID the hub cannot serve in full (older
 * than the replay window, or of another run of the server) first gets
 * "event: reset" (data {"reason":"gap"|"restart"}, no id): reload, then follow.
 * Multi-line data is split into several "data:" lines.
 */
#ifndef SUNBID_SSE_H
#define SUNBID_SSE_H

#include <stddef.h>
#include <stdint.h>

struct sse_hub;

/* Publishes an event on `topic` from any thread. `data` is copied. Returns the
 * event id (> 0) or -1 when the queue is full or the hub is stopping. */
int64_t sse_publish(struct sse_hub *hub, const char *topic, const char *event, const char *data,
                    size_t len);
/* Publishes with an id chosen by the caller (events from another node);
 * ids must keep increasing. Returns 0, or -1 as above. */
int sse_publish_id(struct sse_hub *hub, int64_t id, const char *topic, const char *event,
                   const char *data, size_t len);
/* Number of connected subscribers (for metrics and tests). */
size_t sse_subscriber_count(struct sse_hub *hub);
/* The highest id handed out so far (before the first event: 0, or for the
 * server's hub its start time in microseconds, see sse.c "Resets"); any thread.
 * A handler that sends a snapshot and then streams changes reads this before
 * reading the snapshot and sets res->sse_last_id to it: events published
 * meanwhile are replayed, so the stream has no gap. */
int64_t sse_last_id(struct sse_hub *hub);

#endif
