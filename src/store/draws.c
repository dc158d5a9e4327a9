/*
 * store/draws.c — SQL for draws, their requests and members, and the
 * evaluation committee (store/draws.h). Written once in the dialect both
 * backends speak; no rules here, only rows. Any thread that owns the
 * transaction.
 */
#include "store/draws.h"

#include <string.h>

#include "store/rows.h"

static struct store_param opt_i(int64_t v)
{
    return v != 0 ? SP_I(v) : SP_NUL;
}

/* ---- draws ---- */

#define DRAW_COLS                                                                                  \
    "id, tender_id, state, seed, commitment, eval_start_ms, eval_end_ms, reps, max_draws_30d,"     \
    " commit_leaf, checkpoint_size, checkpoint_note, snapshot_sha, excluded_sha, short,"           \
    " requested_by, requested_ms, drawn_ms, revealed_ms, cancelled_ms, cancel_reason, version,"    \
    " pool_sha"

static void draw_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct draw_row *d = item;
    size_t n = 0;
    const void *seed = store_col_blob(r, 3, &n);
    d->id = store_col_int(r, 0);
    d->tender_id = store_col_int(r, 1);
    d->state = store_row_text(r, a, 2);
    memset(d->seed, 0, sizeof d->seed);
    if (seed != NULL && n == STORE_DRAW_SEED)
        memcpy(d->seed, seed, n);
    d->commitment = store_row_text(r, a, 4);
    d->eval_start_ms = store_col_int(r, 5);
    d->eval_end_ms = store_col_int(r, 6);
    d->reps = store_col_int(r, 7);
    d->max_draws_30d = store_col_int(r, 8);
    d->commit_leaf = store_col_null(r, 9) ? -1 : store_col_int(r, 9);
    d->checkpoint_size = store_row_i0(r, 10);
    d->checkpoint_note = store_row_text(r, a, 11);
    d->snapshot_sha = store_row_text(r, a, 12);
    d->excluded_sha = store_row_text(r, a, 13);
    d->short_n = store_col_int(r, 14);
    d->requested_by = store_row_i0(r, 15);
    d->requested_ms = store_col_int(r, 16);
    d->drawn_ms = store_row_i0(r, 17);
    d->revealed_ms = store_row_i0(r, 18);
    d->cancelled_ms = store_row_i0(r, 19);
    d->cancel_reason = store_row_text(r, a, 20);
    d->version = store_col_int(r, 21);
    d->pool_sha = store_row_text(r, a, 22);
}

int store_draw_insert(struct store_tx *tx, const struct draw_row *d, int64_t *id)
{
    struct store_param p[] = {
        SP_I(d->tender_id),    SP_T(d->state),         SP_B(d->seed, STORE_DRAW_SEED),
        SP_T(d->commitment),   SP_I(d->eval_start_ms), SP_I(d->eval_end_ms),
        SP_I(d->reps),         SP_I(d->max_draws_30d), opt_i(d->requested_by),
        SP_I(d->requested_ms), SP_I(d->version)};
    return store_query_int(tx,
                           "INSERT INTO draws (tender_id, state, seed, commitment, eval_start_ms,"
                           " eval_end_ms, reps, max_draws_30d, requested_by, requested_ms,"
                           " version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                           " RETURNING id",
                           p, 11, id);
}

int store_draw_update(struct store_tx *tx, const struct draw_row *d, int64_t expect_version)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(d->id),
                              SP_I(expect_version),
                              SP_T(d->state),
                              d->commit_leaf >= 0 ? SP_I(d->commit_leaf) : SP_NUL,
                              opt_i(d->checkpoint_size),
                              SP_T(d->checkpoint_note),
                              SP_T(d->snapshot_sha),
                              SP_T(d->excluded_sha),
                              SP_I(d->short_n),
                              opt_i(d->drawn_ms),
                              opt_i(d->revealed_ms),
                              opt_i(d->cancelled_ms),
                              SP_T(d->cancel_reason),
                              SP_I(d->version),
                              SP_T(d->pool_sha)};
    int rc = store_exec(tx,
                        "UPDATE draws SET state = $3, commit_leaf = $4, checkpoint_size = $5,"
                        " checkpoint_note = $6, snapshot_sha = $7, excluded_sha = $8, short = $9,"
                        " drawn_ms = $10, revealed_ms = $11, cancelled_ms = $12,"
                        " cancel_reason = $13, version = $14, pool_sha = $15"
                        " WHERE id = $1 AND version = $2",
                        p, 15, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOTFOUND : rc;
}

