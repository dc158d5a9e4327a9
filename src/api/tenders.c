/*
 * api/tenders.c — tenders over HTTP: list, create, read, edit, lots,
 * document versions (upload and the logged download), publish, cancel, the
 * rules table, and the test clock. Questions, clarifications, objections
 * and registrations are in api/tender_qa.c; the routes are listed in
 * api/tenders.h and declared with their roles in api/routes.c.
 *
 * Money is integer fen, times are integer ms since the epoch (UTC); a
 * refusal by a rule carries the rule's name, the bound it needed and its
 * legal source (api_tender_error). Writes publish their public changes on
 * the "public" SSE topic after the commit. Worker threads.
 */
#include "api/tenders.h"

#include <inttypes.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/roles.h"

/* ---- shared with tender_qa.c ---- */

struct tender_caller api_tender_caller(const struct http_request *req)
{
    struct tender_caller c = {{0}, 0, 0, false};
    c.who = api_actor(req);
    if (req->who != NULL) {
        c.roles = req->who->roles;
        c.org_id = req->who->org_id;
    }
    return c;
}

void api_tender_error(struct http_response *res, enum err e, const struct tender_refusal *why)
{
    if (why == NULL || why->rule == NULL) {
        api_error(res, e, why ? why->field : NULL);
        return;
    }
    struct jsonw w;
    int r = tender_rule_parse(why->rule);
    api_json_begin(res, &w, err_status(e));
    jsonw_obj_begin(&w);
    jsonw_key(&w, "error");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "code", err_code(e));
    jsonw_kstr(&w, "message", err_message(e));
    if (why->field != NULL)
        jsonw_kstr(&w, "field", why->field);
    jsonw_kstr(&w, "rule", why->rule);
    if (why->limit != 0)
        jsonw_kint(&w, "limit", why->limit);
    if (r >= 0)
        jsonw_kstr(&w, "source", tender_rule_defs[r].source);
    else if (strcmp(why->rule, TENDER_MIN_INVITEES_RULE) == 0) /* a fixed rule of the law */
        jsonw_kstr(&w, "source", TENDER_MIN_INVITEES_SRC);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tender_publish(struct http_request *req, const struct tender_changes *ch)
{
    for (int i = 0; ch != NULL && i < ch->n; i++) {
        struct buf b;
        buf_init(&b, 4096);
        if (tender_change_json(&ch->c[i], &b) == 0)
            api_publish(req, "public", ch->c[i].event, &b);
        buf_release(&b);
    }
}

enum err api_tender_load(struct http_request *req, struct store_tx *tx, struct tender *t,
                         struct tender_access *acc)
{
    struct tender_caller c = api_tender_caller(req);
    int64_t id = api_param_id(req);
    if (id == 0)
        return ERR_NOT_FOUND;
    int rc = store_tender_get(tx, req->arena, id, t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    return tender_access_check(tx, &c, t, acc);
}

/* Loads the tender for an ownership check in its own read transaction. */
static enum err owner_check(struct http_request *req, bool agents_only)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    if (req->who->roles & ROLE_SUPERVISOR)
        return ERR_OK;
    if (!agents_only && !(req->who->roles & ROLE_AGENT))
        return ERR_OK; /* bidders: the handler checks registration */
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = api_tender_load(req, tx, &t, &acc);
    store_rollback(tx);
    if (e != ERR_OK)
        return e;
    return acc.owner ? ERR_OK : ERR_NOT_OWNER;
}

enum err api_tenders_agent_owner(struct http_request *req)
{
    return owner_check(req, true);
}

enum err api_tenders_reader(struct http_request *req)
{
    return owner_check(req, false);
}

/* ---- JSON ---- */

static void kint_or_null(struct jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    if (v != 0)
        jsonw_int(w, v);
    else
        jsonw_null(w);
}

