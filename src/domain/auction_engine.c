/*
 * domain/auction_engine.c — the single writer of each live auction (see
 * auction.h for the design; docs/auction.md for the rules and the outage
 * policy).
 *
 * Owns: one manager thread, and one writer thread per auction this node runs
 * (at most AUCTION_MAX_WRITERS), each with its own store connection.
 *
 *   manager (every MANAGER_TICK_MS): the auctions that are live or start
 *     within AUCTION_HORIZON_MS -> want lease "auction.<id>" -> when held and
 *     no writer runs here, start one; join writers that finished.
 *   writer: load (claim the epoch, rebuild the book, apply the outage rule)
 *     -> loop { wait for bids or the next timed event (at most a heartbeat)
 *               take a batch; judge each bid at its receipt time; one
 *               transaction: the accepted bids + ONE witness-log event
 *               (auction.bids: the running SHA-256 of the whole history,
 *               which pins every bid) + the snapshot (fenced by epoch)
 *               [+ the signed result]; sealed: envelopes and key releases,
 *               each with its own event;
 *               answer every bid of the batch; publish }
 *     until the auction closes, the lease is lost, the epoch is taken, or
 *     the engine stops.
 *
 * Locks: engine.mu (the writer list) before writer.mu (its queue); a writer
 * never takes engine.mu while holding its own. A handler holds a use count
 * on the writer while it waits (raised under engine.mu, lowered atomically
 * as its last touch), so the manager frees a finished writer only when
 * nobody waits on it. A handler waits on a semaphore of its own, posted by
 * the writer without writer.mu: one wake-up, no lock hand-off back.
 * Invariant: a bid is answered ERR_OK only after the transaction holding it
 * committed; every queued bid is answered exactly once.
 */
#include "domain/auction.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "ledger/ledger.h"

#define MANAGER_TICK_MS 200
#define TX_ATTEMPTS     5
#define EVENT_MAX_BIDS  256 /* bids listed in one "bids" event (a full outbox is sent) */
#define EVENT_HOLD_MS   50  /* the longest a committed bid waits in the outbox */
#define PUBQ_MAX        256 /* events handed to the publisher, not yet sent */

/* An event handed to the writer's publisher thread (owns its bytes). */
struct pubev {
    char event[16];
    struct buf b;
    struct pubev *next;
};

/* The writer's publisher: sends its events in order on a thread of its own,
 * so that the writer never waits for a broadcast (on PostgreSQL each is a
 * transaction with its own commit). PostgreSQL only: see async_publish. */
struct pubq {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;         /* an event queued, room made, or stop */
    struct pubev *head, *tail; /* under mu */
    int n;                     /* queued (under mu) */
    bool stop;                 /* under mu: send what is queued, then end */
    bool started;              /* the thread runs (else: sent in place) */
};

struct pending {
    const struct auction_bid_req *in; /* borrowed from the waiting handler */
    struct auction_bid_ack *out;      /* the handler's */
    int64_t received_ms;              /* server receipt, stamped under the queue lock */
    sem_t answered;                   /* posted once, when *out is final: the handler
                                         wakes without taking writer.mu, and the
                                         pending is no longer the writer's */
    struct pending *next;
};

/* (registration, reference) pairs already used: 64-bit hashes, open
 * addressing, 0 = empty. Grows by doubling. */
struct refset {
    uint64_t *slot;
    size_t cap, n;
};

/* A qualified bidder: its registration, organisation and number. Appended
 * by the writer thread under writer.mu (handlers look bidders up here
 * instead of reading the store for every bid). */
struct paddle {
    int64_t reg;
    int64_t org;
    char no[AUCTION_PADDLE_LEN + 2];
};

/* An accepted bid as the "bids" event lists it, copied out of the batch
 * (whose memory is the handlers' again once answered). */
struct outbid {
    int64_t seq;
    int64_t received_ms;
    int64_t amount;
    int round;
    bool reveal;   /* sealed: a key released */
    bool hide;     /* hidden() when it committed: no bidder, no amount */
    bool extended; /* it moved the end */
    char paddle[AUCTION_PADDLE_LEN + 2];
};

struct writer {
    struct auction_engine *e;
    int64_t id;
    char lease[CLUSTER_LEASE_NAME];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;           /* the writer waits for bids or stop */
    struct pending *head, *tail; /* the queue, under mu */
    int nq;
    int64_t last_stamp; /* receipt stamps never go backwards */
    bool stopping;      /* under mu */
    bool finished;      /* under mu: no more bids are taken */
    bool joined;
    atomic_int users; /* handlers holding it: raised under engine.mu, lowered
                         without it (the handler's last touch of the writer) */
    /* the writer thread's own */
    struct store_auction row;
    struct arena arena; /* row strings */
    struct auction_terms terms;
    struct auction_book book, save;
    int64_t epoch;
    struct refset refs;
    struct store_auction_bid *rows; /* batch_max: the rows of one batch's insert */
    /* committed and acknowledged bids not yet broadcast: one "bids" event
     * carries several batches while more bids wait (each publish is a
     * transaction of its own on PostgreSQL); sent when the queue is empty,
     * the outbox full, the state closed, or EVENT_HOLD_MS after its first */
    struct outbid outbox[EVENT_MAX_BIDS];
    int nout;
    int64_t out_first_mono_ms; /* when outbox[0] went in */
    struct pubq pub;           /* the events' way out */
    struct buf sealed;         /* sealed: the standings as the snapshot keeps them */
    /* english, dutch, reverse: the SHA-256 of the bid history so far (the
     * lines of the result's bids_sha256), fed as bids commit; every batch's
     * witness-log event carries it. hist_save: before the batch (undo). */
    EVP_MD_CTX *hist, *hist_save;
    int npad; /* appended under mu; the writer thread reads without it */
    struct paddle pads[AUCTION_MAX_BIDDERS];
    int64_t alive_mono_ms; /* when alive_ms was last written */
    int64_t last_price;    /* dutch: last price published */
    int last_round;        /* reverse: last turn published */
    bool last_revealing;   /* sealed: the key release was published */
    int64_t last_turn_reg;
    struct writer *next;
};

struct auction_engine {
    struct store *store;     /* borrowed */
    struct cluster *cluster; /* borrowed */
    char data_dir[1024];
    int batch_max;
    int rows_per_stmt;  /* bid rows per INSERT: 64 on PostgreSQL, 1 on SQLite */
    bool async_publish; /* a publisher thread per writer: PostgreSQL (a publish
                           is a transaction there; on SQLite an in-process call
                           cheaper than the hand-off) */
    EVP_PKEY *key;      /* signs results */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    struct writer *writers; /* under mu */
    int nwriters;
};

