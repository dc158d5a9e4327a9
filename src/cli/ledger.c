/*
 * cli/ledger.c — `sunbid ledger check`: recomputes the witness log from the
 * store and reports every row that does not match (docs/ledger.md).
 *
 * One READ transaction (one snapshot) over the whole log. Leaves are
 * streamed in batches of CHECK_BATCH in index order; every leaf hash is
 * recomputed from its entry bytes and compared with the stored one. The leaf
 * hashes (the stored ones, or the recomputed ones where the stored parent
 * shows that the stored hash was altered; never the stored nodes) feed a
 * merkle_frontier: each complete subtree it makes is compared with the
 * ledger_nodes row of the same (level, idx), and its root at each
 * checkpoint's size with the checkpoint's stored root and the root in its
 * signed note, whose signatures are verified with the verifier keys in
 * ledger_config. Memory is bounded by one batch (its leaf hashes, nodes and
 * checkpoints). Single-threaded, as every CLI command.
 *
 * Each checkpoint's stored witness cosignatures and RFC 3161 token are
 * checked over that checkpoint's stored note: a cosignature line by a
 * configured witness (--witness, <data-dir>/ledger/witnesses) must verify,
 * a line by any other name is counted as unverifiable (not damage: the
 * check cannot know that witness); a token must verify with --tsa-cert and
 * carry the stored genTime, and without --tsa-cert tokens are counted as
 * not checked. When the checkpoint's note itself is damaged (already
 * reported) its cosignatures and token are not checked again, so one
 * altered row is still reported once.
 *
 * Not covered: ledger_config itself (origin, keys, tree_size) is trusted —
 * whoever rewrites it and re-signs every checkpoint with a new key is caught
 * only by outside monitors holding the published key (and by witnesses).
 * The `witness` and `timestamp` columns of ledger_cosignatures are not
 * compared with the line (the line is what is verified), and cosignature or
 * token rows of sizes that have no checkpoint row are not visited.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "cli/cli.h"
#include "ledger/cosign.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/tsa.h"
#include "store/ledger.h"

#define CHECK_BATCH     1024 /* leaves per query */
#define CHECK_MAX_PRINT 1000 /* problems printed; the rest only counted */

struct node_exp {
    unsigned level;
    int64_t idx;
    uint8_t hash[MERKLE_HASH_LEN];
};

struct cp_row {
    int64_t size;
    uint8_t root[MERKLE_HASH_LEN];
    size_t root_len;
    char *note;
    size_t note_len;
};

struct mismatch {
    int64_t idx;
    uint8_t hash[MERKLE_HASH_LEN]; /* H(0x00 || entry) */
};

struct check {
    enum merkle_alg alg;
    const char *origin;
    struct note_key keys[LEDGER_MAX_KEYS];
    size_t nkeys;
    struct merkle_frontier f;
    int64_t next_leaf; /* index the next stored leaf must have */
    bool gap;          /* a leaf is missing: the tree cannot be recomputed further */
    bool failed;       /* out of memory or a digest failed */
    int64_t problems;
    int64_t ncheckpoints;   /* rows in ledger_checkpoints */
    struct node_exp *nodes; /* complete subtrees of level >= 1 made by this batch */
    size_t nnodes, capnodes;
    size_t cur, end; /* nodes[cur, end): the level being matched */
    struct cp_row *cps;
    size_t ncps, capcps, cpi;
    int64_t batch_start;                /* index of chosen[0] */
    uint8_t (*chosen)[MERKLE_HASH_LEN]; /* CHECK_BATCH leaf hashes the tree is built from */
    struct mismatch *mism;              /* CHECK_BATCH leaves whose hash and entry disagree */
    size_t nmism;
    /* cosignatures and timestamps (check_attachments) */
    struct store_tx *tx;                /* the one read transaction */
    const struct cosign_witnesses *wit; /* configured witnesses (may be empty) */
    const struct tsa_trust *tsa;        /* --tsa-cert, or NULL: tokens not checked */
    int store_rc;                       /* a store error met while checking them */
    int64_t notices;                    /* informational lines printed */
    int64_t ncosig, cosig_ok, cosig_unknown, cosig_skipped;
    int64_t nts, ts_ok, ts_unchecked, ts_skipped;
};

static void hex(const void *p, size_t n, char *out, size_t cap)
{
    if (n * 2 + 1 > cap)
        n = (cap - 1) / 2;
    hex_encode(p, n, out);
}

