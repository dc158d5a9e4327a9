/*
 * domain/risk.c — tender risk flags and the risk watcher (risk.h).
 *
 * Owns: the rules table (kind, rule id, weight), the evaluation of one
 * tender's bids, the recomputation transaction and the watcher thread.
 * Invariants: a risk row is written only from a sealed hall, tagged with the
 * hall's version, so a later change of the hall (a newer version) makes the
 * row stale and the next round recomputes it; a warning goes out at most
 * once per tender (warned_ms). Everything a round does is decided from the
 * stored rows it reads, so two nodes racing during a lease hand-over only
 * compute the same row twice.
 * Threads: risk_evaluate is pure; risk_recompute from any thread; the
 * watcher thread is started and stopped by the serving thread.
 */
#include "domain/risk.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/relgraph.h"
#include "analytics/screens.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "crypto/envelope.h"
#include "crypto/suite.h"
#include "domain/accounts.h"
#include "domain/orgrel.h"
#include "domain/risk_sim.h"
#include "ledger/ledger.h"
#include "store/lease_worker.h"
#include "store/opening.h"
#include "store/risk.h"
#include "store/tender.h"

enum rule {
    R_IDENTICAL,
    R_ARITH,
    R_CEILING,
    R_LOW_CV,
    R_MACHINE,
    R_CERT,
    R_IP,
    R_LINKED,
    R_SIM_TEXT,
    R_SIM_META,
    R__COUNT
};

static const struct {
    const char *id;   /* stable rule id, shown with every flag */
    const char *kind; /* the flag's name */
    int weight;
} rules[R__COUNT] = {
    [R_SIM_TEXT] = {"S1", "similar_documents", 35}, /* domain/risk_sim.h */
    [R_SIM_META] = {"S2", "same_metadata", 25},
    [R_IDENTICAL] = {"P1", "identical_prices", 30},
    [R_ARITH] = {"P2", "arithmetic_progression", 20},
    [R_CEILING] = {"P3", "near_ceiling", 10},
    [R_LOW_CV] = {"P4", "low_cv", 15},
    [R_MACHINE] = {"M1", "same_machine", 35},
    [R_CERT] = {"M2", "same_certificate", 40},
    [R_IP] = {"M3", "same_upload_ip", 25},
    [R_LINKED] = {"L1", "linked_bidders", 25},
};

/* ---- evaluation (pure) ---- */

struct eval {
    const struct risk_input *in;
    struct jsonw *w;
    bool fired[R__COUNT];
};

static void num(struct jsonw *w, const char *key, double v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.6g", v);
    jsonw_key(w, key);
    if (!isfinite(v) || n <= 0 || (size_t)n >= sizeof tmp)
        jsonw_null(w);
    else
        jsonw_raw(w, tmp, (size_t)n);
}

static bool empty(const char *s)
{
    return s == NULL || *s == '\0';
}

/* Opens a flag object: rule, kind, weight, lot, then "orgs" of the members
 * of idx[0..n) flagged in mark[]. The caller writes "evidence" and closes. */
static void flag_begin(struct eval *ev, enum rule r, int64_t lot_no, const size_t *idx, size_t n,
                       const bool *mark)
{
    struct jsonw *w = ev->w;
    ev->fired[r] = true;
    jsonw_obj_begin(w);
    jsonw_kstr(w, "rule", rules[r].id);
    jsonw_kstr(w, "kind", rules[r].kind);
    jsonw_kint(w, "weight", rules[r].weight);
    jsonw_kint(w, "lot_no", lot_no);
    jsonw_key(w, "orgs");
    jsonw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        if (!mark[i])
            continue;
        bool dup = false; /* an organisation listed once */
        for (size_t k = 0; k < i; k++)
            dup |= mark[k] && ev->in->bids[idx[k]].org_id == ev->in->bids[idx[i]].org_id;
        if (dup)
            continue;
        jsonw_obj_begin(w);
        jsonw_kint(w, "id", ev->in->bids[idx[i]].org_id);
        jsonw_kstr(w, "name", ev->in->bids[idx[i]].org_name);
        jsonw_obj_end(w);
    }
    jsonw_arr_end(w);
    jsonw_key(w, "evidence");
    jsonw_obj_begin(w);
}