static struct auction_engine *current_engine;
static char current_dir[1024] = ".";

struct auction_engine *auction_engine_current(void)
{
    return current_engine;
}

const char *auction_engine_data_dir(void)
{
    return current_dir;
}

static int64_t mono_ms(void)
{
    return clock_mono_ns() / 1000000;
}

/* ---- the reference set ---- */

static uint64_t ref_hash(int64_t reg, const char *ref)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < 8; i++) { /* the registration's bytes, then a separator */
        h ^= ((uint64_t)reg >> (8 * i)) & 0xff;
        h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
    for (const char *p = ref; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    return h == 0 ? 1 : h;
}

static bool refset_has(const struct refset *s, uint64_t h)
{
    if (s->cap == 0)
        return false;
    for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i] == 0)
            return false;
        if (s->slot[i] == h)
            return true;
    }
}

static int refset_add(struct refset *s, uint64_t h)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *slot = calloc(cap, sizeof(*slot));
        if (slot == NULL)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i] != 0) {
                size_t j = s->slot[i] & (cap - 1);
                while (slot[j] != 0)
                    j = (j + 1) & (cap - 1);
                slot[j] = s->slot[i];
            }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    size_t i = h & (s->cap - 1);
    while (s->slot[i] != 0 && s->slot[i] != h)
        i = (i + 1) & (s->cap - 1);
    if (s->slot[i] == 0) {
        s->slot[i] = h;
        s->n++;
    }
    return 0;
}

/* Removal keeps the probe chains whole: re-insert what follows. */
static void refset_del(struct refset *s, uint64_t h)
{
    if (s->cap == 0)
        return;
    size_t i = h & (s->cap - 1);
    while (s->slot[i] != 0 && s->slot[i] != h)
        i = (i + 1) & (s->cap - 1);
    if (s->slot[i] == 0)
        return;
    s->slot[i] = 0;
    s->n--;
    for (size_t j = (i + 1) & (s->cap - 1); s->slot[j] != 0; j = (j + 1) & (s->cap - 1)) {
        uint64_t v = s->slot[j];
        s->slot[j] = 0;
        s->n--;
        refset_add(s, v);
    }
}

static void on_ref(void *arg, int64_t reg, const char *ref)
{
    struct writer *w = arg;
    if (ref != NULL && refset_add(&w->refs, ref_hash(reg, ref)) != 0)
        log_error("auction %lld: out of memory for bid references", (long long)w->id);
}

/* ---- bidder numbers ---- */

static const char *paddle_of(const struct writer *w, int64_t reg)
{
    for (int i = 0; i < w->npad; i++)
        if (w->pads[i].reg == reg)
            return w->pads[i].no;
    return NULL;
}

static void paddle_note(struct writer *w, int64_t reg, int64_t org, const char *no)
{
    if (no == NULL || paddle_of(w, reg) != NULL || w->npad == AUCTION_MAX_BIDDERS)
        return;
    pthread_mutex_lock(&w->mu);
    w->pads[w->npad].reg = reg;
    w->pads[w->npad].org = org;
    snprintf(w->pads[w->npad].no, sizeof w->pads[w->npad].no, "%s", no);
    w->npad++;
    pthread_mutex_unlock(&w->mu);
}

/* ---- the snapshot ---- */

static int write_snap(struct store_tx *tx, struct writer *w, int64_t now)
{
    char order[AUCTION_MAX_BIDDERS * 21];
    size_t off = 0;
    const char *list = NULL;
    order[0] = '\0';
    for (int i = 0; i < w->book.norder && off + 22 < sizeof order; i++)
        off += (size_t)snprintf(order + off, sizeof order - off, "%s%lld", i ? "," : "",
                                (long long)w->book.order[i]);
    if (w->book.norder > 0)
        list = order;
    if (w->terms.kind == AUCTION_SEALED && w->book.nstand > 0) { /* the envelopes */
        if (auction_sealed_encode(&w->book, &w->sealed) != 0)
            return STORE_ERROR;
        list = w->sealed.data;
    }
    struct store_auction_snap s = {.state = auction_state_name(w->book.state),
                                   .reason = w->book.reason,
                                   .cur_end_ms = w->book.end_ms,
                                   .shift_ms = w->book.shift_ms,
                                   .price = w->book.price,
                                   .leader_reg = w->book.leader,
                                   .leader_seq = w->book.leader_seq,
                                   .nbids = w->book.nbids,
                                   .seq = w->book.seq,
                                   .order_round = w->book.order_round,
                                   .round_order = list,
                                   .alive_ms = now,
                                   .closed_ms = w->book.closed_ms};
    return store_auction_snap(tx, w->id, w->epoch, &s);
}

/* The witness-log events of state changes between save and book. */
static int log_changes(struct store_tx *tx, struct writer *w, const struct auction_book *before,
                       int64_t shift)
{
    struct actor sys = {.name = "system"};
    int rc = STORE_OK;
    if (shift > 0) {
        char d[96];
        snprintf(d, sizeof d, "{\"outage_ms\":%lld}", (long long)shift);
        rc = audit_record(tx, &sys, "auction.resume", "auction", w->id, d);
        struct ledger_event ev = {.type = "auction.resume",
                                  .subject_type = "auction",
                                  .subject_id = w->id,
                                  .actor_name = "system"};
        if (rc == STORE_OK)
            rc = ledger_append(tx, &ev);
    }
    if (rc == STORE_OK && before->state == AUCTION_SCHEDULED &&
        w->book.state != AUCTION_SCHEDULED) {
        struct ledger_event ev = {.type = "auction.start",
                                  .subject_type = "auction",
                                  .subject_id = w->id,
                                  .actor_name = "system"};
        rc = ledger_append(tx, &ev);
    }
    if (rc == STORE_OK && !auction_state_closed(before->state) &&
        auction_state_closed(w->book.state))
        rc = auction_result_write(tx, w->e->key, &w->row, &w->terms, &w->book);
    return rc;
}

/* ---- events ---- */

static bool hidden(const struct writer *w)
{
    /* sealed bids stay sealed until the end; reverse offers until the start */
    return !auction_state_closed(w->book.state) &&
           (w->terms.kind == AUCTION_SEALED ||
            (w->terms.kind == AUCTION_REVERSE && w->book.state == AUCTION_SCHEDULED));
}

