/*
 * store/bids.c — SQL for trusted CAs, organisations' certificates, bids,
 * receipts and receipt keys (see bids.h). Written once in the dialect both
 * backends speak. Runs on whatever thread owns the transaction; no rules
 * here, only rows.
 */
#include "store/bids.h"

#include "store/rows.h"

static struct store_param opt_i(int64_t v)
{
    return v != 0 ? SP_I(v) : SP_NUL;
}

/* ---- trust ---- */

#define TRUST_COLS "id, kind, fingerprint, subject, not_after_ms, added_by, added_ms"

static void trust_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct trust_item *t = item;
    t->id = store_col_int(r, 0);
    t->kind = store_row_text(r, a, 1);
    t->fingerprint = store_row_text(r, a, 2);
    t->subject = store_row_text(r, a, 3);
    t->not_after_ms = store_row_i0(r, 4);
    t->added_by = store_row_i0(r, 5);
    t->added_ms = store_col_int(r, 6);
}

static void trust_fill_der(struct store_rows *r, struct arena *a, void *item)
{
    struct trust_item *t = item;
    trust_fill(r, a, item);
    t->der = store_row_blob(r, a, 7, &t->der_len);
}

int store_trust_insert(struct store_tx *tx, const struct trust_item *t, int64_t *id)
{
    struct store_param p[] = {SP_T(t->kind),    SP_B(t->der, t->der_len), SP_T(t->fingerprint),
                              SP_T(t->subject), opt_i(t->not_after_ms),   opt_i(t->added_by),
                              SP_I(t->added_ms)};
    return store_query_int(tx,
                           "INSERT INTO trust_items (kind, der, fingerprint, subject, not_after_ms,"
                           " added_by, added_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                           p, 7, id);
}

int store_trust_find(struct store_tx *tx, const char *fingerprint, int64_t *id)
{
    struct store_param p[] = {SP_T(fingerprint)};
    return store_query_int(
        tx, "SELECT id FROM trust_items WHERE fingerprint = $1 AND removed_ms IS NULL", p, 1, id);
}

int store_trust_remove(struct store_tx *tx, int64_t id, int64_t by, int64_t at_ms)
{
    struct store_param p[] = {SP_I(id), opt_i(by), SP_I(at_ms)};
    int64_t n = 0;
    int rc = store_exec(tx,
                        "UPDATE trust_items SET removed_by = $2, removed_ms = $3"
                        " WHERE id = $1 AND removed_ms IS NULL",
                        p, 3, &n);
    if (rc == STORE_OK && n == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_trust_get(struct store_tx *tx, struct arena *a, int64_t id, struct trust_item *out)
{
    struct store_param p[] = {SP_I(id)};
    return store_query_one(
        tx, a, "SELECT " TRUST_COLS ", der FROM trust_items WHERE id = $1 AND removed_ms IS NULL",
        p, 1, trust_fill_der, out);
}

int store_trust_list(struct store_tx *tx, struct arena *a, bool with_der, int64_t after_id,
                     int limit, struct page *out)
{
    struct store_param p[] = {SP_I(after_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            with_der ? "SELECT " TRUST_COLS ", der FROM trust_items"
                                       " WHERE removed_ms IS NULL AND id > $1 ORDER BY id LIMIT $2"
                                     : "SELECT " TRUST_COLS " FROM trust_items"
                                       " WHERE removed_ms IS NULL AND id > $1 ORDER BY id LIMIT $2",
                            p, 2, sizeof(struct trust_item), limit,
                            with_der ? trust_fill_der : trust_fill, out);
}

static void gen_fill(struct store_rows *r, struct arena *a, void *item)
{
    int64_t *v = item;
    (void)a;
    v[0] = store_col_int(r, 0);
    v[1] = store_col_int(r, 1);
}

int store_trust_generation(struct store_tx *tx, int64_t *count, int64_t *max_id)
{
    int64_t v[2] = {0, 0};
    int rc = store_query_one(tx, NULL,
                             "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM trust_items"
                             " WHERE removed_ms IS NULL",
                             NULL, 0, gen_fill, v);
    *count = v[0];
    *max_id = v[1];
    return rc;
}

/* ---- organisations' certificates ---- */

#define CERT_COLS                                                                                  \
    "id, org_id, usage, fingerprint, subject, issuer, serial, key_alg, uscc, not_before_ms,"       \
    " not_after_ms, status, registered_by, registered_ms, replaced_ms"

static void cert_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct org_cert *c = item;
    c->id = store_col_int(r, 0);
    c->org_id = store_col_int(r, 1);
    c->usage = store_row_text(r, a, 2);
    c->fingerprint = store_row_text(r, a, 3);
    c->subject = store_row_text(r, a, 4);
    c->issuer = store_row_text(r, a, 5);
    c->serial = store_row_text(r, a, 6);
    c->key_alg = store_row_text(r, a, 7);
    c->uscc = store_row_text(r, a, 8);
    c->not_before_ms = store_col_int(r, 9);
    c->not_after_ms = store_col_int(r, 10);
    c->status = store_row_text(r, a, 11);
    c->registered_by = store_row_i0(r, 12);
    c->registered_ms = store_col_int(r, 13);
    c->replaced_ms = store_row_i0(r, 14);
}

static void cert_fill_der(struct store_rows *r, struct arena *a, void *item)
{
    struct org_cert *c = item;
    cert_fill(r, a, item);
    c->der = store_row_blob(r, a, 15, &c->der_len);
    c->chain = store_row_blob(r, a, 16, &c->chain_len);
}

int store_org_cert_retire(struct store_tx *tx, int64_t org_id, const char *usage, int64_t at_ms)
{
    struct store_param p[] = {SP_I(org_id), SP_T(usage), SP_I(at_ms)};
    return store_exec(tx,
                      "UPDATE org_certs SET status = 'replaced', replaced_ms = $3"
                      " WHERE org_id = $1 AND usage = $2 AND status = 'active'",
                      p, 3, NULL);
}

int store_org_cert_insert(struct store_tx *tx, const struct org_cert *c, int64_t *id)
{
    struct store_param p[] = {
        SP_I(c->org_id),          SP_T(c->usage),
        SP_B(c->der, c->der_len), c->chain ? SP_B(c->chain, c->chain_len) : SP_NUL,
        SP_T(c->fingerprint),     SP_T(c->subject),
        SP_T(c->issuer),          SP_T(c->serial),
        SP_T(c->key_alg),         SP_T(c->uscc),
        SP_I(c->not_before_ms),   SP_I(c->not_after_ms),
        opt_i(c->registered_by),  SP_I(c->registered_ms)};
    return store_query_int(tx,
                           "INSERT INTO org_certs (org_id, usage, der, chain, fingerprint, subject,"
                           " issuer, serial, key_alg, uscc, not_before_ms, not_after_ms, status,"
                           " registered_by, registered_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
                           " $9, $10, $11, $12, 'active', $13, $14) RETURNING id",
                           p, 14, id);
}

int store_org_cert_active(struct store_tx *tx, struct arena *a, int64_t org_id, const char *usage,
                          struct org_cert *out)
{
    struct store_param p[] = {SP_I(org_id), SP_T(usage)};
    return store_query_one(tx, a,
                           "SELECT " CERT_COLS ", der, chain FROM org_certs"
                           " WHERE org_id = $1 AND usage = $2 AND status = 'active'",
                           p, 2, cert_fill_der, out);
}

int store_org_cert_list(struct store_tx *tx, struct arena *a, int64_t org_id, int limit,
                        struct page *out)
{
    struct store_param p[] = {SP_I(org_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " CERT_COLS " FROM org_certs WHERE org_id = $1"
                            " ORDER BY id DESC LIMIT $2",
                            p, 2, sizeof(struct org_cert), limit, cert_fill, out);
}

/* ---- bids ---- */

#define BID_COLS                                                                                   \
    "id, tender_id, lot_no, org_id, version, state, blob_hash, size, suite, chain_hash,"           \
    " signer_fp, signer_cert_id, user_id, remote_addr, submitted_ms, seq, ended_ms"

static void bid_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct bid *b = item;
    b->id = store_col_int(r, 0);
    b->tender_id = store_col_int(r, 1);
    b->lot_no = store_col_int(r, 2);
    b->org_id = store_col_int(r, 3);
    b->version = store_col_int(r, 4);
    b->state = store_row_text(r, a, 5);
    b->blob_hash = store_row_text(r, a, 6);
    b->size = store_col_int(r, 7);
    b->suite = store_row_text(r, a, 8);
    b->chain_hash = store_row_text(r, a, 9);
    b->signer_fp = store_row_text(r, a, 10);
    b->signer_cert_id = store_row_i0(r, 11);
    b->user_id = store_row_i0(r, 12);
    b->remote_addr = store_row_text(r, a, 13);
    b->submitted_ms = store_col_int(r, 14);
    b->seq = store_col_int(r, 15);
    b->ended_ms = store_row_i0(r, 16);
}

int store_bid_latest(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                     int64_t org_id, struct bid *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(lot_no), SP_I(org_id)};
    return store_query_one(tx, a,
                           "SELECT " BID_COLS " FROM bids WHERE tender_id = $1 AND lot_no = $2"
                           " AND org_id = $3 ORDER BY version DESC LIMIT 1",
                           p, 3, bid_fill, out);
}

int store_bid_insert(struct store_tx *tx, const struct bid *b, int64_t *id)
{
    struct store_param p[] = {SP_I(b->tender_id),   SP_I(b->lot_no),          SP_I(b->org_id),
                              SP_I(b->version),     SP_T(b->state),           SP_T(b->blob_hash),
                              SP_I(b->size),        SP_T(b->suite),           SP_T(b->chain_hash),
                              SP_T(b->signer_fp),   opt_i(b->signer_cert_id), opt_i(b->user_id),
                              SP_T(b->remote_addr), SP_I(b->submitted_ms),    SP_I(b->seq)};
    return store_query_int(tx,
                           "INSERT INTO bids (tender_id, lot_no, org_id, version, state, blob_hash,"
                           " size, suite, chain_hash, signer_fp, signer_cert_id, user_id,"
                           " remote_addr, submitted_ms, seq) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                           " $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
                           p, 15, id);
}

int store_bid_end(struct store_tx *tx, int64_t id, const char *state, int64_t at_ms)
{
    struct store_param p[] = {SP_I(id), SP_T(state), SP_I(at_ms)};
    int64_t n = 0;
    int rc = store_exec(tx,
                        "UPDATE bids SET state = $2, ended_ms = $3"
                        " WHERE id = $1 AND state = 'submitted'",
                        p, 3, &n);
    if (rc == STORE_OK && n == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_bid_list_org(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t org_id,
                       int limit, struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " BID_COLS " FROM bids WHERE tender_id = $1 AND org_id = $2"
                            " ORDER BY lot_no, version LIMIT $3",
                            p, 3, sizeof(struct bid), limit, bid_fill, out);
}

int store_bid_next_seq(struct store_tx *tx, int64_t tender_id, int64_t org_id, int64_t *seq)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id)};
    return store_query_int(tx,
                           "SELECT COALESCE(MAX(seq), 0) + 1 FROM bid_receipts"
                           " WHERE tender_id = $1 AND org_id = $2",
                           p, 2, seq);
}

