/*
 * domain/expert_import.c — the spreadsheet import and export of the expert
 * pool (expert.h: expert_import, expert_import_rows, expert_export), split
 * from domain/expert.c, whose validation and writes (expert_internal.h)
 * every imported row goes through.
 *
 * An import parses the whole file first (sheet.h), turns each row into a
 * struct expert_input in an arena, validates every row, and only then opens
 * the write transaction; a bad row stops it all.
 *
 * The import's columns are found by header name (docs/experts.md), English
 * or Chinese, in any order; an unknown column is refused, so a misspelt one
 * is not silently dropped. List cells:
 *   specialties  codes separated by ; , 、 ， or blanks
 *   relations    kind:USCC:name entries separated by ; (USCC may be empty)
 *   unavailable  YYYY-MM-DD..YYYY-MM-DD:kind or YYYY-MM-DD:kind, separated
 *                by ; (Beijing-time days, the last one included)
 *
 * Threads: any; no shared state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/roles.h"
#include "base/utf8.h"
#include "crypto/random.h"
#include "domain/expert.h"
#include "domain/expert_internal.h"
#include "domain/uscc.h"
#include "ledger/ledger.h"
#include "sheet/sheet.h"

#define EXPORT_PAGE 500

/* ---- the import ---- */

enum col {
    C_CODE,
    C_NAME,
    C_REGION,
    C_EMPLOYER,
    C_USCC,
    C_TITLE,
    C_LEVEL,
    C_YEARS,
    C_SPECS,
    C_PHONE,
    C_EMAIL,
    C_USERNAME,
    C_STATUS,
    C_RELATIONS,
    C_UNAVAIL,
    C_NOTE,
    C_POINTS, /* exported, ignored on import */
    C__COUNT
};

static const struct {
    const char *name;
    const char *zh;
} columns[C__COUNT] = {
    {"code", "专家编号"},
    {"name", "姓名"},
    {"region", "地区"},
    {"employer", "工作单位"},
    {"employer_uscc", "单位统一社会信用代码"},
    {"title", "职称"},
    {"title_level", "职称级别"},
    {"years", "从业年限"},
    {"specialties", "评标专业"},
    {"phone", "电话"},
    {"email", "电子邮箱"},
    {"username", "账号"},
    {"status", "状态"},
    {"relations", "回避关系"},
    {"unavailable", "不可抽取日期"},
    {"note", "备注"},
    {"credit_points", "信用分"},
};

/* Trims blanks (and a BOM) around a header cell and finds its column. */
static int column_of(const char *h)
{
    size_t n = strlen(h);
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    while (n > 0 && (*h == ' ' || *h == '\t')) {
        h++;
        n--;
    }
    for (int i = 0; i < C__COUNT; i++)
        if ((strlen(columns[i].name) == n && strncasecmp(h, columns[i].name, n) == 0) ||
            (strlen(columns[i].zh) == n && memcmp(h, columns[i].zh, n) == 0))
            return i;
    return -1;
}

/* Splits s at any of the separators (ASCII ; , blank, and 、 ，) into
 * arena strings; false past max. */
static bool split_list(struct arena *a, const char *s, const char **out, int max, int *n,
                       bool blanks)
{
    *n = 0;
    while (*s) {
        size_t skip = 0;
        if (*s == ';' || *s == ',' || (blanks && (*s == ' ' || *s == '\t')))
            skip = 1;
        else if (strncmp(s, "、", 3) == 0 || strncmp(s, "，", 3) == 0 || strncmp(s, "；", 3) == 0)
            skip = 3;
        if (skip) {
            s += skip;
            continue;
        }
        size_t len = 0;
        while (s[len] && s[len] != ';' && s[len] != ',' &&
               !(blanks && (s[len] == ' ' || s[len] == '\t')) && strncmp(s + len, "、", 3) != 0 &&
               strncmp(s + len, "，", 3) != 0 && strncmp(s + len, "；", 3) != 0)
            len++;
        if (*n == max)
            return false;
        out[(*n)++] = arena_strndup(a, s, len);
        s += len;
    }
    return true;
}