static void state_fields(struct jsonw *j, struct writer *w, int64_t now)
{
    jsonw_kint(j, "auction", w->id);
    jsonw_kstr(j, "state", auction_state_name(w->book.state));
    if (w->book.reason != NULL)
        jsonw_kstr(j, "reason", w->book.reason);
    jsonw_kint(j, "now_ms", now);
    jsonw_kint(j, "start_ms", auction_live_from(&w->terms, &w->book));
    jsonw_kint(j, "end_ms", auction_end_at(&w->terms, &w->book));
    jsonw_kint(j, "nbids", w->book.nbids);
    jsonw_kint(j, "seq", w->book.seq);
    if (!hidden(w) && w->book.leader != 0) {
        jsonw_kint(j, "price", w->book.price);
        jsonw_kstr(j, "leader", paddle_of(w, w->book.leader));
    }
    if (w->terms.kind == AUCTION_DUTCH && w->book.state == AUCTION_LIVE)
        jsonw_kint(j, "current_price", auction_dutch_price(&w->terms, &w->book, now));
    if (w->terms.kind == AUCTION_SEALED)
        jsonw_kint(j, "reveal_end_ms", auction_reveal_end(&w->terms, &w->book));
    if (w->terms.kind == AUCTION_REVERSE && w->book.state == AUCTION_LIVE) {
        int round;
        int64_t reg, turn_end;
        auction_reverse_turn(&w->terms, &w->book, now, &round, &reg, &turn_end);
        jsonw_kint(j, "round", round);
        jsonw_kstr(j, "turn", reg ? paddle_of(w, reg) : NULL);
        jsonw_kint(j, "turn_end_ms", turn_end);
    }
}

static void publish_now(struct writer *w, const char *event, const struct buf *b)
{
    char topic[40];
    snprintf(topic, sizeof topic, "auction.%lld", (long long)w->id);
    int rc = cluster_publish(w->e->cluster, topic, event, b->data, b->len);
    if (rc != STORE_OK)
        log_warn("auction %lld: event %s not published: %s", (long long)w->id, event,
                 store_rc_name(rc));
}

static void *publisher_main(void *arg)
{
    struct writer *w = arg;
    struct pubq *q = &w->pub;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (q->head == NULL && !q->stop)
            pthread_cond_wait(&q->cv, &q->mu);
        struct pubev *ev = q->head;
        if (ev == NULL)
            break; /* stopped and drained */
        q->head = ev->next;
        if (q->head == NULL)
            q->tail = NULL;
        pthread_mutex_unlock(&q->mu);
        publish_now(w, ev->event, &ev->b);
        buf_release(&ev->b);
        free(ev);
        pthread_mutex_lock(&q->mu);
        q->n--;
        pthread_cond_broadcast(&q->cv); /* room, or drained */
    }
    pthread_mutex_unlock(&q->mu);
    store_thread_done(w->e->store); /* PostgreSQL: its connection */
    return NULL;
}

/* Hands the event over (b is emptied: its bytes are the publisher's). In
 * order with every other event of the auction; waits while PUBQ_MAX are
 * queued. Without a publisher thread, sends it in place. */
