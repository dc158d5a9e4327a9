/*
 * store/evaluation.c — the SQL of the evaluation room (store/evaluation.h).
 * Every query of entries, sheets, warnings and signatures is keyed by
 * (tender_id, lot_no, round): $1, $2, $3 in each.
 */
#include "store/evaluation.h"

#include <string.h>

#include "store/rows.h"

static struct store_param opt_i(int64_t v)
{
    return v != 0 ? SP_I(v) : SP_NUL;
}

/* ---- the evaluation ---- */

#define EVAL_COLS                                                                                  \
    "tender_id, phase, method, template, template_sha, bidders, result, report, report_sha,"       \
    " publicity_start_ms, publicity_end_ms, award_org_id, award_reason, award_ms, notice_sha,"     \
    " contract_ms, contract_fen, contract_sha, created_ms, updated_ms, version, lot_no, round,"    \
    " failed_reason"

#define KEY_P(k) SP_I((k)->tender_id), SP_I((k)->lot), SP_I((k)->round)
#define KEY_W    "tender_id = $1 AND lot_no = $2 AND round = $3"

int store_eval_insert(struct store_tx *tx, const struct evaluation *e)
{
    struct store_param p[] = {SP_I(e->tender_id),  SP_T(e->phase),      SP_T(e->method),
                              SP_T(e->tpl),        SP_T(e->tpl_sha),    SP_T(e->bidders),
                              SP_I(e->created_ms), SP_I(e->updated_ms), SP_I(e->version),
                              SP_I(e->lot_no),     SP_I(e->round),      SP_T(e->failed_reason)};
    return store_exec(tx,
                      "INSERT INTO evaluations (tender_id, phase, method, template, template_sha,"
                      " bidders, created_ms, updated_ms, version, lot_no, round, failed_reason)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                      p, 12, NULL);
}

static void eval_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct evaluation *out = item;
    memset(out, 0, sizeof(*out));
    out->tender_id = store_col_int(r, 0);
    out->phase = store_row_text(r, a, 1);
    out->method = store_row_text(r, a, 2);
    out->tpl = store_row_text(r, a, 3);
    out->tpl_sha = store_row_text(r, a, 4);
    out->bidders = store_row_text(r, a, 5);
    out->result = store_row_text(r, a, 6);
    out->report = store_row_text(r, a, 7);
    out->report_sha = store_row_text(r, a, 8);
    out->publicity_start_ms = store_row_i0(r, 9);
    out->publicity_end_ms = store_row_i0(r, 10);
    out->award_org_id = store_row_i0(r, 11);
    out->award_reason = store_row_text(r, a, 12);
    out->award_ms = store_row_i0(r, 13);
    out->notice_sha = store_row_text(r, a, 14);
    out->contract_ms = store_row_i0(r, 15);
    out->contract_fen = store_row_i0(r, 16);
    out->contract_sha = store_row_text(r, a, 17);
    out->created_ms = store_col_int(r, 18);
    out->updated_ms = store_col_int(r, 19);
    out->version = store_col_int(r, 20);
    out->lot_no = (int)store_col_int(r, 21);
    out->round = (int)store_col_int(r, 22);
    out->failed_reason = store_row_text(r, a, 23);
}

int store_eval_get(struct store_tx *tx, struct arena *a, int64_t tender_id, int lot,
                   struct evaluation *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(tender_id), SP_I(lot)};
    int rc = store_query(
        tx, "SELECT " EVAL_COLS " FROM evaluations WHERE tender_id = $1 AND lot_no = $2", p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        eval_fill(r, a, out);
        rc = out->phase && out->tpl && out->bidders ? STORE_OK : STORE_TOOBIG;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_eval_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                    struct page *out)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_page(tx, a,
                            "SELECT " EVAL_COLS " FROM evaluations WHERE tender_id = $1"
                            " ORDER BY lot_no",
                            p, 1, sizeof(struct evaluation), limit, eval_fill, out);
}

