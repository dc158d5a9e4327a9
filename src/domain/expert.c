/*
 * domain/expert.c — the expert pool (expert.h): validation, the writes,
 * the spreadsheet import and export, the specialty list and the settings.
 *
 * One expert is written by write_expert(): the row, its specialty links,
 * and (when given) its relations and periods, inside the caller's
 * transaction. create, update and every row of an import go through it, so
 * they obey the same rules. An import parses the whole file first (sheet.h),
 * turns each row into a struct expert_input in an arena, validates every
 * row, and only then opens the write transaction; a bad row stops it all.
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
#include "domain/expert.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/roles.h"
#include "base/utf8.h"
#include "crypto/random.h"
#include "domain/drawalg.h"
#include "domain/uscc.h"
#include "ledger/ledger.h"
#include "sheet/sheet.h"

#define DAY_MS      ((int64_t)86400000)
#define BEIJING_MS  ((int64_t)8 * 3600 * 1000)
#define DETAIL_MAX  4096
#define EXPORT_PAGE 500

static const char *const title_levels[] = {"intermediate", "deputy_senior", "senior"};
static const char *const title_levels_zh[] = {"中级", "副高级", "正高级"};
static const char *const statuses[] = {"active", "suspended", "retired"};
static const char *const statuses_zh[] = {"在库", "暂停", "退出"};
static const char *const relation_kinds[] = {"former_employer", "relative", "shareholder",
                                             "interest", "other"};
static const char *const unavail_kinds[] = {"leave", "blocked"};
static const char *const credit_kinds[] = {"commend", "warning",   "penalty",
                                           "suspend", "reinstate", "note"};

/* ---- small checks ---- */

static bool text_ok(const char *s, size_t min, size_t max, bool multiline)
{
    if (s == NULL)
        return min == 0;
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n;) {
        const unsigned char *p = (const unsigned char *)s + i;
        size_t l = utf8_seq(p, n - i);
        if (l == 0)
            return false;
        if (l == 1 && (*p < 0x20 || *p == 0x7F) &&
            !(multiline && (*p == '\n' || *p == '\r' || *p == '\t')))
            return false;
        i += l;
    }
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
            return true;
    return min == 0;
}

static bool code_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > EXPERT_CODE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static bool region_ok(const char *s)
{
    return s != NULL && s[0] != '\0' && drawalg_region_ok(s);
}

static bool phone_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == ' ' ||
              s[i] == '(' || s[i] == ')'))
            return false;
    return true;
}

static bool email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    return text_ok(s, 3, 254, false) && at != NULL && at != s && at[1] != '\0' &&
           strchr(at + 1, '@') == NULL && strchr(s, ' ') == NULL;
}

/* The canonical name of s among names (or its Chinese alias), or NULL. */
static const char *one_of(const char *s, const char *const *names, const char *const *zh, int n)
{
    for (int i = 0; s != NULL && i < n; i++)
        if (strcmp(s, names[i]) == 0 || (zh != NULL && strcmp(s, zh[i]) == 0))
            return names[i];
    return NULL;
}

#define ONE_OF(s, list) one_of((s), (list), NULL, (int)(sizeof(list) / sizeof((list)[0])))

static enum err refuse(struct expert_refusal *why, enum err e, const char *field, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
static enum err refuse(struct expert_refusal *why, enum err e, const char *field, const char *fmt,
                       ...)
{
    why->field = field;
    why->detail[0] = '\0';
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why->detail, sizeof why->detail, fmt, ap);
        va_end(ap);
    }
    return e;
}

/* days since 1970-01-01 of a civil date (proleptic Gregorian) */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool expert_parse_day(const char *s, size_t n, int64_t *ms)
{
    int v[3] = {0, 0, 0}, k = 0, digits = 0;
    static const int want[3] = {4, 2, 2};
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-') {
            if (digits != want[k] || ++k > 2)
                return false;
            digits = 0;
        } else if (s[i] >= '0' && s[i] <= '9') {
            if (++digits > want[k])
                return false; /* also keeps v[k] far from overflowing */
            v[k] = v[k] * 10 + (s[i] - '0');
        } else {
            return false;
        }
    }
    if (k != 2 || digits != 2 || v[0] < 1970 || v[0] > 9999 || v[1] < 1 || v[1] > 12 || v[2] < 1)
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
    if (v[2] > mdays[v[1] - 1] || (v[1] == 2 && v[2] == 29 && !leap))
        return false;
    *ms = days_from_civil(v[0], v[1], v[2]) * DAY_MS - BEIJING_MS;
    return true;
}

/* "YYYY-MM-DD" of the Beijing-time day holding ms. */
static void format_day(int64_t ms, char out[16])
{
    time_t t = (time_t)((ms + BEIJING_MS) / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 16, "?");
}

/* ---- the specialty tree ---- */

static int spec_cmp(const void *a, const void *b)
{
    return strcmp(((const struct specialty *)a)->code, ((const struct specialty *)b)->code);
}

