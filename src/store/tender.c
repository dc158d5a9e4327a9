/*
 * store/tender.c — SQL for tenders and their parts (see tender.h). Written
 * once in the dialect both backends speak ($N parameters, RETURNING,
 * CAST($n AS ...) where a parameter's type must be known). Runs on whatever
 * thread owns the transaction; no rules here, only rows.
 */
#include "store/tender.h"

#include "store/rows.h"

/* An optional integer: 0 is NULL. */
static struct store_param opt_i(int64_t v)
{
    return v != 0 ? SP_I(v) : SP_NUL;
}

/* ---- tenders ---- */

#define TENDER_COLS                                                                                \
    "id, code, region, code_year, code_seq, title, description, category, procedure, state,"       \
    " paused, paused_since_ms, paused_total_ms, scheduled, ceiling_fen, bond_fen, bond_form,"      \
    " eval_method, decrypt_window_min, escrow_k, escrow_n, min_bids, readout_fields,"              \
    " publish_at_ms, doc_start_ms, doc_end_ms, clarify_deadline_ms, bid_deadline_ms,"              \
    " original_deadline_ms, next_due_ms, owner_org_id, agent_org_id, created_by, published_ms,"    \
    " cancel_reason, created_ms, updated_ms, version"

static void tender_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct tender *t = item;
    t->id = store_col_int(r, 0);
    t->code = store_row_text(r, a, 1);
    t->region = store_row_text(r, a, 2);
    t->code_year = store_col_int(r, 3);
    t->code_seq = store_col_int(r, 4);
    t->title = store_row_text(r, a, 5);
    t->description = store_row_text(r, a, 6);
    t->category = store_row_text(r, a, 7);
    t->procedure = store_row_text(r, a, 8);
    t->state = store_row_text(r, a, 9);
    t->paused = store_col_int(r, 10) != 0;
    t->paused_since_ms = store_row_i0(r, 11);
    t->paused_total_ms = store_col_int(r, 12);
    t->scheduled = store_col_int(r, 13) != 0;
    t->ceiling_fen = store_row_i0(r, 14);
    t->bond_fen = store_col_int(r, 15);
    t->bond_form = store_row_text(r, a, 16);
    t->eval_method = store_row_text(r, a, 17);
    t->decrypt_window_min = store_col_int(r, 18);
    t->escrow_k = store_col_int(r, 19);
    t->escrow_n = store_col_int(r, 20);
    t->min_bids = store_col_int(r, 21);
    t->readout_fields = store_row_text(r, a, 22);
    t->publish_at_ms = store_row_i0(r, 23);
    t->doc_start_ms = store_row_i0(r, 24);
    t->doc_end_ms = store_row_i0(r, 25);
    t->clarify_deadline_ms = store_row_i0(r, 26);
    t->bid_deadline_ms = store_row_i0(r, 27);
    t->original_deadline_ms = store_row_i0(r, 28);
    t->next_due_ms = store_row_i0(r, 29);
    t->owner_org_id = store_col_int(r, 30);
    t->agent_org_id = store_col_int(r, 31);
    t->created_by = store_row_i0(r, 32);
    t->published_ms = store_row_i0(r, 33);
    t->cancel_reason = store_row_text(r, a, 34);
    t->created_ms = store_col_int(r, 35);
    t->updated_ms = store_col_int(r, 36);
    t->version = store_col_int(r, 37);
}

