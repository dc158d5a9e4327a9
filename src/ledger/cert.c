/*
 * ledger/cert.c — witness certificates (cert.h, docs/certificate.md): the
 * file's parser and writer, building one from the store, and verifying one
 * offline.
 *
 * Parsing is strict and bounded: the file is checked by jsonr (size, UTF-8,
 * depth, duplicate keys) before jansson builds the tree; every object may
 * hold only its known keys, every base64 value must be canonical (it
 * re-encodes to the same text), every length has a maximum, and entries
 * come in strictly increasing index order. Nothing is verified at parse
 * time beyond the shape: a parsed certificate is only as good as the report
 * of cert_verify.
 *
 * Verification runs every check, even after one failed, and reports each
 * as a finding (code, status, entry index, message), so the reader learns
 * exactly what is wrong. The checks, in report order:
 *
 *   log_keys    the certificate's keys parse and are the log's; with pinned
 *               keys, each is one of them (and only pinned keys are used)
 *   checkpoint  every log key signed the checkpoint, whose origin is the log's
 *   witnesses   cosignature lines of trusted witnesses verify (C2SP
 *               tlog-cosignature), and at least min_witnesses of them
 *   timestamp   the RFC 3161 token is signed by the trusted TSA over the
 *               note without its cosignature lines (as docs/ledger.md says)
 *   entry       per entry: H(0x00 || bytes) is its leaf hash (SKIP: withheld)
 *   inclusion   per entry: its proof leads from the leaf hash to the root
 *   subject     the entries are the named subject's
 *
 * cert_build reads everything in the caller's READ transaction (one
 * snapshot): the latest checkpoint, its cosignatures and timestamp, the
 * subject's leaves from the subject index (migration 7) and a proof for
 * each. Any thread; no global state.
 */
#include "ledger/cert.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base64.h"
#include "base/jsonr.h"
#include "base/jsonw.h"
#include "ledger/ledger.h"
#include "ledger/visibility.h"
#include "store/ledger.h"

#define CERT_MAX_DEPTH 6 /* {entries:[{proof:[...]}]} is 4 deep */

void cert_free(struct cert *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nkeys && i < CERT_MAX_KEYS; i++)
        free(c->keys[i]);
    free(c->checkpoint);
    free(c->timestamp);
    for (size_t i = 0; c->entries != NULL && i < c->nentries; i++) {
        free(c->entries[i].entry);
        free(c->entries[i].proof);
    }
    free(c->entries);
    memset(c, 0, sizeof *c);
}

/* ---- small helpers ---- */

/* [a-z0-9._], 1..max bytes: subject types (as ledger events' types). */
static bool ident_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_'))
            return false;
    }
    return true;
}

/* Decodes canonical base64 (padded, the standard alphabet, zero unused
 * bits: it must re-encode to exactly s) of min..max bytes into a new heap
 * buffer (*out, *len). False on anything else. */
static bool b64_canon(const char *s, size_t n, size_t min, size_t max, uint8_t **out, size_t *len)
{
    uint8_t *p;
    char *re;
    long got;
    bool ok;
    *out = NULL;
    *len = 0;
    if (n == 0 || n % 4 != 0 || n / 4 * 3 > max + 2)
        return false;
    p = malloc(n / 4 * 3);
    re = malloc(n + 1);
    got = p != NULL && re != NULL ? b64_decode(s, n, p, n / 4 * 3, 0) : -1;
    ok = got >= 0 && (size_t)got >= min && (size_t)got <= max;
    if (ok) {
        b64_encode(p, (size_t)got, re);
        ok = strlen(re) == n && memcmp(re, s, n) == 0;
    }
    free(re);
    if (!ok) {
        free(p);
        return false;
    }
    *out = p;
    *len = (size_t)got;
    return true;
}

/* A base64 hash of exactly MERKLE_HASH_LEN bytes into out. */
static bool b64_hash(json_t *v, uint8_t out[MERKLE_HASH_LEN])
{
    uint8_t *p;
    size_t n;
    if (!json_is_string(v) || !b64_canon(json_string_value(v), json_string_length(v),
                                         MERKLE_HASH_LEN, MERKLE_HASH_LEN, &p, &n))
        return false;
    memcpy(out, p, MERKLE_HASH_LEN);
    free(p);
    return true;
}

/* True when obj has no key outside the NULL-terminated list. *bad gets the
 * first unknown key. */
static bool only_keys(json_t *obj, const char *const *allowed, const char **bad)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool found = false;
        (void)v;
        for (size_t i = 0; allowed[i] != NULL && !found; i++)
            found = strcmp(key, allowed[i]) == 0;
        if (!found) {
            *bad = key;
            return false;
        }
    }
    return true;
}

/* A JSON integer in [lo, hi]. */
static bool int_in(json_t *v, int64_t lo, int64_t hi, int64_t *out)
{
    if (!json_is_integer(v))
        return false;
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return false;
    *out = (int64_t)x;
    return true;
}

/* The length of the checkpoint's note text (through its final newline,
 * before the blank line), or 0 when there is no blank line followed by at
 * least one signature line. */
static size_t note_text_len(const char *note, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (note[i] == '\n' && note[i + 1] == '\n')
            return i + 2 < n ? i + 1 : 0;
    return 0;
}

/* ---- parsing ---- */

struct perr {
    char *buf;
    size_t len;
};

__attribute__((format(printf, 2, 3))) static int fail(struct perr *e, const char *fmt, ...)
{
    va_list ap;
    if (e->len > 0) {
        va_start(ap, fmt);
        vsnprintf(e->buf, e->len, fmt, ap);
        va_end(ap);
    }
    return CERT_EMALFORMED;
}

