/*
 * domain/expert.c — the expert pool (expert.h): validation, the writes,
 * the specialty list and the settings; the spreadsheet import and export
 * of experts are in domain/expert_import.c (domain/expert_internal.h is
 * what the two files share).
 *
 * One expert is written by expert_write_row(): the row, its specialty
 * links, and (when given) its relations and periods, inside the caller's
 * transaction. create, update and every row of an import go through it, so
 * they obey the same rules.
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
#include "domain/expert_internal.h"
#include "domain/uscc.h"
#include "ledger/ledger.h"
#include "sheet/sheet.h"

#define BEIJING_MS ((int64_t)8 * 3600 * 1000)
#define DETAIL_MAX 4096

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

bool expert_code_ok(const char *s)
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

enum err expert_refuse(struct expert_refusal *why, enum err e, const char *field, const char *fmt,
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
    *ms = days_from_civil(v[0], v[1], v[2]) * EXPERT_DAY_MS - BEIJING_MS;
    return true;
}

/* "YYYY-MM-DD" of the Beijing-time day holding ms. */
void expert_format_day(int64_t ms, char out[16])
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

int expert_record(struct store_tx *tx, const struct tender_caller *c, const char *type,
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
        rc = expert_record(tx, j->c, "expert.settings", "expert_settings", 1, NULL, detail);
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
        return expert_refuse(why, ERR_NOT_FOUND, "key", NULL);
    if (strcmp(key, EXPERT_SET_MAX_DRAWS) == 0 ? (value < 1 || value > 30)
                                               : (value < 3 || value > 49 || value % 2 == 0))
        return expert_refuse(why, ERR_INVALID_FIELD, "value", "out of range");
    struct setting_job j = {
        c, strcmp(key, EXPERT_SET_MAX_DRAWS) == 0 ? EXPERT_SET_MAX_DRAWS : EXPERT_SET_COMMITTEE,
        value};
    return domain_write(s, setting_tx, &j);
}

/* ---- one expert ---- */

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
            return expert_refuse(why, ERR_MISSING_FIELD, "code", NULL);
        if (!expert_code_ok(in->code))
            return expert_refuse(why, ERR_INVALID_FIELD, "code", "1-32 of A-Z a-z 0-9 - _");
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
                return expert_refuse(why, ERR_MISSING_FIELD, req[i].name, NULL);
        } else if (!text_ok(req[i].v, 1, req[i].max, false)) {
            return expert_refuse(why, ERR_INVALID_FIELD, req[i].name,
                                 "empty, too long or not text");
        }
    }
    if (in->region == NULL ? create : !region_ok(in->region))
        return expert_refuse(why, in->region == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD,
                             "region", in->region == NULL ? NULL : "a six-digit GB/T 2260 code");
    if (in->title_level == NULL ? create
                                : one_of(in->title_level, title_levels, title_levels_zh, 3) == NULL)
        return expert_refuse(
            why, in->title_level == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD, "title_level",
            in->title_level == NULL ? NULL : "intermediate, deputy_senior or senior");
    if (create && !in->has_years)
        return expert_refuse(why, ERR_MISSING_FIELD, "years", NULL);
    if (in->has_years && (in->years < 0 || in->years > 80))
        return expert_refuse(why, ERR_INVALID_FIELD, "years", "0 to 80");
    if (in->status != NULL && one_of(in->status, statuses, statuses_zh, 3) == NULL)
        return expert_refuse(why, ERR_INVALID_FIELD, "status", "active, suspended or retired");
    if (opt_text(in->employer_uscc) != NULL && !uscc_valid(in->employer_uscc, NULL))
        return expert_refuse(why, ERR_INVALID_USCC, "employer_uscc", NULL);
    if (opt_text(in->phone) != NULL && !phone_ok(in->phone))
        return expert_refuse(why, ERR_INVALID_FIELD, "phone", "digits, + - ( ) and blanks");
    if (opt_text(in->email) != NULL && !email_ok(in->email))
        return expert_refuse(why, ERR_INVALID_FIELD, "email", NULL);
    if (in->note != NULL && !text_ok(in->note, 0, EXPERT_NOTE_MAX, true))
        return expert_refuse(why, ERR_INVALID_FIELD, "note", NULL);
    if (create && !in->has_specs)
        return expert_refuse(why, ERR_MISSING_FIELD, "specialties", NULL);
    if (in->has_specs && (in->nspecs < 1 || in->nspecs > EXPERT_SPECS_MAX))
        return expert_refuse(why, ERR_INVALID_FIELD, "specialties", "1 to %d codes",
                             EXPERT_SPECS_MAX);
    for (int i = 0; in->has_specs && i < in->nspecs; i++)
        if (!drawalg_spec_ok(in->specs[i]))
            return expert_refuse(why, ERR_UNKNOWN_SPECIALTY, "specialties", "'%.40s' is not a code",
                                 in->specs[i]);
    for (int i = 0; in->has_relations && i < in->nrel; i++) {
        const struct expert_relation_in *r = &in->rel[i];
        if (ONE_OF(r->kind, relation_kinds) == NULL)
            return expert_refuse(why, ERR_INVALID_FIELD, "relations",
                                 "kind: former_employer, relative, shareholder, interest or other");
        if (!text_ok(r->org_name, 1, EXPERT_TEXT_MAX, false))
            return expert_refuse(why, ERR_INVALID_FIELD, "relations",
                                 "an organisation name is needed");
        if (opt_text(r->org_uscc) != NULL && !uscc_valid(r->org_uscc, NULL))
            return expert_refuse(why, ERR_INVALID_USCC, "relations", NULL);
        if (r->until_ms < 0 || (r->note != NULL && !text_ok(r->note, 0, EXPERT_TEXT_MAX, false)))
            return expert_refuse(why, ERR_INVALID_FIELD, "relations", NULL);
    }
    for (int i = 0; in->has_unavail && i < in->nun; i++) {
        const struct expert_unavail_in *u = &in->un[i];
        if (ONE_OF(u->kind, unavail_kinds) == NULL)
            return expert_refuse(why, ERR_INVALID_FIELD, "unavailable", "kind: leave or blocked");
        if (u->from_ms <= 0 || u->to_ms <= u->from_ms ||
            u->to_ms - u->from_ms > 3660 * EXPERT_DAY_MS)
            return expert_refuse(why, ERR_INVALID_FIELD, "unavailable",
                                 "a period from < to, at most 10 years");
        if (u->note != NULL && !text_ok(u->note, 0, EXPERT_TEXT_MAX, false))
            return expert_refuse(why, ERR_INVALID_FIELD, "unavailable", NULL);
    }
    return ERR_OK;
}

