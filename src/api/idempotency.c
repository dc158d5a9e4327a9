/*
 * api/idempotency.c — Idempotency-Key on every write (DESIGN §7), as the
 * server's `around` hook: a client that retries a POST/PUT/PATCH/DELETE with
 * the same Idempotency-Key gets the first outcome again instead of a second
 * write.
 *
 *   key unseen          reserve it ("running"), run the handler, store the
 *                       response ("done"); a 5xx frees the key instead, so
 *                       the client may try again
 *   key done, same request        replay status and body, with
 *                                 "Idempotent-Replayed: true"
 *   key done or running, another request (method, target or body differ)
 *                                 422 idempotency_mismatch
 *   key running                   409 idempotency_in_progress
 *
 * Keys are scoped to the signed-in user and kept 24 hours. Requests without
 * a principal (sign-in itself) ignore the header: there is no one to scope
 * the key to. A node that dies between reserving and finishing leaves the
 * key "running" until it expires: the client is told it is in progress, and
 * never gets a second write. Runs on worker threads.
 */
#include "api/api.h"

#include "base/clock.h"
#include "base/log.h"
#include "crypto/random.h"
#include "store/idempotency.h"

#define IDEM_KEEP_MS ((int64_t)24 * 3600 * 1000)
#define IDEM_KEY_MAX 255

static bool key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > IDEM_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7E)
            return false;
    return true;
}

static void fingerprint(const struct http_request *req, char out[65])
{
    struct buf b;
    buf_init(&b, req->body_len + 4096);
    buf_printf(&b, "%s %s\n", http_method_name(req->method), req->target);
    if (req->streamed) /* the body went to a sink: its digest stands for it */
        buf_puts(&b, req->body_digest ? req->body_digest : "");
    else
        buf_append(&b, req->body ? req->body : "", req->body_len);
    crypto_sha256_hex(b.data, b.len, out);
    buf_release(&b);
}

static void replay(struct http_response *res, const struct idem_row *row)
{
    res->status = row->status;
    res->content_type = row->content_type;
    buf_reset(&res->body);
    if (buf_append(&res->body, row->body ? row->body : "", row->body_len) != BUF_OK) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    http_res_header(res, "Idempotent-Replayed", "true");
}

/* Reserves the key. ERR_OK: run the handler; *replayed: res holds the answer. */
static enum err reserve(struct http_request *req, struct http_response *res, const char *key,
                        const char *fp, bool *replayed)
{
    struct store *s = api_app(req)->store;
    int64_t uid = req->who->user_id, now = clock_now_ms();
    struct idem_row row;
    *replayed = false;
    for (int attempt = 0; attempt < DOMAIN_WRITE_ATTEMPTS; attempt++) {
        struct store_tx *tx = NULL;
        int rc = store_begin(s, STORE_WRITE, &tx);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        rc = store_idem_get(tx, req->arena, uid, key, &row);
        if (rc == STORE_OK && row.created_ms < now - IDEM_KEEP_MS) {
            rc = store_idem_delete(tx, uid, key); /* expired: a new request */
            if (rc == STORE_OK)
                rc = STORE_NOTFOUND;
        }
        if (rc == STORE_OK) {
            store_rollback(tx);
            if (strcmp(row.fingerprint, fp) != 0)
                return ERR_IDEMPOTENCY_MISMATCH;
            if (!row.done)
                return ERR_IDEMPOTENCY_IN_PROGRESS;
            replay(res, &row);
            *replayed = true;
            return ERR_OK;
        }
        if (rc == STORE_NOTFOUND)
            rc = store_idem_start(tx, uid, key, fp, now);
        if (rc == STORE_OK)
            rc = store_commit(tx);
        else
            store_rollback(tx);
        if (rc == STORE_CONSTRAINT) /* another request took it meanwhile */
            return ERR_IDEMPOTENCY_IN_PROGRESS;
        if (rc != STORE_BUSY)
            return domain_store_err(rc);
    }
    return ERR_STORE_BUSY;
}

static void complete(struct http_request *req, struct http_response *res, const char *key)
{
    struct store *s = api_app(req)->store;
    int64_t uid = req->who->user_id;
    int status = res->status ? res->status : 200;
    int rc = STORE_BUSY;
    for (int attempt = 0; attempt < DOMAIN_WRITE_ATTEMPTS && rc == STORE_BUSY; attempt++) {
        struct store_tx *tx = NULL;
        rc = store_begin(s, STORE_WRITE, &tx);
        if (rc != STORE_OK)
            continue;
        if (status >= 500)
            rc = store_idem_delete(tx, uid, key);
        else
            rc = store_idem_finish(tx, uid, key, status,
                                   res->content_type ? res->content_type
                                                     : "application/json; charset=utf-8",
                                   res->body.data ? res->body.data : "", res->body.len);
        if (rc == STORE_OK)
            rc = store_commit(tx);
        else
            store_rollback(tx);
    }
    if (rc != STORE_OK)
        log_error("idempotency key of request %s not recorded: %s", req->request_id,
                  store_rc_name(rc));
    /* Now and then, sweep expired keys (expired ones are also ignored). */
    unsigned char dice[2];
    crypto_random(dice, sizeof(dice));
    if (dice[0] == 0 && dice[1] < 16)
        api_idempotency_prune(s);
}

void api_around(struct http_request *req, struct http_response *res, http_handler_fn handler)
{
    const char *key = http_header(req, "idempotency-key");
    char fp[65];
    bool replayed;
    bool unsafe = req->method == HTTP_M_POST || req->method == HTTP_M_PUT ||
                  req->method == HTTP_M_PATCH || req->method == HTTP_M_DELETE;
    if (key == NULL || !unsafe || req->who == NULL) {
        handler(req, res);
        return;
    }
    if (!key_ok(key)) {
        http_res_error(res, ERR_BAD_IDEMPOTENCY_KEY, NULL);
        return;
    }
    fingerprint(req, fp);
    enum err e = reserve(req, res, key, fp, &replayed);
    if (e != ERR_OK) {
        http_res_error(res, e, NULL);
        return;
    }
    if (replayed)
        return;
    handler(req, res);
    complete(req, res, key);
}

void api_idempotency_prune(struct store *s)
{
    struct store_tx *tx = NULL;
    if (store_begin(s, STORE_WRITE, &tx) != STORE_OK)
        return;
    if (store_idem_prune(tx, clock_now_ms() - IDEM_KEEP_MS) == STORE_OK)
        store_commit(tx);
    else
        store_rollback(tx);
}