/* The fields of a tender everyone who may see it sees. */
static void write_tender(struct jsonw *w, const struct tender *t, bool full)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", t->id);
    jsonw_kstr(w, "code", t->code);
    jsonw_kstr(w, "title", t->title);
    jsonw_kstr(w, "region", t->region);
    jsonw_kstr(w, "category", t->category);
    jsonw_kstr(w, "procedure", t->procedure);
    jsonw_kstr(w, "state", t->state);
    jsonw_kbool(w, "paused", t->paused);
    jsonw_kbool(w, "scheduled", t->scheduled);
    kint_or_null(w, "ceiling_fen", t->ceiling_fen);
    jsonw_kint(w, "bond_fen", t->bond_fen);
    jsonw_kstr(w, "bond_form", t->bond_form);
    kint_or_null(w, "publish_at_ms", t->publish_at_ms);
    kint_or_null(w, "doc_start_ms", t->doc_start_ms);
    kint_or_null(w, "doc_end_ms", t->doc_end_ms);
    kint_or_null(w, "clarify_deadline_ms", t->clarify_deadline_ms);
    kint_or_null(w, "bid_deadline_ms", t->bid_deadline_ms);
    kint_or_null(w, "published_ms", t->published_ms);
    jsonw_kint(w, "owner_org_id", t->owner_org_id);
    jsonw_kint(w, "agent_org_id", t->agent_org_id);
    if (full) {
        jsonw_kstr(w, "description", t->description);
        jsonw_kstr(w, "eval_method", t->eval_method);
        jsonw_key(w, "opening");
        jsonw_obj_begin(w);
        jsonw_kint(w, "decrypt_window_min", t->decrypt_window_min);
        jsonw_kint(w, "escrow_k", t->escrow_k);
        jsonw_kint(w, "escrow_n", t->escrow_n);
        jsonw_kint(w, "min_bids", t->min_bids);
        jsonw_kstr(w, "readout_fields", t->readout_fields);
        jsonw_obj_end(w);
        kint_or_null(w, "original_deadline_ms", t->original_deadline_ms);
        kint_or_null(w, "paused_since_ms", t->paused_since_ms);
        jsonw_kint(w, "paused_total_ms", t->paused_total_ms);
        kint_or_null(w, "next_due_ms", t->next_due_ms);
        jsonw_kstr(w, "cancel_reason", t->cancel_reason);
        jsonw_kint(w, "created_ms", t->created_ms);
        jsonw_kint(w, "updated_ms", t->updated_ms);
        jsonw_kint(w, "version", t->version);
    }
    jsonw_obj_end(w);
}

static void write_doc(struct jsonw *w, const struct tender_document *d)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "version", d->version);
    jsonw_kstr(w, "name", d->name);
    jsonw_kstr(w, "media_type", d->media_type);
    jsonw_kstr(w, "sha256", d->blob_hash);
    jsonw_kint(w, "size", d->size);
    jsonw_kint(w, "uploaded_ms", d->uploaded_ms);
    jsonw_obj_end(w);
}

/* ---- input ---- */

/* An optional integer field: *has says whether it was given (null: not). */
static bool opt_int(struct http_request *req, struct http_response *res, json_t *body,
                    const char *key, bool *has, int64_t *out)
{
    json_t *v = json_object_get(body, key);
    *has = v != NULL && !json_is_null(v);
    if (!*has)
        return true;
    return api_field_int(req, res, body, key, false, out);
}

/* The fields of a tender_input; unknown keys are refused, so a misspelt
 * field is an error rather than silently ignored. */
