/*
 * store/experts.c — SQL for the expert pool (store/experts.h): the
 * specialty list, experts with their specialties, relations, periods of
 * unavailability and credit history, the draw's settings, and the scans
 * the draw makes over the whole pool. Written once in the dialect both
 * backends speak. Runs on whatever thread owns the transaction; no rules
 * here, only rows.
 */
#include "store/experts.h"

#include <string.h>

#include "store/rows.h"

static struct store_param opt_i(int64_t v)
{
    return v != 0 ? SP_I(v) : SP_NUL;
}

/* ---- the pool's version ----
 *
 * The one row of expert_pool_version changes with every write of what the
 * draw caches of an expert (its row, its specialties, the specialty tree):
 * triggers on experts, expert_specialty_links and expert_specialties bump
 * it (migration 28: on SQLite one per row, on PostgreSQL one per
 * statement), so the version changes in the writing transaction whoever
 * writes, this code, hand-written SQL or an older binary, and a reader's
 * snapshot sees the version and the rows it describes together, on every
 * node sharing the database (domain/draw_pool.c keys its pool cache by
 * it). On PostgreSQL two concurrent expert writers meet on that row: one
 * of them gets STORE_BUSY and retries, as for any serialization conflict.
 * What the draw reads afresh at every draw (relations, unavailability,
 * credit) has no trigger: a change there needs no new pool. */

int store_pool_version(struct store_tx *tx, int64_t *version)
{
    return store_query_int(tx, "SELECT version FROM expert_pool_version WHERE id = 1", NULL, 0,
                           version);
}

/* ---- specialties ---- */

static void specialty_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct specialty *s = item;
    s->code = store_row_text(r, a, 0);
    s->parent = store_row_text(r, a, 1);
    s->name = store_row_text(r, a, 2);
    s->name_en = store_row_text(r, a, 3);
}

int store_specialty_list(struct store_tx *tx, struct arena *a, int max, struct page *out)
{
    return store_query_page(
        tx, a, "SELECT code, parent, name, name_en FROM expert_specialties ORDER BY code", NULL, 0,
        sizeof(struct specialty), max, specialty_fill, out);
}

int store_specialty_get(struct store_tx *tx, struct arena *a, const char *code,
                        struct specialty *out)
{
    struct store_param p[] = {SP_T(code)};
    return store_query_one(
        tx, a, "SELECT code, parent, name, name_en FROM expert_specialties WHERE code = $1", p, 1,
        specialty_fill, out);
}

int store_specialty_upsert(struct store_tx *tx, const struct specialty *s, int64_t now_ms)
{
    struct store_param p[] = {SP_T(s->code), SP_T(s->parent), SP_T(s->name), SP_T(s->name_en),
                              SP_I(now_ms)};
    int rc = store_exec(tx,
                        "INSERT INTO expert_specialties (code, parent, name, name_en, updated_ms)"
                        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET"
                        " parent = excluded.parent, name = excluded.name,"
                        " name_en = excluded.name_en, updated_ms = excluded.updated_ms",
                        p, 5, NULL);
    return rc; /* bumps the pool's version: a parent changes experts' codes */
}

/* ---- experts ---- */

#define EXPERT_COLS                                                                                \
    "e.id, e.code, e.name, e.user_id, u.username, e.region, e.employer, e.employer_uscc,"          \
    " e.title, e.title_level, e.years, e.phone, e.email, e.status, e.note, e.created_ms,"          \
    " e.updated_ms, e.version"
#define EXPERT_FROM " FROM experts e LEFT JOIN users u ON u.id = e.user_id"

static void expert_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct expert *e = item;
    e->id = store_col_int(r, 0);
    e->code = store_row_text(r, a, 1);
    e->name = store_row_text(r, a, 2);
    e->user_id = store_row_i0(r, 3);
    e->username = store_row_text(r, a, 4);
    e->region = store_row_text(r, a, 5);
    e->employer = store_row_text(r, a, 6);
    e->employer_uscc = store_row_text(r, a, 7);
    e->title = store_row_text(r, a, 8);
    e->title_level = store_row_text(r, a, 9);
    e->years = store_col_int(r, 10);
    e->phone = store_row_text(r, a, 11);
    e->email = store_row_text(r, a, 12);
    e->status = store_row_text(r, a, 13);
    e->note = store_row_text(r, a, 14);
    e->created_ms = store_col_int(r, 15);
    e->updated_ms = store_col_int(r, 16);
    e->version = store_col_int(r, 17);
}

