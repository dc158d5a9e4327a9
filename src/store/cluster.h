/*
 * cluster.h — what several sunbid nodes sharing one store coordinate through
 * it: live events and leases.
 *
 * Events. A node publishes an event (topic, type, JSON data); every node,
 * itself included, receives it exactly once, all in the same order and with
 * the same id, so an SSE client that moves from node A to node B resumes
 * with its Last-Event-ID. On SQLite (one node) publishing hands the event
 * straight to the callback with id 0 (the local hub numbers it). On
 * PostgreSQL the event is a row of `events`, inserted under a transaction
 * advisory lock so ids are assigned in commit order, and announced with
 * NOTIFY; each node's cluster thread LISTENs and feeds rows with ids above
 * the last it delivered to the callback, in id order. A node never delivers
 * its own events twice: it delivers from the table only.
 *
 * Leases. Single-writer work (the scheduler, a live auction, an opening) is
 * done by the node that holds its named lease. On SQLite the one node holds
 * every lease. On PostgreSQL a lease is a session advisory lock held on the
 * cluster thread's own connection: when that node dies its connection
 * closes and the lock is free; the other nodes try to take wanted leases
 * every lease_poll_ms, so one takes over within about that time. A node that
 * loses its connection counts its leases as lost at once. Work that ends
 * (an auction that closed) drops its lease: the slot is freed and the
 * advisory lock released.
 *
 * Threads: cluster_publish, cluster_lease_* from any thread. The callback
 * runs on the cluster thread (PostgreSQL) or the publishing thread (SQLite).
 */
#ifndef SUNBID_STORE_CLUSTER_H
#define SUNBID_STORE_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define CLUSTER_MAX_LEASES 64
#define CLUSTER_LEASE_NAME 48    /* bytes, with the NUL */
#define CLUSTER_EVENT_MAX  65536 /* bytes of data per event */

/* id > 0: the cluster-wide id; id == 0: a single node, the receiver numbers it. */
typedef void (*cluster_event_fn)(void *arg, int64_t id, const char *topic, const char *event,
                                 const char *data, size_t len);

struct cluster_config {
    const char *node;          /* this node's name, for logs and the events table */
    cluster_event_fn on_event; /* receives every event */
    void *arg;                 /* passed to on_event */
    int64_t lease_poll_ms;     /* how often wanted leases are tried; 0 = 1000 */
    int64_t event_keep_ms;     /* events older than this are pruned; 0 = 24 h */
};

struct cluster;

int cluster_start(struct store *s, const struct cluster_config *cfg, struct cluster **out,
                  char *err, size_t errlen);
/* Stops the thread and releases every lease. NULL is a no-op. */
void cluster_stop(struct cluster *c);
/* Publishes an event to every node. Returns a store_rc. */
int cluster_publish(struct cluster *c, const char *topic, const char *event, const char *data,
                    size_t len);
/* Declares that this node wants a lease; it is taken when free. */
int cluster_lease_want(struct cluster *c, const char *name);
bool cluster_lease_held(struct cluster *c, const char *name);
/* Gives a lease up: this node no longer wants it, and releases it if held
 * (on PostgreSQL the cluster thread unlocks it on its own connection within
 * a moment; until then no other node can take it). Frees its slot, so a
 * node can want any number of leases over its life, CLUSTER_MAX_LEASES at
 * once. Unknown names are a no-op. */
void cluster_lease_drop(struct cluster *c, const char *name);
/* Copies up to max leases' names and states; returns how many there are. */
int cluster_leases(struct cluster *c, char (*names)[CLUSTER_LEASE_NAME], bool *held, int max);
const char *cluster_node(const struct cluster *c);
/* True when several nodes may share the store (PostgreSQL). */
bool cluster_shared(const struct cluster *c);

#endif