int specialty_tree_load(struct store_tx *tx, struct arena *a, struct specialty_tree *t)
{
    struct page pg;
    int rc = store_specialty_list(tx, a, SPECIALTIES_MAX, &pg);
    t->v = pg.items;
    t->n = rc == STORE_OK ? pg.n : 0;
    return rc;
}

static const struct specialty *tree_find(const struct specialty_tree *t, const char *code)
{
    struct specialty key = {0};
    key.code = code;
    return t->n > 0 ? bsearch(&key, t->v, (size_t)t->n, sizeof key, spec_cmp) : NULL;
}

const char *specialty_tree_parent(const struct specialty_tree *t, const char *code)
{
    const struct specialty *s = tree_find(t, code);
    return s ? s->parent : NULL;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int specialty_expand(const struct specialty_tree *t, const char *const *codes, int n,
                     const char **out, int max)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        const char *c = codes[i];
        for (int depth = 0; c != NULL && depth <= SPECIALTY_DEPTH_MAX; depth++) {
            bool seen = false;
            for (int k = 0; k < m && !seen; k++)
                seen = strcmp(out[k], c) == 0;
            if (!seen) {
                if (m == max)
                    return -1;
                out[m++] = c;
            }
            c = specialty_tree_parent(t, c);
        }
    }
    qsort(out, (size_t)m, sizeof(char *), str_cmp);
    return m;
}

/* ---- the settings ---- */

int expert_setting(struct store_tx *tx, const char *key, int64_t *value)
{
    int rc = store_expert_setting_get(tx, key, value);
    if (rc == STORE_NOTFOUND) {
        *value = strcmp(key, EXPERT_SET_COMMITTEE) == 0 ? EXPERT_DEFAULT_MIN : EXPERT_DEFAULT_DRAWS;
        rc = STORE_OK;
    }
    return rc;
}

struct setting_job {
    const struct tender_caller *c;
    const char *key;
    int64_t value;
};

static int record(struct store_tx *tx, const struct tender_caller *c, const char *type,
                  const char *subject, int64_t id, const char *doc_hash, const char *detail)
{
    int rc = audit_record(tx, &c->who, type, subject, id, detail);
    if (rc != STORE_OK)
        return rc;
    struct ledger_event ev = {.type = type,
                              .subject_type = subject,
                              .subject_id = id,
                              .actor_id = c->who.user_id,
                              .actor_name = c->who.name ? c->who.name : "system",
                              .doc_hash = doc_hash};
    return ledger_append(tx, &ev);
}

static enum err setting_tx(struct store_tx *tx, void *arg)
{
    struct setting_job *j = arg;
    char detail[160];
    int rc = store_expert_setting_set(tx, j->key, j->value, j->c->who.user_id, clock_now_ms());
    snprintf(detail, sizeof detail, "{\"key\":\"%s\",\"value\":%lld}", j->key, (long long)j->value);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "expert.settings", "expert_settings", 1, NULL, detail);
    return domain_store_err(rc);
}

enum err expert_setting_set(struct store *s, const struct tender_caller *c, const char *key,
                            int64_t value, struct expert_refusal *why)
{
    memset(why, 0, sizeof(*why));
    if (!(c->roles & ROLE_ADMIN))
        return ERR_FORBIDDEN;
    if (key == NULL ||
        (strcmp(key, EXPERT_SET_MAX_DRAWS) != 0 && strcmp(key, EXPERT_SET_COMMITTEE) != 0))
        return refuse(why, ERR_NOT_FOUND, "key", NULL);
    if (strcmp(key, EXPERT_SET_MAX_DRAWS) == 0 ? (value < 1 || value > 30)
                                               : (value < 3 || value > 49 || value % 2 == 0))
        return refuse(why, ERR_INVALID_FIELD, "value", "out of range");
    struct setting_job j = {
        c, strcmp(key, EXPERT_SET_MAX_DRAWS) == 0 ? EXPERT_SET_MAX_DRAWS : EXPERT_SET_COMMITTEE,
        value};
    return domain_write(s, setting_tx, &j);
}

/* ---- one expert ---- */

/* Validates in against the tree (specialties) and fills e (from the stored
 * row on edit) and the lists; strings of in are borrowed. */
struct expert_write {
    struct expert e;
    const char *specs[EXPERT_SPECS_MAX];
    int nspecs;
    bool set_specs;
    struct expert_relation rel[EXPERT_RELATIONS_MAX];
    int nrel;
    bool set_rel;
    struct expert_unavail un[EXPERT_UNAVAIL_MAX];
    int nun;
    bool set_un;
};

/* "" -> NULL for an optional text. */
static const char *opt_text(const char *s)
{
    return s != NULL && s[0] == '\0' ? NULL : s;
}

