/*
 * ledger/ledger.c — the witness log's write side (ledger.h): canonical JSON
 * of events, queueing them in the caller's transaction, opening or creating
 * the log and its key files, and one round of the sequencer.
 *
 * Invariants:
 *   - ledger_append only INSERTs into ledger_queue inside the caller's
 *     transaction; it never hashes or signs, so domain writes stay cheap and
 *     commit or roll back together with their event.
 *   - Only ledger_sequencer_run_once moves entries from the queue into the
 *     tree, in one write transaction: leaves get idx = tree_size, +1, ... in
 *     queue order; every complete subtree of level >= 1 is stored as it
 *     completes (merkle_frontier_append), and every leaf is indexed by its
 *     subject and its tender (ledger_subjects, for certificates); tree_size
 *     moves last. A failure anywhere rolls the whole round back, so the
 *     stored tree is always a prefix of the queue's history with every
 *     complete subtree present.
 *   - It must run on one node at a time (the ledger.sequencer lease); two at
 *     once would collide on ledger_leaves' primary key and one would roll
 *     back, never corrupt the tree.
 *   - A checkpoint is signed for a size only when that size is integrated
 *     in the same transaction; checkpoint sizes never decrease.
 *
 * Threads: ledger_append on the caller's (worker) thread; log open on the
 * starting thread; run_once on the sequencer thread. A struct ledger_log is
 * read-only after ledger_log_open.
 */
#include "ledger/ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/utf8.h"
#include "store/ledger.h"

#define DEFAULT_ORIGIN "sunbid.local/ledger"

/* ---- canonical JSON ---- */

static bool ident_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_'))
            return false;
    }
    return true;
}

/* A JSON string, escaped minimally; -1 on invalid UTF-8 or overflow. */
static int put_str(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    if (buf_putc(b, '"') != BUF_OK)
        return -1;
    for (size_t i = 0; i < n;) {
        const unsigned char *p = (const unsigned char *)s + i;
        size_t l = utf8_seq(p, n - i);
        int rc = BUF_OK;
        if (l == 0)
            return -1;
        if (l > 1) {
            rc = buf_append(b, p, l);
        } else if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            rc = buf_append(b, e, 2);
        } else if (*p < 0x20) {
            static const char shortf[] = "\b\f\n\r\t";
            static const char shortc[] = "bfnrt";
            const char *f = memchr(shortf, *p, 5);
            if (f != NULL) {
                char e[2] = {'\\', shortc[f - shortf]};
                rc = buf_append(b, e, 2);
            } else {
                rc = buf_printf(b, "\\u%04x", *p);
            }
        } else {
            rc = buf_putc(b, (char)*p);
        }
        if (rc != BUF_OK)
            return -1;
        i += l;
    }
    return buf_putc(b, '"') == BUF_OK ? 0 : -1;
}

int ledger_event_json(const struct ledger_event *ev, int64_t time_ms, struct buf *out)
{
    if (!ident_ok(ev->type) || !ident_ok(ev->subject_type) || ev->actor_name == NULL ||
        ev->actor_name[0] == '\0')
        return -1;
    if (ev->doc_hash != NULL) {
        size_t n = strlen(ev->doc_hash);
        if (n == 0 || n > 128)
            return -1;
        for (size_t i = 0; i < n; i++)
            if (!((ev->doc_hash[i] >= '0' && ev->doc_hash[i] <= '9') ||
                  (ev->doc_hash[i] >= 'a' && ev->doc_hash[i] <= 'f')))
                return -1;
    }
    /* keys in byte order: actor, doc_hash, subject, tender, time_ms, type, v */
    if (buf_printf(out, "{\"actor\":{\"id\":%lld,\"name\":", (long long)ev->actor_id) != BUF_OK ||
        put_str(out, ev->actor_name) != 0)
        return -1;
    if (buf_puts(out, "},") != BUF_OK)
        return -1;
    if (ev->doc_hash != NULL && buf_printf(out, "\"doc_hash\":\"%s\",", ev->doc_hash) != BUF_OK)
        return -1;
    if (ev->tender_id < 0)
        return -1;
    if (buf_printf(out, "\"subject\":{\"id\":%lld,\"type\":\"%s\"},", (long long)ev->subject_id,
                   ev->subject_type) != BUF_OK)
        return -1;
    if (ev->tender_id > 0 &&
        buf_printf(out, "\"tender\":%lld,", (long long)ev->tender_id) != BUF_OK)
        return -1;
    if (buf_printf(out, "\"time_ms\":%lld,", (long long)time_ms) != BUF_OK ||
        buf_printf(out, "\"type\":\"%s\",\"v\":1}", ev->type) != BUF_OK)
        return -1;
    return 0;
}

