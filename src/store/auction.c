/*
 * store/auction.c — SQL for auctions (see auction.h). Written once in the
 * dialect both backends speak. Runs on whatever thread owns the
 * transaction; no rules here, only rows.
 */
#include "store/auction.h"

#include <stdlib.h>

#include "store/rows.h"

static struct store_param opt_i(int64_t v)
{
    return v != 0 ? SP_I(v) : SP_NUL;
}

/* ---- auctions ---- */

#define AUCTION_COLS                                                                               \
    "id, title, kind, preset, agent_org_id, created_by, start_price, increment, reserve,"          \
    " max_price, deposit, start_ms, end_ms, window_ms, step_ms, pause_ms, first_pause_ms,"         \
    " rounds, state, reason, cur_end_ms, shift_ms, price, leader_reg, leader_seq, nbids, seq,"     \
    " order_round, round_order, epoch, owner_node, alive_ms, closed_ms, created_ms"

static void auction_fill(struct store_rows *r, struct arena *a, struct store_auction *x)
{
    x->id = store_col_int(r, 0);
    x->title = store_row_text(r, a, 1);
    x->kind = store_row_text(r, a, 2);
    x->preset = store_row_text(r, a, 3);
    x->agent_org_id = store_col_int(r, 4);
    x->created_by = store_row_i0(r, 5);
    x->start_price = store_col_int(r, 6);
    x->increment = store_col_int(r, 7);
    x->reserve = store_col_int(r, 8);
    x->max_price = store_col_int(r, 9);
    x->deposit = store_col_int(r, 10);
    x->start_ms = store_col_int(r, 11);
    x->end_ms = store_col_int(r, 12);
    x->window_ms = store_col_int(r, 13);
    x->step_ms = store_col_int(r, 14);
    x->pause_ms = store_col_int(r, 15);
    x->first_pause_ms = store_col_int(r, 16);
    x->rounds = store_col_int(r, 17);
    x->state = store_row_text(r, a, 18);
    x->reason = store_row_text(r, a, 19);
    x->cur_end_ms = store_col_int(r, 20);
    x->shift_ms = store_col_int(r, 21);
    x->price = store_col_int(r, 22);
    x->leader_reg = store_row_i0(r, 23);
    x->leader_seq = store_col_int(r, 24);
    x->nbids = store_col_int(r, 25);
    x->seq = store_col_int(r, 26);
    x->order_round = store_col_int(r, 27);
    x->round_order = store_row_text(r, a, 28);
    x->epoch = store_col_int(r, 29);
    x->owner_node = store_row_text(r, a, 30);
    x->alive_ms = store_col_int(r, 31);
    x->closed_ms = store_row_i0(r, 32);
    x->created_ms = store_col_int(r, 33);
}

int store_auction_insert(struct store_tx *tx, const struct store_auction *a, int64_t *id)
{
    struct store_param p[] = {
        SP_T(a->title),       SP_T(a->kind),        SP_T(a->preset),    SP_I(a->agent_org_id),
        opt_i(a->created_by), SP_I(a->start_price), SP_I(a->increment), SP_I(a->reserve),
        SP_I(a->max_price),   SP_I(a->deposit),     SP_I(a->start_ms),  SP_I(a->end_ms),
        SP_I(a->window_ms),   SP_I(a->step_ms),     SP_I(a->pause_ms),  SP_I(a->first_pause_ms),
        SP_I(a->rounds),      SP_I(a->cur_end_ms),  SP_I(a->created_ms)};
    return store_query_int(
        tx,
        "INSERT INTO auctions (title, kind, preset, agent_org_id, created_by, start_price,"
        " increment, reserve, max_price, deposit, start_ms, end_ms, window_ms, step_ms, pause_ms,"
        " first_pause_ms, rounds, state, cur_end_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6,"
        " $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'scheduled', $18, $19) RETURNING id",
        p, 19, id);
}

