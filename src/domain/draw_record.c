/*
 * domain/draw_record.c — the draw record's JSON and its checks
 * (draw_record.h; docs/draw.md, "The record" and "Verifying").
 *
 * Writing streams through jsonw; parsing goes through jansson with
 * duplicate keys refused and every field's type and range checked before
 * it is used; verifying recomputes the draw with drawalg.c and checks the
 * witness-log evidence with ledger/merkle.c and ledger/note.c.
 *
 * Threads: any; pure.
 */
#include "domain/draw_record.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/jsonw.h"

/* ---- writing ---- */

static void write_entry(struct jsonw *w, const char *key, const struct draw_log_entry *e,
                        bool with_checkpoint)
{
    char hex[2 * MERKLE_HASH_LEN + 1];
    jsonw_key(w, key);
    if (!e->present) {
        jsonw_null(w);
        return;
    }
    jsonw_obj_begin(w);
    jsonw_kint(w, "index", e->index);
    jsonw_kstr(w, "entry", e->entry);
    jsonw_key(w, "proof");
    jsonw_arr_begin(w);
    for (size_t i = 0; i < e->nproof; i++) {
        drawalg_hex(e->proof[i], MERKLE_HASH_LEN, hex);
        jsonw_str(w, hex);
    }
    jsonw_arr_end(w);
    if (with_checkpoint)
        jsonw_kstr(w, "checkpoint", e->checkpoint);
    jsonw_obj_end(w);
}

int draw_record_write(const struct draw_record *r, struct buf *out)
{
    struct jsonw w;
    char hex[2 * DRAW_SEED_LEN + 1];
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "format", DRAW_RECORD_FORMAT);
    jsonw_kint(&w, "draw", r->draw_id);
    jsonw_key(&w, "tender");
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", r->tender_id);
    jsonw_kstr(&w, "code", r->tender_code);
    jsonw_obj_end(&w);
    jsonw_kstr(&w, "state", r->state);
    jsonw_kstr(&w, "commitment", r->commitment);
    jsonw_key(&w, "seed");
    if (r->has_seed) {
        drawalg_hex(r->seed, DRAW_SEED_LEN, hex);
        jsonw_str(&w, hex);
    } else {
        jsonw_null(&w);
    }
    jsonw_key(&w, "requests");
    jsonw_arr_begin(&w);
    for (int i = 0; i < r->nreq; i++) {
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "specialty", r->req[i].specialty);
        jsonw_kstr(&w, "region", r->req[i].region);
        jsonw_kint(&w, "count", r->req[i].count);
        jsonw_kint(&w, "reserves", r->req[i].reserves);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "checkpoint");
    jsonw_strn(&w, r->checkpoint, r->checkpoint_len);
    jsonw_key(&w, "log");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "hash", r->log_hash);
    write_entry(&w, "commit", &r->commit, false);
    write_entry(&w, "run", &r->run, true);
    jsonw_obj_end(&w);
    jsonw_key(&w, "snapshot");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "sha256", r->snapshot_sha);
    jsonw_key(&w, "experts");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < r->nexperts; i++) {
        const struct draw_expert *e = &r->experts[i];
        jsonw_arr_begin(&w);
        jsonw_int(&w, e->id);
        jsonw_str(&w, e->region);
        jsonw_arr_begin(&w);
        for (int k = 0; k < e->nspecs; k++)
            jsonw_str(&w, e->specs[k]);
        jsonw_arr_end(&w);
        jsonw_arr_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    jsonw_key(&w, "excluded");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < r->nexcluded; i++) {
        jsonw_arr_begin(&w);
        jsonw_int(&w, r->excluded[i].id);
        jsonw_str(&w, r->excluded[i].reason);
        jsonw_arr_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "orders");
    jsonw_arr_begin(&w);
    for (int g = 0; g < r->nreq; g++) {
        jsonw_arr_begin(&w);
        for (size_t i = 0; i < r->norder[g]; i++)
            jsonw_int(&w, r->orders[g][i]);
        jsonw_arr_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "members");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < r->nmembers; i++) {
        const struct draw_member_rec *m = &r->members[i];
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "expert", m->expert);
        jsonw_kint(&w, "group", m->group);
        jsonw_kint(&w, "position", m->position);
        jsonw_kstr(&w, "role", m->role);
        jsonw_kstr(&w, "status", m->status);
        jsonw_key(&w, "replaces");
        if (m->replaces > 0)
            jsonw_int(&w, m->replaces);
        else
            jsonw_null(&w);
        jsonw_kstr(&w, "reason", m->reason);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    return jsonw_finish(&w);
}