int ledger_append(struct store_tx *tx, const struct ledger_event *ev)
{
    struct buf b;
    int64_t now = clock_now_ms();
    int rc;
    buf_init(&b, STORE_LEDGER_ENTRY_MAX);
    if (ledger_event_json(ev, now, &b) != 0) {
        buf_release(&b);
        log_error("ledger: refusing a malformed event (type %s)", ev->type ? ev->type : "?");
        return STORE_ERROR;
    }
    rc = store_ledger_queue_insert(tx, b.data, b.len, now);
    buf_release(&b);
    return rc;
}

/* ---- keys and the log ---- */

int ledger_read_hash(void *tx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    if (index > INT64_MAX)
        return -1;
    return store_ledger_hash_get(tx, level, (int64_t)index, out) == STORE_OK ? 0 : -1;
}

static const char *key_file_name(enum note_type t)
{
    return t == NOTE_ED25519 ? "ed25519.key" : "sm2.key";
}

/* Reads <dir>/ledger/<file> into k, or (create) makes a new key and writes
 * it with O_EXCL, mode 0600. 0 on success. */
static int key_load(const char *data_dir, const char *origin, enum note_type t, bool create,
                    struct note_key *k, char *err, size_t errlen)
{
    char path[1024], text[4096];
    struct buf b;
    int fd, rc = -1;
    ssize_t n;

    if (t != NOTE_ED25519 && t != NOTE_SM2) { /* a witness's 0x04 key never signs the log */
        snprintf(err, errlen, "the log's keys are Ed25519 or SM2 note keys, not type %#x",
                 (unsigned)t);
        return -1;
    }
    if (snprintf(path, sizeof path, "%s/ledger", data_dir) >= (int)sizeof path)
        return -1;
    if (create && mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    if (snprintf(path, sizeof path, "%s/ledger/%s", data_dir, key_file_name(t)) >= (int)sizeof path)
        return -1;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
            log_warn("ledger: %s is readable by others (mode %o); chmod 600 it", path,
                     (unsigned)(st.st_mode & 0777));
        n = read(fd, text, sizeof text - 1);
        close(fd);
        if (n <= 0) {
            snprintf(err, errlen, "cannot read %s", path);
            return -1;
        }
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
            n--;
        rc = note_key_parse_skey(k, text, (size_t)n);
        OPENSSL_cleanse(text, sizeof text);
        if (rc == NOTE_OK && k->type != t) {
            note_key_release(k);
            rc = NOTE_EMALFORMED;
        }
        if (rc != NOTE_OK) {
            snprintf(err, errlen, "%s is not a signer key", path);
            return -1;
        }
        return 0;
    }
    if (!create) {
        snprintf(err, errlen, "missing %s: %s", path, strerror(errno));
        return -1;
    }
    if (note_key_generate(k, origin, t) != NOTE_OK) {
        snprintf(err, errlen, "cannot make a %s key", key_file_name(t));
        return -1;
    }
    buf_init(&b, 8192);
    rc = -1;
    if (note_key_skey(k, &b) == NOTE_OK && buf_putc(&b, '\n') == BUF_OK) {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            if (write(fd, b.data, b.len) == (ssize_t)b.len && fsync(fd) == 0)
                rc = 0;
            close(fd);
        }
    }
    if (b.data != NULL)
        memset(b.data, 0, b.len);
    buf_release(&b);
    if (rc != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        note_key_release(k);
    }
    return rc;
}

