/*
 * domain/auction.c — the auction operations that are not bids: create,
 * register, qualify (deposit confirmed, bidder number drawn), cancel, load,
 * and the signed result (成交確認書) the writer or a cancellation writes.
 *
 * Every write is one domain_write() transaction with its audit row and its
 * witness-log event. Bids go through the engine (auction_engine.c), never
 * through here. Threads: worker threads (and the writers for the result).
 */
#include "domain/auction.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "crypto/envelope.h"
#include "crypto/random.h"
#include "crypto/receipt.h"
#include "domain/opening.h"
#include "ledger/ledger.h"
#include "store/bids.h"

#define AUCTION_HISTORY_MAX (64u << 20) /* bytes of bid history hashed into a result */

static int record(struct store_tx *tx, const struct actor *who, const char *type,
                  const char *subject_type, int64_t subject_id, const char *doc_hash,
                  const char *detail)
{
    int rc = audit_record(tx, who, type, subject_type, subject_id, detail);
    if (rc != STORE_OK)
        return rc;
    struct ledger_event ev = {.type = type,
                              .subject_type = subject_type,
                              .subject_id = subject_id,
                              .actor_id = who->user_id,
                              .actor_name = who->name ? who->name : "system",
                              .doc_hash = doc_hash};
    return ledger_append(tx, &ev);
}

/* ---- rows to rules ---- */

int auction_sealed_encode(const struct auction_book *b, struct buf *out)
{
    buf_reset(out);
    for (int i = 0; i < b->nstand; i++) {
        const struct auction_standing *s = &b->stand[i];
        char hex[65];
        hex_encode(s->envelope, sizeof s->envelope, hex);
        if (buf_printf(out, "%s%lld:%lld:%lld:%d:%lld:%s", i ? "," : "", (long long)s->reg,
                       (long long)s->seq, (long long)s->at_ms, s->open, (long long)s->amount,
                       hex) != BUF_OK)
            return -1;
    }
    return buf_puts(out, "") == BUF_OK ? 0 : -1; /* data is never NULL */
}

/* sealed: the standings from the snapshot (auction_sealed_encode). */
static void sealed_decode(const char *p, struct auction_book *b)
{
    b->nstand = 0;
    while (p != NULL && *p && b->nstand < AUCTION_MAX_BIDDERS) {
        struct auction_standing *s = &b->stand[b->nstand];
        long long v[5];
        char *end = NULL;
        memset(s, 0, sizeof(*s));
        for (int k = 0; k < 5; k++) {
            v[k] = strtoll(p, &end, 10);
            if (end == p || *end != ':')
                return;
            p = end + 1;
        }
        if (hex_decode(p, 64, s->envelope, sizeof s->envelope) != 32)
            return;
        p += 64;
        s->reg = v[0];
        s->seq = v[1];
        s->at_ms = v[2];
        s->open = (int)v[3];
        s->amount = v[4];
        b->nstand++;
        if (*p != ',')
            return;
        p++;
    }
}

void auction_from_row(const struct store_auction *row, struct auction_terms *t,
                      struct auction_book *b)
{
    memset(t, 0, sizeof(*t));
    if (auction_kind_parse(row->kind, &t->kind) != 0)
        t->kind = AUCTION_ENGLISH;
    snprintf(t->preset, sizeof t->preset, "%s", row->preset ? row->preset : "custom");
    t->start_price = row->start_price;
    t->increment = row->increment;
    t->reserve = row->reserve;
    t->max_price = row->max_price;
    t->start_ms = row->start_ms;
    t->end_ms = row->end_ms;
    t->window_ms = row->window_ms;
    t->step_ms = row->step_ms;
    t->pause_ms = row->pause_ms;
    t->first_pause_ms = row->first_pause_ms;
    t->rounds = (int)row->rounds;
    if (b == NULL)
        return;
    auction_book_init(t, b);
    if (auction_state_parse(row->state, &b->state) != 0)
        b->state = AUCTION_SCHEDULED;
    b->reason = row->reason;
    b->end_ms = row->cur_end_ms;
    b->shift_ms = row->shift_ms;
    b->price = row->price;
    b->leader = row->leader_reg;
    b->leader_seq = row->leader_seq;
    b->nbids = row->nbids;
    b->seq = row->seq;
    b->closed_ms = row->closed_ms;
    b->order_round = (int)row->order_round;
    b->norder = 0;
    if (t->kind == AUCTION_SEALED) { /* the column keeps the envelopes */
        sealed_decode(row->round_order, b);
        return;
    }
    for (const char *p = row->round_order; p != NULL && *p && b->norder < AUCTION_MAX_BIDDERS;) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p)
            break;
        b->order[b->norder++] = (int64_t)v;
        p = *end == ',' ? end + 1 : end;
    }
}