static void publish(struct writer *w, const char *event, struct buf *b)
{
    struct pubq *q = &w->pub;
    struct pubev *ev = q->started ? malloc(sizeof(*ev)) : NULL;
    if (ev == NULL) { /* in place, after what is queued */
        pthread_mutex_lock(&q->mu);
        while (q->started && q->n > 0)
            pthread_cond_wait(&q->cv, &q->mu);
        pthread_mutex_unlock(&q->mu);
        publish_now(w, event, b);
        return;
    }
    snprintf(ev->event, sizeof ev->event, "%s", event);
    ev->b = *b;
    ev->next = NULL;
    buf_init(b, b->max); /* the bytes moved */
    pthread_mutex_lock(&q->mu);
    while (q->n >= PUBQ_MAX)
        pthread_cond_wait(&q->cv, &q->mu);
    if (q->tail != NULL)
        q->tail->next = ev;
    else
        q->head = ev;
    q->tail = ev;
    q->n++;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* Sends what is queued and ends the publisher. */
static void publisher_stop(struct writer *w)
{
    struct pubq *q = &w->pub;
    if (!q->started)
        return;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    q->started = false;
}

static void flush_outbox(struct writer *w, int64_t now);

static void publish_state(struct writer *w, int64_t now)
{
    flush_outbox(w, now); /* the held bids go first: events keep their order */
    struct buf b;
    struct jsonw j;
    buf_init(&b, 8192);
    jsonw_init(&j, &b);
    jsonw_obj_begin(&j);
    state_fields(&j, w, now);
    jsonw_obj_end(&j);
    if (jsonw_finish(&j) == JSONW_OK)
        publish(w, auction_state_closed(w->book.state) ? "end" : "state", &b);
    buf_release(&b);
}

/* The "bids" event of the outbox, published; the outbox emptied. */
static void flush_outbox(struct writer *w, int64_t now)
{
    struct buf b;
    struct jsonw j;
    if (w->nout == 0)
        return;
    buf_init(&b, 65536);
    jsonw_init(&j, &b);
    jsonw_obj_begin(&j);
    state_fields(&j, w, now);
    jsonw_key(&j, "bids");
    jsonw_arr_begin(&j);
    for (int i = 0; i < w->nout; i++) {
        const struct outbid *o = &w->outbox[i];
        jsonw_obj_begin(&j);
        jsonw_kint(&j, "seq", o->seq);
        jsonw_kint(&j, "received_ms", o->received_ms);
        if (o->reveal)
            jsonw_kbool(&j, "reveal", true); /* a key released (outcomes: at the end) */
        if (!o->hide) {
            jsonw_kstr(&j, "bidder", o->paddle);
            jsonw_kint(&j, "amount", o->amount);
            if (o->round > 0)
                jsonw_kint(&j, "round", o->round);
        }
        if (o->extended)
            jsonw_kbool(&j, "extended", true);
        jsonw_obj_end(&j);
    }
    jsonw_arr_end(&j);
    jsonw_obj_end(&j);
    if (jsonw_finish(&j) == JSONW_OK)
        publish(w, "bids", &b);
    buf_release(&b);
    w->nout = 0;
}

/* The accepted bids of a committed batch into the outbox (before the
 * answers: the batch is the handlers' afterwards). */
static void outbox_add(struct writer *w, struct pending **batch, int n, int64_t now)
{
    bool hide = hidden(w);
    for (int i = 0; i < n; i++) {
        const struct auction_bid_ack *a = batch[i]->out;
        if (a->err != ERR_OK)
            continue;
        if (w->nout == EVENT_MAX_BIDS)
            flush_outbox(w, now);
        if (w->nout == 0)
            w->out_first_mono_ms = mono_ms();
        struct outbid *o = &w->outbox[w->nout++];
        o->seq = a->seq;
        o->received_ms = a->received_ms;
        o->amount = a->amount;
        o->round = a->round;
        o->reveal = batch[i]->in->reveal;
        o->hide = hide;
        o->extended = a->extended;
        snprintf(o->paddle, sizeof o->paddle, "%s",
                 batch[i]->in->paddle ? batch[i]->in->paddle : "");
    }
}

/* ---- answering ---- */

/* Hands every answer back; the batch's pendings are the handlers' again
 * (and may be gone) as soon as each is posted. */
static void answer(struct writer *w, struct pending **batch, int n)
{
    (void)w;
    for (int i = 0; i < n; i++)
        sem_post(&batch[i]->answered);
}

static void fail_all(struct writer *w, struct pending **batch, int n, enum err e)
{
    for (int i = 0; i < n; i++) {
        memset(batch[i]->out, 0, sizeof(*batch[i]->out));
        batch[i]->out->err = e;
        batch[i]->out->received_ms = batch[i]->received_ms;
        batch[i]->out->now_ms = clock_now_ms();
    }
    answer(w, batch, n);
}

/* ---- load (takeover) ---- */

/* One bid's line of the history hash (auction.c history_hash). */
static int history_feed(struct writer *w, int64_t seq, const char *paddle, int64_t amount,
                        int64_t received_ms)
{
    char line[128];
    int n = snprintf(line, sizeof line, "%lld %s %lld %lld\n", (long long)seq,
                     paddle ? paddle : "-", (long long)amount, (long long)received_ms);
    return n > 0 && (size_t)n < sizeof line && EVP_DigestUpdate(w->hist, line, (size_t)n) == 1 ? 0
                                                                                               : -1;
}

/* Rebuilds the running history hash from the stored bids. */
static int history_load(struct store_tx *tx, struct writer *w)
{
    int64_t after = 0;
    bool more = true;
    int rc = STORE_OK;
    if (EVP_DigestInit_ex(w->hist, EVP_sha256(), NULL) != 1)
        return STORE_ERROR;
    while (more && rc == STORE_OK && w->terms.kind != AUCTION_SEALED) {
        struct store_auction_bid *bids;
        struct arena a;
        int n = 0;
        arena_init(&a, 1 << 20);
        rc = store_auction_bids(tx, &a, w->id, after, 1000, &bids, &n, &more);
        for (int i = 0; rc == STORE_OK && i < n; i++) {
            if (history_feed(w, bids[i].seq, bids[i].paddle, bids[i].amount, bids[i].received_ms) !=
                0)
                rc = STORE_ERROR;
            after = bids[i].seq;
        }
        arena_release(&a);
    }
    return rc;
}

static int load_tx(struct writer *w, struct store_tx *tx, int64_t *shift, bool *changed)
{
    struct store_auction_bid *latest;
    struct store_auction_reg *regs;
    int n = 0, nreg = 0;
    struct arena tmp;
    const char *node = cluster_node(w->e->cluster);
    arena_release(&w->arena);
    int rc = store_auction_claim(tx, w->id, node, &w->epoch);
    if (rc == STORE_OK)
        rc = store_auction_get(tx, &w->arena, w->id, &w->row);
    if (rc != STORE_OK)
        return rc;
    auction_from_row(&w->row, &w->terms, &w->book);
    arena_init(&tmp, 1 << 20);
    rc = store_auction_latest(tx, &tmp, w->id, AUCTION_MAX_BIDDERS, &latest, &n);
    if (w->terms.kind == AUCTION_REVERSE) /* sealed: the row has them */
        for (int i = 0; rc == STORE_OK && i < n; i++) {
            struct auction_standing *s = &w->book.stand[w->book.nstand++];
            s->reg = latest[i].reg_id;
            s->amount = latest[i].amount;
            s->at_ms = latest[i].received_ms;
            s->seq = latest[i].seq;
        }
    if (rc == STORE_OK)
        rc = store_auction_reg_list(tx, &tmp, w->id, AUCTION_MAX_BIDDERS * 4, &regs, &nreg);
    for (int i = 0; rc == STORE_OK && i < nreg; i++)
        if (strcmp(regs[i].state, "qualified") == 0)
            paddle_note(w, regs[i].id, regs[i].org_id, regs[i].paddle);
    arena_release(&tmp);
    free(w->refs.slot);
    memset(&w->refs, 0, sizeof(w->refs));
    if (rc == STORE_OK)
        rc = store_auction_refs(tx, w->id, on_ref, w);
    if (rc == STORE_OK)
        rc = history_load(tx, w);
    if (rc != STORE_OK)
        return rc;
    int64_t now = clock_now_ms();
    struct auction_book *before = &w->save;
    memcpy(before, &w->book, sizeof(*before));
    *shift = auction_rules_resume(&w->terms, &w->book, w->row.alive_ms, now);
    *changed = auction_rules_advance(&w->terms, &w->book, now) || *shift > 0;
    rc = write_snap(tx, w, now);
    if (rc == STORE_OK)
        rc = log_changes(tx, w, before, *shift);
    return rc;
}

static int writer_load(struct writer *w)
{
    int rc = STORE_BUSY;
    int64_t shift = 0;
    bool changed = false;
    for (int attempt = 0; attempt < TX_ATTEMPTS && rc == STORE_BUSY; attempt++) {
        struct store_tx *tx = NULL;
        rc = store_begin(w->e->store, STORE_WRITE, &tx);
        if (rc != STORE_OK)
            continue;
        rc = load_tx(w, tx, &shift, &changed);
        if (rc == STORE_OK)
            rc = store_commit(tx);
        else
            store_rollback(tx);
    }
    if (rc != STORE_OK) {
        log_error("auction %lld: cannot take over: %s (%s)", (long long)w->id, store_rc_name(rc),
                  store_errmsg(w->e->store));
        return rc;
    }
    w->alive_mono_ms = mono_ms();
    log_info("auction %lld: writer on %s (epoch %lld, %s, end %lld, outage shift %lld ms)",
             (long long)w->id, cluster_node(w->e->cluster), (long long)w->epoch,
             auction_state_name(w->book.state), (long long)auction_end_at(&w->terms, &w->book),
             (long long)shift);
    if (changed || shift > 0)
        publish_state(w, clock_now_ms());
    return STORE_OK;
}

/* ---- one batch ---- */

/* Judges the batch against the book (from the saved copy on retries).
 * Returns how many were accepted; *changed: the state moved by time. */
static int judge(struct writer *w, struct pending **batch, int n, int64_t now_cut, bool *changed)
{
    int accepted = 0;
    *changed = false;
    for (int i = 0; i < n; i++) {
        struct pending *p = batch[i];
        struct auction_verdict v;
        struct auction_bid bid = {p->in->reg_id, p->in->amount, p->received_ms};
        *changed |= auction_rules_advance(&w->terms, &w->book, p->received_ms);
        memset(p->out, 0, sizeof(*p->out));
        p->out->received_ms = p->received_ms;
        if (p->in->reveal) { /* sealed: a key released, the envelope opened by the caller */
            auction_rules_reveal(&w->terms, &w->book, p->in->reg_id, p->in->readable,
                                 p->in->revealed, p->received_ms, &v);
            p->out->err = v.err;
            if (v.err != ERR_OK)
                continue;
            p->out->seq = v.seq;
            p->out->amount = v.amount;
            p->out->open = v.open;
            p->out->closed = v.closed;
            accepted++;
            continue;
        }
        uint64_t h = p->in->ref ? ref_hash(p->in->reg_id, p->in->ref) : 0;
        if (h != 0 && refset_has(&w->refs, h)) {
            p->out->err = ERR_AUCTION_BID_REPLAYED;
            continue;
        }
        if ((w->terms.kind == AUCTION_SEALED) != (p->in->envelope_sha256 != NULL)) {
            /* a price in the open to a sealed auction, or an envelope to another kind */
            p->out->err = p->in->envelope_sha256 == NULL ? ERR_AUCTION_ENVELOPE_REQUIRED
                                                         : ERR_AUCTION_ENVELOPE_INVALID;
            continue;
        }
        auction_rules_bid(&w->terms, &w->book, &bid, &v);
        p->out->err = v.err;
        p->out->next_min = v.next_min;
        if (v.err != ERR_OK)
            continue;
        if (h != 0 && refset_add(&w->refs, h) != 0) {
            log_error("auction %lld: out of memory for bid references", (long long)w->id);
        }
        paddle_note(w, p->in->reg_id, p->in->org_id, p->in->paddle);
        for (int k = 0; w->terms.kind == AUCTION_SEALED && k < w->book.nstand; k++)
            if (w->book.stand[k].reg == p->in->reg_id)
                memcpy(w->book.stand[k].envelope, p->in->envelope_sha256, 32);
        p->out->seq = v.seq;
        p->out->amount = v.amount;
        p->out->round = v.round;
        p->out->extended = v.extended;
        p->out->closed = v.closed;
        accepted++;
    }
    *changed |= auction_rules_advance(&w->terms, &w->book, now_cut);
    return accepted;
}

/* sealed: an envelope (its hash into the witness log: a receipt anyone can
 * check), or a key release (recorded with the key, so anyone can open the
 * envelope afterwards; a valid price joins the bid history). */
static int commit_sealed(struct store_tx *tx, struct writer *w, const struct pending *p)
{
    struct actor who = {.user_id = p->in->user_id, .name = p->in->actor ? p->in->actor : "bidder"};
    const struct auction_standing *s = NULL;
    char hex[65], detail[512];
    int rc = STORE_OK;
    for (int k = 0; k < w->book.nstand; k++)
        if (w->book.stand[k].reg == p->in->reg_id)
            s = &w->book.stand[k];
    if (s == NULL)
        return STORE_ERROR;
    hex_encode(s->envelope, sizeof s->envelope, hex);
    const char *type = p->in->reveal ? "auction.reveal" : "auction.envelope";
    if (p->in->reveal) {
        const char *why = auction_open_reason((enum auction_open)p->out->open);
        snprintf(detail, sizeof detail,
                 "{\"seq\":%lld,\"envelope\":\"%s\",\"outcome\":\"%s\",\"amount\":%lld,"
                 "\"key\":\"%s\"}",
                 (long long)s->seq, hex, why ? why : "valid", (long long)p->out->amount,
                 p->in->key_hex ? p->in->key_hex : "");
        if (p->out->open == AUCTION_OPEN_VALID) {
            struct store_auction_bid b = {.auction_id = w->id,
                                          .seq = s->seq,
                                          .reg_id = p->in->reg_id,
                                          .user_id = p->in->user_id,
                                          .amount = s->amount,
                                          .offered = s->amount,
                                          .received_ms = s->at_ms,
                                          .remote_addr = p->in->remote_addr};
            int64_t bid_id = 0;
            rc = store_auction_bid_insert(tx, &b, &bid_id);
        }
    } else {
        snprintf(detail, sizeof detail, "{\"seq\":%lld,\"envelope\":\"%s\"}", (long long)s->seq,
                 hex);
    }
    if (rc == STORE_OK)
        rc = audit_record(tx, &who, type, "auction", w->id, detail);
    if (rc == STORE_OK) {
        struct ledger_event ev = {.type = type,
                                  .subject_type = "auction",
                                  .subject_id = w->id,
                                  .actor_id = p->in->user_id,
                                  .actor_name = who.name,
                                  .doc_hash = hex};
        rc = ledger_append(tx, &ev);
    }
    return rc;
}

static int commit_batch(struct writer *w, struct pending **batch, int n, int64_t now_cut)
{
    struct store_tx *tx = NULL;
    int logged = 0;
    if (EVP_MD_CTX_copy_ex(w->hist_save, w->hist) != 1) /* undo() goes back to it */
        return STORE_ERROR;
    int rc = store_begin(w->e->store, STORE_WRITE, &tx);
    if (rc != STORE_OK)
        return rc;
    for (int i = 0; rc == STORE_OK && i < n; i++) {
        const struct pending *p = batch[i];
        if (p->out->err != ERR_OK)
            continue;
        if (w->terms.kind == AUCTION_SEALED) {
            rc = commit_sealed(tx, w, p);
            continue;
        }
        w->rows[logged++] = (struct store_auction_bid){.auction_id = w->id,
                                                       .seq = p->out->seq,
                                                       .reg_id = p->in->reg_id,
                                                       .user_id = p->in->user_id,
                                                       .amount = p->out->amount,
                                                       .offered = p->in->amount,
                                                       .round = p->out->round,
                                                       .received_ms = p->received_ms,
                                                       .ref = p->in->ref,
                                                       .remote_addr = p->in->remote_addr};
        if (history_feed(w, p->out->seq, p->in->paddle, p->out->amount, p->received_ms) != 0)
            rc = STORE_ERROR;
    }
    if (rc == STORE_OK && logged > 0) /* PostgreSQL: few statements, one round trip each */
        rc = store_auction_bids_insert(tx, w->rows, logged, w->e->rows_per_stmt);
    if (rc == STORE_OK && logged > 0 && w->terms.kind != AUCTION_SEALED) {
        /* one witness-log event per batch: the history hash through its
         * last bid, which pins every bid as one event each would */
        unsigned char md[32];
        char hex[65];
        EVP_MD_CTX *fin = EVP_MD_CTX_new();
        unsigned int mdlen = 0;
        if (fin == NULL || EVP_MD_CTX_copy_ex(fin, w->hist) != 1 ||
            EVP_DigestFinal_ex(fin, md, &mdlen) != 1 || mdlen != sizeof md)
            rc = STORE_ERROR;
        EVP_MD_CTX_free(fin);
        if (rc == STORE_OK) {
            hex_encode(md, sizeof md, hex);
            struct ledger_event ev = {.type = "auction.bids",
                                      .subject_type = "auction",
                                      .subject_id = w->id,
                                      .actor_name = "system",
                                      .doc_hash = hex};
            rc = ledger_append(tx, &ev);
        }
    }
    if (rc == STORE_OK)
        rc = write_snap(tx, w, now_cut);
    if (rc == STORE_OK)
        rc = log_changes(tx, w, &w->save, 0);
    if (rc != STORE_OK) {
        store_rollback(tx);
        return rc;
    }
    return store_commit(tx);
}

/* Undoes a failed attempt: the book and the references it added. */
static void undo(struct writer *w, struct pending **batch, int n)
{
    for (int i = 0; i < n; i++)
        if (batch[i]->out->err == ERR_OK && batch[i]->in->ref != NULL)
            refset_del(&w->refs, ref_hash(batch[i]->in->reg_id, batch[i]->in->ref));
    memcpy(&w->book, &w->save, sizeof(w->book));
    if (EVP_MD_CTX_copy_ex(w->hist, w->hist_save) != 1)
        log_error("auction %lld: cannot restore the history hash", (long long)w->id);
}

/* Returns false when the writer must stop (fenced, lease lost). */
static bool run_batch(struct writer *w, struct pending **batch, int n, int64_t now_cut)
{
    int rc = STORE_OK;
    int accepted = 0;
    bool changed = false;
    if (!cluster_lease_held(w->e->cluster, w->lease)) {
        fail_all(w, batch, n, ERR_AUCTION_NOT_HERE);
        return false;
    }
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        memcpy(&w->save, &w->book, sizeof(w->save));
        accepted = judge(w, batch, n, now_cut, &changed);
        bool beat = mono_ms() - w->alive_mono_ms >= AUCTION_HEARTBEAT_MS;
        if (accepted == 0 && !changed && !beat) {
            rc = STORE_OK;
            break;
        }
        rc = commit_batch(w, batch, n, now_cut);
        if (rc == STORE_OK) {
            w->alive_mono_ms = mono_ms();
            break;
        }
        undo(w, batch, n);
        if (rc != STORE_BUSY)
            break;
    }
    if (rc != STORE_OK) {
        bool fenced = rc == STORE_NOTFOUND;
        log_warn("auction %lld: batch of %d not committed: %s", (long long)w->id, n,
                 fenced ? "another writer took over" : store_rc_name(rc));
        fail_all(w, batch, n, fenced ? ERR_AUCTION_NOT_HERE : domain_store_err(rc));
        return !fenced && rc != STORE_UNAVAILABLE;
    }
    int64_t now = clock_now_ms();
    int64_t end = auction_end_at(&w->terms, &w->book);
    for (int i = 0; i < n; i++) {
        struct auction_bid_ack *a = batch[i]->out;
        a->now_ms = now;
        a->end_ms = end;
        if (a->err == ERR_OK)
            a->next_min = auction_next_min(&w->terms, &w->book, batch[i]->in->reg_id, now);
    }
    if (accepted > 0)
        outbox_add(w, batch, n, now);
    answer(w, batch, n); /* from here on the batch is not ours */
    /* broadcast after the acknowledgements: both only after the commit;
     * while more bids wait, for at most EVENT_HOLD_MS, in one event */
    pthread_mutex_lock(&w->mu);
    bool waiting = w->nq > 0;
    pthread_mutex_unlock(&w->mu);
    if (!waiting || auction_state_closed(w->book.state) ||
        mono_ms() - w->out_first_mono_ms >= EVENT_HOLD_MS)
        flush_outbox(w, now);
    int round = 0;
    int64_t turn = 0, turn_end = 0;
    auction_reverse_turn(&w->terms, &w->book, now, &round, &turn, &turn_end);
    int64_t dprice = w->terms.kind == AUCTION_DUTCH && w->book.state == AUCTION_LIVE
                         ? auction_dutch_price(&w->terms, &w->book, now)
                         : 0;
    /* sealed: bidding ends, the key release begins (a phase of its own) */
    bool revealing =
        w->terms.kind == AUCTION_SEALED && w->book.state == AUCTION_LIVE && now >= w->book.end_ms;
    bool ticked = round != w->last_round || turn != w->last_turn_reg || dprice != w->last_price ||
                  revealing != w->last_revealing;
    w->last_revealing = revealing;
    w->last_round = round;
    w->last_turn_reg = turn;
    w->last_price = dprice;
    if ((changed || ticked) && (accepted == 0 || auction_state_closed(w->book.state)))
        publish_state(w, now);
    return true;
}