/* ---- receipts ---- */

#define RECEIPT_COLS "id, tender_id, seq, bid_id, org_id, kind, body, key_id, signature, created_ms"

static void receipt_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct bid_receipt *x = item;
    x->id = store_col_int(r, 0);
    x->tender_id = store_col_int(r, 1);
    x->seq = store_col_int(r, 2);
    x->bid_id = store_col_int(r, 3);
    x->org_id = store_col_int(r, 4);
    x->kind = store_row_text(r, a, 5);
    x->body = store_row_text(r, a, 6);
    x->key_id = store_row_text(r, a, 7);
    x->signature = store_row_text(r, a, 8);
    x->created_ms = store_col_int(r, 9);
}

int store_receipt_insert(struct store_tx *tx, const struct bid_receipt *r, int64_t *id)
{
    struct store_param p[] = {SP_I(r->tender_id), SP_I(r->seq),       SP_I(r->bid_id),
                              SP_I(r->org_id),    SP_T(r->kind),      SP_T(r->body),
                              SP_T(r->key_id),    SP_T(r->signature), SP_I(r->created_ms)};
    return store_query_int(tx,
                           "INSERT INTO bid_receipts (tender_id, seq, bid_id, org_id, kind, body,"
                           " key_id, signature, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
                           " $9) RETURNING id",
                           p, 9, id);
}