int store_tender_insert(struct store_tx *tx, const struct tender *t, int64_t *id)
{
    struct store_param p[] = {SP_T(t->code),
                              SP_T(t->region),
                              SP_I(t->code_year),
                              SP_I(t->code_seq),
                              SP_T(t->title),
                              SP_T(t->description),
                              SP_T(t->category),
                              SP_T(t->procedure),
                              SP_T(t->state),
                              SP_I(t->paused ? 1 : 0),
                              opt_i(t->paused_since_ms),
                              SP_I(t->paused_total_ms),
                              SP_I(t->scheduled ? 1 : 0),
                              opt_i(t->ceiling_fen),
                              SP_I(t->bond_fen),
                              SP_T(t->bond_form),
                              SP_T(t->eval_method),
                              SP_I(t->decrypt_window_min),
                              SP_I(t->escrow_k),
                              SP_I(t->escrow_n),
                              SP_I(t->min_bids),
                              SP_T(t->readout_fields),
                              opt_i(t->publish_at_ms),
                              opt_i(t->doc_start_ms),
                              opt_i(t->doc_end_ms),
                              opt_i(t->clarify_deadline_ms),
                              opt_i(t->bid_deadline_ms),
                              opt_i(t->original_deadline_ms),
                              opt_i(t->next_due_ms),
                              SP_I(t->owner_org_id),
                              SP_I(t->agent_org_id),
                              opt_i(t->created_by),
                              opt_i(t->published_ms),
                              SP_T(t->cancel_reason),
                              SP_I(t->created_ms),
                              SP_I(t->updated_ms),
                              SP_I(t->version)};
    return store_query_int(
        tx,
        "INSERT INTO tenders (code, region, code_year, code_seq, title, description, category,"
        " procedure, state, paused, paused_since_ms, paused_total_ms, scheduled, ceiling_fen,"
        " bond_fen, bond_form, eval_method, decrypt_window_min, escrow_k, escrow_n, min_bids,"
        " readout_fields, publish_at_ms, doc_start_ms, doc_end_ms, clarify_deadline_ms,"
        " bid_deadline_ms, original_deadline_ms, next_due_ms, owner_org_id, agent_org_id,"
        " created_by, published_ms, cancel_reason, created_ms, updated_ms, version)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
        " $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34,"
        " $35, $36, $37) RETURNING id",
        p, 37, id);
}

int store_tender_update(struct store_tx *tx, const struct tender *t)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(t->id),
                              SP_T(t->title),
                              SP_T(t->description),
                              SP_T(t->procedure),
                              SP_T(t->state),
                              SP_I(t->paused ? 1 : 0),
                              opt_i(t->paused_since_ms),
                              SP_I(t->paused_total_ms),
                              SP_I(t->scheduled ? 1 : 0),
                              opt_i(t->ceiling_fen),
                              SP_I(t->bond_fen),
                              SP_T(t->bond_form),
                              SP_T(t->eval_method),
                              SP_I(t->decrypt_window_min),
                              SP_I(t->escrow_k),
                              SP_I(t->escrow_n),
                              SP_I(t->min_bids),
                              SP_T(t->readout_fields),
                              opt_i(t->publish_at_ms),
                              opt_i(t->doc_start_ms),
                              opt_i(t->doc_end_ms),
                              opt_i(t->clarify_deadline_ms),
                              opt_i(t->bid_deadline_ms),
                              opt_i(t->original_deadline_ms),
                              opt_i(t->next_due_ms),
                              SP_I(t->owner_org_id),
                              opt_i(t->published_ms),
                              SP_T(t->cancel_reason),
                              SP_I(t->updated_ms),
                              SP_I(t->version)};
    int rc = store_exec(
        tx,
        "UPDATE tenders SET title = $2, description = $3, procedure = $4, state = $5,"
        " paused = $6, paused_since_ms = $7, paused_total_ms = $8, scheduled = $9,"
        " ceiling_fen = $10, bond_fen = $11, bond_form = $12, eval_method = $13,"
        " decrypt_window_min = $14, escrow_k = $15, escrow_n = $16, min_bids = $17,"
        " readout_fields = $18, publish_at_ms = $19, doc_start_ms = $20, doc_end_ms = $21,"
        " clarify_deadline_ms = $22, bid_deadline_ms = $23, original_deadline_ms = $24,"
        " next_due_ms = $25, owner_org_id = $26, published_ms = $27, cancel_reason = $28,"
        " updated_ms = $29, version = $30 WHERE id = $1",
        p, 30, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_tender_get(struct store_tx *tx, struct arena *a, int64_t id, struct tender *out)
{
    struct store_param p[] = {SP_I(id)};
    return store_query_one(tx, a, "SELECT " TENDER_COLS " FROM tenders WHERE id = $1", p, 1,
                           tender_fill, out);
}

int store_tender_by_code(struct store_tx *tx, struct arena *a, const char *code, struct tender *out)
{
    struct store_param p[] = {SP_T(code)};
    return store_query_one(tx, a, "SELECT " TENDER_COLS " FROM tenders WHERE code = $1", p, 1,
                           tender_fill, out);
}

int store_tender_list(struct store_tx *tx, struct arena *a, const struct tender_filter *f,
                      int64_t before_id, int limit, struct page *out)
{
    struct store_param p[] = {SP_I(before_id > 0 ? before_id : INT64_MAX),
                              SP_I(f->viewer_org),
                              SP_I(f->all_drafts ? 1 : 0),
                              SP_I(f->mine ? 1 : 0),
                              SP_T(f->state),
                              SP_T(f->category),
                              SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT " TENDER_COLS " FROM tenders WHERE id < $1"
        " AND (state <> 'draft' OR $3 = 1 OR agent_org_id = $2 OR owner_org_id = $2)"
        " AND ($4 = 0 OR agent_org_id = $2 OR owner_org_id = $2)"
        " AND (CAST($5 AS TEXT) IS NULL OR state = $5)"
        " AND (CAST($6 AS TEXT) IS NULL OR category = $6)"
        " ORDER BY id DESC LIMIT $7",
        p, 7, sizeof(struct tender), limit, tender_fill, out);
}

int store_tender_list_invited(struct store_tx *tx, struct arena *a, int64_t org, int64_t before_id,
                              int limit, struct page *out)
{
    struct store_param p[] = {SP_I(before_id > 0 ? before_id : INT64_MAX), SP_I(org),
                              SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " TENDER_COLS " FROM tenders WHERE id < $1"
                            " AND state <> 'draft' AND procedure = 'invited'"
                            " AND id IN (SELECT tender_id FROM tender_invitees WHERE org_id = $2)"
                            " ORDER BY id DESC LIMIT $3",
                            p, 3, sizeof(struct tender), limit, tender_fill, out);
}

int store_tender_next_seq(struct store_tx *tx, const char *region, const char *category,
                          int64_t year, int64_t *seq)
{
    struct store_param p[] = {SP_T(region), SP_T(category), SP_I(year)};
    return store_query_int(tx,
                           "SELECT COALESCE(MAX(code_seq), 0) + 1 FROM tenders"
                           " WHERE region = $1 AND category = $2 AND code_year = $3",
                           p, 3, seq);
}

int store_tender_due(struct store_tx *tx, int64_t now, int max, int64_t *ids, int *n)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(now), SP_I(max)};
    int rc = store_query(tx,
                         "SELECT id FROM tenders WHERE next_due_ms IS NOT NULL"
                         " AND next_due_ms <= $1 ORDER BY next_due_ms, id LIMIT $2",
                         p, 2, &r);
    *n = 0;
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1 && *n < max)
        ids[(*n)++] = store_col_int(r, 0);
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