int store_eval_public_in_evaluation(struct store_tx *tx, int64_t before_id, int64_t *ids, int max,
                                    int *n, bool *more)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(before_id), SP_I((int64_t)max + 1)};
    *n = 0;
    *more = false;
    int rc = store_query(tx,
                         "SELECT DISTINCT t.id FROM tenders t JOIN evaluations e"
                         " ON e.tender_id = t.id WHERE t.state = 'evaluation'"
                         " AND e.phase IN ('publicity', 'awarded', 'contracted')"
                         " AND ($1 = 0 OR t.id < $1) ORDER BY t.id DESC LIMIT $2",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        if (*n == max) {
            *more = true;
            continue;
        }
        ids[(*n)++] = store_col_int(r, 0);
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_eval_update(struct store_tx *tx, const struct evaluation *e)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(e->tender_id),
                              SP_T(e->phase),
                              SP_T(e->result),
                              SP_T(e->report),
                              SP_T(e->report_sha),
                              opt_i(e->publicity_start_ms),
                              opt_i(e->publicity_end_ms),
                              opt_i(e->award_org_id),
                              SP_T(e->award_reason),
                              opt_i(e->award_ms),
                              SP_T(e->notice_sha),
                              opt_i(e->contract_ms),
                              opt_i(e->contract_fen),
                              SP_T(e->contract_sha),
                              SP_I(e->updated_ms),
                              SP_I(e->version),
                              SP_I(e->lot_no),
                              SP_I(e->round),
                              SP_T(e->failed_reason)};
    int rc = store_exec(tx,
                        "UPDATE evaluations SET phase = $2, result = $3, report = $4,"
                        " report_sha = $5, publicity_start_ms = $6, publicity_end_ms = $7,"
                        " award_org_id = $8, award_reason = $9, award_ms = $10, notice_sha = $11,"
                        " contract_ms = $12, contract_fen = $13, contract_sha = $14,"
                        " updated_ms = $15, version = $16, round = $18, failed_reason = $19"
                        " WHERE tender_id = $1 AND lot_no = $17",
                        p, 19, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

/* ---- entries and sheets ---- */

int store_eval_entry_put(struct store_tx *tx, const struct eval_key *k, const struct eval_entry *en)
{
    struct store_param p[] = {
        KEY_P(k),        SP_I(en->member_id), SP_I(en->org_id),    SP_T(en->item),
        SP_I(en->value), SP_T(en->reason),    SP_I(en->updated_ms)};
    return store_exec(
        tx,
        "INSERT INTO evaluation_entries (tender_id, lot_no, round, member_id, org_id,"
        " item, value, reason, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (tender_id, lot_no, round, member_id, org_id, item) DO UPDATE"
        " SET value = excluded.value, reason = excluded.reason,"
        " updated_ms = excluded.updated_ms",
        p, 9, NULL);
}

static void entry_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct eval_entry *e = item;
    e->member_id = store_col_int(r, 0);
    e->org_id = store_col_int(r, 1);
    e->item = store_row_text(r, a, 2);
    e->value = store_col_int(r, 3);
    e->reason = store_row_text(r, a, 4);
    e->updated_ms = store_col_int(r, 5);
}

int store_eval_entries(struct store_tx *tx, struct arena *a, const struct eval_key *k,
                       int64_t member_id, const char *prefix, int limit, struct page *out)
{
    char like[40];
    size_t n = strlen(prefix);
    if (n > 30)
        return STORE_ERROR;
    memcpy(like, prefix, n);
    like[n] = '%';
    like[n + 1] = '\0';
    struct store_param p[] = {KEY_P(k), SP_I(member_id), SP_T(like)};
    return store_query_page(tx, a,
                            "SELECT member_id, org_id, item, value, reason, updated_ms"
                            " FROM evaluation_entries WHERE " KEY_W
                            " AND ($4 = 0 OR member_id = $4) AND item LIKE $5"
                            " ORDER BY member_id, org_id, item",
                            p, 5, sizeof(struct eval_entry), limit, entry_fill, out);
}

int store_eval_sheet_submit(struct store_tx *tx, const struct eval_key *k, int64_t member_id,
                            const char *stage, int64_t at_ms)
{
    struct store_param p[] = {KEY_P(k), SP_I(member_id), SP_T(stage), SP_I(at_ms)};
    return store_exec(tx,
                      "INSERT INTO evaluation_sheets (tender_id, lot_no, round, member_id, stage,"
                      " submitted_ms) VALUES ($1, $2, $3, $4, $5, $6)"
                      " ON CONFLICT (tender_id, lot_no, round, member_id, stage)"
                      " DO UPDATE SET submitted_ms = excluded.submitted_ms",
                      p, 6, NULL);
}

