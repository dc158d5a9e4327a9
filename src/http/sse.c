/*
 * sse.c — the Server-Sent Events hub (see sse.h for the public side and
 * sse_internal.h for subscribers).
 *
 * Owns: the publish queue (a mutex-protected singly linked list, bounded in
 * events and bytes), the replay ring (the last `replay` events of every
 * topic, oldest first), the topic table (a chained hash of topics, each with
 * its list of subscribers; a topic lives while it has subscribers) and the
 * shared heartbeat event.
 *
 * Events. An event is formatted once, by the publisher, into its wire form
 * ("id: 42\nevent: x\ndata: ...\n\n") in one allocation that also holds the
 * topic. After the loop drains it, it is immutable and reference-counted:
 * one reference for the ring, one per subscriber queue holding it. Reference
 * counts are touched on the loop thread only, so they are plain integers.
 *
 *     publisher threads          loop thread
 *     -----------------          -----------------------------------------
 *     format event               sse_hub_drain: take the whole list
 *     lock; id = ++last; push  ->   ring <- event (evicting the oldest)
 *     wake(); unlock                each subscriber of the topic <- ref
 *                                   kick each touched subscriber's write
 *
 * Fan-out cost. Formatting is once per event and a write gathers every
 * event queued for a subscriber, but each write is still one syscall and,
 * on TCP, one segment per subscriber: at 10,000 subscribers the kernel's
 * send path is nearly all the loop's time (bench/auction, perf: 93% of the
 * server's CPU in the kernel). So big passes are coalesced: a pass that
 * writes to a big topic (SSE_COALESCE_MIN or more subscribers) starts at
 * most once per SSE_COALESCE_MS. The subscribers with events queued and no
 * write started wait on the hub's dirty list; a pacer thread (started at
 * the first deferral) calls wake() when the next pass is due, and that drain
 * writes them all, several events per write. Small topics and quiet hubs are
 * never delayed; an event on a big topic waits only if a big pass has just
 * run.
 *
 * Resets. A client that resumes (Last-Event-ID) may have missed events the
 * ring no longer holds: the ring has evicted an id above its last one, its
 * id is below the first this hub ever drained, or above every id this hub
 * handed out (a previous run's). It then gets, before whatever the ring
 * still holds, the private event "event: reset\ndata: {\"reason\":...}"
 * (no id: it names no event) and must reload its state. So that a previous
 * run's ids are recognised, the server's hub (sse_hub_resets(hub, true))
 * numbers its events from its start time in microseconds (CLOCK_REALTIME),
 * above any id of an earlier run unless it published more than one event
 * per microsecond; other hubs number from 1 and send no resets. Ids chosen
 * by the caller (sse_publish_id, a shared cluster) are taken as they come.
 *
 * Invariants: ids leave the queue strictly increasing (assigned under the
 * lock in queue order); a subscriber's queue only grows while its backlog
 * stays within the limit; a dropped subscriber gets nothing more; a
 * subscriber is on the dirty list only while attached, with events queued
 * and no write pending.
 *
 * Threads: sse_publish, sse_publish_id, sse_subscriber_count and sse_last_id
 * from any thread; the pacer thread only waits and calls wake() under mu
 * (never after sse_hub_stop); everything else on the loop thread (or a
 * test's thread standing in for it).
 */
#include "http/sse_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define SSE_DEFAULT_BACKLOG ((size_t)256 << 10)
#define SSE_DEFAULT_REPLAY  4096
#define SSE_TOPIC_BUCKETS   1024 /* power of two */

struct sse_event {
    int64_t id;             /* > 0; 0 for private events (a preamble) */
    uint32_t refs;          /* loop thread only once drained */
    uint32_t len;           /* wire bytes */
    uint32_t thash;         /* hash_str(topic), computed by the publisher */
    const char *topic;      /* in wire[] after the wire bytes; NULL when private */
    struct sse_event *next; /* publish queue link */
    char wire[];            /* wire bytes, then the topic, NUL-terminated */
};