/* ---- lots ---- */

static void lot_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct tender_lot *l = item;
    l->id = store_col_int(r, 0);
    l->tender_id = store_col_int(r, 1);
    l->lot_no = store_col_int(r, 2);
    l->title = store_row_text(r, a, 3);
    l->ceiling_fen = store_row_i0(r, 4);
    l->bond_fen = store_col_int(r, 5);
    l->created_ms = store_col_int(r, 6);
}

int store_tender_lot_insert(struct store_tx *tx, const struct tender_lot *l, int64_t *id)
{
    struct store_param p[] = {SP_I(l->tender_id),    SP_I(l->lot_no),   SP_T(l->title),
                              opt_i(l->ceiling_fen), SP_I(l->bond_fen), SP_I(l->created_ms)};
    return store_query_int(tx,
                           "INSERT INTO tender_lots (tender_id, lot_no, title, ceiling_fen,"
                           " bond_fen, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                           p, 6, id);
}

int store_tender_lot_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                          struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT id, tender_id, lot_no, title, ceiling_fen, bond_fen, created_ms"
                            " FROM tender_lots WHERE tender_id = $1 ORDER BY lot_no LIMIT $2",
                            p, 2, sizeof(struct tender_lot), limit, lot_fill, out);
}

int store_tender_lot_max_no(struct store_tx *tx, int64_t tender_id, int64_t *no)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_int(
        tx, "SELECT COALESCE(MAX(lot_no), 0) FROM tender_lots WHERE tender_id = $1", p, 1, no);
}

/* ---- documents ---- */