int store_expert_insert(struct store_tx *tx, const struct expert *e, int64_t *id)
{
    struct store_param p[] = {
        SP_T(e->code),     SP_T(e->name),          opt_i(e->user_id),   SP_T(e->region),
        SP_T(e->employer), SP_T(e->employer_uscc), SP_T(e->title),      SP_T(e->title_level),
        SP_I(e->years),    SP_T(e->phone),         SP_T(e->email),      SP_T(e->status),
        SP_T(e->note),     SP_I(e->created_ms),    SP_I(e->updated_ms), SP_I(e->version)};
    int rc = store_query_int(tx,
                             "INSERT INTO experts (code, name, user_id, region, employer,"
                             " employer_uscc, title, title_level, years, phone, email, status,"
                             " note, created_ms, updated_ms, version) VALUES ($1, $2, $3, $4, $5,"
                             " $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
                             p, 16, id);
    return rc;
}

int store_expert_update(struct store_tx *tx, const struct expert *e)
{
    int64_t changes = 0;
    struct store_param p[] = {
        SP_I(e->id),          SP_T(e->code),     SP_T(e->name),          opt_i(e->user_id),
        SP_T(e->region),      SP_T(e->employer), SP_T(e->employer_uscc), SP_T(e->title),
        SP_T(e->title_level), SP_I(e->years),    SP_T(e->phone),         SP_T(e->email),
        SP_T(e->status),      SP_T(e->note),     SP_I(e->updated_ms),    SP_I(e->version)};
    int rc = store_exec(tx,
                        "UPDATE experts SET code = $2, name = $3, user_id = $4, region = $5,"
                        " employer = $6, employer_uscc = $7, title = $8, title_level = $9,"
                        " years = $10, phone = $11, email = $12, status = $13, note = $14,"
                        " updated_ms = $15, version = $16 WHERE id = $1",
                        p, 16, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    return rc;
}

int store_expert_get(struct store_tx *tx, struct arena *a, int64_t id, struct expert *out)
{
    struct store_param p[] = {SP_I(id)};
    return store_query_one(tx, a, "SELECT " EXPERT_COLS EXPERT_FROM " WHERE e.id = $1", p, 1,
                           expert_fill, out);
}

int store_expert_by_code(struct store_tx *tx, struct arena *a, const char *code, struct expert *out)
{
    struct store_param p[] = {SP_T(code)};
    return store_query_one(tx, a, "SELECT " EXPERT_COLS EXPERT_FROM " WHERE e.code = $1", p, 1,
                           expert_fill, out);
}

int store_expert_by_user(struct store_tx *tx, struct arena *a, int64_t user_id, struct expert *out)
{
    struct store_param p[] = {SP_I(user_id)};
    return store_query_one(tx, a, "SELECT " EXPERT_COLS EXPERT_FROM " WHERE e.user_id = $1", p, 1,
                           expert_fill, out);
}

int store_expert_list(struct store_tx *tx, struct arena *a, const struct expert_filter *f,
                      int64_t after_id, int limit, struct page *out)
{
    char region[16];
    snprintf(region, sizeof region, "%s%%", f->region ? f->region : "");
    struct store_param p[] = {SP_I(after_id), SP_T(f->status), SP_T(region), SP_T(f->specialty),
                              SP_I(limit + 1)};
    /* a specialty selects its code and every code under it in the tree */
    return store_query_page(
        tx, a,
        "WITH RECURSIVE sub(code) AS (SELECT code FROM expert_specialties WHERE code = $4"
        "  UNION SELECT s.code FROM expert_specialties s JOIN sub ON s.parent = sub.code)"
        " SELECT " EXPERT_COLS EXPERT_FROM " WHERE e.id > $1"
        " AND (CAST($2 AS TEXT) IS NULL OR e.status = $2)"
        " AND e.region LIKE $3"
        " AND (CAST($4 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM expert_specialty_links l"
        "   WHERE l.expert_id = e.id AND l.code IN (SELECT code FROM sub)))"
        " ORDER BY e.id LIMIT $5",
        p, 5, sizeof(struct expert), limit, expert_fill, out);
}

int store_expert_specs(struct store_tx *tx, struct arena *a, int64_t expert_id, int max,
                       const char ***codes, int *n)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(expert_id)};
    *n = 0;
    *codes = arena_calloc(a, (size_t)(max > 0 ? max : 1) * sizeof(char *));
    if (*codes == NULL)
        return STORE_TOOBIG;
    int rc = store_query(tx,
                         "SELECT code FROM expert_specialty_links WHERE expert_id = $1"
                         " ORDER BY code",
                         p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1 && *n < max)
        (*codes)[(*n)++] = store_row_text(r, a, 0);
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_expert_specs_set(struct store_tx *tx, int64_t expert_id, const char *const *codes, int n)
{
    struct store_param p[] = {SP_I(expert_id), SP_NUL};
    int rc = store_exec(tx, "DELETE FROM expert_specialty_links WHERE expert_id = $1", p, 1, NULL);
    for (int i = 0; i < n && rc == STORE_OK; i++) {
        p[1] = SP_T(codes[i]);
        rc = store_exec(tx, "INSERT INTO expert_specialty_links (expert_id, code) VALUES ($1, $2)",
                        p, 2, NULL);
    }
    return rc;
}