void ledger_log_release(struct ledger_log *log)
{
    if (log == NULL)
        return;
    for (int i = 0; i < log->nkeys; i++)
        note_key_release(&log->keys[i]);
    log->nkeys = 0;
}

static int config_read(struct store *s, struct store_ledger_config *cfg)
{
    struct store_tx *tx = NULL;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return rc;
    rc = store_ledger_config_get(tx, cfg);
    store_rollback(tx);
    return rc;
}

int ledger_log_open(struct store *s, const char *data_dir, const struct ledger_options *opt,
                    struct ledger_log *log, char *err, size_t errlen)
{
    static const struct ledger_options defaults = {0};
    struct store_ledger_config *cfg = calloc(1, sizeof *cfg);
    struct store_tx *tx = NULL;
    int rc;

    if (opt == NULL)
        opt = &defaults;
    if (errlen > 0)
        err[0] = '\0';
    memset(log, 0, sizeof *log);
    log->batch_max = opt->batch_max > 0 ? opt->batch_max : 1024;
    log->checkpoint_every = opt->checkpoint_every > 0 ? opt->checkpoint_every : 1024;
    log->checkpoint_ms = opt->checkpoint_ms > 0 ? opt->checkpoint_ms : 1000;
    if (cfg == NULL) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    rc = config_read(s, cfg);
    if (rc == STORE_NOTFOUND) {
        /* A new log: make (or reuse) this node's key files, then record
         * the verifier keys. Another node may win the race; we re-read. */
        const char *origin = opt->origin ? opt->origin : DEFAULT_ORIGIN;
        enum merkle_alg alg = opt->alg ? opt->alg : MERKLE_SHA256;
        struct note_key k[LEDGER_MAX_KEYS];
        int nk = 0, created = 0;
        struct buf vk;
        buf_init(&vk, STORE_LEDGER_VKEYS - 1);
        rc = STORE_ERROR;
        if (key_load(data_dir, origin, NOTE_ED25519, true, &k[nk], err, errlen) == 0) {
            nk++;
            if (alg != MERKLE_SM3 ||
                key_load(data_dir, origin, NOTE_SM2, true, &k[nk], err, errlen) == 0) {
                if (alg == MERKLE_SM3)
                    nk++;
                rc = STORE_OK;
            }
        }
        for (int i = 0; i < nk && rc == STORE_OK; i++) {
            if (note_key_vkey(&k[i], &vk) != NOTE_OK || buf_putc(&vk, '\n') != BUF_OK)
                rc = STORE_ERROR;
        }
        for (int i = 0; i < nk; i++)
            note_key_release(&k[i]);
        if (rc == STORE_OK)
            rc = store_begin(s, STORE_WRITE, &tx);
        if (rc == STORE_OK)
            rc = store_ledger_config_create(tx, origin, merkle_alg_name(alg), vk.data,
                                            clock_now_ms(), &created);
        if (rc == STORE_OK) {
            rc = store_commit(tx);
            tx = NULL;
        }
        store_rollback(tx);
        buf_release(&vk);
        if (rc == STORE_OK) {
            if (created)
                log_info("ledger: created the log %s (%s)", origin, merkle_alg_name(alg));
            rc = config_read(s, cfg);
        } else if (err[0] == '\0') {
            snprintf(err, errlen, "cannot create the log: %s", store_rc_name(rc));
        }
    }
    if (rc != STORE_OK) {
        if (err[0] == '\0')
            snprintf(err, errlen, "cannot read the log: %s", store_rc_name(rc));
        free(cfg);
        return rc;
    }
    snprintf(log->origin, sizeof log->origin, "%s", cfg->origin);
    log->alg = merkle_alg_parse(cfg->hash_alg);
    if (log->alg == 0) {
        snprintf(err, errlen, "unknown hash %s", cfg->hash_alg);
        free(cfg);
        return STORE_ERROR;
    }
    /* This node signs only if it has the private half of every recorded key. */
    for (const char *line = cfg->vkeys; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        struct note_key pub, priv;
        char kerr[256] = "";
        if (ll > 0 && note_key_parse_vkey(&pub, line, ll) == NOTE_OK) {
            if (log->nkeys < LEDGER_MAX_KEYS &&
                key_load(data_dir, log->origin, pub.type, false, &priv, kerr, sizeof kerr) == 0) {
                if (priv.id == pub.id && strcmp(priv.name, pub.name) == 0) {
                    log->keys[log->nkeys++] = priv;
                } else {
                    note_key_release(&priv);
                    log->nkeys = LEDGER_MAX_KEYS + 1; /* mark: mismatch */
                }
            } else {
                log_warn("ledger: this node cannot sign checkpoints: %s", kerr);
                log->nkeys = LEDGER_MAX_KEYS + 1;
            }
            note_key_release(&pub);
        }
        if (log->nkeys > LEDGER_MAX_KEYS)
            break;
        line += ll + (nl ? 1 : 0);
    }
    if (log->nkeys > LEDGER_MAX_KEYS || log->nkeys == 0) {
        for (int i = 0; i < LEDGER_MAX_KEYS && i < log->nkeys; i++)
            note_key_release(&log->keys[i]);
        log->nkeys = 0;
        log_warn("ledger: key files in %s/ledger do not match the log's keys; "
                 "this node will not sequence",
                 data_dir);
    }
    free(cfg);
    return STORE_OK;
}