int store_eval_sheets(struct store_tx *tx, const struct eval_key *k, const char *stage,
                      int64_t *out, int max, int *n)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {KEY_P(k), SP_T(stage)};
    *n = 0;
    int rc = store_query(tx,
                         "SELECT member_id FROM evaluation_sheets WHERE " KEY_W
                         " AND stage = $4 ORDER BY member_id",
                         p, 4, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        if (*n == max) {
            rc = -STORE_TOOBIG;
            break;
        }
        out[(*n)++] = store_col_int(r, 0);
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

/* ---- warnings ---- */

int store_eval_warning_add(struct store_tx *tx, const struct eval_key *k,
                           const struct eval_warning_row *w, bool *inserted)
{
    int64_t changes = 0;
    struct store_param p[] = {KEY_P(k),        SP_T(w->kind),   SP_I(w->member_id),
                              SP_I(w->org_id), SP_T(w->item),   SP_I(w->other),
                              SP_I(w->score),  SP_I(w->median), SP_I(w->created_ms)};
    int rc = store_exec(tx,
                        "INSERT INTO evaluation_warnings (tender_id, lot_no, round, kind,"
                        " member_id, org_id, item, other, score, median, status, created_ms)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11)"
                        " ON CONFLICT (tender_id, lot_no, round, kind, member_id, org_id, item)"
                        " DO NOTHING",
                        p, 11, &changes);
    if (inserted != NULL)
        *inserted = rc == STORE_OK && changes > 0;
    return rc;
}

static void warning_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct eval_warning_row *w = item;
    w->id = store_col_int(r, 0);
    w->tender_id = store_col_int(r, 1);
    w->kind = store_row_text(r, a, 2);
    w->member_id = store_col_int(r, 3);
    w->org_id = store_col_int(r, 4);
    w->item = store_row_text(r, a, 5);
    w->other = store_col_int(r, 6);
    w->score = store_col_int(r, 7);
    w->median = store_col_int(r, 8);
    w->status = store_row_text(r, a, 9);
    w->reason = store_row_text(r, a, 10);
    w->created_ms = store_col_int(r, 11);
    w->resolved_ms = store_row_i0(r, 12);
}

int store_eval_warnings(struct store_tx *tx, struct arena *a, const struct eval_key *k, int limit,
                        struct page *out)
{
    struct store_param p[] = {KEY_P(k)};
    return store_query_page(
        tx, a,
        "SELECT id, tender_id, kind, member_id, org_id, item, other, score, median,"
        " status, reason, created_ms, resolved_ms FROM evaluation_warnings"
        " WHERE " KEY_W " ORDER BY id",
        p, 3, sizeof(struct eval_warning_row), limit, warning_fill, out);
}

int store_eval_warning_resolve(struct store_tx *tx, const struct eval_key *k, int64_t id,
                               const char *status, const char *reason, int64_t at_ms)
{
    int64_t changes = 0;
    struct store_param p[] = {KEY_P(k), SP_I(id), SP_T(status), SP_T(reason), SP_I(at_ms)};
    int rc = store_exec(tx,
                        "UPDATE evaluation_warnings SET status = $5, reason = $6,"
                        " resolved_ms = $7 WHERE " KEY_W " AND id = $4 AND status = 'open'",
                        p, 7, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_eval_warning_open_count(struct store_tx *tx, const struct eval_key *k, int64_t *n)
{
    struct store_param p[] = {KEY_P(k)};
    return store_query_int(
        tx, "SELECT count(*) FROM evaluation_warnings WHERE " KEY_W " AND status = 'open'", p, 3,
        n);
}

/* ---- signatures ---- */

int store_eval_signature_insert(struct store_tx *tx, const struct eval_key *k,
                                const struct eval_signature *s)
{
    struct store_param p[] = {
        KEY_P(k),           SP_I(s->member_id),   SP_I(s->user_id),  SP_T(s->report_sha),
        SP_T(s->signature), SP_T(s->certificate), SP_I(s->signed_ms)};
    return store_exec(tx,
                      "INSERT INTO evaluation_signatures (tender_id, lot_no, round, member_id,"
                      " user_id, report_sha, signature, certificate, signed_ms)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                      p, 9, NULL);
}

static void signature_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct eval_signature *s = item;
    s->member_id = store_col_int(r, 0);
    s->user_id = store_col_int(r, 1);
    s->report_sha = store_row_text(r, a, 2);
    s->signature = store_row_text(r, a, 3);
    s->certificate = store_row_text(r, a, 4);
    s->signed_ms = store_col_int(r, 5);
}

int store_eval_signatures(struct store_tx *tx, struct arena *a, const struct eval_key *k, int limit,
                          struct page *out)
{
    struct store_param p[] = {KEY_P(k)};
    return store_query_page(
        tx, a,
        "SELECT member_id, user_id, report_sha, signature, certificate, signed_ms"
        " FROM evaluation_signatures WHERE " KEY_W " ORDER BY member_id",
        p, 3, sizeof(struct eval_signature), limit, signature_fill, out);
}

/* ---- objections during the publicity ---- */

int store_eval_objection_insert(struct store_tx *tx, const struct eval_objection *o, int64_t *id)
{
    struct store_param p[] = {SP_I(o->tender_id), SP_I(o->org_id),    opt_i(o->user_id),
                              SP_T(o->body),      SP_I(o->raised_ms), SP_I(o->due_ms),
                              SP_I(o->lot_no),    SP_I(o->round)};
    return store_query_int(tx,
                           "INSERT INTO evaluation_objections (tender_id, org_id, user_id, body,"
                           " raised_ms, due_ms, lot_no, round)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                           p, 8, id);
}

int store_eval_objection_answer(struct store_tx *tx, int64_t tender_id, int lot, int64_t id,
                                const char *answer, int64_t by, int64_t at_ms)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(tender_id), SP_I(id),    SP_T(answer),
                              opt_i(by),       SP_I(at_ms), SP_I(lot)};
    int rc = store_exec(tx,
                        "UPDATE evaluation_objections SET answer = $3, answered_by = $4,"
                        " answered_ms = $5 WHERE tender_id = $1 AND id = $2 AND lot_no = $6"
                        " AND answered_ms IS NULL",
                        p, 6, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_eval_objection_open_count(struct store_tx *tx, int64_t tender_id, int lot, int round,
                                    int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(lot), SP_I(round)};
    return store_query_int(tx,
                           "SELECT count(*) FROM evaluation_objections WHERE tender_id = $1"
                           " AND lot_no = $2 AND round = $3 AND answered_ms IS NULL",
                           p, 3, n);
}

int store_eval_objections_supersede(struct store_tx *tx, int64_t tender_id, int lot, int round,
                                    const char *answer, int64_t at_ms, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(lot), SP_I(round), SP_T(answer), SP_I(at_ms)};
    return store_exec(tx,
                      "UPDATE evaluation_objections SET answer = $4, answered_by = NULL,"
                      " answered_ms = $5 WHERE tender_id = $1 AND lot_no = $2 AND round = $3"
                      " AND answered_ms IS NULL",
                      p, 5, n);
}

static void objection_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct eval_objection *o = item;
    o->id = store_col_int(r, 0);
    o->tender_id = store_col_int(r, 1);
    o->lot_no = (int)store_col_int(r, 10);
    o->round = (int)store_col_int(r, 11);
    o->org_id = store_col_int(r, 2);
    o->user_id = store_row_i0(r, 3);
    o->body = store_row_text(r, a, 4);
    o->raised_ms = store_col_int(r, 5);
    o->due_ms = store_col_int(r, 6);
    o->answer = store_row_text(r, a, 7);
    o->answered_by = store_row_i0(r, 8);
    o->answered_ms = store_row_i0(r, 9);
}

