/*
 * store/draws.h — rows of the draws and the committee (migration 11) and
 * the queries on them; the SQL is in store/draws.c. Same conventions as
 * store/experts.h: strings into the caller's arena, the caller's
 * transaction, store_rc results, 0 for NULL in optional ids and times
 * (leaf indexes, which may be 0, use -1).
 */
#ifndef SUNBID_STORE_DRAWS_H
#define SUNBID_STORE_DRAWS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

#define STORE_DRAW_SEED 32

struct draw_row {
    int64_t id;
    int64_t tender_id;
    const char *state;             /* committed drawn revealed cancelled */
    uint8_t seed[STORE_DRAW_SEED]; /* secret until revealed */
    const char *commitment;        /* SHA-256(seed), hex */
    int64_t eval_start_ms;
    int64_t eval_end_ms;
    int64_t reps; /* representatives planned */
    int64_t max_draws_30d;
    int64_t commit_leaf;         /* -1: not found yet */
    int64_t checkpoint_size;     /* 0: not drawn */
    const char *checkpoint_note; /* NULL: not drawn */
    const char *snapshot_sha;    /* SHA-256 of the snapshot's text; NULL: not drawn */
    const char *excluded_sha;    /* the blob of the excluded experts */
    /* The blob of the pool the snapshot was taken from (docs/draw.md,
     * "Storage"): the snapshot is its lines less the excluded ids. NULL:
     * snapshot_sha names a blob of the snapshot itself (draws before
     * migration 25). */
    const char *pool_sha;
    int64_t short_n; /* replacements not found */
    int64_t requested_by;
    int64_t requested_ms;
    int64_t drawn_ms;
    int64_t revealed_ms;
    int64_t cancelled_ms;
    const char *cancel_reason;
    int64_t version;
};

struct draw_request_row {
    int64_t draw_id;
    int64_t grp; /* 1-based */
    const char *specialty;
    const char *region; /* "" any */
    int64_t count;
    int64_t reserves;
};

struct draw_member {
    int64_t id;
    int64_t draw_id;
    int64_t grp;
    int64_t position;
    int64_t expert_id;
    const char *role;   /* primary reserve replacement */
    const char *status; /* notified confirmed declined reserve skipped released */
    int64_t replaces_id;
    const char *reason;
    int64_t notified_ms;
    int64_t answered_ms;
    int64_t created_ms;
    /* joined */
    const char *expert_name;
    const char *expert_code;
    int64_t expert_user_id;
    int64_t tender_id;
};

struct committee_member {
    int64_t id;
    int64_t tender_id;
    const char *kind; /* expert, rep */
    int64_t draw_member_id;
    int64_t expert_id;
    const char *name;
    int64_t user_id;
    const char *title;
    int64_t added_by;
    int64_t added_ms;
};

struct committee {
    int64_t tender_id;
    int64_t size;
    int64_t experts;
    int64_t reps;
    int64_t chair_member_id; /* 0: none yet */
    const char *chair_how;   /* elected, designated; NULL */
    int64_t formed_by;
    int64_t formed_ms;
    int64_t chair_ms;
};

int store_draw_insert(struct store_tx *tx, const struct draw_row *d, int64_t *id);
/* Writes the mutable columns (state, leaf, checkpoint, snapshot, short,
 * times, reason) and version; STORE_NOTFOUND unless the row is at
 * expect_version. */
int store_draw_update(struct store_tx *tx, const struct draw_row *d, int64_t expect_version);
int store_draw_get(struct store_tx *tx, struct arena *a, int64_t id, struct draw_row *out);
/* The tender's draws, oldest first. */
int store_draw_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int max,
                    struct page *out);

int store_draw_request_insert(struct store_tx *tx, const struct draw_request_row *r);
int store_draw_requests(struct store_tx *tx, struct arena *a, int64_t draw_id, int max,
                        struct page *out);

int store_draw_member_insert(struct store_tx *tx, const struct draw_member *m, int64_t *id);
/* Sets status, reason, the times and replaces_id of member m->id. */
int store_draw_member_update(struct store_tx *tx, const struct draw_member *m);
int store_draw_member_get(struct store_tx *tx, struct arena *a, int64_t id,
                          struct draw_member *out);
/* A draw's members by group and position (at most max). */
int store_draw_members(struct store_tx *tx, struct arena *a, int64_t draw_id, int max,
                       struct page *out);
/* The invitations of the experts linked to a user: members that were ever
 * notified, newest first. */
int store_draw_invitations(struct store_tx *tx, struct arena *a, int64_t user_id, int max,
                           struct page *out);
/* Confirmed and pending members of a tender's live draws. */
int store_draw_tender_counts(struct store_tx *tx, int64_t tender_id, int64_t *confirmed,
                             int64_t *pending);

int store_committee_member_insert(struct store_tx *tx, const struct committee_member *m,
                                  int64_t *id);
int store_committee_members(struct store_tx *tx, struct arena *a, int64_t tender_id, int max,
                            struct page *out);
int store_committee_member_get(struct store_tx *tx, struct arena *a, int64_t id,
                               struct committee_member *out);
int store_committee_insert(struct store_tx *tx, const struct committee *c);
int store_committee_get(struct store_tx *tx, int64_t tender_id, struct committee *out);
int store_committee_set_chair(struct store_tx *tx, int64_t tender_id, int64_t member_id,
                              const char *how, int64_t at_ms);
/* Records (or changes) a member's vote. */
int store_committee_vote(struct store_tx *tx, int64_t tender_id, int64_t voter, int64_t candidate,
                         int64_t at_ms);
/* The votes for candidate. */
int store_committee_votes_for(struct store_tx *tx, int64_t tender_id, int64_t candidate,
                              int64_t *n);

#endif