__attribute__((format(printf, 2, 3))) static void problem(struct check *c, const char *fmt, ...)
{
    va_list ap;
    if (c->problems++ >= CHECK_MAX_PRINT)
        return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* A line that is worth reading but is not damage (an unknown witness). */
__attribute__((format(printf, 2, 3))) static void notice(struct check *c, const char *fmt, ...)
{
    va_list ap;
    if (c->notices++ >= CHECK_MAX_PRINT)
        return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static int emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_LEN])
{
    struct check *c = ctx;
    if (level == 0)
        return 0;
    if (c->nnodes == c->capnodes) {
        size_t cap = c->capnodes ? c->capnodes * 2 : 2 * CHECK_BATCH;
        struct node_exp *n = realloc(c->nodes, cap * sizeof *n);
        if (n == NULL)
            return -1;
        c->nodes = n;
        c->capnodes = cap;
    }
    c->nodes[c->nnodes].level = level;
    c->nodes[c->nnodes].idx = (int64_t)index;
    memcpy(c->nodes[c->nnodes].hash, hash, MERKLE_HASH_LEN);
    c->nnodes++;
    return 0;
}

static const char *tsa_rc_text(int rc)
{
    switch (rc) {
    case TSA_EMALFORMED:
        return "is not a timestamp token";
    case TSA_EUNTRUSTED:
        return "is not signed by the trusted TSA";
    case TSA_EMISMATCH:
        return "is not over this checkpoint";
    default:
        return "could not be verified";
    }
}

/*
 * The stored cosignature lines and timestamp token of one checkpoint,
 * checked over its stored note (text = the first tl bytes). note_ok: the
 * note itself verified; when not, they are counted as skipped (the note's
 * damage is already reported). Store errors go to c->store_rc.
 */
static void check_attachments(struct check *c, const struct cp_row *cp, size_t tl, bool note_ok)
{
    struct buf lines, tok;
    long long size = (long long)cp->size;
    int64_t gen_ms = 0;
    int rc;

    buf_init(&lines, 4 << 20);
    buf_init(&tok, STORE_LEDGER_TIMESTAMP_MAX);
    rc = store_ledger_cosignatures(c->tx, cp->size, &lines);
    if (rc != STORE_OK) {
        c->store_rc = rc;
        goto out;
    }
    for (size_t pos = 0; pos < lines.len;) {
        const char *line = lines.data + pos;
        const char *nl = memchr(line, '\n', lines.len - pos);
        size_t ll = nl != NULL ? (size_t)(nl - line) : lines.len - pos;
        const char *name;
        size_t nlen;
        pos += ll + 1;
        c->ncosig++;
        if (!note_ok) {
            c->cosig_skipped++;
            continue;
        }
        if (!cosign_line_name(line, ll, &name, &nlen)) {
            problem(c, "checkpoint at size %lld: cosignature line malformed: %.80s", size, line);
            continue;
        }
        const struct note_key *k = cosign_witness_find(c->wit, name, nlen);
        if (k == NULL) {
            c->cosig_unknown++;
            notice(c,
                   "checkpoint at size %lld: cosignature by %.*s: unverifiable (not a configured "
                   "witness)",
                   size, (int)nlen, name);
            continue;
        }
        rc = cosign_verify_line(k, cp->note, tl, line, ll, NULL);
        if (rc == NOTE_OK) {
            c->cosig_ok++;
        } else if (rc == NOTE_EUNVERIFIED) {
            /* the name is configured, the key id is another key's */
            c->cosig_unknown++;
            notice(c,
                   "checkpoint at size %lld: cosignature by %.*s: unverifiable (made with "
                   "another key than the configured one)",
                   size, (int)nlen, name);
        } else {
            problem(c, "checkpoint at size %lld: cosignature by %.*s does not verify", size,
                    (int)nlen, name);
        }
    }

    rc = store_ledger_timestamp_get(c->tx, cp->size, &tok, &gen_ms);
    if (rc == STORE_NOTFOUND)
        goto out;
    if (rc != STORE_OK) {
        c->store_rc = rc;
        goto out;
    }
    c->nts++;
    if (!note_ok) {
        c->ts_skipped++;
    } else if (c->tsa == NULL) {
        c->ts_unchecked++;
    } else {
        int64_t token_ms = 0;
        rc = tsa_verify(c->tsa, tok.data, tok.len, cp->note, cp->note_len, &token_ms);
        if (rc == TSA_ECRYPTO)
            c->failed = true;
        else if (rc != TSA_OK)
            problem(c, "checkpoint at size %lld: timestamp token %s", size, tsa_rc_text(rc));
        else if (token_ms != gen_ms)
            problem(c,
                    "checkpoint at size %lld: timestamp genTime stored as %lld, the token says "
                    "%lld",
                    size, (long long)gen_ms, (long long)token_ms);
        else
            c->ts_ok++;
    }
out:
    buf_release(&lines);
    buf_release(&tok);
}