/* Checks the input's fields; create: the required ones must be there. */
enum err expert_input_check(const struct expert_input *in, bool create, struct expert_refusal *why)
{
    if (create || in->code != NULL) {
        if (in->code == NULL)
            return refuse(why, ERR_MISSING_FIELD, "code", NULL);
        if (!code_ok(in->code))
            return refuse(why, ERR_INVALID_FIELD, "code", "1-32 of A-Z a-z 0-9 - _");
    }
    struct {
        const char *v, *name;
        size_t max;
    } req[] = {{in->name, "name", EXPERT_NAME_MAX},
               {in->employer, "employer", EXPERT_TEXT_MAX},
               {in->title, "title", EXPERT_TITLE_MAX}};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
        if (req[i].v == NULL) {
            if (create)
                return refuse(why, ERR_MISSING_FIELD, req[i].name, NULL);
        } else if (!text_ok(req[i].v, 1, req[i].max, false)) {
            return refuse(why, ERR_INVALID_FIELD, req[i].name, "empty, too long or not text");
        }
    }
    if (in->region == NULL ? create : !region_ok(in->region))
        return refuse(why, in->region == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD, "region",
                      in->region == NULL ? NULL : "a six-digit GB/T 2260 code");
    if (in->title_level == NULL ? create
                                : one_of(in->title_level, title_levels, title_levels_zh, 3) == NULL)
        return refuse(why, in->title_level == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD,
                      "title_level",
                      in->title_level == NULL ? NULL : "intermediate, deputy_senior or senior");
    if (create && !in->has_years)
        return refuse(why, ERR_MISSING_FIELD, "years", NULL);
    if (in->has_years && (in->years < 0 || in->years > 80))
        return refuse(why, ERR_INVALID_FIELD, "years", "0 to 80");
    if (in->status != NULL && one_of(in->status, statuses, statuses_zh, 3) == NULL)
        return refuse(why, ERR_INVALID_FIELD, "status", "active, suspended or retired");
    if (opt_text(in->employer_uscc) != NULL && !uscc_valid(in->employer_uscc, NULL))
        return refuse(why, ERR_INVALID_USCC, "employer_uscc", NULL);
    if (opt_text(in->phone) != NULL && !phone_ok(in->phone))
        return refuse(why, ERR_INVALID_FIELD, "phone", "digits, + - ( ) and blanks");
    if (opt_text(in->email) != NULL && !email_ok(in->email))
        return refuse(why, ERR_INVALID_FIELD, "email", NULL);
    if (in->note != NULL && !text_ok(in->note, 0, EXPERT_NOTE_MAX, true))
        return refuse(why, ERR_INVALID_FIELD, "note", NULL);
    if (create && !in->has_specs)
        return refuse(why, ERR_MISSING_FIELD, "specialties", NULL);
    if (in->has_specs && (in->nspecs < 1 || in->nspecs > EXPERT_SPECS_MAX))
        return refuse(why, ERR_INVALID_FIELD, "specialties", "1 to %d codes", EXPERT_SPECS_MAX);
    for (int i = 0; in->has_specs && i < in->nspecs; i++)
        if (!drawalg_spec_ok(in->specs[i]))
            return refuse(why, ERR_UNKNOWN_SPECIALTY, "specialties", "'%.40s' is not a code",
                          in->specs[i]);
    for (int i = 0; in->has_relations && i < in->nrel; i++) {
        const struct expert_relation_in *r = &in->rel[i];
        if (ONE_OF(r->kind, relation_kinds) == NULL)
            return refuse(why, ERR_INVALID_FIELD, "relations",
                          "kind: former_employer, relative, shareholder, interest or other");
        if (!text_ok(r->org_name, 1, EXPERT_TEXT_MAX, false))
            return refuse(why, ERR_INVALID_FIELD, "relations", "an organisation name is needed");
        if (opt_text(r->org_uscc) != NULL && !uscc_valid(r->org_uscc, NULL))
            return refuse(why, ERR_INVALID_USCC, "relations", NULL);
        if (r->until_ms < 0 || (r->note != NULL && !text_ok(r->note, 0, EXPERT_TEXT_MAX, false)))
            return refuse(why, ERR_INVALID_FIELD, "relations", NULL);
    }
    for (int i = 0; in->has_unavail && i < in->nun; i++) {
        const struct expert_unavail_in *u = &in->un[i];
        if (ONE_OF(u->kind, unavail_kinds) == NULL)
            return refuse(why, ERR_INVALID_FIELD, "unavailable", "kind: leave or blocked");
        if (u->from_ms <= 0 || u->to_ms <= u->from_ms || u->to_ms - u->from_ms > 3660 * DAY_MS)
            return refuse(why, ERR_INVALID_FIELD, "unavailable",
                          "a period from < to, at most 10 years");
        if (u->note != NULL && !text_ok(u->note, 0, EXPERT_TEXT_MAX, false))
            return refuse(why, ERR_INVALID_FIELD, "unavailable", NULL);
    }
    return ERR_OK;
}