static int parse_subject(json_t *v, struct cert *c, struct perr *e)
{
    static const char *const entry_keys[] = {"type", "index", NULL};
    static const char *const subj_keys[] = {"type", "id", NULL};
    const char *bad = NULL, *type;
    if (!json_is_object(v))
        return fail(e, "subject: an object {\"type\",\"id\"} is required");
    type = json_string_value(json_object_get(v, "type"));
    if (type == NULL || !ident_ok(type, sizeof c->subject_type - 1))
        return fail(e, "subject.type: 1-64 characters [a-z0-9._] are required");
    memcpy(c->subject_type, type, strlen(type) + 1);
    if (strcmp(type, "entry") == 0) {
        if (!only_keys(v, entry_keys, &bad))
            return fail(e, "subject: unknown key \"%.64s\"", bad);
        if (!int_in(json_object_get(v, "index"), 0, INT64_C(1) << 62, &c->subject_id))
            return fail(e, "subject.index: a non-negative integer is required");
    } else {
        if (!only_keys(v, subj_keys, &bad))
            return fail(e, "subject: unknown key \"%.64s\"", bad);
        if (!int_in(json_object_get(v, "id"), 0, INT64_MAX, &c->subject_id))
            return fail(e, "subject.id: a non-negative integer is required");
    }
    return CERT_OK;
}

static int parse_log(json_t *v, struct cert *c, struct perr *e)
{
    static const char *const log_keys[] = {"origin", "hash", "keys", NULL};
    const char *bad = NULL, *origin, *hash;
    json_t *keys;
    size_t ol;
    if (!json_is_object(v))
        return fail(e, "log: an object {\"origin\",\"hash\",\"keys\"} is required");
    if (!only_keys(v, log_keys, &bad))
        return fail(e, "log: unknown key \"%.64s\"", bad);
    origin = json_string_value(json_object_get(v, "origin"));
    ol = origin != NULL ? strlen(origin) : 0;
    if (ol == 0 || ol > CHECKPOINT_MAX_ORIGIN || strchr(origin, '\n') != NULL)
        return fail(e, "log.origin: one line of 1-%d bytes is required", CHECKPOINT_MAX_ORIGIN);
    memcpy(c->origin, origin, ol + 1);
    hash = json_string_value(json_object_get(v, "hash"));
    c->alg = hash != NULL ? merkle_alg_parse(hash) : 0;
    if (c->alg == 0)
        return fail(e, "log.hash: \"sha256\" or \"sm3\" is required");
    keys = json_object_get(v, "keys");
    if (!json_is_array(keys) || json_array_size(keys) == 0 || json_array_size(keys) > CERT_MAX_KEYS)
        return fail(e, "log.keys: an array of 1-%d verifier keys is required", CERT_MAX_KEYS);
    for (size_t i = 0; i < json_array_size(keys); i++) {
        json_t *k = json_array_get(keys, i);
        const char *s = json_string_value(k);
        size_t n = json_string_length(k);
        bool ok = s != NULL && n > 0 && n <= CERT_MAX_KEY_LEN;
        for (size_t j = 0; ok && j < n; j++)
            ok = s[j] > 0x20 && s[j] < 0x7f;
        if (!ok)
            return fail(e, "log.keys[%zu]: a verifier key text is required", i);
        c->keys[i] = strdup(s);
        if (c->keys[i] == NULL)
            return fail(e, "out of memory");
        c->nkeys = i + 1;
    }
    return CERT_OK;
}

static int parse_checkpoint(json_t *v, struct cert *c, struct perr *e)
{
    const char *s = json_string_value(v);
    size_t n = json_string_length(v), tl;
    if (s == NULL || n == 0 || n > NOTE_MAX_BYTES || s[n - 1] != '\n' || strlen(s) != n)
        return fail(e, "checkpoint: a signed note of at most %d bytes is required", NOTE_MAX_BYTES);
    tl = note_text_len(s, n);
    if (tl == 0)
        return fail(e, "checkpoint: no blank line followed by signature lines");
    if (checkpoint_parse(s, tl, &c->cp) != NOTE_OK)
        return fail(e, "checkpoint: not a tlog checkpoint (origin, size, root hash)");
    c->checkpoint = malloc(n + 1);
    if (c->checkpoint == NULL)
        return fail(e, "out of memory");
    memcpy(c->checkpoint, s, n + 1);
    c->checkpoint_len = n;
    return CERT_OK;
}

static int parse_entry(json_t *v, size_t i, int64_t prev, struct cert_entry *ce, struct perr *e)
{
    static const char *const keys[] = {"index", "leaf_hash", "entry", "proof", NULL};
    const char *bad = NULL;
    json_t *ev, *proof;
    int64_t idx;
    if (!json_is_object(v))
        return fail(e, "entries[%zu]: an object is required", i);
    if (!only_keys(v, keys, &bad))
        return fail(e, "entries[%zu]: unknown key \"%.64s\"", i, bad);
    if (!int_in(json_object_get(v, "index"), 0, INT64_C(1) << 62, &idx))
        return fail(e, "entries[%zu].index: a non-negative integer is required", i);
    if (idx <= prev)
        return fail(e, "entries[%zu].index: entries must be in increasing index order", i);
    ce->index = (uint64_t)idx;
    if (!b64_hash(json_object_get(v, "leaf_hash"), ce->leaf_hash))
        return fail(e, "entries[%zu].leaf_hash: base64 of %d bytes is required", i,
                    MERKLE_HASH_LEN);
    ev = json_object_get(v, "entry");
    if (ev != NULL && !json_is_null(ev) &&
        (!json_is_string(ev) || !b64_canon(json_string_value(ev), json_string_length(ev), 1,
                                           CERT_MAX_ENTRY, &ce->entry, &ce->entry_len)))
        return fail(e, "entries[%zu].entry: base64 of 1-%d bytes (or null) is required", i,
                    CERT_MAX_ENTRY);
    proof = json_object_get(v, "proof");
    if (!json_is_array(proof) || json_array_size(proof) > MERKLE_MAX_PROOF)
        return fail(e, "entries[%zu].proof: an array of at most %d hashes is required", i,
                    MERKLE_MAX_PROOF);
    if (json_array_size(proof) > 0) {
        ce->proof = malloc(json_array_size(proof) * MERKLE_HASH_LEN);
        if (ce->proof == NULL)
            return fail(e, "out of memory");
    }
    for (size_t j = 0; j < json_array_size(proof); j++) {
        if (!b64_hash(json_array_get(proof, j), ce->proof[j]))
            return fail(e, "entries[%zu].proof[%zu]: base64 of %d bytes is required", i, j,
                        MERKLE_HASH_LEN);
        ce->nproof = j + 1;
    }
    return CERT_OK;
}

