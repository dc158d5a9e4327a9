/*
 * domain/tender.c — the steps of a tender up to its opening (tender.h).
 * The bidding-period steps (clarifications, objections, registration,
 * questions, document reads) are in domain/tender_bidding.c; the step
 * runner below is what they share (domain/tender_internal.h).
 *
 * Every write is one `struct tender_step` run by domain_write(): step_tx()
 * reads the tender and the rules of its procedure, checks visibility, role,
 * owner, state and pause against tender_action_defs[], then calls the
 * step's own apply function, which checks the step's rules and writes.
 * save() writes the tender row back with next_due_ms recomputed (the
 * scheduler's only index), its version bumped; record() writes the audit
 * row and the witness-log event. A step may run more than once (a
 * PostgreSQL conflict retries the whole transaction), so everything it
 * reports (changes, refusals, ids) is reset at the start of each attempt.
 *
 * Timers (release at publish_at, bidding at doc_start, opening at the
 * deadline) are applied by tender_step_advance() inside a transaction: in
 * order, each with its nominal time, until nothing is due at now. The scheduler calls it
 * per due tender (tender_advance); publish and resume call it too, so a
 * step whose timers are already due does not wait for the next tick.
 *
 * Threads: any (worker, scheduler, CLI); no shared state.
 */
#include "domain/tender.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/roles.h"
#include "base/utf8.h"
#include "domain/escrow.h"
#include "domain/tender_internal.h"
#include "ledger/ledger.h"

#define DETAIL_MAX       8192
#define DOC_VERSIONS_MAX 200
#define DATE_MAX_MS      ((int64_t)253402300799000) /* 9999-12-31 */
#define DEFAULT_READOUT  "bidder,price,duration"
#define DEFAULT_EVAL     "comprehensive"

const struct tender_caller tender_system_caller = {{0, "system", NULL, NULL}, 0, 0, true};

/* ---- small checks ---- */

/* Valid UTF-8, min..max bytes; multiline allows \n \r \t, otherwise no
 * control characters at all. */
bool tender_text_ok(const char *s, size_t min, size_t max, bool multiline)
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
    /* not only white space */
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
            return true;
    return min == 0;
}

enum err tender_bad(struct tender_refusal *why, enum err e, const char *field)
{
    why->rule = NULL;
    why->field = field;
    why->limit = 0;
    return e;
}

static bool is_owner(const struct tender_caller *c, const struct tender *t)
{
    return (c->roles & ROLE_AGENT) && c->org_id != 0 &&
           (c->org_id == t->agent_org_id || c->org_id == t->owner_org_id);
}