/* Applies a checked input to w (w->e holds the stored row on edit). */
static enum err apply_input(struct store_tx *tx, struct arena *a, const struct specialty_tree *tree,
                            const struct expert_input *in, struct expert_write *w,
                            struct expert_refusal *why)
{
    struct expert *e = &w->e;
    char norm[USCC_LEN + 1];
    if (in->code)
        e->code = in->code;
    if (in->name)
        e->name = in->name;
    if (in->region)
        e->region = in->region;
    if (in->employer)
        e->employer = in->employer;
    if (in->employer_uscc) {
        e->employer_uscc = NULL;
        if (opt_text(in->employer_uscc) != NULL && uscc_valid(in->employer_uscc, norm))
            e->employer_uscc = arena_strdup(a, norm);
    }
    if (in->title)
        e->title = in->title;
    if (in->title_level)
        e->title_level = one_of(in->title_level, title_levels, title_levels_zh, 3);
    if (in->has_years)
        e->years = in->years;
    if (in->phone)
        e->phone = opt_text(in->phone);
    if (in->email)
        e->email = opt_text(in->email);
    if (in->status)
        e->status = one_of(in->status, statuses, statuses_zh, 3);
    if (e->status == NULL)
        e->status = "active";
    if (in->note)
        e->note = opt_text(in->note);
    if (in->username != NULL) {
        e->user_id = 0;
        if (in->username[0] != '\0') {
            struct user u;
            int rc = store_user_by_name(tx, a, in->username, &u);
            if (rc == STORE_NOTFOUND || (rc == STORE_OK && !(u.roles & ROLE_EXPERT)))
                return refuse(why, ERR_INVALID_FIELD, "username",
                              "no account '%.40s' with the expert role", in->username);
            if (rc != STORE_OK)
                return domain_store_err(rc);
            e->user_id = u.id;
        }
    }
    if (in->has_specs) {
        w->set_specs = true;
        w->nspecs = 0;
        for (int i = 0; i < in->nspecs; i++) {
            if (tree_find(tree, in->specs[i]) == NULL)
                return refuse(why, ERR_UNKNOWN_SPECIALTY, "specialties",
                              "'%.40s' is not in the specialty list", in->specs[i]);
            bool dup = false;
            for (int k = 0; k < w->nspecs; k++)
                dup = dup || strcmp(w->specs[k], in->specs[i]) == 0;
            if (!dup)
                w->specs[w->nspecs++] = in->specs[i];
        }
    }
    if (in->has_relations) {
        w->set_rel = true;
        w->nrel = in->nrel;
        for (int i = 0; i < in->nrel; i++) {
            struct expert_relation *r = &w->rel[i];
            memset(r, 0, sizeof(*r));
            r->kind = ONE_OF(in->rel[i].kind, relation_kinds);
            r->org_name = in->rel[i].org_name;
            r->org_uscc = NULL;
            if (opt_text(in->rel[i].org_uscc) != NULL && uscc_valid(in->rel[i].org_uscc, norm))
                r->org_uscc = arena_strdup(a, norm);
            r->until_ms = in->rel[i].until_ms;
            r->note = opt_text(in->rel[i].note);
        }
    }
    if (in->has_unavail) {
        w->set_un = true;
        w->nun = in->nun;
        for (int i = 0; i < in->nun; i++) {
            struct expert_unavail *u = &w->un[i];
            memset(u, 0, sizeof(*u));
            u->from_ms = in->un[i].from_ms;
            u->to_ms = in->un[i].to_ms;
            u->kind = ONE_OF(in->un[i].kind, unavail_kinds);
            u->note = opt_text(in->un[i].note);
        }
    }
    return ERR_OK;
}

/* Writes w: the row (insert when w->e.id == 0), then the lists given. */
static enum err write_expert(struct store_tx *tx, const struct tender_caller *c,
                             struct expert_write *w, int64_t now, struct expert_refusal *why)
{
    int rc;
    w->e.updated_ms = now;
    if (w->e.id == 0) {
        w->e.created_ms = now;
        w->e.version = 1;
        rc = store_expert_insert(tx, &w->e, &w->e.id);
    } else {
        w->e.version++;
        rc = store_expert_update(tx, &w->e);
    }
    if (rc == STORE_CONSTRAINT)
        return refuse(why, ERR_ALREADY_EXISTS, "username",
                      "the code or the account belongs to another expert");
    if (rc == STORE_OK && w->set_specs)
        rc = store_expert_specs_set(tx, w->e.id, w->specs, w->nspecs);
    if (rc == STORE_OK && w->set_rel)
        rc = store_expert_relations_set(tx, w->e.id, w->rel, w->nrel, now);
    for (int i = 0; rc == STORE_OK && w->set_un && i < w->nun; i++)
        w->un[i].created_by = c->who.user_id;
    if (rc == STORE_OK && w->set_un)
        rc = store_expert_unavail_set(tx, w->e.id, w->un, w->nun, now);
    return domain_store_err(rc);
}

struct one_job {
    const struct tender_caller *c;
    const struct expert_input *in;
    int64_t id;             /* edit: the expert; out: the new id */
    int64_t expect_version; /* edit */
    struct expert_refusal *why;
    struct arena a;
};