/* ---- the writer thread ---- */

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct pending **batch = calloc((size_t)w->e->batch_max, sizeof(*batch));
    w->rows = calloc((size_t)w->e->batch_max, sizeof(*w->rows));
    w->pub.started =
        w->e->async_publish && pthread_create(&w->pub.thread, NULL, publisher_main, w) == 0;
    bool ok = batch != NULL && w->rows != NULL && writer_load(w) == STORE_OK;

    while (ok && !auction_state_closed(w->book.state)) {
        int n = 0;
        pthread_mutex_lock(&w->mu);
        if (w->nq == 0 && !w->stopping) {
            int64_t next = auction_next_event(&w->terms, &w->book, clock_now_ms());
            int64_t wait = AUCTION_HEARTBEAT_MS;
            int64_t until = next == INT64_MAX ? wait : next - clock_now_ms();
            if (until < wait)
                wait = until < 1 ? 1 : until;
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += wait / 1000;
            ts.tv_nsec += (long)(wait % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        }
        if (w->stopping) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        while (w->head != NULL && n < w->e->batch_max) {
            batch[n++] = w->head;
            w->head = w->head->next;
            w->nq--;
        }
        if (w->head == NULL)
            w->tail = NULL;
        int64_t now_cut = clock_now_ms();
        if (now_cut < w->last_stamp)
            now_cut = w->last_stamp;
        w->last_stamp = now_cut; /* later bids are stamped at or after the cut */
        pthread_mutex_unlock(&w->mu);
        ok = run_batch(w, batch, n, now_cut);
    }
    flush_outbox(w, clock_now_ms()); /* what is held, before the end */
    /* finished: refuse new bids, answer the queued ones */
    pthread_mutex_lock(&w->mu);
    w->finished = true;
    struct pending *rest = w->head;
    w->head = w->tail = NULL;
    w->nq = 0;
    bool closed = auction_state_closed(w->book.state);
    for (struct pending *p = rest, *next = NULL; p != NULL; p = next) {
        next = p->next; /* p is the handler's once posted */
        memset(p->out, 0, sizeof(*p->out));
        p->out->err = closed        ? ERR_AUCTION_ENDED
                      : w->stopping ? ERR_SHUTTING_DOWN
                                    : ERR_AUCTION_NOT_HERE;
        p->out->received_ms = p->received_ms;
        p->out->now_ms = clock_now_ms();
        p->out->end_ms = auction_end_at(&w->terms, &w->book);
        sem_post(&p->answered);
    }
    pthread_mutex_unlock(&w->mu);
    free(batch);
    publisher_stop(w); /* every event sent before the writer is done */
    store_thread_done(w->e->store);
    log_info("auction %lld: writer stops (%s)", (long long)w->id,
             auction_state_name(w->book.state));
    return NULL;
}

