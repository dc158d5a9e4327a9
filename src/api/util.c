/*
 * api/util.c — what every handler shares: body and field parsing, paging,
 * JSON of users and organisations, publishing events (see api.h).
 * Worker threads; all memory in the request's arena.
 */
#include "api/api.h"

#include <errno.h>
#include <inttypes.h>

#include "base/jsonr.h"
#include "base/log.h"
#include "base/roles.h"

struct actor api_actor(const struct http_request *req)
{
    struct actor a = {0};
    a.user_id = req->who ? req->who->user_id : 0;
    a.name = req->who ? req->who->username : "anonymous";
    a.remote_addr = req->remote_addr;
    a.request_id = req->request_id;
    return a;
}

int64_t api_param_id(const struct http_request *req)
{
    const char *s = http_param(req, "id");
    char *end;
    if (s == NULL || *s < '1' || *s > '9')
        return 0;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return 0;
    return (int64_t)v;
}

void api_error(struct http_response *res, enum err e, const char *field)
{
    if (field != NULL)
        http_res_error_field(res, e, field, NULL);
    else
        http_res_error(res, e, NULL);
}

json_t *api_body(struct http_request *req, struct http_response *res)
{
    enum err e;
    const char *msg;
    size_t max = req->route && req->route->max_body ? req->route->max_body : (size_t)1 << 20;
    json_t *root = jsonr_parse(req->body, req->body_len, max, JSONR_MAX_DEPTH, &e, &msg);
    if (root == NULL) {
        http_res_error(res, e, msg);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        http_res_error(res, ERR_MALFORMED_JSON, "The request body must be a JSON object.");
        return NULL;
    }
    return root;
}

bool api_field_str(struct http_request *req, struct http_response *res, json_t *obj,
                   const char *key, bool required, size_t max_len, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (required) {
            http_res_error_field(res, ERR_MISSING_FIELD, key, NULL);
            return false;
        }
        return true;
    }
    if (!json_is_string(v)) {
        http_res_error_field(res, ERR_INVALID_FIELD, key, "must be a string");
        return false;
    }
    size_t n = json_string_length(v);
    if (n > max_len) {
        http_res_error_field(res, ERR_INVALID_FIELD, key, "is too long");
        return false;
    }
    if (n == 0 && required) {
        http_res_error_field(res, ERR_MISSING_FIELD, key, NULL);
        return false;
    }
    *out = arena_strndup(req->arena, json_string_value(v), n);
    if (*out == NULL) {
        http_res_error(res, ERR_BODY_TOO_LARGE, NULL);
        return false;
    }
    return true;
}

bool api_field_int(struct http_request *req, struct http_response *res, json_t *obj,
                   const char *key, bool required, int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    (void)req;
    if (v == NULL || json_is_null(v)) {
        if (required) {
            http_res_error_field(res, ERR_MISSING_FIELD, key, NULL);
            return false;
        }
        return true;
    }
    if (!json_is_integer(v)) {
        http_res_error_field(res, ERR_INVALID_FIELD, key, "must be an integer");
        return false;
    }
    *out = (int64_t)json_integer_value(v);
    return true;
}

bool api_field_bool(struct http_request *req, struct http_response *res, json_t *obj,
                    const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);
    (void)req;
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_boolean(v)) {
        http_res_error_field(res, ERR_INVALID_FIELD, key, "must be true or false");
        return false;
    }
    *out = json_is_true(v);
    return true;
}