static bool read_input(struct http_request *req, struct http_response *res, json_t *body,
                       struct tender_input *in)
{
    static const char *const known[] = {"title",
                                        "description",
                                        "region",
                                        "category",
                                        "procedure",
                                        "owner_org_id",
                                        "ceiling_fen",
                                        "bond_fen",
                                        "bond_form",
                                        "eval_method",
                                        "decrypt_window_min",
                                        "escrow_k",
                                        "escrow_n",
                                        "min_bids",
                                        "readout_fields",
                                        "publish_at_ms",
                                        "doc_start_ms",
                                        "doc_end_ms",
                                        "clarify_deadline_ms",
                                        "bid_deadline_ms",
                                        "version"};
    const char *key;
    json_t *value;
    bool has_k = false, has_n = false, has;
    json_object_foreach(body, key, value)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strcmp(key, known[i]) == 0)
                ok = true;
        if (!ok) {
            http_res_error_field(res, ERR_INVALID_FIELD, key, "unknown field");
            return false;
        }
    }
    memset(in, 0, sizeof(*in));
    if (!api_field_str(req, res, body, "title", false, TENDER_TITLE_MAX, &in->title) ||
        !api_field_str(req, res, body, "description", false, TENDER_TEXT_MAX, &in->description) ||
        !api_field_str(req, res, body, "region", false, 16, &in->region) ||
        !api_field_str(req, res, body, "category", false, 32, &in->category) ||
        !api_field_str(req, res, body, "procedure", false, 32, &in->procedure) ||
        !api_field_str(req, res, body, "bond_form", false, 32, &in->bond_form) ||
        !api_field_str(req, res, body, "eval_method", false, 32, &in->eval_method) ||
        !api_field_str(req, res, body, "readout_fields", false, 600, &in->readout_fields))
        return false;
    if (!opt_int(req, res, body, "owner_org_id", &in->has_owner_org, &in->owner_org_id) ||
        !opt_int(req, res, body, "ceiling_fen", &in->has_ceiling, &in->ceiling_fen) ||
        !opt_int(req, res, body, "bond_fen", &in->has_bond, &in->bond_fen) ||
        !opt_int(req, res, body, "decrypt_window_min", &in->has_decrypt_window,
                 &in->decrypt_window_min) ||
        !opt_int(req, res, body, "escrow_k", &has_k, &in->escrow_k) ||
        !opt_int(req, res, body, "escrow_n", &has_n, &in->escrow_n) ||
        !opt_int(req, res, body, "min_bids", &in->has_min_bids, &in->min_bids))
        return false;
    in->has_escrow = has_k || has_n;
    if (!opt_int(req, res, body, "publish_at_ms", &has, &in->dates.publish_at) ||
        !opt_int(req, res, body, "doc_start_ms", &has, &in->dates.doc_start) ||
        !opt_int(req, res, body, "doc_end_ms", &has, &in->dates.doc_end) ||
        !opt_int(req, res, body, "clarify_deadline_ms", &has, &in->dates.clarify_deadline) ||
        !opt_int(req, res, body, "bid_deadline_ms", &has, &in->dates.bid_deadline))
        return false;
    /* a date given as 0 or less is invalid, not "absent" */
    static const char *const dkeys[] = {"publish_at_ms", "doc_start_ms", "doc_end_ms",
                                        "clarify_deadline_ms", "bid_deadline_ms"};
    const int64_t dv[] = {in->dates.publish_at, in->dates.doc_start, in->dates.doc_end,
                          in->dates.clarify_deadline, in->dates.bid_deadline};
    for (size_t i = 0; i < sizeof dv / sizeof dv[0]; i++) {
        json_t *v = json_object_get(body, dkeys[i]);
        if (v != NULL && !json_is_null(v) && dv[i] <= 0) {
            http_res_error_field(res, ERR_INVALID_FIELD, dkeys[i], "must be a time in ms");
            return false;
        }
    }
    return true;
}

/* Writes the whole tender (200/201) as GET /api/tenders/:id does. */
static void respond_tender(struct http_request *req, struct http_response *res, int64_t id,
                           int status);

/* ---- handlers ---- */