/* kind:USCC:name entries separated by ';'. */
static bool parse_relations(struct arena *a, const char *cell, struct expert_input *in)
{
    const char *parts[EXPERT_RELATIONS_MAX + 1];
    int n = 0;
    in->has_relations = true;
    in->nrel = 0;
    while (*cell) {
        const char *end = strchr(cell, ';');
        size_t len = end ? (size_t)(end - cell) : strlen(cell);
        if (len > 0) {
            if (n == EXPERT_RELATIONS_MAX)
                return false;
            parts[n++] = arena_strndup(a, cell, len);
        }
        cell += len + (end ? 1 : 0);
    }
    for (int i = 0; i < n; i++) {
        char *p = (char *)(uintptr_t)parts[i];
        char *c1 = strchr(p, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c1 == NULL || c2 == NULL)
            return false;
        *c1 = '\0';
        *c2 = '\0';
        struct expert_relation_in *r = &in->rel[in->nrel++];
        memset(r, 0, sizeof(*r));
        r->kind = p;
        r->org_uscc = c1 + 1;
        r->org_name = c2 + 1;
        while (*r->org_name == ' ')
            r->org_name++;
    }
    return true;
}

/* Day ranges: "D..D:kind" or "D:kind" separated by ';'. */
static bool parse_unavail(const char *cell, struct expert_input *in)
{
    in->has_unavail = true;
    in->nun = 0;
    while (*cell) {
        while (*cell == ' ' || *cell == ';')
            cell++;
        if (*cell == '\0')
            break;
        const char *end = strchr(cell, ';');
        size_t len = end ? (size_t)(end - cell) : strlen(cell);
        const char *colon = memchr(cell, ':', len);
        const char *dots = memchr(cell, '.', len);
        int64_t from, last;
        if (colon == NULL || in->nun == EXPERT_UNAVAIL_MAX)
            return false;
        size_t dl = (size_t)(colon - cell);
        if (dots != NULL && dots < colon) {
            if (dots[1] != '.' || !expert_parse_day(cell, (size_t)(dots - cell), &from) ||
                !expert_parse_day(dots + 2, (size_t)(colon - dots - 2), &last))
                return false;
        } else if (!expert_parse_day(cell, dl, &from)) {
            return false;
        } else {
            last = from;
        }
        struct expert_unavail_in *u = &in->un[in->nun++];
        memset(u, 0, sizeof(*u));
        u->from_ms = from;
        u->to_ms = last + EXPERT_DAY_MS;
        size_t kl = len - dl - 1;
        u->kind = strncmp(colon + 1, "leave", kl) == 0 && kl == 5     ? "leave"
                  : strncmp(colon + 1, "blocked", kl) == 0 && kl == 7 ? "blocked"
                  : kl == 6 && strncmp(colon + 1, "请假", kl) == 0    ? "leave"
                  : kl == 6 && strncmp(colon + 1, "回避", kl) == 0    ? "blocked"
                                                                      : "?";
        cell += len;
    }
    return true;
}

static int row_code_cmp(const void *a, const void *b)
{
    const struct expert_import_row *x = *(const struct expert_import_row *const *)a;
    const struct expert_import_row *y = *(const struct expert_import_row *const *)b;
    return strcmp(x->in.code, y->in.code);
}

struct import_job {
    const struct tender_caller *c;
    struct expert_import_row *rows;
    int n;
    char hash[65]; /* of the file */
    struct expert_import_result *res;
    struct expert_refusal *why;
    struct arena a;
};