int store_draw_get(struct store_tx *tx, struct arena *a, int64_t id, struct draw_row *out)
{
    struct store_param p[] = {SP_I(id)};
    return store_query_one(tx, a, "SELECT " DRAW_COLS " FROM draws WHERE id = $1", p, 1, draw_fill,
                           out);
}

int store_draw_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int max,
                    struct page *out)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_page(tx, a,
                            "SELECT " DRAW_COLS " FROM draws WHERE tender_id = $1 ORDER BY id", p,
                            1, sizeof(struct draw_row), max, draw_fill, out);
}

static void request_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct draw_request_row *q = item;
    q->draw_id = store_col_int(r, 0);
    q->grp = store_col_int(r, 1);
    q->specialty = store_row_text(r, a, 2);
    q->region = store_row_text(r, a, 3);
    q->count = store_col_int(r, 4);
    q->reserves = store_col_int(r, 5);
}

int store_draw_request_insert(struct store_tx *tx, const struct draw_request_row *q)
{
    struct store_param p[] = {SP_I(q->draw_id), SP_I(q->grp),   SP_T(q->specialty),
                              SP_T(q->region),  SP_I(q->count), SP_I(q->reserves)};
    return store_exec(tx,
                      "INSERT INTO draw_requests (draw_id, grp, specialty, region, count,"
                      " reserves) VALUES ($1, $2, $3, $4, $5, $6)",
                      p, 6, NULL);
}

int store_draw_requests(struct store_tx *tx, struct arena *a, int64_t draw_id, int max,
                        struct page *out)
{
    struct store_param p[] = {SP_I(draw_id)};
    return store_query_page(
        tx, a,
        "SELECT draw_id, grp, specialty, region, count, reserves FROM draw_requests"
        " WHERE draw_id = $1 ORDER BY grp",
        p, 1, sizeof(struct draw_request_row), max, request_fill, out);
}

/* ---- members ---- */

#define MEMBER_COLS                                                                                \
    "m.id, m.draw_id, m.grp, m.position, m.expert_id, m.role, m.status, m.replaces_id, m.reason,"  \
    " m.notified_ms, m.answered_ms, m.created_ms, e.name, e.code, e.user_id, d.tender_id"
#define MEMBER_FROM                                                                                \
    " FROM draw_members m JOIN experts e ON e.id = m.expert_id JOIN draws d ON d.id = m.draw_id"

static void member_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct draw_member *m = item;
    m->id = store_col_int(r, 0);
    m->draw_id = store_col_int(r, 1);
    m->grp = store_col_int(r, 2);
    m->position = store_col_int(r, 3);
    m->expert_id = store_col_int(r, 4);
    m->role = store_row_text(r, a, 5);
    m->status = store_row_text(r, a, 6);
    m->replaces_id = store_row_i0(r, 7);
    m->reason = store_row_text(r, a, 8);
    m->notified_ms = store_row_i0(r, 9);
    m->answered_ms = store_row_i0(r, 10);
    m->created_ms = store_col_int(r, 11);
    m->expert_name = store_row_text(r, a, 12);
    m->expert_code = store_row_text(r, a, 13);
    m->expert_user_id = store_row_i0(r, 14);
    m->tender_id = store_col_int(r, 15);
}