/* Checks one stored checkpoint against the recomputed root of its size,
 * then its cosignatures and timestamp. */
static void check_checkpoint(struct check *c, const struct cp_row *cp,
                             const uint8_t root[MERKLE_HASH_LEN])
{
    char a[2 * MERKLE_HASH_LEN + 1], b[2 * MERKLE_HASH_LEN + 1];
    long long size = (long long)cp->size;
    if (cp->root_len != MERKLE_HASH_LEN || memcmp(cp->root, root, MERKLE_HASH_LEN) != 0) {
        hex(cp->root, cp->root_len, a, sizeof a);
        hex(root, MERKLE_HASH_LEN, b, sizeof b);
        problem(c,
                "checkpoint at size %lld: root mismatch: stored root %s but the tree hashes to %s",
                size, a, b);
    }
    int64_t before = c->problems; /* problems of the note itself from here */
    size_t tl = 0;
    int good = 0;
    int rc = note_open(cp->note, cp->note_len, c->keys, c->nkeys, &tl, &good);
    if (rc == NOTE_EBADSIG || (rc == NOTE_OK && good < (int)c->nkeys))
        problem(c, "checkpoint at size %lld: signature invalid", size);
    else if (rc == NOTE_EUNVERIFIED)
        problem(c, "checkpoint at size %lld: signature invalid (no signature by the log's key)",
                size);
    else if (rc != NOTE_OK)
        problem(c, "checkpoint at size %lld: signed note malformed", size);
    if (rc != NOTE_OK) { /* still read the body: find the blank line */
        const char *bl = NULL;
        for (size_t i = 0; i + 1 < cp->note_len; i++)
            if (cp->note[i] == '\n' && cp->note[i + 1] == '\n') {
                bl = cp->note + i;
                break;
            }
        if (bl == NULL) {
            check_attachments(c, cp, 0, false);
            return;
        }
        tl = (size_t)(bl - cp->note) + 1;
    }
    struct checkpoint body;
    if (checkpoint_parse(cp->note, tl, &body) != NOTE_OK) {
        problem(c, "checkpoint at size %lld: note body malformed", size);
        check_attachments(c, cp, tl, false);
        return;
    }
    if (strcmp(body.origin, c->origin) != 0)
        problem(c, "checkpoint at size %lld: note origin %s, the log's is %s", size, body.origin,
                c->origin);
    if (body.size != (uint64_t)cp->size)
        problem(c, "checkpoint at size %lld: note says size %llu", size,
                (unsigned long long)body.size);
    else if (memcmp(body.root, root, MERKLE_HASH_LEN) != 0) {
        hex(body.root, MERKLE_HASH_LEN, a, sizeof a);
        hex(root, MERKLE_HASH_LEN, b, sizeof b);
        problem(c, "checkpoint at size %lld: root mismatch: note root %s but the tree hashes to %s",
                size, a, b);
    }
    check_attachments(c, cp, tl, c->problems == before);
}

static int on_leaf(void *ctx, int64_t idx, const void *entry, size_t n, const void *leaf_hash,
                   size_t hash_len)
{
    struct check *c = ctx;
    uint8_t h[MERKLE_HASH_LEN];
    char a[2 * MERKLE_HASH_LEN + 1], b[2 * MERKLE_HASH_LEN + 1];
    if (idx != c->next_leaf) {
        problem(c, "leaf %lld: missing", (long long)c->next_leaf);
        c->gap = true;
        return 1;
    }
    if (merkle_leaf_hash(c->alg, entry, n, h) != MERKLE_OK) {
        c->failed = true;
        return 1;
    }
    uint8_t *chosen = c->chosen[idx - c->batch_start];
    memcpy(chosen, h, MERKLE_HASH_LEN);
    if (hash_len != MERKLE_HASH_LEN || memcmp(leaf_hash, h, MERKLE_HASH_LEN) != 0) {
        hex(leaf_hash, hash_len, a, sizeof a);
        hex(h, MERKLE_HASH_LEN, b, sizeof b);
        problem(c, "leaf %lld: stored hash %s but entry hashes to %s", (long long)idx, a, b);
        if (hash_len == MERKLE_HASH_LEN) {
            /* which of the two was altered is decided in settle_leaves() */
            memcpy(chosen, leaf_hash, MERKLE_HASH_LEN);
            c->mism[c->nmism].idx = idx;
            memcpy(c->mism[c->nmism].hash, h, MERKLE_HASH_LEN);
            c->nmism++;
        }
    }
    c->next_leaf++;
    return 0;
}

