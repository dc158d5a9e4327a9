/*
 * store/escrow.c — the SQL of migration 13 (store/escrow.h): personal
 * certificates, escrow officers, keys, shares and escrow openings.
 * Threads: any, inside the caller's transaction.
 */
#include "store/escrow.h"

#include <string.h>

#include "store/rows.h"

/* ---- personal certificates ---- */

#define UCERT_COLS                                                                                 \
    "id, user_id, usage, fingerprint, subject, issuer, serial, key_alg, not_before_ms,"            \
    " not_after_ms, status, registered_ms, replaced_ms"

static void ucert_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct user_cert *c = item;
    c->id = store_col_int(r, 0);
    c->user_id = store_col_int(r, 1);
    c->usage = store_row_text(r, a, 2);
    c->fingerprint = store_row_text(r, a, 3);
    c->subject = store_row_text(r, a, 4);
    c->issuer = store_row_text(r, a, 5);
    c->serial = store_row_text(r, a, 6);
    c->key_alg = store_row_text(r, a, 7);
    c->not_before_ms = store_col_int(r, 8);
    c->not_after_ms = store_col_int(r, 9);
    c->status = store_row_text(r, a, 10);
    c->registered_ms = store_col_int(r, 11);
    c->replaced_ms = store_row_i0(r, 12);
}

static void ucert_fill_der(struct store_rows *r, struct arena *a, void *item)
{
    struct user_cert *c = item;
    ucert_fill(r, a, item);
    c->der = store_row_blob(r, a, 13, &c->der_len);
}

int store_user_cert_retire(struct store_tx *tx, int64_t user_id, const char *usage, int64_t at_ms)
{
    struct store_param p[] = {SP_I(user_id), SP_T(usage), SP_I(at_ms)};
    return store_exec(tx,
                      "UPDATE user_certs SET status = 'replaced', replaced_ms = $3"
                      " WHERE user_id = $1 AND usage = $2 AND status = 'active'",
                      p, 3, NULL);
}

int store_user_cert_insert(struct store_tx *tx, const struct user_cert *c, int64_t *id)
{
    struct store_param p[] = {
        SP_I(c->user_id),      SP_T(c->usage),        SP_B(c->der, c->der_len),
        SP_T(c->fingerprint),  SP_T(c->subject),      SP_T(c->issuer),
        SP_T(c->serial),       SP_T(c->key_alg),      SP_I(c->not_before_ms),
        SP_I(c->not_after_ms), SP_I(c->registered_ms)};
    return store_query_int(tx,
                           "INSERT INTO user_certs (user_id, usage, der, fingerprint, subject,"
                           " issuer, serial, key_alg, not_before_ms, not_after_ms, status,"
                           " registered_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                           " 'active', $11) RETURNING id",
                           p, 11, id);
}

int store_user_cert_active(struct store_tx *tx, struct arena *a, int64_t user_id, const char *usage,
                           struct user_cert *out)
{
    struct store_param p[] = {SP_I(user_id), SP_T(usage)};
    memset(out, 0, sizeof(*out));
    return store_query_one(tx, a,
                           "SELECT " UCERT_COLS ", der FROM user_certs"
                           " WHERE user_id = $1 AND usage = $2 AND status = 'active'",
                           p, 2, ucert_fill_der, out);
}

int store_user_cert_list(struct store_tx *tx, struct arena *a, int64_t user_id, int limit,
                         struct page *out)
{
    struct store_param p[] = {SP_I(user_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " UCERT_COLS " FROM user_certs WHERE user_id = $1"
                            " ORDER BY id DESC LIMIT $2",
                            p, 2, sizeof(struct user_cert), limit, ucert_fill, out);
}

/* ---- officers ---- */

int store_escrow_officers_set(struct store_tx *tx, int64_t tender_id, const int64_t *ids, int n)
{
    struct store_param p[] = {SP_I(tender_id)};
    int rc = store_exec(tx, "DELETE FROM escrow_officers WHERE tender_id = $1", p, 1, NULL);
    for (int i = 0; i < n && rc == STORE_OK; i++) {
        struct store_param q[] = {SP_I(tender_id), SP_I(i + 1), SP_I(ids[i])};
        rc = store_exec(tx,
                        "INSERT INTO escrow_officers (tender_id, x, user_id) VALUES ($1, $2, $3)",
                        q, 3, NULL);
    }
    return rc;
}

static void officer_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct escrow_officer *o = item;
    o->tender_id = store_col_int(r, 0);
    o->x = store_col_int(r, 1);
    o->user_id = store_col_int(r, 2);
    o->name = store_row_text(r, a, 3);
}

