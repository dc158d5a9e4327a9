/*
 * api/users.c — user accounts.
 *
 *   GET /api/users?limit&cursor      admin
 *   POST /api/users                  admin; {"username","display_name",
 *                                    "password","roles":[...],"org_id"?,
 *                                    "email"?,"phone"?} -> 201 user
 *   PUT /api/users/:id/password      admin, or the user; {"password"}
 */
#include "api/api.h"

#include "base/roles.h"

enum err api_users_owner(struct http_request *req)
{
    if (req->who->roles & ROLE_ADMIN)
        return ERR_OK;
    if (api_param_id(req) == req->who->user_id)
        return ERR_OK;
    return ERR_NOT_OWNER;
}

void api_users_list(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct page pg;
    struct jsonw w;
    int limit;
    int64_t after, unused;
    if (!api_page_args(req, res, &limit, &after, &unused))
        return;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_user_list(tx, req->arena, after, limit, &pg);
    struct user *users = pg.items;
    struct org *orgs = NULL;
    if (rc == STORE_OK) {
        orgs = arena_calloc(req->arena, sizeof(struct org) * (size_t)(pg.n ? pg.n : 1));
        for (int i = 0; orgs && i < pg.n && rc == STORE_OK; i++) {
            if (users[i].org_id == 0)
                continue;
            rc = store_org_get(tx, req->arena, users[i].org_id, &orgs[i]);
            if (rc == STORE_NOTFOUND)
                rc = STORE_OK;
        }
    }
    store_rollback(tx);
    if (rc != STORE_OK || orgs == NULL) {
        http_res_error(res, rc != STORE_OK ? domain_store_err(rc) : ERR_INTERNAL, NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < pg.n; i++)
        api_write_user(&w, &users[i], orgs[i].id ? &orgs[i] : NULL);
    jsonw_arr_end(&w);
    api_write_cursor(&w, pg.more, pg.n ? users[pg.n - 1].id : 0, 0, false);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

/* "roles": ["agent", ...] -> bits; false after writing an error. */
static bool read_roles(struct http_response *res, json_t *body, unsigned *roles)
{
    json_t *arr = json_object_get(body, "roles");
    size_t i;
    json_t *v;
    *roles = 0;
    if (arr == NULL) {
        http_res_error_field(res, ERR_MISSING_FIELD, "roles", NULL);
        return false;
    }
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > ROLE_COUNT) {
        http_res_error_field(res, ERR_INVALID_FIELD, "roles", "must be a list of roles");
        return false;
    }
    json_array_foreach(arr, i, v)
    {
        unsigned bit = json_is_string(v) ? role_parse(json_string_value(v)) : 0;
        if (bit == 0) {
            http_res_error_field(res, ERR_INVALID_FIELD, "roles", "unknown role");
            return false;
        }
        *roles |= bit;
    }
    return true;
}

void api_users_create(struct http_request *req, struct http_response *res)
{
    struct user_input in = {0};
    struct actor who = api_actor(req);
    struct store_tx *tx = NULL;
    struct user u;
    struct org org;
    bool has_org = false;
    struct jsonw w;
    const char *field = NULL;
    int64_t id = 0;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "username", true, 64, &in.username) &&
              api_field_str(req, res, body, "display_name", true, 256, &in.display_name) &&
              api_field_str(req, res, body, "password", true, 256, &in.password) &&
              read_roles(res, body, &in.roles) &&
              api_field_int(req, res, body, "org_id", false, &in.org_id) &&
              api_field_str(req, res, body, "email", false, 200, &in.email) &&
              api_field_str(req, res, body, "phone", false, 40, &in.phone);
    json_decref(body);
    if (!ok)
        return;
    enum err e = user_create(api_app(req)->store, &who, &in, &id, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_user_get(tx, req->arena, id, &u);
    if (rc == STORE_OK && u.org_id)
        has_org = store_org_get(tx, req->arena, u.org_id, &org) == STORE_OK;
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 201);
    api_write_user(&w, &u, has_org ? &org : NULL);
    api_json_end(res, &w);
}

void api_users_password(struct http_request *req, struct http_response *res)
{
    struct actor who = api_actor(req);
    struct jsonw w;
    const char *password, *field = NULL;
    int64_t id = api_param_id(req);
    json_t *body;
    if (id == 0) {
        http_res_error(res, ERR_NOT_FOUND, NULL);
        return;
    }
    body = api_body(req, res);
    if (body == NULL)
        return;
    bool ok = api_field_str(req, res, body, "password", true, 256, &password);
    json_decref(body);
    if (!ok)
        return;
    enum err e = user_set_password(api_app(req)->store, &who, id, password, &field);
    if (e != ERR_OK) {
        api_error(res, e, field);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kbool(&w, "ok", true);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