static void flag_end(struct eval *ev)
{
    jsonw_obj_end(ev->w); /* evidence */
    jsonw_obj_end(ev->w);
}

typedef const char *(*key_fn)(const struct risk_bid_in *b, char *tmp, size_t cap);

static const char *k_host(const struct risk_bid_in *b, char *tmp, size_t cap)
{
    return b->host_hash;
}
static const char *k_mac(const struct risk_bid_in *b, char *tmp, size_t cap)
{
    return b->mac_hash;
}
static const char *k_cert(const struct risk_bid_in *b, char *tmp, size_t cap)
{
    return b->signer_fp;
}
static const char *k_ip(const struct risk_bid_in *b, char *tmp, size_t cap)
{
    return b->remote_addr;
}
static const char *k_rep(const struct risk_bid_in *b, char *tmp, size_t cap)
{
    return b->legal_rep && rg_norm_name(b->legal_rep, tmp, cap) ? tmp : NULL;
}
static const char *k_phone(const struct risk_bid_in *b, char *tmp, size_t cap)
{
    return b->phone && rg_norm_phone(b->phone, tmp, cap) ? tmp : NULL;
}
static const char *k_email(const struct risk_bid_in *b, char *tmp, size_t cap)
{
    return b->email && rg_norm_email(b->email, tmp, cap) ? tmp : NULL;
}
static const char *k_addr(const struct risk_bid_in *b, char *tmp, size_t cap)
{
    return b->address && rg_norm_address(b->address, tmp, cap) ? tmp : NULL;
}

#define KEY_MAX 1024

/* Flags every value of key shared by two or more organisations of the lot
 * idx[0..n). what names the evidence field. */
static int shared(struct eval *ev, enum rule r, int64_t lot_no, const size_t *idx, size_t n,
                  key_fn key, const char *what)
{
    bool *done = calloc(n ? n : 1, sizeof *done), *mark = calloc(n ? n : 1, sizeof *mark);
    char *a = malloc(KEY_MAX), *b = malloc(KEY_MAX);
    int rc = 0;
    if (done == NULL || mark == NULL || a == NULL || b == NULL) {
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        const char *ki = key(&ev->in->bids[idx[i]], a, KEY_MAX);
        if (empty(ki))
            continue;
        size_t orgs = 1;
        memset(mark, 0, n * sizeof *mark);
        mark[i] = true;
        for (size_t j = i + 1; j < n; j++) {
            const char *kj = key(&ev->in->bids[idx[j]], b, KEY_MAX);
            if (empty(kj) || strcmp(ki, kj) != 0)
                continue;
            done[j] = mark[j] = true;
            bool seen = false;
            for (size_t k = 0; k < j; k++)
                seen |=
                    mark[k] && k != j && ev->in->bids[idx[k]].org_id == ev->in->bids[idx[j]].org_id;
            orgs += !seen;
        }
        if (orgs < 2)
            continue;
        flag_begin(ev, r, lot_no, idx, n, mark);
        jsonw_kstr(ev->w, what, ki);
        flag_end(ev);
    }
out:
    free(done);
    free(mark);
    free(a);
    free(b);
    return rc;
}

/* L1 over the stored relationship records (domain/orgrel.h): every key
 * (a person's number, a phone, an e-mail, an address, a bank account) held
 * by two or more organisations of the lot, its kind and value as evidence. */