#define DOC_COLS                                                                                   \
    "id, tender_id, version, name, media_type, blob_hash, size, uploaded_by, uploaded_ms"

static void doc_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct tender_document *d = item;
    d->id = store_col_int(r, 0);
    d->tender_id = store_col_int(r, 1);
    d->version = store_col_int(r, 2);
    d->name = store_row_text(r, a, 3);
    d->media_type = store_row_text(r, a, 4);
    d->blob_hash = store_row_text(r, a, 5);
    d->size = store_col_int(r, 6);
    d->uploaded_by = store_row_i0(r, 7);
    d->uploaded_ms = store_col_int(r, 8);
}

int store_tender_doc_insert(struct store_tx *tx, const struct tender_document *d, int64_t *id)
{
    struct store_param p[] = {SP_I(d->tender_id),    SP_I(d->version),    SP_T(d->name),
                              SP_T(d->media_type),   SP_T(d->blob_hash),  SP_I(d->size),
                              opt_i(d->uploaded_by), SP_I(d->uploaded_ms)};
    return store_query_int(tx,
                           "INSERT INTO tender_documents (tender_id, version, name, media_type,"
                           " blob_hash, size, uploaded_by, uploaded_ms)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                           p, 8, id);
}

int store_tender_doc_get(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t version,
                         struct tender_document *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(version)};
    return store_query_one(tx, a,
                           "SELECT " DOC_COLS " FROM tender_documents WHERE tender_id = $1"
                           " AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1",
                           p, 2, doc_fill, out);
}

int store_tender_doc_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                          struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " DOC_COLS " FROM tender_documents WHERE tender_id = $1"
                            " ORDER BY version DESC LIMIT $2",
                            p, 2, sizeof(struct tender_document), limit, doc_fill, out);
}

int store_tender_doc_max_version(struct store_tx *tx, int64_t tender_id, int64_t *version)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_int(
        tx, "SELECT COALESCE(MAX(version), 0) FROM tender_documents WHERE tender_id = $1", p, 1,
        version);
}

/* ---- registrations and downloads ---- */

int store_tender_reg_insert(struct store_tx *tx, const struct tender_registration *r)
{
    struct store_param p[] = {SP_I(r->tender_id), SP_I(r->org_id), opt_i(r->user_id),
                              SP_I(r->registered_ms)};
    return store_exec(tx,
                      "INSERT INTO tender_registrations (tender_id, org_id, user_id,"
                      " registered_ms) VALUES ($1, $2, $3, $4)",
                      p, 4, NULL);
}

int store_tender_reg_exists(struct store_tx *tx, int64_t tender_id, int64_t org_id, bool *yes)
{
    int64_t n = 0;
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id)};
    int rc = store_query_int(tx,
                             "SELECT count(*) FROM tender_registrations"
                             " WHERE tender_id = $1 AND org_id = $2",
                             p, 2, &n);
    *yes = rc == STORE_OK && n > 0;
    return rc;
}

static void reg_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct tender_registration *g = item;
    g->tender_id = store_col_int(r, 0);
    g->org_id = store_col_int(r, 1);
    g->org_name = store_row_text(r, a, 2);
    g->user_id = store_row_i0(r, 3);
    g->registered_ms = store_col_int(r, 4);
}

int store_tender_reg_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                          int64_t after_org, int limit, struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(after_org), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT g.tender_id, g.org_id, o.name, g.user_id, g.registered_ms"
                            " FROM tender_registrations g JOIN orgs o ON o.id = g.org_id"
                            " WHERE g.tender_id = $1 AND g.org_id > $2 ORDER BY g.org_id LIMIT $3",
                            p, 3, sizeof(struct tender_registration), limit, reg_fill, out);
}

int store_tender_invitee_insert(struct store_tx *tx, const struct tender_invitee *v)
{
    struct store_param p[] = {SP_I(v->tender_id), SP_I(v->org_id), opt_i(v->added_by),
                              SP_I(v->added_ms)};
    return store_exec(tx,
                      "INSERT INTO tender_invitees (tender_id, org_id, added_by, added_ms)"
                      " VALUES ($1, $2, $3, $4)",
                      p, 4, NULL);
}

