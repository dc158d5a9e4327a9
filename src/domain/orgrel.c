/*
 * domain/orgrel.c — relationship records, their import, the keys the risk
 * rules compare and the tender graph (domain/orgrel.h).
 *
 * Owns: the record rules (what a record of each kind needs), the mapping of
 * the offline graph's CSV columns and roles onto records, and the shaping
 * of the offline analysis (analytics/relgraph.h) into nodes and edges. The
 * graph is computed by feeding relgraph the same CSV files `sunbid graph`
 * reads, written from the store's rows: one normalisation, one set of
 * rules for links, hubs, components and the bid patterns, online and off.
 * Threads: any.
 */
#include "domain/orgrel.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analytics/relgraph.h"
#include "base/clock.h"
#include "sheet/sheet.h"

/* ---- kinds and keys ---- */

static const char *const person_kinds[] = {"legal_rep", "shareholder", "manager", "key_staff"};
static const char *const contact_kinds[] = {"phone", "email", "address", "bank_account"};

bool orgrel_kind_person(const char *kind)
{
    for (size_t i = 0; kind != NULL && i < 4; i++)
        if (strcmp(kind, person_kinds[i]) == 0)
            return true;
    return false;
}

bool orgrel_kind_valid(const char *kind)
{
    if (orgrel_kind_person(kind))
        return true;
    for (size_t i = 0; kind != NULL && i < 4; i++)
        if (strcmp(kind, contact_kinds[i]) == 0)
            return true;
    return false;
}

size_t orgrel_norm(const char *kind, const char *id_number, const char *value, char *out,
                   size_t cap)
{
    size_t n = 0;
    char pre = 0;
    if (cap < 4 || kind == NULL)
        return 0;
    out[0] = '\0';
    if (orgrel_kind_person(kind)) {
        pre = 'p';
        n = id_number ? rg_norm_person_id(id_number, out + 2, cap - 2) : 0;
    } else if (value != NULL && strcmp(kind, "phone") == 0) {
        pre = 't';
        n = rg_norm_phone(value, out + 2, cap - 2);
    } else if (value != NULL && strcmp(kind, "email") == 0) {
        pre = 'e';
        n = rg_norm_email(value, out + 2, cap - 2);
    } else if (value != NULL && strcmp(kind, "address") == 0) {
        pre = 'a';
        n = rg_norm_address(value, out + 2, cap - 2);
    } else if (value != NULL && strcmp(kind, "bank_account") == 0) {
        pre = 'b';
        n = rg_norm_account(value, out + 2, cap - 2);
    }
    if (n == 0) {
        out[0] = '\0';
        return 0;
    }
    out[0] = pre;
    out[1] = ':';
    return n + 2;
}

