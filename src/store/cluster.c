/*
 * cluster.c — events and leases across nodes (see cluster.h): the
 * backend-neutral part, and the single-node behaviour for SQLite.
 */
#include "store/cluster_internal.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/log.h"

int cluster_start(struct store *s, const struct cluster_config *cfg, struct cluster **out,
                  char *err, size_t errlen)
{
    struct cluster *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    c->store = s;
    c->cfg = *cfg;
    snprintf(c->node, sizeof(c->node), "%s", cfg->node ? cfg->node : "node");
    c->cfg.node = c->node;
    if (c->cfg.lease_poll_ms <= 0)
        c->cfg.lease_poll_ms = 1000;
    if (c->cfg.event_keep_ms <= 0)
        c->cfg.event_keep_ms = (int64_t)24 * 3600 * 1000;
    c->shared = strcmp(store_backend(s), "postgres") == 0;
    c->last_id = -1;
    c->wake[0] = c->wake[1] = -1;
    pthread_mutex_init(&c->mu, NULL);
    if (c->shared) {
        if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
            pthread_create(&c->thread, NULL, pg_cluster_thread, c) != 0) {
            snprintf(err, errlen, "cannot start the cluster thread");
            if (c->wake[0] >= 0) {
                close(c->wake[0]);
                close(c->wake[1]);
            }
            pthread_mutex_destroy(&c->mu);
            free(c);
            return STORE_ERROR;
        }
        c->thread_started = true;
    }
    *out = c;
    return STORE_OK;
}

void cluster_stop(struct cluster *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    c->stopping = true;
    pthread_mutex_unlock(&c->mu);
    if (c->thread_started) {
        char b = 1;
        if (write(c->wake[1], &b, 1) < 0)
            log_warn("cluster: cannot wake the cluster thread");
        pthread_join(c->thread, NULL);
    }
    if (c->wake[0] >= 0) {
        close(c->wake[0]);
        close(c->wake[1]);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int cluster_publish(struct cluster *c, const char *topic, const char *event, const char *data,
                    size_t len)
{
    if (len > CLUSTER_EVENT_MAX)
        return STORE_TOOBIG;
    if (c->shared)
        return pg_cluster_publish(c, topic, event, data, len);
    c->cfg.on_event(c->cfg.arg, 0, topic, event, data, len);
    return STORE_OK;
}

int cluster_lease_want(struct cluster *c, const char *name)
{
    int rc = STORE_OK;
    if (strlen(name) >= CLUSTER_LEASE_NAME)
        return STORE_TOOBIG;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < c->nleases; i++)
        if (strcmp(c->leases[i].name, name) == 0) {
            if (c->leases[i].drop) { /* wanted again before the unlock: still ours */
                c->leases[i].drop = false;
                c->leases[i].held = true;
            }
            goto out;
        }
    if (c->nleases == CLUSTER_MAX_LEASES) {
        rc = STORE_TOOBIG;
        goto out;
    }
    snprintf(c->leases[c->nleases].name, CLUSTER_LEASE_NAME, "%s", name);
    /* One node: the lease is ours at once. */
    c->leases[c->nleases].held = !c->shared;
    c->leases[c->nleases].drop = false;
    c->nleases++;
out:
    pthread_mutex_unlock(&c->mu);
    if (rc == STORE_OK && c->shared) {
        char b = 0; /* try it now rather than at the next poll */
        if (write(c->wake[1], &b, 1) < 0) {
        }
    }
    return rc;
}

void cluster_lease_drop(struct cluster *c, const char *name)
{
    bool wake = false;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < c->nleases; i++) {
        struct cluster_lease *l = &c->leases[i];
        if (strcmp(l->name, name) != 0 || l->drop)
            continue;
        if (c->shared && l->held) {
            /* the lock lives on the cluster thread's connection: it unlocks */
            l->held = false;
            l->drop = true;
            wake = true;
        } else {
            c->leases[i] = c->leases[--c->nleases];
        }
        break;
    }
    pthread_mutex_unlock(&c->mu);
    if (wake) {
        char b = 0;
        if (write(c->wake[1], &b, 1) < 0) {
        }
    }
}

bool cluster_lease_held(struct cluster *c, const char *name)
{
    bool held = false;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < c->nleases; i++)
        if (strcmp(c->leases[i].name, name) == 0 && !c->leases[i].drop)
            held = c->leases[i].held;
    pthread_mutex_unlock(&c->mu);
    return held;
}

int cluster_leases(struct cluster *c, char (*names)[CLUSTER_LEASE_NAME], bool *held, int max)
{
    pthread_mutex_lock(&c->mu);
    int n = 0;
    for (int i = 0; i < c->nleases; i++) {
        if (c->leases[i].drop)
            continue; /* given up: only the unlock is left */
        if (n < max) {
            memcpy(names[n], c->leases[i].name, CLUSTER_LEASE_NAME);
            held[n] = c->leases[i].held;
        }
        n++;
    }
    pthread_mutex_unlock(&c->mu);
    return n;
}

const char *cluster_node(const struct cluster *c)
{
    return c->node;
}

bool cluster_shared(const struct cluster *c)
{
    return c->shared;
}
