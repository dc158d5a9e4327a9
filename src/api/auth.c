/*
 * api/auth.c — sign in, sign out, who am I.
 *
 *   POST /api/auth/login  {"username","password","token"?}
 *        cookie session: Set-Cookie sunbid_session (HttpOnly, SameSite=Lax)
 *        and {"user":{...},"csrf_token":"..."}; with "token":true a bearer
 *        token instead: {"token","expires_ms","user"}.
 *   POST /api/auth/logout
 *   GET  /api/me          {"user":{...},"csrf_token":"..."}
 */
#include "api/api.h"

#include <inttypes.h>

#include "base/clock.h"

static void write_me(struct jsonw *w, const struct user *u, const struct org *org)
{
    jsonw_key(w, "user");
    api_write_user(w, u, org);
}

/* Loads the user's organisation (if any) in a short read transaction. */
static bool load_org(struct http_request *req, int64_t org_id, struct org *org)
{
    struct store_tx *tx = NULL;
    if (org_id == 0)
        return false;
    if (store_begin(api_app(req)->store, STORE_READ, &tx) != STORE_OK)
        return false;
    int rc = store_org_get(tx, req->arena, org_id, org);
    store_rollback(tx);
    return rc == STORE_OK;
}

void api_auth_login(struct http_request *req, struct http_response *res)
{
    struct app *app = api_app(req);
    struct login_result lr;
    struct user user;
    struct org org;
    struct jsonw w;
    const char *username, *password;
    bool bearer = false;
    json_t *body = api_body(req, res);
    if (body == NULL)
        return;
    if (!api_field_str(req, res, body, "username", true, 64, &username) ||
        !api_field_str(req, res, body, "password", true, 256, &password) ||
        !api_field_bool(req, res, body, "token", &bearer)) {
        json_decref(body);
        return;
    }
    json_decref(body);
    enum err e = auth_login(app->store, req->arena, username, password, req->remote_addr,
                            req->request_id, bearer, &lr, &user);
    if (e == ERR_TOO_MANY_ATTEMPTS) {
        char secs[24];
        snprintf(secs, sizeof(secs), "%" PRId64, (lr.retry_after_ms + 999) / 1000);
        http_res_header(res, "Retry-After", secs);
    }
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        return;
    }
    bool has_org = load_org(req, user.org_id, &org);
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    write_me(&w, &user, has_org ? &org : NULL);
    if (bearer) {
        jsonw_kstr(&w, "token", lr.token);
        jsonw_kint(&w, "expires_ms", lr.expires_ms);
    } else {
        char cookie[256];
        snprintf(cookie, sizeof(cookie),
                 "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%" PRId64 "%s", API_SESSION_COOKIE,
                 lr.token, SESSION_COOKIE_MS / 1000, app->secure_cookies ? "; Secure" : "");
        http_res_header(res, "Set-Cookie", cookie);
        jsonw_kstr(&w, "csrf_token", lr.csrf);
        jsonw_kint(&w, "expires_ms", lr.expires_ms);
    }
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_auth_logout(struct http_request *req, struct http_response *res)
{
    struct app *app = api_app(req);
    struct actor who = api_actor(req);
    struct jsonw w;
    enum err e = auth_logout(app->store, &who, req->who->session_id);
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        return;
    }
    if (req->who->via_cookie) {
        char cookie[160];
        snprintf(cookie, sizeof(cookie), "%s=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0%s",
                 API_SESSION_COOKIE, app->secure_cookies ? "; Secure" : "");
        http_res_header(res, "Set-Cookie", cookie);
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kbool(&w, "ok", true);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_me(struct http_request *req, struct http_response *res)
{
    struct app *app = api_app(req);
    struct store_tx *tx = NULL;
    struct user user;
    struct org org;
    struct jsonw w;
    bool has_org = false;
    int rc = store_begin(app->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_user_get(tx, req->arena, req->who->user_id, &user);
    if (rc == STORE_OK && user.org_id != 0)
        has_org = store_org_get(tx, req->arena, user.org_id, &org) == STORE_OK;
    store_rollback(tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    write_me(&w, &user, has_org ? &org : NULL);
    jsonw_kstr(&w, "csrf_token", req->who->via_cookie ? req->who->csrf_token : NULL);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}