/* ---- parsing ---- */

struct parse {
    struct arena *a;
    char *why;
    size_t whylen;
};

static bool fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(struct parse *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->why, p->whylen, fmt, ap);
    va_end(ap);
    for (char *c = p->why; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = '?';
    return false;
}

static const char *dup_str(struct parse *p, json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    return arena_strndup(p->a, json_string_value(v), json_string_length(v));
}

static bool get_int(json_t *obj, const char *key, int64_t min, int64_t max, int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return false;
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return false;
    *out = (int64_t)x;
    return true;
}

static bool parse_entry(struct parse *p, json_t *v, struct draw_log_entry *e, bool with_cp,
                        const char *what)
{
    memset(e, 0, sizeof(*e));
    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_object(v))
        return fail(p, "log.%s is not an object", what);
    e->present = true;
    if (!get_int(v, "index", 0, INT64_MAX, &e->index))
        return fail(p, "log.%s.index is missing or out of range", what);
    e->entry = dup_str(p, json_object_get(v, "entry"));
    if (e->entry == NULL)
        return fail(p, "log.%s.entry is not a string", what);
    json_t *proof = json_object_get(v, "proof");
    if (!json_is_array(proof) || json_array_size(proof) > MERKLE_MAX_PROOF)
        return fail(p, "log.%s.proof is not a list of at most %d hashes", what, MERKLE_MAX_PROOF);
    e->nproof = json_array_size(proof);
    e->proof = arena_alloc(p->a, (e->nproof ? e->nproof : 1) * MERKLE_HASH_LEN);
    if (e->proof == NULL)
        return fail(p, "out of memory");
    for (size_t i = 0; i < e->nproof; i++)
        if (!drawalg_unhex(json_string_value(json_array_get(proof, i)), e->proof[i],
                           MERKLE_HASH_LEN))
            return fail(p, "log.%s.proof[%zu] is not a hex hash", what, i);
    if (with_cp) {
        e->checkpoint = dup_str(p, json_object_get(v, "checkpoint"));
        if (e->checkpoint == NULL)
            return fail(p, "log.%s.checkpoint is not a string", what);
    }
    return true;
}

