/*
 * domain/draw.h — the expert draw of a tender (專家抽取), verifiable after
 * the fact (docs/draw.md):
 *
 *   draw_create   the agent asks for counts per specialty and region; the
 *                 server makes a 32-byte secret seed and logs its SHA-256
 *                 ("draw.commit") in the witness log.          -> committed
 *   draw_run      once the first signed checkpoint that includes that
 *                 commitment exists (else ERR_DRAW_NOT_READY), the recusal
 *                 rules make the eligible snapshot, drawalg.h orders each
 *                 group, the primaries are notified and the reserves held;
 *                 the snapshot's hash is logged ("draw.run").   -> drawn
 *   draw_answer   the expert confirms or declines; a decline (or a
 *                 supervisor's release) calls the next reserve, then the
 *                 next position of the order, skipping anyone who is no
 *                 longer eligible, and records every step.
 *   draw_reveal   after the evaluation (the tender in publicity or later,
 *                 failed or cancelled) the seed is published in the log
 *                 ("draw.reveal", the seed as doc_hash).      -> revealed
 *   draw_record   the record `sunbid draw verify` checks (draw_record.h).
 *
 * Recusal rules (an expert is left out of the snapshot, with a reason):
 *   suspended / retired  not active in the pool
 *   employee             works for the tenderer, the agent, or a bidder
 *                        (registered, or with a bid) — by the employer's
 *                        USCC, the employer's name, or the organisation of
 *                        the expert's account
 *   relation             declares a relation in force to one of them
 *   unavailable          leave or blocked dates overlap the evaluation
 *   limit_30d            notified of max_draws_30d draws in the last 30 days
 *   already_drawn        a member of another live draw of the same tender
 *
 * Secrecy: the list (who was drawn) and the seed are for supervisors and
 * the system until the draw is revealed; the agent sees counts and states;
 * an expert sees its own invitations. draw_view() says what a caller sees.
 *
 * Every write runs in one transaction (domain_write) with its audit row and
 * its witness-log event(s); nothing is written on any error. draw_run keeps
 * the pool of the last draw in memory, keyed by the store and the pool's
 * version (store_pool_version), and reads it again when an expert changed;
 * the warmer (draw_warmer_start, started by `serve` on every node) does
 * that, and writes the pool's blob, ahead of the draws.
 * Threads: any (the pool cache has its own lock). Time is clock_now_ms().
 */
#ifndef SUNBID_DOMAIN_DRAW_H
#define SUNBID_DOMAIN_DRAW_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/draw_record.h"
#include "domain/drawalg.h"
#include "domain/expert.h"

#define DRAW_PER_TENDER_MAX 20   /* draws of one tender */
#define DRAW_MEMBERS_MAX    2000 /* member rows of one draw */
#define DRAW_EVAL_DAYS_MAX  30   /* the evaluation's length */
#define DRAW_30D_MS         ((int64_t)30 * 24 * 3600 * 1000)
#define DRAW_WARM_TICK_MS   3000 /* the warmer looks at the pool's version */

struct draw_input {
    int64_t eval_start_ms; /* the evaluation's dates (unavailability is checked against them) */
    int64_t eval_end_ms;
    int reps; /* the tenderer's representatives planned for the committee */
    struct draw_request req[DRAW_GROUPS_MAX];
    int nreq;
};

/* What a caller may see of a draw. */
struct draw_view {
    bool see;  /* the draw exists for the caller (state, counts, hashes) */
    bool list; /* who was drawn */
    bool seed; /* the seed (the record with it) */
};

struct draw_view draw_view(const struct tender_caller *c, const struct tender_access *acc,
                           const struct draw_row *d);

enum err draw_create(struct store *s, const struct tender_caller *c, int64_t tender_id,
                     const struct draw_input *in, int64_t *draw_id, struct expert_refusal *why);
enum err draw_run(struct store *s, const struct tender_caller *c, int64_t draw_id,
                  struct expert_refusal *why);
/* The expert of member member_id answers (accept: confirm). */
enum err draw_answer(struct store *s, const struct tender_caller *c, int64_t member_id, bool accept,
                     const char *reason, struct expert_refusal *why);
/* A supervisor withdraws a notified or confirmed member (no reply, a
 * conflict found later); a replacement is called as for a decline. */
enum err draw_release(struct store *s, const struct tender_caller *c, int64_t member_id,
                      const char *reason, struct expert_refusal *why);
enum err draw_reveal(struct store *s, const struct tender_caller *c, int64_t draw_id);
enum err draw_cancel(struct store *s, const struct tender_caller *c, int64_t draw_id,
                     const char *reason);
/* The draw record (JSON) into out: supervisors always (with the seed),
 * everyone who may see the tender once revealed; ERR_DRAW_SECRET before. */
enum err draw_record_export(struct store *s, const struct tender_caller *c, int64_t draw_id,
                            struct buf *out);

/* Loads a draw with its tender and what the caller may see of it
 * (ERR_NOT_FOUND when the caller may not see it at all). */
enum err draw_load(struct store_tx *tx, struct arena *a, const struct tender_caller *c,
                   int64_t draw_id, struct draw_row *d, struct tender *t, struct draw_view *v);

/* ---- the pool warmer (docs/draw.md, "Storage") ---- */

/* Counters of the process's pool cache, since start. */
struct draw_pool_stats {
    uint64_t builds;      /* bases read from the store (the whole pool) */
    uint64_t blob_writes; /* pool blobs written (fsync) */
};
void draw_pool_stats(struct draw_pool_stats *out);

/* One round of the warmer: reads the pool's version and, when the cached
 * base is not that version's, builds it and writes its blob, so the next
 * draw does neither. *built (may be NULL): a base was built meanwhile.
 * Returns a store_rc. Any thread. */
int draw_pool_warm(struct store *s, bool *built);

/* A thread calling draw_pool_warm now and every tick_ms (0: the default),
 * on every node (no lease). NULL (logged) when it cannot start; s is
 * borrowed and must outlive it. Stop before closing the store. */
struct draw_warmer;
struct draw_warmer *draw_warmer_start(struct store *s, int64_t tick_ms);
void draw_warmer_stop(struct draw_warmer *w);

#endif
