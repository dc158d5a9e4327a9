/*
 * cluster_internal.h — the cluster's state, shared by store/cluster.c (the
 * backend-neutral part) and store/pg/cluster.c (the PostgreSQL thread).
 */
#ifndef SUNBID_STORE_CLUSTER_INTERNAL_H
#define SUNBID_STORE_CLUSTER_INTERNAL_H

#include <pthread.h>

#include "store/cluster.h"

struct cluster_lease {
    char name[CLUSTER_LEASE_NAME]; /* "scheduler", "auction:42" */
    bool held;                     /* this node holds it now */
    bool drop;                     /* given up while held: the cluster thread unlocks it
                                    * on its connection, then forgets it (PostgreSQL) */
};

struct cluster {
    struct store *store;       /* borrowed */
    struct cluster_config cfg; /* copy; cfg.node points at node[] */
    char node[64];             /* this node's name */
    bool shared;               /* PostgreSQL */
    pthread_mutex_t mu;        /* guards leases, nleases, stopping */
    struct cluster_lease leases[CLUSTER_MAX_LEASES];
    int nleases;
    bool stopping;
    /* PostgreSQL only */
    pthread_t thread; /* the listener / lease thread */
    bool thread_started;
    int wake[2];     /* pipe: written to stop the thread */
    int64_t last_id; /* the last event id delivered */
};

/* store/pg/cluster.c */
void *pg_cluster_thread(void *arg);
int pg_cluster_publish(struct cluster *c, const char *topic, const char *event, const char *data,
                       size_t len);

#endif