enum err auction_load(struct store *s, struct arena *a, int64_t id, bool with_standings,
                      struct auction_view *out)
{
    struct store_tx *tx = NULL;
    memset(out, 0, sizeof(*out));
    out->book = arena_calloc(a, sizeof(*out->book));
    if (out->book == NULL)
        return ERR_INTERNAL;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    rc = store_auction_get(tx, a, id, &out->row);
    if (rc == STORE_OK) {
        auction_from_row(&out->row, &out->terms, out->book);
        if (with_standings && out->terms.kind == AUCTION_REVERSE) {
            struct store_auction_bid *bids;
            int n = 0;
            rc = store_auction_latest(tx, a, id, AUCTION_MAX_BIDDERS, &bids, &n);
            for (int i = 0; rc == STORE_OK && i < n; i++) {
                struct auction_standing *st = &out->book->stand[out->book->nstand++];
                st->reg = bids[i].reg_id;
                st->amount = bids[i].amount;
                st->at_ms = bids[i].received_ms;
                st->seq = bids[i].seq;
            }
        }
    }
    store_rollback(tx);
    return rc == STORE_NOTFOUND ? ERR_NOT_FOUND : domain_store_err(rc);
}

/* ---- create ---- */

struct create_job {
    const struct actor *who;
    struct store_auction row;
    int64_t id;
};

static enum err create_tx(struct store_tx *tx, void *arg)
{
    struct create_job *j = arg;
    struct buf d;
    struct jsonw w;
    int rc = store_auction_insert(tx, &j->row, &j->id);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    buf_init(&d, 1024);
    jsonw_init(&w, &d);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "kind", j->row.kind);
    jsonw_kstr(&w, "preset", j->row.preset);
    jsonw_kint(&w, "start_ms", j->row.start_ms);
    jsonw_kint(&w, "start_price", j->row.start_price);
    jsonw_obj_end(&w);
    rc = record(tx, j->who, "auction.create", "auction", j->id, NULL, d.data);
    buf_release(&d);
    return domain_store_err(rc);
}

enum err auction_create(struct store *s, const struct actor *who, int64_t agent_org_id,
                        const struct auction_input *in, int64_t *id, const char **field)
{
    struct auction_terms t = in->terms;
    *field = NULL;
    if (agent_org_id == 0) {
        *field = "org";
        return ERR_FORBIDDEN;
    }
    if (in->title == NULL || in->title[0] == '\0' || strlen(in->title) > AUCTION_TITLE_MAX) {
        *field = "title";
        return in->title == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    }
    if (in->deposit < 0 || in->deposit > AUCTION_PRICE_MAX) {
        *field = "deposit";
        return ERR_INVALID_FIELD;
    }
    enum err e = auction_terms_check(&t, clock_now_ms(), field);
    if (e != ERR_OK)
        return e;
    struct create_job j = {.who = who};
    struct store_auction *r = &j.row;
    r->title = in->title;
    r->kind = auction_kind_name(t.kind);
    r->preset = t.preset;
    r->agent_org_id = agent_org_id;
    r->created_by = who->user_id;
    r->start_price = t.start_price;
    r->increment = t.increment;
    r->reserve = t.reserve;
    r->max_price = t.max_price;
    r->deposit = in->deposit;
    r->start_ms = t.start_ms;
    r->end_ms = t.end_ms;
    r->window_ms = t.window_ms;
    r->step_ms = t.step_ms;
    r->pause_ms = t.pause_ms;
    r->first_pause_ms = t.first_pause_ms;
    r->rounds = t.rounds;
    r->cur_end_ms = t.end_ms;
    r->created_ms = clock_now_ms();
    e = domain_write(s, create_tx, &j);
    if (e == ERR_OK)
        *id = j.id;
    return e;
}

/* ---- registration ---- */

struct reg_job {
    const struct actor *who;
    int64_t auction_id;
    int64_t org_id;
    const char *deposit_ref;
    int64_t reg_id;
    /* decide */
    bool qualify;
    char paddle[AUCTION_PADDLE_LEN + 1];
    const char *reason;
};

