/*
 * store/award.c — the SQL of complaints, the signed contract, bonds and the
 * award rules' overrides (store/award.h; migrations 18 and 23). One dialect
 * for SQLite and PostgreSQL; rows are read into the caller's arena.
 *
 * A lot "ends" when its contract is signed (award_contracts.signed_ms) or
 * when it failed (its evaluation row in phase 'failed', since updated_ms):
 * LOT_END below; a bond's done_ms is the last end of the lots its
 * organisation bid on (every lot with a bid when it bid on none), NULL
 * while one has not ended.
 */
#include "store/award.h"

#include <string.h>

#include "store/rows.h"

static struct store_param opt_i(int64_t v)
{
    return v != 0 ? SP_I(v) : SP_NUL;
}

/* ---- complaints ---- */

#define C_COLS                                                                                     \
    "c.id, c.tender_id, c.org_id, o.name, c.user_id, c.subject, c.body, c.known_ms, c.filed_ms,"   \
    " c.status, c.accept_due_ms, c.accepted_ms, c.decide_due_ms, c.suspended, c.suspended_ms,"     \
    " c.reason, c.decision, c.remedy, c.decision_text, c.closed_ms, c.handled_by,"                 \
    " c.accept_warned_ms, c.decide_warned_ms, c.version, c.lot_no, c.carried_out,"                 \
    " c.carried_why FROM complaints c JOIN orgs o ON o.id = c.org_id"

static void complaint_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct complaint *c = item;
    c->id = store_col_int(r, 0);
    c->tender_id = store_col_int(r, 1);
    c->org_id = store_col_int(r, 2);
    c->org_name = store_row_text(r, a, 3);
    c->user_id = store_row_i0(r, 4);
    c->subject = store_row_text(r, a, 5);
    c->body = store_row_text(r, a, 6);
    c->known_ms = store_col_int(r, 7);
    c->filed_ms = store_col_int(r, 8);
    c->status = store_row_text(r, a, 9);
    c->accept_due_ms = store_col_int(r, 10);
    c->accepted_ms = store_row_i0(r, 11);
    c->decide_due_ms = store_row_i0(r, 12);
    c->suspended = store_col_int(r, 13) != 0;
    c->suspended_ms = store_row_i0(r, 14);
    c->reason = store_row_text(r, a, 15);
    c->decision = store_row_text(r, a, 16);
    c->remedy = store_row_text(r, a, 17);
    c->decision_text = store_row_text(r, a, 18);
    c->closed_ms = store_row_i0(r, 19);
    c->handled_by = store_row_i0(r, 20);
    c->accept_warned_ms = store_row_i0(r, 21);
    c->decide_warned_ms = store_row_i0(r, 22);
    c->version = store_col_int(r, 23);
    c->lot_no = store_col_int(r, 24);
    c->carried_out = (int)store_row_i0(r, 25);
    c->carried_why = store_row_text(r, a, 26);
}

int store_complaint_insert(struct store_tx *tx, const struct complaint *c, int64_t *id)
{
    struct store_param p[] = {SP_I(c->tender_id), SP_I(c->org_id),        opt_i(c->user_id),
                              SP_T(c->subject),   SP_T(c->body),          SP_I(c->known_ms),
                              SP_I(c->filed_ms),  SP_I(c->accept_due_ms), SP_I(c->lot_no)};
    return store_query_int(tx,
                           "INSERT INTO complaints (tender_id, org_id, user_id, subject, body,"
                           " known_ms, filed_ms, status, accept_due_ms, suspended, version, lot_no)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, 'filed', $8, 0, 1, $9)"
                           " RETURNING id",
                           p, 9, id);
}