/* Applies a checked input to w (w->e holds the stored row on edit). */
enum err expert_apply_input(struct store_tx *tx, struct arena *a, const struct specialty_tree *tree,
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
                return expert_refuse(why, ERR_INVALID_FIELD, "username",
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
                return expert_refuse(why, ERR_UNKNOWN_SPECIALTY, "specialties",
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
enum err expert_write_row(struct store_tx *tx, const struct tender_caller *c,
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
        return expert_refuse(why, ERR_ALREADY_EXISTS, "username",
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
            return expert_refuse(j->why, ERR_ALREADY_EXISTS, "code", NULL);
        if (rc != STORE_NOTFOUND)
            return domain_store_err(rc);
    }
    enum err e = expert_apply_input(tx, &j->a, &tree, j->in, w, j->why);
    if (e == ERR_OK)
        e = expert_write_row(tx, j->c, w, now, j->why);
    if (e != ERR_OK)
        return e;
    j->id = w->e.id;
    snprintf(detail, sizeof detail, "{\"code\":\"%s\",\"version\":%lld}", w->e.code,
             (long long)w->e.version);
    return domain_store_err(expert_record(tx, j->c, create ? "expert.create" : "expert.update",
                                          "expert", w->e.id, NULL, detail));
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
        rc = expert_record(tx, j->c, "expert.unavailable", "expert", j->id, NULL, detail);
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
        rc = expert_record(tx, j->c, "expert.credit", "expert", e.id, NULL, detail);
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
        return expert_refuse(why, kind ? ERR_INVALID_FIELD : ERR_MISSING_FIELD, "kind",
                             kind ? "commend, warning, penalty, suspend, reinstate or note" : NULL);
    if (points < -100 || points > 100)
        return expert_refuse(why, ERR_INVALID_FIELD, "points", "-100 to 100");
    if (!text_ok(note, 1, EXPERT_NOTE_MAX, true))
        return expert_refuse(why, note ? ERR_INVALID_FIELD : ERR_MISSING_FIELD, "note", NULL);
    if (tender_id < 0)
        return expert_refuse(why, ERR_INVALID_FIELD, "tender_id", NULL);
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
        return expert_refuse(why, e, "tender_id", "no such tender");
    if (e == ERR_OK)
        *cid = j.cr.id;
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
                return expert_refuse(j->why, ERR_IMPORT_ROW_INVALID, "parent",
                                     "'%.40s' is not known yet (parents come first)", s->parent);
            /* no cycle: the code must not be an ancestor of its new parent */
            const char *p = s->parent;
            for (int d = 0; p != NULL; d++) {
                if (strcmp(p, s->code) == 0)
                    return expert_refuse(j->why, ERR_IMPORT_ROW_INVALID, "parent",
                                         "a cycle through '%.40s'", s->code);
                if (d >= SPECIALTY_DEPTH_MAX)
                    return expert_refuse(j->why, ERR_IMPORT_ROW_INVALID, "parent",
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
        expert_record(tx, j->c, "specialty.import", "specialties", 1, j->hash, detail));
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
    enum err e = expert_read_table(data, len, SPECIALTIES_MAX, &sh, why);
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
            e = expert_refuse(why, ERR_SPREADSHEET_INVALID, NULL,
                              "unknown or repeated column '%.60s'", h->cells[k]);
            goto out;
        }
        map[found] = (int)k;
    }
    if (map[0] < 0 || map[2] < 0) {
        e = expert_refuse(why, ERR_SPREADSHEET_INVALID, NULL,
                          "the columns code and name are needed");
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
            e = expert_refuse(why, ERR_IMPORT_ROW_INVALID, "code", "A-Z 0-9 and dots, up to 32");
        else if (x->parent != NULL && !drawalg_spec_ok(x->parent))
            e = expert_refuse(why, ERR_IMPORT_ROW_INVALID, "parent", "not a code");
        else if (!text_ok(x->name, 1, EXPERT_TEXT_MAX, false))
            e = expert_refuse(why, ERR_IMPORT_ROW_INVALID, "name", NULL);
        else if (x->name_en != NULL && !text_ok(x->name_en, 1, EXPERT_TEXT_MAX, false))
            e = expert_refuse(why, ERR_IMPORT_ROW_INVALID, "name_en", NULL);
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