static void writer_free(struct writer *w)
{
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->pub.mu);
    pthread_cond_destroy(&w->pub.cv);
    arena_release(&w->arena);
    buf_release(&w->sealed);
    EVP_MD_CTX_free(w->hist);
    EVP_MD_CTX_free(w->hist_save);
    free(w->refs.slot);
    free(w->rows);
    free(w);
}

static struct writer *writer_start(struct auction_engine *e, int64_t id)
{
    struct writer *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->e = e;
    w->id = id;
    snprintf(w->lease, sizeof w->lease, AUCTION_LEASE_PREFIX "%lld", (long long)id);
    arena_init(&w->arena, 1 << 20);
    buf_init(&w->sealed, (size_t)AUCTION_MAX_BIDDERS * 160);
    w->hist = EVP_MD_CTX_new();
    w->hist_save = EVP_MD_CTX_new();
    if (w->hist == NULL || w->hist_save == NULL) {
        writer_free(w);
        return NULL;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, &ca);
    pthread_mutex_init(&w->pub.mu, NULL);
    pthread_cond_init(&w->pub.cv, NULL);
    pthread_condattr_destroy(&ca);
    w->last_round = -1;
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        writer_free(w);
        return NULL;
    }
    return w;
}

/* ---- the manager ---- */

/* Gives up the leases of auctions that are no longer live or about to be
 * (closed, cancelled: ids is the whole list of those that are) and that no
 * writer of this node still runs: the slot is freed and, on PostgreSQL, the
 * advisory lock released. Under e->mu. */