int store_escrow_officer_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                              struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT o.tender_id, o.x, o.user_id, u.display_name FROM escrow_officers o"
        " JOIN users u ON u.id = o.user_id WHERE o.tender_id = $1"
        " ORDER BY o.x LIMIT $2",
        p, 2, sizeof(struct escrow_officer), limit, officer_fill, out);
}

static void candidate_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct escrow_candidate *c = item;
    c->user_id = store_col_int(r, 0);
    c->username = store_row_text(r, a, 1);
    c->name = store_row_text(r, a, 2);
    c->roles = store_col_int(r, 3);
    c->subject = store_row_text(r, a, 4);
    c->key_alg = store_row_text(r, a, 5);
    c->not_after_ms = store_col_int(r, 6);
}

int store_escrow_candidates(struct store_tx *tx, struct arena *a, int64_t roles_mask, int limit,
                            struct page *out)
{
    struct store_param p[] = {SP_I(roles_mask), SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT u.id, u.username, u.display_name, u.roles, c.subject, c.key_alg,"
        " c.not_after_ms FROM users u JOIN user_certs c ON c.user_id = u.id"
        " AND c.usage = 'encrypt' AND c.status = 'active'"
        " WHERE u.disabled = 0 AND (u.roles & $1) <> 0 ORDER BY u.id LIMIT $2",
        p, 2, sizeof(struct escrow_candidate), limit, candidate_fill, out);
}

/* ---- the key ---- */

static void key_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct escrow_key *k = item;
    k->tender_id = store_col_int(r, 0);
    k->k = store_col_int(r, 1);
    k->n = store_col_int(r, 2);
    k->split_id = store_row_text(r, a, 3);
    k->gm_pub = store_row_text(r, a, 4);
    k->intl_pub = store_row_text(r, a, 5);
    k->gm_key_id = store_row_text(r, a, 6);
    k->intl_key_id = store_row_text(r, a, 7);
    k->created_ms = store_col_int(r, 8);
    k->recovered_ms = store_row_i0(r, 9);
}

int store_escrow_key_put(struct store_tx *tx, const struct escrow_key *k)
{
    struct store_param d[] = {SP_I(k->tender_id)};
    int rc = store_exec(tx, "DELETE FROM escrow_shares WHERE tender_id = $1", d, 1, NULL);
    if (rc == STORE_OK)
        rc = store_exec(tx, "DELETE FROM escrow_keys WHERE tender_id = $1", d, 1, NULL);
    if (rc != STORE_OK)
        return rc;
    struct store_param p[] = {SP_I(k->tender_id), SP_I(k->k),           SP_I(k->n),
                              SP_T(k->split_id),  SP_T(k->gm_pub),      SP_T(k->intl_pub),
                              SP_T(k->gm_key_id), SP_T(k->intl_key_id), SP_I(k->created_ms)};
    return store_exec(tx,
                      "INSERT INTO escrow_keys (tender_id, k, n, split_id, gm_pub, intl_pub,"
                      " gm_key_id, intl_key_id, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                      " $8, $9)",
                      p, 9, NULL);
}

int store_escrow_key_get(struct store_tx *tx, struct arena *a, int64_t tender_id,
                         struct escrow_key *out)
{
    struct store_param p[] = {SP_I(tender_id)};
    memset(out, 0, sizeof(*out));
    return store_query_one(
        tx, a,
        "SELECT tender_id, k, n, split_id, gm_pub, intl_pub, gm_key_id, intl_key_id,"
        " created_ms, recovered_ms FROM escrow_keys WHERE tender_id = $1",
        p, 1, key_fill, out);
}

int store_escrow_key_recovered(struct store_tx *tx, int64_t tender_id, int64_t at_ms)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(at_ms)};
    return store_exec(tx,
                      "UPDATE escrow_keys SET recovered_ms = $2 WHERE tender_id = $1"
                      " AND recovered_ms IS NULL",
                      p, 2, NULL);
}

/* ---- shares ---- */

int store_escrow_share_insert(struct store_tx *tx, const struct escrow_share *s)
{
    struct store_param p[] = {SP_I(s->tender_id), SP_I(s->x), SP_I(s->user_id), SP_T(s->cert_fp),
                              SP_B(s->enc, s->enc_len)};
    return store_exec(tx,
                      "INSERT INTO escrow_shares (tender_id, x, user_id, cert_fp, encrypted)"
                      " VALUES ($1, $2, $3, $4, $5)",
                      p, 5, NULL);
}