static enum err reg_tx(struct store_tx *tx, void *arg)
{
    struct reg_job *j = arg;
    struct arena a;
    struct store_auction row;
    struct store_auction_reg old;
    arena_init(&a, 1 << 16);
    int rc = store_auction_get(tx, &a, j->auction_id, &row);
    enum err e = ERR_OK;
    if (rc != STORE_OK) {
        e = rc == STORE_NOTFOUND ? ERR_NOT_FOUND : domain_store_err(rc);
        goto out;
    }
    if (strcmp(row.state, "scheduled") != 0 || clock_now_ms() >= row.start_ms + row.shift_ms) {
        e = ERR_AUCTION_REGISTRATION_CLOSED;
        goto out;
    }
    if (row.agent_org_id == j->org_id) {
        e = ERR_RULE_CONFLICT_OF_INTEREST;
        goto out;
    }
    rc = store_auction_reg_by_org(tx, &a, j->auction_id, j->org_id, &old);
    if (rc == STORE_OK) {
        e = ERR_ALREADY_EXISTS;
        goto out;
    }
    if (rc != STORE_NOTFOUND) {
        e = domain_store_err(rc);
        goto out;
    }
    struct store_auction_reg r = {.auction_id = j->auction_id,
                                  .org_id = j->org_id,
                                  .user_id = j->who->user_id,
                                  .deposit_ref = j->deposit_ref,
                                  .applied_ms = clock_now_ms()};
    rc = store_auction_reg_insert(tx, &r, &j->reg_id);
    if (rc == STORE_OK)
        rc = record(tx, j->who, "auction.register", "auction_reg", j->reg_id, NULL, NULL);
    e = domain_store_err(rc);
out:
    arena_release(&a);
    return e;
}

enum err auction_register(struct store *s, const struct actor *who, int64_t auction_id,
                          int64_t org_id, const char *deposit_ref, int64_t *reg_id)
{
    if (org_id == 0)
        return ERR_FORBIDDEN;
    struct reg_job j = {
        .who = who, .auction_id = auction_id, .org_id = org_id, .deposit_ref = deposit_ref};
    enum err e = domain_write(s, reg_tx, &j);
    if (e == ERR_OK)
        *reg_id = j.reg_id;
    return e;
}

static void draw_paddle(char out[AUCTION_PADDLE_LEN + 1])
{
    uint32_t v;
    crypto_random(&v, sizeof v);
    snprintf(out, AUCTION_PADDLE_LEN + 1, "%06u", 100000u + v % 900000u);
}

static enum err decide_tx(struct store_tx *tx, void *arg)
{
    struct reg_job *j = arg;
    struct arena a;
    struct store_auction row;
    struct store_auction_reg r;
    enum err e = ERR_OK;
    arena_init(&a, 1 << 16);
    int rc = store_auction_get(tx, &a, j->auction_id, &row);
    if (rc == STORE_OK)
        rc = store_auction_reg_get(tx, &a, j->reg_id, &r);
    if (rc != STORE_OK || r.auction_id != j->auction_id) {
        e = rc == STORE_NOTFOUND || rc == STORE_OK ? ERR_NOT_FOUND : domain_store_err(rc);
        goto out;
    }
    if (strcmp(row.state, "scheduled") != 0 || clock_now_ms() >= row.start_ms + row.shift_ms) {
        e = ERR_AUCTION_REGISTRATION_CLOSED;
        goto out;
    }
    if (strcmp(r.state, "applied") != 0) {
        e = ERR_WRONG_STATE;
        goto out;
    }
    if (j->qualify) {
        int64_t n = 0;
        struct store_param p[] = {SP_I(j->auction_id)};
        rc = store_query_int(tx,
                             "SELECT count(*) FROM auction_regs WHERE auction_id = $1"
                             " AND state = 'qualified'",
                             p, 1, &n);
        if (rc != STORE_OK) {
            e = domain_store_err(rc);
            goto out;
        }
        if (n >= AUCTION_MAX_BIDDERS) {
            e = ERR_OVERLOADED;
            goto out;
        }
        /* a number nobody else in this auction has; a clash is redrawn */
        for (int attempt = 0; attempt < 16; attempt++) {
            struct store_param q[] = {SP_I(j->auction_id), SP_T(j->paddle)};
            draw_paddle(j->paddle);
            rc = store_query_int(tx,
                                 "SELECT count(*) FROM auction_regs WHERE auction_id = $1"
                                 " AND paddle = $2",
                                 q, 2, &n);
            if (rc != STORE_OK || n == 0)
                break;
        }
        if (rc == STORE_OK && n != 0)
            rc = STORE_CONSTRAINT;
    }
    if (rc == STORE_OK)
        rc = store_auction_reg_decide(tx, j->reg_id, j->qualify ? "qualified" : "rejected",
                                      j->qualify ? j->paddle : NULL, clock_now_ms(),
                                      j->who->user_id);
    if (rc == STORE_OK)
        rc = record(tx, j->who, j->qualify ? "auction.qualify" : "auction.reject", "auction_reg",
                    j->reg_id, NULL, NULL);
    e = domain_store_err(rc);
out:
    arena_release(&a);
    return e;
}