static int linked_rel(struct eval *ev, int64_t lot_no, const size_t *idx, size_t n)
{
    const struct risk_bid_in *B = ev->in->bids;
    bool *mark = calloc(n ? n : 1, sizeof *mark);
    if (mark == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct orgrel_keys *ks = B[idx[i]].rel;
        for (size_t a = 0; ks != NULL && a < ks->n; a++) {
            const struct orgrel_key *k = &ks->k[a];
            bool before = orgrel_keys_find(ks, k->norm) != k; /* this bid's own repeat */
            for (size_t j = 0; j < i && !before; j++)
                before = orgrel_keys_find(B[idx[j]].rel, k->norm) != NULL;
            if (before)
                continue; /* flagged already */
            size_t orgs = 1;
            memset(mark, 0, n * sizeof *mark);
            mark[i] = true;
            for (size_t j = i + 1; j < n; j++) {
                if (orgrel_keys_find(B[idx[j]].rel, k->norm) == NULL)
                    continue;
                bool seen = false;
                for (size_t m = 0; m < j; m++)
                    seen |= mark[m] && B[idx[m]].org_id == B[idx[j]].org_id;
                mark[j] = true;
                orgs += !seen;
            }
            if (orgs < 2)
                continue;
            flag_begin(ev, R_LINKED, lot_no, idx, n, mark);
            jsonw_kstr(ev->w, "key", k->kind);
            jsonw_kstr(ev->w, k->kind, k->shown);
            jsonw_kstr(ev->w, "value", k->norm + 2);
            jsonw_key(ev->w, "holders");
            jsonw_arr_begin(ev->w);
            for (size_t j = 0; j < n; j++) {
                const struct orgrel_key *h =
                    mark[j] ? orgrel_keys_find(B[idx[j]].rel, k->norm) : NULL;
                if (h == NULL)
                    continue;
                char who[512]; /* "name: kind (source)", one string per holder */
                snprintf(who, sizeof who, "%s: %s (%s)",
                         B[idx[j]].org_name ? B[idx[j]].org_name : "?", h->kind, h->source);
                jsonw_str(ev->w, who);
            }
            jsonw_arr_end(ev->w);
            flag_end(ev);
        }
    }
    free(mark);
    return 0;
}

static const struct risk_input *sort_in;

static int cmp_bid(const void *x, const void *y)
{
    const struct risk_bid_in *a = &sort_in->bids[*(const size_t *)x],
                             *b = &sort_in->bids[*(const size_t *)y];
    if (a->lot_no != b->lot_no)
        return a->lot_no < b->lot_no ? -1 : 1;
    if (a->price_fen != b->price_fen)
        return a->price_fen < b->price_fen ? -1 : 1;
    return a->org_id < b->org_id ? -1 : a->org_id > b->org_id;
}

static int64_t lot_ceiling(const struct risk_input *in, int64_t lot_no)
{
    for (size_t i = 0; i < in->nlots; i++)
        if (in->lots[i].lot_no == lot_no && in->lots[i].ceiling_fen > 0)
            return in->lots[i].ceiling_fen;
    return in->ceiling_fen;
}

/* The price rules of one lot: pidx[0..np) its opened bids, ascending. */
static void price_rules(struct eval *ev, struct screens_ws *ws, int64_t lot_no, const size_t *pidx,
                        size_t np, const double *sorted, int64_t ceiling)
{
    const struct risk_bid_in *B = ev->in->bids;
    bool mark[RISK_MAX_BIDS];
    struct screens sc;
    if (np < 2)
        return;
    screens_compute(ws, sorted, np, ceiling > 0 ? (double)ceiling : NAN, &sc);
    /* P1: each price shared by two or more bids */
    for (size_t i = 0; i < np;) {
        size_t j = i;
        while (j < np && B[pidx[j]].price_fen == B[pidx[i]].price_fen)
            j++;
        if (j - i >= 2) {
            memset(mark, 0, np * sizeof *mark);
            for (size_t k = i; k < j; k++)
                mark[k] = true;
            flag_begin(ev, R_IDENTICAL, lot_no, pidx, np, mark);
            jsonw_kint(ev->w, "price_fen", B[pidx[i]].price_fen);
            jsonw_kint(ev->w, "bids", (int64_t)(j - i));
            flag_end(ev);
        }
        i = j;
    }
    /* P2: the longest run of >= 3 bids with one positive gap (exact, in fen) */
    if (sc.arith_run >= 3) {
        size_t best = 0, bstart = 0, start = 0;
        for (size_t i = 1; i < np; i++) {
            int64_t g = B[pidx[i]].price_fen - B[pidx[i - 1]].price_fen;
            if (i >= 2 && g > 0 && g == B[pidx[i - 1]].price_fen - B[pidx[i - 2]].price_fen) {
                if (i - start + 1 > best) {
                    best = i - start + 1;
                    bstart = start;
                }
            } else {
                start = i - 1;
            }
        }
        if (best >= 3) {
            memset(mark, 0, np * sizeof *mark);
            for (size_t k = bstart; k < bstart + best; k++)
                mark[k] = true;
            flag_begin(ev, R_ARITH, lot_no, pidx, np, mark);
            jsonw_kint(ev->w, "gap_fen", B[pidx[bstart + 1]].price_fen - B[pidx[bstart]].price_fen);
            jsonw_kint(ev->w, "bids", (int64_t)best);
            flag_end(ev);
        }
    }
    /* P3: at least half the bids, and two, within 1 % below the ceiling
     * (bids above the ceiling are invalid, not hugging it) */
    size_t near = 0;
    for (size_t k = 0; ceiling > 0 && k < np; k++) {
        mark[k] = (double)B[pidx[k]].price_fen >= (double)ceiling * (1 - RISK_CEILING_PCT) &&
                  B[pidx[k]].price_fen <= ceiling;
        near += mark[k];
    }
    if (ceiling > 0 && near >= 2 && near * 2 >= np) {
        flag_begin(ev, R_CEILING, lot_no, pidx, np, mark);
        jsonw_kint(ev->w, "ceiling_fen", ceiling);
        jsonw_kint(ev->w, "bids", (int64_t)near);
        flag_end(ev);
    }
    /* P4: the bids bunch up */
    if (np >= 3 && isfinite(sc.full[SCREEN_CV]) && sc.full[SCREEN_CV] < RISK_CV_LOW) {
        for (size_t k = 0; k < np; k++)
            mark[k] = true;
        flag_begin(ev, R_LOW_CV, lot_no, pidx, np, mark);
        num(ev->w, "cv", sc.full[SCREEN_CV]);
        num(ev->w, "threshold", RISK_CV_LOW);
        flag_end(ev);
    }
}