static enum err import_tx(struct store_tx *tx, void *arg)
{
    struct import_job *j = arg;
    struct specialty_tree tree;
    struct buf detail;
    int64_t now = clock_now_ms();
    j->res->created = j->res->updated = 0;
    int rc = specialty_tree_load(tx, &j->a, &tree);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    struct expert_write *w = arena_alloc(&j->a, sizeof(*w));
    if (w == NULL)
        return ERR_INTERNAL;
    for (int i = 0; i < j->n; i++) {
        struct expert_import_row *r = &j->rows[i];
        memset(w, 0, sizeof(*w));
        rc = store_expert_by_code(tx, &j->a, r->in.code, &w->e);
        if (rc != STORE_OK && rc != STORE_NOTFOUND)
            return domain_store_err(rc);
        bool create = rc == STORE_NOTFOUND;
        if (create)
            memset(&w->e, 0, sizeof(w->e));
        enum err e = expert_input_check(&r->in, create, j->why);
        if (e == ERR_OK)
            e = expert_apply_input(tx, &j->a, &tree, &r->in, w, j->why);
        if (e == ERR_OK)
            e = expert_write_row(tx, j->c, w, now, j->why);
        if (e != ERR_OK) {
            j->why->row = (int64_t)r->line;
            return e;
        }
        if (create)
            j->res->created++;
        else
            j->res->updated++;
    }
    buf_init(&detail, 256);
    buf_printf(&detail, "{\"rows\":%d,\"created\":%d,\"updated\":%d,\"sha256\":\"%s\"}", j->n,
               j->res->created, j->res->updated, j->hash);
    rc = expert_record(tx, j->c, "expert.import", "expert_pool", 1, j->hash, detail.data);
    buf_release(&detail);
    return domain_store_err(rc);
}

/* Reads the file into a sheet and maps its header; ERR_SPREADSHEET_INVALID
 * when it is no table. */
enum err expert_read_table(const void *data, size_t len, size_t max_rows, struct sheet *sh,
                           struct expert_refusal *why)
{
    struct sheet_error serr;
    struct sheet_limits lim = sheet_default_limits;
    lim.max_rows = max_rows + 1;
    if (len > EXPERT_IMPORT_MAX)
        return expert_refuse(why, ERR_BODY_TOO_LARGE, NULL, NULL);
    int rc = sheet_read(sh, data, len, &lim, &serr);
    if (rc == SHEET_ENOMEM)
        return ERR_INTERNAL;
    if (rc != SHEET_OK) {
        why->row = (int64_t)serr.row;
        return expert_refuse(why, ERR_SPREADSHEET_INVALID, NULL, "%s", serr.msg);
    }
    if (sh->nrows == 0)
        return expert_refuse(why, ERR_SPREADSHEET_INVALID, NULL, "the file has no header row");
    return ERR_OK;
}

