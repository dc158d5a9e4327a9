/*
 * api/ledger.c — the witness log's public read API (docs/ledger.md), for
 * monitors that do not run sunbid's code:
 *
 *   GET /api/ledger/checkpoint                       latest signed checkpoint, text/plain
 *   GET /api/ledger/entries?start=I&end=J            leaves [I, J), at most 256; entry
 *                                                    bytes of private events withheld
 *   GET /api/ledger/proof/inclusion?index=I&size=N   {"index","size","hashes":[b64...]}
 *   GET /api/ledger/proof/consistency?from=M&to=N    {"from","to","hashes":[b64...]}
 *   GET /api/ledger/key                              origin, hash, verifier keys
 *   POST /api/ledger/cosignature?size=N              a witness's cosignature line
 *   POST /api/ledger/timestamp?size=N                an RFC 3161 token (DER) over checkpoint N
 *   GET /api/ledger/timestamp?size=N                 the stored token, X-Timestamp-Gen-Time
 *
 * The checkpoint is served with the stored witness cosignatures (C2SP
 * tlog-cosignature) appended as extra signature lines. A cosignature is
 * accepted only from a configured witness (struct app.witnesses) and only
 * when it verifies over the stored checkpoint of that size; the first one
 * per (size, witness) is kept, later ones are answered 200 and not stored.
 * A timestamp token is accepted only when a TSA is configured (struct
 * app.tsa), it is signed by it, and its imprint is SHA-256 of the stored
 * signed note of that size; the first per size is kept.
 *
 * /entries always gives each leaf's index and leaf hash (provable by
 * anyone) and "public" (ledger/visibility.c's table of public event
 * types); the entry bytes only for public events, or for a signed-in
 * admin or supervisor, who may read everything.
 *
 * Sizes are bounded by the latest checkpoint: a client only gets proofs
 * against tree heads the log has signed. Each handler reads in one READ
 * transaction (one snapshot), on a worker thread; proofs read O(log n)
 * stored hashes (ledger/merkle.h).
 */
#include "api/api.h"

#include "base/base64.h"
#include "base/clock.h"
#include "ledger/cosign.h"
#include "ledger/ledger.h"
#include "ledger/tsa.h"
#include "ledger/visibility.h"
#include "store/ledger.h"

#define ENTRIES_MAX 256 /* leaves per /entries page */

/* A query parameter as a non-negative integer < 2^62; false (error written)
 * when absent or malformed. */
static bool query_u64(struct http_request *req, struct http_response *res, const char *name,
                      uint64_t *out)
{
    const char *v = http_query(req, name);
    uint64_t n = 0;
    size_t len = v ? strlen(v) : 0;
    if (len == 0 || len > 19 || (len > 1 && v[0] == '0')) {
        http_res_error_field(res, ERR_INVALID_FIELD, name, "a non-negative integer is required");
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') {
            http_res_error_field(res, ERR_INVALID_FIELD, name,
                                 "a non-negative integer is required");
            return false;
        }
        n = n * 10 + (uint64_t)(v[i] - '0');
    }
    if (n > (UINT64_C(1) << 62)) {
        http_res_error_field(res, ERR_INVALID_FIELD, name, "too large");
        return false;
    }
    *out = n;
    return true;
}

/* Begins a READ transaction and reads the log's config and the latest
 * checkpoint's size. On failure writes the error and returns false. */
static bool open_log(struct http_request *req, struct http_response *res, struct store_tx **tx,
                     struct store_ledger_config *cfg, int64_t *cp_size, struct buf *note)
{
    int rc = store_begin(api_app(req)->store, STORE_READ, tx);
    if (rc == STORE_OK)
        rc = store_ledger_config_get(*tx, cfg);
    if (rc == STORE_OK)
        rc = store_ledger_checkpoint_latest(*tx, cp_size, NULL, note);
    if (rc == STORE_NOTFOUND) {
        http_res_error(res, ERR_NOT_FOUND, "The log has no checkpoint yet.");
    } else if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
    }
    if (rc != STORE_OK) {
        store_rollback(*tx);
        *tx = NULL;
        return false;
    }
    return true;
}

static void write_hashes(struct jsonw *w, uint8_t (*h)[MERKLE_HASH_LEN], size_t n)
{
    char b64[B64_LEN(MERKLE_HASH_LEN)];
    jsonw_key(w, "hashes");
    jsonw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        b64_encode(h[i], MERKLE_HASH_LEN, b64);
        jsonw_str(w, b64);
    }
    jsonw_arr_end(w);
}