void api_tenders_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    struct tender_filter flt = {0};
    int limit;
    int64_t before, unused;
    const char *mine = http_query(req, "mine");
    const char *code = http_query(req, "code");
    if (!api_page_args(req, res, &limit, &before, &unused))
        return;
    flt.state = http_query(req, "state");
    flt.category = http_query(req, "category");
    if (flt.state != NULL && *flt.state == '\0')
        flt.state = NULL;
    if (flt.category != NULL && *flt.category == '\0')
        flt.category = NULL;
    if (flt.state != NULL && tender_state_parse(flt.state) < 0) {
        http_res_error_field(res, ERR_INVALID_FIELD, "state", "unknown state");
        return;
    }
    if (flt.category != NULL && tender_category_parse(flt.category) < 0) {
        http_res_error_field(res, ERR_INVALID_FIELD, "category", "unknown category");
        return;
    }
    if (req->who != NULL) {
        if (req->who->roles & ROLE_AGENT)
            flt.viewer_org = req->who->org_id;
        flt.all_drafts = (req->who->roles & ROLE_SUPERVISOR) != 0;
    }
    flt.mine = mine != NULL && strcmp(mine, "1") == 0;
    const char *invited = http_query(req, "invited"); /* a bidder's invitations (邀请招标) */
    int64_t invited_org = 0;
    if (invited != NULL && strcmp(invited, "1") == 0) {
        if (req->who == NULL || req->who->org_id == 0) {
            http_res_error_field(res, ERR_INVALID_FIELD, "invited",
                                 "only for users of an organisation");
            return;
        }
        invited_org = req->who->org_id;
    }
    if (flt.mine && flt.viewer_org == 0) {
        http_res_error_field(res, ERR_INVALID_FIELD, "mine", "only for agents of an organisation");
        return;
    }
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK && code != NULL && *code != '\0') {
        /* a lookup by the unified transaction code: one item or none */
        struct tender *t = arena_calloc(req->arena, sizeof *t);
        pg.items = t;
        pg.n = 0;
        pg.more = false;
        if (t == NULL) {
            rc = STORE_TOOBIG;
        } else if (tender_code_parse(code, strlen(code), NULL, NULL, NULL, NULL) == 0) {
            rc = store_tender_by_code(tx, req->arena, code, t);
            if (rc == STORE_OK) {
                struct tender_caller c = api_tender_caller(req);
                struct tender_access acc;
                pg.n = tender_access_check(tx, &c, t, &acc) == ERR_OK ? 1 : 0;
            } else if (rc == STORE_NOTFOUND) {
                rc = STORE_OK;
            }
        }
    } else if (rc == STORE_OK && invited_org > 0) {
        rc = store_tender_list_invited(tx, req->arena, invited_org, before, limit, &pg);
    } else if (rc == STORE_OK) {
        rc = store_tender_list(tx, req->arena, &flt, before, limit, &pg);
    }
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    struct tender *items = pg.items;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++)
        write_tender(&w, &items[i], false);
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? items[pg.n - 1].id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_create(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_input in;
    struct tender_refusal why = {0};
    int64_t id = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = read_input(req, res, body, &in);
    json_decref(body);
    if (!ok)
        return;
    enum err e = tender_create(api_app(req)->store, &c, &in, &id, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    respond_tender(req, res, id, 201);
}

static void respond_tender(struct http_request *req, struct http_response *res, int64_t id,
                           int status)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct page lots = {0}, docs = {0}, hist = {0};
    struct jsonw w;
    int64_t regs = -1, invitees = -1;
    bool invited = false;
    struct tender_caller c = api_tender_caller(req);
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    enum err e = domain_store_err(rc);
    if (e == ERR_OK)
        e = domain_store_err(store_tender_get(tx, req->arena, id, &t));
    if (e == ERR_OK)
        e = tender_access_check(tx, &c, &t, &acc);
    if (e == ERR_OK)
        e = domain_store_err(store_tender_lot_list(tx, req->arena, id, TENDER_LOTS_MAX, &lots));
    if (e == ERR_OK)
        e = domain_store_err(store_tender_doc_list(tx, req->arena, id, 200, &docs));
    if (e == ERR_OK)
        e = domain_store_err(store_tender_transition_list(tx, req->arena, id, 0, 200, &hist));
    if (e == ERR_OK && (acc.owner || acc.supervisor)) {
        struct store_param p[] = {SP_I(id)};
        e = domain_store_err(store_query_int(
            tx, "SELECT count(*) FROM tender_registrations WHERE tender_id = $1", p, 1, &regs));
    }
    bool invited_proc = e == ERR_OK && strcmp(t.procedure, "invited") == 0;
    if (invited_proc) /* 邀请招标: is the caller's organisation invited? */
        e = tender_invited(tx, &t, c.org_id, &invited);
    if (invited_proc && e == ERR_OK && (acc.owner || acc.supervisor))
        e = domain_store_err(store_tender_invitee_count(tx, id, &invitees));
    store_rollback(tx);
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        return;
    }
    api_json_begin(res, &w, status);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "tender");
    write_tender(&w, &t, true);
    jsonw_key(&w, "lots");
    jsonw_arr_begin(&w);
    for (int i = 0; i < lots.n; i++) {
        const struct tender_lot *l = (const struct tender_lot *)lots.items + i;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "lot_no", l->lot_no);
        jsonw_kstr(&w, "title", l->title);
        kint_or_null(&w, "ceiling_fen", l->ceiling_fen);
        jsonw_kint(&w, "bond_fen", l->bond_fen);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "documents");
    jsonw_arr_begin(&w);
    for (int i = 0; i < docs.n; i++)
        write_doc(&w, (const struct tender_document *)docs.items + i);
    jsonw_arr_end(&w);
    jsonw_key(&w, "history");
    jsonw_arr_begin(&w);
    for (int i = 0; i < hist.n; i++) {
        const struct tender_transition *h = (const struct tender_transition *)hist.items + i;
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "action", h->action);
        jsonw_kstr(&w, "from", h->from_state);
        jsonw_kstr(&w, "to", h->to_state);
        kint_or_null(&w, "due_ms", h->due_ms);
        jsonw_kint(&w, "at_ms", h->at_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "you");
    jsonw_obj_begin(&w);
    jsonw_kbool(&w, "owner", acc.owner);
    jsonw_kbool(&w, "registered", acc.registered);
    if (invited_proc)
        jsonw_kbool(&w, "invited", invited);
    jsonw_obj_end(&w);
    if (regs >= 0)
        jsonw_kint(&w, "registrations", regs);
    if (invitees >= 0)
        jsonw_kint(&w, "invitees", invitees);
    jsonw_kint(&w, "server_time_ms", clock_now_ms());
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_get(struct http_request *req, struct http_response *res)
{
    int64_t id = api_param_id(req);
    if (id == 0) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    respond_tender(req, res, id, 200);
}