static void write_screens(struct jsonw *w, const double *sorted, size_t np)
{
    double out[SCREEN_COUNT];
    jsonw_key(w, "screens");
    if (np < 2) {
        jsonw_null(w);
        return;
    }
    screens_full(sorted, np, out);
    jsonw_obj_begin(w);
    jsonw_kint(w, "n", (int64_t)np);
    for (int i = 0; i < SCREEN_COUNT; i++)
        num(w, screens_name((enum screen_id)i), out[i]);
    jsonw_obj_end(w);
}

/* S1, S2: the bid document similarity's findings (domain/risk_sim.h), each
 * with the bidders of the hall it concerns. */
static void sim_rules(struct eval *ev, const struct risk_sim_hit *sim, size_t nsim)
{
    const struct risk_input *in = ev->in;
    size_t n = in->nbids > RISK_MAX_BIDS ? RISK_MAX_BIDS : in->nbids, idx[RSIM_HIT_ORGS];
    bool mark[RSIM_HIT_ORGS];
    for (size_t i = 0; sim != NULL && i < nsim; i++) {
        const struct risk_sim_hit *h = &sim[i];
        size_t k = 0;
        for (int o = 0; o < h->norgs && o < RSIM_HIT_ORGS; o++)
            for (size_t b = 0; b < n; b++)
                if (in->bids[b].org_id == h->orgs[o]) {
                    idx[k] = b;
                    mark[k++] = true;
                    break;
                }
        if (k < 2)
            continue;
        flag_begin(ev, h->kind == RSIM_TEXT ? R_SIM_TEXT : R_SIM_META, h->lot_no, idx, k, mark);
        if (h->kind == RSIM_TEXT) {
            jsonw_key(ev->w, "files");
            jsonw_arr_begin(ev->w);
            jsonw_str(ev->w, h->files[0]);
            jsonw_str(ev->w, h->files[1]);
            jsonw_arr_end(ev->w);
            jsonw_kint(ev->w, "passages", h->passages);
            jsonw_kint(ev->w, "shared_chars", (int64_t)h->chars);
            num(ev->w, "jaccard", h->jaccard);
            num(ev->w, "rarity", h->rarity);
        } else {
            jsonw_kstr(ev->w, "field", h->field);
            jsonw_kstr(ev->w, "value", h->value);
        }
        flag_end(ev);
    }
}

