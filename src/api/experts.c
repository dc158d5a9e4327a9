/*
 * api/experts.c — the expert pool, the draw and the committee over HTTP
 * (the routes are listed in api/experts.h and declared with their roles in
 * api/routes.c; docs/api.md has the shapes).
 *
 * Handlers parse and check the request's shape (unknown fields refused),
 * call domain/expert.c, domain/draw.c or domain/committee.c, and write
 * JSON. Refusals carry the error's field and, where the domain gave one, a
 * "detail" and an import's "row". What a caller sees of a draw or a
 * committee is decided by the domain (draw_view, committee_view): the
 * names of drawn experts never reach the agent, the bidders or the public
 * before the draw is revealed. Worker threads.
 */
#include "api/experts.h"

#include <inttypes.h>
#include <stdlib.h>

#include "api/tenders.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/roles.h"
#include "domain/committee.h"
#include "domain/draw.h"
#include "domain/expert.h"
#include "sheet/sheet.h"

/* ---- small helpers ---- */

static void expert_error(struct http_response *res, enum err e, const struct expert_refusal *why)
{
    struct jsonw w;
    api_json_begin(res, &w, err_status(e));
    jsonw_obj_begin(&w);
    jsonw_key(&w, "error");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "code", err_code(e));
    jsonw_kstr(&w, "message", err_message(e));
    if (why != NULL && why->field != NULL)
        jsonw_kstr(&w, "field", why->field);
    if (why != NULL && why->row > 0)
        jsonw_kint(&w, "row", why->row);
    if (why != NULL && why->detail[0] != '\0')
        jsonw_kstr(&w, "detail", why->detail);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

static void kint_or_null(struct jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    if (v != 0)
        jsonw_int(w, v);
    else
        jsonw_null(w);
}

/* Refuses a body with keys outside known. */
static bool known_keys(struct http_response *res, json_t *body, const char *const *known, size_t n)
{
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value)
    {
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (!ok) {
            http_res_error_field(res, ERR_INVALID_FIELD, key, "unknown field");
            return false;
        }
    }
    return true;
}

static int64_t param_id(const struct http_request *req, const char *name)
{
    const char *s = http_param(req, name);
    char *end = NULL;
    if (s == NULL || *s < '1' || *s > '9')
        return 0;
    long long v = strtoll(s, &end, 10);
    return end != NULL && *end == '\0' && v > 0 ? (int64_t)v : 0;
}

/* ---- JSON of the pool ---- */

static void write_expert(struct jsonw *w, const struct expert *e)
{
    jsonw_kint(w, "id", e->id);
    jsonw_kstr(w, "code", e->code);
    jsonw_kstr(w, "name", e->name);
    jsonw_kstr(w, "username", e->username);
    jsonw_kstr(w, "region", e->region);
    jsonw_kstr(w, "employer", e->employer);
    jsonw_kstr(w, "employer_uscc", e->employer_uscc);
    jsonw_kstr(w, "title", e->title);
    jsonw_kstr(w, "title_level", e->title_level);
    jsonw_kint(w, "years", e->years);
    jsonw_kstr(w, "phone", e->phone);
    jsonw_kstr(w, "email", e->email);
    jsonw_kstr(w, "status", e->status);
    jsonw_kstr(w, "note", e->note);
    jsonw_kint(w, "created_ms", e->created_ms);
    jsonw_kint(w, "updated_ms", e->updated_ms);
    jsonw_kint(w, "version", e->version);
}