static void share_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct escrow_share *s = item;
    s->tender_id = store_col_int(r, 0);
    s->x = store_col_int(r, 1);
    s->user_id = store_col_int(r, 2);
    s->name = store_row_text(r, a, 3);
    s->cert_fp = store_row_text(r, a, 4);
    s->enc = store_row_blob(r, a, 5, &s->enc_len);
    s->plain = store_row_blob(r, a, 6, &s->plain_len);
    s->submitted_ms = store_row_i0(r, 7);
    s->rejected_ms = store_row_i0(r, 8);
}

int store_escrow_share_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                            struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT s.tender_id, s.x, s.user_id, u.display_name, s.cert_fp, s.encrypted,"
        " s.plain, s.submitted_ms, s.rejected_ms FROM escrow_shares s JOIN users u"
        " ON u.id = s.user_id WHERE s.tender_id = $1 ORDER BY s.x LIMIT $2",
        p, 2, sizeof(struct escrow_share), limit, share_fill, out);
}

int store_escrow_share_submit(struct store_tx *tx, int64_t tender_id, int64_t x, const void *plain,
                              size_t len, int64_t at_ms)
{
    int64_t n = 0;
    struct store_param p[] = {SP_I(tender_id), SP_I(x), SP_B(plain, len), SP_I(at_ms)};
    int rc = store_exec(tx,
                        "UPDATE escrow_shares SET plain = $3, submitted_ms = $4, rejected_ms = NULL"
                        " WHERE tender_id = $1 AND x = $2",
                        p, 4, &n);
    if (rc == STORE_OK && n == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_escrow_share_reject(struct store_tx *tx, int64_t tender_id, int64_t x, int64_t at_ms)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(x), SP_I(at_ms)};
    return store_exec(tx,
                      "UPDATE escrow_shares SET rejected_ms = $3 WHERE tender_id = $1 AND x = $2",
                      p, 3, NULL);
}

/* ---- escrow openings ---- */

struct bid_row {
    int64_t bid_id;
    const char *status, *blob_hash, *suite;
};

static void bid_row_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct bid_row *b = item;
    b->bid_id = store_col_int(r, 0);
    b->status = store_row_text(r, a, 1);
    b->blob_hash = store_row_text(r, a, 2);
    b->suite = store_row_text(r, a, 3);
}

int store_escrow_bid_find(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t org_id,
                          int64_t lot_no, int64_t *bid_id, const char **status,
                          const char **blob_hash, const char **suite)
{
    struct bid_row b = {0};
    struct store_param p[] = {SP_I(tender_id), SP_I(org_id), SP_I(lot_no)};
    int rc =
        store_query_one(tx, a,
                        "SELECT ob.bid_id, ob.status, b.blob_hash, b.suite FROM opening_bids ob"
                        " JOIN bids b ON b.id = ob.bid_id WHERE ob.tender_id = $1"
                        " AND ob.org_id = $2 AND ob.lot_no = $3",
                        p, 3, bid_row_fill, &b);
    *bid_id = b.bid_id;
    *status = b.status;
    *blob_hash = b.blob_hash;
    *suite = b.suite;
    return rc;
}

int store_escrow_open_insert(struct store_tx *tx, const struct escrow_open *o)
{
    struct store_param p[] = {SP_I(o->bid_id), SP_I(o->tender_id),
                              SP_I(o->org_id), SP_I(o->lot_no),
                              SP_T(o->status), o->by_user ? SP_I(o->by_user) : SP_NUL,
                              SP_I(o->at_ms)};
    return store_exec(tx,
                      "INSERT INTO escrow_opens (bid_id, tender_id, org_id, lot_no, status,"
                      " by_user, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      p, 7, NULL);
}

static void open_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct escrow_open *o = item;
    o->bid_id = store_col_int(r, 0);
    o->tender_id = store_col_int(r, 1);
    o->org_id = store_col_int(r, 2);
    o->lot_no = store_col_int(r, 3);
    o->status = store_row_text(r, a, 4);
    o->by_user = store_row_i0(r, 5);
    o->at_ms = store_col_int(r, 6);
}

int store_escrow_open_list(struct store_tx *tx, struct arena *a, int64_t tender_id, int limit,
                           struct page *out)
{
    struct store_param p[] = {SP_I(tender_id), SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT bid_id, tender_id, org_id, lot_no, status, by_user, at_ms"
        " FROM escrow_opens WHERE tender_id = $1 ORDER BY at_ms, bid_id LIMIT $2",
        p, 2, sizeof(struct escrow_open), limit, open_fill, out);
}