int risk_evaluate(const struct risk_input *in, struct buf *out, int *score, const char **level)
{
    return risk_evaluate_sim(in, NULL, 0, out, score, level);
}

int risk_evaluate_sim(const struct risk_input *in, const struct risk_sim_hit *sim, size_t nsim,
                      struct buf *out, int *score, const char **level)
{
    struct jsonw w;
    struct eval ev = {in, &w, {false}};
    struct screens_opts so;
    struct screens_ws ws;
    size_t *idx = NULL, *pidx = NULL;
    double *sorted = NULL;
    int rc = -1, sum = 0;
    size_t n = in->nbids > RISK_MAX_BIDS ? RISK_MAX_BIDS : in->nbids;
    screens_opts_default(&so);
    so.subsets = false;
    so.ceiling_pct = RISK_CEILING_PCT;
    if (screens_ws_init(&ws, &so) != 0)
        return -1;
    idx = malloc((n ? n : 1) * sizeof *idx);
    pidx = malloc((n ? n : 1) * sizeof *pidx);
    sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (idx == NULL || pidx == NULL || sorted == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    sort_in = in;
    qsort(idx, n, sizeof *idx, cmp_bid);
    sort_in = NULL;

    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "version", 1);
    jsonw_kint(&w, "tender_id", in->tender_id);
    jsonw_kstr(&w, "rules", "sunbid-risk-rules/v1");
    jsonw_key(&w, "lots");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < n;) {
        size_t j = i, np = 0;
        int64_t lot = in->bids[idx[i]].lot_no;
        while (j < n && in->bids[idx[j]].lot_no == lot)
            j++;
        for (size_t k = i; k < j; k++) {
            const struct risk_bid_in *b = &in->bids[idx[k]];
            if (b->price_fen >= 0 && b->status != NULL && strcmp(b->status, "opened") == 0) {
                pidx[np] = idx[k];
                sorted[np++] = (double)b->price_fen;
            }
        }
        int64_t ceiling = lot_ceiling(in, lot);
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "lot_no", lot);
        jsonw_key(&w, "ceiling_fen");
        if (ceiling > 0)
            jsonw_int(&w, ceiling);
        else
            jsonw_null(&w);
        jsonw_key(&w, "bids");
        jsonw_arr_begin(&w);
        for (size_t k = i; k < j; k++) {
            const struct risk_bid_in *b = &in->bids[idx[k]];
            jsonw_obj_begin(&w);
            jsonw_kint(&w, "org_id", b->org_id);
            jsonw_kstr(&w, "org_name", b->org_name);
            jsonw_kstr(&w, "status", b->status);
            jsonw_key(&w, "price_fen");
            if (b->price_fen >= 0)
                jsonw_int(&w, b->price_fen);
            else
                jsonw_null(&w);
            jsonw_kstr(&w, "host_hash", empty(b->host_hash) ? NULL : b->host_hash);
            jsonw_kstr(&w, "mac_hash", empty(b->mac_hash) ? NULL : b->mac_hash);
            jsonw_kstr(&w, "signer_fp", b->signer_fp);
            jsonw_kstr(&w, "remote_addr", b->remote_addr);
            jsonw_obj_end(&w);
        }
        jsonw_arr_end(&w);
        write_screens(&w, sorted, np);
        jsonw_obj_end(&w);
        i = j;
    }
    jsonw_arr_end(&w);

    jsonw_key(&w, "flags");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < n;) {
        size_t j = i, np = 0;
        int64_t lot = in->bids[idx[i]].lot_no;
        while (j < n && in->bids[idx[j]].lot_no == lot)
            j++;
        for (size_t k = i; k < j; k++) {
            const struct risk_bid_in *b = &in->bids[idx[k]];
            if (b->price_fen >= 0 && b->status != NULL && strcmp(b->status, "opened") == 0) {
                pidx[np] = idx[k];
                sorted[np++] = (double)b->price_fen;
            }
        }
        price_rules(&ev, &ws, lot, pidx, np, sorted, lot_ceiling(in, lot));
        const size_t *L = idx + i;
        size_t ln = j - i;
        if (shared(&ev, R_MACHINE, lot, L, ln, k_host, "host_hash") != 0 ||
            shared(&ev, R_MACHINE, lot, L, ln, k_mac, "mac_hash") != 0 ||
            shared(&ev, R_CERT, lot, L, ln, k_cert, "signer_fp") != 0 ||
            shared(&ev, R_IP, lot, L, ln, k_ip, "remote_addr") != 0 ||
            shared(&ev, R_LINKED, lot, L, ln, k_rep, "legal_rep") != 0 ||
            shared(&ev, R_LINKED, lot, L, ln, k_phone, "phone") != 0 ||
            shared(&ev, R_LINKED, lot, L, ln, k_email, "email") != 0 ||
            shared(&ev, R_LINKED, lot, L, ln, k_addr, "address") != 0 ||
            linked_rel(&ev, lot, L, ln) != 0)
            goto out;
        i = j;
    }
    sim_rules(&ev, sim, nsim);
    jsonw_arr_end(&w);
    for (int r = 0; r < R__COUNT; r++)
        if (ev.fired[r])
            sum += rules[r].weight;
    if (sum > 100)
        sum = 100;
    *score = sum;
    *level = sum >= RISK_LEVEL_HIGH ? "high" : sum >= RISK_LEVEL_LOW ? "low" : "none";
    jsonw_kint(&w, "score", sum);
    jsonw_kstr(&w, "level", *level);
    jsonw_obj_end(&w);
    rc = jsonw_finish(&w) == 0 ? 0 : -1;
