/*
 * request.c — the per-request pipeline (authentication and the route's
 * access rules, then the handler) and the request/response helpers of
 * http.h.
 *
 * Pipeline, in this order; the first failing step answers with its error:
 *
 *   route->roles == 0                         403 forbidden (deny by default)
 *   INLINE route: must include HTTP_ANON      403 forbidden; no authentication
 *   authenticate (when the route is not public, or credentials were sent)
 *                                              hook's error (401 session_expired...)
 *   anonymous on a route without HTTP_ANON     401 unauthenticated
 *   signed in, route without HTTP_ANON, no common role    403 forbidden
 *   cookie session, POST/PUT/PATCH/DELETE, no NO_CSRF flag,
 *     X-CSRF-Token missing or != session's token           403 csrf_failed
 *   body on a non-GET route without RAW_BODY, not application/json
 *                                              415 unsupported_media_type
 *   route->owner(req) != ERR_OK               its error (403 not_owner ...)
 *   handler
 *
 * A STREAM_BODY request runs the same checks once its headers are in
 * (http_request_admit), then the handler with req->admitting to refuse or
 * set up the sink; after the body, the handler again without the checks.
 *
 * Before all that, res->sse_last_id is set from the Last-Event-ID header or
 * the last_event_id query parameter (-1 when absent or not a number).
 *
 * Owns nothing: everything lives in the request's arena or response bufs.
 * Threads: any (a worker for pool routes, the loop for inline ones); a
 * request and its response belong to one thread at a time.
 */
#include "http/conn.h"

#include <errno.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "base/jsonw.h"
#include "http/router.h"

const char *http_method_name(enum http_method m)
{
    switch (m) {
    case HTTP_M_GET:
        return "GET";
    case HTTP_M_HEAD:
        return "HEAD";
    case HTTP_M_POST:
        return "POST";
    case HTTP_M_PUT:
        return "PUT";
    case HTTP_M_PATCH:
        return "PATCH";
    case HTTP_M_DELETE:
        return "DELETE";
    case HTTP_M_OPTIONS:
        return "OPTIONS";
    case HTTP_M_OTHER:
    default:
        return "OTHER";
    }
}

static const struct {
    int status;
    const char *reason;
} reasons[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {422, "Unprocessable Content"},
    {425, "Too Early"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

const char *http_status_reason(int status)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (reasons[i].status == status)
            return reasons[i].reason;
    }
    return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
}

/* ---- request helpers ------------------------------------------------------ */

const char *http_header(const struct http_request *req, const char *name)
{
    for (int i = 0; i < req->nheaders; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    }
    return NULL;
}

const char *http_param(const struct http_request *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++) {
        if (strcmp(req->param_names[i], name) == 0)
            return req->param_values[i];
    }
    return NULL;
}

const char *http_query(const struct http_request *req, const char *name)
{
    const char *p = req->query;
    size_t nlen = strlen(name);
    if (p == NULL)
        return NULL;
    while (*p != '\0') {
        const char *amp = strchr(p, '&');
        size_t plen = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', plen);
        size_t klen = eq ? (size_t)(eq - p) : plen;
        /* Decode the key only when it could match (keys are short). */
        if (klen >= nlen && klen <= 3 * nlen && klen < 256) {
            char key[256];
            long kl = http_pct_decode(key, p, klen, 1);
            if (kl == (long)nlen && memcmp(key, name, nlen) == 0) {
                const char *v = eq ? eq + 1 : p + plen;
                size_t vlen = (size_t)(p + plen - v);
                char *out = arena_alloc(req->arena, vlen + 1);
                if (out == NULL || http_pct_decode(out, v, vlen, 1) < 0)
                    return NULL;
                return out;
            }
        }
        if (amp == NULL)
            break;
        p = amp + 1;
    }
    return NULL;
}

const char *http_cookie(const struct http_request *req, const char *name)
{
    size_t nlen = strlen(name);
    for (int i = 0; i < req->nheaders; i++) {
        if (strcasecmp(req->headers[i].name, "cookie") != 0)
            continue;
        const char *p = req->headers[i].value;
        while (*p != '\0') {
            while (*p == ' ' || *p == '\t' || *p == ';')
                p++;
            const char *end = strchr(p, ';');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            const char *eq = memchr(p, '=', len);
            if (eq != NULL && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
                const char *v = eq + 1;
                size_t vlen = (size_t)(p + len - v);
                while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                    vlen--;
                if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                    v++;
                    vlen -= 2;
                }
                return arena_strndup(req->arena, v, vlen);
            }
            if (end == NULL)
                break;
            p = end + 1;
        }
    }
    return NULL;
}

/* ---- response helpers ----------------------------------------------------- */

static bool header_text_ok(const char *s, bool name)
{
    if (s == NULL || (name && *s == '\0'))
        return false;
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\r' || ch == '\n' || (name && (ch <= ' ' || ch == ':' || ch >= 0x7f)))
            return false;
    }
    return true;
}

void http_res_header(struct http_response *res, const char *name, const char *value)
{
    /* No CR/LF may reach the wire: that would be header injection. */
    if (!header_text_ok(name, true) || !header_text_ok(value, false))
        return;
    size_t nl = strlen(name);
    size_t vl = strlen(value);
    if (buf_reserve(&res->headers, nl + vl + 4) != BUF_OK)
        return;
    buf_append(&res->headers, name, nl);
    buf_append(&res->headers, ": ", 2);
    buf_append(&res->headers, value, vl);
    buf_append(&res->headers, "\r\n", 2);
}