/* "2026-03-01 09:30" in Beijing time. */
static void beijing_time(int64_t ms, char out[32])
{
    time_t t = (time_t)((ms + 8 * 3600 * 1000LL) / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(out, 32, "?");
}

struct tender_dates tender_dates_of(const struct tender *t)
{
    struct tender_dates d = {t->publish_at_ms, t->doc_start_ms, t->doc_end_ms,
                             t->clarify_deadline_ms, t->bid_deadline_ms};
    return d;
}

void tender_dates_put(struct tender *t, const struct tender_dates *d)
{
    t->publish_at_ms = d->publish_at;
    t->doc_start_ms = d->doc_start;
    t->doc_end_ms = d->doc_end;
    t->clarify_deadline_ms = d->clarify_deadline;
    t->bid_deadline_ms = d->bid_deadline;
}

int tender_rules_load(struct store_tx *tx, enum tender_procedure p, struct tender_rules *out)
{
    const char *names[TR__COUNT];
    tender_rules_defaults(p, out);
    for (int i = 0; i < TR__COUNT; i++)
        names[i] = tender_rule_defs[i].name;
    return store_tender_rule_values(tx, tender_procedure_name(p), names, TR__COUNT, out->v);
}

enum err tender_access_check(struct store_tx *tx, const struct tender_caller *c,
                             const struct tender *t, struct tender_access *acc)
{
    memset(acc, 0, sizeof(*acc));
    acc->owner = is_owner(c, t);
    acc->supervisor = (c->roles & ROLE_SUPERVISOR) != 0;
    if (strcmp(t->state, "draft") == 0 && !acc->owner && !acc->supervisor && !c->system)
        return ERR_NOT_FOUND;
    if ((c->roles & ROLE_BIDDER) && c->org_id != 0) {
        int rc = store_tender_reg_exists(tx, t->id, c->org_id, &acc->registered);
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    return ERR_OK;
}

int tender_change_json(const struct tender_change *c, struct buf *out)
{
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", c->tender_id);
    jsonw_kstr(&w, "code", c->code);
    jsonw_kstr(&w, "state", tender_state_name(c->to));
    jsonw_kstr(&w, "from", tender_state_name(c->from));
    jsonw_kbool(&w, "paused", c->paused);
    jsonw_kint(&w, "bid_deadline_ms", c->bid_deadline_ms);
    jsonw_key(&w, "due_ms");
    if (c->due_ms > 0)
        jsonw_int(&w, c->due_ms);
    else
        jsonw_null(&w);
    jsonw_kint(&w, "at_ms", c->at_ms);
    jsonw_obj_end(&w);
    return jsonw_finish(&w) == JSONW_OK ? 0 : -1;
}

/* ---- the step runner ---- */

void tender_step_change(struct tender_step *s, const char *event, enum tender_state from,
                        int64_t due)
{
    if (s->ch->n == TENDER_MAX_CHANGES)
        return;
    struct tender_change *c = &s->ch->c[s->ch->n++];
    memset(c, 0, sizeof(*c));
    c->tender_id = s->t.id;
    snprintf(c->code, sizeof c->code, "%s", s->t.code ? s->t.code : "");
    c->event = event;
    c->from = from;
    c->to = s->st;
    c->paused = s->t.paused;
    c->due_ms = due;
    c->at_ms = s->now;
    c->bid_deadline_ms = s->t.bid_deadline_ms;
}

/* The audit row and the witness-log event of a step, by caller c. */
static int record(struct store_tx *tx, const struct tender_caller *c, int64_t tender_id,
                  const char *type, const char *subject_type, int64_t subject_id,
                  const char *doc_hash, struct buf *detail)
{
    int rc = audit_record(tx, &c->who, type, subject_type, subject_id,
                          detail != NULL && detail->len > 0 ? detail->data : NULL);
    if (rc != STORE_OK)
        return rc;
    struct ledger_event ev = {.type = type,
                              .subject_type = subject_type,
                              .subject_id = subject_id,
                              .actor_id = c->who.user_id,
                              .actor_name = c->who.name ? c->who.name : "system",
                              .doc_hash = doc_hash,
                              .tender_id = tender_id};
    return ledger_append(tx, &ev);
}

/* Starts a detail object with the tender's id, code and state. */
void tender_detail_begin(struct tender_step *s, struct buf *b, struct jsonw *w)
{
    buf_init(b, DETAIL_MAX);
    jsonw_init(w, b);
    jsonw_obj_begin(w);
    jsonw_kstr(w, "code", s->t.code);
    jsonw_kstr(w, "state", tender_state_name(s->st));
    if (s->stated_ms > 0) { /* demo seeding: said, not hidden */
        jsonw_kbool(w, "backdated", true);
        jsonw_kint(w, "stated_at_ms", s->stated_ms);
        jsonw_kint(w, "seeded_at_ms", clock_now_ms());
    }
}

/* Ends the detail and records the step. */
int tender_detail_record(struct store_tx *tx, struct tender_step *s, const struct tender_caller *c,
                         struct buf *b, struct jsonw *w, const char *type, const char *subject_type,
                         int64_t subject_id, const char *doc_hash)
{
    jsonw_obj_end(w);
    int rc = jsonw_finish(w) == JSONW_OK ? STORE_OK : STORE_TOOBIG;
    if (rc == STORE_OK)
        rc = record(tx, c, s->t.id, type, subject_type, subject_id, doc_hash, b);
    buf_release(b);
    return rc;
}

int tender_step_transition(struct store_tx *tx, struct tender_step *s,
                           const struct tender_caller *c, const char *action,
                           enum tender_state from, int64_t due)
{
    struct tender_transition tr = {0};
    tr.tender_id = s->t.id;
    tr.action = action;
    tr.from_state = tender_state_name(from);
    tr.to_state = tender_state_name(s->st);
    tr.due_ms = due;
    tr.at_ms = s->now;
    tr.actor_user_id = c->who.user_id;
    tr.actor = c->who.name ? c->who.name : "system";
    return store_tender_transition_insert(tx, &tr);
}

/* A notice (公告) about the tender: kind 'tender' or 'change'. */
int tender_step_notice(struct store_tx *tx, struct tender_step *s, const char *kind,
                       const char *what)
{
    char deadline[32];
    struct notice n = {0};
    int64_t id;
    beijing_time(s->t.bid_deadline_ms, deadline);
    n.kind = kind;
    n.category = s->t.category;
    n.title = s->t.title;
    n.region = s->t.region;
    n.body = arena_printf(&s->a, "%s\n项目编号：%s\n投标截止（开标）时间：%s（北京时间）", what,
                          s->t.code, deadline);
    if (n.body == NULL)
        return STORE_TOOBIG;
    n.ref_type = "tender";
    n.ref_id = s->t.id;
    n.published_ms = s->now;
    return store_notice_insert(tx, &n, &id);
}

static int save(struct store_tx *tx, struct tender_step *s)
{
    enum tender_action next;
    struct tender_dates d = tender_dates_of(&s->t);
    s->t.state = tender_state_name(s->st);
    s->t.next_due_ms = tender_rules_next_due(s->st, s->t.scheduled, s->t.paused, &d, &next);
    s->t.updated_ms = s->now;
    s->t.version++;
    s->dirty = false;
    return store_tender_update(tx, &s->t);
}

/* Visibility, role, owner, state: the checks every step makes first. */
static enum err check_step(struct store_tx *tx, struct tender_step *s)
{
    const struct tender_caller *c = s->c;
    struct tender_access acc;
    enum err e = tender_access_check(tx, c, &s->t, &acc);
    if (e != ERR_OK || s->action < 0)
        return e;
    const struct tender_action_def *d = &tender_action_defs[s->action];
    if (d->roles == 0 ? !c->system : (c->roles & d->roles) == 0)
        return ERR_FORBIDDEN;
    if (d->owner && !acc.owner)
        return ERR_NOT_OWNER;
    if ((d->roles & ROLE_BIDDER) && c->org_id == 0)
        return ERR_FORBIDDEN;
    return tender_action_check((enum tender_action)s->action, s->st, s->t.paused);
}

static enum err step_tx(struct store_tx *tx, void *arg)
{
    struct tender_step *s = arg;
    int rc;
    s->ch->n = 0;
    s->dirty = false;
    memset(s->why, 0, sizeof(*s->why));
    s->now = s->stated_ms > 0 ? s->stated_ms : clock_now_ms();
    rc = store_tender_get(tx, &s->a, s->id, &s->t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    int st = tender_state_parse(s->t.state);
    int proc = tender_procedure_parse(s->t.procedure);
    if (st < 0 || proc < 0) {
        log_error("tender %lld: unknown state '%s' or procedure '%s'", (long long)s->id, s->t.state,
                  s->t.procedure);
        return ERR_INTERNAL;
    }
    s->st = (enum tender_state)st;
    rc = tender_rules_load(tx, (enum tender_procedure)proc, &s->rules);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = check_step(tx, s);
    if (e != ERR_OK)
        return e;
    e = s->apply(tx, s);
    if (e == ERR_OK && s->dirty)
        e = domain_store_err(save(tx, s));
    return e;
}

enum err tender_run_step(struct store *store, struct tender_step *s)
{
    struct tender_changes local;
    struct tender_refusal why;
    if (s->ch == NULL)
        s->ch = &local;
    if (s->why == NULL)
        s->why = &why;
    arena_init(&s->a, 0);
    enum err e = domain_write(store, step_tx, s);
    arena_release(&s->a);
    if (e != ERR_OK)
        s->ch->n = 0;
    if (s->ch == &local)
        s->ch = NULL;
    if (s->why == &why)
        s->why = NULL;
    return e;
}

/* The checks of check_step() alone, in a read transaction: for steps that
 * do costly work (storing a document) before their write transaction. */
static enum err precheck(struct store *store, const struct tender_caller *c, int64_t id,
                         enum tender_action action)
{
    struct store_tx *tx = NULL;
    struct tender_step s = {0};
    s.c = c;
    s.id = id;
    s.action = action;
    arena_init(&s.a, 0);
    enum err e = domain_store_err(store_begin(store, STORE_READ, &tx));
    if (e == ERR_OK)
        e = domain_store_err(store_tender_get(tx, &s.a, id, &s.t));
    if (e == ERR_OK) {
        int st = tender_state_parse(s.t.state);
        s.st = st < 0 ? TS_DRAFT : (enum tender_state)st;
        e = check_step(tx, &s);
    }
    store_rollback(tx);
    arena_release(&s.a);
    return e;
}

/* ---- timers ---- */

/* draft -> published, by the agent (due 0) or the timer (due = publish_at). */
static int go_published(struct store_tx *tx, struct tender_step *s, const struct tender_caller *c,
                        const char *action, int64_t due)
{
    struct buf b;
    struct jsonw w;
    enum tender_state from = s->st;
    s->st = TS_PUBLISHED;
    s->t.scheduled = false;
    s->t.published_ms = s->now;
    if (due == 0) {
        s->t.publish_at_ms = s->now; /* the notice goes out now */
        if (s->t.doc_start_ms < s->now)
            s->t.doc_start_ms = s->now; /* and the documents with it */
    }
    if (s->t.original_deadline_ms == 0)
        s->t.original_deadline_ms = s->t.bid_deadline_ms;
    s->dirty = true;
    int rc = tender_step_transition(tx, s, c, action, from, due);
    /* an invited tender's notice is the invitation (投标邀请书), addressed to
     * its invitees, not the public board's 招标公告 (docs/tenders.md) */
    if (rc == STORE_OK && s->rules.procedure != TP_INVITED)
        rc = tender_step_notice(tx, s, "tender", "招标公告");
    if (rc != STORE_OK)
        return rc;
    tender_step_change(s, "tender.state", from, due);
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "publish_at_ms", s->t.publish_at_ms);
    jsonw_kint(&w, "bid_deadline_ms", s->t.bid_deadline_ms);
    if (due > 0)
        jsonw_kint(&w, "due_ms", due);
    jsonw_kint(&w, "at_ms", s->now);
    return tender_detail_record(tx, s, c, &b, &w, due > 0 ? "tender.release" : "tender.publish",
                                "tender", s->t.id, NULL);
}

/* One timed state change (bidding, opening). */
static int go_timer(struct store_tx *tx, struct tender_step *s, enum tender_state to,
                    const char *action, int64_t due)
{
    struct buf b;
    struct jsonw w;
    char type[40];
    enum tender_state from = s->st;
    s->st = to;
    s->dirty = true;
    int rc = tender_step_transition(tx, s, &tender_system_caller, action, from, due);
    if (rc != STORE_OK)
        return rc;
    tender_step_change(s, "tender.state", from, due);
    tender_detail_begin(s, &b, &w);
    jsonw_kstr(&w, "from", tender_state_name(from));
    jsonw_kint(&w, "due_ms", due);
    jsonw_kint(&w, "at_ms", s->now);
    snprintf(type, sizeof type, "tender.%s", action);
    return tender_detail_record(tx, s, &tender_system_caller, &b, &w, type, "tender", s->t.id,
                                NULL);
}

/* Applies every timer due by now, in order (at most one lap of the chain). */
int tender_step_advance(struct store_tx *tx, struct tender_step *s)
{
    for (int i = 0; i < 4; i++) {
        enum tender_action act;
        struct tender_dates d = tender_dates_of(&s->t);
        int64_t due = tender_rules_next_due(s->st, s->t.scheduled, s->t.paused, &d, &act);
        int rc;
        if (due == 0 || due > s->now)
            return STORE_OK;
        if (tender_action_check(act, s->st, s->t.paused) != ERR_OK)
            return STORE_OK;
        if (act == TA_RELEASE)
            rc = go_published(tx, s, &tender_system_caller, tender_action_defs[act].name, due);
        else
            rc = go_timer(tx, s, (enum tender_state)tender_action_defs[act].to,
                          tender_action_defs[act].name, due);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

static enum err advance_apply(struct store_tx *tx, struct tender_step *s)
{
    return domain_store_err(tender_step_advance(tx, s));
}

int tender_due(struct store *s, int64_t now, int64_t *ids, int max, int *n)
{
    struct store_tx *tx = NULL;
    *n = 0;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return rc;
    rc = store_tender_due(tx, now, max, ids, n);
    store_rollback(tx);
    return rc;
}

enum err tender_advance(struct store *s, int64_t id, struct tender_changes *ch)
{
    struct tender_step st = {0};
    st.c = &tender_system_caller;
    st.id = id;
    st.action = -1;
    st.apply = advance_apply;
    st.ch = ch;
    return tender_run_step(s, &st);
}

/* ---- create and edit ---- */

static bool org_exists(struct store_tx *tx, int64_t id, int *rc)
{
    int64_t one = 0;
    struct store_param p[] = {SP_I(id)};
    *rc = store_query_int(tx, "SELECT id FROM orgs WHERE id = $1", p, 1, &one);
    if (*rc == STORE_NOTFOUND) {
        *rc = STORE_OK;
        return false;
    }
    return *rc == STORE_OK;
}

static bool money_ok(int64_t v)
{
    return v >= 0 && v <= TENDER_MONEY_MAX;
}

static bool date_ok(int64_t v)
{
    return v > 0 && v <= DATE_MAX_MS;
}

/* Applies the given fields of in to t, validating each. */
static enum err apply_input(struct tender *t, const struct tender_input *in, bool create,
                            struct tender_refusal *why)
{
    if (in->title != NULL || create) {
        if (in->title == NULL)
            return tender_bad(why, ERR_MISSING_FIELD, "title");
        if (!tender_text_ok(in->title, 1, TENDER_TITLE_MAX, false))
            return tender_bad(why, ERR_INVALID_FIELD, "title");
        t->title = in->title;
    }
    if (in->description != NULL) {
        if (!tender_text_ok(in->description, 0, TENDER_TEXT_MAX, true))
            return tender_bad(why, ERR_INVALID_FIELD, "description");
        t->description = in->description[0] ? in->description : NULL;
    }
    /* region and category make the code: fixed at creation */
    if (create) {
        if (in->region == NULL)
            return tender_bad(why, ERR_MISSING_FIELD, "region");
        if (in->category == NULL)
            return tender_bad(why, ERR_MISSING_FIELD, "category");
    }
    if (in->region != NULL) {
        if (!tender_region_ok(in->region))
            return tender_bad(why, ERR_INVALID_FIELD, "region");
        if (!create && strcmp(in->region, t->region) != 0)
            return tender_bad(why, ERR_INVALID_FIELD, "region");
        t->region = in->region;
    }
    if (in->category != NULL) {
        if (tender_category_parse(in->category) < 0)
            return tender_bad(why, ERR_INVALID_FIELD, "category");
        if (!create && strcmp(in->category, t->category) != 0)
            return tender_bad(why, ERR_INVALID_FIELD, "category");
        t->category = in->category;
    }
    if (in->procedure != NULL) {
        if (tender_procedure_parse(in->procedure) < 0)
            return tender_bad(why, ERR_INVALID_FIELD, "procedure");
        t->procedure = in->procedure;
    }
    if (in->has_owner_org) {
        if (in->owner_org_id <= 0)
            return tender_bad(why, ERR_INVALID_FIELD, "owner_org_id");
        t->owner_org_id = in->owner_org_id;
    }
    if (in->has_ceiling) {
        if (!money_ok(in->ceiling_fen))
            return tender_bad(why, ERR_INVALID_FIELD, "ceiling_fen");
        t->ceiling_fen = in->ceiling_fen;
    }
    if (in->has_bond) {
        if (!money_ok(in->bond_fen))
            return tender_bad(why, ERR_INVALID_FIELD, "bond_fen");
        t->bond_fen = in->bond_fen;
    }
    if (in->bond_form != NULL) {
        if (!tender_bond_form_ok(in->bond_form))
            return tender_bad(why, ERR_INVALID_FIELD, "bond_form");
        t->bond_form = in->bond_form;
    }
    if (t->bond_fen > 0 && strcmp(t->bond_form, "none") == 0)
        return tender_bad(why, ERR_INVALID_FIELD, "bond_form");
    if (in->eval_method != NULL) {
        if (!tender_eval_method_ok(in->eval_method))
            return tender_bad(why, ERR_INVALID_FIELD, "eval_method");
        t->eval_method = in->eval_method;
    }
    if (in->has_decrypt_window) {
        if (in->decrypt_window_min < 1 || in->decrypt_window_min > 1440)
            return tender_bad(why, ERR_INVALID_FIELD, "decrypt_window_min");
        t->decrypt_window_min = in->decrypt_window_min;
    }
    if (in->has_escrow) {
        bool none = in->escrow_k == 0 && in->escrow_n == 0;
        if (!none && !(in->escrow_k >= 1 && in->escrow_k <= in->escrow_n && in->escrow_n <= 16))
            return tender_bad(why, ERR_INVALID_FIELD, "escrow_k");
        t->escrow_k = in->escrow_k;
        t->escrow_n = in->escrow_n;
    }
    if (in->has_min_bids) {
        if (in->min_bids < 1 || in->min_bids > 100)
            return tender_bad(why, ERR_INVALID_FIELD, "min_bids");
        t->min_bids = in->min_bids;
    }
    if (in->readout_fields != NULL) {
        if (!tender_readout_ok(in->readout_fields, strlen(in->readout_fields)))
            return tender_bad(why, ERR_INVALID_FIELD, "readout_fields");
        t->readout_fields = in->readout_fields;
    }
    static const char *const dnames[] = {"publish_at", "doc_start", "doc_end", "clarify_deadline",
                                         "bid_deadline"};
    const int64_t dv[] = {in->dates.publish_at, in->dates.doc_start, in->dates.doc_end,
                          in->dates.clarify_deadline, in->dates.bid_deadline};
    int64_t *dt[] = {&t->publish_at_ms, &t->doc_start_ms, &t->doc_end_ms, &t->clarify_deadline_ms,
                     &t->bid_deadline_ms};
    for (size_t i = 0; i < sizeof dv / sizeof dv[0]; i++) {
        if (dv[i] == 0)
            continue;
        if (!date_ok(dv[i]))
            return tender_bad(why, ERR_INVALID_FIELD, dnames[i]);
        *dt[i] = dv[i];
    }
    return ERR_OK;
}

struct create_job {
    const struct tender_caller *c;
    const struct tender_input *in;
    struct tender_refusal *why;
    int64_t id; /* out */
};

static enum err create_tx(struct store_tx *tx, void *arg)
{
    struct create_job *j = arg;
    const struct tender_caller *c = j->c;
    struct tender t = {0};
    struct tender_rules rules;
    struct buf b;
    struct jsonw w;
    char code[TENDER_CODE_MAX];
    int64_t now = clock_now_ms();
    int rc;
    memset(j->why, 0, sizeof(*j->why));
    if (!(c->roles & ROLE_AGENT))
        return ERR_FORBIDDEN;
    if (c->org_id == 0)
        return tender_bad(j->why, ERR_FORBIDDEN, "org_id");
    int proc = tender_procedure_parse(j->in->procedure ? j->in->procedure : "open");
    if (proc < 0)
        return tender_bad(j->why, ERR_INVALID_FIELD, "procedure");
    rc = tender_rules_load(tx, (enum tender_procedure)proc, &rules);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    t.procedure = "open";
    t.state = "draft";
    t.bond_form = "none";
    t.eval_method = DEFAULT_EVAL;
    t.decrypt_window_min = 30;
    t.min_bids = rules.v[TR_MIN_BIDS];
    t.readout_fields = DEFAULT_READOUT;
    t.owner_org_id = c->org_id;
    t.agent_org_id = c->org_id;
    t.created_by = c->who.user_id;
    t.created_ms = now;
    t.updated_ms = now;
    t.version = 1;
    enum err e = apply_input(&t, j->in, true, j->why);
    if (e != ERR_OK)
        return e;
    if (!org_exists(tx, t.owner_org_id, &rc)) {
        if (rc != STORE_OK)
            return domain_store_err(rc);
        return tender_bad(j->why, ERR_INVALID_FIELD, "owner_org_id");
    }
    t.code_year = tender_beijing_year(now);
    rc = store_tender_next_seq(tx, t.region, t.category, t.code_year, &t.code_seq);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (tender_code_format(code, t.region, (enum tender_category)tender_category_parse(t.category),
                           (int)t.code_year, t.code_seq) != 0)
        return tender_bad(j->why, ERR_INVALID_FIELD, "region");
    t.code = code;
    rc = store_tender_insert(tx, &t, &j->id);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    buf_init(&b, DETAIL_MAX);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "code", code);
    jsonw_kstr(&w, "title", t.title);
    jsonw_kstr(&w, "category", t.category);
    jsonw_kstr(&w, "procedure", t.procedure);
    jsonw_kint(&w, "owner_org_id", t.owner_org_id);
    jsonw_obj_end(&w);
    rc = jsonw_finish(&w) == JSONW_OK ? STORE_OK : STORE_TOOBIG;
    if (rc == STORE_OK)
        rc = record(tx, c, j->id, "tender.create", "tender", j->id, NULL, &b);
    buf_release(&b);
    return domain_store_err(rc);
}

enum err tender_create(struct store *s, const struct tender_caller *c,
                       const struct tender_input *in, int64_t *id, struct tender_refusal *why)
{
    struct tender_refusal local;
    struct create_job j = {c, in, why ? why : &local, 0};
    enum err e = domain_write(s, create_tx, &j);
    if (e == ERR_OK)
        *id = j.id;
    return e;
}

struct edit_arg {
    int64_t expect_version;
    const struct tender_input *in;
};

static enum err edit_apply(struct store_tx *tx, struct tender_step *s)
{
    struct edit_arg *a = s->arg;
    struct buf b;
    struct jsonw w;
    int rc;
    if (a->expect_version != 0 && a->expect_version != s->t.version)
        return tender_bad(s->why, ERR_CONFLICT, "version");
    enum err e = apply_input(&s->t, a->in, false, s->why);
    if (e != ERR_OK)
        return e;
    if (a->in->has_owner_org && !org_exists(tx, s->t.owner_org_id, &rc)) {
        if (rc != STORE_OK)
            return domain_store_err(rc);
        return tender_bad(s->why, ERR_INVALID_FIELD, "owner_org_id");
    }
    bool was_scheduled = s->t.scheduled;
    s->t.scheduled = false; /* an edited draft must be published again */
    s->dirty = true;
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "version", s->t.version + 1);
    if (was_scheduled)
        jsonw_kbool(&w, "unscheduled", true);
    return domain_store_err(
        tender_detail_record(tx, s, s->c, &b, &w, "tender.edit", "tender", s->t.id, NULL));
}

enum err tender_edit(struct store *s, const struct tender_caller *c, int64_t id,
                     int64_t expect_version, const struct tender_input *in,
                     struct tender_refusal *why)
{
    struct edit_arg a = {expect_version, in};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_EDIT;
    st.apply = edit_apply;
    st.arg = &a;
    st.why = why;
    return tender_run_step(s, &st);
}

struct lot_arg {
    const char *title;
    int64_t ceiling_fen, bond_fen;
    int64_t lot_no; /* out */
};

static enum err lot_apply(struct store_tx *tx, struct tender_step *s)
{
    struct lot_arg *a = s->arg;
    struct tender_lot l = {0};
    struct buf b;
    struct jsonw w;
    int64_t max = 0, lot_id = 0;
    if (!tender_text_ok(a->title, 1, TENDER_TITLE_MAX, false))
        return tender_bad(s->why, a->title ? ERR_INVALID_FIELD : ERR_MISSING_FIELD, "title");
    if (!money_ok(a->ceiling_fen))
        return tender_bad(s->why, ERR_INVALID_FIELD, "ceiling_fen");
    if (!money_ok(a->bond_fen))
        return tender_bad(s->why, ERR_INVALID_FIELD, "bond_fen");
    int rc = store_tender_lot_max_no(tx, s->t.id, &max);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (max >= TENDER_LOTS_MAX)
        return tender_bad(s->why, ERR_CONFLICT, "lot_no");
    l.tender_id = s->t.id;
    l.lot_no = max + 1;
    l.title = a->title;
    l.ceiling_fen = a->ceiling_fen;
    l.bond_fen = a->bond_fen;
    l.created_ms = s->now;
    rc = store_tender_lot_insert(tx, &l, &lot_id);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    a->lot_no = l.lot_no;
    s->t.scheduled = false;
    s->dirty = true;
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "lot_no", l.lot_no);
    jsonw_kstr(&w, "title", l.title);
    return domain_store_err(
        tender_detail_record(tx, s, s->c, &b, &w, "tender.lot", "tender_lot", lot_id, NULL));
}

enum err tender_lot_add(struct store *s, const struct tender_caller *c, int64_t id,
                        const char *title, int64_t ceiling_fen, int64_t bond_fen, int64_t *lot_no,
                        struct tender_refusal *why)
{
    struct lot_arg a = {title, ceiling_fen, bond_fen, 0};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_EDIT;
    st.apply = lot_apply;
    st.arg = &a;
    st.why = why;
    enum err e = tender_run_step(s, &st);
    if (e == ERR_OK && lot_no != NULL)
        *lot_no = a.lot_no;
    return e;
}

/* After publication a change to the documents (a clarification or a new
 * version) must leave clarify_days before the deadline (招標投標法 art. 23):
 * moves the deadline, with a change notice, when fewer remain. Returns the
 * deadline before in *before. */
int tender_amend_deadline(struct store_tx *tx, struct tender_step *s, int64_t *before)
{
    *before = s->t.bid_deadline_ms;
    if (s->st == TS_DRAFT)
        return STORE_OK;
    int64_t after = tender_rules_clarify_deadline(&s->rules, s->t.bid_deadline_ms, s->now);
    if (after == s->t.bid_deadline_ms)
        return STORE_OK;
    s->t.bid_deadline_ms = after;
    s->dirty = true;
    return tender_step_notice(tx, s, "change", "变更公告：招标文件澄清或修改，投标截止时间顺延");
}

struct doc_arg {
    const char *name;
    const char *media_type;
    size_t len;
    const char *hash;
    int64_t version; /* out */
};

static enum err doc_apply(struct store_tx *tx, struct tender_step *s)
{
    struct doc_arg *a = s->arg;
    struct tender_document d = {0};
    struct buf b;
    struct jsonw w;
    int64_t max = 0, doc_id = 0, before = 0;
    int rc = store_tender_doc_max_version(tx, s->t.id, &max);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (max >= DOC_VERSIONS_MAX)
        return tender_bad(s->why, ERR_CONFLICT, "version");
    d.tender_id = s->t.id;
    d.version = max + 1;
    d.name = a->name;
    d.media_type = a->media_type;
    d.blob_hash = a->hash;
    d.size = (int64_t)a->len;
    d.uploaded_by = s->c->who.user_id;
    d.uploaded_ms = s->now;
    rc = store_tender_doc_insert(tx, &d, &doc_id);
    if (rc == STORE_OK)
        rc = tender_amend_deadline(tx, s, &before);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    a->version = d.version;
    s->dirty = true;
    if (s->st != TS_DRAFT)
        tender_step_change(s, "tender.document", s->st, 0);
    tender_detail_begin(s, &b, &w);
    jsonw_kint(&w, "version", d.version);
    jsonw_kstr(&w, "name", d.name);
    jsonw_kint(&w, "size", d.size);
    if (before != s->t.bid_deadline_ms) {
        jsonw_kint(&w, "deadline_before_ms", before);
        jsonw_kint(&w, "deadline_after_ms", s->t.bid_deadline_ms);
    }
    return domain_store_err(tender_detail_record(tx, s, s->c, &b, &w, "tender.upload",
                                                 "tender_document", doc_id, a->hash));
}

enum err tender_document_add(struct store *s, const struct tender_caller *c, int64_t id,
                             const char *name, const char *media_type, const void *data, size_t len,
                             int64_t *version, char hash[BLOB_HASH_HEX + 1],
                             struct tender_changes *ch, struct tender_refusal *why)
{
    struct tender_refusal local;
    char mt[101];
    if (why == NULL)
        why = &local;
    memset(why, 0, sizeof(*why));
    if (name == NULL)
        return tender_bad(why, ERR_MISSING_FIELD, "name");
    if (!tender_filename_ok(name, strlen(name)))
        return tender_bad(why, ERR_INVALID_FIELD, "name");
    if (media_type == NULL)
        media_type = "application/octet-stream";
    if (!tender_media_type(media_type, strlen(media_type), mt))
        return tender_bad(why, ERR_INVALID_FIELD, "media_type");
    if (len == 0)
        return tender_bad(why, ERR_MISSING_FIELD, "body");
    if (len > TENDER_DOC_MAX)
        return tender_bad(why, ERR_BODY_TOO_LARGE, "body");
    /* May the caller upload at all? Checked before the bytes are stored, so
     * a refused caller writes nothing; the step checks again in its
     * transaction. */
    enum err e = precheck(s, c, id, TA_UPLOAD);
    if (e != ERR_OK)
        return e;
    /* The blob first: durable before any row names it. A step that fails
     * after it leaves an unreferenced blob, which is harmless (same bytes,
     * same name). */
    int rc = blob_put(s, data, len, hash);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    struct doc_arg a = {name, mt, len, hash, 0};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_UPLOAD;
    st.apply = doc_apply;
    st.arg = &a;
    st.why = why;
    st.ch = ch;
    e = tender_run_step(s, &st);
    if (e == ERR_OK && version != NULL)
        *version = a.version;
    return e;
}

/* ---- publish and cancel ---- */

static enum err publish_apply(struct store_tx *tx, struct tender_step *s)
{
    struct page lots;
    struct tender_dates d;
    struct buf b;
    struct jsonw w;
    int64_t docs = 0;
    int rc = store_tender_doc_max_version(tx, s->t.id, &docs);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (docs == 0)
        return tender_bad(s->why, ERR_MISSING_FIELD, "documents");
    if (s->t.publish_at_ms == 0)
        s->t.publish_at_ms = s->now;
    d = tender_dates_of(&s->t);
    int64_t publish_ms = d.publish_at > s->now ? d.publish_at : s->now;
    enum err e = tender_rules_check_dates(&s->rules, &d, publish_ms, s->why);
    if (e == ERR_OK)
        e = tender_rules_check_bond(&s->rules, s->t.ceiling_fen, s->t.bond_fen, "bond_fen", s->why);
    if (e == ERR_OK)
        e = tender_rules_check_min_bids(&s->rules, s->t.min_bids, s->why);
    if (e != ERR_OK)
        return e;
    if (s->rules.procedure == TP_INVITED) { /* 招标投标法 art. 17: 三个以上 */
        int64_t invitees = 0;
        rc = store_tender_invitee_count(tx, s->t.id, &invitees);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        if (invitees < TENDER_MIN_INVITEES) {
            s->why->rule = TENDER_MIN_INVITEES_RULE;
            s->why->field = "invitees";
            s->why->limit = TENDER_MIN_INVITEES;
            return ERR_RULE_TOO_FEW_INVITEES;
        }
    }
    rc = store_tender_lot_list(tx, &s->a, s->t.id, TENDER_LOTS_MAX, &lots);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    for (int i = 0; i < lots.n; i++) {
        const struct tender_lot *l = (const struct tender_lot *)lots.items + i;
        e = tender_rules_check_bond(&s->rules, l->ceiling_fen, l->bond_fen, "lots.bond_fen",
                                    s->why);
        if (e != ERR_OK)
            return e;
    }
    e = escrow_publish(tx, s->c, &s->t, s->why); /* the escrow key, if asked (escrow.h) */
    if (e != ERR_OK)
        return e;
    if (d.publish_at <= s->now) {
        rc = go_published(tx, s, s->c, "publish", 0);
        if (rc == STORE_OK)
            rc = tender_step_advance(tx, s); /* documents already out: bidding opens now */
        return domain_store_err(rc);
    }
    /* later: the scheduler publishes it at publish_at */
    s->t.scheduled = true;
    s->dirty = true;
    rc = tender_step_transition(tx, s, s->c, "schedule", s->st, d.publish_at);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    tender_detail_begin(s, &b, &w);
    jsonw_kbool(&w, "scheduled", true);
    jsonw_kint(&w, "publish_at_ms", d.publish_at);
    return domain_store_err(
        tender_detail_record(tx, s, s->c, &b, &w, "tender.schedule", "tender", s->t.id, NULL));
}

enum err tender_publish(struct store *s, const struct tender_caller *c, int64_t id,
                        struct tender_changes *ch, struct tender_refusal *why)
{
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_PUBLISH;
    st.apply = publish_apply;
    st.why = why;
    st.ch = ch;
    return tender_run_step(s, &st);
}

enum err tender_publish_backdated(struct store *s, const struct tender_caller *c, int64_t id,
                                  int64_t stated_ms, struct tender_refusal *why)
{
    struct tender_step st = {0};
    int64_t now = clock_now_ms();
    if (stated_ms >= now || stated_ms < now - 60 * TENDER_DAY_MS) {
        if (why != NULL)
            memset(why, 0, sizeof(*why));
        return why != NULL ? tender_bad(why, ERR_INVALID_FIELD, "stated_ms") : ERR_INVALID_FIELD;
    }
    st.c = c;
    st.id = id;
    st.action = TA_PUBLISH;
    st.apply = publish_apply;
    st.stated_ms = stated_ms;
    st.why = why;
    return tender_run_step(s, &st);
}

static enum err cancel_apply(struct store_tx *tx, struct tender_step *s)
{
    const char *reason = ((struct tender_text_arg *)s->arg)->body;
    struct buf b;
    struct jsonw w;
    if (reason == NULL)
        return tender_bad(s->why, ERR_MISSING_FIELD, "reason");
    if (!tender_text_ok(reason, 1, TENDER_QUESTION_MAX, true))
        return tender_bad(s->why, ERR_INVALID_FIELD, "reason");
    enum tender_state from = s->st;
    bool was_public = from != TS_DRAFT;
    s->st = TS_CANCELLED;
    s->t.cancel_reason = reason;
    s->t.scheduled = false;
    s->t.paused = false;
    s->t.paused_since_ms = 0;
    s->dirty = true;
    int rc = tender_step_transition(tx, s, s->c, "cancel", from, 0);
    if (rc == STORE_OK && was_public)
        rc = tender_step_notice(tx, s, "change", "终止公告：本项目终止招标");
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (was_public)
        tender_step_change(s, "tender.state", from, 0);
    tender_detail_begin(s, &b, &w);
    jsonw_kstr(&w, "from", tender_state_name(from));
    jsonw_kstr(&w, "reason", reason);
    return domain_store_err(
        tender_detail_record(tx, s, s->c, &b, &w, "tender.cancel", "tender", s->t.id, NULL));
}

enum err tender_cancel(struct store *s, const struct tender_caller *c, int64_t id,
                       const char *reason, struct tender_changes *ch, struct tender_refusal *why)
{
    struct tender_text_arg a = {reason, 0};
    struct tender_step st = {0};
    st.c = c;
    st.id = id;
    st.action = TA_CANCEL;
    st.apply = cancel_apply;
    st.arg = &a;
    st.why = why;
    st.ch = ch;
    return tender_run_step(s, &st);
}

/* ---- the operator's rules ---- */

struct rule_job {
    const struct tender_caller *c;
    enum tender_procedure p;
    enum tender_rule r;
    int64_t value;
};

static enum err rule_tx(struct store_tx *tx, void *arg)
{
    struct rule_job *j = arg;
    struct buf b;
    struct jsonw w;
    int rc = store_tender_rule_set(tx, tender_procedure_name(j->p), tender_rule_defs[j->r].name,
                                   j->value, j->c->who.user_id, clock_now_ms());
    if (rc != STORE_OK)
        return domain_store_err(rc);
    buf_init(&b, DETAIL_MAX);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "procedure", tender_procedure_name(j->p));
    jsonw_kstr(&w, "rule", tender_rule_defs[j->r].name);
    jsonw_kint(&w, "value", j->value);
    jsonw_obj_end(&w);
    rc = jsonw_finish(&w) == JSONW_OK ? STORE_OK : STORE_TOOBIG;
    if (rc == STORE_OK)
        rc = record(tx, j->c, 0, "tender.rule", "tender_rules", (int64_t)j->p + 1, NULL, &b);
    buf_release(&b);
    return domain_store_err(rc);
}

enum err tender_rule_set(struct store *s, const struct tender_caller *c, const char *procedure,
                         const char *rule, int64_t value, struct tender_refusal *why)
{
    struct tender_refusal local;
    if (why == NULL)
        why = &local;
    memset(why, 0, sizeof(*why));
    if (!(c->roles & ROLE_ADMIN))
        return ERR_FORBIDDEN;
    int p = tender_procedure_parse(procedure);
    int r = tender_rule_parse(rule);
    if (p < 0 || r < 0)
        return ERR_NOT_FOUND;
    enum err e = tender_rule_override_check((enum tender_procedure)p, (enum tender_rule)r, value);
    if (e != ERR_OK) {
        why->rule = tender_rule_defs[r].name;
        why->field = "value";
        why->limit = tender_rule_defs[r].defaults[p];
        return e;
    }
    struct rule_job j = {c, (enum tender_procedure)p, (enum tender_rule)r, value};
    return domain_write(s, rule_tx, &j);
}