/*
 * A leaf whose stored hash and entry disagree: one of the two was altered.
 * The tree above is rebuilt from the one the stored parent node (level 1)
 * agrees with: the entry's hash if H(it, sibling) is the stored parent (the
 * leaf_hash column was altered), else the stored leaf hash (the entry was
 * altered). Either way one altered row is reported on that row only, not on
 * every node and checkpoint above it. Without a stored parent (the last,
 * odd leaf) the stored hash is used.
 */
static int settle_leaves(struct store_tx *tx, struct check *c)
{
    for (size_t k = 0; k < c->nmism; k++) {
        int64_t i = c->mism[k].idx, sib = i ^ 1;
        uint8_t parent[MERKLE_HASH_LEN], stored[MERKLE_HASH_LEN];
        if (sib < c->batch_start || sib >= c->next_leaf)
            continue;
        const uint8_t *sh = c->chosen[sib - c->batch_start];
        int rc = (i & 1) == 0 ? merkle_node_hash(c->alg, c->mism[k].hash, sh, parent)
                              : merkle_node_hash(c->alg, sh, c->mism[k].hash, parent);
        if (rc != MERKLE_OK) {
            c->failed = true;
            return STORE_ERROR;
        }
        rc = store_ledger_hash_get(tx, 1, i >> 1, stored);
        if (rc == STORE_OK && memcmp(parent, stored, MERKLE_HASH_LEN) == 0)
            memcpy(c->chosen[i - c->batch_start], c->mism[k].hash, MERKLE_HASH_LEN);
        else if (rc != STORE_OK && rc != STORE_NOTFOUND && rc != STORE_ERROR)
            return rc;
    }
    c->nmism = 0;
    return STORE_OK;
}

/* Rebuilds the tree over the batch's leaves and checks its checkpoints. */
static int grow_tree(struct check *c)
{
    uint8_t root[MERKLE_HASH_LEN];
    for (int64_t i = c->batch_start; i < c->next_leaf; i++) {
        if (merkle_frontier_append(&c->f, c->chosen[i - c->batch_start], emit, c) != MERKLE_OK) {
            c->failed = true;
            return STORE_ERROR;
        }
        while (c->cpi < c->ncps && c->cps[c->cpi].size <= i + 1) {
            if (c->cps[c->cpi].size == i + 1) {
                if (merkle_frontier_root(&c->f, root) != MERKLE_OK) {
                    c->failed = true;
                    return STORE_ERROR;
                }
                check_checkpoint(c, &c->cps[c->cpi], root);
                if (c->store_rc != STORE_OK)
                    return c->store_rc;
            }
            c->cpi++;
        }
    }
    return STORE_OK;
}

static int on_node(void *ctx, int64_t idx, const void *hash, size_t hash_len)
{
    struct check *c = ctx;
    char a[2 * MERKLE_HASH_LEN + 1], b[2 * MERKLE_HASH_LEN + 1];
    while (c->cur < c->end && c->nodes[c->cur].idx < idx) {
        problem(c, "node (level %u, index %lld): missing", c->nodes[c->cur].level,
                (long long)c->nodes[c->cur].idx);
        c->cur++;
    }
    if (c->cur < c->end && c->nodes[c->cur].idx == idx) {
        const struct node_exp *e = &c->nodes[c->cur++];
        if (hash_len != MERKLE_HASH_LEN || memcmp(hash, e->hash, MERKLE_HASH_LEN) != 0) {
            hex(hash, hash_len, a, sizeof a);
            hex(e->hash, MERKLE_HASH_LEN, b, sizeof b);
            problem(c, "node (level %u, index %lld): stored hash %s but its children hash to %s",
                    e->level, (long long)idx, a, b);
        }
    }
    return 0;
}