void api_ledger_checkpoint(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct store_ledger_config *cfg = arena_calloc(req->arena, sizeof *cfg);
    int64_t size;
    if (cfg == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    if (!open_log(req, res, &tx, cfg, &size, &res->body))
        return;
    int rc = store_ledger_cosignatures(tx, size, &res->body);
    store_rollback(tx);
    if (rc != STORE_OK) {
        buf_reset(&res->body);
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    res->status = 200;
    res->content_type = "text/plain; charset=utf-8";
    http_res_header(res, "Cache-Control", "no-cache");
}

void api_ledger_key(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct store_ledger_config *cfg = arena_calloc(req->arena, sizeof *cfg);
    struct jsonw w;
    int rc;
    if (cfg == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_ledger_config_get(tx, cfg);
    store_rollback(tx);
    if (rc == STORE_NOTFOUND) {
        http_res_error(res, ERR_NOT_FOUND, "The log has not been created yet.");
        return;
    }
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "origin", cfg->origin);
    jsonw_kstr(&w, "hash", cfg->hash_alg);
    jsonw_key(&w, "keys");
    jsonw_arr_begin(&w);
    for (char *line = cfg->vkeys; *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (*line != '\0')
            jsonw_str(&w, line);
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

struct entries_ctx {
    struct jsonw *w;
    bool with_private; /* the caller may read non-public entry bytes */
};

static int write_entry(void *ctx, int64_t idx, const void *entry, size_t n,
                       const uint8_t leaf_hash[STORE_LEDGER_HASH])
{
    struct entries_ctx *c = ctx;
    char h[B64_LEN(STORE_LEDGER_HASH)];
    bool pub = ledger_entry_public(entry, n);
    b64_encode(leaf_hash, STORE_LEDGER_HASH, h);
    jsonw_obj_begin(c->w);
    jsonw_kint(c->w, "index", idx);
    jsonw_kstr(c->w, "leaf_hash", h);
    jsonw_kbool(c->w, "public", pub);
    if (pub || c->with_private) {
        char *e = malloc(B64_LEN(n));
        if (e == NULL)
            return -1;
        b64_encode(entry, n, e);
        jsonw_kstr(c->w, "entry", e);
        free(e);
    }
    jsonw_obj_end(c->w);
    return 0;
}

void api_ledger_entries(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct store_ledger_config *cfg = arena_calloc(req->arena, sizeof *cfg);
    uint64_t start, end;
    int64_t size;
    struct jsonw w;
    int rc;
    if (cfg == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    if (!query_u64(req, res, "start", &start) || !query_u64(req, res, "end", &end))
        return;
    if (end <= start) {
        http_res_error_field(res, ERR_INVALID_FIELD, "end", "end must be greater than start");
        return;
    }
    if (!open_log(req, res, &tx, cfg, &size, NULL))
        return;
    if (start >= (uint64_t)size) {
        store_rollback(tx);
        http_res_error_field(res, ERR_INVALID_FIELD, "start",
                             "start is beyond the latest checkpoint");
        return;
    }
    if (end > (uint64_t)size)
        end = (uint64_t)size;
    if (end - start > ENTRIES_MAX)
        end = start + ENTRIES_MAX;
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "entries");
    jsonw_arr_begin(&w);
    const struct http_principal *who = req->who;
    struct entries_ctx c = {&w, who != NULL && (who->roles & (ROLE_ADMIN | ROLE_SUPERVISOR)) != 0};
    rc = store_ledger_leaves(tx, (int64_t)start, (int64_t)end, write_entry, &c);
    store_rollback(tx);
    if (rc != STORE_OK) {
        buf_reset(&res->body);
        http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_ledger_inclusion(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct store_ledger_config *cfg = arena_calloc(req->arena, sizeof *cfg);
    uint8_t(*proof)[MERKLE_HASH_LEN] = arena_alloc(req->arena, MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
    uint64_t index, size;
    int64_t cp_size;
    size_t n = 0;
    struct jsonw w;
    if (cfg == NULL || proof == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    if (!query_u64(req, res, "index", &index) || !query_u64(req, res, "size", &size))
        return;
    if (!open_log(req, res, &tx, cfg, &cp_size, NULL))
        return;
    if (size > (uint64_t)cp_size || size == 0) {
        store_rollback(tx);
        http_res_error_field(res, ERR_INVALID_FIELD, "size",
                             "size must be 1 .. the latest checkpoint's size");
        return;
    }
    if (index >= size) {
        store_rollback(tx);
        http_res_error_field(res, ERR_INVALID_FIELD, "index", "index must be below size");
        return;
    }
    struct merkle_reader rd = {ledger_read_hash, tx};
    int mrc = merkle_inclusion_proof(merkle_alg_parse(cfg->hash_alg), &rd, index, size, proof, &n);
    store_rollback(tx);
    if (mrc != MERKLE_OK) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "index", (int64_t)index);
    jsonw_kint(&w, "size", (int64_t)size);
    write_hashes(&w, proof, n);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_ledger_consistency(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    struct store_ledger_config *cfg = arena_calloc(req->arena, sizeof *cfg);
    uint8_t(*proof)[MERKLE_HASH_LEN] = arena_alloc(req->arena, MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
    uint64_t from, to;
    int64_t cp_size;
    size_t n = 0;
    struct jsonw w;
    if (cfg == NULL || proof == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    if (!query_u64(req, res, "from", &from) || !query_u64(req, res, "to", &to))
        return;
    if (from > to) {
        http_res_error_field(res, ERR_INVALID_FIELD, "from", "from must not exceed to");
        return;
    }
    if (!open_log(req, res, &tx, cfg, &cp_size, NULL))
        return;
    if (to > (uint64_t)cp_size) {
        store_rollback(tx);
        http_res_error_field(res, ERR_INVALID_FIELD, "to",
                             "to must not exceed the latest checkpoint's size");
        return;
    }
    int mrc = MERKLE_OK;
    if (from > 0) { /* every tree is consistent with the empty one: no hashes */
        struct merkle_reader rd = {ledger_read_hash, tx};
        mrc = merkle_consistency_proof(merkle_alg_parse(cfg->hash_alg), &rd, from, to, proof, &n);
    }
    store_rollback(tx);
    if (mrc != MERKLE_OK) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    api_json_begin(res, &w, 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "from", (int64_t)from);
    jsonw_kint(&w, "to", (int64_t)to);
    write_hashes(&w, proof, n);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
}

void api_ledger_cosignature(struct http_request *req, struct http_response *res)
{
    const struct cosign_witnesses *wit = api_app(req)->witnesses;
    struct store_tx *tx = NULL;
    struct buf note;
    struct jsonw w;
    const char *name;
    size_t nlen, len = req->body_len;
    uint64_t size, ts = 0;
    int rc, inserted = 0;

    if (!query_u64(req, res, "size", &size))
        return;
    /* one line, its final newline optional */
    if (len > 0 && req->body[len - 1] == '\n')
        len--;
    if (len == 0 || len >= STORE_LEDGER_COSIG_LINE || memchr(req->body, '\n', len) != NULL ||
        !cosign_line_name(req->body, len, &name, &nlen)) {
        http_res_error_field(res, ERR_INVALID_FIELD, "signature",
                             "the body must be one cosignature line");
        return;
    }
    const struct note_key *k = cosign_witness_find(wit, name, nlen);
    if (k == NULL) {
        http_res_error(res, ERR_FORBIDDEN, "This witness is not configured.");
        return;
    }
    char *line = arena_alloc(req->arena, len + 1);
    if (line == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        return;
    }
    memcpy(line, req->body, len);
    line[len] = '\0';

    buf_init(&note, NOTE_MAX_BYTES);
    rc = store_begin(api_app(req)->store, STORE_WRITE, &tx);
    if (rc == STORE_OK)
        rc = store_ledger_checkpoint_get(tx, (int64_t)size, &note);
    if (rc == STORE_NOTFOUND) {
        http_res_error(res, ERR_NOT_FOUND, "The log has no checkpoint of this size.");
        goto out;
    }
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        goto out;
    }
    /* the checkpoint body: the note text up to the blank line */
    const char *blank = note.data != NULL ? strstr(note.data, "\n\n") : NULL;
    if (blank == NULL) {
        http_res_error(res, ERR_INTERNAL, NULL);
        goto out;
    }
    rc = cosign_verify_line(k, note.data, (size_t)(blank - note.data) + 1, line, len, &ts);
    if (rc != NOTE_OK || ts > (uint64_t)INT64_MAX) {
        http_res_error_field(res, ERR_INVALID_FIELD, "signature",
                             rc == NOTE_EUNVERIFIED ? "the key id is not this witness's"
                                                    : "the cosignature does not verify");
        goto out;
    }
    rc = store_ledger_cosignature_insert(tx, (int64_t)size, k->name, line, (int64_t)ts,
                                         clock_now_ms(), &inserted);
    if (rc == STORE_OK)
        rc = store_commit(tx);
    else
        store_rollback(tx);
    tx = NULL;
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        goto out;
    }
    api_json_begin(res, &w, inserted ? 201 : 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "size", (int64_t)size);
    jsonw_kstr(&w, "witness", k->name);
    jsonw_kint(&w, "timestamp", (int64_t)ts);
    jsonw_kbool(&w, "stored", inserted != 0);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
out:
    if (tx != NULL)
        store_rollback(tx);
    buf_release(&note);
}

void api_ledger_timestamp_post(struct http_request *req, struct http_response *res)
{
    const struct tsa_trust *tsa = api_app(req)->tsa;
    struct store_tx *tx = NULL;
    struct buf note;
    struct jsonw w;
    uint64_t size;
    int64_t gen_ms = 0;
    int rc, inserted = 0;

    if (!query_u64(req, res, "size", &size))
        return;
    if (tsa == NULL) {
        http_res_error(res, ERR_FORBIDDEN, "No timestamp authority is configured.");
        return;
    }
    if (req->body_len == 0 || req->body_len > TSA_MAX_TOKEN) {
        http_res_error_field(res, ERR_INVALID_FIELD, "token",
                             "the body must be one DER RFC 3161 timestamp token");
        return;
    }
    buf_init(&note, NOTE_MAX_BYTES);
    rc = store_begin(api_app(req)->store, STORE_WRITE, &tx);
    if (rc == STORE_OK)
        rc = store_ledger_checkpoint_get(tx, (int64_t)size, &note);
    if (rc == STORE_NOTFOUND) {
        http_res_error(res, ERR_NOT_FOUND, "The log has no checkpoint of this size.");
        goto out;
    }
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        goto out;
    }
    /* the imprint covers the signed checkpoint note exactly as stored */
    rc = tsa_verify(tsa, req->body, req->body_len, note.data, note.len, &gen_ms);
    if (rc == TSA_EUNTRUSTED) {
        http_res_error(res, ERR_FORBIDDEN, "The token is not signed by the trusted TSA.");
        goto out;
    }
    if (rc == TSA_ECRYPTO) {
        http_res_error(res, ERR_INTERNAL, NULL);
        goto out;
    }
    if (rc != TSA_OK) {
        http_res_error_field(res, ERR_INVALID_FIELD, "token",
                             rc == TSA_EMISMATCH ? "the token is not over this checkpoint"
                                                 : "not an RFC 3161 timestamp token");
        goto out;
    }
    rc = store_ledger_timestamp_insert(tx, (int64_t)size, req->body, req->body_len, gen_ms,
                                       clock_now_ms(), &inserted);
    if (rc == STORE_OK)
        rc = store_commit(tx);
    else
        store_rollback(tx);
    tx = NULL;
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        goto out;
    }
    api_json_begin(res, &w, inserted ? 201 : 200);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "size", (int64_t)size);
    jsonw_kint(&w, "gen_time_ms", gen_ms);
    jsonw_kbool(&w, "stored", inserted != 0);
    jsonw_obj_end(&w);
    api_json_end(res, &w);
out:
    if (tx != NULL)
        store_rollback(tx);
    buf_release(&note);
}

void api_ledger_timestamp_get(struct http_request *req, struct http_response *res)
{
    struct store_tx *tx = NULL;
    uint64_t size;
    int64_t gen_ms = 0;

    if (!query_u64(req, res, "size", &size))
        return;
    int rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK) {
        rc = store_ledger_timestamp_get(tx, (int64_t)size, &res->body, &gen_ms);
        store_rollback(tx);
    }
    if (rc != STORE_OK) {
        buf_reset(&res->body);
        if (rc == STORE_NOTFOUND)
            http_res_error(res, ERR_NOT_FOUND, "No timestamp is stored for this size.");
        else
            http_res_error(res, domain_store_err(rc), NULL);
        return;
    }
    res->status = 200;
    res->content_type = "application/octet-stream";
    http_res_header(res, "X-Timestamp-Gen-Time",
                    arena_printf(req->arena, "%lld", (long long)gen_ms));
    http_res_header(res, "Cache-Control", "no-cache");
}
