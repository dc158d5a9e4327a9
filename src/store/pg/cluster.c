/*
 * pg/cluster.c — events and leases across nodes on PostgreSQL (cluster.h).
 *
 * One thread per node owns one libpq connection, used for three things:
 *
 *   LISTEN sunbid_events     woken by NOTIFY when any node commits an event
 *   SELECT ... FROM events   rows with id > last delivered, in id order
 *   pg_try_advisory_lock     the leases this node wants (session locks, so
 *                            they live exactly as long as this connection)
 *
 * Publishing (any thread) uses the caller's own store connection: one write
 * transaction that takes the events advisory lock (PG_LOCK_EVENTS), inserts
 * the row and NOTIFYs. Holding the lock until commit makes ids increase in
 * commit order, so a reader that has delivered id N never later sees a
 * smaller id commit: "id > N" is a safe resume point. The price is that
 * event-producing transactions commit one at a time (a few thousand per
 * second here, far above what tenders and openings produce; a high-rate
 * auction topic would want a sequence per topic).
 *
 * Connection loss: the thread drops every lease at once (another node may
 * take them as soon as PostgreSQL sees this session gone), reconnects with a
 * back-off, and catches up on events it missed from the table.
 *
 * Lease keys: pg_try_advisory_lock(PG_LOCK_LEASE, fnv1a32(name)).
 * Dropping a lease (cluster_lease_drop) only marks it: this thread, which
 * owns the session the lock belongs to, runs pg_advisory_unlock and then
 * forgets the lease. A lock won for a lease dropped meanwhile is unlocked
 * at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/hash.h"
#include "base/log.h"
#include "store/cluster_internal.h"
#include "store/pg/pg.h"

#define FETCH_BATCH    500
#define PRUNE_EVERY_MS 60000
#define PRUNE_LEASE    "events.prune"

static int32_t lease_key(const char *name)
{
    return (int32_t)hash_fnv1a32(name);
}

int pg_cluster_publish(struct cluster *c, const char *topic, const char *event, const char *data,
                       size_t len)
{
    static const char lock_sql[] = "SELECT pg_advisory_xact_lock(" PG_LOCK_EVENTS_STR ", 0)";
    struct store_tx *tx = NULL;
    int64_t id = 0;
    int rc = STORE_BUSY;
    for (int attempt = 0; attempt < 5 && rc == STORE_BUSY; attempt++) {
        rc = store_begin(c->store, STORE_WRITE, &tx);
        if (rc != STORE_OK)
            continue;
        struct store_param p[] = {SP_T(topic), SP_T(event), SP_TN(data, len), SP_T(c->node),
                                  SP_I(clock_now_ms())};
        rc = store_exec(tx, lock_sql, NULL, 0, NULL);
        if (rc == STORE_OK)
            rc = store_query_int(tx,
                                 "INSERT INTO events (topic, event, data, node, created_ms)"
                                 " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                 p, 5, &id);
        if (rc == STORE_OK)
            rc = store_exec(tx, "SELECT pg_notify('sunbid_events', '')", NULL, 0, NULL);
        if (rc != STORE_OK) {
            store_rollback(tx);
            continue;
        }
        rc = store_commit(tx);
    }
    return rc;
}

/* Forgets lease i (under c->mu). */
static void forget(struct cluster *c, int i)
{
    c->leases[i] = c->leases[--c->nleases];
}

static void set_all_lost(struct cluster *c)
{
    pthread_mutex_lock(&c->mu);
    for (int i = c->nleases - 1; i >= 0; i--)
        if (c->leases[i].drop)
            forget(c, i); /* the session is gone, and its locks with it */
    for (int i = 0; i < c->nleases; i++) {
        if (c->leases[i].held)
            log_warn("cluster: node %s lost lease %s (connection lost)", c->node,
                     c->leases[i].name);
        c->leases[i].held = false;
    }
    pthread_mutex_unlock(&c->mu);
}

static bool stopping(struct cluster *c)
{
    pthread_mutex_lock(&c->mu);
    bool s = c->stopping;
    pthread_mutex_unlock(&c->mu);
    return s;
}