struct sse_topic {
    struct sse_topic *next; /* bucket chain */
    uint32_t hash;          /* of name */
    struct sse_sub *subs;   /* subscribers, doubly linked */
    size_t nsubs;           /* how many: SSE_COALESCE_MIN or more is a big topic */
    char name[];            /* NUL-terminated */
};

struct sse_hub {
    /* publish side, guarded by mu */
    pthread_mutex_t mu;
    struct sse_event *qhead, *qtail; /* waiting for the loop, oldest first */
    size_t qcount, qbytes;           /* bounded by SSE_QUEUE_* */
    int64_t last_id;                 /* last id handed out */
    int64_t id_base;                 /* last_id at creation (the start time, or 0) */
    bool published;                  /* an event was queued since creation */
    bool stopping;                   /* publishes refused */
    void (*wake)(void *);            /* wakes the loop; may be NULL */
    void *wake_ctx;
    _Atomic int64_t last_id_pub; /* copy of last_id for lock-free readers */
    _Atomic size_t nsubs;        /* attached subscribers */
    pthread_cond_t pacer_cv;     /* the pacer waits here */
    pthread_t pacer;             /* wakes the loop when a deferred pass is due */
    bool pacer_started;
    bool pacer_quit;    /* sse_hub_free: the pacer ends */
    uint64_t pacer_due; /* monotonic ns of the next wake; 0: none */
    bool cv_inited;     /* pacer_cv was initialised */

    /* loop side */
    size_t backlog_max;      /* bytes per subscriber */
    struct sse_event **ring; /* replay window, ring_cap slots */
    size_t ring_cap, ring_head, ring_len;
    int64_t drained_id;                          /* highest id drained */
    int64_t first_id;                            /* first id drained; 0: none yet */
    int64_t evicted_id;                          /* highest id evicted from the ring */
    bool resets;                                 /* sse_hub_resets() was called */
    struct sse_topic *topics[SSE_TOPIC_BUCKETS]; /* topic table */
    struct sse_event *hb;                        /* the heartbeat, hub-owned */
    struct sse_sub *dirty; /* events queued, no write started (doubly linked) */
    size_t ndirty;         /* on that list */
    uint64_t next_pass;    /* monotonic ns before which a big pass waits */
    uint64_t coalesce_ns;  /* SSE_COALESCE_MS, or SUNBID_SSE_COALESCE_MS; 0: off */
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static void event_unref(struct sse_event *ev)
{
    if (ev == NULL)
        return;
    if (--ev->refs == 0)
        free(ev);
}

static bool name_ok(const char *s, bool allow_empty)
{
    size_t n = 0;
    if (s == NULL)
        return allow_empty;
    for (; s[n] != '\0'; n++) {
        if (s[n] == '\n' || s[n] == '\r' || n >= SSE_MAX_NAME)
            return false;
    }
    return allow_empty || n > 0;
}

/* Formats an event. Returns NULL on bad arguments or no memory. */
static struct sse_event *event_format(int64_t id, const char *topic, const char *event,
                                      const char *data, size_t len)
{
    char idbuf[24];
    int idn = snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
    size_t tlen = strlen(topic);
    size_t elen = event ? strlen(event) : 0;
    if (data == NULL)
        len = 0;
    if (len > SSE_MAX_DATA)
        return NULL;

    /* Count lines: "\n", "\r\n" and "\r" all end one. */
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
            i++;
        if (data[i] == '\n' || data[i] == '\r')
            lines++;
    }
    size_t wire = 4 + (size_t)idn + 1; /* "id: N\n" */
    if (elen > 0)
        wire += 7 + elen + 1;    /* "event: E\n" */
    wire += lines * 7 + len + 1; /* "data: ...\n" per line, "\n" */
    struct sse_event *ev = malloc(sizeof(*ev) + wire + tlen + 1);
    if (ev == NULL)
        return NULL;
    char *w = ev->wire;
    memcpy(w, "id: ", 4);
    w += 4;
    memcpy(w, idbuf, (size_t)idn);
    w += idn;
    *w++ = '\n';
    if (elen > 0) {
        memcpy(w, "event: ", 7);
        w += 7;
        memcpy(w, event, elen);
        w += elen;
        *w++ = '\n';
    }
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && data[i] != '\n' && data[i] != '\r')
            continue;
        memcpy(w, "data: ", 6);
        w += 6;
        if (i > start) {
            memcpy(w, data + start, i - start);
            w += i - start;
        }
        *w++ = '\n';
        if (i < len && data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
            i++;
        start = i + 1;
    }
    *w++ = '\n';
    ev->len = (uint32_t)(w - ev->wire);
    memcpy(w, topic, tlen + 1);
    ev->topic = w;
    ev->thash = hash_str(topic);
    ev->id = id;
    ev->refs = 1;
    ev->next = NULL;
    return ev;
}