static void relation_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct expert_relation *x = item;
    x->id = store_col_int(r, 0);
    x->expert_id = store_col_int(r, 1);
    x->kind = store_row_text(r, a, 2);
    x->org_uscc = store_row_text(r, a, 3);
    x->org_name = store_row_text(r, a, 4);
    x->until_ms = store_row_i0(r, 5);
    x->note = store_row_text(r, a, 6);
}

int store_expert_relations(struct store_tx *tx, struct arena *a, int64_t expert_id, int max,
                           struct page *out)
{
    struct store_param p[] = {SP_I(expert_id)};
    return store_query_page(tx, a,
                            "SELECT id, expert_id, kind, org_uscc, org_name, until_ms, note"
                            " FROM expert_relations WHERE expert_id = $1 ORDER BY id",
                            p, 1, sizeof(struct expert_relation), max, relation_fill, out);
}

int store_expert_relations_set(struct store_tx *tx, int64_t expert_id,
                               const struct expert_relation *r, int n, int64_t now_ms)
{
    struct store_param d[] = {SP_I(expert_id)};
    int rc = store_exec(tx, "DELETE FROM expert_relations WHERE expert_id = $1", d, 1, NULL);
    for (int i = 0; i < n && rc == STORE_OK; i++) {
        struct store_param p[] = {SP_I(expert_id),     SP_T(r[i].kind),      SP_T(r[i].org_uscc),
                                  SP_T(r[i].org_name), opt_i(r[i].until_ms), SP_T(r[i].note),
                                  SP_I(now_ms)};
        rc = store_exec(tx,
                        "INSERT INTO expert_relations (expert_id, kind, org_uscc, org_name,"
                        " until_ms, note, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        p, 7, NULL);
    }
    return rc;
}

static void unavail_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct expert_unavail *u = item;
    u->id = store_col_int(r, 0);
    u->expert_id = store_col_int(r, 1);
    u->from_ms = store_col_int(r, 2);
    u->to_ms = store_col_int(r, 3);
    u->kind = store_row_text(r, a, 4);
    u->note = store_row_text(r, a, 5);
    u->created_by = store_row_i0(r, 6);
    u->created_ms = store_col_int(r, 7);
}

int store_expert_unavail_insert(struct store_tx *tx, const struct expert_unavail *u, int64_t *id)
{
    struct store_param p[] = {SP_I(u->expert_id), SP_I(u->from_ms), SP_I(u->to_ms),
                              SP_T(u->kind),      SP_T(u->note),    opt_i(u->created_by),
                              SP_I(u->created_ms)};
    return store_query_int(tx,
                           "INSERT INTO expert_unavailability (expert_id, from_ms, to_ms, kind,"
                           " note, created_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                           " RETURNING id",
                           p, 7, id);
}