static bool parse_snapshot(struct parse *p, json_t *snap, struct draw_record *r)
{
    const char *sha = json_string_value(json_object_get(snap, "sha256"));
    uint8_t tmp[DRAW_HASH_LEN];
    if (sha == NULL || !drawalg_unhex(sha, tmp, DRAW_HASH_LEN))
        return fail(p, "snapshot.sha256 is not a hex hash");
    drawalg_hex(tmp, DRAW_HASH_LEN, r->snapshot_sha);
    json_t *list = json_object_get(snap, "experts");
    if (!json_is_array(list) || json_array_size(list) > DRAW_RECORD_EXPERTS_MAX)
        return fail(p, "snapshot.experts is not a list of at most %d experts",
                    DRAW_RECORD_EXPERTS_MAX);
    r->nexperts = json_array_size(list);
    r->experts = arena_calloc(p->a, (r->nexperts ? r->nexperts : 1) * sizeof(*r->experts));
    if (r->experts == NULL)
        return fail(p, "out of memory");
    for (size_t i = 0; i < r->nexperts; i++) {
        json_t *e = json_array_get(list, i);
        json_t *id = json_array_get(e, 0), *specs = json_array_get(e, 2);
        struct draw_expert *x = &r->experts[i];
        if (!json_is_array(e) || json_array_size(e) != 3 || !json_is_integer(id) ||
            json_integer_value(id) <= 0 || !json_is_array(specs) ||
            json_array_size(specs) > DRAW_SPECS_MAX)
            return fail(p, "snapshot.experts[%zu] is not [id, region, [codes]]", i);
        x->id = (int64_t)json_integer_value(id);
        x->region = dup_str(p, json_array_get(e, 1));
        x->nspecs = (int)json_array_size(specs);
        x->specs = arena_alloc(p->a, (size_t)(x->nspecs ? x->nspecs : 1) * sizeof(char *));
        if (x->region == NULL || x->specs == NULL)
            return fail(p, "snapshot.experts[%zu] has no region", i);
        for (int k = 0; k < x->nspecs; k++) {
            x->specs[k] = dup_str(p, json_array_get(specs, (size_t)k));
            if (x->specs[k] == NULL)
                return fail(p, "snapshot.experts[%zu] has a code that is not a string", i);
        }
    }
    return true;
}

static bool parse_members(struct parse *p, json_t *list, struct draw_record *r)
{
    if (!json_is_array(list) || json_array_size(list) > DRAW_RECORD_MEMBERS_MAX)
        return fail(p, "members is not a list of at most %d", DRAW_RECORD_MEMBERS_MAX);
    r->nmembers = json_array_size(list);
    r->members = arena_calloc(p->a, (r->nmembers ? r->nmembers : 1) * sizeof(*r->members));
    if (r->members == NULL)
        return fail(p, "out of memory");
    for (size_t i = 0; i < r->nmembers; i++) {
        json_t *m = json_array_get(list, i);
        struct draw_member_rec *x = &r->members[i];
        int64_t g = 0;
        json_t *rep = json_object_get(m, "replaces"), *why = json_object_get(m, "reason");
        if (!json_is_object(m) || !get_int(m, "expert", 1, INT64_MAX, &x->expert) ||
            !get_int(m, "group", 1, DRAW_GROUPS_MAX, &g) ||
            !get_int(m, "position", 0, DRAW_RECORD_EXPERTS_MAX, &x->position))
            return fail(p, "members[%zu] lacks expert, group or position", i);
        x->group = (int)g;
        x->role = dup_str(p, json_object_get(m, "role"));
        x->status = dup_str(p, json_object_get(m, "status"));
        if (x->role == NULL || x->status == NULL)
            return fail(p, "members[%zu] lacks role or status", i);
        if (rep != NULL && !json_is_null(rep) &&
            !get_int(m, "replaces", 1, INT64_MAX, &x->replaces))
            return fail(p, "members[%zu].replaces is not an id", i);
        if (why != NULL && !json_is_null(why) && (x->reason = dup_str(p, why)) == NULL)
            return fail(p, "members[%zu].reason is not a string", i);
    }
    return true;
}