static bool blank(const char *s)
{
    if (s == NULL)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

enum err orgrel_check(struct arena *a, struct orgrel_row *r, const char **field)
{
    char key[ORGREL_NORM_MAX];
    *field = NULL;
    if (!orgrel_kind_valid(r->kind)) {
        *field = "kind";
        return ERR_RELATION_INVALID;
    }
    if (orgrel_kind_person(r->kind)) {
        if (blank(r->name) && blank(r->id_number)) {
            *field = "name";
            return ERR_RELATION_INVALID;
        }
        if (!blank(r->id_number) &&
            orgrel_norm(r->kind, r->id_number, NULL, key, sizeof key) == 0) {
            *field = "id_number"; /* fewer than 6 letters and digits */
            return ERR_RELATION_INVALID;
        }
        if (strcmp(r->kind, "key_staff") == 0 && blank(r->id_number)) {
            *field = "id_number"; /* key staff are known by their registration */
            return ERR_RELATION_INVALID;
        }
        if (r->share_bp > 10000 || (r->share_bp >= 0 && strcmp(r->kind, "shareholder") != 0)) {
            *field = "share_pct";
            return ERR_RELATION_INVALID;
        }
        r->value = NULL;
    } else {
        if (blank(r->value) || orgrel_norm(r->kind, NULL, r->value, key, sizeof key) == 0) {
            *field = "value";
            return ERR_RELATION_INVALID;
        }
        if (r->share_bp >= 0) {
            *field = "share_pct";
            return ERR_RELATION_INVALID;
        }
        r->name = r->id_number = r->role = NULL;
    }
    orgrel_norm(r->kind, r->id_number, r->value, key, sizeof key);
    r->norm = arena_strdup(a, key);
    return r->norm != NULL ? ERR_OK : ERR_INTERNAL;
}

/* ---- writes ---- */

static int live_duplicate(struct store_tx *tx, const struct orgrel_row *r, bool *dup)
{
    int64_t n = 0;
    struct store_param p[] = {SP_I(r->org_id), SP_T(r->kind), SP_T(r->norm)};
    *dup = false;
    if (r->norm == NULL || r->norm[0] == '\0')
        return STORE_OK;
    int rc = store_query_int(tx,
                             "SELECT COUNT(*) FROM org_relations WHERE org_id = $1 AND kind = $2"
                             " AND norm = $3 AND deleted_ms IS NULL",
                             p, 3, &n);
    *dup = rc == STORE_OK && n > 0;
    return rc;
}

static int audit_rel(struct store_tx *tx, const struct actor *who, const char *action,
                     int64_t org_id, const char *kind, int64_t id, const char *source, size_t n)
{
    char detail[200];
    snprintf(detail, sizeof detail, "{\"kind\":\"%s\",\"id\":%lld,\"source\":\"%s\",\"rows\":%zu}",
             kind, (long long)id, source, n);
    return audit_record(tx, who, action, "org", org_id, detail);
}

struct add_ctx {
    const struct actor *who;
    struct orgrel_row *r;
    int64_t id; /* out */
};

static enum err add_tx(struct store_tx *tx, void *arg)
{
    struct add_ctx *c = arg;
    int64_t x;
    bool dup;
    struct store_param p[] = {SP_I(c->r->org_id)};
    int rc = store_query_int(tx, "SELECT id FROM orgs WHERE id = $1", p, 1, &x);
    if (rc == STORE_OK)
        rc = live_duplicate(tx, c->r, &dup);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (dup)
        return ERR_RELATION_DUPLICATE;
    c->r->created_ms = clock_now_ms();
    c->r->user_id = c->who->user_id;
    rc = store_orgrel_insert(tx, c->r, &c->id);
    if (rc == STORE_OK)
        rc = audit_rel(tx, c->who, "org.relation.add", c->r->org_id, c->r->kind, c->id,
                       c->r->source, 1);
    return domain_store_err(rc);
}

enum err orgrel_add(struct store *s, const struct actor *who, struct orgrel_row *r, int64_t *id,
                    const char **field)
{
    struct arena a;
    arena_init(&a, 1 << 16);
    enum err e = orgrel_check(&a, r, field);
    if (e == ERR_OK) {
        struct add_ctx c = {who, r, 0};
        e = domain_write(s, add_tx, &c);
        *id = c.id;
    }
    r->norm = NULL; /* was in the arena */
    arena_release(&a);
    return e;
}

struct del_ctx {
    const struct actor *who;
    int64_t org_id, id;
    bool only_self;
};

static enum err del_tx(struct store_tx *tx, void *arg)
{
    struct del_ctx *c = arg;
    int rc =
        store_orgrel_delete(tx, c->org_id, c->id, c->only_self ? "self" : NULL, clock_now_ms());
    if (rc == STORE_OK)
        rc = audit_rel(tx, c->who, "org.relation.delete", c->org_id, "-", c->id, "-", 1);
    return domain_store_err(rc);
}

enum err orgrel_delete(struct store *s, const struct actor *who, int64_t org_id, int64_t id,
                       bool only_self)
{
    struct del_ctx c = {who, org_id, id, only_self};
    return domain_write(s, del_tx, &c);
}

/* ---- import ---- */

/* The column of the first of names in the header row (case-insensitive), or -1. */
static int column(const struct sheet *sh, const char *const *names)
{
    const struct sheet_row *h = &sh->rows[0];
    for (const char *const *n = names; *n != NULL; n++)
        for (size_t i = 0; i < h->ncells; i++)
            if (strcasecmp(h->cells[i], *n) == 0)
                return (int)i;
    return -1;
}

static const char *cell(const struct sheet *sh, size_t row, int col)
{
    return col < 0 ? "" : sheet_unguard(sheet_cell(sh, row, (size_t)col));
}

/* The record kind of a people.csv role (docs/graph.md), or NULL for "other". */
static const char *role_kind(const char *r)
{
    static const struct {
        const char *name, *kind;
    } roles[] = {{"legal_rep", "legal_rep"},
                 {"legal_representative", "legal_rep"},
                 {"法定代表人", "legal_rep"},
                 {"法人", "legal_rep"},
                 {"shareholder", "shareholder"},
                 {"股东", "shareholder"},
                 {"出资人", "shareholder"},
                 {"manager", "manager"},
                 {"director", "manager"},
                 {"supervisor", "manager"},
                 {"executive", "manager"},
                 {"董事", "manager"},
                 {"监事", "manager"},
                 {"经理", "manager"},
                 {"总经理", "manager"},
                 {"高管", "manager"},
                 {"key_staff", "key_staff"},
                 {"project_manager", "key_staff"},
                 {"technical_lead", "key_staff"},
                 {"项目经理", "key_staff"},
                 {"项目负责人", "key_staff"},
                 {"技术负责人", "key_staff"},
                 {"建造师", "key_staff"}};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcasecmp(r, roles[i].name) == 0)
            return roles[i].kind;
    return NULL;
}

