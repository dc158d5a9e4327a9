/*
 * redflags_read.c — streaming JSONL into a red-flags run (redflags_read in
 * redflags.h): lines split with a hard length limit, parsed by jansson on
 * worker threads, folded on the calling thread in file order.
 *
 *   reader (caller's thread)      workers (redflags_set_threads)
 *   ------------------------      -------------------------------
 *   split lines into a batch  --> parse each line of a batch into a tree
 *   fold parsed batches in    <-- (rf_parse_line touches no run state)
 *   order: rf_consume()
 *
 * Parsing is most of the work (jansson builds a whole tree per line), and
 * the indicators need the releases in order only for "the first currency
 * seen" and the order of the output, so the split is: parse and extract
 * (rf_parse_line: the tree is freed at once, only the members the
 * indicators read are kept) anywhere, fold in sequence. A ring of 2 x threads + 2 batches (at most
 * BATCH_LINES lines or about BATCH_BYTES bytes each) bounds the memory in flight; a batch slot is
 * refilled only after it was folded. One mutex guards the batch states and counters; workers wait
 * on `work`, the reader on `done`.
 *
 * Lines: split on '\n' (a final line without one counts), read in
 * READ_CHUNK blocks; a line past max_line bytes is never held whole: its
 * bytes are dropped as they come and the line is reported too long in its
 * place. With one thread (or when a thread cannot start) the same lines go
 * through rf_parse_line and rf_consume directly.
 */
#include "analytics/redflags_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK ((size_t)1 << 20) /* bytes per fread */
#ifndef BATCH_LINES
#define BATCH_LINES 256 /* lines per batch */
#endif
#ifndef BATCH_BYTES
#define BATCH_BYTES ((size_t)1 << 19) /* a batch closes once it holds this much */
#endif
#define MAX_THREADS 8

/* ---- splitting lines ------------------------------------------------------ */

struct splitter {
    FILE *in;
    size_t max_line;
    char *chunk;     /* READ_CHUNK bytes read ahead */
    size_t pos, end; /* unread bytes: chunk[pos, end) */
    struct buf line; /* a line that spans chunks (max: max_line) */
    bool eof;        /* fread reported the end or an error */
    int64_t lineno;  /* of the line last returned */
};

static bool splitter_init(struct splitter *s, FILE *in, size_t max_line)
{
    memset(s, 0, sizeof(*s));
    s->in = in;
    s->max_line = max_line;
    s->chunk = malloc(READ_CHUNK);
    buf_init(&s->line, max_line);
    return s->chunk != NULL;
}

static void splitter_release(struct splitter *s)
{
    free(s->chunk);
    buf_release(&s->line);
}

/* The next line: 1 with *text, *len (valid until the next call; *too_long
 * set instead when over the limit), 0 at the end, -1 out of memory, -2 read
 * error. */
static int splitter_next(struct splitter *s, const char **text, size_t *len, bool *too_long)
{
    bool skipping = false;
    buf_reset(&s->line);
    for (;;) {
        if (s->pos == s->end) {
            if (s->eof)
                break;
            s->pos = 0;
            s->end = fread(s->chunk, 1, READ_CHUNK, s->in);
            if (s->end < READ_CHUNK) {
                s->eof = true;
                if (ferror(s->in))
                    return -2;
            }
            continue;
        }
        const char *p = s->chunk + s->pos;
        size_t avail = s->end - s->pos;
        const char *nl = memchr(p, '\n', avail);
        size_t seg = nl ? (size_t)(nl - p) : avail;
        s->pos += seg + (nl ? 1 : 0);
        if (!skipping) {
            if (s->line.len == 0 && nl != NULL && seg <= s->max_line) {
                s->lineno++;
                *text = p; /* a whole line inside the chunk: no copy */
                *len = seg;
                *too_long = false;
                return 1;
            }
            int rc = buf_append(&s->line, p, seg);
            if (rc == BUF_TOOBIG)
                skipping = true;
            else if (rc != BUF_OK)
                return -1;
        }
        if (nl != NULL)
            goto line;
    }
    if (!skipping && s->line.len == 0)
        return 0; /* the end, no partial line */
line:
    s->lineno++;
    *too_long = skipping;
    *text = s->line.data ? s->line.data : "";
    *len = skipping ? 0 : s->line.len;
    return 1;
}

/* ---- one thread ----------------------------------------------------------- */

static int read_sequential(struct redflags *rf, struct splitter *sp)
{
    const char *text;
    size_t len;
    bool too_long;
    int rc;
    while ((rc = splitter_next(sp, &text, &len, &too_long)) == 1) {
        struct rf_xrelease x;
        json_error_t err;
        rf_mem_reset(&rf->mem);
        enum rf_line kind = RF_LINE_TOO_LONG;
        if (!too_long)
            kind = rf_parse_line(text, len, &rf->mem, &x, &err);
        if (rf_consume(rf, sp->lineno, kind, &x, &err, sp->max_line) != 0)
            return -1;
    }
    if (rc == -1)
        rf->oom = true;
    return rc;
}

/* ---- worker threads ------------------------------------------------------- */

/* A batch slot goes FREE -> FILLED (reader) -> PARSED (a worker) -> FREE
 * (reader, once folded). */
enum { BATCH_FREE, BATCH_FILLED, BATCH_PARSED };