out:
    screens_ws_release(&ws);
    free(idx);
    free(pidx);
    free(sorted);
    return rc;
}

/* ---- reading a tender ---- */

static void hex32(const uint8_t *p, char out[65])
{
    static const char d[] = "0123456789abcdef";
    bool zero = true;
    for (int i = 0; i < 32; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
        zero &= p[i] == 0;
    }
    out[64] = '\0';
    if (zero)
        out[0] = '\0'; /* unknown, as sealed in a browser */
}

/* The machine fingerprint in the envelope's signed header; unknown when
 * the blob cannot be had, is too large, or is not an envelope. */
static void read_machine(struct store *s, const char *hash, struct risk_bid_in *b)
{
    struct buf env;
    struct seal_error serr;
    b->host_hash[0] = b->mac_hash[0] = '\0';
    if (empty(hash))
        return;
    buf_init(&env, RISK_ENVELOPE_MAX);
    if (blob_get(s, hash, &env) == STORE_OK) {
        struct envelope_reader *r = envelope_reader_new(NULL);
        size_t off = 0;
        while (r != NULL && off < env.len && envelope_reader_header(r) == NULL) {
            size_t step = env.len - off < 4096 ? env.len - off : 4096;
            if (envelope_reader_feed(r, env.data + off, step, &serr) != SEAL_OK)
                break;
            off += step;
        }
        const struct envelope_header *h = r ? envelope_reader_header(r) : NULL;
        if (h != NULL) {
            hex32(h->machine.host_hash, b->host_hash);
            hex32(h->machine.mac_hash, b->mac_hash);
        }
        envelope_reader_free(r);
    }
    buf_release(&env);
}

static int64_t form_price(const char *form)
{
    json_error_t jerr;
    int64_t v = -1;
    if (form == NULL)
        return -1;
    json_t *j = json_loads(form, JSON_REJECT_DUPLICATES, &jerr);
    json_t *p = json_object_get(j, "price_fen");
    if (json_is_integer(p) && json_integer_value(p) >= 0)
        v = (int64_t)json_integer_value(p);
    json_decref(j);
    return v;
}

struct recompute {
    int64_t tender_id;
    int64_t version; /* the hall's, read with the inputs */
    const char *json;
    size_t len;
    int score;
    const char *level;
    bool warn; /* out */
};