enum err expert_import_rows(const struct sheet *sh, struct arena *a,
                            struct expert_import_row **rows, int *n, struct expert_refusal *why)
{
    int map[64];
    bool seen[C__COUNT] = {false};
    enum err e = ERR_OK;
    memset(why, 0, sizeof(*why));
    *rows = NULL;
    *n = 0;
    if (sh->nrows == 0)
        return expert_refuse(why, ERR_SPREADSHEET_INVALID, NULL, "the file has no header row");
    /* the header */
    const struct sheet_row *h = &sh->rows[0];
    if (h->ncells > 64) {
        e = expert_refuse(why, ERR_SPREADSHEET_INVALID, NULL, "more than 64 columns");
        goto out;
    }
    for (size_t k = 0; k < h->ncells; k++) {
        map[k] = h->cells[k][0] == '\0' ? -2 : column_of(h->cells[k]);
        if (map[k] == -1 || (map[k] >= 0 && seen[map[k]])) {
            why->row = (int64_t)h->line;
            e = expert_refuse(why, ERR_SPREADSHEET_INVALID, NULL,
                              map[k] == -1 ? "unknown column '%.60s'" : "column '%.60s' repeats",
                              h->cells[k]);
            goto out;
        }
        if (map[k] >= 0)
            seen[map[k]] = true;
    }
    if (!seen[C_CODE]) {
        why->row = (int64_t)h->line;
        e = expert_refuse(why, ERR_SPREADSHEET_INVALID, "code",
                          "the column code (专家编号) is missing");
        goto out;
    }
    /* the rows */
    *n = (int)sh->nrows - 1;
    *rows = arena_calloc(a, (size_t)(*n > 0 ? *n : 1) * sizeof(**rows));
    if (*rows == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    for (int i = 0; i < *n; i++) {
        const struct sheet_row *r = &sh->rows[i + 1];
        struct expert_input *in = &(*rows)[i].in;
        (*rows)[i].line = r->line;
        why->row = (int64_t)r->line;
        for (size_t k = 0; k < h->ncells; k++) {
            const char *v = k < r->ncells ? sheet_unguard(r->cells[k]) : "";
            switch (map[k]) {
            case C_CODE:
                in->code = v;
                break;
            case C_NAME:
                in->name = v[0] ? v : NULL;
                break;
            case C_REGION:
                in->region = v;
                break;
            case C_EMPLOYER:
                in->employer = v[0] ? v : NULL;
                break;
            case C_USCC:
                in->employer_uscc = v;
                break;
            case C_TITLE:
                in->title = v[0] ? v : NULL;
                break;
            case C_LEVEL:
                in->title_level = v[0] ? v : NULL;
                break;
            case C_YEARS: {
                char *end = NULL;
                long long y = strtoll(v, &end, 10);
                if (v[0] == '\0' || end == NULL || (*end != '\0' && strcmp(end, ".0") != 0)) {
                    e = expert_refuse(why, ERR_IMPORT_ROW_INVALID, "years", "not a whole number");
                    goto out;
                }
                in->has_years = true;
                in->years = y;
                break;
            }
            case C_SPECS:
                in->has_specs = true;
                if (!split_list(a, v, in->specs, EXPERT_SPECS_MAX, &in->nspecs, true)) {
                    e = expert_refuse(why, ERR_IMPORT_ROW_INVALID, "specialties", "too many codes");
                    goto out;
                }
                break;
            case C_PHONE:
                in->phone = v;
                break;
            case C_EMAIL:
                in->email = v;
                break;
            case C_USERNAME:
                in->username = v;
                break;
            case C_STATUS:
                in->status = v[0] ? v : NULL;
                break;
            case C_RELATIONS:
                if (!parse_relations(a, v, in)) {
                    e = expert_refuse(why, ERR_IMPORT_ROW_INVALID, "relations",
                                      "entries are kind:USCC:name separated by ;");
                    goto out;
                }
                break;
            case C_UNAVAIL:
                if (!parse_unavail(v, in)) {
                    e = expert_refuse(
                        why, ERR_IMPORT_ROW_INVALID, "unavailable",
                        "entries are YYYY-MM-DD..YYYY-MM-DD:leave|blocked separated by ;");
                    goto out;
                }
                break;
            case C_NOTE:
                in->note = v;
                break;
            default: /* credit_points, blank headers: read-only or nothing */
                break;
            }
        }
        if (in->code == NULL || !expert_code_ok(in->code)) {
            e = expert_refuse(why, ERR_IMPORT_ROW_INVALID, "code", "1-32 of A-Z a-z 0-9 - _");
            goto out;
        }
    }
    /* a code twice in one file: sort the rows' indexes by code */
    {
        const struct expert_import_row **by =
            arena_alloc(a, (size_t)(*n > 0 ? *n : 1) * sizeof(*by));
        if (by == NULL) {
            e = ERR_INTERNAL;
            goto out;
        }
        for (int i = 0; i < *n; i++)
            by[i] = &(*rows)[i];
        qsort(by, (size_t)*n, sizeof(*by), row_code_cmp);
        for (int i = 1; i < *n; i++)
            if (strcmp(by[i - 1]->in.code, by[i]->in.code) == 0) {
                const struct expert_import_row *later =
                    by[i]->line > by[i - 1]->line ? by[i] : by[i - 1];
                const struct expert_import_row *first = later == by[i] ? by[i - 1] : by[i];
                why->row = (int64_t)later->line;
                e = expert_refuse(why, ERR_IMPORT_ROW_INVALID, "code", "'%s' repeats row %zu",
                                  later->in.code, first->line);
                goto out;
            }
    }
    why->row = 0;
out:
    return e;
}

enum err expert_import(struct store *s, const struct tender_caller *c, const void *data, size_t len,
                       struct expert_import_result *res, struct expert_refusal *why)
{
    struct sheet sh;
    memset(why, 0, sizeof(*why));
    memset(res, 0, sizeof(*res));
    if (!(c->roles & ROLE_ADMIN))
        return ERR_FORBIDDEN;
    sheet_init(&sh);
    struct import_job j = {0};
    arena_init(&j.a, (size_t)256 << 20);
    enum err e = expert_read_table(data, len, EXPERT_IMPORT_ROWS, &sh, why);
    if (e == ERR_OK)
        e = expert_import_rows(&sh, &j.a, &j.rows, &j.n, why);
    if (e != ERR_OK)
        goto out;
    crypto_sha256_hex(data, len, j.hash);
    j.c = c;
    j.res = res;
    j.why = why;
    res->rows = j.n;
    e = domain_write(s, import_tx, &j);
    /* a row's refusal becomes the import's, keeping the field and the row */
    if (e != ERR_OK && why->row > 0 && e != ERR_STORE_BUSY && e != ERR_STORE_UNAVAILABLE &&
        e != ERR_INTERNAL) {
        char d[sizeof why->detail];
        snprintf(d, sizeof d, "%.40s: %.150s", err_code(e),
                 why->detail[0] ? why->detail : err_message(e));
        memcpy(why->detail, d, sizeof d);
        e = ERR_IMPORT_ROW_INVALID;
    }
out:
    sheet_release(&sh);
    arena_release(&j.a);
    return e;
}

/* ---- the export ---- */

/* Text per expert, collected from a scan ordered by expert id. */
struct per_expert {
    struct arena *a;
    int64_t *ids;     /* ascending */
    struct buf *text; /* one per id */
    size_t n, cap;
    int err;
};

static struct buf *per_expert_text(struct per_expert *p, int64_t id)
{
    if (p->n > 0 && p->ids[p->n - 1] == id)
        return &p->text[p->n - 1];
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        int64_t *ids = realloc(p->ids, cap * sizeof(int64_t));
        if (ids == NULL)
            return NULL;
        p->ids = ids;
        struct buf *t = realloc(p->text, cap * sizeof(struct buf));
        if (t == NULL)
            return NULL;
        p->text = t;
        p->cap = cap;
    }
    p->ids[p->n] = id;
    buf_init(&p->text[p->n], 65536);
    return &p->text[p->n++];
}