int cert_parse(const void *json, size_t n, struct cert *c, char *err, size_t errlen)
{
    static const char *const top[] = {"format",     "issued_ms", "subject", "log",
                                      "checkpoint", "timestamp", "entries", NULL};
    struct perr e = {err, errlen};
    const char *msg = NULL, *bad = NULL, *fmt;
    enum err je;
    json_t *root, *v, *entries;
    int rc;

    memset(c, 0, sizeof *c);
    if (errlen > 0)
        err[0] = '\0';
    if (json == NULL || n == 0)
        return fail(&e, "the file is empty");
    if (n > CERT_MAX_BYTES)
        return fail(&e, "the file is larger than %d bytes", CERT_MAX_BYTES);
    root = jsonr_parse(json, n, CERT_MAX_BYTES, CERT_MAX_DEPTH, &je, &msg);
    if (root == NULL)
        return fail(&e, "not a JSON certificate: %s", msg != NULL ? msg : err_message(je));
    if (!json_is_object(root)) {
        rc = fail(&e, "not a JSON object");
        goto out;
    }
    if (!only_keys(root, top, &bad)) {
        rc = fail(&e, "unknown key \"%.64s\"", bad);
        goto out;
    }
    fmt = json_string_value(json_object_get(root, "format"));
    if (fmt == NULL || strcmp(fmt, CERT_FORMAT) != 0) {
        rc = fail(&e, "format: \"%s\" is required", CERT_FORMAT);
        goto out;
    }
    if (!int_in(json_object_get(root, "issued_ms"), 0, INT64_MAX, &c->issued_ms)) {
        rc = fail(&e, "issued_ms: a non-negative integer is required");
        goto out;
    }
    if ((rc = parse_subject(json_object_get(root, "subject"), c, &e)) != CERT_OK ||
        (rc = parse_log(json_object_get(root, "log"), c, &e)) != CERT_OK ||
        (rc = parse_checkpoint(json_object_get(root, "checkpoint"), c, &e)) != CERT_OK)
        goto out;
    v = json_object_get(root, "timestamp");
    if (v != NULL && !json_is_null(v) &&
        (!json_is_string(v) || !b64_canon(json_string_value(v), json_string_length(v), 1,
                                          TSA_MAX_TOKEN, &c->timestamp, &c->timestamp_len))) {
        rc = fail(&e, "timestamp: base64 of a DER token of at most %d bytes (or null) is required",
                  TSA_MAX_TOKEN);
        goto out;
    }
    entries = json_object_get(root, "entries");
    if (!json_is_array(entries) || json_array_size(entries) == 0 ||
        json_array_size(entries) > CERT_MAX_ENTRIES) {
        rc = fail(&e, "entries: an array of 1-%d entries is required", CERT_MAX_ENTRIES);
        goto out;
    }
    c->entries = calloc(json_array_size(entries), sizeof *c->entries);
    if (c->entries == NULL) {
        rc = fail(&e, "out of memory");
        goto out;
    }
    int64_t prev = -1;
    for (size_t i = 0; i < json_array_size(entries); i++) {
        c->nentries = i + 1;
        rc = parse_entry(json_array_get(entries, i), i, prev, &c->entries[i], &e);
        if (rc != CERT_OK)
            goto out;
        prev = (int64_t)c->entries[i].index;
    }
    rc = CERT_OK;
out:
    json_decref(root);
    if (rc != CERT_OK)
        cert_free(c);
    return rc;
}

/* ---- writing ---- */

/* Writes n bytes as a base64 string value. */
static void put_b64(struct jsonw *w, const void *p, size_t n)
{
    char small[B64_LEN(MERKLE_HASH_LEN)];
    char *s = n <= MERKLE_HASH_LEN ? small : malloc(B64_LEN(n));
    if (s == NULL) {
        w->err = JSONW_FULL;
        return;
    }
    b64_encode(p, n, s);
    jsonw_str(w, s);
    if (s != small)
        free(s);
}

int cert_write(const struct cert *c, struct buf *out)
{
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "format", CERT_FORMAT);
    jsonw_kint(&w, "issued_ms", c->issued_ms);
    jsonw_key(&w, "subject");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "type", c->subject_type);
    jsonw_kint(&w, strcmp(c->subject_type, "entry") == 0 ? "index" : "id", c->subject_id);
    jsonw_obj_end(&w);
    jsonw_key(&w, "log");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "origin", c->origin);
    jsonw_kstr(&w, "hash", merkle_alg_name(c->alg));
    jsonw_key(&w, "keys");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < c->nkeys && i < CERT_MAX_KEYS; i++)
        jsonw_str(&w, c->keys[i]);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    jsonw_key(&w, "checkpoint");
    jsonw_strn(&w, c->checkpoint != NULL ? c->checkpoint : "", c->checkpoint_len);
    if (c->timestamp != NULL) {
        jsonw_key(&w, "timestamp");
        put_b64(&w, c->timestamp, c->timestamp_len);
    }
    jsonw_key(&w, "entries");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < c->nentries; i++) {
        const struct cert_entry *ce = &c->entries[i];
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "index", (int64_t)ce->index);
        jsonw_key(&w, "leaf_hash");
        put_b64(&w, ce->leaf_hash, MERKLE_HASH_LEN);
        if (ce->entry != NULL) {
            jsonw_key(&w, "entry");
            put_b64(&w, ce->entry, ce->entry_len);
        }
        jsonw_key(&w, "proof");
        jsonw_arr_begin(&w);
        for (size_t j = 0; j < ce->nproof; j++)
            put_b64(&w, ce->proof[j], MERKLE_HASH_LEN);
        jsonw_arr_end(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) != JSONW_OK || buf_putc(out, '\n') != BUF_OK)
        return -1;
    return 0;
}

/* ---- building from the store ---- */

struct collect {
    struct cert_entry *e; /* CERT_MAX_ENTRIES + 1 slots */
    size_t n;
    bool with_private;
    bool oom;
};