int store_expert_unavail_delete(struct store_tx *tx, int64_t expert_id, int64_t id)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_I(expert_id), SP_I(id)};
    int rc = store_exec(tx, "DELETE FROM expert_unavailability WHERE expert_id = $1 AND id = $2", p,
                        2, &changes);
    return rc == STORE_OK && changes == 0 ? STORE_NOTFOUND : rc;
}

int store_expert_unavail_list(struct store_tx *tx, struct arena *a, int64_t expert_id, int max,
                              struct page *out)
{
    struct store_param p[] = {SP_I(expert_id)};
    return store_query_page(
        tx, a,
        "SELECT id, expert_id, from_ms, to_ms, kind, note, created_by, created_ms"
        " FROM expert_unavailability WHERE expert_id = $1"
        " ORDER BY from_ms DESC, id DESC",
        p, 1, sizeof(struct expert_unavail), max, unavail_fill, out);
}

int store_expert_unavail_set(struct store_tx *tx, int64_t expert_id, const struct expert_unavail *u,
                             int n, int64_t now_ms)
{
    struct store_param d[] = {SP_I(expert_id)};
    int64_t id;
    int rc = store_exec(tx, "DELETE FROM expert_unavailability WHERE expert_id = $1", d, 1, NULL);
    for (int i = 0; i < n && rc == STORE_OK; i++) {
        struct expert_unavail x = u[i];
        x.expert_id = expert_id;
        x.created_ms = now_ms;
        rc = store_expert_unavail_insert(tx, &x, &id);
    }
    return rc;
}

static void credit_fill(struct store_rows *r, struct arena *a, void *item)
{
    struct expert_credit *c = item;
    c->id = store_col_int(r, 0);
    c->expert_id = store_col_int(r, 1);
    c->at_ms = store_col_int(r, 2);
    c->kind = store_row_text(r, a, 3);
    c->points = store_col_int(r, 4);
    c->note = store_row_text(r, a, 5);
    c->tender_id = store_row_i0(r, 6);
    c->by_user = store_row_i0(r, 7);
    c->created_ms = store_col_int(r, 8);
}

int store_expert_credit_insert(struct store_tx *tx, const struct expert_credit *c, int64_t *id)
{
    struct store_param p[] = {SP_I(c->expert_id), SP_I(c->at_ms),     SP_T(c->kind),
                              SP_I(c->points),    SP_T(c->note),      opt_i(c->tender_id),
                              opt_i(c->by_user),  SP_I(c->created_ms)};
    return store_query_int(tx,
                           "INSERT INTO expert_credit (expert_id, at_ms, kind, points, note,"
                           " tender_id, by_user, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                           " $8) RETURNING id",
                           p, 8, id);
}

int store_expert_credit_list(struct store_tx *tx, struct arena *a, int64_t expert_id,
                             int64_t before_id, int limit, struct page *out)
{
    struct store_param p[] = {SP_I(expert_id), SP_I(before_id), SP_I(limit + 1)};
    return store_query_page(tx, a,
                            "SELECT id, expert_id, at_ms, kind, points, note, tender_id, by_user,"
                            " created_ms FROM expert_credit WHERE expert_id = $1"
                            " AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3",
                            p, 3, sizeof(struct expert_credit), limit, credit_fill, out);
}

int store_expert_credit_points(struct store_tx *tx, int64_t expert_id, int64_t *points)
{
    struct store_param p[] = {SP_I(expert_id)};
    return store_query_int(tx,
                           "SELECT COALESCE(SUM(points), 0) FROM expert_credit"
                           " WHERE expert_id = $1",
                           p, 1, points);
}

