/*
 * api.h — the application's HTTP face: one file per resource under src/api/,
 * each parsing its requests, calling domain/, and writing JSON. This header
 * holds what they share: the application context, the route table, and the
 * small helpers every handler uses.
 *
 * Handlers run on worker threads (except the INLINE ones: health). They keep
 * all request memory in req->arena.
 */
#ifndef SUNBID_API_H
#define SUNBID_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/jsonw.h"
#include "domain/accounts.h"
#include "http/http.h"
#include "store/cluster.h"
#include "store/store.h"

/* The application context, reached as req->app. Set up by `sunbid serve`. */
struct app {
    struct store *store;     /* the one store; thread-safe, one connection per thread */
    struct http_server *srv; /* for the SSE hub and readiness */
    bool secure_cookies;     /* add Secure to cookies (behind TLS) */
    struct cluster *cluster; /* events and leases across nodes (store/cluster.h) */
    /* trusted witness keys (ledger/cosign.h), read-only; NULL: none */
    const struct cosign_witnesses *witnesses;
    /* trusted RFC 3161 TSA certificates (ledger/tsa.h), read-only; NULL: none */
    const struct tsa_trust *tsa;
    struct bid_service *bids; /* sealed bids, certificates, receipts (domain/bids.h) */
};

#define API_SESSION_COOKIE "sunbid_session"
#define API_LIST_DEFAULT   20
#define API_LIST_MAX       100

/* The route table, and its length. Borrowed by the server for its life. */
extern const struct http_route api_routes[];
extern const size_t api_nroutes;
/* The authenticate hook for http_config. */
enum err api_authenticate(struct http_request *req, struct http_principal **out);
/* The around hook for http_config: Idempotency-Key on writes (idempotency.c). */
void api_around(struct http_request *req, struct http_response *res, http_handler_fn handler);
/* Deletes idempotency keys older than a day. */
void api_idempotency_prune(struct store *s);

static inline struct app *api_app(struct http_request *req)
{
    return (struct app *)req->app;
}

/* The route parameter ":id" as a positive integer, or 0 when malformed. */
int64_t api_param_id(const struct http_request *req);

/* The actor of this request for the audit trail. */
struct actor api_actor(const struct http_request *req);

/* Parses the JSON body; it must be an object. On failure writes the error to
 * res and returns NULL. The caller json_decref()s the result. */
json_t *api_body(struct http_request *req, struct http_response *res);
/* Reads a string field into the arena. Absent or null: *out = NULL, and
 * when required an error is written. Wrong type or invalid text: error.
 * Returns false when an error was written. */
bool api_field_str(struct http_request *req, struct http_response *res, json_t *obj,
                   const char *key, bool required, size_t max_len, const char **out);
bool api_field_int(struct http_request *req, struct http_response *res, json_t *obj,
                   const char *key, bool required, int64_t *out);
bool api_field_bool(struct http_request *req, struct http_response *res, json_t *obj,
                    const char *key, bool *out);
/* Reads ?limit= (1..API_LIST_MAX, default API_LIST_DEFAULT) and ?cursor= as
 * one or two integers "A" or "A.B". Returns false after writing an error. */
bool api_page_args(struct http_request *req, struct http_response *res, int *limit, int64_t *cur_a,
                   int64_t *cur_b);
/* Writes "next_cursor": value or null. */
void api_write_cursor(struct jsonw *w, bool more, int64_t a, int64_t b, bool two);

/* Starts a JSON body: returns a writer on res->body. */
void api_json_begin(struct http_response *res, struct jsonw *w, int status);
/* Finishes: on writer failure replaces the body with a 500. */
void api_json_end(struct http_response *res, struct jsonw *w);
/* Writes a domain error with its field. */
void api_error(struct http_response *res, enum err e, const char *field);

/* JSON of a user (without the hash), with its organisation when org != NULL. */
void api_write_user(struct jsonw *w, const struct user *u, const struct org *org);
void api_write_org(struct jsonw *w, const struct org *o);
void api_write_roles(struct jsonw *w, unsigned roles);

/* Publishes an event to every node's SSE hub (any thread; through the
 * cluster, so on PostgreSQL other nodes see it too). */
void api_publish(struct http_request *req, const char *topic, const char *event, struct buf *data);

/* Handlers, by file. */
void api_health(struct http_request *req, struct http_response *res);
void api_auth_login(struct http_request *req, struct http_response *res);
void api_auth_logout(struct http_request *req, struct http_response *res);
void api_me(struct http_request *req, struct http_response *res);
void api_orgs_list(struct http_request *req, struct http_response *res);
void api_orgs_create(struct http_request *req, struct http_response *res);
void api_orgs_get(struct http_request *req, struct http_response *res);
enum err api_orgs_owner(struct http_request *req);
void api_users_list(struct http_request *req, struct http_response *res);
void api_users_create(struct http_request *req, struct http_response *res);
void api_users_password(struct http_request *req, struct http_response *res);
enum err api_users_owner(struct http_request *req);
void api_audit_list(struct http_request *req, struct http_response *res);
void api_notices_list(struct http_request *req, struct http_response *res);
void api_events(struct http_request *req, struct http_response *res);
void api_cluster(struct http_request *req, struct http_response *res);
void api_ledger_checkpoint(struct http_request *req, struct http_response *res);
void api_ledger_entries(struct http_request *req, struct http_response *res);
void api_ledger_inclusion(struct http_request *req, struct http_response *res);
void api_ledger_consistency(struct http_request *req, struct http_response *res);
void api_ledger_key(struct http_request *req, struct http_response *res);
void api_ledger_cosignature(struct http_request *req, struct http_response *res);
void api_ledger_timestamp_post(struct http_request *req, struct http_response *res);
void api_ledger_timestamp_get(struct http_request *req, struct http_response *res);
void api_ledger_certificate(struct http_request *req, struct http_response *res);
void api_ledger_verify(struct http_request *req, struct http_response *res);

#endif