static const char *per_expert_get(const struct per_expert *p, int64_t id)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->ids[mid] == id)
            return p->text[mid].data ? p->text[mid].data : "";
        if (p->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return "";
}

static void per_expert_release(struct per_expert *p)
{
    for (size_t i = 0; i < p->n; i++)
        buf_release(&p->text[i]);
    free(p->ids);
    free(p->text);
}

static int add_piece(struct per_expert *p, int64_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int add_piece(struct per_expert *p, int64_t id, const char *fmt, ...)
{
    struct buf *b = per_expert_text(p, id);
    va_list ap;
    if (b == NULL || (b->len > 0 && buf_putc(b, ';') != BUF_OK)) {
        p->err = 1;
        return 1;
    }
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    if (rc != BUF_OK)
        p->err = 1;
    return rc != BUF_OK;
}

static int collect_spec(void *ctx, int64_t id, const char *code, const char *unused)
{
    (void)unused;
    return add_piece(ctx, id, "%s", code);
}

static int collect_relation(void *ctx, const struct expert_relation *r)
{
    return add_piece(ctx, r->expert_id, "%s:%s:%s", r->kind, r->org_uscc ? r->org_uscc : "",
                     r->org_name);
}

static int collect_unavail(void *ctx, const struct expert_unavail *u)
{
    char from[16], last[16];
    expert_format_day(u->from_ms, from);
    expert_format_day(u->to_ms - 1, last);
    if (strcmp(from, last) == 0)
        return add_piece(ctx, u->expert_id, "%s:%s", from, u->kind);
    return add_piece(ctx, u->expert_id, "%s..%s:%s", from, last, u->kind);
}

static int collect_points(void *ctx, int64_t id, int64_t n)
{
    return add_piece(ctx, id, "%lld", (long long)n);
}

struct export_sink {
    bool xlsx;
    struct buf *out;
    struct sheet_xlsx *x;
    size_t row;
};

static int sink_row(struct export_sink *k, const char *const *cells, size_t n)
{
    if (k->xlsx)
        return sheet_xlsx_row(k->x, k->row++, cells, n);
    return sheet_csv_row(k->out, cells, n) == BUF_OK ? 0 : -1;
}

enum err expert_export(struct store *s, const struct tender_caller *c, bool xlsx, struct buf *out)
{
    struct store_tx *tx = NULL;
    struct per_expert specs = {0}, rels = {0}, uns = {0}, pts = {0};
    struct arena a;
    struct export_sink k = {xlsx, out, NULL, 0};
    enum err e = ERR_OK;
    int64_t after = 0;
    if (!(c->roles & (ROLE_ADMIN | ROLE_SUPERVISOR)))
        return ERR_FORBIDDEN;
    arena_init(&a, 0);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_pool_specs(tx, 0, collect_spec, &specs);
    if (rc == STORE_OK)
        rc = store_expert_relations_scan(tx, collect_relation, &rels);
    if (rc == STORE_OK)
        rc = store_expert_unavail_scan(tx, collect_unavail, &uns);
    if (rc == STORE_OK)
        rc = store_pool_credit_sums(tx, collect_points, &pts);
    if (rc != STORE_OK || specs.err || rels.err || uns.err || pts.err) {
        e = rc != STORE_OK ? domain_store_err(rc) : ERR_INTERNAL;
        goto out;
    }
    if (xlsx) {
        k.x = sheet_xlsx_new("experts");
        if (k.x == NULL) {
            e = ERR_INTERNAL;
            goto out;
        }
    }
    const char *head[C__COUNT];
    for (int i = 0; i < C__COUNT; i++)
        head[i] = columns[i].name;
    if (sink_row(&k, head, C__COUNT) != 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    for (;;) {
        struct page pg;
        struct expert_filter f = {0};
        rc = store_expert_list(tx, &a, &f, after, EXPORT_PAGE, &pg);
        if (rc != STORE_OK) {
            e = domain_store_err(rc);
            goto out;
        }
        for (int i = 0; i < pg.n; i++) {
            const struct expert *x = (const struct expert *)pg.items + i;
            char years[24];
            snprintf(years, sizeof years, "%lld", (long long)x->years);
            const char *pv = per_expert_get(&pts, x->id);
            const char *cells[C__COUNT] = {x->code,
                                           x->name,
                                           x->region,
                                           x->employer,
                                           x->employer_uscc,
                                           x->title,
                                           x->title_level,
                                           years,
                                           per_expert_get(&specs, x->id),
                                           x->phone,
                                           x->email,
                                           x->username,
                                           x->status,
                                           per_expert_get(&rels, x->id),
                                           per_expert_get(&uns, x->id),
                                           x->note,
                                           pv[0] ? pv : "0"};
            if (sink_row(&k, cells, C__COUNT) != 0) {
                e = xlsx ? ERR_INTERNAL : ERR_BODY_TOO_LARGE;
                goto out;
            }
            after = x->id;
        }
        arena_release(&a);
        if (!pg.more)
            break;
    }
    if (xlsx) {
        rc = sheet_xlsx_finish(k.x, out);
        k.x = NULL;
        if (rc != SHEET_OK)
            e = ERR_INTERNAL;
    }
out:
    sheet_xlsx_free(k.x);
    store_rollback(tx);
    per_expert_release(&specs);
    per_expert_release(&rels);
    per_expert_release(&uns);
    per_expert_release(&pts);
    arena_release(&a);
    return e;
}