int store_auction_get(struct store_tx *tx, struct arena *ar, int64_t id, struct store_auction *a)
{
    struct store_param p[] = {SP_I(id)};
    struct store_rows *r = NULL;
    int rc = store_query(tx, "SELECT " AUCTION_COLS " FROM auctions WHERE id = $1", p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        auction_fill(r, ar, a);
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_auction_list(struct store_tx *tx, struct arena *ar, int64_t before_id, int limit,
                       struct store_auction **out, int *n, bool *more)
{
    struct store_param p[] = {SP_I(before_id > 0 ? before_id : INT64_MAX), SP_I(limit + 1)};
    struct store_rows *r = NULL;
    *n = 0;
    *more = false;
    *out = arena_calloc(ar, sizeof(**out) * (size_t)(limit > 0 ? limit : 1));
    if (*out == NULL)
        return STORE_TOOBIG;
    int rc = store_query(
        tx, "SELECT " AUCTION_COLS " FROM auctions WHERE id < $1 ORDER BY id DESC LIMIT $2", p, 2,
        &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        if (*n == limit) {
            *more = true;
            break;
        }
        auction_fill(r, ar, &(*out)[(*n)++]);
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_auction_active(struct store_tx *tx, int64_t horizon_ms, int64_t *ids, int max, int *n)
{
    struct store_param p[] = {SP_I(horizon_ms), SP_I(max)};
    struct store_rows *r = NULL;
    *n = 0;
    int rc = store_query(tx,
                         "SELECT id FROM auctions WHERE state IN ('scheduled', 'live')"
                         " AND (start_ms + shift_ms <= $1 OR kind = 'reverse')"
                         " ORDER BY start_ms, id LIMIT $2",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1 && *n < max)
        ids[(*n)++] = store_col_int(r, 0);
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_auction_claim(struct store_tx *tx, int64_t id, const char *node, int64_t *epoch)
{
    struct store_param p[] = {SP_I(id), SP_T(node)};
    return store_query_int(tx,
                           "UPDATE auctions SET epoch = epoch + 1, owner_node = $2 WHERE id = $1"
                           " RETURNING epoch",
                           p, 2, epoch);
}

int store_auction_snap(struct store_tx *tx, int64_t id, int64_t epoch,
                       const struct store_auction_snap *s)
{
    struct store_param p[] = {SP_I(id),
                              SP_I(epoch),
                              SP_T(s->state),
                              SP_T(s->reason),
                              SP_I(s->cur_end_ms),
                              SP_I(s->shift_ms),
                              SP_I(s->price),
                              opt_i(s->leader_reg),
                              SP_I(s->leader_seq),
                              SP_I(s->nbids),
                              SP_I(s->seq),
                              SP_I(s->order_round),
                              SP_T(s->round_order),
                              SP_I(s->alive_ms),
                              opt_i(s->closed_ms)};
    int64_t changes = 0;
    int rc = store_exec(tx,
                        "UPDATE auctions SET state = $3, reason = $4, cur_end_ms = $5,"
                        " shift_ms = $6, price = $7, leader_reg = $8, leader_seq = $9,"
                        " nbids = $10, seq = $11, order_round = $12, round_order = $13,"
                        " alive_ms = $14, closed_ms = $15 WHERE id = $1 AND epoch = $2",
                        p, 15, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_auction_set_state(struct store_tx *tx, int64_t id, const char *state, const char *reason,
                            int64_t closed_ms)
{
    struct store_param p[] = {SP_I(id), SP_T(state), SP_T(reason), opt_i(closed_ms)};
    int64_t changes = 0;
    int rc = store_exec(tx,
                        "UPDATE auctions SET state = $2, reason = $3, closed_ms = $4,"
                        " epoch = epoch + 1 WHERE id = $1",
                        p, 4, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOTFOUND : rc;
}

/* ---- registrations ---- */

#define REG_COLS                                                                                   \
    "g.id, g.auction_id, g.org_id, g.user_id, g.state, g.deposit_ref, g.paddle, g.applied_ms,"     \
    " g.decided_ms, g.decided_by, o.name, o.uscc"
#define REG_FROM " FROM auction_regs g JOIN orgs o ON o.id = g.org_id"

static void reg_fill(struct store_rows *r, struct arena *a, struct store_auction_reg *g)
{
    g->id = store_col_int(r, 0);
    g->auction_id = store_col_int(r, 1);
    g->org_id = store_col_int(r, 2);
    g->user_id = store_row_i0(r, 3);
    g->state = store_row_text(r, a, 4);
    g->deposit_ref = store_row_text(r, a, 5);
    g->paddle = store_row_text(r, a, 6);
    g->applied_ms = store_col_int(r, 7);
    g->decided_ms = store_row_i0(r, 8);
    g->decided_by = store_row_i0(r, 9);
    g->org_name = store_row_text(r, a, 10);
    g->org_uscc = store_row_text(r, a, 11);
}

static int reg_one(struct store_tx *tx, struct arena *ar, const char *sql,
                   const struct store_param *p, int np, struct store_auction_reg *g)
{
    struct store_rows *r = NULL;
    int rc = store_query(tx, sql, p, np, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        reg_fill(r, ar, g);
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_auction_reg_insert(struct store_tx *tx, const struct store_auction_reg *r, int64_t *id)
{
    struct store_param p[] = {SP_I(r->auction_id), SP_I(r->org_id), opt_i(r->user_id),
                              SP_T(r->deposit_ref), SP_I(r->applied_ms)};
    return store_query_int(tx,
                           "INSERT INTO auction_regs (auction_id, org_id, user_id, state,"
                           " deposit_ref, applied_ms) VALUES ($1, $2, $3, 'applied', $4, $5)"
                           " RETURNING id",
                           p, 5, id);
}

int store_auction_reg_get(struct store_tx *tx, struct arena *ar, int64_t id,
                          struct store_auction_reg *r)
{
    struct store_param p[] = {SP_I(id)};
    return reg_one(tx, ar, "SELECT " REG_COLS REG_FROM " WHERE g.id = $1", p, 1, r);
}

int store_auction_reg_by_org(struct store_tx *tx, struct arena *ar, int64_t auction_id,
                             int64_t org_id, struct store_auction_reg *r)
{
    struct store_param p[] = {SP_I(auction_id), SP_I(org_id)};
    return reg_one(tx, ar, "SELECT " REG_COLS REG_FROM " WHERE g.auction_id = $1 AND g.org_id = $2",
                   p, 2, r);
}

int store_auction_reg_list(struct store_tx *tx, struct arena *ar, int64_t auction_id, int max,
                           struct store_auction_reg **out, int *n)
{
    struct store_param p[] = {SP_I(auction_id), SP_I(max)};
    struct store_rows *r = NULL;
    *n = 0;
    *out = arena_calloc(ar, sizeof(**out) * (size_t)(max > 0 ? max : 1));
    if (*out == NULL)
        return STORE_TOOBIG;
    int rc = store_query(tx,
                         "SELECT " REG_COLS REG_FROM " WHERE g.auction_id = $1 ORDER BY g.id"
                         " LIMIT $2",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1 && *n < max)
        reg_fill(r, ar, &(*out)[(*n)++]);
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_auction_reg_decide(struct store_tx *tx, int64_t id, const char *state, const char *paddle,
                             int64_t at_ms, int64_t by)
{
    struct store_param p[] = {SP_I(id), SP_T(state), SP_T(paddle), SP_I(at_ms), opt_i(by)};
    int64_t changes = 0;
    int rc = store_exec(tx,
                        "UPDATE auction_regs SET state = $2, paddle = $3, decided_ms = $4,"
                        " decided_by = $5 WHERE id = $1",
                        p, 5, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOTFOUND : rc;
}

/* ---- bids ---- */

#define BID_COLS                                                                                   \
    "b.id, b.auction_id, b.seq, b.reg_id, b.user_id, b.amount, b.offered, b.round,"                \
    " b.received_ms, b.ref, b.remote_addr, g.paddle"
#define BID_FROM " FROM auction_bids b JOIN auction_regs g ON g.id = b.reg_id"

static void bid_fill(struct store_rows *r, struct arena *a, struct store_auction_bid *b)
{
    b->id = store_col_int(r, 0);
    b->auction_id = store_col_int(r, 1);
    b->seq = store_col_int(r, 2);
    b->reg_id = store_col_int(r, 3);
    b->user_id = store_row_i0(r, 4);
    b->amount = store_col_int(r, 5);
    b->offered = store_col_int(r, 6);
    b->round = store_col_int(r, 7);
    b->received_ms = store_col_int(r, 8);
    b->ref = store_row_text(r, a, 9);
    b->remote_addr = store_row_text(r, a, 10);
    b->paddle = store_row_text(r, a, 11);
}

int store_auction_bid_insert(struct store_tx *tx, const struct store_auction_bid *b, int64_t *id)
{
    struct store_param p[] = {SP_I(b->auction_id), SP_I(b->seq),         SP_I(b->reg_id),
                              opt_i(b->user_id),   SP_I(b->amount),      SP_I(b->offered),
                              SP_I(b->round),      SP_I(b->received_ms), SP_T(b->ref),
                              SP_T(b->remote_addr)};
    return store_query_int(tx,
                           "INSERT INTO auction_bids (auction_id, seq, reg_id, user_id, amount,"
                           " offered, round, received_ms, ref, remote_addr) VALUES ($1, $2, $3,"
                           " $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                           p, 10, id);
}

/* Rows per multi-row INSERT: a batch goes in chunks of these sizes, so the
 * prepared-statement caches hold at most four shapes (10 parameters a row:
 * 640 at most, under the drivers' 999). One statement for a whole batch is
 * one round trip on PostgreSQL instead of one per bid. SQLite has no round
 * trip to save and binds each parameter by name (a scan of the statement's
 * names: quadratic in the count), so the caller asks for 1 there. */
static const int bid_chunks[] = {64, 16, 4, 1};

#define BID_INSERT_HEAD                                                                            \
    "INSERT INTO auction_bids (auction_id, seq, reg_id, user_id, amount, offered, round,"          \
    " received_ms, ref, remote_addr) VALUES "

int store_auction_bids_insert(struct store_tx *tx, const struct store_auction_bid *b, int n,
                              int per_stmt)
{
    struct store_param p[64 * 10];
    char sql[sizeof BID_INSERT_HEAD + 64 * 72];
    int rc = STORE_OK;
    for (int done = 0; rc == STORE_OK && done < n;) {
        int rows = 1;
        for (size_t c = 0; c < sizeof bid_chunks / sizeof bid_chunks[0]; c++)
            if (bid_chunks[c] <= n - done && bid_chunks[c] <= per_stmt) {
                rows = bid_chunks[c];
                break;
            }
        size_t off = (size_t)snprintf(sql, sizeof sql, "%s", BID_INSERT_HEAD);
        for (int r = 0; r < rows; r++) {
            const struct store_auction_bid *x = &b[done + r];
            struct store_param *q = &p[r * 10];
            int k = r * 10;
            q[0] = SP_I(x->auction_id);
            q[1] = SP_I(x->seq);
            q[2] = SP_I(x->reg_id);
            q[3] = opt_i(x->user_id);
            q[4] = SP_I(x->amount);
            q[5] = SP_I(x->offered);
            q[6] = SP_I(x->round);
            q[7] = SP_I(x->received_ms);
            q[8] = SP_T(x->ref);
            q[9] = SP_T(x->remote_addr);
            off += (size_t)snprintf(sql + off, sizeof sql - off,
                                    "%s($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)",
                                    r ? ", " : "", k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7,
                                    k + 8, k + 9, k + 10);
            if (off >= sizeof sql)
                return STORE_TOOBIG;
        }
        int64_t changes = 0;
        rc = store_exec(tx, sql, p, rows * 10, &changes);
        if (rc == STORE_OK && changes != rows)
            rc = STORE_ERROR;
        done += rows;
    }
    return rc;
}

static int bid_rows(struct store_tx *tx, struct arena *ar, const char *sql,
                    const struct store_param *p, int np, int limit, struct store_auction_bid **out,
                    int *n, bool *more)
{
    struct store_rows *r = NULL;
    *n = 0;
    if (more != NULL)
        *more = false;
    *out = arena_calloc(ar, sizeof(**out) * (size_t)(limit > 0 ? limit : 1));
    if (*out == NULL)
        return STORE_TOOBIG;
    int rc = store_query(tx, sql, p, np, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        if (*n == limit) {
            if (more != NULL)
                *more = true;
            break;
        }
        bid_fill(r, ar, &(*out)[(*n)++]);
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_auction_bids(struct store_tx *tx, struct arena *ar, int64_t auction_id, int64_t after_seq,
                       int limit, struct store_auction_bid **out, int *n, bool *more)
{
    struct store_param p[] = {SP_I(auction_id), SP_I(after_seq), SP_I(limit + 1)};
    return bid_rows(tx, ar,
                    "SELECT " BID_COLS BID_FROM " WHERE b.auction_id = $1 AND b.seq > $2"
                    " ORDER BY b.seq LIMIT $3",
                    p, 3, limit, out, n, more);
}

int store_auction_latest(struct store_tx *tx, struct arena *ar, int64_t auction_id, int max,
                         struct store_auction_bid **out, int *n)
{
    struct store_param p[] = {SP_I(auction_id), SP_I(max + 1)};
    return bid_rows(tx, ar,
                    "SELECT " BID_COLS BID_FROM " WHERE b.auction_id = $1 AND b.seq ="
                    " (SELECT max(c.seq) FROM auction_bids c WHERE c.auction_id = $1"
                    " AND c.reg_id = b.reg_id) ORDER BY b.seq LIMIT $2",
                    p, 2, max, out, n, NULL);
}

int store_auction_refs(struct store_tx *tx, int64_t auction_id,
                       void (*fn)(void *arg, int64_t reg, const char *ref), void *arg)
{
    struct store_param p[] = {SP_I(auction_id)};
    struct store_rows *r = NULL;
    int rc = store_query(tx,
                         "SELECT reg_id, ref FROM auction_bids WHERE auction_id = $1"
                         " AND ref IS NOT NULL",
                         p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1)
        fn(arg, store_col_int(r, 0), store_col_text(r, 1, NULL));
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

/* ---- results ---- */

int store_auction_result_insert(struct store_tx *tx, const struct store_auction_result *r)
{
    struct store_param p[] = {SP_I(r->auction_id),  SP_T(r->outcome),    SP_T(r->reason),
                              opt_i(r->winner_reg), opt_i(r->price),     SP_T(r->body),
                              SP_T(r->key_id),      SP_T(r->public_pem), SP_T(r->signature),
                              SP_I(r->created_ms)};
    return store_exec(tx,
                      "INSERT INTO auction_results (auction_id, outcome, reason, winner_reg, price,"
                      " body, key_id, public_pem, signature, created_ms) VALUES ($1, $2, $3, $4,"
                      " $5, $6, $7, $8, $9, $10)",
                      p, 10, NULL);
}

int store_auction_result_get(struct store_tx *tx, struct arena *ar, int64_t auction_id,
                             struct store_auction_result *x)
{
    struct store_param p[] = {SP_I(auction_id)};
    struct store_rows *r = NULL;
    int rc = store_query(tx,
                         "SELECT auction_id, outcome, reason, winner_reg, price, body, key_id,"
                         " public_pem, signature, created_ms FROM auction_results"
                         " WHERE auction_id = $1",
                         p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        x->auction_id = store_col_int(r, 0);
        x->outcome = store_row_text(r, ar, 1);
        x->reason = store_row_text(r, ar, 2);
        x->winner_reg = store_row_i0(r, 3);
        x->price = store_row_i0(r, 4);
        x->body = store_row_text(r, ar, 5);
        x->key_id = store_row_text(r, ar, 6);
        x->public_pem = store_row_text(r, ar, 7);
        x->signature = store_row_text(r, ar, 8);
        x->created_ms = store_col_int(r, 9);
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}