/* The whole record of one expert (200/201), with its lists. */
static void respond_expert(struct http_request *req, struct http_response *res, int64_t id,
                           int status)
{
    struct store_tx *tx = NULL;
    struct expert e;
    const char **codes = NULL;
    int ncodes = 0;
    struct page rel = {0}, un = {0}, cr = {0};
    int64_t points = 0;
    struct jsonw w;
    struct tender_caller c = api_tender_caller(req);
    enum err err = domain_store_err(store_begin(api_app(req)->store, STORE_READ, &tx));
    if (err == ERR_OK)
        err = expert_read_check(tx, &c, id);
    if (err == ERR_OK)
        err = domain_store_err(store_expert_get(tx, req->arena, id, &e));
    if (err == ERR_OK)
        err = domain_store_err(
            store_expert_specs(tx, req->arena, id, EXPERT_SPECS_MAX, &codes, &ncodes));
    if (err == ERR_OK)
        err = domain_store_err(
            store_expert_relations(tx, req->arena, id, EXPERT_RELATIONS_MAX, &rel));
    if (err == ERR_OK)
        err = domain_store_err(store_expert_unavail_list(tx, req->arena, id, 200, &un));
    if (err == ERR_OK)
        err = domain_store_err(store_expert_credit_list(tx, req->arena, id, 0, 100, &cr));
    if (err == ERR_OK)
        err = domain_store_err(store_expert_credit_points(tx, id, &points));
    store_rollback(tx);
    if (err != ERR_OK) {
        http_res_error(res, err, NULL);
        return;
    }
    api_json_begin(res, &w, status);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "expert");
    jsonw_obj_begin(&w);
    write_expert(&w, &e);
    jsonw_key(&w, "specialties");
    jsonw_arr_begin(&w);
    for (int i = 0; i < ncodes; i++)
        jsonw_str(&w, codes[i]);
    jsonw_arr_end(&w);
    jsonw_key(&w, "relations");
    jsonw_arr_begin(&w);
    for (int i = 0; i < rel.n; i++) {
        const struct expert_relation *r = (const struct expert_relation *)rel.items + i;
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "kind", r->kind);
        jsonw_kstr(&w, "org_uscc", r->org_uscc);
        jsonw_kstr(&w, "org_name", r->org_name);
        kint_or_null(&w, "until_ms", r->until_ms);
        jsonw_kstr(&w, "note", r->note);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "unavailable");
    jsonw_arr_begin(&w);
    for (int i = 0; i < un.n; i++) {
        const struct expert_unavail *u = (const struct expert_unavail *)un.items + i;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", u->id);
        jsonw_kint(&w, "from_ms", u->from_ms);
        jsonw_kint(&w, "to_ms", u->to_ms);
        jsonw_kstr(&w, "kind", u->kind);
        jsonw_kstr(&w, "note", u->note);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_kint(&w, "credit_points", points);
    jsonw_key(&w, "credit");
    jsonw_arr_begin(&w);
    for (int i = 0; i < cr.n; i++) {
        const struct expert_credit *x = (const struct expert_credit *)cr.items + i;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", x->id);
        jsonw_kint(&w, "at_ms", x->at_ms);
        jsonw_kstr(&w, "kind", x->kind);
        jsonw_kint(&w, "points", x->points);
        jsonw_kstr(&w, "note", x->note);
        kint_or_null(&w, "tender_id", x->tender_id);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* ---- input of the pool ---- */

static bool read_expert(struct http_request *req, struct http_response *res, json_t *body,
                        struct expert_input *in, int64_t *version)
{
    static const char *const known[] = {
        "code",        "name",        "region",    "employer",    "employer_uscc", "title",
        "title_level", "years",       "phone",     "email",       "status",        "note",
        "username",    "specialties", "relations", "unavailable", "version"};
    memset(in, 0, sizeof(*in));
    if (!known_keys(res, body, known, sizeof known / sizeof known[0]))
        return false;
    struct {
        const char *key;
        const char **out;
        size_t max;
    } strs[] = {{"code", &in->code, EXPERT_CODE_MAX},
                {"name", &in->name, EXPERT_NAME_MAX},
                {"region", &in->region, 16},
                {"employer", &in->employer, EXPERT_TEXT_MAX},
                {"employer_uscc", &in->employer_uscc, 32},
                {"title", &in->title, EXPERT_TITLE_MAX},
                {"title_level", &in->title_level, 32},
                {"phone", &in->phone, 32},
                {"email", &in->email, 254},
                {"status", &in->status, 32},
                {"note", &in->note, EXPERT_NOTE_MAX},
                {"username", &in->username, 64}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (!api_field_str(req, res, body, strs[i].key, false, strs[i].max, strs[i].out))
            return false;
    json_t *v = json_object_get(body, "years");
    if (v != NULL && !json_is_null(v)) {
        in->has_years = true;
        if (!api_field_int(req, res, body, "years", true, &in->years))
            return false;
    }
    if (version != NULL && !api_field_int(req, res, body, "version", false, version))
        return false;
    v = json_object_get(body, "specialties");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_array(v) || json_array_size(v) > EXPERT_SPECS_MAX) {
            http_res_error_field(res, ERR_INVALID_FIELD, "specialties",
                                 "a list of at most 16 codes");
            return false;
        }
        in->has_specs = true;
        for (size_t i = 0; i < json_array_size(v); i++) {
            const char *s = json_string_value(json_array_get(v, i));
            if (s == NULL || strlen(s) > DRAW_SPEC_MAX) {
                http_res_error_field(res, ERR_INVALID_FIELD, "specialties", "codes are strings");
                return false;
            }
            in->specs[in->nspecs++] = arena_strdup(req->arena, s);
        }
    }
    v = json_object_get(body, "relations");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_array(v) || json_array_size(v) > EXPERT_RELATIONS_MAX) {
            http_res_error_field(res, ERR_INVALID_FIELD, "relations", "a list of at most 32");
            return false;
        }
        in->has_relations = true;
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *o = json_array_get(v, i);
            struct expert_relation_in *r = &in->rel[in->nrel++];
            if (!json_is_object(o) || !api_field_str(req, res, o, "kind", true, 32, &r->kind) ||
                !api_field_str(req, res, o, "org_uscc", false, 32, &r->org_uscc) ||
                !api_field_str(req, res, o, "org_name", true, EXPERT_TEXT_MAX, &r->org_name) ||
                !api_field_int(req, res, o, "until_ms", false, &r->until_ms) ||
                !api_field_str(req, res, o, "note", false, EXPERT_TEXT_MAX, &r->note)) {
                if (!json_is_object(o))
                    http_res_error_field(res, ERR_INVALID_FIELD, "relations", "objects");
                return false;
            }
        }
    }
    v = json_object_get(body, "unavailable");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_array(v) || json_array_size(v) > EXPERT_UNAVAIL_MAX) {
            http_res_error_field(res, ERR_INVALID_FIELD, "unavailable", "a list of at most 64");
            return false;
        }
        in->has_unavail = true;
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *o = json_array_get(v, i);
            struct expert_unavail_in *u = &in->un[in->nun++];
            if (!json_is_object(o) || !api_field_int(req, res, o, "from_ms", true, &u->from_ms) ||
                !api_field_int(req, res, o, "to_ms", true, &u->to_ms) ||
                !api_field_str(req, res, o, "kind", true, 16, &u->kind) ||
                !api_field_str(req, res, o, "note", false, EXPERT_TEXT_MAX, &u->note)) {
                if (!json_is_object(o))
                    http_res_error_field(res, ERR_INVALID_FIELD, "unavailable", "objects");
                return false;
            }
        }
    }
    return true;
}