bool draw_record_parse(const char *text, size_t len, struct arena *a, struct draw_record *out,
                       char *why, size_t whylen)
{
    struct parse p = {a, why, whylen};
    json_error_t jerr;
    json_t *root = NULL;
    bool ok = false;
    memset(out, 0, sizeof(*out));
    if (len > DRAW_RECORD_MAX)
        return fail(&p, "the record is larger than %zu bytes", DRAW_RECORD_MAX);
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        fail(&p, "not JSON: %s (line %d)", jerr.text, jerr.line);
        goto out;
    }
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (fmt == NULL || strcmp(fmt, DRAW_RECORD_FORMAT) != 0) {
        fail(&p, "format is not %s", DRAW_RECORD_FORMAT);
        goto out;
    }
    json_t *tender = json_object_get(root, "tender");
    if (!get_int(root, "draw", 1, INT64_MAX, &out->draw_id) ||
        !get_int(tender, "id", 1, INT64_MAX, &out->tender_id)) {
        fail(&p, "draw or tender.id is missing");
        goto out;
    }
    out->tender_code = dup_str(&p, json_object_get(tender, "code"));
    out->state = dup_str(&p, json_object_get(root, "state"));
    const char *c = json_string_value(json_object_get(root, "commitment"));
    uint8_t tmp[DRAW_HASH_LEN];
    if (out->tender_code == NULL || out->state == NULL || c == NULL ||
        !drawalg_unhex(c, tmp, DRAW_HASH_LEN)) {
        fail(&p, "tender.code, state or commitment is missing or malformed");
        goto out;
    }
    drawalg_hex(tmp, DRAW_HASH_LEN, out->commitment);
    json_t *seed = json_object_get(root, "seed");
    if (seed != NULL && !json_is_null(seed)) {
        if (!drawalg_unhex(json_string_value(seed), out->seed, DRAW_SEED_LEN)) {
            fail(&p, "seed is not 32 hex bytes");
            goto out;
        }
        out->has_seed = true;
    }
    json_t *req = json_object_get(root, "requests");
    if (!json_is_array(req) || json_array_size(req) < 1 || json_array_size(req) > DRAW_GROUPS_MAX) {
        fail(&p, "requests is not a list of 1 to %d groups", DRAW_GROUPS_MAX);
        goto out;
    }
    out->nreq = (int)json_array_size(req);
    for (int i = 0; i < out->nreq; i++) {
        json_t *g = json_array_get(req, (size_t)i);
        const char *sp = json_string_value(json_object_get(g, "specialty"));
        const char *rg = json_string_value(json_object_get(g, "region"));
        int64_t cnt = 0, res = 0;
        if (sp == NULL || rg == NULL || strlen(sp) > DRAW_SPEC_MAX ||
            strlen(rg) > DRAW_REGION_LEN || !get_int(g, "count", 1, DRAW_COUNT_MAX, &cnt) ||
            !get_int(g, "reserves", 0, DRAW_RESERVE_MAX, &res)) {
            fail(&p, "requests[%d] is malformed", i);
            goto out;
        }
        snprintf(out->req[i].specialty, sizeof out->req[i].specialty, "%s", sp);
        snprintf(out->req[i].region, sizeof out->req[i].region, "%s", rg);
        out->req[i].count = (int)cnt;
        out->req[i].reserves = (int)res;
    }
    if (!drawalg_requests_ok(out->req, out->nreq)) {
        fail(&p, "requests has an invalid specialty code or region");
        goto out;
    }
    json_t *cp = json_object_get(root, "checkpoint");
    if (!json_is_string(cp) || json_string_length(cp) > NOTE_MAX_BYTES) {
        fail(&p, "checkpoint is not a note of at most %d bytes", NOTE_MAX_BYTES);
        goto out;
    }
    out->checkpoint_len = json_string_length(cp);
    out->checkpoint = arena_strndup(a, json_string_value(cp), out->checkpoint_len);
    json_t *log = json_object_get(root, "log");
    out->log_hash = dup_str(&p, json_object_get(log, "hash"));
    if (out->log_hash == NULL || merkle_alg_parse(out->log_hash) == 0) {
        fail(&p, "log.hash is not sha256 or sm3");
        goto out;
    }
    if (!parse_entry(&p, json_object_get(log, "commit"), &out->commit, false, "commit") ||
        !parse_entry(&p, json_object_get(log, "run"), &out->run, true, "run"))
        goto out;
    if (!out->commit.present) {
        fail(&p, "log.commit is missing");
        goto out;
    }
    if (!parse_snapshot(&p, json_object_get(root, "snapshot"), out))
        goto out;
    json_t *exc = json_object_get(root, "excluded");
    if (exc != NULL && (!json_is_array(exc) || json_array_size(exc) > DRAW_RECORD_EXPERTS_MAX)) {
        fail(&p, "excluded is not a list");
        goto out;
    }
    out->nexcluded = exc ? json_array_size(exc) : 0;
    out->excluded = arena_calloc(a, (out->nexcluded ? out->nexcluded : 1) * sizeof(*out->excluded));
    for (size_t i = 0; out->excluded != NULL && i < out->nexcluded; i++) {
        json_t *e = json_array_get(exc, i);
        json_t *id = json_array_get(e, 0);
        out->excluded[i].reason = dup_str(&p, json_array_get(e, 1));
        if (!json_is_integer(id) || out->excluded[i].reason == NULL) {
            fail(&p, "excluded[%zu] is not [id, reason]", i);
            goto out;
        }
        out->excluded[i].id = (int64_t)json_integer_value(id);
    }
    json_t *orders = json_object_get(root, "orders");
    if (!json_is_array(orders) || json_array_size(orders) != (size_t)out->nreq) {
        fail(&p, "orders does not have one list per group");
        goto out;
    }
    for (int g = 0; g < out->nreq; g++) {
        json_t *o = json_array_get(orders, (size_t)g);
        if (!json_is_array(o) || json_array_size(o) > DRAW_RECORD_EXPERTS_MAX) {
            fail(&p, "orders[%d] is not a list", g);
            goto out;
        }
        out->norder[g] = json_array_size(o);
        out->orders[g] = arena_alloc(a, (out->norder[g] ? out->norder[g] : 1) * sizeof(int64_t));
        if (out->orders[g] == NULL) {
            fail(&p, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < out->norder[g]; i++) {
            json_t *v = json_array_get(o, i);
            if (!json_is_integer(v)) {
                fail(&p, "orders[%d][%zu] is not an id", g, i);
                goto out;
            }
            out->orders[g][i] = (int64_t)json_integer_value(v);
        }
    }
    if (!parse_members(&p, json_object_get(root, "members"), out))
        goto out;
    ok = true;
out:
    json_decref(root);
    return ok;
}