/* Delivers committed events after c->last_id. Returns false on a lost connection. */
static bool fetch_events(struct cluster *c, PGconn *pq)
{
    for (;;) {
        char last[24], limit[16];
        snprintf(last, sizeof(last), "%" PRId64, c->last_id);
        snprintf(limit, sizeof(limit), "%d", FETCH_BATCH);
        const char *vals[] = {last, limit};
        PGresult *res = PQexecParams(pq,
                                     "SELECT id, topic, event, data FROM events WHERE id > $1::int8"
                                     " ORDER BY id LIMIT $2::int4",
                                     2, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            log_warn("cluster: reading events failed: %s", PQerrorMessage(pq));
            PQclear(res);
            return PQstatus(pq) == CONNECTION_OK;
        }
        int n = PQntuples(res);
        for (int i = 0; i < n; i++) {
            int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
            c->cfg.on_event(c->cfg.arg, id, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                            PQgetvalue(res, i, 3), (size_t)PQgetlength(res, i, 3));
            c->last_id = id;
        }
        PQclear(res);
        if (n < FETCH_BATCH)
            return true;
    }
}

/* pg_advisory_unlock of a lease. Returns false on a lost connection. */
static bool unlock_lease(struct cluster *c, PGconn *pq, const char *name)
{
    char cls[16], key[16];
    snprintf(cls, sizeof(cls), "%d", PG_LOCK_LEASE);
    snprintf(key, sizeof(key), "%" PRId32, lease_key(name));
    const char *vals[] = {cls, key};
    PGresult *res = PQexecParams(pq, "SELECT pg_advisory_unlock($1::int4, $2::int4)", 2, NULL, vals,
                                 NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    if (!ok) {
        log_warn("cluster: cannot release lease %s: %s", name, PQerrorMessage(pq));
        return PQstatus(pq) == CONNECTION_OK;
    }
    log_info("cluster: node %s released lease %s", c->node, name);
    return true;
}

/* Unlocks the leases given up and forgets them. Returns false on a lost
 * connection. */
static bool release_dropped(struct cluster *c, PGconn *pq)
{
    for (;;) {
        char name[CLUSTER_LEASE_NAME];
        bool found = false;
        pthread_mutex_lock(&c->mu);
        for (int i = 0; i < c->nleases && !found; i++)
            if (c->leases[i].drop) {
                memcpy(name, c->leases[i].name, CLUSTER_LEASE_NAME);
                found = true;
            }
        pthread_mutex_unlock(&c->mu);
        if (!found)
            return true;
        if (!unlock_lease(c, pq, name))
            return false;
        pthread_mutex_lock(&c->mu);
        for (int i = 0; i < c->nleases; i++) {
            if (strcmp(c->leases[i].name, name) != 0)
                continue;
            if (c->leases[i].drop)
                forget(c, i);
            else
                c->leases[i].held = false; /* wanted again meanwhile: take it anew */
            break;
        }
        pthread_mutex_unlock(&c->mu);
    }
}

/* Tries every wanted lease not held. Returns false on a lost connection. */
static bool try_leases(struct cluster *c, PGconn *pq)
{
    char names[CLUSTER_MAX_LEASES][CLUSTER_LEASE_NAME];
    bool held[CLUSTER_MAX_LEASES];
    int n = cluster_leases(c, names, held, CLUSTER_MAX_LEASES);
    for (int i = 0; i < n && i < CLUSTER_MAX_LEASES; i++) {
        if (held[i])
            continue;
        char cls[16], key[16];
        snprintf(cls, sizeof(cls), "%d", PG_LOCK_LEASE);
        snprintf(key, sizeof(key), "%" PRId32, lease_key(names[i]));
        const char *vals[] = {cls, key};
        PGresult *res = PQexecParams(pq, "SELECT pg_try_advisory_lock($1::int4, $2::int4)", 2, NULL,
                                     vals, NULL, NULL, 0);
        bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        bool got = ok && PQgetvalue(res, 0, 0)[0] == 't';
        PQclear(res);
        if (!ok)
            return PQstatus(pq) == CONNECTION_OK;
        if (got) {
            bool wanted = false;
            pthread_mutex_lock(&c->mu);
            for (int j = 0; j < c->nleases; j++)
                if (strcmp(c->leases[j].name, names[i]) == 0 && !c->leases[j].drop) {
                    c->leases[j].held = true;
                    wanted = true;
                }
            pthread_mutex_unlock(&c->mu);
            if (!wanted) { /* dropped while we asked for it */
                if (!unlock_lease(c, pq, names[i]))
                    return false;
                continue;
            }
            log_info("cluster: node %s holds lease %s", c->node, names[i]);
        }
    }
    return true;
}

static void prune(struct cluster *c, PGconn *pq)
{
    char cutoff[24];
    snprintf(cutoff, sizeof(cutoff), "%" PRId64, clock_now_ms() - c->cfg.event_keep_ms);
    const char *vals[] = {cutoff};
    PGresult *res = PQexecParams(pq, "DELETE FROM events WHERE created_ms < $1::int8", 1, NULL,
                                 vals, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        log_warn("cluster: pruning events failed: %s", PQerrorMessage(pq));
    PQclear(res);
}

/* Connects, LISTENs and sets the starting point. NULL when PostgreSQL is away. */
static PGconn *connect_listener(struct cluster *c)
{
    char err[PG_MSG_MAX];
    PGconn *pq = NULL;
    PGresult *res;
    if (pg_pq_open(store_target(c->store), &pq, err, sizeof(err)) != STORE_OK)
        return NULL;
    res = PQexec(pq, "LISTEN sunbid_events");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        goto fail;
    PQclear(res);
    if (c->last_id < 0) {
        /* A node starting now follows from the newest event on. */
        res = PQexec(pq, "SELECT coalesce(max(id), 0) FROM events");
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            goto fail;
        c->last_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
    }
    return pq;
fail:
    log_warn("cluster: listener set-up failed: %s", PQerrorMessage(pq));
    PQclear(res);
    PQfinish(pq);
    return NULL;
}

void *pg_cluster_thread(void *arg)
{
    struct cluster *c = arg;
    PGconn *pq = NULL;
    int64_t backoff = 100, next_prune = 0, next_leases = 0;
    cluster_lease_want(c, PRUNE_LEASE);
    while (!stopping(c)) {
        int timeout;
        if (pq == NULL) {
            pq = connect_listener(c);
            if (pq == NULL) {
                timeout = (int)backoff;
                backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
                goto wait;
            }
            backoff = 100;
            next_leases = 0;
            if (!fetch_events(c, pq))
                goto lost;
        }
        int64_t now = clock_mono_ns() / 1000000;
        if (!release_dropped(c, pq))
            goto lost;
        if (now >= next_leases) {
            if (!try_leases(c, pq))
                goto lost;
            next_leases = now + c->cfg.lease_poll_ms;
        }
        if (now >= next_prune && cluster_lease_held(c, PRUNE_LEASE)) {
            prune(c, pq);
            next_prune = now + PRUNE_EVERY_MS;
        }
        timeout = (int)(next_leases - now);
        if (timeout < 1)
            timeout = 1;
    wait : {
        struct pollfd fds[2] = {{c->wake[0], POLLIN, 0}, {pq ? PQsocket(pq) : -1, POLLIN, 0}};
        int r = poll(fds, pq ? 2 : 1, timeout);
        if (r < 0 && errno != EINTR)
            log_warn("cluster: poll: %s", strerror(errno));
        if (r > 0 && (fds[0].revents & POLLIN)) {
            char buf[64];
            while (read(c->wake[0], buf, sizeof(buf)) > 0) {
            }
            next_leases = 0; /* a new lease is wanted: try at once */
        }
        if (pq == NULL)
            continue;
        if (r > 0 && fds[1].revents) {
            if (!PQconsumeInput(pq))
                goto lost;
            bool notified = false;
            PGnotify *n;
            while ((n = PQnotifies(pq)) != NULL) {
                notified = true;
                PQfreemem(n);
            }
            if (notified && !fetch_events(c, pq))
                goto lost;
        }
        if (PQstatus(pq) != CONNECTION_OK)
            goto lost;
        continue;
    }
    lost:
        log_warn("cluster: node %s lost its PostgreSQL connection; reconnecting", c->node);
        PQfinish(pq);
        pq = NULL;
        set_all_lost(c);
    }
    PQfinish(pq); /* closing the session releases every lease */
    set_all_lost(c);
    return NULL;
}
