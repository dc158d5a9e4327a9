/*
 * store/workcal.c — the SQL of the working-day calendar (store/workcal.h).
 * Upsert is INSERT ... ON CONFLICT (date) DO UPDATE, spoken alike by
 * SQLite (3.24+) and PostgreSQL.
 */
#include "store/workcal.h"

#include <string.h>

static void copy_text(struct store_rows *r, int col, char *out, size_t cap)
{
    size_t len = 0;
    const char *s = store_col_text(r, col, &len);
    if (!s)
        len = 0;
    if (len >= cap)
        len = cap - 1; /* the CHECKs keep stored values within cap */
    if (len)
        memcpy(out, s, len);
    out[len] = '\0';
}

int store_workcal_days(struct store_tx *tx, const char *from, const char *to,
                       struct workcal_row *rows, int max, int *n)
{
    struct store_param p[] = {SP_T(from), SP_T(to)};
    struct store_rows *r = NULL;
    int rc, k = 0;
    *n = 0;
    rc = store_query(tx,
                     "SELECT date, kind, name, set_by, set_ms FROM calendar_days"
                     " WHERE date >= $1 AND date <= $2 ORDER BY date",
                     p, 2, &r);
    if (rc != STORE_OK)
        return rc;
    while ((rc = store_rows_next(r)) == 1) {
        if (k >= max) {
            rc = -STORE_TOOBIG;
            break;
        }
        struct workcal_row *w = &rows[k++];
        char kind[16];
        copy_text(r, 0, w->date, sizeof w->date);
        copy_text(r, 1, kind, sizeof kind);
        w->kind = strcmp(kind, "workday") == 0 ? 'w' : 'h';
        copy_text(r, 2, w->name, sizeof w->name);
        w->set_by = store_col_null(r, 3) ? 0 : store_col_int(r, 3);
        w->set_ms = store_col_int(r, 4);
    }
    store_rows_free(r);
    if (rc < 0)
        return -rc;
    *n = k;
    return STORE_OK;
}

static int log_change(struct store_tx *tx, const char *date, const char *kind, const char *name,
                      int64_t by, int64_t at_ms, const char *source)
{
    struct store_param p[] = {SP_T(date),  SP_T(kind),  SP_T(name), by > 0 ? SP_I(by) : SP_NUL,
                              SP_I(at_ms), SP_T(source)};
    return store_exec(tx,
                      "INSERT INTO calendar_changes (date, kind, name, set_by, set_ms, source)"
                      " VALUES ($1, $2, $3, $4, $5, $6)",
                      p, 6, NULL);
}

int store_workcal_set(struct store_tx *tx, const struct workcal_row *r, const char *source)
{
    const char *kind = r->kind == 'w' ? "workday" : "holiday";
    struct store_param p[] = {SP_T(r->date), SP_T(kind), SP_T(r->name),
                              r->set_by > 0 ? SP_I(r->set_by) : SP_NUL, SP_I(r->set_ms)};
    int rc = store_exec(tx,
                        "INSERT INTO calendar_days (date, kind, name, set_by, set_ms)"
                        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (date) DO UPDATE SET"
                        " kind = excluded.kind, name = excluded.name, set_by = excluded.set_by,"
                        " set_ms = excluded.set_ms",
                        p, 5, NULL);
    if (rc == STORE_OK)
        rc = log_change(tx, r->date, kind, r->name, r->set_by, r->set_ms, source);
    return rc;
}

int store_workcal_delete(struct store_tx *tx, const char *date, int64_t by, int64_t at_ms)
{
    int64_t changes = 0;
    struct store_param p[] = {SP_T(date)};
    int rc = store_exec(tx, "DELETE FROM calendar_days WHERE date = $1", p, 1, &changes);
    if (rc == STORE_OK && changes == 0)
        rc = STORE_NOTFOUND;
    if (rc == STORE_OK)
        rc = log_change(tx, date, NULL, NULL, by, at_ms, "delete");
    return rc;
}

int store_workcal_changes(struct store_tx *tx, const char *date, int64_t *n)
{
    struct store_param p[] = {SP_T(date)};
    return store_query_int(tx, "SELECT COUNT(*) FROM calendar_changes WHERE date = $1", p, 1, n);
}