/* ---- the sequencer's round ---- */

/* Indexes leaf idx under its subject and its tender (migration 7), so a
 * certificate can gather a subject's entries. An entry without them (never
 * one of ledger_event_json's) stays unindexed: still in the log, only not
 * found by subject. */
static int index_subjects(struct store_tx *tx, int64_t idx, const void *entry, size_t n)
{
    json_error_t jerr;
    json_t *root = json_loadb(entry, n, JSON_REJECT_DUPLICATES, &jerr);
    json_t *subj = json_object_get(root, "subject");
    const char *type = json_string_value(json_object_get(subj, "type"));
    json_t *id = json_object_get(subj, "id");
    json_t *tender = json_object_get(root, "tender");
    int rc = STORE_OK;
    if (root == NULL)
        log_warn("ledger: leaf %lld is not JSON; not indexed by subject", (long long)idx);
    if (type != NULL && json_is_integer(id) && strlen(type) <= STORE_LEDGER_SUBJECT_TYPE)
        rc = store_ledger_subject_insert(tx, type, json_integer_value(id), idx);
    if (rc == STORE_OK && json_is_integer(tender))
        rc = store_ledger_subject_insert(tx, "tender", json_integer_value(tender), idx);
    json_decref(root);
    return rc;
}

struct emit_ctx {
    struct store_tx *tx;
    int rc;
};

static int emit_node(void *ctx, unsigned level, uint64_t index, const uint8_t h[MERKLE_HASH_LEN])
{
    struct emit_ctx *e = ctx;
    if (level == 0)
        return 0; /* the leaf row holds it */
    e->rc = store_ledger_node_insert(e->tx, level, (int64_t)index, h);
    return e->rc == STORE_OK ? 0 : -1;
}