static enum err recompute_tx(struct store_tx *tx, void *arg)
{
    struct recompute *rc = arg;
    struct arena a;
    struct opening_hall h;
    struct risk_row old, row = {0};
    char hex[65];
    uint8_t md[32];
    enum err e = ERR_OK;
    arena_init(&a, 1 << 20);
    int src = store_opening_hall_get(tx, &a, rc->tender_id, &h);
    if (src != STORE_OK || strcmp(h.phase, "sealed") != 0 || h.version != rc->version) {
        e = src == STORE_OK ? ERR_CONFLICT : domain_store_err(src);
        goto out;
    }
    src = store_risk_get(tx, &a, rc->tender_id, &old);
    if (src != STORE_OK && src != STORE_NOTFOUND) {
        e = domain_store_err(src);
        goto out;
    }
    bool warned = src == STORE_OK && old.warned_ms != 0;
    row.tender_id = rc->tender_id;
    row.score = rc->score;
    row.level = rc->level;
    row.flags = rc->json;
    row.basis_version = rc->version;
    row.computed_ms = clock_now_ms();
    rc->warn = !warned && strcmp(rc->level, "none") != 0;
    if (rc->warn)
        row.warned_ms = row.computed_ms;
    src = store_risk_put(tx, &row);
    suite_sha256(rc->json, rc->len, md);
    hex32(md, hex);
    struct ledger_event le = {"risk.compute", "tender", rc->tender_id, 0, "system", hex, 0};
    if (src == STORE_OK)
        src = ledger_append(tx, &le);
    if (src == STORE_OK) {
        char detail[160];
        snprintf(detail, sizeof detail, "{\"score\":%d,\"level\":\"%s\",\"sha256\":\"%s\"}",
                 rc->score, rc->level, hex);
        struct actor sys = {0, "system", NULL, NULL};
        src = audit_record(tx, &sys, "risk.compute", "tender", rc->tender_id, detail);
    }
    if (src != STORE_OK)
        e = domain_store_err(src);
out:
    arena_release(&a);
    return e;
}

