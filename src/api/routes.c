/*
 * api/routes.c — the route table (who may call what) and the authenticate
 * hook. Deny by default: a route lists the roles that may call it; tests walk
 * this table for every role (tests/integration/test_access.c).
 */
#include "api/api.h"

#include "base/log.h"

#define R_ANY_USER ROLE_ALL
#define R_PUBLIC   (HTTP_ANON | ROLE_ALL)

const struct http_route api_routes[] = {
    {HTTP_M_GET, "/api/health", api_health, R_PUBLIC, NULL, 0, HTTP_ROUTE_INLINE, "health"},
    {HTTP_M_POST, "/api/auth/login", api_auth_login, R_PUBLIC, NULL, 4096, HTTP_ROUTE_NO_CSRF,
     "auth.login"},
    {HTTP_M_POST, "/api/auth/logout", api_auth_logout, R_ANY_USER, NULL, 1024, 0, "auth.logout"},
    {HTTP_M_GET, "/api/me", api_me, R_ANY_USER, NULL, 0, 0, "me"},
    {HTTP_M_GET, "/api/notices", api_notices_list, R_PUBLIC, NULL, 0, 0, "notice.list"},
    {HTTP_M_GET, "/api/orgs", api_orgs_list, ROLE_ADMIN | ROLE_SUPERVISOR, NULL, 0, 0, "org.list"},
    {HTTP_M_POST, "/api/orgs", api_orgs_create, ROLE_ADMIN, NULL, 16384, 0, "org.create"},
    {HTTP_M_GET, "/api/orgs/:id", api_orgs_get, R_ANY_USER, api_orgs_owner, 0, 0, "org.get"},
    {HTTP_M_GET, "/api/users", api_users_list, ROLE_ADMIN, NULL, 0, 0, "user.list"},
    {HTTP_M_POST, "/api/users", api_users_create, ROLE_ADMIN, NULL, 16384, 0, "user.create"},
    {HTTP_M_PUT, "/api/users/:id/password", api_users_password, R_ANY_USER, api_users_owner, 4096,
     0, "user.passwd"},
    {HTTP_M_GET, "/api/audit", api_audit_list, ROLE_ADMIN | ROLE_SUPERVISOR, NULL, 0, 0,
     "audit.list"},
    {HTTP_M_GET, "/api/events", api_events, R_PUBLIC, NULL, 0, 0, "events"},
    {HTTP_M_GET, "/api/cluster", api_cluster, ROLE_ADMIN | ROLE_SUPERVISOR, NULL, 0, 0, "cluster"},
    {HTTP_M_GET, "/api/ledger/checkpoint", api_ledger_checkpoint, R_PUBLIC, NULL, 0, 0,
     "ledger.checkpoint"},
    {HTTP_M_GET, "/api/ledger/entries", api_ledger_entries, R_PUBLIC, NULL, 0, 0, "ledger.entries"},
    {HTTP_M_GET, "/api/ledger/proof/inclusion", api_ledger_inclusion, R_PUBLIC, NULL, 0, 0,
     "ledger.inclusion"},
    {HTTP_M_GET, "/api/ledger/proof/consistency", api_ledger_consistency, R_PUBLIC, NULL, 0, 0,
     "ledger.consistency"},
    {HTTP_M_GET, "/api/ledger/key", api_ledger_key, R_PUBLIC, NULL, 0, 0, "ledger.key"},
    {HTTP_M_POST, "/api/ledger/cosignature", api_ledger_cosignature, R_PUBLIC, NULL, 4096,
     HTTP_ROUTE_RAW_BODY | HTTP_ROUTE_NO_CSRF, "ledger.cosignature"},
    {HTTP_M_POST, "/api/ledger/timestamp", api_ledger_timestamp_post, R_PUBLIC, NULL, 65536,
     HTTP_ROUTE_RAW_BODY | HTTP_ROUTE_NO_CSRF, "ledger.timestamp"},
    {HTTP_M_GET, "/api/ledger/timestamp", api_ledger_timestamp_get, R_PUBLIC, NULL, 0, 0,
     "ledger.timestamp.get"},
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);

/* "Bearer <token>" → token, or NULL. */
static const char *bearer_token(const struct http_request *req)
{
    const char *h = http_header(req, "authorization");
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

enum err api_authenticate(struct http_request *req, struct http_principal **out)
{
    struct app *app = api_app(req);
    struct session sess;
    struct user user;
    bool via_cookie = false;
    bool anon_ok = req->route && (req->route->roles & HTTP_ANON);
    const char *token = bearer_token(req);
    *out = NULL;
    if (token == NULL) {
        token = http_cookie(req, API_SESSION_COOKIE);
        via_cookie = token != NULL;
    }
    if (token == NULL)
        return ERR_OK;
    enum err e = auth_resolve(app->store, req->arena, token, &sess, &user);
    if (e != ERR_OK) {
        /* A stale cookie must not lock the public out of public pages. */
        if (anon_ok && (e == ERR_SESSION_EXPIRED || e == ERR_ACCOUNT_DISABLED))
            return ERR_OK;
        return e;
    }
    struct http_principal *p = arena_calloc(req->arena, sizeof(*p));
    if (p == NULL)
        return ERR_INTERNAL;
    p->user_id = user.id;
    p->org_id = user.org_id;
    p->roles = user.roles;
    p->username = user.username;
    p->csrf_token = sess.csrf_token;
    p->via_cookie = via_cookie;
    p->session_id = sess.id;
    *out = p;
    return ERR_OK;
}