int store_complaint_update(struct store_tx *tx, const struct complaint *c)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(c->id),
                              SP_T(c->status),
                              opt_i(c->accepted_ms),
                              opt_i(c->decide_due_ms),
                              SP_I(c->suspended ? 1 : 0),
                              opt_i(c->suspended_ms),
                              SP_T(c->reason),
                              SP_T(c->decision),
                              SP_T(c->remedy),
                              SP_T(c->decision_text),
                              opt_i(c->closed_ms),
                              opt_i(c->handled_by),
                              opt_i(c->accept_warned_ms),
                              opt_i(c->decide_warned_ms),
                              SP_I(c->version),
                              SP_I(c->version - 1),
                              opt_i(c->carried_out),
                              SP_T(c->carried_why)};
    int rc = store_exec(tx,
                        "UPDATE complaints SET status = $2, accepted_ms = $3, decide_due_ms = $4,"
                        " suspended = $5, suspended_ms = $6, reason = $7, decision = $8,"
                        " remedy = $9, decision_text = $10, closed_ms = $11, handled_by = $12,"
                        " accept_warned_ms = $13, decide_warned_ms = $14, version = $15,"
                        " carried_out = $17, carried_why = $18 WHERE id = $1 AND version = $16",
                        p, 18, &changes);
    if (rc == STORE_OK && changes == 0)
        return STORE_NOTFOUND;
    return rc;
}

int store_complaint_get(struct store_tx *tx, struct arena *a, int64_t id, struct complaint *out)
{
    struct store_param p[] = {SP_I(id)};
    return store_query_one(tx, a, "SELECT " C_COLS " WHERE c.id = $1", p, 1, complaint_fill, out);
}

int store_complaints(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                     struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    if (tender_id == 0)
        return store_query_page(tx, a,
                                "SELECT " C_COLS " WHERE c.status IN ('filed', 'accepted')"
                                " ORDER BY c.id LIMIT $1",
                                p + 1, 1, sizeof(struct complaint), limit, complaint_fill, out);
    return store_query_page(tx, a,
                            "SELECT " C_COLS " WHERE c.tender_id = $1 ORDER BY c.id LIMIT $2", p, 2,
                            sizeof(struct complaint), limit, complaint_fill, out);
}

int store_complaint_suspended_count(struct store_tx *tx, int64_t tender_id, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_int(tx,
                           "SELECT count(*) FROM complaints WHERE tender_id = $1"
                           " AND suspended = 1 AND status IN ('filed', 'accepted')",
                           p, 1, n);
}

int store_complaints_overdue(struct store_tx *tx, struct arena *a, int64_t now, bool warned_too,
                             int limit, struct page *out)
{
    struct store_param p[] = {SP_I(now), SP_I(warned_too ? 1 : 0), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " C_COLS " WHERE (c.status = 'filed' AND c.accept_due_ms < $1"
                            " AND ($2 = 1 OR c.accept_warned_ms IS NULL))"
                            " OR (c.status = 'accepted' AND c.decide_due_ms < $1"
                            " AND ($2 = 1 OR c.decide_warned_ms IS NULL))"
                            " ORDER BY c.id LIMIT $3",
                            p, 3, sizeof(struct complaint), limit, complaint_fill, out);
}

/* ---- the contract ---- */

#define K_COLS                                                                                     \
    "tender_id, lot_no, winner_org_id, amount_fen, doc_sha, doc_name, doc_type, doc_size, "        \
    "uploaded_by,"                                                                                 \
    " uploaded_ms, bidder_sig, bidder_cert, bidder_user_id, bidder_signed_ms, agent_sig,"          \
    " agent_cert, agent_user_id, agent_signed_ms, signed_ms, late, version"

static void contract_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct award_contract *c = item;
    c->tender_id = store_col_int(r, 0);
    c->lot_no = store_col_int(r, 1);
    c->winner_org_id = store_col_int(r, 2);
    c->amount_fen = store_col_int(r, 3);
    c->doc_sha = store_row_text(r, a, 4);
    c->doc_name = store_row_text(r, a, 5);
    c->doc_type = store_row_text(r, a, 6);
    c->doc_size = store_col_int(r, 7);
    c->uploaded_by = store_row_i0(r, 8);
    c->uploaded_ms = store_col_int(r, 9);
    c->bidder_sig = store_row_text(r, a, 10);
    c->bidder_cert = store_row_text(r, a, 11);
    c->bidder_user_id = store_row_i0(r, 12);
    c->bidder_signed_ms = store_row_i0(r, 13);
    c->agent_sig = store_row_text(r, a, 14);
    c->agent_cert = store_row_text(r, a, 15);
    c->agent_user_id = store_row_i0(r, 16);
    c->agent_signed_ms = store_row_i0(r, 17);
    c->signed_ms = store_row_i0(r, 18);
    c->late = store_col_int(r, 19) != 0;
    c->version = store_col_int(r, 20);
}