/* Strict non-negative decimal in [0, INT64_MAX]; no sign, no spaces. */
static bool parse_i64(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    if (n == 0 || n > 19)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        int d = s[i] - '0';
        if (v > (INT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool api_page_args(struct http_request *req, struct http_response *res, int *limit, int64_t *cur_a,
                   int64_t *cur_b)
{
    const char *l = http_query(req, "limit");
    const char *c = http_query(req, "cursor");
    int64_t v;
    *limit = API_LIST_DEFAULT;
    *cur_a = 0;
    *cur_b = 0;
    if (l != NULL) {
        if (!parse_i64(l, strlen(l), &v) || v < 1 || v > API_LIST_MAX) {
            http_res_error_field(res, ERR_INVALID_FIELD, "limit", "must be 1..100");
            return false;
        }
        *limit = (int)v;
    }
    if (c != NULL && *c != '\0') {
        const char *dot = strchr(c, '.');
        size_t alen = dot ? (size_t)(dot - c) : strlen(c);
        if (!parse_i64(c, alen, cur_a) || (dot && !parse_i64(dot + 1, strlen(dot + 1), cur_b))) {
            http_res_error(res, ERR_BAD_CURSOR, NULL);
            return false;
        }
    }
    return true;
}

void api_write_cursor(struct jsonw *w, bool more, int64_t a, int64_t b, bool two)
{
    char tmp[48];
    jsonw_key(w, "next_cursor");
    if (!more) {
        jsonw_null(w);
        return;
    }
    if (two)
        snprintf(tmp, sizeof(tmp), "%" PRId64 ".%" PRId64, a, b);
    else
        snprintf(tmp, sizeof(tmp), "%" PRId64, a);
    jsonw_str(w, tmp);
}

void api_json_begin(struct http_response *res, struct jsonw *w, int status)
{
    res->status = status;
    buf_reset(&res->body);
    jsonw_init(w, &res->body);
}

void api_json_end(struct http_response *res, struct jsonw *w)
{
    if (jsonw_finish(w) != JSONW_OK) {
        log_error("response JSON failed (%d)", w->err);
        buf_reset(&res->body);
        http_res_error(res, ERR_INTERNAL, NULL);
    }
}

void api_write_roles(struct jsonw *w, unsigned roles)
{
    jsonw_arr_begin(w);
    for (int i = 0; i < ROLE_COUNT; i++)
        if (roles & (1u << i))
            jsonw_str(w, role_name(1u << i));
    jsonw_arr_end(w);
}

void api_write_org(struct jsonw *w, const struct org *o)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", o->id);
    jsonw_kstr(w, "name", o->name);
    jsonw_kstr(w, "uscc", o->uscc);
    jsonw_kstr(w, "legal_rep", o->legal_rep);
    jsonw_kstr(w, "contact_name", o->contact_name);
    jsonw_kstr(w, "contact_phone", o->contact_phone);
    jsonw_kstr(w, "contact_email", o->contact_email);
    jsonw_kstr(w, "address", o->address);
    jsonw_kint(w, "created_ms", o->created_ms);
    jsonw_obj_end(w);
}

void api_write_user(struct jsonw *w, const struct user *u, const struct org *org)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", u->id);
    jsonw_kstr(w, "username", u->username);
    jsonw_kstr(w, "display_name", u->display_name);
    jsonw_key(w, "roles");
    api_write_roles(w, u->roles);
    jsonw_key(w, "org");
    if (org != NULL) {
        jsonw_obj_begin(w);
        jsonw_kint(w, "id", org->id);
        jsonw_kstr(w, "name", org->name);
        jsonw_kstr(w, "uscc", org->uscc);
        jsonw_obj_end(w);
    } else if (u->org_id != 0) {
        jsonw_obj_begin(w);
        jsonw_kint(w, "id", u->org_id);
        jsonw_obj_end(w);
    } else {
        jsonw_null(w);
    }
    jsonw_kstr(w, "email", u->email);
    jsonw_kstr(w, "phone", u->phone);
    jsonw_kbool(w, "disabled", u->disabled);
    jsonw_kint(w, "created_ms", u->created_ms);
    jsonw_obj_end(w);
}

void api_publish(struct http_request *req, const char *topic, const char *event, struct buf *data)
{
    struct app *app = api_app(req);
    if (app->cluster == NULL || data->len == 0)
        return;
    int rc = cluster_publish(app->cluster, topic, event, data->data, data->len);
    if (rc != STORE_OK)
        log_warn("event %s on %s not published: %s", event, topic, store_rc_name(rc));
}