static int on_checkpoint(void *ctx, int64_t size, const void *root, size_t root_len,
                         const char *note, size_t note_len)
{
    struct check *c = ctx;
    if (c->ncps == c->capcps) {
        size_t cap = c->capcps ? c->capcps * 2 : 64;
        struct cp_row *n = realloc(c->cps, cap * sizeof *n);
        if (n == NULL) {
            c->failed = true;
            return 1;
        }
        c->cps = n;
        c->capcps = cap;
    }
    struct cp_row *r = &c->cps[c->ncps];
    r->size = size;
    r->root_len = root_len;
    memcpy(r->root, root, root_len < MERKLE_HASH_LEN ? root_len : MERKLE_HASH_LEN);
    r->note = malloc(note_len + 1);
    if (r->note == NULL) {
        c->failed = true;
        return 1;
    }
    memcpy(r->note, note, note_len);
    r->note[note_len] = '\0';
    r->note_len = note_len;
    c->ncps++;
    return 0;
}

static void cps_clear(struct check *c)
{
    for (size_t i = 0; i < c->ncps; i++)
        free(c->cps[i].note);
    c->ncps = 0;
    c->cpi = 0;
}

static int node_cmp(const void *x, const void *y)
{
    const struct node_exp *a = x, *b = y;
    if (a->level != b->level)
        return a->level < b->level ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Compares the batch's recomputed subtrees with the stored ones. */
static int check_nodes(struct store_tx *tx, struct check *c)
{
    qsort(c->nodes, c->nnodes, sizeof *c->nodes, node_cmp);
    for (size_t i = 0; i < c->nnodes;) {
        size_t j = i;
        while (j < c->nnodes && c->nodes[j].level == c->nodes[i].level)
            j++;
        c->cur = i;
        c->end = j;
        int rc = store_ledger_nodes(tx, c->nodes[i].level, c->nodes[i].idx, c->nodes[j - 1].idx + 1,
                                    on_node, c);
        if (rc != STORE_OK)
            return rc;
        for (; c->cur < c->end; c->cur++)
            problem(c, "node (level %u, index %lld): missing", c->nodes[c->cur].level,
                    (long long)c->nodes[c->cur].idx);
        i = j;
    }
    c->nnodes = 0;
    return STORE_OK;
}

/* Loads the verifier keys recorded in ledger_config (one per line). */
static void load_keys(struct check *c, const char *vkeys)
{
    for (const char *line = vkeys; *line != '\0' && c->nkeys < LEDGER_MAX_KEYS;) {
        const char *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        if (ll > 0 && note_key_parse_vkey(&c->keys[c->nkeys], line, ll) == NOTE_OK)
            c->nkeys++;
        if (nl == NULL)
            break;
        line = nl + 1;
    }
}

static int run_check(struct store_tx *tx, const struct store_ledger_config *cfg, struct check *c)
{
    int64_t n = cfg->tree_size, nleaves = 0, nnodes = 0, ncps = 0;
    uint8_t empty[MERKLE_HASH_LEN];
    int rc;

    c->alg = merkle_alg_parse(cfg->hash_alg);
    c->origin = cfg->origin;
    if (c->alg == 0) {
        problem(c, "ledger_config: unknown hash %s", cfg->hash_alg);
        return STORE_OK;
    }
    load_keys(c, cfg->vkeys);
    if (c->nkeys == 0)
        problem(c, "ledger_config: no verifier key recorded");
    merkle_frontier_init(&c->f, c->alg);

    /* a checkpoint of the empty tree */
    if ((rc = store_ledger_checkpoints(tx, 0, 1, on_checkpoint, c)) != STORE_OK)
        return rc;
    if (c->ncps > 0 && merkle_hash(c->alg, "", 0, empty) == MERKLE_OK)
        check_checkpoint(c, &c->cps[0], empty);
    cps_clear(c);
    if (c->store_rc != STORE_OK)
        return c->store_rc;

    for (int64_t start = 0; start < n && !c->gap && !c->failed; start += CHECK_BATCH) {
        int64_t end = start + CHECK_BATCH < n ? start + CHECK_BATCH : n;
        if ((rc = store_ledger_checkpoints(tx, start + 1, end + 1, on_checkpoint, c)) != STORE_OK)
            return rc;
        c->batch_start = start;
        if (!c->failed)
            rc = store_ledger_leaves_raw(tx, start, end, on_leaf, c);
        if (rc == STORE_OK && !c->failed)
            rc = settle_leaves(tx, c);
        if (rc == STORE_OK && !c->failed)
            rc = grow_tree(c);
        cps_clear(c);
        if (rc != STORE_OK)
            return rc;
        if (!c->gap && !c->failed && c->next_leaf < end) {
            problem(c, "leaf %lld: missing", (long long)c->next_leaf);
            c->gap = true;
        }
        if ((rc = check_nodes(tx, c)) != STORE_OK)
            return rc;
    }
    if (c->failed)
        return STORE_ERROR;
    if (c->gap)
        problem(c, "the tree cannot be recomputed past the missing leaf");

    /* rows the tree of size n cannot have */
    if ((rc = store_ledger_checkpoints(tx, n + 1, INT64_MAX, on_checkpoint, c)) != STORE_OK)
        return rc;
    for (size_t i = 0; i < c->ncps; i++)
        problem(c, "checkpoint at size %lld: beyond the tree (%lld entries)",
                (long long)c->cps[i].size, (long long)n);
    cps_clear(c);
    if ((rc = store_ledger_counts(tx, &nleaves, &nnodes, &ncps)) != STORE_OK)
        return rc;
    int64_t want_nodes = 0;
    for (unsigned l = 1; l < 63 && (n >> l) > 0; l++)
        want_nodes += n >> l;
    if (nleaves > n)
        problem(c, "ledger_leaves: %lld rows, but the tree has %lld entries", (long long)nleaves,
                (long long)n);
    if (nnodes != want_nodes)
        problem(c, "ledger_nodes: %lld rows, a tree of %lld entries has %lld", (long long)nnodes,
                (long long)n, (long long)want_nodes);
    c->ncheckpoints = ncps;
    return STORE_OK;
}

static void ledger_usage(FILE *f)
{
    fputs("usage: sunbid ledger check [--data-dir DIR] [--db URL] [--witness VKEY]...\n"
          "                           [--tsa-cert FILE]\n"
          "\n"
          "Recomputes the witness log from the store: every leaf hash from its entry,\n"
          "every stored subtree hash, the root and signatures of every checkpoint, and\n"
          "each checkpoint's stored witness cosignatures and RFC 3161 timestamp token.\n"
          "Prints each altered row; exit 0 intact, 5 log damaged, 1 store error.\n"
          "\n"
          "  --witness VKEY   a trusted witness (repeatable; also DIR/ledger/witnesses,\n"
          "                   as for serve); lines by other witnesses are unverifiable\n"
          "  --tsa-cert FILE  the trusted TSA certificate(s), PEM; without it stored\n"
          "                   timestamp tokens are reported as not checked\n",
          f);
}

/* The summary of cosignatures and timestamps (before the last line). */
static void print_attachments(const struct check *c)
{
    printf("cosignatures: %lld stored, %lld verified", (long long)c->ncosig,
           (long long)c->cosig_ok);
    if (c->cosig_unknown > 0)
        printf(", %lld unverifiable (unknown witness or key)", (long long)c->cosig_unknown);
    if (c->cosig_skipped > 0)
        printf(", %lld not checked (their checkpoint is damaged)", (long long)c->cosig_skipped);
    printf("\ntimestamps: %lld stored, %lld verified", (long long)c->nts, (long long)c->ts_ok);
    if (c->ts_unchecked > 0)
        printf(", %lld not checked (no --tsa-cert)", (long long)c->ts_unchecked);
    if (c->ts_skipped > 0)
        printf(", %lld not checked (their checkpoint is damaged)", (long long)c->ts_skipped);
    putchar('\n');
}

int cli_ledger(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'}, {"db", required_argument, NULL, 'b'},
        {"witness", required_argument, NULL, 'W'},  {"tsa-cert", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    struct cli_store_opts so = {0};
    const char *witness_args[COSIGN_MAX_WITNESSES];
    size_t nwitness_args = 0;
    const char *tsa_cert = NULL;
    struct cosign_witnesses wit = {0};
    struct tsa_trust tsa = {0};
    char err[512], wfile[4096];
    int opt;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        ledger_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "sunbid: ledger: unknown subcommand '%s'\n", argv[1]);
        ledger_usage(stderr);
        return CLI_USAGE;
    }
    optind = 1;
    while ((opt = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
        if (opt == 'd')
            so.data_dir = optarg;
        else if (opt == 'b')
            so.db = optarg;
        else if (opt == 'W') {
            if (nwitness_args == COSIGN_MAX_WITNESSES) {
                fprintf(stderr, "sunbid: ledger check: at most %d --witness keys\n",
                        COSIGN_MAX_WITNESSES);
                return CLI_USAGE;
            }
            witness_args[nwitness_args++] = optarg;
        } else if (opt == 'T')
            tsa_cert = optarg;
        else if (opt == 'h') {
            ledger_usage(stdout);
            return CLI_OK;
        } else
            return CLI_USAGE;
    }
    if (optind < argc - 1) {
        fprintf(stderr, "sunbid: ledger check: unexpected argument '%s'\n", argv[optind + 1]);
        return CLI_USAGE;
    }
    snprintf(wfile, sizeof wfile, "%s/ledger/witnesses", cli_data_dir(&so));
    if (cosign_witnesses_load(&wit, witness_args, nwitness_args, wfile, err, sizeof err) !=
        NOTE_OK) {
        fprintf(stderr, "sunbid: ledger check: %s\n", err);
        return CLI_USAGE;
    }
    if (tsa_cert != NULL && tsa_trust_load(&tsa, tsa_cert, err, sizeof err) != TSA_OK) {
        fprintf(stderr, "sunbid: ledger check: --tsa-cert: %s\n", err);
        cosign_witnesses_free(&wit);
        return CLI_USAGE;
    }

    struct store *s = cli_open_store("ledger check", &so);
    struct store_tx *tx = NULL;
    struct store_ledger_config *cfg = calloc(1, sizeof *cfg);
    struct check *c = calloc(1, sizeof *c);
    int rc, exit_code = CLI_FAIL;
    if (s == NULL || cfg == NULL || c == NULL)
        goto out;
    c->chosen = malloc(CHECK_BATCH * sizeof *c->chosen);
    c->mism = malloc(CHECK_BATCH * sizeof *c->mism);
    if (c->chosen == NULL || c->mism == NULL) {
        fprintf(stderr, "sunbid: ledger check: out of memory\n");
        goto out;
    }
    c->wit = &wit;
    c->tsa = tsa_cert != NULL ? &tsa : NULL;
    rc = store_begin(s, STORE_READ, &tx);
    c->tx = tx;
    if (rc == STORE_OK)
        rc = store_ledger_config_get(tx, cfg);
    if (rc == STORE_NOTFOUND) {
        puts("ledger: no log in this store yet (0 entries, 0 checkpoints), intact");
        exit_code = CLI_OK;
        goto out;
    }
    if (rc == STORE_OK)
        rc = run_check(tx, cfg, c);
    if (rc != STORE_OK) {
        fprintf(stderr, "sunbid: ledger check: %s (%s)\n", store_rc_name(rc),
                c->failed ? "out of memory or digest unavailable" : store_errmsg(s));
        goto out;
    }
    if (c->problems > CHECK_MAX_PRINT)
        printf("... %lld more problems not shown\n", (long long)(c->problems - CHECK_MAX_PRINT));
    if (c->notices > CHECK_MAX_PRINT)
        printf("... %lld more notices not shown\n", (long long)(c->notices - CHECK_MAX_PRINT));
    print_attachments(c);
    if (c->problems == 0)
        printf("ledger: %lld entries, %lld checkpoints, intact\n", (long long)cfg->tree_size,
               (long long)c->ncheckpoints);
    else
        printf("ledger: %lld entries, %lld checkpoints, %lld problem%s\n",
               (long long)cfg->tree_size, (long long)c->ncheckpoints, (long long)c->problems,
               c->problems == 1 ? "" : "s");
    exit_code = c->problems == 0 ? CLI_OK : CLI_DAMAGED;
out:
    store_rollback(tx);
    if (c != NULL) {
        cps_clear(c);
        free(c->cps);
        free(c->nodes);
        free(c->chosen);
        free(c->mism);
        for (size_t i = 0; i < c->nkeys; i++)
            note_key_release(&c->keys[i]);
    }
    free(c);
    free(cfg);
    store_close(s);
    cosign_witnesses_free(&wit);
    tsa_trust_free(&tsa);
    return exit_code;
}