/* ---- the pool ---- */

void api_experts_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct expert_filter f = {0};
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t after, unused;
    if (!api_page_args(req, res, &limit, &after, &unused))
        return;
    f.region = http_query(req, "region");
    f.specialty = http_query(req, "specialty");
    f.status = http_query(req, "status");
    if (f.region != NULL &&
        (strlen(f.region) > 6 || strspn(f.region, "0123456789") != strlen(f.region))) {
        http_res_error_field(res, ERR_INVALID_FIELD, "region", "a GB/T 2260 prefix");
        return;
    }
    if (f.specialty != NULL && !drawalg_spec_ok(f.specialty)) {
        http_res_error_field(res, ERR_INVALID_FIELD, "specialty", "a specialty code");
        return;
    }
    if (f.status != NULL && *f.status == '\0')
        f.status = NULL;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_expert_list(tx, req->arena, &f, after, limit, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        jsonw_obj_begin(&w);
        write_expert(&w, (const struct expert *)pg.items + i);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? ((const struct expert *)pg.items)[pg.n - 1].id : 0, 0,
                     false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_experts_create(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_input in;
    struct expert_refusal why = {0};
    int64_t id = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = read_expert(req, res, body, &in, NULL);
    if (ok) {
        enum err e = expert_create(api_app(req)->store, &c, &in, &id, &why);
        if (e != ERR_OK) {
            expert_error(res, e, &why);
            ok = false;
        }
    }
    json_decref(body);
    if (ok)
        respond_expert(req, res, id, 201);
}

void api_experts_get(struct http_request *req, struct http_response *res)
{
    int64_t id = api_param_id(req);
    if (id == 0) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    respond_expert(req, res, id, 200);
}

void api_experts_me(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct expert e;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_expert_by_user(tx, req->arena, req->who->user_id, &e);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    respond_expert(req, res, e.id, 200);
}

void api_experts_update(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_input in;
    struct expert_refusal why = {0};
    int64_t version = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = read_expert(req, res, body, &in, &version);
    if (ok) {
        enum err e = expert_update(api_app(req)->store, &c, api_param_id(req), version, &in, &why);
        if (e != ERR_OK) {
            expert_error(res, e, &why);
            ok = false;
        }
    }
    json_decref(body);
    if (ok)
        respond_expert(req, res, api_param_id(req), 200);
}

void api_experts_unavail_add(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_unavail_in in = {0};
    struct expert_refusal why = {0};
    int64_t uid = 0;
    struct jsonw w;
    static const char *const known[] = {"from_ms", "to_ms", "kind", "note"};
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = known_keys(res, body, known, 4) &&
              api_field_int(req, res, body, "from_ms", true, &in.from_ms) &&
              api_field_int(req, res, body, "to_ms", true, &in.to_ms) &&
              api_field_str(req, res, body, "kind", true, 16, &in.kind) &&
              api_field_str(req, res, body, "note", false, EXPERT_TEXT_MAX, &in.note);
    json_decref(body);
    if (!ok)
        return;
    enum err e = expert_unavail_add(api_app(req)->store, &c, api_param_id(req), &in, &uid, &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        return;
    }
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", uid);
    jsonw_kint(&w, "from_ms", in.from_ms);
    jsonw_kint(&w, "to_ms", in.to_ms);
    jsonw_kstr(&w, "kind", in.kind);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_experts_unavail_remove(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    int64_t uid = param_id(req, "uid");
    if (uid == 0) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    enum err e = expert_unavail_remove(api_app(req)->store, &c, api_param_id(req), uid);
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        return;
    }
    res->status = 204;
}

void api_experts_credit(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_refusal why = {0};
    const char *kind = NULL, *note = NULL;
    int64_t points = 0, tender_id = 0, cid = 0;
    struct jsonw w;
    static const char *const known[] = {"kind", "points", "note", "tender_id"};
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = known_keys(res, body, known, 4) &&
              api_field_str(req, res, body, "kind", true, 16, &kind) &&
              api_field_int(req, res, body, "points", false, &points) &&
              api_field_str(req, res, body, "note", true, EXPERT_NOTE_MAX, &note) &&
              api_field_int(req, res, body, "tender_id", false, &tender_id);
    json_decref(body);
    if (!ok)
        return;
    enum err e = expert_credit_add(api_app(req)->store, &c, api_param_id(req), kind, points, note,
                                   tender_id, &cid, &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        return;
    }
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", cid);
    jsonw_kstr(&w, "kind", kind);
    jsonw_kint(&w, "points", points);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

static void respond_import(struct http_response *res, const struct expert_import_result *r)
{
    struct jsonw w;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "rows", r->rows);
    jsonw_kint(&w, "created", r->created);
    jsonw_kint(&w, "updated", r->updated);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_experts_import(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_refusal why = {0};
    struct expert_import_result r;
    enum err e = expert_import(api_app(req)->store, &c, req->body, req->body_len, &r, &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        return;
    }
    respond_import(res, &r);
}

void api_experts_export(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    const char *fmt = http_query(req, "format");
    bool xlsx = fmt != NULL && strcmp(fmt, "xlsx") == 0;
    if (fmt != NULL && !xlsx && strcmp(fmt, "csv") != 0) {
        http_res_error_field(res, ERR_INVALID_FIELD, "format", "csv or xlsx");
        return;
    }
    buf_reset(&res->body);
    enum err e = expert_export(api_app(req)->store, &c, xlsx, &res->body);
    if (e != ERR_OK) {
        buf_reset(&res->body);
        http_res_error(res, e, NULL);
        return;
    }
    res->status = 200;
    res->content_type = xlsx ? SHEET_XLSX_MEDIA : SHEET_CSV_MEDIA;
    http_res_header(res, "Content-Disposition",
                    xlsx ? "attachment; filename=\"experts.xlsx\""
                         : "attachment; filename=\"experts.csv\"");
    http_res_header(res, "Cache-Control", "no-store");
}

void api_specialties_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_specialty_list(tx, req->arena, SPECIALTIES_MAX, &pg);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        const struct specialty *s = (const struct specialty *)pg.items + i;
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "code", s->code);
        jsonw_kstr(&w, "parent", s->parent);
        jsonw_kstr(&w, "name", s->name);
        jsonw_kstr(&w, "name_en", s->name_en);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_specialties_import(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_refusal why = {0};
    struct expert_import_result r;
    enum err e = specialty_import(api_app(req)->store, &c, req->body, req->body_len, &r, &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        return;
    }
    respond_import(res, &r);
}

static void respond_settings(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct jsonw w;
    int64_t draws = 0, min = 0;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = expert_setting(tx, EXPERT_SET_MAX_DRAWS, &draws);
    if (rc == STORE_OK)
        rc = expert_setting(tx, EXPERT_SET_COMMITTEE, &min);
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, EXPERT_SET_MAX_DRAWS, draws);
    jsonw_kint(&w, EXPERT_SET_COMMITTEE, min);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_expert_settings_get(struct http_request *req, struct http_response *res)
{
    respond_settings(req, res);
}

void api_expert_settings_set(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_refusal why = {0};
    int64_t value = 0;
    static const char *const known[] = {"value"};
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok =
        known_keys(res, body, known, 1) && api_field_int(req, res, body, "value", true, &value);
    json_decref(body);
    if (!ok)
        return;
    enum err e = expert_setting_set(api_app(req)->store, &c, http_param(req, "key"), value, &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        return;
    }
    respond_settings(req, res);
}

/* ---- draws ---- */

static void write_draw(struct jsonw *w, struct http_request *req, struct store_tx *tx,
                       const struct draw_row *d, const struct draw_view *v)
{
    struct page rq = {0}, ms = {0};
    int64_t drawn = 0, confirmed = 0, declined = 0, pending = 0, skipped = 0;
    store_draw_requests(tx, req->arena, d->id, DRAW_GROUPS_MAX, &rq);
    if (d->snapshot_sha != NULL)
        store_draw_members(tx, req->arena, d->id, DRAW_MEMBERS_MAX, &ms);
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", d->id);
    jsonw_kint(w, "tender_id", d->tender_id);
    jsonw_kstr(w, "state", d->state);
    jsonw_kstr(w, "commitment", d->commitment);
    jsonw_kint(w, "eval_start_ms", d->eval_start_ms);
    jsonw_kint(w, "eval_end_ms", d->eval_end_ms);
    jsonw_kint(w, "reps", d->reps);
    jsonw_kint(w, "max_draws_30d", d->max_draws_30d);
    jsonw_key(w, "commit_leaf");
    if (d->commit_leaf >= 0)
        jsonw_int(w, d->commit_leaf);
    else
        jsonw_null(w);
    kint_or_null(w, "checkpoint_size", d->checkpoint_size);
    jsonw_kstr(w, "snapshot_sha256", d->snapshot_sha);
    jsonw_kint(w, "short", d->short_n);
    jsonw_kint(w, "requested_ms", d->requested_ms);
    kint_or_null(w, "drawn_ms", d->drawn_ms);
    kint_or_null(w, "revealed_ms", d->revealed_ms);
    kint_or_null(w, "cancelled_ms", d->cancelled_ms);
    jsonw_kstr(w, "cancel_reason", d->cancel_reason);
    jsonw_key(w, "requests");
    jsonw_arr_begin(w);
    for (int i = 0; i < rq.n; i++) {
        const struct draw_request_row *q = (const struct draw_request_row *)rq.items + i;
        jsonw_obj_begin(w);
        jsonw_kint(w, "group", q->grp);
        jsonw_kstr(w, "specialty", q->specialty);
        jsonw_kstr(w, "region", q->region);
        jsonw_kint(w, "count", q->count);
        jsonw_kint(w, "reserves", q->reserves);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    for (int i = 0; i < ms.n; i++) {
        const struct draw_member *m = (const struct draw_member *)ms.items + i;
        drawn += m->notified_ms != 0;
        confirmed += strcmp(m->status, "confirmed") == 0;
        declined += strcmp(m->status, "declined") == 0 || strcmp(m->status, "released") == 0;
        pending += strcmp(m->status, "notified") == 0;
        skipped += strcmp(m->status, "skipped") == 0;
    }
    jsonw_key(w, "counts");
    jsonw_obj_begin(w);
    jsonw_kint(w, "notified", drawn);
    jsonw_kint(w, "confirmed", confirmed);
    jsonw_kint(w, "declined", declined);
    jsonw_kint(w, "pending", pending);
    jsonw_kint(w, "skipped", skipped);
    jsonw_obj_end(w);
    if (v->list) {
        jsonw_key(w, "members");
        jsonw_arr_begin(w);
        for (int i = 0; i < ms.n; i++) {
            const struct draw_member *m = (const struct draw_member *)ms.items + i;
            jsonw_obj_begin(w);
            jsonw_kint(w, "id", m->id);
            jsonw_kint(w, "group", m->grp);
            jsonw_kint(w, "position", m->position);
            jsonw_kint(w, "expert_id", m->expert_id);
            jsonw_kstr(w, "expert_code", m->expert_code);
            jsonw_kstr(w, "expert_name", m->expert_name);
            jsonw_kstr(w, "role", m->role);
            jsonw_kstr(w, "status", m->status);
            kint_or_null(w, "replaces", m->replaces_id);
            jsonw_kstr(w, "reason", m->reason);
            kint_or_null(w, "notified_ms", m->notified_ms);
            kint_or_null(w, "answered_ms", m->answered_ms);
            jsonw_obj_end(w);
        }
        jsonw_arr_end(w);
    }
    jsonw_obj_end(w);
}

static void respond_draw(struct http_request *req, struct http_response *res, int64_t id,
                         int status)
{
    struct store_tx *tx = NULL;
    struct draw_row d;
    struct tender t;
    struct draw_view v;
    struct jsonw w;
    struct tender_caller c = api_tender_caller(req);
    enum err e = domain_store_err(store_begin(api_app(req)->store, STORE_READ, &tx));
    if (e == ERR_OK)
        e = draw_load(tx, req->arena, &c, id, &d, &t, &v);
    if (e != ERR_OK) {
        store_rollback(tx);
        http_res_error(res, e, NULL);
        return;
    }
    api_json_begin(res, &w, status);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "draw");
    write_draw(&w, req, tx, &d, &v);
    jsonw_kint(&w, "server_time_ms", clock_now_ms());
    jsonw_obj_end(&w);
    store_rollback(tx);
    api_json_end(res, &w);
}

void api_draws_create(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct draw_input in = {0};
    struct expert_refusal why = {0};
    int64_t id = 0, reps = 0;
    static const char *const known[] = {"eval_start_ms", "eval_end_ms", "reps", "requests"};
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = known_keys(res, body, known, 4) &&
              api_field_int(req, res, body, "eval_start_ms", true, &in.eval_start_ms) &&
              api_field_int(req, res, body, "eval_end_ms", true, &in.eval_end_ms) &&
              api_field_int(req, res, body, "reps", false, &reps);
    json_t *rq = json_object_get(body, "requests");
    if (ok &&
        (!json_is_array(rq) || json_array_size(rq) < 1 || json_array_size(rq) > DRAW_GROUPS_MAX)) {
        http_res_error_field(res, rq ? ERR_INVALID_FIELD : ERR_MISSING_FIELD, "requests",
                             "a list of 1 to 16 groups");
        ok = false;
    }
    for (size_t i = 0; ok && i < json_array_size(rq); i++) {
        json_t *g = json_array_get(rq, i);
        const char *spec = NULL, *region = NULL;
        int64_t count = 0, reserves = 0;
        struct draw_request *x = &in.req[in.nreq++];
        static const char *const gk[] = {"specialty", "region", "count", "reserves"};
        ok = json_is_object(g) && known_keys(res, g, gk, 4) &&
             api_field_str(req, res, g, "specialty", true, DRAW_SPEC_MAX, &spec) &&
             api_field_str(req, res, g, "region", false, DRAW_REGION_LEN, &region) &&
             api_field_int(req, res, g, "count", true, &count) &&
             api_field_int(req, res, g, "reserves", false, &reserves);
        if (!ok) {
            if (!json_is_object(g))
                http_res_error_field(res, ERR_INVALID_FIELD, "requests", "objects");
            break;
        }
        snprintf(x->specialty, sizeof x->specialty, "%s", spec);
        snprintf(x->region, sizeof x->region, "%s", region ? region : "");
        x->count = count > 0 && count <= DRAW_COUNT_MAX ? (int)count : 0;
        x->reserves = reserves >= 0 && reserves <= DRAW_RESERVE_MAX ? (int)reserves : -1;
    }
    json_decref(body);
    if (!ok)
        return;
    in.reps = reps >= 0 && reps <= DRAW_COUNT_MAX ? (int)reps : -1;
    enum err e = draw_create(api_app(req)->store, &c, api_param_id(req), &in, &id, &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        return;
    }
    respond_draw(req, res, id, 201);
}

void api_draws_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct page pg;
    struct jsonw w;
    struct tender_caller c = api_tender_caller(req);
    enum err e = domain_store_err(store_begin(api_app(req)->store, STORE_READ, &tx));
    if (e == ERR_OK)
        e = api_tender_load(req, tx, &t, &acc);
    if (e == ERR_OK)
        e = domain_store_err(store_draw_list(tx, req->arena, t.id, DRAW_PER_TENDER_MAX, &pg));
    if (e != ERR_OK) {
        store_rollback(tx);
        http_res_error(res, e, NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        const struct draw_row *d = (const struct draw_row *)pg.items + i;
        struct draw_view v = draw_view(&c, &acc, d);
        if (v.see)
            write_draw(&w, req, tx, d, &v);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    store_rollback(tx);
    api_json_end(res, &w);
}

void api_draws_get(struct http_request *req, struct http_response *res)
{
    int64_t id = api_param_id(req);
    if (id == 0) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    respond_draw(req, res, id, 200);
}

void api_draws_run(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_refusal why = {0};
    enum err e = draw_run(api_app(req)->store, &c, api_param_id(req), &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        if (e == ERR_DRAW_NOT_READY)
            http_res_header(res, "Retry-After", "1");
        return;
    }
    respond_draw(req, res, api_param_id(req), 200);
}

void api_draws_reveal(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    enum err e = draw_reveal(api_app(req)->store, &c, api_param_id(req));
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        return;
    }
    respond_draw(req, res, api_param_id(req), 200);
}

/* A body {"reason": "..."} (required or not). */
static bool reason_of(struct http_request *req, struct http_response *res, bool required,
                      const char **reason)
{
    static const char *const known[] = {"reason"};
    *reason = NULL;
    if (req->body_len == 0 && !required)
        return true;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return false;
    bool ok = known_keys(res, body, known, 1) &&
              api_field_str(req, res, body, "reason", required, 400, reason);
    json_decref(body);
    return ok;
}

void api_draws_cancel(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    const char *reason;
    if (!reason_of(req, res, true, &reason))
        return;
    enum err e = draw_cancel(api_app(req)->store, &c, api_param_id(req), reason);
    if (e != ERR_OK) {
        http_res_error_field(res, e, e == ERR_INVALID_FIELD ? "reason" : NULL, NULL);
        return;
    }
    respond_draw(req, res, api_param_id(req), 200);
}

void api_draws_record(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    buf_reset(&res->body);
    enum err e = draw_record_export(api_app(req)->store, &c, api_param_id(req), &res->body);
    if (e != ERR_OK) {
        buf_reset(&res->body);
        http_res_error(res, e, NULL);
        return;
    }
    char cd[96];
    snprintf(cd, sizeof cd, "attachment; filename=\"draw-%" PRId64 ".json\"", api_param_id(req));
    res->status = 200;
    http_res_header(res, "Content-Disposition", cd);
    http_res_header(res, "Cache-Control", "no-store");
}

static void member_answer(struct http_request *req, struct http_response *res, int what)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_refusal why = {0};
    struct jsonw w;
    const char *reason = NULL;
    if (!reason_of(req, res, what == 2, &reason))
        return;
    enum err e = what == 2 ? draw_release(api_app(req)->store, &c, api_param_id(req), reason, &why)
                           : draw_answer(api_app(req)->store, &c, api_param_id(req), what == 0,
                                         reason, &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", api_param_id(req));
    jsonw_kstr(&w, "status", what == 0 ? "confirmed" : what == 1 ? "declined" : "released");
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_invitations_confirm(struct http_request *req, struct http_response *res)
{
    member_answer(req, res, 0);
}

void api_invitations_decline(struct http_request *req, struct http_response *res)
{
    member_answer(req, res, 1);
}

void api_draw_members_release(struct http_request *req, struct http_response *res)
{
    member_answer(req, res, 2);
}

void api_experts_invitations(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_draw_invitations(tx, req->arena, req->who->user_id, 200, &pg);
    if (rc != STORE_OK) {
        store_rollback(tx);
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        const struct draw_member *m = (const struct draw_member *)pg.items + i;
        struct draw_row d;
        struct tender t;
        if (store_draw_get(tx, req->arena, m->draw_id, &d) != STORE_OK ||
            store_tender_get(tx, req->arena, d.tender_id, &t) != STORE_OK)
            continue;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", m->id);
        jsonw_kint(&w, "draw_id", m->draw_id);
        jsonw_kint(&w, "tender_id", t.id);
        jsonw_kstr(&w, "tender_code", t.code);
        jsonw_kstr(&w, "tender_title", t.title);
        jsonw_kint(&w, "eval_start_ms", d.eval_start_ms);
        jsonw_kint(&w, "eval_end_ms", d.eval_end_ms);
        jsonw_kstr(&w, "status", m->status);
        kint_or_null(&w, "notified_ms", m->notified_ms);
        kint_or_null(&w, "answered_ms", m->answered_ms);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    store_rollback(tx);
    api_json_end(res, &w);
}

/* ---- the committee ---- */

void api_committee_get(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    struct committee_view v;
    struct committee cm;
    struct page pg;
    struct jsonw w;
    struct tender_caller c = api_tender_caller(req);
    enum err e = domain_store_err(store_begin(api_app(req)->store, STORE_READ, &tx));
    if (e == ERR_OK)
        e = api_tender_load(req, tx, &t, &acc);
    if (e == ERR_OK)
        e = committee_view(tx, req->arena, &c, &t, &v);
    if (e == ERR_OK)
        e = domain_store_err(
            store_committee_members(tx, req->arena, t.id, COMMITTEE_MEMBERS_MAX, &pg));
    int rc = e == ERR_OK ? store_committee_get(tx, t.id, &cm) : STORE_OK;
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        e = domain_store_err(rc);
    store_rollback(tx);
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        return;
    }
    bool formed = rc == STORE_OK;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", t.id);
    jsonw_kbool(&w, "formed", formed);
    if (formed) {
        jsonw_kint(&w, "size", cm.size);
        jsonw_kint(&w, "experts", cm.experts);
        jsonw_kint(&w, "reps", cm.reps);
        jsonw_kint(&w, "formed_ms", cm.formed_ms);
        jsonw_kstr(&w, "chair_how", cm.chair_how);
        kint_or_null(&w, "chair_ms", cm.chair_ms);
    }
    /* the chair: its kind always, its member id when the caller may see it */
    const struct committee_member *ch = NULL;
    for (int i = 0; formed && i < pg.n; i++)
        if (((const struct committee_member *)pg.items)[i].id == cm.chair_member_id)
            ch = (const struct committee_member *)pg.items + i;
    jsonw_kstr(&w, "chair_kind", ch ? ch->kind : NULL);
    jsonw_key(&w, "chair");
    if (ch != NULL && (v.members || strcmp(ch->kind, "rep") == 0))
        jsonw_int(&w, ch->id);
    else
        jsonw_null(&w);
    if (v.member)
        jsonw_kint(&w, "you", v.my_id);
    jsonw_key(&w, "members");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++) {
        const struct committee_member *m = (const struct committee_member *)pg.items + i;
        bool rep = strcmp(m->kind, "rep") == 0;
        if (!v.members && !rep)
            continue;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", m->id);
        jsonw_kstr(&w, "kind", m->kind);
        jsonw_kbool(&w, "tenderer_rep", rep);
        jsonw_kstr(&w, "name", m->name);
        jsonw_kstr(&w, "title", m->title);
        kint_or_null(&w, "expert_id", m->expert_id);
        jsonw_kbool(&w, "chair", formed && cm.chair_member_id == m->id);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_committee_rep(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_refusal why = {0};
    const char *name = NULL, *username = NULL, *title = NULL;
    int64_t id = 0;
    struct jsonw w;
    static const char *const known[] = {"name", "username", "title"};
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = known_keys(res, body, known, 3) &&
              api_field_str(req, res, body, "name", true, EXPERT_NAME_MAX, &name) &&
              api_field_str(req, res, body, "username", false, 64, &username) &&
              api_field_str(req, res, body, "title", false, EXPERT_TITLE_MAX, &title);
    json_decref(body);
    if (!ok)
        return;
    enum err e = committee_rep_add(api_app(req)->store, &c, api_param_id(req), name, username,
                                   title, &id, &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        return;
    }
    api_json_begin(res, &w, 201);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", id);
    jsonw_kstr(&w, "kind", "rep");
    jsonw_kbool(&w, "tenderer_rep", true);
    jsonw_kstr(&w, "name", name);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_committee_form(struct http_request *req, struct http_response *res)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_refusal why = {0};
    enum err e = committee_form(api_app(req)->store, &c, api_param_id(req), &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        return;
    }
    api_committee_get(req, res);
}

static void chair(struct http_request *req, struct http_response *res, bool designate)
{
    struct tender_caller c = api_tender_caller(req);
    struct expert_refusal why = {0};
    int64_t member = 0;
    bool elected = false;
    static const char *const known[] = {"member_id"};
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = known_keys(res, body, known, 1) &&
              api_field_int(req, res, body, "member_id", true, &member);
    json_decref(body);
    if (!ok)
        return;
    enum err e =
        designate
            ? committee_designate(api_app(req)->store, &c, api_param_id(req), member, &why)
            : committee_vote(api_app(req)->store, &c, api_param_id(req), member, &elected, &why);
    if (e != ERR_OK) {
        expert_error(res, e, &why);
        return;
    }
    (void)elected;
    api_committee_get(req, res);
}

void api_committee_vote(struct http_request *req, struct http_response *res)
{
    chair(req, res, false);
}

void api_committee_designate(struct http_request *req, struct http_response *res)
{
    chair(req, res, true);
}