int store_eval_objections(struct store_tx *tx, struct arena *a, int64_t tender_id, int lot,
                          int limit, struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(lot)};
    return store_query_page(
        tx, a,
        "SELECT id, tender_id, org_id, user_id, body, raised_ms, due_ms, answer,"
        " answered_by, answered_ms, lot_no, round FROM evaluation_objections"
        " WHERE tender_id = $1 AND lot_no = $2 ORDER BY id",
        p, 2, sizeof(struct eval_objection), limit, objection_fill, out);
}

/* ---- ended rounds ---- */

int store_eval_round_insert(struct store_tx *tx, const struct eval_round *r)
{
    struct store_param p[] = {SP_I(r->tender_id), SP_I(r->lot_no),        SP_I(r->round),
                              SP_T(r->result),    SP_T(r->report),        SP_T(r->report_sha),
                              SP_T(r->reason),    opt_i(r->complaint_id), SP_I(r->ended_ms)};
    return store_exec(tx,
                      "INSERT INTO evaluation_rounds (tender_id, lot_no, round, result, report,"
                      " report_sha, reason, complaint_id, ended_ms)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                      p, 9, NULL);
}

static void round_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct eval_round *o = item;
    o->tender_id = store_col_int(r, 0);
    o->lot_no = (int)store_col_int(r, 1);
    o->round = (int)store_col_int(r, 2);
    o->result = store_row_text(r, a, 3);
    o->report = store_row_text(r, a, 4);
    o->report_sha = store_row_text(r, a, 5);
    o->reason = store_row_text(r, a, 6);
    o->complaint_id = store_row_i0(r, 7);
    o->ended_ms = store_col_int(r, 8);
}

int store_eval_rounds(struct store_tx *tx, struct arena *a, int64_t tender_id, int lot, int limit,
                      struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(lot)};
    return store_query_page(tx, a,
                            "SELECT tender_id, lot_no, round, result, report, report_sha, reason,"
                            " complaint_id, ended_ms FROM evaluation_rounds"
                            " WHERE tender_id = $1 AND lot_no = $2 ORDER BY round",
                            p, 2, sizeof(struct eval_round), limit, round_fill, out);
}