enum err risk_recompute(struct store *s, int64_t tender_id, bool *warn, struct buf *event)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct page lots = {0}, bids = {0};
    struct tender t;
    struct opening_hall h;
    struct risk_bid_in *in = NULL;
    struct risk_lot_ceiling *lc = NULL;
    struct buf json;
    enum err e = ERR_OK;
    *warn = false;
    arena_init(&a, (size_t)64 << 20);
    buf_init(&json, RISK_JSON_MAX);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_opening_hall_get(tx, &a, tender_id, &h);
    if (rc == STORE_OK && strcmp(h.phase, "sealed") != 0)
        rc = STORE_NOTFOUND;
    if (rc == STORE_OK)
        rc = store_tender_get(tx, &a, tender_id, &t);
    if (rc == STORE_OK)
        rc = store_tender_lot_list(tx, &a, tender_id, 1000, &lots);
    if (rc == STORE_OK)
        rc = store_risk_bids(tx, &a, tender_id, RISK_MAX_BIDS, &bids);
    store_rollback(tx);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    in = calloc((size_t)(bids.n ? bids.n : 1), sizeof *in);
    lc = calloc((size_t)(lots.n ? lots.n : 1), sizeof *lc);
    if (in == NULL || lc == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    const struct tender_lot *L = lots.items;
    for (int i = 0; i < lots.n; i++) {
        lc[i].lot_no = L[i].lot_no;
        lc[i].ceiling_fen = L[i].ceiling_fen;
    }
    const struct risk_bid *B = bids.items;
    for (int i = 0; i < bids.n; i++) {
        in[i].lot_no = B[i].lot_no;
        in[i].org_id = B[i].org_id;
        in[i].org_name = B[i].org_name;
        in[i].status = B[i].status;
        in[i].price_fen =
            B[i].status && strcmp(B[i].status, "opened") == 0 ? form_price(B[i].form) : -1;
        in[i].signer_fp = B[i].signer_fp;
        in[i].remote_addr = B[i].remote_addr;
        in[i].legal_rep = B[i].legal_rep;
        in[i].phone = B[i].phone;
        in[i].email = B[i].email;
        in[i].address = B[i].address;
        read_machine(s, B[i].blob_hash, &in[i]);
    }
    /* the bidders' relationship records, for L1 (domain/orgrel.h) */
    int64_t *oids = arena_calloc(&a, sizeof *oids * (size_t)(bids.n ? bids.n : 1));
    struct orgrel_keys *rel = arena_calloc(&a, sizeof *rel * (size_t)(bids.n ? bids.n : 1));
    if (oids == NULL || rel == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    for (int i = 0; i < bids.n; i++)
        oids[i] = B[i].org_id;
    rc = orgrel_keys_load(s, &a, oids, (size_t)bids.n, rel);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    for (int i = 0; i < bids.n; i++)
        in[i].rel = &rel[i];
    struct risk_input ri = {tender_id, in, (size_t)bids.n, t.ceiling_fen, lc, (size_t)lots.n};
    struct recompute r = {tender_id, h.version, NULL, 0, 0, "none", false};
    /* the bid documents' similarity first (domain/risk_sim.h): its S1/S2 hits */
    struct risk_sim_hits *sh = malloc(sizeof *sh);
    enum err se = sh ? risk_sim_refresh(s, tender_id, h.version, sh) : ERR_INTERNAL;
    if (se != ERR_OK)
        log_warn("risk: tender %lld: no similarity: %s", (long long)tender_id, err_code(se));
    int erc = risk_evaluate_sim(&ri, se == ERR_OK ? sh->v : NULL, se == ERR_OK ? sh->n : 0, &json,
                                &r.score, &r.level);
    free(sh);
    if (erc != 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    r.json = json.data;
    r.len = json.len;
    e = domain_write(s, recompute_tx, &r);
    if (e != ERR_OK)
        goto out;
    *warn = r.warn;
    if (event != NULL && r.warn) {
        struct jsonw w;
        jsonw_init(&w, event);
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "tender_id", tender_id);
        jsonw_kstr(&w, "code", t.code);
        jsonw_kstr(&w, "title", t.title);
        jsonw_kint(&w, "score", r.score);
        jsonw_kstr(&w, "level", r.level);
        jsonw_kint(&w, "at_ms", clock_now_ms());
        jsonw_obj_end(&w);
        if (jsonw_finish(&w) != 0)
            buf_reset(event);
    }
out:
    free(in);
    free(lc);
    buf_release(&json);
    arena_release(&a);
    return e;
}

/* ---- the watcher ---- */

int risk_watch_run_once(struct store *s, struct cluster *c, int *done)
{
    int64_t ids[RISK_BATCH];
    int n = 0;
    struct store_tx *tx = NULL;
    *done = 0;
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_risk_stale(tx, ids, RISK_BATCH, &n);
    store_rollback(tx);
    if (rc != STORE_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        bool warn = false;
        struct buf ev;
        buf_init(&ev, 8192);
        enum err e = risk_recompute(s, ids[i], &warn, &ev);
        if (e != ERR_OK) {
            log_error("risk: tender %lld not computed: %s", (long long)ids[i], err_code(e));
            buf_release(&ev);
            continue;
        }
        (*done)++;
        if (warn && c != NULL && ev.len > 0) {
            int prc = cluster_publish(c, "supervision", "risk.warning", ev.data, ev.len);
            if (prc != STORE_OK)
                log_warn("risk: warning for tender %lld not published: %s", (long long)ids[i],
                         store_rc_name(prc));
        }
        buf_release(&ev);
    }
    return STORE_OK;
}

struct risk_watcher {
    struct store *store;     /* borrowed */
    struct cluster *cluster; /* borrowed */
    struct lease_worker *worker;
};

static int watch_round(void *arg, bool *more)
{
    struct risk_watcher *q = arg;
    int done = 0;
    *more = false; /* risk_watch_run_once takes a batch; the next tick the rest */
    return risk_watch_run_once(q->store, q->cluster, &done);
}

struct risk_watcher *risk_watcher_start(struct store *s, struct cluster *c, int64_t tick_ms)
{
    struct risk_watcher *q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->store = s;
    q->cluster = c;
    struct lease_worker_config cfg = {.name = "risk",
                                      .lease = RISK_LEASE,
                                      .tick_ms = tick_ms > 0 ? tick_ms : RISK_TICK_MS,
                                      .max_rounds = 1,
                                      .round = watch_round,
                                      .arg = q};
    q->worker = lease_worker_start(s, c, &cfg);
    if (q->worker == NULL) {
        free(q);
        return NULL;
    }
    return q;
}

void risk_watcher_stop(struct risk_watcher *q)
{
    if (q == NULL)
        return;
    lease_worker_stop(q->worker);
    free(q);
}