int store_tender_invitee_delete(struct store_tx *tx, int64_t tender_id, int64_t org_id)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id)};
    int64_t n = 0;
    int rc = store_exec(tx, "DELETE FROM tender_invitees WHERE tender_id = $1 AND org_id = $2", p,
                        2, &n);
    return rc == STORE_OK && n == 0 ? STORE_NOTFOUND : rc;
}

int store_tender_invitee_exists(struct store_tx *tx, int64_t tender_id, int64_t org_id, bool *yes)
{
    int64_t n = 0;
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id)};
    int rc = store_query_int(tx,
                             "SELECT count(*) FROM tender_invitees"
                             " WHERE tender_id = $1 AND org_id = $2",
                             p, 2, &n);
    *yes = rc == STORE_OK && n > 0;
    return rc;
}

int store_tender_invitee_count(struct store_tx *tx, int64_t tender_id, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_int(tx, "SELECT count(*) FROM tender_invitees WHERE tender_id = $1", p, 1,
                           n);
}

static void invitee_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct tender_invitee *v = item;
    v->tender_id = store_col_int(r, 0);
    v->org_id = store_col_int(r, 1);
    v->org_name = store_row_text(r, a, 2);
    v->uscc = store_row_text(r, a, 3);
    v->added_by = store_row_i0(r, 4);
    v->added_ms = store_col_int(r, 5);
}

int store_tender_invitee_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                              struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT v.tender_id, v.org_id, o.name, o.uscc, v.added_by, v.added_ms"
                            " FROM tender_invitees v JOIN orgs o ON o.id = v.org_id"
                            " WHERE v.tender_id = $1 ORDER BY v.org_id LIMIT $2",
                            p, 2, sizeof(struct tender_invitee), limit, invitee_fill, out);
}

int store_tender_download_insert(struct store_tx *tx, const struct tender_download *d)
{
    struct store_param p[] = {SP_I(d->tender_id), SP_I(d->document_id), SP_I(d->org_id),
                              opt_i(d->user_id),  SP_I(d->at_ms),       SP_T(d->remote_addr)};
    return store_exec(tx,
                      "INSERT INTO tender_downloads (tender_id, document_id, org_id, user_id,"
                      " at_ms, remote_addr) VALUES ($1, $2, $3, $4, $5, $6)",
                      p, 6, NULL);
}

static void download_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct tender_download *d = item;
    d->id = store_col_int(r, 0);
    d->tender_id = store_col_int(r, 1);
    d->document_id = store_col_int(r, 2);
    d->doc_version = store_col_int(r, 3);
    d->org_id = store_col_int(r, 4);
    d->org_name = store_row_text(r, a, 5);
    d->user_id = store_row_i0(r, 6);
    d->at_ms = store_col_int(r, 7);
    d->remote_addr = store_row_text(r, a, 8);
}

int store_tender_download_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                               int64_t before_id, int limit, struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(before_id > 0 ? before_id : INT64_MAX),
                              SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT w.id, w.tender_id, w.document_id, d.version, w.org_id, o.name, w.user_id,"
        " w.at_ms, w.remote_addr FROM tender_downloads w"
        " JOIN tender_documents d ON d.id = w.document_id JOIN orgs o ON o.id = w.org_id"
        " WHERE w.tender_id = $1 AND w.id < $2 ORDER BY w.id DESC LIMIT $3",
        p, 3, sizeof(struct tender_download), limit, download_fill, out);
}

/* ---- questions and clarifications ---- */

int store_tender_question_insert(struct store_tx *tx, const struct tender_question *q, int64_t *id)
{
    struct store_param p[] = {SP_I(q->tender_id), SP_I(q->org_id), opt_i(q->user_id), SP_T(q->body),
                              SP_I(q->asked_ms)};
    return store_query_int(tx,
                           "INSERT INTO tender_questions (tender_id, org_id, user_id, body,"
                           " asked_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                           p, 5, id);
}

int store_tender_question_answer(struct store_tx *tx, int64_t tender_id, int64_t question_id,
                                 int64_t clarification_id)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(clarification_id), SP_I(question_id), SP_I(tender_id)};
    int rc = store_exec(tx,
                        "UPDATE tender_questions SET clarification_id = $1"
                        " WHERE id = $2 AND tender_id = $3 AND clarification_id IS NULL",
                        p, 3, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

static void question_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct tender_question *q = item;
    q->id = store_col_int(r, 0);
    q->tender_id = store_col_int(r, 1);
    q->org_id = store_col_int(r, 2);
    q->user_id = store_row_i0(r, 3);
    q->body = store_row_text(r, a, 4);
    q->asked_ms = store_col_int(r, 5);
    q->clarification_id = store_row_i0(r, 6);
}