int store_draw_member_insert(struct store_tx *tx, const struct draw_member *m, int64_t *id)
{
    struct store_param p[] = {SP_I(m->draw_id),      SP_I(m->grp),       SP_I(m->position),
                              SP_I(m->expert_id),    SP_T(m->role),      SP_T(m->status),
                              opt_i(m->replaces_id), SP_T(m->reason),    opt_i(m->notified_ms),
                              opt_i(m->answered_ms), SP_I(m->created_ms)};
    return store_query_int(tx,
                           "INSERT INTO draw_members (draw_id, grp, position, expert_id, role,"
                           " status, replaces_id, reason, notified_ms, answered_ms, created_ms)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                           p, 11, id);
}

int store_draw_member_update(struct store_tx *tx, const struct draw_member *m)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(m->id),           SP_T(m->status),       SP_T(m->reason),
                              opt_i(m->notified_ms), opt_i(m->answered_ms), opt_i(m->replaces_id)};
    int rc = store_exec(tx,
                        "UPDATE draw_members SET status = $2, reason = $3, notified_ms = $4,"
                        " answered_ms = $5, replaces_id = $6 WHERE id = $1",
                        p, 6, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOTFOUND : rc;
}

int store_draw_member_get(struct store_tx *tx, struct arena *a, int64_t id, struct draw_member *out)
{
    struct store_param p[] = {SP_I(id)};
    return store_query_one(tx, a, "SELECT " MEMBER_COLS MEMBER_FROM " WHERE m.id = $1", p, 1,
                           member_fill, out);
}

int store_draw_members(struct store_tx *tx, struct arena *a, int64_t draw_id, int max,
                       struct page *out)
{
    struct store_param p[] = {SP_I(draw_id)};
    return store_query_page(tx, a,
                            "SELECT " MEMBER_COLS MEMBER_FROM " WHERE m.draw_id = $1"
                            " ORDER BY m.grp, m.position",
                            p, 1, sizeof(struct draw_member), max, member_fill, out);
}

int store_draw_invitations(struct store_tx *tx, struct arena *a, int64_t user_id, int max,
                           struct page *out)
{
    struct store_param p[] = {SP_I(user_id)};
    return store_query_page(tx, a,
                            "SELECT " MEMBER_COLS MEMBER_FROM " WHERE e.user_id = $1"
                            " AND m.notified_ms IS NOT NULL AND d.state <> 'cancelled'"
                            " ORDER BY m.notified_ms DESC, m.id DESC",
                            p, 1, sizeof(struct draw_member), max, member_fill, out);
}

int store_draw_tender_counts(struct store_tx *tx, int64_t tender_id, int64_t *confirmed,
                             int64_t *pending)
{
    struct store_param p[] = {SP_I(tender_id)};
    int rc = store_query_int(tx,
                             "SELECT count(*) FROM draw_members m JOIN draws d ON d.id = m.draw_id"
                             " WHERE d.tender_id = $1 AND d.state <> 'cancelled'"
                             " AND m.status = 'confirmed'",
                             p, 1, confirmed);
    if (rc == STORE_OK)
        rc = store_query_int(tx,
                             "SELECT count(*) FROM draw_members m JOIN draws d ON d.id = m.draw_id"
                             " WHERE d.tender_id = $1 AND d.state <> 'cancelled'"
                             " AND m.status = 'notified'",
                             p, 1, pending);
    return rc;
}

/* ---- the committee ---- */

static void cmember_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct committee_member *m = item;
    m->id = store_col_int(r, 0);
    m->tender_id = store_col_int(r, 1);
    m->kind = store_row_text(r, a, 2);
    m->draw_member_id = store_row_i0(r, 3);
    m->expert_id = store_row_i0(r, 4);
    m->name = store_row_text(r, a, 5);
    m->user_id = store_row_i0(r, 6);
    m->title = store_row_text(r, a, 7);
    m->added_by = store_row_i0(r, 8);
    m->added_ms = store_col_int(r, 9);
}

#define CMEMBER_COLS                                                                               \
    "id, tender_id, kind, draw_member_id, expert_id, name, user_id, title, added_by, added_ms"