int ledger_sequencer_run_once(struct store *s, struct ledger_log *log, int *integrated,
                              int64_t *signed_size)
{
    struct store_ledger_config *cfg = NULL;
    struct store_ledger_queued *q = NULL;
    struct merkle_frontier *f = NULL;
    struct store_tx *tx = NULL;
    struct buf text, note;
    int64_t now = clock_now_ms(), cp_size = -1, cp_ms = 0, size;
    int count = 0, rc;
    bool due;

    *integrated = 0;
    *signed_size = -1;
    buf_init(&text, 1024);
    buf_init(&note, NOTE_MAX_BYTES);
    if (log->nkeys == 0)
        return STORE_ERROR;
    cfg = malloc(sizeof *cfg);
    f = malloc(sizeof *f);
    if (cfg == NULL || f == NULL) {
        rc = STORE_ERROR;
        goto out;
    }
    rc = store_begin(s, STORE_WRITE, &tx);
    if (rc != STORE_OK)
        goto out;
    rc = store_ledger_config_get(tx, cfg);
    if (rc != STORE_OK)
        goto out;
    size = cfg->tree_size;
    rc = store_ledger_queue_take(tx, log->batch_max, &q, &count);
    if (rc != STORE_OK)
        goto out;
    rc = store_ledger_checkpoint_latest(tx, &cp_size, &cp_ms, NULL);
    if (rc == STORE_NOTFOUND) {
        cp_size = -1;
        rc = STORE_OK;
    }
    if (rc != STORE_OK)
        goto out;
    due = size + count != cp_size &&
          (cp_size < 0 || size + count - cp_size >= log->checkpoint_every ||
           now - cp_ms >= log->checkpoint_ms);
    if (count == 0 && !due)
        goto out; /* nothing to do: roll the empty transaction back */

    struct merkle_reader rd = {ledger_read_hash, tx};
    if (merkle_frontier_load(f, log->alg, &rd, (uint64_t)size) != MERKLE_OK) {
        log_error("ledger: cannot load the tree's frontier at size %lld", (long long)size);
        rc = STORE_ERROR;
        goto out;
    }
    for (int i = 0; i < count; i++) {
        uint8_t lh[MERKLE_HASH_LEN];
        struct emit_ctx e = {tx, STORE_OK};
        if (merkle_leaf_hash(log->alg, q[i].entry, q[i].n, lh) != MERKLE_OK) {
            rc = STORE_ERROR;
            goto out;
        }
        rc = store_ledger_leaf_insert(tx, size + i, q[i].entry, q[i].n, lh, q[i].queued_ms, now);
        if (rc == STORE_OK)
            rc = index_subjects(tx, size + i, q[i].entry, q[i].n);
        if (rc != STORE_OK)
            goto out;
        if (merkle_frontier_append(f, lh, emit_node, &e) != MERKLE_OK) {
            rc = e.rc != STORE_OK ? e.rc : STORE_ERROR;
            goto out;
        }
        rc = store_ledger_queue_delete(tx, q[i].seq);
        if (rc != STORE_OK)
            goto out;
    }
    if (count > 0) {
        rc = store_ledger_set_size(tx, size + count);
        if (rc != STORE_OK)
            goto out;
    }
    if (due) {
        struct checkpoint cp = {.size = (uint64_t)(size + count)};
        snprintf(cp.origin, sizeof cp.origin, "%s", log->origin);
        if (merkle_frontier_root(f, cp.root) != MERKLE_OK ||
            checkpoint_format(&cp, &text) != NOTE_OK ||
            note_sign(text.data, text.len, log->keys, (size_t)log->nkeys, &note) != NOTE_OK) {
            log_error("ledger: cannot sign the checkpoint");
            rc = STORE_ERROR;
            goto out;
        }
        rc = store_ledger_checkpoint_insert(tx, size + count, cp.root, note.data, now);
        if (rc != STORE_OK)
            goto out;
    }
    rc = store_commit(tx);
    tx = NULL;
    if (rc == STORE_OK) {
        *integrated = count;
        if (due)
            *signed_size = size + count;
    }
out:
    store_rollback(tx);
    store_ledger_queued_free(q, count);
    buf_release(&text);
    buf_release(&note);
    free(cfg);
    free(f);
    return rc;
}