enum err auction_decide(struct store *s, const struct actor *who, int64_t auction_id,
                        int64_t reg_id, bool qualify, const char **paddle_out, struct arena *a)
{
    struct reg_job j = {.who = who, .auction_id = auction_id, .reg_id = reg_id, .qualify = qualify};
    enum err e = domain_write(s, decide_tx, &j);
    if (e == ERR_OK && paddle_out != NULL)
        *paddle_out = qualify ? arena_strdup(a, j.paddle) : NULL;
    return e;
}

/* ---- results ---- */

EVP_PKEY *auction_key_load(const char *data_dir)
{
    char dir[1024], err[256];
    EVP_PKEY *key = NULL;
    int n = snprintf(dir, sizeof dir, "%s/%s", data_dir ? data_dir : ".", AUCTION_KEY_DIR);
    if (n < 0 || (size_t)n >= sizeof dir)
        return NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        log_error("auction: cannot create %s: %s", dir, strerror(errno));
        return NULL;
    }
    if (receipt_key_load(dir, &key, err, sizeof err) != 0) {
        log_error("auction: result key: %s", err);
        return NULL;
    }
    return key;
}

/* One line of text: newlines and other controls become spaces. */
static void put_line(struct buf *b, const char *name, const char *v)
{
    buf_puts(b, name);
    buf_puts(b, ": ");
    for (const char *p = v ? v : "-"; *p; p++)
        buf_putc(b, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
    buf_putc(b, '\n');
}

static void put_int(struct buf *b, const char *name, int64_t v)
{
    buf_printf(b, "%s: %lld\n", name, (long long)v);
}

/* SHA-256 over the whole bid history, one line a bid: "seq paddle amount
 * received_ms\n" (docs/auction.md), so the result pins every bid. */
static int history_hash(struct store_tx *tx, int64_t auction_id, char out[65])
{
    struct buf h;
    struct arena a;
    int64_t after = 0;
    bool more = true;
    int rc = STORE_OK;
    buf_init(&h, AUCTION_HISTORY_MAX);
    while (more && rc == STORE_OK) {
        struct store_auction_bid *bids;
        int n = 0;
        arena_init(&a, 1 << 20);
        rc = store_auction_bids(tx, &a, auction_id, after, 1000, &bids, &n, &more);
        for (int i = 0; rc == STORE_OK && i < n; i++) {
            if (buf_printf(&h, "%lld %s %lld %lld\n", (long long)bids[i].seq,
                           bids[i].paddle ? bids[i].paddle : "-", (long long)bids[i].amount,
                           (long long)bids[i].received_ms) != 0)
                rc = STORE_TOOBIG;
            after = bids[i].seq;
        }
        arena_release(&a);
    }
    if (rc == STORE_OK)
        crypto_sha256_hex(h.data ? h.data : "", h.len, out);
    buf_release(&h);
    return rc;
}

int auction_result_write(struct store_tx *tx, EVP_PKEY *key, const struct store_auction *row,
                         const struct auction_terms *t, const struct auction_book *b)
{
    struct buf body, pem;
    struct arena a;
    struct store_auction_reg w = {0};
    char hist[65], key_id[65], sig[RECEIPT_SIG_B64], doc[65], utc[25];
    const char *outcome = b->state == AUCTION_SOLD     ? "sold"
                          : b->state == AUCTION_FAILED ? "failed"
                                                       : "cancelled";
    int64_t now = clock_now_ms();
    int rc;
    if (key == NULL)
        return STORE_ERROR;
    buf_init(&body, 16384);
    buf_init(&pem, 4096);
    arena_init(&a, 1 << 16);
    rc = history_hash(tx, row->id, hist);
    if (rc == STORE_OK && b->state == AUCTION_SOLD)
        rc = store_auction_reg_get(tx, &a, b->leader, &w);
    if (rc != STORE_OK)
        goto out;
    buf_puts(&body, AUCTION_CONFIRM_MAGIC "\n");
    put_int(&body, "auction", row->id);
    put_line(&body, "title", row->title);
    put_line(&body, "kind", auction_kind_name(t->kind));
    put_line(&body, "preset", t->preset);
    put_line(&body, "outcome", outcome);
    put_line(&body, "reason", b->reason);
    put_line(&body, "winner", w.paddle);
    put_line(&body, "winner_name", w.org_name);
    put_line(&body, "winner_uscc", w.org_uscc);
    put_int(&body, "price_fen", b->state == AUCTION_SOLD ? b->price : 0);
    put_int(&body, "winning_seq", b->state == AUCTION_SOLD ? b->leader_seq : 0);
    put_int(&body, "bids", b->nbids);
    put_int(&body, "last_seq", b->seq);
    put_line(&body, "bids_sha256", hist);
    put_int(&body, "start", auction_live_from(t, b));
    put_int(&body, "closed", b->closed_ms);
    put_int(&body, "shift_ms", b->shift_ms);
    put_int(&body, "time", now);
    clock_format_rfc3339(now, utc);
    put_line(&body, "time_utc", utc);
    if (receipt_key_id(key, key_id) != 0 || receipt_key_pem(key, &pem) != 0 ||
        receipt_sign(key, body.data, body.len, sig) != 0) {
        rc = STORE_ERROR;
        goto out;
    }
    struct store_auction_result res = {.auction_id = row->id,
                                       .outcome = outcome,
                                       .reason = b->reason,
                                       .winner_reg = b->state == AUCTION_SOLD ? b->leader : 0,
                                       .price = b->state == AUCTION_SOLD ? b->price : 0,
                                       .body = body.data,
                                       .key_id = key_id,
                                       .public_pem = pem.data,
                                       .signature = sig,
                                       .created_ms = now};
    rc = store_auction_result_insert(tx, &res);
    if (rc == STORE_OK) {
        struct actor sys = {.name = "system"};
        crypto_sha256_hex(body.data, body.len, doc);
        rc = record(tx, &sys, "auction.close", "auction", row->id, doc, NULL);
    }
out:
    buf_release(&body);
    buf_release(&pem);
    arena_release(&a);
    return rc;
}

/* ---- cancel ---- */

struct cancel_job {
    const struct actor *who;
    int64_t id;
    const char *reason;
    EVP_PKEY *key;
};

static enum err cancel_tx(struct store_tx *tx, void *arg)
{
    struct cancel_job *j = arg;
    struct arena a;
    struct store_auction row;
    struct auction_terms t;
    struct auction_book *b = calloc(1, sizeof(*b));
    enum err e = ERR_OK;
    arena_init(&a, 1 << 16);
    if (b == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    int rc = store_auction_get(tx, &a, j->id, &row);
    if (rc != STORE_OK) {
        e = rc == STORE_NOTFOUND ? ERR_NOT_FOUND : domain_store_err(rc);
        goto out;
    }
    auction_from_row(&row, &t, b);
    auction_rules_advance(&t, b, clock_now_ms());
    if (auction_state_closed(b->state)) {
        e = ERR_WRONG_STATE; /* ended (its writer closes it) or cancelled already */
        goto out;
    }
    auction_rules_cancel(b, clock_now_ms());
    /* bumps the epoch: a writer still running can commit nothing more */
    rc = store_auction_set_state(tx, j->id, "cancelled", "cancelled", b->closed_ms);
    if (rc == STORE_OK) {
        struct buf d;
        struct jsonw w;
        buf_init(&d, 4096);
        jsonw_init(&w, &d);
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "reason", j->reason);
        jsonw_obj_end(&w);
        rc = record(tx, j->who, "auction.cancel", "auction", j->id, NULL, d.data);
        buf_release(&d);
    }
    if (rc == STORE_OK)
        rc = auction_result_write(tx, j->key, &row, &t, b);
    e = domain_store_err(rc);
out:
    free(b);
    arena_release(&a);
    return e;
}

enum err auction_cancel(struct store *s, const struct actor *who, int64_t auction_id,
                        const char *reason)
{
    struct cancel_job j = {.who = who, .id = auction_id, .reason = reason};
    j.key = auction_key_load(auction_engine_data_dir());
    if (j.key == NULL)
        return ERR_INTERNAL;
    enum err e = domain_write(s, cancel_tx, &j);
    EVP_PKEY_free(j.key);
    return e;
}

/* ---- sealed envelopes ---- */

enum err auction_envelope_check(struct store *s, int64_t auction_id, int64_t org_id,
                                const void *env, size_t len, uint8_t sha256[32])
{
    struct envelope_reader *r = NULL;
    struct seal_error serr;
    struct store_tx *tx = NULL;
    struct arena a;
    struct org_cert sign;
    char tender[32], fp[65];
    enum err e = ERR_AUCTION_ENVELOPE_INVALID;
    if (len == 0 || len > AUCTION_ENVELOPE_MAX)
        return len == 0 ? ERR_AUCTION_ENVELOPE_INVALID : ERR_BODY_TOO_LARGE;
    arena_init(&a, 1 << 16);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_org_cert_active(tx, &a, org_id, "sign", &sign);
    store_rollback(tx);
    if (rc != STORE_OK) {
        e = rc == STORE_NOTFOUND ? ERR_CERT_NOT_REGISTERED : domain_store_err(rc);
        goto out;
    }
    r = envelope_reader_new(NULL);
    if (r == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    if (envelope_reader_feed(r, env, len, &serr) != SEAL_OK ||
        envelope_reader_finish(r, &serr) != SEAL_OK)
        goto out; /* structure or signature */
    const struct envelope_header *h = envelope_reader_header(r);
    snprintf(tender, sizeof tender, AUCTION_ENVELOPE_TENDER "%lld", (long long)auction_id);
    hex_encode(h->signer_fp, 32, fp);
    if (strcmp(h->tender, tender) != 0 || strcmp(h->lot, AUCTION_ENVELOPE_LOT) != 0 ||
        strcmp(fp, sign.fingerprint) != 0)
        goto out; /* another auction's, or not signed by the bidder */
    crypto_sha256(env, len, sha256);
    e = ERR_OK;
out:
    envelope_reader_free(r);
    arena_release(&a);
    return e;
}

enum err auction_envelope_open(struct store *s, const uint8_t sha256[32],
                               const uint8_t key[SUITE_KEY_LEN], bool *readable, int64_t *price)
{
    struct buf env, form;
    struct seal_error serr;
    char hex[65];
    enum err e = ERR_OK;
    *readable = false;
    *price = 0;
    buf_init(&env, AUCTION_ENVELOPE_MAX);
    buf_init(&form, OPENING_FORM_MAX);
    hex_encode(sha256, 32, hex);
    int rc = blob_get(s, hex, &env);
    if (rc != STORE_OK) {
        log_error("auction: the envelope %s is not readable: %s", hex, store_rc_name(rc));
        e = ERR_INTERNAL; /* the platform's fault: the bidder is not blamed */
        goto out;
    }
    rc = opening_envelope_form(env.data, env.len, key, &form, &serr);
    if (rc == SEAL_EWRONGKEY) {
        e = ERR_AUCTION_WRONG_KEY; /* nothing recorded: try again */
        goto out;
    }
    if (rc != SEAL_OK && rc != SEAL_EBADMAC && rc != SEAL_EBADHASH) {
        log_error("auction: the stored envelope %s fails: %s", hex, seal_err_code(rc));
        e = ERR_INTERNAL;
        goto out;
    }
    buf_reset(&env);
    if (rc == SEAL_OK && form.len > 0 &&
        opening_form_check(form.data, form.len, &env) == ERR_OK) { /* canonical into env */
        json_error_t jerr;
        json_t *j = json_loadb(env.data, env.len, 0, &jerr);
        json_t *p = json_object_get(j, "price_fen");
        if (json_is_integer(p) && json_integer_value(p) > 0) {
            *price = (int64_t)json_integer_value(p);
            *readable = true;
        }
        json_decref(j);
    }
out:
    buf_release(&env);
    buf_release(&form);
    return e;
}