static enum err one_tx(struct store_tx *tx, void *arg)
{
    struct one_job *j = arg;
    struct expert_write *w = arena_calloc(&j->a, sizeof(*w));
    struct specialty_tree tree;
    char detail[128];
    int64_t now = clock_now_ms();
    bool create = j->expect_version < 0;
    if (w == NULL)
        return ERR_INTERNAL;
    int rc = specialty_tree_load(tx, &j->a, &tree);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (!create) {
        rc = store_expert_get(tx, &j->a, j->id, &w->e);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        if (j->expect_version > 0 && w->e.version != j->expect_version)
            return ERR_CONFLICT;
    } else {
        struct expert old;
        rc = store_expert_by_code(tx, &j->a, j->in->code, &old);
        if (rc == STORE_OK)
            return refuse(j->why, ERR_ALREADY_EXISTS, "code", NULL);
        if (rc != STORE_NOTFOUND)
            return domain_store_err(rc);
    }
    enum err e = apply_input(tx, &j->a, &tree, j->in, w, j->why);
    if (e == ERR_OK)
        e = write_expert(tx, j->c, w, now, j->why);
    if (e != ERR_OK)
        return e;
    j->id = w->e.id;
    snprintf(detail, sizeof detail, "{\"code\":\"%s\",\"version\":%lld}", w->e.code,
             (long long)w->e.version);
    return domain_store_err(record(tx, j->c, create ? "expert.create" : "expert.update", "expert",
                                   w->e.id, NULL, detail));
}

enum err expert_create(struct store *s, const struct tender_caller *c,
                       const struct expert_input *in, int64_t *id, struct expert_refusal *why)
{
    struct expert_refusal local;
    if (why == NULL)
        why = &local;
    memset(why, 0, sizeof(*why));
    if (!(c->roles & ROLE_ADMIN))
        return ERR_FORBIDDEN;
    enum err e = expert_input_check(in, true, why);
    if (e != ERR_OK)
        return e;
    struct one_job j = {c, in, 0, -1, why, {0}};
    arena_init(&j.a, 0);
    e = domain_write(s, one_tx, &j);
    arena_release(&j.a);
    if (e == ERR_OK)
        *id = j.id;
    return e;
}

enum err expert_update(struct store *s, const struct tender_caller *c, int64_t id,
                       int64_t expect_version, const struct expert_input *in,
                       struct expert_refusal *why)
{
    struct expert_refusal local;
    if (why == NULL)
        why = &local;
    memset(why, 0, sizeof(*why));
    if (!(c->roles & ROLE_ADMIN))
        return ERR_FORBIDDEN;
    enum err e = expert_input_check(in, false, why);
    if (e != ERR_OK)
        return e;
    struct one_job j = {c, in, id, expect_version > 0 ? expect_version : 0, why, {0}};
    arena_init(&j.a, 0);
    e = domain_write(s, one_tx, &j);
    arena_release(&j.a);
    return e;
}

enum err expert_read_check(struct store_tx *tx, const struct tender_caller *c, int64_t id)
{
    if (c->roles & (ROLE_ADMIN | ROLE_SUPERVISOR))
        return ERR_OK;
    if (c->roles & ROLE_EXPERT) {
        struct arena a;
        struct expert e;
        arena_init(&a, 0);
        int rc = store_expert_get(tx, &a, id, &e);
        arena_release(&a);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        return e.user_id != 0 && e.user_id == c->who.user_id ? ERR_OK : ERR_NOT_OWNER;
    }
    return ERR_FORBIDDEN;
}

/* ---- periods and credit ---- */

struct unavail_job {
    const struct tender_caller *c;
    int64_t id;
    const struct expert_unavail_in *in; /* add; NULL: remove uid */
    int64_t uid;
};

static enum err unavail_tx(struct store_tx *tx, void *arg)
{
    struct unavail_job *j = arg;
    enum err e = expert_read_check(tx, j->c, j->id);
    char detail[160];
    int rc;
    if (e != ERR_OK)
        return e;
    if (j->c->roles & ROLE_SUPERVISOR && !(j->c->roles & (ROLE_ADMIN | ROLE_EXPERT)))
        return ERR_FORBIDDEN; /* supervisors read, they do not declare leave */
    if (j->in != NULL) {
        struct expert_unavail u = {0};
        u.expert_id = j->id;
        u.from_ms = j->in->from_ms;
        u.to_ms = j->in->to_ms;
        u.kind = ONE_OF(j->in->kind, unavail_kinds);
        u.note = opt_text(j->in->note);
        u.created_by = j->c->who.user_id;
        u.created_ms = clock_now_ms();
        rc = store_expert_unavail_insert(tx, &u, &j->uid);
        snprintf(detail, sizeof detail, "{\"from_ms\":%lld,\"to_ms\":%lld,\"kind\":\"%s\"}",
                 (long long)u.from_ms, (long long)u.to_ms, u.kind);
    } else {
        rc = store_expert_unavail_delete(tx, j->id, j->uid);
        snprintf(detail, sizeof detail, "{\"removed\":%lld}", (long long)j->uid);
    }
    if (rc == STORE_OK)
        rc = record(tx, j->c, "expert.unavailable", "expert", j->id, NULL, detail);
    return domain_store_err(rc);
}