static void drop_leases(struct auction_engine *e, const int64_t *ids, int n)
{
    char names[CLUSTER_MAX_LEASES][CLUSTER_LEASE_NAME];
    bool held[CLUSTER_MAX_LEASES];
    size_t plen = strlen(AUCTION_LEASE_PREFIX);
    int nl = cluster_leases(e->cluster, names, held, CLUSTER_MAX_LEASES);
    for (int i = 0; i < nl && i < CLUSTER_MAX_LEASES; i++) {
        if (strncmp(names[i], AUCTION_LEASE_PREFIX, plen) != 0)
            continue;
        char *end = NULL;
        long long id = strtoll(names[i] + plen, &end, 10);
        bool keep = end == NULL || *end != '\0' || id <= 0;
        for (int k = 0; k < n && !keep; k++)
            keep = ids[k] == id;
        for (struct writer *w = e->writers; w != NULL && !keep; w = w->next)
            keep = w->id == id && !w->joined;
        if (keep)
            continue;
        cluster_lease_drop(e->cluster, names[i]);
        log_info("auction %lld: lease %s given up", id, names[i]);
    }
}

static void manage(struct auction_engine *e)
{
    int64_t ids[AUCTION_MAX_WRITERS * 2];
    int n = 0;
    struct store_tx *tx = NULL;
    int rc = store_begin(e->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_auction_active(tx, clock_now_ms() + AUCTION_HORIZON_MS, ids,
                                  AUCTION_MAX_WRITERS * 2, &n);
    store_rollback(tx);
    bool listed = rc == STORE_OK && n < AUCTION_MAX_WRITERS * 2; /* the whole list */
    if (rc != STORE_OK) {
        if (rc != STORE_BUSY)
            log_warn("auction: cannot list live auctions: %s", store_rc_name(rc));
        n = 0;
    }
    pthread_mutex_lock(&e->mu);
    /* join writers that finished and nobody waits on */
    for (struct writer **pp = &e->writers; *pp != NULL;) {
        struct writer *w = *pp;
        pthread_mutex_lock(&w->mu);
        bool fin = w->finished;
        pthread_mutex_unlock(&w->mu);
        if (fin && !w->joined) {
            pthread_join(w->thread, NULL);
            w->joined = true;
        }
        if (w->joined && atomic_load(&w->users) == 0) {
            *pp = w->next;
            e->nwriters--;
            writer_free(w);
            continue;
        }
        pp = &w->next;
    }
    for (int i = 0; i < n && !e->stopping; i++) {
        bool running = false;
        for (struct writer *w = e->writers; w != NULL; w = w->next)
            if (w->id == ids[i])
                running = true;
        if (running)
            continue;
        char lease[CLUSTER_LEASE_NAME];
        snprintf(lease, sizeof lease, AUCTION_LEASE_PREFIX "%lld", (long long)ids[i]);
        if (cluster_lease_want(e->cluster, lease) != STORE_OK) {
            log_warn("auction %lld: no lease slot left on this node", (long long)ids[i]);
            continue;
        }
        if (!cluster_lease_held(e->cluster, lease) || e->nwriters >= AUCTION_MAX_WRITERS)
            continue;
        struct writer *w = writer_start(e, ids[i]);
        if (w == NULL) {
            log_error("auction %lld: cannot start its writer", (long long)ids[i]);
            continue;
        }
        w->next = e->writers;
        e->writers = w;
        e->nwriters++;
    }
    if (listed && !e->stopping)
        drop_leases(e, ids, n);
    pthread_mutex_unlock(&e->mu);
}

static void *manager_main(void *arg)
{
    struct auction_engine *e = arg;
    pthread_mutex_lock(&e->mu);
    while (!e->stopping) {
        pthread_mutex_unlock(&e->mu);
        manage(e);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += MANAGER_TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&e->mu);
        if (!e->stopping)
            pthread_cond_timedwait(&e->cv, &e->mu, &ts);
    }
    pthread_mutex_unlock(&e->mu);
    store_thread_done(e->store);
    return NULL;
}