struct batch {
    int state;               /* BATCH_*, changed under the pool's lock */
    size_t n;                /* lines */
    struct buf text;         /* the lines' bytes, back to back */
    size_t off[BATCH_LINES]; /* line i is text[off[i], off[i] + len[i]) */
    size_t len[BATCH_LINES];
    int64_t lineno[BATCH_LINES];
    enum rf_line kind[BATCH_LINES];      /* TOO_LONG from the reader, else the parse */
    struct rf_xrelease rel[BATCH_LINES]; /* the extracted releases */
    struct rf_mem mem;                   /* what they point into */
    json_error_t *err;                   /* BATCH_LINES error reports */
};

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t work; /* a batch was filled, or stop */
    pthread_cond_t done; /* a batch was parsed */
    struct batch *b;     /* nb slots; batch number k lives in slot k % nb */
    size_t nb;
    uint64_t filled; /* batches handed to the workers */
    uint64_t taken;  /* batches a worker took */
    uint64_t folded; /* batches folded (their slots free) */
    bool stop;
};

static void *worker(void *arg)
{
    struct pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->taken == p->filled)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->taken == p->filled)
            break; /* stop, and nothing left */
        struct batch *b = &p->b[p->taken % p->nb];
        p->taken++;
        pthread_mutex_unlock(&p->mu);
        rf_mem_reset(&b->mem);
        for (size_t i = 0; i < b->n; i++)
            if (b->kind[i] != RF_LINE_TOO_LONG)
                b->kind[i] = rf_parse_line(b->text.data + b->off[i], b->len[i], &b->mem, &b->rel[i],
                                           &b->err[i]);
        pthread_mutex_lock(&p->mu);
        b->state = BATCH_PARSED;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Folds the oldest batch in flight, waiting for its parse. */
static void fold_oldest(struct redflags *rf, struct pool *p, size_t max_line)
{
    struct batch *b = &p->b[p->folded % p->nb];
    pthread_mutex_lock(&p->mu);
    while (b->state != BATCH_PARSED)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < b->n; i++)
        (void)rf_consume(rf, b->lineno[i], b->kind[i], &b->rel[i], &b->err[i], max_line);
    b->state = BATCH_FREE; /* only this thread looks at a FREE slot */
    p->folded++;
}

static int read_parallel(struct redflags *rf, struct splitter *sp, struct pool *p)
{
    int rc = 0;
    while (rc == 0 && !rf->oom) {
        /* The slot of the next batch is free once the batch nb before it
         * was folded and its trees freed. */
        while (p->filled - p->folded >= p->nb)
            fold_oldest(rf, p, sp->max_line);
        struct batch *b = &p->b[p->filled % p->nb];
        b->n = 0;
        buf_reset(&b->text);
        while (b->n < BATCH_LINES && b->text.len < BATCH_BYTES) {
            const char *text;
            size_t len;
            bool too_long;
            int r = splitter_next(sp, &text, &len, &too_long);
            if (r != 1) {
                rc = r == 0 ? 1 : r;
                break;
            }
            size_t i = b->n;
            b->off[i] = b->text.len;
            b->len[i] = len;
            b->lineno[i] = sp->lineno;
            b->kind[i] = too_long ? RF_LINE_TOO_LONG : RF_LINE_BLANK;
            if (!too_long && buf_append(&b->text, text, len) != BUF_OK) {
                rc = -1;
                break;
            }
            b->n++;
        }
        if (b->n > 0) {
            pthread_mutex_lock(&p->mu);
            b->state = BATCH_FILLED;
            p->filled++;
            pthread_cond_broadcast(&p->work);
            pthread_mutex_unlock(&p->mu);
        }
    }
    while (p->folded < p->filled)
        fold_oldest(rf, p, sp->max_line);
    if (rc == -1)
        rf->oom = true;
    if (rc == 1)
        rc = 0;
    return rc != 0 ? rc : (rf->oom ? -1 : 0);
}

static int thread_count(const struct redflags *rf)
{
    long n = rf->threads;
    if (n == 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int redflags_read(struct redflags *rf, FILE *in, size_t max_line)
{
    if (rf->oom || rf->finished)
        return -1;
    if (max_line == 0)
        max_line = REDFLAGS_DEFAULT_MAX_LINE;
    struct splitter sp;
    if (!splitter_init(&sp, in, max_line)) {
        splitter_release(&sp);
        rf->oom = true;
        return -1;
    }
    int nthreads = thread_count(rf), started = 0, rc;
    pthread_t tids[MAX_THREADS];
    struct pool p;
    bool sync = false; /* the mutex and condition variables exist */
    memset(&p, 0, sizeof(p));
    if (nthreads > 1) {
        p.nb = 2 * (size_t)nthreads + 2;
        p.b = calloc(p.nb, sizeof(*p.b));
        bool ok = p.b != NULL;
        for (size_t i = 0; ok && i < p.nb; i++) {
            buf_init(&p.b[i].text, BATCH_BYTES + max_line);
            p.b[i].err = malloc(BATCH_LINES * sizeof(json_error_t));
            ok = p.b[i].err != NULL;
        }
        if (ok) {
            pthread_mutex_init(&p.mu, NULL);
            pthread_cond_init(&p.work, NULL);
            pthread_cond_init(&p.done, NULL);
            sync = true;
            for (int i = 0; i < nthreads; i++)
                if (pthread_create(&tids[started], NULL, worker, &p) == 0)
                    started++;
        }
    }
    if (started > 0)
        rc = read_parallel(rf, &sp, &p);
    else
        rc = read_sequential(rf, &sp);
    if (started > 0) {
        pthread_mutex_lock(&p.mu);
        p.stop = true;
        pthread_cond_broadcast(&p.work);
        pthread_mutex_unlock(&p.mu);
        for (int i = 0; i < started; i++)
            pthread_join(tids[i], NULL);
    }
    if (sync) {
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.work);
        pthread_cond_destroy(&p.done);
    }
    for (size_t i = 0; p.b != NULL && i < p.nb; i++) {
        buf_release(&p.b[i].text);
        rf_mem_release(&p.b[i].mem);
        free(p.b[i].err);
    }
    free(p.b);
    splitter_release(&sp);
    return rc;
}