int store_expert_relations_scan(struct store_tx *tx, expert_relation_fn fn, void *ctx)
{
    struct store_rows *r = NULL;
    int rc = store_query(tx,
                         "SELECT id, expert_id, kind, org_uscc, org_name, until_ms, note"
                         " FROM expert_relations ORDER BY expert_id, id",
                         NULL, 0, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        struct expert_relation x;
        x.id = store_col_int(r, 0);
        x.expert_id = store_col_int(r, 1);
        x.kind = store_col_text(r, 2, NULL);
        x.org_uscc = store_col_text(r, 3, NULL);
        x.org_name = store_col_text(r, 4, NULL);
        x.until_ms = store_row_i0(r, 5);
        x.note = store_col_text(r, 6, NULL);
        int stop = fn(ctx, &x);
        if (stop != 0) {
            store_rows_free(r);
            return stop;
        }
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_expert_unavail_scan(struct store_tx *tx, expert_unavail_fn fn, void *ctx)
{
    struct store_rows *r = NULL;
    int rc = store_query(tx,
                         "SELECT id, expert_id, from_ms, to_ms, kind, note, created_by, created_ms"
                         " FROM expert_unavailability ORDER BY expert_id, from_ms, id",
                         NULL, 0, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        struct expert_unavail u;
        u.id = store_col_int(r, 0);
        u.expert_id = store_col_int(r, 1);
        u.from_ms = store_col_int(r, 2);
        u.to_ms = store_col_int(r, 3);
        u.kind = store_col_text(r, 4, NULL);
        u.note = store_col_text(r, 5, NULL);
        u.created_by = store_row_i0(r, 6);
        u.created_ms = store_col_int(r, 7);
        int stop = fn(ctx, &u);
        if (stop != 0) {
            store_rows_free(r);
            return stop;
        }
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_expert_setting_get(struct store_tx *tx, const char *key, int64_t *value)
{
    struct store_param p[] = {SP_T(key)};
    return store_query_int(tx, "SELECT value FROM expert_settings WHERE key = $1", p, 1, value);
}

int store_expert_setting_set(struct store_tx *tx, const char *key, int64_t value, int64_t by,
                             int64_t now_ms)
{
    struct store_param p[] = {SP_T(key), SP_I(value), opt_i(by), SP_I(now_ms)};
    return store_exec(tx,
                      "INSERT INTO expert_settings (key, value, updated_by, updated_ms)"
                      " VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET"
                      " value = excluded.value, updated_by = excluded.updated_by,"
                      " updated_ms = excluded.updated_ms",
                      p, 4, NULL);
}

/* ---- the pool as the draw reads it ---- */

int store_pool_scan(struct store_tx *tx, int64_t only_id, pool_row_fn fn, void *ctx)
{
    struct store_rows *r = NULL;
    struct store_param p[] = {SP_I(only_id)};
    int rc = store_query(tx,
                         "SELECT id, region, status, employer, employer_uscc FROM experts"
                         " WHERE ($1 = 0 OR id = $1) ORDER BY id",
                         p, 1, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        struct pool_row row;
        row.id = store_col_int(r, 0);
        row.region = store_col_text(r, 1, NULL);
        row.status = store_col_text(r, 2, NULL);
        row.employer = store_col_text(r, 3, NULL);
        row.employer_uscc = store_col_text(r, 4, NULL);
        int stop = fn(ctx, &row);
        if (stop != 0) {
            store_rows_free(r);
            return stop;
        }
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

static int pairs(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
                 pool_pair_fn fn, void *ctx)
{
    struct store_rows *r = NULL;
    int rc = store_query(tx, sql, p, np, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        int stop =
            fn(ctx, store_col_int(r, 0), store_col_text(r, 1, NULL), store_col_text(r, 2, NULL));
        if (stop != 0) {
            store_rows_free(r);
            return stop;
        }
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

static int ids(struct store_tx *tx, const char *sql, const struct store_param *p, int np,
               pool_id_fn fn, void *ctx)
{
    struct store_rows *r = NULL;
    int rc = store_query(tx, sql, p, np, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        int stop = fn(ctx, store_col_int(r, 0), store_col_int(r, 1));
        if (stop != 0) {
            store_rows_free(r);
            return stop;
        }
    }
    store_rows_free(r);
    return rc < 0 ? -rc : STORE_OK;
}

int store_pool_specs(struct store_tx *tx, int64_t only_id, pool_pair_fn fn, void *ctx)
{
    struct store_param p[] = {SP_I(only_id)};
    return pairs(tx,
                 "SELECT expert_id, code, NULL FROM expert_specialty_links"
                 " WHERE ($1 = 0 OR expert_id = $1) ORDER BY expert_id, code",
                 p, 1, fn, ctx);
}

int store_pool_relations(struct store_tx *tx, int64_t only_id, int64_t now_ms, pool_pair_fn fn,
                         void *ctx)
{
    struct store_param p[] = {SP_I(only_id), SP_I(now_ms)};
    return pairs(tx,
                 "SELECT expert_id, org_uscc, org_name FROM expert_relations"
                 " WHERE ($1 = 0 OR expert_id = $1) AND (until_ms IS NULL OR until_ms >= $2)"
                 " ORDER BY expert_id, id",
                 p, 2, fn, ctx);
}

int store_pool_credit_sums(struct store_tx *tx, pool_id_fn fn, void *ctx)
{
    return ids(tx,
               "SELECT expert_id, SUM(points) FROM expert_credit GROUP BY expert_id"
               " ORDER BY expert_id",
               NULL, 0, fn, ctx);
}

int store_pool_unavailable(struct store_tx *tx, int64_t only_id, int64_t from_ms, int64_t to_ms,
                           pool_id_fn fn, void *ctx)
{
    struct store_param p[] = {SP_I(only_id), SP_I(from_ms), SP_I(to_ms)};
    return ids(tx,
               "SELECT DISTINCT expert_id, 1 FROM expert_unavailability"
               " WHERE ($1 = 0 OR expert_id = $1) AND from_ms < $3 AND to_ms > $2"
               " ORDER BY expert_id",
               p, 3, fn, ctx);
}

int store_pool_recent_draws(struct store_tx *tx, int64_t only_id, int64_t since_ms, pool_id_fn fn,
                            void *ctx)
{
    struct store_param p[] = {SP_I(only_id), SP_I(since_ms)};
    return ids(tx,
               "SELECT expert_id, count(*) FROM draw_members"
               " WHERE ($1 = 0 OR expert_id = $1) AND notified_ms IS NOT NULL"
               " AND notified_ms >= $2 GROUP BY expert_id ORDER BY expert_id",
               p, 2, fn, ctx);
}

int store_pool_in_tender(struct store_tx *tx, int64_t only_id, int64_t tender_id, int64_t draw_id,
                         pool_id_fn fn, void *ctx)
{
    struct store_param p[] = {SP_I(only_id), SP_I(tender_id), SP_I(draw_id)};
    return ids(tx,
               "SELECT DISTINCT m.expert_id, 1 FROM draw_members m JOIN draws d ON d.id = m.draw_id"
               " WHERE ($1 = 0 OR m.expert_id = $1) AND d.tender_id = $2 AND d.id <> $3"
               " AND d.state <> 'cancelled' AND m.status <> 'skipped' ORDER BY m.expert_id",
               p, 3, fn, ctx);
}

int store_pool_account_employees(struct store_tx *tx, int64_t only_id, int64_t tender_id,
                                 pool_id_fn fn, void *ctx)
{
    struct store_param p[] = {SP_I(only_id), SP_I(tender_id)};
    return ids(tx,
               "SELECT e.id, 1 FROM experts e JOIN users u ON u.id = e.user_id"
               " WHERE ($1 = 0 OR e.id = $1) AND u.org_id IN ("
               "  SELECT owner_org_id FROM tenders WHERE id = $2"
               "  UNION SELECT agent_org_id FROM tenders WHERE id = $2"
               "  UNION SELECT org_id FROM tender_registrations WHERE tender_id = $2"
               "  UNION SELECT org_id FROM bids WHERE tender_id = $2)"
               " ORDER BY e.id",
               p, 2, fn, ctx);
}

int store_tender_parties(struct store_tx *tx, int64_t tender_id, pool_pair_fn fn, void *ctx)
{
    struct store_param p[] = {SP_I(tender_id)};
    return pairs(tx,
                 "SELECT o.id, o.uscc, o.name FROM orgs o WHERE o.id IN ("
                 "  SELECT owner_org_id FROM tenders WHERE id = $1"
                 "  UNION SELECT agent_org_id FROM tenders WHERE id = $1"
                 "  UNION SELECT org_id FROM tender_registrations WHERE tender_id = $1"
                 "  UNION SELECT org_id FROM bids WHERE tender_id = $1)"
                 " ORDER BY o.id",
                 p, 1, fn, ctx);
}