static const char *contact_kind(const char *k)
{
    static const struct {
        const char *name, *kind;
    } kinds[] = {{"phone", "phone"},          {"tel", "phone"},
                 {"mobile", "phone"},         {"fax", "phone"},
                 {"电话", "phone"},           {"手机", "phone"},
                 {"email", "email"},          {"e-mail", "email"},
                 {"邮箱", "email"},           {"address", "address"},
                 {"地址", "address"},         {"bank_account", "bank_account"},
                 {"account", "bank_account"}, {"银行账号", "bank_account"},
                 {"账号", "bank_account"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcasecmp(k, kinds[i].name) == 0)
            return kinds[i].kind;
    return NULL;
}

/* "30", "30.5", "30%": a share in 1/100 % (0..10000), -1 when empty, -2 when bad. */
static int64_t parse_share(const char *s)
{
    char *end;
    if (blank(s))
        return -1;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (*end == '%')
        end++;
    if (end == s || *end != '\0' || !isfinite(v) || v < 0 || v > 100)
        return -2;
    return (int64_t)llround(v * 100);
}

static const char *const C_ORG[] = {"org_id",       "org",    "organisation",
                                    "organization", "bidder", NULL};
static const char *const C_NAME[] = {"name", NULL};
static const char *const C_PERSON[] = {"person_id", "id_number", NULL};
static const char *const C_ROLE[] = {"role", NULL};
static const char *const C_TITLE[] = {"title", "position", NULL};
static const char *const C_SHARE[] = {"share", "share_pct", NULL};
static const char *const C_KIND[] = {"kind", "type", NULL};
static const char *const C_VALUE[] = {"value", NULL};
static const char *const C_LEGAL[] = {"legal_rep", "legal_representative", NULL};
static const char *const C_LEGAL_ID[] = {"legal_rep_id", NULL};
static const char *const C_CONTACT[4][3] = {{"phone", "tel", NULL},
                                            {"email", "e-mail", NULL},
                                            {"address", NULL, NULL},
                                            {"bank_account", "account", NULL}};

static int fail_line(char *msg, size_t cap, size_t line, const char *why)
{
    if (line > 0)
        snprintf(msg, cap, "line %zu: %s", line, why);
    else
        snprintf(msg, cap, "%s", why);
    return -1;
}

/* Appends a row (checked; a person without name and number or a contact
 * that is no key is skipped). Returns 0, or -1 with msg. */
static int push(struct arena *a, struct orgrel_import *out, size_t cap, const char *org_ref,
                size_t line, struct orgrel_row *r, char *msg, size_t msgcap)
{
    const char *field;
    if (out->nrows >= cap)
        return fail_line(msg, msgcap, line, "too many rows");
    if (orgrel_kind_person(r->kind) && blank(r->name) && blank(r->id_number)) {
        out->skipped++;
        return 0;
    }
    enum err e = orgrel_check(a, r, &field);
    if (e == ERR_RELATION_INVALID && strcmp(field, "value") == 0) {
        out->skipped++; /* as `sunbid graph`: too short to mean anything */
        return 0;
    }
    if (e != ERR_OK) {
        char why[96];
        snprintf(why, sizeof why, "%s is invalid", field);
        return fail_line(msg, msgcap, line, e == ERR_INTERNAL ? "out of memory" : why);
    }
    struct orgrel_import_row *x = &out->rows[out->nrows++];
    x->org_ref = org_ref;
    x->line = line;
    x->r = *r;
    return 0;
}

enum err orgrel_parse_csv(struct arena *a, const char *data, size_t len, struct orgrel_import *out,
                          char *msg, size_t msgcap)
{
    struct sheet sh;
    struct sheet_error serr = {0};
    enum err e = ERR_RELATIONS_FILE_INVALID;
    memset(out, 0, sizeof *out);
    msg[0] = '\0';
    sheet_init(&sh);
    if (sheet_read_csv(&sh, data, len, &sheet_default_limits, &serr) != SHEET_OK) {
        fail_line(msg, msgcap, serr.row, serr.msg);
        goto out;
    }
    if (sh.nrows == 0) {
        fail_line(msg, msgcap, 0, "the file is empty");
        goto out;
    }
    int co = column(&sh, C_ORG), ck = column(&sh, C_KIND), cv = column(&sh, C_VALUE),
        ci = column(&sh, C_PERSON), cn = column(&sh, C_NAME), cr = column(&sh, C_ROLE),
        ct = column(&sh, C_TITLE), cs = column(&sh, C_SHARE), cl = column(&sh, C_LEGAL),
        cli = column(&sh, C_LEGAL_ID);
    int cc[4];
    for (int k = 0; k < 4; k++)
        cc[k] = column(&sh, C_CONTACT[k]);
    if (co < 0) {
        fail_line(msg, msgcap, 1, "the header has no column org_id");
        goto out;
    }
    size_t cap = (sh.nrows - 1) * 6 + 1;
    out->rows = arena_calloc(a, cap * sizeof *out->rows);
    if (out->rows == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    if (ck >= 0 && cv >= 0)
        out->file = "contacts";
    else if (ci >= 0 || cr >= 0)
        out->file = "people";
    else if (cl >= 0 || cli >= 0 || cc[0] >= 0 || cc[1] >= 0 || cc[2] >= 0 || cc[3] >= 0)
        out->file = "orgs";
    else {
        fail_line(msg, msgcap, 1,
                  "the header is none of orgs.csv, people.csv, contacts.csv (docs/graph.md)");
        goto out;
    }
    if (strcmp(out->file, "people") == 0 && ci < 0 && cn < 0) {
        fail_line(msg, msgcap, 1, "the header has neither person_id nor name");
        goto out;
    }
    for (size_t i = 1; i < sh.nrows; i++) {
        size_t line = sh.rows[i].line;
        const char *org = cell(&sh, i, co);
        if (blank(org)) {
            fail_line(msg, msgcap, line, "empty organisation id");
            goto out;
        }
        org = arena_strdup(a, org);
        struct orgrel_row r = {.share_bp = -1, .source = "import"};
        if (strcmp(out->file, "contacts") == 0) {
            r.kind = contact_kind(cell(&sh, i, ck));
            if (r.kind == NULL) {
                fail_line(msg, msgcap, line, "kind must be phone, email, address or bank_account");
                goto out;
            }
            r.value = arena_strdup(a, cell(&sh, i, cv));
            if (push(a, out, cap, org, line, &r, msg, msgcap) != 0)
                goto out;
        } else if (strcmp(out->file, "people") == 0) {
            const char *role = cell(&sh, i, cr);
            r.kind = role_kind(role);
            if (blank(cell(&sh, i, ci)) && blank(cell(&sh, i, cn))) {
                fail_line(msg, msgcap, line, "a person needs a person_id or a name");
                goto out;
            }
            if (r.kind == NULL) {
                out->skipped++; /* role "other": no record kind */
                continue;
            }
            r.name = blank(cell(&sh, i, cn)) ? NULL : arena_strdup(a, cell(&sh, i, cn));
            r.id_number = blank(cell(&sh, i, ci)) ? NULL : arena_strdup(a, cell(&sh, i, ci));
            r.role = !blank(cell(&sh, i, ct)) ? arena_strdup(a, cell(&sh, i, ct))
                     : !blank(role)           ? arena_strdup(a, role)
                                              : NULL;
            if (strcmp(r.kind, "shareholder") == 0) {
                r.share_bp = parse_share(cell(&sh, i, cs));
                if (r.share_bp == -2) {
                    fail_line(msg, msgcap, line, "share must be a percentage from 0 to 100");
                    goto out;
                }
            }
            if (push(a, out, cap, org, line, &r, msg, msgcap) != 0)
                goto out;
        } else {
            for (int k = 0; k < 4; k++) {
                if (cc[k] < 0 || blank(cell(&sh, i, cc[k])))
                    continue;
                struct orgrel_row c = {
                    .share_bp = -1, .source = "import", .kind = contact_kinds[k]};
                c.value = arena_strdup(a, cell(&sh, i, cc[k]));
                if (push(a, out, cap, org, line, &c, msg, msgcap) != 0)
                    goto out;
            }
            if (!blank(cell(&sh, i, cl)) || !blank(cell(&sh, i, cli))) {
                r.kind = "legal_rep";
                r.name = blank(cell(&sh, i, cl)) ? NULL : arena_strdup(a, cell(&sh, i, cl));
                r.id_number = blank(cell(&sh, i, cli)) ? NULL : arena_strdup(a, cell(&sh, i, cli));
                if (push(a, out, cap, org, line, &r, msg, msgcap) != 0)
                    goto out;
            }
        }
    }
    e = ERR_OK;
out:
    sheet_release(&sh);
    if (e != ERR_OK)
        out->nrows = 0;
    return e;
}

struct import_ctx {
    const struct actor *who;
    struct orgrel_import *im;
    size_t added, dups; /* out */
    char *msg;
    size_t msgcap;
};

static enum err import_tx(struct store_tx *tx, void *arg)
{
    struct import_ctx *c = arg;
    int64_t now = clock_now_ms(), last_org = 0;
    c->added = c->dups = 0;
    for (size_t i = 0; i < c->im->nrows; i++) {
        struct orgrel_import_row *x = &c->im->rows[i];
        bool dup;
        int rc = store_orgrel_org_ref(tx, x->org_ref, &x->r.org_id);
        if (rc == STORE_NOTFOUND) {
            char why[200];
            snprintf(why, sizeof why, "no registered organisation %.120s", x->org_ref);
            fail_line(c->msg, c->msgcap, x->line, why);
            return ERR_RELATION_UNKNOWN_ORG;
        }
        if (rc == STORE_OK)
            rc = live_duplicate(tx, &x->r, &dup);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        if (dup) {
            c->dups++;
            continue;
        }
        x->r.created_ms = now;
        x->r.user_id = c->who->user_id;
        int64_t id;
        rc = store_orgrel_insert(tx, &x->r, &id);
        if (rc == STORE_OK && x->r.org_id != last_org) /* one audit row per organisation run */
            rc = audit_rel(tx, c->who, "org.relation.import", x->r.org_id, x->r.kind, id, "import",
                           c->im->nrows);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        last_org = x->r.org_id;
        c->added++;
    }
    return ERR_OK;
}

enum err orgrel_import_csv(struct store *s, const struct actor *who, const char *data, size_t len,
                           size_t *added, size_t *skipped, char *msg, size_t msgcap)
{
    struct arena a;
    struct orgrel_import im;
    arena_init(&a, (size_t)256 << 20);
    *added = *skipped = 0;
    enum err e = orgrel_parse_csv(&a, data, len, &im, msg, msgcap);
    if (e == ERR_OK) {
        struct import_ctx c = {who, &im, 0, 0, msg, msgcap};
        e = domain_write(s, import_tx, &c);
        *added = c.added;
        *skipped = im.skipped + c.dups;
    }
    arena_release(&a);
    return e;
}

/* ---- keys for the risk rules ---- */

int orgrel_keys_load(struct store *s, struct arena *a, const int64_t *orgs, size_t n,
                     struct orgrel_keys *out)
{
    struct store_tx *tx = NULL;
    int rc = store_begin(s, STORE_READ, &tx);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        struct page pg;
        out[i].k = NULL;
        out[i].n = 0;
        rc = store_orgrel_list(tx, a, orgs[i], ORGREL_MAX_LIST, &pg);
        if (rc != STORE_OK)
            break;
        const struct orgrel_row *R = pg.items;
        out[i].k = arena_calloc(a, sizeof *out[i].k * (size_t)(pg.n ? pg.n : 1));
        if (out[i].k == NULL) {
            rc = STORE_TOOBIG;
            break;
        }
        for (int j = 0; j < pg.n; j++) {
            if (R[j].norm == NULL || R[j].norm[0] == '\0')
                continue;
            struct orgrel_key *k = &out[i].k[out[i].n++];
            k->kind = R[j].kind;
            k->norm = R[j].norm;
            k->shown = R[j].value ? R[j].value : R[j].name ? R[j].name : R[j].id_number;
            k->source = R[j].source;
        }
    }
    store_rollback(tx);
    return rc;
}

const struct orgrel_key *orgrel_keys_find(const struct orgrel_keys *ks, const char *norm)
{
    for (size_t i = 0; ks != NULL && i < ks->n; i++)
        if (strcmp(ks->k[i].norm, norm) == 0)
            return &ks->k[i];
    return NULL;
}

/* ---- the tender graph ---- */

/* An organisation of the graph. */
struct gorg {
    int64_t id;
    const char *name;
    bool bidder;
    const char *phone, *email, *address; /* from the register (bidders only) */
};

struct graph {
    struct arena *a;
    struct gorg *orgs;
    size_t norgs, orgcap;
    struct orgrel_row *rows; /* every record read, by org */
    size_t nrows, rowcap;
};

static struct gorg *graph_org(struct graph *g, int64_t id)
{
    for (size_t i = 0; i < g->norgs; i++)
        if (g->orgs[i].id == id)
            return &g->orgs[i];
    return NULL;
}

/* Appends the rows not yet read (compared from index `from` on: the rows
 * before it are the bidders' own, all read). In the hop the rows
 * of bidders are theirs already and rows of organisations not taken are
 * left out. */
static int graph_add_rows(struct graph *g, const struct orgrel_row *R, int n, size_t from, bool hop)
{
    for (int i = 0; i < n; i++) {
        bool seen = false;
        if (hop) {
            const struct gorg *o = graph_org(g, R[i].org_id);
            if (o == NULL || o->bidder)
                continue;
        }
        for (size_t k = from; k < g->nrows && !seen; k++)
            seen = g->rows[k].id == R[i].id;
        if (seen)
            continue;
        if (g->nrows == g->rowcap) {
            size_t nc = g->rowcap ? g->rowcap * 2 : 256;
            struct orgrel_row *nr = arena_alloc(g->a, nc * sizeof *nr);
            if (nr == NULL)
                return STORE_TOOBIG;
            if (g->nrows)
                memcpy(nr, g->rows, g->nrows * sizeof *nr);
            g->rows = nr;
            g->rowcap = nc;
        }
        g->rows[g->nrows++] = R[i];
    }
    return STORE_OK;
}

static int64_t form_price(const char *form)
{
    json_error_t jerr;
    int64_t v = -1;
    if (form == NULL)
        return -1;
    json_t *j = json_loads(form, JSON_REJECT_DUPLICATES, &jerr);
    json_t *p = json_object_get(j, "price_fen");
    if (json_is_integer(p) && json_integer_value(p) >= 0)
        v = (int64_t)json_integer_value(p);
    json_decref(j);
    return v;
}

/* Reads what the graph needs in one snapshot. */
static int graph_read(struct store *s, struct graph *g, int64_t tender_id, struct page *bids)
{
    struct store_tx *tx = NULL;
    int64_t ids[ORGREL_MAX_BIDDERS], x;
    int nb = 0;
    struct store_param p[] = {SP_I(tender_id)};
    char key[ORGREL_NORM_MAX];
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_query_int(tx, "SELECT id FROM tenders WHERE id = $1", p, 1, &x);
    if (rc == STORE_OK)
        rc = store_orgrel_tender_orgs(tx, tender_id, ids, ORGREL_MAX_BIDDERS, &nb);
    g->orgcap = ORGREL_MAX_BIDDERS + 1000;
    g->orgs = arena_calloc(g->a, g->orgcap * sizeof *g->orgs);
    if (rc == STORE_OK && g->orgs == NULL)
        rc = STORE_TOOBIG;
    for (int i = 0; rc == STORE_OK && i < nb; i++) {
        struct org o;
        struct page pg;
        rc = store_org_get(tx, g->a, ids[i], &o);
        if (rc == STORE_OK)
            rc = store_orgrel_list(tx, g->a, ids[i], ORGREL_MAX_LIST, &pg);
        if (rc == STORE_OK)
            rc = graph_add_rows(g, pg.items, pg.n, 0, false);
        if (rc != STORE_OK)
            break;
        g->orgs[g->norgs++] =
            (struct gorg){o.id, o.name, true, o.contact_phone, o.contact_email, o.address};
    }
    /* one hop out: every record holding one of the bidders' keys */
    size_t nown = g->nrows, nbid = g->norgs, looked = 0;
    for (size_t i = 0; rc == STORE_OK && i < nown + nbid * 3 && looked < ORGREL_MAX_KEYS; i++) {
        const char *norm = NULL;
        if (i < nown) {
            norm = g->rows[i].norm;
        } else {
            const struct gorg *o = &g->orgs[(i - nown) / 3];
            static const char *const kinds[3] = {"phone", "email", "address"};
            const char *v = (i - nown) % 3 == 0   ? o->phone
                            : (i - nown) % 3 == 1 ? o->email
                                                  : o->address;
            if (v != NULL && orgrel_norm(kinds[(i - nown) % 3], NULL, v, key, sizeof key) > 0)
                norm = key;
        }
        if (norm == NULL || norm[0] == '\0')
            continue;
        struct page pg;
        looked++;
        rc = store_orgrel_by_norm(tx, g->a, norm, ORGREL_HOP_SHARE + 1, &pg);
        if (rc != STORE_OK)
            break;
        const struct orgrel_row *R = pg.items;
        for (int k = 0; k < pg.n; k++) {
            if (graph_org(g, R[k].org_id) != NULL)
                continue;
            if (g->norgs == g->orgcap)
                break; /* enough to draw */
            g->orgs[g->norgs++] =
                (struct gorg){R[k].org_id, R[k].org_name, false, NULL, NULL, NULL};
        }
        rc = graph_add_rows(g, pg.items, pg.n, nown, true);
    }
    if (rc == STORE_OK && nb > 0)
        rc = store_orgrel_bids(tx, g->a, ids, nb, ORGREL_MAX_BIDS, bids);
    else
        bids->n = 0;
    store_rollback(tx);
    return rc;
}

static int csv_row(struct buf *b, const char *const *cells, size_t n)
{
    return sheet_csv_row(b, cells, n) == BUF_OK ? 0 : -1;
}

/* Writes the four files of `sunbid graph` from the rows read. */
static int graph_csv(const struct graph *g, const struct page *bids, struct buf *orgs,
                     struct buf *people, struct buf *contacts, struct buf *bidcsv)
{
    char id[24], tender[24], lot[24], price[32], date[24];
    static const char *const h1[] = {"org_id", "name", "phone", "email", "address"};
    static const char *const h2[] = {"org_id", "person_id", "name", "role"};
    static const char *const h3[] = {"org_id", "kind", "value"};
    static const char *const h4[] = {"tender_id", "lot", "org", "price", "date"};
    if (csv_row(orgs, h1, 5) || csv_row(people, h2, 4) || csv_row(contacts, h3, 3) ||
        csv_row(bidcsv, h4, 5))
        return -1;
    for (size_t i = 0; i < g->norgs; i++) {
        const struct gorg *o = &g->orgs[i];
        snprintf(id, sizeof id, "%lld", (long long)o->id);
        const char *c[] = {id, o->name, o->phone, o->email, o->address};
        if (csv_row(orgs, c, 5))
            return -1;
    }
    for (size_t i = 0; i < g->nrows; i++) {
        const struct orgrel_row *r = &g->rows[i];
        snprintf(id, sizeof id, "%lld", (long long)r->org_id);
        if (orgrel_kind_person(r->kind)) {
            const char *c[] = {id, r->id_number, r->name, r->kind};
            if (csv_row(people, c, 4))
                return -1;
        } else {
            const char *c[] = {id, r->kind, r->value};
            if (csv_row(contacts, c, 3))
                return -1;
        }
    }
    const struct orgrel_bid *B = bids->items;
    for (int i = 0; i < bids->n; i++) {
        int64_t pf = B[i].status && strcmp(B[i].status, "opened") == 0 ? form_price(B[i].form) : -1;
        snprintf(id, sizeof id, "%lld", (long long)B[i].org_id);
        snprintf(tender, sizeof tender, "%lld", (long long)B[i].tender_id);
        snprintf(lot, sizeof lot, "%lld", (long long)B[i].lot_no);
        snprintf(date, sizeof date, "%013lld", (long long)B[i].at_ms);
        if (pf >= 0)
            snprintf(price, sizeof price, "%lld", (long long)pf);
        else
            price[0] = '\0';
        const char *c[] = {tender, lot, id, price, date};
        if (csv_row(bidcsv, c, 5))
            return -1;
    }
    return 0;
}

static int64_t jid(json_t *v)
{
    const char *s = json_string_value(v);
    return s ? strtoll(s, NULL, 10) : 0;
}

static char key_prefix(const char *rg_kind)
{
    static const struct {
        const char *kind;
        char p;
    } m[] = {
        {"person", 'p'}, {"phone", 't'}, {"email", 'e'}, {"address", 'a'}, {"bank_account", 'b'}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strcmp(rg_kind, m[i].kind) == 0)
            return m[i].p;
    return '?';
}

static bool is_bidder(const struct graph *g, int64_t id)
{
    const struct gorg *o = NULL;
    for (size_t i = 0; i < g->norgs && o == NULL; i++)
        if (g->orgs[i].id == id)
            o = &g->orgs[i];
    return o != NULL && o->bidder;
}

/* The evidence of one edge: the records of org holding norm, and the
 * register's own value when the key came from there. */
static json_t *edge_evidence(const struct graph *g, int64_t org, const char *norm)
{
    char key[ORGREL_NORM_MAX];
    json_t *ev = json_array();
    for (size_t i = 0; i < g->nrows; i++) {
        const struct orgrel_row *r = &g->rows[i];
        if (r->org_id != org || strcmp(r->norm, norm) != 0)
            continue;
        json_t *e = json_object();
        json_object_set_new(e, "record", json_integer(r->id));
        json_object_set_new(e, "kind", json_string(r->kind));
        json_object_set_new(e, "source", json_string(r->source));
        json_object_set_new(e, "at_ms", json_integer(r->created_ms));
        if (r->name)
            json_object_set_new(e, "name", json_string(r->name));
        if (r->id_number)
            json_object_set_new(e, "id_number", json_string(r->id_number));
        if (r->role)
            json_object_set_new(e, "role", json_string(r->role));
        if (r->value)
            json_object_set_new(e, "value", json_string(r->value));
        if (r->share_bp >= 0)
            json_object_set_new(e, "share_pct", json_real((double)r->share_bp / 100));
        json_array_append_new(ev, e);
    }
    const struct gorg *o = NULL;
    for (size_t i = 0; i < g->norgs && o == NULL; i++)
        if (g->orgs[i].id == org)
            o = &g->orgs[i];
    static const char *const kinds[3] = {"phone", "email", "address"};
    for (int k = 0; o != NULL && k < 3; k++) {
        const char *v = k == 0 ? o->phone : k == 1 ? o->email : o->address;
        if (v != NULL && orgrel_norm(kinds[k], NULL, v, key, sizeof key) > 0 &&
            strcmp(key, norm) == 0) {
            json_t *e = json_object();
            json_object_set_new(e, "kind", json_string(kinds[k]));
            json_object_set_new(e, "source", json_string("register"));
            json_object_set_new(e, "value", json_string(v));
            json_array_append_new(ev, e);
        }
    }
    return ev;
}

/* Keeps the entries of arr (array of objects) where one of the org ids
 * under the keys is a bidder. */
static json_t *filter_bidders(const struct graph *g, json_t *arr, const char *k1, const char *k2)
{
    json_t *out = json_array(), *it;
    size_t i;
    json_array_foreach(arr, i, it)
    {
        bool keep = false;
        const char *ks[2] = {k1, k2};
        for (int k = 0; k < 2 && !keep && ks[k]; k++) {
            json_t *v = json_object_get(it, ks[k]), *x;
            size_t j;
            if (json_is_string(v))
                keep = is_bidder(g, jid(v));
            json_array_foreach(v, j, x) keep |= is_bidder(g, jid(x));
        }
        if (keep)
            json_array_append(out, it);
    }
    return out;
}

static json_t *graph_shape(const struct graph *g, int64_t tender_id, json_t *R, size_t nbids,
                           bool truncated)
{
    json_t *o = json_object(), *nodes = json_array(), *edges = json_array(), *comps = json_array(),
           *linked = json_array(), *it;
    char norm[ORGREL_NORM_MAX], nid[32], tid[24];
    size_t i;
    json_object_set_new(o, "tender_id", json_integer(tender_id));
    /* components */
    json_t *comp_of = json_object();
    json_array_foreach(json_object_get(R, "components"), i, it)
    {
        json_t *c = json_object(), *orgs = json_array(), *bid = json_array(), *m;
        size_t j;
        json_array_foreach(json_object_get(it, "orgs"), j, m)
        {
            int64_t id = jid(json_object_get(m, "id"));
            json_array_append_new(orgs, json_integer(id));
            if (is_bidder(g, id))
                json_array_append_new(bid, json_integer(id));
            json_object_set(comp_of, json_string_value(json_object_get(m, "id")),
                            json_object_get(it, "id"));
        }
        json_object_set(c, "id", json_object_get(it, "id"));
        json_object_set_new(c, "orgs", orgs);
        json_object_set_new(c, "bidders", bid);
        json_array_append_new(comps, c);
    }
    /* organisations: every bidder, and the others that hold a link */
    json_t *linked_org = json_object();
    json_array_foreach(json_object_get(R, "links"), i, it)
    {
        json_t *m;
        size_t j;
        json_array_foreach(json_object_get(it, "orgs"), j, m)
        {
            json_t *idv = json_is_object(m) ? json_object_get(m, "org") : m;
            if (json_is_string(idv))
                json_object_set_new(linked_org, json_string_value(idv), json_true());
        }
    }
    for (size_t k = 0; k < g->norgs; k++) {
        const struct gorg *go = &g->orgs[k];
        snprintf(nid, sizeof nid, "%lld", (long long)go->id);
        if (!go->bidder && json_object_get(linked_org, nid) == NULL)
            continue;
        json_t *n = json_object();
        char id[32];
        snprintf(id, sizeof id, "o%lld", (long long)go->id);
        json_object_set_new(n, "id", json_string(id));
        json_object_set_new(n, "type", json_string(go->bidder ? "bidder" : "org"));
        json_object_set_new(n, "org_id", json_integer(go->id));
        json_object_set_new(n, "name", go->name ? json_string(go->name) : json_null());
        json_t *c = json_object_get(comp_of, nid);
        json_object_set(n, "component", c ? c : json_null());
        json_array_append_new(nodes, n);
    }
    json_decref(linked_org);
    json_decref(comp_of);
    /* keys and edges */
    json_array_foreach(json_object_get(R, "links"), i, it)
    {
        const char *kind = json_string_value(json_object_get(it, "kind"));
        const char *value = json_string_value(json_object_get(it, "value"));
        json_t *n = json_object(), *m;
        size_t j;
        if (kind == NULL || value == NULL)
            continue;
        snprintf(nid, sizeof nid, "k%zu", i);
        snprintf(norm, sizeof norm, "%c:%s", key_prefix(kind), value);
        json_object_set_new(n, "id", json_string(nid));
        json_object_set_new(n, "type", json_string(kind));
        json_object_set_new(n, "value", json_string(value));
        json_object_set(n, "name",
                        json_object_get(it, "name") ? json_object_get(it, "name") : json_null());
        json_object_set(n, "component", json_object_get(it, "component"));
        json_array_append_new(nodes, n);
        json_array_foreach(json_object_get(it, "orgs"), j, m)
        {
            json_t *idv = json_is_object(m) ? json_object_get(m, "org") : m;
            int64_t org = jid(idv);
            json_t *e = json_object();
            char from[32];
            snprintf(from, sizeof from, "o%lld", (long long)org);
            json_object_set_new(e, "from", json_string(from));
            json_object_set_new(e, "to", json_string(nid));
            const char *ek = kind;
            json_t *roles = json_is_object(m) ? json_object_get(m, "roles") : NULL;
            if (json_array_size(roles) > 0)
                ek = json_string_value(json_array_get(roles, 0));
            json_object_set_new(e, "kind", json_string(ek ? ek : kind));
            json_object_set_new(e, "value", json_string(value));
            json_object_set_new(e, "evidence", edge_evidence(g, org, norm));
            json_array_append_new(edges, e);
        }
    }
    /* linked bidders of this tender's lots */
    snprintf(tid, sizeof tid, "%lld", (long long)tender_id);
    json_array_foreach(json_object_get(R, "linked_bidders"), i, it)
    {
        const char *t = json_string_value(json_object_get(it, "tender"));
        if (t == NULL || strcmp(t, tid) != 0)
            continue;
        json_t *l = json_object(), *orgs = json_array(), *m;
        size_t j;
        json_object_set_new(l, "lot_no",
                            json_integer(strtoll(json_string_value(json_object_get(it, "lot"))
                                                     ? json_string_value(json_object_get(it, "lot"))
                                                     : "0",
                                                 NULL, 10)));
        json_object_set(l, "component", json_object_get(it, "component"));
        json_array_foreach(json_object_get(it, "orgs"), j, m)
            json_array_append_new(orgs, json_integer(jid(m)));
        json_object_set_new(l, "orgs", orgs);
        json_object_set(l, "evidence", json_object_get(it, "evidence"));
        json_array_append_new(linked, l);
    }
    json_object_set_new(o, "nodes", nodes);
    json_object_set_new(o, "edges", edges);
    json_object_set_new(o, "components", comps);
    json_object_set_new(o, "linked_bidders", linked);
    json_object_set(o, "hubs", json_object_get(R, "hubs"));
    json_t *pat = json_object();
    json_object_set_new(pat, "bids", json_integer((json_int_t)nbids));
    json_object_set_new(pat, "truncated", json_boolean(truncated));
    json_object_set_new(pat, "co_bidding",
                        filter_bidders(g, json_object_get(R, "co_bidding"), "a", "b"));
    json_object_set_new(pat, "rotation",
                        filter_bidders(g, json_object_get(R, "rotation"), "orgs", NULL));
    json_object_set_new(
        pat, "cover_bidding",
        filter_bidders(g, json_object_get(R, "cover_bidding"), "org", "beneficiary"));
    json_object_set(pat, "stats", json_object_get(R, "stats"));
    json_object_set(pat, "params", json_object_get(R, "params"));
    json_object_set_new(o, "patterns", pat);
    return o;
}

enum err orgrel_tender_graph(struct store *s, int64_t tender_id, struct buf *out)
{
    struct arena a;
    struct graph g = {0};
    struct page bids = {0};
    struct buf f[4], rep;
    struct rg_params p;
    struct rg_error rerr = {0};
    struct relgraph *rg = NULL;
    json_t *R = NULL, *shaped = NULL;
    enum err e = ERR_INTERNAL;
    arena_init(&a, (size_t)256 << 20);
    g.a = &a;
    for (int i = 0; i < 4; i++)
        buf_init(&f[i], (size_t)64 << 20);
    buf_init(&rep, (size_t)64 << 20);
    int rc = graph_read(s, &g, tender_id, &bids);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    if (graph_csv(&g, &bids, &f[0], &f[1], &f[2], &f[3]) != 0)
        goto out;
    rg_params_init(&p);
    p.max_share = ORGREL_HOP_SHARE;
    rg = rg_new(&p);
    if (rg == NULL || rg_load_orgs(rg, f[0].data, f[0].len, &rerr) != RG_OK ||
        rg_load_people(rg, f[1].data, f[1].len, &rerr) != RG_OK ||
        rg_load_contacts(rg, f[2].data, f[2].len, &rerr) != RG_OK ||
        rg_load_bids(rg, f[3].data, f[3].len, &rerr) != RG_OK || rg_analyse(rg) != RG_OK ||
        rg_write_json(rg, &rep) != 0)
        goto out;
    json_error_t jerr;
    R = json_loadb(rep.data, rep.len, 0, &jerr);
    if (R == NULL)
        goto out;
    shaped = graph_shape(&g, tender_id, R, (size_t)bids.n, bids.more);
    char *text = json_dumps(shaped, JSON_COMPACT);
    if (text != NULL && buf_append(out, text, strlen(text)) == BUF_OK)
        e = ERR_OK;
    free(text);
out:
    json_decref(shaped);
    json_decref(R);
    rg_free(rg);
    for (int i = 0; i < 4; i++)
        buf_release(&f[i]);
    buf_release(&rep);
    arena_release(&a);
    return e;
}
