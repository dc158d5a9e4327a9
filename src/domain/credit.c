/*
 * domain/credit.c — credit and supervision records (domain/credit.h).
 *
 * An import is read whole (sheet/), every row checked, then written in one
 * transaction: all rows or none. The tender view reads the hall's bids,
 * takes each organisation once, and asks for its records at the deadline.
 *
 * Threads: any; no shared state.
 */
#include "domain/credit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/roles.h"
#include "domain/boq.h"
#include "domain/expert.h"
#include "domain/opening.h"
#include "domain/uscc.h"
#include "ledger/ledger.h"
#include "sheet/sheet.h"

static const struct {
    const char *kind;
    const char *names[4];
} kinds[] = {
    {"penalty", {"行政处罚", "行政處罰", NULL}},
    {"bad", {"不良行为", "不良行為", "不良行为记录", NULL}},
    {"good", {"良好行为", "良好行為", "良好行为记录", NULL}},
    {"dishonest", {"失信", "失信被执行人", "严重失信主体", NULL}},
    {"other", {"其他", "其它", NULL}},
};

const char *credit_kind_parse(const char *s)
{
    if (s == NULL)
        return NULL;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (strcmp(s, kinds[k].kind) == 0)
            return kinds[k].kind;
        for (int i = 0; kinds[k].names[i] != NULL; i++)
            if (strcmp(s, kinds[k].names[i]) == 0)
                return kinds[k].kind;
    }
    return NULL;
}

static enum err refuse(struct credit_refusal *why, const char *field, const char *detail)
{
    why->field = field;
    snprintf(why->detail, sizeof why->detail, "%s", detail);
    return why->row > 0 ? ERR_IMPORT_ROW_INVALID : ERR_INVALID_FIELD;
}