int store_contract_put(struct store_tx *tx, const struct award_contract *c)
{
    struct store_param p[] = {SP_I(c->tender_id),   SP_I(c->lot_no),   SP_I(c->winner_org_id),
                              SP_I(c->amount_fen),  SP_T(c->doc_sha),  SP_T(c->doc_name),
                              SP_T(c->doc_type),    SP_I(c->doc_size), opt_i(c->uploaded_by),
                              SP_I(c->uploaded_ms), SP_I(c->version)};
    int rc = store_exec(tx, "DELETE FROM award_contracts WHERE tender_id = $1 AND lot_no = $2", p,
                        2, NULL);
    if (rc != STORE_OK)
        return rc;
    return store_exec(tx,
                      "INSERT INTO award_contracts (tender_id, lot_no, winner_org_id, amount_fen,"
                      " doc_sha, doc_name, doc_type, doc_size, uploaded_by, uploaded_ms, late,"
                      " version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11)",
                      p, 11, NULL);
}

int store_contract_sign(struct store_tx *tx, const struct award_contract *c)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(c->tender_id),         SP_T(c->bidder_sig),
                              SP_T(c->bidder_cert),       opt_i(c->bidder_user_id),
                              opt_i(c->bidder_signed_ms), SP_T(c->agent_sig),
                              SP_T(c->agent_cert),        opt_i(c->agent_user_id),
                              opt_i(c->agent_signed_ms),  opt_i(c->signed_ms),
                              SP_I(c->late ? 1 : 0),      SP_I(c->version),
                              SP_I(c->version - 1),       SP_I(c->lot_no)};
    int rc = store_exec(tx,
                        "UPDATE award_contracts SET bidder_sig = $2, bidder_cert = $3,"
                        " bidder_user_id = $4, bidder_signed_ms = $5, agent_sig = $6,"
                        " agent_cert = $7, agent_user_id = $8, agent_signed_ms = $9,"
                        " signed_ms = $10, late = $11, version = $12"
                        " WHERE tender_id = $1 AND lot_no = $14 AND version = $13",
                        p, 14, &changes);
    if (rc == STORE_OK && changes == 0)
        return STORE_NOTFOUND;
    return rc;
}

int store_contract_drop_unsigned(struct store_tx *tx, int64_t tender_id, int64_t lot_no)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(lot_no)};
    return store_exec(tx,
                      "DELETE FROM award_contracts WHERE tender_id = $1 AND lot_no = $2"
                      " AND signed_ms IS NULL",
                      p, 2, NULL);
}

int store_contract_get(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                       struct award_contract *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(lot_no)};
    return store_query_one(tx, a,
                           "SELECT " K_COLS " FROM award_contracts WHERE tender_id = $1"
                           " AND lot_no = $2",
                           p, 2, contract_fill, out);
}

/* ---- bonds ---- */

/* The end of the lot of the bid d: its contract signed, or it failed. */
#define LOT_END                                                                                    \
    "COALESCE((SELECT k.signed_ms FROM award_contracts k WHERE k.tender_id = d.tender_id"          \
    " AND k.lot_no = d.lot_no), (SELECT e.updated_ms FROM evaluations e"                           \
    " WHERE e.tender_id = d.tender_id AND e.lot_no = d.lot_no AND e.phase = 'failed'))"
/* The bids that count for the bond b0: its organisation's, or every bid of
 * the tender when it has none. */
#define BOND_BIDS                                                                                  \
    " FROM bids d WHERE d.tender_id = b0.tender_id AND (d.org_id = b0.org_id OR NOT EXISTS"        \
    " (SELECT 1 FROM bids x WHERE x.tender_id = b0.tender_id AND x.org_id = b0.org_id))"
#define BOND_DONE                                                                                  \
    "CASE WHEN EXISTS (SELECT 1" BOND_BIDS " AND " LOT_END " IS NULL) THEN NULL"                   \
    " ELSE (SELECT max(" LOT_END ")" BOND_BIDS ") END"
#define B_LIST                                                                                     \
    "b.tender_id, b.org_id, b.org_name, b.amount_fen, b.form, b.received_ms, b.entered_by,"        \
    " b.entered_ms, b.refunded_ms, b.refund_ref, b.refunded_by, b.warned_ms, b.done_ms"