int store_committee_member_insert(struct store_tx *tx, const struct committee_member *m,
                                  int64_t *id)
{
    struct store_param p[] = {SP_I(m->tender_id),  SP_T(m->kind),      opt_i(m->draw_member_id),
                              opt_i(m->expert_id), SP_T(m->name),      opt_i(m->user_id),
                              SP_T(m->title),      opt_i(m->added_by), SP_I(m->added_ms)};
    return store_query_int(tx,
                           "INSERT INTO committee_members (tender_id, kind, draw_member_id,"
                           " expert_id, name, user_id, title, added_by, added_ms) VALUES ($1, $2,"
                           " $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                           p, 9, id);
}

int store_committee_members(struct store_tx *tx, struct arena *a, int64_t tender_id, int max,
                            struct page *out)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_page(tx, a,
                            "SELECT " CMEMBER_COLS " FROM committee_members WHERE tender_id = $1"
                            " ORDER BY id",
                            p, 1, sizeof(struct committee_member), max, cmember_fill, out);
}

int store_committee_member_get(struct store_tx *tx, struct arena *a, int64_t id,
                               struct committee_member *out)
{
    struct store_param p[] = {SP_I(id)};
    return store_query_one(tx, a, "SELECT " CMEMBER_COLS " FROM committee_members WHERE id = $1", p,
                           1, cmember_fill, out);
}

int store_committee_insert(struct store_tx *tx, const struct committee *c)
{
    struct store_param p[] = {SP_I(c->tender_id), SP_I(c->size),       SP_I(c->experts),
                              SP_I(c->reps),      opt_i(c->formed_by), SP_I(c->formed_ms)};
    return store_exec(tx,
                      "INSERT INTO committees (tender_id, size, experts, reps, formed_by,"
                      " formed_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                      p, 6, NULL);
}

int store_committee_get(struct store_tx *tx, int64_t tender_id, struct committee *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id)};
    static const char *const hows[] = {"elected", "designated"};
    int rc = store_query(tx,
                         "SELECT tender_id, size, experts, reps, chair_member_id, chair_how,"
                         " formed_by, formed_ms, chair_ms FROM committees WHERE tender_id = $1",
                         p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        const char *how = store_col_text(r, 5, NULL);
        out->tender_id = store_col_int(r, 0);
        out->size = store_col_int(r, 1);
        out->experts = store_col_int(r, 2);
        out->reps = store_col_int(r, 3);
        out->chair_member_id = store_row_i0(r, 4);
        out->chair_how = NULL; /* static strings: the row's text dies with the cursor */
        for (int i = 0; how != NULL && i < 2; i++)
            if (strcmp(how, hows[i]) == 0)
                out->chair_how = hows[i];
        out->formed_by = store_row_i0(r, 6);
        out->formed_ms = store_col_int(r, 7);
        out->chair_ms = store_row_i0(r, 8);
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_committee_set_chair(struct store_tx *tx, int64_t tender_id, int64_t member_id,
                              const char *how, int64_t at_ms)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(tender_id), SP_I(member_id), SP_T(how), SP_I(at_ms)};
    int rc = store_exec(tx,
                        "UPDATE committees SET chair_member_id = $2, chair_how = $3, chair_ms = $4"
                        " WHERE tender_id = $1 AND chair_member_id IS NULL",
                        p, 4, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOTFOUND : rc;
}

int store_committee_vote(struct store_tx *tx, int64_t tender_id, int64_t voter, int64_t candidate,
                         int64_t at_ms)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(voter), SP_I(candidate), SP_I(at_ms)};
    return store_exec(tx,
                      "INSERT INTO committee_votes (tender_id, voter_member_id,"
                      " candidate_member_id, at_ms) VALUES ($1, $2, $3, $4)"
                      " ON CONFLICT (tender_id, voter_member_id) DO UPDATE SET"
                      " candidate_member_id = excluded.candidate_member_id, at_ms = excluded.at_ms",
                      p, 4, NULL);
}

int store_committee_votes_for(struct store_tx *tx, int64_t tender_id, int64_t candidate, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(candidate)};
    return store_query_int(tx,
                           "SELECT count(*) FROM committee_votes WHERE tender_id = $1"
                           " AND candidate_member_id = $2",
                           p, 2, n);
}