/* ---- verifying ---- */

size_t draw_note_text_len(const char *note, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (note[i] == '\n' && note[i + 1] == '\n')
            return i + 1;
    return 0;
}

static struct draw_check *check(struct draw_check *c, int *n, const char *name)
{
    struct draw_check *x = &c[(*n)++];
    memset(x, 0, sizeof(*x));
    x->name = name;
    x->ok = true;
    return x;
}

static void bad(struct draw_check *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(struct draw_check *x, const char *fmt, ...)
{
    va_list ap;
    x->ok = false;
    va_start(ap, fmt);
    vsnprintf(x->why, sizeof x->why, fmt, ap);
    va_end(ap);
    for (char *c = x->why; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = '?';
}

/* The checkpoint body of a signed note into cp; false when malformed. */
static bool note_checkpoint(const char *note, size_t n, struct checkpoint *cp)
{
    size_t tl = draw_note_text_len(note, n);
    return tl > 0 && checkpoint_parse(note, tl, cp) == NOTE_OK;
}

/* The draw entry's type, subject and doc_hash. */
static bool entry_fields(const char *entry, const char *type, int64_t draw_id, const char *doc_hash,
                         char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *j = json_loads(entry, JSON_REJECT_DUPLICATES, &jerr);
    bool ok = false;
    const char *t = json_string_value(json_object_get(j, "type"));
    json_t *subj = json_object_get(j, "subject");
    const char *st = json_string_value(json_object_get(subj, "type"));
    json_t *sid = json_object_get(subj, "id");
    const char *dh = json_string_value(json_object_get(j, "doc_hash"));
    if (j == NULL)
        snprintf(why, whylen, "the entry is not JSON");
    else if (t == NULL || strcmp(t, type) != 0)
        snprintf(why, whylen, "the entry is not a %s event", type);
    else if (st == NULL || strcmp(st, "draw") != 0 || !json_is_integer(sid) ||
             json_integer_value(sid) != draw_id)
        snprintf(why, whylen, "the entry is about another draw");
    else if (dh == NULL || strcmp(dh, doc_hash) != 0)
        snprintf(why, whylen, "the entry's doc_hash is not %.16s...", doc_hash);
    else
        ok = true;
    json_decref(j);
    return ok;
}

static bool inclusion(enum merkle_alg alg, const struct draw_log_entry *e,
                      const struct checkpoint *cp, char *why, size_t whylen)
{
    uint8_t leaf[MERKLE_HASH_LEN];
    if ((uint64_t)e->index >= cp->size) {
        snprintf(why, whylen, "leaf %lld is not below the checkpoint's size %llu",
                 (long long)e->index, (unsigned long long)cp->size);
        return false;
    }
    if (merkle_leaf_hash(alg, e->entry, strlen(e->entry), leaf) != MERKLE_OK ||
        merkle_inclusion_verify(alg, (uint64_t)e->index, cp->size, leaf,
                                (const uint8_t(*)[MERKLE_HASH_LEN])e->proof, e->nproof,
                                cp->root) != MERKLE_OK) {
        snprintf(why, whylen, "the inclusion proof of leaf %lld in tree size %llu fails",
                 (long long)e->index, (unsigned long long)cp->size);
        return false;
    }
    return true;
}

static void check_members(const struct draw_record *r, struct draw_check *x)
{
    for (int g = 0; g < r->nreq; g++) {
        size_t seen = 0;
        for (size_t i = 0; i < r->nmembers; i++) {
            const struct draw_member_rec *m = &r->members[i];
            if (m->group != g + 1)
                continue;
            seen++;
            if ((size_t)m->position >= r->norder[g] || r->orders[g][m->position] != m->expert) {
                bad(x, "member %lld is not at position %lld of group %d", (long long)m->expert,
                    (long long)m->position, g + 1);
                return;
            }
            int64_t cnt = r->req[g].count, res = r->req[g].reserves;
            const char *want = m->position < cnt         ? "primary"
                               : m->position < cnt + res ? "reserve"
                                                         : "replacement";
            if (strcmp(m->role, want) != 0) {
                bad(x, "member %lld at position %lld of group %d should be %s, not %s",
                    (long long)m->expert, (long long)m->position, g + 1, want, m->role);
                return;
            }
        }
        if (seen != r->norder[g]) {
            bad(x, "group %d has %zu members for %zu positions", g + 1, seen, r->norder[g]);
            return;
        }
    }
    for (size_t i = 0; i < r->nmembers; i++)
        if (r->members[i].group > r->nreq) {
            bad(x, "member %lld is in a group that was not requested",
                (long long)r->members[i].expert);
            return;
        }
}

bool draw_record_verify(const struct draw_record *r, const struct note_key *keys, size_t nkeys,
                        struct draw_check *checks, int *nchecks)
{
    struct draw_check *x;
    struct checkpoint cp;
    enum merkle_alg alg = merkle_alg_parse(r->log_hash);
    bool all = true;
    *nchecks = 0;

    x = check(checks, nchecks, "format");
    bool cp_ok = note_checkpoint(r->checkpoint, r->checkpoint_len, &cp);
    if (!cp_ok)
        bad(x, "the checkpoint is not a signed checkpoint note");

    x = check(checks, nchecks, "commitment");
    if (!r->has_seed) {
        bad(x, "the seed is not in the record (not revealed)");
    } else {
        char c[2 * DRAW_HASH_LEN + 1];
        drawalg_commitment(r->seed, c);
        if (strcmp(c, r->commitment) != 0)
            bad(x, "SHA-256(seed) is %.16s..., the commitment is %.16s...", c, r->commitment);
    }

    x = check(checks, nchecks, "commit-entry");
    if (!entry_fields(r->commit.entry, "draw.commit", r->draw_id, r->commitment, x->why,
                      sizeof x->why))
        x->ok = false;

    x = check(checks, nchecks, "commit-inclusion");
    if (!cp_ok)
        bad(x, "no checkpoint to prove against");
    else if (!inclusion(alg, &r->commit, &cp, x->why, sizeof x->why))
        x->ok = false;

    x = check(checks, nchecks, "checkpoint-key");
    if (nkeys == 0) {
        x->skipped = true;
        snprintf(x->why, sizeof x->why, "no verifier key given (--key)");
    } else {
        int verified = 0;
        if (note_open(r->checkpoint, r->checkpoint_len, keys, nkeys, NULL, &verified) != NOTE_OK)
            bad(x, "the checkpoint's signature does not verify with the given key");
        else if (r->run.present && r->run.checkpoint != NULL &&
                 note_open(r->run.checkpoint, strlen(r->run.checkpoint), keys, nkeys, NULL,
                           &verified) != NOTE_OK)
            bad(x, "the run entry's checkpoint does not verify with the given key");
    }

    x = check(checks, nchecks, "snapshot");
    {
        struct buf text;
        uint8_t h[DRAW_HASH_LEN];
        char hex[2 * DRAW_HASH_LEN + 1];
        buf_init(&text, (size_t)1 << 30);
        int rc = drawalg_snapshot_text(r->experts, r->nexperts, &text);
        if (rc != BUF_OK) {
            bad(x, "the snapshot is malformed (ids out of order, bad region or code)");
        } else {
            unsigned int hl = 0;
            EVP_Digest(text.data, text.len, h, &hl, EVP_sha256(), NULL);
            drawalg_hex(h, DRAW_HASH_LEN, hex);
            if (strcmp(hex, r->snapshot_sha) != 0)
                bad(x, "the snapshot hashes to %.16s..., the record says %.16s...", hex,
                    r->snapshot_sha);
        }
        buf_release(&text);
    }

    x = check(checks, nchecks, "run-entry");
    if (!r->run.present) {
        x->skipped = true;
        snprintf(x->why, sizeof x->why, "the draw.run entry was not in the log yet");
    } else {
        struct checkpoint rcp;
        if (!entry_fields(r->run.entry, "draw.run", r->draw_id, r->snapshot_sha, x->why,
                          sizeof x->why))
            x->ok = false;
        else if (r->run.checkpoint == NULL ||
                 !note_checkpoint(r->run.checkpoint, strlen(r->run.checkpoint), &rcp))
            bad(x, "the run entry's checkpoint is malformed");
        else if (!inclusion(alg, &r->run, &rcp, x->why, sizeof x->why))
            x->ok = false;
    }

    x = check(checks, nchecks, "order");
    if (!r->has_seed) {
        bad(x, "cannot recompute the order without the seed");
    } else {
        struct draw_run run;
        int rc = drawalg_run(&run, r->seed, r->checkpoint, r->checkpoint_len, r->req, r->nreq,
                             r->experts, r->nexperts);
        if (rc != DRAWALG_OK) {
            bad(x, "the draw cannot be recomputed (malformed requests or snapshot)");
        } else {
            for (int g = 0; g < r->nreq && x->ok; g++) {
                if (drawalg_extend(&run, g, r->norder[g]) != DRAWALG_OK ||
                    run.g[g].m != r->norder[g]) {
                    bad(x, "group %d has %zu candidates, the record orders %zu", g + 1, run.g[g].n,
                        r->norder[g]);
                    break;
                }
                for (size_t i = 0; i < r->norder[g]; i++)
                    if (run.g[g].a[i] != r->orders[g][i]) {
                        bad(x, "group %d position %zu: expert %lld, the record says %lld", g + 1, i,
                            (long long)run.g[g].a[i], (long long)r->orders[g][i]);
                        break;
                    }
            }
            drawalg_run_release(&run);
        }
    }

    x = check(checks, nchecks, "members");
    check_members(r, x);

    for (int i = 0; i < *nchecks; i++)
        if (!checks[i].ok)
            all = false;
    return all;
}