/* The bonds with done_ms, those of bonds b0 that pass the condition w. */
#define B_FROM(w)                                                                                  \
    " FROM (SELECT b0.*, o.name AS org_name, " BOND_DONE " AS done_ms FROM bonds b0"               \
    " JOIN orgs o ON o.id = b0.org_id" w ") b"
#define B_COLS B_LIST B_FROM("")

static void bond_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct bond *b = item;
    b->tender_id = store_col_int(r, 0);
    b->org_id = store_col_int(r, 1);
    b->org_name = store_row_text(r, a, 2);
    b->amount_fen = store_col_int(r, 3);
    b->form = store_row_text(r, a, 4);
    b->received_ms = store_col_int(r, 5);
    b->entered_by = store_row_i0(r, 6);
    b->entered_ms = store_col_int(r, 7);
    b->refunded_ms = store_row_i0(r, 8);
    b->refund_ref = store_row_text(r, a, 9);
    b->refunded_by = store_row_i0(r, 10);
    b->warned_ms = store_row_i0(r, 11);
    b->done_ms = store_row_i0(r, 12);
}

int store_bond_put(struct store_tx *tx, const struct bond *b)
{
    struct store_param p[] = {SP_I(b->tender_id), SP_I(b->org_id),      SP_I(b->amount_fen),
                              SP_T(b->form),      SP_I(b->received_ms), opt_i(b->entered_by),
                              SP_I(b->entered_ms)};
    int rc = store_exec(tx, "DELETE FROM bonds WHERE tender_id = $1 AND org_id = $2", p, 2, NULL);
    if (rc != STORE_OK)
        return rc;
    return store_exec(tx,
                      "INSERT INTO bonds (tender_id, org_id, amount_fen, form, received_ms,"
                      " entered_by, entered_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      p, 7, NULL);
}

int store_bond_get(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t org_id,
                   struct bond *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id)};
    return store_query_one(tx, a, "SELECT " B_COLS " WHERE b.tender_id = $1 AND b.org_id = $2", p,
                           2, bond_fill, out);
}

int store_bond_refund(struct store_tx *tx, int64_t tender_id, int64_t org_id, const char *ref,
                      int64_t by, int64_t at_ms)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id), SP_T(ref), opt_i(by), SP_I(at_ms)};
    int rc = store_exec(tx,
                        "UPDATE bonds SET refund_ref = $3, refunded_by = $4, refunded_ms = $5"
                        " WHERE tender_id = $1 AND org_id = $2 AND refunded_ms IS NULL",
                        p, 5, &changes);
    if (rc == STORE_OK && changes == 0)
        return STORE_NOTFOUND;
    return rc;
}

int store_bond_warned(struct store_tx *tx, int64_t tender_id, int64_t org_id, int64_t at_ms)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id), SP_I(at_ms)};
    return store_exec(tx, "UPDATE bonds SET warned_ms = $3 WHERE tender_id = $1 AND org_id = $2", p,
                      3, NULL);
}

int store_bonds(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " B_COLS " WHERE b.tender_id = $1 ORDER BY b.org_id LIMIT $2",
                            p, 2, sizeof(struct bond), limit, bond_fill, out);
}

/* The overdue sweep's bonds: only those not refunded get a done_ms (the
 * partial index bonds_open, migration 28, holds just them). The LIMIT,
 * never reached, keeps both engines from merging the derived table into
 * the outer query, where done_ms's subqueries would run twice a bond, for
 * the cutoff and again for the column (EXPLAIN: a co-routine on SQLite, a
 * subquery scan on PostgreSQL). */
#define B_OPEN                                                                                     \
    " WHERE b0.refunded_ms IS NULL AND ($2 = 1 OR b0.warned_ms IS NULL)"                           \
    " LIMIT 9223372036854775807"

int store_bonds_overdue(struct store_tx *tx, struct arena *a, int64_t cutoff_ms, bool warned_too,
                        int limit, struct page *out)
{
    struct store_param p[] = {SP_I(cutoff_ms), SP_I(warned_too ? 1 : 0), SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT " B_LIST B_FROM(B_OPEN) " WHERE b.done_ms < $1"
                                        " ORDER BY b.tender_id, b.org_id LIMIT $3",
        p, 3, sizeof(struct bond), limit, bond_fill, out);
}