int store_receipt_list_org(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t org_id,
                           int64_t after_seq, int limit, struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id), SP_I(after_seq), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " RECEIPT_COLS " FROM bid_receipts WHERE tender_id = $1"
                            " AND org_id = $2 AND seq > $3 ORDER BY seq LIMIT $4",
                            p, 4, sizeof(struct bid_receipt), limit, receipt_fill, out);
}

int store_receipt_of_bid(struct store_tx *tx, struct arena *a, int64_t bid_id, const char *kind,
                         struct bid_receipt *out)
{
    struct store_param p[] = {SP_I(bid_id), SP_T(kind)};
    return store_query_one(tx, a,
                           "SELECT " RECEIPT_COLS
                           " FROM bid_receipts WHERE bid_id = $1 AND kind = $2"
                           " ORDER BY seq DESC LIMIT 1",
                           p, 2, receipt_fill, out);
}

int store_receipt_key_put(struct store_tx *tx, const struct receipt_key_row *k)
{
    struct store_param p[] = {SP_T(k->key_id), SP_T(k->alg), SP_T(k->public_pem), SP_T(k->node),
                              SP_I(k->created_ms)};
    return store_exec(tx,
                      "INSERT INTO receipt_keys (key_id, alg, public_pem, node, created_ms)"
                      " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_id) DO NOTHING",
                      p, 5, NULL);
}

static void rkey_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct receipt_key_row *k = item;
    k->key_id = store_row_text(r, a, 0);
    k->alg = store_row_text(r, a, 1);
    k->public_pem = store_row_text(r, a, 2);
    k->node = store_row_text(r, a, 3);
    k->created_ms = store_col_int(r, 4);
}

int store_receipt_key_list(struct store_tx *tx, struct arena *a, int limit, struct page *out)
{
    struct store_param p[] = {SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT key_id, alg, public_pem, node, created_ms FROM receipt_keys"
                            " ORDER BY created_ms, key_id LIMIT $1",
                            p, 1, sizeof(struct receipt_key_row), limit, rkey_fill, out);
}