int store_tender_question_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                               int64_t org_id, int64_t after_id, int limit, struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id), SP_I(after_id), SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT id, tender_id, org_id, user_id, body, asked_ms, clarification_id"
        " FROM tender_questions WHERE tender_id = $1 AND ($2 = 0 OR org_id = $2)"
        " AND id > $3 ORDER BY id LIMIT $4",
        p, 4, sizeof(struct tender_question), limit, question_fill, out);
}

int store_tender_clar_insert(struct store_tx *tx, const struct tender_clarification *c, int64_t *id)
{
    struct store_param p[] = {SP_I(c->tender_id),
                              SP_I(c->no),
                              SP_T(c->body),
                              opt_i(c->document_version),
                              SP_I(c->deadline_before_ms),
                              SP_I(c->deadline_after_ms),
                              opt_i(c->published_by),
                              SP_I(c->published_ms)};
    return store_query_int(tx,
                           "INSERT INTO tender_clarifications (tender_id, no, body,"
                           " document_version, deadline_before_ms, deadline_after_ms,"
                           " published_by, published_ms)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                           p, 8, id);
}

int store_tender_clar_count(struct store_tx *tx, int64_t tender_id, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_int(tx, "SELECT count(*) FROM tender_clarifications WHERE tender_id = $1", p,
                           1, n);
}

static void clar_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct tender_clarification *c = item;
    c->id = store_col_int(r, 0);
    c->tender_id = store_col_int(r, 1);
    c->no = store_col_int(r, 2);
    c->body = store_row_text(r, a, 3);
    c->document_version = store_row_i0(r, 4);
    c->deadline_before_ms = store_col_int(r, 5);
    c->deadline_after_ms = store_col_int(r, 6);
    c->published_by = store_row_i0(r, 7);
    c->published_ms = store_col_int(r, 8);
}

int store_tender_clar_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                           int64_t after_no, int limit, struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(after_no), SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT id, tender_id, no, body, document_version, deadline_before_ms,"
        " deadline_after_ms, published_by, published_ms FROM tender_clarifications"
        " WHERE tender_id = $1 AND no > $2 ORDER BY no LIMIT $3",
        p, 3, sizeof(struct tender_clarification), limit, clar_fill, out);
}

/* ---- objections ---- */

#define OBJ_COLS                                                                                   \
    "id, tender_id, org_id, user_id, body, raised_ms, answer_due_ms, answer, answered_by,"         \
    " answered_ms"

static void objection_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct tender_objection *o = item;
    o->id = store_col_int(r, 0);
    o->tender_id = store_col_int(r, 1);
    o->org_id = store_col_int(r, 2);
    o->user_id = store_row_i0(r, 3);
    o->body = store_row_text(r, a, 4);
    o->raised_ms = store_col_int(r, 5);
    o->answer_due_ms = store_col_int(r, 6);
    o->answer = store_row_text(r, a, 7);
    o->answered_by = store_row_i0(r, 8);
    o->answered_ms = store_row_i0(r, 9);
}

int store_tender_objection_insert(struct store_tx *tx, const struct tender_objection *o,
                                  int64_t *id)
{
    struct store_param p[] = {SP_I(o->tender_id), SP_I(o->org_id),    opt_i(o->user_id),
                              SP_T(o->body),      SP_I(o->raised_ms), SP_I(o->answer_due_ms)};
    return store_query_int(tx,
                           "INSERT INTO tender_objections (tender_id, org_id, user_id, body,"
                           " raised_ms, answer_due_ms) VALUES ($1, $2, $3, $4, $5, $6)"
                           " RETURNING id",
                           p, 6, id);
}