static bool text_ok(const char *s, size_t max, bool required)
{
    if (s == NULL || s[0] == '\0')
        return !required;
    size_t n = strlen(s);
    if (n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
            return false;
    return true;
}

/* Checks in and fills r (uscc normalised into norm). */
static enum err check(const struct credit_input *in, struct credit_record *r,
                      char norm[USCC_LEN + 1], struct credit_refusal *why)
{
    memset(r, 0, sizeof(*r));
    if (in->org_uscc == NULL || !uscc_valid(in->org_uscc, norm))
        return refuse(why, "org_uscc", "not a valid unified social credit code");
    if (!text_ok(in->org_name, CREDIT_SHORT_MAX, true))
        return refuse(why, "org_name", "required, at most 600 bytes");
    if (!text_ok(in->source, CREDIT_SHORT_MAX, true))
        return refuse(why, "source", "required, at most 600 bytes");
    r->kind = credit_kind_parse(in->kind);
    if (r->kind == NULL)
        return refuse(why, "kind", "penalty, bad, good, dishonest or other");
    if (!text_ok(in->ref, CREDIT_SHORT_MAX, false))
        return refuse(why, "ref", "at most 600 bytes");
    if (!text_ok(in->body, CREDIT_TEXT_MAX, true))
        return refuse(why, "text", "required, at most 8000 bytes");
    if (in->record_ms <= 0)
        return refuse(why, "date", "required, YYYY-MM-DD");
    if (in->expires_ms != 0 && in->expires_ms <= in->record_ms)
        return refuse(why, "expires", "after the record's date");
    r->org_uscc = norm;
    r->org_name = in->org_name;
    r->source = in->source;
    r->ref = in->ref != NULL && in->ref[0] != '\0' ? in->ref : NULL;
    r->record_ms = in->record_ms;
    r->expires_ms = in->expires_ms;
    r->body = in->body;
    return ERR_OK;
}

static bool may_write(const struct tender_caller *c)
{
    return (c->roles & (ROLE_SUPERVISOR | ROLE_ADMIN)) != 0 || c->system;
}

struct add_job {
    const struct tender_caller *c;
    struct credit_record *rows;
    int n;
    bool import;
    int64_t first_id;
};

static enum err add_tx(struct store_tx *tx, void *arg)
{
    struct add_job *j = arg;
    int64_t now = clock_now_ms(), id = 0;
    char detail[96];
    int rc = STORE_OK;
    for (int i = 0; i < j->n && rc == STORE_OK; i++) {
        j->rows[i].created_by = j->c->who.user_id;
        j->rows[i].created_ms = now;
        rc = store_credit_insert(tx, &j->rows[i], &id);
        if (i == 0)
            j->first_id = id;
    }
    const char *type = j->import ? "credit.import" : "credit.add";
    snprintf(detail, sizeof detail, "{\"records\":%d,\"first_id\":%lld}", j->n,
             (long long)j->first_id);
    if (rc == STORE_OK)
        rc = audit_record(tx, &j->c->who, type, "credit", j->first_id, detail);
    if (rc == STORE_OK) {
        struct ledger_event ev = {.type = type,
                                  .subject_type = "credit",
                                  .subject_id = j->first_id,
                                  .actor_id = j->c->who.user_id,
                                  .actor_name = j->c->who.name ? j->c->who.name : "system"};
        rc = ledger_append(tx, &ev);
    }
    return domain_store_err(rc);
}

enum err credit_add(struct store *s, const struct tender_caller *c, const struct credit_input *in,
                    int64_t *id, struct credit_refusal *why)
{
    struct credit_record r;
    char norm[USCC_LEN + 1];
    memset(why, 0, sizeof(*why));
    if (!may_write(c))
        return ERR_FORBIDDEN;
    enum err e = check(in, &r, norm, why);
    if (e != ERR_OK)
        return e;
    struct add_job j = {c, &r, 1, false, 0};
    e = domain_write(s, add_tx, &j);
    if (e == ERR_OK)
        *id = j.first_id;
    return e;
}

/* ---- import ---- */

enum col { C_USCC, C_NAME, C_SOURCE, C_KIND, C_REF, C_DATE, C_EXPIRES, C_TEXT, C__N };

static const struct {
    const char *field;
    const char *names[4];
    bool required;
} cols[C__N] = {
    {"org_uscc", {"org_uscc", "统一社会信用代码", "統一社會信用代碼", NULL}, true},
    {"org_name", {"org_name", "单位名称", "單位名稱", NULL}, true},
    {"source", {"source", "来源", "來源", NULL}, true},
    {"kind", {"kind", "类别", "類別", NULL}, true},
    {"ref", {"ref", "文号", "文號", NULL}, false},
    {"date", {"date", "日期", "认定日期", NULL}, true},
    {"expires", {"expires", "有效期至", "失效日期", NULL}, false},
    {"text", {"text", "内容", "內容", NULL}, true},
};

static int header_col(const char *cell)
{
    for (int k = 0; k < C__N; k++)
        for (int i = 0; cols[k].names[i] != NULL; i++)
            if (strcmp(cell, cols[k].names[i]) == 0)
                return k;
    return -1;
}

static const char *cell(const struct sheet *sh, size_t row, const int *at, int k)
{
    return at[k] < 0 ? "" : sheet_unguard(sheet_cell(sh, row, (size_t)at[k]));
}

static bool day(const char *s, int64_t *ms)
{
    *ms = 0;
    return s[0] == '\0' || expert_parse_day(s, strlen(s), ms);
}

void credit_rows_release(struct credit_rows *r)
{
    free(r->rows);
    free(r->norms);
    sheet_release(&r->sheet);
    r->rows = NULL;
    r->norms = NULL;
    r->n = 0;
}

enum err credit_rows_read(struct credit_rows *out, const void *data, size_t len,
                          struct credit_refusal *why)
{
    struct sheet *sh = &out->sheet;
    struct sheet_error se;
    int at[C__N];
    memset(why, 0, sizeof(*why));
    out->rows = NULL;
    out->norms = NULL;
    out->n = 0;
    sheet_init(sh);
    if (sheet_read(sh, data, len, NULL, &se) != SHEET_OK) {
        snprintf(why->detail, sizeof why->detail, "%s", se.msg);
        why->row = (int64_t)se.row;
        return ERR_SPREADSHEET_INVALID;
    }
    if (sh->nrows < 1) {
        snprintf(why->detail, sizeof why->detail, "the sheet is empty");
        return ERR_SPREADSHEET_INVALID;
    }
    for (int k = 0; k < C__N; k++)
        at[k] = -1;
    for (size_t i = 0; i < sh->rows[0].ncells; i++) {
        int k = header_col(sheet_unguard(sh->rows[0].cells[i]));
        if (k >= 0 && at[k] < 0)
            at[k] = (int)i;
    }
    for (int k = 0; k < C__N; k++) {
        if (cols[k].required && at[k] < 0) {
            why->field = cols[k].field;
            snprintf(why->detail, sizeof why->detail, "no column %s", cols[k].field);
            return ERR_SPREADSHEET_INVALID;
        }
    }
    size_t nr = sh->nrows - 1;
    if (nr == 0 || nr > CREDIT_IMPORT_ROWS) {
        snprintf(why->detail, sizeof why->detail, "1 to %d rows", CREDIT_IMPORT_ROWS);
        return ERR_SPREADSHEET_INVALID;
    }
    out->rows = calloc(nr, sizeof(*out->rows));
    out->norms = calloc(nr, sizeof(*out->norms));
    if (out->rows == NULL || out->norms == NULL)
        return ERR_INTERNAL;
    for (size_t r = 1; r < sh->nrows; r++) {
        struct credit_input in = {0};
        why->row = (int64_t)sh->rows[r].line;
        in.org_uscc = cell(sh, r, at, C_USCC);
        in.org_name = cell(sh, r, at, C_NAME);
        in.source = cell(sh, r, at, C_SOURCE);
        in.kind = cell(sh, r, at, C_KIND);
        in.ref = cell(sh, r, at, C_REF);
        in.body = cell(sh, r, at, C_TEXT);
        if (!day(cell(sh, r, at, C_DATE), &in.record_ms) || in.record_ms == 0)
            return refuse(why, "date", "YYYY-MM-DD");
        if (!day(cell(sh, r, at, C_EXPIRES), &in.expires_ms))
            return refuse(why, "expires", "YYYY-MM-DD or empty");
        enum err e = check(&in, &out->rows[r - 1], out->norms[r - 1], why);
        if (e != ERR_OK)
            return e;
    }
    why->row = 0;
    out->n = nr;
    return ERR_OK;
}

enum err credit_import(struct store *s, const struct tender_caller *c, const void *data, size_t len,
                       int64_t *n, struct credit_refusal *why)
{
    struct credit_rows rows;
    memset(why, 0, sizeof(*why));
    *n = 0;
    if (!may_write(c))
        return ERR_FORBIDDEN;
    enum err e = credit_rows_read(&rows, data, len, why);
    if (e == ERR_OK) {
        struct add_job j = {c, rows.rows, (int)rows.n, true, 0};
        e = domain_write(s, add_tx, &j);
        if (e == ERR_OK)
            *n = (int64_t)rows.n;
    }
    credit_rows_release(&rows);
    return e;
}

/* ---- reading ---- */

static void write_day(struct jsonw *w, const char *key, int64_t ms)
{
    jsonw_key(w, key);
    if (ms == 0) {
        jsonw_null(w);
        return;
    }
    jsonw_int(w, ms);
}

static void write_record(struct jsonw *w, const struct credit_record *r, bool org)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", r->id);
    if (org) {
        jsonw_kstr(w, "org_uscc", r->org_uscc);
        jsonw_kstr(w, "org_name", r->org_name);
    }
    jsonw_kstr(w, "source", r->source);
    jsonw_kstr(w, "kind", r->kind);
    jsonw_kstr(w, "ref", r->ref);
    write_day(w, "record_ms", r->record_ms);
    write_day(w, "expires_ms", r->expires_ms);
    jsonw_kstr(w, "text", r->body);
    jsonw_kint(w, "created_ms", r->created_ms);
    jsonw_obj_end(w);
}