void http_res_error_field(struct http_response *res, enum err e, const char *field,
                          const char *message)
{
    struct jsonw w;
    res->status = err_status(e);
    res->content_type = NULL;
    buf_reset(&res->body);
    jsonw_init(&w, &res->body);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "error");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "code", err_code(e));
    jsonw_kstr(&w, "message", message ? message : err_message(e));
    if (field != NULL)
        jsonw_kstr(&w, "field", field);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) != JSONW_OK)
        buf_reset(&res->body);
}

void http_res_error(struct http_response *res, enum err e, const char *message)
{
    http_res_error_field(res, e, NULL, message);
}

/* ---- pipeline ------------------------------------------------------------- */

/* Parses a non-negative event id; -1 when absent or malformed. */
static int64_t parse_event_id(const char *s)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0)
        return -1;
    return (int64_t)v;
}

static bool method_unsafe(enum http_method m)
{
    return m == HTTP_M_POST || m == HTTP_M_PUT || m == HTTP_M_PATCH || m == HTTP_M_DELETE;
}

/* "application/json", any case, optionally followed by parameters. */
static bool content_type_json(const char *ct)
{
    static const char want[] = "application/json";
    if (ct == NULL || strncasecmp(ct, want, sizeof(want) - 1) != 0)
        return false;
    char next = ct[sizeof(want) - 1];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

static bool csrf_ok(const struct http_request *req)
{
    const char *sent = http_header(req, "x-csrf-token");
    const char *want = req->who->csrf_token;
    if (sent == NULL || want == NULL || want[0] == '\0')
        return false;
    size_t n = strlen(want);
    if (strlen(sent) != n)
        return false;
    return CRYPTO_memcmp(sent, want, n) == 0;
}

/* The error code of a refusal's answer (from its JSON), else by status. */
static enum err err_from_status(const struct http_response *res)
{
    const char *p = res->body.data ? strstr(res->body.data, "\"code\":\"") : NULL;
    if (p != NULL) {
        char code[64];
        p += 8;
        size_t n = 0;
        while (p[n] != '\0' && p[n] != '"' && n < sizeof(code) - 1)
            n++;
        memcpy(code, p, n);
        code[n] = '\0';
        enum err e = err_from_code(code);
        if (e != ERR__COUNT)
            return e;
    }
    return res->status >= 500 ? ERR_INTERNAL : ERR_BAD_REQUEST;
}

/* The route's access rules, in the order at the top of this file, up to
 * and including the owner check. ERR_OK or the error to answer with. */
static enum err request_checks(const struct http_config *cfg, struct http_request *req)
{
    const struct http_route *rt = req->route;
    enum err e = ERR_OK;

    if (rt->roles == 0)
        return ERR_FORBIDDEN; /* nobody: deny by default */
    if (rt->flags & HTTP_ROUTE_INLINE) {
        if (!(rt->roles & HTTP_ANON))
            return ERR_FORBIDDEN; /* inline routes cannot authenticate */
    } else {
        bool creds = http_header(req, "authorization") != NULL || http_header(req, "cookie");
        if (cfg->authenticate != NULL && (!(rt->roles & HTTP_ANON) || creds)) {
            struct http_principal *who = NULL;
            e = cfg->authenticate(req, &who);
            if (e != ERR_OK)
                return e;
            req->who = who;
        }
        if (req->who == NULL) {
            if (!(rt->roles & HTTP_ANON))
                return ERR_UNAUTHENTICATED;
        } else {
            if (!(rt->roles & HTTP_ANON) && (req->who->roles & rt->roles & ROLE_ALL) == 0)
                return ERR_FORBIDDEN;
            if (req->who->via_cookie && method_unsafe(req->method) &&
                !(rt->flags & HTTP_ROUTE_NO_CSRF) && !csrf_ok(req))
                return ERR_CSRF_FAILED;
        }
    }
    if (req->method != HTTP_M_GET && req->body_len > 0 &&
        !(rt->flags & (HTTP_ROUTE_RAW_BODY | HTTP_ROUTE_STREAM_BODY)) &&
        !content_type_json(http_header(req, "content-type")))
        return ERR_UNSUPPORTED_MEDIA_TYPE;
    if (rt->owner != NULL) {
        e = rt->owner(req);
        if (e != ERR_OK)
            return e;
    }
    return ERR_OK;
}

void http_request_process(const struct http_config *cfg, struct http_request *req,
                          struct http_response *res)
{
    const struct http_route *rt = req->route;
    enum err e = ERR_OK;

    res->sse_last_id = parse_event_id(http_header(req, "last-event-id"));
    if (res->sse_last_id < 0 && req->query != NULL)
        res->sse_last_id = parse_event_id(http_query(req, "last_event_id"));

    if (!req->streamed) { /* a streamed request passed them at admission */
        e = request_checks(cfg, req);
        if (e != ERR_OK)
            goto fail;
    }
    if (cfg->around != NULL)
        cfg->around(req, res, rt->handler);
    else
        rt->handler(req, res);
    if (res->status == 0)
        res->status = 200;
    return;
fail:
    http_res_error(res, e, NULL);
}

enum err http_request_admit(const struct http_config *cfg, struct http_request *req,
                            struct http_response *res)
{
    enum err e = request_checks(cfg, req);
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        return e;
    }
    memset(&req->sink, 0, sizeof(req->sink));
    req->admitting = true;
    req->route->handler(req, res);
    req->admitting = false;
    if (res->status >= 400) /* refused: res holds the answer */
        return err_from_status(res);
    if (req->sink.write == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL); /* a handler that forgot its sink: a bug */
        return ERR_INTERNAL;
    }
    res->status = 200;
    req->streamed = true;
    return ERR_OK;
}
