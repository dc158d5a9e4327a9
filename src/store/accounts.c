/*
 * store/accounts.c — SQL for organisations, users, sessions, the login
 * throttle, the audit trail and notices (see accounts.h). Written once in the
 * dialect both backends speak ($N parameters, RETURNING). Runs on whatever
 * thread owns the transaction.
 */
#include "store/accounts.h"

#include "store/rows.h"

/* ---- organisations ---- */

#define ORG_COLS                                                                                   \
    "id, name, uscc, legal_rep, contact_name, contact_phone, contact_email, address, created_ms"

static void org_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct org *o = item;
    o->id = store_col_int(r, 0);
    o->name = store_row_text(r, a, 1);
    o->uscc = store_row_text(r, a, 2);
    o->legal_rep = store_row_text(r, a, 3);
    o->contact_name = store_row_text(r, a, 4);
    o->contact_phone = store_row_text(r, a, 5);
    o->contact_email = store_row_text(r, a, 6);
    o->address = store_row_text(r, a, 7);
    o->created_ms = store_col_int(r, 8);
}

int store_org_insert(struct store_tx *tx, const struct org *o, int64_t *id)
{
    struct store_param p[] = {SP_T(o->name),         SP_T(o->uscc),          SP_T(o->legal_rep),
                              SP_T(o->contact_name), SP_T(o->contact_phone), SP_T(o->contact_email),
                              SP_T(o->address),      SP_I(o->created_ms)};
    return store_query_int(tx,
                           "INSERT INTO orgs (name, uscc, legal_rep, contact_name, contact_phone,"
                           " contact_email, address, created_ms)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                           p, 8, id);
}

int store_org_get(struct store_tx *tx, struct arena *a, int64_t id, struct org *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(id)};
    int rc = store_query(tx, "SELECT " ORG_COLS " FROM orgs WHERE id = $1", p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        org_fill(r, a, out);
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_org_list(struct store_tx *tx, struct arena *a, int64_t after_id, int limit,
                   struct page *out)
{
    struct store_param p[] = {SP_I(after_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " ORG_COLS " FROM orgs WHERE id > $1 ORDER BY id LIMIT $2", p,
                            2, sizeof(struct org), limit, org_fill, out);
}

/* ---- users ---- */

#define USER_COLS                                                                                  \
    "id, username, display_name, org_id, roles, password_hash, email, phone, disabled,"            \
    " created_ms, password_changed_ms"

static void user_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct user *u = item;
    u->id = store_col_int(r, 0);
    u->username = store_row_text(r, a, 1);
    u->display_name = store_row_text(r, a, 2);
    u->org_id = store_col_null(r, 3) ? 0 : store_col_int(r, 3);
    u->roles = (unsigned)store_col_int(r, 4);
    u->password_hash = store_row_text(r, a, 5);
    u->email = store_row_text(r, a, 6);
    u->phone = store_row_text(r, a, 7);
    u->disabled = store_col_int(r, 8) != 0;
    u->created_ms = store_col_int(r, 9);
    u->password_changed_ms = store_col_int(r, 10);
}

int store_user_insert(struct store_tx *tx, const struct user *u, int64_t *id)
{
    struct store_param p[] = {
        SP_T(u->username), SP_T(u->display_name),     u->org_id ? SP_I(u->org_id) : SP_NUL,
        SP_I(u->roles),    SP_T(u->password_hash),    SP_T(u->email),
        SP_T(u->phone),    SP_I(u->disabled ? 1 : 0), SP_I(u->created_ms)};
    return store_query_int(tx,
                           "INSERT INTO users (username, display_name, org_id, roles,"
                           " password_hash, email, phone, disabled, created_ms,"
                           " password_changed_ms)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
                           p, 9, id);
}

static int user_one(struct store_tx *tx, struct arena *a, const char *sql, struct store_param p,
                    struct user *out)
{
    struct store_rows *r = NULL;
    int rc = store_query(tx, sql, &p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        user_fill(r, a, out);
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_user_get(struct store_tx *tx, struct arena *a, int64_t id, struct user *out)
{
    return user_one(tx, a, "SELECT " USER_COLS " FROM users WHERE id = $1", SP_I(id), out);
}

int store_user_by_name(struct store_tx *tx, struct arena *a, const char *username, struct user *out)
{
    return user_one(tx, a, "SELECT " USER_COLS " FROM users WHERE username = $1", SP_T(username),
                    out);
}

int store_user_list(struct store_tx *tx, struct arena *a, int64_t after_id, int limit,
                    struct page *out)
{
    struct store_param p[] = {SP_I(after_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT " USER_COLS " FROM users WHERE id > $1 ORDER BY id LIMIT $2", p,
                            2, sizeof(struct user), limit, user_fill, out);
}

int store_user_set_password(struct store_tx *tx, int64_t id, const char *hash, int64_t now_ms)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_T(hash), SP_I(now_ms), SP_I(id)};
    int rc = store_exec(tx,
                        "UPDATE users SET password_hash = $1, password_changed_ms = $2"
                        " WHERE id = $3",
                        p, 3, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_user_rehash(struct store_tx *tx, int64_t id, const char *hash)
{
    struct store_param p[] = {SP_T(hash), SP_I(id)};
    return store_exec(tx, "UPDATE users SET password_hash = $1 WHERE id = $2", p, 2, NULL);
}

/* ---- sessions ---- */

int store_session_insert(struct store_tx *tx, const struct session *s, int64_t *id)
{
    struct store_param p[] = {SP_T(s->token_hash), SP_I(s->user_id),    SP_T(s->kind),
                              SP_T(s->csrf_token), SP_I(s->created_ms), SP_I(s->expires_ms),
                              SP_T(s->remote_addr)};
    return store_query_int(tx,
                           "INSERT INTO sessions (token_hash, user_id, kind, csrf_token,"
                           " created_ms, expires_ms, remote_addr)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                           p, 7, id);
}

int store_session_by_hash(struct store_tx *tx, struct arena *a, const char *token_hash,
                          int64_t now_ms, struct session *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_T(token_hash), SP_I(now_ms)};
    int rc = store_query(tx,
                         "SELECT id, user_id, kind, csrf_token, created_ms, expires_ms,"
                         " remote_addr FROM sessions"
                         " WHERE token_hash = $1 AND revoked_ms IS NULL AND expires_ms > $2",
                         p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        out->id = store_col_int(r, 0);
        out->user_id = store_col_int(r, 1);
        out->token_hash = NULL;
        out->kind = store_row_text(r, a, 2);
        out->csrf_token = store_row_text(r, a, 3);
        out->created_ms = store_col_int(r, 4);
        out->expires_ms = store_col_int(r, 5);
        out->remote_addr = store_row_text(r, a, 6);
        out->revoked_ms = 0;
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_session_revoke(struct store_tx *tx, int64_t id, int64_t now_ms)
{
    struct store_param p[] = {SP_I(now_ms), SP_I(id)};
    return store_exec(
        tx, "UPDATE sessions SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL", p, 2, NULL);
}

int store_session_revoke_user(struct store_tx *tx, int64_t user_id, int64_t now_ms, int64_t *n)
{
    struct store_param p[] = {SP_I(now_ms), SP_I(user_id)};
    return store_exec(
        tx, "UPDATE sessions SET revoked_ms = $1 WHERE user_id = $2 AND revoked_ms IS NULL", p, 2,
        n);
}

/* ---- login throttle ---- */

int store_throttle_get(struct store_tx *tx, const char *key, struct throttle *out)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_T(key)};
    memset(out, 0, sizeof(*out));
    int rc = store_query(
        tx, "SELECT failures, last_ms, locked_until_ms FROM login_throttle WHERE key = $1", p, 1,
        &r);
    if (rc != STORE_OK)
        return rc;
    rc = store_rows_next(r);
    if (rc == 1) {
        out->failures = store_col_int(r, 0);
        out->last_ms = store_col_int(r, 1);
        out->locked_until_ms = store_col_int(r, 2);
        rc = STORE_OK;
    } else {
        rc = rc == 0 ? STORE_NOTFOUND : -rc;
    }
    store_rows_free(r);
    return rc;
}

int store_throttle_put(struct store_tx *tx, const char *key, const struct throttle *t)
{
    struct store_param p[] = {SP_T(key), SP_I(t->failures), SP_I(t->last_ms),
                              SP_I(t->locked_until_ms)};
    return store_exec(tx,
                      "INSERT INTO login_throttle (key, failures, last_ms, locked_until_ms)"
                      " VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET"
                      " failures = excluded.failures, last_ms = excluded.last_ms,"
                      " locked_until_ms = excluded.locked_until_ms",
                      p, 4, NULL);
}

int store_throttle_clear(struct store_tx *tx, const char *key)
{
    struct store_param p[] = {SP_T(key)};
    return store_exec(tx, "DELETE FROM login_throttle WHERE key = $1", p, 1, NULL);
}

/* ---- audit trail ---- */

int store_audit_insert(struct store_tx *tx, const struct audit_entry *e)
{
    struct store_param p[] = {
        SP_I(e->at_ms),       e->actor_user_id ? SP_I(e->actor_user_id) : SP_NUL,
        SP_T(e->actor),       SP_T(e->remote_addr),
        SP_T(e->request_id),  SP_T(e->action),
        SP_T(e->object_type), SP_T(e->object_id),
        SP_T(e->detail)};
    return store_exec(tx,
                      "INSERT INTO audit_log (at_ms, actor_user_id, actor, remote_addr,"
                      " request_id, action, object_type, object_id, detail)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                      p, 9, NULL);
}

static void audit_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct audit_entry *e = item;
    e->id = store_col_int(r, 0);
    e->at_ms = store_col_int(r, 1);
    e->actor_user_id = store_col_null(r, 2) ? 0 : store_col_int(r, 2);
    e->actor = store_row_text(r, a, 3);
    e->remote_addr = store_row_text(r, a, 4);
    e->request_id = store_row_text(r, a, 5);
    e->action = store_row_text(r, a, 6);
    e->object_type = store_row_text(r, a, 7);
    e->object_id = store_row_text(r, a, 8);
    e->detail = store_row_text(r, a, 9);
}

int store_audit_list(struct store_tx *tx, struct arena *a, int64_t before_id, int limit,
                     struct page *out)
{
    struct store_param p[] = {SP_I(before_id > 0 ? before_id : INT64_MAX), SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT id, at_ms, actor_user_id, actor, remote_addr, request_id, action,"
        " object_type, object_id, detail FROM audit_log WHERE id < $1"
        " ORDER BY id DESC LIMIT $2",
        p, 2, sizeof(struct audit_entry), limit, audit_fill, out);
}

/* ---- notices ---- */

int store_notice_insert(struct store_tx *tx, const struct notice *n, int64_t *id)
{
    struct store_param p[] = {SP_T(n->kind),
                              SP_T(n->category),
                              SP_T(n->title),
                              SP_T(n->region),
                              SP_T(n->body),
                              SP_T(n->ref_type),
                              n->ref_id ? SP_I(n->ref_id) : SP_NUL,
                              SP_I(n->published_ms)};
    return store_query_int(tx,
                           "INSERT INTO notices (kind, category, title, region, body, ref_type,"
                           " ref_id, published_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                           " RETURNING id",
                           p, 8, id);
}

static void notice_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct notice *n = item;
    n->id = store_col_int(r, 0);
    n->kind = store_row_text(r, a, 1);
    n->category = store_row_text(r, a, 2);
    n->title = store_row_text(r, a, 3);
    n->region = store_row_text(r, a, 4);
    n->body = NULL;
    n->ref_type = store_row_text(r, a, 5);
    n->ref_id = store_col_null(r, 6) ? 0 : store_col_int(r, 6);
    n->published_ms = store_col_int(r, 7);
}

int store_notice_list(struct store_tx *tx, struct arena *a, const char *category, int64_t before_ms,
                      int64_t before_id, int limit, struct page *out)
{
    if (before_ms <= 0) {
        before_ms = INT64_MAX;
        before_id = INT64_MAX;
    }
    struct store_param p[] = {SP_I(before_ms), SP_I(before_id), SP_T(category), SP_I(limit + 1)};
    return store_query_page(
        tx, a,
        "SELECT id, kind, category, title, region, ref_type, ref_id, published_ms"
        " FROM notices WHERE (published_ms < $1 OR (published_ms = $1 AND id < $2))"
        " AND (CAST($3 AS TEXT) IS NULL OR category = $3)"
        " ORDER BY published_ms DESC, id DESC LIMIT $4",
        p, 4, sizeof(struct notice), limit, notice_fill, out);
}