void api_tenders_edit(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_input in;
    struct tender_refusal why = {0};
    int64_t version = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = read_input(req, res, body, &in) &&
              api_field_int(req, res, body, "version", false, &version);
    json_decref(body);
    if (!ok)
        return;
    enum err e = tender_edit(api_app(req)->store, &c, api_param_id(req), version, &in, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    respond_tender(req, res, api_param_id(req), 200);
}

void api_tenders_lot_add(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    const char *title = NULL;
    int64_t ceiling = 0, bond = 0, no = 0;
    struct jsonw w;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "title", true, TENDER_TITLE_MAX, &title) &&
              api_field_int(req, res, body, "ceiling_fen", false, &ceiling) &&
              api_field_int(req, res, body, "bond_fen", false, &bond);
    json_decref(body);
    if (!ok)
        return;
    enum err e =
        tender_lot_add(api_app(req)->store, &c, api_param_id(req), title, ceiling, bond, &no, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "lot_no", no);
    jsonw_kstr(&w, "title", title);
    kint_or_null(&w, "ceiling_fen", ceiling);
    jsonw_kint(&w, "bond_fen", bond);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_doc_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct page docs = {0};
    struct jsonw w;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    enum err e = domain_store_err(rc);
    if (e == ERR_OK)
        e = api_tender_load(req, tx, &t, &acc);
    if (e == ERR_OK)
        e = domain_store_err(store_tender_doc_list(tx, req->arena, t.id, 200, &docs));
    store_rollback(tx);
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < docs.n; i++)
        write_doc(&w, (const struct tender_document *)docs.items + i);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_doc_upload(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    struct tender_changes ch = {0};
    char hash[BLOB_HASH_HEX + 1];
    int64_t version = 0;
    struct jsonw w;
    const char *name = http_query(req, "name");
    const char *type = http_header(req, "content-type");
    enum err e = tender_document_add(api_app(req)->store, &c, api_param_id(req), name, type,
                                     req->body, req->body_len, &version, hash, &ch, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "version", version);
    jsonw_kstr(&w, "name", name);
    jsonw_kstr(&w, "sha256", hash);
    jsonw_kint(&w, "size", (int64_t)req->body_len);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
    api_tender_publish(req, &ch);
}