int store_tender_objection_get(struct store_tx *tx, struct arena *a, int64_t id,
                               struct tender_objection *out)
{
    struct store_param p[] = {SP_I(id)};
    return store_query_one(tx, a, "SELECT " OBJ_COLS " FROM tender_objections WHERE id = $1", p, 1,
                           objection_fill, out);
}

int store_tender_objection_answer(struct store_tx *tx, int64_t id, const char *answer, int64_t by,
                                  int64_t at_ms)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(id), SP_T(answer), opt_i(by), SP_I(at_ms)};
    int rc = store_exec(tx,
                        "UPDATE tender_objections SET answer = $2, answered_by = $3,"
                        " answered_ms = $4 WHERE id = $1 AND answered_ms IS NULL",
                        p, 4, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_tender_objection_open_count(struct store_tx *tx, int64_t tender_id, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_int(tx,
                           "SELECT count(*) FROM tender_objections"
                           " WHERE tender_id = $1 AND answered_ms IS NULL",
                           p, 1, n);
}

int store_tender_objection_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                                int64_t org_id, int64_t after_id, int limit, struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id), SP_I(after_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " OBJ_COLS " FROM tender_objections WHERE tender_id = $1"
                            " AND ($2 = 0 OR org_id = $2) AND id > $3 ORDER BY id LIMIT $4",
                            p, 4, sizeof(struct tender_objection), limit, objection_fill, out);
}

/* ---- transitions ---- */

int store_tender_transition_insert(struct store_tx *tx, const struct tender_transition *t)
{
    struct store_param p[] = {SP_I(t->tender_id),      SP_T(t->action),  SP_T(t->from_state),
                              SP_T(t->to_state),       opt_i(t->due_ms), SP_I(t->at_ms),
                              opt_i(t->actor_user_id), SP_T(t->actor)};
    return store_exec(tx,
                      "INSERT INTO tender_transitions (tender_id, action, from_state, to_state,"
                      " due_ms, at_ms, actor_user_id, actor)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                      p, 8, NULL);
}

static void transition_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct tender_transition *t = item;
    t->id = store_col_int(r, 0);
    t->tender_id = store_col_int(r, 1);
    t->action = store_row_text(r, a, 2);
    t->from_state = store_row_text(r, a, 3);
    t->to_state = store_row_text(r, a, 4);
    t->due_ms = store_row_i0(r, 5);
    t->at_ms = store_col_int(r, 6);
    t->actor_user_id = store_row_i0(r, 7);
    t->actor = store_row_text(r, a, 8);
}

int store_tender_transition_list(struct store_tx *tx, struct arena *a, int64_t tender_id,
                                 int64_t after_id, int limit, struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(after_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT id, tender_id, action, from_state, to_state, due_ms, at_ms,"
                            " actor_user_id, actor FROM tender_transitions"
                            " WHERE tender_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                            p, 3, sizeof(struct tender_transition), limit, transition_fill, out);
}

/* ---- rules ---- */

int store_tender_rule_values(struct store_tx *tx, const char *procedure, const char *const *names,
                             int n, int64_t *values)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_T(procedure)};
    int rc = store_query(tx, "SELECT rule, value FROM tender_rule_values WHERE procedure = $1", p,
                         1, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        const char *rule = store_col_text(r, 0, NULL);
        for (int i = 0; rule != NULL && i < n; i++)
            if (strcmp(rule, names[i]) == 0)
                values[i] = store_col_int(r, 1);
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_tender_rule_set(struct store_tx *tx, const char *procedure, const char *rule,
                          int64_t value, int64_t by, int64_t at_ms)
{
    struct store_param p[] = {SP_T(procedure), SP_T(rule), SP_I(value), opt_i(by), SP_I(at_ms)};
    return store_exec(tx,
                      "INSERT INTO tender_rule_values (procedure, rule, value, updated_by,"
                      " updated_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (procedure, rule)"
                      " DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,"
                      " updated_ms = excluded.updated_ms",
                      p, 5, NULL);
}

int store_tender_notice_count(struct store_tx *tx, int64_t tender_id, int64_t *n)
{
    struct store_param p[] = {SP_I(tender_id)};
    return store_query_int(
        tx, "SELECT count(*) FROM notices WHERE ref_type = 'tender' AND ref_id = $1", p, 1, n);
}