/* A private event (preamble): the bytes, no id, no topic. */
static struct sse_event *event_private(const char *bytes, size_t len)
{
    struct sse_event *ev = malloc(sizeof(*ev) + len + 1);
    if (ev == NULL)
        return NULL;
    memcpy(ev->wire, bytes, len);
    ev->wire[len] = '\0';
    ev->len = (uint32_t)len;
    ev->topic = NULL;
    ev->thash = 0;
    ev->id = 0;
    ev->refs = 1;
    ev->next = NULL;
    return ev;
}

struct sse_hub *sse_hub_new(size_t backlog, size_t replay, void (*wake)(void *), void *wake_ctx)
{
    struct sse_hub *hub = calloc(1, sizeof(*hub));
    if (hub == NULL)
        return NULL;
    if (pthread_mutex_init(&hub->mu, NULL) != 0) {
        free(hub);
        return NULL;
    }
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) == 0) {
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        hub->cv_inited = pthread_cond_init(&hub->pacer_cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    hub->backlog_max = backlog ? backlog : SSE_DEFAULT_BACKLOG;
    /* the interval can be changed (0: off) for measurements and operators */
    const char *cms = getenv("SUNBID_SSE_COALESCE_MS");
    long ms = cms != NULL && *cms != '\0' ? strtol(cms, NULL, 10) : SSE_COALESCE_MS;
    hub->coalesce_ns = ms > 0 && ms <= 10000 ? (uint64_t)ms * 1000000u : 0;
    hub->ring_cap = replay ? replay : SSE_DEFAULT_REPLAY;
    hub->ring = calloc(hub->ring_cap, sizeof(*hub->ring));
    hub->hb = event_private(": hb\n\n", 6);
    hub->wake = wake;
    hub->wake_ctx = wake_ctx;
    if (hub->ring == NULL || hub->hb == NULL || !hub->cv_inited) {
        sse_hub_free(hub);
        return NULL;
    }
    return hub;
}

void sse_hub_resets(struct sse_hub *hub, bool clock_ids)
{
    hub->resets = true;
    if (!clock_ids)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    pthread_mutex_lock(&hub->mu);
    if (!hub->published) {
        hub->id_base = (int64_t)ts.tv_sec * 1000000 + (int64_t)ts.tv_nsec / 1000;
        hub->last_id = hub->id_base;
        hub->drained_id = hub->id_base;
        atomic_store(&hub->last_id_pub, hub->id_base);
    }
    pthread_mutex_unlock(&hub->mu);
}

/* The pacer: sleeps until pacer_due, then wakes the loop (under mu, like a
 * publisher, so never after sse_hub_stop). */
static void *pacer_main(void *arg)
{
    struct sse_hub *hub = arg;
    pthread_mutex_lock(&hub->mu);
    while (!hub->pacer_quit) {
        if (hub->pacer_due == 0) {
            pthread_cond_wait(&hub->pacer_cv, &hub->mu);
            continue;
        }
        uint64_t now = mono_ns();
        if (now < hub->pacer_due) {
            struct timespec ts = {(time_t)(hub->pacer_due / 1000000000u),
                                  (long)(hub->pacer_due % 1000000000u)};
            pthread_cond_timedwait(&hub->pacer_cv, &hub->mu, &ts);
            continue;
        }
        hub->pacer_due = 0;
        if (!hub->stopping && hub->wake != NULL)
            hub->wake(hub->wake_ctx);
    }
    pthread_mutex_unlock(&hub->mu);
    return NULL;
}

/* Loop: has the pacer wake the loop at `due` (or earlier if already asked).
 * Returns -1 when no pacer can run (the caller then writes at once). */
static int pacer_arm(struct sse_hub *hub, uint64_t due)
{
    int rc = 0;
    pthread_mutex_lock(&hub->mu);
    if (!hub->pacer_started) {
        if (pthread_create(&hub->pacer, NULL, pacer_main, hub) == 0)
            hub->pacer_started = true;
        else
            rc = -1;
    }
    if (rc == 0 && (hub->pacer_due == 0 || due < hub->pacer_due)) {
        hub->pacer_due = due;
        pthread_cond_signal(&hub->pacer_cv);
    }
    pthread_mutex_unlock(&hub->mu);
    return rc;
}

void sse_hub_free(struct sse_hub *hub)
{
    if (hub == NULL)
        return;
    if (hub->pacer_started) {
        pthread_mutex_lock(&hub->mu);
        hub->pacer_quit = true;
        pthread_cond_signal(&hub->pacer_cv);
        pthread_mutex_unlock(&hub->mu);
        pthread_join(hub->pacer, NULL);
    }
    if (hub->cv_inited)
        pthread_cond_destroy(&hub->pacer_cv);
    struct sse_event *ev = hub->qhead;
    while (ev != NULL) {
        struct sse_event *next = ev->next;
        free(ev);
        ev = next;
    }
    for (size_t i = 0; i < hub->ring_len; i++)
        event_unref(hub->ring[(hub->ring_head + i) % hub->ring_cap]);
    free(hub->ring);
    for (size_t b = 0; b < SSE_TOPIC_BUCKETS; b++) {
        struct sse_topic *t = hub->topics[b];
        while (t != NULL) {
            struct sse_topic *next = t->next;
            free(t); /* only if an owner forgot to detach; subs are theirs */
            t = next;
        }
    }
    event_unref(hub->hb);
    pthread_mutex_destroy(&hub->mu);
    free(hub);
}

/* Queues a formatted event with the id already in it. Called under mu. */
static int queue_push_locked(struct sse_hub *hub, struct sse_event *ev)
{
    if (hub->stopping || hub->qcount >= SSE_QUEUE_EVENTS || hub->qbytes + ev->len > SSE_QUEUE_BYTES)
        return -1;
    if (hub->qtail != NULL)
        hub->qtail->next = ev;
    else
        hub->qhead = ev;
    hub->qtail = ev;
    hub->qcount++;
    hub->qbytes += ev->len;
    return 0;
}

/* Formats the event outside the lock with a guessed id (the next one), then
 * queues it under the lock if the guess still holds; a publisher that lost
 * the race formats again, and after a few losses formats under the lock.
 * The wake-up happens under the lock so that once sse_hub_stop() has taken
 * it, no publisher can still be touching the loop's async handle. */
static int64_t publish(struct sse_hub *hub, int64_t want_id, const char *topic, const char *event,
                       const char *data, size_t len)
{
    if (hub == NULL || !name_ok(topic, false) || !name_ok(event, true) || len > SSE_MAX_DATA)
        return -1;
    for (int attempt = 0; attempt < 8; attempt++) {
        int64_t guess = want_id > 0 ? want_id : atomic_load(&hub->last_id_pub) + 1;
        struct sse_event *ev = event_format(guess, topic, event, data, len);
        if (ev == NULL)
            return -1;
        int rc = -1;
        bool retry = false;
        pthread_mutex_lock(&hub->mu);
        if (want_id > 0) {
            /* the caller numbers: its first id may be below our base */
            if (want_id > hub->last_id || !hub->published)
                rc = queue_push_locked(hub, ev);
        } else if (guess == hub->last_id + 1) {
            rc = queue_push_locked(hub, ev);
        } else if (!hub->stopping) {
            retry = true;
        }
        if (rc == 0) {
            hub->last_id = guess;
            hub->published = true;
            atomic_store(&hub->last_id_pub, guess);
            if (hub->wake != NULL)
                hub->wake(hub->wake_ctx); /* under mu: sse_hub_stop waits for it */
        }
        pthread_mutex_unlock(&hub->mu);
        if (rc == 0)
            return guess;
        free(ev);
        if (!retry)
            return -1;
    }
    /* Heavy contention: format under the lock rather than spin. */
    pthread_mutex_lock(&hub->mu);
    int64_t id = hub->last_id + 1;
    struct sse_event *ev = event_format(id, topic, event, data, len);
    int rc = ev ? queue_push_locked(hub, ev) : -1;
    if (rc == 0) {
        hub->last_id = id;
        hub->published = true;
        atomic_store(&hub->last_id_pub, id);
        if (hub->wake != NULL)
            hub->wake(hub->wake_ctx);
    }
    pthread_mutex_unlock(&hub->mu);
    if (rc != 0) {
        free(ev);
        return -1;
    }
    return id;
}

int64_t sse_publish(struct sse_hub *hub, const char *topic, const char *event, const char *data,
                    size_t len)
{
    return publish(hub, 0, topic, event, data, len);
}

int sse_publish_id(struct sse_hub *hub, int64_t id, const char *topic, const char *event,
                   const char *data, size_t len)
{
    if (id <= 0)
        return -1;
    return publish(hub, id, topic, event, data, len) == id ? 0 : -1;
}

size_t sse_subscriber_count(struct sse_hub *hub)
{
    return hub ? atomic_load(&hub->nsubs) : 0;
}

int64_t sse_last_id(struct sse_hub *hub)
{
    return hub ? atomic_load(&hub->last_id_pub) : 0;
}

/* ---- loop side ---------------------------------------------------------- */

static struct sse_topic *topic_find(struct sse_hub *hub, const char *name, uint32_t h)
{
    struct sse_topic *t = hub->topics[h & (SSE_TOPIC_BUCKETS - 1)];
    for (; t != NULL; t = t->next) {
        if (t->hash == h && strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

static void topic_remove(struct sse_hub *hub, struct sse_topic *t)
{
    struct sse_topic **pp = &hub->topics[t->hash & (SSE_TOPIC_BUCKETS - 1)];
    while (*pp != NULL && *pp != t)
        pp = &(*pp)->next;
    if (*pp == t)
        *pp = t->next;
    free(t);
}

static void sub_drop(struct sse_sub *sub)
{
    if (sub->dropped)
        return;
    sub->dropped = true;
    sub->ops->drop(sub);
}

/* Adds a reference to ev to the subscriber's queue, or drops the subscriber
 * when that would pass the backlog limit. */
static void sub_enqueue(struct sse_hub *hub, struct sse_sub *sub, struct sse_event *ev)
{
    if (sub->dropped)
        return;
    if (sub->backlog + ev->len > hub->backlog_max) {
        sub_drop(sub);
        return;
    }
    if (sub->qlen == sub->qcap) {
        uint32_t ncap = sub->qcap ? sub->qcap * 2 : 4;
        struct sse_event **nq = malloc(ncap * sizeof(*nq));
        if (nq == NULL) {
            sub_drop(sub);
            return;
        }
        for (uint32_t i = 0; i < sub->qlen; i++)
            nq[i] = sub->q[(sub->qhead + i) & (sub->qcap - 1)];
        free(sub->q);
        sub->q = nq;
        sub->qhead = 0;
        sub->qcap = ncap;
    }
    sub->q[(sub->qhead + sub->qlen) & (sub->qcap - 1)] = ev;
    sub->qlen++;
    ev->refs++;
    sub->backlog += ev->len;
}

/* Releases the events of the finished write. */
static void sub_complete(struct sse_sub *sub)
{
    for (uint32_t i = 0; i < sub->inflight; i++) {
        struct sse_event *ev = sub->q[sub->qhead];
        sub->backlog -= ev->len;
        event_unref(ev);
        sub->qhead = (sub->qhead + 1) & (sub->qcap - 1);
        sub->qlen--;
    }
    sub->inflight = 0;
    sub->writing = false;
    if (sub->qlen == 0 && sub->qcap > 16) {
        /* An idle subscriber keeps no big queue around. */
        free(sub->q);
        sub->q = NULL;
        sub->qcap = 0;
        sub->qhead = 0;
    }
}

/* Writes what is queued, one write at a time. */
static void sub_kick(struct sse_sub *sub)
{
    while (!sub->writing && !sub->dropped && sub->qlen > 0) {
        struct iovec iov[SSE_WRITE_MAX_IOVS];
        uint32_t n = sub->qlen < SSE_WRITE_MAX_IOVS ? sub->qlen : SSE_WRITE_MAX_IOVS;
        for (uint32_t i = 0; i < n; i++) {
            struct sse_event *ev = sub->q[(sub->qhead + i) & (sub->qcap - 1)];
            iov[i].iov_base = ev->wire;
            iov[i].iov_len = ev->len;
        }
        sub->inflight = n;
        sub->writing = true;
        int rc = sub->ops->write(sub, iov, (int)n);
        if (rc < 0) {
            sub->inflight = 0;
            sub->writing = false;
            sub_drop(sub);
            return;
        }
        if (rc == 0)
            return; /* sse_sub_on_written comes later */
        sub_complete(sub);
    }
}

void sse_sub_on_written(struct sse_sub *sub, int status)
{
    if (!sub->writing)
        return;
    sub_complete(sub);
    if (status < 0) {
        sub_drop(sub);
        return;
    }
    sub_kick(sub);
}

static void dirty_add(struct sse_hub *hub, struct sse_sub *s)
{
    s->dirty = true;
    s->dirty_prev = NULL;
    s->dirty_next = hub->dirty;
    if (hub->dirty != NULL)
        hub->dirty->dirty_prev = s;
    hub->dirty = s;
    hub->ndirty++;
}

static void dirty_remove(struct sse_hub *hub, struct sse_sub *s)
{
    if (s->dirty_prev != NULL)
        s->dirty_prev->dirty_next = s->dirty_next;
    else
        hub->dirty = s->dirty_next;
    if (s->dirty_next != NULL)
        s->dirty_next->dirty_prev = s->dirty_prev;
    s->dirty_prev = s->dirty_next = NULL;
    s->dirty = false;
    hub->ndirty--;
}

static bool sub_big(const struct sse_sub *s)
{
    return s->topic->nsubs >= SSE_COALESCE_MIN;
}

/* Starts the writes of the dirty subscribers; those of big topics wait for
 * the pacer's wake-up when a big pass ran less than SSE_COALESCE_MS ago. */
static void hub_flush(struct sse_hub *hub)
{
    bool hold = false;
    if (hub->dirty == NULL)
        return;
    if (hub->wake != NULL && hub->coalesce_ns > 0) {
        struct sse_sub *s = hub->dirty;
        while (s != NULL && !sub_big(s))
            s = s->dirty_next;
        if (s != NULL) { /* a big pass */
            uint64_t now = mono_ns();
            if (now < hub->next_pass && pacer_arm(hub, hub->next_pass) == 0)
                hold = true;
            else
                hub->next_pass = now + hub->coalesce_ns;
        }
    }
    struct sse_sub *next;
    for (struct sse_sub *s = hub->dirty; s != NULL; s = next) {
        next = s->dirty_next; /* a kick never detaches (ops->drop must not) */
        if (hold && sub_big(s))
            continue;
        dirty_remove(hub, s);
        sub_kick(s);
    }
}

static void ring_push(struct sse_hub *hub, struct sse_event *ev)
{
    if (hub->ring_len == hub->ring_cap) {
        if (hub->ring[hub->ring_head]->id > hub->evicted_id)
            hub->evicted_id = hub->ring[hub->ring_head]->id;
        event_unref(hub->ring[hub->ring_head]);
        hub->ring_head = (hub->ring_head + 1) % hub->ring_cap;
        hub->ring_len--;
    }
    hub->ring[(hub->ring_head + hub->ring_len) % hub->ring_cap] = ev;
    hub->ring_len++;
}

void sse_hub_drain(struct sse_hub *hub)
{
    pthread_mutex_lock(&hub->mu);
    struct sse_event *ev = hub->qhead;
    hub->qhead = hub->qtail = NULL;
    hub->qcount = 0;
    hub->qbytes = 0;
    pthread_mutex_unlock(&hub->mu);

    while (ev != NULL) {
        struct sse_event *next = ev->next;
        ev->next = NULL;
        if (ev->id > hub->drained_id || hub->first_id == 0)
            hub->drained_id = ev->id;
        if (hub->first_id == 0)
            hub->first_id = ev->id;
        struct sse_topic *t = topic_find(hub, ev->topic, ev->thash);
        for (struct sse_sub *s = t ? t->subs : NULL; s != NULL; s = s->next) {
            sub_enqueue(hub, s, ev);
            if (!s->dirty && !s->dropped && !s->writing)
                dirty_add(hub, s); /* a pending write kicks on completion */
        }
        ring_push(hub, ev); /* the publisher's reference goes to the ring */
        ev = next;
    }
    hub_flush(hub);
}

void sse_hub_heartbeat(struct sse_hub *hub)
{
    for (size_t b = 0; b < SSE_TOPIC_BUCKETS; b++) {
        for (struct sse_topic *t = hub->topics[b]; t != NULL; t = t->next) {
            for (struct sse_sub *s = t->subs; s != NULL; s = s->next) {
                if (s->qlen == 0 && !s->dropped) {
                    sub_enqueue(hub, s, hub->hb);
                    sub_kick(s);
                }
            }
        }
    }
}

void sse_hub_stop(struct sse_hub *hub)
{
    pthread_mutex_lock(&hub->mu);
    hub->stopping = true;
    pthread_mutex_unlock(&hub->mu);
    for (size_t b = 0; b < SSE_TOPIC_BUCKETS; b++) {
        for (struct sse_topic *t = hub->topics[b]; t != NULL; t = t->next) {
            for (struct sse_sub *s = t->subs; s != NULL; s = s->next)
                sub_drop(s);
        }
    }
}

int sse_sub_attach(struct sse_hub *hub, struct sse_sub *sub, const char *topic, int64_t last_id,
                   const char *preamble, size_t preamble_len)
{
    struct sse_event *pre = NULL;
    bool stopping;

    if (!name_ok(topic, false))
        return -1;
    pthread_mutex_lock(&hub->mu);
    stopping = hub->stopping;
    pthread_mutex_unlock(&hub->mu);
    if (stopping)
        return -1;
    if (preamble != NULL && preamble_len > 0) {
        pre = event_private(preamble, preamble_len);
        if (pre == NULL)
            return -1;
    }
    uint32_t h = hash_str(topic);
    struct sse_topic *t = topic_find(hub, topic, h);
    if (t == NULL) {
        size_t n = strlen(topic);
        t = calloc(1, sizeof(*t) + n + 1);
        if (t == NULL) {
            event_unref(pre);
            return -1;
        }
        memcpy(t->name, topic, n + 1);
        t->hash = h;
        t->next = hub->topics[h & (SSE_TOPIC_BUCKETS - 1)];
        hub->topics[h & (SSE_TOPIC_BUCKETS - 1)] = t;
    }
    sub->hub = hub;
    sub->topic = t;
    sub->prev = NULL;
    sub->next = t->subs;
    if (t->subs != NULL)
        t->subs->prev = sub;
    t->subs = sub;
    t->nsubs++;
    atomic_fetch_add(&hub->nsubs, 1);

    if (pre != NULL) {
        sub_enqueue(hub, sub, pre);
        event_unref(pre); /* the queue holds it now */
    }
    if (last_id >= 0) {
        int64_t pub = atomic_load(&hub->last_id_pub);
        /* above every id, or below this run's base while the hub numbers */
        bool previous = (last_id > hub->drained_id && last_id > pub) ||
                        (hub->id_base > 0 && pub >= hub->id_base && last_id < hub->id_base);
        if (hub->resets && (previous || last_id < hub->evicted_id ||
                            (hub->first_id > 0 && last_id < hub->first_id - 1))) {
            /* events may be lost to this client: it reloads (see "Resets") */
            static const char reset_restart[] = "event: reset\ndata: {\"reason\":\"restart\"}\n\n";
            static const char reset_gap[] = "event: reset\ndata: {\"reason\":\"gap\"}\n\n";
            struct sse_event *r = previous ? event_private(reset_restart, sizeof reset_restart - 1)
                                           : event_private(reset_gap, sizeof reset_gap - 1);
            if (r != NULL) { /* without memory the client merely misses the hint */
                sub_enqueue(hub, sub, r);
                event_unref(r);
            }
        }
        if (previous)
            last_id = 0; /* an id from a previous run: replay what we have */
        /* Ids in the ring increase: find the first one past last_id by
         * bisection, then compare topics by hash first. A reconnect storm
         * (every viewer back with its Last-Event-ID) costs each attach
         * O(log ring + events after last_id), not a scan of the ring. */
        size_t lo = 0, hi = hub->ring_len;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (hub->ring[(hub->ring_head + mid) % hub->ring_cap]->id > last_id)
                hi = mid;
            else
                lo = mid + 1;
        }
        for (size_t i = lo; i < hub->ring_len && !sub->dropped; i++) {
            struct sse_event *ev = hub->ring[(hub->ring_head + i) % hub->ring_cap];
            if (ev->thash == h && strcmp(ev->topic, topic) == 0)
                sub_enqueue(hub, sub, ev);
        }
    }
    sub_kick(sub);
    return 0;
}

void sse_sub_detach(struct sse_sub *sub)
{
    struct sse_hub *hub = sub->hub;
    if (hub == NULL)
        return;
    struct sse_topic *t = sub->topic;
    if (sub->prev != NULL)
        sub->prev->next = sub->next;
    else
        t->subs = sub->next;
    if (sub->next != NULL)
        sub->next->prev = sub->prev;
    t->nsubs--;
    if (sub->dirty)
        dirty_remove(hub, sub);
    if (t->subs == NULL)
        topic_remove(hub, t);
    while (sub->qlen > 0) {
        event_unref(sub->q[sub->qhead]);
        sub->qhead = (sub->qhead + 1) & (sub->qcap - 1);
        sub->qlen--;
    }
    free(sub->q);
    sub->q = NULL;
    sub->qcap = 0;
    sub->inflight = 0;
    sub->backlog = 0;
    sub->writing = false;
    sub->hub = NULL;
    sub->topic = NULL;
    sub->prev = sub->next = NULL;
    atomic_fetch_sub(&hub->nsubs, 1);
}