enum err expert_unavail_add(struct store *s, const struct tender_caller *c, int64_t id,
                            const struct expert_unavail_in *in, int64_t *uid,
                            struct expert_refusal *why)
{
    struct expert_input probe = {0};
    memset(why, 0, sizeof(*why));
    if (!(c->roles & (ROLE_ADMIN | ROLE_EXPERT)))
        return ERR_FORBIDDEN;
    probe.has_unavail = true;
    probe.un[0] = *in;
    probe.nun = 1;
    enum err e = expert_input_check(&probe, false, why);
    if (e != ERR_OK)
        return e;
    struct unavail_job j = {c, id, in, 0};
    e = domain_write(s, unavail_tx, &j);
    if (e == ERR_OK)
        *uid = j.uid;
    return e;
}

enum err expert_unavail_remove(struct store *s, const struct tender_caller *c, int64_t id,
                               int64_t uid)
{
    if (!(c->roles & (ROLE_ADMIN | ROLE_EXPERT)))
        return ERR_FORBIDDEN;
    struct unavail_job j = {c, id, NULL, uid};
    return domain_write(s, unavail_tx, &j);
}

struct credit_job {
    const struct tender_caller *c;
    struct expert_credit cr;
    struct arena a;
};

static enum err credit_tx(struct store_tx *tx, void *arg)
{
    struct credit_job *j = arg;
    struct expert e;
    char detail[200];
    int rc = store_expert_get(tx, &j->a, j->cr.expert_id, &e);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (j->cr.tender_id != 0) {
        struct tender t;
        rc = store_tender_get(tx, &j->a, j->cr.tender_id, &t);
        if (rc == STORE_NOTFOUND)
            return ERR_INVALID_FIELD;
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    j->cr.created_ms = clock_now_ms();
    if (j->cr.at_ms == 0)
        j->cr.at_ms = j->cr.created_ms;
    rc = store_expert_credit_insert(tx, &j->cr, &j->cr.id);
    /* suspension and reinstatement move the expert's status with the entry */
    const char *to = NULL;
    if (strcmp(j->cr.kind, "suspend") == 0 && strcmp(e.status, "active") == 0)
        to = "suspended";
    else if (strcmp(j->cr.kind, "reinstate") == 0 && strcmp(e.status, "suspended") == 0)
        to = "active";
    if (rc == STORE_OK && to != NULL) {
        e.status = to;
        e.version++;
        e.updated_ms = j->cr.created_ms;
        rc = store_expert_update(tx, &e);
    }
    snprintf(detail, sizeof detail, "{\"kind\":\"%s\",\"points\":%lld,\"status\":\"%s\"}",
             j->cr.kind, (long long)j->cr.points, e.status);
    if (rc == STORE_OK)
        rc = record(tx, j->c, "expert.credit", "expert", e.id, NULL, detail);
    return domain_store_err(rc);
}

enum err expert_credit_add(struct store *s, const struct tender_caller *c, int64_t id,
                           const char *kind, int64_t points, const char *note, int64_t tender_id,
                           int64_t *cid, struct expert_refusal *why)
{
    memset(why, 0, sizeof(*why));
    if (!(c->roles & (ROLE_ADMIN | ROLE_SUPERVISOR)))
        return ERR_FORBIDDEN;
    const char *k = ONE_OF(kind, credit_kinds);
    if (k == NULL)
        return refuse(why, kind ? ERR_INVALID_FIELD : ERR_MISSING_FIELD, "kind",
                      kind ? "commend, warning, penalty, suspend, reinstate or note" : NULL);
    if (points < -100 || points > 100)
        return refuse(why, ERR_INVALID_FIELD, "points", "-100 to 100");
    if (!text_ok(note, 1, EXPERT_NOTE_MAX, true))
        return refuse(why, note ? ERR_INVALID_FIELD : ERR_MISSING_FIELD, "note", NULL);
    if (tender_id < 0)
        return refuse(why, ERR_INVALID_FIELD, "tender_id", NULL);
    struct credit_job j = {c, {0}, {0}};
    j.cr.expert_id = id;
    j.cr.kind = k;
    j.cr.points = points;
    j.cr.note = note;
    j.cr.tender_id = tender_id;
    j.cr.by_user = c->who.user_id;
    arena_init(&j.a, 0);
    enum err e = domain_write(s, credit_tx, &j);
    arena_release(&j.a);
    if (e == ERR_INVALID_FIELD)
        return refuse(why, e, "tender_id", "no such tender");
    if (e == ERR_OK)
        *cid = j.cr.id;
    return e;
}

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
        u->to_ms = last + DAY_MS;
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
            e = apply_input(tx, &j->a, &tree, &r->in, w, j->why);
        if (e == ERR_OK)
            e = write_expert(tx, j->c, w, now, j->why);
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
    rc = record(tx, j->c, "expert.import", "expert_pool", 1, j->hash, detail.data);
    buf_release(&detail);
    return domain_store_err(rc);
}