static void late_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct award_late *l = item;
    l->tender_id = store_col_int(r, 0);
    l->lot_no = store_col_int(r, 1);
    l->code = store_row_text(r, a, 2);
    l->title = store_row_text(r, a, 3);
    l->award_ms = store_col_int(r, 4);
    l->org_id = store_row_i0(r, 5);
    l->warned_ms = store_row_i0(r, 6);
}

int store_award_late(struct store_tx *tx, struct arena *a, int64_t cutoff_ms, bool warned_too,
                     int limit, struct page *out)
{
    struct store_param p[] = {SP_I(cutoff_ms), SP_I(warned_too ? 1 : 0), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT t.id, e.lot_no, t.code, t.title, e.award_ms, e.award_org_id,"
                            " w.warned_ms FROM evaluations e JOIN tenders t ON t.id = e.tender_id"
                            " LEFT JOIN award_late_warnings w ON w.tender_id = e.tender_id"
                            " AND w.lot_no = e.lot_no AND w.award_ms = e.award_ms"
                            " WHERE e.phase = 'awarded' AND e.award_ms < $1"
                            " AND ($2 = 1 OR w.warned_ms IS NULL)"
                            " ORDER BY e.award_ms, t.id, e.lot_no LIMIT $3",
                            p, 3, sizeof(struct award_late), limit, late_fill, out);
}

int store_award_late_warned(struct store_tx *tx, int64_t tender_id, int64_t lot_no,
                            int64_t award_ms, int64_t at_ms)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(lot_no), SP_I(award_ms), SP_I(at_ms)};
    return store_exec(tx,
                      "INSERT INTO award_late_warnings (tender_id, lot_no, award_ms, warned_ms)"
                      " VALUES ($1, $2, $3, $4)",
                      p, 4, NULL);
}

/* ---- bidders and their objections ---- */

int store_award_is_bidder(struct store_tx *tx, int64_t tender_id, int64_t org_id, bool *yes)
{
    int64_t n = 0;
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id)};
    int rc = store_query_int(tx,
                             "SELECT (SELECT count(*) FROM tender_registrations WHERE"
                             " tender_id = $1 AND org_id = $2) + (SELECT count(*) FROM bids"
                             " WHERE tender_id = $1 AND org_id = $2)",
                             p, 2, &n);
    *yes = rc == STORE_OK && n > 0;
    return rc;
}

int store_award_bidders(struct store_tx *tx, int64_t tender_id, int64_t *ids, int max, int *n)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id)};
    *n = 0;
    int rc = store_query(
        tx, "SELECT DISTINCT org_id FROM bids WHERE tender_id = $1 ORDER BY org_id", p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1 && *n < max)
        ids[(*n)++] = store_col_int(r, 0);
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_award_objections(struct store_tx *tx, int64_t tender_id, int64_t lot_no, int64_t org_id,
                           bool result, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id), SP_I(lot_no)};
    if (!result)
        return store_query_int(tx,
                               "SELECT count(*) FROM tender_objections WHERE"
                               " tender_id = $1 AND org_id = $2",
                               p, 2, n);
    /* only the lot's current round: a re-evaluation's new result opens a
     * new objection period (docs/award.md, "Objection first") */
    return store_query_int(tx,
                           "SELECT count(*) FROM evaluation_objections o WHERE"
                           " o.tender_id = $1 AND o.org_id = $2 AND o.lot_no = $3"
                           " AND o.round = (SELECT e.round FROM evaluations e"
                           " WHERE e.tender_id = $1 AND e.lot_no = $3)",
                           p, 3, n);
}

/* ---- rule overrides ---- */

int store_award_rule_set(struct store_tx *tx, const char *name, int64_t value, int64_t by,
                         int64_t at_ms)
{
    struct store_param p[] = {SP_T(name), SP_I(value), opt_i(by), SP_I(at_ms)};
    int rc = store_exec(tx, "DELETE FROM award_rules WHERE name = $1", p, 1, NULL);
    if (rc != STORE_OK)
        return rc;
    return store_exec(tx,
                      "INSERT INTO award_rules (name, value, set_by, set_ms)"
                      " VALUES ($1, $2, $3, $4)",
                      p, 4, NULL);
}

int store_award_rule_get(struct store_tx *tx, const char *name, int64_t *value)
{
    struct store_param p[] = {SP_T(name)};
    return store_query_int(tx, "SELECT value FROM award_rules WHERE name = $1", p, 1, value);
}