/* RFC 6266 / 8187: an ASCII fallback and the UTF-8 name, percent-encoded. */
static const char *content_disposition(struct arena *a, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(name);
    char *ascii = arena_alloc(a, n + 1);
    char *enc = arena_alloc(a, 3 * n + 1);
    size_t o = 0;
    if (ascii == NULL || enc == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        ascii[i] =
            (ch >= 0x20 && ch < 0x7F && ch != '"' && ch != '\\' && ch != '%') ? (char)ch : '_';
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '.' || ch == '-' || ch == '_') {
            enc[o++] = (char)ch;
        } else {
            enc[o++] = '%';
            enc[o++] = hex[ch >> 4];
            enc[o++] = hex[ch & 15];
        }
    }
    ascii[n] = '\0';
    enc[o] = '\0';
    return arena_printf(a, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
}

void api_tenders_doc_get(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    struct tender_document doc;
    const char *v = http_param(req, "version");
    char *end = NULL;
    long long version = v != NULL && *v >= '1' && *v <= '9' ? strtoll(v, &end, 10) : -1;
    if (version < 1 || end == NULL || *end != '\0') {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    enum err e = tender_document_read(api_app(req)->store, &c, req->arena, api_param_id(req),
                                      (int64_t)version, &doc, &res->body, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    res->status = 200;
    res->content_type = doc.media_type;
    const char *cd = content_disposition(req->arena, doc.name);
    if (cd != NULL)
        http_res_header(res, "Content-Disposition", cd);
    http_res_header(res, "X-Document-SHA256", doc.blob_hash);
    http_res_header(res, "Cache-Control", "no-store");
}

void api_tenders_publish(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    struct tender_changes ch = {0};
    enum err e = tender_publish(api_app(req)->store, &c, api_param_id(req), &ch, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    respond_tender(req, res, api_param_id(req), 200);
    api_tender_publish(req, &ch);
}

/* ---- invitees (邀请招标) ---- */

static void respond_invitees(struct http_request *req, struct http_response *res, int status)
{
    struct tender_caller c = api_tender_caller(req);
    struct page pg;
    struct jsonw w;
    enum err e = tender_invitee_list(api_app(req)->store, &c, req->arena, api_param_id(req), &pg);
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        return;
    }
    const struct tender_invitee *v = pg.items;
    api_json_begin(res, &w, status);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "org_id", v[i].org_id);
        jsonw_kstr(&w, "org_name", v[i].org_name);
        jsonw_kstr(&w, "uscc", v[i].uscc);
        jsonw_kint(&w, "added_ms", v[i].added_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_kint(&w, "min_invitees", TENDER_MIN_INVITEES);
    jsonw_kstr(&w, "rule_source", TENDER_MIN_INVITEES_SRC);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tenders_invitees(struct http_request *req, struct http_response *res)
{
    respond_invitees(req, res, 200);
}

void api_tenders_invite(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    const char *uscc = NULL;
    int64_t org = 0, added = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_int(req, res, body, "org_id", false, &org) &&
              api_field_str(req, res, body, "uscc", false, 18, &uscc);
    json_decref(body);
    if (!ok)
        return;
    if (org == 0 && uscc == NULL) {
        http_res_error(res, ERR_MISSING_FIELD, "org_id");
        return;
    }
    enum err e =
        tender_invitee_add(api_app(req)->store, &c, api_param_id(req), org, uscc, &added, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    respond_invitees(req, res, 201);
}

void api_tenders_uninvite(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    const char *p = http_param(req, "org");
    char *end = NULL;
    long long org = p != NULL && *p >= '1' && *p <= '9' ? strtoll(p, &end, 10) : 0;
    if (org <= 0 || end == NULL || *end != '\0') {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    enum err e =
        tender_invitee_remove(api_app(req)->store, &c, api_param_id(req), (int64_t)org, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    respond_invitees(req, res, 200);
}

void api_tenders_cancel(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    struct tender_changes ch = {0};
    const char *reason = NULL;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "reason", true, TENDER_QUESTION_MAX, &reason);
    json_decref(body);
    if (!ok)
        return;
    enum err e = tender_cancel(api_app(req)->store, &c, api_param_id(req), reason, &ch, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    respond_tender(req, res, api_param_id(req), 200);
    api_tender_publish(req, &ch);
}

/* ---- rules ---- */

void api_tender_rules_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct jsonw w;
    struct tender_rules rules[TP__COUNT];
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    for (int p = 0; rc == STORE_OK && p < TP__COUNT; p++)
        rc = tender_rules_load(tx, (enum tender_procedure)p, &rules[p]);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int r = 0; r < TR__COUNT; r++) {
        const struct tender_rule_def *d = &tender_rule_defs[r];
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "rule", d->name);
        jsonw_kstr(&w, "unit", d->unit);
        jsonw_kstr(&w, "direction",
                   d->dir == TRD_AT_LEAST  ? "at_least"
                   : d->dir == TRD_AT_MOST ? "at_most"
                                           : "free");
        jsonw_kstr(&w, "source", d->source);
        jsonw_key(&w, "procedures");
        jsonw_obj_begin(&w);
        for (int p = 0; p < TP__COUNT; p++) {
            jsonw_key(&w, tender_procedure_name((enum tender_procedure)p));
            jsonw_obj_begin(&w);
            jsonw_kint(&w, "value", rules[p].v[r]);
            jsonw_kint(&w, "default", d->defaults[p]);
            jsonw_obj_end(&w);
        }
        jsonw_obj_end(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_tender_rules_set(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct tender_refusal why = {0};
    int64_t value = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_int(req, res, body, "value", true, &value);
    json_decref(body);
    if (!ok)
        return;
    enum err e = tender_rule_set(api_app(req)->store, &c, http_param(req, "procedure"),
                                 http_param(req, "rule"), value, &why);
    if (e != ERR_OK) {
        api_tender_error(res, e, &why);
        return;
    }
    api_tender_rules_list(req, res);
}

/* ---- the test clock ---- */

/* POST /api/test/clock {"now_ms": T} or {"advance_ms": D}: moves the
 * server's manual clock forward. It exists only when the server runs on a
 * manual clock, which only `serve --test-clock` (itself refused unless
 * SUNBID_ALLOW_TEST_CLOCK=1) installs; otherwise the route is a 404. */
void api_test_clock(struct http_request *req, struct http_response *res)
{
    struct jsonw w;
    int64_t now_ms = 0, advance = 0;
    if (!clock_is_manual()) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_int(req, res, body, "now_ms", false, &now_ms) &&
              api_field_int(req, res, body, "advance_ms", false, &advance);
    json_decref(body);
    if (!ok)
        return;
    int64_t cur = clock_now_ms();
    if (advance < 0 || (now_ms != 0 && now_ms < cur)) {
        http_res_error_field(res, ERR_INVALID_FIELD, advance < 0 ? "advance_ms" : "now_ms",
                             "the test clock only moves forward");
        return;
    }
    if (now_ms != 0)
        clock_manual_set(now_ms);
    if (advance != 0)
        clock_manual_advance(advance);
    log_warn("test clock moved from %" PRId64 " to %" PRId64 " by %s", cur, clock_now_ms(),
             req->who ? req->who->username : "?");
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "now_ms", clock_now_ms());
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