/* Reads the file into a sheet and maps its header; ERR_SPREADSHEET_INVALID
 * when it is no table. */
static enum err read_table(const void *data, size_t len, size_t max_rows, struct sheet *sh,
                           struct expert_refusal *why)
{
    struct sheet_error serr;
    struct sheet_limits lim = sheet_default_limits;
    lim.max_rows = max_rows + 1;
    if (len > EXPERT_IMPORT_MAX)
        return refuse(why, ERR_BODY_TOO_LARGE, NULL, NULL);
    int rc = sheet_read(sh, data, len, &lim, &serr);
    if (rc == SHEET_ENOMEM)
        return ERR_INTERNAL;
    if (rc != SHEET_OK) {
        why->row = (int64_t)serr.row;
        return refuse(why, ERR_SPREADSHEET_INVALID, NULL, "%s", serr.msg);
    }
    if (sh->nrows == 0)
        return refuse(why, ERR_SPREADSHEET_INVALID, NULL, "the file has no header row");
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
        return refuse(why, ERR_SPREADSHEET_INVALID, NULL, "the file has no header row");
    /* the header */
    const struct sheet_row *h = &sh->rows[0];
    if (h->ncells > 64) {
        e = refuse(why, ERR_SPREADSHEET_INVALID, NULL, "more than 64 columns");
        goto out;
    }
    for (size_t k = 0; k < h->ncells; k++) {
        map[k] = h->cells[k][0] == '\0' ? -2 : column_of(h->cells[k]);
        if (map[k] == -1 || (map[k] >= 0 && seen[map[k]])) {
            why->row = (int64_t)h->line;
            e = refuse(why, ERR_SPREADSHEET_INVALID, NULL,
                       map[k] == -1 ? "unknown column '%.60s'" : "column '%.60s' repeats",
                       h->cells[k]);
            goto out;
        }
        if (map[k] >= 0)
            seen[map[k]] = true;
    }
    if (!seen[C_CODE]) {
        why->row = (int64_t)h->line;
        e = refuse(why, ERR_SPREADSHEET_INVALID, "code", "the column code (专家编号) is missing");
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
                    e = refuse(why, ERR_IMPORT_ROW_INVALID, "years", "not a whole number");
                    goto out;
                }
                in->has_years = true;
                in->years = y;
                break;
            }
            case C_SPECS:
                in->has_specs = true;
                if (!split_list(a, v, in->specs, EXPERT_SPECS_MAX, &in->nspecs, true)) {
                    e = refuse(why, ERR_IMPORT_ROW_INVALID, "specialties", "too many codes");
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
                    e = refuse(why, ERR_IMPORT_ROW_INVALID, "relations",
                               "entries are kind:USCC:name separated by ;");
                    goto out;
                }
                break;
            case C_UNAVAIL:
                if (!parse_unavail(v, in)) {
                    e = refuse(why, ERR_IMPORT_ROW_INVALID, "unavailable",
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
        if (in->code == NULL || !code_ok(in->code)) {
            e = refuse(why, ERR_IMPORT_ROW_INVALID, "code", "1-32 of A-Z a-z 0-9 - _");
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
                e = refuse(why, ERR_IMPORT_ROW_INVALID, "code", "'%s' repeats row %zu",
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
    enum err e = read_table(data, len, EXPERT_IMPORT_ROWS, &sh, why);
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
    format_day(u->from_ms, from);
    format_day(u->to_ms - 1, last);
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

/* ---- the specialty list ---- */

struct spec_job {
    const struct tender_caller *c;
    struct specialty *rows;
    size_t *lines;
    int n;
    char hash[65];
    struct expert_import_result *res;
    struct expert_refusal *why;
    struct arena a;
};

/* The parent of code as the import will leave it: rows[0..upto) of the
 * file first (the last one wins), then the stored tree. *known: it exists. */
static const char *parent_after(const struct spec_job *j, int upto, const struct specialty_tree *t,
                                const char *code, bool *known)
{
    for (int i = upto - 1; i >= 0; i--)
        if (strcmp(j->rows[i].code, code) == 0) {
            *known = true;
            return j->rows[i].parent;
        }
    *known = tree_find(t, code) != NULL;
    return specialty_tree_parent(t, code);
}

static enum err spec_tx(struct store_tx *tx, void *arg)
{
    struct spec_job *j = arg;
    struct specialty_tree tree;
    char detail[160];
    int64_t now = clock_now_ms();
    bool known;
    j->res->created = j->res->updated = 0;
    int rc = specialty_tree_load(tx, &j->a, &tree);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    for (int i = 0; i < j->n; i++) {
        const struct specialty *s = &j->rows[i];
        j->why->row = (int64_t)j->lines[i];
        if (s->parent != NULL) {
            parent_after(j, i, &tree, s->parent, &known);
            if (!known)
                return refuse(j->why, ERR_IMPORT_ROW_INVALID, "parent",
                              "'%.40s' is not known yet (parents come first)", s->parent);
            /* no cycle: the code must not be an ancestor of its new parent */
            const char *p = s->parent;
            for (int d = 0; p != NULL; d++) {
                if (strcmp(p, s->code) == 0)
                    return refuse(j->why, ERR_IMPORT_ROW_INVALID, "parent",
                                  "a cycle through '%.40s'", s->code);
                if (d >= SPECIALTY_DEPTH_MAX)
                    return refuse(j->why, ERR_IMPORT_ROW_INVALID, "parent",
                                  "the tree is deeper than %d levels", SPECIALTY_DEPTH_MAX);
                p = parent_after(j, i, &tree, p, &known);
            }
        }
        parent_after(j, i, &tree, s->code, &known);
        if (known)
            j->res->updated++;
        else
            j->res->created++;
        rc = store_specialty_upsert(tx, s, now);
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    j->why->row = 0;
    snprintf(detail, sizeof detail, "{\"rows\":%d,\"sha256\":\"%s\"}", j->n, j->hash);
    return domain_store_err(
        record(tx, j->c, "specialty.import", "specialties", 1, j->hash, detail));
}

enum err specialty_import(struct store *s, const struct tender_caller *c, const void *data,
                          size_t len, struct expert_import_result *res, struct expert_refusal *why)
{
    struct sheet sh;
    int map[4] = {-1, -1, -1, -1}; /* code parent name name_en -> column */
    static const char *const names[4][2] = {
        {"code", "代码"}, {"parent", "上级代码"}, {"name", "名称"}, {"name_en", "英文名称"}};
    memset(why, 0, sizeof(*why));
    memset(res, 0, sizeof(*res));
    if (!(c->roles & ROLE_ADMIN))
        return ERR_FORBIDDEN;
    sheet_init(&sh);
    struct spec_job j = {0};
    arena_init(&j.a, 0);
    enum err e = read_table(data, len, SPECIALTIES_MAX, &sh, why);
    if (e != ERR_OK)
        goto out;
    const struct sheet_row *h = &sh.rows[0];
    for (size_t k = 0; k < h->ncells; k++) {
        int found = -1;
        for (int f = 0; f < 4; f++)
            if (strcasecmp(h->cells[k], names[f][0]) == 0 || strcmp(h->cells[k], names[f][1]) == 0)
                found = f;
        if (found < 0 || map[found] >= 0) {
            why->row = (int64_t)h->line;
            e = refuse(why, ERR_SPREADSHEET_INVALID, NULL, "unknown or repeated column '%.60s'",
                       h->cells[k]);
            goto out;
        }
        map[found] = (int)k;
    }
    if (map[0] < 0 || map[2] < 0) {
        e = refuse(why, ERR_SPREADSHEET_INVALID, NULL, "the columns code and name are needed");
        goto out;
    }
    j.n = (int)sh.nrows - 1;
    j.rows = calloc((size_t)(j.n > 0 ? j.n : 1), sizeof(*j.rows));
    j.lines = calloc((size_t)(j.n > 0 ? j.n : 1), sizeof(size_t));
    if (j.rows == NULL || j.lines == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    for (int i = 0; i < j.n; i++) {
        struct specialty *x = &j.rows[i];
        size_t r = (size_t)i + 1;
        j.lines[i] = sh.rows[r].line;
        why->row = (int64_t)sh.rows[r].line;
        x->code = sheet_cell(&sh, r, (size_t)map[0]);
        x->parent = map[1] >= 0 ? opt_text(sheet_cell(&sh, r, (size_t)map[1])) : NULL;
        x->name = sheet_cell(&sh, r, (size_t)map[2]);
        x->name_en = map[3] >= 0 ? opt_text(sheet_cell(&sh, r, (size_t)map[3])) : NULL;
        if (!drawalg_spec_ok(x->code))
            e = refuse(why, ERR_IMPORT_ROW_INVALID, "code", "A-Z 0-9 and dots, up to 32");
        else if (x->parent != NULL && !drawalg_spec_ok(x->parent))
            e = refuse(why, ERR_IMPORT_ROW_INVALID, "parent", "not a code");
        else if (!text_ok(x->name, 1, EXPERT_TEXT_MAX, false))
            e = refuse(why, ERR_IMPORT_ROW_INVALID, "name", NULL);
        else if (x->name_en != NULL && !text_ok(x->name_en, 1, EXPERT_TEXT_MAX, false))
            e = refuse(why, ERR_IMPORT_ROW_INVALID, "name_en", NULL);
        if (e != ERR_OK)
            goto out;
    }
    why->row = 0;
    crypto_sha256_hex(data, len, j.hash);
    j.c = c;
    j.res = res;
    j.why = why;
    res->rows = j.n;
    e = domain_write(s, spec_tx, &j);
out:
    free(j.rows);
    free(j.lines);
    sheet_release(&sh);
    arena_release(&j.a);
    return e;
}