struct auction_engine *auction_engine_start(struct store *s, struct cluster *c,
                                            const struct auction_engine_config *cfg)
{
    struct auction_engine *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->store = s;
    e->cluster = c;
    snprintf(e->data_dir, sizeof e->data_dir, "%s", cfg && cfg->data_dir ? cfg->data_dir : ".");
    e->batch_max = cfg && cfg->batch_max > 0 ? cfg->batch_max : AUCTION_BATCH_MAX;
    e->rows_per_stmt = strcmp(store_backend(s), "postgres") == 0 ? 64 : 1;
    e->async_publish = strcmp(store_backend(s), "postgres") == 0;
    const char *env = getenv("SUNBID_AUCTION_BATCH_MAX"); /* benchmarks: 1 = commit per bid */
    if ((cfg == NULL || cfg->batch_max == 0) && env != NULL) {
        long v = strtol(env, NULL, 10);
        if (v >= 1 && v <= 65536)
            e->batch_max = (int)v;
    }
    e->key = auction_key_load(e->data_dir);
    if (e->key == NULL) {
        free(e);
        return NULL;
    }
    snprintf(current_dir, sizeof current_dir, "%s", e->data_dir);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&e->thread, NULL, manager_main, e) != 0) {
        pthread_mutex_destroy(&e->mu);
        pthread_cond_destroy(&e->cv);
        EVP_PKEY_free(e->key);
        free(e);
        return NULL;
    }
    current_engine = e;
    return e;
}

void auction_engine_stop(struct auction_engine *e)
{
    if (e == NULL)
        return;
    pthread_mutex_lock(&e->mu);
    e->stopping = true;
    pthread_cond_signal(&e->cv);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->thread, NULL);
    current_engine = NULL;
    for (struct writer *w = e->writers; w != NULL; w = w->next) {
        pthread_mutex_lock(&w->mu);
        w->stopping = true;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
    for (struct writer *w = e->writers; w != NULL; w = w->next)
        if (!w->joined) {
            pthread_join(w->thread, NULL);
            w->joined = true;
        }
    /* handlers still waiting were answered; wait for them to let go */
    pthread_mutex_lock(&e->mu);
    for (;;) {
        bool busy = false;
        for (struct writer *w = e->writers; w != NULL; w = w->next)
            busy |= atomic_load(&w->users) > 0;
        if (!busy)
            break;
        pthread_mutex_unlock(&e->mu);
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    while (e->writers != NULL) {
        struct writer *w = e->writers;
        e->writers = w->next;
        writer_free(w);
    }
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->cv);
    EVP_PKEY_free(e->key);
    free(e);
}

bool auction_engine_bidder(struct auction_engine *e, int64_t auction_id, int64_t org_id,
                           int64_t *reg, char paddle[AUCTION_PADDLE_LEN + 2])
{
    bool found = false;
    if (e == NULL || org_id == 0)
        return false;
    pthread_mutex_lock(&e->mu);
    for (struct writer *w = e->writers; w != NULL && !found; w = w->next) {
        if (w->id != auction_id)
            continue;
        pthread_mutex_lock(&w->mu);
        for (int i = 0; i < w->npad && !found; i++)
            if (w->pads[i].org == org_id) {
                *reg = w->pads[i].reg;
                memcpy(paddle, w->pads[i].no, sizeof w->pads[i].no);
                found = true;
            }
        pthread_mutex_unlock(&w->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return found;
}

bool auction_engine_runs(struct auction_engine *e, int64_t auction_id)
{
    bool runs = false;
    if (e == NULL)
        return false;
    pthread_mutex_lock(&e->mu);
    for (struct writer *w = e->writers; w != NULL; w = w->next)
        if (w->id == auction_id) {
            pthread_mutex_lock(&w->mu);
            runs |= !w->finished && !w->stopping;
            pthread_mutex_unlock(&w->mu);
        }
    pthread_mutex_unlock(&e->mu);
    return runs;
}

enum err auction_engine_bid(struct auction_engine *e, const struct auction_bid_req *in,
                            struct auction_bid_ack *out)
{
    struct pending p = {.in = in, .out = out};
    struct writer *w = NULL;
    memset(out, 0, sizeof(*out));
    if (e == NULL)
        return ERR_AUCTION_NOT_HERE;
    pthread_mutex_lock(&e->mu);
    for (struct writer *x = e->writers; x != NULL && w == NULL; x = x->next) {
        if (x->id != in->auction_id)
            continue;
        pthread_mutex_lock(&x->mu);
        if (!x->finished && !x->stopping)
            w = x;
        else
            pthread_mutex_unlock(&x->mu);
    }
    if (w == NULL) {
        pthread_mutex_unlock(&e->mu);
        return ERR_AUCTION_NOT_HERE;
    }
    /* w->mu is held */
    if (w->nq >= AUCTION_QUEUE_MAX || sem_init(&p.answered, 0, 0) != 0) {
        pthread_mutex_unlock(&w->mu);
        pthread_mutex_unlock(&e->mu);
        out->err = ERR_OVERLOADED;
        return ERR_OVERLOADED;
    }
    atomic_fetch_add(&w->users, 1);
    pthread_mutex_unlock(&e->mu);
    int64_t now = clock_now_ms();
    p.received_ms = now > w->last_stamp ? now : w->last_stamp;
    w->last_stamp = p.received_ms;
    if (w->tail != NULL)
        w->tail->next = &p;
    else
        w->head = &p;
    w->tail = &p;
    w->nq++;
    if (w->nq == 1) /* the writer sleeps only on an empty queue */
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    while (sem_wait(&p.answered) != 0 && errno == EINTR)
        ;
    sem_destroy(&p.answered);
    atomic_fetch_sub(&w->users, 1); /* the last touch of w */
    return out->err;
}