static int collect_leaf(void *ctx, int64_t idx, const void *entry, size_t n,
                        const uint8_t leaf_hash[STORE_LEDGER_HASH])
{
    struct collect *k = ctx;
    struct cert_entry *ce;
    if (k->n > CERT_MAX_ENTRIES)
        return 1;
    ce = &k->e[k->n++];
    ce->index = (uint64_t)idx;
    memcpy(ce->leaf_hash, leaf_hash, MERKLE_HASH_LEN);
    if (n > 0 && n <= CERT_MAX_ENTRY && (k->with_private || ledger_entry_public(entry, n))) {
        ce->entry = malloc(n);
        if (ce->entry == NULL) {
            k->oom = true;
            return 1;
        }
        memcpy(ce->entry, entry, n);
        ce->entry_len = n;
    }
    return 0;
}

/* A signed note holds at most NOTE_MAX_SIGS signature lines (verifiers
 * refuse more): the log's come first, so cosignature lines past the limit
 * are dropped, the earliest accepted kept. */
static void keep_sig_lines(struct buf *note, size_t tl)
{
    int lines = 0;
    for (size_t pos = tl + 1; pos < note->len;) {
        const char *nl = memchr(note->data + pos, '\n', note->len - pos);
        if (nl == NULL || ++lines == NOTE_MAX_SIGS) {
            note->len = nl != NULL ? (size_t)(nl - note->data) + 1 : note->len;
            note->data[note->len] = '\0';
            return;
        }
        pos = (size_t)(nl - note->data) + 1;
    }
}

static int store_rc(int rc)
{
    return rc == STORE_NOTFOUND ? CERT_ENOTFOUND : CERT_ESTORE;
}