enum err credit_list_json(struct store *s, const struct tender_caller *c, const char *uscc,
                          int64_t before_id, int limit, struct buf *out)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct page pg;
    char norm[USCC_LEN + 1];
    if (!may_write(c))
        return ERR_FORBIDDEN;
    if (uscc != NULL && !uscc_valid(uscc, norm))
        return ERR_INVALID_USCC;
    arena_init(&a, 0);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_credit_list(tx, &a, uscc ? norm : NULL, before_id, limit, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        arena_release(&a);
        return domain_store_err(rc);
    }
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++)
        write_record(&w, (const struct credit_record *)pg.items + i, true);
    jsonw_arr_end(&w);
    jsonw_key(&w, "next_cursor");
    if (pg.more && pg.n > 0) {
        char cur[32];
        snprintf(cur, sizeof cur, "%lld",
                 (long long)((const struct credit_record *)pg.items)[pg.n - 1].id);
        jsonw_str(&w, cur);
    } else {
        jsonw_null(&w);
    }
    jsonw_obj_end(&w);
    arena_release(&a);
    return jsonw_finish(&w) == 0 ? ERR_OK : ERR_INTERNAL;
}

enum err credit_tender_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            struct buf *out)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct tender t;
    struct opening_hall h;
    struct page bids;
    struct jsonw w;
    enum err e;
    arena_init(&a, 0);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK) {
        arena_release(&a);
        return domain_store_err(rc);
    }
    rc = store_tender_get(tx, &a, tender_id, &t);
    e = domain_store_err(rc);
    if (e == ERR_OK)
        e = boq_reader_check(tx, &a, c, &t);
    if (e == ERR_OK) {
        rc = store_opening_hall_get(tx, &a, tender_id, &h);
        e = rc == STORE_NOTFOUND ? ERR_WRONG_STATE : domain_store_err(rc);
    }
    if (e == ERR_OK)
        e = domain_store_err(store_opening_bid_list(tx, &a, tender_id, OPENING_BIDS_MAX, &bids));
    if (e != ERR_OK)
        goto out;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", tender_id);
    jsonw_kint(&w, "at_ms", t.bid_deadline_ms);
    jsonw_key(&w, "bidders");
    jsonw_arr_begin(&w);
    const struct opening_bid *ob = bids.items;
    for (int i = 0; i < bids.n && e == ERR_OK; i++) {
        bool seen = false;
        for (int k = 0; k < i && !seen; k++)
            seen = ob[k].org_id == ob[i].org_id;
        if (seen)
            continue;
        struct org o;
        struct page recs;
        rc = store_org_get(tx, &a, ob[i].org_id, &o);
        if (rc == STORE_OK)
            rc =
                store_credit_valid_at(tx, &a, o.uscc, t.bid_deadline_ms, CREDIT_PER_ORG_MAX, &recs);
        if (rc != STORE_OK) {
            e = domain_store_err(rc);
            break;
        }
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "org_id", o.id);
        jsonw_kstr(&w, "org_name", o.name);
        jsonw_kstr(&w, "uscc", o.uscc);
        jsonw_key(&w, "records");
        jsonw_arr_begin(&w);
        for (int k = 0; k < recs.n; k++)
            write_record(&w, (const struct credit_record *)recs.items + k, false);
        jsonw_arr_end(&w);
        jsonw_kbool(&w, "more", recs.more);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    if (e == ERR_OK && jsonw_finish(&w) != 0)
        e = ERR_INTERNAL;
out:
    store_rollback(tx);
    arena_release(&a);
    return e;
}