int cert_build(struct store_tx *tx, const struct cert_request *rq, int64_t now_ms, struct cert *c)
{
    struct store_ledger_config *cfg = calloc(1, sizeof *cfg);
    struct collect k = {calloc(CERT_MAX_ENTRIES + 1, sizeof(struct cert_entry)), 0,
                        rq->with_private, false};
    uint8_t(*proof)[MERKLE_HASH_LEN] = malloc(MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
    struct buf note, token;
    int64_t size = 0, gen_ms = 0;
    size_t tl;
    int rc, src;

    memset(c, 0, sizeof *c);
    buf_init(&note, NOTE_MAX_BYTES);
    buf_init(&token, TSA_MAX_TOKEN);
    if (cfg == NULL || k.e == NULL || proof == NULL) {
        rc = CERT_ECRYPTO;
        goto out;
    }
    if (rq->subject_type == NULL || !ident_ok(rq->subject_type, sizeof c->subject_type - 1) ||
        rq->subject_id < 0) {
        rc = CERT_ENOTFOUND;
        goto out;
    }
    /* the log and its latest checkpoint, with cosignatures and timestamp */
    src = store_ledger_config_get(tx, cfg);
    if (src == STORE_OK)
        src = store_ledger_checkpoint_latest(tx, &size, NULL, &note);
    if (src == STORE_OK)
        src = store_ledger_cosignatures(tx, size, &note);
    if (src == STORE_OK) {
        src = store_ledger_timestamp_get(tx, size, &token, &gen_ms);
        if (src == STORE_NOTFOUND) {
            buf_reset(&token);
            src = STORE_OK;
        }
    }
    if (src != STORE_OK) {
        rc = store_rc(src);
        goto out;
    }
    c->alg = merkle_alg_parse(cfg->hash_alg);
    tl = note.data != NULL ? note_text_len(note.data, note.len) : 0;
    if (c->alg == 0 || tl == 0 || checkpoint_parse(note.data, tl, &c->cp) != NOTE_OK ||
        c->cp.size != (uint64_t)size) {
        rc = CERT_ESTORE; /* the stored checkpoint is not what the sequencer writes */
        goto out;
    }
    keep_sig_lines(&note, tl);
    /* the subject's leaves covered by the checkpoint */
    if (strcmp(rq->subject_type, "entry") == 0) {
        if (rq->subject_id >= size) {
            rc = CERT_ENOTFOUND;
            goto out;
        }
        src = store_ledger_leaves(tx, rq->subject_id, rq->subject_id + 1, collect_leaf, &k);
    } else {
        src = store_ledger_subject_leaves(tx, rq->subject_type, rq->subject_id, size,
                                          CERT_MAX_ENTRIES + 1, collect_leaf, &k);
    }
    if (src != STORE_OK || k.oom) {
        rc = k.oom ? CERT_ECRYPTO : CERT_ESTORE;
        goto out;
    }
    if (k.n == 0) {
        rc = CERT_ENOTFOUND;
        goto out;
    }
    if (k.n > CERT_MAX_ENTRIES) {
        rc = CERT_ETOOBIG;
        goto out;
    }
    /* an inclusion proof for each against the checkpoint */
    struct merkle_reader rd = {ledger_read_hash, tx};
    for (size_t i = 0; i < k.n; i++) {
        size_t np = 0;
        int mrc = merkle_inclusion_proof(c->alg, &rd, k.e[i].index, (uint64_t)size, proof, &np);
        if (mrc != MERKLE_OK) {
            rc = mrc == MERKLE_ECRYPTO ? CERT_ECRYPTO : CERT_ESTORE;
            goto out;
        }
        if (np > 0) {
            k.e[i].proof = malloc(np * MERKLE_HASH_LEN);
            if (k.e[i].proof == NULL) {
                rc = CERT_ECRYPTO;
                goto out;
            }
            memcpy(k.e[i].proof, proof, np * MERKLE_HASH_LEN);
        }
        k.e[i].nproof = np;
    }
    /* the log's keys, one per line */
    for (const char *line = cfg->vkeys; *line != '\0' && c->nkeys < CERT_MAX_KEYS;) {
        const char *nl = strchr(line, '\n');
        size_t ll = nl != NULL ? (size_t)(nl - line) : strlen(line);
        if (ll > 0) {
            c->keys[c->nkeys] = strndup(line, ll);
            if (c->keys[c->nkeys] == NULL) {
                rc = CERT_ECRYPTO;
                goto out;
            }
            c->nkeys++;
        }
        line += ll + (nl != NULL ? 1 : 0);
    }
    c->issued_ms = now_ms;
    snprintf(c->subject_type, sizeof c->subject_type, "%s", rq->subject_type);
    c->subject_id = rq->subject_id;
    snprintf(c->origin, sizeof c->origin, "%s", cfg->origin);
    c->checkpoint = buf_detach(&note, &c->checkpoint_len);
    if (token.len > 0)
        c->timestamp = (uint8_t *)buf_detach(&token, &c->timestamp_len);
    c->entries = k.e;
    c->nentries = k.n;
    k.e = NULL;
    k.n = 0;
    rc = c->checkpoint != NULL ? CERT_OK : CERT_ESTORE;
out:
    for (size_t i = 0; k.e != NULL && i < k.n; i++) {
        free(k.e[i].entry);
        free(k.e[i].proof);
    }
    free(k.e);
    free(proof);
    free(cfg);
    buf_release(&note);
    buf_release(&token);
    if (rc != CERT_OK)
        cert_free(c);
    return rc;
}

/* ---- verification ---- */

struct vctx {
    const struct cert *c;
    const struct cert_trust *t;
    struct cert_report *r;
    size_t cap;
    bool oom;    /* the findings array could not grow */
    bool crypto; /* OpenSSL could not run a check */
};

__attribute__((format(printf, 5, 6))) static void
add(struct vctx *v, const char *code, enum cert_status st, int64_t index, const char *fmt, ...)
{
    struct cert_report *r = v->r;
    va_list ap;
    if (r->nfindings == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        struct cert_finding *f = realloc(r->findings, cap * sizeof *f);
        if (f == NULL) {
            v->oom = true;
            r->ok = false;
            return;
        }
        r->findings = f;
        v->cap = cap;
    }
    struct cert_finding *f = &r->findings[r->nfindings++];
    f->code = code;
    f->status = st;
    f->index = index;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    if (st == CERT_FAIL)
        r->ok = false;
}

/* The first 8 hex digits of a hash, for messages. */
static const char *short_hex(const uint8_t h[MERKLE_HASH_LEN], char out[17])
{
    hex_encode(h, 8, out);
    return out;
}

/* The verifier-key text of k into out (cap bytes); false on failure. */
static bool vkey_text(const struct note_key *k, char *out, size_t cap)
{
    struct buf b;
    bool ok;
    buf_init(&b, cap - 1);
    ok = note_key_vkey(k, &b) == NOTE_OK && b.data != NULL;
    if (ok)
        memcpy(out, b.data, b.len + 1);
    buf_release(&b);
    return ok;
}

/* One signature line of the checkpoint: [line, line + len), no newline. */
struct sigline {
    const char *line;
    size_t len;
    const char *name;
    size_t nlen;
};

/* Splits the signature lines after the note text (tl bytes and the blank
 * line) into out (at most NOTE_MAX_SIGS); returns how many, or -1 when a
 * line is not shaped like a signature line. */
static int sig_lines(const char *note, size_t n, size_t tl, struct sigline *out)
{
    int count = 0;
    for (size_t pos = tl + 1; pos < n;) {
        const char *nl = memchr(note + pos, '\n', n - pos);
        size_t ll = nl != NULL ? (size_t)(nl - (note + pos)) : n - pos;
        if (count == NOTE_MAX_SIGS ||
            !cosign_line_name(note + pos, ll, &out[count].name, &out[count].nlen))
            return -1;
        out[count].line = note + pos;
        out[count].len = ll;
        count++;
        pos += ll + 1;
    }
    return count;
}

static bool is_log_line(const struct cert *c, const struct sigline *s)
{
    return s->nlen == strlen(c->origin) && memcmp(s->name, c->origin, s->nlen) == 0;
}

/* log_keys: which keys verify the checkpoint. keys[] gets parsed keys
 * (released by the caller, *nparsed of them), use[] points at the keys to
 * verify with. */
static void check_keys(struct vctx *v, struct note_key *keys, size_t *nparsed,
                       const struct note_key **use, size_t *nuse)
{
    const struct cert *c = v->c;
    const struct cert_trust *t = v->t;
    char a[CERT_MAX_KEY_LEN + 1], b[CERT_MAX_KEY_LEN + 1];
    bool bad = false;

    *nparsed = 0;
    *nuse = 0;
    for (size_t i = 0; i < c->nkeys && i < CERT_MAX_KEYS; i++) {
        struct note_key *k = &keys[*nparsed];
        if (note_key_parse_vkey(k, c->keys[i], strlen(c->keys[i])) != NOTE_OK) {
            add(v, "log_keys", CERT_FAIL, -1, "the certificate's key %zu is not a verifier key",
                i + 1);
            bad = true;
            continue;
        }
        (*nparsed)++;
        if (strcmp(k->name, c->origin) != 0) {
            add(v, "log_keys", CERT_FAIL, -1,
                "the certificate's key %zu is named \"%.64s\", not the log's origin \"%.64s\"",
                i + 1, k->name, c->origin);
            bad = true;
        }
    }
    v->r->keys_pinned = t != NULL && t->nlog_keys > 0 && t->log_keys != NULL;
    if (!v->r->keys_pinned) {
        for (size_t i = 0; i < *nparsed; i++)
            if (strcmp(keys[i].name, c->origin) == 0)
                use[(*nuse)++] = &keys[i];
        if (!bad)
            add(v, "log_keys", CERT_WARN, -1,
                "keys not pinned: the checkpoint was checked with the certificate's own %zu "
                "key%s, so anyone could have made it; compare them with the log's published key",
                *nparsed, *nparsed == 1 ? "" : "s");
        return;
    }
    for (size_t i = 0; i < t->nlog_keys && *nuse < CERT_MAX_KEYS * 2; i++)
        if (strcmp(t->log_keys[i].name, c->origin) == 0)
            use[(*nuse)++] = &t->log_keys[i];
    if (*nuse == 0) {
        add(v, "log_keys", CERT_FAIL, -1, "none of the %zu pinned keys is for the log \"%.64s\"",
            t->nlog_keys, c->origin);
        return;
    }
    /* a key of the file that is not pinned: another key of a pinned kind
     * is a substitute (FAIL); one of a kind nobody pinned (an SM2 key, when
     * only the Ed25519 one is pinned) is merely unused (WARN) */
    size_t matched = 0;
    for (size_t i = 0; i < *nparsed; i++) {
        bool found = false, same_kind = false;
        if (!vkey_text(&keys[i], a, sizeof a)) {
            v->crypto = true;
            continue;
        }
        for (size_t j = 0; j < *nuse && !found; j++) {
            found = vkey_text(use[j], b, sizeof b) && strcmp(a, b) == 0;
            same_kind |= use[j]->type == keys[i].type;
        }
        if (found) {
            matched++;
        } else if (same_kind) {
            add(v, "log_keys", CERT_FAIL, -1,
                "the certificate's key %.64s+%08x is not the pinned key of its kind", keys[i].name,
                (unsigned)keys[i].id);
            bad = true;
        } else {
            add(v, "log_keys", CERT_WARN, -1,
                "the certificate's key %.64s+%08x is of a kind not pinned: not used", keys[i].name,
                (unsigned)keys[i].id);
        }
    }
    if (!bad && matched > 0)
        add(v, "log_keys", CERT_PASS, -1,
            "the certificate's key%s match%s the pinned key%s of the log \"%.64s\" (%zu of %zu)",
            matched == 1 ? "" : "s", matched == 1 ? "es" : "", matched == 1 ? "" : "s", c->origin,
            matched, *nparsed);
    else if (!bad)
        add(v, "log_keys", CERT_FAIL, -1, "none of the certificate's keys is pinned");
}

static void check_checkpoint(struct vctx *v, const struct note_key *const *use, size_t nuse,
                             size_t tl)
{
    const struct cert *c = v->c;
    struct note_key *keys = NULL;
    size_t ntl = 0;
    int good = 0, rc;

    if (strcmp(c->cp.origin, c->origin) != 0)
        add(v, "checkpoint", CERT_FAIL, -1,
            "the checkpoint's origin \"%.64s\" is not the log's \"%.64s\"", c->cp.origin,
            c->origin);
    if (nuse == 0) {
        add(v, "checkpoint", CERT_FAIL, -1, "no key of the log to check the checkpoint with");
        return;
    }
    /* note_open takes an array of keys: copy the structs (no ownership) */
    keys = malloc(nuse * sizeof *keys);
    if (keys == NULL) {
        v->oom = true;
        return;
    }
    for (size_t i = 0; i < nuse; i++)
        keys[i] = *use[i];
    rc = note_open(c->checkpoint, c->checkpoint_len, keys, nuse, &ntl, &good);
    free(keys);
    if (rc == NOTE_ECRYPTO) {
        v->crypto = true;
        add(v, "checkpoint", CERT_FAIL, -1, "the signatures could not be checked (OpenSSL)");
    } else if (rc == NOTE_EMALFORMED || (rc == NOTE_OK && ntl != tl)) {
        add(v, "checkpoint", CERT_FAIL, -1, "the checkpoint is not a well-formed signed note");
    } else if (rc == NOTE_EBADSIG) {
        add(v, "checkpoint", CERT_FAIL, -1,
            "a signature by the log's key does not verify: the checkpoint was altered");
    } else if (rc == NOTE_EUNVERIFIED) {
        add(v, "checkpoint", CERT_FAIL, -1, "the checkpoint carries no signature by the log's %s",
            v->r->keys_pinned ? "pinned key" : "keys");
    } else if ((size_t)good < nuse) {
        add(v, "checkpoint", CERT_FAIL, -1, "only %d of the log's %zu keys signed the checkpoint",
            good, nuse);
    } else {
        char h[17];
        add(v, "checkpoint", CERT_PASS, -1,
            "signed by the log (%d signature%s verif%s): size %llu, root %s...", good,
            good == 1 ? "" : "s", good == 1 ? "ies" : "y", (unsigned long long)c->cp.size,
            short_hex(c->cp.root, h));
    }
}

static void check_witnesses(struct vctx *v, const struct sigline *sl, int nsl, size_t tl)
{
    const struct cert *c = v->c;
    const struct cert_trust *t = v->t;
    const struct cosign_witnesses *w = t != NULL ? t->witnesses : NULL;
    size_t min = t != NULL ? t->min_witnesses : 0;
    char names[200] = "";
    const char *seen[NOTE_MAX_SIGS];
    size_t nseen[NOTE_MAX_SIGS];
    int others = 0, ok = 0, failed = 0;

    for (int i = 0; i < nsl; i++) {
        if (is_log_line(c, &sl[i]))
            continue;
        /* the witness's key, whatever its type: only handed back to cosign */
        const void *k = w != NULL ? cosign_witness_find(w, sl[i].name, sl[i].nlen) : NULL;
        bool dup = false;
        if (k == NULL) {
            others++;
            continue;
        }
        for (int j = 0; j < ok && !dup; j++)
            dup = nseen[j] == sl[i].nlen && memcmp(seen[j], sl[i].name, sl[i].nlen) == 0;
        int rc = cosign_verify_line(k, c->checkpoint, tl, sl[i].line, sl[i].len, NULL);
        if (rc == NOTE_OK) {
            if (dup)
                continue;
            seen[ok] = sl[i].name;
            nseen[ok] = sl[i].nlen;
            size_t used = strlen(names);
            if (used + sl[i].nlen + 3 < sizeof names)
                snprintf(names + used, sizeof names - used, "%s%.*s", ok > 0 ? ", " : "",
                         (int)sl[i].nlen, sl[i].name);
            ok++;
        } else {
            if (rc == NOTE_ECRYPTO)
                v->crypto = true;
            add(v, "witnesses", CERT_FAIL, -1, "the cosignature by the trusted witness %.*s %s",
                (int)(sl[i].nlen > 64 ? 64 : sl[i].nlen), sl[i].name,
                rc == NOTE_EUNVERIFIED ? "has another key id than its key"
                                       : "does not verify: it or the checkpoint was altered");
            failed++;
        }
    }
    v->r->witnesses_ok = ok;
    if ((size_t)ok < min) {
        add(v, "witnesses", CERT_FAIL, -1,
            "%d cosignature%s by trusted witnesses verif%s, %zu required", ok, ok == 1 ? "" : "s",
            ok == 1 ? "ies" : "y", min);
    } else if (w == NULL || w->n == 0) {
        add(v, "witnesses", CERT_SKIP, -1,
            "no trusted witness keys given: %d cosignature line%s not checked", others,
            others == 1 ? "" : "s");
    } else if (ok > 0) {
        add(v, "witnesses", CERT_PASS, -1, "%d cosignature%s by trusted witnesses verif%s: %s", ok,
            ok == 1 ? "" : "s", ok == 1 ? "ies" : "y", names);
    } else if (failed == 0) {
        add(v, "witnesses", CERT_WARN, -1, "no cosignature by a trusted witness (%d other line%s)",
            others, others == 1 ? "" : "s");
    }
}

/* The bytes an RFC 3161 token stamps: the note text, the blank line and the
 * log's own signature lines (docs/ledger.md, "What is stamped"). */
static bool stamped_note(const struct cert *c, const struct sigline *sl, int nsl, size_t tl,
                         struct buf *out)
{
    if (buf_append(out, c->checkpoint, tl + 1) != BUF_OK)
        return false;
    for (int i = 0; i < nsl; i++)
        if (is_log_line(c, &sl[i]) &&
            (buf_append(out, sl[i].line, sl[i].len) != BUF_OK || buf_putc(out, '\n') != BUF_OK))
            return false;
    return true;
}

static void check_timestamp(struct vctx *v, const struct sigline *sl, int nsl, size_t tl)
{
    const struct cert *c = v->c;
    const struct cert_trust *t = v->t;
    bool require = t != NULL && t->require_timestamp;
    const struct tsa_trust *tsa = t != NULL ? t->tsa : NULL;
    int64_t gen = 0;
    struct buf b;
    int rc;

    if (c->timestamp == NULL) {
        add(v, "timestamp", require ? CERT_FAIL : CERT_SKIP, -1,
            require ? "no RFC 3161 timestamp token, and one is required"
                    : "no RFC 3161 timestamp token");
        return;
    }
    if (tsa == NULL) {
        add(v, "timestamp", require ? CERT_FAIL : CERT_SKIP, -1,
            "an RFC 3161 timestamp token is present but not checked: no trusted TSA "
            "certificate given");
        return;
    }
    buf_init(&b, NOTE_MAX_BYTES);
    if (!stamped_note(c, sl, nsl, tl, &b)) {
        buf_release(&b);
        v->oom = true;
        return;
    }
    rc = tsa_verify(tsa, c->timestamp, c->timestamp_len, b.data, b.len, &gen);
    buf_release(&b);
    if (rc == TSA_OK) {
        char when[32] = "?";
        time_t secs = (time_t)(gen / 1000);
        struct tm tm;
        if (gmtime_r(&secs, &tm) != NULL)
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        v->r->gen_time_ms = gen;
        add(v, "timestamp", CERT_PASS, -1,
            "the RFC 3161 token of a trusted TSA shows the checkpoint existed at %s", when);
        return;
    }
    if (rc == TSA_ECRYPTO)
        v->crypto = true;
    add(v, "timestamp", CERT_FAIL, -1, "the RFC 3161 token %s",
        rc == TSA_EUNTRUSTED ? "is not signed by a trusted TSA, or was altered"
        : rc == TSA_EMISMATCH
            ? "is not over this checkpoint (its imprint is not SHA-256 of the signed note)"
        : rc == TSA_EMALFORMED ? "is not a valid timestamp token"
                               : "could not be checked (OpenSSL)");
}

static void check_entry(struct vctx *v, const struct cert_entry *ce)
{
    const struct cert *c = v->c;
    int64_t idx = (int64_t)ce->index;
    char a[17], b[17];
    uint8_t h[MERKLE_HASH_LEN];

    if (ce->entry == NULL) {
        v->r->entries_withheld++;
        add(v, "entry", CERT_SKIP, idx,
            "entry %lld: bytes withheld (not public); only its leaf hash is proven",
            (long long)idx);
    } else {
        v->r->entries_public++;
        if (merkle_leaf_hash(c->alg, ce->entry, ce->entry_len, h) != MERKLE_OK) {
            v->crypto = true;
            add(v, "entry", CERT_FAIL, idx, "entry %lld: could not be hashed", (long long)idx);
        } else if (memcmp(h, ce->leaf_hash, MERKLE_HASH_LEN) != 0) {
            add(v, "entry", CERT_FAIL, idx,
                "entry %lld: its bytes hash to %s..., not to its leaf hash %s...: altered",
                (long long)idx, short_hex(h, a), short_hex(ce->leaf_hash, b));
        } else {
            add(v, "entry", CERT_PASS, idx, "entry %lld: its bytes hash to its leaf hash %s...",
                (long long)idx, short_hex(h, a));
        }
    }
    int rc = merkle_inclusion_verify(c->alg, ce->index, c->cp.size, ce->leaf_hash,
                                     (const uint8_t(*)[MERKLE_HASH_LEN])ce->proof, ce->nproof,
                                     c->cp.root);
    if (rc == MERKLE_OK)
        add(v, "inclusion", CERT_PASS, idx,
            "entry %lld: its inclusion proof (%zu hashes) leads to the checkpoint's root",
            (long long)idx, ce->nproof);
    else if (ce->index >= c->cp.size)
        add(v, "inclusion", CERT_FAIL, idx,
            "entry %lld: beyond the checkpoint's tree of %llu entries", (long long)idx,
            (unsigned long long)c->cp.size);
    else if (rc == MERKLE_ECRYPTO) {
        v->crypto = true;
        add(v, "inclusion", CERT_FAIL, idx, "entry %lld: could not be hashed", (long long)idx);
    } else
        add(v, "inclusion", CERT_FAIL, idx,
            "entry %lld: its inclusion proof does not lead to the checkpoint's root",
            (long long)idx);
}

/* Whether the entry's JSON names the subject (type, id) or, for tenders,
 * has "tender": id. *what gets a description of its subject. */
static bool entry_names(const struct cert_entry *ce, const char *type, int64_t id, char *what,
                        size_t wl)
{
    json_error_t jerr;
    json_t *root =
        json_loadb((const char *)ce->entry, ce->entry_len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *subj = json_object_get(root, "subject");
    const char *st = json_string_value(json_object_get(subj, "type"));
    json_t *sid = json_object_get(subj, "id");
    json_t *tender = json_object_get(root, "tender");
    bool ok = false;
    if (st != NULL && json_is_integer(sid)) {
        ok = strcmp(st, type) == 0 && json_integer_value(sid) == id;
        snprintf(what, wl, "%.64s %lld", st, (long long)json_integer_value(sid));
    } else {
        snprintf(what, wl, "%s", root == NULL ? "not JSON" : "no subject");
    }
    if (!ok && strcmp(type, "tender") == 0 && json_is_integer(tender))
        ok = json_integer_value(tender) == id;
    json_decref(root);
    return ok;
}

static void check_subject(struct vctx *v)
{
    const struct cert *c = v->c;
    size_t named = 0, withheld = 0;
    bool bad = false;
    char what[100];

    if (strcmp(c->subject_type, "entry") == 0) {
        if (c->nentries == 1 && (int64_t)c->entries[0].index == c->subject_id)
            add(v, "subject", CERT_PASS, -1, "the certificate is for entry %lld",
                (long long)c->subject_id);
        else
            add(v, "subject", CERT_FAIL, -1, "the certificate names entry %lld but carries %s",
                (long long)c->subject_id, c->nentries == 1 ? "another entry" : "several entries");
        return;
    }
    for (size_t i = 0; i < c->nentries; i++) {
        const struct cert_entry *ce = &c->entries[i];
        if (ce->entry == NULL) {
            withheld++;
        } else if (entry_names(ce, c->subject_type, c->subject_id, what, sizeof what)) {
            named++;
        } else {
            add(v, "subject", CERT_FAIL, (int64_t)ce->index,
                "entry %lld is not about %s %lld (its subject: %s)", (long long)ce->index,
                c->subject_type, (long long)c->subject_id, what);
            bad = true;
        }
    }
    if (bad)
        return;
    if (named == 0)
        add(v, "subject", CERT_SKIP, -1,
            "every entry's bytes are withheld: that they are about %s %lld is not checked",
            c->subject_type, (long long)c->subject_id);
    else if (withheld > 0)
        add(v, "subject", CERT_PASS, -1,
            "%zu public entr%s about %s %lld; %zu withheld entr%s not checked", named,
            named == 1 ? "y is" : "ies are", c->subject_type, (long long)c->subject_id, withheld,
            withheld == 1 ? "y" : "ies");
    else if (named == 1)
        add(v, "subject", CERT_PASS, -1, "the entry is about %s %lld", c->subject_type,
            (long long)c->subject_id);
    else
        add(v, "subject", CERT_PASS, -1, "all %zu entries are about %s %lld", named,
            c->subject_type, (long long)c->subject_id);
}

int cert_verify(const struct cert *c, const struct cert_trust *t, struct cert_report *r)
{
    struct vctx v = {c, t, r, 0, false, false};
    struct note_key keys[CERT_MAX_KEYS];
    const struct note_key *use[CERT_MAX_KEYS * 2];
    struct sigline *sl = calloc(NOTE_MAX_SIGS, sizeof *sl);
    size_t nparsed = 0, nuse = 0, tl;
    int nsl;

    memset(r, 0, sizeof *r);
    r->ok = true;
    if (sl == NULL || c->checkpoint == NULL) {
        free(sl);
        r->ok = false;
        return CERT_ECRYPTO;
    }
    tl = note_text_len(c->checkpoint, c->checkpoint_len);
    nsl = tl > 0 ? sig_lines(c->checkpoint, c->checkpoint_len, tl, sl) : -1;

    check_keys(&v, keys, &nparsed, use, &nuse);
    check_checkpoint(&v, use, nuse, tl);
    if (nsl < 0) {
        add(&v, "witnesses", CERT_FAIL, -1, "the checkpoint's signature lines are malformed");
        nsl = 0;
    } else {
        check_witnesses(&v, sl, nsl, tl);
    }
    check_timestamp(&v, sl, nsl, tl);
    for (size_t i = 0; i < c->nentries; i++)
        check_entry(&v, &c->entries[i]);
    check_subject(&v);

    for (size_t i = 0; i < nparsed; i++)
        note_key_release(&keys[i]);
    free(sl);
    if (v.oom || v.crypto) {
        r->ok = false;
        return CERT_ECRYPTO;
    }
    return r->ok ? CERT_OK : CERT_EFAILED;
}

void cert_report_free(struct cert_report *r)
{
    if (r == NULL)
        return;
    free(r->findings);
    memset(r, 0, sizeof *r);
}

const char *cert_status_name(enum cert_status s)
{
    switch (s) {
    case CERT_PASS:
        return "pass";
    case CERT_FAIL:
        return "fail";
    case CERT_SKIP:
        return "skip";
    case CERT_WARN:
        return "warn";
    }
    return "?";
}

int cert_report_json(const struct cert_report *r, struct buf *out)
{
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kbool(&w, "ok", r->ok);
    jsonw_kbool(&w, "keys_pinned", r->keys_pinned);
    jsonw_kint(&w, "witnesses", r->witnesses_ok);
    jsonw_kint(&w, "gen_time_ms", r->gen_time_ms);
    jsonw_kint(&w, "entries_public", (int64_t)r->entries_public);
    jsonw_kint(&w, "entries_withheld", (int64_t)r->entries_withheld);
    jsonw_key(&w, "findings");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct cert_finding *f = &r->findings[i];
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "code", f->code);
        jsonw_kstr(&w, "status", cert_status_name(f->status));
        if (f->index >= 0)
            jsonw_kint(&w, "index", f->index);
        else {
            jsonw_key(&w, "index");
            jsonw_null(&w);
        }
        jsonw_kstr(&w, "message", f->message);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    return jsonw_finish(&w) == JSONW_OK ? 0 : -1;
}
